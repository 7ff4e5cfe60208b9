/* test_stream.c - unit tests of collectors/net/stream.c (TCP reassembly).
 *
 * Segments are fed with sw_stream_segment() (and one with sw_stream_packet()); data is the
 * text of the stream, so the reassembled bytes can be compared as strings. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "sw/alloc.h"
#include "sw/err.h"
#include "sw/stream.h"

#define FIN 0x01u
#define SYN 0x02u
#define RST 0x04u
#define ACK 0x10u

#define TS SW_STREAM_TO_SERVER
#define TC SW_STREAM_TO_CLIENT

static struct sw_stream_ctx *
ctx(uint64_t depth, uint64_t memcap)
{
    struct sw_stream_cfg cfg = {.depth = depth, .memcap = memcap};
    struct sw_err err;
    struct sw_stream_ctx *c = sw_stream_ctx_create(&cfg, &err);

    assert_non_null(c);
    return c;
}

/* A segment whose ACK field acknowledges `ack` (read with ACK set). */
static unsigned
seg_ack(struct sw_stream_ctx *c, struct sw_stream **s, enum sw_stream_dir d, uint32_t seq,
        uint32_t ack, uint8_t flags, const char *text)
{
    return sw_stream_segment(c, s, d, seq, ack, flags, (const uint8_t *)text,
                             (uint32_t)strlen(text));
}

/* A segment whose ACK field names nothing the stream knows. */
static unsigned
seg(struct sw_stream_ctx *c, struct sw_stream **s, enum sw_stream_dir d, uint32_t seq,
    uint8_t flags, const char *text)
{
    return seg_ack(c, s, d, seq, 0x7fff0000u, flags, text);
}

static void
expect_data(const struct sw_stream *s, enum sw_stream_dir d, const char *text)
{
    struct sw_stream_info si;

    sw_stream_info(s, d, &si);
    assert_int_equal(si.len, strlen(text));
    if (si.len > 0)
        assert_memory_equal(si.data, text, si.len);
}

static struct sw_stream_stats
stats(const struct sw_stream_ctx *c)
{
    struct sw_stream_stats st;

    sw_stream_stats(c, &st);
    return st;
}

static void
done(struct sw_stream_ctx *c, struct sw_stream *s)
{
    sw_stream_destroy(c, s);
    assert_int_equal(stats(c).reassembly_memuse, 0);
    sw_stream_ctx_destroy(c);
}

static void
in_order_segments_concatenate_per_direction(void **state)
{
    struct sw_stream_ctx *c = ctx(1 << 20, 1 << 24);
    struct sw_stream *s = NULL;
    struct sw_stream_info si;

    (void)state;
    assert_int_equal(seg(c, &s, TS, 1000, SYN, ""), 0);
    assert_int_equal(seg_ack(c, &s, TC, 5000, 1001, SYN | ACK, ""), 0);
    seg(c, &s, TS, 1001, ACK, "GET / HTTP/1.1\r\n");
    seg(c, &s, TS, 1017, ACK, "Host: x\r\n\r\n");
    seg(c, &s, TC, 5001, ACK, "HTTP/1.1 200 OK\r\n");
    expect_data(s, TS, "GET / HTTP/1.1\r\nHost: x\r\n\r\n");
    expect_data(s, TC, "HTTP/1.1 200 OK\r\n");
    sw_stream_info(s, TS, &si);
    assert_true(si.syn);
    assert_false(si.midstream);
    assert_false(si.gap);
    assert_int_equal(stats(c).segments, 3);
    assert_int_equal(stats(c).overlaps, 0);
    assert_true(stats(c).reassembly_memuse > 0);
    done(c, s);
}

static void
out_of_order_segments_are_held_until_the_hole_fills(void **state)
{
    struct sw_stream_ctx *c = ctx(1 << 20, 1 << 24);
    struct sw_stream *s = NULL;

    (void)state;
    seg(c, &s, TS, 99, SYN, "");
    seg(c, &s, TS, 106, ACK, "ghi");
    seg(c, &s, TS, 103, ACK, "defg"); /* overlaps "g" with the same byte */
    expect_data(s, TS, "");
    seg(c, &s, TS, 100, ACK, "abcd"); /* and "d" */
    expect_data(s, TS, "abcdefghi");
    assert_int_equal(stats(c).gaps, 0);
    assert_int_equal(stats(c).overlap_conflicts, 0);
    assert_int_equal(stats(c).overlaps, 2);
    done(c, s);
}

