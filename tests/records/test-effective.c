/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* One getter per setting: defaults and what overrides them. */

#include <errno.h>

#include "macro.h"
#include "record-test-util.h"

static void test_disposition(void **state) {
        static const struct { uid_t uid; UserDisposition d; } t[] = {
                { 0, USER_INTRINSIC }, { 65534, USER_INTRINSIC }, { 1, USER_SYSTEM }, { 999, USER_SYSTEM },
                { 1000, USER_REGULAR }, { 60001, USER_REGULAR }, { 60578, USER_REGULAR },
                { 61184, USER_DYNAMIC }, { 65519, USER_DYNAMIC }, { 65520, USER_REGULAR },
                { 524287, USER_REGULAR }, { 524288, USER_CONTAINER }, { 1879048191, USER_CONTAINER },
                { 1879048192, USER_REGULAR }, { 2147352576U, USER_FOREIGN }, { 2147418111U, USER_FOREIGN },
                { 2147418112U, USER_REGULAR }, { 2147483647U, USER_REGULAR }, { 2147483648U, USER_RESERVED },
                { 4294967294U, USER_RESERVED }, { UID_INVALID, _USER_DISPOSITION_INVALID },
        };
        for (size_t i = 0; i < ELEMENTSOF(t); i++) {
                if (user_disposition_from_uid(t[i].uid) != t[i].d)
                        fail_msg("uid %u: got %d want %d", t[i].uid, user_disposition_from_uid(t[i].uid), t[i].d);
                assert_int_equal(group_disposition_from_gid(t[i].uid), t[i].d);
        }

        UserRecord *ur = load_user("{\"userName\":\"a\",\"uid\":5,\"disposition\":\"regular\"}");
        assert_int_equal(user_record_disposition(ur), USER_REGULAR);
        user_record_unref(ur);
        ur = load_user("{\"userName\":\"a\",\"uid\":5}");
        assert_int_equal(user_record_disposition(ur), USER_SYSTEM);
        user_record_unref(ur);
        assert_string_equal(user_disposition_to_string(USER_FOREIGN), "foreign");
        assert_int_equal(user_disposition_from_string("container"), USER_CONTAINER);
        assert_int_equal(user_disposition_from_string("x"), _USER_DISPOSITION_INVALID);
}

static void test_home_shell(void **state) {
        UserRecord *ur = load_user("{\"userName\":\"alice\",\"uid\":60100}");
        _cleanup_free_ char *h = user_record_home_directory(ur, NULL), *h2 = user_record_home_directory(ur, "/srv/homes");
        assert_string_equal(h, "/home/alice");
        assert_string_equal(h2, "/srv/homes/alice");
        assert_string_equal(user_record_shell(ur), USER_RECORD_DEFAULT_SHELL);
        assert_int_equal(user_record_gid(ur), 60100);
        user_record_unref(ur);

        ur = load_user("{\"userName\":\"root\",\"uid\":0}");
        _cleanup_free_ char *hr = user_record_home_directory(ur, NULL);
        assert_string_equal(hr, "/root");
        assert_string_equal(user_record_shell(ur), "/bin/sh");
        user_record_unref(ur);

        ur = load_user("{\"userName\":\"daemon\",\"uid\":2}");
        _cleanup_free_ char *hs = user_record_home_directory(ur, NULL);
        assert_string_equal(hs, "/");
        assert_string_equal(user_record_shell(ur), USER_RECORD_NOLOGIN_SHELL);
        user_record_unref(ur);

        ur = load_user("{\"userName\":\"a\",\"uid\":60100,\"gid\":100,\"homeDirectory\":\"/h/a\",\"shell\":\"/bin/zsh\","
                       "\"status\":{\"" TEST_MACHINE_ID "\":{\"useFallback\":true,\"fallbackShell\":\"/bin/fb\","
                       "\"fallbackHomeDirectory\":\"/fb\"}}}");
        _cleanup_free_ char *hf = user_record_home_directory(ur, NULL);
        assert_string_equal(hf, "/fb");
        assert_string_equal(user_record_shell(ur), "/bin/fb");
        assert_int_equal(user_record_gid(ur), 100);
        user_record_unref(ur);
}

