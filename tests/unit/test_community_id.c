/* test_community_id.c - Community ID v1 against the spec's vectors and the corelight corpus.
 *
 * Three sources of truth, from the most to the least independent of our code:
 *  1. the tables in the spec's baseline/README.md (typed in below, not read from the corpus);
 *  2. vectors for corner cases the spec tables miss, computed with this reference (Python 3),
 *     which reproduces every value of the spec's tables:
 *
 *       V4 = {8:0, 0:8, 13:14, 14:13, 15:16, 16:15, 10:9, 9:10, 17:18, 18:17}
 *       V6 = {128:129, 129:128, 133:134, 134:133, 135:136, 136:135,
 *             130:131, 131:130, 139:140, 140:139, 144:145, 145:144}
 *       def cid(seed, saddr, daddr, proto, sport=0, dport=0, b64=True):
 *           s = ipaddress.ip_address(saddr).packed; d = ipaddress.ip_address(daddr).packed
 *           one_way = False
 *           if proto in (1, 58):
 *               m = V4 if proto == 1 else V6
 *               if sport in m: dport = m[sport]       # code is dropped
 *               else: one_way = True                  # (type, code), never swapped
 *           ports = proto in (1, 6, 17, 58, 132)
 *           if not ports: sport = dport = 0
 *           if not one_way and (s > d or (s == d and sport > dport)):
 *               s, d, sport, dport = d, s, dport, sport
 *           data = struct.pack('!H', seed) + s + d + struct.pack('BB', proto, 0)
 *           if ports: data += struct.pack('!HH', sport, dport)
 *           h = hashlib.sha1(data).digest()
 *           return '1:' + (base64.b64encode(h).decode() if b64 else h.hex())
 *
 *  3. the corpus (../shared/corpus/community-id, or $SEAWALL_CORPUS/community-id): every
 *     vector of baseline_{deflt,seed1,nob64}.json, then every IP packet of the pcaps/ captures,
 *     parsed here and looked up in baseline_deflt.json by its tuple.
 *
 * The JSON baselines hold tuples whose ICMP ports are already the spec's pseudo-ports
 * ("sport": 135, "dport": 136 for a neighbor solicitation with code 0). They go to
 * sw_community_id() unchanged: a type with a counterpart ignores the code it is given, a
 * one-way type keeps it, so the mapping is idempotent on its own output. The pcap pass is what
 * feeds real type/code pairs from the wire. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <dirent.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>
#include <openssl/crypto.h>
#include <pcap/pcap.h>

#include "sw/community_id.h"

/* --- helpers ----------------------------------------------------------------------------- */

struct addr {
    int version; /* 4 or 6; 0 when the text did not parse */
    uint8_t bytes[16];
};

static struct addr
parse_addr(const char *text)
{
    struct addr a;

    memset(&a, 0, sizeof(a));
    if (inet_pton(AF_INET, text, a.bytes) == 1)
        a.version = 4;
    else if (inet_pton(AF_INET6, text, a.bytes) == 1)
        a.version = 6;
    return a;
}

/* Community ID of a textual tuple; out must hold SW_COMMUNITY_ID_HEX_LEN. */
static void
cid_text(uint16_t seed, const char *saddr, const char *daddr, uint8_t proto, uint16_t sport,
         uint16_t dport, bool base64, char *out)
{
    struct addr s = parse_addr(saddr);
    struct addr d = parse_addr(daddr);

    assert_int_not_equal(s.version, 0);
    assert_int_equal(s.version, d.version);
    sw_community_id(seed, s.version, s.bytes, d.bytes, proto, sport, dport, base64, out,
                    SW_COMMUNITY_ID_HEX_LEN);
}

struct vector {
    uint16_t seed;
    bool base64;
    uint8_t proto;
    const char *saddr;
    const char *daddr;
    uint16_t sport; /* ICMP type */
    uint16_t dport; /* ICMP code */
    const char *expect;
};

static void
check_vectors(const struct vector *v, size_t n)
{
    char out[SW_COMMUNITY_ID_HEX_LEN];

    for (size_t i = 0; i < n; i++) {
        cid_text(v[i].seed, v[i].saddr, v[i].daddr, v[i].proto, v[i].sport, v[i].dport,
                 v[i].base64, out);
        if (strcmp(out, v[i].expect) != 0)
            fail_msg("vector %zu: seed %u proto %u %s:%u -> %s:%u: got %s, want %s", i,
                     v[i].seed, v[i].proto, v[i].saddr, v[i].sport, v[i].daddr, v[i].dport, out,
                     v[i].expect);
    }
}

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

/* --- 1. the spec's own vectors ----------------------------------------------------------- */

