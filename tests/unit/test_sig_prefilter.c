/* test_sig_prefilter.c - the prefilter: rules are evaluated only when their fast pattern
 * occurs (never a walk over all rules), grouped by protocol, direction, port and buffer;
 * rules without a pattern run always; and the compiled databases' cache: reused when its
 * entry is the effective user's, refused when others could have written it, rebuilt when
 * corrupt. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <dirent.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sig_test.h"

static void
only_candidates_are_evaluated(void **state)
{
    char *text = malloc(2000 * 96);
    size_t off = 0;
    struct sw_sig_counters c;
    struct sw_sig_input in;

    (void)state;
    assert_non_null(text);
    for (int i = 1; i <= 2000; i++)
        off += (size_t)snprintf(
            text + off, 96, "alert udp any any -> any any (content:\"pattern-%04d\"; sid:%d;)\n", i,
            i);
    tload(text);
    free(text);
    assert_int_equal(T.st.rules, 2000);
    assert_int_equal(T.st.always_run, 0);
    in = tpkt(17, "10.0.0.1", 1, "192.0.2.1", 53, "xx pattern-1234 yy", 18);
    assert_int_equal(trun(&in), 1);
    assert_int_equal(T.sid[0], 1234);
    sw_sig_thread_counters(T.thr, &c);
    assert_int_equal(c.evaluations, 1);
    in = tpkt(17, "10.0.0.1", 1, "192.0.2.1", 53, "nothing here", 12);
    assert_int_equal(trun(&in), 0);
    sw_sig_thread_counters(T.thr, &c);
    assert_int_equal(c.evaluations, 1);
}

/* A UDP packet's payload is scanned once: the rules of the packet hook (dsize) and the
 * stream rules, which see each packet of a protocol without a stream, share its databases
 * (was: one scan per hook, every UDP payload scanned twice). Both still match. */
static void
udp_payload_scanned_once(void **state)
{
    struct sw_sig_counters c;
    struct sw_sig_input in;

    (void)state;
    tload("alert udp any any -> any any (content:\"stream-rule\"; sid:1;)\n"
          "alert udp any any -> any any (content:\"packet-rule\"; dsize:<100; sid:2;)\n");
    assert_int_equal(T.st.rules, 2);
    assert_int_equal(T.st.always_run, 0);
    in = tpkt(17, "10.0.0.1", 1, "192.0.2.1", 53, "stream-rule packet-rule", 23);
    assert_int_equal(trun(&in), 2);
    sw_sig_thread_counters(T.thr, &c);
    assert_int_equal(c.prefilter_scans, 1);
    in = tpkt(17, "10.0.0.1", 1, "192.0.2.1", 53, "packet-rule", 11);
    assert_int_equal(trun(&in), 1);
    assert_int_equal(T.sid[0], 2);
    sw_sig_thread_counters(T.thr, &c);
    assert_int_equal(c.prefilter_scans, 2);
    assert_int_equal(c.evaluations, 3);
}

/* Issue 12: the fast pattern is chosen as Suricata does, http.method and http.stat_code last
 * ("lower priority than the general content buffer"): a request to another URI makes no
 * candidate of a rule with http.method "GET" and http.uri "/evil" (was: "GET" was its fast
 * pattern, so every GET evaluated it), and a 200 response with another body none of a rule
 * with http.stat_code "200" and file.data "secret"; both still match what they match. */
static void
method_and_status_code_are_the_last_fast_patterns(void **state)
{
    struct sw_sig_counters c;
    struct sw_sig_input in;

    (void)state;
    tload("alert http any any -> any any (http.method; content:\"GET\"; http.uri; "
          "content:\"/evil\"; sid:1;)\n"
          "alert http any any -> any any (http.stat_code; content:\"200\"; file.data; "
          "content:\"secret\"; sid:2;)\n");
    assert_int_equal(T.st.rules, 2);
    in = ttx("http", 6, 80, 1);
    tbuf(&in, 0, SW_SIG_BUF_HTTP_METHOD, "GET");
    tbuf(&in, 0, SW_SIG_BUF_HTTP_URI, "/index.html");
    tbuf(&in, 1, SW_SIG_BUF_HTTP_STAT_CODE, "200");
    tbuf(&in, 1, SW_SIG_BUF_FILE_DATA, "nothing to see");
    assert_int_equal(trun(&in), 0);
    sw_sig_thread_counters(T.thr, &c);
    assert_int_equal(c.evaluations, 0);
    in = ttx("http", 6, 80, 2);
    tbuf(&in, 0, SW_SIG_BUF_HTTP_METHOD, "GET");
    tbuf(&in, 0, SW_SIG_BUF_HTTP_URI, "/evil");
    tbuf(&in, 1, SW_SIG_BUF_HTTP_STAT_CODE, "200");
    tbuf(&in, 1, SW_SIG_BUF_FILE_DATA, "a secret");
    assert_int_equal(trun(&in), 2);
    sw_sig_thread_counters(T.thr, &c);
    assert_int_equal(c.evaluations, 2);
}

