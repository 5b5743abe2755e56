/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "record-dispatch.h"

#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "macro.h"
#include "record-validate.h"

#define TARGET(type) ((type *) target)
#define OOM(c, path) record_error((c)->error, -ENOMEM, (path), "out of memory")

int record_dispatch_object(DispatchContext *c, const RecordField *table, json_object *obj, void *base,
                           const char *path, unsigned refuse_flags, const char *const *skip) {
        char sub[256];
        int r;

        json_object_object_foreach(obj, key, v) {
                const RecordField *f = NULL;
                bool skipped = false;

                for (const char *const *s = skip; s && *s; s++)
                        if (streq(*s, key))
                                skipped = true;
                if (skipped)
                        continue;

                for (const RecordField *i = table; i->name; i++)
                        if (streq(i->name, key)) {
                                f = i;
                                break;
                        }
                if (!f)
                        continue;       /* unknown: kept in the JSON, ignored here */

                record_field_path(sub, sizeof(sub), path, key, 0);
                if (f->flags & refuse_flags)
                        return record_error(c->error, -EINVAL, sub, "may not appear in this section");

                r = f->dispatch(c, sub, v, (uint8_t *) base + f->offset, f);
                if (r < 0)
                        return r;
        }
        return 0;
}

static int set_string(DispatchContext *c, const char *path, void *target, const char *s) {
        char *copy = NULL;

        if (s) {
                copy = strdup(s);
                if (!copy)
                        return OOM(c, path);
        }
        free(*TARGET(char *));
        *TARGET(char *) = copy;
        return 0;
}

static int dispatch_checked_string(DispatchContext *c, const char *path, json_object *v, void *target,
                                   bool allow_control, bool (*check)(const char *), const char *what) {
        const char *s;
        int r;

        if (!v)
                return set_string(c, path, target, NULL);
        r = record_json_string(v, path, allow_control, &s, c->error);
        if (r < 0)
                return r;
        if (check && !check(s))
                return record_error(c->error, -EINVAL, path, "%s", what);
        return set_string(c, path, target, s);
}

int dispatch_string(DispatchContext *c, const char *path, json_object *v, void *target, const RecordField *f) {
        return dispatch_checked_string(c, path, v, target, false, NULL, NULL);
}

int dispatch_string_control(DispatchContext *c, const char *path, json_object *v, void *target, const RecordField *f) {
        return dispatch_checked_string(c, path, v, target, true, NULL, NULL);
}

int dispatch_gecos(DispatchContext *c, const char *path, json_object *v, void *target, const RecordField *f) {
        _cleanup_free_ char *m = NULL;
        const char *s;
        int r;

        if (!v)
                return set_string(c, path, target, NULL);
        r = record_json_string(v, path, true, &s, c->error);
        if (r < 0)
                return r;
        if (valid_gecos(s))
                return set_string(c, path, target, s);
        if (!(c->flags & RECORD_LOAD_PERMISSIVE))
                return record_error(c->error, -EINVAL, path, "must not contain ':' or control characters");
        m = mangle_gecos(s);
        if (!m)
                return OOM(c, path);
        return set_string(c, path, target, m);
}

static bool name_ok(DispatchContext *c, const char *s) {
        if (c->flags & RECORD_LOAD_STRICT_NAMES)
                return valid_user_group_name_strict(s);
        return valid_user_group_name_relaxed(s);
}

static const char *name_rules(DispatchContext *c) {
        return (c->flags & RECORD_LOAD_STRICT_NAMES)
                ? "not a valid name: must match [a-zA-Z_][a-zA-Z0-9_-]* and be at most 31 bytes"
                : "not a valid name: must be non-empty, without ':', '/', control characters or surrounding whitespace, not '.', '..' or numeric";
}

int dispatch_user_name(DispatchContext *c, const char *path, json_object *v, void *target, const RecordField *f) {
        const char *s;
        int r;

        if (!v)
                return set_string(c, path, target, NULL);
        r = record_json_string(v, path, false, &s, c->error);
        if (r < 0)
                return r;
        if (!name_ok(c, s))
                return record_error(c->error, -EINVAL, path, "%s", name_rules(c));
        return set_string(c, path, target, s);
}

