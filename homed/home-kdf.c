/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <argon2.h>
#include <limits.h>
#include <libcryptsetup.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <stdio.h>

#include "dlopen-libs.h"
#include "home-kdf.h"
#include "macro.h"

static const char * const kdf_names[_HOME_KDF_TYPE_MAX] = {
        [HOME_KDF_PBKDF2] = "pbkdf2",
        [HOME_KDF_ARGON2I] = "argon2i",
        [HOME_KDF_ARGON2ID] = "argon2id",
};

const char *home_kdf_type_to_string(HomeKdfType t) {
        if (t < 0 || t >= _HOME_KDF_TYPE_MAX)
                return NULL;
        return kdf_names[t];
}

HomeKdfType home_kdf_type_from_string(const char *s) {
        if (!s)
                return _HOME_KDF_TYPE_INVALID;
        for (size_t i = 0; i < _HOME_KDF_TYPE_MAX; i++)
                if (streq(kdf_names[i], s))
                        return (HomeKdfType) i;
        return _HOME_KDF_TYPE_INVALID;
}

int home_kdf_validate(const HomeKdf *k) {
        switch (k->type) {
        case HOME_KDF_PBKDF2:
                if (k->iterations < 1 || k->iterations > HOME_KDF_PBKDF2_MAX_ITERATIONS)
                        return -EINVAL;
                if (strnlen(k->hash, sizeof k->hash) >= sizeof k->hash || !EVP_get_digestbyname(k->hash))
                        return -EINVAL;
                return 0;
        case HOME_KDF_ARGON2I:
        case HOME_KDF_ARGON2ID:
                if (k->iterations < 1 || k->iterations > HOME_KDF_ARGON2_MAX_ITERATIONS)
                        return -EINVAL;
                if (k->threads < 1 || k->threads > HOME_KDF_ARGON2_MAX_THREADS)
                        return -EINVAL;
                if (k->memory_kib < 8 * k->threads || k->memory_kib > HOME_KDF_ARGON2_MAX_MEMORY_KIB)
                        return -EINVAL;
                return 0;
        default:
                return -EINVAL;
        }
}

int home_kdf_from_record(const HomeRecord *h, HomeKdf *ret) {
        HomeKdf k = {};
        uint64_t it, mem, thr, usec;

        k.type = home_kdf_type_from_string(home_record_pbkdf_type(h));
        if (k.type < 0)
                return -EINVAL;
        if (snprintf(k.hash, sizeof k.hash, "%s", home_record_pbkdf_hash_algorithm(h)) >= (int) sizeof k.hash)
                return -EINVAL;

        it = home_record_pbkdf_force_iterations(h);
        mem = home_record_pbkdf_memory_cost(h) / 1024;
        thr = home_record_pbkdf_parallel_threads(h);
        usec = home_record_pbkdf_time_cost_usec(h);
        if (k.type != HOME_KDF_PBKDF2) {
                k.hash[0] = 0;
                if (mem > HOME_KDF_ARGON2_MAX_MEMORY_KIB || thr > HOME_KDF_ARGON2_MAX_THREADS)
                        return -EINVAL;
                k.memory_kib = (uint32_t) mem;
                k.threads = (uint32_t) thr;
        }

        if (it > 0) {
                if (it > UINT32_MAX)
                        return -EINVAL;
                k.iterations = (uint32_t) it;
        } else {
                /* Calibrate on a throw-away passphrase and salt: the benchmark
                 * only measures cost, it never sees a secret. */
                struct crypt_pbkdf_type p = {
                        .type = home_kdf_type_to_string(k.type),
                        .hash = k.type == HOME_KDF_PBKDF2 ? k.hash : "sha512",
                        .time_ms = (uint32_t) MIN(MAX(usec / 1000, UINT64_C(1)), (uint64_t) UINT32_MAX),
                        .max_memory_kb = k.memory_kib,
                        .parallel_threads = k.threads,
                };
                uint8_t salt[32];
                int r;

                if (RAND_bytes(salt, sizeof salt) != 1)
                        return -EIO;
                r = crypt_benchmark_pbkdf(NULL, &p, "benchmark", 9, (const char *) salt, sizeof salt, 32, NULL, NULL);
                if (r < 0)
                        return r;
                k.iterations = p.iterations;
                if (k.type != HOME_KDF_PBKDF2)
                        k.memory_kib = p.max_memory_kb;
        }

        if (home_kdf_validate(&k) < 0)
                return -EINVAL;
        *ret = k;
        return 0;
}

int home_kdf_derive(const HomeKdf *k, const void *pass, size_t pass_size,
                    const uint8_t *salt, size_t salt_size, uint8_t *out, size_t out_size) {
        int r;

        if (home_kdf_validate(k) < 0 || out_size == 0 || salt_size == 0)
                return -EINVAL;

        switch (k->type) {
        case HOME_KDF_PBKDF2: {
                const EVP_MD *md = EVP_get_digestbyname(k->hash);
                if (!md || pass_size > INT_MAX || salt_size > INT_MAX || out_size > INT_MAX)
                        return -EINVAL;
                if (PKCS5_PBKDF2_HMAC(pass, (int) pass_size, salt, (int) salt_size, (int) k->iterations,
                                      md, (int) out_size, out) != 1)
                        return -EIO;
                return 0;
        }
        case HOME_KDF_ARGON2I:
        case HOME_KDF_ARGON2ID:
                r = dlopen_argon2();
                if (r < 0)
                        return r;
                r = (k->type == HOME_KDF_ARGON2ID ? sym_argon2id_hash_raw : sym_argon2i_hash_raw)(
                                k->iterations, k->memory_kib, k->threads, pass, pass_size,
                                salt, salt_size, out, out_size);
                if (r == ARGON2_MEMORY_ALLOCATION_ERROR)
                        return -ENOMEM;
                if (r != ARGON2_OK) {
                        explicit_bzero(out, out_size);
                        return -EIO;
                }
                return 0;
        default:
                return -EINVAL;
        }
}
