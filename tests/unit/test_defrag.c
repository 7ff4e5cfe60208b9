/* test_defrag.c - unit tests of collectors/net/defrag.c.
 *
 * Fragments are built by hand here (Ethernet + IPv4 or IPv6 bytes), with the struct
 * sw_packet fields filled as sw_decode_frame() fills them for SW_DECODE_FRAGMENT, so these
 * tests do not depend on the decoder. Fragment data is a pattern of its datagram offset and
 * a "salt", so a reassembled datagram can be checked byte by byte and two senders' bytes
 * told apart. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdbool.h>
#include <string.h>

#include "sw/alloc.h"
#include "sw/defrag.h"
#include "sw/err.h"

#define ETH_LEN 14u
#define FRAME_MAX (ETH_LEN + 40u + 8u * 8u + 8u + 65536u)
#define MS 1000ull
#define SEC 1000000ull

/* One fragment to build. Zero fields mean: IPv4, protocol UDP, no options, no VLAN. */
struct fspec {
    int version;      /* 4 or 6 (0 = 4) */
    uint32_t id;
    uint32_t off, len;
    bool more;
    uint64_t ts;
    uint8_t salt;     /* data pattern variant */
    uint8_t proto;    /* 0 = 17 */
    uint8_t v4_opts;  /* IPv4 option bytes, a multiple of 4 (NOPs) */
    uint8_t v6_ext;   /* IPv6: 8-byte destination-options headers before the fragment header */
    uint16_t vlan;    /* 0 = untagged */
    uint8_t src_last; /* last address byte of the source */
    uint8_t df;       /* IPv4: set DF */
    bool cut;         /* flag the packet SW_PKT_CUT */
};

static uint8_t g_frame[FRAME_MAX];
static const uint8_t *g_out;  /* last reassembled datagram (borrowed from the reassembler) */
static uint32_t g_out_len;

#define FEED(d, ...) feed((d), &(struct fspec){__VA_ARGS__})

static uint8_t
pat(uint32_t i, uint8_t salt)
{
    return (uint8_t)((i * 7u + (i >> 8) * 13u) ^ salt);
}

static void
put16(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}

static uint32_t
get16(const uint8_t *p)
{
    return (uint32_t)p[0] << 8 | p[1];
}

/* Ones' complement sum of an IPv4 header, folded: 0xffff when its checksum is right. */
static uint32_t
hdr_sum(const uint8_t *h, uint32_t len)
{
    uint32_t sum = 0;

    for (uint32_t i = 0; i < len; i += 2)
        sum += get16(h + i);
    while (sum > 0xffff)
        sum = (sum & 0xffff) + (sum >> 16);
    return sum;
}

/* Build the fragment f into g_frame and pkt, as the decoder would leave them. */
static void
build(const struct fspec *f, struct sw_packet *p)
{
    uint8_t *ip = g_frame + ETH_LEN;
    uint8_t proto = f->proto != 0 ? f->proto : 17;
    uint32_t data_off;

    memset(p, 0, sizeof(*p));
    memset(g_frame, 0, ETH_LEN);
    p->data = g_frame;
    p->ts_us = f->ts;
    p->ip_version = f->version == 6 ? 6 : 4;
    p->l3_off = ETH_LEN;
    p->l4_proto = proto;
    p->frag_id = f->id;
    p->frag_offset = f->off;
    p->frag_more = f->more;
    p->frag_data_len = f->len;
    if (f->vlan != 0) {
        p->vlan[0] = f->vlan;
        p->vlan_count = 1;
    }
    if (f->cut)
        p->flags |= SW_PKT_CUT;
    if (p->ip_version == 4) {
        uint32_t hlen = 20u + f->v4_opts;

        memset(ip, 0, hlen);
        ip[0] = (uint8_t)(0x40 | hlen / 4);
        put16(ip + 2, (hlen + f->len) & 0xffff);
        put16(ip + 4, f->id & 0xffff);
        put16(ip + 6, (f->more ? 0x2000u : 0) | (f->df ? 0x4000u : 0) | (f->off / 8 & 0x1fff));
        ip[8] = 64;
        ip[9] = proto;
        ip[12] = 10;
        ip[15] = (uint8_t)(1 + f->src_last);
        ip[16] = 10;
        ip[19] = 2;
        memset(ip + 20, 0x01, f->v4_opts);
        put16(ip + 10, 0xffff - hdr_sum(ip, hlen));
        p->src[0] = 10;
        p->src[3] = ip[15];
        p->dst[0] = 10;
        p->dst[3] = 2;
        data_off = ETH_LEN + hlen;
    } else {
        uint8_t *x = ip + 40;

        memset(ip, 0, 40);
        ip[0] = 0x60;
        put16(ip + 4, (8u * f->v6_ext + 8 + f->len) & 0xffff);
        ip[6] = f->v6_ext > 0 ? 60 : 44;
        ip[7] = 64;
        ip[8] = 0x20;
        ip[9] = 0x01;
        ip[23] = (uint8_t)(1 + f->src_last);
        ip[24] = 0x20;
        ip[25] = 0x01;
        ip[39] = 2;
        for (unsigned i = 0; i < f->v6_ext; i++, x += 8) {
            x[0] = i + 1 < f->v6_ext ? 60 : 44;
            x[1] = 0;
            x[2] = 1; /* PadN, 4 bytes */
            x[3] = 4;
            memset(x + 4, 0, 4);
        }
        p->frag_hdr_off = (uint32_t)(x - g_frame);
        x[0] = proto;
        x[1] = 0;
        put16(x + 2, (f->off & 0xfff8) | (f->more ? 1u : 0));
        x[4] = (uint8_t)(f->id >> 24);
        x[5] = (uint8_t)(f->id >> 16);
        x[6] = (uint8_t)(f->id >> 8);
        x[7] = (uint8_t)f->id;
        memcpy(p->src, ip + 8, 16);
        memcpy(p->dst, ip + 24, 16);
        data_off = p->frag_hdr_off + 8;
    }
    assert_true(data_off + f->len <= FRAME_MAX);
    for (uint32_t i = 0; i < f->len; i++)
        g_frame[data_off + i] = pat(f->off + i, f->salt);
    p->frag_data_off = data_off;
    p->caplen = data_off + f->len;
    p->wirelen = p->caplen;
}