static int replace_strv(void *target, char **l, bool erase) {
        if (erase)
                strv_free_erase(*TARGET(char **));
        else
                strv_free(*TARGET(char **));
        *TARGET(char **) = l;
        return 0;
}

int dispatch_user_name_strv(DispatchContext *c, const char *path, json_object *v, void *target, const RecordField *f) {
        _cleanup_strv_free_ char **l = NULL;
        char sub[256];
        int r;

        if (!v)
                return replace_strv(target, NULL, false);
        r = record_json_strv(v, path, false, false, &l, c->error);
        if (r < 0)
                return r;
        for (size_t i = 0; l[i]; i++)
                if (!name_ok(c, l[i])) {
                        record_field_path(sub, sizeof(sub), path, NULL, i);
                        return record_error(c->error, -EINVAL, sub, "%s", name_rules(c));
                }
        return replace_strv(target, TAKE_PTR(l), false);
}

int dispatch_realm(DispatchContext *c, const char *path, json_object *v, void *target, const RecordField *f) {
        return dispatch_checked_string(c, path, v, target, false, valid_dns_domain, "not a valid DNS domain name");
}

static int dispatch_enum(DispatchContext *c, const char *path, json_object *v, void *target,
                         int (*from_string)(const char *), int unset, const char *what) {
        const char *s;
        int r, e;

        if (!v) {
                *TARGET(int) = unset;
                return 0;
        }
        r = record_json_string(v, path, false, &s, c->error);
        if (r < 0)
                return r;
        e = from_string(s);
        if (e < 0)
                return record_error(c->error, -EINVAL, path, "must be one of %s", what);
        *TARGET(int) = e;
        return 0;
}

static int disposition_from(const char *s) {
        return (int) user_disposition_from_string(s);
}
static int storage_from(const char *s) {
        return (int) user_storage_from_string(s);
}
static int auto_resize_from(const char *s) {
        return (int) auto_resize_mode_from_string(s);
}

int dispatch_disposition(DispatchContext *c, const char *path, json_object *v, void *target, const RecordField *f) {
        return dispatch_enum(c, path, v, target, disposition_from, _USER_DISPOSITION_INVALID,
                             "intrinsic, system, dynamic, regular, container, foreign, reserved");
}

int dispatch_storage(DispatchContext *c, const char *path, json_object *v, void *target, const RecordField *f) {
        return dispatch_enum(c, path, v, target, storage_from, _USER_STORAGE_INVALID,
                             "classic, luks, directory, subvolume, fscrypt, cifs");
}

int dispatch_auto_resize_mode(DispatchContext *c, const char *path, json_object *v, void *target, const RecordField *f) {
        if (v && json_object_is_type(v, json_type_boolean)) {
                *TARGET(int) = json_object_get_boolean(v) ? AUTO_RESIZE_SHRINK_AND_GROW : AUTO_RESIZE_OFF;
                return 0;
        }
        if (v && !json_object_is_type(v, json_type_string))
                return record_error(c->error, -EINVAL, path, "must be a boolean or one of off, grow, shrink-and-grow");
        return dispatch_enum(c, path, v, target, auto_resize_from, _AUTO_RESIZE_MODE_INVALID,
                             "off, grow, shrink-and-grow");
}

int dispatch_uint64(DispatchContext *c, const char *path, json_object *v, void *target, const RecordField *f) {
        uint64_t u;
        int r;

        if (!v) {
                *TARGET(uint64_t) = UINT64_MAX;
                return 0;
        }
        r = record_json_uint64(v, path, f->min, f->max ? f->max : UINT64_MAX - 1, &u, c->error);
        if (r < 0)
                return r;
        *TARGET(uint64_t) = u;
        return 0;
}

int dispatch_uid(DispatchContext *c, const char *path, json_object *v, void *target, const RecordField *f) {
        uint64_t u;
        int r;

        if (!v) {
                *TARGET(uid_t) = UID_INVALID;
                return 0;
        }
        r = record_json_uint64(v, path, 0, UINT32_MAX - 1, &u, c->error);
        if (r < 0)
                return r;
        *TARGET(uid_t) = (uid_t) u;
        return 0;
}

