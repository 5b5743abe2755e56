/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "user-record-effective.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "macro.h"

#define USEC_PER_SEC  UINT64_C(1000000)
#define USEC_PER_MSEC UINT64_C(1000)

UserDisposition user_disposition_from_uid(uid_t uid) {
        if (uid == UID_INVALID)
                return _USER_DISPOSITION_INVALID;
        if (uid == 0 || uid == 65534)
                return USER_INTRINSIC;
        if (uid <= SYSTEM_UID_MAX)
                return USER_SYSTEM;
        if (uid >= 61184 && uid <= 65519)
                return USER_DYNAMIC;
        if (uid >= 524288 && uid <= 1879048191)
                return USER_CONTAINER;
        if (uid >= 2147352576U && uid <= 2147418111U)
                return USER_FOREIGN;
        if (uid > 2147483647U)
                return USER_RESERVED;
        return USER_REGULAR;
}

UserDisposition user_record_disposition(const UserRecord *ur) {
        if (ur->disposition >= 0)
                return ur->disposition;
        return user_disposition_from_uid(ur->uid);
}

const char *user_record_user_name_and_realm(const UserRecord *ur) {
        return ur->user_name_and_realm ? ur->user_name_and_realm : ur->user_name;
}

gid_t user_record_gid(const UserRecord *ur) {
        if (ur->gid != GID_INVALID)
                return ur->gid;
        return (gid_t) ur->uid;
}

static bool use_fallback(const UserRecord *ur) {
        return ur->have_status && ur->status.use_fallback > 0;
}

char *user_record_home_directory(const UserRecord *ur, const char *home_root) {
        char *p;

        if (use_fallback(ur) && ur->status.fallback_home_directory)
                return strdup(ur->status.fallback_home_directory);
        if (ur->home_directory)
                return strdup(ur->home_directory);
        if (ur->uid == 0)
                return strdup("/root");
        if (user_record_disposition(ur) == USER_REGULAR && ur->user_name) {
                if (asprintf(&p, "%s/%s", home_root ? home_root : USER_RECORD_DEFAULT_HOME_ROOT, ur->user_name) < 0)
                        return NULL;
                return p;
        }
        return strdup("/");
}

const char *user_record_shell(const UserRecord *ur) {
        if (use_fallback(ur) && ur->status.fallback_shell)
                return ur->status.fallback_shell;
        if (ur->shell)
                return ur->shell;
        if (ur->uid == 0)
                return USER_RECORD_ROOT_SHELL;
        if (user_record_disposition(ur) == USER_REGULAR)
                return USER_RECORD_DEFAULT_SHELL;
        return USER_RECORD_NOLOGIN_SHELL;
}

UserStorage user_record_storage(const UserRecord *ur) {
        return ur->storage >= 0 ? ur->storage : USER_CLASSIC;
}

int user_record_image_path(const UserRecord *ur, const char *home_root, char **ret) {
        const char *suffix;
        char *p;

        if (ur->image_path) {
                p = strdup(ur->image_path);
                if (!p)
                        return -ENOMEM;
                *ret = p;
                return 0;
        }

        switch (user_record_storage(ur)) {
        case USER_LUKS:
                suffix = ".home";
                break;
        case USER_DIRECTORY:
        case USER_SUBVOLUME:
        case USER_FSCRYPT:
                suffix = ".homedir";
                break;
        case USER_CIFS:
                if (!ur->cifs_service) {
                        *ret = NULL;
                        return 0;
                }
                p = strdup(ur->cifs_service);
                if (!p)
                        return -ENOMEM;
                *ret = p;
                return 0;
        default:
                *ret = NULL;
                return 0;
        }

        if (user_record_disposition(ur) != USER_REGULAR || !ur->user_name) {
                *ret = NULL;
                return 0;
        }
        if (asprintf(&p, "%s/%s%s", home_root ? home_root : USER_RECORD_DEFAULT_HOME_ROOT,
                     user_record_user_name_and_realm(ur), suffix) < 0)
                return -ENOMEM;
        *ret = p;
        return 0;
}

const char *user_record_file_system_type(const UserRecord *ur) {
        if (ur->have_status && ur->status.file_system_type)
                return ur->status.file_system_type;
        return ur->file_system_type ? ur->file_system_type : USER_RECORD_DEFAULT_FILE_SYSTEM_TYPE;
}

const char *user_record_skeleton_directory(const UserRecord *ur) {
        return ur->skeleton_directory ? ur->skeleton_directory : USER_RECORD_DEFAULT_SKELETON;
}

mode_t user_record_access_mode(const UserRecord *ur) {
        return ur->access_mode != MODE_INVALID ? ur->access_mode : 0700;
}

