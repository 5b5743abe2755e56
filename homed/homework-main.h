/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* One storage operation: reads the request from stdin until EOF, runs
 * it, writes the reply to stdout. The caller is a process of its own that
 * exits with the returned status right after (EXIT_SUCCESS, or
 * EXIT_FAILURE with an error reply); it is hearth-homework's main(), or the
 * child hearth-homed forks for each operation. */
int homework_main(void);

/* For a process that forks workers: performs, once, the crypto library
 * setup each worker would otherwise repeat (nothing secret is involved). */
void homework_warm_up(void);
