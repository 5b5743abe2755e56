/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <dirent.h>
#include <json-c/linkhash.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include "macro.h"
#include "user-record-effective.h"
#include "userdb-service.h"
#include "userdb-util.h"
#include "userdb.h"
#include "varlink.h"

typedef struct Conn {
        UserDBQuery *query;
        char *service;
        VarlinkClient *client;
        bool filters_sent;
        bool finished;
} Conn;

struct UserDBQuery {
        sd_event *event;
        UserDBParams p;
        char *name, *group_name;
        UserDBMatch match;
        bool have_match;

        Conn *conns;
        size_t n_conns;

        userdb_result_t on_result;
        userdb_done_t on_done;
        void *userdata;

        struct lh_table *seen;          /* dedupe keys (owned) */
        RecordMachine machine;
        char hostname[256];
        char machine_id[33];
        bool machine_ok;

        bool any, nonmatching, finished;
        int error;
        unsigned in_callback;
        bool free_requested;
        sd_event_source *defer;
};

const char *userdb_socket_dir(const char *dir) {
        const char *e;

        if (dir)
                return dir;
        e = getenv("HEARTH_USERDB_SOCKET_DIR");
        return isempty(e) ? USERDB_SOCKET_DIR_DEFAULT : e;
}

static bool env_true(const char *v) {
        return v && (streq(v, "1") || streq(v, "yes") || streq(v, "y") || streq(v, "true") ||
                     streq(v, "t") || streq(v, "on"));
}

static bool in_colon_list(const char *list, const char *name) {
        size_t n = strlen(name);
        for (const char *p = list; p && *p;) {
                const char *e = strchrnul(p, ':');
                if ((size_t) (e - p) == n && strncmp(p, name, n) == 0)
                        return true;
                p = *e ? e + 1 : e;
        }
        return false;
}

static bool in_strv(char * const *l, const char *s) {
        for (char * const *i = l; i && *i; i++)
                if (streq(*i, s))
                        return true;
        return false;
}

/* Whether this service may be asked, by the caller's lists and the environment. */
static bool service_allowed(const UserDBParams *p, const char *name) {
        if (in_strv(p->exclude, name))
                return false;
        if (p->services && !in_strv(p->services, name))
                return false;
        if (!(p->flags & USERDB_IGNORE_ENV)) {
                const char *b = getenv("SYSTEMD_BYPASS_USERDB"), *o = getenv("SYSTEMD_ONLY_USERDB");
                if (b && in_colon_list(b, name))
                        return false;
                if (o && !in_colon_list(o, name))
                        return false;
        }
        return true;
}

static void seen_free(struct lh_entry *e) {
        free(lh_entry_k(e));
}

static void query_really_free(UserDBQuery *q) {
        for (size_t i = 0; i < q->n_conns; i++) {
                varlink_client_free(q->conns[i].client);
                free(q->conns[i].service);
        }
        free(q->conns);
        if (q->seen)
                lh_table_free(q->seen);
        userdb_match_done(&q->match);
        free(q->name);
        free(q->group_name);
        sd_event_source_unref(q->defer);
        sd_event_unref(q->event);
        free(q);
}

static int defer_free(sd_event_source *s, void *userdata) {
        query_really_free(userdata);
        return 0;
}

UserDBQuery *userdb_query_free(UserDBQuery *q) {
        if (!q)
                return NULL;
        if (q->in_callback) {
                q->free_requested = true;
                return NULL;
        }
        query_really_free(q);
        return NULL;
}

/* Called after every callback into the user: a free requested from inside
 * one happens once the stack has unwound. */
static void leave_callback(UserDBQuery *q) {
        if (--q->in_callback > 0 || !q->free_requested)
                return;
        q->free_requested = false;
        q->defer = sd_event_source_unref(q->defer);
        if (sd_event_add_defer(q->event, &q->defer, defer_free, q) < 0)
                return;  /* cannot happen short of ENOMEM; leaking beats a use-after-free */
        (void) sd_event_source_set_enabled(q->defer, SD_EVENT_ONESHOT);
}

