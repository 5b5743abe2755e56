/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "askpw-util.h"
#include "askpw.h"

/* Larger than systemd's LINE_MAX buffer so long passphrases fit; a
 * truncated datagram is ignored rather than cut. */
#define REPLY_MAX (16U * 1024U)

/* Everything one query creates, torn down in one place so every exit path
 * (answer, timeout, cancel, signal, error) removes the files. */
typedef struct Query {
        char *dir;
        char *socket_path;
        char *ask_path;
        char *tmp_path;
        int socket_fd;
        int signal_fd;
        int notify_fd;
        sigset_t old_mask;
        bool mask_set;
} Query;

static void query_done(Query *q) {
        if (q->tmp_path)
                (void) unlink(q->tmp_path);
        if (q->ask_path)
                (void) unlink(q->ask_path);
        if (q->socket_path)
                (void) unlink(q->socket_path);
        closep(&q->socket_fd);
        closep(&q->signal_fd);
        closep(&q->notify_fd);
        free(q->dir);
        free(q->socket_path);
        free(q->ask_path);
        free(q->tmp_path);
        /* Last: a SIGINT/SIGTERM that ended the wait is delivered now,
         * after the files are gone. */
        if (q->mask_set)
                (void) pthread_sigmask(SIG_SETMASK, &q->old_mask, NULL);
}

static int query_socket(Query *q) {
        union {
                struct sockaddr sa;
                struct sockaddr_un un;
        } sa = { .un.sun_family = AF_UNIX };
        uint64_t rnd;
        mode_t old_umask;
        int one = 1, r;

        q->socket_fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
        if (q->socket_fd < 0)
                return -errno;

        r = askpw_random_u64(&rnd);
        if (r < 0)
                return r;
        if (asprintf(&q->socket_path, "%s/sck.%016" PRIx64, q->dir, rnd) < 0) {
                q->socket_path = NULL;
                return -ENOMEM;
        }
        if (strlen(q->socket_path) >= sizeof(sa.un.sun_path))
                return -ENAMETOOLONG;
        strcpy(sa.un.sun_path, q->socket_path);

        /* The socket is created 0600 so only root and our own uid can send
         * to it at all; the credential check below is the second lock. */
        old_umask = umask(0177);
        r = bind(q->socket_fd, &sa.sa, sizeof(sa.un));
        umask(old_umask);
        if (r < 0) {
                r = -errno;
                free(q->socket_path);
                q->socket_path = NULL; /* not ours: leave it */
                return r;
        }

        if (setsockopt(q->socket_fd, SOL_SOCKET, SO_PASSCRED, &one, sizeof(one)) < 0)
                return -errno;
        return 0;
}

static int write_all(int fd, const char *s, size_t n) {
        while (n > 0) {
                ssize_t k = write(fd, s, n);
                if (k < 0) {
                        if (errno == EINTR)
                                continue;
                        return -errno;
                }
                s += k;
                n -= (size_t) k;
        }
        return 0;
}

static int query_file(Query *q, const AskpwRequest *req, AskpwFlags flags) {
        _cleanup_free_ char *text = NULL;
        _cleanup_close_ int fd = -EBADF;
        AskpwAsk a = {
                .pid = getpid(),
                .socket = q->socket_path,
                .accept_cached = flags & ASKPW_ACCEPT_CACHED,
                .echo = req->echo == ASKPW_ECHO_ON,
                .silent = req->echo == ASKPW_ECHO_OFF,
                .not_after = req->until == UINT64_MAX ? 0 : req->until,
                .message = (char *) req->message,
                .icon = (char *) req->icon,
                .id = (char *) req->id,
        };
        int r;

        r = askpw_ask_format(&a, &text);
        if (r < 0)
                return r;

        if (asprintf(&q->tmp_path, "%s/tmp.XXXXXX", q->dir) < 0) {
                q->tmp_path = NULL;
                return -ENOMEM;
        }
        fd = mkostemp(q->tmp_path, O_CLOEXEC);
        if (fd < 0) {
                r = -errno;
                free(q->tmp_path);
                q->tmp_path = NULL;
                return r;
        }
        if (fchmod(fd, 0644) < 0)
                return -errno;
        r = write_all(fd, text, strlen(text));
        if (r < 0)
                return r;
        if (close(TAKE_FD(fd)) < 0)
                return -errno;

        /* Agents react to IN_MOVED_TO: the file appears complete. */
        for (unsigned attempt = 0;; attempt++) {
                uint64_t rnd;

                r = askpw_random_u64(&rnd);
                if (r < 0)
                        return r;
                free(q->ask_path);
                if (asprintf(&q->ask_path, "%s/ask.%" PRIu64, q->dir, rnd) < 0) {
                        q->ask_path = NULL;
                        return -ENOMEM;
                }
                if (renameat2(AT_FDCWD, q->tmp_path, AT_FDCWD, q->ask_path, RENAME_NOREPLACE) >= 0)
                        break;
                r = -errno;
                free(q->ask_path);
                q->ask_path = NULL;
                if (r != -EEXIST || attempt > 16)
                        return r;
        }
        free(q->tmp_path);
        q->tmp_path = NULL;
        return 0;
}

static void close_passed_fds(struct msghdr *mh) {
        for (struct cmsghdr *c = CMSG_FIRSTHDR(mh); c; c = CMSG_NXTHDR(mh, c))
                if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS) {
                        int *fds = (int *) CMSG_DATA(c);
                        size_t n = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
                        for (size_t i = 0; i < n; i++)
                                (void) close(fds[i]);
                }
}

