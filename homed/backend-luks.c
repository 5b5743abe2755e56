/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* storage "luks": an image file with a GPT, one partition of the home
 * type, LUKS2 on it (a keyslot per effective passphrase, the record in a
 * "systemd-homed" token), a file system whose top-level directory <user>
 * is the home. The file system is mounted at a private place under
 * LUKS_RUN_DIR; home-operations.c bind-mounts <mnt>/<user> onto
 * homeDirectory. The image is locked (flock) by the open file the loop
 * device keeps, so it is refused while in use anywhere else. */

#include <fcntl.h>
#include <openssl/rand.h>
#include <stdio.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/vfs.h>

#include "home-backend.h"
#include "home-identity.h"
#include "home-mount.h"
#include "luks-fs.h"
#include "luks-header-record.h"
#include "luks-image.h"
#include "luks-record.h"
#include "luks-token.h"
#include "luks-volume.h"
#include "macro.h"
#include "secure-mem.h"

#define LUKS_RUN_DIR_DEFAULT "/run/hearth-home"

typedef struct LuksData {
        int image_fd, loop_fd;
        char *loop_path, *dm_name, *dm_path, *mount_path;
        struct crypt_device *cd;
        LuksSettings settings;
        uint8_t *vk;                    /* secure_alloc'd, LUKS_VOLUME_KEY_MAX */
        size_t vk_size;
} LuksData;

static void luks_data_free(void *p) {
        LuksData *d = p;

        if (!d)
                return;
        if (d->cd)
                crypt_free(d->cd);
        closep(&d->loop_fd);
        closep(&d->image_fd);
        free(d->loop_path);
        free(d->dm_name);
        free(d->dm_path);
        free(d->mount_path);
        luks_settings_done(&d->settings);
        secure_free(d->vk);
        free(d);
}

static const char *run_dir(void) {
        return getenv("HEARTH_LUKS_RUN_DIR") ?: LUKS_RUN_DIR_DEFAULT;
}

static int get_data(HomeContext *c, HomeSetup *s, LuksData **ret) {
        const HomeRecord *h = c->record;
        LuksData *d;
        int r;

        if (s->backend_data) {
                *ret = s->backend_data;
                return 0;
        }
        d = calloc(1, sizeof *d);
        if (!d)
                return -ENOMEM;
        d->image_fd = d->loop_fd = -EBADF;
        d->vk = secure_alloc(LUKS_VOLUME_KEY_MAX);
        if (!d->vk || asprintf(&d->dm_name, "home-%s", h->user_name) < 0 ||
            asprintf(&d->dm_path, "/dev/mapper/home-%s", h->user_name) < 0 ||
            asprintf(&d->mount_path, "%s/%s", run_dir(), h->user_name) < 0) {
                luks_data_free(d);
                return -ENOMEM;
        }
        r = luks_settings_load(h, &d->settings);
        if (r < 0) {
                luks_data_free(d);
                return r;
        }
        s->backend_data = d;
        s->free_backend_data = luks_data_free;
        *ret = d;
        return 0;
}

static char *label_of(const HomeRecord *h) {
        char *l = NULL;

        if (h->realm ? asprintf(&l, "%s@%s", h->user_name, h->realm) < 0 : !(l = strdup(h->user_name)))
                return NULL;
        return l;
}

/* Undo steps. They take copies of names, never the LuksData, which is
 * gone by the time a later operation's rollback would run. */
static int undo_unlink(void *path) {
        return RET_NERRNO(unlink(path));
}

static int undo_deactivate(void *name) {
        _cleanup_crypt_ struct crypt_device *cd = NULL;
        int r = luks_volume_init_by_name(name, &cd);
        if (r < 0)
                return r == -ENODEV ? 0 : r;
        return crypt_deactivate(cd, name);
}

static int undo_umount(void *path) {
        if (umount2(path, UMOUNT_NOFOLLOW) < 0 && umount2(path, MNT_DETACH | UMOUNT_NOFOLLOW) < 0)
                return -errno;
        (void) rmdir(path);
        return 0;
}

