/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "askpw-util.h"
#include "askpw.h"

#define CREDENTIAL_MAX (1024U * 1024U)

int askpw_credential_read(const char *name, char ***ret) {
        _cleanup_erase_free_ char *buf = NULL;
        _cleanup_close_ int dfd = -EBADF, fd = -EBADF;
        const char *dir;
        struct stat st;
        size_t n = 0;

        if (isempty(name) || strchr(name, '/') || streq(name, ".") || streq(name, ".."))
                return -EINVAL;

        dir = getenv("CREDENTIALS_DIRECTORY");
        if (isempty(dir))
                return -ENXIO;

        dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (dfd < 0)
                return -errno;
        fd = openat(dfd, name, O_RDONLY | O_CLOEXEC | O_NOCTTY);
        if (fd < 0)
                return -errno;
        if (fstat(fd, &st) < 0)
                return -errno;
        if (!S_ISREG(st.st_mode))
                return -EBADF;
        if ((uint64_t) st.st_size > CREDENTIAL_MAX)
                return -E2BIG;

        buf = malloc((size_t) st.st_size + 1);
        if (!buf)
                return -ENOMEM;
        while (n < (size_t) st.st_size) {
                ssize_t k = read(fd, buf + n, (size_t) st.st_size - n);
                if (k < 0) {
                        if (errno == EINTR)
                                continue;
                        return -errno;
                }
                if (k == 0)
                        break;
                n += (size_t) k;
        }
        if (n == 0)
                return -EBADMSG;

        return askpw_strv_parse_nulstr(buf, n, ret);
}
