/* test_det_ndpi_risk.c - unit tests of the nDPI risk detector (rules/det_ndpi_risk.c), run
 * behind the detection stage as the network worker runs it.
 *
 * The configuration comes from sw_cfg_load() with --set style overrides, the flow is a
 * struct sw_flow filled by hand, and events go to a collecting emitter. inspect() does what
 * the worker does around the stage: it hands the detector only the risk bits not reported
 * before on the flow (subj->risks_new), marks them reported, and marks the flow alerted when
 * the stage says an alert was raised. Risk ids are looked
 * up by their nDPI enum names, so the tests say which risk they mean. Everything a test
 * makes is in static storage and freed by the teardown, so a failed assertion leaks
 * nothing under ASan. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <netinet/in.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "sw/alloc.h"
#include "sw/config.h"
#include "sw/detect.h"
#include "sw/event.h"
#include "sw/ndpi.h"
#include "sw/ndpi_names.h"
#include "sw/stats.h"

#define TS 1764064800123456ull

/* --- collecting emitter --------------------------------------------------------------- */

#define MAX_EVENTS 128

struct collect {
    struct sw_event *ev[MAX_EVENTS]; /* owned */
    size_t n;
    size_t overflow;
};

static void
collect_emit(struct sw_emitter *em, struct sw_event *ev)
{
    struct collect *c = em->ctx;

    if (c->n == MAX_EVENTS) {
        c->overflow++;
        sw_event_destroy(ev);
        return;
    }
    c->ev[c->n++] = ev;
}

/* --- fixture -------------------------------------------------------------------------- */

static struct {
    struct sw_config *cfg;
    struct sw_detect *det;         /* a set of the risk detector alone */
    struct sw_detect_thread *dt;   /* its stage */
    struct collect col;
    struct sw_emitter em;
    struct sw_worker_stats st;
    struct sw_flow flow;
    struct sw_ndpi_info info;
} g;

static void
set_v4(uint8_t *a, uint8_t x, uint8_t y, uint8_t z, uint8_t w)
{
    memset(a, 0, 16);
    a[0] = x;
    a[1] = y;
    a[2] = z;
    a[3] = w;
}

static void
clear_events(void)
{
    for (size_t i = 0; i < g.col.n; i++)
        sw_event_destroy(g.col.ev[i]);
    g.col.n = 0;
}

/* A fresh flow 192.168.1.10:50000 -> 203.0.113.5:443 TCP with some counters. */
static void
reset_flow(void)
{
    memset(&g.flow, 0, sizeof(g.flow));
    g.flow.ref.flow_id = 1234567;
    g.flow.ref.ip_version = 4;
    g.flow.ref.proto = IPPROTO_TCP;
    set_v4(g.flow.ref.src, 192, 168, 1, 10);
    set_v4(g.flow.ref.dst, 203, 0, 113, 5);
    g.flow.ref.sport = 50000;
    g.flow.ref.dport = 443;
    g.flow.counts.pkts_toserver = 3;
    g.flow.counts.pkts_toclient = 2;
    g.flow.counts.bytes_toserver = 517;
    g.flow.counts.bytes_toclient = 1400;
    g.flow.counts.start_us = TS - 1000;
    g.flow.counts.end_us = TS;
    memset(&g.info, 0, sizeof(g.info));
    snprintf(g.info.protocol, sizeof(g.info.protocol), "TLS");
    snprintf(g.info.hostname, sizeof(g.info.hostname), "www.example.net");
    snprintf(g.info.app_proto, sizeof(g.info.app_proto), "tls");
}

static const struct sw_detector_ops *const risk_only[] = {&sw_det_ndpi_risk_ops, NULL};

/* A set of the risk detector alone built from cfg (NULL and err on failure). */
static struct sw_detect *
risk_set(const struct sw_config *cfg, struct sw_err *err)
{
    struct sw_detect_opts o = {.cfg = cfg, .detectors = risk_only};

    return sw_detect_create(&o, NULL, err);
}

