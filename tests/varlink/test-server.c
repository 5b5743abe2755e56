/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* Serves org.example.Test on a socket path for the integration tests.
 * Usage: test-server PATH [IDLE_TIMEOUT_USEC]
 * Prints "READY" once listening; SIGTERM/SIGINT exit cleanly (and remove
 * the socket). */

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "macro.h"
#include "test-interface.h"

static void sd_event_unrefp_local(sd_event **e) {
        if (*e)
                sd_event_unref(*e);
}

int main(int argc, char *argv[]) {
        _cleanup_(varlink_server_freep) VarlinkServer *s = NULL;
        _cleanup_(sd_event_unrefp_local) sd_event *e = NULL;
        struct rlimit rl;
        sigset_t ss;
        int r;

        if (argc < 2) {
                fprintf(stderr, "usage: %s PATH [IDLE_TIMEOUT_USEC]\n", argv[0]);
                return 2;
        }

        /* Room for more connections than the server accepts. */
        if (getrlimit(RLIMIT_NOFILE, &rl) >= 0) {
                rl.rlim_cur = rl.rlim_max;
                (void) setrlimit(RLIMIT_NOFILE, &rl);
        }

        sigemptyset(&ss);
        sigaddset(&ss, SIGTERM);
        sigaddset(&ss, SIGINT);
        sigprocmask(SIG_BLOCK, &ss, NULL);

        r = sd_event_default(&e);
        if (r >= 0)
                r = sd_event_add_signal(e, NULL, SIGTERM, NULL, NULL);
        if (r >= 0)
                r = sd_event_add_signal(e, NULL, SIGINT, NULL, NULL);
        if (r >= 0)
                r = varlink_server_new(&s);
        if (r >= 0)
                r = varlink_server_set_info(s, "Hearth", "hearth-test-server", NULL, "");
        if (r >= 0)
                r = test_interface_register(s);
        if (r >= 0 && argc > 2)
                varlink_server_set_idle_timeout(s, strtoull(argv[2], NULL, 10));
        if (r >= 0)
                r = varlink_server_listen_path(s, argv[1], 0666);
        if (r >= 0)
                r = varlink_server_attach_event(s, e, 0);
        if (r < 0) {
                fprintf(stderr, "test-server: setup failed: %s\n", strerror(-r));
                return 1;
        }

        printf("READY\n");
        fflush(stdout);

        r = sd_event_loop(e);
        if (r < 0) {
                fprintf(stderr, "test-server: event loop failed: %s\n", strerror(-r));
                return 1;
        }
        return 0;
}
