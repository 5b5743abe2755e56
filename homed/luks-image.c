/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <fcntl.h>
#include <libfdisk/libfdisk.h>
#include <linux/fs.h>
#include <linux/loop.h>
#include <stdio.h>
#include <sys/file.h>
#include <sys/ioctl.h>
#include <sys/stat.h>

#include "luks-image.h"
#include "luks-record.h"
#include "macro.h"

#define MIB (UINT64_C(1) << 20)

int luks_image_set_size(int fd, uint64_t size, bool preallocate) {
        struct stat st;

        if (fstat(fd, &st) < 0)
                return -errno;
        if (preallocate && size > (uint64_t) st.st_size &&
            fallocate(fd, 0, st.st_size, (off_t) (size - (uint64_t) st.st_size)) >= 0)
                return 0;
        if (preallocate && size > (uint64_t) st.st_size && errno != EOPNOTSUPP)
                return -errno;
        return RET_NERRNO(ftruncate(fd, (off_t) size));
}

int luks_image_create(const char *path, uint64_t size, bool preallocate, int *ret_fd) {
        _cleanup_close_ int fd = -EBADF;
        int r;

        size &= ~(MIB - 1);
        fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
        if (fd < 0)
                return -errno;
        r = RET_NERRNO(flock(fd, LOCK_EX | LOCK_NB));
        if (r >= 0)
                r = luks_image_set_size(fd, size, preallocate);
        if (r < 0) {
                (void) unlink(path);
                return r;
        }
        *ret_fd = TAKE_FD(fd);
        return 0;
}

static int zero_range(int fd, uint64_t offset, uint64_t length) {
        static const uint8_t zeros[65536];

        while (length > 0) {
                size_t n = length < sizeof zeros ? (size_t) length : sizeof zeros;
                ssize_t k = pwrite(fd, zeros, n, (off_t) offset);
                if (k < 0) {
                        if (errno == EINTR)
                                continue;
                        return -errno;
                }
                offset += (uint64_t) k;
                length -= (uint64_t) k;
        }
        return 0;
}

int luks_image_wipe_header(int fd, uint64_t head) {
        uint64_t size;
        int r;

        r = luks_image_size(fd, &size);
        if (r < 0)
                return r;
        r = zero_range(fd, 0, MIN(head, size));
        if (r >= 0 && size > MIB)
                r = zero_range(fd, size - MIB, MIB);
        if (r >= 0)
                r = RET_NERRNO(fsync(fd));
        return r;
}

int luks_block_device_take(const char *path, int *ret_fd) {
        _cleanup_close_ int fd = open(path, O_RDWR | O_EXCL | O_CLOEXEC | O_NOFOLLOW);
        struct stat st;
        int r;

        if (fd < 0)
                return -errno;
        if (fstat(fd, &st) < 0)
                return -errno;
        if (!S_ISBLK(st.st_mode))
                return -EBADFD;
        if (flock(fd, LOCK_EX | LOCK_NB) < 0)
                return errno == EWOULDBLOCK ? -EADDRINUSE : -errno;
        r = luks_image_wipe_header(fd, 4 * MIB);
        if (r < 0)
                return r;
        *ret_fd = TAKE_FD(fd);
        return 0;
}

void luks_block_device_reread(int fd) {
        (void) ioctl(fd, BLKRRPART);
}

int luks_image_open(const char *path, bool require_lock, int *ret_fd, bool *ret_locked) {
        _cleanup_close_ int fd = open(path, O_RDWR | O_CLOEXEC | O_NOFOLLOW);
        bool locked = true;
        struct stat st;

        if (fd < 0)
                return -errno;
        if (fstat(fd, &st) < 0)
                return -errno;
        if (!S_ISREG(st.st_mode) && !S_ISBLK(st.st_mode))
                return -EBADFD;
        if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
                if (errno != EWOULDBLOCK)
                        return -errno;
                if (require_lock)
                        return -EADDRINUSE;
                locked = false;
        }
        *ret_fd = TAKE_FD(fd);
        if (ret_locked)
                *ret_locked = locked;
        return 0;
}

