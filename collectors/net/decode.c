/* decode.c - decode entry points, Ethertype and IP protocol dispatch, event names.
 *
 * The per-layer work lives in decode_<layer>.c behind decode_int.h. Stateless: every call
 * works on the caller's packet and counters only, so any thread may decode. */
#include "sw/decode.h"

#include <stddef.h>

#include "decode_int.h"

static const char *const event_names[SW_DEV_MAX] = {
    [SW_DEV_NONE] = "none",
    [SW_DEV_PKT_TOO_SMALL] = "ipraw.pkt_too_small",
    [SW_DEV_ETH_TRUNC] = "ethernet.pkt_too_small",
    [SW_DEV_SLL_TRUNC] = "sll.pkt_too_small",
    [SW_DEV_NULL_TRUNC] = "ltnull.pkt_too_small",
    [SW_DEV_PPP_TRUNC] = "ppp.pkt_too_small",
    [SW_DEV_PPP_UNSUP] = "ppp.unsup_proto",
    [SW_DEV_VLAN_TRUNC] = "vlan.header_too_small",
    [SW_DEV_VLAN_TOO_MANY] = "vlan.too_many_layers",
    [SW_DEV_MPLS_TRUNC] = "mpls.header_too_small",
    [SW_DEV_MPLS_BAD_LABEL] = "mpls.bad_label_reserved",
    [SW_DEV_PPPOE_TRUNC] = "pppoe.pkt_too_small",
    [SW_DEV_PPPOE_WRONG_CODE] = "pppoe.wrong_code",
    [SW_DEV_IPV4_TRUNC] = "ipv4.trunc_pkt",
    [SW_DEV_IPV4_HLEN_TOO_SMALL] = "ipv4.hlen_too_small",
    [SW_DEV_IPV4_IPLEN_SMALLER_THAN_HLEN] = "ipv4.iplen_smaller_than_hlen",
    [SW_DEV_IPV4_OPT_INVALID] = "ipv4.opt_invalid",
    [SW_DEV_IPV4_WRONG_VERSION] = "ipv4.wrong_ip_version",
    [SW_DEV_IPV6_TRUNC] = "ipv6.trunc_pkt",
    [SW_DEV_IPV6_WRONG_VERSION] = "ipv6.wrong_ip_version",
    [SW_DEV_IPV6_EXTHDR_TRUNC] = "ipv6.trunc_exthdr",
    [SW_DEV_IPV6_EXTHDR_TOO_MANY] = "ipv6.exthdr_too_many",
    [SW_DEV_IPV6_NO_NEXT_HEADER] = "ipv6.data_after_none_header",
    [SW_DEV_TCP_TRUNC] = "tcp.pkt_too_small",
    [SW_DEV_TCP_HLEN_TOO_SMALL] = "tcp.hlen_too_small",
    [SW_DEV_TCP_OPT_INVALID] = "tcp.invalid_optlen",
    [SW_DEV_UDP_TRUNC] = "udp.pkt_too_small",
    [SW_DEV_UDP_LEN_INVALID] = "udp.hlen_invalid",
    [SW_DEV_ICMPV4_TRUNC] = "icmpv4.pkt_too_small",
    [SW_DEV_ICMPV6_TRUNC] = "icmpv6.pkt_too_small",
    [SW_DEV_SCTP_TRUNC] = "sctp.pkt_too_small",
    [SW_DEV_GRE_TRUNC] = "gre.pkt_too_small",
    [SW_DEV_GRE_VERSION] = "gre.wrong_version",
    [SW_DEV_VXLAN_TRUNC] = "vxlan.pkt_too_small",
    [SW_DEV_GTP_TRUNC] = "gtp.pkt_too_small",
    [SW_DEV_TZSP_TRUNC] = "tzsp.pkt_too_small",
    [SW_DEV_CAPWAP_TRUNC] = "capwap.pkt_too_small",
    [SW_DEV_TUNNEL_TOO_DEEP] = "tunnel.too_many_layers",
    [SW_DEV_IP_CUT] = "ip.datagram_cut",
    [SW_DEV_UNKNOWN_ETHERTYPE] = "ethernet.unknown_ethertype",
    [SW_DEV_GRE_VERSION0_FLAGS] = "gre.version0_flags",
    [SW_DEV_GRE_VERSION1_FLAGS] = "gre.version1_flags",
    [SW_DEV_ERSPAN_TRUNC] = "erspan.header_too_small",
    [SW_DEV_ERSPAN_VERSION] = "erspan.unsupported_version",
    [SW_DEV_RAW_INVALID_VERSION] = "ipraw.invalid_ip_version",
    [SW_DEV_DCE_TRUNC] = "dce.pkt_too_small",
    [SW_DEV_GENEVE_TRUNC] = "geneve.pkt_too_small",
    [SW_DEV_GENEVE_VERSION] = "geneve.unsupported_version",
    [SW_DEV_GENEVE_RESERVED] = "geneve.reserved_bits",
    [SW_DEV_GENEVE_OPT_INVALID] = "geneve.invalid_optlen",
    [SW_DEV_GENEVE_UNKNOWN_PAYLOAD] = "geneve.unknown_payload_type",
};

