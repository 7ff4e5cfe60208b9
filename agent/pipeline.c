/* pipeline.c - the network pipeline, offline and live (see include/sw/pipeline.h). */
#include "sw/pipeline.h"

#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#include "sw/alloc.h"
#include "sw/clock.h"
#include "sw/decode.h"
#include "sw/defrag.h"
#include "sw/det_ndpi_risk.h"
#include "sw/detset.h"
#include "sw/eve.h"
#include "sw/flow.h"
#include "sw/hash.h"
#include "sw/log.h"
#include "sw/ndpi.h"
#include "sw/net_worker.h"
#include "sw/ring.h"
#include "sw/router.h"
#include "sw/src_live.h"
#include "sw/src_pcap.h"
#include "sw/stats.h"
#include "sw/yara.h"

#define BATCH_PKTS 512
#define BATCH_MIN_BYTES (320u * 1024u) /* > libpcap's largest snap length (256 KiB) */
#define EVENT_RING 4096
#define LIVE_TICK_US 1000000u /* live: workers hear the time at least this often */
#define LIVE_WAIT_MS 1000     /* live: idle threads wake this often (heartbeat, requests) */
#define LIVE_DISPATCH 4096    /* live: packets taken from libpcap per call */

/* Packets copied for one worker; data of pkt[i] points into buf. */
struct batch {
    uint32_t n;
    size_t used, cap;
    uint64_t now_us;    /* capture time when sent: the worker expires flows against it */
    bool final;         /* last batch of its lane: the capture side stops */
    uint32_t stats_gen; /* != 0: publish a counter snapshot tagged with it (offline -v) */
    uint8_t *buf;       /* owned */
    struct sw_packet pkt[BATCH_PKTS];
};

/* A sleeping thread's doorbell: see output/router.c for the protocol. */
struct bell {
    int efd;
    _Atomic int sleeping;
};

/* One capture side to one worker. */
struct lane {
    struct sw_ring in;  /* producer capture side, consumer worker */
    struct sw_ring ret; /* producer worker, consumer capture side */
    struct batch *cur;  /* capture side: batch being filled */
    struct batch *stop; /* the final, empty batch (made at set-up so stopping needs no memory) */
    unsigned n_batches; /* allocated so far (capture side) */
};

struct worker {
    struct sw_pipeline *pl;
    unsigned idx;
    pthread_t thread;
    bool started;
    struct sw_net_worker *nw; /* owned by the worker thread once started */
    struct sw_producer *prod; /* owned by the router */
    struct sw_emitter em;     /* the net worker's: stamps the host, then prod's emitter */
    struct bell bell;
    unsigned finals;              /* worker thread: lanes that delivered their final batch */
    uint64_t now_us;              /* worker thread: latest capture time heard */
    struct sw_det_reader rd;      /* the detection set in use (acknowledges a swap) */
    struct sw_worker_stats final; /* written by the worker before exit, read after join */
    _Atomic int ready;            /* the worker made its nDPI module (or failed to) */
    struct sw_worker_stats snap;  /* written by the worker before snap_gen, read by main after */
    _Atomic uint32_t snap_gen;
    _Atomic int init_failed;
    struct sw_err init_err; /* written by the worker before `ready` */
    _Atomic uint64_t beat;  /* loop iterations: the watchdog's proof of progress */
    uint64_t beat_seen;     /* main thread */
};

/* A capture side: the main thread offline, one thread per interface live. */
struct capture {
    struct sw_pipeline *pl;
    unsigned idx;
    pthread_t thread;
    bool started;
    struct sw_live *live;     /* owned; NULL offline */
    struct lane *lane;        /* owned: one per worker */
    struct bell bell;         /* offline: waits for batches to come back */
    struct sw_producer *prod; /* owned by the router: anomaly events */
    struct sw_det_reader rd;  /* detection set in use: network.decode.*, eve.anomaly_rate */
    struct sw_defrag *defrag; /* owned */
    struct sw_decode_stats dstats;
    struct sw_capture_stats cstats;
    struct sw_worker_stats ws; /* anomaly counters of this capture side */
    struct sw_iface_stats ifs; /* live counters */
    uint64_t now_us;
    uint64_t next_tick_us;
    const char *source; /* offline: the file being read; live: the interface */
    uint64_t pkt_no;
    /* anomaly rate limit in capture time */
    uint64_t anomaly_sec;
    uint32_t anomaly_in_sec;
    /* live snapshots, as for workers */
    struct {
        struct sw_capture_stats c;
        struct sw_decode_stats d;
        struct sw_defrag_stats f;
        struct sw_worker_stats w;
        struct sw_iface_stats i;
    } snap;
    _Atomic uint32_t snap_gen;
    _Atomic uint64_t beat;
    uint64_t beat_seen;
    _Atomic int failed;
    struct sw_err fail_err; /* written before `failed` */
};

struct sw_pipeline {
    const struct sw_config *cfg;
    bool live;
    unsigned n;       /* workers */
    struct worker *w; /* owned */
    /* Hash keys, set before any thread starts and read-only after (one pipeline per
     * process). flow_key: every worker's flow-table buckets, random: a sender who could pick
     * flows sharing a chain would make each packet walk it. dispatch_key: which worker gets
     * a packet (sw_flow_hash_hosts), live only; see pipeline_setup. */
    struct sw_hash_key flow_key;
    struct sw_hash_key dispatch_key;
    unsigned n_cap;      /* capture sides */
    struct capture *cap; /* owned */
    struct sw_router *router;
    struct sw_producer *main_prod; /* live: the main thread's stats and engine events */
    struct sw_decode_cfg dcfg;     /* offline: the capture side's (live: each set has one) */
    size_t batch_cap;
    unsigned max_batches;
    int stop_efd; /* live: readable once capture must stop */
    _Atomic int stopping;
    bool started, stopped, drained; /* main thread: start() ran; stop() ran; and drained */
    /* detection sets: workers adopt a newly published one between batches */
    struct sw_det_pub det;
    _Atomic uint32_t snap_req; /* live: generation of the snapshot asked for */
    uint64_t start_us;
    long stall_worker;       /* test hook: -1 none */
    unsigned scan_timeout_s; /* per YARA scan; 0: the default (sw_pipeline_set_watchdog) */
    /* offline -v: a stats event every stats.interval of capture time */
    bool periodic_stats;
    uint64_t next_stats_us;
    uint32_t stats_gen;
};

static void
bell_ring(struct bell *b)
{
    uint64_t one = 1;

    atomic_thread_fence(memory_order_seq_cst);
    if (atomic_exchange_explicit(&b->sleeping, 0, memory_order_seq_cst)) {
        ssize_t n = write(b->efd, &one, sizeof(one));
        (void)n;
    }
}

/* Sleep until rung or timeout_ms (-1: no timeout), unless ready() turns true after
 * announcing the sleep. */
static void
bell_wait(struct bell *b, bool (*ready)(void *), void *arg, int timeout_ms)
{
    struct pollfd pfd = {.fd = b->efd, .events = POLLIN};
    uint64_t v;

    atomic_store_explicit(&b->sleeping, 1, memory_order_seq_cst);
    atomic_thread_fence(memory_order_seq_cst);
    if (ready(arg)) {
        atomic_store(&b->sleeping, 0);
        return;
    }
    if (timeout_ms < 0 || poll(&pfd, 1, timeout_ms) > 0) {
        ssize_t n = read(b->efd, &v, sizeof(v));
        (void)n;
    }
    atomic_store(&b->sleeping, 0);
}

