/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <systemd/sd-event.h>

#include "askpw-util.h"
#include "askpw.h"

/* A request already answered, cancelled, skipped or withdrawn: remembered
 * by file identity so it is not shown again while its file lingers. */
typedef struct Handled {
        char *path;
        dev_t dev;
        ino_t ino;
} Handled;

struct AskpwAgent {
        sd_event *event;
        AskpwAgentFlags flags;

        char **dirs;
        int inotify_fd;
        sd_event_source *inotify_source;
        sd_event_source *rescan_source;

        AskpwAsk *current;
        dev_t current_dev;
        ino_t current_ino;
        sd_event_source *deadline_source;
        sd_event_source *pid_source;
        int pid_fd;

        Handled *handled;
        size_t n_handled_set;
        unsigned n_handled;

        AskpwAgentRequestHandler on_request;
        AskpwAgentWithdrawHandler on_withdraw;
        void *userdata;
        bool started;
};

int askpw_agent_new(sd_event *event, AskpwAgentFlags flags, AskpwAgent **ret) {
        AskpwAgent *a;

        if (!event)
                return -EINVAL;
        a = calloc(1, sizeof(*a));
        if (!a)
                return -ENOMEM;
        a->dirs = calloc(1, sizeof(char *));
        if (!a->dirs) {
                free(a);
                return -ENOMEM;
        }
        a->event = sd_event_ref(event);
        a->flags = flags;
        a->inotify_fd = -EBADF;
        a->pid_fd = -EBADF;
        *ret = a;
        return 0;
}

static void drop_current(AskpwAgent *a) {
        a->deadline_source = sd_event_source_disable_unref(a->deadline_source);
        a->pid_source = sd_event_source_disable_unref(a->pid_source);
        closep(&a->pid_fd);
        a->current = askpw_ask_free(a->current);
}

AskpwAgent *askpw_agent_free(AskpwAgent *a) {
        if (!a)
                return NULL;
        drop_current(a);
        a->inotify_source = sd_event_source_disable_unref(a->inotify_source);
        a->rescan_source = sd_event_source_disable_unref(a->rescan_source);
        closep(&a->inotify_fd);
        for (size_t i = 0; i < a->n_handled_set; i++)
                free(a->handled[i].path);
        free(a->handled);
        strv_free(a->dirs);
        sd_event_unref(a->event);
        free(a);
        return NULL;
}

void askpw_agent_set_handlers(AskpwAgent *a, AskpwAgentRequestHandler on_request,
                              AskpwAgentWithdrawHandler on_withdraw, void *userdata) {
        a->on_request = on_request;
        a->on_withdraw = on_withdraw;
        a->userdata = userdata;
}

unsigned askpw_agent_handled(const AskpwAgent *a) {
        return a->n_handled;
}

int askpw_agent_add_directory(AskpwAgent *a, const char *path) {
        struct stat st;
        int r;

        if (a->started)
                return -EBUSY;
        if (!path || path[0] != '/')
                return -EINVAL;
        if (mkdir(path, 0755) < 0 && errno != EEXIST)
                return -errno;
        if (stat(path, &st) < 0)
                return -errno;
        if (!S_ISDIR(st.st_mode))
                return -ENOTDIR;
        r = askpw_strv_append(&a->dirs, path);
        return r < 0 ? r : 0;
}

static void schedule_rescan(AskpwAgent *a) {
        if (a->rescan_source)
                (void) sd_event_source_set_enabled(a->rescan_source, SD_EVENT_ONESHOT);
}

static int remember(AskpwAgent *a, const char *path, dev_t dev, ino_t ino) {
        Handled *n;
        char *p;

        p = strdup(path);
        if (!p)
                return -ENOMEM;
        n = reallocarray(a->handled, a->n_handled_set + 1, sizeof(Handled));
        if (!n) {
                free(p);
                return -ENOMEM;
        }
        a->handled = n;
        a->handled[a->n_handled_set++] = (Handled) { .path = p, .dev = dev, .ino = ino };
        return 0;
}

static bool is_handled(AskpwAgent *a, const char *path, const struct stat *st) {
        for (size_t i = 0; i < a->n_handled_set; i++)
                if (a->handled[i].dev == st->st_dev && a->handled[i].ino == st->st_ino &&
                    streq(a->handled[i].path, path))
                        return true;
        return false;
}

/* Forgets entries whose file is gone, so the set stays small. */
static void prune_handled(AskpwAgent *a) {
        size_t j = 0;

        for (size_t i = 0; i < a->n_handled_set; i++) {
                struct stat st;
                if (lstat(a->handled[i].path, &st) >= 0 && st.st_ino == a->handled[i].ino &&
                    st.st_dev == a->handled[i].dev) {
                        a->handled[j++] = a->handled[i];
                        continue;
                }
                free(a->handled[i].path);
        }
        a->n_handled_set = j;
}

static void finish_current(AskpwAgent *a) {
        if (!a->current)
                return;
        (void) remember(a, a->current->path, a->current_dev, a->current_ino);
        a->n_handled++;
        drop_current(a);
        schedule_rescan(a);
}

static void withdraw_current(AskpwAgent *a) {
        if (!a->current)
                return;
        if (a->on_withdraw)
                a->on_withdraw(a, a->current, a->userdata);
        /* The handler may have answered meanwhile. */
        if (!a->current)
                return;
        (void) remember(a, a->current->path, a->current_dev, a->current_ino);
        drop_current(a);
        schedule_rescan(a);
}