/* Rules without a pattern aimed at a few destination ports are evaluated only for packets
 * to those ports (was: every always-run rule on every packet: 80 million evaluations for the
 * ET Open scan rules on the bench capture); a negated or wide port set stays general. */
static void
always_run_rules_split_by_destination_port(void **state)
{
    struct sw_sig_counters c;
    struct sw_sig_input in;

    (void)state;
    tload("alert tcp any any -> any 1433 (msg:\"a\"; flags:S; sid:1;)\n"
          "alert tcp any any -> any [80,8080] (msg:\"b\"; flags:S; sid:2;)\n"
          "alert tcp any any -> any !22 (msg:\"c\"; flags:S; sid:3;)\n"
          "alert tcp any any <> any 1433 (msg:\"d\"; flags:S; sid:4;)\n");
    assert_int_equal(T.st.always_run, 5); /* 1, 2 (two ports), 3, 4 */
    in = tpkt(6, "10.0.0.1", 40000, "192.0.2.1", 1433, NULL, 0);
    in.tcp_flags = 0x02;
    assert_int_equal(trun(&in), 3); /* 1, 3, 4 */
    sw_sig_thread_counters(T.thr, &c);
    assert_int_equal(c.evaluations, 3); /* 2 was no candidate */
    in = tpkt(6, "10.0.0.1", 40001, "192.0.2.1", 8080, NULL, 0);
    in.tcp_flags = 0x02;
    assert_int_equal(trun(&in), 2); /* 2, 3 */
    in = tpkt(6, "10.0.0.1", 40002, "192.0.2.1", 22, NULL, 0);
    in.tcp_flags = 0x02;
    assert_int_equal(trun(&in), 0);
    sw_sig_thread_counters(T.thr, &c);
    assert_int_equal(c.evaluations, 3 + 3 + 2); /* 8080: 2, 3, 4; 22: 3, 4 */
}

/* Issue 12: an always-run rule on a port range of a few dozen is looked up by port too (ET's
 * VNC scan rules on 5800:5820 were evaluated on every TCP packet); a wider range stays in the
 * general list. */
static void
always_run_port_ranges_looked_up_by_port(void **state)
{
    struct sw_sig_counters c;
    struct sw_sig_input in;

    (void)state;
    tload("alert tcp any any -> any 5800:5820 (msg:\"vnc\"; flags:S; sid:1;)\n"
          "alert tcp any any -> any 1024: (msg:\"high\"; flags:S; sid:2;)\n");
    in = tpkt(6, "10.0.0.1", 40000, "192.0.2.1", 5810, NULL, 0);
    in.tcp_flags = 0x02;
    assert_int_equal(trun(&in), 2);
    in = tpkt(6, "10.0.0.1", 40001, "192.0.2.1", 80, NULL, 0);
    in.tcp_flags = 0x02;
    assert_int_equal(trun(&in), 0);
    sw_sig_thread_counters(T.thr, &c);
    assert_int_equal(c.evaluations, 2 + 1); /* port 80: only the general rule 2 */
}

/* Issue 12: always-run rules whose flags keyword requires SYN (flags:S, flags:S+, general or
 * by port) are evaluated only for packets with SYN (was: ET's scan rules on every TCP
 * packet); any of ('*'), none of ('!') and a mask ignoring SYN can match without SYN. */
