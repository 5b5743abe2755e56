/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* The byte-exact text forms systemd produces for a JSON value, so that a
 * signature Hearth makes verifies in systemd-homed and the other way round,
 * and so that `.identity` files look the same whoever wrote them.
 *
 * Both forms sort object keys recursively by strcmp() of their bytes and
 * print values the way sd-json does:
 *   strings    \" \\ \b \f \n \r \t escaped; other bytes 0x00..0x1f as
 *              \u00xx (lowercase hex); DEL, '/' and non-ASCII UTF-8 raw
 *   integers   exact decimal over the whole int64 and uint64 range
 *   reals      printf("%.*e", DECIMAL_DIG, d) in the C locale; -0.0 prints
 *              as 0.0 does, NaN and infinities print as null
 *   literals   null, true, false
 * json-c's own serializer is never used: it escapes '/' and prints reals
 * differently.
 *
 * Strings (and keys) must be valid UTF-8 without U+0000, because sd-json
 * cannot hold anything else; a tree that breaks this is refused rather
 * than given a form systemd could never produce. */

#include <json-c/json.h>
#include <stddef.h>

/* Deepest nesting either formatter accepts (sd-json's own limit). */
#define JSON_CANONICAL_DEPTH_MAX 2048U

/* The compact form: no whitespace at all, no trailing newline. These are
 * the bytes that get signed. v may be any JSON value; NULL is printed as
 * null (json-c uses NULL for JSON null).
 * On success returns 0, stores a new NUL-terminated string in *ret_text
 * and, if ret_size is not NULL, its length in *ret_size.
 * Errors:
 *   -EINVAL  a string or key contains U+0000
 *   -EILSEQ  a string or key is not valid UTF-8
 *   -ELOOP   nesting deeper than JSON_CANONICAL_DEPTH_MAX
 *   -ENOMEM
 * The output buffer is wiped whenever it is grown or dropped, so a value
 * holding secrets leaves no stray copies on the heap. */
int json_canonical_format(json_object *v, char **ret_text, size_t *ret_size);

/* The pretty form systemd writes to `.identity` files: keys sorted, one
 * member or element per line, nesting indented with one tab per level,
 * members as `"key" : value`, members and elements separated by ",\n",
 * empty objects and arrays as `{}` and `[]`, and a final newline.
 * Same return values as json_canonical_format(). */
int json_pretty_format(json_object *v, char **ret_text, size_t *ret_size);

/* The bytes a record signature covers: the record without its `secret`,
 * `binding`, `status` and `signature` sections, in canonical form.
 * Returns what json_canonical_format() returns, plus -EINVAL when record
 * is not a JSON object. */
int record_signable_bytes(json_object *record, char **ret_text, size_t *ret_size);
