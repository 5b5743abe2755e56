/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* The userdb verbs, with userdbctl's output shapes: a table when listing,
 * a card for named records, the record itself with --json. */

#include <inttypes.h>

#include "ctl-util.h"
#include "user-record-effective.h"
#include "userdb.h"
#include "verb-userdb.h"

static struct {
        char **services;
        UserDBMatch match;
        bool fuzzy;
        int multiplexer;   /* -1: default (yes) */
} u = {
        .match = { .disposition_mask = USERDB_DISPOSITION_MASK_ALL, .id_max = USERDB_ID_MAX },
        .multiplexer = -1,
};

static void userdb_args_free(void) {
        strv_free(u.services);
        userdb_match_done(&u.match);
}

static int parse_id_arg(const char *s, uint64_t *ret) {
        char *end;
        errno = 0;
        unsigned long long v = strtoull(s, &end, 10);
        if (errno || end == s || *end || s[0] == '-' || v > USERDB_ID_MAX)
                return -EINVAL;
        *ret = v;
        return 0;
}

static int strv_add(char ***l, const char *s, size_t len) {
        size_t n = strv_length(*l);
        char **nl = reallocarray(*l, n + 2, sizeof(char *));
        if (!nl)
                return -ENOMEM;
        *l = nl;
        nl[n] = strndup(s, len);
        nl[n + 1] = NULL;
        return nl[n] ? 0 : -ENOMEM;
}

int userdb_parse_option(int c, const char *v) {
        static bool registered;

        if (!registered) {
                atexit(userdb_args_free);
                registered = true;
        }

        switch (c) {
        case 's':
        case ARG_USERDB_SERVICE:
                for (const char *p = v; *p;) {
                        const char *e = strchrnul(p, ':');
                        if (e > p && strv_add(&u.services, p, (size_t) (e - p)) < 0) {
                                log_error("out of memory");
                                return -EXIT_FAIL;
                        }
                        p = *e ? e + 1 : e;
                }
                return 0;
        case ARG_USERDB_UID_MIN:
        case ARG_USERDB_UID_MAX:
                if (parse_id_arg(v, c == ARG_USERDB_UID_MIN ? &u.match.id_min : &u.match.id_max) < 0) {
                        log_error("invalid id '%s'", v);
                        return -EXIT_USAGE;
                }
                return 0;
        case ARG_USERDB_FUZZY:
                u.fuzzy = true;
                return 0;
        case ARG_USERDB_DISPOSITION: {
                if (u.match.disposition_mask == USERDB_DISPOSITION_MASK_ALL)
                        u.match.disposition_mask = 0;
                for (const char *p = v; *p;) {
                        const char *e = strchrnul(p, ',');
                        _cleanup_free_ char *name = strndup(p, (size_t) (e - p));
                        UserDisposition d = name ? user_disposition_from_string(name) : _USER_DISPOSITION_INVALID;
                        if (d < 0) {
                                log_error("unknown disposition '%s'", name ?: v);
                                return -EXIT_USAGE;
                        }
                        u.match.disposition_mask |= UINT64_C(1) << d;
                        p = *e ? e + 1 : e;
                }
                return 0;
        }
        case ARG_USERDB_MULTIPLEXER:
                if (streq(v, "yes") || streq(v, "true") || streq(v, "1"))
                        u.multiplexer = 1;
                else if (streq(v, "no") || streq(v, "false") || streq(v, "0"))
                        u.multiplexer = 0;
                else {
                        log_error("--multiplexer= takes a boolean, not '%s'", v);
                        return -EXIT_USAGE;
                }
                return 0;
        }
        return -EXIT_USAGE;
}

static UserDBParams base_params(UserDBQueryKind kind) {
        UserDBParams p = USERDB_PARAMS_INIT(kind);
        p.services = u.services;
        p.match = userdb_match_is_set(&u.match) ? &u.match : NULL;
        /* An explicit service list means exactly those, not the multiplexer. */
        if (u.multiplexer == 0 || u.services)
                p.flags |= USERDB_AVOID_MULTIPLEXER;
        return p;
}