static void
retransmission_is_an_overlap_without_conflict(void **state)
{
    struct sw_stream_ctx *c = ctx(1 << 20, 1 << 24);
    struct sw_stream *s = NULL;

    (void)state;
    seg(c, &s, TS, 0, SYN, "");
    seg(c, &s, TS, 1, ACK, "hello ");
    seg(c, &s, TS, 1, ACK, "hello ");
    seg(c, &s, TS, 7, ACK, "world");
    expect_data(s, TS, "hello world");
    assert_int_equal(stats(c).overlaps, 1);
    assert_int_equal(stats(c).overlap_conflicts, 0);
    done(c, s);
}

static void
overlap_keeps_first_data_and_counts_conflict(void **state)
{
    struct sw_stream_ctx *c = ctx(1 << 20, 1 << 24);
    struct sw_stream *s = NULL;

    (void)state;
    seg(c, &s, TS, 0, SYN, "");
    seg(c, &s, TS, 1, ACK, "abcdef");
    seg(c, &s, TS, 4, ACK, "XYZghi"); /* "def" already delivered: kept */
    expect_data(s, TS, "abcdefghi");
    assert_int_equal(stats(c).overlap_conflicts, 1);
    /* The same among held segments: the first held copy wins. */
    seg(c, &s, TS, 20, ACK, "1234");
    seg(c, &s, TS, 18, ACK, "..abcd!!");
    seg(c, &s, TS, 10, ACK, "jklmnopq");
    expect_data(s, TS, "abcdefghijklmnopq..1234!!");
    assert_int_equal(stats(c).overlap_conflicts, 2);
    assert_int_equal(stats(c).overlaps, 2);
    done(c, s);
}

static void
sequence_numbers_wrap_past_2_to_the_32(void **state)
{
    struct sw_stream_ctx *c = ctx(1 << 20, 1 << 24);
    struct sw_stream *s = NULL;

    (void)state;
    seg(c, &s, TS, 0xfffffff0u, SYN, "");
    seg(c, &s, TS, 0xfffffff1u, ACK, "0123456789"); /* ends at 0xfffffffb */
    seg(c, &s, TS, 0x00000001u, ACK, "wrapped");    /* held: after the wrap */
    seg(c, &s, TS, 0xfffffffbu, ACK, "abcdef");     /* fills to 0x00000001 */
    expect_data(s, TS, "0123456789abcdefwrapped");
    assert_int_equal(stats(c).gaps, 0);
    done(c, s);
}

static void
missing_syn_starts_at_first_data(void **state)
{
    struct sw_stream_ctx *c = ctx(1 << 20, 1 << 24);
    struct sw_stream *s = NULL;
    struct sw_stream_info si;

    (void)state;
    assert_int_equal(seg(c, &s, TC, 777, ACK, ""), 0);
    assert_null(s); /* a bare ACK makes no stream */
    seg(c, &s, TC, 777, ACK, "middle ");
    seg(c, &s, TC, 770, ACK, "before middle "); /* earlier than the pickup: trimmed */
    seg(c, &s, TC, 784, ACK, "end");
    expect_data(s, TC, "middle end");
    sw_stream_info(s, TC, &si);
    assert_true(si.midstream);
    assert_false(si.syn);
    assert_false(si.gap);
    done(c, s);
}

