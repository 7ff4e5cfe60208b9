/* test_sig_flow.c - keywords about the flow and the packet rather than the bytes: flow,
 * flowbits, threshold and detection_filter, flags, ttl, itype, icode, ndpi-protocol and
 * ndpi-risk (Suricata 8's plugin semantics), dataset, pass; and the per-flow behaviour of
 * the matcher: one alert per rule and transaction, protocol-only rules at the packet where
 * the protocol became known, stream matches across chunks reported once. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <ndpi/ndpi_api.h>
#include <stdlib.h>
#include <unistd.h>

#include "file_test.h"
#include "sig_test.h"
#include "sw/event.h"

static unsigned
pkt_flags(uint8_t flags)
{
    struct sw_sig_input in = tpkt(6, "10.0.0.1", 40000, "192.0.2.1", 80, NULL, 0);

    in.tcp_flags = flags;
    return trun(&in);
}

static void
flow_state_and_direction(void **state)
{
    struct sw_sig_input in;

    (void)state;
    tload("alert udp any any -> any any (flow:established,to_server; content:\"a\"; sid:1;)\n"
          "alert udp any any -> any any (flow:to_client; content:\"a\"; sid:2;)\n"
          "alert udp any any -> any any (flow:not_established; content:\"a\"; sid:3;)\n"
          "alert udp any any -> any any (flow:stateless; content:\"a\"; sid:4;)\n");
    in = tpkt(17, "10.0.0.1", 1, "192.0.2.1", 2, "a", 1);
    assert_int_equal(trun(&in), 2); /* 1, 4 */
    in.to_server = false;
    assert_int_equal(trun(&in), 2); /* 2, 4 */
    in.established = false;
    assert_int_equal(trun(&in), 3); /* 2, 3, 4 */
    tload("alert udp any any -> any any (flow:established,not_established; sid:1;)\n"
          "alert udp any any -> any any (flow:sideways; sid:2;)\n");
    assert_int_equal(T.st.failed, 2);
    assert_string_equal(T.diag[1], "t.rules:2: flow: unknown option 'sideways' (sid 2)");
}

static void
flowbits_set_then_isset_in_one_flow(void **state)
{
    struct sw_sig_input in;

    (void)state;
    /* the checker comes first in the file: evaluation order still sets before it reads */
    tload("alert udp any any -> any any (content:\"B\"; flowbits:isset,seen; sid:2;)\n"
          "alert udp any any -> any any (content:\"A\"; flowbits:set,seen; flowbits:noalert; "
          "sid:1;)\n"
          "alert udp any any -> any any (content:\"C\"; flowbits:isnotset,seen; sid:3;)\n"
          "alert udp any any -> any any (content:\"D\"; flowbits:unset,seen; sid:4;)\n"
          "alert udp any any -> any any (content:\"E\"; flowbits:isset,x|seen; sid:5;)\n"
          "alert udp any any -> any any (content:\"T\"; flowbits:toggle,seen; sid:6;)\n");
    assert_int_equal(T.st.rules, 6);
    in = tpkt(17, "10.0.0.1", 1, "192.0.2.1", 2, "B", 1);
    assert_int_equal(trun(&in), 0);
    in = tpkt(17, "10.0.0.1", 1, "192.0.2.1", 2, "C", 1);
    assert_int_equal(trun(&in), 1);
    in = tpkt(17, "10.0.0.1", 1, "192.0.2.1", 2, "AB", 2); /* set and read on one packet */
    assert_int_equal(trun(&in), 1);
    assert_int_equal(T.sid[0], 2);
    in = tpkt(17, "10.0.0.1", 1, "192.0.2.1", 2, "E", 1);
    assert_int_equal(trun(&in), 1);
    in = tpkt(17, "10.0.0.1", 1, "192.0.2.1", 2, "D", 1);
    assert_int_equal(trun(&in), 1);
    in = tpkt(17, "10.0.0.1", 1, "192.0.2.1", 2, "BC", 2);
    assert_int_equal(trun(&in), 1);
    assert_int_equal(T.sid[0], 3);
    in = tpkt(17, "10.0.0.1", 1, "192.0.2.1", 2, "T", 1);
    assert_int_equal(trun(&in), 1);
    in = tpkt(17, "10.0.0.1", 1, "192.0.2.1", 2, "B", 1);
    assert_int_equal(trun(&in), 1);
    /* another flow has its own bits */
    sw_sig_flow_free(T.fs);
    T.fs = NULL;
    in = tpkt(17, "10.0.0.1", 1, "192.0.2.1", 2, "B", 1);
    assert_int_equal(trun(&in), 0);
}

