/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* Raw-text replies and streaming with backpressure. Server and a raw
 * client socket in one process on one sd-event loop; the client reads
 * slowly (a little per loop iteration) so the server's output queue fills
 * up, and the heap in use is sampled on the way. */

#include <errno.h>
#include <malloc.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>

#include "macro.h"
#include "varlink.h"

/* Bytes allocated by malloc and not freed, mmapped blocks included. */
#if defined(__SANITIZE_ADDRESS__)
size_t __sanitizer_get_current_allocated_bytes(void);
static size_t heap_in_use(void) {
        return __sanitizer_get_current_allocated_bytes();
}
#else
static size_t heap_in_use(void) {
        struct mallinfo2 mi = mallinfo2();
        return mi.uordblks + mi.hblkhd;
}
#endif

#define N_RECORDS 100000U
#define RECORD_PAD 400U
/* What a stream may cost on top of the heap before it started: the
 * output queue (VARLINK_STREAM_BUFFER plus one reply), with room to spare
 * for allocator slack. The whole stream is ~43 MB. */
#define STREAM_HEAP_BOUND (2U * 1024U * 1024U)

static const char stream_idl[] =
        "interface org.example.Stream\n"
        "method Raw(kind: string) -> (a: ?int)\n"
        "method Produce(count: int, size: int) -> (i: int, pad: string)\n"
        "method Flood(count: int, size: int) -> (i: int, pad: string)\n";

typedef struct Producer {
        VarlinkCall *call;
        unsigned next, count, size;
        char *buf;
} Producer;

static unsigned producers_alive, producers_cancelled;
static size_t flood_peak;
static int raw_results[16];

static void producer_free(Producer *p) {
        varlink_call_set_cancel_callback(p->call, NULL, NULL);
        varlink_call_set_drain_callback(p->call, NULL, NULL);
        varlink_call_unref(p->call);
        free(p->buf);
        free(p);
        producers_alive--;
}

static int format_record(Producer *p, unsigned i, size_t *ret_len) {
        int n = snprintf(p->buf, p->size + 64, "{\"i\":%u,\"pad\":\"", i);
        memset(p->buf + n, 'a' + (char) (i % 26), p->size);
        memcpy(p->buf + n + p->size, "\"}", 3);
        *ret_len = (size_t) n + p->size + 2;
        return 0;
}

static int produce(Producer *p) {
        while (!varlink_call_output_congested(p->call)) {
                size_t len;
                unsigned i = p->next++;
                format_record(p, i, &len);
                bool last = p->next == p->count;
                int r = last ? varlink_call_reply_raw(p->call, p->buf, len) :
                               varlink_call_notify_raw(p->call, p->buf, len);
                if (r < 0 || last) {
                        producer_free(p);
                        return r == -ENOTCONN ? 0 : r;
                }
        }
        return 1;
}

static int on_drain(VarlinkCall *call, void *userdata) {
        Producer *p = userdata;
        return produce(p) < 0 ? -EIO : 0;
}

static void on_cancel(VarlinkCall *call, void *userdata) {
        producers_cancelled++;
        producer_free(userdata);
}

static Producer *producer_new(VarlinkCall *call, json_object *params) {
        json_object *c, *s;
        Producer *p = calloc(1, sizeof *p);

        assert_non_null(p);
        assert_true(json_object_object_get_ex(params, "count", &c));
        assert_true(json_object_object_get_ex(params, "size", &s));
        p->call = varlink_call_ref(call);
        p->count = (unsigned) json_object_get_int(c);
        p->size = (unsigned) json_object_get_int(s);
        p->buf = malloc(p->size + 64);
        assert_non_null(p->buf);
        producers_alive++;
        return p;
}

static int vl_produce(VarlinkCall *call, json_object *params, void *userdata) {
        Producer *p = producer_new(call, params);
        int r;

        varlink_call_set_cancel_callback(call, on_cancel, p);
        r = produce(p);
        if (r > 0)
                varlink_call_set_drain_callback(call, on_drain, p);
        return r < 0 ? r : 0;
}

