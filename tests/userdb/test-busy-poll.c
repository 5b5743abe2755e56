/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <sched.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "userdbd-busy-poll.h"

/* Events come GAP_USEC apart; the loop counts the polls that found
 * nothing, which only spinning makes. */
#define N_EVENTS 6
#define GAP_USEC 20000ULL

static uint64_t now_usec(void) {
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t) ts.tv_sec * 1000000ULL + (uint64_t) ts.tv_nsec / 1000ULL;
}

typedef struct Ping {
        unsigned left;
} Ping;

static int on_input(sd_event_source *s, int fd, uint32_t revents, void *userdata) {
        Ping *p = userdata;
        char c;

        assert_int_equal(read(fd, &c, 1), 1);
        if (--p->left == 0)
                return sd_event_exit(sd_event_source_get_event(s), 42);
        return 0;
}

static pid_t feeder(int fd, unsigned n, uint64_t gap_usec) {
        pid_t pid = fork();
        assert_true(pid >= 0);
        if (pid == 0) {
                for (unsigned i = 0; i < n; i++) {
                        usleep((useconds_t) gap_usec);
                        if (write(fd, "x", 1) != 1)
                                _exit(1);
                }
                _exit(0);
        }
        return pid;
}

/* Runs the loop until N_EVENTS came; returns its empty polls. */
static uint64_t run(BusyPoll *bp, uint64_t gap_usec) {
        sd_event *e = NULL;
        Ping p = { .left = N_EVENTS };
        uint64_t empty = 0;
        int sv[2];

        bp->n_empty_polls = &empty;
        assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
        assert_int_equal(sd_event_new(&e), 0);
        assert_int_equal(sd_event_add_io(e, NULL, sv[0], EPOLLIN, on_input, &p), 0);
        pid_t pid = feeder(sv[1], N_EVENTS, gap_usec);
        assert_int_equal(busy_poll_loop(e, bp), 42);
        assert_int_equal(waitpid(pid, NULL, 0), pid);
        sd_event_unref(e);
        close(sv[0]);
        close(sv[1]);
        return empty;
}

static void test_spins_between_close_events(void **state) {
        _Atomic uint64_t last[1] = { 0 };
        BusyPoll bp = { .window_usec = 200000, .last_event = last, .n = 1, .max_spinning = 1 };

        uint64_t t0 = now_usec();
        assert_true(run(&bp, GAP_USEC) > 0);
        /* It published when it last had work. */
        assert_true(atomic_load(&last[0]) >= t0);
}

static void test_no_spin_while_another_is_busy(void **state) {
        /* Another worker had work just now, and the window is long: with
         * one CPU to spare, this one must leave it free. */
        _Atomic uint64_t last[2] = { 0, 0 };
        BusyPoll bp = { .window_usec = 10000000, .last_event = last, .n = 2, .index = 0, .max_spinning = 1 };

        atomic_store(&last[1], now_usec());
        assert_int_equal(run(&bp, GAP_USEC), 0);

        /* With two CPUs to spare, it may. */
        bp.max_spinning = 2;
        atomic_store(&last[1], now_usec());
        assert_true(run(&bp, GAP_USEC) > 0);

        /* A worker busy long ago does not count. */
        bp.max_spinning = 1;
        bp.window_usec = 200000;
        atomic_store(&last[1], now_usec() - 1000000);
        assert_true(run(&bp, GAP_USEC) > 0);
}

static void test_off_and_single_cpu(void **state) {
        _Atomic uint64_t last[1] = { 0 };
        BusyPoll off = { .window_usec = 0, .last_event = last, .n = 1, .max_spinning = 1 };
        BusyPoll one_cpu = { .window_usec = 200000, .last_event = last, .n = 1, .max_spinning = 0 };

        assert_int_equal(run(&off, GAP_USEC), 0);
        assert_int_equal(run(&one_cpu, GAP_USEC), 0);
}

static void test_sleeps_after_window(void **state) {
        _Atomic uint64_t last[1] = { 0 };
        BusyPoll bp = { .window_usec = 1000, .last_event = last, .n = 1, .max_spinning = 1 };

        /* A 1 ms window spins 1 ms of each 20 ms gap, then sleeps; a window
         * longer than the gaps spins through all of them. */
        uint64_t short_window = run(&bp, GAP_USEC);
        bp.window_usec = 200000;
        uint64_t long_window = run(&bp, GAP_USEC);
        assert_true(short_window > 0);
        assert_true(long_window > 4 * short_window);
}

static void test_max_spinning_follows_affinity(void **state) {
        cpu_set_t saved, one;

        assert_int_equal(sched_getaffinity(0, sizeof saved, &saved), 0);
        assert_int_equal(busy_poll_max_spinning(), (unsigned) CPU_COUNT(&saved) - 1);
        CPU_ZERO(&one);
        for (int i = 0; i < CPU_SETSIZE; i++)
                if (CPU_ISSET(i, &saved)) {
                        CPU_SET(i, &one);
                        break;
                }
        assert_int_equal(sched_setaffinity(0, sizeof one, &one), 0);
        assert_int_equal(busy_poll_max_spinning(), 0);
        assert_int_equal(sched_setaffinity(0, sizeof saved, &saved), 0);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_spins_between_close_events),
                cmocka_unit_test(test_no_spin_while_another_is_busy),
                cmocka_unit_test(test_off_and_single_cpu),
                cmocka_unit_test(test_sleeps_after_window),
                cmocka_unit_test(test_max_spinning_follows_affinity),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
