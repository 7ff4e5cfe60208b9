/* app_http_hdr.c - HTTP/1.x header parsing (see include/sw/app_http_hdr.h).
 *
 * The reference for what is accepted is what browsers accept, as HTTP Evader measured it,
 * and Suricata's libhtp, which follows them: seawall must see the body a browser would
 * download. Where that differs from RFC 9112 the deviation is recorded as an anomaly. */
#include "sw/app_http_hdr.h"
#include "sw/parse.h"

#include <string.h>

#define METHOD_MAX 24u

static const struct {
    const char *req, *resp;
} an_names[SW_HTTP_AN_COUNT] = {
    [SW_HTTP_AN_CL_INVALID] = {"INVALID_CONTENT_LENGTH_FIELD_IN_REQUEST",
                               "INVALID_CONTENT_LENGTH_FIELD_IN_RESPONSE"},
    [SW_HTTP_AN_CL_DUPLICATE] = {"DUPLICATE_CONTENT_LENGTH_FIELD_IN_REQUEST",
                                 "DUPLICATE_CONTENT_LENGTH_FIELD_IN_RESPONSE"},
    [SW_HTTP_AN_TE_ABNORMAL] = {"INVALID_TRANSFER_ENCODING_VALUE_IN_REQUEST",
                                "RESPONSE_ABNORMAL_TRANSFER_ENCODING"},
    [SW_HTTP_AN_TE_OLD_PROTO] = {"REQUEST_CHUNKED_OLD_PROTO", "RESPONSE_CHUNKED_OLD_PROTO"},
    [SW_HTTP_AN_TE_WITH_CL] = {"REQUEST_CHUNKED_WITH_CONTENT_LENGTH",
                               "RESPONSE_CHUNKED_WITH_CONTENT_LENGTH"},
    [SW_HTTP_AN_CHUNK_LEN_INVALID] = {"INVALID_REQUEST_CHUNK_LEN", "INVALID_RESPONSE_CHUNK_LEN"},
    [SW_HTTP_AN_FOLDING] = {"INVALID_REQUEST_FIELD_FOLDING", "INVALID_RESPONSE_FIELD_FOLDING"},
    [SW_HTTP_AN_MISSING_COLON] = {"REQUEST_FIELD_MISSING_COLON", "RESPONSE_FIELD_MISSING_COLON"},
    [SW_HTTP_AN_HEADER_INVALID] = {"REQUEST_HEADER_INVALID", "RESPONSE_HEADER_INVALID"},
    [SW_HTTP_AN_LINE_TERMINATOR] = {"REQUEST_LINE_TERMINATOR_INVALID",
                                    "RESPONSE_LINE_TERMINATOR_INVALID"},
    [SW_HTTP_AN_HEADER_REPETITION] = {"REQUEST_HEADER_REPETITION", "RESPONSE_HEADER_REPETITION"},
    [SW_HTTP_AN_INVALID_PROTOCOL] = {"REQUEST_INVALID_PROTOCOL", "RESPONSE_INVALID_PROTOCOL"},
    [SW_HTTP_AN_INVALID_STATUS] = {"RESPONSE_INVALID_STATUS", "RESPONSE_INVALID_STATUS"},
    [SW_HTTP_AN_LINE_INVALID] = {"REQUEST_LINE_INVALID", "RESPONSE_LINE_INVALID"},
    [SW_HTTP_AN_BODY_UNEXPECTED] = {"REQUEST_BODY_UNEXPECTED", "RESPONSE_BODY_UNEXPECTED"},
    [SW_HTTP_AN_CE_ABNORMAL] = {"ABNORMAL_CE_HEADER", "ABNORMAL_CE_HEADER"},
    [SW_HTTP_AN_TOO_MANY_LAYERS] = {"TOO_MANY_ENCODING_LAYERS", "TOO_MANY_ENCODING_LAYERS"},
    [SW_HTTP_AN_GZIP_FAILED] = {"GZIP_DECOMPRESSION_FAILED", "GZIP_DECOMPRESSION_FAILED"},
    [SW_HTTP_AN_BROTLI_FAILED] = {"BROTLI_DECOMPRESSION_FAILED", "BROTLI_DECOMPRESSION_FAILED"},
    [SW_HTTP_AN_COMPRESSION_BOMB] = {"COMPRESSION_BOMB", "COMPRESSION_BOMB"},
    [SW_HTTP_AN_GZIP_HEADER] = {"GZIP_HEADER_INVALID", "GZIP_HEADER_INVALID"},
    [SW_HTTP_AN_GZIP_TRAILER] = {"GZIP_TRAILER_INVALID", "GZIP_TRAILER_INVALID"},
};