static enum sw_rc
feed_pkt(struct sw_defrag *d, const struct sw_packet *p)
{
    enum sw_rc rc = sw_defrag_add(d, p, &g_out, &g_out_len);

    if (rc != SW_OK) {
        assert_null(g_out);
        assert_int_equal(g_out_len, 0);
    }
    return rc;
}

static enum sw_rc
feed(struct sw_defrag *d, const struct fspec *f)
{
    struct sw_packet p;

    build(f, &p);
    return feed_pkt(d, &p);
}

static struct sw_defrag *
make(uint64_t memcap, uint64_t timeout_us, uint32_t max_trackers)
{
    struct sw_defrag_cfg cfg = {memcap, timeout_us, max_trackers};
    struct sw_err err = {0};
    struct sw_defrag *d = sw_defrag_create(&cfg, &err);

    assert_non_null(d);
    return d;
}

static struct sw_defrag *
make_default(void)
{
    struct sw_defrag_cfg cfg;
    struct sw_err err = {0};
    struct sw_defrag *d;

    sw_defrag_cfg_defaults(&cfg);
    d = sw_defrag_create(&cfg, &err);
    assert_non_null(d);
    return d;
}

static const struct sw_defrag_stats *
st(const struct sw_defrag *d)
{
    return sw_defrag_stats(d);
}

/* Check g_out: an IPv4 datagram of hlen + total bytes, MF set, offset 0, right checksum,
 * data = pattern(salt). */
static void
check_v4(uint32_t hlen, uint32_t total, uint8_t salt)
{
    assert_non_null(g_out);
    assert_int_equal(g_out_len, hlen + total);
    assert_int_equal(g_out[0], 0x40 | hlen / 4);
    assert_int_equal(get16(g_out + 2), hlen + total);
    assert_int_equal(get16(g_out + 6) & 0x3fff, 0x2000); /* MF set, offset 0 */
    assert_int_equal(hdr_sum(g_out, hlen), 0xffff);
    for (uint32_t i = 0; i < total; i++) {
        if (g_out[hlen + i] != pat(i, salt))
            fail_msg("byte %u: 0x%02x, want 0x%02x", i, g_out[hlen + i], pat(i, salt));
    }
}

/* --- tests ---------------------------------------------------------------------------------- */

static void
ipv4_in_order_completes(void **state)
{
    struct sw_defrag *d = make_default();

    (void)state;
    assert_int_equal(FEED(d, .id = 7, .off = 0, .len = 1480, .more = true), SW_EAGAIN);
    assert_true(st(d)->memuse > 1480);
    assert_int_equal(FEED(d, .id = 7, .off = 1480, .len = 1480, .more = true), SW_EAGAIN);
    assert_int_equal(FEED(d, .id = 7, .off = 2960, .len = 555), SW_OK);
    check_v4(20, 3515, 0);
    assert_int_equal(g_out[9], 17);
    assert_int_equal(get16(g_out + 4), 7);
    assert_int_equal(st(d)->ipv4_fragments, 3);
    assert_int_equal(st(d)->ipv4_reassembled, 1);
    assert_int_equal(st(d)->overlaps, 0);
    assert_int_equal(st(d)->invalid, 0);
    assert_int_equal(st(d)->memuse, 0);
    sw_defrag_destroy(d);
}

static void
ipv4_reverse_order_completes(void **state)
{
    struct sw_defrag *d = make_default();

    (void)state;
    assert_int_equal(FEED(d, .id = 9, .off = 2960, .len = 1001), SW_EAGAIN);
    assert_int_equal(FEED(d, .id = 9, .off = 1480, .len = 1480, .more = true), SW_EAGAIN);
    assert_int_equal(FEED(d, .id = 9, .off = 0, .len = 1480, .more = true), SW_OK);
    check_v4(20, 3961, 0);
    assert_int_equal(st(d)->memuse, 0);
    sw_defrag_destroy(d);
}

static uint32_t
lcg(uint32_t *s)
{
    *s = *s * 1103515245u + 12345u;
    return *s >> 16;
}

