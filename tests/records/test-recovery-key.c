/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <ctype.h>
#include <errno.h>
#include <string.h>

#include "macro.h"
#include "password-hash.h"
#include "recovery-key.h"

static const char modhex[] = "cbdefghijklnrtuv";

static void assert_formatted(const char *k) {
        assert_int_equal(strlen(k), 71);
        assert_int_equal(RECOVERY_KEY_FORMATTED_LENGTH, 71);
        for (size_t i = 0; i < 71; i++) {
                if (i % 9 == 8)
                        assert_int_equal(k[i], '-');
                else
                        assert_non_null(memchr(modhex, k[i], 16));
        }
}

static void test_generate(void **state) {
        _cleanup_erase_free_ char *a = NULL, *b = NULL, *n = NULL;

        assert_int_equal(recovery_key_generate(&a), 0);
        assert_int_equal(recovery_key_generate(&b), 0);
        assert_formatted(a);
        assert_formatted(b);
        assert_string_not_equal(a, b);

        /* A generated key is already canonical. */
        assert_int_equal(recovery_key_normalize(a, &n), 0);
        assert_string_equal(a, n);
}

static void test_normalize(void **state) {
        static const char canonical[] =
                "cbdefghi-jklnrtuv-cccccccc-vvvvvvvv-bdbdbdbd-efefefef-ghghghgh-ijijijij";
        static const char *good[] = {
                canonical,
                "CBDEFGHI-JKLNRTUV-CCCCCCCC-VVVVVVVV-BDBDBDBD-EFEFEFEF-GHGHGHGH-IJIJIJIJ",
                "cbdefghijklnrtuvccccccccvvvvvvvvbdbdbdbdefefefefghghghghijijijij",
                "CbDeFgHiJkLnRtUvCcCcCcCcVvVvVvVvBdBdBdBdEfEfEfEfGhGhGhGhIjIjIjIj",
        };
        static const char *bad[] = {
                "",
                "cbdefghi",
                /* 'a' is not modhex */
                "abdefghi-jklnrtuv-cccccccc-vvvvvvvv-bdbdbdbd-efefefef-ghghghgh-ijijijij",
                /* dash in the wrong place */
                "cbdefgh-ijklnrtuv-cccccccc-vvvvvvvv-bdbdbdbd-efefefef-ghghghgh-ijijijij",
                /* some dashes only */
                "cbdefghi-jklnrtuvccccccccvvvvvvvvbdbdbdbdefefefefghghghghijijijij",
                /* surrounding whitespace: systemd refuses it, so do we */
                " cbdefghi-jklnrtuv-cccccccc-vvvvvvvv-bdbdbdbd-efefefef-ghghghgh-ijijijij",
                "cbdefghi-jklnrtuv-cccccccc-vvvvvvvv-bdbdbdbd-efefefef-ghghghgh-ijijijij\n",
                /* one group too many */
                "cbdefghi-jklnrtuv-cccccccc-vvvvvvvv-bdbdbdbd-efefefef-ghghghgh-ijijijij-cccccccc",
                /* a space instead of a dash */
                "cbdefghi jklnrtuv-cccccccc-vvvvvvvv-bdbdbdbd-efefefef-ghghghgh-ijijijij",
        };

        for (size_t i = 0; i < ELEMENTSOF(good); i++) {
                _cleanup_erase_free_ char *n = NULL;
                assert_int_equal(recovery_key_normalize(good[i], &n), 0);
                assert_string_equal(n, canonical);
        }
        for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
                char *n = NULL;
                assert_int_equal(recovery_key_normalize(bad[i], &n), -EINVAL);
                assert_null(n);
        }
        char *n = NULL;
        assert_int_equal(recovery_key_normalize(NULL, &n), -EINVAL);
}

static void test_match(void **state) {
        _cleanup_erase_free_ char *key = NULL, *upper = NULL, *other = NULL;
        json_object *entry = NULL, *array = json_object_new_array(), *t;
        size_t idx = 99;

        assert_int_equal(recovery_key_generate(&key), 0);
        assert_int_equal(recovery_key_generate(&other), 0);
        assert_int_equal(recovery_key_make_entry(key, &entry), 0);
        assert_true(json_object_object_get_ex(entry, "type", &t));
        assert_string_equal(json_object_get_string(t), "modhex64");
        json_object_array_add(array, entry);

        /* The hash is of the canonical text. */
        json_object *h;
        assert_true(json_object_object_get_ex(entry, "hashedPassword", &h));
        assert_int_equal(password_hash_verify(key, json_object_get_string(h)), 1);

        /* Typed without dashes and in upper case, after a wrong password. */
        upper = malloc(65);
        for (size_t i = 0, j = 0; key[i]; i++)
                if (key[i] != '-')
                        upper[j++] = (char) toupper((unsigned char) key[i]), upper[j] = 0;
        char *pw[] = { "plain password", other, upper, NULL };
        assert_int_equal(recovery_key_test(array, pw, &idx), 1);
        assert_int_equal(idx, 2);

        char *wrong[] = { "plain password", other, NULL };
        idx = 99;
        assert_int_equal(recovery_key_test(array, wrong, &idx), 0);
        assert_int_equal(idx, 99);
        assert_int_equal(recovery_key_test(NULL, pw, NULL), 0);

        /* Entries of another type are not used. */
        json_object_object_add(entry, "type", json_object_new_string("other"));
        assert_int_equal(recovery_key_test(array, pw, NULL), 0);

        /* Malformed arrays are errors. */
        json_object_array_add(array, json_object_new_string("x"));
        assert_int_equal(recovery_key_test(array, pw, NULL), -EINVAL);
        json_object_put(array);

        json_object *out = NULL;
        assert_int_equal(recovery_key_make_entry("not a key", &out), -EINVAL);
        assert_null(out);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_generate),
                cmocka_unit_test(test_normalize),
                cmocka_unit_test(test_match),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
