/* sig_test.h - helpers of the signature unit tests (tests/unit/test_sig_*.c): load rules from
 * text, build inputs (packet, stream chunk, transaction), run the matcher and collect the
 * sids that alerted. Everything a test makes is released by sig_teardown, so a failed
 * assertion leaks nothing under ASan. Include after <cmocka.h>. */
#ifndef SW_SIG_TEST_H
#define SW_SIG_TEST_H

#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#include "sw/config.h"
#include "sw/sig.h"

#define TS0 1764064800000000ull
#define MAX_HITS 64

static struct {
    struct sw_sig_set *set;
    struct sw_sig_thread *thr;
    struct sw_sig_load_stats st;
    void *fs;                 /* flow state of the test's one flow */
    uint32_t sid[MAX_HITS];
    struct sw_sig_alert last;
    unsigned n;
    char diag[16][300];       /* diagnostics of the load */
    enum sw_sig_diag kind[16];
    unsigned n_diag;
    struct sw_config *cfg;
    uint8_t a[16], b[16];     /* addresses of the input */
} T;

static __attribute__((unused)) void
t_report(void *ctx, enum sw_sig_diag kind, const char *msg)
{
    (void)ctx;
    if (T.n_diag < 16) {
        snprintf(T.diag[T.n_diag], sizeof(T.diag[0]), "%s", msg);
        T.kind[T.n_diag] = kind;
        T.n_diag++;
    }
}

static __attribute__((unused)) int
sig_teardown(void **state)
{
    (void)state;
    sw_sig_flow_free(T.fs);
    sw_sig_thread_destroy(T.thr);
    sw_sig_set_destroy(T.set);
    sw_cfg_free(T.cfg);
    memset(&T, 0, sizeof(T));
    return 0;
}

/* Load rules (text) with cfg T.cfg (NULL: defaults) from folder dir (datasets). */
static __attribute__((unused)) struct sw_sig_set *
tload_in(const char *text, const char *dir)
{
    struct sw_sig_load_opts o = {.path = dir, .cfg = T.cfg, .report = t_report};
    struct sw_err err;

    sig_teardown(NULL);
    T.set = sw_sig_load_text("t.rules", text, strlen(text), &o, &T.st, &err);
    if (T.set == NULL)
        fail_msg("load: %s", err.msg);
    T.thr = sw_sig_thread_create(T.set, &err);
    if (T.thr == NULL)
        fail_msg("thread: %s", err.msg);
    return T.set;
}

static __attribute__((unused)) struct sw_sig_set *
tload(const char *text)
{
    return tload_in(text, NULL);
}

/* The same with a configuration made of --set overrides. */
static __attribute__((unused)) struct sw_sig_set *
tload_cfg(const char *text, const char *const *sets, size_t n)
{
    struct sw_err err;
    struct sw_config *cfg;
    struct sw_sig_load_opts o = {.report = t_report};

    sig_teardown(NULL);
    cfg = sw_cfg_load(NULL, sets, n, NULL, NULL, &err);
    if (cfg == NULL)
        fail_msg("config: %s", err.msg);
    T.cfg = cfg;
    o.cfg = cfg;
    T.set = sw_sig_load_text("t.rules", text, strlen(text), &o, &T.st, &err);
    if (T.set == NULL)
        fail_msg("load: %s", err.msg);
    T.thr = sw_sig_thread_create(T.set, &err);
    if (T.thr == NULL)
        fail_msg("thread: %s", err.msg);
    return T.set;
}

static __attribute__((unused)) void
t_alert(void *ctx, const struct sw_sig_alert *a)
{
    (void)ctx;
    if (T.n < MAX_HITS)
        T.sid[T.n] = a->sid;
    T.n++;
    T.last = *a;
}

static __attribute__((unused)) void
ip(uint8_t out[16], const char *s)
{
    memset(out, 0, 16);
    if (inet_pton(AF_INET, s, out) != 1 && inet_pton(AF_INET6, s, out) != 1)
        fail_msg("bad address %s", s);
}