static void
ipv4_shuffled_completes_on_last_missing_piece(void **state)
{
    struct sw_defrag *d = make_default();
    uint32_t order[21];

    (void)state;
    for (uint32_t seed = 1; seed <= 60; seed++) {
        uint32_t s = seed;

        for (uint32_t i = 0; i < 21; i++)
            order[i] = i;
        for (uint32_t i = 20; i > 0; i--) {
            uint32_t j = lcg(&s) % (i + 1), tmp = order[i];

            order[i] = order[j];
            order[j] = tmp;
        }
        for (uint32_t i = 0; i < 21; i++) {
            uint32_t k = order[i];
            enum sw_rc rc = FEED(d, .id = seed, .off = k * 64, .len = k == 20 ? 37 : 64,
                                 .more = k != 20, .salt = (uint8_t)seed, .ts = seed);

            assert_int_equal(rc, i == 20 ? SW_OK : SW_EAGAIN);
        }
        check_v4(20, 20 * 64 + 37, (uint8_t)seed);
    }
    assert_int_equal(st(d)->ipv4_reassembled, 60);
    assert_int_equal(st(d)->memuse, 0);
    sw_defrag_destroy(d);
}

static void
duplicates_are_overlaps_without_conflict(void **state)
{
    struct sw_defrag *d = make_default();

    (void)state;
    assert_int_equal(FEED(d, .id = 1, .off = 0, .len = 800, .more = true), SW_EAGAIN);
    assert_int_equal(FEED(d, .id = 1, .off = 0, .len = 800, .more = true), SW_EAGAIN);
    assert_int_equal(FEED(d, .id = 1, .off = 1600, .len = 100), SW_EAGAIN);
    assert_int_equal(FEED(d, .id = 1, .off = 1600, .len = 100), SW_EAGAIN);
    assert_int_equal(FEED(d, .id = 1, .off = 800, .len = 800, .more = true), SW_OK);
    check_v4(20, 1700, 0);
    assert_int_equal(st(d)->overlaps, 2);
    assert_int_equal(st(d)->overlap_conflicts, 0);
    assert_int_equal(st(d)->invalid, 0);
    /* the same id after completion starts a new datagram */
    assert_int_equal(FEED(d, .id = 1, .off = 800, .len = 800, .more = true), SW_EAGAIN);
    assert_int_equal(st(d)->overlaps, 2);
    assert_true(st(d)->memuse > 0);
    sw_defrag_destroy(d);
}

static void
overlap_keeps_first_data_and_counts_conflict(void **state)
{
    struct sw_defrag *d = make_default();

    (void)state;
    /* held [16,24) salt 1, then [0,48) salt 2 fills both sides, conflicting in the middle */
    assert_int_equal(FEED(d, .id = 3, .off = 16, .len = 8, .more = true, .salt = 1), SW_EAGAIN);
    assert_int_equal(FEED(d, .id = 3, .off = 0, .len = 48, .more = true, .salt = 2), SW_EAGAIN);
    assert_int_equal(st(d)->overlaps, 1);
    assert_int_equal(st(d)->overlap_conflicts, 1);
    /* same bytes again: an overlap, no conflict */
    assert_int_equal(FEED(d, .id = 3, .off = 40, .len = 8, .more = true, .salt = 2), SW_EAGAIN);
    assert_int_equal(st(d)->overlaps, 2);
    assert_int_equal(st(d)->overlap_conflicts, 1);
    /* the last fragment overlaps [40,48) with other bytes and brings [48,61) */
    assert_int_equal(FEED(d, .id = 3, .off = 40, .len = 21, .salt = 3), SW_OK);
    assert_int_equal(st(d)->overlaps, 3);
    assert_int_equal(st(d)->overlap_conflicts, 2);
    assert_int_equal(g_out_len, 20 + 61);
    for (uint32_t i = 0; i < 61; i++) {
        uint8_t salt = i < 16 ? 2 : i < 24 ? 1 : i < 48 ? 2 : 3;

        assert_int_equal(g_out[20 + i], pat(i, salt));
    }
    assert_int_equal(hdr_sum(g_out, 20), 0xffff);
    /* a conflicting first fragment does not replace the header held */
    assert_int_equal(FEED(d, .id = 4, .off = 0, .len = 8, .more = true, .v4_opts = 4), SW_EAGAIN);
    assert_int_equal(FEED(d, .id = 4, .off = 0, .len = 8, .more = true, .salt = 9), SW_EAGAIN);
    assert_int_equal(FEED(d, .id = 4, .off = 8, .len = 3), SW_OK);
    assert_int_equal(g_out_len, 24 + 11);
    assert_int_equal(g_out[24], pat(0, 0));
    assert_int_equal(st(d)->memuse, 0);
    sw_defrag_destroy(d);
}

static void
tiny_8_byte_fragments_complete(void **state)
{
    struct sw_defrag *d = make_default();

    (void)state;
    /* 128 blocks: odd ones first, then the last, then the even ones */
    for (uint32_t k = 1; k < 127; k += 2)
        assert_int_equal(FEED(d, .id = 5, .off = k * 8, .len = 8, .more = true), SW_EAGAIN);
    assert_int_equal(FEED(d, .id = 5, .off = 127 * 8, .len = 8), SW_EAGAIN);
    for (uint32_t k = 0; k < 126; k += 2)
        assert_int_equal(FEED(d, .id = 5, .off = k * 8, .len = 8, .more = true), SW_EAGAIN);
    assert_int_equal(FEED(d, .id = 5, .off = 126 * 8, .len = 8, .more = true), SW_OK);
    check_v4(20, 1024, 0);
    assert_int_equal(st(d)->overlaps, 0);
    assert_int_equal(st(d)->memuse, 0);
    sw_defrag_destroy(d);
}