static void
holes_become_gaps_at_finish_and_when_too_many_are_held(void **state)
{
    struct sw_stream_ctx *c = ctx(1 << 20, 1 << 24);
    struct sw_stream *s = NULL;
    struct sw_stream_info si;

    (void)state;
    seg(c, &s, TS, 0, SYN, "");
    seg(c, &s, TS, 1, ACK, "aaa");
    seg(c, &s, TS, 10, ACK, "bbb");
    seg(c, &s, TS, 20, ACK, "ccc");
    expect_data(s, TS, "aaa");
    sw_stream_finish(c, s, TS);
    expect_data(s, TS, "aaabbbccc");
    sw_stream_info(s, TS, &si);
    assert_true(si.gap);
    assert_int_equal(si.gaps, 2);
    assert_int_equal(stats(c).gaps, 2);
    /* A late copy of a skipped range is not delivered twice. */
    seg(c, &s, TS, 4, ACK, "xxxxxx");
    expect_data(s, TS, "aaabbbccc");

    /* More than SW_STREAM_MAX_HELD holes: the oldest is given up on. */
    seg(c, &s, TC, 0, SYN, "");
    for (uint32_t i = 0; i <= SW_STREAM_MAX_HELD; i++)
        seg(c, &s, TC, 10 + 10 * i, ACK, "z");
    sw_stream_info(s, TC, &si);
    assert_true(si.gap);
    assert_int_equal(si.gaps, 1);
    assert_int_equal(si.len, 1);
    done(c, s);
}

static void
rst_and_fin_are_noted(void **state)
{
    struct sw_stream_ctx *c = ctx(1 << 20, 1 << 24);
    struct sw_stream *s = NULL;
    struct sw_stream_info si;

    (void)state;
    seg(c, &s, TS, 0, SYN, "");
    seg(c, &s, TS, 1, ACK, "bye");
    seg(c, &s, TS, 4, FIN | ACK, "");
    seg(c, &s, TC, 50, RST, "");
    sw_stream_info(s, TS, &si);
    assert_true(si.fin);
    assert_false(si.rst);
    sw_stream_info(s, TC, &si);
    assert_true(si.rst);
    assert_int_equal(si.len, 0);
    expect_data(s, TS, "bye");
    done(c, s);
}

static void
depth_caps_each_direction_and_reports_once(void **state)
{
    struct sw_stream_ctx *c = ctx(8, 1 << 24);
    struct sw_stream *s = NULL;
    struct sw_stream_info si;

    (void)state;
    seg(c, &s, TS, 0, SYN, "");
    seg(c, &s, TS, 20, ACK, "held");
    assert_int_equal(seg(c, &s, TS, 1, ACK, "12345"), 0);
    assert_int_equal(seg(c, &s, TS, 6, ACK, "6789abc"), SW_STREAM_FULL_TS);
    assert_int_equal(seg(c, &s, TS, 13, ACK, "more"), 0);
    expect_data(s, TS, "12345678");
    sw_stream_info(s, TS, &si);
    assert_true(si.depth_reached);
    assert_int_equal(si.beyond_depth, 4 + 4 + 4); /* "9abc", "held" dropped, "more" */
    assert_int_equal(stats(c).depth_reached, 1);
    sw_stream_release(c, s, TS);
    sw_stream_info(s, TS, &si);
    assert_true(si.released);
    assert_int_equal(si.len, 0);
    assert_int_equal(seg(c, &s, TS, 17, ACK, "x"), 0);
    /* The other direction has its own depth. */
    assert_int_equal(seg(c, &s, TC, 100, ACK, "abcdefgh"), SW_STREAM_FULL_TC);
    done(c, s);
}

static void
memcap_refuses_segments_and_marks_a_gap(void **state)
{
    /* Room for the stream state and about one 4 KiB buffer, not for a second buffer. */
    struct sw_stream_ctx *c = ctx(1 << 20, 4096 + 1024);
    struct sw_stream *s = NULL, *s2 = NULL;
    struct sw_stream_info si;
    static char big[5000];

    (void)state;
    memset(big, 'q', sizeof(big) - 1);
    seg(c, &s, TS, 0, SYN, "");
    seg(c, &s, TS, 1, ACK, "abc");
    seg(c, &s, TS, 4, ACK, big); /* needs an 8 KiB buffer: refused */
    assert_true(stats(c).memcap_drops >= 1);
    sw_stream_info(s, TS, &si);
    assert_true(si.gap);
    assert_int_equal(si.len, 3);
    seg(c, &s, TS, 4 + 4999, ACK, "def"); /* the stream goes on after the refused bytes */
    expect_data(s, TS, "abcdef");
    /* A second flow cannot get a buffer: refused, counted, never above the cap. */
    seg(c, &s2, TC, 0, ACK, "zzz");
    assert_true(stats(c).reassembly_memuse <= 4096 + 1024);
    sw_stream_info(s2, TC, &si);
    assert_int_equal(si.len, 0);
    sw_stream_destroy(c, s2);
    done(c, s);
}

