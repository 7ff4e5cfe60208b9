/* app_tls.c - TLS handshake parser (see include/sw/app_tls.h).
 *
 * Each direction runs a record reader (5-byte headers, possibly split across feeds) feeding
 * a handshake reader that gathers one message at a time into a buffer bounded by
 * max_handshake. Hellos are walked field by field with every length checked against what is
 * left; the certificate's outline is walked the same way and the parts reported go to
 * OpenSSL's decoders (names, serial, times), which do their own bounds checking. */
#include "sw/app_tls.h"

#include <openssl/asn1.h>
#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/x509.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "sw/alloc.h"
#include "sw/parse.h"
#include "app_tls_int.h"

#define REC_HDR 5
#define REC_MAX (16384u + 2048u)
#define HS_HDR 4

#define HS_CLIENT_HELLO 1
#define HS_SERVER_HELLO 2
#define HS_CERTIFICATE 11

#define EXT_SERVER_NAME 0
#define EXT_EARLY_DATA 42
#define EXT_SUPPORTED_VERSIONS 43

struct dir {
    uint8_t rhdr[REC_HDR];
    unsigned rhdr_have;
    size_t rec_left; /* bytes of the current record's payload still to come */
    bool rec_hs;     /* the current record carries handshake bytes */
    uint8_t hhdr[HS_HDR];
    unsigned hhdr_have;
    size_t msg_len; /* the current handshake message's length */
    size_t msg_have;
    uint8_t *msg;  /* owned: its bytes, when kept */
    bool msg_skip; /* over max_handshake: consumed, not kept */
    bool hs_done;  /* handshake bytes no longer read (cfg.app_data: record headers still are) */
    bool done;
};

struct sw_tls {
    struct sw_tls_cfg cfg;
    struct sw_tls_stats *st; /* borrowed, or &own */
    struct sw_tls_stats own;
    sw_tls_event_fn cb;
    void *ctx;
    struct dir d[2];
    bool seen[SW_TLS_EVENT_MAX]; /* events delivered */
    bool early_data;             /* the ClientHello offered 0-RTT early data */
    struct sw_tls_info info;
    /* owned strings behind info ("" literals until set) */
    uint8_t sni_raw[256];
    char *sni, *subject, *issuer, *serial, *fingerprint;
    /* the names' bytes when their text has \XX escapes (else the text is the bytes) */
    uint8_t *subject_raw, *issuer_raw;
    size_t subject_raw_len, issuer_raw_len;
    char notbefore[24], notafter[24];
    size_t mem; /* what this parser counts in st->memuse */
};

void
sw_tls_cfg_defaults(struct sw_tls_cfg *cfg)
{
    cfg->max_handshake = 64u * 1024u;
    cfg->max_name = 1024;
    cfg->app_data = false;
}

enum sw_rc
sw_tls_cfg_check(const struct sw_tls_cfg *c, const char *prefix, struct sw_err *err)
{
    if (c->max_handshake < 1024 || c->max_handshake > 16u * 1024 * 1024)
        return sw_err_set(err, SW_EINVAL, "%smax_handshake: %u is outside 1024..16777216", prefix,
                          c->max_handshake);
    if (c->max_name < 64 || c->max_name > 65536)
        return sw_err_set(err, SW_EINVAL, "%smax_name: %u is outside 64..65536", prefix,
                          c->max_name);
    return SW_OK;
}

const char *
sw_tls_version_name(uint16_t v)
{
    switch (v) {
    case 0x0200:
        return "SSLv2";
    case 0x0300:
        return "SSLv3";
    case 0x0301:
        return "TLSv1";
    case 0x0302:
        return "TLS 1.1";
    case 0x0303:
        return "TLS 1.2";
    case 0x0304:
        return "TLS 1.3";
    default:
        return "";
    }
}

/* --- memory ----------------------------------------------------------------------------- */

static void *
t_alloc(struct sw_tls *t, size_t n)
{
    void *p = sw_malloc(n);

    if (p == NULL) {
        t->st->nomem++;
        return NULL;
    }
    t->mem += n;
    t->st->memuse += n;
    return p;
}

