/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <fcntl.h>
#include <sys/stat.h>

#include "dropin.h"
#include "macro.h"
#include "userdb-util.h"

#define MID "0123456789abcdef0123456789abcdef"

static char tmpdir[] = "/tmp/test-dropin-XXXXXX";
static char *dir1, *dir2;
static unsigned n_warnings;
static char last_warning[1024];

static void write_file(const char *dir, const char *name, const char *content) {
        _cleanup_free_ char *p = NULL;
        assert_true(asprintf(&p, "%s/%s", dir, name) > 0);
        FILE *f = fopen(p, "we");
        assert_non_null(f);
        fputs(content, f);
        assert_int_equal(fclose(f), 0);
}

static void link_file(const char *dir, const char *target, const char *name) {
        _cleanup_free_ char *p = NULL;
        assert_true(asprintf(&p, "%s/%s", dir, name) > 0);
        assert_int_equal(symlink(target, p), 0);
}

static void warn_cb(const char *path, int error, const char *why, void *userdata) {
        n_warnings++;
        snprintf(last_warning, sizeof last_warning, "%s: %s", path, why);
        /* Every skip names the file it is about. */
        assert_non_null(strstr(path, tmpdir));
}

static int setup(void **state) {
        assert_non_null(mkdtemp(tmpdir));
        assert_true(asprintf(&dir1, "%s/etc", tmpdir) > 0);
        assert_true(asprintf(&dir2, "%s/lib", tmpdir) > 0);
        assert_int_equal(mkdir(dir1, 0755), 0);
        assert_int_equal(mkdir(dir2, 0755), 0);

        write_file(dir1, "alice.user", "{\"userName\":\"alice\",\"uid\":60100,\"gid\":60100,"
                   "\"realName\":\"Alice\",\"memberOf\":[\"wheel\"],\"aliases\":[\"ally\"],\"realm\":\"example.com\"}");
        link_file(dir1, "alice.user", "60100.user");
        write_file(dir1, "alice.user-privileged", "{\"privileged\":{\"hashedPassword\":[\"$6$x$y\"]}}");
        /* Masked by dir1's alice.user. */
        write_file(dir2, "alice.user", "{\"userName\":\"alice\",\"uid\":1}");
        write_file(dir2, "bob.user", "{\"userName\":\"bob\",\"uid\":60101,\"secret\":{\"password\":[\"x\"]}}");
        /* Bad ones, each skipped without hiding the others. */
        write_file(dir1, "garbage.user", "{not json");
        write_file(dir1, "carol.user", "{\"userName\":\"mallory\",\"uid\":60102}");
        link_file(dir1, "nobody-here.user", "60999.user");
        write_file(dir1, "badtype.user", "{\"userName\":\"badtype\",\"uid\":\"sixty\"}");
        write_file(dir1, "array.user", "[1,2]");
        write_file(dir1, "60101.user", "{\"userName\":\"bob\",\"uid\":60101}");
        write_file(dir1, "60103.user", "{\"userName\":\"dave\",\"uid\":60104}");

        write_file(dir1, "wheel.group", "{\"groupName\":\"wheel\",\"gid\":60500,\"members\":[\"bob\"]}");
        link_file(dir1, "wheel.group", "60500.group");
        write_file(dir2, "staff.group", "{\"groupName\":\"staff\",\"gid\":60501,\"description\":\"Staff\"}");
        write_file(dir1, "staff.group-privileged", "{\"privileged\":{\"hashedPassword\":[\"!\"]}}");

        write_file(dir1, "alice:staff.membership", "");
        write_file(dir2, "bob:staff.membership", "{}");
        write_file(dir2, "alice:staff.membership", "{}");   /* masked, and a duplicate anyway */
        write_file(dir2, "nocolon.membership", "");
        write_file(dir2, "ignored.txt", "");
        return 0;
}

static int teardown(void **state) {
        _cleanup_free_ char *cmd = NULL;
        assert_true(asprintf(&cmd, "rm -rf '%s'", tmpdir) > 0);
        assert_int_equal(system(cmd), 0);
        free(dir1);
        free(dir2);
        return 0;
}