static int push_copy(HomeSetup *s, const char *what, HomeUndoFunc f, const char *arg) {
        char *copy = strdup(arg);
        if (!copy) {
                (void) f((void *) arg);
                return -ENOMEM;
        }
        return home_setup_push_undo(s, what, f, copy, free);
}

static int ensure_run_dir(void) {
        if (mkdir(run_dir(), 0700) < 0 && errno != EEXIST)
                return -errno;
        return 0;
}

static bool on_block_device(const HomeContext *c) {
        return strncmp(c->image_path, "/dev/", 5) == 0;
}

static int dm_up(LuksData *d, HomeSetup *s) {
        /* Offline discard (FITRIM on deactivation) needs dm-crypt to pass
         * discards as much as online discard does. */
        uint32_t flags = d->settings.discard || d->settings.offline_discard ? CRYPT_ACTIVATE_ALLOW_DISCARDS : 0;
        int r;

        r = crypt_activate_by_volume_key(d->cd, d->dm_name, (const char *) d->vk, d->vk_size, flags);
        if (r == -EEXIST || r == -EBUSY)
                return -EADDRINUSE;
        if (r < 0)
                return r;
        return push_copy(s, "deactivate dm-crypt", undo_deactivate, d->dm_name);
}

/* Mounts the file system (the record's type first, then the others:
 * what is in the image counts) and sets the root. */
static int mount_up(HomeContext *c, HomeSetup *s, LuksData *d, const char *fstype, bool made) {
        const char *types[] = { fstype, "ext4", "btrfs", "xfs" };
        _cleanup_free_ char *root = NULL, *options = NULL;
        const char *extra = d->settings.extra_mount_options;
        int r = -ENOMEDIUM;

        /* Online discard: the file system discards freed blocks itself. */
        if (d->settings.discard) {
                if (asprintf(&options, "%s%sdiscard", extra ?: "", isempty(extra) ? "" : ",") < 0)
                        return -ENOMEM;
                extra = options;
        }
        r = ensure_run_dir();
        if (r < 0)
                return r;
        for (size_t i = 0; i < ELEMENTSOF(types); i++) {
                if (!types[i] || (i > 0 && (made || streq_ptr(types[i], fstype))))
                        continue;
                r = luks_fs_mount(d->dm_path, d->mount_path, types[i], c->record, extra);
                if (r != -EINVAL && r != -ENODEV)
                        break;
        }
        if (r == -EINVAL || r == -ENODEV) {
                (void) rmdir(d->mount_path);
                return -ENOMEDIUM;      /* no file system we know: damaged */
        }
        if (r < 0)
                return r;
        r = push_copy(s, "unmount file system", undo_umount, d->mount_path);
        if (r < 0)
                return r;
        if (asprintf(&root, "%s/%s", d->mount_path, c->record->user_name) < 0)
                return -ENOMEM;
        if (made && mkdir(root, 0700) < 0)
                return -errno;
        r = home_setup_set_root(s, root);
        return r == -ENOENT ? -ENOMEDIUM : r;
}

