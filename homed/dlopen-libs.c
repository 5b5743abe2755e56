/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <libcryptsetup.h>
#include <libfdisk.h>
#include <stddef.h>

#include "dlopen-forward.h"
#include "dlopen-libs.h"

static DlopenLib cryptsetup = { .soname = "libcryptsetup.so.12" };
static DlopenLib fdisk = { .soname = "libfdisk.so.1" };
static DlopenLib argon2 = { .soname = "libargon2.so.1" };

typeof(argon2i_hash_raw) *sym_argon2i_hash_raw;
typeof(argon2id_hash_raw) *sym_argon2id_hash_raw;

int dlopen_cryptsetup(void) {
        return dlopen_lib_load(&cryptsetup);
}

int dlopen_fdisk(void) {
        return dlopen_lib_load(&fdisk);
}

int dlopen_argon2(void) {
        if (sym_argon2i_hash_raw && sym_argon2id_hash_raw)
                return 0;
        sym_argon2i_hash_raw = (typeof(argon2i_hash_raw) *) dlopen_lib_sym(&argon2, "argon2i_hash_raw");
        sym_argon2id_hash_raw = (typeof(argon2id_hash_raw) *) dlopen_lib_sym(&argon2, "argon2id_hash_raw");
        if (!sym_argon2i_hash_raw || !sym_argon2id_hash_raw) {
                sym_argon2i_hash_raw = NULL;
                sym_argon2id_hash_raw = NULL;
                return -EOPNOTSUPP;
        }
        return 0;
}

DLOPEN_FORWARD(cryptsetup, int, -EOPNOTSUPP, crypt_activate_by_passphrase,
        (struct crypt_device *cd, const char *name, int keyslot, const char *passphrase, size_t passphrase_size, uint32_t flags),
        (cd, name, keyslot, passphrase, passphrase_size, flags))
DLOPEN_FORWARD(cryptsetup, int, -EOPNOTSUPP, crypt_activate_by_volume_key,
        (struct crypt_device *cd, const char *name, const char *volume_key, size_t volume_key_size, uint32_t flags),
        (cd, name, volume_key, volume_key_size, flags))
DLOPEN_FORWARD(cryptsetup, int, -EOPNOTSUPP, crypt_benchmark_pbkdf,
        (struct crypt_device *cd, struct crypt_pbkdf_type *pbkdf, const char *password, size_t password_size, const char *salt, size_t salt_size, size_t volume_key_size, int (*progress)(uint32_t time_ms, void *usrptr), void *usrptr),
        (cd, pbkdf, password, password_size, salt, salt_size, volume_key_size, progress, usrptr))
DLOPEN_FORWARD(cryptsetup, int, -EOPNOTSUPP, crypt_deactivate,
        (struct crypt_device *cd, const char *name),
        (cd, name))
DLOPEN_FORWARD(cryptsetup, int, -EOPNOTSUPP, crypt_deactivate_by_name,
        (struct crypt_device *cd, const char *name, uint32_t flags),
        (cd, name, flags))
DLOPEN_FORWARD(cryptsetup, int, -EOPNOTSUPP, crypt_format,
        (struct crypt_device *cd, const char *type, const char *cipher, const char *cipher_mode, const char *uuid, const char *volume_key, size_t volume_key_size, void *params),
        (cd, type, cipher, cipher_mode, uuid, volume_key, volume_key_size, params))
DLOPEN_FORWARD_VOID(cryptsetup, crypt_free,
        (struct crypt_device *cd),
        (cd))
DLOPEN_FORWARD(cryptsetup, int, -EOPNOTSUPP, crypt_get_active_device,
        (struct crypt_device *cd, const char *name, struct crypt_active_device *cad),
        (cd, name, cad))
DLOPEN_FORWARD(cryptsetup, uint64_t, 0, crypt_get_data_offset,
        (struct crypt_device *cd),
        (cd))
DLOPEN_FORWARD(cryptsetup, const char *, NULL, crypt_get_device_name,
        (struct crypt_device *cd),
        (cd))
DLOPEN_FORWARD(cryptsetup, int, -EOPNOTSUPP, crypt_init,
        (struct crypt_device **cd, const char *device),
        (cd, device))
DLOPEN_FORWARD(cryptsetup, int, -EOPNOTSUPP, crypt_init_by_name,
        (struct crypt_device **cd, const char *name),
        (cd, name))
DLOPEN_FORWARD(cryptsetup, int, -EOPNOTSUPP, crypt_keyslot_add_by_volume_key,
        (struct crypt_device *cd, int keyslot, const char *volume_key, size_t volume_key_size, const char *passphrase, size_t passphrase_size),
        (cd, keyslot, volume_key, volume_key_size, passphrase, passphrase_size))
