/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* hearth-ask-password: ask for a password through a credential, the
 * keyring, the terminal or the agents; option-compatible with
 * systemd-ask-password. */

#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "askpw-util.h"
#include "askpw.h"
#include "macro.h"

static const char *arg_icon;
static const char *arg_id;
static const char *arg_keyname;
static const char *arg_credential;
static char *arg_message;
static uint64_t arg_timeout = ASKPW_DEFAULT_TIMEOUT_USEC;
static AskpwEcho arg_echo = ASKPW_ECHO_MASKED;
static AskpwFlags arg_flags = ASKPW_PUSH_CACHE;
static bool arg_multiple;
static bool arg_no_output;
static bool arg_newline = true;
static bool arg_varlink;

static void help(void) {
        printf("%s [OPTIONS...] MESSAGE\n\n"
               "Ask for a password on the terminal or through password agents.\n\n"
               "  -h --help               Show this help\n"
               "     --icon=NAME          Icon name\n"
               "     --id=ID              Query identifier (e.g. \"cryptsetup:/dev/sda5\")\n"
               "     --keyname=NAME       Kernel keyring key for caching passwords\n"
               "     --credential=NAME    Credential to read from $CREDENTIALS_DIRECTORY\n"
               "     --timeout=SEC        Timeout (0 or infinity: none; default 90s)\n"
               "     --echo=yes|no|masked Show the password while typing, hide it, or mask it\n"
               "  -e --echo               Same as --echo=yes\n"
               "     --no-tty             Ask agents even if stdin is a terminal\n"
               "     --accept-cached      Accept a password from the keyring\n"
               "     --multiple           Print every password, not just the first\n"
               "     --no-output          Print nothing\n"
               "  -n                      No newline after the password\n"
               "     --user               Ask the agents of our own user\n"
               "     --system             Ask the system's agents\n"
               "     --varlink            Serve io.systemd.AskPassword (socket activation)\n",
               program_invocation_short_name);
}

/* "5", "1.5", "500ms", "2min", "1h", "infinity". */
static int parse_sec(const char *s, uint64_t *ret) {
        static const struct {
                const char *suffix;
                double mult;
        } units[] = {
                { "us", 1 }, { "ms", 1e3 }, { "s", 1e6 }, { "sec", 1e6 },
                { "m", 60e6 }, { "min", 60e6 }, { "h", 3600e6 }, { "", 1e6 },
        };
        char *end;
        double v;

        if (streq(s, "infinity")) {
                *ret = UINT64_MAX;
                return 0;
        }
        errno = 0;
        v = strtod(s, &end);
        if (errno != 0 || end == s || v < 0 || !isfinite(v))
                return -EINVAL;
        for (size_t i = 0; i < ELEMENTSOF(units); i++)
                if (streq(end, units[i].suffix)) {
                        double us = v * units[i].mult;
                        *ret = us >= 1.8e19 ? UINT64_MAX : (uint64_t) us;
                        return 0;
                }
        return -EINVAL;
}