static bool
ring_nonempty(void *arg)
{
    return sw_ring_count(arg) > 0;
}

static bool
worker_ready(void *arg)
{
    struct worker *w = arg;

    return atomic_load_explicit(&w->ready, memory_order_acquire) != 0;
}

/* Anything for worker w on any lane? */
static bool
lanes_nonempty(void *arg)
{
    struct worker *w = arg;

    for (unsigned c = 0; c < w->pl->n_cap; c++)
        if (sw_ring_count(&w->pl->cap[c].lane[w->idx].in) > 0)
            return true;
    return false;
}

/* Did a worker fail to make its nDPI module? (The reader then stops early.) */
static bool
workers_failed(struct sw_pipeline *pl)
{
    for (unsigned i = 0; i < pl->n; i++)
        if (atomic_load_explicit(&pl->w[i].init_failed, memory_order_relaxed))
            return true;
    return false;
}

static void
batch_destroy(struct batch *b)
{
    if (b == NULL)
        return;
    sw_free(b->buf);
    sw_free(b);
}

/* --- workers ------------------------------------------------------------------------------ */

/* Worker thread: build this worker's state for detection set d (a new YARA scanner). */
static enum sw_rc
worker_install(void *ctx, const struct sw_det_set *d, struct sw_err *err)
{
    struct worker *w = ctx;
    struct sw_net_detection nd = {.cfg = d->cfg, .risk = d->risk, .rules = d->rules};

    return sw_net_worker_set_detection(w->nw, &nd, err);
}

/* Capture thread: its per-set state is the set itself (decoding, anomaly rate, host). */
static enum sw_rc
capture_install(void *ctx, const struct sw_det_set *d, struct sw_err *err)
{
    (void)ctx;
    (void)d;
    (void)err;
    return SW_OK;
}

/* The set's EVE host on an event made by a thread that holds set d. */
static void
stamp_host(struct sw_event *ev, const struct sw_det_set *d)
{
    size_t n = strlen(d->host);

    if (n > 0 && n < sizeof(ev->host))
        memcpy(ev->host, d->host, n + 1);
}

/* Worker thread: the net worker's emitter. The host is copied into the event rather than
 * pointed to, so the event does not depend on the set's lifetime. */
static void
worker_emit(struct sw_emitter *em, struct sw_event *ev)
{
    struct worker *w = em->ctx;

    stamp_host(ev, w->rd.set);
    sw_emit(&w->prod->em, ev);
}

/* Worker thread, live: switch to a newly published detection set. */
static void
worker_check_det(struct worker *w)
{
    struct sw_det_reader *rd = &w->rd;

    if (sw_det_adopt(rd, &w->pl->det, worker_install, w, w->now_us) == SW_DET_FAILED) {
        /* The worker keeps the previous set, and tries again a second later; the reload is
         * reported by the main thread. */
        SW_LOG_RATELIMIT(SW_LOG_ERROR, "worker %u: %s (keeping the previous rules)", w->idx,
                         rd->err.msg);
    }
}

/* Worker thread, live: answer a snapshot request. */
static void
worker_check_snap(struct worker *w)
{
    uint32_t req = atomic_load_explicit(&w->pl->snap_req, memory_order_acquire);

    if (req == atomic_load_explicit(&w->snap_gen, memory_order_relaxed))
        return;
    sw_net_worker_stats(w->nw, &w->snap);
    w->snap.event_drops += w->prod->drops;
    atomic_store_explicit(&w->snap_gen, req, memory_order_release);
}

/* Worker thread: one batch. Returns it to its lane unless it was the last. */
static void
worker_batch(struct worker *w, struct lane *l, struct batch *b)
{
    for (uint32_t i = 0; i < b->n; i++)
        sw_net_worker_packet(w->nw, &b->pkt[i]);
    if (b->now_us > w->now_us)
        w->now_us = b->now_us;
    sw_net_worker_tick(w->nw, w->now_us);
    if (b->stats_gen != 0) {
        /* Offline: main reads snap only after seeing this generation, and asks for the next
         * one only after reading it: the snapshot is immutable while shared. */
        sw_net_worker_stats(w->nw, &w->snap);
        w->snap.event_drops += w->prod->drops;
        atomic_store_explicit(&w->snap_gen, b->stats_gen, memory_order_release);
    }
    sw_producer_kick(w->prod);
    if (b->final) {
        w->finals++;
        batch_destroy(b);
        return;
    }
    b->n = 0;
    b->used = 0;
    b->stats_gen = 0;
    /* The return ring holds every batch of this lane: never full. */
    if (!sw_ring_push(&l->ret, b))
        batch_destroy(b);
}

/* Worker thread when its nDPI module could not be made: hand batches back unread until every
 * lane's final one, so that no capture side waits on a worker that will not come. */
static void
worker_drain_failed(struct worker *w)
{
    struct sw_pipeline *pl = w->pl;

    while (w->finals < pl->n_cap) {
        bool got = false;

        for (unsigned c = 0; c < pl->n_cap; c++) {
            struct lane *l = &pl->cap[c].lane[w->idx];
            struct batch *b = sw_ring_pop(&l->in);

            if (b == NULL)
                continue;
            got = true;
            if (b->final) {
                w->finals++;
                batch_destroy(b);
                continue;
            }
            b->n = 0;
            b->used = 0;
            b->stats_gen = 0;
            if (!sw_ring_push(&l->ret, b))
                batch_destroy(b);
            bell_ring(&pl->cap[c].bell);
        }
        if (!got)
            bell_wait(&w->bell, lanes_nonempty, w, pl->live ? LIVE_WAIT_MS : -1);
    }
}

static void
stall_forever(struct worker *w)
{
    sw_log_warn("worker %u: stalled on purpose (%s)", w->idx, SW_PIPELINE_STALL_ENV);
    while (!atomic_load(&w->pl->stopping)) {
        struct timespec ts = {0, 100 * 1000 * 1000};

        nanosleep(&ts, NULL);
    }
}

static void *
worker_main(void *arg)
{
    struct worker *w = arg;
    struct sw_pipeline *pl = w->pl;
    const struct sw_det_set *det = w->rd.set;
    char name[16];
    unsigned next = 0;

    snprintf(name, sizeof(name), "sw-worker/%u", w->idx);
    pthread_setname_np(pthread_self(), name);
    struct sw_net_detection nd = {.cfg = det->cfg, .risk = det->risk, .rules = det->rules};
    struct sw_net_watch watch = {.scan_timeout_s = pl->scan_timeout_s, .progress = &w->beat};

    w->nw = sw_net_worker_create(pl->cfg, w->idx, pl->n, &pl->flow_key, &nd, &watch, &w->em,
                                 &w->init_err);
    if (w->nw == NULL)
        atomic_store(&w->init_failed, 1);
    atomic_store_explicit(&w->ready, 1, memory_order_release);
    for (unsigned c = 0; c < pl->n_cap; c++)
        bell_ring(&pl->cap[c].bell);
    if (w->nw == NULL) {
        atomic_store_explicit(&w->rd.active, 0, memory_order_release);
        worker_drain_failed(w);
        sw_producer_close(w->prod);
        return NULL;
    }
    while (w->finals < pl->n_cap) {
        bool got = false;

        /* One batch per lane per round: no interface starves another. */
        for (unsigned k = 0; k < pl->n_cap; k++) {
            unsigned c = (next + k) % pl->n_cap;
            struct lane *l = &pl->cap[c].lane[w->idx];
            struct batch *b = sw_ring_pop(&l->in);

            if (b == NULL)
                continue;
            got = true;
            worker_batch(w, l, b);
            bell_ring(&pl->cap[c].bell);
        }
        next++;
        atomic_fetch_add_explicit(&w->beat, 1, memory_order_relaxed);
        if (pl->live) {
            worker_check_det(w);
            worker_check_snap(w);
            if (pl->stall_worker == (long)w->idx)
                stall_forever(w);
        }
        if (!got && w->finals < pl->n_cap)
            bell_wait(&w->bell, lanes_nonempty, w, pl->live ? LIVE_WAIT_MS : -1);
    }
    sw_net_worker_flush(w->nw, w->now_us); /* the flows still open: alerts, flow events */
    sw_net_worker_stats(w->nw, &w->final);
    sw_net_worker_destroy(w->nw, w->now_us);
    w->nw = NULL;
    atomic_store_explicit(&w->rd.active, 0, memory_order_release); /* done with its set */
    w->final.event_drops += w->prod->drops;
    sw_producer_close(w->prod);
    sw_eve_thread_fini();
    return NULL;
}

