/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* The systemd-homed LUKS2 token decoder: token JSON → decrypted record.
 * The first byte picks a cipher setting, the next 32 are the volume key,
 * the rest is the token text. Every input must give 0 with an object or
 * a negative errno, never a crash or a leak. */

#include <stdint.h>

#include "luks-header-record.h"
#include "luks-token.h"
#include "macro.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        static const char * const modes[][2] = {
                { "aes", "xts-plain64" }, { "aes", "cbc-essiv:sha256" }, { "aes", "ctr" }, { "serpent", "xts-plain64" },
        };
        _cleanup_free_ char *text = NULL;
        json_object *rec = NULL;
        uint8_t key[32];
        size_t sel;

        if (size < 1 + sizeof key)
                return 0;
        sel = data[0] % ELEMENTSOF(modes);
        memcpy(key, data + 1, sizeof key);
        text = strndup((const char *) data + 1 + sizeof key, size - 1 - sizeof key);
        if (!text)
                return 0;
        if (luks_token_decode(text, modes[sel][0], modes[sel][1], key, sizeof key, &rec) >= 0) {
                (void) luks_record_last_change(rec);
                json_object_put(rec);
        }
        return 0;
}
