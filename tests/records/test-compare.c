/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Newer, compatible, masked equality and host/embedded reconciliation. */

#include <errno.h>

#include "macro.h"
#include "record-test-util.h"

#define MID TEST_MACHINE_ID
#define BINDING ",\"binding\":{\"" MID "\":{\"imagePath\":\"/home/a.home\",\"uid\":60100}}"

static UserRecord *host_rec(const char *extra) {
        char buf[1024];
        snprintf(buf, sizeof(buf), "{\"userName\":\"a\",\"uid\":60100%s" BINDING "}", extra);
        return load_user(buf);
}

static UserRecord *emb_rec(const char *extra) {
        char buf[1024];
        snprintf(buf, sizeof(buf), "{\"userName\":\"a\",\"uid\":60100%s}", extra);
        return load_user(buf);
}

static void test_newer(void **state) {
        UserRecord *a = emb_rec(",\"lastChangeUSec\":10"), *b = emb_rec(",\"lastChangeUSec\":20"), *c = emb_rec("");

        assert_true(user_record_compare_last_change(a, b) < 0);
        assert_true(user_record_compare_last_change(b, a) > 0);
        assert_int_equal(user_record_compare_last_change(a, a), 0);
        assert_true(user_record_compare_last_change(c, a) < 0);   /* no timestamp is older */
        assert_true(user_record_compare_last_change(a, c) > 0);
        assert_int_equal(user_record_compare_last_change(c, c), 0);

        assert_int_equal(user_record_check_update(a, b), 0);
        assert_int_equal(user_record_check_update(b, a), -ESTALE);
        assert_int_equal(user_record_check_update(a, a), 0);
        user_record_unref(a);
        user_record_unref(b);
        user_record_unref(c);
}

static void test_compatible(void **state) {
        UserRecord *a = load_user("{\"userName\":\"a\"}"), *a2 = load_user("{\"userName\":\"a\",\"uid\":5}"),
                   *ar = load_user("{\"userName\":\"a\",\"realm\":\"x.org\"}"), *b = load_user("{\"userName\":\"b\"}");

        assert_true(user_record_compatible(a, a2));
        assert_false(user_record_compatible(a, ar));
        assert_false(user_record_compatible(a, b));
        assert_int_equal(user_record_check_update(a, b), -EREMCHG);
        user_record_unref(a);
        user_record_unref(a2);
        user_record_unref(ar);
        user_record_unref(b);
}

static void test_masked_equal(void **state) {
        UserRecord *a = load_user("{\"userName\":\"a\",\"x\":[1,{\"y\":2}],\"status\":{\"" MID "\":{\"state\":\"active\"}}}");
        UserRecord *b = load_user("{\"x\":[1,{\"y\":2}],\"userName\":\"a\"}");
        UserRecord *c = load_user("{\"userName\":\"a\",\"x\":[1,{\"y\":2.0}]}");

        assert_true(user_record_masked_equal(a, b, RECORD_REGULAR));
        assert_false(user_record_masked_equal(a, b, RECORD_REGULAR | RECORD_STATUS));
        assert_false(user_record_masked_equal(a, c, RECORD_REGULAR));    /* 2 vs 2.0 */
        user_record_unref(a);
        user_record_unref(b);
        user_record_unref(c);
}

