/* test_router.c - unit tests of the output stage (include/sw/router.h, output/router.c).
 *
 * The sink here is a memory sink defined in this file: it counts the lines it is given, so
 * the router's bookkeeping can be checked without files or sockets. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "sw/alloc.h"
#include "sw/router.h"

/* --- a sink that keeps a count --------------------------------------------------------- */

struct mem_ctx {
    uint64_t lines;
};

static int
mem_create(struct sw_sink *s, const struct sw_cfg_sink *cfg, const struct sw_sink_env *env,
           struct sw_err *err)
{
    (void)cfg;
    (void)env;
    s->ctx = sw_calloc(1, sizeof(struct mem_ctx));
    if (s->ctx == NULL)
        return sw_err_set(err, SW_ENOMEM, "mem sink: out of memory");
    snprintf(s->name, sizeof(s->name), "mem");
    return SW_OK;
}

/* Takes everything and acknowledges at once. */
static enum sw_sink_rc
mem_write(struct sw_sink *s, const struct sw_rec *recs, size_t n, size_t *taken)
{
    struct mem_ctx *c = s->ctx;

    c->lines += n;
    sw_sink_ack(s, recs[0].seq, recs[n - 1].seq);
    *taken = n;
    return SW_SINK_DONE;
}

static void
mem_destroy(struct sw_sink *s)
{
    sw_free(s->ctx);
    s->ctx = NULL;
}

static const struct sw_sink_ops mem_ops = {
    .name = "mem",
    .create = mem_create,
    .write = mem_write,
    .destroy = mem_destroy,
};

static struct sw_router *
router_with_mem_sink(bool lossless)
{
    struct sw_eve_cfg eve = {.host = "test"};
    struct sw_sink **sinks = sw_calloc(1, sizeof(*sinks));
    struct sw_cfg_sink cfg = {.type = (char *)(uintptr_t)"mem", .types = SW_EV_ALL};
    struct sw_err err;
    struct sw_router *r;

    assert_non_null(sinks);
    sinks[0] = sw_calloc(1, sizeof(*sinks[0]));
    assert_non_null(sinks[0]);
    sinks[0]->ops = &mem_ops;
    sinks[0]->types = cfg.types;
    assert_int_equal(mem_ops.create(sinks[0], &cfg, NULL, &err), SW_OK);
    r = sw_router_create(&eve, sinks, 1, lossless, &err);
    assert_non_null(r);
    return r;
}

static struct sw_event *
engine_event(unsigned i)
{
    struct sw_event *ev = sw_event_create(SW_EV_ENGINE, 1700000000000000u + i);

    assert_non_null(ev);
    snprintf(ev->u.engine.module, sizeof(ev->u.engine.module), "test");
    snprintf(ev->u.engine.message, sizeof(ev->u.engine.message), "event %u", i);
    ev->u.engine.ok = true;
    return ev;
}

/* --- issue 9 item 8 -------------------------------------------------------------------- */

/* The configuration allows 64 workers and 64 interfaces (a capture thread each) plus the
 * main thread's producer: 129. The router must take every one of them. */
static void
router_takes_every_producer_the_config_allows_issue_9(void **state)
{
    struct sw_router *r = router_with_mem_sink(false);
    struct sw_err err;

    (void)state;
    for (unsigned i = 0; i < 64 + 64 + 1; i++) {
        struct sw_producer *p = sw_router_add_producer(r, 4, &err);

        if (p == NULL)
            fail_msg("producer %u refused: %s", i, err.msg);
    }
    sw_router_destroy(r);
}

/* An event dropped because its producer's ring was full is one lost event: the producer
 * counts it (its thread's event_drops), and the router's drops must not count it again
 * (status adds the two). */
static void
ring_full_drop_is_counted_once_issue_9(void **state)
{
    struct sw_router *r = router_with_mem_sink(false);
    struct sw_err err;
    struct sw_producer *p = sw_router_add_producer(r, 2, &err);
    uint64_t events, drops;

    (void)state;
    assert_non_null(p);
    /* Not started: nothing drains, so the ring (2 slots) takes 2 and drops 3. */
    for (unsigned i = 0; i < 5; i++)
        sw_emit(&p->em, engine_event(i));
    sw_router_counts(r, &events, &drops);
    assert_int_equal(sw_producer_drops(p) + drops, 3);
    sw_router_destroy(r);
}

/* Counters are read by the main thread while producers and the output thread write them.
 * Build with -fsanitize=thread to see a data race if any of them is a plain field. */
struct hammer {
    struct sw_producer *p;
    unsigned n;
};

static void *
hammer_main(void *arg)
{
    struct hammer *h = arg;

    for (unsigned i = 0; i < h->n; i++) {
        sw_emit(&h->p->em, engine_event(i));
        if ((i & 31) == 0)
            sw_producer_kick(h->p);
    }
    sw_producer_close(h->p);
    return NULL;
}

static void
counters_are_read_while_threads_write_them_issue_9(void **state)
{
    struct sw_router *r = router_with_mem_sink(false);
    struct sw_err err;
    struct hammer h[2];
    pthread_t t[2];
    uint64_t events = 0, drops = 0, prod_drops;
    const char *name;
    uint64_t written, failed;

    (void)state;
    for (int i = 0; i < 2; i++) {
        h[i].p = sw_router_add_producer(r, 8, &err);
        h[i].n = 20000;
        assert_non_null(h[i].p);
    }
    assert_int_equal(sw_router_start(r, &err), SW_OK);
    for (int i = 0; i < 2; i++)
        assert_int_equal(pthread_create(&t[i], NULL, hammer_main, &h[i]), 0);
    for (int k = 0; k < 2000; k++) {
        sw_router_counts(r, &events, &drops);
        (void)sw_router_sink(r, 0, &name, &written, &failed);
        (void)sw_producer_drops(h[0].p);
    }
    for (int i = 0; i < 2; i++)
        pthread_join(t[i], NULL);
    sw_router_stop(r);
    sw_router_counts(r, &events, &drops);
    prod_drops = sw_producer_drops(h[0].p) + sw_producer_drops(h[1].p);
    /* Every event either reached the output thread or was dropped by its producer. */
    assert_int_equal(events + prod_drops, 40000);
    assert_int_equal(drops, 0);
    sw_router_destroy(r);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(router_takes_every_producer_the_config_allows_issue_9),
        cmocka_unit_test(ring_full_drop_is_counted_once_issue_9),
        cmocka_unit_test(counters_are_read_while_threads_write_them_issue_9),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
