/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <openssl/evp.h>
#include <openssl/rand.h>

#include "fscrypt-slot.h"
#include "luks-token.h"
#include "macro.h"
#include "record-section.h"
#include "record-validate.h"

static void json_putp(json_object **p) {
        if (*p)
                json_object_put(*p);
}

static void cipher_ctx_freep(EVP_CIPHER_CTX **c) {
        EVP_CIPHER_CTX_free(*c);
}

static void cipher_freep(EVP_CIPHER **c) {
        EVP_CIPHER_free(*c);
}

int luks_token_cipher_name(const char *cipher, const char *cipher_mode, size_t volume_key_size,
                           char buf[static 64]) {
        size_t mode_len, bits;

        if (isempty(cipher) || isempty(cipher_mode) || volume_key_size == 0 || volume_key_size > 512)
                return -EINVAL;
        mode_len = strcspn(cipher_mode, "-");
        if (mode_len == 0 || strlen(cipher) > 24 || mode_len > 24)
                return -EINVAL;
        bits = volume_key_size * 8;
        if (mode_len == 3 && strncmp(cipher_mode, "xts", 3) == 0) {
                if (volume_key_size % 2)
                        return -EINVAL;
                bits /= 2;
        }
        snprintf(buf, 64, "%s-%zu-%.*s", cipher, bits, (int) mode_len, cipher_mode);
        if (strspn(buf, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-") != strlen(buf))
                return -EINVAL;
        return 0;
}

static int fetch_cipher(const char *cipher, const char *cipher_mode, size_t vk_size, EVP_CIPHER **ret) {
        char name[64];
        EVP_CIPHER *c;
        int r;

        r = luks_token_cipher_name(cipher, cipher_mode, vk_size, name);
        if (r < 0)
                return r;
        c = EVP_CIPHER_fetch(NULL, name, NULL);
        if (!c)
                return -EPROTONOSUPPORT;
        if ((size_t) EVP_CIPHER_get_key_length(c) != vk_size) {
                EVP_CIPHER_free(c);
                return -EINVAL;
        }
        *ret = c;
        return 0;
}

/* One pass of the cipher over in; out must hold in_size + one block. */
static int crypt_buffer(const EVP_CIPHER *c, bool encrypt, const void *key, const uint8_t *iv,
                        const uint8_t *in, size_t in_size, uint8_t *out, size_t *ret_size) {
        _cleanup_(cipher_ctx_freep) EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
        int n = 0, m = 0;

        if (!ctx)
                return -ENOMEM;
        if (in_size > INT32_MAX)
                return -EFBIG;
        if (EVP_CipherInit_ex(ctx, c, NULL, key, iv, encrypt) != 1 ||
            EVP_CipherUpdate(ctx, out, &n, in, (int) in_size) != 1 ||
            EVP_CipherFinal_ex(ctx, out + n, &m) != 1)
                return encrypt ? -EIO : -EBADMSG;
        *ret_size = (size_t) n + (size_t) m;
        return 0;
}

int luks_token_encode(json_object *record, const char *cipher, const char *cipher_mode,
                      const void *volume_key, size_t volume_key_size, char **ret_json) {
        _cleanup_(cipher_freep) EVP_CIPHER *c = NULL;
        _cleanup_(json_putp) json_object *embedded = NULL, *token = NULL;
        _cleanup_free_ uint8_t *ct = NULL;
        _cleanup_free_ char *ct64 = NULL, *iv64 = NULL, *out = NULL;
        uint8_t iv[EVP_MAX_IV_LENGTH];
        const char *text;
        size_t text_size, ct_size, iv_size;
        int r;

        if (!json_object_is_type(record, json_type_object))
                return -EINVAL;
        r = fetch_cipher(cipher, cipher_mode, volume_key_size, &c);
        if (r < 0)
                return r;
        r = record_json_filter_sections(record, RECORD_EMBEDDED, &embedded);
        if (r < 0)
                return r;
        text = json_object_to_json_string_ext(embedded, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
        if (!text)
                return -ENOMEM;
        text_size = strlen(text);
        if (text_size > LUKS_TOKEN_MAX)
                return -EFBIG;

        iv_size = (size_t) EVP_CIPHER_get_iv_length(c);
        if (iv_size > sizeof iv || RAND_bytes(iv, (int) iv_size) != 1)
                return -EIO;
        ct = malloc(text_size + EVP_MAX_BLOCK_LENGTH);
        if (!ct)
                return -ENOMEM;
        r = crypt_buffer(c, true, volume_key, iv, (const uint8_t *) text, text_size, ct, &ct_size);
        if (r < 0)
                return r;
        ct64 = home_base64_encode(ct, ct_size);
        iv64 = home_base64_encode(iv, iv_size);
        token = json_object_new_object();
        if (!ct64 || !iv64 || !token)
                return -ENOMEM;
        if (json_object_object_add(token, "type", json_object_new_string(LUKS_TOKEN_TYPE)) < 0 ||
            json_object_object_add(token, "keyslots", json_object_new_array()) < 0 ||
            json_object_object_add(token, "record", json_object_new_string(ct64)) < 0 ||
            json_object_object_add(token, "iv", json_object_new_string(iv64)) < 0)
                return -ENOMEM;
        out = strdup(json_object_to_json_string_ext(token, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
        if (!out)
                return -ENOMEM;
        *ret_json = TAKE_PTR(out);
        return 0;
}

static const char *get_string(json_object *o, const char *key) {
        json_object *f;

        if (!json_object_object_get_ex(o, key, &f) || !json_object_is_type(f, json_type_string))
                return NULL;
        return json_object_get_string(f);
}

int luks_token_decode(const char *json, const char *cipher, const char *cipher_mode,
                      const void *volume_key, size_t volume_key_size, json_object **ret_record) {
        _cleanup_(cipher_freep) EVP_CIPHER *c = NULL;
        _cleanup_(json_putp) json_object *token = NULL, *record = NULL;
        _cleanup_free_ void *ct = NULL, *iv = NULL;
        _cleanup_free_ char *pt = NULL;
        json_tokener *tok;
        const char *s;
        size_t ct_size, iv_size, pt_size, n;
        int r;

        n = strnlen(json, LUKS_TOKEN_MAX + 1);
        if (n > LUKS_TOKEN_MAX)
                return -EFBIG;
        token = json_tokener_parse(json);
        if (!json_object_is_type(token, json_type_object) || !streq_ptr(get_string(token, "type"), LUKS_TOKEN_TYPE))
                return -EBADMSG;
        r = fetch_cipher(cipher, cipher_mode, volume_key_size, &c);
        if (r < 0)
                return r;
        s = get_string(token, "record");
        if (!s || base64_decode(s, &ct, &ct_size) < 0)
                return -EBADMSG;
        s = get_string(token, "iv");
        if (!s || base64_decode(s, &iv, &iv_size) < 0 || iv_size != (size_t) EVP_CIPHER_get_iv_length(c))
                return -EBADMSG;
        if (ct_size == 0)
                return -EBADMSG;
        pt = malloc(ct_size + EVP_MAX_BLOCK_LENGTH + 1);
        if (!pt)
                return -ENOMEM;
        r = crypt_buffer(c, false, volume_key, iv, ct, ct_size, (uint8_t *) pt, &pt_size);
        if (r < 0)
                return r;
        pt[pt_size] = 0;
        /* A wrong key gives noise; an embedded NUL would hide bytes from
         * the parser. */
        if (memchr(pt, 0, pt_size))
                return -EBADMSG;
        tok = json_tokener_new();
        if (!tok)
                return -ENOMEM;
        record = json_tokener_parse_ex(tok, pt, (int) pt_size);
        r = json_tokener_get_error(tok) == json_tokener_success &&
                json_tokener_get_parse_end(tok) + strspn(pt + json_tokener_get_parse_end(tok), " \t\r\n") == pt_size
                ? 0 : -EBADMSG;
        json_tokener_free(tok);
        if (r < 0 || !json_object_is_type(record, json_type_object))
                return -EBADMSG;
        *ret_record = TAKE_PTR(record);
        return 0;
}
