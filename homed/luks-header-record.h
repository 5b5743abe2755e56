/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Checking the record found in a LUKS header against the host's before
 * the home is trusted with it (home-unlock.md §3): same user, signed by
 * a key the host record is signed by (homed verified those against its
 * trusted keys), and the passphrase that opened the volume must satisfy
 * its hashes (strict authentication). */

#include <json-c/json.h>

#include "home-record.h"

/* Returns 0 if header may be used with host, or
 *   -EREMCHG  another user/realm, unsigned where the host record is
 *             signed, signed by a key the host record does not carry, or
 *             a signature that does not verify
 *   -ENOKEY   none of passphrases satisfies the header record's hashes
 *   -EBADMSG  the header record cannot be loaded
 *   -ENOMEM */
int luks_header_record_check(const HomeRecord *host, json_object *header, char * const *passphrases);

/* lastChangeUSec of a record object, 0 if absent. */
uint64_t luks_record_last_change(json_object *record);
