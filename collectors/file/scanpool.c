/* scanpool.c - the file scan pool (see include/sw/scanpool.h).
 *
 * Threads: one submitter (the watcher) and N scan threads share the queue under one mutex
 * (a low-rate control path: a file at a time, never held across I/O). Everything else a
 * scan thread uses is its own: scanner, libmagic handle, buffers, counters (published into
 * the pool under the mutex when it hands a job back). */
#include "scanpool_int.h"

#include <errno.h>
#include <fcntl.h>
#include <magic.h>
#include <openssl/evp.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

#include "sw/alloc.h"
#include "sw/clock.h"
#include "sw/config.h"
#include "sw/counters.h"
#include "sw/detect_file.h"
#include "sw/fim.h"
#include "sw/filetype.h"
#include "sw/log.h"

/* --- jobs ---------------------------------------------------------------------------------- */

struct sw_scan_job *
sw_scan_job_create(enum sw_scan_kind kind, const char *path, const char *old_path)
{
    struct sw_scan_job *j = sw_calloc(1, sizeof(*j));

    if (j == NULL)
        return NULL;
    j->kind = (uint8_t)kind;
    j->fd = -1;
    j->path = sw_strdup(path);
    if (old_path != NULL)
        j->old_path = sw_strdup(old_path);
    if (j->path == NULL || (old_path != NULL && j->old_path == NULL)) {
        sw_scan_job_destroy(j);
        return NULL;
    }
    return j;
}

void
sw_scan_job_destroy(struct sw_scan_job *j)
{
    if (j == NULL)
        return;
    if (j->fd >= 0)
        close(j->fd);
    sw_free(j->path);
    sw_free(j->old_path);
    sw_free(j);
}

/* --- the queue ----------------------------------------------------------------------------- */

static uint64_t
path_hash(const char *s)
{
    uint64_t h = 1469598103934665603ull;

    for (; *s != '\0'; s++)
        h = (h ^ (uint8_t)*s) * 1099511628211ull;
    return h;
}

/* The index of the newest waiting job of each path: an open-addressing table of job
 * pointers (linear probing; removal by backward shift, so no tombstones), at least twice as
 * large as the queue, so it never fills. Older waiting jobs of a path are not indexed: a
 * new job only ever merges into the newest. */
static size_t
slot_of(const struct sw_scanpool *p, const char *path)
{
    size_t mask = p->n_buckets - 1, i = path_hash(path) & mask;

    while (p->last[i] != NULL && strcmp(p->last[i]->path, path) != 0)
        i = (i + 1) & mask;
    return i;
}

static void
index_remove(struct sw_scanpool *p, const struct sw_scan_job *j)
{
    size_t mask = p->n_buckets - 1, i = slot_of(p, j->path), k;

    if (p->last[i] != j)
        return; /* a newer job of the same path is the indexed one */
    /* Backward-shift deletion keeps every probe chain unbroken. */
    p->last[i] = NULL;
    for (k = (i + 1) & mask; p->last[k] != NULL; k = (k + 1) & mask) {
        size_t home = path_hash(p->last[k]->path) & mask;

        if ((k > i && (home <= i || home > k)) || (k < i && home <= i && home > k)) {
            p->last[i] = p->last[k];
            p->last[k] = NULL;
            i = k;
        }
    }
}

static bool
is_content(uint8_t k)
{
    return k == SW_SCAN_CLOSE_WRITE || k == SW_SCAN_WALK || k == SW_SCAN_ATTRIB ||
           k == SW_SCAN_CREATE;
}

/* Merge j into the waiting job l of the same path where nothing is lost. Returns true when
 * j was absorbed (the caller frees it). */
