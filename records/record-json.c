/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "record-json.h"

#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "macro.h"
#include "record-validate.h"

int record_error(RecordError *error, int r, const char *field, const char *fmt, ...) {
        va_list ap;
        /* Leaves room for "field '<field>': " in the message. */
        char why[sizeof(error->message) - sizeof(error->field) - 16];

        if (!error)
                return r;

        va_start(ap, fmt);
        (void) vsnprintf(why, sizeof(why), fmt, ap);
        va_end(ap);

        error->error = r;
        if (!isempty(field)) {
                (void) snprintf(error->field, sizeof(error->field), "%s", field);
                (void) snprintf(error->message, sizeof(error->message), "field '%s': %s", field, why);
        } else {
                error->field[0] = 0;
                (void) snprintf(error->message, sizeof(error->message), "%s", why);
        }
        return r;
}

/* Appends s (n bytes) at *at, keeping room for the NUL. */
static void path_put(char *buf, size_t size, size_t *at, const char *s, size_t n) {
        if (*at + 1 >= size)
                return;
        n = MIN(n, size - 1 - *at);
        memcpy(buf + *at, s, n);
        *at += n;
}

/* Runs for every field of every record loaded (validation builds each
 * field's path before it knows whether an error needs it), so it copies
 * instead of going through snprintf(), which cost more than the checks. */
void record_field_path(char *buf, size_t size, const char *parent, const char *name, size_t index) {
        size_t at = 0;

        if (size == 0)
                return;
        if (name) {
                if (!isempty(parent)) {
                        path_put(buf, size, &at, parent, strlen(parent));
                        path_put(buf, size, &at, ".", 1);
                }
                path_put(buf, size, &at, name, strlen(name));
        } else {
                char digits[24];
                size_t k = sizeof digits;

                do
                        digits[--k] = (char) ('0' + index % 10);
                while ((index /= 10) > 0);
                if (parent)
                        path_put(buf, size, &at, parent, strlen(parent));
                path_put(buf, size, &at, "[", 1);
                path_put(buf, size, &at, digits + k, sizeof digits - k);
                path_put(buf, size, &at, "]", 1);
        }
        buf[at] = 0;
}

/* json-c's strict mode still lets through things a record must not carry:
 * NaN/Infinity, single-quoted strings, integers beyond 64 bits (clamped
 * silently), lone UTF-16 surrogates (replaced by U+FFFD) and repeated keys
 * (last one wins). This lexical pass over the text, run after json-c
 * accepted the structure, finds those and counts object keys; comparing
 * that count with the keys in the tree reveals duplicates, because
 * json-c replaces a repeated key in place. */
typedef struct LexResult {
        size_t n_keys;
} LexResult;

static int hexval(char c) {
        if (c >= '0' && c <= '9')
                return c - '0';
        if (c >= 'a' && c <= 'f')
                return c - 'a' + 10;
        if (c >= 'A' && c <= 'F')
                return c - 'A' + 10;
        return -1;
}

static int read_u4(const char *p, const char *end, unsigned *ret) {
        unsigned v = 0;

        if (end - p < 4)
                return -EBADMSG;
        for (int i = 0; i < 4; i++) {
                int h = hexval(p[i]);
                if (h < 0)
                        return -EBADMSG;
                v = v << 4 | (unsigned) h;
        }
        *ret = v;
        return 0;
}

static int lex_string(const char **pp, const char *end, RecordError *error) {
        const char *p = *pp + 1;

        while (p < end && *p != '"') {
                if (*p != '\\') {
                        p++;
                        continue;
                }
                p++;
                if (p >= end)
                        break;
                if (*p == 'u') {
                        unsigned u;

                        if (read_u4(p + 1, end, &u) < 0)
                                return record_error(error, -EBADMSG, NULL, "bad \\u escape in JSON string");
                        p += 5;
                        if (u == 0)
                                return record_error(error, -EINVAL, NULL, "JSON string contains U+0000");
                        if (u >= 0xDC00 && u <= 0xDFFF)
                                return record_error(error, -EBADMSG, NULL, "lone UTF-16 low surrogate in JSON string");
                        if (u >= 0xD800 && u <= 0xDBFF) {
                                unsigned lo;

                                if (end - p < 6 || p[0] != '\\' || p[1] != 'u' ||
                                    read_u4(p + 2, end, &lo) < 0 || lo < 0xDC00 || lo > 0xDFFF)
                                        return record_error(error, -EBADMSG, NULL, "lone UTF-16 high surrogate in JSON string");
                                p += 6;
                        }
                } else
                        p++;
        }
        if (p >= end)
                return record_error(error, -EBADMSG, NULL, "unterminated JSON string");
        *pp = p + 1;
        return 0;
}

