/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "signature.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <openssl/bio.h>
#include <openssl/crypto.h>
#include <openssl/pem.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fileio.h"
#include "json-canonical.h"

#define ED25519_SIG_SIZE 64U
#define ED25519_KEY_SIZE 32U
#define KEY_FILE_SIZE_MAX (64U * 1024U)

static const char *const state_names[_RECORD_SIG_MAX] = {
        [RECORD_SIG_UNSIGNED]         = "unsigned",
        [RECORD_SIG_SIGNED_EXCLUSIVE] = "signed-exclusive",
        [RECORD_SIG_SIGNED]           = "signed",
        [RECORD_SIG_FOREIGN]          = "foreign",
};

const char *record_signature_state_to_string(RecordSignatureState s) {
        if ((unsigned) s >= _RECORD_SIG_MAX)
                return NULL;
        return state_names[s];
}

static inline void BIO_freep(BIO **b) {
        if (*b)
                BIO_free(*b);
}

static inline void EVP_MD_CTX_freep(EVP_MD_CTX **c) {
        if (*c)
                EVP_MD_CTX_free(*c);
}

static inline void EVP_PKEY_CTX_freep(EVP_PKEY_CTX **c) {
        if (*c)
                EVP_PKEY_CTX_free(*c);
}

static bool is_ed25519(EVP_PKEY *k) {
        return k && EVP_PKEY_get_base_id(k) == EVP_PKEY_ED25519;
}

int signing_key_generate(EVP_PKEY **ret_key) {
        _cleanup_(EVP_PKEY_CTX_freep) EVP_PKEY_CTX *ctx = NULL;
        EVP_PKEY *k = NULL;

        ctx = EVP_PKEY_CTX_new_id(EVP_PKEY_ED25519, NULL);
        if (!ctx)
                return -ENOMEM;
        if (EVP_PKEY_keygen_init(ctx) <= 0 || EVP_PKEY_keygen(ctx, &k) <= 0)
                return -EIO;

        *ret_key = k;
        return 0;
}

/* Refuses to ask for a passphrase: libraries never prompt. */
static int no_passphrase(char *buf, int size, int rwflag, void *userdata) {
        return -1;
}

static int load_pem(const char *pem, size_t size, bool private, EVP_PKEY **ret_key) {
        _cleanup_(BIO_freep) BIO *b = NULL;
        EVP_PKEY *k;

        if (size > INT_MAX)
                return -EBADMSG;

        b = BIO_new_mem_buf(pem, (int) size);
        if (!b)
                return -ENOMEM;

        k = private ? PEM_read_bio_PrivateKey(b, NULL, no_passphrase, NULL)
                    : PEM_read_bio_PUBKEY(b, NULL, no_passphrase, NULL);
        if (!k)
                return -EBADMSG;
        if (!is_ed25519(k)) {
                EVP_PKEY_free(k);
                return -EKEYREJECTED;
        }

        *ret_key = k;
        return 0;
}

int signing_key_load_private_pem(const char *pem, size_t size, EVP_PKEY **ret_key) {
        return load_pem(pem, size, true, ret_key);
}

int signing_key_load_public_pem(const char *pem, size_t size, EVP_PKEY **ret_key) {
        return load_pem(pem, size, false, ret_key);
}

/* Reads a whole small file into a buffer that is wiped when freed. */
static int read_key_file(const char *path, char **ret, size_t *ret_size) {
        return read_full_file_at(AT_FDCWD, path, 0, KEY_FILE_SIZE_MAX, READ_FULL_SECURE, ret, ret_size);
}

static int load_file(const char *path, bool private, EVP_PKEY **ret_key) {
        _cleanup_erase_free_ char *pem = NULL;
        size_t n = 0;
        int r;

        r = read_key_file(path, &pem, &n);
        if (r < 0)
                return r;
        return load_pem(pem, n, private, ret_key);
}

int signing_key_load_private_file(const char *path, EVP_PKEY **ret_key) {
        return load_file(path, true, ret_key);
}

int signing_key_load_public_file(const char *path, EVP_PKEY **ret_key) {
        return load_file(path, false, ret_key);
}

int signing_key_public_pem(EVP_PKEY *key, char **ret_pem) {
        _cleanup_(BIO_freep) BIO *b = NULL;
        char *data = NULL, *copy;
        long n;

        if (!is_ed25519(key))
                return -EKEYREJECTED;

        b = BIO_new(BIO_s_mem());
        if (!b)
                return -ENOMEM;
        if (PEM_write_bio_PUBKEY(b, key) <= 0)
                return -EIO;

        n = BIO_get_mem_data(b, &data);
        if (n <= 0 || !data)
                return -EIO;

        copy = strndup(data, (size_t) n);
        if (!copy)
                return -ENOMEM;

        *ret_pem = copy;
        return 0;
}

