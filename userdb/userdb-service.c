/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include "macro.h"
#include "userdb-match.h"
#include "userdb-service.h"
#include "userdb-util.h"
#include "userdb.h"

struct UserDBService {
        VarlinkServer *server;
        DropinDB *db;
        char *service_name;
        char *multiplexer_name;
        char *socket_dir;
        uint64_t timeout_usec;
        /* Multiplexed calls still running, freed with the service. */
        struct MuxCall *mux_calls;
};

typedef struct MuxCall {
        struct MuxCall *next, *prev;
        UserDBService *service;
        VarlinkCall *call;
        UserDBQuery *query;
        UserDBQueryKind kind;
        json_object *pending;     /* last result, sent when the next arrives or at the end */
        bool keyed;
} MuxCall;

/* Which name the caller must put into "service": the socket's basename,
 * or for a connection handed over without one, our own service name. */
static const char *expected_service(UserDBService *s, VarlinkCall *call) {
        const char *n = varlink_call_listen_name(call);
        return isempty(n) ? s->service_name : n;
}

/* `v`: the "service" value, NULL if absent or null. */
static int check_service(UserDBService *s, VarlinkCall *call, json_object *v, bool *ret_mux) {
        const char *want = expected_service(s, call);

        if (!json_object_is_type(v, json_type_string))
                return varlink_call_error_invalid_parameter(call, "service");
        if (!streq(json_object_get_string(v), want))
                return varlink_call_error(call, USERDB_ERROR_BAD_SERVICE, NULL);
        if (s->multiplexer_name && streq(want, s->multiplexer_name))
                *ret_mux = true;
        else if (streq(want, s->service_name))
                *ret_mux = false;
        else
                return varlink_call_error(call, USERDB_ERROR_BAD_SERVICE, NULL);
        return 1;
}

static int get_service(UserDBService *s, VarlinkCall *call, json_object *params, bool *ret_mux) {
        json_object *v = NULL;

        (void) json_object_object_get_ex(params, "service", &v);
        return check_service(s, call, v, ret_mux);
}

/* Reads an optional id; 1 = set, 0 = absent/null, <0 after replying. */
static int check_id(VarlinkCall *call, json_object *v, const char *field, uint64_t *ret) {
        if (!v)
                return 0;
        if (!json_object_is_type(v, json_type_int) || json_object_get_int64(v) < 0 ||
            json_object_get_uint64(v) > USERDB_ID_MAX) {
                (void) varlink_call_error_invalid_parameter(call, field);
                return -EINVAL;
        }
        *ret = json_object_get_uint64(v);
        return 1;
}

static int get_id(VarlinkCall *call, json_object *params, const char *field, uint64_t *ret) {
        json_object *v = NULL;

        (void) json_object_object_get_ex(params, field, &v);
        return check_id(call, v, field, ret);
}

static const char *name_of(json_object *v) {
        return json_object_is_type(v, json_type_string) ? json_object_get_string(v) : NULL;
}

static const char *get_name(json_object *params, const char *field) {
        json_object *v;
        if (!json_object_object_get_ex(params, field, &v) || !json_object_is_type(v, json_type_string))
                return NULL;
        return json_object_get_string(v);
}

/* Whether the caller may see privileged sections of records: root for
 * everything, a user for its own record. */
static uid_t call_peer(VarlinkCall *call) {
        uid_t peer = UID_INVALID;
        (void) varlink_call_peer_uid(call, &peer);
        return peer;
}

static int send_entry(VarlinkCall *call, const DropinEntry *e, uid_t peer, bool final) {
        bool allowed = e->reply_full && peer != UID_INVALID &&
                (peer == 0 || (e->user && e->user->uid != UID_INVALID && peer == e->user->uid));
        const char *p = allowed ? e->reply_full : e->reply;
        size_t n = allowed ? e->reply_full_len : e->reply_len;

        return final ? varlink_call_reply_raw(call, p, n) : varlink_call_notify_raw(call, p, n);
}

static bool entry_matches(const DropinEntry *e, const UserDBMatch *m) {
        return e->user ? userdb_match_user(m, e->user) : userdb_match_group(m, e->group);
}

