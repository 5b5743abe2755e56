/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include "luks-token.h"
#include "luks-volume.h"
#include "macro.h"

static void quiet(int level, const char *msg, void *usrptr) {
}

static void setup(struct crypt_device *cd) {
        crypt_set_log_callback(cd, quiet, NULL);
        (void) crypt_volume_key_keyring(cd, 0);
}

int luks_volume_init(const char *device, struct crypt_device **ret) {
        struct crypt_device *cd = NULL;
        int r;

        crypt_set_log_callback(NULL, quiet, NULL);
        r = crypt_init(&cd, device);
        if (r < 0)
                return r;
        setup(cd);
        *ret = cd;
        return 0;
}

int luks_volume_init_by_name(const char *name, struct crypt_device **ret) {
        struct crypt_device *cd = NULL;
        int r;

        crypt_set_log_callback(NULL, quiet, NULL);
        r = crypt_init_by_name(&cd, name);
        if (r < 0)
                return r;
        setup(cd);
        *ret = cd;
        return 0;
}

int luks_volume_set_pbkdf(struct crypt_device *cd, const HomeRecord *h, bool minimal) {
        const char *type = home_record_pbkdf_type(h);
        struct crypt_pbkdf_type p = {
                .hash = home_record_pbkdf_hash_algorithm(h),
        };
        uint64_t forced = home_record_pbkdf_force_iterations(h);

        if (minimal) {
                /* As cheap as libcryptsetup allows: the secret itself
                 * carries the entropy. */
                p.type = CRYPT_KDF_PBKDF2;
                p.iterations = LUKS_PBKDF2_MIN_ITERATIONS;
                p.time_ms = 1;
                p.flags = CRYPT_PBKDF_NO_BENCHMARK;
                return crypt_set_pbkdf_type(cd, &p);
        }
        if (streq(type, "argon2id"))
                p.type = CRYPT_KDF_ARGON2ID;
        else if (streq(type, "argon2i"))
                p.type = CRYPT_KDF_ARGON2I;
        else if (streq(type, "pbkdf2"))
                p.type = CRYPT_KDF_PBKDF2;
        else
                return -EINVAL;
        if (!streq(type, "pbkdf2")) {
                uint64_t mem = home_record_pbkdf_memory_cost(h) / 1024;
                uint64_t threads = home_record_pbkdf_parallel_threads(h);
                if (mem < 32 || mem > UINT32_MAX || threads < 1 || threads > 16)
                        return -EINVAL;
                p.max_memory_kb = (uint32_t) mem;
                p.parallel_threads = (uint32_t) threads;
        }
        if (forced > 0) {
                if (forced > UINT32_MAX)
                        return -EINVAL;
                /* libcryptsetup refuses costs below its floor (argon2: 4
                 * passes, PBKDF2: 1000 iterations); a forced value below
                 * it gets the floor. */
                forced = MAX(forced, streq(type, "pbkdf2") ? (uint64_t) LUKS_PBKDF2_MIN_ITERATIONS : UINT64_C(4));
                p.iterations = (uint32_t) forced;
                p.flags = CRYPT_PBKDF_NO_BENCHMARK;
        } else
                p.time_ms = (uint32_t) MIN(MAX(home_record_pbkdf_time_cost_usec(h) / 1000, UINT64_C(1)),
                                           UINT64_C(3600000));
        return crypt_set_pbkdf_type(cd, &p);
}

int luks_volume_format(struct crypt_device *cd, const LuksSettings *s, const char *label,
                       const void *volume_key, size_t volume_key_size) {
        struct crypt_params_luks2 params = {
                .sector_size = (uint32_t) s->sector_size,
                .label = label,
                .subsystem = "systemd-home",
        };

        return crypt_format(cd, CRYPT_LUKS2, s->cipher, s->cipher_mode,
                            isempty(s->luks_uuid) ? NULL : s->luks_uuid,
                            volume_key, volume_key_size, &params);
}

