/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Records are JSON from the wire to the disk. This file is the one place
 * that turns untrusted text into a json-c tree (with limits json-c does
 * not apply by itself) and that reads typed values out of a tree with an
 * error naming the field, so every loader reports problems the same way. */

#include <json-c/json.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Where a record failed to load and why. Filled only on failure, and only
 * when the caller passes one (every API taking a RecordError accepts NULL).
 * `field` is a path such as "uid", "perMachine[2].diskSize" or
 * "privileged.pkcs11EncryptedKey[0].uri"; empty when the problem is not
 * about one field (e.g. the text is not JSON). `message` is a complete
 * sentence for humans: "field 'uid': must be in 0..4294967294". */
typedef struct RecordError {
        int error;              /* the negative errno the call returned */
        char field[256];
        char message[512];
} RecordError;

/* Largest JSON text record_json_parse() accepts when the caller passes 0.
 * Records with a blob manifest and several signatures stay far below. */
#define RECORD_JSON_SIZE_MAX_DEFAULT (4U * 1024U * 1024U)
/* Nesting depth the parser accepts; records nest four levels at most. */
#define RECORD_JSON_DEPTH_MAX 32

/* Parses text (size bytes, need not be NUL-terminated; an embedded NUL is
 * an error) as one strict JSON value: valid UTF-8, no trailing garbage
 * other than whitespace, top level must be an object, no object may
 * repeat a key, no string may contain U+0000. size_max 0 means
 * RECORD_JSON_SIZE_MAX_DEFAULT.
 * Returns 0 and a new reference in *ret_object, or
 *   -EMSGSIZE  text longer than size_max
 *   -EBADMSG   not well-formed JSON (syntax, UTF-8, trailing data, depth)
 *   -ENOTUNIQ  an object repeats a key
 *   -EINVAL    top level is not an object, or a string contains U+0000
 *   -ENOMEM */
int record_json_parse(const char *text, size_t size, size_t size_max,
                      json_object **ret_object, RecordError *error);

/* Records an error: formats "field '<field>': <why>" (or just <why> when
 * field is NULL/empty) into *error if error is non-NULL. Returns r (a
 * negative errno) so callers can `return record_error(...)`. */
int record_error(RecordError *error, int r, const char *field, const char *fmt, ...)
        __attribute__((format(printf, 4, 5)));

/* Builds a field path: parent + "." + name, or parent + "[index]" when
 * name is NULL. Truncates silently (paths only feed error messages). */
void record_field_path(char *buf, size_t size, const char *parent, const char *name, size_t index);

/* Typed readers. Each checks the JSON type and range of v and reports
 * a RecordError naming `field` on mismatch. None accepts null: callers
 * handle null (= "unset") before calling. All return 0 on success or
 * -EINVAL (wrong type or out of range), -ENOMEM.
 *
 * Integers: only JSON integers are accepted, never reals (1.0), never
 * strings. Unsigned readers refuse negative values; 64-bit values are
 * exact up to UINT64_MAX (json-c keeps big positive values as uint64). */
int record_json_uint64(json_object *v, const char *field, uint64_t min, uint64_t max,
                       uint64_t *ret, RecordError *error);
int record_json_int64(json_object *v, const char *field, int64_t min, int64_t max,
                      int64_t *ret, RecordError *error);
int record_json_bool(json_object *v, const char *field, bool *ret, RecordError *error);

/* A string: must be a JSON string, no control characters (unless
 * allow_control), valid UTF-8 (guaranteed by the parser, re-checked here
 * for trees built in memory). *ret points into v (no copy). */
int record_json_string(json_object *v, const char *field, bool allow_control,
                       const char **ret, RecordError *error);

/* A list of strings, newly allocated (strv_free), each checked like
 * record_json_string(). If accept_single is true a bare string is taken
 * as a one-element list. An empty array gives an allocated empty list. */
int record_json_strv(json_object *v, const char *field, bool allow_control, bool accept_single,
                     char ***ret, RecordError *error);

/* Checks that every string in the tree is valid UTF-8 without U+0000.
 * For trees the caller built in memory (parsed text is checked already).
 * Returns 0, -EBADMSG (invalid UTF-8) or -EINVAL (U+0000), naming the
 * path of the first bad string. */
int record_json_check_strings(json_object *v, const char *field, RecordError *error);
