/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Which perMachine elements apply to this machine (user-record.md §5).
 * An element applies when any of its matchMachineId ids equals the local
 * machine id, or any of its matchHostname names equals the local
 * hostname, or it has matchNotMachineId and none of those ids is the
 * local one. Each key takes a string or an array; every array element is
 * compared on its own. An element without match keys never applies. */

#include <json-c/json.h>
#include <stdbool.h>

#include "record-json.h"
#include "user-record.h"

/* Checks the match keys of one perMachine element and says whether it
 * applies. field is the element's path for errors ("perMachine[3]").
 * Returns 1 (applies), 0 (does not), or -EINVAL (a match key has the
 * wrong type or an id/hostname is malformed, error names it). */
int per_machine_entry_matches(json_object *entry, const RecordMachine *machine,
                              const char *field, RecordError *error);

/* True for the keys that select rather than override. */
bool per_machine_is_match_key(const char *key);

/* The entry of `section` (binding or status object) for this machine, or
 * NULL. Checks that every key of the object is a valid machine id and
 * every value an object (-EINVAL / -EBADMSG naming the key otherwise). */
int record_machine_entry(json_object *section, const char *section_name,
                         const RecordMachine *machine, json_object **ret, RecordError *error);