static void
packet_view_feeds_tcp_payload(void **state)
{
    struct sw_stream_ctx *c = ctx(1 << 20, 1 << 24);
    struct sw_stream *s = NULL;
    uint8_t frame[64] = {0};
    struct sw_packet p;

    (void)state;
    memcpy(frame + 54, "payload!", 8);
    memset(&p, 0, sizeof(p));
    p.data = frame;
    p.caplen = 62;
    p.l4_proto = 6;
    p.tcp_seq = 42;
    p.tcp_flags = ACK;
    p.payload_off = 54;
    p.payload_len = 8;
    sw_stream_packet(c, &s, &p, false);
    expect_data(s, TC, "payload!");
    p.payload_len = 100; /* past the frame: ignored, never read */
    p.tcp_seq = 50;
    sw_stream_packet(c, &s, &p, false);
    expect_data(s, TC, "payload!");
    p.l4_proto = 17;
    assert_int_equal(sw_stream_packet(c, &s, &p, true), 0);
    done(c, s);
}

static void
create_rejects_zero_depth(void **state)
{
    struct sw_stream_cfg cfg = {.depth = 0, .memcap = 1};
    struct sw_err err;

    (void)state;
    assert_null(sw_stream_ctx_create(&cfg, &err));
    assert_int_equal(err.code, SW_EINVAL);
}

/* One scripted run with the fail_at-th allocation failing. Returns true while a failure
 * was hit (the sweep goes on). */
static bool
run_with_failure(unsigned long fail_at)
{
    struct sw_stream_cfg cfg = {.depth = 64, .memcap = 1 << 20};
    struct sw_stream_ctx *c;
    struct sw_stream *s = NULL;
    struct sw_err err;
    struct sw_stream_stats st;

    sw_alloc_fail_at(fail_at);
    c = sw_stream_ctx_create(&cfg, &err);
    if (c == NULL) {
        sw_alloc_fail_at(0);
        assert_int_equal(err.code, SW_ENOMEM);
        return true;
    }
    seg(c, &s, TS, 0, SYN, "");
    seg(c, &s, TS, 30, ACK, "later");
    seg(c, &s, TS, 20, ACK, "middle");
    seg(c, &s, TS, 1, ACK, "first part of it");
    seg(c, &s, TC, 9, ACK, "reply");
    if (s != NULL)
        sw_stream_finish(c, s, TS);
    sw_alloc_fail_at(0);
    sw_stream_stats(c, &st);
    sw_stream_destroy(c, s);
    sw_stream_stats(c, &st);
    assert_int_equal(st.reassembly_memuse, 0);
    sw_stream_ctx_destroy(c);
    return st.memcap_drops > 0;
}

static void
allocation_failure_sweep_is_clean(void **state)
{
    unsigned long n;

    (void)state;
    for (n = 1; n < 64; n++)
        if (!run_with_failure(n))
            break;
    assert_true(n > 2);
    assert_true(n < 64);
}

/* An application consumer: what it got, as text with gaps written "<gap N>". */
struct app_log {
    char text[2][512];
};

static void
app_data_cb(void *arg, enum sw_stream_dir dir, const uint8_t *data, size_t len)
{
    struct app_log *l = arg;

    strncat(l->text[dir], (const char *)data, len);
}

static void
app_gap_cb(void *arg, enum sw_stream_dir dir, uint64_t len)
{
    struct app_log *l = arg;
    char g[32];

    snprintf(g, sizeof(g), "<gap %llu>", (unsigned long long)len);
    strcat(l->text[dir], g);
}

static const struct sw_stream_app app_ops = {.data = app_data_cb, .gap = app_gap_cb};

