/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* The LUKS2 volume of a home through libcryptsetup: format, one keyslot
 * per effective passphrase (home-unlock.md §2 order: slot i = passphrase
 * i), the volume key from a passphrase, and the "systemd-homed" token.
 * Nothing here logs: libcryptsetup's own log output is swallowed. */

#include <libcryptsetup.h>
#include <stddef.h>
#include <stdint.h>

#include "home-record.h"
#include "luks-record.h"

#define LUKS_VOLUME_KEY_MAX 128U

static inline void crypt_freep(struct crypt_device **cd) {
        if (*cd)
                crypt_free(*cd);
}
#define _cleanup_crypt_ _cleanup_(crypt_freep)

/* crypt_init() with the log silenced and the volume key kept out of the
 * kernel keyring (dm-crypt holds it in its table, so suspend wipes it and
 * resize needs no key). Returns 0, -errno from libcryptsetup. */
int luks_volume_init(const char *device, struct crypt_device **ret);
/* Same for an active mapping by name: -ENODEV if there is none. */
int luks_volume_init_by_name(const char *name, struct crypt_device **ret);

/* libcryptsetup's floor for PBKDF2 keyslots. */
#define LUKS_PBKDF2_MIN_ITERATIONS 1000

/* PBKDF for new keyslots from the record (luksPbkdf*). minimal: a
 * high-entropy secret, PBKDF2 with LUKS_PBKDF2_MIN_ITERATIONS and the
 * record's hash.
 * Returns 0, -EINVAL (unsupported type), -errno. */
int luks_volume_set_pbkdf(struct crypt_device *cd, const HomeRecord *h, bool minimal);

/* luksFormat with the settings and the given volume key; no keyslot yet.
 * label = user[@realm], subsystem "systemd-home".
 * Returns 0, -EINVAL (bad cipher/sizes), -errno. */
int luks_volume_format(struct crypt_device *cd, const LuksSettings *s, const char *label,
                       const void *volume_key, size_t volume_key_size);

/* Makes keyslot i open with passphrases[i] (i = 0..n-1, each slot
 * re-created with volume_key under the record's PBKDF) and destroys every
 * slot >= n. Returns 0, -EINVAL (no passphrase), -errno. */
int luks_volume_set_keyslots(struct crypt_device *cd, const HomeRecord *h, char * const *passphrases,
                             const void *volume_key, size_t volume_key_size);

/* Tries each passphrase (crypt_activate_by_passphrase with no name: a
 * check only, nothing is activated). Returns the keyslot that opened,
 * -ENOKEY (none did), -errno. */
int luks_volume_check_passphrases(struct crypt_device *cd, char * const *passphrases);

/* Gets the volume key (buffer of LUKS_VOLUME_KEY_MAX bytes, the caller
 * wipes it) with the first passphrase that opens a keyslot. Returns the
 * keyslot, -ENOKEY, -errno. */
int luks_volume_get_key(struct crypt_device *cd, char * const *passphrases, void *ret_key, size_t *ret_size);

/* Stores token JSON as the first systemd-homed token (replacing it) and
 * removes any further ones. Returns 0, -EINVAL (not valid token JSON,
 * or the LUKS2 metadata area is too small for it), -errno. */
int luks_volume_token_write(struct crypt_device *cd, const char *json);

/* The JSON of the first systemd-homed token (malloc'd). Returns 0,
 * -ENODATA (none), -errno. */
int luks_volume_token_read(struct crypt_device *cd, char **ret_json);