static void finish(UserDBQuery *q, int error) {
        if (q->finished)
                return;
        q->finished = true;
        q->in_callback++;
        if (q->on_done)
                q->on_done(q, error, q->userdata);
        leave_callback(q);
}

static void maybe_finish(UserDBQuery *q) {
        for (size_t i = 0; i < q->n_conns; i++)
                if (!q->conns[i].finished)
                        return;
        finish(q, q->error < 0 ? q->error : q->any ? 0 : q->nonmatching ? -ENOEXEC : -ESRCH);
}

static bool keyed(const UserDBQuery *q) {
        if (q->p.kind == USERDB_QUERY_MEMBERSHIP)
                return q->name && q->group_name;
        return q->name || q->p.id != UINT64_MAX;
}

static int build_params(UserDBQuery *q, Conn *c, bool with_filters, json_object **ret) {
        json_object *o = json_object_new_object();
        bool group = q->p.kind == USERDB_QUERY_GROUP;
        int r = -ENOMEM;

        if (!o)
                return -ENOMEM;
        if (q->p.kind == USERDB_QUERY_MEMBERSHIP) {
                if (q->name && json_object_object_add(o, "userName", json_object_new_string(q->name)) < 0)
                        goto fail;
                if (q->group_name && json_object_object_add(o, "groupName", json_object_new_string(q->group_name)) < 0)
                        goto fail;
        } else {
                if (q->name && json_object_object_add(o, group ? "groupName" : "userName",
                                                      json_object_new_string(q->name)) < 0)
                        goto fail;
                if (q->p.id != UINT64_MAX && json_object_object_add(o, group ? "gid" : "uid",
                                                                      json_object_new_uint64(q->p.id)) < 0)
                        goto fail;
                if (with_filters && q->have_match) {
                        r = userdb_match_to_params(&q->match, group, o);
                        if (r < 0)
                                goto fail;
                }
        }
        if (json_object_object_add(o, "service", json_object_new_string(c->service)) < 0)
                goto fail;
        *ret = o;
        return 0;
fail:
        json_object_put(o);
        return r;
}

static const char *method_of(UserDBQueryKind k) {
        return k == USERDB_QUERY_USER ? USERDB_INTERFACE ".GetUserRecord" :
               k == USERDB_QUERY_GROUP ? USERDB_INTERFACE ".GetGroupRecord" :
                                         USERDB_INTERFACE ".GetMemberships";
}

static uint64_t default_timeout(void) {
        const char *e = getenv("HEARTH_USERDB_TIMEOUT_MSEC");
        char *end;
        unsigned long long v;

        if (isempty(e))
                return USERDB_TIMEOUT_USEC_DEFAULT;
        errno = 0;
        v = strtoull(e, &end, 10);
        if (errno || *end || v == 0 || v > UINT64_MAX / 1000)
                return USERDB_TIMEOUT_USEC_DEFAULT;
        return v * 1000;
}

static int on_reply(VarlinkClient *client, json_object *params, const char *error_name, unsigned flags, void *userdata);

static int send_call(UserDBQuery *q, Conn *c, bool with_filters) {
        _cleanup_json_ json_object *params = NULL;
        int r;

        r = build_params(q, c, with_filters, &params);
        if (r < 0)
                return r;
        c->filters_sent = with_filters && q->have_match;
        return varlink_call_async(c->client, method_of(q->p.kind), params,
                                  keyed(q) ? 0 : VARLINK_CALL_MORE, on_reply, c);
}

/* Adds a dedupe key; true if it was new. */
static bool first_time(UserDBQuery *q, const char *kind, const char *key) {
        char *k = NULL;

        if (keyed(q))
                return true;
        if (asprintf(&k, "%s/%s", kind, key) < 0)
                return false;
        if (lh_table_lookup_ex(q->seen, k, NULL) || lh_table_insert(q->seen, k, NULL) < 0) {
                free(k);
                return false;
        }
        return true;
}

static bool record_has_service(UserDBQuery *q, json_object *rec) {
        json_object *v, *st, *mine;

        if (json_object_object_get_ex(rec, "service", &v) && json_object_is_type(v, json_type_string))
                return true;
        return q->machine_ok &&
               json_object_object_get_ex(rec, "status", &st) &&
               json_object_object_get_ex(st, q->machine_id, &mine) &&
               json_object_object_get_ex(mine, "service", &v) && json_object_is_type(v, json_type_string);
}