static void
always_run_syn_rules_only_for_syn_packets(void **state)
{
    struct sw_sig_counters c;
    struct sw_sig_input in;

    (void)state;
    tload("alert tcp any any -> any any (msg:\"s\"; flags:S; sid:1;)\n"
          "alert tcp any any -> any 1433 (msg:\"s port\"; flags:S,A; sid:2;)\n"
          "alert tcp any any -> any any (msg:\"sa+\"; flags:SA+; sid:3;)\n"
          "alert tcp any any -> any any (msg:\"any\"; flags:*SA; sid:4;)\n"
          "alert tcp any any -> any any (msg:\"not\"; flags:!S; sid:5;)\n"
          "alert tcp any any -> any any (msg:\"masked\"; flags:A,S; sid:6;)\n");
    in = tpkt(6, "10.0.0.1", 40000, "192.0.2.1", 1433, NULL, 0);
    in.tcp_flags = 0x02;
    assert_int_equal(trun(&in), 3); /* 1, 2, 4 */
    sw_sig_thread_counters(T.thr, &c);
    assert_int_equal(c.evaluations, 6);
    in = tpkt(6, "10.0.0.1", 40001, "192.0.2.1", 1433, NULL, 0);
    in.tcp_flags = 0x10;
    assert_int_equal(trun(&in), 3); /* 4, 5, 6 */
    sw_sig_thread_counters(T.thr, &c);
    assert_int_equal(c.evaluations, 6 + 3); /* not 1, 2, 3 */
    in = tpkt(6, "10.0.0.1", 40002, "192.0.2.1", 1433, NULL, 0);
    in.tcp_flags = 0x12;
    assert_int_equal(trun(&in), 4); /* 2 (ACK ignored), 3, 4, 6 */
    sw_sig_thread_counters(T.thr, &c);
    assert_int_equal(c.evaluations, 6 + 3 + 6);
}

/* IP-only rules are found by address: a flow's first packet evaluates only the rules whose
 * narrower side holds its source or destination (and those with no narrow side), not every
 * IP-only rule of the set (was: 1600 evaluations per flow direction with ET Open). */
static void
iponly_rules_looked_up_by_address(void **state)
{
    char *text = malloc(300 * 120);
    size_t off = 0;
    struct sw_sig_counters c;
    struct sw_sig_input in;

    (void)state;
    assert_non_null(text);
    for (int i = 1; i <= 300; i++)
        off += (size_t)snprintf(text + off, 120,
                                "alert ip [198.51.%d.%d,203.0.113.0/24] any -> $HOME_NET any "
                                "(msg:\"bl\"; sid:%d;)\n",
                                i / 200, i % 200, i);
    off += (size_t)snprintf(
        text + off, 120, "alert ip $HOME_NET any -> ![10.0.0.0/8] any (msg:\"wide\"; sid:999;)\n");
    tload(text);
    free(text);
    assert_int_equal(T.st.iponly, 3 * 301);
    /* neither address listed: only the rule without a narrow side is evaluated */
    in = tpkt(6, "192.0.2.9", 40000, "10.1.1.1", 80, "a", 1);
    assert_int_equal(trun(&in), 0);
    sw_sig_thread_counters(T.thr, &c);
    assert_int_equal(c.evaluations, 1);
    /* a listed source: its rule (and the 300 sharing 203.0.113.0/24 are not candidates) */
    sw_sig_flow_free(T.fs);
    T.fs = NULL;
    in = tpkt(6, "198.51.0.77", 40000, "10.1.1.1", 80, "a", 1);
    assert_int_equal(trun(&in), 1);
    assert_int_equal(T.sid[0], 77);
    sw_sig_thread_counters(T.thr, &c);
    assert_int_equal(c.evaluations, 1 + 2);
    /* an address of the shared /24: all 300 rules */
    sw_sig_flow_free(T.fs);
    T.fs = NULL;
    in = tpkt(6, "203.0.113.5", 40000, "10.1.1.1", 80, "a", 1);
    assert_int_equal(trun(&in), 300);
}

