/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* The home verbs: homectl's names and behaviour over io.hearth.Home.
 * Secrets come from $PASSWORD/$NEWPASSWORD first, then from the
 * ask-password subsystem (terminal or agents) whenever the daemon says
 * one is needed or was wrong; every buffer holding one is wiped. */

#include <inttypes.h>
#include <sys/wait.h>
#include <time.h>

#include "askpw.h"
#include "ctl-util.h"
#include "json-canonical.h"
#include "json-util.h"
#include "record.h"
#include "varlink.h"
#include "verb-home.h"

#define HOMED_SOCKET_DEFAULT "/run/hearth/home/io.hearth.Home"
#define HOMED_CALL_TIMEOUT_USEC (15ULL * 60ULL * 1000000ULL)   /* KDFs can be slow */
#define ASK_TRIES 3

static struct {
        const char *socket;
        const char *storage, *image_path, *real_name, *shell, *home_dir, *identity, *skel, *pbkdf_type;
        const char *fs_type, *luks_cipher, *luks_cipher_mode, *pbkdf_hash, *luks_extra_mount_options;
        uint64_t luks_volume_key_size, luks_sector_size, pbkdf_time_cost, pbkdf_threads;
        int luks_discard;
        char **member_of;
        uint64_t uid, disk_size, pbkdf_force_iterations, pbkdf_memory_cost, rate_limit_burst, rate_limit_interval;
        bool password, force, no_ask;
} harg = {
        .uid = UINT64_MAX,
        .disk_size = UINT64_MAX,
        .pbkdf_force_iterations = UINT64_MAX,
        .pbkdf_memory_cost = UINT64_MAX,
        .rate_limit_burst = UINT64_MAX,
        .rate_limit_interval = UINT64_MAX,
        .luks_volume_key_size = UINT64_MAX,
        .luks_sector_size = UINT64_MAX,
        .pbkdf_time_cost = UINT64_MAX,
        .pbkdf_threads = UINT64_MAX,
        .luks_discard = -1,
};

static void free_member_of(void) {
        strv_free(harg.member_of);
}

static int parse_u64(const char *s, uint64_t *ret) {
        char *end;
        errno = 0;
        unsigned long long v = strtoull(s, &end, 10);
        if (errno || end == s || *s == '-')
                return -EINVAL;
        uint64_t mul = 1;
        if (streq(end, "K")) mul = 1024;
        else if (streq(end, "M")) mul = 1024 * 1024;
        else if (streq(end, "G")) mul = 1024ULL * 1024 * 1024;
        else if (streq(end, "T")) mul = 1024ULL * 1024 * 1024 * 1024;
        else if (*end)
                return -EINVAL;
        if (v > UINT64_MAX / mul)
                return -ERANGE;
        *ret = v * mul;
        return 0;
}

void home_options_help(void) {
        printf("\nHome options (create, update, activate, ...):\n"
               "     --socket=PATH       hearth-homed's socket ($HEARTH_HOMED_SOCKET)\n"
               "     --no-ask-password   Never ask for a password; use $PASSWORD/$NEWPASSWORD only\n"
               "  -P --password         create/update: set a password (asked, or $NEWPASSWORD)\n"
               "     --identity=PATH     create/update: start from this JSON record (\"-\" for stdin)\n"
               "     --storage=directory|fscrypt|luks\n"
               "                         create: storage of the new home (default directory)\n"
               "     --image-path=PATH   create: where the storage goes\n"
               "  -d --home-dir=PATH     Where the home is mounted\n"
               "  -c --real-name=NAME    Real name\n"
               "  -G --member-of=GROUP,...\n"
               "                         Supplementary groups (repeatable)\n"
               "     --shell=PATH        Login shell\n"
               "  -u --uid=UID           create: uid (default: a free one from 60001..60513)\n"
               "     --skel=DIR          create: skeleton directory (default /etc/skel)\n"
               "     --disk-size=BYTES   Size of the home (luks)\n"
               "     --rate-limit-burst=N, --rate-limit-interval=USEC\n"
               "                         Authentication attempts allowed per interval\n"
               "     --luks-pbkdf-type=argon2id|argon2i|pbkdf2, --luks-pbkdf-hash-algorithm=NAME,\n"
               "     --luks-pbkdf-time-cost=USEC, --luks-pbkdf-memory-cost=BYTES,\n"
               "     --luks-pbkdf-parallel-threads=N, --luks-pbkdf-force-iterations=N\n"
               "                         KDF of key slots (fscrypt, luks)\n"
               "     --fs-type=TYPE, --luks-cipher=NAME, --luks-cipher-mode=MODE,\n"
               "     --luks-volume-key-size=BYTES, --luks-sector-size=BYTES,\n"
               "     --luks-extra-mount-options=OPTS, --luks-discard=BOOL\n"
               "                         LUKS image settings (create)\n"
               "     --force             deactivate: detach even if busy\n");
}

