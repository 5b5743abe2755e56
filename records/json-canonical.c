/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "json-canonical.h"

#include <errno.h>
#include <float.h>
#include <inttypes.h>
#include <locale.h>
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "macro.h"
#include "record-section.h"
#include "record-validate.h"

/* Growable output. Growing copies into a fresh buffer and wipes the old
 * one instead of realloc(), which could leave secrets behind. */
typedef struct Out {
        char *data;
        size_t size;
        size_t allocated;
} Out;

static void out_done(Out *o) {
        if (o->data) {
                explicit_bzero(o->data, o->allocated);
                free(o->data);
        }
        *o = (Out) {};
}

static int out_reserve(Out *o, size_t extra) {
        size_t need, n;
        char *p;

        if (extra > SIZE_MAX - o->size - 1)
                return -ENOMEM;
        need = o->size + extra + 1;
        if (need <= o->allocated)
                return 0;

        n = MAX(need, MAX(o->allocated * 2, (size_t) 256));
        p = malloc(n);
        if (!p)
                return -ENOMEM;
        if (o->data) {
                memcpy(p, o->data, o->size);
                explicit_bzero(o->data, o->allocated);
                free(o->data);
        }
        o->data = p;
        o->allocated = n;
        return 0;
}

static int out_add(Out *o, const char *s, size_t n) {
        int r = out_reserve(o, n);
        if (r < 0)
                return r;
        memcpy(o->data + o->size, s, n);
        o->size += n;
        o->data[o->size] = 0;
        return 0;
}

static int out_puts(Out *o, const char *s) {
        return out_add(o, s, strlen(s));
}

static int out_putc(Out *o, char c) {
        return out_add(o, &c, 1);
}

static int out_indent(Out *o, unsigned depth) {
        for (unsigned i = 0; i < depth; i++) {
                int r = out_putc(o, '\t');
                if (r < 0)
                        return r;
        }
        return 0;
}

static int format_string(Out *o, const char *s, size_t n) {
        int r;

        if (memchr(s, 0, n))
                return -EINVAL;
        if (!utf8_is_valid_n(s, n))  /* sd-json holds nothing else */
                return -EILSEQ;

        r = out_putc(o, '"');
        if (r < 0)
                return r;

        for (size_t i = 0; i < n; i++) {
                unsigned char c = (unsigned char) s[i];
                const char *esc = NULL;
                char buf[7];

                switch (c) {
                case '"':  esc = "\\\""; break;
                case '\\': esc = "\\\\"; break;
                case '\b': esc = "\\b"; break;
                case '\f': esc = "\\f"; break;
                case '\n': esc = "\\n"; break;
                case '\r': esc = "\\r"; break;
                case '\t': esc = "\\t"; break;
                default:
                        if (c < 0x20) {
                                snprintf(buf, sizeof buf, "\\u%04x", (unsigned) c);
                                esc = buf;
                        }
                }

                r = esc ? out_puts(o, esc) : out_putc(o, (char) c);
                if (r < 0)
                        return r;
        }

        return out_putc(o, '"');
}

static int format_real(Out *o, double d) {
        char buf[64];
        locale_t loc, old;
        int n;

        if (!isfinite(d))
                return out_puts(o, "null");
        /* sd-json keeps every zero as one shared +0.0 value. */
        if (d == 0)
                d = 0.0;

        loc = newlocale(LC_NUMERIC_MASK, "C", (locale_t) 0);
        if (loc == (locale_t) 0)
                return -ENOMEM;
        old = uselocale(loc);
        n = snprintf(buf, sizeof buf, "%.*e", DECIMAL_DIG, d);
        uselocale(old);
        freelocale(loc);

        if (n < 0 || (size_t) n >= sizeof buf)
                return -EINVAL;
        return out_add(o, buf, (size_t) n);
}

static int format_int(Out *o, json_object *v) {
        char buf[32];
        int64_t i = json_object_get_int64(v);

        /* json-c saturates int64 reads at INT64_MAX for values it holds as
         * uint64; the uint64 read is exact for those. */
        if (i == INT64_MAX)
                snprintf(buf, sizeof buf, "%" PRIu64, json_object_get_uint64(v));
        else
                snprintf(buf, sizeof buf, "%" PRId64, i);
        return out_puts(o, buf);
}

typedef struct Member {
        const char *key;
        json_object *value;
} Member;

static int member_cmp(const void *a, const void *b) {
        return strcmp(((const Member *) a)->key, ((const Member *) b)->key);
}

static int format_value(Out *o, json_object *v, bool pretty, unsigned depth);

