/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <signal.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>

#include "askpw-test-util.h"
#include "askpw-util.h"

static char *dir;
static char sock[100]; /* fits sun_path */
static pid_t service_pid;

/* Answers one request; exits 0 if its PID= matched the expectation
 * (ours: file protocol done in-process; another: the service's worker). */
static pid_t spawn_agent(pid_t querier, bool expect_ours) {
        pid_t p = fork();
        assert_true(p >= 0);
        if (p)
                return p;
        AskpwAsk *a = test_wait_ask(dir);
        if (!a)
                _exit(10);
        if ((a->pid == querier) != expect_ours)
                _exit(11);
        _exit(askpw_send_datagram(a->socket, "+home-secret", 12) < 0 ? 12 : 0);
}

static void reap(pid_t p) {
        int status;
        assert_int_equal(waitpid(p, &status, 0), p);
        assert_true(WIFEXITED(status));
        assert_int_equal(WEXITSTATUS(status), 0);
}

static pid_t start_service(void) {
        const char *b = getenv("HEARTH_BUILDDIR");
        char exe[PATH_MAX];
        pid_t p;

        snprintf(exe, sizeof(exe), "%s/ctl/askpw/hearth-ask-password", b ?: ".");
        p = fork();
        assert_true(p >= 0);
        if (p == 0) {
                execl(exe, exe, "--varlink", (char *) NULL);
                _exit(127);
        }
        /* Bound is not yet listening: wait until a connect succeeds, or the
         * client would (correctly) fall back to the file protocol. */
        for (int i = 0; i < 5000; i++) {
                union {
                        struct sockaddr sa;
                        struct sockaddr_un un;
                } sa = { .un.sun_family = AF_UNIX };
                int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
                memcpy(sa.un.sun_path, sock, strlen(sock) + 1);
                if (fd >= 0 && connect(fd, &sa.sa, sizeof(sa.un)) == 0) {
                        close(fd);
                        service_pid = p;
                        return p;
                }
                if (fd >= 0)
                        close(fd);
                usleep(1000);
        }
        fail_msg("service did not start listening");
        return p;
}

static int setup(void **state) {
        dir = test_make_dir();
        if (!dir)
                return -1;
        snprintf(sock, sizeof(sock), "%s.vl", dir);
        setenv("HEARTH_ASK_PASSWORD_VARLINK_SOCKET", sock, 1);
        return 0;
}

static int teardown(void **state) {
        if (service_pid > 0) {
                kill(service_pid, SIGTERM);
                waitpid(service_pid, NULL, 0);
                service_pid = 0;
        }
        unlink(sock);
        test_remove_dir(dir);
        return 0;
}

static void test_fallback_to_files(void **state) {
        AskpwRequest req = ASKPW_REQUEST_INIT;
        char **l = NULL;
        pid_t p;

        req.message = "Home:";
        req.until = askpw_now_usec() + 5 * USEC_PER_SEC;
        p = spawn_agent(getpid(), true);
        assert_int_equal(askpw_secret_get(&req, ASKPW_NO_TTY, &l), 0);
        reap(p);
        assert_string_equal(l[0], "home-secret");
        strv_free_erase(l);
}

static void test_through_service(void **state) {
        AskpwRequest req = ASKPW_REQUEST_INIT;
        char **l = NULL;
        pid_t svc, p;

        if (!getenv("HEARTH_BUILDDIR"))
                skip();
        svc = start_service();

        req.message = "Home:";
        req.until = askpw_now_usec() + 5 * USEC_PER_SEC;
        p = spawn_agent(getpid(), false);
        assert_int_equal(askpw_secret_get(&req, ASKPW_NO_TTY, &l), 0);
        reap(p);
        assert_string_equal(l[0], "home-secret");
        l = strv_free_erase(l);

        assert_int_equal(askpw_secret_get(&req, ASKPW_NO_TTY | ASKPW_NO_AGENT, &l), -EUNATCH);
        req.until = askpw_now_usec() + 200 * 1000;
        assert_int_equal(askpw_secret_get(&req, ASKPW_NO_TTY, &l), -ETIME);
        assert_null(l);
        assert_int_equal(test_dir_entries(dir), 0);

        kill(svc, SIGTERM);
        assert_int_equal(waitpid(svc, NULL, 0), svc);
        service_pid = 0;
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test_setup_teardown(test_fallback_to_files, setup, teardown),
                cmocka_unit_test_setup_teardown(test_through_service, setup, teardown),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
