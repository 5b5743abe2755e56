/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <security/pam_appl.h>

#include "askpw-test-util.h"
#include "askpw-util.h"

static char *dir;
static char confdir[] = "/tmp/askpw-pam-XXXXXX";

/* Child agent: answers by prompt text and checks the echo mapping.
 * Stops after n answers; "-" for every prompt when cancel is set. */
static pid_t spawn_agent(int n, bool cancel) {
        pid_t p = fork();
        assert_true(p >= 0);
        if (p)
                return p;

        for (int i = 0; i < n; i++) {
                AskpwAsk *a = test_wait_ask(dir);
                const char *answer;
                if (!a)
                        _exit(10);
                if (cancel)
                        answer = NULL;
                else if (streq_ptr(a->message, "Username:") && a->echo && !a->silent)
                        answer = "alice";
                else if (streq_ptr(a->message, "Token:") && !a->echo && !a->silent)
                        answer = "t0k";
                else if (a->message && strstr(a->message, "assword") && !a->echo)
                        answer = "execpw";
                else
                        _exit(11);
                char *l[] = { (char *) answer, NULL };
                if (askpw_send_answer(a->socket, answer ? l : NULL) < 0)
                        _exit(12);
                /* Wait for the querier to take the request down. */
                for (int k = 0; k < 5000 && access(a->socket, F_OK) == 0; k++)
                        usleep(1000);
                askpw_ask_free(a);
        }
        _exit(0);
}

static void reap(pid_t p) {
        int status;
        assert_int_equal(waitpid(p, &status, 0), p);
        assert_true(WIFEXITED(status));
        assert_int_equal(WEXITSTATUS(status), 0);
}

static void write_service(const char *name, const char *line) {
        char path[PATH_MAX];
        FILE *f;

        snprintf(path, sizeof(path), "%s/%s", confdir, name);
        f = fopen(path, "we");
        assert_non_null(f);
        fprintf(f, "%s\naccount required pam_permit.so\n", line);
        fclose(f);
}

typedef struct Log {
        char info[128];
        char error[128];
} Log;

static void log_cb(int style, const char *text, void *userdata) {
        Log *l = userdata;
        snprintf(style == PAM_TEXT_INFO ? l->info : l->error, sizeof(l->info), "%s", text);
}

static int run_pam(const char *service, AskpwPamConv *c) {
        struct pam_conv conv = { askpw_pam_conv, c };
        pam_handle_t *h = NULL;
        int r;

        r = pam_start_confdir(service, "alice", &conv, confdir, &h);
        assert_int_equal(r, PAM_SUCCESS);
        r = pam_authenticate(h, 0);
        pam_end(h, r);
        return r;
}

static int setup(void **state) {
        char line[PATH_MAX + 64];

        dir = test_make_dir();
        if (!dir || !mkdtemp(confdir))
                return -1;
        snprintf(line, sizeof(line), "auth required %s user=alice token=t0k", TEST_PAM_MODULE);
        write_service("askpw-two", line);
        return 0;
}

static int teardown(void **state) {
        char path[PATH_MAX];

        snprintf(path, sizeof(path), "%s/askpw-two", confdir);
        unlink(path);
        snprintf(path, sizeof(path), "%s/askpw-exec", confdir);
        unlink(path);
        snprintf(path, sizeof(path), "%s/check.sh", confdir);
        unlink(path);
        rmdir(confdir);
        test_remove_dir(dir);
        return 0;
}

static AskpwPamConv conv_data(Log *log) {
        AskpwPamConv c = { .request = ASKPW_REQUEST_INIT, .log = log_cb, .userdata = log };
        c.request.until = askpw_now_usec() + 10 * USEC_PER_SEC;
        c.request.id = "pam:test";
        return c;
}

static void test_two_questions(void **state) {
        Log log = {};
        AskpwPamConv c = conv_data(&log);
        pid_t p = spawn_agent(2, false);

        assert_int_equal(run_pam("askpw-two", &c), PAM_SUCCESS);
        reap(p);
        assert_int_equal(c.error, 0);
        assert_string_equal(log.info, "touch the token now");
        assert_string_equal(log.error, "last attempt failed");
        assert_int_equal(test_dir_entries(dir), 0);
}

static void test_cancel(void **state) {
        Log log = {};
        AskpwPamConv c = conv_data(&log);
        pid_t p = spawn_agent(1, true);

        assert_int_not_equal(run_pam("askpw-two", &c), PAM_SUCCESS);
        reap(p);
        assert_int_equal(c.error, -ECANCELED);
        assert_int_equal(test_dir_entries(dir), 0);
}

static void test_timeout(void **state) {
        Log log = {};
        AskpwPamConv c = conv_data(&log);

        c.request.until = askpw_now_usec() + 200 * 1000;
        assert_int_not_equal(run_pam("askpw-two", &c), PAM_SUCCESS);
        assert_int_equal(c.error, -ETIME);
        assert_int_equal(test_dir_entries(dir), 0);
}

static void test_pam_exec(void **state) {
        char script[PATH_MAX], line[PATH_MAX + 128];
        Log log = {};
        AskpwPamConv c = conv_data(&log);
        FILE *f;
        pid_t p;

        /* A stock module: pam_exec asks for the password through the
         * conversation and hands it to the script on stdin. */
        snprintf(script, sizeof(script), "%s/check.sh", confdir);
        f = fopen(script, "we");
        assert_non_null(f);
        fputs("#!/bin/sh\nread -r pw\n[ \"$pw\" = execpw ]\n", f);
        fclose(f);
        assert_int_equal(chmod(script, 0755), 0);
        snprintf(line, sizeof(line), "auth required pam_exec.so expose_authtok quiet %s", script);
        write_service("askpw-exec", line);

        p = spawn_agent(1, false);
        assert_int_equal(run_pam("askpw-exec", &c), PAM_SUCCESS);
        reap(p);
}

static void test_unsupported_style(void **state) {
        AskpwPamConv c = { .request = ASKPW_REQUEST_INIT };
        struct pam_message m = { .msg_style = 7 /* PAM_BINARY_PROMPT */, .msg = "x" };
        const struct pam_message *mp = &m;
        struct pam_response *resp = NULL;

        assert_int_equal(askpw_pam_conv(1, &mp, &resp, &c), PAM_CONV_ERR);
        assert_null(resp);
        assert_int_equal(c.error, -EOPNOTSUPP);
        assert_int_equal(askpw_pam_conv(0, &mp, &resp, &c), PAM_CONV_ERR);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_two_questions),
                cmocka_unit_test(test_cancel),
                cmocka_unit_test(test_timeout),
                cmocka_unit_test(test_pam_exec),
                cmocka_unit_test(test_unsupported_style),
        };
        return cmocka_run_group_tests(tests, setup, teardown);
}