#define V6A "fe80:0001:0203:0405:0607:0809:0A0B:0C0D"
#define V6B "fe80:1011:1213:1415:1617:1819:1A1B:1C1D"

/* corelight/community-id-spec, baseline/README.md, the three tables. */
static const struct vector spec_tables[] = {
    /* default settings: seed 0, base64 */
    {0, true, 6, "1.2.3.4", "5.6.7.8", 1122, 3344, "1:wCb3OG7yAFWelaUydu0D+125CLM="},
    {0, true, 6, "5.6.7.8", "1.2.3.4", 3344, 1122, "1:wCb3OG7yAFWelaUydu0D+125CLM="},
    {0, true, 17, "1.2.3.4", "5.6.7.8", 1122, 3344, "1:0Mu9InQx6z4ZiCZM/7HXi2WMhOg="},
    {0, true, 17, "5.6.7.8", "1.2.3.4", 3344, 1122, "1:0Mu9InQx6z4ZiCZM/7HXi2WMhOg="},
    {0, true, 132, "1.2.3.4", "5.6.7.8", 1122, 3344, "1:EKt4MsxuyaE6mL+hmrEkQ9csDD8="},
    {0, true, 132, "5.6.7.8", "1.2.3.4", 3344, 1122, "1:EKt4MsxuyaE6mL+hmrEkQ9csDD8="},
    {0, true, 1, "1.2.3.4", "5.6.7.8", 8, 0, "1:crodRHL2FEsHjbv3UkRrfbs4bZ0="},
    {0, true, 1, "5.6.7.8", "1.2.3.4", 0, 0, "1:crodRHL2FEsHjbv3UkRrfbs4bZ0="},
    {0, true, 1, "1.2.3.4", "5.6.7.8", 11, 0, "1:f/YiSyWqczrTgfUCZlBUnvHRcPk="},
    {0, true, 58, V6A, V6B, 128, 0, "1:0bf7hyMJUwt3fMED7z8LIfRpBeo="},
    {0, true, 58, V6B, V6A, 129, 0, "1:0bf7hyMJUwt3fMED7z8LIfRpBeo="},
    {0, true, 58, V6A, V6B, 146, 0, "1:fYC8+pz24E+EhANP1EZhpX0Dw10="},
    {0, true, 46, "1.2.3.4", "5.6.7.8", 0, 0, "1:ikv3kmf89luf73WPz1jOs49S768="},
    {0, true, 46, "5.6.7.8", "1.2.3.4", 0, 0, "1:ikv3kmf89luf73WPz1jOs49S768="},
    {0, true, 46, V6A, V6B, 0, 0, "1:wQ/2mwrnXP4lmJcHdGL5ePjR+e0="},
    {0, true, 46, V6B, V6A, 0, 0, "1:wQ/2mwrnXP4lmJcHdGL5ePjR+e0="},
    /* seed 1, base64 */
    {1, true, 6, "1.2.3.4", "5.6.7.8", 1122, 3344, "1:HhA1B+6CoLbiKPEs5nhNYN4XWfk="},
    {1, true, 6, "5.6.7.8", "1.2.3.4", 3344, 1122, "1:HhA1B+6CoLbiKPEs5nhNYN4XWfk="},
    {1, true, 17, "1.2.3.4", "5.6.7.8", 1122, 3344, "1:OShq+iKDAMVouh/4bMxB9Sz4amw="},
    {1, true, 17, "5.6.7.8", "1.2.3.4", 3344, 1122, "1:OShq+iKDAMVouh/4bMxB9Sz4amw="},
    {1, true, 132, "1.2.3.4", "5.6.7.8", 1122, 3344, "1:uitchpn5MMGAQKBJh7bIr/bAr7s="},
    {1, true, 132, "5.6.7.8", "1.2.3.4", 3344, 1122, "1:uitchpn5MMGAQKBJh7bIr/bAr7s="},
    {1, true, 1, "1.2.3.4", "5.6.7.8", 8, 0, "1:9pr4ZGTICiuZoIh90RRYE2RyXpU="},
    {1, true, 1, "5.6.7.8", "1.2.3.4", 0, 0, "1:9pr4ZGTICiuZoIh90RRYE2RyXpU="},
    {1, true, 1, "1.2.3.4", "5.6.7.8", 11, 0, "1:1DD7cWGC/Yg91YGsQeni8du3pIA="},
    {1, true, 58, V6A, V6B, 128, 0, "1:IO27GQzPuCtNnwFvjWALMHu5tJE="},
    {1, true, 58, V6B, V6A, 129, 0, "1:IO27GQzPuCtNnwFvjWALMHu5tJE="},
    {1, true, 58, V6A, V6B, 146, 0, "1:Cv4IKJe56BNkF0MBW2YxQ3Nwc3s="},
    {1, true, 46, "1.2.3.4", "5.6.7.8", 0, 0, "1:/buhqeOmaRCopOZFy9HnoJd5XW8="},
    {1, true, 46, "5.6.7.8", "1.2.3.4", 0, 0, "1:/buhqeOmaRCopOZFy9HnoJd5XW8="},
    {1, true, 46, V6A, V6B, 0, 0, "1:j6EyyfBzL4vWKHFXgUqb5Az3OxM="},
    {1, true, 46, V6B, V6A, 0, 0, "1:j6EyyfBzL4vWKHFXgUqb5Az3OxM="},
    /* seed 0, hex */
    {0, false, 6, "1.2.3.4", "5.6.7.8", 1122, 3344, "1:c026f7386ef200559e95a53276ed03fb5db908b3"},
    {0, false, 6, "5.6.7.8", "1.2.3.4", 3344, 1122, "1:c026f7386ef200559e95a53276ed03fb5db908b3"},
    {0, false, 17, "1.2.3.4", "5.6.7.8", 1122, 3344, "1:d0cbbd227431eb3e1988264cffb1d78b658c84e8"},
    {0, false, 17, "5.6.7.8", "1.2.3.4", 3344, 1122, "1:d0cbbd227431eb3e1988264cffb1d78b658c84e8"},
    {0, false, 132, "1.2.3.4", "5.6.7.8", 1122, 3344,
     "1:10ab7832cc6ec9a13a98bfa19ab12443d72c0c3f"},
    {0, false, 132, "5.6.7.8", "1.2.3.4", 3344, 1122,
     "1:10ab7832cc6ec9a13a98bfa19ab12443d72c0c3f"},
    {0, false, 1, "1.2.3.4", "5.6.7.8", 8, 0, "1:72ba1d4472f6144b078dbbf752446b7dbb386d9d"},
    {0, false, 1, "5.6.7.8", "1.2.3.4", 0, 0, "1:72ba1d4472f6144b078dbbf752446b7dbb386d9d"},
    {0, false, 1, "1.2.3.4", "5.6.7.8", 11, 0, "1:7ff6224b25aa733ad381f5026650549ef1d170f9"},
    {0, false, 58, V6A, V6B, 128, 0, "1:d1b7fb872309530b777cc103ef3f0b21f46905ea"},
    {0, false, 58, V6B, V6A, 129, 0, "1:d1b7fb872309530b777cc103ef3f0b21f46905ea"},
    {0, false, 58, V6A, V6B, 146, 0, "1:7d80bcfa9cf6e04f8484034fd44661a57d03c35d"},
    {0, false, 46, "1.2.3.4", "5.6.7.8", 0, 0, "1:8a4bf79267fcf65b9fef758fcf58ceb38f52efaf"},
    {0, false, 46, "5.6.7.8", "1.2.3.4", 0, 0, "1:8a4bf79267fcf65b9fef758fcf58ceb38f52efaf"},
    {0, false, 46, V6A, V6B, 0, 0, "1:c10ff69b0ae75cfe259897077462f978f8d1f9ed"},
    {0, false, 46, V6B, V6A, 0, 0, "1:c10ff69b0ae75cfe259897077462f978f8d1f9ed"},
};

