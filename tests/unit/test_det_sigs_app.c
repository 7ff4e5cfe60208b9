/* test_det_sigs_app.c - Suricata rules on a transaction of a flow nDPI has not classified yet
 * (rules/det_sigs.c): the parser that made the event names its protocol. A DNS query over
 * UDP reaches the stage before nDPI 4.2 decides (it often does on the answer); dns.query
 * rules (whose protocol is dns) matched it only when nDPI had decided on the query. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sw/config.h"
#include "sw/detect.h"
#include "sw/event.h"

static unsigned alerts;
static uint32_t last_sid;

static void
collect(struct sw_emitter *em, struct sw_event *ev)
{
    (void)em;
    alerts++;
    last_sid = ev->u.alert.signature_id;
    sw_event_destroy(ev);
}

static struct sw_emitter out = {.emit = collect};
static const struct sw_detector_ops *const only_sigs[] = {&sw_det_sigs_ops, NULL};

static const struct sw_span question = {(const uint8_t *)"a.t.exfil.example", 17};

static const struct sw_span *
get(void *ctx, enum sw_side side, enum sw_buf b, unsigned *n)
{
    (void)ctx;
    *n = side == SW_SIDE_REQUEST && b == SW_BUF_DNS_QUERY;
    return *n > 0 ? &question : NULL;
}

/* One DNS query event of a UDP flow; app_proto is nDPI's ("" when it has not decided). */
static unsigned
query(const char *rules, const char *app_proto)
{
    char path[] = "/tmp/detsigsapp.XXXXXX.rules";
    struct sw_flow_ref ref;
    struct sw_flow_counts counts;
    struct sw_ndpi_info ndpi;
    struct sw_app_obj obj = {.kind = SW_APP_DNS};
    struct sw_detect_opts o;
    struct sw_detect *set;
    struct sw_detect_thread *t;
    struct sw_config *cfg;
    struct sw_subject s;
    struct sw_err err;
    void *fd = NULL;
    FILE *fp;
    int f = mkstemps(path, 6);

    assert_true(f >= 0);
    fp = fdopen(f, "w");
    fputs(rules, fp);
    fclose(fp);
    cfg = sw_cfg_defaults(&err);
    assert_non_null(cfg);
    memset(&o, 0, sizeof(o));
    o.cfg = cfg;
    o.rules_path = path;
    o.detectors = only_sigs;
    set = sw_detect_create(&o, NULL, &err);
    assert_non_null(set);
    t = sw_detect_thread_create(set, NULL, &out, &err);
    assert_non_null(t);
    memset(&ref, 0, sizeof(ref));
    memset(&counts, 0, sizeof(counts));
    memset(&ndpi, 0, sizeof(ndpi));
    snprintf(ndpi.app_proto, sizeof(ndpi.app_proto), "%s", app_proto);
    ref.ip_version = 4;
    ref.proto = 17;
    ref.src[0] = 10, ref.src[3] = 1;
    ref.dst[0] = 10, ref.dst[3] = 53;
    ref.sport = 40001;
    ref.dport = 53;
    memset(&s, 0, sizeof(s));
    s.hook = SW_HOOK_APP;
    s.dir = SW_DIR_TO_SERVER;
    s.ts_us = 1764547200000000ull;
    s.flow = &ref;
    s.counts = &counts;
    s.ndpi = &ndpi;
    s.app.event = SW_APP_EV_DNS_QUERY;
    s.app.client_is_originator = true;
    s.app.obj = &obj;
    s.app.get = get;
    alerts = 0;
    last_sid = 0;
    (void)sw_detect_run(t, &s, &fd);
    sw_detect_flow_free(t, &fd);
    sw_detect_thread_destroy(t);
    sw_detect_destroy(set);
    sw_cfg_free(cfg);
    unlink(path);
    return alerts;
}

static void
dns_rule_matches_a_query_before_ndpi_decides(void **state)
{
    (void)state;
    assert_int_equal(
        query("alert dns any any -> any any (msg:\"q\"; dns.query; content:\"exfil\"; sid:5;)\n",
              ""),
        1);
    assert_int_equal(last_sid, 5);
    /* a udp rule reading dns.query is a dns rule too (its buffer names the protocol) */
    assert_int_equal(
        query("alert udp any any -> any any (msg:\"q\"; dns.query; content:\"exfil\"; sid:6;)\n",
              ""),
        1);
}

static void
ndpi_protocol_still_decides_when_known(void **state)
{
    (void)state;
    assert_int_equal(
        query("alert dns any any -> any any (msg:\"q\"; dns.query; content:\"exfil\"; sid:5;)\n",
              "dns"),
        1);
    /* nDPI saying something else wins over the parser's guess */
    assert_int_equal(
        query("alert dns any any -> any any (msg:\"q\"; dns.query; content:\"exfil\"; sid:5;)\n",
              "mdns"),
        0);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(dns_rule_matches_a_query_before_ndpi_decides),
        cmocka_unit_test(ndpi_protocol_still_decides_when_known),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
