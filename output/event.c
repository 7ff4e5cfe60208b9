/* event.c - event allocation and small helpers (see include/sw/event.h). */
#include "sw/event.h"

#include <stdalign.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "sw/alloc.h"
#include "sw/rule_prof.h"
#include "sw/stats.h"

static const char *const type_names[SW_EV_TYPE_MAX] = {
    [SW_EV_ALERT] = "alert",       [SW_EV_FLOW] = "flow",
    [SW_EV_FILEINFO] = "fileinfo", [SW_EV_FIM] = "fim",
    [SW_EV_ANOMALY] = "anomaly",   [SW_EV_STATS] = "stats",
    [SW_EV_ENGINE] = "engine",     [SW_EV_RULE_PROFILE] = "rule_profile",
};

struct sw_event *
sw_event_create(enum sw_event_type type, uint64_t ts_us)
{
    struct sw_event *ev = sw_malloc(sizeof(*ev));

    if (ev == NULL)
        return NULL;
    /* Only the header is cleared: the union and the large text fields are written by the
     * producer before use (events are made per flow end and per alert, not per packet). */
    memset(ev, 0, offsetof(struct sw_event, u));
    memset(&ev->u, 0, sizeof(ev->u));
    ev->type = type;
    ev->ts_us = ts_us;
    return ev;
}

/* x rounded up to the strictest alignment, so what follows in one allocation is aligned. */
static size_t
round_max(size_t x)
{
    size_t al = alignof(max_align_t);

    return (x + al - 1) & ~(al - 1);
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
    ev = sw_malloc(total);
    if (ev == NULL)
        return NULL;
    memset(ev, 0, offsetof(struct sw_event, u));
    memset(&ev->u, 0, sizeof(ev->u));
    ev->type = type;
    ev->ts_us = ts_us;
    /* Layout: the event, the object, then its strings and arrays; one free releases all. */
    copy = (struct sw_app_obj *)(void *)((unsigned char *)ev + head);
    sw_app_obj_copy(copy, app, (unsigned char *)copy + objsz);
    ev->app = copy;
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
    sw_free(ev);
}

void
sw_alert_meta_add(struct sw_alert *a, const char *key, const char *value)
{
    if (a->n_meta >= SW_ALERT_META_MAX || value == NULL || value[0] == '\0')
        return;
    snprintf(a->meta[a->n_meta].key, sizeof(a->meta[a->n_meta].key), "%s", key);
    snprintf(a->meta[a->n_meta].value, sizeof(a->meta[a->n_meta].value), "%s", value);
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