/* Events Suricata has no counter for: EVE writes them under the seawall object, since the
 * stats schema lists every decoder.event name. */
static const bool seawall_only[SW_DEV_MAX] = {
    [SW_DEV_PKT_TOO_SMALL] = true,  [SW_DEV_IPV6_EXTHDR_TOO_MANY] = true,
    [SW_DEV_VXLAN_TRUNC] = true,    [SW_DEV_GTP_TRUNC] = true,
    [SW_DEV_TZSP_TRUNC] = true,     [SW_DEV_CAPWAP_TRUNC] = true,
    [SW_DEV_TUNNEL_TOO_DEEP] = true, [SW_DEV_IP_CUT] = true,
    [SW_DEV_GENEVE_TRUNC] = true,   [SW_DEV_GENEVE_VERSION] = true,
    [SW_DEV_GENEVE_RESERVED] = true, [SW_DEV_GENEVE_OPT_INVALID] = true,
};

bool
sw_decode_event_is_suricata(enum sw_decode_event ev)
{
    return (unsigned)ev < SW_DEV_MAX && ev != SW_DEV_NONE && !seawall_only[ev];
}

enum sw_decode_rc
sw_decode_reassembled(const struct sw_decode_cfg *cfg, const struct sw_packet *frag,
                      const uint8_t *dgram, uint32_t len, struct sw_packet *out,
                      struct sw_decode_stats *st)
{
    *out = *frag;
    out->data = dgram;
    out->caplen = len;
    out->wirelen = len;
    out->flags = SW_PKT_REASSEMBLED;
    out->decode_event = 0;
    return sw_decode_ip(cfg, out, 0, st);
}

const char *const *
sw_decode_event_names(void)
{
    return event_names;
}

const bool *
sw_decode_event_seawall_only(void)
{
    return seawall_only;
}

const char *
sw_decode_event_name(enum sw_decode_event ev)
{
    if ((unsigned)ev >= SW_DEV_MAX || event_names[ev] == NULL)
        return "unknown";
    return event_names[ev];
}

void
sw_decode_cfg_defaults(struct sw_decode_cfg *cfg)
{
    cfg->max_layers = 16;
    cfg->tunnels = true;
    cfg->vxlan_port = 4789;
}

bool
sw_decode_linktype_supported(int linktype)
{
    switch (linktype) {
    case SW_LINKTYPE_NULL:
    case SW_LINKTYPE_ETHERNET:
    case SW_LINKTYPE_PPP:
    case SW_LINKTYPE_RAW:
    case SW_LINKTYPE_RAW_BSD:
    case SW_LINKTYPE_PPP_SERIAL:
    case SW_LINKTYPE_RAW_FILE:
    case SW_LINKTYPE_C_HDLC:
    case SW_LINKTYPE_LOOP:
    case SW_LINKTYPE_SLL:
    case SW_LINKTYPE_IPV4:
    case SW_LINKTYPE_IPV6:
    case SW_LINKTYPE_SLL2:
        return true;
    default:
        return false;
    }
}

static void
ctx_init(struct sw_decode_ctx *c, const struct sw_decode_cfg *cfg, struct sw_packet *p,
         struct sw_decode_stats *st)
{
    c->cfg = cfg;
    c->p = p;
    c->st = st;
    c->d = p->data;
    c->caplen = p->caplen;
    c->layers = 0;
    c->max_layers = cfg->max_layers < SW_DECODE_LAYERS_HARD_MAX ? cfg->max_layers
                                                                 : SW_DECODE_LAYERS_HARD_MAX;
    c->reasm = (p->flags & SW_PKT_REASSEMBLED) != 0;
}

/* Per-result counters, once per call. */
static enum sw_decode_rc
tally(struct sw_decode_stats *st, enum sw_decode_rc rc)
{
    switch (rc) {
    case SW_DECODE_FRAGMENT:
        st->fragments++;
        break;
    case SW_DECODE_NOT_IP:
        st->not_ip++;
        break;
    case SW_DECODE_INVALID:
        st->invalid++;
        break;
    case SW_DECODE_OK:
    case SW_DECODE_LINKTYPE:
        break;
    }
    return rc;
}

