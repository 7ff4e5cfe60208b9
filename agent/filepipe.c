/* filepipe.c - the host side of `seawall run` (see include/sw/filepipe.h). */
#include "sw/filepipe.h"

#include <errno.h>
#include <stdio.h>
#include <sys/resource.h>
#include <string.h>
#include <time.h>

#include "sw/alloc.h"
#include "sw/clock.h"
#include "sw/detect_file.h"
#include "sw/eve.h"
#include "sw/fim.h"
#include "sw/log.h"
#include "sw/pipeline.h"
#include "sw/router.h"
#include "sw/scanpool.h"
#include "sw/watch.h"

#define EVENT_RING 4096 /* events queued per scan thread (and for the fim thread) */
#define FIM_RING 8192   /* records queued per scan thread to the fim thread */

struct sw_filepipe {
    const struct sw_config *cfg;     /* borrowed */
    char db[4096];                   /* the baseline file, "" without files.fim */
    struct sw_watch *watch;          /* owned */
    struct sw_fim_service *fim;      /* owned */
    struct sw_scanpool *pool;        /* owned */
    struct sw_producer **prod;       /* the router's: one per scan thread */
    struct sw_emitter **em;          /* owned array: &prod[i]->em */
    struct sw_producer *fim_prod;    /* the router's: the fim thread's */
    unsigned n;                      /* scan threads */
    bool started, stopped;
};

static void
kick(void *ctx)
{
    sw_producer_kick(ctx);
}

/* A scan thread's end (sw_scanpool_opts.done): no more events from it; its EVE encoder's
 * scratch buffer goes with it. */
static void
done(void *ctx)
{
    sw_producer_close(ctx);
    sw_eve_thread_fini();
}

/* The fim thread's end: its encoder's buffer (its producer is closed by stop, after the
 * thread was joined). */
static void
fim_done(void *ctx)
{
    (void)ctx;
    sw_eve_thread_fini();
}

/* Descriptors the file side may hold at once: a queued file each, the fanotify source's
 * close-writes waiting for their names (4096), walks (a level each), SQLite, sinks. The soft
 * limit is raised to the hard one (systemd gives 1024 and 524288). */
static void
raise_nofile(const struct sw_config *cfg)
{
    struct rlimit rl;
    rlim_t want = (rlim_t)cfg->files.queue_size + 4096u + 1024u;

    if (getrlimit(RLIMIT_NOFILE, &rl) != 0)
        return;
    if (rl.rlim_cur < rl.rlim_max) {
        rl.rlim_cur = rl.rlim_max;
        if (setrlimit(RLIMIT_NOFILE, &rl) != 0)
            sw_log_warn("files: raising RLIMIT_NOFILE: %s", strerror(errno));
    }
    if (rl.rlim_cur < want)
        sw_log_warn("files: %llu descriptors at most (RLIMIT_NOFILE) but files.queue_size %u "
                    "may need %llu: raise LimitNOFILE= or lower files.queue_size",
                    (unsigned long long)rl.rlim_cur, cfg->files.queue_size,
                    (unsigned long long)want);
}

struct sw_filepipe *
sw_filepipe_open(const struct sw_config *cfg, struct sw_err *err)
{
    struct sw_filepipe *fp = sw_calloc(1, sizeof(*fp));

    if (fp == NULL) {
        sw_err_set(err, SW_ENOMEM, "files: out of memory");
        return NULL;
    }
    fp->cfg = cfg;
    fp->n = cfg->files.scan_threads;
    raise_nofile(cfg);
    fp->watch = sw_watch_open(cfg, err);
    if (fp->watch == NULL) {
        sw_free(fp);
        return NULL;
    }
    return fp;
}

/* The baseline of the watched trees, as the watcher folded them. */
static struct sw_fim_service *
open_fim(struct sw_filepipe *fp, struct sw_err *err)
{
    const struct sw_config *cfg = fp->cfg;
    const char *roots[1024], *how;
    size_t n_roots = 0;
    char *db = fp->db;
    struct sw_fim *f;
    struct sw_fim_service *svc;

    while (n_roots < sizeof(roots) / sizeof(roots[0]) &&
           sw_watch_tree(fp->watch, n_roots, &roots[n_roots], &how))
        n_roots++;
    if (snprintf(db, sizeof(fp->db), "%s/fim.db", cfg->agent.state_dir) >= (int)sizeof(fp->db)) {
        sw_err_set(err, SW_EINVAL, "agent.state_dir: path too long");
        return NULL;
    }
    struct sw_fim_opts fo = {
        .db = db,
        .roots = roots,
        .n_roots = n_roots,
        .exclude = (const char *const *)cfg->files.exclude.v,
        .n_exclude = cfg->files.exclude.n,
        .prune = true, /* the baseline is the daemon's view of files.paths */
    };
    f = sw_fim_open(&fo, err);
    if (f == NULL)
        return NULL;
    struct sw_fim_service_opts so = {
        .n_producers = fp->n,
        .ring_size = FIM_RING,
        .em = &fp->fim_prod->em,
        .kick = kick,
        .kick_ctx = fp->fim_prod,
        .done = fim_done,
    };
    svc = sw_fim_service_create(f, &so, err); /* takes f */
    return svc;
}

