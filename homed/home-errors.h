/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Worker errno → machine-readable error name for the reply, following
 * org.freedesktop.home1's errors (home-unlock.md §7) where one fits. */

#include "home-operations.h"

/* The name for a negative errno returned by operation op. Never NULL:
 * errors without a specific meaning are "SystemError". */
const char *home_error_name(int error, HomeOperation op);
