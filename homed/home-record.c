/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <fcntl.h>
#include <limits.h>
#include <stdio.h>

#include "home-record.h"
#include "json-util.h"
#include "macro.h"

static const char * const storage_names[_HOME_STORAGE_MAX] = {
        [HOME_STORAGE_CLASSIC] = "classic",
        [HOME_STORAGE_LUKS] = "luks",
        [HOME_STORAGE_DIRECTORY] = "directory",
        [HOME_STORAGE_SUBVOLUME] = "subvolume",
        [HOME_STORAGE_FSCRYPT] = "fscrypt",
        [HOME_STORAGE_CIFS] = "cifs",
};

const char *home_storage_to_string(HomeStorage s) {
        if (s < 0 || s >= _HOME_STORAGE_MAX)
                return NULL;
        return storage_names[s];
}

HomeStorage home_storage_from_string(const char *s) {
        if (!s)
                return _HOME_STORAGE_INVALID;
        for (size_t i = 0; i < _HOME_STORAGE_MAX; i++)
                if (streq(storage_names[i], s))
                        return (HomeStorage) i;
        return _HOME_STORAGE_INVALID;
}

static int read_machine_id(char buf[static 33]) {
        _cleanup_fclose_ FILE *f = fopen("/etc/machine-id", "re");
        char line[64];

        if (!f)
                return -errno;
        if (!fgets(line, sizeof line, f))
                return -ENOMEDIUM;
        line[strcspn(line, "\n")] = 0;
        if (strlen(line) != 32 || strspn(line, "0123456789abcdef") != 32)
                return -ENOMEDIUM;
        memcpy(buf, line, 33);
        return 0;
}

static bool match_machine_id(json_object *m, const char *mid) {
        if (!m || !mid)
                return false;
        if (json_object_is_type(m, json_type_string))
                return strcasecmp(json_object_get_string(m), mid) == 0;
        if (!json_object_is_type(m, json_type_array))
                return false;
        for (size_t i = 0; i < json_object_array_length(m); i++) {
                json_object *e = json_object_array_get_idx(m, i);
                if (json_object_is_type(e, json_type_string) &&
                    strcasecmp(json_object_get_string(e), mid) == 0)
                        return true;
        }
        return false;
}

/* Overlays every member of src onto dst (shallow, later wins). */
static int overlay(json_object *dst, json_object *src, bool skip_match_keys) {
        json_object_object_foreach(src, k, val) {
                if (skip_match_keys && (streq(k, "matchMachineId") || streq(k, "matchHostname") ||
                                        streq(k, "matchNotMachineId")))
                        continue;
                if (json_object_object_add(dst, k, json_object_get(val)) < 0)
                        return -ENOMEM;
        }
        return 0;
}

/* The flat view: top level, then applicable perMachine elements in order,
 * then binding[mid]. */
static int effective_view(json_object *v, const char *mid, json_object **ret) {
        _cleanup_json_ json_object *flat = json_object_new_object();
        json_object *pm, *b;
        int r;

        if (!flat)
                return -ENOMEM;
        r = overlay(flat, v, false);
        if (r < 0)
                return r;
        if (json_object_object_get_ex(v, "perMachine", &pm) && json_object_is_type(pm, json_type_array))
                for (size_t i = 0; i < json_object_array_length(pm); i++) {
                        json_object *e = json_object_array_get_idx(pm, i), *m;
                        bool match;

                        if (!json_object_is_type(e, json_type_object))
                                return -EBADMSG;
                        if (json_object_object_get_ex(e, "matchMachineId", &m))
                                match = match_machine_id(m, mid);
                        else if (json_object_object_get_ex(e, "matchNotMachineId", &m))
                                match = mid && !match_machine_id(m, mid);
                        else
                                match = false;
                        if (match) {
                                r = overlay(flat, e, true);
                                if (r < 0)
                                        return r;
                        }
                }
        if (mid && json_object_object_get_ex(v, "binding", &b) && json_object_is_type(b, json_type_object)) {
                json_object *e;
                if (json_object_object_get_ex(b, mid, &e) && json_object_is_type(e, json_type_object)) {
                        r = overlay(flat, e, false);
                        if (r < 0)
                                return r;
                }
        }
        *ret = TAKE_PTR(flat);
        return 0;
}

