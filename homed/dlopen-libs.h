/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* libcryptsetup, libfdisk and libargon2 are loaded with dlopen() on first
 * use. Only LUKS homes (and argon2 key slots, and KDF calibration) need
 * them, and loading them with their dependencies costs a directory or
 * fscrypt operation more than the rest of the worker's start.
 *
 * Every crypt_*() and fdisk_*() function the LUKS code calls is defined
 * in dlopen-libs.c with the library's own prototype and forwards to the
 * library, so callers keep calling the functions by their names. When the
 * library cannot be loaded such a call fails as the library reports
 * errors: -EOPNOTSUPP for int results, NULL for pointers, 0 for sizes,
 * the _INVALID value for status enums. A function that is called but not
 * forwarded there makes the linker keep the library as a direct
 * dependency (tests/homed/test-homework-libs.sh catches that). */

#include <argon2.h>

/* Return 0 once the library is loaded, -EOPNOTSUPP if it cannot be. */
int dlopen_cryptsetup(void);
int dlopen_fdisk(void);
int dlopen_argon2(void);

extern typeof(argon2i_hash_raw) *sym_argon2i_hash_raw;
extern typeof(argon2id_hash_raw) *sym_argon2id_hash_raw;
