/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "user-record.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "macro.h"
#include "per-machine.h"
#include "record-dispatch.h"
#include "record-load.h"

static const char *const disposition_names[_USER_DISPOSITION_MAX] = {
        [USER_INTRINSIC] = "intrinsic",
        [USER_SYSTEM]    = "system",
        [USER_DYNAMIC]   = "dynamic",
        [USER_REGULAR]   = "regular",
        [USER_CONTAINER] = "container",
        [USER_FOREIGN]   = "foreign",
        [USER_RESERVED]  = "reserved",
};

static const char *const storage_names[_USER_STORAGE_MAX] = {
        [USER_CLASSIC]   = "classic",
        [USER_LUKS]      = "luks",
        [USER_DIRECTORY] = "directory",
        [USER_SUBVOLUME] = "subvolume",
        [USER_FSCRYPT]   = "fscrypt",
        [USER_CIFS]      = "cifs",
};

static const char *const auto_resize_names[_AUTO_RESIZE_MODE_MAX] = {
        [AUTO_RESIZE_OFF]             = "off",
        [AUTO_RESIZE_GROW]            = "grow",
        [AUTO_RESIZE_SHRINK_AND_GROW] = "shrink-and-grow",
};

static int lookup(const char *const *table, int n, const char *s) {
        for (int i = 0; s && i < n; i++)
                if (streq(table[i], s))
                        return i;
        return -EINVAL;
}

const char *user_disposition_to_string(UserDisposition d) {
        return d >= 0 && d < _USER_DISPOSITION_MAX ? disposition_names[d] : NULL;
}
UserDisposition user_disposition_from_string(const char *s) {
        return (UserDisposition) lookup(disposition_names, _USER_DISPOSITION_MAX, s);
}
const char *user_storage_to_string(UserStorage s) {
        return s >= 0 && s < _USER_STORAGE_MAX ? storage_names[s] : NULL;
}
UserStorage user_storage_from_string(const char *s) {
        return (UserStorage) lookup(storage_names, _USER_STORAGE_MAX, s);
}
const char *auto_resize_mode_to_string(AutoResizeMode m) {
        return m >= 0 && m < _AUTO_RESIZE_MODE_MAX ? auto_resize_names[m] : NULL;
}
AutoResizeMode auto_resize_mode_from_string(const char *s) {
        return (AutoResizeMode) lookup(auto_resize_names, _AUTO_RESIZE_MODE_MAX, s);
}

static int dispatch_sector_size(DispatchContext *c, const char *path, json_object *v, void *target,
                                const RecordField *f) {
        uint64_t u;
        int r;

        if (!v) {
                *(uint64_t *) target = UINT64_MAX;
                return 0;
        }
        r = record_json_uint64(v, path, 512, 4096, &u, c->error);
        if (r < 0)
                return r;
        if (u & (u - 1))
                return record_error(c->error, -EINVAL, path, "must be a power of two in 512..4096");
        *(uint64_t *) target = u;
        return 0;
}

static bool valid_pbkdf_type(const char *s) {
        return streq(s, "argon2id") || streq(s, "argon2i") || streq(s, "pbkdf2");
}

static int dispatch_pbkdf_type(DispatchContext *c, const char *path, json_object *v, void *target,
                               const RecordField *f) {
        const char *s;
        int r;

        if (v) {
                r = record_json_string(v, path, false, &s, c->error);
                if (r < 0)
                        return r;
                if (!valid_pbkdf_type(s))
                        return record_error(c->error, -EINVAL, path, "must be one of argon2id, argon2i, pbkdf2");
        }
        return dispatch_string(c, path, v, target, f);
}

#define U(field) offsetof(UserRecord, field)
#define NPM FIELD_NOT_PER_MACHINE

/* The top level. Fields flagged NPM are identity and bookkeeping, which a
 * per-machine override must not change (user-record.md §5). */