/* An enumeration in progress. Replies are produced while the connection's
 * output queue has room and resumed by the drain callback, so memory per
 * stream stays bounded however many records there are. Each matching
 * record is sent one behind: the last one must go out as the final reply,
 * which is only known once the walk has passed it. */
typedef enum StreamKind {
        STREAM_USERS,
        STREAM_GROUPS,
        STREAM_MEMBERSHIPS,
} StreamKind;

typedef struct Stream {
        VarlinkCall *call;
        DropinDB *db;          /* the database the stream started on, kept across reloads */
        StreamKind kind;
        UserDBMatch match;
        uid_t peer;
        const size_t *idx;     /* memberships: a subset by index, NULL = all */
        size_t n, next;
        size_t pending;        /* index of the item found but not sent yet, SIZE_MAX: none */
} Stream;

static Stream *stream_free(Stream *st) {
        if (!st)
                return NULL;
        varlink_call_set_cancel_callback(st->call, NULL, NULL);
        varlink_call_set_drain_callback(st->call, NULL, NULL);
        varlink_call_unref(st->call);
        dropin_db_unref(st->db);
        userdb_match_done(&st->match);
        free(st);
        return NULL;
}

static void stream_cancel(VarlinkCall *call, void *userdata) {
        stream_free(userdata);
}

static json_object *membership_reply(const DropinMembership *p);

static int stream_send(Stream *st, size_t i, bool final) {
        if (st->kind == STREAM_MEMBERSHIPS) {
                const DropinMembership *p = dropin_db_membership_at(st->db, st->idx ? st->idx[i] : i);
                _cleanup_json_ json_object *o = membership_reply(p);
                if (!o)
                        return -ENOMEM;
                return final ? varlink_call_reply(st->call, o) : varlink_call_notify(st->call, o);
        }
        const DropinEntry *e = st->kind == STREAM_GROUPS ? dropin_db_group_at(st->db, i) : dropin_db_user_at(st->db, i);
        return send_entry(st->call, e, st->peer, final);
}

static bool stream_item_matches(Stream *st, size_t i) {
        if (st->kind == STREAM_MEMBERSHIPS)
                return true;
        return entry_matches(st->kind == STREAM_GROUPS ? dropin_db_group_at(st->db, i) : dropin_db_user_at(st->db, i),
                             &st->match);
}

static int stream_drain(VarlinkCall *call, void *userdata);

/* Sends until the output is congested or the stream is done; frees the
 * stream when done (or when the client left). */
static int stream_run(Stream *st) {
        int r;

        while (!varlink_call_output_congested(st->call)) {
                while (st->next < st->n && !stream_item_matches(st, st->next))
                        st->next++;
                if (st->next >= st->n) {
                        if (st->pending == SIZE_MAX)
                                r = varlink_call_error(st->call, USERDB_ERROR_NO_RECORD, NULL);
                        else
                                r = stream_send(st, st->pending, true);
                        stream_free(st);
                        return r == -ENOTCONN ? 0 : r;
                }
                if (st->pending != SIZE_MAX) {
                        r = stream_send(st, st->pending, false);
                        if (r < 0) {
                                stream_free(st);
                                return r == -ENOTCONN ? 0 : r;
                        }
                }
                st->pending = st->next++;
        }
        varlink_call_set_drain_callback(st->call, stream_drain, st);
        return 0;
}

static int stream_drain(VarlinkCall *call, void *userdata) {
        return stream_run(userdata);
}

/* Takes over *match. */
static int stream_start(VarlinkCall *call, DropinDB *db, StreamKind kind, UserDBMatch *match,
                        const size_t *idx, size_t n) {
        Stream *st = calloc(1, sizeof(Stream));
        if (!st)
                return -ENOMEM;
        *st = (Stream) {
                .call = varlink_call_ref(call),
                .db = dropin_db_ref(db),
                .kind = kind,
                .match = match ? *match : USERDB_MATCH_NULL,
                .peer = call_peer(call),
                .idx = idx,
                .n = n,
                .pending = SIZE_MAX,
        };
        if (match)
                *match = USERDB_MATCH_NULL;
        varlink_call_set_cancel_callback(call, stream_cancel, st);
        return stream_run(st);
}

static int mux_record(UserDBService *s, VarlinkCall *call, json_object *params, UserDBQueryKind kind);
static int mux_memberships(UserDBService *s, VarlinkCall *call, const char *user, const char *group);