static int luks_create(HomeContext *c, HomeSetup *s) {
        _cleanup_free_ char *label = NULL, *dir = NULL, *token = NULL;
        const char *fstype;
        uint64_t size, offset, part_size;
        LuksData *d;
        int r;

        r = get_data(c, s, &d);
        if (r < 0)
                return r;
        r = luks_file_system_type(&d->settings, &fstype);
        if (r < 0)
                return r;
        if (!(dir = strdup(c->image_path)) || !(label = label_of(c->record)))
                return -ENOMEM;
        *(strrchr(dir, '/') ?: dir) = 0;
        if (on_block_device(c)) {
                /* The whole device is the home; diskSize does not apply. */
                r = luks_block_device_take(c->image_path, &d->image_fd);
                if (r < 0)
                        return r;
                r = luks_image_size(d->image_fd, &size);
                if (r < 0)
                        return r;
                if (size < luks_min_disk_size(fstype))
                        return -ERANGE;
        } else {
                r = luks_default_disk_size(&d->settings, isempty(dir) ? "/" : dir, &size);
                if (r < 0)
                        return r;
                if (size < luks_min_disk_size(fstype))
                        return -ERANGE;
                if (size > LUKS_MAX_DISK_SIZE)
                        return -EMSGSIZE;
                /* Without offline discard the space is taken up front, so
                 * the home cannot run out of it while in use. */
                r = luks_image_create(c->image_path, size, !d->settings.offline_discard, &d->image_fd);
                if (r < 0)
                        return r;
                r = push_copy(s, "remove image", undo_unlink, c->image_path);
                if (r < 0)
                        return r;
        }
        r = luks_gpt_write(d->image_fd, c->image_path, d->settings.partition_uuid, label, &offset, &part_size);
        if (r < 0)
                return r;
        if (on_block_device(c))
                luks_block_device_reread(d->image_fd);
        r = luks_loop_attach(d->image_fd, offset, part_size, &d->loop_fd, &d->loop_path);
        if (r < 0)
                return r;
        r = luks_volume_init(d->loop_path, &d->cd);
        if (r < 0)
                return r;
        d->vk_size = d->settings.volume_key_size;
        if (RAND_priv_bytes(d->vk, (int) d->vk_size) != 1)
                return -EIO;
        r = luks_volume_format(d->cd, &d->settings, label, d->vk, d->vk_size);
        if (r < 0)
                return r;
        r = luks_volume_set_keyslots(d->cd, c->record, c->passphrases, d->vk, d->vk_size);
        if (r < 0)
                return r;
        r = luks_token_encode(c->record->json, d->settings.cipher, d->settings.cipher_mode, d->vk, d->vk_size, &token);
        if (r < 0)
                return r;
        r = luks_volume_token_write(d->cd, token);
        if (r < 0)
                return r;
        r = dm_up(d, s);
        if (r < 0)
                return r;
        r = luks_fs_make(fstype, d->dm_path, c->record->user_name, d->settings.file_system_uuid);
        if (r < 0)
                return r;
        return mount_up(c, s, d, fstype, true);
}

/* Loop device over the home partition of the image, LUKS2 header loaded. */
static int open_volume(HomeContext *c, LuksData *d, bool require_lock) {
        uint64_t offset, size;
        int r;

        r = luks_image_open(c->image_path, require_lock, &d->image_fd, NULL);
        if (r < 0)
                return r;
        r = luks_gpt_find(d->image_fd, c->image_path, &offset, &size, NULL, NULL);
        if (r < 0)
                return r;
        r = luks_loop_attach(d->image_fd, offset, size, &d->loop_fd, &d->loop_path);
        if (r < 0)
                return r;
        r = luks_volume_init(d->loop_path, &d->cd);
        if (r < 0)
                return r;
        r = crypt_load(d->cd, CRYPT_LUKS2, NULL);
        return r < 0 ? -ENOMEDIUM : 0;
}

/* The header's copy of the record: checked, and refreshed from the host
 * copy when that is newer. Returns the header record if it is newer
 * than the host's, else NULL. */
static int sync_header_record(HomeContext *c, LuksData *d, json_object **ret_newer) {
        _cleanup_free_ char *json = NULL, *token = NULL;
        json_object *header = NULL;
        int r;

        *ret_newer = NULL;
        r = luks_volume_token_read(d->cd, &json);
        if (r < 0 && r != -ENODATA)
                return r;
        if (r >= 0) {
                r = luks_token_decode(json, d->settings.cipher, d->settings.cipher_mode, d->vk, d->vk_size, &header);
                if (r < 0)
                        return r == -ENOMEM ? r : -EREMCHG;
                r = luks_header_record_check(c->record, header, c->passphrases);
                if (r < 0) {
                        json_object_put(header);
                        return r;
                }
                if (luks_record_last_change(header) > luks_record_last_change(c->record->json)) {
                        *ret_newer = header;
                        return 0;
                }
                if (luks_record_last_change(header) == luks_record_last_change(c->record->json)) {
                        json_object_put(header);
                        return 0;
                }
                json_object_put(header);
        }
        /* Missing or older: the host copy replaces it. */
        r = luks_token_encode(c->record->json, d->settings.cipher, d->settings.cipher_mode, d->vk, d->vk_size, &token);
        if (r < 0)
                return r;
        return luks_volume_token_write(d->cd, token);
}

