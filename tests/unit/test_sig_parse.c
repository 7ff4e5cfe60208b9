/* test_sig_parse.c - the rule language around the matches: header (actions, protocols,
 * addresses, ports, variables, directions), general options (msg, sid, rev, gid,
 * classtype, priority, metadata, reference, target, requires), legacy and current buffer
 * spellings, and what a rule that cannot load turns into: a failure naming the keyword, or
 * a rule left out for an unsupported keyword, counted and named. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "sig_test.h"

/* One packet of a new flow (each tuple is a flow of its own). */
static unsigned
hit(uint8_t proto, const char *src, uint16_t sp, const char *dst, uint16_t dp)
{
    struct sw_sig_input in = tpkt(proto, src, sp, dst, dp, "x", 1);

    sw_sig_flow_free(T.fs);
    T.fs = NULL;
    return trun(&in);
}

static void
addresses_lists_ranges_negation(void **state)
{
    (void)state;
    tload("alert ip [10.0.0.0/8,!10.1.0.0/16] any -> any any (sid:1;)\n"
          "alert ip 192.0.2.10-192.0.2.20 any -> any any (sid:2;)\n"
          "alert ip ![192.0.2.0/24,198.51.100.0/24] any -> 203.0.113.5 any (sid:3;)\n"
          "alert ip 2001:db8::/32 any -> any any (sid:4;)\n"
          "alert ip 10.0.0.0/255.0.0.0 any -> [any] any (sid:5;)\n");
    assert_int_equal(T.st.rules, 5);
    assert_int_equal(hit(17, "10.2.3.4", 1, "1.1.1.1", 2), 2); /* 1 and 5 */
    assert_int_equal(hit(17, "10.1.3.4", 1, "1.1.1.1", 2), 1); /* 5 only */
    assert_int_equal(hit(17, "192.0.2.15", 1, "1.1.1.1", 2), 1);
    assert_int_equal(T.sid[0], 2);
    assert_int_equal(hit(17, "192.0.2.21", 1, "1.1.1.1", 2), 0);
    assert_int_equal(hit(17, "8.8.8.8", 1, "203.0.113.5", 2), 1);
    assert_int_equal(T.sid[0], 3);
    assert_int_equal(hit(17, "198.51.100.7", 1, "203.0.113.5", 2), 0);
    assert_int_equal(hit(17, "2001:db8::1", 1, "2001:db9::1", 2), 1);
    assert_int_equal(T.sid[0], 4);
}

static void
ports_lists_ranges_negation(void **state)
{
    (void)state;
    tload("alert tcp any any -> any [80,8000:8080,!8008] (sid:1;)\n"
          "alert tcp any 1024: -> any :1023 (sid:2;)\n"
          "alert udp any any -> any !53 (sid:3;)\n");
    assert_int_equal(hit(6, "1.1.1.1", 500, "2.2.2.2", 80), 1);
    assert_int_equal(hit(6, "1.1.1.1", 500, "2.2.2.2", 8050), 1);
    assert_int_equal(hit(6, "1.1.1.1", 500, "2.2.2.2", 8008), 0);
    assert_int_equal(hit(6, "1.1.1.1", 5000, "2.2.2.2", 22), 1);
    assert_int_equal(T.sid[0], 2);
    assert_int_equal(hit(17, "1.1.1.1", 5000, "2.2.2.2", 53), 0);
    assert_int_equal(hit(17, "1.1.1.1", 5000, "2.2.2.2", 54), 1);
}

static void
bidirectional_rules_match_either_way(void **state)
{
    (void)state;
    tload("alert tcp 10.0.0.1 any <> 192.0.2.1 80 (sid:1;)\n"
          "alert tcp 10.0.0.1 any -> 192.0.2.1 80 (sid:2;)\n");
    assert_int_equal(hit(6, "10.0.0.1", 4000, "192.0.2.1", 80), 2);
    assert_int_equal(hit(6, "192.0.2.1", 80, "10.0.0.1", 4000), 1);
    assert_int_equal(T.sid[0], 1);
}

