/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* The drop-in record directories (userdb-varlink.md §5), read once into
 * memory and indexed so that every lookup is a hash-table probe. A DropinDB
 * is immutable once loaded: a reload builds a new one and swaps it in, and
 * streams still walking the old one keep it alive by a reference. */

#include <json-c/json.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "group-record.h"
#include "user-record.h"

typedef struct DropinDB DropinDB;

/* One user or group as served. */
typedef struct DropinEntry {
        char *path;                /* the file it was read from */
        UserRecord *user;          /* exactly one of user/group is set */
        GroupRecord *group;
        /* The reply parameters, serialized once at load time so a lookup
         * copies bytes instead of building JSON:
         * {"record":{...},"incomplete":B}. The record has no `secret`, and
         * status.<machine-id>.service is set. `reply` carries no
         * `privileged` section (incomplete is true when there is one or
         * when it could not be read); `reply_full` carries it and is NULL
         * when there is none. NUL-terminated; the lengths exclude the NUL. */
        char *reply;
        size_t reply_len;
        char *reply_full;
        size_t reply_full_len;
        /* A privileged file exists but could not be read. */
        bool incomplete;
} DropinEntry;

/* Told about every file that is skipped, so that the daemon can log it;
 * the library itself stays silent. `error` is a negative errno, `why` a
 * sentence. */
typedef void (*DropinWarnFunc)(const char *path, int error, const char *why, void *userdata);

typedef struct DropinLoadOptions {
        char * const *dirs;        /* searched in order; an earlier file masks a later one of the same name */
        const char *service;       /* written into status.<machine-id>.service; NULL: left alone */
        const char *machine_id;    /* 32 hex digits; NULL: read from the host */
        DropinWarnFunc warn;
        void *userdata;
} DropinLoadOptions;

/* The default search path, in order. */
extern const char *const dropin_default_dirs[];

/* Reads every directory. Missing directories are not an error, and bad
 * files are skipped (and reported through warn) without hiding others.
 * Returns 0, -EINVAL (no dirs or bad machine id), -ENOMEM, or the error of
 * reading the machine id. */
int dropin_db_load(const DropinLoadOptions *options, DropinDB **ret);

DropinDB *dropin_db_ref(DropinDB *db);
DropinDB *dropin_db_unref(DropinDB *db);
static inline void dropin_db_unrefp(DropinDB **p) {
        if (*p)
                *p = dropin_db_unref(*p);
}

/* Lookups: NULL when there is no such record. A name matches userName,
 * userName@realm or an alias (groupName, groupName@realm). */
const DropinEntry *dropin_db_user_by_name(DropinDB *db, const char *name);
const DropinEntry *dropin_db_user_by_uid(DropinDB *db, uid_t uid);
const DropinEntry *dropin_db_group_by_name(DropinDB *db, const char *name);
const DropinEntry *dropin_db_group_by_gid(DropinDB *db, gid_t gid);

/* Enumeration in a stable order (directory order, then file name). */
size_t dropin_db_n_users(DropinDB *db);
const DropinEntry *dropin_db_user_at(DropinDB *db, size_t i);
size_t dropin_db_n_groups(DropinDB *db);
const DropinEntry *dropin_db_group_at(DropinDB *db, size_t i);

/* Memberships: pairs from `USER:GROUP.membership` files, from users'
 * memberOf and from groups' members, each pair once. */
typedef struct DropinMembership {
        const char *user;
        const char *group;
} DropinMembership;

size_t dropin_db_n_memberships(DropinDB *db);
const DropinMembership *dropin_db_membership_at(DropinDB *db, size_t i);
/* Indexes into the membership list; *ret_n = 0 and NULL when none. */
const size_t *dropin_db_memberships_of_user(DropinDB *db, const char *user, size_t *ret_n);
const size_t *dropin_db_memberships_of_group(DropinDB *db, const char *group, size_t *ret_n);
bool dropin_db_has_membership(DropinDB *db, const char *user, const char *group);
