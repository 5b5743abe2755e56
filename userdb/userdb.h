/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* The userdb client: asks the io.systemd.UserDatabase services in the
 * socket directory (/run/systemd/userdb/) for users, groups and
 * memberships (userdb-varlink.md §4).
 *
 * With the multiplexer allowed and answering, only it is asked. Otherwise
 * every socket in the directory is asked in parallel: a refused connect
 * skips that service at once, a service that does not answer within the
 * per-call timeout is skipped, a keyed lookup ends with the first record,
 * enumerations and memberships are merged from all services (each user,
 * group or pair once, first answer wins). Records are validated, must
 * name their service, and a filter a service did not understand is
 * applied locally after retrying without it.
 *
 * $SYSTEMD_BYPASS_USERDB (a true boolean: no lookups at all; else a
 * ':'-separated list of services to skip) and $SYSTEMD_ONLY_USERDB (a
 * ':'-separated allow-list) are honoured; $HEARTH_USERDB_SOCKET_DIR
 * overrides the socket directory, $HEARTH_USERDB_TIMEOUT_MSEC the default
 * per-service timeout. */

#include <json-c/json.h>
#include <stdbool.h>
#include <stdint.h>
#include <systemd/sd-event.h>

#include "group-record.h"
#include "user-record.h"
#include "userdb-match.h"

#define USERDB_SOCKET_DIR_DEFAULT "/run/systemd/userdb"
#define USERDB_MULTIPLEXER "io.systemd.Multiplexer"
/* Per service and call; systemd waits 45 s, which stalls logins. */
#define USERDB_TIMEOUT_USEC_DEFAULT (3ULL * 1000000ULL)

typedef enum UserDBQueryKind {
        USERDB_QUERY_USER,
        USERDB_QUERY_GROUP,
        USERDB_QUERY_MEMBERSHIP,
} UserDBQueryKind;

typedef enum UserDBFlags {
        USERDB_AVOID_MULTIPLEXER = 1 << 0,   /* always fan out */
        USERDB_IGNORE_ENV        = 1 << 1,   /* ignore SYSTEMD_BYPASS/ONLY_USERDB */
} UserDBFlags;

typedef struct UserDBParams {
        UserDBQueryKind kind;
        /* Keys; none set means enumeration. USER: name/id. GROUP: name/id.
         * MEMBERSHIP: name = user name, group_name = group name. */
        const char *name;
        const char *group_name;
        uint64_t id;                    /* UINT64_MAX: not set */
        const UserDBMatch *match;       /* NULL: no filter */
        char * const *services;         /* only these (like -s); NULL: all in the directory */
        char * const *exclude;          /* never these (the caller's own names) */
        const char *socket_dir;         /* NULL: $HEARTH_USERDB_SOCKET_DIR or the default */
        uint64_t timeout_usec;          /* 0: $HEARTH_USERDB_TIMEOUT_MSEC or USERDB_TIMEOUT_USEC_DEFAULT */
        unsigned flags;                 /* UserDBFlags */
} UserDBParams;

#define USERDB_PARAMS_INIT(k) ((UserDBParams) { .kind = (k), .id = UINT64_MAX })

typedef struct UserDBQuery UserDBQuery;

/* One result. For users and groups `reply` is the reply's parameters
 * ({"record": {...}, "incomplete": bool}) and ur/gr the loaded record;
 * for memberships reply is {"userName": ..., "groupName": ...}. All
 * borrowed. Returning a negative errno ends the query with that error. */
typedef struct UserDBResult {
        const char *service;
        json_object *reply;
        UserRecord *user;
        GroupRecord *group;
        const char *user_name, *group_name;   /* memberships */
        bool incomplete;
} UserDBResult;

typedef int (*userdb_result_t)(UserDBQuery *q, const UserDBResult *result, void *userdata);
/* Called once at the end: 0 if at least one result was delivered, else
 *   -ESRCH     no service knows it (also: no services at all, or bypassed)
 *   -ENOEXEC   a record exists but fails the filter (keyed lookups)
 *   or the negative errno a result callback returned. */
typedef void (*userdb_done_t)(UserDBQuery *q, int error, void *userdata);

/* Starts a query on e. Returns 0, -EINVAL (bad params), -ENOMEM.
 * The query stays alive until freed; freeing it before done cancels it
 * without calling done. */
int userdb_query_start(sd_event *e, const UserDBParams *p, userdb_result_t on_result, userdb_done_t on_done,
                       void *userdata, UserDBQuery **ret);
UserDBQuery *userdb_query_free(UserDBQuery *q);
static inline void userdb_query_freep(UserDBQuery **p) {
        if (*p)
                *p = userdb_query_free(*p);
}

/* Runs a query to its end on a private event loop, calling on_result for
 * each result. Returns what done would get, or -ENOMEM. */
int userdb_query_run(const UserDBParams *p, userdb_result_t on_result, void *userdata);

/* Keyed lookups. Return 0 and a new reference, -ESRCH, -ENOEXEC, -ENOMEM. */
int userdb_user_by_name(const char *name, const UserDBParams *base, UserRecord **ret);
int userdb_user_by_uid(uid_t uid, const UserDBParams *base, UserRecord **ret);
int userdb_group_by_name(const char *name, const UserDBParams *base, GroupRecord **ret);
int userdb_group_by_gid(gid_t gid, const UserDBParams *base, GroupRecord **ret);

/* The service names in the socket directory, sorted; *ret_alive[i] is
 * 0 if a connect succeeded, else the negative errno of the connect.
 * Returns the number of services, -ENOMEM, or -errno reading the directory. */
int userdb_list_services(const char *socket_dir, char ***ret_names, int **ret_alive);

/* The socket directory in effect for dir (NULL: environment or default). */
const char *userdb_socket_dir(const char *dir);