static int get_record(VarlinkCall *call, json_object *params, void *userdata, bool group) {
        UserDBService *s = userdata;
        const char *namefield = group ? "groupName" : "userName", *idfield = group ? "gid" : "uid";
        _cleanup_(userdb_match_done) UserDBMatch m = USERDB_MATCH_NULL;
        const char *bad = NULL, *name;
        uint64_t id = UINT64_MAX;
        bool mux = false;
        int r;

        /* One walk over the keys instead of a hash lookup per field. */
        json_object *v_service = NULL, *v_id = NULL, *v_name = NULL;
        size_t n_keys = 0;
        json_object_object_foreach(params, key, val) {
                n_keys++;
                if (streq(key, "service"))
                        v_service = val;
                else if (streq(key, namefield))
                        v_name = val;
                else if (streq(key, idfield))
                        v_id = val;
        }

        r = check_service(s, call, v_service, &mux);
        if (r <= 0)
                return r;
        r = check_id(call, v_id, idfield, &id);
        if (r < 0)
                return 0;
        name = name_of(v_name);
        /* The filter fields are looked for only when there are keys left
         * besides service and the lookup key (the usual call has none). */
        if (n_keys > 1U + (name ? 1U : 0U) + (r > 0 ? 1U : 0U)) {
                r = userdb_match_from_params(params, group, &bad, &m);
                if (r == -ENOMEM)
                        return r;
                if (r < 0)
                        return varlink_call_error_invalid_parameter(call, bad);
        }

        if (mux)
                return mux_record(s, call, params, group ? USERDB_QUERY_GROUP : USERDB_QUERY_USER);

        _cleanup_(dropin_db_unrefp) DropinDB *db = dropin_db_ref(s->db);
        if (!db)
                return varlink_call_error(call, USERDB_ERROR_SERVICE_NOT_AVAILABLE, NULL);

        if (!name && id == UINT64_MAX) {
                if (!varlink_call_wants_more(call))
                        return varlink_call_error_expected_more(call);
                return stream_start(call, db, group ? STREAM_GROUPS : STREAM_USERS, &m, NULL,
                                    group ? dropin_db_n_groups(db) : dropin_db_n_users(db));
        }

        const DropinEntry *by_name = NULL, *by_id = NULL;
        if (name)
                by_name = group ? dropin_db_group_by_name(db, name) : dropin_db_user_by_name(db, name);
        if (id != UINT64_MAX)
                by_id = group ? dropin_db_group_by_gid(db, (gid_t) id) : dropin_db_user_by_uid(db, (uid_t) id);

        const DropinEntry *e = name ? by_name : by_id;
        if (name && id != UINT64_MAX && by_name != by_id)
                /* One key finds a record the other key does not name. */
                return varlink_call_error(call, by_name || by_id ? USERDB_ERROR_CONFLICTING : USERDB_ERROR_NO_RECORD, NULL);
        if (!e)
                return varlink_call_error(call, USERDB_ERROR_NO_RECORD, NULL);
        if (!entry_matches(e, &m))
                return varlink_call_error(call, USERDB_ERROR_NON_MATCHING, NULL);

        r = send_entry(call, e, call_peer(call), true);
        return r == -ENOTCONN ? 0 : r;
}

static int vl_get_user_record(VarlinkCall *call, json_object *params, void *userdata) {
        return get_record(call, params, userdata, false);
}

static int vl_get_group_record(VarlinkCall *call, json_object *params, void *userdata) {
        return get_record(call, params, userdata, true);
}

static json_object *membership_reply(const DropinMembership *p) {
        json_object *o = json_object_new_object();
        if (!o)
                return NULL;
        if (json_object_object_add(o, "userName", json_object_new_string(p->user)) < 0 ||
            json_object_object_add(o, "groupName", json_object_new_string(p->group)) < 0) {
                json_object_put(o);
                return NULL;
        }
        return o;
}

