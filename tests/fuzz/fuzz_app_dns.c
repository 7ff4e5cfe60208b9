/* fuzz_app_dns.c - libFuzzer target for collectors/net/app_dns.c.
 *
 * Input: one control byte, then the rest. Control bit 0 clear: the rest is one DNS message
 * (a UDP payload). Bit 0 set: the rest is a TCP byte stream cut into records [b][data...]
 * (low 7 bits of b: length, top bit: direction; 0x7f makes a gap instead); every framed
 * message is parsed. Bit 1: fail one allocation (which: bits 4..7). Small limits (4
 * questions, 8 records, 40-byte names, 4 pointers, 20-byte text, 300-byte TCP messages) so
 * the cut paths run. Checks: counts within the limits, every string NUL-terminated and no
 * longer than its limit allows, every span inside what it points to. Anything wrong aborts. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sw/alloc.h"
#include "sw/app_dns.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct sw_dns_cfg cfg;

static void
check(bool ok)
{
    if (!ok)
        abort();
}

/* Escaped text is at most 4 bytes per input byte. */
static void
check_str(const char *s, size_t max_raw)
{
    if (s != NULL)
        check(strlen(s) <= 4 * max_raw + 8);
}

static void
check_rrs(const struct sw_dns_rr *v, unsigned n)
{
    check((v == NULL) == (n == 0));
    for (unsigned i = 0; i < n; i++) {
        check(v[i].rrtype != NULL && v[i].rrtype[0] != '\0');
        check_str(v[i].rrname, cfg.max_name_len);
        check_str(v[i].rdata, cfg.max_name_len > cfg.max_text ? cfg.max_name_len : cfg.max_text);
        if (v[i].soa != NULL) {
            check_str(v[i].soa->mname, cfg.max_name_len);
            check_str(v[i].soa->rname, cfg.max_name_len);
        }
        if (v[i].srv != NULL)
            check_str(v[i].srv->name, cfg.max_name_len);
        if (v[i].sshfp != NULL)
            check_str(v[i].sshfp->fingerprint, cfg.max_text);
    }
}

static void
parse(struct sw_dns_parser *p, const uint8_t *msg, size_t len)
{
    const struct sw_dns_msg *m;
    enum sw_rc rc = sw_dns_parse(p, msg, len, &m);
    volatile uint8_t sink = 0;

    check(rc == SW_OK || rc == SW_EINVAL);
    if (rc != SW_OK) {
        check(m == NULL);
        return;
    }
    check(m->obj.n_queries <= cfg.max_queries && m->n_qnames == m->obj.n_queries);
    check(m->obj.n_answers + m->obj.n_authorities + m->obj.n_additionals <= cfg.max_records);
    check(m->obj.rcode != NULL);
    check_rrs(m->obj.queries, m->obj.n_queries);
    check_rrs(m->obj.answers, m->obj.n_answers);
    check_rrs(m->obj.authorities, m->obj.n_authorities);
    check_rrs(m->obj.additionals, m->obj.n_additionals);
    for (unsigned i = 0; i < m->n_qnames; i++) {
        check(m->qnames[i].len <= cfg.max_name_len);
        for (size_t k = 0; k < m->qnames[i].len; k++) /* ASan sees a short span */
            sink ^= m->qnames[i].p[k];
    }
    (void)sink;
}

static void
on_msg(void *ctx, int dir, const uint8_t *msg, size_t len)
{
    check(dir == 0 || dir == 1);
    check(len <= cfg.max_tcp_message);
    parse(ctx, msg, len);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct sw_dns_stats st;
    struct sw_dns_parser *p;
    struct sw_dns_tcp *t = NULL;
    uint8_t ctl;
    size_t i = 1;

    if (size < 1)
        return 0;
    ctl = data[0];
    memset(&st, 0, sizeof(st));
    sw_dns_cfg_defaults(&cfg);
    cfg.max_queries = 4;
    cfg.max_records = 8;
    cfg.max_name_len = 40;
    cfg.max_pointers = 4;
    cfg.max_text = 20;
    cfg.max_tcp_message = 300;
    if (ctl & 0x02)
        sw_alloc_fail_at(1u + (ctl >> 4));
    p = sw_dns_parser_create(&cfg, &st, NULL);
    if (p == NULL) {
        sw_alloc_fail_at(0);
        return 0;
    }
    if ((ctl & 0x01) == 0) {
        parse(p, data + 1, size - 1);
    } else {
        t = sw_dns_tcp_create(&cfg, &st);
        while (t != NULL && i < size) {
            uint8_t b = data[i++];
            int dir = b >> 7;
            size_t n = b & 0x7f;

            if (n == 0x7f) {
                sw_dns_tcp_gap(t, dir);
                continue;
            }
            if (n > size - i)
                n = size - i;
            sw_dns_tcp_feed(t, dir, data + i, n, on_msg, p);
            i += n;
            check(sw_dns_tcp_memuse(t) <= 2u * cfg.max_tcp_message + 1024);
        }
    }
    sw_alloc_fail_at(0);
    sw_dns_tcp_destroy(t);
    sw_dns_parser_destroy(p);
    return 0;
}
