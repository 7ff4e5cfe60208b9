/* fuzz_defrag.c - libFuzzer target for collectors/net/defrag.c.
 *
 * Input: one byte choosing the memcap ((b + 1) KiB), then 8-byte fragment descriptors fed to
 * one reassembler (max 16 datagrams, 10 ms timeout):
 *   [0] flags: 0x01 more fragments, 0x02 IPv6, 0x04 IPv4 options / IPv6 extension header,
 *       0x18 VLAN id (0 = untagged), 0x20 raw offset (any byte value, else 8-byte units),
 *       0x40 fail an allocation during this call, 0x80 expire far ahead after it
 *   [1..2] offset (big endian)  [3..4] data length  [5] id (top 2 bits: which allocation
 *   fails)  [6] fill byte  [7] clock step in units of 100 us
 * Checks the invariants a caller relies on: memuse <= memcap, only documented return codes,
 * a reassembled datagram's length fields, MF/M bits and IPv4 checksum, and memuse back to 0
 * once everything expired. Anything wrong aborts. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sw/alloc.h"
#include "sw/defrag.h"

#define ETH_LEN 14u
#define DESC_LEN 8u

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static uint8_t frame[ETH_LEN + 40 + 8 + 8 + 65535];

static uint32_t
be16(const uint8_t *p)
{
    return (uint32_t)p[0] << 8 | p[1];
}

static void
check(bool ok)
{
    if (!ok)
        abort();
}

static void
build(const uint8_t *desc, uint64_t ts, struct sw_packet *p)
{
    uint8_t flags = desc[0];
    uint32_t off = be16(desc + 1), len = be16(desc + 3);
    uint8_t *ip = frame + ETH_LEN;
    uint32_t data_off;

    if ((flags & 0x20) == 0)
        off = (off & 0x1fff) * 8;
    memset(p, 0, sizeof(*p));
    p->data = frame;
    p->ts_us = ts;
    p->l3_off = ETH_LEN;
    p->l4_proto = 17;
    p->frag_id = desc[5] & 0x3f;
    p->frag_offset = off;
    p->frag_more = (flags & 0x01) != 0;
    p->frag_data_len = len;
    if ((flags & 0x18) != 0) {
        p->vlan[0] = (flags >> 3) & 3;
        p->vlan_count = 1;
    }
    if ((flags & 0x02) == 0) {
        uint32_t hlen = (flags & 0x04) != 0 ? 24 : 20;

        memset(ip, 0, hlen);
        ip[0] = (uint8_t)(0x40 | hlen / 4);
        ip[9] = 17;
        memset(ip + 20, 0x01, hlen - 20);
        p->ip_version = 4;
        p->src[0] = 10;
        p->dst[0] = 11;
        data_off = ETH_LEN + hlen;
    } else {
        uint8_t *x = ip + 40;

        memset(ip, 0, 40);
        ip[0] = 0x60;
        ip[6] = 44;
        if ((flags & 0x04) != 0) {
            ip[6] = 60;
            memset(x, 0, 8);
            x[0] = 44;
            x[2] = 1;
            x[3] = 4;
            x += 8;
        }
        x[0] = 17;
        x[1] = 0;
        x[2] = (uint8_t)(off >> 8);
        x[3] = (uint8_t)((off & 0xf8) | (p->frag_more ? 1 : 0));
        memset(x + 4, 0, 4);
        x[7] = (uint8_t)p->frag_id;
        p->ip_version = 6;
        p->src[0] = 0x20;
        p->dst[0] = 0x21;
        p->frag_hdr_off = (uint32_t)(x - frame);
        data_off = p->frag_hdr_off + 8;
    }
    memset(frame + data_off, desc[6], len);
    p->frag_data_off = data_off;
    p->caplen = data_off + len;
    p->wirelen = p->caplen;
}

static void
check_output(const uint8_t *o, uint32_t len)
{
    if ((o[0] >> 4) == 4) {
        uint32_t hlen = (uint32_t)(o[0] & 0x0f) * 4, sum = 0;

        check(hlen >= 20 && len >= hlen && len <= 65535);
        check(be16(o + 2) == len);
        check((be16(o + 6) & 0x3fff) == 0x2000); /* MF set, offset 0 */
        for (uint32_t i = 0; i < hlen; i += 2)
            sum += be16(o + i);
        while (sum > 0xffff)
            sum = (sum & 0xffff) + (sum >> 16);
        check(sum == 0xffff);
    } else {
        uint32_t fh = o[6] == 44 ? 40 : 48;

        check((o[0] >> 4) == 6 && len >= fh + 8 && len - 40 <= 65535);
        check(be16(o + 4) == len - 40);
        check(o[6] == 44 || o[40] == 44);
        check(be16(o + fh + 2) == 0); /* offset 0, M clear */
    }
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct sw_defrag_cfg cfg;
    struct sw_defrag *d;
    struct sw_packet p;
    uint64_t ts = 1000000;

    if (size < 1)
        return 0;
    cfg.memcap = ((uint64_t)data[0] + 1) * 1024;
    cfg.timeout_us = 10000;
    cfg.max_trackers = 16;
    d = sw_defrag_create(&cfg, NULL);
    if (d == NULL)
        return 0;
    for (size_t i = 1; i + DESC_LEN <= size; i += DESC_LEN) {
        const uint8_t *desc = data + i;
        const uint8_t *out = NULL;
        uint32_t out_len = 0;
        bool inject = (desc[0] & 0x40) != 0;
        enum sw_rc rc;

        ts += (uint64_t)desc[7] * 100;
        build(desc, ts, &p);
        if (inject)
            sw_alloc_fail_at(1 + (desc[5] >> 6));
        rc = sw_defrag_add(d, &p, &out, &out_len);
        sw_alloc_fail_at(0);
        check(rc == SW_OK || rc == SW_EAGAIN || rc == SW_ELIMIT || rc == SW_EINVAL ||
              (rc == SW_ENOMEM && inject));
        check(sw_defrag_stats(d)->memuse <= cfg.memcap);
        if (rc == SW_OK)
            check_output(out, out_len);
        else
            check(out == NULL && out_len == 0);
        if ((desc[0] & 0x80) != 0) {
            ts += 2 * cfg.timeout_us;
            sw_defrag_expire(d, ts);
            check(sw_defrag_stats(d)->memuse == 0);
        }
    }
    /* the accounting must come back to exactly zero */
    sw_defrag_expire(d, UINT64_MAX);
    check(sw_defrag_stats(d)->memuse == 0);
    sw_defrag_destroy(d);
    return 0;
}
