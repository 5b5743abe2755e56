/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "macro.h"
#include "varlink-idl.h"

/* Semantics follow sd-varlink's validator so clients see the same errors:
 * null counts as missing, fields not declared are refused (clients rely
 * on InvalidParameter to detect an older server and retry without new
 * fields), `object` accepts any object unchecked, and `int` also accepts
 * a string (sd-varlink allows >53-bit integers passed as strings) - here
 * only if it holds a decimal integer, so handlers can convert it. */

static bool string_is_integer(const char *s) {
        char *end;

        if (!s || !*s)
                return false;
        errno = 0;
        if (*s == '-')
                (void) strtoll(s, &end, 10);
        else
                (void) strtoull(s, &end, 10);
        return errno == 0 && *end == 0 && end != s && !strchr(" \t\n+", *s);
}

static int validate_value(const VarlinkType *t, json_object *v);

#define FAST_FIELDS_MAX 32U

static int validate_struct(const VarlinkType *t, json_object *v, const char **ret_bad_field) {
        size_t present = 0;
        int r;

        if (!json_object_is_type(v, json_type_object))
                return -EMEDIUMTYPE;

        /* Calls carry few keys and methods declare few fields: one pass
         * over the keys (matched by name against the fields) is cheaper
         * than a hash probe per declared field. Errors are reported in the
         * same order either way: declared fields first, in IDL order, then
         * the first key that is not declared. */
        if (t->n_fields <= FAST_FIELDS_MAX) {
                json_object *vals[FAST_FIELDS_MAX] = {};
                const char *stranger = NULL;

                json_object_object_foreach(v, key, val) {
                        size_t i = 0;
                        /* The first byte settles most mismatches without a call. */
                        while (i < t->n_fields &&
                               (t->fields[i].name[0] != key[0] || !streq(t->fields[i].name, key)))
                                i++;
                        if (i < t->n_fields)
                                vals[i] = val;
                        else if (!stranger)
                                stranger = key;
                }
                for (size_t i = 0; i < t->n_fields; i++) {
                        r = validate_value(t->fields[i].type, vals[i]);
                        if (r < 0) {
                                if (ret_bad_field)
                                        *ret_bad_field = t->fields[i].name;
                                return r;
                        }
                }
                if (stranger) {
                        if (ret_bad_field)
                                *ret_bad_field = stranger;
                        return -EBUSY;
                }
                return 0;
        }

        for (size_t i = 0; i < t->n_fields; i++) {
                json_object *f = NULL;

                if (json_object_object_get_ex(v, t->fields[i].name, &f))
                        present++;
                r = validate_value(t->fields[i].type, f);
                if (r < 0) {
                        if (ret_bad_field)
                                *ret_bad_field = t->fields[i].name;
                        return r;
                }
        }

        /* Keys are unique, so if every key matched a declared field there
         * is no stranger to look for. */
        if ((size_t) json_object_object_length(v) != present) {
                json_object_object_foreach(v, key, val) {
                        bool found = false;
                        (void) val;
                        for (size_t i = 0; i < t->n_fields && !found; i++)
                                found = streq(t->fields[i].name, key);
                        if (!found) {
                                if (ret_bad_field)
                                        *ret_bad_field = key;
                                return -EBUSY;
                        }
                }
        }
        return 0;
}

static int validate_element(const VarlinkType *t, json_object *v) {
        switch (t->kind) {
        case VARLINK_TYPE_BOOL:
                return json_object_is_type(v, json_type_boolean) ? 0 : -EMEDIUMTYPE;
        case VARLINK_TYPE_INT:
                if (json_object_is_type(v, json_type_int))
                        return 0;
                if (json_object_is_type(v, json_type_string) && string_is_integer(json_object_get_string(v)))
                        return 0;
                return -EMEDIUMTYPE;
        case VARLINK_TYPE_FLOAT:
                return json_object_is_type(v, json_type_double) || json_object_is_type(v, json_type_int) ? 0 : -EMEDIUMTYPE;
        case VARLINK_TYPE_STRING:
                return json_object_is_type(v, json_type_string) ? 0 : -EMEDIUMTYPE;
        case VARLINK_TYPE_OBJECT:
                return json_object_is_type(v, json_type_object) ? 0 : -EMEDIUMTYPE;
        case VARLINK_TYPE_NAMED:
                return t->resolved ? validate_element(t->resolved, v) : -EMEDIUMTYPE;
        case VARLINK_TYPE_STRUCT: {
                /* Nested problems are reported under the top-level field. */
                int r = validate_struct(t, v, NULL);
                return r < 0 ? -EMEDIUMTYPE : 0;
        }
        case VARLINK_TYPE_ENUM: {
                const char *s;
                if (!json_object_is_type(v, json_type_string))
                        return -EMEDIUMTYPE;
                s = json_object_get_string(v);
                for (size_t i = 0; i < t->n_enum_values; i++)
                        if (streq(t->enum_values[i], s))
                                return 0;
                return -EMEDIUMTYPE;
        }
        case VARLINK_TYPE_ARRAY: {
                size_t n;
                if (!json_object_is_type(v, json_type_array))
                        return -EMEDIUMTYPE;
                n = json_object_array_length(v);
                for (size_t i = 0; i < n; i++)
                        if (validate_value(t->element, json_object_array_get_idx(v, i)) < 0)
                                return -EMEDIUMTYPE;
                return 0;
        }
        case VARLINK_TYPE_MAP: {
                if (!json_object_is_type(v, json_type_object))
                        return -EMEDIUMTYPE;
                json_object_object_foreach(v, key, val) {
                        (void) key;
                        if (validate_value(t->element, val) < 0)
                                return -EMEDIUMTYPE;
                }
                return 0;
        }
        }
        return -EMEDIUMTYPE;
}

static int validate_value(const VarlinkType *t, json_object *v) {
        if (!v) /* json-c represents JSON null as NULL */
                return t->nullable ? 0 : -ENOANO;
        return validate_element(t, v);
}

int varlink_idl_validate(const VarlinkType *type, json_object *v, const char **ret_bad_field) {
        if (!type || type->kind != VARLINK_TYPE_STRUCT)
                return -EINVAL;
        return validate_struct(type, v, ret_bad_field);
}
