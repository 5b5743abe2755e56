/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include "home-auth.h"
#include "luks-header-record.h"
#include "macro.h"
#include "signature.h"

uint64_t luks_record_last_change(json_object *record) {
        json_object *f;

        if (!json_object_object_get_ex(record, "lastChangeUSec", &f) || !json_object_is_type(f, json_type_int) ||
            json_object_get_int64(f) < 0)
                return 0;
        return json_object_get_uint64(f);
}

/* The public keys named by a record's signatures. */
static int signature_keys(json_object *record, EVP_PKEY ***ret, size_t *ret_n) {
        json_object *sig;
        EVP_PKEY **l;
        size_t n = 0, max;

        *ret = NULL;
        *ret_n = 0;
        if (!json_object_object_get_ex(record, "signature", &sig) || !json_object_is_type(sig, json_type_array))
                return 0;
        max = json_object_array_length(sig);
        l = calloc(max + 1, sizeof(EVP_PKEY *));
        if (!l)
                return -ENOMEM;
        for (size_t i = 0; i < max; i++) {
                json_object *e = json_object_array_get_idx(sig, i), *k;
                EVP_PKEY *key = NULL;

                if (!json_object_object_get_ex(e, "key", &k) || !json_object_is_type(k, json_type_string))
                        continue;
                if (signing_key_load_public_pem(json_object_get_string(k), (size_t) json_object_get_string_len(k),
                                                &key) >= 0)
                        l[n++] = key;
        }
        *ret = l;
        *ret_n = n;
        return 0;
}

static void keys_free(EVP_PKEY **l, size_t n) {
        for (size_t i = 0; i < n; i++)
                EVP_PKEY_free(l[i]);
        free(l);
}

int luks_header_record_check(const HomeRecord *host, json_object *header, char * const *passphrases) {
        _cleanup_(home_record_freep) HomeRecord *h = NULL;
        _cleanup_strv_free_erase_ char **ok = NULL;
        HomeSecret secret = { .password = (char **) passphrases };
        EVP_PKEY **keys = NULL;
        size_t n_keys = 0;
        json_object *sig;
        bool host_signed, header_signed;
        int r;

        r = home_record_load(header, NULL, &h);
        if (r < 0)
                return r == -ENOMEM ? r : -EBADMSG;
        if (!streq(h->user_name, host->user_name) || !streq_ptr(h->realm, host->realm))
                return -EREMCHG;

        host_signed = json_object_object_get_ex(host->json, "signature", &sig) &&
                json_object_is_type(sig, json_type_array) && json_object_array_length(sig) > 0;
        header_signed = json_object_object_get_ex(header, "signature", &sig) &&
                json_object_is_type(sig, json_type_array) && json_object_array_length(sig) > 0;
        if (host_signed) {
                r = signature_keys(host->json, &keys, &n_keys);
                if (r < 0)
                        return r;
                r = n_keys > 0 && header_signed ? record_verify(header, keys, n_keys) : -EREMCHG;
                keys_free(keys, n_keys);
                if (r == -ENOMEM)
                        return r;
                if (r != RECORD_SIG_SIGNED && r != RECORD_SIG_SIGNED_EXCLUSIVE)
                        return -EREMCHG;
        } else if (header_signed)
                return -EREMCHG;        /* nothing to verify it with */

        r = home_authenticate(h, &secret, &ok);
        if (r == -EKEYREVOKED)
                return -ENOKEY;         /* strict: a header record without hashes proves nothing */
        return r;
}
