/* event.c - event allocation and small helpers (see include/sw/event.h). */
#include "sw/event.h"

#include <stdalign.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "sw/alloc.h"
#include "sw/rule_prof.h"
#include "sw/stats.h"
#include "sw/str.h"

static const char *const type_names[SW_EV_TYPE_MAX] = {
    [SW_EV_ALERT] = "alert",       [SW_EV_FLOW] = "flow",
    [SW_EV_FILEINFO] = "fileinfo", [SW_EV_FIM] = "fim",
    [SW_EV_ANOMALY] = "anomaly",   [SW_EV_STATS] = "stats",
    [SW_EV_ENGINE] = "engine",     [SW_EV_RULE_PROFILE] = "rule_profile",
};

/* x rounded up to the strictest alignment, so what follows in one allocation is aligned. */
static size_t
round_max(size_t x)
{
    size_t al = alignof(max_align_t);

    return (x + al - 1) & ~(al - 1);
}

/* Per-thread cache of event blocks: an event is made, encoded and destroyed on its producer
 * thread (output/router.c encodes where it is emitted), so a handful of blocks serve a
 * worker's whole stream of events. Blocks have one size: the event plus room for the app
 * object or file strings of most alerts and fileinfo events; a larger event is a plain
 * allocation. At most CACHE_MAX idle blocks per thread; sw_event_thread_fini frees them. */
#define CACHE_MAX 8
#define BLOCK_EXTRA 4096u
static _Thread_local struct {
    void *blk[CACHE_MAX]; /* owned */
    unsigned n;
} cache;

static size_t
block_size(void)
{
    return round_max(sizeof(struct sw_event)) + BLOCK_EXTRA;
}

/* An event of total bytes (>= sizeof(struct sw_event)), header and union cleared. */
static struct sw_event *
event_alloc(enum sw_event_type type, uint64_t ts_us, size_t total)
{
    bool cached = total <= block_size();
    struct sw_event *ev;

    if (cached && cache.n > 0)
        ev = cache.blk[--cache.n];
    else
        ev = sw_malloc(cached ? block_size() : total); /* sw_event_destroy */
    if (ev == NULL)
        return NULL;
    /* Only the header and the union are cleared: the large text fields are written by the
     * producer before use (events are made per flow end and per alert, not per packet). */
    memset(ev, 0, offsetof(struct sw_event, u));
    memset(&ev->u, 0, sizeof(ev->u));
    ev->type = type;
    ev->ts_us = ts_us;
    ev->cached = cached;
    return ev;
}

struct sw_event *
sw_event_create(enum sw_event_type type, uint64_t ts_us)
{
    return event_alloc(type, ts_us, sizeof(struct sw_event));
}

struct sw_event *
sw_event_create_app(enum sw_event_type type, uint64_t ts_us, const struct sw_app_obj *app)
{
    size_t head = round_max(sizeof(struct sw_event));
    size_t objsz = round_max(sizeof(struct sw_app_obj));
    size_t extra, total;
    struct sw_event *ev;
    struct sw_app_obj *copy;

    if (app == NULL || app->kind == SW_APP_NONE)
        return sw_event_create(type, ts_us);
    extra = sw_app_obj_extra(app);
    if (__builtin_add_overflow(head + objsz, extra, &total))
        return NULL;
    ev = event_alloc(type, ts_us, total);
    if (ev == NULL)
        return NULL;
    /* Layout: the event, the object, then its strings and arrays; one free releases all. */
    copy = (struct sw_app_obj *)(void *)((unsigned char *)ev + head);
    sw_app_obj_copy(copy, app, (unsigned char *)copy + objsz);
    ev->app = copy;
    return ev;
}

/* Strings of a file part placed one after another; with base NULL only measured. */
struct strcur {
    char *base;
    size_t off;
};

static const char *
put_str(struct strcur *c, const char *s)
{
    size_t n = strlen(s != NULL ? s : "") + 1;
    char *d = c->base != NULL ? c->base + c->off : NULL;

    if (d != NULL)
        memcpy(d, s != NULL ? s : "", n);
    c->off += n;
    return d;
}

