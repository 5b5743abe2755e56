/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "askpw-idl.h"
#include "askpw-util.h"
#include "askpw.h"
#include "varlink.h"

/* json-c keeps string copies in its objects; scrub them before release
 * since they hold passwords. */
static void scrub_and_put(json_object *o) {
        json_object *arr;

        if (o && json_object_object_get_ex(o, "passwords", &arr) && json_object_is_type(arr, json_type_array))
                for (size_t i = 0; i < json_object_array_length(arr); i++) {
                        char *s = (char *) json_object_get_string(json_object_array_get_idx(arr, i));
                        if (s)
                                explicit_bzero(s, strlen(s));
                }
        json_object_put(o);
}

static int build_params(const AskpwRequest *req, AskpwFlags flags, json_object **ret) {
        json_object *p = json_object_new_object();

        if (!p)
                return -ENOMEM;
#define ADD(key, val)                                                   \
        do {                                                            \
                json_object *_v = (val);                                \
                if (!_v || json_object_object_add(p, key, _v) < 0) {    \
                        json_object_put(_v);                            \
                        json_object_put(p);                             \
                        return -ENOMEM;                                 \
                }                                                       \
        } while (0)
        if (req->message)
                ADD("message", json_object_new_string(req->message));
        if (req->keyname)
                ADD("keyname", json_object_new_string(req->keyname));
        if (req->icon)
                ADD("icon", json_object_new_string(req->icon));
        if (req->id)
                ADD("id", json_object_new_string(req->id));
        /* Our deadline is absolute; "no relative timeout" must be said
         * explicitly since the service defaults to 90 s, and 0 means
         * "cache only". */
        ADD("timeoutUSec", json_object_new_uint64(flags & ASKPW_NO_AGENT ? 0 : UINT64_MAX));
        if (req->until > 0 && req->until != UINT64_MAX)
                ADD("untilUSec", json_object_new_uint64(req->until));
        ADD("acceptCached", json_object_new_boolean(!!(flags & ASKPW_ACCEPT_CACHED)));
        ADD("pushCache", json_object_new_boolean(!!(flags & ASKPW_PUSH_CACHE)));
        ADD("echo", json_object_new_string(askpw_echo_to_string(req->echo)));
#undef ADD
        *ret = p;
        return 0;
}

static int errno_of(json_object *reply) {
        json_object *v;

        if (reply && json_object_object_get_ex(reply, "errno", &v) && json_object_is_type(v, json_type_int)) {
                int e = json_object_get_int(v);
                if (e > 0)
                        return -e;
        }
        return -EIO;
}

static int via_varlink(VarlinkClient *c, const AskpwRequest *req, AskpwFlags flags, char ***ret) {
        _cleanup_strv_free_erase_ char **l = NULL;
        json_object *params = NULL, *reply = NULL, *arr;
        const char *error = NULL;
        int r;

        r = build_params(req, flags, &params);
        if (r < 0)
                return r;

        /* The service enforces the deadline; we only guard against it
         * vanishing, so wait a little longer than it will. */
        if (req->until > 0 && req->until != UINT64_MAX) {
                uint64_t now = askpw_now_usec();
                varlink_client_set_timeout(c, (req->until > now ? req->until - now : 0) + 5 * USEC_PER_SEC);
        } else
                varlink_client_set_timeout(c, UINT64_MAX - 1);

        r = varlink_call_sync(c, ASKPW_VARLINK_INTERFACE ".Ask", params, &reply, &error);
        json_object_put(params);
        if (r < 0)
                return r;

        if (error) {
                if (streq(error, ASKPW_VARLINK_ERROR_NO_PASSWORD))
                        r = -EUNATCH;
                else if (streq(error, ASKPW_VARLINK_ERROR_TIMEOUT))
                        r = -ETIME;
                else if (streq(error, VARLINK_ERROR_PERMISSION_DENIED))
                        r = -EPERM;
                else if (streq(error, VARLINK_ERROR_SYSTEM))
                        r = errno_of(reply);
                else
                        r = -EPROTO;
                json_object_put(reply);
                return r;
        }

        if (!reply || !json_object_object_get_ex(reply, "passwords", &arr) ||
            !json_object_is_type(arr, json_type_array) || json_object_array_length(arr) == 0) {
                scrub_and_put(reply);
                return -EPROTO;
        }
        for (size_t i = 0; i < json_object_array_length(arr); i++) {
                json_object *v = json_object_array_get_idx(arr, i);
                if (!json_object_is_type(v, json_type_string)) {
                        scrub_and_put(reply);
                        return -EPROTO;
                }
                r = askpw_strv_append(&l, json_object_get_string(v));
                if (r < 0) {
                        scrub_and_put(reply);
                        return r;
                }
        }
        scrub_and_put(reply);
        *ret = TAKE_PTR(l);
        return 0;
}

int askpw_secret_get(const AskpwRequest *req, AskpwFlags flags, char ***ret) {
        _cleanup_(varlink_client_freep) VarlinkClient *c = NULL;
        _cleanup_free_ char *path = NULL;
        int r;

        r = askpw_varlink_socket_path(flags & ASKPW_USER, &path);
        if (r == -ENOMEM)
                return r;
        if (r >= 0 && varlink_client_connect(&c, path) >= 0)
                return via_varlink(c, req, flags, ret);

        /* No service (not installed, not running, no runtime dir): do the
         * file protocol ourselves. */
        return askpw_query(req, flags, ret);
}
