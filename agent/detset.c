/* detset.c - detection sets and their swap under running readers (see include/sw/detset.h).
 *
 * Ordering: the main thread stores a new set with release and readers load it with acquire,
 * so a reader sees the set complete; a reader stores its generation with release once it no
 * longer touches the previous set, and the main thread loads it with acquire before freeing
 * that set. */
#include "sw/detset.h"

#include <stdio.h>
#include <time.h>

#include "sw/alloc.h"
#include "sw/cmd.h"
#include "sw/yara.h"

#define RETRY_US 1000000u /* a reader that failed to install a set tries again this often */

struct sw_det_set *
sw_det_set_create(struct sw_config *cfg, const struct sw_det_set_opts *o, struct sw_err *err)
{
    struct sw_det_set *d = sw_calloc(1, sizeof(*d));
    struct sw_detect_opts dopts = {.cfg = cfg};

    if (o != NULL) {
        dopts.yara = o->yara;
        dopts.rules_path = o->rules_path;
        dopts.cache_dir = o->cache_dir;
        dopts.report = o->report;
        dopts.report_ctx = o->report_ctx;
        dopts.detectors = o->detectors;
    }
    if (d == NULL) {
        sw_cfg_free(cfg);
        sw_yara_rules_destroy(dopts.yara);
        sw_err_set(err, SW_ENOMEM, "detection: out of memory");
        return NULL;
    }
    d->cfg = cfg;
    sw_decode_cfg_defaults(&d->dcfg);
    d->dcfg.max_layers = cfg->network.decode.max_layers;
    d->dcfg.tunnels = cfg->network.decode.tunnels;
    d->dcfg.vxlan_port = (uint16_t)cfg->network.decode.vxlan_port;
    sw_cmd_host(cfg, d->host, sizeof(d->host));
    d->detect = sw_detect_create(&dopts, &d->load, err); /* takes dopts.yara */
    if (d->detect == NULL) {
        sw_det_set_destroy(d);
        return NULL;
    }
    d->yara = sw_detect_has(d->detect, &sw_det_yara_ops);
    return d;
}

void
sw_det_set_destroy(struct sw_det_set *d)
{
    if (d == NULL)
        return;
    sw_detect_destroy(d->detect); /* before the configuration it borrows */
    sw_cfg_free(d->cfg);
    sw_free(d);
}

enum sw_rc
sw_det_pub_init(struct sw_det_pub *pub, struct sw_det_set *first, size_t n_readers,
                struct sw_err *err)
{
    pub->retired = NULL;
    pub->n_readers = n_readers;
    pub->readers = sw_calloc(n_readers, sizeof(*pub->readers));
    if (pub->readers == NULL) {
        atomic_store(&pub->cur, NULL);
        return sw_err_set(err, SW_ENOMEM, "detection: out of memory");
    }
    first->gen = 1;
    atomic_store_explicit(&pub->cur, first, memory_order_release);
    return SW_OK;
}

void
sw_det_pub_fini(struct sw_det_pub *pub)
{
    sw_det_set_destroy(pub->retired);
    pub->retired = NULL;
    sw_det_set_destroy(atomic_load(&pub->cur));
    atomic_store(&pub->cur, NULL);
    sw_free(pub->readers);
    pub->readers = NULL;
    pub->n_readers = 0;
}

void
sw_det_reader_attach(struct sw_det_pub *pub, size_t i, struct sw_det_reader *r, const char *name)
{
    const struct sw_det_set *d = atomic_load(&pub->cur);

    snprintf(r->name, sizeof(r->name), "%s", name);
    r->set = d;
    atomic_store(&r->gen, d->gen);
    atomic_store(&r->failed_gen, 0);
    r->retry_us = 0;
    atomic_store(&r->active, 0);
    if (i < pub->n_readers)
        pub->readers[i] = r;
}