static void
variables_default_to_suricata_yaml(void **state)
{
    (void)state;
    /* no configuration: HOME_NET is Suricata's default, EXTERNAL_NET its complement */
    tload("alert tcp $HOME_NET any -> $EXTERNAL_NET $HTTP_PORTS (sid:1;)\n"
          "alert tcp any any -> $HOME_NET $SHELLCODE_PORTS (sid:2;)\n"
          "alert tcp any any -> any $FILE_DATA_PORTS (sid:3;)\n");
    assert_int_equal(T.st.rules, 3);
    assert_int_equal(hit(6, "192.168.1.2", 4000, "8.8.8.8", 80), 2); /* 1 and 3 */
    assert_int_equal(hit(6, "8.8.8.8", 4000, "172.16.0.9", 81), 1);
    assert_int_equal(T.sid[0], 2);
    assert_int_equal(hit(6, "8.8.8.8", 4000, "172.16.0.9", 143), 2); /* 2 and 3 */
}

static void
variables_from_configuration(void **state)
{
    static const char *const sets[] = {
        "network.home_net=[198.51.100.0/24]",
        "vars.address_groups.DMZ=[$HOME_NET,203.0.113.0/24]",
        "vars.port_groups.HTTP_PORTS=[80,8080]",
    };
    (void)state;
    tload_cfg("alert tcp $EXTERNAL_NET any -> $DMZ $HTTP_PORTS (sid:1;)\n", sets, 3);
    assert_int_equal(T.st.rules, 1);
    assert_int_equal(hit(6, "8.8.8.8", 4000, "203.0.113.3", 8080), 1);
    assert_int_equal(hit(6, "8.8.8.8", 4000, "198.51.100.3", 80), 1);
    /* 198.51.100.0/24 is HOME_NET now: not external */
    assert_int_equal(hit(6, "198.51.100.4", 4000, "203.0.113.3", 80), 0);
    /* 192.168.0.0/16 is not HOME_NET any more: external */
    assert_int_equal(hit(6, "192.168.1.1", 4000, "203.0.113.3", 80), 1);
}

static void
home_net_group_overrides_network_home_net(void **state)
{
    static const char *const sets[] = {"vars.address_groups.HOME_NET=[10.9.0.0/16]"};

    (void)state;
    tload_cfg("alert ip $HOME_NET any -> any any (sid:1;)\n", sets, 1);
    assert_int_equal(hit(17, "10.9.1.1", 1, "1.1.1.1", 2), 1);
    assert_int_equal(hit(17, "10.8.1.1", 1, "1.1.1.1", 2), 0);
}

static void
header_errors_are_failures(void **state)
{
    (void)state;
    tload("alert tcp $NOPE any -> any any (sid:1;)\n"
          "alert tcp any any => any any (sid:2;)\n"
          "alert tcp any 70000 -> any any (sid:3;)\n"
          "alert foo any any -> any any (sid:4;)\n"
          "alert tcp any any -> any any (msg:\"x\";)\n"
          "alert tcp $A any -> any any (sid:6;)\n"
          "alert tcp any any -> any any sid:7;\n");
    assert_int_equal(T.st.rules, 0);
    assert_int_equal(T.st.failed, 7);
    assert_string_equal(T.diag[0], "t.rules:1: header: '$NOPE': no such address group "
                                   "(vars.address_groups) (sid 1)");
    assert_string_equal(T.diag[1],
                        "t.rules:2: header: '=>' is not a direction (-> or <>) (sid 2)");
    assert_string_equal(T.diag[2], "t.rules:3: header: '70000': not a port (sid 3)");
    assert_string_equal(T.diag[3], "t.rules:4: header: unknown protocol 'foo' (sid 4)");
    assert_string_equal(T.diag[4], "t.rules:5: sid: missing (every rule needs a sid)");
    assert_non_null(strstr(T.diag[6], "t.rules:7: no option list"));
}

static void
self_referring_variable_is_an_error(void **state)
{
    static const char *const sets[] = {"vars.address_groups.A=[$B]",
                                       "vars.address_groups.B=$A"};

    (void)state;
    tload_cfg("alert ip $A any -> any any (sid:1;)\n", sets, 2);
    assert_int_equal(T.st.failed, 1);
    assert_non_null(strstr(T.diag[0], "nested too deep"));
}

/* Issue 12: an address spec parsed once in a load is reused for the rules after (ET Open
 * repeats $HOME_NET and $EXTERNAL_NET thousands of times): the same spec gives the same set
 * to every rule, each rule its own copy, and a spec with an error fails every rule using it. */
