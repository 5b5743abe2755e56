/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <stdio.h>

#include "fscrypt-slot.h"
#include "macro.h"

static const HomeKdf cheap_argon = { .type = HOME_KDF_ARGON2ID, .iterations = 1, .memory_kib = 64, .threads = 1 };
static const HomeKdf cheap_pbkdf2 = { .type = HOME_KDF_PBKDF2, .hash = "sha512", .iterations = 10 };

static void random_key(uint8_t key[FSCRYPT_MASTER_KEY_SIZE]) {
        assert_int_equal(RAND_bytes(key, FSCRYPT_MASTER_KEY_SIZE), 1);
}

static void roundtrip(const HomeKdf *kdf, const char *prefix) {
        uint8_t key[FSCRYPT_MASTER_KEY_SIZE], out[FSCRYPT_MASTER_KEY_SIZE];
        _cleanup_free_ char *text = NULL;
        FscryptSlot s;
        bool auth = false;

        random_key(key);
        assert_int_equal(fscrypt_slot_wrap(key, "correct horse", kdf, &text), 0);
        assert_true(strncmp(text, prefix, strlen(prefix)) == 0);
        assert_int_equal(fscrypt_slot_parse(text, strlen(text), &s), 0);
        assert_int_equal(s.format, FSCRYPT_SLOT_HEARTH);
        assert_int_equal(s.kdf.type, kdf->type);
        assert_int_equal(s.kdf.iterations, kdf->iterations);
        assert_int_equal(fscrypt_slot_unwrap(&s, "correct horse", out, &auth), 0);
        assert_true(auth);
        assert_memory_equal(key, out, sizeof key);

        /* a trailing NUL (as xattr values sometimes carry) is accepted */
        assert_int_equal(fscrypt_slot_parse(text, strlen(text) + 1, &s), 0);

        memset(out, 0xaa, sizeof out);
        assert_int_equal(fscrypt_slot_unwrap(&s, "wrong horse", out, &auth), -ENOKEY);
        for (size_t i = 0; i < sizeof out; i++)
                assert_int_equal(out[i], 0xaa);   /* untouched on failure */
        assert_int_equal(fscrypt_slot_unwrap(&s, "", out, &auth), -ENOKEY);
}

static void test_roundtrip_argon2id(void **state) {
        roundtrip(&cheap_argon, "$hearth1:argon2id,t=1,m=64,p=1:");
}

static void test_roundtrip_pbkdf2(void **state) {
        roundtrip(&cheap_pbkdf2, "$hearth1:pbkdf2,h=sha512,i=10:");
}

static void test_two_slots_differ(void **state) {
        uint8_t key[FSCRYPT_MASTER_KEY_SIZE];
        _cleanup_free_ char *a = NULL, *b = NULL;

        random_key(key);
        assert_int_equal(fscrypt_slot_wrap(key, "pw", &cheap_pbkdf2, &a), 0);
        assert_int_equal(fscrypt_slot_wrap(key, "pw", &cheap_pbkdf2, &b), 0);
        assert_string_not_equal(a, b);      /* fresh salt and IV each time */
}

/* Flips one character of a given field (0-based, fields split at ':'). */
static char *tamper(const char *text, unsigned field) {
        char *t = strdup(text), *p = t;
        assert_non_null(t);
        for (unsigned i = 0; i < field; i++) {
                p = strchr(p, ':');
                assert_non_null(p);
                p++;
        }
        *p = *p == 'A' ? 'B' : 'A';
        return t;
}

