/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <sys/stat.h>
#include <time.h>

#include "homed-manager.h"
#include "macro.h"

uint64_t now_usec(void) {
        struct timespec ts;
        (void) clock_gettime(CLOCK_REALTIME, &ts);
        return (uint64_t) ts.tv_sec * 1000000ULL + (uint64_t) ts.tv_nsec / 1000ULL;
}

/* json-c keeps string bytes in its own buffers; secrets are overwritten
 * there before a tree holding them is released. */
void json_wipe(json_object *v) {
        if (!v)
                return;
        switch (json_object_get_type(v)) {
        case json_type_string:
                explicit_bzero((char *) json_object_get_string(v), (size_t) json_object_get_string_len(v));
                break;
        case json_type_array:
                for (size_t i = 0; i < json_object_array_length(v); i++)
                        json_wipe(json_object_array_get_idx(v, i));
                break;
        case json_type_object: {
                json_object_object_foreach(v, k, val) {
                        (void) k;
                        json_wipe(val);
                }
                break;
        }
        default:
                break;
        }
}

void json_put_erase(json_object *v) {
        if (!v)
                return;
        /* Only the last reference may wipe: others still use the strings. */
        json_wipe(v);
        json_object_put(v);
}

json_object *json_get_obj(json_object *o, const char *key) {
        json_object *f;
        return o && json_object_object_get_ex(o, key, &f) && json_object_is_type(f, json_type_object) ? f : NULL;
}

const char *json_get_str(json_object *o, const char *key) {
        json_object *f;
        return o && json_object_object_get_ex(o, key, &f) && json_object_is_type(f, json_type_string)
                ? json_object_get_string(f) : NULL;
}