static bool
merge(struct sw_scanpool *p, struct sw_scan_job *l, struct sw_scan_job *j)
{
    if (l->is_dir || j->is_dir)
        return false;
    if (is_content(l->kind) && is_content(j->kind)) {
        /* The stronger kind wins: a close (with content) over a walk's find, over an
         * attribute change, over a bare create. */
        static const uint8_t rank[] = {
            [SW_SCAN_CLOSE_WRITE] = 4, [SW_SCAN_WALK] = 3, [SW_SCAN_ATTRIB] = 2,
            [SW_SCAN_CREATE] = 1,
        };
        if (j->fd >= 0) { /* the later content replaces the earlier */
            if (l->fd >= 0)
                close(l->fd);
            l->fd = j->fd;
            j->fd = -1;
        }
        if (rank[j->kind] > rank[l->kind])
            l->kind = j->kind;
        if (j->pid != 0) {
            l->pid = j->pid;
            memcpy(l->comm, j->comm, sizeof(l->comm));
        }
        if (j->has_stat) {
            l->has_stat = true;
            l->st = j->st;
        }
        if (j->walk) {
            if (l->walk)
                atomic_fetch_sub(&p->walk_pending, 1); /* counted once */
            l->walk = true;
        }
        l->ts_us = j->ts_us;
        return true;
    }
    /* A delete replaces a waiting job without content (a create or attribute change of a
     * file already gone says nothing more); after a close it waits its turn, so the written
     * bytes are still scanned and reported before the delete. */
    if (j->kind == SW_SCAN_DELETE && l->fd < 0 &&
        (l->kind == SW_SCAN_CREATE || l->kind == SW_SCAN_ATTRIB)) {
        l->kind = SW_SCAN_DELETE;
        l->has_stat = false;
        l->ts_us = j->ts_us;
        if (j->walk && !l->walk)
            l->walk = true;
        else if (j->walk)
            atomic_fetch_sub(&p->walk_pending, 1);
        return true;
    }
    return false;
}

/* Under mu: ring the submitter once n jobs fit and the queue is down to a quarter. */
static void
want_room(struct sw_scanpool *p, size_t n)
{
    size_t at = n < p->o.queue_size ? p->o.queue_size - n : 0;

    if (at > p->o.queue_size / 4)
        at = p->o.queue_size / 4;
    if (!p->want_room || at < p->room_at)
        p->room_at = at;
    p->want_room = true;
}

bool
sw_scanpool_room(struct sw_scanpool *p, size_t n)
{
    bool ok;

    pthread_mutex_lock(&p->mu);
    ok = p->count + n <= p->o.queue_size;
    if (!ok)
        want_room(p, n);
    pthread_mutex_unlock(&p->mu);
    return ok;
}

enum sw_rc
sw_scanpool_submit(struct sw_scanpool *p, struct sw_scan_job *j)
{
    size_t i;

    if (j->walk)
        atomic_fetch_add(&p->walk_pending, 1);
    pthread_mutex_lock(&p->mu);
    i = slot_of(p, j->path);
    if (p->last[i] != NULL && merge(p, p->last[i], j)) {
        p->coalesced++; /* merge() moved j's walk count to the waiting job, or gave it back */
        pthread_mutex_unlock(&p->mu);
        sw_scan_job_destroy(j);
        return SW_OK;
    }
    if (p->count >= p->o.queue_size) {
        want_room(p, 1);
        pthread_mutex_unlock(&p->mu);
        if (j->walk)
            atomic_fetch_sub(&p->walk_pending, 1);
        sw_scan_job_destroy(j);
        return SW_ELIMIT;
    }
    j->next = NULL;
    if (p->tail != NULL)
        p->tail->next = j;
    else
        p->head = j;
    p->tail = j;
    p->count++;
    if (p->count > p->queue_high)
        p->queue_high = p->count;
    p->last[i] = j; /* the newest of its path (an older one, if any, stays queued) */
    pthread_cond_signal(&p->cv);
    pthread_mutex_unlock(&p->mu);
    return SW_OK;
}

void
sw_scanpool_count_skipped(struct sw_scanpool *p, uint64_t excluded, uint64_t overflow)
{
    pthread_mutex_lock(&p->mu);
    p->skipped_excluded += excluded;
    p->skipped_overflow += overflow;
    pthread_mutex_unlock(&p->mu);
}

uint64_t
sw_scanpool_walk_pending(struct sw_scanpool *p)
{
    uint64_t n = atomic_load(&p->walk_pending);

    if (n != 0) { /* the submitter waits for them: ring it after the next job */
        pthread_mutex_lock(&p->mu);
        p->want_wake = true;
        pthread_mutex_unlock(&p->mu);
    }
    return n;
}

