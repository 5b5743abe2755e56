/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* hearthctl's home verbs (homectl's names and behaviour), talking to
 * hearth-homed over io.hearth.Home, and their options. */

#include <getopt.h>

#include "hearthctl.h"

enum {
        ARG_HOME_FIRST = 0x300,
        ARG_HOME_SOCKET = ARG_HOME_FIRST,
        ARG_HOME_STORAGE,
        ARG_HOME_IMAGE_PATH,
        ARG_HOME_REAL_NAME,
        ARG_HOME_MEMBER_OF,
        ARG_HOME_SHELL,
        ARG_HOME_UID,
        ARG_HOME_HOME_DIR,
        ARG_HOME_DISK_SIZE,
        ARG_HOME_PASSWORD,
        ARG_HOME_IDENTITY,
        ARG_HOME_SKEL,
        ARG_HOME_FORCE,
        ARG_HOME_NO_ASK_PASSWORD,
        ARG_HOME_PBKDF_TYPE,
        ARG_HOME_PBKDF_FORCE_ITERATIONS,
        ARG_HOME_PBKDF_MEMORY_COST,
        ARG_HOME_RATE_LIMIT_BURST,
        ARG_HOME_RATE_LIMIT_INTERVAL,
        ARG_HOME_FS_TYPE,
        ARG_HOME_LUKS_CIPHER,
        ARG_HOME_LUKS_CIPHER_MODE,
        ARG_HOME_LUKS_VOLUME_KEY_SIZE,
        ARG_HOME_LUKS_SECTOR_SIZE,
        ARG_HOME_PBKDF_HASH,
        ARG_HOME_PBKDF_TIME_COST,
        ARG_HOME_PBKDF_THREADS,
        ARG_HOME_LUKS_EXTRA_MOUNT_OPTIONS,
        ARG_HOME_LUKS_DISCARD,
        ARG_HOME_LAST = ARG_HOME_LUKS_DISCARD,
};

#define HOME_OPTIONS                                                                            \
        { "socket",                      required_argument, NULL, ARG_HOME_SOCKET },            \
        { "storage",                     required_argument, NULL, ARG_HOME_STORAGE },           \
        { "image-path",                  required_argument, NULL, ARG_HOME_IMAGE_PATH },        \
        { "real-name",                   required_argument, NULL, ARG_HOME_REAL_NAME },         \
        { "member-of",                   required_argument, NULL, ARG_HOME_MEMBER_OF },         \
        { "shell",                       required_argument, NULL, ARG_HOME_SHELL },             \
        { "uid",                         required_argument, NULL, ARG_HOME_UID },               \
        { "home-dir",                    required_argument, NULL, ARG_HOME_HOME_DIR },          \
        { "disk-size",                   required_argument, NULL, ARG_HOME_DISK_SIZE },         \
        { "password",                    no_argument,       NULL, ARG_HOME_PASSWORD },          \
        { "identity",                    required_argument, NULL, ARG_HOME_IDENTITY },          \
        { "skel",                        required_argument, NULL, ARG_HOME_SKEL },              \
        { "force",                       no_argument,       NULL, ARG_HOME_FORCE },             \
        { "no-ask-password",             no_argument,       NULL, ARG_HOME_NO_ASK_PASSWORD },   \
        { "luks-pbkdf-type",             required_argument, NULL, ARG_HOME_PBKDF_TYPE },        \
        { "luks-pbkdf-force-iterations", required_argument, NULL, ARG_HOME_PBKDF_FORCE_ITERATIONS }, \
        { "luks-pbkdf-memory-cost",      required_argument, NULL, ARG_HOME_PBKDF_MEMORY_COST }, \
        { "rate-limit-burst",            required_argument, NULL, ARG_HOME_RATE_LIMIT_BURST },  \
        { "rate-limit-interval",         required_argument, NULL, ARG_HOME_RATE_LIMIT_INTERVAL }, \
        { "fs-type",                     required_argument, NULL, ARG_HOME_FS_TYPE },           \
        { "luks-cipher",                 required_argument, NULL, ARG_HOME_LUKS_CIPHER },       \
        { "luks-cipher-mode",            required_argument, NULL, ARG_HOME_LUKS_CIPHER_MODE },  \
        { "luks-volume-key-size",        required_argument, NULL, ARG_HOME_LUKS_VOLUME_KEY_SIZE }, \
        { "luks-sector-size",            required_argument, NULL, ARG_HOME_LUKS_SECTOR_SIZE },  \
        { "luks-pbkdf-hash-algorithm",   required_argument, NULL, ARG_HOME_PBKDF_HASH },        \
        { "luks-pbkdf-time-cost",        required_argument, NULL, ARG_HOME_PBKDF_TIME_COST },   \
        { "luks-pbkdf-parallel-threads", required_argument, NULL, ARG_HOME_PBKDF_THREADS },     \
        { "luks-extra-mount-options",    required_argument, NULL, ARG_HOME_LUKS_EXTRA_MOUNT_OPTIONS }, \
        { "luks-discard",                required_argument, NULL, ARG_HOME_LUKS_DISCARD }

/* Short options: -c real name, -G member of, -u uid, -d home dir, -P password. */
#define HOME_SHORT_OPTIONS "c:G:u:d:P"

/* Takes one of the options above (or its short form). Logs and returns
 * -EXIT_USAGE on a bad value, 0 otherwise. */
int home_parse_option(int c, const char *optarg_value);

/* Prints the options above for hearthctl --help (their one description). */
void home_options_help(void);

extern const Verb home_verbs[];
int verb_home(int argc, char *argv[]);