enum sw_rc
sw_filepipe_prepare(struct sw_filepipe *fp, struct sw_pipeline *pl, struct sw_yara_rules *rules,
                    struct sw_ioc_set *ioc, struct sw_err *err)
{
    const struct sw_config *cfg = fp->cfg;
    struct sw_detect_file *det;

    fp->prod = sw_calloc(fp->n, sizeof(*fp->prod));
    fp->em = sw_calloc(fp->n, sizeof(*fp->em));
    if (fp->prod == NULL || fp->em == NULL)
        return sw_err_set(err, SW_ENOMEM, "files: out of memory");
    for (unsigned i = 0; i < fp->n; i++) {
        fp->prod[i] = sw_pipeline_add_producer(pl, EVENT_RING, err);
        if (fp->prod[i] == NULL)
            return err->code;
        /* A scan thread waits for the output thread rather than drop an event: the files
         * wait in the kernel's queue or the walk meanwhile. */
        fp->prod[i]->lossless = true;
        fp->em[i] = &fp->prod[i]->em;
    }
    if (cfg->files.fim) {
        fp->fim_prod = sw_pipeline_add_producer(pl, EVENT_RING, err);
        if (fp->fim_prod == NULL)
            return err->code;
        fp->fim_prod->lossless = true; /* a walk's end reports thousands at once */
        fp->fim = open_fim(fp, err);
        if (fp->fim == NULL)
            return err->code;
    }
    struct sw_scanpool_opts po = {
        .threads = fp->n,
        .queue_size = cfg->files.queue_size,
        .max_scan_size = cfg->files.max_scan_size,
        .max_hash_size = cfg->files.max_hash_size,
        .max_strings = 16,
        .string_bytes = 64,
        .timeout_s = 60,
        .nice = (int)cfg->files.nice,
        .ionice = cfg->files.ionice,
        .source = "fim",
        .em = fp->em,
        .kick = kick,
        .done = done,
        .kick_ctx = (void *const *)fp->prod,
        .fim = fp->fim,
        .fim_producer = 0,
        .fim_db = fp->fim != NULL ? fp->db : NULL,
        .wake = sw_watch_wake,
        .wake_ctx = fp->watch,
    };
    det = sw_detect_file_create(rules, ioc, err);
    if (det == NULL)
        return err->code;
    fp->pool = sw_scanpool_create(&po, det, err);
    sw_detect_file_destroy(det); /* the pool keeps its own hold */
    if (fp->pool == NULL)
        return err->code;
    return SW_OK;
}

enum sw_rc
sw_filepipe_start(struct sw_filepipe *fp, struct sw_err *err)
{
    fp->started = true;
    if (fp->fim != NULL && sw_fim_service_start(fp->fim, err) != SW_OK)
        return err->code;
    if (sw_scanpool_start(fp->pool, err) != SW_OK)
        return err->code;
    return sw_watch_start(fp->watch, fp->pool, fp->fim, err);
}

bool
sw_filepipe_ready(struct sw_filepipe *fp)
{
    return sw_watch_ready(fp->watch);
}

void
sw_filepipe_reload(struct sw_filepipe *fp, struct sw_yara_rules *rules, struct sw_ioc_set *ioc,
                   const struct sw_config *cfg)
{
    struct sw_err err;
    struct sw_detect_file *det = sw_detect_file_create(rules, ioc, &err);

    if (det == NULL) {
        sw_log_error("files: %s: the scan threads keep the previous rules", err.msg);
        return;
    }
    sw_scanpool_set_detection(fp->pool, det); /* one pointer: the threads adopt it */
    sw_detect_file_destroy(det);
    sw_watch_retro_hunt(fp->watch, cfg->files.retro_hunt);
}

