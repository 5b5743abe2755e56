/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* hearth-homed: manages Hearth homes (hearth-homed(8)). */

#include <getopt.h>
#include <signal.h>
#include <sys/stat.h>
#include <systemd/sd-daemon.h>

#include "homed-manager.h"
#include "macro.h"


static int set_dir(char **where, const char *value, const char *env, const char *def) {
        const char *v = value ?: getenv(env);
        free(*where);
        *where = strdup(!isempty(v) ? v : def);
        return *where ? 0 : -ENOMEM;
}

static void help(void) {
        printf("hearth-homed [OPTIONS...]\n\n"
               "Manages Hearth home directories and serves them over Varlink.\n\n"
               "  -h --help                 Show this help\n"
               "     --state-dir=DIR        Records and signing keys ($HEARTH_HOMED_STATE_DIR, %s)\n"
               "     --runtime-dir=DIR      Runtime files and the API socket ($HEARTH_HOMED_RUNTIME_DIR, %s)\n"
               "     --home-root=DIR        Where new homes go ($HEARTH_HOME_ROOT, %s)\n"
               "     --userdb-dir=DIR       userdb socket directory ($HEARTH_USERDB_SOCKET_DIR, %s)\n"
               "     --socket=PATH          API socket ($HEARTH_HOMED_SOCKET, RUNTIME-DIR/io.hearth.Home)\n"
               "     --homework=PATH        Run this worker program instead of a fork of the daemon\n"
               "                            ($HEARTH_HOMEWORK; default: the built-in worker)\n"
               "     --trusted-key-dir=DIR  Also trust *.public keys in DIR (repeatable)\n"
               "     --bad-password-delay=MSEC\n"
               "                            Answer a wrong secret after this long (%llu)\n",
               HOMED_STATE_DIR_DEFAULT, HOMED_RUNTIME_DIR_DEFAULT, HOMED_HOME_ROOT_DEFAULT,
               HOMED_USERDB_DIR_DEFAULT, HOMED_BAD_PASSWORD_DELAY_USEC_DEFAULT / 1000);
}

static int strv_push(char ***l, const char *s) {
        size_t n = strv_length(*l);
        char **x = realloc(*l, (n + 2) * sizeof(char *));
        if (!x)
                return -ENOMEM;
        x[n] = strdup(s);
        x[n + 1] = NULL;
        *l = x;
        return x[n] ? 0 : -ENOMEM;
}

