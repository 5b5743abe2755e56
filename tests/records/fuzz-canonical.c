/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Arbitrary bytes through json-c, then the canonical form must be a fixed
 * point (format, parse, format gives the same bytes) and the pretty form
 * must parse back to the same canonical form. */

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json-canonical.h"
#include "macro.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* One whole JSON value: json-c only finishes a trailing number when it
 * sees a terminator, so the text is handed over with its NUL; anything
 * after the value other than whitespace makes the input uninteresting. */
static json_object *parse_n(const char *s, size_t n) {
        _cleanup_free_ char *buf = NULL;
        json_tokener *tok;
        json_object *v;
        size_t end;

        buf = malloc(n + 1);
        tok = json_tokener_new();
        if (!buf || !tok)
                abort();
        memcpy(buf, s, n);
        buf[n] = 0;

        v = json_tokener_parse_ex(tok, buf, (int) n + 1);
        end = json_tokener_get_parse_end(tok);
        if (json_tokener_get_error(tok) != json_tokener_success || memchr(buf, 0, n)) {
                json_object_put(v);
                v = NULL;
        } else
                for (; end < n; end++)
                        if (!strchr(" \t\r\n", buf[end])) {
                                json_object_put(v);
                                v = NULL;
                                break;
                        }
        json_tokener_free(tok);
        return v;
}

static void check(bool ok, const char *what) {
        if (!ok) {
                fprintf(stderr, "fuzz-canonical: %s\n", what);
                abort();
        }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        _cleanup_free_ char *a = NULL, *b = NULL, *p = NULL, *c = NULL;
        json_object *v, *w, *x;
        size_t na = 0, nb = 0, nc = 0;

        if (size > 64 * 1024)
                return 0;

        v = parse_n((const char *) data, size);
        if (!v)
                return 0;

        if (json_canonical_format(v, &a, &na) < 0) {
                /* Refused input is refused by both forms alike. */
                check(json_pretty_format(v, &p, NULL) < 0, "pretty accepted what canonical refused");
                json_object_put(v);
                return 0;
        }
        check(strlen(a) == na, "size does not match text");

        w = parse_n(a, na);
        check(w || streq(a, "null"), "canonical form does not parse");
        check(json_canonical_format(w, &b, &nb) == 0, "re-parsed canonical form refused");
        check(na == nb && memcmp(a, b, na) == 0, "canonical form is not a fixed point");

        check(json_pretty_format(v, &p, NULL) == 0, "pretty form refused");
        check(p[0] && p[strlen(p) - 1] == '\n', "pretty form lacks final newline");
        x = parse_n(p, strlen(p));
        check(x || streq(p, "null\n"), "pretty form does not parse");
        check(json_canonical_format(x, &c, &nc) == 0, "re-parsed pretty form refused");
        check(na == nc && memcmp(a, c, na) == 0, "pretty form parses to a different value");

        json_object_put(x);
        json_object_put(w);
        json_object_put(v);
        return 0;
}
