/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Recovery keys (home-unlock.md §1): 32 random bytes written as 64
 * "modhex" characters (the alphabet "cbdefghijklnrtuv" stands for hex
 * digits 0..f, so a key reads the same on any keyboard layout) in 8 groups
 * of 8 joined by '-'. The record keeps only a crypt(3) hash of that exact
 * text in privileged.recoveryKey[].hashedPassword, type "modhex64". */

#include <json-c/json.h>
#include <stddef.h>

#define RECOVERY_KEY_RAW_SIZE 32U
/* Characters in the formatted key, without the NUL. */
#define RECOVERY_KEY_FORMATTED_LENGTH (RECOVERY_KEY_RAW_SIZE * 2 + RECOVERY_KEY_RAW_SIZE / 4 - 1)

/* A new random recovery key in its formatted (canonical) form.
 * Returns 0, -ENOMEM, or the getrandom() error. The caller wipes it
 * (erase_and_free). */
int recovery_key_generate(char **ret_key);

/* Turns what a person typed into the canonical form, with systemd's rules:
 * the 64 modhex characters either without any dash or with a dash after
 * every 8 (71 characters); either case. Nothing else is accepted
 * (whitespace included), so a key systemd refuses is refused here too.
 * Returns 0 and a new string (wipe it), -EINVAL if input is not a recovery
 * key, -ENOMEM. */
int recovery_key_normalize(const char *input, char **ret_key);

/* Tries each password (NULL-terminated list) that normalizes as a recovery
 * key against every "modhex64" entry of recovery_key (the JSON array
 * privileged.recoveryKey). Entries of other types are skipped.
 * Returns 1 and, if ret_password_index is not NULL, the index of the
 * matching password; 0 if none matches (also when recovery_key is NULL);
 * -EINVAL when recovery_key is not an array of objects each with a string
 * "hashedPassword", or a hash is not a crypt string; -ENOMEM. */
int recovery_key_test(json_object *recovery_key, char *const *passwords, size_t *ret_password_index);

/* A new privileged.recoveryKey[] entry for key (canonicalized first):
 * { "type" : "modhex64", "hashedPassword" : "<crypt of the key>" }.
 * Returns 0, -EINVAL (not a recovery key), -ENOMEM, or what
 * password_hash_new() returns. */
int recovery_key_make_entry(const char *key, json_object **ret_entry);
