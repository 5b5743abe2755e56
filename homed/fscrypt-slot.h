/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* fscrypt key slots: the 64-byte master key wrapped under one passphrase,
 * stored as the value of xattr trusted.fscrypt_slot<N> on the home
 * directory. Formats (docs/design/homed-storage.md §"Slot format"):
 *
 *   written:  $hearth1:<kdf>:<b64 salt>:<b64 iv>:<b64 ciphertext>:<b64 tag>
 *             <kdf> = argon2id,t=<iter>,m=<KiB>,p=<threads>  (or argon2i,…)
 *                   | pbkdf2,h=<hash>,i=<iterations>
 *             KEK = KDF(passphrase, salt) 32 bytes; AES-256-GCM, 12-byte IV,
 *             16-byte tag, AAD = the text before the salt ("$hearth1:<kdf>").
 *   read:     $v2:<iterations>:<b64 salt>:<b64 iv>:<b64 ciphertext>:<b64 tag>
 *             PBKDF2-HMAC-SHA512 → 32-byte KEK, AES-256-GCM, no AAD.
 *   read:     <b64 salt>:<b64 ciphertext>   (systemd-homed fscrypt v1 homes)
 *             PBKDF2-HMAC-SHA512 65535 iterations → 32-byte KEK,
 *             AES-256-CTR with an all-zero IV; unauthenticated.
 *
 * Base64 is the standard padded alphabet, no line breaks. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "home-kdf.h"

#define FSCRYPT_MASTER_KEY_SIZE 64
#define FSCRYPT_SLOT_SALT_SIZE 32
#define FSCRYPT_SLOT_SALT_MAX 256
#define FSCRYPT_SLOT_IV_SIZE 12
#define FSCRYPT_SLOT_TAG_SIZE 16
#define FSCRYPT_SLOT_TEXT_MAX 4096
#define FSCRYPT_SLOT_LEGACY_ITERATIONS 65535U

typedef enum FscryptSlotFormat {
        FSCRYPT_SLOT_LEGACY_CTR,        /* <salt>:<ct> */
        FSCRYPT_SLOT_LEGACY_GCM,        /* $v2:... */
        FSCRYPT_SLOT_HEARTH,            /* $hearth1:... */
        _FSCRYPT_SLOT_FORMAT_MAX,
} FscryptSlotFormat;

typedef struct FscryptSlot {
        FscryptSlotFormat format;
        HomeKdf kdf;
        uint8_t salt[FSCRYPT_SLOT_SALT_MAX];
        size_t salt_size;
        uint8_t iv[FSCRYPT_SLOT_IV_SIZE];
        uint8_t ciphertext[FSCRYPT_MASTER_KEY_SIZE];
        uint8_t tag[FSCRYPT_SLOT_TAG_SIZE];
        char aad[128];                  /* HEARTH: the authenticated header text */
} FscryptSlot;

/* Parses slot text (size bytes, need not be NUL-terminated; a trailing NUL
 * is tolerated). No KDF runs. Returns 0, or -EBADMSG (not a slot of a
 * known format: bad syntax, base64, sizes or KDF parameters). */
int fscrypt_slot_parse(const char *text, size_t size, FscryptSlot *ret);

/* Recovers the master key. ret_authenticated says whether the format
 * proved the passphrase right (GCM formats); for the legacy CTR format it
 * is false and the caller must check the key against the directory's
 * policy. Returns 0, or
 *   -ENOKEY   wrong passphrase, or the ciphertext/tag was altered (GCM
 *             cannot tell the two apart)
 *   -EINVAL   bad KDF parameters, -ENOMEM, -EIO (crypto library failure).
 * ret_key is written only on success. */
int fscrypt_slot_unwrap(const FscryptSlot *slot, const char *passphrase,
                        uint8_t ret_key[static FSCRYPT_MASTER_KEY_SIZE], bool *ret_authenticated);

/* Wraps key under passphrase in the $hearth1 format with a fresh random
 * salt and IV. Returns 0 and a malloc'd NUL-terminated text, or -EINVAL,
 * -ENOMEM, -EIO. */
int fscrypt_slot_wrap(const uint8_t key[static FSCRYPT_MASTER_KEY_SIZE], const char *passphrase,
                      const HomeKdf *kdf, char **ret_text);

/* Standard base64 helpers used by the slot code (exposed for tests).
 * decode: strict (length multiple of 4, alphabet, padding only at the
 * end); returns the decoded size or -EBADMSG, -ENOBUFS if out is too small. */
int home_base64_decode(const char *in, size_t in_size, uint8_t *out, size_t out_size);
char *home_base64_encode(const uint8_t *in, size_t in_size);
