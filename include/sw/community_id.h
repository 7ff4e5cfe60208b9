/* community_id.h - Community ID v1 (corelight/community-id-spec), as Suricata writes it.
 * Pure functions, any thread. */
#ifndef SW_COMMUNITY_ID_H
#define SW_COMMUNITY_ID_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Length of "1:" + base64 of a SHA-1 digest, plus the NUL. */
#define SW_COMMUNITY_ID_LEN 32
/* Without base64: "1:" + 40 hex digits, plus the NUL. */
#define SW_COMMUNITY_ID_HEX_LEN 43

/* Compute the Community ID of a flow tuple. ip_version 4 (addresses in the first 4 bytes) or
 * 6; proto the IP protocol; sport/dport in host order; for ICMP/ICMPv6 pass type as sport and
 * code as dport: the function maps them to the spec's pseudo-ports (and one-way detection).
 * Ports are ignored for protocols other than TCP, UDP, SCTP, ICMP, ICMPv6. Writes a
 * NUL-terminated string into out (size >= SW_COMMUNITY_ID_LEN, or SW_COMMUNITY_ID_HEX_LEN when
 * base64 is false). */
void sw_community_id(uint16_t seed, int ip_version, const uint8_t *src, const uint8_t *dst,
                     uint8_t proto, uint16_t sport, uint16_t dport, bool base64, char *out,
                     size_t outlen);

/* Community ID's ICMP/ICMPv6 pseudo ports: sport = type, dport = the type of the matching
 * reply/request for two-way message types (so both directions order to the same pair), else
 * code. Returns true when the message type is two-way. ip_version 4 (ICMP) or 6 (ICMPv6). */
bool sw_community_id_icmp_ports(int ip_version, uint8_t type, uint8_t code, uint16_t *sport,
                                uint16_t *dport);

#endif