/* Turns one reply into a result; 0 when it is to be ignored. */
static int deliver(UserDBQuery *q, Conn *c, json_object *params) {
        UserDBResult res = { .service = c->service, .reply = params };
        _cleanup_(user_record_unrefp) UserRecord *ur = NULL;
        _cleanup_(group_record_unrefp) GroupRecord *gr = NULL;
        int r;

        if (q->p.kind == USERDB_QUERY_MEMBERSHIP) {
                json_object *u, *g;
                if (!json_object_object_get_ex(params, "userName", &u) || !json_object_is_type(u, json_type_string) ||
                    !json_object_object_get_ex(params, "groupName", &g) || !json_object_is_type(g, json_type_string))
                        return 0;
                res.user_name = json_object_get_string(u);
                res.group_name = json_object_get_string(g);
                if ((q->name && !streq(q->name, res.user_name)) ||
                    (q->group_name && !streq(q->group_name, res.group_name)))
                        return 0;
                _cleanup_free_ char *key = NULL;
                if (asprintf(&key, "%s:%s", res.user_name, res.group_name) < 0)
                        return -ENOMEM;
                if (!first_time(q, "m", key))
                        return 0;
        } else {
                json_object *rec, *inc;
                RecordLoadOptions lo = {
                        .policy = RECORD_POLICY_LOOKUP,
                        .flags = RECORD_LOAD_PERMISSIVE,
                        .machine = q->machine_ok ? &q->machine : NULL,
                };

                if (!json_object_object_get_ex(params, "record", &rec) || !json_object_is_type(rec, json_type_object))
                        return 0;
                /* A record without its service, or with a secret, is refused (§4.6). */
                if (!record_has_service(q, rec))
                        return 0;
                if (json_object_object_get_ex(params, "incomplete", &inc))
                        res.incomplete = json_object_get_boolean(inc);

                if (q->p.kind == USERDB_QUERY_USER) {
                        r = user_record_load(rec, &lo, &ur, NULL);
                        if (r == -ENOMEM)
                                return r;
                        if (r < 0)
                                return 0;
                        if ((q->name && !user_record_matches_user_name(ur, q->name)) ||
                            (q->p.id != UINT64_MAX && ur->uid != q->p.id))
                                return 0;
                        if (q->have_match && !userdb_match_user(&q->match, ur)) {
                                q->nonmatching = true;
                                return 0;
                        }
                        if (!first_time(q, "u", ur->user_name))
                                return 0;
                        res.user = ur;
                } else {
                        r = group_record_load(rec, &lo, &gr, NULL);
                        if (r == -ENOMEM)
                                return r;
                        if (r < 0)
                                return 0;
                        if ((q->name && !group_record_matches_group_name(gr, q->name)) ||
                            (q->p.id != UINT64_MAX && gr->gid != q->p.id))
                                return 0;
                        if (q->have_match && !userdb_match_group(&q->match, gr)) {
                                q->nonmatching = true;
                                return 0;
                        }
                        if (!first_time(q, "g", gr->group_name))
                                return 0;
                        res.group = gr;
                }
        }

        q->any = true;
        q->in_callback++;
        r = q->on_result ? q->on_result(q, &res, q->userdata) : 0;
        leave_callback(q);
        if (r < 0)
                return r;
        return 1;
}

static bool is_filter_field(const char *f) {
        static const char *const fields[] = {
                "fuzzyNames", "dispositionMask", "uidMin", "uidMax", "gidMin", "gidMax",
        };
        for (size_t i = 0; i < ELEMENTSOF(fields); i++)
                if (streq_ptr(f, fields[i]))
                        return true;
        return false;
}

