/* watch.c - the file watcher (see include/sw/watch.h): picks each tree's source, runs the
 * walks and turns what the sources see into scan-pool jobs.
 *
 * The watcher thread never blocks on the pool: live items that find the queue full are
 * counted (skipped: overflow) and their trees walked again once it has drained; walks hand
 * on entries only while the queue is at most half full, so live events always find room
 * first. It sleeps in epoll_wait on the sources, an eventfd rung by the pool (room again,
 * walk jobs done) and the main thread (retro-hunt, stop), and a timer for the scheduled
 * walk. */
#include "sw/watch.h"

#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sw/alloc.h"
#include "sw/clock.h"
#include "sw/fim.h"
#include "sw/log.h"
#include "sw/scanpool.h"
#include "sw/src_walk.h"
#include "watcher_int.h"

#define LIVE_BATCH 512      /* items taken from a source before the walk gets a turn */
#define PUBLISH_US 1000000u /* counters published this often */

static const char *const how_names[] = {"fanotify", "fanotify-dirs", "inotify", "scan"};

/* --- exclusion ----------------------------------------------------------------------------- */

/* Is a below b (or b itself)? */
static bool
below(const char *a, const char *b)
{
    size_t l = strlen(b);

    return strncmp(a, b, l) == 0 && (a[l] == '\0' || a[l] == '/');
}

static bool
has_glob(const char *s)
{
    return strpbrk(s, "*?[") != NULL;
}

bool
sw_watch_excluded(const char *path, const char *const *exclude, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        const char *e = exclude[i];

        if (e[0] == '/' && !has_glob(e)) {
            size_t l = strlen(e);

            while (l > 1 && e[l - 1] == '/')
                l--;
            if (strncmp(path, e, l) == 0 && (path[l] == '\0' || path[l] == '/' || l == 1))
                return true;
            continue;
        }
        if (fnmatch(e, path, 0) == 0)
            return true;
        /* Every name of the path: a glob of names leaves out whole subtrees. */
        for (const char *p = path; *p != '\0';) {
            char name[NAME_MAX + 1];
            const char *end;
            size_t l;

            while (*p == '/')
                p++;
            end = strchr(p, '/');
            l = end != NULL ? (size_t)(end - p) : strlen(p);
            if (l > 0 && l <= NAME_MAX) {
                memcpy(name, p, l);
                name[l] = '\0';
                if (fnmatch(e, name, 0) == 0)
                    return true;
            }
            p += l;
        }
    }
    return false;
}

/* seawall's own files (the baseline, the rule cache, the control socket, file outputs): a
 * watched tree that holds them would otherwise report seawall's own writes back to it. */
static bool
own_path(const struct sw_watch *w, const char *path)
{
    const struct sw_config *c = w->cfg;

    if (below(path, c->agent.state_dir) || below(path, c->agent.run_dir))
        return true;
    for (size_t i = 0; i < c->n_outputs; i++)
        if (c->outputs[i].path != NULL && strcmp(path, c->outputs[i].path) == 0)
            return true;
    return false;
}

static bool
excluded(const struct sw_watch *w, const char *path)
{
    return sw_watch_excluded(path, w->excl, w->n_excl) || own_path(w, path);
}

bool
watch_walk_excluded(void *ctx, const char *path)
{
    return excluded(ctx, path);
}

struct tree *
watch_tree_of(struct sw_watch *w, const char *path)
{
    for (size_t i = 0; i < w->n_trees; i++)
        if (below(path, w->trees[i].path))
            return &w->trees[i];
    return NULL;
}

/* --- opening ------------------------------------------------------------------------------- */

