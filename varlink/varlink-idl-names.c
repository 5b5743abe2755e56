/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <string.h>

#include "varlink-idl.h"

static bool is_alpha(char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static bool is_alnum(char c) {
        return is_alpha(c) || (c >= '0' && c <= '9');
}

/* Reverse-domain: two or more dot-separated labels, each starting with a
 * letter (first) or alphanumeric (others), dashes only between
 * alphanumerics. */
bool varlink_idl_interface_name_is_valid(const char *s) {
        size_t labels = 0;

        if (!s || !is_alpha(s[0]))
                return false;

        for (const char *p = s;;) {
                if (!is_alnum(*p))
                        return false;
                while (is_alnum(*p) || *p == '-') {
                        if (*p == '-' && !is_alnum(p[1]) && p[1] != '-')
                                return false;
                        p++;
                }
                labels++;
                if (*p == 0)
                        break;
                if (*p != '.')
                        return false;
                p++;
        }

        return labels >= 2 && strlen(s) <= 255;
}

bool varlink_idl_symbol_name_is_valid(const char *s) {
        if (!s || !(s[0] >= 'A' && s[0] <= 'Z'))
                return false;
        for (const char *p = s + 1; *p; p++)
                if (!is_alnum(*p))
                        return false;
        return strlen(s) <= 255;
}

bool varlink_idl_field_name_is_valid(const char *s) {
        if (!s || !is_alpha(s[0]))
                return false;
        for (const char *p = s + 1; *p; p++) {
                if (*p == '_') {
                        if (!is_alnum(p[1]))
                                return false;
                        continue;
                }
                if (!is_alnum(*p))
                        return false;
        }
        return strlen(s) <= 255;
}

bool varlink_idl_qualified_name_is_valid(const char *s) {
        const char *dot;
        char buf[256];

        if (!s)
                return false;
        dot = strrchr(s, '.');
        if (!dot || (size_t) (dot - s) >= sizeof buf)
                return false;
        if (!varlink_idl_symbol_name_is_valid(dot + 1))
                return false;
        memcpy(buf, s, dot - s);
        buf[dot - s] = 0;
        return varlink_idl_interface_name_is_valid(buf);
}
