/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/un.h>

#include "askpw-util.h"
#include "askpw.h"
#include "fileio.h"

AskpwAsk *askpw_ask_free(AskpwAsk *a) {
        if (!a)
                return NULL;
        free(a->path);
        free(a->socket);
        free(a->message);
        free(a->icon);
        free(a->id);
        free(a);
        return NULL;
}
DEFINE_TRIVIAL_CLEANUP_FUNC(AskpwAsk *, askpw_ask_free)

static bool is_blank(char c) {
        return c == ' ' || c == '\t' || c == '\r';
}

static char *strip(char *s) {
        size_t n;

        while (is_blank(*s))
                s++;
        n = strlen(s);
        while (n > 0 && is_blank(s[n - 1]))
                s[--n] = 0;
        return s;
}

static int set_string(char **field, const char *value) {
        char *c = strdup(value);
        if (!c)
                return -ENOMEM;
        free(*field);
        *field = c;
        return 0;
}

static int set_bool(bool *field, const char *value) {
        int b = askpw_parse_boolean(value);
        if (b < 0)
                return -EBADMSG;
        *field = b;
        return 0;
}

static int apply_key(AskpwAsk *a, const char *key, const char *value) {
        uint64_t u;

        if (streq(key, "PID")) {
                if (askpw_parse_u64(value, &u) < 0 || u > INT32_MAX)
                        return -EBADMSG;
                a->pid = (pid_t) u;
                return 0;
        }
        if (streq(key, "Socket"))
                return set_string(&a->socket, value);
        if (streq(key, "AcceptCached"))
                return set_bool(&a->accept_cached, value);
        if (streq(key, "Echo"))
                return set_bool(&a->echo, value);
        if (streq(key, "Silent"))
                return set_bool(&a->silent, value);
        if (streq(key, "NotAfter")) {
                if (askpw_parse_u64(value, &u) < 0)
                        return -EBADMSG;
                a->not_after = u;
                return 0;
        }
        if (streq(key, "Message"))
                return set_string(&a->message, value);
        if (streq(key, "Icon"))
                return set_string(&a->icon, value);
        if (streq(key, "Id"))
                return set_string(&a->id, value);
        /* Newer writers may add keys: not an error. */
        return 0;
}

int askpw_ask_parse(const char *text, size_t size, AskpwAsk **ret) {
        _cleanup_(askpw_ask_freep) AskpwAsk *a = NULL;
        _cleanup_free_ char *copy = NULL;
        bool in_ask = false, seen_ask = false;
        char *line, *next;
        int r;

        if (size > ASKPW_ASK_FILE_MAX)
                return -E2BIG;
        if (memchr(text, 0, size))
                return -EBADMSG;

        copy = malloc(size + 1);
        if (!copy)
                return -ENOMEM;
        memcpy(copy, text, size);
        copy[size] = 0;

        a = calloc(1, sizeof(*a));
        if (!a)
                return -ENOMEM;

        for (line = copy; line; line = next) {
                char *l, *eq;

                next = strchr(line, '\n');
                if (next)
                        *next++ = 0;

                l = strip(line);
                if (l[0] == 0 || l[0] == '#' || l[0] == ';')
                        continue;

                if (l[0] == '[') {
                        size_t n = strlen(l);
                        if (l[n - 1] != ']')
                                return -EBADMSG;
                        l[n - 1] = 0;
                        in_ask = streq(l + 1, "Ask");
                        seen_ask = seen_ask || in_ask;
                        continue;
                }

                eq = strchr(l, '=');
                if (!eq)
                        return -EBADMSG;
                if (!in_ask) {
                        /* Assignments before any section are malformed;
                         * those in other sections belong to someone else. */
                        if (!seen_ask)
                                return -EBADMSG;
                        continue;
                }
                *eq = 0;
                r = apply_key(a, strip(l), strip(eq + 1));
                if (r < 0)
                        return r;
        }

        if (!seen_ask || !a->socket || a->socket[0] != '/')
                return -EBADMSG;
        if (strlen(a->socket) >= sizeof(((struct sockaddr_un *) NULL)->sun_path))
                return -EBADMSG;

        *ret = TAKE_PTR(a);
        return 0;
}

int askpw_ask_load(int dir_fd, const char *name, AskpwAsk **ret) {
        _cleanup_free_ char *buf = NULL;
        AskpwAsk *a;
        size_t n = 0;
        int r;

        r = read_full_file_at(dir_fd, name, O_NOFOLLOW | O_NONBLOCK, ASKPW_ASK_FILE_MAX, READ_FULL_REGULAR, &buf, &n);
        if (r == -EBADFD)
                return -EBADF;
        if (r == -EFBIG)
                return -E2BIG;
        if (r < 0)
                return r;

        r = askpw_ask_parse(buf, n, &a);
        if (r < 0)
                return r;
        a->path = strdup(name);
        if (!a->path) {
                askpw_ask_free(a);
                return -ENOMEM;
        }
        *ret = a;
        return 0;
}

static bool has_newline(const char *s) {
        return s && strpbrk(s, "\n");
}

int askpw_ask_format(const AskpwAsk *a, char **ret) {
        _cleanup_free_ char *buf = NULL;
        size_t size = 0;
        FILE *f;

        if (!a->socket || a->socket[0] != '/' ||
            has_newline(a->socket) || has_newline(a->message) ||
            has_newline(a->icon) || has_newline(a->id))
                return -EINVAL;

        f = open_memstream(&buf, &size);
        if (!f)
                return -ENOMEM;

        /* Field order as written by systemd 252; agents do not care, but
         * tests compare files byte for byte with the real tool's. */
        fprintf(f, "[Ask]\nPID=%u\nSocket=%s\nAcceptCached=%i\nEcho=%i\nNotAfter=%" PRIu64 "\nSilent=%i\n",
                (unsigned) a->pid, a->socket, a->accept_cached, a->echo, a->not_after, a->silent);
        if (a->message)
                fprintf(f, "Message=%s\n", a->message);
        if (a->icon)
                fprintf(f, "Icon=%s\n", a->icon);
        if (a->id)
                fprintf(f, "Id=%s\n", a->id);

        if (fclose(f) != 0 || !buf)
                return -ENOMEM;
        *ret = TAKE_PTR(buf);
        return 0;
}