/* --- capture side ------------------------------------------------------------------------- */

static struct batch *
batch_alloc(struct sw_pipeline *pl, struct lane *l)
{
    struct batch *b = sw_calloc(1, sizeof(*b));

    if (b != NULL && (b->buf = sw_malloc(pl->batch_cap)) != NULL) {
        b->cap = pl->batch_cap;
        l->n_batches++;
        return b;
    }
    batch_destroy(b);
    return NULL;
}

/* A batch for worker w: a returned one, a new one while under network.ring_size, else
 * offline wait for one to come back; live return NULL (the caller drops and counts). */
static struct batch *
batch_get(struct capture *cp, unsigned wi)
{
    struct sw_pipeline *pl = cp->pl;
    struct lane *l = &cp->lane[wi];
    struct batch *b;

    for (;;) {
        b = sw_ring_pop(&l->ret);
        if (b != NULL)
            return b;
        if (l->n_batches < pl->max_batches) {
            b = batch_alloc(pl, l);
            if (b != NULL || l->n_batches == 0)
                return b; /* NULL: cannot make even one: the caller counts the drop */
        }
        if (pl->live)
            return NULL;
        cp->cstats.batch_waits++;
        bell_ring(&pl->w[wi].bell);
        bell_wait(&cp->bell, ring_nonempty, &l->ret, -1);
    }
}

static void
batch_send(struct capture *cp, unsigned wi)
{
    struct lane *l = &cp->lane[wi];
    struct batch *b = l->cur;

    l->cur = NULL;
    b->now_us = cp->now_us;
    sw_producer_kick(cp->prod);
    /* The in ring has room for every batch of this lane: pushing cannot fail. */
    while (!sw_ring_push(&l->in, b)) {
        bell_ring(&cp->pl->w[wi].bell);
        struct timespec ts = {0, 50000};
        nanosleep(&ts, NULL);
    }
    bell_ring(&cp->pl->w[wi].bell);
}

/* Copy a decoded packet into its worker's batch. */
static void
dispatch(struct capture *cp, const struct sw_packet *p)
{
    struct sw_pipeline *pl = cp->pl;
    unsigned wi =
        pl->n == 1 ? 0 : sw_flow_hash_hosts(pl->live ? &pl->dispatch_key : NULL, p) % pl->n;
    struct lane *l = &cp->lane[wi];
    struct sw_packet *q;

    if (p->caplen > pl->batch_cap)
        return; /* cannot happen with libpcap's snap length limit; kept as a guard */
    if (l->cur != NULL && (l->cur->n == BATCH_PKTS || l->cur->used + p->caplen > l->cur->cap))
        batch_send(cp, wi);
    if (l->cur == NULL) {
        l->cur = batch_get(cp, wi);
        if (l->cur == NULL) {
            if (pl->live)
                cp->ifs.ring_drops++;
            else
                cp->ws.event_drops++;
            return;
        }
    }
    q = &l->cur->pkt[l->cur->n++];
    *q = *p;
    memcpy(l->cur->buf + l->cur->used, p->data, p->caplen);
    q->data = l->cur->buf + l->cur->used;
    l->cur->used += p->caplen;
}

static struct sw_event *stats_event(struct sw_pipeline *pl, bool final);

/* Offline -v: every stats.interval of capture time, ask each worker for a snapshot (a flag
 * on a batch, so it counts exactly the packets before it), and once all answered, emit a
 * stats event through the capture producer. */
static bool
snapshots_in(void *arg)
{
    struct sw_pipeline *pl = arg;

    for (unsigned i = 0; i < pl->n; i++)
        if (atomic_load_explicit(&pl->w[i].snap_gen, memory_order_acquire) != pl->stats_gen &&
            !atomic_load(&pl->w[i].init_failed))
            return false;
    return true;
}

static void
periodic_stats(struct capture *cp)
{
    struct sw_pipeline *pl = cp->pl;
    struct sw_event *ev;

    if (pl->next_stats_us == 0)
        pl->next_stats_us = cp->now_us + pl->cfg->stats.interval;
    if (cp->now_us < pl->next_stats_us)
        return;
    pl->next_stats_us = cp->now_us + pl->cfg->stats.interval;
    pl->stats_gen++;
    for (unsigned i = 0; i < pl->n; i++) {
        struct lane *l = &cp->lane[i];

        if (l->cur == NULL)
            l->cur = batch_get(cp, i);
        if (l->cur == NULL)
            return; /* no memory for a batch: skip this round (the final stats still come) */
        l->cur->stats_gen = pl->stats_gen;
        batch_send(cp, i);
    }
    /* Offline, a short wait for the workers keeps the stats on their capture-time beat. */
    while (!snapshots_in(pl))
        bell_wait(&cp->bell, snapshots_in, pl, -1);
    ev = stats_event(pl, false);
    if (ev != NULL)
        sw_emit(&cp->prod->em, ev);
    else
        cp->ws.event_drops++;
}

/* Anomaly events, at most eve.anomaly_rate per second of capture time. */
static void
anomaly(struct capture *cp, const struct sw_packet *p)
{
    struct sw_event *ev;
    uint64_t sec = p->ts_us / 1000000u;

    cp->ws.anomalies++;
    if (sec != cp->anomaly_sec) {
        cp->anomaly_sec = sec;
        cp->anomaly_in_sec = 0;
    }
    if (cp->anomaly_in_sec >= cp->rd.set->cfg->eve.anomaly_rate) {
        cp->ws.anomalies_suppressed++;
        return;
    }
    cp->anomaly_in_sec++;
    ev = sw_event_create(SW_EV_ANOMALY, p->ts_us);
    if (ev == NULL) {
        cp->ws.event_drops++;
        return;
    }
    stamp_host(ev, cp->rd.set);
    ev->u.anomaly.type = "decode";
    ev->u.anomaly.event = sw_decode_event_name((enum sw_decode_event)p->decode_event);
    ev->u.anomaly.packet_no = cp->live != NULL ? 0 : cp->pkt_no; /* live: no file position */
    snprintf(ev->u.anomaly.source, sizeof(ev->u.anomaly.source), "%s", cp->source);
    if (p->ip_version == 4 || p->ip_version == 6) {
        ev->u.anomaly.has_tuple = true;
        ev->flow.ip_version = p->ip_version;
        ev->flow.proto = p->l4_proto;
        memcpy(ev->flow.src, p->src, 16);
        memcpy(ev->flow.dst, p->dst, 16);
        ev->flow.sport = p->sport;
        ev->flow.dport = p->dport;
        ev->flow.vlan_count = p->vlan_count;
        memcpy(ev->flow.vlan, p->vlan, sizeof(ev->flow.vlan));
    }
    sw_emit(&cp->prod->em, ev);
}

