/* det_yara.c - YARA behind the detection stage (sw_det_yara_ops, see include/sw/detect.h):
 * scans each direction's reassembled TCP stream once (seawall_source "stream") and each
 * HTTP body (seawall_source "http_body", with its file name and filetype as externals).
 *
 * The set's instance owns the compiled rules; each worker thread has its own scanner (YARA
 * 4.2: at most SW_YARA_MAX_THREADS scanners per rule set). Scans run on the worker thread
 * and libyara does not return control during one, so every scan stops at a time limit that
 * the daemon keeps below its watchdog's progress-check interval, and progress is counted
 * after each scan; a scan cut by the limit loses its matches (libyara decides rules only at
 * the end): counted, never silent. */
#include <stdatomic.h>
#include <string.h>

#include "sw/alloc.h"
#include "sw/detect.h"
#include "sw/yara.h"

/* Per-alert string limits (as seawall scan's defaults) and the default time limit. */
#define YARA_MAX_STRINGS 16
#define YARA_STRING_BYTES 64
#define YARA_TIMEOUT_S 60

struct yara_thread {
    struct sw_yara_scanner *ys; /* owned */
    _Atomic uint64_t *progress; /* borrowed, may be NULL */
    uint64_t scans, errors, timeouts;
};

static enum sw_rc
yara_create(void **inst, const struct sw_detect_opts *o, struct sw_detect_load *ld,
            struct sw_err *err)
{
    (void)err;
    ld->language = "yara";
    if (sw_yara_rules_count(o->yara) == 0) {
        /* No YARA rule (a folder of *.rules only): scanning every stream and body with an
         * empty set finds nothing and cost a tenth of a run with a public ruleset, and its
         * hooks kept whole streams and HTTP parsing alive for nobody. Sit this set out. */
        sw_yara_rules_destroy(o->yara); /* taken on every path */
        *inst = NULL;
        return SW_OK;
    }
    *inst = o->yara; /* taken */
    if (o->yara != NULL && o->cfg != NULL && o->cfg->rules.profiling)
        sw_yara_rules_set_profiling(o->yara, true); /* before any scanner: yara_profile */
    ld->hooks = SW_HOOK_BIT(SW_HOOK_STREAM_WHOLE) | SW_HOOK_BIT(SW_HOOK_APP);
    ld->app_events = (1u << SW_APP_EV_HTTP_REQUEST_BODY) | (1u << SW_APP_EV_HTTP_RESPONSE_BODY);
    return SW_OK;
}

static void
yara_destroy(void *inst)
{
    sw_yara_rules_destroy(inst);
}

static enum sw_rc
yara_thread_init(void **tctx, const void *inst, const struct sw_detect_thread_opts *topt,
                 struct sw_err *err)
{
    struct yara_thread *yt = sw_calloc(1, sizeof(*yt));
    struct sw_yara_limits lim = {
        .max_strings = YARA_MAX_STRINGS,
        .string_bytes = YARA_STRING_BYTES,
        .timeout_s =
            topt != NULL && topt->scan_timeout_s != 0 ? topt->scan_timeout_s : YARA_TIMEOUT_S,
    };

    if (yt == NULL)
        return sw_err_set(err, SW_ENOMEM, "yara: out of memory");
    yt->ys = sw_yara_scanner_create(inst, &lim, err);
    if (yt->ys == NULL) {
        sw_free(yt);
        return err->code;
    }
    yt->progress = topt != NULL ? topt->progress : NULL;
    *tctx = yt;
    return SW_OK;
}

static void
yara_thread_fini(void *tctx)
{
    struct yara_thread *yt = tctx;

    if (yt == NULL)
        return;
    sw_yara_scanner_destroy(yt->ys);
    sw_free(yt);
}

/* After a scan: count what it did, and that the worker moves on. */
static void
scan_done(struct yara_thread *yt, struct sw_emitter *em, enum sw_rc rc,
          const struct sw_yara_scan_result *res)
{
    if (rc != SW_OK)
        yt->errors++;
    if (res->timeout)
        yt->timeouts++;
    for (unsigned i = 0; i < res->drops; i++)
        sw_emit_drop(em);
    if (yt->progress != NULL)
        atomic_fetch_add_explicit(yt->progress, 1, memory_order_relaxed);
}

static void
yara_inspect(void *tctx, const struct sw_subject *subj, struct sw_emitter *em)
{
    struct yara_thread *yt = tctx;
    struct sw_yara_scan_result res;
    struct sw_event tmpl;
    struct sw_err err;
    enum sw_rc rc;

    memset(&tmpl, 0, sizeof(tmpl));
    memset(&res, 0, sizeof(res));
    sw_subject_event_template(subj, &tmpl);
    if (subj->hook == SW_HOOK_STREAM_WHOLE) {
        if (subj->stream.data.len == 0)
            return;
        yt->scans++;
        rc = sw_yara_scan_flow(yt->ys, &tmpl, "stream", subj->stream.data.p, subj->stream.data.len,
                               em, &res, &err);
        scan_done(yt, em, rc, &res);
        return;
    }
    if (subj->hook == SW_HOOK_APP && subj->app.file != NULL) {
        const struct sw_file_part *fi = subj->app.file;
        enum sw_side side =
            subj->app.event == SW_APP_EV_HTTP_REQUEST_BODY ? SW_SIDE_REQUEST : SW_SIDE_RESPONSE;
        const struct sw_span *body;
        struct sw_yara_ext x;
        unsigned n;

        body = sw_subject_buf(subj, side, SW_BUF_FILE_DATA, &n);
        sw_yara_ext_set(&x, fi->path != NULL ? fi->path : "", fi->magic != NULL ? fi->magic : "",
                        "");
        x.source = "http_body";
        yt->scans++;
        /* An empty body is scanned too (a rule may match on its externals alone). */
        rc = sw_yara_scan_flow_file(yt->ys, &tmpl, &x, fi,
                                    n > 0 && body[0].p != NULL ? body[0].p : (const uint8_t *)"",
                                    n > 0 ? body[0].len : 0, em, &res, &err);
        scan_done(yt, em, rc, &res);
    }
}

static void
yara_stats(const void *tctx, struct sw_worker_stats *out)
{
    const struct yara_thread *yt = tctx;

    out->stream_scans += yt->scans;
    out->stream_scan_errors += yt->errors;
    out->stream_scan_timeouts += yt->timeouts;
}

static void
yara_profile(const void *tctx, sw_rule_prof_fn fn, void *ctx)
{
    const struct yara_thread *yt = tctx;

    sw_yara_scanner_profile(yt->ys, fn, ctx);
}

const struct sw_detector_ops sw_det_yara_ops = {
    .name = "yara",
    .create = yara_create,
    .destroy = yara_destroy,
    .thread_init = yara_thread_init,
    .inspect = yara_inspect,
    .thread_fini = yara_thread_fini,
    .flow_free = NULL,
    .stats = yara_stats,
    .profile = yara_profile,
};