static void
repeated_address_specs_parse_alike(void **state)
{
    struct sw_sig_input in;

    (void)state;
    tload("alert ip [10.0.0.0/8,!10.1.0.0/16] any -> any any (msg:\"a\"; sid:1;)\n"
          "alert ip [10.0.0.0/8,!10.1.0.0/16] any -> any any (msg:\"b\"; sid:2;)\n"
          "alert ip $NO_SUCH any -> any any (sid:3;)\n"
          "alert ip $NO_SUCH any -> any any (sid:4;)\n"
          "alert ip !$HOME_NET any -> $HOME_NET any (msg:\"c\"; sid:5;)\n"
          "alert ip $EXTERNAL_NET any -> $HOME_NET any (msg:\"d\"; sid:6;)\n");
    assert_int_equal(T.st.rules, 4);
    assert_int_equal(T.st.failed, 2);
    assert_non_null(strstr(T.diag[0], "NO_SUCH"));
    assert_non_null(strstr(T.diag[1], "NO_SUCH"));
    in = tpkt(17, "10.2.0.1", 1, "192.0.2.1", 2, NULL, 0);
    in.flow_state = NULL; /* each packet a flow of its own: IP-only rules run on each */
    assert_int_equal(trun(&in), 2); /* 1 and 2 */
    in = tpkt(17, "10.1.0.1", 1, "192.0.2.1", 2, NULL, 0);
    in.flow_state = NULL;
    assert_int_equal(trun(&in), 0);
    in = tpkt(17, "192.0.2.1", 1, "10.1.0.1", 2, NULL, 0);
    in.flow_state = NULL;
    assert_int_equal(trun(&in), 2); /* 5 and 6 */
    assert_int_equal(T.sid[0], 5);
    assert_int_equal(T.sid[1], 6);
}

static void
unsupported_keyword_leaves_the_rule_out(void **state)
{
    (void)state;
    tload("alert tcp any any -> any any (content:\"a\"; xbits:set,x,track ip_src; sid:1;)\n"
          "alert tcp any any -> any any (content:\"a\"; urilen:5; sid:2;)\n"
          "alert tcp any any -> any any (content:\"b\"; xbits:isset,x,track ip_src; sid:3;)\n"
          "drop tcp any any -> any any (sid:4;)\n"
          "alert tcp any any -> any any (content:\"ok\"; sid:5;)\n");
    assert_int_equal(T.st.rules, 1);
    assert_int_equal(T.st.left_out, 4);
    assert_int_equal(T.st.failed, 0);
    assert_int_equal(T.kind[0], SW_SIG_DIAG_LEFT_OUT);
    assert_string_equal(T.diag[0],
                        "t.rules:1: sid 1: unsupported keyword 'xbits': rule left out");
    assert_string_equal(T.st.top[0].keyword, "xbits");
    assert_int_equal(T.st.top[0].rules, 2);
    assert_int_equal(T.st.n_top, 3);
}

/* A reason that is no keyword name is counted whole (was: cut to 31 characters). */
static void
left_out_reason_counted_whole(void **state)
{
    (void)state;
    tload("alert http any any -> any any (http.uri; content:\"/a\"; pkt_data; content:\"b\"; "
          "sid:1;)\n");
    assert_int_equal(T.st.left_out, 1);
    assert_int_equal(T.st.n_top, 1);
    assert_string_equal(T.st.top[0].keyword,
                        "payload content mixed with application-layer buffers");
}

static void
multiline_rules_and_comments(void **state)
{
    (void)state;
    tload("# a comment\n"
          "\n"
          "alert udp any any -> any any \\\n"
          "   (msg:\"two lines\"; \\\n"
          "    content:\"zz\"; sid:1;)\n"
          "  # alert udp any any -> any any (sid:2;)\n"
          "alert udp any any -> any any (msg:\"x\"; content:\"q|\"; sid:3;)\n");
    assert_int_equal(T.st.rules, 1);
    assert_int_equal(T.st.failed, 1);
    /* the failure names the line the rule starts on */
    if (strstr(T.diag[0], "t.rules:7: content:") == NULL)
        fail_msg("%s", T.diag[0]);
    assert_int_equal(tpay(17, "azzb"), 1);
}

