/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <fcntl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/xattr.h>

#include "home-mount.h"
#include "macro.h"

int home_is_mounted_from(const char *target, const char *source) {
        struct statx sx;
        struct stat a, b;

        if (statx(AT_FDCWD, target, AT_SYMLINK_NOFOLLOW, STATX_INO, &sx) < 0)
                return errno == ENOENT || errno == ENOTDIR ? 0 : -errno;
        if (!(sx.stx_attributes_mask & STATX_ATTR_MOUNT_ROOT))
                return -EOPNOTSUPP;
        if (!(sx.stx_attributes & STATX_ATTR_MOUNT_ROOT))
                return 0;
        if (stat(target, &a) < 0 || stat(source, &b) < 0)
                return errno == ENOENT ? 0 : -errno;
        return a.st_dev == b.st_dev && a.st_ino == b.st_ino;
}

static int is_mount_point(const char *path) {
        struct statx sx;

        if (statx(AT_FDCWD, path, AT_SYMLINK_NOFOLLOW, 0, &sx) < 0)
                return -errno;
        return !!(sx.stx_attributes & STATX_ATTR_MOUNT_ROOT);
}

int home_mount_bind(const char *source, const char *target, const HomeRecord *h, bool *ret_created) {
        unsigned long flags = MS_BIND | MS_REMOUNT;
        bool created = false;
        int r;

        if (mkdir(target, 0755) >= 0)
                created = true;
        else if (errno != EEXIST)
                return -errno;
        r = is_mount_point(target);
        if (r != 0) {
                r = r < 0 ? r : -EBUSY;
                goto fail;
        }
        if (mount(source, target, NULL, MS_BIND, NULL) < 0) {
                r = -errno;
                goto fail;
        }
        if (home_record_mount_nodev(h))
                flags |= MS_NODEV;
        if (home_record_mount_nosuid(h))
                flags |= MS_NOSUID;
        if (home_record_mount_noexec(h))
                flags |= MS_NOEXEC;
        if (mount(NULL, target, NULL, flags, NULL) < 0) {
                r = -errno;
                (void) umount2(target, MNT_DETACH);
                goto fail;
        }
        if (ret_created)
                *ret_created = created;
        return 0;
fail:
        if (created)
                (void) rmdir(target);
        return r;
}

int home_umount(const char *target, bool force) {
        if (umount2(target, UMOUNT_NOFOLLOW) >= 0)
                return 0;
        if (errno == EBUSY && force)
                return RET_NERRNO(umount2(target, MNT_DETACH | UMOUNT_NOFOLLOW));
        return -errno;
}

/* A block device node (a LUKS home on /dev/...) cannot carry user
 * xattrs: such homes have no marker, their state comes from the
 * backend's mapping alone. */
static bool dirty_unsupported(const char *image_path) {
        return strncmp(image_path, "/dev/", 5) == 0;
}

int home_dirty_get(const char *marker, const char *image_path) {
        char v[8];
        struct stat st;

        if (marker)
                return fstatat(AT_FDCWD, marker, &st, AT_SYMLINK_NOFOLLOW) >= 0 ? 1 : errno == ENOENT ? 0 : -errno;
        if (dirty_unsupported(image_path))
                return 0;
        if (lgetxattr(image_path, HOME_DIRTY_XATTR, v, sizeof v) >= 0)
                return 1;
        return errno == ENODATA ? 0 : -errno;
}

int home_dirty_set(const char *marker, const char *image_path) {
        if (marker) {
                int fd = open(marker, O_WRONLY | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
                if (fd < 0)
                        return -errno;
                close(fd);
                return 0;
        }
        if (dirty_unsupported(image_path))
                return 0;
        return RET_NERRNO(lsetxattr(image_path, HOME_DIRTY_XATTR, "1", 1, 0));
}

int home_dirty_clear(const char *marker, const char *image_path) {
        if (marker)
                return unlink(marker) >= 0 || errno == ENOENT ? 0 : -errno;
        if (dirty_unsupported(image_path))
                return 0;
        if (lremovexattr(image_path, HOME_DIRTY_XATTR) >= 0 || errno == ENODATA)
                return 0;
        return -errno;
}
