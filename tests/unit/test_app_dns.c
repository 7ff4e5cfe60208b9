/* test_app_dns.c - unit tests of the DNS parser and TCP framing (collectors/net/app_dns.c).
 *
 * Messages are built byte by byte with the small writer below, so each test shows the wire
 * form it feeds: names as labels or compression pointers, records with their lengths. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "sw/alloc.h"
#include "sw/app_dns.h"

/* --- message writer --------------------------------------------------------------------- */

struct w {
    uint8_t b[70000];
    size_t n;
};

static void
u8(struct w *w, unsigned v)
{
    w->b[w->n++] = (uint8_t)v;
}

static void
u16(struct w *w, unsigned v)
{
    u8(w, v >> 8);
    u8(w, v & 0xff);
}

static void
u32(struct w *w, uint32_t v)
{
    u16(w, v >> 16);
    u16(w, v & 0xffff);
}

static void
bytes(struct w *w, const void *p, size_t n)
{
    memcpy(w->b + w->n, p, n);
    w->n += n;
}

/* "www.example.org" as labels and the root. */
static void
name(struct w *w, const char *dotted)
{
    const char *s = dotted;

    while (*s != '\0') {
        const char *dot = strchr(s, '.');
        size_t l = dot != NULL ? (size_t)(dot - s) : strlen(s);

        u8(w, (unsigned)l);
        bytes(w, s, l);
        s += l;
        if (*s == '.')
            s++;
    }
    u8(w, 0);
}

static void
ptr(struct w *w, unsigned off)
{
    u16(w, 0xc000u | off);
}

static void
hdr(struct w *w, unsigned id, unsigned flags, unsigned qd, unsigned an, unsigned ns, unsigned ar)
{
    w->n = 0;
    u16(w, id);
    u16(w, flags);
    u16(w, qd);
    u16(w, an);
    u16(w, ns);
    u16(w, ar);
}

/* A record header after its name: type, class IN, ttl, rdlength. */
static void
rrhead(struct w *w, unsigned type, uint32_t ttl, unsigned rdlen)
{
    u16(w, type);
    u16(w, 1);
    u32(w, ttl);
    u16(w, rdlen);
}

/* --- fixture ---------------------------------------------------------------------------- */

static struct {
    struct sw_dns_parser *p;
    struct sw_dns_stats st;
    struct w w;
} g;

static int
setup(void **state)
{
    struct sw_err err;

    (void)state;
    memset(&g.st, 0, sizeof(g.st));
    g.p = sw_dns_parser_create(NULL, &g.st, &err);
    return g.p == NULL ? -1 : 0;
}

static int
teardown(void **state)
{
    (void)state;
    sw_alloc_fail_at(0);
    sw_dns_parser_destroy(g.p);
    g.p = NULL;
    return 0;
}

static const struct sw_dns_msg *
parse_ok(void)
{
    const struct sw_dns_msg *m;

    assert_int_equal(sw_dns_parse(g.p, g.w.b, g.w.n, &m), SW_OK);
    assert_non_null(m);
    return m;
}

static void
parse_bad(void)
{
    const struct sw_dns_msg *m = (const void *)1;

    assert_int_equal(sw_dns_parse(g.p, g.w.b, g.w.n, &m), SW_EINVAL);
    assert_null(m);
}

/* --- tests ------------------------------------------------------------------------------ */

static void
query_gives_header_question_and_raw_qname(void **state)
{
    const struct sw_dns_msg *m;

    (void)state;
    hdr(&g.w, 0x1234, 0x0100, 1, 0, 0, 0);
    name(&g.w, "www.Example.org");
    u16(&g.w, 1);
    u16(&g.w, 1);
    m = parse_ok();
    assert_false(m->response);
    assert_int_equal(m->obj.id, 0x1234);
    assert_int_equal(m->obj.flags, 0x0100);
    assert_string_equal(m->obj.rcode, "NOERROR");
    assert_int_equal(m->obj.n_queries, 1);
    assert_string_equal(m->obj.queries[0].rrname, "www.Example.org"); /* case kept */
    assert_string_equal(m->obj.queries[0].rrtype, "A");
    assert_int_equal(m->n_qnames, 1);
    assert_int_equal(m->qnames[0].len, 15);
    assert_memory_equal(m->qnames[0].p, "www.Example.org", 15);
    assert_null(m->obj.answers);
    assert_int_equal(g.st.messages, 1);
}

