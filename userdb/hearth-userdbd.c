/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* hearth-userdbd: serves the drop-in user/group records over
 * io.systemd.UserDatabase, optionally also as a multiplexer. */

#include <getopt.h>
#include <limits.h>
#include <malloc.h>
#include <signal.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <systemd/sd-daemon.h>
#include <systemd/sd-event.h>

#include "dropin.h"
#include "macro.h"
#include "userdb-service.h"
#include "userdb.h"
#include "userdbd-busy-poll.h"
#include "userdbd-workers.h"
#include "varlink.h"

#define DEFAULT_SERVICE_NAME "io.hearth.DropIn"
#define RELOAD_DELAY_USEC (100ULL * 1000ULL)

typedef struct Daemon {
        char **dirs;
        const char *socket_dir;
        const char *service_name;
        const char *multiplexer_name;
        const char *machine_id;
        uint64_t timeout_usec;
        unsigned n_workers;             /* 1: this process serves; more: a supervisor forks them */
        uint64_t busy_poll_usec;
        BusyPoll busy_poll;
        _Atomic uint64_t last_event;    /* busy polling in a single serving process */

        DropinDB *db;                   /* as loaded at start; the service holds the current one */
        sd_event *event;
        VarlinkServer *server;
        UserDBService *service;
        sd_event_source **watches;
        size_t n_watches;
        sd_event_source *reload_timer;
        unsigned n_reloads;
        WorkerBalance balance;
} Daemon;

static void log_skip(const char *path, int error, const char *why, void *userdata) {
        fprintf(stderr, "hearth-userdbd: %s: %s\n", path, why);
}

static int load(Daemon *d, DropinDB **ret) {
        DropinLoadOptions o = {
                .dirs = d->dirs,
                .service = d->service_name,
                .machine_id = d->machine_id,
                .warn = log_skip,
        };
        return dropin_db_load(&o, ret);
}

static int setup_watches(Daemon *d);

static int reload(Daemon *d) {
        _cleanup_(dropin_db_unrefp) DropinDB *db = NULL;
        int r;

        r = load(d, &db);
        if (r < 0) {
                fprintf(stderr, "hearth-userdbd: reload failed, keeping the old records: %s\n", strerror(-r));
                return r;
        }
        userdb_service_set_db(d->service, db);
        d->n_reloads++;
        /* Loading parses every file into temporary trees; hand the freed
         * memory back instead of keeping it until the next reload. */
        (void) malloc_trim(0);
        fprintf(stderr, "hearth-userdbd: loaded %zu users, %zu groups, %zu memberships\n",
                dropin_db_n_users(db), dropin_db_n_groups(db), dropin_db_n_memberships(db));
        /* A directory may have appeared or gone: watch what exists now. */
        (void) setup_watches(d);
        return 0;
}

static int on_reload_timer(sd_event_source *s, uint64_t usec, void *userdata) {
        (void) reload(userdata);
        return 0;
}

/* Changes come in bursts (an editor writes, renames, chmods): wait for
 * quiet before reloading once. */
static int schedule_reload(Daemon *d) {
        uint64_t now;
        int r;

        r = sd_event_now(d->event, CLOCK_MONOTONIC, &now);
        if (r < 0)
                return r;
        if (d->reload_timer) {
                r = sd_event_source_set_time(d->reload_timer, now + RELOAD_DELAY_USEC);
                if (r < 0)
                        return r;
                return sd_event_source_set_enabled(d->reload_timer, SD_EVENT_ONESHOT);
        }
        return sd_event_add_time(d->event, &d->reload_timer, CLOCK_MONOTONIC, now + RELOAD_DELAY_USEC, 0,
                                 on_reload_timer, d);
}

static int on_inotify(sd_event_source *s, const struct inotify_event *ev, void *userdata) {
        (void) schedule_reload(userdata);
        return 0;
}

static void drop_watches(Daemon *d) {
        for (size_t i = 0; i < d->n_watches; i++)
                sd_event_source_disable_unref(d->watches[i]);
        free(d->watches);
        d->watches = NULL;
        d->n_watches = 0;
}

/* The new watches are in place before the old ones go, so a change made
 * while they are replaced (e.g. right after a reload) is not missed. */
