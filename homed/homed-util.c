/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <time.h>

#include "homed-manager.h"
#include "macro.h"

uint64_t now_usec(void) {
        struct timespec ts;
        (void) clock_gettime(CLOCK_REALTIME, &ts);
        return (uint64_t) ts.tv_sec * 1000000ULL + (uint64_t) ts.tv_nsec / 1000ULL;
}
