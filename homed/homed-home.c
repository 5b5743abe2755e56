/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* One managed home: its state machine and its operation queue. Calls
 * on a home are queued and run strictly one after another; different
 * homes run in parallel, each operation's storage part in its own
 * hearth-homework process. */

#include <stdarg.h>

#include "homed-manager.h"
#include "macro.h"

static const char *const state_names[_HOME_STATE_MAX] = {
        [HOME_ABSENT] = "absent",
        [HOME_INACTIVE] = "inactive",
        [HOME_DIRTY] = "dirty",
        [HOME_ACTIVE] = "active",
        [HOME_LOCKED] = "locked",
        [HOME_CREATING] = "creating",
        [HOME_ACTIVATING] = "activating",
        [HOME_DEACTIVATING] = "deactivating",
        [HOME_LOCKING] = "locking",
        [HOME_UNLOCKING] = "unlocking",
        [HOME_REMOVING] = "removing",
        [HOME_UPDATING] = "updating",
        [HOME_PASSWD] = "passwd",
        [HOME_RESIZING] = "resizing",
        [HOME_AUTHENTICATING] = "authenticating",
        [HOME_INSPECTING] = "inspecting",
};

const char *home_state_to_string(HomeState s) {
        return s >= 0 && s < _HOME_STATE_MAX ? state_names[s] : NULL;
}

HomeState home_state_from_string(const char *s) {
        for (int i = 0; s && i < _HOME_STATE_MAX; i++)
                if (streq(state_names[i], s))
                        return (HomeState) i;
        return _HOME_STATE_INVALID;
}

HomeState home_get_state(Home *h) {
        return h->op_state >= 0 ? h->op_state : h->state;
}

int home_new(Manager *m, UserRecord *record, Home **ret) {
        Home *h = calloc(1, sizeof(*h));
        if (!h)
                return -ENOMEM;
        h->manager = m;
        h->user_name = strdup(record->user_name);
        if (!h->user_name) {
                free(h);
                return -ENOMEM;
        }
        h->uid = record->uid;
        h->record = user_record_ref(record);
        h->state = HOME_INACTIVE;
        h->op_state = _HOME_STATE_INVALID;
        *ret = h;
        return 0;
}

HomeOp *home_op_new(HomeOpType type, VarlinkCall *call) {
        HomeOp *op = calloc(1, sizeof(*op));
        if (!op)
                return NULL;
        op->type = type;
        op->call = call ? varlink_call_ref(call) : NULL;
        return op;
}

HomeOp *home_op_free(HomeOp *op) {
        if (!op)
                return NULL;
        if (op->call) {
                /* Never leave a caller hanging. */
                (void) varlink_call_error_errno(op->call, -ECANCELED);
                varlink_call_unref(op->call);
        }
        json_put_erase(op->secret);
        json_put_erase(op->new_secret);
        json_object_put(op->record);
        free(op);
        return NULL;
}

/* Ends a held Acquire call with a final reply (state, or error) and
 * forgets it. Does not touch the reference count. */
static void hold_end(HomeHold *hold, const char *error) {
        _cleanup_json_ json_object *p = json_object_new_object();
        HomeHold **pp;

        for (pp = &hold->home->holds; *pp && *pp != hold; pp = &(*pp)->next)
                ;
        if (*pp) {
                *pp = hold->next;
                hold->home->n_holds--;
        }
        varlink_call_set_cancel_callback(hold->call, NULL, NULL);
        if (error)
                (void) varlink_call_error(hold->call, error, NULL);
        else {
                if (p)
                        json_object_object_add(p, "state",
                                               json_object_new_string(home_state_to_string(hold->home->state)));
                (void) varlink_call_reply(hold->call, p);
        }
        varlink_call_unref(hold->call);
        free(hold);
}

