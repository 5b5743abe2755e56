/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* A group record (spec: group-record.md) as a typed view over the JSON
 * object it was loaded from; same model as user-record.h: the JSON is
 * kept and written back, unknown fields survive. */

#include <json-c/json.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "user-record.h"

typedef struct GroupRecord {
        unsigned n_ref;
        json_object *json;
        RecordSection sections;
        RecordSection mask;

        char *group_name;
        char *realm;
        char *group_name_and_realm;     /* "name@realm", or NULL without realm */
        char *description;
        UserDisposition disposition;
        char *service;
        uint64_t last_change_usec;
        gid_t gid;
        char **members;
        char **administrators;

        /* privileged */
        char **hashed_password;

        /* status of the local machine */
        char *status_service;
        bool have_status;

        unsigned n_per_machine_applied;
        bool have_binding;
} GroupRecord;

GroupRecord *group_record_new(void);
GroupRecord *group_record_ref(GroupRecord *gr);
GroupRecord *group_record_unref(GroupRecord *gr);
static inline void group_record_unrefp(GroupRecord **p) {
        if (*p)
                *p = group_record_unref(*p);
}

/* Loads v as a group record with the same policy semantics and errors as
 * user_record_load(). A `secret` section is always refused (-EPERM, field
 * "secret"), whatever the policy says, strip included. */
int group_record_load(json_object *v, const RecordLoadOptions *options,
                      GroupRecord **ret, RecordError *error);
int group_record_load_text(const char *text, size_t size, const RecordLoadOptions *options,
                           GroupRecord **ret, RecordError *error);
int group_record_validate(json_object *v, const RecordLoadOptions *options, RecordError *error);

json_object *group_record_json(const GroupRecord *gr);

/* Effective values (defaults in one place). */
UserDisposition group_record_disposition(const GroupRecord *gr);
/* "name@realm" or the bare name. */
const char *group_record_group_name_and_realm(const GroupRecord *gr);
/* The service: top level, else status of this machine, else NULL. */
const char *group_record_service(const GroupRecord *gr);
bool group_record_matches_group_name(const GroupRecord *gr, const char *name);

/* "newer" and compatibility, as for users: compares lastChangeUSec,
 * a record with a timestamp beats one without. Returns <0, 0, >0. */
int group_record_compare_last_change(const GroupRecord *a, const GroupRecord *b);
/* Same groupName and same realm (both absent or equal). */
bool group_record_compatible(const GroupRecord *a, const GroupRecord *b);

/* Disposition derived from a gid (group-record.md §4). */
UserDisposition group_disposition_from_gid(gid_t gid);