const char *
sw_http_anomaly_name(enum sw_http_anomaly a, int dir)
{
    if ((unsigned)a >= SW_HTTP_AN_COUNT)
        return "";
    return dir == 0 ? an_names[a].req : an_names[a].resp;
}

const char *
sw_http_anomaly_first(uint32_t mask, int dir)
{
    for (int a = 0; a < SW_HTTP_AN_COUNT; a++) {
        if (mask & (1u << a))
            return sw_http_anomaly_name((enum sw_http_anomaly)a, dir);
    }
    return "";
}

const char *
sw_http_coding_name(unsigned coding)
{
    switch (coding) {
    case SW_HTTP_CODING_GZIP:
        return "gzip";
    case SW_HTTP_CODING_DEFLATE:
        return "deflate";
    case SW_HTTP_CODING_BR:
        return "br";
    default:
        return "";
    }
}

/* --- bytes ---------------------------------------------------------------------------------- */

static int
lower(int c)
{
    return c >= 'A' && c <= 'Z' ? c + 32 : c;
}

static bool
lws(uint8_t c)
{
    return c == ' ' || c == '\t';
}

/* libhtp's white space: what it skips around protocol, status and names. */
static bool
space(uint8_t c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' || c == '\f';
}

/* Bytes a browser drops from a token it compares (libhtp compares ignoring NUL). */
static bool
ctl(uint8_t c)
{
    return c < 0x20 || c == 0x7f;
}

/* s[0, n) equals lit (lower case) ignoring case. */
static bool
ieq(const uint8_t *s, size_t n, const char *lit)
{
    size_t i;

    for (i = 0; i < n && lit[i] != '\0'; i++) {
        if (lower(s[i]) != lit[i])
            return false;
    }
    return i == n && lit[i] == '\0';
}

/* s[0, n) equals lit ignoring case and control bytes; *junk set when some were dropped. */
static bool
ieq_loose(const uint8_t *s, size_t n, const char *lit, bool *junk)
{
    size_t i, j = 0;
    bool dropped = false;

    for (i = 0; i < n; i++) {
        if (ctl(s[i])) {
            dropped = true;
            continue;
        }
        if (lit[j] == '\0' || lower(s[i]) != lit[j])
            return false;
        j++;
    }
    if (lit[j] != '\0')
        return false;
    *junk = dropped;
    return true;
}

/* Does s[0, n) contain lit (lower case) ignoring case and NUL bytes (libhtp's "norzero")? */
static bool
contains_loose(const uint8_t *s, size_t n, const char *lit)
{
    size_t m = strlen(lit);

    for (size_t i = 0; i < n; i++) {
        size_t j = 0, k = i;

        while (k < n && j < m) {
            if (s[k] == '\0') {
                k++;
                continue;
            }
            if (lower(s[k]) != lit[j])
                break;
            j++;
            k++;
        }
        if (j == m)
            return true;
    }
    return false;
}

bool
sw_http_hdr_blank(const uint8_t *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (!space(s[i]) && s[i] != '\0')
            return false;
    }
    return true;
}

/* --- lines ---------------------------------------------------------------------------------- */

