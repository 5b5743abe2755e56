/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* One client for every userdb service under test: GetUserRecord by name
 * (throughput, p50/p99, N concurrent clients), full enumeration, and a bare
 * AF_UNIX ping-pong of the same message sizes as the floor. */

#include <inttypes.h>
#include <pthread.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>

#include "macro.h"
#include "varlink.h"

static uint64_t now_ns(void) {
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t) ts.tv_sec * 1000000000ULL + (uint64_t) ts.tv_nsec;
}

static int cmp_u64(const void *a, const void *b) {
        uint64_t x = *(const uint64_t *) a, y = *(const uint64_t *) b;
        return x < y ? -1 : x > y;
}

typedef struct Samples {
        uint64_t *v;
        size_t n, allocated;
} Samples;

static void add(Samples *s, uint64_t x) {
        if (s->n == s->allocated) {
                s->allocated = s->allocated ? s->allocated * 2 : 4096;
                s->v = realloc(s->v, s->allocated * sizeof(uint64_t));
                if (!s->v)
                        abort();
        }
        s->v[s->n++] = x;
}

static void report(const char *what, unsigned clients, Samples *s, double secs) {
        qsort(s->v, s->n, sizeof(uint64_t), cmp_u64);
        printf("%s clients=%u ops=%zu ops_per_s=%.0f p50_us=%.1f p99_us=%.1f\n", what, clients, s->n,
               (double) s->n / secs, s->n ? s->v[s->n / 2] / 1000.0 : 0, s->n ? s->v[s->n * 99 / 100] / 1000.0 : 0);
}

/* Runs fn in `clients` processes for `secs`; each sends its latencies back. */
typedef void (*worker_t)(const char **args, double secs, unsigned seed, int out);

static void run_workers(const char *what, worker_t fn, const char **args, unsigned clients, double secs) {
        int fds[64][2];
        pid_t pids[64];
        Samples all = {};

        for (unsigned i = 0; i < clients; i++) {
                if (pipe(fds[i]) < 0)
                        abort();
                pids[i] = fork();
                if (pids[i] == 0) {
                        close(fds[i][0]);
                        fn(args, secs, i + 1, fds[i][1]);
                        _exit(0);
                }
                close(fds[i][1]);
        }
        for (unsigned i = 0; i < clients; i++) {
                uint64_t buf[1024];
                ssize_t k;
                while ((k = read(fds[i][0], buf, sizeof buf)) > 0)
                        for (size_t j = 0; j < (size_t) k / sizeof(uint64_t); j++)
                                add(&all, buf[j]);
                close(fds[i][0]);
                waitpid(pids[i], NULL, 0);
        }
        report(what, clients, &all, secs);
        free(all.v);
}

static void flush_samples(int out, Samples *s) {
        size_t off = 0, len = s->n * sizeof(uint64_t);
        while (off < len) {
                ssize_t k = write(out, (char *) s->v + off, len - off);
                if (k <= 0)
                        break;
                off += (size_t) k;
        }
}

/* args: socket, service, number of users (names user00000..) */
static void lookup_worker(const char **args, double secs, unsigned seed, int out) {
        VarlinkClient *c = NULL;
        Samples s = {};
        unsigned n = (unsigned) atoi(args[2]);
        char name[32];

        if (varlink_client_connect(&c, args[0]) < 0) {
                fprintf(stderr, "connect %s failed\n", args[0]);
                return;
        }
        uint64_t end = now_ns() + (uint64_t) (secs * 1e9);
        while (now_ns() < end) {
                json_object *p = json_object_new_object(), *reply = NULL;
                const char *err = NULL;
                snprintf(name, sizeof name, "user%05u", (unsigned) rand_r(&seed) % n);
                json_object_object_add(p, "userName", json_object_new_string(name));
                json_object_object_add(p, "service", json_object_new_string(args[1]));
                uint64_t t0 = now_ns();
                int r = varlink_call_sync(c, "io.systemd.UserDatabase.GetUserRecord", p, &reply, &err);
                uint64_t t1 = now_ns();
                json_object_put(p);
                json_object_put(reply);
                if (r < 0 || err) {
                        fprintf(stderr, "lookup of %s failed: %s\n", name, err ?: strerror(-r));
                        break;
                }
                add(&s, t1 - t0);
        }
        flush_samples(out, &s);
        varlink_client_free(c);
        free(s.v);
}

