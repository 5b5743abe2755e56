/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <systemd/sd-daemon.h>

#include "macro.h"
#include "varlink-internal.h"

#define ACCEPT_BATCH 64

int varlink_server_new(VarlinkServer **ret) {
        _cleanup_(varlink_server_freep) VarlinkServer *s = NULL;
        int r;

        if (!ret)
                return -EINVAL;

        s = calloc(1, sizeof *s);
        if (!s)
                return -ENOMEM;
        s->idle_timeout_usec = UINT64_MAX;
        s->tokener = varlink_tokener_new();
        if (!s->tokener)
                return -ENOMEM;

        r = varlink_server_set_info(s, "Hearth", "hearth", HEARTH_VERSION, "");
        if (r < 0)
                return r;
        r = varlink_service_register(s);
        if (r < 0)
                return r;

        *ret = TAKE_PTR(s);
        return 0;
}

static VarlinkListener *listener_free(VarlinkListener *l) {
        if (!l)
                return NULL;
        sd_event_source_disable_unref(l->source);
        sd_event_source_disable_unref(l->resume);
        if (l->fd >= 0)
                close(l->fd);
        /* Only a socket we bound ourselves is ours to remove. */
        if (l->path && !l->server->keep_socket_files)
                (void) unlink(l->path);
        free(l->path);
        free(l->name);
        free(l);
        return NULL;
}

void varlink_server_shutdown(VarlinkServer *s) {
        if (!s)
                return;
        while (s->listeners) {
                VarlinkListener *l = s->listeners;
                s->listeners = l->next;
                listener_free(l);
        }
        while (s->connections)
                varlink_connection_drop(s->connections);
}

VarlinkServer *varlink_server_free(VarlinkServer *s) {
        if (!s)
                return NULL;

        varlink_server_shutdown(s);
        for (size_t i = 0; i < s->n_interfaces; i++) {
                varlink_interface_free(s->interfaces[i].interface);
                free(s->interfaces[i].methods);
        }
        free(s->interfaces);
        varlink_server_forget_method(s);
        free(s->vendor);
        free(s->product);
        free(s->version);
        free(s->url);
        if (s->tokener)
                json_tokener_free(s->tokener);
        sd_event_unref(s->event);
        free(s);
        return NULL;
}

static int replace_string(char **p, const char *v) {
        char *n;

        if (!v)
                return 0;
        n = strdup(v);
        if (!n)
                return -ENOMEM;
        free(*p);
        *p = n;
        return 0;
}

int varlink_server_set_info(VarlinkServer *s, const char *vendor, const char *product,
                            const char *version, const char *url) {
        int r;

        if (!s)
                return -EINVAL;
        r = replace_string(&s->vendor, vendor);
        if (r >= 0)
                r = replace_string(&s->product, product);
        if (r >= 0)
                r = replace_string(&s->version, version);
        if (r >= 0)
                r = replace_string(&s->url, url);
        return r;
}

void varlink_server_set_userdata(VarlinkServer *s, void *userdata) {
        if (s)
                s->userdata = userdata;
}

void *varlink_server_get_userdata(VarlinkServer *s) {
        return s ? s->userdata : NULL;
}

void varlink_server_forget_method(VarlinkServer *s) {
        free(s->last_method.name);
        s->last_method.name = NULL;
        s->last_method.len = 0;
}

const VarlinkRegistered *varlink_server_find_interface(VarlinkServer *s, const char *name, size_t len) {
        for (size_t i = 0; i < s->n_interfaces; i++) {
                const char *n = s->interfaces[i].interface->name;
                if (strncmp(n, name, len) == 0 && n[len] == 0)
                        return &s->interfaces[i];
        }
        return NULL;
}

