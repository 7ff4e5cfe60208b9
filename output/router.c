/* router.c - the output thread (see include/sw/router.h; one sink's queue is in
 * output/router_sink.c).
 *
 * Wake-up protocol: the output thread sets `sleeping`, re-checks every ring, and only then
 * blocks in poll() on its eventfd (and the sinks' fds); a producer pushes, then (after a full
 * fence) writes the eventfd if it sees `sleeping` set. Either the thread sees the new item
 * on its re-check or the producer sees the flag, so no wake-up is lost. */
#include "sw/router.h"

#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "router_int.h"
#include "sw/alloc.h"
#include "sw/clock.h"
#include "sw/log.h"
#include "sw/ring.h"

#define DRAIN_PER_RING 1024
/* Lines a producer keeps for reuse (its return ring): at most FREE_LINES lines and
 * FREE_BYTES bytes idle per producer, no line larger than LINE_KEEP (a bigger one is freed).
 * A burst (a flow table's timeout sweep, the final flush) comes back as a burst: a ring of
 * a worker ring's size keeps what the byte budget allows of it. The budget trades the
 * allocations of the largest bursts for memory that would otherwise serve flows: with 4 MiB
 * the bench corpus allocated a line for 0.3 % of its events and peaked 6 MB higher at
 * -w 2; with 1 MiB, 2.6 % and within 1 MB of no recycling. */
#define FREE_LINES 4096
#define FREE_BYTES (1u << 20)
#define LINE_KEEP (16u * 1024u)
#define STOP_POLL_MS 50

struct sw_router {
    struct sw_eve_cfg eve;
    const struct sw_config *cfg; /* borrowed, may be NULL */
    struct sink_q *sq;           /* owned: n_sinks; output thread (main after stop) */
    size_t n_sinks;
    bool lossless;
    struct sw_producer **prod; /* owned, each owned: one per producing thread, any number */
    size_t n_prod, cap_prod;
    pthread_t thread;
    bool opened, started;
    int efd;            /* wakes the output thread */
    struct pollfd *pfd; /* owned: 1 + n_sinks */
    _Atomic int sleeping;
    _Atomic int stopping;
    _Atomic uint64_t deadline; /* monotonic us: stop delivering at exit after this */
    _Atomic int reopen;        /* main asks: reopen the sinks */
    _Atomic uint64_t beat;     /* output thread loop iterations (watchdog) */
    uint64_t beat_seen;        /* main thread */
    uint64_t last_tick;        /* output thread: monotonic us of the sinks' last tick */
    uint64_t rng;              /* output thread: xorshift state for back-off jitter */
    /* events: lines the output thread took; drops: events lost in the output stage (an
     * encoding failure in sw_router_write, sinks' failed and dropped_policy). A producer's
     * own drops (full ring, encoding failure) are its own counter, read with
     * sw_producer_drops(). */
    _Atomic uint64_t events, encode_drops;
    pthread_mutex_t pub_lock;  /* guards pub: a control path, held only for a copy */
    struct sw_sink_stats *pub; /* owned: n_sinks; the copy other threads read */
};

static const struct sw_sink_host router_host;

static void
wake(struct sw_router *r)
{
    uint64_t one = 1;

    atomic_thread_fence(memory_order_seq_cst);
    if (atomic_exchange_explicit(&r->sleeping, 0, memory_order_seq_cst)) {
        ssize_t n = write(r->efd, &one, sizeof(one));
        (void)n; /* an eventfd write fails only when the counter would overflow: still awake */
    }
}

/* Producer thread: encode here (the work scales with the producers, as in Suricata's
 * workers) and hand the line to the output thread. */
