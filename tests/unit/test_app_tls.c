/* test_app_tls.c - unit tests of the TLS handshake parser (collectors/net/app_tls.c).
 *
 * Hellos are written field by field; the certificate is made here with OpenSSL (a fresh
 * EC key, fixed names, serial and dates), so the expected subject, serial and fingerprint
 * come from the test's own DER bytes. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <openssl/bn.h>
#include <openssl/evp.h>
#include <openssl/x509.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "sw/alloc.h"
#include "sw/app_tls.h"

/* --- writer ----------------------------------------------------------------------------- */

struct w {
    uint8_t b[8192];
    size_t n;
};

static void
u8(struct w *w, unsigned v)
{
    w->b[w->n++] = (uint8_t)v;
}

static void
u16(struct w *w, unsigned v)
{
    u8(w, v >> 8);
    u8(w, v & 0xff);
}

static void
u24(struct w *w, unsigned v)
{
    u8(w, v >> 16);
    u16(w, v & 0xffff);
}

static void
bytes(struct w *w, const void *p, size_t n)
{
    memcpy(w->b + w->n, p, n);
    w->n += n;
}

/* Patch a length of size bytes at off with what was written since off + size. */
static void
patch(struct w *w, size_t off, int size)
{
    size_t v = w->n - off - (size_t)size;

    for (int i = size - 1; i >= 0; i--, v >>= 8)
        w->b[off + (size_t)i] = (uint8_t)v;
}

/* A ClientHello handshake message (no record) with the given server name (NULL: none),
 * offering TLS 1.3 early data when early. */
static void
client_hello_early(struct w *w, const char *sni, size_t sni_len, bool early)
{
    size_t h = w->n, ext, list;
    uint8_t rnd[32] = {0};

    u8(w, 1);
    u24(w, 0);
    u16(w, 0x0303);
    bytes(w, rnd, 32);
    u8(w, 0);
    u16(w, 4);
    u16(w, 0x1301);
    u16(w, 0xc02f);
    u8(w, 1);
    u8(w, 0);
    ext = w->n;
    u16(w, 0);
    u16(w, 0x000a); /* supported_groups: skipped */
    u16(w, 4);
    u16(w, 2);
    u16(w, 0x001d);
    if (sni != NULL) {
        u16(w, 0);
        size_t el = w->n;
        u16(w, 0);
        list = w->n;
        u16(w, 0);
        u8(w, 0);
        u16(w, (unsigned)sni_len);
        bytes(w, sni, sni_len);
        patch(w, list, 2);
        patch(w, el, 2);
    }
    if (early) {
        u16(w, 42); /* early_data: empty in a ClientHello */
        u16(w, 0);
    }
    patch(w, ext, 2);
    patch(w, h + 1, 3);
}

static void
client_hello(struct w *w, const char *sni, size_t sni_len)
{
    client_hello_early(w, sni, sni_len, false);
}

static void
server_hello(struct w *w, bool tls13)
{
    size_t h = w->n, ext;
    uint8_t rnd[32] = {1};

    u8(w, 2);
    u24(w, 0);
    u16(w, 0x0303);
    bytes(w, rnd, 32);
    u8(w, 0);
    u16(w, 0xc02f);
    u8(w, 0);
    ext = w->n;
    u16(w, 0);
    if (tls13) {
        u16(w, 43);
        u16(w, 2);
        u16(w, 0x0304);
    }
    patch(w, ext, 2);
    patch(w, h + 1, 3);
}

/* Wrap w[from, n) into records of at most max bytes each. */
static void
records(struct w *out, const struct w *in, unsigned type, size_t max)
{
    for (size_t o = 0; o < in->n; o += max) {
        size_t k = in->n - o < max ? in->n - o : max;

        u8(out, type);
        u16(out, 0x0303);
        u16(out, (unsigned)k);
        bytes(out, in->b + o, k);
    }
}

/* --- certificate ------------------------------------------------------------------------ */

static uint8_t cert_der[4096];
static size_t cert_len;

static void make_cert_cn_len(const char *cn, int len);

static void
make_cert_cn(const char *cn)
{
    make_cert_cn_len(cn, -1);
}

static void make_cert_names(X509_NAME *sn, X509_NAME *in);

