/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <linux/fscrypt.h>

#include "fscrypt-kernel.h"
#include "home-auth.h"
#include "home-fs.h"
#include "home-identity.h"
#include "home-mount.h"
#include "home-operations.h"
#include "json-util.h"
#include "macro.h"

static const char * const op_names[_HOME_OP_MAX] = {
        [HOME_OP_CREATE] = "create",
        [HOME_OP_ACTIVATE] = "activate",
        [HOME_OP_DEACTIVATE] = "deactivate",
        [HOME_OP_DEACTIVATE_FORCE] = "deactivate-force",
        [HOME_OP_LOCK] = "lock",
        [HOME_OP_UNLOCK] = "unlock",
        [HOME_OP_PASSWD] = "passwd",
        [HOME_OP_INSPECT] = "inspect",
        [HOME_OP_REMOVE] = "remove",
        [HOME_OP_RESIZE] = "resize",
        [HOME_OP_UPDATE] = "update",
};

const char *home_operation_to_string(HomeOperation op) {
        if (op < 0 || op >= _HOME_OP_MAX)
                return NULL;
        return op_names[op];
}

HomeOperation home_operation_from_string(const char *s) {
        if (!s)
                return _HOME_OP_INVALID;
        for (size_t i = 0; i < _HOME_OP_MAX; i++)
                if (streq(op_names[i], s))
                        return (HomeOperation) i;
        return _HOME_OP_INVALID;
}

static bool in_place(const HomeContext *c) {
        return streq(c->image_path, c->home_directory);
}

/* Mounted (or, used in place, marked) = the home is active or locked. */
static int is_exposed(HomeContext *c) {
        if (in_place(c))
                return home_dirty_get(c->dirty_marker, c->image_path);
        return home_is_mounted_from(c->home_directory, c->image_path);
}

int home_state(HomeContext *c, const HomeBackend *b, HomeStatus *st) {
        struct statvfs sv;
        struct stat sb;
        int r, exposed;

        if (lstat(c->image_path, &sb) < 0) {
                if (errno != ENOENT)
                        return -errno;
                st->state = "absent";
                return 0;
        }
        if (b->inspect) {
                r = b->inspect(c, st);
                if (r < 0)
                        return r;
        }
        exposed = b->exposed ? b->exposed(c) : is_exposed(c);
        if (exposed < 0)
                return exposed;
        if (exposed)
                st->state = exposed == HOME_EXPOSED_LOCKED || st->key_status == FSCRYPT_KEY_ABSENT || st->key_status == FSCRYPT_KEY_INCOMPLETELY_REMOVED
                        ? "locked" : "active";
        else {
                r = home_dirty_get(c->dirty_marker, c->image_path);
                if (r < 0)
                        return r;
                st->state = r ? "dirty" : "inactive";
        }
        if (statvfs(c->image_path, &sv) >= 0) {
                st->disk_size = (uint64_t) sv.f_blocks * sv.f_frsize;
                st->disk_free = (uint64_t) sv.f_bavail * sv.f_frsize;
        }
        return 0;
}

/* Skeleton, ~/.identity, owner and mode of a freshly made home. */
static int populate(HomeContext *c, HomeSetup *s) {
        const HomeRecord *h = c->record;
        int r;

        r = home_copy_skeleton(home_record_skeleton_directory(h), s->root_fd, h->uid, home_record_gid(h));
        if (r < 0)
                return r;
        r = home_identity_write(s->root_fd, h->json, h->uid, home_record_gid(h));
        if (r < 0)
                return r;
        if (fchown(s->root_fd, h->uid, home_record_gid(h)) < 0 ||
            fchmod(s->root_fd, home_record_access_mode(h)) < 0)
                return -errno;
        return RET_NERRNO(syncfs(s->root_fd));
}

/* The stored owner is the owner of the home's root; a home moved to a
 * new uid is chowned over before it is used. */
static int fix_ownership(HomeContext *c, HomeSetup *s) {
        const HomeRecord *h = c->record;
        struct stat st;
        int r;

        if (fstat(s->root_fd, &st) < 0)
                return -errno;
        if (st.st_uid != h->uid || st.st_gid != home_record_gid(h)) {
                r = home_chown_tree(s->root_path, st.st_uid, st.st_gid, h->uid, home_record_gid(h));
                if (r < 0)
                        return r;
        }
        if ((st.st_mode & 07777) != home_record_access_mode(h) && fchmod(s->root_fd, home_record_access_mode(h)) < 0)
                return -errno;
        return 0;
}

