/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Passphrase → key-encryption key. argon2id/argon2i (libargon2, the
 * implementation libcryptsetup itself uses; libcryptsetup does not export
 * its crypt_pbkdf()) or PBKDF2-HMAC (OpenSSL). Cost parameters come from
 * the record's luksPbkdf* fields; without luksPbkdfForceIterations they
 * are calibrated with libcryptsetup's crypt_benchmark_pbkdf(), so a slot
 * costs what a LUKS2 keyslot of the same record would. */

#include <errno.h>
#include <stddef.h>
#include <stdint.h>

#include "home-record.h"

typedef enum HomeKdfType {
        HOME_KDF_PBKDF2,
        HOME_KDF_ARGON2I,
        HOME_KDF_ARGON2ID,
        _HOME_KDF_TYPE_MAX,
        _HOME_KDF_TYPE_INVALID = -EINVAL,
} HomeKdfType;

/* Bounds enforced on parameters read from disk, so a damaged slot cannot
 * make unlocking take forever or exhaust memory. */
#define HOME_KDF_ARGON2_MAX_MEMORY_KIB (UINT32_C(4) * 1024 * 1024)  /* 4 GiB */
#define HOME_KDF_ARGON2_MAX_THREADS 16U
#define HOME_KDF_ARGON2_MAX_ITERATIONS 1000U
#define HOME_KDF_PBKDF2_MAX_ITERATIONS UINT32_C(100000000)

typedef struct HomeKdf {
        HomeKdfType type;
        char hash[16];          /* PBKDF2 only: sha256, sha512, ... (OpenSSL digest name) */
        uint32_t iterations;    /* PBKDF2 iterations, or argon2 time cost */
        uint32_t memory_kib;    /* argon2 only */
        uint32_t threads;       /* argon2 only */
} HomeKdf;

const char *home_kdf_type_to_string(HomeKdfType t);
HomeKdfType home_kdf_type_from_string(const char *s);

/* Checks parameters against the type's limits and the bounds above.
 * Returns 0 or -EINVAL. */
int home_kdf_validate(const HomeKdf *k);

/* Parameters for new slots from the record (user-record.md luksPbkdf*).
 * With luksPbkdfForceIterations the values are taken as given; otherwise
 * luksPbkdfTimeCostUSec is turned into an iteration count by benchmarking.
 * Returns 0, -EINVAL (unsupported type/hash or out-of-range values),
 * or a negative errno from the benchmark. */
int home_kdf_from_record(const HomeRecord *h, HomeKdf *ret);

/* Derives out_size bytes. Returns 0, -EINVAL (bad parameters), -ENOMEM,
 * -EIO (the KDF implementation failed). */
int home_kdf_derive(const HomeKdf *k, const void *pass, size_t pass_size,
                    const uint8_t *salt, size_t salt_size, uint8_t *out, size_t out_size);