static void
handle_packet(struct capture *cp, struct sw_packet *p)
{
    struct sw_pipeline *pl = cp->pl;
    const struct sw_decode_cfg *dcfg = &cp->rd.set->dcfg;
    enum sw_decode_rc rc = sw_decode_frame(dcfg, p, &cp->dstats);

    if (p->ts_us > cp->now_us)
        cp->now_us = p->ts_us;
    if (pl->periodic_stats)
        periodic_stats(cp);
    switch (rc) {
    case SW_DECODE_OK:
        if (p->decode_event == SW_DEV_TCP_OPT_INVALID)
            anomaly(cp, p);
        dispatch(cp, p);
        break;
    case SW_DECODE_FRAGMENT: {
        const uint8_t *dg;
        uint32_t dglen;
        struct sw_packet r;

        if (sw_defrag_add(cp->defrag, p, &dg, &dglen) != SW_OK)
            break; /* held, or dropped and counted */
        if (sw_decode_reassembled(dcfg, p, dg, dglen, &r, &cp->dstats) == SW_DECODE_OK)
            dispatch(cp, &r);
        else if (r.decode_event != 0)
            anomaly(cp, &r);
        break;
    }
    case SW_DECODE_INVALID:
        anomaly(cp, p);
        break;
    case SW_DECODE_NOT_IP:
    case SW_DECODE_LINKTYPE:
        break;
    }
}

/* Read one capture file through the pipeline. Returns true when it could be opened. */
static bool
read_file(struct capture *cp, const char *path)
{
    struct sw_err err;
    struct sw_pcap_file *f = sw_pcap_open_file(path, &err);
    struct sw_packet p;
    enum sw_rc rc;

    if (f == NULL) {
        sw_log_error("%s", err.msg);
        cp->cstats.files_failed++;
        return false;
    }
    if (!sw_decode_linktype_supported(sw_pcap_linktype(f))) {
        sw_log_warn("%s: link type %s (%d) is not supported, file skipped", path,
                    sw_pcap_linktype_name(f), sw_pcap_linktype(f));
        cp->cstats.unsupported_linktype++;
        cp->cstats.files_failed++;
        sw_pcap_close(f);
        return false;
    }
    cp->cstats.files++;
    cp->source = path;
    for (;;) {
        memset(&p, 0, sizeof(p));
        rc = sw_pcap_next(f, &p, &err);
        if (rc == SW_EOF)
            break;
        if (rc != SW_OK) {
            sw_log_warn("%s (processed up to there)", err.msg);
            cp->cstats.truncated_files++;
            if (sw_pcap_count(f) == 0) {
                /* Cut before its first packet: nothing of it could be read. */
                cp->cstats.files_failed++;
                sw_pcap_close(f);
                return false;
            }
            break;
        }
        cp->cstats.pkts++;
        cp->cstats.bytes += p.wirelen;
        cp->pkt_no = sw_pcap_count(f);
        handle_packet(cp, &p);
        if ((cp->pkt_no & 4095) == 0 && workers_failed(cp->pl))
            break;
    }
    sw_pcap_close(f);
    return true;
}

/* End of input of a capture side: send what is pending, then the final batch of each lane. */
static void
capture_finish(struct capture *cp)
{
    struct sw_pipeline *pl = cp->pl;

    for (unsigned i = 0; i < pl->n; i++) {
        struct lane *l = &cp->lane[i];

        if (!pl->w[i].started)
            continue;
        if (l->cur != NULL)
            batch_send(cp, i);
        l->cur = l->stop;
        l->stop = NULL;
        l->cur->final = true;
        batch_send(cp, i);
    }
}

/* --- live capture threads ----------------------------------------------------------------- */

static void
live_packet(void *ctx, struct sw_packet *p)
{
    struct capture *cp = ctx;

    cp->ifs.pkts++;
    cp->ifs.bytes += p->wirelen;
    cp->cstats.pkts++;
    cp->cstats.bytes += p->wirelen;
    cp->pkt_no++;
    handle_packet(cp, p);
}

/* Live: every LIVE_TICK_US of wall time each worker hears the time (an empty batch if need
 * be), so flows of a quiet link still end on time; fragments expire here. */
static void
live_tick(struct capture *cp, uint64_t now)
{
    struct sw_pipeline *pl = cp->pl;

    if (now > cp->now_us)
        cp->now_us = now;
    if (cp->now_us < cp->next_tick_us)
        return;
    cp->next_tick_us = cp->now_us + LIVE_TICK_US;
    sw_defrag_expire(cp->defrag, cp->now_us);
    for (unsigned i = 0; i < pl->n; i++) {
        struct lane *l = &cp->lane[i];

        if (l->cur == NULL)
            l->cur = batch_get(cp, i);
        if (l->cur != NULL)
            batch_send(cp, i);
    }
}

static void
live_snapshot(struct capture *cp)
{
    uint32_t req = atomic_load_explicit(&cp->pl->snap_req, memory_order_acquire);
    struct sw_live_stats ks;
    struct sw_err err;

    if (req == atomic_load_explicit(&cp->snap_gen, memory_order_relaxed))
        return;
    if (sw_live_stats(cp->live, &ks, &err) == SW_OK) {
        cp->ifs.received = ks.received;
        cp->ifs.kernel_drops = ks.kernel_drops;
        cp->ifs.if_drops = ks.if_drops;
    }
    cp->snap.c = cp->cstats;
    cp->snap.d = cp->dstats;
    cp->snap.f = *sw_defrag_stats(cp->defrag);
    cp->snap.w = cp->ws;
    cp->snap.w.event_drops += cp->prod->drops;
    cp->snap.i = cp->ifs;
    cp->snap.i.decode_errors = cp->dstats.invalid;
    atomic_store_explicit(&cp->snap_gen, req, memory_order_release);
}

static void *
capture_main(void *arg)
{
    struct capture *cp = arg;
    struct sw_pipeline *pl = cp->pl;
    struct pollfd pfd[2] = {
        {.fd = sw_live_fd(cp->live), .events = POLLIN},
        {.fd = pl->stop_efd, .events = POLLIN},
    };
    char name[16];

    snprintf(name, sizeof(name), "sw-capture/%u", cp->idx);
    pthread_setname_np(pthread_self(), name);
    cp->source = sw_live_name(cp->live);
    while (!atomic_load_explicit(&pl->stopping, memory_order_acquire)) {
        int n = poll(pfd, 2, LIVE_WAIT_MS / 10);
        struct sw_err err;

        if (n < 0 && errno != EINTR) {
            sw_err_sys(&cp->fail_err, SW_EIO, "interface %s: poll", cp->source);
            atomic_store(&cp->failed, 1);
            break;
        }
        /* A reload: decode with the new set from the next packet on (cannot fail). */
        (void)sw_det_adopt(&cp->rd, &pl->det, capture_install, cp, cp->now_us);
        /* Drain what the kernel holds, a bounded amount per round. */
        for (int round = 0; round < 16; round++) {
            int got = sw_live_dispatch(cp->live, LIVE_DISPATCH, live_packet, cp, &err);

            if (got < 0) {
                cp->fail_err = err;
                cp->ifs.errors++;
                atomic_store(&cp->failed, 1);
                goto out;
            }
            if (got < LIVE_DISPATCH)
                break;
        }
        /* A quiet link still delivers: send partial batches now. */
        for (unsigned i = 0; i < pl->n; i++)
            if (cp->lane[i].cur != NULL && cp->lane[i].cur->n > 0)
                batch_send(cp, i);
        live_tick(cp, sw_clock_us(CLOCK_REALTIME));
        live_snapshot(cp);
        atomic_fetch_add_explicit(&cp->beat, 1, memory_order_relaxed);
    }
out:
    sw_defrag_expire(cp->defrag, UINT64_MAX);
    capture_finish(cp);
    /* Keep answering snapshots until the workers are done: main may still ask. */
    live_snapshot(cp);
    sw_producer_close(cp->prod);
    atomic_store_explicit(&cp->rd.active, 0, memory_order_release); /* done with its set */
    sw_eve_thread_fini();
    return NULL;
}

