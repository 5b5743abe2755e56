/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Load policies: require / allow / strip per section. */

#include <errno.h>

#include "macro.h"
#include "record-test-util.h"

#define MID TEST_MACHINE_ID

static int load(const char *text, RecordLoadPolicy p, UserRecord **ret, RecordError *e) {
        RecordMachine m = test_machine();
        RecordLoadOptions o = test_options(p, 0, &m);
        UserRecord *ur = NULL;
        int r = user_record_load_text(text, strlen(text), &o, &ur, e);
        if (ret)
                *ret = ur;
        else
                user_record_unref(ur);
        return r;
}

static const char *all_sections =
        "{\"userName\":\"a\",\"secret\":{\"password\":[\"x\"]},\"privileged\":{\"hashedPassword\":[\"h\"]},"
        "\"perMachine\":[{\"matchMachineId\":\"" MID "\",\"uid\":1000}],\"binding\":{\"" MID "\":{\"uid\":1001}},"
        "\"status\":{\"" MID "\":{\"service\":\"x\"}},\"signature\":[{\"data\":\"AA==\",\"key\":\"k\"}]}";

static void test_present(void **state) {
        UserRecord *ur = NULL;

        assert_int_equal(load(all_sections, RECORD_POLICY_ANY, &ur, NULL), 0);
        assert_int_equal(ur->sections, _RECORD_SECTION_ALL);
        assert_int_equal(ur->uid, 1001);               /* binding beats perMachine */
        assert_true(ur->have_binding);
        assert_true(ur->have_status);
        user_record_unref(ur);
}

static void test_refuse(void **state) {
        RecordError e = {};

        assert_int_equal(load(all_sections, RECORD_POLICY_EMBEDDED, NULL, &e), -EPERM);
        assert_string_equal(e.field, "secret");
        assert_int_equal(load(all_sections, RECORD_POLICY_LOOKUP, NULL, &e), -EPERM);
        assert_string_equal(e.field, "secret");
        assert_int_equal(load("{\"userName\":\"a\",\"binding\":{}}", RECORD_POLICY_EMBEDDED, NULL, &e), -EPERM);
        assert_string_equal(e.field, "binding");
        assert_int_equal(load("{\"userName\":\"a\"}", RECORD_POLICY_SECRET_ONLY, NULL, &e), -EPERM);
        assert_string_equal(e.field, "regular");
        assert_int_equal(load("{\"userName\":\"a\",\"secret\":{}}", RECORD_POLICY_HOST, NULL, &e), -EPERM);
}

static void test_strip(void **state) {
        RecordLoadPolicy p = { .require = RECORD_REGULAR, .allow = RECORD_REGULAR | RECORD_PRIVILEGED,
                               .strip = RECORD_SECRET | RECORD_STATUS | RECORD_BINDING | RECORD_PER_MACHINE | RECORD_SIGNATURE };
        json_object *j;
        UserRecord *ur = NULL;

        assert_int_equal(load(all_sections, p, &ur, NULL), 0);
        assert_int_equal(ur->sections, RECORD_REGULAR | RECORD_PRIVILEGED);
        j = user_record_json(ur);
        assert_false(json_object_object_get_ex(j, "secret", NULL));
        assert_false(json_object_object_get_ex(j, "status", NULL));
        assert_false(json_object_object_get_ex(j, "binding", NULL));
        assert_false(json_object_object_get_ex(j, "perMachine", NULL));
        assert_false(json_object_object_get_ex(j, "signature", NULL));
        assert_true(json_object_object_get_ex(j, "privileged", NULL));
        assert_null(ur->password);
        assert_int_equal(ur->uid, UID_INVALID);        /* stripped sections are not applied */
        assert_false(ur->have_status);
        user_record_unref(ur);

        /* The host copy drops a stray status section instead of refusing it. */
        assert_int_equal(load("{\"userName\":\"a\",\"status\":{\"" MID "\":{\"service\":\"x\"}}}",
                              RECORD_POLICY_HOST, &ur, NULL), 0);
        assert_false(json_object_object_get_ex(user_record_json(ur), "status", NULL));
        user_record_unref(ur);

        /* Stripping the regular section leaves only the sections. */
        p = (RecordLoadPolicy) { .allow = RECORD_SECRET, .strip = RECORD_REGULAR };
        assert_int_equal(load("{\"userName\":\"a\",\"io.x\":1,\"secret\":{\"password\":[\"p\"]}}", p, &ur, NULL), 0);
        assert_int_equal(json_object_object_length(user_record_json(ur)), 1);
        assert_null(ur->user_name);
        assert_string_equal(ur->password[0], "p");
        user_record_unref(ur);
}

static void test_require(void **state) {
        RecordError e = {};
        RecordLoadPolicy p = { .require = RECORD_REGULAR | RECORD_PRIVILEGED, .allow = RECORD_SIGNABLE };
        UserRecord *ur = NULL;

        assert_int_equal(load("{\"userName\":\"a\"}", p, NULL, &e), -ENOENT);
        assert_string_equal(e.field, "privileged");
        assert_int_equal(load("{\"privileged\":{}}", p, NULL, &e), -ENOENT);
        assert_string_equal(e.field, "userName");
        assert_int_equal(load("{}", RECORD_POLICY_ANY, NULL, &e), -ENOENT);
        assert_string_equal(e.field, "userName");

        /* A secret-only request needs no userName. */
        assert_int_equal(load("{\"secret\":{\"password\":[\"pw\"]}}", RECORD_POLICY_SECRET_ONLY, &ur, &e), 0);
        assert_null(ur->user_name);
        assert_string_equal(ur->password[0], "pw");
        user_record_unref(ur);
}

static void test_section_types(void **state) {
        RecordError e = {};
        static const struct { const char *t, *field; } cases[] = {
                { "{\"userName\":\"a\",\"secret\":[]}", "secret" },
                { "{\"userName\":\"a\",\"privileged\":\"x\"}", "privileged" },
                { "{\"userName\":\"a\",\"perMachine\":{}}", "perMachine" },
                { "{\"userName\":\"a\",\"binding\":[]}", "binding" },
                { "{\"userName\":\"a\",\"status\":null}", "status" },
                { "{\"userName\":\"a\",\"signature\":{}}", "signature" },
        };

        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                assert_int_equal(load(cases[i].t, RECORD_POLICY_ANY, NULL, &e), -EBADMSG);
                assert_string_equal(e.field, cases[i].field);
        }
}

static void test_default_options(void **state) {
        UserRecord *ur = NULL;
        const char *t = "{\"userName\":\"a\",\"uid\":5}";

        /* NULL options: everything allowed, userName required, host machine. */
        assert_int_equal(user_record_load_text(t, strlen(t), NULL, &ur, NULL), 0);
        assert_int_equal(ur->uid, 5);
        user_record_unref(ur);
        json_object *empty = json_object_new_object();
        assert_int_equal(user_record_validate(empty, NULL, NULL), -ENOENT);
        json_object_put(empty);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_present),
                cmocka_unit_test(test_refuse),
                cmocka_unit_test(test_strip),
                cmocka_unit_test(test_require),
                cmocka_unit_test(test_section_types),
                cmocka_unit_test(test_default_options),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