static void test_corrupted(void **state) {
        uint8_t key[FSCRYPT_MASTER_KEY_SIZE], out[FSCRYPT_MASTER_KEY_SIZE];
        _cleanup_free_ char *text = NULL;
        FscryptSlot s;

        random_key(key);
        assert_int_equal(fscrypt_slot_wrap(key, "pw", &cheap_pbkdf2, &text), 0);

        /* salt, iv, ciphertext, tag altered: authentication fails */
        for (unsigned field = 2; field <= 5; field++) {
                _cleanup_free_ char *t = tamper(text, field);
                int r = fscrypt_slot_parse(t, strlen(t), &s);
                if (r == -EBADMSG)
                        continue;   /* the change broke the base64 padding bits */
                assert_int_equal(r, 0);
                assert_int_equal(fscrypt_slot_unwrap(&s, "pw", out, NULL), -ENOKEY);
        }

        /* the KDF header is authenticated: a different but valid cost fails */
        {
                _cleanup_free_ char *t = NULL;
                const char *rest = strchr(text + strlen("$hearth1:"), ':');
                assert_true(asprintf(&t, "$hearth1:pbkdf2,h=sha512,i=11%s", rest) > 0);
                assert_int_equal(fscrypt_slot_parse(t, strlen(t), &s), 0);
                assert_int_equal(fscrypt_slot_unwrap(&s, "pw", out, NULL), -ENOKEY);
        }

        /* syntax errors */
        static const char *bad[] = {
                "", "$", "$hearth1:", "$hearth2:pbkdf2,h=sha512,i=10:AAAA:AAAA:AAAA:AAAA",
                "$hearth1:pbkdf2,h=sha512,i=010:AAAA:AAAAAAAAAAAAAAAA:AAAA:AAAAAAAAAAAAAAAAAAAAAA==",
                "$hearth1:pbkdf2,h=nope,i=10:AAAA:AAAAAAAAAAAAAAAA:AAAA:AAAAAAAAAAAAAAAAAAAAAA==",
                "$hearth1:argon2id,t=1,m=1,p=1:AAAA:AAAAAAAAAAAAAAAA:AAAA:AAAAAAAAAAAAAAAAAAAAAA==",
                "$hearth1:argon2id,t=1,m=99999999,p=1:AAAA:AAAAAAAAAAAAAAAA:AAAA:AAAAAAAAAAAAAAAAAAAAAA==",
                "$v2:0:AAAA:AAAAAAAAAAAAAAAA:AAAA:AAAAAAAAAAAAAAAAAAAAAA==",
                "$v2:10:AAAA:AAAAAAAAAAAAAAAA:AAAA",
                "AAAA", "AAAA:AAAA", "AA=A:AAAA", "AAAA:AAAA:AAAA",
        };
        for (size_t i = 0; i < ELEMENTSOF(bad); i++)
                assert_int_equal(fscrypt_slot_parse(bad[i], strlen(bad[i]), &s), -EBADMSG);

        /* embedded NUL, and too many fields */
        assert_int_equal(fscrypt_slot_parse("AAAA\0AAAA", 9, &s), -EBADMSG);
        {
                _cleanup_free_ char *t = NULL;
                assert_true(asprintf(&t, "%s:AAAA", text) > 0);
                assert_int_equal(fscrypt_slot_parse(t, strlen(t), &s), -EBADMSG);
        }
}

static char *b64(const uint8_t *d, size_t n) {
        char *s = home_base64_encode(d, n);
        assert_non_null(s);
        return s;
}

/* The legacy formats are built here straight from their definition
 * (home-unlock.md §4), independent of the code under test. */
static void test_legacy_ctr(void **state) {
        uint8_t key[FSCRYPT_MASTER_KEY_SIZE], salt[64], kdf[64], ct[FSCRYPT_MASTER_KEY_SIZE], out[64];
        static const uint8_t zero_iv[16];
        _cleanup_free_ char *bs = NULL, *bc = NULL, *text = NULL;
        EVP_CIPHER_CTX *c;
        FscryptSlot s;
        bool auth = true;
        int len, len2;

        random_key(key);
        assert_int_equal(RAND_bytes(salt, sizeof salt), 1);
        assert_int_equal(PKCS5_PBKDF2_HMAC("legacy pw", 9, salt, sizeof salt, 65535, EVP_sha512(), 64, kdf), 1);
        c = EVP_CIPHER_CTX_new();
        assert_int_equal(EVP_EncryptInit_ex(c, EVP_aes_256_ctr(), NULL, kdf, zero_iv), 1);
        assert_int_equal(EVP_EncryptUpdate(c, ct, &len, key, sizeof key), 1);
        assert_int_equal(EVP_EncryptFinal_ex(c, ct + len, &len2), 1);
        EVP_CIPHER_CTX_free(c);

        bs = b64(salt, sizeof salt);
        bc = b64(ct, sizeof ct);
        assert_true(asprintf(&text, "%s:%s", bs, bc) > 0);
        assert_int_equal(fscrypt_slot_parse(text, strlen(text), &s), 0);
        assert_int_equal(s.format, FSCRYPT_SLOT_LEGACY_CTR);
        assert_int_equal(fscrypt_slot_unwrap(&s, "legacy pw", out, &auth), 0);
        assert_false(auth);
        assert_memory_equal(out, key, sizeof key);

        /* unauthenticated: a wrong passphrase yields some other key */
        assert_int_equal(fscrypt_slot_unwrap(&s, "other", out, &auth), 0);
        assert_memory_not_equal(out, key, sizeof key);
}

