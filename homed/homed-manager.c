/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* The registry of homes: loaded from <state-dir>/<user>.identity at
 * start, each home's state then learnt from disk by an inspect worker
 * (which also recovers homes left dirty by a crash). */

#include <dirent.h>
#include <grp.h>
#include <pwd.h>
#include <sys/stat.h>

#include "fileio.h"
#include "homed-manager.h"
#include "homework-main.h"
#include "macro.h"
#include "userdb.h"

int manager_new(Manager **ret) {
        Manager *m = calloc(1, sizeof(*m));
        if (!m)
                return -ENOMEM;
        m->bad_password_delay_usec = HOMED_BAD_PASSWORD_DELAY_USEC_DEFAULT;
        m->load_options = (RecordLoadOptions) {
                .policy = {
                        .require = RECORD_REGULAR,
                        .allow = RECORD_HOST_COPY,
                        .strip = RECORD_STATUS | RECORD_SECRET,
                },
                .machine = &m->machine,
        };
        *ret = m;
        return 0;
}

Manager *manager_free(Manager *m) {
        if (!m)
                return NULL;
        for (size_t i = 0; i < m->n_homes; i++)
                home_free(m->homes[i]);
        free(m->homes);
        userdb_service_free(m->userdb);
        varlink_server_free(m->userdb_server);
        varlink_server_free(m->api);
        EVP_PKEY_free(m->private_key);
        for (size_t i = 0; i < m->n_trusted; i++) {
                EVP_PKEY_free(m->trusted[i]);
                free(m->trusted_pem[i]);
        }
        free(m->trusted);
        free(m->trusted_pem);
        free(m->state_dir);
        free(m->runtime_dir);
        free(m->marker_dir);
        free(m->home_root);
        free(m->userdb_dir);
        free(m->homework);
        free(m->api_socket);
        strv_free(m->key_dirs);
        sd_event_unref(m->event);
        free(m);
        return NULL;
}

Home *manager_find_home(Manager *m, const char *name) {
        for (size_t i = 0; name && i < m->n_homes; i++)
                if (streq(m->homes[i]->user_name, name))
                        return m->homes[i];
        return NULL;
}

Home *manager_find_home_by_uid(Manager *m, uid_t uid) {
        for (size_t i = 0; i < m->n_homes; i++)
                if (m->homes[i]->uid == uid || user_record_gid(m->homes[i]->record) == uid)
                        return m->homes[i];
        return NULL;
}

int manager_add_home(Manager *m, Home *h) {
        Home **l = realloc(m->homes, (m->n_homes + 1) * sizeof(*l));
        if (!l)
                return -ENOMEM;
        m->homes = l;
        m->homes[m->n_homes++] = h;
        return 0;
}

void manager_remove_home(Manager *m, Home *h) {
        for (size_t i = 0; i < m->n_homes; i++)
                if (m->homes[i] == h) {
                        memmove(m->homes + i, m->homes + i + 1, (m->n_homes - i - 1) * sizeof(Home *));
                        m->n_homes--;
                        return;
                }
}

/* ---- who else uses a name or an id --------------------------------- */

typedef struct Taken {
        const char *name;
        uint64_t id;
        bool found;
} Taken;

static int on_taken(UserDBQuery *q, const UserDBResult *res, void *userdata) {
        Taken *t = userdata;
        t->found = true;
        return 0;
}

static bool userdb_has(Manager *m, UserDBQueryKind kind, const char *name, uint64_t id) {
        static char *const self[] = { (char *) HOMED_SERVICE, NULL };
        UserDBParams p = USERDB_PARAMS_INIT(kind);
        Taken t = { .name = name, .id = id };

        p.name = name;
        p.id = id;
        p.exclude = self;
        p.socket_dir = m->userdb_dir;
        p.timeout_usec = 1000000ULL;
        /* A multiplexer would ask us back while we wait: never use it. */
        p.flags = USERDB_AVOID_MULTIPLEXER | USERDB_IGNORE_ENV;
        (void) userdb_query_run(&p, on_taken, &t);
        return t.found;
}

static bool files_have(const char *name, uid_t id) {
        _cleanup_fclose_ FILE *pf = fopen("/etc/passwd", "re");
        _cleanup_fclose_ FILE *gf = fopen("/etc/group", "re");
        struct passwd *pw;
        struct group *gr;

        while (pf && (pw = fgetpwent(pf)))
                if ((name && streq(pw->pw_name, name)) || (!name && (pw->pw_uid == id || pw->pw_gid == id)))
                        return true;
        while (gf && (gr = fgetgrent(gf)))
                if ((name && streq(gr->gr_name, name)) || (!name && gr->gr_gid == id))
                        return true;
        return false;
}

bool manager_uid_taken_elsewhere(Manager *m, uid_t uid) {
        return files_have(NULL, uid) ||
               userdb_has(m, USERDB_QUERY_USER, NULL, uid) ||
               userdb_has(m, USERDB_QUERY_GROUP, NULL, uid);
}

bool manager_name_taken_elsewhere(Manager *m, const char *name) {
        return files_have(name, 0) ||
               userdb_has(m, USERDB_QUERY_USER, name, UINT64_MAX) ||
               userdb_has(m, USERDB_QUERY_GROUP, name, UINT64_MAX);
}

