/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* hearthctl's userdb verbs (user, group, users-in-group, groups-of-user,
 * services, ssh-authorized-keys) and their options. */

#include <getopt.h>

#include "hearthctl.h"

enum {
        ARG_USERDB_FIRST = 0x200,
        ARG_USERDB_UID_MIN = ARG_USERDB_FIRST,
        ARG_USERDB_UID_MAX,
        ARG_USERDB_FUZZY,
        ARG_USERDB_DISPOSITION,
        ARG_USERDB_MULTIPLEXER,
        ARG_USERDB_SERVICE,
        ARG_USERDB_LAST = ARG_USERDB_SERVICE,
};

#define USERDB_OPTIONS                                                          \
        { "uid-min",     required_argument, NULL, ARG_USERDB_UID_MIN     },     \
        { "uid-max",     required_argument, NULL, ARG_USERDB_UID_MAX     },     \
        { "fuzzy",       no_argument,       NULL, ARG_USERDB_FUZZY       },     \
        { "disposition", required_argument, NULL, ARG_USERDB_DISPOSITION },     \
        { "multiplexer", required_argument, NULL, ARG_USERDB_MULTIPLEXER },     \
        { "service",     required_argument, NULL, ARG_USERDB_SERVICE     }

/* Takes one of the options above (or 's', same as --service). Logs and
 * returns -EXIT_USAGE on a bad value, 0 otherwise. */
int userdb_parse_option(int c, const char *optarg_value);

extern const Verb userdb_verbs[];
int verb_user(int argc, char *argv[]);
int verb_group(int argc, char *argv[]);
int verb_users_in_group(int argc, char *argv[]);
int verb_groups_of_user(int argc, char *argv[]);
int verb_services(int argc, char *argv[]);
int verb_ssh_authorized_keys(int argc, char *argv[]);