/* --- set-up and tear-down ----------------------------------------------------------------- */

static void
lane_free(struct lane *l)
{
    struct batch *b;

    batch_destroy(l->cur);
    batch_destroy(l->stop);
    if (l->in.slot != NULL)
        while ((b = sw_ring_pop(&l->in)) != NULL)
            batch_destroy(b);
    if (l->ret.slot != NULL)
        while ((b = sw_ring_pop(&l->ret)) != NULL)
            batch_destroy(b);
    sw_ring_fini(&l->in);
    sw_ring_fini(&l->ret);
}

static void
pipeline_free(struct sw_pipeline *pl)
{
    uint64_t now = 0;

    /* Set-up may have failed anywhere: every field is checked. */
    for (unsigned c = 0; pl->cap != NULL && c < pl->n_cap; c++) {
        struct capture *cp = &pl->cap[c];

        if (cp->now_us > now)
            now = cp->now_us;
        for (unsigned i = 0; cp->lane != NULL && i < pl->n; i++)
            lane_free(&cp->lane[i]);
        sw_free(cp->lane);
        sw_live_close(cp->live);
        sw_defrag_destroy(cp->defrag);
        if (cp->bell.efd > 0)
            close(cp->bell.efd);
    }
    sw_free(pl->cap);
    for (unsigned i = 0; pl->w != NULL && i < pl->n; i++) {
        sw_net_worker_destroy(pl->w[i].nw, now);
        if (pl->w[i].bell.efd > 0)
            close(pl->w[i].bell.efd);
    }
    sw_free(pl->w);
    if (pl->stop_efd > 0)
        close(pl->stop_efd);
    sw_router_destroy(pl->router);
    sw_det_pub_fini(&pl->det);
}

static struct sw_event *
stats_event(struct sw_pipeline *pl, bool final)
{
    struct sw_event *ev = sw_event_create(SW_EV_STATS, 0);
    struct sw_stats_snap *s;
    uint64_t now = 0;

    if (ev == NULL)
        return NULL;
    s = sw_calloc(1, sizeof(*s));
    if (s == NULL || (s->worker = sw_calloc(pl->n, sizeof(*s->worker))) == NULL ||
        (pl->live && (s->iface = sw_calloc(pl->n_cap, sizeof(*s->iface))) == NULL) ||
        (pl->live && (s->sink = sw_calloc(pl->cfg->n_outputs + 1, sizeof(*s->sink))) == NULL)) {
        sw_stats_snap_destroy(s);
        sw_event_destroy(ev);
        return NULL;
    }
    ev->u.stats = s;
    s->n_workers = pl->n;
    for (unsigned c = 0; c < pl->n_cap; c++) {
        const struct capture *cp = &pl->cap[c];
        /* Offline the capture side is this thread; live its snapshot (or, after the
         * threads ended, its own counters). */
        bool own = !pl->live || final;
        const struct sw_capture_stats *cs = own ? &cp->cstats : &cp->snap.c;
        const struct sw_decode_stats *ds = own ? &cp->dstats : &cp->snap.d;
        const struct sw_defrag_stats *fs = own ? sw_defrag_stats(cp->defrag) : &cp->snap.f;
        const struct sw_worker_stats *ws = own ? &cp->ws : &cp->snap.w;

        sw_stats_capture_add(&s->capture, cs);
        sw_stats_decode_add(&s->decoder, ds);
        sw_stats_defrag_add(&s->defrag, fs);
        sw_stats_worker_add(&s->total, ws);
        if (own)
            s->total.event_drops += cp->prod->drops;
        if (pl->live) {
            s->iface[c] = own ? cp->ifs : cp->snap.i;
            s->iface[c].decode_errors = ds->invalid;
            s->n_ifaces++;
        }
        if (cp->now_us > now)
            now = cp->now_us;
    }
    for (unsigned i = 0; i < pl->n; i++) {
        s->worker[i] = final ? pl->w[i].final : pl->w[i].snap;
        sw_stats_worker_add(&s->total, &s->worker[i]);
    }
    if (pl->live) {
        now = sw_clock_us(CLOCK_REALTIME);
        s->uptime_us = now - pl->start_us;
        for (size_t i = 0; i < pl->cfg->n_outputs; i++) {
            if (!sw_router_sink(pl->router, i, &s->sink[s->n_sinks]))
                break;
            s->n_sinks++;
        }
        s->output_queued = sw_router_queued(pl->router);
        /* The main thread's producer (stats, engine events): its drops are nobody else's. */
        s->total.event_drops += sw_producer_drops(pl->main_prod);
    }
    ev->ts_us = now;
    sw_router_counts(pl->router, &s->output_events, &s->output_drops);
    return ev;
}

static enum sw_rc
capture_setup(struct sw_pipeline *pl, struct capture *cp, unsigned idx, struct sw_err *err)
{
    const struct sw_config *cfg = pl->cfg;
    struct sw_defrag_cfg dfc = {
        .memcap = cfg->network.fragments.memcap,
        .timeout_us = cfg->network.fragments.timeout,
        .max_trackers = cfg->network.fragments.max_trackers,
    };

    cp->pl = pl;
    cp->idx = idx;
    cp->bell.efd = eventfd(0, EFD_CLOEXEC);
    if (cp->bell.efd == -1)
        return sw_err_sys(err, SW_EIO, "pipeline: eventfd");
    cp->defrag = sw_defrag_create(&dfc, err);
    if (cp->defrag == NULL)
        return err->code;
    cp->lane = sw_calloc(pl->n, sizeof(*cp->lane));
    if (cp->lane == NULL)
        return sw_err_set(err, SW_ENOMEM, "pipeline: out of memory");
    for (unsigned i = 0; i < pl->n; i++) {
        struct lane *l = &cp->lane[i];

        l->stop = sw_calloc(1, sizeof(*l->stop));
        if (l->stop == NULL || sw_ring_init(&l->in, pl->max_batches + 1) != SW_OK ||
            sw_ring_init(&l->ret, pl->max_batches) != SW_OK)
            return sw_err_set(err, SW_ENOMEM, "pipeline: out of memory");
    }
    cp->prod = sw_router_add_producer(pl->router, EVENT_RING, err);
    if (cp->prod == NULL)
        return err->code;
    return SW_OK;
}