static int on_reply(VarlinkClient *client, json_object *params, const char *error_name, unsigned flags, void *userdata) {
        Conn *c = userdata;
        UserDBQuery *q = c->query;
        int r;

        if (q->finished || c->finished)
                return 0;

        q->in_callback++;
        if (error_name) {
                json_object *pv;
                if (streq(error_name, VARLINK_ERROR_INVALID_PARAMETER) && c->filters_sent &&
                    json_object_object_get_ex(params, "parameter", &pv) &&
                    is_filter_field(json_object_get_string(pv))) {
                        /* An older service: ask again without the filters,
                         * and filter what comes back here. */
                        if (send_call(q, c, false) >= 0)
                                goto out;
                }
                if (streq(error_name, USERDB_ERROR_NON_MATCHING))
                        q->nonmatching = true;
                c->finished = true;
                maybe_finish(q);
                goto out;
        }

        r = deliver(q, c, params);
        if (r < 0) {
                q->error = r;
                finish(q, r);
                goto out;
        }
        if (r > 0 && keyed(q)) {
                finish(q, 0);
                goto out;
        }
        if (!(flags & VARLINK_REPLY_CONTINUES)) {
                c->finished = true;
                maybe_finish(q);
        }
out:
        leave_callback(q);
        return 0;
}

/* A blocking connect() to a service whose backlog is full waits for ever;
 * a non-blocking one fails at once with EAGAIN, and that service is
 * skipped like a dead one. */
static int connect_service(const char *path, VarlinkClient **ret) {
        struct sockaddr_un sa = { .sun_family = AF_UNIX };
        _cleanup_close_ int fd = -EBADF;

        if (strlen(path) >= sizeof sa.sun_path)
                return -EINVAL;
        strcpy(sa.sun_path, path);
        fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
        if (fd < 0)
                return -errno;
        if (connect(fd, (struct sockaddr *) &sa, sizeof sa) < 0)
                return -errno;
        return varlink_client_new_fd(ret, TAKE_FD(fd));
}

static int add_conn(UserDBQuery *q, const char *dir, const char *name) {
        _cleanup_free_ char *path = NULL;
        VarlinkClient *client = NULL;
        int r;

        if (asprintf(&path, "%s/%s", dir, name) < 0)
                return -ENOMEM;
        r = connect_service(path, &client);
        if (r == -ENOMEM)
                return r;
        if (r < 0)
                return 0;    /* dead, refused or full: skipped at once */
        varlink_client_set_timeout(client, q->p.timeout_usec ?: default_timeout());
        r = varlink_client_attach_event(client, q->event, 0);
        if (r < 0) {
                varlink_client_free(client);
                return r;
        }
        Conn *n = reallocarray(q->conns, q->n_conns + 1, sizeof(Conn));
        if (!n) {
                varlink_client_free(client);
                return -ENOMEM;
        }
        q->conns = n;
        q->conns[q->n_conns] = (Conn) { .query = q, .client = client, .service = strdup(name) };
        if (!q->conns[q->n_conns].service) {
                varlink_client_free(client);
                return -ENOMEM;
        }
        q->n_conns++;
        return 1;
}

static int sort_names(const void *a, const void *b) {
        return strcmp(*(char * const *) a, *(char * const *) b);
}

/* Socket names in dir, sorted. */
static int list_sockets(const char *dir, char ***ret) {
        _cleanup_closedir_ DIR *d = opendir(dir);
        char **l = NULL;
        size_t n = 0;

        if (!d) {
                if (errno == ENOENT) {
                        *ret = calloc(1, sizeof(char *));
                        return *ret ? 0 : -ENOMEM;
                }
                return -errno;
        }
        for (struct dirent *de; (de = readdir(d));) {
                struct stat st;
                if (de->d_name[0] == '.')
                        continue;
                if (fstatat(dirfd(d), de->d_name, &st, 0) < 0 || !S_ISSOCK(st.st_mode))
                        continue;
                char **nl = reallocarray(l, n + 2, sizeof(char *));
                if (!nl) {
                        strv_free(l);
                        return -ENOMEM;
                }
                l = nl;
                l[n] = strdup(de->d_name);
                l[++n] = NULL;
                if (!l[n - 1]) {
                        strv_free(l);
                        return -ENOMEM;
                }
        }
        if (!l && !(l = calloc(1, sizeof(char *))))
                return -ENOMEM;
        qsort(l, n, sizeof(char *), sort_names);
        *ret = l;
        return (int) n;
}

