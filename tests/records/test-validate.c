/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The value validators, table by table. */

#include <errno.h>
#include <sys/resource.h>

#include "macro.h"
#include "record-test-util.h"

typedef struct Case {
        const char *s;
        bool ok;
} Case;

static void check(bool (*f)(const char *), const Case *cases, size_t n, const char *what) {
        for (size_t i = 0; i < n; i++)
                if (f(cases[i].s) != cases[i].ok)
                        fail_msg("%s(\"%s\") should be %s", what, cases[i].s ? cases[i].s : "(null)",
                                 cases[i].ok ? "valid" : "invalid");
}
#define CHECK(f, ...) do { const Case c_[] = { __VA_ARGS__ }; check(f, c_, ELEMENTSOF(c_), #f); } while (0)

static void test_user_names(void **state) {
        CHECK(valid_user_group_name_relaxed,
              { "alice", true }, { "J\xc3\xb6rg", true }, { "a b", true }, { "DOMAIN\\user", true },
              { "a.b", true }, { "-abc", true }, { "1a", true },
              { "", false }, { NULL, false }, { "a:b", false }, { "a/b", false }, { " a", false },
              { "a ", false }, { ".", false }, { "..", false }, { "1234", false }, { "-12", false },
              { "a\nb", false }, { "a\x7f", false }, { "\xff", false });
        CHECK(valid_user_group_name_strict,
              { "alice", true }, { "_x", true }, { "a-b_c9", true },
              { "a.b", false }, { "9a", false }, { "-a", false }, { "J\xc3\xb6rg", false },
              { "abcdefghijabcdefghijabcdefghij1", true }, { "abcdefghijabcdefghijabcdefghij12", false });
        assert_true(user_name_is_reserved("root"));
        assert_true(user_name_is_reserved("nobody"));
        assert_false(user_name_is_reserved("alice"));
}

static void test_paths(void **state) {
        CHECK(path_is_normalized_absolute,
              { "/", true }, { "/home/a", true }, { "/a.b/c", true },
              { "", false }, { "home", false }, { "/home/", false }, { "//home", false },
              { "/home/./a", false }, { "/home/../a", false }, { "/home\n", false });
        CHECK(valid_shell, { "/bin/sh", true }, { "zsh", true }, { "bin/sh", false }, { "/bin//sh", false }, { "", false });
        CHECK(valid_filename, { "a", true }, { ".a", true }, { ".", false }, { "..", false }, { "a/b", false });
}

static void test_env_locale_tz(void **state) {
        CHECK(valid_env_assignment,
              { "A=1", true }, { "_a9=", true }, { "A=x y\tz\nw", true },
              { "=1", false }, { "A", false }, { "9A=1", false }, { "A-B=1", false }, { "A=\x01", false });
        CHECK(valid_locale_name,
              { "C", true }, { "de_DE.UTF-8", true }, { "sr_RS@latin", true }, { "C.UTF-8", true },
              { "", false }, { "de DE", false }, { "../x", false }, { ".x", false }, { "a/b", false });
        CHECK(valid_timezone,
              { "UTC", true }, { "Europe/Berlin", true }, { "Etc/GMT+1", true }, { "America/Argentina/Buenos_Aires", true },
              { "", false }, { "/etc/localtime", false }, { "Europe/../x", false }, { "Europe//Berlin", false },
              { "Europe/Berlin/", false }, { "Euro pe", false });
}

static void test_names_tables(void **state) {
        assert_int_equal(rlimit_from_name("RLIMIT_NOFILE"), RLIMIT_NOFILE);
        assert_int_equal(rlimit_from_name("RLIMIT_RTTIME"), RLIMIT_RTTIME);
        assert_int_equal(rlimit_from_name("NOFILE"), -EINVAL);
        assert_int_equal(rlimit_from_name("rlimit_nofile"), -EINVAL);
        assert_string_equal(rlimit_to_name(RLIMIT_CORE), "RLIMIT_CORE");
        assert_null(rlimit_to_name(-1));

        assert_int_equal(capability_from_name("CAP_CHOWN"), 0);
        assert_int_equal(capability_from_name("cap_sys_admin"), 21);
        assert_int_equal(capability_from_name("CAP_CHECKPOINT_RESTORE"), 40);
        assert_int_equal(capability_from_name("CAP_NOPE"), -EINVAL);
        assert_int_equal(capability_last(), 40);
        assert_string_equal(capability_to_name(21), "CAP_SYS_ADMIN");
        assert_null(capability_to_name(41));
}

static void test_pkcs11_base64(void **state) {
        CHECK(valid_pkcs11_uri,
              { "pkcs11:token=test", true }, { "pkcs11:model=SoftHSM%20v2;token=x?pin-value=1", true },
              { "pkcs11:", true }, { "pkcs11:a%2", false }, { "pkcs11:a b", false }, { "http://x", false });
        CHECK(valid_base64, { "", true }, { "AAEC", true }, { "AA==", true }, { "AAE=", true },
              { "AAE", false }, { "A===", false }, { "AA=A", false }, { "AA\nEC", false }, { "AA-_", false });

        void *d = NULL;
        size_t n = 0;
        assert_int_equal(base64_decode("aGVsbG8=", &d, &n), 0);
        assert_int_equal(n, 5);
        assert_memory_equal(d, "hello", 5);
        free(d);
        assert_int_equal(base64_decode("", &d, &n), 0);
        assert_int_equal(n, 0);
        free(d);
        assert_int_equal(base64_decode("!!!!", &d, &n), -EINVAL);
}