static int add_watches(Daemon *d) {
        for (size_t i = 0; d->dirs[i]; i++) {
                _cleanup_free_ char *p = strdup(d->dirs[i]);
                uint32_t mask = IN_CREATE | IN_DELETE | IN_CLOSE_WRITE | IN_MOVED_FROM | IN_MOVED_TO |
                                IN_ATTRIB | IN_DELETE_SELF | IN_MOVE_SELF | IN_ONLYDIR;
                struct stat st;

                if (!p)
                        return -ENOMEM;
                /* A missing directory: watch the nearest parent that exists
                 * for it being created. */
                while (stat(p, &st) < 0 || !S_ISDIR(st.st_mode)) {
                        char *slash = strrchr(p, '/');
                        if (!slash)
                                break;
                        if (slash == p) {
                                p[1] = 0;
                                break;
                        }
                        *slash = 0;
                        mask = IN_CREATE | IN_MOVED_TO | IN_ONLYDIR;
                }
                if (sd_event_add_inotify(d->event, &d->watches[d->n_watches], p, mask, on_inotify, d) >= 0)
                        d->n_watches++;
        }
        return 0;
}

static int setup_watches(Daemon *d) {
        sd_event_source **old = d->watches;
        size_t n_old = d->n_watches;
        int r;

        d->n_watches = 0;
        d->watches = calloc(strv_length(d->dirs), sizeof(sd_event_source *));
        r = d->watches ? add_watches(d) : -ENOMEM;
        for (size_t i = 0; i < n_old; i++)
                sd_event_source_disable_unref(old[i]);
        free(old);
        return r;
}

static int on_sighup(sd_event_source *s, const struct signalfd_siginfo *si, void *userdata) {
        (void) reload(userdata);
        return 0;
}

static void help(void) {
        printf("hearth-userdbd [OPTIONS...]\n\n"
               "Serve user and group records from drop-in directories over io.systemd.UserDatabase.\n\n"
               "  -h --help               Show this help\n"
               "     --dropin-dir=DIR     Read records from DIR (repeatable; replaces the default list)\n"
               "                          [$HEARTH_USERDB_DROPIN_DIRS, ':'-separated]\n"
               "     --socket-dir=DIR     Socket directory [$HEARTH_USERDB_SOCKET_DIR, %s]\n"
               "     --service-name=NAME  Service (socket) name [$HEARTH_USERDB_SERVICE_NAME, %s]\n"
               "     --multiplexer[=NAME] Also serve a multiplexer socket [$HEARTH_USERDB_MULTIPLEXER, %s]\n"
               "     --machine-id=ID      Machine id for status.<id>.service [$HEARTH_USERDB_MACHINE_ID]\n"
               "     --timeout=MSEC       Multiplexer per-service timeout [$HEARTH_USERDB_TIMEOUT_MSEC, 3000]\n"
               "     --workers=N          Serving processes, 1..%u [$HEARTH_USERDB_WORKERS, online CPUs]\n"
               "     --busy-poll=USEC     Keep polling this long after an event before sleeping,\n"
               "                          0..%llu, 0 turns it off [$HEARTH_USERDB_BUSY_POLL_USEC, %llu]\n",
               USERDB_SOCKET_DIR_DEFAULT, DEFAULT_SERVICE_NAME, USERDB_MULTIPLEXER, WORKERS_MAX,
               BUSY_POLL_USEC_MAX, BUSY_POLL_USEC_DEFAULT);
}

static char **split_colon(const char *s) {
        size_t n = 1;
        for (const char *p = s; *p; p++)
                n += *p == ':';
        char **l = calloc(n + 1, sizeof(char *));
        if (!l)
                return NULL;
        size_t i = 0;
        for (const char *p = s; ; ) {
                const char *e = strchrnul(p, ':');
                if (e > p && !(l[i++] = strndup(p, (size_t) (e - p))))
                        return strv_free(l);
                if (!*e)
                        break;
                p = e + 1;
        }
        return l;
}

static int strv_push(char ***l, const char *s) {
        size_t n = strv_length(*l);
        char **nl = reallocarray(*l, n + 2, sizeof(char *));
        if (!nl)
                return -ENOMEM;
        *l = nl;
        if (!(nl[n] = strdup(s)))
                return -ENOMEM;
        nl[n + 1] = NULL;
        return 0;
}

static int parse_timeout(const char *s, uint64_t *ret) {
        char *end;
        errno = 0;
        unsigned long long v = strtoull(s, &end, 10);
        if (errno || end == s || *end || v == 0 || v > UINT64_MAX / 1000)
                return -EINVAL;
        *ret = v * 1000;
        return 0;
}

