/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* hearthctl: command line front end of Hearth. */

#include "hearthctl.h"
#include "verb-userdb.h"
#include "verb-home.h"

#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

Args arg = {
        .json = _JSON_MODE_UNSET,
        .legend = true,
        .pager = true,
};

void log_full(const char *fmt, ...) {
        va_list ap;

        fputs("hearthctl: ", stderr);
        va_start(ap, fmt);
        vfprintf(stderr, fmt, ap);
        va_end(ap);
        fputc('\n', stderr);
}

int log_error_errno(int r, const char *fmt, ...) {
        va_list ap;

        fputs("hearthctl: ", stderr);
        va_start(ap, fmt);
        vfprintf(stderr, fmt, ap);
        va_end(ap);
        fprintf(stderr, ": %s\n", strerror(r < 0 ? -r : r));
        return EXIT_FAIL;
}

void verbs_help(const Verb verbs[], const char *group) {
        for (const Verb *v = verbs; v->name; v++)
                if (v->help)
                        printf("  %s%s%s\n", group ? group : "", group ? " " : "", v->help);
}

int dispatch_verb(int argc, char *argv[], const Verb verbs[], const char *group) {
        const Verb *v = NULL;
        unsigned n;

        if (argc <= 0) {
                for (const Verb *i = verbs; i->name; i++)
                        if (i->flags & VERB_DEFAULT)
                                return i->function(0, argv);
                log_error("%s%smissing verb, see --help", group ? group : "", group ? ": " : "");
                return EXIT_USAGE;
        }

        for (const Verb *i = verbs; i->name; i++)
                if (streq(i->name, argv[0])) {
                        v = i;
                        break;
                }
        if (!v) {
                log_error("unknown verb '%s%s%s', see --help", group ? group : "", group ? " " : "", argv[0]);
                return EXIT_USAGE;
        }

        n = (unsigned) argc;
        if (n < v->min_args) {
                log_error("%s%s%s: too few arguments", group ? group : "", group ? " " : "", v->name);
                return EXIT_USAGE;
        }
        if (v->max_args != VERB_ANY && n > v->max_args) {
                log_error("%s%s%s: too many arguments", group ? group : "", group ? " " : "", v->name);
                return EXIT_USAGE;
        }
        return v->function(argc, argv);
}

static int help(int argc, char *argv[]) {
        printf("hearthctl [OPTIONS...] COMMAND ...\n\n"
               "Inspect, sign and verify Hearth user and group records.\n\n"
               "Commands:\n");
        verbs_help(record_verbs, "record");
        verbs_help(userdb_verbs, NULL);
        verbs_help(home_verbs, NULL);
        printf("\nOptions:\n"
               "  -h --help              Show this help\n"
               "     --version           Show the version\n"
               "     --json=pretty|short|off\n"
               "                         Print JSON in pretty or compact form, or not\n"
               "  -j                     Same as --json=pretty\n"
               "     --no-pager          Accepted for compatibility; output is never paged\n"
               "     --no-legend         Omit headings and hints in human-readable output\n"
               "  -q --quiet             Print nothing on success\n"
               "     --type=user|group   Record type (default: detect from userName/groupName)\n"
               "     --signable          record canonical: drop secret/binding/status/signature\n"
               "     --private-key=PATH  record sign: Ed25519 private key (PEM)\n"
               "     --public-key=PATH   record verify: trusted Ed25519 public key (PEM), repeatable\n"
               "     --method=yescrypt|sha512|preferred\n"
               "                         record hash-password: hash method\n");
        home_options_help();
        printf("\nSee hearthctl(1) for details.\n");
        return EXIT_OK;
}

static const Verb top_verbs[] = {
        { "record", 1, VERB_ANY, 0,            verb_record, NULL },
        { "user",                1, VERB_ANY, 0, verb_user,                NULL },
        { "group",               1, VERB_ANY, 0, verb_group,               NULL },
        { "users-in-group",      1, VERB_ANY, 0, verb_users_in_group,      NULL },
        { "groups-of-user",      1, VERB_ANY, 0, verb_groups_of_user,      NULL },
        { "services",            1, 1,        0, verb_services,            NULL },
        { "ssh-authorized-keys", 2, VERB_ANY, 0, verb_ssh_authorized_keys, NULL },
        { "help",   1, 1,        VERB_DEFAULT, help,        NULL },
        {}
};

enum {
        ARG_VERSION = 0x100,
        ARG_JSON,
        ARG_NO_PAGER,
        ARG_NO_LEGEND,
        ARG_SIGNABLE,
        ARG_PRIVATE_KEY,
        ARG_PUBLIC_KEY,
        ARG_METHOD,
        ARG_TYPE,
};