static int undo_dirty(void *userdata) {
        HomeContext *c = userdata;
        return home_dirty_clear(c->dirty_marker, c->image_path);
}

typedef struct MountUndo {
        char *target;
        bool created;
} MountUndo;

static void mount_undo_free(void *userdata) {
        MountUndo *u = userdata;
        if (u)
                free(u->target);
        free(u);
}

static int undo_mount(void *userdata) {
        MountUndo *u = userdata;
        int r = home_umount(u->target, true);
        if (r >= 0 && u->created)
                (void) rmdir(u->target);
        return r;
}

static int expose(HomeContext *c, HomeSetup *s) {
        MountUndo *u;
        bool created = false;
        int r;

        r = home_dirty_set(c->dirty_marker, c->image_path);
        if (r < 0)
                return r;
        /* The context outlives the setup: undo runs inside home_run(). */
        r = home_setup_push_undo(s, "clear dirty marker", undo_dirty, c, NULL);
        if (r < 0)
                return r;
        if (in_place(c))
                return 0;

        u = calloc(1, sizeof *u);
        if (!u || !(u->target = strdup(c->home_directory))) {
                mount_undo_free(u);
                return -ENOMEM;
        }
        r = home_mount_bind(s->root_path, c->home_directory, c->record, &created);
        if (r < 0) {
                mount_undo_free(u);
                return r;
        }
        u->created = created;
        return home_setup_push_undo(s, "unmount home", undo_mount, u, mount_undo_free);
}

static int identity_sync(HomeContext *c, HomeSetup *s, json_object **ret_record) {
        _cleanup_(json_putp) json_object *embedded = NULL, *winner = NULL;
        const HomeRecord *h = c->record;
        bool rewrite = true;
        int r;

        r = home_identity_read(s->root_fd, &embedded);
        if (r >= 0) {
                r = home_identity_reconcile(h->json, embedded, &winner, &rewrite);
                if (r < 0)
                        return r;
        } else if (r == -ENOENT || r == -EBADMSG)
                winner = json_object_get(h->json);     /* missing or unreadable: the host copy repairs it */
        else
                return r;
        if (rewrite) {
                r = home_identity_write(s->root_fd, winner, h->uid, home_record_gid(h));
                if (r < 0)
                        return r;
        }
        *ret_record = TAKE_PTR(winner);
        return 0;
}

static int copy_list(char * const *l, char ***ret) {
        size_t n = strv_length(l);
        char **c = calloc(n + 1, sizeof(char *));

        if (!c)
                return -ENOMEM;
        for (size_t i = 0; i < n; i++)
                if (!(c[i] = strdup(l[i]))) {
                        strv_free_erase(c);
                        return -ENOMEM;
                }
        *ret = c;
        return 0;
}

static int run_create(HomeContext *c, const HomeBackend *b, HomeSetup *s, const HomeSecret *secret) {
        struct stat st;
        int r;

        r = home_slot_passphrases(c->record, secret, &c->passphrases);
        if (r < 0)
                return r;
        /* A block device exists before its home does: the backend takes
         * it over (LUKS) or refuses it. */
        if (lstat(c->image_path, &st) >= 0) {
                if (!(S_ISBLK(st.st_mode) && b->storage == HOME_STORAGE_LUKS))
                        return -EEXIST;
        } else if (errno != ENOENT)
                return -errno;
        r = b->create(c, s);
        if (r < 0)
                return r;
        r = populate(c, s);
        if (r < 0)
                return r;
        closep(&s->root_fd);    /* an open fd would keep the storage busy */
        return b->deactivate(c, s);
}

static int recover_dirty(HomeContext *c, const HomeBackend *b, HomeSetup *s, HomeStatus *st) {
        int r = b->deactivate(c, s);
        if (r < 0)
                return r;
        r = home_dirty_clear(c->dirty_marker, c->image_path);
        if (r < 0)
                return r;
        st->recovered_dirty = true;
        return 0;
}

static int run_activate(HomeContext *c, const HomeBackend *b, HomeSetup *s, const HomeSecret *secret,
                        HomeStatus *st, json_object **ret_record) {
        int r;

        if (streq(st->state, "absent"))
                return -ENOENT;
        if (streq(st->state, "active") || streq(st->state, "locked"))
                return -EALREADY;
        r = home_authenticate(c->record, secret, &c->passphrases);
        if (r < 0)
                return r;
        if (streq(st->state, "dirty")) {
                r = recover_dirty(c, b, s, st);
                if (r < 0)
                        return r;
        }
        r = b->activate(c, s);
        if (r < 0)
                return r;
        r = expose(c, s);
        if (r < 0)
                return r;
        r = identity_sync(c, s, ret_record);
        if (r < 0)
                return r;
        return fix_ownership(c, s);
}

