/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "macro.h"
#include "varlink-idl.h"
#include "varlink-message.h"

typedef struct Pending {
        struct Pending *next;
        varlink_reply_t cb;
        void *userdata;
        bool more;
} Pending;

struct VarlinkClient {
        unsigned n_ref;
        int fd;
        VarlinkBuffer in, out;
        json_tokener *tokener;
        sd_event *event;
        sd_event_source *io, *timer;
        int64_t priority;
        uint32_t io_events;
        uint64_t timeout_usec;     /* UINT64_MAX: default */
        uint64_t last_progress_usec;
        Pending *head, *tail;
        unsigned n_pending;
        json_object *last;         /* keeps the last error name alive */
        bool dead, freed, more_active;
};

static uint64_t now_usec(void) {
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t) ts.tv_sec * 1000000ULL + (uint64_t) ts.tv_nsec / 1000ULL;
}

static uint64_t client_timeout(const VarlinkClient *c) {
        return c->timeout_usec > 0 && c->timeout_usec != UINT64_MAX ? c->timeout_usec : VARLINK_CALL_TIMEOUT_USEC;
}

void varlink_client_set_timeout(VarlinkClient *c, uint64_t usec) {
        if (c)
                c->timeout_usec = usec;
}

unsigned varlink_client_n_pending(VarlinkClient *c) {
        return c ? c->n_pending : 0;
}

int varlink_client_new_fd(VarlinkClient **ret, int fd) {
        VarlinkClient *c;

        if (fd < 0)
                return -EBADF;
        if (!ret) {
                close(fd);
                return -EINVAL;
        }
        c = calloc(1, sizeof *c);
        if (!c) {
                close(fd);
                return -ENOMEM;
        }
        c->n_ref = 1;
        c->fd = fd;
        c->timeout_usec = UINT64_MAX;
        c->tokener = varlink_tokener_new();
        if (!c->tokener || fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK) < 0) {
                int r = c->tokener ? -errno : -ENOMEM;
                varlink_client_free(c);
                return r;
        }
        *ret = c;
        return 0;
}

int varlink_client_connect(VarlinkClient **ret, const char *address) {
        struct sockaddr_un sa = { .sun_family = AF_UNIX };
        socklen_t salen;
        const char *path;
        int fd;

        if (!ret || !address)
                return -EINVAL;
        path = strncmp(address, "unix:", 5) == 0 ? address + 5 : address;
        if (isempty(path) || strlen(path) >= sizeof sa.sun_path)
                return -EINVAL;
        strncpy(sa.sun_path, path, sizeof sa.sun_path - 1);
        salen = offsetof(struct sockaddr_un, sun_path) + strlen(path) + 1;
        if (path[0] == '@') { /* abstract namespace */
                sa.sun_path[0] = 0;
                salen--;
        }

        fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (fd < 0)
                return -errno;
        if (connect(fd, (struct sockaddr *) &sa, salen) < 0) {
                int r = -errno;
                close(fd);
                return r;
        }
        return varlink_client_new_fd(ret, fd);
}

static void pending_drop_all(VarlinkClient *c) {
        while (c->head) {
                Pending *p = c->head;
                c->head = p->next;
                free(p);
        }
        c->tail = NULL;
        c->n_pending = 0;
}

static void client_unref(VarlinkClient *c) {
        if (!c || --c->n_ref > 0)
                return;
        pending_drop_all(c);
        sd_event_source_disable_unref(c->io);
        sd_event_source_disable_unref(c->timer);
        sd_event_unref(c->event);
        if (c->fd >= 0)
                close(c->fd);
        varlink_buffer_done(&c->in);
        varlink_buffer_done(&c->out);
        if (c->tokener)
                json_tokener_free(c->tokener);
        json_object_put(c->last);
        free(c);
}

VarlinkClient *varlink_client_free(VarlinkClient *c) {
        if (!c)
                return NULL;
        c->freed = true;
        pending_drop_all(c);
        client_unref(c);
        return NULL;
}

/* ---- reply interpretation (shared by sync and async) ---- */

typedef struct Reply {
        json_object *parameters; /* borrowed from the message */
        const char *error;
        bool continues;
} Reply;