static const RecordField regular_fields[] = {
        { "userName",                  dispatch_user_name,        U(user_name),                 0, 0, NPM },
        { "aliases",                   dispatch_user_name_strv,   U(aliases),                   0, 0, NPM },
        { "realm",                     dispatch_realm,            U(realm),                     0, 0, NPM },
        { "realName",                  dispatch_gecos,            U(real_name),                 0, 0, NPM },
        { "emailAddress",              dispatch_string,           U(email_address),             0, 0, NPM },
        { "iconName",                  dispatch_string,           U(icon_name),                 0, 0, 0 },
        { "location",                  dispatch_string,           U(location),                  0, 0, 0 },
        { "disposition",               dispatch_disposition,      U(disposition),               0, 0, NPM },
        { "lastChangeUSec",            dispatch_uint64,           U(last_change_usec),          0, 0, NPM },
        { "lastPasswordChangeUSec",    dispatch_uint64,           U(last_password_change_usec), 0, 0, NPM },
        { "service",                   dispatch_string,           U(service),                   0, 0, NPM },
        { "blobDirectory",             dispatch_path,             U(blob_directory),            0, 0, 0 },
        { "blobManifest",              dispatch_blob_manifest,    U(blob_manifest),             0, 0, 0 },

        { "shell",                     dispatch_shell,            U(shell),                     0, 0, 0 },
        { "umask",                     dispatch_mode,             U(umask),                     0, 0777, 0 },
        { "environment",               dispatch_environment,      U(environment),               0, 0, 0 },
        { "timeZone",                  dispatch_timezone,         U(time_zone),                 0, 0, 0 },
        { "preferredLanguage",         dispatch_locale,           U(preferred_language),        0, 0, 0 },
        { "additionalLanguages",       dispatch_locale_strv,      U(additional_languages),      0, 0, 0 },
        { "niceLevel",                 dispatch_int,              U(nice_level),                0, 0, 0 },
        { "resourceLimits",            dispatch_rlimits,          U(rlimits),                   0, 0, 0 },
        { "locked",                    dispatch_tristate,         U(locked),                    0, 0, 0 },
        { "notBeforeUSec",             dispatch_uint64,           U(not_before_usec),           0, 0, 0 },
        { "notAfterUSec",              dispatch_uint64,           U(not_after_usec),            0, 0, 0 },
        { "homeDirectory",             dispatch_path,             U(home_directory),            0, 0, 0 },
        { "uid",                       dispatch_uid,              U(uid),                       0, 0, 0 },
        { "gid",                       dispatch_uid,              U(gid),                       0, 0, 0 },
        { "memberOf",                  dispatch_user_name_strv,   U(member_of),                 0, 0, 0 },
        { "capabilityBoundingSet",     dispatch_capabilities,     U(capability_bounding_set),   0, 0, 0 },
        { "capabilityAmbientSet",      dispatch_capabilities,     U(capability_ambient_set),    0, 0, 0 },
        { "autoLogin",                 dispatch_tristate,         U(auto_login),                0, 0, 0 },
        { "preferredSessionType",      dispatch_string,           U(preferred_session_type),    0, 0, 0 },
        { "preferredSessionLauncher",  dispatch_string,           U(preferred_session_launcher), 0, 0, 0 },
        { "stopDelayUSec",             dispatch_uint64,           U(stop_delay_usec),           0, 0, 0 },
        { "killProcesses",             dispatch_tristate,         U(kill_processes),            0, 0, 0 },
        { "tasksMax",                  dispatch_uint64,           U(tasks_max),                 1, 0, 0 },
        { "memoryHigh",                dispatch_uint64,           U(memory_high),               1, 0, 0 },
        { "memoryMax",                 dispatch_uint64,           U(memory_max),                1, 0, 0 },
        { "cpuWeight",                 dispatch_uint64,           U(cpu_weight),                1, 10000, 0 },
        { "ioWeight",                  dispatch_uint64,           U(io_weight),                 1, 10000, 0 },
        { "tmpLimit",                  dispatch_tmpfs_limit,      U(tmp_limit),                 0, 0, 0 },
        { "tmpLimitScale",             dispatch_tmpfs_limit_scale, U(tmp_limit),                0, 0, 0 },
        { "devShmLimit",               dispatch_tmpfs_limit,      U(dev_shm_limit),             0, 0, 0 },
        { "devShmLimitScale",          dispatch_tmpfs_limit_scale, U(dev_shm_limit),            0, 0, 0 },

        { "storage",                   dispatch_storage,          U(storage),                   0, 0, 0 },
        { "diskSize",                  dispatch_uint64,           U(disk_size),                 0, 0, 0 },
        { "diskSizeRelative",          dispatch_uint64,           U(disk_size_relative),        0, UINT32_MAX, 0 },
        { "skeletonDirectory",         dispatch_path,             U(skeleton_directory),        0, 0, 0 },
        { "accessMode",                dispatch_mode,             U(access_mode),               0, 07777, 0 },
        { "imagePath",                 dispatch_path,             U(image_path),                0, 0, 0 },
        { "fileSystemType",            dispatch_string,           U(file_system_type),          0, 0, 0 },
        { "partitionUuid",             dispatch_uuid,             U(partition_uuid),            0, 0, 0 },
        { "luksUuid",                  dispatch_uuid,             U(luks_uuid),                 0, 0, 0 },
        { "fileSystemUuid",            dispatch_uuid,             U(file_system_uuid),          0, 0, 0 },
        { "luksDiscard",               dispatch_tristate,         U(luks_discard),              0, 0, 0 },
        { "luksOfflineDiscard",        dispatch_tristate,         U(luks_offline_discard),      0, 0, 0 },
        { "luksCipher",                dispatch_string,           U(luks_cipher),               0, 0, 0 },
        { "luksCipherMode",            dispatch_string,           U(luks_cipher_mode),          0, 0, 0 },
        { "luksVolumeKeySize",         dispatch_uint64,           U(luks_volume_key_size),      1, 65536, 0 },
        { "luksPbkdfHashAlgorithm",    dispatch_string,           U(luks_pbkdf_hash_algorithm), 0, 0, 0 },
        { "luksPbkdfType",             dispatch_pbkdf_type,       U(luks_pbkdf_type),           0, 0, 0 },
        { "luksPbkdfForceIterations",  dispatch_uint64,           U(luks_pbkdf_force_iterations), 0, 0, 0 },
        { "luksPbkdfTimeCostUSec",     dispatch_uint64,           U(luks_pbkdf_time_cost_usec), 0, 0, 0 },
        { "luksPbkdfMemoryCost",       dispatch_uint64,           U(luks_pbkdf_memory_cost),    0, 0, 0 },
        { "luksPbkdfParallelThreads",  dispatch_uint64,           U(luks_pbkdf_parallel_threads), 0, 0, 0 },
        { "luksSectorSize",            dispatch_sector_size,      U(luks_sector_size),          0, 0, 0 },
        { "luksExtraMountOptions",     dispatch_string,           U(luks_extra_mount_options),  0, 0, 0 },
        { "mountNoDevices",            dispatch_tristate,         U(nodev),                     0, 0, 0 },
        { "mountNoSuid",               dispatch_tristate,         U(nosuid),                    0, 0, 0 },
        { "mountNoExecute",            dispatch_tristate,         U(noexec),                    0, 0, 0 },
        { "cifsDomain",                dispatch_string,           U(cifs_domain),               0, 0, 0 },
        { "cifsUserName",              dispatch_string,           U(cifs_user_name),            0, 0, 0 },
        { "cifsService",               dispatch_string,           U(cifs_service),              0, 0, 0 },
        { "cifsExtraMountOptions",     dispatch_string,           U(cifs_extra_mount_options),  0, 0, 0 },
        { "dropCaches",                dispatch_tristate,         U(drop_caches),               0, 0, 0 },
        { "autoResizeMode",            dispatch_auto_resize_mode, U(auto_resize_mode),          0, 0, 0 },
        { "rebalanceWeight",           dispatch_rebalance_weight, U(rebalance_weight),          0, 0, 0 },

        { "rateLimitIntervalUSec",     dispatch_uint64,           U(ratelimit_interval_usec),   0, 0, 0 },
        { "rateLimitBurst",            dispatch_uint64,           U(ratelimit_burst),           0, 0, 0 },
        { "enforcePasswordPolicy",     dispatch_tristate,         U(enforce_password_policy),   0, 0, 0 },
        { "passwordChangeMinUSec",     dispatch_uint64,           U(password_change_min_usec),  0, 0, 0 },
        { "passwordChangeMaxUSec",     dispatch_uint64,           U(password_change_max_usec),  0, 0, 0 },
        { "passwordChangeWarnUSec",    dispatch_uint64,           U(password_change_warn_usec), 0, 0, 0 },
        { "passwordChangeInactiveUSec", dispatch_uint64,          U(password_change_inactive_usec), 0, 0, 0 },
        { "passwordChangeNow",         dispatch_tristate,         U(password_change_now),       0, 0, 0 },
        { "pkcs11TokenUri",            dispatch_pkcs11_uri_strv,  U(pkcs11_token_uri),          0, 0, 0 },
        { "fido2HmacCredential",       dispatch_fido2_credentials, U(fido2_hmac_credential),    0, 0, 0 },
        { "recoveryKeyType",           dispatch_strv,             U(recovery_key_type),         0, 0, NPM },
        { "selfModifiableFields",      dispatch_strv,             U(self_modifiable_fields),    0, 0, 0 },
        { "selfModifiableBlobs",       dispatch_strv,             U(self_modifiable_blobs),     0, 0, 0 },
        { "selfModifiablePrivileged",  dispatch_strv,             U(self_modifiable_privileged), 0, 0, 0 },
        {}
};