/* Load a config from overrides (must succeed) and build the detector and its stage (must
 * succeed). */
static void
setup_with(const char *const *overrides, size_t n)
{
    struct sw_err err;

    memset(&err, 0, sizeof(err));
    g.cfg = sw_cfg_load(NULL, overrides, n, NULL, NULL, &err);
    if (g.cfg == NULL)
        fail_msg("config: %s", err.msg);
    g.det = risk_set(g.cfg, &err);
    if (g.det == NULL)
        fail_msg("detector: %s", err.msg);
    g.dt = sw_detect_thread_create(g.det, NULL, &g.em, &err);
    if (g.dt == NULL)
        fail_msg("stage: %s", err.msg);
}

static int
setup(void **state)
{
    (void)state;
    memset(&g, 0, sizeof(g));
    g.em.emit = collect_emit;
    g.em.ctx = &g.col;
    reset_flow();
    return 0;
}

static int
teardown(void **state)
{
    (void)state;
    sw_alloc_fail_at(0);
    clear_events();
    sw_detect_thread_destroy(g.dt);
    sw_detect_destroy(g.det);
    sw_cfg_free(g.cfg);
    memset(&g, 0, sizeof(g));
    return 0;
}

static unsigned
risk(const char *code)
{
    int id = sw_ndpi_risk_by_code(code);

    if (id <= 0)
        fail_msg("unknown risk %s", code);
    return (unsigned)id;
}

static uint64_t
bit(const char *code)
{
    return 1ull << risk(code);
}

/* The packet hook with risks set on the flow (as the worker runs it), then the stage's and
 * the detector's counters into g.st. */
static void
inspect(uint64_t risks, bool to_client)
{
    struct sw_subject s;

    memset(&s, 0, sizeof(s));
    s.hook = SW_HOOK_PACKET;
    s.ts_us = TS;
    s.dir = to_client ? SW_DIR_TO_CLIENT : SW_DIR_TO_SERVER;
    s.flow = &g.flow.ref;
    s.counts = &g.flow.counts;
    s.ndpi = &g.info;
    s.risks_new = risks & ~g.flow.risks_alerted;
    if (sw_detect_run(g.dt, &s, &g.flow.det) > 0)
        g.flow.alerted = true;
    g.flow.risks_alerted |= s.risks_new;
    memset(&g.st, 0, sizeof(g.st));
    sw_detect_thread_stats(g.dt, &g.st);
}

/* The value of an alert's metadata key, or NULL. */
static const char *
meta(const struct sw_alert *a, const char *key)
{
    for (unsigned i = 0; i < a->n_meta; i++)
        if (strcmp(a->meta[i].key, key) == 0)
            return a->meta[i].value;
    return NULL;
}

/* EVE severity from nDPI's severity name, independently of sw_ndpi_severity_to_eve. */
static int
eve_severity_of(const char *ndpi_name)
{
    if (strcmp(ndpi_name, "Low") == 0)
        return 3;
    if (strcmp(ndpi_name, "Medium") == 0)
        return 2;
    if (strcmp(ndpi_name, "High") == 0 || strcmp(ndpi_name, "Severe") == 0)
        return 1;
    fail_msg("unexpected nDPI severity %s", ndpi_name);
    return 0;
}

/* --- alerting --------------------------------------------------------------------------- */