static struct sw_stream_ctx *
app_ctx(uint64_t depth)
{
    struct sw_stream_cfg cfg = {.depth = depth, .memcap = 1u << 20, .app = &app_ops};
    struct sw_err err;
    struct sw_stream_ctx *c = sw_stream_ctx_create(&cfg, &err);

    assert_non_null(c);
    return c;
}

/* Attaching replays what is held; later bytes follow in order, past the depth and after a
 * release too; out-of-order data past the depth is still reassembled for the consumer. */
static void
consumer_gets_every_byte_past_depth_and_release(void **state)
{
    struct sw_stream_ctx *c = app_ctx(8);
    struct sw_stream *s = NULL;
    struct app_log log;
    struct sw_stream_stats st;

    (void)state;
    memset(&log, 0, sizeof(log));
    seg(c, &s, TS, 100, SYN, "");
    seg(c, &s, TS, 101, ACK, "GET /");
    assert_false(sw_stream_app_decided(s));
    sw_stream_attach(c, s, &log);
    assert_true(sw_stream_app_decided(s));
    assert_ptr_equal(sw_stream_app_arg(s), &log);
    assert_string_equal(log.text[TS], "GET /");
    assert_int_equal(seg(c, &s, TS, 106, ACK, "abcdef"), SW_STREAM_FULL_TS);
    expect_data(s, TS, "GET /abc");            /* the buffer stops at the depth */
    assert_string_equal(log.text[TS], "GET /abcdef"); /* the consumer does not */
    sw_stream_release(c, s, TS);
    seg(c, &s, TS, 115, ACK, "JKL");           /* ahead: held for the consumer */
    assert_string_equal(log.text[TS], "GET /abcdef");
    seg(c, &s, TS, 112, ACK, "GHI");           /* fills the hole */
    assert_string_equal(log.text[TS], "GET /abcdefGHIJKL");
    seg(c, &s, TS, 120, ACK, "XY");            /* a hole that never fills */
    sw_stream_finish(c, s, TS);
    assert_string_equal(log.text[TS], "GET /abcdefGHIJKL<gap 2>XY");
    sw_stream_attach(c, s, NULL);              /* decided once: no effect */
    assert_ptr_equal(sw_stream_app_arg(s), &log);
    sw_stream_destroy(c, s);
    sw_stream_stats(c, &st);
    assert_int_equal(st.reassembly_memuse, 0);
    sw_stream_ctx_destroy(c);
}

/* Attaching after a gap and past the depth replays the buffer with its first gap in place
 * and one gap for the bytes the buffer no longer has; attach(NULL) decides "no consumer". */
static void
attach_replays_gaps_and_lost_bytes(void **state)
{
    struct sw_stream_ctx *c = app_ctx(6);
    struct sw_stream *s = NULL, *s2 = NULL;
    struct app_log log;

    (void)state;
    memset(&log, 0, sizeof(log));
    seg(c, &s, TC, 1, ACK, "ab");
    seg(c, &s, TC, 5, ACK, "ef");
    sw_stream_finish(c, s, TC);                /* "cd" never came */
    seg(c, &s, TC, 7, ACK, "ghij");            /* past the depth: "ij" are lost */
    sw_stream_attach(c, s, &log);
    assert_string_equal(log.text[TC], "ab<gap 1>efgh<gap 2>");
    seg(c, &s, TC, 11, ACK, "kl");
    assert_string_equal(log.text[TC], "ab<gap 1>efgh<gap 2>kl");
    sw_stream_destroy(c, s);

    seg(c, &s2, TS, 1, ACK, "xyz");
    sw_stream_attach(c, s2, NULL);
    assert_true(sw_stream_app_decided(s2));
    assert_null(sw_stream_app_arg(s2));
    sw_stream_release(c, s2, TS);
    seg(c, &s2, TS, 4, ACK, "more");           /* released, no consumer: ignored */
    expect_data(s2, TS, "");
    sw_stream_destroy(c, s2);
    sw_stream_ctx_destroy(c);
}

/* --- handshake (issue 9 item 15) ---------------------------------------------------------- */

static uint64_t
ev(const struct sw_stream_ctx *c, enum sw_stream_event e)
{
    return stats(c).events[e];
}

