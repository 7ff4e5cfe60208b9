/* tls.c - TLS client connections for the network sinks (see include/sw/tls.h).
 *
 * OpenSSL keeps its errors in a per-thread queue: every call here clears it first and
 * reads it right after, so a message always belongs to the call that failed. */
#include "sw/tls.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sw/alloc.h"
#include "sw/io.h"
#include "sw/clock.h"

#define KEY_FILE_MAX (1u << 20)

struct sw_tls_ctx {
    SSL_CTX *ctx;                 /* owned; replaced by a reload */
    char *ca, *cert, *key, *name; /* owned */
    bool verify, name_is_ip;
    int min_version;
};

struct sw_tls_conn {
    SSL *ssl; /* owned */
    short want;
    bool done;      /* handshake complete */
    bool confirmed; /* the server accepted the session */
    bool tls13;
    uint64_t done_ms;
};

static int conn_index = -1; /* SSL ex_data slot: the struct sw_tls_conn of an SSL */

/* One line from OpenSSL's error queue (the earliest reason), then clear it. */
static const char *
ossl_reason(char *buf, size_t len)
{
    unsigned long e = ERR_peek_error();

    if (e == 0)
        snprintf(buf, len, "unknown error");
    else
        ERR_error_string_n(e, buf, len);
    /* "error:0A000086:SSL routines::certificate verify failed": keep the reason. */
    {
        const char *r = ERR_reason_error_string(e);

        if (r != NULL)
            snprintf(buf, len, "%s", r);
    }
    ERR_clear_error();
    return buf;
}

/* A new session ticket: the server has finished the handshake on its side, after checking
 * the client certificate. We keep no session: return 0 so OpenSSL frees it. */
static int
on_ticket(SSL *ssl, SSL_SESSION *sess)
{
    struct sw_tls_conn *c = SSL_get_ex_data(ssl, conn_index);

    (void)sess;
    if (c != NULL)
        c->confirmed = true;
    return 0;
}

/* --- context ------------------------------------------------------------------------------- */

static bool
load_ca_dir(SSL_CTX *ctx, const char *dir, struct sw_err *err)
{
    X509_STORE *st = SSL_CTX_get_cert_store(ctx);
    DIR *d = opendir(dir);
    struct dirent *e;
    unsigned loaded = 0;

    if (d == NULL) {
        sw_err_sys(err, SW_EIO, "tls.ca %s", dir);
        return false;
    }
    while ((e = readdir(d)) != NULL) {
        char path[4096 + 256];
        struct stat sb;

        if (e->d_name[0] == '.')
            continue;
        snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
        if (stat(path, &sb) != 0 || !S_ISREG(sb.st_mode))
            continue;
        ERR_clear_error();
        /* Files that are not PEM certificates (a README, a CRL) are skipped. */
        if (X509_STORE_load_file(st, path) == 1)
            loaded++;
        ERR_clear_error();
    }
    closedir(d);
    if (loaded == 0) {
        sw_err_set(err, SW_EINVAL, "tls.ca %s: no PEM certificate in this folder", dir);
        return false;
    }
    return true;
}

/* Read the private key through a buffer we wipe, rather than let stdio keep copies. */
static bool
load_key(SSL_CTX *ctx, const char *path, struct sw_err *err)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    char *buf = NULL;
    size_t n = 0;
    bool ok = false;
    struct stat sb;

    if (fd == -1 || fstat(fd, &sb) != 0) {
        sw_err_sys(err, SW_EIO, "tls.key %s", path);
        goto out;
    }
    if (sb.st_size <= 0 || (uint64_t)sb.st_size > KEY_FILE_MAX) {
        sw_err_set(err, SW_EINVAL, "tls.key %s: not a key file (size %lld)", path,
                   (long long)sb.st_size);
        goto out;
    }
    buf = sw_malloc((size_t)sb.st_size);
    if (buf == NULL) {
        sw_err_set(err, SW_ENOMEM, "tls.key %s: out of memory", path);
        goto out;
    }
    {
        int rc = sw_io_read_full(fd, buf, (size_t)sb.st_size, &n);

        if (rc < 0) {
            sw_err_set(err, SW_EIO, "tls.key %s: read: %s", path, strerror(-rc));
            goto out;
        }
    }
    {
        BIO *bio = BIO_new_mem_buf(buf, (int)n);
        EVP_PKEY *pk = bio != NULL ? PEM_read_bio_PrivateKey(bio, NULL, NULL, NULL) : NULL;
        char why[256];

        BIO_free(bio);
        if (pk == NULL) {
            sw_err_set(err, SW_EINVAL, "tls.key %s: %s", path, ossl_reason(why, sizeof(why)));
        } else if (SSL_CTX_use_PrivateKey(ctx, pk) != 1 || SSL_CTX_check_private_key(ctx) != 1) {
            sw_err_set(err, SW_EINVAL, "tls.key %s: %s", path, ossl_reason(why, sizeof(why)));
        } else {
            ok = true;
        }
        EVP_PKEY_free(pk);
    }