DLOPEN_FORWARD(cryptsetup, int, -EOPNOTSUPP, crypt_keyslot_destroy,
        (struct crypt_device *cd, int keyslot),
        (cd, keyslot))
DLOPEN_FORWARD(cryptsetup, int, -EOPNOTSUPP, crypt_keyslot_max,
        (const char *type),
        (type))
DLOPEN_FORWARD(cryptsetup, crypt_keyslot_info, CRYPT_SLOT_INVALID, crypt_keyslot_status,
        (struct crypt_device *cd, int keyslot),
        (cd, keyslot))
DLOPEN_FORWARD(cryptsetup, int, -EOPNOTSUPP, crypt_load,
        (struct crypt_device *cd, const char *requested_type, void *params),
        (cd, requested_type, params))
DLOPEN_FORWARD(cryptsetup, int, -EOPNOTSUPP, crypt_resize,
        (struct crypt_device *cd, const char *name, uint64_t new_size),
        (cd, name, new_size))
DLOPEN_FORWARD(cryptsetup, int, -EOPNOTSUPP, crypt_resume_by_passphrase,
        (struct crypt_device *cd, const char *name, int keyslot, const char *passphrase, size_t passphrase_size),
        (cd, name, keyslot, passphrase, passphrase_size))
DLOPEN_FORWARD_VOID(cryptsetup, crypt_set_log_callback,
        (struct crypt_device *cd, void (*log)(int level, const char *msg, void *usrptr), void *usrptr),
        (cd, log, usrptr))
DLOPEN_FORWARD(cryptsetup, int, -EOPNOTSUPP, crypt_set_pbkdf_type,
        (struct crypt_device *cd, const struct crypt_pbkdf_type *pbkdf),
        (cd, pbkdf))
DLOPEN_FORWARD(cryptsetup, int, -EOPNOTSUPP, crypt_suspend,
        (struct crypt_device *cd, const char *name),
        (cd, name))
DLOPEN_FORWARD(cryptsetup, int, -EOPNOTSUPP, crypt_token_json_get,
        (struct crypt_device *cd, int token, const char **json),
        (cd, token, json))
DLOPEN_FORWARD(cryptsetup, int, -EOPNOTSUPP, crypt_token_json_set,
        (struct crypt_device *cd, int token, const char *json),
        (cd, token, json))
DLOPEN_FORWARD(cryptsetup, int, -EOPNOTSUPP, crypt_token_max,
        (const char *type),
        (type))
DLOPEN_FORWARD(cryptsetup, crypt_token_info, CRYPT_TOKEN_INVALID, crypt_token_status,
        (struct crypt_device *cd, int token, const char **type),
        (cd, token, type))
DLOPEN_FORWARD(cryptsetup, int, -EOPNOTSUPP, crypt_volume_key_get,
        (struct crypt_device *cd, int keyslot, char *volume_key, size_t *volume_key_size, const char *passphrase, size_t passphrase_size),
        (cd, keyslot, volume_key, volume_key_size, passphrase, passphrase_size))
DLOPEN_FORWARD(cryptsetup, int, -EOPNOTSUPP, crypt_volume_key_keyring,
        (struct crypt_device *cd, int enable),
        (cd, enable))
DLOPEN_FORWARD(fdisk, int, -EOPNOTSUPP, fdisk_add_partition,
        (struct fdisk_context *cxt, struct fdisk_partition *pa, size_t *partno),
        (cxt, pa, partno))
DLOPEN_FORWARD(fdisk, int, -EOPNOTSUPP, fdisk_assign_device_by_fd,
        (struct fdisk_context *cxt, int fd, const char *fname, int readonly),
        (cxt, fd, fname, readonly))
DLOPEN_FORWARD(fdisk, int, -EOPNOTSUPP, fdisk_create_disklabel,
        (struct fdisk_context *cxt, const char *name),
        (cxt, name))
DLOPEN_FORWARD(fdisk, int, -EOPNOTSUPP, fdisk_deassign_device,
        (struct fdisk_context *cxt, int nosync),
        (cxt, nosync))
DLOPEN_FORWARD(fdisk, int, -EOPNOTSUPP, fdisk_disable_dialogs,
        (struct fdisk_context *cxt, int disable),
        (cxt, disable))
DLOPEN_FORWARD(fdisk, struct fdisk_label *, NULL, fdisk_get_label,
        (struct fdisk_context *cxt, const char *name),
        (cxt, name))
