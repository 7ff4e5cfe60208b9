/* fim_service.c - the fim thread: owns the baseline's SQLite connection, drains one SPSC
 * ring per producer, batches transactions and answers control requests (see
 * include/sw/fim.h, "Threads").
 *
 * Producers never lock: they push and, only when the fim thread said it sleeps, write its
 * eventfd (the seq_cst fence on both sides makes "push, then read sleeping" and "set
 * sleeping, then look at the rings" exclusive: one of them sees the other). Control requests
 * are rare (walk begin/end, retro-hunt, stop): one mailbox under a mutex, the caller waits on
 * a condition variable for the answer. */
#include "fim_int.h"

#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#include "sw/alloc.h"
#include "sw/clock.h"
#include "sw/log.h"
#include "sw/ring.h"

/* Records taken from one ring before looking at the others and at the clock. */
#define DRAIN_BURST 256u

enum ctl { CTL_NONE, CTL_WALK_BEGIN, CTL_WALK_END, CTL_RECENT, CTL_STOP };

struct fim_prod {
    struct sw_ring ring;     /* producer: its submitting thread; consumer: the fim thread */
    _Atomic uint64_t drops;  /* producer writes */
};

struct sw_fim_service {
    struct sw_fim *fim;      /* owned; used by the fim thread once started */
    struct fim_prod *prod;   /* owned, n_prod */
    unsigned n_prod;
    struct sw_emitter *em;   /* borrowed */
    void (*kick)(void *ctx);
    void *kick_ctx;
    int efd;                 /* eventfd: wakes the fim thread */
    _Atomic bool sleeping;   /* the fim thread is about to wait on efd */
    pthread_t thread;
    bool started, stopped;

    /* Control mailbox and published counters (mu). */
    pthread_mutex_t mu;
    pthread_cond_t cv;
    enum ctl req;
    bool done;
    enum sw_rc rc;
    struct sw_err err;
    bool complete;
    char walk_at[PATH_MAX]; /* CTL_WALK_BEGIN: the tree, "" for every root */
    uint64_t since_us;
    size_t max;
    char **paths; /* CTL_RECENT answer, handed to the caller */
    size_t n_paths;
    bool truncated;
    struct sw_fim_stats pub;
};

static void
wake(struct sw_fim_service *s)
{
    uint64_t one = 1;

    if (write(s->efd, &one, sizeof(one)) < 0 && errno != EAGAIN)
        SW_LOG_RATELIMIT(SW_LOG_WARNING, "fim: eventfd: %s", strerror(errno));
}

struct sw_fim_service *
sw_fim_service_create(struct sw_fim *f, const struct sw_fim_service_opts *o, struct sw_err *err)
{
    struct sw_fim_service *s = sw_calloc(1, sizeof(*s));

    if (s == NULL) {
        sw_fim_close(f);
        sw_err_set(err, SW_ENOMEM, "fim: out of memory");
        return NULL;
    }
    s->fim = f;
    s->efd = -1;
    s->em = o->em;
    s->kick = o->kick;
    s->kick_ctx = o->kick_ctx;
    pthread_mutex_init(&s->mu, NULL);
    pthread_cond_init(&s->cv, NULL);
    s->prod = sw_calloc(o->n_producers > 0 ? o->n_producers : 1, sizeof(*s->prod));
    if (s->prod == NULL) {
        sw_err_set(err, SW_ENOMEM, "fim: out of memory");
        goto fail;
    }
    for (unsigned i = 0; i < o->n_producers; i++) {
        if (sw_ring_init(&s->prod[i].ring, o->ring_size) != SW_OK) {
            sw_err_set(err, SW_ENOMEM, "fim: ring of %zu records: out of memory", o->ring_size);
            goto fail;
        }
        s->n_prod++;
    }
    s->efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    if (s->efd == -1) {
        sw_err_sys(err, SW_EIO, "fim: eventfd");
        goto fail;
    }
    return s;
fail:
    sw_fim_service_destroy(s);
    return NULL;
}