static char **public_keys;
static size_t n_public_keys;

static void free_public_keys(void) {
        free(public_keys);
}

static int parse_argv(int argc, char *argv[]) {
        static const struct option options[] = {
                { "help",        no_argument,       NULL, 'h'             },
                { "version",     no_argument,       NULL, ARG_VERSION     },
                { "json",        required_argument, NULL, ARG_JSON        },
                { "no-pager",    no_argument,       NULL, ARG_NO_PAGER    },
                { "no-legend",   no_argument,       NULL, ARG_NO_LEGEND   },
                { "quiet",       no_argument,       NULL, 'q'             },
                { "signable",    no_argument,       NULL, ARG_SIGNABLE    },
                { "private-key", required_argument, NULL, ARG_PRIVATE_KEY },
                { "public-key",  required_argument, NULL, ARG_PUBLIC_KEY  },
                { "method",      required_argument, NULL, ARG_METHOD      },
                { "type",        required_argument, NULL, ARG_TYPE        },
                USERDB_OPTIONS,
                HOME_OPTIONS,
                {}
        };
        int c;

        opterr = 0;
        while ((c = getopt_long(argc, argv, ":hjqs:" HOME_SHORT_OPTIONS, options, NULL)) >= 0)
                switch (c) {
                case 'h':
                        help(0, NULL);
                        return 0;
                case ARG_VERSION:
                        printf("hearthctl %s\n", HEARTH_VERSION);
                        return 0;
                case ARG_JSON:
                        if (streq(optarg, "pretty"))
                                arg.json = JSON_PRETTY;
                        else if (streq(optarg, "short"))
                                arg.json = JSON_SHORT;
                        else if (streq(optarg, "off"))
                                arg.json = JSON_OFF;
                        else if (streq(optarg, "help")) {
                                printf("pretty\nshort\noff\n");
                                return 0;
                        } else {
                                log_error("unknown --json= mode '%s' (pretty, short, off)", optarg);
                                return -EXIT_USAGE;
                        }
                        break;
                case 'j':
                        arg.json = JSON_PRETTY;
                        break;
                case ARG_NO_PAGER:
                        arg.pager = false;
                        break;
                case ARG_NO_LEGEND:
                        arg.legend = false;
                        break;
                case 'q':
                        arg.quiet = true;
                        break;
                case ARG_SIGNABLE:
                        arg.signable = true;
                        break;
                case ARG_PRIVATE_KEY:
                        arg.private_key = optarg;
                        break;
                case ARG_PUBLIC_KEY: {
                        char **l = realloc(public_keys, (n_public_keys + 2) * sizeof(char *));
                        if (!l) {
                                log_error("out of memory");
                                return -EXIT_FAIL;
                        }
                        public_keys = l;
                        public_keys[n_public_keys++] = optarg;
                        public_keys[n_public_keys] = NULL;
                        arg.public_keys = public_keys;
                        break;
                }
                case ARG_METHOD:
                        arg.method = optarg;
                        break;
                case ARG_TYPE:
                        if (!streq(optarg, "user") && !streq(optarg, "group")) {
                                log_error("unknown --type= '%s' (user, group)", optarg);
                                return -EXIT_USAGE;
                        }
                        arg.type = optarg;
                        break;
                case 's':
                case ARG_USERDB_FIRST ... ARG_USERDB_LAST:
                        if (userdb_parse_option(c, optarg) < 0)
                                return -EXIT_USAGE;
                        break;
                case 'c': case 'G': case 'u': case 'd': case 'P':
                case ARG_HOME_FIRST ... ARG_HOME_LAST:
                        if (home_parse_option(c, optarg) < 0)
                                return -EXIT_USAGE;
                        break;
                case '?':
                        if (optopt)
                                log_error("unknown option '-%c', see --help", optopt);
                        else
                                log_error("unknown option '%s', see --help", argv[optind - 1]);
                        return -EXIT_USAGE;
                case ':':
                        log_error("option '%s' needs an argument", argv[optind - 1]);
                        return -EXIT_USAGE;
                default:
                        return -EXIT_FAIL;
                }

        return 1;
}

int main(int argc, char *argv[]) {
        int r;

        atexit(free_public_keys);

        r = parse_argv(argc, argv);
        if (r <= 0)
                return -r;

        for (const Verb *v = home_verbs; optind < argc && v->name; v++)
                if (streq(v->name, argv[optind]))
                        return dispatch_verb(argc - optind, argv + optind, home_verbs, NULL);
        return dispatch_verb(argc - optind, argv + optind, top_verbs, NULL);
}
