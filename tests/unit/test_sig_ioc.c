/* test_sig_ioc.c - the signature engine's IOC keywords (issue 14): the ip.src / ip.dst sticky
 * buffers with datasets of type ip and ipv4 (Suricata's raw-address lookup, IPv4 and IPv6),
 * and the file hash keywords filemd5 / filesha256 with Suricata's list format. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>

#include <cmocka.h>

#include "file_test.h"
#include "sig_test.h"

static char g_dir[64];
static char g_files[8][160]; /* written into g_dir, removed by teardown_dir */
static unsigned g_nfiles;

/* Write name in the test's folder with text. */
static void
wfile(const char *name, const char *text)
{
    char *path = g_files[g_nfiles];

    assert_true(g_nfiles < 8);
    g_nfiles++;
    snprintf(path, sizeof(g_files[0]), "%s/%s", g_dir, name);
    test_put_file(path, text);
}

static int
setup_dir(void **state)
{
    (void)state;
    snprintf(g_dir, sizeof(g_dir), "/tmp/sigioc.XXXXXX");
    return mkdtemp(g_dir) != NULL ? 0 : -1;
}

static int
teardown_dir(void **state)
{
    sig_teardown(state);
    for (unsigned i = 0; i < g_nfiles; i++)
        (void)unlink(g_files[i]);
    g_nfiles = 0;
    return rmdir(g_dir);
}

/* A listed address alerts as the packet's source (ip.src) or destination (ip.dst), both
 * ways of a flow, for IPv4 and IPv6; the list's "::ffff:a.b.c.d" form is the IPv4 address. */
static void
ip_src_dst_dataset_matches_listed_addresses(void **state)
{
    struct sw_sig_input in;

    (void)state;
    wfile("ips.lst", "# bad hosts\n198.51.100.23\n2001:db8::66\n::ffff:203.0.113.9\n");
    tload_in("alert ip any any -> any any (ip.src; dataset:isset,bad,type ip,load ips.lst; "
             "sid:1;)\n"
             "alert ip any any -> any any (ip.dst; dataset:isset,bad; sid:2;)\n",
             g_dir);
    assert_int_equal(T.st.rules, 2);
    assert_int_equal(T.st.failed + T.st.left_out, 0);
    /* to the listed address */
    in = tpkt(6, "10.0.0.1", 40000, "198.51.100.23", 80, "", 0);
    assert_int_equal(trun(&in), 1);
    assert_int_equal(T.sid[0], 2);
    /* from it */
    in = tpkt(6, "198.51.100.23", 80, "10.0.0.1", 40000, "", 0);
    in.to_server = false;
    assert_int_equal(trun(&in), 1);
    assert_int_equal(T.sid[0], 1);
    /* the neighbour address: nothing */
    in = tpkt(6, "10.0.0.1", 40000, "198.51.100.24", 80, "", 0);
    assert_int_equal(trun(&in), 0);
    /* IPv6 */
    in = tpkt(17, "2001:db8::1", 5353, "2001:db8::66", 53, "x", 1);
    assert_int_equal(trun(&in), 1);
    assert_int_equal(T.sid[0], 2);
    in = tpkt(17, "2001:db8::1", 5353, "2001:db8::67", 53, "x", 1);
    assert_int_equal(trun(&in), 0);
    /* listed as ::ffff:203.0.113.9, seen in an IPv4 packet */
    in = tpkt(17, "203.0.113.9", 1234, "10.0.0.1", 53, "x", 1);
    assert_int_equal(trun(&in), 1);
    assert_int_equal(T.sid[0], 1);
}

/* Type ipv4 takes IPv4 packets only; isnotset matches what the list lacks, IPv6 too (a
 * lookup that cannot be made is "not set", as Suricata's r < 1). */
