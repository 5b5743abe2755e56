/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* The worker: runs exactly one storage operation in a process of its own
 * and exits, so the secrets and keys it handles die with it. Request (JSON
 * object) on stdin, reply (JSON object) on stdout; protocol in
 * docs/design/homed-storage.md. Logs to stderr, never a secret. */

#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <sys/prctl.h>
#include <sys/stat.h>

#include "fileio.h"
#include "fscrypt-kernel.h"
#include "fscrypt-slot.h"
#include "home-errors.h"
#include "home-operations.h"
#include "json-util.h"
#include "homework-main.h"
#include "macro.h"

#define REQUEST_MAX (4U * 1024 * 1024)

/* The buffer grows with the request (READ_FULL_SECURE wipes every
 * smaller copy), so a request of a few KiB costs no more than that; the
 * text is wiped as soon as it is parsed and the secrets move into the
 * mlock'd HomeSecret lists. */
static int read_request(json_object **ret) {
        _cleanup_(erase_and_freep) char *buf = NULL;
        json_tokener *tok;
        json_object *v;
        size_t n, end;
        int r;

        r = read_full_fd(STDIN_FILENO, REQUEST_MAX, READ_FULL_SECURE, &buf, &n);
        if (r == -EFBIG)
                return -EMSGSIZE;
        if (r < 0)
                return r;
        if (n > INT_MAX)
                return -EMSGSIZE;
        tok = json_tokener_new();
        if (!tok)
                return -ENOMEM;
        v = json_tokener_parse_ex(tok, buf, (int) n);
        end = json_tokener_get_parse_end(tok);
        if (json_tokener_get_error(tok) != json_tokener_success || !json_object_is_type(v, json_type_object) ||
            buf[end + strspn(buf + end, " \t\r\n")] != 0) {
                json_tokener_free(tok);
                json_put_erase(v);
                return -EBADMSG;
        }
        json_tokener_free(tok);
        *ret = v;
        return 0;
}

static json_object *status_to_json(const HomeStatus *st) {
        json_object *o = json_object_new_object();

        if (!o)
                return NULL;
        if (st->state)
                json_object_object_add(o, "state", json_object_new_string(st->state));
        if (st->disk_size != UINT64_MAX)
                json_object_object_add(o, "diskSize", json_object_new_uint64(st->disk_size));
        if (st->disk_free != UINT64_MAX)
                json_object_object_add(o, "diskFree", json_object_new_uint64(st->disk_free));
        if (st->disk_usage != UINT64_MAX)
                json_object_object_add(o, "diskUsage", json_object_new_uint64(st->disk_usage));
        if (st->policy_version > 0)
                json_object_object_add(o, "fscryptPolicyVersion", json_object_new_int(st->policy_version));
        if (st->key_status > 0)
                json_object_object_add(o, "fscryptKeyStatus",
                                       json_object_new_string(fscrypt_key_status_to_string(st->key_status) ?: "unknown"));
        json_object_object_add(o, "filesBusy", json_object_new_boolean(st->files_busy));
        json_object_object_add(o, "otherUsers", json_object_new_boolean(st->other_users));
        json_object_object_add(o, "recoveredDirty", json_object_new_boolean(st->recovered_dirty));
        return o;
}

static int reply(json_object *record, const HomeStatus *st, int error, HomeOperation op, const char *message) {
        _cleanup_json_ json_object *o = json_object_new_object();

        if (!o)
                return -ENOMEM;
        if (record)
                json_object_object_add(o, "record", json_object_get(record));
        if (st)
                json_object_object_add(o, "status", status_to_json(st));
        if (error < 0) {
                json_object *e = json_object_new_object();
                json_object_object_add(e, "errno", json_object_new_int(error));
                json_object_object_add(e, "errnoName", json_object_new_string(strerrorname_np(-error) ?: "unknown"));
                json_object_object_add(e, "name", json_object_new_string(home_error_name(error, op)));
                json_object_object_add(e, "message", json_object_new_string(message));
                json_object_object_add(o, "error", e);
        }
        if (puts(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE)) < 0 ||
            fflush(stdout) != 0)
                return -EIO;
        /* The reply is the last thing the daemon waits for: end it now
         * rather than when the process is torn down. */
        (void) close(STDOUT_FILENO);
        return 0;
}