/* Everything but the capture sides and the sinks. */
static enum sw_rc
pipeline_setup(struct sw_pipeline *pl, const struct sw_config *cfg, unsigned n_workers,
               unsigned n_cap, const struct sw_eve_cfg *eve, struct sw_sink **sinks, size_t n_sinks,
               struct sw_err *err)
{
    pl->cfg = cfg;
    pl->n = n_workers;
    pl->stop_efd = -1;
    pl->stall_worker = -1;
    pl->batch_cap =
        cfg->network.batch_size > BATCH_MIN_BYTES ? cfg->network.batch_size : BATCH_MIN_BYTES;
    pl->max_batches = cfg->network.ring_size;
    sw_decode_cfg_defaults(&pl->dcfg);
    pl->dcfg.max_layers = cfg->network.decode.max_layers;
    pl->dcfg.tunnels = cfg->network.decode.tunnels;
    pl->dcfg.vxlan_port = (uint16_t)cfg->network.decode.vxlan_port;
    /* Live, the dispatch key is random too: a sender who could aim host pairs at one worker
     * would overload it while the others idle, and a live worker that falls behind drops.
     * Offline the unkeyed public hash places flows (dispatch), so that a capture gives the
     * same events in every run (nDPI 4.2 correlates some flows across hosts inside one
     * worker's module: which flows share a worker can change what it reports). A capture
     * crafted to pile its flows on one worker then only costs parallelism: offline nothing
     * is dropped, and the flow tables stay keyed at random. */
    if (sw_hash_key_random(&pl->flow_key, err) != SW_OK)
        return err->code;
    if (pl->live && sw_hash_key_random(&pl->dispatch_key, err) != SW_OK)
        return err->code;

    /* Offline analysis loses nothing (a full event ring makes the worker wait); live, a
     * worker never waits on output: the event is dropped and counted. */
    pl->router = sw_router_create(eve, pl->live ? cfg : NULL, sinks, n_sinks, !pl->live, err);
    if (pl->router == NULL)
        return err->code;
    pl->w = sw_calloc(pl->n, sizeof(*pl->w));
    pl->cap = sw_calloc(n_cap, sizeof(*pl->cap));
    if (pl->w == NULL || pl->cap == NULL)
        return sw_err_set(err, SW_ENOMEM, "pipeline: out of memory");
    pl->n_cap = n_cap;
    for (unsigned i = 0; i < pl->n; i++) {
        struct worker *w = &pl->w[i];

        w->pl = pl;
        w->idx = i;
        w->bell.efd = eventfd(0, EFD_CLOEXEC);
        if (w->bell.efd == -1)
            return sw_err_sys(err, SW_EIO, "pipeline: eventfd");
        w->prod = sw_router_add_producer(pl->router, EVENT_RING, err);
        if (w->prod == NULL)
            return err->code;
    }
    for (unsigned c = 0; c < n_cap; c++)
        if (capture_setup(pl, &pl->cap[c], c, err) != SW_OK)
            return err->code;
    /* nDPI 4.2's first ndpi_init_detection_module() sets process-wide state (libgcrypt's
     * initialisation, the DGA bigram tables): do that once here, then every worker makes
     * its own module in its own thread, in parallel. */
    return sw_ndpi_prime(err);
}

/* Every worker and capture side holds the published detection set before its thread
 * starts (readers 0..n-1 the workers, then the capture sides). */
static void
attach_readers(struct sw_pipeline *pl)
{
    char name[48];

    for (unsigned i = 0; i < pl->n; i++) {
        snprintf(name, sizeof(name), "worker %u", i);
        sw_det_reader_attach(&pl->det, i, &pl->w[i].rd, name);
        pl->w[i].em.emit = worker_emit;
        pl->w[i].em.ctx = &pl->w[i];
    }
    for (unsigned c = 0; c < pl->n_cap; c++) {
        snprintf(name, sizeof(name), "capture thread of %s",
                 pl->live ? pl->cfg->network.interfaces[c].name : "the files");
        sw_det_reader_attach(&pl->det, pl->n + c, &pl->cap[c].rd, name);
    }
}

static bool
start_workers(struct sw_pipeline *pl, struct sw_err *err)
{
    for (unsigned i = 0; i < pl->n; i++) {
        int rc = pthread_create(&pl->w[i].thread, NULL, worker_main, &pl->w[i]);

        if (rc != 0) {
            /* Workers already running stop on their final batches. */
            errno = rc;
            sw_err_sys(err, SW_EIO, "pipeline: starting worker %u", i);
            return false;
        }
        pl->w[i].started = true;
        atomic_store_explicit(&pl->w[i].rd.active, 1, memory_order_release);
    }
    return true;
}

static void
join_workers(struct sw_pipeline *pl)
{
    for (unsigned i = 0; i < pl->n; i++) {
        if (pl->w[i].started) {
            pthread_join(pl->w[i].thread, NULL);
            pl->w[i].started = false;
        } else {
            sw_producer_close(pl->w[i].prod);
        }
    }
}

/* --- offline: seawall pcap ---------------------------------------------------------------- */

int
sw_pipeline_pcap(const struct sw_config *cfg, const struct sw_pcap_opts *o, struct sw_err *err)
{
    struct sw_cfg_sink out = {
        .type = (char *)(uintptr_t) "file",
        .path = (char *)(uintptr_t)(o->out != NULL ? o->out : "-"),
        .types = SW_EV_ALL,
        .truncate = true,
        .follow = true, /* -o names a path on the command line: -o /dev/stdout works */
    };
    struct sw_eve_cfg eve = {.host = o->host};
    unsigned n = o->workers != 0 ? o->workers : cfg->network.workers;
    struct sw_pipeline pl;
    struct sw_det_set *det;
    struct sw_sink **sinks;
    struct capture *cp;
    size_t ok_files = 0;
    bool ready;

    memset(&pl, 0, sizeof(pl));
    if (o->rules != NULL && n > SW_YARA_MAX_THREADS) {
        sw_err_set(err, SW_EINVAL, "--rules: at most %d workers can share one rule set, not %u",
                   SW_YARA_MAX_THREADS, n);
        return 2;
    }
    /* The caller keeps cfg and the rules: this set borrows them (freed by hand below). */
    det = sw_calloc(1, sizeof(*det));
    sinks = sw_calloc(1, sizeof(*sinks));
    if (det == NULL || sinks == NULL) {
        sw_free(det);
        sw_free(sinks);
        sw_err_set(err, SW_ENOMEM, "pipeline: out of memory");
        return 2;
    }
    det->gen = 1;
    det->cfg = (struct sw_config *)(uintptr_t)cfg;
    det->rules = (struct sw_yara_rules *)(uintptr_t)o->rules;
    det->risk = sw_det_ndpi_risk_create(cfg, err);
    sinks[0] = det->risk != NULL ? sw_sink_create(&out, NULL, err) : NULL;
    if (sinks[0] == NULL) {
        sw_det_ndpi_risk_destroy(det->risk);
        sw_free(det);
        sw_free(sinks);
        return 2;
    }
    pl.periodic_stats = o->verbose;
    if (pipeline_setup(&pl, cfg, n, 1, &eve, sinks, 1, err) != SW_OK ||
        sw_det_pub_init(&pl.det, det, pl.n + pl.n_cap, err) != SW_OK) {
        sw_det_ndpi_risk_destroy(det->risk);
        sw_free(det);
        pipeline_free(&pl);
        return 2;
    }
    det->dcfg = pl.dcfg; /* the host stays "": events get the encoder's (o->host) */
    attach_readers(&pl);
    if (sw_router_start(pl.router, err) != SW_OK) {
        atomic_store(&pl.det.cur, NULL); /* borrowed parts: freed by hand */
        sw_det_ndpi_risk_destroy(det->risk);
        sw_free(det);
        pipeline_free(&pl);
        return 2;
    }
    cp = &pl.cap[0];
    ready = start_workers(&pl, err);
    for (size_t i = 0; ready && i < o->n_files && !workers_failed(&pl); i++)
        if (read_file(cp, o->files[i]))
            ok_files++;
    for (unsigned i = 0; ready && i < pl.n; i++) {
        while (!atomic_load_explicit(&pl.w[i].ready, memory_order_acquire))
            bell_wait(&cp->bell, worker_ready, &pl.w[i], -1);
        if (atomic_load(&pl.w[i].init_failed)) {
            *err = pl.w[i].init_err;
            ready = false;
        }
    }
    sw_defrag_expire(cp->defrag, UINT64_MAX);
    capture_finish(cp); /* workers end their flows and stop */
    join_workers(&pl);
    sw_producer_close(cp->prod);
    sw_router_stop(pl.router);
    struct sw_event *st = stats_event(&pl, true);
    if (st != NULL)
        sw_router_write(pl.router, st);
    /* Every line has been written or counted by now (sw_router_write flushes): a lost event
     * (a write error, reported by the sink) makes the run incomplete. */
    uint64_t n_events, n_lost;
    sw_router_counts(pl.router, &n_events, &n_lost);
    /* The borrowed parts of the set are not ours to free. */
    atomic_store(&pl.det.cur, NULL);
    sw_det_ndpi_risk_destroy(det->risk);
    sw_free(det);
    pipeline_free(&pl);
    sw_eve_thread_fini();
    if (!ready)
        return 2;
    if (ok_files == 0) {
        sw_err_set(err, SW_EINVAL, "no capture file could be read");
        return 2;
    }
    if (n_lost > 0) {
        sw_err_set(err, SW_EIO, "%s: %llu of %llu events were not written",
                   o->out != NULL ? o->out : "stdout", (unsigned long long)n_lost,
                   (unsigned long long)n_events);
        return 2;
    }
    return 0;
}

