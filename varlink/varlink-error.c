/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <errno.h>
#include <stdlib.h>

#include "macro.h"
#include "varlink.h"

/* Error replies whose parameters are a single field. */
static int error_with(VarlinkCall *call, const char *error, const char *key, json_object *value) {
        json_object *p;
        int r;

        if (!value)
                return -ENOMEM;
        p = json_object_new_object();
        if (!p) {
                json_object_put(value);
                return -ENOMEM;
        }
        json_object_object_add(p, key, value);
        r = varlink_call_error(call, error, p);
        json_object_put(p);
        return r;
}

static int error_with_string(VarlinkCall *call, const char *error, const char *key, const char *value) {
        if (!value)
                return -EINVAL;
        return error_with(call, error, key, json_object_new_string(value));
}

int varlink_call_error_invalid_parameter(VarlinkCall *call, const char *parameter) {
        return error_with_string(call, VARLINK_ERROR_INVALID_PARAMETER, "parameter", parameter);
}

int varlink_call_error_interface_not_found(VarlinkCall *call, const char *interface) {
        return error_with_string(call, VARLINK_ERROR_INTERFACE_NOT_FOUND, "interface", interface);
}

int varlink_call_error_method_not_found(VarlinkCall *call, const char *method) {
        return error_with_string(call, VARLINK_ERROR_METHOD_NOT_FOUND, "method", method);
}

int varlink_call_error_expected_more(VarlinkCall *call) {
        return varlink_call_error(call, VARLINK_ERROR_EXPECTED_MORE, NULL);
}

int varlink_call_error_permission_denied(VarlinkCall *call) {
        return varlink_call_error(call, VARLINK_ERROR_PERMISSION_DENIED, NULL);
}

int varlink_call_error_errno(VarlinkCall *call, int err) {
        return error_with(call, VARLINK_ERROR_SYSTEM, "errno", json_object_new_int(abs(err)));
}