static void
t_free(struct sw_tls *t, void *p, size_t n)
{
    if (p == NULL)
        return;
    sw_free(p);
    t->mem -= n;
    t->st->memuse -= n;
}

/* Replace *slot with a copy of s[0, len) as a string (NULL on failure: the field stays ""). */
static void
set_str(struct sw_tls *t, char **slot, const char *s, size_t len)
{
    char *c;

    if (*slot != NULL)
        t_free(t, *slot, strlen(*slot) + 1);
    *slot = NULL;
    c = t_alloc(t, len + 1);
    if (c == NULL)
        return;
    memcpy(c, s, len);
    c[len] = '\0';
    *slot = c;
}

static const char *
str_or_empty(const char *s)
{
    return s != NULL ? s : "";
}

static void
info_refresh(struct sw_tls *t)
{
    t->info.sni = str_or_empty(t->sni);
    t->info.subject = str_or_empty(t->subject);
    t->info.issuerdn = str_or_empty(t->issuer);
    t->info.subject_raw =
        t->subject_raw != NULL ? t->subject_raw : (const uint8_t *)t->info.subject;
    t->info.subject_raw_len = t->subject_raw != NULL ? t->subject_raw_len : strlen(t->info.subject);
    t->info.issuer_raw = t->issuer_raw != NULL ? t->issuer_raw : (const uint8_t *)t->info.issuerdn;
    t->info.issuer_raw_len = t->issuer_raw != NULL ? t->issuer_raw_len : strlen(t->info.issuerdn);
    t->info.serial = str_or_empty(t->serial);
    t->info.fingerprint = str_or_empty(t->fingerprint);
    t->info.notbefore = t->notbefore;
    t->info.notafter = t->notafter;
    t->info.version_name = sw_tls_version_name(t->info.version);
}

/* --- hellos ----------------------------------------------------------------------------- */

/* The EVE text of raw bytes: printable ASCII kept, others as \xNN. */
static void
set_text(struct sw_tls *t, char **slot, const uint8_t *s, size_t len)
{
    char buf[256 * 4 + 1];
    size_t o = 0;

    for (size_t i = 0; i < len && o + 5 < sizeof(buf); i++) {
        if (s[i] >= 0x20 && s[i] < 0x7f)
            buf[o++] = (char)s[i];
        else
            o += (size_t)snprintf(buf + o, sizeof(buf) - o, "\\x%02x", s[i]);
    }
    set_str(t, slot, buf, o);
}

/* server_name extension (RFC 6066 3): the first host_name entry. */
static void
ext_sni(struct sw_tls *t, struct rd e)
{
    struct rd list = sub(&e, get16(&e));

    while (!list.bad && list.left > 0) {
        unsigned type = get8(&list);
        struct rd name = sub(&list, get16(&list));

        if (list.bad)
            return;
        if (type == 0) {
            size_t n = name.left < sizeof(t->sni_raw) ? name.left : sizeof(t->sni_raw);

            memcpy(t->sni_raw, name.p, n);
            t->info.sni_raw = t->sni_raw;
            t->info.sni_len = n;
            set_text(t, &t->sni, name.p, n);
            return;
        }
    }
}

/* ClientHello (RFC 8446 4.1.2). false: malformed. */
static bool
client_hello(struct sw_tls *t, const uint8_t *m, size_t len)
{
    struct rd r = {m, len, false};

    t->info.client_version = (uint16_t)get16(&r);
    take(&r, 32);       /* random */
    sub(&r, get8(&r));  /* session id */
    sub(&r, get16(&r)); /* cipher suites */
    sub(&r, get8(&r));  /* compression methods */
    if (r.bad)
        return false;
    if (r.left == 0)
        return true; /* no extensions */
    struct rd exts = sub(&r, get16(&r));
    while (!exts.bad && exts.left > 0) {
        unsigned type = get16(&exts);
        struct rd e = sub(&exts, get16(&exts));

        if (exts.bad)
            return false;
        if (type == EXT_SERVER_NAME)
            ext_sni(t, e);
        else if (type == EXT_EARLY_DATA)
            t->early_data = true;
    }
    return !exts.bad && !r.bad;
}

