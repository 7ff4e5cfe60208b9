/* pipeline.c - the offline network pipeline (see include/sw/pipeline.h). */
#include "sw/pipeline.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#include "sw/alloc.h"
#include "sw/decode.h"
#include "sw/defrag.h"
#include "sw/eve.h"
#include "sw/det_ndpi_risk.h"
#include "sw/flow.h"
#include "sw/log.h"
#include "sw/ndpi.h"
#include "sw/net_worker.h"
#include "sw/ring.h"
#include "sw/router.h"
#include "sw/src_pcap.h"
#include "sw/stats.h"
#include "sw/yara.h"

#define BATCH_PKTS 512
#define BATCH_MIN_BYTES (320u * 1024u) /* > libpcap's largest snap length (256 KiB) */
#define EVENT_RING 4096

/* Packets copied for one worker; data of pkt[i] points into buf. */
struct batch {
    uint32_t n;
    size_t used, cap;
    uint64_t now_us; /* capture time when sent: the worker expires flows against it */
    bool final;      /* last batch: end every flow and stop */
    uint32_t stats_gen; /* != 0: publish a counter snapshot tagged with it (-v stats) */
    uint8_t *buf;    /* owned */
    struct sw_packet pkt[BATCH_PKTS];
};

/* A sleeping thread's doorbell: see output/router.c for the protocol. */
struct bell {
    int efd;
    _Atomic int sleeping;
};

struct worker {
    struct pipeline *pl;
    unsigned idx;
    pthread_t thread;
    bool started;
    struct sw_net_worker *nw;  /* owned by the worker thread once started */
    struct sw_producer *prod;  /* owned by the router */
    struct sw_ring in;         /* main -> worker; producer main, consumer worker */
    struct sw_ring ret;        /* worker -> main; producer worker, consumer main */
    struct bell bell;
    struct batch *cur;         /* main thread: batch being filled */
    struct batch *stop;        /* owned until sent: the final, empty batch (made at set-up
                                * so that stopping never needs memory) */
    unsigned n_batches;        /* allocated so far (main thread) */
    struct sw_worker_stats final; /* written by the worker before exit, read after join */
    _Atomic int ready;            /* the worker made its nDPI module (or failed to) */
    struct sw_worker_stats snap;  /* written by the worker before snap_gen, read by main after */
    _Atomic uint32_t snap_gen;
    _Atomic int init_failed;
    struct sw_err init_err;       /* written by the worker before `ready` */
};

