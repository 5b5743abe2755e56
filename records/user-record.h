/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* A user record (spec: user-record.md) as a typed view over the JSON
 * object it was loaded from. The JSON stays the truth: it is kept as
 * loaded (minus stripped sections) and is what gets serialized, so fields
 * this version does not know survive a load/save cycle untouched. The
 * struct holds checked, typed copies of the fields Hearth acts upon, with
 * perMachine and binding already applied for the local machine.
 *
 * Unset values are sentinels (UINT64_MAX, UID_INVALID, MODE_INVALID, -1
 * for tristates, NULL, _FOO_INVALID); read effective values through the
 * getters in user-record-effective.h, never the raw members, so every
 * default lives in one place. */

#include <errno.h>
#include <json-c/json.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/resource.h>
#include <sys/types.h>

#include "record-json.h"
#include "record-section.h"
#include "record-validate.h"

typedef enum UserDisposition {
        USER_INTRINSIC,
        USER_SYSTEM,
        USER_DYNAMIC,
        USER_REGULAR,
        USER_CONTAINER,
        USER_FOREIGN,
        USER_RESERVED,
        _USER_DISPOSITION_MAX,
        _USER_DISPOSITION_INVALID = -EINVAL,
} UserDisposition;

typedef enum UserStorage {
        USER_CLASSIC,
        USER_LUKS,
        USER_DIRECTORY,
        USER_SUBVOLUME,
        USER_FSCRYPT,
        USER_CIFS,
        _USER_STORAGE_MAX,
        _USER_STORAGE_INVALID = -EINVAL,
} UserStorage;

typedef enum AutoResizeMode {
        AUTO_RESIZE_OFF,
        AUTO_RESIZE_GROW,
        AUTO_RESIZE_SHRINK_AND_GROW,
        _AUTO_RESIZE_MODE_MAX,
        _AUTO_RESIZE_MODE_INVALID = -EINVAL,
} AutoResizeMode;

/* Name <-> value; *_from_string returns _*_INVALID for unknown names. */
const char *user_disposition_to_string(UserDisposition d);
UserDisposition user_disposition_from_string(const char *s);
const char *user_storage_to_string(UserStorage s);
UserStorage user_storage_from_string(const char *s);
const char *auto_resize_mode_to_string(AutoResizeMode m);
AutoResizeMode auto_resize_mode_from_string(const char *s);

/* rebalanceWeight: 0 = off, 1..10000 weight, unset = default. */
#define REBALANCE_WEIGHT_OFF      UINT64_C(0)
#define REBALANCE_WEIGHT_MIN      UINT64_C(1)
#define REBALANCE_WEIGHT_MAX      UINT64_C(10000)
#define REBALANCE_WEIGHT_DEFAULT  UINT64_C(100)
#define REBALANCE_WEIGHT_UNSET    UINT64_MAX

/* A decoded base64 field. */
typedef struct RecordBlob {
        uint8_t *data;
        size_t size;
} RecordBlob;

typedef struct Pkcs11EncryptedKey {
        char *uri;
        RecordBlob data;
        char *hashed_password;
} Pkcs11EncryptedKey;

typedef struct Fido2HmacSalt {
        RecordBlob credential;
        RecordBlob salt;
        char *hashed_password;
        int up, uv, client_pin;         /* tristates: -1 = absent */
} Fido2HmacSalt;

typedef struct RecoveryKey {
        char *type;
        char *hashed_password;
} RecoveryKey;

typedef struct BlobManifestEntry {
        char *filename;
        uint8_t sha256[32];
} BlobManifestEntry;

/* tmpLimit/devShmLimit (+Scale): a byte limit and a fraction of
 * UINT32_MAX of the backing size; both may be set, the smaller applies. */
typedef struct TmpfsLimit {
        uint64_t limit;                 /* UINT64_MAX = not set */
        uint32_t limit_scale;           /* meaningful only if scale_set */
        bool scale_set;
} TmpfsLimit;

/* The `status` entry of the local machine. */
typedef struct UserRecordStatus {
        uint64_t disk_usage, disk_free, disk_size, disk_ceiling, disk_floor;
        char *state;
        char *service;
        int signed_locally;             /* tristate */
        uint64_t good_authentication_counter, bad_authentication_counter;
        uint64_t last_good_authentication_usec, last_bad_authentication_usec;
        uint64_t ratelimit_begin_usec, ratelimit_count;
        int removable;                  /* tristate */
        mode_t access_mode;
        char *file_system_type;
        char *fallback_shell, *fallback_home_directory;
        int use_fallback;               /* tristate */
} UserRecordStatus;