static void
producer_emit(struct sw_emitter *em, struct sw_event *ev)
{
    struct sw_producer *p = em->ctx;
    /* a line the output thread gave back, if any: encoding into it allocates nothing */
    struct sw_eve_line *line = sw_eve_line_recycle(&p->router->eve, ev, sw_producer_spare(p));

    sw_event_destroy(ev);
    if (line == NULL) {
        atomic_fetch_add_explicit(&p->drops, 1, memory_order_relaxed);
        return;
    }
    line->home = p;
    while (!sw_ring_push(p->ring, line)) {
        if (!p->router->lossless && !p->lossless) {
            atomic_fetch_add_explicit(&p->drops, 1, memory_order_relaxed);
            sw_eve_line_destroy(line);
            return;
        }
        /* Offline, or a producer that can slow down its source (the file side: the kernel
         * queues its events, a walk resumes): wait for the output thread rather than lose
         * an event. */
        wake(p->router);
        struct timespec ts = {0, 50000};
        nanosleep(&ts, NULL);
    }
}

struct sw_eve_line *
sw_producer_spare(struct sw_producer *p)
{
    struct sw_eve_line *line = sw_ring_pop(p->free);

    if (line != NULL)
        atomic_fetch_sub_explicit(&p->free_bytes, sizeof(*line) + line->cap,
                                  memory_order_relaxed);
    return line;
}

void
sw_producer_kick(struct sw_producer *p)
{
    if (atomic_load_explicit(&p->router->sleeping, memory_order_relaxed) &&
        sw_ring_count(p->ring) > 0)
        wake(p->router);
}

/* --- the sinks' reports -------------------------------------------------------------------- */

static struct sink_q *
sq_of(struct sw_router *r, const struct sw_sink *s)
{
    for (size_t i = 0; i < r->n_sinks; i++)
        if (r->sq[i].s == s)
            return &r->sq[i];
    return NULL;
}

static void
host_outcome(void *ctx, struct sw_sink *s, uint64_t first, uint64_t last, int what,
             const char *reason)
{
    struct sw_router *r = ctx;
    struct sink_q *sq = sq_of(r, s);

    if (sq != NULL && first <= last)
        sq_outcome(r, sq, first, last, what, reason);
}

static void
host_error(void *ctx, struct sw_sink *s, const char *msg)
{
    struct sw_router *r = ctx;
    struct sink_q *sq = sq_of(r, s);

    if (sq != NULL)
        sq_error(r, sq, msg);
}

static void
host_truncated(void *ctx, struct sw_sink *s, uint64_t n)
{
    struct sink_q *sq = sq_of(ctx, s);

    if (sq != NULL)
        sq->st.truncated += n;
}

static const struct sw_sink_host router_host = {
    .outcome = host_outcome,
    .error = host_error,
    .truncated = host_truncated,
};

uint64_t
sw_router_rand(struct sw_router *r)
{
    /* xorshift64*: jitter only, never secrets. */
    r->rng ^= r->rng >> 12;
    r->rng ^= r->rng << 25;
    r->rng ^= r->rng >> 27;
    return r->rng * UINT64_C(2685821657736338717);
}

void
sw_router_line_put(struct sw_eve_line *ln)
{
    if (ln == NULL || --ln->refs > 0)
        return;
    /* The last reference: back to the producer that made it, unless its return ring is full
     * or the line is large (one big event must not pin memory). */
    if (ln->home != NULL && ln->cap <= LINE_KEEP) {
        struct sw_producer *p = ln->home;
        size_t sz = sizeof(*ln) + ln->cap;

        /* counted before the push: the producer may pop it (and subtract) at once */
        if (atomic_fetch_add_explicit(&p->free_bytes, sz, memory_order_relaxed) + sz <=
                FREE_BYTES &&
            sw_ring_push(p->free, ln))
            return;
        atomic_fetch_sub_explicit(&p->free_bytes, sz, memory_order_relaxed);
    }
    sw_eve_line_destroy(ln);
}

/* --- set-up -------------------------------------------------------------------------------- */

