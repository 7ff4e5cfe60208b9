/* test_app_http_alt.c - unit tests of collectors/net/app_http_alt.c: which bytes an alt
 * keeps, and the readings of a region (every plausible framing and coding, each once). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include <zlib.h>

#include "sw/app_http_alt.h"

struct got {
    char label[16][40];
    char data[16][128];
    size_t n;
};

static void
collect(void *ctx, const struct sw_http_reading *rd)
{
    struct got *g = ctx;

    assert_true(g->n < 16);
    snprintf(g->label[g->n], sizeof(g->label[0]), "%s", rd->label);
    snprintf(g->data[g->n], sizeof(g->data[0]), "%.*s", (int)rd->len, (const char *)rd->data);
    g->n++;
}

static const char *
find(const struct got *g, const char *label)
{
    for (size_t i = 0; i < g->n; i++) {
        if (strcmp(g->label[i], label) == 0)
            return g->data[i];
    }
    return NULL;
}

static void
region_is_read_every_plausible_way_once(void **state)
{
    static const char region[] = "5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n";
    const uint64_t lengths[] = {5, 8};
    struct sw_http_stats st;
    struct sw_http_mem m = {.st = &st};
    struct sw_http_limits lim = {.max_out = 1 << 20, .max_ratio = 1000};
    struct sw_http_region r = {
        .p = (const uint8_t *)region,
        .n = sizeof(region) - 1,
        .complete = true,
        .lengths = lengths,
        .n_lengths = 2,
    };
    uint64_t seen = sw_http_hash((const uint8_t *)"hello world", 11);
    struct got g;

    (void)state;
    memset(&st, 0, sizeof(st));
    memset(&g, 0, sizeof(g));
    sw_http_readings(&m, &r, &lim, collect, &g);
    assert_string_equal(find(&g, "close"), region);
    assert_string_equal(find(&g, "content_length"), "5\r\nhe");
    assert_string_equal(find(&g, "chunked"), "hello world");
    assert_string_equal(find(&g, "chunked_content_length"), "hello");
    assert_int_equal(g.n, 6); /* and the cuts at 8: "5\r\nhello", "hello wo" */
    /* a reading already delivered (the primary) is not delivered again */
    memset(&g, 0, sizeof(g));
    r.seen = &seen;
    r.n_seen = 1;
    sw_http_readings(&m, &r, &lim, collect, &g);
    assert_null(find(&g, "chunked"));
    assert_int_equal(g.n, 5);
    assert_int_equal(st.memuse, 0);
}

static void
compressed_region_is_read_decoded_too(void **state)
{
    static const char plain[] = "the bytes inside the gzip stream";
    uint8_t z[128];
    z_stream zs;
    struct sw_http_stats st;
    struct sw_http_mem m = {.st = &st};
    struct sw_http_limits lim = {.max_out = 1 << 20, .max_ratio = 1000};
    struct sw_http_region r = {.p = z, .complete = true};
    struct got g;

    (void)state;
    memset(&st, 0, sizeof(st));
    memset(&zs, 0, sizeof(zs));
    assert_int_equal(deflateInit2(&zs, 9, Z_DEFLATED, 31, 8, Z_DEFAULT_STRATEGY), Z_OK);
    zs.next_in = (Bytef *)(uintptr_t)plain;
    zs.avail_in = sizeof(plain) - 1;
    zs.next_out = z;
    zs.avail_out = sizeof(z);
    assert_int_equal(deflate(&zs, Z_FINISH), Z_STREAM_END);
    r.n = zs.total_out;
    deflateEnd(&zs);
    /* no coding declared: recognised by its header */
    memset(&g, 0, sizeof(g));
    sw_http_readings(&m, &r, &lim, collect, &g);
    assert_string_equal(find(&g, "close_decoded"), plain);
    assert_int_equal(g.n, 2);
    assert_int_equal(st.memuse, 0);
}

static void
alt_keeps_the_bytes_from_its_start(void **state)
{
    struct sw_http_stats st;
    struct sw_http_mem m = {.st = &st};
    struct sw_http_alt a;

    (void)state;
    memset(&st, 0, sizeof(st));
    memset(&a, 0, sizeof(a));
    /* pending: the bytes of the step that opened it are not kept */
    sw_http_alt_open(&a, SW_HTTP_ALT_PENDING, 1000, NULL, NULL, 0);
    sw_http_alt_feed(&a, &m, 100, (const uint8_t *)"headers\r\n\r\n", 11);
    sw_http_alt_feed(&a, &m, 111, (const uint8_t *)"body", 4);
    sw_http_alt_feed(&a, &m, 115, (const uint8_t *)" more\r\n\r\n", 9);
    assert_int_equal(a.start, 111);
    assert_int_equal(sw_http_alt_region(&a, UINT64_MAX), 13);
    assert_int_equal(sw_http_alt_region(&a, 115), 4); /* the next message started at 115 */
    sw_http_alt_end(&a, &m, 1, UINT64_MAX, true, NULL, NULL, NULL); /* no anomaly: nothing read */
    /* opened at a position with bytes seen already: they are not kept twice */
    sw_http_alt_open(&a, 50, 1000, NULL, NULL, 0);
    sw_http_alt_feed(&a, &m, 50, (const uint8_t *)"junk", 4);
    sw_http_alt_feed(&a, &m, 52, (const uint8_t *)"nk\r\n", 4);
    assert_int_equal(a.buf.len, 6);
    assert_memory_equal(a.buf.p, "junk\r\n", 6);
    /* white space only: nothing to read */
    assert_int_equal(sw_http_alt_region(&a, 50), 0);
    sw_http_alt_fini(&a, &m);
    assert_int_equal(st.memuse, 0);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(region_is_read_every_plausible_way_once),
        cmocka_unit_test(compressed_region_is_read_decoded_too),
        cmocka_unit_test(alt_keeps_the_bytes_from_its_start),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
