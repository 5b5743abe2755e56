/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* What an operation has done so far, so a failure half-way undoes it.
 * Each step that changes something pushes an undo entry right after it
 * succeeded; on failure the entries run newest first; on success the
 * operation commits and they are dropped. Backends keep their own state
 * (open fds, key identifiers, loop/dm names) in `backend_data`. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef int (*HomeUndoFunc)(void *userdata);

typedef struct HomeUndo {
        const char *what;               /* static text, for the worker's log */
        HomeUndoFunc func;
        void *userdata;
        void (*free_userdata)(void *userdata);
} HomeUndo;

typedef struct HomeSetup {
        HomeUndo *undo;
        size_t n_undo;

        /* Where the home's content is reachable once its storage is up
         * (the directory that gets bind-mounted on homeDirectory), and an
         * fd of it. Owned. */
        char *root_path;
        int root_fd;

        /* Results for the status reply. */
        uint32_t key_removal_flags;     /* FSCRYPT_KEY_REMOVAL_STATUS_FLAG_* of the last removal */
        bool recovered_dirty;

        void *backend_data;
        void (*free_backend_data)(void *data);
} HomeSetup;

#define HOME_SETUP_INIT { .root_fd = -EBADF }

/* Records an undo step. On -ENOMEM the step is run at once (so nothing is
 * left behind) and -ENOMEM returned; free_userdata (may be NULL) is
 * called when the entry is dropped either way. */
int home_setup_push_undo(HomeSetup *s, const char *what, HomeUndoFunc func, void *userdata,
                         void (*free_userdata)(void *userdata));

/* Runs all undo steps newest first, then drops them. Every step runs even
 * if an earlier one failed. Returns 0, or the first failure; its text in
 * *ret_failed_what when non-NULL. */
int home_setup_rollback(HomeSetup *s, const char **ret_failed_what);

/* Success: drops the undo steps without running them. */
void home_setup_commit(HomeSetup *s);

/* Releases everything; uncommitted steps are rolled back first. */
void home_setup_done(HomeSetup *s);

/* Sets root_path (copied) and opens root_fd. Returns 0, -ENOMEM, -errno. */
int home_setup_set_root(HomeSetup *s, const char *path);
