/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "macro.h"
#include "userdb-match.h"
#include "userdb-util.h"

static void test_levenshtein(void **state) {
        assert_int_equal(userdb_levenshtein("", ""), 0);
        assert_int_equal(userdb_levenshtein("abc", ""), 3);
        assert_int_equal(userdb_levenshtein("", "abc"), 3);
        assert_int_equal(userdb_levenshtein("kitten", "sitting"), 3);
        assert_int_equal(userdb_levenshtein("flaw", "lawn"), 2);
        assert_int_equal(userdb_levenshtein("same", "same"), 0);
}

static void test_fuzzy(void **state) {
        char *n1[] = { (char *) "LIC", NULL };
        char *n2[] = { (char *) "alicee", NULL };       /* 6 chars, distance 1 from "alice" */
        char *n3[] = { (char *) "alx", NULL };          /* short needle: substring only */
        char *n4[] = { (char *) "zzzzzzzz", NULL };
        char *n5[] = { (char *) "bobby", (char *) "Alice Liddell", NULL };
        const char *hay[] = { "alice", NULL, "Alice Liddell" };

        assert_true(userdb_fuzzy_match(n1, hay, ELEMENTSOF(hay)));
        assert_true(userdb_fuzzy_match(n2, hay, ELEMENTSOF(hay)));
        assert_false(userdb_fuzzy_match(n3, hay, ELEMENTSOF(hay)));
        assert_false(userdb_fuzzy_match(n4, hay, ELEMENTSOF(hay)));
        assert_true(userdb_fuzzy_match(n5, hay, ELEMENTSOF(hay)));
        assert_false(userdb_fuzzy_match(NULL, hay, ELEMENTSOF(hay)));
}

static json_object *parse(const char *s) {
        json_object *o = json_tokener_parse(s);
        assert_non_null(o);
        return o;
}

static void test_params(void **state) {
        const char *bad = NULL;
        UserDBMatch m;

        _cleanup_json_ json_object *p1 = parse("{\"fuzzyNames\":[\"a\",\"b\"],\"dispositionMask\":[\"regular\",\"system\"],"
                                               "\"uidMin\":1000,\"uidMax\":2000,\"service\":\"x\"}");
        assert_int_equal(userdb_match_from_params(p1, false, &bad, &m), 0);
        assert_true(userdb_match_is_set(&m));
        assert_int_equal(strv_length(m.fuzzy_names), 2);
        assert_int_equal(m.id_min, 1000);
        assert_int_equal(m.id_max, 2000);
        assert_true(m.disposition_mask & (UINT64_C(1) << USER_REGULAR));
        assert_true(m.disposition_mask & (UINT64_C(1) << USER_SYSTEM));
        assert_false(m.disposition_mask & (UINT64_C(1) << USER_DYNAMIC));

        /* Round trip through the parameters a client sends. */
        _cleanup_json_ json_object *out = json_object_new_object();
        assert_int_equal(userdb_match_to_params(&m, false, out), 0);
        UserDBMatch m2;
        assert_int_equal(userdb_match_from_params(out, false, &bad, &m2), 0);
        assert_int_equal(m2.id_min, 1000);
        assert_int_equal(m2.disposition_mask, m.disposition_mask);
        userdb_match_done(&m2);
        userdb_match_done(&m);

        /* Group names of the range fields. */
        _cleanup_json_ json_object *p2 = parse("{\"gidMin\":5}");
        assert_int_equal(userdb_match_from_params(p2, true, &bad, &m), 0);
        assert_int_equal(m.id_min, 5);
        userdb_match_done(&m);
        assert_int_equal(userdb_match_from_params(p2, false, &bad, &m), 0);
        assert_false(userdb_match_is_set(&m));

        static const struct { const char *json, *field; } bads[] = {
                { "{\"dispositionMask\":[\"bogus\"]}", "dispositionMask" },
                { "{\"dispositionMask\":\"regular\"}", "dispositionMask" },
                { "{\"fuzzyNames\":[1]}", "fuzzyNames" },
                { "{\"uidMin\":-1}", "uidMin" },
                { "{\"uidMax\":4294967295}", "uidMax" },
                { "{\"uidMin\":\"5\"}", "uidMin" },
                { "{\"uidMin\":10,\"uidMax\":5}", "uidMin" },
        };
        for (size_t i = 0; i < ELEMENTSOF(bads); i++) {
                _cleanup_json_ json_object *p = parse(bads[i].json);
                bad = NULL;
                assert_int_equal(userdb_match_from_params(p, false, &bad, &m), -EINVAL);
                assert_string_equal(bad, bads[i].field);
        }

        /* An empty mask accepts nothing. */
        _cleanup_json_ json_object *p3 = parse("{\"dispositionMask\":[]}");
        assert_int_equal(userdb_match_from_params(p3, false, &bad, &m), 0);
        assert_int_equal(m.disposition_mask, 0);
}

static UserRecord *load_user(const char *json) {
        _cleanup_json_ json_object *o = parse(json);
        RecordMachine machine = {};
        RecordLoadOptions lo = { .policy = RECORD_POLICY_ANY, .machine = &machine };
        UserRecord *ur = NULL;
        assert_int_equal(user_record_load(o, &lo, &ur, NULL), 0);
        return ur;
}

static void test_match_user(void **state) {
        _cleanup_(user_record_unrefp) UserRecord *ur =
                load_user("{\"userName\":\"alice\",\"uid\":60100,\"realName\":\"Alice Liddell\","
                          "\"emailAddress\":\"alice@wonder.land\",\"aliases\":[\"ally\"]}");
        UserDBMatch m = USERDB_MATCH_NULL;

        assert_true(userdb_match_user(&m, ur));
        assert_true(userdb_match_user(NULL, ur));

        m.id_min = 60000, m.id_max = 60100;
        assert_true(userdb_match_user(&m, ur));
        m.id_max = 60099;
        assert_false(userdb_match_user(&m, ur));
        m = USERDB_MATCH_NULL;

        m.disposition_mask = UINT64_C(1) << USER_REGULAR;
        assert_true(userdb_match_user(&m, ur));
        m.disposition_mask = UINT64_C(1) << USER_SYSTEM;
        assert_false(userdb_match_user(&m, ur));
        m = USERDB_MATCH_NULL;

        char *wonder[] = { (char *) "WONDER", NULL };
        char *ally[] = { (char *) "ally", NULL };
        char *liddel[] = { (char *) "alice liddel", NULL };
        char *nope[] = { (char *) "bob", NULL };
        m.fuzzy_names = wonder;
        assert_true(userdb_match_user(&m, ur));
        m.fuzzy_names = ally;
        assert_true(userdb_match_user(&m, ur));
        m.fuzzy_names = liddel;
        assert_true(userdb_match_user(&m, ur));
        m.fuzzy_names = nope;
        assert_false(userdb_match_user(&m, ur));
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_levenshtein),
                cmocka_unit_test(test_fuzzy),
                cmocka_unit_test(test_params),
                cmocka_unit_test(test_match_user),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
