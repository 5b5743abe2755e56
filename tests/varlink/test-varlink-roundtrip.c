/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* Client and server in one process on one sd-event loop (async client),
 * and a forked server for the synchronous client API. */

#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "macro.h"
#include "test-interface.h"

typedef struct Fixture {
        sd_event *event;
        VarlinkServer *server;
        VarlinkClient *client;
        int peer; /* raw end for byte-level tests, -1 if unused */
} Fixture;

static int setup(void **state) {
        Fixture *f = calloc(1, sizeof *f);
        int sv[2];

        assert_non_null(f);
        assert_int_equal(sd_event_new(&f->event), 0);
        assert_int_equal(varlink_server_new(&f->server), 0);
        assert_int_equal(test_interface_register(f->server), 0);
        assert_int_equal(varlink_server_attach_event(f->server, f->event, 0), 0);
        assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0, sv), 0);
        assert_int_equal(varlink_server_add_connection(f->server, sv[0]), 0);
        assert_int_equal(varlink_client_new_fd(&f->client, sv[1]), 0);
        assert_int_equal(varlink_client_attach_event(f->client, f->event, 0), 0);
        *state = f;
        return 0;
}

static int teardown(void **state) {
        Fixture *f = *state;
        varlink_client_free(f->client);
        varlink_server_free(f->server);
        sd_event_unref(f->event);
        free(f);
        return 0;
}

typedef struct Collected {
        json_object *replies[64];
        char *errors[64];
        unsigned flags[64];
        unsigned n;
} Collected;

static int collect(VarlinkClient *c, json_object *parameters, const char *error_name, unsigned flags, void *userdata) {
        Collected *col = userdata;
        assert_true(col->n < 64);
        col->replies[col->n] = json_object_get(parameters);
        col->errors[col->n] = error_name ? strdup(error_name) : NULL;
        col->flags[col->n] = flags;
        col->n++;
        return 0;
}

static void collected_free(Collected *col) {
        for (unsigned i = 0; i < col->n; i++) {
                json_object_put(col->replies[i]);
                free(col->errors[i]);
        }
}

static void run_until(Fixture *f, VarlinkClient *c) {
        for (int i = 0; i < 1000 && varlink_client_n_pending(c) > 0; i++)
                assert_true(sd_event_run(f->event, 1000000) >= 0);
        assert_int_equal(varlink_client_n_pending(c), 0);
}

static json_object *params(const char *json) {
        json_object *o = json_tokener_parse(json);
        assert_non_null(o);
        return o;
}

static void call(Fixture *f, const char *method, const char *json, unsigned flags, Collected *col) {
        json_object *p = json ? params(json) : NULL;
        assert_int_equal(varlink_call_async(f->client, method, p, flags, collect, col), 0);
        json_object_put(p);
}

static void test_plain_and_error(void **state) {
        Fixture *f = *state;
        Collected col = {};

        call(f, "org.example.Test.Echo", "{\"text\":\"hello\",\"n\":42}", 0, &col);
        call(f, "org.example.Test.Fail", "{\"name\":\"boom\"}", 0, &col);
        call(f, "org.example.Test.Echo", "{\"text\":7}", 0, &col);
        call(f, "org.example.Test.Echo", "{\"text\":\"a\",\"unknown\":true}", 0, &col);
        call(f, "org.example.Test.Nope", NULL, 0, &col);
        call(f, "org.example.Test.Missing", NULL, 0, &col);
        call(f, "org.example.Test.Count", "{\"n\":2}", 0, &col);
        run_until(f, f->client);

        assert_int_equal(col.n, 7);
        assert_null(col.errors[0]);
        assert_string_equal(json_object_get_string(json_object_object_get(col.replies[0], "text")), "hello");
        assert_int_equal(json_object_get_int(json_object_object_get(col.replies[0], "n")), 42);
        assert_string_equal(col.errors[1], "org.example.Test.Failed");
        assert_string_equal(json_object_get_string(json_object_object_get(col.replies[1], "name")), "boom");
        assert_string_equal(col.errors[2], VARLINK_ERROR_INVALID_PARAMETER);
        assert_string_equal(json_object_get_string(json_object_object_get(col.replies[2], "parameter")), "text");
        assert_string_equal(col.errors[3], VARLINK_ERROR_INVALID_PARAMETER);
        assert_string_equal(json_object_get_string(json_object_object_get(col.replies[3], "parameter")), "unknown");
        assert_string_equal(col.errors[4], VARLINK_ERROR_METHOD_NOT_FOUND);
        assert_string_equal(col.errors[5], VARLINK_ERROR_METHOD_NOT_IMPLEMENTED);
        assert_string_equal(col.errors[6], VARLINK_ERROR_EXPECTED_MORE);
        collected_free(&col);
}

