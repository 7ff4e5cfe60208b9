/* watch_walk.c - the file watcher's walks (see watcher_int.h): the baseline's walk of every
 * tree (at start-up, on schedule, after lost events), walks of directories that appeared
 * or moved in, and the retro-hunt after a rule reload. Watcher thread only.
 *
 * Walks hand entries to the scan pool only while its queue is at most half full, so live
 * events always find room first. */
#include "watcher_int.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "sw/alloc.h"
#include "sw/clock.h"
#include "sw/log.h"

#define WALK_BATCH 256      /* walk entries per turn */
#define RETRO_MAX 65536u    /* files one retro-hunt rescans at most */

void
watch_walk_close(struct walk *wk)
{
    sw_walk_iter_destroy(wk->it);
    wk->it = NULL;
}

static struct sw_walk_iter *
iter_open(struct sw_watch *w, const char *path, struct sw_err *err)
{
    struct sw_walk_iter_opts o = {
        .one_fs = w->cfg->files.one_filesystem,
        .recursive = w->cfg->files.recursive,
        .excluded = watch_walk_excluded,
        .ctx = w,
    };

    return sw_walk_iter_create(path, &o, err);
}

/* One entry of a walk. main: part of the baseline's walk. */
static void
walk_entry(struct sw_watch *w, struct tree *t, const struct sw_walk_ent *e, bool main)
{
    struct sw_scan_job *j;

    switch (e->type) {
    case SW_WALK_DIR:
        if (t != NULL && t->src != NULL)
            *e->ctx = t->src->ops->dir(t->src, e->parent_ctx, e->path, e->name, e->dirfd,
                                       w->gen);
        return;
    case SW_WALK_UNREADABLE:
        sw_log_warn("%s: %s: files below it are neither scanned nor reported deleted", e->path,
                    strerror(e->err));
        w->st.errors++;
        j = sw_scan_job_create(SW_SCAN_UNREADABLE, e->path, NULL);
        break;
    default:
        j = sw_scan_job_create(SW_SCAN_WALK, e->path, NULL);
        if (j != NULL) {
            j->has_stat = true;
            j->st = e->st;
        }
        break;
    }
    if (j == NULL) {
        w->main_interrupted = main;
        return;
    }
    j->walk = main;
    w->st.walk_files += main;
    watch_submit(w, j, false); /* the walk waits for room: never refused */
}

void
watch_main_begin(struct sw_watch *w, bool startup, bool rescan)
{
    struct sw_err err;

    size_t n_wanted = 0, one = 0;

    for (size_t i = 0; i < w->n_trees; i++)
        if (w->wanted[i]) {
            n_wanted++;
            one = i;
        }
    /* One tree lost events: walk only it (its end reports deletions below it only); else
     * every tree. */
    w->main.tree = 0;
    w->end = w->n_trees;
    if (rescan && n_wanted == 1 && w->n_trees > 1) {
        w->main.tree = one;
        w->end = one + 1;
    }
    w->only = w->main.tree;
    for (size_t i = w->main.tree; i < w->end; i++)
        w->wanted[i] = false;
    w->gen++;
    w->main.active = true;
    memset(&w->main.c, 0, sizeof(w->main.c));
    w->main_startup = startup;
    w->main_rescan = rescan;
    w->main_interrupted = false;
    w->main_t0 = sw_clock_us(CLOCK_MONOTONIC);
    w->st.walking = true;
    w->st.walk_files = 0;
    w->rescan_wanted = false;
    for (size_t i = 0; i < w->n_trees; i++)
        w->rescan_wanted |= w->wanted[i];
    if (rescan)
        w->st.rescans++;
    atomic_store(&w->in_fim, 1);
    if (w->fim != NULL)
        w->main_started = (w->end - w->main.tree == w->n_trees
                               ? sw_fim_service_walk_begin(w->fim, &err)
                               : sw_fim_service_walk_begin_at(w->fim, w->trees[w->only].path,
                                                              &err)) == SW_OK;
    atomic_store(&w->in_fim, 0);
    if (w->fim != NULL && !w->main_started)
        sw_log_error("files: %s: this walk's differences are not reported", err.msg);
}

