/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* The container of a LUKS home: an image file (or block device) with a
 * GPT holding one partition of the home type, a BSD lock on it so two
 * users of the image exclude each other, and a loop device over the
 * partition. The loop device is attached with autoclear and keeps the
 * locked open file, so the lock lasts exactly as long as the home is up. */

#include <stdbool.h>
#include <stdint.h>

#define LUKS_PARTITION_START (UINT64_C(1) << 20)

/* Creates image (must not exist: -EEXIST) as a file of size bytes
 * (rounded down to 1 MiB), locked; sparse, or allocated up front when
 * preallocate is set. Returns 0 and the open fd, -ENOSPC, -errno. */
int luks_image_create(const char *path, uint64_t size, bool preallocate, int *ret_fd);

/* Sets the size of an image file: shrinking cuts, growing extends
 * (allocated with preallocate, else sparse). A file system without
 * fallocate leaves the file sparse. Returns 0, -ENOSPC, -errno. */
int luks_image_set_size(int fd, uint64_t size, bool preallocate);

/* Takes over a block device for a new home: opened exclusively (so a
 * mounted device, one with partitions in use or held by dm/loop is
 * refused: -EBUSY), locked, and the signatures at both ends (old
 * partition tables, LUKS and file system superblocks) zeroed.
 * Returns 0 and the fd, -EBADFD (not a block device), -errno. */
int luks_block_device_take(const char *path, int *ret_fd);

/* Zeroes [0, head) and the last MiB of an image (file or device): the
 * GPT copies and the LUKS header go, the home is unreadable for good. */
int luks_image_wipe_header(int fd, uint64_t head);

/* Asks the kernel to re-read the partition table of a block device
 * (best effort: its partition nodes appear for tools like lsblk). */
void luks_block_device_reread(int fd);

/* Opens an existing image (file or block device) read-write and takes
 * the lock. Returns 0 and the fd, -ENOENT, -EBADFD (neither a regular
 * file nor a block device), -EADDRINUSE (locked: in use elsewhere, only
 * with require_lock), -errno. Without require_lock a held lock is not an
 * error; *ret_locked (may be NULL) says whether this call holds it. */
int luks_image_open(const char *path, bool require_lock, int *ret_fd, bool *ret_locked);

/* Size in bytes of a file or block device. */
int luks_image_size(int fd, uint64_t *ret);

/* Writes a fresh GPT over the whole image: one partition at 1 MiB up to
 * the end (4 KiB aligned) of type LUKS_HOME_PARTITION_TYPE with the given
 * UUID ("" = random) and name. Returns 0 and the partition's byte offset
 * and size, -ERANGE (image too small), -EIO (libfdisk failed), -errno. */
int luks_gpt_write(int fd, const char *path, const char *partition_uuid, const char *name,
                   uint64_t *ret_offset, uint64_t *ret_size);

/* Finds the home partition. Returns 0, -ENOMEDIUM (no GPT or no home
 * partition: not a home image, or a damaged one), -errno. The partition
 * UUID and name are returned when the pointers are non-NULL (malloc'd). */
int luks_gpt_find(int fd, const char *path, uint64_t *ret_offset, uint64_t *ret_size,
                  char **ret_uuid, char **ret_name);

/* Attaches a loop device (autoclear) over [offset, offset+size) of fd.
 * Returns 0, the loop's fd and /dev/loopN path (malloc'd), -ENODEV (no
 * loop support), -errno. */
int luks_loop_attach(int fd, uint64_t offset, uint64_t size, int *ret_loop_fd, char **ret_path);

/* Changes the size of an attached loop device (after the image grew). */
int luks_loop_set_size(int loop_fd, uint64_t offset, uint64_t size);