/* The matcher remembers address-set verdicts per thread (sig_match.c's addr_in): each packet
 * below must match exactly when its source is in the rule's set, whatever came before it
 * (IPv4 and IPv6 addresses sharing their first bytes, IPv6 ones differing only at the end,
 * more addresses than the memo has entries, two rules' sets with one address). */
static void
address_verdicts_remembered_per_thread(void **state)
{
    static const struct {
        const char *src;
        unsigned want; /* alerts */
    } pk[] = {
        {"10.0.0.1", 2},  {"a00:1::", 0},     {"10.0.0.1", 2}, {"a00:1::", 0},
        {"2001:db8::1", 1}, {"2001:db8::2", 0}, {"2001:db8::1", 1}, {"10.0.1.1", 1},
        {"10.0.0.1", 2},  {"2001:db8::2", 0},
    };
    struct sw_sig_input in;
    char a[32];

    (void)state;
    tload("alert udp [10.0.0.0/24,2001:db8::1] any -> any any (content:\"a\"; sid:1;)\n"
          "alert udp 10.0.0.0/8 any -> any any (content:\"a\"; sid:2;)\n");
    for (int round = 0; round < 2; round++) {
        for (size_t i = 0; i < sizeof(pk) / sizeof(pk[0]); i++) {
            in = tpkt(17, pk[i].src, 1, strchr(pk[i].src, ':') ? "2001:db8::99" : "192.0.2.1", 2,
                      "a", 1);
            in.flow_state = NULL;
            if (trun(&in) != pk[i].want)
                fail_msg("round %d packet %zu from %s", round, i, pk[i].src);
        }
        for (unsigned h = 0; h < 3000; h++) { /* evicts every entry */
            snprintf(a, sizeof(a), "10.%u.%u.%u", (h >> 16) & 255, (h >> 8) & 255, h & 255);
            in = tpkt(17, a, 1, "192.0.2.1", 2, "a", 1);
            in.flow_state = NULL;
            assert_int_equal(trun(&in), h < 256 ? 2 : 1);
        }
    }
}

/* Application protocols by name: "http" is HTTP/1 and HTTP/2, "http1" is "http", ike and
 * ikev2 are one (sig_match.c's proto_ok, whose first-letter short cut must keep these). */
static unsigned
app_run(uint8_t proto, const char *app)
{
    struct sw_sig_input in = tpkt(proto, "10.0.0.1", 40000, "192.0.2.1", 80, "a", 1);

    in.app_proto = app;
    in.flow_state = NULL;
    return trun(&in);
}

static void
app_protocol_names_and_aliases(void **state)
{
    (void)state;
    tload("alert http any any -> any any (content:\"a\"; sid:1;)\n"
          "alert http1 any any -> any any (content:\"a\"; sid:2;)\n"
          "alert ike any any -> any any (content:\"a\"; sid:3;)\n"
          "alert ikev2 any any -> any any (content:\"a\"; sid:4;)\n"
          "alert dns any any -> any any (content:\"a\"; sid:5;)\n");
    assert_int_equal(app_run(6, "http"), 2);  /* 1, 2 */
    assert_int_equal(app_run(6, "http1"), 2); /* 1, 2 */
    assert_int_equal(app_run(6, "http2"), 1); /* 1 */
    assert_int_equal(T.sid[0], 1);
    assert_int_equal(app_run(17, "ike"), 2);   /* 3, 4 */
    assert_int_equal(app_run(17, "ikev2"), 2); /* 3, 4 */
    assert_int_equal(app_run(17, "dns"), 1);
    assert_int_equal(T.sid[0], 5);
    assert_int_equal(app_run(6, "tls"), 0);
    assert_int_equal(app_run(6, ""), 0);
}

