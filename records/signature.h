/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Ed25519 signatures over user and group records (user-record.md §8), in
 * the form systemd-homed reads and writes:
 *   "signature" : [ { "data" : "<base64 of 64 bytes>",
 *                     "key"  : "-----BEGIN PUBLIC KEY-----\n...\n" } ]
 * The signed bytes are record_signable_bytes() (json-canonical.h). Keys are
 * OpenSSL EVP_PKEY objects holding Ed25519 keys; other key types are
 * refused with -EKEYREJECTED. */

#include <json-c/json.h>
#include <openssl/evp.h>
#include <stdbool.h>
#include <stddef.h>

#include "macro.h"

/* What record_verify() found. */
typedef enum RecordSignatureState {
        RECORD_SIG_UNSIGNED,          /* no signature array, or an empty one */
        RECORD_SIG_SIGNED_EXCLUSIVE,  /* every signature is by a trusted key and verifies */
        RECORD_SIG_SIGNED,            /* a trusted signature verifies; others are by unknown keys */
        RECORD_SIG_FOREIGN,           /* signatures present, none by a trusted key */
        _RECORD_SIG_MAX,
} RecordSignatureState;

/* "unsigned", "signed-exclusive", "signed", "foreign"; NULL if out of range. */
const char *record_signature_state_to_string(RecordSignatureState s);

static inline void EVP_PKEY_freep(EVP_PKEY **k) {
        if (*k)
                EVP_PKEY_free(*k);
}
#define _cleanup_pkey_ _cleanup_(EVP_PKEY_freep)

/* A new random Ed25519 key pair. Returns 0, -ENOMEM or -EIO (OpenSSL failed). */
int signing_key_generate(EVP_PKEY **ret_key);

/* Private keys: PEM (PKCS#8 "PRIVATE KEY", as `openssl genpkey -algorithm
 * ed25519` and homed's local.private hold them). Encrypted PEM is refused
 * (no passphrase prompt ever happens). The text is wiped after use where
 * this code read it itself (the file variant).
 * Returns 0 or:
 *   -EBADMSG       not a PEM private key (or an encrypted one)
 *   -EKEYREJECTED  a key, but not Ed25519
 *   -ENOENT, -EACCES, ...  (file variant) the file could not be read
 *   -EFBIG         (file variant) the file is larger than 64 KiB
 *   -ENOMEM */
int signing_key_load_private_pem(const char *pem, size_t size, EVP_PKEY **ret_key);
int signing_key_load_private_file(const char *path, EVP_PKEY **ret_key);

/* Public keys: PEM SubjectPublicKeyInfo ("PUBLIC KEY"). Same errors as
 * the private variants. */
int signing_key_load_public_pem(const char *pem, size_t size, EVP_PKEY **ret_key);
int signing_key_load_public_file(const char *path, EVP_PKEY **ret_key);

/* The public half of key (private or public) as PEM SubjectPublicKeyInfo,
 * newline-terminated, exactly as it goes into the "key" field.
 * Returns 0, -EKEYREJECTED (not Ed25519), -ENOMEM or -EIO. */
int signing_key_public_pem(EVP_PKEY *key, char **ret_pem);

/* Whether two keys have the same Ed25519 public key (the raw 32 bytes are
 * compared, never the PEM text). Either may be a private key.
 * Returns 1 equal, 0 different, -EKEYREJECTED if one is not Ed25519,
 * -EIO if OpenSSL cannot export a key. */
int signing_key_equal(EVP_PKEY *a, EVP_PKEY *b);

/* Signs record with private_key and returns a new record object (a deep
 * copy; record itself is not modified) whose "signature" array holds this
 * one signature only: existing signatures are dropped, as homed does.
 * Returns 0 or:
 *   -EINVAL        record is not an object, or its strings cannot be put
 *                  into canonical form (see json-canonical.h: -EILSEQ too)
 *   -EKEYREJECTED  private_key is not an Ed25519 private key
 *   -EIO           OpenSSL failed to sign
 *   -ENOMEM */
int record_sign(json_object *record, EVP_PKEY *private_key, json_object **ret_signed);

/* Checks the signatures of record against the trusted public keys.
 * Each array element whose "key" is one of the trusted keys must verify;
 * an element without "key" is tried against every trusted key (systemd
 * itself ignores "key" when verifying) and counts as foreign if none
 * verifies. Elements by keys not in the list (or with a "key" that is not
 * an Ed25519 PEM public key) count as foreign.
 * Returns a RecordSignatureState (>= 0) or:
 *   -EBADMSG  a signature naming a trusted key does not verify: the record
 *             was changed after signing, or the signature was damaged
 *   -EINVAL   record is not an object; "signature" is not an array; an
 *             element is not an object; "data" missing, not a string or
 *             not base64; the record cannot be put into canonical form
 *   -ENOMEM, -EIO (OpenSSL failure) */
int record_verify(json_object *record, EVP_PKEY *const *trusted, size_t n_trusted);
/* The same, faster for a caller that verifies often: trusted_pem[i] (may
 * be NULL, as may any element) is trusted[i] as signing_key_public_pem()
 * formats it, so a "key" with exactly that text needs no decoding. */
int record_verify_pem(json_object *record, EVP_PKEY *const *trusted, const char *const *trusted_pem,
                      size_t n_trusted);