static void
ip_ipv4_set_and_isnotset(void **state)
{
    struct sw_sig_input in;

    (void)state;
    wfile("v4.lst", "192.0.2.1\n");
    tload_in("alert ip any any -> any any (ip.dst; dataset:isset,v4,type ipv4,load v4.lst; "
             "sid:1;)\n"
             "alert ip any any -> any any (ip.dst; dataset:isnotset,v4; sid:2;)\n",
             g_dir);
    assert_int_equal(T.st.rules, 2);
    in = tpkt(6, "10.0.0.1", 40000, "192.0.2.1", 80, "", 0);
    assert_int_equal(trun(&in), 1);
    assert_int_equal(T.sid[0], 1);
    in = tpkt(6, "10.0.0.1", 40000, "192.0.2.2", 80, "", 0);
    assert_int_equal(trun(&in), 1);
    assert_int_equal(T.sid[0], 2);
    in = tpkt(6, "2001:db8::1", 40000, "2001:db8::2", 80, "", 0);
    assert_int_equal(trun(&in), 1);
    assert_int_equal(T.sid[0], 2);
}

/* ip.src is a buffer of raw bytes: binary content matches it, and it combines with payload
 * content (stream rules) and with application-layer buffers (a transaction rule sees the
 * addresses as its direction: to_client rules the server as source). */
static void
ip_buffers_combine_with_payload_and_app_buffers(void **state)
{
    struct sw_sig_input in;

    (void)state;
    wfile("ips.lst", "192.0.2.1\n");
    tload_in("alert ip any any -> any any (ip.dst; content:\"|c0 00 02 01|\"; sid:1;)\n"
             "alert tcp any any -> any any (content:\"GET\"; ip.dst; "
             "dataset:isset,b,type ip,load ips.lst; sid:2;)\n"
             "alert http any any -> any any (http.uri; content:\"/gate\"; ip.dst; "
             "dataset:isset,b; sid:3;)\n"
             "alert http any any -> any any (http.stat_code; content:\"200\"; ip.src; "
             "dataset:isset,b; sid:4;)\n",
             g_dir);
    assert_int_equal(T.st.rules, 4);
    assert_int_equal(T.st.failed + T.st.left_out, 0);
    in = tpkt(17, "10.0.0.1", 40000, "192.0.2.1", 53, "x", 1);
    assert_int_equal(trun(&in), 1);
    assert_int_equal(T.sid[0], 1);
    in = tstream("GET / HTTP/1.1\r\n", 0, true);
    assert_int_equal(trun(&in), 1);
    assert_int_equal(T.sid[0], 2);
    in = ttx("http", 6, 80, 0);
    tbuf(&in, 0, SW_SIG_BUF_HTTP_URI, "/gate.php");
    tbuf(&in, 1, SW_SIG_BUF_HTTP_STAT_CODE, "200");
    assert_int_equal(trun(&in), 2); /* 3 (to the server), 4 (the server's response) */
    assert_true((T.sid[0] == 3 && T.sid[1] == 4) || (T.sid[0] == 4 && T.sid[1] == 3));
    in = ttx("http", 6, 80, 1);
    in.dst = T.a; /* a server at 10.0.0.1: not listed */
    tbuf(&in, 0, SW_SIG_BUF_HTTP_URI, "/gate.php");
    tbuf(&in, 1, SW_SIG_BUF_HTTP_STAT_CODE, "200");
    assert_int_equal(trun(&in), 0);
}

static const char SHA_A[] = "2c26b46b68ffc68ff99b453c1d30413413422d706483bfa0f98a5e886266e7ae";
static const char MD5_A[] = "acbd18db4cc2f85cedef654fccc4a4d8"; /* md5("foo") */

static void
set_hash(struct sw_sig_input *in, int side, enum sw_sig_buf b, const char *hex, uint8_t *raw)
{
    size_t n = strlen(hex) / 2;

    for (size_t i = 0; i < n; i++) {
        unsigned v;

        assert_int_equal(sscanf(hex + 2 * i, "%2x", &v), 1);
        raw[i] = (uint8_t)v;
    }
    in->buf[side][b].data = raw;
    in->buf[side][b].len = n;
    in->buf[side][b].present = true;
}

/* filesha256 / filemd5 with Suricata's list format (sha256sum output, comments skipped), a
 * negated list, either side of the transaction; no digest (a body that did not come whole):
 * no match, negated or not. */
