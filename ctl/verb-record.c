/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* hearthctl record ...: work on user/group record files. */

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "ctl-util.h"
#include "group-record.h"
#include "hearthctl.h"
#include "json-canonical.h"
#include "password-hash.h"
#include "recovery-key.h"
#include "signature.h"
#include "user-record-effective.h"
#include "user-record.h"

#define PASSWORD_SIZE_MAX 4096U

typedef enum RecordKind {
        KIND_USER,
        KIND_GROUP,
} RecordKind;

/* --type wins; otherwise userName means user and groupName means group. */
static int record_kind(json_object *v, const char *name, RecordKind *ret) {
        if (arg.type) {
                *ret = streq(arg.type, "group") ? KIND_GROUP : KIND_USER;
                return 0;
        }
        if (json_object_object_get_ex(v, "userName", NULL)) {
                *ret = KIND_USER;
                return 0;
        }
        if (json_object_object_get_ex(v, "groupName", NULL)) {
                *ret = KIND_GROUP;
                return 0;
        }
        log_error("%s: neither \"userName\" nor \"groupName\" present; not a user or group record "
                  "(use --type= to say which it should be)", name);
        return EXIT_FAIL;
}

static const RecordLoadOptions load_options = {
        .policy = {
                .require = RECORD_REGULAR,
                .allow = _RECORD_SECTION_ALL,
        },
};

static int report_invalid(const char *name, RecordKind kind, int r, const RecordError *err) {
        const char *what = kind == KIND_USER ? "user" : "group";

        /* The loader's message already names the field when there is one. */
        if (err->message[0])
                log_error("%s: invalid %s record: %s", name, what, err->message);
        else if (err->field[0])
                log_error("%s: invalid %s record: field '%s': %s", name, what, err->field, strerror(-r));
        else
                log_error("%s: invalid %s record: %s", name, what, strerror(-r));
        return EXIT_FAIL;
}

static int verb_validate(int argc, char *argv[]) {
        json_object *v = NULL;
        RecordError err = {};
        RecordKind kind;
        const char *name = input_name(argv[1]);
        int r;

        r = read_json_object(argv[1], &v);
        if (r != 0)
                return r;
        r = record_kind(v, name, &kind);
        if (r == 0) {
                r = kind == KIND_USER ? user_record_validate(v, &load_options, &err)
                                      : group_record_validate(v, &load_options, &err);
                if (r < 0)
                        r = report_invalid(name, kind, r, &err);
                else if (!arg.quiet)
                        printf("%s: valid %s record\n", name, kind == KIND_USER ? "user" : "group");
        }
        json_object_put(v);
        return r;
}

static int verb_canonical(int argc, char *argv[]) {
        _cleanup_erase_free_ char *s = NULL;
        json_object *v = NULL;
        JsonMode mode = json_mode_or(JSON_SHORT);
        size_t n = 0;
        int r;

        r = read_json_object(argv[1], &v);
        if (r != 0)
                return r;

        if (arg.signable)
                r = record_signable_bytes(v, &s, &n);
        else
                r = json_canonical_format(v, &s, &n);
        if (r >= 0 && mode == JSON_PRETTY) {
                /* The pretty form of the same (possibly stripped) value. */
                json_object *w = json_tokener_parse(s);
                erase_and_free(s);
                s = NULL;
                r = w ? json_pretty_format(w, &s, &n) : -EBADMSG;
                json_object_put(w);
        }
        json_object_put(v);
        if (r < 0)
                return log_error_errno(r, "%s: cannot put into canonical form", input_name(argv[1]));

        /* Short: exactly the canonical bytes, no newline, so the output
         * can be fed to a signature check as it is. */
        if (mode != JSON_OFF && (fwrite(s, 1, n, stdout) != n || fflush(stdout) != 0))
                return log_error_errno(-EIO, "cannot write output");
        return EXIT_OK;
}

