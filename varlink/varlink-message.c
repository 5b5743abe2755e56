/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <errno.h>
#include <locale.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "macro.h"
#include "varlink-message.h"

/* Start small (most messages are a few hundred bytes), never read into
 * less than this much free space. */
#define BUFFER_INITIAL 4096U
#define READ_MIN 2048U
#define JSON_DEPTH_MAX 64

/* Messages carry secrets (passwords in Activate, AskPassword replies), so
 * no byte of one is left behind in memory: consumed bytes are wiped when
 * the buffer is reset or compacted, the whole buffer when it is freed,
 * and growing copies instead of realloc() so no stale copy survives. */

void varlink_buffer_done(VarlinkBuffer *b) {
        if (b->data)
                explicit_bzero(b->data, b->alloc);
        free(b->data);
        *b = (VarlinkBuffer) {};
}

static void buffer_reset(VarlinkBuffer *b) {
        if (b->end > 0)
                explicit_bzero(b->data, b->end);
        b->begin = b->end = b->scanned = 0;
}

static void buffer_compact(VarlinkBuffer *b) {
        size_t old_end = b->end;

        if (b->begin == 0)
                return;
        memmove(b->data, b->data + b->begin, b->end - b->begin);
        b->end -= b->begin;
        b->scanned -= MIN(b->scanned, b->begin);
        b->begin = 0;
        explicit_bzero(b->data + b->end, old_end - b->end);
}

static int buffer_grow(VarlinkBuffer *b, size_t n) {
        char *d = malloc(n);

        if (!d)
                return -ENOMEM;
        if (b->data) {
                memcpy(d, b->data, b->end);
                explicit_bzero(b->data, b->alloc);
                free(b->data);
        }
        b->data = d;
        b->alloc = n;
        return 0;
}

/* Output side: grows without a cap here, the connection enforces its own. */
static int buffer_reserve(VarlinkBuffer *b, size_t need) {
        size_t n;

        if (b->alloc - b->end >= need)
                return 0;
        if (b->begin > 0) {
                buffer_compact(b);
                if (b->alloc - b->end >= need)
                        return 0;
        }
        if (b->end + need < b->end)
                return -ENOMEM;
        n = MAX(b->alloc, (size_t) BUFFER_INITIAL);
        while (n < b->end + need)
                n *= 2;
        return buffer_grow(b, n);
}

int varlink_buffer_read(VarlinkBuffer *b, int fd, size_t max) {
        ssize_t n;

        if (b->begin == b->end)
                buffer_reset(b);

        if (b->alloc - b->end < READ_MIN) {
                buffer_compact(b);
                if (b->alloc - b->end < READ_MIN && b->alloc < max) {
                        int r = buffer_grow(b, MIN(MAX(b->alloc * 2, (size_t) BUFFER_INITIAL), max));
                        if (r < 0)
                                return r;
                }
        }
        if (b->alloc == b->end)
                return -EMSGSIZE;

        n = read(fd, b->data + b->end, b->alloc - b->end);
        if (n < 0)
                return -errno;
        b->end += n;
        return (int) n;
}

int varlink_buffer_next_message(VarlinkBuffer *b, size_t max, const char **ret, size_t *ret_len) {
        const char *nul;

        if (b->scanned < b->begin)
                b->scanned = b->begin;
        nul = b->scanned < b->end ? memchr(b->data + b->scanned, 0, b->end - b->scanned) : NULL;
        if (!nul) {
                b->scanned = b->end;
                return b->end - b->begin >= max ? -EMSGSIZE : 0;
        }

        *ret = b->data + b->begin;
        *ret_len = (size_t) (nul - *ret);
        b->begin = b->scanned = (size_t) (nul - b->data) + 1;
        return 1;
}

