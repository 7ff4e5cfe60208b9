/* test_router_recycle.c - the event path without an allocation per event (issue 13): lines
 * come back from the output thread to their producer through its return ring, events go
 * back to their thread's cache (output/router.c, output/event.c, output/eve.c).
 *
 * The sinks here are memory sinks defined in this file. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "sw/alloc.h"
#include "sw/clock.h"
#include "sw/eve.h"
#include "sw/ring.h"
#include "sw/router.h"

/* --- sinks ------------------------------------------------------------------------------ */

#define HOLD_MAX 4096

/* "ack": takes everything and acknowledges at once. "hold": keeps what a write gives it in
 * flight until the next write, which first checks that each held record still reads as the
 * event of its seq (event seq - 1), then acknowledges them: the other sink released these
 * lines long before. */
struct msink {
    bool hold;
    uint64_t lines, checked, wrong;
    struct {
        uint64_t seq;
        const char *line; /* borrowed: valid while in flight (include/sw/sink.h) */
        size_t len;
    } held[HOLD_MAX];
    size_t n_held;
};

/* Does each held record still read as its event? Counts into checked and wrong. */
static void
check_held(struct msink *c)
{
    for (size_t k = 0; k < c->n_held; k++) {
        char want[32];
        int n = snprintf(want, sizeof(want), "\"event %u\"", (unsigned)(c->held[k].seq - 1));

        c->checked++;
        if (memmem(c->held[k].line, c->held[k].len, want, (size_t)n) == NULL)
            c->wrong++;
    }
}

static int
msink_create(struct sw_sink *s, const struct sw_cfg_sink *cfg, const struct sw_sink_env *env,
             struct sw_err *err)
{
    (void)cfg;
    (void)env;
    s->ctx = sw_calloc(1, sizeof(struct msink));
    if (s->ctx == NULL)
        return sw_err_set(err, SW_ENOMEM, "msink: out of memory");
    snprintf(s->name, sizeof(s->name), "msink");
    return SW_OK;
}

static enum sw_sink_rc
msink_write(struct sw_sink *s, const struct sw_rec *recs, size_t n, size_t *taken)
{
    struct msink *c = s->ctx;
    size_t i;

    c->lines += n;
    if (!c->hold) {
        sw_sink_ack(s, recs[0].seq, recs[n - 1].seq);
        *taken = n;
        return SW_SINK_DONE;
    }
    check_held(c);
    if (c->n_held > 0)
        sw_sink_ack(s, c->held[0].seq, c->held[c->n_held - 1].seq);
    c->n_held = 0;
    for (i = 0; i < n && i < HOLD_MAX; i++) {
        c->held[i].seq = recs[i].seq;
        c->held[i].line = recs[i].line;
        c->held[i].len = recs[i].len;
    }
    c->n_held = i;
    *taken = i;
    return i == n ? SW_SINK_DONE : SW_SINK_RETRY;
}

static void
msink_destroy(struct sw_sink *s)
{
    sw_free(s->ctx);
    s->ctx = NULL;
}

static const struct sw_sink_ops msink_ops = {
    .name = "msink",
    .create = msink_create,
    .write = msink_write,
    .destroy = msink_destroy,
};

/* A router with n memory sinks (the second, if any, holds records a write long); ctx[i] gets sink
 * i's state. */
static struct sw_router *
router_with(size_t n, struct msink **ctx)
{
    struct sw_eve_cfg eve = {.host = "test"};
    struct sw_sink **sinks = sw_calloc(n, sizeof(*sinks));
    struct sw_cfg_sink cfg = {.type = (char *)(uintptr_t) "msink", .types = SW_EV_ALL};
    struct sw_err err;
    struct sw_router *r;

    assert_non_null(sinks);
    for (size_t i = 0; i < n; i++) {
        sinks[i] = sw_calloc(1, sizeof(*sinks[i]));
        assert_non_null(sinks[i]);
        sinks[i]->ops = &msink_ops;
        sinks[i]->types = cfg.types;
        assert_int_equal(msink_ops.create(sinks[i], &cfg, NULL, &err), SW_OK);
        ctx[i] = sinks[i]->ctx;
        ctx[i]->hold = i == 1;
    }
    r = sw_router_create(&eve, NULL, sinks, n, false, &err);
    assert_non_null(r);
    return r;
}