int dispatch_mode(DispatchContext *c, const char *path, json_object *v, void *target, const RecordField *f) {
        uint64_t u;
        int r;

        if (!v) {
                *TARGET(mode_t) = MODE_INVALID;
                return 0;
        }
        r = record_json_uint64(v, path, 0, f->max, &u, c->error);
        if (r < 0)
                return r;
        *TARGET(mode_t) = (mode_t) u;
        return 0;
}

/* The only signed field is niceLevel; its range is the nice(2) one. */
int dispatch_int(DispatchContext *c, const char *path, json_object *v, void *target, const RecordField *f) {
        int64_t i;
        int r;

        if (!v) {
                *TARGET(int) = INT_MAX;
                return 0;
        }
        r = record_json_int64(v, path, -20, 19, &i, c->error);
        if (r < 0)
                return r;
        *TARGET(int) = (int) i;
        return 0;
}

int dispatch_tristate(DispatchContext *c, const char *path, json_object *v, void *target, const RecordField *f) {
        bool b;
        int r;

        if (!v) {
                *TARGET(int) = -1;
                return 0;
        }
        r = record_json_bool(v, path, &b, c->error);
        if (r < 0)
                return r;
        *TARGET(int) = b;
        return 0;
}

int dispatch_shell(DispatchContext *c, const char *path, json_object *v, void *target, const RecordField *f) {
        return dispatch_checked_string(c, path, v, target, false, valid_shell,
                                       "must be a file name or a normalized absolute path");
}

int dispatch_path(DispatchContext *c, const char *path, json_object *v, void *target, const RecordField *f) {
        return dispatch_checked_string(c, path, v, target, false, path_is_normalized_absolute,
                                       "must be a normalized absolute path");
}

int dispatch_timezone(DispatchContext *c, const char *path, json_object *v, void *target, const RecordField *f) {
        return dispatch_checked_string(c, path, v, target, false, valid_timezone,
                                       "not a valid time zone name (e.g. Europe/Berlin)");
}

int dispatch_locale(DispatchContext *c, const char *path, json_object *v, void *target, const RecordField *f) {
        return dispatch_checked_string(c, path, v, target, false, valid_locale_name,
                                       "not a valid locale name (e.g. de_DE.UTF-8)");
}

static int dispatch_checked_strv(DispatchContext *c, const char *path, json_object *v, void *target,
                                 bool allow_control, bool accept_single, bool erase,
                                 bool (*check)(const char *), const char *what) {
        char **l = NULL;
        char sub[256];
        int r;

        if (!v)
                return replace_strv(target, NULL, erase);
        r = record_json_strv(v, path, allow_control, accept_single, &l, c->error);
        if (r < 0)
                return r;
        for (size_t i = 0; check && l[i]; i++)
                if (!check(l[i])) {
                        if (erase)
                                strv_free_erase(l);
                        else
                                strv_free(l);
                        record_field_path(sub, sizeof(sub), path, NULL, i);
                        return record_error(c->error, -EINVAL, sub, "%s", what);
                }
        return replace_strv(target, l, erase);
}

int dispatch_strv(DispatchContext *c, const char *path, json_object *v, void *target, const RecordField *f) {
        return dispatch_checked_strv(c, path, v, target, false, false, false, NULL, NULL);
}

int dispatch_secret_strv(DispatchContext *c, const char *path, json_object *v, void *target, const RecordField *f) {
        /* Passwords may hold any character a keyboard or token produces. */
        return dispatch_checked_strv(c, path, v, target, true, false, true, NULL, NULL);
}

int dispatch_hashed_passwords(DispatchContext *c, const char *path, json_object *v, void *target, const RecordField *f) {
        return dispatch_checked_strv(c, path, v, target, false, false, false, NULL, NULL);
}

int dispatch_environment(DispatchContext *c, const char *path, json_object *v, void *target, const RecordField *f) {
        return dispatch_checked_strv(c, path, v, target, true, false, false, valid_env_assignment,
                                     "not a valid NAME=VALUE environment assignment");
}

