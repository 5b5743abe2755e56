/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <fcntl.h>
#include <linux/keyctl.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>

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

static AskpwRequest request(uint64_t timeout_usec) {
        AskpwRequest r = ASKPW_REQUEST_INIT;
        r.message = "Test:";
        r.until = askpw_now_usec() + timeout_usec;
        return r;
}

/* Sends one datagram; with fake_uid != -1 the credentials claim that uid
 * (root may do so), which the querier must not believe it can trust. */
static int send_as(const char *path, const void *buf, size_t n, int fake_uid) {
        union {
                struct sockaddr sa;
                struct sockaddr_un un;
        } sa = { .un.sun_family = AF_UNIX };
        union {
                struct cmsghdr h;
                uint8_t b[CMSG_SPACE(sizeof(struct ucred))];
        } control = {};
        struct iovec iov = { .iov_base = (void *) buf, .iov_len = n };
        struct msghdr mh = { .msg_name = &sa, .msg_namelen = sizeof(sa.un), .msg_iov = &iov, .msg_iovlen = 1 };
        int fd, r = 0;

        strncpy(sa.un.sun_path, path, sizeof(sa.un.sun_path) - 1);
        fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        if (fd < 0)
                return -errno;
        if (fake_uid >= 0) {
                struct cmsghdr *c;
                mh.msg_control = &control;
                mh.msg_controllen = sizeof(control);
                c = CMSG_FIRSTHDR(&mh);
                c->cmsg_level = SOL_SOCKET;
                c->cmsg_type = SCM_CREDENTIALS;
                c->cmsg_len = CMSG_LEN(sizeof(struct ucred));
                *(struct ucred *) CMSG_DATA(c) = (struct ucred) { .pid = getpid(), .uid = (uid_t) fake_uid, .gid = 0 };
        }
        if (sendmsg(fd, &mh, MSG_NOSIGNAL) < 0)
                r = -errno;
        close(fd);
        return r;
}

typedef enum Script {
        SCRIPT_ANSWER,
        SCRIPT_MULTI,
        SCRIPT_CANCEL,
        SCRIPT_NOTHING,
        SCRIPT_HOSTILE_THEN_ANSWER,
        SCRIPT_TWO_ANSWERS,
        SCRIPT_CHECK_FILE,
} Script;

/* The child plays the agent; exit status 0 means its checks passed. */
static void agent_child(Script s) {
        AskpwAsk *a = test_wait_ask(dir);
        struct stat st;

        if (!a)
                _exit(10);

        switch (s) {
        case SCRIPT_ANSWER:
                _exit(askpw_send_datagram(a->socket, "+secret", 7) < 0 ? 11 : 0);
        case SCRIPT_MULTI:
                _exit(askpw_send_datagram(a->socket, "+one\0two", 8) < 0 ? 11 : 0);
        case SCRIPT_CANCEL:
                _exit(askpw_send_datagram(a->socket, "-", 1) < 0 ? 11 : 0);
        case SCRIPT_NOTHING:
                _exit(0);
        case SCRIPT_TWO_ANSWERS:
                (void) askpw_send_datagram(a->socket, "+first", 6);
                (void) askpw_send_datagram(a->socket, "+second", 7);
                _exit(0);
        case SCRIPT_CHECK_FILE:
                if (stat(a->socket, &st) < 0 || !S_ISSOCK(st.st_mode) || (st.st_mode & 07777) != 0600)
                        _exit(20);
                if (a->pid != getppid() || !a->silent || a->echo || !streq(a->message, "Test:") ||
                    !streq(a->id, "test:id") || !streq(a->icon, "dialog-password") || a->not_after == 0)
                        _exit(21);
                _exit(askpw_send_datagram(a->socket, "+ok", 3) < 0 ? 11 : 0);
        case SCRIPT_HOSTILE_THEN_ANSWER: {
                /* Junk, a truncated-looking datagram, an empty one. */
                if (send_as(a->socket, "garbage", 7, -1) < 0 || send_as(a->socket, "", 0, -1) < 0 ||
                    send_as(a->socket, "-x", 2, -1) < 0)
                        _exit(12);
                /* Root claiming another uid in its credentials. */
                if (send_as(a->socket, "+forged", 7, 65534) < 0)
                        _exit(13);
                /* A real process of another uid: first the 0600 socket
                 * stops it, then (socket opened up) the uid check. */
                pid_t p = fork();
                if (p == 0) {
                        if (setresgid(65534, 65534, 65534) < 0 || setresuid(65534, 65534, 65534) < 0)
                                _exit(30);
                        if (send_as(a->socket, "+foreign", 8, -1) != -EACCES)
                                _exit(31);
                        _exit(0);
                }
                int status;
                if (waitpid(p, &status, 0) < 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0)
                        _exit(14);
                if (chmod(a->socket, 0666) < 0)
                        _exit(15);
                p = fork();
                if (p == 0) {
                        if (setresgid(65534, 65534, 65534) < 0 || setresuid(65534, 65534, 65534) < 0)
                                _exit(30);
                        _exit(send_as(a->socket, "+foreign", 8, -1) < 0 ? 32 : 0);
                }
                if (waitpid(p, &status, 0) < 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0)
                        _exit(16);
                usleep(20000);
                _exit(askpw_send_datagram(a->socket, "+secret", 7) < 0 ? 11 : 0);
        }
        }
        _exit(99);
}

