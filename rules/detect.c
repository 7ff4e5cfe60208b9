/* detect.c - the detection stage (see include/sw/detect.h): builds detection sets, runs the
 * detectors of the installed set on each subject, keeps their per-flow slots, and turns
 * their alerts into events. */
#include "sw/detect.h"

#include <string.h>

#include "sw/alloc.h"
#include "sw/counters.h"
#include "sw/yara.h"

const struct sw_detector_ops *const sw_detect_builtin[] = {
    &sw_det_ndpi_risk_ops,
    &sw_det_yara_ops,
    &sw_det_sigs_ops,
    NULL,
};

/* One detector of a set. */
struct det {
    const struct sw_detector_ops *ops; /* static */
    void *inst;                        /* owned: ops->destroy */
    unsigned hooks, app_events;
};

struct sw_detect {
    const struct sw_config *cfg; /* borrowed: outlives the set */
    struct det d[SW_DETECT_MAX];
    unsigned n;
    unsigned hooks, app_events; /* unions over d */
    bool stateful;              /* some detector keeps per-flow state */
};

/* The stage's emitter: counts what detectors emit, then forwards it. Embedded first in the
 * thread state, so that the emitter pointer is the state. */
struct stage_em {
    struct sw_emitter em;
    struct sw_detect_thread *t;
};

struct sw_detect_thread {
    struct stage_em sem;
    struct sw_emitter *out;      /* borrowed: the worker's */
    const struct sw_detect *set; /* borrowed: installed */
    void *tctx[SW_DETECT_MAX];   /* owned: per detector of set */
    uint32_t epoch;              /* changes with every install: flow slots record it */
    struct sw_detect_thread_opts topt;
    unsigned run_alerts; /* alerts of the current sw_detect_run */
    uint64_t alerts, drops;
    struct sw_rule_prof *prof; /* owned: profile rows of sets installed before; NULL: none */
    /* Counters of the detectors' thread contexts an install replaced: added to every report,
     * so a reload does not make them go back. */
    struct sw_worker_stats past;
};

/* A flow's slots: one per detector of the set installed when they were made. */
struct flow_slots {
    uint32_t epoch;
    unsigned n;
    struct {
        const struct sw_detector_ops *ops; /* static: frees state after the set is gone */
        void *state;                       /* owned via ops->flow_free */
    } s[SW_DETECT_MAX];
};

struct sw_detect *
sw_detect_create(const struct sw_detect_opts *o, struct sw_detect_load_stats *st,
                 struct sw_err *err)
{
    const struct sw_detector_ops *const *list =
        o->detectors != NULL ? o->detectors : sw_detect_builtin;
    struct sw_detect_opts mine = *o;
    struct sw_detect *d = sw_calloc(1, sizeof(*d));
    bool yara_taken = false;

    if (st != NULL)
        memset(st, 0, sizeof(*st));
    if (d == NULL) {
        sw_err_set(err, SW_ENOMEM, "detection set: out of memory");
        goto fail;
    }
    d->cfg = o->cfg;
    for (unsigned i = 0; list[i] != NULL; i++) {
        const struct sw_detector_ops *ops = list[i];
        struct sw_detect_load ld;
        void *inst = NULL;

        if (i >= SW_DETECT_MAX) {
            sw_err_set(err, SW_ELIMIT, "detection set: more than %d detectors", SW_DETECT_MAX);
            goto fail;
        }
        memset(&ld, 0, sizeof(ld));
        ld.name = ops->name;
        /* Only the YARA detector takes the compiled rules (on every path of its create);
         * the others see none. */
        mine.yara = ops == &sw_det_yara_ops ? o->yara : NULL;
        if (ops == &sw_det_yara_ops)
            yara_taken = true;
        if (ops->create(&inst, &mine, &ld, err) != SW_OK)
            goto fail;
        ld.active = inst != NULL;
        if (st != NULL)
            st->det[st->n++] = ld;
        if (inst == NULL)
            continue;
        d->d[d->n].ops = ops;
        d->d[d->n].inst = inst;
        d->d[d->n].hooks = ld.hooks;
        d->d[d->n].app_events = (ld.hooks & SW_HOOK_BIT(SW_HOOK_APP)) ? ld.app_events : 0;
        d->hooks |= ld.hooks;
        d->app_events |= d->d[d->n].app_events;
        if (ops->flow_free != NULL)
            d->stateful = true;
        d->n++;
    }
    if (!yara_taken) /* no YARA detector listed: the rules go unused */
        sw_yara_rules_destroy(o->yara);
    return d;
fail:
    if (!yara_taken)
        sw_yara_rules_destroy(o->yara);
    sw_detect_destroy(d);
    return NULL;
}