int varlink_server_add_interface(VarlinkServer *s, const char *idl,
                                 const VarlinkMethod *methods, size_t n_methods) {
        _cleanup_(varlink_interface_freep) VarlinkInterface *iface = NULL;
        _cleanup_free_ VarlinkMethod *copy = NULL;
        VarlinkRegistered *n;
        int r;

        if (!s || !idl || (n_methods > 0 && !methods))
                return -EINVAL;

        r = varlink_idl_parse(idl, &iface, NULL, NULL);
        if (r < 0)
                return r;
        if (varlink_server_find_interface(s, iface->name, strlen(iface->name)))
                return -EEXIST;

        for (size_t i = 0; i < n_methods; i++) {
                if (!methods[i].name || !methods[i].callback)
                        return -EINVAL;
                if (!varlink_interface_find(iface, VARLINK_SYMBOL_METHOD, methods[i].name))
                        return -ENOENT;
        }

        if (n_methods > 0) {
                copy = calloc(n_methods, sizeof *copy);
                if (!copy)
                        return -ENOMEM;
                memcpy(copy, methods, n_methods * sizeof *copy);
        }

        n = reallocarray(s->interfaces, s->n_interfaces + 1, sizeof *n);
        if (!n)
                return -ENOMEM;
        s->interfaces = n;
        s->interfaces[s->n_interfaces++] = (VarlinkRegistered) {
                .interface = TAKE_PTR(iface),
                .methods = TAKE_PTR(copy),
                .n_methods = n_methods,
        };
        varlink_server_forget_method(s);
        return 0;
}

static unsigned connections_max(const VarlinkServer *s) {
        return s->connections_max > 0 && s->connections_max != UINT_MAX ? s->connections_max : VARLINK_CONNECTIONS_MAX;
}

static unsigned connections_per_uid_max(const VarlinkServer *s) {
        return s->connections_per_uid_max > 0 && s->connections_per_uid_max != UINT_MAX ?
                s->connections_per_uid_max : VARLINK_CONNECTIONS_PER_UID_MAX;
}

uint64_t varlink_server_idle_timeout(const VarlinkServer *s) {
        return s->idle_timeout_usec > 0 && s->idle_timeout_usec != UINT64_MAX ? s->idle_timeout_usec :
                VARLINK_IDLE_TIMEOUT_USEC;
}

void varlink_server_set_idle_timeout(VarlinkServer *s, uint64_t usec) {
        if (s)
                s->idle_timeout_usec = usec;
}

void varlink_server_set_connection_limits(VarlinkServer *s, unsigned total, unsigned per_uid) {
        if (!s)
                return;
        s->connections_max = total;
        s->connections_per_uid_max = per_uid;
}

unsigned varlink_server_n_connections(VarlinkServer *s) {
        return s ? s->n_connections : 0;
}

/* Per-UID first: one user cannot use up the whole table. */
static int check_limits(VarlinkServer *s, int fd) {
        struct ucred uc;
        socklen_t l = sizeof uc;
        unsigned same = 0;

        if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &uc, &l) >= 0 && l == sizeof uc && uc.pid > 0) {
                for (VarlinkConnection *c = s->connections; c; c = c->next)
                        if (c->have_ucred && c->ucred.uid == uc.uid)
                                same++;
                if (same >= connections_per_uid_max(s))
                        return -EUSERS;
        }
        if (s->n_connections >= connections_max(s))
                return -EMFILE;
        return 0;
}

static int add_connection_checked(VarlinkServer *s, int fd, const char *listen_name) {
        int r;

        r = check_limits(s, fd);
        if (r < 0) {
                close(fd);
                return r;
        }
        return varlink_connection_new(s, fd, listen_name);
}

int varlink_server_add_connection(VarlinkServer *s, int fd) {
        if (fd < 0)
                return -EBADF;
        if (!s || !s->event) {
                close(fd);
                return s ? -ENXIO : -EINVAL;
        }
        return add_connection_checked(s, fd, "");
}

void varlink_server_set_accept_filter(VarlinkServer *s, VarlinkAcceptFilter filter, void *userdata) {
        if (!s)
                return;
        s->accept_filter = filter;
        s->accept_filter_userdata = userdata;
}

void varlink_server_set_count_callback(VarlinkServer *s, VarlinkCountCallback cb, void *userdata) {
        if (!s)
                return;
        s->count_callback = cb;
        s->count_callback_userdata = userdata;
}

