/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* The IDL parser on arbitrary text; whatever parses is then used to
 * validate a few objects, which must never crash. */

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "macro.h"
#include "varlink-idl.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const samples[] = {
        "{}",
        "{\"a\":1,\"b\":\"x\",\"c\":[true,null],\"d\":{\"k\":1.5}}",
        "{\"x\":{\"y\":{\"z\":[\"red\"]}}}",
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        _cleanup_(varlink_interface_freep) VarlinkInterface *i = NULL;
        _cleanup_free_ char *text = NULL;
        unsigned line, column;

        if (size > 65536)
                return 0;
        text = strndup((const char *) data, size);
        if (!text)
                return 0;
        if (varlink_idl_parse(text, &i, &line, &column) < 0)
                return 0;

        for (size_t k = 0; k < i->n_symbols; k++) {
                const VarlinkSymbol *s = &i->symbols[k];
                if (varlink_interface_find(i, s->kind, s->name) != s)
                        abort();
                for (size_t j = 0; j < ELEMENTSOF(samples); j++) {
                        json_object *o = json_tokener_parse(samples[j]);
                        const char *bad;
                        if (s->type->kind == VARLINK_TYPE_STRUCT)
                                (void) varlink_idl_validate(s->type, o, &bad);
                        if (s->output)
                                (void) varlink_idl_validate(s->output, o, &bad);
                        json_object_put(o);
                }
        }
        return 0;
}