static void
general_options_reach_the_alert(void **state)
{
    (void)state;
    tload("alert udp any any -> any any (msg:\"ET TEST a\\;b\"; content:\"x\"; "
          "classtype:trojan-activity; sid:2000001; rev:7; gid:3; "
          "metadata:created_at 2024_01_01, former_category MALWARE, created_at 2024_02_02; "
          "reference:url,example.com; target:dest_ip;)\n"
          "alert udp any any -> any any (content:\"y\"; classtype:trojan-activity; "
          "priority:3; sid:2;)\n"
          "alert udp any any -> any any (content:\"z\"; sid:3;)\n");
    assert_int_equal(T.st.rules, 3);
    assert_int_equal(tpay(17, "x"), 1);
    assert_int_equal(T.last.sid, 2000001);
    assert_int_equal(T.last.gid, 3);
    assert_int_equal(T.last.rev, 7);
    assert_string_equal(T.last.msg, "ET TEST a;b");
    assert_string_equal(T.last.category, "A Network Trojan was detected");
    assert_int_equal(T.last.priority, 1); /* trojan-activity's */
    assert_int_equal(T.last.n_meta, 3);
    assert_string_equal(T.last.meta_keys[1], "former_category");
    assert_string_equal(T.last.meta_values[1], "MALWARE");
    assert_string_equal(T.last.target, "dest_ip");
    assert_int_equal(tpay(17, "y"), 1);
    assert_int_equal(T.last.priority, 3); /* priority wins over the class */
    assert_int_equal(tpay(17, "z"), 1);
    assert_int_equal(T.last.priority, 3); /* no class: 3 */
    assert_int_equal(T.last.gid, 1);
}

/* Option names are matched without regard to case (the lexer lowers them as it copies):
 * "Content", "NoCase", "SID" are content, nocase and sid. */
static void
option_names_ignore_case(void **state)
{
    (void)state;
    tload("alert udp any any -> any any (Msg:\"m\"; Content:\"ABC\"; NoCase; SID:5; REV:2;)\n");
    assert_int_equal(T.st.rules, 1);
    assert_int_equal(tpay(17, "xxabcxx"), 1);
    assert_int_equal(T.last.sid, 5);
    assert_int_equal(T.last.rev, 2);
    assert_string_equal(T.last.msg, "m");
}

/* The pairs of every metadata keyword of a rule share one allocation: a second keyword (and
 * an empty pair, and spaces around keys and values) keeps the first keyword's pairs. */
static void
metadata_keywords_accumulate(void **state)
{
    (void)state;
    tload("alert udp any any -> any any (content:\"x\"; sid:4; "
          "metadata: policy balanced ,  created_at   2024_01_01 ; metadata:,; "
          "metadata:signature_severity Major,affected_product Any, deployment  Perimeter;)\n");
    assert_int_equal(T.st.rules, 1);
    assert_int_equal(tpay(17, "x"), 1);
    assert_int_equal(T.last.n_meta, 5);
    assert_string_equal(T.last.meta_keys[0], "policy");
    assert_string_equal(T.last.meta_values[0], "balanced");
    assert_string_equal(T.last.meta_keys[1], "created_at");
    assert_string_equal(T.last.meta_values[1], "2024_01_01");
    assert_string_equal(T.last.meta_keys[2], "signature_severity");
    assert_string_equal(T.last.meta_values[2], "Major");
    assert_string_equal(T.last.meta_keys[3], "affected_product");
    assert_string_equal(T.last.meta_values[3], "Any");
    assert_string_equal(T.last.meta_keys[4], "deployment");
    assert_string_equal(T.last.meta_values[4], "Perimeter");
}

static void
unknown_classtype_and_bad_numbers_fail(void **state)
{
    (void)state;
    tload("alert udp any any -> any any (classtype:no-such-class; sid:1;)\n"
          "alert udp any any -> any any (sid:abc;)\n"
          "alert udp any any -> any any (sid:5; rev:-1;)\n"
          "alert udp any any -> any any (sid:6; target:both;)\n");
    assert_int_equal(T.st.failed, 4);
    assert_string_equal(T.diag[0], "t.rules:1: classtype: unknown class 'no-such-class' (not in "
                                   "classification.config) (sid 1)");
    assert_non_null(strstr(T.diag[1], "t.rules:2: sid: 'abc' is not a number"));
    assert_non_null(strstr(T.diag[2], "rev: '-1' is not a number"));
}

