/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "askpw-util.h"
#include "askpw.h"

int askpw_send_datagram(const char *socket_path, const void *buf, size_t size) {
        union {
                struct sockaddr sa;
                struct sockaddr_un un;
        } sa = { .un.sun_family = AF_UNIX };
        _cleanup_close_ int fd = -EBADF;

        if (!socket_path || socket_path[0] != '/' || strlen(socket_path) >= sizeof(sa.un.sun_path))
                return -EINVAL;
        strcpy(sa.un.sun_path, socket_path);

        fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        if (fd < 0)
                return -errno;
        if (sendto(fd, buf, size, MSG_NOSIGNAL, &sa.sa, sizeof(sa.un)) < 0)
                return -errno;
        return 0;
}

int askpw_send_answer(const char *socket_path, char * const *passwords) {
        _cleanup_erase_free_ char *buf = NULL;
        size_t n;
        int r;

        if (!passwords)
                return askpw_send_datagram(socket_path, "-", 1);

        r = askpw_reply_format(passwords, &buf, &n);
        if (r < 0)
                return r;
        return askpw_send_datagram(socket_path, buf, n);
}

bool askpw_ask_is_live(const AskpwAsk *a) {
        if (a->not_after > 0 && askpw_now_usec() > a->not_after)
                return false;
        if (a->pid > 0 && kill(a->pid, 0) < 0 && errno == ESRCH)
                return false;
        /* Unprivileged agents cannot answer root's sockets. */
        if (access(a->socket, W_OK) < 0)
                return false;
        return true;
}

/* Requests must come from root or from us: a file dropped by someone else
 * into a directory we watch could otherwise send our user's typing to an
 * arbitrary socket. */
static bool owner_ok(int dfd, const char *name, struct stat *st) {
        if (fstatat(dfd, name, st, AT_SYMLINK_NOFOLLOW) < 0)
                return false;
        return S_ISREG(st->st_mode) && (st->st_uid == 0 || st->st_uid == geteuid());
}

void askpw_ask_array_free(AskpwAsk **l, size_t n) {
        for (size_t i = 0; i < n; i++)
                askpw_ask_free(l[i]);
        free(l);
}

typedef struct Entry {
        AskpwAsk *ask;
        struct timespec mtime;
} Entry;

static int entry_compare(const void *a, const void *b) {
        const Entry *x = a, *y = b;

        if (x->mtime.tv_sec != y->mtime.tv_sec)
                return x->mtime.tv_sec < y->mtime.tv_sec ? -1 : 1;
        if (x->mtime.tv_nsec != y->mtime.tv_nsec)
                return x->mtime.tv_nsec < y->mtime.tv_nsec ? -1 : 1;
        return strcmp(x->ask->path, y->ask->path);
}

int askpw_list(const char *dir, AskpwAsk ***ret, size_t *ret_n) {
        _cleanup_closedir_ DIR *d = NULL;
        Entry *e = NULL;
        AskpwAsk **out;
        size_t n = 0, cap = 0;
        struct dirent *de;
        int r = 0;

        d = opendir(dir);
        if (!d)
                return -errno;

        while ((de = readdir(d))) {
                AskpwAsk *a;
                struct stat st;

                if (strncmp(de->d_name, "ask.", 4) != 0)
                        continue;
                if (!owner_ok(dirfd(d), de->d_name, &st))
                        continue;
                r = askpw_ask_load(dirfd(d), de->d_name, &a);
                if (r == -ENOMEM)
                        goto fail;
                if (r < 0)
                        continue; /* malformed or vanished: not ours to fix */
                if (!askpw_ask_is_live(a)) {
                        askpw_ask_free(a);
                        continue;
                }
                free(a->path);
                a->path = malloc(strlen(dir) + 1 + strlen(de->d_name) + 1);
                if (!a->path) {
                        askpw_ask_free(a);
                        r = -ENOMEM;
                        goto fail;
                }
                strcpy(stpcpy(stpcpy(a->path, dir), "/"), de->d_name);

                if (n == cap) {
                        Entry *ne = reallocarray(e, MAX(cap * 2, (size_t) 8), sizeof(Entry));
                        if (!ne) {
                                askpw_ask_free(a);
                                r = -ENOMEM;
                                goto fail;
                        }
                        e = ne;
                        cap = MAX(cap * 2, (size_t) 8);
                }
                e[n++] = (Entry) { .ask = a, .mtime = st.st_mtim };
        }

        if (n > 0)
                qsort(e, n, sizeof(Entry), entry_compare);
        out = calloc(n + 1, sizeof(AskpwAsk *));
        if (!out) {
                r = -ENOMEM;
                goto fail;
        }
        for (size_t i = 0; i < n; i++)
                out[i] = e[i].ask;
        free(e);
        *ret = out;
        *ret_n = n;
        return 0;

fail:
        for (size_t i = 0; i < n; i++)
                askpw_ask_free(e[i].ask);
        free(e);
        return r;
}
