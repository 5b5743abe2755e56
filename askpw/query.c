/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <unistd.h>

#include "askpw-util.h"
#include "askpw.h"

static int tty_path(const AskpwRequest *req, AskpwFlags flags, char ***ret) {
        _cleanup_close_ int own = -EBADF;
        _cleanup_erase_free_ char *pw = NULL;
        _cleanup_strv_free_erase_ char **l = NULL;
        char name[PATH_MAX];
        int fd = req->tty_fd, r;

        if (fd < 0) {
                /* stdin may be open read-only; the prompt needs to write. */
                if (ttyname_r(STDIN_FILENO, name, sizeof(name)) == 0)
                        own = open(name, O_RDWR | O_NOCTTY | O_CLOEXEC);
                fd = own >= 0 ? own : STDIN_FILENO;
        }

        r = askpw_tty_prompt(fd, req->message, req->echo, req->until == UINT64_MAX ? 0 : req->until,
                             req->hup_fd, &pw);
        if (r < 0)
                return r;

        r = askpw_strv_append(&l, pw);
        if (r < 0)
                return r;

        if ((flags & ASKPW_PUSH_CACHE) && !isempty(req->keyname)) {
                _cleanup_free_ char *dir = NULL;
                (void) askpw_directory(flags & ASKPW_USER, &dir);
                (void) askpw_keyring_push(req->keyname, l, dir);
        }

        *ret = TAKE_PTR(l);
        return 0;
}

int askpw_query(const AskpwRequest *req, AskpwFlags flags, char ***ret) {
        int r;

        if (!isempty(req->credential)) {
                r = askpw_credential_read(req->credential, ret);
                if (r >= 0)
                        return 0;
                if (r != -ENXIO && r != -ENOENT)
                        return r;
        }

        if ((flags & ASKPW_ACCEPT_CACHED) && !isempty(req->keyname)) {
                r = askpw_keyring_read(req->keyname, ret);
                if (r >= 0)
                        return 0;
                if (r == -ENOMEM)
                        return r;
        }

        if (!(flags & ASKPW_NO_TTY) && isatty(req->tty_fd >= 0 ? req->tty_fd : STDIN_FILENO))
                return tty_path(req, flags, ret);

        if (flags & ASKPW_NO_AGENT)
                return -EUNATCH;

        return askpw_query_agent(req, flags, ret);
}
