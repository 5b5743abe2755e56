/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "recovery-key.h"

#include <errno.h>
#include <stdbool.h>
#include <string.h>
#include <sys/random.h>

#include "macro.h"
#include "password-hash.h"

static const char modhex[16] = "cbdefghijklnrtuv";

static int modhex_value(char c) {
        if (c >= 'A' && c <= 'Z')
                c = (char) (c - 'A' + 'a');
        for (int i = 0; i < 16; i++)
                if (modhex[i] == c)
                        return i;
        return -EINVAL;
}

static char *format_key(const unsigned char raw[static RECOVERY_KEY_RAW_SIZE]) {
        char *s = malloc(RECOVERY_KEY_FORMATTED_LENGTH + 1);
        size_t j = 0;

        if (!s)
                return NULL;
        for (size_t i = 0; i < RECOVERY_KEY_RAW_SIZE; i++) {
                if (i > 0 && i % 4 == 0)
                        s[j++] = '-';
                s[j++] = modhex[raw[i] >> 4];
                s[j++] = modhex[raw[i] & 0xf];
        }
        s[j] = 0;
        return s;
}

int recovery_key_generate(char **ret_key) {
        unsigned char raw[RECOVERY_KEY_RAW_SIZE];
        size_t n = 0;
        char *s;

        while (n < sizeof raw) {
                ssize_t l = getrandom(raw + n, sizeof raw - n, 0);
                if (l < 0) {
                        if (errno == EINTR)
                                continue;
                        explicit_bzero(raw, sizeof raw);
                        return -errno;
                }
                n += (size_t) l;
        }

        s = format_key(raw);
        explicit_bzero(raw, sizeof raw);
        if (!s)
                return -ENOMEM;

        *ret_key = s;
        return 0;
}

int recovery_key_normalize(const char *input, char **ret_key) {
        unsigned char raw[RECOVERY_KEY_RAW_SIZE];
        size_t l;
        bool dashes;
        char *s;

        if (!input)
                return -EINVAL;
        l = strlen(input);
        if (l == RECOVERY_KEY_RAW_SIZE * 2)
                dashes = false;
        else if (l == RECOVERY_KEY_FORMATTED_LENGTH)
                dashes = true;
        else
                return -EINVAL;

        for (size_t i = 0, k = 0; i < RECOVERY_KEY_RAW_SIZE; i++) {
                int a, b;

                if (dashes && i > 0 && i % 4 == 0) {
                        if (input[k] != '-')
                                goto invalid;
                        k++;
                }
                a = modhex_value(input[k]);
                b = modhex_value(input[k + 1]);
                if (a < 0 || b < 0)
                        goto invalid;
                raw[i] = (unsigned char) (a << 4 | b);
                k += 2;
        }

        s = format_key(raw);
        explicit_bzero(raw, sizeof raw);
        if (!s)
                return -ENOMEM;
        *ret_key = s;
        return 0;

invalid:
        explicit_bzero(raw, sizeof raw);
        return -EINVAL;
}

int recovery_key_test(json_object *recovery_key, char *const *passwords, size_t *ret_password_index) {
        size_t n;
        int r;

        if (!recovery_key)
                return 0;
        if (!json_object_is_type(recovery_key, json_type_array))
                return -EINVAL;
        n = json_object_array_length(recovery_key);

        /* Shape first, so a malformed array is reported whatever the passwords. */
        for (size_t i = 0; i < n; i++) {
                json_object *e = json_object_array_get_idx(recovery_key, i), *h;

                if (!json_object_is_type(e, json_type_object) ||
                    !json_object_object_get_ex(e, "hashedPassword", &h) ||
                    !json_object_is_type(h, json_type_string))
                        return -EINVAL;
        }

        for (size_t p = 0; passwords && passwords[p]; p++) {
                _cleanup_erase_free_ char *key = NULL;

                if (recovery_key_normalize(passwords[p], &key) < 0)
                        continue;

                for (size_t i = 0; i < n; i++) {
                        json_object *e = json_object_array_get_idx(recovery_key, i), *t, *h;

                        if (json_object_object_get_ex(e, "type", &t) &&
                            !streq_ptr(json_object_get_string(t), "modhex64"))
                                continue;
                        (void) json_object_object_get_ex(e, "hashedPassword", &h);

                        r = password_hash_verify(key, json_object_get_string(h));
                        if (r < 0)
                                return r;
                        if (r > 0) {
                                if (ret_password_index)
                                        *ret_password_index = p;
                                return 1;
                        }
                }
        }
        return 0;
}

int recovery_key_make_entry(const char *key, json_object **ret_entry) {
        _cleanup_erase_free_ char *canonical = NULL;
        _cleanup_free_ char *hash = NULL;
        json_object *e = NULL, *t = NULL, *h = NULL;
        int r;

        r = recovery_key_normalize(key, &canonical);
        if (r < 0)
                return r;
        r = password_hash_new(canonical, PASSWORD_HASH_PREFERRED, &hash);
        if (r < 0)
                return r;

        e = json_object_new_object();
        t = json_object_new_string("modhex64");
        h = json_object_new_string(hash);
        if (!e || !t || !h)
                goto fail;
        if (json_object_object_add(e, "type", t) < 0)
                goto fail;
        t = NULL;
        if (json_object_object_add(e, "hashedPassword", h) < 0)
                goto fail;

        *ret_entry = e;
        return 0;

fail:
        json_object_put(h);
        json_object_put(t);
        json_object_put(e);
        return -ENOMEM;
}
