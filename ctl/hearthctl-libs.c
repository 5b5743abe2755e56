/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* hearthctl loads libcrypto and libsystemd on first use (see
 * common/dlopen-forward.h). The homectl-style verbs a login script or an
 * admin runs most (activate, deactivate, lock, ...) need neither: a
 * synchronous Varlink call and JSON. Linking both at start, with
 * libsystemd's own dependencies, tripled the time hearthctl takes to start
 * (bench/homed). Record signing and the userdb verbs load them when they
 * first call them. Every function of the two libraries hearthctl calls is
 * forwarded here; one that is not makes the linker bring the library back
 * as a direct dependency, and tests/ctl/test-hearthctl-libs.sh fails. */

#include <openssl/bio.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <systemd/sd-daemon.h>
#include <systemd/sd-event.h>
#include <systemd/sd-id128.h>

#include "dlopen-forward.h"

static DlopenLib crypto = { .soname = "libcrypto.so.3" };
static DlopenLib systemd = { .soname = "libsystemd.so.0" };

/* libcrypto: failures as OpenSSL reports them (0 or NULL; -1 for the
 * base64 block codecs; "differs" for the comparison). */
DLOPEN_FORWARD(crypto, long, 0, BIO_ctrl, (BIO *bp, int cmd, long larg, void *parg), (bp, cmd, larg, parg))
DLOPEN_FORWARD(crypto, int, 0, BIO_free, (BIO *a), (a))
DLOPEN_FORWARD(crypto, BIO *, NULL, BIO_new, (const BIO_METHOD *type), (type))
DLOPEN_FORWARD(crypto, BIO *, NULL, BIO_new_mem_buf, (const void *buf, int len), (buf, len))
DLOPEN_FORWARD(crypto, const BIO_METHOD *, NULL, BIO_s_mem, (void), ())
DLOPEN_FORWARD(crypto, int, 1, CRYPTO_memcmp, (const void *in_a, const void *in_b, size_t len), (in_a, in_b, len))
DLOPEN_FORWARD(crypto, int, -1, EVP_DecodeBlock, (unsigned char *t, const unsigned char *f, int n), (t, f, n))
DLOPEN_FORWARD(crypto, int, -1, EVP_EncodeBlock, (unsigned char *t, const unsigned char *f, int n), (t, f, n))
DLOPEN_FORWARD(crypto, int, 0, EVP_DigestSign,
        (EVP_MD_CTX *ctx, unsigned char *sigret, size_t *siglen, const unsigned char *tbs, size_t tbslen),
        (ctx, sigret, siglen, tbs, tbslen))
DLOPEN_FORWARD(crypto, int, 0, EVP_DigestSignInit,
        (EVP_MD_CTX *ctx, EVP_PKEY_CTX **pctx, const EVP_MD *type, ENGINE *e, EVP_PKEY *pkey),
        (ctx, pctx, type, e, pkey))
DLOPEN_FORWARD(crypto, int, 0, EVP_DigestVerify,
        (EVP_MD_CTX *ctx, const unsigned char *sigret, size_t siglen, const unsigned char *tbs, size_t tbslen),
        (ctx, sigret, siglen, tbs, tbslen))
DLOPEN_FORWARD(crypto, int, 0, EVP_DigestVerifyInit,
        (EVP_MD_CTX *ctx, EVP_PKEY_CTX **pctx, const EVP_MD *type, ENGINE *e, EVP_PKEY *pkey),
        (ctx, pctx, type, e, pkey))
DLOPEN_FORWARD_FREE(crypto, EVP_MD_CTX, EVP_MD_CTX_free)
DLOPEN_FORWARD(crypto, EVP_MD_CTX *, NULL, EVP_MD_CTX_new, (void), ())
DLOPEN_FORWARD_FREE(crypto, EVP_PKEY_CTX, EVP_PKEY_CTX_free)
DLOPEN_FORWARD(crypto, EVP_PKEY_CTX *, NULL, EVP_PKEY_CTX_new_id, (int id, ENGINE *e), (id, e))
DLOPEN_FORWARD_FREE(crypto, EVP_PKEY, EVP_PKEY_free)
DLOPEN_FORWARD(crypto, int, EVP_PKEY_NONE, EVP_PKEY_get_base_id, (const EVP_PKEY *pkey), (pkey))
DLOPEN_FORWARD(crypto, int, 0, EVP_PKEY_get_raw_public_key,
        (const EVP_PKEY *pkey, unsigned char *pub, size_t *len),
        (pkey, pub, len))
