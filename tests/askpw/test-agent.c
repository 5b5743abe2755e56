/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <fcntl.h>
#include <inttypes.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>

#include <systemd/sd-event.h>

#include "askpw-test-util.h"
#include "askpw-util.h"

static char *dir;

static int setup(void **state) {
        dir = test_make_dir();
        return dir ? 0 : -1;
}

static int teardown(void **state) {
        test_remove_dir(dir);
        dir = NULL;
        return 0;
}

/* A fake querier: a bound socket plus an ask file written with the
 * library's formatter. */
typedef struct Fake {
        int fd;
        char sock[128];
        char file[128];
} Fake;

static void fake_request(Fake *f, const char *name, const char *message, pid_t pid, uint64_t not_after) {
        union {
                struct sockaddr sa;
                struct sockaddr_un un;
        } sa = { .un.sun_family = AF_UNIX };
        AskpwAsk a = { .pid = pid, .message = (char *) message, .not_after = not_after };
        char *text = NULL;
        FILE *out;

        snprintf(f->sock, sizeof(f->sock), "%s/sck.%s", dir, name);
        snprintf(f->file, sizeof(f->file), "%s/ask.%s", dir, name);
        strcpy(sa.un.sun_path, f->sock);
        f->fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
        assert_true(f->fd >= 0);
        assert_int_equal(bind(f->fd, &sa.sa, sizeof(sa.un)), 0);

        a.socket = f->sock;
        assert_int_equal(askpw_ask_format(&a, &text), 0);
        out = fopen(f->file, "we");
        assert_non_null(out);
        fputs(text, out);
        fclose(out);
        free(text);
}

static ssize_t fake_read(Fake *f, char *buf, size_t n) {
        return recv(f->fd, buf, n, MSG_DONTWAIT);
}

static void fake_done(Fake *f) {
        close(f->fd);
        unlink(f->sock);
        unlink(f->file);
}

static void write_file(const char *name, const char *text) {
        char path[256];
        FILE *f;

        snprintf(path, sizeof(path), "%s/%s", dir, name);
        f = fopen(path, "we");
        assert_non_null(f);
        fputs(text, f);
        fclose(f);
}

typedef struct Seen {
        char messages[8][64];
        unsigned n;
        unsigned withdrawn;
        bool hold; /* do not answer: wait for withdrawal */
        bool cancel;
} Seen;

static int answer_with_message(AskpwAgent *agent, const AskpwAsk *ask, void *userdata) {
        Seen *s = userdata;
        char *pw[] = { ask->message, NULL };

        if (s->n < 8)
                snprintf(s->messages[s->n], sizeof(s->messages[0]), "%s", ask->message ?: "");
        s->n++;
        if (s->hold)
                return 0;
        if (s->cancel)
                return askpw_agent_cancel(agent);
        (void) askpw_agent_answer(agent, pw);
        return 0;
}

static void on_withdraw(AskpwAgent *agent, const AskpwAsk *ask, void *userdata) {
        Seen *s = userdata;
        s->withdrawn++;
}

static int run_agent(Seen *seen, AskpwAgentFlags flags, uint64_t max_usec,
                     sd_event_time_handler_t extra, uint64_t extra_at, void *extra_data) {
        sd_event *e = NULL;
        AskpwAgent *a = NULL;
        int r;

        assert_int_equal(sd_event_new(&e), 0);
        assert_int_equal(askpw_agent_new(e, flags, &a), 0);
        askpw_agent_set_handlers(a, answer_with_message, on_withdraw, seen);
        assert_int_equal(askpw_agent_add_directory(a, dir), 0);
        assert_int_equal(askpw_agent_start(a), 0);
        assert_int_equal(askpw_agent_add_directory(a, dir), -EBUSY);

        /* A safety stop so a broken agent fails instead of hanging. */
        assert_true(sd_event_add_time_relative(e, NULL, CLOCK_MONOTONIC, max_usec, 0, NULL, (void *) (intptr_t) -ETIMEDOUT) >= 0);
        if (extra)
                assert_true(sd_event_add_time_relative(e, NULL, CLOCK_MONOTONIC, extra_at, 0, extra, extra_data) >= 0);

        r = sd_event_loop(e);
        askpw_agent_free(a);
        sd_event_unref(e);
        return r;
}