static int get_string(json_object *o, const char *key, char **ret) {
        json_object *f;

        if (!json_object_object_get_ex(o, key, &f) || json_object_is_type(f, json_type_null))
                return 0;
        if (!json_object_is_type(f, json_type_string))
                return -EBADMSG;
        *ret = strdup(json_object_get_string(f));
        return *ret ? 0 : -ENOMEM;
}

static int get_u64(json_object *o, const char *key, uint64_t max, uint64_t *ret) {
        json_object *f;
        uint64_t u;

        if (!json_object_object_get_ex(o, key, &f) || json_object_is_type(f, json_type_null))
                return 0;
        if (!json_object_is_type(f, json_type_int))
                return -EBADMSG;
        if (json_object_get_int64(f) < 0)
                return -EBADMSG;
        errno = 0;
        u = json_object_get_uint64(f);
        if (errno != 0 || u > max)
                return -EBADMSG;
        *ret = u;
        return 0;
}

static int get_bool(json_object *o, const char *key, int *ret) {
        json_object *f;

        if (!json_object_object_get_ex(o, key, &f) || json_object_is_type(f, json_type_null))
                return 0;
        if (!json_object_is_type(f, json_type_boolean))
                return -EBADMSG;
        *ret = json_object_get_boolean(f);
        return 0;
}

static int string_array(json_object *a, bool erase, char ***ret) {
        size_t n = a ? json_object_array_length(a) : 0;
        char **l = calloc(n + 1, sizeof(char *));

        if (!l)
                return -ENOMEM;
        for (size_t i = 0; i < n; i++) {
                json_object *e = json_object_array_get_idx(a, i);
                if (!json_object_is_type(e, json_type_string)) {
                        strv_free_impl(l, erase);
                        return -EBADMSG;
                }
                l[i] = strdup(json_object_get_string(e));
                if (!l[i]) {
                        strv_free_impl(l, erase);
                        return -ENOMEM;
                }
        }
        *ret = l;
        return 0;
}

static int get_string_array(json_object *o, const char *key, bool erase, char ***ret) {
        json_object *f = NULL;

        if (o && json_object_object_get_ex(o, key, &f) && !json_object_is_type(f, json_type_null)) {
                if (!json_object_is_type(f, json_type_array))
                        return -EBADMSG;
        } else
                f = NULL;
        return string_array(f, erase, ret);
}

static int load_privileged(HomeRecord *h, json_object *priv) {
        json_object *rk;
        size_t n;
        int r;

        if (priv && !json_object_is_type(priv, json_type_object))
                return -EBADMSG;
        r = get_string_array(priv, "hashedPassword", false, &h->hashed_password);
        if (r < 0)
                return r;

        rk = NULL;
        if (priv && json_object_object_get_ex(priv, "recoveryKey", &rk) &&
            !json_object_is_type(rk, json_type_array))
                return -EBADMSG;
        n = rk ? json_object_array_length(rk) : 0;
        h->recovery_key_hash = calloc(n + 1, sizeof(char *));
        if (!h->recovery_key_hash)
                return -ENOMEM;
        for (size_t i = 0; i < n; i++) {
                json_object *e = json_object_array_get_idx(rk, i);
                r = get_string(e, "hashedPassword", &h->recovery_key_hash[i]);
                if (r < 0)
                        return r;
                if (!h->recovery_key_hash[i])
                        return -EBADMSG;
        }
        return 0;
}