static void
groups_split_protocol_direction_and_port(void **state)
{
    struct sw_sig_counters c;
    struct sw_sig_input in;

    (void)state;
    tload("alert tcp any any -> any 80 (content:\"needle\"; sid:1;)\n"
          "alert tcp any any -> any 25 (content:\"needle\"; sid:2;)\n"
          "alert udp any any -> any any (content:\"needle\"; sid:3;)\n"
          "alert tcp any any -> any any (flow:to_client; content:\"needle\"; sid:4;)\n");
    /* a TCP packet to port 80 (no stream): only rule 1's group sees the pattern */
    in = tpkt(6, "10.0.0.1", 40000, "192.0.2.1", 80, "a needle", 8);
    assert_int_equal(trun(&in), 1);
    assert_int_equal(T.sid[0], 1);
    sw_sig_thread_counters(T.thr, &c);
    assert_int_equal(c.evaluations, 1);
    assert_true(T.st.databases >= 4);
}

static void
rules_without_pattern_run_always(void **state)
{
    struct sw_sig_input in;

    (void)state;
    tload("alert udp any any -> any any (dsize:>100; sid:1;)\n"
          "alert udp any any -> any any (content:!\"x\"; sid:2;)\n"
          "alert udp any any -> any any (content:\"y\"; sid:3;)\n");
    assert_int_equal(T.st.always_run, 2);
    in = tpkt(17, "10.0.0.1", 1, "192.0.2.1", 53, "abc", 3);
    assert_int_equal(trun(&in), 1);
    assert_int_equal(T.sid[0], 2);
}

/* --- cache ----------------------------------------------------------------------------------- */

static char cdir[64];

static unsigned
count_hsdb(void)
{
    DIR *d = opendir(cdir);
    struct dirent *de;
    unsigned n = 0;

    if (d == NULL)
        return 0;
    while ((de = readdir(d)) != NULL)
        if (strlen(de->d_name) == 69 && strcmp(de->d_name + 64, ".hsdb") == 0)
            n++;
    closedir(d);
    return n;
}

static void
rm_cache(void)
{
    DIR *d = opendir(cdir);
    struct dirent *de;
    char p[512];

    if (d == NULL)
        return;
    while ((de = readdir(d)) != NULL) {
        if (de->d_name[0] == '.')
            continue;
        snprintf(p, sizeof(p), "%s/%s", cdir, de->d_name);
        unlink(p);
    }
    closedir(d);
    rmdir(cdir);
}

static const char rules[] = "alert udp any any -> any any (content:\"cached-pattern\"; sid:1;)\n";

static void
load_cached(void)
{
    struct sw_sig_load_opts o = {.cache_dir = cdir, .report = t_report};
    struct sw_err err;

    sig_teardown(NULL);
    T.set = sw_sig_load_text("t.rules", rules, strlen(rules), &o, &T.st, &err);
    if (T.set == NULL)
        fail_msg("load: %s", err.msg);
    T.thr = sw_sig_thread_create(T.set, &err);
    if (T.thr == NULL)
        fail_msg("thread: %s", err.msg);
}

static void
cache_reused_refused_and_rebuilt(void **state)
{
    struct sw_sig_input in;
    char path[512];
    DIR *d;
    struct dirent *de;
    FILE *fp;

    (void)state;
    snprintf(cdir, sizeof(cdir), "/tmp/sigcache.XXXXXX");
    assert_non_null(mkdtemp(cdir));
    load_cached();
    assert_int_equal(T.st.databases_cached, 0);
    assert_int_equal(count_hsdb(), 1);
    load_cached();
    assert_int_equal(T.st.databases_cached, T.st.databases);
    in = tpkt(17, "10.0.0.1", 1, "192.0.2.1", 53, "a cached-pattern", 16);
    assert_int_equal(trun(&in), 1);
    /* a folder others may write is not trusted: compiled, not read, not written */
    assert_int_equal(chmod(cdir, 0777), 0);
    load_cached();
    assert_int_equal(T.st.databases_cached, 0);
    assert_int_equal(chmod(cdir, 0700), 0);
    /* a corrupt entry is ignored and rebuilt */
    d = opendir(cdir);
    assert_non_null(d);
    while ((de = readdir(d)) != NULL)
        if (strlen(de->d_name) == 69)
            snprintf(path, sizeof(path), "%s/%s", cdir, de->d_name);
    closedir(d);
    fp = fopen(path, "r+");
    assert_non_null(fp);
    fseek(fp, 40, SEEK_SET);
    fputs("garbage garbage garbage", fp);
    fclose(fp);
    load_cached();
    assert_int_equal(T.st.databases_cached, 0);
    in = tpkt(17, "10.0.0.1", 1, "192.0.2.1", 53, "a cached-pattern", 16);
    assert_int_equal(trun(&in), 1);
    load_cached();
    assert_int_equal(T.st.databases_cached, T.st.databases);
    /* an entry writable by its group is refused */
    assert_int_equal(chmod(path, 0660), 0);
    load_cached();
    assert_int_equal(T.st.databases_cached, 0);
    rm_cache();
}