static unsigned
at(uint64_t sec, const char *src)
{
    struct sw_sig_input in = tpkt(17, src, 1, "192.0.2.1", 2, "x", 1);

    in.ts_us = TS0 + sec * 1000000u;
    return trun(&in);
}

static void
threshold_limit_threshold_both(void **state)
{
    (void)state;
    tload("alert udp any any -> any any (content:\"x\"; threshold:type limit, track by_src, "
          "count 2, seconds 60; sid:1;)\n");
    assert_int_equal(at(0, "10.0.0.1"), 1);
    assert_int_equal(at(1, "10.0.0.1"), 1);
    assert_int_equal(at(2, "10.0.0.1"), 0);
    assert_int_equal(at(3, "10.0.0.2"), 1); /* another source */
    assert_int_equal(at(61, "10.0.0.1"), 1); /* a new window */
    tload("alert udp any any -> any any (content:\"x\"; threshold:type threshold, track "
          "by_rule, count 3, seconds 60; sid:1;)\n");
    assert_int_equal(at(0, "10.0.0.1"), 0);
    assert_int_equal(at(1, "10.0.0.2"), 0);
    assert_int_equal(at(2, "10.0.0.3"), 1);
    assert_int_equal(at(3, "10.0.0.1"), 0);
    tload("alert udp any any -> any any (content:\"x\"; threshold:type both, track by_dst, "
          "count 2, seconds 60; sid:1;)\n");
    assert_int_equal(at(0, "10.0.0.1"), 0);
    assert_int_equal(at(1, "10.0.0.1"), 1);
    assert_int_equal(at(2, "10.0.0.1"), 0);
    assert_int_equal(at(3, "10.0.0.1"), 0);
}

static void
detection_filter_after_count(void **state)
{
    (void)state;
    tload("alert udp any any -> any any (content:\"x\"; detection_filter:track by_src, "
          "count 2, seconds 10; sid:1;)\n");
    assert_int_equal(at(0, "10.0.0.1"), 0);
    assert_int_equal(at(1, "10.0.0.1"), 0);
    assert_int_equal(at(2, "10.0.0.1"), 1);
    assert_int_equal(at(3, "10.0.0.1"), 1);
    assert_int_equal(at(20, "10.0.0.1"), 0);
    tload("alert udp any any -> any any (threshold:type limit, track by_src, count 1; sid:1;)\n"
          "alert udp any any -> any any (threshold:type backoff, track by_src, count 1, "
          "seconds 1; sid:2;)\n");
    assert_int_equal(T.st.failed, 1);
    assert_int_equal(T.st.left_out, 1);
    assert_non_null(strstr(T.diag[0], "threshold: needs type, track, count and seconds"));
}

