/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "record-section.h"

#include <errno.h>
#include <string.h>

static const struct {
        RecordSection section;
        const char *key;
} section_keys[] = {
        { RECORD_SECRET,      "secret" },
        { RECORD_PRIVILEGED,  "privileged" },
        { RECORD_PER_MACHINE, "perMachine" },
        { RECORD_BINDING,     "binding" },
        { RECORD_STATUS,      "status" },
        { RECORD_SIGNATURE,   "signature" },
};

const char *record_section_to_key(RecordSection s) {
        for (size_t i = 0; i < sizeof(section_keys) / sizeof(section_keys[0]); i++)
                if (section_keys[i].section == s)
                        return section_keys[i].key;
        return NULL;
}

RecordSection record_section_from_key(const char *key) {
        for (size_t i = 0; i < sizeof(section_keys) / sizeof(section_keys[0]); i++)
                if (strcmp(section_keys[i].key, key) == 0)
                        return section_keys[i].section;
        return RECORD_REGULAR;
}

RecordSection record_sections_present(json_object *v) {
        RecordSection m = 0;

        if (!json_object_is_type(v, json_type_object))
                return 0;

        json_object_object_foreach(v, key, val) {
                (void) val;
                m |= record_section_from_key(key);
        }
        return m;
}

int record_json_filter_sections(json_object *v, RecordSection mask, json_object **ret) {
        json_object *n;

        if (!json_object_is_type(v, json_type_object))
                return -EINVAL;

        n = json_object_new_object();
        if (!n)
                return -ENOMEM;

        json_object_object_foreach(v, key, val) {
                json_object *copy = NULL;

                if (!(record_section_from_key(key) & mask))
                        continue;

                if (json_object_deep_copy(val, &copy, NULL) < 0 ||
                    json_object_object_add(n, key, copy) < 0) {
                        json_object_put(copy);
                        json_object_put(n);
                        return -ENOMEM;
                }
        }

        *ret = n;
        return 0;
}