static void
response_follows_compression_pointers(void **state)
{
    const struct sw_dns_msg *m;

    (void)state;
    hdr(&g.w, 7, 0x8180, 1, 3, 0, 0);
    name(&g.w, "www.example.org"); /* at offset 12; "example.org" at 16 */
    u16(&g.w, 1);
    u16(&g.w, 1);
    ptr(&g.w, 12); /* www.example.org CNAME example.org */
    rrhead(&g.w, 5, 3597, 2);
    ptr(&g.w, 16);
    ptr(&g.w, 16); /* example.org A 35.212.0.44 */
    rrhead(&g.w, 1, 597, 4);
    u8(&g.w, 35);
    u8(&g.w, 212);
    u8(&g.w, 0);
    u8(&g.w, 44);
    u8(&g.w, 3); /* mx1.example.org MX 10 example.org */
    bytes(&g.w, "mx1", 3);
    ptr(&g.w, 16);
    rrhead(&g.w, 15, 60, 4);
    u16(&g.w, 10);
    ptr(&g.w, 16);
    m = parse_ok();
    assert_true(m->response);
    assert_int_equal(m->obj.n_answers, 3);
    assert_string_equal(m->obj.answers[0].rrname, "www.example.org");
    assert_string_equal(m->obj.answers[0].rrtype, "CNAME");
    assert_int_equal(m->obj.answers[0].ttl, 3597);
    assert_string_equal(m->obj.answers[0].rdata, "example.org");
    assert_string_equal(m->obj.answers[1].rdata, "35.212.0.44");
    assert_string_equal(m->obj.answers[2].rrname, "mx1.example.org");
    assert_string_equal(m->obj.answers[2].rrtype, "MX");
    assert_string_equal(m->obj.answers[2].rdata, "example.org");
    assert_false(m->malformed);
}

