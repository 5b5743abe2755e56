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

/* Whether the processes busy within the window, this one included, still
 * leave a CPU for the clients. */
static bool may_spin(const BusyPoll *bp, uint64_t now) {
        unsigned busy = 1;

        for (unsigned i = 0; i < bp->n; i++) {
                if (i == bp->index)
                        continue;
                uint64_t t = atomic_load_explicit(&bp->last_event[i], memory_order_relaxed);
                /* t may be later than our now: it was just stored. */
                if (t > 0 && (t >= now || now - t < bp->window_usec) && ++busy > bp->max_spinning)
                        return false;
        }
        return busy <= bp->max_spinning;
}

int busy_poll_loop(sd_event *e, const BusyPoll *bp) {
        bool enabled = bp && bp->window_usec > 0 && bp->last_event && bp->index < bp->n && bp->max_spinning > 0;
        uint64_t last = 0;
        int r, code = 0;

        while (sd_event_get_state(e) != SD_EVENT_FINISHED) {
                bool spin = false;

                if (enabled && last > 0) {
                        uint64_t now = now_usec();
                        spin = now - last < bp->window_usec && may_spin(bp, now);
                }
                r = sd_event_run(e, spin ? 0 : UINT64_MAX);
                if (r < 0)
                        return r;
                if (r > 0 && enabled) {
                        last = now_usec();
                        atomic_store_explicit(&bp->last_event[bp->index], last, memory_order_relaxed);
                } else if (r == 0) {
                        if (bp->n_empty_polls)
                                (*bp->n_empty_polls)++;
                        /* Whatever else is runnable here (a client, a worker
                         * the scheduler put on this CPU) goes first. */
                        (void) sched_yield();
                }
        }
        r = sd_event_get_exit_code(e, &code);
        return r < 0 ? r : code;
}
