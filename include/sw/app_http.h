/* app_http.h - HTTP/1.x message parser for reassembled TCP streams: pairs requests with
 * responses and hands each message body, decoded, to a callback, with the other plausible
 * readings of messages whose framing is ambiguous, and reports malformations as anomalies.
 *
 * One parser per TCP connection, fed by the stream reassembler of the worker thread that owns
 * the flow: in-order bytes of each direction (any chunking, both directions interleaved),
 * holes as sw_http_gap(), the end of the connection as sw_http_end(). Not thread-safe: owner
 * thread only. The callbacks run inside sw_http_feed/gap/end and must not call back into the
 * same parser. Three modules do the work: this one frames messages (app_http.c), headers are
 * read by app_http_hdr.c and bodies decoded by app_http_body.c.
 *
 * What is accepted: what browsers accept (as HTTP Evader measured it) and Suricata's libhtp
 * reads, because evasion tools send exactly that. Each deviation from RFC 9112 is reported
 * once per message to on_anomaly (names in the style of Suricata's HTTP events, see
 * sw_http_anomaly_name), and when it makes the framing or content coding ambiguous the
 * bytes after the header block are also read the other plausible ways (on_body with
 * b->reading set); the primary reading (b->reading "") is the one browsers take.
 *
 * Semantics callers rely on:
 * - Direction 0 carries requests (client to server), 1 responses. Responses pair with
 *   requests in order; up to max_pipeline requests wait for their response. A request beyond
 *   that is parsed (its body delivered) but not queued (counted as pipeline_drops): the
 *   response that belongs to it is delivered unpaired, so later pairs stay aligned. A
 *   response with no request waiting is unpaired (counted). 1xx responses other than 101 do
 *   not consume a request. 101 without Content-Length or Transfer-Encoding and a 2xx answer
 *   to CONNECT turn the connection into a tunnel: both directions stop (counted as tunnels).
 * - Lines end with CR LF, LF, a lone CR, or LF CR; a folded header line continues the
 *   previous header; empty and white-space lines before a start line are skipped.
 * - Body framing: HEAD responses and 1xx/204/304 have none (when such a response carries
 *   Content-Length or Transfer-Encoding and bytes other than a status line follow, those
 *   bytes are read as its body the other ways and RESPONSE_BODY_UNEXPECTED is reported); a
 *   Transfer-Encoding that contains "chunked" is chunked, whatever else it holds and whatever
 *   the version (libhtp); then the first number in the first Content-Length; else a response
 *   lasts until close and a request has no body. Chunk size lines may carry junk after the
 *   hex digits and blank lines may come between chunks; a response chunk size line without
 *   a hex digit ends the chunking: the rest of the response is its body, until close (libhtp).
 *   Chunk extensions and trailers are ignored.
 * - Where a status line was due, bytes that are not one (they do not start with "HTTP" after
 *   white space) are read, up to the next status line at a line start, as the body of the
 *   message before them or, for the first response of a connection, as an HTTP/0.9 response
 *   to the request waiting (other readings: a connection picked up in the middle of a
 *   response looks the same, so no primary body is made up from them). One such line before
 *   a status line belongs to that response (a junk line); more, or a hole after them, answer
 *   the first request waiting, so that the next status line pairs with the next request.
 *   A direction whose first bytes cannot start a request (dir 0), or a response when no
 *   request was seen (dir 1), stops (not_http); a later malformed request stops it too
 *   (parse_errors).
 * - Limits (0 in a cfg field means its default): a header block (start line, headers; or the
 *   trailers) longer than max_header_bytes stops that direction (header_limit). Body bytes
 *   beyond max_body are skipped and the body is flagged truncated (counted once per body).
 * - Content codings (Content-Encoding, all of its headers, in order; at most 3 are decoded):
 *   gzip, x-gzip and deflate (gzip, zlib or raw deflate, recognised by the bytes; the gzip
 *   header read leniently, trailers not checked) with zlib, br with brotli; tokens that
 *   merely contain "gzip" or "deflate" count as such (libhtp). Each layer's output stops at
 *   max_decompressed, or once it exceeds 1 MiB and max_ratio times the bytes as sent: then
 *   truncated is set and bomb_cut counted. A coding that does not decode is passed over: its
 *   input is delivered (for one layer: the body as it came) with decode_error and
 *   decode_failed set, and what its decoder produced before failing is delivered too as the
 *   reading "partial_decode". Other codings are delivered as received.
 * - A body that lasts until close is complete only when its sender closed with a FIN
 *   (sw_http_end's fin); cut by a RST or by the end of the capture, it is truncated.
 * - Gaps: a hole inside a body of known length or inside chunk data is skipped and the body
 *   flagged gaps (decoding of a compressed body stops there); elsewhere the body in progress
 *   is delivered with gaps set and the direction looks for the next start line at a line
 *   start (resyncs), giving up after max_resync bytes (resync_fails, direction stopped).
 * - Memory: memuse counts every byte the three modules allocate (parser, header buffers,
 *   queued requests, body buffers, decoder state). Per direction at most: a header block,
 *   the body as sent (max_body), its decoding (two layers of max_decompressed), and for an
 *   ambiguous message the bytes after its header block (max_body) while it lasts; plus
 *   max_pipeline request records. Buffers grow as bytes arrive, never from a declared
 *   length. An allocation failure skips what it was for and is counted (nomem): a body stops
 *   growing (truncated), a header block or request record stops the direction. */
