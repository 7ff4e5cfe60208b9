/* test_app_http.c - unit tests of collectors/net/app_http.c (framing, with the other app_http
 * modules underneath). Bodies are copied into a collector (plain malloc, so allocation
 * failure sweeps only hit the module): primary readings in r[], other readings in a[], and
 * the anomaly names reported; compressed bodies are built here with zlib. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <zlib.h>

#include "sw/alloc.h"
#include "sw/app_http.h"
#include "sw/err.h"

#define MAX_REC 16
#define MAX_AN 32

struct rec {
    int dir;
    char method[32], uri[256], host[128], ua[128], req_ct[128], resp_ct[128], fname[128];
    char cenc[32], failed[16], reading[32], anomaly[64];
    unsigned status;
    uint8_t *data;
    size_t len;
    uint64_t raw_len;
    bool truncated, gaps, decode_error;
};

struct coll {
    struct rec r[MAX_REC]; /* primary readings */
    size_t n;
    struct rec a[MAX_REC]; /* other readings */
    size_t na;
    char an[MAX_AN][64]; /* anomalies, as reported */
    int an_dir[MAX_AN];
    size_t nan;
};

static void
copy_str(char *dst, size_t cap, const char *s)
{
    int w = snprintf(dst, cap, "%s", s);

    assert_true(w >= 0 && (size_t)w < cap);
}

static void
on_body(void *ctx, const struct sw_http_body *b)
{
    struct coll *c = ctx;
    struct rec *r;

    if (b->reading[0] == '\0') {
        assert_true(c->n < MAX_REC);
        r = &c->r[c->n++];
    } else {
        assert_true(c->na < MAX_REC);
        r = &c->a[c->na++];
    }
    r->dir = b->dir;
    copy_str(r->method, sizeof(r->method), b->method);
    copy_str(r->uri, sizeof(r->uri), b->uri);
    copy_str(r->host, sizeof(r->host), b->host);
    copy_str(r->ua, sizeof(r->ua), b->user_agent);
    copy_str(r->req_ct, sizeof(r->req_ct), b->req_content_type);
    copy_str(r->resp_ct, sizeof(r->resp_ct), b->resp_content_type);
    copy_str(r->fname, sizeof(r->fname), b->filename);
    copy_str(r->cenc, sizeof(r->cenc), b->content_encoding);
    r->status = b->status;
    r->len = b->len;
    r->raw_len = b->raw_len;
    r->data = malloc(b->len > 0 ? b->len : 1);
    assert_non_null(r->data);
    if (b->len > 0)
        memcpy(r->data, b->data, b->len);
    r->truncated = b->truncated;
    r->gaps = b->gaps;
    r->decode_error = b->decode_error;
    copy_str(r->failed, sizeof(r->failed), b->decode_failed);
    copy_str(r->reading, sizeof(r->reading), b->reading);
    copy_str(r->anomaly, sizeof(r->anomaly), b->anomaly);
}

static void
on_anomaly(void *ctx, int dir, const char *event)
{
    struct coll *c = ctx;

    if (c->nan >= MAX_AN)
        return;
    c->an_dir[c->nan] = dir;
    copy_str(c->an[c->nan++], sizeof(c->an[0]), event);
}

static void
coll_free(struct coll *c)
{
    for (size_t i = 0; i < c->n; i++)
        free(c->r[i].data);
    for (size_t i = 0; i < c->na; i++)
        free(c->a[i].data);
    c->n = c->na = c->nan = 0;
}

static struct sw_http *
mk(const struct sw_http_cfg *cfg, struct coll *c)
{
    struct sw_http_cb cb = {.on_body = on_body, .on_anomaly = on_anomaly};
    struct sw_err err;
    struct sw_http *h = sw_http_create(cfg, &cb, c, &err);

    assert_non_null(h);
    memset(c, 0, sizeof(*c));
    return h;
}

static void
feed(struct sw_http *h, int dir, const void *p, size_t n)
{
    assert_int_equal(sw_http_feed(h, dir, p, n), SW_OK);
}

static void
feeds(struct sw_http *h, int dir, const char *s)
{
    feed(h, dir, s, strlen(s));
}

static void
assert_body(const struct rec *r, const char *want)
{
    assert_int_equal(r->len, strlen(want));
    assert_memory_equal(r->data, want, r->len);
}

/* --- tests -------------------------------------------------------------------------------- */

static void
get_200_with_content_length(void **state)
{
    struct coll c;
    struct sw_http *h = mk(NULL, &c);
    const struct sw_http_stats *st = sw_http_get_stats(h);

    (void)state;
    feeds(h, 0,
          "GET /files/report.pdf?x=1 HTTP/1.1\r\nHost: example.com\r\n"
          "User-Agent: curl/8\r\n\r\n");
    feeds(h, 1,
          "HTTP/1.1 200 OK\r\nContent-Type: application/pdf\r\n"
          "Content-Length: 5\r\n\r\nhel");
    assert_int_equal(c.n, 0);
    feeds(h, 1, "lo");
    assert_int_equal(c.n, 1);
    assert_int_equal(c.r[0].dir, 1);
    assert_string_equal(c.r[0].method, "GET");
    assert_string_equal(c.r[0].uri, "/files/report.pdf?x=1");
    assert_string_equal(c.r[0].host, "example.com");
    assert_string_equal(c.r[0].ua, "curl/8");
    assert_int_equal(c.r[0].status, 200);
    assert_string_equal(c.r[0].resp_ct, "application/pdf");
    assert_string_equal(c.r[0].fname, "report.pdf");
    assert_body(&c.r[0], "hello");
    assert_false(c.r[0].truncated || c.r[0].gaps || c.r[0].decode_error);
    assert_int_equal(st->messages, 2);
    assert_int_equal(st->bodies, 1);
    sw_http_end(h, SW_HTTP_FIN_REQ | SW_HTTP_FIN_RESP);
    assert_int_equal(c.n, 1);
    sw_http_destroy(h);
    coll_free(&c);
}