void
watch_main_end(struct sw_watch *w)
{
    bool complete = !w->main_interrupted && !atomic_load(&w->stop);
    uint64_t ms = (sw_clock_us(CLOCK_MONOTONIC) - w->main_t0) / 1000u;
    struct sw_err err;

    w->main.active = false;
    w->st.walking = false;
    /* The fim thread applies what is queued, then diffs the walk: for a large tree that
     * takes a while, during which the watcher waits (and counts as making progress). */
    atomic_store(&w->in_fim, 1);
    if (w->main_started &&
        sw_fim_service_walk_end(w->fim, complete, &err) != SW_OK)
        sw_log_error("files: %s", err.msg);
    atomic_store(&w->in_fim, 0);
    w->main_started = false;
    /* Forget directories the walk did not see: only after a walk of every tree (the sweep
     * is per source, over all its trees). */
    if (complete && w->only == 0 && w->end == w->n_trees) {
        if (w->fan != NULL)
            w->fan->ops->walk_done(w->fan, w->gen);
        if (w->ino != NULL)
            w->ino->ops->walk_done(w->ino, w->gen);
    }
    w->st.walks++;
    w->st.walk_ms = ms;
    w->st.errors += w->main.c.errors;
    w->st.excluded += w->main.c.skipped_excluded;
    sw_scanpool_count_skipped(w->pool, w->main.c.skipped_excluded, 0);
    sw_log_info("files: walk %s: %llu entries in %llu directories, %llu ms%s",
                w->main_startup ? "at start-up" : w->main_rescan ? "after an overflow"
                                                                 : "(files.scan_interval)",
                (unsigned long long)w->st.walk_files, (unsigned long long)w->main.c.dirs,
                (unsigned long long)ms, complete ? "" : " (incomplete)");
    if (w->main_startup) {
        const char *const *named;
        size_t n = w->ino != NULL ? src_inotify_unwatched(w->ino, &named) : 0;

        if (w->ino != NULL && w->ino->st.unwatched > 0) {
            char list[1024] = "";
            size_t off = 0;

            for (size_t i = 0; i < n && off < sizeof(list); i++) {
                int k = snprintf(list + off, sizeof(list) - off, "%s%s", i ? ", " : "",
                                 named[i]);
                if (k < 0)
                    break;
                off += (size_t)k;
            }
            sw_log_warn("files: inotify watch budget %llu exceeded: %llu directories are "
                        "followed by scheduled walks only (raise fs.inotify.max_user_watches "
                        "or files.max_watches): %s%s",
                        (unsigned long long)src_inotify_budget(w->ino),
                        (unsigned long long)w->ino->st.unwatched, list,
                        w->ino->st.unwatched > n ? ", ..." : "");
        }
        watch_publish(w); /* the counters say so before READY=1 */
        atomic_store(&w->ready, 1);
    }
    w->next_scan = sw_clock_us(CLOCK_MONOTONIC) + w->cfg->files.scan_interval;
    w->overflow_logged = false;
}

/* Advance the main walk while the queue has room. Returns true when it did something. */
bool
watch_main_step(struct sw_watch *w)
{
    size_t half = w->cfg->files.queue_size / 2;
    bool did = false;

    for (int n = 0; n < WALK_BATCH && w->main.active; n++) {
        struct sw_walk_ent e;
        enum sw_rc rc;

        if (w->main.it == NULL) {
            struct sw_err err;

            if (w->main.tree == w->end)
                return did; /* every tree walked: main_end once the scans are done */
            w->main.it = iter_open(w, w->trees[w->main.tree].path, &err);
            if (w->main.it == NULL) {
                /* A tree that is gone: its rows are reported deleted at the end; one that
                 * cannot be read keeps them. */
                if (access(w->trees[w->main.tree].path, F_OK) == 0 || errno != ENOENT) {
                    struct sw_scan_job *j = sw_scan_job_create(SW_SCAN_UNREADABLE,
                                                               w->trees[w->main.tree].path,
                                                               NULL);
                    if (j != NULL) {
                        j->walk = true;
                        watch_submit(w, j, false);
                    }
                }
                sw_log_warn("files: %s", err.msg);
                w->main.tree++;
                continue;
            }
        }
        if (!sw_scanpool_room(w->pool, half))
            return did;
        rc = sw_walk_iter_next(w->main.it, &e, &w->main.c);
        did = true;
        if (rc == SW_EOF) {
            watch_walk_close(&w->main);
            w->main.tree++;
            continue;
        }
        walk_entry(w, &w->trees[w->main.tree], &e, true);
    }
    return did;
}