static int verb_sign(int argc, char *argv[]) {
        _cleanup_pkey_ EVP_PKEY *key = NULL;
        json_object *v = NULL, *s = NULL;
        RecordError err = {};
        RecordKind kind;
        const char *name = input_name(argv[1]);
        int r;

        if (!arg.private_key) {
                log_error("record sign: --private-key=PATH is required");
                return EXIT_USAGE;
        }
        r = signing_key_load_private_file(arg.private_key, &key);
        if (r == -EBADMSG) {
                log_error("%s: not an unencrypted PEM private key", arg.private_key);
                return EXIT_FAIL;
        }
        if (r == -EKEYREJECTED) {
                log_error("%s: not an Ed25519 key (records are signed with Ed25519)", arg.private_key);
                return EXIT_FAIL;
        }
        if (r < 0)
                return log_error_errno(r, "cannot load private key %s", arg.private_key);

        r = read_json_object(argv[1], &v);
        if (r != 0)
                return r;

        /* Only valid records get signed: a signature vouches for the content. */
        r = record_kind(v, name, &kind);
        if (r == 0) {
                r = kind == KIND_USER ? user_record_validate(v, &load_options, &err)
                                      : group_record_validate(v, &load_options, &err);
                r = r < 0 ? report_invalid(name, kind, r, &err) : 0;
        }
        if (r == 0) {
                r = record_sign(v, key, &s);
                r = r < 0 ? log_error_errno(r, "%s: cannot sign", name) : 0;
        }
        if (r == 0)
                r = print_json(s, json_mode_or(JSON_PRETTY));

        json_object_put(s);
        json_object_put(v);
        return r;
}

static void free_keys(EVP_PKEY **keys, size_t n) {
        for (size_t i = 0; i < n; i++)
                EVP_PKEY_free(keys[i]);
        free(keys);
}

static int verb_verify(int argc, char *argv[]) {
        EVP_PKEY **keys = NULL;
        json_object *v = NULL;
        const char *name = input_name(argv[1]);
        size_t n = strv_length(arg.public_keys);
        int r, ret;

        if (n == 0) {
                log_error("record verify: --public-key=PATH is required");
                return EXIT_USAGE;
        }
        keys = calloc(n, sizeof(EVP_PKEY *));
        if (!keys)
                return log_error_errno(-ENOMEM, "cannot load keys");
        for (size_t i = 0; i < n; i++) {
                r = signing_key_load_public_file(arg.public_keys[i], &keys[i]);
                if (r < 0) {
                        if (r == -EBADMSG)
                                log_error("%s: not a PEM public key", arg.public_keys[i]);
                        else if (r == -EKEYREJECTED)
                                log_error("%s: not an Ed25519 key", arg.public_keys[i]);
                        else
                                log_error_errno(r, "cannot load public key %s", arg.public_keys[i]);
                        free_keys(keys, n);
                        return EXIT_FAIL;
                }
        }

        ret = read_json_object(argv[1], &v);
        if (ret != 0) {
                free_keys(keys, n);
                return ret;
        }

        r = record_verify(v, keys, n);
        json_object_put(v);
        free_keys(keys, n);

        switch (r) {
        case RECORD_SIG_SIGNED_EXCLUSIVE:
        case RECORD_SIG_SIGNED:
                ret = EXIT_OK;
                break;
        case RECORD_SIG_UNSIGNED:
                log_error("%s: record is not signed", name);
                ret = EXIT_UNSIGNED;
                break;
        case RECORD_SIG_FOREIGN:
                log_error("%s: record is signed, but not by any of the given keys", name);
                ret = EXIT_FOREIGN;
                break;
        case -EBADMSG:
                log_error("%s: BAD signature: the record was changed after it was signed, "
                          "or the signature is damaged", name);
                return EXIT_BAD_SIGNATURE;
        default:
                if (r == -EINVAL) {
                        log_error("%s: malformed \"signature\" section, or strings that cannot be signed", name);
                        return EXIT_FAIL;
                }
                return log_error_errno(r, "%s: cannot verify", name);
        }

        if (!arg.quiet)
                printf("%s\n", record_signature_state_to_string(r));
        return ret;
}

/* Reads a password from stdin: with echo off and a prompt on a terminal,
 * otherwise the first line (without its newline) or all of it. */
static int read_password(char **ret) {
        _cleanup_erase_free_ char *text = NULL;
        struct termios old, quiet;
        bool tty = isatty(STDIN_FILENO) && tcgetattr(STDIN_FILENO, &old) == 0;
        size_t n = 0;
        char *nl;
        int r;

        if (tty) {
                fputs("Password: ", stderr);
                fflush(stderr);
                quiet = old;
                quiet.c_lflag &= ~(tcflag_t) ECHO;
                (void) tcsetattr(STDIN_FILENO, TCSANOW, &quiet);
                text = calloc(1, PASSWORD_SIZE_MAX + 2);
                r = text && fgets(text, PASSWORD_SIZE_MAX + 2, stdin) ? 0 : -EIO;
                (void) tcsetattr(STDIN_FILENO, TCSANOW, &old);
                fputc('\n', stderr);
                if (r < 0)
                        return log_error_errno(r, "cannot read password");
                n = strlen(text);
        } else {
                r = read_input("-", PASSWORD_SIZE_MAX, &text, &n);
                if (r != 0)
                        return r;
                if (memchr(text, 0, n)) {
                        log_error("password contains a NUL byte");
                        return EXIT_FAIL;
                }
        }

        nl = strchr(text, '\n');
        if (nl) {
                if (nl > text && nl[-1] == '\r')
                        nl--;
                *nl = 0;
        }
        *ret = TAKE_PTR(text);
        return 0;
}

