/* router.c - the output thread (see include/sw/router.h).
 *
 * Wake-up protocol: the output thread sets `sleeping`, re-checks every ring, and only then
 * blocks on its eventfd; a producer pushes, then (after a full fence) writes the eventfd if
 * it sees `sleeping` set. Either the thread sees the new item on its re-check or the
 * producer sees the flag, so no wake-up is lost. */
#include "sw/router.h"

#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <string.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#include "sw/alloc.h"
#include "sw/log.h"
#include "sw/ring.h"

/* Per-sink bookkeeping of the output thread. */
struct sink_state {
    uint64_t next_seq;
    uint64_t acked, failed;
};

struct sw_router {
    struct sw_eve_cfg eve;
    struct sw_sink **sinks; /* owned, each owned */
    size_t n_sinks;
    struct sink_state *st;  /* owned: n_sinks; output thread (main after stop) */
    bool lossless;
    struct sw_producer **prod; /* owned, each owned: one per producing thread, any number */
    size_t n_prod, cap_prod;
    pthread_t thread;
    bool started;
    int efd; /* wakes the output thread */
    _Atomic int sleeping;
    _Atomic int stopping;
    _Atomic int reopen;      /* main asks: reopen the sinks' files */
    _Atomic uint64_t beat;   /* output thread loop iterations (watchdog) */
    uint64_t beat_seen;      /* main thread */
    time_t last_tick;        /* output thread: second of the sinks' last tick */
    /* events: lines the output thread took; drops: events lost in the output stage (an
     * encoding failure in sw_router_write, a sink that failed). A producer's own drops
     * (full ring, encoding failure) are its own counter, read with sw_producer_drops(). */
    _Atomic uint64_t events, drops;
    /* per-sink counters copied by the output thread for the main thread to read */
    _Atomic uint64_t *sink_written, *sink_failed; /* owned: n_sinks each */
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
    struct sw_eve_line *line = sw_eve_line_create(&p->router->eve, ev);

    sw_event_destroy(ev);
    if (line == NULL) {
        atomic_fetch_add_explicit(&p->drops, 1, memory_order_relaxed);
        return;
    }
    while (!sw_ring_push(p->ring, line)) {
        if (!p->router->lossless) {
            atomic_fetch_add_explicit(&p->drops, 1, memory_order_relaxed);
            sw_eve_line_destroy(line);
            return;
        }
        /* Offline: wait for the output thread rather than lose an event. */
        wake(p->router);
        struct timespec ts = {0, 50000};
        nanosleep(&ts, NULL);
    }
}

void
sw_producer_kick(struct sw_producer *p)
{
    if (atomic_load_explicit(&p->router->sleeping, memory_order_relaxed) &&
        sw_ring_count(p->ring) > 0)
        wake(p->router);
}

