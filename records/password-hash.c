/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "password-hash.h"

#include <crypt.h>
#include <errno.h>
#include <openssl/crypto.h>
#include <string.h>

#include "macro.h"

static const char *const method_names[_PASSWORD_HASH_METHOD_MAX] = {
        [PASSWORD_HASH_PREFERRED] = "preferred",
        [PASSWORD_HASH_YESCRYPT]  = "yescrypt",
        [PASSWORD_HASH_SHA512]    = "sha512",
};

const char *password_hash_method_to_string(PasswordHashMethod m) {
        if (m < 0 || m >= _PASSWORD_HASH_METHOD_MAX)
                return NULL;
        return method_names[m];
}

PasswordHashMethod password_hash_method_from_string(const char *s) {
        if (!s)
                return _PASSWORD_HASH_METHOD_INVALID;
        for (int i = 0; i < _PASSWORD_HASH_METHOD_MAX; i++)
                if (streq(s, method_names[i]))
                        return (PasswordHashMethod) i;
        return _PASSWORD_HASH_METHOD_INVALID;
}

/* crypt(3) output for phrase and setting, copied out of libcrypt's work
 * area, which is wiped: it holds intermediate state derived from the
 * password. */
static int crypt_copy(const char *phrase, const char *setting, char **ret) {
        void *data = NULL;
        int size = 0, r = 0;
        char *out, *copy = NULL;

        errno = 0;
        out = crypt_ra(phrase, setting, &data, &size);
        if (!out)
                r = errno == ENOMEM ? -ENOMEM : -EINVAL;
        else if (out[0] == '*')  /* libcrypt's failure token */
                r = -EINVAL;
        else {
                copy = strdup(out);
                if (!copy)
                        r = -ENOMEM;
        }

        if (data) {
                explicit_bzero(data, (size_t) size);
                free(data);
        }
        if (r < 0)
                return r;

        *ret = copy;
        return 0;
}

static int gensalt(const char *prefix, char **ret) {
        char *salt;

        /* NULL random bytes: libcrypt takes them from the kernel itself. */
        errno = 0;
        salt = crypt_gensalt_ra(prefix, 0, NULL, 0);
        if (!salt) {
                if (errno == ENOMEM)
                        return -ENOMEM;
                return -EOPNOTSUPP;
        }
        *ret = salt;
        return 0;
}

int password_hash_new(const char *password, PasswordHashMethod method, char **ret_hash) {
        _cleanup_free_ char *salt = NULL;
        int r;

        if (!password)
                return -EINVAL;

        switch (method) {
        case PASSWORD_HASH_PREFERRED:
                r = gensalt("$y$", &salt);
                if (r == -EOPNOTSUPP)
                        r = gensalt("$6$", &salt);
                break;
        case PASSWORD_HASH_YESCRYPT:
                r = gensalt("$y$", &salt);
                break;
        case PASSWORD_HASH_SHA512:
                r = gensalt("$6$", &salt);
                break;
        default:
                return -EINVAL;
        }
        if (r < 0)
                return r;

        return crypt_copy(password, salt, ret_hash);
}

int password_hash_check(const char *hash) {
        if (isempty(hash))
                return -EINVAL;

        switch (crypt_checksalt(hash)) {
        case CRYPT_SALT_OK:
        case CRYPT_SALT_TOO_CHEAP:
                return 0;
        case CRYPT_SALT_METHOD_LEGACY:
                return -EPERM;
        case CRYPT_SALT_METHOD_DISABLED:
                return -EOPNOTSUPP;
        default:
                return -EINVAL;
        }
}

int password_hash_verify(const char *password, const char *hash) {
        _cleanup_erase_free_ char *out = NULL;
        size_t n;
        int r;

        if (!password || isempty(hash))
                return -EINVAL;

        r = crypt_copy(password, hash, &out);
        if (r < 0)
                return r;

        n = strlen(hash);
        if (strlen(out) != n)
                return 0;
        return CRYPTO_memcmp(out, hash, n) == 0;
}

int password_hash_test_all(char *const *hashes, char *const *passwords, size_t *ret_match) {
        _cleanup_free_ size_t *match = NULL;
        size_t n = strv_length(hashes);
        int r;

        if (n == 0)
                return -ENODATA;

        match = calloc(n, sizeof(size_t));
        if (!match)
                return -ENOMEM;

        for (size_t i = 0; i < n; i++) {
                bool found = false;

                for (size_t j = 0; passwords && passwords[j]; j++) {
                        r = password_hash_verify(passwords[j], hashes[i]);
                        if (r < 0)
                                return r;
                        if (r > 0) {
                                match[i] = j;
                                found = true;
                                break;
                        }
                }
                if (!found)
                        return 0;
        }

        if (ret_match)
                memcpy(ret_match, match, n * sizeof(size_t));
        return 1;
}

int password_hash_test_json(json_object *hashed_password, char *const *passwords) {
        _cleanup_free_ char **hashes = NULL;
        size_t n;

        if (!hashed_password)
                return -ENODATA;
        if (!json_object_is_type(hashed_password, json_type_array))
                return -EINVAL;

        n = json_object_array_length(hashed_password);
        hashes = calloc(n + 1, sizeof(char *));
        if (!hashes)
                return -ENOMEM;
        for (size_t i = 0; i < n; i++) {
                json_object *e = json_object_array_get_idx(hashed_password, i);

                if (!json_object_is_type(e, json_type_string))
                        return -EINVAL;
                /* The strings stay owned by the JSON tree. */
                hashes[i] = (char *) json_object_get_string(e);
        }

        return password_hash_test_all(hashes, passwords, NULL);
}