int dispatch_locale_strv(DispatchContext *c, const char *path, json_object *v, void *target, const RecordField *f) {
        return dispatch_checked_strv(c, path, v, target, false, false, false, valid_locale_name,
                                     "not a valid locale name (e.g. de_DE.UTF-8)");
}

int dispatch_pkcs11_uri_strv(DispatchContext *c, const char *path, json_object *v, void *target, const RecordField *f) {
        return dispatch_checked_strv(c, path, v, target, false, true, false, valid_pkcs11_uri,
                                     "not a valid pkcs11: URI");
}

int dispatch_rlimits(DispatchContext *c, const char *path, json_object *v, void *target, const RecordField *f) {
        struct rlimit **rl = target;
        struct rlimit *parsed[RLIM_NLIMITS] = {};
        char sub[256], sub2[256];
        int r = 0;

        if (v && !json_object_is_type(v, json_type_object))
                return record_error(c->error, -EINVAL, path, "must be an object of RLIMIT_* names");

        if (v) {
                json_object_object_foreach(v, key, lim) {
                        json_object *cur, *max;
                        uint64_t vals[2];
                        int res = rlimit_from_name(key);

                        record_field_path(sub, sizeof(sub), path, key, 0);
                        if (res < 0) {
                                r = record_error(c->error, -EINVAL, sub, "unknown resource limit name");
                                goto fail;
                        }
                        if (!json_object_is_type(lim, json_type_object)) {
                                r = record_error(c->error, -EINVAL, sub, "must be an object with 'cur' and 'max'");
                                goto fail;
                        }
                        for (int k = 0; k < 2; k++) {
                                const char *n = k == 0 ? "cur" : "max";
                                json_object *e;

                                record_field_path(sub2, sizeof(sub2), sub, n, 0);
                                if (!json_object_object_get_ex(lim, n, &e)) {
                                        r = record_error(c->error, -EINVAL, sub2, "is required");
                                        goto fail;
                                }
                                if (!e)
                                        vals[k] = RLIM_INFINITY;
                                else {
                                        r = record_json_uint64(e, sub2, 0, UINT64_MAX, &vals[k], c->error);
                                        if (r < 0)
                                                goto fail;
                                }
                        }
                        (void) cur;
                        (void) max;
                        if (vals[0] > vals[1]) {
                                r = record_error(c->error, -EINVAL, sub, "'cur' must not exceed 'max'");
                                goto fail;
                        }
                        free(parsed[res]);
                        parsed[res] = malloc(sizeof(struct rlimit));
                        if (!parsed[res]) {
                                r = OOM(c, sub);
                                goto fail;
                        }
                        parsed[res]->rlim_cur = vals[0];
                        parsed[res]->rlim_max = vals[1];
                }
        }

        /* The object replaces all limits wholesale (perMachine included). */
        for (int i = 0; i < RLIM_NLIMITS; i++) {
                free(rl[i]);
                rl[i] = parsed[i];
        }
        return 0;

fail:
        for (int i = 0; i < RLIM_NLIMITS; i++)
                free(parsed[i]);
        return r;
}

int dispatch_capabilities(DispatchContext *c, const char *path, json_object *v, void *target, const RecordField *f) {
        _cleanup_strv_free_ char **l = NULL;
        uint64_t mask = 0;
        char sub[256];
        int r;

        if (!v) {
                *TARGET(uint64_t) = UINT64_MAX;
                return 0;
        }
        r = record_json_strv(v, path, false, false, &l, c->error);
        if (r < 0)
                return r;
        for (size_t i = 0; l[i]; i++) {
                int cap = capability_from_name(l[i]);
                if (cap < 0) {
                        record_field_path(sub, sizeof(sub), path, NULL, i);
                        return record_error(c->error, -EINVAL, sub, "unknown capability name");
                }
                mask |= UINT64_C(1) << cap;
        }
        *TARGET(uint64_t) = mask;
        return 0;
}

int dispatch_uuid(DispatchContext *c, const char *path, json_object *v, void *target, const RecordField *f) {
        RecordId128 id;
        const char *s;
        int r;

        if (!v) {
                memset(target, 0, sizeof(RecordId128));
                return 0;
        }
        r = record_json_string(v, path, false, &s, c->error);
        if (r < 0)
                return r;
        if (uuid_parse_any(s, &id) < 0)
                return record_error(c->error, -EINVAL, path, "not a valid UUID");
        *TARGET(RecordId128) = id;
        return 0;
}

