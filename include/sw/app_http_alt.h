/* app_http_alt.h - the other plausible readings of ambiguous HTTP messages, for the HTTP
 * parser (collectors/net/app_http.c).
 *
 * When a header block is ambiguous (SW_HTTP_AN_AMBIGUOUS anomalies), or bytes come where a
 * status line was due, a browser or an evasion-aware client may take other bytes as the
 * body than the parser does. The parser then opens an alt for that direction: a copy of the
 * bytes from there on (positions in the direction), closed at the next start line or at the
 * end; its region is then read every plausible way (sw_http_alt_end) and each distinct
 * reading, other than the ones already delivered, handed to a callback for scanning.
 *
 * Owner thread of the parser only. Allocations are counted through struct sw_http_mem. */
#ifndef SW_APP_HTTP_ALT_H
#define SW_APP_HTTP_ALT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sw/app_http_body.h"
#include "sw/app_http_msg.h"

#define SW_HTTP_ALT_PENDING UINT64_MAX /* start: after the step that opened it */

/* One direction's alt. Caller storage, zeroed before first use; fields are read by the
 * caller, changed through the functions below (http09 and junk by the caller). */
struct sw_http_alt {
    bool on;
    bool http09;             /* where the first response was due (HTTP/0.9, or picked up late) */
    bool junk;               /* bytes other than a start line came (reported once) */
    bool full, gaps;         /* max_body reached; a hole ended it */
    uint64_t start, end;     /* positions of buf.p[0] and after the last byte kept */
    struct sw_http_buf buf;  /* owned */
    struct sw_http_msg *msg; /* ref or NULL: the message these bytes follow */
    struct sw_http_msg *req; /* ref or NULL: its request (or the one waiting) */
    uint32_t anomalies;      /* why they are read other ways */
    uint64_t seen[2];        /* hashes of primary readings delivered for msg */
    unsigned n_seen;
};

/* Open a at position start (SW_HTTP_ALT_PENDING: set by the next sw_http_alt_feed), for the
 * bytes after message m (request rq), keeping at most max_body bytes. a must be off. */
void sw_http_alt_open(struct sw_http_alt *a, uint64_t start, uint64_t max_body,
                      struct sw_http_msg *m, struct sw_http_msg *rq, uint32_t anomalies);

/* Bytes [pos, pos + n) of the direction: those at or after a->end are kept. A pending start
 * becomes pos + n (the bytes of the step that opened it are not part of the region). */
void sw_http_alt_feed(struct sw_http_alt *a, struct sw_http_mem *mem, uint64_t pos,
                      const uint8_t *p, size_t n);

/* A primary reading of m, data[0, len), was delivered: readings equal to it are not
 * delivered again. */
void sw_http_alt_seen(struct sw_http_alt *a, const struct sw_http_msg *m, const uint8_t *data,
                      size_t len);

/* Length of the region when it ends at position end (UINT64_MAX: where the kept bytes end);
 * 0 when it holds only white space. */
size_t sw_http_alt_region(const struct sw_http_alt *a, uint64_t end);

/* End a (on or not): when an anomaly made its bytes ambiguous, its region up to position end
 * (UINT64_MAX: where the kept bytes end) is read every plausible way (sw_http_readings) and
 * each distinct reading not yet delivered is handed to cb->on_body as one of direction dir
 * (sw_http_msg_deliver: b->reading names it, b->anomaly the first anomaly). complete:
 * nothing of the region is missing. Then a is closed: references dropped, a large buffer
 * freed (a small one kept for the next). */
void sw_http_alt_end(struct sw_http_alt *a, struct sw_http_mem *mem, int dir, uint64_t end,
                     bool complete, const struct sw_http_limits *lim, const struct sw_http_cb *cb,
                     void *ctx);
/* Free everything (a closed or not). */
void sw_http_alt_fini(struct sw_http_alt *a, struct sw_http_mem *mem);

/* What an ambiguous message left to read: the bytes after its header block up to the next
 * message or the end of the connection, and what its headers declared. */
struct sw_http_region {
    const uint8_t *p;
    size_t n;
    bool complete;         /* ended by the next message or a FIN */
    const uint8_t *coding; /* declared content codings */
    unsigned n_coding;
    const uint64_t *lengths; /* Content-Length values declared */
    unsigned n_lengths;
    const uint64_t *seen; /* hashes (sw_http_hash) of readings already delivered */
    unsigned n_seen;
};

/* Call fn for each distinct reading of r that differs from the seen ones: the bytes as they
 * came ("close"), cut at each declared Content-Length ("content_length"), de-chunked
 * ("chunked"), de-chunked then cut at a Content-Length ("chunked_content_length"), each also
 * with its content codings undone ("..._decoded": the declared ones, else gzip or zlib
 * recognised by their header). At most 8 readings. */
void sw_http_readings(struct sw_http_mem *m, const struct sw_http_region *r,
                      const struct sw_http_limits *lim,
                      void (*fn)(void *ctx, const struct sw_http_reading *rd), void *ctx);

#endif
