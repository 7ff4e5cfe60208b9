/* subject.h - what a detector inspects: a borrowed, read-only view of one moment of a
 * network flow (a packet, reassembled stream bytes, an application-layer transaction, the
 * flow's end), built by the network worker and handed to the detection stage
 * (include/sw/detect.h), which passes it to each detector whose hook mask asks for it.
 *
 * Lifetime and threads: a subject and everything it points to (flow identity, nDPI view,
 * packet, stream bytes, buffers, app-layer object, file part) is borrowed for one call of
 * sw_detect_run() on the worker thread that owns the flow. A detector copies what it keeps;
 * the only thing it may write is its own per-flow slot (*fstate, see below).
 *
 * Directions: `dir` is relative to the flow's originator, the sender of its first packet, as
 * struct sw_flow_ref and alerts' to_client are (SW_DIR_TO_SERVER: originator -> responder).
 * Application-layer buffers are indexed by side instead: SW_SIDE_REQUEST for what the client
 * of the protocol sent (HTTP request, DNS query, TLS ClientHello), SW_SIDE_RESPONSE for the
 * server's; `app.client_is_originator` says how the two map (false when the capture started
 * with the server's bytes). Rules' flow:to_server on application buffers means the request
 * side, whatever the originator. */
#ifndef SW_SUBJECT_H
#define SW_SUBJECT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sw/app_obj.h"
#include "sw/event.h"
#include "sw/packet.h"

/* Hook points, in the order a flow meets them. A detector's mask is a set of SW_HOOK_BIT(). */
enum sw_hook {
    /* Every decoded packet of a flow, after nDPI saw it, before it is reassembled and parsed
     * (TCP): pkt, payload, risks_new. */
    SW_HOOK_PACKET = 0,
    /* TCP bytes of one direction as they become in order (stream.offset..+len), at most
     * network.stream.depth per direction, on the packet that completed them; a consumer
     * attached late gets what the stream held so far in one larger chunk. Chunks do not
     * overlap: a pattern across two chunks is the detector's to find (per-flow state). */
    SW_HOOK_STREAM_CHUNK,
    /* The whole reassembled buffer of one direction, from offset 0 up to the depth, given
     * once: when the direction reaches the depth, or at flow end (what YARA scans). */
    SW_HOOK_STREAM_WHOLE,
    /* An application-layer transaction made progress (app.event says which): its buffers
     * and its app-layer object are filled. */
    SW_HOOK_APP,
    /* The flow ends (timeout, eviction, shutdown or end of input): nDPI's final word is in
     * (risks_new: risks set and never reported). The last STREAM_* and APP hooks of the
     * flow follow this one; then the per-flow slots are freed. */
    SW_HOOK_FLOW_END,
    SW_HOOK_MAX
};
#define SW_HOOK_BIT(h) (1u << (h))
#define SW_HOOK_ALL ((1u << SW_HOOK_MAX) - 1u)

enum sw_dir { SW_DIR_TO_SERVER = 0, SW_DIR_TO_CLIENT = 1 };
enum sw_side { SW_SIDE_REQUEST = 0, SW_SIDE_RESPONSE = 1 };

/* What moved an application-layer transaction forward (SW_HOOK_APP). One transaction (tx_id)
 * meets its events in this order; any may be missing (no body, a lost response, a session
 * resumed without a certificate). Buffers of earlier events of the same transaction stay
 * available in later ones (a response event still has the request's buffers). */
enum sw_app_event {
    SW_APP_EV_HTTP_REQUEST = 0,   /* request line and headers */
    SW_APP_EV_HTTP_REQUEST_BODY,  /* the request body, whole or cut (file part set) */
    SW_APP_EV_HTTP_RESPONSE,      /* status line and headers */
    SW_APP_EV_HTTP_RESPONSE_BODY, /* the response body, whole or cut (file part set) */
    SW_APP_EV_DNS_QUERY,          /* one DNS message with QR clear (UDP datagram or TCP record) */
    SW_APP_EV_DNS_ANSWER,         /* one DNS message with QR set */
    SW_APP_EV_TLS_CLIENT_HELLO,
    SW_APP_EV_TLS_SERVER_HELLO,
    SW_APP_EV_TLS_CERTIFICATE, /* the server's certificate (the chain's first) */
    SW_APP_EV_MAX
};

