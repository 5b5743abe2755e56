/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Hearth ask-password: the querier and agent sides of the systemd
 * ask-password file protocol, the kernel keyring cache, and the helpers the
 * rest of Hearth uses to get a secret.  Wire format and directories are the
 * ones systemd uses, so systemd-ask-password and systemd-tty-ask-password-agent
 * interoperate with this code.
 *
 * Every call returns 0 (or a documented positive value) on success and a
 * negative errno on failure; nothing here logs or exits.  Password lists are
 * NULL-terminated string vectors that the caller frees with strv_free_erase(). */

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* How typed characters are shown.  MASKED is the default ('*' per
 * character: Echo=0 Silent=0), ON shows clear text (Echo=1), OFF gives no
 * feedback at all (Silent=1). */
typedef enum AskpwEcho {
        ASKPW_ECHO_MASKED,
        ASKPW_ECHO_ON,
        ASKPW_ECHO_OFF,
        _ASKPW_ECHO_MAX,
        _ASKPW_ECHO_INVALID = -EINVAL,
} AskpwEcho;

const char *askpw_echo_to_string(AskpwEcho e);
/* Accepts "masked", "on", "off" and the booleans yes/no/true/false/1/0
 * (true = on, false = off).  Returns _ASKPW_ECHO_INVALID otherwise. */
AskpwEcho askpw_echo_from_string(const char *s);

typedef enum AskpwFlags {
        ASKPW_ACCEPT_CACHED = 1 << 0, /* answer from the keyring if the key is there */
        ASKPW_PUSH_CACHE    = 1 << 1, /* store what the user typed in the keyring */
        ASKPW_NO_TTY        = 1 << 2, /* never prompt on stdin even if it is a tty */
        ASKPW_NO_AGENT      = 1 << 3, /* never ask agents (cache/credential only) */
        ASKPW_USER          = 1 << 4, /* use the per-user directory */
} AskpwFlags;

/* One query.  Unset strings are NULL; fds are -EBADF when unused. */
typedef struct AskpwRequest {
        const char *message;    /* prompt; NULL = "Password:" */
        const char *icon;       /* XDG icon name */
        const char *id;         /* "subsystem:detail" */
        const char *keyname;    /* kernel keyring key for caching */
        const char *credential; /* name under $CREDENTIALS_DIRECTORY */
        uint64_t until;         /* CLOCK_MONOTONIC µs deadline; 0 = none */
        AskpwEcho echo;
        int hup_fd;             /* POLLHUP/POLLERR here aborts the query */
        int tty_fd;             /* terminal for the tty path; -EBADF = stdin */
} AskpwRequest;

#define ASKPW_REQUEST_INIT { .echo = ASKPW_ECHO_MASKED, .hup_fd = -EBADF, .tty_fd = -EBADF }

/* Default query timeout of the tool and of the Varlink service (90 s). */
#define ASKPW_DEFAULT_TIMEOUT_USEC (90ULL * 1000000ULL)

/* --- directories (dirs.c) ------------------------------------------------ */

/* The system directory: $HEARTH_ASK_PASSWORD_DIR if set (tests), else
 * /run/systemd/ask-password.  The per-user directory:
 * $HEARTH_ASK_PASSWORD_USER_DIR if set, else
 * $XDG_RUNTIME_DIR/systemd/ask-password.
 * Errors: -ENXIO the per-user directory is unavailable ($XDG_RUNTIME_DIR
 * unset or relative), -ENOMEM. */
int askpw_directory(bool user, char **ret);

/* Same, then creates it (and missing parents) with mode 0755.
 * Errors: as above, plus the mkdir errno. */
int askpw_directory_make(bool user, char **ret);

/* --- the ask file (ask-file.c) ------------------------------------------- */

/* A parsed request file.  pid/not_after are 0 when absent. */
typedef struct AskpwAsk {
        char *path;             /* the ask.* file it came from, may be NULL */
        pid_t pid;
        char *socket;           /* absolute path of the reply socket */
        bool accept_cached;
        bool echo;
        bool silent;
        uint64_t not_after;     /* CLOCK_MONOTONIC µs; 0 = none */
        char *message;
        char *icon;
        char *id;
} AskpwAsk;

