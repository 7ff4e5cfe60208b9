/* test_app_http_body.c - unit tests of collectors/net/app_http_body.c: content decoding
 * (gzip, deflate, br), decompression-bomb limits, codings that do not decode, the lenient
 * gzip header, de-chunking; end to end through the parser where the framing matters.
 *
 * Compressed inputs are made here with zlib and brotli's encoder (libbrotlienc, from the same
 * Debian package as the decoder). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <brotli/encode.h>
#include <zlib.h>

#include "sw/alloc.h"
#include "sw/app_http.h"
#include "sw/app_http_body.h"
#include "sw/err.h"

#define MAX_REC 8

struct rec {
    uint8_t *data;
    size_t len;
    uint64_t raw_len;
    bool truncated, decode_error;
    char failed[16], reading[32];
};

struct coll {
    struct rec r[MAX_REC], a[MAX_REC]; /* primary readings, other readings */
    size_t n, na;
    char an[16][64];
    size_t nan;
};

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
    r->data = malloc(b->len > 0 ? b->len : 1);
    assert_non_null(r->data);
    if (b->len > 0)
        memcpy(r->data, b->data, b->len);
    r->len = b->len;
    r->raw_len = b->raw_len;
    r->truncated = b->truncated;
    r->decode_error = b->decode_error;
    snprintf(r->failed, sizeof(r->failed), "%s", b->decode_failed);
    snprintf(r->reading, sizeof(r->reading), "%s", b->reading);
}

static void
on_anomaly(void *ctx, int dir, const char *event)
{
    struct coll *c = ctx;

    (void)dir;
    if (c->nan < 16)
        snprintf(c->an[c->nan++], sizeof(c->an[0]), "%s", event);
}

static bool
has_anomaly(const struct coll *c, const char *name)
{
    for (size_t i = 0; i < c->nan; i++) {
        if (strcmp(c->an[i], name) == 0)
            return true;
    }
    return false;
}