int home_parse_option(int c, const char *v) {
        static bool registered;
        uint64_t *target = NULL;

        if (!registered) {
                atexit(free_member_of);
                registered = true;
        }
        switch (c) {
        case ARG_HOME_SOCKET: harg.socket = v; return 0;
        case ARG_HOME_STORAGE:
                if (!streq(v, "directory") && !streq(v, "fscrypt") && !streq(v, "luks")) {
                        log_error("unsupported --storage=%s (directory, fscrypt, luks)", v);
                        return -EXIT_USAGE;
                }
                harg.storage = v;
                return 0;
        case ARG_HOME_IMAGE_PATH: harg.image_path = v; return 0;
        case 'c': case ARG_HOME_REAL_NAME: harg.real_name = v; return 0;
        case ARG_HOME_SHELL: harg.shell = v; return 0;
        case 'd': case ARG_HOME_HOME_DIR: harg.home_dir = v; return 0;
        case ARG_HOME_IDENTITY: harg.identity = v; return 0;
        case ARG_HOME_SKEL: harg.skel = v; return 0;
        case ARG_HOME_PBKDF_TYPE: harg.pbkdf_type = v; return 0;
        case ARG_HOME_FS_TYPE: harg.fs_type = v; return 0;
        case ARG_HOME_LUKS_CIPHER: harg.luks_cipher = v; return 0;
        case ARG_HOME_LUKS_CIPHER_MODE: harg.luks_cipher_mode = v; return 0;
        case ARG_HOME_PBKDF_HASH: harg.pbkdf_hash = v; return 0;
        case ARG_HOME_LUKS_EXTRA_MOUNT_OPTIONS: harg.luks_extra_mount_options = v; return 0;
        case ARG_HOME_LUKS_DISCARD:
                if (streq(v, "yes") || streq(v, "true") || streq(v, "1") || streq(v, "on"))
                        harg.luks_discard = 1;
                else if (streq(v, "no") || streq(v, "false") || streq(v, "0") || streq(v, "off"))
                        harg.luks_discard = 0;
                else {
                        log_error("invalid boolean --luks-discard=%s", v);
                        return -EXIT_USAGE;
                }
                return 0;
        case ARG_HOME_LUKS_VOLUME_KEY_SIZE: target = &harg.luks_volume_key_size; break;
        case ARG_HOME_LUKS_SECTOR_SIZE: target = &harg.luks_sector_size; break;
        case ARG_HOME_PBKDF_TIME_COST: target = &harg.pbkdf_time_cost; break;
        case ARG_HOME_PBKDF_THREADS: target = &harg.pbkdf_threads; break;
        case 'P': case ARG_HOME_PASSWORD: harg.password = true; return 0;
        case ARG_HOME_FORCE: harg.force = true; return 0;
        case ARG_HOME_NO_ASK_PASSWORD: harg.no_ask = true; return 0;
        case 'G': case ARG_HOME_MEMBER_OF: {
                _cleanup_free_ char *copy = strdup(v);
                char *save = NULL;
                if (!copy)
                        return -EXIT_FAIL;
                for (char *t = strtok_r(copy, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
                        size_t n = strv_length(harg.member_of);
                        char **l = realloc(harg.member_of, (n + 2) * sizeof(char *));
                        if (!l)
                                return -EXIT_FAIL;
                        harg.member_of = l;
                        l[n] = strdup(t);
                        l[n + 1] = NULL;
                        if (!l[n])
                                return -EXIT_FAIL;
                }
                return 0;
        }
        case 'u': case ARG_HOME_UID: target = &harg.uid; break;
        case ARG_HOME_DISK_SIZE: target = &harg.disk_size; break;
        case ARG_HOME_PBKDF_FORCE_ITERATIONS: target = &harg.pbkdf_force_iterations; break;
        case ARG_HOME_PBKDF_MEMORY_COST: target = &harg.pbkdf_memory_cost; break;
        case ARG_HOME_RATE_LIMIT_BURST: target = &harg.rate_limit_burst; break;
        case ARG_HOME_RATE_LIMIT_INTERVAL: target = &harg.rate_limit_interval; break;
        default:
                return -EXIT_USAGE;
        }
        if (parse_u64(v, target) < 0) {
                log_error("invalid number '%s'", v);
                return -EXIT_USAGE;
        }
        return 0;
}

/* ---- plumbing -------------------------------------------------------- */

static const char *socket_path(void) {
        return harg.socket ?: getenv("HEARTH_HOMED_SOCKET") ?: HOMED_SOCKET_DEFAULT;
}

static int connect_homed(VarlinkClient **ret) {
        int r = varlink_client_connect(ret, socket_path());
        if (r < 0)
                return log_error_errno(r, "cannot reach hearth-homed at %s", socket_path()), r;
        varlink_client_set_timeout(*ret, HOMED_CALL_TIMEOUT_USEC);
        return 0;
}

static const char *short_error(const char *name) {
        const char *dot = name ? strrchr(name, '.') : NULL;
        return dot ? dot + 1 : name;
}

static int report(const char *what, const char *error, json_object *reply) {
        json_object *m = NULL;
        if (reply)
                json_object_object_get_ex(reply, "message", &m);
        log_error("%s: %s%s%s", what, short_error(error), m ? ": " : "", m ? json_object_get_string(m) : "");
        return EXIT_FAIL;
}

/* {"password": [p...]} built from a list; NULL on ENOMEM. */
static json_object *secret_from(char **passwords) {
        json_object *s = json_object_new_object(), *a = json_object_new_array();
        if (!s || !a) {
                json_object_put(s);
                json_object_put(a);
                return NULL;
        }
        for (char **p = passwords; p && *p; p++)
                json_object_array_add(a, json_object_new_string(*p));
        json_object_object_add(s, "password", a);
        return s;
}

static int ask(const char *message, const char *user, char ***ret) {
        AskpwRequest req = ASKPW_REQUEST_INIT;
        struct timespec ts;
        int r;

        if (harg.no_ask)
                return -EUNATCH;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        req.message = message;
        req.icon = "user-home";
        req.id = "hearthctl:home";
        req.until = (uint64_t) ts.tv_sec * 1000000ULL + (uint64_t) ts.tv_nsec / 1000ULL + ASKPW_DEFAULT_TIMEOUT_USEC;
        r = askpw_secret_get(&req, 0, ret);
        (void) user;
        return r;
}

/* A new password: $NEWPASSWORD, else asked twice. */
static int get_new_password(const char *user, char ***ret) {
        _cleanup_strv_free_erase_ char **a = NULL, **b = NULL;
        _cleanup_free_ char *m1 = NULL, *m2 = NULL;
        const char *env = getenv("NEWPASSWORD");
        int r;

        if (env && !harg.password) {
                char **l = calloc(2, sizeof(char *));
                if (!l || !(l[0] = strdup(env))) {
                        free(l);
                        return -ENOMEM;
                }
                *ret = l;
                return 0;
        }
        if (asprintf(&m1, "Please enter new password for user %s:", user) < 0 ||
            asprintf(&m2, "Please enter new password for user %s (repeat):", user) < 0)
                return -ENOMEM;
        for (int i = 0; i < ASK_TRIES; i++) {
                r = ask(m1, user, &a);
                if (r < 0)
                        return r;
                r = ask(m2, user, &b);
                if (r < 0)
                        return r;
                if (a[0] && b[0] && streq(a[0], b[0])) {
                        *ret = TAKE_PTR(a);
                        return 0;
                }
                log_error("passwords did not match, try again");
                a = strv_free_erase(a);
                b = strv_free_erase(b);
        }
        return -ENOKEY;
}

static bool wants_secret(const char *error) {
        const char *e = short_error(error);
        return e && (streq(e, "PasswordNeeded") || streq(e, "BadPassword") || streq(e, "BadPasswordAndNoToken"));
}

/* Calls method; when the daemon wants a (better) secret, gets one from
 * $PASSWORD (first) or the ask-password subsystem and retries. params
 * may get a "secret" member. Returns 0 or an exit code. */
/* Calls method, asking for a password and retrying while the daemon says
 * one is missing or wrong. With `hold`, the call is made with "more" and
 * returns after the first reply, leaving the call open on c: the daemon
 * keeps what the call took (an Acquire reference) until c is closed. */
static int call_with_secret_full(VarlinkClient *c, const char *method, json_object *params, const char *user,
                                 const char *what, bool hold, json_object **ret_reply) {
        const char *env = getenv("PASSWORD");
        int r;

        if (env && !json_object_object_get_ex(params, "secret", NULL)) {
                char *l[] = { (char *) env, NULL };
                json_object_object_add(params, "secret", secret_from(l));
        }
        for (int attempt = 0;; attempt++) {
                _cleanup_json_ json_object *reply = NULL;
                const char *error = NULL;

                if (hold) {
                        bool continues = false;

                        r = varlink_call_more_begin(c, method, params);
                        if (r >= 0)
                                r = varlink_call_more_next(c, &reply, &error, &continues);
                        if (r == 0)
                                r = -EPROTO;
                        if (r > 0 && !error && !continues) {
                                /* The daemon ended the call at once: nothing is held. */
                                log_error("%s: the daemon did not keep the reference", what);
                                return EXIT_FAIL;
                        }
                } else
                        r = varlink_call_sync(c, method, params, &reply, &error);
                json_object *old;
                if (json_object_object_get_ex(params, "secret", &old))
                        json_wipe(old);
                json_object_object_del(params, "secret");
                if (r < 0)
                        return log_error_errno(r, "%s", what);
                if (!error) {
                        if (ret_reply)
                                *ret_reply = json_object_get(reply);
                        return 0;
                }
                if (!wants_secret(error) || attempt >= ASK_TRIES || harg.no_ask)
                        return report(what, error, reply);
                if (streq(short_error(error), "BadPassword"))
                        log_error("%s: password incorrect or not sufficient, please try again", what);

                _cleanup_strv_free_erase_ char **pw = NULL;
                _cleanup_free_ char *msg = NULL;
                if (asprintf(&msg, "Please enter password for user %s:", user) < 0)
                        return log_error_errno(-ENOMEM, "%s", what);
                r = ask(msg, user, &pw);
                if (r < 0) {
                        report(what, error, reply);
                        return log_error_errno(r, "%s: cannot ask for a password", what);
                }
                json_object *s = secret_from(pw);
                if (!s)
                        return log_error_errno(-ENOMEM, "%s", what);
                json_object_object_add(params, "secret", s);
        }
}

static int call_with_secret(VarlinkClient *c, const char *method, json_object *params, const char *user,
                            const char *what, json_object **ret_reply) {
        return call_with_secret_full(c, method, params, user, what, false, ret_reply);
}

static json_object *params_user(const char *user) {
        json_object *p = json_object_new_object();
        if (p)
                json_object_object_add(p, "userName", json_object_new_string(user));
        return p;
}

/* Runs method on every user named in argv[1..]. */
static int for_each_user(int argc, char *argv[], const char *method, bool secret, bool force) {
        _cleanup_(varlink_client_freep) VarlinkClient *c = NULL;
        int ret = EXIT_OK;

        if (connect_homed(&c) < 0)
                return EXIT_FAIL;
        for (int i = 1; i < argc; i++) {
                _cleanup_json_ json_object *p = params_user(argv[i]), *reply = NULL;
                _cleanup_free_ char *what = NULL;
                const char *error = NULL;
                int r;

                if (!p || asprintf(&what, "%s %s", argv[0], argv[i]) < 0)
                        return log_error_errno(-ENOMEM, "%s", argv[0]);
                if (force)
                        json_object_object_add(p, "force", json_object_new_boolean(true));
                if (secret)
                        r = call_with_secret(c, method, p, argv[i], what, NULL);
                else {
                        r = varlink_call_sync(c, method, p, &reply, &error);
                        if (r < 0)
                                r = log_error_errno(r, "%s", what);
                        else if (error)
                                r = report(what, error, reply);
                }
                if (r != 0)
                        ret = r;
        }
        return ret;
}

static int verb_activate(int argc, char *argv[]) { return for_each_user(argc, argv, "io.hearth.Home.Activate", true, false); }
static int verb_deactivate(int argc, char *argv[]) { return for_each_user(argc, argv, "io.hearth.Home.Deactivate", false, harg.force); }
static int verb_lock(int argc, char *argv[]) { return for_each_user(argc, argv, "io.hearth.Home.Lock", false, false); }
static int verb_unlock(int argc, char *argv[]) { return for_each_user(argc, argv, "io.hearth.Home.Unlock", true, false); }
static int verb_authenticate(int argc, char *argv[]) { return for_each_user(argc, argv, "io.hearth.Home.Authenticate", true, false); }
static int verb_remove(int argc, char *argv[]) { return for_each_user(argc, argv, "io.hearth.Home.Remove", false, false); }

static int simple_call(const char *method, const char *what) {
        _cleanup_(varlink_client_freep) VarlinkClient *c = NULL;
        _cleanup_json_ json_object *reply = NULL;
        const char *error = NULL;
        int r;

        if (connect_homed(&c) < 0)
                return EXIT_FAIL;
        r = varlink_call_sync(c, method, NULL, &reply, &error);
        if (r < 0)
                return log_error_errno(r, "%s", what);
        return error ? report(what, error, reply) : EXIT_OK;
}

static int verb_lock_all(int argc, char *argv[]) { return simple_call("io.hearth.Home.LockAll", "lock-all"); }
static int verb_deactivate_all(int argc, char *argv[]) { return simple_call("io.hearth.Home.DeactivateAll", "deactivate-all"); }

static const char *str_or(json_object *o, const char *k, const char *def) {
        json_object *v;
        return json_object_object_get_ex(o, k, &v) && json_object_is_type(v, json_type_string)
                ? json_object_get_string(v) : def;
}

static int verb_list(int argc, char *argv[]) {
        _cleanup_(varlink_client_freep) VarlinkClient *c = NULL;
        _cleanup_json_ json_object *reply = NULL;
        const char *error = NULL;
        json_object *homes;
        int r;

        if (connect_homed(&c) < 0)
                return EXIT_FAIL;
        r = varlink_call_sync(c, "io.hearth.Home.List", NULL, &reply, &error);
        if (r < 0)
                return log_error_errno(r, "list");
        if (error)
                return report("list", error, reply);
        if (!json_object_object_get_ex(reply, "homes", &homes))
                return log_error_errno(-EBADMSG, "list");
        if (json_mode_or(JSON_OFF) != JSON_OFF)
                return print_json(homes, json_mode_or(JSON_OFF));

        size_t n = json_object_array_length(homes);
        if (arg.legend)
                printf("%-16s %6s %6s %-10s %-20s %-28s %s\n", "NAME", "UID", "GID", "STATE", "REALNAME", "HOME", "SHELL");
        for (size_t i = 0; i < n; i++) {
                json_object *h = json_object_array_get_idx(homes, i), *u, *g;
                json_object_object_get_ex(h, "uid", &u);
                json_object_object_get_ex(h, "gid", &g);
                printf("%-16s %6" PRId64 " %6" PRId64 " %-10s %-20s %-28s %s\n", str_or(h, "userName", "-"),
                       json_object_get_int64(u), json_object_get_int64(g), str_or(h, "state", "-"),
                       str_or(h, "realName", str_or(h, "userName", "-")), str_or(h, "homeDirectory", "-"),
                       str_or(h, "shell", "-"));
        }
        if (arg.legend)
                printf("\n%zu home%s listed.\n", n, n == 1 ? "" : "s");
        return EXIT_OK;
}

static int inspect_one(VarlinkClient *c, const char *user, json_object **ret_record) {
        _cleanup_json_ json_object *p = params_user(user), *reply = NULL;
        const char *error = NULL;
        json_object *rec;
        int r;

        if (!p)
                return log_error_errno(-ENOMEM, "inspect");
        r = varlink_call_sync(c, "io.hearth.Home.Inspect", p, &reply, &error);
        if (r < 0)
                return log_error_errno(r, "inspect %s", user);
        if (error)
                return report(user, error, reply);
        if (!json_object_object_get_ex(reply, "record", &rec))
                return log_error_errno(-EBADMSG, "inspect %s", user);
        *ret_record = json_object_get(rec);
        return 0;
}

static void show_field(const char *label, const char *value) {
        if (value)
                printf("%16s: %s\n", label, value);
}

static int verb_inspect(int argc, char *argv[]) {
        _cleanup_(varlink_client_freep) VarlinkClient *c = NULL;
        int ret = EXIT_OK;

        if (connect_homed(&c) < 0)
                return EXIT_FAIL;
        for (int i = 1; i < argc; i++) {
                _cleanup_json_ json_object *rec = NULL;
                json_object *st, *v;
                char buf[64];

                if (inspect_one(c, argv[i], &rec) != 0) {
                        ret = EXIT_FAIL;
                        continue;
                }
                if (json_mode_or(JSON_OFF) != JSON_OFF) {
                        print_json(rec, json_mode_or(JSON_OFF));
                        continue;
                }
                json_object *status = NULL;
                if (json_object_object_get_ex(rec, "status", &st)) {
                        json_object_object_foreach(st, k, val) {
                                (void) k;
                                status = val;
                        }
                }
                if (i > 1)
                        putchar('\n');
                show_field("User name", str_or(rec, "userName", NULL));
                show_field("State", str_or(status, "state", NULL));
                show_field("Real Name", str_or(rec, "realName", NULL));
                if (json_object_object_get_ex(rec, "uid", &v)) {
                        snprintf(buf, sizeof buf, "%" PRId64, json_object_get_int64(v));
                        show_field("UID", buf);
                }
                show_field("Disposition", str_or(rec, "disposition", NULL));
                show_field("Directory", str_or(rec, "homeDirectory", NULL));
                show_field("Storage", str_or(rec, "storage", NULL));
                show_field("Image Path", str_or(rec, "imagePath", NULL));
                show_field("Shell", str_or(rec, "shell", NULL));
                if (json_object_object_get_ex(rec, "memberOf", &v)) {
                        _cleanup_free_ char *t = NULL;
                        if (json_canonical_format(v, &t, NULL) >= 0)
                                show_field("Member Of", t);
                }
                if (status && json_object_object_get_ex(status, "diskUsage", &v)) {
                        snprintf(buf, sizeof buf, "%" PRIu64 " bytes", json_object_get_uint64(v));
                        show_field("Disk Usage", buf);
                }
                if (status && json_object_object_get_ex(status, "goodAuthenticationCounter", &v)) {
                        json_object *b = NULL;
                        json_object_object_get_ex(status, "badAuthenticationCounter", &b);
                        snprintf(buf, sizeof buf, "%" PRIu64 " good, %" PRIu64 " bad",
                                 json_object_get_uint64(v), b ? json_object_get_uint64(b) : 0);
                        show_field("Auth. Count", buf);
                }
                show_field("Service", str_or(status, "service", NULL));
                if (json_object_object_get_ex(status, "signedLocally", &v))
                        show_field("Signed Locally", json_object_get_boolean(v) ? "yes" : "no");
        }
        return ret;
}

/* The record fields the command line options set. */
static int apply_options(json_object *rec) {
        if (harg.real_name)
                json_object_object_add(rec, "realName", json_object_new_string(harg.real_name));
        if (harg.storage)
                json_object_object_add(rec, "storage", json_object_new_string(harg.storage));
        if (harg.image_path)
                json_object_object_add(rec, "imagePath", json_object_new_string(harg.image_path));
        if (harg.shell)
                json_object_object_add(rec, "shell", json_object_new_string(harg.shell));
        if (harg.home_dir)
                json_object_object_add(rec, "homeDirectory", json_object_new_string(harg.home_dir));
        if (harg.skel)
                json_object_object_add(rec, "skeletonDirectory", json_object_new_string(harg.skel));
        if (harg.pbkdf_type)
                json_object_object_add(rec, "luksPbkdfType", json_object_new_string(harg.pbkdf_type));
        if (harg.fs_type)
                json_object_object_add(rec, "fileSystemType", json_object_new_string(harg.fs_type));
        if (harg.luks_cipher)
                json_object_object_add(rec, "luksCipher", json_object_new_string(harg.luks_cipher));
        if (harg.luks_cipher_mode)
                json_object_object_add(rec, "luksCipherMode", json_object_new_string(harg.luks_cipher_mode));
        if (harg.pbkdf_hash)
                json_object_object_add(rec, "luksPbkdfHashAlgorithm", json_object_new_string(harg.pbkdf_hash));
        if (harg.luks_extra_mount_options)
                json_object_object_add(rec, "luksExtraMountOptions", json_object_new_string(harg.luks_extra_mount_options));
        if (harg.luks_discard >= 0)
                json_object_object_add(rec, "luksDiscard", json_object_new_boolean(harg.luks_discard));
        if (harg.luks_volume_key_size != UINT64_MAX)
                json_object_object_add(rec, "luksVolumeKeySize", json_object_new_uint64(harg.luks_volume_key_size));
        if (harg.luks_sector_size != UINT64_MAX)
                json_object_object_add(rec, "luksSectorSize", json_object_new_uint64(harg.luks_sector_size));
        if (harg.pbkdf_time_cost != UINT64_MAX)
                json_object_object_add(rec, "luksPbkdfTimeCostUSec", json_object_new_uint64(harg.pbkdf_time_cost));
        if (harg.pbkdf_threads != UINT64_MAX)
                json_object_object_add(rec, "luksPbkdfParallelThreads", json_object_new_uint64(harg.pbkdf_threads));
        if (harg.uid != UINT64_MAX)
                json_object_object_add(rec, "uid", json_object_new_uint64(harg.uid));
        if (harg.disk_size != UINT64_MAX)
                json_object_object_add(rec, "diskSize", json_object_new_uint64(harg.disk_size));
        if (harg.pbkdf_force_iterations != UINT64_MAX)
                json_object_object_add(rec, "luksPbkdfForceIterations", json_object_new_uint64(harg.pbkdf_force_iterations));
        if (harg.pbkdf_memory_cost != UINT64_MAX)
                json_object_object_add(rec, "luksPbkdfMemoryCost", json_object_new_uint64(harg.pbkdf_memory_cost));
        if (harg.rate_limit_burst != UINT64_MAX)
                json_object_object_add(rec, "rateLimitBurst", json_object_new_uint64(harg.rate_limit_burst));
        if (harg.rate_limit_interval != UINT64_MAX)
                json_object_object_add(rec, "rateLimitIntervalUSec",
                                       json_object_new_uint64(harg.rate_limit_interval * 1000000ULL));
        if (harg.member_of) {
                json_object *a = json_object_new_array();
                if (!a)
                        return -ENOMEM;
                for (char **g = harg.member_of; *g; g++)
                        json_object_array_add(a, json_object_new_string(*g));
                json_object_object_add(rec, "memberOf", a);
        }
        return 0;
}

static int verb_create(int argc, char *argv[]) {
        _cleanup_(varlink_client_freep) VarlinkClient *c = NULL;
        _cleanup_json_ json_object *rec = NULL, *p = NULL, *reply = NULL;
        _cleanup_strv_free_erase_ char **pw = NULL;
        const char *user = argc > 1 ? argv[1] : NULL;
        json_object *priv, *hp;
        int r;

        if (harg.identity) {
                r = read_json_object(harg.identity, &rec);
                if (r != 0)
                        return r;
        } else if (!(rec = json_object_new_object()))
                return log_error_errno(-ENOMEM, "create");
        if (user)
                json_object_object_add(rec, "userName", json_object_new_string(user));
        user = str_or(rec, "userName", NULL);
        if (!user) {
                log_error("create: no user name given");
                return EXIT_USAGE;
        }
        if (apply_options(rec) < 0)
                return log_error_errno(-ENOMEM, "create");

        /* A record that brings its own hash needs no new password unless asked. */
        bool has_hash = (priv = json_object_object_get_ex(rec, "privileged", &priv) ? priv : NULL) &&
                        json_object_object_get_ex(priv, "hashedPassword", &hp);
        p = json_object_new_object();
        if (!p)
                return log_error_errno(-ENOMEM, "create");
        if (!has_hash || harg.password || getenv("NEWPASSWORD")) {
                r = get_new_password(user, &pw);
                if (r < 0)
                        return log_error_errno(r, "create %s: cannot get a password", user);
                json_object_object_add(p, "secret", secret_from(pw));
        }
        json_object_object_add(p, "record", json_object_get(rec));
        if (connect_homed(&c) < 0)
                return EXIT_FAIL;
        const char *error = NULL;
        r = varlink_call_sync(c, "io.hearth.Home.Create", p, &reply, &error);
        json_object *s;
        if (json_object_object_get_ex(p, "secret", &s))
                json_wipe(s);
        if (r < 0)
                return log_error_errno(r, "create %s", user);
        if (error) {
                json_object *f;
                if (reply && json_object_object_get_ex(reply, "field", &f))
                        log_error("create %s: field '%s' is the problem", user, json_object_get_string(f));
                return report(user, error, reply);
        }
        return EXIT_OK;
}

static int verb_update(int argc, char *argv[]) {
        _cleanup_(varlink_client_freep) VarlinkClient *c = NULL;
        _cleanup_json_ json_object *rec = NULL, *p = NULL;
        const char *user = argc > 1 ? argv[1] : NULL;
        struct timespec ts;
        int r;

        if (connect_homed(&c) < 0)
                return EXIT_FAIL;
        if (harg.identity) {
                r = read_json_object(harg.identity, &rec);
                if (r != 0)
                        return r;
                if (user)
                        json_object_object_add(rec, "userName", json_object_new_string(user));
                user = str_or(rec, "userName", NULL);
        } else if (!user) {
                log_error("update: no user name given");
                return EXIT_USAGE;
        } else if (inspect_one(c, user, &rec) != 0)
                return EXIT_FAIL;
        if (!user) {
                log_error("update: no user name given");
                return EXIT_USAGE;
        }
        json_object_object_del(rec, "status");
        json_object_object_del(rec, "signature");
        if (apply_options(rec) < 0)
                return log_error_errno(-ENOMEM, "update");
        if (!harg.identity || !json_object_object_get_ex(rec, "lastChangeUSec", NULL)) {
                clock_gettime(CLOCK_REALTIME, &ts);
                json_object_object_add(rec, "lastChangeUSec",
                                       json_object_new_uint64((uint64_t) ts.tv_sec * 1000000ULL + (uint64_t) ts.tv_nsec / 1000ULL));
        }
        p = json_object_new_object();
        if (!p)
                return log_error_errno(-ENOMEM, "update");
        json_object_object_add(p, "record", json_object_get(rec));
        _cleanup_free_ char *what = NULL;
        if (asprintf(&what, "update %s", user) < 0)
                return log_error_errno(-ENOMEM, "update");
        return call_with_secret(c, "io.hearth.Home.Update", p, user, what, NULL);
}

static int verb_passwd(int argc, char *argv[]) {
        _cleanup_(varlink_client_freep) VarlinkClient *c = NULL;
        _cleanup_json_ json_object *p = NULL;
        _cleanup_strv_free_erase_ char **pw = NULL;
        _cleanup_free_ char *what = NULL;
        const char *user = argv[1];
        int r;

        if (connect_homed(&c) < 0)
                return EXIT_FAIL;
        r = get_new_password(user, &pw);
        if (r < 0)
                return log_error_errno(r, "passwd %s: cannot get the new password", user);
        p = params_user(user);
        if (!p || asprintf(&what, "passwd %s", user) < 0)
                return log_error_errno(-ENOMEM, "passwd");
        json_object_object_add(p, "newSecret", secret_from(pw));
        r = call_with_secret(c, "io.hearth.Home.ChangePassword", p, user, what, NULL);
        json_object *ns;
        if (json_object_object_get_ex(p, "newSecret", &ns))
                json_wipe(ns);
        return r;
}

static int verb_resize(int argc, char *argv[]) {
        _cleanup_(varlink_client_freep) VarlinkClient *c = NULL;
        _cleanup_json_ json_object *p = params_user(argv[1]);
        _cleanup_free_ char *what = NULL;
        uint64_t size;

        if (parse_u64(argv[2], &size) < 0 || size == 0 || size > INT64_MAX) {
                log_error("resize: invalid size '%s'", argv[2]);
                return EXIT_USAGE;
        }
        if (!p || asprintf(&what, "resize %s", argv[1]) < 0)
                return log_error_errno(-ENOMEM, "resize");
        if (connect_homed(&c) < 0)
                return EXIT_FAIL;
        json_object_object_add(p, "size", json_object_new_int64((int64_t) size));
        return call_with_secret(c, "io.hearth.Home.Resize", p, argv[1], what, NULL);
}

/* with USER [--] [CMD...]: takes a reference (activating the home if
 * needed), runs CMD (default: $SHELL) inside the home, and drops the
 * reference by closing the connection that holds it, so the reference
 * goes away even if hearthctl is killed. */
static int verb_with(int argc, char *argv[]) {
        _cleanup_(varlink_client_freep) VarlinkClient *holder = NULL, *c = NULL;
        _cleanup_json_ json_object *p = params_user(argv[1]), *rec = NULL;
        _cleanup_free_ char *what = NULL;
        const char *user = argv[1], *home;
        char **cmd = argv + 2;
        int r, status;
        pid_t pid;

        if (!p || asprintf(&what, "with %s", user) < 0)
                return log_error_errno(-ENOMEM, "with");
        /* Calls on one connection are answered in order and the held
         * Acquire never finishes: everything else goes over a second one. */
        if (connect_homed(&holder) < 0 || connect_homed(&c) < 0)
                return EXIT_FAIL;
        r = call_with_secret_full(holder, "io.hearth.Home.Acquire", p, user, what, true, NULL);
        if (r != 0)
                return r;
        if (inspect_one(c, user, &rec) != 0)
                return EXIT_FAIL;
        home = str_or(rec, "homeDirectory", NULL);

        if (cmd[0] && streq(cmd[0], "--"))
                cmd++;
        pid = fork();
        if (pid < 0)
                return log_error_errno(-errno, "with %s: fork", user);
        if (pid == 0) {
                const char *sh = getenv("SHELL") ?: "/bin/sh";
                if (home && chdir(home) < 0)
                        _exit(EXIT_FAIL);
                if (home)
                        setenv("HOME", home, 1);
                if (!cmd[0])
                        execl(sh, sh, (char *) NULL);
                else
                        execvp(cmd[0], cmd);
                fprintf(stderr, "hearthctl: with %s: cannot execute %s: %m\n", user, cmd[0] ?: sh);
                _exit(127);
        }
        while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
                ;
        return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

const Verb home_verbs[] = {
        { "list",           1, 1,        0, verb_list,           "list                   List managed homes" },
        { "inspect",        2, VERB_ANY, 0, verb_inspect,        "inspect USER...        Show a home's record and state" },
        { "create",         1, 2,        0, verb_create,         "create USER            Create a home (--identity=, --storage=, ...)" },
        { "remove",         2, VERB_ANY, 0, verb_remove,         "remove USER...         Remove a home and its record" },
        { "activate",       2, VERB_ANY, 0, verb_activate,       "activate USER...       Activate a home" },
        { "deactivate",     2, VERB_ANY, 0, verb_deactivate,     "deactivate USER...     Deactivate a home" },
        { "update",         1, 2,        0, verb_update,         "update USER            Change a home's record" },
        { "passwd",         2, 2,        0, verb_passwd,         "passwd USER            Change a home's password" },
        { "resize",         3, 3,        0, verb_resize,         "resize USER BYTES      Grow or shrink a home (where the storage can)" },
        { "lock",           2, VERB_ANY, 0, verb_lock,           "lock USER...           Lock an active home" },
        { "unlock",         2, VERB_ANY, 0, verb_unlock,         "unlock USER...         Unlock a locked home" },
        { "lock-all",       1, 1,        0, verb_lock_all,       "lock-all               Lock every active home that can be locked" },
        { "deactivate-all", 1, 1,        0, verb_deactivate_all, "deactivate-all         Deactivate every active home" },
        { "authenticate",   2, VERB_ANY, 0, verb_authenticate,   "authenticate USER...   Check a home's password" },
        { "with",           2, VERB_ANY, 0, verb_with,           "with USER [-- CMD...]  Run a command in an activated home" },
        {}
};

int verb_home(int argc, char *argv[]) {
        return dispatch_verb(argc, argv, home_verbs, NULL);
}
