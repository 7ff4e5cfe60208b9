/* app_http_hdr.h - HTTP/1.x header parsing for the HTTP parser (collectors/net/app_http.c):
 * where a line ends, start lines, header fields, and what a header block says about the
 * framing and content codings of its message.
 *
 * Lenient the way browsers and Suricata's libhtp are, because evasion tools send what they
 * accept: a lone CR or an LF CR ends a line, folded values are joined, a Content-Length with
 * junk around its digits is read, a Transfer-Encoding that contains "chunked" is chunked,
 * Content-Encoding tokens with junk in them are recognised. Every such deviation from
 * RFC 9112 is recorded as an anomaly (enum sw_http_anomaly), so that the caller can report it
 * and read the body the other plausible ways too.
 *
 * Pure functions over caller memory: no allocation, no global state; any thread. */
#ifndef SW_APP_HTTP_HDR_H
#define SW_APP_HTTP_HDR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Malformations of HTTP messages, named after Suricata's HTTP anomaly events (EVE
 * anomaly.event with type "applayer"); sw_http_anomaly_name() gives the name for a
 * direction. */
enum sw_http_anomaly {
    SW_HTTP_AN_CL_INVALID,        /* Content-Length without digits, or junk around them */
    SW_HTTP_AN_CL_DUPLICATE,      /* Content-Length headers with different values */
    SW_HTTP_AN_TE_ABNORMAL,       /* Transfer-Encoding other than exactly "chunked" */
    SW_HTTP_AN_TE_OLD_PROTO,      /* chunked in a message that is not HTTP/1.1 */
    SW_HTTP_AN_TE_WITH_CL,        /* chunked and a Content-Length (smuggling) */
    SW_HTTP_AN_CHUNK_LEN_INVALID, /* chunk size line with junk, or no size at all */
    SW_HTTP_AN_FOLDING,           /* folded header line (obsolete line folding, RFC 9112) */
    SW_HTTP_AN_MISSING_COLON,     /* header line without ':' */
    SW_HTTP_AN_HEADER_INVALID,    /* header name with control bytes or space before ':' */
    SW_HTTP_AN_LINE_TERMINATOR,   /* a line ended by a lone CR or by LF CR */
    SW_HTTP_AN_HEADER_REPETITION, /* Transfer-Encoding or Content-Encoding more than once */
    SW_HTTP_AN_INVALID_PROTOCOL,  /* status line whose version is not HTTP/1.0 or 1.1 */
    SW_HTTP_AN_INVALID_STATUS,    /* status code missing or outside 100..999 */
    SW_HTTP_AN_LINE_INVALID,      /* a line where a status line was due (skipped, HTTP/0.9) */
    SW_HTTP_AN_BODY_UNEXPECTED,   /* bytes after a message where the next one was due */
    SW_HTTP_AN_CE_ABNORMAL,       /* Content-Encoding token not exactly a known coding */
    SW_HTTP_AN_TOO_MANY_LAYERS,   /* more content codings than are decoded */
    SW_HTTP_AN_GZIP_FAILED,       /* a gzip or deflate body did not decode */
    SW_HTTP_AN_BROTLI_FAILED,     /* a br body did not decode */
    SW_HTTP_AN_COMPRESSION_BOMB,  /* decoded output cut by the decompression limits */
    SW_HTTP_AN_GZIP_HEADER,       /* gzip header with reserved flags or a wrong header CRC */
    SW_HTTP_AN_GZIP_TRAILER,      /* gzip trailer missing, or CRC or size not the data's */
    SW_HTTP_AN_COUNT
};

/* Anomalies that make the framing or the content coding of a message ambiguous: with any of
 * them the caller also reads the bytes after the header block the other plausible ways. */
#define SW_HTTP_AN_AMBIGUOUS                                                     \
    ((1u << SW_HTTP_AN_CL_INVALID) | (1u << SW_HTTP_AN_CL_DUPLICATE) |           \
     (1u << SW_HTTP_AN_TE_ABNORMAL) | (1u << SW_HTTP_AN_TE_OLD_PROTO) |          \
     (1u << SW_HTTP_AN_TE_WITH_CL) | (1u << SW_HTTP_AN_FOLDING) |                \
     (1u << SW_HTTP_AN_MISSING_COLON) | (1u << SW_HTTP_AN_HEADER_INVALID) |      \
     (1u << SW_HTTP_AN_LINE_TERMINATOR) | (1u << SW_HTTP_AN_HEADER_REPETITION) | \
     (1u << SW_HTTP_AN_INVALID_PROTOCOL) | (1u << SW_HTTP_AN_INVALID_STATUS) |   \
     (1u << SW_HTTP_AN_CE_ABNORMAL) | (1u << SW_HTTP_AN_TOO_MANY_LAYERS))