int varlink_buffer_parse_next(VarlinkBuffer *b, json_tokener *tok, size_t max, json_object **ret) {
        const char *p;
        size_t len;
        int r;

        r = varlink_buffer_next_message(b, max, &p, &len);
        if (r <= 0)
                return r;
        r = varlink_message_parse(tok, p, len, ret);
        /* The parsed objects hold copies; the text must not outlive them
         * while the call it carried is pending (nor in a forked child). */
        explicit_bzero((char *) p, len);
        return r < 0 ? r : 1;
}

bool varlink_buffer_has_message(VarlinkBuffer *b) {
        if (b->scanned < b->begin)
                b->scanned = b->begin;
        if (b->scanned < b->end && memchr(b->data + b->scanned, 0, b->end - b->scanned))
                return true;
        b->scanned = b->end;
        return false;
}

int varlink_buffer_append(VarlinkBuffer *b, const void *p, size_t n) {
        int r;

        if (n == 0)
                return 0;
        if (b->begin == b->end)
                buffer_reset(b);
        r = buffer_reserve(b, n);
        if (r < 0)
                return r;
        memcpy(b->data + b->end, p, n);
        b->end += n;
        return 0;
}

int varlink_buffer_flush(VarlinkBuffer *b, int fd) {
        while (b->begin < b->end) {
                ssize_t n = send(fd, b->data + b->begin, b->end - b->begin, MSG_NOSIGNAL | MSG_DONTWAIT);
                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        if (errno == EAGAIN)
                                break;
                        return -errno;
                }
                b->begin += n;
        }
        if (b->begin == b->end) {
                buffer_reset(b);
                return 0;
        }
        return (int) MIN(b->end - b->begin, (size_t) INT32_MAX);
}

json_tokener *varlink_tokener_new(void) {
        return json_tokener_new_ex(JSON_DEPTH_MAX);
}