static void
coll_free(struct coll *c)
{
    for (size_t i = 0; i < c->n; i++)
        free(c->r[i].data);
    for (size_t i = 0; i < c->na; i++)
        free(c->a[i].data);
    memset(c, 0, sizeof(*c));
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

static size_t
bcompress(const uint8_t *src, size_t n, uint8_t *dst, size_t cap)
{
    size_t out = cap;

    assert_int_equal(BrotliEncoderCompress(9, 22, BROTLI_MODE_GENERIC, n, src, &out, dst),
                     BROTLI_TRUE);
    return out;
}

static void
serve_encoded(struct sw_http *h, const char *enc, const uint8_t *body, size_t n, bool chunked)
{
    char hdr[256];

    feeds(h, 0, "GET /z HTTP/1.1\r\n\r\n");
    if (chunked) {
        snprintf(hdr, sizeof(hdr),
                 "HTTP/1.1 200 OK\r\nContent-Encoding: %s\r\nTransfer-Encoding: chunked\r\n\r\n"
                 "%zx\r\n",
                 enc, n);
    } else {
        snprintf(hdr, sizeof(hdr),
                 "HTTP/1.1 200 OK\r\nContent-Encoding: %s\r\n"
                 "Content-Length: %zu\r\n\r\n",
                 enc, n);
    }
    feeds(h, 1, hdr);
    for (size_t i = 0; i < n; i += 7)
        feed(h, 1, body + i, n - i < 7 ? n - i : 7);
    if (chunked)
        feeds(h, 1, "\r\n0\r\n\r\n");
}

static void
fill_plain(uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        p[i] = (uint8_t)("the quick brown fox "[i % 20] + (i / 1000));
}

/* --- tests -------------------------------------------------------------------------------- */

static void
gzip_deflate_and_br_bodies_are_decoded(void **state)
{
    static const struct {
        const char *enc;
        int wbits; /* 0: brotli */
        bool chunked;
    } cases[] = {
        {"gzip", 31, false},    {"x-gzip", 31, true},    {"deflate", 15, false},
        {"deflate", -15, true}, {"DEFLATE", -15, false}, {"br", 0, false},
        {"br", 0, true},        {"deflate", 31, false}, /* gzip sent as deflate (libhtp) */
    };
    uint8_t plain[5000], z[8000];
    struct coll c;

    (void)state;
    fill_plain(plain, sizeof(plain));
    for (size_t k = 0; k < sizeof(cases) / sizeof(cases[0]); k++) {
        struct sw_http *h = mk(NULL, &c);
        size_t zn = cases[k].wbits == 0
                        ? bcompress(plain, sizeof(plain), z, sizeof(z))
                        : zcompress(plain, sizeof(plain), z, sizeof(z), cases[k].wbits);

        serve_encoded(h, cases[k].enc, z, zn, cases[k].chunked);
        assert_int_equal(c.n, 1);
        assert_int_equal(c.r[0].len, sizeof(plain));
        assert_memory_equal(c.r[0].data, plain, sizeof(plain));
        assert_int_equal(c.r[0].raw_len, zn);
        assert_false(c.r[0].decode_error || c.r[0].truncated);
        assert_int_equal(c.na + c.nan, 0);
        sw_http_destroy(h);
        coll_free(&c);
    }
}

/* Issue 9 item 16: a body whose coding does not decode is reported as it came, with the
 * coding named, and what the decoder produced before failing is a reading of its own. */
static void
corrupt_bodies_are_delivered_as_they_came_issue_9(void **state)
{
    uint8_t plain[5000], z[8000];
    struct coll c;
    struct sw_http *h;
    uLongf zn = sizeof(z);
    size_t bn;

    (void)state;
    fill_plain(plain, sizeof(plain));
    /* zlib-wrapped, corrupt in the middle: the bytes as sent, the decoded prefix beside */
    h = mk(NULL, &c);
    assert_int_equal(compress2(z, &zn, plain, sizeof(plain), 6), Z_OK);
    z[zn / 2] ^= 0xff;
    z[zn / 2 + 1] ^= 0x55;
    z[zn - 1] ^= 0x55; /* adler32 at least */
    serve_encoded(h, "deflate", z, zn, false);
    assert_int_equal(c.n, 1);
    assert_true(c.r[0].decode_error);
    assert_string_equal(c.r[0].failed, "deflate");
    assert_int_equal(c.r[0].len, zn);
    assert_memory_equal(c.r[0].data, z, zn);
    assert_int_equal(c.na, 1);
    assert_string_equal(c.a[0].reading, "partial_decode");
    assert_true(c.a[0].len > 1000); /* up to the damage, then what the damage made */
    assert_memory_equal(c.a[0].data, plain, 1000);
    assert_true(has_anomaly(&c, "GZIP_DECOMPRESSION_FAILED"));
    assert_int_equal(sw_http_get_stats(h)->decode_errors, 1);
    sw_http_destroy(h);
    coll_free(&c);

    /* brotli that is not brotli */
    h = mk(NULL, &c);
    bn = bcompress(plain, sizeof(plain), z, sizeof(z));
    memset(z + bn / 3, 0xa5, 16);
    serve_encoded(h, "br", z, bn, true);
    assert_int_equal(c.n, 1);
    assert_true(c.r[0].decode_error);
    assert_string_equal(c.r[0].failed, "br");
    assert_int_equal(c.r[0].len, bn);
    assert_true(has_anomaly(&c, "BROTLI_DECOMPRESSION_FAILED"));
    sw_http_destroy(h);
    coll_free(&c);

    /* a compressed body cut by the end is truncated, not a decode error */
    h = mk(NULL, &c);
    bn = bcompress(plain, sizeof(plain), z, sizeof(z));
    feeds(h, 0, "GET / HTTP/1.1\r\n\r\n");
    feeds(h, 1, "HTTP/1.1 200 OK\r\nContent-Encoding: br\r\nContent-Length: 9999\r\n\r\n");
    feed(h, 1, z, bn / 2);
    sw_http_end(h, SW_HTTP_FIN_REQ | SW_HTTP_FIN_RESP);
    assert_int_equal(c.n, 1);
    assert_true(c.r[0].truncated);
    assert_false(c.r[0].decode_error);
    assert_true(c.r[0].len < sizeof(plain));
    assert_memory_equal(c.r[0].data, plain, c.r[0].len);
    sw_http_destroy(h);
    coll_free(&c);
}

/* 100 MiB of zeros, compressed (zlib: gzip; else brotli) into zbuf (1 MiB). */
static size_t
bomb(uint8_t *zbuf, bool br)
{
    uint8_t *zeros = calloc(1, 1 << 20);
    size_t total = 0;

    assert_non_null(zeros);
    if (br) {
        BrotliEncoderState *e = BrotliEncoderCreateInstance(NULL, NULL, NULL);

        assert_non_null(e);
        for (int i = 0; i < 100; i++) {
            size_t in = 1 << 20, out = (1 << 20) - total;
            const uint8_t *ni = zeros;
            uint8_t *no = zbuf + total;

            assert_true(BrotliEncoderCompressStream(
                e, i == 99 ? BROTLI_OPERATION_FINISH : BROTLI_OPERATION_PROCESS, &in, &ni, &out,
                &no, NULL));
            total = (size_t)(no - zbuf);
        }
        assert_true(BrotliEncoderIsFinished(e));
        BrotliEncoderDestroyInstance(e);
    } else {
        z_stream z;

        memset(&z, 0, sizeof(z));
        assert_int_equal(deflateInit2(&z, 9, Z_DEFLATED, 31, 8, Z_DEFAULT_STRATEGY), Z_OK);
        for (int i = 0; i < 100; i++) {
            z.next_in = zeros;
            z.avail_in = 1 << 20;
            do {
                z.next_out = zbuf + total;
                z.avail_out = (uInt)((1 << 20) - total);
                assert_int_not_equal(deflate(&z, i == 99 ? Z_FINISH : Z_NO_FLUSH), Z_STREAM_ERROR);
                total = z.total_out;
            } while (z.avail_in > 0 || (i == 99 && z.avail_out == 0));
        }
        deflateEnd(&z);
    }
    free(zeros);
    assert_true(total < (1 << 20));
    return total;
}

/* The same limits for gzip and br (issue 9 item 16): max_decompressed and max_ratio. */
static void
decompression_bomb_is_capped_for_gzip_and_br(void **state)
{
    uint8_t *zbuf = malloc(1 << 20);

    (void)state;
    assert_non_null(zbuf);
    for (int br = 0; br < 2; br++) {
        size_t total = bomb(zbuf, br != 0);

        for (int pass = 0; pass < 2; pass++) {
            /* pass 0: the ratio cuts (100:1 past 1 MiB); pass 1: the absolute cap cuts */
            struct sw_http_cfg cfg;
            struct coll c;
            struct sw_http *h;
            char hdr[128];

            sw_http_cfg_defaults(&cfg);
            cfg.max_decompressed = 4u << 20;
            cfg.max_ratio = pass == 0 ? 100 : 1000000;
            h = mk(&cfg, &c);
            feeds(h, 0, "GET /bomb HTTP/1.1\r\n\r\n");
            snprintf(hdr, sizeof(hdr),
                     "HTTP/1.1 200 OK\r\nContent-Encoding: %s\r\nContent-Length: %zu\r\n\r\n",
                     br ? "br" : "gzip", total);
            feeds(h, 1, hdr);
            feed(h, 1, zbuf, total);
            assert_int_equal(c.n, 1);
            assert_true(c.r[0].truncated);
            assert_false(c.r[0].decode_error);
            assert_true(c.r[0].len <= cfg.max_decompressed);
            if (pass == 1)
                assert_int_equal(c.r[0].len, cfg.max_decompressed);
            else
                assert_true(c.r[0].len < (2u << 20));
            assert_int_equal(sw_http_get_stats(h)->bomb_cut, 1);
            assert_true(has_anomaly(&c, "COMPRESSION_BOMB"));
            assert_true(sw_http_get_stats(h)->memuse < (1u << 20));
            sw_http_destroy(h);
            coll_free(&c);
        }
    }
    free(zbuf);
}

/* gzip header oddities browsers accept (HTTP Evader): reserved flags, a wrong header CRC,
 * extra fields; a trailer with a wrong CRC or none. Decoded, and reported. */
static void
gzip_is_read_as_browsers_read_it(void **state)
{
    uint8_t plain[300], z[600], v[700];
    struct sw_http_stats st;
    struct sw_http_mem m = {.st = &st};
    struct sw_http_limits lim = {.max_out = 1 << 20, .max_ratio = 1000};
    const uint8_t gz = SW_HTTP_CODING_GZIP;
    size_t zn;

    (void)state;
    memset(&st, 0, sizeof(st));
    fill_plain(plain, sizeof(plain));
    zn = zcompress(plain, sizeof(plain), z, sizeof(z), 31);
    for (int k = 0; k < 7; k++) {
        struct sw_http_decoded res;
        size_t n = zn;
        bool hdr_odd = false, trl_odd = false;

        memcpy(v, z, zn);
        switch (k) {
        case 0: /* as made */
            break;
        case 1: /* a reserved flag bit */
            v[3] |= 0x20;
            hdr_odd = true;
            break;
        case 2: /* FHCRC with a CRC that is not the header's */
            v[3] |= 0x02;
            memmove(v + 12, z + 10, zn - 10);
            v[10] = v[11] = 0;
            n += 2;
            hdr_odd = true;
            break;
        case 3: /* FEXTRA (5 bytes) and FNAME */
            v[3] |= 0x04 | 0x08;
            memcpy(v + 10,
                   "\x05\x00"
                   "Ap\x01\x00\x00"
                   "a.txt\0",
                   13);
            memcpy(v + 23, z + 10, zn - 10);
            n += 13;
            break;
        case 4: /* a wrong CRC in the trailer */
            v[zn - 8] ^= 0xff;
            trl_odd = true;
            break;
        case 5: /* no size in the trailer */
            n -= 4;
            trl_odd = true;
            break;
        case 6: /* no trailer */
            n -= 8;
            trl_odd = true;
            break;
        }
        sw_http_decode(&m, v, n, &gz, 1, true, &lim, &res);
        assert_int_equal(res.failed, 0);
        assert_int_equal(res.len, sizeof(plain));
        assert_memory_equal(res.data, plain, sizeof(plain));
        assert_int_equal(res.gzip_header, hdr_odd);
        assert_int_equal(res.gzip_trailer, trl_odd);
        sw_http_decoded_fini(&m, &res);
        assert_int_equal(st.memuse, 0);
    }
}

/* Layers are undone last first; a layer that does not decode passes its input on. */
static void
coding_layers_pass_over_what_does_not_decode(void **state)
{
    uint8_t plain[400], z1[800], z2[1200];
    struct sw_http_stats st;
    struct sw_http_mem m = {.st = &st};
    struct sw_http_limits lim = {.max_out = 1 << 20, .max_ratio = 1000};
    const uint8_t gzip_deflate[] = {SW_HTTP_CODING_GZIP, SW_HTTP_CODING_DEFLATE};
    const uint8_t gzip_gzip[] = {SW_HTTP_CODING_GZIP, SW_HTTP_CODING_GZIP};
    struct sw_http_decoded res;
    size_t n1, n2;

    (void)state;
    memset(&st, 0, sizeof(st));
    fill_plain(plain, sizeof(plain));
    n1 = zcompress(plain, sizeof(plain), z1, sizeof(z1), 31); /* gzip */
    n2 = zcompress(z1, n1, z2, sizeof(z2), -15);              /* then deflate */
    sw_http_decode(&m, z2, n2, gzip_deflate, 2, true, &lim, &res);
    assert_int_equal(res.failed, 0);
    assert_int_equal(res.len, sizeof(plain));
    assert_memory_equal(res.data, plain, sizeof(plain));
    sw_http_decoded_fini(&m, &res);
    /* two gzip layers declared, one applied: the second passes the plain bytes on */
    sw_http_decode(&m, z1, n1, gzip_gzip, 2, true, &lim, &res);
    assert_int_equal(res.failed, SW_HTTP_CODING_GZIP);
    assert_int_equal(res.len, sizeof(plain));
    assert_memory_equal(res.data, plain, sizeof(plain));
    sw_http_decoded_fini(&m, &res);
    /* gzip declared on plain bytes: the input itself, untouched */
    sw_http_decode(&m, plain, sizeof(plain), gzip_gzip, 1, true, &lim, &res);
    assert_int_equal(res.failed, SW_HTTP_CODING_GZIP);
    assert_ptr_equal(res.data, plain);
    assert_int_equal(res.len, sizeof(plain));
    sw_http_decoded_fini(&m, &res);
    assert_int_equal(st.memuse, 0);
}

static void
dechunk_is_lenient_like_the_framing(void **state)
{
    static const struct {
        const char *in, *want;
    } cases[] = {
        {"5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n", "hello world"},
        {"5x\r\nhello\r\n\r\n\x0b"
         "6;e=1\r\n world\r\n0\r\n\r\n",
         "hello world"},
        {"5\r\nhello\r\nnot a size\r\nrest", "hellonot a size\r\nrest"},
        {"5\r\nhel", "hel"},
    };
    struct sw_http_stats st;
    struct sw_http_mem m = {.st = &st};
    struct sw_http_buf out = {.limit = 1024};

    (void)state;
    memset(&st, 0, sizeof(st));
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        out.len = 0;
        assert_true(sw_http_dechunk(&m, (const uint8_t *)cases[i].in, strlen(cases[i].in), &out));
        assert_int_equal(out.len, strlen(cases[i].want));
        assert_memory_equal(out.p, cases[i].want, out.len);
    }
    out.len = 0;
    assert_false(sw_http_dechunk(&m, (const uint8_t *)"X5O!P", 5, &out));
    sw_http_buf_fini(&m, &out);
    assert_int_equal(st.memuse, 0);
}

