/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "askpw-util.h"
#include "askpw.h"
#include "tty-prompt.h"

static void put(int fd, const char *s, size_t n) {
        while (n > 0) {
                ssize_t k = write(fd, s, n);
                if (k < 0) {
                        if (errno == EINTR)
                                continue;
                        return; /* feedback is best effort */
                }
                s += k;
                n -= (size_t) k;
        }
}

static void puts_fd(int fd, const char *s) {
        put(fd, s, strlen(s));
}

int askpw_editor_begin(AskpwEditor *ed, int fd, const char *message, AskpwEcho echo) {
        struct termios raw;
        const char *m = message ?: "Password:";

        *ed = (AskpwEditor) { .fd = fd, .echo = echo };

        if (tcgetattr(fd, &ed->saved) < 0)
                return errno == ENOTTY || errno == EINVAL ? -ENOTTY : -errno;

        raw = ed->saved;
        /* ISIG off: ^C must end the prompt through us, so the terminal is
         * always restored; a signal would kill the process with echo off. */
        raw.c_lflag &= ~(ICANON | ECHO | ECHONL | ISIG | IEXTEN);
        raw.c_iflag &= ~(IXON | ICRNL | INLCR);
        raw.c_cc[VMIN] = 1;
        raw.c_cc[VTIME] = 0;
        if (tcsetattr(fd, TCSADRAIN, &raw) < 0)
                return -errno;
        ed->raw = true;

        puts_fd(fd, m);
        if (m[0] && m[strlen(m) - 1] != ' ')
                puts_fd(fd, " ");
        return 0;
}

void askpw_editor_end(AskpwEditor *ed) {
        if (ed->raw) {
                (void) tcsetattr(ed->fd, TCSADRAIN, &ed->saved);
                ed->raw = false;
                puts_fd(ed->fd, "\n");
        }
        if (ed->buf) {
                explicit_bzero(ed->buf, ed->cap);
                free(ed->buf);
        }
        ed->buf = NULL;
        ed->len = ed->cap = 0;
}

static int editor_push(AskpwEditor *ed, char c) {
        if (ed->len + 1 >= ed->cap) {
                size_t ncap = MAX(ed->cap * 2, (size_t) 64);
                char *n = malloc(ncap);
                if (!n)
                        return -ENOMEM;
                if (ed->buf) {
                        memcpy(n, ed->buf, ed->len);
                        explicit_bzero(ed->buf, ed->cap);
                        free(ed->buf);
                }
                ed->buf = n;
                ed->cap = ncap;
        }
        ed->buf[ed->len++] = c;
        ed->buf[ed->len] = 0;
        return 0;
}

static bool shown(const AskpwEditor *ed, char c) {
        /* One '*' per character, not per byte of UTF-8. */
        if (ed->echo == ASKPW_ECHO_OFF)
                return false;
        return ed->echo == ASKPW_ECHO_ON || ((unsigned char) c & 0xc0) != 0x80;
}

static void editor_rubout(AskpwEditor *ed) {
        while (ed->len > 0) {
                char c = ed->buf[--ed->len];
                ed->buf[ed->len] = 0;
                if (ed->echo != ASKPW_ECHO_OFF && (ed->echo == ASKPW_ECHO_ON || ((unsigned char) c & 0xc0) != 0x80))
                        puts_fd(ed->fd, "\b \b");
                if (((unsigned char) c & 0xc0) != 0x80)
                        break;
        }
}

int askpw_editor_feed(AskpwEditor *ed, const char *in, size_t n) {
        int r;

        for (size_t i = 0; i < n; i++) {
                char c = in[i];

                switch (c) {
                case '\r':
                case '\n':
                        return 1;
                case 0x03: /* ^C */
                        return -ECANCELED;
                case 0x04: /* ^D */
                        return ed->len == 0 ? -ECANCELED : 1;
                case 0x7f:
                case '\b':
                        editor_rubout(ed);
                        continue;
                case 0x15: /* ^U */
                        while (ed->len > 0)
                                editor_rubout(ed);
                        continue;
                default:
                        if ((unsigned char) c < 0x20)
                                continue;
                }

                r = editor_push(ed, c);
                if (r < 0)
                        return r;
                if (shown(ed, c))
                        put(ed->fd, ed->echo == ASKPW_ECHO_ON ? &c : "*", 1);
        }
        return 0;
}

int askpw_editor_take(AskpwEditor *ed, char **ret) {
        char *p = strdup(ed->buf ?: "");
        if (!p)
                return -ENOMEM;
        *ret = p;
        return 0;
}

int askpw_tty_prompt(int fd, const char *message, AskpwEcho echo, uint64_t until, int abort_fd, char **ret) {
        AskpwEditor ed;
        int r;

        r = askpw_editor_begin(&ed, fd, message, echo);
        if (r < 0)
                return r;

        for (;;) {
                struct pollfd p[2] = {
                        { .fd = fd, .events = POLLIN },
                        { .fd = abort_fd, .events = POLLIN },
                };
                char in[64];
                int timeout = -1;
                ssize_t k;

                if (until > 0) {
                        uint64_t now = askpw_now_usec();
                        if (now >= until) {
                                r = -ETIME;
                                break;
                        }
                        timeout = (int) MIN((until - now + 999) / 1000, (uint64_t) INT32_MAX);
                }

                if (poll(p, abort_fd >= 0 ? 2 : 1, timeout) < 0) {
                        if (errno == EINTR)
                                continue;
                        r = -errno;
                        break;
                }
                if (abort_fd >= 0 && p[1].revents) {
                        r = -ECONNRESET;
                        break;
                }
                if (p[0].revents == 0)
                        continue;

                k = read(fd, in, sizeof(in));
                if (k < 0 && (errno == EINTR || errno == EAGAIN))
                        continue;
                if (k <= 0) {
                        r = -EIO;
                        break;
                }
                r = askpw_editor_feed(&ed, in, (size_t) k);
                explicit_bzero(in, sizeof(in));
                if (r != 0)
                        break;
        }

        if (r > 0)
                r = askpw_editor_take(&ed, ret);
        askpw_editor_end(&ed);
        return r < 0 ? r : 0;
}
