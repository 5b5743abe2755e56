/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Internal to records/: the steps user and group loading share: applying
 * a section policy to a JSON object and finding out which machine we are. */

#include <json-c/json.h>

#include "record-json.h"
#include "user-record.h"

/* Checks v against policy and returns a deep copy with the stripped
 * sections removed, plus the mask of sections it holds. `refused`
 * sections are refused whatever the policy says (groups: secret).
 * Also checks each section's JSON type. name_field is the mandatory name
 * ("userName"/"groupName") an error names when the regular section is
 * required but absent. Errors as user_record_load(). */
int record_load_prepare(json_object *v, const RecordLoadPolicy *policy, RecordSection refused,
                        const char *name_field, json_object **ret_json, RecordSection *ret_sections,
                        RecordError *error);

/* The machine to resolve perMachine/binding/status for: the caller's, or
 * this host's; an all-zero id and NULL hostname when neither is known. */
void record_load_machine(const RecordLoadOptions *options, RecordMachine *ret, char *hostname_buf, size_t size);

/* Keys that name sections, NULL-terminated, for skipping at the top level. */
extern const char *const record_section_keys[];
extern const char *const record_match_keys[];