static const RecordField privileged_fields[] = {
        { "passwordHint",              dispatch_string,           U(password_hint),             0, 0, 0 },
        { "hashedPassword",            dispatch_hashed_passwords, U(hashed_password),           0, 0, 0 },
        { "sshAuthorizedKeys",         dispatch_strv,             U(ssh_authorized_keys),       0, 0, 0 },
        { "pkcs11EncryptedKey",        dispatch_pkcs11_encrypted_keys, U(pkcs11_encrypted_key), 0, 0, 0 },
        { "fido2HmacSalt",             dispatch_fido2_hmac_salts, U(fido2_hmac_salt),           0, 0, 0 },
        { "recoveryKey",               dispatch_recovery_keys,    U(recovery_key),              0, 0, 0 },
        {}
};

static const RecordField secret_fields[] = {
        { "password",                  dispatch_secret_strv,      U(password),                  0, 0, FIELD_SECRET },
        { "tokenPin",                  dispatch_secret_strv,      U(token_pin),                 0, 0, FIELD_SECRET },
        { "pkcs11ProtectedAuthenticationPathPermitted", dispatch_tristate,
          U(pkcs11_protected_authentication_path_permitted), 0, 0, 0 },
        { "fido2UserPresencePermitted", dispatch_tristate,        U(fido2_user_presence_permitted), 0, 0, 0 },
        { "fido2UserVerificationPermitted", dispatch_tristate,    U(fido2_user_verification_permitted), 0, 0, 0 },
        {}
};