enum sw_det_adopt
sw_det_adopt(struct sw_det_reader *r, struct sw_det_pub *pub, sw_det_install_fn install,
             void *ctx, uint64_t now_us)
{
    const struct sw_det_set *d = atomic_load_explicit(&pub->cur, memory_order_acquire);
    struct sw_err err;

    if (d == r->set)
        return SW_DET_KEPT;
    if (atomic_load_explicit(&r->failed_gen, memory_order_relaxed) == d->gen &&
        now_us < r->retry_us)
        return SW_DET_KEPT;
    if (install(ctx, d, &err) != SW_OK) {
        /* Still on the previous set (install changed nothing): acknowledging d would let the
         * main thread free the set this thread goes on using. The reason is written once per
         * generation, before failed_gen publishes it: the main thread may be reading it. */
        r->retry_us = now_us + RETRY_US;
        if (atomic_load_explicit(&r->failed_gen, memory_order_relaxed) != d->gen) {
            r->err = err;
            atomic_store_explicit(&r->failed_gen, d->gen, memory_order_release);
        }
        return SW_DET_FAILED;
    }
    r->set = d;
    atomic_store_explicit(&r->gen, d->gen, memory_order_release);
    return SW_DET_ADOPTED;
}

/* The first active reader that does not run generation gen, or NULL. */
static struct sw_det_reader *
lagging(const struct sw_det_pub *pub, uint32_t gen)
{
    for (size_t i = 0; i < pub->n_readers; i++) {
        struct sw_det_reader *r = pub->readers[i];

        if (r != NULL && atomic_load_explicit(&r->active, memory_order_acquire) &&
            atomic_load_explicit(&r->gen, memory_order_acquire) != gen)
            return r;
    }
    return NULL;
}

/* "worker 1" or "worker 1 (its error)" into why. */
static void
describe(const struct sw_det_reader *r, uint32_t gen, char *why, size_t len, const char *what)
{
    if (atomic_load_explicit(&r->failed_gen, memory_order_acquire) == gen)
        snprintf(why, len, "%s %s: %s", r->name, what, r->err.msg);
    else
        snprintf(why, len, "%s %s", r->name, what);
}

bool
sw_det_settle(struct sw_det_pub *pub)
{
    const struct sw_det_set *cur = atomic_load(&pub->cur);

    if (pub->retired == NULL || lagging(pub, cur->gen) != NULL)
        return false;
    sw_det_set_destroy(pub->retired);
    pub->retired = NULL;
    return true;
}

enum sw_det_swap
sw_det_publish(struct sw_det_pub *pub, struct sw_det_set *next, unsigned wait_ms,
               void (*wake)(void *ctx), void *ctx, char *why, size_t len)
{
    struct sw_det_set *old = atomic_load(&pub->cur);
    struct sw_det_reader *r;

    why[0] = '\0';
    (void)sw_det_settle(pub);
    if (pub->retired != NULL) {
        /* Two sets in flight at most: the oldest must be gone before a third comes. */
        r = lagging(pub, old->gen);
        if (r != NULL)
            describe(r, old->gen, why, len, "has not switched since the previous reload");
        sw_det_set_destroy(next);
        return SW_DET_REFUSED;
    }
    next->gen = old->gen + 1;
    atomic_store_explicit(&pub->cur, next, memory_order_release);
    if (wake != NULL)
        wake(ctx);
    for (unsigned t = 0; t < wait_ms && lagging(pub, next->gen) != NULL; t++) {
        struct timespec ts = {0, 1000000};

        nanosleep(&ts, NULL);
    }
    r = lagging(pub, next->gen);
    if (r == NULL) {
        sw_det_set_destroy(old);
        return SW_DET_SWAPPED;
    }
    pub->retired = old;
    describe(r, next->gen, why, len, "did not switch in time");
    return SW_DET_PENDING;
}

const struct sw_det_set *
sw_det_current(struct sw_det_pub *pub)
{
    return atomic_load_explicit(&pub->cur, memory_order_acquire);
}