bool
sw_scanpool_idle(struct sw_scanpool *p)
{
    bool idle;

    pthread_mutex_lock(&p->mu);
    idle = p->count == 0 && p->in_flight == 0;
    if (!idle)
        p->want_wake = true;
    pthread_mutex_unlock(&p->mu);
    return idle;
}

static bool
same(const char *a, const char *b)
{
    return a != NULL && b != NULL && strcmp(a, b) == 0;
}

/* Does job j touch a path that is in some thread's hands or blocked? */
static bool
conflicts(const struct sw_scanpool *p, const struct sw_scan_job *j, const char *const *blocked,
          size_t n_blocked)
{
    for (unsigned t = 0; t < p->o.threads; t++) {
        const struct sw_scan_job *b = p->w[t].busy;

        if (b != NULL && (same(j->path, b->path) || same(j->path, b->old_path) ||
                          same(j->old_path, b->path) || same(j->old_path, b->old_path)))
            return true;
    }
    for (size_t i = 0; i < n_blocked; i++)
        if (same(j->path, blocked[i]) || same(j->old_path, blocked[i]))
            return true;
    return false;
}

/* Under mu: the first job no thread is busy with and no skipped job precedes on its paths. */
static struct sw_scan_job *
take(struct sw_scanpool *p)
{
    const char *blocked[2 * MAX_BLOCKED];
    size_t n_blocked = 0;
    struct sw_scan_job *j, *prev = NULL;

    for (j = p->head; j != NULL; prev = j, j = j->next) {
        if (!conflicts(p, j, blocked, n_blocked))
            break;
        if (n_blocked + 2 > sizeof(blocked) / sizeof(blocked[0]))
            return NULL; /* wait for a thread to finish rather than search on */
        blocked[n_blocked++] = j->path;
        if (j->old_path != NULL)
            blocked[n_blocked++] = j->old_path;
    }
    if (j == NULL)
        return NULL;
    if (prev != NULL)
        prev->next = j->next;
    else
        p->head = j->next;
    if (p->tail == j)
        p->tail = prev;
    j->next = NULL;
    p->count--;
    index_remove(p, j);
    return j;
}

/* --- threads ------------------------------------------------------------------------------- */

static void *
worker_main(void *arg)
{
    struct worker *w = arg;
    struct sw_scanpool *p = w->p;
    char name[16];

    snprintf(name, sizeof(name), "sw-scan/%u", w->idx);
    pthread_setname_np(pthread_self(), name);
    scan_set_niceness(w);
    scan_adopt_rules(w);
    pthread_mutex_lock(&p->mu);
    for (;;) {
        struct sw_scan_job *j = NULL;
        bool wake;

        if (!p->stopping || p->drain)
            j = take(p);
        if (j == NULL) {
            struct timespec ts;

            if (p->stopping && (p->count == 0 || !p->drain))
                break;
            clock_gettime(CLOCK_REALTIME, &ts);
            ts.tv_sec += IDLE_WAIT_MS / 1000;
            pthread_cond_timedwait(&p->cv, &p->mu, &ts);
            atomic_fetch_add_explicit(&w->beat, 1, memory_order_relaxed);
            continue;
        }
        w->busy = j;
        p->in_flight++;
        pthread_mutex_unlock(&p->mu);

        scan_process(w, j);
        scan_release_buf(w);
        if (p->o.kick != NULL)
            p->o.kick(p->o.kick_ctx[w->idx]);
        if (j->walk)
            atomic_fetch_sub(&p->walk_pending, 1);
        atomic_fetch_add_explicit(&w->beat, 1, memory_order_relaxed);

        pthread_mutex_lock(&p->mu);
        w->busy = NULL;
        p->in_flight--;
        w->pub = w->c;
        wake = p->want_wake || (p->want_room && p->count <= p->room_at);
        if (wake)
            p->want_wake = p->want_room = false;
        /* A job that waited for this path may be free now. */
        if (p->count > 0)
            pthread_cond_broadcast(&p->cv);
        pthread_mutex_unlock(&p->mu);
        sw_scan_job_destroy(j);
        if (wake && p->o.wake != NULL)
            p->o.wake(p->o.wake_ctx);
        pthread_mutex_lock(&p->mu);
    }
    w->pub = w->c;
    pthread_mutex_unlock(&p->mu);
    sw_detect_file_thread_clear(w->det); /* gives back the set: the last hold may free it */
    if (p->o.done != NULL)
        p->o.done(p->o.kick_ctx[w->idx]);
    return NULL;
}

