/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "json-util.h"

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

json_object *json_put_erase(json_object *v) {
        if (!v)
                return NULL;

        json_wipe(v);
        (void) json_object_put(v);
        return NULL;
}

static json_object *get_typed(json_object *o, const char *key, json_type type) {
        json_object *f;

        if (!o || !json_object_object_get_ex(o, key, &f) || !json_object_is_type(f, type))
                return NULL;
        return f;
}

json_object *json_get_object(json_object *o, const char *key) {
        return get_typed(o, key, json_type_object);
}

json_object *json_get_array(json_object *o, const char *key) {
        return get_typed(o, key, json_type_array);
}

const char *json_get_string(json_object *o, const char *key) {
        json_object *f = get_typed(o, key, json_type_string);
        return f ? json_object_get_string(f) : NULL;
}
