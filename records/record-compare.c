/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "record-compare.h"

#include <errno.h>

#include "macro.h"
#include "record-section.h"

int user_record_compare_last_change(const UserRecord *a, const UserRecord *b) {
        uint64_t x = a->last_change_usec, y = b->last_change_usec;

        if (x == y)
                return 0;
        if (x == UINT64_MAX)
                return -1;
        if (y == UINT64_MAX)
                return 1;
        return x < y ? -1 : 1;
}

bool user_record_compatible(const UserRecord *a, const UserRecord *b) {
        return a->user_name && streq_ptr(a->user_name, b->user_name) && streq_ptr(a->realm, b->realm);
}

bool user_record_masked_equal(const UserRecord *a, const UserRecord *b, RecordSection mask) {
        json_object *x = NULL, *y = NULL;
        bool eq;

        if (record_json_filter_sections(a->json, mask, &x) < 0)
                return false;
        if (record_json_filter_sections(b->json, mask, &y) < 0) {
                json_object_put(x);
                return false;
        }
        eq = json_object_equal(x, y);
        json_object_put(x);
        json_object_put(y);
        return eq;
}

/* The embedded record with the host's binding section copied in. */
static int embedded_with_host_binding(UserRecord *host, UserRecord *embedded, const RecordLoadOptions *options,
                                      UserRecord **ret, RecordError *error) {
        json_object *copy = NULL, *binding;
        RecordLoadOptions o = options ? *options : (RecordLoadOptions) { .policy = RECORD_POLICY_HOST };
        int r;

        if (json_object_deep_copy(embedded->json, &copy, NULL) < 0)
                return record_error(error, -ENOMEM, NULL, "out of memory");

        if (json_object_object_get_ex(host->json, "binding", &binding)) {
                json_object *b = NULL;

                if (json_object_deep_copy(binding, &b, NULL) < 0 ||
                    json_object_object_add(copy, "binding", b) < 0) {
                        json_object_put(b);
                        json_object_put(copy);
                        return record_error(error, -ENOMEM, NULL, "out of memory");
                }
        }

        r = user_record_load(copy, &o, ret, error);
        json_object_put(copy);
        return r;
}

int user_record_reconcile(UserRecord *host, UserRecord *embedded, ReconcileMode mode,
                          const RecordLoadOptions *options, UserRecord **ret, RecordError *error) {
        ReconcileResult result;
        UserRecord *winner = NULL;
        int c, r;

        if (!(host->sections & RECORD_REGULAR) || !(embedded->sections & RECORD_REGULAR))
                return record_error(error, -EREMCHG, NULL, "record has no regular section");
        if (!user_record_compatible(host, embedded))
                return record_error(error, -EREMCHG, "userName", "host and embedded records are for different users");
        if (embedded->sections & (RECORD_SECRET | RECORD_BINDING))
                return record_error(error, -EPERM, NULL, "embedded record carries a secret or binding section");

        c = user_record_compare_last_change(host, embedded);
        if (c > 0)
                result = RECONCILE_HOST_WIN;
        else if (c == 0)
                result = user_record_masked_equal(host, embedded, RECORD_SIGNABLE) ? RECONCILE_IDENTICAL
                                                                                    : RECONCILE_HOST_WIN_EQUAL;
        else
                result = RECONCILE_EMBEDDED_WIN;

        switch (mode) {
        case RECONCILE_REQUIRE_NEWER:
                if (result == RECONCILE_IDENTICAL || result == RECONCILE_EMBEDDED_WIN)
                        return record_error(error, -ESTALE, "lastChangeUSec", "host record is not newer than the embedded one");
                break;
        case RECONCILE_REQUIRE_NEWER_OR_EQUAL:
                if (result == RECONCILE_EMBEDDED_WIN)
                        return record_error(error, -ESTALE, "lastChangeUSec", "embedded record is newer than the host one");
                break;
        default:
                break;
        }

        if (result == RECONCILE_EMBEDDED_WIN) {
                r = embedded_with_host_binding(host, embedded, options, &winner, error);
                if (r < 0)
                        return r;
        } else
                winner = user_record_ref(host);

        if (ret)
                *ret = winner;
        else
                user_record_unref(winner);
        return (int) result;
}

int user_record_check_update(const UserRecord *current, const UserRecord *incoming) {
        if (!user_record_compatible(current, incoming))
                return -EREMCHG;
        if (user_record_compare_last_change(current, incoming) > 0)
                return -ESTALE;
        return 0;
}
