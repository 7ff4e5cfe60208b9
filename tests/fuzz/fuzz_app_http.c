/* fuzz_app_http.c - libFuzzer target for collectors/net/app_http.c (with app_http_hdr.c and
 * app_http_body.c: header parsing, decoding, other readings of ambiguous messages).
 *
 * Input: one control byte, then records [b][data...]: the low 7 bits of b are the record's
 * length (0..127 bytes of data follow, fewer at the end of input), the top bit picks the
 * direction; records alternate naturally as seeds write them. A record byte 0x7f with
 * direction bit makes a gap of the next byte's value instead of data. Control byte: bit 0
 * fail one allocation (which: bits 4..7), bit 1 call sw_http_end at the end, bits 2 and 3
 * its fin bits (the request and response sides closed with a FIN).
 * Small limits (4 requests, 512-byte headers, 4 KiB bodies, 16 KiB decoded) so the cut paths
 * run; header blocks kept and announced (cfg.headers), as for the detection stage's buffers.
 * Checks: only documented return codes, body views within the limits, anomaly names
 * non-empty, every kept span inside its block, transactions numbered in order, memuse back
 * to 0 after destroy. Anything wrong aborts. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sw/alloc.h"
#include "sw/app_http.h"
#include "sw/app_http_msg.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_BODY 4096u
#define MAX_DECOMP 16384u

static void
check(bool ok)
{
    if (!ok)
        abort();
}

static void
on_body(void *ctx, const struct sw_http_body *b)
{
    volatile uint8_t sink = 0;

    (void)ctx;
    check(b->dir == 0 || b->dir == 1);
    check(b->method != NULL && b->uri != NULL && b->host != NULL && b->user_agent != NULL &&
          b->req_content_type != NULL && b->resp_content_type != NULL &&
          b->content_encoding != NULL && b->filename != NULL && b->data != NULL &&
          b->decode_failed != NULL && b->reading != NULL && b->anomaly != NULL);
    check(b->decode_error == (b->decode_failed[0] != '\0'));
    check((b->reading[0] == '\0') == (b->anomaly[0] == '\0'));
    check(b->raw_len <= MAX_BODY && b->len <= MAX_DECOMP);
    check(strchr(b->filename, '/') == NULL);
    check(b->req == NULL || b->req->tx == b->tx);
    check(b->resp == NULL || b->resp->tx == b->tx);
    /* touch every byte, so ASan sees a short buffer */
    for (size_t i = 0; i < b->len; i++)
        sink ^= b->data[i];
    sink ^= (uint8_t)(strlen(b->method) + strlen(b->uri) + strlen(b->filename));
    (void)sink;
}

static bool
span_in(const struct sw_http_msg *m, struct sw_http_span sp)
{
    return (uint64_t)sp.off + sp.len <= m->hb_len;
}

/* A kept header block: every span inside it (touched, so ASan sees a short copy). */
static void
check_kept(const struct sw_http_msg *m)
{
    volatile uint8_t sink = 0;

    check(m->hb != NULL && m->n_fields <= SW_HTTP_MAX_FIELDS);
    check(span_in(m, m->line) && span_in(m, m->method_sp) && span_in(m, m->uri_sp) &&
          span_in(m, m->proto) && span_in(m, m->stat) && span_in(m, m->stat_msg));
    for (unsigned i = 0; i < m->n_fields; i++) {
        check(span_in(m, m->fields[i].name) && span_in(m, m->fields[i].value));
        check(m->fields[i].value.off >= m->fields[i].name.off + m->fields[i].name.len);
    }
    for (uint32_t i = 0; i < m->hb_len; i++)
        sink ^= m->hb[i];
    (void)sink;
}

static uint64_t next_req_tx; /* the number the next request must have */

static void
on_message(void *ctx, const struct sw_http_message *m)
{
    (void)ctx;
    check(m->dir == 0 || m->dir == 1);
    if (m->dir == 0) {
        check(m->req != NULL && m->resp == NULL && m->tx == next_req_tx);
        next_req_tx++;
        check_kept(m->req);
    } else {
        check(m->resp != NULL && m->resp->tx == m->tx);
        check(m->req == NULL || m->req->tx == m->tx);
        check_kept(m->resp);
        if (m->req == NULL)
            next_req_tx = m->tx + 1; /* an unpaired response takes the next number */
    }
}

static void
on_anomaly(void *ctx, int dir, const char *event)
{
    (void)ctx;
    check(dir == 0 || dir == 1);
    check(event != NULL && event[0] != '\0');
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct sw_http_stats stats;
    struct sw_http_cfg cfg;
    struct sw_http_cb cb = {.on_body = on_body, .on_anomaly = on_anomaly, .on_message = on_message};
    struct sw_http *h;
    uint8_t ctl;
    size_t i = 1;

    if (size < 1)
        return 0;
    ctl = data[0];
    memset(&stats, 0, sizeof(stats));
    sw_http_cfg_defaults(&cfg);
    cfg.max_pipeline = 4;
    cfg.max_header_bytes = 512;
    cfg.max_body = MAX_BODY;
    cfg.max_decompressed = MAX_DECOMP;
    cfg.max_ratio = 50;
    cfg.max_resync = 2048;
    cfg.stats = &stats;
    cfg.headers = true;
    next_req_tx = 0;
    if (ctl & 0x01)
        sw_alloc_fail_at(1u + (ctl >> 4) * 3u);
    h = sw_http_create(&cfg, &cb, NULL, NULL);
    if (h == NULL) {
        sw_alloc_fail_at(0);
        check(stats.memuse == 0);
        return 0;
    }
    while (i < size) {
        uint8_t b = data[i++];
        int dir = b >> 7;
        size_t n = b & 0x7f;
        enum sw_rc rc;

        if (n == 0x7f) {
            if (i < size)
                sw_http_gap(h, dir, data[i++]);
            continue;
        }
        if (n > size - i)
            n = size - i;
        rc = sw_http_feed(h, dir, data + i, n);
        check(rc == SW_OK || rc == SW_ENOMEM);
        i += n;
        check(stats.memuse < 256u * 1024);
    }
    if (ctl & 0x02)
        sw_http_end(h, (ctl >> 2) & 3u);
    sw_alloc_fail_at(0);
    sw_http_destroy(h);
    check(stats.memuse == 0);
    return 0;
}
