/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Untrusted bytes through the whole record model: strict parse, load as a
 * user (two flag sets) and as a group, every effective getter, the account
 * policy, comparison with itself, and a canonical round trip. */

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "macro.h"
#include "record.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void exercise_user(UserRecord *ur) {
        _cleanup_free_ char *home = NULL, *image = NULL;
        uint64_t limit;
        uint32_t scale;
        bool known;
        volatile uint64_t sink = 0;

        home = user_record_home_directory(ur, NULL);
        (void) user_record_image_path(ur, "/home", &image);
        sink += (uint64_t) user_record_disposition(ur);
        sink += strlen(user_record_shell(ur));
        sink += user_record_gid(ur) + (uint64_t) user_record_storage(ur);
        sink += strlen(user_record_file_system_type(ur)) + strlen(user_record_skeleton_directory(ur));
        sink += user_record_access_mode(ur) + user_record_umask(ur);
        sink += strlen(user_record_luks_cipher(ur)) + strlen(user_record_luks_cipher_mode(ur));
        sink += user_record_luks_volume_key_size(ur) + strlen(user_record_luks_pbkdf_type(ur));
        sink += strlen(user_record_luks_pbkdf_hash_algorithm(ur)) + user_record_luks_pbkdf_force_iterations(ur);
        sink += user_record_luks_pbkdf_time_cost_usec(ur) + user_record_luks_pbkdf_memory_cost(ur);
        sink += user_record_luks_pbkdf_parallel_threads(ur) + user_record_luks_sector_size(ur);
        sink += user_record_luks_discard(ur) + user_record_luks_offline_discard(ur);
        sink += user_record_mount_nodev(ur) + user_record_mount_nosuid(ur) + user_record_mount_noexec(ur);
        sink += user_record_drop_caches(ur) + (uint64_t) user_record_auto_resize_mode(ur);
        sink += user_record_rebalance_weight(ur) + user_record_ratelimit_interval_usec(ur);
        sink += user_record_ratelimit_burst(ur) + user_record_enforce_password_policy(ur);
        sink += user_record_auto_login(ur) + user_record_kill_processes(ur) + (uint64_t) user_record_nice_level(ur);
        sink += user_record_locked(ur) + user_record_removable(ur, &known) + user_record_disk_size(ur);
        sink += user_record_pkcs11_protected_authentication_path_permitted(ur);
        sink += user_record_fido2_user_presence_permitted(ur) + user_record_fido2_user_verification_permitted(ur);
        user_record_tmp_limit(ur, &limit, &scale);
        user_record_dev_shm_limit(ur, &limit, &scale);
        sink += limit + scale;
        for (const char *const *l = user_record_self_modifiable_fields(ur); *l; l++)
                sink += strlen(*l);
        for (const char *const *l = user_record_self_modifiable_blobs(ur); *l; l++)
                sink += strlen(*l);
        for (const char *const *l = user_record_self_modifiable_privileged(ur); *l; l++)
                sink += strlen(*l);
        if (user_record_service(ur))
                sink += strlen(user_record_service(ur));
        if (ur->user_name && !user_record_matches_user_name(ur, user_record_user_name_and_realm(ur)))
                abort();
        (void) user_record_test_blocked(ur, UINT64_C(1700000000000000));
        (void) user_record_test_password_change_required(ur, UINT64_C(1700000000000000));
        (void) sink;
}

/* canonical(parse(canonical(x))) == canonical(x) */
static void check_canonical(json_object *v) {
        _cleanup_free_ char *a = NULL, *b = NULL;
        json_object *again = NULL;
        size_t na, nb;

        if (json_canonical_format(v, &a, &na) < 0)
                return;
        if (record_json_parse(a, na, SIZE_MAX, &again, NULL) < 0)
                abort();
        if (json_canonical_format(again, &b, &nb) < 0 || na != nb || memcmp(a, b, na) != 0)
                abort();
        json_object_put(again);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        static const RecordLoadFlags flag_sets[] = { 0, RECORD_LOAD_PERMISSIVE | RECORD_LOAD_STRICT_NAMES };
        RecordMachine m = { .hostname = "testhost" };
        json_object *v = NULL;

        if (size > 64 * 1024)
                return 0;
        if (record_json_parse((const char *) data, size, 0, &v, NULL) < 0)
                return 0;
        if (machine_id_parse("0123456789abcdef0123456789abcdef", &m.machine_id) < 0)
                abort();

        for (size_t i = 0; i < ELEMENTSOF(flag_sets); i++) {
                RecordLoadOptions o = { .policy = RECORD_POLICY_ANY, .flags = flag_sets[i], .machine = &m };
                UserRecord *ur = NULL, *won = NULL;
                RecordError e = {};

                if (user_record_load(v, &o, &ur, &e) < 0) {
                        /* Every failure names why. */
                        if (e.error >= 0 || !e.message[0])
                                abort();
                        continue;
                }
                /* What is kept is what was read: nothing lost. */
                if (!json_object_equal(v, user_record_json(ur)))
                        abort();
                exercise_user(ur);
                if (ur->user_name && user_record_compare_last_change(ur, ur) != 0)
                        abort();
                if (user_record_reconcile(ur, ur, RECONCILE_ANY, &o, &won, NULL) >= 0)
                        user_record_unref(won);
                user_record_unref(ur);
        }

        {
                RecordLoadOptions o = { .policy = RECORD_POLICY_ANY, .machine = &m };
                GroupRecord *gr = NULL;

                if (group_record_load(v, &o, &gr, NULL) >= 0) {
                        if (!json_object_equal(v, group_record_json(gr)))
                                abort();
                        (void) group_record_disposition(gr);
                        (void) group_record_service(gr);
                        group_record_unref(gr);
                }
        }

        check_canonical(v);
        json_object_put(v);
        return 0;
}
