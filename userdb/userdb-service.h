/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* The server side of io.systemd.UserDatabase: answers from a DropinDB
 * under one service name and, optionally, as a multiplexer under a second
 * name that fans each call out to the other services in the socket
 * directory (userdb-varlink.md §2-§4). Privileged sections are handed out
 * per call by the peer's credentials. */

#include <stdbool.h>

#include "dropin.h"
#include "varlink.h"

extern const char userdb_interface_idl[];

#define USERDB_INTERFACE "io.systemd.UserDatabase"
#define USERDB_ERROR_NO_RECORD USERDB_INTERFACE ".NoRecordFound"
#define USERDB_ERROR_BAD_SERVICE USERDB_INTERFACE ".BadService"
#define USERDB_ERROR_SERVICE_NOT_AVAILABLE USERDB_INTERFACE ".ServiceNotAvailable"
#define USERDB_ERROR_CONFLICTING USERDB_INTERFACE ".ConflictingRecordFound"
#define USERDB_ERROR_NON_MATCHING USERDB_INTERFACE ".NonMatchingRecordFound"
#define USERDB_ERROR_ENUMERATION_NOT_SUPPORTED USERDB_INTERFACE ".EnumerationNotSupported"

typedef struct UserDBService UserDBService;

typedef struct UserDBServiceOptions {
        const char *service_name;       /* the drop-in service, e.g. io.hearth.DropIn */
        const char *multiplexer_name;   /* NULL: no multiplexer */
        const char *socket_dir;         /* where the multiplexer finds the other services */
        uint64_t timeout_usec;          /* per service for the multiplexer; 0: default */
} UserDBServiceOptions;

/* Registers the interface on server. db may be NULL (nothing served until
 * userdb_service_set_db()). Returns 0, -EINVAL, -ENOMEM, or what
 * varlink_server_add_interface() returns. */
int userdb_service_new(VarlinkServer *server, const UserDBServiceOptions *options, DropinDB *db,
                       UserDBService **ret);
UserDBService *userdb_service_free(UserDBService *s);
static inline void userdb_service_freep(UserDBService **p) {
        if (*p)
                *p = userdb_service_free(*p);
}

/* Swaps in a newly loaded database (takes a reference). Calls in flight
 * finish on the one they started with. */
void userdb_service_set_db(UserDBService *s, DropinDB *db);