static void
spec_readme_tables_match(void **state)
{
    (void)state;
    check_vectors(spec_tables, NELEM(spec_tables));
    print_message("community-id: spec tables: %zu vectors checked\n", NELEM(spec_tables));
}

/* The spec's worked example (README.md): the HTTP flow of pcaps/tcp.pcap, seen both ways. */
static void
spec_example_tcp_flow_has_one_id_both_ways(void **state)
{
    char fwd[SW_COMMUNITY_ID_HEX_LEN];
    char rev[SW_COMMUNITY_ID_HEX_LEN];

    (void)state;
    cid_text(0, "128.232.110.120", "66.35.250.204", 6, 34855, 80, true, fwd);
    cid_text(0, "66.35.250.204", "128.232.110.120", 6, 80, 34855, true, rev);
    assert_string_equal(fwd, "1:LQU9qZlK+B5F3KDmev6m5PMibrg=");
    assert_string_equal(rev, fwd);
    cid_text(0, "128.232.110.120", "66.35.250.204", 6, 34855, 80, false, fwd);
    assert_string_equal(fwd, "1:2d053da9994af81e45dca0e67afea6e4f3226eb8");
}

/* --- 2. corner cases, from the reference in the header comment --------------------------- */

static const struct vector corner_cases[] = {
    /* one-way ICMP (port unreachable) keeps the order seen: the two directions differ, and the
     * larger address stays first */
    {0, true, 1, "10.0.0.9", "10.0.0.1", 3, 1, "1:FutSOBs/xBc7wkuFbYH/sZyfZw8="},
    {0, true, 1, "10.0.0.1", "10.0.0.9", 3, 1, "1:RccclMw84o6RNTZIu2Ch2WkkE+0="},
    /* equal addresses: the smaller port goes first */
    {0, true, 17, "192.168.1.1", "192.168.1.1", 5353, 53, "1:3GPKyNg2BuXnpBLLj3YZrm+ua/k="},
    {0, true, 17, "192.168.1.1", "192.168.1.1", 53, 5353, "1:3GPKyNg2BuXnpBLLj3YZrm+ua/k="},
    /* GRE has no ports: any given are ignored, not hashed as zeros */
    {0, true, 47, "10.0.0.1", "10.0.0.2", 1234, 80, "1:+KlEHDT0vJgzs/eNmzHq0aSpRYw="},
    {0, true, 47, "10.0.0.2", "10.0.0.1", 0, 0, "1:+KlEHDT0vJgzs/eNmzHq0aSpRYw="},
    /* ICMP timestamp request/reply and router solicitation/advertisement pair up */
    {0, true, 1, "10.0.0.2", "10.0.0.1", 13, 0, "1:th9CqcxflNss8X17pecPidKDzKw="},
    {0, true, 1, "10.0.0.1", "10.0.0.2", 14, 0, "1:th9CqcxflNss8X17pecPidKDzKw="},
    {0, true, 1, "10.0.0.2", "10.0.0.1", 9, 0, "1:qhJTvE/Qez7ZPSOGlcKJAzRpSO0="},
    {0, true, 1, "10.0.0.1", "10.0.0.2", 10, 0, "1:qhJTvE/Qez7ZPSOGlcKJAzRpSO0="},
    /* ICMP information and address mask request/reply */
    {0, true, 1, "10.0.0.2", "10.0.0.1", 15, 0, "1:+aoxZIkY0OuCwCZ+bbNV9kGNc5I="},
    {0, true, 1, "10.0.0.1", "10.0.0.2", 16, 0, "1:+aoxZIkY0OuCwCZ+bbNV9kGNc5I="},
    {0, true, 1, "10.0.0.2", "10.0.0.1", 17, 0, "1:l/VKACLiArrnbEnOQacsEqDOAlg="},
    {0, true, 1, "10.0.0.1", "10.0.0.2", 18, 0, "1:l/VKACLiArrnbEnOQacsEqDOAlg="},
    /* ICMPv6 router solicitation/advertisement, MLD query/report, node information
     * query/response (the response's code is dropped) */
    {0, true, 58, "2001:db8::2", "2001:db8::1", 133, 0, "1:QtPNtSu54LNnRaBsOVcKuZTB5oQ="},
    {0, true, 58, "2001:db8::1", "2001:db8::2", 134, 0, "1:QtPNtSu54LNnRaBsOVcKuZTB5oQ="},
    {0, true, 58, "fe80::2", "ff02::1", 130, 0, "1:YGpV/5ukRBPAX88+JNYPT7oPkyE="},
    {0, true, 58, "ff02::1", "fe80::2", 131, 0, "1:YGpV/5ukRBPAX88+JNYPT7oPkyE="},
    {0, true, 58, "2001:db8::2", "2001:db8::1", 139, 0, "1:EyvsTyxh629HwHG1XyqvKuccnPM="},
    {0, true, 58, "2001:db8::1", "2001:db8::2", 140, 2, "1:EyvsTyxh629HwHG1XyqvKuccnPM="},
    /* ICMPv6 neighbor solicitation/advertisement, echo with a non-zero code (dropped),
     * destination unreachable (one-way, code kept), home agent discovery */
    {0, true, 58, "2001:db8::2", "2001:db8::1", 135, 0, "1:piFQJmm/6+NlvVh+iLYDZMGiCm8="},
    {0, true, 58, "2001:db8::1", "2001:db8::2", 136, 0, "1:piFQJmm/6+NlvVh+iLYDZMGiCm8="},
    {0, true, 58, "2001:db8::2", "2001:db8::1", 128, 5, "1:YDcnf7YthUKAbDNo6Cs3rX4jq4w="},
    {0, true, 58, "2001:db8::2", "2001:db8::1", 1, 4, "1:qxd1LeYGiZWewhdgFCEH4g39f1w="},
    {0, true, 58, "2001:db8::2", "2001:db8::1", 144, 0, "1:tpS7VP1V1DNOq0L6LOxDDupNGcA="},
    {0, true, 58, "2001:db8::1", "2001:db8::2", 145, 0, "1:tpS7VP1V1DNOq0L6LOxDDupNGcA="},
    /* SCTP over IPv6; seeds whose two bytes differ pin the big-endian order */
    {0, true, 132, "2001:db8::1", "2001:db8::2", 2905, 2905, "1:nZpvfa+j9+CnPKZ8jH1pTOw8y2o="},
    {65535, true, 6, "2001:db8::1", "2001:db8::2", 443, 51000, "1:KE1nxKB66hY9tH5jfssXf+ebBuk="},
    {258, true, 17, "10.1.1.1", "10.2.2.2", 53, 33000, "1:TVRcgozldt4AfnvwJa6bEyE8WLY="},
    {258, false, 17, "10.2.2.2", "10.1.1.1", 33000, 53,
     "1:4d545c828ce576de007e7bf025ae9b13213c58b6"},
};

