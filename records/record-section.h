/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* The sections a user or group record is split into (user-record.md §1).
 * A mask of these says which sections a context allows; the top level
 * ("regular") is a section too. */

#include <json-c/json.h>
#include <stdbool.h>

typedef enum RecordSection {
        RECORD_REGULAR    = 1 << 0,
        RECORD_SECRET     = 1 << 1,
        RECORD_PRIVILEGED = 1 << 2,
        RECORD_PER_MACHINE = 1 << 3,
        RECORD_BINDING    = 1 << 4,
        RECORD_STATUS     = 1 << 5,
        RECORD_SIGNATURE  = 1 << 6,
        _RECORD_SECTION_ALL = (1 << 7) - 1,
} RecordSection;

/* Presets used across Hearth. */
#define RECORD_SIGNABLE (RECORD_REGULAR | RECORD_PRIVILEGED | RECORD_PER_MACHINE)
#define RECORD_EMBEDDED (RECORD_SIGNABLE | RECORD_SIGNATURE)
#define RECORD_HOST_COPY (RECORD_EMBEDDED | RECORD_BINDING)
#define RECORD_FROM_LOOKUP (_RECORD_SECTION_ALL & ~RECORD_SECRET)

/* JSON key of a section, NULL for RECORD_REGULAR (the top level itself)
 * and for anything that is not exactly one section bit. */
const char *record_section_to_key(RecordSection s);

/* The section a top-level key belongs to: one of the section keys above,
 * or RECORD_REGULAR for every other key (unknown keys are regular data). */
RecordSection record_section_from_key(const char *key);

/* The sections present in a record object. 0 if v is not an object. */
RecordSection record_sections_present(json_object *v);

/* A new object holding only the sections in mask (a deep copy; unknown
 * regular keys are kept when RECORD_REGULAR is in mask).
 * Returns 0 on success, -EINVAL if v is not an object, -ENOMEM. */
int record_json_filter_sections(json_object *v, RecordSection mask, json_object **ret);
