/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "record-validate.h"

#include <errno.h>
#include <limits.h>
#include <openssl/evp.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/resource.h>

#include "macro.h"

bool utf8_is_valid_n(const char *str, size_t size) {
        const unsigned char *s = (const unsigned char *) str, *end = s + size;

        while (s < end) {
                unsigned c = *s, cp;
                size_t n;

                if (c == 0)
                        return false;
                if (c < 0x80) {
                        s++;
                        continue;
                }
                if (c >= 0xC2 && c <= 0xDF) {
                        n = 1;
                        cp = c & 0x1F;
                } else if (c >= 0xE0 && c <= 0xEF) {
                        n = 2;
                        cp = c & 0x0F;
                } else if (c >= 0xF0 && c <= 0xF4) {
                        n = 3;
                        cp = c & 0x07;
                } else
                        return false;

                if ((size_t) (end - s) <= n)
                        return false;
                for (size_t i = 1; i <= n; i++) {
                        if ((s[i] & 0xC0) != 0x80)
                                return false;
                        cp = cp << 6 | (s[i] & 0x3F);
                }
                /* Overlong forms, surrogates and values beyond Unicode. */
                if ((n == 2 && cp < 0x800) || (n == 3 && cp < 0x10000) || cp > 0x10FFFF ||
                    (cp >= 0xD800 && cp <= 0xDFFF))
                        return false;
                s += n + 1;
        }
        return true;
}

bool string_has_no_control(const char *s) {
        for (; *s; s++)
                if ((unsigned char) *s < 0x20 || *s == 0x7F)
                        return false;
        return true;
}

static bool in_charset(const char *s, const char *set) {
        return s[strspn(s, set)] == 0;
}

#define DIGITS "0123456789"
#define LOWERCASE "abcdefghijklmnopqrstuvwxyz"
#define UPPERCASE "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
#define LETTERS LOWERCASE UPPERCASE
#define ALNUM LETTERS DIGITS

static bool is_dot_or_dot_dot(const char *s) {
        return streq(s, ".") || streq(s, "..");
}

bool valid_user_group_name_relaxed(const char *s) {
        size_t n;

        if (isempty(s))
                return false;
        n = strlen(s);
        if (n > NAME_MAX)
                return false;
        if (!utf8_is_valid_n(s, n) || !string_has_no_control(s))
                return false;
        if (strpbrk(s, ":/"))
                return false;
        if (in_charset(s, DIGITS))
                return false;
        if (s[0] == '-' && in_charset(s + 1, DIGITS))
                return false;
        if (strchr(" \t", s[0]) || strchr(" \t", s[n - 1]))
                return false;
        if (is_dot_or_dot_dot(s))
                return false;
        return true;
}

bool valid_user_group_name_strict(const char *s) {
        size_t n;

        if (isempty(s))
                return false;
        n = strlen(s);
        if (n > 31)
                return false;
        if (!strchr(LETTERS "_", s[0]))
                return false;
        return in_charset(s + 1, ALNUM "_-");
}

bool user_name_is_reserved(const char *s) {
        static const char *const reserved[] = { "root", "nobody", "nfsnobody" };

        if (!s)
                return false;
        for (size_t i = 0; i < ELEMENTSOF(reserved); i++)
                if (streq(s, reserved[i]))
                        return true;
        return false;
}

bool valid_dns_domain(const char *s) {
        const char *p = s;
        size_t n;

        if (isempty(s))
                return false;
        n = strlen(s);
        if (n > 253 || !utf8_is_valid_n(s, n))
                return false;

        for (;;) {
                size_t l = 0;
                const char *label = p;

                while (*p && *p != '.') {
                        unsigned char c = (unsigned char) *p;

                        if (!(c >= 0x80 || strchr(ALNUM "-_", c)))
                                return false;
                        p++;
                        l++;
                }
                if (l == 0 || l > 63)
                        return false;
                if (label[0] == '-' || label[l - 1] == '-')
                        return false;
                if (!*p)
                        return true;
                p++;            /* the dot; a trailing one leaves an empty label */
        }
}

bool valid_gecos(const char *s) {
        size_t n;

        if (!s)
                return false;
        n = strlen(s);
        if (n > 1024 || !utf8_is_valid_n(s, n))
                return false;
        return !strchr(s, ':') && string_has_no_control(s);
}

