/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "askpw.h"
#include "macro.h"

/* Captured from systemd 252's systemd-ask-password. */
static const char real_252[] =
        "[Ask]\n"
        "PID=5474\n"
        "Socket=/run/systemd/ask-password/sck.73edd6047577e1a2\n"
        "AcceptCached=0\n"
        "Echo=0\n"
        "NotAfter=1374388391\n"
        "Silent=0\n"
        "Message=Pw:\n"
        "Icon=drive-harddisk\n"
        "Id=probe:test\n";

static int parse(const char *s, AskpwAsk **ret) {
        return askpw_ask_parse(s, strlen(s), ret);
}

static void test_real_file_round_trip(void **state) {
        AskpwAsk *a = NULL;
        char *text = NULL;

        assert_int_equal(parse(real_252, &a), 0);
        assert_int_equal(a->pid, 5474);
        assert_string_equal(a->socket, "/run/systemd/ask-password/sck.73edd6047577e1a2");
        assert_false(a->accept_cached);
        assert_false(a->echo);
        assert_false(a->silent);
        assert_true(a->not_after == 1374388391ULL);
        assert_string_equal(a->message, "Pw:");
        assert_string_equal(a->icon, "drive-harddisk");
        assert_string_equal(a->id, "probe:test");

        assert_int_equal(askpw_ask_format(a, &text), 0);
        assert_string_equal(text, real_252);
        free(text);
        askpw_ask_free(a);
}

static void test_optional_fields(void **state) {
        AskpwAsk *a = NULL;
        char *text = NULL;

        assert_int_equal(parse("[Ask]\nSocket=/x/sck.1\n", &a), 0);
        assert_int_equal(a->pid, 0);
        assert_null(a->message);
        assert_true(a->not_after == 0);
        assert_int_equal(askpw_ask_format(a, &text), 0);
        assert_string_equal(text, "[Ask]\nPID=0\nSocket=/x/sck.1\nAcceptCached=0\nEcho=0\nNotAfter=0\nSilent=0\n");
        free(text);
        askpw_ask_free(a);
}

static void test_tolerant(void **state) {
        AskpwAsk *a = NULL;

        /* Unknown keys, comments, blank lines, other sections, CRLF,
         * whitespace around '=' and later duplicates winning. */
        assert_int_equal(parse("# comment\n\n[Ask]\r\nFuture=1\n Echo = yes \nSocket=/a/b\n"
                               "[Other]\nSocket=relative\n[Ask]\nMessage=x=y\nMessage=second\n", &a), 0);
        assert_true(a->echo);
        assert_string_equal(a->socket, "/a/b");
        assert_string_equal(a->message, "second");
        askpw_ask_free(a);
}

static void test_malformed(void **state) {
        static const char *const bad[] = {
                "",
                "Socket=/a\n",                               /* no section */
                "[Other]\nSocket=/a\n",                      /* no [Ask] */
                "[Ask]\nPID=1\n",                            /* no Socket */
                "[Ask]\nSocket=relative/sck\n",              /* relative */
                "[Ask]\nSocket=\n",
                "[Ask]\nSocket=/a\nPID=-1\n",
                "[Ask]\nSocket=/a\nPID=99999999999\n",
                "[Ask]\nSocket=/a\nNotAfter=12x\n",
                "[Ask]\nSocket=/a\nEcho=maybe\n",
                "[Ask]\nSocket=/a\njunk line\n",
                "[Ask\nSocket=/a\n",
        };
        AskpwAsk *a = NULL;

        for (size_t i = 0; i < ELEMENTSOF(bad); i++)
                assert_int_equal(parse(bad[i], &a), -EBADMSG);
        assert_null(a);

        /* A NUL byte anywhere. */
        assert_int_equal(askpw_ask_parse("[Ask]\nSocket=/a\0b\n", 16, &a), -EBADMSG);

        /* Socket path that does not fit a sockaddr_un. */
        char big[300] = "[Ask]\nSocket=/";
        memset(big + strlen(big), 'a', 200);
        big[214] = '\n';
        big[215] = 0;
        assert_int_equal(parse(big, &a), -EBADMSG);

        /* Over the size limit, even with one huge line. */
        size_t n = ASKPW_ASK_FILE_MAX + 10;
        char *huge = malloc(n + 1);
        assert_non_null(huge);
        memcpy(huge, "[Ask]\nSocket=/a\nMessage=", 24);
        memset(huge + 24, 'm', n - 24);
        huge[n] = 0;
        assert_int_equal(parse(huge, &a), -E2BIG);
        free(huge);
}

static void test_format_rejects_newlines(void **state) {
        AskpwAsk a = { .socket = (char *) "/a/b", .message = (char *) "two\nlines" };
        AskpwAsk rel = { .socket = (char *) "a/b" };
        char *text = NULL;

        assert_int_equal(askpw_ask_format(&a, &text), -EINVAL);
        assert_int_equal(askpw_ask_format(&rel, &text), -EINVAL);
        assert_null(text);
}

static void test_load(void **state) {
        char dir[] = "/tmp/askpw-load-XXXXXX";
        AskpwAsk *a = NULL;
        int dfd, fd;

        assert_non_null(mkdtemp(dir));
        dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        assert_true(dfd >= 0);

        fd = openat(dfd, "ask.1", O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
        assert_true(fd >= 0);
        assert_int_equal(write(fd, real_252, strlen(real_252)), (ssize_t) strlen(real_252));
        close(fd);
        assert_int_equal(symlinkat("ask.1", dfd, "ask.link"), 0);
        assert_int_equal(mkfifoat(dfd, "ask.fifo", 0644), 0);

        assert_int_equal(askpw_ask_load(dfd, "ask.1", &a), 0);
        assert_string_equal(a->path, "ask.1");
        askpw_ask_free(a);
        a = NULL;
        assert_int_equal(askpw_ask_load(dfd, "ask.link", &a), -ELOOP);
        assert_int_equal(askpw_ask_load(dfd, "ask.fifo", &a), -EBADF);
        assert_int_equal(askpw_ask_load(dfd, "ask.none", &a), -ENOENT);
        assert_null(a);

        unlinkat(dfd, "ask.1", 0);
        unlinkat(dfd, "ask.link", 0);
        unlinkat(dfd, "ask.fifo", 0);
        close(dfd);
        rmdir(dir);
}

static void test_echo_strings(void **state) {
        assert_int_equal(askpw_echo_from_string("masked"), ASKPW_ECHO_MASKED);
        assert_int_equal(askpw_echo_from_string("on"), ASKPW_ECHO_ON);
        assert_int_equal(askpw_echo_from_string("yes"), ASKPW_ECHO_ON);
        assert_int_equal(askpw_echo_from_string("no"), ASKPW_ECHO_OFF);
        assert_int_equal(askpw_echo_from_string("off"), ASKPW_ECHO_OFF);
        assert_int_equal(askpw_echo_from_string("loud"), _ASKPW_ECHO_INVALID);
        assert_string_equal(askpw_echo_to_string(ASKPW_ECHO_OFF), "off");
        assert_null(askpw_echo_to_string(_ASKPW_ECHO_MAX));
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_real_file_round_trip),
                cmocka_unit_test(test_optional_fields),
                cmocka_unit_test(test_tolerant),
                cmocka_unit_test(test_malformed),
                cmocka_unit_test(test_format_rejects_newlines),
                cmocka_unit_test(test_load),
                cmocka_unit_test(test_echo_strings),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
