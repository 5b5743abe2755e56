/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Small helpers the userdb files share. */

#include <json-c/json.h>

static inline void userdb_json_putp(json_object **p) {
        if (*p)
                (void) json_object_put(*p);
        *p = NULL;
}
#define _cleanup_json_ __attribute__((cleanup(userdb_json_putp)))
