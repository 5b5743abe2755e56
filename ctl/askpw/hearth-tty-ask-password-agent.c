/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* hearth-tty-ask-password-agent: answers ask-password requests on a
 * terminal, or announces them on every terminal (--wall). */

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>
#include <utmpx.h>

#include <systemd/sd-event.h>

#include "askpw-util.h"
#include "askpw.h"
#include "macro.h"
#include "tty-prompt.h"

typedef enum Action {
        ACTION_LIST,
        ACTION_QUERY,
        ACTION_WATCH,
        ACTION_WALL,
} Action;

static Action arg_action = ACTION_QUERY;
static const char *arg_console;
static bool arg_user;

typedef struct Agent {
        sd_event *event;
        AskpwAgent *agent;
        int tty_fd;
        bool own_tty;
        AskpwEditor ed;
        bool editing;
        sd_event_source *tty_source;
        char *block_path;
        int block_fd;
        const char *auto_password;
        int error;
} Agent;

static void help(void) {
        printf("%s [OPTIONS...]\n\n"
               "Answer password requests on the terminal.\n\n"
               "  -h --help          Show this help\n"
               "     --list          List pending requests\n"
               "     --query         Answer pending requests, then exit (default)\n"
               "     --watch         Keep answering requests as they come\n"
               "     --console[=DEV] Ask on DEV (default /dev/console) instead of our terminal\n"
               "     --wall          Tell logged-in users about requests instead of asking\n"
               "     --user          Also serve the per-user directory\n",
               program_invocation_short_name);
}

static int parse_argv(int argc, char *argv[]) {
        enum {
                ARG_LIST = 0x100,
                ARG_QUERY,
                ARG_WATCH,
                ARG_WALL,
                ARG_CONSOLE,
                ARG_USER,
        };
        static const struct option options[] = {
                { "help", no_argument, NULL, 'h' },
                { "list", no_argument, NULL, ARG_LIST },
                { "query", no_argument, NULL, ARG_QUERY },
                { "watch", no_argument, NULL, ARG_WATCH },
                { "wall", no_argument, NULL, ARG_WALL },
                { "console", optional_argument, NULL, ARG_CONSOLE },
                { "user", no_argument, NULL, ARG_USER },
                {}
        };
        int c;

        while ((c = getopt_long(argc, argv, "h", options, NULL)) >= 0)
                switch (c) {
                case 'h':
                        help();
                        return 0;
                case ARG_LIST:
                        arg_action = ACTION_LIST;
                        break;
                case ARG_QUERY:
                        arg_action = ACTION_QUERY;
                        break;
                case ARG_WATCH:
                        arg_action = ACTION_WATCH;
                        break;
                case ARG_WALL:
                        arg_action = ACTION_WALL;
                        break;
                case ARG_CONSOLE:
                        arg_console = isempty(optarg) ? "/dev/console" : optarg;
                        break;
                case ARG_USER:
                        arg_user = true;
                        break;
                default:
                        return -EINVAL;
                }

        if (optind != argc) {
                fprintf(stderr, "%s takes no arguments.\n", program_invocation_short_name);
                return -EINVAL;
        }
        return 1;
}

static int collect_dirs(char ***ret) {
        _cleanup_strv_free_ char **l = NULL;
        _cleanup_free_ char *sys = NULL, *user = NULL;
        int r;

        r = askpw_directory(false, &sys);
        if (r < 0)
                return r;
        r = askpw_strv_append(&l, sys);
        if (r < 0)
                return r;
        if (arg_user) {
                r = askpw_directory(true, &user);
                if (r < 0) {
                        fprintf(stderr, "No per-user ask-password directory ($XDG_RUNTIME_DIR unset).\n");
                        return r;
                }
                r = askpw_strv_append(&l, user);
                if (r < 0)
                        return r;
        }
        *ret = TAKE_PTR(l);
        return 0;
}

static int do_list(char **dirs) {
        for (char **d = dirs; *d; d++) {
                AskpwAsk **l = NULL;
                size_t n = 0;
                int r = askpw_list(*d, &l, &n);
                if (r == -ENOENT)
                        continue;
                if (r < 0) {
                        fprintf(stderr, "Failed to list %s: %s\n", *d, strerror(-r));
                        return r;
                }
                for (size_t i = 0; i < n; i++)
                        printf("'%s' (PID %u)\n", l[i]->message ?: "", (unsigned) l[i]->pid);
                askpw_ask_array_free(l, n);
        }
        return 0;
}

