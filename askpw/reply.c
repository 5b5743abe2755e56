/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "askpw-util.h"
#include "askpw.h"

int askpw_reply_parse(const void *buf, size_t size, char ***ret) {
        const char *p = buf;

        if (size < 1)
                return -EBADMSG;

        if (p[0] == '-')
                return size == 1 ? -ECANCELED : -EBADMSG;
        if (p[0] != '+')
                return -EBADMSG;

        if (size == 1) {
                /* A bare "+" is an empty password, not an empty list. */
                char **l = calloc(2, sizeof(char *));
                if (!l)
                        return -ENOMEM;
                l[0] = strdup("");
                if (!l[0]) {
                        free(l);
                        return -ENOMEM;
                }
                *ret = l;
                return 0;
        }

        char **l = NULL;
        int r = askpw_strv_parse_nulstr(p + 1, size - 1, &l);
        if (r < 0)
                return r;
        if (strv_length(l) == 0) {
                strv_free_erase(l);
                return -EBADMSG;
        }
        *ret = l;
        return 0;
}

int askpw_reply_format(char * const *passwords, char **ret, size_t *ret_size) {
        size_t n = 1;
        char *buf, *p;

        if (strv_length(passwords) == 0) {
                buf = strdup("-");
                if (!buf)
                        return -ENOMEM;
                *ret = buf;
                *ret_size = 1;
                return 0;
        }

        for (char * const *i = passwords; *i; i++)
                n += strlen(*i) + (i != passwords);

        buf = malloc(n + 1);
        if (!buf)
                return -ENOMEM;
        p = buf;
        *p++ = '+';
        for (char * const *i = passwords; *i; i++) {
                size_t k = strlen(*i);
                if (i != passwords)
                        *p++ = 0;
                memcpy(p, *i, k);
                p += k;
        }
        *p = 0;
        *ret = buf;
        *ret_size = n;
        return 0;
}
