/* test_det_sigs.c - Suricata rules behind the detection stage (rules/det_sigs.c): a set
 * built from a rules file through sw_detect_create, subjects made by hand (a packet, stream
 * chunks, a DNS transaction with a multi-buffer query and its app-layer object), and the
 * alert events the stage's emitter receives: Suricata's alert fields, detector "rule",
 * metadata, the transaction's dns object, the load figures of the sigs detector. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include "sw/alloc.h"
#include "sw/config.h"
#include "sw/detect.h"
#include "sw/event.h"

#define MAX_EV 32

static struct {
    struct sw_event *ev[MAX_EV];
    size_t n;
    struct sw_config *cfg;
    struct sw_detect *set;
    struct sw_detect_thread *thr;
    void *flow_det;
    char path[64];
    struct sw_detect_load_stats ld;
    const char *profile; /* rules.profile_file for the next build, or NULL */
    bool profiling;      /* rules.profiling for the next build */
    char lines[8][300];
    unsigned n_lines;
} D;

static void
collect(struct sw_emitter *em, struct sw_event *ev)
{
    (void)em;
    if (D.n == MAX_EV) {
        sw_event_destroy(ev);
        return;
    }
    D.ev[D.n++] = ev;
}

static struct sw_emitter out = {.emit = collect};

static void
report(void *ctx, const char *line)
{
    (void)ctx;
    if (D.n_lines < 8)
        snprintf(D.lines[D.n_lines++], sizeof(D.lines[0]), "%s", line);
}

static int
teardown(void **state)
{
    (void)state;
    if (D.thr != NULL)
        sw_detect_flow_free(D.thr, &D.flow_det);
    sw_detect_thread_destroy(D.thr);
    sw_detect_destroy(D.set);
    sw_cfg_free(D.cfg);
    for (size_t i = 0; i < D.n; i++)
        sw_event_destroy(D.ev[i]);
    if (D.path[0] != '\0')
        unlink(D.path);
    memset(&D, 0, sizeof(D));
    return 0;
}

static const struct sw_detector_ops *const only_sigs[] = {&sw_det_sigs_ops, NULL};

static void
build(const char *rules)
{
    struct sw_err err;
    struct sw_detect_opts o;
    FILE *fp;
    int fd;

    snprintf(D.path, sizeof(D.path), "/tmp/detsigs.XXXXXX.rules");
    fd = mkstemps(D.path, 6);
    assert_true(fd >= 0);
    fp = fdopen(fd, "w");
    fputs(rules, fp);
    fclose(fp);
    D.cfg = sw_cfg_defaults(&err);
    assert_non_null(D.cfg);
    if (D.profile != NULL) {
        sw_free(D.cfg->rules.profile_file);
        D.cfg->rules.profile_file = sw_strdup(D.profile);
        assert_non_null(D.cfg->rules.profile_file);
    }
    D.cfg->rules.profiling = D.profiling;
    memset(&o, 0, sizeof(o));
    o.cfg = D.cfg;
    o.rules_path = D.path;
    o.report = report;
    o.detectors = only_sigs;
    D.set = sw_detect_create(&o, &D.ld, &err);
    if (D.set == NULL)
        fail_msg("%s", err.msg);
    D.thr = sw_detect_thread_create(D.set, NULL, &out, &err);
    if (D.thr == NULL)
        fail_msg("%s", err.msg);
}

static struct sw_flow_ref ref;
static struct sw_flow_counts counts;
static struct sw_ndpi_info ndpi;

static struct sw_subject
subject(enum sw_hook hook, enum sw_dir dir)
{
    struct sw_subject s;

    memset(&s, 0, sizeof(s));
    memset(&ref, 0, sizeof(ref));
    ref.ip_version = 4;
    ref.proto = 17;
    ref.src[0] = 10, ref.src[3] = 1;
    ref.dst[0] = 192, ref.dst[2] = 2, ref.dst[3] = 1;
    ref.sport = 40000;
    ref.dport = 53;
    memset(&ndpi, 0, sizeof(ndpi));
    snprintf(ndpi.app_proto, sizeof(ndpi.app_proto), "dns");
    s.hook = hook;
    s.ts_us = 1764064800000000ull;
    s.dir = dir;
    s.flags = SW_SUBJ_ESTABLISHED;
    s.flow = &ref;
    s.counts = &counts;
    s.ndpi = &ndpi;
    return s;
}