static void
each_risk_alerts_once_the_first_time_it_is_seen(void **state)
{
    uint64_t weak = bit("NDPI_TLS_WEAK_CIPHER"), sni = bit("NDPI_TLS_MISSING_SNI");
    uint64_t self = bit("NDPI_TLS_SELFSIGNED_CERTIFICATE");

    (void)state;
    setup_with(NULL, 0);
    inspect(weak | sni, false);
    assert_int_equal(g.col.n, 2);
    /* in risk id order */
    assert_int_equal(g.col.ev[0]->u.alert.ndpi_risk, risk("NDPI_TLS_WEAK_CIPHER"));
    assert_int_equal(g.col.ev[1]->u.alert.ndpi_risk, risk("NDPI_TLS_MISSING_SNI"));
    assert_int_equal(g.st.alerts, 2);
    assert_true(g.flow.alerted);
    assert_int_equal(g.flow.risks_alerted, weak | sni);

    /* the same bits again: nothing */
    inspect(weak | sni, true);
    assert_int_equal(g.col.n, 2);
    assert_int_equal(g.st.alerts, 2);

    /* one old, one new: only the new */
    inspect(weak | self, true);
    assert_int_equal(g.col.n, 3);
    assert_int_equal(g.col.ev[2]->u.alert.ndpi_risk, risk("NDPI_TLS_SELFSIGNED_CERTIFICATE"));
    assert_true(g.col.ev[2]->u.alert.to_client);
    assert_int_equal(g.st.alerts, 3);
    assert_int_equal(g.st.alerts_suppressed, 0);
    assert_int_equal(g.flow.risks_alerted, weak | sni | self);

    /* another flow starts with nothing alerted */
    reset_flow();
    inspect(weak, false);
    assert_int_equal(g.col.n, 4);
    assert_int_equal(g.col.overflow, 0);
}

static void
no_risk_emits_nothing(void **state)
{
    (void)state;
    setup_with(NULL, 0);
    inspect(0, false);
    inspect(1, false); /* bit 0 is NDPI_NO_RISK */
    assert_int_equal(g.col.n, 0);
    assert_int_equal(g.st.alerts, 0);
    assert_int_equal(g.st.alerts_suppressed, 0);
    assert_false(g.flow.alerted);
}

static void
alert_fields_follow_the_risk_table(void **state)
{
    unsigned sqli = risk("NDPI_URL_POSSIBLE_SQL_INJECTION");
    const struct sw_event *ev;
    const struct sw_alert *a;

    (void)state;
    setup_with(NULL, 0);
    inspect(1ull << sqli, true);
    assert_int_equal(g.col.n, 1);
    ev = g.col.ev[0];
    a = &ev->u.alert;
    assert_int_equal(ev->type, SW_EV_ALERT);
    assert_int_equal(ev->ts_us, TS);
    assert_int_equal(a->gid, 1);
    assert_int_equal(a->signature_id, 2990000 + sqli);
    assert_int_equal(a->rev, 1);
    assert_int_equal(a->severity, 1); /* nDPI 4.2: SEVERE */
    assert_string_equal(a->signature, "nDPI risk: SQL Injection");
    assert_string_equal(a->category, "Web Application Attack");
    assert_string_equal(a->detector, "ndpi_risk");
    assert_int_equal(a->ndpi_risk, sqli);
    assert_true(a->to_client);
    assert_string_equal(meta(a, "ndpi_risk"), "NDPI_URL_POSSIBLE_SQL_INJECTION");
    assert_string_equal(meta(a, "mitre_technique_id"), "T1190");
    assert_string_equal(meta(a, "ndpi_severity"), "Severe");
    /* the flow's identity, counters and nDPI view travel with the alert */
    assert_memory_equal(&ev->flow, &g.flow.ref, sizeof(ev->flow));
    assert_memory_equal(&ev->counts, &g.flow.counts, sizeof(ev->counts));
    assert_true(ev->has_ndpi);
    assert_string_equal(ev->ndpi.hostname, "www.example.net");
    assert_string_equal(ev->ndpi.app_proto, "tls");
    clear_events();

    /* low severity, and a risk with no MITRE technique: no mitre_technique_id key */
    reset_flow();
    inspect(bit("NDPI_HTTP_NUMERIC_IP_HOST") | bit("NDPI_TLS_CERTIFICATE_EXPIRED"), false);
    assert_int_equal(g.col.n, 2);
    a = &g.col.ev[1]->u.alert; /* id 12 after id 9 */
    assert_int_equal(a->severity, 3);
    assert_false(a->to_client);
    assert_string_equal(a->signature, "nDPI risk: HTTP Numeric IP Address");
    assert_string_equal(meta(a, "mitre_technique_id"), "T1071.001");
    assert_string_equal(meta(a, "ndpi_severity"), "Low");
    a = &g.col.ev[0]->u.alert;
    assert_string_equal(meta(a, "ndpi_risk"), "NDPI_TLS_CERTIFICATE_EXPIRED");
    assert_null(meta(a, "mitre_technique_id"));
    assert_int_equal(a->severity, 1); /* High */
}