/* Fail allocation 1, 2, ... N of a layered decode: clean results, nothing leaked. */
static void
decode_allocation_failure_sweep_is_clean(void **state)
{
    uint8_t plain[3000], z1[4000], z2[5000];
    struct sw_http_stats st;
    struct sw_http_mem m = {.st = &st};
    struct sw_http_limits lim = {.max_out = 1 << 20, .max_ratio = 1000};
    const uint8_t codings[] = {SW_HTTP_CODING_GZIP, SW_HTTP_CODING_BR}; /* br applied last */
    size_t n1, n2;

    (void)state;
    memset(&st, 0, sizeof(st));
    fill_plain(plain, sizeof(plain));
    n1 = zcompress(plain, sizeof(plain), z1, sizeof(z1), 31);
    n2 = bcompress(z1, n1, z2, sizeof(z2));
    for (unsigned long k = 0; k < 60; k++) {
        struct sw_http_decoded res;

        sw_alloc_fail_at(k);
        sw_http_decode(&m, z2, n2, codings, 2, true, &lim, &res);
        sw_alloc_fail_at(0);
        if (k == 0) {
            assert_int_equal(res.len, sizeof(plain));
            assert_memory_equal(res.data, plain, sizeof(plain));
        }
        assert_true(res.len <= sizeof(plain) || res.failed != 0);
        sw_http_decoded_fini(&m, &res);
        assert_int_equal(st.memuse, 0);
    }
    assert_true(st.nomem > 0);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(gzip_deflate_and_br_bodies_are_decoded),
        cmocka_unit_test(corrupt_bodies_are_delivered_as_they_came_issue_9),
        cmocka_unit_test(decompression_bomb_is_capped_for_gzip_and_br),
        cmocka_unit_test(gzip_is_read_as_browsers_read_it),
        cmocka_unit_test(coding_layers_pass_over_what_does_not_decode),
        cmocka_unit_test(dechunk_is_lenient_like_the_framing),
        cmocka_unit_test(decode_allocation_failure_sweep_is_clean),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