static int raw_public(EVP_PKEY *k, unsigned char buf[static ED25519_KEY_SIZE]) {
        size_t n = ED25519_KEY_SIZE;

        if (!is_ed25519(k))
                return -EKEYREJECTED;
        if (EVP_PKEY_get_raw_public_key(k, buf, &n) <= 0 || n != ED25519_KEY_SIZE)
                return -EIO;
        return 0;
}

int signing_key_equal(EVP_PKEY *a, EVP_PKEY *b) {
        unsigned char ra[ED25519_KEY_SIZE], rb[ED25519_KEY_SIZE];
        int r;

        r = raw_public(a, ra);
        if (r < 0)
                return r;
        r = raw_public(b, rb);
        if (r < 0)
                return r;

        return memcmp(ra, rb, ED25519_KEY_SIZE) == 0;
}

static int base64_encode(const unsigned char *data, size_t size, char **ret) {
        char *s;

        if (size > INT_MAX / 2)
                return -ENOMEM;

        s = malloc(4 * ((size + 2) / 3) + 1);
        if (!s)
                return -ENOMEM;
        (void) EVP_EncodeBlock((unsigned char *) s, data, (int) size);

        *ret = s;
        return 0;
}

/* Strict standard base64 (padded, no whitespace). EVP_DecodeBlock counts
 * padding as output bytes, so the '=' count is taken off its result. */
static int base64_decode_strict(const char *s, unsigned char **ret, size_t *ret_size) {
        size_t len = strlen(s), pad = 0;
        unsigned char *buf;
        int n;

        if (len == 0 || len % 4 != 0 || len > INT_MAX)
                return -EINVAL;
        for (size_t i = 0; i < len; i++)
                if (s[i] == '=') {
                        if (i < len - 2)
                                return -EINVAL;
                } else if (pad > 0 || !(
                           (s[i] >= 'A' && s[i] <= 'Z') || (s[i] >= 'a' && s[i] <= 'z') ||
                           (s[i] >= '0' && s[i] <= '9') || s[i] == '+' || s[i] == '/'))
                        return -EINVAL;
        if (s[len - 1] == '=')
                pad++;
        if (s[len - 2] == '=') {
                if (pad == 0)
                        return -EINVAL;
                pad++;
        }

        buf = malloc(len / 4 * 3 + 1);
        if (!buf)
                return -ENOMEM;
        n = EVP_DecodeBlock(buf, (const unsigned char *) s, (int) len);
        if (n < 0 || (size_t) n < pad) {
                free(buf);
                return -EINVAL;
        }

        *ret_size = (size_t) n - pad;
        *ret = buf;
        return 0;
}

/* [ { "data": data, "key": key } ] */
static int build_signature_array(const char *data, const char *key, json_object **ret) {
        json_object *array = NULL, *entry = NULL, *d = NULL, *k = NULL;

        array = json_object_new_array();
        entry = json_object_new_object();
        d = json_object_new_string(data);
        k = json_object_new_string(key);
        if (!array || !entry || !d || !k)
                goto fail;
        if (json_object_object_add(entry, "data", d) < 0)
                goto fail;
        d = NULL;
        if (json_object_object_add(entry, "key", k) < 0)
                goto fail;
        k = NULL;
        if (json_object_array_add(array, entry) < 0)
                goto fail;

        *ret = array;
        return 0;

fail:
        json_object_put(k);
        json_object_put(d);
        json_object_put(entry);
        json_object_put(array);
        return -ENOMEM;
}

int record_sign(json_object *record, EVP_PKEY *private_key, json_object **ret_signed) {
        _cleanup_(EVP_MD_CTX_freep) EVP_MD_CTX *ctx = NULL;
        _cleanup_free_ char *text = NULL, *pem = NULL, *b64 = NULL;
        unsigned char sig[ED25519_SIG_SIZE];
        size_t text_size = 0, sig_size = sizeof sig;
        json_object *copy = NULL, *array = NULL;
        int r;

        if (!json_object_is_type(record, json_type_object))
                return -EINVAL;
        if (!is_ed25519(private_key))
                return -EKEYREJECTED;

        r = record_signable_bytes(record, &text, &text_size);
        if (r < 0)
                return r;

        ctx = EVP_MD_CTX_new();
        if (!ctx)
                return -ENOMEM;
        if (EVP_DigestSignInit(ctx, NULL, NULL, NULL, private_key) <= 0)
                return -EKEYREJECTED;
        if (EVP_DigestSign(ctx, sig, &sig_size, (const unsigned char *) text, text_size) <= 0 ||
            sig_size != ED25519_SIG_SIZE)
                return -EIO;

        r = signing_key_public_pem(private_key, &pem);
        if (r < 0)
                return r;
        r = base64_encode(sig, sig_size, &b64);
        if (r < 0)
                return r;

        r = build_signature_array(b64, pem, &array);
        if (r < 0)
                return r;

        if (json_object_deep_copy(record, &copy, NULL) < 0) {
                json_object_put(array);
                return -ENOMEM;
        }
        if (json_object_object_add(copy, "signature", array) < 0) {
                json_object_put(array);
                json_object_put(copy);
                return -ENOMEM;
        }

        *ret_signed = copy;
        return 0;
}

