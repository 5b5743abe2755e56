/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Shared by the records unit tests: a fixed pretend machine and small
 * loaders that fail the test with the loader's own message. */

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "record.h"

#define TEST_MACHINE_ID "0123456789abcdef0123456789abcdef"
#define TEST_OTHER_MACHINE_ID "fedcba9876543210fedcba9876543210"
#define TEST_HOSTNAME "testhost"

static inline RecordMachine test_machine(void) {
        RecordMachine m = { .hostname = TEST_HOSTNAME };
        assert_int_equal(machine_id_parse(TEST_MACHINE_ID, &m.machine_id), 0);
        return m;
}

static inline RecordLoadOptions test_options(RecordLoadPolicy policy, RecordLoadFlags flags,
                                             const RecordMachine *m) {
        return (RecordLoadOptions) { .policy = policy, .flags = flags, .machine = m };
}

/* Loads text as a user record with RECORD_POLICY_ANY on the test machine;
 * fails the test if it does not load. */
static inline UserRecord *load_user(const char *text) {
        RecordMachine m = test_machine();
        RecordLoadOptions o = test_options(RECORD_POLICY_ANY, 0, &m);
        RecordError e = {};
        UserRecord *ur = NULL;
        int r = user_record_load_text(text, strlen(text), &o, &ur, &e);
        if (r < 0)
                fail_msg("load failed (%d): %s\n%s", r, e.message, text);
        return ur;
}

/* Loads text expecting failure; checks errno and the field named. */
static inline void load_user_fails(const char *text, int expected, const char *field) {
        RecordMachine m = test_machine();
        RecordLoadOptions o = test_options(RECORD_POLICY_ANY, 0, &m);
        RecordError e = {};
        UserRecord *ur = NULL;
        int r = user_record_load_text(text, strlen(text), &o, &ur, &e);
        if (r >= 0) {
                user_record_unref(ur);
                fail_msg("loaded but should not: %s", text);
        }
        assert_null(ur);
        if (r != expected)
                fail_msg("got %d, want %d (%s): %s", r, expected, e.message, text);
        assert_int_equal(e.error, r);
        if (field)
                assert_string_equal(e.field, field);
}