char *mangle_gecos(const char *s) {
        char *m = strdup(s);

        if (!m)
                return NULL;
        for (char *p = m; *p; p++)
                if (*p == ':' || (unsigned char) *p < 0x20 || *p == 0x7F)
                        *p = ' ';
        /* Invalid UTF-8 cannot come out of the JSON parser; cut what is
         * over the length limit so the result passes valid_gecos(). */
        if (strlen(m) > 1024) {
                size_t n = 1024;
                while (n > 0 && ((unsigned char) m[n] & 0xC0) == 0x80)
                        n--;
                m[n] = 0;
        }
        return m;
}

bool path_is_normalized_absolute(const char *s) {
        size_t n;

        if (isempty(s) || s[0] != '/')
                return false;
        n = strlen(s);
        if (n >= PATH_MAX || !utf8_is_valid_n(s, n) || !string_has_no_control(s))
                return false;
        if (streq(s, "/"))
                return true;
        if (s[n - 1] == '/' || strstr(s, "//"))
                return false;

        for (const char *p = s + 1;;) {
                size_t l = strcspn(p, "/");

                if ((l == 1 && p[0] == '.') || (l == 2 && p[0] == '.' && p[1] == '.'))
                        return false;
                if (l > NAME_MAX)
                        return false;
                if (!p[l])
                        return true;
                p += l + 1;
        }
}

bool valid_filename(const char *s) {
        if (isempty(s) || is_dot_or_dot_dot(s) || strchr(s, '/'))
                return false;
        return strlen(s) <= NAME_MAX;
}

bool valid_shell(const char *s) {
        if (isempty(s))
                return false;
        if (s[0] == '/')
                return path_is_normalized_absolute(s);
        return valid_filename(s) && string_has_no_control(s);
}

bool valid_home_path(const char *s) {
        return path_is_normalized_absolute(s);
}

bool valid_env_assignment(const char *s) {
        const char *eq;
        size_t n;

        if (!s)
                return false;
        eq = strchr(s, '=');
        if (!eq || eq == s)
                return false;
        if (!strchr(LETTERS "_", s[0]))
                return false;
        for (const char *p = s + 1; p < eq; p++)
                if (!strchr(ALNUM "_", *p))
                        return false;
        n = strlen(s);
        if (!utf8_is_valid_n(s, n))
                return false;
        for (const char *p = eq + 1; *p; p++)
                if (((unsigned char) *p < 0x20 && *p != '\t' && *p != '\n') || *p == 0x7F)
                        return false;
        return true;
}

bool valid_locale_name(const char *s) {
        size_t n;

        if (isempty(s))
                return false;
        n = strlen(s);
        if (n > 128)
                return false;
        if (s[0] == '.' || s[0] == '-')
                return false;
        if (strstr(s, ".."))
                return false;
        return in_charset(s, ALNUM "_.@+-");
}

bool valid_timezone(const char *s) {
        if (isempty(s) || s[0] == '/')
                return false;

        for (const char *p = s;;) {
                size_t l = strcspn(p, "/");

                if (l == 0 || l > NAME_MAX)
                        return false;
                if ((l == 1 && p[0] == '.') || (l == 2 && p[0] == '.' && p[1] == '.'))
                        return false;
                for (size_t i = 0; i < l; i++)
                        if (!strchr(ALNUM "_+-", p[i]))
                                return false;
                if (!p[l])
                        return true;
                p += l + 1;
        }
}

static const char *const rlimit_names[RLIM_NLIMITS] = {
        [RLIMIT_CPU]        = "RLIMIT_CPU",
        [RLIMIT_FSIZE]      = "RLIMIT_FSIZE",
        [RLIMIT_DATA]       = "RLIMIT_DATA",
        [RLIMIT_STACK]      = "RLIMIT_STACK",
        [RLIMIT_CORE]       = "RLIMIT_CORE",
        [RLIMIT_RSS]        = "RLIMIT_RSS",
        [RLIMIT_NPROC]      = "RLIMIT_NPROC",
        [RLIMIT_NOFILE]     = "RLIMIT_NOFILE",
        [RLIMIT_MEMLOCK]    = "RLIMIT_MEMLOCK",
        [RLIMIT_AS]         = "RLIMIT_AS",
        [RLIMIT_LOCKS]      = "RLIMIT_LOCKS",
        [RLIMIT_SIGPENDING] = "RLIMIT_SIGPENDING",
        [RLIMIT_MSGQUEUE]   = "RLIMIT_MSGQUEUE",
        [RLIMIT_NICE]       = "RLIMIT_NICE",
        [RLIMIT_RTPRIO]     = "RLIMIT_RTPRIO",
        [RLIMIT_RTTIME]     = "RLIMIT_RTTIME",
};

