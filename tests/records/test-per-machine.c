/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* perMachine matching and application, binding and status selection. */

#include <errno.h>

#include "macro.h"
#include "record-test-util.h"

#define MID TEST_MACHINE_ID
#define OTHER TEST_OTHER_MACHINE_ID

static UserRecord *load_as(const char *text, const RecordMachine *m) {
        RecordLoadOptions o = test_options(RECORD_POLICY_ANY, 0, m);
        RecordError e = {};
        UserRecord *ur = NULL;
        int r = user_record_load_text(text, strlen(text), &o, &ur, &e);
        if (r < 0)
                fail_msg("load failed (%d): %s", r, e.message);
        return ur;
}

static int matches(const char *entry, const RecordMachine *m, RecordError *e) {
        json_object *o = NULL;
        int r;

        assert_int_equal(record_json_parse(entry, strlen(entry), 0, &o, NULL), 0);
        r = per_machine_entry_matches(o, m, "perMachine[0]", e);
        json_object_put(o);
        return r;
}

static void test_match_keys(void **state) {
        RecordMachine m = test_machine();
        RecordError e = {};

        assert_int_equal(matches("{\"matchMachineId\":\"" MID "\"}", &m, &e), 1);
        assert_int_equal(matches("{\"matchMachineId\":[\"" OTHER "\",\"" MID "\"]}", &m, &e), 1);
        assert_int_equal(matches("{\"matchMachineId\":[\"" OTHER "\"]}", &m, &e), 0);
        assert_int_equal(matches("{\"matchMachineId\":[]}", &m, &e), 0);
        /* Array-form hostnames compare each element (not the array). */
        assert_int_equal(matches("{\"matchHostname\":[\"a\",\"testhost\"]}", &m, &e), 1);
        assert_int_equal(matches("{\"matchHostname\":[\"a\",\"b\"]}", &m, &e), 0);
        assert_int_equal(matches("{\"matchHostname\":\"testhost\"}", &m, &e), 1);
        /* OR across keys. */
        assert_int_equal(matches("{\"matchMachineId\":\"" OTHER "\",\"matchHostname\":\"testhost\"}", &m, &e), 1);
        assert_int_equal(matches("{\"matchMachineId\":\"" MID "\",\"matchHostname\":\"nope\"}", &m, &e), 1);
        /* Inverted. */
        assert_int_equal(matches("{\"matchNotMachineId\":\"" OTHER "\"}", &m, &e), 1);
        assert_int_equal(matches("{\"matchNotMachineId\":[\"" OTHER "\",\"" MID "\"]}", &m, &e), 0);
        /* No match key: never. */
        assert_int_equal(matches("{\"uid\":5}", &m, &e), 0);
        /* UUID-form ids are ids too. */
        assert_int_equal(matches("{\"matchMachineId\":\"01234567-89ab-cdef-0123-456789abcdef\"}", &m, &e), 1);

        assert_int_equal(matches("{\"matchMachineId\":5}", &m, &e), -EINVAL);
        assert_string_equal(e.field, "perMachine[0].matchMachineId");
        assert_int_equal(matches("{\"matchMachineId\":[\"" MID "\",7]}", &m, &e), -EINVAL);
        assert_string_equal(e.field, "perMachine[0].matchMachineId[1]");
        assert_int_equal(matches("{\"matchHostname\":[\"testhost\",\"bad host\"]}", &m, &e), -EINVAL);
        assert_string_equal(e.field, "perMachine[0].matchHostname[1]");
        assert_int_equal(matches("{\"matchNotMachineId\":\"00000000000000000000000000000000\"}", &m, &e), -EINVAL);
        assert_int_equal(matches("{\"matchMachineId\":null}", &m, &e), -EINVAL);
        json_object *arr = json_object_new_array();
        assert_int_equal(per_machine_entry_matches(arr, &m, "perMachine[0]", &e), -EINVAL);
        json_object_put(arr);
}