/* Suricata-style name of anomaly a in direction dir (0 request, 1 response), e.g.
 * "DUPLICATE_CONTENT_LENGTH_FIELD_IN_RESPONSE". Static string; "" for an unknown a. */
const char *sw_http_anomaly_name(enum sw_http_anomaly a, int dir);

/* Name (as sw_http_anomaly_name) of the first anomaly of mask (bits of enum
 * sw_http_anomaly); "" when none. */
const char *sw_http_anomaly_first(uint32_t mask, int dir);

/* Content codings that are decoded. */
enum sw_http_coding { SW_HTTP_CODING_GZIP = 1, SW_HTTP_CODING_DEFLATE, SW_HTTP_CODING_BR };
#define SW_HTTP_MAX_CODINGS 3 /* layers decoded per body (Suricata's test setting) */
#define SW_HTTP_MAX_LENGTHS 4 /* Content-Length values kept for other readings */

/* Static name of a coding ("gzip", "deflate", "br"), "" otherwise. */
const char *sw_http_coding_name(unsigned coding);

/* What sw_http_hdr_eol found at the start of the bytes given. */
enum sw_http_eol {
    SW_HTTP_EOL_MORE,  /* no line end yet (or it depends on bytes not yet seen) */
    SW_HTTP_EOL_LINE,  /* a line: *content bytes, then its line end; *used in all */
    SW_HTTP_EOL_BLANK, /* the blank line that ends a header block (*used bytes) */
    SW_HTTP_EOL_SKIP,  /* a line of CRs only, which libhtp and browsers ignore (*used) */
};

/* How a line ended (sw_http_hdr_eol). */
#define SW_HTTP_TERM_LF 0   /* CR LF or LF */
#define SW_HTTP_TERM_ODD 1  /* a lone CR, or white space then LF (a blank line) */
#define SW_HTTP_TERM_LFCR 2 /* LF CR */

/* Find the end of the line starting at p[0] (n bytes available). Line ends: CR LF, LF, a
 * lone CR after at least one byte of the line, and LF CR when the CR is not followed by LF.
 * A blank line is CR LF or LF alone, or one space or tab then LF when the next byte is not
 * LF. With eof set, the bytes that follow will never come. *term says how the line ended
 * (SW_HTTP_TERM_*): anything but LF is an anomaly. */
enum sw_http_eol sw_http_hdr_eol(const uint8_t *p, size_t n, bool eof, size_t *content,
                                 size_t *used, int *term);

/* Does s[0, n) (a whole line or the start of one) begin like a status line: "HTTP" in any
 * case after leading white space and NUL bytes, as libhtp and browsers take it? With
 * partial set, a prefix of that is enough. */
bool sw_http_hdr_status_like(const uint8_t *s, size_t n, bool partial);

/* Is s[0, n), a whole line (without its end), a start line of direction dir: a request line,
 * or a line that is status-like? With partial, s is the start of a line still coming: could
 * it still become one (or a blank line)? */
bool sw_http_hdr_start_like(int dir, const uint8_t *s, size_t n, bool partial);

/* Is s[0, n) only white space (SP, HT, CR, LF, VT, FF, NUL)? */
bool sw_http_hdr_blank(const uint8_t *s, size_t n);

/* Parse a chunk size line s[0, n) (its LF removed): leading CR, LF, SP, HT, VT and FF are
 * skipped, hex digits read, anything after them ignored. Returns false when there is no hex
 * digit or more than 64 bits of size; *junk is set when bytes other than an extension
 * (";...") or white space follow the digits; *blank when the line holds only white space. */
bool sw_http_hdr_chunk_size(const uint8_t *s, size_t n, uint64_t *size, bool *junk, bool *blank);

/* Headers whose values are kept (first occurrence). */
enum sw_http_hdr_id {
    SW_HTTP_H_HOST,
    SW_HTTP_H_UA,
    SW_HTTP_H_CTYPE,
    SW_HTTP_H_CENC,
    SW_HTTP_H_CDISP,
    SW_HTTP_H_COUNT
};