int rlimit_from_name(const char *s) {
        if (!s)
                return -EINVAL;
        for (int i = 0; i < RLIM_NLIMITS; i++)
                if (rlimit_names[i] && streq(rlimit_names[i], s))
                        return i;
        return -EINVAL;
}

const char *rlimit_to_name(int resource) {
        if (resource < 0 || resource >= RLIM_NLIMITS)
                return NULL;
        return rlimit_names[resource];
}

/* Kernel capability numbers (linux/capability.h), fixed ABI. */
static const char *const capability_names[] = {
        "CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_DAC_READ_SEARCH", "CAP_FOWNER",
        "CAP_FSETID", "CAP_KILL", "CAP_SETGID", "CAP_SETUID", "CAP_SETPCAP",
        "CAP_LINUX_IMMUTABLE", "CAP_NET_BIND_SERVICE", "CAP_NET_BROADCAST",
        "CAP_NET_ADMIN", "CAP_NET_RAW", "CAP_IPC_LOCK", "CAP_IPC_OWNER",
        "CAP_SYS_MODULE", "CAP_SYS_RAWIO", "CAP_SYS_CHROOT", "CAP_SYS_PTRACE",
        "CAP_SYS_PACCT", "CAP_SYS_ADMIN", "CAP_SYS_BOOT", "CAP_SYS_NICE",
        "CAP_SYS_RESOURCE", "CAP_SYS_TIME", "CAP_SYS_TTY_CONFIG", "CAP_MKNOD",
        "CAP_LEASE", "CAP_AUDIT_WRITE", "CAP_AUDIT_CONTROL", "CAP_SETFCAP",
        "CAP_MAC_OVERRIDE", "CAP_MAC_ADMIN", "CAP_SYSLOG", "CAP_WAKE_ALARM",
        "CAP_BLOCK_SUSPEND", "CAP_AUDIT_READ", "CAP_PERFMON", "CAP_BPF",
        "CAP_CHECKPOINT_RESTORE",
};

int capability_from_name(const char *s) {
        if (!s)
                return -EINVAL;
        for (size_t i = 0; i < ELEMENTSOF(capability_names); i++)
                if (strcasecmp(capability_names[i], s) == 0)
                        return (int) i;
        return -EINVAL;
}

const char *capability_to_name(int cap) {
        if (cap < 0 || (size_t) cap >= ELEMENTSOF(capability_names))
                return NULL;
        return capability_names[cap];
}

int capability_last(void) {
        return (int) ELEMENTSOF(capability_names) - 1;
}

bool valid_pkcs11_uri(const char *s) {
        const char *p;

        if (!s || strncmp(s, "pkcs11:", 7) != 0)
                return false;
        for (p = s + 7; *p; p++) {
                if (*p == '%') {
                        if (!p[1] || !p[2] || !strchr(DIGITS "abcdefABCDEF", p[1]) ||
                            !strchr(DIGITS "abcdefABCDEF", p[2]))
                                return false;
                        p += 2;
                        continue;
                }
                if (!strchr(ALNUM "-._~" "!$&'()*+,;=" ":@/?", *p))
                        return false;
        }
        return true;
}

#define BASE64_CHARS ALNUM "+/"

bool valid_base64(const char *s) {
        size_t n, pad = 0;

        if (!s)
                return false;
        n = strlen(s);
        if (n % 4 != 0)
                return false;
        while (pad < n && pad < 2 && s[n - 1 - pad] == '=')
                pad++;
        for (size_t i = 0; i < n - pad; i++)
                if (!strchr(BASE64_CHARS, s[i]) || s[i] == 0)
                        return false;
        return true;
}

