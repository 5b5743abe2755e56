/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Syntax checks for the values user and group records carry. Pure
 * functions without I/O, so userdb, homed and hearthctl can check a value
 * the same way the loader does before they put it into a record. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define UID_INVALID ((uid_t) -1)
#define GID_INVALID ((gid_t) -1)
#define MODE_INVALID ((mode_t) -1)

/* Relaxed user/group name rules, used for every name read from a record:
 * non-empty, at most 255 bytes (NAME_MAX), valid UTF-8, no ':' '/' or
 * control characters, no leading or trailing whitespace, not "." or "..",
 * not purely numeric (also not '-' followed by digits only), so a name can
 * never be taken for a uid. */
bool valid_user_group_name_relaxed(const char *s);

/* Strict names, which homed creates: [a-zA-Z_][a-zA-Z0-9_-]*, at most
 * 31 bytes (what utmp can hold). */
bool valid_user_group_name_strict(const char *s);

/* Names homed refuses to create even though they are strictly valid:
 * root, nobody, nfsnobody (the intrinsic accounts every system has). */
bool user_name_is_reserved(const char *s);

/* A DNS domain name (realm): labels of [a-zA-Z0-9-] (plus '_' and UTF-8
 * beyond ASCII), 1..63 bytes each, no leading/trailing '-', at most 253
 * bytes, no trailing dot. */
bool valid_dns_domain(const char *s);

/* GECOS-safe text (realName, description): valid UTF-8, no ':', no
 * control characters, at most 1024 bytes. */
bool valid_gecos(const char *s);
/* Replaces every byte valid_gecos() objects to with ' ' (':' and control
 * characters). Returns a new string or NULL on ENOMEM. */
char *mangle_gecos(const char *s);

/* Absolute path without "." or ".." components, without "//", without a
 * trailing '/' (except "/" itself), at most PATH_MAX bytes, no control
 * characters. */
bool path_is_normalized_absolute(const char *s);
/* One path component: non-empty, not "." or "..", no '/', <= NAME_MAX. */
bool valid_filename(const char *s);
/* A shell: a normalized absolute path, or a bare file name. */
bool valid_shell(const char *s);
/* A home directory: a normalized absolute path ("/" included: it is the
 * home of accounts without one). */
bool valid_home_path(const char *s);

/* NAME=VALUE: NAME is [A-Za-z_][A-Za-z0-9_]*, VALUE has no control
 * characters except tab/newline, whole string valid UTF-8. */
bool valid_env_assignment(const char *s);

/* A locale name such as "de_DE.UTF-8", "C", "en_US@euro": 1..128 bytes of
 * [A-Za-z0-9_.@+-], not starting with '.' or '-', no "..". */
bool valid_locale_name(const char *s);

/* A time zone name such as "Europe/Berlin", "UTC", "Etc/GMT+1": components
 * of [A-Za-z0-9_+-] separated by '/', no component "." or "..", not
 * absolute, each component at most NAME_MAX. Syntax only; whether the zone
 * exists on this machine is not a property of the record. */
bool valid_timezone(const char *s);

/* RLIMIT_* names ("RLIMIT_NOFILE") <-> resource numbers. Returns the
 * resource or -EINVAL for an unknown name. */
int rlimit_from_name(const char *s);
const char *rlimit_to_name(int resource);

/* Capability names ("CAP_SYS_ADMIN", case-insensitive "cap_" prefix
 * accepted) <-> numbers 0..63. Returns the number or -EINVAL. */
int capability_from_name(const char *s);
const char *capability_to_name(int cap);
/* Highest capability number capability_from_name() knows. */
int capability_last(void);

/* An RFC 7512 "pkcs11:" URI: scheme followed only by unreserved,
 * sub-delims, ':' '@' '/' '?' '%' with valid %XX escapes. */
bool valid_pkcs11_uri(const char *s);

/* Standard base64 (RFC 4648 section 4, padding required, no whitespace).
 * base64_decode() returns 0 and a new buffer (always NUL-terminated, not
 * counted in *ret_size), -EINVAL on bad input, -ENOMEM. */
bool valid_base64(const char *s);
int base64_decode(const char *s, void **ret_data, size_t *ret_size);

/* A 128-bit id. uuid_parse_any() accepts "xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx"
 * and 32 plain hex digits (either case); machine_id_parse() accepts 32
 * lowercase hex digits only, not all zero, as /etc/machine-id holds it.
 * Return 0 or -EINVAL. */
typedef struct RecordId128 {
        uint8_t bytes[16];
} RecordId128;
int uuid_parse_any(const char *s, RecordId128 *ret);
int machine_id_parse(const char *s, RecordId128 *ret);
bool id128_is_null(const RecordId128 *id);
bool id128_equal(const RecordId128 *a, const RecordId128 *b);
/* 32 lowercase hex digits + NUL into buf (33 bytes). Returns buf. */
char *id128_to_string(const RecordId128 *id, char buf[static 33]);
/* 8-4-4-4-12 form + NUL into buf (37 bytes). Returns buf. */
char *id128_to_uuid_string(const RecordId128 *id, char buf[static 37]);

/* 64 lowercase hex digits (a SHA-256 digest as blobManifest carries). */
bool valid_sha256_hex(const char *s);
/* A blob file name: 1..255 bytes of URI-unreserved characters
 * [A-Za-z0-9._~-], not starting with '.'. */
bool valid_blob_filename(const char *s);

/* A hostname as matchHostname compares it: 1..64 bytes of dot-separated
 * labels of [A-Za-z0-9_-], no empty label (so no leading, trailing or
 * double dot). */
bool valid_hostname(const char *s);

/* Valid UTF-8 (shortest forms, no surrogates, <= U+10FFFF) of exactly
 * size bytes, no NUL. */
bool utf8_is_valid_n(const char *s, size_t size);
/* A string without ASCII control characters (0x00..0x1F, 0x7F). */
bool string_has_no_control(const char *s);
