/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Canonical and pretty forms against bytes derived by hand from sd-json's
 * formatting rules (never from json-c's serializer). */

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <float.h>
#include <math.h>
#include <string.h>

#include "json-canonical.h"
#include "macro.h"

static json_object *parse(const char *text) {
        json_object *v = json_tokener_parse(text);
        assert_non_null(v);
        return v;
}

static void check_canonical(json_object *v, const char *expected) {
        _cleanup_free_ char *s = NULL;
        size_t n = 0;

        assert_int_equal(json_canonical_format(v, &s, &n), 0);
        assert_string_equal(s, expected);
        assert_int_equal(n, strlen(expected));
}

static void check_text(const char *in, const char *expected) {
        json_object *v = parse(in);
        check_canonical(v, expected);
        json_object_put(v);
}

static void test_sorted_recursively(void **state) {
        check_text("{\"b\":1,\"a\":{\"d\":[3,{\"z\":null,\"y\":true}],\"c\":\"x\"}}",
                   "{\"a\":{\"c\":\"x\",\"d\":[3,{\"y\":true,\"z\":null}]},\"b\":1}");
        /* Bytewise: 'Z' < 'a' < "ab" < 'z' < U+00E9 (0xc3 0xa9). */
        check_text("{\"\xc3\xa9\":1,\"z\":2,\"ab\":3,\"a\":4,\"Z\":5}",
                   "{\"Z\":5,\"a\":4,\"ab\":3,\"z\":2,\"\xc3\xa9\":1}");
        /* Arrays keep their order. */
        check_text("[3,1,2,{\"b\":[{\"d\":1,\"c\":2}],\"a\":false}]",
                   "[3,1,2,{\"a\":false,\"b\":[{\"c\":2,\"d\":1}]}]");
}

static void test_whitespace_dropped(void **state) {
        check_text(" { \"a\" : [ 1 , 2 ] ,\n\t\"b\" : { } } ", "{\"a\":[1,2],\"b\":{}}");
}

static void test_empty(void **state) {
        check_text("{}", "{}");
        check_text("[]", "[]");
        check_text("{\"a\":{},\"b\":[],\"c\":[[],{}]}", "{\"a\":{},\"b\":[],\"c\":[[],{}]}");
        check_text("\"\"", "\"\"");
}

static void test_literals(void **state) {
        check_text("[null,true,false]", "[null,true,false]");
        check_canonical(NULL, "null");
}

static void test_string_escapes(void **state) {
        /* Every byte 0x01..0x1f, then the characters with short escapes,
         * then DEL, '/', and non-ASCII, which all stay raw. */
        static const char in[] =
                "\x01\x02\x03\x04\x05\x06\x07\x08\x09\x0a\x0b\x0c\x0d\x0e\x0f"
                "\x10\x11\x12\x13\x14\x15\x16\x17\x18\x19\x1a\x1b\x1c\x1d\x1e\x1f"
                "\"\\\x7f/\xc3\xa9\xe2\x82\xac\xf0\x9f\x94\x91 ";
        static const char expected[] =
                "\"\\u0001\\u0002\\u0003\\u0004\\u0005\\u0006\\u0007\\b\\t\\n\\u000b\\f\\r\\u000e\\u000f"
                "\\u0010\\u0011\\u0012\\u0013\\u0014\\u0015\\u0016\\u0017\\u0018\\u0019\\u001a\\u001b\\u001c\\u001d\\u001e\\u001f"
                "\\\"\\\\\x7f/\xc3\xa9\xe2\x82\xac\xf0\x9f\x94\x91 \"";
        json_object *v = json_object_new_string(in);

        check_canonical(v, expected);
        json_object_put(v);

        /* Keys are escaped like values. */
        check_text("{\"a\\u0001\":1,\"a\":2,\"a\\n\":3}", "{\"a\":2,\"a\\u0001\":1,\"a\\n\":3}");
}

static void test_integers(void **state) {
        json_object *v = json_object_new_array();

        json_object_array_add(v, json_object_new_int64(INT64_MIN));
        json_object_array_add(v, json_object_new_int64(INT64_MAX));
        json_object_array_add(v, json_object_new_uint64(UINT64_MAX));
        json_object_array_add(v, json_object_new_uint64((uint64_t) INT64_MAX + 1));
        json_object_array_add(v, json_object_new_int64(-1));
        json_object_array_add(v, json_object_new_int64(0));
        check_canonical(v, "[-9223372036854775808,9223372036854775807,18446744073709551615,"
                           "9223372036854775808,-1,0]");
        json_object_put(v);

        check_text("[18446744073709551615,-9223372036854775808,9223372036854775808,-0]",
                   "[18446744073709551615,-9223372036854775808,9223372036854775808,0]");
}

static void test_reals(void **state) {
#if DECIMAL_DIG == 21
        /* "%.21e": one digit, a point, 21 digits, exponent of at least two
         * digits. 0.1 is 1.00000000000000005551115123...e-01 as a double. */
        check_text("[1.5,0.1,-2.25,1e300,-0.0,0.0,1E2]",
                   "[1.500000000000000000000e+00,1.000000000000000055511e-01,"
                   "-2.250000000000000000000e+00,1.000000000000000052505e+300,"
                   "0.000000000000000000000e+00,0.000000000000000000000e+00,"
                   "1.000000000000000000000e+02]");
#else
        skip();
#endif
}

static void test_non_finite(void **state) {
        json_object *v = json_object_new_array();

        json_object_array_add(v, json_object_new_double(NAN));
        json_object_array_add(v, json_object_new_double(INFINITY));
        json_object_array_add(v, json_object_new_double(-INFINITY));
        check_canonical(v, "[null,null,null]");
        json_object_put(v);
}

static void test_bad_strings(void **state) {
        static const struct {
                const char *bytes;
                size_t size;
                int error;
        } cases[] = {
                { "a\0b", 3, -EINVAL },
                { "\xff", 1, -EILSEQ },
                { "\xc0\x80", 2, -EILSEQ },          /* overlong NUL */
                { "\xe0\x80\xaf", 3, -EILSEQ },      /* overlong '/' */
                { "\xed\xa0\x80", 3, -EILSEQ },      /* surrogate */
                { "\xf4\x90\x80\x80", 4, -EILSEQ },  /* above U+10FFFF */
                { "\xc3", 1, -EILSEQ },              /* truncated */
                { "\xe2\x82", 2, -EILSEQ },
        };

        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                json_object *v = json_object_new_string_len(cases[i].bytes, (int) cases[i].size);
                json_object *o = json_object_new_object();
                char *s = NULL;

                assert_int_equal(json_canonical_format(v, &s, NULL), cases[i].error);
                assert_null(s);
                assert_int_equal(json_pretty_format(v, &s, NULL), cases[i].error);
                assert_null(s);

                /* The same bytes as a key. */
                if (!memchr(cases[i].bytes, 0, cases[i].size)) {
                        char key[8] = {};
                        memcpy(key, cases[i].bytes, cases[i].size);
                        json_object_object_add(o, key, json_object_new_int(1));
                        assert_int_equal(json_canonical_format(o, &s, NULL), cases[i].error);
                        assert_null(s);
                }
                json_object_put(o);
                json_object_put(v);
        }
}

