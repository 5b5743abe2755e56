/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <errno.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "macro.h"
#include "varlink-internal.h"

#define BATCH_MAX VARLINK_STREAM_BUFFER
/* Reads one wakeup may do beyond the first, so one busy client cannot
 * keep the loop from the other connections. */
#define READ_AHEAD_MAX 16U

/* A connection is referenced by the server's list and, temporarily, by
 * whichever event callback is running on it, so it can be dropped from
 * deep inside a handler and freed only when the stack unwinds. */

VarlinkConnection *varlink_connection_ref(VarlinkConnection *c) {
        c->n_ref++;
        return c;
}

VarlinkConnection *varlink_connection_unref(VarlinkConnection *c) {
        if (!c || --c->n_ref > 0)
                return NULL;
        varlink_buffer_done(&c->in);
        varlink_buffer_done(&c->out);
        free(c->listen_name);
        free(c);
        return NULL;
}

static void cancel_current(VarlinkConnection *c) {
        VarlinkCall *call = TAKE_PTR(c->current);

        if (!call)
                return;
        call->connection = NULL;
        if (!call->finished && call->cancel) {
                varlink_cancel_t cb = TAKE_PTR(call->cancel);
                varlink_call_ref(call);
                cb(call, call->cancel_userdata);
                call->finished = true;
                varlink_call_unref(call);
        }
        call->finished = true;
        varlink_call_unref(call);
}

void varlink_connection_drop(VarlinkConnection *c) {
        VarlinkServer *s = c->server;

        if (c->dead)
                return;
        c->dead = true;

        c->io = sd_event_source_disable_unref(c->io);
        c->idle = sd_event_source_disable_unref(c->idle);
        c->defer = sd_event_source_disable_unref(c->defer);
        if (c->fd >= 0)
                close(TAKE_FD(c->fd));

        if (c->prev)
                c->prev->next = c->next;
        else
                s->connections = c->next;
        if (c->next)
                c->next->prev = c->prev;
        c->prev = c->next = NULL;
        s->n_connections--;
        if (s->count_callback)
                s->count_callback(s, s->count_callback_userdata);

        cancel_current(c);
        varlink_connection_unref(c); /* the list's reference */
}

bool varlink_connection_congested(const VarlinkConnection *c) {
        return varlink_buffer_size(&c->out) >= VARLINK_STREAM_BUFFER;
}

static void update_events(VarlinkConnection *c) {
        uint32_t want = 0;

        if (c->dead || !c->io)
                return;
        /* A streaming call waits for room in the output queue: once there
         * is room, its producer runs again from the defer source. */
        if (c->current && c->current->drain && !varlink_connection_congested(c) && c->defer)
                (void) sd_event_source_set_enabled(c->defer, SD_EVENT_ONESHOT);
        /* Backpressure: while a call is in flight and the next one is
         * already buffered, stop reading. */
        if (!c->read_eof && !(c->current && varlink_buffer_has_message(&c->in)))
                want |= EPOLLIN;
        if (varlink_buffer_size(&c->out) > 0)
                want |= EPOLLOUT;
        if (want != c->io_events) {
                if (sd_event_source_set_io_events(c->io, want) < 0) {
                        varlink_connection_drop(c);
                        return;
                }
                c->io_events = want;
        }
}

static int flush(VarlinkConnection *c) {
        int r;

        if (c->dead || varlink_buffer_size(&c->out) == 0)
                return 0;
        r = varlink_buffer_flush(&c->out, c->fd);
        if (r < 0) {
                varlink_connection_drop(c);
                return r;
        }
        if (varlink_buffer_size(&c->out) > VARLINK_OUTPUT_MAX) {
                /* The peer does not read: stop buffering for it. */
                varlink_connection_drop(c);
                return -ENOBUFS;
        }
        return 0;
}

/* Runs queued calls until one stays open or input runs out; replies made
 * meanwhile are written with one send at the end. */