void blob_manifest_free(BlobManifestEntry *e, size_t n) {
        for (size_t i = 0; i < n; i++)
                free(e[i].filename);
        free(e);
}

int dispatch_blob_manifest(DispatchContext *c, const char *path, json_object *v, void *target, const RecordField *f) {
        UserRecord *ur = (UserRecord *) ((uint8_t *) target - f->offset);
        BlobManifestEntry *entries = NULL;
        size_t n = 0;
        char sub[256];
        int r;

        if (v && !json_object_is_type(v, json_type_object))
                return record_error(c->error, -EINVAL, path, "must be an object of file name to SHA-256");

        if (v) {
                entries = calloc((size_t) json_object_object_length(v) + 1, sizeof(BlobManifestEntry));
                if (!entries)
                        return OOM(c, path);
                json_object_object_foreach(v, key, h) {
                        const char *hex;
                        RecordId128 halves[2];

                        record_field_path(sub, sizeof(sub), path, key, 0);
                        if (!valid_blob_filename(key)) {
                                r = record_error(c->error, -EINVAL, sub, "not a valid blob file name");
                                goto fail;
                        }
                        r = record_json_string(h, sub, false, &hex, c->error);
                        if (r < 0)
                                goto fail;
                        if (!valid_sha256_hex(hex)) {
                                r = record_error(c->error, -EINVAL, sub, "must be 64 lowercase hex digits (SHA-256)");
                                goto fail;
                        }
                        /* 64 hex digits are two 128-bit ids back to back. */
                        for (int half = 0; half < 2; half++) {
                                char part[33];
                                memcpy(part, hex + 32 * half, 32);
                                part[32] = 0;
                                (void) uuid_parse_any(part, &halves[half]);
                        }
                        entries[n].filename = strdup(key);
                        if (!entries[n].filename) {
                                r = OOM(c, sub);
                                goto fail;
                        }
                        memcpy(entries[n].sha256, halves[0].bytes, 16);
                        memcpy(entries[n].sha256 + 16, halves[1].bytes, 16);
                        n++;
                }
        }

        blob_manifest_free(ur->blob_manifest, ur->n_blob_manifest);
        ur->blob_manifest = entries;
        ur->n_blob_manifest = n;
        ur->blob_manifest_set = !!v;
        return 0;

fail:
        blob_manifest_free(entries, n);
        return r;
}

int dispatch_rebalance_weight(DispatchContext *c, const char *path, json_object *v, void *target, const RecordField *f) {
        uint64_t u;
        int r;

        if (!v) {
                *TARGET(uint64_t) = REBALANCE_WEIGHT_UNSET;
                return 0;
        }
        if (json_object_is_type(v, json_type_boolean)) {
                *TARGET(uint64_t) = json_object_get_boolean(v) ? REBALANCE_WEIGHT_DEFAULT : REBALANCE_WEIGHT_OFF;
                return 0;
        }
        if (!json_object_is_type(v, json_type_int))
                return record_error(c->error, -EINVAL, path, "must be a boolean, null or an integer in 0..10000");
        r = record_json_uint64(v, path, 0, REBALANCE_WEIGHT_MAX, &u, c->error);
        if (r < 0)
                return r;
        *TARGET(uint64_t) = u;
        return 0;
}

int dispatch_tmpfs_limit(DispatchContext *c, const char *path, json_object *v, void *target, const RecordField *f) {
        TmpfsLimit *t = target;
        uint64_t u;
        int r;

        if (!v) {
                t->limit = UINT64_MAX;
                return 0;
        }
        r = record_json_uint64(v, path, 0, UINT64_MAX - 1, &u, c->error);
        if (r < 0)
                return r;
        t->limit = u;
        return 0;
}