static const char *dash(const char *s) {
        return isempty(s) ? "-" : s;
}

/* ---- users ---- */

typedef struct Collected {
        json_object **records;
        size_t n;
} Collected;

static void collected_done(Collected *c) {
        for (size_t i = 0; i < c->n; i++)
                json_object_put(c->records[i]);
        free(c->records);
}

static int collect(UserDBQuery *q, const UserDBResult *res, void *userdata) {
        Collected *c = userdata;
        json_object *rec = NULL;

        if (res->user_name) {   /* membership */
                rec = json_object_new_object();
                if (!rec)
                        return -ENOMEM;
                json_object_object_add(rec, "userName", json_object_new_string(res->user_name));
                json_object_object_add(rec, "groupName", json_object_new_string(res->group_name));
        } else if (!json_object_object_get_ex(res->reply, "record", &rec))
                return 0;
        else
                json_object_get(rec);
        json_object **n = reallocarray(c->records, c->n + 1, sizeof(json_object *));
        if (!n) {
                json_object_put(rec);
                return -ENOMEM;
        }
        c->records = n;
        c->records[c->n++] = rec;
        return 0;
}

static int query_error(int r, const char *what, const char *key) {
        if (r == -ESRCH)
                log_error("%s %s does not exist.", what, key);
        else if (r == -ENOEXEC)
                log_error("%s %s exists but does not match the filter.", what, key);
        else
                log_error_errno(r, "lookup of %s %s failed", what, key);
        return EXIT_FAIL;
}

static const char *get_str(json_object *o, const char *k) {
        json_object *v;
        return json_object_object_get_ex(o, k, &v) && json_object_is_type(v, json_type_string) ?
                json_object_get_string(v) : NULL;
}

static int load_user(json_object *rec, UserRecord **ret) {
        RecordLoadOptions lo = { .policy = RECORD_POLICY_LOOKUP, .flags = RECORD_LOAD_PERMISSIVE };
        return user_record_load(rec, &lo, ret, NULL);
}

static int load_group(json_object *rec, GroupRecord **ret) {
        RecordLoadOptions lo = { .policy = RECORD_POLICY_LOOKUP, .flags = RECORD_LOAD_PERMISSIVE };
        return group_record_load(rec, &lo, ret, NULL);
}

static char *id_str(uint64_t id, char buf[static 21]) {
        if (id == UINT32_MAX || id == UINT64_MAX)
                return strcpy(buf, "-");
        snprintf(buf, 21, "%" PRIu64, id);
        return buf;
}

static void print_user_card(UserRecord *ur) {
        char b[21];
        const char *svc = user_record_service(ur);
        UserDisposition d = user_record_disposition(ur);

        printf("   User name: %s\n", ur->user_name);
        if (ur->real_name)
                printf("   Real name: %s\n", ur->real_name);
        printf(" Disposition: %s\n", dash(user_disposition_to_string(d)));
        if (svc)
                printf("     Service: %s\n", svc);
        printf("         UID: %s\n", id_str(ur->uid, b));
        printf("         GID: %s\n", id_str(user_record_gid(ur), b));
        _cleanup_free_ char *home = user_record_home_directory(ur, NULL);
        printf("   Directory: %s\n", dash(home));
        printf("       Shell: %s\n", dash(user_record_shell(ur)));
        if (ur->email_address)
                printf("       Email: %s\n", ur->email_address);
        for (char **g = ur->member_of; g && *g; g++)
                printf("%s%s\n", g == ur->member_of ? "    MemberOf: " : "              ", *g);
}

