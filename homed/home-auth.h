/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Secret → passphrases (home-unlock.md §1, §2): which supplied plaintexts
 * satisfy the record's hashes, and the ordered list of passphrases the
 * storage keys get wrapped under. All returned lists hold copies and must
 * be freed with strv_free_erase(). */

#include "home-record.h"

/* 1 if password matches the crypt(3) hash, 0 if not, -ENOMEM, -EINVAL
 * (unusable hash). Thin wrappers over records/password-hash.h and
 * records/recovery-key.h, the one place storage code checks secrets. */
int home_password_verify(const char *password, const char *hash);

/* Canonical recovery key (64 modhex chars, 8 dash-joined groups of 8,
 * lower case) from user input in any case, with or without dashes.
 * Returns 0, -EINVAL (not a recovery key), -ENOMEM. */
int home_recovery_key_normalize(const char *input, char **ret);

/* The supplied passwords (recovery keys normalized) that satisfy at least
 * one hashedPassword or recoveryKey hash: the candidates to unlock with.
 * Returns 0, -EKEYREVOKED (the record has no hash to check against),
 * -ENOKEY (nothing matched), -ENOMEM. */
int home_authenticate(const HomeRecord *h, const HomeSecret *s, char ***ret);

/* The effective passphrase list for creating key slots: for each
 * hashedPassword entry the plaintext matching it, then for each recovery
 * key its canonical form. Every entry must be matched.
 * Returns 0, -EKEYREVOKED (no hash at all), -ENOKEY (an entry has no
 * matching secret), -ENOMEM. */
int home_slot_passphrases(const HomeRecord *h, const HomeSecret *s, char ***ret);