typedef struct UserRecord {
        unsigned n_ref;

        /* The JSON the view was loaded from (stripped sections removed),
         * what user_record_json() returns and what gets written back. */
        json_object *json;
        /* Sections present in json, and the load mask used. */
        RecordSection sections;
        RecordSection mask;

        /* Identity */
        char *user_name;
        char *realm;
        char *user_name_and_realm;      /* "name@realm", or NULL without realm */
        char **aliases;
        char *real_name;
        char *email_address;
        char *icon_name;
        char *location;
        UserDisposition disposition;
        uint64_t last_change_usec;
        uint64_t last_password_change_usec;
        char *service;
        char *blob_directory;
        BlobManifestEntry *blob_manifest;
        size_t n_blob_manifest;
        bool blob_manifest_set;

        /* Login environment */
        char *shell;
        mode_t umask;
        char **environment;
        char *time_zone;
        char *preferred_language;
        char **additional_languages;
        int nice_level;                 /* INT_MAX = unset */
        struct rlimit *rlimits[RLIM_NLIMITS];
        int locked;                     /* tristate */
        uint64_t not_before_usec, not_after_usec;
        char *home_directory;
        uid_t uid;
        gid_t gid;
        char **member_of;
        uint64_t capability_bounding_set;   /* bit mask, UINT64_MAX = unset */
        uint64_t capability_ambient_set;
        int auto_login;
        char *preferred_session_type;
        char *preferred_session_launcher;
        uint64_t stop_delay_usec;
        int kill_processes;
        uint64_t tasks_max;
        uint64_t memory_high, memory_max;
        uint64_t cpu_weight, io_weight;
        TmpfsLimit tmp_limit, dev_shm_limit;

        /* Storage */
        UserStorage storage;
        uint64_t disk_size;
        uint64_t disk_size_relative;
        char *skeleton_directory;
        mode_t access_mode;
        char *image_path;
        char *file_system_type;
        RecordId128 partition_uuid, luks_uuid, file_system_uuid;   /* all-zero = unset */
        int luks_discard, luks_offline_discard;
        char *luks_cipher, *luks_cipher_mode;
        uint64_t luks_volume_key_size;
        char *luks_pbkdf_hash_algorithm;
        char *luks_pbkdf_type;
        uint64_t luks_pbkdf_force_iterations;
        uint64_t luks_pbkdf_time_cost_usec;
        uint64_t luks_pbkdf_memory_cost;
        uint64_t luks_pbkdf_parallel_threads;
        uint64_t luks_sector_size;
        char *luks_extra_mount_options;
        int nodev, nosuid, noexec;
        char *cifs_domain, *cifs_user_name, *cifs_service, *cifs_extra_mount_options;
        int drop_caches;
        AutoResizeMode auto_resize_mode;
        uint64_t rebalance_weight;

        /* Authentication policy */
        uint64_t ratelimit_interval_usec, ratelimit_burst;
        int enforce_password_policy;
        uint64_t password_change_min_usec, password_change_max_usec;
        uint64_t password_change_warn_usec, password_change_inactive_usec;
        int password_change_now;
        char **pkcs11_token_uri;
        RecordBlob *fido2_hmac_credential;
        size_t n_fido2_hmac_credential;
        char **recovery_key_type;
        /* NULL = unset (defaults apply); an empty list is an explicit "none". */
        char **self_modifiable_fields, **self_modifiable_blobs, **self_modifiable_privileged;

        /* privileged */
        char *password_hint;
        char **hashed_password;
        char **ssh_authorized_keys;
        Pkcs11EncryptedKey *pkcs11_encrypted_key;
        size_t n_pkcs11_encrypted_key;
        Fido2HmacSalt *fido2_hmac_salt;
        size_t n_fido2_hmac_salt;
        RecoveryKey *recovery_key;
        size_t n_recovery_key;

        /* secret (wiped when freed) */
        char **password;
        char **token_pin;               /* tokenPin plus legacy pkcs11Pin */
        int pkcs11_protected_authentication_path_permitted;
        int fido2_user_presence_permitted;
        int fido2_user_verification_permitted;

        /* status of the local machine */
        UserRecordStatus status;
        bool have_status;               /* an entry for this machine exists */

        /* Whether an applicable perMachine element / binding entry was found. */
        unsigned n_per_machine_applied;
        bool have_binding;
} UserRecord;

/* What to do with each section. A section present in the JSON is loaded
 * if it is in `allow` (or `require`), removed from the kept JSON and
 * ignored if it is in `strip`, and otherwise refused. A section in
 * `require` that is absent is an error. RECORD_REGULAR in `require` means
 * userName must be present. */