int luks_image_size(int fd, uint64_t *ret) {
        struct stat st;

        if (fstat(fd, &st) < 0)
                return -errno;
        if (S_ISBLK(st.st_mode))
                return RET_NERRNO(ioctl(fd, BLKGETSIZE64, ret));
        *ret = (uint64_t) st.st_size;
        return 0;
}

static void fdisk_contextp(struct fdisk_context **c) {
        if (*c) {
                (void) fdisk_deassign_device(*c, 1);
                fdisk_unref_context(*c);
        }
}

static void fdisk_partitionp(struct fdisk_partition **p) {
        fdisk_unref_partition(*p);
}

static int open_context(int fd, const char *path, bool readonly, struct fdisk_context **ret) {
        struct fdisk_context *c = fdisk_new_context();
        int r;

        if (!c)
                return -ENOMEM;
        /* libfdisk gets its own descriptor of the same file so that
         * closing it leaves our locked one alone. */
        r = fdisk_assign_device_by_fd(c, fcntl(fd, F_DUPFD_CLOEXEC, 3), path, readonly);
        if (r < 0) {
                fdisk_unref_context(c);
                return r;
        }
        (void) fdisk_disable_dialogs(c, 1);
        *ret = c;
        return 0;
}

int luks_gpt_write(int fd, const char *path, const char *partition_uuid, const char *name,
                   uint64_t *ret_offset, uint64_t *ret_size) {
        _cleanup_(fdisk_contextp) struct fdisk_context *c = NULL;
        _cleanup_(fdisk_partitionp) struct fdisk_partition *pa = NULL;
        struct fdisk_parttype *t;
        uint64_t image_size, part_size;
        int r;

        r = luks_image_size(fd, &image_size);
        if (r < 0)
                return r;
        /* 1 MiB in front for the primary table, 1 MiB behind for the backup. */
        if (image_size < 4 * MIB)
                return -ERANGE;
        part_size = (image_size - 2 * MIB) & ~(UINT64_C(4095));

        r = open_context(fd, path, false, &c);
        if (r < 0)
                return r;
        if (fdisk_get_sector_size(c) != 512 && fdisk_get_sector_size(c) != 4096)
                return -EIO;
        if (fdisk_create_disklabel(c, "gpt") < 0)
                return -EIO;
        t = fdisk_label_get_parttype_from_string(fdisk_get_label(c, NULL), LUKS_HOME_PARTITION_TYPE);
        pa = fdisk_new_partition();
        if (!t || !pa)
                return -ENOMEM;
        if (fdisk_partition_set_type(pa, t) < 0 ||
            fdisk_partition_set_start(pa, LUKS_PARTITION_START / fdisk_get_sector_size(c)) < 0 ||
            fdisk_partition_set_size(pa, part_size / fdisk_get_sector_size(c)) < 0 ||
            fdisk_partition_set_partno(pa, 0) < 0 ||
            fdisk_partition_set_name(pa, name) < 0 ||
            (!isempty(partition_uuid) && fdisk_partition_set_uuid(pa, partition_uuid) < 0))
                return -ENOMEM;
        fdisk_unref_parttype(t);
        if (fdisk_add_partition(c, pa, NULL) < 0 || fdisk_write_disklabel(c) < 0)
                return -EIO;
        if (fsync(fd) < 0)
                return -errno;
        *ret_offset = LUKS_PARTITION_START;
        *ret_size = part_size;
        return 0;
}

