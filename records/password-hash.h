/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* crypt(3) password hashes as records carry them in
 * privileged.hashedPassword (user-record.md §3), and the check homed does
 * with them: a set of candidate passwords is accepted only if every hash
 * in the record is matched by one of them. All work buffers crypt(3)
 * uses are wiped before they are freed. */

#include <errno.h>
#include <json-c/json.h>
#include <stdbool.h>
#include <stddef.h>

/* Hash methods Hearth creates. Verification accepts every method libcrypt
 * knows, whatever made the hash. */
typedef enum PasswordHashMethod {
        PASSWORD_HASH_PREFERRED,   /* yescrypt if libcrypt has it, else SHA-512 */
        PASSWORD_HASH_YESCRYPT,    /* "$y$" */
        PASSWORD_HASH_SHA512,      /* "$6$" */
        _PASSWORD_HASH_METHOD_MAX,
        _PASSWORD_HASH_METHOD_INVALID = -EINVAL,
} PasswordHashMethod;

/* "preferred", "yescrypt", "sha512" and back. from_string returns
 * _PASSWORD_HASH_METHOD_INVALID for anything else. */
const char *password_hash_method_to_string(PasswordHashMethod m);
PasswordHashMethod password_hash_method_from_string(const char *s);

/* Hashes password with a fresh salt from libcrypt's own random source.
 * With PASSWORD_HASH_PREFERRED yescrypt is used, and SHA-512 when this
 * libcrypt lacks yescrypt.
 * Returns 0 and a new string in *ret_hash, or:
 *   -EOPNOTSUPP  libcrypt does not support the method asked for
 *   -EINVAL      method out of range
 *   -ENOMEM, or another negative errno libcrypt reported */
int password_hash_new(const char *password, PasswordHashMethod method, char **ret_hash);

/* Whether hash is a crypt(3) string this libcrypt can verify.
 * Returns 0 usable, -EINVAL malformed or unknown method, -EOPNOTSUPP a
 * method libcrypt has disabled, -EPERM a legacy method it still verifies
 * but should not be used for new hashes (DES, MD5, ...). */
int password_hash_check(const char *hash);

/* Whether password matches hash (constant-time comparison of the crypt
 * output). Returns 1 match, 0 no match, -EINVAL hash is not a crypt
 * string libcrypt understands, -ENOMEM. */
int password_hash_verify(const char *password, const char *hash);

/* homed's rule: every hash in hashes must be matched by some password.
 * hashes and passwords are NULL-terminated lists. If ret_match is not
 * NULL it must have room for one entry per hash and receives, for each
 * hash, the index of the first password matching it (only on success,
 * i.e. when 1 is returned).
 * Returns 1 all hashes matched, 0 at least one hash matched by no
 * password (also when passwords is empty), or:
 *   -ENODATA  hashes is empty (the record has no password)
 *   -EINVAL   a hash is not a crypt string libcrypt understands
 *   -ENOMEM */
int password_hash_test_all(char *const *hashes, char *const *passwords, size_t *ret_match);

/* The same for a JSON array of strings (privileged.hashedPassword as it is
 * in the record). A missing array (NULL or JSON null) is -ENODATA; an
 * array holding a non-string is -EINVAL. */
int password_hash_test_json(json_object *hashed_password, char *const *passwords);
