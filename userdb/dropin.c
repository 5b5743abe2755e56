/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <fcntl.h>
#include <json-c/linkhash.h>
#include <limits.h>
#include <stdarg.h>
#include <sys/mman.h>
#include <sys/stat.h>

#include "dropin.h"
#include "fileio.h"
#include "macro.h"
#include "record-json.h"
#include "record-validate.h"
#include "userdb-util.h"

const char *const dropin_default_dirs[] = {
        "/etc/userdb",
        "/run/userdb",
        "/run/host/userdb",
        "/usr/local/lib/userdb",
        "/usr/lib/userdb",
        NULL,
};

typedef struct IndexList {
        size_t *v;
        size_t n, allocated;
} IndexList;

struct DropinDB {
        unsigned n_ref;

        DropinEntry **users, **groups;
        size_t n_users, n_groups;

        DropinMembership *memberships;
        size_t n_memberships, allocated_memberships;
        /* Owned name strings of the memberships. */
        char **strings;
        size_t n_strings, allocated_strings;

        IndexList *lists;
        size_t n_lists, allocated_lists;

        /* name -> DropinEntry*, id + 1 -> DropinEntry*, "U:G" -> pair,
         * name -> IndexList index + 1. Keys are borrowed from entries or
         * from `strings`. */
        struct lh_table *user_by_name, *user_by_uid, *group_by_name, *group_by_gid;
        struct lh_table *pair_set, *pairs_by_user, *pairs_by_group;

        /* Every served entry with its name and reply texts, packed (see
         * pack()); NULL while loading. Entries then live in here. */
        char *arena;
};

/* A file found while scanning, before it is read. */
typedef struct FoundFile {
        char *path;
        char *stem;            /* file name without suffix */
} FoundFile;

typedef struct FileList {
        FoundFile *v;
        size_t n, allocated;
} FileList;

enum {
        KIND_USER,
        KIND_USER_PRIVILEGED,
        KIND_GROUP,
        KIND_GROUP_PRIVILEGED,
        KIND_MEMBERSHIP,
        _KIND_MAX,
};

static const char *const kind_suffix[_KIND_MAX] = {
        [KIND_USER] = ".user",
        [KIND_USER_PRIVILEGED] = ".user-privileged",
        [KIND_GROUP] = ".group",
        [KIND_GROUP_PRIVILEGED] = ".group-privileged",
        [KIND_MEMBERSHIP] = ".membership",
};

typedef struct LoadContext {
        const DropinLoadOptions *options;
        DropinDB *db;
        RecordMachine machine;
        char machine_id[33];
        char hostname[256];
        RecordLoadOptions load;
        FileList files[_KIND_MAX];
        struct lh_table *seen;          /* file names already found (masking) */
        struct lh_table *privileged[2]; /* stem -> FoundFile* for users/groups */
} LoadContext;

static bool grow(void **p, size_t *allocated, size_t need, size_t size) {
        if (need <= *allocated)
                return true;
        size_t n = MAX(need, *allocated * 2 + 8);
        void *q = reallocarray(*p, n, size);
        if (!q)
                return false;
        *p = q;
        *allocated = n;
        return true;
}

static void warn(LoadContext *c, const char *path, int error, const char *fmt, ...) _printf_(4, 5);
static void warn(LoadContext *c, const char *path, int error, const char *fmt, ...) {
        char buf[768];
        va_list ap;

        if (!c->options->warn)
                return;
        va_start(ap, fmt);
        vsnprintf(buf, sizeof buf, fmt, ap);
        va_end(ap);
        c->options->warn(path, error, buf, c->options->userdata);
}

static DropinEntry *entry_free(DropinEntry *e) {
        if (!e)
                return NULL;
        free(e->path);
        user_record_unref(e->user);
        group_record_unref(e->group);
        free(e->reply);
        free(e->reply_full);
        free(e);
        return NULL;
}

/* An entry inside the arena: only what it points to outside is its own. */
static void packed_entry_done(DropinEntry *e) {
        free(e->path);
        user_record_unref(e->user);
        group_record_unref(e->group);
}

