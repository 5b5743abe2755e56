/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <sys/statvfs.h>

#include "luks-record.h"
#include "macro.h"
#include "user-record-effective.h"

static int dup_str(const char *s, char **ret) {
        if (!s) {
                *ret = NULL;
                return 0;
        }
        *ret = strdup(s);
        return *ret ? 0 : -ENOMEM;
}

static void uuid_text(const RecordId128 *id, char buf[static 37]) {
        const uint8_t *b = id->bytes;

        if (id128_is_null(id)) {
                buf[0] = 0;
                return;
        }
        snprintf(buf, 37, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x",
                 b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12], b[13], b[14],
                 b[15]);
}

int luks_settings_load(const HomeRecord *h, LuksSettings *ret) {
        _cleanup_(user_record_unrefp) UserRecord *ur = NULL;
        RecordLoadOptions o = { .policy = RECORD_POLICY_ANY };
        LuksSettings s = {};
        RecordError e = {};
        int r;

        r = user_record_load(h->json, &o, &ur, &e);
        if (r < 0)
                return r == -ENOMEM ? r : -EBADMSG;
        s.disk_size = ur->disk_size;
        s.volume_key_size = user_record_luks_volume_key_size(ur);
        s.sector_size = user_record_luks_sector_size(ur);
        s.discard = user_record_luks_discard(ur);
        s.offline_discard = user_record_luks_offline_discard(ur);
        uuid_text(&ur->luks_uuid, s.luks_uuid);
        uuid_text(&ur->partition_uuid, s.partition_uuid);
        uuid_text(&ur->file_system_uuid, s.file_system_uuid);
        if ((r = dup_str(ur->file_system_type, &s.file_system_type)) < 0 ||
            (r = dup_str(user_record_luks_cipher(ur), &s.cipher)) < 0 ||
            (r = dup_str(user_record_luks_cipher_mode(ur), &s.cipher_mode)) < 0 ||
            (r = dup_str(ur->luks_extra_mount_options, &s.extra_mount_options)) < 0) {
                luks_settings_done(&s);
                return r;
        }
        if (s.volume_key_size < 16 || s.volume_key_size > 128 ||
            s.sector_size < 512 || s.sector_size > 4096 || (s.sector_size & (s.sector_size - 1))) {
                luks_settings_done(&s);
                return -EBADMSG;
        }
        *ret = s;
        return 0;
}

void luks_settings_done(LuksSettings *s) {
        free(s->file_system_type);
        free(s->cipher);
        free(s->cipher_mode);
        free(s->extra_mount_options);
        *s = (LuksSettings) {};
}

static bool have_tool(const char *name) {
        static const char * const dirs[] = { "/usr/sbin", "/sbin", "/usr/bin", "/bin" };
        char p[64];

        for (size_t i = 0; i < ELEMENTSOF(dirs); i++) {
                snprintf(p, sizeof p, "%s/%s", dirs[i], name);
                if (access(p, X_OK) >= 0)
                        return true;
        }
        return false;
}

int luks_file_system_type(const LuksSettings *s, const char **ret) {
        static const char * const types[] = { "ext4", "btrfs", "xfs" };
        char tool[32];

        if (!s->file_system_type) {
                *ret = have_tool("mkfs.btrfs") ? "btrfs" : "ext4";
                return 0;
        }
        for (size_t i = 0; i < ELEMENTSOF(types); i++)
                if (streq(s->file_system_type, types[i])) {
                        snprintf(tool, sizeof tool, "mkfs.%s", types[i]);
                        if (!have_tool(tool))
                                return -EPROTONOSUPPORT;
                        *ret = types[i];
                        return 0;
                }
        return -EPROTONOSUPPORT;
}

int luks_default_disk_size(const LuksSettings *s, const char *dir, uint64_t *ret) {
        struct statvfs sv;

        if (s->disk_size != UINT64_MAX) {
                *ret = s->disk_size;
                return 0;
        }
        if (statvfs(dir, &sv) < 0)
                return -errno;
        *ret = (uint64_t) sv.f_bavail * sv.f_frsize / 100 * 83;
        return 0;
}

uint64_t luks_min_disk_size(const char *fstype) {
        /* 1 MiB GPT, 16 MiB LUKS2 header, then what mkfs needs to make a
         * usable file system of the type. */
        if (streq_ptr(fstype, "btrfs"))
                return UINT64_C(256) << 20;
        if (streq_ptr(fstype, "xfs"))
                return UINT64_C(320) << 20;
        return UINT64_C(48) << 20;
}
