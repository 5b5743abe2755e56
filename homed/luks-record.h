/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* The LUKS-specific settings of a record (user-record.md "Storage"), with
 * perMachine and binding of this machine applied and one getter each for
 * the default, read through the typed record library. */

#include <stdbool.h>
#include <stdint.h>

#include "home-record.h"

#define LUKS_HOME_PARTITION_TYPE "773f91ef-66d4-49b5-bd83-d683bf40ad16"

typedef struct LuksSettings {
        uint64_t disk_size;             /* UINT64_MAX = unset: a share of the free space */
        char *file_system_type;         /* NULL = unset */
        char *cipher, *cipher_mode;
        uint64_t volume_key_size;       /* bytes */
        uint64_t sector_size;
        char luks_uuid[37], partition_uuid[37], file_system_uuid[37];  /* "" = random */
        char *extra_mount_options;      /* NULL = none */
        bool discard;                   /* online: dm passes discards, fs mounted with "discard" */
        bool offline_discard;           /* FITRIM on deactivation, image files stay sparse */
} LuksSettings;

/* Fills s from h (the record JSON is loaded once more through
 * records/user-record.h). Returns 0, -EBADMSG (a field is invalid),
 * -ENOMEM. */
int luks_settings_load(const HomeRecord *h, LuksSettings *ret);
void luks_settings_done(LuksSettings *s);

/* fileSystemType as given; unset: btrfs when mkfs.btrfs exists, else
 * ext4 (the default of this build where btrfs-progs are absent).
 * Returns 0 and a static string, or -EPROTONOSUPPORT (unknown type, or
 * its mkfs tool is missing). */
int luks_file_system_type(const LuksSettings *s, const char **ret);

/* The size for a new image: diskSize if set, else 83% of the free space
 * of the file system holding dir. Clamped to nothing: the caller checks
 * limits. Returns 0, -errno from statvfs. */
int luks_default_disk_size(const LuksSettings *s, const char *dir, uint64_t *ret);

/* Smallest image that holds the LUKS header and a file system of the
 * type, and the largest accepted (5 TiB, as homed clamps). */
uint64_t luks_min_disk_size(const char *fstype);
#define LUKS_MAX_DISK_SIZE (UINT64_C(5) << 40)
