/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* The io.systemd.AskPassword service. A binary of its own so that
 * hearth-ask-password, which only queries, does not load libsystemd and
 * json-c at every start; `hearth-ask-password --varlink` executes this. */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "askpw.h"
#include "macro.h"

int main(int argc, char *argv[]) {
        bool user = geteuid() != 0;
        int r;

        for (int i = 1; i < argc; i++) {
                if (streq(argv[i], "--user"))
                        user = true;
                else if (streq(argv[i], "--system"))
                        user = false;
                else if (streq(argv[i], "--varlink"))
                        continue;
                else {
                        fprintf(stderr, "usage: %s [--user|--system]\n", program_invocation_short_name);
                        return EXIT_FAILURE;
                }
        }

        r = askpw_varlink_serve(user);
        if (r < 0) {
                fprintf(stderr, "io.systemd.AskPassword service failed: %s\n", strerror(-r));
                return EXIT_FAILURE;
        }
        return EXIT_SUCCESS;
}
