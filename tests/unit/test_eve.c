/* test_eve.c - unit tests of the EVE JSON encoder (output/eve.c).
 *
 * Flow, alert and anomaly events are compared byte for byte with goldens: they were made by
 * running the encoder once, checked by hand against Suricata's EVE conventions (field names,
 * order, ICMP fields, metadata arrays, no empty strings) and frozen (the stats event is in
 * test_eve_stats.c, alerts' application-layer objects in test_eve_app.c; helpers shared in
 * eve_test.h). Risk names come from nDPI 4.2 (ndpi_risk2str) through sw_ndpi_risk_name. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <jansson.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "eve_test.h"
#include "sw/alloc.h"
#include "sw/decode.h"
#include "sw/eve.h"
#include "sw/event.h"
#include "sw/ndpi.h"
#include "sw/ndpi_names.h"
#include "sw/stats.h"

#define SEC 1000000ull

/* --- builders ----------------------------------------------------------------------------- */


/* A TLS flow to Google over VXLAN on VLANs 100/20, closed, ended by timeout, with two risks. */
static struct sw_event *
tcp_flow_event(void)
{
    struct sw_event *ev = new_event(SW_EV_FLOW, 1764064812345678ull);
    struct sw_flow_ref *r = &ev->flow;
    struct sw_ndpi_info *n = &ev->ndpi;

    r->flow_id = 1234567890123ull;
    r->ip_version = 4;
    r->proto = IPPROTO_TCP;
    set_v4(r->src, 192, 168, 1, 10);
    set_v4(r->dst, 142, 250, 74, 36);
    r->sport = 50514;
    r->dport = 443;
    r->vlan_count = 2;
    r->vlan[0] = 100;
    r->vlan[1] = 20;
    r->tunnel = SW_TUNNEL_VXLAN;
    set_text(r->community_id, sizeof(r->community_id), "1:PWmvSARPkge/z2upz8NfEyI2ylA=");
    ev->counts.pkts_toserver = 12;
    ev->counts.pkts_toclient = 10;
    ev->counts.bytes_toserver = 1850;
    ev->counts.bytes_toclient = 9800;
    ev->counts.start_us = 1764064800250000ull;
    ev->counts.end_us = 1764064812345678ull;
    ev->counts.tcp_flags_ts = 0x1b; /* FIN SYN PSH ACK */
    ev->counts.tcp_flags_tc = 0x53; /* FIN SYN ACK ECE: only the server's has ECE */
    ev->has_ndpi = true;
    set_text(n->protocol, sizeof(n->protocol), "TLS.Google");
    set_text(n->master, sizeof(n->master), "TLS");
    set_text(n->app, sizeof(n->app), "Google");
    set_text(n->category, sizeof(n->category), "Web");
    set_text(n->confidence, sizeof(n->confidence), "DPI");
    set_text(n->hostname, sizeof(n->hostname), "www.google.com");
    set_text(n->ja3c, sizeof(n->ja3c), "e7d705a3286e19ea42f587b344ee6865");
    set_text(n->ja3s, sizeof(n->ja3s), "15af977ce25de452b96affa2addb1036");
    n->risk_text = sw_ndpi_risk_texts(); /* as the classifier sets it */
    n->risks = 1ull << risk("NDPI_TLS_SELFSIGNED_CERTIFICATE") |
               1ull << risk("NDPI_TLS_CERT_VALIDITY_TOO_LONG");
    n->risk_total = 150;
    n->risk_client = 15;
    n->risk_server = 135;
    set_text(n->app_proto, sizeof(n->app_proto), "tls");
    ev->u.flow.state = SW_STATE_CLOSED;
    ev->u.flow.reason = SW_REASON_TIMEOUT;
    ev->u.flow.alerted = true;
    return ev;
}

/* A ping to 8.8.8.8 and its reply, still open at shutdown. */
static struct sw_event *
icmp_flow_event(void)
{
    struct sw_event *ev = new_event(SW_EV_FLOW, 1764064801700001ull);
    struct sw_flow_ref *r = &ev->flow;

    r->flow_id = 4503599627370495ull; /* 2^52 - 1: the largest flow.c makes */
    r->ip_version = 4;
    r->proto = IPPROTO_ICMP;
    set_v4(r->src, 10, 0, 0, 1);
    set_v4(r->dst, 8, 8, 8, 8);
    r->sport = 8; /* garbage an ICMP event must not show as ports */
    r->dport = 1;
    r->icmp_type = 8;
    r->icmp_code = 0;
    r->has_resp_icmp = true;
    r->resp_icmp_type = 0;
    r->resp_icmp_code = 0;
    set_text(r->community_id, sizeof(r->community_id), "1:BOUVryuJaU7sglBpPefJgFhDQDA=");
    ev->counts.pkts_toserver = 1;
    ev->counts.pkts_toclient = 1;
    ev->counts.bytes_toserver = 98;
    ev->counts.bytes_toclient = 98;
    ev->counts.start_us = 1764064800500000ull;
    ev->counts.end_us = 1764064801700001ull;
    ev->has_ndpi = true;
    set_text(ev->ndpi.protocol, sizeof(ev->ndpi.protocol), "ICMP");
    set_text(ev->ndpi.category, sizeof(ev->ndpi.category), "Network");
    set_text(ev->ndpi.confidence, sizeof(ev->ndpi.confidence), "DPI");
    ev->u.flow.state = SW_STATE_NEW;
    ev->u.flow.reason = SW_REASON_SHUTDOWN;
    return ev;
}