/* The negative control: the same stream without looking at congestion. */
static int vl_flood(VarlinkCall *call, json_object *params, void *userdata) {
        Producer *p = producer_new(call, params);
        int r = 0;

        flood_peak = 0;
        for (unsigned i = 0; i < p->count && r >= 0; i++) {
                size_t len;
                format_record(p, i, &len);
                r = i + 1 == p->count ? varlink_call_reply_raw(call, p->buf, len) :
                                        varlink_call_notify_raw(call, p->buf, len);
                if (i % 1000 == 0)
                        flood_peak = MAX(flood_peak, heap_in_use());
        }
        producer_free(p);
        return r == -ENOTCONN ? 0 : r;
}

static int vl_raw(VarlinkCall *call, json_object *params, void *userdata) {
        json_object *k;
        const char *kind;
        unsigned n = 0;

        assert_true(json_object_object_get_ex(params, "kind", &k));
        kind = json_object_get_string(k);

        /* Shapes that are not a serialized object are refused up front. */
        raw_results[n++] = varlink_call_reply_raw(call, NULL, 0);
        raw_results[n++] = varlink_call_reply_raw(call, "", 0);
        raw_results[n++] = varlink_call_reply_raw(call, "[]", 2);
        raw_results[n++] = varlink_call_reply_raw(call, "{\"a\":1", 6);
        raw_results[n++] = varlink_call_reply_raw(call, "{\0}", 3);
        raw_results[n++] = varlink_call_notify_raw(call, "{}", 2);

        if (streq(kind, "stream")) {
                raw_results[n++] = varlink_call_notify_raw(call, "{\"a\":1}", 7);
                raw_results[n++] = varlink_call_notify_raw(call, "{\"a\":2}", 7);
        }
        /* Only the first 7 bytes count: the rest is the caller's. */
        raw_results[n++] = varlink_call_reply_raw(call, "{\"a\":3}garbage", 7);
        raw_results[n++] = varlink_call_reply_raw(call, "{}", 2);
        return 0;
}

typedef struct Fixture {
        sd_event *event;
        VarlinkServer *server;
        int peer;
        char buf[1 << 17];
        size_t have;
} Fixture;

static int setup(void **state) {
        static const VarlinkMethod methods[] = {
                { "Raw", vl_raw, 0 },
                { "Produce", vl_produce, VARLINK_METHOD_REQUIRES_MORE },
                { "Flood", vl_flood, VARLINK_METHOD_REQUIRES_MORE },
        };
        Fixture *f = calloc(1, sizeof *f);
        int sv[2];

        assert_non_null(f);
        assert_int_equal(sd_event_new(&f->event), 0);
        assert_int_equal(varlink_server_new(&f->server), 0);
        assert_int_equal(varlink_server_add_interface(f->server, stream_idl, methods, ELEMENTSOF(methods)), 0);
        assert_int_equal(varlink_server_attach_event(f->server, f->event, 0), 0);
        assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0, sv), 0);
        assert_int_equal(varlink_server_add_connection(f->server, sv[0]), 0);
        f->peer = sv[1];
        producers_alive = producers_cancelled = 0;
        *state = f;
        return 0;
}

static int teardown(void **state) {
        Fixture *f = *state;
        if (f->peer >= 0)
                close(f->peer);
        varlink_server_free(f->server);
        sd_event_unref(f->event);
        free(f);
        assert_int_equal(producers_alive, 0);
        return 0;
}

static void send_text(Fixture *f, const char *text) {
        size_t n = strlen(text) + 1;
        assert_int_equal(write(f->peer, text, n), (ssize_t) n);
}

/* Runs the loop once and reads at most `chunk` bytes. Returns the next
 * complete message (copied to ret, NUL-terminated) or false. */