static void process(VarlinkConnection *c) {
        int r;

        c->processing = true;
        while (!c->dead && !c->current) {
                json_object *m = NULL;

                r = varlink_buffer_parse_next(&c->in, c->server->tokener, VARLINK_MESSAGE_MAX, &m);
                if (r == 0)
                        break;
                if (r >= 0)
                        r = varlink_connection_dispatch(c, m);
                /* With nothing else queued, the reply goes out before the
                 * parsed message is freed: the peer can go on meanwhile. */
                if (r >= 0 && !c->dead && !varlink_buffer_has_message(&c->in))
                        (void) flush(c);
                json_object_put(m);
                if (r < 0) {
                        varlink_connection_drop(c); /* not Varlink: no reply is possible */
                        break;
                }
        }
        c->processing = false;

        if (c->dead)
                return;
        (void) flush(c);
        if (c->dead)
                return;

        if (c->read_eof && !c->current && !varlink_buffer_has_message(&c->in)) {
                /* Peer finished sending: a partial message is lost for
                 * good; otherwise close once the replies are out. */
                if (varlink_buffer_size(&c->in) > 0 || varlink_buffer_size(&c->out) == 0) {
                        varlink_connection_drop(c);
                        return;
                }
        }
        update_events(c);
}

/* A client that got its reply usually sends the next call right away;
 * when it ran meanwhile (one CPU), the call is already here and reading
 * it now saves the trip through epoll_wait() and the event loop. */
static bool read_ahead_worth(VarlinkConnection *c) {
        return !c->dead && !c->read_eof && !c->current && (c->io_events & EPOLLIN) &&
                varlink_buffer_size(&c->out) == 0;
}

static int on_io(sd_event_source *source, int fd, uint32_t revents, void *userdata) {
        VarlinkConnection *c = varlink_connection_ref(userdata);
        int r;

        if ((revents & EPOLLIN) && (c->io_events & EPOLLIN) && !c->read_eof)
                for (unsigned k = 0;; k++) {
                        r = varlink_buffer_read(&c->in, c->fd, VARLINK_MESSAGE_MAX);
                        if (r > 0) {
                                (void) sd_event_now(c->server->event, CLOCK_MONOTONIC, &c->last_input_usec);
                                process(c);
                        } else if (r == 0) {
                                c->read_eof = true;
                                process(c);
                        } else if (r != -EAGAIN && r != -EINTR)
                                varlink_connection_drop(c); /* incl. -EMSGSIZE: message over the cap */
                        if (r <= 0 || k >= READ_AHEAD_MAX || !read_ahead_worth(c))
                                break;
                }

        if (!c->dead && (revents & EPOLLOUT)) {
                if (flush(c) >= 0) {
                        if (c->read_eof)
                                process(c);
                        else
                                update_events(c);
                }
        }

        /* Hangup: nothing more can be read or delivered, unless input is
         * still being drained (the next EPOLLIN wakeup sees EOF). */
        if (!c->dead && (revents & (EPOLLHUP | EPOLLERR)) && (c->read_eof || !(c->io_events & EPOLLIN)))
                varlink_connection_drop(c);

        varlink_connection_unref(c);
        return 0;
}

/* Lets a streaming call produce its next replies; they are batched like
 * replies made in the dispatch loop. */
static void run_drain(VarlinkConnection *c) {
        VarlinkCall *call = varlink_call_ref(c->current);
        int r;

        c->processing = true;
        r = call->drain(call, call->drain_userdata);
        c->processing = false;
        if (r < 0 && !call->finished)
                (void) varlink_call_error_errno(call, r);
        varlink_call_unref(call);
}

static int on_defer(sd_event_source *source, void *userdata) {
        VarlinkConnection *c = varlink_connection_ref(userdata);

        if (!c->dead && c->current && c->current->drain && !varlink_connection_congested(c))
                run_drain(c);
        process(c);
        varlink_connection_unref(c);
        return 0;
}