static void
missing_middle_never_completes_and_times_out(void **state)
{
    struct sw_defrag *d = make(1u << 20, 30 * SEC, 100);
    uint64_t held;

    (void)state;
    assert_int_equal(FEED(d, .id = 11, .off = 0, .len = 64, .more = true, .ts = 5 * SEC),
                     SW_EAGAIN);
    assert_int_equal(FEED(d, .id = 11, .off = 128, .len = 10, .ts = 6 * SEC), SW_EAGAIN);
    held = st(d)->memuse;
    /* exactly timeout after the first fragment: still alive */
    assert_int_equal(FEED(d, .id = 11, .off = 0, .len = 64, .more = true, .ts = 35 * SEC),
                     SW_EAGAIN);
    assert_int_equal(st(d)->timeouts, 0);
    assert_int_equal(st(d)->memuse, held);
    /* one microsecond later it is dropped; the middle then starts a new datagram */
    assert_int_equal(FEED(d, .id = 11, .off = 64, .len = 64, .more = true, .ts = 35 * SEC + 1),
                     SW_EAGAIN);
    assert_int_equal(st(d)->timeouts, 1);
    assert_int_equal(st(d)->ipv4_reassembled, 0);
    sw_defrag_expire(d, 100 * SEC);
    assert_int_equal(st(d)->timeouts, 2);
    assert_int_equal(st(d)->memuse, 0);
    sw_defrag_destroy(d);
}

static void
expiry_pops_oldest_first_and_clock_never_goes_back(void **state)
{
    struct sw_defrag *d = make(1u << 20, 10 * MS, 100);

    (void)state;
    for (uint32_t i = 0; i < 10; i++)
        assert_int_equal(FEED(d, .id = i, .off = 8, .len = 8, .more = true, .ts = i * MS),
                         SW_EAGAIN);
    /* ids 0..4 were created more than 10 ms before 15 ms; id 5 exactly 10 ms before */
    sw_defrag_expire(d, 15 * MS);
    assert_int_equal(st(d)->timeouts, 5);
    /* a timestamp going backwards neither expires nor rewinds the clock */
    assert_int_equal(FEED(d, .id = 100, .off = 8, .len = 8, .more = true, .ts = 1), SW_EAGAIN);
    assert_int_equal(st(d)->timeouts, 5);
    sw_defrag_expire(d, 0);
    assert_int_equal(st(d)->timeouts, 5);
    /* id 100 was created at 15 ms (the clock), not at 1 us: alive at 25 ms */
    sw_defrag_expire(d, 25 * MS);
    assert_int_equal(st(d)->timeouts, 10);
    assert_int_equal(FEED(d, .id = 100, .off = 0, .len = 8, .more = true), SW_EAGAIN);
    assert_int_equal(FEED(d, .id = 100, .off = 16, .len = 1), SW_OK);
    sw_defrag_expire(d, 26 * MS);
    assert_int_equal(st(d)->timeouts, 10);
    assert_int_equal(st(d)->memuse, 0);
    sw_defrag_destroy(d);
}

static void
memcap_drops_new_data_and_recovers(void **state)
{
    struct sw_defrag *d = make_default();
    uint64_t one;

    (void)state;
    /* measure what one 1480-byte first fragment costs */
    assert_int_equal(FEED(d, .id = 1, .off = 0, .len = 1480, .more = true), SW_EAGAIN);
    one = st(d)->memuse;
    sw_defrag_destroy(d);

    d = make(one + one / 2, 30 * SEC, 100);
    assert_int_equal(FEED(d, .id = 1, .off = 0, .len = 1480, .more = true), SW_EAGAIN);
    assert_int_equal(st(d)->memuse, one);
    /* a second datagram does not fit */
    assert_int_equal(FEED(d, .id = 2, .off = 0, .len = 1480, .more = true), SW_ELIMIT);
    assert_int_equal(st(d)->memcap_drops, 1);
    /* growing the first one past memcap is dropped too; the datagram is kept */
    assert_int_equal(FEED(d, .id = 1, .off = 1480, .len = 1480, .more = true), SW_ELIMIT);
    assert_int_equal(st(d)->memcap_drops, 2);
    assert_true(st(d)->memuse <= one + one / 2);
    /* a piece that needs no memory is still taken; a small last fits exactly */
    assert_int_equal(FEED(d, .id = 1, .off = 1480, .len = 8), SW_OK);
    check_v4(20, 1488, 0);
    assert_int_equal(st(d)->memuse, 0);
    assert_int_equal(FEED(d, .id = 2, .off = 0, .len = 1480, .more = true), SW_EAGAIN);
    sw_defrag_destroy(d);

    /* memcap 0 holds nothing */
    d = make(0, 30 * SEC, 100);
    assert_int_equal(FEED(d, .id = 1, .off = 0, .len = 8, .more = true), SW_ELIMIT);
    assert_int_equal(st(d)->memuse, 0);
    sw_defrag_destroy(d);
}