static void
every_known_risk_alerts_with_its_own_sid_and_severity(void **state)
{
    uint64_t all = 0;
    unsigned n = 0;

    (void)state;
    setup_with(NULL, 0);
    for (unsigned id = 1; id < SW_NDPI_RISK_MAX; id++) {
        if (sw_ndpi_risk_info(id) != NULL) {
            all |= 1ull << id;
            n++;
        }
    }
    assert_true(n >= 41);
    inspect(all, false);
    assert_int_equal(g.col.n, n);
    assert_int_equal(g.st.alerts, n);
    for (size_t i = 0; i < g.col.n; i++) {
        const struct sw_alert *a = &g.col.ev[i]->u.alert;
        const struct sw_ndpi_risk_info *ri = sw_ndpi_risk_info(a->ndpi_risk);
        char sig[160];

        assert_non_null(ri);
        assert_true(i == 0 || a->ndpi_risk > g.col.ev[i - 1]->u.alert.ndpi_risk);
        assert_int_equal(a->signature_id, 2990000 + a->ndpi_risk);
        assert_int_equal(a->gid, 1);
        assert_int_equal(a->rev, 1);
        assert_int_equal(a->severity, eve_severity_of(sw_ndpi_risk_severity_name(a->ndpi_risk)));
        snprintf(sig, sizeof(sig), "nDPI risk: %s", sw_ndpi_risk_name(a->ndpi_risk));
        assert_string_equal(a->signature, sig);
        assert_string_equal(meta(a, "ndpi_risk"), ri->code);
        if (ri->mitre != NULL)
            assert_string_equal(meta(a, "mitre_technique_id"), ri->mitre);
        else
            assert_null(meta(a, "mitre_technique_id"));
        assert_string_equal(a->category, ri->category);
    }
}

/* --- exceptions ------------------------------------------------------------------------- */

static void
risk_code_exception_suppresses_only_that_risk(void **state)
{
    static const char *const ov[] = {
        "ndpi.risk_exceptions.risks=[NDPI_HTTP_NUMERIC_IP_HOST, NDPI_MALICIOUS_FINGERPRINT]",
    };

    (void)state;
    setup_with(ov, 1);
    inspect(bit("NDPI_HTTP_NUMERIC_IP_HOST") | bit("NDPI_HTTP_SUSPICIOUS_USER_AGENT"), false);
    assert_int_equal(g.col.n, 1);
    assert_int_equal(g.col.ev[0]->u.alert.ndpi_risk, risk("NDPI_HTTP_SUSPICIOUS_USER_AGENT"));
    assert_int_equal(g.st.alerts, 1);
    assert_int_equal(g.st.alerts_suppressed, 1);

    /* NDPI_MALICIOUS_FINGERPRINT is a later nDPI's name of NDPI_MALICIOUS_JA3 */
    inspect(bit("NDPI_MALICIOUS_JA3"), false);
    assert_int_equal(g.col.n, 1);
    assert_int_equal(g.st.alerts_suppressed, 2);

    /* a suppressed risk is counted once per flow, not at every packet */
    inspect(bit("NDPI_HTTP_NUMERIC_IP_HOST") | bit("NDPI_MALICIOUS_JA3"), false);
    assert_int_equal(g.st.alerts_suppressed, 2);
    assert_int_equal(g.col.n, 1);
}