/* --- live: seawall run -------------------------------------------------------------------- */

struct sw_pipeline *
sw_pipeline_open(const struct sw_config *cfg, struct sw_det_set *det, const char *host,
                 struct sw_err *err)
{
    struct sw_eve_cfg eve = {.host = host};
    struct sw_pipeline *pl;
    struct sw_sink **sinks;
    const char *stall = getenv(SW_PIPELINE_STALL_ENV);
    size_t n_sinks = 0;

    if (det == NULL)
        return NULL; /* err was filled by sw_det_set_create */
    if (cfg->network.n_interfaces == 0) {
        sw_det_set_destroy(det);
        sw_err_set(err, SW_EINVAL, "network.interfaces: no interface to capture on");
        return NULL;
    }
    if (det->rules != NULL && cfg->network.workers > SW_YARA_MAX_THREADS) {
        sw_det_set_destroy(det);
        sw_err_set(err, SW_EINVAL, "network.workers: at most %d workers with YARA rules, not %u",
                   SW_YARA_MAX_THREADS, cfg->network.workers);
        return NULL;
    }
    pl = sw_calloc(1, sizeof(*pl));
    sinks = sw_calloc(cfg->n_outputs + 1, sizeof(*sinks));
    if (pl == NULL || sinks == NULL)
        sw_err_set(err, SW_ENOMEM, "pipeline: out of memory");
    /* From here on pipeline_free() frees det. */
    if (pl == NULL || sinks == NULL ||
        sw_det_pub_init(&pl->det, det, cfg->network.workers + cfg->network.n_interfaces, err) !=
            SW_OK) {
        sw_free(pl);
        sw_free(sinks);
        sw_det_set_destroy(det);
        return NULL;
    }
    pl->live = true;
    for (size_t i = 0; i < cfg->n_outputs; i++) {
        struct sw_sink_env env = {
            .host = host, .pid = (unsigned long)getpid(), .state_dir = cfg->agent.state_dir};

        sinks[n_sinks] = sw_sink_create(&cfg->outputs[i], &env, err);
        if (sinks[n_sinks] == NULL) {
            /* A network sink's message names the key ("tls.ca PATH: ..."): say which sink.
             * A file sink's names its path already. */
            if (err != NULL && cfg->outputs[i].path == NULL &&
                strncmp(err->msg, "outputs", 7) != 0) {
                char msg[sizeof(err->msg)];

                /* A reason too long for one line loses its end, not its start. */
                if (snprintf(msg, sizeof(msg), "outputs[%zu]: %s", i, err->msg) < 0)
                    msg[0] = '\0';
                memcpy(err->msg, msg, sizeof(msg));
            }
            while (n_sinks > 0)
                sw_sink_destroy(sinks[--n_sinks]);
            sw_free(sinks);
            pipeline_free(pl);
            sw_free(pl);
            return NULL;
        }
        n_sinks++;
    }
    if (pipeline_setup(pl, cfg, cfg->network.workers, (unsigned)cfg->network.n_interfaces, &eve,
                       sinks, n_sinks, err) != SW_OK)
        goto fail;
    attach_readers(pl);
    pl->main_prod = sw_router_add_producer(pl->router, EVENT_RING, err);
    if (pl->main_prod == NULL)
        goto fail;
    pl->stop_efd = eventfd(0, EFD_CLOEXEC);
    if (pl->stop_efd == -1) {
        sw_err_sys(err, SW_EIO, "pipeline: eventfd");
        goto fail;
    }
    for (unsigned c = 0; c < pl->n_cap; c++) {
        struct capture *cp = &pl->cap[c];
        const struct sw_cfg_iface *ifc = &cfg->network.interfaces[c];

        cp->live = sw_live_open(ifc, err);
        if (cp->live == NULL)
            goto fail;
        if (!sw_decode_linktype_supported(sw_live_linktype(cp->live))) {
            sw_err_set(err, SW_EINVAL, "interface %s: link type %d is not supported", ifc->name,
                       sw_live_linktype(cp->live));
            goto fail;
        }
        snprintf(cp->ifs.name, sizeof(cp->ifs.name), "%s", ifc->name);
    }
    if (stall != NULL && stall[0] != '\0')
        pl->stall_worker = strtol(stall, NULL, 10);
    return pl;
fail:
    pipeline_free(pl);
    sw_free(pl);
    return NULL;
}

enum sw_rc
sw_pipeline_start(struct sw_pipeline *pl, struct sw_err *err)
{
    pl->start_us = sw_clock_us(CLOCK_REALTIME);
    pl->started = true; /* from here on, stop() winds down whatever did start */
    if (sw_router_start(pl->router, err) != SW_OK)
        return err->code;
    if (!start_workers(pl, err))
        return err->code;
    for (unsigned c = 0; c < pl->n_cap; c++) {
        struct capture *cp = &pl->cap[c];
        int rc = pthread_create(&cp->thread, NULL, capture_main, cp);

        if (rc != 0) {
            errno = rc;
            return sw_err_sys(err, SW_EIO, "interface %s: starting its capture thread",
                              cp->ifs.name);
        }
        cp->started = true;
        atomic_store_explicit(&cp->rd.active, 1, memory_order_release);
    }
    /* Workers make their nDPI modules in parallel: report the first failure. */
    for (unsigned i = 0; i < pl->n; i++) {
        while (!atomic_load_explicit(&pl->w[i].ready, memory_order_acquire)) {
            struct timespec ts = {0, 1000000};

            nanosleep(&ts, NULL);
        }
        if (atomic_load(&pl->w[i].init_failed)) {
            *err = pl->w[i].init_err;
            return err->code;
        }
    }
    return SW_OK;
}

static void
wake_workers(void *ctx)
{
    struct sw_pipeline *pl = ctx;

    for (unsigned i = 0; i < pl->n; i++)
        bell_ring(&pl->w[i].bell);
}

