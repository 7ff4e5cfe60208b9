/* app_tls.h - TLS handshake parser for reassembled TCP streams: the ClientHello's server
 * name and version, the ServerHello's version and cipher, and the server certificate's
 * subject, issuer, serial, SHA-1 fingerprint and validity (the certificate's outline walked
 * here, its parts decoded with OpenSSL; common names printed here as OpenSSL prints them),
 * for the detection stage's tls.* buffers and the `tls` object of alerts.
 *
 * One parser per TCP connection, fed the in-order bytes of each direction (0 client to
 * server, 1 back) by the worker thread that owns the flow. Owner thread only; nothing is
 * logged. The callback runs inside sw_tls_feed and must not call back into the parser.
 *
 * Semantics callers rely on:
 * - Records (RFC 8446 5.1): type 20..23, major version 3, length at most 2^14 + 2048; a
 *   record that is not so stops its direction (not_tls). Handshake messages may span
 *   records; each is gathered whole up to cfg->max_handshake bytes, a larger one is skipped
 *   (counted as too_large) and the direction goes on.
 * - A direction's handshake is over after a ChangeCipherSpec or application data record
 *   (what follows is encrypted: TLS 1.3 certificates are never seen), or once its messages
 *   of interest (ClientHello; ServerHello and Certificate) were seen. Without
 *   cfg->app_data the direction is then done and its later bytes are ignored; with it the
 *   direction goes on reading record headers only (bodies skipped) until its first
 *   application data record (type 23). A direction is done after a gap or a record that is
 *   not TLS. SSLv2-style hellos are not parsed (not_tls).
 * - Events: SW_TLS_CLIENT_HELLO, SW_TLS_SERVER_HELLO, SW_TLS_CERTIFICATE, each once per
 *   connection; the info passed holds everything learned so far. With cfg->app_data also
 *   SW_TLS_APP_DATA, once, at the header of the first application data record of either
 *   direction (what follows is encrypted), as Suricata's app-layer-ssl.c marks the
 *   handshake done there: except TLS 1.3 early data (a ClientHello with the early_data
 *   extension, application data before the ServerHello), which does not count. The
 *   direction that sent it is then done, and so is the other one once its handshake is
 *   over.
 * - Strings: NUL-terminated, "" when unknown. sni_raw holds the server name as sent (up to
 *   255 bytes); the other strings are EVE text: printable ASCII, other bytes as \xNN
 *   (certificate names as OpenSSL prints them with RFC 2253 escaping of control and
 *   non-ASCII characters, cut at cfg->max_name bytes, counted as names_cut).
 * - Memory: memuse counts the parser, its two handshake buffers (each at most
 *   max_handshake) and the strings it keeps. */
#ifndef SW_APP_TLS_H
#define SW_APP_TLS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sw/err.h"

struct sw_tls_cfg {
    uint32_t max_handshake; /* bytes of one handshake message gathered (64 KiB); 1 KiB .. 16 MiB */
    uint32_t max_name;      /* bytes of a certificate subject or issuer kept (1024); 64 .. 65536 */
    bool app_data;          /* track records up to the first application data (false) */
};

struct sw_tls_stats {
    uint64_t client_hellos, server_hellos, certificates; /* parsed */
    uint64_t not_tls;   /* directions stopped: records or hellos that are not TLS */
    uint64_t malformed; /* hello or certificate messages that did not parse */
    uint64_t too_large; /* handshake messages over max_handshake, skipped */
    uint64_t names_cut; /* subjects or issuers cut at max_name */
    uint64_t nomem;     /* allocation failures */
    uint64_t memuse;    /* bytes held now */
};

enum sw_tls_event {
    SW_TLS_CLIENT_HELLO,
    SW_TLS_SERVER_HELLO,
    SW_TLS_CERTIFICATE,
    SW_TLS_APP_DATA, /* cfg->app_data only */
    SW_TLS_EVENT_MAX
};

/* What the handshake said so far: borrowed for the callback. */
struct sw_tls_info {
    const uint8_t *sni_raw; /* server_name as sent */
    size_t sni_len;
    const char *sni;                  /* EVE text of it */
    uint16_t client_version;          /* ClientHello legacy_version (0x0303 = TLS 1.2) */
    uint16_t version;                 /* negotiated: supported_versions of the ServerHello, else its
                                       * legacy_version; 0 before the ServerHello */
    const char *version_name;         /* Suricata's name of version: "TLS 1.2", "TLS 1.3", "TLSv1",
                                       * "SSLv3", ""; static */
    uint16_t cipher;                  /* ServerHello cipher suite */
    const char *subject, *issuerdn;   /* "C=US, O=Example, CN=www.example.com" */
    /* the same names as rules match them: the text with its \XX escapes (a control byte,
     * the bytes of a non-ASCII character) as the bytes, as Suricata's tls.cert_subject and
     * tls.cert_issuer have them (a NUL included) */
    const uint8_t *subject_raw, *issuer_raw;
    size_t subject_raw_len, issuer_raw_len;
    const char *serial;               /* "0C:00:99:B7", from the DER integer as sent */
    const char *fingerprint;          /* SHA-1 of the certificate, "4a:a3:66:..." */
    const char *notbefore, *notafter; /* "2024-01-31T12:00:00" (UTC) */
};

typedef void (*sw_tls_event_fn)(void *ctx, enum sw_tls_event ev, const struct sw_tls_info *info);

struct sw_tls;

/* Fill cfg with the defaults above. */
void sw_tls_cfg_defaults(struct sw_tls_cfg *cfg);
/* SW_OK, or SW_EINVAL with err naming the field (prefixed) out of range. */
enum sw_rc sw_tls_cfg_check(const struct sw_tls_cfg *cfg, const char *prefix, struct sw_err *err);

/* A parser for one connection; cfg copied (NULL: defaults), st borrowed (may be NULL: the
 * parser's own). NULL and err on failure. Caller owns the result. */
struct sw_tls *sw_tls_create(const struct sw_tls_cfg *cfg, struct sw_tls_stats *st,
                             sw_tls_event_fn cb, void *ctx, struct sw_err *err);
void sw_tls_destroy(struct sw_tls *t); /* NULL-safe */

/* In-order bytes of direction dir (borrowed for the call). */
void sw_tls_feed(struct sw_tls *t, int dir, const uint8_t *data, size_t len);
/* Bytes of dir are missing: the direction is done. */
void sw_tls_gap(struct sw_tls *t, int dir);
/* Both directions are done: the caller may stop feeding. */
bool sw_tls_done(const struct sw_tls *t);
/* What the handshake said so far (valid while t lives, until the next feed). */
const struct sw_tls_info *sw_tls_info(const struct sw_tls *t);

/* A certificate Name (DER, tag included) printed as OpenSSL's X509_NAME_print_ex prints it
 * with XN_FLAG_SEP_CPLUS_SPC | XN_FLAG_FN_SN | ASN1_STRFLGS_RFC2253, into out
 * (SW_TLS_NAME_TEXT_MAX bytes, not NUL-terminated), *n bytes; only for the common shapes
 * (one attribute per RDN, a known attribute type, a one-byte-a-character string, minimal DER
 * lengths): false for any other name, which the parser hands to OpenSSL. Exposed for
 * fuzz_tls_name, which checks it against OpenSSL. */
#define SW_TLS_NAME_TEXT_MAX 4096
bool sw_tls_name_text(const uint8_t *der, size_t len, char *out, size_t *n);

/* Suricata's name of a TLS version number ("TLS 1.2"), "" for an unknown one. Static. */
const char *sw_tls_version_name(uint16_t version);

#endif
