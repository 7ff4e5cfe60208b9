/* test_app_http_msg.c - unit tests of collectors/net/app_http_msg.c: message records, the
 * request queue (pairs stay aligned past max_pipeline), body views. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "sw/alloc.h"
#include "sw/app_http_msg.h"

/* The message of a request block (lines separated by \n). */
static struct sw_http_msg *
request(struct sw_http_mem *m, const char *text)
{
    uint8_t buf[512];
    struct sw_http_head hh;
    size_t tn = strlen(text), pos = 0;
    uint32_t used = 0;

    sw_http_head_init(&hh, 0, NULL);
    while (pos < tn) {
        const char *nl = memchr(text + pos, '\n', tn - pos);
        size_t len = nl != NULL ? (size_t)(nl - (text + pos)) : tn - pos;

        memcpy(buf + used, text + pos, len);
        if (pos == 0) {
            assert_true(sw_http_head_start(&hh, buf, 0, (uint32_t)len));
            used = (uint32_t)len;
        } else {
            used = sw_http_head_line(&hh, buf, used, (uint32_t)len);
        }
        pos += len + 1;
    }
    sw_http_head_end(&hh, buf);
    return sw_http_msg_create(m, &hh, buf, 0, false);
}

static void
messages_keep_what_bodies_need(void **state)
{
    struct sw_http_stats st;
    struct sw_http_mem m = {.st = &st};
    struct sw_http_msg *r;

    (void)state;
    memset(&st, 0, sizeof(st));
    r = request(&m, "HEAD /dl/a%20b.zip?x=1 HTTP/1.1\nHost: h.example\nUser-Agent: ua\n"
                    "Content-Encoding: gzip, br\nContent-Length: 5\nContent-Length: 7");
    assert_non_null(r);
    assert_string_equal(r->method, "HEAD");
    assert_true(r->head && !r->connect);
    assert_string_equal(r->uri, "/dl/a%20b.zip?x=1");
    assert_string_equal(r->uname, "a b.zip");
    assert_string_equal(r->host, "h.example");
    assert_string_equal(r->cenc, "gzip, br");
    assert_int_equal(r->n_coding, 2);
    assert_int_equal(r->n_lengths, 2);
    assert_true(r->anomalies & (1u << SW_HTTP_AN_CL_DUPLICATE));
    assert_ptr_equal(sw_http_msg_ref(r), r);
    sw_http_msg_unref(&m, r);
    assert_true(st.memuse > 0);
    sw_http_msg_unref(&m, r);
    assert_int_equal(st.memuse, 0);
    sw_alloc_fail_at(1);
    assert_null(request(&m, "GET / HTTP/1.1"));
    sw_alloc_fail_at(0);
    assert_int_equal(st.nomem, 1);
}

/* Four requests with room for two: the two not queued are answered unpaired, and the fifth
 * pairs with the fifth response (moved here from test_app_http.c, on the queue itself). */
static void
queue_keeps_pairs_aligned_past_max(void **state)
{
    struct sw_http_stats st;
    struct sw_http_mem m = {.st = &st};
    struct sw_http_queue q = {.max = 2};
    struct sw_http_msg *got[5];
    char line[32];

    (void)state;
    memset(&st, 0, sizeof(st));
    for (int i = 0; i < 5; i++) {
        struct sw_http_msg *r;

        snprintf(line, sizeof(line), "GET /%d HTTP/1.1", i);
        r = request(&m, line);
        sw_http_queue_push(&q, r, &st);
        sw_http_msg_unref(&m, r);
        if (i == 3) { /* four responses come before the fifth request */
            for (int k = 0; k < 4; k++)
                got[k] = sw_http_queue_pop(&q);
        }
    }
    got[4] = sw_http_queue_pop(&q);
    assert_int_equal(st.pipeline_drops, 2);
    assert_string_equal(got[0]->uri, "/0");
    assert_string_equal(got[1]->uri, "/1");
    assert_null(got[2]);
    assert_null(got[3]);
    assert_string_equal(got[4]->uri, "/4");
    assert_null(sw_http_queue_pop(&q));
    for (int k = 0; k < 5; k++)
        sw_http_msg_unref(&m, got[k]);
    sw_http_queue_fini(&q, &m);
    assert_int_equal(st.memuse, 0);
}

struct seen {
    struct sw_http_body b;
    int n;
};

static void
on_body(void *ctx, const struct sw_http_body *b)
{
    struct seen *s = ctx;

    s->b = *b;
    s->n++;
}

static void
views_are_delivered_with_their_reading(void **state)
{
    struct sw_http_stats st;
    struct sw_http_mem m = {.st = &st};
    struct sw_http_cb cb = {.on_body = on_body};
    struct sw_http_msg *r;
    struct sw_http_view vw = {
        .dir = 1, .raw_len = 9, .failed = SW_HTTP_CODING_BR, .reading = "", .anomaly = ""};
    struct seen s = {.n = 0};

    (void)state;
    memset(&st, 0, sizeof(st));
    r = request(&m, "GET /x/file.bin HTTP/1.1\nHost: h");
    vw.rq = r;
    sw_http_msg_deliver(&cb, &s, &st, &vw, (const uint8_t *)"abc", 3);
    assert_int_equal(s.n, 1);
    assert_string_equal(s.b.uri, "/x/file.bin");
    assert_string_equal(s.b.filename, "file.bin");
    assert_int_equal(s.b.status, 0); /* no response: unpaired view */
    assert_true(s.b.decode_error);
    assert_string_equal(s.b.decode_failed, "br");
    assert_int_equal(st.bodies, 1);
    vw.reading = "close";
    vw.anomaly = "RESPONSE_BODY_UNEXPECTED";
    vw.failed = 0;
    sw_http_msg_deliver(&cb, &s, &st, &vw, NULL, 0);
    assert_string_equal(s.b.reading, "close");
    assert_false(s.b.decode_error);
    assert_non_null(s.b.data);
    assert_int_equal(st.readings, 1);
    sw_http_msg_unref(&m, r);
    assert_int_equal(st.memuse, 0);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(messages_keep_what_bodies_need),
        cmocka_unit_test(queue_keeps_pairs_aligned_past_max),
        cmocka_unit_test(views_are_delivered_with_their_reading),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