static void
corner_cases_match_reference(void **state)
{
    (void)state;
    check_vectors(corner_cases, NELEM(corner_cases));
    print_message("community-id: corner cases: %zu vectors checked\n", NELEM(corner_cases));
}

static void
output_fits_the_documented_sizes(void **state)
{
    char b64[SW_COMMUNITY_ID_LEN];
    char hex[SW_COMMUNITY_ID_HEX_LEN];
    uint8_t a[4] = {10, 0, 0, 1};
    uint8_t b[4] = {10, 0, 0, 2};

    (void)state;
    memset(b64, 'x', sizeof(b64));
    sw_community_id(0, 4, a, b, 6, 1, 2, true, b64, sizeof(b64));
    assert_int_equal(strlen(b64), 30);
    memset(hex, 'x', sizeof(hex));
    sw_community_id(0, 4, a, b, 6, 1, 2, false, hex, sizeof(hex));
    assert_int_equal(strlen(hex), 42);
}

static void
bad_arguments_give_an_empty_string(void **state)
{
    char out[SW_COMMUNITY_ID_HEX_LEN];
    uint8_t a[16] = {1};
    uint8_t b[16] = {2};

    (void)state;
    memset(out, 'x', sizeof(out));
    sw_community_id(0, 4, a, b, 6, 1, 2, true, out, SW_COMMUNITY_ID_LEN - 1);
    assert_string_equal(out, "");
    memset(out, 'x', sizeof(out));
    sw_community_id(0, 4, a, b, 6, 1, 2, false, out, SW_COMMUNITY_ID_HEX_LEN - 1);
    assert_string_equal(out, "");
    memset(out, 'x', sizeof(out));
    sw_community_id(0, 5, a, b, 6, 1, 2, true, out, sizeof(out));
    assert_string_equal(out, "");
    memset(out, 'x', sizeof(out));
    sw_community_id(0, 6, NULL, b, 6, 1, 2, true, out, sizeof(out));
    assert_string_equal(out, "");
    sw_community_id(0, 6, a, b, 6, 1, 2, true, NULL, 0); /* must not crash */
    out[0] = 'x';
    sw_community_id(0, 6, a, b, 6, 1, 2, true, out, 0); /* must not write */
    assert_int_equal(out[0], 'x');
}

