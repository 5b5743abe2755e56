/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* File tree helpers for populating and removing homes. None follows
 * symlinks and none crosses into other file systems. */

#include <stdint.h>
#include <sys/types.h>

/* Removes path and everything below it (also no-key names of a locked
 * fscrypt directory). A missing path is not an error.
 * Returns 0, -errno of the first failure. */
int home_rm_rf(const char *path);

/* Copies the tree below skel (regular files, directories, symlinks;
 * modes kept, other file types skipped) into the directory dst_fd, owned
 * by uid:gid. Existing entries are left alone. A missing skel is not an
 * error. Returns 0, -errno. */
int home_copy_skeleton(const char *skel, int dst_fd, uid_t uid, gid_t gid);

/* Moves ownership below and including path from old_uid/old_gid to
 * uid/gid (entries owned by anyone else are kept). Returns 0, -errno. */
int home_chown_tree(const char *path, uid_t old_uid, gid_t old_gid, uid_t uid, gid_t gid);

/* Bytes allocated below and including path. Returns 0, -errno. */
int home_disk_usage(const char *path, uint64_t *ret);