/* A certificate for CN cn[0, len) (len -1: a string), subject "C=US, O=Example, CN=...". */
static void
make_cert_cn_len(const char *cn, int len)
{
    X509_NAME *sn = X509_NAME_new(), *in = X509_NAME_new();

    X509_NAME_add_entry_by_txt(sn, "C", MBSTRING_ASC, (const unsigned char *)"US", -1, -1, 0);
    X509_NAME_add_entry_by_txt(sn, "O", MBSTRING_ASC, (const unsigned char *)"Example", -1, -1, 0);
    X509_NAME_add_entry_by_txt(sn, "CN", MBSTRING_ASC, (const unsigned char *)cn, len, -1, 0);
    X509_NAME_add_entry_by_txt(in, "CN", MBSTRING_ASC, (const unsigned char *)"Test CA", -1, -1, 0);
    make_cert_names(sn, in);
    X509_NAME_free(sn);
    X509_NAME_free(in);
}

/* A certificate with subject sn and issuer in (borrowed). */
static void
make_cert_names(X509_NAME *sn, X509_NAME *in)
{
    EVP_PKEY *key = EVP_EC_gen("P-256");
    X509 *x = X509_new();
    BIGNUM *bn = NULL;
    unsigned char *p = cert_der;

    assert_non_null(key);
    assert_non_null(x);
    X509_set_version(x, 2);
    BN_hex2bn(&bn, "80AB01");
    BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(x));
    BN_free(bn);
    X509_set_subject_name(x, sn);
    X509_set_issuer_name(x, in);
    ASN1_TIME_set(X509_getm_notBefore(x), 1700000000);
    ASN1_TIME_set(X509_getm_notAfter(x), 1800000000);
    X509_set_pubkey(x, key);
    assert_true(X509_sign(x, key, EVP_sha256()) > 0);
    cert_len = (size_t)i2d_X509(x, NULL);
    assert_true(cert_len > 0 && cert_len < sizeof(cert_der));
    i2d_X509(x, &p);
    X509_free(x);
    EVP_PKEY_free(key);
}

static void
make_cert(void)
{
    make_cert_cn("www.example.org");
}

static void
certificate_msg(struct w *w)
{
    size_t h = w->n, list;

    u8(w, 11);
    u24(w, 0);
    list = w->n;
    u24(w, 0);
    u24(w, (unsigned)cert_len);
    bytes(w, cert_der, cert_len);
    patch(w, list, 3);
    patch(w, h + 1, 3);
}

/* --- fixture ---------------------------------------------------------------------------- */

static struct {
    struct sw_tls *t;
    struct sw_tls_stats st;
    unsigned events[SW_TLS_EVENT_MAX];
    char sni[300], subject[200], issuer[200], serial[64], fp[80], nb[24], na[24], ver[16];
    uint16_t version;
} g;

static void
on_event(void *ctx, enum sw_tls_event ev, const struct sw_tls_info *i)
{
    (void)ctx;
    g.events[ev]++;
    snprintf(g.sni, sizeof(g.sni), "%s", i->sni);
    snprintf(g.subject, sizeof(g.subject), "%s", i->subject);
    snprintf(g.issuer, sizeof(g.issuer), "%s", i->issuerdn);
    snprintf(g.serial, sizeof(g.serial), "%s", i->serial);
    snprintf(g.fp, sizeof(g.fp), "%s", i->fingerprint);
    snprintf(g.nb, sizeof(g.nb), "%s", i->notbefore);
    snprintf(g.na, sizeof(g.na), "%s", i->notafter);
    snprintf(g.ver, sizeof(g.ver), "%s", i->version_name);
    g.version = i->version;
}

static int
setup(void **state)
{
    struct sw_err err;

    (void)state;
    memset(&g, 0, sizeof(g));
    g.t = sw_tls_create(NULL, &g.st, on_event, NULL, &err);
    return g.t == NULL ? -1 : 0;
}

static int
teardown(void **state)
{
    (void)state;
    sw_alloc_fail_at(0);
    sw_tls_destroy(g.t);
    assert_int_equal(g.st.memuse, 0);
    return 0;
}

/* --- tests ------------------------------------------------------------------------------ */