enum sw_http_eol
sw_http_hdr_eol(const uint8_t *p, size_t n, bool eof, size_t *content, size_t *used, int *term)
{
    *term = SW_HTTP_TERM_LF;
    *content = *used = 0;
    /* blank lines first: CR LF, LF, or SP/HT then LF when no LF follows */
    if (n >= 1 && p[0] == '\n') {
        *content = 0;
        *used = 1;
        return SW_HTTP_EOL_BLANK;
    }
    if (n >= 2 && p[0] == '\r' && p[1] == '\n') {
        *content = 0;
        *used = 2;
        return SW_HTTP_EOL_BLANK;
    }
    if (n >= 2 && lws(p[0]) && p[1] == '\n') {
        if (n == 2 && !eof)
            return SW_HTTP_EOL_MORE;
        if (n == 2 || p[2] != '\n') {
            *content = 0;
            *used = 2;
            *term = SW_HTTP_TERM_ODD;
            return SW_HTTP_EOL_BLANK;
        }
    }
    for (size_t i = 0; i < n; i++) {
        if (p[i] == '\n') {
            *content = i;
            *used = i + 1;
            /* LF CR ends the line when the CR does not start a CR LF */
            if (i + 1 < n && p[i + 1] == '\r') {
                if (i + 2 >= n) {
                    if (!eof)
                        return SW_HTTP_EOL_MORE;
                } else if (p[i + 2] != '\n') {
                    *used = i + 2;
                    *term = SW_HTTP_TERM_LFCR;
                }
            } else if (i + 1 >= n && !eof) {
                return SW_HTTP_EOL_MORE;
            }
            break;
        }
        if (p[i] != '\r')
            continue;
        if (i + 1 >= n) {
            if (!eof)
                return SW_HTTP_EOL_MORE;
            *content = i;
            *used = i + 1;
            *term = SW_HTTP_TERM_ODD;
            break;
        }
        if (p[i + 1] == '\n') {
            *content = i;
            *used = i + 2;
            break;
        }
        if (p[i + 1] == '\r' || i == 0)
            continue; /* CR CR, or a CR that starts the line: part of the line (libhtp) */
        *content = i;
        *used = i + 1;
        *term = SW_HTTP_TERM_ODD;
        break;
    }
    if (*used == 0 || *used > n)
        return SW_HTTP_EOL_MORE;
    /* a line of CRs is ignored (libhtp: "CRCRLF is not an empty line") */
    for (size_t i = 0; i < *content; i++) {
        if (p[i] != '\r')
            return SW_HTTP_EOL_LINE;
    }
    return *content == 0 ? SW_HTTP_EOL_BLANK : SW_HTTP_EOL_SKIP;
}

bool
sw_http_hdr_status_like(const uint8_t *s, size_t n, bool partial)
{
    static const char http[] = "http";
    size_t i = 0, j;

    while (i < n && (space(s[i]) || s[i] == '\0'))
        i++;
    for (j = 0; j < 4; j++) {
        if (i + j >= n)
            return partial;
        if (lower(s[i + j]) != http[j])
            return false;
    }
    return true;
}

static bool
method_char(uint8_t c)
{
    return (c >= 'A' && c <= 'Z') || c == '-' || c == '_';
}

static bool request_line(struct sw_http_head *h, const uint8_t *buf, uint32_t off, uint32_t n);

bool
sw_http_hdr_start_like(int dir, const uint8_t *s, size_t n, bool partial)
{
    struct sw_http_head tmp;
    size_t i;

    if (partial && sw_http_hdr_blank(s, n))
        return true;
    if (dir == 1)
        return sw_http_hdr_status_like(s, n, partial);
    if (!partial) {
        sw_http_head_init(&tmp, 0, NULL);
        return request_line(&tmp, s, 0, (uint32_t)n);
    }
    for (i = 0; i < n && method_char(s[i]); i++)
        ;
    if (i > METHOD_MAX)
        return false;
    return i == n || (s[i] == ' ' && i > 0);
}

bool
sw_http_hdr_chunk_size(const uint8_t *s, size_t n, uint64_t *size, bool *junk, bool *blank)
{
    size_t i = 0;
    uint64_t v = 0;

    *junk = *blank = false;
    while (i < n && (space(s[i])))
        i++;
    if (i == n) {
        *blank = true;
        return false;
    }
    if (sw_parse_hexdigit(s[i]) < 0)
        return false;
    for (; i < n && sw_parse_hexdigit(s[i]) >= 0; i++) {
        if (v > (UINT64_MAX >> 4))
            return false; /* more than 64 bits of size */
        v = (v << 4) | (uint64_t)sw_parse_hexdigit(s[i]);
    }
    while (i < n && lws(s[i]))
        i++;
    if (i < n && s[i] != ';') {
        /* "f,", "fx", "f\0", "f\v": browsers and libhtp read the digits, ignore the rest */
        while (i < n && (s[i] == '\r' || lws(s[i])))
            i++;
        *junk = i < n;
    }
    *size = v;
    return true;
}

/* --- start lines ---------------------------------------------------------------------------- */

static bool
is_version(const uint8_t *s, size_t n)
{
    return n == 8 && memcmp(s, "HTTP/1.", 7) == 0 && s[7] >= '0' && s[7] <= '9';
}