/* suricata-verify bug-7657-01: 23 SYNs with other sequence numbers, then the real handshake.
 * The first SYN used to fix the client's start for good, so the request was "before" or
 * far "ahead of" it and never reassembled. */
static void
syns_with_other_numbers_do_not_pin_the_stream_bug_7657(void **state)
{
    struct sw_stream_ctx *c = ctx(1 << 20, 1 << 24);
    struct sw_stream *s = NULL;
    struct sw_stream_info si;
    const uint32_t real = 4291095205u, srv = 1611862386u;

    (void)state;
    for (uint32_t i = 0; i < 23; i++)
        seg(c, &s, TS, 0x10000000u + i * 0x01234567u, SYN, "");
    assert_true(sw_stream_events_take(s) & (1u << SW_STREAM_EV_SYN_FLOOD));
    seg(c, &s, TS, real, SYN, "");
    seg_ack(c, &s, TC, srv, real + 1, SYN | ACK, "");
    seg_ack(c, &s, TS, real + 1, srv + 1, ACK, "");
    seg_ack(c, &s, TS, real + 1, srv + 1, ACK, "POST / HTTP/1.1\r\n");
    seg_ack(c, &s, TC, srv + 1, real + 18, ACK, "HTTP/1.1 200 OK\r\n");
    expect_data(s, TS, "POST / HTTP/1.1\r\n");
    expect_data(s, TC, "HTTP/1.1 200 OK\r\n");
    sw_stream_info(s, TS, &si);
    assert_true(si.syn);
    assert_false(si.midstream);
    assert_false(si.gap);
    assert_int_equal(si.restarts, 0); /* nothing was held on the decoys */
    assert_int_equal(ev(c, SW_STREAM_EV_SYN_RESEND_DIFF_SEQ), 23);
    assert_int_equal(ev(c, SW_STREAM_EV_SYN_FLOOD), 23 - SW_STREAM_MAX_SYN_QUEUED);
    assert_int_equal(ev(c, SW_STREAM_EV_SYNACK_WRONG_ACK), 0);
    /* the real SYN moved the client once more and pushed out the oldest decoy */
    assert_int_equal(sw_stream_events_take(s),
                     (1u << SW_STREAM_EV_SYN_RESEND_DIFF_SEQ) | (1u << SW_STREAM_EV_SYN_FLOOD));
    assert_int_equal(sw_stream_events_take(s), 0); /* taken once */
    assert_string_equal(sw_stream_event_name(SW_STREAM_EV_SYN_FLOOD), "stream.3whs_syn_flood");
    done(c, s);
}

/* The client tried other numbers after the real SYN: the SYN-ACK names the real one and the
 * client's stream goes back to it, dropping what it held on the later one (TFO data). */
static void
synack_naming_an_earlier_syn_moves_the_client_back_to_it(void **state)
{
    struct sw_stream_ctx *c = ctx(1 << 20, 1 << 24);
    struct sw_stream *s = NULL;
    struct sw_stream_info si;

    (void)state;
    seg(c, &s, TS, 1000, SYN, "");
    seg(c, &s, TS, 5000, SYN, "decoy in a SYN");
    seg(c, &s, TS, 5015, ACK, " and after it");
    expect_data(s, TS, "decoy in a SYN and after it");
    seg_ack(c, &s, TC, 9000, 1001, SYN | ACK, "");
    expect_data(s, TS, "");
    seg_ack(c, &s, TS, 1001, 9001, ACK, "real request");
    expect_data(s, TS, "real request");
    sw_stream_info(s, TS, &si);
    assert_int_equal(si.restarts, 1);
    assert_false(si.gap);
    assert_int_equal(ev(c, SW_STREAM_EV_SYN_RESEND_DIFF_SEQ), 1);
    assert_int_equal(sw_stream_events_take(s), 1u << SW_STREAM_EV_SYN_RESEND_DIFF_SEQ);
    /* the handshake chose: another SYN now is ignored, data and all */
    seg(c, &s, TS, 7000, SYN, "late");
    assert_int_equal(sw_stream_events_take(s), 1u << SW_STREAM_EV_SYN_DIFF_SEQ_ON_SYN_RECV);
    seg(c, &s, TS, 1000, SYN, ""); /* the chosen SYN again: a retransmission, no event */
    assert_int_equal(sw_stream_events_take(s), 0);
    expect_data(s, TS, "real request");
    done(c, s);
}