static int run_deactivate(HomeContext *c, const HomeBackend *b, HomeSetup *s, HomeStatus *st) {
        int r;

        if (streq(st->state, "absent"))
                return -ENOENT;
        if (streq(st->state, "inactive"))
                return -ENOEXEC;
        /* No sync of our own: fscrypt's key removal and LUKS's unmount
         * sync inside the backend, and a directory home's files stay on a
         * mounted file system (backend-directory.c). The empty mount
         * point stays, as systemd-homed leaves it: removing it and making
         * it again at every activation only gave each sync a directory to
         * write (remove takes it away). */
        if (!in_place(c) && !streq(st->state, "dirty")) {
                r = home_umount(c->home_directory, c->force);
                if (r < 0)
                        return r;
        }
        r = b->deactivate(c, s);
        if (r < 0)
                return r;
        return home_dirty_clear(c->dirty_marker, c->image_path);
}

static int run_lock(HomeContext *c, const HomeBackend *b, HomeSetup *s, HomeStatus *st) {
        _cleanup_close_ int fd = -EBADF;

        if (!b->lock)
                return -ENOTTY;
        if (streq(st->state, "locked"))
                return -EALREADY;
        if (!streq(st->state, "active"))
                return -ENOEXEC;
        fd = open(c->image_path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fd >= 0)
                (void) syncfs(fd);
        return b->lock(c, s);
}

static int run_unlock(HomeContext *c, const HomeBackend *b, HomeSetup *s, const HomeSecret *secret,
                      HomeStatus *st) {
        int r;

        if (!b->unlock)
                return -ENOTTY;
        if (streq(st->state, "active"))
                return -EALREADY;
        if (!streq(st->state, "locked"))
                return -ENOEXEC;
        r = home_authenticate(c->record, secret, &c->passphrases);
        if (r < 0)
                return r;
        return b->unlock(c, s);
}

