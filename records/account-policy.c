/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "account-policy.h"

#include <errno.h>
#include <time.h>

#include "macro.h"

uint64_t record_now_usec(void) {
        struct timespec ts;

        if (clock_gettime(CLOCK_REALTIME, &ts) < 0)
                return 0;
        return (uint64_t) ts.tv_sec * UINT64_C(1000000) + (uint64_t) ts.tv_nsec / 1000;
}

int user_record_test_blocked(const UserRecord *ur, uint64_t now_usec) {
        if (ur->last_change_usec != UINT64_MAX && ur->last_change_usec > now_usec)
                return -ESTALE;
        if (ur->locked > 0)
                return -ENOLCK;
        if (ur->not_before_usec != UINT64_MAX && now_usec < ur->not_before_usec)
                return -EL2HLT;
        if (ur->not_after_usec != UINT64_MAX && now_usec > ur->not_after_usec)
                return -EL3HLT;
        return 0;
}

static uint64_t add_sat(uint64_t a, uint64_t b) {
        return a > UINT64_MAX - b ? UINT64_MAX : a + b;
}

int user_record_test_password_change_required(const UserRecord *ur, uint64_t now_usec) {
        uint64_t last = ur->last_password_change_usec;
        bool aging = ur->password_change_min_usec != UINT64_MAX || ur->password_change_max_usec != UINT64_MAX ||
                     ur->password_change_warn_usec != UINT64_MAX || ur->password_change_inactive_usec != UINT64_MAX;

        if (last != UINT64_MAX && last > now_usec)
                return -ESTALE;

        if (ur->password_change_now > 0)
                return -EKEYREVOKED;

        if (!aging)
                return 0;

        if (last == UINT64_MAX)
                return -ENETDOWN;

        if (ur->password_change_max_usec != UINT64_MAX) {
                uint64_t expire = add_sat(last, ur->password_change_max_usec);

                if (now_usec >= expire) {
                        if (ur->password_change_inactive_usec != UINT64_MAX &&
                            now_usec >= add_sat(expire, ur->password_change_inactive_usec))
                                return -EKEYREJECTED;
                        return -EOWNERDEAD;
                }

                /* The warn window ends at expiry; no warn value means no warning. */
                if (ur->password_change_warn_usec != UINT64_MAX &&
                    (ur->password_change_warn_usec >= expire || now_usec >= expire - ur->password_change_warn_usec))
                        return -EKEYEXPIRED;
        }

        if (ur->password_change_min_usec != UINT64_MAX && now_usec < add_sat(last, ur->password_change_min_usec))
                return -EROFS;

        return 0;
}