/* Issue 12: a packet-hook rule's dsize spares the scan of payloads it cannot match: rules
 * bounded from above (dsize:<20) sit in their own group, scanned only for payloads of the
 * lengths some rule of it accepts, and a group whose rules all want a longer payload
 * (dsize:>50) is not scanned for a shorter one (was: every TCP packet was scanned for ET's
 * dsize rules and each hit evaluated). Rules without dsize, or with !=, are scanned always. */
static void
dsize_spares_the_scan(void **state)
{
    static const char big[] = "................................................ small-msg "
                              "large-msg any-len ne-len .....................................";
    struct sw_sig_counters c;
    struct sw_sig_input in;

    (void)state;
    tload("alert tcp any any -> any any (content:\"small-msg\"; dsize:<20; sid:1;)\n"
          "alert tcp any any -> any any (content:\"large-msg\"; dsize:>50; sid:2;)\n"
          "alert tcp any any -> any any (content:\"any-len\"; flow:no_stream; sid:3;)\n"
          "alert tcp any any -> any any (content:\"ne-len\"; dsize:!12; sid:4;)\n");
    assert_int_equal(T.st.rules, 4);
    in = tpkt(6, "10.0.0.1", 40000, "192.0.2.1", 80, big, strlen(big));
    assert_int_equal(trun(&in), 3); /* 2, 3, 4 */
    sw_sig_thread_counters(T.thr, &c);
    assert_int_equal(c.evaluations, 3); /* 1 was no candidate */
    in = tpkt(6, "10.0.0.1", 40000, "192.0.2.1", 80, "small-msg any-len", 17);
    assert_int_equal(trun(&in), 2); /* 1, 3 */
    in = tpkt(6, "10.0.0.1", 40000, "192.0.2.1", 80, "ne-len small-msg", 16);
    assert_int_equal(trun(&in), 2); /* 1, 4 */
    sw_sig_thread_counters(T.thr, &c);
    assert_int_equal(c.evaluations, 3 + 2 + 2);

    tload("alert tcp any any -> any any (content:\"large-msg\"; dsize:>50; sid:1;)\n"
          "alert tcp any any -> any any (content:\"other-msg\"; dsize:>=40; sid:2;)\n"
          "alert tcp any any -> any any (content:\"exact-msg\"; dsize:9; sid:3;)\n");
    in = tpkt(6, "10.0.0.1", 40000, "192.0.2.1", 80, "large-msg other-msg exact-msg", 29);
    assert_int_equal(trun(&in), 0);
    sw_sig_thread_counters(T.thr, &c);
    assert_int_equal(c.evaluations, 0); /* too short for 1 and 2, too long for 3 */
    in = tpkt(6, "10.0.0.1", 40000, "192.0.2.1", 80, "exact-msg", 9);
    assert_int_equal(trun(&in), 1);
    assert_int_equal(T.sid[0], 3);
    in = tpkt(6, "10.0.0.1", 40000, "192.0.2.1", 80,
              "other-msg large-msg .........................", 45);
    assert_int_equal(trun(&in), 1); /* 2 only */
    assert_int_equal(T.sid[0], 2);
}

/* Issue 12: an HTTP body is file.data and http.response_body (or http.request_body) at once,
 * the same bytes: it is scanned once for the rules of all three names (was: once per name,
 * a second pass over every response body). Each rule still sees only its own side. */