DLOPEN_FORWARD(fdisk, size_t, 0, fdisk_get_npartitions,
        (struct fdisk_context *cxt),
        (cxt))
DLOPEN_FORWARD(fdisk, int, -EOPNOTSUPP, fdisk_get_partition,
        (struct fdisk_context *cxt, size_t partno, struct fdisk_partition **pa),
        (cxt, partno, pa))
DLOPEN_FORWARD(fdisk, unsigned long, 0, fdisk_get_sector_size,
        (struct fdisk_context *cxt),
        (cxt))
DLOPEN_FORWARD(fdisk, int, 0, fdisk_has_label,
        (struct fdisk_context *cxt),
        (cxt))
DLOPEN_FORWARD(fdisk, int, 0, fdisk_is_labeltype,
        (struct fdisk_context *cxt, enum fdisk_labeltype id),
        (cxt, id))
DLOPEN_FORWARD(fdisk, struct fdisk_parttype *, NULL, fdisk_label_get_parttype_from_string,
        (const struct fdisk_label *lb, const char *str),
        (lb, str))
DLOPEN_FORWARD(fdisk, struct fdisk_context *, NULL, fdisk_new_context,
        (void),
        ())
DLOPEN_FORWARD(fdisk, struct fdisk_partition *, NULL, fdisk_new_partition,
        (void),
        ())
DLOPEN_FORWARD(fdisk, const char *, NULL, fdisk_partition_get_name,
        (struct fdisk_partition *pa),
        (pa))
DLOPEN_FORWARD(fdisk, fdisk_sector_t, 0, fdisk_partition_get_size,
        (struct fdisk_partition *pa),
        (pa))
DLOPEN_FORWARD(fdisk, fdisk_sector_t, 0, fdisk_partition_get_start,
        (struct fdisk_partition *pa),
        (pa))
DLOPEN_FORWARD(fdisk, struct fdisk_parttype *, NULL, fdisk_partition_get_type,
        (struct fdisk_partition *pa),
        (pa))
DLOPEN_FORWARD(fdisk, const char *, NULL, fdisk_partition_get_uuid,
        (struct fdisk_partition *pa),
        (pa))
DLOPEN_FORWARD(fdisk, int, 0, fdisk_partition_has_size,
        (struct fdisk_partition *pa),
        (pa))
DLOPEN_FORWARD(fdisk, int, 0, fdisk_partition_has_start,
        (struct fdisk_partition *pa),
        (pa))
DLOPEN_FORWARD(fdisk, int, 0, fdisk_partition_is_used,
        (struct fdisk_partition *pa),
        (pa))
DLOPEN_FORWARD(fdisk, int, -EOPNOTSUPP, fdisk_partition_set_name,
        (struct fdisk_partition *pa, const char *name),
        (pa, name))
DLOPEN_FORWARD(fdisk, int, -EOPNOTSUPP, fdisk_partition_set_partno,
        (struct fdisk_partition *pa, size_t num),
        (pa, num))
DLOPEN_FORWARD(fdisk, int, -EOPNOTSUPP, fdisk_partition_set_size,
        (struct fdisk_partition *pa, uint64_t sz),
        (pa, sz))
DLOPEN_FORWARD(fdisk, int, -EOPNOTSUPP, fdisk_partition_set_start,
        (struct fdisk_partition *pa, uint64_t off),
        (pa, off))
DLOPEN_FORWARD(fdisk, int, -EOPNOTSUPP, fdisk_partition_set_type,
        (struct fdisk_partition *pa, struct fdisk_parttype *type),
        (pa, type))
DLOPEN_FORWARD(fdisk, int, -EOPNOTSUPP, fdisk_partition_set_uuid,
        (struct fdisk_partition *pa, const char *uuid),
        (pa, uuid))
DLOPEN_FORWARD(fdisk, const char *, NULL, fdisk_parttype_get_string,
        (const struct fdisk_parttype *t),
        (t))
DLOPEN_FORWARD_VOID(fdisk, fdisk_unref_context,
        (struct fdisk_context *cxt),
        (cxt))
DLOPEN_FORWARD_VOID(fdisk, fdisk_unref_partition,
        (struct fdisk_partition *pa),
        (pa))
DLOPEN_FORWARD_VOID(fdisk, fdisk_unref_parttype,
        (struct fdisk_parttype *t),
        (t))
DLOPEN_FORWARD(fdisk, int, -EOPNOTSUPP, fdisk_write_disklabel,
        (struct fdisk_context *cxt),
        (cxt))