static enum sw_rc
add_tree(struct sw_watch *w, const char *path, struct sw_err *err)
{
    struct tree *t;
    char clean[PATH_MAX];
    size_t l = strlen(path);

    if (l >= sizeof(clean))
        return sw_err_set(err, SW_EINVAL, "files.paths: %s: too long", path);
    memcpy(clean, path, l + 1);
    while (l > 1 && clean[l - 1] == '/')
        clean[--l] = '\0';
    for (size_t i = 0; i < w->n_trees; i++) {
        if (below(clean, w->trees[i].path)) {
            sw_log_warn("files.paths: %s is inside %s: watched as part of it", clean,
                        w->trees[i].path);
            return SW_OK;
        }
        if (below(w->trees[i].path, clean)) {
            sw_log_warn("files.paths: %s is inside %s: watched as part of it",
                        w->trees[i].path, clean);
            sw_free(w->trees[i].path);
            w->trees[i].path = sw_strdup(clean);
            return w->trees[i].path != NULL
                       ? SW_OK
                       : sw_err_set(err, SW_ENOMEM, "files: out of memory");
        }
    }
    t = sw_realloc(w->trees, (w->n_trees + 1) * sizeof(*t));
    if (t == NULL)
        return sw_err_set(err, SW_ENOMEM, "files: out of memory");
    w->trees = t;
    t[w->n_trees].path = sw_strdup(clean);
    if (t[w->n_trees].path == NULL)
        return sw_err_set(err, SW_ENOMEM, "files: out of memory");
    t[w->n_trees].how = HOW_SCAN;
    t[w->n_trees].src = NULL;
    w->n_trees++;
    return SW_OK;
}

static const char *
fallback_why(int e)
{
    switch (e) {
    case EOPNOTSUPP:
        return "the file system does not support it";
    case EXDEV:
        return "its file system shares an fsid with another";
    case ENODEV:
        return "its file system has no fsid";
    case EPERM:
        return "not permitted";
    default:
        return strerror(e);
    }
}

/* Choose how tree t is followed (see watch.h). Forced modes fail with err. */
static enum sw_rc
choose(struct sw_watch *w, struct tree *t, struct sw_err *ferr, struct sw_err *err)
{
    int mode = w->cfg->files.mode;
    struct stat st;
    int e = 0;
    struct sw_err serr;

    if (mode == SW_FILES_SCAN)
        return SW_OK;
    if (stat(t->path, &st) != 0 || !S_ISDIR(st.st_mode)) {
        if (mode != SW_FILES_AUTO)
            return sw_err_set(err, SW_EINVAL, "files.paths: %s: %s", t->path,
                              errno != 0 && stat(t->path, &st) != 0 ? strerror(errno)
                                                                   : "not a directory");
        sw_log_warn("%s: not a directory (yet): followed by scheduled walks only", t->path);
        return SW_OK;
    }
    if (mode == SW_FILES_AUTO || mode == SW_FILES_FANOTIFY || mode == SW_FILES_FANOTIFY_DIRS) {
        if (w->fan == NULL) {
            if (mode != SW_FILES_AUTO)
                return sw_err_set(err, SW_EIO, "files.mode %s: %s",
                                  mode == SW_FILES_FANOTIFY ? "fanotify" : "fanotify-dirs",
                                  ferr->msg);
        } else {
            if (mode != SW_FILES_FANOTIFY_DIRS) {
                if (w->fan->ops->add_root(w->fan, t->path, HOW_FS_MARK, &e, &serr) == SW_OK) {
                    t->how = HOW_FS_MARK;
                    t->src = w->fan;
                    return SW_OK;
                }
                if (mode == SW_FILES_FANOTIFY)
                    return sw_err_set(err, SW_EIO, "files.mode fanotify: %s: a filesystem mark "
                                      "is refused: %s (files.mode auto falls back)", t->path,
                                      fallback_why(e));
                sw_log_notice("%s: fanotify filesystem mark refused (%s): marking every "
                              "directory instead", t->path, fallback_why(e));
            }
            if (w->fan->ops->add_root(w->fan, t->path, HOW_DIR_MARKS, &e, &serr) == SW_OK) {
                t->how = HOW_DIR_MARKS;
                t->src = w->fan;
                return SW_OK;
            }
            if (mode == SW_FILES_FANOTIFY_DIRS)
                return sw_err_set(err, SW_EIO, "files.mode fanotify-dirs: %s: a directory mark "
                                  "is refused: %s", t->path, fallback_why(e));
            sw_log_notice("%s: fanotify directory marks refused (%s): using inotify", t->path,
                          fallback_why(e));
        }
    }
    if (w->ino == NULL) {
        w->ino = src_inotify_open(w->cfg->files.recursive, w->cfg->files.max_watches, &serr);
        if (w->ino == NULL) {
            if (mode == SW_FILES_INOTIFY)
                return sw_err_set(err, SW_EIO, "files.mode inotify: %s", serr.msg);
            sw_log_warn("%s: %s: followed by scheduled walks only (files.scan_interval)",
                        t->path, serr.msg);
            return SW_OK;
        }
    }
    if (w->ino->ops->add_root(w->ino, t->path, HOW_INOTIFY, &e, &serr) != SW_OK)
        return sw_err_set(err, serr.code, "%s", serr.msg);
    t->how = HOW_INOTIFY;
    t->src = w->ino;
    return SW_OK;
}

