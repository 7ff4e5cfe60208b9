/* sink.h - output sinks: the contract between the router (output/router.c) and every place
 * events go ("file", "stdout", "tcp", "syslog", "http", "kafka").
 *
 * A sink type is a const table of functions (struct sw_sink_ops, curl's filter type/instance
 * split); an instance (struct sw_sink) carries the type's private ctx. The router owns the
 * instances, keeps one bounded queue and one disk spool per sink, and promises at-least-once
 * delivery for every sink whose receiver acknowledges. This header is the whole contract: a
 * sink written from it alone must work.
 *
 * 1. Records and sequence numbers
 *    Every event a sink takes (its `types` filter) becomes a struct sw_rec with a per-sink
 *    sequence number `seq`, assigned by the router when the event enters the sink's queue or
 *    spool: strictly increasing in the order the router took the events, never reused for the
 *    life of the sink's spool directory (kept across restarts and kill -9), never 0. A record
 *    offered again (after a retry, or replayed from the spool after a restart) keeps its seq,
 *    so a receiver-side id built from (host, spool_id, seq) names the same event on every
 *    attempt, and two identical events get two ids (Elasticsearch `_id`).
 *
 * 2. Calls and threads
 *    create   main thread, before the output thread starts (it may block: it runs once at
 *             start-up, before the sandbox; resolve names, read certificates, check config).
 *    destroy  main thread, after the output thread stopped. Must cope with a half-built ctx
 *             (create failed part-way) and must not block longer than the sink's own timeouts.
 *    every other op: the output thread only, one call at a time, never concurrently with
 *             another op of the same sink. Nothing a sink does may block that thread: sockets
 *             are non-blocking, connects and TLS handshakes proceed in service(), names are
 *             resolved asynchronously or at create. A library whose calls block (librelp) runs
 *             on the sink's own thread, fed through SPSC rings (see sink_syslog.c for one).
 *    The report functions at the end of this header (sw_sink_ack, ...) are called by the sink
 *    on the output thread, from inside write, service, flush, tick or reopen: never from create,
 *    destroy or another thread. A sink with its own thread passes its results back through a
 *    ring and reports them from service().
 *
 * 3. write(): offering a batch
 *    The router offers recs[0..n) (n >= 1) in ascending seq order (not necessarily
 *    contiguous: a record given back with SW_SINK_RESEND comes again before newer ones). The
 *    sink takes a prefix recs[0..*taken) and returns:
 *      SW_SINK_DONE   it took all n (*taken == n).
 *      SW_SINK_RETRY  flow control, not a failure: it took *taken < n (0 allowed) and cannot
 *                     take more now (send buffer or window full, still connecting). The router
 *                     offers the rest again after the sink's next service(), flush() or
 *                     tick(), with no back-off; so the sink's poll_fd() must then wait for
 *                     what frees room (an fd event or a timeout), or it waits for the next tick
 *                     (live: a second; offline: never). Use it for "busy", never for "broken".
 *      SW_SINK_FAIL   the receiver or the transport failed in this call (connection refused or
 *                     reset, TLS verification failed). It took *taken records (usually 0); it
 *                     has reported the reason with sw_sink_error() (else the router records
 *                     "write failed"). The router backs off (section 6) before the next write.
 *    A taken record is the sink's until it reports the record's outcome (section 4) exactly
 *    once. The sink does not copy records: rec->line and rec->key stay valid and unchanged from
 *    the write that offered them until the sink reports that seq (or until destroy), so a sink
 *    may keep the pointers in its in-flight state. write() must not block; it may do I/O that
 *    completes at once (a non-blocking send) and may report outcomes immediately (a sink with
 *    no receiver acknowledgement, such as udp, acknowledges as soon as the datagram left).
 *    A record the sink can never deliver (larger than the receiver accepts and not
 *    truncatable) is taken and rejected at once with sw_sink_reject().
 *
 * 4. Outcomes: what the sink tells the router, per seq or inclusive range [first, last]
 *    A range covers exactly the records this sink has taken and not yet reported whose seq
 *    lies in it (seqs in a range that are not in flight are ignored), so a sink can report
 *    "everything up to X" (windowed acks: RELP, TCP), single seqs in any order (Kafka
 *    delivery reports), or a mix (per-item results of an HTTP _bulk response).
 *      sw_sink_ack      delivered: the receiver acknowledged it (RELP rsp 200, HTTP 2xx item,
 *                       Kafka delivery report without error, HEC ack). It leaves the queue and
 *                       the spool. For transports without an application acknowledgement the
 *                       sink says what it counts as delivered (tcp: the receiver's TCP stack
 *                       acknowledged every byte of it; udp: the datagram was sent).
 *      sw_sink_reject   permanently refused (HTTP 4xx mapping error, Kafka authorization or
 *                       message-too-large): counted as failed with the reason, dropped from the
 *                       queue and the spool, never retried, never blocking what follows. A sink
 *                       that keeps a dead-letter copy writes it before reporting.
 *      sw_sink_resend   not delivered, try again (HTTP 429/5xx item, a connection lost before
 *                       the acknowledgement, a Kafka message timeout). The router offers it
 *                       again, before newer records, after the current back-off if the sink
 *                       reported an error. maybe_delivered says the receiver may already have
 *                       it (bytes sent, no acknowledgement seen): the router counts those as
 *                       duplicates_possible when it sends them again.
 *    Reporting a seq that is not in flight is ignored (and counted in debug builds).
 *
 * 5. poll_fd(), service(), tick(), flush()
 *    poll_fd  the fd the router polls for this sink and the events (POLLIN, POLLOUT) it waits
 *             for, or -1 for none; *timeout_ms is the longest the router may wait before
 *             calling service() anyway (-1: no limit). Asked before every wait. A sink with
 *             several sockets (libcurl multi) keeps its own epoll set and returns its fd.
 *    service  the fd is ready or the timeout expired: progress connects and handshakes, read
 *             acknowledgements, send what is buffered, report outcomes. After service (and
 *             flush, and tick) the router offers pending records again if the last write
 *             returned RETRY.
 *    tick     about once a second, live only: timers of the sink's own (idle connections,
 *             rotated files, request timeouts). May be NULL.
 *    flush    end of every round of the output thread, after the router wrote the round's
 *             records to the spool (spool.mode: always): push out what was taken (file sinks
 *             write(2) here, and only here, so a line in an EVE file is always in the spool
 *             of every network sink first). Never blocks; what cannot go now stays for the
 *             next service or flush. May be NULL.
 *    reopen   SIGHUP (and logrotate): file sinks reopen their path; network sinks re-read
 *             certificates, keys and CA files for their next connection (a failure keeps
 *             the previous material and is reported with sw_sink_error). May be NULL.
 *
 * 6. What the router does with it (per sink)
 *    - queue: at most queue.max_events records / queue.max_bytes bytes in memory, in flight
 *      included; beyond that records wait in the spool (or, without one, are dropped by
 *      spool.when_full and counted as dropped_policy). A slow sink never slows another.
 *    - batching: write() is called when batch.max_events records or batch.max_bytes bytes are
 *      pending, or batch.linger after the oldest pending one arrived.
 *    - back-off: after SW_SINK_FAIL or sw_sink_error(), no write() for a delay that starts at
 *      retry.initial and doubles up to retry.max, with jitter (each delay drawn uniformly in
 *      [d/2, d]); the next sw_sink_ack() resets it. service() and tick() still run.
 *    - counters per sink (seawall.output.sinks[] in stats and `seawall status`): sent (taken
 *      by write), acked, retried (resend reports), failed (rejected, or lost to a spool error),
 *      duplicates_possible, queued, spooled_events/bytes, spool_oldest_age, dropped_policy,
 *      truncated (sw_sink_count_truncated), last_error and last_error_time.
 *    - SIGTERM: delivery goes on until every queue is empty or agent.stop_timeout passes;
 *      what is left is in the spool (spool.mode: always or overflow) when the process exits.
 *
 * 7. Ownership
 *    The router owns each struct sw_sink (sw_sink_create/sw_sink_destroy) and everything a
 *    struct sw_rec points to. The sink owns s->ctx and whatever it allocates; it frees it in
 *    destroy, where records still in flight are simply forgotten (the router resends them
 *    from its queue or spool on the next run). Secrets read by create (TLS keys, tokens,
 *    passwords) are wiped with explicit_bzero when no longer needed and in destroy. */
