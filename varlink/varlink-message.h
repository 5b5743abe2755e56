/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Framing: NUL-terminated JSON objects in a byte stream. One growing
 * buffer per direction; input is read straight into it and messages are
 * parsed in place, output is appended and written from it. */

#include <stdbool.h>
#include <stddef.h>

#include <json-c/json.h>

typedef struct VarlinkBuffer {
        char *data;
        size_t alloc;
        size_t begin;   /* first byte not yet consumed */
        size_t end;     /* one past the last byte held */
        size_t scanned; /* input: bytes before this hold no NUL */
} VarlinkBuffer;

void varlink_buffer_done(VarlinkBuffer *b);
static inline size_t varlink_buffer_size(const VarlinkBuffer *b) {
        return b->end - b->begin;
}

/* One read() into the free space, growing the buffer up to `max` bytes.
 * Returns bytes read, 0 on EOF, -EAGAIN, -EMSGSIZE when `max` bytes are
 * held (the caller has consumed every complete message before), or
 * another negative errno from read(). */
int varlink_buffer_read(VarlinkBuffer *b, int fd, size_t max);

/* Cuts the next complete message (without its NUL) out of the buffer.
 * The pointer stays valid until the next read into the buffer. Returns 1
 * with a message, 0 if none is complete yet, -EMSGSIZE if the incomplete
 * tail already holds `max` bytes or more. */
int varlink_buffer_next_message(VarlinkBuffer *b, size_t max, const char **ret, size_t *ret_len);
/* Cuts the next complete message out and parses it (as below), then
 * wipes its bytes: calls and replies carry secrets. Returns 1 with the
 * object, 0 if no message is complete yet, -EMSGSIZE (as
 * varlink_buffer_next_message()), -EBADMSG or -ENOMEM (as
 * varlink_message_parse()). */
int varlink_buffer_parse_next(VarlinkBuffer *b, json_tokener *tok, size_t max, json_object **ret);
/* Whether a complete message is waiting (cheap: remembers its scan). */
bool varlink_buffer_has_message(VarlinkBuffer *b);

int varlink_buffer_append(VarlinkBuffer *b, const void *p, size_t n);

/* Writes what is queued with send(MSG_NOSIGNAL|MSG_DONTWAIT), so a peer
 * that went away gives -EPIPE instead of SIGPIPE. Returns the bytes still
 * queued (0: empty), or a negative errno other than EAGAIN. */
int varlink_buffer_flush(VarlinkBuffer *b, int fd);

/* Parses one message with a reusable tokener. Anything but a single JSON
 * object (optionally followed by whitespace) gives -EBADMSG. */
int varlink_message_parse(json_tokener *tok, const char *p, size_t len, json_object **ret);
json_tokener *varlink_tokener_new(void);

/* Serializers. `name` must be a valid qualified name (checked by callers),
 * so it needs no escaping. NULL parameters are written as {}. */
int varlink_message_append_reply(VarlinkBuffer *out, json_object *parameters, bool continues);
/* Same with the parameters given as JSON text (an object, no NUL; not
 * checked here). */
int varlink_message_append_reply_raw(VarlinkBuffer *out, const char *parameters, size_t n, bool continues);
int varlink_message_append_error(VarlinkBuffer *out, const char *error, json_object *parameters);
int varlink_message_append_call(VarlinkBuffer *out, const char *method, json_object *parameters,
                                bool more, bool oneway);
