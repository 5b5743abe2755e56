/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* A small interface exercising each IDL type kind, served by the test
 * server binary, the in-process round-trip tests and the fuzzer. */

#include "varlink.h"

extern const char test_interface_idl[];

/* Registers org.example.Test on `s`. Methods:
 *   Echo     returns its text/n back
 *   Count    streams n replies {i} (requires more)
 *   Slow     replies after `usec` from a timer (asynchronous reply)
 *   Fail     errors org.example.Test.Failed {name}
 *   Stats    connection count and VmRSS in KiB
 *   Missing  declared but has no handler (MethodNotImplemented) */
int test_interface_register(VarlinkServer *s);
