/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* The io.systemd.AskPassword interface as systemd v258 defines it: same
 * names, types and errors, so clients of either implementation work with
 * both. */
#define ASKPW_VARLINK_INTERFACE "io.systemd.AskPassword"

static const char askpw_varlink_idl[] =
        "# Ask the user for a password, or answer from the kernel keyring cache\n"
        "interface io.systemd.AskPassword\n"
        "\n"
        "# How typing is shown: nothing, the clear text, or one '*' per character\n"
        "type EchoMode (off, on, masked)\n"
        "\n"
        "# Ask for a password (or take it from the cache)\n"
        "method Ask(\n"
        "\t# Prompt text\n"
        "\tmessage: ?string,\n"
        "\t# Kernel keyring key used for caching\n"
        "\tkeyname: ?string,\n"
        "\t# XDG icon name\n"
        "\ticon: ?string,\n"
        "\t# Recognizable request identifier\n"
        "\tid: ?string,\n"
        "\t# Relative timeout in µs (CLOCK_MONOTONIC); 0: cache only; UINT64_MAX: none; default 90 s\n"
        "\ttimeoutUSec: ?int,\n"
        "\t# Absolute deadline in µs (CLOCK_MONOTONIC); 0: cache only; unset or UINT64_MAX: none\n"
        "\tuntilUSec: ?int,\n"
        "\t# Accept passwords from the kernel keyring\n"
        "\tacceptCached: ?bool,\n"
        "\t# Store acquired passwords in the kernel keyring\n"
        "\tpushCache: ?bool,\n"
        "\t# Feedback while typing\n"
        "\techo: ?EchoMode,\n"
        "\t# Whether interactive authorization may be used\n"
        "\tallowInteractiveAuthentication: ?bool\n"
        ") -> (\n"
        "\t# Usually one entry; more if several were cached\n"
        "\tpasswords: []string\n"
        ")\n"
        "\n"
        "# Nothing cached and no agent could be asked\n"
        "error NoPasswordAvailable ()\n"
        "\n"
        "# Nobody answered in time\n"
        "error TimeoutReached ()\n";

#define ASKPW_VARLINK_ERROR_NO_PASSWORD "io.systemd.AskPassword.NoPasswordAvailable"
#define ASKPW_VARLINK_ERROR_TIMEOUT "io.systemd.AskPassword.TimeoutReached"