static bool next_message(Fixture *f, size_t chunk, char *ret, size_t ret_size, bool *ret_eof) {
        char *nul = memchr(f->buf, 0, f->have);
        if (!nul) {
                assert_true(sd_event_run(f->event, 0) >= 0);
                size_t room = MIN(chunk, sizeof f->buf - f->have);
                ssize_t k = read(f->peer, f->buf + f->have, room);
                if (k == 0)
                        *ret_eof = true;
                if (k <= 0)
                        return false;
                f->have += (size_t) k;
                nul = memchr(f->buf, 0, f->have);
                if (!nul)
                        return false;
        }
        size_t len = (size_t) (nul - f->buf);
        assert_true(len < ret_size);
        memcpy(ret, f->buf, len + 1);
        memmove(f->buf, nul + 1, f->have - len - 1);
        f->have -= len + 1;
        return true;
}

static void wait_message(Fixture *f, char *ret, size_t ret_size) {
        bool eof = false;
        for (unsigned i = 0; i < 100000; i++) {
                if (next_message(f, sizeof f->buf, ret, ret_size, &eof))
                        return;
                assert_false(eof);
        }
        fail_msg("no message");
}

static void test_raw_reply(void **state) {
        Fixture *f = *state;
        char m[4096];

        send_text(f, "{\"method\":\"org.example.Stream.Raw\",\"parameters\":{\"kind\":\"single\"}}");
        wait_message(f, m, sizeof m);
        assert_string_equal(m, "{\"parameters\":{\"a\":3}}");
        for (unsigned i = 0; i < 5; i++)
                assert_int_equal(raw_results[i], -EINVAL);
        assert_int_equal(raw_results[5], -EPROTO);     /* notify without "more" */
        assert_int_equal(raw_results[6], 0);
        assert_int_equal(raw_results[7], -EALREADY);   /* second final reply */
}

static void test_raw_notify(void **state) {
        Fixture *f = *state;
        char m[4096];

        send_text(f, "{\"method\":\"org.example.Stream.Raw\",\"parameters\":{\"kind\":\"stream\"},\"more\":true}");
        wait_message(f, m, sizeof m);
        assert_string_equal(m, "{\"parameters\":{},\"continues\":true}");
        wait_message(f, m, sizeof m);
        assert_string_equal(m, "{\"parameters\":{\"a\":1},\"continues\":true}");
        wait_message(f, m, sizeof m);
        assert_string_equal(m, "{\"parameters\":{\"a\":2},\"continues\":true}");
        wait_message(f, m, sizeof m);
        assert_string_equal(m, "{\"parameters\":{\"a\":3}}");
        for (unsigned i = 0; i < 5; i++)
                assert_int_equal(raw_results[i], -EINVAL);
        assert_int_equal(raw_results[5], 0);           /* with "more", notify works */
        assert_int_equal(raw_results[6], 0);
        assert_int_equal(raw_results[7], 0);
        assert_int_equal(raw_results[8], 0);
        assert_int_equal(raw_results[9], -EALREADY);

        /* The connection is usable afterwards: replies stay framed. */
        send_text(f, "{\"method\":\"org.example.Stream.Raw\",\"parameters\":{\"kind\":\"single\"}}");
        wait_message(f, m, sizeof m);
        assert_string_equal(m, "{\"parameters\":{\"a\":3}}");
}

static void check_record(const char *m, unsigned i, bool last) {
        char head[64];
        int n = snprintf(head, sizeof head, "{\"parameters\":{\"i\":%u,\"pad\":\"", i);
        size_t len = strlen(m);

        assert_memory_equal(m, head, (size_t) n);
        assert_int_equal(m[n], 'a' + (char) (i % 26));
        assert_int_equal(m[n + RECORD_PAD - 1], 'a' + (char) (i % 26));
        if (last)
                assert_string_equal(m + n + RECORD_PAD, "\"}}");
        else
                assert_string_equal(m + n + RECORD_PAD, "\"},\"continues\":true}");
        assert_int_equal(len, (size_t) n + RECORD_PAD + (last ? 3 : 20));
}

