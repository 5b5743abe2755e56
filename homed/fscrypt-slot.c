/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <inttypes.h>
#include <limits.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <stdio.h>

#include "fscrypt-slot.h"
#include "macro.h"

#define HEARTH_PREFIX "$hearth1:"
#define LEGACY_GCM_PREFIX "$v2:"
#define KEK_SIZE 32

static void cipher_ctx_freep(EVP_CIPHER_CTX **c) {
        if (*c)
                EVP_CIPHER_CTX_free(*c);
}

static bool b64_char(char c) {
        return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '+' || c == '/';
}

int home_base64_decode(const char *in, size_t in_size, uint8_t *out, size_t out_size) {
        size_t pad = 0, n;
        _cleanup_free_ uint8_t *buf = NULL;

        if (in_size == 0 || in_size % 4 != 0 || in_size > INT_MAX)
                return -EBADMSG;
        for (size_t i = 0; i < in_size; i++) {
                if (b64_char(in[i])) {
                        if (pad > 0)
                                return -EBADMSG;
                } else if (in[i] == '=' && i >= in_size - 2)
                        pad++;
                else
                        return -EBADMSG;
        }
        n = in_size / 4 * 3 - pad;
        if (n > out_size)
                return -ENOBUFS;
        buf = malloc(in_size / 4 * 3);
        if (!buf)
                return -ENOMEM;
        if (EVP_DecodeBlock(buf, (const unsigned char *) in, (int) in_size) < 0)
                return -EBADMSG;
        memcpy(out, buf, n);
        explicit_bzero(buf, in_size / 4 * 3);
        return (int) n;
}

char *home_base64_encode(const uint8_t *in, size_t in_size) {
        char *out;

        if (in_size > INT_MAX / 2)
                return NULL;
        out = malloc((in_size + 2) / 3 * 4 + 1);
        if (!out)
                return NULL;
        EVP_EncodeBlock((unsigned char *) out, in, (int) in_size);
        return out;
}

/* Decimal without sign or leading zeros. */
static int parse_u32(const char *s, uint32_t *ret) {
        uint64_t v = 0;

        if (isempty(s) || (s[0] == '0' && s[1]))
                return -EBADMSG;
        for (; *s; s++) {
                if (*s < '0' || *s > '9')
                        return -EBADMSG;
                v = v * 10 + (uint64_t) (*s - '0');
                if (v > UINT32_MAX)
                        return -EBADMSG;
        }
        *ret = (uint32_t) v;
        return 0;
}

static int kdf_to_text(const HomeKdf *k, char *buf, size_t size) {
        int n;

        if (k->type == HOME_KDF_PBKDF2)
                n = snprintf(buf, size, "pbkdf2,h=%s,i=%" PRIu32, k->hash, k->iterations);
        else
                n = snprintf(buf, size, "%s,t=%" PRIu32 ",m=%" PRIu32 ",p=%" PRIu32,
                             home_kdf_type_to_string(k->type), k->iterations, k->memory_kib, k->threads);
        return n < 0 || (size_t) n >= size ? -EINVAL : 0;
}

static int kdf_from_text(const char *text, HomeKdf *ret) {
        HomeKdf k = {};
        char *type, *a, *b, *c, canon[96], buf[96], *s = buf;

        if (strlen(text) >= sizeof buf)
                return -EBADMSG;
        strcpy(buf, text);
        type = strsep(&s, ",");
        k.type = home_kdf_type_from_string(type);
        if (k.type < 0)
                return -EBADMSG;
        a = strsep(&s, ",");
        b = strsep(&s, ",");
        if (!a || !b)
                return -EBADMSG;
        if (k.type == HOME_KDF_PBKDF2) {
                if (s || strncmp(a, "h=", 2) != 0 || strncmp(b, "i=", 2) != 0)
                        return -EBADMSG;
                if (strlen(a + 2) >= sizeof k.hash)
                        return -EBADMSG;
                strcpy(k.hash, a + 2);
                if (parse_u32(b + 2, &k.iterations) < 0)
                        return -EBADMSG;
        } else {
                c = strsep(&s, ",");
                if (!c || s || strncmp(a, "t=", 2) != 0 || strncmp(b, "m=", 2) != 0 || strncmp(c, "p=", 2) != 0)
                        return -EBADMSG;
                if (parse_u32(a + 2, &k.iterations) < 0 || parse_u32(b + 2, &k.memory_kib) < 0 ||
                    parse_u32(c + 2, &k.threads) < 0)
                        return -EBADMSG;
        }
        if (home_kdf_validate(&k) < 0)
                return -EBADMSG;
        /* The header is authenticated as text, so it must be the one
         * spelling we would write ourselves. */
        if (kdf_to_text(&k, canon, sizeof canon) < 0 || !streq(canon, text))
                return -EBADMSG;
        *ret = k;
        return 0;
}

