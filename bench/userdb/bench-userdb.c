/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* One client for every userdb service under test: GetUserRecord by name
 * (throughput, p50/p99, N concurrent clients), full enumeration, and a bare
 * AF_UNIX ping-pong of the same message sizes as the floor. */

#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>

#include "macro.h"
#include <json-c/json.h>

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

/* The wire client: the same bytes go to both servers. A request is
 * formatted with snprintf and written with one write(); the reply is read
 * up to and including its NUL terminator (every byte of it is received)
 * and then checked without a JSON parser: it must be a reply, not an
 * error, and hold the record asked for. With --parse each reply is also
 * parsed with json-c (a full parse, the way a real client would). */
typedef struct Wire {
        int fd;
        char *buf;
        size_t alloc, begin, end;
        bool parse;
        json_tokener *tok;
} Wire;

static int wire_connect(Wire *w, const char *path, bool parse) {
        struct sockaddr_un sa = { .sun_family = AF_UNIX };

        *w = (Wire) { .fd = -1, .parse = parse };
        if (strlen(path) >= sizeof sa.sun_path)
                return -EINVAL;
        strcpy(sa.sun_path, path);
        w->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (w->fd < 0 || connect(w->fd, (struct sockaddr *) &sa, sizeof sa) < 0)
                return -errno;
        w->alloc = 1 << 20;
        w->buf = malloc(w->alloc);
        w->tok = json_tokener_new();
        return w->buf && w->tok ? 0 : -ENOMEM;
}

static void wire_done(Wire *w) {
        if (w->fd >= 0)
                close(w->fd);
        free(w->buf);
        if (w->tok)
                json_tokener_free(w->tok);
}

static int wire_send(Wire *w, const char *m, size_t n) {
        while (n > 0) {
                ssize_t k = write(w->fd, m, n);
                if (k <= 0)
                        return -EIO;
                m += k;
                n -= (size_t) k;
        }
        return 0;
}

/* Returns the next message (without its NUL), valid until the next call. */
static const char *wire_next(Wire *w, size_t *ret_len) {
        for (;;) {
                char *nul = memchr(w->buf + w->begin, 0, w->end - w->begin);
                if (nul) {
                        const char *m = w->buf + w->begin;
                        *ret_len = (size_t) (nul - m);
                        w->begin = (size_t) (nul - w->buf) + 1;
                        if (w->parse) {
                                json_tokener_reset(w->tok);
                                json_object *o = json_tokener_parse_ex(w->tok, m, (int) *ret_len);
                                if (!o || !json_object_is_type(o, json_type_object)) {
                                        json_object_put(o);
                                        return NULL;
                                }
                                json_object_put(o);
                        }
                        return m;
                }
                if (w->begin == w->end)
                        w->begin = w->end = 0;
                else if (w->begin > 0 && w->alloc - w->end < 65536) {
                        memmove(w->buf, w->buf + w->begin, w->end - w->begin);
                        w->end -= w->begin;
                        w->begin = 0;
                }
                if (w->end == w->alloc)
                        return NULL; /* a message over 1 MiB: not a record reply */
                ssize_t k = read(w->fd, w->buf + w->end, w->alloc - w->end);
                if (k <= 0)
                        return NULL;
                w->end += (size_t) k;
        }
}

static bool is_reply(const char *m, size_t n) {
        static const char prefix[] = "{\"parameters\":";
        return n >= sizeof prefix - 1 && memcmp(m, prefix, sizeof prefix - 1) == 0;
}

static bool has_continues(const char *m, size_t n) {
        static const char suffix[] = ",\"continues\":true}";
        return n >= sizeof suffix - 1 && memcmp(m + n - (sizeof suffix - 1), suffix, sizeof suffix - 1) == 0;
}

static bool parse_mode;

/* args: socket, service, number of users (names user00000..) */
static void lookup_worker(const char **args, double secs, unsigned seed, int out) {
        Wire w;
        Samples s = {};
        unsigned n = (unsigned) atoi(args[2]);
        char req[512], want[64];

        if (wire_connect(&w, args[0], parse_mode) < 0) {
                fprintf(stderr, "connect %s failed\n", args[0]);
                wire_done(&w);
                return;
        }
        uint64_t end = now_ns() + (uint64_t) (secs * 1e9);
        while (now_ns() < end) {
                unsigned u = (unsigned) rand_r(&seed) % n;
                int rl = snprintf(req, sizeof req,
                                  "{\"method\":\"io.systemd.UserDatabase.GetUserRecord\","
                                  "\"parameters\":{\"userName\":\"user%05u\",\"service\":\"%s\"}}",
                                  u, args[1]);
                int wl = snprintf(want, sizeof want, "\"userName\":\"user%05u\"", u);
                size_t len;

                uint64_t t0 = now_ns();
                if (wire_send(&w, req, (size_t) rl + 1) < 0)
                        break;
                const char *m = wire_next(&w, &len);
                uint64_t t1 = now_ns();
                if (!m || !is_reply(m, len) || !memmem(m, len, want, (size_t) wl)) {
                        fprintf(stderr, "lookup of user%05u failed: %.*s\n", u, m ? (int) MIN(len, 300) : 0, m ?: "");
                        break;
                }
                add(&s, t1 - t0);
        }
        flush_samples(out, &s);
        wire_done(&w);
        free(s.v);
}

static int enumerate(const char *sock, const char *service, unsigned repeat) {
        Samples s = {};
        size_t count = 0;
        char req[512];
        int rl = snprintf(req, sizeof req,
                          "{\"method\":\"io.systemd.UserDatabase.GetUserRecord\","
                          "\"parameters\":{\"service\":\"%s\"},\"more\":true}", service);

        for (unsigned i = 0; i < repeat; i++) {
                Wire w;
                uint64_t t0 = now_ns();
                if (wire_connect(&w, sock, parse_mode) < 0 || wire_send(&w, req, (size_t) rl + 1) < 0) {
                        fprintf(stderr, "enumeration failed to start\n");
                        wire_done(&w);
                        return 1;
                }
                count = 0;
                for (;;) {
                        size_t len;
                        const char *m = wire_next(&w, &len);
                        if (!m || !is_reply(m, len) || !memmem(m, len, "\"userName\":\"user", 16)) {
                                fprintf(stderr, "enumeration failed after %zu records\n", count);
                                wire_done(&w);
                                return 1;
                        }
                        count++;
                        if (!has_continues(m, len))
                                break;
                }
                add(&s, now_ns() - t0);
                wire_done(&w);
        }
        qsort(s.v, s.n, sizeof(uint64_t), cmp_u64);
        printf("enumerate%s records=%zu repeat=%u median_ms=%.2f\n", parse_mode ? "-parsed" : "", count, repeat,
               s.v[s.n / 2] / 1e6);
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
        if (argc >= 2 && streq(argv[argc - 1], "--parse")) {
                parse_mode = true;
                argc--;
        }
        if (argc >= 6 && streq(argv[1], "lookup")) {
                const char *args[] = { argv[2], argv[3], argv[4] };
                unsigned clients = argc >= 7 ? (unsigned) MAX(MIN(atoi(argv[6]), 64), 1) : 1;
                run_workers(parse_mode ? "lookup-parsed" : "lookup", lookup_worker, args, clients, atof(argv[5]));
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
                "usage: bench-userdb lookup SOCKET SERVICE NUSERS SECONDS [CLIENTS] [--parse]\n"
                "       bench-userdb enum SOCKET SERVICE REPEAT [--parse]\n"
                "       bench-userdb pingpong SECONDS [CLIENTS]\n");
        return 2;
}
