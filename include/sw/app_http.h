/* app_http.h - HTTP/1.x message parser for reassembled TCP streams: pairs requests with
 * responses and hands each message body, decoded, to a callback.
 *
 * One parser per TCP connection, fed by the stream reassembler of the worker thread that owns
 * the flow: in-order bytes of each direction (any chunking, both directions interleaved),
 * holes as sw_http_gap(), the end of the connection as sw_http_end(). Not thread-safe: owner
 * thread only. The callback runs inside sw_http_feed/gap/end and must not call back into the
 * same parser.
 *
 * Semantics callers rely on:
 * - Direction 0 carries requests (client to server), 1 responses. Responses pair with
 *   requests in order; up to max_pipeline requests wait for their response. A request beyond
 *   that is parsed (its body delivered) but not queued (counted as pipeline_drops): the
 *   response that belongs to it is delivered unpaired, so later pairs stay aligned. A
 *   response with no request waiting is unpaired (counted). 1xx responses other than 101 do
 *   not consume a request. 101 and a 2xx answer to CONNECT turn the connection into a tunnel:
 *   both directions stop (counted as tunnels).
 * - Body framing follows RFC 9112 6.3: HEAD responses and 1xx/204/304 have none; a
 *   Transfer-Encoding whose last coding is chunked wins over Content-Length; another
 *   Transfer-Encoding makes a response last until close (a request: parse error); then
 *   Content-Length; else a response lasts until close and a request has no body. Chunk
 *   extensions and trailers are parsed and ignored; a chunk size has at most 16 hex digits.
 * - Limits (0 in a cfg field means its default): a header block (start line, headers; or the
 *   trailers) longer than max_header_bytes stops that direction (header_limit). Body bytes
 *   beyond max_body are skipped and the body is flagged truncated (counted once per body).
 *   Content-Encoding gzip, x-gzip and deflate (zlib-wrapped or raw) are decoded with zlib; the
 *   decoded output stops at max_decompressed, or once it exceeds 1 MiB and max_ratio times
 *   the compressed bytes: then truncated is set and bomb_cut counted. Other encodings are
 *   delivered as received (content_encoding says which).
 * - Input that is not HTTP/1.x: when the first bytes of a direction cannot start a request
 *   (dir 0) or status line (dir 1), that direction stops (not_http); a later malformed
 *   message stops it too (parse_errors). A body in progress is then delivered truncated.
 *   Nothing is logged.
 * - Gaps: a hole inside a body of known length or inside chunk data is skipped and the body
 *   flagged gaps (decoding of a compressed body stops there); elsewhere the body in progress
 *   is delivered with gaps set and the direction looks for the next start line at a line
 *   start (resyncs), giving up after max_resync bytes (resync_fails, direction stopped).
 * - Memory: memuse counts every byte this module allocates (parser, header buffers, queued
 *   requests, body buffers, zlib state). Each limit above bounds it per parser: about
 *   2 * (max_header_bytes + max(max_body, max_decompressed)) + max_pipeline * max_header_bytes
 *   + 100 KiB of zlib state in the worst case. Body buffers grow as bytes arrive, never from
 *   a declared length. An allocation failure skips what it was for and is counted (nomem):
 *   a body stops growing (truncated), a header block or request record stops the direction,
 *   zlib setup flags decode_error. */
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
    uint64_t decode_errors;  /* compressed bodies zlib rejected or that ended early */
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
};

struct sw_http_cfg {
    uint32_t max_pipeline;     /* requests waiting for a response (32); at most 4096 */
    uint32_t max_header_bytes; /* per header block (64 KiB); 256 B .. 16 MiB */
    uint64_t max_body;         /* body bytes as transferred (16 MiB); at most 1 GiB */
    uint64_t max_decompressed; /* decoded bytes of one body (16 MiB); at most 1 GiB */
    uint32_t max_ratio;        /* decoded / compressed bytes beyond 1 MiB of output (1000) */
    uint64_t max_resync;       /* bytes scanned for a start line after a gap (1 MiB) */
    struct sw_http_stats *stats; /* borrowed, may be NULL: shared counters (owner thread) */
};

/* One body, borrowed for the on_body call: every pointer is valid until it returns. Strings
 * are NUL-terminated, never NULL ("" when unknown), and may hold any byte but NUL. */
struct sw_http_body {
    int dir;                    /* 0 request body, 1 response body */
    const char *method, *uri, *host, *user_agent;
    const char *req_content_type;
    unsigned status;            /* response status; 0 for a request body or when unpaired */
    const char *resp_content_type;
    const char *content_encoding; /* of this body, as received */
    /* Content-Disposition filename*=UTF-8''... (percent-decoded) or filename= of this
     * message, else the last path segment of the request URI without query (percent-decoded);
     * any directory part is removed. */
    const char *filename;
    const uint8_t *data;        /* decoded body bytes */
    size_t len;
    uint64_t raw_len;           /* body bytes as transferred (up to max_body, gaps excluded) */
    bool truncated;             /* a limit cut it, or the stream ended or broke before its end */
    bool gaps;                  /* a hole in the stream fell inside it */
    bool decode_error;          /* zlib rejected it, or it ended inside the compressed stream */
};

struct sw_http_cb {
    void (*on_body)(void *ctx, const struct sw_http_body *b); /* may be NULL */
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

/* The connection ended: a body that lasts until close is delivered complete; one still
 * missing bytes is delivered truncated. Both directions then ignore further input. */
void sw_http_end(struct sw_http *h);

/* Counters of h (cfg->stats when given). Valid while h lives. */
const struct sw_http_stats *sw_http_get_stats(const struct sw_http *h);

#endif
