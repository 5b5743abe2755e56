/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Whether an account may log in now, and whether its password must or
 * may be changed (user-record.md §11). Time is passed in so callers and
 * tests decide what "now" is. */

#include <stdint.h>

#include "user-record.h"

/* Returns:
 *   0         the account may log in
 *   -ESTALE   lastChangeUSec lies in the future (clock likely wrong)
 *   -ENOLCK   locked is true
 *   -EL2HLT   now is before notBeforeUSec (not yet valid)
 *   -EL3HLT   now is after notAfterUSec (expired)
 * checked in this order. */
int user_record_test_blocked(const UserRecord *ur, uint64_t now_usec);

/* Password aging. Returns:
 *   0             nothing required; a change is permitted
 *   -EROFS        nothing required, and a change is not permitted yet
 *                 (passwordChangeMinUSec has not passed)
 *   -EKEYREVOKED  passwordChangeNow is set: change now (admin asked)
 *   -EOWNERDEAD   password expired (last + max passed): change now
 *   -EKEYREJECTED expired and also past the inactivity period:
 *                 locked out, changing is not allowed
 *   -EKEYEXPIRED  expires soon (inside the warn window): warn
 *   -ESTALE       lastPasswordChangeUSec lies in the future
 *   -ENETDOWN     aging fields set (max/min/warn/inactive) but no
 *                 lastPasswordChangeUSec to count from: change now
 * The -ESTALE check comes first, then passwordChangeNow, then aging. */
int user_record_test_password_change_required(const UserRecord *ur, uint64_t now_usec);

/* Current CLOCK_REALTIME in µs. */
uint64_t record_now_usec(void);