static int lex_number(const char **pp, const char *end, RecordError *error) {
        const char *p = *pp, *start = *pp;
        bool integer = true;
        char buf[64];
        size_t n;

        while (p < end && strchr("+-0123456789.eE", *p)) {
                if (strchr(".eE", *p))
                        integer = false;
                p++;
        }
        n = (size_t) (p - start);
        *pp = p;

        if (integer) {
                /* JSON forbids leading zeros, so a longer integer literal
                 * is beyond 64 bits. */
                if (n >= sizeof(buf))
                        return record_error(error, -EBADMSG, NULL, "JSON integer out of 64-bit range");
                memcpy(buf, start, n);
                buf[n] = 0;
                errno = 0;
                if (buf[0] == '-')
                        (void) strtoll(buf, NULL, 10);
                else
                        (void) strtoull(buf, NULL, 10);
                if (errno == ERANGE)
                        return record_error(error, -EBADMSG, NULL, "JSON integer %s out of 64-bit range", buf);
        } else {
                /* Reals may be long ("0.000…1e400"): check the whole literal. */
                _cleanup_free_ char *lit = strndup(start, n);
                double d;

                if (!lit)
                        return record_error(error, -ENOMEM, NULL, "out of memory");
                d = strtod(lit, NULL);
                if (!isfinite(d))
                        return record_error(error, -EBADMSG, NULL, "JSON number is not finite");
        }
        return 0;
}

