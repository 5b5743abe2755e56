/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <string.h>

#include "json-canonical.h"
#include "macro.h"
#include "signature.h"

#include <openssl/pem.h>

static const char record_text[] =
        "{\"userName\":\"alice\",\"uid\":60100,\"realName\":\"Alice \\u00c4\",\"disposition\":\"regular\","
        "\"privileged\":{\"hashedPassword\":[\"$6$abc$def\"]},"
        "\"perMachine\":[{\"matchMachineId\":[\"0123456789abcdef0123456789abcdef\"],\"diskSize\":1000000}],"
        "\"io.example.extra\":{\"b\":[1,2],\"a\":null}}";

static json_object *parse(const char *text) {
        json_object *v = json_tokener_parse(text);
        assert_non_null(v);
        return v;
}

static void set(json_object *o, const char *key, json_object *v) {
        assert_int_equal(json_object_object_add(o, key, v), 0);
}

static void test_key_handling(void **state) {
        _cleanup_pkey_ EVP_PKEY *a = NULL, *b = NULL, *a_pub = NULL, *a_priv = NULL;
        _cleanup_free_ char *pem = NULL, *pem2 = NULL;

        assert_int_equal(signing_key_generate(&a), 0);
        assert_int_equal(signing_key_generate(&b), 0);
        assert_int_equal(signing_key_equal(a, a), 1);
        assert_int_equal(signing_key_equal(a, b), 0);

        assert_int_equal(signing_key_public_pem(a, &pem), 0);
        assert_non_null(strstr(pem, "-----BEGIN PUBLIC KEY-----\n"));
        assert_int_equal(pem[strlen(pem) - 1], '\n');

        assert_int_equal(signing_key_load_public_pem(pem, strlen(pem), &a_pub), 0);
        assert_int_equal(signing_key_equal(a, a_pub), 1);
        assert_int_equal(signing_key_equal(a_pub, b), 0);

        /* Extra text around the PEM block does not change the key. */
        pem2 = malloc(strlen(pem) + 32);
        strcpy(pem2, "comment line\n");
        strcat(pem2, pem);
        EVP_PKEY_free(a_pub);
        a_pub = NULL;
        assert_int_equal(signing_key_load_public_pem(pem2, strlen(pem2), &a_pub), 0);
        assert_int_equal(signing_key_equal(a, a_pub), 1);

        /* A public key is no private key and garbage is neither. */
        assert_int_equal(signing_key_load_private_pem(pem, strlen(pem), &a_priv), -EBADMSG);
        assert_null(a_priv);
        assert_int_equal(signing_key_load_public_pem("nope", 4, &a_priv), -EBADMSG);
        assert_int_equal(signing_key_load_private_file("/nonexistent/key.pem", &a_priv), -ENOENT);
        assert_null(a_priv);
}

static void test_reject_other_key_types(void **state) {
        _cleanup_pkey_ EVP_PKEY *ec = NULL, *k = NULL;
        _cleanup_free_ char *pem = NULL;
        EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_id(EVP_PKEY_X25519, NULL);
        BIO *bio;
        char *data = NULL;
        long n;

        assert_non_null(ctx);
        assert_true(EVP_PKEY_keygen_init(ctx) > 0);
        assert_true(EVP_PKEY_keygen(ctx, &ec) > 0);
        EVP_PKEY_CTX_free(ctx);

        bio = BIO_new(BIO_s_mem());
        assert_true(PEM_write_bio_PUBKEY(bio, ec) > 0);
        n = BIO_get_mem_data(bio, &data);
        pem = strndup(data, (size_t) n);
        BIO_free(bio);

        assert_int_equal(signing_key_load_public_pem(pem, strlen(pem), &k), -EKEYREJECTED);
        assert_null(k);
        assert_int_equal(signing_key_public_pem(ec, &data), -EKEYREJECTED);

        json_object *r = parse(record_text), *out = NULL;
        assert_int_equal(record_sign(r, ec, &out), -EKEYREJECTED);
        assert_null(out);
        json_object_put(r);
}