static void
client_hello_gives_sni(void **state)
{
    struct w m = {.n = 0}, r = {.n = 0};

    (void)state;
    client_hello(&m, "www.example.org", 15);
    records(&r, &m, 22, 16384);
    sw_tls_feed(g.t, 0, r.b, r.n);
    assert_int_equal(g.events[SW_TLS_CLIENT_HELLO], 1);
    assert_string_equal(g.sni, "www.example.org");
    assert_int_equal(sw_tls_info(g.t)->sni_len, 15);
    assert_int_equal(sw_tls_info(g.t)->client_version, 0x0303);
    assert_int_equal(g.st.client_hellos, 1);
}

static void
hello_split_across_records_and_feeds(void **state)
{
    struct w m = {.n = 0}, r = {.n = 0};

    (void)state;
    client_hello(&m, "split.example", 13);
    records(&r, &m, 22, 7); /* a handshake message over many small records */
    for (size_t i = 0; i < r.n; i++)
        sw_tls_feed(g.t, 0, r.b + i, 1);
    assert_int_equal(g.events[SW_TLS_CLIENT_HELLO], 1);
    assert_string_equal(g.sni, "split.example");
}

static void
server_hello_and_certificate(void **state)
{
    struct w m = {.n = 0}, r = {.n = 0};
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned mdlen;
    char want[80];

    (void)state;
    make_cert();
    server_hello(&m, false);
    certificate_msg(&m);
    records(&r, &m, 22, 1000);
    sw_tls_feed(g.t, 1, r.b, r.n);
    assert_int_equal(g.events[SW_TLS_SERVER_HELLO], 1);
    assert_int_equal(g.events[SW_TLS_CERTIFICATE], 1);
    assert_string_equal(g.ver, "TLS 1.2");
    assert_string_equal(g.subject, "C=US, O=Example, CN=www.example.org");
    assert_string_equal(g.issuer, "CN=Test CA");
    assert_string_equal(g.serial, "00:80:AB:01"); /* the DER integer's leading zero kept */
    assert_string_equal(g.nb, "2023-11-14T22:13:20");
    assert_string_equal(g.na, "2027-01-15T08:00:00");
    EVP_Digest(cert_der, cert_len, md, &mdlen, EVP_sha1(), NULL);
    for (unsigned i = 0; i < mdlen; i++)
        snprintf(want + i * 3, 4, "%02x:", md[i]);
    want[mdlen * 3 - 1] = '\0';
    assert_string_equal(g.fp, want);
    assert_true(sw_tls_info(g.t)->cipher == 0xc02f);
}

/* Issue 12: a NUL inside a certificate name (suricata-verify's tls-subject-zero). The EVE
 * text shows it escaped, as before; rules match the name's bytes, the NUL a NUL, as in
 * Suricata's tls.cert_subject (was: the text, so content:"...|00|..." never matched). */
static void
name_with_a_nul_is_kept_raw_for_rules(void **state)
{
    static const char want[] = "C=US, O=Example, CN=evil\0.example.org";
    struct w m = {.n = 0}, r = {.n = 0};
    const struct sw_tls_info *i;

    (void)state;
    make_cert_cn_len("evil\0.example.org", 17);
    server_hello(&m, false);
    certificate_msg(&m);
    records(&r, &m, 22, 1000);
    sw_tls_feed(g.t, 1, r.b, r.n);
    assert_int_equal(g.events[SW_TLS_CERTIFICATE], 1);
    assert_string_equal(g.subject, "C=US, O=Example, CN=evil\\00.example.org");
    i = sw_tls_info(g.t);
    assert_int_equal(i->subject_raw_len, sizeof(want) - 1);
    assert_memory_equal(i->subject_raw, want, sizeof(want) - 1);
    assert_int_equal(i->issuer_raw_len, strlen("CN=Test CA"));
    assert_memory_equal(i->issuer_raw, "CN=Test CA", i->issuer_raw_len);
}

static void
tls13_version_from_supported_versions(void **state)
{
    struct w m = {.n = 0}, r = {.n = 0};

    (void)state;
    server_hello(&m, true);
    records(&r, &m, 22, 16384);
    sw_tls_feed(g.t, 1, r.b, r.n);
    assert_int_equal(g.version, 0x0304);
    assert_string_equal(g.ver, "TLS 1.3");
}