static void
memcap_frees_expired_before_dropping(void **state)
{
    struct sw_defrag *d = make_default();
    uint64_t one;

    (void)state;
    assert_int_equal(FEED(d, .id = 1, .off = 0, .len = 1480, .more = true), SW_EAGAIN);
    one = st(d)->memuse;
    sw_defrag_destroy(d);

    d = make(one, 1 * SEC, 100);
    assert_int_equal(FEED(d, .id = 1, .off = 0, .len = 1480, .more = true, .ts = 0), SW_EAGAIN);
    assert_int_equal(FEED(d, .id = 2, .off = 0, .len = 1480, .more = true, .ts = SEC),
                     SW_ELIMIT);
    assert_int_equal(FEED(d, .id = 2, .off = 0, .len = 1480, .more = true, .ts = SEC + 1),
                     SW_EAGAIN);
    assert_int_equal(st(d)->timeouts, 1);
    assert_int_equal(st(d)->memcap_drops, 1);
    sw_defrag_destroy(d);
}

static void
max_trackers_limits_datagrams_not_fragments(void **state)
{
    struct sw_defrag *d = make(1u << 20, 30 * SEC, 4);

    (void)state;
    for (uint32_t id = 0; id < 4; id++)
        assert_int_equal(FEED(d, .id = id, .off = 0, .len = 16, .more = true), SW_EAGAIN);
    assert_int_equal(FEED(d, .id = 4, .off = 0, .len = 16, .more = true), SW_ELIMIT);
    assert_int_equal(st(d)->memcap_drops, 1);
    /* held datagrams still take fragments */
    assert_int_equal(FEED(d, .id = 2, .off = 16, .len = 5), SW_OK);
    assert_int_equal(FEED(d, .id = 4, .off = 0, .len = 16, .more = true), SW_EAGAIN);
    assert_int_equal(FEED(d, .id = 5, .off = 0, .len = 16, .more = true), SW_ELIMIT);
    assert_int_equal(st(d)->memcap_drops, 2);
    sw_defrag_destroy(d);

    d = make(1u << 20, 30 * SEC, 0);
    assert_int_equal(FEED(d, .id = 1, .off = 0, .len = 16, .more = true), SW_ELIMIT);
    sw_defrag_destroy(d);
}

static void
flood_of_distinct_ids_stays_within_limits(void **state)
{
    const uint64_t memcap = 256u << 10;
    struct sw_defrag *d = make(memcap, 30 * SEC, 65536);
    uint64_t held;

    (void)state;
    for (uint32_t i = 0; i < 100000; i++) {
        enum sw_rc rc = FEED(d, .id = i & 0xffff, .off = (i % 7) * 8, .len = 8 + (i % 13) * 8,
                             .more = true, .src_last = (uint8_t)(i >> 16), .ts = i);

        assert_true(rc == SW_EAGAIN || rc == SW_ELIMIT);
        assert_true(st(d)->memuse <= memcap);
    }
    held = 100000 - st(d)->memcap_drops;
    assert_true(st(d)->memcap_drops > 90000);
    sw_defrag_expire(d, 31 * SEC + 100000);
    assert_int_equal(st(d)->timeouts, held);
    assert_int_equal(st(d)->memuse, 0);
    sw_defrag_destroy(d);

    /* max_trackers binds when memcap does not */
    d = make(64u << 20, 30 * SEC, 1000);
    for (uint32_t i = 0; i < 100000; i++) {
        enum sw_rc rc = FEED(d, .version = 6, .id = i * 2654435761u, .off = 0, .len = 8,
                             .more = true, .ts = i);

        assert_true(rc == SW_EAGAIN || rc == SW_ELIMIT);
    }
    assert_int_equal(st(d)->memcap_drops, 99000);
    assert_true(st(d)->memuse < 1000 * 1024);
    sw_defrag_destroy(d);
}

static void
conflicting_last_fragments_drop_the_datagram(void **state)
{
    struct sw_defrag *d = make_default();

    (void)state;
    /* two different ends */
    assert_int_equal(FEED(d, .id = 1, .off = 0, .len = 32, .more = true), SW_EAGAIN);
    assert_int_equal(FEED(d, .id = 1, .off = 64, .len = 16), SW_EAGAIN);
    assert_int_equal(FEED(d, .id = 1, .off = 64, .len = 24), SW_EINVAL);
    assert_int_equal(st(d)->invalid, 1);
    assert_int_equal(st(d)->memuse, 0);
    /* the same end twice is a duplicate */
    assert_int_equal(FEED(d, .id = 2, .off = 64, .len = 16), SW_EAGAIN);
    assert_int_equal(FEED(d, .id = 2, .off = 64, .len = 16), SW_EAGAIN);
    assert_int_equal(FEED(d, .id = 2, .off = 0, .len = 64, .more = true), SW_OK);
    /* data past the end */
    assert_int_equal(FEED(d, .id = 3, .off = 8, .len = 72), SW_EAGAIN);
    assert_int_equal(FEED(d, .id = 3, .off = 80, .len = 8, .more = true), SW_EINVAL);
    assert_int_equal(st(d)->invalid, 2);
    assert_int_equal(st(d)->memuse, 0);
    /* a last fragment ending before data held */
    assert_int_equal(FEED(d, .id = 4, .off = 64, .len = 16, .more = true), SW_EAGAIN);
    assert_int_equal(FEED(d, .id = 4, .off = 0, .len = 48), SW_EINVAL);
    assert_int_equal(st(d)->invalid, 3);
    assert_int_equal(st(d)->memuse, 0);
    /* a last fragment whose end cuts a block held: the end is before the data held */
    assert_int_equal(FEED(d, .id = 5, .off = 0, .len = 64, .more = true), SW_EAGAIN);
    assert_int_equal(FEED(d, .id = 5, .off = 56, .len = 3), SW_EINVAL);
    assert_int_equal(st(d)->memuse, 0);
    sw_defrag_destroy(d);
}

