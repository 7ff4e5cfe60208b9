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

#include "pipeline_int.h"
#include "pipeline_threads.h"

/* --- set-up and tear-down ----------------------------------------------------------------- */

static void
lane_free(struct lane *l)
{
    struct batch *b;

    sw_pipeline_batch_destroy(l->cur);
    sw_pipeline_batch_destroy(l->stop);
    if (l->in.slot != NULL)
        while ((b = sw_ring_pop(&l->in)) != NULL)
            sw_pipeline_batch_destroy(b);
    if (l->ret.slot != NULL)
        while ((b = sw_ring_pop(&l->ret)) != NULL)
            sw_pipeline_batch_destroy(b);
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
        sw_rule_prof_destroy(pl->w[i].prof);
        if (pl->w[i].bell.efd > 0)
            close(pl->w[i].bell.efd);
    }
    sw_free(pl->w);
    if (pl->stop_efd > 0)
        close(pl->stop_efd);
    sw_router_destroy(pl->router);
    sw_det_pub_fini(&pl->det);
}

struct sw_event *
sw_pipeline_stats_event(struct sw_pipeline *pl, bool final)
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
    s->decoder_event_names = sw_decode_event_names();
    s->decoder_event_seawall_only = sw_decode_event_seawall_only();
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
     * its own module in its own thread, in parallel (made ahead: primed then). */
    return pl->ndpi_ahead != NULL ? SW_OK : sw_ndpi_prime(err);
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
        pl->w[i].em.emit = sw_pipeline_worker_emit;
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
        int rc = pthread_create(&pl->w[i].thread, NULL, sw_pipeline_worker_main, &pl->w[i]);

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

/* --- offline: nDPI modules made ahead ------------------------------------------------------ */

/* One worker's module, made by its own thread while the main thread loads the rules. */
struct ndpi_job {
    const struct sw_config *cfg; /* borrowed */
    pthread_t thread;
    bool started; /* the thread runs (or ran): join it once */
    bool joined;  /* by the worker that took the module (sw_pipeline_ndpi_take) */
    struct sw_ndpi *mod; /* owned until taken; NULL: err says why */
    struct sw_err err;
};

struct sw_ndpi_ahead {
    unsigned n;
    struct ndpi_job *job; /* owned, n */
};

static void *
ndpi_job_main(void *arg)
{
    struct ndpi_job *j = arg;

    (void)pthread_setname_np(pthread_self(), "sw-ndpi");
    j->mod = sw_ndpi_create(j->cfg, &j->err);
    return NULL;
}

struct sw_ndpi_ahead *
sw_pipeline_ndpi_ahead(const struct sw_config *cfg, unsigned n)
{
    struct sw_ndpi_ahead *a;
    struct sw_err err;

    /* nDPI's process-wide set-up (see pipeline_setup) before any module is made, here on
     * the main thread before the rules load (their ndpi-protocol names may make one). A
     * failure is left to the pipeline, which primes again and reports it. */
    if (n == 0 || sw_ndpi_prime(&err) != SW_OK)
        return NULL;
    a = sw_calloc(1, sizeof(*a)); /* owned by the caller: sw_pipeline_ndpi_ahead_free */
    if (a == NULL || (a->job = sw_calloc(n, sizeof(*a->job))) == NULL) {
        sw_free(a);
        return NULL;
    }
    a->n = n;
    for (unsigned i = 0; i < n; i++) {
        struct ndpi_job *j = &a->job[i];

        j->cfg = cfg;
        sw_err_clear(&j->err);
        /* A thread that does not start leaves the module to its worker (sw_pipeline_ndpi_take). */
        j->started = pthread_create(&j->thread, NULL, ndpi_job_main, j) == 0;
    }
    return a;
}

struct sw_ndpi *
sw_pipeline_ndpi_take(struct sw_ndpi_ahead *a, unsigned i, struct sw_err *err)
{
    struct ndpi_job *j = &a->job[i];
    struct sw_ndpi *m;

    if (!j->started)
        return sw_ndpi_create(j->cfg, err);
    pthread_join(j->thread, NULL);
    j->joined = true;
    m = j->mod;
    j->mod = NULL; /* the worker's now */
    if (m == NULL)
        *err = j->err;
    return m;
}