static void
tcp_flags_ttl_icmp(void **state)
{
    struct sw_sig_input in;

    (void)state;
    tload("alert tcp any any -> any any (flags:S; sid:1;)\n"
          "alert tcp any any -> any any (flags:SA; sid:2;)\n"
          "alert tcp any any -> any any (flags:+S; sid:3;)\n"
          "alert tcp any any -> any any (flags:*FR; sid:4;)\n"
          "alert tcp any any -> any any (flags:!A; sid:5;)\n"
          "alert tcp any any -> any any (flags:S,CE; sid:6;)\n"
          "alert tcp any any -> any any (flags:0; sid:7;)\n");
    assert_int_equal(T.st.rules, 7);
    assert_int_equal(pkt_flags(0x02), 4);        /* 1 3 5 6 */
    assert_int_equal(pkt_flags(0x12), 2);        /* 2 3 */
    assert_int_equal(pkt_flags(0x02 | 0x40), 3); /* 3 5 6: ECE ignored by 6 */
    assert_int_equal(pkt_flags(0x04), 2);        /* 4 5 */
    assert_int_equal(pkt_flags(0), 2);           /* 5 7 */
    tload("alert ip any any -> any any (ttl:<10; sid:1;)\n"
          "alert icmp any any -> any any (itype:8; icode:0; sid:2;)\n"
          "alert icmp any any -> any any (itype:>10; sid:3;)\n");
    in = tpkt(1, "10.0.0.1", 0, "192.0.2.1", 0, "p", 1);
    in.ttl = 5;
    in.icmp_type = 8;
    assert_int_equal(trun(&in), 2);
    in.ttl = 64;
    in.icmp_type = 13;
    assert_int_equal(trun(&in), 1);
    assert_int_equal(T.sid[0], 3);
}

static void
ndpi_protocol_and_risk(void **state)
{
    struct sw_ndpi_info ni;
    struct sw_sig_input in;

    (void)state;
    tload("alert ip any any -> any any (ndpi-protocol:HTTP; sid:1;)\n"
          "alert ip any any -> any any (ndpi-protocol:google; sid:2;)\n"
          "alert ip any any -> any any (ndpi-protocol:!DNS; ndpi-protocol:!TLS; sid:3;)\n"
          "alert ip any any -> any any (ndpi-protocol:DNS.Google; sid:4;)\n"
          "alert ip any any -> any any (ndpi-risk:NDPI_HTTP_NUMERIC_IP_HOST; sid:5;)\n"
          "alert ip any any -> any any (ndpi-risk:NDPI_NUMERIC_IP_HOST,NDPI_MALICIOUS_JA3; "
          "sid:6;)\n"
          "alert ip any any -> any any (ndpi-risk:!NDPI_MALICIOUS_FINGERPRINT; sid:7;)\n"
          "alert ip any any -> any any (ndpi-protocol:HTTP; ndpi-protocol:TLS; sid:8;)\n"
          "alert ip any any -> any any (ndpi-protocol:NoSuchProto; sid:9;)\n"
          "alert ip any any -> any any (ndpi-risk:ndpi_http_numeric_ip_host; sid:10;)\n");
    assert_int_equal(T.st.rules, 7);
    assert_int_equal(T.st.failed, 3);
    memset(&ni, 0, sizeof(ni));
    ni.master_id = NDPI_PROTOCOL_HTTP;
    ni.app_id = NDPI_PROTOCOL_GOOGLE;
    in = tpkt(6, "10.0.0.1", 1, "192.0.2.1", 80, NULL, 0);
    in.ndpi = &ni;
    in.ndpi_risks = UINT64_C(1) << NDPI_HTTP_NUMERIC_IP_HOST;
    in.ndpi_done = false;
    assert_int_equal(trun(&in), 0); /* only once nDPI is done */
    in.ndpi_done = true;
    trun(&in);
    if (T.n != 6)
        fail_msg("%u alerts: %u %u %u %u %u", T.n, T.sid[0], T.sid[1], T.sid[2], T.sid[3],
                 T.sid[4]);
    in.ndpi_risks = (UINT64_C(1) << NDPI_HTTP_NUMERIC_IP_HOST) | (UINT64_C(1) << NDPI_MALICIOUS_JA3);
    assert_int_equal(trun(&in), 6); /* 1 2 3 4 5 6, not 7 */
}