static void
bad_lengths_and_offsets_are_invalid(void **state)
{
    struct sw_defrag *d = make_default();
    struct sw_packet p;

    (void)state;
    assert_int_equal(FEED(d, .id = 1, .off = 0, .len = 20, .more = true), SW_EINVAL);
    assert_int_equal(FEED(d, .id = 1, .off = 8, .len = 0, .more = true), SW_EINVAL);
    assert_int_equal(FEED(d, .id = 1, .off = 16, .len = 0), SW_EINVAL);
    assert_int_equal(st(d)->invalid, 3);
    assert_int_equal(st(d)->memuse, 0);
    /* an offset that is not a multiple of 8 (the wire cannot carry one) */
    build(&(struct fspec){.id = 1, .off = 8, .len = 8, .more = true}, &p);
    p.frag_offset = 12;
    assert_int_equal(feed_pkt(d, &p), SW_EINVAL);
    /* data outside the capture, or cut by snaplen */
    build(&(struct fspec){.id = 1, .off = 8, .len = 8, .more = true}, &p);
    p.caplen -= 1;
    assert_int_equal(feed_pkt(d, &p), SW_EINVAL);
    build(&(struct fspec){.id = 1, .off = 8, .len = 8, .more = true}, &p);
    p.frag_data_off = UINT32_MAX - 4;
    assert_int_equal(feed_pkt(d, &p), SW_EINVAL);
    assert_int_equal(FEED(d, .id = 1, .off = 8, .len = 8, .more = true, .cut = true), SW_EINVAL);
    /* a first fragment whose header does not fit */
    build(&(struct fspec){.id = 1, .off = 0, .len = 8, .more = true}, &p);
    p.frag_data_off = ETH_LEN + 12;
    assert_int_equal(feed_pkt(d, &p), SW_EINVAL);
    build(&(struct fspec){.version = 6, .id = 1, .off = 0, .len = 8, .more = true}, &p);
    p.frag_hdr_off = ETH_LEN + 32;
    assert_int_equal(feed_pkt(d, &p), SW_EINVAL);
    /* neither IPv4 nor IPv6 */
    build(&(struct fspec){.id = 1, .off = 8, .len = 8, .more = true}, &p);
    p.ip_version = 5;
    assert_int_equal(feed_pkt(d, &p), SW_EINVAL);
    assert_int_equal(st(d)->invalid, 10);
    assert_int_equal(st(d)->ipv4_fragments, 8);
    assert_int_equal(st(d)->ipv6_fragments, 1);
    /* a last fragment of any length is fine */
    assert_int_equal(FEED(d, .id = 1, .off = 0, .len = 20), SW_OK);
    check_v4(20, 20, 0);
    assert_int_equal(sw_defrag_add(d, NULL, &g_out, &g_out_len), SW_EINVAL);
    assert_int_equal(sw_defrag_add(NULL, &p, &g_out, &g_out_len), SW_EINVAL);
    assert_int_equal(st(d)->memuse, 0);
    sw_defrag_destroy(d);
}