/* ServerHello: legacy_version, random, session id, cipher, compression, extensions with
 * supported_versions for TLS 1.3. false: malformed. */
static bool
server_hello(struct sw_tls *t, const uint8_t *m, size_t len)
{
    struct rd r = {m, len, false};

    t->info.version = (uint16_t)get16(&r);
    take(&r, 32);
    sub(&r, get8(&r));
    t->info.cipher = (uint16_t)get16(&r);
    get8(&r);
    if (r.bad)
        return false;
    if (r.left == 0)
        return true;
    struct rd exts = sub(&r, get16(&r));
    while (!exts.bad && exts.left > 0) {
        unsigned type = get16(&exts);
        struct rd e = sub(&exts, get16(&exts));

        if (exts.bad)
            return false;
        if (type == EXT_SUPPORTED_VERSIONS && e.left == 2)
            t->info.version = (uint16_t)get16(&e);
    }
    return !exts.bad;
}

/* --- certificate ------------------------------------------------------------------------ */

/* s[0, n) with \XX escapes as bytes, into out (NULL: only count). Returns the bytes. */
static size_t
unescape(const char *s, size_t n, uint8_t *out)
{
    size_t o = 0;

    for (size_t i = 0; i < n; i++, o++) {
        uint8_t c = (uint8_t)s[i];

        if (s[i] == '\\' && i + 2 < n && sw_parse_hexdigit(s[i + 1]) >= 0 &&
            sw_parse_hexdigit(s[i + 2]) >= 0) {
            c = (uint8_t)(sw_parse_hexdigit(s[i + 1]) * 16 + sw_parse_hexdigit(s[i + 2]));
            i += 2;
        } else if (s[i] == '\\' && i + 1 < n) { /* "\\", "\,": kept, never read as \XX */
            if (out != NULL)
                out[o] = c;
            o++;
            c = (uint8_t)s[++i];
        }
        if (out != NULL)
            out[o] = c;
    }
    return o;
}

/* The bytes of a name for rules: its text with OpenSSL's \XX escapes (control bytes, and the
 * bytes of non-ASCII characters) turned back into the bytes, as Suricata's buffer has them (a
 * NUL inside a name stays a NUL: suricata-verify's tls-subject-zero); other escapes ("\,",
 * "\\") stay as printed, like the EVE text. *raw stays NULL when there is no \XX. */
static void
set_raw(struct sw_tls *t, uint8_t **raw, size_t *raw_len, const char *s, size_t n)
{
    size_t o;

    if (*raw != NULL)
        t_free(t, *raw, *raw_len);
    *raw = NULL;
    *raw_len = 0;
    if (memchr(s, '\\', n) == NULL || (o = unescape(s, n, NULL)) == n)
        return;
    *raw = t_alloc(t, o);
    if (*raw == NULL)
        return;
    *raw_len = unescape(s, n, *raw);
}

/* A name's text (n bytes), cut at max_name, and its bytes for rules. */
static void
set_name_text(struct sw_tls *t, char **slot, uint8_t **raw, size_t *raw_len, const char *data,
              size_t n)
{
    if (n == 0)
        return;
    if (n > t->cfg.max_name) {
        n = t->cfg.max_name;
        t->st->names_cut++;
    }
    set_str(t, slot, data, n);
    set_raw(t, raw, raw_len, data, n);
}

/* name as "C=US, O=Example, CN=www.example.com", cut at max_name. */
static void
set_name(struct sw_tls *t, char **slot, uint8_t **raw, size_t *raw_len, const X509_NAME *name)
{
    BIO *b = BIO_new(BIO_s_mem());
    char *data;
    long n;

    if (b == NULL) {
        t->st->nomem++;
        return;
    }
    /* ", " between RDNs, "+" within one, short names, RFC 2253 escaping of the values. */
    if (X509_NAME_print_ex(b, name, 0,
                           XN_FLAG_SEP_CPLUS_SPC | XN_FLAG_FN_SN | ASN1_STRFLGS_RFC2253) >= 0) {
        n = BIO_get_mem_data(b, &data);
        if (n > 0)
            set_name_text(t, slot, raw, raw_len, data, (size_t)n);
    }
    BIO_free(b);
}


