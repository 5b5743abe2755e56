/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <errno.h>
#include <fcntl.h>
#include <linux/keyctl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "askpw-util.h"
#include "askpw.h"

/* glibc has no wrappers for these; libkeyutils would be one more
 * dependency for three system calls. */
static long sys_add_key(const char *type, const char *desc, const void *payload, size_t plen, int32_t keyring) {
        return syscall(SYS_add_key, type, desc, payload, plen, keyring);
}

static long sys_request_key(const char *type, const char *desc) {
        return syscall(SYS_request_key, type, desc, NULL, 0);
}

static long sys_keyctl(int cmd, unsigned long a2, unsigned long a3, unsigned long a4) {
        return syscall(SYS_keyctl, cmd, a2, a3, a4, 0);
}

#define DEFAULT_KEYRING_TIMEOUT_SEC 150U

static int32_t keyring_target(void) {
        static const struct {
                const char *name;
                int32_t spec;
        } table[] = {
                { "thread", KEY_SPEC_THREAD_KEYRING },
                { "process", KEY_SPEC_PROCESS_KEYRING },
                { "session", KEY_SPEC_SESSION_KEYRING },
                { "user", KEY_SPEC_USER_KEYRING },
                { "user-session", KEY_SPEC_USER_SESSION_KEYRING },
                { "group", KEY_SPEC_GROUP_KEYRING },
        };
        const char *e = getenv("SYSTEMD_ASK_PASSWORD_KEYRING_TYPE");

        if (e)
                for (size_t i = 0; i < ELEMENTSOF(table); i++)
                        if (streq(e, table[i].name))
                                return table[i].spec;
        return KEY_SPEC_USER_KEYRING;
}

static uint64_t keyring_timeout_sec(void) {
        const char *e = getenv("SYSTEMD_ASK_PASSWORD_KEYRING_TIMEOUT_SEC");
        uint64_t v;

        if (e && askpw_parse_u64(e, &v) >= 0)
                return v;
        return DEFAULT_KEYRING_TIMEOUT_SEC;
}

static int read_key(int32_t serial, char ***ret) {
        size_t size = 256;

        for (;;) {
                _cleanup_erase_free_ char *buf = malloc(size);
                long n;

                if (!buf)
                        return -ENOMEM;
                n = sys_keyctl(KEYCTL_READ, (unsigned long) serial, (unsigned long) buf, size);
                if (n < 0)
                        return errno == EKEYEXPIRED || errno == EKEYREVOKED ? -ENOKEY : -errno;
                if ((size_t) n <= size)
                        return askpw_strv_parse_nulstr(buf, (size_t) n, ret);
                size = (size_t) n;
        }
}

int askpw_keyring_read(const char *keyname, char ***ret) {
        long serial;

        if (isempty(keyname))
                return -EINVAL;

        serial = sys_request_key("user", keyname);
        if (serial < 0)
                return errno == EKEYEXPIRED || errno == EKEYREVOKED || errno == ENOKEY ? -ENOKEY : -errno;

        return read_key((int32_t) serial, ret);
}

int askpw_keyring_push(const char *keyname, char * const *passwords, const char *dir) {
        _cleanup_strv_free_erase_ char **merged = NULL;
        _cleanup_erase_free_ char *payload = NULL;
        size_t size = 0;
        uint64_t timeout;
        long serial;
        char *p;
        int r;

        if (isempty(keyname) || strv_length(passwords) == 0)
                return -EINVAL;

        r = askpw_keyring_read(keyname, &merged);
        if (r == -ENOKEY) {
                merged = calloc(1, sizeof(char *));
                if (!merged)
                        return -ENOMEM;
        } else if (r < 0)
                return r;

        for (char * const *i = passwords; *i; i++) {
                if (askpw_strv_contains(merged, *i))
                        continue;
                r = askpw_strv_append(&merged, *i);
                if (r < 0)
                        return r;
        }

        for (char **i = merged; *i; i++)
                size += strlen(*i) + 1;
        payload = malloc(size);
        if (!payload)
                return -ENOMEM;
        p = payload;
        for (char **i = merged; *i; i++) {
                size_t k = strlen(*i) + 1;
                memcpy(p, *i, k);
                p += k;
        }

        serial = sys_add_key("user", keyname, payload, size, keyring_target());
        if (serial < 0)
                return -errno;

        timeout = keyring_timeout_sec();
        if (timeout > 0 &&
            sys_keyctl(KEYCTL_SET_TIMEOUT, (unsigned long) serial, (unsigned long) MIN(timeout, (uint64_t) UINT32_MAX), 0) < 0)
                return -errno;

        /* Queriers waiting with AcceptCached watch the directory for
         * IN_ATTRIB and look at the keyring again. */
        if (dir)
                (void) utimensat(AT_FDCWD, dir, NULL, 0);

        return 0;
}