struct sw_watch *
sw_watch_open(const struct sw_config *cfg, struct sw_err *err)
{
    struct sw_watch *w = sw_calloc(1, sizeof(*w));
    struct sw_err ferr;
    char features[64] = "";
    int mode = cfg->files.mode;

    if (w == NULL) {
        sw_err_set(err, SW_ENOMEM, "files: out of memory");
        return NULL;
    }
    w->cfg = cfg;
    w->excl = (const char *const *)cfg->files.exclude.v;
    w->n_excl = cfg->files.exclude.n;
    w->wake_fd = w->ep = -1;
    pthread_mutex_init(&w->mu, NULL);
    for (size_t i = 0; i < cfg->files.paths.n; i++)
        if (add_tree(w, cfg->files.paths.v[i], err) != SW_OK)
            goto fail;
    sw_err_clear(&ferr);
    if (mode == SW_FILES_AUTO || mode == SW_FILES_FANOTIFY || mode == SW_FILES_FANOTIFY_DIRS) {
        w->fan = src_fanotify_open(cfg->files.recursive, features, sizeof(features), &ferr);
        if (w->fan == NULL && mode == SW_FILES_AUTO)
            sw_log_notice("%s: falling back to inotify", ferr.msg);
    }
    for (size_t i = 0; i < w->n_trees; i++)
        if (choose(w, &w->trees[i], &ferr, err) != SW_OK)
            goto fail;
    w->wake_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    w->ep = epoll_create1(EPOLL_CLOEXEC);
    if (w->wake_fd < 0 || w->ep < 0) {
        sw_err_sys(err, SW_EIO, "files: eventfd/epoll");
        goto fail;
    }
    {
        struct epoll_event ee = {.events = EPOLLIN, .data.ptr = NULL};

        if (epoll_ctl(w->ep, EPOLL_CTL_ADD, w->wake_fd, &ee) != 0)
            goto epoll_fail;
        for (int k = 0; k < 2; k++) {
            struct source *s = k == 0 ? w->fan : w->ino;

            ee.data.ptr = s;
            if (s != NULL && epoll_ctl(w->ep, EPOLL_CTL_ADD, s->ops->fd(s), &ee) != 0)
                goto epoll_fail;
        }
    }
    for (size_t i = 0; i < w->n_trees; i++)
        sw_log_notice("files: %s: %s%s%s%s", w->trees[i].path, how_names[w->trees[i].how],
                      w->trees[i].src == w->fan && w->fan != NULL ? " (" : "",
                      w->trees[i].src == w->fan && w->fan != NULL
                          ? src_fanotify_features(w->fan) : "",
                      w->trees[i].src == w->fan && w->fan != NULL ? ")" : "");
    if (w->ino != NULL)
        sw_log_info("files: inotify watch budget %llu",
                    (unsigned long long)src_inotify_budget(w->ino));
    w->wanted = sw_calloc(w->n_trees, sizeof(*w->wanted));
    if (w->wanted == NULL) {
        sw_err_set(err, SW_ENOMEM, "files: out of memory");
        goto fail;
    }
    w->st.trees = w->n_trees;
    w->pub = w->st;
    return w;
epoll_fail:
    sw_err_sys(err, SW_EIO, "files: epoll_ctl");
fail:
    sw_watch_destroy(w);
    return NULL;
}

/* --- live items ---------------------------------------------------------------------------- */

