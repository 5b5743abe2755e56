/* SPDX-License-Identifier: LGPL-2.1-or-later */


#include "home-auth.h"
#include "macro.h"
#include "password-hash.h"
#include "recovery-key.h"

int home_password_verify(const char *password, const char *hash) {
        return password_hash_verify(password, hash);
}

int home_recovery_key_normalize(const char *input, char **ret) {
        return recovery_key_normalize(input, ret);
}

static int strv_push_copy(char ***l, size_t *n, const char *s) {
        char **nl = reallocarray(*l, *n + 2, sizeof(char *));
        if (!nl)
                return -ENOMEM;
        *l = nl;
        nl[*n] = strdup(s);
        if (!nl[*n])
                return -ENOMEM;
        nl[++*n] = NULL;
        return 0;
}

/* The supplied password satisfying hash, as it must be fed to the
 * storage: verbatim for passwords, canonical for recovery keys. */
static int find_match(const HomeSecret *s, const char *hash, bool recovery, char **ret) {
        for (char **p = s ? s->password : NULL; p && *p; p++) {
                _cleanup_erase_free_ char *norm = NULL;
                const char *cand = *p;
                int r;

                if (recovery) {
                        if (home_recovery_key_normalize(*p, &norm) < 0)
                                continue;
                        cand = norm;
                }
                r = home_password_verify(cand, hash);
                if (r == -ENOMEM)
                        return r;
                if (r > 0) {
                        *ret = strdup(cand);
                        return *ret ? 1 : -ENOMEM;
                }
        }
        return 0;
}

static int collect(const HomeRecord *h, const HomeSecret *s, bool require_all, char ***ret) {
        _cleanup_strv_free_erase_ char **l = calloc(1, sizeof(char *));
        size_t n = 0;
        bool any_hash = false;

        if (!l)
                return -ENOMEM;
        for (int pass = 0; pass < 2; pass++)
                for (char **hash = pass == 0 ? h->hashed_password : h->recovery_key_hash; hash && *hash; hash++) {
                        _cleanup_erase_free_ char *m = NULL;
                        bool dup = false;
                        int r;

                        any_hash = true;
                        r = find_match(s, *hash, pass == 1, &m);
                        if (r < 0)
                                return r;
                        if (r == 0) {
                                if (require_all)
                                        return -ENOKEY;
                                continue;
                        }
                        for (size_t i = 0; i < n && !dup; i++)
                                dup = streq(l[i], m);
                        if (dup && !require_all)
                                continue;
                        r = strv_push_copy(&l, &n, m);
                        if (r < 0)
                                return r;
                }
        if (!any_hash)
                return -EKEYREVOKED;
        if (n == 0)
                return -ENOKEY;
        *ret = TAKE_PTR(l);
        return 0;
}

int home_authenticate(const HomeRecord *h, const HomeSecret *s, char ***ret) {
        return collect(h, s, false, ret);
}

int home_slot_passphrases(const HomeRecord *h, const HomeSecret *s, char ***ret) {
        return collect(h, s, true, ret);
}
