/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Input and output helpers shared by hearthctl's verbs. */

#include <json-c/json.h>
#include <stddef.h>

#include "hearthctl.h"

/* Reads all of path ("-" = stdin), at most size_max bytes, into a buffer
 * that is wiped when freed (records may carry secrets). Logs on failure.
 * Returns 0 or an exit code. */
int read_input(const char *path, size_t size_max, char **ret_text, size_t *ret_size);

/* Reads and parses path as one JSON object with the record parser's
 * limits (strict, no duplicate keys). Logs on failure. Returns 0 or an
 * exit code. */
int read_json_object(const char *path, json_object **ret);

/* Prints v in mode (JSON_PRETTY: the .identity form; JSON_SHORT: the
 * canonical form plus a newline). Returns 0 or an exit code. */
int print_json(json_object *v, JsonMode mode);

/* The --json mode, or def when none was given. */
static inline JsonMode json_mode_or(JsonMode def) {
        return arg.json == _JSON_MODE_UNSET ? def : arg.json;
}

/* "-" shows as "stdin" in messages. */
static inline const char *input_name(const char *path) {
        return streq(path, "-") ? "stdin" : path;
}
