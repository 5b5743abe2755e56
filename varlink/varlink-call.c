/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <errno.h>
#include <string.h>

#include "macro.h"
#include "varlink-internal.h"

VarlinkCall *varlink_call_ref(VarlinkCall *call) {
        if (call)
                call->n_ref++;
        return call;
}

VarlinkCall *varlink_call_unref(VarlinkCall *call) {
        if (!call || --call->n_ref > 0)
                return NULL;
        json_object_put(call->message);
        free(call);
        return NULL;
}

const char *varlink_call_method(VarlinkCall *call) {
        return call ? call->method : NULL;
}

bool varlink_call_wants_more(VarlinkCall *call) {
        return call && call->more;
}

bool varlink_call_is_oneway(VarlinkCall *call) {
        return call && call->oneway;
}

const char *varlink_call_listen_name(VarlinkCall *call) {
        return call && call->connection ? call->connection->listen_name : "";
}

VarlinkServer *varlink_call_server(VarlinkCall *call) {
        return call ? call->server : NULL;
}

static int peer(VarlinkCall *call, const struct ucred **ret) {
        if (!call || !call->connection)
                return -ENOTCONN;
        if (!call->connection->have_ucred)
                return -ENODATA;
        *ret = &call->connection->ucred;
        return 0;
}

int varlink_call_peer_uid(VarlinkCall *call, uid_t *ret) {
        const struct ucred *u;
        int r = peer(call, &u);
        if (r >= 0 && ret)
                *ret = u->uid;
        return r;
}

int varlink_call_peer_gid(VarlinkCall *call, gid_t *ret) {
        const struct ucred *u;
        int r = peer(call, &u);
        if (r >= 0 && ret)
                *ret = u->gid;
        return r;
}

int varlink_call_peer_pid(VarlinkCall *call, pid_t *ret) {
        const struct ucred *u;
        int r = peer(call, &u);
        if (r >= 0 && ret)
                *ret = u->pid;
        return r;
}

void varlink_call_set_cancel_callback(VarlinkCall *call, varlink_cancel_t cb, void *userdata) {
        if (!call)
                return;
        call->cancel = cb;
        call->cancel_userdata = userdata;
}

/* Exactly one of `parameters` / `raw` is used: raw text when raw != NULL. */
static int send_reply(VarlinkCall *call, const char *error, json_object *parameters,
                      const char *raw, size_t raw_len, bool continues) {
        VarlinkConnection *c;
        int r = 0;

        if (!call)
                return -EINVAL;
        if (parameters && !json_object_is_type(parameters, json_type_object))
                return -EINVAL;
        if (error && !varlink_idl_qualified_name_is_valid(error))
                return -EINVAL;
        if (call->finished)
                return -EALREADY;
        if (continues && !call->more)
                return -EPROTO;

        c = call->connection;
        if (!continues) {
                call->finished = true;
                call->drain = NULL;
        }
        if (!c || c->dead)
                return -ENOTCONN;

        if (!call->oneway) {
                if (error)
                        r = varlink_message_append_error(&c->out, error, parameters);
                else if (raw)
                        r = varlink_message_append_reply_raw(&c->out, raw, raw_len, continues);
                else
                        r = varlink_message_append_reply(&c->out, parameters, continues);
                if (r < 0) {
                        varlink_connection_drop(c);
                        return r;
                }
        }

        if (!continues) {
                /* The connection lets go of the call; the caller still
                 * holds its own reference (handler frame or ref). */
                c->current = NULL;
                call->connection = NULL;
                varlink_call_unref(call);
        }
        varlink_connection_after_reply(c, !continues);
        return 0;
}

int varlink_call_reply(VarlinkCall *call, json_object *parameters) {
        return send_reply(call, NULL, parameters, NULL, 0, false);
}

int varlink_call_notify(VarlinkCall *call, json_object *parameters) {
        return send_reply(call, NULL, parameters, NULL, 0, true);
}

/* Cheap shape check only (the text is trusted to be JSON): an object, and
 * no NUL that would cut the frame short. */
static bool raw_is_object(const char *p, size_t n) {
        return p && n >= 2 && p[0] == '{' && p[n - 1] == '}' && !memchr(p, 0, n);
}

int varlink_call_reply_raw(VarlinkCall *call, const char *parameters, size_t len) {
        if (!raw_is_object(parameters, len))
                return -EINVAL;
        return send_reply(call, NULL, NULL, parameters, len, false);
}

int varlink_call_notify_raw(VarlinkCall *call, const char *parameters, size_t len) {
        if (!raw_is_object(parameters, len))
                return -EINVAL;
        return send_reply(call, NULL, NULL, parameters, len, true);
}

int varlink_call_error(VarlinkCall *call, const char *error, json_object *parameters) {
        if (!error)
                return -EINVAL;
        return send_reply(call, error, parameters, NULL, 0, false);
}

bool varlink_call_output_congested(VarlinkCall *call) {
        VarlinkConnection *c = call ? call->connection : NULL;

        return c && !c->dead && !call->oneway && varlink_connection_congested(c);
}

void varlink_call_set_drain_callback(VarlinkCall *call, varlink_drain_t cb, void *userdata) {
        if (!call || call->finished)
                return;
        call->drain = cb;
        call->drain_userdata = userdata;
        if (call->connection)
                varlink_connection_after_drain_set(call->connection);
}