static void
body_scanned_once_for_its_names(void **state)
{
    static const char body[] = "<html>needle-one needle-two needle-three</html>";
    struct sw_sig_counters c;
    struct sw_sig_input in;

    (void)state;
    tload("alert http any any -> any any (file.data; content:\"needle-one\"; sid:1;)\n"
          "alert http any any -> any any (http.response_body; content:\"needle-two\"; sid:2;)\n"
          "alert http any any -> any any (http.request_body; content:\"needle-three\"; "
          "sid:3;)\n");
    assert_int_equal(T.st.rules, 3);
    in = ttx("http", 6, 80, 1);
    tbuf(&in, 1, SW_SIG_BUF_FILE_DATA, body);
    tbuf(&in, 1, SW_SIG_BUF_HTTP_RESPONSE_BODY, body);
    assert_int_equal(trun(&in), 2); /* 1, 2: the request body rule wants side 0 */
    sw_sig_thread_counters(T.thr, &c);
    assert_int_equal(c.prefilter_scans, 1);
    in = ttx("http", 6, 80, 2);
    tbuf(&in, 0, SW_SIG_BUF_FILE_DATA, body);
    tbuf(&in, 0, SW_SIG_BUF_HTTP_REQUEST_BODY, body);
    assert_int_equal(trun(&in), 2); /* 1, 3 */
    sw_sig_thread_counters(T.thr, &c);
    assert_int_equal(c.prefilter_scans, 2);
    in = ttx("http", 6, 80, 3); /* other bytes under each name: each scanned */
    tbuf(&in, 1, SW_SIG_BUF_FILE_DATA, "needle-one");
    tbuf(&in, 1, SW_SIG_BUF_HTTP_RESPONSE_BODY, "needle-two");
    assert_int_equal(trun(&in), 2);
    sw_sig_thread_counters(T.thr, &c);
    assert_int_equal(c.prefilter_scans, 4);
}

/* Issue 12: to the client, the groups are keyed by the source port, the server's, as
 * Suricata does: the reply pattern of a rule from port 21 is looked for in port 21's replies
 * only (was: keyed by the destination, the client's ephemeral port, such a rule sat in the
 * any-port group and every reply of every server made it a candidate: 27 % of the Hyperscan
 * time on the bench capture with ET Open). To the server, the destination port as before. */
static void
to_client_groups_keyed_by_source_port(void **state)
{
    struct sw_sig_counters c;
    struct sw_sig_input in;

    (void)state;
    tload("alert tcp any 21 -> any any (flow:to_client; content:\"230 welcome\"; sid:1;)\n"
          "alert tcp any any -> any 21 (flow:to_server; content:\"USER root\"; sid:2;)\n");
    assert_int_equal(T.st.rules, 2);
    in = tpkt(6, "192.0.2.1", 80, "10.0.0.1", 40000, "230 welcome", 11);
    in.to_server = false;
    assert_int_equal(trun(&in), 0);
    in = tpkt(6, "192.0.2.1", 80, "10.0.0.1", 21, "230 welcome", 11);
    in.to_server = false; /* a client on port 21: not the rule's server side */
    assert_int_equal(trun(&in), 0);
    sw_sig_thread_counters(T.thr, &c);
    assert_int_equal(c.evaluations, 0);
    in = tpkt(6, "192.0.2.1", 21, "10.0.0.1", 40000, "230 welcome", 11);
    in.to_server = false;
    assert_int_equal(trun(&in), 1);
    assert_int_equal(T.sid[0], 1);
    in = tpkt(6, "10.0.0.1", 40000, "192.0.2.1", 21, "USER root", 9);
    assert_int_equal(trun(&in), 1);
    assert_int_equal(T.sid[0], 2);
    in = tpkt(6, "10.0.0.1", 21, "192.0.2.1", 80, "USER root", 9);
    assert_int_equal(trun(&in), 0);
    sw_sig_thread_counters(T.thr, &c);
    assert_int_equal(c.evaluations, 2);
}

/* A rule without a flow direction whose server-side port is any but whose other port is a
 * few single ports (ET's `any -> any 53` UDP rules) is keyed by that port in the direction
 * where it is the client's: a reply from port 53 does not scan for it (was: it sat in every
 * reply's any-port group and was evaluated, to fail on its port), a packet to port 53 the
 * other way still matches. */