void
sw_filepipe_stats(struct sw_filepipe *fp, struct sw_stats_snap *s)
{
    struct sw_files_stats *o = &s->files;
    struct sw_watch_stats w;
    struct sw_scan_stats p;

    memset(o, 0, sizeof(*o));
    sw_watch_stats(fp->watch, &w);
    o->trees = w.trees;
    o->dirs = w.dirs;
    o->watches = w.watches;
    o->unwatched = w.unwatched;
    o->budget = w.budget;
    o->events = w.events;
    o->ignored = w.ignored;
    o->overflows = w.overflows;
    o->rescans = w.rescans;
    o->walks = w.walks;
    o->walk_files = w.walk_files;
    o->walk_ms = w.walk_ms;
    o->unmatched = w.unmatched;
    o->errors = w.errors;
    o->retro = w.retro;
    if (fp->pool != NULL) {
        sw_scanpool_stats(fp->pool, &p);
        o->files = p.files;
        o->bytes = p.bytes;
        o->hashed = p.hashed;
        o->scanned = p.scanned;
        o->unchanged = p.unchanged;
        o->matches = p.matches;
        o->files_matched = p.files_matched;
        o->ioc_matches = p.ioc_matches;
        o->fileinfo = p.fileinfo;
        o->timeouts = p.timeouts;
        o->changed_while_read = p.changed_while_read;
        o->queued = p.queued;
        o->coalesced = p.coalesced;
        o->queue_high = p.queue_high;
        o->event_drops = p.event_drops;
        o->skipped_size = p.skipped_size;
        o->skipped_excluded = p.skipped_excluded;
        o->skipped_special = p.skipped_special;
        o->skipped_overflow = p.skipped_overflow;
        o->skipped_error = p.skipped_error;
        o->fim_records = p.records;
        o->fim_record_drops = p.record_drops;
    }
    if (fp->fim != NULL) {
        struct sw_fim_stats f;

        sw_fim_service_stats(fp->fim, &f);
        o->fim_events = f.events;
        o->fim_added = f.added;
        o->fim_modified = f.modified;
        o->fim_attributes = f.attributes;
        o->fim_moved = f.moved;
        o->fim_deleted = f.deleted;
        o->fim_rows = f.rows;
        o->fim_db_errors = f.db_errors;
        o->fim_rebuilt = f.rebuilt;
        o->fim_record_drops += f.ring_drops;
    }
    s->has_files = true;
}

bool
sw_filepipe_tree(struct sw_filepipe *fp, size_t i, const char **path, const char **how)
{
    return sw_watch_tree(fp->watch, i, path, how);
}

bool
sw_filepipe_progress(struct sw_filepipe *fp, char *who, size_t len)
{
    unsigned stuck = 0;

    if (!sw_watch_progress(fp->watch)) {
        snprintf(who, len, "file watcher");
        return false;
    }
    if (fp->pool != NULL && !sw_scanpool_progress(fp->pool, &stuck)) {
        snprintf(who, len, "scan thread %u", stuck);
        return false;
    }
    return true;
}

bool
sw_filepipe_stop(struct sw_filepipe *fp, uint64_t deadline_us)
{
    bool ok = true;

    if (fp->stopped)
        return true;
    fp->stopped = true;
    sw_watch_stop(fp->watch);
    if (fp->pool != NULL && fp->started) {
        ok = sw_scanpool_stop(fp->pool, true, deadline_us);
        if (!ok)
            sw_log_error("files: a scan thread did not finish within agent.stop_timeout");
    } else if (fp->pool != NULL) {
        sw_scanpool_destroy(fp->pool); /* never started: closes the scan producers */
        fp->pool = NULL;
    } else {
        /* Prepared only in part: the scan producers close here. */
        for (unsigned i = 0; fp->prod != NULL && i < fp->n; i++)
            if (fp->prod[i] != NULL)
                sw_producer_close(fp->prod[i]);
    }
    if (!ok)
        return false;
    if (fp->fim != NULL)
        sw_fim_service_stop(fp->fim); /* the pool's records are all in its rings now */
    if (fp->fim_prod != NULL)
        sw_producer_close(fp->fim_prod); /* the fim thread has ended: its producer closes */
    return true;
}

void
sw_filepipe_destroy(struct sw_filepipe *fp)
{
    if (fp == NULL)
        return;
    if (!sw_filepipe_stop(fp, sw_clock_us(CLOCK_MONOTONIC) + 10000000u))
        return; /* a scan thread still runs with our memory */
    sw_watch_destroy(fp->watch);
    sw_scanpool_destroy(fp->pool);
    sw_fim_service_destroy(fp->fim);
    sw_free(fp->prod);
    sw_free(fp->em);
    sw_free(fp);
}
