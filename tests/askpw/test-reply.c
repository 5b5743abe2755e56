/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "askpw.h"
#include "macro.h"

static void test_parse(void **state) {
        char **l = NULL;

        assert_int_equal(askpw_reply_parse("+", 1, &l), 0);
        assert_int_equal(strv_length(l), 1);
        assert_string_equal(l[0], "");
        l = strv_free_erase(l);

        assert_int_equal(askpw_reply_parse("+pw", 3, &l), 0);
        assert_int_equal(strv_length(l), 1);
        assert_string_equal(l[0], "pw");
        l = strv_free_erase(l);

        assert_int_equal(askpw_reply_parse("+pw\0pw2", 7, &l), 0);
        assert_int_equal(strv_length(l), 2);
        assert_string_equal(l[1], "pw2");
        l = strv_free_erase(l);

        assert_int_equal(askpw_reply_parse("+pw\0pw2\0", 8, &l), 0);
        assert_int_equal(strv_length(l), 2);
        l = strv_free_erase(l);

        assert_int_equal(askpw_reply_parse("-", 1, &l), -ECANCELED);
        assert_int_equal(askpw_reply_parse("", 0, &l), -EBADMSG);
        assert_int_equal(askpw_reply_parse("pw", 2, &l), -EBADMSG);
        assert_int_equal(askpw_reply_parse("-x", 2, &l), -EBADMSG);
        assert_int_equal(askpw_reply_parse("\0+", 2, &l), -EBADMSG);
        assert_null(l);
}

static void test_format(void **state) {
        char *one[] = { (char *) "pw", NULL };
        char *two[] = { (char *) "a", (char *) "bc", NULL };
        char *none[] = { NULL };
        char *buf = NULL;
        size_t n = 0;

        assert_int_equal(askpw_reply_format(one, &buf, &n), 0);
        assert_int_equal(n, 3);
        assert_memory_equal(buf, "+pw", 3);
        buf = erase_and_free(buf);

        assert_int_equal(askpw_reply_format(two, &buf, &n), 0);
        assert_int_equal(n, 5);
        assert_memory_equal(buf, "+a\0bc", 5);

        char **back = NULL;
        assert_int_equal(askpw_reply_parse(buf, n, &back), 0);
        assert_int_equal(strv_length(back), 2);
        assert_string_equal(back[0], "a");
        assert_string_equal(back[1], "bc");
        strv_free_erase(back);
        buf = erase_and_free(buf);

        assert_int_equal(askpw_reply_format(none, &buf, &n), 0);
        assert_int_equal(n, 1);
        assert_memory_equal(buf, "-", 1);
        erase_and_free(buf);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_parse),
                cmocka_unit_test(test_format),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