DLOPEN_FORWARD(crypto, int, 0, EVP_PKEY_keygen, (EVP_PKEY_CTX *ctx, EVP_PKEY **ppkey), (ctx, ppkey))
DLOPEN_FORWARD(crypto, int, 0, EVP_PKEY_keygen_init, (EVP_PKEY_CTX *ctx), (ctx))
DLOPEN_FORWARD(crypto, EVP_PKEY *, NULL, PEM_read_bio_PUBKEY,
        (BIO *out, EVP_PKEY **x, pem_password_cb *cb, void *u),
        (out, x, cb, u))
DLOPEN_FORWARD(crypto, EVP_PKEY *, NULL, PEM_read_bio_PrivateKey,
        (BIO *out, EVP_PKEY **x, pem_password_cb *cb, void *u),
        (out, x, cb, u))
DLOPEN_FORWARD(crypto, int, 0, PEM_write_bio_PUBKEY, (BIO *out, const EVP_PKEY *x), (out, x))

/* libsystemd: failures as -errno, or NULL. */
DLOPEN_FORWARD(systemd, int, -EOPNOTSUPP, sd_event_add_defer,
        (sd_event *e, sd_event_source **s, sd_event_handler_t callback, void *userdata),
        (e, s, callback, userdata))
DLOPEN_FORWARD(systemd, int, -EOPNOTSUPP, sd_event_add_io,
        (sd_event *e, sd_event_source **s, int fd, uint32_t events, sd_event_io_handler_t callback, void *userdata),
        (e, s, fd, events, callback, userdata))
DLOPEN_FORWARD(systemd, int, -EOPNOTSUPP, sd_event_add_signal,
        (sd_event *e, sd_event_source **s, int sig, sd_event_signal_handler_t callback, void *userdata),
        (e, s, sig, callback, userdata))
DLOPEN_FORWARD(systemd, int, -EOPNOTSUPP, sd_event_add_time,
        (sd_event *e, sd_event_source **s, clockid_t clock, uint64_t usec, uint64_t accuracy,
         sd_event_time_handler_t callback, void *userdata),
        (e, s, clock, usec, accuracy, callback, userdata))
DLOPEN_FORWARD(systemd, int, -EOPNOTSUPP, sd_event_add_time_relative,
        (sd_event *e, sd_event_source **s, clockid_t clock, uint64_t usec, uint64_t accuracy,
         sd_event_time_handler_t callback, void *userdata),
        (e, s, clock, usec, accuracy, callback, userdata))
DLOPEN_FORWARD(systemd, int, -EOPNOTSUPP, sd_event_default, (sd_event **e), (e))
DLOPEN_FORWARD(systemd, int, -EOPNOTSUPP, sd_event_exit, (sd_event *e, int code), (e, code))
DLOPEN_FORWARD(systemd, int, -EOPNOTSUPP, sd_event_loop, (sd_event *e), (e))
DLOPEN_FORWARD(systemd, int, -EOPNOTSUPP, sd_event_new, (sd_event **e), (e))
DLOPEN_FORWARD(systemd, int, -EOPNOTSUPP, sd_event_now, (sd_event *e, clockid_t clock, uint64_t *usec),
        (e, clock, usec))
DLOPEN_FORWARD(systemd, sd_event *, NULL, sd_event_ref, (sd_event *e), (e))
DLOPEN_FORWARD(systemd, int, -EOPNOTSUPP, sd_event_run, (sd_event *e, uint64_t usec), (e, usec))
DLOPEN_FORWARD_UNREF(systemd, sd_event_source, sd_event_source_disable_unref)
DLOPEN_FORWARD(systemd, sd_event *, NULL, sd_event_source_get_event, (sd_event_source *s), (s))
DLOPEN_FORWARD(systemd, int, -EOPNOTSUPP, sd_event_source_set_enabled, (sd_event_source *s, int enabled),
        (s, enabled))
DLOPEN_FORWARD(systemd, int, -EOPNOTSUPP, sd_event_source_set_io_events, (sd_event_source *s, uint32_t events),
        (s, events))
DLOPEN_FORWARD(systemd, int, -EOPNOTSUPP, sd_event_source_set_priority, (sd_event_source *s, int64_t priority),
        (s, priority))
DLOPEN_FORWARD(systemd, int, -EOPNOTSUPP, sd_event_source_set_time, (sd_event_source *s, uint64_t usec),
        (s, usec))
DLOPEN_FORWARD_UNREF(systemd, sd_event_source, sd_event_source_unref)
DLOPEN_FORWARD_UNREF(systemd, sd_event, sd_event_unref)
DLOPEN_FORWARD(systemd, int, -EOPNOTSUPP, sd_id128_get_machine, (sd_id128_t *ret), (ret))
DLOPEN_FORWARD(systemd, int, -EOPNOTSUPP, sd_is_socket, (int fd, int family, int type, int listening),
        (fd, family, type, listening))
DLOPEN_FORWARD(systemd, int, -EOPNOTSUPP, sd_listen_fds_with_names, (int unset_environment, char ***names),
        (unset_environment, names))
