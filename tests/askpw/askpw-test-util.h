/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Helpers for the askpw tests: a private ask directory and a way to wait
 * for a request to appear in it. */

#include <dirent.h>
#include <sys/stat.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "askpw.h"
#include "macro.h"

static inline char *test_make_dir(void) {
        char t[] = "/tmp/askpw-test-XXXXXX";
        char *d;

        if (!mkdtemp(t))
                return NULL;
        (void) chmod(t, 0755); /* like the real directory: others may traverse */
        d = strdup(t);
        setenv("HEARTH_ASK_PASSWORD_DIR", d, 1);
        return d;
}

/* Number of entries other than . and .. */
static inline int test_dir_entries(const char *dir) {
        DIR *d = opendir(dir);
        struct dirent *de;
        int n = 0;

        if (!d)
                return -1;
        while ((de = readdir(d)))
                if (!streq(de->d_name, ".") && !streq(de->d_name, ".."))
                        n++;
        closedir(d);
        return n;
}

static inline void test_remove_dir(char *dir) {
        DIR *d = opendir(dir);
        struct dirent *de;

        if (d) {
                while ((de = readdir(d)))
                        if (!streq(de->d_name, ".") && !streq(de->d_name, ".."))
                                unlinkat(dirfd(d), de->d_name, 0);
                closedir(d);
        }
        rmdir(dir);
        free(dir);
}

/* Waits up to 5 s for an ask.* file and parses it. */
static inline AskpwAsk *test_wait_ask(const char *dir) {
        for (int i = 0; i < 5000; i++) {
                AskpwAsk **l = NULL;
                size_t n = 0;

                if (askpw_list(dir, &l, &n) >= 0 && n > 0) {
                        AskpwAsk *a = l[0];
                        l[0] = NULL;
                        askpw_ask_array_free(l, n);
                        return a;
                }
                askpw_ask_array_free(l, n);
                usleep(1000);
        }
        return NULL;
}
