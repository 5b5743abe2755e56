/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Loading a shared library on first use instead of at program start.
 *
 * A program defines, with the library's own prototype (the compiler checks
 * it against the library's header), each function it calls, as a
 * forwarder that loads the library and calls the real function. The
 * linker then resolves the program's calls to the forwarders and, with
 * --as-needed, leaves the library out of the program's dependencies; only
 * a run that really calls into it pays for loading it. dlsym() on the
 * library's handle finds the library's function, never a forwarder, and
 * RTLD_LOCAL keeps what the library defines from interposing on anything
 * in the program.
 *
 * When the library cannot be loaded a forwarder returns the failure value
 * it was given (what the library itself returns on failure), so callers
 * handle it as any other failure of that call. */

#include <dlfcn.h>
#include <errno.h>

typedef struct DlopenLib {
        const char *soname;
        void *handle;
        int error; /* sticky: a library that failed to load is not retried */
} DlopenLib;

static inline int dlopen_lib_load(DlopenLib *l) {
        if (l->handle)
                return 0;
        if (l->error < 0)
                return l->error;
        l->handle = dlopen(l->soname, RTLD_NOW | RTLD_LOCAL);
        if (!l->handle)
                return (l->error = -EOPNOTSUPP);
        return 0;
}

static inline void *dlopen_lib_sym(DlopenLib *l, const char *name) {
        if (dlopen_lib_load(l) < 0)
                return NULL;
        return dlsym(l->handle, name);
}

#define DLOPEN_FORWARD(lib, ret, fail, name, params, args)              \
        ret name params {                                               \
                static typeof(name) *fn;                                \
                if (!fn)                                                \
                        fn = (typeof(name) *) dlopen_lib_sym(&lib, #name); \
                if (!fn)                                                \
                        return fail;                                    \
                return fn args;                                         \
        }

#define DLOPEN_FORWARD_VOID(lib, name, params, args)                    \
        void name params {                                              \
                static typeof(name) *fn;                                \
                if (!fn)                                                \
                        fn = (typeof(name) *) dlopen_lib_sym(&lib, #name); \
                if (fn)                                                 \
                        fn args;                                        \
        }

/* Destructors that do nothing when given NULL (libsystemd's *_unref(),
 * OpenSSL's *_free()): such a call is answered here, so a program that
 * only cleans up never loads the library. */
#define DLOPEN_FORWARD_UNREF(lib, type, name)                           \
        type *name(type *p) {                                           \
                static typeof(name) *fn;                                \
                if (!p)                                                 \
                        return NULL;                                    \
                if (!fn)                                                \
                        fn = (typeof(name) *) dlopen_lib_sym(&lib, #name); \
                return fn ? fn(p) : NULL;                               \
        }

#define DLOPEN_FORWARD_FREE(lib, type, name)                            \
        void name(type *p) {                                            \
                static typeof(name) *fn;                                \
                if (!p)                                                 \
                        return;                                         \
                if (!fn)                                                \
                        fn = (typeof(name) *) dlopen_lib_sym(&lib, #name); \
                if (fn)                                                 \
                        fn(p);                                          \
        }
