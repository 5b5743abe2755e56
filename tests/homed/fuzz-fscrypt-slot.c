/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* Slot texts come from xattrs on disk: the parser must take anything. */

#include <stddef.h>
#include <stdint.h>

#include "fscrypt-slot.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        FscryptSlot s;
        uint8_t out[64];

        (void) fscrypt_slot_parse((const char *) data, size, &s);
        (void) home_base64_decode((const char *) data, size, out, sizeof out);
        return 0;
}
