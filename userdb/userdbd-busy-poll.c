/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <sched.h>
#include <stdbool.h>
#include <time.h>

#include "userdbd-busy-poll.h"

static uint64_t now_usec(void) {
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t) ts.tv_sec * 1000000ULL + (uint64_t) ts.tv_nsec / 1000ULL;
}

unsigned busy_poll_max_spinning(void) {
        cpu_set_t set;

        if (sched_getaffinity(0, sizeof set, &set) < 0)
                return 0;
        int n = CPU_COUNT(&set);
        return n > 1 ? (unsigned) n - 1 : 0;
}

static bool take_slot(const BusyPoll *bp) {
        uint64_t mine = UINT64_C(1) << bp->bit;
        uint64_t m = atomic_load_explicit(bp->spinning, memory_order_relaxed);

        for (;;) {
                if (m & mine)
                        return true;
                if ((unsigned) __builtin_popcountll(m) >= bp->max_spinning)
                        return false;
                if (atomic_compare_exchange_weak_explicit(bp->spinning, &m, m | mine, memory_order_relaxed,
                                                          memory_order_relaxed))
                        return true;
        }
}

static void give_slot(const BusyPoll *bp) {
        atomic_fetch_and_explicit(bp->spinning, ~(UINT64_C(1) << bp->bit), memory_order_relaxed);
}

int busy_poll_loop(sd_event *e, const BusyPoll *bp) {
        bool spin_ok = bp && bp->window_usec > 0 && bp->spinning && bp->max_spinning > 0 && bp->bit < 64;
        bool holding = false;
        uint64_t last = 0;
        int r, code = 0;

        while (sd_event_get_state(e) != SD_EVENT_FINISHED) {
                bool want = spin_ok && last > 0 && now_usec() - last < bp->window_usec;

                if (want && !holding)
                        holding = take_slot(bp);
                else if (!want && holding) {
                        give_slot(bp);
                        holding = false;
                }
                uint64_t timeout = holding ? 0 : UINT64_MAX;

                r = sd_event_run(e, timeout);
                if (r < 0) {
                        if (holding)
                                give_slot(bp);
                        return r;
                }
                if (r > 0)
                        last = now_usec();
        }
        if (holding)
                give_slot(bp);
        r = sd_event_get_exit_code(e, &code);
        return r < 0 ? r : code;
}
