/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* hearth-homework: the storage worker as a program of its own, for
 * hearth-homed --homework=PATH and for driving the worker protocol
 * directly (docs/design/homed-storage.md). */

#include <stdio.h>
#include <stdlib.h>

#include "homework-main.h"
#include "macro.h"

int main(int argc, char *argv[]) {
        if (argc > 1) {
                fprintf(stderr, "usage: %s < request.json\n"
                        "Runs one home storage operation described by the JSON request on stdin.\n", argv[0]);
                return streq(argv[1], "--help") ? EXIT_SUCCESS : 2;
        }
        return homework_main();
}