static int decode_exact(const char *field, uint8_t *out, size_t size) {
        int n;

        if (!field)
                return -EBADMSG;
        n = home_base64_decode(field, strlen(field), out, size);
        if (n < 0 || (size_t) n != size)
                return -EBADMSG;
        return 0;
}

static int decode_salt(const char *field, FscryptSlot *s) {
        int n;

        if (!field)
                return -EBADMSG;
        n = home_base64_decode(field, strlen(field), s->salt, sizeof s->salt);
        if (n <= 0)
                return -EBADMSG;
        s->salt_size = (size_t) n;
        return 0;
}

int fscrypt_slot_parse(const char *text, size_t size, FscryptSlot *ret) {
        _cleanup_free_ char *buf = NULL;
        FscryptSlot s = {};
        char *p, *f[6] = {};
        size_t n = 0;

        if (!text)
                return -EBADMSG;
        if (size > 0 && text[size - 1] == 0)
                size--;
        if (size == 0 || size > FSCRYPT_SLOT_TEXT_MAX || memchr(text, 0, size))
                return -EBADMSG;
        buf = strndup(text, size);
        if (!buf)
                return -ENOMEM;

        if (strncmp(buf, HEARTH_PREFIX, strlen(HEARTH_PREFIX)) == 0) {
                s.format = FSCRYPT_SLOT_HEARTH;
                p = buf + strlen(HEARTH_PREFIX);
        } else if (strncmp(buf, LEGACY_GCM_PREFIX, strlen(LEGACY_GCM_PREFIX)) == 0) {
                s.format = FSCRYPT_SLOT_LEGACY_GCM;
                p = buf + strlen(LEGACY_GCM_PREFIX);
        } else if (buf[0] != '$') {
                s.format = FSCRYPT_SLOT_LEGACY_CTR;
                p = buf;
        } else
                return -EBADMSG;

        while (p && n < ELEMENTSOF(f))
                f[n++] = strsep(&p, ":");
        if (p)
                return -EBADMSG;        /* too many fields */

        switch (s.format) {
        case FSCRYPT_SLOT_LEGACY_CTR:
                if (n != 2)
                        return -EBADMSG;
                s.kdf = (HomeKdf) { .type = HOME_KDF_PBKDF2, .hash = "sha512",
                                    .iterations = FSCRYPT_SLOT_LEGACY_ITERATIONS };
                if (decode_salt(f[0], &s) < 0 || decode_exact(f[1], s.ciphertext, sizeof s.ciphertext) < 0)
                        return -EBADMSG;
                break;
        case FSCRYPT_SLOT_LEGACY_GCM:
                if (n != 5)
                        return -EBADMSG;
                s.kdf = (HomeKdf) { .type = HOME_KDF_PBKDF2, .hash = "sha512" };
                if (parse_u32(f[0], &s.kdf.iterations) < 0 || home_kdf_validate(&s.kdf) < 0)
                        return -EBADMSG;
                if (decode_salt(f[1], &s) < 0 || decode_exact(f[2], s.iv, sizeof s.iv) < 0 ||
                    decode_exact(f[3], s.ciphertext, sizeof s.ciphertext) < 0 ||
                    decode_exact(f[4], s.tag, sizeof s.tag) < 0)
                        return -EBADMSG;
                break;
        case FSCRYPT_SLOT_HEARTH:
                if (n != 5)
                        return -EBADMSG;
                if (strlen(HEARTH_PREFIX) + strlen(f[0]) >= sizeof s.aad)
                        return -EBADMSG;
                stpcpy(stpcpy(s.aad, HEARTH_PREFIX), f[0]);
                if (kdf_from_text(f[0], &s.kdf) < 0)
                        return -EBADMSG;
                if (decode_salt(f[1], &s) < 0 || decode_exact(f[2], s.iv, sizeof s.iv) < 0 ||
                    decode_exact(f[3], s.ciphertext, sizeof s.ciphertext) < 0 ||
                    decode_exact(f[4], s.tag, sizeof s.tag) < 0)
                        return -EBADMSG;
                break;
        default:
                return -EBADMSG;
        }
        *ret = s;
        return 0;
}

