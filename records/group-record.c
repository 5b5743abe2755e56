/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "group-record.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "macro.h"
#include "per-machine.h"
#include "record-dispatch.h"
#include "record-load.h"
#include "user-record-effective.h"

#define G(field) offsetof(GroupRecord, field)
#define NPM FIELD_NOT_PER_MACHINE

static const RecordField regular_fields[] = {
        { "groupName",       dispatch_user_name,      G(group_name),       0, 0, NPM },
        { "realm",           dispatch_realm,          G(realm),            0, 0, NPM },
        { "description",     dispatch_gecos,          G(description),      0, 0, NPM },
        { "disposition",     dispatch_disposition,    G(disposition),      0, 0, NPM },
        { "service",         dispatch_string,         G(service),          0, 0, NPM },
        { "lastChangeUSec",  dispatch_uint64,         G(last_change_usec), 0, 0, NPM },
        { "gid",             dispatch_uid,            G(gid),              0, 0, 0 },
        { "members",         dispatch_user_name_strv, G(members),          0, 0, 0 },
        { "administrators",  dispatch_user_name_strv, G(administrators),   0, 0, 0 },
        {}
};

static const RecordField privileged_fields[] = {
        { "hashedPassword",  dispatch_hashed_passwords, G(hashed_password), 0, 0, 0 },
        {}
};

static const RecordField binding_fields[] = {
        { "gid",             dispatch_uid,            G(gid),              0, 0, 0 },
        {}
};

static const RecordField status_fields[] = {
        { "service",         dispatch_string,         G(status_service),   0, 0, 0 },
        {}
};

GroupRecord *group_record_new(void) {
        GroupRecord *gr = calloc(1, sizeof(GroupRecord));

        if (!gr)
                return NULL;
        gr->n_ref = 1;
        gr->disposition = _USER_DISPOSITION_INVALID;
        gr->last_change_usec = UINT64_MAX;
        gr->gid = GID_INVALID;
        return gr;
}

GroupRecord *group_record_ref(GroupRecord *gr) {
        if (gr)
                gr->n_ref++;
        return gr;
}

GroupRecord *group_record_unref(GroupRecord *gr) {
        if (!gr || --gr->n_ref > 0)
                return NULL;

        json_object_put(gr->json);
        free(gr->group_name);
        free(gr->realm);
        free(gr->group_name_and_realm);
        free(gr->description);
        free(gr->service);
        strv_free(gr->members);
        strv_free(gr->administrators);
        strv_free(gr->hashed_password);
        free(gr->status_service);
        free(gr);
        return NULL;
}

json_object *group_record_json(const GroupRecord *gr) {
        return gr ? gr->json : NULL;
}

/* Validates every entry of binding/status and reads ours into gr. */
static int load_machine_section(DispatchContext *c, json_object *section, const char *name,
                                const RecordField *fields, GroupRecord *gr, const RecordMachine *machine) {
        json_object *mine = NULL;
        char path[256];
        int r;

        r = record_machine_entry(section, name, machine, &mine, c->error);
        if (r < 0)
                return r;
        json_object_object_foreach(section, key, entry) {
                _cleanup_(group_record_unrefp) GroupRecord *scratch = NULL;

                record_field_path(path, sizeof(path), name, key, 0);
                if (entry != mine && !(scratch = group_record_new()))
                        return record_error(c->error, -ENOMEM, path, "out of memory");
                r = record_dispatch_object(c, fields, entry, scratch ? scratch : gr, path, 0, NULL);
                if (r < 0)
                        return r;
        }
        return !!mine;
}

