/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* io.hearth.Home: checks the caller and the parameters, then queues an
 * operation on the home (homed-home.c), which replies when it is done. */

#include <stdarg.h>

#include "homed-idl.h"
#include "homed-manager.h"
#include "macro.h"

_printf_(4, 5)
static int api_error(VarlinkCall *call, const char *name, const char *field, const char *fmt, ...) {
        _cleanup_json_ json_object *p = json_object_new_object();
        _cleanup_free_ char *msg = NULL, *full = NULL;
        va_list ap;

        va_start(ap, fmt);
        if (vasprintf(&msg, fmt, ap) < 0)
                msg = NULL;
        va_end(ap);
        if (!p || asprintf(&full, HOMED_INTERFACE ".%s", name) < 0)
                return -ENOMEM;
        if (msg)
                json_object_object_add(p, "message", json_object_new_string(msg));
        if (field)
                json_object_object_add(p, "field", json_object_new_string(field));
        (void) varlink_call_error(call, full, p);
        return 0;
}

static bool peer_is_root(VarlinkCall *call) {
        uid_t uid;
        return varlink_call_peer_uid(call, &uid) >= 0 && uid == 0;
}

static bool peer_owns(VarlinkCall *call, Home *h) {
        uid_t uid;
        return varlink_call_peer_uid(call, &uid) >= 0 && (uid == 0 || uid == h->uid);
}

/* A deep copy of the "secret" parameter; the caller's copy is wiped. */
static int take_secret(VarlinkCall *call, json_object *params, const char *key, json_object **ret) {
        json_object *s = json_get_object(params, key), *pw;

        *ret = NULL;
        if (!s)
                return 0;
        if (json_object_object_get_ex(s, "password", &pw)) {
                if (!json_object_is_type(pw, json_type_array))
                        goto bad;
                for (size_t i = 0; i < json_object_array_length(pw); i++)
                        if (!json_object_is_type(json_object_array_get_idx(pw, i), json_type_string))
                                goto bad;
        }
        if (json_object_deep_copy(s, ret, NULL) < 0)
                return -ENOMEM;
        json_wipe(s);
        return 0;
bad:
        json_wipe(s);
        (void) varlink_call_error_invalid_parameter(call, key);
        return -EINVAL;
}

static Home *find_home(VarlinkCall *call, json_object *params, Manager *m) {
        const char *name = json_get_string(params, "userName");
        Home *h = manager_find_home(m, name);
        if (!h)
                (void) api_error(call, "NoSuchHome", NULL, "no home for user %s", name ?: "");
        return h;
}

/* Queues type on the named home for its owner or root. */
static int queue_simple(VarlinkCall *call, json_object *params, Manager *m, HomeOpType type, bool owner_ok) {
        Home *h = find_home(call, params, m);
        json_object *v;
        HomeOp *op;
        int r;

        if (!h)
                return 0;
        if (!(owner_ok ? peer_owns(call, h) : peer_is_root(call)))
                return varlink_call_error_permission_denied(call);
        op = home_op_new(type, call);
        if (!op)
                return -ENOMEM;
        r = take_secret(call, params, "secret", &op->secret);
        if (r < 0) {
                op->call = varlink_call_unref(op->call);
                home_op_free(op);
                return r == -EINVAL ? 0 : r;
        }
        if (json_object_object_get_ex(params, "force", &v) && json_object_get_boolean(v))
                op->force = true;
        if (json_object_object_get_ex(params, "size", &v)) {
                if (json_object_get_int64(v) <= 0) {
                        op->call = varlink_call_unref(op->call);
                        home_op_free(op);
                        return varlink_call_error_invalid_parameter(call, "size");
                }
                op->size = json_object_get_uint64(v);
        }
        home_enqueue(h, op);
        return 0;
}