static int print_records(Collected *c, bool group, bool table) {
        JsonMode mode = json_mode_or(JSON_OFF);
        int r;

        if (mode != JSON_OFF) {
                for (size_t i = 0; i < c->n; i++) {
                        r = print_json(c->records[i], mode);
                        if (r != 0)
                                return r;
                }
                return EXIT_OK;
        }

        if (!table) {
                for (size_t i = 0; i < c->n; i++) {
                        if (i > 0)
                                putchar('\n');
                        if (group) {
                                _cleanup_(group_record_unrefp) GroupRecord *gr = NULL;
                                char b[21];
                                if (load_group(c->records[i], &gr) < 0)
                                        continue;
                                printf("  Group name: %s\n", gr->group_name);
                                printf(" Disposition: %s\n", dash(user_disposition_to_string(group_record_disposition(gr))));
                                if (group_record_service(gr))
                                        printf("     Service: %s\n", group_record_service(gr));
                                printf("         GID: %s\n", id_str(gr->gid, b));
                                if (gr->description)
                                        printf(" Description: %s\n", gr->description);
                                for (char **m = gr->members; m && *m; m++)
                                        printf("%s%s\n", m == gr->members ? "     Members: " : "              ", *m);
                        } else {
                                _cleanup_(user_record_unrefp) UserRecord *ur = NULL;
                                if (load_user(c->records[i], &ur) < 0)
                                        continue;
                                print_user_card(ur);
                        }
                }
                return EXIT_OK;
        }

        /* The table: same columns and alignment as userdbctl's. */
        size_t wname = 4, wdisp = 11, wid = 3, wgid = 3, wreal = 8, whome = 4;
        typedef struct Row { char *name, *disp, *id, *gid, *real, *home, *shell; } Row;
        _cleanup_free_ Row *rows = calloc(c->n + 1, sizeof(Row));
        size_t n = 0;
        if (!rows)
                return log_error_errno(-ENOMEM, "table");
        for (size_t i = 0; i < c->n; i++) {
                char b1[21], b2[21];
                Row *w = &rows[n];
                if (group) {
                        _cleanup_(group_record_unrefp) GroupRecord *gr = NULL;
                        if (load_group(c->records[i], &gr) < 0)
                                continue;
                        w->name = strdup(gr->group_name);
                        w->disp = strdup(dash(user_disposition_to_string(group_record_disposition(gr))));
                        w->id = strdup(id_str(gr->gid, b1));
                        w->real = strdup(dash(gr->description));
                } else {
                        _cleanup_(user_record_unrefp) UserRecord *ur = NULL;
                        if (load_user(c->records[i], &ur) < 0)
                                continue;
                        _cleanup_free_ char *home = user_record_home_directory(ur, NULL);
                        w->name = strdup(ur->user_name);
                        w->disp = strdup(dash(user_disposition_to_string(user_record_disposition(ur))));
                        w->id = strdup(id_str(ur->uid, b1));
                        w->gid = strdup(id_str(user_record_gid(ur), b2));
                        w->real = strdup(dash(ur->real_name));
                        w->home = strdup(dash(home));
                        w->shell = strdup(dash(user_record_shell(ur)));
                }
                if (!w->name || !w->disp || !w->id || !w->real ||
                    (!group && (!w->gid || !w->home || !w->shell)))
                        return log_error_errno(-ENOMEM, "table");
                wname = MAX(wname, strlen(w->name));
                wdisp = MAX(wdisp, strlen(w->disp));
                wid = MAX(wid, strlen(w->id));
                if (!group) {
                        wgid = MAX(wgid, strlen(w->gid));
                        wreal = MAX(wreal, strlen(w->real));
                        whome = MAX(whome, strlen(w->home));
                }
                n++;
        }

        if (arg.legend && n > 0) {
                if (group)
                        printf("   %-*s %-*s %*s %s\n", (int) wname, "NAME", (int) wdisp, "DISPOSITION",
                               (int) wid, "GID", "DESCRIPTION");
                else
                        printf("   %-*s %-*s %*s %*s %-*s %-*s %s\n", (int) wname, "NAME", (int) wdisp, "DISPOSITION",
                               (int) wid, "UID", (int) wgid, "GID", (int) wreal, "REALNAME", (int) whome, "HOME",
                               "SHELL");
        }
        for (size_t i = 0; i < n; i++) {
                Row *w = &rows[i];
                if (group)
                        printf("   %-*s %-*s %*s %s\n", (int) wname, w->name, (int) wdisp, w->disp, (int) wid, w->id, w->real);
                else
                        printf("   %-*s %-*s %*s %*s %-*s %-*s %s\n", (int) wname, w->name, (int) wdisp, w->disp,
                               (int) wid, w->id, (int) wgid, w->gid, (int) wreal, w->real, (int) whome, w->home,
                               w->shell);
                free(w->name), free(w->disp), free(w->id), free(w->gid), free(w->real), free(w->home), free(w->shell);
        }
        if (arg.legend) {
                if (n == 0)
                        printf("No %s.\n", group ? "groups" : "users");
                else
                        printf("\n%zu %s listed.\n", n, group ? "groups" : "users");
        }
        return EXIT_OK;
}

