/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Reading and writing whole files, with the size caps and atomicity
 * every layer wants. */

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

typedef enum ReadFullFlags {
        READ_FULL_SECURE   = 1 << 0,  /* buffer is wiped when freed on error and grown without leaving copies */
        READ_FULL_REGULAR  = 1 << 1,  /* refuse anything but a regular file (-EBADFD) */
} ReadFullFlags;

/* Reads fd to its end into a NUL-terminated buffer of at most max bytes.
 * Returns 0, or: -EFBIG when there is more than max, -EBADFD (READ_FULL_REGULAR
 * and not a regular file), -ENOMEM, or the read error. With READ_FULL_SECURE
 * the caller must release the buffer with erase_and_free(). */
int read_full_fd(int fd, size_t max, ReadFullFlags flags, char **ret, size_t *ret_size);

/* Opens path relative to dir_fd (AT_FDCWD for a plain path) with
 * O_RDONLY|O_CLOEXEC|O_NOCTTY plus extra_open_flags (e.g. O_NOFOLLOW),
 * then read_full_fd(). Returns the open error or read_full_fd()'s. */
int read_full_file_at(int dir_fd, const char *path, int extra_open_flags, size_t max,
                      ReadFullFlags flags, char **ret, size_t *ret_size);

/* Writes all of p, retrying on EINTR and short writes. */
int write_all(int fd, const void *p, size_t n);

/* Replaces dir/name with data so that a crash at any point leaves the old
 * or the new content, never a mix: temp file in the same directory, fsync,
 * rename, fsync of the directory. Returns 0 or a negative errno from any
 * step (the temp file is removed on failure). */
int write_file_atomic(const char *dir, const char *name, const void *data, size_t size, mode_t mode);

/* mkdir -p; the last component gets mode, parents 0755. */
int mkdir_p(const char *path, mode_t mode);