/* Issue 12: a rule with only an application protocol and nDPI keywords (`alert tls ...
 * ndpi-risk:...`) is a protocol-only rule, evaluated once per direction where the protocol
 * became known; nDPI names a TLS flow at the ClientHello but goes on for the certificate,
 * so at that packet it is not done and the rule could never match. Such a rule's moment is
 * the first packet of each direction once nDPI is done (or gave up). */
static void
ndpi_keywords_on_protocol_only_rules_wait_for_ndpi(void **state)
{
    struct sw_ndpi_info ni;
    struct sw_sig_input in;

    (void)state;
    tload("alert tls any any -> any any (ndpi-risk:NDPI_TLS_SELFSIGNED_CERTIFICATE; sid:1;)\n"
          "alert tls any any -> any any (ndpi-protocol:TLS; sid:2;)\n"
          "alert tls any any -> any any (sid:3;)\n");
    assert_int_equal(T.st.rules, 3);
    memset(&ni, 0, sizeof(ni));
    ni.app_id = NDPI_PROTOCOL_TLS;
    in = tpkt(6, "10.0.0.1", 40000, "192.0.2.1", 443, NULL, 0);
    in.ndpi = &ni;
    in.app_proto = "tls";
    in.ndpi_done = false; /* the ClientHello: TLS known, nDPI not done */
    assert_int_equal(trun(&in), 1);
    assert_int_equal(T.sid[0], 3);
    in.ndpi_risks = UINT64_C(1) << NDPI_TLS_SELFSIGNED_CERTIFICATE;
    in.ndpi_done = true; /* after the certificate */
    assert_int_equal(trun(&in), 2);
    assert_int_equal(T.sid[0], 1);
    assert_int_equal(T.sid[1], 2);
    assert_int_equal(trun(&in), 0); /* once per direction */
    in.to_server = false;
    assert_int_equal(trun(&in), 3); /* the other direction: protocol and nDPI both known */
    assert_int_equal(trun(&in), 0);
}

static void
dataset_isset_and_isnotset(void **state)
{
    char dir[] = "/tmp/sigds.XXXXXX", path[128], rules[512];
    struct sw_sig_input in;

    (void)state;
    assert_non_null(mkdtemp(dir));
    snprintf(path, sizeof(path), "%s/bad-domains.lst", dir);
    test_put_file(path, "# test list\nZXZpbC5leGFtcGxl\n");
    snprintf(rules, sizeof(rules),
             "alert dns any any -> any any (dns.query; dataset:isset,bad,type string,load "
             "bad-domains.lst; sid:1;)\n"
             "alert dns any any -> any any (dns.query; dataset:isnotset,bad; sid:2;)\n"
             "alert dns any any -> any any (dns.query; dataset:set,bad; sid:3;)\n"
             "alert dns any any -> any any (dns.query; dataset:isset,other; sid:4;)\n");
    tload_in(rules, dir);
    unlink(path);
    rmdir(dir);
    assert_int_equal(T.st.rules, 2);
    assert_int_equal(T.st.left_out, 1);
    assert_int_equal(T.st.failed, 1);
    in = ttx("dns", 17, 53, 0);
    tbuf(&in, 0, SW_SIG_BUF_DNS_QUERY, "evil.example");
    assert_int_equal(trun(&in), 1);
    assert_int_equal(T.sid[0], 1);
    in = ttx("dns", 17, 53, 1);
    tbuf(&in, 0, SW_SIG_BUF_DNS_QUERY, "good.example");
    assert_int_equal(trun(&in), 1);
    assert_int_equal(T.sid[0], 2);
}

