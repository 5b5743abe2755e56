/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Small helpers shared by the askpw sources; not part of the public API. */

#include <stdbool.h>
#include <stdint.h>

#include "macro.h"

#define USEC_PER_SEC 1000000ULL

/* CLOCK_MONOTONIC in µs, the clock NotAfter= is expressed in. */
uint64_t askpw_now_usec(void);

/* 64 random bits from getrandom(); falls back to nothing: errors are
 * returned.  Errors: the getrandom errno. */
int askpw_random_u64(uint64_t *ret);

/* Appends a copy of the first n bytes of s (NUL-terminated in the copy).
 * The list is wiped when it is reallocated since it holds secrets.
 * Errors: -ENOMEM (the list is unchanged). */
int askpw_strv_append_n(char ***l, const char *s, size_t n);
int askpw_strv_append(char ***l, const char *s);
bool askpw_strv_contains(char * const *l, const char *s);
/* Deep copy; errors: -ENOMEM. */
int askpw_strv_copy(char * const *l, char ***ret);

/* Parses a NUL-separated list (a trailing NUL ends the last entry, it does
 * not start a new one).  Errors: -ENOMEM. */
int askpw_strv_parse_nulstr(const char *buf, size_t size, char ***ret);

/* yes/no/true/false/on/off/1/0.  Errors: -EINVAL. */
int askpw_parse_boolean(const char *s);
/* Decimal, no sign, no junk.  Errors: -EINVAL, -ERANGE. */
int askpw_parse_u64(const char *s, uint64_t *ret);

/* now + rel without overflow; UINT64_MAX stays UINT64_MAX. */
uint64_t askpw_usec_add(uint64_t a, uint64_t b);