struct sw_router *
sw_router_create(const struct sw_eve_cfg *eve, struct sw_sink **sinks, size_t n_sinks,
                 bool lossless, struct sw_err *err)
{
    struct sw_router *r = sw_calloc(1, sizeof(*r));

    if (r == NULL) {
        for (size_t i = 0; i < n_sinks; i++)
            sw_sink_destroy(sinks[i]);
        sw_free(sinks);
        sw_err_set(err, SW_ENOMEM, "output: out of memory");
        return NULL;
    }
    r->eve = *eve;
    r->sinks = sinks;
    r->n_sinks = n_sinks;
    r->lossless = lossless;
    r->sink_written = sw_calloc(n_sinks + 1, sizeof(*r->sink_written));
    r->sink_failed = sw_calloc(n_sinks + 1, sizeof(*r->sink_failed));
    r->st = sw_calloc(n_sinks + 1, sizeof(*r->st));
    r->efd = eventfd(0, EFD_CLOEXEC);
    for (size_t i = 0; i < n_sinks; i++) {
        sinks[i]->host = &router_host;
        sinks[i]->host_ctx = r;
    }
    if (r->sink_written == NULL || r->sink_failed == NULL || r->st == NULL) {
        sw_err_set(err, SW_ENOMEM, "output: out of memory");
        sw_router_destroy(r);
        return NULL;
    }
    if (r->efd == -1) {
        sw_err_sys(err, SW_EIO, "output: eventfd");
        sw_router_destroy(r);
        return NULL;
    }
    return r;
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
        sw_ring_init(p->ring, ring_size) != SW_OK) {
        if (p != NULL)
            sw_free(p->ring);
        sw_free(p);
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

static size_t
sink_index(const struct sw_router *r, const struct sw_sink *s)
{
    for (size_t i = 0; i < r->n_sinks; i++)
        if (r->sinks[i] == s)
            return i;
    return r->n_sinks;
}

/* The sinks' reports (include/sw/sink.h section 4). */
static void
host_outcome(void *ctx, struct sw_sink *s, uint64_t first, uint64_t last, int what,
             const char *reason)
{
    struct sw_router *r = ctx;
    size_t i = sink_index(r, s);
    uint64_t n = last >= first ? last - first + 1 : 0;

    (void)reason;
    if (i == r->n_sinks)
        return;
    if (what == SW_SINK_ACKED)
        r->st[i].acked += n;
    else
        r->st[i].failed += n;
}

static void
host_error(void *ctx, struct sw_sink *s, const char *msg)
{
    (void)ctx;
    SW_LOG_RATELIMIT(SW_LOG_ERROR, "%s: %s", s->name, msg);
}

static void
host_truncated(void *ctx, struct sw_sink *s, uint64_t n)
{
    (void)ctx;
    (void)s;
    (void)n;
}

static const struct sw_sink_host router_host = {
    .outcome = host_outcome,
    .error = host_error,
    .truncated = host_truncated,
};

/* Output thread: hand one line to every sink whose filter takes its type. Takes the line. */
static void
write_line(struct sw_router *r, struct sw_eve_line *line)
{
    struct sw_rec rec = {.line = line->text, .len = line->len, .type = (uint8_t)line->type};

    for (size_t i = 0; i < r->n_sinks; i++) {
        struct sw_sink *s = r->sinks[i];
        size_t taken = 0;

        if ((s->types & (1u << line->type)) == 0)
            continue;
        rec.seq = ++r->st[i].next_seq;
        if (s->ops->write(s, &rec, 1, &taken) != SW_SINK_DONE && taken == 0) {
            /* A file sink's buffer is full: write it out and offer again. */
            if (s->ops->flush != NULL)
                s->ops->flush(s);
            if (s->ops->write(s, &rec, 1, &taken) != SW_SINK_DONE && taken == 0)
                r->st[i].failed++;
        }
        /* The line is freed below: a sink that took it must be done with it. */
        if (taken == 1 && s->ops->flush != NULL && rec.len + 1 > 256u * 1024u)
            s->ops->flush(s);
    }
    atomic_fetch_add_explicit(&r->events, 1, memory_order_relaxed);
    sw_eve_line_destroy(line);
}

static void
flush_all(struct sw_router *r)
{
    for (size_t i = 0; i < r->n_sinks; i++)
        if (r->sinks[i]->ops->flush != NULL)
            r->sinks[i]->ops->flush(r->sinks[i]);
}

/* Drain every ring once; returns how many events were written. */
static size_t
drain(struct sw_router *r)
{
    size_t total = 0;

    for (size_t i = 0; i < r->n_prod; i++) {
        struct sw_eve_line *line;
        size_t n = 0;

        /* Bounded per ring per round so one busy producer cannot starve the others. */
        while (n < 1024 && (line = sw_ring_pop(r->prod[i]->ring)) != NULL) {
            write_line(r, line);
            n++;
        }
        total += n;
    }
    return total;
}

static bool
all_done(struct sw_router *r)
{
    for (size_t i = 0; i < r->n_prod; i++)
        if (!__atomic_load_n(&r->prod[i]->done, __ATOMIC_ACQUIRE))
            return false;
    return true;
}

/* The thread that owns the sinks (the output thread, or main after stop): copy their
 * counters for other threads to read. */
static void
publish_counters(struct sw_router *r)
{
    for (size_t i = 0; i < r->n_sinks; i++) {
        atomic_store_explicit(&r->sink_written[i], r->st[i].acked, memory_order_relaxed);
        atomic_store_explicit(&r->sink_failed[i], r->st[i].failed, memory_order_relaxed);
    }
}

/* Output thread: between events, a requested reopen, the sinks' periodic checks, the
 * counters the main thread reads, and the heartbeat. */
static void
housekeeping(struct sw_router *r)
{
    struct timespec now;
    bool reopen = atomic_exchange(&r->reopen, 0) != 0;

    clock_gettime(CLOCK_MONOTONIC, &now);
    for (size_t i = 0; i < r->n_sinks; i++) {
        struct sw_sink *s = r->sinks[i];

        if (reopen && s->ops->reopen != NULL)
            s->ops->reopen(s);
        else if (!r->lossless && s->ops->tick != NULL && now.tv_sec != r->last_tick)
            s->ops->tick(s);
    }
    publish_counters(r);
    r->last_tick = now.tv_sec;
    atomic_fetch_add_explicit(&r->beat, 1, memory_order_relaxed);
}

static void *
router_main(void *arg)
{
    struct sw_router *r = arg;

    pthread_setname_np(pthread_self(), "sw-output");
    for (;;) {
        if (drain(r) > 0) {
            if (atomic_load_explicit(&r->reopen, memory_order_relaxed) ||
                (atomic_load_explicit(&r->beat, memory_order_relaxed) & 63) == 0)
                housekeeping(r);
            else
                atomic_fetch_add_explicit(&r->beat, 1, memory_order_relaxed);
            continue;
        }
        if (all_done(r) && atomic_load(&r->stopping)) {
            if (drain(r) == 0)
                break;
            continue;
        }
        atomic_store_explicit(&r->sleeping, 1, memory_order_seq_cst);
        atomic_thread_fence(memory_order_seq_cst);
        bool empty = true;
        for (size_t i = 0; i < r->n_prod && empty; i++)
            empty = sw_ring_count(r->prod[i]->ring) == 0;
        if (!empty || (all_done(r) && atomic_load(&r->stopping))) {
            atomic_store(&r->sleeping, 0);
            continue;
        }
        uint64_t v;
        struct pollfd pfd = {.fd = r->efd, .events = POLLIN};
        /* Live, wake once a second even when idle: the watchdog sees the beat, and sinks
         * check for rotated files. Offline, sleep until woken. */
        if (r->lossless || poll(&pfd, 1, 1000) > 0) {
            ssize_t n = read(r->efd, &v, sizeof(v));
            (void)n; /* EINTR or a wake-up: either way, look again */
        }
        atomic_store(&r->sleeping, 0);
        flush_all(r);
        housekeeping(r);
    }
    flush_all(r);
    publish_counters(r);
    sw_eve_thread_fini();
    return NULL;
}

enum sw_rc
sw_router_start(struct sw_router *r, struct sw_err *err)
{
    int rc = pthread_create(&r->thread, NULL, router_main, r);

    if (rc != 0) {
        errno = rc;
        return sw_err_sys(err, SW_EIO, "output: pthread_create");
    }
    r->started = true;
    return SW_OK;
}

void
sw_router_stop(struct sw_router *r)
{
    uint64_t one = 1;

    if (!r->started)
        return;
    atomic_store(&r->stopping, 1);
    ssize_t n = write(r->efd, &one, sizeof(one));
    (void)n;
    pthread_join(r->thread, NULL);
    r->started = false;
}

void
sw_router_write(struct sw_router *r, struct sw_event *ev)
{
    struct sw_eve_line *line = sw_eve_line_create(&r->eve, ev);

    sw_event_destroy(ev);
    if (line == NULL) {
        atomic_fetch_add_explicit(&r->drops, 1, memory_order_relaxed);
        return;
    }
    write_line(r, line);
    flush_all(r);
    publish_counters(r);
}

void
sw_router_counts(struct sw_router *r, uint64_t *events, uint64_t *drops)
{
    uint64_t d = atomic_load(&r->drops);

    /* The sinks' counters belong to the output thread: read its copies. */
    for (size_t i = 0; i < r->n_sinks; i++)
        d += atomic_load_explicit(&r->sink_failed[i], memory_order_relaxed);
    *events = atomic_load(&r->events);
    *drops = d;
}

uint64_t
sw_producer_drops(const struct sw_producer *p)
{
    return atomic_load_explicit(&((struct sw_producer *)(uintptr_t)p)->drops,
                                memory_order_relaxed);
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
sw_router_sink(struct sw_router *r, size_t i, const char **name, uint64_t *written,
               uint64_t *failed)
{
    if (i >= r->n_sinks)
        return false;
    *name = r->sinks[i]->name; /* set at creation, never written after */
    *written = atomic_load_explicit(&r->sink_written[i], memory_order_relaxed);
    *failed = atomic_load_explicit(&r->sink_failed[i], memory_order_relaxed);
    return true;
}

void
sw_router_destroy(struct sw_router *r)
{
    if (r == NULL)
        return;
    sw_router_stop(r);
    for (size_t i = 0; i < r->n_prod; i++) {
        struct sw_eve_line *line;

        while ((line = sw_ring_pop(r->prod[i]->ring)) != NULL)
            sw_eve_line_destroy(line);
        sw_ring_fini(r->prod[i]->ring);
        sw_free(r->prod[i]->ring);
        sw_free(r->prod[i]);
    }
    sw_free(r->prod);
    for (size_t i = 0; i < r->n_sinks; i++)
        sw_sink_destroy(r->sinks[i]);
    sw_free(r->sinks);
    sw_free(r->sink_written);
    sw_free(r->sink_failed);
    sw_free(r->st);
    if (r->efd != -1 && r->efd != 0)
        close(r->efd);
    sw_free(r);
}