static void
mark(struct sw_http_head *h, enum sw_http_anomaly a)
{
    h->anomalies |= 1u << a;
}

static bool
request_line(struct sw_http_head *h, const uint8_t *buf, uint32_t off, uint32_t n)
{
    const uint8_t *s = buf + off;
    size_t i = 0, me, us, ue;

    while (i < n && method_char(s[i]))
        i++;
    me = i;
    if (me == 0 || me > METHOD_MAX || i >= n || s[i] != ' ')
        return false;
    us = ++i;
    while (i < n && s[i] > 0x20 && s[i] != 0x7f)
        i++;
    ue = i;
    if (ue == us || i >= n || s[i] != ' ' || !is_version(s + i + 1, n - i - 1))
        return false;
    h->version = s[i + 8] == '1' ? 11 : s[i + 8] == '0' ? 10 : 0;
    h->method = (struct sw_http_span){off, (uint32_t)me};
    h->uri = (struct sw_http_span){off + (uint32_t)us, (uint32_t)(ue - us)};
    h->proto = (struct sw_http_span){off + (uint32_t)i + 1, 8};
    return true;
}

/* Status lines as libhtp reads them: white space and NULs skipped, a protocol token that
 * starts with "HTTP" (any case), white space, a status token, the rest ignored. */
static bool
status_line(struct sw_http_head *h, const uint8_t *buf, uint32_t off, size_t n)
{
    const uint8_t *s = buf + off;
    size_t i = 0, ps, pe, ss, se;
    uint64_t v = 0;

    if (!sw_http_hdr_status_like(s, n, false))
        return false;
    while (i < n && (space(s[i]) || s[i] == '\0'))
        i++;
    ps = i;
    while (i < n && !space(s[i]))
        i++;
    pe = i;
    if (ps != 0 || !(pe - ps == 8 && memcmp(s + ps, "HTTP/1.", 7) == 0 &&
                     (s[ps + 7] == '0' || s[ps + 7] == '1')))
        mark(h, SW_HTTP_AN_INVALID_PROTOCOL);
    else
        h->version = s[ps + 7] == '1' ? 11 : 10;
    while (i < n && space(s[i]))
        i++;
    ss = i;
    while (i < n && !space(s[i]))
        i++;
    se = i;
    h->status = 0;
    if (se > ss && se - ss <= 9) {
        size_t k;

        for (k = ss; k < se && s[k] >= '0' && s[k] <= '9'; k++)
            v = v * 10 + (uint64_t)(s[k] - '0');
        if (k == se && v >= 100 && v <= 999)
            h->status = (unsigned)v;
    }
    if (h->status == 0 || se - ss != 3 || (ss > 0 && s[ss - 1] != ' ') ||
        (ss >= 2 && space(s[ss - 2])))
        mark(h, SW_HTTP_AN_INVALID_STATUS);
    h->proto = (struct sw_http_span){off + (uint32_t)ps, (uint32_t)(pe - ps)};
    h->stat = (struct sw_http_span){off + (uint32_t)ss, (uint32_t)(se - ss)};
    while (i < n && space(s[i]))
        i++;
    h->stat_msg = (struct sw_http_span){off + (uint32_t)i, (uint32_t)(n - i)};
    return true;
}

void
sw_http_head_init(struct sw_http_head *h, int dir, struct sw_http_field *fields)
{
    memset(h, 0, sizeof(*h));
    h->dir = dir;
    h->fields = fields;
}

bool
sw_http_head_start(struct sw_http_head *h, const uint8_t *buf, uint32_t off, uint32_t len)
{
    h->line = (struct sw_http_span){off, len};
    if (h->dir == 0)
        return request_line(h, buf, off, len);
    return status_line(h, buf, off, len);
}

/* --- header fields -------------------------------------------------------------------------- */

/* Record the numbers of one Content-Length value the way libhtp reads it: junk before the
 * digits is skipped, the first run of digits is the value, anything after it is ignored. */