static void
post_body_is_delivered_for_the_request(void **state)
{
    struct coll c;
    struct sw_http *h = mk(NULL, &c);

    (void)state;
    feeds(h, 0,
          "POST /upload HTTP/1.1\r\nHost: h\r\nContent-Type: text/plain\r\n"
          "Content-Length: 11\r\n\r\nhello world");
    assert_int_equal(c.n, 1);
    assert_int_equal(c.r[0].dir, 0);
    assert_string_equal(c.r[0].method, "POST");
    assert_string_equal(c.r[0].req_ct, "text/plain");
    assert_string_equal(c.r[0].fname, "upload");
    assert_int_equal(c.r[0].status, 0);
    assert_body(&c.r[0], "hello world");
    feeds(h, 1, "HTTP/1.1 201 Created\r\nContent-Length: 2\r\n\r\nok");
    assert_int_equal(c.n, 2);
    assert_string_equal(c.r[1].method, "POST");
    assert_int_equal(c.r[1].status, 201);
    assert_body(&c.r[1], "ok");
    sw_http_destroy(h);
    coll_free(&c);
}

static void
chunked_with_extensions_and_trailers(void **state)
{
    struct coll c;
    struct sw_http *h = mk(NULL, &c);

    (void)state;
    sw_http_destroy(h);
    h = mk(NULL, &c);
    feeds(h, 0, "GET /a HTTP/1.1\r\n\r\nGET /b HTTP/1.1\r\n\r\n");
    feeds(h, 1,
          "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Length: 999\r\n\r\n"
          "5;name=value;x=\"y\"\r\nhello\r\n"
          "6 ; ext\r\n world\r\n"
          "0\r\nX-Trailer: 1\r\nX-Other: 2\r\n\r\n"
          "HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nabc");
    assert_int_equal(c.n, 2);
    assert_body(&c.r[0], "hello world");
    assert_string_equal(c.r[0].uri, "/a");
    assert_false(c.r[0].truncated);
    assert_body(&c.r[1], "abc");
    assert_string_equal(c.r[1].uri, "/b");
    sw_http_destroy(h);
    coll_free(&c);
}

static const char *pipe_req = "GET /one HTTP/1.1\r\nHost: a\r\n\r\n"
                              "POST /two HTTP/1.1\r\nHost: a\r\nContent-Length: 4\r\n\r\nDATA"
                              "GET /three.txt HTTP/1.1\r\nHost: a\r\n\r\n";
static const char *pipe_resp =
    "HTTP/1.1 100 Continue\r\n\r\n"
    "HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\none"
    "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\ntwo\r\n0\r\n\r\n"
    "HTTP/1.0 200 OK\r\n\r\nthree until close";

static void
check_pipeline(const struct coll *c)
{
    assert_int_equal(c->n, 4);
    assert_int_equal(c->r[0].dir, 0);
    assert_body(&c->r[0], "DATA");
    assert_string_equal(c->r[1].uri, "/one");
    assert_body(&c->r[1], "one");
    assert_string_equal(c->r[2].uri, "/two");
    assert_string_equal(c->r[2].method, "POST");
    assert_body(&c->r[2], "two");
    assert_string_equal(c->r[3].uri, "/three.txt");
    assert_string_equal(c->r[3].fname, "three.txt");
    assert_body(&c->r[3], "three until close");
    assert_false(c->r[3].truncated);
}

static void
pipelined_requests_pair_in_order_whatever_the_chunking(void **state)
{
    struct coll c1, c2;
    struct sw_http *h = mk(NULL, &c1);

    (void)state;
    feeds(h, 0, pipe_req);
    feeds(h, 1, pipe_resp);
    sw_http_end(h, SW_HTTP_FIN_REQ | SW_HTTP_FIN_RESP);
    check_pipeline(&c1);
    assert_int_equal(c1.nan + c1.na, 0); /* well-formed: nothing reported */
    sw_http_destroy(h);

    h = mk(NULL, &c2);
    /* byte by byte, directions interleaved */
    for (size_t i = 0, j = 0; pipe_req[i] != '\0' || pipe_resp[j] != '\0';) {
        if (pipe_req[i] != '\0')
            feed(h, 0, pipe_req + i++, 1);
        if (pipe_resp[j] != '\0' && i > 40)
            feed(h, 1, pipe_resp + j++, 1);
    }
    sw_http_end(h, SW_HTTP_FIN_REQ | SW_HTTP_FIN_RESP);
    check_pipeline(&c2);
    for (size_t i = 0; i < c1.n; i++) {
        assert_int_equal(c1.r[i].len, c2.r[i].len);
        assert_memory_equal(c1.r[i].data, c2.r[i].data, c1.r[i].len);
        assert_string_equal(c1.r[i].uri, c2.r[i].uri);
    }
    assert_int_equal(sw_http_get_stats(h)->messages, 7);
    sw_http_destroy(h);
    coll_free(&c1);
    coll_free(&c2);
}