/* The fileinfo and http strings of src into dst (dst NULL: measure only). */
static void
copy_file_strings(struct strcur *c, struct sw_file_part *dst, const struct sw_file_part *src)
{
    const char *path = put_str(c, src->path), *magic = put_str(c, src->magic);
    const char *owner = put_str(c, src->owner);
    const char *failed = NULL, *reading = NULL, *anomaly = NULL, *host = NULL, *url = NULL;
    const char *method = NULL, *ctype = NULL, *ua = NULL;

    if (src->has_http) {
        failed = put_str(c, src->http_decode_failed);
        reading = put_str(c, src->http_reading);
        anomaly = put_str(c, src->http_anomaly);
        host = put_str(c, src->http_host);
        url = put_str(c, src->http_url);
        method = put_str(c, src->http_method);
        ctype = put_str(c, src->http_content_type);
        ua = put_str(c, src->http_user_agent);
    }
    if (dst == NULL)
        return;
    dst->path = path;
    dst->magic = magic;
    dst->owner = owner;
    dst->http_decode_failed = failed;
    dst->http_reading = reading;
    dst->http_anomaly = anomaly;
    dst->http_host = host;
    dst->http_url = url;
    dst->http_method = method;
    dst->http_content_type = ctype;
    dst->http_user_agent = ua;
}

struct sw_event *
sw_event_create_file(enum sw_event_type type, uint64_t ts_us, const struct sw_file_part *fi)
{
    size_t head = round_max(sizeof(struct sw_event));
    size_t fpsz = round_max(sizeof(struct sw_file_part));
    struct strcur c = {.base = NULL, .off = 0};
    struct sw_file_part *fp;
    struct sw_event *ev;
    size_t total;

    copy_file_strings(&c, NULL, fi);
    if (__builtin_add_overflow(head + fpsz, c.off, &total))
        return NULL;
    ev = event_alloc(type, ts_us, total);
    if (ev == NULL)
        return NULL;
    /* Layout: the event, the file part, then its strings; one free releases all. */
    fp = (struct sw_file_part *)(void *)((unsigned char *)ev + head);
    memset(fp, 0, sizeof(*fp));
    fp->size = fi->size;
    memcpy(fp->sha256, fi->sha256, sizeof(fp->sha256));
    fp->mode = fi->mode;
    fp->uid = fi->uid;
    fp->gid = fi->gid;
    fp->mtime_s = fi->mtime_s;
    fp->pid = fi->pid;
    memcpy(fp->comm, fi->comm, sizeof(fp->comm));
    fp->comm[sizeof(fp->comm) - 1] = '\0';
    fp->has_scan = fi->has_scan;
    fp->scan = fi->scan;
    fp->has_http = fi->has_http;
    fp->truncated = fi->truncated;
    fp->gaps = fi->gaps;
    fp->decode_error = fi->decode_error;
    fp->http_status = fi->http_status;
    c.base = (char *)fp + fpsz;
    c.off = 0;
    copy_file_strings(&c, fp, fi);
    ev->file = fp;
    return ev;
}

void
sw_event_destroy(struct sw_event *ev)
{
    if (ev == NULL)
        return;
    if (ev->type == SW_EV_STATS)
        sw_stats_snap_destroy(ev->u.stats);
    else if (ev->type == SW_EV_RULE_PROFILE)
        sw_rule_prof_destroy(ev->u.profile.prof);
    if (ev->cached && cache.n < CACHE_MAX)
        cache.blk[cache.n++] = ev;
    else
        sw_free(ev);
}

void
sw_event_thread_fini(void)
{
    while (cache.n > 0)
        sw_free(cache.blk[--cache.n]);
}

void
sw_alert_meta_add(struct sw_alert *a, const char *key, const char *value)
{
    if (a->n_meta >= SW_ALERT_META_MAX || key == NULL || value == NULL || value[0] == '\0')
        return;
    /* cut as snprintf("%s") cut them, without its cost (every alert copies its metadata) */
    (void)sw_str_copy(a->meta[a->n_meta].key, sizeof(a->meta[a->n_meta].key), key);
    (void)sw_str_copy(a->meta[a->n_meta].value, sizeof(a->meta[a->n_meta].value), value);
    a->n_meta++;
}

const char *
sw_event_type_name(enum sw_event_type t)
{
    return (unsigned)t < SW_EV_TYPE_MAX ? type_names[t] : "unknown";
}

int
sw_event_type_parse(const char *name)
{
    for (int i = 0; i < SW_EV_TYPE_MAX; i++)
        if (strcmp(type_names[i], name) == 0)
            return i;
    return -1;
}