static void test_more_and_oneway(void **state) {
        Fixture *f = *state;
        Collected col = {};

        call(f, "org.example.Test.Echo", "{\"text\":\"x\"}", VARLINK_CALL_ONEWAY, &col);
        call(f, "org.example.Test.Count", "{\"n\":4}", VARLINK_CALL_MORE, &col);
        call(f, "org.example.Test.Echo", "{\"text\":\"after\"}", 0, &col);
        run_until(f, f->client);

        /* oneway produced nothing; 4 streamed replies then the echo */
        assert_int_equal(col.n, 5);
        for (unsigned i = 0; i < 4; i++) {
                assert_null(col.errors[i]);
                assert_int_equal(json_object_get_int(json_object_object_get(col.replies[i], "i")), (int) i);
                assert_int_equal(col.flags[i], i < 3 ? VARLINK_REPLY_CONTINUES : 0);
        }
        assert_string_equal(json_object_get_string(json_object_object_get(col.replies[4], "text")), "after");
        collected_free(&col);
}

static void test_async_reply_keeps_order(void **state) {
        Fixture *f = *state;
        Collected col = {};

        /* The slow call replies from a timer; the echo queued behind it
         * must wait for it. */
        call(f, "org.example.Test.Slow", "{\"usec\":50000}", 0, &col);
        call(f, "org.example.Test.Echo", "{\"text\":\"second\"}", 0, &col);
        call(f, "org.example.Test.Slow", "{\"usec\":1000}", 0, &col);
        run_until(f, f->client);

        assert_int_equal(col.n, 3);
        assert_true(json_object_get_boolean(json_object_object_get(col.replies[0], "done")));
        assert_string_equal(json_object_get_string(json_object_object_get(col.replies[1], "text")), "second");
        assert_true(json_object_get_boolean(json_object_object_get(col.replies[2], "done")));
        collected_free(&col);
}

static void test_service_interface(void **state) {
        Fixture *f = *state;
        Collected col = {};
        json_object *ifs;

        call(f, "org.varlink.service.GetInfo", NULL, 0, &col);
        call(f, "org.varlink.service.GetInterfaceDescription", "{\"interface\":\"org.example.Test\"}", 0, &col);
        call(f, "org.varlink.service.GetInterfaceDescription", "{\"interface\":\"org.example.Nope\"}", 0, &col);
        run_until(f, f->client);

        assert_int_equal(col.n, 3);
        assert_string_equal(json_object_get_string(json_object_object_get(col.replies[0], "vendor")), "Hearth");
        ifs = json_object_object_get(col.replies[0], "interfaces");
        assert_int_equal(json_object_array_length(ifs), 2);
        assert_string_equal(json_object_get_string(json_object_array_get_idx(ifs, 0)), "org.varlink.service");
        assert_string_equal(json_object_get_string(json_object_array_get_idx(ifs, 1)), "org.example.Test");
        assert_string_equal(json_object_get_string(json_object_object_get(col.replies[1], "description")),
                            test_interface_idl);
        assert_string_equal(col.errors[2], VARLINK_ERROR_INTERFACE_NOT_FOUND);
        assert_string_equal(json_object_get_string(json_object_object_get(col.replies[2], "interface")),
                            "org.example.Nope");
        collected_free(&col);
}