static void test_unknown_machine(void **state) {
        RecordMachine none = {};
        RecordError e = {};

        assert_int_equal(matches("{\"matchMachineId\":\"" MID "\"}", &none, &e), 0);
        assert_int_equal(matches("{\"matchHostname\":\"testhost\"}", &none, &e), 0);
        /* Unknown id: cannot tell "not this one", so it does not apply. */
        assert_int_equal(matches("{\"matchNotMachineId\":\"" OTHER "\"}", &none, &e), 0);
        assert_int_equal(matches("{\"matchMachineId\":\"" MID "\"}", NULL, &e), 0);
}

static void test_apply_order(void **state) {
        RecordMachine m = test_machine();
        UserRecord *ur = load_as(
                "{\"userName\":\"a\",\"uid\":1,\"shell\":\"/bin/sh\",\"diskSize\":5,\"perMachine\":["
                "{\"matchMachineId\":\"" MID "\",\"uid\":2,\"shell\":\"/bin/zsh\"},"
                "{\"matchMachineId\":\"" OTHER "\",\"uid\":99},"
                "{\"matchHostname\":[\"x\",\"testhost\"],\"uid\":3,\"diskSize\":null},"
                "{\"matchNotMachineId\":\"" OTHER "\",\"resourceLimits\":{\"RLIMIT_CORE\":{\"cur\":0,\"max\":0}}}]," 
                "\"resourceLimits\":{\"RLIMIT_NOFILE\":{\"cur\":1,\"max\":2}}}", &m);

        assert_int_equal(ur->uid, 3);                      /* later wins */
        assert_string_equal(ur->shell, "/bin/zsh");        /* earlier value kept where not overridden */
        assert_true(ur->disk_size == UINT64_MAX);          /* null resets */
        assert_null(ur->rlimits[RLIMIT_NOFILE]);           /* replaced wholesale, no deep merge */
        assert_non_null(ur->rlimits[RLIMIT_CORE]);
        assert_int_equal(ur->n_per_machine_applied, 3);
        user_record_unref(ur);

        /* Another machine sees the other entries. */
        RecordMachine other = { .hostname = "elsewhere" };
        assert_int_equal(machine_id_parse(OTHER, &other.machine_id), 0);
        ur = load_as("{\"userName\":\"a\",\"uid\":1,\"perMachine\":[{\"matchMachineId\":\"" OTHER "\",\"uid\":99},"
                     "{\"matchNotMachineId\":\"" OTHER "\",\"uid\":50}]}", &other);
        assert_int_equal(ur->uid, 99);
        user_record_unref(ur);
}

static void test_not_overridable(void **state) {
        static const char *const refused[] = {
                "userName", "aliases", "realm", "realName", "emailAddress", "disposition",
                "lastChangeUSec", "lastPasswordChangeUSec", "service", "recoveryKeyType",
        };
        static const char *const values[] = {
                "\"b\"", "[\"b\"]", "\"x.org\"", "\"B\"", "\"b@x\"", "\"system\"", "1", "1", "\"s\"", "[\"modhex64\"]",
        };
        char text[512], field[64];

        for (size_t i = 0; i < ELEMENTSOF(refused); i++) {
                /* Refused whether or not the element applies here. */
                snprintf(text, sizeof(text), "{\"userName\":\"a\",\"perMachine\":[{\"matchMachineId\":\"" OTHER "\",\"%s\":%s}]}",
                         refused[i], values[i]);
                snprintf(field, sizeof(field), "perMachine[0].%s", refused[i]);
                load_user_fails(text, -EINVAL, field);
        }

        /* Allowed ones. */
        UserRecord *ur = load_user("{\"userName\":\"a\",\"perMachine\":[{\"matchHostname\":\"testhost\",\"iconName\":\"i\","
                                   "\"memberOf\":[\"g\"],\"selfModifiableFields\":[],\"tmpLimit\":5,\"pkcs11TokenUri\":[],"
                                   "\"blobDirectory\":\"/b\",\"gid\":7}]}");
        assert_string_equal(ur->icon_name, "i");
        assert_int_equal(ur->gid, 7);
        assert_non_null(ur->self_modifiable_fields);
        assert_null(ur->self_modifiable_fields[0]);
        user_record_unref(ur);
}