static pid_t spawn_agent(Script s) {
        pid_t p = fork();
        assert_true(p >= 0);
        if (p == 0)
                agent_child(s);
        return p;
}

static void reap(pid_t p) {
        int status;
        assert_int_equal(waitpid(p, &status, 0), p);
        assert_true(WIFEXITED(status));
        assert_int_equal(WEXITSTATUS(status), 0);
}

static void test_answer(void **state) {
        AskpwRequest req = request(5 * USEC_PER_SEC);
        char **l = NULL;
        pid_t p = spawn_agent(SCRIPT_ANSWER);

        assert_int_equal(askpw_query_agent(&req, 0, &l), 0);
        reap(p);
        assert_int_equal(strv_length(l), 1);
        assert_string_equal(l[0], "secret");
        strv_free_erase(l);
        assert_int_equal(test_dir_entries(dir), 0);
}

static void test_multiple(void **state) {
        AskpwRequest req = request(5 * USEC_PER_SEC);
        char **l = NULL;
        pid_t p = spawn_agent(SCRIPT_MULTI);

        assert_int_equal(askpw_query_agent(&req, 0, &l), 0);
        reap(p);
        assert_int_equal(strv_length(l), 2);
        assert_string_equal(l[0], "one");
        assert_string_equal(l[1], "two");
        strv_free_erase(l);
}

static void test_first_answer_wins(void **state) {
        AskpwRequest req = request(5 * USEC_PER_SEC);
        char **l = NULL;
        pid_t p = spawn_agent(SCRIPT_TWO_ANSWERS);

        assert_int_equal(askpw_query_agent(&req, 0, &l), 0);
        reap(p);
        assert_string_equal(l[0], "first");
        strv_free_erase(l);
        assert_int_equal(test_dir_entries(dir), 0);
}

static void test_file_contents(void **state) {
        AskpwRequest req = request(5 * USEC_PER_SEC);
        char **l = NULL;
        pid_t p;

        req.echo = ASKPW_ECHO_OFF;
        req.id = "test:id";
        req.icon = "dialog-password";
        p = spawn_agent(SCRIPT_CHECK_FILE);
        assert_int_equal(askpw_query_agent(&req, 0, &l), 0);
        reap(p);
        assert_string_equal(l[0], "ok");
        strv_free_erase(l);
}

static void test_cancel(void **state) {
        AskpwRequest req = request(5 * USEC_PER_SEC);
        char **l = NULL;
        pid_t p = spawn_agent(SCRIPT_CANCEL);

        assert_int_equal(askpw_query_agent(&req, 0, &l), -ECANCELED);
        reap(p);
        assert_null(l);
        assert_int_equal(test_dir_entries(dir), 0);
}

static void test_timeout(void **state) {
        AskpwRequest req = request(200 * 1000);
        char **l = NULL;
        uint64_t t0 = askpw_now_usec();

        assert_int_equal(askpw_query_agent(&req, 0, &l), -ETIME);
        assert_true(askpw_now_usec() - t0 >= 190 * 1000);
        assert_null(l);
        assert_int_equal(test_dir_entries(dir), 0);
}

static void test_hostile_replies(void **state) {
        AskpwRequest req = request(5 * USEC_PER_SEC);
        char **l = NULL;
        pid_t p;

        if (geteuid() != 0)
                skip();
        p = spawn_agent(SCRIPT_HOSTILE_THEN_ANSWER);
        assert_int_equal(askpw_query_agent(&req, 0, &l), 0);
        reap(p);
        assert_int_equal(strv_length(l), 1);
        assert_string_equal(l[0], "secret");
        strv_free_erase(l);
        assert_int_equal(test_dir_entries(dir), 0);
}

static void test_hangup(void **state) {
        AskpwRequest req = request(5 * USEC_PER_SEC);
        char **l = NULL;
        int pipefd[2];
        pid_t p;

        assert_int_equal(pipe2(pipefd, O_CLOEXEC), 0);
        p = fork();
        assert_true(p >= 0);
        if (p == 0) {
                close(pipefd[0]);
                AskpwAsk *a = test_wait_ask(dir);
                _exit(a ? 0 : 10); /* exiting closes the write end */
        }
        close(pipefd[1]);
        req.hup_fd = pipefd[0];
        assert_int_equal(askpw_query_agent(&req, 0, &l), -ECONNRESET);
        reap(p);
        close(pipefd[0]);
        assert_int_equal(test_dir_entries(dir), 0);
}