static void
change_cipher_spec_ends_the_direction(void **state)
{
    struct w m = {.n = 0}, r = {.n = 0}, c = {.n = 0};

    (void)state;
    make_cert();
    server_hello(&m, false);
    records(&r, &m, 22, 16384);
    u8(&r, 20); /* ChangeCipherSpec: what follows is encrypted */
    u16(&r, 0x0303);
    u16(&r, 1);
    u8(&r, 1);
    certificate_msg(&c);
    records(&r, &c, 22, 16384);
    sw_tls_feed(g.t, 1, r.b, r.n);
    assert_int_equal(g.events[SW_TLS_SERVER_HELLO], 1);
    assert_int_equal(g.events[SW_TLS_CERTIFICATE], 0);
}

/* A record of type with n bytes of body (their value does not matter: encrypted). */
static void
opaque_record(struct w *w, unsigned type, size_t n)
{
    u8(w, type);
    u16(w, 0x0303);
    u16(w, (unsigned)n);
    for (size_t i = 0; i < n; i++)
        u8(w, 0xa5);
}

/* A parser that tracks records up to the first application data (network.app.tls.
 * encryption_handling: track-only). */
static void
tracking(void)
{
    struct sw_tls_cfg c;
    struct sw_err err;

    sw_tls_destroy(g.t);
    sw_tls_cfg_defaults(&c);
    c.app_data = true;
    g.t = sw_tls_create(&c, &g.st, on_event, NULL, &err);
    assert_non_null(g.t);
}

static void
application_data_is_reported_once_at_its_header(void **state)
{
    struct w m = {.n = 0}, r = {.n = 0}, s = {.n = 0}, a = {.n = 0};

    (void)state;
    tracking();
    make_cert();
    client_hello(&m, "enc.example", 11);
    records(&r, &m, 22, 16384);
    opaque_record(&r, 20, 1);  /* ChangeCipherSpec */
    opaque_record(&r, 22, 40); /* Finished, encrypted: skipped, not parsed */
    sw_tls_feed(g.t, 0, r.b, r.n);
    m.n = 0;
    server_hello(&m, false);
    certificate_msg(&m);
    records(&s, &m, 22, 1000);
    opaque_record(&s, 20, 1);
    opaque_record(&s, 22, 40);
    sw_tls_feed(g.t, 1, s.b, s.n);
    assert_int_equal(g.events[SW_TLS_CLIENT_HELLO], 1);
    assert_int_equal(g.events[SW_TLS_CERTIFICATE], 1);
    assert_int_equal(g.events[SW_TLS_APP_DATA], 0);
    assert_false(sw_tls_done(g.t));
    opaque_record(&a, 23, 100);
    for (size_t i = 0; i < 4; i++) /* a header split across feeds */
        sw_tls_feed(g.t, 0, a.b + i, 1);
    assert_int_equal(g.events[SW_TLS_APP_DATA], 0);
    sw_tls_feed(g.t, 0, a.b + 4, 1);
    assert_int_equal(g.events[SW_TLS_APP_DATA], 1);
    assert_string_equal(g.sni, "enc.example"); /* the info still holds the handshake */
    /* both directions are over: the caller may stop feeding */
    assert_true(sw_tls_done(g.t));
    sw_tls_feed(g.t, 1, a.b, a.n);
    assert_int_equal(g.events[SW_TLS_APP_DATA], 1);
}

static void
application_data_of_the_server_counts_too(void **state)
{
    struct w m = {.n = 0}, r = {.n = 0};

    (void)state;
    tracking();
    server_hello(&m, true); /* TLS 1.3: encrypted records right after the ServerHello */
    records(&r, &m, 22, 16384);
    opaque_record(&r, 20, 1);
    opaque_record(&r, 23, 300);
    sw_tls_feed(g.t, 1, r.b, r.n);
    assert_int_equal(g.events[SW_TLS_SERVER_HELLO], 1);
    assert_int_equal(g.events[SW_TLS_APP_DATA], 1);
}

