/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "record-load.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#if HAVE_LIBSYSTEMD
#include <systemd/sd-id128.h>
#endif

#include "macro.h"
#include "record-validate.h"

const char *const record_section_keys[] = {
        "secret", "privileged", "perMachine", "binding", "status", "signature", NULL,
};

const char *const record_match_keys[] = {
        "matchMachineId", "matchNotMachineId", "matchHostname", NULL,
};

const RecordLoadPolicy RECORD_POLICY_EMBEDDED = {
        .require = RECORD_REGULAR,
        .allow = RECORD_EMBEDDED,
};

/* The host copy never has a use for a status section; one that crept in
 * (e.g. from a lookup reply saved as is) is dropped, not refused. */
const RecordLoadPolicy RECORD_POLICY_HOST = {
        .require = RECORD_REGULAR,
        .allow = RECORD_HOST_COPY,
        .strip = RECORD_STATUS,
};

const RecordLoadPolicy RECORD_POLICY_LOOKUP = {
        .require = RECORD_REGULAR,
        .allow = RECORD_FROM_LOOKUP,
};

const RecordLoadPolicy RECORD_POLICY_LOOKUP_STRIP_SECRET = {
        .require = RECORD_REGULAR,
        .allow = RECORD_FROM_LOOKUP,
        .strip = RECORD_SECRET,
};

const RecordLoadPolicy RECORD_POLICY_ANY = {
        .require = RECORD_REGULAR,
        .allow = _RECORD_SECTION_ALL,
};

const RecordLoadPolicy RECORD_POLICY_SECRET_ONLY = {
        .require = RECORD_SECRET,
        .allow = RECORD_SECRET,
};

static const char *section_name(RecordSection s) {
        return s == RECORD_REGULAR ? "regular" : record_section_to_key(s);
}

int record_load_prepare(json_object *v, const RecordLoadPolicy *policy, RecordSection refused,
                        const char *name_field, json_object **ret_json, RecordSection *ret_sections,
                        RecordError *error) {
        RecordSection present, keep, strip;
        json_object *copy = NULL;

        if (!json_object_is_type(v, json_type_object))
                return record_error(error, -EBADMSG, NULL, "record is not a JSON object");

        present = record_sections_present(v);
        strip = 0;
        for (RecordSection s = 1; s & _RECORD_SECTION_ALL; s <<= 1) {
                if (!(present & s))
                        continue;
                if (refused & s)
                        return record_error(error, -EPERM, section_name(s), "section is not allowed in this kind of record");
                if ((policy->allow | policy->require) & s)
                        continue;
                if (policy->strip & s) {
                        strip |= s;
                        continue;
                }
                return record_error(error, -EPERM, section_name(s), "section is not allowed here");
        }
        keep = present & ~strip;

        for (RecordSection s = 1; s & _RECORD_SECTION_ALL; s <<= 1)
                if ((policy->require & s) && !(keep & s)) {
                        if (s == RECORD_REGULAR)
                                return record_error(error, -ENOENT, name_field, "is required");
                        return record_error(error, -ENOENT, section_name(s), "section is required");
                }

        /* Section types, checked before anything reads into them. */
        json_object_object_foreach(v, key, val) {
                RecordSection s = record_section_from_key(key);
                json_type want;

                if (s == RECORD_REGULAR || (strip & s))
                        continue;
                want = (s == RECORD_PER_MACHINE || s == RECORD_SIGNATURE) ? json_type_array : json_type_object;
                if (!json_object_is_type(val, want))
                        return record_error(error, -EBADMSG, key, "must be %s",
                                            want == json_type_array ? "an array" : "an object");
        }

        if (json_object_deep_copy(v, &copy, NULL) < 0)
                return record_error(error, -ENOMEM, NULL, "out of memory");

        if (strip) {
                /* Collect first: deleting while iterating invalidates it. */
                size_t n = (size_t) json_object_object_length(copy), k = 0;
                _cleanup_free_ const char **drop = calloc(n + 1, sizeof(char *));

                if (!drop) {
                        json_object_put(copy);
                        return record_error(error, -ENOMEM, NULL, "out of memory");
                }
                json_object_object_foreach(copy, ckey, cval) {
                        (void) cval;
                        if (record_section_from_key(ckey) & strip)
                                drop[k++] = ckey;
                }
                for (size_t i = 0; i < k; i++) {
                        _cleanup_free_ char *name = strdup(drop[i]);
                        if (!name) {
                                json_object_put(copy);
                                return record_error(error, -ENOMEM, NULL, "out of memory");
                        }
                        json_object_object_del(copy, name);
                }
        }

        *ret_json = copy;
        *ret_sections = keep;
        return 0;
}

static int read_machine_id(RecordId128 *ret) {
#if HAVE_LIBSYSTEMD
        sd_id128_t id;
        int r = sd_id128_get_machine(&id);

        if (r < 0)
                return r;
        memcpy(ret->bytes, id.bytes, 16);
        return 0;
#else
        char buf[34] = {};
        _cleanup_close_ int fd = open("/etc/machine-id", O_RDONLY | O_CLOEXEC);
        ssize_t n;

        if (fd < 0)
                return -errno;
        n = read(fd, buf, 33);
        if (n < 32)
                return -ENOMEDIUM;
        buf[32] = 0;
        return machine_id_parse(buf, ret) < 0 ? -ENOMEDIUM : 0;
#endif
}

int record_machine_from_host(RecordMachine *ret, char *hostname_buf, size_t size) {
        RecordMachine m = {};
        int r;

        r = read_machine_id(&m.machine_id);
        if (r < 0)
                return r;
        if (hostname_buf && size > 1 && gethostname(hostname_buf, size) >= 0) {
                hostname_buf[size - 1] = 0;
                m.hostname = hostname_buf;
        }
        *ret = m;
        return 0;
}

void record_load_machine(const RecordLoadOptions *options, RecordMachine *ret, char *hostname_buf, size_t size) {
        if (options && options->machine) {
                *ret = *options->machine;
                return;
        }
        if (record_machine_from_host(ret, hostname_buf, size) < 0)
                *ret = (RecordMachine) {};
}
