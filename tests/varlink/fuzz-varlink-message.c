/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* Bytes from a client, through a socketpair into the server's connection
 * parser and dispatcher, with org.example.Test registered. */

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

#include "macro.h"
#include "test-interface.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static sd_event *event;
static VarlinkServer *server;

static void drain(int fd) {
        char buf[65536];
        while (read(fd, buf, sizeof buf) > 0)
                ;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        int sv[2];

        if (size > 65536) /* stays within the socket buffer, one write */
                return 0;
        if (!server) {
                if (sd_event_new(&event) < 0 || varlink_server_new(&server) < 0 ||
                    test_interface_register(server) < 0 || varlink_server_attach_event(server, event, 0) < 0)
                        abort();
        }

        if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0, sv) < 0)
                abort();
        if (setsockopt(sv[1], SOL_SOCKET, SO_SNDBUF, &(int) { 256 * 1024 }, sizeof(int)) < 0)
                abort();
        if (varlink_server_add_connection(server, sv[0]) < 0)
                abort();
        if (size > 0 && write(sv[1], data, size) < 0)
                abort();
        (void) shutdown(sv[1], SHUT_WR);

        for (int i = 0; i < 64 && varlink_server_n_connections(server) > 0; i++) {
                if (sd_event_run(event, 0) < 0)
                        abort();
                drain(sv[1]);
        }
        /* Calls still open (slow timers, long streams) end with the peer. */
        close(sv[1]);
        for (int i = 0; i < 8 && varlink_server_n_connections(server) > 0; i++)
                if (sd_event_run(event, 0) < 0)
                        abort();
        if (varlink_server_n_connections(server) != 0)
                abort();
        return 0;
}