/* --- wall ------------------------------------------------------------- */

static const char *block_dir(void) {
        const char *e = getenv("HEARTH_ASK_PASSWORD_BLOCK_DIR");
        return !isempty(e) ? e : "/run/systemd/ask-password-block";
}

/* A terminal whose block FIFO has a reader has an agent asking on it: the
 * wall message would only disturb the typing. */
static bool tty_blocked(dev_t rdev) {
        char path[PATH_MAX];
        int fd;

        snprintf(path, sizeof(path), "%s/%u:%u", block_dir(), major(rdev), minor(rdev));
        fd = open(path, O_WRONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
        if (fd < 0)
                return false;
        close(fd);
        return true;
}

static void wall(const AskpwAsk *ask) {
        char text[2048];
        struct utmpx *u;

        snprintf(text, sizeof(text),
                 "\r\nPassword entry required for '%s' (PID %u).\r\n"
                 "Please enter the password with: hearth-tty-ask-password-agent --query\r\n",
                 ask->message ?: "", (unsigned) ask->pid);

        setutxent();
        while ((u = getutxent())) {
                char path[sizeof(u->ut_line) + 6];
                struct stat st;
                int fd;

                if (u->ut_type != USER_PROCESS || u->ut_line[0] == 0)
                        continue;
                snprintf(path, sizeof(path), "/dev/%.*s", (int) sizeof(u->ut_line), u->ut_line);
                if (strstr(path, "..") || stat(path, &st) < 0 || !S_ISCHR(st.st_mode) || tty_blocked(st.st_rdev))
                        continue;
                fd = open(path, O_WRONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
                if (fd < 0)
                        continue;
                (void) !write(fd, text, strlen(text));
                close(fd);
        }
        endutxent();
}

/* --- terminal prompt ---------------------------------------------------- */

static void block_begin(Agent *a) {
        struct stat st;

        if (fstat(a->tty_fd, &st) < 0 || !S_ISCHR(st.st_mode))
                return;
        (void) mkdir(block_dir(), 0755);
        if (asprintf(&a->block_path, "%s/%u:%u", block_dir(), major(st.st_rdev), minor(st.st_rdev)) < 0) {
                a->block_path = NULL;
                return;
        }
        if (mkfifo(a->block_path, 0600) < 0 && errno != EEXIST) {
                free(a->block_path);
                a->block_path = NULL;
                return;
        }
        a->block_fd = open(a->block_path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
}

static void block_end(Agent *a) {
        closep(&a->block_fd);
        if (a->block_path) {
                (void) unlink(a->block_path);
                free(a->block_path);
                a->block_path = NULL;
        }
}

static void prompt_end(Agent *a) {
        a->tty_source = sd_event_source_disable_unref(a->tty_source);
        if (a->editing)
                askpw_editor_end(&a->ed);
        a->editing = false;
        block_end(a);
}

static int on_tty(sd_event_source *s, int fd, uint32_t revents, void *userdata) {
        Agent *a = userdata;
        char in[64];
        ssize_t k;
        int r;

        k = read(fd, in, sizeof(in));
        if (k < 0 && (errno == EAGAIN || errno == EINTR))
                return 0;
        if (k <= 0) {
                /* The terminal went away: nobody can answer here any more. */
                prompt_end(a);
                (void) askpw_agent_skip(a->agent);
                a->error = -EIO;
                return sd_event_exit(a->event, -EIO);
        }

        r = askpw_editor_feed(&a->ed, in, (size_t) k);
        explicit_bzero(in, sizeof(in));
        if (r == 0)
                return 0;

        if (r > 0) {
                _cleanup_erase_free_ char *pw = NULL;
                r = askpw_editor_take(&a->ed, &pw);
                prompt_end(a);
                if (r < 0)
                        return sd_event_exit(a->event, r);
                char *l[] = { pw, NULL };
                r = askpw_agent_answer(a->agent, l);
        } else {
                prompt_end(a);
                r = askpw_agent_cancel(a->agent);
        }
        if (r < 0 && r != -ENOENT && r != -ECONNREFUSED)
                fprintf(stderr, "Failed to send answer: %s\n", strerror(-r));
        return 0;
}

static int open_tty(Agent *a) {
        if (a->tty_fd >= 0)
                return 0;
        a->tty_fd = open(arg_console ?: "/dev/tty", O_RDWR | O_NOCTTY | O_CLOEXEC | O_NONBLOCK);
        if (a->tty_fd < 0)
                return -errno;
        a->own_tty = true;
        return 0;
}

static int on_request(AskpwAgent *agent, const AskpwAsk *ask, void *userdata) {
        Agent *a = userdata;
        AskpwEcho echo;
        int r;

        if (a->auto_password) {
                char *l[] = { (char *) a->auto_password, NULL };
                return askpw_agent_answer(agent, l);
        }
        if (arg_action == ACTION_WALL) {
                wall(ask);
                return askpw_agent_skip(agent);
        }

        r = open_tty(a);
        if (r < 0) {
                fprintf(stderr, "Failed to open %s: %s\n", arg_console ?: "the terminal", strerror(-r));
                a->error = r;
                (void) askpw_agent_skip(agent);
                return sd_event_exit(a->event, r);
        }

        echo = ask->silent ? ASKPW_ECHO_OFF : ask->echo ? ASKPW_ECHO_ON : ASKPW_ECHO_MASKED;
        r = askpw_editor_begin(&a->ed, a->tty_fd, ask->message ?: "Password:", echo);
        if (r < 0) {
                fprintf(stderr, "Failed to prompt on terminal: %s\n", strerror(-r));
                return r;
        }
        a->editing = true;
        block_begin(a);

        r = sd_event_add_io(a->event, &a->tty_source, a->tty_fd, EPOLLIN, on_tty, a);
        if (r < 0) {
                prompt_end(a);
                return r;
        }
        return 0;
}

static void on_withdraw(AskpwAgent *agent, const AskpwAsk *ask, void *userdata) {
        Agent *a = userdata;

        if (!a->editing)
                return;
        prompt_end(a);
        dprintf(a->tty_fd, "(password request withdrawn)\n");
}

static int on_signal(sd_event_source *s, const struct signalfd_siginfo *si, void *userdata) {
        Agent *a = userdata;

        prompt_end(a);
        return sd_event_exit(a->event, 0);
}

static int run_agent(char **dirs) {
        Agent a = { .tty_fd = -EBADF, .block_fd = -EBADF };
        sigset_t mask;
        int r;

        a.auto_password = getenv("SYSTEMD_ASK_PASSWORD_AGENT_PASSWORD");

        r = sd_event_default(&a.event);
        if (r < 0)
                goto finish;

        sigemptyset(&mask);
        sigaddset(&mask, SIGINT);
        sigaddset(&mask, SIGTERM);
        sigaddset(&mask, SIGHUP);
        (void) sigprocmask(SIG_BLOCK, &mask, NULL);
        (void) sd_event_add_signal(a.event, NULL, SIGINT, on_signal, &a);
        (void) sd_event_add_signal(a.event, NULL, SIGTERM, on_signal, &a);
        (void) sd_event_add_signal(a.event, NULL, SIGHUP, on_signal, &a);

        r = askpw_agent_new(a.event, arg_action == ACTION_QUERY ? ASKPW_AGENT_ONESHOT : 0, &a.agent);
        if (r < 0)
                goto finish;
        askpw_agent_set_handlers(a.agent, on_request, on_withdraw, &a);
        for (char **d = dirs; *d; d++) {
                r = askpw_agent_add_directory(a.agent, *d);
                if (r < 0) {
                        fprintf(stderr, "Cannot watch %s: %s\n", *d, strerror(-r));
                        goto finish;
                }
        }
        r = askpw_agent_start(a.agent);
        if (r < 0)
                goto finish;

        r = sd_event_loop(a.event);
        if (r >= 0 && a.error < 0)
                r = a.error;

finish:
        prompt_end(&a);
        askpw_agent_free(a.agent);
        if (a.own_tty)
                closep(&a.tty_fd);
        sd_event_unref(a.event);
        return r;
}

int main(int argc, char *argv[]) {
        _cleanup_strv_free_ char **dirs = NULL;
        int r;

        r = parse_argv(argc, argv);
        if (r <= 0)
                return r < 0 ? EXIT_FAILURE : EXIT_SUCCESS;

        r = collect_dirs(&dirs);
        if (r < 0)
                return EXIT_FAILURE;

        if (arg_action == ACTION_LIST)
                r = do_list(dirs);
        else
                r = run_agent(dirs);
        if (r < 0) {
                fprintf(stderr, "Password agent failed: %s\n", strerror(-r));
                return EXIT_FAILURE;
        }
        return EXIT_SUCCESS;
}