static void db_free(DropinDB *db) {
        for (int group = 0; group < 2; group++) {
                DropinEntry **v = group ? db->groups : db->users;
                size_t n = group ? db->n_groups : db->n_users;
                for (size_t i = 0; i < n; i++)
                        if (db->arena)
                                packed_entry_done(v[i]);
                        else
                                entry_free(v[i]);
        }
        free(db->arena);
        free(db->users);
        free(db->groups);
        free(db->memberships);
        for (size_t i = 0; i < db->n_strings; i++)
                free(db->strings[i]);
        free(db->strings);
        for (size_t i = 0; i < db->n_lists; i++)
                free(db->lists[i].v);
        free(db->lists);
        struct lh_table *tables[] = {
                db->user_by_name, db->user_by_uid, db->group_by_name, db->group_by_gid,
                db->pair_set, db->pairs_by_user, db->pairs_by_group,
        };
        for (size_t i = 0; i < ELEMENTSOF(tables); i++)
                if (tables[i])
                        lh_table_free(tables[i]);
        free(db);
}

DropinDB *dropin_db_ref(DropinDB *db) {
        if (db)
                db->n_ref++;
        return db;
}

DropinDB *dropin_db_unref(DropinDB *db) {
        if (db && --db->n_ref == 0)
                db_free(db);
        return NULL;
}

static void *lookup(struct lh_table *t, const void *k) {
        void *v = NULL;
        if (!t || !lh_table_lookup_ex(t, k, &v))
                return NULL;
        return v;
}

/* Inserts unless the key is present. 1 inserted, 0 present, -ENOMEM. */
static int insert_new(struct lh_table *t, const void *k, const void *v) {
        if (lh_table_lookup_ex(t, k, NULL))
                return 0;
        return lh_table_insert(t, k, v) < 0 ? -ENOMEM : 1;
}

static const void *id_key(uint64_t id) {
        return (const void *) (uintptr_t) (id + 1);
}

/* json-c's pointer hash sends runs of 16 consecutive values to one slot,
 * and ids come in runs (uid 60001, 60002...): with thousands of records
 * the probe chains grew to thousands of slots. A 64-bit multiplicative
 * hash spreads them. */
static unsigned long id_hash(const void *k) {
        return (unsigned long) (((uint64_t) (uintptr_t) k * UINT64_C(0x9E3779B97F4A7C15)) >> 32);
}

static int id_equal(const void *a, const void *b) {
        return a == b;
}

static struct lh_table *value_table_new(int size) {
        return lh_table_new(size, NULL, id_hash, id_equal);
}

static bool stem_is_id(const char *s, uint32_t *ret) {
        char *end;
        unsigned long long v;

        if (!s[0] || s[0] < '0' || s[0] > '9' || (s[0] == '0' && s[1]))
                return false;
        errno = 0;
        v = strtoull(s, &end, 10);
        if (errno || *end || v > UINT32_C(4294967294))
                return false;
        *ret = (uint32_t) v;
        return true;
}

static void seen_free(struct lh_entry *e) {
        free(lh_entry_k(e));
}

static void found_free(struct lh_entry *e) {
        (void) e;
}

static void file_list_done(FileList *l) {
        for (size_t i = 0; i < l->n; i++) {
                free(l->v[i].path);
                free(l->v[i].stem);
        }
        free(l->v);
        *l = (FileList) {};
}

static int scan_dir(LoadContext *c, const char *dir) {
        _cleanup_free_ struct dirent **names = NULL;
        int n, r = 0;

        n = scandir(dir, &names, NULL, alphasort);
        if (n < 0) {
                if (errno != ENOENT && errno != ENOTDIR)
                        warn(c, dir, -errno, "cannot read directory: %m");
                return 0;
        }

        for (int i = 0; i < n; i++) {
                const char *fn = names[i]->d_name;
                size_t len = strlen(fn);
                int kind = -1;

                for (int k = 0; k < _KIND_MAX && kind < 0; k++) {
                        size_t sl = strlen(kind_suffix[k]);
                        if (len > sl && streq(fn + len - sl, kind_suffix[k]))
                                kind = k;
                }
                if (kind < 0 || fn[0] == '.' || r < 0)
                        goto next;

                if (lh_table_lookup_ex(c->seen, fn, NULL))
                        goto next;   /* masked by an earlier directory */
                char *key = strdup(fn);
                if (!key || lh_table_insert(c->seen, key, NULL) < 0) {
                        free(key);
                        r = -ENOMEM;
                        goto next;
                }

                FileList *l = &c->files[kind];
                if (!grow((void **) &l->v, &l->allocated, l->n + 1, sizeof(FoundFile))) {
                        r = -ENOMEM;
                        goto next;
                }
                FoundFile *f = &l->v[l->n];
                f->stem = strndup(fn, len - strlen(kind_suffix[kind]));
                if (asprintf(&f->path, "%s/%s", dir, fn) < 0)
                        f->path = NULL;
                if (!f->stem || !f->path) {
                        free(f->stem);
                        free(f->path);
                        r = -ENOMEM;
                        goto next;
                }
                l->n++;
        next:
                free(names[i]);
        }
        return r;
}