static int parse_argv(int argc, char *argv[]) {
        enum {
                ARG_ICON = 0x100,
                ARG_TIMEOUT,
                ARG_NO_TTY,
                ARG_ACCEPT_CACHED,
                ARG_MULTIPLE,
                ARG_ID,
                ARG_KEYNAME,
                ARG_NO_OUTPUT,
                ARG_CREDENTIAL,
                ARG_USER,
                ARG_SYSTEM,
                ARG_VARLINK,
        };
        static const struct option options[] = {
                { "help", no_argument, NULL, 'h' },
                { "icon", required_argument, NULL, ARG_ICON },
                { "timeout", required_argument, NULL, ARG_TIMEOUT },
                { "echo", optional_argument, NULL, 'e' },
                { "no-tty", no_argument, NULL, ARG_NO_TTY },
                { "accept-cached", no_argument, NULL, ARG_ACCEPT_CACHED },
                { "multiple", no_argument, NULL, ARG_MULTIPLE },
                { "id", required_argument, NULL, ARG_ID },
                { "keyname", required_argument, NULL, ARG_KEYNAME },
                { "no-output", no_argument, NULL, ARG_NO_OUTPUT },
                { "credential", required_argument, NULL, ARG_CREDENTIAL },
                { "user", no_argument, NULL, ARG_USER },
                { "system", no_argument, NULL, ARG_SYSTEM },
                { "varlink", no_argument, NULL, ARG_VARLINK },
                {}
        };
        int c;

        while ((c = getopt_long(argc, argv, "+hen", options, NULL)) >= 0)
                switch (c) {
                case 'h':
                        help();
                        return 0;
                case ARG_ICON:
                        arg_icon = optarg;
                        break;
                case ARG_TIMEOUT:
                        if (parse_sec(optarg, &arg_timeout) < 0) {
                                fprintf(stderr, "Invalid --timeout= value: %s\n", optarg);
                                return -EINVAL;
                        }
                        break;
                case 'e':
                        if (!optarg)
                                arg_echo = ASKPW_ECHO_ON;
                        else if (isempty(optarg))
                                arg_echo = ASKPW_ECHO_MASKED;
                        else {
                                arg_echo = askpw_echo_from_string(optarg);
                                if (arg_echo < 0) {
                                        fprintf(stderr, "Invalid --echo= value: %s (yes, no or masked)\n", optarg);
                                        return -EINVAL;
                                }
                        }
                        break;
                case ARG_NO_TTY:
                        arg_flags |= ASKPW_NO_TTY;
                        break;
                case ARG_ACCEPT_CACHED:
                        arg_flags |= ASKPW_ACCEPT_CACHED;
                        break;
                case ARG_MULTIPLE:
                        arg_multiple = true;
                        break;
                case ARG_ID:
                        arg_id = optarg;
                        break;
                case ARG_KEYNAME:
                        arg_keyname = optarg;
                        break;
                case ARG_NO_OUTPUT:
                        arg_no_output = true;
                        break;
                case ARG_CREDENTIAL:
                        arg_credential = optarg;
                        break;
                case ARG_USER:
                        arg_flags |= ASKPW_USER;
                        break;
                case ARG_SYSTEM:
                        arg_flags &= ~ASKPW_USER;
                        break;
                case ARG_VARLINK:
                        arg_varlink = true;
                        break;
                case 'n':
                        arg_newline = false;
                        break;
                case '?':
                        return -EINVAL;
                default:
                        return -EINVAL;
                }

        if (optind < argc) {
                size_t n = 0;
                for (int i = optind; i < argc; i++)
                        n += strlen(argv[i]) + 1;
                arg_message = malloc(n);
                if (!arg_message)
                        return -ENOMEM;
                arg_message[0] = 0;
                for (int i = optind; i < argc; i++) {
                        if (i > optind)
                                strcat(arg_message, " ");
                        strcat(arg_message, argv[i]);
                }
        } else if (arg_echo == ASKPW_ECHO_ON) {
                /* "Password:" would be misleading for echoed input. */
                arg_message = strdup("Input:");
                if (!arg_message)
                        return -ENOMEM;
        }
        return 1;
}

/* The service lives in a sibling binary (see hearth-ask-password-varlink.c). */
static int exec_service(bool user) {
        char self[PATH_MAX], *slash, *path = NULL;
        ssize_t n;

        n = readlink("/proc/self/exe", self, sizeof(self) - 1);
        if (n < 0 || (size_t) n >= sizeof(self) - 1) {
                fprintf(stderr, "Cannot find our own binary: %s\n", strerror(n < 0 ? errno : ENAMETOOLONG));
                return EXIT_FAILURE;
        }
        self[n] = 0;
        slash = strrchr(self, '/');
        if (!slash || asprintf(&path, "%.*s/hearth-ask-password-varlink", (int) (slash - self), self) < 0) {
                fprintf(stderr, "Out of memory.\n");
                return EXIT_FAILURE;
        }
        execl(path, path, user ? "--user" : "--system", (char *) NULL);
        fprintf(stderr, "Failed to execute %s: %s\n", path, strerror(errno));
        free(path);
        return EXIT_FAILURE;
}

static const char *query_error(int r) {
        switch (r) {
        case -EUNATCH:
                return "no password agent available";
        case -ETIME:
                return "timed out waiting for a password";
        case -ECANCELED:
                return "password query was cancelled";
        case -EINTR:
                return "interrupted";
        case -ECONNRESET:
                return "caller hung up";
        default:
                return strerror(-r);
        }
}

int main(int argc, char *argv[]) {
        _cleanup_strv_free_erase_ char **l = NULL;
        AskpwRequest req = ASKPW_REQUEST_INIT;
        int r;

        /* Unprivileged callers talk to their own agents unless --system. */
        if (geteuid() != 0)
                arg_flags |= ASKPW_USER;

        r = parse_argv(argc, argv);
        if (r <= 0) {
                free(arg_message);
                return r < 0 ? EXIT_FAILURE : EXIT_SUCCESS;
        }

        if (arg_varlink) {
                free(arg_message);
                return exec_service(arg_flags & ASKPW_USER);
        }

        req.message = arg_message ?: "Password:";
        req.icon = arg_icon;
        req.id = arg_id;
        req.keyname = arg_keyname;
        req.credential = arg_credential ?: "password";
        req.echo = arg_echo;
        req.until = arg_timeout == 0 || arg_timeout == UINT64_MAX ? 0 : askpw_usec_add(askpw_now_usec(), arg_timeout);

        r = askpw_query(&req, arg_flags, &l);
        free(arg_message);
        if (r < 0) {
                fprintf(stderr, "Failed to query password: %s\n", query_error(r));
                return EXIT_FAILURE;
        }

        for (char **p = l; *p; p++) {
                if (!arg_no_output) {
                        fputs(*p, stdout);
                        if (arg_newline)
                                fputc('\n', stdout);
                }
                if (!arg_multiple)
                        break;
        }
        return fflush(stdout) == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