out:
    if (buf != NULL) {
        explicit_bzero(buf, n);
        sw_free(buf);
    }
    if (fd != -1)
        close(fd);
    return ok;
}

static SSL_CTX *
build(const struct sw_tls_ctx *t, struct sw_err *err)
{
    SSL_CTX *ctx;
    char why[256];
    struct stat sb;

    ERR_clear_error();
    ctx = SSL_CTX_new(TLS_client_method());
    if (ctx == NULL) {
        sw_err_set(err, SW_ENOMEM, "tls: %s", ossl_reason(why, sizeof(why)));
        return NULL;
    }
    if (SSL_CTX_set_min_proto_version(ctx, t->min_version) != 1) {
        sw_err_set(err, SW_EINVAL, "tls.min_version: %s", ossl_reason(why, sizeof(why)));
        goto fail;
    }
    SSL_CTX_set_mode(ctx, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
    SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_CLIENT | SSL_SESS_CACHE_NO_INTERNAL_STORE);
    SSL_CTX_sess_set_new_cb(ctx, on_ticket);
    SSL_CTX_set_verify(ctx, t->verify ? SSL_VERIFY_PEER : SSL_VERIFY_NONE, NULL);
    if (t->ca[0] == '\0') {
        if (SSL_CTX_set_default_verify_paths(ctx) != 1) {
            sw_err_set(err, SW_EIO, "tls: the system's CA store: %s",
                       ossl_reason(why, sizeof(why)));
            goto fail;
        }
    } else if (stat(t->ca, &sb) != 0) {
        sw_err_sys(err, SW_EIO, "tls.ca %s", t->ca);
        goto fail;
    } else if (S_ISDIR(sb.st_mode)) {
        if (!load_ca_dir(ctx, t->ca, err))
            goto fail;
    } else if (SSL_CTX_load_verify_file(ctx, t->ca) != 1) {
        sw_err_set(err, SW_EINVAL, "tls.ca %s: %s", t->ca, ossl_reason(why, sizeof(why)));
        goto fail;
    }
    if (t->cert[0] != '\0') {
        if (SSL_CTX_use_certificate_chain_file(ctx, t->cert) != 1) {
            if (access(t->cert, R_OK) != 0)
                sw_err_sys(err, SW_EIO, "tls.cert %s", t->cert);
            else
                sw_err_set(err, SW_EINVAL, "tls.cert %s: %s", t->cert,
                           ossl_reason(why, sizeof(why)));
            goto fail;
        }
        if (!load_key(ctx, t->key, err))
            goto fail;
    }
    return ctx;
fail:
    SSL_CTX_free(ctx);
    return NULL;
}