/* Reads one record file. Symlinks are followed (the UID links are ones);
 * anything but a regular file, or a file larger than a record can be, is
 * refused. */
static int read_json_file(const char *path, json_object **ret, RecordError *error) {
        _cleanup_free_ char *buf = NULL;
        size_t size = 0;
        int r;

        r = read_full_file_at(AT_FDCWD, path, O_NONBLOCK, RECORD_JSON_SIZE_MAX_DEFAULT, READ_FULL_REGULAR, &buf, &size);
        if (r == -ENOMEM)
                return r;
        if (r == -EFBIG)
                return record_error(error, r, NULL, "file larger than %u bytes", RECORD_JSON_SIZE_MAX_DEFAULT);
        if (r == -EBADFD)
                return record_error(error, r, NULL, "not a regular file");
        if (r < 0)
                return record_error(error, r, NULL, "cannot read: %s", strerror(-r));
        return record_json_parse(buf, size, 0, ret, error);
}

/* The privileged section of NAME.user-privileged merged over one inline in
 * the record. Sets *incomplete when the file exists but cannot be read. */
static int load_privileged(LoadContext *c, int which, const char *stem, json_object *inline_priv,
                           json_object **ret, bool *incomplete) {
        FoundFile *f = lookup(c->privileged[which], stem);
        json_object *priv = inline_priv ? json_object_get(inline_priv) : NULL;

        if (f) {
                json_object *o = NULL, *p;
                RecordError err = {};
                int r = read_json_file(f->path, &o, &err);

                if (r == -ENOMEM) {
                        json_object_put(priv);
                        return r;
                }
                if (r < 0) {
                        warn(c, f->path, r, "privileged data not served: %s", err.message);
                        *incomplete = true;
                } else if (!json_object_object_get_ex(o, "privileged", &p) ||
                           !json_object_is_type(p, json_type_object)) {
                        warn(c, f->path, -EBADMSG, "privileged data not served: no \"privileged\" object");
                        *incomplete = true;
                } else {
                        if (!priv)
                                priv = json_object_new_object();
                        if (!priv) {
                                json_object_put(o);
                                return -ENOMEM;
                        }
                        json_object_object_foreach(p, k, v)
                                if (json_object_object_add(priv, k, json_object_get(v)) < 0) {
                                        json_object_put(o);
                                        json_object_put(priv);
                                        return -ENOMEM;
                                }
                }
                json_object_put(o);
        }
        *ret = priv;
        return 0;
}

static int set_status_service(LoadContext *c, json_object *record) {
        json_object *status, *mine;

        if (!c->options->service)
                return 0;
        if (!json_object_object_get_ex(record, "status", &status) ||
            !json_object_is_type(status, json_type_object)) {
                status = json_object_new_object();
                if (!status || json_object_object_add(record, "status", status) < 0) {
                        json_object_put(status);
                        return -ENOMEM;
                }
        }
        if (!json_object_object_get_ex(status, c->machine_id, &mine) ||
            !json_object_is_type(mine, json_type_object)) {
                mine = json_object_new_object();
                if (!mine || json_object_object_add(status, c->machine_id, mine) < 0) {
                        json_object_put(mine);
                        return -ENOMEM;
                }
        }
        json_object *s = json_object_new_string(c->options->service);
        if (!s || json_object_object_add(mine, "service", s) < 0) {
                json_object_put(s);
                return -ENOMEM;
        }
        return 0;
}

/* {"record":<record>,"incomplete":B} as text, the form every reply has. */
static int serialize_reply(json_object *record, bool incomplete, char **ret, size_t *ret_len) {
        size_t n;
        const char *t = json_object_to_json_string_length(record, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE, &n);
        int k;

        if (!t)
                return -ENOMEM;
        k = asprintf(ret, "{\"record\":%s,\"incomplete\":%s}", t, incomplete ? "true" : "false");
        if (k < 0)
                return -ENOMEM;
        *ret_len = (size_t) k;
        return 0;
}

/* Reads, validates and prepares one record. Returns 1 and the entry, 0
 * when the file was skipped (already reported), -ENOMEM. */