static void test_reconcile(void **state) {
        UserRecord *host = host_rec(",\"lastChangeUSec\":20"), *older = emb_rec(",\"lastChangeUSec\":10,\"shell\":\"/bin/old\""),
                   *newer = emb_rec(",\"lastChangeUSec\":30,\"shell\":\"/bin/new\""),
                   *same = emb_rec(",\"lastChangeUSec\":20"), *same_diff = emb_rec(",\"lastChangeUSec\":20,\"shell\":\"/x\""),
                   *none = emb_rec(""), *ret = NULL;
        RecordMachine m = test_machine();
        RecordLoadOptions o = test_options(RECORD_POLICY_HOST, 0, &m);
        RecordError e = {};

        assert_int_equal(user_record_reconcile(host, older, RECONCILE_ANY, &o, &ret, &e), RECONCILE_HOST_WIN);
        assert_ptr_equal(ret, host);
        user_record_unref(ret);
        assert_int_equal(user_record_reconcile(host, none, RECONCILE_ANY, &o, &ret, &e), RECONCILE_HOST_WIN);
        user_record_unref(ret);

        /* Host copy has binding, embedded does not: masked equality ignores it. */
        assert_int_equal(user_record_reconcile(host, same, RECONCILE_ANY, &o, &ret, &e), RECONCILE_IDENTICAL);
        user_record_unref(ret);
        assert_int_equal(user_record_reconcile(host, same_diff, RECONCILE_ANY, &o, &ret, &e), RECONCILE_HOST_WIN_EQUAL);
        assert_ptr_equal(ret, host);
        user_record_unref(ret);

        assert_int_equal(user_record_reconcile(host, newer, RECONCILE_ANY, &o, &ret, &e), RECONCILE_EMBEDDED_WIN);
        assert_string_equal(ret->shell, "/bin/new");
        assert_true(ret->have_binding);
        assert_string_equal(ret->image_path, "/home/a.home");
        assert_true(json_object_object_get_ex(user_record_json(ret), "binding", NULL));
        assert_false(json_object_object_get_ex(user_record_json(newer), "binding", NULL));
        user_record_unref(ret);

        ret = NULL;
        assert_int_equal(user_record_reconcile(host, newer, RECONCILE_REQUIRE_NEWER_OR_EQUAL, &o, &ret, &e), -ESTALE);
        assert_null(ret);
        assert_int_equal(user_record_reconcile(host, same, RECONCILE_REQUIRE_NEWER_OR_EQUAL, &o, &ret, &e), RECONCILE_IDENTICAL);
        user_record_unref(ret);
        assert_int_equal(user_record_reconcile(host, same, RECONCILE_REQUIRE_NEWER, NULL, NULL, &e), -ESTALE);
        assert_int_equal(user_record_reconcile(host, newer, RECONCILE_REQUIRE_NEWER, NULL, NULL, &e), -ESTALE);
        assert_int_equal(user_record_reconcile(host, older, RECONCILE_REQUIRE_NEWER, NULL, NULL, &e), RECONCILE_HOST_WIN);

        user_record_unref(older);
        user_record_unref(newer);
        user_record_unref(same);
        user_record_unref(same_diff);
        user_record_unref(none);
        user_record_unref(host);
}

static void test_reconcile_refusals(void **state) {
        UserRecord *host = host_rec(""), *other = load_user("{\"userName\":\"b\"}"),
                   *bound = host_rec(",\"lastChangeUSec\":1"), *secret = load_user("{\"userName\":\"a\",\"secret\":{}}"),
                   *nameless = NULL;
        RecordMachine m = test_machine();
        RecordLoadOptions o = test_options((RecordLoadPolicy) { .allow = RECORD_SECRET }, 0, &m);
        RecordError e = {};
        const char *t = "{\"secret\":{}}";

        assert_int_equal(user_record_load_text(t, strlen(t), &o, &nameless, NULL), 0);
        assert_int_equal(user_record_reconcile(host, other, RECONCILE_ANY, NULL, NULL, &e), -EREMCHG);
        assert_int_equal(user_record_reconcile(host, bound, RECONCILE_ANY, NULL, NULL, &e), -EPERM);
        assert_int_equal(user_record_reconcile(host, secret, RECONCILE_ANY, NULL, NULL, &e), -EPERM);
        assert_int_equal(user_record_reconcile(host, nameless, RECONCILE_ANY, NULL, NULL, &e), -EREMCHG);
        user_record_unref(host);
        user_record_unref(other);
        user_record_unref(bound);
        user_record_unref(secret);
        user_record_unref(nameless);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_newer),
                cmocka_unit_test(test_compatible),
                cmocka_unit_test(test_masked_equal),
                cmocka_unit_test(test_reconcile),
                cmocka_unit_test(test_reconcile_refusals),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