int dispatch_tmpfs_limit_scale(DispatchContext *c, const char *path, json_object *v, void *target, const RecordField *f) {
        TmpfsLimit *t = target;
        uint64_t u;
        int r;

        if (!v) {
                t->scale_set = false;
                t->limit_scale = 0;
                return 0;
        }
        r = record_json_uint64(v, path, 0, UINT32_MAX, &u, c->error);
        if (r < 0)
                return r;
        t->limit_scale = (uint32_t) u;
        t->scale_set = true;
        return 0;
}

void record_blob_done(RecordBlob *b) {
        if (!b)
                return;
        if (b->data)
                explicit_bzero(b->data, b->size);
        free(b->data);
        b->data = NULL;
        b->size = 0;
}

void record_blobs_free(RecordBlob *b, size_t n) {
        for (size_t i = 0; b && i < n; i++)
                record_blob_done(&b[i]);
        free(b);
}

static int decode_blob(DispatchContext *c, const char *path, json_object *v, size_t want_size, RecordBlob *ret) {
        const char *s;
        void *data;
        size_t size;
        int r;

        r = record_json_string(v, path, false, &s, c->error);
        if (r < 0)
                return r;
        r = base64_decode(s, &data, &size);
        if (r == -ENOMEM)
                return OOM(c, path);
        if (r < 0)
                return record_error(c->error, -EINVAL, path, "not valid base64");
        if (want_size && size != want_size) {
                explicit_bzero(data, size);
                free(data);
                return record_error(c->error, -EINVAL, path, "must decode to %zu bytes, not %zu", want_size, size);
        }
        ret->data = data;
        ret->size = size;
        return 0;
}

int dispatch_fido2_credentials(DispatchContext *c, const char *path, json_object *v, void *target, const RecordField *f) {
        UserRecord *ur = (UserRecord *) ((uint8_t *) target - f->offset);
        RecordBlob *b = NULL;
        size_t n = 0, len;
        char sub[256];
        int r;

        if (v && !json_object_is_type(v, json_type_array))
                return record_error(c->error, -EINVAL, path, "must be an array of base64 strings");
        if (v) {
                len = json_object_array_length(v);
                b = calloc(len + 1, sizeof(RecordBlob));
                if (!b)
                        return OOM(c, path);
                for (; n < len; n++) {
                        record_field_path(sub, sizeof(sub), path, NULL, n);
                        r = decode_blob(c, sub, json_object_array_get_idx(v, n), 0, &b[n]);
                        if (r < 0) {
                                record_blobs_free(b, n);
                                return r;
                        }
                }
        }
        record_blobs_free(ur->fido2_hmac_credential, ur->n_fido2_hmac_credential);
        ur->fido2_hmac_credential = b;
        ur->n_fido2_hmac_credential = n;
        return 0;
}

static int get_member(DispatchContext *c, json_object *obj, const char *parent, const char *name,
                      bool required, json_object **ret, char path[static 256]) {
        record_field_path(path, 256, parent, name, 0);
        if (!json_object_object_get_ex(obj, name, ret) || !*ret) {
                *ret = NULL;
                if (required)
                        return record_error(c->error, -EINVAL, path, "is required");
        }
        return 0;
}

static int dup_checked_string(DispatchContext *c, const char *path, json_object *v, bool (*check)(const char *),
                              const char *what, char **ret) {
        const char *s;
        int r;

        r = record_json_string(v, path, false, &s, c->error);
        if (r < 0)
                return r;
        if (check && !check(s))
                return record_error(c->error, -EINVAL, path, "%s", what);
        *ret = strdup(s);
        return *ret ? 0 : OOM(c, path);
}

void pkcs11_encrypted_keys_free(Pkcs11EncryptedKey *k, size_t n) {
        for (size_t i = 0; k && i < n; i++) {
                free(k[i].uri);
                record_blob_done(&k[i].data);
                free(k[i].hashed_password);
        }
        free(k);
}

/* Parses the array of objects at path into a calloc'd array of elem_size
 * elements (one spare, zeroed), each filled by parse_one. NULL v gives an
 * empty result. On failure *ret and *ret_n still describe the array, so
 * the caller's typed free releases what was filled (unfilled elements are
 * zero). */