static int defer_no_services(sd_event_source *s, void *userdata) {
        maybe_finish(userdata);
        return 0;
}

int userdb_query_start(sd_event *e, const UserDBParams *p, userdb_result_t on_result, userdb_done_t on_done,
                       void *userdata, UserDBQuery **ret) {
        UserDBQuery *q;
        int r;

        if (!e || !p || !ret || p->kind > USERDB_QUERY_MEMBERSHIP)
                return -EINVAL;

        q = calloc(1, sizeof(UserDBQuery));
        if (!q)
                return -ENOMEM;
        q->event = sd_event_ref(e);
        q->p = *p;
        q->on_result = on_result;
        q->on_done = on_done;
        q->userdata = userdata;
        q->match = USERDB_MATCH_NULL;
        q->name = p->name ? strdup(p->name) : NULL;
        q->group_name = p->group_name ? strdup(p->group_name) : NULL;
        q->seen = lh_kchar_table_new(64, seen_free);
        if ((p->name && !q->name) || (p->group_name && !q->group_name) || !q->seen) {
                r = -ENOMEM;
                goto fail;
        }
        /* The pointers of the caller's params are not kept. */
        q->p.name = q->p.group_name = NULL;
        q->p.services = q->p.exclude = NULL;
        q->p.match = NULL;
        q->p.socket_dir = NULL;
        if (p->match && userdb_match_is_set(p->match)) {
                q->match = *p->match;
                q->match.fuzzy_names = NULL;
                if (p->match->fuzzy_names) {
                        size_t n = strv_length(p->match->fuzzy_names);
                        q->match.fuzzy_names = calloc(n + 1, sizeof(char *));
                        if (!q->match.fuzzy_names) {
                                r = -ENOMEM;
                                goto fail;
                        }
                        for (size_t i = 0; i < n; i++)
                                if (!(q->match.fuzzy_names[i] = strdup(p->match->fuzzy_names[i]))) {
                                        r = -ENOMEM;
                                        goto fail;
                                }
                }
                q->have_match = true;
        }
        if (record_machine_from_host(&q->machine, q->hostname, sizeof q->hostname) >= 0) {
                q->machine_ok = true;
                id128_to_string(&q->machine.machine_id, q->machine_id);
        }

        const char *b = (p->flags & USERDB_IGNORE_ENV) ? NULL : getenv("SYSTEMD_BYPASS_USERDB");
        if (!env_true(b)) {
                const char *dir = userdb_socket_dir(p->socket_dir);
                bool mux = false;

                if (!(p->flags & USERDB_AVOID_MULTIPLEXER) && service_allowed(p, USERDB_MULTIPLEXER)) {
                        r = add_conn(q, dir, USERDB_MULTIPLEXER);
                        if (r < 0)
                                goto fail;
                        mux = r > 0;
                }
                if (!mux) {
                        _cleanup_strv_free_ char **names = NULL;
                        r = list_sockets(dir, &names);
                        if (r < 0)
                                goto fail;
                        for (char **n = names; *n; n++) {
                                if (streq(*n, USERDB_MULTIPLEXER) || !service_allowed(p, *n))
                                        continue;
                                r = add_conn(q, dir, *n);
                                if (r < 0)
                                        goto fail;
                        }
                }
        }

        for (size_t i = 0; i < q->n_conns; i++) {
                r = send_call(q, &q->conns[i], true);
                if (r < 0)
                        q->conns[i].finished = true;
        }
        /* Nothing to wait for: report "not found" from the loop, not from here. */
        r = sd_event_add_defer(e, &q->defer, defer_no_services, q);
        if (r < 0)
                goto fail;
        (void) sd_event_source_set_enabled(q->defer, SD_EVENT_ONESHOT);

        *ret = q;
        return 0;
fail:
        query_really_free(q);
        return r;
}

typedef struct RunState {
        userdb_result_t cb;
        void *userdata;
        bool done;
        int error;
} RunState;

static int run_result(UserDBQuery *q, const UserDBResult *res, void *userdata) {
        RunState *s = userdata;
        return s->cb ? s->cb(q, res, s->userdata) : 0;
}

static void run_done(UserDBQuery *q, int error, void *userdata) {
        RunState *s = userdata;
        s->done = true;
        s->error = error;
}

