/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <string.h>

#include "macro.h"
#include "password-hash.h"

static void test_methods(void **state) {
        for (int m = 0; m < _PASSWORD_HASH_METHOD_MAX; m++)
                assert_int_equal(password_hash_method_from_string(password_hash_method_to_string(m)), m);
        assert_int_equal(password_hash_method_from_string("md5"), _PASSWORD_HASH_METHOD_INVALID);
        assert_int_equal(password_hash_method_from_string(NULL), _PASSWORD_HASH_METHOD_INVALID);
        assert_null(password_hash_method_to_string(_PASSWORD_HASH_METHOD_MAX));
}

static void test_yescrypt(void **state) {
        _cleanup_free_ char *a = NULL, *b = NULL;

        assert_int_equal(password_hash_new("correct horse", PASSWORD_HASH_YESCRYPT, &a), 0);
        assert_true(strncmp(a, "$y$", 3) == 0);
        assert_int_equal(password_hash_check(a), 0);
        assert_int_equal(password_hash_verify("correct horse", a), 1);
        assert_int_equal(password_hash_verify("correct horsE", a), 0);
        assert_int_equal(password_hash_verify("", a), 0);

        /* Salt comes fresh every time. */
        assert_int_equal(password_hash_new("correct horse", PASSWORD_HASH_YESCRYPT, &b), 0);
        assert_string_not_equal(a, b);
        assert_int_equal(password_hash_verify("correct horse", b), 1);
}

static void test_sha512(void **state) {
        _cleanup_free_ char *a = NULL;

        assert_int_equal(password_hash_new("p\xc3\xa4ssw\xc3\xb6rd", PASSWORD_HASH_SHA512, &a), 0);
        assert_true(strncmp(a, "$6$", 3) == 0);
        assert_int_equal(password_hash_verify("p\xc3\xa4ssw\xc3\xb6rd", a), 1);
        assert_int_equal(password_hash_verify("password", a), 0);
}

static void test_preferred(void **state) {
        _cleanup_free_ char *a = NULL;

        assert_int_equal(password_hash_new("x", PASSWORD_HASH_PREFERRED, &a), 0);
        assert_true(strncmp(a, "$y$", 3) == 0 || strncmp(a, "$6$", 3) == 0);
        assert_int_equal(password_hash_verify("x", a), 1);
        assert_int_equal(password_hash_new("x", _PASSWORD_HASH_METHOD_MAX, &a), -EINVAL);
}

static void test_known_vectors(void **state) {
        /* Made by another implementation (`openssl passwd -6 -salt saltsalt
         * hunter2`): verifying must not depend on Hearth having made it. */
        static const char sha[] =
                "$6$saltsalt$8iYtNHxjWRl.NF6oNZ5tF.iKFlQREaXBLlSmZKP6dy9l5z3vsooWNW0/GZ6Nej73/TFug6pIPSqbJoCT6dfnj.";
        assert_int_equal(password_hash_verify("hunter2", sha), 1);
        assert_int_equal(password_hash_verify("hunter3", sha), 0);
}

static void test_bad_hashes(void **state) {
        assert_int_equal(password_hash_verify("x", ""), -EINVAL);
        assert_int_equal(password_hash_verify("x", "!"), -EINVAL);
        assert_int_equal(password_hash_verify("x", "$y$"), -EINVAL);
        assert_int_equal(password_hash_verify("x", "$99$abc$def"), -EINVAL);
        assert_int_equal(password_hash_check(""), -EINVAL);
        assert_int_equal(password_hash_check("$99$abc$def"), -EINVAL);
        assert_int_equal(password_hash_check("abJnggxhB/yWI"), -EPERM);  /* DES */
}

static void test_all_hashes_rule(void **state) {
        _cleanup_free_ char *h1 = NULL, *h2 = NULL;
        size_t match[2] = { 99, 99 };

        assert_int_equal(password_hash_new("one", PASSWORD_HASH_SHA512, &h1), 0);
        assert_int_equal(password_hash_new("two", PASSWORD_HASH_YESCRYPT, &h2), 0);

        char *hashes[] = { h1, h2, NULL };
        char *both[] = { "nope", "two", "one", NULL };
        char *only_one[] = { "one", NULL };
        char *none[] = { NULL };
        char *no_hashes[] = { NULL };

        assert_int_equal(password_hash_test_all(hashes, both, match), 1);
        assert_int_equal(match[0], 2);
        assert_int_equal(match[1], 1);

        match[0] = match[1] = 99;
        assert_int_equal(password_hash_test_all(hashes, only_one, match), 0);
        assert_int_equal(match[0], 99);  /* untouched on "no" */
        assert_int_equal(password_hash_test_all(hashes, none, NULL), 0);
        assert_int_equal(password_hash_test_all(hashes, NULL, NULL), 0);
        assert_int_equal(password_hash_test_all(no_hashes, both, NULL), -ENODATA);
        assert_int_equal(password_hash_test_all(NULL, both, NULL), -ENODATA);

        /* One password may satisfy several hashes. */
        _cleanup_free_ char *h3 = NULL;
        assert_int_equal(password_hash_new("one", PASSWORD_HASH_YESCRYPT, &h3), 0);
        char *same[] = { h1, h3, NULL };
        assert_int_equal(password_hash_test_all(same, only_one, NULL), 1);

        /* The JSON form. */
        json_object *a = json_object_new_array();
        json_object_array_add(a, json_object_new_string(h1));
        json_object_array_add(a, json_object_new_string(h2));
        assert_int_equal(password_hash_test_json(a, both), 1);
        assert_int_equal(password_hash_test_json(a, only_one), 0);
        json_object_array_add(a, json_object_new_int(1));
        assert_int_equal(password_hash_test_json(a, both), -EINVAL);
        json_object_put(a);
        assert_int_equal(password_hash_test_json(NULL, both), -ENODATA);

        char *broken[] = { h1, "$99$x$y", NULL };
        assert_int_equal(password_hash_test_all(broken, only_one, NULL), -EINVAL);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_methods),
                cmocka_unit_test(test_yescrypt),
                cmocka_unit_test(test_sha512),
                cmocka_unit_test(test_preferred),
                cmocka_unit_test(test_known_vectors),
                cmocka_unit_test(test_bad_hashes),
                cmocka_unit_test(test_all_hashes_rule),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
