/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* Feeds bytes to the ask-file parser and, with the first byte as a
 * selector, to the reply-datagram parser; both parse untrusted input. */

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "askpw.h"
#include "macro.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        AskpwAsk *a = NULL;
        char **l = NULL;

        if (size > 0 && data[0] == 0xff) {
                if (askpw_reply_parse(data + 1, size - 1, &l) >= 0) {
                        char *buf = NULL;
                        size_t n;
                        if (askpw_reply_format(l, &buf, &n) >= 0)
                                erase_and_free(buf);
                        strv_free_erase(l);
                }
                return 0;
        }

        if (askpw_ask_parse((const char *) data, size, &a) >= 0) {
                char *text = NULL;
                /* Whatever parses must format again unless it holds a
                 * value the writer refuses (a newline cannot occur). */
                if (askpw_ask_format(a, &text) < 0)
                        abort();
                AskpwAsk *b = NULL;
                if (askpw_ask_parse(text, strlen(text), &b) < 0)
                        abort();
                askpw_ask_free(b);
                free(text);
                askpw_ask_free(a);
        }
        return 0;
}