void varlink_server_keep_socket_files(VarlinkServer *s) {
        if (s)
                s->keep_socket_files = true;
}

static int on_accept_resume(sd_event_source *source, uint64_t usec, void *userdata) {
        VarlinkListener *l = userdata;

        (void) sd_event_source_set_enabled(l->source, SD_EVENT_ON);
        return 0;
}

/* Stops watching the listener for `usec`; returns false if that could not
 * be arranged (then the caller accepts instead of risking a stall). */
static bool listener_defer(VarlinkListener *l, uint64_t usec) {
        uint64_t now;

        if (sd_event_now(l->server->event, CLOCK_MONOTONIC, &now) < 0)
                return false;
        if (l->resume) {
                if (sd_event_source_set_time(l->resume, now + usec) < 0 ||
                    sd_event_source_set_enabled(l->resume, SD_EVENT_ONESHOT) < 0)
                        return false;
        } else if (sd_event_add_time(l->server->event, &l->resume, CLOCK_MONOTONIC, now + usec, 1,
                                     on_accept_resume, l) < 0)
                return false;
        return sd_event_source_set_enabled(l->source, SD_EVENT_OFF) >= 0;
}

static int on_accept(sd_event_source *source, int fd, uint32_t revents, void *userdata) {
        VarlinkListener *l = userdata;
        VarlinkServer *s = l->server;

        for (unsigned i = 0; i < ACCEPT_BATCH; i++) {
                if (s->accept_filter) {
                        uint64_t usec = s->accept_filter(s, s->accept_filter_userdata);
                        if (usec > 0 && listener_defer(l, usec))
                                break;
                }
                int cfd = accept4(fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
                if (cfd < 0)
                        break; /* EAGAIN, or a transient error: the next wakeup retries */
                (void) add_connection_checked(l->server, cfd, l->name);
        }
        return 0;
}

static int listener_attach(VarlinkListener *l) {
        VarlinkServer *s = l->server;
        int r;

        if (!s->event || l->source)
                return 0;
        r = sd_event_add_io(s->event, &l->source, l->fd, EPOLLIN, on_accept, l);
        if (r < 0)
                return r;
        (void) sd_event_source_set_priority(l->source, s->priority);
        return 0;
}

static char *basename_of_bound(int fd) {
        struct sockaddr_un sa = {};
        socklen_t l = sizeof sa;
        const char *p;

        if (getsockname(fd, (struct sockaddr *) &sa, &l) < 0 || l <= offsetof(struct sockaddr_un, sun_path) ||
            sa.sun_path[0] == 0)
                return strdup("");
        sa.sun_path[MIN((size_t) l - offsetof(struct sockaddr_un, sun_path), sizeof sa.sun_path - 1)] = 0;
        p = strrchr(sa.sun_path, '/');
        return strdup(p ? p + 1 : sa.sun_path);
}

static int add_listener(VarlinkServer *s, int fd, const char *path, const char *name) {
        VarlinkListener *l;
        int r;

        l = calloc(1, sizeof *l);
        if (!l) {
                close(fd);
                return -ENOMEM;
        }
        l->server = s;
        l->fd = fd;
        if (path) {
                l->path = strdup(path);
                if (!l->path) {
                        listener_free(l);
                        return -ENOMEM;
                }
        }
        l->name = name ? strdup(name) : basename_of_bound(fd);
        if (!l->name) {
                listener_free(l);
                return -ENOMEM;
        }
        r = listener_attach(l);
        if (r < 0) {
                /* Leave a socket we were handed in place; ours goes. */
                listener_free(l);
                return r;
        }
        l->next = s->listeners;
        s->listeners = l;
        return 0;
}

int varlink_server_listen_fd(VarlinkServer *s, int fd, const char *name) {
        int v = 0;
        socklen_t l = sizeof v;

        if (fd < 0)
                return -EBADF;
        if (!s) {
                close(fd);
                return -EINVAL;
        }
        if (getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &v, &l) < 0) {
                int r = -errno;
                close(fd);
                return r;
        }
        if (!v || sd_is_socket(fd, AF_UNIX, SOCK_STREAM, 1) <= 0) {
                close(fd);
                return -EINVAL;
        }
        if (fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK) < 0) {
                int r = -errno;
                close(fd);
                return r;
        }
        return add_listener(s, fd, NULL, name);
}