int group_record_load(json_object *v, const RecordLoadOptions *options, GroupRecord **ret, RecordError *error) {
        static const RecordLoadOptions default_options = { .policy = { .require = RECORD_REGULAR,
                                                                       .allow = _RECORD_SECTION_ALL } };
        _cleanup_(group_record_unrefp) GroupRecord *gr = NULL;
        RecordMachine machine = {};
        char hostname[256], path[256];
        DispatchContext c;
        json_object *s;
        int r;

        if (!options)
                options = &default_options;
        c = (DispatchContext) { .flags = options->flags, .error = error };

        gr = group_record_new();
        if (!gr)
                return record_error(error, -ENOMEM, NULL, "out of memory");

        r = record_load_prepare(v, &options->policy, RECORD_SECRET, "groupName", &gr->json, &gr->sections, error);
        if (r < 0)
                return r;
        gr->mask = options->policy.allow | options->policy.require;

        r = record_dispatch_object(&c, regular_fields, gr->json, gr, "", 0, record_section_keys);
        if (r < 0)
                return r;

        if (json_object_object_get_ex(gr->json, "privileged", &s)) {
                r = record_dispatch_object(&c, privileged_fields, s, gr, "privileged", 0, NULL);
                if (r < 0)
                        return r;
        }

        if (json_object_object_get_ex(gr->json, "signature", &s)) {
                r = record_check_signature_section(&c, s);
                if (r < 0)
                        return r;
        }

        if (gr->sections & (RECORD_PER_MACHINE | RECORD_BINDING | RECORD_STATUS) &&
            !(options->flags & RECORD_LOAD_NO_MACHINE))
                record_load_machine(options, &machine, hostname, sizeof(hostname));

        if (json_object_object_get_ex(gr->json, "perMachine", &s))
                for (size_t i = 0; i < json_object_array_length(s); i++) {
                        _cleanup_(group_record_unrefp) GroupRecord *scratch = NULL;
                        json_object *e = json_object_array_get_idx(s, i);

                        record_field_path(path, sizeof(path), "perMachine", NULL, i);
                        r = per_machine_entry_matches(e, &machine, path, error);
                        if (r < 0)
                                return r;
                        if (r == 0 && !(scratch = group_record_new()))
                                return record_error(error, -ENOMEM, path, "out of memory");
                        r = record_dispatch_object(&c, regular_fields, e, scratch ? scratch : gr, path,
                                                   FIELD_NOT_PER_MACHINE, record_match_keys);
                        if (r < 0)
                                return r;
                        if (!scratch)
                                gr->n_per_machine_applied++;
                }

        if (json_object_object_get_ex(gr->json, "binding", &s)) {
                r = load_machine_section(&c, s, "binding", binding_fields, gr, &machine);
                if (r < 0)
                        return r;
                gr->have_binding = r > 0;
        }

        if (json_object_object_get_ex(gr->json, "status", &s)) {
                r = load_machine_section(&c, s, "status", status_fields, gr, &machine);
                if (r < 0)
                        return r;
                gr->have_status = r > 0;
        }

        if ((gr->sections & RECORD_REGULAR) && !gr->group_name)
                return record_error(error, -ENOENT, "groupName", "is required");

        if (gr->group_name && gr->realm &&
            asprintf(&gr->group_name_and_realm, "%s@%s", gr->group_name, gr->realm) < 0) {
                gr->group_name_and_realm = NULL;
                return record_error(error, -ENOMEM, NULL, "out of memory");
        }

        *ret = TAKE_PTR(gr);
        return 0;
}

int group_record_load_text(const char *text, size_t size, const RecordLoadOptions *options,
                           GroupRecord **ret, RecordError *error) {
        json_object *v = NULL;
        int r;

        r = record_json_parse(text, size, 0, &v, error);
        if (r < 0)
                return r;
        r = group_record_load(v, options, ret, error);
        json_object_put(v);
        return r;
}

int group_record_validate(json_object *v, const RecordLoadOptions *options, RecordError *error) {
        _cleanup_(group_record_unrefp) GroupRecord *gr = NULL;

        return group_record_load(v, options, &gr, error);
}

UserDisposition group_disposition_from_gid(gid_t gid) {
        if (gid == GID_INVALID)
                return _USER_DISPOSITION_INVALID;
        if (gid == 0 || gid == 65534)
                return USER_INTRINSIC;
        if (gid <= SYSTEM_GID_MAX)
                return USER_SYSTEM;
        if (gid >= 61184 && gid <= 65519)
                return USER_DYNAMIC;
        if (gid >= 524288 && gid <= 1879048191)
                return USER_CONTAINER;
        if (gid >= 2147352576U && gid <= 2147418111U)
                return USER_FOREIGN;
        if (gid > 2147483647U)
                return USER_RESERVED;
        return USER_REGULAR;
}

UserDisposition group_record_disposition(const GroupRecord *gr) {
        if (gr->disposition >= 0)
                return gr->disposition;
        return group_disposition_from_gid(gr->gid);
}

const char *group_record_group_name_and_realm(const GroupRecord *gr) {
        return gr->group_name_and_realm ? gr->group_name_and_realm : gr->group_name;
}

const char *group_record_service(const GroupRecord *gr) {
        if (gr->service)
                return gr->service;
        return gr->have_status ? gr->status_service : NULL;
}

bool group_record_matches_group_name(const GroupRecord *gr, const char *name) {
        if (!gr || !name)
                return false;
        return streq_ptr(gr->group_name, name) || streq_ptr(gr->group_name_and_realm, name);
}

int group_record_compare_last_change(const GroupRecord *a, const GroupRecord *b) {
        uint64_t x = a->last_change_usec, y = b->last_change_usec;

        if (x == y)
                return 0;
        if (x == UINT64_MAX)
                return -1;
        if (y == UINT64_MAX)
                return 1;
        return x < y ? -1 : 1;
}

bool group_record_compatible(const GroupRecord *a, const GroupRecord *b) {
        return a->group_name && streq_ptr(a->group_name, b->group_name) && streq_ptr(a->realm, b->realm);
}