static int lex_text(const char *text, size_t size, LexResult *ret, RecordError *error) {
        const char *p = text, *end = text + size;
        size_t n_keys = 0;
        int r;

        while (p < end) {
                char c = *p;

                if (c == '"') {
                        const char *q;

                        r = lex_string(&p, end, error);
                        if (r < 0)
                                return r;
                        /* A string followed by ':' is an object key. */
                        for (q = p; q < end && strchr(" \t\r\n", *q); q++)
                                ;
                        if (q < end && *q == ':')
                                n_keys++;
                } else if (c == '-' || (c >= '0' && c <= '9')) {
                        r = lex_number(&p, end, error);
                        if (r < 0)
                                return r;
                } else if (c >= 'a' && c <= 'z') {
                        const char *w = p;
                        size_t n;

                        while (p < end && ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z')))
                                p++;
                        n = (size_t) (p - w);
                        if (!((n == 4 && memcmp(w, "true", 4) == 0) ||
                              (n == 5 && memcmp(w, "false", 5) == 0) ||
                              (n == 4 && memcmp(w, "null", 4) == 0)))
                                return record_error(error, -EBADMSG, NULL, "unexpected literal in JSON text");
                } else if (strchr("{}[],: \t\r\n", c))
                        p++;
                else
                        return record_error(error, -EBADMSG, NULL, "unexpected character 0x%02x in JSON text",
                                            (unsigned) (unsigned char) c);
        }

        ret->n_keys = n_keys;
        return 0;
}

static size_t tree_count_keys(json_object *v) {
        size_t n = 0;

        switch (json_object_get_type(v)) {
        case json_type_object: {
                json_object_object_foreach(v, k, e) {
                        (void) k;
                        n += 1 + tree_count_keys(e);
                }
                break;
        }
        case json_type_array:
                for (size_t i = 0; i < json_object_array_length(v); i++)
                        n += tree_count_keys(json_object_array_get_idx(v, i));
                break;
        default:
                break;
        }
        return n;
}

int record_json_check_strings(json_object *v, const char *field, RecordError *error) {
        char path[256];
        int r;

        switch (json_object_get_type(v)) {
        case json_type_string: {
                const char *s = json_object_get_string(v);
                int len = json_object_get_string_len(v);

                if (len < 0 || strlen(s) != (size_t) len)
                        return record_error(error, -EINVAL, field, "string contains U+0000");
                if (!utf8_is_valid_n(s, (size_t) len))
                        return record_error(error, -EBADMSG, field, "string is not valid UTF-8");
                return 0;
        }
        case json_type_object: {
                json_object_object_foreach(v, k, e) {
                        if (!utf8_is_valid_n(k, strlen(k)))
                                return record_error(error, -EBADMSG, field, "object key is not valid UTF-8");
                        record_field_path(path, sizeof(path), field, k, 0);
                        r = record_json_check_strings(e, path, error);
                        if (r < 0)
                                return r;
                }
                return 0;
        }
        case json_type_array:
                for (size_t i = 0; i < json_object_array_length(v); i++) {
                        record_field_path(path, sizeof(path), field, NULL, i);
                        r = record_json_check_strings(json_object_array_get_idx(v, i), path, error);
                        if (r < 0)
                                return r;
                }
                return 0;
        default:
                return 0;
        }
}

int record_json_parse(const char *text, size_t size, size_t size_max,
                      json_object **ret_object, RecordError *error) {
        json_tokener *tok;
        json_object *o;
        enum json_tokener_error e;
        LexResult lex = {};
        size_t end;
        int r;

        if (size_max == 0)
                size_max = RECORD_JSON_SIZE_MAX_DEFAULT;
        if (size > size_max)
                return record_error(error, -EMSGSIZE, NULL, "JSON text is %zu bytes, limit is %zu", size, size_max);
        if (size > INT_MAX)
                return record_error(error, -EMSGSIZE, NULL, "JSON text too large");
        if (memchr(text, 0, size))
                return record_error(error, -EBADMSG, NULL, "JSON text contains a NUL byte");

        tok = json_tokener_new_ex(RECORD_JSON_DEPTH_MAX);
        if (!tok)
                return record_error(error, -ENOMEM, NULL, "out of memory");
        json_tokener_set_flags(tok, JSON_TOKENER_STRICT | JSON_TOKENER_VALIDATE_UTF8);

        o = json_tokener_parse_ex(tok, text, (int) size);
        e = json_tokener_get_error(tok);
        if (!o && e == json_tokener_continue) {
                /* Only a complete value is a record: a bare number at the
                 * end of the input stays "continue" until terminated. */
                o = json_tokener_parse_ex(tok, "", 1);
                e = json_tokener_get_error(tok);
        }
        end = json_tokener_get_parse_end(tok);
        json_tokener_free(tok);

        if (!o || e != json_tokener_success) {
                json_object_put(o);
                if (e == json_tokener_continue)
                        return record_error(error, -EBADMSG, NULL, "JSON text ends early");
                return record_error(error, -EBADMSG, NULL, "not valid JSON at byte %zu: %s",
                                    end, json_tokener_error_desc(e));
        }

        for (size_t i = MIN(end, size); i < size; i++)
                if (!strchr(" \t\r\n", text[i])) {
                        json_object_put(o);
                        return record_error(error, -EBADMSG, NULL, "trailing data after JSON value at byte %zu", i);
                }

        if (!json_object_is_type(o, json_type_object)) {
                json_object_put(o);
                return record_error(error, -EINVAL, NULL, "record is not a JSON object");
        }

        r = lex_text(text, size, &lex, error);
        if (r >= 0 && lex.n_keys != tree_count_keys(o))
                r = record_error(error, -ENOTUNIQ, NULL, "a JSON object repeats a key");
        if (r >= 0)
                r = record_json_check_strings(o, NULL, error);
        if (r < 0) {
                json_object_put(o);
                return r;
        }

        *ret_object = o;
        return 0;
}

int record_json_uint64(json_object *v, const char *field, uint64_t min, uint64_t max,
                       uint64_t *ret, RecordError *error) {
        uint64_t u;
        int64_t i;

        if (!json_object_is_type(v, json_type_int))
                return record_error(error, -EINVAL, field, "must be an unsigned integer in %" PRIu64 "..%" PRIu64, min, max);

        /* json-c keeps values above INT64_MAX as uint64 and clamps the
         * int64 view to INT64_MAX; negative values read as 0 via uint64. */
        i = json_object_get_int64(v);
        if (i < 0)
                return record_error(error, -EINVAL, field, "must be in %" PRIu64 "..%" PRIu64 ", not negative", min, max);
        u = i == INT64_MAX ? json_object_get_uint64(v) : (uint64_t) i;
        if (u < min || u > max)
                return record_error(error, -EINVAL, field, "must be in %" PRIu64 "..%" PRIu64, min, max);

        *ret = u;
        return 0;
}

int record_json_int64(json_object *v, const char *field, int64_t min, int64_t max,
                      int64_t *ret, RecordError *error) {
        int64_t i;

        if (!json_object_is_type(v, json_type_int))
                return record_error(error, -EINVAL, field, "must be an integer in %" PRId64 "..%" PRId64, min, max);
        i = json_object_get_int64(v);
        if (i == INT64_MAX && json_object_get_uint64(v) > (uint64_t) INT64_MAX)
                return record_error(error, -EINVAL, field, "must be in %" PRId64 "..%" PRId64, min, max);
        if (i < min || i > max)
                return record_error(error, -EINVAL, field, "must be in %" PRId64 "..%" PRId64, min, max);
        *ret = i;
        return 0;
}

int record_json_bool(json_object *v, const char *field, bool *ret, RecordError *error) {
        if (!json_object_is_type(v, json_type_boolean))
                return record_error(error, -EINVAL, field, "must be a boolean");
        *ret = json_object_get_boolean(v);
        return 0;
}

int record_json_string(json_object *v, const char *field, bool allow_control,
                       const char **ret, RecordError *error) {
        const char *s;
        int len;

        if (!json_object_is_type(v, json_type_string))
                return record_error(error, -EINVAL, field, "must be a string");
        s = json_object_get_string(v);
        len = json_object_get_string_len(v);
        if (len < 0 || strlen(s) != (size_t) len)
                return record_error(error, -EINVAL, field, "contains U+0000");
        if (!utf8_is_valid_n(s, (size_t) len))
                return record_error(error, -EINVAL, field, "is not valid UTF-8");
        if (!allow_control && !string_has_no_control(s))
                return record_error(error, -EINVAL, field, "contains control characters");
        *ret = s;
        return 0;
}

int record_json_strv(json_object *v, const char *field, bool allow_control, bool accept_single,
                     char ***ret, RecordError *error) {
        /* Wiped on the error path too: the same reader serves passwords. */
        _cleanup_strv_free_erase_ char **l = NULL;
        char path[256];
        size_t n;
        int r;

        if (accept_single && json_object_is_type(v, json_type_string)) {
                const char *s;

                r = record_json_string(v, field, allow_control, &s, error);
                if (r < 0)
                        return r;
                l = calloc(2, sizeof(char *));
                if (!l || !(l[0] = strdup(s)))
                        return record_error(error, -ENOMEM, field, "out of memory");
                *ret = TAKE_PTR(l);
                return 0;
        }

        if (!json_object_is_type(v, json_type_array))
                return record_error(error, -EINVAL, field, accept_single ? "must be a string or an array of strings"
                                                                         : "must be an array of strings");
        n = json_object_array_length(v);
        l = calloc(n + 1, sizeof(char *));
        if (!l)
                return record_error(error, -ENOMEM, field, "out of memory");
        for (size_t i = 0; i < n; i++) {
                const char *s;

                record_field_path(path, sizeof(path), field, NULL, i);
                r = record_json_string(json_object_array_get_idx(v, i), path, allow_control, &s, error);
                if (r < 0)
                        return r;
                l[i] = strdup(s);
                if (!l[i])
                        return record_error(error, -ENOMEM, field, "out of memory");
        }
        *ret = TAKE_PTR(l);
        return 0;
}
