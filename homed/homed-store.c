/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* The registry on disk: one <user>.identity per home. A record is never
 * torn: write_file_atomic() writes a temporary file in the same
 * directory, syncs it, renames it over the old one and syncs the
 * directory, so a crash at any point leaves either the old or the new
 * file (plus perhaps a .# temporary, removed at the next start). */

#include <fcntl.h>
#include <sys/stat.h>

#include "homed-manager.h"
#include "json-canonical.h"
#include "macro.h"

int store_write(const char *dir, const char *user_name, json_object *v) {
        _cleanup_free_ char *text = NULL, *name = NULL;
        size_t size;
        int r;

        r = json_pretty_format(v, &text, &size);
        if (r < 0)
                return r;
        if (asprintf(&name, "%s.identity", user_name) < 0)
                return -ENOMEM;
        return write_file_atomic(dir, name, text, size, 0600);
}

int store_remove(const char *dir, const char *user_name) {
        _cleanup_free_ char *path = NULL;

        if (asprintf(&path, "%s/%s.identity", dir, user_name) < 0)
                return -ENOMEM;
        if (unlink(path) < 0 && errno != ENOENT)
                return -errno;
        /* The removal must be on disk before the storage goes. */
        _cleanup_close_ int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0)
                return -errno;
        return fsync(fd) < 0 ? -errno : 0;
}

int store_read(const char *dir, const char *file_name, json_object **ret) {
        _cleanup_free_ char *path = NULL, *buf = NULL;
        size_t n = 0;
        int r;

        if (asprintf(&path, "%s/%s", dir, file_name) < 0)
                return -ENOMEM;
        r = read_full_file_at(AT_FDCWD, path, O_NOFOLLOW, RECORD_JSON_SIZE_MAX_DEFAULT, READ_FULL_REGULAR, &buf, &n);
        if (r < 0)
                return r;
        return record_json_parse(buf, n, 0, ret, NULL);
}
