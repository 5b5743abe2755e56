/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* The supervisor and the load balancing of hearth-userdbd's workers. Part
 * of the daemon, not of the library: it reports on stderr. */

#include <limits.h>
#include <signal.h>
#include <stdatomic.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>

#include "macro.h"
#include "userdbd-workers.h"

/* Published connection count of a slot with no live worker. */
#define SLOT_DEAD UINT_MAX

/* A deferred connection is left to the others for DEFER_USEC at a time,
 * and taken anyway once it has waited DEFER_MAX_USEC (the less loaded
 * worker may be busy reloading). A deferral older than DEFER_STALE_USEC
 * belongs to a connection someone else took long ago. */
#define DEFER_USEC 200ULL
#define DEFER_MAX_USEC 1000ULL
#define DEFER_STALE_USEC 5000ULL

/* A worker that dies within RESTART_FAST_USEC of its start is restarted
 * after RESTART_DELAY_USEC, so a crash loop does not spin. */
#define RESTART_FAST_USEC (1000ULL * 1000ULL)
#define RESTART_DELAY_USEC (1000ULL * 1000ULL)
#define STOP_TIMEOUT_USEC (5000ULL * 1000ULL)

typedef struct Shared {
        _Atomic unsigned connections[WORKERS_MAX];
        _Atomic uint64_t last_event[WORKERS_MAX];       /* busy polling: when worker i last had work */
} Shared;

typedef struct Worker {
        pid_t pid;                      /* 0: not running */
        uint64_t started_usec;
        uint64_t restart_at_usec;       /* 0: no restart pending */
} Worker;

struct WorkerPool {
        unsigned n;
        Shared *shared;                 /* MAP_SHARED: every worker sees it */
        Worker workers[WORKERS_MAX];
};

static uint64_t now_usec(void) {
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t) ts.tv_sec * 1000000ULL + (uint64_t) ts.tv_nsec / 1000ULL;
}