static void test_storage(void **state) {
        char *p = NULL;
        UserRecord *ur = load_user("{\"userName\":\"a\",\"uid\":60100,\"realm\":\"ex.org\",\"storage\":\"luks\"}");

        assert_int_equal(user_record_storage(ur), USER_LUKS);
        assert_int_equal(user_record_image_path(ur, NULL, &p), 0);
        assert_string_equal(p, "/home/a@ex.org.home");
        free(p);
        assert_string_equal(user_record_file_system_type(ur), "btrfs");
        assert_int_equal(user_record_auto_resize_mode(ur), AUTO_RESIZE_SHRINK_AND_GROW);
        assert_false(user_record_drop_caches(ur));
        assert_false(user_record_luks_discard(ur));            /* loopback file */
        assert_true(user_record_luks_offline_discard(ur));
        user_record_unref(ur);

        ur = load_user("{\"userName\":\"a\",\"uid\":60100,\"storage\":\"fscrypt\"}");
        assert_int_equal(user_record_image_path(ur, "/srv", &p), 0);
        assert_string_equal(p, "/srv/a.homedir");
        free(p);
        assert_true(user_record_drop_caches(ur));
        assert_int_equal(user_record_auto_resize_mode(ur), AUTO_RESIZE_OFF);
        user_record_unref(ur);

        ur = load_user("{\"userName\":\"a\",\"uid\":60100}");
        assert_int_equal(user_record_storage(ur), USER_CLASSIC);
        assert_int_equal(user_record_image_path(ur, NULL, &p), 0);
        assert_null(p);
        user_record_unref(ur);

        ur = load_user("{\"userName\":\"a\",\"uid\":60100,\"storage\":\"luks\",\"imagePath\":\"/dev/sdb\","
                       "\"luksOfflineDiscard\":false,\"fileSystemType\":\"ext4\","
                       "\"status\":{\"" TEST_MACHINE_ID "\":{\"fileSystemType\":\"xfs\"}}}");
        assert_true(user_record_luks_discard(ur));             /* real block device */
        assert_false(user_record_luks_offline_discard(ur));
        assert_string_equal(user_record_file_system_type(ur), "xfs");
        bool known;
        assert_false(user_record_removable(ur, &known) && !known);
        assert_true(user_record_removable(ur, &known));
        assert_true(known);
        user_record_unref(ur);

        ur = load_user("{\"userName\":\"a\",\"storage\":\"cifs\",\"cifsService\":\"//srv/share\"}");
        assert_int_equal(user_record_image_path(ur, NULL, &p), 0);
        assert_string_equal(p, "//srv/share");
        free(p);
        user_record_removable(ur, &known);
        assert_true(known);
        user_record_unref(ur);

        ur = load_user("{\"userName\":\"a\"}");
        assert_false(user_record_removable(ur, &known));
        assert_false(known);
        user_record_unref(ur);
}

static void test_luks_defaults(void **state) {
        UserRecord *ur = load_user("{\"userName\":\"a\"}");

        assert_string_equal(user_record_luks_cipher(ur), "aes");
        assert_string_equal(user_record_luks_cipher_mode(ur), "xts-plain64");
        assert_int_equal(user_record_luks_volume_key_size(ur), 32);
        assert_string_equal(user_record_luks_pbkdf_type(ur), "argon2id");
        assert_string_equal(user_record_luks_pbkdf_hash_algorithm(ur), "sha512");
        assert_int_equal(user_record_luks_pbkdf_force_iterations(ur), 0);
        assert_int_equal(user_record_luks_pbkdf_time_cost_usec(ur), 500000);
        assert_int_equal(user_record_luks_pbkdf_memory_cost(ur), 64 * 1024 * 1024);
        assert_int_equal(user_record_luks_pbkdf_parallel_threads(ur), 1);
        assert_int_equal(user_record_luks_sector_size(ur), 512);
        user_record_unref(ur);

        ur = load_user("{\"userName\":\"a\",\"luksPbkdfType\":\"pbkdf2\",\"luksPbkdfMemoryCost\":1000,"
                       "\"luksPbkdfParallelThreads\":4,\"luksPbkdfTimeCostUSec\":5}");
        assert_int_equal(user_record_luks_pbkdf_memory_cost(ur), 0);
        assert_int_equal(user_record_luks_pbkdf_parallel_threads(ur), 0);
        assert_int_equal(user_record_luks_pbkdf_time_cost_usec(ur), 5);
        user_record_unref(ur);

        ur = load_user("{\"userName\":\"a\",\"luksPbkdfMemoryCost\":1000,\"luksPbkdfParallelThreads\":4}");
        assert_int_equal(user_record_luks_pbkdf_memory_cost(ur), 1000);
        assert_int_equal(user_record_luks_pbkdf_parallel_threads(ur), 4);
        user_record_unref(ur);
}