static void
one_alert_per_rule_and_transaction(void **state)
{
    struct sw_sig_input in;

    (void)state;
    tload("alert http any any -> any any (http.uri; content:\"/x\"; sid:1;)\n"
          "alert http any any -> any any (http.uri; content:\"/x\"; http.stat_code; "
          "content:\"404\"; sid:2;)\n");
    in = ttx("http", 6, 80, 0);
    tbuf(&in, 0, SW_SIG_BUF_HTTP_URI, "/x");
    assert_int_equal(trun(&in), 1); /* the request: rule 1 */
    tbuf(&in, 1, SW_SIG_BUF_HTTP_STAT_CODE, "404");
    assert_int_equal(trun(&in), 1); /* the response: rule 2 only */
    assert_int_equal(T.sid[0], 2);
    assert_true(T.last.to_client);
    in.tx_id = 1; /* the next transaction alerts again */
    assert_int_equal(trun(&in), 2);
}

static void
protocol_only_rule_at_detection(void **state)
{
    struct sw_sig_input in;

    (void)state;
    tload("alert tls any any -> any any (msg:\"tls seen\"; sid:1;)\n");
    in = tpkt(6, "10.0.0.1", 1, "192.0.2.1", 443, "x", 1);
    assert_int_equal(trun(&in), 0); /* protocol not known yet */
    in.app_proto = "tls";
    assert_int_equal(trun(&in), 1);
    assert_int_equal(trun(&in), 0); /* once per direction */
    in.to_server = false;
    assert_int_equal(trun(&in), 1);
}

static void
pass_silences_the_flow(void **state)
{
    struct sw_sig_input in;

    (void)state;
    tload("alert udp any any -> any any (content:\"a\"; sid:1;)\n"
          "pass udp 10.0.0.1 any -> any any (content:\"trusted\"; sid:2;)\n");
    in = tpkt(17, "10.0.0.1", 1, "192.0.2.1", 2, "a", 1);
    assert_int_equal(trun(&in), 1);
    in = tpkt(17, "10.0.0.1", 1, "192.0.2.1", 2, "a trusted", 9);
    assert_int_equal(trun(&in), 0);
    in = tpkt(17, "10.0.0.1", 1, "192.0.2.1", 2, "a", 1);
    assert_int_equal(trun(&in), 0); /* the flow is passed */
}

/* IP-only rules (addresses, any ports, nothing else but set flowbits) run on the first
 * packet of each direction of a flow, as Suricata's IP-only engine: an ET blocklist rule
 * alerts once per direction, not on every packet (was: every packet, and 1600 such rules of a
 * public ruleset evaluated on each). A rule with ports or a flow keyword is no IP-only rule. */
static void
iponly_rules_once_per_flow_direction(void **state)
{
    struct sw_sig_input in;

    (void)state;
    tload("alert ip [192.0.2.0/24,198.51.100.1] any -> any any (msg:\"bl\"; "
          "flowbits:set,ET.Evil; sid:1;)\n"
          "alert ip any any -> 192.0.2.1 any (msg:\"bl2\"; sid:2;)\n"
          "alert tcp any any -> any 80 (msg:\"port\"; sid:3;)\n"
          "alert ip any any -> any any (msg:\"isset\"; flowbits:isset,ET.Evil; sid:4;)\n");
    assert_int_equal(T.st.iponly, 6); /* sids 1 and 2, in each protocol class */
    in = tpkt(6, "192.0.2.1", 40000, "10.0.0.1", 80, "a", 1);
    assert_int_equal(trun(&in), 3); /* 1, 3, 4 */
    assert_int_equal(trun(&in), 2); /* 3, 4: no IP-only rule on the second packet */
    in = tpkt(6, "10.0.0.1", 80, "192.0.2.1", 40000, "b", 1);
    in.to_server = false;
    assert_int_equal(trun(&in), 2); /* 2 (first to client) and 4 */
    assert_int_equal(trun(&in), 1); /* 4 */
}