Home *home_free(Home *h) {
        if (!h)
                return NULL;
        while (h->holds)
                hold_end(h->holds, "io.hearth.Home.NoSuchHome");
        sd_event_source_disable_unref(h->delay_event);
        free(h->delayed_error);
        json_object_put(h->delayed_params);
        worker_free(h->worker);
        home_op_free(h->current);
        for (HomeOp *op = h->queue_head, *n; op; op = n) {
                n = op->next;
                home_op_free(op);
        }
        user_record_unref(h->record);
        json_object_put(h->status);
        free(h->served_text[0]);
        free(h->served_text[1]);
        free(h->user_name);
        free(h);
        return NULL;
}

static void home_dispatch(Home *h);

static void op_wipe_secrets(HomeOp *op) {
        json_wipe(op->secret);
        json_wipe(op->new_secret);
        json_wipe(json_get_object(op->record, "secret"));
}

void home_wipe_secrets(Home *h) {
        if (h->current)
                op_wipe_secrets(h->current);
        for (HomeOp *op = h->queue_head; op; op = op->next)
                op_wipe_secrets(op);
}

/* The connection of a held Acquire went away: its reference goes, and
 * with the last reference a home that Acquire activated is deactivated. */
static void on_hold_cancel(VarlinkCall *call, void *userdata) {
        HomeHold *hold = userdata;
        Home *h = hold->home;
        HomeOp *op;

        hold_end(hold, NULL);   /* the reply goes nowhere; it only finishes the call */
        if (h->refs > 0)
                h->refs--;
        if (h->refs > 0 || !h->acquire_activated)
                return;
        op = home_op_new(OP_DEACTIVATE, NULL);
        if (!op)
                return;         /* the home stays active; a later Deactivate ends it */
        op->auto_release = true;
        home_enqueue(h, op);
}

/* Acquire succeeded and was called with "more": tell the caller with a
 * "continues" reply and keep the call (and its reference) until its
 * connection closes. Takes the call's reference. */
static void hold_start(Home *h, VarlinkCall *call, json_object *params) {
        HomeHold *hold = calloc(1, sizeof *hold);

        if (!hold || varlink_call_notify(call, params) < 0) {
                /* Without a hold the reference cannot be tied to the
                 * connection: end the call and drop the reference again. */
                free(hold);
                (void) varlink_call_error_errno(call, -ENOMEM);
                varlink_call_unref(call);
                if (h->refs > 0)
                        h->refs--;
                return;
        }
        hold->home = h;
        hold->call = call;
        hold->next = h->holds;
        h->holds = hold;
        h->n_holds++;
        varlink_call_set_cancel_callback(call, on_hold_cancel, hold);
}

static void op_finish_now(Home *h, int r, const char *error, json_object *params);

static int on_delay_over(sd_event_source *source, uint64_t usec, void *userdata) {
        Home *h = userdata;
        _cleanup_free_ char *error = TAKE_PTR(h->delayed_error);
        _cleanup_json_ json_object *params = TAKE_PTR(h->delayed_params);

        h->delay_event = sd_event_source_disable_unref(h->delay_event);
        op_finish_now(h, h->delayed_r, error, params);
        return 0;
}

static bool is_bad_secret_error(const char *error) {
        return streq_ptr(error, "io.hearth.Home.BadPassword") ||
               streq_ptr(error, "io.hearth.Home.BadRecoveryKey") ||
               streq_ptr(error, "io.hearth.Home.BadPasswordAndNoToken");
}

/* Ends the current operation: replies (params or error), runs done,
 * starts the next one. A wrong secret is answered after the delay. */
static void op_finish(Home *h, int r, const char *error, json_object *params) {
        uint64_t delay = h->manager->bad_password_delay_usec;

        if (is_bad_secret_error(error) && delay > 0 && !h->delay_event) {
                h->worker = worker_free(h->worker);
                h->delayed_error = strdup(error);
                if (h->delayed_error &&
                    sd_event_add_time_relative(h->manager->event, &h->delay_event, CLOCK_MONOTONIC, delay, 0,
                                               on_delay_over, h) >= 0) {
                        h->delayed_r = r;
                        h->delayed_params = params ? json_object_get(params) : NULL;
                        return;
                }
                /* Cannot wait: answer now rather than never. */
                free(h->delayed_error);
                h->delayed_error = NULL;
        }
        op_finish_now(h, r, error, params);
}