void
watch_comm(int32_t pid, char out[16])
{
    char path[32], buf[32];
    int fd;
    ssize_t n;

    out[0] = '\0';
    if (pid <= 0)
        return;
    snprintf(path, sizeof(path), "/proc/%d/comm", (int)pid);
    fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return;
    n = read(fd, buf, sizeof(buf) - 1);
    close(fd);
    if (n <= 0)
        return;
    while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == '\0'))
        n--;
    if (n > 15)
        n = 15;
    memcpy(out, buf, (size_t)n);
    out[n] = '\0';
}

static void
ring(struct sw_watch *w)
{
    uint64_t one = 1;

    if (write(w->wake_fd, &one, sizeof(one)) < 0 && errno != EAGAIN)
        SW_LOG_RATELIMIT(SW_LOG_WARNING, "files: eventfd: %s", strerror(errno));
}

/* The pool's wake-up (a scan thread calls it). */
static void
pool_wake(void *ctx)
{
    ring(ctx);
}

/* Events of the tree holding path (NULL: of every tree) were lost: walk it again. */
void
watch_want_rescan(struct sw_watch *w, const char *why, const char *path)
{
    struct tree *t = path != NULL ? watch_tree_of(w, path) : NULL;

    if (!w->overflow_logged)
        sw_log_warn("files: %s: events were lost; %s walked again once the scan queue drains "
                    "(further overflows are counted, not logged)", why,
                    t != NULL ? t->path : "every tree is");
    w->overflow_logged = true;
    w->rescan_wanted = true;
    for (size_t i = 0; i < w->n_trees; i++)
        if (t == NULL || t == &w->trees[i])
            w->wanted[i] = true;
}

void
watch_submit(struct sw_watch *w, struct sw_scan_job *j, bool live)
{
    /* A file whose content went unscanned is counted (skipped: overflow; its other events,
     * lost too, are not files); each episode once (overflows). */
    bool content = j->kind == SW_SCAN_CLOSE_WRITE || (j->kind == SW_SCAN_RENAME && !j->is_dir);
    char path[PATH_MAX];

    snprintf(path, sizeof(path), "%s", j->path); /* j is gone after the submit */

    if (sw_scanpool_submit(w->pool, j) == SW_ELIMIT && live) {
        if (content)
            sw_scanpool_count_skipped(w->pool, 0, 1);
        if (!w->rescan_wanted)
            w->st.overflows++;
        watch_want_rescan(w, "the scan queue is full (files.queue_size)", path);
    }
}

static void
subwalk_push(struct sw_watch *w, const char *path)
{
    char *p;

    if (w->subq_n == SUBWALK_MAX) {
        watch_want_rescan(w, "too many new directories at once", path);
        return;
    }
    p = sw_strdup(path);
    if (p == NULL) {
        watch_want_rescan(w, "out of memory", path);
        return;
    }
    w->subq[w->subq_n++] = p;
}

static void
live_item(struct sw_watch *w, struct wi *it)
{
    static const uint8_t kinds[] = {
        [WI_CLOSE_WRITE] = SW_SCAN_CLOSE_WRITE, [WI_CREATE] = SW_SCAN_CREATE,
        [WI_DELETE] = SW_SCAN_DELETE,           [WI_RENAME] = SW_SCAN_RENAME,
        [WI_ATTRIB] = SW_SCAN_ATTRIB,
    };
    const char *old = it->old_path[0] != '\0' ? it->old_path : NULL;
    uint8_t kind;
    struct sw_scan_job *j;

    if (it->kind == WI_OVERFLOW) {
        w->st.overflows++; /* the kernel says it once per lost run of events */
        watch_want_rescan(w, "the kernel's event queue overflowed", NULL); /* it says not where */
        return;
    }
    if (excluded(w, it->path)) {
        /* Renamed out of the watched part into an excluded one: gone from our view. */
        if (it->kind == WI_RENAME && old != NULL && !excluded(w, old)) {
            snprintf(it->path, sizeof(it->path), "%s", old);
            it->kind = WI_DELETE;
            old = NULL;
        } else {
            /* skipped.excluded counts files left unscanned: a file written (or moved in
             * from outside) under an excluded name once, not each of its events. */
            w->st.excluded++;
            if ((it->kind == WI_CLOSE_WRITE || it->kind == WI_RENAME) && !it->is_dir)
                sw_scanpool_count_skipped(w->pool, 1, 0);
            goto drop;
        }
    }
    if (old != NULL && excluded(w, old))
        old = NULL; /* from an excluded part: as if from outside */
    if (it->kind == WI_WALK) {
        subwalk_push(w, it->path);
        return;
    }
    if (it->kind == WI_CREATE && it->is_dir)
        goto drop;
    kind = kinds[it->kind];
    j = sw_scan_job_create(kind, it->path, it->kind == WI_RENAME ? old : NULL);
    if (j == NULL) {
        watch_want_rescan(w, "out of memory", it->path);
        goto drop;
    }
    j->is_dir = it->is_dir;
    j->fd = it->fd;
    it->fd = -1;
    j->pid = it->pid;
    watch_comm(it->pid, j->comm);
    j->ts_us = sw_clock_us(CLOCK_REALTIME);
    watch_submit(w, j, true);
    return;
drop:
    if (it->fd >= 0)
        close(it->fd);
    it->fd = -1;
}