int userdb_query_run(const UserDBParams *p, userdb_result_t on_result, void *userdata) {
        sd_event *e = NULL;
        UserDBQuery *q = NULL;
        RunState s = { .cb = on_result, .userdata = userdata };
        int r;

        r = sd_event_new(&e);
        if (r < 0)
                return r;
        r = userdb_query_start(e, p, run_result, run_done, &s, &q);
        if (r < 0)
                goto out;
        while (!s.done) {
                r = sd_event_run(e, UINT64_MAX);
                if (r < 0)
                        goto out;
        }
        r = s.error;
out:
        userdb_query_free(q);
        sd_event_unref(e);
        return r;
}

typedef struct OneResult {
        UserRecord *user;
        GroupRecord *group;
} OneResult;

static int one_result(UserDBQuery *q, const UserDBResult *res, void *userdata) {
        OneResult *o = userdata;
        if (res->user && !o->user)
                o->user = user_record_ref(res->user);
        if (res->group && !o->group)
                o->group = group_record_ref(res->group);
        return 0;
}

static int lookup_one(UserDBQueryKind kind, const char *name, uint64_t id, const UserDBParams *base, OneResult *o) {
        UserDBParams p = base ? *base : USERDB_PARAMS_INIT(kind);
        p.kind = kind;
        p.name = name;
        p.group_name = NULL;
        p.id = id;
        int r = userdb_query_run(&p, one_result, o);
        if (r >= 0 && !o->user && !o->group)
                r = -ESRCH;
        return r;
}

int userdb_user_by_name(const char *name, const UserDBParams *base, UserRecord **ret) {
        OneResult o = {};
        if (!name || !ret)
                return -EINVAL;
        int r = lookup_one(USERDB_QUERY_USER, name, UINT64_MAX, base, &o);
        if (r < 0) {
                user_record_unref(o.user);
                return r;
        }
        *ret = o.user;
        return 0;
}

int userdb_user_by_uid(uid_t uid, const UserDBParams *base, UserRecord **ret) {
        OneResult o = {};
        if (!ret || uid == UID_INVALID)
                return -EINVAL;
        int r = lookup_one(USERDB_QUERY_USER, NULL, uid, base, &o);
        if (r < 0) {
                user_record_unref(o.user);
                return r;
        }
        *ret = o.user;
        return 0;
}

int userdb_group_by_name(const char *name, const UserDBParams *base, GroupRecord **ret) {
        OneResult o = {};
        if (!name || !ret)
                return -EINVAL;
        int r = lookup_one(USERDB_QUERY_GROUP, name, UINT64_MAX, base, &o);
        if (r < 0) {
                group_record_unref(o.group);
                return r;
        }
        *ret = o.group;
        return 0;
}

int userdb_group_by_gid(gid_t gid, const UserDBParams *base, GroupRecord **ret) {
        OneResult o = {};
        if (!ret || gid == GID_INVALID)
                return -EINVAL;
        int r = lookup_one(USERDB_QUERY_GROUP, NULL, gid, base, &o);
        if (r < 0) {
                group_record_unref(o.group);
                return r;
        }
        *ret = o.group;
        return 0;
}

int userdb_list_services(const char *socket_dir, char ***ret_names, int **ret_alive) {
        _cleanup_strv_free_ char **names = NULL;
        const char *dir = userdb_socket_dir(socket_dir);
        int n;

        n = list_sockets(dir, &names);
        if (n < 0)
                return n;
        _cleanup_free_ int *alive = calloc((size_t) n + 1, sizeof(int));
        if (!alive)
                return -ENOMEM;
        for (int i = 0; i < n; i++) {
                _cleanup_free_ char *path = NULL;
                VarlinkClient *c = NULL;
                if (asprintf(&path, "%s/%s", dir, names[i]) < 0)
                        return -ENOMEM;
                alive[i] = connect_service(path, &c);
                if (alive[i] > 0)
                        alive[i] = 0;
                varlink_client_free(c);
        }
        *ret_names = TAKE_PTR(names);
        if (ret_alive)
                *ret_alive = TAKE_PTR(alive);
        return n;
}