/* A DNS query over IPv6, evicted, no nDPI view and no community id. */
static struct sw_event *
ipv6_flow_event(void)
{
    static const uint8_t src[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01};
    static const uint8_t dst[16] = {0xfe, 0x80, 0,    0,    0,    0,    0,    0,
                                    0x02, 0x1b, 0x21, 0xff, 0xfe, 0x0a, 0xbc, 0xde};
    struct sw_event *ev = new_event(SW_EV_FLOW, 1764064830000000ull);
    struct sw_flow_ref *r = &ev->flow;

    r->flow_id = 42;
    r->ip_version = 6;
    r->proto = IPPROTO_UDP;
    memcpy(r->src, src, 16);
    memcpy(r->dst, dst, 16);
    r->sport = 53000;
    r->dport = 53;
    ev->counts.pkts_toserver = 1;
    ev->counts.bytes_toserver = 90;
    ev->counts.start_us = 1764064800000000ull;
    ev->counts.end_us = 1764064800000000ull;
    ev->u.flow.state = SW_STATE_NEW;
    ev->u.flow.reason = SW_REASON_FORCED;
    ev->u.flow.evicted = true;
    return ev;
}

/* The nDPI risk alert the detector makes for a self-signed certificate. */

static struct sw_event *
anomaly_event(bool tuple, uint64_t packet_no, const char *source)
{
    struct sw_event *ev = new_event(SW_EV_ANOMALY, 1151314219101229ull);

    ev->u.anomaly.type = "decode";
    ev->u.anomaly.event = "ipv4.trunc_pkt";
    ev->u.anomaly.packet_no = packet_no;
    set_text(ev->u.anomaly.source, sizeof(ev->u.anomaly.source), source);
    if (tuple) {
        ev->u.anomaly.has_tuple = true;
        ev->flow.flow_id = 77; /* an anomaly belongs to no flow: not written */
        ev->flow.ip_version = 4;
        ev->flow.proto = IPPROTO_TCP;
        set_v4(ev->flow.src, 192, 168, 1, 2);
        set_v4(ev->flow.dst, 147, 234, 1, 253);
        ev->flow.sport = 1025;
        ev->flow.dport = 80;
    }
    return ev;
}

/* --- helpers ----------------------------------------------------------------------------- */

/* The encoding equals the golden, parses, has no empty string, and the line API agrees. */
static void
check_golden(const struct sw_event *ev, const char *golden)
{
    const char *out = encode(ev);
    struct sw_eve_line *l;

    assert_string_equal(out, golden);
    assert_no_empty_strings(parse(out));
    l = sw_eve_line_create(&g_cfg, ev);
    assert_non_null(l);
    assert_int_equal(l->type, (int)ev->type);
    assert_int_equal(l->len, strlen(golden));
    assert_string_equal(l->text, golden);
    sw_eve_line_destroy(l);
}

/* --- goldens ----------------------------------------------------------------------------- */

/* Goldens: made by the encoder once, checked by eye, frozen. */
static const char golden_tcp_flow[] =
    "{\"timestamp\":\"2025-11-25T10:00:12.345678+0000\",\"flow_id\":1234567890123,\"event_type\":\""
    "flow\",\"host\":\"sensor-1\",\"vlan\":[100,20],\"src_ip\":\"192.168.1.10\",\"src_port\":50514,"
    "\"dest_ip\":\"142.250.74.36\",\"dest_port\":443,\"proto\":\"TCP\",\"community_id\":\"1:PWmvSAR"
    "Pkge/z2upz8NfEyI2ylA=\",\"app_proto\":\"tls\",\"flow\":{\"pkts_toserver\":12,\"pkts_toclient\""
    ":10,\"bytes_toserver\":1850,\"bytes_toclient\":9800,\"start\":\"2025-11-25T10:00:00.250000+000"
    "0\",\"end\":\"2025-11-25T10:00:12.345678+0000\",\"age\":12,\"state\":\"closed\",\"reason\":\"t"
    "imeout\",\"alerted\":true},\"tcp\":{\"tcp_flags\":\"5b\",\"tcp_flags_ts\":\"1b\",\"tcp_flags_t"
    "c\":\"53\",\"fin\":true,\"syn\":true,\"psh\":true,\"ack\":true,\"ecn\":true,\"state\":\"closed"
    "\"},\"ndpi\":{\"protocol\":\"TLS.Google\",\"master\":\"TLS\",\"app\":\"Google\",\"category\":"
    "\"Web\",\"confidence\":\"DPI\",\"hostname\":\"www.google.com\",\"ja3c\":\"e7d705a3286e19ea42f5"
    "87b344ee6865\",\"ja3s\":\"15af977ce25de452b96affa2addb1036\",\"risks\":[{\"id\":6,\"code\":\"N"
    "DPI_TLS_SELFSIGNED_CERTIFICATE\",\"name\":\"Self-signed Certificate\",\"severity\":\"High\"},{"
    "\"id\":32,\"code\":\"NDPI_TLS_CERT_VALIDITY_TOO_LONG\",\"name\":\"TLS Certificate Validity Too"
    " Long\",\"severity\":\"Medium\"}],\"risk_score\":{\"total\":150,\"client\":15,\"server\":135}}"
    ",\"seawall\":{\"tunnel\":\"vxlan\"}}";

static const char golden_evicted_flow[] =
    "{\"timestamp\":\"2025-11-25T10:00:12.345678+0000\",\"flow_id\":1234567890123,\"event_type\":\""
    "flow\",\"host\":\"sensor-1\",\"src_ip\":\"192.168.1.10\",\"src_port\":50514,\"dest_ip\":\"142."
    "250.74.36\",\"dest_port\":443,\"proto\":\"TCP\",\"community_id\":\"1:PWmvSARPkge/z2upz8NfEyI2y"
    "lA=\",\"app_proto\":\"tls\",\"flow\":{\"pkts_toserver\":12,\"pkts_toclient\":10,\"bytes_toserv"
    "er\":1850,\"bytes_toclient\":9800,\"start\":\"2025-11-25T10:00:00.250000+0000\",\"end\":\"2025"
    "-11-25T10:00:12.345678+0000\",\"age\":12,\"state\":\"established\",\"reason\":\"forced\",\"ale"
    "rted\":false},\"tcp\":{\"tcp_flags\":\"16\",\"tcp_flags_ts\":\"02\",\"tcp_flags_tc\":\"14\",\""
    "syn\":true,\"rst\":true,\"ack\":true,\"state\":\"established\"},\"ndpi\":{\"protocol\":\"TLS.G"
    "oogle\",\"master\":\"TLS\",\"app\":\"Google\",\"category\":\"Web\",\"confidence\":\"DPI\",\"ho"
    "stname\":\"www.google.com\",\"ja3c\":\"e7d705a3286e19ea42f587b344ee6865\"},\"seawall\":{\"evic"
    "ted\":true}}";

