/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>

#include "macro.h"
#include "varlink-message.h"
#include "varlink.h"

static void pair(int sv[2]) {
        assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, sv), 0);
}

static void test_several_messages_in_one_read(void **state) {
        VarlinkBuffer b = {};
        const char *p;
        size_t len;
        int sv[2];

        pair(sv);
        assert_int_equal(write(sv[1], "{\"a\":1}\0{\"b\":2}\0{\"c\"", 20), 20);
        assert_true(varlink_buffer_read(&b, sv[0], 1024) == 20);

        assert_int_equal(varlink_buffer_next_message(&b, 1024, &p, &len), 1);
        assert_int_equal(len, 7);
        assert_memory_equal(p, "{\"a\":1}", 7);
        assert_int_equal(varlink_buffer_next_message(&b, 1024, &p, &len), 1);
        assert_memory_equal(p, "{\"b\":2}", 7);
        assert_int_equal(varlink_buffer_next_message(&b, 1024, &p, &len), 0);
        assert_false(varlink_buffer_has_message(&b));

        /* the rest of the split message arrives */
        assert_int_equal(write(sv[1], ":3}\0", 4), 4);
        assert_int_equal(varlink_buffer_read(&b, sv[0], 1024), 4);
        assert_true(varlink_buffer_has_message(&b));
        assert_int_equal(varlink_buffer_next_message(&b, 1024, &p, &len), 1);
        assert_memory_equal(p, "{\"c\":3}", 7);

        assert_int_equal(varlink_buffer_read(&b, sv[0], 1024), -EAGAIN);
        close(sv[1]);
        assert_int_equal(varlink_buffer_read(&b, sv[0], 1024), 0);
        close(sv[0]);
        varlink_buffer_done(&b);
}

static void test_byte_by_byte(void **state) {
        static const char msg[] = "{\"method\":\"a.b.C\"}";
        VarlinkBuffer b = {};
        const char *p;
        size_t len;
        int sv[2];

        pair(sv);
        for (size_t i = 0; i < sizeof msg; i++) { /* includes the NUL */
                assert_int_equal(varlink_buffer_next_message(&b, 1024, &p, &len), 0);
                assert_int_equal(write(sv[1], msg + i, 1), 1);
                assert_int_equal(varlink_buffer_read(&b, sv[0], 1024), 1);
        }
        assert_int_equal(varlink_buffer_next_message(&b, 1024, &p, &len), 1);
        assert_int_equal(len, strlen(msg));
        close(sv[0]);
        close(sv[1]);
        varlink_buffer_done(&b);
}

static void test_cap(void **state) {
        char chunk[4096];
        VarlinkBuffer b = {};
        const char *p;
        size_t len;
        int sv[2], r = 0;

        pair(sv);
        memset(chunk, 'x', sizeof chunk);
        assert_int_equal(write(sv[1], chunk, sizeof chunk), (ssize_t) sizeof chunk);
        assert_int_equal(write(sv[1], chunk, sizeof chunk), (ssize_t) sizeof chunk);
        /* Cap of 5000 bytes: reading stops at the cap, the tail is too long. */
        for (int i = 0; i < 10 && r >= 0; i++)
                r = varlink_buffer_read(&b, sv[0], 5000);
        assert_int_equal(r, -EMSGSIZE);
        assert_int_equal(varlink_buffer_size(&b), 5000);
        assert_int_equal(varlink_buffer_next_message(&b, 5000, &p, &len), -EMSGSIZE);
        close(sv[0]);
        close(sv[1]);
        varlink_buffer_done(&b);
}