static void
aaaa_is_written_in_full(void **state)
{
    static const uint8_t a6[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
    const struct sw_dns_msg *m;

    (void)state;
    hdr(&g.w, 1, 0x8180, 0, 1, 0, 0);
    name(&g.w, "v6.example");
    rrhead(&g.w, 28, 5, 16);
    bytes(&g.w, a6, 16);
    m = parse_ok();
    assert_string_equal(m->obj.answers[0].rdata, "2001:0db8:0000:0000:0000:0000:0000:0001");
    assert_string_equal(m->obj.answers[0].rrtype, "AAAA");
}

static void
txt_lists_one_record_per_string(void **state)
{
    const struct sw_dns_msg *m;

    (void)state;
    hdr(&g.w, 1, 0x8180, 0, 1, 0, 0);
    name(&g.w, "t.example");
    rrhead(&g.w, 16, 9, 1 + 3 + 1 + 5);
    u8(&g.w, 3);
    bytes(&g.w, "abc", 3);
    u8(&g.w, 5);
    bytes(&g.w, "v=spf", 5);
    m = parse_ok();
    assert_int_equal(m->obj.n_answers, 2);
    assert_string_equal(m->obj.answers[0].rdata, "abc");
    assert_string_equal(m->obj.answers[1].rdata, "v=spf");
    assert_string_equal(m->obj.answers[1].rrname, "t.example");
    assert_int_equal(m->obj.answers[1].ttl, 9);
}

static void
soa_srv_sshfp_in_detail_and_opt_not_listed(void **state)
{
    const struct sw_dns_msg *m;
    size_t rdl;

    (void)state;
    hdr(&g.w, 1, 0x8183, 0, 2, 1, 1);
    name(&g.w, "_sip._tcp.example"); /* 12 */
    rrhead(&g.w, 33, 100, 6 + 13);
    u16(&g.w, 1);
    u16(&g.w, 2);
    u16(&g.w, 5060);
    name(&g.w, "sip.example"); /* 13 bytes */
    ptr(&g.w, 12);
    rrhead(&g.w, 44, 100, 2 + 4);
    u8(&g.w, 1);
    u8(&g.w, 2);
    u32(&g.w, 0xdeadbeef);
    name(&g.w, "example"); /* authority SOA */
    rdl = g.w.n;
    rrhead(&g.w, 6, 3600, 0);
    size_t start = g.w.n;
    name(&g.w, "ns1.example");
    name(&g.w, "host.example");
    u32(&g.w, 2024);
    u32(&g.w, 1);
    u32(&g.w, 2);
    u32(&g.w, 3);
    u32(&g.w, 4);
    g.w.b[rdl + 8] = (uint8_t)((g.w.n - start) >> 8);
    g.w.b[rdl + 9] = (uint8_t)(g.w.n - start);
    u8(&g.w, 0); /* additional: OPT for the root */
    rrhead(&g.w, 41, 0, 0);
    m = parse_ok();
    assert_string_equal(m->obj.rcode, "NXDOMAIN");
    assert_int_equal(m->obj.n_answers, 2);
    assert_non_null(m->obj.answers[0].srv);
    assert_string_equal(m->obj.answers[0].srv->name, "sip.example");
    assert_int_equal(m->obj.answers[0].srv->port, 5060);
    assert_int_equal(m->obj.answers[0].srv->weight, 2);
    assert_string_equal(m->obj.answers[1].sshfp->fingerprint, "de:ad:be:ef");
    assert_int_equal(m->obj.answers[1].sshfp->type, 2);
    assert_int_equal(m->obj.n_authorities, 1);
    assert_string_equal(m->obj.authorities[0].soa->mname, "ns1.example");
    assert_string_equal(m->obj.authorities[0].soa->rname, "host.example");
    assert_int_equal(m->obj.authorities[0].soa->minimum, 4);
    assert_int_equal(m->obj.n_additionals, 0);
    assert_null(m->obj.additionals);
}

static void
pointer_to_itself_is_malformed(void **state)
{
    (void)state;
    hdr(&g.w, 1, 0, 1, 0, 0, 0);
    ptr(&g.w, 12); /* the question's name points at itself */
    u16(&g.w, 1);
    u16(&g.w, 1);
    parse_bad();
    assert_int_equal(g.st.malformed, 1);
}

static void
forward_pointer_is_malformed(void **state)
{
    (void)state;
    hdr(&g.w, 1, 0, 1, 0, 0, 0);
    ptr(&g.w, 18);
    u16(&g.w, 1);
    u16(&g.w, 1);
    name(&g.w, "later");
    parse_bad();
}

/* Two names whose pointers aim at each other loop in a naive parser. */
static void
mutual_pointers_are_malformed(void **state)
{
    (void)state;
    hdr(&g.w, 1, 0x8000, 2, 0, 0, 0);
    u8(&g.w, 1); /* 12: "a" then a pointer to the second name (20) */
    u8(&g.w, 'a');
    ptr(&g.w, 20);
    u16(&g.w, 1);
    u16(&g.w, 1);
    u8(&g.w, 1); /* 20: "b" then a pointer back to the first */
    u8(&g.w, 'b');
    ptr(&g.w, 12);
    u16(&g.w, 1);
    u16(&g.w, 1);
    parse_bad();
}

static void
pointer_chain_beyond_limit_is_malformed(void **state)
{
    struct sw_dns_cfg c;
    struct sw_err err;
    const struct sw_dns_msg *m;

    (void)state;
    sw_dns_cfg_defaults(&c);
    c.max_pointers = 2;
    sw_dns_parser_destroy(g.p);
    g.p = sw_dns_parser_create(&c, &g.st, &err);
    assert_non_null(g.p);
    /* names at 12 ("x"), 15 ("y" -> 12), 19 ("z" -> 15), question "w" -> 19: three jumps */
    hdr(&g.w, 1, 0, 4, 0, 0, 0);
    name(&g.w, "x");
    u16(&g.w, 1);
    u16(&g.w, 1);
    size_t y = g.w.n;
    u8(&g.w, 1);
    u8(&g.w, 'y');
    ptr(&g.w, 12);
    u16(&g.w, 1);
    u16(&g.w, 1);
    size_t z = g.w.n;
    u8(&g.w, 1);
    u8(&g.w, 'z');
    ptr(&g.w, (unsigned)y);
    u16(&g.w, 1);
    u16(&g.w, 1);
    size_t end_ok = g.w.n;
    u8(&g.w, 1);
    u8(&g.w, 'w');
    ptr(&g.w, (unsigned)z);
    u16(&g.w, 1);
    u16(&g.w, 1);
    parse_bad();
    g.w.b[5] = 3; /* without the fourth question: two jumps at most */
    g.w.n = end_ok;
    m = parse_ok();
    assert_string_equal(m->obj.queries[2].rrname, "z.y.x");
}

static void
long_name_is_cut_at_the_limit(void **state)
{
    const struct sw_dns_msg *m;
    char label[64];

    (void)state;
    memset(label, 'a', 63);
    label[63] = '\0';
    hdr(&g.w, 1, 0, 1, 0, 0, 0);
    for (int i = 0; i < 5; i++) { /* 5 * 64 - 1 = 319 bytes dotted */
        u8(&g.w, 63);
        bytes(&g.w, label, 63);
    }
    u8(&g.w, 0);
    u16(&g.w, 16);
    u16(&g.w, 1);
    m = parse_ok();
    assert_true(m->obj.queries[0].rrname_truncated);
    assert_int_equal(strlen(m->obj.queries[0].rrname), 255);
    assert_int_equal(m->qnames[0].len, 255);
    assert_true(m->truncated);
    assert_int_equal(g.st.truncated, 1);
}

static void
short_and_empty_messages_are_malformed(void **state)
{
    const struct sw_dns_msg *m;

    (void)state;
    hdr(&g.w, 1, 0, 1, 0, 0, 0);
    for (size_t n = 0; n < 12; n++)
        assert_int_equal(sw_dns_parse(g.p, g.w.b, n, &m), SW_EINVAL);
    assert_int_equal(sw_dns_parse(g.p, NULL, 0, &m), SW_EINVAL);
    name(&g.w, "cut.example");
    u16(&g.w, 1);
    u16(&g.w, 1);
    /* every cut inside the question */
    for (size_t n = 12; n < g.w.n; n++)
        assert_int_equal(sw_dns_parse(g.p, g.w.b, n, &m), SW_EINVAL);
    assert_int_equal(sw_dns_parse(g.p, g.w.b, g.w.n, &m), SW_OK);
}

static void
broken_answer_keeps_records_before_it(void **state)
{
    const struct sw_dns_msg *m;

    (void)state;
    hdr(&g.w, 1, 0x8180, 0, 3, 0, 0);
    name(&g.w, "a.example");
    rrhead(&g.w, 1, 1, 4);
    u32(&g.w, 0x0a000001);
    name(&g.w, "b.example");
    rrhead(&g.w, 1, 1, 40); /* rdlength past the end */
    u32(&g.w, 0x0a000002);
    m = parse_ok();
    assert_true(m->malformed);
    assert_int_equal(m->obj.n_answers, 1);
    assert_string_equal(m->obj.answers[0].rdata, "10.0.0.1");
    assert_int_equal(g.st.malformed, 1);
}

static void
records_beyond_max_are_counted_not_kept(void **state)
{
    struct sw_dns_cfg c;
    struct sw_err err;
    const struct sw_dns_msg *m;

    (void)state;
    sw_dns_cfg_defaults(&c);
    c.max_records = 2;
    c.max_queries = 1;
    sw_dns_parser_destroy(g.p);
    g.p = sw_dns_parser_create(&c, &g.st, &err);
    hdr(&g.w, 1, 0x8180, 2, 2, 1, 0);
    name(&g.w, "q1.example");
    u16(&g.w, 1);
    u16(&g.w, 1);
    name(&g.w, "q2.example");
    u16(&g.w, 1);
    u16(&g.w, 1);
    for (int i = 0; i < 3; i++) {
        name(&g.w, "r.example");
        rrhead(&g.w, 1, 1, 4);
        u32(&g.w, (uint32_t)i);
    }
    m = parse_ok();
    assert_int_equal(m->obj.n_queries, 1);
    assert_int_equal(m->n_qnames, 1);
    assert_int_equal(m->obj.n_answers, 2);
    assert_int_equal(m->obj.n_authorities, 0);
    assert_true(m->truncated);
    assert_false(m->malformed);
}

static void
text_is_utf8_or_escaped(void **state)
{
    const struct sw_dns_msg *m;

    (void)state;
    hdr(&g.w, 1, 0, 3, 0, 0, 0);
    u8(&g.w, 5); /* "caf\xc3\xa9" is UTF-8: kept */
    bytes(&g.w, "caf\xc3\xa9", 5);
    u8(&g.w, 0);
    u16(&g.w, 1);
    u16(&g.w, 1);
    u8(&g.w, 3); /* a lone 0xff and a NUL: escaped */
    bytes(&g.w, "a\xff", 2);
    u8(&g.w, 0);
    u8(&g.w, 0);
    u16(&g.w, 1);
    u16(&g.w, 1);
    u8(&g.w, 3); /* overlong "/" (0xc0 0xaf): escaped */
    bytes(&g.w, "\xc0\xafx", 3);
    u8(&g.w, 0);
    u16(&g.w, 1);
    u16(&g.w, 1);
    m = parse_ok();
    assert_string_equal(m->obj.queries[0].rrname, "caf\xc3\xa9");
    assert_string_equal(m->obj.queries[1].rrname, "a\\xff\\x00");
    assert_int_equal(m->qnames[1].len, 3); /* raw bytes for the buffer */
    assert_memory_equal(m->qnames[1].p, "a\xff\0", 3);
    assert_string_equal(m->obj.queries[2].rrname, "\\xc0\\xafx");
}

static void
unknown_numbers_are_written_in_decimal(void **state)
{
    const struct sw_dns_msg *m;

    (void)state;
    hdr(&g.w, 1, 0x800c, 1, 0, 0, 0); /* rcode 12 */
    name(&g.w, "x");
    u16(&g.w, 65280);
    u16(&g.w, 1);
    m = parse_ok();
    assert_string_equal(m->obj.rcode, "12");
    assert_string_equal(m->obj.queries[0].rrtype, "65280");
    assert_string_equal(sw_dns_rrtype_name(65), "HTTPS");
    assert_null(sw_dns_rrtype_name(65280));
}

static void
extended_label_types_are_malformed(void **state)
{
    (void)state;
    hdr(&g.w, 1, 0, 1, 0, 0, 0);
    u8(&g.w, 0x41);
    u8(&g.w, 0);
    u16(&g.w, 1);
    u16(&g.w, 1);
    parse_bad();
}

/* --- TCP ---------------------------------------------------------------------------------- */

static struct {
    unsigned n;
    size_t len[8];
    uint8_t first[8];
    int dir[8];
} got;

static void
on_msg(void *ctx, int dir, const uint8_t *msg, size_t len)
{
    (void)ctx;
    if (got.n < 8) {
        got.len[got.n] = len;
        got.first[got.n] = len > 0 ? msg[0] : 0;
        got.dir[got.n] = dir;
    }
    got.n++;
}

static void
tcp_frames_whole_and_split_messages(void **state)
{
    struct sw_dns_cfg c;
    struct sw_dns_tcp *t;
    uint8_t s[64];
    size_t n = 0;

    (void)state;
    memset(&got, 0, sizeof(got));
    sw_dns_cfg_defaults(&c);
    c.max_tcp_message = 20;
    t = sw_dns_tcp_create(&c, &g.st);
    assert_non_null(t);
    size_t idle = sw_dns_tcp_memuse(t);
    /* two messages of 12 and 14 bytes in one chunk, then one of 30 (skipped), then 13 */
    s[n++] = 0;
    s[n++] = 12;
    memset(s + n, 0xa1, 12);
    n += 12;
    s[n++] = 0;
    s[n++] = 14;
    memset(s + n, 0xa2, 14);
    n += 14;
    sw_dns_tcp_feed(t, 0, s, n, on_msg, NULL);
    assert_int_equal(got.n, 2);
    assert_int_equal(got.len[1], 14);
    assert_int_equal(got.first[1], 0xa2);
    uint8_t big[32] = {0, 30};
    memset(big + 2, 0xbb, 30);
    sw_dns_tcp_feed(t, 1, big, sizeof(big), on_msg, NULL);
    assert_int_equal(got.n, 2);
    assert_int_equal(g.st.tcp_skipped, 1);
    /* byte by byte: buffered, then delivered once */
    uint8_t one[15] = {0, 13};
    memset(one + 2, 0xc3, 13);
    for (size_t i = 0; i < sizeof(one); i++)
        sw_dns_tcp_feed(t, 1, one + i, 1, on_msg, NULL);
    assert_int_equal(got.n, 3);
    assert_int_equal(got.dir[2], 1);
    assert_int_equal(got.len[2], 13);
    assert_int_equal(got.first[2], 0xc3);
    assert_int_equal(sw_dns_tcp_memuse(t), idle); /* nothing held between messages */
    /* a gap stops the direction; the other one goes on */
    sw_dns_tcp_feed(t, 0, s, 5, on_msg, NULL);
    assert_true(sw_dns_tcp_memuse(t) > idle); /* 3 of 12 bytes held */
    sw_dns_tcp_gap(t, 0);
    sw_dns_tcp_feed(t, 0, s, n, on_msg, NULL);
    assert_int_equal(got.n, 3);
    assert_int_equal(g.st.tcp_gaps, 1);
    sw_dns_tcp_feed(t, 1, s, 14, on_msg, NULL);
    assert_int_equal(got.n, 4);
    sw_dns_tcp_destroy(t);
}

static void
cfg_out_of_range_names_the_key(void **state)
{
    struct sw_dns_cfg c;
    struct sw_err err;

    (void)state;
    sw_dns_cfg_defaults(&c);
    assert_int_equal(sw_dns_cfg_check(&c, "network.app.dns.", &err), SW_OK);
    c.max_pointers = 0;
    assert_int_equal(sw_dns_cfg_check(&c, "network.app.dns.", &err), SW_EINVAL);
    assert_string_equal(err.msg, "network.app.dns.max_pointers: 0 is outside 1..255");
    c.max_pointers = 256;
    assert_null(sw_dns_parser_create(&c, NULL, &err));
}

static void
allocation_failure_sweep(void **state)
{
    static const uint8_t a6[16] = {0x20, 0x01};
    char label[64];

    (void)state;
    memset(label, 'q', sizeof(label));
    /* a message needing more than the first arena block: 60 records with 255-byte names */
    hdr(&g.w, 1, 0x8180, 1, 60, 0, 0);
    for (int i = 0; i < 4; i++) {
        u8(&g.w, 63);
        bytes(&g.w, label, 63);
    }
    u8(&g.w, 0);
    u16(&g.w, 28);
    u16(&g.w, 1);
    for (int i = 0; i < 60; i++) {
        ptr(&g.w, 12);
        rrhead(&g.w, 28, 1, 16);
        bytes(&g.w, a6, 16);
    }
    for (unsigned long n = 1; n < 40; n++) {
        struct sw_dns_parser *p;
        struct sw_err err;
        const struct sw_dns_msg *m;

        sw_alloc_fail_at(n);
        p = sw_dns_parser_create(NULL, &g.st, &err);
        if (p != NULL) {
            assert_int_equal(sw_dns_parse(p, g.w.b, g.w.n, &m), SW_OK);
            assert_int_equal(m->obj.n_answers, 60);
            /* a failed arena block leaves fields NULL (absent), never dangling */
            for (unsigned i = 0; i < m->obj.n_answers; i++)
                assert_true(m->obj.answers[i].rdata == NULL ||
                            strlen(m->obj.answers[i].rdata) == 39);
        } else {
            assert_int_equal(err.code, SW_ENOMEM);
        }
        sw_alloc_fail_at(0);
        sw_dns_parser_destroy(p);
    }
}

int
main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
    const struct CMUnitTest tests[] = {
        T(query_gives_header_question_and_raw_qname),
        T(response_follows_compression_pointers),
        T(aaaa_is_written_in_full),
        T(txt_lists_one_record_per_string),
        T(soa_srv_sshfp_in_detail_and_opt_not_listed),
        T(pointer_to_itself_is_malformed),
        T(forward_pointer_is_malformed),
        T(mutual_pointers_are_malformed),
        T(pointer_chain_beyond_limit_is_malformed),
        T(long_name_is_cut_at_the_limit),
        T(short_and_empty_messages_are_malformed),
        T(broken_answer_keeps_records_before_it),
        T(records_beyond_max_are_counted_not_kept),
        T(text_is_utf8_or_escaped),
        T(unknown_numbers_are_written_in_decimal),
        T(extended_label_types_are_malformed),
        T(tcp_frames_whole_and_split_messages),
        T(cfg_out_of_range_names_the_key),
        T(allocation_failure_sweep),
    };
#undef T
    return cmocka_run_group_tests(tests, NULL, NULL);
}