/* A certificate name: its text printed here, or decoded by OpenSSL (x, caller frees).
 * false: OpenSSL could not decode it (the certificate is malformed). */
struct cert_name {
    char text[SW_TLS_NAME_TEXT_MAX];
    size_t len;
    X509_NAME *x;
};

static bool
cert_name(const struct rd *el, struct cert_name *cn)
{
    const unsigned char *p = el->p;

    cn->x = NULL;
    if (sw_tls_name_text(el->p, el->left, cn->text, &cn->len))
        return true;
    cn->x = d2i_X509_NAME(NULL, &p, (long)el->left);
    return cn->x != NULL;
}

static void
set_cert_name(struct sw_tls *t, char **slot, uint8_t **raw, size_t *raw_len,
              const struct cert_name *cn)
{
    if (cn->x != NULL)
        set_name(t, slot, raw, raw_len, cn->x);
    else
        set_name_text(t, slot, raw, raw_len, cn->text, cn->len);
}

static void
set_time(char out[24], const ASN1_TIME *at)
{
    struct tm tm;

    out[0] = '\0';
    if (at != NULL && ASN1_TIME_to_tm(at, &tm) == 1)
        strftime(out, 24, "%Y-%m-%dT%H:%M:%S", &tm);
}

/* "AA:BB:..." (upper: false gives lower case) of n bytes. */
static void
set_hex(struct sw_tls *t, char **slot, const uint8_t *p, size_t n, bool upper)
{
    static const char lower[] = "0123456789abcdef", hexup[] = "0123456789ABCDEF";
    const char *dig = upper ? hexup : lower;
    char buf[64 * 3 + 1];
    size_t o = 0;

    /* (was snprintf per byte: a tenth of the certificate's cost) */
    for (size_t i = 0; i < n && o + 4 <= sizeof(buf); i++) {
        if (i > 0)
            buf[o++] = ':';
        buf[o++] = dig[p[i] >> 4];
        buf[o++] = dig[p[i] & 15];
    }
    set_str(t, slot, buf, o);
}

/* The serial as its DER content bytes (leading zero kept, as the certificate has it). */
static void
set_serial(struct sw_tls *t, const ASN1_INTEGER *serial)
{
    unsigned char *der = NULL;
    int n = i2d_ASN1_INTEGER(serial, &der);

    if (n > 2 && der != NULL) {
        /* tag, then a short or long length form: skip to the content */
        size_t off = 2;

        if (der[1] & 0x80)
            off += der[1] & 0x7fu;
        if (off < (size_t)n)
            set_hex(t, &t->serial, der + off, (size_t)n - off, true);
    }
    OPENSSL_free(der);
}

/* One DER element of r (tag in one byte, definite length up to 4 bytes): its tag, its
 * whole encoding (*el) and its content (*in); r moves past it. false: malformed. */
static bool
der_get(struct rd *r, unsigned tag, struct rd *el, struct rd *in)
{
    const uint8_t *start = r->p;
    unsigned l;
    size_t len = 0;

    if (get8(r) != tag || r->bad)
        return false;
    l = get8(r);
    if (l < 0x80) {
        len = l;
    } else {
        if ((l & 0x7f) == 0 || (l & 0x7f) > 4)
            return false;
        for (unsigned i = 0; i < (l & 0x7f); i++)
            len = len << 8 | get8(r);
    }
    *in = sub(r, len);
    if (r->bad)
        return false;
    el->p = start;
    el->left = (size_t)(r->p - start);
    el->bad = false;
    return true;
}

/* The parts of a certificate seawall reports, decoded one by one (RFC 5280 4.1): d2i_X509
 * also decodes the public key, through OpenSSL 3's decoder framework, which cost a million
 * instructions per certificate and is more than the whole TLS parser with a public ruleset
 * (every TLS flow's certificate is parsed for tls.cert_subject rules). NULL fields: free. */
