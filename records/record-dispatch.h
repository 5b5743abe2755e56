/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Internal to records/: table-driven reading of JSON objects into typed
 * structs. A table lists each known key with a reader, a struct offset
 * and a range; the same table serves the top level, perMachine elements
 * (minus the fields flagged as not overridable) and binding entries, so a
 * field is validated the same way wherever it appears. A JSON null resets
 * a field to its unset sentinel, which is how a later perMachine element
 * undoes an earlier value. */

#include <json-c/json.h>
#include <stddef.h>
#include <stdint.h>

#include "record-json.h"
#include "user-record.h"

typedef struct DispatchContext {
        RecordLoadFlags flags;
        RecordError *error;
} DispatchContext;

typedef struct RecordField RecordField;
typedef int (*DispatchFn)(DispatchContext *c, const char *path, json_object *v, void *target,
                          const RecordField *f);

/* Field flags. */
enum {
        FIELD_NOT_PER_MACHINE = 1 << 0,     /* identity/meta: refused inside perMachine */
        FIELD_SECRET          = 1 << 1,     /* wipe when replaced */
};

struct RecordField {
        const char *name;
        DispatchFn dispatch;
        size_t offset;
        uint64_t min, max;
        unsigned flags;
};

/* Reads every key of obj that the table knows into base; unknown keys are
 * left alone (they stay in the JSON). Keys whose field has a flag in
 * refuse_flags are an error; keys in skip (a NULL-terminated list, may be
 * NULL) are ignored. path is obj's path for error messages ("" = top). */
int record_dispatch_object(DispatchContext *c, const RecordField *table, json_object *obj, void *base,
                           const char *path, unsigned refuse_flags, const char *const *skip);

/* Readers. min/max apply where numbers are read. */
int dispatch_string(DispatchContext *c, const char *path, json_object *v, void *target, const RecordField *f);
int dispatch_string_control(DispatchContext *c, const char *path, json_object *v, void *target, const RecordField *f);
int dispatch_gecos(DispatchContext *c, const char *path, json_object *v, void *target, const RecordField *f);
int dispatch_user_name(DispatchContext *c, const char *path, json_object *v, void *target, const RecordField *f);
int dispatch_user_name_strv(DispatchContext *c, const char *path, json_object *v, void *target, const RecordField *f);
int dispatch_realm(DispatchContext *c, const char *path, json_object *v, void *target, const RecordField *f);
int dispatch_disposition(DispatchContext *c, const char *path, json_object *v, void *target, const RecordField *f);
int dispatch_storage(DispatchContext *c, const char *path, json_object *v, void *target, const RecordField *f);
int dispatch_auto_resize_mode(DispatchContext *c, const char *path, json_object *v, void *target, const RecordField *f);
int dispatch_uint64(DispatchContext *c, const char *path, json_object *v, void *target, const RecordField *f);
int dispatch_uid(DispatchContext *c, const char *path, json_object *v, void *target, const RecordField *f);
int dispatch_mode(DispatchContext *c, const char *path, json_object *v, void *target, const RecordField *f);
int dispatch_int(DispatchContext *c, const char *path, json_object *v, void *target, const RecordField *f);
int dispatch_tristate(DispatchContext *c, const char *path, json_object *v, void *target, const RecordField *f);
int dispatch_shell(DispatchContext *c, const char *path, json_object *v, void *target, const RecordField *f);
int dispatch_path(DispatchContext *c, const char *path, json_object *v, void *target, const RecordField *f);
int dispatch_strv(DispatchContext *c, const char *path, json_object *v, void *target, const RecordField *f);
int dispatch_secret_strv(DispatchContext *c, const char *path, json_object *v, void *target, const RecordField *f);
int dispatch_environment(DispatchContext *c, const char *path, json_object *v, void *target, const RecordField *f);
int dispatch_timezone(DispatchContext *c, const char *path, json_object *v, void *target, const RecordField *f);
int dispatch_locale(DispatchContext *c, const char *path, json_object *v, void *target, const RecordField *f);
int dispatch_locale_strv(DispatchContext *c, const char *path, json_object *v, void *target, const RecordField *f);
int dispatch_rlimits(DispatchContext *c, const char *path, json_object *v, void *target, const RecordField *f);
int dispatch_capabilities(DispatchContext *c, const char *path, json_object *v, void *target, const RecordField *f);
int dispatch_uuid(DispatchContext *c, const char *path, json_object *v, void *target, const RecordField *f);
int dispatch_pkcs11_uri_strv(DispatchContext *c, const char *path, json_object *v, void *target, const RecordField *f);
int dispatch_blob_manifest(DispatchContext *c, const char *path, json_object *v, void *target, const RecordField *f);
int dispatch_rebalance_weight(DispatchContext *c, const char *path, json_object *v, void *target, const RecordField *f);
int dispatch_tmpfs_limit(DispatchContext *c, const char *path, json_object *v, void *target, const RecordField *f);
int dispatch_tmpfs_limit_scale(DispatchContext *c, const char *path, json_object *v, void *target, const RecordField *f);
int dispatch_fido2_credentials(DispatchContext *c, const char *path, json_object *v, void *target, const RecordField *f);
int dispatch_pkcs11_encrypted_keys(DispatchContext *c, const char *path, json_object *v, void *target, const RecordField *f);
int dispatch_fido2_hmac_salts(DispatchContext *c, const char *path, json_object *v, void *target, const RecordField *f);
int dispatch_recovery_keys(DispatchContext *c, const char *path, json_object *v, void *target, const RecordField *f);
int dispatch_hashed_passwords(DispatchContext *c, const char *path, json_object *v, void *target, const RecordField *f);

/* Freeing the arrays the readers above build. */
void record_blob_done(RecordBlob *b);
void pkcs11_encrypted_keys_free(Pkcs11EncryptedKey *k, size_t n);
void fido2_hmac_salts_free(Fido2HmacSalt *s, size_t n);
void recovery_keys_free(RecoveryKey *k, size_t n);
void blob_manifest_free(BlobManifestEntry *e, size_t n);
void record_blobs_free(RecordBlob *b, size_t n);

/* Wipes every string below v in place (secret sections, before the
 * object is released). */
void record_json_erase_strings(json_object *v);

/* Checks the `signature` section's shape: an array of objects, each with
 * a base64 "data" and a string "key". */
int record_check_signature_section(DispatchContext *c, json_object *v);