struct sw_router *
sw_router_create(const struct sw_eve_cfg *eve, const struct sw_config *cfg, struct sw_sink **sinks,
                 size_t n_sinks, bool lossless, struct sw_err *err)
{
    struct sw_router *r = sw_calloc(1, sizeof(*r));
    size_t i;

    if (r == NULL) {
        for (i = 0; i < n_sinks; i++)
            sw_sink_destroy(sinks[i]);
        sw_free(sinks);
        sw_err_set(err, SW_ENOMEM, "output: out of memory");
        return NULL;
    }
    r->eve = *eve;
    r->cfg = cfg;
    r->lossless = lossless;
    r->efd = -1;
    pthread_mutex_init(&r->pub_lock, NULL);
    r->sq = sw_calloc(n_sinks + 1, sizeof(*r->sq));
    r->pub = sw_calloc(n_sinks + 1, sizeof(*r->pub));
    r->pfd = sw_calloc(n_sinks + 1, sizeof(*r->pfd));
    if (r->sq == NULL || r->pub == NULL || r->pfd == NULL) {
        for (i = 0; i < n_sinks; i++)
            sw_sink_destroy(sinks[i]);
        sw_free(sinks);
        sw_err_set(err, SW_ENOMEM, "output: out of memory");
        sw_router_destroy(r);
        return NULL;
    }
    for (i = 0; i < n_sinks; i++) {
        const struct sw_cfg_sink *c = cfg != NULL && i < cfg->n_outputs ? &cfg->outputs[i] : NULL;

        sinks[i]->host = &router_host;
        sinks[i]->host_ctx = r;
        r->n_sinks = i + 1; /* sq[i] owns sinks[i] from here, even if sq_init fails */
        if (sq_init(&r->sq[i], sinks[i], c, cfg, i, err) != SW_OK)
            break;
        r->pub[i] = r->sq[i].st;
    }
    for (size_t j = i + 1; j < n_sinks; j++)
        sw_sink_destroy(sinks[j]);
    sw_free(sinks);
    if (i < n_sinks) {
        sw_router_destroy(r);
        return NULL;
    }
    r->efd = eventfd(0, EFD_CLOEXEC);
    if (r->efd == -1) {
        sw_err_sys(err, SW_EIO, "output: eventfd");
        sw_router_destroy(r);
        return NULL;
    }
    if (getrandom(&r->rng, sizeof(r->rng), GRND_NONBLOCK) != (ssize_t)sizeof(r->rng) || r->rng == 0)
        r->rng = sw_clock_us(CLOCK_REALTIME) | 1;
    return r;
}

/* Free p, its rings and the lines in them (a half-built p too). NULL-safe. */
static void
producer_free(struct sw_producer *p)
{
    struct sw_eve_line *line;

    if (p == NULL)
        return;
    if (p->ring != NULL) {
        while (p->ring->slot != NULL && (line = sw_ring_pop(p->ring)) != NULL)
            sw_eve_line_destroy(line);
        sw_ring_fini(p->ring);
        sw_free(p->ring);
    }
    if (p->free != NULL) {
        while (p->free->slot != NULL && (line = sw_ring_pop(p->free)) != NULL)
            sw_eve_line_destroy(line);
        sw_ring_fini(p->free);
        sw_free(p->free);
    }
    sw_free(p);
}

struct sw_producer *
sw_router_add_producer(struct sw_router *r, size_t ring_size, struct sw_err *err)
{
    struct sw_producer *p;

    if (r->n_prod == r->cap_prod) {
        size_t cap = r->cap_prod == 0 ? 16 : r->cap_prod * 2;
        struct sw_producer **v = sw_realloc(r->prod, cap * sizeof(*v));

        if (v == NULL) {
            sw_err_set(err, SW_ENOMEM, "output: out of memory");
            return NULL;
        }
        r->prod = v;
        r->cap_prod = cap;
    }
    p = sw_calloc(1, sizeof(*p));
    if (p == NULL || (p->ring = sw_calloc(1, sizeof(*p->ring))) == NULL ||
        sw_ring_init(p->ring, ring_size) != SW_OK ||
        (p->free = sw_calloc(1, sizeof(*p->free))) == NULL ||
        sw_ring_init(p->free, FREE_LINES) != SW_OK) {
        producer_free(p);
        sw_err_set(err, SW_ENOMEM, "output: out of memory");
        return NULL;
    }
    p->router = r;
    p->em.emit = producer_emit;
    p->em.ctx = p;
    r->prod[r->n_prod++] = p;
    return p;
}

void
sw_producer_close(struct sw_producer *p)
{
    atomic_thread_fence(memory_order_release);
    __atomic_store_n(&p->done, true, __ATOMIC_RELEASE);
    wake(p->router);
}