int luks_volume_set_keyslots(struct crypt_device *cd, const HomeRecord *h, char * const *passphrases,
                             const void *volume_key, size_t volume_key_size) {
        size_t n = strv_length(passphrases);
        int max = crypt_keyslot_max(CRYPT_LUKS2), r;

        if (n == 0)
                return -EINVAL;
        if (n > (size_t) max)
                return -E2BIG;
        r = luks_volume_set_pbkdf(cd, h, false);
        if (r < 0)
                return r;
        for (size_t i = 0; i < n; i++) {
                crypt_keyslot_info ki = crypt_keyslot_status(cd, (int) i);
                if (ki == CRYPT_SLOT_ACTIVE || ki == CRYPT_SLOT_ACTIVE_LAST || ki == CRYPT_SLOT_UNBOUND) {
                        r = crypt_keyslot_destroy(cd, (int) i);
                        if (r < 0)
                                return r;
                }
                r = crypt_keyslot_add_by_volume_key(cd, (int) i, volume_key, volume_key_size,
                                                    passphrases[i], strlen(passphrases[i]));
                if (r < 0)
                        return r;
        }
        for (int i = (int) n; i < max; i++) {
                crypt_keyslot_info ki = crypt_keyslot_status(cd, i);
                if (ki == CRYPT_SLOT_ACTIVE || ki == CRYPT_SLOT_ACTIVE_LAST || ki == CRYPT_SLOT_UNBOUND) {
                        r = crypt_keyslot_destroy(cd, i);
                        if (r < 0)
                                return r;
                }
        }
        return 0;
}

static int map_pass_error(int r) {
        /* libcryptsetup says EPERM for "no key available with this passphrase". */
        return r == -EPERM || r == -ENOENT ? -ENOKEY : r;
}

int luks_volume_check_passphrases(struct crypt_device *cd, char * const *passphrases) {
        int r = -ENOKEY;

        for (char * const *p = passphrases; p && *p; p++) {
                r = map_pass_error(crypt_activate_by_passphrase(cd, NULL, CRYPT_ANY_SLOT, *p, strlen(*p), 0));
                if (r >= 0 || r != -ENOKEY)
                        return r;
        }
        return r;
}

int luks_volume_get_key(struct crypt_device *cd, char * const *passphrases, void *ret_key, size_t *ret_size) {
        int r = -ENOKEY;

        for (char * const *p = passphrases; p && *p; p++) {
                size_t size = LUKS_VOLUME_KEY_MAX;
                r = map_pass_error(crypt_volume_key_get(cd, CRYPT_ANY_SLOT, ret_key, &size, *p, strlen(*p)));
                if (r >= 0) {
                        *ret_size = size;
                        return r;
                }
                if (r != -ENOKEY)
                        return r;
        }
        return r;
}

static bool is_homed_token(struct crypt_device *cd, int i) {
        const char *type = NULL;
        crypt_token_info ti = crypt_token_status(cd, i, &type);

        return ti != CRYPT_TOKEN_INVALID && ti != CRYPT_TOKEN_INACTIVE && streq_ptr(type, LUKS_TOKEN_TYPE);
}

int luks_volume_token_write(struct crypt_device *cd, const char *json) {
        int max = crypt_token_max(CRYPT_LUKS2), first = -1, r;

        for (int i = 0; i < max; i++) {
                if (!is_homed_token(cd, i))
                        continue;
                if (first < 0)
                        first = i;
                else {
                        r = crypt_token_json_set(cd, i, NULL);
                        if (r < 0)
                                return r;
                }
        }
        r = crypt_token_json_set(cd, first < 0 ? CRYPT_ANY_TOKEN : first, json);
        return r < 0 ? r : 0;
}

int luks_volume_token_read(struct crypt_device *cd, char **ret_json) {
        int max = crypt_token_max(CRYPT_LUKS2);

        for (int i = 0; i < max; i++) {
                const char *json = NULL;
                char *copy;
                int r;

                if (!is_homed_token(cd, i))
                        continue;
                r = crypt_token_json_get(cd, i, &json);
                if (r < 0)
                        return r;
                copy = strdup(json);
                if (!copy)
                        return -ENOMEM;
                *ret_json = copy;
                return 0;
        }
        return -ENODATA;
}