static int load_entry(LoadContext *c, bool group, const FoundFile *f, const char *expect_name,
                      const uint32_t *expect_id, DropinEntry **ret) {
        /* Declared before any goto: the skip path jumps over later code. */
        _cleanup_json_ json_object *v = NULL, *full = NULL;
        json_object *inline_priv = NULL;
        RecordError err = {};
        int r;

        r = read_json_file(f->path, &v, &err);
        if (r == -ENOMEM)
                return r;
        if (r < 0) {
                warn(c, f->path, r, "skipped: %s", err.message);
                return 0;
        }

        if (json_object_object_get_ex(v, "secret", NULL)) {
                warn(c, f->path, -EPERM, "contains a \"secret\" section, which is never served; dropped");
                json_object_object_del(v, "secret");
        }
        if (json_object_object_get_ex(v, "privileged", &inline_priv))
                json_object_get(inline_priv);
        _cleanup_json_ json_object *ip = inline_priv;
        json_object_object_del(v, "privileged");

        r = set_status_service(c, v);
        if (r < 0)
                return r;

        _cleanup_free_ DropinEntry *e = calloc(1, sizeof(DropinEntry));
        if (!e)
                return -ENOMEM;

        if (group)
                r = group_record_load(v, &c->load, &e->group, &err);
        else
                r = user_record_load(v, &c->load, &e->user, &err);
        if (r == -ENOMEM)
                return r;
        if (r < 0) {
                warn(c, f->path, r, "skipped, not a valid %s record: %s", group ? "group" : "user", err.message);
                return 0;
        }

        const char *name = group ? e->group->group_name : e->user->user_name;
        uint64_t id = group ? (e->group->gid == GID_INVALID ? UINT64_MAX : e->group->gid)
                            : (e->user->uid == UID_INVALID ? UINT64_MAX : e->user->uid);
        if (expect_name && !streq(name, expect_name)) {
                warn(c, f->path, -EBADMSG, "skipped: record is for '%s', not '%s'", name, expect_name);
                goto skip;
        }
        if (expect_id && id != *expect_id) {
                warn(c, f->path, -EBADMSG, "skipped: record has %s %s, not %" PRIu32,
                     group ? "gid" : "uid", id == UINT64_MAX ? "none" : "another", *expect_id);
                goto skip;
        }

        json_object *priv = NULL;
        r = load_privileged(c, group, name, ip, &priv, &e->incomplete);
        if (r < 0)
                goto fail;
        if (priv) {
                if (json_object_deep_copy(v, &full, NULL) < 0) {
                        json_object_put(priv);
                        r = -ENOMEM;
                        goto fail;
                }
                json_object_object_add(full, "privileged", priv);
                /* The privileged data must be as valid as the rest. */
                r = group ? group_record_validate(full, &c->load, &err)
                          : user_record_validate(full, &c->load, &err);
                if (r == -ENOMEM)
                        goto fail;
                if (r < 0) {
                        warn(c, f->path, r, "privileged data not served: %s", err.message);
                        full = (json_object_put(full), NULL);
                        e->incomplete = true;
                }
        }

        /* Only the bytes are kept: the typed record answers the filters,
         * and a second JSON tree per entry would cost memory for nothing. */
        r = serialize_reply(v, e->incomplete || full, &e->reply, &e->reply_len);
        if (r >= 0 && full)
                r = serialize_reply(full, e->incomplete, &e->reply_full, &e->reply_full_len);
        if (r < 0)
                goto fail;

        e->path = strdup(f->path);
        if (!e->path) {
                r = -ENOMEM;
                goto fail;
        }
        *ret = TAKE_PTR(e);
        return 1;

skip:
        r = 0;
fail:
        user_record_unref(e->user);
        group_record_unref(e->group);
        free(e->reply);
        free(e->reply_full);
        return r;
}

static const char *entry_name(const DropinEntry *e) {
        return e->user ? e->user->user_name : e->group->group_name;
}

static int index_entry(LoadContext *c, bool group, DropinEntry *e) {
        DropinDB *db = c->db;
        struct lh_table *by_name = group ? db->group_by_name : db->user_by_name;
        struct lh_table *by_id = group ? db->group_by_gid : db->user_by_uid;
        const char *name = entry_name(e);
        const char *full = group ? e->group->group_name_and_realm : e->user->user_name_and_realm;
        uint64_t id = group ? (e->group->gid == GID_INVALID ? UINT64_MAX : e->group->gid)
                            : (e->user->uid == UID_INVALID ? UINT64_MAX : e->user->uid);
        DropinEntry *other;
        int r;

        other = lookup(by_name, name);
        if (other) {
                warn(c, e->path, -EEXIST, "skipped: %s '%s' is already defined by %s",
                     group ? "group" : "user", name, other->path);
                entry_free(e);
                return 0;
        }

        DropinEntry ***list = group ? &db->groups : &db->users;
        size_t *n = group ? &db->n_groups : &db->n_users;
        size_t allocated = *n;   /* exact growth keeps this simple; load is rare */
        if (!grow((void **) list, &allocated, *n + 1, sizeof(DropinEntry *))) {
                entry_free(e);
                return -ENOMEM;
        }
        (*list)[(*n)++] = e;

        if (insert_new(by_name, name, e) < 0)
                return -ENOMEM;
        if (full && insert_new(by_name, full, e) < 0)
                return -ENOMEM;
        if (!group)
                for (char **a = e->user->aliases; a && *a; a++) {
                        r = insert_new(by_name, *a, e);
                        if (r < 0)
                                return r;
                        if (r == 0 && lookup(by_name, *a) != e)
                                warn(c, e->path, -EEXIST, "alias '%s' already names another user, ignored", *a);
                }
        if (id != UINT64_MAX) {
                other = lookup(by_id, id_key(id));
                if (other)
                        warn(c, e->path, -EEXIST, "%s %" PRIu64 " is already used by %s; only found by name",
                             group ? "gid" : "uid", id, other->path);
                else if (insert_new(by_id, id_key(id), e) < 0)
                        return -ENOMEM;
        }
        return 1;
}

