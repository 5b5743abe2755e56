/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* hearth-varlinkctl: talk to any Varlink service from the shell.
 * Exit codes: 0 success, 1 local failure (connect, I/O, timeout,
 * protocol), 2 usage error, 3 the service answered with an error. */

#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "macro.h"
#include "varlink.h"

#define EXIT_USAGE 2
#define EXIT_REMOTE 3

static int arg_json_flags = JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED;
static bool arg_json_set = false;
static bool arg_more = false, arg_oneway = false;
static uint64_t arg_timeout = 0; /* 0: library default */

static int log_error_errno(int r, const char *what) {
        fprintf(stderr, "hearth-varlinkctl: %s: %s\n", what, strerror(r < 0 ? -r : r));
        return 1;
}

static void print_json(json_object *o) {
        puts(json_object_to_json_string_ext(o, arg_json_flags | JSON_C_TO_STRING_NOSLASHESCAPE));
}

static int connect_to(const char *address, VarlinkClient **ret) {
        int r = varlink_client_connect(ret, address);
        if (r < 0) {
                fprintf(stderr, "hearth-varlinkctl: cannot connect to %s: %s\n", address, strerror(-r));
                return r;
        }
        varlink_client_set_timeout(*ret, arg_timeout);
        return 0;
}

/* Returns an exit code. */
static int report_remote_error(const char *method, const char *error, json_object *params) {
        fprintf(stderr, "Method call %s failed: %s\n", method, error);
        if (params && json_object_object_length(params) > 0)
                fprintf(stderr, "%s\n", json_object_to_json_string_ext(params, JSON_C_TO_STRING_PLAIN));
        return EXIT_REMOTE;
}

static int simple_call(const char *address, const char *method, json_object *params, json_object **ret) {
        _cleanup_(varlink_client_freep) VarlinkClient *c = NULL;
        json_object *reply = NULL;
        const char *error = NULL;
        int r;

        if (connect_to(address, &c) < 0)
                return 1;
        r = varlink_call_sync(c, method, params, &reply, &error);
        if (r < 0)
                return log_error_errno(r, method);
        if (error) {
                r = report_remote_error(method, error, reply);
                json_object_put(reply);
                return r;
        }
        *ret = reply;
        return 0;
}

static int verb_info(int argc, char **argv) {
        json_object *reply = NULL, *ifs;
        int r = simple_call(argv[1], "org.varlink.service.GetInfo", NULL, &reply);
        if (r != 0)
                return r;

        if (arg_json_set)
                print_json(reply);
        else {
                static const char *const keys[][2] = {
                        { "vendor", "Vendor" }, { "product", "Product" }, { "version", "Version" }, { "url", "URL" },
                };
                for (size_t i = 0; i < ELEMENTSOF(keys); i++)
                        printf("%11s: %s\n", keys[i][1],
                               json_object_get_string(json_object_object_get(reply, keys[i][0])) ?: "");
                ifs = json_object_object_get(reply, "interfaces");
                for (size_t i = 0; i < json_object_array_length(ifs); i++)
                        printf("%11s  %s\n", i == 0 ? "Interfaces:" : "",
                               json_object_get_string(json_object_array_get_idx(ifs, i)));
        }
        json_object_put(reply);
        return 0;
}

static int verb_list_interfaces(int argc, char **argv) {
        json_object *reply = NULL, *ifs;
        int r = simple_call(argv[1], "org.varlink.service.GetInfo", NULL, &reply);
        if (r != 0)
                return r;
        ifs = json_object_object_get(reply, "interfaces");
        if (arg_json_set)
                print_json(ifs);
        else
                for (size_t i = 0; i < json_object_array_length(ifs); i++)
                        puts(json_object_get_string(json_object_array_get_idx(ifs, i)));
        json_object_put(reply);
        return 0;
}

static int introspect_one(const char *address, const char *interface) {
        json_object *params = json_object_new_object(), *reply = NULL;
        int r;

        if (!params)
                return log_error_errno(-ENOMEM, "introspect");
        json_object_object_add(params, "interface", json_object_new_string(interface));
        r = simple_call(address, "org.varlink.service.GetInterfaceDescription", params, &reply);
        json_object_put(params);
        if (r != 0)
                return r;
        if (arg_json_set)
                print_json(reply);
        else
                fputs(json_object_get_string(json_object_object_get(reply, "description")) ?: "", stdout);
        json_object_put(reply);
        return 0;
}