static void op_finish_now(Home *h, int r, const char *error, json_object *params) {
        HomeOp *op = TAKE_PTR(h->current);

        h->op_state = _HOME_STATE_INVALID;
        h->worker = worker_free(h->worker);
        if (op->call) {
                if (error)
                        (void) varlink_call_error(op->call, error, params);
                else if (op->type == OP_ACQUIRE && varlink_call_wants_more(op->call))
                        hold_start(h, TAKE_PTR(op->call), params);
                else
                        (void) varlink_call_reply(op->call, params);
                op->call = varlink_call_unref(op->call);
        }
        if (op->done)
                op->done(op, r, op->userdata);
        home_op_free(op);
        (void) userdb_provider_refresh(h->manager);

        if (h->unregistered) {
                /* The home is gone: whatever waited for it cannot run. */
                for (HomeOp *o = TAKE_PTR(h->queue_head), *n; o; o = n) {
                        n = o->next;
                        if (o->call) {
                                (void) varlink_call_error(o->call, "io.hearth.Home.NoSuchHome", NULL);
                                o->call = varlink_call_unref(o->call);
                        }
                        if (o->done)
                                o->done(o, -ESRCH, o->userdata);
                        home_op_free(o);
                }
                h->queue_tail = NULL;
                home_free(h);
                return;
        }
        home_dispatch(h);
}

_printf_(4, 5)
static void op_fail(Home *h, int r, const char *name, const char *fmt, ...) {
        _cleanup_json_ json_object *p = json_object_new_object();
        _cleanup_free_ char *msg = NULL, *full = NULL;
        va_list ap;

        va_start(ap, fmt);
        if (vasprintf(&msg, fmt, ap) < 0)
                msg = NULL;
        va_end(ap);
        if (asprintf(&full, "io.hearth.Home.%s", name) < 0)
                full = NULL;
        if (p) {
                json_object_object_add(p, "message", json_object_new_string(msg ?: name));
                json_object_object_add(p, "errno", json_object_new_int(r));
        }
        op_finish(h, r, full ?: "io.hearth.Home.SystemError", p);
}

static void op_ok(Home *h) {
        _cleanup_json_ json_object *p = json_object_new_object();
        h->op_state = _HOME_STATE_INVALID;
        if (p)
                json_object_object_add(p, "state", json_object_new_string(home_state_to_string(home_get_state(h))));
        op_finish(h, 0, NULL, p);
}

void home_enqueue(Home *h, HomeOp *op) {
        if (h->queue_tail)
                h->queue_tail->next = op;
        else
                h->queue_head = op;
        h->queue_tail = op;
        home_dispatch(h);
}

/* ---- secrets and authentication ---------------------------------- */

static bool secret_has_password(json_object *secret) {
        json_object *a;
        return secret && json_object_object_get_ex(secret, "password", &a) &&
               json_object_is_type(a, json_type_array) && json_object_array_length(a) > 0;
}

int home_ratelimit(Home *h) {
        uint64_t now = now_usec(), interval = user_record_ratelimit_interval_usec(h->record),
                 burst = user_record_ratelimit_burst(h->record);

        if (h->ratelimit_begin_usec == 0 || now < h->ratelimit_begin_usec ||
            now - h->ratelimit_begin_usec >= interval) {
                h->ratelimit_begin_usec = now;
                h->ratelimit_count = 0;
        }
        if (h->ratelimit_count >= burst)
                return -ETOOMANYREFS;
        h->ratelimit_count++;
        return 0;
}

void home_count_auth(Home *h, bool good) {
        if (good) {
                h->good_auth++;
                h->last_good_usec = now_usec();
        } else {
                h->bad_auth++;
                h->last_bad_usec = now_usec();
        }
}

/* Checks that an operation needing a secret has one and is within the
 * rate limit. Returns true when it may go on; else it has failed op. */