AskpwAsk *askpw_ask_free(AskpwAsk *a);

/* Largest ask file the parser reads. */
#define ASKPW_ASK_FILE_MAX (64U * 1024U)

/* Parses the text of an ask.* file.  Keys outside [Ask] and unknown keys are
 * ignored; later duplicates win.  Errors: -EBADMSG no [Ask] section, no or a
 * relative Socket=, a bad number or boolean, a NUL byte, or a Socket path
 * that does not fit a sockaddr_un; -E2BIG over ASKPW_ASK_FILE_MAX; -ENOMEM. */
int askpw_ask_parse(const char *text, size_t size, AskpwAsk **ret);

/* Reads and parses one file without following symlinks; only regular files
 * are accepted.  Errors: -ELOOP symlink, -EBADF not a regular file, the
 * open/read errno, and those of askpw_ask_parse().  The path is stored. */
int askpw_ask_load(int dir_fd, const char *name, AskpwAsk **ret);

/* Formats a request exactly like systemd 252 does (same keys, same order,
 * Message/Icon/Id only when set).  Errors: -EINVAL a value contains a
 * newline or socket is NULL/relative, -ENOMEM. */
int askpw_ask_format(const AskpwAsk *a, char **ret);

/* --- reply datagrams (reply.c) ------------------------------------------- */

/* "+" → one empty password; "+a\0b[\0]" → {a, b}; "-" → -ECANCELED.
 * Errors: -EBADMSG anything else (empty, other first byte), -ENOMEM. */
int askpw_reply_parse(const void *buf, size_t size, char ***ret);

/* Builds "+pw1\0pw2..." (no trailing NUL); an empty or NULL list gives "-".
 * The buffer holds secrets: free it with erase_and_free().  Errors: -ENOMEM. */
int askpw_reply_format(char * const *passwords, char **ret, size_t *ret_size);

/* --- querier (querier.c) ------------------------------------------------- */

/* Runs the file protocol in the directory chosen by ASKPW_USER: drops the
 * request, waits for an agent's answer, removes the ask file and the socket
 * on every path.  Answers are taken only from uid 0 or our own uid.
 * SIGINT/SIGTERM are blocked while waiting; one that arrives ends the query
 * with -EINTR and is delivered once the mask is restored (after clean-up).
 * Errors: -ETIME deadline passed, -ECANCELED an agent sent "-", -EINTR
 * SIGINT/SIGTERM, -ECONNRESET hup_fd hung up, -EUNATCH ASKPW_NO_AGENT set or
 * no usable directory, -EINVAL bad request, -ENOMEM, or the socket/file
 * errno. */
int askpw_query_agent(const AskpwRequest *req, AskpwFlags flags, char ***ret);

/* Credential → keyring (with ASKPW_ACCEPT_CACHED) → tty on stdin (unless
 * ASKPW_NO_TTY or stdin is not a terminal) → agents.  With
 * ASKPW_PUSH_CACHE the answer from the tty or an agent goes to the keyring.
 * Errors: those of the paths tried; -EUNATCH nothing could be asked. */
int askpw_query(const AskpwRequest *req, AskpwFlags flags, char ***ret);

/* --- terminal prompt (tty-prompt.c) -------------------------------------- */

/* Prompts on a terminal in raw mode, restoring its settings afterwards.
 * Enter finishes, Backspace/^U edit, ^C/^D (on an empty line) cancel.
 * abort_fd (optional) aborts the prompt when readable or hung up.
 * Errors: -ETIME deadline, -ECANCELED ^C/^D, -ECONNRESET abort_fd fired,
 * -ENOTTY fd is not a terminal, -EIO terminal went away, -ENOMEM. */
int askpw_tty_prompt(int fd, const char *message, AskpwEcho echo, uint64_t until,
                     int abort_fd, char **ret);

/* --- keyring cache (keyring-cache.c) ------------------------------------- */