/* OpenSSL allocations, counted through CRYPTO_set_mem_functions() (installed in main() before
 * anything else can make libcrypto allocate). Our own code calls no allocator at all. */
static unsigned long ossl_allocs;
static bool ossl_counting;

static void *
count_malloc(size_t n, const char *file, int line)
{
    (void)file;
    (void)line;
    ossl_allocs++;
    return malloc(n);
}

static void *
count_realloc(void *p, size_t n, const char *file, int line)
{
    (void)file;
    (void)line;
    ossl_allocs++;
    return realloc(p, n);
}

static void
count_free(void *p, const char *file, int line)
{
    (void)file;
    (void)line;
    free(p);
}

static void
hashing_a_flow_does_not_allocate(void **state)
{
    char out[SW_COMMUNITY_ID_LEN];
    uint8_t a[16] = {0x20, 0x01, 0x0d, 0xb8, [15] = 1};
    uint8_t b[16] = {0x20, 0x01, 0x0d, 0xb8, [15] = 2};
    unsigned long before;

    (void)state;
    if (!ossl_counting) {
        print_message("skipped: CRYPTO_set_mem_functions refused (libcrypto already used)\n");
        skip();
    }
    before = ossl_allocs;
    for (unsigned i = 0; i < 1000; i++)
        sw_community_id((uint16_t)i, 6, a, b, 6, (uint16_t)i, 443, true, out, sizeof(out));
    assert_int_equal(ossl_allocs - before, 0);
}

