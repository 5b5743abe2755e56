/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <fcntl.h>
#include <sys/stat.h>

#include "fileio.h"
#include "json-util.h"
#include "macro.h"

static char *make_tmpdir(void) {
        char *d = strdup("/tmp/hearth-test-fileio-XXXXXX");
        assert_non_null(d);
        assert_non_null(mkdtemp(d));
        return d;
}

static void write_file(const char *dir, const char *name, const char *data, size_t n) {
        _cleanup_free_ char *p = NULL;
        assert_true(asprintf(&p, "%s/%s", dir, name) > 0);
        _cleanup_close_ int fd = open(p, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
        assert_true(fd >= 0);
        assert_int_equal(write_all(fd, data, n), 0);
}

static void test_read_full_sizes(void **state) {
        _cleanup_free_ char *dir = make_tmpdir();
        _cleanup_close_ int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        char big[10000];
        (void) state;

        memset(big, 'x', sizeof big);
        write_file(dir, "empty", "", 0);
        write_file(dir, "big", big, sizeof big);
        write_file(dir, "nul", "a\0b", 3);

        for (ReadFullFlags f = 0; f <= (READ_FULL_SECURE | READ_FULL_REGULAR); f++) {
                char *buf = NULL;
                size_t n = 99;

                assert_int_equal(read_full_file_at(dfd, "empty", 0, 100, f, &buf, &n), 0);
                assert_int_equal(n, 0);
                assert_string_equal(buf, "");
                erase_and_free(buf);

                assert_int_equal(read_full_file_at(dfd, "big", 0, sizeof big, f, &buf, &n), 0);
                assert_int_equal(n, sizeof big);
                assert_memory_equal(buf, big, sizeof big);
                assert_int_equal(buf[n], 0);
                erase_and_free(buf);

                buf = NULL;
                assert_int_equal(read_full_file_at(dfd, "big", 0, sizeof big - 1, f, &buf, &n), -EFBIG);
                assert_null(buf);

                assert_int_equal(read_full_file_at(dfd, "nul", 0, 100, f, &buf, &n), 0);
                assert_int_equal(n, 3);
                assert_memory_equal(buf, "a\0b", 3);
                erase_and_free(buf);

                assert_int_equal(read_full_file_at(dfd, "missing", 0, 100, f, &buf, &n), -ENOENT);
        }

        /* A pipe has no size: the buffer grows as data arrives. */
        int p[2];
        assert_int_equal(pipe(p), 0);
        assert_int_equal(write_all(p[1], big, 5000), 0);
        close(p[1]);
        char *buf = NULL;
        size_t n;
        assert_int_equal(read_full_fd(p[0], sizeof big, READ_FULL_SECURE, &buf, &n), 0);
        assert_int_equal(n, 5000);
        erase_and_free(buf);
        assert_int_equal(read_full_fd(p[0], 10, READ_FULL_REGULAR, &buf, &n), -EBADFD);
        close(p[0]);

        _cleanup_free_ char *cmd = NULL;
        assert_true(asprintf(&cmd, "rm -rf '%s'", dir) > 0);
        assert_int_equal(system(cmd), 0);
}

static void test_write_atomic(void **state) {
        _cleanup_free_ char *dir = make_tmpdir();
        _cleanup_close_ int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        _cleanup_free_ char *buf = NULL;
        struct stat st;
        size_t n;
        (void) state;

        assert_int_equal(write_file_atomic(dir, "rec", "old", 3, 0600), 0);
        assert_int_equal(write_file_atomic(dir, "rec", "newer", 5, 0640), 0);
        assert_int_equal(read_full_file_at(dfd, "rec", 0, 100, 0, &buf, &n), 0);
        assert_string_equal(buf, "newer");
        assert_int_equal(fstatat(dfd, "rec", &st, 0), 0);
        assert_int_equal(st.st_mode & 07777, 0640);

        /* No temp files are left behind. */
        _cleanup_closedir_ DIR *d = fdopendir(dup(dfd));
        unsigned entries = 0;
        for (struct dirent *de; (de = readdir(d));)
                if (de->d_name[0] != '.' || strlen(de->d_name) > 2)
                        entries += !streq(de->d_name, ".") && !streq(de->d_name, "..");
        assert_int_equal(entries, 1);

        assert_int_equal(write_file_atomic("/nonexistent-hearth-dir", "x", "a", 1, 0600), -ENOENT);

        _cleanup_free_ char *sub = NULL;
        assert_true(asprintf(&sub, "%s/a/b/c", dir) > 0);
        assert_int_equal(mkdir_p(sub, 0700), 0);
        assert_int_equal(mkdir_p(sub, 0700), 0);
        assert_int_equal(stat(sub, &st), 0);
        assert_int_equal(st.st_mode & 0777, 0700);

        _cleanup_free_ char *cmd = NULL;
        assert_true(asprintf(&cmd, "rm -rf '%s'", dir) > 0);
        assert_int_equal(system(cmd), 0);
}

static void test_json_wipe(void **state) {
        (void) state;
        json_object *v = json_tokener_parse("{\"secret\":{\"password\":[\"hunter2\",\"x\"]},\"n\":1}");
        assert_non_null(v);
        json_object *pw = json_object_array_get_idx(json_get_array(json_get_object(v, "secret"), "password"), 0);
        const char *s = json_object_get_string(pw);

        json_wipe(v);
        assert_memory_equal(s, "\0\0\0\0\0\0\0", 7);
        assert_null(json_get_string(v, "n"));
        assert_null(json_get_object(v, "n"));
        assert_null(json_get_object(NULL, "n"));
        assert_null(json_put_erase(v));
        assert_null(json_put_erase(NULL));
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_read_full_sizes),
                cmocka_unit_test(test_write_atomic),
                cmocka_unit_test(test_json_wipe),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