int varlink_server_listen_auto(VarlinkServer *s) {
        _cleanup_strv_free_ char **names = NULL;
        int n, r;

        if (!s)
                return -EINVAL;

        n = sd_listen_fds_with_names(true, &names);
        if (n <= 0)
                return n;
        for (int i = 0; i < n; i++) {
                const char *name = names ? names[i] : NULL;
                if (name && (streq(name, "unknown") || streq(name, "varlink")))
                        name = NULL;
                r = varlink_server_listen_fd(s, SD_LISTEN_FDS_START + i, name);
                if (r < 0) {
                        for (int j = i + 1; j < n; j++)
                                close(SD_LISTEN_FDS_START + j);
                        return r;
                }
        }
        return n;
}

static int mkdir_parents(const char *path) {
        _cleanup_free_ char *p = strdup(path);

        if (!p)
                return -ENOMEM;
        for (char *slash = strchr(p + 1, '/'); slash; slash = strchr(slash + 1, '/')) {
                *slash = 0;
                if (mkdir(p, 0755) < 0 && errno != EEXIST)
                        return -errno;
                *slash = '/';
        }
        return 0;
}

int varlink_server_listen_path(VarlinkServer *s, const char *path, mode_t mode) {
        struct sockaddr_un sa = { .sun_family = AF_UNIX };
        _cleanup_close_ int fd = -EBADF;
        const char *base;
        int r;

        if (!s || isempty(path) || strlen(path) >= sizeof sa.sun_path)
                return -EINVAL;
        strcpy(sa.sun_path, path);

        r = mkdir_parents(path);
        if (r < 0)
                return r;

        fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
        if (fd < 0)
                return -errno;

        if (bind(fd, (struct sockaddr *) &sa, sizeof sa) < 0) {
                if (errno != EADDRINUSE)
                        return -errno;

                /* Stale if it is a socket nobody answers on; a live server
                 * keeps its socket, and a non-socket file is not ours. */
                struct stat st;
                if (lstat(path, &st) < 0)
                        return -errno;
                if (!S_ISSOCK(st.st_mode))
                        return -EADDRINUSE;
                _cleanup_close_ int probe = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
                if (probe < 0)
                        return -errno;
                if (connect(probe, (struct sockaddr *) &sa, sizeof sa) >= 0)
                        return -EADDRINUSE;
                if (unlink(path) < 0 && errno != ENOENT)
                        return -errno;
                if (bind(fd, (struct sockaddr *) &sa, sizeof sa) < 0)
                        return -errno;
        }

        if (chmod(path, mode) < 0 || listen(fd, SOMAXCONN) < 0) {
                r = -errno;
                (void) unlink(path);
                return r;
        }

        base = strrchr(path, '/');
        return add_listener(s, TAKE_FD(fd), path, base ? base + 1 : path);
}

int varlink_server_attach_event(VarlinkServer *s, sd_event *e, int64_t priority) {
        int r;

        if (!s)
                return -EINVAL;
        if (s->event)
                return -EBUSY;

        if (e)
                s->event = sd_event_ref(e);
        else {
                r = sd_event_default(&s->event);
                if (r < 0)
                        return r;
        }
        s->priority = priority;

        for (VarlinkListener *l = s->listeners; l; l = l->next) {
                r = listener_attach(l);
                if (r < 0)
                        return r;
        }
        for (VarlinkConnection *c = s->connections; c; c = c->next) {
                r = varlink_connection_attach(c);
                if (r < 0)
                        return r;
        }
        return 0;
}

sd_event *varlink_server_get_event(VarlinkServer *s) {
        return s ? s->event : NULL;
}