static void
content_length(struct sw_http_head *h, const uint8_t *v, size_t n)
{
    size_t i = 0;
    bool first = true, junk = false, any = false;

    h->cl_header = true;
    while (i < n) {
        uint64_t x = 0;
        bool ovf = false;
        unsigned k;

        if (v[i] < '0' || v[i] > '9') {
            junk = junk || !lws(v[i]);
            i++;
            continue;
        }
        for (; i < n && v[i] >= '0' && v[i] <= '9'; i++) {
            if (__builtin_mul_overflow(x, 10, &x) ||
                __builtin_add_overflow(x, (uint64_t)(v[i] - '0'), &x))
                ovf = true;
        }
        if (ovf) {
            junk = true;
            continue;
        }
        any = true;
        if (first) {
            if (!h->cl_valid) {
                h->cl = x;
                h->cl_valid = true;
            } else if (x != h->cl) {
                mark(h, SW_HTTP_AN_CL_DUPLICATE);
            }
            first = false;
        } else {
            junk = true; /* a second number in one value */
        }
        for (k = 0; k < h->n_lengths && h->lengths[k] != x; k++)
            ;
        if (k == h->n_lengths && h->n_lengths < SW_HTTP_MAX_LENGTHS)
            h->lengths[h->n_lengths++] = x;
    }
    if (junk || !any)
        mark(h, SW_HTTP_AN_CL_INVALID);
}

static void
transfer_encoding(struct sw_http_head *h, const uint8_t *v, size_t n)
{
    h->te = true;
    if (++h->n_te > 1)
        mark(h, SW_HTTP_AN_HEADER_REPETITION);
    if (contains_loose(v, n, "chunked"))
        h->chunked = true;
    if (!ieq(v, n, "chunked"))
        mark(h, SW_HTTP_AN_TE_ABNORMAL);
}

/* One Content-Encoding token t[0, n): classified the way libhtp does (a token containing
 * "gzip" is gzip, one containing "deflate" is deflate; control bytes are dropped). */
static void
coding_token(struct sw_http_head *h, const uint8_t *t, size_t n)
{
    uint8_t norm[32];
    size_t m = 0;
    unsigned c = 0;
    bool clean = true;

    for (size_t i = 0; i < n; i++) {
        if (ctl(t[i]) || t[i] >= 0x80) {
            clean = false;
            continue;
        }
        if (m < sizeof(norm))
            norm[m++] = (uint8_t)lower(t[i]);
    }
    if (m == 0 && clean)
        return;
    if (contains_loose(norm, m, "gzip")) {
        c = SW_HTTP_CODING_GZIP;
        clean = clean && (ieq(norm, m, "gzip") || ieq(norm, m, "x-gzip"));
    } else if (contains_loose(norm, m, "deflate")) {
        c = SW_HTTP_CODING_DEFLATE;
        clean = clean && (ieq(norm, m, "deflate") || ieq(norm, m, "x-deflate"));
    } else if (ieq(norm, m, "br")) {
        c = SW_HTTP_CODING_BR;
    } else if (!(ieq(norm, m, "identity") && clean)) {
        clean = false; /* unknown (compress, lzma, junk): delivered as it came */
    }
    if (!clean)
        mark(h, SW_HTTP_AN_CE_ABNORMAL);
    if (c == 0)
        return;
    if (h->n_coding >= SW_HTTP_MAX_CODINGS) {
        mark(h, SW_HTTP_AN_TOO_MANY_LAYERS);
        return;
    }
    h->coding[h->n_coding++] = (uint8_t)c;
}

static void
content_encoding(struct sw_http_head *h, const uint8_t *v, size_t n)
{
    size_t i = 0;

    if (++h->n_ce > 1)
        mark(h, SW_HTTP_AN_HEADER_REPETITION);
    while (i < n) {
        size_t s;

        while (i < n && (v[i] == ',' || lws(v[i])))
            i++;
        s = i;
        while (i < n && v[i] != ',' && !lws(v[i]))
            i++;
        if (i > s)
            coding_token(h, v + s, i - s);
    }
}

static const struct {
    const char *name;
    int id; /* enum sw_http_hdr_id, or -1 .. -3 for the framing headers */
} known[] = {
    {"host", SW_HTTP_H_HOST},
    {"user-agent", SW_HTTP_H_UA},
    {"content-type", SW_HTTP_H_CTYPE},
    {"content-encoding", SW_HTTP_H_CENC},
    {"content-disposition", SW_HTTP_H_CDISP},
    {"content-length", -1},
    {"transfer-encoding", -2},
};

