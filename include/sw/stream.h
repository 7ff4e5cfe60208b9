/* stream.h - TCP reassembly per flow and direction, for content inspection (YARA).
 *
 * Each direction of a flow gets one buffer of its reassembled bytes, in sequence order, up to
 * network.stream.depth; bytes past the depth are counted, not kept. Retransmissions and
 * overlaps keep the data seen first (Suricata's default policy), and a later copy that differs
 * is counted as an overlap conflict. Segments ahead of the next expected byte are held (at
 * most SW_STREAM_MAX_HELD per direction) until the hole fills; when the hole cannot fill (too
 * many held, memcap refused, or the direction is finished) the held data is taken with a gap
 * recorded. Without a SYN the stream starts at the first data segment seen (mid-stream
 * pickup). Sequence numbers wrap: positions are kept as 64-bit offsets from the start.
 *
 * The handshake that completes decides where each direction starts, as Suricata's stream
 * engine does, so that earlier SYNs with other sequence numbers cannot pin the stream on a
 * connection that never happened (and hide the real one's bytes): until the peer
 * acknowledges it, a direction follows its newest SYN and remembers up to
 * SW_STREAM_MAX_SYN_QUEUED earlier ones (the oldest is forgotten beyond: 3whs_syn_flood); a
 * SYN-ACK must acknowledge one of them (else it is ignored: 3whs_synack_with_wrong_ack), and
 * the acknowledged SYN becomes the client's start. A SYN-ACK with another sequence number
 * waits (up to SW_STREAM_MAX_SYNACK_QUEUED) for the client's ACK to pick it. Moving a
 * direction to another SYN discards what it held (the consumer gets a gap); once a SYN is
 * acknowledged, SYNs with other numbers are ignored. Each of these is a counted stream event
 * (sw_stream_event_name: Suricata's stream.* names where it has one).
 *
 * An application consumer (the HTTP parser) may be attached to a stream: from then on it gets
 * every in-order byte of both directions as it becomes in order, beyond the depth and after
 * sw_stream_release() too (the buffer stops at the depth; the consumer does not), and every
 * hole given up on as a gap; held segments are kept for it past the depth.
 *
 * A context (one per worker thread) owns the memory accounting: every allocation is checked
 * against its memcap first; a refused segment is counted (memcap_drops) and its direction
 * marked as having a gap. Worker thread only; no locks. */
#ifndef SW_STREAM_H
#define SW_STREAM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sw/err.h"
#include "sw/packet.h"

/* Out-of-order segments held per direction; one more closes the oldest hole as a gap. */
#define SW_STREAM_MAX_HELD 64
/* A segment starting further than this past the next expected byte is ignored (junk). */
#define SW_STREAM_MAX_AHEAD (1u << 30)
/* Earlier SYNs (other sequence numbers) remembered before the SYN-ACK, as Suricata's
 * stream.max-syn-queued default; SYN-ACKs with other numbers waiting for the ACK, as its
 * max-synack-queued. */
#define SW_STREAM_MAX_SYN_QUEUED 10
#define SW_STREAM_MAX_SYNACK_QUEUED 5

/* Stream events: handshake anomalies, counted in sw_stream_stats.events and reported once
 * per segment by sw_stream_events_take(). */
enum sw_stream_event {
    SW_STREAM_EV_SYN_RESEND_DIFF_SEQ,  /* a SYN moved an unacknowledged direction (seawall's) */
    SW_STREAM_EV_SYN_FLOOD,            /* more earlier SYNs than remembered: oldest forgotten */
    SW_STREAM_EV_SYN_DIFF_SEQ_ON_SYN_RECV, /* SYN with another number after the SYN-ACK */
    SW_STREAM_EV_SYNACK_WRONG_ACK,     /* SYN-ACK acknowledging no SYN seen: ignored */
    SW_STREAM_EV_SYNACK_DIFF_ACK,      /* another SYN-ACK acknowledging another SYN: ignored */
    SW_STREAM_EV_SYNACK_FLOOD,         /* more waiting SYN-ACKs than kept: this one ignored */
    SW_STREAM_EV_MAX
};

enum sw_stream_dir { SW_STREAM_TO_SERVER = 0, SW_STREAM_TO_CLIENT = 1 };

/* sw_stream_packet() return bits: this direction reached the depth with this segment. */
#define SW_STREAM_FULL_TS 0x01u
#define SW_STREAM_FULL_TC 0x02u

/* An application consumer's callbacks, called from inside sw_stream_segment/packet/finish/
 * attach on the worker thread. arg is the one given to sw_stream_attach(). data is borrowed
 * for the call. Neither may call back into the stream module for this stream. */
struct sw_stream_app {
    void (*data)(void *arg, enum sw_stream_dir dir, const uint8_t *data, size_t len);
    void (*gap)(void *arg, enum sw_stream_dir dir, uint64_t len); /* len bytes missing */
};

