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
 * Spinning must never take a CPU that a client or another serving process
 * needs. Every process publishes when it last dispatched an event; one may
 * spin only while the processes busy within the window, itself included,
 * number at most the CPUs it may run on minus one. So a single CPU never
 * spins, and two workers busy with two clients on two CPUs do not either.
 * A poll that found nothing yields the CPU, so a client or worker the
 * scheduler queued behind the spinner runs first. */

#include <stdatomic.h>
#include <stdint.h>
#include <systemd/sd-event.h>

#define BUSY_POLL_USEC_DEFAULT 50ULL
#define BUSY_POLL_USEC_MAX 10000ULL

typedef struct BusyPoll {
        uint64_t window_usec;           /* 0: never spin */
        _Atomic uint64_t *last_event;   /* per process (shared by all workers): CLOCK_MONOTONIC µs */
        unsigned n;                     /* entries in last_event */
        unsigned index;                 /* this process's entry, < n */
        unsigned max_spinning;          /* busy processes that still leave a CPU free */
        uint64_t *n_empty_polls;        /* NULL, or counts the polls that found nothing */
} BusyPoll;

/* CPUs in this process's affinity mask, minus one (0 if it cannot tell). */
unsigned busy_poll_max_spinning(void);

/* Runs `e` until sd_event_exit(), like sd_event_loop(). Returns the exit
 * code, or a negative errno from sd_event_run(). */
int busy_poll_loop(sd_event *e, const BusyPoll *bp);