void
sw_detect_destroy(struct sw_detect *d)
{
    if (d == NULL)
        return;
    for (unsigned i = 0; i < d->n; i++)
        d->d[i].ops->destroy(d->d[i].inst);
    sw_free(d);
}

unsigned
sw_detect_hooks(const struct sw_detect *d)
{
    return d->hooks;
}

unsigned
sw_detect_app_events(const struct sw_detect *d)
{
    return d->app_events;
}

bool
sw_detect_has(const struct sw_detect *d, const struct sw_detector_ops *ops)
{
    for (unsigned i = 0; i < d->n; i++)
        if (d->d[i].ops == ops)
            return true;
    return false;
}

const struct sw_config *
sw_detect_cfg(const struct sw_detect *d)
{
    return d->cfg;
}

/* The stage's emitter: every alert a detector hands out is counted here. */
static void
stage_emit(struct sw_emitter *em, struct sw_event *ev)
{
    struct sw_detect_thread *t = ((struct stage_em *)(void *)em)->t;

    if (ev == NULL)
        return;
    if (ev->type == SW_EV_ALERT) {
        t->alerts++;
        t->run_alerts++;
    }
    sw_emit(t->out, ev);
}

static void
stage_drop(struct sw_emitter *em)
{
    struct sw_detect_thread *t = ((struct stage_em *)(void *)em)->t;

    t->drops++;
}

/* Thread contexts of d into tctx (all or nothing). */
static enum sw_rc
contexts_init(const struct sw_detect *d, const struct sw_detect_thread_opts *topt,
              void *tctx[SW_DETECT_MAX], struct sw_err *err)
{
    memset(tctx, 0, SW_DETECT_MAX * sizeof(tctx[0]));
    for (unsigned i = 0; i < d->n; i++) {
        if (d->d[i].ops->thread_init(&tctx[i], d->d[i].inst, topt, err) != SW_OK) {
            for (unsigned j = 0; j < i; j++)
                d->d[j].ops->thread_fini(tctx[j]);
            return err->code != SW_OK ? err->code : SW_EINVAL;
        }
    }
    return SW_OK;
}

static void
contexts_fini(const struct sw_detect *d, void *tctx[SW_DETECT_MAX])
{
    if (d == NULL)
        return;
    for (unsigned i = 0; i < d->n; i++)
        d->d[i].ops->thread_fini(tctx[i]);
}

struct sw_detect_thread *
sw_detect_thread_create(const struct sw_detect *d, const struct sw_detect_thread_opts *topt,
                        struct sw_emitter *em, struct sw_err *err)
{
    struct sw_detect_thread *t = sw_calloc(1, sizeof(*t));

    if (t == NULL) {
        sw_err_set(err, SW_ENOMEM, "detection stage: out of memory");
        return NULL;
    }
    t->sem.em.emit = stage_emit;
    t->sem.em.drop = stage_drop;
    t->sem.em.ctx = t;
    t->sem.t = t;
    t->out = em;
    if (topt != NULL)
        t->topt = *topt;
    if (contexts_init(d, &t->topt, t->tctx, err) != SW_OK) {
        sw_free(t);
        return NULL;
    }
    t->set = d;
    t->epoch = 1;
    return t;
}

void
sw_detect_thread_destroy(struct sw_detect_thread *t)
{
    if (t == NULL)
        return;
    contexts_fini(t->set, t->tctx);
    sw_rule_prof_destroy(t->prof);
    sw_free(t);
}

static void
profile_rows(const struct sw_detect *d, void *const tctx[], sw_rule_prof_fn fn, void *ctx)
{
    for (unsigned i = 0; i < d->n; i++)
        if (d->d[i].ops->profile != NULL)
            d->d[i].ops->profile(tctx[i], fn, ctx);
}

/* Keep a row of a set being replaced: the table is made at the first row, so a stage that
 * never profiled allocates nothing. */
static void
keep_row(void *ctx, const struct sw_rule_prof_row *row)
{
    struct sw_detect_thread *t = ctx;

    if (t->prof == NULL)
        t->prof = sw_rule_prof_create();
    if (t->prof != NULL)
        sw_rule_prof_add_cb(t->prof, row);
    /* else: out of memory on a reload; the replaced set's figures are lost (a profile is a
     * report, not an alert) */
}

