/* router_int.h - private to output/router.c and output/router_sink.c: one sink's queue, its
 * spool and its counters, all owned by the output thread (main after it stopped). */
#ifndef SW_ROUTER_INT_H
#define SW_ROUTER_INT_H

#include <stdbool.h>
#include <stdint.h>

#include "sw/config.h"
#include "sw/eve.h"
#include "sw/sink.h"
#include "sw/spool.h"
#include "sw/stats.h"

enum qstate { Q_PENDING, Q_INFLIGHT, Q_DONE };

#define QF_DISK 0x1u  /* the record is in the spool at pos */
#define QF_ROUND 0x2u /* ... appended in the round not yet committed */
#define QF_MAYBE 0x4u /* the receiver may have it already: sending it again may duplicate */

/* One record in a sink's memory queue. */
struct qrec {
    struct sw_eve_line *ln; /* one reference (ln->refs) */
    uint64_t seq;
    struct sw_spool_pos pos; /* QF_DISK */
    uint8_t state;           /* enum qstate */
    uint8_t flags;           /* QF_* */
};

struct sink_q {
    struct sw_sink *s;          /* owned */
    bool networked;
    int mode;                   /* enum sw_spool_mode, never SW_SPOOL_DEFAULT */
    int when_full;              /* enum sw_when_full */
    uint64_t max_events, max_bytes, batch_events, batch_bytes, linger_us;
    uint64_t retry_initial, retry_max;
    uint64_t spool_max;          /* this sink's spool bound (bytes) */
    struct sw_spool *spool;      /* owned, NULL without one */
    char spool_dir[4096];
    uint64_t next_seq;           /* without a spool */
    uint64_t sent_mark0;         /* spool's sent mark when it was opened */
    /* the queue: a ring of cap entries, count used from head, in ascending seq */
    struct qrec *q;              /* owned */
    size_t cap, head, count;
    uint64_t live, live_bytes;   /* entries not done */
    uint64_t n_disk;             /* live entries with QF_DISK */
    uint64_t pending;            /* entries Q_PENDING */
    size_t hint;                 /* no Q_PENDING entry before this index (from head) */
    uint64_t pending_since;      /* monotonic us when pending became non-zero */
    bool blocked;                /* write said RETRY: wait for service or tick */
    bool loadable;               /* the spool holds records sq_load left for want of room or
                                  * of its per-round bound: load again once there is room */
    uint64_t backoff_until;      /* monotonic us; 0: none */
    unsigned backoff_exp;
    uint64_t round_backlog;      /* appended this round to the spool, not kept in memory */
    bool error_active;           /* an error was logged and nothing was acked since */
    struct sw_rec *batch;        /* owned: batch_events entries */
    size_t *batch_idx;           /* owned: their queue indexes */
    struct sw_sink_stats st;     /* counters (name, last_error ...) */
    char logged_error[256];      /* the last error written to the log */
};

struct sw_router;

/* Set up sq for sink s from its config row (NULL: a local sink with defaults). Takes s. */
enum sw_rc sq_init(struct sink_q *sq, struct sw_sink *s, const struct sw_cfg_sink *c,
                   const struct sw_config *cfg, size_t index, struct sw_err *err);
/* Open the spool (after the privilege drop). */
enum sw_rc sq_open_spool(struct sink_q *sq, const struct sw_config *cfg, struct sw_err *err);
/* End: spill what spool.mode keeps, close the spool, destroy the sink, free. */
void sq_fini(struct sink_q *sq);

/* A new event for this sink. Takes a reference on ln if it keeps it in memory. */
void sq_take(struct sw_router *r, struct sink_q *sq, struct sw_eve_line *ln);
/* End of the append phase: commit the spool; undo what a failed commit did not store. */
void sq_commit(struct sink_q *sq);
/* Load spooled records into memory while there is room. */
void sq_load(struct sink_q *sq);
/* Offer pending records to the sink (batching, back-off, flow control). */
void sq_offer(struct sw_router *r, struct sink_q *sq, uint64_t now, bool draining);
/* Pop what is done from the head; move the spool's acknowledged front. */
void sq_settle(struct sink_q *sq);
/* Before exit: write the records only in memory to the spool (overflow), count the rest. */
void sq_spill_all(struct sink_q *sq);
/* The sink reported an outcome for [first, last] / an error (include/sw/sink.h section 4). */
void sq_outcome(struct sw_router *r, struct sink_q *sq, uint64_t first, uint64_t last, int what,
                const char *reason);
void sq_error(struct sw_router *r, struct sink_q *sq, const char *msg);
/* Records still to deliver (memory and spool backlog). */
uint64_t sq_outstanding(const struct sink_q *sq);
/* Refresh st's gauges (queued, spool usage) for publishing. */
void sq_gauges(struct sink_q *sq, uint64_t now_real_us);
/* The earliest monotonic time at which sq wants the router to act (UINT64_MAX: none). */
uint64_t sq_deadline(const struct sink_q *sq, bool draining);

/* Router callbacks used by router_sink.c. */
uint64_t sw_router_rand(struct sw_router *r);
void sw_router_line_put(struct sw_eve_line *ln);

#endif