static const char golden_icmp_flow[] =
    "{\"timestamp\":\"2025-11-25T10:00:01.700001+0000\",\"flow_id\":4503599627370495,\"event_type\""
    ":\"flow\",\"host\":\"sensor-1\",\"src_ip\":\"10.0.0.1\",\"dest_ip\":\"8.8.8.8\",\"proto\":\"IC"
    "MP\",\"icmp_type\":8,\"icmp_code\":0,\"response_icmp_type\":0,\"response_icmp_code\":0,\"commu"
    "nity_id\":\"1:BOUVryuJaU7sglBpPefJgFhDQDA=\",\"flow\":{\"pkts_toserver\":1,\"pkts_toclient\":1"
    ",\"bytes_toserver\":98,\"bytes_toclient\":98,\"start\":\"2025-11-25T10:00:00.500000+0000\",\"e"
    "nd\":\"2025-11-25T10:00:01.700001+0000\",\"age\":1,\"state\":\"new\",\"reason\":\"shutdown\","
    "\"alerted\":false},\"ndpi\":{\"protocol\":\"ICMP\",\"category\":\"Network\",\"confidence\":\"D"
    "PI\"}}";

static const char golden_ipv6_flow[] =
    "{\"timestamp\":\"2025-11-25T10:00:30.000000+0000\",\"flow_id\":42,\"event_type\":\"flow\",\"ho"
    "st\":\"sensor-1\",\"src_ip\":\"2001:db8::1\",\"src_port\":53000,\"dest_ip\":\"fe80::21b:21ff:f"
    "e0a:bcde\",\"dest_port\":53,\"proto\":\"UDP\",\"flow\":{\"pkts_toserver\":1,\"pkts_toclient\":"
    "0,\"bytes_toserver\":90,\"bytes_toclient\":0,\"start\":\"2025-11-25T10:00:00.000000+0000\",\"e"
    "nd\":\"2025-11-25T10:00:00.000000+0000\",\"age\":0,\"state\":\"new\",\"reason\":\"forced\",\"a"
    "lerted\":false},\"seawall\":{\"evicted\":true}}";

static const char golden_risk_alert[] =
    "{\"timestamp\":\"2025-11-25T10:00:05.123456+0000\",\"flow_id\":987654321,\"event_type\":\"aler"
    "t\",\"host\":\"sensor-1\",\"src_ip\":\"10.0.0.5\",\"src_port\":41234,\"dest_ip\":\"93.184.216."
    "34\",\"dest_port\":8443,\"proto\":\"TCP\",\"community_id\":\"1:2KQ8fxwDClaC/5o+3Qvheg0evM4=\","
    "\"app_proto\":\"tls\",\"direction\":\"to_client\",\"alert\":{\"action\":\"allowed\",\"gid\":1,"
    "\"signature_id\":2990006,\"rev\":1,\"signature\":\"nDPI risk: Self-signed Certificate\",\"cate"
    "gory\":\"Potentially Bad Traffic\",\"severity\":1,\"metadata\":{\"ndpi_risk\":[\"NDPI_TLS_SELF"
    "SIGNED_CERTIFICATE\"],\"mitre_technique_id\":[\"T1587.003\"],\"ndpi_severity\":[\"High\"]}},\""
    "flow\":{\"pkts_toserver\":4,\"pkts_toclient\":3,\"bytes_toserver\":720,\"bytes_toclient\":3100"
    ",\"start\":\"2025-11-25T10:00:05.000000+0000\"},\"ndpi\":{\"protocol\":\"TLS\",\"category\":\""
    "Web\",\"confidence\":\"DPI\",\"hostname\":\"self.example.net\",\"risks\":[{\"id\":6,\"code\":"
    "\"NDPI_TLS_SELFSIGNED_CERTIFICATE\",\"name\":\"Self-signed Certificate\",\"severity\":\"High\""
    "}],\"risk_score\":{\"total\":100,\"client\":10,\"server\":90}},\"seawall\":{\"detector\":\"ndp"
    "i_risk\"}}";

static const char golden_anomaly_file[] =
    "{\"timestamp\":\"2006-06-26T09:30:19.101229+0000\",\"event_type\":\"anomaly\",\"host\":\"senso"
    "r-1\",\"src_ip\":\"192.168.1.2\",\"src_port\":1025,\"dest_ip\":\"147.234.1.253\",\"dest_port\""
    ":80,\"proto\":\"TCP\",\"anomaly\":{\"type\":\"decode\",\"event\":\"decoder.ipv4.trunc_pkt\"},\"pcap_cn"
    "t\":86,\"pcap_filename\":\"/data/fuzz-2006-06-26-2594.pcap\"}";

static const char golden_anomaly_live[] =
    "{\"timestamp\":\"2006-06-26T09:30:19.101229+0000\",\"event_type\":\"anomaly\",\"host\":\"senso"
    "r-1\",\"anomaly\":{\"type\":\"decode\",\"event\":\"decoder.ipv4.trunc_pkt\"}}";

static void
tcp_flow_event_matches_golden(void **state)
{
    (void)state;
    check_golden(tcp_flow_event(), golden_tcp_flow);
}

static void
evicted_flow_without_tunnel_matches_golden(void **state)
{
    struct sw_event *ev;

    (void)state;
    ev = tcp_flow_event();
    ev->flow.tunnel = SW_TUNNEL_NONE;
    ev->flow.vlan_count = 0;
    ev->u.flow.reason = SW_REASON_FORCED;
    ev->u.flow.evicted = true;
    ev->u.flow.state = SW_STATE_ESTABLISHED;
    ev->u.flow.alerted = false;
    ev->ndpi.risks = 0;
    ev->ndpi.ja3s[0] = '\0';
    ev->counts.tcp_flags_ts = 0x02; /* SYN */
    ev->counts.tcp_flags_tc = 0x14; /* RST ACK */
    check_golden(ev, golden_evicted_flow);
}