static void
datagram_longer_than_65535_is_rejected(void **state)
{
    struct sw_defrag *d = make_default();
    uint32_t k;

    (void)state;
    /* IPv4: the largest datagram, 20 + 65515 bytes, in 7 x 8192 + 8171 */
    for (k = 0; k < 7; k++)
        assert_int_equal(FEED(d, .id = 1, .off = k * 8192, .len = 8192, .more = true),
                         SW_EAGAIN);
    assert_int_equal(FEED(d, .id = 1, .off = 7 * 8192, .len = 8171), SW_OK);
    check_v4(20, 65515, 0);
    /* one byte more */
    assert_int_equal(FEED(d, .id = 2, .off = 7 * 8192, .len = 8172), SW_EINVAL);
    assert_int_equal(FEED(d, .id = 2, .off = 65512, .len = 8, .more = true), SW_EINVAL);
    assert_int_equal(FEED(d, .id = 2, .off = 65528, .len = 8), SW_EINVAL);
    assert_int_equal(st(d)->invalid, 3);
    assert_int_equal(st(d)->memuse, 0);
    /* with a 24-byte first header, 65515 bytes of data no longer fit: the held datagram is
     * dropped when that header arrives */
    assert_int_equal(FEED(d, .id = 3, .off = 65504, .len = 11), SW_EAGAIN);
    assert_int_equal(FEED(d, .id = 3, .off = 0, .len = 8, .more = true, .v4_opts = 4),
                     SW_EINVAL);
    assert_int_equal(st(d)->invalid, 4);
    assert_int_equal(st(d)->memuse, 0);
    /* ... and once held, that header bounds later fragments */
    assert_int_equal(FEED(d, .id = 4, .off = 0, .len = 8, .more = true, .v4_opts = 4),
                     SW_EAGAIN);
    assert_int_equal(FEED(d, .id = 4, .off = 65504, .len = 11), SW_EINVAL);
    assert_int_equal(FEED(d, .id = 4, .off = 65504, .len = 7), SW_EAGAIN);
    assert_int_equal(st(d)->invalid, 5);

    /* IPv6: payload = 8 (fragment header) + data <= 65535 */
    assert_int_equal(FEED(d, .version = 6, .id = 1, .off = 65520, .len = 8), SW_EINVAL);
    assert_int_equal(FEED(d, .version = 6, .id = 1, .off = 65520, .len = 7), SW_EAGAIN);
    /* with one extension header the same end is too long: the datagram is dropped */
    assert_int_equal(FEED(d, .version = 6, .id = 1, .off = 0, .len = 8, .more = true,
                          .v6_ext = 1),
                     SW_EINVAL);
    assert_int_equal(st(d)->invalid, 7);
    for (k = 0; k < 7; k++)
        assert_int_equal(FEED(d, .version = 6, .id = 2, .off = k * 8192, .len = 8192,
                              .more = true, .v6_ext = 1),
                         SW_EAGAIN);
    assert_int_equal(FEED(d, .version = 6, .id = 2, .off = 7 * 8192, .len = 65519 - 7 * 8192,
                          .v6_ext = 1),
                     SW_OK);
    assert_int_equal(g_out_len, 40 + 65535);
    assert_int_equal(get16(g_out + 4), 65535);
    sw_defrag_destroy(d);
}

static void
ipv6_with_extension_header_reassembles(void **state)
{
    struct sw_defrag *d = make_default();
    const uint8_t *fh;

    (void)state;
    assert_int_equal(FEED(d, .version = 6, .id = 0xdeadbeef, .off = 1232, .len = 300,
                          .v6_ext = 1, .proto = 17),
                     SW_EAGAIN);
    assert_int_equal(FEED(d, .version = 6, .id = 0xdeadbeef, .off = 0, .len = 1232,
                          .more = true, .v6_ext = 1, .proto = 17),
                     SW_OK);
    assert_int_equal(st(d)->ipv6_reassembled, 1);
    assert_int_equal(g_out_len, 40 + 8 + 8 + 1532);
    assert_int_equal(g_out[0] >> 4, 6);
    assert_int_equal(get16(g_out + 4), 8 + 8 + 1532);
    assert_int_equal(g_out[6], 60);  /* destination options */
    assert_int_equal(g_out[40], 44); /* ... then the fragment header */
    fh = g_out + 48;
    assert_int_equal(fh[0], 17);
    assert_int_equal(get16(fh + 2), 0); /* offset 0, M clear */
    assert_int_equal(fh[4], 0xde);
    assert_int_equal(fh[7], 0xef);
    for (uint32_t i = 0; i < 1532; i++)
        assert_int_equal(g_out[56 + i], pat(i, 0));

    /* no extension header; the last fragment arrives first and the first header last */
    assert_int_equal(FEED(d, .version = 6, .id = 2, .off = 16, .len = 5), SW_EAGAIN);
    assert_int_equal(FEED(d, .version = 6, .id = 2, .off = 8, .len = 8, .more = true),
                     SW_EAGAIN);
    assert_int_equal(FEED(d, .version = 6, .id = 2, .off = 0, .len = 8, .more = true), SW_OK);
    assert_int_equal(g_out_len, 40 + 8 + 21);
    assert_int_equal(get16(g_out + 4), 8 + 21);
    assert_int_equal(g_out[6], 44);
    assert_int_equal(get16(g_out + 42), 0);
    assert_int_equal(st(d)->memuse, 0);
    sw_defrag_destroy(d);
}

static void
ipv4_output_keeps_options_df_and_sets_mf(void **state)
{
    struct sw_defrag *d = make_default();

    (void)state;
    assert_int_equal(FEED(d, .id = 0xbeef, .off = 24, .len = 40, .df = 1, .proto = 6),
                     SW_EAGAIN);
    assert_int_equal(FEED(d, .id = 0xbeef, .off = 0, .len = 24, .more = true, .v4_opts = 8,
                          .df = 1, .proto = 6),
                     SW_OK);
    check_v4(28, 64, 0);
    assert_int_equal(get16(g_out + 6), 0x6000); /* DF kept, MF set, offset 0 */
    assert_int_equal(g_out[9], 6);
    assert_int_equal(g_out[20], 0x01); /* options kept */
    assert_int_equal(g_out[27], 0x01);
    sw_defrag_destroy(d);
}