void
sw_pipeline_ndpi_ahead_free(struct sw_ndpi_ahead *a)
{
    if (a == NULL)
        return;
    /* The workers have ended (sw_pipeline_pcap joined them): what they did is seen here. */
    for (unsigned i = 0; i < a->n; i++) {
        struct ndpi_job *j = &a->job[i];

        if (j->started && !j->joined)
            pthread_join(j->thread, NULL);
        sw_ndpi_destroy(j->mod);
    }
    sw_free(a->job);
    sw_free(a);
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
    if (sw_detect_has(o->detect, &sw_det_yara_ops) && n > SW_YARA_MAX_THREADS) {
        sw_err_set(err, SW_EINVAL, "--rules: at most %d workers can share one rule set, not %u",
                   SW_YARA_MAX_THREADS, n);
        return 2;
    }
    /* The caller keeps cfg and the detectors: this set borrows them (freed by hand below). */
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
    det->detect = (struct sw_detect *)(uintptr_t)o->detect;
    sinks[0] = sw_sink_create(&out, NULL, err);
    if (sinks[0] == NULL) {
        sw_free(det);
        sw_free(sinks);
        return 2;
    }
    pl.periodic_stats = o->verbose;
    pl.ndpi_ahead = o->ndpi != NULL && o->ndpi->n == n ? o->ndpi : NULL;
    if (pipeline_setup(&pl, cfg, n, 1, &eve, sinks, 1, err) != SW_OK ||
        sw_det_pub_init(&pl.det, det, pl.n + pl.n_cap, err) != SW_OK) {
        sw_free(det);
        pipeline_free(&pl);
        return 2;
    }
    det->dcfg = pl.dcfg; /* the host stays "": events get the encoder's (o->host) */
    attach_readers(&pl);
    if (sw_router_start(pl.router, err) != SW_OK) {
        atomic_store(&pl.det.cur, NULL); /* borrowed parts: freed by hand */
        sw_free(det);
        pipeline_free(&pl);
        return 2;
    }
    cp = &pl.cap[0];
    ready = start_workers(&pl, err);
    for (size_t i = 0; ready && i < o->n_files && !sw_pipeline_workers_failed(&pl); i++)
        if (sw_pipeline_read_file(cp, o->files[i]))
            ok_files++;
    for (unsigned i = 0; ready && i < pl.n; i++) {
        while (!atomic_load_explicit(&pl.w[i].ready, memory_order_acquire))
            sw_pipeline_bell_wait(&cp->bell, sw_pipeline_worker_ready, &pl.w[i], -1);
        if (atomic_load(&pl.w[i].init_failed)) {
            *err = pl.w[i].init_err;
            ready = false;
        }
    }
    sw_defrag_expire(cp->defrag, UINT64_MAX);
    sw_pipeline_capture_finish(cp); /* workers end their flows and stop */
    join_workers(&pl);
    sw_producer_close(cp->prod);
    sw_router_stop(pl.router);
    struct sw_event *st = sw_pipeline_stats_event(&pl, true);
    sw_pipeline_write_profile(&pl, cfg, st != NULL ? st->ts_us : 0, stderr);
    if (st != NULL)
        sw_router_write(pl.router, st);
    /* Every line has been written or counted by now (sw_router_write flushes): a lost event
     * (a write error, reported by the sink) makes the run incomplete. */
    uint64_t n_events, n_lost;
    sw_router_counts(pl.router, &n_events, &n_lost);
    /* The borrowed parts of the set are not ours to free. */
    atomic_store(&pl.det.cur, NULL);
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
    if (det->yara && cfg->network.workers > SW_YARA_MAX_THREADS) {
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
    /* No interface (a host-only agent watching files): no capture thread and no worker;
     * the router and the main thread's producer still carry the file pipeline's events. */
    if (pipeline_setup(pl, cfg,
                       cfg->network.n_interfaces > 0 ? cfg->network.workers : 0,
                       (unsigned)cfg->network.n_interfaces, &eve, sinks, n_sinks, err) != SW_OK)
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
        int rc = pthread_create(&cp->thread, NULL, sw_pipeline_capture_main, cp);

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
        sw_pipeline_bell_ring(&pl->w[i].bell);
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
        sw_pipeline_bell_ring(&pl->w[i].bell);
    for (unsigned t = 0; t < wait_ms && !snap_answered(pl, req); t++) {
        struct timespec ts = {0, 1000000};

        nanosleep(&ts, NULL);
    }
    /* A thread that did not answer in time is still writing its copy: the snapshot then
     * takes nothing from it rather than a torn copy. */
    if (!snap_answered(pl, req))
        return NULL;
    ev = sw_pipeline_stats_event(pl, false);
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

struct sw_producer *
sw_pipeline_add_producer(struct sw_pipeline *pl, size_t ring_size, struct sw_err *err)
{
    if (pl->started) {
        sw_err_set(err, SW_EINVAL, "pipeline: a producer must be added before start");
        return NULL;
    }
    return sw_router_add_producer(pl->router, ring_size, err);
}

void
sw_pipeline_emit(struct sw_pipeline *pl, struct sw_event *ev)
{
    sw_pipeline_stamp_host(ev, sw_det_current(&pl->det));
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
            sw_pipeline_capture_finish(&pl->cap[c]);
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
    struct sw_event *st = sw_pipeline_stats_event(pl, true);
    sw_pipeline_write_profile(pl, sw_det_current(&pl->det)->cfg,
                              st != NULL ? st->ts_us : sw_clock_us(CLOCK_REALTIME), NULL);
    if (st != NULL) {
        sw_pipeline_stamp_host(st, sw_det_current(&pl->det));
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