static void test_misc_defaults(void **state) {
        UserRecord *ur = load_user("{\"userName\":\"a\",\"uid\":60100}");
        uint64_t limit;
        uint32_t scale;

        assert_int_equal(user_record_access_mode(ur), 0700);
        assert_int_equal(user_record_umask(ur), 0022);
        assert_string_equal(user_record_skeleton_directory(ur), "/etc/skel");
        assert_true(user_record_mount_nodev(ur));
        assert_true(user_record_mount_nosuid(ur));
        assert_false(user_record_mount_noexec(ur));
        assert_int_equal(user_record_rebalance_weight(ur), 100);
        assert_int_equal(user_record_ratelimit_interval_usec(ur), 60000000);
        assert_int_equal(user_record_ratelimit_burst(ur), 30);
        assert_true(user_record_enforce_password_policy(ur));
        assert_false(user_record_auto_login(ur));
        assert_false(user_record_kill_processes(ur));
        assert_int_equal(user_record_nice_level(ur), 0);
        assert_false(user_record_locked(ur));
        assert_false(user_record_fido2_user_presence_permitted(ur));
        assert_null(user_record_service(ur));
        assert_true(user_record_disk_size(ur) == UINT64_MAX);
        user_record_tmp_limit(ur, &limit, &scale);
        assert_true(limit == UINT64_MAX);
        assert_int_equal(scale, USER_TMPFS_LIMIT_SCALE_DEFAULT);
        assert_true(scale > UINT32_MAX / 100 * 79 && scale < UINT32_MAX / 100 * 81);
        user_record_unref(ur);

        ur = load_user("{\"userName\":\"a\",\"uid\":5,\"accessMode\":960,\"umask\":63,\"mountNoDevices\":false,"
                       "\"mountNoExecute\":true,\"rebalanceWeight\":false,\"rateLimitBurst\":3,\"niceLevel\":-20,"
                       "\"devShmLimit\":100,\"diskSize\":7,\"status\":{\"" TEST_MACHINE_ID "\":{\"service\":\"s\",\"diskSize\":9}}}");
        assert_int_equal(user_record_access_mode(ur), 01700);
        assert_int_equal(user_record_umask(ur), 077);
        assert_false(user_record_mount_nodev(ur));
        assert_true(user_record_mount_noexec(ur));
        assert_int_equal(user_record_rebalance_weight(ur), 0);
        assert_int_equal(user_record_ratelimit_burst(ur), 3);
        assert_int_equal(user_record_nice_level(ur), -20);
        assert_string_equal(user_record_service(ur), "s");
        assert_int_equal(user_record_disk_size(ur), 9);
        user_record_tmp_limit(ur, &limit, &scale);               /* system user: no default */
        assert_true(limit == UINT64_MAX);
        assert_true(scale == UINT32_MAX);
        user_record_dev_shm_limit(ur, &limit, &scale);
        assert_int_equal(limit, 100);
        assert_true(scale == UINT32_MAX);
        user_record_unref(ur);
}

static size_t count(const char *const *l) {
        size_t n = 0;
        while (l[n])
                n++;
        return n;
}

static void test_self_modifiable(void **state) {
        UserRecord *ur = load_user("{\"userName\":\"a\",\"uid\":60100}");
        assert_int_equal(count(user_record_self_modifiable_fields(ur)), 17);
        assert_string_equal(user_record_self_modifiable_blobs(ur)[0], "avatar");
        assert_int_equal(count(user_record_self_modifiable_privileged(ur)), 6);
        user_record_unref(ur);

        ur = load_user("{\"userName\":\"a\",\"uid\":5}");
        assert_int_equal(count(user_record_self_modifiable_fields(ur)), 0);
        assert_int_equal(count(user_record_self_modifiable_blobs(ur)), 0);
        user_record_unref(ur);

        ur = load_user("{\"userName\":\"a\",\"uid\":60100,\"selfModifiableFields\":[],\"selfModifiableBlobs\":[\"x\"]}");
        assert_int_equal(count(user_record_self_modifiable_fields(ur)), 0);
        assert_string_equal(user_record_self_modifiable_blobs(ur)[0], "x");
        user_record_unref(ur);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_disposition),
                cmocka_unit_test(test_home_shell),
                cmocka_unit_test(test_storage),
                cmocka_unit_test(test_luks_defaults),
                cmocka_unit_test(test_misc_defaults),
                cmocka_unit_test(test_self_modifiable),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