static int verb_hash_password(int argc, char *argv[]) {
        _cleanup_erase_free_ char *pw = NULL;
        _cleanup_free_ char *hash = NULL;
        PasswordHashMethod m = PASSWORD_HASH_PREFERRED;
        int r;

        if (arg.method) {
                m = password_hash_method_from_string(arg.method);
                if (m < 0) {
                        log_error("unknown --method= '%s' (preferred, yescrypt, sha512)", arg.method);
                        return EXIT_USAGE;
                }
        }

        r = read_password(&pw);
        if (r != 0)
                return r;

        r = password_hash_new(pw, m, &hash);
        if (r == -EOPNOTSUPP) {
                log_error("libcrypt on this machine cannot make %s hashes", password_hash_method_to_string(m));
                return EXIT_FAIL;
        }
        if (r < 0)
                return log_error_errno(r, "cannot hash password");

        if (json_mode_or(JSON_OFF) == JSON_OFF) {
                printf("%s\n", hash);
                return EXIT_OK;
        }

        json_object *o = json_object_new_object(), *a = json_object_new_array();
        if (!o || !a || json_object_array_add(a, json_object_new_string(hash)) < 0 ||
            json_object_object_add(o, "hashedPassword", a) < 0) {
                json_object_put(a);
                json_object_put(o);
                return log_error_errno(-ENOMEM, "cannot build output");
        }
        r = print_json(o, arg.json);
        json_object_put(o);
        return r;
}

static int verb_recovery_key(int argc, char *argv[]) {
        _cleanup_erase_free_ char *key = NULL;
        json_object *entry = NULL, *o;
        int r;

        r = recovery_key_generate(&key);
        if (r < 0)
                return log_error_errno(r, "cannot generate recovery key");

        if (json_mode_or(JSON_OFF) == JSON_OFF) {
                printf("%s\n", key);
                return EXIT_OK;
        }

        r = recovery_key_make_entry(key, &entry);
        if (r < 0)
                return log_error_errno(r, "cannot hash recovery key");

        o = json_object_new_object();
        if (!o || json_object_object_add(o, "key", json_object_new_string(key)) < 0 ||
            json_object_object_add(o, "entry", entry) < 0) {
                json_object_put(entry);
                json_object_put(o);
                return log_error_errno(-ENOMEM, "cannot build output");
        }
        r = print_json(o, arg.json);
        /* The key is in the tree too; wipe its copy there before freeing. */
        json_object *k;
        if (json_object_object_get_ex(o, "key", &k) && k)
                explicit_bzero((char *) json_object_get_string(k), (size_t) json_object_get_string_len(k));
        json_object_put(o);
        return r;
}

/* --- record show ------------------------------------------------------- */

static void field(const char *label, const char *fmt, ...) _printf_(2, 3);
static void field(const char *label, const char *fmt, ...) {
        va_list ap;

        printf("%*s: ", 22, label);
        va_start(ap, fmt);
        vprintf(fmt, ap);
        va_end(ap);
        putchar('\n');
}

static void field_strv(const char *label, char **l) {
        if (!l || !l[0])
                return;
        printf("%*s: %s\n", 22, label, l[0]);
        for (size_t i = 1; l[i]; i++)
                printf("%*s  %s\n", 22, "", l[i]);
}

static const char *format_usec(uint64_t usec, char *buf, size_t size) {
        time_t t;
        struct tm tm;

        if (usec == UINT64_MAX)
                return "unset";
        t = (time_t) (usec / 1000000);
        if (!gmtime_r(&t, &tm) || strftime(buf, size, "%Y-%m-%d %H:%M:%S UTC", &tm) == 0)
                snprintf(buf, size, "%" PRIu64 " us", usec);
        return buf;
}