/* Named buffers (Suricata's sticky buffers). Each is a list of spans: most hold one, a
 * multi-buffer (dns.query with several questions) one per instance; an absent buffer has
 * none. Contents are as Suricata builds them:
 *   HTTP_METHOD, HTTP_PROTOCOL ("HTTP/1.1"), HTTP_REQUEST_LINE, HTTP_RESPONSE_LINE (without
 *   line end); HTTP_URI: normalized (the path percent-decoded, its segments "." and ".."
 *   resolved and "//" folded; a scheme and authority before it and the query after '?' as
 *   sent), HTTP_URI_RAW as sent; HTTP_HOST: the Host header (else the URI's
 *   authority) lower-cased, without port; HTTP_HOST_RAW as sent; HTTP_STAT_CODE ("200"),
 *   HTTP_STAT_MSG; single-header buffers (USER_AGENT, REFERER, ACCEPT, ACCEPT_LANG,
 *   ACCEPT_ENC, CONNECTION, CONTENT_LEN, CONTENT_TYPE, SERVER, LOCATION, COOKIE): the value
 *   without surrounding blanks, repeated headers joined with ", "; COOKIE is Cookie on the
 *   request side and Set-Cookie on the response side; HTTP_HEADER: every header of the side
 *   but Cookie / Set-Cookie as "Name: Value\r\n", then "\r\n"; HTTP_HEADER_RAW: each header
 *   line as sent (folded lines joined, blanks at its end dropped) and "\r\n", then "\r\n";
 *   HTTP_HEADER_NAMES: "\r\n" then each name followed by "\r\n", then "\r\n";
 *   HTTP_START: start line "\r\n" headers as sent "\r\n\r\n";
 *   HTTP_REQUEST_BODY, HTTP_RESPONSE_BODY: the body de-chunked (and the response body
 *   decompressed), up to network.http.max_body; FILE_DATA: the side's body as above.
 *   DNS_QUERY: each question name, dotted, without the final dot, as it came (not
 *   lower-cased); TLS_SNI: the server_name; TLS_CERT_SUBJECT / _ISSUER: as the tls object's
 *   subject / issuerdn; TLS_CERT_SERIAL, TLS_CERT_FINGERPRINT likewise; TLS_VERSION;
 *   JA3_HASH / JA3S_HASH: 32 lower-case hex digits, JA3_STRING / JA3S_STRING when known. */
enum sw_buf {
    SW_BUF_HTTP_METHOD = 0,
    SW_BUF_HTTP_URI,
    SW_BUF_HTTP_URI_RAW,
    SW_BUF_HTTP_PROTOCOL,
    SW_BUF_HTTP_REQUEST_LINE,
    SW_BUF_HTTP_RESPONSE_LINE,
    SW_BUF_HTTP_HOST,
    SW_BUF_HTTP_HOST_RAW,
    SW_BUF_HTTP_USER_AGENT,
    SW_BUF_HTTP_REFERER,
    SW_BUF_HTTP_ACCEPT,
    SW_BUF_HTTP_ACCEPT_LANG,
    SW_BUF_HTTP_ACCEPT_ENC,
    SW_BUF_HTTP_CONNECTION,
    SW_BUF_HTTP_CONTENT_LEN,
    SW_BUF_HTTP_CONTENT_TYPE,
    SW_BUF_HTTP_SERVER,
    SW_BUF_HTTP_LOCATION,
    SW_BUF_HTTP_COOKIE,
    SW_BUF_HTTP_HEADER,
    SW_BUF_HTTP_HEADER_RAW,
    SW_BUF_HTTP_HEADER_NAMES,
    SW_BUF_HTTP_START,
    SW_BUF_HTTP_STAT_CODE,
    SW_BUF_HTTP_STAT_MSG,
    SW_BUF_HTTP_REQUEST_BODY,
    SW_BUF_HTTP_RESPONSE_BODY,
    SW_BUF_FILE_DATA,
    SW_BUF_DNS_QUERY,
    SW_BUF_TLS_SNI,
    SW_BUF_TLS_CERT_SUBJECT,
    SW_BUF_TLS_CERT_ISSUER,
    SW_BUF_TLS_CERT_SERIAL,
    SW_BUF_TLS_CERT_FINGERPRINT,
    SW_BUF_TLS_VERSION,
    SW_BUF_JA3_HASH,
    SW_BUF_JA3_STRING,
    SW_BUF_JA3S_HASH,
    SW_BUF_JA3S_STRING,
    SW_BUF_MAX
};

/* Suricata's name of a buffer ("http.uri", "file.data", "ja3.hash"). Static; any thread. */
const char *sw_buf_name(enum sw_buf b);

/* Bytes, borrowed for the call. p may be NULL only when len is 0. */
struct sw_span {
    const uint8_t *p;
    size_t len;
};