static void
tunnel_names_follow_the_tunnel_kind(void **state)
{
    static const char *const names[] = {NULL,  "ipip",  "gtp",   "tzsp",
                                        "capwap", "gre", "vxlan", "geneve"};
    struct sw_event *ev;

    (void)state;
    ev = tcp_flow_event();
    for (unsigned t = SW_TUNNEL_NONE; t <= SW_TUNNEL_GENEVE; t++) {
        json_t *j;

        ev->flow.tunnel = (uint8_t)t;
        j = parse(encode(ev));
        if (names[t] == NULL)
            assert_null(at(j, "seawall"));
        else
            assert_string_equal(json_string_value(at(j, "seawall.tunnel")), names[t]);
    }
    /* an alert in a tunnel: detector and tunnel side by side */
    sw_event_destroy(g.ev);
    ev = risk_alert_event();
    ev->flow.tunnel = SW_TUNNEL_GRE;
    json_t *j = parse(encode(ev));
    assert_string_equal(json_string_value(at(j, "seawall.tunnel")), "gre");
    assert_string_equal(json_string_value(at(j, "seawall.detector")), "ndpi_risk");
}

static void
icmp_flow_event_matches_golden(void **state)
{
    (void)state;
    check_golden(icmp_flow_event(), golden_icmp_flow);
}

static void
icmp_flow_without_reply_has_no_response_fields(void **state)
{
    struct sw_event *ev;
    json_t *j;

    (void)state;
    ev = icmp_flow_event();
    ev->flow.has_resp_icmp = false;
    ev->flow.icmp_type = 3;
    ev->flow.icmp_code = 1;
    j = parse(encode(ev));
    assert_int_equal(int_at(j, "icmp_type"), 3);
    assert_int_equal(int_at(j, "icmp_code"), 1);
    assert_null(at(j, "response_icmp_type"));
    assert_null(at(j, "response_icmp_code"));
    assert_null(at(j, "src_port"));
    assert_null(at(j, "tcp"));
}

static void
ipv6_flow_event_matches_golden(void **state)
{
    (void)state;
    check_golden(ipv6_flow_event(), golden_ipv6_flow);
}

static void
ipv6_addresses_are_written_in_rfc5952_form(void **state)
{
    static const struct {
        uint8_t a[16];
        const char *text;
    } cases[] = {
        {{0}, "::"},
        {{[15] = 1}, "::1"},
        {{0x20, 0x01, 0x0d, 0xb8, [15] = 1}, "2001:db8::1"},
        {{0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1}, "2001:db8:0:1::1"},
        {{[10] = 0xff, [11] = 0xff, 192, 0, 2, 1}, "::ffff:192.0.2.1"},
        {{0xff, 0x02, [15] = 0xfb}, "ff02::fb"},
        {{0x20, 0x01, 0x0d, 0xb8, 0x12, 0x34, 0x56, 0x78, 0x9a, 0xbc, 0xde, 0xf0, 0x12, 0x34, 0x56,
          0x78},
         "2001:db8:1234:5678:9abc:def0:1234:5678"},
    };
    struct sw_event *ev;

    (void)state;
    ev = ipv6_flow_event();
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        json_t *j;

        memcpy(ev->flow.dst, cases[i].a, 16);
        j = parse(encode(ev));
        assert_string_equal(json_string_value(at(j, "dest_ip")), cases[i].text);
        assert_string_equal(json_string_value(at(j, "src_ip")), "2001:db8::1");
    }
}

static void
risk_alert_event_matches_golden(void **state)
{
    (void)state;
    check_golden(risk_alert_event(), golden_risk_alert);
}

static void
alert_metadata_groups_values_of_one_key(void **state)
{
    struct sw_event *ev;
    json_t *j, *m;

    (void)state;
    ev = risk_alert_event();
    ev->u.alert.to_client = false;
    ev->u.alert.category[0] = '\0';
    sw_alert_meta_add(&ev->u.alert, "mitre_technique_id", "T1557");
    j = parse(encode(ev));
    assert_string_equal(json_string_value(at(j, "direction")), "to_server");
    assert_null(at(j, "alert.category")); /* empty: left out */
    m = at(j, "alert.metadata.mitre_technique_id");
    assert_non_null(m);
    assert_int_equal(json_array_size(m), 2);
    assert_string_equal(json_string_value(json_array_get(m, 0)), "T1587.003");
    assert_string_equal(json_string_value(json_array_get(m, 1)), "T1557");
    assert_int_equal(json_array_size(at(j, "alert.metadata.ndpi_risk")), 1);
    /* an alert's flow object has no end, age, state, reason or alerted: the flow goes on */
    assert_non_null(at(j, "flow.start"));
    assert_null(at(j, "flow.end"));
    assert_null(at(j, "flow.age"));
    assert_null(at(j, "flow.state"));
    assert_null(at(j, "flow.alerted"));
    assert_null(at(j, "tcp"));
}

static void
anomaly_with_tuple_from_a_file_matches_golden(void **state)
{
    (void)state;
    check_golden(anomaly_event(true, 86, "/data/fuzz-2006-06-26-2594.pcap"), golden_anomaly_file);
}

static void
anomaly_without_tuple_live_matches_golden(void **state)
{
    (void)state;
    check_golden(anomaly_event(false, 0, "eth0"), golden_anomaly_live);
}

