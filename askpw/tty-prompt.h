/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* The line editor behind askpw_tty_prompt(), split out so an event loop
 * (the tty agent) can feed it bytes as they arrive. */

#include <stdbool.h>
#include <termios.h>

#include "askpw.h"

typedef struct AskpwEditor {
        int fd;
        AskpwEcho echo;
        char *buf;
        size_t len, cap;
        struct termios saved;
        bool raw;
} AskpwEditor;

/* Shows the message and puts the terminal in raw mode.  Errors: -ENOTTY,
 * the tcsetattr errno. */
int askpw_editor_begin(AskpwEditor *ed, int fd, const char *message, AskpwEcho echo);
/* 0 more input wanted, 1 line complete, -ECANCELED ^C/^D, -ENOMEM. */
int askpw_editor_feed(AskpwEditor *ed, const char *in, size_t n);
/* Copies the line.  Errors: -ENOMEM. */
int askpw_editor_take(AskpwEditor *ed, char **ret);
/* Restores the terminal, ends the line, wipes the buffer. */
void askpw_editor_end(AskpwEditor *ed);