static int vl_activate(VarlinkCall *c, json_object *p, void *u) { return queue_simple(c, p, u, OP_ACTIVATE, true); }
static int vl_deactivate(VarlinkCall *c, json_object *p, void *u) { return queue_simple(c, p, u, OP_DEACTIVATE, true); }
static int vl_lock(VarlinkCall *c, json_object *p, void *u) { return queue_simple(c, p, u, OP_LOCK, true); }
static int vl_unlock(VarlinkCall *c, json_object *p, void *u) { return queue_simple(c, p, u, OP_UNLOCK, true); }
static int vl_authenticate(VarlinkCall *c, json_object *p, void *u) { return queue_simple(c, p, u, OP_AUTHENTICATE, true); }
static int vl_acquire(VarlinkCall *c, json_object *p, void *u) { return queue_simple(c, p, u, OP_ACQUIRE, true); }
static int vl_release(VarlinkCall *c, json_object *p, void *u) { return queue_simple(c, p, u, OP_RELEASE, true); }
static int vl_remove(VarlinkCall *c, json_object *p, void *u) { return queue_simple(c, p, u, OP_REMOVE, false); }
static int vl_resize(VarlinkCall *c, json_object *p, void *u) { return queue_simple(c, p, u, OP_RESIZE, false); }

static int vl_change_password(VarlinkCall *call, json_object *params, void *userdata) {
        Manager *m = userdata;
        Home *h = find_home(call, params, m);
        HomeOp *op;
        int r;

        if (!h)
                return 0;
        if (!peer_owns(call, h))
                return varlink_call_error_permission_denied(call);
        op = home_op_new(OP_PASSWD, call);
        if (!op)
                return -ENOMEM;
        r = take_secret(call, params, "secret", &op->secret);
        if (r >= 0)
                r = take_secret(call, params, "newSecret", &op->new_secret);
        if (r < 0) {
                op->call = varlink_call_unref(op->call);
                home_op_free(op);
                return r == -EINVAL ? 0 : r;
        }
        home_enqueue(h, op);
        return 0;
}

static int vl_list(VarlinkCall *call, json_object *params, void *userdata) {
        Manager *m = userdata;
        _cleanup_json_ json_object *reply = json_object_new_object(), *a = json_object_new_array();

        if (!reply || !a)
                return -ENOMEM;
        for (size_t i = 0; i < m->n_homes; i++) {
                Home *h = m->homes[i];
                json_object *o = json_object_new_object();
                _cleanup_free_ char *home = user_record_home_directory(h->record, m->home_root);
                if (!o)
                        return -ENOMEM;
                json_object_object_add(o, "userName", json_object_new_string(h->user_name));
                json_object_object_add(o, "uid", json_object_new_int64(h->uid));
                json_object_object_add(o, "gid", json_object_new_int64(user_record_gid(h->record)));
                json_object_object_add(o, "state", json_object_new_string(home_state_to_string(home_get_state(h))));
                if (h->record->real_name)
                        json_object_object_add(o, "realName", json_object_new_string(h->record->real_name));
                json_object_object_add(o, "homeDirectory", json_object_new_string(home ?: ""));
                json_object_object_add(o, "shell", json_object_new_string(user_record_shell(h->record)));
                json_object_object_add(o, "storage",
                                       json_object_new_string(user_storage_to_string(user_record_storage(h->record)) ?: "classic"));
                json_object_array_add(a, o);
        }
        json_object_object_add(reply, "homes", json_object_get(a));
        return varlink_call_reply(call, reply);
}

static int vl_inspect(VarlinkCall *call, json_object *params, void *userdata) {
        Manager *m = userdata;
        Home *h = find_home(call, params, m);
        _cleanup_json_ json_object *reply = NULL, *rec = NULL;
        int r;

        if (!h)
                return 0;
        r = home_build_served(h, peer_owns(call, h), &rec);
        if (r < 0)
                return r;
        reply = json_object_new_object();
        if (!reply)
                return -ENOMEM;
        json_object_object_add(reply, "record", json_object_get(rec));
        json_object_object_add(reply, "state", json_object_new_string(home_state_to_string(home_get_state(h))));
        return varlink_call_reply(call, reply);
}