static int reply_parse(json_object *m, Reply *ret) {
        Reply r = {};

        json_object_object_foreach(m, key, v) {
                if (streq(key, "parameters")) {
                        if (v && !json_object_is_type(v, json_type_object))
                                return -EPROTO;
                        r.parameters = v;
                } else if (streq(key, "error")) {
                        if (!json_object_is_type(v, json_type_string) ||
                            !varlink_idl_qualified_name_is_valid(json_object_get_string(v)))
                                return -EPROTO;
                        r.error = json_object_get_string(v);
                } else if (streq(key, "continues")) {
                        if (v && !json_object_is_type(v, json_type_boolean))
                                return -EPROTO;
                        r.continues = json_object_get_boolean(v);
                }
                /* other keys: tolerated, for newer peers */
        }
        if (r.error && r.continues)
                return -EPROTO;
        if (!r.parameters) {
                /* Give callers an object either way. */
                r.parameters = json_object_new_object();
                if (!r.parameters || json_object_object_add(m, "parameters", r.parameters) < 0)
                        return -ENOMEM;
        }
        *ret = r;
        return 0;
}

static int check_call(const char *method, json_object *params) {
        if (!varlink_idl_qualified_name_is_valid(method))
                return -EINVAL;
        if (params && !json_object_is_type(params, json_type_object))
                return -EINVAL;
        return 0;
}

/* ---- synchronous use ---- */

static int wait_fd(int fd, short events, uint64_t deadline) {
        for (;;) {
                uint64_t n = now_usec();
                struct pollfd p = { .fd = fd, .events = events };
                int r;

                if (n >= deadline)
                        return -ETIMEDOUT;
                r = poll(&p, 1, (int) MIN((deadline - n + 999) / 1000, (uint64_t) INT32_MAX));
                if (r < 0 && errno != EINTR)
                        return -errno;
                if (r > 0)
                        return 0;
        }
}

static int sync_fail(VarlinkClient *c, int r) {
        c->dead = true;
        if (r == -EPIPE || r == -ECONNRESET || r == -ENOTCONN)
                return -ECONNRESET;
        if (r == -EMSGSIZE || r == -EBADMSG)
                return -EPROTO;
        return r;
}

static int sync_write(VarlinkClient *c, uint64_t deadline) {
        for (;;) {
                int r = varlink_buffer_flush(&c->out, c->fd);
                if (r <= 0)
                        return r;
                r = wait_fd(c->fd, POLLOUT, deadline);
                if (r < 0)
                        return r;
        }
}

static int sync_read(VarlinkClient *c, uint64_t deadline, json_object **ret) {
        for (;;) {
                int r;

                r = varlink_buffer_parse_next(&c->in, c->tokener, VARLINK_MESSAGE_MAX, ret);
                if (r != 0)
                        return r < 0 ? r : 0;

                r = varlink_buffer_read(&c->in, c->fd, VARLINK_MESSAGE_MAX);
                if (r == 0)
                        return -ECONNRESET;
                if (r == -EAGAIN || r == -EINTR) {
                        r = wait_fd(c->fd, POLLIN, deadline);
                        if (r < 0)
                                return r;
                } else if (r < 0)
                        return r;
        }
}

static int sync_send(VarlinkClient *c, const char *method, json_object *params, bool more, bool oneway) {
        int r;

        if (!c)
                return -EINVAL;
        r = check_call(method, params);
        if (r < 0)
                return r;
        if (c->dead)
                return -ECONNRESET;
        if (c->n_pending > 0 || c->more_active)
                return -EBUSY;

        r = varlink_message_append_call(&c->out, method, params, more, oneway);
        if (r < 0)
                return r;
        r = sync_write(c, now_usec() + client_timeout(c));
        if (r < 0)
                return sync_fail(c, r);
        return 0;
}

/* Reads one reply and hands it out; returns its continues flag. */
static int sync_receive(VarlinkClient *c, json_object **ret_reply, const char **ret_error_name) {
        /* Both out-params are always given by the callers here. */
        json_object *m = NULL;
        Reply rep;
        int r;

        r = sync_read(c, now_usec() + client_timeout(c), &m);
        if (r < 0)
                return sync_fail(c, r);
        r = reply_parse(m, &rep);
        if (r < 0) {
                json_object_put(m);
                return sync_fail(c, r);
        }

        json_object_put(c->last);
        c->last = m;
        *ret_reply = json_object_get(rep.parameters);
        *ret_error_name = rep.error;
        return rep.continues;
}

