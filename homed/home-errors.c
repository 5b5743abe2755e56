/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <errno.h>

#include "home-errors.h"

const char *home_error_name(int error, HomeOperation op) {
        switch (-error) {
        case ENOKEY:
                return "BadPassword";
        case EREMOTEIO:
                return "BadRecoveryKey";
        case EBADSLT:
                return "BadPasswordAndNoToken";
        case EKEYREVOKED:
                return "HomeCantAuthenticate";
        case EBUSY:
                return "HomeBusy";
        case ENOEXEC:
                return "HomeNotActive";
        case ENOSPC:
                return "NoDiskSpace";
        case EADDRINUSE:
                return "HomeInUse";
        case EMSGSIZE: case ETXTBSY: case ERANGE:
                return "BadHomeSize";
        case ENOLINK: case EPROTONOSUPPORT: case ENOTTY: case ESOCKTNOSUPPORT:
                return "NotSupported";
        case ENOENT:
                return "HomeAbsent";
        case EEXIST:
                return "HomeExists";
        case EREMCHG:
                return "RecordMismatch";
        case EALREADY:
                return op == HOME_OP_LOCK ? "HomeLocked" :
                       op == HOME_OP_UNLOCK ? "HomeNotLocked" : "HomeAlreadyActive";
        case EBADMSG:
        case EINVAL:
                return "InvalidRequest";
        default:
                return "SystemError";
        }
}
