/* test_batch.c - unit tests of the offline commands' plumbing (include/sw/batch.h,
 * agent/batch.c): the bounded blocking queue (order, close, a full queue making the producer
 * wait rather than lose items), the exclude globs and list, and the default thread count.
 * The router set-up is covered end to end by tests/integration/fim_cli.sh and yara_cli.sh. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <pthread.h>
#include <stdbool.h>
#include <string.h>

#include "sw/alloc.h"
#include "sw/batch.h"

#define ITEMS 100000u

static void *
item(size_t i)
{
    return (void *)(uintptr_t)(i + 1);
}

static void
fifo_order_across_wraparound_then_null_once_closed(void **state)
{
    struct sw_batch_queue q;
    struct sw_err err;

    (void)state;
    assert_int_equal(sw_batch_queue_init(&q, 3, &err), SW_OK);
    for (size_t round = 0; round < 5; round++) {
        for (size_t i = 0; i < 3; i++)
            sw_batch_queue_push(&q, item(round * 3 + i));
        for (size_t i = 0; i < 3; i++)
            assert_ptr_equal(sw_batch_queue_pop(&q), item(round * 3 + i));
    }
    sw_batch_queue_push(&q, item(7));
    sw_batch_queue_close(&q);
    assert_ptr_equal(sw_batch_queue_pop(&q), item(7)); /* closing keeps what is queued */
    assert_null(sw_batch_queue_pop(&q));
    assert_null(sw_batch_queue_pop(&q));
    sw_batch_queue_fini(&q);
}

static void
allocation_failure_is_enomem_and_fini_is_safe(void **state)
{
    struct sw_batch_queue q;
    struct sw_err err;

    (void)state;
    sw_alloc_fail_at(1);
    assert_int_equal(sw_batch_queue_init(&q, 8, &err), SW_ENOMEM);
    sw_alloc_fail_at(0);
    assert_non_null(strstr(err.msg, "out of memory"));
    sw_batch_queue_fini(&q);
    sw_batch_queue_fini(NULL);
}

struct consumer {
    struct sw_batch_queue *q;
    size_t received, first_bad;
};

static void *
consume(void *arg)
{
    struct consumer *c = arg;
    void *p;

    while ((p = sw_batch_queue_pop(c->q)) != NULL) {
        if (p != item(c->received) && c->first_bad == SIZE_MAX)
            c->first_bad = c->received;
        c->received++;
    }
    return NULL;
}

/* A queue of 4 between two threads: the producer waits on the full queue many times and
 * nothing is lost or reordered. */
static void
a_full_queue_makes_the_producer_wait_without_loss(void **state)
{
    struct sw_batch_queue q;
    struct sw_err err;
    struct consumer c = {.q = &q, .first_bad = SIZE_MAX};
    pthread_t t;

    (void)state;
    assert_int_equal(sw_batch_queue_init(&q, 4, &err), SW_OK);
    assert_int_equal(pthread_create(&t, NULL, consume, &c), 0);
    for (size_t i = 0; i < ITEMS; i++)
        sw_batch_queue_push(&q, item(i));
    sw_batch_queue_close(&q);
    assert_int_equal(pthread_join(t, NULL), 0);
    assert_int_equal(c.first_bad, SIZE_MAX);
    assert_int_equal(c.received, ITEMS);
    sw_batch_queue_fini(&q);
}

static void
globs_are_the_configured_ones_then_the_extra_ones(void **state)
{
    char *conf[] = {"*.tmp", "/proc"};
    const char *extra[] = {"*.swp"};
    struct sw_config cfg;
    const char **g;
    size_t n = 99;

    (void)state;
    memset(&cfg, 0, sizeof(cfg));
    cfg.files.exclude.v = conf;
    cfg.files.exclude.n = 2;
    g = sw_batch_globs(&cfg, extra, 1, &n);
    assert_non_null(g);
    assert_int_equal(n, 3);
    assert_string_equal(g[0], "*.tmp");
    assert_string_equal(g[1], "/proc");
    assert_string_equal(g[2], "*.swp");
    sw_free(g);
    cfg.files.exclude.n = 0;
    g = sw_batch_globs(&cfg, NULL, 0, &n);
    assert_non_null(g);
    assert_int_equal(n, 0);
    sw_free(g);
}

static void
excludes_stop_at_the_maximum(void **state)
{
    struct sw_batch_excludes x = {.n = 0};

    (void)state;
    for (size_t i = 0; i < SW_BATCH_MAX_EXCLUDES; i++)
        assert_true(sw_batch_exclude_add(&x, "*.tmp"));
    assert_false(sw_batch_exclude_add(&x, "one too many"));
    assert_int_equal(x.n, SW_BATCH_MAX_EXCLUDES);
    assert_string_equal(x.v[SW_BATCH_MAX_EXCLUDES - 1], "*.tmp");
}

static void
default_threads_are_between_one_and_the_maximum(void **state)
{
    (void)state;
    assert_int_equal(sw_batch_threads(1), 1);
    assert_true(sw_batch_threads(32) >= 1 && sw_batch_threads(32) <= 32);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(fifo_order_across_wraparound_then_null_once_closed),
        cmocka_unit_test(allocation_failure_is_enomem_and_fini_is_safe),
        cmocka_unit_test(a_full_queue_makes_the_producer_wait_without_loss),
        cmocka_unit_test(globs_are_the_configured_ones_then_the_extra_ones),
        cmocka_unit_test(excludes_stop_at_the_maximum),
        cmocka_unit_test(default_threads_are_between_one_and_the_maximum),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
