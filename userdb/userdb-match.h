/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* The v258 lookup filters of io.systemd.UserDatabase (userdb-varlink.md §2):
 * fuzzy names, a disposition mask and an inclusive uid/gid range. One
 * UserDBMatch describes them for both users and groups; the server applies
 * it to its records, and the client applies it locally when a service is too
 * old to understand the filter fields. */

#include <errno.h>
#include <json-c/json.h>
#include <stdbool.h>
#include <stdint.h>

#include "group-record.h"
#include "user-record.h"

#define USERDB_DISPOSITION_MASK_ALL UINT64_MAX
#define USERDB_ID_MAX UINT32_C(4294967294)   /* (uid_t) -1 is never a valid id */

typedef struct UserDBMatch {
        char **fuzzy_names;          /* NULL: no fuzzy filter */
        uint64_t disposition_mask;   /* bit (1 << UserDisposition); ALL = no filter */
        uint64_t id_min, id_max;     /* inclusive */
} UserDBMatch;

#define USERDB_MATCH_NULL                                       \
        ((UserDBMatch) {                                        \
                .disposition_mask = USERDB_DISPOSITION_MASK_ALL, \
                .id_min = 0,                                    \
                .id_max = USERDB_ID_MAX,                        \
        })

/* True when some filter is set, i.e. the match is not USERDB_MATCH_NULL. */
bool userdb_match_is_set(const UserDBMatch *m);

/* Reads fuzzyNames, dispositionMask and uidMin/uidMax (gidMin/gidMax when
 * group is true) from the parameters of a call; absent or null fields
 * leave the filter unset. On failure *bad_field names the offending field.
 * Returns 0, -EINVAL (wrong type, unknown disposition, id out of range,
 * min > max), -ENOMEM. */
int userdb_match_from_params(json_object *params, bool group, const char **bad_field, UserDBMatch *ret);

/* Adds the set filters to params (an object). Returns 0 or -ENOMEM. */
int userdb_match_to_params(const UserDBMatch *m, bool group, json_object *params);

void userdb_match_done(UserDBMatch *m);

/* Levenshtein distance of two byte strings. */
size_t userdb_levenshtein(const char *a, const char *b);

/* True if any needle matches any haystack: lower-cased substring, or for
 * needles of 5 bytes or more a Levenshtein distance below 3. Lower-casing is
 * ASCII only. NULL entries in haystack are skipped (nhay entries). */
bool userdb_fuzzy_match(char * const *needles, const char * const *haystack, size_t nhay);

/* Whether a user (group) record passes the filter: its effective id (with
 * perMachine and binding applied), its disposition (given or derived) and
 * the names listed in userdb-varlink.md §2. NULL m passes everything. */
bool userdb_match_user(const UserDBMatch *m, const UserRecord *ur);
bool userdb_match_group(const UserDBMatch *m, const GroupRecord *gr);
