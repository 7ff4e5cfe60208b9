/* test_ring.c - unit tests of the SPSC ring (include/sw/ring.h, agent/util/ring.c).
 *
 * Items are small integers disguised as pointers (never NULL, which pop uses for "empty"),
 * so order and loss can be checked without allocating. The two-thread test runs a real
 * producer and consumer through a deliberately small ring so that both the full and the
 * empty paths are taken many times. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <pthread.h>
#include <sched.h>
#include <stdbool.h>
#include <string.h>

#include "sw/alloc.h"
#include "sw/ring.h"

static void *
item(size_t i)
{
    return (void *)(uintptr_t)(i + 1);
}

static size_t
item_no(const void *p)
{
    return (size_t)(uintptr_t)p - 1;
}

/* Push until the ring refuses: the usable capacity. */
static size_t
fill(struct sw_ring *r)
{
    size_t n = 0;

    while (sw_ring_push(r, item(n)))
        n++;
    return n;
}

static void
capacity_rounds_up_to_a_power_of_two_of_at_least_two(void **state)
{
    static const struct {
        size_t asked, got;
    } cases[] = {
        {0, 2}, {1, 2},  {2, 2},       {3, 4},       {4, 4},       {5, 8},       {7, 8},
        {8, 8}, {9, 16}, {1000, 1024}, {1024, 1024}, {1025, 2048}, {4097, 8192},
    };

    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct sw_ring r;

        memset(&r, 0, sizeof(r));
        assert_int_equal(sw_ring_init(&r, cases[i].asked), SW_OK);
        assert_int_equal(r.mask, cases[i].got - 1);
        assert_int_equal(fill(&r), cases[i].got);
        assert_int_equal(sw_ring_count(&r), cases[i].got);
        sw_ring_fini(&r);
    }
}

static void
absurd_capacity_is_refused_without_allocating(void **state)
{
    struct sw_ring r;

    (void)state;
    memset(&r, 0, sizeof(r));
    assert_int_equal(sw_ring_init(&r, SIZE_MAX), SW_ELIMIT);
    assert_null(r.slot);
    assert_int_equal(sw_ring_init(&r, ((size_t)1 << 31) + 1), SW_ELIMIT);
    assert_null(r.slot);
    sw_ring_fini(&r);
}

static void
allocation_failure_is_enomem(void **state)
{
    struct sw_ring r;

    (void)state;
    memset(&r, 0, sizeof(r));
    sw_alloc_fail_at(1);
    assert_int_equal(sw_ring_init(&r, 16), SW_ENOMEM);
    sw_alloc_fail_at(0);
    assert_null(r.slot);
    sw_ring_fini(&r);
    /* and the next attempt works */
    assert_int_equal(sw_ring_init(&r, 16), SW_OK);
    assert_non_null(r.slot);
    sw_ring_fini(&r);
}

static void
fini_is_null_safe_and_idempotent(void **state)
{
    struct sw_ring r;

    (void)state;
    sw_ring_fini(NULL);
    assert_int_equal(sw_ring_init(&r, 8), SW_OK);
    sw_ring_fini(&r);
    assert_null(r.slot);
    sw_ring_fini(&r); /* a second fini frees nothing twice (ASan would say) */
}

static void
empty_ring_pops_null_and_counts_zero(void **state)
{
    struct sw_ring r;

    (void)state;
    assert_int_equal(sw_ring_init(&r, 4), SW_OK);
    assert_int_equal(sw_ring_count(&r), 0);
    assert_null(sw_ring_pop(&r));
    assert_null(sw_ring_pop(&r));
    assert_int_equal(sw_ring_count(&r), 0);

    /* emptied again after use */
    assert_true(sw_ring_push(&r, item(7)));
    assert_int_equal(sw_ring_count(&r), 1);
    assert_ptr_equal(sw_ring_pop(&r), item(7));
    assert_null(sw_ring_pop(&r));
    assert_int_equal(sw_ring_count(&r), 0);
    sw_ring_fini(&r);
}