/* The logical header line buf[off, off + n) (folded lines already joined). */
static void
field(struct sw_http_head *h, const uint8_t *buf, uint32_t off, uint32_t n)
{
    const uint8_t *s = buf + off;
    const uint8_t *colon = memchr(s, ':', n);
    size_t c, ne, vs, ve;

    if (colon == NULL) {
        mark(h, SW_HTTP_AN_MISSING_COLON);
        return;
    }
    c = (size_t)(colon - s);
    ne = c;
    while (ne > 0 && (space(s[ne - 1]) || s[ne - 1] == '\0'))
        ne--;
    if (ne != c || ne == 0)
        mark(h, SW_HTTP_AN_HEADER_INVALID);
    vs = c + 1;
    ve = n;
    while (vs < ve && lws(s[vs]))
        vs++;
    while (ve > vs && lws(s[ve - 1]))
        ve--;
    if (h->fields != NULL && h->n_fields < SW_HTTP_MAX_FIELDS)
        h->fields[h->n_fields++] = (struct sw_http_field){
            .name = {off, (uint32_t)ne}, .value = {off + (uint32_t)vs, (uint32_t)(ve - vs)}};
    else if (h->fields != NULL)
        h->fields_cut++;
    for (size_t k = 0; k < sizeof(known) / sizeof(known[0]); k++) {
        bool junk = false;

        if (!ieq_loose(s, ne, known[k].name, &junk))
            continue;
        if (junk)
            mark(h, SW_HTTP_AN_HEADER_INVALID);
        if (known[k].id == -1) {
            content_length(h, s + vs, ve - vs);
        } else if (known[k].id == -2) {
            transfer_encoding(h, s + vs, ve - vs);
        } else {
            if (known[k].id == SW_HTTP_H_CENC)
                content_encoding(h, s + vs, ve - vs);
            if (h->hdr[known[k].id].len == 0)
                h->hdr[known[k].id] =
                    (struct sw_http_span){off + (uint32_t)vs, (uint32_t)(ve - vs)};
        }
        return;
    }
}

static bool
has_colon(const uint8_t *s, size_t n)
{
    return memchr(s, ':', n) != NULL;
}

uint32_t
sw_http_head_line(struct sw_http_head *h, uint8_t *buf, uint32_t off, uint32_t len)
{
    const uint8_t *s = buf + off;
    bool folded = len > 0 && (lws(s[0]) || s[0] == '\0');

    if (folded && h->pend) {
        size_t t = 0;

        while (t < len && (lws(s[t]) || s[t] == '\0'))
            t++;
        if (has_colon(buf + h->pend_off, h->pend_len) && has_colon(s + t, len - t)) {
            /* libhtp: a folded line with a colon after a header with one is a new header
             * (browsers join it): read both ways (the caller reads the body ambiguously) */
            mark(h, SW_HTTP_AN_FOLDING);
            field(h, buf, h->pend_off, h->pend_len);
            memmove(buf + h->pend_off + h->pend_len, s + t, len - t);
            h->pend_off += h->pend_len;
            h->pend_len = (uint32_t)(len - t);
            return h->pend_off + h->pend_len;
        }
        /* obsolete line folding: joined to the header it continues, as a space */
        mark(h, SW_HTTP_AN_FOLDING);
        buf[h->pend_off + h->pend_len] = ' ';
        memmove(buf + h->pend_off + h->pend_len + 1, s + t, len - t);
        h->pend_len += 1 + (uint32_t)(len - t);
        return h->pend_off + h->pend_len;
    }
    if (h->pend)
        field(h, buf, h->pend_off, h->pend_len);
    if (folded) {
        /* nothing to continue (the first header): read as a header (libhtp) */
        mark(h, SW_HTTP_AN_FOLDING);
        while (len > 0 && (lws(buf[off]) || buf[off] == '\0')) {
            off++;
            len--;
        }
    }
    h->pend = true;
    h->pend_off = off;
    h->pend_len = len;
    return off + len;
}

void
sw_http_head_end(struct sw_http_head *h, const uint8_t *buf)
{
    if (h->pend)
        field(h, buf, h->pend_off, h->pend_len);
    h->pend = false;
    if (h->chunked && h->cl_header)
        mark(h, SW_HTTP_AN_TE_WITH_CL);
    if (h->chunked && h->version != 11)
        mark(h, SW_HTTP_AN_TE_OLD_PROTO);
}

/* --- file names ----------------------------------------------------------------------------- */