mode_t user_record_umask(const UserRecord *ur) {
        return ur->umask != MODE_INVALID ? ur->umask : 0022;
}

const char *user_record_luks_cipher(const UserRecord *ur) {
        return ur->luks_cipher ? ur->luks_cipher : "aes";
}

const char *user_record_luks_cipher_mode(const UserRecord *ur) {
        return ur->luks_cipher_mode ? ur->luks_cipher_mode : "xts-plain64";
}

uint64_t user_record_luks_volume_key_size(const UserRecord *ur) {
        return ur->luks_volume_key_size != UINT64_MAX ? ur->luks_volume_key_size : 256 / 8;
}

const char *user_record_luks_pbkdf_type(const UserRecord *ur) {
        return ur->luks_pbkdf_type ? ur->luks_pbkdf_type : "argon2id";
}

const char *user_record_luks_pbkdf_hash_algorithm(const UserRecord *ur) {
        return ur->luks_pbkdf_hash_algorithm ? ur->luks_pbkdf_hash_algorithm : "sha512";
}

uint64_t user_record_luks_pbkdf_force_iterations(const UserRecord *ur) {
        return ur->luks_pbkdf_force_iterations != UINT64_MAX ? ur->luks_pbkdf_force_iterations : 0;
}

uint64_t user_record_luks_pbkdf_time_cost_usec(const UserRecord *ur) {
        return ur->luks_pbkdf_time_cost_usec != UINT64_MAX ? ur->luks_pbkdf_time_cost_usec : 500 * USEC_PER_MSEC;
}

static bool pbkdf_is_pbkdf2(const UserRecord *ur) {
        return streq(user_record_luks_pbkdf_type(ur), "pbkdf2");
}

/* PBKDF2 has no memory or thread parameter; cryptsetup wants 0 there. */
uint64_t user_record_luks_pbkdf_memory_cost(const UserRecord *ur) {
        if (pbkdf_is_pbkdf2(ur))
                return 0;
        return ur->luks_pbkdf_memory_cost != UINT64_MAX ? ur->luks_pbkdf_memory_cost : UINT64_C(64) * 1024 * 1024;
}

uint64_t user_record_luks_pbkdf_parallel_threads(const UserRecord *ur) {
        if (pbkdf_is_pbkdf2(ur))
                return 0;
        return ur->luks_pbkdf_parallel_threads != UINT64_MAX ? ur->luks_pbkdf_parallel_threads : 1;
}

uint64_t user_record_luks_sector_size(const UserRecord *ur) {
        return ur->luks_sector_size != UINT64_MAX ? ur->luks_sector_size : 512;
}

static bool image_is_block_device(const UserRecord *ur) {
        return ur->image_path && strncmp(ur->image_path, "/dev/", 5) == 0;
}

bool user_record_luks_discard(const UserRecord *ur) {
        if (ur->luks_discard >= 0)
                return ur->luks_discard;
        /* Discard on a loopback file punches holes, which defeats the
         * up-front allocation; on a real device it is what one wants. */
        return image_is_block_device(ur);
}

bool user_record_luks_offline_discard(const UserRecord *ur) {
        if (ur->luks_offline_discard >= 0)
                return ur->luks_offline_discard;
        if (image_is_block_device(ur))
                return user_record_luks_discard(ur);
        return true;
}

bool user_record_mount_nodev(const UserRecord *ur) {
        return ur->nodev != 0;
}

bool user_record_mount_nosuid(const UserRecord *ur) {
        return ur->nosuid != 0;
}

bool user_record_mount_noexec(const UserRecord *ur) {
        return ur->noexec > 0;
}

bool user_record_drop_caches(const UserRecord *ur) {
        if (ur->drop_caches >= 0)
                return ur->drop_caches;
        /* fscrypt leaves plaintext in the page cache after the key is gone. */
        return user_record_storage(ur) == USER_FSCRYPT;
}

AutoResizeMode user_record_auto_resize_mode(const UserRecord *ur) {
        if (ur->auto_resize_mode >= 0)
                return ur->auto_resize_mode;
        return user_record_storage(ur) == USER_LUKS ? AUTO_RESIZE_SHRINK_AND_GROW : AUTO_RESIZE_OFF;
}

uint64_t user_record_rebalance_weight(const UserRecord *ur) {
        return ur->rebalance_weight != REBALANCE_WEIGHT_UNSET ? ur->rebalance_weight : REBALANCE_WEIGHT_DEFAULT;
}

uint64_t user_record_ratelimit_interval_usec(const UserRecord *ur) {
        return ur->ratelimit_interval_usec != UINT64_MAX ? ur->ratelimit_interval_usec : 60 * USEC_PER_SEC;
}