static bool is_json_space(char c) {
        return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* A word at a time: this runs over every incoming message. */
static bool is_ascii(const char *p, size_t n) {
        uint64_t acc = 0;
        size_t i = 0;

        for (; i + sizeof acc <= n; i += sizeof acc) {
                uint64_t w;
                memcpy(&w, p + i, sizeof w);
                acc |= w;
        }
        for (; i < n; i++)
                acc |= (unsigned char) p[i];
        return !(acc & UINT64_C(0x8080808080808080));
}

/* The built-in C locale: newlocale() returns glibc's static object for a
 * full "C" request, so this allocates nothing and never needs freeing. */
static locale_t c_locale(void) {
        static locale_t cached;
        locale_t l = __atomic_load_n(&cached, __ATOMIC_RELAXED);

        if (!l) {
                l = newlocale(LC_ALL_MASK, "C", (locale_t) 0);
                if (!l)
                        return (locale_t) 0;
                __atomic_store_n(&cached, l, __ATOMIC_RELAXED);
        }
        return l;
}

int varlink_message_parse(json_tokener *tok, const char *p, size_t len, json_object **ret) {
        json_object *o;

        /* Trailing whitespace is harmless; strict mode would refuse it. */
        while (len > 0 && is_json_space(p[len - 1]))
                len--;
        if (len == 0 || len > INT32_MAX)
                return -EBADMSG;

        /* Pure ASCII is valid UTF-8: json-c's per-byte UTF-8 check is
         * only needed when a byte has the high bit set. */
        bool ascii = is_ascii(p, len);

        json_tokener_reset(tok);
        json_tokener_set_flags(tok, JSON_TOKENER_STRICT | (ascii ? 0 : JSON_TOKENER_VALIDATE_UTF8));
        /* json-c switches to a "C" LC_NUMERIC locale around every parse
         * (duplocale + newlocale + freelocale, with glibc's locale lock).
         * If the thread already runs in glibc's built-in C locale those
         * calls return it without copying or locking, so switch to it for
         * the parse and back: the caller's locale is untouched. */
        locale_t c = c_locale(), old = c ? uselocale(c) : (locale_t) 0;
        o = json_tokener_parse_ex(tok, p, (int) len);
        if (old)
                (void) uselocale(old);
        if (!o)
                return -EBADMSG;
        if (json_tokener_get_parse_end(tok) != len || !json_object_is_type(o, json_type_object)) {
                json_object_put(o);
                return -EBADMSG;
        }

        *ret = o;
        return 0;
}

static const char *params_string(json_object *parameters, size_t *ret_len) {
        const char *s;

        if (!parameters) {
                *ret_len = 2;
                return "{}";
        }
        s = json_object_to_json_string_length(parameters, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE,
                                              ret_len);
        return s;
}

#define APPEND_LITERAL(b, s) varlink_buffer_append((b), (s), sizeof(s) - 1)

/* On failure the partial message is taken back so the stream stays framed. */
static int finish(VarlinkBuffer *out, size_t mark, int r) {
        if (r < 0 && out->end >= mark) {
                explicit_bzero(out->data + mark, out->end - mark);
                out->end = mark;
        }
        return r;
}

/* The whole message is reserved at once and copied in place: the reply
 * path is the server's hot path. */
int varlink_message_append_reply_raw(VarlinkBuffer *out, const char *parameters, size_t n, bool continues) {
        static const char head[] = "{\"parameters\":", tail_more[] = ",\"continues\":true}", tail[] = "}";
        size_t tl = continues ? sizeof tail_more : sizeof tail; /* counts the NUL */
        size_t need = sizeof head - 1 + n + tl;
        char *d;
        int r;

        if (need < n)
                return -ENOMEM;
        if (out->begin == out->end)
                buffer_reset(out);
        r = buffer_reserve(out, need);
        if (r < 0)
                return r;
        d = out->data + out->end;
        memcpy(d, head, sizeof head - 1);
        d += sizeof head - 1;
        memcpy(d, parameters, n);
        d += n;
        memcpy(d, continues ? tail_more : tail, tl);
        out->end += need;
        return 0;
}

int varlink_message_append_reply(VarlinkBuffer *out, json_object *parameters, bool continues) {
        size_t n;
        const char *s = params_string(parameters, &n);

        if (!s)
                return -ENOMEM;
        return varlink_message_append_reply_raw(out, s, n, continues);
}

/* NAME","parameters":PARAMS: what an error and a call carry after their
 * opening key (names are checked by callers and need no escaping). */
static int append_name_and_parameters(VarlinkBuffer *out, const char *name, const char *params, size_t n) {
        int r = varlink_buffer_append(out, name, strlen(name));
        if (r >= 0)
                r = APPEND_LITERAL(out, "\",\"parameters\":");
        if (r >= 0)
                r = varlink_buffer_append(out, params, n);
        return r;
}

int varlink_message_append_error(VarlinkBuffer *out, const char *error, json_object *parameters) {
        size_t mark = out->end, n;
        const char *s = params_string(parameters, &n);
        int r;

        if (!s)
                return -ENOMEM;
        if (out->begin == out->end)
                mark = 0;
        r = APPEND_LITERAL(out, "{\"error\":\"");
        if (r >= 0)
                r = append_name_and_parameters(out, error, s, n);
        if (r >= 0)
                r = APPEND_LITERAL(out, "}\0");
        return finish(out, mark, r);
}

int varlink_message_append_call(VarlinkBuffer *out, const char *method, json_object *parameters,
                                bool more, bool oneway) {
        size_t mark = out->end, n;
        const char *s = params_string(parameters, &n);
        int r;

        if (!s)
                return -ENOMEM;
        if (out->begin == out->end)
                mark = 0;
        r = APPEND_LITERAL(out, "{\"method\":\"");
        if (r >= 0)
                r = append_name_and_parameters(out, method, s, n);
        if (r >= 0 && more)
                r = APPEND_LITERAL(out, ",\"more\":true");
        if (r >= 0 && oneway)
                r = APPEND_LITERAL(out, ",\"oneway\":true");
        if (r >= 0)
                r = APPEND_LITERAL(out, "}\0");
        return finish(out, mark, r);
}