struct cert_parts {
    struct rd subject, issuer; /* the Name elements (cert_name) */
    ASN1_INTEGER *serial;
    ASN1_TIME *notbefore, *notafter;
};

static void
cert_parts_free(struct cert_parts *c)
{
    ASN1_INTEGER_free(c->serial);
    ASN1_TIME_free(c->notbefore);
    ASN1_TIME_free(c->notafter);
}

/* Time ::= UTCTime | GeneralizedTime */
static ASN1_TIME *
der_time(struct rd *r)
{
    const unsigned char *p = r->p;
    struct rd el, in;

    if (r->left == 0 || !der_get(r, r->p[0] == 0x18 ? 0x18 : 0x17, &el, &in))
        return NULL;
    return d2i_ASN1_TIME(NULL, &p, (long)el.left);
}

static bool
cert_decode(const uint8_t *der, size_t len, struct cert_parts *c)
{
    struct rd r = {der, len, false}, el, cert, tbs, x, validity;
    const unsigned char *p;

    memset(c, 0, sizeof(*c));
    if (!der_get(&r, 0x30, &el, &cert) || !der_get(&cert, 0x30, &el, &tbs) ||
        !der_get(&cert, 0x30, &el, &x) || !der_get(&cert, 0x03, &el, &x)) /* sig alg, value */
        return false;
    if (tbs.left > 0 && tbs.p[0] == 0xa0 && !der_get(&tbs, 0xa0, &el, &x)) /* version */
        return false;
    if (!der_get(&tbs, 0x02, &el, &x))
        return false;
    p = el.p;
    c->serial = d2i_ASN1_INTEGER(NULL, &p, (long)el.left);
    if (!der_get(&tbs, 0x30, &el, &x) || !der_get(&tbs, 0x30, &el, &x)) /* signature, issuer */
        return false;
    c->issuer = el;
    if (!der_get(&tbs, 0x30, &el, &validity))
        return false;
    c->notbefore = der_time(&validity);
    c->notafter = der_time(&validity);
    if (!der_get(&tbs, 0x30, &el, &x))
        return false;
    c->subject = el;
    if (!der_get(&tbs, 0x30, &el, &x)) /* subjectPublicKeyInfo: present, not decoded */
        return false;
    return c->serial != NULL && c->notbefore != NULL && c->notafter != NULL;
}

/* Certificate (RFC 5246 7.4.2; TLS 1.2 and below): the first, the server's own. */
static bool
certificate(struct sw_tls *t, const uint8_t *m, size_t len)
{
    struct rd r = {m, len, false};
    struct rd list = sub(&r, get24(&r));
    struct rd cert = sub(&list, get24(&list));
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned mdlen = 0;
    struct cert_parts x;
    struct cert_name sn, in; /* 8 KiB of stack: the worker's stack is the process's */
    bool ok;

    if (r.bad || list.bad || cert.left == 0)
        return false;
    ok = cert_decode(cert.p, cert.left, &x);
    sn.x = in.x = NULL;
    /* the names as OpenSSL's decoder would have failed them, in its order (issuer first) */
    ok = ok && cert_name(&x.issuer, &in) && cert_name(&x.subject, &sn);
    if (!ok) {
        X509_NAME_free(sn.x);
        X509_NAME_free(in.x);
        cert_parts_free(&x);
        return false;
    }
    set_cert_name(t, &t->subject, &t->subject_raw, &t->subject_raw_len, &sn);
    set_cert_name(t, &t->issuer, &t->issuer_raw, &t->issuer_raw_len, &in);
    X509_NAME_free(sn.x);
    X509_NAME_free(in.x);
    set_serial(t, x.serial);
    set_time(t->notbefore, x.notbefore);
    set_time(t->notafter, x.notafter);
    if (EVP_Digest(cert.p, cert.left, md, &mdlen, EVP_sha1(), NULL) == 1)
        set_hex(t, &t->fingerprint, md, mdlen, false);
    cert_parts_free(&x);
    return true;
}

/* --- framing ---------------------------------------------------------------------------- */

