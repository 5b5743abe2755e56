/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "ctl-util.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "fileio.h"
#include "json-canonical.h"
#include "record-json.h"

int read_input(const char *path, size_t size_max, char **ret_text, size_t *ret_size) {
        _cleanup_close_ int fd_owned = -EBADF;
        int fd = STDIN_FILENO, r;

        if (!streq(path, "-")) {
                fd = fd_owned = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
                if (fd < 0)
                        return log_error_errno(-errno, "cannot open %s", path);
        }

        /* Input may be a password: the buffer is wiped when freed. */
        r = read_full_fd(fd, size_max, READ_FULL_SECURE, ret_text, ret_size);
        if (r == -EFBIG) {
                log_error("%s: larger than %zu bytes", input_name(path), size_max);
                return EXIT_FAIL;
        }
        if (r < 0)
                return log_error_errno(r, "cannot read %s", input_name(path));
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