int varlink_call_sync(VarlinkClient *c, const char *method, json_object *params,
                      json_object **ret_reply, const char **ret_error_name) {
        int r;

        json_object *reply = NULL;
        const char *error = NULL;

        r = sync_send(c, method, params, false, false);
        if (r < 0)
                return r;
        r = sync_receive(c, &reply, &error);
        if (r < 0)
                return r;
        if (r > 0) {
                /* "continues" without "more": the peer is not speaking Varlink. */
                json_object_put(reply);
                return sync_fail(c, -EPROTO);
        }
        if (error && !ret_error_name) {
                json_object_put(reply);
                return -EREMOTEIO;
        }
        if (ret_reply)
                *ret_reply = reply;
        else
                json_object_put(reply);
        if (ret_error_name)
                *ret_error_name = error;
        return 0;
}

int varlink_call_oneway(VarlinkClient *c, const char *method, json_object *params) {
        return sync_send(c, method, params, false, true);
}

int varlink_call_more_begin(VarlinkClient *c, const char *method, json_object *params) {
        int r = sync_send(c, method, params, true, false);
        if (r >= 0)
                c->more_active = true;
        return r;
}

int varlink_call_more_next(VarlinkClient *c, json_object **ret_reply, const char **ret_error_name,
                           bool *ret_continues) {
        json_object *reply = NULL;
        const char *error = NULL;
        int r;

        if (!c)
                return -EINVAL;
        if (!c->more_active)
                return 0;

        r = sync_receive(c, &reply, &error);
        if (r < 0) {
                c->more_active = false;
                return r;
        }
        if (r == 0 || error)
                c->more_active = false;
        if (error && !ret_error_name) {
                json_object_put(reply);
                return -EREMOTEIO;
        }
        if (ret_reply)
                *ret_reply = reply;
        else
                json_object_put(reply);
        if (ret_error_name)
                *ret_error_name = error;
        if (ret_continues)
                *ret_continues = r > 0 && !error;
        return 1;
}

/* ---- asynchronous use ---- */

static void async_fail(VarlinkClient *c, const char *error) {
        json_object *empty = json_object_new_object();

        c->dead = true;
        c->io = sd_event_source_disable_unref(c->io);
        c->timer = sd_event_source_disable_unref(c->timer);
        while (c->head && !c->freed) {
                Pending *p = c->head;
                c->head = p->next;
                if (!c->head)
                        c->tail = NULL;
                c->n_pending--;
                if (p->cb)
                        p->cb(c, empty, error, 0, p->userdata);
                free(p);
        }
        json_object_put(empty);
}

static void update_io(VarlinkClient *c) {
        uint32_t want = EPOLLIN;

        if (c->dead || !c->io)
                return;
        if (varlink_buffer_size(&c->out) > 0)
                want |= EPOLLOUT;
        if (want != c->io_events && sd_event_source_set_io_events(c->io, want) >= 0)
                c->io_events = want;
        if (c->timer)
                (void) sd_event_source_set_enabled(c->timer, c->n_pending > 0 ? SD_EVENT_ONESHOT : SD_EVENT_OFF);
}

static void async_process(VarlinkClient *c) {
        while (!c->dead && !c->freed) {
                json_object *m = NULL;
                Reply rep;
                int r;

                r = varlink_buffer_parse_next(&c->in, c->tokener, VARLINK_MESSAGE_MAX, &m);
                if (r == 0)
                        break;
                if (r >= 0)
                        r = reply_parse(m, &rep);
                if (r >= 0 && (!c->head || (rep.continues && !c->head->more)))
                        r = -EPROTO;
                if (r < 0) {
                        json_object_put(m);
                        async_fail(c, VARLINK_ERROR_PROTOCOL);
                        break;
                }

                Pending *h = c->head;
                if (!rep.continues) {
                        c->head = h->next;
                        if (!c->head)
                                c->tail = NULL;
                        c->n_pending--;
                }
                (void) sd_event_now(c->event, CLOCK_MONOTONIC, &c->last_progress_usec);
                if (h->cb)
                        h->cb(c, rep.parameters, rep.error, rep.continues ? VARLINK_REPLY_CONTINUES : 0, h->userdata);
                if (!rep.continues)
                        free(h);
                json_object_put(m);
        }
}