/* Packing. With thousands of records, a lookup's cost is dominated by
 * cache and TLB misses, not instructions: the table slot, the key string
 * inside the typed record, the entry and its reply text were four heap
 * objects far apart. Once everything is loaded, each entry is copied into
 * one block together with its name (the key the lookup compares) and its
 * reply texts, in that order, starting on a cache line; the block is
 * offered huge pages when it is big enough. A lookup by name then reads
 * the table slot and one run of adjacent lines. The name tables are
 * rebuilt to use the packed names, the id tables get the new entries. */

#define CACHE_LINE 64U
#define HUGE_PAGE (2U * 1024U * 1024U)

static size_t align_to(size_t n, size_t a) {
        return (n + a - 1) / a * a;
}

static size_t packed_size(const DropinEntry *e) {
        return align_to(sizeof(DropinEntry) + strlen(entry_name(e)) + 1 + e->reply_len + 1 +
                        (e->reply_full ? e->reply_full_len + 1 : 0), CACHE_LINE);
}

static char *arena_alloc(size_t n) {
        void *p = NULL;

        if (n < HUGE_PAGE)
                return aligned_alloc(CACHE_LINE, align_to(MAX(n, (size_t) CACHE_LINE), CACHE_LINE));
        n = align_to(n, HUGE_PAGE);
        if (posix_memalign(&p, HUGE_PAGE, n) != 0)
                return NULL;
        (void) madvise(p, n, MADV_HUGEPAGE); /* only advice: without it, small pages */
        return p;
}

static char *put(char *d, const char *s, size_t n) {
        memcpy(d, s, n);
        d[n] = 0;
        return d + n + 1;
}

/* Copies e into the block at d; the copy's name is returned in *ret_name. */
static DropinEntry *pack_entry(const DropinEntry *e, char *d, const char **ret_name) {
        DropinEntry *p = (DropinEntry *) d;
        const char *name = entry_name(e);
        char *q = d + sizeof(DropinEntry);

        *p = *e;
        *ret_name = q;
        q = put(q, name, strlen(name));
        p->reply = q;
        q = put(q, e->reply, e->reply_len);
        if (e->reply_full) {
                p->reply_full = q;
                (void) put(q, e->reply_full, e->reply_full_len);
        }
        return p;
}

/* The new table of names: same keys and order, packed names for primary
 * names, packed entries as values. */
static struct lh_table *repack_names(struct lh_table *old, struct lh_table *map, struct lh_table *names) {
        struct lh_table *t = lh_kchar_table_new(MAX(2 * lh_table_length(old), 64), NULL);
        struct lh_entry *ent;

        if (!t)
                return NULL;
        lh_foreach(old, ent) {
                const DropinEntry *e = lh_entry_v(ent);
                DropinEntry *p = lookup(map, e);
                const char *k = lh_entry_k(ent);
                if (k == entry_name(e))
                        k = lookup(names, p);
                if (lh_table_insert(t, k, p) < 0) {
                        lh_table_free(t);
                        return NULL;
                }
        }
        return t;
}