static int enumerate(const char *sock, const char *service, unsigned repeat) {
        Samples s = {};
        size_t count = 0;

        for (unsigned i = 0; i < repeat; i++) {
                VarlinkClient *c = NULL;
                json_object *p = json_object_new_object();
                json_object_object_add(p, "service", json_object_new_string(service));
                uint64_t t0 = now_ns();
                if (varlink_client_connect(&c, sock) < 0 ||
                    varlink_call_more_begin(c, "io.systemd.UserDatabase.GetUserRecord", p) < 0) {
                        fprintf(stderr, "enumeration failed to start\n");
                        return 1;
                }
                count = 0;
                for (;;) {
                        json_object *reply = NULL;
                        const char *err = NULL;
                        bool more = false;
                        int r = varlink_call_more_next(c, &reply, &err, &more);
                        json_object_put(reply);
                        if (r <= 0 || err)
                                break;
                        count++;
                        if (!more)
                                break;
                }
                add(&s, now_ns() - t0);
                json_object_put(p);
                varlink_client_free(c);
        }
        qsort(s.v, s.n, sizeof(uint64_t), cmp_u64);
        printf("enumerate records=%zu repeat=%u median_ms=%.2f\n", count, repeat, s.v[s.n / 2] / 1e6);
        free(s.v);
        return 0;
}

/* The floor: the same request and reply sizes over a bare socket pair,
 * echoed by a thread that does nothing else. */
static size_t pp_req = 120, pp_rep = 700;

static void *echo_thread(void *arg) {
        int fd = (int) (intptr_t) arg;
        char buf[65536], *rep = calloc(1, pp_rep);
        for (;;) {
                size_t got = 0;
                while (got < pp_req) {
                        ssize_t k = read(fd, buf, sizeof buf);
                        if (k <= 0)
                                return NULL;
                        got += (size_t) k;
                }
                if (write(fd, rep, pp_rep) != (ssize_t) pp_rep)
                        return NULL;
        }
}

static void pingpong_worker(const char **args, double secs, unsigned seed, int out) {
        int sv[2];
        pthread_t t;
        Samples s = {};
        char req[4096] = {}, buf[65536];

        if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) < 0)
                return;
        pthread_create(&t, NULL, echo_thread, (void *) (intptr_t) sv[1]);
        uint64_t end = now_ns() + (uint64_t) (secs * 1e9);
        while (now_ns() < end) {
                uint64_t t0 = now_ns();
                if (write(sv[0], req, pp_req) != (ssize_t) pp_req)
                        break;
                size_t got = 0;
                while (got < pp_rep) {
                        ssize_t k = read(sv[0], buf, sizeof buf);
                        if (k <= 0)
                                goto done;
                        got += (size_t) k;
                }
                add(&s, now_ns() - t0);
        }
done:
        flush_samples(out, &s);
        close(sv[0]);
        free(s.v);
}

int main(int argc, char *argv[]) {
        if (argc >= 6 && streq(argv[1], "lookup")) {
                const char *args[] = { argv[2], argv[3], argv[4] };
                unsigned clients = argc >= 7 ? (unsigned) MAX(MIN(atoi(argv[6]), 64), 1) : 1;
                run_workers("lookup", lookup_worker, args, clients, atof(argv[5]));
                return 0;
        }
        if (argc == 5 && streq(argv[1], "enum"))
                return enumerate(argv[2], argv[3], (unsigned) atoi(argv[4]));
        if (argc >= 3 && streq(argv[1], "pingpong")) {
                unsigned clients = argc >= 4 ? (unsigned) MAX(MIN(atoi(argv[3]), 64), 1) : 1;
                run_workers("pingpong", pingpong_worker, NULL, clients, atof(argv[2]));
                return 0;
        }
        fprintf(stderr,
                "usage: bench-userdb lookup SOCKET SERVICE NUSERS SECONDS [CLIENTS]\n"
                "       bench-userdb enum SOCKET SERVICE REPEAT\n"
                "       bench-userdb pingpong SECONDS [CLIENTS]\n");
        return 2;
}
