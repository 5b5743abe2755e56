/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <systemd/sd-event.h>

#include "askpw-idl.h"
#include "askpw-util.h"
#include "askpw.h"
#include "varlink.h"

typedef struct Service Service;

/* One Ask in flight: a child process runs the (blocking) agent protocol
 * and writes "<int32 result><NUL-separated passwords>" into a pipe. */
typedef struct Worker {
        Service *service;
        VarlinkCall *call;
        pid_t pid;
        int fd;
        sd_event_source *source;
        char *buf;
        size_t size, cap;
        struct Worker *next;
} Worker;

struct Service {
        bool user;
        Worker *workers;
};

int askpw_varlink_socket_path(bool user, char **ret) {
        const char *e = getenv("HEARTH_ASK_PASSWORD_VARLINK_SOCKET");
        char *p;

        if (!isempty(e))
                p = strdup(e);
        else if (!user)
                p = strdup("/run/systemd/io.systemd.AskPassword");
        else {
                e = getenv("XDG_RUNTIME_DIR");
                if (isempty(e) || e[0] != '/')
                        return -ENXIO;
                if (asprintf(&p, "%s/systemd/io.systemd.AskPassword", e) < 0)
                        p = NULL;
        }
        if (!p)
                return -ENOMEM;
        *ret = p;
        return 0;
}

static void worker_free(Worker *w) {
        Service *s = w->service;

        for (Worker **i = &s->workers; *i; i = &(*i)->next)
                if (*i == w) {
                        *i = w->next;
                        break;
                }
        w->source = sd_event_source_disable_unref(w->source);
        closep(&w->fd);
        if (w->pid > 0) {
                (void) kill(w->pid, SIGTERM);
                (void) waitpid(w->pid, NULL, 0);
        }
        if (w->buf) {
                explicit_bzero(w->buf, w->cap);
                free(w->buf);
        }
        varlink_call_unref(w->call);
        free(w);
}

static void worker_reply(Worker *w) {
        _cleanup_strv_free_erase_ char **l = NULL;
        json_object *reply, *arr;
        int32_t result;

        if (w->size < sizeof(result)) {
                (void) varlink_call_error_errno(w->call, EIO);
                return;
        }
        memcpy(&result, w->buf, sizeof(result));
        if (result == -EUNATCH) {
                (void) varlink_call_error(w->call, ASKPW_VARLINK_ERROR_NO_PASSWORD, NULL);
                return;
        }
        if (result == -ETIME) {
                (void) varlink_call_error(w->call, ASKPW_VARLINK_ERROR_TIMEOUT, NULL);
                return;
        }
        if (result < 0) {
                (void) varlink_call_error_errno(w->call, result);
                return;
        }
        if (askpw_strv_parse_nulstr(w->buf + sizeof(result), w->size - sizeof(result), &l) < 0) {
                (void) varlink_call_error_errno(w->call, ENOMEM);
                return;
        }

        reply = json_object_new_object();
        arr = json_object_new_array();
        if (!reply || !arr || json_object_object_add(reply, "passwords", arr) < 0) {
                json_object_put(arr);
                json_object_put(reply);
                (void) varlink_call_error_errno(w->call, ENOMEM);
                return;
        }
        for (char **p = l; *p; p++)
                (void) json_object_array_add(arr, json_object_new_string(*p));
        (void) varlink_call_reply(w->call, reply);

        /* The reply is serialized; scrub our copies of the strings. */
        for (size_t i = 0; i < json_object_array_length(arr); i++) {
                json_object *v = json_object_array_get_idx(arr, i);
                char *s = (char *) json_object_get_string(v);
                if (s)
                        explicit_bzero(s, strlen(s));
        }
        json_object_put(reply);
}

static int on_worker_output(sd_event_source *src, int fd, uint32_t revents, void *userdata) {
        Worker *w = userdata;

        for (;;) {
                ssize_t k;

                if (w->cap - w->size < 4096) {
                        size_t ncap = MAX(w->cap * 2, (size_t) 8192);
                        char *n = malloc(ncap);
                        if (!n) {
                                (void) varlink_call_error_errno(w->call, ENOMEM);
                                worker_free(w);
                                return 0;
                        }
                        if (w->buf) {
                                memcpy(n, w->buf, w->size);
                                explicit_bzero(w->buf, w->cap);
                                free(w->buf);
                        }
                        w->buf = n;
                        w->cap = ncap;
                }
                k = read(fd, w->buf + w->size, w->cap - w->size);
                if (k < 0) {
                        if (errno == EAGAIN)
                                return 0;
                        if (errno == EINTR)
                                continue;
                        break;
                }
                if (k == 0)
                        break;
                w->size += (size_t) k;
        }

        /* EOF: the worker is done. */
        (void) waitpid(w->pid, NULL, 0);
        w->pid = 0;
        worker_reply(w);
        worker_free(w);
        return 0;
}