static void test_legacy_gcm(void **state) {
        uint8_t key[FSCRYPT_MASTER_KEY_SIZE], salt[64], kdf[64], iv[12], ct[FSCRYPT_MASTER_KEY_SIZE], tag[16], out[64];
        _cleanup_free_ char *bs = NULL, *bi = NULL, *bc = NULL, *bt = NULL, *text = NULL;
        EVP_CIPHER_CTX *c;
        FscryptSlot s;
        bool auth = false;
        int len, len2;

        random_key(key);
        assert_int_equal(RAND_bytes(salt, sizeof salt), 1);
        assert_int_equal(RAND_bytes(iv, sizeof iv), 1);
        assert_int_equal(PKCS5_PBKDF2_HMAC("v2 pw", 5, salt, sizeof salt, 1000, EVP_sha512(), 64, kdf), 1);
        c = EVP_CIPHER_CTX_new();
        assert_int_equal(EVP_EncryptInit_ex(c, EVP_aes_256_gcm(), NULL, NULL, NULL), 1);
        assert_int_equal(EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_SET_IVLEN, 12, NULL), 1);
        assert_int_equal(EVP_EncryptInit_ex(c, NULL, NULL, kdf, iv), 1);
        assert_int_equal(EVP_EncryptUpdate(c, ct, &len, key, sizeof key), 1);
        assert_int_equal(EVP_EncryptFinal_ex(c, ct + len, &len2), 1);
        assert_int_equal(EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_GET_TAG, 16, tag), 1);
        EVP_CIPHER_CTX_free(c);

        bs = b64(salt, sizeof salt);
        bi = b64(iv, sizeof iv);
        bc = b64(ct, sizeof ct);
        bt = b64(tag, sizeof tag);
        assert_true(asprintf(&text, "$v2:1000:%s:%s:%s:%s", bs, bi, bc, bt) > 0);
        assert_int_equal(fscrypt_slot_parse(text, strlen(text), &s), 0);
        assert_int_equal(s.format, FSCRYPT_SLOT_LEGACY_GCM);
        assert_int_equal(s.kdf.iterations, 1000);
        assert_int_equal(fscrypt_slot_unwrap(&s, "v2 pw", out, &auth), 0);
        assert_true(auth);
        assert_memory_equal(out, key, sizeof key);
        assert_int_equal(fscrypt_slot_unwrap(&s, "v2 PW", out, &auth), -ENOKEY);
}

static void test_base64(void **state) {
        uint8_t out[8];

        assert_int_equal(home_base64_decode("AAEC", 4, out, sizeof out), 3);
        assert_int_equal(out[2], 2);
        assert_int_equal(home_base64_decode("AAE=", 4, out, sizeof out), 2);
        assert_int_equal(home_base64_decode("AA==", 4, out, sizeof out), 1);
        assert_int_equal(home_base64_decode("A===", 4, out, sizeof out), -EBADMSG);
        assert_int_equal(home_base64_decode("AA=A", 4, out, sizeof out), -EBADMSG);
        assert_int_equal(home_base64_decode("AAE", 3, out, sizeof out), -EBADMSG);
        assert_int_equal(home_base64_decode("AA-_", 4, out, sizeof out), -EBADMSG);
        assert_int_equal(home_base64_decode("AAAAAAAAAAAA", 12, out, 8), -ENOBUFS);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_roundtrip_argon2id),
                cmocka_unit_test(test_roundtrip_pbkdf2),
                cmocka_unit_test(test_two_slots_differ),
                cmocka_unit_test(test_corrupted),
                cmocka_unit_test(test_legacy_ctr),
                cmocka_unit_test(test_legacy_gcm),
                cmocka_unit_test(test_base64),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