static void
full_ring_refuses_push_and_keeps_its_items(void **state)
{
    struct sw_ring r;

    (void)state;
    assert_int_equal(sw_ring_init(&r, 4), SW_OK);
    for (size_t i = 0; i < 4; i++)
        assert_true(sw_ring_push(&r, item(i)));
    assert_false(sw_ring_push(&r, item(99)));
    assert_false(sw_ring_push(&r, item(100)));
    assert_int_equal(sw_ring_count(&r), 4);

    /* one pop makes room for exactly one more */
    assert_ptr_equal(sw_ring_pop(&r), item(0));
    assert_true(sw_ring_push(&r, item(4)));
    assert_false(sw_ring_push(&r, item(101)));

    /* the refused items never got in */
    for (size_t i = 1; i <= 4; i++)
        assert_ptr_equal(sw_ring_pop(&r), item(i));
    assert_null(sw_ring_pop(&r));
    sw_ring_fini(&r);
}

static void
items_come_out_in_fifo_order_across_wraparound(void **state)
{
    struct sw_ring r;
    size_t in = 0, out = 0;

    (void)state;
    assert_int_equal(sw_ring_init(&r, 8), SW_OK);
    /* Uneven batches so the positions wrap the 8 slots many times at every offset. */
    for (unsigned round = 0; round < 1000; round++) {
        unsigned push = 1 + round % 8, pop = 1 + (round * 5) % 8;

        for (unsigned i = 0; i < push; i++) {
            if (!sw_ring_push(&r, item(in)))
                break;
            in++;
        }
        assert_int_equal(sw_ring_count(&r), in - out);
        assert_true(in - out <= 8);
        for (unsigned i = 0; i < pop; i++) {
            void *p = sw_ring_pop(&r);

            if (p == NULL) {
                assert_int_equal(in, out);
                break;
            }
            assert_int_equal(item_no(p), out);
            out++;
        }
    }
    while (out < in) {
        void *p = sw_ring_pop(&r);

        assert_non_null(p);
        assert_int_equal(item_no(p), out);
        out++;
    }
    assert_null(sw_ring_pop(&r));
    assert_true(in > 8 * 100); /* it really wrapped */
    sw_ring_fini(&r);
}

/* --- two threads ------------------------------------------------------------------------- */

#define SPSC_ITEMS 1000000u

struct spsc {
    struct sw_ring ring;
    size_t full_waits;  /* producer: pushes refused (ring full) */
    size_t empty_waits; /* consumer: pops that found nothing */
    size_t received;
    size_t first_bad; /* consumer: index where order broke, or SIZE_MAX */
};

static void *
producer(void *arg)
{
    struct spsc *s = arg;

    for (size_t i = 0; i < SPSC_ITEMS; i++) {
        while (!sw_ring_push(&s->ring, item(i))) {
            s->full_waits++;
            sched_yield();
        }
    }
    return NULL;
}

static void *
consumer(void *arg)
{
    struct spsc *s = arg;

    while (s->received < SPSC_ITEMS) {
        void *p = sw_ring_pop(&s->ring);

        if (p == NULL) {
            s->empty_waits++;
            sched_yield();
            continue;
        }
        if (item_no(p) != s->received && s->first_bad == SIZE_MAX)
            s->first_bad = s->received;
        s->received++;
    }
    return NULL;
}

static void
two_threads_pass_a_million_items_in_order_without_loss(void **state)
{
    struct spsc s;
    pthread_t pt, ct;

    (void)state;
    memset(&s, 0, sizeof(s));
    s.first_bad = SIZE_MAX;
    assert_int_equal(sw_ring_init(&s.ring, 64), SW_OK);
    assert_int_equal(pthread_create(&ct, NULL, consumer, &s), 0);
    assert_int_equal(pthread_create(&pt, NULL, producer, &s), 0);
    assert_int_equal(pthread_join(pt, NULL), 0);
    assert_int_equal(pthread_join(ct, NULL), 0);

    assert_int_equal(s.first_bad, SIZE_MAX);
    assert_int_equal(s.received, SPSC_ITEMS);
    assert_null(sw_ring_pop(&s.ring));
    assert_int_equal(sw_ring_count(&s.ring), 0);
    sw_ring_fini(&s.ring);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(capacity_rounds_up_to_a_power_of_two_of_at_least_two),
        cmocka_unit_test(absurd_capacity_is_refused_without_allocating),
        cmocka_unit_test(allocation_failure_is_enomem),
        cmocka_unit_test(fini_is_null_safe_and_idempotent),
        cmocka_unit_test(empty_ring_pops_null_and_counts_zero),
        cmocka_unit_test(full_ring_refuses_push_and_keeps_its_items),
        cmocka_unit_test(items_come_out_in_fifo_order_across_wraparound),
        cmocka_unit_test(two_threads_pass_a_million_items_in_order_without_loss),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