static void test_sigterm_cleans_up(void **state) {
        AskpwAsk *a;
        int status;
        pid_t p;

        p = fork();
        assert_true(p >= 0);
        if (p == 0) {
                AskpwRequest req = request(10 * USEC_PER_SEC);
                char **l = NULL;
                int r = askpw_query_agent(&req, 0, &l);
                /* Only reached if the signal did not kill us after clean-up. */
                _exit(r == -EINTR ? 3 : 4);
        }
        a = test_wait_ask(dir);
        assert_non_null(a);
        askpw_ask_free(a);
        assert_int_equal(kill(p, SIGTERM), 0);
        assert_int_equal(waitpid(p, &status, 0), p);
        assert_true(WIFSIGNALED(status));
        assert_int_equal(WTERMSIG(status), SIGTERM);
        assert_int_equal(test_dir_entries(dir), 0);
}

static void test_no_agent(void **state) {
        AskpwRequest req = request(USEC_PER_SEC);
        char **l = NULL;
        char *saved = getenv("XDG_RUNTIME_DIR") ? strdup(getenv("XDG_RUNTIME_DIR")) : NULL;

        assert_int_equal(askpw_query_agent(&req, ASKPW_NO_AGENT, &l), -EUNATCH);
        assert_int_equal(askpw_query(&req, ASKPW_NO_AGENT | ASKPW_NO_TTY, &l), -EUNATCH);
        unsetenv("XDG_RUNTIME_DIR");
        unsetenv("HEARTH_ASK_PASSWORD_USER_DIR");
        assert_int_equal(askpw_query_agent(&req, ASKPW_USER, &l), -EUNATCH);
        if (saved) {
                setenv("XDG_RUNTIME_DIR", saved, 1);
                free(saved);
        }
        assert_null(l);
}

static void test_user_dir(void **state) {
        char xdg[] = "/tmp/askpw-xdg-XXXXXX";
        char *sub = NULL, *got = NULL;
        AskpwRequest req = request(5 * USEC_PER_SEC);
        char **l = NULL;
        pid_t p;

        assert_non_null(mkdtemp(xdg));
        setenv("XDG_RUNTIME_DIR", xdg, 1);
        assert_int_equal(askpw_directory(true, &got), 0);
        assert_true(asprintf(&sub, "%s/systemd/ask-password", xdg) > 0);
        assert_string_equal(got, sub);

        /* The child agent watches the per-user directory this time. */
        char *saved = dir;
        dir = sub;
        p = spawn_agent(SCRIPT_ANSWER);
        assert_int_equal(askpw_query_agent(&req, ASKPW_USER, &l), 0);
        reap(p);
        dir = saved;
        assert_string_equal(l[0], "secret");
        strv_free_erase(l);
        assert_int_equal(test_dir_entries(sub), 0);
        assert_int_equal(test_dir_entries(dir), 0);

        rmdir(sub);
        free(got);
        free(sub);
        char *s2 = NULL;
        assert_true(asprintf(&s2, "%s/systemd", xdg) > 0);
        rmdir(s2);
        free(s2);
        rmdir(xdg);
        unsetenv("XDG_RUNTIME_DIR");
}

static void invalidate_key(const char *name) {
        long serial = syscall(SYS_request_key, "user", name, NULL, 0);
        if (serial >= 0)
                (void) syscall(SYS_keyctl, KEYCTL_INVALIDATE, serial, 0, 0, 0);
}

static void test_keyring(void **state) {
        char name[64], **l = NULL;
        char *pw1[] = { (char *) "alpha", NULL };
        char *pw2[] = { (char *) "beta", (char *) "alpha", NULL };
        AskpwRequest req = request(2 * USEC_PER_SEC);

        snprintf(name, sizeof(name), "hearth-test-%u", (unsigned) getpid());
        assert_int_equal(askpw_keyring_read(name, &l), -ENOKEY);

        assert_int_equal(askpw_keyring_push(name, pw1, dir), 0);
        assert_int_equal(askpw_keyring_push(name, pw2, dir), 0);
        assert_int_equal(askpw_keyring_read(name, &l), 0);
        assert_int_equal(strv_length(l), 2); /* merged, no duplicate */
        assert_string_equal(l[0], "alpha");
        assert_string_equal(l[1], "beta");
        l = strv_free_erase(l);

        /* Cached: no agent needed, nothing written. */
        req.keyname = name;
        assert_int_equal(askpw_query_agent(&req, ASKPW_ACCEPT_CACHED, &l), 0);
        assert_int_equal(strv_length(l), 2);
        l = strv_free_erase(l);
        assert_int_equal(test_dir_entries(dir), 0);

        invalidate_key(name);
        assert_int_equal(askpw_keyring_read(name, &l), -ENOKEY);
}