static int run_passwd(HomeContext *c, const HomeBackend *b, HomeSetup *s, const HomeRequest *req,
                      HomeStatus *st) {
        int r;

        if (streq(st->state, "absent"))
                return -ENOENT;
        r = home_slot_passphrases(c->record, req->secret, &c->new_passphrases);
        if (r < 0)
                return r;
        if (req->old_record)
                r = home_authenticate(req->old_record, req->old_secret, &c->passphrases);
        else if (b->storage == HOME_STORAGE_DIRECTORY)
                return -EINVAL;         /* no key slot to prove the old secret: the old record must */
        else
                r = copy_list(req->old_secret ? req->old_secret->password : NULL, &c->passphrases);
        if (r < 0)
                return r;
        r = b->change_passphrases(c, s);
        if (r < 0)
                return r;
        if (streq(st->state, "active")) {
                const HomeRecord *h = c->record;
                _cleanup_close_ int fd = open(c->home_directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
                if (fd < 0)
                        return -errno;
                r = home_identity_write(fd, h->json, h->uid, home_record_gid(h));
                if (r < 0)
                        return r;
        }
        return 0;
}

/* An inactive home is opened by the backend for the resize, which needs
 * the secret (as activate does); an active one is resized in place. */
static int run_resize(HomeContext *c, const HomeBackend *b, HomeSetup *s, const HomeSecret *secret,
                      HomeStatus *st) {
        int r;

        if (!b->resize)
                return -ENOTTY;
        if (streq(st->state, "absent"))
                return -ENOENT;
        if (!streq(st->state, "active") && !streq(st->state, "locked")) {
                r = home_authenticate(c->record, secret, &c->passphrases);
                if (r < 0)
                        return r;
        }
        return b->resize(c, s);
}

/* A changed record reaches an active home at once: ~/.identity gets the
 * host copy, and the root its owner and accessMode. An inactive home
 * gets it at its next activation. */
static int run_update(HomeContext *c, HomeSetup *s, HomeStatus *st) {
        const HomeRecord *h = c->record;
        int r;

        if (streq(st->state, "absent"))
                return -ENOENT;
        if (!streq(st->state, "active"))
                return -ENOEXEC;
        r = home_setup_set_root(s, c->home_directory);
        if (r < 0)
                return r;
        r = home_identity_write(s->root_fd, h->json, h->uid, home_record_gid(h));
        if (r < 0)
                return r;
        return fix_ownership(c, s);
}

static int run_remove(HomeContext *c, const HomeBackend *b, HomeSetup *s, HomeStatus *st) {
        int r;

        if (streq(st->state, "absent"))
                return -ENOENT;
        if (streq(st->state, "active") || streq(st->state, "locked"))
                return -EBUSY;
        r = b->remove(c, s);
        if (r < 0)
                return r;
        if (!in_place(c))
                (void) rmdir(c->home_directory);        /* a leftover empty mount point */
        st->state = "absent";
        return 0;
}

int home_run(const HomeRequest *req, HomeStatus *status, json_object **ret_record) {
        _cleanup_(json_putp) json_object *record = NULL;
        HomeSetup s = HOME_SETUP_INIT;
        HomeContext c = { .record = req->record, .size = req->size };
        const HomeBackend *b;
        HomeStatus st = HOME_STATUS_INIT;
        int r;

        b = home_backend_get(home_record_storage(req->record));
        if (!b)
                return -EPROTONOSUPPORT;
        c.force = req->op == HOME_OP_DEACTIVATE_FORCE;
        if (req->marker_dir && asprintf(&c.dirty_marker, "%s/%s.dirty", req->marker_dir,
                                        req->record->user_name) < 0) {
                c.dirty_marker = NULL;
                r = -ENOMEM;
                goto finish;
        }
        r = home_record_image_path(req->record, &c.image_path);
        if (r >= 0)
                r = home_record_home_directory(req->record, &c.home_directory);
        if (r < 0)
                goto finish;

        r = home_state(&c, b, &st);
        if (r < 0)
                goto finish;

        switch (req->op) {
        case HOME_OP_CREATE:
                r = run_create(&c, b, &s, req->secret);
                if (r >= 0)
                        st.state = "inactive";
                break;
        case HOME_OP_ACTIVATE:
                r = run_activate(&c, b, &s, req->secret, &st, &record);
                break;
        case HOME_OP_DEACTIVATE:
        case HOME_OP_DEACTIVATE_FORCE:
                r = run_deactivate(&c, b, &s, &st);
                break;
        case HOME_OP_LOCK:
                r = run_lock(&c, b, &s, &st);
                break;
        case HOME_OP_UNLOCK:
                r = run_unlock(&c, b, &s, req->secret, &st);
                break;
        case HOME_OP_PASSWD:
                r = run_passwd(&c, b, &s, req, &st);
                break;
        case HOME_OP_INSPECT:
                r = 0;
                break;
        case HOME_OP_REMOVE:
                r = run_remove(&c, b, &s, &st);
                break;
        case HOME_OP_RESIZE:
                r = run_resize(&c, b, &s, req->secret, &st);
                break;
        case HOME_OP_UPDATE:
                r = run_update(&c, &s, &st);
                break;
        default:
                r = -EINVAL;
        }
        if (r < 0)
                goto finish;

        home_setup_commit(&s);
        st.files_busy = s.key_removal_flags & FSCRYPT_KEY_REMOVAL_STATUS_FLAG_FILES_BUSY;
        st.other_users = s.key_removal_flags & FSCRYPT_KEY_REMOVAL_STATUS_FLAG_OTHER_USERS;
        /* Report the state the operation left behind. */
        if (req->op != HOME_OP_INSPECT && req->op != HOME_OP_REMOVE) {
                HomeStatus after = HOME_STATUS_INIT;
                if (home_state(&c, b, &after) >= 0) {
                        after.files_busy = st.files_busy;
                        after.other_users = st.other_users;
                        after.recovered_dirty = st.recovered_dirty;
                        st = after;
                }
        }
        /* Walking the whole tree is the slowest part of a small home's
         * activation, so usage is counted only when asked for (inspect) and
         * for a new home; the daemon keeps the last count. */
        if ((req->op == HOME_OP_INSPECT || req->op == HOME_OP_CREATE) && !streq_ptr(st.state, "absent") &&
            home_disk_usage(c.image_path, &st.disk_usage) < 0)
                st.disk_usage = UINT64_MAX;
        if (!record && json_object_deep_copy(req->record->json, &record, NULL) < 0) {
                r = -ENOMEM;
                goto finish;
        }
        *ret_record = TAKE_PTR(record);
finish:
        home_setup_done(&s);    /* rolls back whatever an error left */
        *status = st;
        strv_free_erase(c.passphrases);
        strv_free_erase(c.new_passphrases);
        free(c.image_path);
        free(c.home_directory);
        free(c.dirty_marker);
        return r;
}