typedef struct RecordLoadPolicy {
        RecordSection require;
        RecordSection allow;
        RecordSection strip;
} RecordLoadPolicy;

/* Ready-made policies (the contexts of user-record.md §1). */
extern const RecordLoadPolicy RECORD_POLICY_EMBEDDED;  /* ~/.identity, LUKS header copy: no secret/binding/status */
extern const RecordLoadPolicy RECORD_POLICY_HOST;      /* /var/lib/.../<user>.identity: embedded + binding */
extern const RecordLoadPolicy RECORD_POLICY_LOOKUP;    /* userdb replies: everything but secret (secret refused) */
extern const RecordLoadPolicy RECORD_POLICY_LOOKUP_STRIP_SECRET; /* same, a stray secret is dropped */
extern const RecordLoadPolicy RECORD_POLICY_ANY;       /* everything allowed, only userName required */
extern const RecordLoadPolicy RECORD_POLICY_SECRET_ONLY; /* a bare {"secret":{...}} request */

typedef enum RecordLoadFlags {
        /* Mangle realName (a group's description) instead of refusing
         * GECOS-unsafe characters (':' and control characters become
         * spaces); the only field the spec allows mangling for. The JSON is
         * left as it was; only the typed view holds the mangled text. */
        RECORD_LOAD_PERMISSIVE   = 1 << 0,
        /* userName/aliases/memberOf must pass the strict (homed) rules. */
        RECORD_LOAD_STRICT_NAMES = 1 << 1,
        /* Do not apply perMachine/binding/status (view of the portable
         * part only); still validated. */
        RECORD_LOAD_NO_MACHINE   = 1 << 2,
} RecordLoadFlags;

/* Identity of the local machine, for perMachine, binding and status. */
typedef struct RecordMachine {
        RecordId128 machine_id;         /* all zero = unknown: no machine-id match */
        const char *hostname;           /* NULL = unknown: no hostname match */
} RecordMachine;

/* Reads /etc/machine-id through sd_id128_get_machine() (when Hearth is
 * built with libsystemd, else by reading /etc/machine-id) and the
 * hostname through gethostname(). The hostname is copied into buf.
 * Returns 0, or -ENOENT/-ENOMEDIUM (no machine id), -errno. On failure
 * to read the hostname, hostname is left NULL and 0 is returned. */
int record_machine_from_host(RecordMachine *ret, char *hostname_buf, size_t size);

typedef struct RecordLoadOptions {
        RecordLoadPolicy policy;
        RecordLoadFlags flags;
        /* NULL = record_machine_from_host() on first need. */
        const RecordMachine *machine;
} RecordLoadOptions;

UserRecord *user_record_new(void);
UserRecord *user_record_ref(UserRecord *ur);
/* Drops a reference; frees (wiping secrets) on the last. NULL-safe, returns NULL. */
UserRecord *user_record_unref(UserRecord *ur);
static inline void user_record_unrefp(UserRecord **p) {
        if (*p)
                *p = user_record_unref(*p);
}

/* Loads v into a new record. v is not modified: the record keeps a deep
 * copy (minus stripped sections). Returns 0, or
 *   -EINVAL   a field or section is invalid (error names which and why)
 *   -EBADMSG  v is not an object, a section has the wrong JSON type
 *   -EPERM    a section is present that the policy neither allows nor strips
 *   -ENOENT   a required section (or userName) is absent
 *   -ENOMEM
 * When options->machine is NULL and this host's machine id cannot be
 * read, the machine is unknown: no perMachine element, binding or status
 * entry applies (they are still validated). */
int user_record_load(json_object *v, const RecordLoadOptions *options,
                     UserRecord **ret, RecordError *error);

/* Same from JSON text, via record_json_parse() (which adds -EMSGSIZE,
 * -ENOTUNIQ and -EBADMSG for text that is not one JSON object). The
 * parsed tree's secret strings are wiped before it is released; the
 * text itself stays the caller's to wipe. */
int user_record_load_text(const char *text, size_t size, const RecordLoadOptions *options,
                          UserRecord **ret, RecordError *error);

/* The JSON the record holds (borrowed; valid while ur lives). */
json_object *user_record_json(const UserRecord *ur);

/* Validates v as a user record without keeping anything: same checks and
 * errors as user_record_load(). */
int user_record_validate(json_object *v, const RecordLoadOptions *options, RecordError *error);

/* True if name is ur's userName, one of its aliases, or userName@realm. */
bool user_record_matches_user_name(const UserRecord *ur, const char *name);