/* What homed fixes per machine at first activation (§6). */
static const RecordField binding_fields[] = {
        { "blobDirectory",             dispatch_path,             U(blob_directory),            0, 0, 0 },
        { "imagePath",                 dispatch_path,             U(image_path),                0, 0, 0 },
        { "homeDirectory",             dispatch_path,             U(home_directory),            0, 0, 0 },
        { "partitionUuid",             dispatch_uuid,             U(partition_uuid),            0, 0, 0 },
        { "luksUuid",                  dispatch_uuid,             U(luks_uuid),                 0, 0, 0 },
        { "fileSystemUuid",            dispatch_uuid,             U(file_system_uuid),          0, 0, 0 },
        { "uid",                       dispatch_uid,              U(uid),                       0, 0, 0 },
        { "gid",                       dispatch_uid,              U(gid),                       0, 0, 0 },
        { "storage",                   dispatch_storage,          U(storage),                   0, 0, 0 },
        { "fileSystemType",            dispatch_string,           U(file_system_type),          0, 0, 0 },
        { "luksCipher",                dispatch_string,           U(luks_cipher),               0, 0, 0 },
        { "luksCipherMode",            dispatch_string,           U(luks_cipher_mode),          0, 0, 0 },
        { "luksVolumeKeySize",         dispatch_uint64,           U(luks_volume_key_size),      1, 65536, 0 },
        {}
};

