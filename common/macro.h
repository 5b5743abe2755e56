/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Small helpers every Hearth layer uses: cleanup attributes, ownership
 * hand-over, and wiping of secrets. Header-only so no layer depends on
 * another just for these. */

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <dirent.h>
#include <malloc.h>

#define _cleanup_(f) __attribute__((cleanup(f)))
#define _unused_ __attribute__((unused))
#define _pure_ __attribute__((pure))
#define _printf_(a, b) __attribute__((format(printf, a, b)))
#define _warn_unused_result_ __attribute__((warn_unused_result))
#define _likely_(x) (__builtin_expect(!!(x), 1))
#define _unlikely_(x) (__builtin_expect(!!(x), 0))

#define ELEMENTSOF(x)                                                   \
        (__builtin_choose_expr(                                         \
                !__builtin_types_compatible_p(typeof(x), typeof(&*(x))), \
                sizeof(x) / sizeof((x)[0]),                             \
                (void) 0))

#define MIN(a, b) ((a) < (b) ? (a) : (b))
#define MAX(a, b) ((a) > (b) ? (a) : (b))

/* Returns the pointer and leaves NULL behind, so a cleanup handler on the
 * old variable does nothing: ownership moved. */
#define TAKE_PTR(p)                             \
        ({                                      \
                typeof(p) *_pp_ = &(p);         \
                typeof(p) _p_ = *_pp_;          \
                *_pp_ = NULL;                   \
                _p_;                            \
        })

#define TAKE_FD(fd)                             \
        ({                                      \
                int *_pfd_ = &(fd);             \
                int _fd_ = *_pfd_;              \
                *_pfd_ = -EBADF;                \
                _fd_;                           \
        })

/* Define a cleanup function for a type whose free function takes the
 * object itself and accepts NULL. */
#define DEFINE_TRIVIAL_CLEANUP_FUNC(type, func)                 \
        static inline void func##p(type *p) {                   \
                if (*p)                                         \
                        *p = func(*p);                          \
        }

/* Same, for free functions that return void. */
#define DEFINE_TRIVIAL_CLEANUP_FUNC_VOID(type, func)            \
        static inline void func##p(type *p) {                   \
                if (*p)                                         \
                        func(*p);                               \
        }

static inline void freep(void *p) {
        free(*(void **) p);
}
#define _cleanup_free_ _cleanup_(freep)

static inline void closep(int *fd) {
        if (*fd >= 0) {
                int saved = errno;
                (void) close(*fd);
                errno = saved;
        }
        *fd = -EBADF;
}
#define _cleanup_close_ _cleanup_(closep)

static inline void fclosep(FILE **f) {
        if (*f)
                (void) fclose(*f);
}
#define _cleanup_fclose_ _cleanup_(fclosep)

static inline void closedirp(DIR **d) {
        if (*d)
                (void) closedir(*d);
}
#define _cleanup_closedir_ _cleanup_(closedirp)

/* Secrets: wipe before free, on every path. */
static inline void *erase_and_free(void *p) {
        if (p) {
                explicit_bzero(p, malloc_usable_size(p));
                free(p);
        }
        return NULL;
}

static inline void erase_and_freep(void *p) {
        erase_and_free(*(void **) p);
}
#define _cleanup_erase_free_ _cleanup_(erase_and_freep)

static inline char *strv_free_impl(char **l, bool erase) {
        if (!l)
                return NULL;
        for (char **i = l; *i; i++) {
                if (erase)
                        erase_and_free(*i);
                else
                        free(*i);
        }
        free(l);
        return NULL;
}

static inline char **strv_free(char **l) {
        strv_free_impl(l, false);
        return NULL;
}
static inline char **strv_free_erase(char **l) {
        strv_free_impl(l, true);
        return NULL;
}
DEFINE_TRIVIAL_CLEANUP_FUNC(char **, strv_free)
DEFINE_TRIVIAL_CLEANUP_FUNC(char **, strv_free_erase)
#define _cleanup_strv_free_ _cleanup_(strv_freep)
#define _cleanup_strv_free_erase_ _cleanup_(strv_free_erasep)

static inline size_t strv_length(char * const *l) {
        size_t n = 0;
        if (l)
                while (l[n])
                        n++;
        return n;
}

static inline bool streq_ptr(const char *a, const char *b) {
        if (!a || !b)
                return a == b;
        return strcmp(a, b) == 0;
}

#define streq(a, b) (strcmp((a), (b)) == 0)
#define isempty(s) (!(s) || !(s)[0])

/* Negative errno helpers. */
#define RET_NERRNO(expr)                        \
        ({                                      \
                long _r_ = (long) (expr);       \
                _r_ < 0 ? -errno : (int) _r_;   \
        })

static inline int negative_errno(void) {
        return errno > 0 ? -errno : -EIO;
}
