/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* Runs one worker process: the request goes in on stdin (the text is
 * wiped as soon as it is written), the reply is collected from stdout
 * while sd-event watches the pipe and the child's exit.
 *
 * By default the worker is a fork of the daemon that runs homework_main()
 * without exec(): starting a program and linking its libraries cost more
 * than a directory home's whole activation. Before it reads anything the
 * child drops what it must not have: the daemon's signing key (freed,
 * which wipes it), every descriptor but the two pipes and stderr, the
 * blocked signals. With --homework=PATH the worker is that program
 * instead, exec()ed with the same protocol. */

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>

#include "homed-manager.h"
#include "homework-main.h"
#include "macro.h"

#define REPLY_MAX (4U * 1024U * 1024U)

struct Worker {
        Manager *manager;
        pid_t pid;
        int out_fd;
        sd_event_source *io, *child;
        char *buf;
        size_t size;
        bool eof, exited;
        bool reported;       /* cb was called */
        int status;          /* si_code/si_status summary: exit code, or -signal */
        worker_done_t cb;
        void *userdata;
};

Worker *worker_free(Worker *w) {
        if (!w)
                return NULL;
        sd_event_source_disable_unref(w->io);
        if (w->child && w->reported && !w->exited && sd_event_source_set_floating(w->child, true) >= 0) {
                /* It answered and closed its end: it is on its way out.
                 * The event loop reaps it (on_exit_child, no userdata). */
                (void) sd_event_source_set_userdata(w->child, NULL);
                w->child = NULL;
        }
        if (w->child) {
                /* Still running: the operation is abandoned. */
                if (!w->exited && w->pid > 0) {
                        (void) kill(w->pid, SIGKILL);
                        (void) waitpid(w->pid, NULL, 0);
                }
                sd_event_source_disable_unref(w->child);
        }
        if (w->out_fd >= 0)
                close(w->out_fd);
        free(w->buf);
        free(w);
        return NULL;
}

static void finish(Worker *w) {
        _cleanup_json_ json_object *reply = NULL;
        int r = 0;

        if (!w->eof || w->reported)
                return;
        if (w->size > 0 && record_json_parse(w->buf, w->size, REPLY_MAX, &reply, NULL) < 0)
                reply = NULL;
        /* A complete reply is the outcome, whether or not the process is
         * gone yet; without one, its exit status tells what happened. */
        if (!reply && !w->exited)
                return;
        if (!reply || (w->exited && w->status != 0 && w->status != 1)) {
                fprintf(stderr, "hearth-homed: worker %d ended without a reply (%s %d)\n", (int) w->pid,
                        w->status < 0 ? "signal" : "exit status", w->status < 0 ? -w->status : w->status);
                r = -ECHILD;
                json_putp(&reply);
        }
        w->reported = true;
        w->cb(w, r, reply, w->userdata);
}

static int on_output(sd_event_source *s, int fd, uint32_t revents, void *userdata) {
        Worker *w = userdata;

        for (;;) {
                if (w->size >= REPLY_MAX) {
                        w->eof = true;   /* oversized: treated as no reply */
                        w->size = 0;
                        break;
                }
                char *n = realloc(w->buf, w->size + 65536 + 1);
                if (!n)
                        return -ENOMEM;
                w->buf = n;
                ssize_t k = read(fd, w->buf + w->size, 65536);
                if (k < 0) {
                        if (errno == EINTR)
                                continue;
                        if (errno == EAGAIN)
                                return 0;
                        w->eof = true;
                        break;
                }
                if (k == 0) {
                        w->eof = true;
                        break;
                }
                w->size += (size_t) k;
        }
        w->io = sd_event_source_disable_unref(w->io);
        finish(w);
        return 0;
}

static int on_exit_child(sd_event_source *s, const siginfo_t *si, void *userdata) {
        Worker *w = userdata;

        if (!w) {
                /* A worker that had answered: nothing is waiting for it. */
                (void) sd_event_source_set_floating(s, false);
                sd_event_source_disable_unref(s);
                return 0;
        }
        w->exited = true;
        w->status = si->si_code == CLD_EXITED ? si->si_status : -si->si_status;
        finish(w);
        return 0;
}

/* In a forked worker, before it reads its request: its copy of the
 * daemon's memory holds the daemon's signing key and the secrets of every
 * other operation in flight or queued, none of which this worker may see.
 * OpenSSL clears the Ed25519 key when it frees it. */
static void forget_daemon_secrets(Manager *m) {
        EVP_PKEY_free(m->private_key);
        m->private_key = NULL;
        for (size_t i = 0; i < m->n_homes; i++)
                home_wipe_secrets(m->homes[i]);
}

int worker_start(Manager *m, json_object *request, worker_done_t cb, void *userdata, Worker **ret) {
        _cleanup_close_ int in_r = -EBADF, in_w = -EBADF, out_r = -EBADF, out_w = -EBADF;
        int p[2], r;

        if (pipe2(p, O_CLOEXEC) < 0)
                return -errno;
        in_r = p[0], in_w = p[1];
        if (pipe2(p, O_CLOEXEC) < 0)
                return -errno;
        out_r = p[0], out_w = p[1];

        Worker *w = calloc(1, sizeof(*w));
        if (!w)
                return -ENOMEM;
        w->manager = m;
        w->out_fd = -EBADF;
        w->cb = cb;
        w->userdata = userdata;

        /* Nothing buffered may be written twice, by the child too. */
        (void) fflush(NULL);
        w->pid = fork();
        if (w->pid < 0) {
                r = -errno;
                free(w);
                return r;
        }
        if (w->pid == 0) {
                sigset_t ss;
                sigemptyset(&ss);
                (void) sigprocmask(SIG_SETMASK, &ss, NULL);
                if (dup2(in_r, STDIN_FILENO) < 0 || dup2(out_w, STDOUT_FILENO) < 0)
                        _exit(127);
                if (m->homework) {
                        execl(m->homework, "hearth-homework", (char *) NULL);
                        fprintf(stderr, "hearth-homed: cannot execute %s: %m\n", m->homework);
                        _exit(127);
                }
                forget_daemon_secrets(m);
                if (close_range(STDERR_FILENO + 1, ~0U, 0) < 0)
                        _exit(127);
                /* ps and top show it as the worker it is. */
                (void) prctl(PR_SET_NAME, "hearth-homework");
                _exit(homework_main());
        }
        closep(&out_w);
        (void) close(TAKE_FD(in_r));

        /* The request holds the secret: written, then the text is wiped.
         * Requests stay far below the pipe buffer, and the worker reads
         * all of stdin before doing anything else. */
        size_t len;
        const char *text = json_object_to_json_string_length(request, JSON_C_TO_STRING_PLAIN, &len);
        r = text ? write_all(in_w, text, len) : -ENOMEM;
        if (text)
                explicit_bzero((char *) text, len);
        closep(&in_w);

        w->out_fd = TAKE_FD(out_r);
        (void) fcntl(w->out_fd, F_SETFL, O_NONBLOCK);
        if (r >= 0)
                r = sd_event_add_io(m->event, &w->io, w->out_fd, EPOLLIN, on_output, w);
        if (r >= 0)
                r = sd_event_add_child(m->event, &w->child, w->pid, WEXITED, on_exit_child, w);
        if (r < 0) {
                if (!w->child) {
                        (void) kill(w->pid, SIGKILL);
                        (void) waitpid(w->pid, NULL, 0);
                        w->exited = true;
                }
                worker_free(w);
                return r;
        }
        *ret = w;
        return 0;
}