static void
cidr_exception_matches_source_or_destination(void **state)
{
    static const char *const ov[] = {
        "ndpi.risk_exceptions.cidrs=[10.0.0.0/8, \"fd00::/8\"]",
    };
    uint64_t r = bit("NDPI_TLS_WEAK_CIPHER");

    (void)state;
    setup_with(ov, 1);
    /* neither end in 10/8 */
    inspect(r, false);
    assert_int_equal(g.col.n, 1);

    reset_flow();
    set_v4(g.flow.ref.src, 10, 1, 2, 3);
    inspect(r, false);
    assert_int_equal(g.col.n, 1);
    assert_int_equal(g.st.alerts_suppressed, 1);

    reset_flow();
    set_v4(g.flow.ref.dst, 10, 255, 255, 255);
    inspect(r, false);
    assert_int_equal(g.col.n, 1);
    assert_int_equal(g.st.alerts_suppressed, 2);

    reset_flow();
    set_v4(g.flow.ref.dst, 11, 0, 0, 1); /* just outside */
    set_v4(g.flow.ref.src, 9, 255, 255, 255);
    inspect(r, false);
    assert_int_equal(g.col.n, 2);

    /* IPv6 ends against the IPv6 CIDR */
    reset_flow();
    g.flow.ref.ip_version = 6;
    memset(g.flow.ref.src, 0, 16);
    memset(g.flow.ref.dst, 0, 16);
    g.flow.ref.src[0] = 0x20, g.flow.ref.src[1] = 0x01, g.flow.ref.src[15] = 1;
    g.flow.ref.dst[0] = 0xfd, g.flow.ref.dst[1] = 0x12, g.flow.ref.dst[15] = 2;
    inspect(r, false);
    assert_int_equal(g.col.n, 2);
    assert_int_equal(g.st.alerts_suppressed, 3);

    /* an IPv6 address whose first bytes read as 10.x is not in 10.0.0.0/8 */
    reset_flow();
    g.flow.ref.ip_version = 6;
    memset(g.flow.ref.src, 0, 16);
    memset(g.flow.ref.dst, 0, 16);
    g.flow.ref.src[0] = 10, g.flow.ref.src[15] = 1;
    g.flow.ref.dst[0] = 0x20, g.flow.ref.dst[15] = 2;
    inspect(r, false);
    assert_int_equal(g.col.n, 3);
    assert_int_equal(g.st.alerts_suppressed, 3);
}

static void
hostname_exception_exact_and_wildcard_ignore_case(void **state)
{
    static const char *const ov[] = {
        "ndpi.risk_exceptions.hostnames=[\"*.example.org\", exact.example.com]",
    };
    static const struct {
        const char *host;
        bool suppressed;
    } cases[] = {
        {"www.example.org", true},
        {"a.b.c.example.org", true},
        {"WWW.Example.ORG", true},
        {"example.org", true}, /* the suffix itself */
        {"EXAMPLE.org", true},
        {"badexample.org", false},
        {"example.org.evil.net", false},
        {"xexample.org", false},
        {"org", false},
        {".org", false},
        {"exact.example.com", true},
        {"Exact.Example.COM", true},
        {"sub.exact.example.com", false},
        {"exact.example.com.evil.net", false},
        {"example.com", false},
        {"", false},
    };

    (void)state;
    setup_with(ov, 1);
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        size_t before = g.col.n;
        uint64_t suppressed_before = g.st.alerts_suppressed;

        reset_flow();
        snprintf(g.info.hostname, sizeof(g.info.hostname), "%s", cases[i].host);
        inspect(bit("NDPI_TLS_SELFSIGNED_CERTIFICATE"), false);
        if (cases[i].suppressed) {
            if (g.col.n != before)
                fail_msg("'%s' should be excepted", cases[i].host);
            assert_int_equal(g.st.alerts_suppressed, suppressed_before + 1);
        } else {
            if (g.col.n != before + 1)
                fail_msg("'%s' should alert", cases[i].host);
            assert_int_equal(g.st.alerts_suppressed, suppressed_before);
        }
    }
}