/* Reads the "user" key <keyname>.  Errors: -ENOKEY no such key (or expired,
 * revoked), -EINVAL empty keyname, -ENOMEM, the keyctl errno. */
int askpw_keyring_read(const char *keyname, char ***ret);

/* Adds passwords to key <keyname> (merged with what is there, without
 * duplicates), sets its expiry ($SYSTEMD_ASK_PASSWORD_KEYRING_TIMEOUT_SEC,
 * default 150 s) and bumps the mtime of dir (if not NULL) so waiting
 * queriers look again.  Errors: -EINVAL, -ENOMEM, the keyctl errno. */
int askpw_keyring_push(const char *keyname, char * const *passwords, const char *dir);

/* --- credentials (credential.c) ------------------------------------------ */

/* Reads $CREDENTIALS_DIRECTORY/<name> as a NUL-separated list.
 * Errors: -ENXIO $CREDENTIALS_DIRECTORY unset, -ENOENT no such credential,
 * -EINVAL bad name, -EBADMSG empty, -ENOMEM, the read errno. */
int askpw_credential_read(const char *name, char ***ret);

/* --- sending answers, listing (agent-util.c) ----------------------------- */

/* Sends one datagram to the querier's socket.  Errors: -EINVAL relative or
 * over-long path, the socket/sendto errno (-ENOENT, -ECONNREFUSED when the
 * querier is gone, -EACCES no write permission). */
int askpw_send_datagram(const char *socket_path, const void *buf, size_t size);

/* Sends "+passwords" (or "-" for NULL) and wipes the buffer.  Errors: as
 * askpw_send_datagram(), -ENOMEM. */
int askpw_send_answer(const char *socket_path, char * const *passwords);

/* True if the request can still be answered: NotAfter not passed, PID alive,
 * socket writable by us. */
bool askpw_ask_is_live(const AskpwAsk *a);

/* Reads every live, well-formed ask.* file in dir, sorted by modification
 * time then name.  Malformed files are skipped, never fatal.  Errors: the
 * opendir errno (-ENOENT: no directory), -ENOMEM. */
int askpw_list(const char *dir, AskpwAsk ***ret, size_t *ret_n);
void askpw_ask_array_free(AskpwAsk **l, size_t n);

/* --- agent (agent.c) ----------------------------------------------------- */

typedef struct AskpwAgent AskpwAgent;
typedef struct sd_event sd_event;

typedef enum AskpwAgentFlags {
        ASKPW_AGENT_ONESHOT = 1 << 0, /* leave the event loop once nothing is pending */
} AskpwAgentFlags;

/* Called when a request becomes the current one (requests are presented
 * one at a time).  The handler answers with askpw_agent_answer(),
 * askpw_agent_cancel() or askpw_agent_skip(), now or later from the event
 * loop.  A negative return skips the request. */
typedef int (*AskpwAgentRequestHandler)(AskpwAgent *agent, const AskpwAsk *ask, void *userdata);

/* Called when the current request goes away before it was answered: its
 * file was removed (another agent answered, the querier gave up or died)
 * or NotAfter passed or its PID exited.  The ask is freed afterwards. */
typedef void (*AskpwAgentWithdrawHandler)(AskpwAgent *agent, const AskpwAsk *ask, void *userdata);

/* Errors: -ENOMEM, -EINVAL (event NULL). */
int askpw_agent_new(sd_event *event, AskpwAgentFlags flags, AskpwAgent **ret);
AskpwAgent *askpw_agent_free(AskpwAgent *a);
void askpw_agent_set_handlers(AskpwAgent *a, AskpwAgentRequestHandler on_request,
                              AskpwAgentWithdrawHandler on_withdraw, void *userdata);

/* Watches one more directory (created if missing).  Call before
 * askpw_agent_start().  Errors: -EBUSY already started, -ENOMEM, mkdir /
 * inotify errno. */
int askpw_agent_add_directory(AskpwAgent *a, const char *path);

/* Adds the inotify watches to the event loop and scans for requests that
 * are already pending.  Errors: -EINVAL no directory, inotify/sd-event
 * errno. */