#define S(field) offsetof(UserRecordStatus, field)
static const RecordField status_fields[] = {
        { "diskUsage",                 dispatch_uint64,           S(disk_usage),                0, 0, 0 },
        { "diskFree",                  dispatch_uint64,           S(disk_free),                 0, 0, 0 },
        { "diskSize",                  dispatch_uint64,           S(disk_size),                 0, 0, 0 },
        { "diskCeiling",               dispatch_uint64,           S(disk_ceiling),              0, 0, 0 },
        { "diskFloor",                 dispatch_uint64,           S(disk_floor),                0, 0, 0 },
        { "state",                     dispatch_string,           S(state),                     0, 0, 0 },
        { "service",                   dispatch_string,           S(service),                   0, 0, 0 },
        { "signedLocally",             dispatch_tristate,         S(signed_locally),            0, 0, 0 },
        { "goodAuthenticationCounter", dispatch_uint64,           S(good_authentication_counter), 0, 0, 0 },
        { "badAuthenticationCounter",  dispatch_uint64,           S(bad_authentication_counter), 0, 0, 0 },
        { "lastGoodAuthenticationUSec", dispatch_uint64,          S(last_good_authentication_usec), 0, 0, 0 },
        { "lastBadAuthenticationUSec", dispatch_uint64,           S(last_bad_authentication_usec), 0, 0, 0 },
        { "rateLimitBeginUSec",        dispatch_uint64,           S(ratelimit_begin_usec),      0, 0, 0 },
        { "rateLimitCount",            dispatch_uint64,           S(ratelimit_count),           0, 0, 0 },
        { "removable",                 dispatch_tristate,         S(removable),                 0, 0, 0 },
        { "accessMode",                dispatch_mode,             S(access_mode),               0, 07777, 0 },
        { "fileSystemType",            dispatch_string,           S(file_system_type),          0, 0, 0 },
        { "fallbackShell",             dispatch_shell,            S(fallback_shell),            0, 0, 0 },
        { "fallbackHomeDirectory",     dispatch_path,             S(fallback_home_directory),   0, 0, 0 },
        { "useFallback",               dispatch_tristate,         S(use_fallback),              0, 0, 0 },
        {}
};

static void status_init(UserRecordStatus *s) {
        *s = (UserRecordStatus) {
                .disk_usage = UINT64_MAX, .disk_free = UINT64_MAX, .disk_size = UINT64_MAX,
                .disk_ceiling = UINT64_MAX, .disk_floor = UINT64_MAX,
                .signed_locally = -1,
                .good_authentication_counter = UINT64_MAX, .bad_authentication_counter = UINT64_MAX,
                .last_good_authentication_usec = UINT64_MAX, .last_bad_authentication_usec = UINT64_MAX,
                .ratelimit_begin_usec = UINT64_MAX, .ratelimit_count = UINT64_MAX,
                .removable = -1,
                .access_mode = MODE_INVALID,
                .use_fallback = -1,
        };
}

static void status_done(UserRecordStatus *s) {
        free(s->state);
        free(s->service);
        free(s->file_system_type);
        free(s->fallback_shell);
        free(s->fallback_home_directory);
}