/* Secret passwords hashed into privileged.hashedPassword. */
static int hash_into(json_object *record, json_object *secret) {
        json_object *pw, *priv, *arr;
        int r;

        if (!secret || !json_object_object_get_ex(secret, "password", &pw) || json_object_array_length(pw) == 0)
                return -ENODATA;
        priv = json_get_object(record, "privileged");
        if (!priv) {
                priv = json_object_new_object();
                if (!priv || json_object_object_add(record, "privileged", priv) < 0)
                        return -ENOMEM;
        }
        arr = json_object_new_array();
        if (!arr)
                return -ENOMEM;
        json_object_object_add(priv, "hashedPassword", arr);
        for (size_t i = 0; i < json_object_array_length(pw); i++) {
                _cleanup_free_ char *hash = NULL;
                r = password_hash_new(json_object_get_string(json_object_array_get_idx(pw, i)),
                                      PASSWORD_HASH_PREFERRED, &hash);
                if (r < 0)
                        return r;
                json_object_array_add(arr, json_object_new_string(hash));
        }
        return 0;
}

int api_build_passwd_record(Home *h, json_object *new_secret, json_object **ret) {
        _cleanup_json_ json_object *v = NULL;
        uint64_t now = now_usec();
        int r;

        if (json_object_deep_copy(user_record_json(h->record), &v, NULL) < 0)
                return -ENOMEM;
        json_object_object_del(v, "signature");
        r = hash_into(v, new_secret);
        if (r < 0)
                return r;
        json_object_object_add(v, "lastPasswordChangeUSec", json_object_new_uint64(now));
        json_object_object_add(v, "lastChangeUSec", json_object_new_uint64(now));
        *ret = TAKE_PTR(v);
        return 0;
}

static bool has_hash(json_object *record) {
        json_object *priv = json_get_object(record, "privileged"), *hp;
        return priv && json_object_object_get_ex(priv, "hashedPassword", &hp) &&
               json_object_is_type(hp, json_type_array) && json_object_array_length(hp) > 0;
}