static int vl_get_memberships(VarlinkCall *call, json_object *params, void *userdata) {
        UserDBService *s = userdata;
        const char *user, *group;
        bool mux = false;
        int r;

        r = get_service(s, call, params, &mux);
        if (r <= 0)
                return r;
        user = get_name(params, "userName");
        group = get_name(params, "groupName");

        if (mux)
                return mux_memberships(s, call, user, group);

        _cleanup_(dropin_db_unrefp) DropinDB *db = dropin_db_ref(s->db);
        if (!db)
                return varlink_call_error(call, USERDB_ERROR_SERVICE_NOT_AVAILABLE, NULL);

        if (user && group) {
                if (!dropin_db_has_membership(db, user, group))
                        return varlink_call_error(call, USERDB_ERROR_NO_RECORD, NULL);
                DropinMembership p = { .user = user, .group = group };
                _cleanup_json_ json_object *o = membership_reply(&p);
                if (!o)
                        return -ENOMEM;
                r = varlink_call_reply(call, o);
                return r == -ENOTCONN ? 0 : r;
        }

        if (!varlink_call_wants_more(call))
                return varlink_call_error_expected_more(call);

        size_t n;
        const size_t *idx = NULL;
        if (user)
                idx = dropin_db_memberships_of_user(db, user, &n);
        else if (group)
                idx = dropin_db_memberships_of_group(db, group, &n);
        else
                n = dropin_db_n_memberships(db);

        return stream_start(call, db, STREAM_MEMBERSHIPS, NULL, idx, n);
}

/* ---- multiplexer ---- */

static MuxCall *mux_call_free(MuxCall *m) {
        if (!m)
                return NULL;
        if (m->prev)
                m->prev->next = m->next;
        else if (m->service)
                m->service->mux_calls = m->next;
        if (m->next)
                m->next->prev = m->prev;
        userdb_query_free(m->query);
        json_object_put(m->pending);
        varlink_call_unref(m->call);
        free(m);
        return NULL;
}

static void mux_cancel(VarlinkCall *call, void *userdata) {
        mux_call_free(userdata);
}

/* The backends answer the multiplexer as root, so the privileged section
 * is removed here unless our own caller may see it. */
static json_object *mux_filter_privileged(VarlinkCall *call, const UserDBResult *res) {
        json_object *rec = NULL, *o = NULL;
        uid_t peer = UID_INVALID;

        if (!json_object_object_get_ex(res->reply, "record", &rec) ||
            !json_object_object_get_ex(rec, "privileged", NULL))
                return json_object_get(res->reply);
        if (varlink_call_peer_uid(call, &peer) >= 0 &&
            (peer == 0 || (res->user && res->user->uid != UID_INVALID && peer == res->user->uid)))
                return json_object_get(res->reply);

        if (json_object_deep_copy(res->reply, &o, NULL) < 0)
                return NULL;
        json_object_object_get_ex(o, "record", &rec);
        json_object_object_del(rec, "privileged");
        if (json_object_object_add(o, "incomplete", json_object_new_boolean(true)) < 0) {
                json_object_put(o);
                return NULL;
        }
        return o;
}

static int mux_on_result(UserDBQuery *q, const UserDBResult *res, void *userdata) {
        MuxCall *m = userdata;
        json_object *o;
        int r;

        if (m->kind == USERDB_QUERY_MEMBERSHIP) {
                DropinMembership p = { .user = res->user_name, .group = res->group_name };
                o = membership_reply(&p);
        } else
                o = mux_filter_privileged(m->call, res);
        if (!o)
                return -ENOMEM;

        if (m->pending) {
                r = varlink_call_notify(m->call, m->pending);
                json_object_put(m->pending);
                m->pending = NULL;
                if (r < 0) {
                        json_object_put(o);
                        return r;
                }
        }
        m->pending = o;
        return 0;
}

static void mux_on_done(UserDBQuery *q, int error, void *userdata) {
        MuxCall *m = userdata;

        varlink_call_set_cancel_callback(m->call, NULL, NULL);
        if (m->pending)
                (void) varlink_call_reply(m->call, m->pending);
        else if (error == -ENOEXEC)
                (void) varlink_call_error(m->call, USERDB_ERROR_NON_MATCHING, NULL);
        else if (error == -ESRCH)
                (void) varlink_call_error(m->call, USERDB_ERROR_NO_RECORD, NULL);
        else
                (void) varlink_call_error(m->call, USERDB_ERROR_SERVICE_NOT_AVAILABLE, NULL);
        /* Freeing the query from its own callback is allowed: it defers itself. */
        mux_call_free(m);
}