static int luks_activate(HomeContext *c, HomeSetup *s) {
        json_object *newer = NULL;
        const char *fstype;
        LuksData *d;
        int r;

        r = get_data(c, s, &d);
        if (r < 0)
                return r;
        r = open_volume(c, d, true);
        if (r < 0)
                return r;
        r = luks_volume_get_key(d->cd, c->passphrases, d->vk, &d->vk_size);
        if (r < 0)
                return r;
        if (!on_block_device(c) && !d->settings.offline_discard) {
                /* Holes punched while offline discard was on are filled:
                 * the home's space is reserved while it is in use. */
                uint64_t size;
                r = luks_image_size(d->image_fd, &size);
                if (r >= 0 && fallocate(d->image_fd, FALLOC_FL_KEEP_SIZE, 0, (off_t) size) < 0 && errno != EOPNOTSUPP)
                        r = -errno;
                if (r < 0)
                        return r;
        }
        r = sync_header_record(c, d, &newer);
        if (r < 0)
                return r;
        if (luks_file_system_type(&d->settings, &fstype) < 0)
                fstype = NULL;
        r = dm_up(d, s);
        if (r >= 0)
                r = mount_up(c, s, d, fstype, false);
        if (r < 0) {
                json_object_put(newer);
                return r;
        }
        if (newer) {
                /* The header copy is the newest: make ~/.identity carry it so
                 * the common reconciliation picks it up. */
                json_object *cur = NULL;
                if (home_identity_read(s->root_fd, &cur) < 0 ||
                    luks_record_last_change(cur) < luks_record_last_change(newer))
                        r = home_identity_write(s->root_fd, newer, c->record->uid, home_record_gid(c->record));
                if (cur)
                        json_object_put(cur);
                json_object_put(newer);
                if (r < 0)
                        return r;
        }
        return 0;
}

static bool is_mount_point(const char *path) {
        struct statx sx;

        return statx(AT_FDCWD, path, AT_SYMLINK_NOFOLLOW, 0, &sx) >= 0 &&
                (sx.stx_attributes & STATX_ATTR_MOUNT_ROOT);
}

/* 1 active, 2 suspended, 0 no mapping. */
static int dm_state(const char *name, struct crypt_device **ret_cd) {
        _cleanup_crypt_ struct crypt_device *cd = NULL;
        struct crypt_active_device cad;
        int r;

        r = luks_volume_init_by_name(name, &cd);
        if (r == -ENODEV || r == -ENOENT || r == -ENOTSUP)
                return 0;
        if (r < 0)
                return r;
        r = crypt_get_active_device(cd, name, &cad);
        if (r < 0)
                return r == -ENODEV ? 0 : r;
        if (ret_cd)
                *ret_cd = TAKE_PTR(cd);
        return cad.flags & CRYPT_ACTIVATE_SUSPENDED ? 2 : 1;
}

