/* app_http_msg.h - HTTP transactions for the HTTP parser (collectors/net/app_http.c): the
 * record of a parsed message (what its bodies need of it and of its request), reference
 * counted; the queue of requests waiting for their response; and the struct sw_http_body
 * that one reading of a body is handed out as.
 *
 * Owner thread of the parser only. Allocations are counted through struct sw_http_mem. */
#ifndef SW_APP_HTTP_MSG_H
#define SW_APP_HTTP_MSG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sw/app_http.h"
#include "sw/app_http_body.h"
#include "sw/app_http_hdr.h"

/* One parsed message: plain data, one allocation with its strings (NUL-terminated, "" when
 * absent). A request is shared by the queue, its direction and readings (refs); callers
 * read the fields and must not change them. */
struct sw_http_msg {
    struct sw_http_msg *next; /* request queue */
    size_t size;              /* bytes allocated (memuse) */
    unsigned refs;
    uint32_t dropped_after;              /* requests not queued right after this one */
    unsigned status;                     /* responses; 0 for requests and invalid status codes */
    bool head, connect;                  /* method HEAD, CONNECT */
    uint32_t anomalies;                  /* of its header block (enum sw_http_anomaly bits) */
    uint8_t coding[SW_HTTP_MAX_CODINGS]; /* content codings, as listed */
    unsigned n_coding;
    uint64_t lengths[SW_HTTP_MAX_LENGTHS]; /* Content-Length values */
    unsigned n_lengths;
    char *method, *uri, *host, *ua, *ctype, *cenc;
    char *fname; /* Content-Disposition file name, or "" */
    char *uname; /* last segment of the request URI, or "" */
    uint64_t tx; /* transaction number (struct sw_http_message) */
    /* With the parser's cfg->headers: a copy of the header block (hb, hb_len: the start line
     * and each field's line, line ends removed, folded lines joined) and where its parts are
     * (spans into hb); hb NULL otherwise. */
    const uint8_t *hb;
    uint32_t hb_len;
    struct sw_http_span line, method_sp, uri_sp, proto, stat, stat_msg;
    const struct sw_http_field *fields;
    unsigned n_fields;
};

/* The message of header block hh (spans into hb) of direction dir, with one reference; with
 * keep, a copy of the block goes with it. NULL when memory ran out (counted). */
struct sw_http_msg *sw_http_msg_create(struct sw_http_mem *mem, const struct sw_http_head *hh,
                                       const uint8_t *hb, int dir, bool keep);
/* Number a message and announce it to cb->on_message (if set): a request takes *next_tx++,
 * a response its request's number (req), or *next_tx++ without one. resp NULL: m is a
 * request. */
void sw_http_msg_announce(const struct sw_http_cb *cb, void *ctx, uint64_t *next_tx,
                          struct sw_http_msg *req, struct sw_http_msg *resp);
/* Another reference to m (NULL-safe); returns m. */
struct sw_http_msg *sw_http_msg_ref(struct sw_http_msg *m);
/* Drop a reference; the last one frees m. NULL-safe. */
void sw_http_msg_unref(struct sw_http_mem *mem, struct sw_http_msg *m);

/* Requests waiting for their response, oldest first. Caller storage, zeroed, max set. */
struct sw_http_queue {
    struct sw_http_msg *head, *tail; /* owned refs */
    uint32_t len, max;
    uint32_t phantoms; /* responses to hand out unpaired before the next pop */
};

/* Queue a request (a new reference). At max, it is not queued but remembered as a phantom
 * after the last one (counted in st->pipeline_drops), so later pairs stay aligned. */
void sw_http_queue_push(struct sw_http_queue *q, struct sw_http_msg *m, struct sw_http_stats *st);
/* The request the next final response answers (the queue's reference, now the caller's), or
 * NULL: none waiting, or a phantom. */
struct sw_http_msg *sw_http_queue_pop(struct sw_http_queue *q);
/* Drop every reference. */
void sw_http_queue_fini(struct sw_http_queue *q, struct sw_http_mem *mem);

/* What a reading needs beyond its bytes. */
struct sw_http_view {
    int dir;
    const struct sw_http_msg *rq; /* the request (for a request body: the message) or NULL */
    const struct sw_http_msg *m;  /* the message whose body it is, or NULL (HTTP/0.9) */
    uint64_t raw_len;             /* bytes as transferred */
    bool truncated, gaps;
    unsigned failed;               /* enum sw_http_coding that did not decode, 0 none */
    const char *reading, *anomaly; /* static: "" for the primary reading */
};

/* Hand data[0, len) with vw to cb->on_body (if any), counted in st (bodies: the primary
 * reading; readings: the others). */
void sw_http_msg_deliver(const struct sw_http_cb *cb, void *ctx, struct sw_http_stats *st,
                         const struct sw_http_view *vw, const uint8_t *data, size_t len);

#endif
