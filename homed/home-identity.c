/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <sys/stat.h>

#include "fileio.h"
#include "home-identity.h"
#include "json-util.h"
#include "json-canonical.h"
#include "macro.h"
#include "record-section.h"

#define IDENTITY_MAX (4U * 1024 * 1024)

int home_identity_write(int home_fd, json_object *record, uid_t uid, gid_t gid) {
        _cleanup_(json_putp) json_object *embedded = NULL;
        _cleanup_free_ char *text = NULL;
        _cleanup_close_ int fd = -EBADF;
        char tmp[64];
        size_t size;
        int r;

        if (!json_object_is_type(record, json_type_object))
                return -EBADMSG;
        r = record_json_filter_sections(record, RECORD_EMBEDDED, &embedded);
        if (r < 0)
                return r;
        r = json_pretty_format(embedded, &text, &size);
        if (r < 0)
                return r;

        snprintf(tmp, sizeof tmp, ".identity.%jd.tmp", (intmax_t) getpid());
        (void) unlinkat(home_fd, tmp, 0);
        fd = openat(home_fd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
        if (fd < 0)
                return -errno;
        r = write_all(fd, text, size);
        if (r < 0)
                goto fail;
        if (fchown(fd, uid, gid) < 0 || fchmod(fd, 0600) < 0 || fsync(fd) < 0 ||
            renameat(home_fd, tmp, home_fd, ".identity") < 0) {
                r = -errno;
                goto fail;
        }
        (void) fsync(home_fd);
        return 0;
fail:
        (void) unlinkat(home_fd, tmp, 0);
        return r;
}

int home_identity_read(int home_fd, json_object **ret) {
        _cleanup_free_ char *buf = NULL;
        json_tokener *tok;
        json_object *v;
        size_t n;
        int r;

        r = read_full_file_at(home_fd, ".identity", O_NOFOLLOW, IDENTITY_MAX, READ_FULL_REGULAR, &buf, &n);
        if (r == -EBADFD)
                return -EBADMSG;        /* not a regular file: repaired like a damaged one */
        if (r < 0)
                return r;
        if (n > INT_MAX)
                return -EFBIG;
        tok = json_tokener_new();
        if (!tok)
                return -ENOMEM;
        v = json_tokener_parse_ex(tok, buf, (int) n);
        if (json_tokener_get_error(tok) != json_tokener_success || !json_object_is_type(v, json_type_object)) {
                json_tokener_free(tok);
                json_object_put(v);
                return -EBADMSG;
        }
        json_tokener_free(tok);
        *ret = v;
        return 0;
}

static const char *str_field(json_object *o, const char *k) {
        json_object *f;
        return json_object_object_get_ex(o, k, &f) && json_object_is_type(f, json_type_string)
                ? json_object_get_string(f) : NULL;
}

static bool last_change(json_object *o, uint64_t *ret) {
        json_object *f;
        if (!json_object_object_get_ex(o, "lastChangeUSec", &f) || !json_object_is_type(f, json_type_int))
                return false;
        *ret = json_object_get_uint64(f);
        return true;
}

int home_identity_reconcile(json_object *host, json_object *embedded,
                            json_object **ret_winner, bool *ret_rewrite) {
        _cleanup_(json_putp) json_object *a = NULL, *b = NULL;
        uint64_t th = 0, te = 0;
        bool have_h, have_e;
        int r;

        if (!str_field(host, "userName") || !streq_ptr(str_field(host, "userName"), str_field(embedded, "userName")) ||
            !streq_ptr(str_field(host, "realm"), str_field(embedded, "realm")))
                return -EREMCHG;

        have_h = last_change(host, &th);
        have_e = last_change(embedded, &te);
        if (have_e && (!have_h || te > th)) {
                json_object *winner = NULL, *binding;
                if (json_object_deep_copy(embedded, &winner, NULL) < 0)
                        return -ENOMEM;
                json_object_object_del(winner, "binding");
                if (json_object_object_get_ex(host, "binding", &binding) &&
                    json_object_object_add(winner, "binding", json_object_get(binding)) < 0) {
                        json_object_put(winner);
                        return -ENOMEM;
                }
                *ret_winner = winner;
                *ret_rewrite = false;
                return 0;
        }

        r = record_json_filter_sections(host, RECORD_EMBEDDED, &a);
        if (r < 0)
                return r;
        r = record_json_filter_sections(embedded, RECORD_EMBEDDED, &b);
        if (r < 0)
                return r;
        *ret_rewrite = !json_object_equal(a, b);
        *ret_winner = json_object_get(host);
        return 0;
}
