/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* JSON text to record: strict parsing, exact 64-bit values, null, unknown
 * fields kept, permissive mangling, secrets. */

#include <errno.h>

#include "macro.h"
#include "record-test-util.h"

static int parse(const char *text, RecordError *e) {
        json_object *o = NULL;
        int r = record_json_parse(text, strlen(text), 0, &o, e);
        if (r >= 0)
                assert_non_null(o);
        json_object_put(o);
        return r;
}

static void test_parse_strict(void **state) {
        RecordError e = {};

        assert_int_equal(parse("{\"a\":1}", &e), 0);
        assert_int_equal(parse(" {\"a\":1} \n", &e), 0);
        assert_int_equal(parse("{\"a\":1} x", &e), -EBADMSG);
        assert_int_equal(parse("{\"a\":1}{}", &e), -EBADMSG);
        assert_int_equal(parse("{\"a\":1", &e), -EBADMSG);
        assert_int_equal(parse("", &e), -EBADMSG);
        assert_int_equal(parse("[1,2]", &e), -EINVAL);
        assert_int_equal(parse("\"str\"", &e), -EINVAL);
        assert_int_equal(parse("{'a':1}", &e), -EBADMSG);
        assert_int_equal(parse("{\"a\":NaN}", &e), -EBADMSG);
        assert_int_equal(parse("{\"a\":Infinity}", &e), -EBADMSG);
        assert_int_equal(parse("{\"a\":-Infinity}", &e), -EBADMSG);
        assert_int_equal(parse("{\"a\":1e999}", &e), -EBADMSG);
        assert_int_equal(parse("{\"a\":1.000000000000000000000000000000000000000000000000000000000000000000000e999}", &e), -EBADMSG);
        assert_int_equal(parse("{\"a\":1.000000000000000000000000000000000000000000000000000000000000000000001}", &e), 0);
        assert_int_equal(parse("{\"a\":01}", &e), -EBADMSG);
        assert_int_equal(parse("{\"a\":1,}", &e), -EBADMSG);
        assert_int_equal(parse("{\"a\":18446744073709551615}", &e), 0);
        assert_int_equal(parse("{\"a\":18446744073709551616}", &e), -EBADMSG);
        assert_int_equal(parse("{\"a\":-9223372036854775808}", &e), 0);
        assert_int_equal(parse("{\"a\":-9223372036854775809}", &e), -EBADMSG);
        assert_int_equal(parse("{\"a\":\"x\\u0000y\"}", &e), -EINVAL);
        assert_int_equal(parse("{\"a\":\"\\ud800\"}", &e), -EBADMSG);
        assert_int_equal(parse("{\"a\":\"\\udc00\"}", &e), -EBADMSG);
        assert_int_equal(parse("{\"a\":\"\\ud83d\\ude00\"}", &e), 0);          /* a valid pair */
        assert_int_equal(parse("{\"a\":\"\xff\"}", &e), -EBADMSG);
        assert_int_equal(parse("{\"a\":\"\xed\xa0\x80\"}", &e), -EBADMSG);      /* UTF-8 encoded surrogate */
        assert_int_equal(parse("{\"a\":\"\xc0\xaf\"}", &e), -EBADMSG);          /* overlong */
        assert_int_equal(parse("{\"a\":\"\\\"}\"}", &e), 0);                     /* escaped quote inside */
}

static void test_parse_duplicates(void **state) {
        RecordError e = {};

        assert_int_equal(parse("{\"a\":1,\"a\":2}", &e), -ENOTUNIQ);
        assert_int_equal(parse("{\"a\":{\"b\":1,\"b\":1}}", &e), -ENOTUNIQ);
        assert_int_equal(parse("{\"a\":[{\"x\":1},{\"x\":1}]}", &e), 0);
        assert_int_equal(parse("{\"a\":{\"b\":{\"c\":1}},\"a\":2}", &e), -ENOTUNIQ);
        /* A key-like string inside an array is not a key. */
        assert_int_equal(parse("{\"a\":[\"b\", \"b\"], \"b\" : 1}", &e), 0);
}

