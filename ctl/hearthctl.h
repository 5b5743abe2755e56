/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* hearthctl: verb tables, the global options every verb reads, logging
 * and exit codes. One file per verb group (verb-record.c, ...). */

#include <stdbool.h>
#include <stddef.h>

#include "macro.h"

/* Exit codes (documented in docs/man/hearthctl.md). */
enum {
        EXIT_OK            = 0,
        EXIT_FAIL          = 1,  /* an error: unreadable input, invalid record, ... */
        EXIT_USAGE         = 2,  /* bad command line */
        EXIT_UNSIGNED      = 3,  /* record verify: no signature at all */
        EXIT_FOREIGN       = 4,  /* record verify: signed, but by no given key */
        EXIT_BAD_SIGNATURE = 5,  /* record verify: a given key's signature does not verify */
};

#define VERB_ANY ((unsigned) -1)

typedef enum VerbFlags {
        VERB_DEFAULT = 1 << 0,   /* run when no verb is given */
} VerbFlags;

/* A verb gets argv starting at its own name and returns an exit code. */
typedef struct Verb {
        const char *name;
        unsigned min_args, max_args;   /* counting the verb itself */
        VerbFlags flags;
        int (*function)(int argc, char *argv[]);
        const char *help;              /* one line for --help */
} Verb;

/* Finds argv[0] in verbs (a table ended by a NULL name), checks the
 * argument count and runs it. `group` names the table in messages
 * ("record"), NULL for the top level. */
int dispatch_verb(int argc, char *argv[], const Verb verbs[], const char *group);

/* Prints "  name  help" lines for a table. */
void verbs_help(const Verb verbs[], const char *group);

typedef enum JsonMode {
        JSON_OFF,
        JSON_SHORT,
        JSON_PRETTY,
        _JSON_MODE_UNSET,
} JsonMode;

/* Global options, set once by main(). */
typedef struct Args {
        JsonMode json;
        bool legend;
        bool pager;
        bool signable;
        bool quiet;
        const char *private_key;
        char **public_keys;            /* NULL-terminated */
        const char *method;            /* password hash method */
        const char *type;              /* "user" / "group" / NULL = detect */
} Args;

extern Args arg;

#define log_error(...) log_full(__VA_ARGS__)
void log_full(const char *fmt, ...) _printf_(1, 2);
/* Logs "...: <strerror(-r)>" and returns EXIT_FAIL. */
int log_error_errno(int r, const char *fmt, ...) _printf_(2, 3);

/* Verb groups. */
int verb_record(int argc, char *argv[]);
extern const Verb record_verbs[];