UserRecord *user_record_new(void) {
        UserRecord *ur = calloc(1, sizeof(UserRecord));

        if (!ur)
                return NULL;

        ur->n_ref = 1;
        ur->disposition = _USER_DISPOSITION_INVALID;
        ur->last_change_usec = ur->last_password_change_usec = UINT64_MAX;
        ur->umask = MODE_INVALID;
        ur->nice_level = INT_MAX;
        ur->locked = -1;
        ur->not_before_usec = ur->not_after_usec = UINT64_MAX;
        ur->uid = UID_INVALID;
        ur->gid = GID_INVALID;
        ur->capability_bounding_set = ur->capability_ambient_set = UINT64_MAX;
        ur->auto_login = -1;
        ur->stop_delay_usec = UINT64_MAX;
        ur->kill_processes = -1;
        ur->tasks_max = ur->memory_high = ur->memory_max = UINT64_MAX;
        ur->cpu_weight = ur->io_weight = UINT64_MAX;
        ur->tmp_limit.limit = ur->dev_shm_limit.limit = UINT64_MAX;

        ur->storage = _USER_STORAGE_INVALID;
        ur->disk_size = ur->disk_size_relative = UINT64_MAX;
        ur->access_mode = MODE_INVALID;
        ur->luks_discard = ur->luks_offline_discard = -1;
        ur->luks_volume_key_size = UINT64_MAX;
        ur->luks_pbkdf_force_iterations = UINT64_MAX;
        ur->luks_pbkdf_time_cost_usec = UINT64_MAX;
        ur->luks_pbkdf_memory_cost = UINT64_MAX;
        ur->luks_pbkdf_parallel_threads = UINT64_MAX;
        ur->luks_sector_size = UINT64_MAX;
        ur->nodev = ur->nosuid = ur->noexec = -1;
        ur->drop_caches = -1;
        ur->auto_resize_mode = _AUTO_RESIZE_MODE_INVALID;
        ur->rebalance_weight = REBALANCE_WEIGHT_UNSET;

        ur->ratelimit_interval_usec = ur->ratelimit_burst = UINT64_MAX;
        ur->enforce_password_policy = -1;
        ur->password_change_min_usec = ur->password_change_max_usec = UINT64_MAX;
        ur->password_change_warn_usec = ur->password_change_inactive_usec = UINT64_MAX;
        ur->password_change_now = -1;

        ur->pkcs11_protected_authentication_path_permitted = -1;
        ur->fido2_user_presence_permitted = -1;
        ur->fido2_user_verification_permitted = -1;

        status_init(&ur->status);
        return ur;
}

UserRecord *user_record_ref(UserRecord *ur) {
        if (ur)
                ur->n_ref++;
        return ur;
}

static void user_record_free(UserRecord *ur) {
        json_object *secret;

        if (ur->json) {
                /* Our deep copy holds the plaintext too. */
                if (json_object_object_get_ex(ur->json, "secret", &secret))
                        record_json_erase_strings(secret);
                json_object_put(ur->json);
        }

        free(ur->user_name);
        free(ur->realm);
        free(ur->user_name_and_realm);
        strv_free(ur->aliases);
        free(ur->real_name);
        free(ur->email_address);
        free(ur->icon_name);
        free(ur->location);
        free(ur->service);
        free(ur->blob_directory);
        blob_manifest_free(ur->blob_manifest, ur->n_blob_manifest);

        free(ur->shell);
        strv_free(ur->environment);
        free(ur->time_zone);
        free(ur->preferred_language);
        strv_free(ur->additional_languages);
        for (int i = 0; i < RLIM_NLIMITS; i++)
                free(ur->rlimits[i]);
        free(ur->home_directory);
        strv_free(ur->member_of);
        free(ur->preferred_session_type);
        free(ur->preferred_session_launcher);

        free(ur->skeleton_directory);
        free(ur->image_path);
        free(ur->file_system_type);
        free(ur->luks_cipher);
        free(ur->luks_cipher_mode);
        free(ur->luks_pbkdf_hash_algorithm);
        free(ur->luks_pbkdf_type);
        free(ur->luks_extra_mount_options);
        free(ur->cifs_domain);
        free(ur->cifs_user_name);
        free(ur->cifs_service);
        free(ur->cifs_extra_mount_options);

        strv_free(ur->pkcs11_token_uri);
        record_blobs_free(ur->fido2_hmac_credential, ur->n_fido2_hmac_credential);
        strv_free(ur->recovery_key_type);
        strv_free(ur->self_modifiable_fields);
        strv_free(ur->self_modifiable_blobs);
        strv_free(ur->self_modifiable_privileged);

        free(ur->password_hint);
        strv_free(ur->hashed_password);
        strv_free(ur->ssh_authorized_keys);
        pkcs11_encrypted_keys_free(ur->pkcs11_encrypted_key, ur->n_pkcs11_encrypted_key);
        fido2_hmac_salts_free(ur->fido2_hmac_salt, ur->n_fido2_hmac_salt);
        recovery_keys_free(ur->recovery_key, ur->n_recovery_key);

        strv_free_erase(ur->password);
        strv_free_erase(ur->token_pin);

        status_done(&ur->status);
        free(ur);
}

UserRecord *user_record_unref(UserRecord *ur) {
        if (!ur)
                return NULL;
        if (--ur->n_ref == 0)
                user_record_free(ur);
        return NULL;
}

json_object *user_record_json(const UserRecord *ur) {
        return ur ? ur->json : NULL;
}