void
sw_detect_thread_profile(const struct sw_detect_thread *t, sw_rule_prof_fn fn, void *ctx)
{
    for (size_t i = 0; t->prof != NULL && i < sw_rule_prof_count(t->prof); i++)
        fn(ctx, sw_rule_prof_get(t->prof, i));
    if (t->prof != NULL && sw_rule_prof_lost(t->prof) > 0) {
        struct sw_rule_prof_row lost = {.language = "", .lost = sw_rule_prof_lost(t->prof)};

        fn(ctx, &lost);
    }
    profile_rows(t->set, (void *const *)t->tctx, fn, ctx);
}

enum sw_rc
sw_detect_thread_install(struct sw_detect_thread *t, const struct sw_detect *d, struct sw_err *err)
{
    void *tctx[SW_DETECT_MAX];

    if (d == t->set)
        return SW_OK;
    if (contexts_init(d, &t->topt, tctx, err) != SW_OK)
        return err->code;
    profile_rows(t->set, t->tctx, keep_row, t);
    for (unsigned i = 0; i < t->set->n; i++)
        if (t->set->d[i].ops->stats != NULL)
            t->set->d[i].ops->stats(t->tctx[i], &t->past);
    contexts_fini(t->set, t->tctx);
    memcpy(t->tctx, tctx, sizeof(tctx));
    t->set = d;
    t->epoch++;
    if (t->epoch == 0) /* 0 never matches a live epoch */
        t->epoch = 1;
    return SW_OK;
}

const struct sw_detect *
sw_detect_thread_set(const struct sw_detect_thread *t)
{
    return t->set;
}

unsigned
sw_detect_thread_hooks(const struct sw_detect_thread *t)
{
    return t->set->hooks;
}

static void
slots_clear(struct flow_slots *fs)
{
    for (unsigned i = 0; i < fs->n; i++) {
        if (fs->s[i].state != NULL && fs->s[i].ops->flow_free != NULL)
            fs->s[i].ops->flow_free(fs->s[i].state);
        fs->s[i].state = NULL;
    }
}

/* The flow's slots for the installed set: made on first use, reset when made under an
 * earlier set. NULL when allocation fails (detectors then run without storage). */
static struct flow_slots *
slots_get(struct sw_detect_thread *t, void **flow_det)
{
    struct flow_slots *fs = *flow_det;

    if (fs == NULL) {
        fs = sw_calloc(1, sizeof(*fs));
        if (fs == NULL)
            return NULL;
        *flow_det = fs;
    } else if (fs->epoch == t->epoch) {
        return fs;
    } else {
        slots_clear(fs);
    }
    fs->epoch = t->epoch;
    fs->n = t->set->n;
    for (unsigned i = 0; i < fs->n; i++)
        fs->s[i].ops = t->set->d[i].ops;
    return fs;
}

unsigned
sw_detect_run(struct sw_detect_thread *t, struct sw_subject *s, void **flow_det)
{
    const struct sw_detect *d = t->set;
    unsigned bit = SW_HOOK_BIT(s->hook);
    struct flow_slots *fs = NULL;

    if ((d->hooks & bit) == 0)
        return 0;
    if (s->hook == SW_HOOK_APP && (d->app_events & (1u << s->app.event)) == 0)
        return 0;
    if (d->stateful && flow_det != NULL)
        fs = slots_get(t, flow_det);
    t->run_alerts = 0;
    for (unsigned i = 0; i < d->n; i++) {
        const struct det *x = &d->d[i];

        if ((x->hooks & bit) == 0)
            continue;
        if (s->hook == SW_HOOK_APP && (x->app_events & (1u << s->app.event)) == 0)
            continue;
        s->fstate = fs != NULL ? &fs->s[i].state : NULL;
        x->ops->inspect(t->tctx[i], s, &t->sem.em);
    }
    s->fstate = NULL;
    return t->run_alerts;
}

void
sw_detect_flow_free(struct sw_detect_thread *t, void **flow_det)
{
    struct flow_slots *fs = *flow_det;

    (void)t;
    if (fs == NULL)
        return;
    slots_clear(fs);
    sw_free(fs);
    *flow_det = NULL;
}

void
sw_detect_thread_stats(const struct sw_detect_thread *t, struct sw_worker_stats *out)
{
    /* Detectors add only counters, never gauges, into struct sw_worker_stats. */
    SW_COUNTERS_ADD(out, &t->past);
    out->alerts += t->alerts;
    out->event_drops += t->drops;
    for (unsigned i = 0; i < t->set->n; i++)
        if (t->set->d[i].ops->stats != NULL)
            t->set->d[i].ops->stats(t->tctx[i], out);
}