static int on_idle(sd_event_source *source, uint64_t usec, void *userdata) {
        VarlinkConnection *c = userdata;
        uint64_t timeout = varlink_server_idle_timeout(c->server);

        /* Busy connections are not idle; otherwise measure from the last
         * input, re-arming lazily so reads never touch the timer. */
        if (c->current || varlink_buffer_size(&c->out) > 0)
                usec += timeout;
        else if (c->last_input_usec + timeout > usec)
                usec = c->last_input_usec + timeout;
        else {
                varlink_connection_drop(c);
                return 0;
        }
        if (sd_event_source_set_time(source, usec) < 0 ||
            sd_event_source_set_enabled(source, SD_EVENT_ONESHOT) < 0)
                varlink_connection_drop(c);
        return 0;
}

void varlink_connection_after_reply(VarlinkConnection *c, bool final) {
        if (c->dead)
                return;
        /* Inside the dispatch loop replies are batched into one send, but a
         * handler streaming a lot must not grow the queue without bound. */
        if (c->processing) {
                if (varlink_buffer_size(&c->out) >= BATCH_MAX)
                        (void) flush(c);
                return;
        }

        varlink_connection_ref(c);
        (void) flush(c);
        if (!c->dead) {
                if (final && c->defer)
                        (void) sd_event_source_set_enabled(c->defer, SD_EVENT_ONESHOT);
                update_events(c);
        }
        varlink_connection_unref(c);
}

void varlink_connection_after_drain_set(VarlinkConnection *c) {
        /* Inside the dispatch loop (or a producer run) the loop's end
         * updates the events anyway. */
        if (!c->processing)
                update_events(c);
}

int varlink_connection_attach(VarlinkConnection *c) {
        VarlinkServer *s = c->server;
        uint64_t now;
        int r;

        if (!s->event || c->io)
                return 0;

        r = sd_event_add_io(s->event, &c->io, c->fd, EPOLLIN, on_io, c);
        if (r < 0)
                return r;
        c->io_events = EPOLLIN;
        (void) sd_event_source_set_priority(c->io, s->priority);

        r = sd_event_add_defer(s->event, &c->defer, on_defer, c);
        if (r < 0)
                return r;
        (void) sd_event_source_set_priority(c->defer, s->priority);
        r = sd_event_source_set_enabled(c->defer, SD_EVENT_OFF);
        if (r < 0)
                return r;

        r = sd_event_now(s->event, CLOCK_MONOTONIC, &now);
        if (r < 0)
                return r;
        c->last_input_usec = now;
        r = sd_event_add_time(s->event, &c->idle, CLOCK_MONOTONIC, now + varlink_server_idle_timeout(s),
                              0, on_idle, c);
        if (r < 0)
                return r;
        (void) sd_event_source_set_priority(c->idle, s->priority);
        return 0;
}

int varlink_connection_new(VarlinkServer *s, int fd, const char *listen_name) {
        VarlinkConnection *c;
        socklen_t l = sizeof c->ucred;
        int r;

        c = calloc(1, sizeof *c);
        if (!c) {
                close(fd);
                return -ENOMEM;
        }
        c->n_ref = 1;
        c->server = s;
        c->fd = fd;
        c->listen_name = strdup(listen_name ?: "");
        if (!c->listen_name) {
                close(fd);
                free(c);
                return -ENOMEM;
        }
        if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &c->ucred, &l) >= 0 && l == sizeof c->ucred &&
            c->ucred.pid > 0)
                c->have_ucred = true;

        c->next = s->connections;
        if (c->next)
                c->next->prev = c;
        s->connections = c;
        s->n_connections++;
        if (s->count_callback)
                s->count_callback(s, s->count_callback_userdata);

        r = varlink_connection_attach(c);
        if (r < 0) {
                varlink_connection_drop(c);
                return r;
        }
        return 0;
}