/* Returns 1 with the list, 0 for a datagram to ignore, <0 on error or "-". */
static int query_receive(Query *q, char ***ret) {
        _cleanup_erase_free_ char *buf = NULL;
        union {
                struct cmsghdr h;
                uint8_t buf[CMSG_SPACE(sizeof(struct ucred)) + CMSG_SPACE(sizeof(int) * 16)];
        } control = {};
        struct iovec iov;
        struct msghdr mh = {
                .msg_iov = &iov,
                .msg_iovlen = 1,
                .msg_control = &control,
                .msg_controllen = sizeof(control),
        };
        const struct ucred *cred = NULL;
        ssize_t n;
        int r;

        buf = malloc(REPLY_MAX + 1);
        if (!buf)
                return -ENOMEM;
        iov = (struct iovec) { .iov_base = buf, .iov_len = REPLY_MAX + 1 };

        n = recvmsg(q->socket_fd, &mh, MSG_DONTWAIT | MSG_CMSG_CLOEXEC);
        if (n < 0)
                return errno == EAGAIN || errno == EINTR ? 0 : -errno;
        close_passed_fds(&mh);

        if (mh.msg_flags & (MSG_TRUNC | MSG_CTRUNC) || (size_t) n > REPLY_MAX)
                return 0;

        for (struct cmsghdr *c = CMSG_FIRSTHDR(&mh); c; c = CMSG_NXTHDR(&mh, c))
                if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_CREDENTIALS &&
                    c->cmsg_len == CMSG_LEN(sizeof(struct ucred)))
                        cred = (const struct ucred *) CMSG_DATA(c);
        if (!cred || (cred->uid != 0 && cred->uid != getuid()))
                return 0;

        r = askpw_reply_parse(buf, (size_t) n, ret);
        if (r == -EBADMSG)
                return 0;
        return r < 0 ? r : 1;
}

static int query_wait(Query *q, const AskpwRequest *req, AskpwFlags flags, char ***ret) {
        for (;;) {
                struct pollfd p[4] = {
                        { .fd = q->socket_fd, .events = POLLIN },
                        { .fd = q->signal_fd, .events = POLLIN },
                        { .fd = q->notify_fd, .events = POLLIN },
                        { .fd = req->hup_fd, .events = POLLRDHUP },
                };
                int timeout = -1, r;

                if (req->until > 0 && req->until != UINT64_MAX) {
                        uint64_t now = askpw_now_usec();
                        if (now >= req->until)
                                return -ETIME;
                        timeout = (int) MIN((req->until - now + 999) / 1000, (uint64_t) INT32_MAX);
                }

                /* Negative fds are skipped by poll(). */
                if (poll(p, ELEMENTSOF(p), timeout) < 0) {
                        if (errno == EINTR)
                                continue;
                        return -errno;
                }

                if (p[3].revents & (POLLHUP | POLLERR | POLLRDHUP | POLLNVAL))
                        return -ECONNRESET;
                if (p[1].revents)
                        return -EINTR;

                if (p[2].revents) {
                        char drain[4096];
                        while (read(q->notify_fd, drain, sizeof(drain)) > 0)
                                ;
                        r = askpw_keyring_read(req->keyname, ret);
                        if (r >= 0)
                                return 0;
                        if (r == -ENOMEM)
                                return r;
                }

                if (p[0].revents) {
                        r = query_receive(q, ret);
                        if (r != 0)
                                return r < 0 ? r : 0;
                }
        }
}

int askpw_query_agent(const AskpwRequest *req, AskpwFlags flags, char ***ret) {
        _cleanup_strv_free_erase_ char **l = NULL;
        Query q = { .socket_fd = -EBADF, .signal_fd = -EBADF, .notify_fd = -EBADF };
        bool cache = (flags & ASKPW_ACCEPT_CACHED) && !isempty(req->keyname);
        sigset_t mask;
        int r;

        if (flags & ASKPW_NO_AGENT)
                return -EUNATCH;
        if (req->echo < 0 || req->echo >= _ASKPW_ECHO_MAX)
                return -EINVAL;

        if (cache) {
                r = askpw_keyring_read(req->keyname, &l);
                if (r >= 0) {
                        *ret = TAKE_PTR(l);
                        return 0;
                }
                if (r == -ENOMEM)
                        return r;
        }

        r = askpw_directory_make(flags & ASKPW_USER, &q.dir);
        if (r == -ENXIO)
                return -EUNATCH;
        if (r < 0)
                return r;

        if (cache) {
                q.notify_fd = inotify_init1(IN_CLOEXEC | IN_NONBLOCK);
                if (q.notify_fd < 0) {
                        r = -errno;
                        goto finish;
                }
                if (inotify_add_watch(q.notify_fd, q.dir, IN_ATTRIB | IN_ONLYDIR) < 0) {
                        r = -errno;
                        goto finish;
                }
        }

        sigemptyset(&mask);
        sigaddset(&mask, SIGINT);
        sigaddset(&mask, SIGTERM);
        r = -pthread_sigmask(SIG_BLOCK, &mask, &q.old_mask);
        if (r < 0)
                goto finish;
        q.mask_set = true;
        q.signal_fd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);
        if (q.signal_fd < 0) {
                r = -errno;
                goto finish;
        }

        r = query_socket(&q);
        if (r < 0)
                goto finish;
        r = query_file(&q, req, flags);
        if (r < 0)
                goto finish;

        r = query_wait(&q, req, flags, &l);
        if (r < 0)
                goto finish;

        if ((flags & ASKPW_PUSH_CACHE) && !isempty(req->keyname))
                (void) askpw_keyring_push(req->keyname, l, q.dir);

        *ret = TAKE_PTR(l);
        r = 0;
finish:
        query_done(&q);
        return r;
}