/* DNS transaction buffers: two questions. */
static const struct sw_span questions[] = {
    {(const uint8_t *)"www.example.org", 15},
    {(const uint8_t *)"bad.example.com", 15},
};

static const struct sw_span *
get(void *ctx, enum sw_side side, enum sw_buf b, unsigned *n)
{
    (void)ctx;
    if (side == SW_SIDE_REQUEST && b == SW_BUF_DNS_QUERY) {
        *n = 2;
        return questions;
    }
    *n = 0;
    return NULL;
}

static void
dns_alert_carries_rule_fields_and_the_dns_object(void **state)
{
    struct sw_dns_rr q[2] = {{.rrname = "www.example.org", .rrtype = "A"},
                             {.rrname = "bad.example.com", .rrtype = "A"}};
    struct sw_app_obj obj = {.kind = SW_APP_DNS};
    struct sw_subject s;
    const struct sw_alert *a;

    (void)state;
    build("alert dns $HOME_NET any -> any any (msg:\"ET DNS bad domain\"; dns.query; "
          "dotprefix; content:\".example.com\"; endswith; classtype:bad-unknown; sid:2001; "
          "rev:4; metadata:former_category DNS, signature_severity Major;)\n"
          "alert dns any any -> any any (xbits:set,a,track ip_src; sid:2002;)\n");
    assert_int_equal(D.ld.n, 1);
    assert_string_equal(D.ld.det[0].language, "suricata");
    assert_int_equal(D.ld.det[0].rules, 1);
    assert_int_equal(D.ld.det[0].left_out, 1);
    assert_true(D.ld.det[0].active);
    assert_true((D.ld.det[0].app_events & (1u << SW_APP_EV_DNS_QUERY)) != 0);
    assert_int_equal(D.n_lines, 1);
    assert_non_null(strstr(D.lines[0], "sid 2002: unsupported keyword 'xbits'"));
    obj.u.dns.queries = q;
    obj.u.dns.n_queries = 2;
    s = subject(SW_HOOK_APP, SW_DIR_TO_SERVER);
    s.app.event = SW_APP_EV_DNS_QUERY;
    s.app.client_is_originator = true;
    s.app.obj = &obj;
    s.app.get = get;
    assert_int_equal(sw_detect_run(D.thr, &s, &D.flow_det), 1);
    assert_int_equal(D.n, 1);
    a = &D.ev[0]->u.alert;
    assert_int_equal(a->gid, 1);
    assert_int_equal(a->signature_id, 2001);
    assert_int_equal(a->rev, 4);
    assert_string_equal(a->signature, "ET DNS bad domain");
    assert_string_equal(a->category, "Potentially Bad Traffic");
    assert_int_equal(a->severity, 2);
    assert_string_equal(a->detector, "rule");
    assert_int_equal(a->n_meta, 2);
    assert_string_equal(a->meta[1].key, "signature_severity");
    assert_string_equal(a->meta[1].value, "Major");
    assert_non_null(D.ev[0]->app);
    assert_int_equal(D.ev[0]->app->kind, SW_APP_DNS);
    assert_int_equal(D.ev[0]->app->u.dns.n_queries, 2);
    /* the same transaction again: no second alert */
    assert_int_equal(sw_detect_run(D.thr, &s, &D.flow_det), 0);
}

/* A transaction's application protocol is its parser's: a DNS query that nDPI has not named
 * yet (one packet, app_proto still empty) still matches an `alert dns` rule (was: no alert:
 * suricata-verify dns-detect-query-01). */