static int pack(DropinDB *db) {
        size_t total = 0, n = db->n_users + db->n_groups;
        struct lh_table *map = NULL, *names = NULL, *ub = NULL, *gb = NULL;
        char *arena = NULL;
        int r = -ENOMEM;

        for (size_t i = 0; i < n; i++) {
                const DropinEntry *e = i < db->n_users ? db->users[i] : db->groups[i - db->n_users];
                size_t k = packed_size(e);
                if (total + k < total)
                        return -ENOMEM;
                total += k;
        }

        arena = arena_alloc(total);
        /* old entry -> packed entry, packed entry -> packed name */
        map = value_table_new(MAX(2 * (int) MIN(n, (size_t) INT_MAX / 4), 64));
        names = value_table_new(MAX(2 * (int) MIN(n, (size_t) INT_MAX / 4), 64));
        if (!arena || !map || !names)
                goto finish;

        char *d = arena;
        for (size_t i = 0; i < n; i++) {
                const DropinEntry *e = i < db->n_users ? db->users[i] : db->groups[i - db->n_users];
                const char *name;
                DropinEntry *p = pack_entry(e, d, &name);
                d += packed_size(e);
                if (lh_table_insert(map, e, p) < 0 || lh_table_insert(names, p, name) < 0)
                        goto finish;
        }
        ub = repack_names(db->user_by_name, map, names);
        gb = repack_names(db->group_by_name, map, names);
        if (!ub || !gb)
                goto finish;

        /* Nothing can fail from here on. */
        struct lh_entry *ent;
        lh_foreach(db->user_by_uid, ent)
                lh_entry_set_val(ent, lookup(map, lh_entry_v(ent)));
        lh_foreach(db->group_by_gid, ent)
                lh_entry_set_val(ent, lookup(map, lh_entry_v(ent)));
        lh_table_free(db->user_by_name);
        lh_table_free(db->group_by_name);
        db->user_by_name = TAKE_PTR(ub);
        db->group_by_name = TAKE_PTR(gb);
        for (size_t i = 0; i < n; i++) {
                DropinEntry **slot = i < db->n_users ? &db->users[i] : &db->groups[i - db->n_users];
                DropinEntry *e = *slot;
                *slot = lookup(map, e);
                free(e->reply);
                free(e->reply_full);
                free(e); /* path and records moved to the packed copy */
        }
        db->arena = TAKE_PTR(arena);
        r = 0;
finish:
        free(arena);
        if (ub)
                lh_table_free(ub);
        if (gb)
                lh_table_free(gb);
        if (map)
                lh_table_free(map);
        if (names)
                lh_table_free(names);
        return r;
}

static int load_kind(LoadContext *c, bool group) {
        FileList *l = &c->files[group ? KIND_GROUP : KIND_USER];
        int r;

        /* Named files first, so that an id link pointing at one of them
         * finds it already indexed. */
        for (int pass = 0; pass < 2; pass++)
                for (size_t i = 0; i < l->n; i++) {
                        FoundFile *f = &l->v[i];
                        DropinEntry *e = NULL;
                        uint32_t id;
                        bool numeric = stem_is_id(f->stem, &id);

                        if (numeric != (pass == 1))
                                continue;

                        if (!numeric) {
                                if (!valid_user_group_name_relaxed(f->stem)) {
                                        warn(c, f->path, -EINVAL, "skipped: '%s' is not a valid name", f->stem);
                                        continue;
                                }
                                r = load_entry(c, group, f, f->stem, NULL, &e);
                                if (r < 0)
                                        return r;
                                if (r == 0)
                                        continue;
                                r = index_entry(c, group, e);
                                if (r < 0)
                                        return r;
                                continue;
                        }

                        /* UID.user / GID.group: normally a link to a named file. */
                        struct stat st;
                        if (stat(f->path, &st) < 0) {
                                warn(c, f->path, -errno, "skipped: %s link target: %m",
                                     errno == ENOENT ? "missing" : "unreadable");
                                continue;
                        }
                        DropinEntry *known = lookup(group ? c->db->group_by_gid : c->db->user_by_uid, id_key(id));
                        r = load_entry(c, group, f, NULL, &id, &e);
                        if (r < 0)
                                return r;
                        if (r == 0)
                                continue;
                        if (known && streq(entry_name(known), entry_name(e))) {
                                entry_free(e);      /* the named file, seen already */
                                continue;
                        }
                        if (known) {
                                warn(c, f->path, -EEXIST, "skipped: %s %" PRIu32 " is already used by %s",
                                     group ? "gid" : "uid", id, known->path);
                                entry_free(e);
                                continue;
                        }
                        r = index_entry(c, group, e);
                        if (r < 0)
                                return r;
                }
        return 0;
}

static char *own_string(DropinDB *db, const char *s) {
        if (!grow((void **) &db->strings, &db->allocated_strings, db->n_strings + 1, sizeof(char *)))
                return NULL;
        char *d = strdup(s);
        if (d)
                db->strings[db->n_strings++] = d;
        return d;
}