static int lookup_records(int argc, char *argv[], bool group) {
        _cleanup_(collected_done) Collected c = {};
        UserDBParams p = base_params(group ? USERDB_QUERY_GROUP : USERDB_QUERY_USER);
        _cleanup_(userdb_match_done) UserDBMatch fm = USERDB_MATCH_NULL;
        int r, ret = EXIT_OK;

        if (argc <= 1 || u.fuzzy) {
                /* Listing; with --fuzzy the arguments are search words. */
                if (u.fuzzy && argc > 1) {
                        fm = u.match;
                        fm.fuzzy_names = calloc((size_t) argc, sizeof(char *));
                        if (!fm.fuzzy_names)
                                return log_error_errno(-ENOMEM, "fuzzy");
                        for (int i = 1; i < argc; i++)
                                if (!(fm.fuzzy_names[i - 1] = strdup(argv[i])))
                                        return log_error_errno(-ENOMEM, "fuzzy");
                        p.match = &fm;
                }
                r = userdb_query_run(&p, collect, &c);
                if (r < 0 && r != -ESRCH && r != -ENOEXEC)
                        return log_error_errno(r, "enumeration failed");
                return print_records(&c, group, true);
        }

        for (int i = 1; i < argc; i++) {
                uint64_t id;
                UserDBParams q = p;
                if (parse_id_arg(argv[i], &id) >= 0)
                        q.id = id;
                else
                        q.name = argv[i];
                r = userdb_query_run(&q, collect, &c);
                if (r < 0)
                        ret = query_error(r, group ? "Group" : "User", argv[i]);
        }
        r = print_records(&c, group, false);
        return ret != EXIT_OK ? ret : r;
}

int verb_user(int argc, char *argv[]) {
        return lookup_records(argc, argv, false);
}

int verb_group(int argc, char *argv[]) {
        return lookup_records(argc, argv, true);
}