static void test_rescan_and_order(void **state) {
        Fake f1, f2;
        Seen seen = {};
        char buf[64];

        fake_request(&f1, "1", "first", getpid(), 0);
        usleep(10000); /* distinct mtimes: presented oldest first */
        fake_request(&f2, "2", "second", getpid(), 0);

        /* Junk the agent must skip without giving up. */
        write_file("ask.nosection", "Socket=/x\n");
        write_file("ask.relative", "[Ask]\nSocket=relative\n");
        write_file("ask.nosocket", "[Ask]\nPID=1\nMessage=x\n");
        write_file("ask.binary", "[Ask]\n\x01\x02\xff\xfe\n");
        write_file("notask.1", "[Ask]\nSocket=/x\n");
        char link[256];
        snprintf(link, sizeof(link), "%s/ask.symlink", dir);
        assert_int_equal(symlink(f1.file, link), 0);

        assert_int_equal(run_agent(&seen, ASKPW_AGENT_ONESHOT, 5 * USEC_PER_SEC, NULL, 0, NULL), 0);
        assert_int_equal(seen.n, 2);
        assert_string_equal(seen.messages[0], "first");
        assert_string_equal(seen.messages[1], "second");

        assert_int_equal(fake_read(&f1, buf, sizeof(buf)), 6);
        assert_memory_equal(buf, "+first", 6);
        assert_int_equal(fake_read(&f2, buf, sizeof(buf)), 7);
        assert_memory_equal(buf, "+second", 7);
        fake_done(&f1);
        fake_done(&f2);
}

static void test_skip_stale(void **state) {
        Fake dead, expired, gone, good;
        Seen seen = {};
        char buf[64];
        pid_t child;

        child = fork();
        assert_true(child >= 0);
        if (child == 0)
                _exit(0);
        assert_int_equal(waitpid(child, NULL, 0), child);

        fake_request(&dead, "dead", "dead", child, 0);                  /* querier died mid-request */
        fake_request(&expired, "expired", "expired", getpid(), 1);      /* NotAfter long past */
        fake_request(&gone, "gone", "gone", getpid(), 0);
        close(gone.fd);
        unlink(gone.sock);                                              /* socket vanished */
        fake_request(&good, "good", "good", getpid(), 0);

        assert_int_equal(run_agent(&seen, ASKPW_AGENT_ONESHOT, 5 * USEC_PER_SEC, NULL, 0, NULL), 0);
        assert_int_equal(seen.n, 1);
        assert_string_equal(seen.messages[0], "good");
        assert_int_equal(fake_read(&good, buf, sizeof(buf)), 5);
        assert_true(fake_read(&dead, buf, sizeof(buf)) < 0);
        assert_true(fake_read(&expired, buf, sizeof(buf)) < 0);

        fake_done(&dead);
        fake_done(&expired);
        unlink(gone.file);
        fake_done(&good);
}

static int remove_file(sd_event_source *s, uint64_t usec, void *userdata) {
        Fake *f = userdata;
        unlink(f->file);
        return 0;
}

static int stop_loop(sd_event_source *s, uint64_t usec, void *userdata) {
        return sd_event_exit(sd_event_source_get_event(s), 0);
}

static void test_withdraw_on_removal(void **state) {
        Fake f;
        Seen seen = { .hold = true };

        fake_request(&f, "w", "withdraw-me", getpid(), 0);
        /* ONESHOT: the loop ends once the withdrawn request is gone. */
        assert_int_equal(run_agent(&seen, ASKPW_AGENT_ONESHOT, 5 * USEC_PER_SEC, remove_file, 100000, &f), 0);
        assert_int_equal(seen.n, 1);
        assert_int_equal(seen.withdrawn, 1);
        fake_done(&f);
}

static void test_withdraw_on_deadline(void **state) {
        Fake f;
        Seen seen = { .hold = true };

        fake_request(&f, "d", "deadline", getpid(), askpw_now_usec() + 150000);
        assert_int_equal(run_agent(&seen, 0, 5 * USEC_PER_SEC, stop_loop, 600000, NULL), 0);
        assert_int_equal(seen.n, 1);
        assert_int_equal(seen.withdrawn, 1);
        fake_done(&f);
}

static void test_new_requests_while_watching(void **state) {
        Seen seen = { .cancel = true };
        char buf[8];
        Fake f;
        pid_t p;

        /* The request shows up after the agent started: inotify, not the
         * initial scan, must find it. */
        p = fork();
        assert_true(p >= 0);
        if (p == 0) {
                usleep(100000);
                Fake c;
                fake_request(&c, "late", "late", getppid(), 0);
                for (int i = 0; i < 3000; i++) {
                        if (fake_read(&c, buf, sizeof(buf)) == 1 && buf[0] == '-')
                                _exit(0);
                        usleep(1000);
                }
                _exit(1);
        }
        assert_int_equal(run_agent(&seen, 0, 5 * USEC_PER_SEC, stop_loop, 1500000, NULL), 0);
        int status;
        assert_int_equal(waitpid(p, &status, 0), p);
        assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
        assert_int_equal(seen.n, 1);
        (void) f;
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test_setup_teardown(test_rescan_and_order, setup, teardown),
                cmocka_unit_test_setup_teardown(test_skip_stale, setup, teardown),
                cmocka_unit_test_setup_teardown(test_withdraw_on_removal, setup, teardown),
                cmocka_unit_test_setup_teardown(test_withdraw_on_deadline, setup, teardown),
                cmocka_unit_test_setup_teardown(test_new_requests_while_watching, setup, teardown),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