struct sw_scanpool *
sw_scanpool_create(const struct sw_scanpool_opts *o, struct sw_detect_file *det,
                   struct sw_err *err)
{
    struct sw_detect_file_limits lim = {
        .max_strings = o->max_strings,
        .string_bytes = o->string_bytes,
        .timeout_s = o->timeout_s,
    };
    struct sw_scanpool *p;
    size_t nb = 16;
    bool made = true;

    if (o->threads == 0 || o->threads > SW_DETECT_FILE_MAX_THREADS) {
        sw_err_set(err, SW_EINVAL, "scan pool: %u threads (1..%d)", o->threads,
                   SW_DETECT_FILE_MAX_THREADS);
        return NULL;
    }
    p = sw_calloc(1, sizeof(*p));
    if (p == NULL) {
        sw_err_set(err, SW_ENOMEM, "scan pool: out of memory");
        return NULL;
    }
    p->o = *o;
    if (p->o.source == NULL)
        p->o.source = "file";
    while (nb < 2 * o->queue_size)
        nb *= 2;
    p->n_buckets = nb;
    p->last = sw_calloc(nb, sizeof(*p->last));
    p->w = sw_calloc(o->threads, sizeof(*p->w));
    for (unsigned i = 0; p->w != NULL && i < o->threads && made; i++) {
        p->w[i].det = sw_detect_file_thread_create(&lim);
        made = p->w[i].det != NULL;
    }
    if (p->last == NULL || p->w == NULL || !made) {
        for (unsigned i = 0; p->w != NULL && i < o->threads; i++)
            sw_detect_file_thread_destroy(p->w[i].det); /* NULL-safe: calloc'd */
        sw_free(p->last);
        sw_free(p->w);
        sw_free(p);
        sw_err_set(err, SW_ENOMEM, "scan pool: out of memory");
        return NULL;
    }
    pthread_mutex_init(&p->mu, NULL);
    pthread_cond_init(&p->cv, NULL);
    p->det = sw_detect_file_hold(det);
    atomic_store(&p->gen, 1);
    for (unsigned i = 0; i < o->threads; i++) {
        struct worker *w = &p->w[i];

        w->p = p;
        w->idx = i;
        /* libmagic's database is loaded now, before the sandbox: it reads files seccomp
         * allows anyway, but a failure is better told at start-up. */
        w->magic = magic_open(MAGIC_NONE);
        if (w->magic != NULL && magic_load(w->magic, NULL) != 0) {
            if (i == 0)
                sw_log_info("libmagic: %s; fileinfo.magic falls back to seawall's table",
                            magic_error(w->magic));
            magic_close(w->magic);
            w->magic = NULL;
        }
        if (o->fim_db != NULL) {
            struct sw_err rerr;

            w->reader = sw_fim_reader_open(o->fim_db, &rerr);
            if (w->reader == NULL && i == 0)
                sw_log_warn("%s: walks hash and scan every file", rerr.msg);
        }
    }
    return p;
}

enum sw_rc
sw_scanpool_start(struct sw_scanpool *p, struct sw_err *err)
{
    p->started = true;
    for (unsigned i = 0; i < p->o.threads; i++) {
        int rc = pthread_create(&p->w[i].thread, NULL, worker_main, &p->w[i]);

        if (rc != 0) {
            errno = rc;
            return sw_err_sys(err, SW_EIO, "scan pool: starting thread %u", i);
        }
        p->w[i].started = true;
    }
    return SW_OK;
}