/* --- a round ------------------------------------------------------------------------------- */

static void
commit_all(struct sw_router *r)
{
    for (size_t i = 0; i < r->n_sinks; i++)
        sq_commit(&r->sq[i]);
}

/* Hand one line to every sink whose filter takes its type. Takes the line. */
static void
take_line(struct sw_router *r, struct sw_eve_line *ln)
{
    ln->refs = 1; /* ours for the duration of this call */
    for (size_t i = 0; i < r->n_sinks; i++) {
        struct sink_q *sq = &r->sq[i];

        if ((sq->s->types & (1u << ln->type)) == 0)
            continue;
        if (!sq->networked && sq->live >= sq->max_events) {
            /* A local sink keeps up by writing: make room now rather than drop (the spools
             * of this round are committed first, so the file never runs ahead of them). */
            commit_all(r);
            sq_offer(r, sq, sw_clock_us(CLOCK_MONOTONIC), true);
            if (sq->s->ops->flush != NULL)
                sq->s->ops->flush(sq->s);
            sq->blocked = false;
            sq_settle(sq);
        }
        sq_take(r, sq, ln);
    }
    atomic_fetch_add_explicit(&r->events, 1, memory_order_relaxed);
    sw_router_line_put(ln);
}

/* Drain every ring once; returns how many events were taken. */
static size_t
drain(struct sw_router *r)
{
    size_t total = 0;

    for (size_t i = 0; i < r->n_prod; i++) {
        struct sw_eve_line *line;
        size_t n = 0;

        /* Bounded per ring per round so one busy producer cannot starve the others. */
        while (n < DRAIN_PER_RING && (line = sw_ring_pop(r->prod[i]->ring)) != NULL) {
            take_line(r, line);
            n++;
        }
        total += n;
    }
    return total;
}

/* End of a round, in this order: the spools go to disk; local sinks (EVE files) write what
 * they took; then network sinks get their batches. So an EVE file never holds a line that a
 * spool lacks, and a receiver never gets an event that the EVE file lacks, whenever the
 * process dies. */
static void
end_round(struct sw_router *r, bool draining)
{
    uint64_t now;

    commit_all(r);
    now = sw_clock_us(CLOCK_MONOTONIC);
    for (int pass = 0; pass < 2; pass++) {
        bool network = pass == 1;

        for (size_t i = 0; i < r->n_sinks; i++) {
            struct sink_q *sq = &r->sq[i];

            if (sq->networked != network)
                continue;
            sq_load(sq);
            sq_offer(r, sq, now, draining);
            if (sq->s->ops->flush != NULL) {
                sq->s->ops->flush(sq->s);
                /* What it wrote out may have made room; a sink that says how much room it
                 * has stays blocked while it has none (its fd wakes the thread when it
                 * has): cleared at every flush, the output thread polled without sleeping
                 * while a RELP window was full. */
                if (sq->s->ops->room == NULL || sq->s->ops->room(sq->s) > 0)
                    sq->blocked = false;
            }
            sq_settle(sq);
        }
    }
}

static void
publish_counters(struct sw_router *r)
{
    uint64_t now = sw_clock_us(CLOCK_REALTIME);

    for (size_t i = 0; i < r->n_sinks; i++)
        sq_gauges(&r->sq[i], now);
    pthread_mutex_lock(&r->pub_lock);
    for (size_t i = 0; i < r->n_sinks; i++)
        r->pub[i] = r->sq[i].st;
    pthread_mutex_unlock(&r->pub_lock);
}

/* Poll the sinks' fds (and the eventfd when sleeping) for at most timeout_ms; service the
 * sinks whose fd is ready or whose own timeout passed. */