static void test_parse_limits(void **state) {
        RecordError e = {};
        json_object *o = NULL;
        char deep[200];
        size_t n = 0;

        assert_int_equal(record_json_parse("{\"a\":1}", 7, 6, &o, &e), -EMSGSIZE);
        assert_null(o);
        assert_int_equal(record_json_parse("{\"a\":1}\0", 8, 0, &o, &e), -EBADMSG);

        n += (size_t) sprintf(deep, "{\"a\":");
        for (int i = 0; i < 40; i++)
                deep[n++] = '[';
        for (int i = 0; i < 40; i++)
                deep[n++] = ']';
        deep[n++] = '}';
        deep[n] = 0;
        assert_int_equal(parse(deep, &e), -EBADMSG);
}

static void test_uint64_exact(void **state) {
        UserRecord *ur = load_user("{\"userName\":\"a\",\"diskSize\":18446744073709551614,"
                                   "\"lastChangeUSec\":9223372036854775808,\"memoryMax\":9223372036854775807}");
        assert_true(ur->disk_size == UINT64_C(18446744073709551614));
        assert_true(ur->last_change_usec == UINT64_C(9223372036854775808));
        assert_true(ur->memory_max == UINT64_C(9223372036854775807));
        user_record_unref(ur);

        /* UINT64_MAX is the "unset" sentinel and therefore not a value. */
        load_user_fails("{\"userName\":\"a\",\"diskSize\":18446744073709551615}", -EINVAL, "diskSize");
        load_user_fails("{\"userName\":\"a\",\"diskSize\":-1}", -EINVAL, "diskSize");
        load_user_fails("{\"userName\":\"a\",\"diskSize\":1.5}", -EINVAL, "diskSize");
        load_user_fails("{\"userName\":\"a\",\"diskSize\":1e3}", -EINVAL, "diskSize");
        load_user_fails("{\"userName\":\"a\",\"diskSize\":\"5\"}", -EINVAL, "diskSize");
        load_user_fails("{\"userName\":\"a\",\"locked\":1}", -EINVAL, "locked");
        load_user_fails("{\"userName\":\"a\",\"uid\":4294967295}", -EINVAL, "uid");
}

static void test_error_message(void **state) {
        RecordMachine m = test_machine();
        RecordLoadOptions o = test_options(RECORD_POLICY_ANY, 0, &m);
        RecordError e = {};
        UserRecord *ur = NULL;
        const char *t = "{\"userName\":\"a\",\"uid\":4294967295}";

        assert_int_equal(user_record_load_text(t, strlen(t), &o, &ur, &e), -EINVAL);
        assert_null(ur);
        assert_string_equal(e.field, "uid");
        assert_string_equal(e.message, "field 'uid': must be in 0..4294967294");
        /* NULL error is allowed. */
        assert_int_equal(user_record_load_text(t, strlen(t), &o, &ur, NULL), -EINVAL);
}

static void test_null_is_unset(void **state) {
        UserRecord *ur = load_user("{\"userName\":\"a\",\"uid\":null,\"shell\":null,\"locked\":null,\"memberOf\":null}");
        assert_int_equal(ur->uid, UID_INVALID);
        assert_null(ur->shell);
        assert_int_equal(ur->locked, -1);
        assert_null(ur->member_of);
        user_record_unref(ur);
}

static void test_unknown_fields_kept(void **state) {
        const char *t = "{\"userName\":\"a\",\"io.example.thing\":{\"x\":[1,2.5,null]},\"futureField\":true,"
                        "\"privileged\":{\"futurePriv\":1},\"perMachine\":[{\"matchHostname\":\"testhost\",\"futurePM\":2}]}";
        UserRecord *ur = load_user(t);
        json_object *in = NULL;

        assert_int_equal(record_json_parse(t, strlen(t), 0, &in, NULL), 0);
        assert_true(json_object_equal(in, user_record_json(ur)));
        assert_int_equal(ur->n_per_machine_applied, 1);
        json_object_put(in);
        user_record_unref(ur);
}

static void test_input_not_modified(void **state) {
        RecordMachine m = test_machine();
        RecordLoadOptions o = test_options(RECORD_POLICY_LOOKUP_STRIP_SECRET, 0, &m);
        const char *t = "{\"userName\":\"a\",\"secret\":{\"password\":[\"pw\"]}}";
        json_object *in = NULL, *secret;
        UserRecord *ur = NULL;

        assert_int_equal(record_json_parse(t, strlen(t), 0, &in, NULL), 0);
        assert_int_equal(user_record_load(in, &o, &ur, NULL), 0);
        assert_true(json_object_object_get_ex(in, "secret", &secret));
        assert_false(json_object_object_get_ex(user_record_json(ur), "secret", NULL));
        assert_null(ur->password);
        user_record_unref(ur);
        /* Freeing the record wipes its own copy, not the caller's. */
        assert_string_equal(json_object_get_string(json_object_array_get_idx(
                json_object_object_get(secret, "password"), 0)), "pw");
        json_object_put(in);
}