static int vl_create(VarlinkCall *call, json_object *params, void *userdata) {
        Manager *m = userdata;
        _cleanup_json_ json_object *rec = NULL;
        _cleanup_json_erase_ json_object *secret = NULL;
        _cleanup_(user_record_unrefp) UserRecord *ur = NULL;
        RecordLoadOptions lo = m->load_options;
        RecordError err = {};
        json_object *in = json_get_object(params, "record"), *v;
        uid_t uid;
        int r;

        if (!peer_is_root(call))
                return varlink_call_error_permission_denied(call);
        r = take_secret(call, params, "secret", &secret);
        if (r < 0)
                return r == -EINVAL ? 0 : r;
        if (json_object_deep_copy(in, &rec, NULL) < 0)
                return -ENOMEM;
        /* A secret section inside the record counts as the secret. */
        if (json_get_object(rec, "secret")) {
                if (!secret && json_object_deep_copy(json_get_object(rec, "secret"), &secret, NULL) < 0)
                        return -ENOMEM;
                json_wipe(json_get_object(rec, "secret"));
                json_wipe(json_get_object(in, "secret"));
                json_object_object_del(rec, "secret");
        }
        json_object_object_del(rec, "status");

        lo.flags |= RECORD_LOAD_STRICT_NAMES;
        r = user_record_validate(rec, &lo, &err);
        if (r < 0) {
                return api_error(call, "BadRecord", err.field[0] ? err.field : NULL, "%s", err.message);
        }
        const char *name = json_get_string(rec, "userName");
        if (user_name_is_reserved(name))
                return api_error(call, "BadRecord", "userName", "field 'userName': '%s' is reserved", name);
        if (manager_find_home(m, name) || manager_name_taken_elsewhere(m, name))
                return api_error(call, "UserNameExists", NULL, "user %s exists already", name);

        if (json_object_object_get_ex(rec, "uid", &v) && v) {
                uid = (uid_t) json_object_get_int64(v);
                if (manager_find_home_by_uid(m, uid) || manager_uid_taken_elsewhere(m, uid))
                        return api_error(call, "UIDInUse", "uid", "uid %u is in use already", (unsigned) uid);
        } else {
                r = manager_allocate_uid(m, &uid);
                if (r < 0)
                        return api_error(call, "UIDInUse", "uid", "no free uid in %u..%u", HOMED_UID_MIN, HOMED_UID_MAX);
                json_object_object_add(rec, "uid", json_object_new_int64(uid));
        }

        /* Defaults made explicit, so the record says where the home is. */
        if (!json_object_object_get_ex(rec, "disposition", NULL))
                json_object_object_add(rec, "disposition", json_object_new_string("regular"));
        if (!json_object_object_get_ex(rec, "storage", NULL))
                json_object_object_add(rec, "storage", json_object_new_string("directory"));
        if (!json_object_object_get_ex(rec, "homeDirectory", NULL)) {
                _cleanup_free_ char *p = NULL;
                if (asprintf(&p, "%s/%s", m->home_root, name) < 0)
                        return -ENOMEM;
                json_object_object_add(rec, "homeDirectory", json_object_new_string(p));
        }
        if (!json_object_object_get_ex(rec, "imagePath", NULL)) {
                _cleanup_free_ char *p = NULL;
                bool luks = streq_ptr(json_get_string(rec, "storage"), "luks");
                if (asprintf(&p, "%s/%s.%s", m->home_root, name, luks ? "home" : "homedir") < 0)
                        return -ENOMEM;
                json_object_object_add(rec, "imagePath", json_object_new_string(p));
        }
        if (!json_object_object_get_ex(rec, "lastChangeUSec", NULL))
                json_object_object_add(rec, "lastChangeUSec", json_object_new_uint64(now_usec()));

        bool signed_rec = json_object_object_get_ex(rec, "signature", NULL);
        if (!has_hash(rec)) {
                if (signed_rec)
                        return api_error(call, "BadRecord", "privileged.hashedPassword",
                                         "a signed record must carry its password hash");
                r = hash_into(rec, secret);
                if (r == -ENODATA)
                        return api_error(call, "BadRecord", "privileged.hashedPassword",
                                         "the record has no password hash and no password was given");
                if (r < 0)
                        return r;
        }
        int sig = keys_check(m, rec);
        if (signed_rec && sig < 0) {
                /* Added fields break a signature: only complete signed records are taken. */
                return api_error(call, "BadSignature", "signature",
                                 sig == -EBADMSG ? "the signature does not verify (was the record completed by the daemon?)"
                                                 : "the record is signed by no trusted key");
        }

        r = user_record_load(rec, &lo, &ur, &err);
        if (r < 0)
                return api_error(call, "BadRecord", err.field[0] ? err.field : NULL, "%s", err.message);
        UserStorage storage = user_record_storage(ur);
        if (storage != USER_DIRECTORY && storage != USER_FSCRYPT && storage != USER_LUKS)
                return api_error(call, "NotSupported", "storage", "storage %s is not supported",
                                 user_storage_to_string(user_record_storage(ur)));

        Home *h;
        r = home_new(m, ur, &h);
        if (r < 0)
                return r;
        h->read_only = sig == 0;
        h->state = HOME_ABSENT;
        r = manager_add_home(m, h);
        if (r < 0) {
                home_free(h);
                return r;
        }
        HomeOp *op = home_op_new(OP_CREATE, call);
        if (!op)
                return -ENOMEM;
        op->record = TAKE_PTR(rec);
        op->secret = TAKE_PTR(secret);
        home_enqueue(h, op);
        return 0;
}

static int vl_update(VarlinkCall *call, json_object *params, void *userdata) {
        Manager *m = userdata;
        json_object *in = json_get_object(params, "record");
        _cleanup_json_ json_object *rec = NULL;
        RecordError err = {};
        const char *name;
        Home *h;
        int r;

        if (!peer_is_root(call))
                return varlink_call_error_permission_denied(call);
        if (json_object_deep_copy(in, &rec, NULL) < 0)
                return -ENOMEM;
        json_wipe(json_get_object(in, "secret"));
        json_wipe(json_get_object(params, "secret"));
        json_object_object_del(rec, "secret");
        json_object_object_del(rec, "status");
        r = user_record_validate(rec, &m->load_options, &err);
        if (r < 0)
                return api_error(call, "BadRecord", err.field[0] ? err.field : NULL, "%s", err.message);
        name = json_get_string(rec, "userName");
        h = manager_find_home(m, name);
        if (!h)
                return api_error(call, "NoSuchHome", NULL, "no home for user %s", name);
        if (json_object_object_get_ex(rec, "signature", NULL) && keys_check(m, rec) < 0)
                return api_error(call, "BadSignature", "signature", "the record's signature is not trusted or does not verify");
        HomeOp *op = home_op_new(OP_UPDATE, call);
        if (!op)
                return -ENOMEM;
        op->record = TAKE_PTR(rec);
        home_enqueue(h, op);
        return 0;
}

