/* community_id.c - Community ID v1 (corelight/community-id-spec).
 *
 * Called once per flow on the worker thread: no allocation, no locks, no global state, so any
 * thread may call it. */
#include "sw/community_id.h"

#include <string.h>

/* The low-level SHA1_Init/Update/Final are deprecated in OpenSSL 3.0, but the replacements
 * (SHA1(), EVP_Digest()) fetch the algorithm and allocate a context on every call: 3 mallocs
 * and about 6x the time for our 40-byte input on bookworm's 3.0. The SHA_CTX lives on our stack,
 * so the deprecated path is the one that keeps this function allocation-free. */
#define OPENSSL_SUPPRESS_DEPRECATED
#include <openssl/sha.h>

#define PROTO_ICMP   1
#define PROTO_TCP    6
#define PROTO_UDP    17
#define PROTO_ICMPV6 58
#define PROTO_SCTP   132

/* seed(2) + two IPv6 addresses(32) + proto(1) + pad(1) + two ports(4) */
#define HASH_INPUT_MAX 40

struct icmp_pair {
    uint8_t type;
    uint8_t counterpart;
};

/* ICMP message types that form a request/response exchange, with the type that answers them
 * (Zeek's ICMP4_counterpart(), which the spec follows; both directions listed, as pycommunityid
 * does: the spec's early script lacked advert -> solicit). A type found here hashes as port pair
 * (type, counterpart) so both directions meet in one ID; any other type is one-way. */
static const struct icmp_pair icmp4_pairs[] = {
    {8, 0},   {0, 8},   /* echo request / reply */
    {13, 14}, {14, 13}, /* timestamp request / reply */
    {15, 16}, {16, 15}, /* information request / reply */
    {10, 9},  {9, 10},  /* router solicitation / advertisement */
    {17, 18}, {18, 17}, /* address mask request / reply */
};

static const struct icmp_pair icmp6_pairs[] = {
    {128, 129}, {129, 128}, /* echo request / reply */
    {133, 134}, {134, 133}, /* router solicitation / advertisement */
    {135, 136}, {136, 135}, /* neighbor solicitation / advertisement */
    {130, 131}, {131, 130}, /* MLD listener query / report */
    {139, 140}, {140, 139}, /* node information query / response */
    {144, 145}, {145, 144}, /* home agent address discovery request / reply */
};

/* Map an ICMP type/code to the spec's pseudo-ports. Returns true when the message is one-way
 * (no counterpart): its tuple is then hashed in the order seen, never swapped. */
static bool
icmp_ports(const struct icmp_pair *pairs, size_t n, uint16_t *sport, uint16_t *dport)
{
    /* type and code are 8-bit on the wire: larger values can match no pair */
    for (size_t i = 0; i < n; i++) {
        if (*sport == pairs[i].type) {
            *dport = pairs[i].counterpart;
            return false;
        }
    }
    return true;
}

static size_t
put_u16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)(v & 0xff);
    return 2;
}

static void
encode_base64(const uint8_t *in, size_t len, char *out)
{
    static const char alphabet[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    size_t i = 0;

    for (; i + 3 <= len; i += 3) {
        uint32_t v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8 | in[i + 2];

        *out++ = alphabet[v >> 18 & 0x3f];
        *out++ = alphabet[v >> 12 & 0x3f];
        *out++ = alphabet[v >> 6 & 0x3f];
        *out++ = alphabet[v & 0x3f];
    }
    if (len - i == 1) {
        uint32_t v = (uint32_t)in[i] << 16;

        *out++ = alphabet[v >> 18 & 0x3f];
        *out++ = alphabet[v >> 12 & 0x3f];
        *out++ = '=';
        *out++ = '=';
    } else if (len - i == 2) {
        uint32_t v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8;

        *out++ = alphabet[v >> 18 & 0x3f];
        *out++ = alphabet[v >> 12 & 0x3f];
        *out++ = alphabet[v >> 6 & 0x3f];
        *out++ = '=';
    }
    *out = '\0';
}

static void
encode_hex(const uint8_t *in, size_t len, char *out)
{
    static const char digits[] = "0123456789abcdef";

    for (size_t i = 0; i < len; i++) {
        *out++ = digits[in[i] >> 4];
        *out++ = digits[in[i] & 0x0f];
    }
    *out = '\0';
}

void
sw_community_id(uint16_t seed, int ip_version, const uint8_t *src, const uint8_t *dst,
                uint8_t proto, uint16_t sport, uint16_t dport, bool base64, char *out,
                size_t outlen)
{
    uint8_t buf[HASH_INPUT_MAX];
    uint8_t digest[SHA_DIGEST_LENGTH];
    size_t alen;
    size_t n = 0;
    bool has_ports;
    bool one_way = false;
    SHA_CTX sha;

    if (out == NULL || outlen == 0)
        return;
    out[0] = '\0';  /* what the caller sees on every early return below */
    if (outlen < (base64 ? SW_COMMUNITY_ID_LEN : SW_COMMUNITY_ID_HEX_LEN))
        return;
    if (src == NULL || dst == NULL)
        return;
    if (ip_version == 4)
        alen = 4;
    else if (ip_version == 6)
        alen = 16;
    else
        return;

    switch (proto) {
    case PROTO_ICMP:
        one_way = icmp_ports(icmp4_pairs, sizeof(icmp4_pairs) / sizeof(icmp4_pairs[0]), &sport,
                             &dport);
        has_ports = true;
        break;
    case PROTO_ICMPV6:
        one_way = icmp_ports(icmp6_pairs, sizeof(icmp6_pairs) / sizeof(icmp6_pairs[0]), &sport,
                             &dport);
        has_ports = true;
        break;
    case PROTO_TCP:
    case PROTO_UDP:
    case PROTO_SCTP:
        has_ports = true;
        break;
    default:
        /* the spec hashes no port field at all here, not zeros */
        has_ports = false;
        sport = 0;
        dport = 0;
        break;
    }

    /* Both directions of a flow must hash alike: put the smaller (address, port) endpoint first.
     * Addresses compare as network-order bytes, ports as numbers. */
    if (!one_way) {
        int c = memcmp(src, dst, alen);

        if (c > 0 || (c == 0 && sport > dport)) {
            const uint8_t *a = src;
            uint16_t p = sport;

            src = dst;
            dst = a;
            sport = dport;
            dport = p;
        }
    }

    n += put_u16(buf + n, seed);
    memcpy(buf + n, src, alen);
    n += alen;
    memcpy(buf + n, dst, alen);
    n += alen;
    buf[n++] = proto;
    buf[n++] = 0;
    if (has_ports) {
        n += put_u16(buf + n, sport);
        n += put_u16(buf + n, dport);
    }

    SHA1_Init(&sha);
    SHA1_Update(&sha, buf, n);
    SHA1_Final(digest, &sha);

    out[0] = '1';
    out[1] = ':';
    if (base64)
        encode_base64(digest, sizeof(digest), out + 2);
    else
        encode_hex(digest, sizeof(digest), out + 2);
}

bool
sw_community_id_icmp_ports(int ip_version, uint8_t type, uint8_t code, uint16_t *sport,
                           uint16_t *dport)
{
    *sport = type;
    *dport = code;
    if (ip_version == 6)
        return !icmp_ports(icmp6_pairs, sizeof(icmp6_pairs) / sizeof(icmp6_pairs[0]), sport,
                           dport);
    return !icmp_ports(icmp4_pairs, sizeof(icmp4_pairs) / sizeof(icmp4_pairs[0]), sport, dport);
}