static void
poll_sinks(struct sw_router *r, int timeout_ms, bool with_efd)
{
    size_t n = 0;
    int tmo[64];
    int sink_of[64 + 1];
    uint64_t start = sw_clock_us(CLOCK_MONOTONIC);
    int rc;

    if (with_efd) {
        r->pfd[n].fd = r->efd;
        r->pfd[n].events = POLLIN;
        r->pfd[n].revents = 0;
        sink_of[n++] = -1;
    }
    for (size_t i = 0; i < r->n_sinks && i < 64; i++) {
        struct sw_sink *s = r->sq[i].s;
        short ev = 0;
        int fd = -1;

        tmo[i] = -1;
        if (s->ops->poll_fd == NULL)
            continue;
        fd = s->ops->poll_fd(s, &ev, &tmo[i]);
        if (tmo[i] >= 0 && (timeout_ms < 0 || tmo[i] < timeout_ms))
            timeout_ms = tmo[i];
        if (fd < 0)
            continue;
        r->pfd[n].fd = fd;
        r->pfd[n].events = ev;
        r->pfd[n].revents = 0;
        sink_of[n++] = (int)i;
    }
    if (n == 0 && timeout_ms != 0) {
        if (timeout_ms > 0) {
            struct timespec ts = {timeout_ms / 1000, (long)(timeout_ms % 1000) * 1000000L};

            nanosleep(&ts, NULL);
        }
        rc = 0;
    } else {
        rc = n > 0 ? poll(r->pfd, (nfds_t)n, timeout_ms) : 0;
    }
    if (with_efd && rc > 0 && (r->pfd[0].revents & POLLIN) != 0) {
        uint64_t v;
        ssize_t k = read(r->efd, &v, sizeof(v));
        (void)k; /* a wake-up: look at the rings again */
    }
    {
        uint64_t waited_ms = (sw_clock_us(CLOCK_MONOTONIC) - start) / 1000u;
        bool serviced[64] = {false};

        for (size_t k = 0; k < n && rc > 0; k++) {
            int i = sink_of[k];

            if (i < 0 || r->pfd[k].revents == 0)
                continue;
            r->sq[i].s->ops->service(r->sq[i].s, r->pfd[k].revents);
            r->sq[i].blocked = false;
            serviced[i] = true;
        }
        for (size_t i = 0; i < r->n_sinks && i < 64; i++) {
            struct sw_sink *s = r->sq[i].s;

            if (serviced[i] || s->ops->service == NULL || tmo[i] < 0 ||
                (uint64_t)tmo[i] > waited_ms)
                continue;
            s->ops->service(s, 0);
            r->sq[i].blocked = false;
        }
    }
}

/* Milliseconds until the earliest thing the sinks wait for (capped at cap_ms). */
static int
next_timeout(struct sw_router *r, int cap_ms, bool draining)
{
    uint64_t now = sw_clock_us(CLOCK_MONOTONIC), t = UINT64_MAX;

    for (size_t i = 0; i < r->n_sinks; i++) {
        uint64_t d = sq_deadline(&r->sq[i], draining);

        if (d < t)
            t = d;
    }
    if (t == UINT64_MAX)
        return cap_ms;
    if (t <= now)
        return 0;
    t = (t - now + 999) / 1000;
    return cap_ms >= 0 && t > (uint64_t)cap_ms ? cap_ms : (int)t;
}

static bool
all_done(struct sw_router *r)
{
    for (size_t i = 0; i < r->n_prod; i++)
        if (!__atomic_load_n(&r->prod[i]->done, __ATOMIC_ACQUIRE))
            return false;
    return true;
}

static bool
rings_empty(struct sw_router *r)
{
    for (size_t i = 0; i < r->n_prod; i++)
        if (sw_ring_count(r->prod[i]->ring) > 0)
            return false;
    return true;
}

/* Records the sinks still hold: a network sink's until acknowledged (or spooled at the
 * deadline); a local sink's until its buffer was written out, which takes a round per
 * buffer-full. A burst at the end (the workers' shutdown flush) leaves many rounds of them
 * after the rings are empty. */
static uint64_t
outstanding(struct sw_router *r)
{
    uint64_t n = 0;

    for (size_t i = 0; i < r->n_sinks; i++)
        n += sq_outstanding(&r->sq[i]);
    return n;
}

/* Output thread: a requested reopen, the sinks' and spools' periodic work, the counters the
 * main thread reads, and the heartbeat. */