static int on_client_io(sd_event_source *s, int fd, uint32_t revents, void *userdata) {
        VarlinkClient *c = userdata;
        int r;

        c->n_ref++;
        if (revents & EPOLLOUT) {
                r = varlink_buffer_flush(&c->out, c->fd);
                if (r < 0)
                        async_fail(c, VARLINK_ERROR_DISCONNECTED);
        }
        if (!c->dead && !c->freed && (revents & (EPOLLIN | EPOLLHUP | EPOLLERR))) {
                r = varlink_buffer_read(&c->in, c->fd, VARLINK_MESSAGE_MAX);
                if (r > 0)
                        async_process(c);
                else if (r == -EMSGSIZE)
                        async_fail(c, VARLINK_ERROR_PROTOCOL);
                else if (r != -EAGAIN && r != -EINTR) {
                        async_process(c); /* whatever arrived before the close */
                        if (!c->dead && !c->freed)
                                async_fail(c, VARLINK_ERROR_DISCONNECTED);
                }
        }
        if (!c->freed)
                update_io(c);
        client_unref(c);
        return 0;
}

static int on_client_timer(sd_event_source *s, uint64_t usec, void *userdata) {
        VarlinkClient *c = userdata;
        uint64_t deadline = c->last_progress_usec + client_timeout(c);

        if (c->n_pending == 0)
                return 0;
        if (usec < deadline) {
                (void) sd_event_source_set_time(s, deadline);
                (void) sd_event_source_set_enabled(s, SD_EVENT_ONESHOT);
                return 0;
        }
        c->n_ref++;
        async_fail(c, VARLINK_ERROR_TIMEOUT);
        client_unref(c);
        return 0;
}

int varlink_client_attach_event(VarlinkClient *c, sd_event *e, int64_t priority) {
        int r;

        if (!c)
                return -EINVAL;
        if (c->event)
                return -EBUSY;
        if (e)
                c->event = sd_event_ref(e);
        else {
                r = sd_event_default(&c->event);
                if (r < 0)
                        return r;
        }
        c->priority = priority;
        if (c->dead)
                return 0;

        r = sd_event_add_io(c->event, &c->io, c->fd, EPOLLIN, on_client_io, c);
        if (r < 0)
                return r;
        c->io_events = EPOLLIN;
        (void) sd_event_source_set_priority(c->io, priority);
        r = sd_event_add_time_relative(c->event, &c->timer, CLOCK_MONOTONIC, client_timeout(c), 0,
                                       on_client_timer, c);
        if (r < 0)
                return r;
        (void) sd_event_source_set_priority(c->timer, priority);
        return sd_event_source_set_enabled(c->timer, SD_EVENT_OFF);
}

int varlink_call_async(VarlinkClient *c, const char *method, json_object *params, unsigned call_flags,
                       varlink_reply_t cb, void *userdata) {
        bool more = call_flags & VARLINK_CALL_MORE, oneway = call_flags & VARLINK_CALL_ONEWAY;
        Pending *p = NULL;
        int r;

        if (!c || (more && oneway) || (!oneway && !cb) || (call_flags & ~(VARLINK_CALL_MORE | VARLINK_CALL_ONEWAY)))
                return -EINVAL;
        r = check_call(method, params);
        if (r < 0)
                return r;
        if (c->dead)
                return -ENOTCONN;
        if (!c->event)
                return -ENXIO;
        if (c->more_active)
                return -EBUSY;

        if (!oneway) {
                p = calloc(1, sizeof *p);
                if (!p)
                        return -ENOMEM;
                *p = (Pending) { .cb = cb, .userdata = userdata, .more = more };
        }
        r = varlink_message_append_call(&c->out, method, params, more, oneway);
        if (r < 0) {
                free(p);
                return r;
        }
        if (p) {
                if (c->n_pending == 0) {
                        uint64_t now = 0;
                        (void) sd_event_now(c->event, CLOCK_MONOTONIC, &now);
                        c->last_progress_usec = now;
                        (void) sd_event_source_set_time(c->timer, now + client_timeout(c));
                }
                if (c->tail)
                        c->tail->next = p;
                else
                        c->head = p;
                c->tail = p;
                c->n_pending++;
        }

        /* Try to write right away; what does not fit waits for EPOLLOUT. */
        /* Try to write right away; what does not fit waits for EPOLLOUT. A
         * failed write shows up as hangup on the next wakeup and is
         * reported through the callbacks then. */
        (void) varlink_buffer_flush(&c->out, c->fd);
        update_io(c);
        return 0;
}
