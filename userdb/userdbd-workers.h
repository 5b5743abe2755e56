/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Pre-forked workers for hearth-userdbd: the parent loads the records and
 * binds the sockets, then forks N workers that all accept on the same
 * listening sockets, each with its own event loop. The parent only
 * supervises: it restarts a worker that dies, forwards SIGHUP and stops
 * every worker on SIGTERM/SIGINT. A page shared by all of them holds each
 * worker's connection count, so new connections go to the least loaded
 * worker. */

#include <stdatomic.h>
#include <stdint.h>

#include "varlink.h"

#define WORKERS_MAX 64U

typedef struct WorkerPool WorkerPool;

/* Runs in the forked worker `index` (0-based); its return value is the
 * worker's exit status. */
typedef int (*WorkerMain)(WorkerPool *p, unsigned index, void *userdata);

/* n in 2..WORKERS_MAX. Errors: -EINVAL bad n, -ENOMEM, or mmap()'s errno. */
int worker_pool_new(unsigned n, WorkerPool **ret);
WorkerPool *worker_pool_free(WorkerPool *p);
static inline void worker_pool_freep(WorkerPool **p) {
        if (*p)
                *p = worker_pool_free(*p);
}
unsigned worker_pool_size(const WorkerPool *p);
/* WORKERS_MAX entries in the shared page: when each worker last
 * dispatched an event (see userdbd-busy-poll.h). */
_Atomic uint64_t *worker_pool_last_event(WorkerPool *p);

/* Forks the workers and supervises them until SIGTERM or SIGINT, which it
 * forwards before waiting for every worker to exit (SIGKILL after 5 s).
 * SIGHUP is forwarded to every worker. The caller blocks SIGTERM, SIGINT,
 * SIGHUP and SIGCHLD beforehand. `ready` (may be NULL) is called once all
 * workers have been forked. Only returns in the parent.
 * Returns 0, or -errno if no worker could be started at all. */
int worker_pool_run(WorkerPool *p, WorkerMain fn, void *userdata, void (*ready)(void));

/* For varlink_server_set_accept_filter() in worker `index`: publishes the
 * worker's connection count and defers a new connection (for a short,
 * bounded time) while another live worker has fewer. */
typedef struct WorkerBalance {
        WorkerPool *pool;
        unsigned index;
        uint64_t deferred_since;
} WorkerBalance;
uint64_t worker_balance_accept_filter(VarlinkServer *s, void *userdata);
/* For varlink_server_set_count_callback(): keeps the published count
 * current when connections close, so the others never see it too high. */
void worker_balance_count_changed(VarlinkServer *s, void *userdata);