/* Take what a source has, up to LIVE_BATCH items. Returns true when it may have more. */
static bool
drain_source(struct sw_watch *w, struct source *s)
{
    struct wi *it = sw_malloc(sizeof(*it));
    struct sw_err err;
    int n;

    if (it == NULL)
        return true;
    for (n = 0; n < LIVE_BATCH; n++) {
        enum sw_rc rc = s->ops->next(s, it, &err);

        if (rc == SW_EAGAIN)
            break;
        if (rc != SW_OK) {
            SW_LOG_RATELIMIT(SW_LOG_ERROR, "files: %s", err.msg);
            w->st.errors++;
            break;
        }
        live_item(w, it);
    }
    sw_free(it);
    return n == LIVE_BATCH;
}

void
watch_publish(struct sw_watch *w)
{
    struct sw_scan_stats ps;

    /* A FIM record lost to a full ring leaves the baseline behind: walk again. */
    sw_scanpool_stats(w->pool, &ps);
    if (ps.record_drops > w->record_drops) {
        w->record_drops = ps.record_drops;
        watch_want_rescan(w, "the baseline's queue was full", NULL);
    }
    w->st.events = w->st.ignored = w->st.watches = w->st.unwatched = w->st.unmatched = 0;
    w->st.dirs = 0;
    for (int k = 0; k < 2; k++) {
        const struct source *s = k == 0 ? w->fan : w->ino;

        if (s == NULL)
            continue;
        w->st.events += s->st.events;
        w->st.ignored += s->st.ignored;
        w->st.watches += s->st.watches;
        w->st.unwatched += s->st.unwatched;
        w->st.unmatched += s->st.unmatched;
        w->st.dirs += s->tree != NULL ? dt_count(s->tree) : 0;
    }
    w->st.budget = w->ino != NULL ? src_inotify_budget(w->ino) : 0;
    w->st.ready = atomic_load(&w->ready) != 0;
    pthread_mutex_lock(&w->mu);
    w->pub = w->st;
    w->pub.errors += (w->fan != NULL ? w->fan->st.errors : 0) +
                     (w->ino != NULL ? w->ino->st.errors : 0);
    pthread_mutex_unlock(&w->mu);
}

