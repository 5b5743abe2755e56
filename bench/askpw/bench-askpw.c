/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* Round trip querier -> agent -> answer, timed N times.
 *   bench-askpw lib N            askpw_query_agent() in this process
 *   bench-askpw spawn N CMD...   run CMD (a querier tool) N times
 * Prints "median_us p99_us". Needs an agent answering in the ask
 * directory (run.sh starts one). */

#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "askpw-util.h"
#include "askpw.h"

extern char **environ;

static int cmp_u64(const void *a, const void *b) {
        uint64_t x = *(const uint64_t *) a, y = *(const uint64_t *) b;
        return x < y ? -1 : x > y;
}

static int one_lib(void) {
        AskpwRequest req = ASKPW_REQUEST_INIT;
        char **l = NULL;
        int r;

        req.message = "Bench:";
        req.until = askpw_now_usec() + 10 * USEC_PER_SEC;
        r = askpw_query_agent(&req, 0, &l);
        strv_free_erase(l);
        return r;
}

static int one_spawn(char **argv) {
        posix_spawn_file_actions_t fa;
        int status, r;
        pid_t pid;

        posix_spawn_file_actions_init(&fa);
        posix_spawn_file_actions_addopen(&fa, STDOUT_FILENO, "/dev/null", O_WRONLY, 0);
        posix_spawn_file_actions_addopen(&fa, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
        r = posix_spawn(&pid, argv[0], &fa, NULL, argv, environ);
        posix_spawn_file_actions_destroy(&fa);
        if (r != 0)
                return -r;
        if (waitpid(pid, &status, 0) < 0)
                return -errno;
        return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -EIO;
}

int main(int argc, char *argv[]) {
        uint64_t *t;
        int n, r;

        if (argc < 3 || (strcmp(argv[1], "lib") != 0 && (strcmp(argv[1], "spawn") != 0 || argc < 4))) {
                fprintf(stderr, "usage: %s lib N | spawn N CMD [ARGS...]\n", argv[0]);
                return 2;
        }
        n = atoi(argv[2]);
        if (n <= 0)
                return 2;
        t = calloc((size_t) n, sizeof(uint64_t));
        if (!t)
                return 1;

        for (int i = 0; i < n; i++) {
                uint64_t t0 = askpw_now_usec();
                r = argv[1][0] == 'l' ? one_lib() : one_spawn(argv + 3);
                if (r < 0) {
                        fprintf(stderr, "run %d failed: %s\n", i, strerror(-r));
                        free(t);
                        return 1;
                }
                t[i] = askpw_now_usec() - t0;
        }
        qsort(t, (size_t) n, sizeof(uint64_t), cmp_u64);
        printf("%llu %llu\n", (unsigned long long) t[n / 2], (unsigned long long) t[(n * 99) / 100 < n ? (n * 99) / 100 : n - 1]);
        free(t);
        return 0;
}
