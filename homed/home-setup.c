/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <fcntl.h>

#include "home-setup.h"
#include "macro.h"

static void undo_drop(HomeUndo *u) {
        if (u->free_userdata)
                u->free_userdata(u->userdata);
        *u = (HomeUndo) {};
}

int home_setup_push_undo(HomeSetup *s, const char *what, HomeUndoFunc func, void *userdata,
                         void (*free_userdata)(void *userdata)) {
        HomeUndo *n;

        n = reallocarray(s->undo, s->n_undo + 1, sizeof *n);
        if (!n) {
                HomeUndo u = { what, func, userdata, free_userdata };
                (void) func(userdata);
                undo_drop(&u);
                return -ENOMEM;
        }
        s->undo = n;
        s->undo[s->n_undo++] = (HomeUndo) { what, func, userdata, free_userdata };
        return 0;
}

int home_setup_rollback(HomeSetup *s, const char **ret_failed_what) {
        int ret = 0;

        while (s->n_undo > 0) {
                HomeUndo *u = &s->undo[--s->n_undo];
                int r = u->func(u->userdata);
                if (r < 0 && ret == 0) {
                        ret = r;
                        if (ret_failed_what)
                                *ret_failed_what = u->what;
                }
                undo_drop(u);
        }
        return ret;
}

void home_setup_commit(HomeSetup *s) {
        for (size_t i = 0; i < s->n_undo; i++)
                undo_drop(&s->undo[i]);
        s->n_undo = 0;
}

void home_setup_done(HomeSetup *s) {
        (void) home_setup_rollback(s, NULL);
        free(s->undo);
        s->undo = NULL;
        free(s->root_path);
        s->root_path = NULL;
        closep(&s->root_fd);
        if (s->free_backend_data && s->backend_data)
                s->free_backend_data(s->backend_data);
        s->backend_data = NULL;
}

int home_setup_set_root(HomeSetup *s, const char *path) {
        _cleanup_free_ char *p = strdup(path);
        int fd;

        if (!p)
                return -ENOMEM;
        fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
        if (fd < 0)
                return -errno;
        free(s->root_path);
        closep(&s->root_fd);
        s->root_path = TAKE_PTR(p);
        s->root_fd = fd;
        return 0;
}
