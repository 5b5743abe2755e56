/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Login blocking and password aging, with "now" passed in. */

#include <errno.h>

#include "macro.h"
#include "record-test-util.h"

#define DAY UINT64_C(86400000000)
#define T0 (UINT64_C(1700000000000000))

static UserRecord *rec(const char *fields) {
        char buf[1024];
        snprintf(buf, sizeof(buf), "{\"userName\":\"a\"%s%s}", *fields ? "," : "", fields);
        return load_user(buf);
}

static void test_blocked(void **state) {
        UserRecord *ur = rec("");
        assert_int_equal(user_record_test_blocked(ur, T0), 0);
        user_record_unref(ur);

        ur = rec("\"lastChangeUSec\":1700000000000001,\"locked\":true");
        assert_int_equal(user_record_test_blocked(ur, T0), -ESTALE);     /* clock check first */
        assert_int_equal(user_record_test_blocked(ur, T0 + 1), -ENOLCK);
        user_record_unref(ur);

        ur = rec("\"notBeforeUSec\":1700000000000000,\"notAfterUSec\":1800000000000000");
        assert_int_equal(user_record_test_blocked(ur, T0 - 1), -EL2HLT);
        assert_int_equal(user_record_test_blocked(ur, T0), 0);
        assert_int_equal(user_record_test_blocked(ur, UINT64_C(1800000000000000)), 0);
        assert_int_equal(user_record_test_blocked(ur, UINT64_C(1800000000000001)), -EL3HLT);
        user_record_unref(ur);

        ur = rec("\"locked\":false");
        assert_int_equal(user_record_test_blocked(ur, T0), 0);
        user_record_unref(ur);
}

static void test_password_change(void **state) {
        char f[512];
        UserRecord *ur = rec("");

        assert_int_equal(user_record_test_password_change_required(ur, T0), 0);
        user_record_unref(ur);

        ur = rec("\"passwordChangeNow\":true");
        assert_int_equal(user_record_test_password_change_required(ur, T0), -EKEYREVOKED);
        user_record_unref(ur);

        ur = rec("\"lastPasswordChangeUSec\":1700000000000001");
        assert_int_equal(user_record_test_password_change_required(ur, T0), -ESTALE);
        user_record_unref(ur);

        ur = rec("\"passwordChangeMaxUSec\":100");
        assert_int_equal(user_record_test_password_change_required(ur, T0), -ENETDOWN);
        user_record_unref(ur);

        /* Changed at T0; min 1 day, max 30, warn 7, inactive 10. */
        snprintf(f, sizeof(f), "\"lastPasswordChangeUSec\":%llu,\"passwordChangeMinUSec\":%llu,"
                 "\"passwordChangeMaxUSec\":%llu,\"passwordChangeWarnUSec\":%llu,\"passwordChangeInactiveUSec\":%llu",
                 (unsigned long long) T0, (unsigned long long) DAY, (unsigned long long) (30 * DAY),
                 (unsigned long long) (7 * DAY), (unsigned long long) (10 * DAY));
        ur = rec(f);
        assert_int_equal(user_record_test_password_change_required(ur, T0), -EROFS);
        assert_int_equal(user_record_test_password_change_required(ur, T0 + DAY - 1), -EROFS);
        assert_int_equal(user_record_test_password_change_required(ur, T0 + DAY), 0);
        assert_int_equal(user_record_test_password_change_required(ur, T0 + 23 * DAY - 1), 0);
        assert_int_equal(user_record_test_password_change_required(ur, T0 + 23 * DAY), -EKEYEXPIRED);
        assert_int_equal(user_record_test_password_change_required(ur, T0 + 30 * DAY - 1), -EKEYEXPIRED);
        assert_int_equal(user_record_test_password_change_required(ur, T0 + 30 * DAY), -EOWNERDEAD);
        assert_int_equal(user_record_test_password_change_required(ur, T0 + 40 * DAY - 1), -EOWNERDEAD);
        assert_int_equal(user_record_test_password_change_required(ur, T0 + 40 * DAY), -EKEYREJECTED);
        user_record_unref(ur);

        /* Max without inactive: expired stays "change now". Huge values saturate. */
        ur = rec("\"lastPasswordChangeUSec\":1,\"passwordChangeMaxUSec\":18446744073709551614");
        assert_int_equal(user_record_test_password_change_required(ur, T0), 0);
        user_record_unref(ur);
        ur = rec("\"lastPasswordChangeUSec\":1,\"passwordChangeMaxUSec\":2");
        assert_int_equal(user_record_test_password_change_required(ur, T0), -EOWNERDEAD);
        user_record_unref(ur);
}

static void test_now(void **state) {
        uint64_t n = record_now_usec();
        assert_true(n > T0 - 365 * DAY);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_blocked),
                cmocka_unit_test(test_password_change),
                cmocka_unit_test(test_now),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