/* 1 good, 0 bad, negative on failure. */
static int verify_one(EVP_PKEY *key, const unsigned char *sig, size_t sig_size,
                      const char *text, size_t text_size) {
        _cleanup_(EVP_MD_CTX_freep) EVP_MD_CTX *ctx = NULL;

        if (sig_size != ED25519_SIG_SIZE || !is_ed25519(key))
                return 0;

        ctx = EVP_MD_CTX_new();
        if (!ctx)
                return -ENOMEM;
        if (EVP_DigestVerifyInit(ctx, NULL, NULL, NULL, key) <= 0)
                return -EIO;

        return EVP_DigestVerify(ctx, sig, sig_size, (const unsigned char *) text, text_size) == 1;
}

/* The index of the trusted key the element names, -ENOENT if it names
 * none or its key is unreadable, -ENODATA if it names no key at all. */
static int element_trusted_key(json_object *e, EVP_PKEY *const *trusted, const char *const *trusted_pem,
                               size_t n_trusted) {
        _cleanup_pkey_ EVP_PKEY *k = NULL;
        json_object *kv;
        const char *pem;

        if (!json_object_object_get_ex(e, "key", &kv))
                return -ENODATA;
        if (!json_object_is_type(kv, json_type_string))
                return -ENOENT;

        pem = json_object_get_string(kv);
        /* Decoding a PEM key costs more than verifying the signature; the
         * text is usually exactly the one the trusted key formats to. */
        for (size_t i = 0; trusted_pem && i < n_trusted && i < INT_MAX; i++)
                if (trusted_pem[i] && streq(pem, trusted_pem[i]))
                        return (int) i;
        if (load_pem(pem, strlen(pem), false, &k) < 0)
                return -ENOENT;

        for (size_t i = 0; i < n_trusted && i < INT_MAX; i++)
                if (signing_key_equal(k, trusted[i]) == 1)
                        return (int) i;
        return -ENOENT;
}

int record_verify(json_object *record, EVP_PKEY *const *trusted, size_t n_trusted) {
        return record_verify_pem(record, trusted, NULL, n_trusted);
}

int record_verify_pem(json_object *record, EVP_PKEY *const *trusted, const char *const *trusted_pem,
                      size_t n_trusted) {
        _cleanup_free_ char *text = NULL;
        json_object *array;
        size_t text_size = 0, n, n_good = 0, n_foreign = 0;
        int r;

        if (!json_object_is_type(record, json_type_object))
                return -EINVAL;
        if (!json_object_object_get_ex(record, "signature", &array))
                return RECORD_SIG_UNSIGNED;
        if (!json_object_is_type(array, json_type_array))
                return -EINVAL;
        n = json_object_array_length(array);
        if (n == 0)
                return RECORD_SIG_UNSIGNED;

        r = record_signable_bytes(record, &text, &text_size);
        if (r < 0)
                return r == -EILSEQ ? -EINVAL : r;

        for (size_t i = 0; i < n; i++) {
                _cleanup_free_ unsigned char *sig = NULL;
                json_object *e = json_object_array_get_idx(array, i), *data;
                size_t sig_size = 0;
                int idx;

                if (!json_object_is_type(e, json_type_object))
                        return -EINVAL;
                if (!json_object_object_get_ex(e, "data", &data) ||
                    !json_object_is_type(data, json_type_string))
                        return -EINVAL;
                r = base64_decode_strict(json_object_get_string(data), &sig, &sig_size);
                if (r < 0)
                        return r;

                idx = element_trusted_key(e, trusted, trusted_pem, n_trusted);
                if (idx >= 0) {
                        r = verify_one(trusted[idx], sig, sig_size, text, text_size);
                        if (r < 0)
                                return r;
                        if (r == 0)
                                return -EBADMSG;
                        n_good++;
                        continue;
                }
                if (idx == -ENODATA) {
                        bool good = false;

                        for (size_t k = 0; k < n_trusted && !good; k++) {
                                r = verify_one(trusted[k], sig, sig_size, text, text_size);
                                if (r < 0)
                                        return r;
                                good = r > 0;
                        }
                        if (good) {
                                n_good++;
                                continue;
                        }
                }
                n_foreign++;
        }

        if (n_good == 0)
                return RECORD_SIG_FOREIGN;
        return n_foreign == 0 ? RECORD_SIG_SIGNED_EXCLUSIVE : RECORD_SIG_SIGNED;
}