/* Raw bytes: several calls written at once, answered in order. */
static void test_pipelined_raw(void **state) {
        Fixture *f = *state;
        static const char calls[] =
                "{\"method\":\"org.example.Test.Echo\",\"parameters\":{\"text\":\"1\"}}\0"
                "{\"method\":\"org.example.Test.Slow\",\"parameters\":{\"usec\":20000}}\0"
                "{\"method\":\"org.example.Test.Echo\",\"parameters\":{\"text\":\"3\"}}\0"
                "{\"method\":\"org.example.Test.Count\",\"parameters\":{\"n\":2},\"more\":true}\0";
        static const char expect[] =
                "{\"parameters\":{\"text\":\"1\"}}\0"
                "{\"parameters\":{\"done\":true}}\0"
                "{\"parameters\":{\"text\":\"3\"}}\0"
                "{\"parameters\":{\"i\":0},\"continues\":true}\0"
                "{\"parameters\":{\"i\":1}}\0";
        char buf[512];
        size_t got = 0;
        int sv[2];

        assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0, sv), 0);
        assert_int_equal(varlink_server_add_connection(f->server, sv[0]), 0);
        assert_int_equal(write(sv[1], calls, sizeof calls - 1), (ssize_t) sizeof calls - 1);

        for (int i = 0; i < 200 && got < sizeof expect - 1; i++) {
                ssize_t n;
                assert_true(sd_event_run(f->event, 100000) >= 0);
                n = read(sv[1], buf + got, sizeof buf - got);
                if (n > 0)
                        got += n;
        }
        assert_int_equal(got, sizeof expect - 1);
        assert_memory_equal(buf, expect, got);

        /* Half-close: the server finishes and closes its end. */
        assert_int_equal(varlink_server_n_connections(f->server), 2);
        shutdown(sv[1], SHUT_WR);
        for (int i = 0; i < 10 && varlink_server_n_connections(f->server) > 1; i++)
                assert_true(sd_event_run(f->event, 100000) >= 0);
        assert_int_equal(varlink_server_n_connections(f->server), 1);
        close(sv[1]);
}

static void exchange(Fixture *f, int fd, const char *calls, size_t n, const char *expect, size_t m) {
        char buf[1024];
        size_t got = 0;

        assert_true(m <= sizeof buf);
        assert_int_equal(write(fd, calls, n), (ssize_t) n);
        for (int i = 0; i < 200 && got < m; i++) {
                ssize_t k;
                assert_true(sd_event_run(f->event, 100000) >= 0);
                k = read(fd, buf + got, sizeof buf - got);
                if (k > 0)
                        got += k;
        }
        assert_int_equal(got, m);
        assert_memory_equal(buf, expect, got);
}

/* The server remembers the last method resolved: a name that differs
 * only in length, a prefix, or one cut short by an escaped NUL must each
 * resolve on their own, and a method unknown before an interface is
 * registered is found after it. */