static const char *format_bytes(uint64_t b, char *buf, size_t size) {
        static const char *units[] = { "B", "K", "M", "G", "T", "P", "E" };
        double d = (double) b;
        size_t u = 0;

        if (b == UINT64_MAX)
                return "unset";
        while (d >= 1024 && u + 1 < ELEMENTSOF(units)) {
                d /= 1024;
                u++;
        }
        if (u == 0)
                snprintf(buf, size, "%" PRIu64 "B", b);
        else
                snprintf(buf, size, "%.1f%s", d, units[u]);
        return buf;
}

static void show_sections(RecordSection s) {
        char buf[128] = "";

        for (RecordSection b = RECORD_SECRET; b <= RECORD_SIGNATURE; b <<= 1)
                if (s & b) {
                        if (buf[0])
                                strcat(buf, ", ");
                        strcat(buf, record_section_to_key(b));
                }
        field("Sections", "%s", buf[0] ? buf : "regular only");
}

static void show_signature(json_object *v) {
        json_object *sig;

        if (!json_object_object_get_ex(v, "signature", &sig) || !json_object_is_type(sig, json_type_array) ||
            json_object_array_length(sig) == 0)
                field("Signature", "none");
        else
                field("Signature", "%zu (not checked; use \"record verify\")", json_object_array_length(sig));
}

static void show_user(UserRecord *ur) {
        _cleanup_free_ char *home = NULL, *image = NULL;
        char buf[64];
        UserStorage storage = user_record_storage(ur);

        field("User name", "%s", ur->user_name);
        if (ur->realm)
                field("Realm", "%s", ur->realm);
        field_strv("Aliases", ur->aliases);
        if (ur->real_name)
                field("Real name", "%s", ur->real_name);
        field("Disposition", "%s", user_disposition_to_string(user_record_disposition(ur)) ?: "unknown");
        if (ur->service || user_record_service(ur))
                field("Service", "%s", user_record_service(ur));
        if (ur->last_change_usec != UINT64_MAX)
                field("Last change", "%s", format_usec(ur->last_change_usec, buf, sizeof buf));
        field("State", "%s", user_record_locked(ur) ? "locked" : "not locked");
        if (ur->not_before_usec != UINT64_MAX)
                field("Not before", "%s", format_usec(ur->not_before_usec, buf, sizeof buf));
        if (ur->not_after_usec != UINT64_MAX)
                field("Not after", "%s", format_usec(ur->not_after_usec, buf, sizeof buf));

        if (ur->uid != UID_INVALID)
                field("UID", "%u", (unsigned) ur->uid);
        else
                field("UID", "unset");
        if (user_record_gid(ur) != GID_INVALID)
                field("GID", "%u%s", (unsigned) user_record_gid(ur),
                      ur->gid == GID_INVALID ? " (per-user group)" : "");
        field_strv("Member of", ur->member_of);

        home = user_record_home_directory(ur, NULL);
        field("Home directory", "%s", home ?: "unset");
        field("Shell", "%s", user_record_shell(ur) ?: "unset");
        field("Umask", "%04o", (unsigned) user_record_umask(ur));
        if (ur->time_zone)
                field("Time zone", "%s", ur->time_zone);
        if (ur->preferred_language)
                field("Language", "%s", ur->preferred_language);
        field_strv("Environment", ur->environment);

        field("Storage", "%s", user_storage_to_string(storage) ?: "unknown");
        if (storage != USER_CLASSIC) {
                if (user_record_image_path(ur, NULL, &image) >= 0 && image)
                        field("Image path", "%s", image);
                field("Access mode", "%04o", (unsigned) user_record_access_mode(ur));
                if (storage == USER_LUKS) {
                        field("File system", "%s", user_record_file_system_type(ur));
                        field("LUKS cipher", "%s-%s", user_record_luks_cipher(ur),
                              user_record_luks_cipher_mode(ur));
                        field("LUKS PBKDF", "%s", user_record_luks_pbkdf_type(ur));
                }
                if (user_record_disk_size(ur) != UINT64_MAX)
                        field("Disk size", "%s", format_bytes(user_record_disk_size(ur), buf, sizeof buf));
                field("Mount options", "%s,%s,%s",
                      user_record_mount_nodev(ur) ? "nodev" : "dev",
                      user_record_mount_nosuid(ur) ? "nosuid" : "suid",
                      user_record_mount_noexec(ur) ? "noexec" : "exec");
        }

        field("Passwords", "%zu hash%s", strv_length(ur->hashed_password),
              strv_length(ur->hashed_password) == 1 ? "" : "es");
        if (ur->n_recovery_key > 0)
                field("Recovery keys", "%zu", ur->n_recovery_key);
        if (ur->n_pkcs11_encrypted_key > 0)
                field("PKCS#11 tokens", "%zu", ur->n_pkcs11_encrypted_key);
        if (ur->n_fido2_hmac_salt > 0)
                field("FIDO2 tokens", "%zu", ur->n_fido2_hmac_salt);
        field("Password policy", "%s", user_record_enforce_password_policy(ur) ? "enforced" : "not enforced");
        field("Auth. rate limit", "%" PRIu64 " attempts per %" PRIu64 "s",
              user_record_ratelimit_burst(ur), user_record_ratelimit_interval_usec(ur) / 1000000);
        if (ur->n_per_machine_applied > 0)
                field("perMachine applied", "%u element%s", ur->n_per_machine_applied,
                      ur->n_per_machine_applied == 1 ? "" : "s");
        show_sections(ur->sections);
        show_signature(ur->json);
}