static int parse_workers(const char *s, unsigned *ret) {
        char *end;
        errno = 0;
        unsigned long v = strtoul(s, &end, 10);
        if (errno || end == s || *end || *s == '-' || v == 0 || v > WORKERS_MAX)
                return -EINVAL;
        *ret = (unsigned) v;
        return 0;
}

static int parse_busy_poll(const char *s, uint64_t *ret) {
        char *end;
        errno = 0;
        unsigned long long v = strtoull(s, &end, 10);
        if (errno || end == s || *end || *s == '-' || v > BUSY_POLL_USEC_MAX)
                return -EINVAL;
        *ret = v;
        return 0;
}

static unsigned default_workers(void) {
        long n = sysconf(_SC_NPROCESSORS_ONLN);
        return n < 1 ? 1 : (unsigned) MIN(n, (long) WORKERS_MAX);
}

static int parse_argv(Daemon *d, int argc, char *argv[]) {
        enum { ARG_DROPIN = 0x100, ARG_SOCKET_DIR, ARG_SERVICE, ARG_MULTIPLEXER, ARG_MACHINE_ID, ARG_TIMEOUT,
               ARG_WORKERS, ARG_BUSY_POLL };
        static const struct option options[] = {
                { "help", no_argument, NULL, 'h' },
                { "dropin-dir", required_argument, NULL, ARG_DROPIN },
                { "socket-dir", required_argument, NULL, ARG_SOCKET_DIR },
                { "service-name", required_argument, NULL, ARG_SERVICE },
                { "multiplexer", optional_argument, NULL, ARG_MULTIPLEXER },
                { "machine-id", required_argument, NULL, ARG_MACHINE_ID },
                { "timeout", required_argument, NULL, ARG_TIMEOUT },
                { "workers", required_argument, NULL, ARG_WORKERS },
                { "busy-poll", required_argument, NULL, ARG_BUSY_POLL },
                {}
        };
        const char *e;
        int c;

        if ((e = getenv("HEARTH_USERDB_DROPIN_DIRS")) && *e && !(d->dirs = split_colon(e)))
                return -ENOMEM;
        if ((e = getenv("HEARTH_USERDB_SOCKET_DIR")) && *e)
                d->socket_dir = e;
        if ((e = getenv("HEARTH_USERDB_SERVICE_NAME")) && *e)
                d->service_name = e;
        if ((e = getenv("HEARTH_USERDB_MULTIPLEXER")) && *e)
                d->multiplexer_name = e;
        if ((e = getenv("HEARTH_USERDB_MACHINE_ID")) && *e)
                d->machine_id = e;
        if ((e = getenv("HEARTH_USERDB_TIMEOUT_MSEC")) && *e && parse_timeout(e, &d->timeout_usec) < 0) {
                fprintf(stderr, "hearth-userdbd: bad $HEARTH_USERDB_TIMEOUT_MSEC: %s\n", e);
                return -EINVAL;
        }
        if ((e = getenv("HEARTH_USERDB_WORKERS")) && *e && parse_workers(e, &d->n_workers) < 0) {
                fprintf(stderr, "hearth-userdbd: bad $HEARTH_USERDB_WORKERS (1..%u): %s\n", WORKERS_MAX, e);
                return -EINVAL;
        }

        d->busy_poll_usec = BUSY_POLL_USEC_DEFAULT;
        if ((e = getenv("HEARTH_USERDB_BUSY_POLL_USEC")) && *e && parse_busy_poll(e, &d->busy_poll_usec) < 0) {
                fprintf(stderr, "hearth-userdbd: bad $HEARTH_USERDB_BUSY_POLL_USEC (0..%llu): %s\n",
                        BUSY_POLL_USEC_MAX, e);
                return -EINVAL;
        }

        bool dirs_from_argv = false;
        while ((c = getopt_long(argc, argv, "h", options, NULL)) >= 0)
                switch (c) {
                case 'h':
                        help();
                        return 0;
                case ARG_DROPIN:
                        if (!dirs_from_argv) {
                                d->dirs = strv_free(d->dirs);
                                dirs_from_argv = true;
                        }
                        if (strv_push(&d->dirs, optarg) < 0)
                                return -ENOMEM;
                        break;
                case ARG_SOCKET_DIR:
                        d->socket_dir = optarg;
                        break;
                case ARG_SERVICE:
                        d->service_name = optarg;
                        break;
                case ARG_MULTIPLEXER:
                        d->multiplexer_name = optarg ?: USERDB_MULTIPLEXER;
                        break;
                case ARG_MACHINE_ID:
                        d->machine_id = optarg;
                        break;
                case ARG_TIMEOUT:
                        if (parse_timeout(optarg, &d->timeout_usec) < 0) {
                                fprintf(stderr, "hearth-userdbd: bad --timeout: %s\n", optarg);
                                return -EINVAL;
                        }
                        break;
                case ARG_WORKERS:
                        if (parse_workers(optarg, &d->n_workers) < 0) {
                                fprintf(stderr, "hearth-userdbd: bad --workers (1..%u): %s\n", WORKERS_MAX, optarg);
                                return -EINVAL;
                        }
                        break;
                case ARG_BUSY_POLL:
                        if (parse_busy_poll(optarg, &d->busy_poll_usec) < 0) {
                                fprintf(stderr, "hearth-userdbd: bad --busy-poll (0..%llu): %s\n",
                                        BUSY_POLL_USEC_MAX, optarg);
                                return -EINVAL;
                        }
                        break;
                default:
                        return -EINVAL;
                }
        if (optind < argc) {
                fprintf(stderr, "hearth-userdbd: unexpected argument: %s\n", argv[optind]);
                return -EINVAL;
        }

        if (!d->dirs)
                for (const char *const *p = dropin_default_dirs; *p; p++)
                        if (strv_push(&d->dirs, *p) < 0)
                                return -ENOMEM;
        if (!d->socket_dir)
                d->socket_dir = USERDB_SOCKET_DIR_DEFAULT;
        if (d->n_workers == 0)
                d->n_workers = default_workers();
        if (!d->service_name)
                d->service_name = DEFAULT_SERVICE_NAME;
        if (strchr(d->service_name, '/') || (d->multiplexer_name && strchr(d->multiplexer_name, '/'))) {
                fprintf(stderr, "hearth-userdbd: a service name may not contain '/'\n");
                return -EINVAL;
        }
        if (d->multiplexer_name && (isempty(d->multiplexer_name) || streq(d->multiplexer_name, "no")))
                d->multiplexer_name = NULL;
        if (d->multiplexer_name && streq(d->multiplexer_name, d->service_name)) {
                fprintf(stderr, "hearth-userdbd: the multiplexer needs a name of its own\n");
                return -EINVAL;
        }
        return 1;
}