static void on_cancel(VarlinkCall *call, void *userdata) {
        /* The caller hung up: SIGTERM makes the worker's querier remove its
         * ask file and socket before it dies. */
        worker_free(userdata);
}

static int get_string(json_object *p, const char *key, const char **ret) {
        json_object *v;

        if (!json_object_object_get_ex(p, key, &v) || json_object_is_type(v, json_type_null))
                return 0;
        if (!json_object_is_type(v, json_type_string))
                return -EINVAL;
        *ret = json_object_get_string(v);
        return 1;
}

static int get_usec(json_object *p, const char *key, uint64_t *ret) {
        json_object *v;

        if (!json_object_object_get_ex(p, key, &v) || json_object_is_type(v, json_type_null))
                return 0;
        if (!json_object_is_type(v, json_type_int))
                return -EINVAL;
        if (json_object_get_int64(v) < 0 && json_object_get_uint64(v) == 0)
                return -EINVAL;
        *ret = json_object_get_uint64(v);
        return 1;
}

static int get_bool(json_object *p, const char *key, int *ret) {
        json_object *v;

        if (!json_object_object_get_ex(p, key, &v) || json_object_is_type(v, json_type_null))
                return 0;
        if (!json_object_is_type(v, json_type_boolean))
                return -EINVAL;
        *ret = json_object_get_boolean(v);
        return 1;
}

static bool in_group(uid_t uid, gid_t gid, const char *group) {
        struct group *g = getgrnam(group);
        struct passwd *pw;

        if (!g)
                return false;
        if (gid == g->gr_gid)
                return true;
        pw = getpwuid(uid);
        if (!pw)
                return false;
        for (char **m = g->gr_mem; m && *m; m++)
                if (streq(*m, pw->pw_name))
                        return true;
        return false;
}

static bool caller_allowed(Service *s, VarlinkCall *call) {
        const char *group = getenv("HEARTH_ASK_PASSWORD_VARLINK_GROUP");
        uid_t uid;
        gid_t gid;

        if (varlink_call_peer_uid(call, &uid) < 0)
                return false;
        if (uid == 0 || uid == geteuid())
                return true;
        if (s->user || isempty(group) || varlink_call_peer_gid(call, &gid) < 0)
                return false;
        return in_group(uid, gid, group);
}

static void worker_child(int fd, const AskpwRequest *req, AskpwFlags flags) {
        _cleanup_strv_free_erase_ char **l = NULL;
        int32_t r;

        r = askpw_query(req, flags | ASKPW_NO_TTY, &l);
        if (write(fd, &r, sizeof(r)) != sizeof(r))
                _exit(1);
        for (char **p = l; r >= 0 && *p; p++)
                if (write(fd, *p, strlen(*p) + 1) < 0)
                        _exit(1);
        _exit(0);
}

