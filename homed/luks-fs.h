/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* The file system inside a LUKS home: made with the distribution's mkfs
 * tools (as systemd-homed does), mounted without fsck, grown and shrunk
 * with the file system's own tools. Tools run with stdout sent to
 * stderr, so the worker's reply channel stays clean. */

#include <stdint.h>

#include "home-record.h"

/* Runs argv[0] (searched in PATH) and waits. Returns 0, -ENOENT (no such
 * tool), -EPROTO (it exited non-zero or died), -errno. */
int luks_run_tool(char * const *argv);

/* mkfs.<fstype> on device with label and UUID ("" = random).
 * Returns 0, -EPROTONOSUPPORT (unknown type), as luks_run_tool(). */
int luks_fs_make(const char *fstype, const char *device, const char *label, const char *uuid);

/* Mounts device at where (created 0700) with the record's
 * nodev/nosuid/noexec and luksExtraMountOptions (noatime, relatime,
 * nodiratime, lazytime become flags, the rest is file system data).
 * Returns 0, -errno from mount(2). */
int luks_fs_mount(const char *device, const char *where, const char *fstype, const HomeRecord *h,
                  const char *extra_options);

/* Grows the mounted file system at where (device under it) to fill its
 * device, or shrinks it to size bytes (btrfs only, online).
 * Returns 0, -ETXTBSY (this file system cannot shrink online), as
 * luks_run_tool(). */
int luks_fs_grow(const char *fstype, const char *device, const char *where);
int luks_fs_shrink(const char *fstype, const char *where, uint64_t size);

/* The type of the file system on an unmounted device, read from its
 * superblock: "ext4" (any ext2/3/4), "btrfs", "xfs". Returns 0 and a
 * static string, -ENOMEDIUM (none of these), -errno. For ext4 the block
 * size is returned too (ret_block_size may be NULL; 0 for the others). */
int luks_fs_probe(const char *device, const char **ret_type, uint64_t *ret_block_size);

/* Offline ext4: e2fsck -f -p (resize2fs wants a freshly checked file
 * system), the smallest size resize2fs -P reports (bytes), and resize2fs
 * to size bytes (0 = fill the device). Return 0, -EUCLEAN (fsck found
 * errors it could not fix), -EBADMSG (unexpected tool output), as
 * luks_run_tool(). */
int luks_fs_ext4_check(const char *device);
int luks_fs_ext4_min_size(const char *device, uint64_t block_size, uint64_t *ret);
int luks_fs_ext4_resize(const char *device, uint64_t size);

/* FITRIM over the whole mounted file system at where: freed blocks are
 * discarded down to the image (holes punched in a loopback file).
 * Returns 0, -EOPNOTSUPP (the device does not pass discards), -errno. */
int luks_fs_trim(const char *where);
