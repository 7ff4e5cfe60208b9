/* detect_file.c - the host side's detection stage (see include/sw/detect_file.h): YARA
 * (rules/yara_scan.c) and the IOC lists (rules/ioc.c) over one file a scan thread read. */
#include "sw/detect_file.h"

#include <stdatomic.h>
#include <string.h>
#include <time.h>

#include "sw/alloc.h"
#include "sw/clock.h"
#include "sw/ioc.h"
#include "sw/yara.h"

_Static_assert(SW_DETECT_FILE_MAX_THREADS == SW_YARA_MAX_THREADS,
               "detect_file.h's thread cap is libyara's");

struct sw_detect_file {
    _Atomic unsigned holds;
    struct sw_yara_rules *rules; /* a hold of the set's, may be NULL */
    struct sw_ioc_set *ioc;      /* a hold of the set's, may be NULL */
};

struct sw_detect_file_thread {
    struct sw_detect_file_limits lim;
    struct sw_detect_file *set;  /* a hold of this thread's, may be NULL */
    struct sw_yara_scanner *ys;  /* owned; NULL: no rules, or the scanner could not be made */
};

struct sw_detect_file *
sw_detect_file_create(struct sw_yara_rules *rules, struct sw_ioc_set *ioc, struct sw_err *err)
{
    struct sw_detect_file *d = sw_calloc(1, sizeof(*d));

    if (d == NULL) {
        sw_err_set(err, SW_ENOMEM, "file detection: out of memory");
        return NULL;
    }
    atomic_init(&d->holds, 1);
    d->rules = sw_yara_rules_hold(rules);
    d->ioc = sw_ioc_hold(ioc);
    return d;
}

struct sw_detect_file *
sw_detect_file_hold(struct sw_detect_file *d)
{
    if (d != NULL)
        atomic_fetch_add_explicit(&d->holds, 1, memory_order_relaxed);
    return d;
}

void
sw_detect_file_destroy(struct sw_detect_file *d)
{
    if (d == NULL || atomic_fetch_sub_explicit(&d->holds, 1, memory_order_acq_rel) != 1)
        return;
    sw_yara_rules_destroy(d->rules);
    sw_ioc_destroy(d->ioc);
    sw_free(d);
}

struct sw_detect_file_thread *
sw_detect_file_thread_create(const struct sw_detect_file_limits *lim)
{
    struct sw_detect_file_thread *t = sw_calloc(1, sizeof(*t));

    if (t != NULL && lim != NULL)
        t->lim = *lim;
    return t;
}

void
sw_detect_file_thread_destroy(struct sw_detect_file_thread *t)
{
    if (t == NULL)
        return;
    sw_detect_file_thread_clear(t);
    sw_free(t);
}

void
sw_detect_file_thread_clear(struct sw_detect_file_thread *t)
{
    /* The scanner goes before the set's hold: it borrows the set's rules. */
    sw_yara_scanner_destroy(t->ys);
    t->ys = NULL;
    sw_detect_file_destroy(t->set);
    t->set = NULL;
}

enum sw_rc
sw_detect_file_thread_install(struct sw_detect_file_thread *t, struct sw_detect_file *d,
                              struct sw_err *err)
{
    struct sw_yara_limits lim = {
        .max_strings = t->lim.max_strings,
        .string_bytes = t->lim.string_bytes,
        .timeout_s = t->lim.timeout_s,
    };

    sw_detect_file_thread_clear(t);
    t->set = d;
    if (d == NULL || d->rules == NULL)
        return SW_OK;
    t->ys = sw_yara_scanner_create(d->rules, &lim, err);
    return t->ys != NULL ? SW_OK : err->code;
}

/* sw_yara_ext.complete: a rule matched, an alert is about to copy the file part. */
static void
complete_all(void *ctx)
{
    const struct sw_file_subject *s = ctx;

    if (s->fill != NULL)
        s->fill(s->fill_ctx, SW_FILE_NEED_ALL);
}

unsigned
sw_detect_file_run(struct sw_detect_file_thread *t, const struct sw_file_subject *s,
                   struct sw_emitter *em, struct sw_detect_file_result *res, struct sw_err *err)
{
    const struct sw_ioc_set *ioc = t->set != NULL ? t->set->ioc : NULL;

    memset(res, 0, sizeof(*res));
    if (s->yara && t->ys != NULL) {
        struct sw_yara_ext x;
        struct sw_yara_scan_result yr;

        sw_yara_ext_set(&x, s->path, s->filetype, s->owner);
        x.source = s->source;
        x.complete = complete_all;
        x.complete_ctx = (void *)(uintptr_t)s; /* read only: complete_all takes it as const */
        res->scan_rc = sw_yara_scan_mem(t->ys, &x, s->fi, s->buf, s->len, em, &yr, err);
        res->scanned = true;
        res->matches = yr.matches;
        res->drops += yr.drops;
        res->too_many = yr.too_many;
    }
    /* The IOC lists: every file asked for, scanned or not (a sample too large for YARA is
     * still a known hash). */
    if (s->ioc && ioc != NULL && sw_ioc_count(ioc) > 0) {
        unsigned drops = 0;

        if (s->fill != NULL)
            s->fill(s->fill_ctx, SW_FILE_NEED_SHA256);
        if (sw_ioc_listed(ioc, s->fi->sha256))
            complete_all((void *)(uintptr_t)s); /* an IOC alert carries the magic too */
        res->ioc_matches = sw_ioc_check_file(
            ioc, s->fi, s->ts_us != 0 ? s->ts_us : sw_clock_us(CLOCK_REALTIME), em, &drops);
        res->drops += drops;
    }
    return res->matches + res->ioc_matches;
}