static void
duplicate_sid_keeps_the_higher_rev(void **state)
{
    (void)state;
    tload("alert udp any any -> any any (content:\"a\"; sid:1; rev:1;)\n"
          "alert udp any any -> any any (content:\"b\"; sid:1; rev:2;)\n"
          "alert udp any any -> any any (content:\"c\"; sid:1; rev:2;)\n");
    assert_int_equal(T.st.rules, 1);
    assert_int_equal(T.st.failed, 1);
    assert_int_equal(tpay(17, "a"), 0);
    assert_int_equal(tpay(17, "b"), 1);
}

static void
legacy_and_current_buffer_spellings_are_equal(void **state)
{
    struct sw_sig_input in;

    (void)state;
    tload("alert http any any -> any any (content:\"/admin\"; http_uri; sid:1;)\n"
          "alert http any any -> any any (http.uri; content:\"/admin\"; sid:2;)\n"
          "alert http any any -> any any (content:\"POST\"; http_method; content:\"/admin\"; "
          "http_uri; sid:3;)\n"
          "alert dns any any -> any any (dns_query; content:\"evil\"; sid:4;)\n"
          "alert tls any any -> any any (tls_sni; content:\"evil\"; sid:5;)\n"
          "alert tls any any -> any any (ja3_hash; content:\"e7d7\"; sid:6;)\n"
          "alert http any any -> any any (file_data; content:\"MZ\"; sid:7;)\n"
          "alert http any any -> any any (file.data; content:\"MZ\"; sid:8;)\n"
          "alert http any any -> any any (content:\"a=1\"; http_client_body; sid:9;)\n"
          "alert http any any -> any any (content:\"200\"; http_stat_code; sid:10;)\n");
    assert_int_equal(T.st.rules, 10);
    in = ttx("http", 6, 80, 0);
    tbuf(&in, 0, SW_SIG_BUF_HTTP_METHOD, "POST");
    tbuf(&in, 0, SW_SIG_BUF_HTTP_URI, "/admin/x");
    tbuf(&in, 0, SW_SIG_BUF_HTTP_REQUEST_BODY, "a=1");
    tbuf(&in, 1, SW_SIG_BUF_HTTP_STAT_CODE, "200");
    tbuf(&in, 1, SW_SIG_BUF_FILE_DATA, "MZ..");
    assert_int_equal(trun(&in), 7);
    in = ttx("dns", 17, 53, 0);
    tbuf(&in, 0, SW_SIG_BUF_DNS_QUERY, "evil.example");
    assert_int_equal(trun(&in), 1);
    in = ttx("tls", 6, 443, 0);
    tbuf(&in, 0, SW_SIG_BUF_TLS_SNI, "evil.example");
    tbuf(&in, 0, SW_SIG_BUF_JA3_HASH, "e7d705a3286e19ea42f587b344ee6865");
    assert_int_equal(trun(&in), 2);
}

static void
app_protocol_of_the_flow_decides(void **state)
{
    struct sw_sig_input in;

    (void)state;
    tload("alert http any any -> any any (http.uri; content:\"/\"; sid:1;)\n");
    in = ttx("http", 6, 8080, 0);
    tbuf(&in, 0, SW_SIG_BUF_HTTP_URI, "/");
    assert_int_equal(trun(&in), 1);
    in = ttx("", 6, 8080, 1); /* not known as HTTP */
    tbuf(&in, 0, SW_SIG_BUF_HTTP_URI, "/");
    assert_int_equal(trun(&in), 0);
    /* a buffer of another protocol than the header's is an error */
    tload("alert dns any any -> any any (http.uri; content:\"/\"; sid:2;)\n");
    assert_int_equal(T.st.failed, 1);
    assert_string_equal(T.diag[0],
                        "t.rules:1: http.uri: needs protocol http, not dns (sid 2)");
}

static void
requires_version_and_feature(void **state)
{
    (void)state;
    tload("alert udp any any -> any any (requires: version >= 7; content:\"a\"; sid:1;)\n"
          "alert udp any any -> any any (requires: version >= 9; content:\"a\"; sid:2;)\n"
          "alert udp any any -> any any (requires: feature geoip; content:\"a\"; sid:3;)\n");
    assert_int_equal(T.st.rules, 1);
    assert_int_equal(T.st.left_out, 2);
}