static void test_round_trip(void **state) {
        _cleanup_pkey_ EVP_PKEY *key = NULL, *other = NULL;
        _cleanup_free_ char *pem = NULL, *before = NULL, *after = NULL;
        json_object *r = parse(record_text), *s = NULL, *sig, *e, *v;

        assert_int_equal(signing_key_generate(&key), 0);
        assert_int_equal(signing_key_generate(&other), 0);

        assert_int_equal(record_verify(r, &key, 1), RECORD_SIG_UNSIGNED);
        assert_int_equal(record_sign(r, key, &s), 0);
        assert_false(json_object_object_get_ex(r, "signature", NULL));

        assert_true(json_object_object_get_ex(s, "signature", &sig));
        assert_int_equal(json_object_array_length(sig), 1);
        e = json_object_array_get_idx(sig, 0);
        assert_int_equal(json_object_object_length(e), 2);
        assert_true(json_object_object_get_ex(e, "data", &v));
        assert_int_equal(json_object_get_string_len(v), 88);  /* base64 of 64 bytes */
        assert_true(json_object_object_get_ex(e, "key", &v));
        assert_int_equal(signing_key_public_pem(key, &pem), 0);
        assert_string_equal(json_object_get_string(v), pem);

        /* Signing leaves the signable bytes alone. */
        assert_int_equal(record_signable_bytes(r, &before, NULL), 0);
        assert_int_equal(record_signable_bytes(s, &after, NULL), 0);
        assert_string_equal(before, after);

        assert_int_equal(record_verify(s, &key, 1), RECORD_SIG_SIGNED_EXCLUSIVE);
        assert_int_equal(record_verify(s, &other, 1), RECORD_SIG_FOREIGN);
        assert_int_equal(record_verify(s, NULL, 0), RECORD_SIG_FOREIGN);
        EVP_PKEY *both[] = { other, key };
        assert_int_equal(record_verify(s, both, 2), RECORD_SIG_SIGNED_EXCLUSIVE);

        json_object_put(s);
        json_object_put(r);
}

/* The PEM shortcut gives the answers of the full decode: the same text
 * matches, a differently wrapped text of the same key still matches
 * through the decode, another key's text matches nothing. */
static void test_verify_with_pem(void **state) {
        _cleanup_pkey_ EVP_PKEY *key = NULL, *other = NULL;
        _cleanup_free_ char *pem = NULL, *other_pem = NULL;
        json_object *r = parse(record_text), *s = NULL, *e, *k;

        assert_int_equal(signing_key_generate(&key), 0);
        assert_int_equal(signing_key_generate(&other), 0);
        assert_int_equal(signing_key_public_pem(key, &pem), 0);
        assert_int_equal(signing_key_public_pem(other, &other_pem), 0);
        assert_int_equal(record_sign(r, key, &s), 0);

        const char *pems[] = { pem };
        const char *none[] = { NULL };
        const char *other_pems[] = { other_pem };
        assert_int_equal(record_verify_pem(s, &key, pems, 1), RECORD_SIG_SIGNED_EXCLUSIVE);
        assert_int_equal(record_verify_pem(s, &key, none, 1), RECORD_SIG_SIGNED_EXCLUSIVE);
        assert_int_equal(record_verify_pem(s, &other, other_pems, 1), RECORD_SIG_FOREIGN);
        EVP_PKEY *both[] = { other, key };
        const char *both_pems[] = { other_pem, pem };
        assert_int_equal(record_verify_pem(s, both, both_pems, 2), RECORD_SIG_SIGNED_EXCLUSIVE);

        /* The same key with the base64 on two lines: not the trusted
         * text, found by decoding. */
        assert_true(json_object_object_get_ex(s, "signature", &e));
        e = json_object_array_get_idx(e, 0);
        char *nl = strchr(pem, '\n');
        assert_non_null(nl);
        char rewrapped[512];
        snprintf(rewrapped, sizeof rewrapped, "%.*s\n%.20s\n%s", (int) (nl - pem), pem, nl + 1, nl + 21);
        k = json_object_new_string(rewrapped);
        json_object_object_add(e, "key", k);
        assert_string_not_equal(rewrapped, pem);
        assert_int_equal(record_verify_pem(s, &key, pems, 1), RECORD_SIG_SIGNED_EXCLUSIVE);

        json_object_put(s);
        json_object_put(r);
}