static void *
watch_main(void *arg)
{
    struct sw_watch *w = arg;
    struct epoll_event evs[4];

    pthread_setname_np(pthread_self(), "sw-watch");
    watch_main_begin(w, true, false);
    while (!atomic_load(&w->stop)) {
        uint64_t now = sw_clock_us(CLOCK_MONOTONIC), v;
        bool busy = false;
        int timeout, n;

        atomic_fetch_add_explicit(&w->beat, 1, memory_order_relaxed);
        if (w->fan != NULL)
            busy |= drain_source(w, w->fan);
        if (w->ino != NULL)
            busy |= drain_source(w, w->ino);
        busy |= watch_retro_step(w);
        busy |= watch_sub_step(w);
        if (w->main.active) {
            busy |= watch_main_step(w);
            if (w->main.tree == w->end && w->main.it == NULL &&
                sw_scanpool_walk_pending(w->pool) == 0)
                watch_main_end(w);
        } else if (w->rescan_wanted && sw_scanpool_room(w->pool, w->cfg->files.queue_size / 2)) {
            watch_main_begin(w, false, true);
            busy = true;
        } else if (now >= w->next_scan) {
            watch_main_begin(w, false, false);
            busy = true;
        }
        if (now >= w->next_publish) {
            watch_publish(w);
            w->next_publish = now + PUBLISH_US;
        }
        timeout = busy ? 0 : 1000;
        if (!busy && !w->main.active && w->next_scan > now &&
            (w->next_scan - now) / 1000u < (uint64_t)timeout)
            timeout = (int)((w->next_scan - now) / 1000u) + 1;
        n = epoll_wait(w->ep, evs, 4, timeout);
        for (int i = 0; i < n; i++)
            if (evs[i].data.ptr == NULL && read(w->wake_fd, &v, sizeof(v)) < 0)
                (void)0; /* EAGAIN: rung and read already */
    }
    if (w->main.active) {
        w->main_interrupted = true;
        watch_walk_close(&w->main);
        w->main.tree = w->end;
        watch_main_end(w);
    }
    watch_walk_close(&w->sub);
    watch_publish(w);
    return NULL;
}

/* --- control ------------------------------------------------------------------------------- */

enum sw_rc
sw_watch_start(struct sw_watch *w, struct sw_scanpool *pool, struct sw_fim_service *fim,
               struct sw_err *err)
{
    int rc;

    w->pool = pool;
    w->fim = fim;
    w->next_scan = sw_clock_us(CLOCK_MONOTONIC) + w->cfg->files.scan_interval;
    rc = pthread_create(&w->thread, NULL, watch_main, w);
    if (rc != 0) {
        errno = rc;
        return sw_err_sys(err, SW_EIO, "files: starting the watcher thread");
    }
    w->started = true;
    return SW_OK;
}

void
sw_watch_wake(void *w)
{
    pool_wake(w);
}

bool
sw_watch_ready(struct sw_watch *w)
{
    return atomic_load(&w->ready) != 0;
}

void
sw_watch_retro_hunt(struct sw_watch *w, uint64_t window_us)
{
    if (window_us == 0)
        return;
    atomic_store(&w->retro_window, window_us);
    ring(w);
}

bool
sw_watch_tree(const struct sw_watch *w, size_t i, const char **path, const char **how)
{
    if (i >= w->n_trees)
        return false;
    *path = w->trees[i].path;
    *how = how_names[w->trees[i].how];
    return true;
}

void
sw_watch_stats(struct sw_watch *w, struct sw_watch_stats *out)
{
    pthread_mutex_lock(&w->mu);
    *out = w->pub;
    pthread_mutex_unlock(&w->mu);
}

bool
sw_watch_progress(struct sw_watch *w)
{
    uint64_t b = atomic_load_explicit(&w->beat, memory_order_relaxed);
    /* Waiting for the fim thread is not being stuck: its SQLite work has its own pace. */
    bool ok = !w->started || b != w->beat_seen || atomic_load(&w->in_fim) != 0;

    w->beat_seen = b;
    return ok;
}

void
sw_watch_stop(struct sw_watch *w)
{
    if (!w->started)
        return;
    atomic_store(&w->stop, 1);
    ring(w);
    pthread_join(w->thread, NULL);
    w->started = false;
}

void
sw_watch_destroy(struct sw_watch *w)
{
    if (w == NULL)
        return;
    sw_watch_stop(w);
    watch_walk_close(&w->main);
    watch_walk_close(&w->sub);
    for (size_t i = 0; i < w->subq_n; i++)
        sw_free(w->subq[i]);
    if (w->retro != NULL)
        sw_fim_paths_free(w->retro, w->retro_n);
    if (w->fan != NULL)
        w->fan->ops->close(w->fan);
    if (w->ino != NULL)
        w->ino->ops->close(w->ino);
    for (size_t i = 0; i < w->n_trees; i++)
        sw_free(w->trees[i].path);
    sw_free(w->trees);
    sw_free(w->wanted);
    if (w->wake_fd >= 0)
        close(w->wake_fd);
    if (w->ep >= 0)
        close(w->ep);
    pthread_mutex_destroy(&w->mu);
    sw_free(w);
}