/* Subject flags. */
#define SW_SUBJ_ESTABLISHED                                                                 \
    0x01u                        /* TCP: the handshake completed (or picked up mid-stream   \
                                  * with data both ways); UDP and others: packets seen both \
                                  * ways */
#define SW_SUBJ_NDPI_DONE 0x02u  /* nDPI decided or gave up: ndpi holds its final result */
#define SW_SUBJ_STREAM_GAP 0x04u /* STREAM_*: bytes are missing before or inside this data */
#define SW_SUBJ_TRUNCATED 0x08u  /* APP body / STREAM_WHOLE: cut by a limit or the end */
/* PACKET: Suricata's no-payload-inspection (PKT_NOPAYLOAD_INSPECTION): the flow's payload is
 * no longer inspected by Suricata rules, its TLS being encrypted from here on
 * (network.app.tls.encryption_handling: track-only); payload still holds the packet's bytes
 * (for dsize, and for detectors that are not Suricata's). */
#define SW_SUBJ_NO_PAYLOAD 0x10u

/* The application-layer part of a subject (SW_HOOK_APP; zero otherwise). */
struct sw_subject_app {
    enum sw_app_event event;
    uint64_t tx_id;            /* transaction number within the flow, from 0, per protocol
                                * parser; HTTP: request/response pair; DNS: per message id
                                * pair; TLS: the handshake (0) */
    bool client_is_originator; /* SW_SIDE_REQUEST maps to SW_DIR_TO_SERVER */
    /* Another reading of an ambiguous HTTP message (static name, see app_http.h), or "" for
     * the reading browsers take. */
    const char *reading;
    /* The object an alert about this transaction carries (the stage copies it into the
     * alert); NULL when the parser has none. */
    const struct sw_app_obj *obj;
    /* A body as an object on the wire (HTTP bodies): its fileinfo part (file name, size,
     * sha256, filetype label, http part) as the fileinfo event carries it; NULL otherwise. */
    const struct sw_file_part *file;
    /* Buffer access, through sw_subject_buf(): the parser fills spans on demand (building
     * normalized buffers only when first asked) and keeps them until the call returns. */
    const struct sw_span *(*get)(void *ctx, enum sw_side side, enum sw_buf b, unsigned *n);
    void *ctx;
};

/* One subject. Filled by the network worker; const for detectors (but for *fstate). */
struct sw_subject {
    enum sw_hook hook;
    uint64_t ts_us;  /* capture time of the packet that caused the call */
    enum sw_dir dir; /* of the packet / stream bytes / message */
    uint32_t flags;  /* SW_SUBJ_* */

    /* The flow. */
    const struct sw_flow_ref *flow;      /* identity: addresses, ports, proto, VLANs, flow_id,
                                          * community_id */
    const struct sw_flow_counts *counts; /* packets and bytes so far */
    const struct sw_ndpi_info *ndpi;     /* nDPI's view now: protocol names and ids, category,
                                          * confidence, risks, hostname, ja3c/ja3s, app_proto
                                          * (final once SW_SUBJ_NDPI_DONE) */
    uint8_t state;                       /* enum sw_flow_state */
    uint64_t risks_new;                  /* PACKET, FLOW_END: risk bits set by this packet (or
                                          * at the end) never reported before; the worker marks
                                          * them reported after the call */

    /* SW_HOOK_PACKET: the decoded packet and its L4 payload (bounded by what was captured).
     * Other hooks: the packet that caused the call, or NULL (flow end, timeouts). */
    const struct sw_packet *pkt;
    struct sw_span payload;

    /* SW_HOOK_STREAM_CHUNK / _WHOLE: bytes of direction dir starting at stream.offset in
     * that direction's reassembled stream (0 for WHOLE). */
    struct {
        struct sw_span data;
        uint64_t offset;
    } stream;

    struct sw_subject_app app;

    /* This detector's per-flow slot, set by the stage before each detector's call: NULL
     * until the detector stores a pointer there; what it stores it owns, and its ops'
     * flow_free releases it when the flow ends or when a reload installs a new detection set
     * (so per-flow state must not point into the set: it may outlive it). NULL when the
     * subject has no flow storage (a detector called from a test without one). */
    void **fstate;
};

/* The spans of buffer b on side side (count in *n, 0 when absent: returns NULL). Valid
 * until the detector's call returns. Worker thread. */
static inline const struct sw_span *
sw_subject_buf(const struct sw_subject *s, enum sw_side side, enum sw_buf b, unsigned *n)
{
    *n = 0;
    if (s->hook != SW_HOOK_APP || s->app.get == NULL || (unsigned)b >= SW_BUF_MAX)
        return NULL;
    return s->app.get(s->app.ctx, side, b, n);
}

#endif