static void
eve_time_formats_utc_with_microseconds(void **state)
{
    static const struct {
        uint64_t ts;
        const char *text;
    } cases[] = {
        {0, "1970-01-01T00:00:00.000000+0000"},
        {1, "1970-01-01T00:00:00.000001+0000"},
        {999999, "1970-01-01T00:00:00.999999+0000"},
        {1000000, "1970-01-01T00:00:01.000000+0000"},
        {951825600 * SEC + 10, "2000-02-29T12:00:00.000010+0000"},
        {1764064812345678ull, "2025-11-25T10:00:12.345678+0000"},
        {2147483647 * SEC + 999999, "2038-01-19T03:14:07.999999+0000"},
        {2147483648 * SEC, "2038-01-19T03:14:08.000000+0000"},
        {4294967296 * SEC + 123, "2106-02-07T06:28:16.000123+0000"},
        {253402300799 * SEC + 999999, "9999-12-31T23:59:59.999999+0000"},
    };

    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char buf[32];

        memset(buf, 'x', sizeof(buf));
        sw_eve_time(cases[i].ts, buf, sizeof(buf)); /* 32 bytes, as eve.h asks */
        assert_string_equal(buf, cases[i].text);
    }
    /* the same second twice, then back in time: each call stands alone */
    for (size_t i = sizeof(cases) / sizeof(cases[0]); i-- > 0;) {
        char buf[40];

        sw_eve_time(cases[i].ts, buf, sizeof(buf));
        assert_string_equal(buf, cases[i].text);
        sw_eve_time(cases[i].ts, buf, sizeof(buf));
        assert_string_equal(buf, cases[i].text);
    }
}

static void
eve_time_formats_years_past_9999(void **state)
{
    struct sw_event *ev;
    char buf[40];

    (void)state;
    /* pcapng timestamps are 64-bit: a hostile capture can say anything */
    /* Written as the last instant of 9999 so the text keeps its fixed width. */
    sw_eve_time(253402300800ull * SEC, buf, sizeof(buf));
    assert_string_equal(buf, "9999-12-31T23:59:59.999999+0000");
    sw_eve_time(UINT64_MAX, buf, sizeof(buf));
    assert_string_equal(buf, "9999-12-31T23:59:59.999999+0000");
    ev = new_event(SW_EV_ANOMALY, UINT64_MAX);
    ev->u.anomaly.type = "decode";
    assert_string_equal(json_string_value(at(parse(encode(ev)), "timestamp")),
                        "9999-12-31T23:59:59.999999+0000");
}

/* Regression (output/eve.c, sw_eve_time), fixed by clamping to 9999: eve.h asks for a 32-byte buffer, which holds every time
 * up to 9999-12-31; from year 10000 on (a pcapng timestamp can be anything) the text needs
 * more and sw_eve_time() returns without writing at all, not even a NUL, so a caller that
 * followed eve.h reads an unterminated, uninitialised buffer. eve.c's own caller passes 40
 * bytes and is safe. Fails until the function always terminates buf (truncating) or eve.h
 * asks for enough room. */
static void
eve_time_always_terminates_a_32_byte_buffer(void **state)
{
    char buf[32];

    (void)state;
    memset(buf, 'x', sizeof(buf));
    sw_eve_time(253402300800ull * SEC, buf, sizeof(buf));
    assert_non_null(memchr(buf, '\0', sizeof(buf)));
}

static void
flow_age_is_whole_seconds_of_the_flow(void **state)
{
    struct sw_event *ev;

    (void)state;
    ev = tcp_flow_event();
    ev->counts.start_us = 1764064800 * SEC;
    ev->counts.end_us = 1764064800 * SEC + 59999999;
    assert_int_equal(int_at(parse(encode(ev)), "flow.age"), 59);
    ev->counts.end_us = 1764064800 * SEC;
    assert_int_equal(int_at(parse(encode(ev)), "flow.age"), 0);
}

/* Regression (output/eve.c, flow_json), fixed: "age" was (end_us - start_us) / 10^6, the
 * whole seconds of the difference; Suricata writes SCTIME_SECS(lastts) - SCTIME_SECS(startts), the difference of
 * the whole seconds. They differ by one whenever the start's fraction is larger than the
 * end's: a flow from 10.9 s to 11.1 s has age 1 in Suricata, 0 here. Fails until eve.c
 * computes end_us / 10^6 - start_us / 10^6. */
static void
flow_age_counts_seconds_as_suricata_does(void **state)
{
    struct sw_event *ev;

    (void)state;
    ev = tcp_flow_event();
    ev->counts.start_us = 1764064810 * SEC + 900000;
    ev->counts.end_us = 1764064811 * SEC + 100000;
    assert_int_equal(int_at(parse(encode(ev)), "flow.age"), 1);
}

/* --- hostile text ------------------------------------------------------------------------ */

static void
hostile_hostname_round_trips_through_json(void **state)
{
    /* quotes, backslash, control characters, DEL, 2- 3- and 4-byte UTF-8, a JSON-looking tail */
    static const char host[] = "a\"b\\c/\x01\x1f\t\n\r\x7f"
                               "\xc3\xa9\xe6\x97\xa5\xf0\x9f\x98\x80"
                               "\",\"x\":\"y";
    struct sw_event *ev;
    json_t *j;

    (void)state;
    ev = tcp_flow_event();
    set_text(ev->ndpi.hostname, sizeof(ev->ndpi.hostname), host);
    set_text(ev->ndpi.app, sizeof(ev->ndpi.app), host);
    j = parse(encode(ev));
    assert_string_equal(json_string_value(at(j, "ndpi.hostname")), host);
    assert_string_equal(json_string_value(at(j, "ndpi.app")), host);
    assert_null(at(j, "x"));
    assert_null(at(j, "ndpi.x"));
    /* and the raw text has no control character left unescaped */
    for (const char *p = g.out; *p != '\0'; p++)
        assert_true((unsigned char)*p >= 0x20);
}

/* seawall's streaming writer (sw_eve_line_create) writes exactly what Jansson's json_dumps()
 * writes for the same event (the line parsed back and dumped again), for every control
 * byte, quote, backslash, slash and multi-byte character. */