/* A packet input: src:sport -> dst:dport, proto, to_server (from the flow's client). */
static __attribute__((unused)) struct sw_sig_input
tpkt(uint8_t proto, const char *src, uint16_t sport, const char *dst, uint16_t dport,
     const char *payload, size_t len)
{
    struct sw_sig_input in;

    memset(&in, 0, sizeof(in));
    ip(T.a, src);
    ip(T.b, dst);
    in.hook = SW_SIG_HOOK_PACKET;
    in.ts_us = TS0;
    in.ip_version = strchr(src, ':') != NULL ? 6 : 4;
    in.proto = proto;
    in.src = T.a;
    in.dst = T.b;
    in.sport = sport;
    in.dport = dport;
    in.to_server = true;
    in.has_packet = true;
    in.ttl = 64;
    in.established = true;
    in.app_proto = "";
    in.payload = (const uint8_t *)payload;
    in.payload_len = len;
    in.flow_state = &T.fs;
    return in;
}

/* A stream chunk of TCP 10.0.0.1:40000 -> 192.0.2.1:80 (to_server) at offset off. */
static __attribute__((unused)) struct sw_sig_input
tstream(const char *data, uint64_t off, bool to_server)
{
    struct sw_sig_input in =
        to_server ? tpkt(6, "10.0.0.1", 40000, "192.0.2.1", 80, data, strlen(data))
                  : tpkt(6, "192.0.2.1", 80, "10.0.0.1", 40000, data, strlen(data));

    in.hook = SW_SIG_HOOK_STREAM;
    in.has_packet = false;
    in.to_server = to_server;
    in.stream_off = off;
    return in;
}

/* A transaction of app protocol app between client 10.0.0.1:40000 and 192.0.2.1:port. */
static __attribute__((unused)) struct sw_sig_input
ttx(const char *app, uint8_t proto, uint16_t port, uint64_t tx_id)
{
    struct sw_sig_input in = tpkt(proto, "10.0.0.1", 40000, "192.0.2.1", port, NULL, 0);

    in.hook = SW_SIG_HOOK_TX;
    in.has_packet = false;
    in.app_proto = app;
    in.tx_id = tx_id;
    return in;
}

static __attribute__((unused)) void
tbuf(struct sw_sig_input *in, int side, enum sw_sig_buf b, const char *s)
{
    in->buf[side][b].data = (const uint8_t *)s;
    in->buf[side][b].len = strlen(s);
    in->buf[side][b].present = true;
}

/* Run one inspection; returns the alerts it raised (sids in T.sid from index 0). */
static __attribute__((unused)) unsigned
trun(const struct sw_sig_input *in)
{
    T.n = 0;
    return sw_sig_inspect(T.thr, in, t_alert, NULL);
}

/* One packet of payload s to TCP port 80 (no stream: every payload rule looks at it). */
static __attribute__((unused)) unsigned
tpay(uint8_t proto, const char *s)
{
    struct sw_sig_input in = tpkt(proto, "10.0.0.1", 40000, "192.0.2.1", 80, s, strlen(s));

    return trun(&in);
}

/* Does the one-rule set "alert udp any any -> any any (OPTS sid:1;)" match payload s? */
static __attribute__((unused)) bool
udp_match(const char *opts, const char *s, size_t len)
{
    char rule[2048];
    struct sw_sig_input in;

    snprintf(rule, sizeof(rule), "alert udp any any -> any any (%s sid:1;)\n", opts);
    tload(rule);
    if (T.st.rules != 1)
        fail_msg("rule did not load: %s", T.n_diag ? T.diag[0] : "?");
    in = tpkt(17, "10.0.0.1", 40000, "192.0.2.1", 53, s, len);
    return trun(&in) == 1;
}

#endif