static void test_realname_permissive(void **state) {
        RecordMachine m = test_machine();
        RecordLoadOptions strict = test_options(RECORD_POLICY_ANY, 0, &m);
        RecordLoadOptions perm = test_options(RECORD_POLICY_ANY, RECORD_LOAD_PERMISSIVE, &m);
        const char *t = "{\"userName\":\"a\",\"realName\":\"Ann: the\\nfirst\"}";
        RecordError e = {};
        UserRecord *ur = NULL;

        assert_int_equal(user_record_load_text(t, strlen(t), &strict, &ur, &e), -EINVAL);
        assert_string_equal(e.field, "realName");
        assert_int_equal(user_record_load_text(t, strlen(t), &perm, &ur, &e), 0);
        assert_string_equal(ur->real_name, "Ann  the first");
        /* The JSON keeps what it said. */
        assert_string_equal(json_object_get_string(json_object_object_get(user_record_json(ur), "realName")),
                            "Ann: the\nfirst");
        user_record_unref(ur);

        /* Permissive mode mangles only realName. */
        t = "{\"userName\":\"a:b\"}";
        assert_int_equal(user_record_load_text(t, strlen(t), &perm, &ur, &e), -EINVAL);
        assert_string_equal(e.field, "userName");
}

static void test_strict_names(void **state) {
        RecordMachine m = test_machine();
        RecordLoadOptions o = test_options(RECORD_POLICY_ANY, RECORD_LOAD_STRICT_NAMES, &m);
        RecordError e = {};
        UserRecord *ur = NULL;
        const char *relaxed_only = "{\"userName\":\"J\xc3\xb6rg M\"}";
        const char *ok = "{\"userName\":\"jorg_m-1\"}";

        assert_int_equal(user_record_load_text(relaxed_only, strlen(relaxed_only), &o, &ur, &e), -EINVAL);
        assert_string_equal(e.field, "userName");
        ur = load_user(relaxed_only);
        user_record_unref(ur);
        assert_int_equal(user_record_load_text(ok, strlen(ok), &o, &ur, &e), 0);
        user_record_unref(ur);
}

static void test_name_matching(void **state) {
        UserRecord *ur = load_user("{\"userName\":\"a\",\"realm\":\"example.org\",\"aliases\":[\"b\"]}");

        assert_string_equal(ur->user_name_and_realm, "a@example.org");
        assert_true(user_record_matches_user_name(ur, "a"));
        assert_true(user_record_matches_user_name(ur, "a@example.org"));
        assert_true(user_record_matches_user_name(ur, "b"));
        assert_true(user_record_matches_user_name(ur, "b@example.org"));
        assert_false(user_record_matches_user_name(ur, "a@example.com"));
        assert_false(user_record_matches_user_name(ur, "c"));
        user_record_unref(ur);
}

static void test_secret_section(void **state) {
        UserRecord *ur = load_user("{\"userName\":\"a\",\"secret\":{\"password\":[\"p1\",\"p\\tw\"],"
                                   "\"tokenPin\":[\"1\"],\"pkcs11Pin\":[\"2\"],\"fido2UserPresencePermitted\":true}}");
        assert_int_equal(strv_length(ur->password), 2);
        assert_string_equal(ur->password[1], "p\tw");
        assert_int_equal(strv_length(ur->token_pin), 2);
        assert_string_equal(ur->token_pin[0], "1");
        assert_string_equal(ur->token_pin[1], "2");
        assert_int_equal(ur->fido2_user_presence_permitted, 1);
        user_record_unref(ur);
}