static int listen_on(Daemon *d, const char *name) {
        _cleanup_free_ char *path = NULL;
        int r;

        if (asprintf(&path, "%s/%s", d->socket_dir, name) < 0)
                return -ENOMEM;
        r = varlink_server_listen_path(d->server, path, 0666);
        if (r < 0)
                fprintf(stderr, "hearth-userdbd: cannot listen on %s: %s\n", path, strerror(-r));
        return r;
}

/* The serving part: one event loop on the server the caller set up. */
static int serve(Daemon *d, bool notify) {
        int r;

        /* A private loop rather than the default one: sd-event checks the
         * calling thread of a default loop with a gettid() system call on
         * every iteration. */
        r = sd_event_new(&d->event);
        if (r < 0)
                return r;
        r = varlink_server_attach_event(d->server, d->event, 0);
        if (r < 0)
                return r;
        (void) sd_event_add_signal(d->event, NULL, SIGTERM, NULL, NULL);
        (void) sd_event_add_signal(d->event, NULL, SIGINT, NULL, NULL);
        (void) sd_event_add_signal(d->event, NULL, SIGHUP, on_sighup, d);
        /* Every worker watches and reloads on its own: no coordination,
         * and each keeps serving its old records until its reload is done. */
        r = setup_watches(d);
        if (r < 0)
                return r;
        if (notify)
                (void) sd_notify(false, "READY=1");
        return busy_poll_loop(d->event, &d->busy_poll);
}

static void daemon_done(Daemon *d) {
        drop_watches(d);
        d->reload_timer = sd_event_source_unref(d->reload_timer);
        d->service = userdb_service_free(d->service);
        d->server = varlink_server_free(d->server);
        d->event = sd_event_unref(d->event);
        d->db = dropin_db_unref(d->db);
        d->dirs = strv_free(d->dirs);
}

