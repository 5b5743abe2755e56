/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* The lookup parameters a client sends (fuzzyNames, dispositionMask,
 * uid/gid ranges) parsed and applied to a fixed user and group. */

#include <stdint.h>

#include "macro.h"
#include "userdb-match.h"
#include "userdb-util.h"

static UserRecord *user;
static GroupRecord *group;

static void setup(void) {
        RecordMachine machine = {};
        RecordLoadOptions lo = { .policy = RECORD_POLICY_ANY, .machine = &machine };
        _cleanup_json_ json_object *u = json_tokener_parse(
                "{\"userName\":\"alice\",\"uid\":60100,\"realName\":\"Alice Liddell\",\"realm\":\"example.com\","
                "\"emailAddress\":\"alice@example.com\",\"aliases\":[\"ally\"]}");
        _cleanup_json_ json_object *g = json_tokener_parse(
                "{\"groupName\":\"wheel\",\"gid\":10,\"description\":\"Administrators\"}");
        if (user_record_load(u, &lo, &user, NULL) < 0 || group_record_load(g, &lo, &group, NULL) < 0)
                abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        if (!user)
                setup();
        if (size > 65536)
                return 0;

        _cleanup_free_ char *s = strndup((const char *) data, size);
        if (!s)
                return 0;
        _cleanup_json_ json_object *params = json_tokener_parse(s);
        if (!params)
                return 0;

        for (int g = 0; g < 2; g++) {
                UserDBMatch m;
                const char *bad = NULL;
                if (userdb_match_from_params(params, g, &bad, &m) < 0) {
                        if (!bad)
                                abort();   /* a refusal always names the field */
                        continue;
                }
                (void) userdb_match_user(&m, user);
                (void) userdb_match_group(&m, group);
                _cleanup_json_ json_object *out = json_object_new_object();
                if (out && userdb_match_to_params(&m, g, out) >= 0) {
                        UserDBMatch m2;
                        if (userdb_match_from_params(out, g, &bad, &m2) < 0)
                                abort();   /* what we send, we accept */
                        if (m2.id_min != m.id_min || m2.id_max != m.id_max ||
                            m2.disposition_mask != m.disposition_mask ||
                            strv_length(m2.fuzzy_names) != strv_length(m.fuzzy_names))
                                abort();
                        userdb_match_done(&m2);
                }
                userdb_match_done(&m);
        }
        return 0;
}