/* LockAll / DeactivateAll: one operation per home, one reply at the end. */
typedef struct AllOp {
        VarlinkCall *call;
        unsigned pending;
        int error;
} AllOp;

static void all_done(HomeOp *op, int r, void *userdata) {
        AllOp *a = userdata;
        if (r < 0 && r != -EALREADY && r != -ENOEXEC && a->error == 0)
                a->error = r;
        if (--a->pending > 0)
                return;
        if (a->error < 0)
                (void) api_error(a->call, "SystemError", NULL, "not every home could be handled: %s", strerror(-a->error));
        else
                (void) varlink_call_reply(a->call, NULL);
        varlink_call_unref(a->call);
        free(a);
}

static int for_all(VarlinkCall *call, Manager *m, HomeOpType type) {
        AllOp *a;

        if (!peer_is_root(call))
                return varlink_call_error_permission_denied(call);
        a = calloc(1, sizeof(*a));
        if (!a)
                return -ENOMEM;
        a->call = varlink_call_ref(call);
        a->pending = 1;    /* released below, so replies cannot finish early */
        for (size_t i = 0; i < m->n_homes; i++) {
                Home *h = m->homes[i];
                if (type == OP_LOCK ? h->state != HOME_ACTIVE || user_record_storage(h->record) != USER_FSCRYPT
                                    : h->state != HOME_ACTIVE && h->state != HOME_LOCKED)
                        continue;
                HomeOp *op = home_op_new(type, NULL);
                if (!op)
                        break;
                op->done = all_done;
                op->userdata = a;
                a->pending++;
                home_enqueue(h, op);
        }
        all_done(NULL, 0, a);
        return 0;
}

static int vl_lock_all(VarlinkCall *c, json_object *p, void *u) { return for_all(c, u, OP_LOCK); }
static int vl_deactivate_all(VarlinkCall *c, json_object *p, void *u) { return for_all(c, u, OP_DEACTIVATE); }

static const VarlinkMethod methods[] = {
        { "List", vl_list, 0 },
        { "Inspect", vl_inspect, 0 },
        { "Create", vl_create, 0 },
        { "Remove", vl_remove, 0 },
        { "Activate", vl_activate, 0 },
        { "Deactivate", vl_deactivate, 0 },
        { "Update", vl_update, 0 },
        { "ChangePassword", vl_change_password, 0 },
        { "Resize", vl_resize, 0 },
        { "Lock", vl_lock, 0 },
        { "Unlock", vl_unlock, 0 },
        { "LockAll", vl_lock_all, 0 },
        { "DeactivateAll", vl_deactivate_all, 0 },
        { "Authenticate", vl_authenticate, 0 },
        { "Acquire", vl_acquire, 0 },
        { "Release", vl_release, 0 },
};

int api_setup(Manager *m) {
        int r;

        r = varlink_server_new(&m->api);
        if (r < 0)
                return r;
        varlink_server_set_userdata(m->api, m);
        r = varlink_server_set_info(m->api, NULL, "hearth-homed", NULL, NULL);
        if (r < 0)
                return r;
        r = varlink_server_add_interface(m->api, homed_interface_idl, methods, ELEMENTSOF(methods));
        if (r < 0)
                return r;
        r = varlink_server_listen_path(m->api, m->api_socket, 0666);
        if (r < 0)
                return r;
        return varlink_server_attach_event(m->api, m->event, 0);
}