static void
line_writer_matches_jansson_byte_for_byte(void **state)
{
    uint64_t seed = 0x9e3779b97f4a7c15ull;

    (void)state;
    for (int round = 0; round < 2000; round++) {
        struct sw_event *ev = round % 2 ? tcp_flow_event() : anomaly_event(true, 7, "f.pcap");
        char text[64];
        size_t n = 0, len = 0;
        struct sw_eve_line *l;
        char *ref;

        /* random bytes 0x01..0x7f plus well-formed 2- and 3-byte sequences */
        while (n + 4 < sizeof(text)) {
            seed = seed * 6364136223846793005ull + 1442695040888963407ull;
            unsigned v = (unsigned)(seed >> 33);
            if (v % 7 == 0) {
                text[n++] = (char)0xc3;
                text[n++] = (char)(0x80 + v % 64);
            } else if (v % 11 == 0) {
                text[n++] = (char)0xe6;
                text[n++] = (char)0x97;
                text[n++] = (char)0xa5;
            } else {
                text[n++] = (char)(1 + v % 127);
            }
        }
        text[n] = '\0';
        if (round % 2)
            set_text(ev->ndpi.hostname, sizeof(ev->ndpi.hostname), text);
        else
            set_text(ev->u.anomaly.source, sizeof(ev->u.anomaly.source), text);
        l = sw_eve_line_create(&g_cfg, ev);
        assert_non_null(l);
        json_t *back = json_loads(l->text, 0, NULL);
        assert_non_null(back);
        ref = json_dumps(back, JSON_COMPACT | JSON_PRESERVE_ORDER);
        json_decref(back);
        assert_non_null(ref);
        len = strlen(ref);
        assert_int_equal(l->len, len);
        assert_string_equal(l->text, ref);
        free(ref);
        sw_eve_line_destroy(l);
        sw_event_destroy(ev);
        g.ev = NULL;
    }
}

/* Regression (output/eve.c, set_str), fixed by escaping to \\xNN: a value that is not valid
 * UTF-8 makes json_string() return NULL, and json_object_set_new_nocheck(o, key, NULL) fails without a trace, so the field is
 * silently left out of the event. Any text that did not pass through the nDPI glue's \xNN
 * escaping loses its field: here capture_file (a capture's file name is arbitrary bytes, e.g.
 * Latin-1 "caf\xe9.pcap") and a hostname. Fails until eve.c escapes or replaces invalid bytes
 * (json_stringn_nocheck after sanitising, or \xNN as ndpi.c does) instead of dropping. */
static void
invalid_utf8_text_is_kept_not_dropped(void **state)
{
    struct sw_event *ev;
    json_t *j;
    const char *v;

    (void)state;
    ev = anomaly_event(true, 5, "/captures/caf\xe9-\xff.pcap");
    j = parse(encode(ev));
    assert_int_equal(int_at(j, "pcap_cnt"), 5);
    v = json_string_value(at(j, "pcap_filename"));
    assert_non_null(v);
    assert_string_equal(v, "/captures/caf\\xe9-\\xff.pcap");
}

/* --- failures ---------------------------------------------------------------------------- */

static void
all_event_types_have_the_common_header(void **state)
{
    static const enum sw_event_type types[] = {SW_EV_ALERT, SW_EV_FLOW, SW_EV_ANOMALY,
                                               SW_EV_STATS, SW_EV_FIM,  SW_EV_ENGINE};

    (void)state;
    for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
        struct sw_event *ev = new_event(types[i], 1764064812345678ull);
        json_t *j;

        ev->flow.ip_version = 4;
        j = parse(encode(ev));
        assert_string_equal(json_string_value(at(j, "timestamp")),
                            "2025-11-25T10:00:12.345678+0000");
        assert_string_equal(json_string_value(at(j, "event_type")), sw_event_type_name(types[i]));
        assert_string_equal(json_string_value(at(j, "host")), "sensor-1");
        assert_no_empty_strings(j);
        sw_event_destroy(ev);
        g.ev = NULL;
    }
}

static void
missing_host_is_left_out(void **state)
{
    static const struct sw_eve_cfg empty = {.host = ""}, none = {.host = NULL};
    struct sw_event *ev;
    char *out;
    json_t *j;

    (void)state;
    ev = icmp_flow_event();
    out = sw_eve_encode(&empty, ev, NULL); /* len may be NULL */
    assert_non_null(out);
    j = parse(out);
    free(out);
    assert_null(at(j, "host"));
    out = sw_eve_encode(&none, ev, NULL);
    assert_non_null(out);
    j = parse(out);
    free(out);
    assert_null(at(j, "host"));
    assert_string_equal(json_string_value(at(j, "event_type")), "flow");
}

static void
line_allocation_failure_sweep_returns_null_then_recovers(void **state)
{
    const struct sw_event *ev;
    struct sw_eve_line *l = NULL;
    unsigned long n;

    (void)state;
    ev = tcp_flow_event();
    for (n = 1; n < 20; n++) {
        sw_eve_thread_fini(); /* start without a scratch buffer: every allocation happens */
        sw_alloc_fail_at(n);
        l = sw_eve_line_create(&g_cfg, ev);
        sw_alloc_fail_at(0);
        if (l != NULL)
            break;
    }
    assert_non_null(l);
    assert_true(n > 1); /* the scratch buffer and the line: at least two allocations */
    assert_string_equal(l->text, golden_tcp_flow);
    sw_eve_line_destroy(l);
    sw_eve_line_destroy(NULL);
}

/* --- fim events (an EVE extension: the "fim" object) ------------------------------------- */

/* Built by hand: the fim part is static, the event borrows it (sw_event_destroy frees the
 * event only). */
static const struct sw_fim_part fim_modified = {
    .action = SW_FIM_MODIFIED,
    .origin = SW_FIM_ORIGIN_LIVE,
    .changed = SW_FIM_CHANGED_SIZE | SW_FIM_CHANGED_MTIME | SW_FIM_CHANGED_SHA256,
    .path = "/etc/ssh/sshd_config",
    .old_state = {.present = true, .mode = 0100644, .uid = 0, .gid = 0, .size = 3224,
                  .mtime_ns = 1764064800123456789LL, .owner = "root",
                  .sha256 = "6f1b4b1e0e5c8a2d0b5e0f3c1a7d9e2b4c6a8e0f1d3b5a7c9e1f3a5b7d9c1e3f"},
    .new_state = {.present = true, .mode = 0100600, .uid = 0, .gid = 0, .size = 3240,
                  .mtime_ns = 1764064812000000000LL, .owner = "root",
                  .sha256 = "0a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f9"},
    .pid = 4242,
    .comm = "vim",
};

