/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "askpw-util.h"
#include "askpw.h"
#include "fileio.h"

#define CREDENTIAL_MAX (1024U * 1024U)

int askpw_credential_read(const char *name, char ***ret) {
        _cleanup_erase_free_ char *buf = NULL;
        _cleanup_close_ int dfd = -EBADF;
        const char *dir;
        size_t n = 0;
        int r;

        if (isempty(name) || strchr(name, '/') || streq(name, ".") || streq(name, ".."))
                return -EINVAL;

        dir = getenv("CREDENTIALS_DIRECTORY");
        if (isempty(dir))
                return -ENXIO;

        dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (dfd < 0)
                return -errno;
        r = read_full_file_at(dfd, name, 0, CREDENTIAL_MAX, READ_FULL_SECURE | READ_FULL_REGULAR, &buf, &n);
        if (r == -EBADFD)
                return -EBADF;
        if (r == -EFBIG)
                return -E2BIG;
        if (r < 0)
                return r;
        if (n == 0)
                return -EBADMSG;

        return askpw_strv_parse_nulstr(buf, n, ret);
}