static void
deliver(struct sw_tls *t, enum sw_tls_event ev)
{
    if (t->seen[ev])
        return;
    t->seen[ev] = true;
    info_refresh(t);
    if (t->cb != NULL)
        t->cb(t->ctx, ev, &t->info);
}

static void
dir_done(struct sw_tls *t, struct dir *d)
{
    t_free(t, d->msg, d->msg_len);
    d->msg = NULL;
    d->done = true;
}

/* Nothing more of interest in d's handshake: done, or (cfg.app_data) on to its first
 * application data record, reading record headers only. */
static void
hs_over(struct sw_tls *t, struct dir *d)
{
    if (!t->cfg.app_data || t->seen[SW_TLS_APP_DATA]) {
        dir_done(t, d);
        return;
    }
    t_free(t, d->msg, d->msg_len);
    d->msg = NULL;
    d->hhdr_have = 0;
    d->hs_done = true;
}

/* An application data record of direction di begins. Suricata (app-layer-ssl.c, the
 * SSLV3_APPLICATION_PROTOCOL case) takes it as the end of the handshake and from then on
 * inspects no payload; TLS 1.3 early data (the ClientHello's early_data extension, no
 * ServerHello yet) does not count. Returns true when the record counted. */
static bool
app_data(struct sw_tls *t, int di)
{
    if (t->early_data && !t->seen[SW_TLS_SERVER_HELLO])
        return false;
    dir_done(t, &t->d[di]);
    if (t->d[1 - di].hs_done)
        dir_done(t, &t->d[1 - di]);
    deliver(t, SW_TLS_APP_DATA);
    return true;
}

/* One whole handshake message of direction di. */
static void
message(struct sw_tls *t, int di, unsigned type, const uint8_t *m, size_t len)
{
    struct dir *d = &t->d[di];

    if (di == 0 && type == HS_CLIENT_HELLO && !t->seen[SW_TLS_CLIENT_HELLO]) {
        if (client_hello(t, m, len)) {
            t->st->client_hellos++;
            deliver(t, SW_TLS_CLIENT_HELLO);
        } else {
            t->st->malformed++;
        }
        hs_over(t, d); /* nothing more of interest from the client */
    } else if (di == 1 && type == HS_SERVER_HELLO && !t->seen[SW_TLS_SERVER_HELLO]) {
        if (server_hello(t, m, len)) {
            t->st->server_hellos++;
            deliver(t, SW_TLS_SERVER_HELLO);
        } else {
            t->st->malformed++;
            dir_done(t, d);
        }
    } else if (di == 1 && type == HS_CERTIFICATE && !t->seen[SW_TLS_CERTIFICATE]) {
        if (certificate(t, m, len)) {
            t->st->certificates++;
            deliver(t, SW_TLS_CERTIFICATE);
        } else {
            t->st->malformed++;
        }
        hs_over(t, d);
    }
}

/* Handshake bytes of one record. */
static void
hs_bytes(struct sw_tls *t, int di, const uint8_t *p, size_t n)
{
    struct dir *d = &t->d[di];

    while (n > 0 && !d->done && !d->hs_done) {
        if (d->hhdr_have < HS_HDR) {
            d->hhdr[d->hhdr_have++] = *p++;
            n--;
            if (d->hhdr_have == HS_HDR) {
                d->msg_len = (size_t)d->hhdr[1] << 16 | (size_t)d->hhdr[2] << 8 | d->hhdr[3];
                d->msg_have = 0;
                d->msg_skip = d->msg_len > t->cfg.max_handshake;
                if (d->msg_skip)
                    t->st->too_large++;
                else if (d->msg_len > 0)
                    d->msg = t_alloc(t, d->msg_len);
                if (!d->msg_skip && d->msg_len > 0 && d->msg == NULL)
                    d->msg_skip = true; /* counted as nomem */
            }
            if (d->hhdr_have < HS_HDR || d->msg_len > 0)
                continue;
        }
        size_t k = d->msg_len - d->msg_have < n ? d->msg_len - d->msg_have : n;

        if (!d->msg_skip && k > 0)
            memcpy(d->msg + d->msg_have, p, k);
        d->msg_have += k;
        p += k;
        n -= k;
        if (d->msg_have == d->msg_len) {
            if (!d->msg_skip)
                message(t, di, d->hhdr[0], d->msg, d->msg_len);
            if (d->msg != NULL) {
                t_free(t, d->msg, d->msg_len);
                d->msg = NULL;
            }
            d->hhdr_have = 0;
            d->msg_skip = false;
        }
    }
}