static void
stream_match_across_chunks_once(void **state)
{
    struct sw_sig_input in;

    (void)state;
    tload("alert tcp any any -> any 80 (content:\"GET /evil\"; sid:1;)\n"
          "alert tcp any any -> any 80 (content:\"GET\"; depth:3; sid:2;)\n"
          "alert tcp any any -> any 80 (content:\"X\"; dsize:1; sid:3;)\n");
    in = tstream("GET /ev", 0, true);
    assert_int_equal(trun(&in), 1); /* 2: the stream starts with GET */
    assert_int_equal(T.sid[0], 2);
    in = tstream("il HTTP/1.1\r\n", 7, true);
    assert_int_equal(trun(&in), 1); /* 1: across the two chunks */
    assert_int_equal(T.sid[0], 1);
    in = tstream("\r\n", 20, true);
    assert_int_equal(trun(&in), 0); /* nothing new: no repeat */
    /* a second request in its own segment: both again, depth 3 counting from the start of
     * the new chunk as Suricata's per-packet inspection does (was: from the stream's start,
     * so depth-anchored rules saw only the first message of a connection) */
    in = tstream("GET /evil again", 22, true);
    assert_int_equal(trun(&in), 2);
    assert_int_equal(T.sid[0], 1);
    assert_int_equal(T.sid[1], 2);
    /* depth and offset: in the new chunk only, never in the kept tail */
    in = tstream("xxGET", 37, true);
    assert_int_equal(trun(&in), 0);
    /* a packet rule (dsize) sees packets, not the stream */
    in = tpkt(6, "10.0.0.1", 40000, "192.0.2.1", 80, "X", 1);
    in.pkt_stream = true;
    assert_int_equal(trun(&in), 1);
    assert_int_equal(T.sid[0], 3);
}

/* Issue 12: a match that ends with the last byte of the kept tail was seen with the chunk
 * before; the next chunk must not raise it again (a match counts when it ends in the new
 * bytes: past their first byte, not at it). */
static void
stream_match_ending_at_the_boundary_once(void **state)
{
    struct sw_sig_input in;

    (void)state;
    tload("alert tcp any any -> any 80 (content:\"evil-marker\"; sid:1;)\n");
    in = tstream("xx evil-marker", 0, true);
    assert_int_equal(trun(&in), 1);
    in = tstream("yy", 14, true);
    assert_int_equal(trun(&in), 0);
    in = tstream("evil-marker", 16, true);
    assert_int_equal(trun(&in), 1);
}

/* Issue 12: a chunk's prefilter scan covers the new bytes and the longest pattern's length
 * before them, and takes the rules found in the kept tail from the scans before: a fast
 * pattern wholly inside the tail (two chunks back) still makes its rule a candidate, and one
 * that has left the tail does not. */
static void
stream_fast_pattern_in_the_tail(void **state)
{
    static char big[2101];
    struct sw_sig_input in;

    (void)state;
    tload("alert tcp any any -> any 80 (content:\"fast-pattern-long-marker\"; "
          "content:\"Z\"; distance:0; sid:1;)\n");
    in = tstream("fast-pattern-long-marker and then some more bytes", 0, true);
    assert_int_equal(trun(&in), 0);
    in = tstream("bbbb", 49, true);
    assert_int_equal(trun(&in), 0);
    in = tstream("Z", 53, true); /* the pattern: 29 bytes and two chunks before */
    assert_int_equal(trun(&in), 1);
    assert_int_equal(T.sid[0], 1);
    memset(big, 'c', sizeof(big) - 1);
    in = tstream(big, 54, true);
    assert_int_equal(trun(&in), 0);
    in = tstream("Z", 54 + sizeof(big) - 1, true); /* the pattern left the 2048 kept bytes */
    assert_int_equal(trun(&in), 0);
    /* a gap: the tail does not join, nothing is carried over it */
    in = tstream("fast-pattern-long-marker", 5000, true);
    assert_int_equal(trun(&in), 0);
    in = tstream("Z", 6000, true);
    assert_int_equal(trun(&in), 0);
    in = tstream("Z", 6001, true);
    assert_int_equal(trun(&in), 0);
}

/* Issue 12: the kept tail is a ring (a chunk's last bytes are appended, not the whole tail
 * moved): after it has wrapped, a match across the join reads its first bytes from the
 * ring's end, and a match relative to bytes earlier in the tail reads them back in order. */
