/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* storage "fscrypt": a directory with an fscrypt v2 policy. A random
 * 64-byte master key is wrapped once per effective passphrase into
 * trusted.fscrypt_slot<N> xattrs of the directory (fscrypt-slot.h). The
 * key lives in the file system keyring only while the home is active and
 * unlocked; deactivate and lock remove it, which evicts the plaintext.
 * Homes made by systemd-homed (v1 policy, legacy slots) are read too. */

#include <fcntl.h>
#include <openssl/rand.h>
#include <stdio.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <linux/fscrypt.h>

#include "fscrypt-kernel.h"
#include "fscrypt-slot.h"
#include "home-backend.h"
#include "home-fs.h"
#include "macro.h"
#include "secure-mem.h"

#define SLOT_MAX 64U

static int open_home(HomeContext *c, int *ret_fd, FscryptPolicy *ret_policy) {
        _cleanup_close_ int fd = open(c->image_path, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
        int r;

        if (fd < 0)
                return -errno;
        r = fscrypt_get_policy(fd, ret_policy);
        if (r < 0)
                return r;
        *ret_fd = TAKE_FD(fd);
        return 0;
}

/* The key ioctls act on the whole file system; issuing them through an fd
 * of the encrypted directory itself would pin one of the inodes the key
 * removal has to evict, so they go through its parent when that is on
 * the same file system. */
static int open_fs_fd(const char *image_path) {
        _cleanup_free_ char *parent = strdup(image_path);
        _cleanup_close_ int fd = -EBADF;
        struct stat a, b;
        char *slash;

        if (!parent)
                return -ENOMEM;
        slash = strrchr(parent, '/');
        if (!slash)
                return -EINVAL;
        slash[slash == parent ? 1 : 0] = 0;
        fd = open(parent, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fd >= 0 && fstat(fd, &a) >= 0 && stat(image_path, &b) >= 0 && a.st_dev == b.st_dev)
                return TAKE_FD(fd);
        return RET_NERRNO(open(image_path, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW));
}

static void slot_name(unsigned i, char buf[static 32]) {
        snprintf(buf, 32, "trusted.fscrypt_slot%u", i);
}

/* All slot texts, in slot order (NULL-terminated). */
static int read_slots(int fd, char ***ret) {
        _cleanup_strv_free_ char **l = calloc(SLOT_MAX + 1, sizeof(char *));
        unsigned n = 0;

        if (!l)
                return -ENOMEM;
        for (; n < SLOT_MAX; n++) {
                char name[32];
                ssize_t size;

                slot_name(n, name);
                size = fgetxattr(fd, name, NULL, 0);
                if (size < 0) {
                        if (errno == ENODATA)
                                break;
                        return -errno;
                }
                if (size > FSCRYPT_SLOT_TEXT_MAX)
                        return -EBADMSG;
                l[n] = calloc(1, (size_t) size + 1);
                if (!l[n])
                        return -ENOMEM;
                size = fgetxattr(fd, name, l[n], (size_t) size);
                if (size < 0)
                        return -errno;
        }
        *ret = TAKE_PTR(l);
        return 0;
}

static int write_slot(int fd, unsigned i, const char *text) {
        char name[32];

        slot_name(i, name);
        return RET_NERRNO(fsetxattr(fd, name, text, strlen(text), 0));
}

static int remove_slot(int fd, unsigned i) {
        char name[32];

        slot_name(i, name);
        if (fremovexattr(fd, name) >= 0 || errno == ENODATA)
                return 0;
        return -errno;
}

/* Whether key belongs to the directory's policy. */
static int key_matches(const FscryptPolicy *p, const uint8_t *key) {
        uint8_t id[FSCRYPT_ID_SIZE];
        int r;

        if (p->version == 1) {
                r = fscrypt_v1_descriptor(key, FSCRYPT_MASTER_KEY_SIZE, id);
                return r < 0 ? r : memcmp(id, p->descriptor, FSCRYPT_DESCRIPTOR_SIZE) == 0;
        }
        r = fscrypt_v2_identifier(key, FSCRYPT_MASTER_KEY_SIZE, id);
        return r < 0 ? r : memcmp(id, p->identifier, FSCRYPT_ID_SIZE) == 0;
}

/* Tries every passphrase on every slot; on success ret_key holds the
 * master key. -ENOKEY when none opens a slot. */
static int find_key(int fd, const FscryptPolicy *p, char **passphrases, uint8_t *ret_key) {
        _cleanup_strv_free_ char **slots = NULL;
        int r, bad = 0;

        r = read_slots(fd, &slots);
        if (r < 0)
                return r;
        for (char **pw = passphrases; pw && *pw; pw++)
                for (char **t = slots; *t; t++) {
                        FscryptSlot slot;

                        if (fscrypt_slot_parse(*t, strlen(*t), &slot) < 0) {
                                bad++;
                                continue;       /* a damaged slot must not lock out the others */
                        }
                        r = fscrypt_slot_unwrap(&slot, *pw, ret_key, NULL);
                        if (r == -ENOKEY)
                                continue;
                        if (r < 0)
                                return r;
                        r = key_matches(p, ret_key);
                        if (r < 0)
                                return r;
                        if (r > 0)
                                return 0;
                        explicit_bzero(ret_key, FSCRYPT_MASTER_KEY_SIZE);
                }
        return -ENOKEY;
}

typedef struct KeyUndo {
        char *path;
        FscryptPolicy policy;
} KeyUndo;

static void key_undo_free(void *userdata) {
        KeyUndo *u = userdata;
        if (u)
                free(u->path);
        free(u);
}

static int remove_key_at(const char *path, const FscryptPolicy *p, uint32_t *ret_flags) {
        _cleanup_close_ int fd = open_fs_fd(path);

        if (fd < 0)
                return fd;
        return fscrypt_remove_key(fd, p, true, ret_flags);
}

static int undo_remove_key(void *userdata) {
        KeyUndo *u = userdata;
        return remove_key_at(u->path, &u->policy, NULL);
}

static int push_key_undo(HomeSetup *s, const char *path, const FscryptPolicy *p) {
        KeyUndo *u = calloc(1, sizeof *u);

        if (u)
                u->path = strdup(path);
        if (!u || !u->path) {
                key_undo_free(u);
                (void) remove_key_at(path, p, NULL);
                return -ENOMEM;
        }
        u->policy = *p;
        return home_setup_push_undo(s, "remove fscrypt key", undo_remove_key, u, key_undo_free);
}

/* Puts a verified key into the file system keyring; registers its removal
 * as undo unless it was already there. */
static int install_key(HomeContext *c, HomeSetup *s, int fd, const FscryptPolicy *p, const uint8_t *key) {
        FscryptKeyStatus before = FSCRYPT_KEY_ABSENT;
        uint8_t id[FSCRYPT_ID_SIZE];
        int r;

        (void) fscrypt_get_key_status(fd, p, &before);
        if (p->version == 1)
                r = fscrypt_add_key_v1(fd, p->descriptor, key, FSCRYPT_MASTER_KEY_SIZE);
        else {
                r = fscrypt_add_key_v2(fd, key, FSCRYPT_MASTER_KEY_SIZE, id);
                if (r >= 0 && memcmp(id, p->identifier, sizeof id) != 0) {
                        FscryptPolicy other = { .version = 2 };
                        memcpy(other.identifier, id, sizeof id);
                        (void) fscrypt_remove_key(fd, &other, true, NULL);
                        return -EBADE;  /* the kernel disagrees with our identifier check */
                }
        }
        if (r < 0)
                return r;
        if (before == FSCRYPT_KEY_PRESENT)
                return 0;
        return push_key_undo(s, c->image_path, p);
}

static int open_and_install(HomeContext *c, HomeSetup *s) {
        _cleanup_secure_free_ uint8_t *key = secure_alloc(FSCRYPT_MASTER_KEY_SIZE);
        _cleanup_close_ int fd = -EBADF;
        FscryptPolicy p;
        int r;

        if (!key)
                return -ENOMEM;
        r = open_home(c, &fd, &p);
        if (r < 0)
                return r;
        r = find_key(fd, &p, c->passphrases, key);
        if (r < 0)
                return r;
        return install_key(c, s, fd, &p, key);
}

static int undo_rm_rf(void *userdata) {
        return home_rm_rf(userdata);
}

static int fscrypt_create(HomeContext *c, HomeSetup *s) {
        _cleanup_secure_free_ uint8_t *key = secure_alloc(FSCRYPT_MASTER_KEY_SIZE);
        _cleanup_close_ int fd = -EBADF;
        _cleanup_free_ char *p = NULL;
        FscryptPolicy policy = { .version = 2 };
        uint8_t expected[FSCRYPT_ID_SIZE];
        HomeKdf kdf;
        unsigned n = 0;
        int r;

        if (!key)
                return -ENOMEM;
        if (strv_length(c->passphrases) == 0 || strv_length(c->passphrases) > SLOT_MAX)
                return -EINVAL;
        r = home_kdf_from_record(c->record, &kdf);
        if (r < 0)
                return r;

        if (mkdir(c->image_path, 0700) < 0)
                return -errno;
        p = strdup(c->image_path);
        if (!p) {
                (void) rmdir(c->image_path);
                return -ENOMEM;
        }
        r = home_setup_push_undo(s, "remove new home directory", undo_rm_rf, TAKE_PTR(p), free);
        if (r < 0)
                return r;
        fd = open(c->image_path, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
        if (fd < 0)
                return -errno;

        if (RAND_priv_bytes(key, FSCRYPT_MASTER_KEY_SIZE) != 1)
                return -EIO;
        r = fscrypt_v2_identifier(key, FSCRYPT_MASTER_KEY_SIZE, expected);
        if (r < 0)
                return r;
        r = fscrypt_add_key_v2(fd, key, FSCRYPT_MASTER_KEY_SIZE, policy.identifier);
        if (r < 0)
                return r;
        r = push_key_undo(s, c->image_path, &policy);
        if (r < 0)
                return r;
        if (memcmp(expected, policy.identifier, sizeof expected) != 0)
                return -EBADE;
        r = fscrypt_set_policy_v2(fd, policy.identifier);
        if (r < 0)
                return r;

        for (char **pw = c->passphrases; *pw; pw++, n++) {
                _cleanup_free_ char *text = NULL;
                r = fscrypt_slot_wrap(key, *pw, &kdf, &text);
                if (r < 0)
                        return r;
                r = write_slot(fd, n, text);
                if (r < 0)
                        return r;
        }
        return home_setup_set_root(s, c->image_path);
}

static int fscrypt_activate(HomeContext *c, HomeSetup *s) {
        int r = open_and_install(c, s);
        if (r < 0)
                return r;
        return home_setup_set_root(s, c->image_path);
}

static int drop_caches(void) {
        _cleanup_close_ int fd = open("/proc/sys/vm/drop_caches", O_WRONLY | O_CLOEXEC);

        if (fd < 0)
                return -errno;
        sync();
        return write(fd, "3", 1) == 1 ? 0 : -errno;
}

/* The removal itself syncs the file system and evicts every inode the key
 * unlocked, with its page cache and the dentries of its plaintext names
 * (what dropCaches asks for, done for this home alone); what the page
 * cache of the block device holds is ciphertext. So the machine-wide
 * drop_caches, which also throws away every other cache, is only worth it
 * when the kernel reports inodes it could not evict: those only the caches
 * pinned go with it, and the removal is asked again. */
static int remove_key(HomeContext *c, HomeSetup *s) {
        _cleanup_close_ int fd = -EBADF;
        FscryptPolicy p;
        uint32_t flags = 0;
        int r;

        r = open_home(c, &fd, &p);
        if (r == -ENOENT)
                return 0;
        if (r < 0)
                return r;
        closep(&fd);
        fd = open_fs_fd(c->image_path);
        if (fd < 0)
                return fd;
        r = fscrypt_remove_key(fd, &p, true, &flags);
        if (r < 0)
                return r;
        if ((flags & FSCRYPT_KEY_REMOVAL_STATUS_FLAG_FILES_BUSY) && home_record_drop_caches(c->record)) {
                (void) drop_caches();
                r = fscrypt_remove_key(fd, &p, true, &flags);
                if (r < 0)
                        return r;
        }
        s->key_removal_flags = flags;
        return 0;
}

static int fscrypt_unlock(HomeContext *c, HomeSetup *s) {
        return open_and_install(c, s);
}

typedef struct SlotsUndo {
        char *path;
        char **texts;
} SlotsUndo;

static void slots_undo_free(void *userdata) {
        SlotsUndo *u = userdata;
        if (u) {
                free(u->path);
                strv_free(u->texts);
        }
        free(u);
}

static int undo_restore_slots(void *userdata) {
        SlotsUndo *u = userdata;
        _cleanup_close_ int fd = open(u->path, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
        unsigned i = 0;
        int r, ret = 0;

        if (fd < 0)
                return -errno;
        for (; u->texts[i]; i++)
                if ((r = write_slot(fd, i, u->texts[i])) < 0 && ret == 0)
                        ret = r;
        for (; i < SLOT_MAX; i++)
                if ((r = remove_slot(fd, i)) < 0 && ret == 0)
                        ret = r;
        return ret;
}

static int fscrypt_change_passphrases(HomeContext *c, HomeSetup *s) {
        _cleanup_secure_free_ uint8_t *key = secure_alloc(FSCRYPT_MASTER_KEY_SIZE);
        _cleanup_strv_free_ char **old = NULL;
        _cleanup_close_ int fd = -EBADF;
        SlotsUndo *u;
        FscryptPolicy p;
        HomeKdf kdf;
        unsigned n = 0, n_old;
        int r;

        if (!key)
                return -ENOMEM;
        if (strv_length(c->new_passphrases) == 0 || strv_length(c->new_passphrases) > SLOT_MAX)
                return -EINVAL;
        r = open_home(c, &fd, &p);
        if (r < 0)
                return r;
        r = find_key(fd, &p, c->passphrases, key);
        if (r < 0)
                return r;
        r = home_kdf_from_record(c->record, &kdf);
        if (r < 0)
                return r;
        r = read_slots(fd, &old);
        if (r < 0)
                return r;
        n_old = (unsigned) strv_length(old);

        u = calloc(1, sizeof *u);
        if (!u)
                return -ENOMEM;
        u->path = strdup(c->image_path);
        u->texts = TAKE_PTR(old);
        if (!u->path) {
                slots_undo_free(u);
                return -ENOMEM;
        }
        r = home_setup_push_undo(s, "restore fscrypt slots", undo_restore_slots, u, slots_undo_free);
        if (r < 0)
                return r;

        for (char **pw = c->new_passphrases; *pw; pw++, n++) {
                _cleanup_free_ char *text = NULL;
                r = fscrypt_slot_wrap(key, *pw, &kdf, &text);
                if (r < 0)
                        return r;
                r = write_slot(fd, n, text);
                if (r < 0)
                        return r;
        }
        for (unsigned i = n; i < n_old; i++) {
                r = remove_slot(fd, i);
                if (r < 0)
                        return r;
        }
        return 0;
}

static int fscrypt_inspect(HomeContext *c, HomeStatus *st) {
        _cleanup_close_ int fd = -EBADF;
        FscryptKeyStatus ks;
        FscryptPolicy p;
        int r;

        r = open_home(c, &fd, &p);
        if (r < 0)
                return r;
        st->policy_version = p.version;
        r = fscrypt_get_key_status(fd, &p, &ks);
        if (r < 0)
                return r;
        st->key_status = (int) ks;
        return 0;
}

static int fscrypt_remove(HomeContext *c, HomeSetup *s) {
        int r = remove_key(c, s);
        if (r < 0 && r != -ENODATA)
                return r;
        return home_rm_rf(c->image_path);
}

const HomeBackend home_backend_fscrypt = {
        .storage = HOME_STORAGE_FSCRYPT,
        .create = fscrypt_create,
        .activate = fscrypt_activate,
        .deactivate = remove_key,
        .lock = remove_key,
        .unlock = fscrypt_unlock,
        .change_passphrases = fscrypt_change_passphrases,
        .inspect = fscrypt_inspect,
        .remove = fscrypt_remove,
};