/* A value in the caller's header block buffer: offset and length (len 0: absent). */
struct sw_http_span {
    uint32_t off, len;
};

/* One header field of a block: its name (without the colon and blanks before it) and its
 * value (without surrounding blanks; folded lines joined). */
struct sw_http_field {
    struct sw_http_span name, value;
};
#define SW_HTTP_MAX_FIELDS 64 /* fields recorded per block; more are counted (fields_cut) */

/* What one header block says. Plain data filled by sw_http_head_*; callers read it after
 * sw_http_head_end. Spans point into the buffer given to the calls. */
struct sw_http_head {
    int dir;                         /* 0 request, 1 response */
    struct sw_http_span line;        /* the start line (its line end removed) */
    struct sw_http_span method, uri; /* request line */
    struct sw_http_span proto;       /* "HTTP/1.1": the request line's last token, or the
                                      * status line's first */
    struct sw_http_span stat, stat_msg; /* response: status code token, the rest of the line */
    unsigned status;                 /* response: 100..999, 0 when missing or invalid */
    uint8_t version;                 /* 10 or 11 for HTTP/1.0, HTTP/1.1; 0 otherwise */
    struct sw_http_span hdr[SW_HTTP_H_COUNT];
    /* framing */
    bool te;                               /* a Transfer-Encoding header */
    bool chunked;                          /* ... whose value contains "chunked" */
    bool cl_header;                        /* a Content-Length header, readable or not */
    bool cl_valid;                         /* cl holds a value */
    uint64_t cl;                           /* digits of the first Content-Length that has any */
    uint64_t lengths[SW_HTTP_MAX_LENGTHS]; /* every distinct number in Content-Length values */
    unsigned n_lengths;
    /* content codings, in the order listed (undone last first) */
    uint8_t coding[SW_HTTP_MAX_CODINGS];
    unsigned n_coding;
    uint32_t anomalies; /* bit (1u << enum sw_http_anomaly) per anomaly */
    /* Every field with a colon, in order, into the caller's table of SW_HTTP_MAX_FIELDS
     * given to sw_http_head_init (NULL: not recorded). */
    struct sw_http_field *fields;
    unsigned n_fields;
    uint32_t fields_cut; /* fields past SW_HTTP_MAX_FIELDS */
    /* parser state: the header line that a folded line may still continue */
    bool pend;
    uint32_t pend_off, pend_len;
    unsigned n_te, n_ce;
};

/* Start a header block of direction dir; its fields go into fields (the caller's table of
 * SW_HTTP_MAX_FIELDS), or nowhere when NULL. */
void sw_http_head_init(struct sw_http_head *h, int dir, struct sw_http_field *fields);

/* The start line buf[off, off + len) (its line end removed). Responses are read leniently
 * (anomalies recorded); false when it is not a start line of dir at all. */
bool sw_http_head_start(struct sw_http_head *h, const uint8_t *buf, uint32_t off, uint32_t len);

/* One header line buf[off, off + len) (line end removed), off at or after the end of what the
 * block used so far. A line that continues the previous header (it starts with SP, HT or NUL)
 * is moved to follow it, so buf changes after the previous header. Returns the end of the
 * bytes of buf the block uses now: the caller keeps them and may reuse the rest. */
uint32_t sw_http_head_line(struct sw_http_head *h, uint8_t *buf, uint32_t off, uint32_t len);

/* The blank line: the last header is read and the framing decided. */
void sw_http_head_end(struct sw_http_head *h, const uint8_t *buf);

/* Copy s[0, n) to out (n + 1 bytes), NUL-terminated, stopping at a NUL; with pct,
 * percent-decoded. Returns out. */
char *sw_http_hdr_copy(char *out, const uint8_t *s, size_t n, bool pct);

/* The file name a Content-Disposition value v[0, n) gives: filename*= (RFC 8187, preferred,
 * percent-decoded) or filename= (token or quoted string), any directory part removed; ""
 * when none. out has n + 1 bytes. */
void sw_http_hdr_disposition_name(const uint8_t *v, size_t n, char *out);

/* The last path segment of a request target u[0, n), without query or fragment,
 * percent-decoded, any directory part removed. out has n + 1 bytes. */
void sw_http_hdr_uri_name(const uint8_t *u, size_t n, char *out);

#endif