static bool need_secret(Home *h, HomeOp *op) {
        if (!secret_has_password(op->secret)) {
                op_fail(h, -ENOKEY, "PasswordNeeded", "password needed for home of %s", h->user_name);
                return false;
        }
        if (home_ratelimit(h) < 0) {
                op_fail(h, -ETOOMANYREFS, "AuthenticationLimitHit",
                        "too many authentication attempts for %s, try again later", h->user_name);
                return false;
        }
        return true;
}

static void on_worker(Worker *w, int r, json_object *reply, void *userdata);

static int run_worker(Home *h, const char *operation, json_object *record, json_object *secret,
                      json_object *extra) {
        _cleanup_json_ json_object *req = json_object_new_object();
        int r;

        if (!req)
                return -ENOMEM;
        json_object_object_add(req, "operation", json_object_new_string(operation));
        json_object_object_add(req, "record", json_object_get(record ?: user_record_json(h->record)));
        json_object_object_add(req, "markerDirectory", json_object_new_string(h->manager->marker_dir));
        if (secret)
                json_object_object_add(req, "secret", json_object_get(secret));
        if (extra) {
                json_object_object_foreach(extra, k, v)
                        json_object_object_add(req, k, json_object_get(v));
        }
        r = worker_start(h->manager, req, on_worker, h, &h->worker);
        /* The request shares the secret objects with the op: wiped with it. */
        return r;
}

static void take_status(Home *h, json_object *reply) {
        json_object *st = json_get_object(reply, "status"), *usage;
        HomeState s;

        if (!st)
                return;
        /* Only inspect and create count the disk usage (a tree walk);
         * other operations keep the last count. */
        if (h->status && !json_object_object_get_ex(st, "diskUsage", NULL) &&
            json_object_object_get_ex(h->status, "diskUsage", &usage))
                json_object_object_add(st, "diskUsage", json_object_get(usage));
        json_object_put(h->status);
        h->status = json_object_get(st);
        s = home_state_from_string(json_get_string(st, "state"));
        if (s >= 0 && s <= HOME_LOCKED)
                h->state = s;
}

/* The worker's error as our error reply. */
static void fail_from_worker(Home *h, json_object *reply, bool had_secret) {
        json_object *e = json_get_object(reply, "error");
        const char *name = json_get_string(e, "name") ?: "SystemError";
        const char *msg = json_get_string(e, "message") ?: "operation failed";
        json_object *en;
        int err = -EIO;

        if (e && json_object_object_get_ex(e, "errno", &en))
                err = json_object_get_int(en);
        if (streq(name, "BadPassword") && !had_secret)
                name = "PasswordNeeded";
        else if (streq(name, "InvalidRequest"))
                name = "BadRecord";
        op_fail(h, err, name, "%s", msg);
}

/* ---- the operations ----------------------------------------------- */

int home_save_record(Home *h, json_object *record) {
        _cleanup_(user_record_unrefp) UserRecord *ur = NULL;
        _cleanup_json_ json_object *signed_rec = NULL;
        RecordError err = {};
        int r;

        r = keys_check(h->manager, record);
        if (r == 0 || r == 1)
                signed_rec = json_object_get(record);
        else {
                r = keys_sign(h->manager, record, &signed_rec);
                if (r < 0)
                        return r;
        }
        r = user_record_load(signed_rec, &h->manager->load_options, &ur, &err);
        if (r < 0)
                return r;
        r = store_write(h->manager->state_dir, h->user_name, user_record_json(ur));
        if (r < 0)
                return r;
        user_record_unref(h->record);
        h->record = TAKE_PTR(ur);
        return 0;
}

static void after_activate(Home *h, json_object *reply) {
        json_object *rec = json_get_object(reply, "record");
        _cleanup_(user_record_unrefp) UserRecord *ur = NULL;

        /* ~/.identity won: take it over if it is one we trust and newer. */
        /* The signature is checked last: it is the costly part, and only a
         * newer record needs it. */
        if (rec && user_record_load(rec, &h->manager->load_options, &ur, NULL) >= 0 &&
            user_record_compare_last_change(ur, h->record) > 0 && keys_check(h->manager, rec) >= 0) {
                int r = home_save_record(h, rec);
                if (r < 0)
                        fprintf(stderr, "hearth-homed: %s: cannot store newer embedded record: %s\n",
                                h->user_name, strerror(-r));
        }
}