char *
sw_http_hdr_copy(char *out, const uint8_t *s, size_t n, bool pct)
{
    size_t i, o = 0;

    for (i = 0; i < n; i++) {
        uint8_t c = s[i];

        if (pct && c == '%' && i + 2 < n && sw_parse_hexdigit(s[i + 1]) >= 0 &&
            sw_parse_hexdigit(s[i + 2]) >= 0) {
            c = (uint8_t)(sw_parse_hexdigit(s[i + 1]) * 16 + sw_parse_hexdigit(s[i + 2]));
            i += 2;
        }
        if (c == '\0')
            break;
        out[o++] = (char)c;
    }
    out[o] = '\0';
    return out;
}

/* Remove any directory part of a NUL-terminated file name, in place. */
static void
strip_dirs(char *s)
{
    char *last = s;

    for (char *p = s; *p != '\0'; p++) {
        if (*p == '/' || *p == '\\')
            last = p + 1;
    }
    if (last != s)
        memmove(s, last, strlen(last) + 1);
}

/* Content-Disposition: find filename*= (preferred, RFC 8187 charset'lang'value) or
 * filename= (token or quoted string) in v[0, n). Writes the name to out (n + 1 bytes). */
static void
disposition_raw(const uint8_t *v, size_t n, char *out)
{
    size_t i = 0;
    bool have = false;

    out[0] = '\0';
    while (i < n) {
        size_t ns, ne, vs, ve;
        bool star;

        while (i < n && v[i] != ';')
            i++;
        if (i >= n)
            break;
        i++;
        while (i < n && lws(v[i]))
            i++;
        ns = i;
        while (i < n && v[i] != '=' && v[i] != ';' && !lws(v[i]))
            i++;
        ne = i;
        while (i < n && lws(v[i]))
            i++;
        if (i >= n || v[i] != '=')
            continue;
        i++;
        while (i < n && lws(v[i]))
            i++;
        star = ieq(v + ns, ne - ns, "filename*");
        if (!star && !ieq(v + ns, ne - ns, "filename"))
            continue;
        if (i < n && v[i] == '"') {
            size_t o = 0;

            for (i++; i < n && v[i] != '"'; i++) {
                if (v[i] == '\\' && i + 1 < n)
                    i++;
                if (v[i] == '\0')
                    break;
                if (!have && !star)
                    out[o++] = (char)v[i];
            }
            if (!have && !star) {
                out[o] = '\0';
                have = out[0] != '\0';
            }
            continue;
        }
        vs = i;
        while (i < n && v[i] != ';')
            i++;
        ve = i;
        while (ve > vs && lws(v[ve - 1]))
            ve--;
        if (star) {
            /* charset'language'value: keep the value */
            size_t q = vs, quotes = 0;

            while (q < ve && quotes < 2) {
                if (v[q++] == '\'')
                    quotes++;
            }
            if (quotes == 2) {
                sw_http_hdr_copy(out, v + q, ve - q, true);
                if (out[0] != '\0')
                    return; /* filename* wins */
            }
        } else if (!have) {
            sw_http_hdr_copy(out, v + vs, ve - vs, false);
            have = out[0] != '\0';
        }
    }
}

void
sw_http_hdr_disposition_name(const uint8_t *v, size_t n, char *out)
{
    disposition_raw(v, n, out);
    strip_dirs(out);
}

/* The last path segment of a request target, without query or fragment, percent-decoded. */
void
sw_http_hdr_uri_name(const uint8_t *u, size_t n, char *out)
{
    size_t i = 0, start, end;

    /* absolute-form: skip scheme://authority */
    while (i < n && ((u[i] >= 'a' && u[i] <= 'z') || (u[i] >= 'A' && u[i] <= 'Z') ||
                     (u[i] >= '0' && u[i] <= '9') || u[i] == '+' || u[i] == '-' || u[i] == '.'))
        i++;
    if (i > 0 && n - i >= 3 && memcmp(u + i, "://", 3) == 0) {
        i += 3;
        while (i < n && u[i] != '/' && u[i] != '?' && u[i] != '#')
            i++;
    } else {
        i = 0;
    }
    start = i;
    for (end = i; end < n && u[end] != '?' && u[end] != '#'; end++) {
        if (u[end] == '/')
            start = end + 1;
    }
    sw_http_hdr_copy(out, u + start, end - start, true);
    strip_dirs(out);
}