struct sw_tls_ctx *
sw_tls_ctx_create(const struct sw_cfg_tls *cfg, const char *default_name, struct sw_err *err)
{
    struct sw_tls_ctx *t = sw_calloc(1, sizeof(*t));
    const char *name = cfg->server_name != NULL && cfg->server_name[0] != '\0' ? cfg->server_name
                                                                                 : default_name;
    unsigned char ip[16];

    if (conn_index < 0) /* main thread, before any connection */
        conn_index = SSL_get_ex_new_index(0, NULL, NULL, NULL, NULL);
    if (t == NULL) {
        sw_err_set(err, SW_ENOMEM, "tls: out of memory");
        return NULL;
    }
    t->ca = sw_strdup(cfg->ca != NULL ? cfg->ca : "");
    t->cert = sw_strdup(cfg->cert != NULL ? cfg->cert : "");
    t->key = sw_strdup(cfg->key != NULL ? cfg->key : "");
    t->name = sw_strdup(name != NULL ? name : "");
    if (t->ca == NULL || t->cert == NULL || t->key == NULL || t->name == NULL) {
        sw_err_set(err, SW_ENOMEM, "tls: out of memory");
        goto fail;
    }
    t->verify = cfg->verify;
    t->min_version = cfg->min_version != 0 ? cfg->min_version : TLS1_2_VERSION;
    t->name_is_ip = inet_pton(AF_INET, t->name, ip) == 1 || inet_pton(AF_INET6, t->name, ip) == 1;
    t->ctx = build(t, err);
    if (t->ctx == NULL)
        goto fail;
    return t;
fail:
    sw_tls_ctx_destroy(t);
    return NULL;
}

enum sw_rc
sw_tls_ctx_reload(struct sw_tls_ctx *t, struct sw_err *err)
{
    SSL_CTX *n = build(t, err);

    if (n == NULL)
        return err->code;
    SSL_CTX_free(t->ctx); /* connections hold their own reference */
    t->ctx = n;
    return SW_OK;
}

void
sw_tls_ctx_destroy(struct sw_tls_ctx *t)
{
    if (t == NULL)
        return;
    SSL_CTX_free(t->ctx);
    sw_free(t->ca);
    sw_free(t->cert);
    sw_free(t->key);
    sw_free(t->name);
    sw_free(t);
}

/* --- connections --------------------------------------------------------------------------- */

struct sw_tls_conn *
sw_tls_conn_create(struct sw_tls_ctx *t, int fd, struct sw_err *err)
{
    struct sw_tls_conn *c = sw_calloc(1, sizeof(*c));
    char why[256];

    if (c == NULL) {
        sw_err_set(err, SW_ENOMEM, "tls: out of memory");
        return NULL;
    }
    ERR_clear_error();
    c->ssl = SSL_new(t->ctx);
    if (c->ssl == NULL || SSL_set_fd(c->ssl, fd) != 1) {
        sw_err_set(err, SW_ENOMEM, "tls: %s", ossl_reason(why, sizeof(why)));
        goto fail;
    }
    SSL_set_ex_data(c->ssl, conn_index, c);
    if (!t->name_is_ip && t->name[0] != '\0' &&
        SSL_set_tlsext_host_name(c->ssl, t->name) != 1) {
        sw_err_set(err, SW_EINVAL, "tls.server_name %s: %s", t->name,
                   ossl_reason(why, sizeof(why)));
        goto fail;
    }
    if (t->verify && t->name[0] != '\0') {
        int ok = t->name_is_ip
                     ? X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(c->ssl), t->name)
                     : SSL_set1_host(c->ssl, t->name);

        if (ok != 1) {
            sw_err_set(err, SW_EINVAL, "tls.server_name %s: %s", t->name,
                       ossl_reason(why, sizeof(why)));
            goto fail;
        }
    }
    SSL_set_connect_state(c->ssl);
    c->want = POLLOUT;
    return c;
fail:
    sw_tls_conn_destroy(c);
    return NULL;
}