static void test_tamper(void **state) {
        _cleanup_pkey_ EVP_PKEY *key = NULL;
        json_object *r = parse(record_text), *s = NULL, *priv, *hp, *sig, *data;

        assert_int_equal(signing_key_generate(&key), 0);

        /* A top-level change. */
        assert_int_equal(record_sign(r, key, &s), 0);
        set(s, "uid", json_object_new_int(0));
        assert_int_equal(record_verify(s, &key, 1), -EBADMSG);
        json_object_put(s);

        /* A change deep in privileged. */
        assert_int_equal(record_sign(r, key, &s), 0);
        assert_true(json_object_object_get_ex(s, "privileged", &priv));
        assert_true(json_object_object_get_ex(priv, "hashedPassword", &hp));
        json_object_array_add(hp, json_object_new_string("$6$evil$evil"));
        assert_int_equal(record_verify(s, &key, 1), -EBADMSG);
        json_object_put(s);

        /* Adding an unknown field is a change too. */
        assert_int_equal(record_sign(r, key, &s), 0);
        set(s, "io.example.more", json_object_new_boolean(1));
        assert_int_equal(record_verify(s, &key, 1), -EBADMSG);
        json_object_put(s);

        /* A flipped signature bit. */
        assert_int_equal(record_sign(r, key, &s), 0);
        assert_true(json_object_object_get_ex(s, "signature", &sig));
        assert_true(json_object_object_get_ex(json_object_array_get_idx(sig, 0), "data", &data));
        char *b = strdup(json_object_get_string(data));
        b[10] = b[10] == 'A' ? 'B' : 'A';
        json_object_set_string(data, b);
        free(b);
        assert_int_equal(record_verify(s, &key, 1), -EBADMSG);

        /* Not base64 at all. */
        json_object_set_string(data, "!!!!");
        assert_int_equal(record_verify(s, &key, 1), -EINVAL);
        json_object_put(s);

        json_object_put(r);
}

static void test_unsigned_sections_free_to_change(void **state) {
        _cleanup_pkey_ EVP_PKEY *key = NULL;
        json_object *r = parse(record_text), *s = NULL;

        assert_int_equal(signing_key_generate(&key), 0);
        assert_int_equal(record_sign(r, key, &s), 0);

        set(s, "secret", parse("{\"password\":[\"hunter2\"]}"));
        set(s, "status", parse("{\"0123456789abcdef0123456789abcdef\":{\"state\":\"active\"}}"));
        set(s, "binding", parse("{\"0123456789abcdef0123456789abcdef\":{\"uid\":60100}}"));
        assert_int_equal(record_verify(s, &key, 1), RECORD_SIG_SIGNED_EXCLUSIVE);

        /* Key order does not matter either. */
        json_object *shuffled = json_object_new_object(), *sig;
        assert_true(json_object_object_get_ex(s, "signature", &sig));
        set(shuffled, "signature", json_object_get(sig));
        json_object_object_foreach(s, k, v)
                if (!streq(k, "signature"))
                        set(shuffled, k, json_object_get(v));
        assert_int_equal(record_verify(shuffled, &key, 1), RECORD_SIG_SIGNED_EXCLUSIVE);
        json_object_put(shuffled);

        json_object_put(s);
        json_object_put(r);
}