/* A SYN-ACK that acknowledges no SYN of the client is not the server's start: the server's
 * stream follows the SYN-ACK that does (the bogus one used to hide the response). */
static void
synack_with_a_wrong_ack_is_ignored(void **state)
{
    struct sw_stream_ctx *c = ctx(1 << 20, 1 << 24);
    struct sw_stream *s = NULL;
    struct sw_stream_info si;

    (void)state;
    seg(c, &s, TS, 100, SYN, "");
    assert_int_equal(seg_ack(c, &s, TC, 0x55555555u, 999, SYN | ACK, "x"), 0);
    assert_int_equal(sw_stream_events_take(s), 1u << SW_STREAM_EV_SYNACK_WRONG_ACK);
    sw_stream_info(s, TC, &si);
    assert_false(si.syn);
    seg_ack(c, &s, TC, 20000, 101, SYN | ACK, "");
    seg_ack(c, &s, TS, 101, 20001, ACK, "GET /");
    seg_ack(c, &s, TC, 20001, 106, ACK, "HTTP/1.1 200 OK");
    expect_data(s, TC, "HTTP/1.1 200 OK");
    /* a resent SYN-ACK acknowledging something else is ignored too */
    seg_ack(c, &s, TC, 20000, 555, SYN | ACK, "");
    assert_int_equal(sw_stream_events_take(s), 1u << SW_STREAM_EV_SYNACK_DIFF_ACK);
    assert_int_equal(ev(c, SW_STREAM_EV_SYNACK_WRONG_ACK), 1);
    assert_int_equal(ev(c, SW_STREAM_EV_SYNACK_DIFF_ACK), 1);
    done(c, s);
}

/* Two SYN-ACKs with other numbers: the client's ACK decides which is the server's start;
 * beyond SW_STREAM_MAX_SYNACK_QUEUED waiting ones, more are refused (synack_flood). */
static void
client_ack_chooses_among_synacks(void **state)
{
    struct sw_stream_ctx *c = ctx(1 << 20, 1 << 24);
    struct sw_stream *s = NULL;

    (void)state;
    seg(c, &s, TS, 100, SYN, "");
    seg_ack(c, &s, TC, 3000, 101, SYN | ACK, "");
    for (uint32_t i = 1; i <= SW_STREAM_MAX_SYNACK_QUEUED + 1; i++)
        seg_ack(c, &s, TC, 3000 + i * 1000, 101, SYN | ACK, "");
    assert_int_equal(ev(c, SW_STREAM_EV_SYNACK_FLOOD), 1);
    seg_ack(c, &s, TC, 3001, 101, ACK, "stale"); /* on the first SYN-ACK, for now */
    seg_ack(c, &s, TS, 101, 5001, ACK, "");      /* the client answers the third */
    seg_ack(c, &s, TC, 5001, 101, ACK, "chosen");
    expect_data(s, TC, "chosen");
    seg_ack(c, &s, TS, 101, 5007, ACK, "GET /");
    expect_data(s, TS, "GET /");
    done(c, s);
}

/* Bytes held on a SYN that the handshake did not take reach a consumer first: it gets a gap
 * before the real connection's bytes, so it resynchronises instead of gluing them. */
static void
consumer_gets_a_gap_when_the_client_moves_to_another_syn(void **state)
{
    struct sw_stream_ctx *c = app_ctx(1 << 16);
    struct sw_stream *s = NULL;
    struct app_log log;

    (void)state;
    memset(&log, 0, sizeof(log));
    seg(c, &s, TS, 40, SYN, "");
    seg(c, &s, TS, 41, ACK, "GET /decoy");
    sw_stream_attach(c, s, &log);
    seg(c, &s, TS, 7000, SYN, "");
    seg_ack(c, &s, TC, 100, 7001, SYN | ACK, "");
    seg_ack(c, &s, TS, 7001, 101, ACK, "GET /real");
    assert_string_equal(log.text[TS], "GET /decoy<gap 1>GET /real");
    expect_data(s, TS, "GET /real");
    done(c, s);
}