static int list_add(DropinDB *db, struct lh_table *t, const char *key, size_t idx) {
        uintptr_t li = (uintptr_t) lookup(t, key);

        if (li == 0) {
                if (!grow((void **) &db->lists, &db->allocated_lists, db->n_lists + 1, sizeof(IndexList)))
                        return -ENOMEM;
                db->lists[db->n_lists] = (IndexList) {};
                li = ++db->n_lists;
                if (lh_table_insert(t, key, (void *) li) < 0)
                        return -ENOMEM;
        }
        IndexList *l = &db->lists[li - 1];
        if (!grow((void **) &l->v, &l->allocated, l->n + 1, sizeof(size_t)))
                return -ENOMEM;
        l->v[l->n++] = idx;
        return 0;
}

static int add_membership(DropinDB *db, const char *user, const char *group) {
        _cleanup_free_ char *pair = NULL;

        if (asprintf(&pair, "%s:%s", user, group) < 0)
                return -ENOMEM;
        if (lh_table_lookup_ex(db->pair_set, pair, NULL))
                return 0;

        char *k = own_string(db, pair), *u = own_string(db, user), *g = own_string(db, group);
        if (!k || !u || !g)
                return -ENOMEM;
        if (!grow((void **) &db->memberships, &db->allocated_memberships, db->n_memberships + 1,
                  sizeof(DropinMembership)))
                return -ENOMEM;
        size_t idx = db->n_memberships++;
        db->memberships[idx] = (DropinMembership) { .user = u, .group = g };

        if (lh_table_insert(db->pair_set, k, (void *) (uintptr_t) (idx + 1)) < 0)
                return -ENOMEM;
        if (list_add(db, db->pairs_by_user, u, idx) < 0 || list_add(db, db->pairs_by_group, g, idx) < 0)
                return -ENOMEM;
        return 1;
}

static int load_memberships(LoadContext *c) {
        FileList *l = &c->files[KIND_MEMBERSHIP];
        DropinDB *db = c->db;
        int r;

        for (size_t i = 0; i < l->n; i++) {
                char *stem = l->v[i].stem, *colon = strchr(stem, ':');

                if (!colon) {
                        warn(c, l->v[i].path, -EINVAL, "skipped: name is not USER:GROUP.membership");
                        continue;
                }
                *colon = 0;
                if (!valid_user_group_name_relaxed(stem) || !valid_user_group_name_relaxed(colon + 1)) {
                        *colon = ':';
                        warn(c, l->v[i].path, -EINVAL, "skipped: not a valid user or group name");
                        continue;
                }
                r = add_membership(db, stem, colon + 1);
                *colon = ':';
                if (r < 0)
                        return r;
        }

        /* Memberships a record declares itself count as well (group-record.md §5). */
        for (size_t i = 0; i < db->n_users; i++)
                for (char **g = db->users[i]->user->member_of; g && *g; g++) {
                        r = add_membership(db, db->users[i]->user->user_name, *g);
                        if (r < 0)
                                return r;
                }
        for (size_t i = 0; i < db->n_groups; i++)
                for (char **u = db->groups[i]->group->members; u && *u; u++) {
                        r = add_membership(db, *u, db->groups[i]->group->group_name);
                        if (r < 0)
                                return r;
                }
        return 0;
}

static void context_done(LoadContext *c) {
        for (int k = 0; k < _KIND_MAX; k++)
                file_list_done(&c->files[k]);
        if (c->seen)
                lh_table_free(c->seen);
        for (int i = 0; i < 2; i++)
                if (c->privileged[i])
                        lh_table_free(c->privileged[i]);
}