static void test_multiple_signatures(void **state) {
        _cleanup_pkey_ EVP_PKEY *ours = NULL, *theirs = NULL;
        json_object *r = parse(record_text), *a = NULL, *b = NULL, *sa, *sb, *combined;

        assert_int_equal(signing_key_generate(&ours), 0);
        assert_int_equal(signing_key_generate(&theirs), 0);
        assert_int_equal(record_sign(r, ours, &a), 0);
        assert_int_equal(record_sign(r, theirs, &b), 0);

        /* Re-signing drops the old signature. */
        json_object *again = NULL, *sig;
        assert_int_equal(record_sign(a, theirs, &again), 0);
        assert_true(json_object_object_get_ex(again, "signature", &sig));
        assert_int_equal(json_object_array_length(sig), 1);
        assert_int_equal(record_verify(again, &ours, 1), RECORD_SIG_FOREIGN);
        json_object_put(again);

        assert_true(json_object_object_get_ex(a, "signature", &sa));
        assert_true(json_object_object_get_ex(b, "signature", &sb));
        json_object_array_add(sa, json_object_get(json_object_array_get_idx(sb, 0)));

        assert_int_equal(record_verify(a, &ours, 1), RECORD_SIG_SIGNED);
        assert_int_equal(record_verify(a, &theirs, 1), RECORD_SIG_SIGNED);
        EVP_PKEY *both[] = { ours, theirs };
        assert_int_equal(record_verify(a, both, 2), RECORD_SIG_SIGNED_EXCLUSIVE);

        /* A signature without "key" is tried against the trusted keys. */
        combined = json_object_array_get_idx(sa, 1);
        json_object_object_del(combined, "key");
        assert_int_equal(record_verify(a, &theirs, 1), RECORD_SIG_SIGNED);
        assert_int_equal(record_verify(a, both, 2), RECORD_SIG_SIGNED_EXCLUSIVE);

        /* A foreign signature that is garbage does not matter... */
        json_object_object_add(combined, "key", json_object_new_string("not a key"));
        assert_int_equal(record_verify(a, &ours, 1), RECORD_SIG_SIGNED);
        /* ...but one claiming a trusted key must verify. */
        json_object *bad = json_object_new_object();
        _cleanup_free_ char *pem = NULL;
        assert_int_equal(signing_key_public_pem(ours, &pem), 0);
        json_object_object_add(bad, "data", json_object_new_string(
                "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=="));
        json_object_object_add(bad, "key", json_object_new_string(pem));
        json_object_array_add(sa, bad);
        assert_int_equal(record_verify(a, &ours, 1), -EBADMSG);

        json_object_put(b);
        json_object_put(a);
        json_object_put(r);
}

static void test_malformed(void **state) {
        _cleanup_pkey_ EVP_PKEY *key = NULL;
        static const char *bad[] = {
                "{\"userName\":\"a\",\"signature\":{}}",
                "{\"userName\":\"a\",\"signature\":[1]}",
                "{\"userName\":\"a\",\"signature\":[{\"key\":\"x\"}]}",
                "{\"userName\":\"a\",\"signature\":[{\"data\":5}]}",
                "{\"userName\":\"a\",\"signature\":[{\"data\":\"abc\"}]}",
        };

        assert_int_equal(signing_key_generate(&key), 0);
        for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
                json_object *r = parse(bad[i]);
                assert_int_equal(record_verify(r, &key, 1), -EINVAL);
                json_object_put(r);
        }

        json_object *r = parse("{\"userName\":\"a\",\"signature\":[]}");
        assert_int_equal(record_verify(r, &key, 1), RECORD_SIG_UNSIGNED);
        json_object_put(r);

        r = parse("[1]");
        assert_int_equal(record_verify(r, &key, 1), -EINVAL);
        json_object *out = NULL;
        assert_int_equal(record_sign(r, key, &out), -EINVAL);
        assert_null(out);
        json_object_put(r);
}

static void test_state_names(void **state) {
        assert_string_equal(record_signature_state_to_string(RECORD_SIG_UNSIGNED), "unsigned");
        assert_string_equal(record_signature_state_to_string(RECORD_SIG_SIGNED_EXCLUSIVE), "signed-exclusive");
        assert_string_equal(record_signature_state_to_string(RECORD_SIG_SIGNED), "signed");
        assert_string_equal(record_signature_state_to_string(RECORD_SIG_FOREIGN), "foreign");
        assert_null(record_signature_state_to_string(_RECORD_SIG_MAX));
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_key_handling),
                cmocka_unit_test(test_reject_other_key_types),
                cmocka_unit_test(test_round_trip),
                cmocka_unit_test(test_verify_with_pem),
                cmocka_unit_test(test_tamper),
                cmocka_unit_test(test_unsigned_sections_free_to_change),
                cmocka_unit_test(test_multiple_signatures),
                cmocka_unit_test(test_malformed),
                cmocka_unit_test(test_state_names),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