static void test_method_names(void **state) {
        Fixture *f = *state;
        static const char calls[] =
                "{\"method\":\"org.example.Test.Echo\",\"parameters\":{\"text\":\"1\"}}\0"
                "{\"method\":\"org.example.Test.Ech\",\"parameters\":{}}\0"
                "{\"method\":\"org.example.Test.Echo\\u0000x\",\"parameters\":{\"text\":\"2\"}}\0"
                "{\"method\":\"org.example.Test.Echoo\",\"parameters\":{}}\0"
                "{\"method\":\"org.example.Test.Echo\",\"parameters\":{\"text\":\"3\"}}\0"
                "{\"method\":\"org.example.Other.Ping\",\"parameters\":{}}\0";
        static const char expect[] =
                "{\"parameters\":{\"text\":\"1\"}}\0"
                "{\"error\":\"org.varlink.service.MethodNotFound\",\"parameters\":{\"method\":\"org.example.Test.Ech\"}}\0"
                "{\"parameters\":{\"text\":\"2\"}}\0"
                "{\"error\":\"org.varlink.service.MethodNotFound\",\"parameters\":{\"method\":\"org.example.Test.Echoo\"}}\0"
                "{\"parameters\":{\"text\":\"3\"}}\0"
                "{\"error\":\"org.varlink.service.MethodNotFound\",\"parameters\":{\"method\":\"org.example.Other.Ping\"}}\0";
        static const char ping[] = "{\"method\":\"org.example.Other.Ping\",\"parameters\":{}}\0";
        static const char ping_expect[] =
                "{\"error\":\"org.varlink.service.MethodNotImplemented\",\"parameters\":{\"method\":\"org.example.Other.Ping\"}}\0";
        int sv[2];

        assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0, sv), 0);
        assert_int_equal(varlink_server_add_connection(f->server, sv[0]), 0);
        exchange(f, sv[1], calls, sizeof calls - 1, expect, sizeof expect - 1);
        assert_int_equal(varlink_server_add_interface(f->server, "interface org.example.Other\nmethod Ping() -> ()\n",
                                                      NULL, 0), 0);
        exchange(f, sv[1], ping, sizeof ping - 1, ping_expect, sizeof ping_expect - 1);
        close(sv[1]);
}

static void test_garbage_drops_connection_only(void **state) {
        Fixture *f = *state;
        Collected col = {};
        int sv[2];

        assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0, sv), 0);
        assert_int_equal(varlink_server_add_connection(f->server, sv[0]), 0);
        assert_int_equal(write(sv[1], "this is not json\0", 17), 17);
        for (int i = 0; i < 10 && varlink_server_n_connections(f->server) > 1; i++)
                assert_true(sd_event_run(f->event, 100000) >= 0);
        assert_int_equal(varlink_server_n_connections(f->server), 1);
        close(sv[1]);

        call(f, "org.example.Test.Echo", "{\"text\":\"still here\"}", 0, &col);
        run_until(f, f->client);
        assert_null(col.errors[0]);
        collected_free(&col);
}

static void test_disconnect_reported(void **state) {
        Fixture *f = *state;
        Collected col = {};

        call(f, "org.example.Test.Slow", "{\"usec\":10000000}", 0, &col);
        assert_true(sd_event_run(f->event, 100000) >= 0);
        varlink_server_shutdown(f->server);
        run_until(f, f->client);
        assert_int_equal(col.n, 1);
        assert_string_equal(col.errors[0], VARLINK_ERROR_DISCONNECTED);
        assert_int_equal(varlink_call_async(f->client, "org.example.Test.Echo", NULL, 0, collect, &col), -ENOTCONN);
        collected_free(&col);
}

static void test_client_timeout(void **state) {
        Fixture *f = *state;
        Collected col = {};

        varlink_client_set_timeout(f->client, 20000);
        call(f, "org.example.Test.Slow", "{\"usec\":5000000}", 0, &col);
        run_until(f, f->client);
        assert_int_equal(col.n, 1);
        assert_string_equal(col.errors[0], VARLINK_ERROR_TIMEOUT);
        collected_free(&col);
}

/* ---- synchronous client against a forked server ---- */

static pid_t fork_server(int *ret_fd) {
        int sv[2];
        pid_t pid;

        assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
        pid = fork();
        assert_true(pid >= 0);
        if (pid == 0) {
                sd_event *e = NULL;
                VarlinkServer *s = NULL;
                close(sv[1]);
                if (sd_event_new(&e) < 0 || varlink_server_new(&s) < 0 || test_interface_register(s) < 0 ||
                    varlink_server_attach_event(s, e, 0) < 0 || varlink_server_add_connection(s, sv[0]) < 0)
                        _exit(1);
                while (varlink_server_n_connections(s) > 0)
                        if (sd_event_run(e, UINT64_MAX) < 0)
                                _exit(1);
                varlink_server_free(s);
                sd_event_unref(e);
                _exit(0);
        }
        close(sv[0]);
        *ret_fd = sv[1];
        return pid;
}