static struct sw_event *
engine_event(unsigned i)
{
    struct sw_event *ev = sw_event_create(SW_EV_ENGINE, 1700000000000000u + i);

    assert_non_null(ev); /* with allocations failing: it came from the thread's cache */
    snprintf(ev->u.engine.module, sizeof(ev->u.engine.module), "test");
    snprintf(ev->u.engine.message, sizeof(ev->u.engine.message), "event %u", i);
    ev->u.engine.ok = true;
    return ev;
}

/* Wait (at most 20 s: a loaded machine) until p's return ring holds n lines. */
static void
wait_returned(struct sw_producer *p, size_t n)
{
    uint64_t until = sw_clock_us(CLOCK_MONOTONIC) + 20000000u;

    while (sw_ring_count(p->free) < n) {
        struct timespec ts = {0, 100000};

        sw_producer_kick(p);
        if (sw_clock_us(CLOCK_MONOTONIC) > until)
            fail_msg("%zu lines came back, not %zu", sw_ring_count(p->free), n);
        nanosleep(&ts, NULL);
    }
}

/* Wait (at most 20 s) until the output thread took everything p emitted. */
static void
wait_drained(struct sw_producer *p)
{
    uint64_t until = sw_clock_us(CLOCK_MONOTONIC) + 20000000u;

    while (sw_ring_count(p->ring) > 0) {
        struct timespec ts = {0, 100000};

        sw_producer_kick(p);
        if (sw_clock_us(CLOCK_MONOTONIC) > until)
            fail_msg("%zu lines not taken", sw_ring_count(p->ring));
        nanosleep(&ts, NULL);
    }
}

/* --- tests ------------------------------------------------------------------------------ */

/* Issue 13: once a few lines went round, a producer makes, encodes and hands over events
 * with every allocation failing: the event comes from the thread's cache, the line from
 * the producer's return ring. (Before: a malloc for each.) */
static void
steady_state_emits_without_allocating_issue_13(void **state)
{
    struct msink *ctx[1];
    struct sw_router *r = router_with(1, ctx);
    struct sw_producer *p;
    struct sw_err err;
    const unsigned warm = 4, total = 2000;

    (void)state;
    p = sw_router_add_producer(r, 64, &err);
    assert_non_null(p);
    assert_int_equal(sw_router_start(r, &err), SW_OK);
    for (unsigned i = 0; i < warm; i++)
        sw_emit(&p->em, engine_event(i));
    wait_returned(p, warm);
    sw_alloc_fail_at(1); /* the next allocation of any thread fails */
    for (unsigned i = warm; i < total; i++) {
        sw_emit(&p->em, engine_event(i));
        if (i % warm == warm - 1)
            wait_returned(p, warm);
    }
    sw_alloc_fail_at(0);
    sw_producer_close(p);
    sw_router_stop(r);
    assert_int_equal(sw_producer_drops(p), 0);
    assert_int_equal(ctx[0]->lines, total);
    sw_router_destroy(r);
    sw_eve_thread_fini();
}

/* A line goes back to its producer only when its last reference goes: one sink released
 * it at once, the other still holds it in flight, and the text it holds stays the event it
 * was (recycling it at the first release would write later events over it). */