struct sw_stream_cfg {
    uint64_t depth;  /* bytes kept per direction (network.stream.depth), >= 1 */
    uint64_t memcap; /* bytes this context may hold (network.stream.memcap / workers) */
    const struct sw_stream_app *app; /* borrowed, may be NULL: no consumer can attach */
};

/* Counters of one context (names as in stats: stream.<name>). */
struct sw_stream_stats {
    uint64_t reassembly_memuse; /* bytes held now: buffers, held segments, stream state */
    uint64_t segments;          /* TCP segments with data given to the module */
    uint64_t overlaps;          /* segments overlapping data already seen */
    uint64_t overlap_conflicts; /* ... with different bytes (the first copy was kept) */
    uint64_t gaps;              /* holes given up on */
    uint64_t depth_reached;     /* directions that reached the depth */
    uint64_t memcap_drops;      /* allocations refused by the memcap */
    uint64_t events[SW_STREAM_EV_MAX]; /* handshake anomalies (enum sw_stream_event) */
};

/* What is known about one direction (plain data, copied out). */
struct sw_stream_info {
    const uint8_t *data; /* borrowed: the reassembled bytes, valid until the next call on
                          * this stream; NULL when len is 0 */
    size_t len;
    uint64_t gaps;         /* holes in data (bytes missing between two parts) */
    uint64_t beyond_depth; /* bytes seen past the depth, not kept */
    bool gap;              /* at least one gap or refused segment */
    bool depth_reached;
    bool syn, fin, rst; /* flags seen from this direction's sender */
    bool midstream;     /* started without a SYN */
    bool released;      /* sw_stream_release() was called: data is gone */
    uint32_t restarts;  /* times the direction moved to another SYN, dropping what it had */
};

struct sw_stream_ctx;
struct sw_stream;

/* Create a context. Returns NULL with err set on allocation failure or a zero depth. */
struct sw_stream_ctx *sw_stream_ctx_create(const struct sw_stream_cfg *cfg, struct sw_err *err);
/* NULL-safe. Every stream of the context must have been destroyed first. */
void sw_stream_ctx_destroy(struct sw_stream_ctx *c);
/* Copy the counters. */
void sw_stream_stats(const struct sw_stream_ctx *c, struct sw_stream_stats *out);

/* One TCP segment of direction dir: seq, ack (read with TH_ACK only), flags (TH_* as in struct
 * sw_packet), len bytes at data. *sp is the flow's stream (struct sw_flow.stream), created here on first use (NULL
 * stays NULL when the memcap or an allocation refuses: counted as memcap_drops). Returns
 * SW_STREAM_FULL_* bits for a direction that reached the depth with this segment (once per
 * direction), else 0. */
unsigned sw_stream_segment(struct sw_stream_ctx *c, struct sw_stream **sp, enum sw_stream_dir dir,
                           uint32_t seq, uint32_t ack, uint8_t flags, const uint8_t *data,
                           uint32_t len);
/* The same for a decoded TCP packet (tcp_seq, tcp_ack, tcp_flags, payload_off/payload_len). */
unsigned sw_stream_packet(struct sw_stream_ctx *c, struct sw_stream **sp, const struct sw_packet *p,
                          bool to_server);

/* Take what is held for dir (holes become gaps) so data holds every byte there is: call
 * before the last inspection (flow end). */
void sw_stream_finish(struct sw_stream_ctx *c, struct sw_stream *s, enum sw_stream_dir dir);
/* Fill out for dir. s may be NULL (all zero). */
void sw_stream_info(const struct sw_stream *s, enum sw_stream_dir dir, struct sw_stream_info *out);
/* Free dir's data after its inspection; later segments of dir are ignored, unless a
 * consumer is attached: they are then still reassembled and handed to it. */
void sw_stream_release(struct sw_stream_ctx *c, struct sw_stream *s, enum sw_stream_dir dir);
/* Decide the stream's consumer, once (later calls do nothing): with arg non-NULL (and
 * cfg->app set), what both directions hold so far is replayed to it at once (the buffer, its
 * first gap in place, then one gap for bytes it no longer has), and every later in-order byte
 * follows as it arrives. arg NULL records that there is none. s NULL: nothing. */
void sw_stream_attach(struct sw_stream_ctx *c, struct sw_stream *s, void *arg);
/* sw_stream_attach() was called on s. */
bool sw_stream_app_decided(const struct sw_stream *s);
/* The consumer's arg given to sw_stream_attach(), or NULL. */
void *sw_stream_app_arg(const struct sw_stream *s);
/* The events the stream raised since the last call, as bits (1u << enum sw_stream_event),
 * then forget them: the caller reports each once. s may be NULL (0). */
unsigned sw_stream_events_take(struct sw_stream *s);
/* "stream.<name>", Suricata's name where it has one (stream.3whs_syn_flood). Static. */
const char *sw_stream_event_name(enum sw_stream_event ev);
/* Free a stream (both directions); the consumer's arg is not touched. NULL-safe. */
void sw_stream_destroy(struct sw_stream_ctx *c, struct sw_stream *s);

#endif