static void test_depth_limit(void **state) {
        json_object *top = json_object_new_array(), *cur = top;
        _cleanup_free_ char *s = NULL;

        for (unsigned i = 1; i < JSON_CANONICAL_DEPTH_MAX + 5; i++) {
                json_object *n = json_object_new_array();
                json_object_array_add(cur, n);
                cur = n;
        }
        assert_int_equal(json_canonical_format(top, &s, NULL), -ELOOP);
        assert_null(s);
        json_object_put(top);
}

static void test_pretty(void **state) {
        json_object *v = parse("{\"b\":[1,{}],\"a\":{\"y\":{\"q\":[\"r\"]},\"x\":\"y\"},\"c\":[],\"d\":\"\\t\"}");
        _cleanup_free_ char *s = NULL;
        size_t n = 0;

        assert_int_equal(json_pretty_format(v, &s, &n), 0);
        assert_string_equal(s,
                "{\n"
                "\t\"a\" : {\n"
                "\t\t\"x\" : \"y\",\n"
                "\t\t\"y\" : {\n"
                "\t\t\t\"q\" : [\n"
                "\t\t\t\t\"r\"\n"
                "\t\t\t]\n"
                "\t\t}\n"
                "\t},\n"
                "\t\"b\" : [\n"
                "\t\t1,\n"
                "\t\t{}\n"
                "\t],\n"
                "\t\"c\" : [],\n"
                "\t\"d\" : \"\\t\"\n"
                "}\n");
        assert_int_equal(n, strlen(s));
        json_object_put(v);

        v = parse("{}");
        free(s);
        s = NULL;
        assert_int_equal(json_pretty_format(v, &s, NULL), 0);
        assert_string_equal(s, "{}\n");
        json_object_put(v);

        v = parse("42");
        free(s);
        s = NULL;
        assert_int_equal(json_pretty_format(v, &s, NULL), 0);
        assert_string_equal(s, "42\n");
        json_object_put(v);
}