static int verb_introspect(int argc, char **argv) {
        json_object *reply = NULL, *ifs;
        int r;

        if (argc > 2) {
                for (int i = 2; i < argc; i++) {
                        r = introspect_one(argv[1], argv[i]);
                        if (r != 0)
                                return r;
                }
                return 0;
        }

        r = simple_call(argv[1], "org.varlink.service.GetInfo", NULL, &reply);
        if (r != 0)
                return r;
        ifs = json_object_object_get(reply, "interfaces");
        for (size_t i = 0; r == 0 && i < json_object_array_length(ifs); i++) {
                if (i > 0 && !arg_json_set)
                        putchar('\n');
                r = introspect_one(argv[1], json_object_get_string(json_object_array_get_idx(ifs, i)));
        }
        json_object_put(reply);
        return r;
}

static json_object *read_params(const char *text) {
        _cleanup_free_ char *buf = NULL;
        enum json_tokener_error err;
        json_object *o;

        if (streq(text, "-")) {
                size_t n = 0;
                FILE *f = open_memstream(&buf, &n);
                char chunk[4096];
                size_t k;
                if (!f)
                        return NULL;
                while ((k = fread(chunk, 1, sizeof chunk, stdin)) > 0)
                        fwrite(chunk, 1, k, f);
                fclose(f);
                text = buf;
        }
        o = json_tokener_parse_verbose(text, &err);
        if (!o || !json_object_is_type(o, json_type_object)) {
                fprintf(stderr, "hearth-varlinkctl: parameters must be a JSON object%s%s\n", o ? "" : ": ",
                        o ? "" : json_tokener_error_desc(err));
                json_object_put(o);
                return NULL;
        }
        return o;
}

static int verb_call(int argc, char **argv) {
        _cleanup_(varlink_client_freep) VarlinkClient *c = NULL;
        const char *address = argv[1], *method = argv[2];
        json_object *params = NULL, *reply = NULL;
        const char *error = NULL;
        bool continues = false;
        int r;

        if (argc > 3) {
                params = read_params(argv[3]);
                if (!params)
                        return EXIT_USAGE;
        }
        if (connect_to(address, &c) < 0) {
                json_object_put(params);
                return 1;
        }

        if (arg_oneway) {
                r = varlink_call_oneway(c, method, params);
                json_object_put(params);
                return r < 0 ? log_error_errno(r, method) : 0;
        }

        if (!arg_more) {
                r = varlink_call_sync(c, method, params, &reply, &error);
                json_object_put(params);
                if (r < 0)
                        return log_error_errno(r, method);
                r = error ? report_remote_error(method, error, reply) : (print_json(reply), 0);
                json_object_put(reply);
                return r;
        }

        r = varlink_call_more_begin(c, method, params);
        json_object_put(params);
        if (r < 0)
                return log_error_errno(r, method);
        while ((r = varlink_call_more_next(c, &reply, &error, &continues)) > 0) {
                if (error) {
                        r = report_remote_error(method, error, reply);
                        json_object_put(reply);
                        return r;
                }
                print_json(reply);
                fflush(stdout);
                json_object_put(reply);
        }
        return r < 0 ? log_error_errno(r, method) : 0;
}

static int parse_timeout(const char *s, uint64_t *ret) {
        static const struct {
                const char *suffix;
                double factor;
        } units[] = { { "us", 1 }, { "ms", 1e3 }, { "s", 1e6 }, { "min", 60e6 }, { "", 1e6 } };
        char *end;
        double v;

        if (streq(s, "infinity")) {
                *ret = UINT64_MAX - 1;
                return 0;
        }
        errno = 0;
        v = strtod(s, &end);
        if (errno != 0 || end == s || !(v > 0) || !isfinite(v))
                return -EINVAL;
        for (size_t i = 0; i < ELEMENTSOF(units); i++)
                if (streq(end, units[i].suffix)) {
                        double us = v * units[i].factor;
                        if (us < 1 || us > 1e18)
                                return -ERANGE;
                        *ret = (uint64_t) us;
                        return 0;
                }
        return -EINVAL;
}