static void
filehash_lists_match_whole_files(void **state)
{
    struct sw_sig_input in;
    uint8_t sha[32], md5[16];
    char list[512];

    (void)state;
    snprintf(list, sizeof(list), "# bad files\n\n%s  dropper.exe\n%s\n", SHA_A,
             "0000000000000000000000000000000000000000000000000000000000000001");
    wfile("sha.lst", list);
    snprintf(list, sizeof(list), "%s  foo.txt\n", MD5_A);
    wfile("md5.lst", list);
    tload_in("alert http any any -> any any (filesha256:sha.lst; sid:1;)\n"
             "alert http any any -> any any (flow:to_client; filesha256:!sha.lst; sid:2;)\n"
             "alert http any any -> any any (filemd5:md5.lst; sid:3;)\n"
             "alert http any any -> any any (filesha1:sha1.lst; sid:4;)\n",
             g_dir);
    assert_int_equal(T.st.rules, 3);
    assert_int_equal(T.st.left_out, 1); /* filesha1: named, left out */
    assert_int_equal(T.st.failed, 0);
    /* a listed download */
    in = ttx("http", 6, 80, 0);
    set_hash(&in, 1, SW_SIG_BUF_FILE_SHA256, SHA_A, sha);
    assert_int_equal(trun(&in), 1);
    assert_int_equal(T.sid[0], 1);
    /* a listed upload: rule 1 looks at either side, rule 2 at responses only */
    in = ttx("http", 6, 80, 1);
    set_hash(&in, 0, SW_SIG_BUF_FILE_SHA256, SHA_A, sha);
    assert_int_equal(trun(&in), 1);
    assert_int_equal(T.sid[0], 1);
    /* another download: only the negated list */
    in = ttx("http", 6, 80, 2);
    set_hash(&in, 1, SW_SIG_BUF_FILE_SHA256,
             "0000000000000000000000000000000000000000000000000000000000000002", sha);
    assert_int_equal(trun(&in), 1);
    assert_int_equal(T.sid[0], 2);
    /* md5 */
    in = ttx("http", 6, 80, 3);
    set_hash(&in, 1, SW_SIG_BUF_FILE_MD5, MD5_A, md5);
    assert_int_equal(trun(&in), 1);
    assert_int_equal(T.sid[0], 3);
    /* a transaction without a whole file: nothing */
    in = ttx("http", 6, 80, 4);
    tbuf(&in, 0, SW_SIG_BUF_HTTP_URI, "/x");
    assert_int_equal(trun(&in), 0);
}

/* A hash list line of the wrong length fails the rule, naming the list and line (Suricata
 * refuses it too); a missing list fails it naming the path; an empty list loads. */
static void
filehash_bad_list_fails_rule(void **state)
{
    (void)state;
    wfile("bad.lst", "# ok\nabcdef\n");
    wfile("empty.lst", "");
    tload_in("alert http any any -> any any (filesha256:bad.lst; sid:1;)\n"
             "alert http any any -> any any (filemd5:missing.lst; sid:2;)\n"
             "alert http any any -> any any (filesha256:empty.lst; sid:3;)\n"
             "alert smtp any any -> any any (filesha256:empty.lst; sid:4;)\n",
             g_dir);
    assert_int_equal(T.st.rules, 1);
    assert_int_equal(T.st.failed, 2);
    assert_int_equal(T.st.left_out, 1); /* file hashes outside HTTP */
    assert_non_null(strstr(T.diag[0], "bad.lst:2: a digest of 64 hex digits, not 6"));
    assert_non_null(strstr(T.diag[1], "missing.lst"));
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(ip_src_dst_dataset_matches_listed_addresses, setup_dir,
                                        teardown_dir),
        cmocka_unit_test_setup_teardown(ip_ipv4_set_and_isnotset, setup_dir, teardown_dir),
        cmocka_unit_test_setup_teardown(ip_buffers_combine_with_payload_and_app_buffers,
                                        setup_dir, teardown_dir),
        cmocka_unit_test_setup_teardown(filehash_lists_match_whole_files, setup_dir,
                                        teardown_dir),
        cmocka_unit_test_setup_teardown(filehash_bad_list_fails_rule, setup_dir, teardown_dir),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