int luks_gpt_find(int fd, const char *path, uint64_t *ret_offset, uint64_t *ret_size,
                  char **ret_uuid, char **ret_name) {
        _cleanup_(fdisk_contextp) struct fdisk_context *c = NULL;
        uint64_t image_size;
        int r;

        r = luks_image_size(fd, &image_size);
        if (r < 0)
                return r;
        r = open_context(fd, path, true, &c);
        if (r < 0)
                return r == -ENOMEM ? r : -ENOMEDIUM;
        if (!fdisk_has_label(c) || !fdisk_is_label(c, GPT))
                return -ENOMEDIUM;
        for (size_t i = 0; i < fdisk_get_npartitions(c); i++) {
                _cleanup_(fdisk_partitionp) struct fdisk_partition *pa = NULL;
                struct fdisk_parttype *t;
                uint64_t ss = fdisk_get_sector_size(c), start, size;
                const char *u, *n;

                if (fdisk_get_partition(c, i, &pa) < 0 || !fdisk_partition_is_used(pa))
                        continue;
                t = fdisk_partition_get_type(pa);
                if (!t || strcasecmp(fdisk_parttype_get_string(t) ?: "", LUKS_HOME_PARTITION_TYPE) != 0)
                        continue;
                if (!fdisk_partition_has_start(pa) || !fdisk_partition_has_size(pa))
                        return -ENOMEDIUM;
                start = fdisk_partition_get_start(pa) * ss;
                size = fdisk_partition_get_size(pa) * ss;
                if (start + size < start || start + size > image_size)
                        return -ENOMEDIUM;      /* a partition beyond the end: a truncated image */
                u = fdisk_partition_get_uuid(pa);
                n = fdisk_partition_get_name(pa);
                if (ret_uuid && !(*ret_uuid = strdup(u ?: "")))
                        return -ENOMEM;
                if (ret_name && !(*ret_name = strdup(n ?: ""))) {
                        if (ret_uuid) {
                                free(*ret_uuid);
                                *ret_uuid = NULL;
                        }
                        return -ENOMEM;
                }
                *ret_offset = start;
                *ret_size = size;
                return 0;
        }
        return -ENOMEDIUM;
}

int luks_loop_attach(int fd, uint64_t offset, uint64_t size, int *ret_loop_fd, char **ret_path) {
        _cleanup_close_ int ctl = open("/dev/loop-control", O_RDWR | O_CLOEXEC);
        struct loop_config cfg = {
                .fd = (uint32_t) fd,
                .info = {
                        .lo_offset = offset,
                        .lo_sizelimit = size,
                        .lo_flags = LO_FLAGS_AUTOCLEAR,
                },
        };

        if (ctl < 0)
                return errno == ENOENT ? -ENODEV : -errno;
        /* Another process may take the free device first: try again. */
        for (unsigned attempt = 0; attempt < 64; attempt++) {
                _cleanup_close_ int lfd = -EBADF;
                char path[32];
                int nr = ioctl(ctl, LOOP_CTL_GET_FREE);

                if (nr < 0)
                        return -errno;
                snprintf(path, sizeof path, "/dev/loop%d", nr);
                lfd = open(path, O_RDWR | O_CLOEXEC);
                if (lfd < 0) {
                        if (errno == ENOENT)
                                continue;
                        return -errno;
                }
                if (ioctl(lfd, LOOP_CONFIGURE, &cfg) < 0) {
                        if (errno == EBUSY)
                                continue;
                        return -errno;
                }
                if (!(*ret_path = strdup(path))) {
                        (void) ioctl(lfd, LOOP_CLR_FD);
                        return -ENOMEM;
                }
                *ret_loop_fd = TAKE_FD(lfd);
                return 0;
        }
        return -EBUSY;
}

int luks_loop_set_size(int loop_fd, uint64_t offset, uint64_t size) {
        struct loop_info64 info;

        if (ioctl(loop_fd, LOOP_GET_STATUS64, &info) < 0)
                return -errno;
        info.lo_offset = offset;
        info.lo_sizelimit = size;
        return RET_NERRNO(ioctl(loop_fd, LOOP_SET_STATUS64, &info));
}
