/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "home-setup.h"
#include "macro.h"

static int order[16];
static size_t n_order;
static int freed;

typedef struct Step {
        int id;
        int result;
} Step;

static int step_undo(void *userdata) {
        Step *s = userdata;
        order[n_order++] = s->id;
        return s->result;
}

static void step_free(void *userdata) {
        freed++;
        free(userdata);
}

static Step *step(int id, int result) {
        Step *s = malloc(sizeof *s);
        assert_non_null(s);
        *s = (Step) { id, result };
        return s;
}

static void reset(void) {
        n_order = 0;
        freed = 0;
}

static void test_rollback_order(void **state) {
        HomeSetup s = HOME_SETUP_INIT;
        const char *what = NULL;

        reset();
        assert_int_equal(home_setup_push_undo(&s, "one", step_undo, step(1, 0), step_free), 0);
        assert_int_equal(home_setup_push_undo(&s, "two", step_undo, step(2, -EIO), step_free), 0);
        assert_int_equal(home_setup_push_undo(&s, "three", step_undo, step(3, -EBUSY), step_free), 0);
        /* newest first; every step runs; the first failure is reported */
        assert_int_equal(home_setup_rollback(&s, &what), -EBUSY);
        assert_string_equal(what, "three");
        assert_int_equal(n_order, 3);
        assert_int_equal(order[0], 3);
        assert_int_equal(order[1], 2);
        assert_int_equal(order[2], 1);
        assert_int_equal(freed, 3);
        /* a second rollback has nothing left to do */
        assert_int_equal(home_setup_rollback(&s, NULL), 0);
        assert_int_equal(n_order, 3);
        home_setup_done(&s);
}

static void test_commit_drops(void **state) {
        HomeSetup s = HOME_SETUP_INIT;

        reset();
        assert_int_equal(home_setup_push_undo(&s, "one", step_undo, step(1, 0), step_free), 0);
        assert_int_equal(home_setup_push_undo(&s, "two", step_undo, step(2, 0), step_free), 0);
        home_setup_commit(&s);
        assert_int_equal(freed, 2);
        home_setup_done(&s);
        assert_int_equal(n_order, 0);   /* committed steps never run */
}

static void test_done_rolls_back(void **state) {
        HomeSetup s = HOME_SETUP_INIT;

        reset();
        assert_int_equal(home_setup_push_undo(&s, "one", step_undo, step(1, 0), step_free), 0);
        home_setup_commit(&s);
        assert_int_equal(home_setup_push_undo(&s, "two", step_undo, step(2, 0), step_free), 0);
        assert_int_equal(home_setup_push_undo(&s, "three", step_undo, step(3, 0), step_free), 0);
        home_setup_done(&s);            /* failure path: uncommitted steps are undone */
        assert_int_equal(n_order, 2);
        assert_int_equal(order[0], 3);
        assert_int_equal(order[1], 2);
        assert_int_equal(freed, 3);
}

static void test_set_root(void **state) {
        HomeSetup s = HOME_SETUP_INIT;

        assert_int_equal(home_setup_set_root(&s, "/"), 0);
        assert_string_equal(s.root_path, "/");
        assert_true(s.root_fd >= 0);
        assert_int_equal(home_setup_set_root(&s, "/nonexistent-hearth-path"), -ENOENT);
        assert_string_equal(s.root_path, "/");  /* untouched on failure */
        home_setup_done(&s);
        assert_null(s.root_path);
        assert_true(s.root_fd < 0);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_rollback_order),
                cmocka_unit_test(test_commit_drops),
                cmocka_unit_test(test_done_rolls_back),
                cmocka_unit_test(test_set_root),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
