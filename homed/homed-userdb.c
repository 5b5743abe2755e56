/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* The userdb provider: every home's user record (with its live status)
 * and synthesized group are written as drop-in files into a private
 * runtime directory, loaded with userdb/'s DropinDB and served by
 * userdb/'s io.systemd.UserDatabase service under io.hearth.Home. So
 * lookups, filters, memberships and the privileged split are the ones
 * hearth-userdbd serves, not a second copy. */

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>

#include "fileio.h"
#include "homed-manager.h"
#include "json-canonical.h"
#include "macro.h"

static char *records_dir(Manager *m) {
        char *p = NULL;
        return asprintf(&p, "%s/userdb", m->runtime_dir) < 0 ? NULL : p;
}

/* Runtime copies: atomic (readers never see half a file) but not synced,
 * they are rebuilt at every start. A file whose text is the one written
 * last time is left alone: returns 1 if written, 0 if unchanged. */
static int write_file(const char *dir, const char *name, const char *suffix, json_object *v, mode_t mode,
                      char **last_text) {
        _cleanup_free_ char *path = NULL, *tmp = NULL, *text = NULL;
        _cleanup_close_ int fd = -EBADF;
        size_t n;
        int r;

        r = json_canonical_format(v, &text, &n);
        if (r < 0)
                return r;
        if (*last_text && streq(*last_text, text))
                return 0;
        if (asprintf(&path, "%s/%s%s", dir, name, suffix) < 0 ||
            asprintf(&tmp, "%s/.#%s%sXXXXXX", dir, name, suffix) < 0)
                return -ENOMEM;
        fd = mkostemp(tmp, O_CLOEXEC);
        if (fd < 0)
                return -errno;
        r = RET_NERRNO(fchmod(fd, mode));
        if (r >= 0)
                r = write_all(fd, text, n);
        if (r >= 0)
                r = RET_NERRNO(rename(tmp, path));
        if (r < 0) {
                (void) unlink(tmp);
                return r;
        }
        free(*last_text);
        *last_text = TAKE_PTR(text);
        return 1;
}

static void warn_cb(const char *path, int error, const char *why, void *userdata) {
        fprintf(stderr, "hearth-homed: userdb: %s: %s\n", path, why);
}

int userdb_provider_refresh(Manager *m) {
        _cleanup_free_ char *dir = records_dir(m);
        _cleanup_(dropin_db_unrefp) DropinDB *db = NULL;
        int r;

        if (!dir)
                return -ENOMEM;
        if (!m->userdb)
                return 0;

        bool changed = !m->userdb_loaded;
        for (size_t i = 0; i < m->n_homes; i++) {
                Home *h = m->homes[i];
                _cleanup_json_ json_object *u = NULL, *g = NULL;
                int w = 0;

                /* The privileged part goes along: DropinDB hands it only to
                 * root and the user. The file itself is root-only. */
                r = home_build_served(h, true, &u);
                if (r >= 0)
                        r = home_build_group(h, &g);
                if (r >= 0)
                        r = w = write_file(dir, h->user_name, ".user", u, 0600, &h->served_text[0]);
                if (r >= 0)
                        r = write_file(dir, h->user_name, ".group", g, 0644, &h->served_text[1]);
                if (r < 0)
                        fprintf(stderr, "hearth-homed: userdb: %s: %s\n", h->user_name, strerror(-r));
                changed = changed || w > 0 || r > 0;
        }

        /* Homes that went away. */
        _cleanup_closedir_ DIR *d = opendir(dir);
        struct dirent *de;
        while (d && (de = readdir(d))) {
                char *dot = strrchr(de->d_name, '.');
                if (de->d_name[0] == '.' || !dot)
                        continue;
                _cleanup_free_ char *stem = strndup(de->d_name, (size_t) (dot - de->d_name));
                if (stem && !manager_find_home(m, stem) && unlinkat(dirfd(d), de->d_name, 0) >= 0)
                        changed = true;
        }
        /* Nothing new on disk: the loaded database is still right. */
        if (!changed)
                return 0;

        char *dirs[] = { dir, NULL };
        DropinLoadOptions o = {
                .dirs = dirs,
                .service = HOMED_SERVICE,
                .machine_id = m->machine_id,
                .warn = warn_cb,
        };
        r = dropin_db_load(&o, &db);
        if (r < 0)
                return r;
        userdb_service_set_db(m->userdb, db);
        m->userdb_loaded = true;
        return 0;
}

int userdb_provider_setup(Manager *m) {
        _cleanup_free_ char *dir = records_dir(m), *sock = NULL;
        int r;

        if (!dir || asprintf(&sock, "%s/%s", m->userdb_dir, HOMED_SERVICE) < 0)
                return -ENOMEM;
        r = mkdir_p(dir, 0700);
        if (r < 0)
                return r;
        r = varlink_server_new(&m->userdb_server);
        if (r < 0)
                return r;
        UserDBServiceOptions o = {
                .service_name = HOMED_SERVICE,
                .socket_dir = m->userdb_dir,
        };
        r = userdb_service_new(m->userdb_server, &o, NULL, &m->userdb);
        if (r < 0)
                return r;
        r = userdb_provider_refresh(m);
        if (r < 0)
                return r;
        r = varlink_server_listen_path(m->userdb_server, sock, 0666);
        if (r < 0)
                return r;
        return varlink_server_attach_event(m->userdb_server, m->event, 0);
}
