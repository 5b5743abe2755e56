/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Group records: fields, sections, perMachine/binding/status, secret refused. */

#include <errno.h>

#include "macro.h"
#include "record-test-util.h"

#define MID TEST_MACHINE_ID
#define OTHER TEST_OTHER_MACHINE_ID

static int load(const char *t, RecordLoadPolicy p, GroupRecord **ret, RecordError *e) {
        RecordMachine m = test_machine();
        RecordLoadOptions o = test_options(p, 0, &m);
        GroupRecord *gr = NULL;
        int r = group_record_load_text(t, strlen(t), &o, &gr, e);
        if (ret)
                *ret = gr;
        else
                group_record_unref(gr);
        return r;
}

static void test_fields(void **state) {
        GroupRecord *gr = NULL;
        RecordError e = {};

        assert_int_equal(load("{\"groupName\":\"wheel\",\"realm\":\"x.org\",\"gid\":10,\"description\":\"Admins\","
                              "\"members\":[\"a\",\"b\"],\"administrators\":[\"a\"],\"service\":\"s\",\"lastChangeUSec\":5,"
                              "\"privileged\":{\"hashedPassword\":[\"!*\"]},\"io.x\":true}",
                              RECORD_POLICY_ANY, &gr, &e), 0);
        assert_string_equal(gr->group_name, "wheel");
        assert_string_equal(group_record_group_name_and_realm(gr), "wheel@x.org");
        assert_true(group_record_matches_group_name(gr, "wheel"));
        assert_true(group_record_matches_group_name(gr, "wheel@x.org"));
        assert_false(group_record_matches_group_name(gr, "wheel@y.org"));
        assert_int_equal(gr->gid, 10);
        assert_int_equal(strv_length(gr->members), 2);
        assert_string_equal(gr->administrators[0], "a");
        assert_string_equal(gr->hashed_password[0], "!*");
        assert_string_equal(group_record_service(gr), "s");
        assert_int_equal(group_record_disposition(gr), USER_SYSTEM);
        assert_true(json_object_object_get_ex(group_record_json(gr), "io.x", NULL));
        assert_ptr_equal(group_record_ref(gr), gr);
        group_record_unref(gr);
        group_record_unref(gr);
}

static void test_secret_refused(void **state) {
        RecordError e = {};
        RecordLoadPolicy strip_secret = { .require = RECORD_REGULAR, .allow = RECORD_REGULAR, .strip = RECORD_SECRET };

        assert_int_equal(load("{\"groupName\":\"g\",\"secret\":{}}", RECORD_POLICY_ANY, NULL, &e), -EPERM);
        assert_string_equal(e.field, "secret");
        /* Even a policy that would strip it does not make it acceptable. */
        assert_int_equal(load("{\"groupName\":\"g\",\"secret\":{}}", strip_secret, NULL, &e), -EPERM);
}

static void test_machine_sections(void **state) {
        GroupRecord *gr = NULL;
        RecordError e = {};

        assert_int_equal(load("{\"groupName\":\"g\",\"gid\":1000,\"members\":[\"x\"],\"perMachine\":["
                              "{\"matchMachineId\":\"" MID "\",\"members\":[\"y\"]},"
                              "{\"matchHostname\":[\"nope\",\"testhost\"],\"administrators\":[\"z\"]},"
                              "{\"matchMachineId\":\"" OTHER "\",\"gid\":1}],"
                              "\"binding\":{\"" MID "\":{\"gid\":2000}},\"status\":{\"" MID "\":{\"service\":\"io.systemd.Home\"}}}",
                              RECORD_POLICY_ANY, &gr, &e), 0);
        assert_string_equal(gr->members[0], "y");
        assert_string_equal(gr->administrators[0], "z");
        assert_int_equal(gr->gid, 2000);
        assert_int_equal(gr->n_per_machine_applied, 2);
        assert_true(gr->have_binding);
        assert_string_equal(group_record_service(gr), "io.systemd.Home");
        group_record_unref(gr);

        assert_int_equal(load("{\"groupName\":\"g\",\"perMachine\":[{\"matchMachineId\":\"" MID "\",\"groupName\":\"h\"}]}",
                              RECORD_POLICY_ANY, NULL, &e), -EINVAL);
        assert_string_equal(e.field, "perMachine[0].groupName");
        assert_int_equal(load("{\"groupName\":\"g\",\"binding\":{\"" OTHER "\":{\"gid\":-1}}}", RECORD_POLICY_ANY, NULL, &e), -EINVAL);
        assert_string_equal(e.field, "binding." OTHER ".gid");
}

static void test_invalid(void **state) {
        RecordError e = {};

        assert_int_equal(load("{\"gid\":1}", RECORD_POLICY_ANY, NULL, &e), -ENOENT);
        assert_string_equal(e.field, "groupName");
        assert_int_equal(load("{\"groupName\":\"g\",\"description\":\"a:b\"}", RECORD_POLICY_ANY, NULL, &e), -EINVAL);
        assert_string_equal(e.field, "description");
        assert_int_equal(load("{\"groupName\":\"123\"}", RECORD_POLICY_ANY, NULL, &e), -EINVAL);
        assert_int_equal(load("{\"groupName\":\"g\",\"administrators\":\"a\"}", RECORD_POLICY_ANY, NULL, &e), -EINVAL);
        assert_string_equal(e.field, "administrators");
        assert_int_equal(load("{\"groupName\":\"g\",\"status\":{\"" MID "\":{\"service\":5}}}", RECORD_POLICY_ANY, NULL, &e), -EINVAL);
        assert_string_equal(e.field, "status." MID ".service");
}

static void test_compare(void **state) {
        GroupRecord *a = NULL, *b = NULL, *c = NULL;

        assert_int_equal(load("{\"groupName\":\"g\",\"lastChangeUSec\":1}", RECORD_POLICY_ANY, &a, NULL), 0);
        assert_int_equal(load("{\"groupName\":\"g\",\"lastChangeUSec\":2}", RECORD_POLICY_ANY, &b, NULL), 0);
        assert_int_equal(load("{\"groupName\":\"g\",\"realm\":\"r.org\"}", RECORD_POLICY_ANY, &c, NULL), 0);
        assert_true(group_record_compare_last_change(a, b) < 0);
        assert_true(group_record_compare_last_change(c, a) < 0);
        assert_true(group_record_compatible(a, b));
        assert_false(group_record_compatible(a, c));
        group_record_unref(a);
        group_record_unref(b);
        group_record_unref(c);
        assert_null(group_record_unref(NULL));
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_fields),
                cmocka_unit_test(test_secret_refused),
                cmocka_unit_test(test_machine_sections),
                cmocka_unit_test(test_invalid),
                cmocka_unit_test(test_compare),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