int base64_decode(const char *s, void **ret_data, size_t *ret_size) {
        size_t n, pad = 0, out;
        uint8_t *buf;
        int r;

        if (!valid_base64(s))
                return -EINVAL;
        n = strlen(s);
        if (n > INT_MAX)
                return -EINVAL;
        if (n > 0 && s[n - 1] == '=')
                pad++;
        if (n > 1 && s[n - 2] == '=')
                pad++;

        buf = malloc(n / 4 * 3 + 1);
        if (!buf)
                return -ENOMEM;
        r = n == 0 ? 0 : EVP_DecodeBlock(buf, (const unsigned char *) s, (int) n);
        if (r < 0 || (size_t) r < pad) {
                free(buf);
                return -EINVAL;
        }
        out = (size_t) r - pad;
        buf[out] = 0;
        *ret_data = buf;
        *ret_size = out;
        return 0;
}

static int parse_hex_bytes(const char *s, size_t n_digits, uint8_t *out, bool lowercase_only) {
        for (size_t i = 0; i < n_digits; i += 2) {
                int h = -1, l = -1;
                for (int k = 0; k < 2; k++) {
                        char c = s[i + k];
                        int v;
                        if (c >= '0' && c <= '9')
                                v = c - '0';
                        else if (c >= 'a' && c <= 'f')
                                v = c - 'a' + 10;
                        else if (!lowercase_only && c >= 'A' && c <= 'F')
                                v = c - 'A' + 10;
                        else
                                return -EINVAL;
                        if (k == 0)
                                h = v;
                        else
                                l = v;
                }
                out[i / 2] = (uint8_t) (h << 4 | l);
        }
        return 0;
}

int uuid_parse_any(const char *s, RecordId128 *ret) {
        RecordId128 id;
        char hex[33];
        size_t n;

        if (!s)
                return -EINVAL;
        n = strlen(s);
        if (n == 36) {
                size_t k = 0;
                for (size_t i = 0; i < 36; i++) {
                        if (i == 8 || i == 13 || i == 18 || i == 23) {
                                if (s[i] != '-')
                                        return -EINVAL;
                                continue;
                        }
                        hex[k++] = s[i];
                }
                hex[32] = 0;
        } else if (n == 32) {
                memcpy(hex, s, 33);
        } else
                return -EINVAL;

        if (parse_hex_bytes(hex, 32, id.bytes, false) < 0)
                return -EINVAL;
        *ret = id;
        return 0;
}

int machine_id_parse(const char *s, RecordId128 *ret) {
        RecordId128 id;

        if (!s || strlen(s) != 32)
                return -EINVAL;
        if (parse_hex_bytes(s, 32, id.bytes, true) < 0)
                return -EINVAL;
        if (id128_is_null(&id))
                return -EINVAL;
        *ret = id;
        return 0;
}

bool id128_is_null(const RecordId128 *id) {
        for (size_t i = 0; i < sizeof(id->bytes); i++)
                if (id->bytes[i])
                        return false;
        return true;
}

bool id128_equal(const RecordId128 *a, const RecordId128 *b) {
        return memcmp(a->bytes, b->bytes, sizeof(a->bytes)) == 0;
}

char *id128_to_string(const RecordId128 *id, char buf[static 33]) {
        static const char hex[] = "0123456789abcdef";

        for (size_t i = 0; i < 16; i++) {
                buf[i * 2] = hex[id->bytes[i] >> 4];
                buf[i * 2 + 1] = hex[id->bytes[i] & 15];
        }
        buf[32] = 0;
        return buf;
}

char *id128_to_uuid_string(const RecordId128 *id, char buf[static 37]) {
        char plain[33];
        size_t k = 0;

        id128_to_string(id, plain);
        for (size_t i = 0; i < 32; i++) {
                if (i == 8 || i == 12 || i == 16 || i == 20)
                        buf[k++] = '-';
                buf[k++] = plain[i];
        }
        buf[36] = 0;
        return buf;
}

bool valid_sha256_hex(const char *s) {
        return s && strlen(s) == 64 && in_charset(s, DIGITS "abcdef");
}

bool valid_blob_filename(const char *s) {
        if (isempty(s) || s[0] == '.')
                return false;
        return strlen(s) <= NAME_MAX && in_charset(s, ALNUM "._~-");
}

bool valid_hostname(const char *s) {
        if (isempty(s) || strlen(s) > 64)
                return false;

        for (const char *p = s;;) {
                size_t l = strcspn(p, ".");

                if (l == 0)
                        return false;
                for (size_t i = 0; i < l; i++)
                        if (!strchr(ALNUM "_-", p[i]))
                                return false;
                if (!p[l])
                        return true;
                p += l + 1;
        }
}