static void
dns_transaction_before_ndpi_names_the_flow(void **state)
{
    struct sw_dns_rr q[1] = {{.rrname = "www.example.org", .rrtype = "A"}};
    struct sw_app_obj obj = {.kind = SW_APP_DNS};
    struct sw_subject s;

    (void)state;
    build("alert dns any any -> any any (msg:\"q\"; dns.query; content:\"example\"; sid:3001;)\n");
    obj.u.dns.queries = q;
    obj.u.dns.n_queries = 1;
    s = subject(SW_HOOK_APP, SW_DIR_TO_SERVER);
    ndpi.app_proto[0] = '\0';
    s.flags = 0;
    s.app.event = SW_APP_EV_DNS_QUERY;
    s.app.client_is_originator = true;
    s.app.obj = &obj;
    s.app.get = get;
    assert_int_equal(sw_detect_run(D.thr, &s, &D.flow_det), 1);
    assert_int_equal(D.ev[0]->u.alert.signature_id, 3001);
}

static void
packet_and_stream_hooks(void **state)
{
    struct sw_subject s;
    static const uint8_t a1[] = "USER adm", a2[] = "in\r\n";
    struct sw_packet pkt;

    (void)state;
    build("alert tcp any any -> any 21 (msg:\"ftp admin\"; flow:to_server; "
          "content:\"USER admin\"; sid:1;)\n"
          "alert udp any any -> any 53 (msg:\"udp x\"; content:\"x\"; sid:2;)\n");
    assert_true((D.ld.det[0].hooks & SW_HOOK_BIT(SW_HOOK_STREAM_CHUNK)) != 0);
    assert_true((D.ld.det[0].hooks & SW_HOOK_BIT(SW_HOOK_PACKET)) != 0);
    s = subject(SW_HOOK_STREAM_CHUNK, SW_DIR_TO_SERVER);
    ref.proto = 6;
    ref.dport = 21;
    s.stream.data.p = a1;
    s.stream.data.len = sizeof(a1) - 1;
    assert_int_equal(sw_detect_run(D.thr, &s, &D.flow_det), 0);
    s.stream.data.p = a2;
    s.stream.data.len = sizeof(a2) - 1;
    s.stream.offset = sizeof(a1) - 1;
    assert_int_equal(sw_detect_run(D.thr, &s, &D.flow_det), 1);
    assert_int_equal(D.ev[0]->u.alert.signature_id, 1);
    assert_false(D.ev[0]->u.alert.to_client);
    /* a UDP packet */
    sw_detect_flow_free(D.thr, &D.flow_det);
    s = subject(SW_HOOK_PACKET, SW_DIR_TO_SERVER);
    memset(&pkt, 0, sizeof(pkt));
    s.pkt = &pkt;
    s.payload.p = (const uint8_t *)"xyz";
    s.payload.len = 3;
    assert_int_equal(sw_detect_run(D.thr, &s, &D.flow_det), 1);
    assert_int_equal(D.ev[1]->u.alert.signature_id, 2);
}

/* SW_SUBJ_NO_PAYLOAD (encrypted TLS, track-only) as Suricata's PKT_NOPAYLOAD_INSPECTION: a
 * rule that needs a payload (a payload keyword, a negated content alone included; dsize >,
 * = N > 0) does not match; dsize < N compares the packet's real length (3 here: dsize:<3 must
 * not match, as it would on an empty payload); a rule without payload keywords matches. */
static void
no_payload_packet_matches_as_suricata(void **state)
{
    struct sw_packet pkt;
    unsigned want[2] = {5, 2}; /* alerts without, with the flag */

    (void)state;
    build("alert udp any any -> any 53 (msg:\"c\"; content:\"x\"; sid:1;)\n"
          "alert udp any any -> any 53 (msg:\"neg\"; content:!\"q\"; sid:2;)\n"
          "alert udp any any -> any 53 (msg:\"lt3\"; dsize:<3; sid:3;)\n"
          "alert udp any any -> any 53 (msg:\"lt5\"; dsize:<5; sid:4;)\n"
          "alert udp any any -> any 53 (msg:\"gt1\"; dsize:>1; sid:5;)\n"
          "alert udp any any -> any 53 (msg:\"hdr\"; sid:6;)\n");
    for (int flag = 0; flag < 2; flag++) {
        struct sw_subject s = subject(SW_HOOK_PACKET, SW_DIR_TO_SERVER);
        size_t n0 = D.n;

        memset(&pkt, 0, sizeof(pkt));
        s.pkt = &pkt;
        s.payload.p = (const uint8_t *)"xyz";
        s.payload.len = 3;
        if (flag)
            s.flags |= SW_SUBJ_NO_PAYLOAD;
        assert_int_equal(sw_detect_run(D.thr, &s, &D.flow_det), want[flag]);
        for (size_t i = n0; flag && i < D.n; i++)
            assert_true(D.ev[i]->u.alert.signature_id == 4 || D.ev[i]->u.alert.signature_id == 6);
        sw_detect_flow_free(D.thr, &D.flow_det);
    }
}