/* tokenPin plus the legacy pkcs11Pin, in that order. */
static int merge_legacy_pins(DispatchContext *c, UserRecord *ur, json_object *secret) {
        json_object *legacy;
        char **old = NULL;
        char **merged;
        size_t n1, n2;
        int r;

        if (!json_object_object_get_ex(secret, "pkcs11Pin", &legacy) || !legacy)
                return 0;
        r = dispatch_secret_strv(c, "secret.pkcs11Pin", legacy, &old, NULL);
        if (r < 0)
                return r;
        n1 = strv_length(ur->token_pin);
        n2 = strv_length(old);
        merged = calloc(n1 + n2 + 1, sizeof(char *));
        if (!merged) {
                strv_free_erase(old);
                return record_error(c->error, -ENOMEM, "secret.pkcs11Pin", "out of memory");
        }
        for (size_t i = 0; i < n1; i++)
                merged[i] = ur->token_pin[i];
        for (size_t i = 0; i < n2; i++)
                merged[n1 + i] = old[i];
        free(ur->token_pin);
        free(old);
        ur->token_pin = merged;
        return 0;
}

static int load_per_machine(DispatchContext *c, UserRecord *ur, json_object *array,
                            const RecordMachine *machine) {
        char path[256];
        int r;

        for (size_t i = 0; i < json_object_array_length(array); i++) {
                json_object *e = json_object_array_get_idx(array, i);
                _cleanup_(user_record_unrefp) UserRecord *scratch = NULL;

                record_field_path(path, sizeof(path), "perMachine", NULL, i);
                r = per_machine_entry_matches(e, machine, path, c->error);
                if (r < 0)
                        return r;
                if (r == 0) {
                        /* Not for us, but still has to be a valid record
                         * fragment: another machine will apply it. */
                        scratch = user_record_new();
                        if (!scratch)
                                return record_error(c->error, -ENOMEM, path, "out of memory");
                }
                r = record_dispatch_object(c, regular_fields, e, scratch ? scratch : ur, path,
                                           FIELD_NOT_PER_MACHINE, record_match_keys);
                if (r < 0)
                        return r;
                if (!scratch)
                        ur->n_per_machine_applied++;
        }
        return 0;
}

/* Validates every entry of a machine-keyed section and dispatches the one
 * for this machine into base. Returns 1 if there was one. */
static int load_machine_section(DispatchContext *c, json_object *section, const char *name,
                                const RecordField *fields, void *base, size_t scratch_size,
                                const RecordMachine *machine) {
        json_object *mine = NULL;
        char path[256];
        int r;

        r = record_machine_entry(section, name, machine, &mine, c->error);
        if (r < 0)
                return r;

        json_object_object_foreach(section, key, entry) {
                _cleanup_(user_record_unrefp) UserRecord *scratch = NULL;
                UserRecordStatus scratch_status;
                void *target = base;

                record_field_path(path, sizeof(path), name, key, 0);
                if (entry != mine) {
                        if (scratch_size == sizeof(UserRecordStatus)) {
                                status_init(&scratch_status);
                                target = &scratch_status;
                        } else {
                                scratch = user_record_new();
                                if (!scratch)
                                        return record_error(c->error, -ENOMEM, path, "out of memory");
                                target = scratch;
                        }
                }
                r = record_dispatch_object(c, fields, entry, target, path, 0, NULL);
                if (target == &scratch_status)
                        status_done(&scratch_status);
                if (r < 0)
                        return r;
        }
        return !!mine;
}