static void on_worker(Worker *w, int r, json_object *reply, void *userdata) {
        Home *h = userdata;
        HomeOp *op = h->current;
        bool ok = r >= 0 && reply && !json_get_object(reply, "error");
        bool had_secret = secret_has_password(op->secret);

        h->worker = worker_free(h->worker);
        if (r < 0) {
                /* Died without a reply: the state on disk is unknown now;
                 * learn it before anything else runs. */
                HomeOp *ins = op->type == OP_INSPECT ? NULL : home_op_new(OP_INSPECT, NULL);
                if (ins) {
                        ins->next = h->queue_head;
                        h->queue_head = ins;
                        if (!h->queue_tail)
                                h->queue_tail = ins;
                }
                if (op->type == OP_CREATE) {
                        (void) store_remove(h->manager->state_dir, h->user_name);
                        h->unregistered = true;
                        manager_remove_home(h->manager, h);
                }
                op_fail(h, -ECHILD, "WorkerFailed", "worker for home of %s died", h->user_name);
                return;
        }
        take_status(h, reply);

        switch (op->type) {
        case OP_INSPECT:
                if (h->state == HOME_DIRTY && op->size == 0) {
                        /* Interrupted activation: clean up, home becomes inactive. */
                        fprintf(stderr, "hearth-homed: %s: dirty home found, recovering\n", h->user_name);
                        op->size = 1;
                        h->op_state = HOME_DEACTIVATING;
                        if (run_worker(h, "deactivate", NULL, NULL, NULL) >= 0)
                                return;
                }
                if (op->size == 1 && ok)
                        fprintf(stderr, "hearth-homed: %s: recovered, now %s\n", h->user_name,
                                home_state_to_string(h->state));
                if (!ok)
                        return op_fail(h, -EIO, "SystemError", "inspecting home of %s failed", h->user_name);
                return op_ok(h);

        case OP_CREATE:
                if (!ok) {
                        (void) store_remove(h->manager->state_dir, h->user_name);
                        h->unregistered = true;
                        manager_remove_home(h->manager, h);
                        return fail_from_worker(h, reply, had_secret);
                }
                return op_ok(h);

        case OP_ACTIVATE:
        case OP_UNLOCK:
        case OP_ACQUIRE:
                if (!ok) {
                        json_object *e = json_get_object(reply, "error");
                        if (streq_ptr(json_get_string(e, "name"), "BadPassword"))
                                home_count_auth(h, false);
                        return fail_from_worker(h, reply, had_secret);
                }
                home_count_auth(h, true);
                if (op->type != OP_UNLOCK)
                        after_activate(h, reply);
                if (op->type == OP_ACQUIRE) {
                        if (h->refs == 0)
                                h->acquire_activated = true;
                        h->refs++;
                }
                return op_ok(h);

        case OP_PASSWD:
                if (!ok)
                        return fail_from_worker(h, reply, had_secret);
                r = home_save_record(h, op->record);
                if (r < 0)
                        return op_fail(h, r, r == -ENOSPC ? "NoDiskSpace" : "SystemError",
                                       "keys changed but the record of %s could not be stored: %s",
                                       h->user_name, strerror(-r));
                return op_ok(h);

        case OP_REMOVE:
                if (!ok)
                        return fail_from_worker(h, reply, had_secret);
                r = store_remove(h->manager->state_dir, h->user_name);
                if (r < 0)
                        return op_fail(h, r, "SystemError", "removing record of %s: %s", h->user_name, strerror(-r));
                h->state = HOME_ABSENT;
                h->unregistered = true;
                manager_remove_home(h->manager, h);
                return op_finish(h, 0, NULL, NULL);

        case OP_DEACTIVATE:
        case OP_RELEASE:
                if (ok) {
                        h->refs = 0;
                        h->acquire_activated = false;
                        /* Held Acquire calls learn that the home went away. */
                        while (h->holds)
                                hold_end(h->holds, NULL);
                }
                __attribute__((fallthrough));
        default:
                if (!ok)
                        return fail_from_worker(h, reply, had_secret);
                return op_ok(h);
        }
}