void
sw_scanpool_set_detection(struct sw_scanpool *p, struct sw_detect_file *det)
{
    struct sw_detect_file *old;

    pthread_mutex_lock(&p->mu);
    old = p->det;
    p->det = sw_detect_file_hold(det);
    atomic_fetch_add(&p->gen, 1);
    pthread_cond_broadcast(&p->cv);
    pthread_mutex_unlock(&p->mu);
    sw_detect_file_destroy(old); /* threads still scanning with it hold their own */
}

uint32_t
sw_scanpool_generation(struct sw_scanpool *p)
{
    uint32_t g = atomic_load(&p->gen);

    pthread_mutex_lock(&p->mu);
    for (unsigned i = 0; i < p->o.threads; i++)
        if (p->w[i].started && p->w[i].gen < g)
            g = p->w[i].gen;
    pthread_mutex_unlock(&p->mu);
    return g;
}

void
sw_scanpool_stats(struct sw_scanpool *p, struct sw_scan_stats *out)
{
    memset(out, 0, sizeof(*out));
    pthread_mutex_lock(&p->mu);
    /* A thread counts only its own events (its queue fields stay 0): add every field, then
     * set the pool's own. */
    for (unsigned i = 0; i < p->o.threads; i++)
        SW_COUNTERS_ADD(out, &p->w[i].pub);
    out->skipped_excluded = p->skipped_excluded;
    out->skipped_overflow = p->skipped_overflow;
    out->queued = p->count;
    out->coalesced = p->coalesced;
    out->queue_high = p->queue_high;
    pthread_mutex_unlock(&p->mu);
}

bool
sw_scanpool_progress(struct sw_scanpool *p, unsigned *stuck)
{
    bool ok = true;

    for (unsigned i = 0; i < p->o.threads; i++) {
        uint64_t b = atomic_load_explicit(&p->w[i].beat, memory_order_relaxed);

        if (p->w[i].started && b == p->w[i].beat_seen && ok) {
            *stuck = i;
            ok = false;
        }
        p->w[i].beat_seen = b;
    }
    return ok;
}

bool
sw_scanpool_stop(struct sw_scanpool *p, bool drain, uint64_t deadline_us)
{
    bool all = true;

    pthread_mutex_lock(&p->mu);
    p->stopping = true;
    p->drain = drain;
    pthread_cond_broadcast(&p->cv);
    pthread_mutex_unlock(&p->mu);
    for (unsigned i = 0; i < p->o.threads; i++) {
        struct worker *w = &p->w[i];
        uint64_t now = sw_clock_us(CLOCK_MONOTONIC);
        uint64_t left = deadline_us > now ? deadline_us - now : 0;
        uint64_t at = sw_clock_us(CLOCK_REALTIME) + left;
        struct timespec ts = {.tv_sec = (time_t)(at / 1000000u),
                              .tv_nsec = (long)(at % 1000000u) * 1000};

        if (!w->started)
            continue;
        if (pthread_timedjoin_np(w->thread, NULL, &ts) != 0) {
            all = false;
            continue;
        }
        w->started = false;
    }
    return all;
}

void
sw_scanpool_destroy(struct sw_scanpool *p)
{
    if (p == NULL)
        return;
    if (p->started && !sw_scanpool_stop(p, false, sw_clock_us(CLOCK_MONOTONIC) + 10000000u))
        return; /* a thread still runs with our memory: leave it to the process exit */
    for (unsigned i = 0; i < p->o.threads; i++) {
        struct worker *w = &p->w[i];

        if (!p->started && p->o.done != NULL)
            p->o.done(p->o.kick_ctx[i]);
        sw_detect_file_thread_destroy(w->det);
        if (w->magic != NULL)
            magic_close(w->magic);
        sw_fim_reader_close(w->reader);
        sw_free(w->buf);
    }
    while (p->head != NULL) {
        struct sw_scan_job *j = p->head;

        p->head = j->next;
        sw_scan_job_destroy(j);
    }
    sw_detect_file_destroy(p->det);
    pthread_mutex_destroy(&p->mu);
    pthread_cond_destroy(&p->cv);
    sw_free(p->last);
    sw_free(p->w);
    sw_free(p);
}