/* After a failed call: SW_EAGAIN with c->want set, or SW_EIO/SW_EOF with err filled. */
static enum sw_rc
failed(struct sw_tls_conn *c, int ret, const char *what, struct sw_err *err)
{
    int e = SSL_get_error(c->ssl, ret);
    char why[256];

    switch (e) {
    case SSL_ERROR_WANT_READ:
        c->want = POLLIN;
        return SW_EAGAIN;
    case SSL_ERROR_WANT_WRITE:
        c->want = POLLOUT;
        return SW_EAGAIN;
    case SSL_ERROR_ZERO_RETURN:
        ERR_clear_error();
        sw_err_set(err, SW_EOF, "the receiver closed the TLS session");
        return SW_EOF;
    case SSL_ERROR_SYSCALL:
        if (ERR_peek_error() != 0)
            return sw_err_set(err, SW_EIO, "%s: %s", what, ossl_reason(why, sizeof(why)));
        if (errno == 0) {
            sw_err_set(err, SW_EOF, "%s: the receiver closed the connection", what);
            return SW_EOF;
        }
        return sw_err_sys(err, SW_EIO, "%s", what);
    default: {
        unsigned long code = ERR_peek_error();
        long vr = SSL_get_verify_result(c->ssl);

        if (!c->done && vr != X509_V_OK) {
            ERR_clear_error();
            if (vr == X509_V_ERR_HOSTNAME_MISMATCH || vr == X509_V_ERR_IP_ADDRESS_MISMATCH)
                return sw_err_set(err, SW_EIO,
                                  "tls: certificate verify failed: %s (the receiver's "
                                  "certificate is not for the name checked)",
                                  X509_verify_cert_error_string(vr));
            return sw_err_set(err, SW_EIO, "tls: certificate verify failed: %s",
                              X509_verify_cert_error_string(vr));
        }
        /* An alert from the receiver (reasons at SSL_AD_REASON_OFFSET and above). */
        if (ERR_GET_LIB(code) == ERR_LIB_SSL &&
            ERR_GET_REASON(code) >= SSL_AD_REASON_OFFSET)
            return sw_err_set(err, SW_EIO, "tls: the receiver refused the session: %s",
                              ossl_reason(why, sizeof(why)));
        return sw_err_set(err, SW_EIO, "%s: %s", what, ossl_reason(why, sizeof(why)));
    }
    }
}

enum sw_rc
sw_tls_handshake(struct sw_tls_conn *c, struct sw_err *err)
{
    int r;

    ERR_clear_error();
    errno = 0;
    r = SSL_do_handshake(c->ssl);
    if (r == 1) {
        c->done = true;
        c->tls13 = SSL_version(c->ssl) >= TLS1_3_VERSION;
        /* Up to TLS 1.2 the server's Finished comes after it checked our certificate. */
        if (!c->tls13)
            c->confirmed = true;
        c->done_ms = sw_clock_us(CLOCK_MONOTONIC) / 1000u;
        c->want = POLLIN;
        return SW_OK;
    }
    return failed(c, r, "tls handshake", err);
}

enum sw_rc
sw_tls_write(struct sw_tls_conn *c, const void *buf, size_t len, size_t *done,
             struct sw_err *err)
{
    int r;

    *done = 0;
    ERR_clear_error();
    errno = 0;
    r = SSL_write_ex(c->ssl, buf, len, done);
    if (r == 1)
        return SW_OK;
    *done = 0;
    return failed(c, r, "tls write", err);
}

enum sw_rc
sw_tls_read(struct sw_tls_conn *c, struct sw_err *err)
{
    char scratch[4096];

    for (;;) {
        size_t n = 0;
        int r;

        ERR_clear_error();
        errno = 0;
        r = SSL_read_ex(c->ssl, scratch, sizeof(scratch), &n);
        if (r == 1)
            continue; /* receivers send nothing we need: discard */
        r = (int)failed(c, r, "tls read", err);
        if (r == SW_EAGAIN)
            return SW_OK;
        return (enum sw_rc)r;
    }
}

short
sw_tls_events(const struct sw_tls_conn *c)
{
    return c->want != 0 ? c->want : POLLIN;
}

uint64_t
sw_tls_wire_written(const struct sw_tls_conn *c)
{
    return BIO_number_written(SSL_get_wbio(c->ssl));
}

bool
sw_tls_confirmed(struct sw_tls_conn *c, uint64_t now_ms)
{
    if (!c->done)
        return false;
    if (!c->confirmed && now_ms - c->done_ms >= SW_TLS_CONFIRM_MS)
        c->confirmed = true;
    return c->confirmed;
}

void
sw_tls_conn_destroy(struct sw_tls_conn *c)
{
    if (c == NULL)
        return;
    if (c->ssl != NULL) {
        if (c->done) {
            ERR_clear_error();
            (void)SSL_shutdown(c->ssl); /* close_notify if the socket takes it now */
        }
        ERR_clear_error();
        SSL_free(c->ssl);
    }
    sw_free(c);
}
