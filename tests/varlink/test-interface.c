/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "macro.h"
#include "test-interface.h"

const char test_interface_idl[] =
        "# Test interface\n"
        "interface org.example.Test\n"
        "\n"
        "type Color (red, green, blue)\n"
        "type Point (x: int, y: int, label: ?string)\n"
        "\n"
        "method Echo(\n"
        "\ttext: string,\n"
        "\tn: ?int,\n"
        "\tratio: ?float,\n"
        "\tflag: ?bool,\n"
        "\ttags: ?[]string,\n"
        "\tattrs: ?[string]int,\n"
        "\tcolor: ?Color,\n"
        "\tpoint: ?Point,\n"
        "\textra: ?object,\n"
        "\tinline: ?(a: int, b: ?[]bool)\n"
        ") -> (text: string, n: ?int)\n"
        "\n"
        "# [Requires 'more' flag]\n"
        "method Count(n: int) -> (i: int)\n"
        "method Slow(usec: int) -> (done: bool)\n"
        "method Fail(name: string) -> ()\n"
        "method Stats() -> (connections: int, rssKiB: int)\n"
        "method Missing() -> ()\n"
        "\n"
        "error Failed(name: string)\n";

static int method_echo(VarlinkCall *call, json_object *p, void *userdata) {
        json_object *reply = json_object_new_object(), *v;
        int r;

        if (!reply)
                return -ENOMEM;
        json_object_object_add(reply, "text", json_object_get(json_object_object_get(p, "text")));
        if (json_object_object_get_ex(p, "n", &v) && v)
                json_object_object_add(reply, "n", json_object_get(v));
        r = varlink_call_reply(call, reply);
        json_object_put(reply);
        return r;
}

static int method_count(VarlinkCall *call, json_object *p, void *userdata) {
        int64_t n = json_object_get_int64(json_object_object_get(p, "n"));
        int r = 0;

        if (n <= 0)
                return varlink_call_error_invalid_parameter(call, "n");
        for (int64_t i = 0; i < n && r >= 0; i++) {
                json_object *reply = json_object_new_object();
                if (!reply)
                        return -ENOMEM;
                json_object_object_add(reply, "i", json_object_new_int64(i));
                r = i + 1 < n ? varlink_call_notify(call, reply) : varlink_call_reply(call, reply);
                json_object_put(reply);
        }
        return r;
}

/* The timer owns a call reference; if the client goes away first the
 * cancel callback stops the timer and lets go of it. */
static int on_slow_timer(sd_event_source *s, uint64_t usec, void *userdata) {
        VarlinkCall *call = userdata;
        json_object *reply = json_object_new_object();

        varlink_call_set_cancel_callback(call, NULL, NULL);
        json_object_object_add(reply, "done", json_object_new_boolean(true));
        (void) varlink_call_reply(call, reply);
        json_object_put(reply);
        varlink_call_unref(call);
        sd_event_source_disable_unref(s);
        return 0;
}

static void on_slow_cancel(VarlinkCall *call, void *userdata) {
        sd_event_source_disable_unref(userdata);
        varlink_call_unref(call);
}

static int method_slow(VarlinkCall *call, json_object *p, void *userdata) {
        sd_event *e = varlink_server_get_event(varlink_call_server(call));
        int64_t usec = json_object_get_int64(json_object_object_get(p, "usec"));
        int r;

        if (usec < 0)
                return varlink_call_error_invalid_parameter(call, "usec");
        sd_event_source *source = NULL;
        r = sd_event_add_time_relative(e, &source, CLOCK_MONOTONIC, (uint64_t) usec, 0, on_slow_timer,
                                       varlink_call_ref(call));
        if (r < 0) {
                varlink_call_unref(call);
                return r;
        }
        varlink_call_set_cancel_callback(call, on_slow_cancel, source);
        return 0;
}

static int method_fail(VarlinkCall *call, json_object *p, void *userdata) {
        json_object *e = json_object_new_object();
        int r;

        if (!e)
                return -ENOMEM;
        json_object_object_add(e, "name", json_object_get(json_object_object_get(p, "name")));
        r = varlink_call_error(call, "org.example.Test.Failed", e);
        json_object_put(e);
        return r;
}

static long rss_kib(void) {
        _cleanup_fclose_ FILE *f = fopen("/proc/self/status", "re");
        char line[256];
        long v = -1;

        while (f && fgets(line, sizeof line, f))
                if (sscanf(line, "VmRSS: %ld kB", &v) == 1)
                        break;
        return v;
}

static int method_stats(VarlinkCall *call, json_object *p, void *userdata) {
        json_object *reply = json_object_new_object();
        int r;

        if (!reply)
                return -ENOMEM;
        json_object_object_add(reply, "connections",
                               json_object_new_int64(varlink_server_n_connections(varlink_call_server(call))));
        json_object_object_add(reply, "rssKiB", json_object_new_int64(rss_kib()));
        r = varlink_call_reply(call, reply);
        json_object_put(reply);
        return r;
}

int test_interface_register(VarlinkServer *s) {
        static const VarlinkMethod methods[] = {
                { "Echo", method_echo, 0 },
                { "Count", method_count, VARLINK_METHOD_REQUIRES_MORE },
                { "Slow", method_slow, 0 },
                { "Fail", method_fail, 0 },
                { "Stats", method_stats, 0 },
        };
        return varlink_server_add_interface(s, test_interface_idl, methods, ELEMENTSOF(methods));
}