enum sw_decode_rc
sw_decode_frame(const struct sw_decode_cfg *cfg, struct sw_packet *p, struct sw_decode_stats *st)
{
    struct sw_decode_ctx c;
    enum sw_decode_rc rc;

    st->pkts++;
    st->bytes += p->caplen;
    ctx_init(&c, cfg, p, st);
    switch (p->linktype) {
    case SW_LINKTYPE_ETHERNET:
        rc = sw_decode_eth(&c, 0, c.caplen);
        break;
    case SW_LINKTYPE_SLL:
        rc = sw_decode_sll(&c);
        break;
    case SW_LINKTYPE_SLL2:
        rc = sw_decode_sll2(&c);
        break;
    case SW_LINKTYPE_NULL:
    case SW_LINKTYPE_LOOP:
        rc = sw_decode_null(&c);
        break;
    case SW_LINKTYPE_RAW:
    case SW_LINKTYPE_RAW_BSD:
    case SW_LINKTYPE_RAW_FILE:
        st->raw++;
        rc = sw_decode_raw(&c, 0);
        break;
    case SW_LINKTYPE_IPV4:
        st->raw++;
        rc = sw_decode_ipv4(&c, 0, c.caplen);
        break;
    case SW_LINKTYPE_IPV6:
        st->raw++;
        rc = sw_decode_ipv6(&c, 0, c.caplen);
        break;
    case SW_LINKTYPE_PPP:
    case SW_LINKTYPE_PPP_SERIAL:
    case SW_LINKTYPE_C_HDLC:
        rc = sw_decode_ppp(&c);
        break;
    default:
        return SW_DECODE_LINKTYPE;
    }
    return tally(st, rc);
}

enum sw_decode_rc
sw_decode_ip(const struct sw_decode_cfg *cfg, struct sw_packet *p, uint32_t off,
             struct sw_decode_stats *st)
{
    struct sw_decode_ctx c;

    ctx_init(&c, cfg, p, st);
    return tally(st, sw_decode_raw(&c, off));
}

enum sw_decode_rc
sw_decode_ethertype(struct sw_decode_ctx *c, uint16_t type, uint32_t off, uint32_t end)
{
    switch (type) {
    case SW_ETH_IPV4:
        return sw_decode_ipv4(c, off, end);
    case SW_ETH_IPV6:
        return sw_decode_ipv6(c, off, end);
    case SW_ETH_VLAN:
    case SW_ETH_QINQ:
    case SW_ETH_QINQ_OLD:
        return sw_decode_vlan(c, type, off, end);
    case SW_ETH_MPLS_UC:
    case SW_ETH_MPLS_MC:
        return sw_decode_mpls(c, off, end);
    case SW_ETH_PPPOE_SESS:
        return sw_decode_pppoe(c, off, end);
    case SW_ETH_PPPOE_DISC:
        c->st->pppoe++;
        return SW_DECODE_NOT_IP;
    case SW_ETH_DCE:
        return sw_decode_fabricpath(c, off, end);
    /* Common link-local protocols: not IP, but nothing odd either. */
    case SW_ETH_ARP:
    case SW_ETH_RARP:
    case SW_ETH_IPX:
    case SW_ETH_SLOW:
    case SW_ETH_EAPOL:
    case SW_ETH_LLDP:
    case SW_ETH_MACSEC:
    case SW_ETH_PTP:
    case SW_ETH_CFM:
    case SW_ETH_LOOPBACK:
        return SW_DECODE_NOT_IP;
    default:
        /* Below 0x0600 the field is an 802.3 length or a Linux SLL pseudo-protocol. */
        if (type >= 0x0600)
            sw_decode_flag(c, SW_DEV_UNKNOWN_ETHERTYPE);
        return SW_DECODE_NOT_IP;
    }
}

enum sw_decode_rc
sw_decode_l4(struct sw_decode_ctx *c, unsigned ipver, uint8_t proto, uint32_t off,
             uint32_t end)
{
    struct sw_packet *p = c->p;

    p->l4_proto = proto;
    p->l4_off = off;
    p->l4_len = end - off;
    switch (proto) {
    case SW_IPPROTO_TCP:
        return sw_decode_tcp(c, off, end);
    case SW_IPPROTO_UDP:
        return sw_decode_udp(c, off, end);
    case SW_IPPROTO_ICMP:
        return sw_decode_icmp(c, false, off, end);
    case SW_IPPROTO_ICMPV6:
        return sw_decode_icmp(c, true, off, end);
    case SW_IPPROTO_SCTP:
        return sw_decode_sctp(c, off, end);
    case SW_IPPROTO_IPIP:
    case SW_IPPROTO_IPV6:
        if (c->cfg->tunnels)
            return sw_decode_ipip(c, ipver, proto, off, end);
        break;
    case SW_IPPROTO_GRE:
        if (c->cfg->tunnels)
            return sw_decode_gre(c, off, end);
        break;
    default:
        break;
    }
    /* No ports: the whole IP payload is the payload. */
    c->st->other_l4++;
    p->payload_off = off;
    p->payload_len = end - off;
    return SW_DECODE_OK;
}
