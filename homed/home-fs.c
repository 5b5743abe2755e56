/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <fcntl.h>
#include <ftw.h>
#include <sys/stat.h>

#include "fileio.h"
#include "home-fs.h"
#include "macro.h"

/* nftw() has no user pointer: the callbacks below run one walk at a time
 * in this single-threaded worker and read their parameters from here. */
static struct {
        int error;
        uid_t old_uid, uid;
        gid_t old_gid, gid;
        uint64_t usage;
} walk;

static int rm_one(const char *path, const struct stat *st, int type, struct FTW *ftw) {
        int r = type == FTW_DP ? rmdir(path) : unlink(path);
        if (r < 0 && errno != ENOENT && walk.error == 0)
                walk.error = -errno;
        return 0;
}

int home_rm_rf(const char *path) {
        struct stat st;

        if (lstat(path, &st) < 0)
                return errno == ENOENT ? 0 : -errno;
        if (!S_ISDIR(st.st_mode))
                return RET_NERRNO(unlink(path));
        walk.error = 0;
        if (nftw(path, rm_one, 32, FTW_DEPTH | FTW_PHYS | FTW_MOUNT) < 0)
                return -errno;
        return walk.error;
}

static int copy_file(int sfd, int dfd, const char *name, const struct stat *st, uid_t uid, gid_t gid) {
        _cleanup_close_ int in = -EBADF, out = -EBADF;
        char buf[65536];
        ssize_t n;

        in = openat(sfd, name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
        if (in < 0)
                return -errno;
        out = openat(dfd, name, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, st->st_mode & 07777);
        if (out < 0)
                return errno == EEXIST ? 0 : -errno;
        while ((n = read(in, buf, sizeof buf)) > 0) {
                int r = write_all(out, buf, (size_t) n);
                if (r < 0)
                        return r;
        }
        if (n < 0)
                return -errno;
        if (fchown(out, uid, gid) < 0 || fchmod(out, st->st_mode & 07777) < 0)
                return -errno;
        return 0;
}

static int copy_dir(int sfd, int dfd, uid_t uid, gid_t gid, unsigned depth) {
        _cleanup_closedir_ DIR *d = NULL;
        struct dirent *de;
        int dup_fd, r;

        if (depth > 64)
                return -ELOOP;
        dup_fd = fcntl(sfd, F_DUPFD_CLOEXEC, 3);
        if (dup_fd < 0)
                return -errno;
        d = fdopendir(dup_fd);
        if (!d) {
                r = -errno;
                close(dup_fd);
                return r;
        }
        while ((errno = 0, de = readdir(d))) {
                struct stat st;

                if (streq(de->d_name, ".") || streq(de->d_name, ".."))
                        continue;
                if (fstatat(sfd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0)
                        return -errno;
                if (S_ISREG(st.st_mode))
                        r = copy_file(sfd, dfd, de->d_name, &st, uid, gid);
                else if (S_ISLNK(st.st_mode)) {
                        char target[PATH_MAX];
                        ssize_t n = readlinkat(sfd, de->d_name, target, sizeof target - 1);
                        if (n < 0)
                                return -errno;
                        target[n] = 0;
                        r = 0;
                        if (symlinkat(target, dfd, de->d_name) < 0)
                                r = errno == EEXIST ? 0 : -errno;
                        else if (fchownat(dfd, de->d_name, uid, gid, AT_SYMLINK_NOFOLLOW) < 0)
                                r = -errno;
                } else if (S_ISDIR(st.st_mode)) {
                        _cleanup_close_ int s2 = -EBADF, d2 = -EBADF;
                        if (mkdirat(dfd, de->d_name, 0700) < 0 && errno != EEXIST)
                                return -errno;
                        s2 = openat(sfd, de->d_name, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
                        d2 = openat(dfd, de->d_name, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
                        if (s2 < 0 || d2 < 0)
                                return -errno;
                        r = copy_dir(s2, d2, uid, gid, depth + 1);
                        if (r >= 0 && (fchown(d2, uid, gid) < 0 || fchmod(d2, st.st_mode & 07777) < 0))
                                r = -errno;
                } else
                        r = 0;          /* devices, fifos, sockets do not belong in a skeleton */
                if (r < 0)
                        return r;
        }
        return errno > 0 ? -errno : 0;
}

int home_copy_skeleton(const char *skel, int dst_fd, uid_t uid, gid_t gid) {
        _cleanup_close_ int sfd = open(skel, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

        if (sfd < 0)
                return errno == ENOENT ? 0 : -errno;
        return copy_dir(sfd, dst_fd, uid, gid, 0);
}

static int chown_one(const char *path, const struct stat *st, int type, struct FTW *ftw) {
        uid_t u = st->st_uid == walk.old_uid ? walk.uid : st->st_uid;
        gid_t g = st->st_gid == walk.old_gid ? walk.gid : st->st_gid;

        if (type == FTW_NS || (u == st->st_uid && g == st->st_gid))
                return 0;
        if (lchown(path, u, g) < 0) {
                walk.error = -errno;
                return 1;
        }
        /* chown clears set-id bits; restore them for directories we own */
        if (!S_ISLNK(st->st_mode) && (st->st_mode & 06000) && chmod(path, st->st_mode & 07777) < 0) {
                walk.error = -errno;
                return 1;
        }
        return 0;
}

int home_chown_tree(const char *path, uid_t old_uid, gid_t old_gid, uid_t uid, gid_t gid) {
        walk.error = 0;
        walk.old_uid = old_uid;
        walk.old_gid = old_gid;
        walk.uid = uid;
        walk.gid = gid;
        if (nftw(path, chown_one, 32, FTW_PHYS | FTW_MOUNT) < 0 && walk.error == 0)
                return -errno;
        return walk.error;
}

static int usage_one(const char *path, const struct stat *st, int type, struct FTW *ftw) {
        if (type != FTW_NS)
                walk.usage += (uint64_t) st->st_blocks * 512;
        return 0;
}

int home_disk_usage(const char *path, uint64_t *ret) {
        walk.usage = 0;
        if (nftw(path, usage_one, 32, FTW_PHYS | FTW_MOUNT) < 0)
                return -errno;
        *ret = walk.usage;
        return 0;
}