static void help(void) {
        printf("hearth-varlinkctl [OPTIONS...] COMMAND ...\n\n"
               "Introspect and call Varlink services.\n\n"
               "Commands:\n"
               "  info ADDRESS                     Show service vendor, product, version, interfaces\n"
               "  list-interfaces ADDRESS          List the interfaces the service implements\n"
               "  introspect ADDRESS [INTERFACE...] Show interface definitions\n"
               "  call ADDRESS METHOD [PARAMETERS] Call a method (PARAMETERS: JSON object, or - for stdin)\n\n"
               "Options:\n"
               "  -h --help            Show this help\n"
               "     --more            Request a stream of replies\n"
               "     --oneway          Send the call and do not wait for a reply\n"
               "     --json=pretty|short  JSON output format (default: pretty)\n"
               "     --timeout=TIME    Per-reply timeout, e.g. 5s, 500ms, infinity\n\n"
               "ADDRESS is a socket path or unix:PATH.\n"
               "Exit status: 0 success, 1 local failure, 2 usage error, 3 error reply.\n");
}

typedef struct Verb {
        const char *name;
        int min_args, max_args; /* including the verb */
        int (*run)(int argc, char **argv);
} Verb;

static const Verb verbs[] = {
        { "info", 2, 2, verb_info },
        { "list-interfaces", 2, 2, verb_list_interfaces },
        { "introspect", 2, 64, verb_introspect },
        { "call", 3, 4, verb_call },
};

int main(int argc, char *argv[]) {
        enum { ARG_MORE = 0x100, ARG_ONEWAY, ARG_JSON, ARG_TIMEOUT };
        static const struct option options[] = {
                { "help", no_argument, NULL, 'h' },
                { "more", no_argument, NULL, ARG_MORE },
                { "oneway", no_argument, NULL, ARG_ONEWAY },
                { "json", required_argument, NULL, ARG_JSON },
                { "timeout", required_argument, NULL, ARG_TIMEOUT },
                {},
        };
        int c, n;

        while ((c = getopt_long(argc, argv, "h", options, NULL)) >= 0)
                switch (c) {
                case 'h':
                        help();
                        return 0;
                case ARG_MORE:
                        arg_more = true;
                        break;
                case ARG_ONEWAY:
                        arg_oneway = true;
                        break;
                case ARG_JSON:
                        if (streq(optarg, "pretty"))
                                arg_json_flags = JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED;
                        else if (streq(optarg, "short"))
                                arg_json_flags = JSON_C_TO_STRING_PLAIN;
                        else {
                                fprintf(stderr, "hearth-varlinkctl: --json= takes pretty or short, not '%s'\n", optarg);
                                return EXIT_USAGE;
                        }
                        arg_json_set = true;
                        break;
                case ARG_TIMEOUT:
                        if (parse_timeout(optarg, &arg_timeout) < 0) {
                                fprintf(stderr, "hearth-varlinkctl: invalid --timeout= value '%s'\n", optarg);
                                return EXIT_USAGE;
                        }
                        break;
                default:
                        return EXIT_USAGE;
                }

        if (arg_more && arg_oneway) {
                fprintf(stderr, "hearth-varlinkctl: --more and --oneway exclude each other\n");
                return EXIT_USAGE;
        }

        n = argc - optind;
        if (n < 1) {
                fprintf(stderr, "hearth-varlinkctl: a command is needed, see --help\n");
                return EXIT_USAGE;
        }
        for (size_t i = 0; i < ELEMENTSOF(verbs); i++) {
                if (!streq(verbs[i].name, argv[optind]))
                        continue;
                if (n < verbs[i].min_args || n > verbs[i].max_args) {
                        fprintf(stderr, "hearth-varlinkctl: wrong number of arguments for '%s', see --help\n",
                                verbs[i].name);
                        return EXIT_USAGE;
                }
                return verbs[i].run(n, argv + optind);
        }
        fprintf(stderr, "hearth-varlinkctl: unknown command '%s', see --help\n", argv[optind]);
        return EXIT_USAGE;
}