bool
sw_fim_submit(struct sw_fim_service *s, unsigned producer, struct sw_fim_rec *rec)
{
    struct fim_prod *p = &s->prod[producer];

    if (!sw_ring_push(&p->ring, rec)) {
        sw_fim_rec_destroy(rec);
        atomic_fetch_add_explicit(&p->drops, 1, memory_order_relaxed);
        return false;
    }
    atomic_thread_fence(memory_order_seq_cst);
    if (atomic_load_explicit(&s->sleeping, memory_order_relaxed))
        wake(s);
    return true;
}

void
sw_fim_submit_wait(struct sw_fim_service *s, unsigned producer, struct sw_fim_rec *rec)
{
    struct fim_prod *p = &s->prod[producer];

    while (!sw_ring_push(&p->ring, rec)) {
        const struct timespec ts = {0, 100000};

        wake(s);
        nanosleep(&ts, NULL);
    }
    atomic_thread_fence(memory_order_seq_cst);
    if (atomic_load_explicit(&s->sleeping, memory_order_relaxed))
        wake(s);
}

/* --- the fim thread ----------------------------------------------------------------------- */

static void
report(enum sw_rc rc, const struct sw_err *e)
{
    if (rc != SW_OK)
        SW_LOG_RATELIMIT(SW_LOG_ERROR, "fim: %s", e->msg);
}

/* Apply up to burst records of every ring (all of them when burst is 0). Returns how many. */
static size_t
drain(struct sw_fim_service *s, unsigned burst)
{
    size_t n = 0;

    for (unsigned i = 0; i < s->n_prod; i++) {
        struct sw_fim_rec *rec;
        unsigned k = 0;

        while ((burst == 0 || k < burst) && (rec = sw_ring_pop(&s->prod[i].ring)) != NULL) {
            struct sw_err e;

            report(sw_fim_apply(s->fim, rec, s->em, &e), &e);
            k++;
        }
        n += k;
    }
    return n;
}

static bool
rings_empty(struct sw_fim_service *s)
{
    for (unsigned i = 0; i < s->n_prod; i++)
        if (sw_ring_count(&s->prod[i].ring) > 0)
            return false;
    return true;
}

static void
publish(struct sw_fim_service *s)
{
    struct sw_fim_stats st;
    uint64_t drops = 0;

    sw_fim_get_stats(s->fim, &st);
    for (unsigned i = 0; i < s->n_prod; i++)
        drops += atomic_load_explicit(&s->prod[i].drops, memory_order_relaxed);
    st.ring_drops = drops;
    pthread_mutex_lock(&s->mu);
    s->pub = st;
    pthread_mutex_unlock(&s->mu);
}

struct recent_ctx {
    struct sw_fim_service *s;
    size_t cap;
    bool oom;
};

static bool
recent_add(void *ctx, const char *path)
{
    struct recent_ctx *r = ctx;
    struct sw_fim_service *s = r->s;

    if (s->n_paths == s->max) {
        s->truncated = true;
        return false;
    }
    if (s->n_paths == r->cap) {
        size_t cap = r->cap != 0 ? r->cap * 2 : 256;
        char **v = sw_realloc(s->paths, cap * sizeof(*v));

        if (v == NULL) {
            r->oom = true;
            return false;
        }
        s->paths = v;
        r->cap = cap;
    }
    s->paths[s->n_paths] = sw_strdup(path);
    if (s->paths[s->n_paths] == NULL) {
        r->oom = true;
        return false;
    }
    s->n_paths++;
    return true;
}

