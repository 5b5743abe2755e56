/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* "Which copy is newer", "are these two copies of the same user", and
 * the reconciliation of homed's host copy with the copy embedded in the
 * home (user-record.md §9). */

#include <stdbool.h>

#include "user-record.h"

/* <0 if a is older than b, 0 if equal, >0 if newer, by lastChangeUSec;
 * a record with a timestamp is newer than one without. */
int user_record_compare_last_change(const UserRecord *a, const UserRecord *b);

/* Same userName and same realm (both absent or equal). */
bool user_record_compatible(const UserRecord *a, const UserRecord *b);

/* The JSON of a and b restricted to the sections in mask compares equal
 * (deep, key order ignored, integer vs real distinguished). */
bool user_record_masked_equal(const UserRecord *a, const UserRecord *b, RecordSection mask);

typedef enum ReconcileMode {
        RECONCILE_ANY,                  /* pick the winner, nothing is stale */
        RECONCILE_REQUIRE_NEWER,        /* host must win outright: identical or embedded newer = -ESTALE */
        RECONCILE_REQUIRE_NEWER_OR_EQUAL, /* host must win or be identical: embedded newer = -ESTALE */
} ReconcileMode;

typedef enum ReconcileResult {
        RECONCILE_HOST_WIN,             /* host copy is newer (or embedded lacks a timestamp) */
        RECONCILE_EMBEDDED_WIN,         /* embedded newer: *ret is embedded + host binding */
        RECONCILE_IDENTICAL,            /* same timestamp, masked equal */
        RECONCILE_HOST_WIN_EQUAL,       /* same timestamp, contents differ: host wins */
} ReconcileResult;

/* Decides between homed's host copy and the embedded copy on activation.
 * Both must carry regular data and be compatible. *ret (ret may be
 * NULL) gets a new reference to the winner (for EMBEDDED_WIN a new record: the embedded
 * JSON with the host's `binding` copied in, loaded with the host's
 * options). Returns a ReconcileResult (>= 0), or
 *   -EREMCHG  records are for different users (mismatch), or one has no
 *             regular section
 *   -EPERM    the embedded copy carries secret or binding
 *   -ESTALE   the mode's requirement on the host copy is not met
 *   -ENOMEM, or a load error for the merged record. */
int user_record_reconcile(UserRecord *host, UserRecord *embedded, ReconcileMode mode,
                          const RecordLoadOptions *options, UserRecord **ret, RecordError *error);

/* An update arriving over the API (§9): must be compatible (-EREMCHG)
 * and not older than current (-ESTALE). Returns 0 when acceptable. */
int user_record_check_update(const UserRecord *current, const UserRecord *incoming);