static int method_ask(VarlinkCall *call, json_object *params, void *userdata) {
        Service *s = userdata;
        AskpwRequest req = ASKPW_REQUEST_INIT;
        AskpwFlags flags = ASKPW_PUSH_CACHE | (s->user ? ASKPW_USER : 0);
        uint64_t timeout = ASKPW_DEFAULT_TIMEOUT_USEC, until = UINT64_MAX;
        const char *echo = NULL;
        int accept_cached = -1, push_cache = -1, pipefd[2];
        Worker *w;

        if (!caller_allowed(s, call))
                return varlink_call_error_permission_denied(call);

        if (get_string(params, "message", &req.message) < 0)
                return varlink_call_error_invalid_parameter(call, "message");
        if (get_string(params, "keyname", &req.keyname) < 0)
                return varlink_call_error_invalid_parameter(call, "keyname");
        if (get_string(params, "icon", &req.icon) < 0)
                return varlink_call_error_invalid_parameter(call, "icon");
        if (get_string(params, "id", &req.id) < 0)
                return varlink_call_error_invalid_parameter(call, "id");
        if (get_usec(params, "timeoutUSec", &timeout) < 0)
                return varlink_call_error_invalid_parameter(call, "timeoutUSec");
        if (get_usec(params, "untilUSec", &until) < 0)
                return varlink_call_error_invalid_parameter(call, "untilUSec");
        if (get_bool(params, "acceptCached", &accept_cached) < 0)
                return varlink_call_error_invalid_parameter(call, "acceptCached");
        if (get_bool(params, "pushCache", &push_cache) < 0)
                return varlink_call_error_invalid_parameter(call, "pushCache");
        if (get_string(params, "echo", &echo) < 0)
                return varlink_call_error_invalid_parameter(call, "echo");
        if (echo) {
                req.echo = askpw_echo_from_string(echo);
                if (req.echo < 0)
                        return varlink_call_error_invalid_parameter(call, "echo");
        }

        /* Zero in either timeout means "cache only"; otherwise the earlier
         * deadline wins. */
        if (timeout == 0 || until == 0)
                flags |= ASKPW_NO_AGENT;
        else
                req.until = MIN(askpw_usec_add(askpw_now_usec(), timeout), until);
        if (req.until == UINT64_MAX)
                req.until = 0;
        if (accept_cached > 0)
                flags |= ASKPW_ACCEPT_CACHED;
        if (push_cache == 0)
                flags &= ~ASKPW_PUSH_CACHE;

        if (pipe2(pipefd, O_CLOEXEC | O_NONBLOCK) < 0)
                return -errno;

        w = calloc(1, sizeof(*w));
        if (!w) {
                close(pipefd[0]);
                close(pipefd[1]);
                return -ENOMEM;
        }
        w->service = s;
        w->fd = pipefd[0];
        w->call = varlink_call_ref(call);
        w->next = s->workers;
        s->workers = w;

        w->pid = fork();
        if (w->pid < 0) {
                int r = -errno;
                close(pipefd[1]);
                w->pid = 0;
                worker_free(w);
                return r;
        }
        if (w->pid == 0) {
                close(pipefd[0]);
                worker_child(pipefd[1], &req, flags);
        }
        close(pipefd[1]);

        int r = sd_event_add_io(varlink_server_get_event(varlink_call_server(call)), &w->source, w->fd, EPOLLIN,
                                on_worker_output, w);
        if (r < 0) {
                worker_free(w);
                return r;
        }
        varlink_call_set_cancel_callback(call, on_cancel, w);
        return 0;
}

static int on_signal(sd_event_source *src, const struct signalfd_siginfo *si, void *userdata) {
        return sd_event_exit(sd_event_source_get_event(src), 0);
}

int askpw_varlink_serve(bool user) {
        static const VarlinkMethod methods[] = {
                { .name = "Ask", .callback = method_ask },
        };
        _cleanup_(varlink_server_freep) VarlinkServer *server = NULL;
        _cleanup_free_ char *path = NULL;
        Service s = { .user = user };
        sd_event *e = NULL;
        sigset_t mask;
        int r;

        r = sd_event_default(&e);
        if (r < 0)
                return r;

        sigemptyset(&mask);
        sigaddset(&mask, SIGTERM);
        sigaddset(&mask, SIGINT);
        r = -pthread_sigmask(SIG_BLOCK, &mask, NULL);
        if (r < 0)
                goto finish;
        if ((r = sd_event_add_signal(e, NULL, SIGTERM, on_signal, NULL)) < 0 ||
            (r = sd_event_add_signal(e, NULL, SIGINT, on_signal, NULL)) < 0)
                goto finish;

        r = varlink_server_new(&server);
        if (r < 0)
                goto finish;
        varlink_server_set_userdata(server, &s);
        r = varlink_server_add_interface(server, askpw_varlink_idl, methods, ELEMENTSOF(methods));
        if (r < 0)
                goto finish;

        r = varlink_server_listen_auto(server);
        if (r < 0)
                goto finish;
        if (r == 0) {
                r = askpw_varlink_socket_path(user, &path);
                if (r < 0)
                        goto finish;
                r = varlink_server_listen_path(server, path, user ? 0600 : 0666);
                if (r < 0)
                        goto finish;
        }

        r = varlink_server_attach_event(server, e, 0);
        if (r < 0)
                goto finish;

        r = sd_event_loop(e);

finish:
        while (s.workers)
                worker_free(s.workers);
        server = varlink_server_free(server);
        sd_event_unref(e);
        return r;
}
