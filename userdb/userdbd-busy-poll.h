/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Busy polling for hearth-userdbd's event loop. A lookup is a ping-pong:
 * the client sends, sleeps until the reply, and sends the next call. When
 * the server's CPU goes idle between two calls, waking it again costs more
 * than the whole lookup on a virtual machine (tens of µs for an idle vCPU
 * against a few µs of work). So after it dispatched an event the loop keeps
 * polling, without sleeping, for a short window; a client that calls again
 * within it is answered without that wake-up. Idle servers sleep as before:
 * the window only follows activity, and spinning costs at most one window of
 * CPU time per burst of calls.
 *
 * Spinning must never take the CPU a client needs: at most
 * (CPUs this process may run on − 1) processes spin at once, counted in a
 * bitmask the workers share, so a single CPU never spins. */

#include <stdatomic.h>
#include <stdint.h>
#include <systemd/sd-event.h>

#define BUSY_POLL_USEC_DEFAULT 50ULL
#define BUSY_POLL_USEC_MAX 10000ULL

typedef struct BusyPoll {
        uint64_t window_usec;           /* 0: never spin */
        _Atomic uint64_t *spinning;     /* one bit per process; shared by all workers */
        unsigned bit;                   /* this process's bit, < 64 */
        unsigned max_spinning;          /* processes that may spin at once */
} BusyPoll;

/* CPUs in this process's affinity mask, minus one (0 if it cannot tell). */
unsigned busy_poll_max_spinning(void);

/* Runs `e` until sd_event_exit(), like sd_event_loop(). Returns the exit
 * code, or a negative errno from sd_event_run(). */
int busy_poll_loop(sd_event *e, const BusyPoll *bp);
