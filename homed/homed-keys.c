/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* Signing keys (home-unlock.md §10): local.private/local.public in the
 * state directory, generated on first start; every *.public in the key
 * directories (the state directory and systemd-homed's) is trusted, so
 * records signed by systemd-homed can be adopted. */

#include <dirent.h>
#include <fcntl.h>
#include <openssl/pem.h>
#include <sys/stat.h>

#include "homed-manager.h"
#include "macro.h"

static int generate_keys(Manager *m) {
        _cleanup_pkey_ EVP_PKEY *key = NULL;
        _cleanup_free_ char *pub = NULL;
        char *priv = NULL;
        BIO *bio;
        long len;
        int r;

        r = signing_key_generate(&key);
        if (r < 0)
                return r;
        bio = BIO_new(BIO_s_secmem());
        if (!bio)
                return -ENOMEM;
        if (!PEM_write_bio_PrivateKey(bio, key, NULL, NULL, 0, NULL, NULL)) {
                BIO_free(bio);
                return -EIO;
        }
        len = BIO_get_mem_data(bio, &priv);
        _cleanup_erase_free_ char *priv_text = strndup(priv, (size_t) len);
        BIO_free(bio);
        if (!priv_text)
                return -ENOMEM;
        r = signing_key_public_pem(key, &pub);
        if (r < 0)
                return r;
        /* The public half first: a crash between the two leaves no
         * private key whose public half is unknown. */
        r = write_file_atomic(m->state_dir, "local.public", pub, strlen(pub), 0444);
        if (r < 0)
                return r;
        r = write_file_atomic(m->state_dir, "local.private", priv_text, strlen(priv_text), 0600);
        if (r < 0)
                return r;
        m->private_key = TAKE_PTR(key);
        return 0;
}

static int add_trusted(Manager *m, EVP_PKEY *k) {
        for (size_t i = 0; i < m->n_trusted; i++)
                if (signing_key_equal(m->trusted[i], k) > 0) {
                        EVP_PKEY_free(k);
                        return 0;
                }
        EVP_PKEY **l = realloc(m->trusted, (m->n_trusted + 1) * sizeof(*l));
        if (!l) {
                EVP_PKEY_free(k);
                return -ENOMEM;
        }
        m->trusted = l;
        char **p = realloc(m->trusted_pem, (m->n_trusted + 1) * sizeof(*p));
        if (!p) {
                EVP_PKEY_free(k);
                return -ENOMEM;
        }
        m->trusted_pem = p;
        /* Without its text the key is still trusted, only slower to match. */
        if (signing_key_public_pem(k, &m->trusted_pem[m->n_trusted]) < 0)
                m->trusted_pem[m->n_trusted] = NULL;
        m->trusted[m->n_trusted++] = k;
        return 0;
}

static void load_dir(Manager *m, const char *dir) {
        _cleanup_closedir_ DIR *d = opendir(dir);
        struct dirent *de;

        if (!d)
                return;
        while ((de = readdir(d))) {
                size_t l = strlen(de->d_name);
                _cleanup_free_ char *p = NULL;
                EVP_PKEY *k = NULL;
                struct stat st;
                int r;

                if (de->d_name[0] == '.' || l <= 7 || !streq(de->d_name + l - 7, ".public"))
                        continue;
                if (asprintf(&p, "%s/%s", dir, de->d_name) < 0)
                        return;
                /* Trust only keys nobody but root could have put there. */
                if (stat(p, &st) < 0 || st.st_uid != 0 || (st.st_mode & 0022)) {
                        fprintf(stderr, "hearth-homed: ignoring %s: not root-owned or writable by others\n", p);
                        continue;
                }
                r = signing_key_load_public_file(p, &k);
                if (r < 0) {
                        fprintf(stderr, "hearth-homed: ignoring %s: %s\n", p, strerror(-r));
                        continue;
                }
                if (add_trusted(m, k) < 0)
                        return;
        }
}

int keys_setup(Manager *m) {
        _cleanup_free_ char *priv = NULL;
        int r;

        if (asprintf(&priv, "%s/local.private", m->state_dir) < 0)
                return -ENOMEM;
        r = signing_key_load_private_file(priv, &m->private_key);
        if (r == -ENOENT)
                r = generate_keys(m);
        if (r < 0)
                return r;

        /* Our own key is trusted first, whatever the directories hold. */
        EVP_PKEY *self = NULL;
        _cleanup_free_ char *pem = NULL;
        r = signing_key_public_pem(m->private_key, &pem);
        if (r < 0)
                return r;
        r = signing_key_load_public_pem(pem, strlen(pem), &self);
        if (r < 0)
                return r;
        r = add_trusted(m, self);
        if (r < 0)
                return r;
        for (char **d = m->key_dirs; d && *d; d++)
                load_dir(m, *d);
        return 0;
}

int keys_sign(Manager *m, json_object *record, json_object **ret) {
        if (!m->private_key)
                return -ENOKEY;
        return record_sign(record, m->private_key, ret);
}

int keys_check(Manager *m, json_object *record) {
        int r;

        r = record_verify_pem(record, m->trusted, (const char *const *) m->trusted_pem, 1);
        if (r < 0)
                return r;
        if (r == RECORD_SIG_UNSIGNED)
                return -EUCLEAN;
        if (r == RECORD_SIG_SIGNED || r == RECORD_SIG_SIGNED_EXCLUSIVE)
                return 1;
        r = record_verify_pem(record, m->trusted, (const char *const *) m->trusted_pem, m->n_trusted);
        if (r < 0)
                return r;
        if (r == RECORD_SIG_SIGNED || r == RECORD_SIG_SIGNED_EXCLUSIVE)
                return 0;
        return -EPERM;
}