#ifndef SW_APP_HTTP_H
#define SW_APP_HTTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sw/err.h"

/* Counters. With cfg->stats set, all parsers of one thread add into one struct. */
struct sw_http_stats {
    uint64_t messages;       /* header blocks parsed: requests and responses (1xx included) */
    uint64_t bodies;         /* bodies delivered to on_body */
    uint64_t truncated;      /* bodies cut: max_body, max_decompressed, out of memory, end */
    uint64_t bomb_cut;       /* decoded bodies cut by max_decompressed or max_ratio */
    uint64_t decode_errors;  /* bodies with a content coding that did not decode */
    uint64_t parse_errors;   /* malformed messages after the first (direction stopped) and
                              * ignored header lines without a colon */
    uint64_t not_http;       /* directions whose first bytes are not HTTP/1.x (stopped) */
    uint64_t header_limit;   /* header blocks over max_header_bytes (direction stopped) */
    uint64_t gaps;           /* sw_http_gap() calls on a live direction */
    uint64_t resyncs;        /* directions that found a start line again after a gap */
    uint64_t resync_fails;   /* ... that gave up after max_resync bytes (stopped) */
    uint64_t pipeline_drops; /* requests not queued: max_pipeline waiting */
    uint64_t unpaired;       /* responses delivered without their request */
    uint64_t tunnels;        /* 101 / CONNECT 2xx: both directions stopped */
    uint64_t nomem;          /* allocation failures */
    uint64_t memuse;         /* bytes allocated now */
    uint64_t anomalies;      /* anomalies reported to on_anomaly */
    uint64_t readings;       /* other readings delivered (on_body with reading set) */
};

struct sw_http_cfg {
    /* Keep each message's header block (start line and fields, struct sw_http_msg) while
     * its transaction lasts and announce messages to on_message: for the detection stage's
     * HTTP buffers. Off: only bodies are delivered. */
    bool headers;
    uint32_t max_pipeline;       /* requests waiting for a response (32); at most 4096 */
    uint32_t max_header_bytes;   /* per header block (64 KiB); 256 B .. 16 MiB */
    uint64_t max_body;           /* body bytes as transferred (16 MiB); at most 1 GiB */
    uint64_t max_decompressed;   /* decoded bytes of one body (16 MiB); at most 1 GiB */
    uint32_t max_ratio;          /* decoded / compressed bytes beyond 1 MiB of output (1000) */
    uint64_t max_resync;         /* bytes scanned for a start line after a gap (1 MiB) */
    struct sw_http_stats *stats; /* borrowed, may be NULL: shared counters (owner thread) */
};

struct sw_http_msg; /* app_http_msg.h: a parsed message, its header block with cfg->headers */

/* A message's header block was parsed (cfg->headers): borrowed for the on_message call.
 * Transactions are numbered from 0 in request order; a response has its request's number,
 * one without a request (unpaired) the next free one. Interim (1xx but 101) responses are
 * not announced. */
struct sw_http_message {
    int dir;                       /* 0 request, 1 response */
    uint64_t tx;
    const struct sw_http_msg *req; /* the transaction's request, NULL for an unpaired response */
    const struct sw_http_msg *resp; /* dir 1: this response; dir 0: NULL */
};