static int mux_start(UserDBService *s, VarlinkCall *call, UserDBParams *p, bool keyed) {
        MuxCall *m;
        int r;

        if (!keyed && !varlink_call_wants_more(call))
                return varlink_call_error_expected_more(call);

        char *exclude[] = { s->multiplexer_name, (char *) USERDB_MULTIPLEXER, NULL };
        p->exclude = exclude;
        p->socket_dir = s->socket_dir;
        p->timeout_usec = s->timeout_usec;
        p->flags = USERDB_AVOID_MULTIPLEXER;

        m = calloc(1, sizeof(MuxCall));
        if (!m)
                return -ENOMEM;
        m->service = s;
        m->kind = p->kind;
        m->keyed = keyed;
        m->call = varlink_call_ref(call);
        r = userdb_query_start(varlink_server_get_event(s->server), p, mux_on_result, mux_on_done, m, &m->query);
        if (r < 0) {
                mux_call_free(m);
                return r;
        }
        m->next = s->mux_calls;
        if (m->next)
                m->next->prev = m;
        s->mux_calls = m;
        varlink_call_set_cancel_callback(call, mux_cancel, m);
        return 0;
}

static int mux_record(UserDBService *s, VarlinkCall *call, json_object *params, UserDBQueryKind kind) {
        bool group = kind == USERDB_QUERY_GROUP;
        _cleanup_(userdb_match_done) UserDBMatch match = USERDB_MATCH_NULL;
        UserDBParams p = USERDB_PARAMS_INIT(kind);
        int r;

        r = userdb_match_from_params(params, group, NULL, &match);
        if (r < 0)
                return r;
        (void) get_id(call, params, group ? "gid" : "uid", &p.id);
        p.name = get_name(params, group ? "groupName" : "userName");
        p.match = userdb_match_is_set(&match) ? &match : NULL;
        r = mux_start(s, call, &p, p.name || p.id != UINT64_MAX);
        return r;
}

static int mux_memberships(UserDBService *s, VarlinkCall *call, const char *user, const char *group) {
        UserDBParams p = USERDB_PARAMS_INIT(USERDB_QUERY_MEMBERSHIP);
        p.name = user;
        p.group_name = group;
        return mux_start(s, call, &p, user && group);
}

int userdb_service_new(VarlinkServer *server, const UserDBServiceOptions *options, DropinDB *db,
                       UserDBService **ret) {
        static const VarlinkMethod methods[] = {
                { "GetUserRecord", vl_get_user_record, 0 },
                { "GetGroupRecord", vl_get_group_record, 0 },
                { "GetMemberships", vl_get_memberships, 0 },
        };
        UserDBService *s;
        int r;

        if (!server || !options || isempty(options->service_name) || !ret)
                return -EINVAL;

        s = calloc(1, sizeof(UserDBService));
        if (!s)
                return -ENOMEM;
        s->server = server;
        s->timeout_usec = options->timeout_usec;
        s->service_name = strdup(options->service_name);
        s->multiplexer_name = options->multiplexer_name ? strdup(options->multiplexer_name) : NULL;
        s->socket_dir = options->socket_dir ? strdup(options->socket_dir) : NULL;
        if (!s->service_name || (options->multiplexer_name && !s->multiplexer_name) ||
            (options->socket_dir && !s->socket_dir)) {
                userdb_service_free(s);
                return -ENOMEM;
        }

        r = varlink_server_add_interface(server, userdb_interface_idl, methods, ELEMENTSOF(methods));
        if (r < 0) {
                userdb_service_free(s);
                return r;
        }
        varlink_server_set_userdata(server, s);
        s->db = dropin_db_ref(db);
        *ret = s;
        return 0;
}

UserDBService *userdb_service_free(UserDBService *s) {
        if (!s)
                return NULL;
        while (s->mux_calls) {
                MuxCall *m = s->mux_calls;
                varlink_call_set_cancel_callback(m->call, NULL, NULL);
                mux_call_free(m);
        }
        dropin_db_unref(s->db);
        free(s->service_name);
        free(s->multiplexer_name);
        free(s->socket_dir);
        free(s);
        return NULL;
}

void userdb_service_set_db(UserDBService *s, DropinDB *db) {
        if (!s)
                return;
        dropin_db_ref(db);
        dropin_db_unref(s->db);
        s->db = db;
}
