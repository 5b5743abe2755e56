/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Exposing a home at its homeDirectory, and the "dirty" marker that lets
 * an interrupted activation be found on the next start. */

#include <stdbool.h>

#include "home-record.h"

#define HOME_DIRTY_XATTR "user.home-dirty"

/* Bind-mounts source onto target (created as an empty root-owned 0755
 * directory if missing; *ret_created says so) and applies the record's
 * nodev/nosuid/noexec. On failure nothing stays mounted.
 * Returns 0, -EBUSY (target already a mount point), -errno. */
int home_mount_bind(const char *source, const char *target, const HomeRecord *h, bool *ret_created);

/* Unmounts target. Busy: -EBUSY, unless force, which detaches lazily.
 * Returns 0, -EBUSY, -EINVAL (not mounted), -errno. */
int home_umount(const char *target, bool force);

/* 1 if target is a mount point showing source (same inode), else 0;
 * -errno only for errors other than a missing path. */
int home_is_mounted_from(const char *target, const char *source);

/* The dirty marker: the file `marker` when given, else (a worker run
 * without a daemon) the user.home-dirty xattr on the image. What the
 * marker guards (mounts, device mappings, keys in the kernel) does not
 * outlive a reboot, so the daemon keeps its markers in its runtime
 * directory, where setting one costs no write to the home's file system.
 * get: 1 set, 0 not; set/clear: 0. All return -errno on failure (clear of
 * an absent marker is not one). */
int home_dirty_get(const char *marker, const char *image_path);
int home_dirty_set(const char *marker, const char *image_path);
int home_dirty_clear(const char *marker, const char *image_path);
