/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <ctype.h>
#include <inttypes.h>

#include "macro.h"
#include "user-record-effective.h"
#include "userdb-match.h"

bool userdb_match_is_set(const UserDBMatch *m) {
        return m && (m->fuzzy_names ||
                     m->disposition_mask != USERDB_DISPOSITION_MASK_ALL ||
                     m->id_min != 0 || m->id_max != USERDB_ID_MAX);
}

void userdb_match_done(UserDBMatch *m) {
        if (!m)
                return;
        m->fuzzy_names = strv_free(m->fuzzy_names);
}

/* Varlink "int" arrives as a json-c int; anything else, including a real
 * or an out-of-range value, is a wrong type for an id. */
static int parse_id(json_object *v, uint64_t *ret) {
        if (!json_object_is_type(v, json_type_int))
                return -EINVAL;
        if (json_object_get_int64(v) < 0)
                return -EINVAL;
        uint64_t u = json_object_get_uint64(v);
        if (u > USERDB_ID_MAX)
                return -EINVAL;
        *ret = u;
        return 0;
}

int userdb_match_from_params(json_object *params, bool group, const char **bad_field, UserDBMatch *ret) {
        UserDBMatch m = USERDB_MATCH_NULL;
        const char *fmin = group ? "gidMin" : "uidMin", *fmax = group ? "gidMax" : "uidMax";
        json_object *v;
        int r;

        if (!ret)
                return -EINVAL;

        if (json_object_object_get_ex(params, "fuzzyNames", &v) && v) {
                size_t n;

                if (!json_object_is_type(v, json_type_array))
                        goto bad_fuzzy;
                n = json_object_array_length(v);
                m.fuzzy_names = calloc(n + 1, sizeof(char *));
                if (!m.fuzzy_names)
                        return -ENOMEM;
                for (size_t i = 0; i < n; i++) {
                        json_object *e = json_object_array_get_idx(v, i);
                        if (!json_object_is_type(e, json_type_string)) {
                                userdb_match_done(&m);
                                goto bad_fuzzy;
                        }
                        m.fuzzy_names[i] = strdup(json_object_get_string(e));
                        if (!m.fuzzy_names[i]) {
                                userdb_match_done(&m);
                                return -ENOMEM;
                        }
                }
        }

        if (json_object_object_get_ex(params, "dispositionMask", &v) && v) {
                size_t n;

                if (!json_object_is_type(v, json_type_array))
                        goto bad_mask;
                n = json_object_array_length(v);
                /* An empty list accepts nothing, like an empty allow-list should. */
                m.disposition_mask = 0;
                for (size_t i = 0; i < n; i++) {
                        json_object *e = json_object_array_get_idx(v, i);
                        UserDisposition d;

                        if (!json_object_is_type(e, json_type_string))
                                goto bad_mask;
                        d = user_disposition_from_string(json_object_get_string(e));
                        if (d < 0)
                                goto bad_mask;
                        m.disposition_mask |= UINT64_C(1) << d;
                }
        }

        if (json_object_object_get_ex(params, fmin, &v) && v) {
                r = parse_id(v, &m.id_min);
                if (r < 0) {
                        if (bad_field)
                                *bad_field = fmin;
                        userdb_match_done(&m);
                        return r;
                }
        }
        if (json_object_object_get_ex(params, fmax, &v) && v) {
                r = parse_id(v, &m.id_max);
                if (r < 0) {
                        if (bad_field)
                                *bad_field = fmax;
                        userdb_match_done(&m);
                        return r;
                }
        }
        if (m.id_min > m.id_max) {
                if (bad_field)
                        *bad_field = fmin;
                userdb_match_done(&m);
                return -EINVAL;
        }

        *ret = m;
        return 0;

bad_fuzzy:
        if (bad_field)
                *bad_field = "fuzzyNames";
        return -EINVAL;
bad_mask:
        if (bad_field)
                *bad_field = "dispositionMask";
        userdb_match_done(&m);
        return -EINVAL;
}

