/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Varlink (https://varlink.org) over AF_UNIX stream sockets, driven by
 * sd-event, wire-compatible with systemd's sd-varlink.
 *
 * Single-threaded: every object belongs to the one thread that runs its
 * sd_event loop (or, for a client used synchronously, the thread calling
 * it). Nothing here logs or exits; every call returns a negative errno on
 * failure, and the errors listed per call are the ones callers can act on
 * (-ENOMEM is possible wherever memory is allocated and not repeated).
 *
 * JSON values are json-c objects. Parameters passed in are borrowed (the
 * call serializes them before returning, the caller keeps its reference);
 * objects returned through ret_* are new references the caller puts. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <json-c/json.h>
#include <systemd/sd-event.h>

/* Limits; the numbers match sd-varlink where it has one. */
#define VARLINK_MESSAGE_MAX (16U * 1024U * 1024U)     /* one message incl. NUL; larger: connection dropped */
#define VARLINK_OUTPUT_MAX (32U * 1024U * 1024U)      /* unsent bytes queued per connection; more: dropped */
#define VARLINK_CONNECTIONS_MAX 4096U                  /* per server; further accepts closed at once */
#define VARLINK_CONNECTIONS_PER_UID_MAX 1024U          /* per peer UID; checked before the total */
#define VARLINK_IDLE_TIMEOUT_USEC (60ULL * 1000000ULL) /* server: connection with no call in flight and no input */
#define VARLINK_CALL_TIMEOUT_USEC (10ULL * 1000000ULL) /* client: default per-call timeout */
#define VARLINK_STREAM_BUFFER (64U * 1024U)            /* queued output at which a stream is congested */

/* Error names of org.varlink.service. */
#define VARLINK_ERROR_INTERFACE_NOT_FOUND "org.varlink.service.InterfaceNotFound"
#define VARLINK_ERROR_METHOD_NOT_FOUND "org.varlink.service.MethodNotFound"
#define VARLINK_ERROR_METHOD_NOT_IMPLEMENTED "org.varlink.service.MethodNotImplemented"
#define VARLINK_ERROR_INVALID_PARAMETER "org.varlink.service.InvalidParameter"
#define VARLINK_ERROR_PERMISSION_DENIED "org.varlink.service.PermissionDenied"
#define VARLINK_ERROR_EXPECTED_MORE "org.varlink.service.ExpectedMore"
/* Generic failure of a handler, carries {"errno": N} (same name as sd-varlink). */
#define VARLINK_ERROR_SYSTEM "io.systemd.System"
/* Local pseudo-errors a client reports to async callbacks (same names as
 * sd-varlink); they never travel on the wire. */
#define VARLINK_ERROR_DISCONNECTED "io.systemd.Disconnected"
#define VARLINK_ERROR_TIMEOUT "io.systemd.TimedOut"
#define VARLINK_ERROR_PROTOCOL "io.systemd.Protocol"

typedef struct VarlinkServer VarlinkServer;
typedef struct VarlinkCall VarlinkCall;
typedef struct VarlinkClient VarlinkClient;
typedef struct VarlinkInterface VarlinkInterface;

/* ------------------------------------------------------------------ */
/* Server                                                              */
/* ------------------------------------------------------------------ */

/* Handler for one method. `parameters` is the validated "parameters"
 * object of the call (never NULL; {} when absent), borrowed for the
 * duration of the handler (take a json_object_get() to keep it).
 *
 * The handler answers with varlink_call_reply()/_error*() - either before
 * it returns or later (after a timer, a worker...), in which case it must
 * keep a reference (varlink_call_ref()). The next call on the same
 * connection is dispatched only after the final reply. Returning a
 * negative errno without having replied answers the call with
 * VARLINK_ERROR_SYSTEM {"errno": -r}; returning >= 0 without a final
 * reply leaves the call open. */
typedef int (*varlink_method_t)(VarlinkCall *call, json_object *parameters, void *userdata);

typedef enum VarlinkMethodFlags {
        /* Calls without "more" are answered with ExpectedMore before the
         * handler runs. */
        VARLINK_METHOD_REQUIRES_MORE = 1 << 0,
} VarlinkMethodFlags;

typedef struct VarlinkMethod {
        const char *name;          /* unqualified, e.g. "GetUserRecord" */
        varlink_method_t callback;
        unsigned flags;            /* VarlinkMethodFlags */
} VarlinkMethod;

/* Creates a server that answers org.varlink.service itself.
 * Errors: -ENOMEM. */
int varlink_server_new(VarlinkServer **ret);

/* Closes every connection (open calls see -ENOTCONN on reply), closes the
 * listening sockets and unlinks the socket files it created itself (never
 * ones received by socket activation). Accepts NULL, returns NULL. */
VarlinkServer *varlink_server_free(VarlinkServer *s);

/* Strings returned by org.varlink.service.GetInfo. NULL leaves a field as
 * it was (defaults: "Hearth", "hearth", the project version, "").
 * Errors: -ENOMEM. */
int varlink_server_set_info(VarlinkServer *s, const char *vendor, const char *product,
                            const char *version, const char *url);

/* Passed to every handler and to the cancel callbacks. */
void varlink_server_set_userdata(VarlinkServer *s, void *userdata);
void *varlink_server_get_userdata(VarlinkServer *s);

/* Registers an interface from its IDL text (copied; served verbatim by
 * GetInterfaceDescription) and binds handlers for its methods. Methods of
 * the IDL without an entry in `methods` answer MethodNotImplemented.
 * Incoming parameters are validated against the IDL before the handler
 * runs (see docs/design/varlink.md: missing/mistyped/unknown field ->
 * InvalidParameter naming the field).
 * Errors: -EBADMSG  the IDL does not parse or is inconsistent,
 *         -EEXIST   an interface of that name is already registered,
 *         -ENOENT   a method in `methods` is not declared by the IDL,
 *         -EINVAL   n_methods > 0 with methods == NULL, or a NULL callback. */
int varlink_server_add_interface(VarlinkServer *s, const char *idl,
                                 const VarlinkMethod *methods, size_t n_methods);

/* Binds a fresh socket at `path`: creates missing parent directories
 * (0755), unlinks a stale socket left there, chmods it to `mode` (e.g.
 * 0666). The file is unlinked again by varlink_server_shutdown()/_free().
 * The listening name (see varlink_call_listen_name()) is the basename.
 * Errors: -EINVAL path empty or too long for sockaddr_un,
 *         -EADDRINUSE another process answers on that socket,
 *         other negative errno from mkdir/socket/bind/listen/chmod. */
int varlink_server_listen_path(VarlinkServer *s, const char *path, mode_t mode);

/* Takes over an already bound and listening AF_UNIX stream socket; the
 * fd is owned by the server from then on, even on failure.
 * `name` (may be NULL: derived from the bound path) is the listening name.
 * Errors: -EBADF fd < 0, -ENOTSOCK / -EINVAL not a listening AF_UNIX
 *         stream socket. */
int varlink_server_listen_fd(VarlinkServer *s, int fd, const char *name);

/* Socket activation: takes every fd passed by sd_listen_fds_with_names()
 * (LISTEN_FDNAMES become listening names; "unknown"/"varlink" fall back to
 * the bound path's basename) and unsets $LISTEN_*. Returns the number of
 * fds taken (0: not socket activated).
 * Errors: as varlink_server_listen_fd(), or from sd_listen_fds_with_names(). */
int varlink_server_listen_auto(VarlinkServer *s);

/* Serves one already connected socket (e.g. half of a socketpair). The
 * fd is owned by the server from then on, even on failure. Counts
 * against the connection limits like an accepted one.
 * Errors: -EBADF, -ENXIO not attached to an event loop yet (fd closed),
 *         -EMFILE/-EUSERS over the total/per-UID limit (fd closed). */
int varlink_server_add_connection(VarlinkServer *s, int fd);

/* Attaches listeners and connections to `e` (NULL: the thread's default
 * loop). Listeners/connections added later attach at once.
 * Errors: -EBUSY already attached. */
int varlink_server_attach_event(VarlinkServer *s, sd_event *e, int64_t priority);
sd_event *varlink_server_get_event(VarlinkServer *s);

/* Stops listening (unlinking own socket files) and drops every
 * connection. The server can be freed or listen again afterwards. */
void varlink_server_shutdown(VarlinkServer *s);

/* Overrides the defaults above; 0 or UINT64_MAX/UINT_MAX restore the default.
 * The idle timeout applies to a connection with no call in flight and no
 * unsent output; it is counted from the last byte received. */
void varlink_server_set_idle_timeout(VarlinkServer *s, uint64_t usec);
void varlink_server_set_connection_limits(VarlinkServer *s, unsigned total, unsigned per_uid);

unsigned varlink_server_n_connections(VarlinkServer *s);

/* For several processes sharing one listening socket (pre-forked workers).
 * Before each accept() on a listener the filter is asked: 0 accepts; a
 * positive number of microseconds leaves the pending connections to the
 * other processes and stops watching that listener for that long (so a
 * level-triggered socket nobody else takes does not spin this loop).
 * NULL removes the filter. */
typedef uint64_t (*VarlinkAcceptFilter)(VarlinkServer *s, void *userdata);
void varlink_server_set_accept_filter(VarlinkServer *s, VarlinkAcceptFilter filter, void *userdata);
/* Called after every change of varlink_server_n_connections() (a
 * connection added or dropped), e.g. to publish the count to the other
 * processes. NULL removes it. */
typedef void (*VarlinkCountCallback)(VarlinkServer *s, void *userdata);
void varlink_server_set_count_callback(VarlinkServer *s, VarlinkCountCallback cb, void *userdata);

/* Socket files bound by varlink_server_listen_path() are left in place by
 * shutdown/free from now on: for a forked worker whose parent removes
 * them. */
void varlink_server_keep_socket_files(VarlinkServer *s);

/* ------------------------------------------------------------------ */
/* One method call on the server side                                  */
/* ------------------------------------------------------------------ */

VarlinkCall *varlink_call_ref(VarlinkCall *call);
/* Accepts NULL, returns NULL. Dropping the last reference of a call that
 * never got a final reply leaves the connection waiting: reply first. */
VarlinkCall *varlink_call_unref(VarlinkCall *call);

const char *varlink_call_method(VarlinkCall *call);        /* fully qualified */
bool varlink_call_wants_more(VarlinkCall *call);              /* caller set "more" */
bool varlink_call_is_oneway(VarlinkCall *call);           /* caller set "oneway" */
/* Basename of the socket the call arrived on (or its socket-activation
 * name); "" for connections added with varlink_server_add_connection(). */
const char *varlink_call_listen_name(VarlinkCall *call);
VarlinkServer *varlink_call_server(VarlinkCall *call);

/* Peer credentials from SO_PEERCRED at connect time.
 * Errors: -ENOTCONN the connection is gone, -ENODATA not available. */
int varlink_call_peer_uid(VarlinkCall *call, uid_t *ret);
int varlink_call_peer_gid(VarlinkCall *call, gid_t *ret);
int varlink_call_peer_pid(VarlinkCall *call, pid_t *ret);

/* Final reply. `parameters` NULL means {}. For a oneway call nothing is
 * sent and 0 is returned.
 * Errors: -EALREADY the call already got its final reply,
 *         -ENOTCONN the client went away (the call is finished all the same),
 *         -EINVAL   parameters is not an object. */
int varlink_call_reply(VarlinkCall *call, json_object *parameters);

/* Intermediate reply with "continues": true.
 * Errors: as varlink_call_reply(), and -EPROTO the call was made without
 *         "more" (answer it with a final reply or ExpectedMore instead). */
int varlink_call_notify(VarlinkCall *call, json_object *parameters);

/* Same as varlink_call_reply()/_notify() with the parameters given as
 * ready JSON text: `len` bytes holding one serialized JSON object (no
 * NUL). The bytes are copied into the output queue before the call
 * returns, so the caller may free or reuse them at once. Only the shape
 * is checked (starts with '{', ends with '}', no NUL byte); the caller
 * vouches that the text is valid JSON. This skips building and
 * serializing a json-c object for replies that are known in advance.
 * Errors: as varlink_call_reply()/_notify(); -EINVAL also for text that
 *         is not shaped like an object. */
int varlink_call_reply_raw(VarlinkCall *call, const char *parameters, size_t len);
int varlink_call_notify_raw(VarlinkCall *call, const char *parameters, size_t len);

/* Streaming with backpressure. A handler answering a "more" call with
 * many replies sends them until varlink_call_output_congested() is true
 * (VARLINK_STREAM_BUFFER bytes or more queued that the peer has not read
 * yet), then sets a drain callback and returns with the call still open.
 * The callback runs once the queue has room again (from the event loop,
 * never from inside the setter) and does the same: send until congested
 * or finished. It is called again as long as the call is open and the
 * callback is set, so it must send at least one reply per run or clear
 * itself. It stops being called after the final reply; the cancel
 * callback still reports a client that leaves mid-stream. A negative
 * return without a final reply answers VARLINK_ERROR_SYSTEM, like a
 * handler. Memory per stream stays at about VARLINK_STREAM_BUFFER plus
 * one reply, however many replies there are. */
typedef int (*varlink_drain_t)(VarlinkCall *call, void *userdata);
void varlink_call_set_drain_callback(VarlinkCall *call, varlink_drain_t cb, void *userdata);
/* False for oneway calls and calls whose connection is gone. */
bool varlink_call_output_congested(VarlinkCall *call);

/* Final error reply. `error` must be a fully qualified error name
 * (interface.ErrorName); `parameters` NULL means {}.
 * Errors: -EINVAL invalid name or parameters not an object; -EALREADY, -ENOTCONN as above. */
int varlink_call_error(VarlinkCall *call, const char *error, json_object *parameters);
int varlink_call_error_invalid_parameter(VarlinkCall *call, const char *parameter);
int varlink_call_error_expected_more(VarlinkCall *call);
int varlink_call_error_permission_denied(VarlinkCall *call);
int varlink_call_error_interface_not_found(VarlinkCall *call, const char *interface);
int varlink_call_error_method_not_found(VarlinkCall *call, const char *method);
/* VARLINK_ERROR_SYSTEM with {"errno": err} (err positive or negative). */
int varlink_call_error_errno(VarlinkCall *call, int err);

/* Called once if the connection goes away while the call is still open
 * (client disconnected, server shut down), so an asynchronous producer can
 * stop. Replies after that return -ENOTCONN. NULL clears it. */
typedef void (*varlink_cancel_t)(VarlinkCall *call, void *userdata);
void varlink_call_set_cancel_callback(VarlinkCall *call, varlink_cancel_t cb, void *userdata);

/* ------------------------------------------------------------------ */
/* Client                                                              */
/* ------------------------------------------------------------------ */

/* Connects to ADDRESS: a socket path or "unix:PATH" (blocking connect).
 * Errors: -EINVAL bad address, -ENOENT/-ECONNREFUSED/-EACCES from connect. */
int varlink_client_connect(VarlinkClient **ret, const char *address);
/* Wraps an already connected stream socket (owned from then on, also on failure).
 * Errors: -EBADF. */
int varlink_client_new_fd(VarlinkClient **ret, int fd);
/* Pending async calls are dropped without their callbacks running.
 * Accepts NULL, returns NULL. */
VarlinkClient *varlink_client_free(VarlinkClient *c);

/* Per-call timeout: sync calls wait at most this long for each reply,
 * async calls get VARLINK_ERROR_TIMEOUT. 0 or UINT64_MAX: the default
 * VARLINK_CALL_TIMEOUT_USEC. */
void varlink_client_set_timeout(VarlinkClient *c, uint64_t usec);

/* Synchronous call. On return 0 either the call succeeded (*ret_error_name
 * = NULL, *ret_reply = reply parameters) or the server answered with an
 * error (*ret_error_name = its name, valid until the next call on this
 * client or its free; *ret_reply = error parameters). ret_reply may be NULL.
 * If ret_error_name is NULL an error reply returns -EREMOTEIO instead.
 * Errors: -EINVAL   invalid method name or params not an object,
 *         -EBUSY    async calls are still pending on this client,
 *         -ETIMEDOUT no reply within the timeout (connection unusable after),
 *         -ECONNRESET the server closed the connection,
 *         -EPROTO   the server sent something that is not Varlink (or a
 *                   message over VARLINK_MESSAGE_MAX). */
int varlink_call_sync(VarlinkClient *c, const char *method, json_object *params,
                      json_object **ret_reply, const char **ret_error_name);

/* Oneway call: sent (blocking until written), no reply expected.
 * Errors: as varlink_call_sync() minus -EREMOTEIO. */
int varlink_call_oneway(VarlinkClient *c, const char *method, json_object *params);

/* Synchronous "more" call: _begin sends it, _next returns each reply in
 * turn. _next returns 1 with a reply (the last one has *ret_continues =
 * false; an error reply is always last and sets *ret_error_name), 0 once
 * the final reply was already returned, negative errno as varlink_call_sync().
 * ret_error_name NULL turns error replies into -EREMOTEIO; ret_reply and
 * ret_continues may be NULL. */
int varlink_call_more_begin(VarlinkClient *c, const char *method, json_object *params);
int varlink_call_more_next(VarlinkClient *c, json_object **ret_reply, const char **ret_error_name,
                           bool *ret_continues);

/* Asynchronous use on sd-event. Calls may be pipelined: they are written
 * at once and replies are delivered in order. */
typedef enum VarlinkCallFlags {
        VARLINK_CALL_MORE = 1 << 0,
        VARLINK_CALL_ONEWAY = 1 << 1,
} VarlinkCallFlags;

typedef enum VarlinkReplyFlags {
        VARLINK_REPLY_CONTINUES = 1 << 0, /* further replies to this call follow */
} VarlinkReplyFlags;

/* Called per reply. `parameters` is borrowed (never NULL), `error_name` is
 * NULL on success or the error (remote, or VARLINK_ERROR_DISCONNECTED /
 * _TIMEOUT / _PROTOCOL for local failures, after which the client is
 * dead). The return value is ignored. */
typedef int (*varlink_reply_t)(VarlinkClient *c, json_object *parameters, const char *error_name,
                               unsigned reply_flags, void *userdata);

/* Errors: -EBUSY already attached. */
int varlink_client_attach_event(VarlinkClient *c, sd_event *e, int64_t priority);

/* Queues the call; `cb` runs for each reply (never for oneway calls,
 * where cb may be NULL).
 * Errors: -EINVAL invalid method/flags (MORE|ONEWAY together)/params,
 *         -ENOTCONN the client is dead (disconnected, timed out),
 *         -ENXIO   not attached to an event loop. */
int varlink_call_async(VarlinkClient *c, const char *method, json_object *params, unsigned call_flags,
                       varlink_reply_t cb, void *userdata);

/* Number of async calls still waiting for their final reply. */
unsigned varlink_client_n_pending(VarlinkClient *c);

/* ------------------------------------------------------------------ */
/* Cleanup helpers                                                     */
/* ------------------------------------------------------------------ */

static inline void varlink_server_freep(VarlinkServer **s) {
        if (*s)
                *s = varlink_server_free(*s);
}
static inline void varlink_client_freep(VarlinkClient **c) {
        if (*c)
                *c = varlink_client_free(*c);
}
static inline void varlink_call_unrefp(VarlinkCall **c) {
        if (*c)
                *c = varlink_call_unref(*c);
}