static int parse_object_array(DispatchContext *c, const char *path, json_object *v, size_t elem_size,
                              int (*parse_one)(DispatchContext *c, const char *path, json_object *e, void *elem),
                              void **ret, size_t *ret_n) {
        char sub[256];
        uint8_t *a;
        size_t n;
        int r;

        *ret = NULL;
        *ret_n = 0;
        if (!v)
                return 0;
        if (!json_object_is_type(v, json_type_array))
                return record_error(c->error, -EINVAL, path, "must be an array of objects");
        n = json_object_array_length(v);
        a = calloc(n + 1, elem_size);
        if (!a)
                return OOM(c, path);
        *ret = a;
        *ret_n = n;
        for (size_t i = 0; i < n; i++) {
                json_object *e = json_object_array_get_idx(v, i);

                record_field_path(sub, sizeof(sub), path, NULL, i);
                if (!json_object_is_type(e, json_type_object))
                        return record_error(c->error, -EINVAL, sub, "must be an object");
                r = parse_one(c, sub, e, a + i * elem_size);
                if (r < 0)
                        return r;
        }
        return 0;
}

static int parse_pkcs11_encrypted_key(DispatchContext *c, const char *path, json_object *e, void *elem) {
        Pkcs11EncryptedKey *k = elem;
        json_object *x;
        char m[256];
        int r;

        if ((r = get_member(c, e, path, "uri", true, &x, m)) < 0 ||
            (r = dup_checked_string(c, m, x, valid_pkcs11_uri, "not a valid pkcs11: URI", &k->uri)) < 0)
                return r;
        if ((r = get_member(c, e, path, "data", true, &x, m)) < 0 ||
            (r = decode_blob(c, m, x, 0, &k->data)) < 0)
                return r;
        if ((r = get_member(c, e, path, "hashedPassword", true, &x, m)) < 0)
                return r;
        return dup_checked_string(c, m, x, NULL, NULL, &k->hashed_password);
}

int dispatch_pkcs11_encrypted_keys(DispatchContext *c, const char *path, json_object *v, void *target, const RecordField *f) {
        UserRecord *ur = (UserRecord *) ((uint8_t *) target - f->offset);
        Pkcs11EncryptedKey *k;
        size_t n;
        int r;

        r = parse_object_array(c, path, v, sizeof(*k), parse_pkcs11_encrypted_key, (void **) &k, &n);
        if (r < 0) {
                pkcs11_encrypted_keys_free(k, n);
                return r;
        }
        pkcs11_encrypted_keys_free(ur->pkcs11_encrypted_key, ur->n_pkcs11_encrypted_key);
        ur->pkcs11_encrypted_key = k;
        ur->n_pkcs11_encrypted_key = n;
        return 0;
}

void fido2_hmac_salts_free(Fido2HmacSalt *s, size_t n) {
        for (size_t i = 0; s && i < n; i++) {
                record_blob_done(&s[i].credential);
                record_blob_done(&s[i].salt);
                free(s[i].hashed_password);
        }
        free(s);
}

static int optional_tristate(DispatchContext *c, json_object *e, const char *parent, const char *name, int *ret) {
        char m[256];
        json_object *x;
        bool b;
        int r;

        (void) get_member(c, e, parent, name, false, &x, m);
        if (!x) {
                *ret = -1;
                return 0;
        }
        r = record_json_bool(x, m, &b, c->error);
        if (r < 0)
                return r;
        *ret = b;
        return 0;
}

static int parse_fido2_hmac_salt(DispatchContext *c, const char *path, json_object *e, void *elem) {
        Fido2HmacSalt *s = elem;
        json_object *x;
        char m[256];
        int r;

        if ((r = get_member(c, e, path, "credential", true, &x, m)) < 0 ||
            (r = decode_blob(c, m, x, 0, &s->credential)) < 0)
                return r;
        if ((r = get_member(c, e, path, "salt", true, &x, m)) < 0 ||
            (r = decode_blob(c, m, x, 32, &s->salt)) < 0)
                return r;
        if ((r = get_member(c, e, path, "hashedPassword", true, &x, m)) < 0 ||
            (r = dup_checked_string(c, m, x, NULL, NULL, &s->hashed_password)) < 0)
                return r;
        if ((r = optional_tristate(c, e, path, "up", &s->up)) < 0 ||
            (r = optional_tristate(c, e, path, "uv", &s->uv)) < 0)
                return r;
        return optional_tristate(c, e, path, "clientPin", &s->client_pin);
}

