/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "fileio.h"

#include <fcntl.h>
#include <stdint.h>
#include <sys/stat.h>

#include "macro.h"

static int grow(char **buf, size_t *allocated, size_t want, bool secure) {
        char *n;

        if (want <= *allocated)
                return 0;

        /* realloc() could leave a copy of a secret behind in freed memory. */
        if (secure) {
                n = malloc(want);
                if (!n)
                        return -ENOMEM;
                if (*buf) {
                        memcpy(n, *buf, *allocated);
                        erase_and_free(*buf);
                }
        } else {
                n = realloc(*buf, want);
                if (!n)
                        return -ENOMEM;
        }
        *buf = n;
        *allocated = want;
        return 0;
}

int read_full_fd(int fd, size_t max, ReadFullFlags flags, char **ret, size_t *ret_size) {
        bool secure = flags & READ_FULL_SECURE;
        char *buf = NULL;
        size_t n = 0, allocated = 0;
        struct stat st;
        int r;

        if (fstat(fd, &st) < 0)
                return -errno;
        if ((flags & READ_FULL_REGULAR) && !S_ISREG(st.st_mode))
                return -EBADFD;

        /* Size the buffer from the file where we can; one byte more than
         * max lets us notice a file that is too large. */
        size_t want = S_ISREG(st.st_mode) && st.st_size > 0 ? (size_t) MIN((uint64_t) st.st_size, (uint64_t) max) + 1 : 4096;
        want = MIN(want, max + 1);

        for (;;) {
                if (n + 1 >= allocated) {
                        r = grow(&buf, &allocated, allocated == 0 ? want + 1 : MIN(allocated * 2, max + 2), secure);
                        if (r < 0)
                                goto fail;
                }

                ssize_t k = read(fd, buf + n, allocated - n - 1);
                if (k < 0) {
                        if (errno == EINTR)
                                continue;
                        r = -errno;
                        goto fail;
                }
                if (k == 0)
                        break;
                n += (size_t) k;
                if (n > max) {
                        r = -EFBIG;
                        goto fail;
                }
        }

        if (!buf) {
                r = grow(&buf, &allocated, 1, secure);
                if (r < 0)
                        goto fail;
        }
        buf[n] = 0;
        *ret = buf;
        if (ret_size)
                *ret_size = n;
        return 0;

fail:
        if (secure)
                erase_and_free(buf);
        else
                free(buf);
        return r;
}

int read_full_file_at(int dir_fd, const char *path, int extra_open_flags, size_t max,
                      ReadFullFlags flags, char **ret, size_t *ret_size) {
        _cleanup_close_ int fd = -EBADF;

        fd = openat(dir_fd, path, O_RDONLY | O_CLOEXEC | O_NOCTTY | extra_open_flags);
        if (fd < 0)
                return -errno;
        return read_full_fd(fd, max, flags, ret, ret_size);
}

int write_all(int fd, const void *p, size_t n) {
        const char *c = p;

        while (n > 0) {
                ssize_t k = write(fd, c, n);
                if (k < 0) {
                        if (errno == EINTR)
                                continue;
                        return -errno;
                }
                c += k;
                n -= (size_t) k;
        }
        return 0;
}

int write_file_atomic(const char *dir, const char *name, const void *data, size_t size, mode_t mode) {
        _cleanup_free_ char *tmp = NULL;
        _cleanup_close_ int dfd = -EBADF, fd = -EBADF;
        int r;

        dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (dfd < 0)
                return -errno;
        if (asprintf(&tmp, ".#%s.XXXXXX", name) < 0)
                return -ENOMEM;

        /* mkostempsat() does not exist; build the temp name ourselves. */
        for (unsigned attempt = 0;; attempt++) {
                static const char chars[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
                char *x = tmp + strlen(tmp) - 6;
                unsigned char rnd[6];

                if (getentropy(rnd, sizeof rnd) < 0)
                        return -errno;
                for (size_t i = 0; i < 6; i++)
                        x[i] = chars[rnd[i] % (sizeof chars - 1)];

                fd = openat(dfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, mode);
                if (fd >= 0)
                        break;
                if (errno != EEXIST || attempt > 16)
                        return -errno;
        }

        r = RET_NERRNO(fchmod(fd, mode));
        if (r >= 0)
                r = write_all(fd, data, size);
        if (r >= 0)
                r = RET_NERRNO(fsync(fd));
        if (r >= 0)
                r = RET_NERRNO(renameat(dfd, tmp, dfd, name));
        if (r < 0) {
                (void) unlinkat(dfd, tmp, 0);
                return r;
        }
        return RET_NERRNO(fsync(dfd));
}

int mkdir_p(const char *path, mode_t mode) {
        _cleanup_free_ char *p = strdup(path);

        if (!p)
                return -ENOMEM;
        for (char *s = p + 1; *s; s++) {
                if (*s != '/')
                        continue;
                *s = 0;
                if (mkdir(p, 0755) < 0 && errno != EEXIST)
                        return -errno;
                *s = '/';
        }
        if (mkdir(p, mode) < 0 && errno != EEXIST)
                return -errno;
        return 0;
}