static void test_signable(void **state) {
        json_object *v = parse(
                "{\"userName\":\"a\",\"secret\":{\"password\":[\"x\"]},\"status\":{\"m\":{}},"
                "\"binding\":{\"m\":{\"uid\":1}},\"signature\":[{\"data\":\"x\",\"key\":\"y\"}],"
                "\"privileged\":{\"hashedPassword\":[\"$6$x\"]},\"perMachine\":[{\"matchHostname\":\"h\"}],"
                "\"io.example.extension\":{\"b\":1,\"a\":2}}");
        _cleanup_free_ char *s = NULL;

        assert_int_equal(record_signable_bytes(v, &s, NULL), 0);
        assert_string_equal(s,
                "{\"io.example.extension\":{\"a\":2,\"b\":1},\"perMachine\":[{\"matchHostname\":\"h\"}],"
                "\"privileged\":{\"hashedPassword\":[\"$6$x\"]},\"userName\":\"a\"}");
        /* The input is left alone. */
        assert_true(json_object_object_get_ex(v, "secret", NULL));
        json_object_put(v);

        v = json_object_new_array();
        free(s);
        s = NULL;
        assert_int_equal(record_signable_bytes(v, &s, NULL), -EINVAL);
        assert_null(s);
        json_object_put(v);
}

static void test_reparse_stable(void **state) {
        static const char *inputs[] = {
                "{\"z\":[1.25,-3,\"\\u0002\\\"\"],\"a\":{\"c\":{},\"b\":[]}}",
                "[18446744073709551615,-9223372036854775808,1e-300]",
                "\"\\u00e9\\/\\\\\"",
        };

        for (size_t i = 0; i < ELEMENTSOF(inputs); i++) {
                _cleanup_free_ char *a = NULL, *b = NULL, *p = NULL, *c = NULL;
                json_object *v = parse(inputs[i]), *w, *x;

                assert_int_equal(json_canonical_format(v, &a, NULL), 0);
                w = parse(a);
                assert_int_equal(json_canonical_format(w, &b, NULL), 0);
                assert_string_equal(a, b);

                assert_int_equal(json_pretty_format(v, &p, NULL), 0);
                x = parse(p);
                assert_int_equal(json_canonical_format(x, &c, NULL), 0);
                assert_string_equal(a, c);

                json_object_put(x);
                json_object_put(w);
                json_object_put(v);
        }
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_sorted_recursively),
                cmocka_unit_test(test_whitespace_dropped),
                cmocka_unit_test(test_empty),
                cmocka_unit_test(test_literals),
                cmocka_unit_test(test_string_escapes),
                cmocka_unit_test(test_integers),
                cmocka_unit_test(test_reals),
                cmocka_unit_test(test_non_finite),
                cmocka_unit_test(test_bad_strings),
                cmocka_unit_test(test_depth_limit),
                cmocka_unit_test(test_pretty),
                cmocka_unit_test(test_signable),
                cmocka_unit_test(test_reparse_stable),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