/* Every keyword of the table is found (sig_keyword_find is a binary search over it: a name
 * out of strcmp order would be missed and its rules left out as unsupported). */
static const char *const all_keywords[] = {
    "bsize", "byte_extract", "byte_jump", "byte_test", "classtype", "content", "dataset",
    "depth", "detection_filter", "distance", "dns.query", "dns_query", "dotprefix", "dsize",
    "endswith", "fast_pattern", "file.data", "file_data", "filemd5", "filesha256", "flags",
    "flow", "flowbits", "gid", "http.content_type", "http.cookie", "http.header",
    "http.header_names", "http.host", "http.method", "http.request_body", "http.response_body",
    "http.stat_code", "http.uri", "http.uri.raw", "http.user_agent", "http_client_body",
    "http_content_type", "http_cookie", "http_header", "http_header_names", "http_host",
    "http_method", "http_raw_uri", "http_server_body", "http_stat_code", "http_uri",
    "http_user_agent", "icode", "ip.dst", "ip.src", "isdataat", "itype", "ja3.hash", "ja3_hash",
    "ja3s.hash", "ja3s_hash", "metadata", "msg", "ndpi-protocol", "ndpi-risk", "noalert",
    "nocase", "offset", "pcre", "pkt_data", "priority", "rawbytes", "reference", "requires",
    "rev", "sid", "startswith", "target", "threshold", "tls.cert_issuer", "tls.cert_subject",
    "tls.sni", "tls_cert_issuer", "tls_cert_subject", "tls_sni", "ttl", "within",
};

static void
every_keyword_is_found(void **state)
{
    char rule[256];

    (void)state;
    for (size_t i = 0; i < sizeof(all_keywords) / sizeof(all_keywords[0]); i++) {
        snprintf(rule, sizeof(rule), "alert tcp any any -> any any (%s; sid:1;)\n",
                 all_keywords[i]);
        tload(rule);
        for (unsigned d = 0; d < T.n_diag; d++)
            if (strstr(T.diag[d], "unsupported keyword") != NULL)
                fail_msg("%s: %s", all_keywords[i], T.diag[d]);
    }
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(every_keyword_is_found, sig_teardown),
        cmocka_unit_test_teardown(addresses_lists_ranges_negation, sig_teardown),
        cmocka_unit_test_teardown(ports_lists_ranges_negation, sig_teardown),
        cmocka_unit_test_teardown(bidirectional_rules_match_either_way, sig_teardown),
        cmocka_unit_test_teardown(variables_default_to_suricata_yaml, sig_teardown),
        cmocka_unit_test_teardown(variables_from_configuration, sig_teardown),
        cmocka_unit_test_teardown(home_net_group_overrides_network_home_net, sig_teardown),
        cmocka_unit_test_teardown(header_errors_are_failures, sig_teardown),
        cmocka_unit_test_teardown(self_referring_variable_is_an_error, sig_teardown),
        cmocka_unit_test_teardown(repeated_address_specs_parse_alike, sig_teardown),
        cmocka_unit_test_teardown(unsupported_keyword_leaves_the_rule_out, sig_teardown),
        cmocka_unit_test_teardown(left_out_reason_counted_whole, sig_teardown),
        cmocka_unit_test_teardown(multiline_rules_and_comments, sig_teardown),
        cmocka_unit_test_teardown(general_options_reach_the_alert, sig_teardown),
        cmocka_unit_test_teardown(metadata_keywords_accumulate, sig_teardown),
        cmocka_unit_test_teardown(option_names_ignore_case, sig_teardown),
        cmocka_unit_test_teardown(unknown_classtype_and_bad_numbers_fail, sig_teardown),
        cmocka_unit_test_teardown(duplicate_sid_keeps_the_higher_rev, sig_teardown),
        cmocka_unit_test_teardown(legacy_and_current_buffer_spellings_are_equal, sig_teardown),
        cmocka_unit_test_teardown(app_protocol_of_the_flow_decides, sig_teardown),
        cmocka_unit_test_teardown(requires_version_and_feature, sig_teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