#ifndef SW_SINK_H
#define SW_SINK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sw/config.h"
#include "sw/err.h"

enum sw_sink_rc { SW_SINK_DONE, SW_SINK_RETRY, SW_SINK_FAIL };

/* One encoded event offered to a sink. Plain data; the pointers are owned by the router and
 * valid as section 3 says. */
struct sw_rec {
    uint64_t seq;      /* per-sink sequence number (section 1), >= 1 */
    uint64_t ts_us;    /* the event's timestamp, microseconds since the epoch (UTC) */
    const char *line;  /* EVE JSON object, no newline, not NUL-terminated */
    size_t len;        /* bytes of line */
    const char *key;   /* partition key: community_id, else flow_id in decimal, else the file
                        * path of a host event; NULL when the event has none */
    size_t key_len;
    uint8_t type;      /* enum sw_event_type (event_type of the line) */
    uint8_t severity;  /* alert severity 1 (high) .. 3 (low); 0 for every other event */
    uint8_t flags;     /* SW_REC_* */
};

/* The record was offered before and may have reached the receiver (a resend after a lost
 * acknowledgement, or a replay from the spool after a restart). */
#define SW_REC_RESENT 0x1u

/* What every sink may need to know about the agent. Borrowed by create for the call; copy
 * what you keep. */