static void
housekeeping(struct sw_router *r, bool force_publish)
{
    uint64_t now = sw_clock_us(CLOCK_MONOTONIC);
    bool reopen = atomic_exchange(&r->reopen, 0) != 0;
    bool second = now - r->last_tick >= 1000000u;

    for (size_t i = 0; i < r->n_sinks; i++) {
        struct sink_q *sq = &r->sq[i];

        if (reopen && sq->s->ops->reopen != NULL)
            sq->s->ops->reopen(sq->s);
        if (!second || r->lossless)
            continue;
        if (sq->s->ops->tick != NULL)
            sq->s->ops->tick(sq->s);
        sq->blocked = false; /* a sink that said RETRY is offered again at least each second */
        if (sq->spool != NULL)
            sw_spool_tick(sq->spool);
    }
    if (second || reopen || force_publish) {
        for (size_t i = 0; i < r->n_sinks; i++)
            sq_settle(&r->sq[i]);
        publish_counters(r);
    }
    if (second)
        r->last_tick = now;
    atomic_fetch_add_explicit(&r->beat, 1, memory_order_relaxed);
}

static void *
router_main(void *arg)
{
    struct sw_router *r = arg;
    unsigned busy = 0;

    pthread_setname_np(pthread_self(), "sw-output");
    r->last_tick = sw_clock_us(CLOCK_MONOTONIC);
    for (;;) {
        bool stopping = atomic_load(&r->stopping) != 0;
        size_t n = drain(r);
        int tmo;

        end_round(r, stopping);
        if (n > 0) {
            /* Busy: look at the sinks' sockets without waiting, once per round. */
            poll_sinks(r, 0, false);
            if (atomic_load_explicit(&r->reopen, memory_order_relaxed) || (++busy & 63) == 0)
                housekeeping(r, false);
            else
                atomic_fetch_add_explicit(&r->beat, 1, memory_order_relaxed);
            continue;
        }
        if (stopping && all_done(r) && rings_empty(r)) {
            uint64_t dl = atomic_load(&r->deadline);

            if (outstanding(r) == 0 || sw_clock_us(CLOCK_MONOTONIC) >= dl)
                break;
            tmo = next_timeout(r, STOP_POLL_MS, true);
            poll_sinks(r, tmo, false);
            housekeeping(r, false);
            continue;
        }
        atomic_store_explicit(&r->sleeping, 1, memory_order_seq_cst);
        atomic_thread_fence(memory_order_seq_cst);
        if (!rings_empty(r) || (atomic_load(&r->stopping) && all_done(r))) {
            atomic_store(&r->sleeping, 0);
            continue;
        }
        /* Live, wake at least once a second even when idle: the watchdog sees the beat, and
         * sinks check their connections and files. Offline, sleep until woken. Either way
         * the counters are published before sleeping: other threads may read them now. */
        publish_counters(r);
        tmo = next_timeout(r, r->lossless ? -1 : 1000, false);
        poll_sinks(r, tmo, true);
        atomic_store(&r->sleeping, 0);
        housekeeping(r, true);
    }
    end_round(r, true);
    publish_counters(r);
    sw_eve_thread_fini();
    return NULL;
}

enum sw_rc
sw_router_open(struct sw_router *r, struct sw_err *err)
{
    if (r->opened)
        return SW_OK;
    for (size_t i = 0; r->cfg != NULL && i < r->n_sinks; i++)
        if (sq_open_spool(&r->sq[i], r->cfg, err) != SW_OK)
            return err->code;
    r->opened = true;
    publish_counters(r);
    return SW_OK;
}

void
sw_router_run_once(struct sw_router *r, int timeout_ms)
{
    end_round(r, false);
    poll_sinks(r, next_timeout(r, timeout_ms, false), false);
    end_round(r, false);
    housekeeping(r, true);
}

enum sw_rc
sw_router_start(struct sw_router *r, struct sw_err *err)
{
    int rc;

    if (sw_router_open(r, err) != SW_OK)
        return err->code;
    rc = pthread_create(&r->thread, NULL, router_main, r);
    if (rc != 0) {
        errno = rc;
        return sw_err_sys(err, SW_EIO, "output: pthread_create");
    }
    r->started = true;
    return SW_OK;
}