/* The closing bracket of a non-empty container: on its own line in the
 * pretty form, indented like the line that opened it. */
static int format_close(Out *o, bool pretty, unsigned depth, char bracket) {
        int r;

        if (pretty) {
                r = out_putc(o, '\n');
                if (r < 0)
                        return r;
                r = out_indent(o, depth);
                if (r < 0)
                        return r;
        }
        return out_putc(o, bracket);
}

static int format_object(Out *o, json_object *v, bool pretty, unsigned depth) {
        _cleanup_free_ Member *members = NULL;
        size_t n = 0, k = 0;
        int r;

        n = (size_t) json_object_object_length(v);
        if (n == 0)
                return out_puts(o, "{}");

        members = malloc(n * sizeof(Member));
        if (!members)
                return -ENOMEM;
        json_object_object_foreach(v, key, val) {
                if (k >= n)
                        return -EINVAL;
                members[k++] = (Member) { key, val };
        }
        qsort(members, k, sizeof(Member), member_cmp);

        r = out_puts(o, pretty ? "{\n" : "{");
        if (r < 0)
                return r;

        for (size_t i = 0; i < k; i++) {
                if (i > 0) {
                        r = out_puts(o, pretty ? ",\n" : ",");
                        if (r < 0)
                                return r;
                }
                if (pretty) {
                        r = out_indent(o, depth + 1);
                        if (r < 0)
                                return r;
                }
                r = format_string(o, members[i].key, strlen(members[i].key));
                if (r < 0)
                        return r;
                r = out_puts(o, pretty ? " : " : ":");
                if (r < 0)
                        return r;
                r = format_value(o, members[i].value, pretty, depth + 1);
                if (r < 0)
                        return r;
        }

        return format_close(o, pretty, depth, '}');
}

static int format_array(Out *o, json_object *v, bool pretty, unsigned depth) {
        size_t n = json_object_array_length(v);
        int r;

        if (n == 0)
                return out_puts(o, "[]");

        r = out_puts(o, pretty ? "[\n" : "[");
        if (r < 0)
                return r;

        for (size_t i = 0; i < n; i++) {
                if (i > 0) {
                        r = out_puts(o, pretty ? ",\n" : ",");
                        if (r < 0)
                                return r;
                }
                if (pretty) {
                        r = out_indent(o, depth + 1);
                        if (r < 0)
                                return r;
                }
                r = format_value(o, json_object_array_get_idx(v, i), pretty, depth + 1);
                if (r < 0)
                        return r;
        }

        return format_close(o, pretty, depth, ']');
}

static int format_value(Out *o, json_object *v, bool pretty, unsigned depth) {
        if (depth >= JSON_CANONICAL_DEPTH_MAX)
                return -ELOOP;

        switch (json_object_get_type(v)) {
        case json_type_null:
                return out_puts(o, "null");
        case json_type_boolean:
                return out_puts(o, json_object_get_boolean(v) ? "true" : "false");
        case json_type_int:
                return format_int(o, v);
        case json_type_double:
                return format_real(o, json_object_get_double(v));
        case json_type_string:
                return format_string(o, json_object_get_string(v),
                                     (size_t) json_object_get_string_len(v));
        case json_type_array:
                return format_array(o, v, pretty, depth);
        case json_type_object:
                return format_object(o, v, pretty, depth);
        }
        return -EINVAL;
}

static int format_full(json_object *v, bool pretty, char **ret_text, size_t *ret_size) {
        _cleanup_(out_done) Out o = {};
        int r;

        r = format_value(&o, v, pretty, 0);
        if (r < 0)
                return r;
        if (pretty) {
                r = out_putc(&o, '\n');
                if (r < 0)
                        return r;
        }

        if (ret_size)
                *ret_size = o.size;
        *ret_text = TAKE_PTR(o.data);
        return 0;
}

int json_canonical_format(json_object *v, char **ret_text, size_t *ret_size) {
        return format_full(v, false, ret_text, ret_size);
}

int json_pretty_format(json_object *v, char **ret_text, size_t *ret_size) {
        return format_full(v, true, ret_text, ret_size);
}

int record_signable_bytes(json_object *record, char **ret_text, size_t *ret_size) {
        json_object *signable = NULL;
        int r;

        if (!json_object_is_type(record, json_type_object))
                return -EINVAL;

        r = record_json_filter_sections(record, RECORD_SIGNABLE, &signable);
        if (r < 0)
                return r;

        r = json_canonical_format(signable, ret_text, ret_size);
        json_object_put(signable);
        return r;
}