static void
direction_less_rules_keyed_by_their_specific_port(void **state)
{
    struct sw_sig_counters c;
    struct sw_sig_input in;

    (void)state;
    tload("alert udp any any -> any 53 (msg:\"q\"; content:\"xyzzy\"; sid:1;)\n");
    in = tpkt(17, "192.0.2.53", 53, "10.0.0.1", 5555, "..xyzzy..", 9);
    in.to_server = false;
    assert_int_equal(trun(&in), 0);
    sw_sig_thread_counters(T.thr, &c);
    assert_int_equal(c.evaluations, 0);
    in = tpkt(17, "192.0.2.53", 1234, "10.0.0.1", 53, "..xyzzy..", 9);
    in.to_server = false; /* the flow's other direction, to port 53 */
    assert_int_equal(trun(&in), 1);
    assert_int_equal(T.sid[0], 1);
    in = tpkt(17, "10.0.0.1", 5555, "192.0.2.53", 53, "..xyzzy..", 9);
    assert_int_equal(trun(&in), 1);
    sw_sig_thread_counters(T.thr, &c);
    assert_int_equal(c.evaluations, 2);
}

/* Issue 12: at the packet hook a port's groups hold the any-port groups' patterns, so a
 * packet to a port with rules is scanned once (was: once for the any-port group, once for the
 * port's); with a dsize rule among the any-port ones, a short packet's scan is the port's
 * bounded group, a long one's its plain group. Packets to other ports: the any-port groups. */
static void
packet_port_groups_hold_the_any_port_patterns(void **state)
{
    static char big[201];
    struct sw_sig_counters c;
    struct sw_sig_input in;

    (void)state;
    tload("alert udp any any -> any any (content:\"any-rule\"; sid:1;)\n"
          "alert udp any any -> any 53 (content:\"port-rule\"; sid:2;)\n"
          "alert udp any any -> any any (content:\"short-any\"; dsize:<50; sid:3;)\n");
    in = tpkt(17, "10.0.0.1", 1, "192.0.2.1", 53, "any-rule port-rule short-any", 28);
    assert_int_equal(trun(&in), 3);
    sw_sig_thread_counters(T.thr, &c);
    assert_int_equal(c.prefilter_scans, 1);
    memset(big, '.', 200);
    memcpy(big, "any-rule port-rule short-any", 28);
    in = tpkt(17, "10.0.0.1", 1, "192.0.2.1", 53, big, 200);
    assert_int_equal(trun(&in), 2); /* 3's dsize: not for 200 bytes */
    assert_int_equal(T.sid[0], 1);
    assert_int_equal(T.sid[1], 2);
    sw_sig_thread_counters(T.thr, &c);
    assert_int_equal(c.prefilter_scans, 2);
    in = tpkt(17, "10.0.0.1", 1, "192.0.2.1", 54, "any-rule port-rule short-any", 28);
    assert_int_equal(trun(&in), 2);
    assert_int_equal(T.sid[0], 1);
    assert_int_equal(T.sid[1], 3);
    sw_sig_thread_counters(T.thr, &c);
    assert_int_equal(c.prefilter_scans, 3);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(only_candidates_are_evaluated, sig_teardown),
        cmocka_unit_test_teardown(direction_less_rules_keyed_by_their_specific_port, sig_teardown),
        cmocka_unit_test_teardown(udp_payload_scanned_once, sig_teardown),
        cmocka_unit_test_teardown(packet_port_groups_hold_the_any_port_patterns, sig_teardown),
        cmocka_unit_test_teardown(always_run_rules_split_by_destination_port, sig_teardown),
        cmocka_unit_test_teardown(method_and_status_code_are_the_last_fast_patterns, sig_teardown),
        cmocka_unit_test_teardown(always_run_port_ranges_looked_up_by_port, sig_teardown),
        cmocka_unit_test_teardown(always_run_syn_rules_only_for_syn_packets, sig_teardown),
        cmocka_unit_test_teardown(iponly_rules_looked_up_by_address, sig_teardown),
        cmocka_unit_test_teardown(groups_split_protocol_direction_and_port, sig_teardown),
        cmocka_unit_test_teardown(dsize_spares_the_scan, sig_teardown),
        cmocka_unit_test_teardown(to_client_groups_keyed_by_source_port, sig_teardown),
        cmocka_unit_test_teardown(body_scanned_once_for_its_names, sig_teardown),
        cmocka_unit_test_teardown(rules_without_pattern_run_always, sig_teardown),
        cmocka_unit_test_teardown(cache_reused_refused_and_rebuilt, sig_teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
