/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* The io.hearth.Home interface definition (Varlink IDL text). */
extern const char homed_interface_idl[];

#define HOMED_INTERFACE "io.hearth.Home"
#define HOMED_ERROR(name) HOMED_INTERFACE "." name
