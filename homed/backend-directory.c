/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* storage "directory": a plain directory; the password only
 * authenticates, nothing is encrypted. */

#include <sys/stat.h>

#include "home-backend.h"
#include "home-fs.h"
#include "macro.h"

static int undo_rm_rf(void *userdata) {
        return home_rm_rf(userdata);
}

static int directory_create(HomeContext *c, HomeSetup *s) {
        _cleanup_free_ char *p = NULL;
        int r;

        if (mkdir(c->image_path, 0700) < 0)
                return -errno;
        p = strdup(c->image_path);
        r = p ? home_setup_push_undo(s, "remove new home directory", undo_rm_rf, TAKE_PTR(p), free)
              : (undo_rm_rf(c->image_path), -ENOMEM);
        if (r < 0)
                return r;
        return home_setup_set_root(s, c->image_path);
}

static int directory_activate(HomeContext *c, HomeSetup *s) {
        return home_setup_set_root(s, c->image_path);
}

/* Nothing to lock away, and nothing to sync: the files stay where they
 * were, on a file system that stays mounted, and the kernel writes them
 * back as it writes back any other file (shutdown and unmount sync). A
 * forced sync here would only make logout wait for the disk. */
static int directory_deactivate(HomeContext *c, HomeSetup *s) {
        return 0;
}

static int directory_change_passphrases(HomeContext *c, HomeSetup *s) {
        return 0;       /* nothing is keyed by the passphrase */
}

static int directory_remove(HomeContext *c, HomeSetup *s) {
        return home_rm_rf(c->image_path);
}

const HomeBackend home_backend_directory = {
        .storage = HOME_STORAGE_DIRECTORY,
        .create = directory_create,
        .activate = directory_activate,
        .deactivate = directory_deactivate,
        .change_passphrases = directory_change_passphrases,
        .remove = directory_remove,
};

const HomeBackend *home_backend_get(HomeStorage storage) {
        switch (storage) {
        case HOME_STORAGE_DIRECTORY:
                return &home_backend_directory;
        case HOME_STORAGE_FSCRYPT:
                return &home_backend_fscrypt;
        case HOME_STORAGE_LUKS:
                return &home_backend_luks;
        default:
                return NULL;
        }
}
