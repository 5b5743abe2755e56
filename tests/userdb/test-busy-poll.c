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

typedef struct Ping {
        int fd;
        unsigned left;
        const BusyPoll *bp;
        unsigned saw_spinning;  /* events handled while this process held its bit */
} Ping;

static uint64_t now_usec(void) {
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t) ts.tv_sec * 1000000ULL + (uint64_t) ts.tv_nsec / 1000ULL;
}

static int on_input(sd_event_source *s, int fd, uint32_t revents, void *userdata) {
        Ping *p = userdata;
        char c;

        assert_int_equal(read(fd, &c, 1), 1);
        if (atomic_load(p->bp->spinning) & (UINT64_C(1) << p->bp->bit))
                p->saw_spinning++;
        if (--p->left == 0)
                return sd_event_exit(sd_event_source_get_event(s), 42);
        return 0;
}

/* Feeds one byte every `gap_usec` from a child, so the loop sees events
 * close together and has to decide whether to spin in between. */
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

static void run(const BusyPoll *bp, unsigned n, uint64_t gap_usec, Ping *ret) {
        sd_event *e = NULL;
        int sv[2];

        assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
        *ret = (Ping) { .fd = sv[0], .left = n, .bp = bp };
        assert_int_equal(sd_event_new(&e), 0);
        assert_int_equal(sd_event_add_io(e, NULL, sv[0], EPOLLIN, on_input, ret), 0);
        pid_t pid = feeder(sv[1], n, gap_usec);
        assert_int_equal(busy_poll_loop(e, bp), 42);
        assert_int_equal(waitpid(pid, NULL, 0), pid);
        sd_event_unref(e);
        close(sv[0]);
        close(sv[1]);
}

static void test_spins_between_close_events(void **state) {
        _Atomic uint64_t mask = 0;
        BusyPoll bp = { .window_usec = 200000, .spinning = &mask, .bit = 3, .max_spinning = 1 };
        Ping p;

        run(&bp, 5, 2000, &p);
        /* The first event arrives while sleeping; the later ones within the window. */
        assert_true(p.saw_spinning >= 3);
        /* Exiting gives the slot back. */
        assert_int_equal(atomic_load(&mask), 0);
}

static void test_no_slot_no_spin(void **state) {
        /* Another process holds the only slot. */
        _Atomic uint64_t mask = UINT64_C(1) << 7;
        BusyPoll bp = { .window_usec = 200000, .spinning = &mask, .bit = 3, .max_spinning = 1 };
        Ping p;

        run(&bp, 4, 2000, &p);
        assert_int_equal(p.saw_spinning, 0);
        assert_int_equal(atomic_load(&mask), UINT64_C(1) << 7);
}

static void test_off_and_single_cpu(void **state) {
        _Atomic uint64_t mask = 0;
        BusyPoll off = { .window_usec = 0, .spinning = &mask, .bit = 0, .max_spinning = 1 };
        BusyPoll one_cpu = { .window_usec = 200000, .spinning = &mask, .bit = 0, .max_spinning = 0 };
        Ping p;

        run(&off, 3, 1000, &p);
        assert_int_equal(p.saw_spinning, 0);
        run(&one_cpu, 3, 1000, &p);
        assert_int_equal(p.saw_spinning, 0);
        assert_int_equal(atomic_load(&mask), 0);
}

static void test_sleeps_after_window(void **state) {
        _Atomic uint64_t mask = 0;
        BusyPoll bp = { .window_usec = 1000, .spinning = &mask, .bit = 1, .max_spinning = 1 };
        Ping p;

        /* Events 50 ms apart: each window of 1 ms has passed long before the
         * next one, so the loop slept and held no slot when it came. */
        uint64_t t0 = now_usec();
        run(&bp, 3, 50000, &p);
        assert_true(now_usec() - t0 >= 150000);
        assert_int_equal(p.saw_spinning, 0);
        assert_int_equal(atomic_load(&mask), 0);
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
                cmocka_unit_test(test_no_slot_no_spin),
                cmocka_unit_test(test_off_and_single_cpu),
                cmocka_unit_test(test_sleeps_after_window),
                cmocka_unit_test(test_max_spinning_follows_affinity),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
