/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Loads every record in fixtures/valid (must load, and written back must
 * equal what was read) and fixtures/invalid (must fail with the errno and
 * field its .expect sidecar names). */

#include <dirent.h>
#include <errno.h>

#include "macro.h"
#include "record-test-util.h"

typedef struct Expect {
        char policy[32];
        char field[256];
        char error[32];
        bool have_field;
} Expect;

static char *read_file(const char *path, size_t *ret_size) {
        _cleanup_fclose_ FILE *f = fopen(path, "re");
        char *buf;
        long n;

        if (!f)
                return NULL;
        assert_int_equal(fseek(f, 0, SEEK_END), 0);
        n = ftell(f);
        assert_true(n >= 0);
        rewind(f);
        buf = malloc((size_t) n + 1);
        assert_non_null(buf);
        assert_int_equal(fread(buf, 1, (size_t) n, f), (size_t) n);
        buf[n] = 0;
        *ret_size = (size_t) n;
        return buf;
}

static void read_expect(const char *json_path, Expect *e) {
        char path[1024], line[512];
        _cleanup_fclose_ FILE *f = NULL;
        size_t n = strlen(json_path);

        *e = (Expect) { .policy = "lookup" };
        assert_true(n > 5 && n < sizeof(path));
        snprintf(path, sizeof(path), "%.*s.expect", (int) (n - 5), json_path);
        f = fopen(path, "re");
        if (!f)
                return;
        while (fgets(line, sizeof(line), f)) {
                line[strcspn(line, "\n")] = 0;
                if (strncmp(line, "policy=", 7) == 0)
                        snprintf(e->policy, sizeof(e->policy), "%.31s", line + 7);
                else if (strncmp(line, "field=", 6) == 0) {
                        snprintf(e->field, sizeof(e->field), "%.255s", line + 6);
                        e->have_field = true;
                } else if (strncmp(line, "error=", 6) == 0)
                        snprintf(e->error, sizeof(e->error), "%.31s", line + 6);
        }
}

static RecordLoadPolicy policy_by_name(const char *name) {
        if (streq(name, "any"))
                return RECORD_POLICY_ANY;
        if (streq(name, "embedded"))
                return RECORD_POLICY_EMBEDDED;
        if (streq(name, "host"))
                return RECORD_POLICY_HOST;
        if (streq(name, "lookup"))
                return RECORD_POLICY_LOOKUP;
        fail_msg("unknown policy %s", name);
        return RECORD_POLICY_ANY;
}

static int errno_by_name(const char *name) {
        static const struct { const char *n; int e; } t[] = {
                { "EINVAL", EINVAL }, { "EBADMSG", EBADMSG }, { "EPERM", EPERM },
                { "ENOENT", ENOENT }, { "ENOTUNIQ", ENOTUNIQ }, { "EMSGSIZE", EMSGSIZE },
        };
        for (size_t i = 0; i < ELEMENTSOF(t); i++)
                if (streq(t[i].n, name))
                        return t[i].e;
        fail_msg("unknown errno name '%s'", name);
        return 0;
}

/* Loads path as its kind; returns the loader's result. On success the
 * written-back JSON must equal the parsed input (nothing lost). */
static int load_one(const char *path, const char *name, const Expect *ex, RecordError *err) {
        RecordMachine m = test_machine();
        RecordLoadOptions o = test_options(policy_by_name(ex->policy), 0, &m);
        _cleanup_free_ char *text = NULL;
        json_object *parsed = NULL;
        size_t size = 0;
        int r;

        text = read_file(path, &size);
        assert_non_null(text);

        if (strncmp(name, "group-", 6) == 0) {
                GroupRecord *gr = NULL;
                r = group_record_load_text(text, size, &o, &gr, err);
                if (r >= 0) {
                        assert_int_equal(record_json_parse(text, size, 0, &parsed, NULL), 0);
                        assert_true(json_object_equal(parsed, group_record_json(gr)));
                        assert_non_null(gr->group_name);
                }
                group_record_unref(gr);
        } else {
                UserRecord *ur = NULL;
                assert_int_equal(strncmp(name, "user-", 5), 0);
                r = user_record_load_text(text, size, &o, &ur, err);
                if (r >= 0) {
                        assert_int_equal(record_json_parse(text, size, 0, &parsed, NULL), 0);
                        assert_true(json_object_equal(parsed, user_record_json(ur)));
                        assert_non_null(ur->user_name);
                }
                user_record_unref(ur);
        }
        json_object_put(parsed);
        return r;
}

static void run_dir(const char *sub, bool valid) {
        char dir[1024], path[2048];
        const char *src = getenv("HEARTH_SRCDIR");
        _cleanup_closedir_ DIR *d = NULL;
        struct dirent *de;
        unsigned n = 0;

        snprintf(dir, sizeof(dir), "%s/tests/records/fixtures/%s", src ? src : ".", sub);
        d = opendir(dir);
        if (!d)
                fail_msg("cannot open %s (HEARTH_SRCDIR set?)", dir);

        while ((de = readdir(d))) {
                size_t l = strlen(de->d_name);
                RecordError err = {};
                Expect ex;
                int r;

                if (l < 6 || strcmp(de->d_name + l - 5, ".json") != 0)
                        continue;
                snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
                read_expect(path, &ex);
                r = load_one(path, de->d_name, &ex, &err);
                n++;

                if (valid) {
                        if (r < 0)
                                fail_msg("%s: valid fixture failed (%d): %s", de->d_name, r, err.message);
                        continue;
                }
                if (r >= 0)
                        fail_msg("%s: invalid fixture loaded", de->d_name);
                if (!ex.have_field || !ex.error[0])
                        fail_msg("%s: invalid fixture without field=/error= in its .expect", de->d_name);
                if (r != -errno_by_name(ex.error))
                        fail_msg("%s: got %d (%s), want -%s", de->d_name, r, err.message, ex.error);
                if (!streq(err.field, ex.field))
                        fail_msg("%s: error names '%s' (%s), want '%s'", de->d_name, err.field, err.message, ex.field);
                if (ex.field[0] && !strstr(err.message, ex.field))
                        fail_msg("%s: message '%s' does not name the field", de->d_name, err.message);
        }
        /* An empty or misplaced folder must not pass by loading nothing. */
        assert_true(n >= 5);
}

static void test_valid(void **state) {
        run_dir("valid", true);
}

static void test_invalid(void **state) {
        run_dir("invalid", false);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_valid),
                cmocka_unit_test(test_invalid),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
