/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* The "systemd-homed" LUKS2 token: the embedded form of the user record
 * (regular, privileged, perMachine, signature), encrypted with the
 * volume key so only whoever opens a keyslot can read or replace it
 * (home-unlock.md §3):
 *
 *   {"type":"systemd-homed","keyslots":[],"record":"<base64>","iv":"<base64>"}
 *
 * The cipher is the OpenSSL cipher "<luksCipher>-<bits>-<mode>", mode =
 * luksCipherMode up to its first '-', bits = volume key bytes × 8, halved
 * for xts; the whole volume key is its key, the IV random. */

#include <json-c/json.h>
#include <stddef.h>

#define LUKS_TOKEN_TYPE "systemd-homed"
/* Bound on what is decoded: a LUKS2 JSON area is at most 4 MiB. */
#define LUKS_TOKEN_MAX (UINT32_C(4) * 1024 * 1024)

/* The OpenSSL cipher name into buf. Returns 0, -EINVAL (key size 0 or
 * odd for xts, names too long or with characters no cipher name has). */
int luks_token_cipher_name(const char *cipher, const char *cipher_mode, size_t volume_key_size,
                           char buf[static 64]);

/* Token JSON text for record (its embedded sections only; binding,
 * status and secret are left out). Returns 0 and a malloc'd string, or
 * -EINVAL (record not an object, key size does not fit the cipher),
 * -EPROTONOSUPPORT (OpenSSL has no such cipher), -ENOMEM, -EIO. */
int luks_token_encode(json_object *record, const char *cipher, const char *cipher_mode,
                      const void *volume_key, size_t volume_key_size, char **ret_json);

/* Decodes token JSON text back to the record object. Returns 0, or
 * -EBADMSG (not a systemd-homed token, fields missing or of the wrong
 * type, bad base64, IV of the wrong length, decrypted text that is not
 * one NUL-free JSON object: a damaged token or another volume key),
 * -EINVAL, -EPROTONOSUPPORT (as for encode), -EFBIG (over
 * LUKS_TOKEN_MAX), -ENOMEM, -EIO. */
int luks_token_decode(const char *json, const char *cipher, const char *cipher_mode,
                      const void *volume_key, size_t volume_key_size, json_object **ret_record);
