/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* json-c helpers every layer needs: a cleanup attribute, and wiping of
 * trees that carry secrets (json-c keeps string bytes in its own buffers,
 * so they must be overwritten before the tree is released). */

#include <json-c/json.h>

#include "macro.h"

static inline void json_putp(json_object **p) {
        if (*p)
                (void) json_object_put(*p);
        *p = NULL;
}
#define _cleanup_json_ _cleanup_(json_putp)

/* Overwrites every string in v (recursively) with zeros. */
void json_wipe(json_object *v);

/* Wipes the strings of v, then drops a reference. json-c does not expose
 * reference counts, so this is only for trees the caller owns exclusively
 * (a parsed request, a secret section it built). Accepts NULL; returns NULL. */
json_object *json_put_erase(json_object *v);

static inline void json_put_erasep(json_object **p) {
        *p = json_put_erase(*p);
}
#define _cleanup_json_erase_ _cleanup_(json_put_erasep)

/* Member lookups that check the type; NULL when absent or of another type. */
json_object *json_get_object(json_object *o, const char *key);
json_object *json_get_array(json_object *o, const char *key);
const char *json_get_string(json_object *o, const char *key);
