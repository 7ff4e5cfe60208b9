/* fuzz_stream.c - libFuzzer target for collectors/net/stream.c (TCP reassembly).
 *
 * Input: a 6-byte header, then segments fed into one stream:
 *   header [0] depth ((b + 1) * 16 bytes)  [1] memcap ((b + 1) * 256 bytes)
 *          [2..5] initial sequence number (big endian)
 *   segment [0] bit 0: direction (to client), bits 1..3: TCP flags FIN SYN RST (ACK is
 *               always set), bit 4: finish this direction, bit 5: release it, bit 6: fail an
 *               allocation, bit 7: attach the consumer (a counter) to the stream
 *           [1..4] sequence offset from the ISN (big endian); the ACK field acknowledges the
 *           same offset (so a SYN-ACK at offset k answers the SYN at offset k)  [5..6]
 *           length (big endian, cut to what is left of the input), then the segment's bytes
 * Checks what callers rely on: memuse never above the memcap, a direction's data never
 * longer than the depth, FULL reported at most once per direction (per start: a direction
 * that moves to another SYN starts over), memuse back to 0 once the
 * stream is destroyed; a consumer gets readable bytes only, and once it is attached to a
 * direction without gaps, exactly the bytes of the buffer first. Anything wrong aborts. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sw/alloc.h"
#include "sw/stream.h"

#define HDR_LEN 6u
#define SEG_HDR 7u

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check(bool ok)
{
    if (!ok)
        abort();
}

struct consumer {
    uint64_t bytes[2], gaps[2];
    uint8_t first[2][4096]; /* the first bytes it got (the depth is at most 4096) */
};

static void
on_data(void *arg, enum sw_stream_dir dir, const uint8_t *data, size_t len)
{
    struct consumer *k = arg;

    check(len > 0 && data != NULL);
    for (size_t i = 0; i < len; i++) /* ASan checks every byte is readable */
        if (k->bytes[dir] + i < sizeof(k->first[dir]))
            k->first[dir][k->bytes[dir] + i] = data[i];
    k->bytes[dir] += len;
}

static void
on_gap(void *arg, enum sw_stream_dir dir, uint64_t len)
{
    struct consumer *k = arg;

    check(len > 0);
    k->gaps[dir]++;
}

static const struct sw_stream_app app = {.data = on_data, .gap = on_gap};

static uint32_t
be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct sw_stream_cfg cfg;
    struct sw_stream_ctx *c;
    struct sw_stream *s = NULL;
    struct sw_stream_stats st;
    struct sw_stream_info si;
    struct sw_err err;
    unsigned full_seen = 0;
    uint32_t restarts[2] = {0, 0};
    struct consumer k;
    uint32_t isn;
    size_t pos = HDR_LEN;

    if (size < HDR_LEN)
        return 0;
    cfg.depth = ((uint64_t)data[0] + 1) * 16;
    cfg.memcap = ((uint64_t)data[1] + 1) * 256;
    cfg.app = &app;
    memset(&k, 0, sizeof(k));
    isn = be32(data + 2);
    c = sw_stream_ctx_create(&cfg, &err);
    check(c != NULL);
    while (pos + SEG_HDR <= size) {
        const uint8_t *h = data + pos;
        enum sw_stream_dir dir = (h[0] & 1) ? SW_STREAM_TO_CLIENT : SW_STREAM_TO_SERVER;
        uint8_t flags = (uint8_t)((h[0] >> 1) & 0x07) | 0x10;
        uint32_t len = (uint32_t)h[5] << 8 | h[6];
        unsigned full;

        pos += SEG_HDR;
        if (len > size - pos)
            len = (uint32_t)(size - pos);
        if (h[0] & 0x40)
            sw_alloc_fail_at(1);
        full = sw_stream_segment(c, &s, dir, isn + be32(h + 1), isn + be32(h + 1) + 1, flags,
                                 data + pos, len);
        sw_alloc_fail_at(0);
        pos += len;
        for (int d = 0; d < 2; d++) { /* a restarted direction may fill up again */
            sw_stream_info(s, (enum sw_stream_dir)d, &si);
            check(si.restarts >= restarts[d]);
            if (si.restarts != restarts[d])
                full_seen &= ~(d == 0 ? SW_STREAM_FULL_TS : SW_STREAM_FULL_TC);
            restarts[d] = si.restarts;
        }
        check((full & full_seen) == 0);
        full_seen |= full;
        (void)sw_stream_events_take(s);
        if (h[0] & 0x10)
            sw_stream_finish(c, s, dir);
        if (h[0] & 0x20)
            sw_stream_release(c, s, dir);
        if (h[0] & 0x80)
            sw_stream_attach(c, s, &k);
        sw_stream_stats(c, &st);
        check(st.reassembly_memuse <= cfg.memcap);
        for (int d = 0; d < 2; d++) {
            sw_stream_info(s, (enum sw_stream_dir)d, &si);
            check(si.len <= cfg.depth);
            check((si.len == 0) == (si.data == NULL));
            /* A consumer without gaps got the buffer's bytes first. */
            if (sw_stream_app_arg(s) != NULL && k.gaps[d] == 0 && !si.gap && !si.released) {
                check(k.bytes[d] >= si.len);
                check(si.len == 0 || memcmp(k.first[d], si.data, si.len) == 0);
            }
            if (si.len > 0) { /* both ends readable (ASan checks the access) */
                volatile uint8_t ends = (uint8_t)(si.data[0] ^ si.data[si.len - 1]);

                (void)ends;
            }
        }
    }
    sw_stream_destroy(c, s);
    sw_stream_stats(c, &st);
    check(st.reassembly_memuse == 0);
    sw_stream_ctx_destroy(c);
    return 0;
}