static void
no_rules_no_detector(void **state)
{
    (void)state;
    build("# nothing\n");
    assert_false(D.ld.det[0].active);
    assert_int_equal(D.ld.det[0].files, 1);
}

static void
add_row(void *ctx, const struct sw_rule_prof_row *row)
{
    struct sw_rule_prof_row *got = ctx;

    if (strcmp(row->language, "suricata") == 0 && row->sid == 7) {
        uint64_t lost = got->lost;

        *got = *row;
        got->lost = lost;
    } else if (strcmp(row->language, "suricata") == 0) {
        got->lost++; /* another rule: counted so that the test sees it */
    }
}

/* Issue 14: rules.profiling is the one switch; rules.profile_file only names where the main
 * thread's table goes. With profiling on, a worker's detection stage hands out one row per
 * rule it evaluated (1:7: two checks, two matches; 1:8, never evaluated, none) and writes no
 * file of its own; with only rules.profile_file set (which the configuration refuses), the
 * matcher counts nothing. */
static void
profiling_is_the_switch_and_workers_write_no_file(void **state)
{
    char prof[] = "/tmp/detsigs.prof.XXXXXX";
    struct sw_subject s;
    struct sw_packet pkt;
    struct sw_rule_prof_row row;
    struct stat sb;
    int fd = mkstemp(prof);

    (void)state;
    assert_true(fd >= 0);
    close(fd);
    for (int on = 1; on >= 0; on--) {
        teardown(NULL);
        D.profile = prof;
        D.profiling = on != 0;
        build("alert udp any any -> any 53 (msg:\"x\"; content:\"x\"; sid:7;)\n"
              "alert udp any any -> any 53 (msg:\"q\"; content:\"qqq\"; sid:8;)\n");
        s = subject(SW_HOOK_PACKET, SW_DIR_TO_SERVER);
        memset(&pkt, 0, sizeof(pkt));
        s.pkt = &pkt;
        s.payload.p = (const uint8_t *)"xyz";
        s.payload.len = 3;
        assert_int_equal(sw_detect_run(D.thr, &s, &D.flow_det), 1);
        s.payload.p = (const uint8_t *)"abx";
        assert_int_equal(sw_detect_run(D.thr, &s, &D.flow_det), 1);
        memset(&row, 0, sizeof(row));
        sw_detect_thread_profile(D.thr, add_row, &row);
        if (on) {
            assert_int_equal(row.sid, 7);
            assert_int_equal(row.checks, 2);
            assert_int_equal(row.matches, 2);
            assert_int_equal(row.lost, 0); /* no row for 1:8 */
        } else {
            assert_int_equal(row.sid, 0);
            assert_int_equal(row.lost, 0);
        }
        sw_detect_flow_free(D.thr, &D.flow_det);
        sw_detect_thread_destroy(D.thr);
        D.thr = NULL;
        assert_int_equal(stat(prof, &sb), 0);
        assert_int_equal(sb.st_size, 0); /* the workers never write rules.profile_file */
    }
    unlink(prof);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(dns_alert_carries_rule_fields_and_the_dns_object, teardown),
        cmocka_unit_test_teardown(dns_transaction_before_ndpi_names_the_flow, teardown),
        cmocka_unit_test_teardown(packet_and_stream_hooks, teardown),
        cmocka_unit_test_teardown(no_payload_packet_matches_as_suricata, teardown),
        cmocka_unit_test_teardown(no_rules_no_detector, teardown),
        cmocka_unit_test_teardown(profiling_is_the_switch_and_workers_write_no_file, teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