void
sw_router_stop_by(struct sw_router *r, uint64_t deadline_us)
{
    uint64_t one = 1;

    if (!r->started)
        return;
    if (deadline_us == 0)
        deadline_us = sw_clock_us(CLOCK_MONOTONIC) +
                      (r->cfg != NULL ? r->cfg->agent.stop_timeout : 10000000u);
    atomic_store(&r->deadline, deadline_us);
    atomic_store(&r->stopping, 1);
    ssize_t n = write(r->efd, &one, sizeof(one));
    (void)n;
    pthread_join(r->thread, NULL);
    r->started = false;
}

void
sw_router_stop(struct sw_router *r)
{
    sw_router_stop_by(r, 0);
}

void
sw_router_write(struct sw_router *r, struct sw_event *ev)
{
    struct sw_eve_line *line = sw_eve_line_create(&r->eve, ev);

    sw_event_destroy(ev);
    if (line == NULL) {
        atomic_fetch_add_explicit(&r->encode_drops, 1, memory_order_relaxed);
        return;
    }
    take_line(r, line);
    /* Rounds until the sinks hold nothing more or a round moves nothing (a sink that
     * fails or waits for a receiver: what it holds is spooled or counted at destroy). */
    for (uint64_t left = outstanding(r), was = UINT64_MAX; left > 0 && left < was;
         was = left, left = outstanding(r))
        end_round(r, true);
    publish_counters(r);
}

void
sw_router_counts(struct sw_router *r, uint64_t *events, uint64_t *drops)
{
    uint64_t d = atomic_load(&r->encode_drops);

    /* The sinks' counters belong to the output thread: read its published copies. */
    pthread_mutex_lock(&r->pub_lock);
    for (size_t i = 0; i < r->n_sinks; i++)
        d += r->pub[i].failed + r->pub[i].dropped_policy;
    pthread_mutex_unlock(&r->pub_lock);
    *events = atomic_load(&r->events);
    *drops = d;
}

uint64_t
sw_producer_drops(const struct sw_producer *p)
{
    return atomic_load_explicit(&((struct sw_producer *)(uintptr_t)p)->drops, memory_order_relaxed);
}

uint64_t
sw_router_queued(struct sw_router *r)
{
    uint64_t n = 0;

    for (size_t i = 0; i < r->n_prod; i++)
        n += sw_ring_count(r->prod[i]->ring);
    return n;
}

void
sw_router_reopen(struct sw_router *r)
{
    atomic_store(&r->reopen, 1);
    wake(r);
}

bool
sw_router_progress(struct sw_router *r)
{
    uint64_t b = atomic_load_explicit(&r->beat, memory_order_relaxed);
    bool moved = b != r->beat_seen;

    r->beat_seen = b;
    return moved;
}

bool
sw_router_sink(struct sw_router *r, size_t i, struct sw_sink_stats *out)
{
    if (i >= r->n_sinks)
        return false;
    pthread_mutex_lock(&r->pub_lock);
    *out = r->pub[i];
    pthread_mutex_unlock(&r->pub_lock);
    return true;
}

void
sw_router_destroy(struct sw_router *r)
{
    if (r == NULL)
        return;
    sw_router_stop(r);
    /* The sinks first: the lines they release go back to their producers' return rings,
     * which are freed after them. */
    for (size_t i = 0; r->sq != NULL && i < r->n_sinks; i++) {
        if (r->sq[i].s->ops->flush != NULL)
            r->sq[i].s->ops->flush(r->sq[i].s);
        sq_settle(&r->sq[i]);
        sq_spill_all(&r->sq[i]);
        sq_fini(&r->sq[i]);
    }
    for (size_t i = 0; i < r->n_prod; i++)
        producer_free(r->prod[i]);
    sw_free(r->prod);
    sw_free(r->sq);
    sw_free(r->pub);
    sw_free(r->pfd);
    pthread_mutex_destroy(&r->pub_lock);
    if (r->efd != -1)
        close(r->efd);
    sw_free(r);
}