int home_record_load(json_object *v, const char *machine_id, HomeRecord **ret) {
        _cleanup_(home_record_freep) HomeRecord *h = NULL;
        _cleanup_json_ json_object *flat = NULL;
        _cleanup_free_ char *storage = NULL;
        char midbuf[33];
        json_object *priv;
        uint64_t u;
        int r;

        if (!v || !json_object_is_type(v, json_type_object))
                return -EBADMSG;
        if (!machine_id && read_machine_id(midbuf) >= 0)
                machine_id = midbuf;

        h = calloc(1, sizeof *h);
        if (!h)
                return -ENOMEM;
        h->uid = h->gid = HOME_UID_INVALID;
        h->storage = _HOME_STORAGE_INVALID;
        h->access_mode = HOME_MODE_INVALID;
        h->pbkdf_force_iterations = h->pbkdf_time_cost_usec = UINT64_MAX;
        h->pbkdf_memory_cost = h->pbkdf_parallel_threads = UINT64_MAX;
        h->last_change_usec = UINT64_MAX;
        h->nodev = h->nosuid = h->noexec = h->drop_caches = -1;

        if (json_object_deep_copy(v, &h->json, NULL) < 0)
                return -ENOMEM;
        json_object_object_del(h->json, "secret");

        r = effective_view(h->json, machine_id, &flat);
        if (r < 0)
                return r;

        if ((r = get_string(flat, "userName", &h->user_name)) < 0 ||
            (r = get_string(flat, "realm", &h->realm)) < 0 ||
            (r = get_string(flat, "storage", &storage)) < 0 ||
            (r = get_string(flat, "imagePath", &h->image_path)) < 0 ||
            (r = get_string(flat, "homeDirectory", &h->home_directory)) < 0 ||
            (r = get_string(flat, "skeletonDirectory", &h->skeleton_directory)) < 0 ||
            (r = get_string(flat, "luksPbkdfType", &h->pbkdf_type)) < 0 ||
            (r = get_string(flat, "luksPbkdfHashAlgorithm", &h->pbkdf_hash_algorithm)) < 0 ||
            (r = get_u64(flat, "luksPbkdfForceIterations", UINT32_MAX, &h->pbkdf_force_iterations)) < 0 ||
            (r = get_u64(flat, "luksPbkdfTimeCostUSec", UINT64_MAX - 1, &h->pbkdf_time_cost_usec)) < 0 ||
            (r = get_u64(flat, "luksPbkdfMemoryCost", UINT64_MAX - 1, &h->pbkdf_memory_cost)) < 0 ||
            (r = get_u64(flat, "luksPbkdfParallelThreads", UINT64_MAX - 1, &h->pbkdf_parallel_threads)) < 0 ||
            (r = get_u64(flat, "lastChangeUSec", UINT64_MAX - 1, &h->last_change_usec)) < 0 ||
            (r = get_bool(flat, "mountNoDevices", &h->nodev)) < 0 ||
            (r = get_bool(flat, "mountNoSuid", &h->nosuid)) < 0 ||
            (r = get_bool(flat, "mountNoExecute", &h->noexec)) < 0 ||
            (r = get_bool(flat, "dropCaches", &h->drop_caches)) < 0)
                return r;

        u = UINT64_MAX;
        if ((r = get_u64(flat, "uid", UINT32_MAX - 1, &u)) < 0)
                return r;
        h->uid = u == UINT64_MAX ? HOME_UID_INVALID : (uid_t) u;
        u = UINT64_MAX;
        if ((r = get_u64(flat, "gid", UINT32_MAX - 1, &u)) < 0)
                return r;
        h->gid = u == UINT64_MAX ? HOME_UID_INVALID : (gid_t) u;
        u = UINT64_MAX;
        if ((r = get_u64(flat, "accessMode", 07777, &u)) < 0)
                return r;
        h->access_mode = u == UINT64_MAX ? HOME_MODE_INVALID : (mode_t) u;

        if (storage) {
                h->storage = home_storage_from_string(storage);
                if (h->storage < 0)
                        return -EBADMSG;
        }
        if (!h->user_name || h->uid == HOME_UID_INVALID)
                return -ENOENT;
        if (isempty(h->user_name) || strchr(h->user_name, '/') || streq(h->user_name, ".") ||
            streq(h->user_name, ".."))
                return -EBADMSG;
        if ((h->image_path && h->image_path[0] != '/') ||
            (h->home_directory && h->home_directory[0] != '/') ||
            (h->skeleton_directory && h->skeleton_directory[0] != '/'))
                return -EBADMSG;

        priv = NULL;
        (void) json_object_object_get_ex(h->json, "privileged", &priv);
        r = load_privileged(h, priv);
        if (r < 0)
                return r;

        *ret = TAKE_PTR(h);
        return 0;
}

HomeRecord *home_record_free(HomeRecord *h) {
        if (!h)
                return NULL;
        if (h->json)
                json_object_put(h->json);
        free(h->user_name);
        free(h->realm);
        free(h->image_path);
        free(h->home_directory);
        free(h->skeleton_directory);
        free(h->pbkdf_type);
        free(h->pbkdf_hash_algorithm);
        strv_free(h->hashed_password);
        strv_free(h->recovery_key_hash);
        free(h);
        return NULL;
}

