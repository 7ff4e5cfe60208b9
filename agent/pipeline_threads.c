/* pipeline_threads.c - what the network pipeline's threads run (see agent/pipeline_threads.h):
 * workers (batches into the net worker, detection-set adoption, snapshots) and capture sides
 * (offline: the main thread reading files; live: one thread per interface): decode, defrag,
 * dispatch to the workers' lanes, anomalies, periodic stats. */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "pipeline_int.h"
#include "pipeline_threads.h"
#include "sw/alloc.h"
#include "sw/clock.h"
#include "sw/eve.h"
#include "sw/flow.h"
#include "sw/log.h"
#include "sw/src_pcap.h"

void
sw_pipeline_bell_ring(struct bell *b)
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
void
sw_pipeline_bell_wait(struct bell *b, bool (*ready)(void *), void *arg, int timeout_ms)
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

bool
sw_pipeline_worker_ready(void *arg)
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
bool
sw_pipeline_workers_failed(struct sw_pipeline *pl)
{
    for (unsigned i = 0; i < pl->n; i++)
        if (atomic_load_explicit(&pl->w[i].init_failed, memory_order_relaxed))
            return true;
    return false;
}

void
sw_pipeline_batch_destroy(struct batch *b)
{
    if (b == NULL)
        return;
    sw_free(b->buf);
    sw_free(b);
}

/* --- workers ------------------------------------------------------------------------------ */

/* Worker thread: build this worker's state for detection set d (its detectors' thread
 * contexts: a new YARA scanner, ...). */
static enum sw_rc
worker_install(void *ctx, const struct sw_det_set *d, struct sw_err *err)
{
    struct worker *w = ctx;

    return sw_net_worker_set_detection(w->nw, d->detect, err);
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
void
sw_pipeline_stamp_host(struct sw_event *ev, const struct sw_det_set *d)
{
    size_t n = strlen(d->host);

    if (n > 0 && n < sizeof(ev->host))
        memcpy(ev->host, d->host, n + 1);
}

/* Worker thread: the net worker's emitter. The host is copied into the event rather than
 * pointed to, so the event does not depend on the set's lifetime. */
void
sw_pipeline_worker_emit(struct sw_emitter *em, struct sw_event *ev)
{
    struct worker *w = em->ctx;

    sw_pipeline_stamp_host(ev, w->rd.set);
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
        sw_pipeline_batch_destroy(b);
        return;
    }
    b->n = 0;
    b->used = 0;
    b->stats_gen = 0;
    /* The return ring holds every batch of this lane: never full. */
    if (!sw_ring_push(&l->ret, b))
        sw_pipeline_batch_destroy(b);
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
                sw_pipeline_batch_destroy(b);
                continue;
            }
            b->n = 0;
            b->used = 0;
            b->stats_gen = 0;
            if (!sw_ring_push(&l->ret, b))
                sw_pipeline_batch_destroy(b);
            sw_pipeline_bell_ring(&pl->cap[c].bell);
        }
        if (!got)
            sw_pipeline_bell_wait(&w->bell, lanes_nonempty, w, pl->live ? LIVE_WAIT_MS : -1);
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

void *
sw_pipeline_worker_main(void *arg)
{
    struct worker *w = arg;
    struct sw_pipeline *pl = w->pl;
    const struct sw_det_set *det = w->rd.set;
    char name[16];
    unsigned next = 0;

    snprintf(name, sizeof(name), "sw-worker/%u", w->idx);
    pthread_setname_np(pthread_self(), name);
    struct sw_net_watch watch = {.scan_timeout_s = pl->scan_timeout_s, .progress = &w->beat};
    bool made = true;

    if (pl->ndpi_ahead != NULL) {
        watch.ndpi = sw_pipeline_ndpi_take(pl->ndpi_ahead, w->idx, &w->init_err);
        made = watch.ndpi != NULL;
    }
    w->nw = made ? sw_net_worker_create(pl->cfg, w->idx, pl->n, &pl->flow_key, det->detect,
                                        &watch, &w->em, &w->init_err)
                 : NULL;
    if (w->nw == NULL)
        atomic_store(&w->init_failed, 1);
    atomic_store_explicit(&w->ready, 1, memory_order_release);
    for (unsigned c = 0; c < pl->n_cap; c++)
        sw_pipeline_bell_ring(&pl->cap[c].bell);
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
            sw_pipeline_bell_ring(&pl->cap[c].bell);
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
            sw_pipeline_bell_wait(&w->bell, lanes_nonempty, w, pl->live ? LIVE_WAIT_MS : -1);
    }
    sw_net_worker_flush(w->nw, w->now_us); /* the flows still open: alerts, flow events */
    sw_net_worker_stats(w->nw, &w->final);
    w->prof = sw_pipeline_prof_take(w->nw);
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
    sw_pipeline_batch_destroy(b);
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
        sw_pipeline_bell_ring(&pl->w[wi].bell);
        sw_pipeline_bell_wait(&cp->bell, ring_nonempty, &l->ret, -1);
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
        sw_pipeline_bell_ring(&cp->pl->w[wi].bell);
        struct timespec ts = {0, 50000};
        nanosleep(&ts, NULL);
    }
    sw_pipeline_bell_ring(&cp->pl->w[wi].bell);
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
        sw_pipeline_bell_wait(&cp->bell, snapshots_in, pl, -1);
    ev = sw_pipeline_stats_event(pl, false);
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
    sw_pipeline_stamp_host(ev, cp->rd.set);
    ev->u.anomaly.type = "decode";
    ev->u.anomaly.event = sw_decode_event_name((enum sw_decode_event)p->decode_event);
    ev->u.anomaly.packet_no = cp->live != NULL ? 0 : cp->pkt_no; /* live: no file position */
    snprintf(ev->u.anomaly.source, sizeof(ev->u.anomaly.source), "%s", cp->source);
    if (p->ip_version == 4 || p->ip_version == 6) /* a decode anomaly may come before IP */
        sw_net_worker_anomaly_tuple(ev, p);
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
bool
sw_pipeline_read_file(struct capture *cp, const char *path)
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
        if ((cp->pkt_no & 4095) == 0 && sw_pipeline_workers_failed(cp->pl))
            break;
    }
    sw_pcap_close(f);
    return true;
}

/* End of input of a capture side: send what is pending, then the final batch of each lane. */
void
sw_pipeline_capture_finish(struct capture *cp)
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

void *
sw_pipeline_capture_main(void *arg)
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
    sw_pipeline_capture_finish(cp);
    /* Keep answering snapshots until the workers are done: main may still ask. */
    live_snapshot(cp);
    sw_producer_close(cp->prod);
    atomic_store_explicit(&cp->rd.active, 0, memory_order_release); /* done with its set */
    sw_eve_thread_fini();
    return NULL;
}