/* Serve the pending control request, if any. Returns true on CTL_STOP. */
static bool
serve(struct sw_fim_service *s)
{
    enum ctl req;
    enum sw_rc rc = SW_OK;
    struct sw_err e;

    pthread_mutex_lock(&s->mu);
    req = s->done ? CTL_NONE : s->req;
    pthread_mutex_unlock(&s->mu);
    if (req == CTL_NONE)
        return false;
    sw_err_clear(&e);
    switch (req) {
    case CTL_WALK_BEGIN:
        rc = sw_fim_walk_begin_at(s->fim, s->walk_at[0] != '\0' ? s->walk_at : NULL, &e);
        break;
    case CTL_WALK_END:
        /* Everything submitted before the request belongs to the walk: apply it first. */
        while (drain(s, 0) > 0)
            ;
        rc = sw_fim_walk_end(s->fim, s->complete, s->em, &e);
        break;
    case CTL_RECENT: {
        struct recent_ctx r = {.s = s};

        rc = sw_fim_recent(s->fim, s->since_us, recent_add, &r, &e);
        if (rc == SW_OK && r.oom)
            rc = sw_err_set(&e, SW_ENOMEM, "fim: retro-hunt list: out of memory");
        break;
    }
    case CTL_STOP:
        while (drain(s, 0) > 0)
            ;
        rc = sw_fim_tick(s->fim, UINT64_MAX / 2, s->em, &e); /* lone halves */
        if (rc == SW_OK)
            rc = sw_fim_flush(s->fim, &e);
        break;
    default:
        break;
    }
    if (s->kick != NULL)
        s->kick(s->kick_ctx);
    publish(s);
    pthread_mutex_lock(&s->mu);
    s->rc = rc;
    s->err = e;
    s->done = true;
    pthread_cond_broadcast(&s->cv);
    pthread_mutex_unlock(&s->mu);
    return req == CTL_STOP;
}

static bool
control_pending(struct sw_fim_service *s)
{
    bool p;

    pthread_mutex_lock(&s->mu);
    p = !s->done && s->req != CTL_NONE;
    pthread_mutex_unlock(&s->mu);
    return p;
}

static void *
service_main(void *arg)
{
    struct sw_fim_service *s = arg;

    pthread_setname_np(pthread_self(), "sw-fim");
    for (;;) {
        if (serve(s))
            break;
        size_t n = drain(s, DRAIN_BURST);
        struct sw_err e;

        report(sw_fim_tick(s->fim, sw_clock_us(CLOCK_MONOTONIC), s->em, &e), &e);
        if (n > 0) {
            if (s->kick != NULL)
                s->kick(s->kick_ctx);
            publish(s);
            continue;
        }
        atomic_store(&s->sleeping, true);
        atomic_thread_fence(memory_order_seq_cst);
        if (rings_empty(s) && !control_pending(s)) {
            /* Wake in time to commit an open batch and to settle lone rename halves; idle,
             * once a second (the loop is the thread's sign of life). */
            struct pollfd pfd = {.fd = s->efd, .events = POLLIN};
            uint64_t v;
            bool pending = s->fim->in_tx || s->fim->n_halves > 0;

            (void)poll(&pfd, 1, pending ? (int)SW_FIM_BATCH_MS : 1000);
            if (read(s->efd, &v, sizeof(v)) < 0 && errno != EAGAIN)
                SW_LOG_RATELIMIT(SW_LOG_WARNING, "fim: eventfd: %s", strerror(errno));
        }
        atomic_store(&s->sleeping, false);
    }
    return NULL;
}

enum sw_rc
sw_fim_service_start(struct sw_fim_service *s, struct sw_err *err)
{
    int e = pthread_create(&s->thread, NULL, service_main, s);

    if (e != 0) {
        errno = e;
        return sw_err_sys(err, SW_EIO, "fim: starting the fim thread");
    }
    s->started = true;
    return SW_OK;
}