int userdb_match_to_params(const UserDBMatch *m, bool group, json_object *params) {
        if (!m)
                return 0;

        if (m->fuzzy_names) {
                json_object *a = json_object_new_array();
                if (!a)
                        return -ENOMEM;
                for (char **n = m->fuzzy_names; *n; n++)
                        if (json_object_array_add(a, json_object_new_string(*n)) < 0) {
                                json_object_put(a);
                                return -ENOMEM;
                        }
                if (json_object_object_add(params, "fuzzyNames", a) < 0) {
                        json_object_put(a);
                        return -ENOMEM;
                }
        }

        if (m->disposition_mask != USERDB_DISPOSITION_MASK_ALL) {
                json_object *a = json_object_new_array();
                if (!a)
                        return -ENOMEM;
                for (int d = 0; d < _USER_DISPOSITION_MAX; d++)
                        if (m->disposition_mask & (UINT64_C(1) << d))
                                if (json_object_array_add(a, json_object_new_string(user_disposition_to_string(d))) < 0) {
                                        json_object_put(a);
                                        return -ENOMEM;
                                }
                if (json_object_object_add(params, "dispositionMask", a) < 0) {
                        json_object_put(a);
                        return -ENOMEM;
                }
        }

        if (m->id_min != 0 &&
            json_object_object_add(params, group ? "gidMin" : "uidMin", json_object_new_uint64(m->id_min)) < 0)
                return -ENOMEM;
        if (m->id_max != USERDB_ID_MAX &&
            json_object_object_add(params, group ? "gidMax" : "uidMax", json_object_new_uint64(m->id_max)) < 0)
                return -ENOMEM;
        return 0;
}

size_t userdb_levenshtein(const char *a, const char *b) {
        size_t la = strlen(a), lb = strlen(b);
        _cleanup_free_ size_t *row = NULL;

        /* One row of the classic table is enough; when out of memory the
         * answer "very far" makes the caller fall back to substring matching. */
        row = calloc(lb + 1, sizeof(size_t));
        if (!row)
                return SIZE_MAX;
        for (size_t j = 0; j <= lb; j++)
                row[j] = j;

        for (size_t i = 1; i <= la; i++) {
                size_t diag = row[0];
                row[0] = i;
                for (size_t j = 1; j <= lb; j++) {
                        size_t up = row[j];
                        size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
                        size_t best = MIN(row[j] + 1, row[j - 1] + 1);
                        row[j] = MIN(best, diag + cost);
                        diag = up;
                }
        }
        return row[lb];
}

static char *ascii_lower(const char *s) {
        char *c = strdup(s);
        if (!c)
                return NULL;
        for (char *p = c; *p; p++)
                *p = (char) tolower((unsigned char) *p);
        return c;
}

bool userdb_fuzzy_match(char * const *needles, const char * const *haystack, size_t nhay) {
        for (char * const *n = needles; n && *n; n++) {
                _cleanup_free_ char *ln = ascii_lower(*n);
                if (!ln)
                        return false;
                size_t len = strlen(ln);

                for (size_t i = 0; i < nhay; i++) {
                        if (!haystack[i])
                                continue;
                        _cleanup_free_ char *lh = ascii_lower(haystack[i]);
                        if (!lh)
                                return false;
                        if (strstr(lh, ln))
                                return true;
                        if (len >= 5 && userdb_levenshtein(lh, ln) < 3)
                                return true;
                }
        }
        return false;
}

static bool match_common(const UserDBMatch *m, uint64_t id, UserDisposition d) {
        if (m->id_min != 0 || m->id_max != USERDB_ID_MAX)
                if (id > USERDB_ID_MAX || id < m->id_min || id > m->id_max)
                        return false;

        if (m->disposition_mask != USERDB_DISPOSITION_MASK_ALL)
                if (d < 0 || !(m->disposition_mask & (UINT64_C(1) << d)))
                        return false;
        return true;
}

bool userdb_match_user(const UserDBMatch *m, const UserRecord *ur) {
        if (!m)
                return true;
        if (!ur)
                return false;
        /* No filter: the record itself is not read (a lookup then touches
         * no memory of it beyond what it sends). */
        if (!userdb_match_is_set(m))
                return true;
        if (!match_common(m, ur->uid == UID_INVALID ? UINT64_MAX : ur->uid, user_record_disposition(ur)))
                return false;
        if (!m->fuzzy_names)
                return true;

        size_t naliases = strv_length(ur->aliases);
        _cleanup_free_ const char **hay = calloc(5 + naliases, sizeof(char *));
        if (!hay)
                return false;
        size_t n = 0;
        hay[n++] = ur->user_name;
        hay[n++] = ur->user_name_and_realm;
        hay[n++] = ur->real_name;
        hay[n++] = ur->email_address;
        hay[n++] = ur->cifs_user_name;
        for (size_t i = 0; i < naliases; i++)
                hay[n++] = ur->aliases[i];
        return userdb_fuzzy_match(m->fuzzy_names, hay, n);
}

bool userdb_match_group(const UserDBMatch *m, const GroupRecord *gr) {
        if (!m)
                return true;
        if (!gr)
                return false;
        if (!userdb_match_is_set(m))
                return true;
        if (!match_common(m, gr->gid == GID_INVALID ? UINT64_MAX : gr->gid, group_record_disposition(gr)))
                return false;
        if (!m->fuzzy_names)
                return true;

        const char *hay[] = { gr->group_name, gr->group_name_and_realm, gr->description };
        return userdb_fuzzy_match(m->fuzzy_names, hay, ELEMENTSOF(hay));
}