static void test_binding_status(void **state) {
        RecordMachine m = test_machine();
        UserRecord *ur = load_as(
                "{\"userName\":\"a\",\"uid\":1,\"storage\":\"directory\",\"imagePath\":\"/x\","
                "\"perMachine\":[{\"matchMachineId\":\"" MID "\",\"imagePath\":\"/y\"}],"
                "\"binding\":{\"" OTHER "\":{\"imagePath\":\"/other\",\"uid\":9},\"" MID "\":{\"imagePath\":\"/bound\",\"storage\":\"luks\",\"someFuture\":1}},"
                "\"status\":{\"" OTHER "\":{\"state\":\"inactive\"},\"" MID "\":{\"state\":\"active\",\"diskSize\":100}}}", &m);

        assert_string_equal(ur->image_path, "/bound");
        assert_int_equal(ur->storage, USER_LUKS);
        assert_int_equal(ur->uid, 1);
        assert_true(ur->have_binding);
        assert_true(ur->have_status);
        assert_string_equal(ur->status.state, "active");
        assert_int_equal(ur->status.disk_size, 100);
        user_record_unref(ur);

        /* Other machines' entries are validated too. */
        load_user_fails("{\"userName\":\"a\",\"binding\":{\"" OTHER "\":{\"uid\":\"x\"}}}", -EINVAL,
                        "binding." OTHER ".uid");
        load_user_fails("{\"userName\":\"a\",\"status\":{\"" OTHER "\":{\"diskSize\":-1}}}", -EINVAL,
                        "status." OTHER ".diskSize");
        load_user_fails("{\"userName\":\"a\",\"binding\":{\"" MID "\":[]}}", -EBADMSG, "binding." MID);
        load_user_fails("{\"userName\":\"a\",\"status\":{\"" "0123456789ABCDEF0123456789ABCDEF" "\":{}}}", -EINVAL,
                        "status.0123456789ABCDEF0123456789ABCDEF");
        /* Only binding fields are read from binding: others are ignored (kept in JSON). */
        ur = load_user("{\"userName\":\"a\",\"binding\":{\"" MID "\":{\"shell\":\"/bin/evil\"}}}");
        assert_null(ur->shell);
        user_record_unref(ur);
}

static void test_no_machine_flag(void **state) {
        RecordMachine m = test_machine();
        RecordLoadOptions o = test_options(RECORD_POLICY_ANY, RECORD_LOAD_NO_MACHINE, &m);
        const char *t = "{\"userName\":\"a\",\"uid\":1,\"perMachine\":[{\"matchMachineId\":\"" MID "\",\"uid\":2}],"
                        "\"binding\":{\"" MID "\":{\"uid\":3}}}";
        const char *bad = "{\"userName\":\"a\",\"perMachine\":[{\"matchMachineId\":\"" MID "\",\"uid\":-2}]}";
        UserRecord *ur = NULL;

        assert_int_equal(user_record_load_text(t, strlen(t), &o, &ur, NULL), 0);
        assert_int_equal(ur->uid, 1);
        user_record_unref(ur);
        assert_int_equal(user_record_load_text(bad, strlen(bad), &o, &ur, NULL), -EINVAL);
}

static void test_host_machine(void **state) {
        RecordMachine m;
        char host[256];
        int r = record_machine_from_host(&m, host, sizeof(host));

        if (r < 0) {
                /* No /etc/machine-id here: nothing to compare against. */
                assert_true(r == -ENOENT || r == -ENOMEDIUM || r == -ENOPKG || r == -EINVAL);
                return;
        }
        assert_false(id128_is_null(&m.machine_id));
        assert_non_null(m.hostname);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_match_keys),
                cmocka_unit_test(test_unknown_machine),
                cmocka_unit_test(test_apply_order),
                cmocka_unit_test(test_not_overridable),
                cmocka_unit_test(test_binding_status),
                cmocka_unit_test(test_no_machine_flag),
                cmocka_unit_test(test_host_machine),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
