/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "per-machine.h"

#include <errno.h>
#include <string.h>

#include "macro.h"
#include "record-validate.h"

bool per_machine_is_match_key(const char *key) {
        return streq(key, "matchMachineId") || streq(key, "matchNotMachineId") || streq(key, "matchHostname");
}

/* Calls check() on the string, or on each element of the array, and
 * returns 1 if any element matched. Every element is validated even after
 * a match, so a malformed entry is refused whatever the local machine is. */
static int match_list(json_object *v, const char *field, RecordError *error,
                      int (*check)(const char *s, const RecordMachine *m, const char *path, RecordError *e),
                      const RecordMachine *machine) {
        char path[256];
        bool matched = false;
        int r;

        if (json_object_is_type(v, json_type_string))
                return check(json_object_get_string(v), machine, field, error);

        if (!json_object_is_type(v, json_type_array))
                return record_error(error, -EINVAL, field, "must be a string or an array of strings");

        for (size_t i = 0; i < json_object_array_length(v); i++) {
                json_object *e = json_object_array_get_idx(v, i);

                record_field_path(path, sizeof(path), field, NULL, i);
                if (!json_object_is_type(e, json_type_string))
                        return record_error(error, -EINVAL, path, "must be a string");
                r = check(json_object_get_string(e), machine, path, error);
                if (r < 0)
                        return r;
                if (r > 0)
                        matched = true;
        }
        return matched;
}

static int check_machine_id(const char *s, const RecordMachine *m, const char *path, RecordError *error) {
        RecordId128 id;

        /* Machine ids are written as 32 hex digits; accept the UUID form
         * too, since an id is an id, but nothing else. */
        if (uuid_parse_any(s, &id) < 0 || id128_is_null(&id))
                return record_error(error, -EINVAL, path, "not a valid machine id (32 hex digits)");
        return m && !id128_is_null(&m->machine_id) && id128_equal(&id, &m->machine_id);
}

static int check_hostname(const char *s, const RecordMachine *m, const char *path, RecordError *error) {
        if (!valid_hostname(s))
                return record_error(error, -EINVAL, path, "not a valid hostname");
        return m && m->hostname && streq(s, m->hostname);
}

int per_machine_entry_matches(json_object *entry, const RecordMachine *machine,
                              const char *field, RecordError *error) {
        json_object *ids = NULL, *not_ids = NULL, *hosts = NULL;
        char path[256];
        bool any_key = false, matched = false;
        int r;

        if (!json_object_is_type(entry, json_type_object))
                return record_error(error, -EINVAL, field, "must be an object");

        if (json_object_object_get_ex(entry, "matchMachineId", &ids)) {
                record_field_path(path, sizeof(path), field, "matchMachineId", 0);
                if (!ids)
                        return record_error(error, -EINVAL, path, "must be a string or an array of strings");
                r = match_list(ids, path, error, check_machine_id, machine);
                if (r < 0)
                        return r;
                any_key = true;
                matched = matched || r > 0;
        }

        if (json_object_object_get_ex(entry, "matchHostname", &hosts)) {
                record_field_path(path, sizeof(path), field, "matchHostname", 0);
                if (!hosts)
                        return record_error(error, -EINVAL, path, "must be a string or an array of strings");
                r = match_list(hosts, path, error, check_hostname, machine);
                if (r < 0)
                        return r;
                any_key = true;
                matched = matched || r > 0;
        }

        if (json_object_object_get_ex(entry, "matchNotMachineId", &not_ids)) {
                record_field_path(path, sizeof(path), field, "matchNotMachineId", 0);
                if (!not_ids)
                        return record_error(error, -EINVAL, path, "must be a string or an array of strings");
                r = match_list(not_ids, path, error, check_machine_id, machine);
                if (r < 0)
                        return r;
                any_key = true;
                /* "Every machine but these". With the local machine id
                 * unknown we cannot tell, so the element does not apply. */
                if (r == 0 && machine && !id128_is_null(&machine->machine_id))
                        matched = true;
        }

        return any_key && matched;
}

int record_machine_entry(json_object *section, const char *section_name,
                         const RecordMachine *machine, json_object **ret, RecordError *error) {
        json_object *found = NULL;
        char path[256];

        if (!json_object_is_type(section, json_type_object))
                return record_error(error, -EBADMSG, section_name, "must be an object keyed by machine id");

        json_object_object_foreach(section, key, v) {
                RecordId128 id;

                record_field_path(path, sizeof(path), section_name, key, 0);
                if (machine_id_parse(key, &id) < 0)
                        return record_error(error, -EINVAL, path, "key is not a machine id (32 lowercase hex digits)");
                if (!json_object_is_type(v, json_type_object))
                        return record_error(error, -EBADMSG, path, "must be an object");
                if (machine && !id128_is_null(&machine->machine_id) && id128_equal(&id, &machine->machine_id))
                        found = v;
        }

        *ret = found;
        return 0;
}