static void test_stream_bounded(void **state) {
        Fixture *f = *state;
        char m[4096], req[256];
        size_t base, peak = 0;
        unsigned got = 0;
        bool eof = false;

        snprintf(req, sizeof req, "{\"method\":\"org.example.Stream.Produce\","
                 "\"parameters\":{\"count\":%u,\"size\":%u},\"more\":true}", N_RECORDS, RECORD_PAD);
        base = heap_in_use();
        send_text(f, req);

        /* A slow reader: at most 8 KiB per loop iteration. */
        while (got < N_RECORDS) {
                assert_false(eof);
                if (!next_message(f, 8192, m, sizeof m, &eof))
                        continue;
                check_record(m, got, got + 1 == N_RECORDS);
                got++;
                if (got % 256 == 0)
                        peak = MAX(peak, heap_in_use());
        }
        print_message("stream: %u records, heap peak %zu KiB over the start\n", got,
                      (peak > base ? peak - base : 0) / 1024);
        assert_true(peak < base + STREAM_HEAP_BOUND);
        assert_int_equal(producers_alive, 0);

        /* Still in step: the next call on the connection is answered. */
        send_text(f, "{\"method\":\"org.example.Stream.Raw\",\"parameters\":{\"kind\":\"single\"}}");
        wait_message(f, m, sizeof m);
        assert_string_equal(m, "{\"parameters\":{\"a\":3}}");
}

/* The same stream, produced without backpressure, does exceed the bound:
 * the measurement above is able to see an unbounded producer. */
static void test_flood_unbounded(void **state) {
        Fixture *f = *state;
        char req[256];
        size_t base = heap_in_use();

        snprintf(req, sizeof req, "{\"method\":\"org.example.Stream.Flood\","
                 "\"parameters\":{\"count\":%u,\"size\":%u},\"more\":true}", N_RECORDS, RECORD_PAD);
        send_text(f, req);
        for (unsigned i = 0; i < 10 && flood_peak == 0; i++)
                assert_true(sd_event_run(f->event, 100000) >= 0);
        assert_true(flood_peak > base + STREAM_HEAP_BOUND);
        /* Past VARLINK_OUTPUT_MAX the connection was dropped. */
        assert_int_equal(varlink_server_n_connections(f->server), 0);
}

static void test_stream_client_leaves(void **state) {
        Fixture *f = *state;
        char m[4096], req[256];
        bool eof = false;
        unsigned got = 0;

        snprintf(req, sizeof req, "{\"method\":\"org.example.Stream.Produce\","
                 "\"parameters\":{\"count\":%u,\"size\":%u},\"more\":true}", N_RECORDS, RECORD_PAD);
        send_text(f, req);
        while (got < 1000) {
                if (next_message(f, 8192, m, sizeof m, &eof))
                        got++;
                assert_false(eof);
        }
        assert_int_equal(producers_alive, 1);
        close(f->peer);
        f->peer = -1;
        for (unsigned i = 0; i < 100 && producers_alive > 0; i++)
                assert_true(sd_event_run(f->event, 10000) >= 0);
        /* The producer heard about it through its cancel callback. */
        assert_int_equal(producers_alive, 0);
        assert_int_equal(producers_cancelled, 1);
        assert_int_equal(varlink_server_n_connections(f->server), 0);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test_setup_teardown(test_raw_reply, setup, teardown),
                cmocka_unit_test_setup_teardown(test_raw_notify, setup, teardown),
                cmocka_unit_test_setup_teardown(test_stream_bounded, setup, teardown),
                cmocka_unit_test_setup_teardown(test_flood_unbounded, setup, teardown),
                cmocka_unit_test_setup_teardown(test_stream_client_leaves, setup, teardown),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