static bool is_up(Home *h) {
        return h->state == HOME_ACTIVE || h->state == HOME_LOCKED;
}

static void start_op(Home *h, HomeOp *op) {
        _cleanup_json_ json_object *extra = NULL;
        int r = 0;

        switch (op->type) {
        case OP_INSPECT:
                h->op_state = HOME_INSPECTING;
                r = run_worker(h, "inspect", NULL, NULL, NULL);
                break;

        case OP_CREATE:
                h->op_state = HOME_CREATING;
                r = home_save_record(h, op->record);
                if (r < 0) {
                        h->unregistered = true;
                        manager_remove_home(h->manager, h);
                        return op_fail(h, r, r == -ENOSPC ? "NoDiskSpace" : "SystemError",
                                       "storing record of %s: %s", h->user_name, strerror(-r));
                }
                r = run_worker(h, "create", NULL, op->secret, NULL);
                break;

        case OP_ACQUIRE:
                if (h->state == HOME_ACTIVE) {
                        if (h->refs == 0)
                                h->acquire_activated = false;
                        h->refs++;
                        return op_ok(h);
                }
                __attribute__((fallthrough));
        case OP_ACTIVATE:
                if (h->state == HOME_ACTIVE)
                        return op_fail(h, -EALREADY, "HomeAlreadyActive", "home of %s is already active", h->user_name);
                if (h->state == HOME_LOCKED && op->type == OP_ACTIVATE)
                        return op_fail(h, -EALREADY, "HomeLocked", "home of %s is locked", h->user_name);
                if (h->state == HOME_ABSENT)
                        return op_fail(h, -ENOENT, "HomeAbsent", "storage of %s is absent", h->user_name);
                if (!need_secret(h, op))
                        return;
                h->op_state = h->state == HOME_LOCKED ? HOME_UNLOCKING : HOME_ACTIVATING;
                r = run_worker(h, h->state == HOME_LOCKED ? "unlock" : "activate", NULL, op->secret, NULL);
                break;

        case OP_UNLOCK:
                if (h->state != HOME_LOCKED)
                        return op_fail(h, -EALREADY, "HomeNotLocked", "home of %s is not locked", h->user_name);
                if (!need_secret(h, op))
                        return;
                h->op_state = HOME_UNLOCKING;
                r = run_worker(h, "unlock", NULL, op->secret, NULL);
                break;

        case OP_RELEASE:
                /* References held by open Acquire calls go with their
                 * connections, not by Release. */
                if (h->refs <= h->n_holds)
                        return op_fail(h, -ESRCH, "HomeNotReferenced", "home of %s is not referenced", h->user_name);
                if (--h->refs > 0 || !h->acquire_activated || !is_up(h))
                        return op_ok(h);
                __attribute__((fallthrough));
        case OP_DEACTIVATE:
                if (op->auto_release && (h->refs > 0 || !h->acquire_activated || !is_up(h)))
                        return op_ok(h);
                if (!is_up(h) && h->state != HOME_DIRTY)
                        return op_fail(h, -ENOEXEC, "HomeNotActive", "home of %s is not active", h->user_name);
                h->op_state = HOME_DEACTIVATING;
                r = run_worker(h, op->force ? "deactivate-force" : "deactivate", NULL, NULL, NULL);
                break;

        case OP_LOCK:
                if (h->state == HOME_LOCKED)
                        return op_fail(h, -EALREADY, "HomeLocked", "home of %s is already locked", h->user_name);
                if (h->state != HOME_ACTIVE)
                        return op_fail(h, -ENOEXEC, "HomeNotActive", "home of %s is not active", h->user_name);
                h->op_state = HOME_LOCKING;
                r = run_worker(h, "lock", NULL, NULL, NULL);
                break;

        case OP_AUTHENTICATE: {
                if (!need_secret(h, op))
                        return;
                h->op_state = HOME_AUTHENTICATING;
                json_object *priv = json_get_object(user_record_json(h->record), "privileged"), *hp = NULL, *pw = NULL;
                if (priv)
                        json_object_object_get_ex(priv, "hashedPassword", &hp);
                json_object_object_get_ex(op->secret, "password", &pw);
                _cleanup_strv_free_erase_ char **l = NULL;
                r = record_json_strv(pw, "password", true, false, &l, NULL);
                if (r >= 0)
                        r = password_hash_test_json(hp, l);
                if (r == -ENODATA)
                        return op_fail(h, -EKEYREVOKED, "HomeCantAuthenticate", "record of %s has no password", h->user_name);
                if (r < 0)
                        return op_fail(h, r, "SystemError", "authentication failed: %s", strerror(-r));
                home_count_auth(h, r > 0);
                if (r == 0)
                        return op_fail(h, -ENOKEY, "BadPassword", "bad password for %s", h->user_name);
                return op_ok(h);
        }

        case OP_UPDATE: {
                _cleanup_(user_record_unrefp) UserRecord *incoming = NULL;
                RecordError err = {};

                if (h->read_only)
                        return op_fail(h, -EPERM, "RecordSigned",
                                       "record of %s is signed by another key and cannot be changed here", h->user_name);
                h->op_state = HOME_UPDATING;
                r = user_record_load(op->record, &h->manager->load_options, &incoming, &err);
                if (r >= 0)
                        r = user_record_check_update(h->record, incoming);
                if (r == -ESTALE)
                        return op_fail(h, r, "RecordDowngrade", "update of %s is older than the current record", h->user_name);
                if (r == -EREMCHG)
                        return op_fail(h, r, "RecordMismatch", "update is for another user than %s", h->user_name);
                if (r < 0)
                        return op_fail(h, r, "BadRecord", "%s", err.message[0] ? err.message : strerror(-r));
                if (incoming->uid != h->uid)
                        return op_fail(h, -EINVAL, "BadRecord", "field 'uid': cannot change the uid of an existing home");
                r = home_save_record(h, op->record);
                if (r < 0)
                        return op_fail(h, r, r == -ENOSPC ? "NoDiskSpace" : "SystemError",
                                       "storing record of %s: %s", h->user_name, strerror(-r));
                if (h->state != HOME_ACTIVE)
                        return op_ok(h);        /* ~/.identity follows at the next activation */
                /* An active home gets the record in ~/.identity (and owner
                 * and accessMode) now, from the worker. */
                r = run_worker(h, "update", NULL, NULL, NULL);
                break;
        }

        case OP_PASSWD:
                if (h->read_only)
                        return op_fail(h, -EPERM, "RecordSigned", "record of %s is signed by another key", h->user_name);
                if (home_ratelimit(h) < 0)
                        return op_fail(h, -ETOOMANYREFS, "AuthenticationLimitHit", "too many attempts for %s", h->user_name);
                if (!op->record) {
                        r = api_build_passwd_record(h, op->new_secret, &op->record);
                        if (r == -ENODATA)
                                return op_fail(h, -EINVAL, "BadRecord", "the new secret holds no password");
                        if (r < 0)
                                return op_fail(h, r, "SystemError", "hashing the new password: %s", strerror(-r));
                }
                h->op_state = HOME_PASSWD;
                extra = json_object_new_object();
                if (!extra)
                        return op_fail(h, -ENOMEM, "SystemError", "out of memory");
                if (op->secret)
                        json_object_object_add(extra, "oldSecret", json_object_get(op->secret));
                json_object_object_add(extra, "oldRecord", json_object_get(user_record_json(h->record)));
                r = run_worker(h, "passwd", op->record, op->new_secret, extra);
                if (op->secret)
                        json_object_object_del(extra, "oldSecret");
                break;

        case OP_RESIZE:
                h->op_state = HOME_RESIZING;
                extra = json_object_new_object();
                if (!extra)
                        return op_fail(h, -ENOMEM, "SystemError", "out of memory");
                json_object_object_add(extra, "size", json_object_new_uint64(op->size));
                r = run_worker(h, "resize", NULL, op->secret, extra);
                break;

        case OP_REMOVE:
                if (is_up(h))
                        return op_fail(h, -EBUSY, "HomeBusy", "home of %s is active, deactivate it first", h->user_name);
                h->op_state = HOME_REMOVING;
                r = run_worker(h, "remove", NULL, NULL, NULL);
                break;

        default:
                r = -EINVAL;
        }

        if (r < 0)
                op_fail(h, r, "SystemError", "starting worker for %s: %s", h->user_name, strerror(-r));
}