static void test_ids(void **state) {
        RecordId128 a, b;
        char buf[37];

        assert_int_equal(uuid_parse_any("8c1e1a6f-3c52-4f0d-9a3f-2b0c1d4e5f60", &a), 0);
        assert_int_equal(uuid_parse_any("8C1E1A6F3C524F0D9A3F2B0C1D4E5F60", &b), 0);
        assert_true(id128_equal(&a, &b));
        assert_string_equal(id128_to_string(&a, buf), "8c1e1a6f3c524f0d9a3f2b0c1d4e5f60");
        assert_string_equal(id128_to_uuid_string(&a, buf), "8c1e1a6f-3c52-4f0d-9a3f-2b0c1d4e5f60");
        assert_int_equal(uuid_parse_any("8c1e1a6f-3c52-4f0d-9a3f-2b0c1d4e5f6", &a), -EINVAL);
        assert_int_equal(uuid_parse_any("8c1e1a6f+3c52-4f0d-9a3f-2b0c1d4e5f60", &a), -EINVAL);
        assert_int_equal(uuid_parse_any("zc1e1a6f3c524f0d9a3f2b0c1d4e5f60", &a), -EINVAL);

        assert_int_equal(machine_id_parse(TEST_MACHINE_ID, &a), 0);
        assert_int_equal(machine_id_parse("0123456789ABCDEF0123456789ABCDEF", &a), -EINVAL);
        assert_int_equal(machine_id_parse("00000000000000000000000000000000", &a), -EINVAL);
        assert_int_equal(machine_id_parse("0123456789abcdef0123456789abcde", &a), -EINVAL);
}

static void test_misc(void **state) {
        CHECK(valid_dns_domain, { "example.org", true }, { "a-b.c_d.xn--p1ai", true }, { "m\xc3\xbcnchen.de", true },
              { "", false }, { "a..b", false }, { ".a", false }, { "a.", false }, { "-a.b", false }, { "a b", false });
        CHECK(valid_gecos, { "Alice Liddell", true }, { "", true }, { "a:b", false }, { "a\nb", false });
        CHECK(valid_hostname, { "testhost", true }, { "a.b-c", true }, { "a..b", false }, { "", false }, { "a b", false });
        CHECK(valid_sha256_hex, { "ca978112ca1bbdcafac231b39a23dc4da786eff8147c4e72b9807785afee48bb", true },
              { "CA978112ca1bbdcafac231b39a23dc4da786eff8147c4e72b9807785afee48bb", false }, { "ca97", false });
        CHECK(valid_blob_filename, { "avatar", true }, { "login-background", true }, { "a~b.c_d", true },
              { ".hidden", false }, { "a/b", false }, { "a b", false }, { "", false });

        _cleanup_free_ char *m = mangle_gecos("a:b\nc\x7f");
        assert_string_equal(m, "a b c ");
        assert_true(valid_gecos(m));

        assert_true(utf8_is_valid_n("\xf0\x9f\x98\x80", 4));
        assert_false(utf8_is_valid_n("\xf0\x9f\x98", 3));
        assert_false(utf8_is_valid_n("\xf4\x90\x80\x80", 4));         /* > U+10FFFF */
        assert_false(utf8_is_valid_n("\xe0\x80\x80", 3));             /* overlong */
        assert_false(utf8_is_valid_n("a\0b", 3));
}

static void test_field_paths(void **state) {
        char b[64], tiny[6];

        record_field_path(b, sizeof b, "privileged", "hashedPassword", 0);
        assert_string_equal(b, "privileged.hashedPassword");
        record_field_path(b, sizeof b, "", "userName", 0);
        assert_string_equal(b, "userName");
        record_field_path(b, sizeof b, NULL, "uid", 0);
        assert_string_equal(b, "uid");
        record_field_path(b, sizeof b, "perMachine", NULL, 0);
        assert_string_equal(b, "perMachine[0]");
        record_field_path(b, sizeof b, "memberOf", NULL, 18446744073709551615ULL);
        assert_string_equal(b, "memberOf[18446744073709551615]");
        record_field_path(b, sizeof b, NULL, NULL, 7);
        assert_string_equal(b, "[7]");
        /* Truncated, always terminated. */
        record_field_path(tiny, sizeof tiny, "privileged", "x", 0);
        assert_string_equal(tiny, "privi");
        record_field_path(tiny, sizeof tiny, "ab", NULL, 12345);
        assert_string_equal(tiny, "ab[12");
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_user_names),
                cmocka_unit_test(test_paths),
                cmocka_unit_test(test_env_locale_tz),
                cmocka_unit_test(test_names_tables),
                cmocka_unit_test(test_pkcs11_base64),
                cmocka_unit_test(test_ids),
                cmocka_unit_test(test_misc),
                cmocka_unit_test(test_field_paths),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