static DropinDB *load(void) {
        char *dirs[] = { dir1, dir2, (char *) "/nonexistent/userdb", NULL };
        DropinLoadOptions o = {
                .dirs = dirs, .service = "io.test.Svc", .machine_id = MID, .warn = warn_cb,
        };
        DropinDB *db = NULL;
        n_warnings = 0;
        assert_int_equal(dropin_db_load(&o, &db), 0);
        return db;
}

static const char *service_of(json_object *rec) {
        json_object *st, *m, *s;
        assert_true(json_object_object_get_ex(rec, "status", &st));
        assert_true(json_object_object_get_ex(st, MID, &m));
        assert_true(json_object_object_get_ex(m, "service", &s));
        return json_object_get_string(s);
}

/* Parses a reply serialized at load time: exactly {"record":..,"incomplete":..}.
 * Returns the record (a new reference). */
static json_object *reply_record(const char *text, size_t len, bool *ret_incomplete) {
        json_object *o, *rec, *inc;

        assert_non_null(text);
        assert_int_equal(strlen(text), len);
        o = json_tokener_parse(text);
        assert_non_null(o);
        assert_int_equal(json_object_object_length(o), 2);
        assert_true(json_object_object_get_ex(o, "record", &rec));
        assert_true(json_object_object_get_ex(o, "incomplete", &inc));
        assert_true(json_object_is_type(inc, json_type_boolean));
        *ret_incomplete = json_object_get_boolean(inc);
        json_object_get(rec);
        json_object_put(o);
        return rec;
}

static void test_users(void **state) {
        _cleanup_(dropin_db_unrefp) DropinDB *db = load();
        const DropinEntry *a, *b;

        assert_int_equal(dropin_db_n_users(db), 2);
        a = dropin_db_user_by_name(db, "alice");
        assert_non_null(a);
        assert_int_equal(a->user->uid, 60100);     /* the /etc copy, not the masked one */
        assert_ptr_equal(dropin_db_user_by_uid(db, 60100), a);
        assert_ptr_equal(dropin_db_user_by_name(db, "ally"), a);
        assert_ptr_equal(dropin_db_user_by_name(db, "alice@example.com"), a);
        bool inc;
        _cleanup_json_ json_object *ar = reply_record(a->reply, a->reply_len, &inc);
        assert_string_equal(service_of(ar), "io.test.Svc");

        /* Privileged data only in the full form; the other one says it is incomplete. */
        assert_false(json_object_object_get_ex(ar, "privileged", NULL));
        assert_true(inc);
        _cleanup_json_ json_object *af = reply_record(a->reply_full, a->reply_full_len, &inc);
        assert_true(json_object_object_get_ex(af, "privileged", NULL));
        assert_string_equal(service_of(af), "io.test.Svc");
        assert_false(inc);
        assert_false(a->incomplete);

        b = dropin_db_user_by_name(db, "bob");
        assert_non_null(b);
        assert_ptr_equal(dropin_db_user_by_uid(db, 60101), b);
        _cleanup_json_ json_object *br = reply_record(b->reply, b->reply_len, &inc);
        assert_false(json_object_object_get_ex(br, "secret", NULL));
        assert_false(inc);
        assert_null(b->reply_full);

        assert_null(dropin_db_user_by_name(db, "mallory"));
        assert_null(dropin_db_user_by_name(db, "carol"));
        assert_null(dropin_db_user_by_name(db, "garbage"));
        assert_null(dropin_db_user_by_name(db, "badtype"));
        assert_null(dropin_db_user_by_name(db, "dave"));
        assert_null(dropin_db_user_by_uid(db, 60999));
        assert_null(dropin_db_user_by_uid(db, 60103));
        assert_null(dropin_db_user_by_uid(db, 1));
        assert_null(dropin_db_user_by_name(db, NULL));

        /* garbage, carol, dangling link, badtype, array, 60103 mismatch,
         * bob's secret, nocolon membership: each reported. */
        assert_int_equal(n_warnings, 8);
}

