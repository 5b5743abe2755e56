/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "ctl-util.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "json-canonical.h"
#include "record-json.h"

int read_input(const char *path, size_t size_max, char **ret_text, size_t *ret_size) {
        _cleanup_close_ int fd_owned = -EBADF;
        _cleanup_erase_free_ char *buf = NULL;
        size_t n = 0, allocated = 0;
        int fd;

        if (streq(path, "-"))
                fd = STDIN_FILENO;
        else {
                fd = fd_owned = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
                if (fd < 0)
                        return log_error_errno(-errno, "cannot open %s", path);
        }

        for (;;) {
                ssize_t l;

                if (n + 1 >= allocated) {
                        /* Grow by copying, so no unwiped copy is left behind. */
                        size_t na = allocated ? allocated * 2 : 4096;
                        char *nb;

                        if (allocated > size_max + 1) {
                                log_error("%s: larger than %zu bytes", input_name(path), size_max);
                                return EXIT_FAIL;
                        }
                        nb = malloc(na);
                        if (!nb)
                                return log_error_errno(-ENOMEM, "reading %s", input_name(path));
                        if (buf) {
                                memcpy(nb, buf, n);
                                explicit_bzero(buf, allocated);
                                free(buf);
                        }
                        buf = nb;
                        allocated = na;
                }

                l = read(fd, buf + n, allocated - n - 1);
                if (l < 0) {
                        if (errno == EINTR)
                                continue;
                        return log_error_errno(-errno, "cannot read %s", input_name(path));
                }
                if (l == 0)
                        break;
                n += (size_t) l;
                if (n > size_max) {
                        log_error("%s: larger than %zu bytes", input_name(path), size_max);
                        return EXIT_FAIL;
                }
        }

        buf[n] = 0;
        *ret_size = n;
        *ret_text = TAKE_PTR(buf);
        return 0;
}

int read_json_object(const char *path, json_object **ret) {
        _cleanup_erase_free_ char *text = NULL;
        RecordError err = {};
        size_t n = 0;
        int r;

        r = read_input(path, RECORD_JSON_SIZE_MAX_DEFAULT, &text, &n);
        if (r != 0)
                return r;

        r = record_json_parse(text, n, 0, ret, &err);
        if (r < 0) {
                log_error("%s: %s", input_name(path), err.message[0] ? err.message : strerror(-r));
                return EXIT_FAIL;
        }
        return 0;
}

int print_json(json_object *v, JsonMode mode) {
        _cleanup_erase_free_ char *s = NULL;
        size_t n = 0;
        int r;

        if (mode == JSON_OFF)
                return 0;

        r = mode == JSON_SHORT ? json_canonical_format(v, &s, &n) : json_pretty_format(v, &s, &n);
        if (r < 0)
                return log_error_errno(r, "cannot format JSON");

        if (fwrite(s, 1, n, stdout) != n || (mode == JSON_SHORT && fputc('\n', stdout) == EOF) ||
            fflush(stdout) != 0)
                return log_error_errno(-EIO, "cannot write output");
        return 0;
}