static int memberships(int argc, char *argv[], bool by_group) {
        _cleanup_(collected_done) Collected c = {};
        UserDBParams p = base_params(USERDB_QUERY_MEMBERSHIP);
        JsonMode mode = json_mode_or(JSON_OFF);
        int r;

        p.match = NULL;
        if (argc <= 1) {
                r = userdb_query_run(&p, collect, &c);
                if (r < 0 && r != -ESRCH)
                        return log_error_errno(r, "membership enumeration failed");
        } else
                for (int i = 1; i < argc; i++) {
                        UserDBParams q = p;
                        if (by_group)
                                q.group_name = argv[i];
                        else
                                q.name = argv[i];
                        r = userdb_query_run(&q, collect, &c);
                        if (r < 0 && r != -ESRCH)
                                return log_error_errno(r, "membership lookup for %s failed", argv[i]);
                }

        if (mode != JSON_OFF) {
                for (size_t i = 0; i < c.n; i++)
                        if ((r = print_json(c.records[i], mode)) != 0)
                                return r;
                return EXIT_OK;
        }
        /* userdbctl prints USER before GROUP whichever way it was asked. */
        size_t w1 = strlen("USER");
        for (size_t i = 0; i < c.n; i++)
                w1 = MAX(w1, strlen(get_str(c.records[i], "userName")));
        if (arg.legend && c.n > 0)
                printf("%-*s %s\n", (int) w1, "USER", "GROUP");
        for (size_t i = 0; i < c.n; i++)
                printf("%-*s %s\n", (int) w1, get_str(c.records[i], "userName"), get_str(c.records[i], "groupName"));
        if (arg.legend) {
                if (c.n == 0)
                        printf("No memberships.\n");
                else
                        printf("\n%zu memberships listed.\n", c.n);
        }
        return EXIT_OK;
}

int verb_users_in_group(int argc, char *argv[]) {
        return memberships(argc, argv, true);
}

int verb_groups_of_user(int argc, char *argv[]) {
        return memberships(argc, argv, false);
}

int verb_services(int argc, char *argv[]) {
        _cleanup_strv_free_ char **names = NULL;
        _cleanup_free_ int *alive = NULL;
        int n;

        n = userdb_list_services(NULL, &names, &alive);
        if (n < 0)
                return log_error_errno(n, "cannot list %s", userdb_socket_dir(NULL));
        if (n == 0) {
                if (arg.legend)
                        printf("No services.\n");
                return EXIT_OK;
        }
        size_t w = strlen("SERVICE");
        for (int i = 0; i < n; i++)
                w = MAX(w, strlen(names[i]));
        if (arg.legend)
                printf("%-*s LISTENING\n", (int) w, "SERVICE");
        for (int i = 0; i < n; i++) {
                if (alive[i] == 0)
                        printf("%-*s yes\n", (int) w, names[i]);
                else
                        printf("%-*s No (%s)\n", (int) w, names[i], strerrorname_np(-alive[i]) ?: strerror(-alive[i]));
        }
        if (arg.legend)
                printf("\n%d services listed.\n", n);
        return EXIT_OK;
}

int verb_ssh_authorized_keys(int argc, char *argv[]) {
        UserDBParams p = base_params(USERDB_QUERY_USER);
        _cleanup_(user_record_unrefp) UserRecord *ur = NULL;
        int r;

        p.match = NULL;
        r = userdb_user_by_name(argv[1], &p, &ur);
        if (r < 0)
                return query_error(r, "User", argv[1]);
        /* sshd reads one key per line; nothing at all means "no keys". */
        for (char **k = ur->ssh_authorized_keys; k && *k; k++)
                printf("%s\n", *k);
        if (fflush(stdout) != 0)
                return log_error_errno(-errno, "write");
        return EXIT_OK;
}

const Verb userdb_verbs[] = {
        { "user",                1, VERB_ANY, 0, verb_user,                "user [USER...]             Inspect users (all without arguments)" },
        { "group",               1, VERB_ANY, 0, verb_group,               "group [GROUP...]           Inspect groups" },
        { "users-in-group",      1, VERB_ANY, 0, verb_users_in_group,      "users-in-group [GROUP...]  Show the members of groups" },
        { "groups-of-user",      1, VERB_ANY, 0, verb_groups_of_user,      "groups-of-user [USER...]   Show the groups of users" },
        { "services",            1, 1,        0, verb_services,            "services                   Show the userdb services" },
        { "ssh-authorized-keys", 2, VERB_ANY, 0, verb_ssh_authorized_keys, "ssh-authorized-keys USER   Print the user's SSH keys (AuthorizedKeysCommand)" },
        {}
};
