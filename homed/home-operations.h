/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* The storage operations as the worker runs them: each authenticates
 * where needed, drives the backend, does the steps common to all
 * backends, and on failure rolls back what it did. The state each leaves
 * is documented in docs/design/homed-storage.md.
 *
 * Common errors: -ENOKEY (BadPassword: no secret satisfied the record, or
 * none opened a key slot), -EKEYREVOKED (record has no password hash),
 * -ENOTTY (not supported by this storage), -ENOENT (home absent),
 * -EEXIST (create: exists), -EALREADY (already active), -ENOEXEC (not
 * active), -EBUSY (busy: in use, or active where inactive is required),
 * -ENOLCK (lock/unlock: home not in the needed locked/unlocked state),
 * -EREMCHG (~/.identity is another user's), -errno. */

#include <json-c/json.h>

#include "home-backend.h"
#include "home-record.h"

typedef enum HomeOperation {
        HOME_OP_CREATE,
        HOME_OP_ACTIVATE,
        HOME_OP_DEACTIVATE,
        HOME_OP_DEACTIVATE_FORCE,
        HOME_OP_LOCK,
        HOME_OP_UNLOCK,
        HOME_OP_PASSWD,
        HOME_OP_INSPECT,
        HOME_OP_REMOVE,
        HOME_OP_RESIZE,
        HOME_OP_UPDATE,         /* active home: write the record into ~/.identity, owner and mode */
        _HOME_OP_MAX,
        _HOME_OP_INVALID = -EINVAL,
} HomeOperation;

const char *home_operation_to_string(HomeOperation op);
HomeOperation home_operation_from_string(const char *s);

typedef struct HomeRequest {
        HomeOperation op;
        const HomeRecord *record;
        const HomeSecret *secret;
        const HomeSecret *old_secret;   /* passwd: opens the existing slots */
        const HomeRecord *old_record;   /* passwd: optional, old secret checked against it */
        uint64_t size;                  /* resize */
        const char *marker_dir;         /* runtime directory for dirty markers, or NULL */
} HomeRequest;

/* Runs one operation. Fills *status (always, as far as known) and, on
 * success, *ret_record with the record to go on with (the newer of host
 * and ~/.identity after activation; the request's record otherwise;
 * without its secret section). Returns 0 or a negative errno (above). */
int home_run(const HomeRequest *req, HomeStatus *status, json_object **ret_record);

/* The state of a home as seen from disk and mounts (home-unlock.md §8):
 * absent, inactive, dirty, active, locked. */
int home_state(HomeContext *c, const HomeBackend *b, HomeStatus *st);