static void test_groups(void **state) {
        _cleanup_(dropin_db_unrefp) DropinDB *db = load();
        const DropinEntry *w, *s;

        assert_int_equal(dropin_db_n_groups(db), 2);
        w = dropin_db_group_by_name(db, "wheel");
        assert_non_null(w);
        assert_ptr_equal(dropin_db_group_by_gid(db, 60500), w);
        s = dropin_db_group_by_gid(db, 60501);
        assert_non_null(s);
        assert_string_equal(s->group->group_name, "staff");
        assert_non_null(s->reply_full);
        bool inc;
        _cleanup_json_ json_object *sr = reply_record(s->reply, s->reply_len, &inc);
        assert_string_equal(service_of(sr), "io.test.Svc");
        assert_true(inc);
}

static bool has_pair(DropinDB *db, const char *u, const char *g) {
        for (size_t i = 0; i < dropin_db_n_memberships(db); i++) {
                const DropinMembership *m = dropin_db_membership_at(db, i);
                if (streq(m->user, u) && streq(m->group, g))
                        return true;
        }
        return false;
}

static void test_memberships(void **state) {
        _cleanup_(dropin_db_unrefp) DropinDB *db = load();
        size_t n;

        /* alice:staff (file), bob:staff (file), alice:wheel (memberOf), bob:wheel (members). */
        assert_int_equal(dropin_db_n_memberships(db), 4);
        assert_true(has_pair(db, "alice", "staff"));
        assert_true(has_pair(db, "bob", "staff"));
        assert_true(has_pair(db, "alice", "wheel"));
        assert_true(has_pair(db, "bob", "wheel"));
        assert_true(dropin_db_has_membership(db, "alice", "wheel"));
        assert_false(dropin_db_has_membership(db, "wheel", "alice"));

        const size_t *idx = dropin_db_memberships_of_user(db, "alice", &n);
        assert_int_equal(n, 2);
        for (size_t i = 0; i < n; i++)
                assert_string_equal(dropin_db_membership_at(db, idx[i])->user, "alice");
        idx = dropin_db_memberships_of_group(db, "staff", &n);
        assert_int_equal(n, 2);
        idx = dropin_db_memberships_of_group(db, "nogroup", &n);
        assert_null(idx);
        assert_int_equal(n, 0);
}

static void test_bad_options(void **state) {
        DropinDB *db = NULL;
        char *dirs[] = { dir1, NULL };
        DropinLoadOptions o = { .dirs = dirs, .machine_id = "not-a-machine-id" };
        assert_int_equal(dropin_db_load(&o, &db), -EINVAL);
        assert_null(db);
        assert_int_equal(dropin_db_load(NULL, &db), -EINVAL);
}

static void test_unreadable_privileged(void **state) {
        _cleanup_free_ char *p = NULL;

        if (geteuid() == 0) {
                /* root reads any file: make the privileged file a directory instead. */
                assert_true(asprintf(&p, "%s/bob.user-privileged", dir1) > 0);
                assert_int_equal(mkdir(p, 0700), 0);
        } else {
                write_file(dir1, "bob.user-privileged", "{\"privileged\":{}}");
                assert_true(asprintf(&p, "%s/bob.user-privileged", dir1) > 0);
                assert_int_equal(chmod(p, 0), 0);
        }
        _cleanup_(dropin_db_unrefp) DropinDB *db = load();
        const DropinEntry *b = dropin_db_user_by_name(db, "bob");
        assert_non_null(b);
        assert_true(b->incomplete);
        assert_null(b->reply_full);
        bool inc;
        _cleanup_json_ json_object *br = reply_record(b->reply, b->reply_len, &inc);
        assert_true(inc);
        assert_int_equal(geteuid() == 0 ? rmdir(p) : unlink(p), 0);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_users),
                cmocka_unit_test(test_groups),
                cmocka_unit_test(test_memberships),
                cmocka_unit_test(test_bad_options),
                cmocka_unit_test(test_unreadable_privileged),
        };
        return cmocka_run_group_tests(tests, setup, teardown);
}