int askpw_agent_start(AskpwAgent *a);

/* Answer the current request: passwords (a "+" datagram), "-", or nothing
 * (the request is remembered as handled and not presented again).  Then
 * the next pending request is presented.  Errors: -ESRCH no current
 * request, and those of askpw_send_datagram() (the request is dropped
 * either way). */
int askpw_agent_answer(AskpwAgent *a, char * const *passwords);
int askpw_agent_cancel(AskpwAgent *a);
int askpw_agent_skip(AskpwAgent *a);

/* Number of requests answered, cancelled or skipped so far. */
unsigned askpw_agent_handled(const AskpwAgent *a);

/* --- PAM conversation (pam-conv-askpw.c) --------------------------------- */

struct pam_message;
struct pam_response;

/* Receives PAM_TEXT_INFO / PAM_ERROR_MSG text; msg_style is the PAM style. */
typedef void (*AskpwPamLog)(int msg_style, const char *text, void *userdata);

/* appdata for askpw_pam_conv().  request is the template for every prompt
 * (icon, id, keyname, deadline, ...); its message and echo are replaced by
 * each PAM prompt's text and style.  The terminal is never used
 * (ASKPW_NO_TTY is implied).  error holds the negative errno of the last
 * failed query, 0 otherwise, so callers can tell a timeout from a cancel. */
typedef struct AskpwPamConv {
        AskpwRequest request;
        AskpwFlags flags;
        AskpwPamLog log;
        void *userdata;
        int error;
} AskpwPamConv;

/* A pam_conv function: PAM_PROMPT_ECHO_OFF becomes a masked query,
 * PAM_PROMPT_ECHO_ON (and PAM_RADIO_TYPE) an echoed one, answers go back
 * to PAM; PAM_TEXT_INFO/PAM_ERROR_MSG go to the log callback.  Returns
 * PAM_SUCCESS, PAM_BUF_ERR (out of memory) or PAM_CONV_ERR (a query
 * failed, or an unsupported message style such as PAM_BINARY_PROMPT); on
 * failure no responses are handed out. Use as
 * `struct pam_conv c = { askpw_pam_conv, &askpw_pam_conv_data };`. */
int askpw_pam_conv(int n, const struct pam_message **msg, struct pam_response **resp, void *appdata);

/* --- Varlink io.systemd.AskPassword (askpw-varlink.c, secret-client.c) --- */

/* The service socket: $HEARTH_ASK_PASSWORD_VARLINK_SOCKET if set (tests),
 * else /run/systemd/io.systemd.AskPassword (system) or
 * $XDG_RUNTIME_DIR/systemd/io.systemd.AskPassword (user).
 * Errors: -ENXIO no $XDG_RUNTIME_DIR for the user socket, -ENOMEM. */
int askpw_varlink_socket_path(bool user, char **ret);

/* Serves io.systemd.AskPassword until SIGTERM/SIGINT: on the sockets
 * passed by socket activation, else on askpw_varlink_socket_path() (mode
 * 0666 system, 0600 user).  Each Ask runs the agent protocol in a worker
 * process; the caller closing its connection ends the worker, which removes
 * its ask file.  Callers allowed: uid 0 and the service's own uid; for the
 * system instance also members of the group named by
 * $HEARTH_ASK_PASSWORD_VARLINK_GROUP.  Others get PermissionDenied.
 * Errors: from sd-event and the Varlink server (-EADDRINUSE another
 * service is listening), -ENOMEM. */
int askpw_varlink_serve(bool user);

/* Gets a secret for the rest of Hearth: through io.systemd.AskPassword if
 * the service socket answers (ASKPW_USER picks the per-user one), else
 * through askpw_query() directly.  req->credential and req->hup_fd are
 * honoured only on the direct path.  Errors: -EUNATCH nothing could be
 * asked (NoPasswordAvailable), -ETIME timeout (TimeoutReached), -EPERM the
 * service refused us, -EPROTO malformed reply, the errno a service error
 * carries, or those of askpw_query(). */
int askpw_secret_get(const AskpwRequest *req, AskpwFlags flags, char ***ret);