static void test_sync(void **state) {
        _cleanup_(varlink_client_freep) VarlinkClient *c = NULL;
        json_object *reply = NULL, *p;
        const char *error = NULL;
        bool continues = true;
        int fd, status, n = 0;
        pid_t pid = fork_server(&fd);

        assert_int_equal(varlink_client_new_fd(&c, fd), 0);

        p = params("{\"text\":\"sync\"}");
        assert_int_equal(varlink_call_sync(c, "org.example.Test.Echo", p, &reply, &error), 0);
        json_object_put(p);
        assert_null(error);
        assert_string_equal(json_object_get_string(json_object_object_get(reply, "text")), "sync");
        json_object_put(reply);

        p = params("{\"name\":\"x\"}");
        assert_int_equal(varlink_call_sync(c, "org.example.Test.Fail", p, &reply, &error), 0);
        assert_string_equal(error, "org.example.Test.Failed");
        json_object_put(reply);
        reply = NULL;
        assert_int_equal(varlink_call_sync(c, "org.example.Test.Fail", p, &reply, NULL), -EREMOTEIO);
        assert_null(reply);
        json_object_put(p);

        assert_int_equal(varlink_call_sync(c, "not a method", NULL, &reply, &error), -EINVAL);

        p = params("{\"n\":3}");
        assert_int_equal(varlink_call_more_begin(c, "org.example.Test.Count", p), 0);
        json_object_put(p);
        assert_int_equal(varlink_call_sync(c, "org.example.Test.Echo", NULL, &reply, &error), -EBUSY);
        while (varlink_call_more_next(c, &reply, &error, &continues) > 0) {
                assert_null(error);
                assert_int_equal(json_object_get_int(json_object_object_get(reply, "i")), n);
                assert_int_equal(continues, n < 2);
                json_object_put(reply);
                n++;
        }
        assert_int_equal(n, 3);

        p = params("{\"text\":\"ow\"}");
        assert_int_equal(varlink_call_oneway(c, "org.example.Test.Echo", p), 0);
        json_object_put(p);

        varlink_client_set_timeout(c, 50000);
        p = params("{\"usec\":2000000}");
        assert_int_equal(varlink_call_sync(c, "org.example.Test.Slow", p, &reply, &error), -ETIMEDOUT);
        json_object_put(p);

        c = varlink_client_free(c);
        assert_int_equal(waitpid(pid, &status, 0), pid);
        assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

static void test_sync_server_gone(void **state) {
        _cleanup_(varlink_client_freep) VarlinkClient *c = NULL;
        json_object *reply = NULL;
        const char *error = NULL;
        int sv[2];

        assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
        close(sv[0]);
        assert_int_equal(varlink_client_new_fd(&c, sv[1]), 0);
        assert_int_equal(varlink_call_sync(c, "org.example.Test.Echo", NULL, &reply, &error), -ECONNRESET);
        assert_int_equal(varlink_call_sync(c, "org.example.Test.Echo", NULL, &reply, &error), -ECONNRESET);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test_setup_teardown(test_plain_and_error, setup, teardown),
                cmocka_unit_test_setup_teardown(test_more_and_oneway, setup, teardown),
                cmocka_unit_test_setup_teardown(test_async_reply_keeps_order, setup, teardown),
                cmocka_unit_test_setup_teardown(test_service_interface, setup, teardown),
                cmocka_unit_test_setup_teardown(test_pipelined_raw, setup, teardown),
                cmocka_unit_test_setup_teardown(test_method_names, setup, teardown),
                cmocka_unit_test_setup_teardown(test_garbage_drops_connection_only, setup, teardown),
                cmocka_unit_test_setup_teardown(test_disconnect_reported, setup, teardown),
                cmocka_unit_test_setup_teardown(test_client_timeout, setup, teardown),
                cmocka_unit_test(test_sync),
                cmocka_unit_test(test_sync_server_gone),
        };
        signal(SIGPIPE, SIG_DFL); /* prove MSG_NOSIGNAL: a SIGPIPE would kill us */
        return cmocka_run_group_tests(tests, NULL, NULL);
}
