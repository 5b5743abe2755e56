/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Records as the real systemd writes them: every user and group that
 * `userdbctl -j` lists on this machine must load under the lookup policy,
 * and the typed view must agree with the JSON. Skips without userdbctl. */

#include <errno.h>
#include <unistd.h>

#include "macro.h"
#include "record-test-util.h"

/* userdbctl -j prints one pretty object per record, each opening with
 * "{" and closing with "}" at the start of a line. */
static unsigned for_each_record(const char *cmd, void (*f)(const char *text, size_t n)) {
        FILE *p = popen(cmd, "re");
        _cleanup_free_ char *buf = NULL;
        size_t size = 0, used = 0;
        char line[8192];
        unsigned n = 0;

        assert_non_null(p);
        while (fgets(line, sizeof(line), p)) {
                size_t l = strlen(line);
                if (used + l + 1 > size) {
                        size = (used + l + 1) * 2;
                        buf = realloc(buf, size);
                        assert_non_null(buf);
                }
                memcpy(buf + used, line, l + 1);
                used += l;
                if (streq(line, "}\n")) {
                        f(buf, used);
                        used = 0;
                        n++;
                }
        }
        assert_int_equal(pclose(p), 0);
        assert_int_equal(used, 0);
        return n;
}

static void check_user(const char *text, size_t n) {
        RecordMachine m = {};
        RecordLoadOptions o = test_options(RECORD_POLICY_LOOKUP, 0, &m);
        RecordError e = {};
        UserRecord *ur = NULL;
        json_object *uid;

        if (user_record_load_text(text, n, &o, &ur, &e) < 0)
                fail_msg("systemd's record did not load: %s\n%s", e.message, text);
        assert_non_null(ur->user_name);
        if (json_object_object_get_ex(user_record_json(ur), "uid", &uid))
                assert_int_equal(ur->uid, json_object_get_int64(uid));
        if (ur->uid == 0) {
                _cleanup_free_ char *home = user_record_home_directory(ur, NULL);
                assert_string_equal(home, "/root");
                assert_int_equal(user_record_disposition(ur), USER_INTRINSIC);
        }
        /* Its password aging is readable by the policy code. */
        (void) user_record_test_password_change_required(ur, record_now_usec());
        user_record_unref(ur);
}

static void check_group(const char *text, size_t n) {
        RecordMachine m = {};
        RecordLoadOptions o = test_options(RECORD_POLICY_LOOKUP, 0, &m);
        RecordError e = {};
        GroupRecord *gr = NULL;

        if (group_record_load_text(text, n, &o, &gr, &e) < 0)
                fail_msg("systemd's group record did not load: %s\n%s", e.message, text);
        assert_non_null(gr->group_name);
        group_record_unref(gr);
}

static void test_users(void **state) {
        assert_true(for_each_record("userdbctl -j user 2>/dev/null", check_user) >= 1);
}

static void test_groups(void **state) {
        assert_true(for_each_record("userdbctl -j group 2>/dev/null", check_group) >= 1);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_users),
                cmocka_unit_test(test_groups),
        };

        if (access("/usr/bin/userdbctl", X_OK) < 0 && access("/bin/userdbctl", X_OK) < 0) {
                printf("userdbctl not installed, skipping\n");
                return 77;
        }
        return cmocka_run_group_tests(tests, NULL, NULL);
}
