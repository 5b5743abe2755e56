/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* The PBKDF choice for new keyslots, on a LUKS2 header in a plain file
 * (no loop or dm needed): the record's KDF for passwords, and the cheap
 * PBKDF2 for a high-entropy secret (a token-derived key) that nothing in
 * the worker feeds yet, so it is kept honest here. */

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <fcntl.h>
#include <openssl/rand.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "home-record.h"
#include "luks-record.h"
#include "luks-volume.h"
#include "macro.h"

typedef struct Fixture {
        char path[64];
        HomeRecord *record;
        LuksSettings settings;
        struct crypt_device *cd;
        uint8_t vk[32];
} Fixture;

static int setup(void **state) {
        Fixture *f = calloc(1, sizeof *f);
        json_object *v;
        int fd;

        assert_non_null(f);
        snprintf(f->path, sizeof f->path, "/var/tmp/test-luks-volume-XXXXXX");
        fd = mkstemp(f->path);
        assert_true(fd >= 0);
        assert_int_equal(ftruncate(fd, 20 << 20), 0);
        close(fd);
        v = json_tokener_parse("{\"userName\":\"vol\",\"uid\":60510,\"storage\":\"luks\","
                               "\"luksPbkdfType\":\"argon2id\",\"luksPbkdfHashAlgorithm\":\"sha256\","
                               "\"luksPbkdfForceIterations\":4,\"luksPbkdfMemoryCost\":33554432}");
        assert_non_null(v);
        assert_int_equal(home_record_load(v, NULL, &f->record), 0);
        json_object_put(v);
        assert_int_equal(luks_settings_load(f->record, &f->settings), 0);
        assert_int_equal(luks_volume_init(f->path, &f->cd), 0);
        assert_int_equal(RAND_bytes(f->vk, sizeof f->vk), 1);
        assert_int_equal(luks_volume_format(f->cd, &f->settings, "vol", f->vk, sizeof f->vk), 0);
        *state = f;
        return 0;
}

static int teardown(void **state) {
        Fixture *f = *state;

        crypt_free(f->cd);
        luks_settings_done(&f->settings);
        home_record_free(f->record);
        unlink(f->path);
        free(f);
        return 0;
}

/* A synthetic high-entropy secret: 32 random bytes, hex. */
static void high_entropy_secret(char out[65]) {
        uint8_t b[32];

        assert_int_equal(RAND_bytes(b, sizeof b), 1);
        for (size_t i = 0; i < sizeof b; i++)
                snprintf(out + 2 * i, 3, "%02x", b[i]);
}

static int add_slot(Fixture *f, const char *pass) {
        return crypt_keyslot_add_by_volume_key(f->cd, CRYPT_ANY_SLOT, (const char *) f->vk, sizeof f->vk,
                                               pass, strlen(pass));
}

static void test_minimal_pbkdf(void **state) {
        Fixture *f = *state;
        struct crypt_pbkdf_type p;
        char secret[65];
        int slot;

        high_entropy_secret(secret);
        assert_int_equal(luks_volume_set_pbkdf(f->cd, f->record, true), 0);
        slot = add_slot(f, secret);
        assert_true(slot >= 0);
        assert_int_equal(crypt_keyslot_get_pbkdf(f->cd, slot, &p), 0);
        assert_string_equal(p.type, CRYPT_KDF_PBKDF2);
        assert_string_equal(p.hash, "sha256");         /* the record's hash stays */
        /* Cheap by construction (the iteration count above), not by a clock:
         * timings are for bench/, and a loaded sanitizer run is slow. */
        assert_int_equal(p.iterations, LUKS_PBKDF2_MIN_ITERATIONS);

        assert_int_equal(crypt_activate_by_passphrase(f->cd, NULL, CRYPT_ANY_SLOT, secret, strlen(secret), 0), slot);
        secret[0] = secret[0] == 'a' ? 'b' : 'a';
        assert_int_equal(crypt_activate_by_passphrase(f->cd, NULL, CRYPT_ANY_SLOT, secret, strlen(secret), 0), -EPERM);
        explicit_bzero(secret, sizeof secret);
}

static void test_record_pbkdf(void **state) {
        Fixture *f = *state;
        struct crypt_pbkdf_type p;
        int slot;

        /* Without the flag the record's KDF applies, even to such a secret. */
        assert_int_equal(luks_volume_set_pbkdf(f->cd, f->record, false), 0);
        slot = add_slot(f, "a password");
        assert_true(slot >= 0);
        assert_int_equal(crypt_keyslot_get_pbkdf(f->cd, slot, &p), 0);
        assert_string_equal(p.type, CRYPT_KDF_ARGON2ID);
        assert_int_equal(p.iterations, 4);
        assert_int_equal(p.max_memory_kb, 32768);
        assert_int_equal(crypt_activate_by_passphrase(f->cd, NULL, CRYPT_ANY_SLOT, "a password", 10, 0), slot);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test_setup_teardown(test_minimal_pbkdf, setup, teardown),
                cmocka_unit_test_setup_teardown(test_record_pbkdf, setup, teardown),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