static int luks_deactivate(HomeContext *c, HomeSetup *s) {
        _cleanup_crypt_ struct crypt_device *cd = NULL;
        LuksData *d;
        int r, state;

        r = get_data(c, s, &d);
        if (r < 0)
                return r;
        /* Whatever create/activate left open of the device goes first. */
        if (d->cd) {
                crypt_free(d->cd);
                d->cd = NULL;
        }
        closep(&d->loop_fd);
        closep(&d->image_fd);

        state = dm_state(d->dm_name, &cd);
        if (state < 0)
                return state;
        if (state == 2)
                return -EBUSY;  /* locked: unmounting would block on the suspended device; unlock first */
        if (is_mount_point(d->mount_path)) {
                int fd = open(d->mount_path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
                if (fd >= 0) {
                        (void) syncfs(fd);
                        close(fd);
                }
                /* Offline discard: what the user freed goes back to the
                 * file system holding the image. Failure only costs space. */
                if (d->settings.offline_discard)
                        (void) luks_fs_trim(d->mount_path);
                if (umount2(d->mount_path, UMOUNT_NOFOLLOW) < 0) {
                        if (errno != EBUSY || !c->force)
                                return -errno;
                        if (umount2(d->mount_path, MNT_DETACH | UMOUNT_NOFOLLOW) < 0)
                                return -errno;
                }
        }
        (void) rmdir(d->mount_path);
        if (state == 1) {
                r = crypt_deactivate_by_name(cd, d->dm_name, c->force ? CRYPT_DEACTIVATE_DEFERRED : 0);
                if (r < 0)
                        return r;
        }
        /* The loop device had autoclear: it went away with the mapping,
         * and with it the image lock. */
        return 0;
}

static int luks_lock(HomeContext *c, HomeSetup *s) {
        _cleanup_crypt_ struct crypt_device *cd = NULL;
        LuksData *d;
        int r, fd;

        r = get_data(c, s, &d);
        if (r < 0)
                return r;
        r = dm_state(d->dm_name, &cd);
        if (r < 0)
                return r;
        if (r == 0)
                return -ENOEXEC;
        if (r == 2)
                return -EALREADY;
        fd = open(d->mount_path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fd >= 0) {
                (void) syncfs(fd);
                close(fd);
        }
        /* Suspends I/O and wipes the key from dm-crypt. */
        return crypt_suspend(cd, d->dm_name);
}

static int luks_unlock(HomeContext *c, HomeSetup *s) {
        _cleanup_crypt_ struct crypt_device *cd = NULL;
        _cleanup_free_ char *root = NULL;
        LuksData *d;
        int r = -ENOKEY;

        r = get_data(c, s, &d);
        if (r < 0)
                return r;
        r = dm_state(d->dm_name, &cd);
        if (r < 0)
                return r;
        if (r == 0)
                return -ENOEXEC;
        if (r == 1)
                return -EALREADY;
        r = -ENOKEY;
        for (char **p = c->passphrases; p && *p; p++) {
                r = crypt_resume_by_passphrase(cd, d->dm_name, CRYPT_ANY_SLOT, *p, strlen(*p));
                if (r >= 0)
                        break;
                r = r == -EPERM || r == -ENOENT ? -ENOKEY : r;
                if (r != -ENOKEY)
                        return r;
        }
        if (r < 0)
                return r;
        /* A deactivate refused while locked has already taken the bind
         * mount away: put it back. */
        if (asprintf(&root, "%s/%s", d->mount_path, c->record->user_name) < 0)
                return -ENOMEM;
        if (!is_mount_point(c->home_directory))
                return home_mount_bind(root, c->home_directory, c->record, NULL);
        return 0;
}

static int luks_change_passphrases(HomeContext *c, HomeSetup *s) {
        _cleanup_free_ char *token = NULL;
        LuksData *d;
        int r;

        r = get_data(c, s, &d);
        if (r < 0)
                return r;
        r = dm_state(d->dm_name, &d->cd);
        if (r < 0)
                return r;
        if (r == 0) {
                r = open_volume(c, d, true);
                if (r < 0)
                        return r;
        } else {
                r = crypt_load(d->cd, CRYPT_LUKS2, NULL);
                if (r < 0)
                        return r;
        }
        r = luks_volume_get_key(d->cd, c->passphrases, d->vk, &d->vk_size);
        if (r < 0)
                return r;
        r = luks_volume_set_keyslots(d->cd, c->record, c->new_passphrases, d->vk, d->vk_size);
        if (r < 0)
                return r;
        r = luks_token_encode(c->record->json, d->settings.cipher, d->settings.cipher_mode, d->vk, d->vk_size, &token);
        if (r < 0)
                return r;
        return luks_volume_token_write(d->cd, token);
}

static int luks_exposed(HomeContext *c) {
        char name[256];
        int r;

        if (snprintf(name, sizeof name, "home-%s", c->record->user_name) >= (int) sizeof name)
                return -EINVAL;
        r = dm_state(name, NULL);
        if (r <= 0)
                return r;
        if (!is_mount_point(c->home_directory) && r == 1)
                return 0;       /* mapped but not exposed: an interrupted run, the dirty marker tells */
        return r == 2 ? HOME_EXPOSED_LOCKED : HOME_EXPOSED_ACTIVE;
}

static int luks_remove(HomeContext *c, HomeSetup *s) {
        _cleanup_close_ int fd = -EBADF;
        uint64_t head = 32 * (UINT64_C(1) << 20);
        LuksData *d;
        int r;

        if (!on_block_device(c)) {
                r = luks_image_open(c->image_path, true, &fd, NULL);
                if (r < 0)
                        return r;
                return RET_NERRNO(unlink(c->image_path));
        }
        /* A device stays: its GPT and LUKS header are wiped so that the
         * volume key can never be recovered from it. */
        r = get_data(c, s, &d);
        if (r < 0)
                return r;
        if (open_volume(c, d, true) >= 0)
                head = LUKS_PARTITION_START + crypt_get_data_offset(d->cd) * 512;
        else if (d->image_fd < 0) {
                r = luks_image_open(c->image_path, true, &d->image_fd, NULL);
                if (r < 0)
                        return r;
        }
        if (d->cd) {
                crypt_free(d->cd);
                d->cd = NULL;
        }
        closep(&d->loop_fd);
        r = luks_image_wipe_header(d->image_fd, head);
        if (r < 0)
                return r;
        luks_block_device_reread(d->image_fd);
        return 0;
}

static const char *fs_type_of(const char *mounted) {
        struct statfs sf;

        if (statfs(mounted, &sf) < 0)
                return NULL;
        return sf.f_type == 0xEF53 ? "ext4" : sf.f_type == 0x9123683E ? "btrfs" : sf.f_type == 0x58465342 ? "xfs" : NULL;
}

/* Opens an inactive home for a resize: volume key from the passphrases,
 * dm-crypt up; file systems that resize only while mounted (btrfs, xfs)
 * are mounted at the private place. *ret_mounted says which. */
static int resize_open(HomeContext *c, HomeSetup *s, LuksData *d, const char **ret_fstype, bool *ret_mounted) {
        const char *fstype;
        int r;

        r = open_volume(c, d, true);
        if (r < 0)
                return r;
        r = luks_volume_get_key(d->cd, c->passphrases, d->vk, &d->vk_size);
        if (r < 0)
                return r;
        r = dm_up(d, s);
        if (r < 0)
                return r;
        r = luks_fs_probe(d->dm_path, &fstype, NULL);
        if (r < 0)
                return r;
        *ret_mounted = !streq(fstype, "ext4");
        if (*ret_mounted) {
                r = ensure_run_dir();
                if (r < 0)
                        return r;
                r = luks_fs_mount(d->dm_path, d->mount_path, fstype, c->record, NULL);
                if (r < 0)
                        return r;
                r = push_copy(s, "unmount file system", undo_umount, d->mount_path);
                if (r < 0)
                        return r;
        } else {
                r = luks_fs_ext4_check(d->dm_path);
                if (r < 0)
                        return r;
        }
        *ret_fstype = fstype;
        return 0;
}

/* Closes what resize_open() opened. */
static int resize_close(LuksData *d, bool mounted) {
        int r;

        if (mounted) {
                r = undo_umount(d->mount_path);
                if (r < 0)
                        return r;
        }
        r = crypt_deactivate(d->cd, d->dm_name);
        if (r < 0)
                return r;
        crypt_free(d->cd);
        d->cd = NULL;
        closep(&d->loop_fd);    /* autoclear: the loop device goes */
        return 0;
}

/* Grow: the container first (image, GPT, loop, dm), then the file
 * system fills it. Shrink: the file system first, never below what it
 * holds, then dm, loop, image, GPT. Online for mounted homes (ext4 and
 * xfs only grow there), offline with the secret for inactive ones. */
static int luks_resize(HomeContext *c, HomeSetup *s) {
        _cleanup_free_ char *uuid = NULL, *name = NULL;
        _cleanup_close_ int loop_fd = -EBADF;
        uint64_t size = c->size & ~((UINT64_C(1) << 20) - 1), old_size, offset, part_size, new_part, data_off;
        const char *fstype = NULL;
        bool offline, mounted = true;
        LuksData *d;
        int r;

        r = get_data(c, s, &d);
        if (r < 0)
                return r;
        if (on_block_device(c))
                return -ENOTTY;         /* a device has the size it has */
        r = dm_state(d->dm_name, &d->cd);
        if (r < 0)
                return r;
        if (r == 2)
                return -ENOLCK;
        offline = r == 0;
        if (offline) {
                r = resize_open(c, s, d, &fstype, &mounted);
                if (r < 0)
                        return r;
                loop_fd = fcntl(d->loop_fd, F_DUPFD_CLOEXEC, 3);
                if (loop_fd < 0)
                        return -errno;
        } else {
                const char *loop;

                fstype = fs_type_of(d->mount_path);
                if (!fstype)
                        return -EPROTONOSUPPORT;
                r = crypt_load(d->cd, CRYPT_LUKS2, NULL);
                if (r < 0)
                        return r;
                r = luks_image_open(c->image_path, false, &d->image_fd, NULL);
                if (r < 0)
                        return r;
                loop = crypt_get_device_name(d->cd);
                if (!loop)
                        return -ENXIO;
                loop_fd = open(loop, O_RDWR | O_CLOEXEC);
                if (loop_fd < 0)
                        return -errno;
        }
        if (size < luks_min_disk_size(fstype))
                return -ERANGE;
        if (size > LUKS_MAX_DISK_SIZE)
                return -EMSGSIZE;
        r = luks_image_size(d->image_fd, &old_size);
        if (r < 0)
                return r;
        r = luks_gpt_find(d->image_fd, c->image_path, &offset, &part_size, &uuid, &name);
        if (r < 0)
                return r;
        data_off = crypt_get_data_offset(d->cd) * 512;

        if (size > old_size) {
                r = luks_image_set_size(d->image_fd, size, !d->settings.offline_discard);
                if (r < 0)
                        return r;
                r = luks_gpt_write(d->image_fd, c->image_path, uuid, name, &offset, &new_part);
                if (r < 0)
                        return r;
                r = luks_loop_set_size(loop_fd, offset, new_part);
                if (r < 0)
                        return r;
                r = crypt_resize(d->cd, d->dm_name, 0);
                if (r < 0)
                        return r;
                r = mounted ? luks_fs_grow(fstype, d->dm_path, d->mount_path) : luks_fs_ext4_resize(d->dm_path, 0);
                if (r < 0)
                        return r;
        } else if (size < old_size) {
                uint64_t fs_size, need;

                new_part = (size - 2 * (UINT64_C(1) << 20)) & ~UINT64_C(4095);
                if (new_part <= data_off)
                        return -ERANGE;
                fs_size = new_part - data_off;
                if (mounted) {
                        /* Never below what is in use, plus a tenth to breathe. */
                        struct statvfs sv;
                        if (statvfs(d->mount_path, &sv) < 0)
                                return -errno;
                        need = (uint64_t) (sv.f_blocks - sv.f_bfree) * sv.f_frsize;
                        need += need / 10;
                } else {
                        /* What resize2fs can pack the data into, plus a tenth
                         * and 16 MiB for the journal and metadata to move. */
                        uint64_t bs;
                        r = luks_fs_probe(d->dm_path, &fstype, &bs);
                        if (r >= 0)
                                r = luks_fs_ext4_min_size(d->dm_path, bs, &need);
                        if (r < 0)
                                return r;
                        need += need / 10 + (UINT64_C(16) << 20);
                }
                if (fs_size < need)
                        return -ERANGE;
                r = mounted ? luks_fs_shrink(fstype, d->mount_path, fs_size) : luks_fs_ext4_resize(d->dm_path, fs_size);
                if (r < 0)
                        return r;
                r = crypt_resize(d->cd, d->dm_name, fs_size / 512);
                if (r < 0)
                        return r;
                r = luks_loop_set_size(loop_fd, offset, new_part);
                if (r < 0)
                        return r;
                r = luks_image_set_size(d->image_fd, size, false);
                if (r < 0)
                        return r;
                r = luks_gpt_write(d->image_fd, c->image_path, uuid, name, &offset, &new_part);
                if (r < 0)
                        return r;
        }
        closep(&loop_fd);
        return offline ? resize_close(d, mounted) : 0;
}

const HomeBackend home_backend_luks = {
        .storage = HOME_STORAGE_LUKS,
        .create = luks_create,
        .activate = luks_activate,
        .deactivate = luks_deactivate,
        .lock = luks_lock,
        .unlock = luks_unlock,
        .change_passphrases = luks_change_passphrases,
        .exposed = luks_exposed,
        .remove = luks_remove,
        .resize = luks_resize,
};