static void
early_data_before_the_server_hello_does_not_count(void **state)
{
    struct w m = {.n = 0}, r = {.n = 0}, s = {.n = 0}, a = {.n = 0};

    (void)state;
    tracking();
    client_hello_early(&m, "zero.example", 12, true);
    records(&r, &m, 22, 16384);
    opaque_record(&r, 20, 1);
    opaque_record(&r, 23, 64); /* 0-RTT data: Suricata does not end the handshake here */
    sw_tls_feed(g.t, 0, r.b, r.n);
    assert_int_equal(g.events[SW_TLS_APP_DATA], 0);
    m.n = 0;
    server_hello(&m, true);
    records(&s, &m, 22, 16384);
    sw_tls_feed(g.t, 1, s.b, s.n);
    assert_int_equal(g.events[SW_TLS_APP_DATA], 0);
    opaque_record(&a, 23, 64); /* after the ServerHello it does */
    sw_tls_feed(g.t, 0, a.b, a.n);
    assert_int_equal(g.events[SW_TLS_APP_DATA], 1);
}

static void
without_tracking_application_data_is_not_reported(void **state)
{
    struct w m = {.n = 0}, r = {.n = 0};

    (void)state;
    client_hello(&m, "plain.example", 13);
    records(&r, &m, 22, 16384);
    opaque_record(&r, 23, 64);
    sw_tls_feed(g.t, 0, r.b, r.n);
    assert_int_equal(g.events[SW_TLS_CLIENT_HELLO], 1);
    assert_int_equal(g.events[SW_TLS_APP_DATA], 0);
}

static void
plain_text_is_not_tls(void **state)
{
    static const char http[] = "GET / HTTP/1.1\r\nHost: x\r\n\r\n";

    (void)state;
    sw_tls_feed(g.t, 0, (const uint8_t *)http, sizeof(http) - 1);
    sw_tls_gap(g.t, 1);
    assert_int_equal(g.st.not_tls, 1);
    assert_true(sw_tls_done(g.t));
    assert_int_equal(g.events[SW_TLS_CLIENT_HELLO], 0);
}

static void
oversized_message_is_skipped_and_the_next_parsed(void **state)
{
    struct sw_tls_cfg c;
    struct sw_err err;
    struct w m = {.n = 0}, r = {.n = 0};

    (void)state;
    sw_tls_destroy(g.t);
    sw_tls_cfg_defaults(&c);
    c.max_handshake = 1024;
    g.t = sw_tls_create(&c, &g.st, on_event, NULL, &err);
    assert_non_null(g.t);
    u8(&m, 4); /* a 2000-byte NewSessionTicket-like message first */
    u24(&m, 2000);
    for (int i = 0; i < 2000; i++)
        u8(&m, 0xee);
    client_hello(&m, "after.example", 13);
    records(&r, &m, 22, 16384);
    sw_tls_feed(g.t, 0, r.b, r.n);
    assert_int_equal(g.st.too_large, 1);
    assert_string_equal(g.sni, "after.example");
}

static void
truncated_extensions_are_malformed(void **state)
{
    struct w m = {.n = 0}, r = {.n = 0};

    (void)state;
    client_hello(&m, "x.example", 9);
    m.b[m.n - 16] = 0x7f; /* the server_name extension's length now runs past the end */
    records(&r, &m, 22, 16384);
    sw_tls_feed(g.t, 0, r.b, r.n);
    assert_int_equal(g.events[SW_TLS_CLIENT_HELLO], 0);
    assert_int_equal(g.st.malformed, 1);
    assert_true(g.t != NULL);
}

static void
every_cut_of_a_hello_is_safe(void **state)
{
    struct w m = {.n = 0}, r = {.n = 0};

    (void)state;
    client_hello(&m, "cut.example", 11);
    records(&r, &m, 22, 16384);
    for (size_t n = 0; n < r.n; n++) {
        struct sw_err err;
        struct sw_tls *t = sw_tls_create(NULL, &g.st, on_event, NULL, &err);

        sw_tls_feed(t, 0, r.b, n);
        sw_tls_destroy(t);
    }
    assert_int_equal(g.events[SW_TLS_CLIENT_HELLO], 0);
}

static void
sni_bytes_are_escaped_for_eve_and_kept_raw(void **state)
{
    struct w m = {.n = 0}, r = {.n = 0};

    (void)state;
    client_hello(&m, "a\x01\xff.b", 5);
    records(&r, &m, 22, 16384);
    sw_tls_feed(g.t, 0, r.b, r.n);
    assert_string_equal(g.sni, "a\\x01\\xff.b");
    assert_int_equal(sw_tls_info(g.t)->sni_len, 5);
    assert_memory_equal(sw_tls_info(g.t)->sni_raw, "a\x01\xff.b", 5);
}