static int worker_main(WorkerPool *p, unsigned index, void *userdata) {
        Daemon *d = userdata;
        unsigned n = worker_pool_size(p);
        int r;

        /* The parent removes the socket files, once, when all are done. */
        varlink_server_keep_socket_files(d->server);
        /* Each worker holds 1/n of the limits, so together they never
         * exceed them; the balancing keeps the workers' shares even. */
        varlink_server_set_connection_limits(d->server, VARLINK_CONNECTIONS_MAX / n,
                                             MAX(VARLINK_CONNECTIONS_PER_UID_MAX / n, 1U));
        d->balance = (WorkerBalance) { .pool = p, .index = index };
        d->busy_poll = (BusyPoll) {
                .window_usec = d->busy_poll_usec,
                .last_event = worker_pool_last_event(p),
                .n = n,
                .index = index,
                .max_spinning = busy_poll_max_spinning(),
        };
        varlink_server_set_accept_filter(d->server, worker_balance_accept_filter, &d->balance);
        varlink_server_set_count_callback(d->server, worker_balance_count_changed, &d->balance);

        r = serve(d, false);
        if (r < 0)
                fprintf(stderr, "hearth-userdbd: worker %u: %s\n", index, strerror(-r));
        daemon_done(d);
        return r < 0 ? 1 : 0;
}

static void notify_ready(void) {
        (void) sd_notify(false, "READY=1");
}

int main(int argc, char *argv[]) {
        Daemon d = {};
        _cleanup_(worker_pool_freep) WorkerPool *pool = NULL;
        sigset_t mask;
        int r;

        r = parse_argv(&d, argc, argv);
        if (r <= 0)
                goto out;

        r = load(&d, &d.db);
        if (r < 0) {
                fprintf(stderr, "hearth-userdbd: cannot load records: %s\n", strerror(-r));
                goto out;
        }
        fprintf(stderr, "hearth-userdbd: loaded %zu users, %zu groups, %zu memberships\n",
                dropin_db_n_users(d.db), dropin_db_n_groups(d.db), dropin_db_n_memberships(d.db));
        (void) malloc_trim(0);

        sigemptyset(&mask);
        sigaddset(&mask, SIGTERM);
        sigaddset(&mask, SIGINT);
        sigaddset(&mask, SIGHUP);
        if (d.n_workers > 1)
                sigaddset(&mask, SIGCHLD);
        sigprocmask(SIG_BLOCK, &mask, NULL);
        signal(SIGPIPE, SIG_IGN);

        r = varlink_server_new(&d.server);
        if (r < 0)
                goto fail;
        (void) varlink_server_set_info(d.server, "Hearth", "hearth-userdbd", NULL, NULL);
        UserDBServiceOptions so = {
                .service_name = d.service_name,
                .multiplexer_name = d.multiplexer_name,
                .socket_dir = d.socket_dir,
                .timeout_usec = d.timeout_usec,
        };
        r = userdb_service_new(d.server, &so, d.db, &d.service);
        if (r < 0)
                goto fail;
        /* Bound before any worker exists: they all inherit the listening
         * sockets and accept on them. */
        r = listen_on(&d, d.service_name);
        if (r < 0)
                goto out;
        if (d.multiplexer_name) {
                r = listen_on(&d, d.multiplexer_name);
                if (r < 0)
                        goto out;
        }

        fprintf(stderr, "hearth-userdbd: serving %s/%s%s%s\n", d.socket_dir, d.service_name,
                d.multiplexer_name ? " and " : "", d.multiplexer_name ?: "");
        if (d.n_workers <= 1) {
                d.busy_poll = (BusyPoll) {
                        .window_usec = d.busy_poll_usec,
                        .last_event = &d.last_event,
                        .n = 1,
                        .max_spinning = busy_poll_max_spinning(),
                };
                r = serve(&d, true);
        }
        else {
                r = worker_pool_new(d.n_workers, &pool);
                if (r < 0)
                        goto fail;
                r = worker_pool_run(pool, worker_main, &d, notify_ready);
        }
        if (r < 0)
                goto fail;
        r = 0;
        goto out;
fail:
        fprintf(stderr, "hearth-userdbd: %s\n", strerror(-r));
out:
        daemon_done(&d);
        return r < 0 ? 1 : 0;
}