void
sw_subject_event_template(const struct sw_subject *subj, struct sw_event *tmpl)
{
    tmpl->ts_us = subj->ts_us;
    tmpl->flow = *subj->flow;
    tmpl->counts = *subj->counts;
    tmpl->ndpi = *subj->ndpi;
    tmpl->has_ndpi = true;
    tmpl->u.alert.to_client = subj->dir == SW_DIR_TO_CLIENT;
}

void
sw_emit_drop(struct sw_emitter *em)
{
    if (em->drop != NULL)
        em->drop(em);
}

bool
sw_emit_alert(struct sw_emitter *em, const struct sw_subject *subj, const struct sw_alert *a)
{
    const struct sw_app_obj *app = subj->hook == SW_HOOK_APP ? subj->app.obj : NULL;
    struct sw_event *ev = sw_event_create_app(SW_EV_ALERT, subj->ts_us, app);

    if (ev == NULL) {
        sw_emit_drop(em);
        return false;
    }
    ev->flow = *subj->flow;
    ev->counts = *subj->counts;
    ev->ndpi = *subj->ndpi;
    ev->has_ndpi = true;
    ev->u.alert = *a;
    ev->u.alert.to_client = subj->dir == SW_DIR_TO_CLIENT;
    sw_emit(em, ev);
    return true;
}

static const char *const buf_names[SW_BUF_MAX] = {
    [SW_BUF_HTTP_METHOD] = "http.method",
    [SW_BUF_HTTP_URI] = "http.uri",
    [SW_BUF_HTTP_URI_RAW] = "http.uri.raw",
    [SW_BUF_HTTP_PROTOCOL] = "http.protocol",
    [SW_BUF_HTTP_REQUEST_LINE] = "http.request_line",
    [SW_BUF_HTTP_RESPONSE_LINE] = "http.response_line",
    [SW_BUF_HTTP_HOST] = "http.host",
    [SW_BUF_HTTP_HOST_RAW] = "http.host.raw",
    [SW_BUF_HTTP_USER_AGENT] = "http.user_agent",
    [SW_BUF_HTTP_REFERER] = "http.referer",
    [SW_BUF_HTTP_ACCEPT] = "http.accept",
    [SW_BUF_HTTP_ACCEPT_LANG] = "http.accept_lang",
    [SW_BUF_HTTP_ACCEPT_ENC] = "http.accept_enc",
    [SW_BUF_HTTP_CONNECTION] = "http.connection",
    [SW_BUF_HTTP_CONTENT_LEN] = "http.content_len",
    [SW_BUF_HTTP_CONTENT_TYPE] = "http.content_type",
    [SW_BUF_HTTP_SERVER] = "http.server",
    [SW_BUF_HTTP_LOCATION] = "http.location",
    [SW_BUF_HTTP_COOKIE] = "http.cookie",
    [SW_BUF_HTTP_HEADER] = "http.header",
    [SW_BUF_HTTP_HEADER_RAW] = "http.header.raw",
    [SW_BUF_HTTP_HEADER_NAMES] = "http.header_names",
    [SW_BUF_HTTP_START] = "http.start",
    [SW_BUF_HTTP_STAT_CODE] = "http.stat_code",
    [SW_BUF_HTTP_STAT_MSG] = "http.stat_msg",
    [SW_BUF_HTTP_REQUEST_BODY] = "http.request_body",
    [SW_BUF_HTTP_RESPONSE_BODY] = "http.response_body",
    [SW_BUF_FILE_DATA] = "file.data",
    [SW_BUF_DNS_QUERY] = "dns.query",
    [SW_BUF_TLS_SNI] = "tls.sni",
    [SW_BUF_TLS_CERT_SUBJECT] = "tls.cert_subject",
    [SW_BUF_TLS_CERT_ISSUER] = "tls.cert_issuer",
    [SW_BUF_TLS_CERT_SERIAL] = "tls.cert_serial",
    [SW_BUF_TLS_CERT_FINGERPRINT] = "tls.cert_fingerprint",
    [SW_BUF_TLS_VERSION] = "tls.version",
    [SW_BUF_JA3_HASH] = "ja3.hash",
    [SW_BUF_JA3_STRING] = "ja3.string",
    [SW_BUF_JA3S_HASH] = "ja3s.hash",
    [SW_BUF_JA3S_STRING] = "ja3s.string",
};

const char *
sw_buf_name(enum sw_buf b)
{
    return (unsigned)b < SW_BUF_MAX && buf_names[b] != NULL ? buf_names[b] : "";
}