static int on_deadline(sd_event_source *s, uint64_t usec, void *userdata) {
        withdraw_current(userdata);
        return 0;
}

static int on_pid_exit(sd_event_source *s, int fd, uint32_t revents, void *userdata) {
        withdraw_current(userdata);
        return 0;
}

static bool current_still_there(AskpwAgent *a) {
        struct stat st;

        if (lstat(a->current->path, &st) < 0)
                return false;
        return st.st_dev == a->current_dev && st.st_ino == a->current_ino &&
               askpw_ask_is_live(a->current);
}

static int present(AskpwAgent *a, AskpwAsk *ask, const struct stat *st) {
        int r;

        a->current = ask;
        a->current_dev = st->st_dev;
        a->current_ino = st->st_ino;

        if (ask->not_after > 0) {
                r = sd_event_add_time(a->event, &a->deadline_source, CLOCK_MONOTONIC, ask->not_after, 0,
                                      on_deadline, a);
                if (r < 0)
                        return r;
        }

        if (ask->pid > 0) {
                a->pid_fd = (int) syscall(SYS_pidfd_open, ask->pid, 0);
                if (a->pid_fd < 0 && errno == ESRCH) {
                        /* Died between the scan and now: never shown. */
                        (void) remember(a, ask->path, st->st_dev, st->st_ino);
                        drop_current(a);
                        schedule_rescan(a);
                        return 0;
                }
                /* Without pidfds (old kernel, seccomp) the periodic checks on
                 * each directory event still notice a dead querier. */
                if (a->pid_fd >= 0) {
                        r = sd_event_add_io(a->event, &a->pid_source, a->pid_fd, EPOLLIN, on_pid_exit, a);
                        if (r < 0)
                                return r;
                }
        }

        if (!a->on_request)
                return askpw_agent_skip(a);
        r = a->on_request(a, ask, a->userdata);
        if (r < 0 && a->current == ask)
                (void) askpw_agent_skip(a);
        return 0;
}

static int rescan(AskpwAgent *a) {
        int r;

        if (a->current) {
                if (current_still_there(a))
                        return 0;
                withdraw_current(a);
                if (a->current)
                        return 0;
        }

        prune_handled(a);

        for (char **d = a->dirs; *d; d++) {
                AskpwAsk **l = NULL;
                size_t n = 0;

                r = askpw_list(*d, &l, &n);
                if (r == -ENOMEM)
                        return r;
                if (r < 0)
                        continue; /* directory removed under us: nothing pending there */

                for (size_t i = 0; i < n; i++) {
                        struct stat st;

                        if (lstat(l[i]->path, &st) < 0 || is_handled(a, l[i]->path, &st))
                                continue;

                        AskpwAsk *ask = TAKE_PTR(l[i]);
                        askpw_ask_array_free(l, n);
                        r = present(a, ask, &st);
                        if (r < 0) {
                                drop_current(a);
                                return r;
                        }
                        return 0;
                }
                askpw_ask_array_free(l, n);
        }

        if (!a->current && (a->flags & ASKPW_AGENT_ONESHOT))
                return sd_event_exit(a->event, 0);
        return 0;
}

static int on_rescan(sd_event_source *s, void *userdata) {
        AskpwAgent *a = userdata;
        int r = rescan(a);
        if (r < 0)
                return sd_event_exit(a->event, r);
        return 0;
}

static int on_inotify(sd_event_source *s, int fd, uint32_t revents, void *userdata) {
        AskpwAgent *a = userdata;
        char buf[4096];

        while (read(fd, buf, sizeof(buf)) > 0)
                ;
        schedule_rescan(a);
        return 0;
}

int askpw_agent_start(AskpwAgent *a) {
        int r;

        if (a->started)
                return -EBUSY;
        if (strv_length(a->dirs) == 0)
                return -EINVAL;

        a->inotify_fd = inotify_init1(IN_CLOEXEC | IN_NONBLOCK);
        if (a->inotify_fd < 0)
                return -errno;
        for (char **d = a->dirs; *d; d++)
                /* IN_DELETE/IN_MOVED_FROM tell us a shown request went away. */
                if (inotify_add_watch(a->inotify_fd, *d,
                                      IN_CLOSE_WRITE | IN_MOVED_TO | IN_DELETE | IN_MOVED_FROM | IN_ONLYDIR) < 0)
                        return -errno;

        r = sd_event_add_io(a->event, &a->inotify_source, a->inotify_fd, EPOLLIN, on_inotify, a);
        if (r < 0)
                return r;
        r = sd_event_add_defer(a->event, &a->rescan_source, on_rescan, a);
        if (r < 0)
                return r;
        r = sd_event_source_set_enabled(a->rescan_source, SD_EVENT_ONESHOT);
        if (r < 0)
                return r;

        a->started = true;
        return 0;
}

static int reply_current(AskpwAgent *a, const void *buf, size_t n, char * const *passwords, bool skip) {
        int r = 0;

        if (!a->current)
                return -ESRCH;
        if (!skip)
                r = passwords ? askpw_send_answer(a->current->socket, passwords)
                              : askpw_send_datagram(a->current->socket, buf, n);
        finish_current(a);
        return r;
}

int askpw_agent_answer(AskpwAgent *a, char * const *passwords) {
        if (!passwords)
                return -EINVAL;
        return reply_current(a, NULL, 0, passwords, false);
}

int askpw_agent_cancel(AskpwAgent *a) {
        return reply_current(a, "-", 1, NULL, false);
}

int askpw_agent_skip(AskpwAgent *a) {
        return reply_current(a, NULL, 0, NULL, true);
}