/* A direction that reached the depth on a decoy's bytes (and was scanned and released)
 * starts over on the real SYN: the real bytes are kept and reported full again. */
static void
depth_reached_on_decoy_bytes_does_not_hide_the_real_ones(void **state)
{
    struct sw_stream_ctx *c = ctx(8, 1 << 24);
    struct sw_stream *s = NULL;
    struct sw_stream_info si;

    (void)state;
    seg(c, &s, TS, 10, SYN, "");
    assert_int_equal(seg(c, &s, TS, 11, ACK, "12345678"), SW_STREAM_FULL_TS);
    sw_stream_release(c, s, TS);
    seg(c, &s, TS, 900, SYN, "");
    seg_ack(c, &s, TC, 50, 901, SYN | ACK, "");
    assert_int_equal(seg_ack(c, &s, TS, 901, 51, ACK, "EVILBODY"), SW_STREAM_FULL_TS);
    expect_data(s, TS, "EVILBODY");
    sw_stream_info(s, TS, &si);
    assert_false(si.released);
    assert_int_equal(si.restarts, 1);
    done(c, s);
}

/* Only a SYN-ACK chooses the client's start: a server answering a decoy SYN with RST-ACK (or
 * a bare ACK) does not, and the real SYN after it still counts. */
static void
server_rst_or_ack_to_a_decoy_syn_does_not_choose_it(void **state)
{
    struct sw_stream_ctx *c = ctx(1 << 20, 1 << 24);
    struct sw_stream *s = NULL;

    (void)state;
    seg(c, &s, TS, 3000, SYN, "");
    seg_ack(c, &s, TC, 0, 3001, RST | ACK, "");
    seg_ack(c, &s, TC, 0, 3001, ACK, "");
    seg(c, &s, TS, 8000, SYN, "");
    seg_ack(c, &s, TC, 60000, 8001, SYN | ACK, "");
    seg_ack(c, &s, TS, 8001, 60001, ACK, "real");
    expect_data(s, TS, "real");
    assert_int_equal(ev(c, SW_STREAM_EV_SYN_DIFF_SEQ_ON_SYN_RECV), 0);
    assert_int_equal(ev(c, SW_STREAM_EV_SYNACK_WRONG_ACK), 0);
    done(c, s);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(in_order_segments_concatenate_per_direction),
        cmocka_unit_test(out_of_order_segments_are_held_until_the_hole_fills),
        cmocka_unit_test(retransmission_is_an_overlap_without_conflict),
        cmocka_unit_test(overlap_keeps_first_data_and_counts_conflict),
        cmocka_unit_test(sequence_numbers_wrap_past_2_to_the_32),
        cmocka_unit_test(missing_syn_starts_at_first_data),
        cmocka_unit_test(holes_become_gaps_at_finish_and_when_too_many_are_held),
        cmocka_unit_test(rst_and_fin_are_noted),
        cmocka_unit_test(depth_caps_each_direction_and_reports_once),
        cmocka_unit_test(memcap_refuses_segments_and_marks_a_gap),
        cmocka_unit_test(packet_view_feeds_tcp_payload),
        cmocka_unit_test(create_rejects_zero_depth),
        cmocka_unit_test(allocation_failure_sweep_is_clean),
        cmocka_unit_test(consumer_gets_every_byte_past_depth_and_release),
        cmocka_unit_test(attach_replays_gaps_and_lost_bytes),
        cmocka_unit_test(syns_with_other_numbers_do_not_pin_the_stream_bug_7657),
        cmocka_unit_test(synack_naming_an_earlier_syn_moves_the_client_back_to_it),
        cmocka_unit_test(synack_with_a_wrong_ack_is_ignored),
        cmocka_unit_test(client_ack_chooses_among_synacks),
        cmocka_unit_test(consumer_gets_a_gap_when_the_client_moves_to_another_syn),
        cmocka_unit_test(depth_reached_on_decoy_bytes_does_not_hide_the_real_ones),
        cmocka_unit_test(server_rst_or_ack_to_a_decoy_syn_does_not_choose_it),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
