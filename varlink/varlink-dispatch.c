/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <errno.h>
#include <string.h>

#include "macro.h"
#include "varlink-internal.h"

/* An optional boolean of the envelope: null counts as false. */
static int envelope_bool(json_object *v, bool *ret) {
        if (v && !json_object_is_type(v, json_type_boolean))
                return -EBADMSG;
        *ret = json_object_get_boolean(v);
        return 0;
}

/* Reads the envelope of a call. Like sd-varlink, any key besides these
 * (or a wrong type, or more together with oneway) is a protocol
 * violation and costs the connection. */
static int parse_envelope(VarlinkCall *call) {
        bool have_method = false;

        /* Keys are told apart by their first byte, then compared in full. */
        json_object_object_foreach(call->message, key, v) {
                switch (key[0]) {
                case 'm':
                        if (streq(key, "method")) {
                                if (!json_object_is_type(v, json_type_string))
                                        return -EBADMSG;
                                call->method = json_object_get_string(v);
                                call->method_len = (size_t) json_object_get_string_len(v);
                                have_method = true;
                                continue;
                        }
                        if (streq(key, "more")) {
                                if (envelope_bool(v, &call->more) < 0)
                                        return -EBADMSG;
                                continue;
                        }
                        break;
                case 'p':
                        if (streq(key, "parameters")) {
                                if (v && !json_object_is_type(v, json_type_object))
                                        return -EBADMSG;
                                call->parameters = v;
                                continue;
                        }
                        break;
                case 'o':
                        if (streq(key, "oneway")) {
                                if (envelope_bool(v, &call->oneway) < 0)
                                        return -EBADMSG;
                                continue;
                        }
                        break;
                case 'u':
                        if (streq(key, "upgrade")) {
                                bool upgrade;

                                /* Protocol upgrades are not offered by any Hearth method. */
                                if (envelope_bool(v, &upgrade) < 0 || upgrade)
                                        return -EBADMSG;
                                continue;
                        }
                        break;
                }
                return -EBADMSG;
        }

        if (!have_method || (call->more && call->oneway))
                return -EBADMSG;
        return 0;
}

/* Finds the method a call names; false when it is unknown. */
static bool resolve(VarlinkServer *s, VarlinkCall *call, const VarlinkSymbol **ret_sym,
                    varlink_method_t *ret_cb, unsigned *ret_flags) {
        const VarlinkRegistered *reg;
        const VarlinkSymbol *sym;
        const char *dot;
        varlink_method_t cb = NULL;
        unsigned flags = 0;

        if (s->last_method.name && s->last_method.len == call->method_len &&
            memcmp(s->last_method.name, call->method, call->method_len) == 0) {
                *ret_sym = s->last_method.symbol;
                *ret_cb = s->last_method.callback;
                *ret_flags = s->last_method.flags;
                return true;
        }

        /* A name that finds a registered interface and one of its declared
         * methods is valid by construction; anything else, valid or not,
         * gets MethodNotFound, so no separate syntax check is needed. */
        dot = strrchr(call->method, '.');
        if (!dot ||
            !(reg = varlink_server_find_interface(s, call->method, dot - call->method)) ||
            !(sym = varlink_interface_find(reg->interface, VARLINK_SYMBOL_METHOD, dot + 1)))
                return false;

        for (size_t i = 0; i < reg->n_methods; i++)
                if (streq(reg->methods[i].name, dot + 1)) {
                        cb = reg->methods[i].callback;
                        flags = reg->methods[i].flags;
                        break;
                }

        /* Not remembering (out of memory) only costs the next lookup. */
        char *name = strndup(call->method, call->method_len);
        if (name) {
                varlink_server_forget_method(s);
                s->last_method.name = name;
                s->last_method.len = strlen(name); /* shorter if the name holds a NUL: never matches then */
                s->last_method.symbol = sym;
                s->last_method.callback = cb;
                s->last_method.flags = flags;
        }
        *ret_sym = sym;
        *ret_cb = cb;
        *ret_flags = flags;
        return true;
}

static int invoke(VarlinkCall *call) {
        VarlinkServer *s = call->server;
        const VarlinkSymbol *sym;
        const char *bad = NULL;
        varlink_method_t cb;
        unsigned flags;
        int r;

        if (!resolve(s, call, &sym, &cb, &flags))
                return varlink_call_error_method_not_found(call, call->method);

        if ((flags & VARLINK_METHOD_REQUIRES_MORE) && !call->more)
                return varlink_call_error_expected_more(call);

        r = varlink_idl_validate(sym->type, call->parameters, &bad);
        if (r < 0)
                return varlink_call_error_invalid_parameter(call, bad ?: "parameters");

        if (!cb) {
                json_object *p = json_object_new_object();
                if (!p)
                        return -ENOMEM;
                json_object_object_add(p, "method", json_object_new_string(call->method));
                r = varlink_call_error(call, VARLINK_ERROR_METHOD_NOT_IMPLEMENTED, p);
                json_object_put(p);
                return r;
        }

        r = cb(call, call->parameters, s->userdata);
        if (r < 0 && !call->finished)
                return varlink_call_error_errno(call, r);
        return 0;
}

int varlink_connection_dispatch(VarlinkConnection *c, json_object *message) {
        VarlinkCall *call;
        int r;

        /* malloc, not calloc: glibc serves it from the per-thread cache. */
        call = malloc(sizeof *call);
        if (!call)
                return -ENOMEM;
        *call = (VarlinkCall) {
                .n_ref = 1,
                .server = c->server,
                .message = json_object_get(message),
        };

        r = parse_envelope(call);
        if (r < 0) {
                varlink_call_unref(call);
                return r;
        }
        if (!call->parameters) {
                /* Absent or null: the handler always sees an object. */
                call->parameters = json_object_new_object();
                if (!call->parameters) {
                        varlink_call_unref(call);
                        return -ENOMEM;
                }
                json_object_object_add(call->message, "parameters", call->parameters);
        }

        call->connection = c;
        c->current = varlink_call_ref(call); /* the connection's reference until the final reply */

        r = invoke(call);
        /* Reply failures that already dropped the connection are not ours
         * to report again; anything else is fatal for the stream. */
        if (r < 0 && r != -ENOTCONN && !c->dead)
                r = -EIO;
        else
                r = 0;
        varlink_call_unref(call);
        return r;
}
