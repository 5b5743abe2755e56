/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>
#include <time.h>

#include "askpw-util.h"

uint64_t askpw_now_usec(void) {
        struct timespec ts;

        (void) clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t) ts.tv_sec * USEC_PER_SEC + (uint64_t) ts.tv_nsec / 1000U;
}

int askpw_random_u64(uint64_t *ret) {
        uint64_t v;
        ssize_t n;

        n = getrandom(&v, sizeof(v), 0);
        if (n < 0)
                return -errno;
        if ((size_t) n != sizeof(v))
                return -EIO;
        *ret = v;
        return 0;
}

uint64_t askpw_usec_add(uint64_t a, uint64_t b) {
        if (a > UINT64_MAX - b)
                return UINT64_MAX;
        return a + b;
}

int askpw_strv_append_n(char ***l, const char *s, size_t n) {
        size_t k = strv_length(*l);
        char **nl, *c;

        c = malloc(n + 1);
        if (!c)
                return -ENOMEM;
        memcpy(c, s, n);
        c[n] = 0;

        /* No realloc(): it could leave a copy of the old pointer array
         * behind, and the strings themselves are not moved, so only the
         * array needs care. */
        nl = malloc(sizeof(char *) * (k + 2));
        if (!nl) {
                erase_and_free(c);
                return -ENOMEM;
        }
        if (k > 0)
                memcpy(nl, *l, sizeof(char *) * k);
        nl[k] = c;
        nl[k + 1] = NULL;
        free(*l);
        *l = nl;
        return 0;
}

int askpw_strv_append(char ***l, const char *s) {
        return askpw_strv_append_n(l, s, strlen(s));
}

bool askpw_strv_contains(char * const *l, const char *s) {
        for (char * const *i = l; i && *i; i++)
                if (streq(*i, s))
                        return true;
        return false;
}

int askpw_strv_copy(char * const *l, char ***ret) {
        _cleanup_strv_free_erase_ char **c = NULL;
        int r;

        c = calloc(1, sizeof(char *));
        if (!c)
                return -ENOMEM;
        for (char * const *i = l; i && *i; i++) {
                r = askpw_strv_append(&c, *i);
                if (r < 0)
                        return r;
        }
        *ret = TAKE_PTR(c);
        return 0;
}

int askpw_strv_parse_nulstr(const char *buf, size_t size, char ***ret) {
        _cleanup_strv_free_erase_ char **l = NULL;
        size_t i = 0;
        int r;

        l = calloc(1, sizeof(char *));
        if (!l)
                return -ENOMEM;

        while (i < size) {
                const char *e = memchr(buf + i, 0, size - i);
                size_t n = e ? (size_t) (e - (buf + i)) : size - i;

                r = askpw_strv_append_n(&l, buf + i, n);
                if (r < 0)
                        return r;
                i += n + 1;
        }

        *ret = TAKE_PTR(l);
        return 0;
}

int askpw_parse_boolean(const char *s) {
        static const char *const yes[] = { "1", "yes", "y", "true", "t", "on" };
        static const char *const no[] = { "0", "no", "n", "false", "f", "off" };

        if (!s)
                return -EINVAL;
        for (size_t i = 0; i < ELEMENTSOF(yes); i++)
                if (strcasecmp(s, yes[i]) == 0)
                        return 1;
        for (size_t i = 0; i < ELEMENTSOF(no); i++)
                if (strcasecmp(s, no[i]) == 0)
                        return 0;
        return -EINVAL;
}

int askpw_parse_u64(const char *s, uint64_t *ret) {
        unsigned long long v;
        char *end;

        if (!s || !isdigit((unsigned char) s[0]))
                return -EINVAL;
        errno = 0;
        v = strtoull(s, &end, 10);
        if (errno == ERANGE)
                return -ERANGE;
        if (*end != 0)
                return -EINVAL;
        *ret = v;
        return 0;
}