static int gcm(bool encrypt, const uint8_t kek[KEK_SIZE], const uint8_t *iv, const char *aad,
               const uint8_t *in, uint8_t *out, uint8_t *tag) {
        _cleanup_(cipher_ctx_freep) EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
        int len;

        if (!c)
                return -ENOMEM;
        if (EVP_CipherInit_ex(c, EVP_aes_256_gcm(), NULL, NULL, NULL, encrypt) != 1 ||
            EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_SET_IVLEN, FSCRYPT_SLOT_IV_SIZE, NULL) != 1 ||
            EVP_CipherInit_ex(c, NULL, NULL, kek, iv, encrypt) != 1)
                return -EIO;
        if (aad && EVP_CipherUpdate(c, NULL, &len, (const uint8_t *) aad, (int) strlen(aad)) != 1)
                return -EIO;
        if (EVP_CipherUpdate(c, out, &len, in, FSCRYPT_MASTER_KEY_SIZE) != 1)
                return -EIO;
        if (!encrypt && EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_SET_TAG, FSCRYPT_SLOT_TAG_SIZE, tag) != 1)
                return -EIO;
        if (EVP_CipherFinal_ex(c, out + len, &len) != 1)
                return encrypt ? -EIO : -ENOKEY;
        if (encrypt && EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_GET_TAG, FSCRYPT_SLOT_TAG_SIZE, tag) != 1)
                return -EIO;
        return 0;
}

static int ctr_zero_iv(const uint8_t kek[KEK_SIZE], const uint8_t *in, uint8_t *out) {
        _cleanup_(cipher_ctx_freep) EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
        static const uint8_t zero_iv[16];
        int len, len2;

        if (!c)
                return -ENOMEM;
        if (EVP_DecryptInit_ex(c, EVP_aes_256_ctr(), NULL, kek, zero_iv) != 1 ||
            EVP_DecryptUpdate(c, out, &len, in, FSCRYPT_MASTER_KEY_SIZE) != 1 ||
            EVP_DecryptFinal_ex(c, out + len, &len2) != 1)
                return -EIO;
        return 0;
}

int fscrypt_slot_unwrap(const FscryptSlot *slot, const char *passphrase,
                        uint8_t ret_key[static FSCRYPT_MASTER_KEY_SIZE], bool *ret_authenticated) {
        uint8_t kek[KEK_SIZE], key[FSCRYPT_MASTER_KEY_SIZE];
        int r;

        if (!slot || !passphrase)
                return -EINVAL;
        r = home_kdf_derive(&slot->kdf, passphrase, strlen(passphrase), slot->salt, slot->salt_size,
                            kek, sizeof kek);
        if (r < 0)
                goto finish;

        if (slot->format == FSCRYPT_SLOT_LEGACY_CTR)
                r = ctr_zero_iv(kek, slot->ciphertext, key);
        else
                r = gcm(false, kek, slot->iv, slot->format == FSCRYPT_SLOT_HEARTH ? slot->aad : NULL,
                        slot->ciphertext, key, (uint8_t *) slot->tag);
        if (r < 0)
                goto finish;

        memcpy(ret_key, key, sizeof key);
        if (ret_authenticated)
                *ret_authenticated = slot->format != FSCRYPT_SLOT_LEGACY_CTR;
finish:
        explicit_bzero(kek, sizeof kek);
        explicit_bzero(key, sizeof key);
        return r;
}

int fscrypt_slot_wrap(const uint8_t key[static FSCRYPT_MASTER_KEY_SIZE], const char *passphrase,
                      const HomeKdf *kdf, char **ret_text) {
        FscryptSlot s = { .format = FSCRYPT_SLOT_HEARTH, .salt_size = FSCRYPT_SLOT_SALT_SIZE };
        _cleanup_free_ char *b_salt = NULL, *b_iv = NULL, *b_ct = NULL, *b_tag = NULL;
        uint8_t kek[KEK_SIZE];
        char kdf_text[96], *text;
        int r;

        if (!key || !passphrase || !kdf || home_kdf_validate(kdf) < 0)
                return -EINVAL;
        s.kdf = *kdf;
        r = kdf_to_text(kdf, kdf_text, sizeof kdf_text);
        if (r < 0)
                return r;
        if (snprintf(s.aad, sizeof s.aad, HEARTH_PREFIX "%s", kdf_text) >= (int) sizeof s.aad)
                return -EINVAL;
        if (RAND_bytes(s.salt, (int) s.salt_size) != 1 || RAND_bytes(s.iv, sizeof s.iv) != 1)
                return -EIO;

        r = home_kdf_derive(kdf, passphrase, strlen(passphrase), s.salt, s.salt_size, kek, sizeof kek);
        if (r >= 0)
                r = gcm(true, kek, s.iv, s.aad, key, s.ciphertext, s.tag);
        explicit_bzero(kek, sizeof kek);
        if (r < 0)
                return r;

        b_salt = home_base64_encode(s.salt, s.salt_size);
        b_iv = home_base64_encode(s.iv, sizeof s.iv);
        b_ct = home_base64_encode(s.ciphertext, sizeof s.ciphertext);
        b_tag = home_base64_encode(s.tag, sizeof s.tag);
        if (!b_salt || !b_iv || !b_ct || !b_tag)
                return -ENOMEM;
        if (asprintf(&text, "%s:%s:%s:%s:%s", s.aad, b_salt, b_iv, b_ct, b_tag) < 0)
                return -ENOMEM;
        *ret_text = text;
        return 0;
}
