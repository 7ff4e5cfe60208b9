/* cidr.c - CIDR parsing and matching for config lists (declared in include/sw/config.h).
 * Pure functions over caller storage: any thread. */
#include "sw/config.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#include "sw/parse.h"

/* Zero every bit past prefix in an address of len bytes. */
static void
clear_host_bits(uint8_t *addr, size_t len, unsigned prefix)
{
    for (size_t i = 0; i < len; i++) {
        unsigned bit = (unsigned)i * 8;

        if (bit >= prefix)
            addr[i] = 0;
        else if (prefix - bit < 8)
            addr[i] &= (uint8_t)(0xffu << (8 - (prefix - bit)));
    }
}

enum sw_rc
sw_cidr_parse(const char *s, struct sw_cidr *out)
{
    char host[INET6_ADDRSTRLEN];
    const char *slash;
    size_t hlen;
    uint64_t prefix;
    struct sw_cidr c;

    if (s == NULL)
        return SW_EINVAL;
    slash = strchr(s, '/');
    hlen = slash == NULL ? strlen(s) : (size_t)(slash - s);
    if (hlen == 0 || hlen >= sizeof(host))
        return SW_EINVAL;
    memcpy(host, s, hlen);
    host[hlen] = '\0';

    memset(&c, 0, sizeof(c));
    if (inet_pton(AF_INET, host, c.addr) == 1) {
        c.version = 4;
    } else if (inet_pton(AF_INET6, host, c.addr) == 1) {
        c.version = 6;
    } else {
        return SW_EINVAL;
    }
    prefix = c.version == 4 ? 32 : 128;
    /* sw_parse_u64 refuses "", "+8", " 8" and "8x", so "10.0.0.0/" is an error too. */
    if (slash != NULL && sw_parse_u64(slash + 1, 0, prefix, &prefix) != SW_OK)
        return SW_EINVAL;
    c.prefix = (uint8_t)prefix;
    clear_host_bits(c.addr, c.version == 4 ? 4 : 16, c.prefix);
    *out = c;
    return SW_OK;
}

static bool
cidr_contains(const struct sw_cidr *c, const uint8_t *addr)
{
    unsigned full = c->prefix / 8, rest = c->prefix % 8;

    if (memcmp(c->addr, addr, full) != 0)
        return false;
    if (rest == 0)
        return true;
    return ((addr[full] ^ c->addr[full]) & (uint8_t)(0xffu << (8 - rest))) == 0;
}

bool
sw_cidrlist_match(const struct sw_cidrlist *l, int version, const uint8_t *addr)
{
    if (l == NULL || addr == NULL)
        return false;
    for (size_t i = 0; i < l->n; i++) {
        if (l->v[i].version == version && cidr_contains(&l->v[i], addr))
            return true;
    }
    return false;
}

char *
sw_cidr_format(const struct sw_cidr *c, char *buf, size_t len)
{
    char host[INET6_ADDRSTRLEN];

    if (inet_ntop(c->version == 4 ? AF_INET : AF_INET6, c->addr, host, sizeof(host)) == NULL)
        host[0] = '\0';
    snprintf(buf, len, "%s/%u", host, (unsigned)c->prefix);
    return buf;
}