static void home_dispatch(Home *h) {
        HomeOp *op;

        if (h->current || !h->queue_head)
                return;
        op = h->queue_head;
        h->queue_head = op->next;
        if (!h->queue_head)
                h->queue_tail = NULL;
        op->next = NULL;
        h->current = op;
        start_op(h, op);
}

/* ---- records as served -------------------------------------------- */

static void add_u64(json_object *o, const char *k, uint64_t v) {
        if (v != UINT64_MAX)
                json_object_object_add(o, k, json_object_new_uint64(v));
}

static uint64_t status_u64(Home *h, const char *k) {
        json_object *v;
        if (!h->status || !json_object_object_get_ex(h->status, k, &v) || !json_object_is_type(v, json_type_int))
                return UINT64_MAX;
        return json_object_get_uint64(v);
}

int home_build_served(Home *h, bool with_privileged, json_object **ret) {
        json_object *v = NULL, *status, *mine;

        if (json_object_deep_copy(user_record_json(h->record), &v, NULL) < 0)
                return -ENOMEM;
        if (!with_privileged)
                json_object_object_del(v, "privileged");
        status = json_object_new_object();
        mine = json_object_new_object();
        if (!status || !mine) {
                json_object_put(status);
                json_object_put(mine);
                json_object_put(v);
                return -ENOMEM;
        }
        json_object_object_add(status, h->manager->machine_id, mine);
        json_object_object_add(v, "status", status);
        json_object_object_add(mine, "state", json_object_new_string(home_state_to_string(home_get_state(h))));
        json_object_object_add(mine, "service", json_object_new_string(HOMED_SERVICE));
        json_object_object_add(mine, "signedLocally", json_object_new_boolean(!h->read_only));
        add_u64(mine, "diskUsage", status_u64(h, "diskUsage"));
        add_u64(mine, "diskSize", status_u64(h, "diskSize"));
        add_u64(mine, "diskFree", status_u64(h, "diskFree"));
        add_u64(mine, "goodAuthenticationCounter", h->good_auth);
        add_u64(mine, "badAuthenticationCounter", h->bad_auth);
        if (h->last_good_usec)
                add_u64(mine, "lastGoodAuthenticationUSec", h->last_good_usec);
        if (h->last_bad_usec)
                add_u64(mine, "lastBadAuthenticationUSec", h->last_bad_usec);
        if (h->ratelimit_begin_usec) {
                add_u64(mine, "rateLimitBeginUSec", h->ratelimit_begin_usec);
                add_u64(mine, "rateLimitCount", h->ratelimit_count);
        }
        *ret = v;
        return 0;
}

int home_build_group(Home *h, json_object **ret) {
        json_object *g = json_object_new_object(), *binding, *mine;
        _cleanup_free_ char *desc = NULL;

        if (!g || asprintf(&desc, "Primary Group of User %s", h->user_name) < 0) {
                json_object_put(g);
                return -ENOMEM;
        }
        json_object_object_add(g, "groupName", json_object_new_string(h->user_name));
        if (h->record->realm)
                json_object_object_add(g, "realm", json_object_new_string(h->record->realm));
        json_object_object_add(g, "description", json_object_new_string(desc));
        if (h->record->disposition >= 0)
                json_object_object_add(g, "disposition",
                                       json_object_new_string(user_disposition_to_string(h->record->disposition)));
        binding = json_object_new_object();
        mine = json_object_new_object();
        json_object_object_add(g, "binding", binding);
        json_object_object_add(binding, h->manager->machine_id, mine);
        json_object_object_add(mine, "gid", json_object_new_int64(user_record_gid(h->record)));
        *ret = g;
        return 0;
}