static void
names_are_cut_at_max_name(void **state)
{
    struct sw_tls_cfg c;
    struct sw_err err;
    struct w m = {.n = 0}, r = {.n = 0};

    char cn[61]; /* 20 + 60 bytes printed: over the 64 allowed (X.509 caps a CN at 64) */

    (void)state;
    memset(cn, 'a', 60);
    cn[60] = '\0';
    make_cert_cn(cn);
    sw_tls_destroy(g.t);
    sw_tls_cfg_defaults(&c);
    c.max_name = 64;
    assert_int_equal(sw_tls_cfg_check(&c, "network.app.tls.", &err), SW_OK);
    g.t = sw_tls_create(&c, &g.st, on_event, NULL, &err);
    certificate_msg(&m);
    records(&r, &m, 22, 16384);
    sw_tls_feed(g.t, 1, r.b, r.n);
    assert_string_equal(g.issuer, "CN=Test CA");
    assert_int_equal(strlen(g.subject), 64);
    assert_memory_equal(g.subject, "C=US, O=Example, CN=aaa", 23);
    assert_int_equal(g.st.names_cut, 1);
    c.max_name = 63;
    assert_int_equal(sw_tls_cfg_check(&c, "network.app.tls.", &err), SW_EINVAL);
    assert_string_equal(err.msg, "network.app.tls.max_name: 63 is outside 64..65536");
}

/* The parser prints the common names itself (app_tls.c's name_fast) and leaves the others to
 * OpenSSL: either way the text must be what X509_NAME_print_ex gives, escapes, string types,
 * attribute names, multi-valued RDNs and cuts included. */
static void
names_print_as_openssl_prints_them(void **state)
{
    static const char *const attrs[] = {
        "CN", "SN", "serialNumber", "C", "L", "ST", "street", "O", "OU", "title",
        "description", "businessCategory", "postalCode", "GN", "initials", "dnQualifier",
        "pseudonym", "organizationIdentifier", "emailAddress", "jurisdictionL",
        "jurisdictionST", "jurisdictionC", "DC", "UID", "1.2.3.4", "name",
    };
    static const struct {
        int type;
        const char *v;
        int len;
    } vals[] = {
        {V_ASN1_PRINTABLESTRING, "www.example.org", -1},
        {V_ASN1_UTF8STRING, " lead and trail ", -1},
        {V_ASN1_UTF8STRING, "#first # and not", -1},
        {V_ASN1_UTF8STRING, "#", -1},
        {V_ASN1_UTF8STRING, " ", -1},
        {V_ASN1_UTF8STRING, "", 0},
        {V_ASN1_UTF8STRING, "a,b+c\"d\\e<f>g;h=i#j k", -1},
        {V_ASN1_UTF8STRING, "ctl\001\037\177\000end", 10},
        {V_ASN1_UTF8STRING, "caf\303\251", -1},
        {V_ASN1_T61STRING, "caf\351 \377", -1},
        {V_ASN1_IA5STRING, "user@example.org ", -1},
        {V_ASN1_NUMERICSTRING, "0123 4", -1},
        {V_ASN1_BMPSTRING, "\0a\0b", 4},
        {V_ASN1_UNIVERSALSTRING, "\0\0\0a", 4},
    };
    char printable[96];

    (void)state;
    for (int c = 0x20; c < 0x7f; c++)
        printable[c - 0x20] = (char)c;
    printable[0x7f - 0x20] = '\0';
    for (size_t a = 0; a < sizeof(attrs) / sizeof(attrs[0]); a++) {
        for (size_t v = 0; v <= sizeof(vals) / sizeof(vals[0]) + 2; v++) {
            X509_NAME *nm = X509_NAME_new();
            struct w m = {.n = 0}, r = {.n = 0};
            char *want;
            BIO *b = BIO_new(BIO_s_mem());
            struct sw_err err;
            long n;

            X509_NAME_add_entry_by_txt(nm, "C", MBSTRING_ASC, (const unsigned char *)"US", -1, -1,
                                       0);
            if (v < sizeof(vals) / sizeof(vals[0]) &&
                X509_NAME_add_entry_by_txt(nm, attrs[a], vals[v].type,
                                           (const unsigned char *)vals[v].v, vals[v].len, -1,
                                           0) != 1)
                fail_msg("%s value %zu not made", attrs[a], v);
            else if (v == sizeof(vals) / sizeof(vals[0]))
                X509_NAME_add_entry_by_txt(nm, attrs[a], V_ASN1_UTF8STRING,
                                           (const unsigned char *)printable, -1, -1, 0);
            else if (v == sizeof(vals) / sizeof(vals[0]) + 1) /* a second value in the RDN */
                X509_NAME_add_entry_by_txt(nm, attrs[a], V_ASN1_UTF8STRING,
                                           (const unsigned char *)"mv", -1, -1, 1);
            else { /* long: over the parser's own buffer, and cut at max_name */
                char big[1400]; /* printed \\01 each: 4200 bytes */

                memset(big, 1, sizeof(big));
                X509_NAME_add_entry_by_txt(nm, attrs[a], V_ASN1_UTF8STRING,
                                           (const unsigned char *)big, (int)sizeof(big), -1, 0);
            }
            make_cert_names(nm, nm);
            X509_NAME_print_ex(b, nm, 0,
                               XN_FLAG_SEP_CPLUS_SPC | XN_FLAG_FN_SN | ASN1_STRFLGS_RFC2253);
            n = BIO_get_mem_data(b, &want);
            if (n > 1024)
                n = 1024;
            sw_tls_destroy(g.t);
            g.t = sw_tls_create(NULL, &g.st, on_event, NULL, &err);
            certificate_msg(&m);
            records(&r, &m, 22, 16384);
            sw_tls_feed(g.t, 1, r.b, r.n);
            if (strlen(sw_tls_info(g.t)->subject) != (size_t)n ||
                memcmp(sw_tls_info(g.t)->subject, want, (size_t)n) != 0)
                fail_msg("%s value %zu: parser \"%s\", OpenSSL \"%.*s\"", attrs[a], v,
                         sw_tls_info(g.t)->subject, (int)n, want);
            assert_string_equal(sw_tls_info(g.t)->subject, sw_tls_info(g.t)->issuerdn);
            BIO_free(b);
            X509_NAME_free(nm);
        }
    }
}