static void test_keyring_while_waiting(void **state) {
        char name[64], **l = NULL;
        AskpwRequest req = request(5 * USEC_PER_SEC);
        pid_t p;

        snprintf(name, sizeof(name), "hearth-test-wait-%u", (unsigned) getpid());
        req.keyname = name;

        /* Another party fills the cache while we wait; the dir mtime bump
         * makes the querier look again without any agent answering. */
        p = fork();
        assert_true(p >= 0);
        if (p == 0) {
                AskpwAsk *a = test_wait_ask(dir);
                char *pw[] = { (char *) "from-cache", NULL };
                if (!a || !a->accept_cached)
                        _exit(10);
                _exit(askpw_keyring_push(name, pw, dir) < 0 ? 11 : 0);
        }
        assert_int_equal(askpw_query_agent(&req, ASKPW_ACCEPT_CACHED, &l), 0);
        reap(p);
        assert_string_equal(l[0], "from-cache");
        strv_free_erase(l);
        assert_int_equal(test_dir_entries(dir), 0);
        invalidate_key(name);
}

static void test_push_cache_after_answer(void **state) {
        char name[64], **l = NULL;
        AskpwRequest req = request(5 * USEC_PER_SEC);
        pid_t p = spawn_agent(SCRIPT_ANSWER);

        snprintf(name, sizeof(name), "hearth-test-push-%u", (unsigned) getpid());
        req.keyname = name;
        assert_int_equal(askpw_query_agent(&req, ASKPW_PUSH_CACHE, &l), 0);
        reap(p);
        l = strv_free_erase(l);
        assert_int_equal(askpw_keyring_read(name, &l), 0);
        assert_string_equal(l[0], "secret");
        strv_free_erase(l);
        invalidate_key(name);
}

static void test_credential(void **state) {
        char cred[] = "/tmp/askpw-cred-XXXXXX";
        char path[PATH_MAX], **l = NULL;
        AskpwRequest req = request(USEC_PER_SEC);
        FILE *f;

        assert_non_null(mkdtemp(cred));
        snprintf(path, sizeof(path), "%s/password", cred);
        f = fopen(path, "we");
        assert_non_null(f);
        fwrite("a\0b", 1, 3, f);
        fclose(f);

        setenv("CREDENTIALS_DIRECTORY", cred, 1);
        req.credential = "password";
        assert_int_equal(askpw_query(&req, ASKPW_NO_TTY | ASKPW_NO_AGENT, &l), 0);
        assert_int_equal(strv_length(l), 2);
        assert_string_equal(l[0], "a");
        assert_string_equal(l[1], "b");
        l = strv_free_erase(l);

        req.credential = "missing";
        assert_int_equal(askpw_query(&req, ASKPW_NO_TTY | ASKPW_NO_AGENT, &l), -EUNATCH);
        assert_int_equal(askpw_credential_read("../x", &l), -EINVAL);
        unsetenv("CREDENTIALS_DIRECTORY");
        assert_int_equal(askpw_credential_read("password", &l), -ENXIO);
        assert_null(l);

        unlink(path);
        rmdir(cred);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test_setup_teardown(test_answer, setup, teardown),
                cmocka_unit_test_setup_teardown(test_multiple, setup, teardown),
                cmocka_unit_test_setup_teardown(test_first_answer_wins, setup, teardown),
                cmocka_unit_test_setup_teardown(test_file_contents, setup, teardown),
                cmocka_unit_test_setup_teardown(test_cancel, setup, teardown),
                cmocka_unit_test_setup_teardown(test_timeout, setup, teardown),
                cmocka_unit_test_setup_teardown(test_hostile_replies, setup, teardown),
                cmocka_unit_test_setup_teardown(test_hangup, setup, teardown),
                cmocka_unit_test_setup_teardown(test_sigterm_cleans_up, setup, teardown),
                cmocka_unit_test_setup_teardown(test_no_agent, setup, teardown),
                cmocka_unit_test_setup_teardown(test_user_dir, setup, teardown),
                cmocka_unit_test_setup_teardown(test_keyring, setup, teardown),
                cmocka_unit_test_setup_teardown(test_keyring_while_waiting, setup, teardown),
                cmocka_unit_test_setup_teardown(test_push_cache_after_answer, setup, teardown),
                cmocka_unit_test_setup_teardown(test_credential, setup, teardown),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