static void
different_vlans_protocols_and_sources_do_not_mix(void **state)
{
    struct sw_defrag *d = make_default();

    (void)state;
    assert_int_equal(FEED(d, .id = 1, .off = 0, .len = 8, .more = true, .vlan = 10), SW_EAGAIN);
    assert_int_equal(FEED(d, .id = 1, .off = 8, .len = 8, .vlan = 20), SW_EAGAIN);
    assert_int_equal(FEED(d, .id = 1, .off = 8, .len = 8), SW_EAGAIN);
    assert_int_equal(FEED(d, .id = 1, .off = 8, .len = 8, .vlan = 10, .proto = 6), SW_EAGAIN);
    assert_int_equal(FEED(d, .id = 1, .off = 8, .len = 8, .vlan = 10, .src_last = 1),
                     SW_EAGAIN);
    assert_int_equal(FEED(d, .version = 6, .id = 1, .off = 8, .len = 8, .vlan = 10), SW_EAGAIN);
    assert_int_equal(st(d)->ipv4_reassembled + st(d)->ipv6_reassembled, 0);
    assert_int_equal(FEED(d, .id = 1, .off = 8, .len = 8, .vlan = 10), SW_OK);
    check_v4(20, 16, 0);
    assert_int_equal(st(d)->overlaps, 0);
    sw_defrag_destroy(d);
}

static void
create_validates_and_defaults(void **state)
{
    struct sw_defrag_cfg cfg;
    struct sw_err err = {0};

    (void)state;
    assert_null(sw_defrag_create(NULL, &err));
    assert_int_equal(err.code, SW_EINVAL);
    sw_defrag_cfg_defaults(&cfg);
    assert_int_equal(cfg.memcap, 32u << 20);
    assert_int_equal(cfg.timeout_us, 30 * SEC);
    assert_int_equal(cfg.max_trackers, 65536);
    sw_defrag_destroy(NULL);
    sw_defrag_expire(NULL, 1);
}

/* One scenario that allocates at every step: create, headers, buffers, growth. A step that
 * fails with SW_ENOMEM is retried (the hook fails once), so the datagrams still complete. */
static bool
alloc_scenario(unsigned long fail_at)
{
    struct sw_defrag_cfg cfg;
    struct sw_err err = {0};
    struct sw_defrag *d;
    bool failed = false;
    int done = 0;
    static const struct fspec steps[] = {
        {.id = 1, .off = 2960, .len = 100},
        {.id = 1, .off = 0, .len = 1480, .more = true, .v4_opts = 4},
        {.version = 6, .id = 2, .off = 0, .len = 1232, .more = true, .v6_ext = 2},
        {.version = 6, .id = 2, .off = 1232, .len = 1232, .more = true},
        {.version = 6, .id = 2, .off = 2464, .len = 1232, .more = true},
        {.id = 1, .off = 1480, .len = 1480, .more = true},
        {.version = 6, .id = 2, .off = 3696, .len = 7},
    };

    sw_defrag_cfg_defaults(&cfg);
    sw_alloc_fail_at(fail_at);
    d = sw_defrag_create(&cfg, &err);
    if (d == NULL) {
        sw_alloc_fail_at(0);
        assert_int_equal(err.code, SW_ENOMEM);
        assert_true(err.msg[0] != '\0');
        return true;
    }
    for (size_t i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
        enum sw_rc rc = feed(d, &steps[i]);

        if (rc == SW_ENOMEM) {
            failed = true;
            assert_true(st(d)->memcap_drops > 0);
            rc = feed(d, &steps[i]);
        }
        assert_true(rc == SW_OK || rc == SW_EAGAIN);
        if (rc == SW_OK)
            done++;
        if (i == 5) {
            assert_int_equal(rc, SW_OK);
            check_v4(24, 3060, 0);
        }
    }
    sw_alloc_fail_at(0);
    assert_int_equal(done, 2);
    assert_int_equal(g_out_len, 40 + 16 + 8 + 3703);
    assert_int_equal(st(d)->memuse, 0);
    sw_defrag_destroy(d);
    return failed;
}

static void
allocation_failure_sweep_is_clean(void **state)
{
    unsigned long n;

    (void)state;
    for (n = 1; n < 1000; n++) {
        if (!alloc_scenario(n))
            break;
    }
    assert_true(n > 5);
    assert_true(n < 1000);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(ipv4_in_order_completes),
        cmocka_unit_test(ipv4_reverse_order_completes),
        cmocka_unit_test(ipv4_shuffled_completes_on_last_missing_piece),
        cmocka_unit_test(duplicates_are_overlaps_without_conflict),
        cmocka_unit_test(overlap_keeps_first_data_and_counts_conflict),
        cmocka_unit_test(tiny_8_byte_fragments_complete),
        cmocka_unit_test(missing_middle_never_completes_and_times_out),
        cmocka_unit_test(expiry_pops_oldest_first_and_clock_never_goes_back),
        cmocka_unit_test(memcap_drops_new_data_and_recovers),
        cmocka_unit_test(memcap_frees_expired_before_dropping),
        cmocka_unit_test(max_trackers_limits_datagrams_not_fragments),
        cmocka_unit_test(flood_of_distinct_ids_stays_within_limits),
        cmocka_unit_test(conflicting_last_fragments_drop_the_datagram),
        cmocka_unit_test(bad_lengths_and_offsets_are_invalid),
        cmocka_unit_test(datagram_longer_than_65535_is_rejected),
        cmocka_unit_test(ipv6_with_extension_header_reassembles),
        cmocka_unit_test(ipv4_output_keeps_options_df_and_sets_mf),
        cmocka_unit_test(different_vlans_protocols_and_sources_do_not_mix),
        cmocka_unit_test(create_validates_and_defaults),
        cmocka_unit_test(allocation_failure_sweep_is_clean),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