/* Walk the waiting directories (new ones, moved in). */
bool
watch_sub_step(struct sw_watch *w)
{
    size_t half = w->cfg->files.queue_size / 2;
    bool did = false;

    for (int n = 0; n < WALK_BATCH; n++) {
        struct sw_walk_ent e;
        struct sw_err err;

        if (w->sub.it == NULL) {
            char *p;

            if (w->subq_n == 0)
                return did;
            p = w->subq[0];
            memmove(w->subq, w->subq + 1, (w->subq_n - 1) * sizeof(*w->subq));
            w->subq_n--;
            w->sub.it = iter_open(w, p, &err);
            w->sub.tree = 0;
            if (w->sub.it != NULL) {
                struct tree *t = watch_tree_of(w, p);

                w->sub.tree = t != NULL ? (size_t)(t - w->trees) : w->n_trees;
            }
            sw_free(p);
            if (w->sub.it == NULL)
                continue; /* gone again */
        }
        if (!sw_scanpool_room(w->pool, half))
            return did;
        did = true;
        if (sw_walk_iter_next(w->sub.it, &e, &w->sub.c) == SW_EOF) {
            watch_walk_close(&w->sub);
            continue;
        }
        /* The directory itself was reported by its event; its entries are new to us. */
        walk_entry(w, w->sub.tree < w->n_trees ? &w->trees[w->sub.tree] : NULL, &e, false);
    }
    return did;
}

bool
watch_retro_step(struct sw_watch *w)
{
    uint64_t window = atomic_exchange(&w->retro_window, 0);
    bool did = false;

    if (window != 0 && w->retro == NULL) {
        struct sw_err err;
        bool truncated = false;
        uint64_t now = sw_clock_us(CLOCK_REALTIME);

        if (w->fim == NULL) {
            sw_log_notice("files: retro-hunt needs the baseline (files.fim): skipped");
        } else {
            enum sw_rc rc;

            atomic_store(&w->in_fim, 1);
            rc = sw_fim_service_recent(w->fim, now > window ? now - window : 0, RETRO_MAX,
                                       &w->retro, &w->retro_n, &truncated, &err);
            atomic_store(&w->in_fim, 0);
            if (rc != SW_OK)
                sw_log_error("files: retro-hunt: %s", err.msg);
            else
                sw_log_notice("files: retro-hunt: rescanning %zu files changed in the last "
                              "%llu s%s", w->retro_n, (unsigned long long)(window / 1000000u),
                              truncated ? " (more were left out)" : "");
            w->retro_i = 0;
        }
    }
    while (w->retro != NULL && w->retro_i < w->retro_n &&
           sw_scanpool_room(w->pool, w->cfg->files.queue_size / 2)) {
        struct sw_scan_job *j = sw_scan_job_create(SW_SCAN_RETRO, w->retro[w->retro_i], NULL);

        w->retro_i++;
        w->st.retro++;
        if (j != NULL)
            watch_submit(w, j, false);
        did = true;
    }
    if (w->retro != NULL && w->retro_i == w->retro_n) {
        sw_fim_paths_free(w->retro, w->retro_n);
        w->retro = NULL;
        w->retro_n = w->retro_i = 0;
    }
    return did;
}