static const char golden_fim_modified[] =
    "{\"timestamp\":\"2025-11-25T10:00:12.345678+0000\",\"event_type\":\"fim\","
    "\"host\":\"sensor-1\",\"fim\":{\"action\":\"modified\",\"origin\":\"live\","
    "\"path\":\"/etc/ssh/sshd_config\",\"changed\":[\"size\",\"mtime\",\"sha256\"],"
    "\"old\":{\"type\":\"file\",\"size\":3224,\"mode\":\"0644\",\"uid\":0,\"gid\":0,"
    "\"owner\":\"root\",\"mtime\":\"2025-11-25T10:00:00.123456+0000\","
    "\"sha256\":\"6f1b4b1e0e5c8a2d0b5e0f3c1a7d9e2b4c6a8e0f1d3b5a7c9e1f3a5b7d9c1e3f\"},"
    "\"new\":{\"type\":\"file\",\"size\":3240,\"mode\":\"0600\",\"uid\":0,\"gid\":0,"
    "\"owner\":\"root\",\"mtime\":\"2025-11-25T10:00:12.000000+0000\","
    "\"sha256\":\"0a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f9\"},"
    "\"process\":{\"pid\":4242,\"comm\":\"vim\"}}}";

static const struct sw_fim_part fim_moved = {
    .action = SW_FIM_MOVED,
    .origin = SW_FIM_ORIGIN_WALK,
    .path = "/srv/www/upload/shell.php",
    .old_path = "/srv/www/upload/image.jpg",
    .old_state = {.present = true, .mode = 0100640, .uid = 33, .gid = 33, .size = 18,
                  .mtime_ns = 1764064800000000000LL, .owner = "www-data", .sha256 = ""},
    .new_state = {.present = true, .mode = 0100640, .uid = 33, .gid = 33, .size = 18,
                  .mtime_ns = 1764064800000000000LL, .owner = "www-data", .sha256 = ""},
};

static const char golden_fim_moved[] =
    "{\"timestamp\":\"2025-11-25T10:00:12.345678+0000\",\"event_type\":\"fim\","
    "\"host\":\"sensor-1\",\"fim\":{\"action\":\"moved\",\"origin\":\"walk\","
    "\"path\":\"/srv/www/upload/shell.php\",\"old_path\":\"/srv/www/upload/image.jpg\","
    "\"old\":{\"type\":\"file\",\"size\":18,\"mode\":\"0640\",\"uid\":33,\"gid\":33,"
    "\"owner\":\"www-data\",\"mtime\":\"2025-11-25T10:00:00.000000+0000\"},"
    "\"new\":{\"type\":\"file\",\"size\":18,\"mode\":\"0640\",\"uid\":33,\"gid\":33,"
    "\"owner\":\"www-data\",\"mtime\":\"2025-11-25T10:00:00.000000+0000\"}}}";

static const struct sw_fim_part fim_added_link = {
    .action = SW_FIM_ADDED,
    .origin = SW_FIM_ORIGIN_LIVE,
    .path = "/etc/cron.d/job",
    .new_state = {.present = true, .mode = 0120777, .uid = 0, .gid = 0, .size = 9,
                  .mtime_ns = 1764064800000000000LL, .owner = "root", .target = "/tmp/x.sh",
                  .sha256 = "2b7e0f6b0d0a4c4e5a2e6f1c3d9b8a7f6e5d4c3b2a1908f7e6d5c4b3a2918070"},
    .pid = 77,
};

static const char golden_fim_added_link[] =
    "{\"timestamp\":\"2025-11-25T10:00:12.345678+0000\",\"event_type\":\"fim\","
    "\"host\":\"sensor-1\",\"fim\":{\"action\":\"added\",\"origin\":\"live\","
    "\"path\":\"/etc/cron.d/job\",\"new\":{\"type\":\"symlink\",\"size\":9,\"mode\":\"0777\","
    "\"uid\":0,\"gid\":0,\"owner\":\"root\",\"mtime\":\"2025-11-25T10:00:00.000000+0000\","
    "\"sha256\":\"2b7e0f6b0d0a4c4e5a2e6f1c3d9b8a7f6e5d4c3b2a1908f7e6d5c4b3a2918070\","
    "\"target\":\"/tmp/x.sh\"},\"process\":{\"pid\":77}}}";

/* A name that is not UTF-8 (Latin-1 "é") keeps its bytes as \xNN; the type change names
 * type; a fifo has no hash. */
static const struct sw_fim_part fim_deleted_latin1 = {
    .action = SW_FIM_DELETED,
    .origin = SW_FIM_ORIGIN_WALK,
    .path = "/srv/caf\xe9\n.txt",
    .old_state = {.present = true, .mode = 0010600, .uid = 1000, .gid = 1000, .size = 0,
                  .mtime_ns = 0, .owner = "1000"},
};

static const char golden_fim_deleted_latin1[] =
    "{\"timestamp\":\"2025-11-25T10:00:12.345678+0000\",\"event_type\":\"fim\","
    "\"host\":\"sensor-1\",\"fim\":{\"action\":\"deleted\",\"origin\":\"walk\","
    "\"path\":\"/srv/caf\\\\xe9\\\\x0a.txt\",\"old\":{\"type\":\"fifo\",\"size\":0,"
    "\"mode\":\"0600\",\"uid\":1000,\"gid\":1000,\"owner\":\"1000\","
    "\"mtime\":\"1970-01-01T00:00:00.000000+0000\"}}}";

static void
fim_event_golden(const struct sw_fim_part *p, const char *golden)
{
    struct sw_event *ev = new_event(SW_EV_FIM, 1764064812345678ull);

    ev->fim = p;
    check_golden(ev, golden);
}

static void
fim_modified_event_matches_golden(void **state)
{
    (void)state;
    fim_event_golden(&fim_modified, golden_fim_modified);
}