static void
line_held_by_one_sink_is_not_reused_issue_13(void **state)
{
    struct msink *ctx[2];
    struct sw_router *r = router_with(2, ctx);
    struct sw_producer *p;
    struct sw_err err;
    const unsigned total = 1000;

    (void)state;
    p = sw_router_add_producer(r, 64, &err);
    assert_non_null(p);
    assert_int_equal(sw_router_start(r, &err), SW_OK);
    for (unsigned i = 0; i < total; i++) {
        sw_emit(&p->em, engine_event(i));
        if (i % 8 == 7) /* a write per few events: the held ones come back a write later */
            wait_drained(p);
    }
    sw_producer_close(p);
    sw_router_stop_by(r, sw_clock_us(CLOCK_MONOTONIC)); /* the last ones stay held */
    assert_int_equal(sw_producer_drops(p), 0);
    assert_int_equal(ctx[1]->lines, total);
    check_held(ctx[1]);
    assert_int_equal(ctx[1]->checked, total);
    assert_int_equal(ctx[1]->wrong, 0);
    assert_true(sw_ring_count(p->free) > 0); /* lines did come back to be reused */
    sw_router_destroy(r);
    sw_eve_thread_fini();
}

/* sw_eve_line_recycle reuses a spare that fits and replaces one that does not, with a
 * power-of-two capacity; either way the text is the event's. */
static void
recycle_reuses_a_spare_that_fits_issue_13(void **state)
{
    struct sw_eve_cfg eve = {.host = "test"};
    struct sw_event *ev = engine_event(1);
    struct sw_eve_line *a, *b, *c;

    (void)state;
    a = sw_eve_line_recycle(&eve, ev, NULL);
    assert_non_null(a);
    assert_true(a->cap >= a->len + 2 && (a->cap & (a->cap - 1)) == 0);
    assert_null(a->home);
    b = sw_eve_line_recycle(&eve, ev, a); /* fits: the same allocation */
    assert_ptr_equal(b, a);
    /* a message longer than the spare's capacity: a new, larger line (the spare freed) */
    memset(ev->u.engine.message, 'x', sizeof(ev->u.engine.message) - 1);
    ev->u.engine.message[sizeof(ev->u.engine.message) - 1] = '\0';
    memset(ev->u.engine.error, 'y', sizeof(ev->u.engine.error) - 1);
    ev->u.engine.error[sizeof(ev->u.engine.error) - 1] = '\0';
    ev->u.engine.ok = false;
    b->cap = b->len + 2; /* as if it had been cut to size */
    c = sw_eve_line_recycle(&eve, ev, b);
    assert_non_null(c);
    assert_true(c->cap >= c->len + 2 && (c->cap & (c->cap - 1)) == 0);
    assert_non_null(memmem(c->text, c->len, "yyyy", 4));
    sw_eve_line_destroy(c);
    sw_event_destroy(ev);
    sw_eve_thread_fini();
}

/* The event cache keeps a bounded number of blocks: after many events were destroyed at
 * once, only a few creations are served without allocating. */
static void
event_cache_is_bounded_issue_13(void **state)
{
    struct sw_event *ev[64];
    unsigned served = 0;

    (void)state;
    sw_event_thread_fini();
    for (unsigned i = 0; i < 64; i++) {
        ev[i] = sw_event_create(SW_EV_FLOW, i);
        assert_non_null(ev[i]);
    }
    for (unsigned i = 0; i < 64; i++)
        sw_event_destroy(ev[i]);
    sw_alloc_fail_at(1);
    for (unsigned i = 0; i < 64; i++) {
        ev[i] = sw_event_create(SW_EV_FLOW, i);
        if (ev[i] == NULL)
            break;
        served++;
    }
    sw_alloc_fail_at(0);
    assert_true(served > 0 && served < 64);
    for (unsigned i = 0; i < served; i++) {
        assert_int_equal(ev[i]->type, SW_EV_FLOW); /* a reused block starts clean */
        assert_false(ev[i]->has_ndpi);
        assert_null(ev[i]->file);
        sw_event_destroy(ev[i]);
    }
    sw_event_thread_fini();
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(steady_state_emits_without_allocating_issue_13),
        cmocka_unit_test(line_held_by_one_sink_is_not_reused_issue_13),
        cmocka_unit_test(recycle_reuses_a_spare_that_fits_issue_13),
        cmocka_unit_test(event_cache_is_bounded_issue_13),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
