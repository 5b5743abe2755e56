/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* The few user-record fields the storage worker acts on, read from the
 * record JSON with perMachine (matchMachineId) and binding of the local
 * machine applied, and one getter per setting that applies the default
 * (user-record.md §2 "Storage"). A narrow seam: when the typed record
 * library (records/user-record.h) is available this file is the only one
 * that changes. */

#include <errno.h>
#include <json-c/json.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

typedef enum HomeStorage {
        HOME_STORAGE_CLASSIC,
        HOME_STORAGE_LUKS,
        HOME_STORAGE_DIRECTORY,
        HOME_STORAGE_SUBVOLUME,
        HOME_STORAGE_FSCRYPT,
        HOME_STORAGE_CIFS,
        _HOME_STORAGE_MAX,
        _HOME_STORAGE_INVALID = -EINVAL,
} HomeStorage;

const char *home_storage_to_string(HomeStorage s);
HomeStorage home_storage_from_string(const char *s);

#define HOME_UID_INVALID ((uid_t) -1)
#define HOME_MODE_INVALID ((mode_t) -1)

typedef struct HomeRecord {
        json_object *json;              /* the record as given, secret section removed */
        char *user_name;
        char *realm;
        uid_t uid;
        gid_t gid;                      /* HOME_UID_INVALID = unset (defaults to uid) */
        HomeStorage storage;            /* _HOME_STORAGE_INVALID = unset */
        char *image_path;
        char *home_directory;
        char *skeleton_directory;
        mode_t access_mode;
        char *pbkdf_type;
        char *pbkdf_hash_algorithm;
        uint64_t pbkdf_force_iterations;    /* UINT64_MAX = unset */
        uint64_t pbkdf_time_cost_usec;
        uint64_t pbkdf_memory_cost;
        uint64_t pbkdf_parallel_threads;
        int nodev, nosuid, noexec, drop_caches;   /* -1 = unset */
        uint64_t last_change_usec;      /* UINT64_MAX = unset */
        char **hashed_password;         /* privileged.hashedPassword, NULL-terminated, never NULL */
        char **recovery_key_hash;       /* privileged.recoveryKey[].hashedPassword */
} HomeRecord;

/* The secret section: candidate plaintext passwords (wiped when freed). */
typedef struct HomeSecret {
        char **password;                /* NULL-terminated, never NULL */
} HomeSecret;

/* Loads the fields from v (not modified; the record keeps a deep copy
 * without "secret"). machine_id is the 32 hex chars of the local machine
 * id used for perMachine/binding, or NULL to read /etc/machine-id (absent
 * file = no per-machine data applies).
 * Returns 0, or -EBADMSG (v is not an object, or a field has the wrong
 * JSON type / an invalid value), -ENOENT (no userName or no uid),
 * -ENOMEM. */
int home_record_load(json_object *v, const char *machine_id, HomeRecord **ret);
HomeRecord *home_record_free(HomeRecord *h);
static inline void home_record_freep(HomeRecord **h) {
        if (*h)
                *h = home_record_free(*h);
}

/* Loads the "password" list of a secret object (NULL = no secret).
 * Returns 0, -EBADMSG (wrong types), -ENOMEM. */
int home_secret_load(json_object *secret, HomeSecret **ret);
HomeSecret *home_secret_free(HomeSecret *s);
static inline void home_secret_freep(HomeSecret **s) {
        if (*s)
                *s = home_secret_free(*s);
}

/* Effective values (defaults applied). The string getters return
 * borrowed or static strings, except where noted. */
gid_t home_record_gid(const HomeRecord *h);                  /* = uid */
HomeStorage home_record_storage(const HomeRecord *h);        /* classic */
mode_t home_record_access_mode(const HomeRecord *h);         /* 0700 */
const char *home_record_skeleton_directory(const HomeRecord *h); /* /etc/skel */
const char *home_record_pbkdf_type(const HomeRecord *h);     /* argon2id */
const char *home_record_pbkdf_hash_algorithm(const HomeRecord *h); /* sha512 */
uint64_t home_record_pbkdf_force_iterations(const HomeRecord *h);  /* 0 = calibrate */
uint64_t home_record_pbkdf_time_cost_usec(const HomeRecord *h);    /* 500 ms */
uint64_t home_record_pbkdf_memory_cost(const HomeRecord *h);       /* 64 MiB, 0 for pbkdf2 */
uint64_t home_record_pbkdf_parallel_threads(const HomeRecord *h);  /* 1, 0 for pbkdf2 */
bool home_record_mount_nodev(const HomeRecord *h);           /* true */
bool home_record_mount_nosuid(const HomeRecord *h);          /* true */
bool home_record_mount_noexec(const HomeRecord *h);          /* false */
bool home_record_drop_caches(const HomeRecord *h);           /* true for fscrypt */

/* homeDirectory, default <root>/<userName>; imagePath, default
 * <root>/<user[@realm]>.homedir (directory, subvolume, fscrypt) or .home
 * (luks). root = $HEARTH_HOME_ROOT, else /home. Newly allocated.
 * Returns 0, -ENOMEM. */
int home_record_home_directory(const HomeRecord *h, char **ret);
int home_record_image_path(const HomeRecord *h, char **ret);