static void
fim_moved_event_matches_golden(void **state)
{
    (void)state;
    fim_event_golden(&fim_moved, golden_fim_moved);
}

static void
fim_added_symlink_event_matches_golden(void **state)
{
    (void)state;
    fim_event_golden(&fim_added_link, golden_fim_added_link);
}

static void
fim_deleted_non_utf8_name_matches_golden(void **state)
{
    (void)state;
    fim_event_golden(&fim_deleted_latin1, golden_fim_deleted_latin1);
}

/* fim.changed lists exactly the names of the bits set, in the documented order. */
static void
fim_changed_names_follow_the_bits(void **state)
{
    struct sw_fim_part p = {.action = SW_FIM_MODIFIED, .path = "/x",
                            .changed = SW_FIM_CHANGED_TYPE | SW_FIM_CHANGED_UID |
                                       SW_FIM_CHANGED_GID | SW_FIM_CHANGED_MODE |
                                       SW_FIM_CHANGED_SIZE | SW_FIM_CHANGED_SHA256 |
                                       SW_FIM_CHANGED_MTIME};
    struct sw_event *ev = new_event(SW_EV_FIM, 1);
    json_t *c;
    static const char *const want[] = {"size", "mode", "uid", "gid", "mtime", "sha256", "type"};

    (void)state;
    ev->fim = &p;
    c = at(parse(encode(ev)), "fim.changed");
    assert_non_null(c);
    assert_int_equal(json_array_size(c), 7);
    for (size_t i = 0; i < 7; i++)
        assert_string_equal(json_string_value(json_array_get(c, i)), want[i]);
    p.changed = SW_FIM_CHANGED_MTIME;
    c = at(parse(encode(ev)), "fim.changed");
    assert_int_equal(json_array_size(c), 1);
    p.changed = 0; /* nothing changed: no empty list */
    assert_null(at(parse(encode(ev)), "fim.changed"));
}

/* An IOC list match on a file (rules/ioc.c): the alert, fileinfo and file objects, the
 * detector in seawall, no yara object (it has no rule). */
static const char golden_ioc_alert[] =
    "{\"timestamp\":\"2025-11-25T10:00:12.345678+0000\",\"event_type\":\"alert\","
    "\"host\":\"sensor-1\",\"alert\":{\"action\":\"allowed\",\"gid\":1,"
    "\"signature_id\":3134596173,\"rev\":1,\"signature\":\"seawall IOC bad.sha256: dropper\","
    "\"category\":\"Known bad file hash (IOC list)\",\"severity\":1,"
    "\"metadata\":{\"ioc_list\":[\"bad.sha256\"],\"ioc_line\":[\"2\"]}},"
    "\"fileinfo\":{\"filename\":\"/tmp/evil.bin\",\"size\":13,"
    "\"sha256\":\"73c681558faf8e5426e8eca5c28310eaa102290c724d27fc70a7958d0267d994\","
    "\"magic\":\"ASCII text\"},\"file\":{\"owner\":\"root\",\"mode\":\"0644\",\"uid\":0,"
    "\"gid\":0,\"mtime\":\"2025-11-25T10:00:00.000000+0000\"},\"seawall\":{\"detector\":\"ioc\"}}";

static void
ioc_alert_matches_golden(void **state)
{
    static const struct sw_file_part fp = {
        .path = "/tmp/evil.bin", .size = 13,
        .sha256 = "73c681558faf8e5426e8eca5c28310eaa102290c724d27fc70a7958d0267d994",
        .magic = "ASCII text", .owner = "root", .mode = 0100644, .mtime_s = 1764064800};
    struct sw_event *ev = new_event(SW_EV_ALERT, 1764064812345678ull);
    struct sw_alert *a = &ev->u.alert;

    (void)state;
    ev->file = &fp;
    a->gid = 1;
    a->signature_id = 3134596173u;
    a->rev = 1;
    a->severity = 1;
    a->detector = "ioc";
    snprintf(a->signature, sizeof(a->signature), "seawall IOC bad.sha256: dropper");
    snprintf(a->category, sizeof(a->category), "Known bad file hash (IOC list)");
    sw_alert_meta_add(a, "ioc_list", "bad.sha256");
    sw_alert_meta_add(a, "ioc_line", "2");
    check_golden(ev, golden_ioc_alert);
}

int
main(void)
{
#define T(f) cmocka_unit_test_teardown(f, teardown)
    const struct CMUnitTest tests[] = {
        T(tcp_flow_event_matches_golden),
        T(evicted_flow_without_tunnel_matches_golden),
        T(tunnel_names_follow_the_tunnel_kind),
        T(icmp_flow_event_matches_golden),
        T(icmp_flow_without_reply_has_no_response_fields),
        T(ipv6_flow_event_matches_golden),
        T(ipv6_addresses_are_written_in_rfc5952_form),
        T(risk_alert_event_matches_golden),
        T(alert_metadata_groups_values_of_one_key),
        T(anomaly_with_tuple_from_a_file_matches_golden),
        T(anomaly_without_tuple_live_matches_golden),
        T(eve_time_formats_utc_with_microseconds),
        T(eve_time_formats_years_past_9999),
        T(eve_time_always_terminates_a_32_byte_buffer),
        T(flow_age_is_whole_seconds_of_the_flow),
        T(flow_age_counts_seconds_as_suricata_does),
        T(hostile_hostname_round_trips_through_json),
        T(invalid_utf8_text_is_kept_not_dropped),
        T(line_writer_matches_jansson_byte_for_byte),
        T(all_event_types_have_the_common_header),
        T(missing_host_is_left_out),
        T(line_allocation_failure_sweep_returns_null_then_recovers),
        T(fim_modified_event_matches_golden),
        T(fim_moved_event_matches_golden),
        T(fim_added_symlink_event_matches_golden),
        T(fim_deleted_non_utf8_name_matches_golden),
        T(fim_changed_names_follow_the_bits),
        T(ioc_alert_matches_golden),
    };
#undef T

    return cmocka_run_group_tests(tests, NULL, NULL);
}