enum sw_det_swap
sw_pipeline_swap(struct sw_pipeline *pl, struct sw_det_set *det, unsigned wait_ms, char *why,
                 size_t len)
{
    return sw_det_publish(&pl->det, det, wait_ms, wake_workers, pl, why, len);
}

bool
sw_pipeline_settle(struct sw_pipeline *pl)
{
    return sw_det_settle(&pl->det);
}

const char *
sw_pipeline_host(struct sw_pipeline *pl)
{
    return sw_det_current(&pl->det)->host;
}

uint32_t
sw_pipeline_generation(const struct sw_pipeline *pl)
{
    return sw_det_current(&((struct sw_pipeline *)(uintptr_t)pl)->det)->gen;
}

void
sw_pipeline_reopen(struct sw_pipeline *pl)
{
    sw_router_reopen(pl->router);
}

unsigned
sw_pipeline_set_watchdog(struct sw_pipeline *pl, uint64_t check_us)
{
    /* Half the check interval: a worker beats after every scan, so consecutive beats are at
     * most one scan (plus the packet work around it) apart, well inside one interval; a
     * whole interval without a beat is then a real stall. */
    uint64_t s = check_us / 2 / 1000000u;

    if (check_us == 0)
        return SW_NET_SCAN_TIMEOUT_S;
    if (s < 1)
        s = 1;
    if (s > SW_NET_SCAN_TIMEOUT_S)
        s = SW_NET_SCAN_TIMEOUT_S;
    pl->scan_timeout_s = (unsigned)s;
    return pl->scan_timeout_s;
}

bool
sw_pipeline_progress(struct sw_pipeline *pl, char *who, size_t len)
{
    bool ok = true;

    who[0] = '\0';
    for (unsigned i = 0; i < pl->n; i++) {
        uint64_t b = atomic_load_explicit(&pl->w[i].beat, memory_order_relaxed);

        if (b == pl->w[i].beat_seen && ok) {
            snprintf(who, len, "worker %u", i);
            ok = false;
        }
        pl->w[i].beat_seen = b;
    }
    for (unsigned c = 0; c < pl->n_cap; c++) {
        struct capture *cp = &pl->cap[c];
        uint64_t b = atomic_load_explicit(&cp->beat, memory_order_relaxed);

        if (b == cp->beat_seen && ok) {
            snprintf(who, len, "capture thread of %s", cp->ifs.name);
            ok = false;
        }
        cp->beat_seen = b;
    }
    if (!sw_router_progress(pl->router) && ok) {
        snprintf(who, len, "output thread");
        ok = false;
    }
    return ok;
}

bool
sw_pipeline_failed(struct sw_pipeline *pl, struct sw_err *err)
{
    for (unsigned c = 0; c < pl->n_cap; c++)
        if (atomic_load_explicit(&pl->cap[c].failed, memory_order_acquire)) {
            *err = pl->cap[c].fail_err;
            return true;
        }
    return false;
}

static bool
snap_answered(struct sw_pipeline *pl, uint32_t req)
{
    for (unsigned i = 0; i < pl->n; i++)
        if (atomic_load_explicit(&pl->w[i].snap_gen, memory_order_acquire) != req)
            return false;
    for (unsigned c = 0; c < pl->n_cap; c++)
        if (!atomic_load(&pl->cap[c].failed) &&
            atomic_load_explicit(&pl->cap[c].snap_gen, memory_order_acquire) != req)
            return false;
    return true;
}

struct sw_stats_snap *
sw_pipeline_snapshot(struct sw_pipeline *pl, unsigned wait_ms)
{
    uint32_t req = atomic_fetch_add(&pl->snap_req, 1) + 1;
    struct sw_event *ev;
    struct sw_stats_snap *s;

    for (unsigned i = 0; i < pl->n; i++)
        bell_ring(&pl->w[i].bell);
    for (unsigned t = 0; t < wait_ms && !snap_answered(pl, req); t++) {
        struct timespec ts = {0, 1000000};

        nanosleep(&ts, NULL);
    }
    /* A thread that did not answer in time is still writing its copy: the snapshot then
     * takes nothing from it rather than a torn copy. */
    if (!snap_answered(pl, req))
        return NULL;
    ev = stats_event(pl, false);
    if (ev == NULL)
        return NULL;
    s = ev->u.stats;
    ev->u.stats = NULL;
    sw_event_destroy(ev);
    return s;
}

bool
sw_pipeline_sink(struct sw_pipeline *pl, size_t i, struct sw_sink_stats *out)
{
    return sw_router_sink(pl->router, i, out);
}

void
sw_pipeline_emit(struct sw_pipeline *pl, struct sw_event *ev)
{
    stamp_host(ev, sw_det_current(&pl->det));
    sw_emit(&pl->main_prod->em, ev);
    sw_producer_kick(pl->main_prod);
}

bool
sw_pipeline_stop(struct sw_pipeline *pl, uint64_t timeout_us)
{
    uint64_t one = 1, deadline = sw_clock_us(CLOCK_REALTIME) + timeout_us;
    uint64_t mono_deadline = sw_clock_us(CLOCK_MONOTONIC) + timeout_us;
    bool drained = true;

    if (!pl->started)
        return true;
    if (pl->stopped)
        return pl->drained;
    pl->stopped = true;
    atomic_store_explicit(&pl->stopping, 1, memory_order_release);
    if (write(pl->stop_efd, &one, sizeof(one)) != sizeof(one))
        sw_log_warn("pipeline: cannot wake the capture threads: %s", strerror(errno));
    for (unsigned c = 0; c < pl->n_cap; c++)
        if (pl->cap[c].started) {
            pthread_join(pl->cap[c].thread, NULL);
            pl->cap[c].started = false;
        } else {
            /* Start-up failed before this thread: its lanes end here. */
            capture_finish(&pl->cap[c]);
            sw_producer_close(pl->cap[c].prod);
        }
    /* Workers end their flows (flow events, reason shutdown) on the final batches. A worker
     * that does not finish in time is left behind: exiting beats hanging under systemd. */
    for (unsigned i = 0; i < pl->n; i++) {
        struct worker *w = &pl->w[i];
        struct timespec ts;

        if (!w->started) {
            sw_producer_close(w->prod);
            continue;
        }
        ts.tv_sec = (time_t)(deadline / 1000000u);
        ts.tv_nsec = (long)(deadline % 1000000u) * 1000;
        if (pthread_timedjoin_np(w->thread, NULL, &ts) != 0) {
            sw_log_error("worker %u did not finish within agent.stop_timeout: exiting without "
                         "its last flows",
                         i);
            drained = false;
            continue;
        }
        w->started = false;
    }
    pl->drained = drained;
    if (!drained)
        return false; /* the router still has a producer open: do not wait for it */
    sw_producer_close(pl->main_prod);
    /* Network sinks deliver what they hold until the same deadline; the rest is spooled. */
    sw_router_stop_by(pl->router, mono_deadline);
    struct sw_event *st = stats_event(pl, true);
    if (st != NULL) {
        stamp_host(st, sw_det_current(&pl->det));
        sw_router_write(pl->router, st);
    }
    return true;
}

void
sw_pipeline_destroy(struct sw_pipeline *pl)
{
    if (pl == NULL)
        return;
    if (!sw_pipeline_stop(pl, 10u * 1000000u)) {
        /* Threads are still running with our memory: leave it to the process exit. */
        return;
    }
    pipeline_free(pl);
    sw_free(pl);
    sw_eve_thread_fini();
}