struct sw_sink_env {
    const char *host;    /* agent.id, or the hostname: EVE "host", syslog HOSTNAME */
    unsigned long pid;   /* syslog PROCID */
    const char *state_dir; /* agent.state_dir: where a sink may keep files (dead letters) */
};

struct sw_sink;

/* The router's side of the reports, set before the first call after create. Sinks do not
 * call these directly: use the sw_sink_* functions below. */
struct sw_sink_host {
    void (*outcome)(void *ctx, struct sw_sink *s, uint64_t first, uint64_t last, int what,
                    const char *reason);
    void (*error)(void *ctx, struct sw_sink *s, const char *msg);
    void (*truncated)(void *ctx, struct sw_sink *s, uint64_t n);
};

struct sw_sink_ops {
    const char *name; /* config "type" */
    /* Main thread. Fill s->ctx and s->name; return SW_OK or a code with err naming the sink
     * and the key at fault ("outputs[2]: tls.ca /etc/x.pem: No such file or directory"). */
    int (*create)(struct sw_sink *s, const struct sw_cfg_sink *cfg,
                  const struct sw_sink_env *env, struct sw_err *err);
    /* Output thread. Section 3. */
    enum sw_sink_rc (*write)(struct sw_sink *s, const struct sw_rec *recs, size_t n,
                             size_t *taken);
    /* Output thread: how many records write() would take now (0: none, so the router does
     * not build a batch; it offers again as after SW_SINK_RETRY). NULL: not known, the
     * router offers whole batches. A sink whose room frees one record at a time (a job ring
     * to its own thread) says it, or each wake-up costs the router a whole batch built and
     * taken back. */
    size_t (*room)(const struct sw_sink *s);
    /* Output thread. Section 5; NULL: no fd, no timeout. */
    int (*poll_fd)(const struct sw_sink *s, short *events, int *timeout_ms);
    void (*service)(struct sw_sink *s, short revents); /* NULL when poll_fd is NULL */
    void (*flush)(struct sw_sink *s);  /* may be NULL */
    void (*tick)(struct sw_sink *s);   /* may be NULL */
    void (*reopen)(struct sw_sink *s); /* may be NULL */
    /* Main thread. Copes with a half-built ctx. */
    void (*destroy)(struct sw_sink *s);
    /* true: the sink's acknowledgement means the receiver has the event, so the router gives
     * it a spool (network sinks). false: local sinks (file, stdout) that write and
     * acknowledge in flush; they get no spool and no back-off. */
    bool networked;
};

struct sw_sink {
    const struct sw_sink_ops *ops;
    void *ctx;      /* owned by the ops */
    uint32_t types; /* 1u << enum sw_event_type it takes */
    char name[96];  /* set by create, for messages and stats: "syslog siem.city.local:6514" */
    /* Set by the router before the first write: unique per sink spool directory, made at
     * random when the spool was first created and kept in it (0 without a spool). With the
     * host and seq it names an event uniquely even after the spool directory was deleted. */
    uint64_t spool_id;
    const struct sw_sink_host *host; /* borrowed: set by the router */
    void *host_ctx;
};