int worker_pool_new(unsigned n, WorkerPool **ret) {
        WorkerPool *p;

        if (n < 2 || n > WORKERS_MAX || !ret)
                return -EINVAL;
        p = calloc(1, sizeof *p);
        if (!p)
                return -ENOMEM;
        p->n = n;
        p->shared = mmap(NULL, sizeof(Shared), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
        if (p->shared == MAP_FAILED) {
                int r = -errno;
                free(p);
                return r;
        }
        for (unsigned i = 0; i < WORKERS_MAX; i++)
                atomic_init(&p->shared->connections[i], SLOT_DEAD);
        for (unsigned i = 0; i < WORKERS_MAX; i++)
                atomic_init(&p->shared->last_event[i], 0);
        *ret = p;
        return 0;
}

WorkerPool *worker_pool_free(WorkerPool *p) {
        if (!p)
                return NULL;
        (void) munmap(p->shared, sizeof(Shared));
        free(p);
        return NULL;
}

unsigned worker_pool_size(const WorkerPool *p) {
        return p ? p->n : 0;
}

_Atomic uint64_t *worker_pool_last_event(WorkerPool *p) {
        return p->shared->last_event;
}

uint64_t worker_balance_accept_filter(VarlinkServer *s, void *userdata) {
        WorkerBalance *b = userdata;
        Shared *sh = b->pool->shared;
        unsigned mine = varlink_server_n_connections(s), least = SLOT_DEAD;

        atomic_store_explicit(&sh->connections[b->index], mine, memory_order_relaxed);
        for (unsigned i = 0; i < b->pool->n; i++)
                if (i != b->index)
                        least = MIN(least, atomic_load_explicit(&sh->connections[i], memory_order_relaxed));
        /* Balance exactly while few connections are open (two busy
         * clients must end up in two workers); with many, a little slack
         * keeps every worker accepting during a flood of connects. */
        if (mine <= least || mine - least <= least / 8) {
                b->deferred_since = 0;
                return 0;
        }

        uint64_t now = now_usec();
        if (b->deferred_since == 0 || now - b->deferred_since >= DEFER_STALE_USEC) {
                b->deferred_since = now;
                return DEFER_USEC;
        }
        if (now - b->deferred_since >= DEFER_MAX_USEC) {
                b->deferred_since = 0;
                return 0;
        }
        return DEFER_USEC;
}

void worker_balance_count_changed(VarlinkServer *s, void *userdata) {
        WorkerBalance *b = userdata;

        atomic_store_explicit(&b->pool->shared->connections[b->index], varlink_server_n_connections(s),
                              memory_order_relaxed);
}

static int spawn(WorkerPool *p, unsigned i, WorkerMain fn, void *userdata) {
        pid_t parent = getpid(), pid;

        /* The slot counts as live (and idle) from the fork on, so the
         * others leave it new connections. */
        atomic_store(&p->shared->connections[i], 0);
        pid = fork();
        if (pid < 0) {
                atomic_store(&p->shared->connections[i], SLOT_DEAD);
                return -errno;
        }
        if (pid == 0) {
                sigset_t chld;

                /* A worker outliving a killed parent would keep serving
                 * a socket nobody removes. */
                if (prctl(PR_SET_PDEATHSIG, SIGTERM) < 0 || getppid() != parent)
                        _exit(1);
                sigemptyset(&chld);
                sigaddset(&chld, SIGCHLD);
                sigprocmask(SIG_UNBLOCK, &chld, NULL);
                exit(fn(p, i, userdata));
        }
        p->workers[i] = (Worker) { .pid = pid, .started_usec = now_usec() };
        return 0;
}

static void reap(WorkerPool *p, bool stopping) {
        int status;
        pid_t pid;

        while ((pid = waitpid(-1, &status, WNOHANG)) > 0)
                for (unsigned i = 0; i < p->n; i++) {
                        Worker *w = &p->workers[i];
                        if (w->pid != pid)
                                continue;
                        atomic_store(&p->shared->connections[i], SLOT_DEAD);
                        w->pid = 0;
                        if (stopping)
                                break;
                        if (WIFSIGNALED(status))
                                fprintf(stderr, "hearth-userdbd: worker %u (pid %d) killed by signal %d, restarting\n",
                                        i, (int) pid, WTERMSIG(status));
                        else
                                fprintf(stderr, "hearth-userdbd: worker %u (pid %d) exited with status %d, restarting\n",
                                        i, (int) pid, WEXITSTATUS(status));
                        uint64_t now = now_usec();
                        w->restart_at_usec = now - w->started_usec < RESTART_FAST_USEC ? now + RESTART_DELAY_USEC : now;
                        break;
                }
}

static unsigned n_running(const WorkerPool *p) {
        unsigned k = 0;
        for (unsigned i = 0; i < p->n; i++)
                k += p->workers[i].pid > 0;
        return k;
}

static void signal_all(WorkerPool *p, int sig) {
        for (unsigned i = 0; i < p->n; i++)
                if (p->workers[i].pid > 0)
                        (void) kill(p->workers[i].pid, sig);
}

static void stop_all(WorkerPool *p) {
        uint64_t deadline = now_usec() + STOP_TIMEOUT_USEC;
        sigset_t chld;

        sigemptyset(&chld);
        sigaddset(&chld, SIGCHLD);
        signal_all(p, SIGTERM);
        for (;;) {
                reap(p, true);
                if (n_running(p) == 0)
                        return;
                uint64_t now = now_usec();
                if (now >= deadline) {
                        fprintf(stderr, "hearth-userdbd: workers did not stop in time, killing them\n");
                        signal_all(p, SIGKILL);
                        deadline = UINT64_MAX;
                        continue;
                }
                uint64_t left = deadline == UINT64_MAX ? 1000000ULL : deadline - now;
                struct timespec ts = { .tv_sec = (time_t) (left / 1000000ULL),
                                       .tv_nsec = (long) (left % 1000000ULL) * 1000L };
                (void) sigtimedwait(&chld, NULL, &ts);
        }
}

int worker_pool_run(WorkerPool *p, WorkerMain fn, void *userdata, void (*ready)(void)) {
        sigset_t mask;
        int r = 0;

        for (unsigned i = 0; i < p->n; i++) {
                int k = spawn(p, i, fn, userdata);
                if (k < 0) {
                        fprintf(stderr, "hearth-userdbd: cannot fork worker %u: %s\n", i, strerror(-k));
                        p->workers[i].restart_at_usec = now_usec() + RESTART_DELAY_USEC;
                        r = k;
                }
        }
        if (n_running(p) == 0)
                return r;
        fprintf(stderr, "hearth-userdbd: %u workers\n", n_running(p));
        if (ready)
                ready();

        sigemptyset(&mask);
        sigaddset(&mask, SIGTERM);
        sigaddset(&mask, SIGINT);
        sigaddset(&mask, SIGHUP);
        sigaddset(&mask, SIGCHLD);
        for (;;) {
                uint64_t next = UINT64_MAX, now = now_usec();
                siginfo_t si;

                for (unsigned i = 0; i < p->n; i++) {
                        Worker *w = &p->workers[i];
                        if (w->pid > 0 || w->restart_at_usec == 0)
                                continue;
                        if (w->restart_at_usec <= now) {
                                int k = spawn(p, i, fn, userdata);
                                if (k < 0) {
                                        fprintf(stderr, "hearth-userdbd: cannot fork worker %u: %s\n", i, strerror(-k));
                                        w->restart_at_usec = now + RESTART_DELAY_USEC;
                                } else
                                        w->restart_at_usec = 0;
                        }
                        if (w->restart_at_usec)
                                next = MIN(next, w->restart_at_usec);
                }

                int sig;
                if (next == UINT64_MAX)
                        sig = sigwaitinfo(&mask, &si);
                else {
                        uint64_t left = next > now ? next - now : 0;
                        struct timespec ts = { .tv_sec = (time_t) (left / 1000000ULL),
                                               .tv_nsec = (long) (left % 1000000ULL) * 1000L };
                        sig = sigtimedwait(&mask, &si, &ts);
                }
                if (sig == SIGTERM || sig == SIGINT)
                        break;
                if (sig == SIGHUP)
                        signal_all(p, SIGHUP);
                else if (sig == SIGCHLD)
                        reap(p, false);
        }
        stop_all(p);
        return 0;
}