static void test_parse(void **state) {
        json_tokener *tok = varlink_tokener_new();
        json_object *o = NULL;
        static const char *bad[] = {
                "", "nonsense", "[1,2]", "\"str\"", "{\"a\":1} x", "{\"a\":1}{\"b\":2}", "{\"a\":",
                "{\"a\":\"\xff\"}", "123",
        };

        assert_non_null(tok);
        assert_int_equal(varlink_message_parse(tok, "{\"a\":1}", 7, &o), 0);
        assert_int_equal(json_object_get_int(json_object_object_get(o, "a")), 1);
        json_object_put(o);
        assert_int_equal(varlink_message_parse(tok, "{\"a\":1} \n", 9, &o), 0);
        json_object_put(o);

        for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
                o = NULL;
                assert_int_equal(varlink_message_parse(tok, bad[i], strlen(bad[i]), &o), -EBADMSG);
                assert_null(o);
        }
        json_tokener_free(tok);
}

static void test_serialize(void **state) {
        VarlinkBuffer b = {};
        json_object *p = json_tokener_parse("{\"x\":\"a/b\"}");

        assert_int_equal(varlink_message_append_reply(&b, p, true), 0);
        assert_int_equal(varlink_message_append_error(&b, "a.b.Err", NULL), 0);
        assert_int_equal(varlink_message_append_call(&b, "a.b.M", p, true, false), 0);
        static const char expect[] =
                "{\"parameters\":{\"x\":\"a/b\"},\"continues\":true}\0"
                "{\"error\":\"a.b.Err\",\"parameters\":{}}\0"
                "{\"method\":\"a.b.M\",\"parameters\":{\"x\":\"a/b\"},\"more\":true}\0";
        assert_int_equal(varlink_buffer_size(&b), sizeof expect - 1);
        assert_memory_equal(b.data + b.begin, expect, sizeof expect - 1);
        json_object_put(p);
        varlink_buffer_done(&b);
}

static void test_flush_epipe(void **state) {
        VarlinkBuffer b = {};
        int sv[2];

        pair(sv);
        close(sv[1]);
        assert_int_equal(varlink_buffer_append(&b, "{}", 3), 0);
        /* MSG_NOSIGNAL: an error, not a signal */
        assert_int_equal(varlink_buffer_flush(&b, sv[0]), -EPIPE);
        close(sv[0]);
        varlink_buffer_done(&b);
}

/* A parsed message leaves no byte of its text behind (calls carry
 * passwords); the next one, and a broken one, still come out right. */
static void test_parse_next_wipes(void **state) {
        static const char msg[] = "{\"secret\":{\"password\":[\"hunter22\"]}}";
        VarlinkBuffer b = {};
        json_tokener *tok = varlink_tokener_new();
        json_object *o = NULL;
        int sv[2];

        pair(sv);
        assert_int_equal(write(sv[1], msg, sizeof msg), (ssize_t) sizeof msg);
        assert_int_equal(write(sv[1], "{\"b\":2}\0nope\0{\"c\"", 17), 17);
        assert_true(varlink_buffer_read(&b, sv[0], 1024) > 0);

        assert_int_equal(varlink_buffer_parse_next(&b, tok, 1024, &o), 1);
        assert_non_null(json_object_object_get(o, "secret"));
        json_object_put(o);
        assert_null(memmem(b.data, b.end, "hunter22", 8));
        for (size_t i = 0; i < sizeof msg - 1; i++)
                assert_int_equal(b.data[i], 0);

        assert_int_equal(varlink_buffer_parse_next(&b, tok, 1024, &o), 1);
        assert_int_equal(json_object_get_int(json_object_object_get(o, "b")), 2);
        json_object_put(o);
        o = NULL;
        assert_int_equal(varlink_buffer_parse_next(&b, tok, 1024, &o), -EBADMSG);
        assert_null(o);
        assert_int_equal(varlink_buffer_parse_next(&b, tok, 1024, &o), 0);

        close(sv[1]);
        close(sv[0]);
        json_tokener_free(tok);
        varlink_buffer_done(&b);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_several_messages_in_one_read),
                cmocka_unit_test(test_byte_by_byte),
                cmocka_unit_test(test_cap),
                cmocka_unit_test(test_parse),
                cmocka_unit_test(test_parse_next_wipes),
                cmocka_unit_test(test_serialize),
                cmocka_unit_test(test_flush_epipe),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