/* Compress src with zlib: wbits 15 (zlib), -15 (raw deflate) or 31 (gzip). */
static size_t
zcompress(const uint8_t *src, size_t n, uint8_t *dst, size_t cap, int wbits)
{
    z_stream z;

    memset(&z, 0, sizeof(z));
    assert_int_equal(deflateInit2(&z, 9, Z_DEFLATED, wbits, 8, Z_DEFAULT_STRATEGY), Z_OK);
    z.next_in = (Bytef *)(uintptr_t)src;
    z.avail_in = (uInt)n;
    z.next_out = dst;
    z.avail_out = (uInt)cap;
    assert_int_equal(deflate(&z, Z_FINISH), Z_STREAM_END);
    n = z.total_out;
    deflateEnd(&z);
    return n;
}

static void
huge_chunk_size_is_capped_without_overflow(void **state)
{
    struct sw_http_cfg cfg;
    struct coll c;
    struct sw_http *h;
    uint8_t data[4096];

    (void)state;
    memset(data, 'A', sizeof(data));
    sw_http_cfg_defaults(&cfg);
    cfg.max_body = 1000;
    h = mk(&cfg, &c);
    feeds(h, 0, "GET / HTTP/1.1\r\n\r\n");
    feeds(h, 1, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nffffffffffffffff\r\n");
    for (int i = 0; i < 10; i++)
        feed(h, 1, data, sizeof(data));
    assert_int_equal(c.n, 0);
    sw_http_end(h, SW_HTTP_FIN_REQ | SW_HTTP_FIN_RESP);
    assert_int_equal(c.n, 1);
    assert_int_equal(c.r[0].len, 1000);
    assert_true(c.r[0].truncated);
    assert_int_equal(sw_http_get_stats(h)->truncated, 1);
    assert_true(sw_http_get_stats(h)->memuse < 4096);
    sw_http_destroy(h);
    coll_free(&c);

    /* 17 hex digits overflow: no chunk size, so the rest of the response is its body, until
     * close, as libhtp reads it (and a client that ignores the chunking); reported */
    h = mk(NULL, &c);
    feeds(h, 0, "GET / HTTP/1.1\r\n\r\n");
    feeds(h, 1,
          "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nab\r\n"
          "10000000000000000\r\nxyz");
    assert_int_equal(c.n, 0);
    sw_http_end(h, SW_HTTP_FIN_REQ | SW_HTTP_FIN_RESP);
    assert_int_equal(c.n, 1);
    assert_body(&c.r[0], "ab10000000000000000\r\nxyz");
    assert_false(c.r[0].truncated);
    assert_int_equal(sw_http_get_stats(h)->parse_errors, 0);
    assert_int_equal(c.nan, 1);
    assert_string_equal(c.an[0], "INVALID_RESPONSE_CHUNK_LEN");
    sw_http_destroy(h);
    coll_free(&c);
}

static void
head_and_304_have_no_body(void **state)
{
    struct coll c;
    struct sw_http *h = mk(NULL, &c);

    (void)state;
    feeds(h, 0,
          "HEAD /x HTTP/1.1\r\n\r\nGET /y HTTP/1.1\r\nIf-None-Match: \"e\"\r\n\r\n"
          "GET /z HTTP/1.1\r\n\r\n");
    feeds(h, 1,
          "HTTP/1.1 200 OK\r\nContent-Length: 1234\r\n\r\n"
          "HTTP/1.1 304 Not Modified\r\nContent-Length: 99\r\n\r\n"
          "HTTP/1.1 204 No Content\r\n\r\n");
    assert_int_equal(c.n, 0);
    assert_int_equal(sw_http_get_stats(h)->messages, 6);
    assert_int_equal(sw_http_get_stats(h)->parse_errors, 0);
    sw_http_end(h, SW_HTTP_FIN_REQ | SW_HTTP_FIN_RESP);
    assert_int_equal(c.n, 0);
    /* a 304 that states its resource's length and the next response right after: nothing
     * ambiguous happened, nothing reported, nothing read another way */
    assert_int_equal(c.nan + c.na, 0);
    sw_http_destroy(h);
    coll_free(&c);
}

static void
until_close_body_is_delivered_at_end(void **state)
{
    struct coll c;
    struct sw_http *h = mk(NULL, &c);

    (void)state;
    feeds(h, 0, "GET /dl/file.bin HTTP/1.0\r\n\r\n");
    feeds(h, 1, "HTTP/1.0 200 OK\r\nContent-Type: application/octet-stream\r\n\r\npart1 ");
    feeds(h, 1, "part2");
    assert_int_equal(c.n, 0);
    sw_http_end(h, SW_HTTP_FIN_REQ | SW_HTTP_FIN_RESP);
    assert_int_equal(c.n, 1);
    assert_body(&c.r[0], "part1 part2");
    assert_false(c.r[0].truncated);
    assert_string_equal(c.r[0].fname, "file.bin");
    feeds(h, 1, "more is ignored");
    assert_int_equal(c.n, 1);
    sw_http_destroy(h);
    coll_free(&c);

    /* a Content-Length body cut by the end is truncated */
    h = mk(NULL, &c);
    feeds(h, 0, "GET / HTTP/1.1\r\n\r\n");
    feeds(h, 1, "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc");
    sw_http_end(h, SW_HTTP_FIN_REQ | SW_HTTP_FIN_RESP);
    assert_int_equal(c.n, 1);
    assert_true(c.r[0].truncated);
    sw_http_destroy(h);
    coll_free(&c);
}

static void
gap_in_body_sets_gaps_and_resyncs(void **state)
{
    struct coll c;
    struct sw_http *h = mk(NULL, &c);
    const struct sw_http_stats *st = sw_http_get_stats(h);

    (void)state;
    feeds(h, 0, "GET /1 HTTP/1.1\r\n\r\nGET /2 HTTP/1.1\r\n\r\nGET /3 HTTP/1.1\r\n\r\n");
    feeds(h, 1, "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc");
    sw_http_gap(h, 1, 4);
    feeds(h, 1, "hij");
    assert_int_equal(c.n, 1);
    assert_true(c.r[0].gaps);
    assert_body(&c.r[0], "abchij");
    /* a gap past the end of a body: resync on the next status line */
    feeds(h, 1, "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nab");
    sw_http_gap(h, 1, 20);
    feeds(h, 1, "tail of something\r\nHTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nxyz");
    assert_int_equal(c.n, 3);
    assert_true(c.r[1].gaps);
    assert_body(&c.r[1], "ab");
    assert_body(&c.r[2], "xyz");
    assert_false(c.r[2].gaps);
    assert_string_equal(c.r[2].uri, "/3");
    assert_int_equal(st->gaps, 2);
    assert_int_equal(st->resyncs, 1);
    sw_http_destroy(h);
    coll_free(&c);

    /* a gap in a gzip body stops decoding without a decode error */
    {
        uint8_t plain[3000], z[4000];
        size_t zn;
        char hdr[128];

        for (size_t i = 0; i < sizeof(plain); i++)
            plain[i] = (uint8_t)(i * 7);
        zn = zcompress(plain, sizeof(plain), z, sizeof(z), 31);
        h = mk(NULL, &c);
        feeds(h, 0, "GET / HTTP/1.1\r\n\r\n");
        snprintf(hdr, sizeof(hdr),
                 "HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nContent-Length: %zu\r\n\r\n", zn);
        feeds(h, 1, hdr);
        feed(h, 1, z, zn / 2);
        sw_http_gap(h, 1, 10);
        feed(h, 1, z + zn / 2 + 10, zn - zn / 2 - 10);
        assert_int_equal(c.n, 1);
        assert_true(c.r[0].gaps);
        assert_false(c.r[0].decode_error);
        assert_true(c.r[0].len < sizeof(plain));
        assert_memory_equal(c.r[0].data, plain, c.r[0].len);
        sw_http_destroy(h);
        coll_free(&c);
    }
}

static void
non_http_stream_is_ignored(void **state)
{
    struct coll c;
    struct sw_http *h = mk(NULL, &c);
    const struct sw_http_stats *st = sw_http_get_stats(h);
    uint8_t junk[1000];

    (void)state;
    for (size_t i = 0; i < sizeof(junk); i++)
        junk[i] = (uint8_t)(i * 37 + 11);
    feeds(h, 0, "SSH-2.0-OpenSSH_9.2\r\n");
    feed(h, 1, junk, sizeof(junk));
    for (int i = 0; i < 100; i++) {
        feed(h, 0, junk, sizeof(junk));
        feed(h, 1, junk, sizeof(junk));
    }
    sw_http_end(h, SW_HTTP_FIN_REQ | SW_HTTP_FIN_RESP);
    assert_int_equal(c.n, 0);
    assert_int_equal(st->not_http, 2);
    assert_int_equal(st->messages, 0);
    assert_true(st->memuse < 2048);
    sw_http_destroy(h);
    coll_free(&c);

    /* TLS client hello and an HTTP/2 preface */
    h = mk(NULL, &c);
    feed(h, 0, "\x16\x03\x01\x02\x00", 5);
    feeds(h, 1, "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n");
    assert_int_equal(sw_http_get_stats(h)->not_http, 2);
    sw_http_destroy(h);
    coll_free(&c);
}

static void
header_over_the_limit_stops_the_direction(void **state)
{
    struct sw_http_cfg cfg;
    struct coll c;
    struct sw_http *h;
    char line[200];

    (void)state;
    sw_http_cfg_defaults(&cfg);
    cfg.max_header_bytes = 1024;
    h = mk(&cfg, &c);
    feeds(h, 0, "GET / HTTP/1.1\r\n");
    memset(line, 'a', sizeof(line));
    memcpy(line, "X-Pad: ", 7);
    line[sizeof(line) - 2] = '\r';
    line[sizeof(line) - 1] = '\n';
    for (int i = 0; i < 10; i++)
        feed(h, 0, line, sizeof(line));
    feeds(h, 0, "\r\n");
    assert_int_equal(sw_http_get_stats(h)->header_limit, 1);
    assert_int_equal(sw_http_get_stats(h)->messages, 0);
    /* the other direction still works */
    feeds(h, 1, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
    assert_int_equal(c.n, 1);
    assert_int_equal(sw_http_get_stats(h)->unpaired, 1);
    sw_http_destroy(h);
    coll_free(&c);

    /* exactly at the limit is fine */
    h = mk(&cfg, &c);
    memset(line, 0, sizeof(line));
    {
        char blk[1024];
        size_t n;

        memset(blk, 'b', sizeof(blk));
        n = (size_t)snprintf(blk, sizeof(blk), "GET / HTTP/1.1\r\nX: ");
        blk[n] = 'b';
        memcpy(blk + sizeof(blk) - 4, "\r\n\r\n", 4);
        feed(h, 0, blk, sizeof(blk));
    }
    assert_int_equal(sw_http_get_stats(h)->messages, 1);
    assert_int_equal(sw_http_get_stats(h)->header_limit, 0);
    sw_http_destroy(h);
    coll_free(&c);
}

/* Everything at once, for the failure sweep. */
static void
scenario(struct sw_http *h)
{
    uint8_t plain[2000], z[3000];
    size_t zn;
    char hdr[160];

    for (size_t i = 0; i < sizeof(plain); i++)
        plain[i] = (uint8_t)(i % 13);
    zn = zcompress(plain, sizeof(plain), z, sizeof(z), 31);
    (void)sw_http_feed(h, 0, (const uint8_t *)pipe_req, strlen(pipe_req));
    (void)sw_http_feed(h, 0, (const uint8_t *)"GET /g HTTP/1.1\r\n\r\n", 19);
    snprintf(hdr, sizeof(hdr),
             "HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\n"
             "Content-Disposition: attachment; filename=a.gz\r\nContent-Length: %zu\r\n\r\n",
             zn);
    (void)sw_http_feed(h, 1, (const uint8_t *)pipe_resp, strlen(pipe_resp) - 38);
    (void)sw_http_feed(h, 1, (const uint8_t *)hdr, strlen(hdr));
    (void)sw_http_feed(h, 1, z, zn);
    sw_http_gap(h, 0, 5);
    (void)sw_http_feed(h, 0, (const uint8_t *)"x\r\nPUT /p HTTP/1.1\r\nContent-Length: 3\r\n\r\nab",
                       43);
    sw_http_end(h, SW_HTTP_FIN_REQ | SW_HTTP_FIN_RESP);
}

static void
allocation_failure_sweep_is_clean(void **state)
{
    struct coll c;
    struct sw_http_cb cb = {.on_body = on_body, .on_anomaly = on_anomaly};
    struct sw_http_stats shared;
    struct sw_http_cfg cfg;
    struct sw_err err;
    size_t full_bodies;
    unsigned long n;

    (void)state;
    sw_http_cfg_defaults(&cfg);
    memset(&shared, 0, sizeof(shared));
    cfg.stats = &shared;
    {
        struct sw_http *h = mk(&cfg, &c);

        scenario(h);
        full_bodies = c.n;
        assert_true(full_bodies >= 4);
        sw_http_destroy(h);
        coll_free(&c);
        assert_int_equal(shared.memuse, 0);
    }
    for (n = 1; n < 200; n++) {
        struct sw_http *h;

        memset(&c, 0, sizeof(c));
        sw_alloc_fail_at(n);
        h = sw_http_create(&cfg, &cb, &c, &err);
        if (h == NULL) {
            sw_alloc_fail_at(0);
            assert_int_equal(err.code, SW_ENOMEM);
            continue;
        }
        scenario(h);
        sw_alloc_fail_at(0);
        sw_http_destroy(h);
        coll_free(&c);
        assert_int_equal(shared.memuse, 0);
    }
    assert_true(shared.nomem > 0);
}

static void
create_validates_and_defaults(void **state)
{
    struct sw_http_cfg cfg;
    struct sw_err err;
    struct sw_http *h;

    (void)state;
    sw_http_cfg_defaults(&cfg);
    cfg.max_pipeline = 5000;
    assert_null(sw_http_create(&cfg, NULL, NULL, &err));
    assert_int_equal(err.code, SW_EINVAL);
    sw_http_cfg_defaults(&cfg);
    cfg.max_body = 2ull << 30;
    assert_null(sw_http_create(&cfg, NULL, NULL, &err));
    h = sw_http_create(NULL, NULL, NULL, &err);
    assert_non_null(h);
    assert_int_equal(sw_http_feed(h, 2, (const uint8_t *)"x", 1), SW_EINVAL);
    assert_int_equal(sw_http_feed(h, 0, NULL, 1), SW_EINVAL);
    assert_int_equal(sw_http_feed(h, 0, NULL, 0), SW_OK);
    /* no callback: counted only */
    feeds(h, 0, "POST / HTTP/1.1\r\nContent-Length: 1\r\n\r\nx");
    assert_int_equal(sw_http_get_stats(h)->bodies, 1);
    sw_http_destroy(h);
    sw_http_destroy(NULL);
}

/* --- issue 9: decode errors, RST, evasion (HTTP Evader's classes) ---------------------- */

static bool
has_anomaly(const struct coll *c, const char *name)
{
    for (size_t i = 0; i < c->nan; i++) {
        if (strcmp(c->an[i], name) == 0)
            return true;
    }
    return false;
}

/* Item 16: Content-Encoding gzip on plain bytes (suricata-verify
 * http-encoding-gzip-uncompressed): the body as it came, with the coding that failed, and
 * the anomaly; before, an empty body with nothing flagged. */
static void
gzip_header_on_plain_bytes_is_reported_as_it_came_issue_9(void **state)
{
    struct coll c;
    struct sw_http *h = mk(NULL, &c);
    const char *json = "{\"sdk_version\":\"1.0\",\"app_package\":\"x\"}";
    char req[256];

    (void)state;
    snprintf(req, sizeof(req),
             "POST /api/sdk/init2 HTTP/1.1\r\nContent-Encoding: gzip\r\n"
             "Content-Type: application/json\r\nContent-Length: %zu\r\n\r\n%s",
             strlen(json), json);
    feeds(h, 0, req);
    assert_int_equal(c.n, 1);
    assert_body(&c.r[0], json);
    assert_true(c.r[0].decode_error);
    assert_string_equal(c.r[0].failed, "gzip");
    assert_false(c.r[0].truncated);
    assert_int_equal(c.na, 0); /* the decoder produced nothing */
    assert_int_equal(c.nan, 1);
    assert_string_equal(c.an[0], "GZIP_DECOMPRESSION_FAILED");
    assert_int_equal(c.an_dir[0], 0);
    assert_int_equal(sw_http_get_stats(h)->decode_errors, 1);
    sw_http_destroy(h);
    coll_free(&c);
}

/* Item 16: a body that lasts until close is whole only when the server closed with a FIN; a
 * RST (or the end of the capture) cuts it. */
static void
until_close_body_cut_by_rst_is_truncated_issue_9(void **state)
{
    static const unsigned fins[] = {SW_HTTP_FIN_REQ | SW_HTTP_FIN_RESP, SW_HTTP_FIN_REQ, 0,
                                    SW_HTTP_FIN_RESP};

    (void)state;
    for (size_t i = 0; i < sizeof(fins) / sizeof(fins[0]); i++) {
        struct coll c;
        struct sw_http *h = mk(NULL, &c);

        feeds(h, 0, "GET /f.bin HTTP/1.0\r\n\r\n");
        feeds(h, 1, "HTTP/1.0 200 OK\r\n\r\nsome bytes");
        sw_http_end(h, fins[i]);
        assert_int_equal(c.n, 1);
        assert_body(&c.r[0], "some bytes");
        assert_int_equal(c.r[0].truncated, (fins[i] & SW_HTTP_FIN_RESP) == 0);
        sw_http_destroy(h);
        coll_free(&c);
    }
}

#define MARKER "MARKER: the bytes a browser downloads"

/* Expand a response template: {B} the marker, {L} its length, {C} the marker chunked by 5
 * bytes ({CJ} sizes with junk after them, {CB} blank lines before them, {CV} a VT before
 * them, {CX} the marker and 40 bytes of junk chunked), {0} a NUL, {G} the marker gzipped
 * ({GR} with a reserved flag, {GT} with a wrong trailer CRC, {GD} gzipped twice), {Z} raw
 * deflate. Returns the length. */
static size_t
expand(const char *t, uint8_t *out, size_t cap)
{
    const char *m = MARKER;
    uint8_t z[512], z2[512];
    size_t o = 0, mn = strlen(m), zn;

    while (*t != '\0') {
        const char *e = t[0] == '{' ? strchr(t, '}') : NULL;
        char key[8] = "";

        if (e == NULL || e - t > 4) {
            assert_true(o < cap);
            out[o++] = (uint8_t)*t++;
            continue;
        }
        memcpy(key, t + 1, (size_t)(e - t - 1));
        t = e + 1;
        if (strcmp(key, "B") == 0) {
            memcpy(out + o, m, mn);
            o += mn;
        } else if (strcmp(key, "L") == 0) {
            o += (size_t)snprintf((char *)out + o, cap - o, "%zu", mn);
        } else if (key[0] == 'C') {
            const char *src = m;
            size_t sn = mn;
            char junked[128];

            if (strcmp(key, "CX") == 0) {
                snprintf(junked, sizeof(junked), "%s%s", m,
                         "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx");
                src = junked;
                sn = strlen(junked);
            }
            for (size_t k = 0; k < sn; k += 5) {
                size_t n = sn - k < 5 ? sn - k : 5;

                o += (size_t)snprintf((char *)out + o, cap - o, "%s%zx%s\r\n",
                                      strcmp(key, "CB") == 0   ? "\r\n"
                                      : strcmp(key, "CV") == 0 ? "\v"
                                                               : "",
                                      n, strcmp(key, "CJ") == 0 ? "x" : "");
                memcpy(out + o, src + k, n);
                o += n;
                out[o++] = '\r';
                out[o++] = '\n';
            }
            o += (size_t)snprintf((char *)out + o, cap - o, "0\r\n\r\n");
        } else if (strcmp(key, "0") == 0) {
            out[o++] = 0;
        } else if (key[0] == 'G') {
            zn = zcompress((const uint8_t *)m, mn, z, sizeof(z), 31);
            if (strcmp(key, "GR") == 0)
                z[3] |= 0x40;
            if (strcmp(key, "GT") == 0)
                z[zn - 8] ^= 0x5a;
            if (strcmp(key, "GD") == 0) {
                zn = zcompress(z, zn, z2, sizeof(z2), 31);
                memcpy(z, z2, zn);
            }
            memcpy(out + o, z, zn);
            o += zn;
        } else if (strcmp(key, "Z") == 0) {
            zn = zcompress((const uint8_t *)m, mn, z, sizeof(z), -15);
            memcpy(out + o, z, zn);
            o += zn;
        } else {
            fail_msg("unknown key {%s}", key);
        }
        assert_true(o < cap);
    }
    return o;
}

/* One response after "GET /x HTTP/1.1": where the marker must show up and what is reported. */
struct evasion {
    const char *resp;
    bool primary;        /* the body browsers read is the marker; else another reading is */
    const char *anomaly; /* reported (NULL: none at all, and no other reading) */
};

static const struct evasion evasions[] = {
    /* control: well-formed, nothing reported, nothing read twice */
    {"HTTP/1.1 200 OK\r\nContent-Length: {L}\r\n\r\n{B}", true, NULL},
    {"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n{C}", true, NULL},
    {"HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nConnection: close\r\n\r\n{G}", true, NULL},
    /* chunk sizes */
    {"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n{CJ}", true,
     "INVALID_RESPONSE_CHUNK_LEN"},
    {"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n{CB}", true, NULL},
    {"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n{CV}", true, NULL},
    {"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n{B}", true,
     "INVALID_RESPONSE_CHUNK_LEN"},
    /* Transfer-Encoding */
    {"HTTP/1.0 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n{B}", true,
     "RESPONSE_CHUNKED_OLD_PROTO"},
    {"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked;\r\n\r\n{C}", true,
     "RESPONSE_ABNORMAL_TRANSFER_ENCODING"},
    {"HTTP/1.1 200 OK\r\nTransfer-Encoding: xchunked\r\n\r\n{C}", true,
     "RESPONSE_ABNORMAL_TRANSFER_ENCODING"},
    {"HTTP/1.1 200 OK\r\nTransfer-Encoding: chu{0}nked\r\n\r\n{C}", true,
     "RESPONSE_ABNORMAL_TRANSFER_ENCODING"},
    {"HTTP/1.1 200 OK\r\nTransfer-Encoding:: chunked\r\n\r\n{C}", true,
     "RESPONSE_ABNORMAL_TRANSFER_ENCODING"},
    {"HTTP/1.1 200 OK\r\nTransfer-Encoding: \r\n chunked\r\n\r\n{C}", true,
     "INVALID_RESPONSE_FIELD_FOLDING"},
    {"HTTP/1.1 200 OK\r\nTransfer-Encoding : chunked\r\n\r\n{C}", true, "RESPONSE_HEADER_INVALID"},
    {"HTTP/1.1 200 OK\r\nTransfer-Encoding: lalala\r\nTransfer-Encoding: chunked\r\n\r\n{C}", true,
     "RESPONSE_HEADER_REPETITION"},
    {"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Length: {L}\r\n\r\n{C}", true,
     "RESPONSE_CHUNKED_WITH_CONTENT_LENGTH"},
    {"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Length: {L}\r\n\r\n{CX}", false,
     "RESPONSE_CHUNKED_WITH_CONTENT_LENGTH"},
    {"HTTP/1.1 200 OK\r\n Transfer-Encoding: chunked\r\nX: y\r\n\r\n{C}", true,
     "INVALID_RESPONSE_FIELD_FOLDING"},
    {"HTTP/1.1 200 OK\r\nX-Foo: bar\r\n Transfer-Encoding: chunked\r\n\r\n{C}", true,
     "INVALID_RESPONSE_FIELD_FOLDING"},
    /* Content-Length */
    {"HTTP/1.1 200 OK\r\nContent-Length: {L}\r\nContent-Length: 5\r\n\r\n{B}", true,
     "DUPLICATE_CONTENT_LENGTH_FIELD_IN_RESPONSE"},
    {"HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: {L}\r\n\r\n{B}", false,
     "DUPLICATE_CONTENT_LENGTH_FIELD_IN_RESPONSE"},
    {"HTTP/1.1 200 OK\r\nContent-Length: 5( {L})\r\n\r\n{B}", false,
     "INVALID_CONTENT_LENGTH_FIELD_IN_RESPONSE"},
    {"HTTP/1.1 200 OK\r\nContent-Length: {L}A\r\n\r\n{B}", true,
     "INVALID_CONTENT_LENGTH_FIELD_IN_RESPONSE"},
    /* status lines */
    {"HTTP/2.0 200 OK\r\nContent-Length: {L}\r\n\r\n{B}", true, "RESPONSE_INVALID_PROTOCOL"},
    {"http/1.1 200 OK\r\nContent-Length: {L}\r\n\r\n{B}", true, "RESPONSE_INVALID_PROTOCOL"},
    {" HTTP/1.1 200 OK\r\nContent-Length: {L}\r\n\r\n{B}", true, "RESPONSE_INVALID_PROTOCOL"},
    {"HTTP/1.1 2xx OK\r\nContent-Length: {L}\r\n\r\n{B}", true, "RESPONSE_INVALID_STATUS"},
    {"HTTP/1.1\r\nContent-Length: {L}\r\n\r\n{B}", true, "RESPONSE_INVALID_STATUS"},
    {"{B}", false, "RESPONSE_LINE_INVALID"}, /* HTTP/0.9, or a response picked up late */
    {"SIP/2.0 200 OK\r\nHTTP/1.1 200 OK\r\nContent-Length: {L}\r\n\r\n{B}", true,
     "RESPONSE_LINE_INVALID"},
    /* a body where none is due */
    {"HTTP/1.1 204 No Content\r\nContent-Length: {L}\r\n\r\n{B}", false,
     "RESPONSE_BODY_UNEXPECTED"},
    {"HTTP/1.1 100 Continue\r\nContent-Length: {L}\r\n\r\n{B}", false, "RESPONSE_BODY_UNEXPECTED"},
    {"HTTP/1.1 304 Not Modified\r\nTransfer-Encoding: chunked\r\n\r\n{C}", false,
     "RESPONSE_BODY_UNEXPECTED"},
    /* line ends */
    {"HTTP/1.1 200 OK\rContent-Length: {L}\r\n\r\n{B}", true, "RESPONSE_LINE_TERMINATOR_INVALID"},
    {"HTTP/1.1 200 OK\n\rContent-Length: {L}\n\r\r\n{B}", true, "RESPONSE_LINE_TERMINATOR_INVALID"},
    {"HTTP/1.1 200 OK\r\nContent-Length: {L}\n\r\r\n\r\n{B}", true,
     "RESPONSE_LINE_TERMINATOR_INVALID"},
    {"HTTP/1.1 200 OK\r\nContent-Length: {L}\n \n{B}", true, "RESPONSE_LINE_TERMINATOR_INVALID"},
    {"HTTP/1.1 200 OK\r\n\r\rContent-Length: {L}\r\n\r\n{B}", true,
     "RESPONSE_LINE_TERMINATOR_INVALID"},
    /* Content-Encoding */
    {"HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nContent-Encoding: gzip\r\n"
     "Connection: close\r\n\r\n{G}",
     true, "GZIP_DECOMPRESSION_FAILED"},
    {"HTTP/1.1 200 OK\r\nContent-Encoding: gzip, gzip\r\nConnection: close\r\n\r\n{GD}", true,
     NULL},
    {"HTTP/1.1 200 OK\r\nContent-Encoding: gz{0}ip\r\nConnection: close\r\n\r\n{G}", true,
     "ABNORMAL_CE_HEADER"},
    {"HTTP/1.1 200 OK\r\nContent-Encoding: x gzip\r\nConnection: close\r\n\r\n{G}", true,
     "ABNORMAL_CE_HEADER"},
    {"HTTP/1.1 200 OK\r\nContent-Encoding:\r gzip\r\nConnection: close\r\n\r\n{G}", true,
     "RESPONSE_LINE_TERMINATOR_INVALID"},
    {"HTTP/1.1 200 OK\r\nContent-Encoding: deflate\r\nConnection: close\r\n\r\n{G}", true, NULL},
    {"HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nConnection: close\r\n\r\n{Z}", true, NULL},
    {"HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nConnection: close\r\n\r\n{GR}", true,
     "GZIP_HEADER_INVALID"},
    {"HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nConnection: close\r\n\r\n{GT}", true,
     "GZIP_TRAILER_INVALID"},
    {"HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nContent-Length: {L}\r\n\r\n{B}", true,
     "GZIP_DECOMPRESSION_FAILED"},
};

static bool
read_as_marker(const struct rec *r, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (r[i].len == strlen(MARKER) && memcmp(r[i].data, MARKER, r[i].len) == 0)
            return true;
    }
    return false;
}

static void
check_evasion(const struct evasion *e, const struct coll *c, size_t i, int bytewise)
{
    bool primary = read_as_marker(c->r, c->n), any = primary || read_as_marker(c->a, c->na);

    if (!any || primary != e->primary)
        fail_msg("case %zu (%s): marker read: primary %d other %d", i,
                 bytewise ? "bytewise" : "whole", primary, any && !primary);
    if (e->anomaly == NULL && (c->nan > 0 || c->na > 0))
        fail_msg("case %zu (%s): %zu anomalies (%s), %zu other readings", i,
                 bytewise ? "bytewise" : "whole", c->nan, c->nan > 0 ? c->an[0] : "", c->na);
    if (e->anomaly != NULL && !has_anomaly(c, e->anomaly))
        fail_msg("case %zu (%s): %s not reported (%zu: %s)", i, bytewise ? "bytewise" : "whole",
                 e->anomaly, c->nan, c->nan > 0 ? c->an[0] : "");
}

/* Where the first response was due: one junk line before the status line belongs to that
 * response (HTTP Evader); more (a response picked up after its start) answer the first
 * request, so the next status line pairs with the next one. */
static void
junk_before_first_status_line_pairs_right(void **state)
{
    static const char *junk[] = {"SIP/2.0 200 OK\r\n", "\xff\xd8 end of a jpeg\n\x01\x02\n"};

    (void)state;
    for (int i = 0; i < 2; i++) {
        struct coll c;
        struct sw_http *h = mk(NULL, &c);

        feeds(h, 0, "GET /1 HTTP/1.1\r\n\r\nGET /2 HTTP/1.1\r\n\r\n");
        feeds(h, 1, junk[i]);
        feeds(h, 1, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
        assert_int_equal(c.n, 1);
        assert_string_equal(c.r[0].uri, i == 0 ? "/1" : "/2");
        assert_int_equal(c.nan, 1);
        assert_string_equal(c.an[0], "RESPONSE_LINE_INVALID");
        sw_http_destroy(h);
        coll_free(&c);
    }
}

/* Item 18: each malformation class HTTP Evader sends (suricata-verify tests/http-evader-*),
 * read as browsers and libhtp read it: the body reaches on_body as the primary reading or as
 * another one, and the malformation is reported. Fed whole, then byte by byte. */
static void
evasion_classes_reach_the_scanner_issue_9(void **state)
{
    uint8_t resp[2048];

    (void)state;
    for (size_t i = 0; i < sizeof(evasions) / sizeof(evasions[0]); i++) {
        size_t n = expand(evasions[i].resp, resp, sizeof(resp));

        for (int bytewise = 0; bytewise < 2; bytewise++) {
            struct coll c;
            struct sw_http *h = mk(NULL, &c);

            feeds(h, 0, "GET /x HTTP/1.1\r\nHost: evader.example.com\r\n\r\n");
            for (size_t k = 0; k < n; k += bytewise ? 1 : n)
                feed(h, 1, resp + k, bytewise ? 1 : n);
            sw_http_end(h, SW_HTTP_FIN_REQ | SW_HTTP_FIN_RESP);
            check_evasion(&evasions[i], &c, i, bytewise);
            sw_http_destroy(h);
            coll_free(&c);
        }
    }
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(get_200_with_content_length),
        cmocka_unit_test(post_body_is_delivered_for_the_request),
        cmocka_unit_test(chunked_with_extensions_and_trailers),
        cmocka_unit_test(pipelined_requests_pair_in_order_whatever_the_chunking),
        cmocka_unit_test(huge_chunk_size_is_capped_without_overflow),
        cmocka_unit_test(head_and_304_have_no_body),
        cmocka_unit_test(until_close_body_is_delivered_at_end),
        cmocka_unit_test(gap_in_body_sets_gaps_and_resyncs),
        cmocka_unit_test(non_http_stream_is_ignored),
        cmocka_unit_test(header_over_the_limit_stops_the_direction),
        cmocka_unit_test(allocation_failure_sweep_is_clean),
        cmocka_unit_test(create_validates_and_defaults),
        cmocka_unit_test(gzip_header_on_plain_bytes_is_reported_as_it_came_issue_9),
        cmocka_unit_test(until_close_body_cut_by_rst_is_truncated_issue_9),
        cmocka_unit_test(junk_before_first_status_line_pairs_right),
        cmocka_unit_test(evasion_classes_reach_the_scanner_issue_9),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