/* One body, borrowed for the on_body call: every pointer is valid until it returns. Strings
 * are NUL-terminated, never NULL ("" when unknown), and may hold any byte but NUL. */
struct sw_http_body {
    int dir; /* 0 request body, 1 response body */
    uint64_t tx; /* its transaction (struct sw_http_message) */
    /* The transaction's messages (NULL when unknown: an HTTP/0.9 response has none); their
     * header blocks are kept with cfg->headers. */
    const struct sw_http_msg *req, *resp;
    const char *method, *uri, *host, *user_agent;
    const char *req_content_type;
    unsigned status; /* response status; 0 for a request body or when unpaired */
    const char *resp_content_type;
    const char *content_encoding; /* of this body, as received */
    /* Content-Disposition filename*=UTF-8''... (percent-decoded) or filename= of this
     * message, else the last path segment of the request URI without query (percent-decoded);
     * any directory part is removed. */
    const char *filename;
    const uint8_t *data; /* decoded body bytes */
    size_t len;
    uint64_t raw_len; /* body bytes as transferred (up to max_body, gaps excluded) */
    bool truncated;   /* a limit cut it, or the stream ended or broke before its end */
    bool gaps;        /* a hole in the stream fell inside it */
    /* A content coding did not decode (corrupt, not that coding, or it ended early in a
     * complete body): data holds the bytes it was applied to, as they came for the first. */
    bool decode_error;
    const char *decode_failed; /* static: that coding, "gzip", "deflate" or "br"; or "" */
    /* "" for the primary reading: the body as browsers read it, once per body. Otherwise
     * static: another plausible reading of the same message (see sw_http_readings:
     * "close", "content_length", "chunked", each maybe "..._decoded"; "partial_decode"),
     * and anomaly names the anomaly that made the message ambiguous. */
    const char *reading;
    const char *anomaly;
};

/* Callbacks; any may be NULL. on_anomaly gets the Suricata-style name of an anomaly
 * (static string) of direction dir, once per message (see sw_http_anomaly_name). */
struct sw_http_cb {
    void (*on_body)(void *ctx, const struct sw_http_body *b);
    void (*on_anomaly)(void *ctx, int dir, const char *event);
    void (*on_message)(void *ctx, const struct sw_http_message *m); /* cfg->headers only */
};

struct sw_http;

/* Fill cfg with the defaults above (stats NULL). */
void sw_http_cfg_defaults(struct sw_http_cfg *cfg);

/* Create a parser for one connection. cfg NULL means defaults; cfg and cb are copied; ctx is
 * passed to the callbacks. Returns NULL and fills err (SW_EINVAL: a limit out of range;
 * SW_ENOMEM). Caller owns the result. */
struct sw_http *sw_http_create(const struct sw_http_cfg *cfg, const struct sw_http_cb *cb,
                               void *ctx, struct sw_err *err);
/* Free everything without delivering (call sw_http_end first for that). NULL-safe. */
void sw_http_destroy(struct sw_http *h);

/* Feed len in-order bytes of direction dir (0 client->server, 1 server->client). data is
 * borrowed for the call. Returns SW_OK (malformed input included: it is counted), SW_EINVAL
 * for a bad dir or data NULL with len > 0, SW_ENOMEM when an allocation failed during the
 * call (already counted and handled as described above). */
enum sw_rc sw_http_feed(struct sw_http *h, int dir, const uint8_t *data, size_t len);

/* len bytes of direction dir are missing at this point of the stream. */
void sw_http_gap(struct sw_http *h, int dir, uint64_t len);

/* Bits of sw_http_end's fin: the direction's sender closed it with a FIN. */
#define SW_HTTP_FIN_REQ 1u
#define SW_HTTP_FIN_RESP 2u

/* The connection ended. fin: SW_HTTP_FIN_* of the directions whose sender closed with a FIN
 * (not a RST, not the end of the capture). A body that lasts until close is delivered
 * complete when its direction had the FIN, else truncated; one still missing bytes is
 * delivered truncated. Both directions then ignore further input. */
void sw_http_end(struct sw_http *h, unsigned fin);

/* Counters of h (cfg->stats when given). Valid while h lives. */
const struct sw_http_stats *sw_http_get_stats(const struct sw_http *h);

#endif