void
sw_tls_feed(struct sw_tls *t, int di, const uint8_t *data, size_t len)
{
    struct dir *d;

    if ((di != 0 && di != 1) || (data == NULL && len > 0))
        return;
    d = &t->d[di];
    while (len > 0 && !d->done) {
        if (d->rec_left == 0) {
            unsigned type, rlen;

            d->rhdr[d->rhdr_have++] = *data++;
            len--;
            if (d->rhdr_have < REC_HDR)
                continue;
            d->rhdr_have = 0;
            type = d->rhdr[0];
            rlen = (unsigned)(d->rhdr[3] << 8 | d->rhdr[4]);
            if (type < 20 || type > 23 || d->rhdr[1] != 3 || rlen > REC_MAX) {
                t->st->not_tls++;
                dir_done(t, d);
                break;
            }
            if (type == 23 && t->cfg.app_data && app_data(t, di))
                break;
            if (type == 20 || type == 23) { /* encrypted from here on */
                hs_over(t, d);
                if (d->done)
                    break;
            }
            d->rec_hs = type == 22;
            d->rec_left = rlen;
            continue;
        }
        size_t k = d->rec_left < len ? d->rec_left : len;

        if (d->rec_hs && !d->hs_done)
            hs_bytes(t, di, data, k);
        d->rec_left -= k;
        data += k;
        len -= k;
    }
}

void
sw_tls_gap(struct sw_tls *t, int di)
{
    if (di == 0 || di == 1)
        dir_done(t, &t->d[di]);
}

bool
sw_tls_done(const struct sw_tls *t)
{
    return t->d[0].done && t->d[1].done;
}

const struct sw_tls_info *
sw_tls_info(const struct sw_tls *t)
{
    return &t->info;
}

struct sw_tls *
sw_tls_create(const struct sw_tls_cfg *cfg, struct sw_tls_stats *st, sw_tls_event_fn cb, void *ctx,
              struct sw_err *err)
{
    struct sw_tls *t;
    struct sw_tls_cfg c;

    if (cfg != NULL)
        c = *cfg;
    else
        sw_tls_cfg_defaults(&c);
    if (sw_tls_cfg_check(&c, "tls.", err) != SW_OK)
        return NULL;
    t = sw_calloc(1, sizeof(*t));
    if (t == NULL) {
        if (st != NULL)
            st->nomem++;
        sw_err_set(err, SW_ENOMEM, "tls parser: out of memory");
        return NULL;
    }
    t->cfg = c;
    t->st = st != NULL ? st : &t->own;
    t->cb = cb;
    t->ctx = ctx;
    t->mem = sizeof(*t);
    t->st->memuse += t->mem;
    info_refresh(t);
    return t;
}

void
sw_tls_destroy(struct sw_tls *t)
{
    if (t == NULL)
        return;
    for (int i = 0; i < 2; i++)
        t_free(t, t->d[i].msg, t->d[i].msg_len);
    t_free(t, t->sni, t->sni != NULL ? strlen(t->sni) + 1 : 0);
    t_free(t, t->subject, t->subject != NULL ? strlen(t->subject) + 1 : 0);
    t_free(t, t->issuer, t->issuer != NULL ? strlen(t->issuer) + 1 : 0);
    t_free(t, t->subject_raw, t->subject_raw_len);
    t_free(t, t->issuer_raw, t->issuer_raw_len);
    t_free(t, t->serial, t->serial != NULL ? strlen(t->serial) + 1 : 0);
    t_free(t, t->fingerprint, t->fingerprint != NULL ? strlen(t->fingerprint) + 1 : 0);
    t->st->memuse -= sizeof(*t);
    sw_free(t);
}