/* --- 3. the corpus ------------------------------------------------------------------------ */

static char corpus[PATH_MAX]; /* .../community-id, or "" when not found */

static bool
is_dir(const char *path)
{
    struct stat st;

    return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

static bool
try_corpus_root(const char *root)
{
    int n = snprintf(corpus, sizeof(corpus), "%s/community-id", root);

    if (n < 0 || (size_t)n >= sizeof(corpus) || !is_dir(corpus)) {
        corpus[0] = '\0';
        return false;
    }
    return true;
}

/* $SEAWALL_CORPUS when set (and then only it); otherwise ../shared/corpus seen from the repo
 * root, which is the working directory under make, or four levels above this binary
 * (build/<variant>/tests/test_community_id) when run from elsewhere. */
static void
find_corpus(void)
{
    const char *env = getenv("SEAWALL_CORPUS");
    char exe[PATH_MAX];
    char root[PATH_MAX + 32];
    ssize_t len;

    corpus[0] = '\0';
    if (env != NULL && env[0] != '\0') {
        (void)try_corpus_root(env);
        return;
    }
    if (try_corpus_root("../shared/corpus"))
        return;
    len = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
    if (len <= 0)
        return;
    exe[len] = '\0';
    for (int up = 0; up < 4; up++) {
        char *slash = strrchr(exe, '/');

        if (slash == NULL)
            return;
        *slash = '\0';
    }
    if (snprintf(root, sizeof(root), "%s/../shared/corpus", exe) < (int)sizeof(root))
        (void)try_corpus_root(root);
}

static void
need_corpus(void)
{
    if (corpus[0] == '\0') {
        print_message("skipped: corpus not found\n");
        skip();
    }
}

struct baseline_entry {
    uint8_t proto;
    struct addr saddr;
    struct addr daddr;
    bool has_ports;
    uint16_t sport;
    uint16_t dport;
    char id[SW_COMMUNITY_ID_HEX_LEN];
};

/* Read one baseline file into a fresh array (caller frees). Fails the test on any malformed
 * entry: a broken corpus must not pass as a short one. */
static struct baseline_entry *
load_baseline(const char *name, size_t *count)
{
    char path[PATH_MAX];
    json_error_t jerr;
    json_t *root;
    struct baseline_entry *v;
    size_t n;

    assert_true((size_t)snprintf(path, sizeof(path), "%s/baseline/%s", corpus, name) <
                sizeof(path));
    root = json_load_file(path, 0, &jerr);
    if (root == NULL)
        fail_msg("%s:%d: %s", path, jerr.line, jerr.text);
    if (!json_is_array(root) || json_array_size(root) == 0)
        fail_msg("%s: not a non-empty JSON array", path);
    n = json_array_size(root);
    v = calloc(n, sizeof(*v));
    assert_non_null(v);
    for (size_t i = 0; i < n; i++) {
        json_t *e = json_array_get(root, i);
        json_t *proto = json_object_get(e, "proto");
        json_t *saddr = json_object_get(e, "saddr");
        json_t *daddr = json_object_get(e, "daddr");
        json_t *sport = json_object_get(e, "sport");
        json_t *dport = json_object_get(e, "dport");
        json_t *id = json_object_get(e, "communityid");
        const char *ids;

        if (!json_is_integer(proto) || json_integer_value(proto) < 0 ||
            json_integer_value(proto) > 255 || !json_is_string(saddr) ||
            !json_is_string(daddr) || !json_is_string(id))
            fail_msg("%s: entry %zu: missing or bad proto/saddr/daddr/communityid", path, i);
        v[i].proto = (uint8_t)json_integer_value(proto);
        v[i].saddr = parse_addr(json_string_value(saddr));
        v[i].daddr = parse_addr(json_string_value(daddr));
        if (v[i].saddr.version == 0 || v[i].saddr.version != v[i].daddr.version)
            fail_msg("%s: entry %zu: bad address pair", path, i);
        /* port-less protocols carry null ports */
        if (json_is_integer(sport) && json_is_integer(dport)) {
            if (json_integer_value(sport) < 0 || json_integer_value(sport) > 65535 ||
                json_integer_value(dport) < 0 || json_integer_value(dport) > 65535)
                fail_msg("%s: entry %zu: port out of range", path, i);
            v[i].has_ports = true;
            v[i].sport = (uint16_t)json_integer_value(sport);
            v[i].dport = (uint16_t)json_integer_value(dport);
        } else if (!json_is_null(sport) || !json_is_null(dport)) {
            fail_msg("%s: entry %zu: ports neither both integers nor both null", path, i);
        }
        ids = json_string_value(id);
        if (strlen(ids) >= sizeof(v[i].id))
            fail_msg("%s: entry %zu: community id too long", path, i);
        memcpy(v[i].id, ids, strlen(ids) + 1);
    }
    json_decref(root);
    *count = n;
    return v;
}

static void
check_baseline(const char *name, uint16_t seed, bool base64)
{
    struct baseline_entry *v;
    size_t n;
    size_t bad = 0;
    char out[SW_COMMUNITY_ID_HEX_LEN];

    need_corpus();
    v = load_baseline(name, &n);
    for (size_t i = 0; i < n; i++) {
        sw_community_id(seed, v[i].saddr.version, v[i].saddr.bytes, v[i].daddr.bytes,
                        v[i].proto, v[i].sport, v[i].dport, base64, out, sizeof(out));
        if (strcmp(out, v[i].id) != 0) {
            print_error("%s: entry %zu (proto %u, ports %u/%u): got %s, want %s\n", name, i,
                        v[i].proto, v[i].sport, v[i].dport, out, v[i].id);
            bad++;
        }
    }
    free(v);
    print_message("community-id: %s: %zu vectors checked, %zu mismatched\n", name, n, bad);
    assert_int_equal(bad, 0);
}

static void
corpus_baseline_default_matches(void **state)
{
    (void)state;
    check_baseline("baseline_deflt.json", 0, true);
}

static void
corpus_baseline_seed1_matches(void **state)
{
    (void)state;
    check_baseline("baseline_seed1.json", 1, true);
}

static void
corpus_baseline_nob64_matches(void **state)
{
    (void)state;
    check_baseline("baseline_nob64.json", 0, false);
}

/* A packet's tuple as it is on the wire (ICMP: type and code). */
struct wire_tuple {
    struct addr saddr;
    struct addr daddr;
    uint8_t proto;
    uint16_t sport;
    uint16_t dport;
};

static uint16_t
rd16(const uint8_t *p)
{
    return (uint16_t)(p[0] << 8 | p[1]);
}

/* Minimal Ethernet (+802.1Q) / IPv4 / IPv6 / TCP / UDP / SCTP / ICMP parser for the corpus
 * captures. Returns false for anything that is not an unfragmented IP packet whose transport
 * header (when the spec hashes ports) is complete. IPv6 extension headers are not walked:
 * the corpus has none, and such a packet is reported as not parsed, not misread. */
static bool
parse_packet(const uint8_t *p, size_t len, struct wire_tuple *t)
{
    uint16_t type;
    size_t off = 14;
    size_t l4len;
    const uint8_t *l4;

    memset(t, 0, sizeof(*t));
    if (len < 14)
        return false;
    type = rd16(p + 12);
    while (type == 0x8100 && len >= off + 4) {
        type = rd16(p + off + 2);
        off += 4;
    }
    p += off;
    len -= off;
    if (type == 0x0800) {
        size_t ihl;

        if (len < 20 || (p[0] >> 4) != 4)
            return false;
        ihl = (size_t)(p[0] & 0x0f) * 4;
        if (ihl < 20 || len < ihl || (rd16(p + 6) & 0x1fff) != 0)
            return false;
        t->saddr.version = t->daddr.version = 4;
        memcpy(t->saddr.bytes, p + 12, 4);
        memcpy(t->daddr.bytes, p + 16, 4);
        t->proto = p[9];
        l4 = p + ihl;
        l4len = len - ihl;
    } else if (type == 0x86dd) {
        if (len < 40 || (p[0] >> 4) != 6)
            return false;
        t->saddr.version = t->daddr.version = 6;
        memcpy(t->saddr.bytes, p + 8, 16);
        memcpy(t->daddr.bytes, p + 24, 16);
        t->proto = p[6];
        if (t->proto == 0 || t->proto == 43 || t->proto == 44 || t->proto == 60)
            return false;
        l4 = p + 40;
        l4len = len - 40;
    } else {
        return false;
    }
    switch (t->proto) {
    case 6:
    case 17:
    case 132:
        if (l4len < 4)
            return false;
        t->sport = rd16(l4);
        t->dport = rd16(l4 + 2);
        break;
    case 1:
    case 58:
        if (l4len < 2)
            return false;
        t->sport = l4[0];
        t->dport = l4[1];
        break;
    default:
        break;
    }
    return true;
}

/* The baseline entry recorded for this packet: same addresses in the same order and protocol,
 * same ports for TCP/UDP/SCTP, same type (the baseline's sport) for ICMP. */
static const struct baseline_entry *
find_entry(const struct baseline_entry *v, size_t n, const struct wire_tuple *t)
{
    for (size_t i = 0; i < n; i++) {
        if (v[i].proto != t->proto || v[i].saddr.version != t->saddr.version ||
            memcmp(v[i].saddr.bytes, t->saddr.bytes, 16) != 0 ||
            memcmp(v[i].daddr.bytes, t->daddr.bytes, 16) != 0)
            continue;
        if (t->proto == 1 || t->proto == 58) {
            if (v[i].sport != t->sport)
                continue;
        } else if (v[i].has_ports) {
            if (v[i].sport != t->sport || v[i].dport != t->dport)
                continue;
        }
        return &v[i];
    }
    return NULL;
}

static int
pcap_name_filter(const struct dirent *d)
{
    size_t len = strlen(d->d_name);

    return len > 5 && strcmp(d->d_name + len - 5, ".pcap") == 0;
}

static void
corpus_pcap_packets_match_baseline(void **state)
{
    char dir[PATH_MAX];
    struct dirent **names = NULL;
    struct baseline_entry *v;
    size_t nv;
    size_t checked = 0;
    size_t not_ip = 0;
    size_t bad = 0;
    int nf;

    (void)state;
    need_corpus();
    v = load_baseline("baseline_deflt.json", &nv);
    assert_true((size_t)snprintf(dir, sizeof(dir), "%s/pcaps", corpus) < sizeof(dir));
    nf = scandir(dir, &names, pcap_name_filter, alphasort);
    if (nf <= 0)
        fail_msg("%s: no .pcap files", dir);
    for (int f = 0; f < nf; f++) {
        char path[PATH_MAX * 2];
        char errbuf[PCAP_ERRBUF_SIZE];
        struct pcap_pkthdr *hdr;
        const u_char *data;
        pcap_t *pc;
        int rc;

        snprintf(path, sizeof(path), "%s/%s", dir, names[f]->d_name);
        pc = pcap_open_offline(path, errbuf);
        if (pc == NULL)
            fail_msg("%s: %s", path, errbuf);
        if (pcap_datalink(pc) != DLT_EN10MB)
            fail_msg("%s: link type %d, the test parses Ethernet only", path,
                     pcap_datalink(pc));
        while ((rc = pcap_next_ex(pc, &hdr, &data)) == 1) {
            struct wire_tuple t;
            const struct baseline_entry *e;
            char out[SW_COMMUNITY_ID_LEN];

            if (!parse_packet(data, hdr->caplen, &t)) {
                not_ip++;
                continue;
            }
            checked++;
            e = find_entry(v, nv, &t);
            if (e == NULL) {
                print_error("%s: packet %zu (proto %u, %u/%u): no baseline entry\n",
                            names[f]->d_name, checked, t.proto, t.sport, t.dport);
                bad++;
                continue;
            }
            sw_community_id(0, t.saddr.version, t.saddr.bytes, t.daddr.bytes, t.proto, t.sport,
                            t.dport, true, out, sizeof(out));
            if (strcmp(out, e->id) != 0) {
                print_error("%s: proto %u, %u/%u: got %s, want %s\n", names[f]->d_name, t.proto,
                            t.sport, t.dport, out, e->id);
                bad++;
            }
        }
        if (rc != PCAP_ERROR_BREAK)
            fail_msg("%s: %s", path, pcap_geterr(pc));
        pcap_close(pc);
    }
    for (int f = 0; f < nf; f++)
        free(names[f]);
    free(names);
    free(v);
    print_message("community-id: pcaps: %zu IP packets checked, %zu non-IP skipped, "
                  "%zu mismatched\n",
                  checked, not_ip, bad);
    assert_true(checked > 0);
    assert_int_equal(bad, 0);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(spec_readme_tables_match),
        cmocka_unit_test(spec_example_tcp_flow_has_one_id_both_ways),
        cmocka_unit_test(corner_cases_match_reference),
        cmocka_unit_test(output_fits_the_documented_sizes),
        cmocka_unit_test(bad_arguments_give_an_empty_string),
        cmocka_unit_test(hashing_a_flow_does_not_allocate),
        cmocka_unit_test(corpus_baseline_default_matches),
        cmocka_unit_test(corpus_baseline_seed1_matches),
        cmocka_unit_test(corpus_baseline_nob64_matches),
        cmocka_unit_test(corpus_pcap_packets_match_baseline),
    };

    /* first thing: libcrypto accepts new allocators only before its first allocation */
    ossl_counting = CRYPTO_set_mem_functions(count_malloc, count_realloc, count_free) == 1;
    find_corpus();
    return cmocka_run_group_tests(tests, NULL, NULL);
}