uint64_t user_record_ratelimit_burst(const UserRecord *ur) {
        return ur->ratelimit_burst != UINT64_MAX ? ur->ratelimit_burst : 30;
}

bool user_record_enforce_password_policy(const UserRecord *ur) {
        return ur->enforce_password_policy != 0;
}

bool user_record_auto_login(const UserRecord *ur) {
        return ur->auto_login > 0;
}

bool user_record_kill_processes(const UserRecord *ur) {
        return ur->kill_processes > 0;
}

int user_record_nice_level(const UserRecord *ur) {
        return ur->nice_level != INT_MAX ? ur->nice_level : 0;
}

bool user_record_locked(const UserRecord *ur) {
        return ur->locked > 0;
}

bool user_record_removable(const UserRecord *ur, bool *ret_known) {
        UserStorage s = ur->storage;
        bool known = true, removable;

        if (ur->have_status && ur->status.removable >= 0)
                removable = ur->status.removable;
        else if (s < 0 || s == USER_CLASSIC) {
                known = false;
                removable = false;
        } else
                removable = s == USER_LUKS && image_is_block_device(ur);

        if (ret_known)
                *ret_known = known;
        return removable;
}

uint64_t user_record_disk_size(const UserRecord *ur) {
        if (ur->have_status && ur->status.disk_size != UINT64_MAX)
                return ur->status.disk_size;
        return ur->disk_size;
}

bool user_record_pkcs11_protected_authentication_path_permitted(const UserRecord *ur) {
        return ur->pkcs11_protected_authentication_path_permitted > 0;
}

bool user_record_fido2_user_presence_permitted(const UserRecord *ur) {
        return ur->fido2_user_presence_permitted > 0;
}

bool user_record_fido2_user_verification_permitted(const UserRecord *ur) {
        return ur->fido2_user_verification_permitted > 0;
}

static void tmpfs_limit(const UserRecord *ur, const TmpfsLimit *t, uint64_t *ret_limit, uint32_t *ret_scale) {
        if (t->limit != UINT64_MAX || t->scale_set) {
                *ret_limit = t->limit;
                *ret_scale = t->scale_set ? t->limit_scale : UINT32_MAX;
                return;
        }
        *ret_limit = UINT64_MAX;
        *ret_scale = user_record_disposition(ur) == USER_REGULAR ? USER_TMPFS_LIMIT_SCALE_DEFAULT : UINT32_MAX;
}

void user_record_tmp_limit(const UserRecord *ur, uint64_t *ret_limit, uint32_t *ret_scale) {
        tmpfs_limit(ur, &ur->tmp_limit, ret_limit, ret_scale);
}

void user_record_dev_shm_limit(const UserRecord *ur, uint64_t *ret_limit, uint32_t *ret_scale) {
        tmpfs_limit(ur, &ur->dev_shm_limit, ret_limit, ret_scale);
}

static const char *const self_modifiable_fields_default[] = {
        "realName", "emailAddress", "iconName", "location", "shell", "umask", "environment",
        "timeZone", "preferredLanguage", "additionalLanguages", "preferredSessionLauncher",
        "preferredSessionType", "pkcs11TokenUri", "fido2HmacCredential", "recoveryKeyType",
        "lastChangeUSec", "lastPasswordChangeUSec", NULL,
};

static const char *const self_modifiable_blobs_default[] = {
        "avatar", "login-background", NULL,
};

static const char *const self_modifiable_privileged_default[] = {
        "passwordHint", "hashedPassword", "pkcs11EncryptedKey", "fido2HmacSalt", "recoveryKey",
        "sshAuthorizedKeys", NULL,
};

static const char *const empty_list[] = { NULL };

static const char *const *self_modifiable(const UserRecord *ur, char **given, const char *const *defaults) {
        if (given)
                return (const char *const *) given;
        return user_record_disposition(ur) == USER_REGULAR ? defaults : empty_list;
}

const char *const *user_record_self_modifiable_fields(const UserRecord *ur) {
        return self_modifiable(ur, ur->self_modifiable_fields, self_modifiable_fields_default);
}

const char *const *user_record_self_modifiable_blobs(const UserRecord *ur) {
        return self_modifiable(ur, ur->self_modifiable_blobs, self_modifiable_blobs_default);
}

const char *const *user_record_self_modifiable_privileged(const UserRecord *ur) {
        return self_modifiable(ur, ur->self_modifiable_privileged, self_modifiable_privileged_default);
}

const char *user_record_service(const UserRecord *ur) {
        if (ur->service)
                return ur->service;
        return ur->have_status ? ur->status.service : NULL;
}
