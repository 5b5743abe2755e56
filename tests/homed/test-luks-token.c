/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <openssl/evp.h>

#include "fscrypt-slot.h"
#include "luks-token.h"
#include "macro.h"
#include "record-validate.h"

static const uint8_t KEY[32] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16,
                                 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32 };

static json_object *sample(void) {
        return json_tokener_parse("{\"userName\":\"tok\",\"uid\":60500,\"lastChangeUSec\":5,"
                                  "\"privileged\":{\"hashedPassword\":[\"$6$a$b\"]},"
                                  "\"binding\":{\"00000000000000000000000000000001\":{\"imagePath\":\"/x\"}},"
                                  "\"status\":{\"00000000000000000000000000000001\":{\"state\":\"active\"}},"
                                  "\"secret\":{\"password\":[\"pw\"]},\"vendor.example\":[1,2]}");
}

static void test_cipher_name(void **state) {
        char buf[64];

        assert_int_equal(luks_token_cipher_name("aes", "xts-plain64", 32, buf), 0);
        assert_string_equal(buf, "aes-128-xts");
        assert_int_equal(luks_token_cipher_name("aes", "xts-plain64", 64, buf), 0);
        assert_string_equal(buf, "aes-256-xts");
        assert_int_equal(luks_token_cipher_name("aes", "cbc-essiv:sha256", 32, buf), 0);
        assert_string_equal(buf, "aes-256-cbc");
        assert_int_equal(luks_token_cipher_name("aes", "xts-plain64", 33, buf), -EINVAL);
        assert_int_equal(luks_token_cipher_name("", "xts", 32, buf), -EINVAL);
        assert_int_equal(luks_token_cipher_name("a/b", "xts", 32, buf), -EINVAL);
}

static void test_round_trip(void **state) {
        json_object *rec = sample(), *back = NULL, *tok, *f;
        _cleanup_free_ char *json = NULL;

        assert_int_equal(luks_token_encode(rec, "aes", "xts-plain64", KEY, sizeof KEY, &json), 0);
        tok = json_tokener_parse(json);
        assert_non_null(tok);
        assert_true(json_object_object_get_ex(tok, "type", &f));
        assert_string_equal(json_object_get_string(f), "systemd-homed");
        assert_true(json_object_object_get_ex(tok, "keyslots", &f));
        assert_int_equal(json_object_array_length(f), 0);
        assert_int_equal(json_object_object_length(tok), 4);
        json_object_put(tok);

        assert_int_equal(luks_token_decode(json, "aes", "xts-plain64", KEY, sizeof KEY, &back), 0);
        assert_false(json_object_object_get_ex(back, "binding", NULL));
        assert_false(json_object_object_get_ex(back, "status", NULL));
        assert_false(json_object_object_get_ex(back, "secret", NULL));
        assert_true(json_object_object_get_ex(back, "vendor.example", NULL));
        assert_true(json_object_object_get_ex(back, "privileged", NULL));
        json_object_put(back);
        json_object_put(rec);
}

/* The definition in home-unlock.md §3, with plain OpenSSL: AES-128-XTS,
 * the whole 32-byte volume key, IV from the token. */
static void test_matches_definition(void **state) {
        json_object *rec = sample(), *tok, *f;
        _cleanup_free_ char *json = NULL;
        _cleanup_free_ void *ct = NULL, *iv = NULL;
        size_t ct_size, iv_size;
        uint8_t out[4096];
        int n = 0, m = 0;
        EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();

        assert_int_equal(luks_token_encode(rec, "aes", "xts-plain64", KEY, sizeof KEY, &json), 0);
        tok = json_tokener_parse(json);
        assert_true(json_object_object_get_ex(tok, "record", &f));
        assert_int_equal(base64_decode(json_object_get_string(f), &ct, &ct_size), 0);
        assert_true(json_object_object_get_ex(tok, "iv", &f));
        assert_int_equal(base64_decode(json_object_get_string(f), &iv, &iv_size), 0);
        assert_int_equal(iv_size, 16);
        assert_true(ct_size < sizeof out);
        assert_int_equal(EVP_DecryptInit_ex(ctx, EVP_aes_128_xts(), NULL, KEY, iv), 1);
        assert_int_equal(EVP_DecryptUpdate(ctx, out, &n, ct, (int) ct_size), 1);
        assert_int_equal(EVP_DecryptFinal_ex(ctx, out + n, &m), 1);
        out[n + m] = 0;
        assert_non_null(strstr((char *) out, "\"userName\":\"tok\""));
        assert_null(strchr((char *) out, '\n'));        /* compact JSON */
        EVP_CIPHER_CTX_free(ctx);
        json_object_put(tok);
        json_object_put(rec);
}

static void test_bad_tokens(void **state) {
        json_object *rec = sample(), *back = NULL;
        _cleanup_free_ char *json = NULL;
        uint8_t other[32] = {};
        static const char * const bad[] = {
                "", "[]", "{}", "{\"type\":\"systemd-homed\"}",
                "{\"type\":\"systemd-tpm2\",\"keyslots\":[],\"record\":\"AAAA\",\"iv\":\"AAAAAAAAAAAAAAAAAAAAAA==\"}",
                "{\"type\":\"systemd-homed\",\"keyslots\":[],\"record\":\"!!!!\",\"iv\":\"AAAAAAAAAAAAAAAAAAAAAA==\"}",
                "{\"type\":\"systemd-homed\",\"keyslots\":[],\"record\":\"AAAAAAAAAAAAAAAAAAAAAA==\",\"iv\":\"AAAA\"}",
                "{\"type\":\"systemd-homed\",\"keyslots\":[],\"record\":\"\",\"iv\":\"AAAAAAAAAAAAAAAAAAAAAA==\"}",
                "{\"type\":\"systemd-homed\",\"keyslots\":[],\"record\":5,\"iv\":\"AAAAAAAAAAAAAAAAAAAAAA==\"}",
        };

        for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
                back = NULL;
                assert_int_equal(luks_token_decode(bad[i], "aes", "xts-plain64", KEY, sizeof KEY, &back), -EBADMSG);
                assert_null(back);
        }
        assert_int_equal(luks_token_encode(rec, "aes", "xts-plain64", KEY, sizeof KEY, &json), 0);
        /* another volume key decrypts to noise */
        assert_int_equal(luks_token_decode(json, "aes", "xts-plain64", other, sizeof other, &back), -EBADMSG);
        assert_int_equal(luks_token_decode(json, "nosuch", "xts-plain64", KEY, sizeof KEY, &back), -EPROTONOSUPPORT);
        assert_int_equal(luks_token_encode(rec, "aes", "xts-plain64", KEY, 31, &json), -EINVAL);
        assert_null(back);
        json_object_put(rec);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_cipher_name),
                cmocka_unit_test(test_round_trip),
                cmocka_unit_test(test_matches_definition),
                cmocka_unit_test(test_bad_tokens),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
