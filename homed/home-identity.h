/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* ~/.identity: the record embedded in the home (regular + privileged +
 * perMachine + signature; user-record.md §1), pretty JSON with sorted
 * keys and tab indentation, newline-terminated, mode 0600, owned by the
 * user, replaced atomically. */

#include <json-c/json.h>
#include <stdbool.h>
#include <sys/types.h>

/* Writes the embedded form of record into the home directory home_fd.
 * Returns 0, -EBADMSG (record is not an object), -ENOMEM, -errno. */
int home_identity_write(int home_fd, json_object *record, uid_t uid, gid_t gid);

/* Reads it back. Returns 0, -ENOENT, -EBADMSG (not a JSON object),
 * -EFBIG (over 4 MiB), -errno. */
int home_identity_read(int home_fd, json_object **ret);

/* Picks the record to go on with (user-record.md §9): both must name the
 * same userName/realm (-EREMCHG otherwise); the one with the larger
 * lastChangeUSec wins, the host copy on a tie or when the embedded one
 * has none. When the embedded copy wins, the host's binding is carried
 * over. *ret_rewrite says whether ~/.identity should be rewritten (the
 * host won and the embedded sections differ). Returns 0, -EREMCHG,
 * -ENOMEM. */
int home_identity_reconcile(json_object *host, json_object *embedded,
                            json_object **ret_winner, bool *ret_rewrite);
