/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* The storage backend interface. A backend only deals with its storage:
 * making it, bringing it "up" (its content reachable at setup->root_path,
 * decrypted, writable) and "down" again, and its keys. Everything common
 * to all backends — authentication against the record, the dirty marker,
 * the bind mount on homeDirectory, ~/.identity, ownership — is done by
 * home-operations.c around these calls.
 *
 * Every call that changes something pushes undo steps onto `setup` as it
 * goes (home-setup.h), so the caller can roll a failed operation back.
 * A LUKS2 backend maps as: create = image + GPT + luksFormat + mkfs +
 * mount at a private place (root_path = <mnt>/<user>); activate = loop +
 * luksOpen + mount; deactivate = umount + luksClose + loop detach; lock /
 * unlock = luksSuspend / luksResume; change_passphrases = keyslot re-wrap
 * with the volume key; resize = fs + dm + image resize. */

#include <stdbool.h>
#include <stdint.h>

#include "home-kdf.h"
#include "home-record.h"
#include "home-setup.h"

typedef struct HomeContext {
        const HomeRecord *record;
        char *image_path;               /* effective imagePath */
        char *home_directory;           /* effective homeDirectory */
        char *dirty_marker;             /* runtime marker file; NULL: the image's xattr */
        /* Passphrases to open the storage with (activate, unlock, passwd:
         * the old ones), or to wrap the keys under (create). Wiped. */
        char **passphrases;
        /* passwd: the new effective passphrase list (§2 order). Wiped. */
        char **new_passphrases;
        /* Forced operation (deactivate-force). */
        bool force;
        /* resize: the requested size in bytes. */
        uint64_t size;
} HomeContext;

typedef struct HomeStatus {
        const char *state;              /* home-unlock.md §8 name */
        uint64_t disk_size, disk_free, disk_usage;      /* UINT64_MAX = unknown */
        int policy_version;             /* fscrypt: 1 or 2; 0 = n/a */
        int key_status;                 /* fscrypt: FscryptKeyStatus; 0 = n/a */
        bool files_busy;                /* key removal left files open */
        bool other_users;               /* other users still hold the key */
        bool recovered_dirty;
} HomeStatus;

#define HOME_STATUS_INIT { .disk_size = UINT64_MAX, .disk_free = UINT64_MAX, .disk_usage = UINT64_MAX }

typedef struct HomeBackend {
        HomeStorage storage;

        /* Makes new storage at image_path (which must not exist: -EEXIST)
         * with keys wrapped under c->passphrases, and leaves it up. */
        int (*create)(HomeContext *c, HomeSetup *s);
        /* Brings existing storage up with one of c->passphrases
         * (-ENOKEY: none fits; -ENOENT: no storage). */
        int (*activate)(HomeContext *c, HomeSetup *s);
        /* Takes storage down (keys out of the kernel, caches dropped);
         * the home is already unmounted. Safe on storage that is down, so
         * it also clears leftovers of an interrupted activation. */
        int (*deactivate)(HomeContext *c, HomeSetup *s);
        /* Makes the mounted home unreadable until unlock; NULL: -ENOTTY. */
        int (*lock)(HomeContext *c, HomeSetup *s);
        int (*unlock)(HomeContext *c, HomeSetup *s);
        /* Re-wraps the storage key: opened with c->passphrases, then one
         * slot per c->new_passphrases entry, stale slots removed. */
        int (*change_passphrases)(HomeContext *c, HomeSetup *s);
        /* Fills backend-specific status (key status, policy); state is
         * decided by the caller. May be NULL. */
        int (*inspect)(HomeContext *c, HomeStatus *st);
        /* Deletes the storage; the home is not active. */
        int (*remove)(HomeContext *c, HomeSetup *s);
        /* Optional (NULL: -ENOTTY). */
        int (*resize)(HomeContext *c, HomeSetup *s);
        /* Optional, for storage that homeDirectory does not show directly
         * (LUKS: a file system inside the image): 0 not up,
         * HOME_EXPOSED_ACTIVE, HOME_EXPOSED_LOCKED, or -errno. NULL: up
         * when homeDirectory is a mount of imagePath. */
        int (*exposed)(HomeContext *c);
} HomeBackend;

#define HOME_EXPOSED_ACTIVE 1
#define HOME_EXPOSED_LOCKED 2

extern const HomeBackend home_backend_directory;
extern const HomeBackend home_backend_fscrypt;
extern const HomeBackend home_backend_luks;

/* The backend for a storage type, NULL if this build has none. */
const HomeBackend *home_backend_get(HomeStorage storage);