/* Outcome codes passed to sw_sink_host.outcome (section 4). */
enum sw_sink_outcome {
    SW_SINK_ACKED = 1,
    SW_SINK_REJECTED,
    SW_SINK_RESEND,
    SW_SINK_RESEND_MAYBE_DELIVERED,
};

/* Output thread, from write/service/flush/tick/reopen (section 4). reason: one line, no secrets,
 * copied by the call. */
static inline void
sw_sink_ack(struct sw_sink *s, uint64_t first, uint64_t last)
{
    s->host->outcome(s->host_ctx, s, first, last, SW_SINK_ACKED, NULL);
}

static inline void
sw_sink_reject(struct sw_sink *s, uint64_t first, uint64_t last, const char *reason)
{
    s->host->outcome(s->host_ctx, s, first, last, SW_SINK_REJECTED, reason);
}

static inline void
sw_sink_resend(struct sw_sink *s, uint64_t first, uint64_t last, bool maybe_delivered)
{
    s->host->outcome(s->host_ctx, s, first, last,
                     maybe_delivered ? SW_SINK_RESEND_MAYBE_DELIVERED : SW_SINK_RESEND, NULL);
}

/* Output thread: the receiver or transport failed ("connect 10.0.0.5:6514: Connection
 * refused", "tls: certificate verify failed: hostname mismatch"). Becomes last_error and
 * last_error_time, starts or lengthens the back-off, and is logged when it differs from the
 * previous error of this sink (one line per distinct failure, not one per retry). */
void sw_sink_error(struct sw_sink *s, const char *fmt, ...) SW_PRINTF(2, 3);

/* Output thread: n records were cut to fit the receiver (counted as truncated). */
static inline void
sw_sink_count_truncated(struct sw_sink *s, uint64_t n)
{
    s->host->truncated(s->host_ctx, s, n);
}

/* Cut an EVE JSON object (line, len bytes) to at most max bytes so that it stays one valid
 * JSON object: the top-level members that fit are kept in order and the object ends with
 * "truncated":true. Writes into out (max bytes) and returns the new length, or 0 when not
 * even the first member fits (then reject the record). Any thread. */
size_t sw_sink_truncate_json(const char *line, size_t len, char *out, size_t max);

/* The name of a sink in stats, status and its spool folder: outputs[].name, else
 * "<type>-<address>" (file sinks: "file-<path>", "stdout"). Any thread. */
void sw_sink_cfg_name(const struct sw_cfg_sink *c, char *buf, size_t len);

/* Build a sink from its config row (main thread). Returns NULL and fills err (naming the
 * sink) when the type is unknown or create failed. */
struct sw_sink *sw_sink_create(const struct sw_cfg_sink *cfg, const struct sw_sink_env *env,
                               struct sw_err *err);
/* Frees (ops->destroy, then the struct). NULL-safe. Main thread, output thread stopped. */
void sw_sink_destroy(struct sw_sink *s);

extern const struct sw_sink_ops sw_sink_file_ops;   /* "file", "stdout" */
extern const struct sw_sink_ops sw_sink_tcp_ops;    /* "tcp" */
extern const struct sw_sink_ops sw_sink_syslog_ops; /* "syslog" */
extern const struct sw_sink_ops sw_sink_http_ops;   /* "http" (elasticsearch, splunk) */
extern const struct sw_sink_ops sw_sink_kafka_ops;  /* "kafka" */

/* Check one outputs[].kafka property (name: value) the way the kafka sink will hand it to
 * librdkafka, without connecting anywhere, so that `seawall config check` and `seawall run`
 * refuse the same properties. Returns true, or false with why (one line, len bytes) saying
 * what librdkafka objects to. Any thread. */
bool sw_sink_kafka_check_property(const char *name, const char *value, char *why, size_t len);

/* Does outputs[].index, formatted with strftime for a sample date, give an index name
 * Elasticsearch accepts (lower case; none of \ / * ? " < > | space , # :; not starting with
 * - _ +)? For config check and the http sink alike. Any thread. */
bool sw_sink_http_index_ok(const char *pattern);

#endif