int dispatch_fido2_hmac_salts(DispatchContext *c, const char *path, json_object *v, void *target, const RecordField *f) {
        UserRecord *ur = (UserRecord *) ((uint8_t *) target - f->offset);
        Fido2HmacSalt *s;
        size_t n;
        int r;

        r = parse_object_array(c, path, v, sizeof(*s), parse_fido2_hmac_salt, (void **) &s, &n);
        if (r < 0) {
                fido2_hmac_salts_free(s, n);
                return r;
        }
        fido2_hmac_salts_free(ur->fido2_hmac_salt, ur->n_fido2_hmac_salt);
        ur->fido2_hmac_salt = s;
        ur->n_fido2_hmac_salt = n;
        return 0;
}

void recovery_keys_free(RecoveryKey *k, size_t n) {
        for (size_t i = 0; k && i < n; i++) {
                free(k[i].type);
                free(k[i].hashed_password);
        }
        free(k);
}

static int parse_recovery_key(DispatchContext *c, const char *path, json_object *e, void *elem) {
        RecoveryKey *k = elem;
        json_object *x;
        char m[256];
        int r;

        if ((r = get_member(c, e, path, "type", true, &x, m)) < 0 ||
            (r = dup_checked_string(c, m, x, NULL, NULL, &k->type)) < 0)
                return r;
        if ((r = get_member(c, e, path, "hashedPassword", true, &x, m)) < 0)
                return r;
        return dup_checked_string(c, m, x, NULL, NULL, &k->hashed_password);
}

int dispatch_recovery_keys(DispatchContext *c, const char *path, json_object *v, void *target, const RecordField *f) {
        UserRecord *ur = (UserRecord *) ((uint8_t *) target - f->offset);
        RecoveryKey *k;
        size_t n;
        int r;

        r = parse_object_array(c, path, v, sizeof(*k), parse_recovery_key, (void **) &k, &n);
        if (r < 0) {
                recovery_keys_free(k, n);
                return r;
        }
        recovery_keys_free(ur->recovery_key, ur->n_recovery_key);
        ur->recovery_key = k;
        ur->n_recovery_key = n;
        return 0;
}

void record_json_erase_strings(json_object *v) {
        switch (json_object_get_type(v)) {
        case json_type_string: {
                int len = json_object_get_string_len(v);
                if (len > 0)
                        explicit_bzero((char *) json_object_get_string(v), (size_t) len);
                break;
        }
        case json_type_object: {
                json_object_object_foreach(v, k, e) {
                        (void) k;
                        record_json_erase_strings(e);
                }
                break;
        }
        case json_type_array:
                for (size_t i = 0; i < json_object_array_length(v); i++)
                        record_json_erase_strings(json_object_array_get_idx(v, i));
                break;
        default:
                break;
        }
}

int record_check_signature_section(DispatchContext *c, json_object *v) {
        char sub[256], m[256];
        int r;

        if (!json_object_is_type(v, json_type_array))
                return record_error(c->error, -EBADMSG, "signature", "must be an array of objects");
        for (size_t i = 0; i < json_object_array_length(v); i++) {
                json_object *e = json_object_array_get_idx(v, i), *x;
                const char *s;

                record_field_path(sub, sizeof(sub), "signature", NULL, i);
                if (!json_object_is_type(e, json_type_object))
                        return record_error(c->error, -EINVAL, sub, "must be an object");
                if ((r = get_member(c, e, sub, "data", true, &x, m)) < 0 ||
                    (r = record_json_string(x, m, false, &s, c->error)) < 0)
                        return r;
                if (!valid_base64(s))
                        return record_error(c->error, -EINVAL, m, "not valid base64");
                /* A PEM key spans lines: newlines are its syntax. */
                if ((r = get_member(c, e, sub, "key", true, &x, m)) < 0 ||
                    (r = record_json_string(x, m, true, &s, c->error)) < 0)
                        return r;
        }
        return 0;
}