struct pipeline {
    const struct sw_config *cfg;
    const struct sw_yara_rules *rules; /* borrowed: NULL without --rules */
    unsigned n;
    struct worker *w; /* owned */
    struct bell main_bell;
    struct sw_router *router;
    struct sw_producer *capture_prod;
    struct sw_det_ndpi_risk *risk;
    struct sw_decode_cfg dcfg;
    struct sw_decode_stats dstats;
    struct sw_defrag *defrag;
    struct sw_capture_stats cstats;
    uint64_t now_us;
    size_t batch_cap;
    unsigned max_batches;
    /* anomaly rate limit in capture time */
    uint64_t anomaly_sec;
    uint32_t anomaly_in_sec;
    struct sw_worker_stats cap_ws; /* anomaly counters of the capture thread */
    /* -v: a stats event every stats.interval of capture time */
    bool periodic_stats;
    uint64_t next_stats_us;
    uint32_t stats_gen; /* generation last asked of the workers */
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

/* Sleep until rung, unless ready() turns true after announcing the sleep. */
static void
bell_wait(struct bell *b, bool (*ready)(void *), void *arg)
{
    uint64_t v;

    atomic_store_explicit(&b->sleeping, 1, memory_order_seq_cst);
    atomic_thread_fence(memory_order_seq_cst);
    if (ready(arg)) {
        atomic_store(&b->sleeping, 0);
        return;
    }
    ssize_t n = read(b->efd, &v, sizeof(v));
    (void)n;
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

/* Did a worker fail to make its nDPI module? (The reader then stops early.) */
static bool
workers_failed(struct pipeline *pl)
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

static void *
worker_main(void *arg)
{
    struct worker *w = arg;
    char name[16];
    uint64_t final_now = 0;

    snprintf(name, sizeof(name), "sw-worker/%u", w->idx);
    pthread_setname_np(pthread_self(), name);
    if (w->nw == NULL) {
        w->nw = sw_net_worker_create(w->pl->cfg, w->idx, w->pl->n, w->pl->risk, w->pl->rules,
                                     &w->prod->em, &w->init_err);
        if (w->nw == NULL)
            atomic_store(&w->init_failed, 1);
    }
    atomic_store_explicit(&w->ready, 1, memory_order_release);
    bell_ring(&w->pl->main_bell);
    if (w->nw == NULL) {
        /* The reader may already have sent batches: hand them back unread until the final
         * one, so it never waits on a worker that will not come. */
        for (;;) {
            struct batch *b = sw_ring_pop(&w->in);

            if (b == NULL) {
                bell_wait(&w->bell, ring_nonempty, &w->in);
                continue;
            }
            if (b->final) {
                batch_destroy(b);
                break;
            }
            b->n = 0;
            b->used = 0;
            b->stats_gen = 0;
            if (!sw_ring_push(&w->ret, b))
                batch_destroy(b);
            bell_ring(&w->pl->main_bell);
        }
        sw_producer_close(w->prod);
        return NULL;
    }
    for (;;) {
        struct batch *b = sw_ring_pop(&w->in);

        if (b == NULL) {
            bell_wait(&w->bell, ring_nonempty, &w->in);
            continue;
        }
        for (uint32_t i = 0; i < b->n; i++)
            sw_net_worker_packet(w->nw, &b->pkt[i]);
        sw_net_worker_tick(w->nw, b->now_us);
        if (b->stats_gen != 0) {
            /* Main reads snap only after seeing this generation, and asks for the next one
             * only after reading it: the snapshot is immutable while shared. */
            sw_net_worker_stats(w->nw, &w->snap);
            w->snap.event_drops += w->prod->drops;
            atomic_store_explicit(&w->snap_gen, b->stats_gen, memory_order_release);
        }
        sw_producer_kick(w->prod);
        if (b->final) {
            final_now = b->now_us;
            batch_destroy(b);
            break;
        }
        b->n = 0;
        b->used = 0;
        b->stats_gen = 0;
        /* The return ring holds every batch this worker can have: never full. */
        if (!sw_ring_push(&w->ret, b))
            batch_destroy(b);
        bell_ring(&w->pl->main_bell);
    }
    sw_net_worker_flush(w->nw, final_now); /* the flows still open: alerts, flow events */
    sw_net_worker_stats(w->nw, &w->final);
    sw_net_worker_destroy(w->nw, final_now);
    w->nw = NULL;
    w->final.event_drops += w->prod->drops;
    sw_producer_close(w->prod);
    sw_eve_thread_fini();
    return NULL;
}

/* Main thread: a batch for worker w, waiting for one to come back when all are out. */
static struct batch *
batch_get(struct pipeline *pl, struct worker *w)
{
    struct batch *b;

    for (;;) {
        b = sw_ring_pop(&w->ret);
        if (b != NULL)
            return b;
        if (w->n_batches < pl->max_batches) {
            b = sw_calloc(1, sizeof(*b));
            if (b != NULL && (b->buf = sw_malloc(pl->batch_cap)) != NULL) {
                b->cap = pl->batch_cap;
                w->n_batches++;
                return b;
            }
            batch_destroy(b);
            if (w->n_batches == 0)
                return NULL; /* cannot make even one: caller counts the drop */
        }
        pl->cstats.batch_waits++;
        bell_ring(&w->bell);
        bell_wait(&pl->main_bell, ring_nonempty, &w->ret);
    }
}

static void
batch_send(struct pipeline *pl, struct worker *w)
{
    struct batch *b = w->cur;

    w->cur = NULL;
    b->now_us = pl->now_us;
    sw_producer_kick(pl->capture_prod);
    /* The in ring has room for every batch of this worker: pushing cannot fail. */
    while (!sw_ring_push(&w->in, b)) {
        bell_ring(&w->bell);
        struct timespec ts = {0, 50000};
        nanosleep(&ts, NULL);
    }
    bell_ring(&w->bell);
}

/* Copy a decoded packet into its worker's batch. */
static void
dispatch(struct pipeline *pl, const struct sw_packet *p)
{
    struct worker *w = &pl->w[pl->n == 1 ? 0 : sw_flow_hash_hosts(p) % pl->n];
    struct sw_packet *q;

    if (p->caplen > pl->batch_cap)
        return; /* cannot happen with libpcap's snap length limit; kept as a guard */
    if (w->cur != NULL && (w->cur->n == BATCH_PKTS || w->cur->used + p->caplen > w->cur->cap))
        batch_send(pl, w);
    if (w->cur == NULL) {
        w->cur = batch_get(pl, w);
        if (w->cur == NULL) {
            pl->cap_ws.event_drops++;
            return;
        }
    }
    q = &w->cur->pkt[w->cur->n++];
    *q = *p;
    memcpy(w->cur->buf + w->cur->used, p->data, p->caplen);
    q->data = w->cur->buf + w->cur->used;
    w->cur->used += p->caplen;
}

static struct sw_event *stats_event(struct pipeline *pl, bool final);

/* -v: every stats.interval of capture time, ask each worker for a snapshot (a flag on a
 * batch), and once all answered, emit a stats event through the capture producer. */
static bool
snapshots_in(void *arg)
{
    struct pipeline *pl = arg;

    for (unsigned i = 0; i < pl->n; i++)
        if (atomic_load_explicit(&pl->w[i].snap_gen, memory_order_acquire) != pl->stats_gen &&
            !atomic_load(&pl->w[i].init_failed))
            return false;
    return true;
}

static void
periodic_stats(struct pipeline *pl)
{
    struct sw_event *ev;

    if (pl->next_stats_us == 0)
        pl->next_stats_us = pl->now_us + pl->cfg->stats.interval;
    if (pl->now_us < pl->next_stats_us)
        return;
    pl->next_stats_us = pl->now_us + pl->cfg->stats.interval;
    pl->stats_gen++;
    for (unsigned i = 0; i < pl->n; i++) {
        struct worker *w = &pl->w[i];

        if (w->cur == NULL)
            w->cur = batch_get(pl, w);
        if (w->cur == NULL)
            return; /* no memory for a batch: skip this round (the final stats still come) */
        w->cur->stats_gen = pl->stats_gen;
        batch_send(pl, w);
    }
    /* Offline, a short wait for the workers keeps the stats on their capture-time beat. */
    while (!snapshots_in(pl))
        bell_wait(&pl->main_bell, snapshots_in, pl);
    ev = stats_event(pl, false);
    if (ev != NULL)
        sw_emit(&pl->capture_prod->em, ev);
    else
        pl->cap_ws.event_drops++;
}

/* Anomaly events, at most eve.anomaly_rate per second of capture time. */
static void
anomaly(struct pipeline *pl, const struct sw_packet *p, const char *file, uint64_t pkt_no)
{
    struct sw_event *ev;
    uint64_t sec = p->ts_us / 1000000u;

    pl->cap_ws.anomalies++;
    if (sec != pl->anomaly_sec) {
        pl->anomaly_sec = sec;
        pl->anomaly_in_sec = 0;
    }
    if (pl->anomaly_in_sec >= pl->cfg->eve.anomaly_rate) {
        pl->cap_ws.anomalies_suppressed++;
        return;
    }
    pl->anomaly_in_sec++;
    ev = sw_event_create(SW_EV_ANOMALY, p->ts_us);
    if (ev == NULL) {
        pl->cap_ws.event_drops++;
        return;
    }
    ev->u.anomaly.type = "decode";
    ev->u.anomaly.event = sw_decode_event_name((enum sw_decode_event)p->decode_event);
    ev->u.anomaly.packet_no = pkt_no;
    snprintf(ev->u.anomaly.source, sizeof(ev->u.anomaly.source), "%s", file);
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
    sw_emit(&pl->capture_prod->em, ev);
}

static void
handle_packet(struct pipeline *pl, struct sw_packet *p, const char *file, uint64_t pkt_no)
{
    enum sw_decode_rc rc = sw_decode_frame(&pl->dcfg, p, &pl->dstats);

    if (p->ts_us > pl->now_us)
        pl->now_us = p->ts_us;
    if (pl->periodic_stats)
        periodic_stats(pl);
    switch (rc) {
    case SW_DECODE_OK:
        if (p->decode_event == SW_DEV_TCP_OPT_INVALID)
            anomaly(pl, p, file, pkt_no);
        dispatch(pl, p);
        break;
    case SW_DECODE_FRAGMENT: {
        const uint8_t *dg;
        uint32_t dglen;
        struct sw_packet r;

        if (sw_defrag_add(pl->defrag, p, &dg, &dglen) != SW_OK)
            break; /* held, or dropped and counted */
        if (sw_decode_reassembled(&pl->dcfg, p, dg, dglen, &r, &pl->dstats) == SW_DECODE_OK)
            dispatch(pl, &r);
        else if (r.decode_event != 0)
            anomaly(pl, &r, file, pkt_no);
        break;
    }
    case SW_DECODE_INVALID:
        anomaly(pl, p, file, pkt_no);
        break;
    case SW_DECODE_NOT_IP:
    case SW_DECODE_LINKTYPE:
        break;
    }
}

/* Read one capture file through the pipeline. Returns true when it could be opened. */
static bool
read_file(struct pipeline *pl, const char *path)
{
    struct sw_err err;
    struct sw_pcap_file *f = sw_pcap_open_file(path, &err);
    struct sw_packet p;
    enum sw_rc rc;

    if (f == NULL) {
        sw_log_error("%s", err.msg);
        pl->cstats.files_failed++;
        return false;
    }
    if (!sw_decode_linktype_supported(sw_pcap_linktype(f))) {
        sw_log_warn("%s: link type %s (%d) is not supported, file skipped", path,
                    sw_pcap_linktype_name(f), sw_pcap_linktype(f));
        pl->cstats.unsupported_linktype++;
        pl->cstats.files_failed++;
        sw_pcap_close(f);
        return false;
    }
    pl->cstats.files++;
    for (;;) {
        memset(&p, 0, sizeof(p));
        rc = sw_pcap_next(f, &p, &err);
        if (rc == SW_EOF)
            break;
        if (rc != SW_OK) {
            sw_log_warn("%s (processed up to there)", err.msg);
            pl->cstats.truncated_files++;
            if (sw_pcap_count(f) == 0) {
                /* Cut before its first packet: nothing of it could be read. */
                pl->cstats.files_failed++;
                sw_pcap_close(f);
                return false;
            }
            break;
        }
        pl->cstats.pkts++;
        pl->cstats.bytes += p.wirelen;
        handle_packet(pl, &p, path, sw_pcap_count(f));
        if ((sw_pcap_count(f) & 4095) == 0 && workers_failed(pl))
            break;
    }
    sw_pcap_close(f);
    return true;
}

static void
pipeline_free(struct pipeline *pl)
{
    /* Set-up may have failed before the workers were allocated. */
    for (unsigned i = 0; pl->w != NULL && i < pl->n; i++) {
        struct worker *w = &pl->w[i];
        struct batch *b;

        sw_net_worker_destroy(w->nw, pl->now_us);
        batch_destroy(w->cur);
        batch_destroy(w->stop);
        if (w->in.slot != NULL)
            while ((b = sw_ring_pop(&w->in)) != NULL)
                batch_destroy(b);
        if (w->ret.slot != NULL)
            while ((b = sw_ring_pop(&w->ret)) != NULL)
                batch_destroy(b);
        sw_ring_fini(&w->in);
        sw_ring_fini(&w->ret);
        if (w->bell.efd > 0)
            close(w->bell.efd);
    }
    sw_free(pl->w);
    if (pl->main_bell.efd > 0)
        close(pl->main_bell.efd);
    sw_router_destroy(pl->router);
    sw_det_ndpi_risk_destroy(pl->risk);
    sw_defrag_destroy(pl->defrag);
}

static struct sw_event *
stats_event(struct pipeline *pl, bool final)
{
    struct sw_event *ev = sw_event_create(SW_EV_STATS, pl->now_us);
    struct sw_stats_snap *s;

    if (ev == NULL)
        return NULL;
    s = sw_calloc(1, sizeof(*s));
    if (s == NULL || (s->worker = sw_calloc(pl->n, sizeof(*s->worker))) == NULL) {
        sw_free(s);
        sw_event_destroy(ev);
        return NULL;
    }
    ev->u.stats = s;
    s->capture = pl->cstats;
    s->decoder = pl->dstats;
    s->defrag = *sw_defrag_stats(pl->defrag);
    s->n_workers = pl->n;
    s->total = pl->cap_ws;
    for (unsigned i = 0; i < pl->n; i++) {
        s->worker[i] = final ? pl->w[i].final : pl->w[i].snap;
        sw_stats_worker_add(&s->total, &s->worker[i]);
    }
    s->total.event_drops += pl->capture_prod->drops;
    sw_router_counts(pl->router, &s->output_events, &s->output_drops);
    return ev;
}

static enum sw_rc
pipeline_setup(struct pipeline *pl, const struct sw_config *cfg, const struct sw_pcap_opts *o,
               struct sw_err *err)
{
    struct sw_defrag_cfg dfc = {
        .memcap = cfg->network.fragments.memcap,
        .timeout_us = cfg->network.fragments.timeout,
        .max_trackers = cfg->network.fragments.max_trackers,
    };
    struct sw_cfg_sink out = {
        .type = (char *)(uintptr_t)"file",
        .path = (char *)(uintptr_t)(o->out != NULL ? o->out : "-"),
        .types = SW_EV_ALL,
        .truncate = true,
    };
    struct sw_eve_cfg eve = {.host = o->host};
    struct sw_sink **sinks;

    pl->cfg = cfg;
    pl->rules = o->rules;
    pl->periodic_stats = o->verbose;
    unsigned n = o->workers != 0 ? o->workers : cfg->network.workers;

    if (pl->rules != NULL && n > SW_YARA_MAX_THREADS)
        return sw_err_set(err, SW_EINVAL,
                          "--rules: at most %d workers can share one rule set, not %u",
                          SW_YARA_MAX_THREADS, n);
    pl->n = n;
    pl->batch_cap = cfg->network.batch_size > BATCH_MIN_BYTES ? cfg->network.batch_size
                                                              : BATCH_MIN_BYTES;
    pl->max_batches = cfg->network.ring_size;
    pl->main_bell.efd = -1;
    sw_decode_cfg_defaults(&pl->dcfg);
    pl->dcfg.max_layers = cfg->network.decode.max_layers;
    pl->dcfg.tunnels = cfg->network.decode.tunnels;
    pl->dcfg.vxlan_port = (uint16_t)cfg->network.decode.vxlan_port;

    pl->defrag = sw_defrag_create(&dfc, err);
    if (pl->defrag == NULL)
        return err->code;
    pl->risk = sw_det_ndpi_risk_create(cfg, err);
    if (pl->risk == NULL)
        return err->code;
    sinks = sw_calloc(1, sizeof(*sinks));
    if (sinks == NULL)
        return sw_err_set(err, SW_ENOMEM, "output: out of memory");
    sinks[0] = sw_sink_create(&out, err);
    if (sinks[0] == NULL) {
        sw_free(sinks);
        return err->code;
    }
    pl->router = sw_router_create(&eve, sinks, 1, true, err);
    if (pl->router == NULL)
        return err->code;
    pl->capture_prod = sw_router_add_producer(pl->router, EVENT_RING, err);
    if (pl->capture_prod == NULL)
        return err->code;
    pl->main_bell.efd = eventfd(0, EFD_CLOEXEC);
    pl->w = sw_calloc(pl->n, sizeof(*pl->w));
    if (pl->main_bell.efd == -1 || pl->w == NULL)
        return sw_err_sys(err, SW_EIO, "pipeline: set-up");
    for (unsigned i = 0; i < pl->n; i++) {
        struct worker *w = &pl->w[i];

        w->pl = pl;
        w->idx = i;
        w->bell.efd = eventfd(0, EFD_CLOEXEC);
        w->stop = sw_calloc(1, sizeof(*w->stop));
        if (w->stop == NULL)
            return sw_err_set(err, SW_ENOMEM, "pipeline: out of memory");
        if (w->bell.efd == -1)
            return sw_err_sys(err, SW_EIO, "pipeline: eventfd");
        if (sw_ring_init(&w->in, pl->max_batches + 1) != SW_OK ||
            sw_ring_init(&w->ret, pl->max_batches) != SW_OK)
            return sw_err_set(err, SW_ENOMEM, "pipeline: out of memory");
        w->prod = sw_router_add_producer(pl->router, EVENT_RING, err);
        if (w->prod == NULL)
            return err->code;
    }
    /* nDPI 4.2's first ndpi_init_detection_module() sets process-wide state (libgcrypt's
     * initialisation, the DGA bigram tables): do that once here, then every worker makes
     * its own module in its own thread, in parallel and while this thread already reads. */
    return sw_ndpi_prime(err);
    return SW_OK;
}

int
sw_pipeline_pcap(const struct sw_config *cfg, const struct sw_pcap_opts *o, struct sw_err *err)
{
    struct pipeline pl;
    size_t ok_files = 0;
    int rc;

    memset(&pl, 0, sizeof(pl));
    if (pipeline_setup(&pl, cfg, o, err) != SW_OK) {
        pipeline_free(&pl);
        return 2;
    }
    if (sw_router_start(pl.router, err) != SW_OK) {
        pipeline_free(&pl);
        return 2;
    }
    for (unsigned i = 0; i < pl.n; i++) {
        rc = pthread_create(&pl.w[i].thread, NULL, worker_main, &pl.w[i]);
        if (rc != 0) {
            /* Workers already running stop on their final batch below. */
            errno = rc;
            sw_err_sys(err, SW_EIO, "pipeline: starting worker %u", i);
            break;
        }
        pl.w[i].started = true;
    }
    bool ready = pl.w[pl.n - 1].started;
    for (size_t i = 0; ready && i < o->n_files && !workers_failed(&pl); i++)
        if (read_file(&pl, o->files[i]))
            ok_files++;
    for (unsigned i = 0; ready && i < pl.n; i++) {
        while (!atomic_load_explicit(&pl.w[i].ready, memory_order_acquire))
            bell_wait(&pl.main_bell, worker_ready, &pl.w[i]);
        if (atomic_load(&pl.w[i].init_failed)) {
            *err = pl.w[i].init_err;
            ready = false;
        }
    }
    sw_defrag_expire(pl.defrag, UINT64_MAX);
    /* Final batch to every worker: they end their flows and stop. */
    for (unsigned i = 0; i < pl.n; i++) {
        struct worker *w = &pl.w[i];

        if (!w->started)
            continue;
        if (w->cur != NULL)
            batch_send(&pl, w);
        w->cur = w->stop;
        w->stop = NULL;
        w->cur->final = true;
        batch_send(&pl, w);
    }
    for (unsigned i = 0; i < pl.n; i++) {
        if (pl.w[i].started) {
            pthread_join(pl.w[i].thread, NULL);
            pl.w[i].started = false;
        } else {
            sw_producer_close(pl.w[i].prod);
        }
    }
    sw_producer_close(pl.capture_prod);
    sw_router_stop(pl.router);
    struct sw_event *st = stats_event(&pl, true);
    if (st != NULL)
        sw_router_write(pl.router, st);
    pipeline_free(&pl);
    sw_eve_thread_fini();
    if (!ready)
        return 2;
    if (ok_files == 0) {
        sw_err_set(err, SW_EINVAL, "no capture file could be read");
        return 2;
    }
    return 0;
}