int dropin_db_load(const DropinLoadOptions *options, DropinDB **ret) {
        _cleanup_(dropin_db_unrefp) DropinDB *db = NULL;
        LoadContext c = { .options = options };
        int r;

        if (!options || !options->dirs || !ret)
                return -EINVAL;

        if (options->machine_id) {
                r = machine_id_parse(options->machine_id, &c.machine.machine_id);
                if (r < 0)
                        return -EINVAL;
                if (gethostname(c.hostname, sizeof c.hostname - 1) >= 0)
                        c.machine.hostname = c.hostname;
        } else {
                r = record_machine_from_host(&c.machine, c.hostname, sizeof c.hostname);
                if (r < 0)
                        return r;
        }
        id128_to_string(&c.machine.machine_id, c.machine_id);
        c.load = (RecordLoadOptions) {
                .policy = RECORD_POLICY_LOOKUP,
                .flags = RECORD_LOAD_PERMISSIVE,
                .machine = &c.machine,
        };

        db = calloc(1, sizeof(DropinDB));
        if (!db)
                return -ENOMEM;
        db->n_ref = 1;
        db->user_by_name = lh_kchar_table_new(64, NULL);
        db->group_by_name = lh_kchar_table_new(64, NULL);
        db->user_by_uid = value_table_new(64);
        db->group_by_gid = value_table_new(64);
        db->pair_set = lh_kchar_table_new(64, NULL);
        db->pairs_by_user = lh_kchar_table_new(64, NULL);
        db->pairs_by_group = lh_kchar_table_new(64, NULL);
        c.seen = lh_kchar_table_new(64, seen_free);
        c.privileged[0] = lh_kchar_table_new(16, found_free);
        c.privileged[1] = lh_kchar_table_new(16, found_free);
        c.db = db;
        if (!db->user_by_name || !db->group_by_name || !db->user_by_uid || !db->group_by_gid ||
            !db->pair_set || !db->pairs_by_user || !db->pairs_by_group ||
            !c.seen || !c.privileged[0] || !c.privileged[1]) {
                r = -ENOMEM;
                goto finish;
        }

        for (char * const *d = options->dirs; *d; d++) {
                r = scan_dir(&c, *d);
                if (r < 0)
                        goto finish;
        }

        for (int which = 0; which < 2; which++) {
                FileList *l = &c.files[which ? KIND_GROUP_PRIVILEGED : KIND_USER_PRIVILEGED];
                for (size_t i = 0; i < l->n; i++)
                        if (insert_new(c.privileged[which], l->v[i].stem, &l->v[i]) < 0) {
                                r = -ENOMEM;
                                goto finish;
                        }
        }

        r = load_kind(&c, false);
        if (r < 0)
                goto finish;
        r = load_kind(&c, true);
        if (r < 0)
                goto finish;
        r = load_memberships(&c);
        if (r < 0)
                goto finish;
        r = pack(db);
        if (r < 0)
                goto finish;

        *ret = TAKE_PTR(db);
        r = 0;
finish:
        context_done(&c);
        return r;
}

const DropinEntry *dropin_db_user_by_name(DropinDB *db, const char *name) {
        return db && name ? lookup(db->user_by_name, name) : NULL;
}

const DropinEntry *dropin_db_user_by_uid(DropinDB *db, uid_t uid) {
        return db && uid != UID_INVALID ? lookup(db->user_by_uid, id_key(uid)) : NULL;
}

const DropinEntry *dropin_db_group_by_name(DropinDB *db, const char *name) {
        return db && name ? lookup(db->group_by_name, name) : NULL;
}

const DropinEntry *dropin_db_group_by_gid(DropinDB *db, gid_t gid) {
        return db && gid != GID_INVALID ? lookup(db->group_by_gid, id_key(gid)) : NULL;
}

size_t dropin_db_n_users(DropinDB *db) {
        return db ? db->n_users : 0;
}

const DropinEntry *dropin_db_user_at(DropinDB *db, size_t i) {
        return db && i < db->n_users ? db->users[i] : NULL;
}

size_t dropin_db_n_groups(DropinDB *db) {
        return db ? db->n_groups : 0;
}

const DropinEntry *dropin_db_group_at(DropinDB *db, size_t i) {
        return db && i < db->n_groups ? db->groups[i] : NULL;
}

size_t dropin_db_n_memberships(DropinDB *db) {
        return db ? db->n_memberships : 0;
}

const DropinMembership *dropin_db_membership_at(DropinDB *db, size_t i) {
        return db && i < db->n_memberships ? &db->memberships[i] : NULL;
}

static const size_t *memberships_of(DropinDB *db, struct lh_table *t, const char *name, size_t *ret_n) {
        uintptr_t li = db && name ? (uintptr_t) lookup(t, name) : 0;

        if (li == 0) {
                *ret_n = 0;
                return NULL;
        }
        *ret_n = db->lists[li - 1].n;
        return db->lists[li - 1].v;
}

const size_t *dropin_db_memberships_of_user(DropinDB *db, const char *user, size_t *ret_n) {
        return memberships_of(db, db ? db->pairs_by_user : NULL, user, ret_n);
}

const size_t *dropin_db_memberships_of_group(DropinDB *db, const char *group, size_t *ret_n) {
        return memberships_of(db, db ? db->pairs_by_group : NULL, group, ret_n);
}

bool dropin_db_has_membership(DropinDB *db, const char *user, const char *group) {
        _cleanup_free_ char *pair = NULL;

        if (!db || !user || !group || asprintf(&pair, "%s:%s", user, group) < 0)
                return false;
        return lh_table_lookup_ex(db->pair_set, pair, NULL);
}