static int user_record_load_internal(json_object *v, const RecordLoadOptions *options, UserRecord **ret,
                                     RecordError *error) {
        static const RecordLoadOptions default_options = { .policy = { .require = RECORD_REGULAR,
                                                                       .allow = _RECORD_SECTION_ALL } };
        _cleanup_(user_record_unrefp) UserRecord *ur = NULL;
        DispatchContext c;
        RecordMachine machine = {};
        char hostname[256];
        json_object *s;
        int r;

        if (!options)
                options = &default_options;
        c = (DispatchContext) { .flags = options->flags, .error = error };

        ur = user_record_new();
        if (!ur)
                return record_error(error, -ENOMEM, NULL, "out of memory");

        r = record_load_prepare(v, &options->policy, 0, "userName", &ur->json, &ur->sections, error);
        if (r < 0)
                return r;
        ur->mask = options->policy.allow | options->policy.require;

        r = record_dispatch_object(&c, regular_fields, ur->json, ur, "", 0, record_section_keys);
        if (r < 0)
                return r;

        if (json_object_object_get_ex(ur->json, "privileged", &s)) {
                r = record_dispatch_object(&c, privileged_fields, s, ur, "privileged", 0, NULL);
                if (r < 0)
                        return r;
        }

        if (json_object_object_get_ex(ur->json, "secret", &s)) {
                r = record_dispatch_object(&c, secret_fields, s, ur, "secret", 0, NULL);
                if (r < 0)
                        return r;
                r = merge_legacy_pins(&c, ur, s);
                if (r < 0)
                        return r;
        }

        if (json_object_object_get_ex(ur->json, "signature", &s)) {
                r = record_check_signature_section(&c, s);
                if (r < 0)
                        return r;
        }

        if (ur->sections & (RECORD_PER_MACHINE | RECORD_BINDING | RECORD_STATUS) &&
            !(options->flags & RECORD_LOAD_NO_MACHINE))
                record_load_machine(options, &machine, hostname, sizeof(hostname));

        if (json_object_object_get_ex(ur->json, "perMachine", &s)) {
                r = load_per_machine(&c, ur, s, &machine);
                if (r < 0)
                        return r;
        }

        /* Bound values win over regular and perMachine ones (§6). */
        if (json_object_object_get_ex(ur->json, "binding", &s)) {
                r = load_machine_section(&c, s, "binding", binding_fields, ur, sizeof(UserRecord), &machine);
                if (r < 0)
                        return r;
                ur->have_binding = r > 0;
        }

        if (json_object_object_get_ex(ur->json, "status", &s)) {
                r = load_machine_section(&c, s, "status", status_fields, &ur->status,
                                         sizeof(UserRecordStatus), &machine);
                if (r < 0)
                        return r;
                ur->have_status = r > 0;
        }

        if ((ur->sections & RECORD_REGULAR) && !ur->user_name)
                return record_error(error, -ENOENT, "userName", "is required");

        if (ur->user_name && ur->realm) {
                if (asprintf(&ur->user_name_and_realm, "%s@%s", ur->user_name, ur->realm) < 0) {
                        ur->user_name_and_realm = NULL;
                        return record_error(error, -ENOMEM, NULL, "out of memory");
                }
        }

        *ret = TAKE_PTR(ur);
        return 0;
}

int user_record_load(json_object *v, const RecordLoadOptions *options, UserRecord **ret, RecordError *error) {
        UserRecord *ur = NULL;
        int r;

        r = user_record_load_internal(v, options, &ur, error);
        if (r < 0)
                return r;
        *ret = ur;
        return 0;
}

int user_record_load_text(const char *text, size_t size, const RecordLoadOptions *options,
                          UserRecord **ret, RecordError *error) {
        json_object *v = NULL;
        int r;

        r = record_json_parse(text, size, 0, &v, error);
        if (r < 0)
                return r;
        r = user_record_load(v, options, ret, error);
        {
                json_object *secret;
                if (json_object_object_get_ex(v, "secret", &secret))
                        record_json_erase_strings(secret);
        }
        json_object_put(v);
        return r;
}

int user_record_validate(json_object *v, const RecordLoadOptions *options, RecordError *error) {
        _cleanup_(user_record_unrefp) UserRecord *ur = NULL;

        return user_record_load(v, options, &ur, error);
}

bool user_record_matches_user_name(const UserRecord *ur, const char *name) {
        if (!ur || !name)
                return false;
        if (streq_ptr(ur->user_name, name) || streq_ptr(ur->user_name_and_realm, name))
                return true;
        for (char **a = ur->aliases; a && *a; a++) {
                if (streq(*a, name))
                        return true;
                /* An alias is also matched in its name@realm form. */
                if (ur->realm) {
                        size_t n = strlen(*a);
                        if (strncmp(name, *a, n) == 0 && name[n] == '@' && streq(name + n + 1, ur->realm))
                                return true;
                }
        }
        return false;
}