/* Post a request and wait for its answer. */
static enum sw_rc
request(struct sw_fim_service *s, enum ctl req, struct sw_err *err)
{
    enum sw_rc rc;

    if (!s->started || s->stopped)
        return sw_err_set(err, SW_EINVAL, "fim: the fim thread is not running");
    pthread_mutex_lock(&s->mu);
    s->req = req;
    s->done = false;
    pthread_mutex_unlock(&s->mu);
    wake(s);
    pthread_mutex_lock(&s->mu);
    while (!s->done)
        pthread_cond_wait(&s->cv, &s->mu);
    rc = s->rc;
    if (rc != SW_OK && err != NULL)
        *err = s->err;
    s->req = CTL_NONE;
    pthread_mutex_unlock(&s->mu);
    return rc;
}

enum sw_rc
sw_fim_service_walk_begin(struct sw_fim_service *s, struct sw_err *err)
{
    s->walk_at[0] = '\0'; /* read by the fim thread after the mailbox lock: ordered */
    return request(s, CTL_WALK_BEGIN, err);
}

enum sw_rc
sw_fim_service_walk_begin_at(struct sw_fim_service *s, const char *dir, struct sw_err *err)
{
    if (snprintf(s->walk_at, sizeof(s->walk_at), "%s", dir) >= (int)sizeof(s->walk_at))
        return sw_err_set(err, SW_EINVAL, "%s: path too long", dir);
    return request(s, CTL_WALK_BEGIN, err);
}

enum sw_rc
sw_fim_service_walk_end(struct sw_fim_service *s, bool complete, struct sw_err *err)
{
    s->complete = complete; /* read by the fim thread after the mailbox lock: ordered */
    return request(s, CTL_WALK_END, err);
}

enum sw_rc
sw_fim_service_recent(struct sw_fim_service *s, uint64_t since_us, size_t max, char ***paths,
                      size_t *n, bool *truncated, struct sw_err *err)
{
    enum sw_rc rc;

    s->since_us = since_us;
    s->max = max;
    s->paths = NULL;
    s->n_paths = 0;
    s->truncated = false;
    rc = request(s, CTL_RECENT, err);
    *paths = s->paths;
    *n = s->n_paths;
    *truncated = s->truncated;
    s->paths = NULL;
    s->n_paths = 0;
    if (rc != SW_OK) {
        sw_fim_paths_free(*paths, *n);
        *paths = NULL;
        *n = 0;
    }
    return rc;
}

void
sw_fim_paths_free(char **paths, size_t n)
{
    for (size_t i = 0; i < n; i++)
        sw_free(paths[i]);
    sw_free(paths);
}

void
sw_fim_service_stats(struct sw_fim_service *s, struct sw_fim_stats *out)
{
    pthread_mutex_lock(&s->mu);
    *out = s->pub;
    pthread_mutex_unlock(&s->mu);
    uint64_t drops = 0;

    for (unsigned i = 0; i < s->n_prod; i++)
        drops += atomic_load_explicit(&s->prod[i].drops, memory_order_relaxed);
    out->ring_drops = drops;
}

void
sw_fim_service_stop(struct sw_fim_service *s)
{
    struct sw_err e;

    if (s == NULL || !s->started || s->stopped)
        return;
    if (request(s, CTL_STOP, &e) != SW_OK)
        sw_log_error("%s", e.msg);
    pthread_join(s->thread, NULL);
    s->stopped = true;
}

void
sw_fim_service_destroy(struct sw_fim_service *s)
{
    if (s == NULL)
        return;
    sw_fim_service_stop(s);
    for (unsigned i = 0; i < s->n_prod; i++) {
        struct sw_fim_rec *rec;

        while ((rec = sw_ring_pop(&s->prod[i].ring)) != NULL)
            sw_fim_rec_destroy(rec);
        sw_ring_fini(&s->prod[i].ring);
    }
    sw_free(s->prod);
    if (s->efd != -1)
        close(s->efd);
    sw_fim_close(s->fim);
    pthread_mutex_destroy(&s->mu);
    pthread_cond_destroy(&s->cv);
    sw_free(s);
}