static int parse_argv(Manager *m, int argc, char *argv[]) {
        enum { ARG_STATE = 0x100, ARG_RUNTIME, ARG_HOME_ROOT, ARG_USERDB, ARG_SOCKET, ARG_HOMEWORK, ARG_KEYDIR, ARG_DELAY };
        static const struct option options[] = {
                { "help",            no_argument,       NULL, 'h'           },
                { "state-dir",       required_argument, NULL, ARG_STATE     },
                { "runtime-dir",     required_argument, NULL, ARG_RUNTIME   },
                { "home-root",       required_argument, NULL, ARG_HOME_ROOT },
                { "userdb-dir",      required_argument, NULL, ARG_USERDB    },
                { "socket",          required_argument, NULL, ARG_SOCKET    },
                { "homework",        required_argument, NULL, ARG_HOMEWORK  },
                { "trusted-key-dir", required_argument, NULL, ARG_KEYDIR    },
                { "bad-password-delay", required_argument, NULL, ARG_DELAY  },
                {}
        };
        const char *state = NULL, *runtime = NULL, *root = NULL, *userdb = NULL, *sock = NULL, *hw = NULL;
        int c, r;

        while ((c = getopt_long(argc, argv, "h", options, NULL)) >= 0)
                switch (c) {
                case 'h':
                        help();
                        return 0;
                case ARG_STATE: state = optarg; break;
                case ARG_RUNTIME: runtime = optarg; break;
                case ARG_HOME_ROOT: root = optarg; break;
                case ARG_USERDB: userdb = optarg; break;
                case ARG_SOCKET: sock = optarg; break;
                case ARG_HOMEWORK: hw = optarg; break;
                case ARG_DELAY: {
                        char *end;
                        unsigned long long ms;
                        errno = 0;
                        ms = strtoull(optarg, &end, 10);
                        if (errno != 0 || end == optarg || *end || optarg[0] == '-' || ms > 600000) {
                                fprintf(stderr, "hearth-homed: --bad-password-delay=%s: not a number of milliseconds up to 600000\n", optarg);
                                return -EINVAL;
                        }
                        m->bad_password_delay_usec = ms * 1000;
                        break;
                }
                case ARG_KEYDIR:
                        if (strv_push(&m->key_dirs, optarg) < 0)
                                return -ENOMEM;
                        break;
                default:
                        return -EINVAL;
                }
        if (optind < argc) {
                fprintf(stderr, "hearth-homed: takes no arguments\n");
                return -EINVAL;
        }
        if (set_dir(&m->state_dir, state, "HEARTH_HOMED_STATE_DIR", HOMED_STATE_DIR_DEFAULT) < 0 ||
            set_dir(&m->runtime_dir, runtime, "HEARTH_HOMED_RUNTIME_DIR", HOMED_RUNTIME_DIR_DEFAULT) < 0 ||
            set_dir(&m->home_root, root, "HEARTH_HOME_ROOT", HOMED_HOME_ROOT_DEFAULT) < 0 ||
            set_dir(&m->userdb_dir, userdb, "HEARTH_USERDB_SOCKET_DIR", HOMED_USERDB_DIR_DEFAULT) < 0)
                return -ENOMEM;
        hw = hw ?: getenv("HEARTH_HOMEWORK");
        free(m->homework);
        m->homework = NULL;
        if (!isempty(hw) && !(m->homework = strdup(hw)))
                return -ENOMEM;
        if (sock || getenv("HEARTH_HOMED_SOCKET"))
                m->api_socket = strdup(sock ?: getenv("HEARTH_HOMED_SOCKET"));
        else if (asprintf(&m->api_socket, "%s/%s", m->runtime_dir, HOMED_SERVICE) < 0)
                m->api_socket = NULL;
        if (!m->api_socket)
                return -ENOMEM;
        /* Our own state directory is always trusted; systemd-homed's too. */
        r = strv_push(&m->key_dirs, m->state_dir);
        if (r >= 0)
                r = strv_push(&m->key_dirs, HOMED_SYSTEMD_KEY_DIR);
        if (r < 0)
                return r;
        /* The worker computes default paths from this, and lookups the
         * daemon makes go to the same userdb directory. */
        if (setenv("HEARTH_HOME_ROOT", m->home_root, 1) < 0 ||
            setenv("HEARTH_USERDB_SOCKET_DIR", m->userdb_dir, 1) < 0)
                return -errno;
        return 1;
}

static int on_signal(sd_event_source *s, const struct signalfd_siginfo *si, void *userdata) {
        return sd_event_exit(sd_event_source_get_event(s), 0);
}

int main(int argc, char *argv[]) {
        Manager *m = NULL;
        sigset_t ss;
        int r;

        r = manager_new(&m);
        if (r < 0)
                return EXIT_FAILURE;
        r = parse_argv(m, argc, argv);
        if (r <= 0) {
                manager_free(m);
                return r < 0 ? 2 : EXIT_SUCCESS;
        }
        umask(0022);
        (void) signal(SIGPIPE, SIG_IGN);
        sigemptyset(&ss);
        sigaddset(&ss, SIGCHLD);
        sigaddset(&ss, SIGTERM);
        sigaddset(&ss, SIGINT);
        (void) sigprocmask(SIG_BLOCK, &ss, NULL);

        r = manager_startup(m);
        if (r >= 0)
                r = sd_event_add_signal(m->event, NULL, SIGTERM, on_signal, NULL);
        if (r >= 0)
                r = sd_event_add_signal(m->event, NULL, SIGINT, on_signal, NULL);
        if (r < 0) {
                fprintf(stderr, "hearth-homed: start-up failed: %s\n", strerror(-r));
                manager_free(m);
                return EXIT_FAILURE;
        }
        fprintf(stderr, "hearth-homed: serving %s, %zu homes\n", m->api_socket, m->n_homes);
        (void) sd_notify(0, "READY=1");
        r = sd_event_loop(m->event);
        manager_free(m);
        return r < 0 ? EXIT_FAILURE : EXIT_SUCCESS;
}