static void show_group(GroupRecord *gr) {
        char buf[64];

        field("Group name", "%s", gr->group_name);
        if (gr->realm)
                field("Realm", "%s", gr->realm);
        if (gr->description)
                field("Description", "%s", gr->description);
        field("Disposition", "%s", user_disposition_to_string(group_record_disposition(gr)) ?: "unknown");
        if (group_record_service(gr))
                field("Service", "%s", group_record_service(gr));
        if (gr->last_change_usec != UINT64_MAX)
                field("Last change", "%s", format_usec(gr->last_change_usec, buf, sizeof buf));
        if (gr->gid != GID_INVALID)
                field("GID", "%u", (unsigned) gr->gid);
        else
                field("GID", "unset");
        field_strv("Members", gr->members);
        field_strv("Administrators", gr->administrators);
        field("Passwords", "%zu hash%s", strv_length(gr->hashed_password),
              strv_length(gr->hashed_password) == 1 ? "" : "es");
        show_sections(gr->sections);
        show_signature(gr->json);
}

static int verb_show(int argc, char *argv[]) {
        json_object *v = NULL;
        RecordError err = {};
        RecordKind kind;
        const char *name = input_name(argv[1]);
        JsonMode mode = json_mode_or(JSON_OFF);
        int r;

        r = read_json_object(argv[1], &v);
        if (r != 0)
                return r;
        r = record_kind(v, name, &kind);
        if (r != 0) {
                json_object_put(v);
                return r;
        }

        if (kind == KIND_USER) {
                _cleanup_(user_record_unrefp) UserRecord *ur = NULL;

                r = user_record_load(v, &load_options, &ur, &err);
                if (r < 0)
                        r = report_invalid(name, kind, r, &err);
                else if (mode != JSON_OFF)
                        r = print_json(user_record_json(ur), mode);
                else {
                        show_user(ur);
                        r = 0;
                }
        } else {
                _cleanup_(group_record_unrefp) GroupRecord *gr = NULL;

                r = group_record_load(v, &load_options, &gr, &err);
                if (r < 0)
                        r = report_invalid(name, kind, r, &err);
                else if (mode != JSON_OFF)
                        r = print_json(group_record_json(gr), mode);
                else {
                        show_group(gr);
                        r = 0;
                }
        }

        json_object_put(v);
        return r;
}

static int verb_record_help(int argc, char *argv[]) {
        printf("hearthctl record COMMAND ...\n\nCommands:\n");
        verbs_help(record_verbs, "record");
        return EXIT_OK;
}

const Verb record_verbs[] = {
        { "validate",      2, 2, 0, verb_validate,      "validate FILE|-        Check a user or group record" },
        { "show",          2, 2, 0, verb_show,          "show FILE|-            Show a record with its effective values" },
        { "canonical",     2, 2, 0, verb_canonical,     "canonical FILE|-       Print the canonical form (--signable: the signed bytes)" },
        { "sign",          2, 2, 0, verb_sign,          "sign FILE|-            Sign a record (--private-key=PATH)" },
        { "verify",        2, 2, 0, verb_verify,        "verify FILE|-          Check a record's signature (--public-key=PATH)" },
        { "hash-password", 1, 1, 0, verb_hash_password, "hash-password          Read a password on stdin, print its crypt(3) hash" },
        { "recovery-key",  1, 1, 0, verb_recovery_key,  "recovery-key           Generate a recovery key" },
        { "help",          1, 1, 0, verb_record_help,   NULL },
        {}
};

int verb_record(int argc, char *argv[]) {
        return dispatch_verb(argc - 1, argv + 1, record_verbs, "record");
}