static void
allocation_failure_sweep(void **state)
{
    struct w m = {.n = 0}, r = {.n = 0}, s = {.n = 0};

    (void)state;
    make_cert();
    client_hello(&m, "sweep.example", 13);
    records(&r, &m, 22, 100);
    m.n = 0;
    server_hello(&m, false);
    certificate_msg(&m);
    records(&s, &m, 22, 100);
    for (unsigned long n = 1; n < 20; n++) {
        struct sw_err err;
        struct sw_tls *t;

        sw_alloc_fail_at(n);
        t = sw_tls_create(NULL, &g.st, on_event, NULL, &err);
        if (t != NULL) {
            sw_tls_feed(t, 0, r.b, r.n);
            sw_tls_feed(t, 1, s.b, s.n);
        }
        sw_alloc_fail_at(0);
        sw_tls_destroy(t);
    }
}

int
main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
    const struct CMUnitTest tests[] = {
        T(client_hello_gives_sni),
        T(hello_split_across_records_and_feeds),
        T(server_hello_and_certificate),
        T(name_with_a_nul_is_kept_raw_for_rules),
        T(tls13_version_from_supported_versions),
        T(change_cipher_spec_ends_the_direction),
        T(application_data_is_reported_once_at_its_header),
        T(application_data_of_the_server_counts_too),
        T(early_data_before_the_server_hello_does_not_count),
        T(without_tracking_application_data_is_not_reported),
        T(plain_text_is_not_tls),
        T(oversized_message_is_skipped_and_the_next_parsed),
        T(truncated_extensions_are_malformed),
        T(every_cut_of_a_hello_is_safe),
        T(sni_bytes_are_escaped_for_eve_and_kept_raw),
        T(names_are_cut_at_max_name),
        T(names_print_as_openssl_prints_them),
        T(allocation_failure_sweep),
    };
#undef T
    return cmocka_run_group_tests(tests, NULL, NULL);
}