int home_secret_load(json_object *secret, HomeSecret **ret) {
        HomeSecret *s;
        int r;

        if (secret && !json_object_is_type(secret, json_type_object) &&
            !json_object_is_type(secret, json_type_null))
                return -EBADMSG;
        if (secret && json_object_is_type(secret, json_type_null))
                secret = NULL;
        s = calloc(1, sizeof *s);
        if (!s)
                return -ENOMEM;
        r = get_string_array(secret, "password", true, &s->password);
        if (r < 0) {
                free(s);
                return r;
        }
        *ret = s;
        return 0;
}

HomeSecret *home_secret_free(HomeSecret *s) {
        if (!s)
                return NULL;
        strv_free_erase(s->password);
        free(s);
        return NULL;
}

gid_t home_record_gid(const HomeRecord *h) {
        return h->gid != HOME_UID_INVALID ? h->gid : (gid_t) h->uid;
}

HomeStorage home_record_storage(const HomeRecord *h) {
        return h->storage >= 0 ? h->storage : HOME_STORAGE_CLASSIC;
}

mode_t home_record_access_mode(const HomeRecord *h) {
        return h->access_mode != HOME_MODE_INVALID ? h->access_mode : 0700;
}

const char *home_record_skeleton_directory(const HomeRecord *h) {
        return h->skeleton_directory ?: "/etc/skel";
}

const char *home_record_pbkdf_type(const HomeRecord *h) {
        return h->pbkdf_type ?: "argon2id";
}

const char *home_record_pbkdf_hash_algorithm(const HomeRecord *h) {
        return h->pbkdf_hash_algorithm ?: "sha512";
}

uint64_t home_record_pbkdf_force_iterations(const HomeRecord *h) {
        return h->pbkdf_force_iterations != UINT64_MAX ? h->pbkdf_force_iterations : 0;
}

uint64_t home_record_pbkdf_time_cost_usec(const HomeRecord *h) {
        return h->pbkdf_time_cost_usec != UINT64_MAX ? h->pbkdf_time_cost_usec : 500 * UINT64_C(1000);
}

static bool is_pbkdf2(const HomeRecord *h) {
        return streq(home_record_pbkdf_type(h), "pbkdf2");
}

uint64_t home_record_pbkdf_memory_cost(const HomeRecord *h) {
        if (is_pbkdf2(h))
                return 0;
        return h->pbkdf_memory_cost != UINT64_MAX ? h->pbkdf_memory_cost : 64 * UINT64_C(1024) * 1024;
}

uint64_t home_record_pbkdf_parallel_threads(const HomeRecord *h) {
        if (is_pbkdf2(h))
                return 0;
        return h->pbkdf_parallel_threads != UINT64_MAX ? h->pbkdf_parallel_threads : 1;
}

bool home_record_mount_nodev(const HomeRecord *h) {
        return h->nodev != 0;
}

bool home_record_mount_nosuid(const HomeRecord *h) {
        return h->nosuid != 0;
}

bool home_record_mount_noexec(const HomeRecord *h) {
        return h->noexec > 0;
}

bool home_record_drop_caches(const HomeRecord *h) {
        if (h->drop_caches >= 0)
                return h->drop_caches;
        return home_record_storage(h) == HOME_STORAGE_FSCRYPT;
}

static const char *home_root(void) {
        const char *e = getenv("HEARTH_HOME_ROOT");
        return e && e[0] == '/' ? e : "/home";
}

int home_record_home_directory(const HomeRecord *h, char **ret) {
        char *p;

        if (h->home_directory)
                p = strdup(h->home_directory);
        else if (asprintf(&p, "%s/%s", home_root(), h->user_name) < 0)
                p = NULL;
        if (!p)
                return -ENOMEM;
        *ret = p;
        return 0;
}

int home_record_image_path(const HomeRecord *h, char **ret) {
        char *p;

        if (h->image_path)
                p = strdup(h->image_path);
        else if (asprintf(&p, "%s/%s%s%s%s", home_root(), h->user_name, h->realm ? "@" : "",
                          h->realm ?: "",
                          home_record_storage(h) == HOME_STORAGE_LUKS ? ".home" : ".homedir") < 0)
                p = NULL;
        if (!p)
                return -ENOMEM;
        *ret = p;
        return 0;
}