static void
flow_exception_suppresses_every_risk_of_the_flow(void **state)
{
    static const char *const ov[] = {
        "ndpi.risk_exceptions.hostnames=[intranet.local]",
    };

    (void)state;
    setup_with(ov, 1);
    snprintf(g.info.hostname, sizeof(g.info.hostname), "intranet.local");
    inspect(bit("NDPI_TLS_WEAK_CIPHER") | bit("NDPI_TLS_MISSING_SNI") |
                bit("NDPI_URL_POSSIBLE_XSS"),
            false);
    assert_int_equal(g.col.n, 0);
    assert_int_equal(g.st.alerts, 0);
    assert_int_equal(g.st.alerts_suppressed, 3);
    assert_false(g.flow.alerted);
}

/* --- errors ----------------------------------------------------------------------------- */

static void
unknown_risk_code_fails_create_naming_it(void **state)
{
    static const char *const ov[] = {
        "ndpi.risk_exceptions.risks=[NDPI_TLS_WEAK_CIPHER, NDPI_NOT_A_REAL_RISK]",
    };
    struct sw_err err;

    (void)state;
    memset(&err, 0, sizeof(err));
    g.cfg = sw_cfg_load(NULL, ov, 1, NULL, NULL, &err);
    assert_non_null(g.cfg); /* well-formed NDPI_ name: the config accepts it */
    g.det = risk_set(g.cfg, &err);
    assert_null(g.det);
    assert_int_equal(err.code, SW_EINVAL);
    assert_non_null(strstr(err.msg, "NDPI_NOT_A_REAL_RISK"));
    assert_non_null(strstr(err.msg, "ndpi.risk_exceptions.risks"));
}

static void
allocation_failure_in_create_is_enomem(void **state)
{
    struct sw_err err;

    (void)state;
    memset(&err, 0, sizeof(err));
    g.cfg = sw_cfg_load(NULL, NULL, 0, NULL, NULL, &err);
    assert_non_null(g.cfg);
    for (unsigned long n = 1; n <= 2; n++) { /* the set, then the detector's instance */
        sw_alloc_fail_at(n);
        g.det = risk_set(g.cfg, &err);
        sw_alloc_fail_at(0);
        assert_null(g.det);
        assert_int_equal(err.code, SW_ENOMEM);
        assert_true(err.msg[0] != '\0');
    }
    g.det = risk_set(g.cfg, &err);
    assert_non_null(g.det); /* the third allocation is not the detector's any more */
}

static void
event_allocation_failure_counts_a_drop_and_keeps_the_other_alerts(void **state)
{
    (void)state;
    setup_with(NULL, 0);
    sw_event_thread_fini(); /* no cached event blocks: the first event is an allocation */
    sw_alloc_fail_at(1);    /* the first of the two events */
    inspect(bit("NDPI_TLS_WEAK_CIPHER") | bit("NDPI_TLS_MISSING_SNI"), false);
    sw_alloc_fail_at(0);
    assert_int_equal(g.col.n, 1);
    assert_int_equal(g.col.ev[0]->u.alert.ndpi_risk, risk("NDPI_TLS_MISSING_SNI"));
    assert_int_equal(g.st.event_drops, 1);
    assert_int_equal(g.st.alerts, 1);
}

int
main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
    const struct CMUnitTest tests[] = {
        T(each_risk_alerts_once_the_first_time_it_is_seen),
        T(no_risk_emits_nothing),
        T(alert_fields_follow_the_risk_table),
        T(every_known_risk_alerts_with_its_own_sid_and_severity),
        T(risk_code_exception_suppresses_only_that_risk),
        T(cidr_exception_matches_source_or_destination),
        T(hostname_exception_exact_and_wildcard_ignore_case),
        T(flow_exception_suppresses_every_risk_of_the_flow),
        T(unknown_risk_code_fails_create_naming_it),
        T(allocation_failure_in_create_is_enomem),
        T(event_allocation_failure_counts_a_drop_and_keeps_the_other_alerts),
    };
#undef T

    return cmocka_run_group_tests(tests, NULL, NULL);
}
