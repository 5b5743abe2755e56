/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "askpw.h"
#include "macro.h"

#define ASKPW_SYSTEM_DIR "/run/systemd/ask-password"

static const char *askpw_echo_table[_ASKPW_ECHO_MAX] = {
        [ASKPW_ECHO_MASKED] = "masked",
        [ASKPW_ECHO_ON] = "on",
        [ASKPW_ECHO_OFF] = "off",
};

const char *askpw_echo_to_string(AskpwEcho e) {
        if (e < 0 || e >= _ASKPW_ECHO_MAX)
                return NULL;
        return askpw_echo_table[e];
}

AskpwEcho askpw_echo_from_string(const char *s) {
        static const char *const yes[] = { "yes", "true", "1" };
        static const char *const no[] = { "no", "false", "0" };

        if (!s)
                return _ASKPW_ECHO_INVALID;
        for (int e = 0; e < _ASKPW_ECHO_MAX; e++)
                if (streq(s, askpw_echo_table[e]))
                        return e;
        for (size_t i = 0; i < ELEMENTSOF(yes); i++)
                if (streq(s, yes[i]))
                        return ASKPW_ECHO_ON;
        for (size_t i = 0; i < ELEMENTSOF(no); i++)
                if (streq(s, no[i]))
                        return ASKPW_ECHO_OFF;
        return _ASKPW_ECHO_INVALID;
}

int askpw_directory(bool user, char **ret) {
        const char *e;
        char *p;

        if (!user) {
                e = getenv("HEARTH_ASK_PASSWORD_DIR");
                p = strdup(!isempty(e) ? e : ASKPW_SYSTEM_DIR);
        } else {
                e = getenv("HEARTH_ASK_PASSWORD_USER_DIR");
                if (!isempty(e))
                        p = strdup(e);
                else {
                        e = getenv("XDG_RUNTIME_DIR");
                        if (isempty(e) || e[0] != '/')
                                return -ENXIO;
                        if (asprintf(&p, "%s/systemd/ask-password", e) < 0)
                                p = NULL;
                }
        }
        if (!p)
                return -ENOMEM;
        *ret = p;
        return 0;
}

static int mkdir_parents_and_self(char *path, mode_t mode) {
        /* Walks the path once, creating each missing component. */
        for (char *s = path + 1;; s++) {
                if (*s != '/' && *s != 0)
                        continue;
                char saved = *s;
                *s = 0;
                if (mkdir(path, mode) < 0 && errno != EEXIST) {
                        int r = -errno;
                        *s = saved;
                        return r;
                }
                *s = saved;
                if (saved == 0)
                        return 0;
        }
}

int askpw_directory_make(bool user, char **ret) {
        _cleanup_free_ char *p = NULL;
        struct stat st;
        int r;

        r = askpw_directory(user, &p);
        if (r < 0)
                return r;
        if (p[0] != '/')
                return -EINVAL;
        r = mkdir_parents_and_self(p, 0755);
        if (r < 0)
                return r;
        if (stat(p, &st) < 0)
                return -errno;
        if (!S_ISDIR(st.st_mode))
                return -ENOTDIR;
        *ret = TAKE_PTR(p);
        return 0;
}