static void test_typed_fields(void **state) {
        UserRecord *ur = load_user(
                "{\"userName\":\"a\",\"resourceLimits\":{\"RLIMIT_NOFILE\":{\"cur\":10,\"max\":null}},"
                "\"capabilityBoundingSet\":[\"CAP_CHOWN\",\"cap_sys_admin\"],\"luksUuid\":\"8C1E1A6F-3C52-4F0D-9A3F-2B0C1D4E5F60\","
                "\"autoResizeMode\":true,\"rebalanceWeight\":true,\"fido2HmacCredential\":[\"AAEC\"],"
                "\"blobManifest\":{\"avatar\":\"ca978112ca1bbdcafac231b39a23dc4da786eff8147c4e72b9807785afee48bb\"},"
                "\"pkcs11TokenUri\":\"pkcs11:token=x\",\"tmpLimitScale\":4294967295}");
        char buf[37];

        assert_non_null(ur->rlimits[RLIMIT_NOFILE]);
        assert_int_equal(ur->rlimits[RLIMIT_NOFILE]->rlim_cur, 10);
        assert_true(ur->rlimits[RLIMIT_NOFILE]->rlim_max == RLIM_INFINITY);
        assert_null(ur->rlimits[RLIMIT_CORE]);
        assert_true(ur->capability_bounding_set == ((UINT64_C(1) << 0) | (UINT64_C(1) << 21)));
        assert_true(ur->capability_ambient_set == UINT64_MAX);
        assert_string_equal(id128_to_uuid_string(&ur->luks_uuid, buf), "8c1e1a6f-3c52-4f0d-9a3f-2b0c1d4e5f60");
        assert_int_equal(ur->auto_resize_mode, AUTO_RESIZE_SHRINK_AND_GROW);
        assert_true(ur->rebalance_weight == REBALANCE_WEIGHT_DEFAULT);
        assert_int_equal(ur->n_fido2_hmac_credential, 1);
        assert_int_equal(ur->fido2_hmac_credential[0].size, 3);
        assert_int_equal(ur->fido2_hmac_credential[0].data[2], 2);
        assert_int_equal(ur->n_blob_manifest, 1);
        assert_int_equal(ur->blob_manifest[0].sha256[0], 0xca);
        assert_int_equal(ur->blob_manifest[0].sha256[31], 0xbb);
        assert_int_equal(strv_length(ur->pkcs11_token_uri), 1);
        assert_true(ur->tmp_limit.scale_set);
        assert_true(ur->tmp_limit.limit_scale == UINT32_MAX);
        user_record_unref(ur);

        load_user_fails("{\"userName\":\"a\",\"resourceLimits\":{\"RLIMIT_NOFILE\":{\"cur\":10,\"max\":5}}}",
                        -EINVAL, "resourceLimits.RLIMIT_NOFILE");
        load_user_fails("{\"userName\":\"a\",\"autoResizeMode\":\"sometimes\"}", -EINVAL, "autoResizeMode");
        load_user_fails("{\"userName\":\"a\",\"rebalanceWeight\":10001}", -EINVAL, "rebalanceWeight");
        load_user_fails("{\"userName\":\"a\",\"tmpLimitScale\":4294967296}", -EINVAL, "tmpLimitScale");
        load_user_fails("{\"userName\":\"a\",\"luksPbkdfType\":\"scrypt\"}", -EINVAL, "luksPbkdfType");
        load_user_fails("{\"userName\":\"a\",\"privileged\":{\"recoveryKey\":[{\"type\":\"modhex64\"}]}}",
                        -EINVAL, "privileged.recoveryKey[0].hashedPassword");
        load_user_fails("{\"userName\":\"a\",\"privileged\":[]}", -EBADMSG, "privileged");
}

static void test_refcount(void **state) {
        UserRecord *ur = load_user("{\"userName\":\"a\"}");
        assert_ptr_equal(user_record_ref(ur), ur);
        assert_null(user_record_unref(ur));
        assert_string_equal(ur->user_name, "a");
        assert_null(user_record_unref(ur));
        assert_null(user_record_unref(NULL));
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_parse_strict),
                cmocka_unit_test(test_parse_duplicates),
                cmocka_unit_test(test_parse_limits),
                cmocka_unit_test(test_uint64_exact),
                cmocka_unit_test(test_error_message),
                cmocka_unit_test(test_null_is_unset),
                cmocka_unit_test(test_unknown_fields_kept),
                cmocka_unit_test(test_input_not_modified),
                cmocka_unit_test(test_realname_permissive),
                cmocka_unit_test(test_strict_names),
                cmocka_unit_test(test_name_matching),
                cmocka_unit_test(test_secret_section),
                cmocka_unit_test(test_typed_fields),
                cmocka_unit_test(test_refcount),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