static void
stream_tail_ring_wraps(void **state)
{
    static char c1[701], c2[701], c3[649];
    struct sw_sig_input in;

    (void)state;
    tload("alert tcp any any -> any 80 (content:\"AAAA\"; content:\"BBBB\"; distance:700; "
          "within:900; sid:1;)\n"
          "alert tcp any any -> any 80 (content:\"BBBB\"; sid:2;)\n");
    memset(c1, 'a', 700);
    memset(c2, 'a', 700);
    memcpy(c2 + 600, "AAAA", 4); /* stream offsets 1300-1303 */
    memset(c3, 'b', 648); /* the ring full: 2048 bytes */
    in = tstream(c1, 0, true);
    assert_int_equal(trun(&in), 0);
    in = tstream(c2, 700, true);
    assert_int_equal(trun(&in), 0);
    in = tstream(c3, 1400, true);
    assert_int_equal(trun(&in), 0);
    in = tstream("ccccccccBB", 2048, true); /* BB at 2056-2057: the ring's bytes 8-9 */
    assert_int_equal(trun(&in), 0);
    in = tstream("BBdddddddddd", 2058, true); /* BBBB across the join */
    assert_int_equal(trun(&in), 2);
    assert_int_equal(T.sid[0], 1);
    assert_int_equal(T.sid[1], 2);
    in = tstream("xx", 2070, true);
    assert_int_equal(trun(&in), 0);
    /* the pattern 2100 bytes back is gone */
    memset(c1, 'e', 700);
    in = tstream("AAAA", 2072, true);
    assert_int_equal(trun(&in), 0);
    in = tstream(c1, 2076, true);
    assert_int_equal(trun(&in), 0);
    in = tstream(c1, 2776, true);
    assert_int_equal(trun(&in), 0);
    in = tstream(c1, 3476, true);
    assert_int_equal(trun(&in), 0);
    in = tstream("BBBB", 4176, true); /* AAAA 2100 bytes before: gone from the kept bytes */
    assert_int_equal(trun(&in), 1);
    assert_int_equal(T.sid[0], 2);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(flow_state_and_direction, sig_teardown),
        cmocka_unit_test_teardown(flowbits_set_then_isset_in_one_flow, sig_teardown),
        cmocka_unit_test_teardown(threshold_limit_threshold_both, sig_teardown),
        cmocka_unit_test_teardown(detection_filter_after_count, sig_teardown),
        cmocka_unit_test_teardown(tcp_flags_ttl_icmp, sig_teardown),
        cmocka_unit_test_teardown(ndpi_protocol_and_risk, sig_teardown),
        cmocka_unit_test_teardown(ndpi_keywords_on_protocol_only_rules_wait_for_ndpi,
                                  sig_teardown),
        cmocka_unit_test_teardown(dataset_isset_and_isnotset, sig_teardown),
        cmocka_unit_test_teardown(one_alert_per_rule_and_transaction, sig_teardown),
        cmocka_unit_test_teardown(protocol_only_rule_at_detection, sig_teardown),
        cmocka_unit_test_teardown(pass_silences_the_flow, sig_teardown),
        cmocka_unit_test_teardown(app_protocol_names_and_aliases, sig_teardown),
        cmocka_unit_test_teardown(address_verdicts_remembered_per_thread, sig_teardown),
        cmocka_unit_test_teardown(iponly_rules_once_per_flow_direction, sig_teardown),
        cmocka_unit_test_teardown(stream_match_across_chunks_once, sig_teardown),
        cmocka_unit_test_teardown(stream_match_ending_at_the_boundary_once, sig_teardown),
        cmocka_unit_test_teardown(stream_fast_pattern_in_the_tail, sig_teardown),
        cmocka_unit_test_teardown(stream_tail_ring_wraps, sig_teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