static int fail(int error, HomeOperation op, const HomeStatus *st, const char *what) {
        char message[256];

        snprintf(message, sizeof message, "%s: %s", what, strerror(-error));
        fprintf(stderr, "hearth-homework: %s%s%s\n", op >= 0 ? home_operation_to_string(op) : "",
                op >= 0 ? ": " : "", message);
        (void) reply(NULL, st, error, op, message);
        return EXIT_FAILURE;
}

void homework_warm_up(void) {
        static const uint8_t key[FSCRYPT_MASTER_KEY_SIZE] = {};
        const HomeKdf kdf = { .type = HOME_KDF_PBKDF2, .hash = "sha512", .iterations = 1 };
        _cleanup_free_ char *text = NULL;
        uint8_t out[FSCRYPT_MASTER_KEY_SIZE];
        FscryptSlot slot;
        bool authenticated;

        /* Wrapping and unwrapping a slot runs every algorithm the worker
         * uses; the first use of each in a process costs OpenSSL a lookup
         * through its providers, which forked workers now inherit done. */
        if (fscrypt_slot_wrap(key, "warm-up", &kdf, &text) >= 0 &&
            fscrypt_slot_parse(text, strlen(text), &slot) >= 0)
                (void) fscrypt_slot_unwrap(&slot, "warm-up", out, &authenticated);
        explicit_bzero(out, sizeof out);
}

int homework_main(void) {
        _cleanup_(home_record_freep) HomeRecord *record = NULL, *old_record = NULL;
        _cleanup_(home_secret_freep) HomeSecret *secret = NULL, *old_secret = NULL;
        _cleanup_json_ json_object *req = NULL, *result = NULL;
        HomeStatus st = HOME_STATUS_INIT;
        HomeRequest hr = {};
        json_object *rec, *sec, *f;
        int r;

        /* Nobody may attach to or dump a process holding keys. */
        (void) prctl(PR_SET_DUMPABLE, 0);
        umask(0077);

        r = read_request(&req);
        if (r < 0)
                return fail(r, _HOME_OP_INVALID, NULL, "reading request");

        hr.op = home_operation_from_string(json_get_string(req, "operation"));
        rec = json_get_object(req, "record");
        if (hr.op < 0 || !rec) {
                json_wipe(req);
                return fail(-EINVAL, hr.op, NULL, hr.op < 0 ? "unknown or missing \"operation\"" : "missing \"record\"");
        }

        sec = json_get_object(req, "secret") ?: json_get_object(rec, "secret");
        r = home_secret_load(sec, &secret);
        if (r >= 0)
                r = home_secret_load(json_get_object(req, "oldSecret"), &old_secret);
        if (r >= 0)
                r = home_record_load(rec, NULL, &record);
        if (r >= 0 && json_get_object(req, "oldRecord"))
                r = home_record_load(json_get_object(req, "oldRecord"), NULL, &old_record);
        if (r >= 0 && json_object_object_get_ex(req, "markerDirectory", &f)) {
                hr.marker_dir = json_object_is_type(f, json_type_string) ? json_object_get_string(f) : NULL;
                if (!hr.marker_dir || hr.marker_dir[0] != '/')
                        r = -EINVAL;
        }
        if (r >= 0 && json_object_object_get_ex(req, "size", &f)) {
                if (!json_object_is_type(f, json_type_int) || json_object_get_int64(f) < 0)
                        r = -EINVAL;
                else
                        hr.size = json_object_get_uint64(f);
        }
        /* Secrets now live only in the wiped HomeSecret lists. */
        json_wipe(json_get_object(req, "secret"));
        json_wipe(json_get_object(req, "oldSecret"));
        json_wipe(json_get_object(rec, "secret"));
        if (r < 0)
                return fail(r, hr.op, NULL, "invalid request");

        hr.record = record;
        hr.secret = secret;
        hr.old_secret = old_secret;
        hr.old_record = old_record;

        r = home_run(&hr, &st, &result);
        if (r < 0) {
                char what[128];
                snprintf(what, sizeof what, "home of %s", record->user_name);
                return fail(r, hr.op, &st, what);
        }
        if (st.files_busy)
                fprintf(stderr, "hearth-homework: %s: %s: files still open, key only incompletely removed\n",
                        home_operation_to_string(hr.op), record->user_name);
        fprintf(stderr, "hearth-homework: %s: %s: done, state %s\n", home_operation_to_string(hr.op),
                record->user_name, st.state ?: "unknown");
        r = reply(result, &st, 0, hr.op, NULL);
        return r < 0 ? EXIT_FAILURE : EXIT_SUCCESS;
}
