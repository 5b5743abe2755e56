/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* The kernel side of fscrypt: policies and keys in the file system's own
 * keyring (FS_IOC_*_ENCRYPTION_* ioctls, Linux ≥ 5.4). Keys never go to a
 * process or user keyring, so removing one really ends access. Every call
 * takes an fd of any file on the file system (usually the home dir). */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define FSCRYPT_ID_SIZE 16
#define FSCRYPT_DESCRIPTOR_SIZE 8

typedef struct FscryptPolicy {
        int version;                    /* 1 or 2 */
        uint8_t contents_mode, filenames_mode, flags;
        uint8_t descriptor[FSCRYPT_DESCRIPTOR_SIZE];    /* v1 */
        uint8_t identifier[FSCRYPT_ID_SIZE];            /* v2 */
} FscryptPolicy;

typedef enum FscryptKeyStatus {
        FSCRYPT_KEY_ABSENT = 1,
        FSCRYPT_KEY_PRESENT = 2,
        FSCRYPT_KEY_INCOMPLETELY_REMOVED = 3,
} FscryptKeyStatus;

const char *fscrypt_key_status_to_string(FscryptKeyStatus s);

/* Returns 0, -ENODATA (not encrypted), -EOPNOTSUPP/-ENOTTY (the file
 * system has no encryption support or the feature is off), -EINVAL
 * (unknown policy version), -errno. */
int fscrypt_get_policy(int dir_fd, FscryptPolicy *ret);

/* Sets a v2 policy (AES-256-XTS contents, AES-256-CTS names, PAD_32) on
 * an empty directory; the key must have been added already. Returns 0,
 * -EEXIST (has another policy), -ENOTEMPTY, -ENOKEY (key not added),
 * -EOPNOTSUPP, -errno. */
int fscrypt_set_policy_v2(int dir_fd, const uint8_t identifier[static FSCRYPT_ID_SIZE]);

/* Adds a 64-byte raw key for v2 policies; the kernel computes and
 * returns its identifier. Returns 0, -EOPNOTSUPP, -EACCES/-EPERM, -errno. */
int fscrypt_add_key_v2(int fd, const uint8_t *key, size_t key_size,
                       uint8_t ret_identifier[static FSCRYPT_ID_SIZE]);

/* Adds a key for a v1 policy under its descriptor (needs CAP_SYS_ADMIN).
 * The kernel does not check that key and descriptor belong together; the
 * caller does (fscrypt_v1_descriptor()). Returns 0, -errno. */
int fscrypt_add_key_v1(int fd, const uint8_t descriptor[static FSCRYPT_DESCRIPTOR_SIZE],
                       const uint8_t *key, size_t key_size);

/* The v1 descriptor of a master key: first 8 bytes of SHA-512(SHA-512(key)). */
int fscrypt_v1_descriptor(const uint8_t *key, size_t key_size,
                          uint8_t ret[static FSCRYPT_DESCRIPTOR_SIZE]);

/* Removes the policy's key from the file system keyring (for all users
 * that added it when all_users, which needs CAP_SYS_ADMIN). The kernel
 * evicts the inodes using the key and with them their cached plaintext.
 * ret_flags gets FSCRYPT_KEY_REMOVAL_STATUS_FLAG_* (FILES_BUSY: files are
 * still open, the key is only incompletely removed until they close).
 * A key that is not present is not an error (flags 0). Returns 0, -errno. */
int fscrypt_remove_key(int fd, const FscryptPolicy *policy, bool all_users, uint32_t *ret_flags);

/* Returns 0 and the status of the policy's key, or -errno. */
int fscrypt_get_key_status(int fd, const FscryptPolicy *policy, FscryptKeyStatus *ret);

/* The v2 key identifier of a master key as the kernel derives it
 * (HKDF-SHA512, empty salt, info "fscrypt\0" + 0x01). Used to check a
 * candidate key against a policy before it goes anywhere near the kernel;
 * the kernel's own answer from fscrypt_add_key_v2() stays authoritative.
 * Returns 0, -EIO. */
int fscrypt_v2_identifier(const uint8_t *key, size_t key_size, uint8_t ret[static FSCRYPT_ID_SIZE]);
