/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Effective values of a user record: one getter per setting, each the
 * only place its default is written down (spec user-record.md §2, §10).
 * Raw struct members only say what the record contains; these say what
 * applies. None of them fails. */

#include "user-record.h"

/* Build-time defaults. */
#define USER_RECORD_DEFAULT_HOME_ROOT        "/home"
#define USER_RECORD_DEFAULT_SHELL            "/bin/bash"
#define USER_RECORD_NOLOGIN_SHELL            "/usr/sbin/nologin"
#define USER_RECORD_ROOT_SHELL               "/bin/sh"
#define USER_RECORD_DEFAULT_SKELETON         "/etc/skel"
#define USER_RECORD_DEFAULT_FILE_SYSTEM_TYPE "btrfs"
#define SYSTEM_UID_MAX                       999U
#define SYSTEM_GID_MAX                       999U

/* The disposition given, else derived from uid (§10); invalid if neither. */
UserDisposition user_record_disposition(const UserRecord *ur);
UserDisposition user_disposition_from_uid(uid_t uid);

/* "name@realm" when a realm is set, else userName. */
const char *user_record_user_name_and_realm(const UserRecord *ur);

/* gid: as given, else the uid (per-user group); GID_INVALID without uid. */
gid_t user_record_gid(const UserRecord *ur);

/* Home directory: status fallback when useFallback; the record's; else
 * for root "/root", for regular users <home root>/<userName>, else "/".
 * home_root NULL = USER_RECORD_DEFAULT_HOME_ROOT. Returns a new string or
 * NULL on ENOMEM. */
char *user_record_home_directory(const UserRecord *ur, const char *home_root);
/* Shell: status fallback when useFallback; the record's; else root
 * "/bin/sh", regular "/bin/bash", others nologin. Borrowed string. */
const char *user_record_shell(const UserRecord *ur);

UserStorage user_record_storage(const UserRecord *ur);             /* default classic */
/* Image path as given, else <root>/<user[@realm]>.home for luks,
 * .homedir for directory/subvolume/fscrypt, cifsService for cifs, else
 * NULL (also NULL for non-regular dispositions). New string; *ret NULL
 * with 0 when there is none. Returns 0 or -ENOMEM. */
int user_record_image_path(const UserRecord *ur, const char *home_root, char **ret);
/* status fileSystemType (actual) first, then the record, else btrfs. */
const char *user_record_file_system_type(const UserRecord *ur);
const char *user_record_skeleton_directory(const UserRecord *ur);   /* /etc/skel */
mode_t user_record_access_mode(const UserRecord *ur);               /* 0700 */
mode_t user_record_umask(const UserRecord *ur);                     /* 0022 */

const char *user_record_luks_cipher(const UserRecord *ur);          /* aes */
const char *user_record_luks_cipher_mode(const UserRecord *ur);     /* xts-plain64 */
uint64_t user_record_luks_volume_key_size(const UserRecord *ur);    /* 32 bytes */
const char *user_record_luks_pbkdf_type(const UserRecord *ur);      /* argon2id */
const char *user_record_luks_pbkdf_hash_algorithm(const UserRecord *ur); /* sha512 */
uint64_t user_record_luks_pbkdf_force_iterations(const UserRecord *ur);  /* 0 = benchmark */
uint64_t user_record_luks_pbkdf_time_cost_usec(const UserRecord *ur);    /* 500 ms */
uint64_t user_record_luks_pbkdf_memory_cost(const UserRecord *ur);  /* 64 MiB, 0 for pbkdf2 */
uint64_t user_record_luks_pbkdf_parallel_threads(const UserRecord *ur); /* 1, 0 for pbkdf2 */
uint64_t user_record_luks_sector_size(const UserRecord *ur);        /* 512 */
/* Online discard: as given, else on only for a real block device
 * (imagePath under /dev/). Offline: as given, else on for image files and
 * equal to the online setting for /dev/ paths. */
bool user_record_luks_discard(const UserRecord *ur);
bool user_record_luks_offline_discard(const UserRecord *ur);

bool user_record_mount_nodev(const UserRecord *ur);                 /* true */
bool user_record_mount_nosuid(const UserRecord *ur);                /* true */
bool user_record_mount_noexec(const UserRecord *ur);                /* false */
bool user_record_drop_caches(const UserRecord *ur);                 /* fscrypt: true */
AutoResizeMode user_record_auto_resize_mode(const UserRecord *ur);  /* luks: shrink-and-grow, else off */
uint64_t user_record_rebalance_weight(const UserRecord *ur);        /* 100; 0 = off */

uint64_t user_record_ratelimit_interval_usec(const UserRecord *ur); /* 60 s */
uint64_t user_record_ratelimit_burst(const UserRecord *ur);         /* 30 */
bool user_record_enforce_password_policy(const UserRecord *ur);     /* true */
bool user_record_auto_login(const UserRecord *ur);                  /* false */
bool user_record_kill_processes(const UserRecord *ur);              /* false */
int user_record_nice_level(const UserRecord *ur);                   /* 0 */
bool user_record_locked(const UserRecord *ur);                      /* false */
bool user_record_removable(const UserRecord *ur, bool *ret_known);  /* §7 */
uint64_t user_record_disk_size(const UserRecord *ur);               /* status, else record; UINT64_MAX = unknown */

/* Secret-section consent flags: absent = false. */
bool user_record_pkcs11_protected_authentication_path_permitted(const UserRecord *ur);
bool user_record_fido2_user_presence_permitted(const UserRecord *ur);
bool user_record_fido2_user_verification_permitted(const UserRecord *ur);

/* tmpfs limits for /tmp and /dev/shm: byte limit (UINT64_MAX = none) and
 * scale (UINT32_MAX = 100 %). Regular users default to 80 % when neither
 * is set. */
void user_record_tmp_limit(const UserRecord *ur, uint64_t *ret_limit, uint32_t *ret_scale);
void user_record_dev_shm_limit(const UserRecord *ur, uint64_t *ret_limit, uint32_t *ret_scale);
#define USER_TMPFS_LIMIT_SCALE_DEFAULT ((uint32_t) (UINT64_C(4294967295) * 80 / 100))

/* The self-modifiable lists: as given, else the spec's defaults for
 * regular users and empty for everyone else. NULL-terminated, borrowed. */
const char * const *user_record_self_modifiable_fields(const UserRecord *ur);
const char * const *user_record_self_modifiable_blobs(const UserRecord *ur);
const char * const *user_record_self_modifiable_privileged(const UserRecord *ur);

/* The service: top level, else status of this machine, else NULL. */
const char *user_record_service(const UserRecord *ur);