int manager_allocate_uid(Manager *m, uid_t *ret) {
        /* Start at a point derived from the set of homes so that repeated
         * creates do not all probe the same first candidates. */
        for (uid_t uid = HOMED_UID_MIN; uid <= HOMED_UID_MAX; uid++) {
                if (manager_find_home_by_uid(m, uid))
                        continue;
                if (manager_uid_taken_elsewhere(m, uid))
                        continue;
                *ret = uid;
                return 0;
        }
        return -EUSERS;
}

/* ---- start-up ------------------------------------------------------ */

static void remove_stale_temp_files(Manager *m) {
        _cleanup_closedir_ DIR *d = opendir(m->state_dir);
        struct dirent *de;

        /* A write interrupted before its rename leaves a temporary file;
         * the record it was meant to replace is intact. */
        while (d && (de = readdir(d)))
                if (strncmp(de->d_name, ".#", 2) == 0)
                        (void) unlinkat(dirfd(d), de->d_name, 0);
}

static int load_one(Manager *m, const char *file) {
        _cleanup_json_ json_object *v = NULL, *signed_rec = NULL;
        _cleanup_(user_record_unrefp) UserRecord *ur = NULL;
        RecordError err = {};
        size_t l = strlen(file);
        Home *h;
        int r, sig;

        r = store_read(m->state_dir, file, &v);
        if (r < 0)
                return fprintf(stderr, "hearth-homed: %s/%s: %s\n", m->state_dir, file, strerror(-r)), r;
        sig = keys_check(m, v);
        if (sig == -EUCLEAN) {
                r = keys_sign(m, v, &signed_rec);
                if (r < 0)
                        return r;
        } else if (sig < 0) {
                fprintf(stderr, "hearth-homed: %s/%s: %s, ignored\n", m->state_dir, file,
                        sig == -EPERM ? "signed by no trusted key" : "signature does not verify");
                return sig;
        } else
                signed_rec = json_object_get(v);

        r = user_record_load(signed_rec, &m->load_options, &ur, &err);
        if (r < 0) {
                fprintf(stderr, "hearth-homed: %s/%s: %s, ignored\n", m->state_dir, file, err.message);
                return r;
        }
        if (strlen(ur->user_name) != l - 9 || strncmp(ur->user_name, file, l - 9) != 0 || ur->uid == UID_INVALID) {
                fprintf(stderr, "hearth-homed: %s/%s: file name and userName differ or no uid, ignored\n",
                        m->state_dir, file);
                return -EINVAL;
        }
        if (manager_find_home(m, ur->user_name) || manager_find_home_by_uid(m, ur->uid)) {
                fprintf(stderr, "hearth-homed: %s/%s: name or uid used twice, ignored\n", m->state_dir, file);
                return -EEXIST;
        }
        if (sig == -EUCLEAN) {
                r = store_write(m->state_dir, ur->user_name, user_record_json(ur));
                if (r < 0)
                        fprintf(stderr, "hearth-homed: %s: cannot store signed record: %s\n", file, strerror(-r));
        }
        r = home_new(m, ur, &h);
        if (r < 0)
                return r;
        h->read_only = sig == 0;
        r = manager_add_home(m, h);
        if (r < 0) {
                home_free(h);
                return r;
        }
        HomeOp *op = home_op_new(OP_INSPECT, NULL);
        if (!op)
                return -ENOMEM;
        home_enqueue(h, op);
        return 0;
}

static int load_registry(Manager *m) {
        _cleanup_closedir_ DIR *d = opendir(m->state_dir);
        struct dirent *de;

        if (!d)
                return -errno;
        while ((de = readdir(d))) {
                size_t l = strlen(de->d_name);
                if (de->d_name[0] == '.' || l <= 9 || !streq(de->d_name + l - 9, ".identity"))
                        continue;
                (void) load_one(m, de->d_name);
        }
        return 0;
}

int manager_startup(Manager *m) {
        int r;

        r = sd_event_default(&m->event);
        if (r < 0)
                return r;
        r = record_machine_from_host(&m->machine, m->hostname, sizeof m->hostname);
        if (r < 0)
                return r;
        id128_to_string(&m->machine.machine_id, m->machine_id);

        r = mkdir_p(m->state_dir, 0700);
        if (r < 0)
                return fprintf(stderr, "hearth-homed: %s: %s\n", m->state_dir, strerror(-r)), r;
        r = mkdir_p(m->runtime_dir, 0755);
        if (r < 0)
                return fprintf(stderr, "hearth-homed: %s: %s\n", m->runtime_dir, strerror(-r)), r;
        /* The workers' dirty markers: runtime state, gone with a reboot
         * like the mounts and keys they guard. */
        if (asprintf(&m->marker_dir, "%s/markers", m->runtime_dir) < 0)
                return -ENOMEM;
        r = mkdir_p(m->marker_dir, 0700);
        if (r < 0)
                return fprintf(stderr, "hearth-homed: %s: %s\n", m->marker_dir, strerror(-r)), r;
        r = keys_setup(m);
        if (r < 0)
                return fprintf(stderr, "hearth-homed: signing keys: %s\n", strerror(-r)), r;
        if (!m->homework)
                homework_warm_up();
        remove_stale_temp_files(m);

        r = api_setup(m);
        if (r < 0)
                return fprintf(stderr, "hearth-homed: %s: %s\n", m->api_socket, strerror(-r)), r;
        r = load_registry(m);
        if (r < 0)
                return fprintf(stderr, "hearth-homed: %s: %s\n", m->state_dir, strerror(-r)), r;
        r = userdb_provider_setup(m);
        if (r < 0)
                return fprintf(stderr, "hearth-homed: userdb provider: %s\n", strerror(-r)), r;
        return 0;
}
