/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Buffers for key material: zeroed, locked into RAM where the kernel lets
 * us (so they are never swapped out), wiped before they are freed. */

#include <sys/mman.h>

#include "macro.h"

static inline void *secure_alloc(size_t size) {
        void *p = calloc(1, size);
        if (p)
                (void) mlock(p, size);   /* best effort: RLIMIT_MEMLOCK may forbid it */
        return p;
}

static inline void *secure_free(void *p) {
        if (p) {
                size_t n = malloc_usable_size(p);
                explicit_bzero(p, n);
                (void) munlock(p, n);
                free(p);
        }
        return NULL;
}

static inline void secure_freep(void *p) {
        secure_free(*(void **) p);
}
#define _cleanup_secure_free_ _cleanup_(secure_freep)
