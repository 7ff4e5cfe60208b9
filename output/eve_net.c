/* eve_net.c - EVE encoding of what network events share (see output/eve_parts.h): the flow
 * identity, the ndpi object, and the flow, tcp and alert objects, streamed into the writer. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

#include "eve_parts.h"

/* Suricata's spelling of IP protocols in "proto"; NULL: write the number. */
static const char *
proto_name(uint8_t proto)
{
    switch (proto) {
    case IPPROTO_TCP:
        return "TCP";
    case IPPROTO_UDP:
        return "UDP";
    case IPPROTO_ICMP:
        return "ICMP";
    case IPPROTO_ICMPV6:
        return "IPv6-ICMP";
    case IPPROTO_SCTP:
        return "SCTP";
    case IPPROTO_GRE:
        return "GRE";
    case IPPROTO_ESP:
        return "ESP";
    case IPPROTO_AH:
        return "AH";
    case IPPROTO_IGMP:
        return "IGMP";
    case 89:
        return "OSPF";
    case 112:
        return "VRRP";
    case 103:
        return "PIM";
    case 46:
        return "RSVP";
    default:
        return NULL;
    }
}

static bool
is_icmp(uint8_t proto)
{
    return proto == IPPROTO_ICMP || proto == IPPROTO_ICMPV6;
}

static bool
has_ports(uint8_t proto)
{
    return proto == IPPROTO_TCP || proto == IPPROTO_UDP || proto == IPPROTO_SCTP;
}

/* Common network fields: flow_id, vlan, 5-tuple, proto, community_id. */
void
sw_eve_put_tuple(struct sw_eve_writer *w, const struct sw_flow_ref *r, bool flow_id)
{
    char a[SW_EVE_ADDR_MAX], proto[4];
    const char *pname = proto_name(r->proto);
    size_t n;

    if (flow_id)
        sw_eve_put_u64(w, "flow_id", r->flow_id);
    if (r->vlan_count > 0) {
        sw_eve_open_arr(w, "vlan");
        for (unsigned i = 0; i < r->vlan_count && i < SW_MAX_VLANS; i++)
            sw_eve_put_u64(w, NULL, r->vlan[i]);
        sw_eve_close(w);
    }
    n = sw_eve_addr_text(r->ip_version, r->src, a);
    sw_eve_put_raw_str(w, "src_ip", a, n);
    if (has_ports(r->proto))
        sw_eve_put_u64(w, "src_port", r->sport);
    n = sw_eve_addr_text(r->ip_version, r->dst, a);
    sw_eve_put_raw_str(w, "dest_ip", a, n);
    if (has_ports(r->proto))
        sw_eve_put_u64(w, "dest_port", r->dport);
    if (pname == NULL) {
        char *p = proto + sizeof(proto);
        unsigned v = r->proto;

        do
            *--p = (char)('0' + v % 10);
        while ((v /= 10) != 0);
        sw_eve_put_raw_str(w, "proto", p, (size_t)(proto + sizeof(proto) - p));
    } else {
        sw_eve_put_raw_str(w, "proto", pname, strlen(pname));
    }
    if (is_icmp(r->proto)) {
        sw_eve_put_u64(w, "icmp_type", r->icmp_type);
        sw_eve_put_u64(w, "icmp_code", r->icmp_code);
        if (r->has_resp_icmp) {
            sw_eve_put_u64(w, "response_icmp_type", r->resp_icmp_type);
            sw_eve_put_u64(w, "response_icmp_code", r->resp_icmp_code);
        }
    }
    sw_eve_put_str(w, "community_id", r->community_id);
}

void
sw_eve_put_ndpi(struct sw_eve_writer *w, const struct sw_ndpi_info *n)
{
    sw_eve_open_obj(w, "ndpi");
    sw_eve_put_str(w, "protocol", n->protocol);
    sw_eve_put_str(w, "master", n->master);
    sw_eve_put_str(w, "app", n->app);
    sw_eve_put_str(w, "category", n->category);
    sw_eve_put_str(w, "confidence", n->confidence);
    sw_eve_put_str(w, "hostname", n->hostname);
    sw_eve_put_str(w, "ja3c", n->ja3c);
    sw_eve_put_str(w, "ja3s", n->ja3s);
    if (n->risks != 0) {
        sw_eve_open_arr(w, "risks");
        /* the set bits only, lowest first (bit 0 is no risk) */
        for (uint64_t bits = n->risks & ~1ULL; bits != 0; bits &= bits - 1) {
            unsigned i = (unsigned)__builtin_ctzll(bits);
            /* names travel with the event (the classifier's static table) */
            const struct sw_risk_text *t = n->risk_text != NULL ? &n->risk_text[i] : NULL;

            sw_eve_open_obj(w, NULL);
            sw_eve_put_u64(w, "id", i);
            if (t != NULL && t->code != NULL) {
                sw_eve_put_str(w, "code", t->code);
                sw_eve_put_str(w, "name", t->name);
                sw_eve_put_str(w, "severity", t->severity);
            }
            sw_eve_close(w);
        }
        sw_eve_close(w);
        sw_eve_open_obj(w, "risk_score");
        sw_eve_put_u64(w, "total", n->risk_total);
        sw_eve_put_u64(w, "client", n->risk_client);
        sw_eve_put_u64(w, "server", n->risk_server);
        sw_eve_close(w);
    }
    sw_eve_close(w);
}

static void
put_tcp_flags(struct sw_eve_writer *w, const char *key, uint8_t fl)
{
    static const char hex[] = "0123456789abcdef";
    char buf[2] = {hex[fl >> 4], hex[fl & 15]};

    sw_eve_put_raw_str(w, key, buf, 2);
}

void
sw_eve_put_tcp(struct sw_eve_writer *w, const struct sw_flow_counts *c, uint8_t state)
{
    static const char *const states[] = {"new", "established", "closed"};
    static const struct {
        uint8_t bit;
        const char *name;
    } bits[] = {{0x01, "fin"}, {0x02, "syn"}, {0x04, "rst"}, {0x08, "psh"},
                {0x10, "ack"}, {0x20, "urg"}, {0x40, "ecn"}, {0x80, "cwr"}};
    uint8_t all = c->tcp_flags_ts | c->tcp_flags_tc;

    sw_eve_open_obj(w, "tcp");
    put_tcp_flags(w, "tcp_flags", all);
    put_tcp_flags(w, "tcp_flags_ts", c->tcp_flags_ts);
    put_tcp_flags(w, "tcp_flags_tc", c->tcp_flags_tc);
    for (size_t i = 0; i < sizeof(bits) / sizeof(bits[0]); i++)
        if (all & bits[i].bit)
            sw_eve_put_bool(w, bits[i].name, true);
    if (state < 3)
        sw_eve_put_str(w, "state", states[state]);
    sw_eve_close(w);
}

void
sw_eve_put_flow(struct sw_eve_writer *w, const struct sw_event *ev, bool final)
{
    static const char *const states[] = {"new", "established", "closed"};
    static const char *const reasons[] = {"timeout", "forced", "shutdown"};
    const struct sw_flow_counts *c = &ev->counts;

    sw_eve_open_obj(w, "flow");
    sw_eve_put_u64(w, "pkts_toserver", c->pkts_toserver);
    sw_eve_put_u64(w, "pkts_toclient", c->pkts_toclient);
    sw_eve_put_u64(w, "bytes_toserver", c->bytes_toserver);
    sw_eve_put_u64(w, "bytes_toclient", c->bytes_toclient);
    sw_eve_put_time(w, "start", c->start_us);
    if (final) {
        sw_eve_put_time(w, "end", c->end_us);
        /* As Suricata: whole seconds of the end minus whole seconds of the start. */
        sw_eve_put_u64(w, "age", c->end_us / 1000000u - c->start_us / 1000000u);
        if (ev->u.flow.state < 3)
            sw_eve_put_str(w, "state", states[ev->u.flow.state]);
        if (ev->u.flow.reason < 3)
            sw_eve_put_str(w, "reason", reasons[ev->u.flow.reason]);
        sw_eve_put_bool(w, "alerted", ev->u.flow.alerted);
    }
    sw_eve_close(w);
}

/* metadata: each key once, in the order keys first appear, with an array of its values
 * (EVE groups equal keys). Keys are the rule's, written without a UTF-8 check as before; a
 * value that is not valid UTF-8 is left out of its array (Jansson refused it). At most
 * SW_ALERT_META_MAX entries, so the quadratic look-back stays small. */
static void
put_alert_meta(struct sw_eve_writer *w, const struct sw_alert *a)
{
    unsigned n = a->n_meta < SW_ALERT_META_MAX ? a->n_meta : SW_ALERT_META_MAX;

    sw_eve_open_obj(w, "metadata");
    for (unsigned i = 0; i < n; i++) {
        const char *key = a->meta[i].key;
        bool seen = false;

        for (unsigned j = 0; j < i && !seen; j++)
            seen = strcmp(a->meta[j].key, key) == 0;
        if (seen)
            continue;
        sw_eve_put_key(w, key);
        sw_eve_open_arr(w, NULL);
        for (unsigned j = i; j < n; j++)
            if (strcmp(a->meta[j].key, key) == 0)
                sw_eve_put_str_valid(w, NULL, a->meta[j].value);
        sw_eve_close(w);
    }
    sw_eve_close(w);
}

void
sw_eve_put_alert(struct sw_eve_writer *w, const struct sw_alert *a)
{
    sw_eve_open_obj(w, "alert");
    sw_eve_put_str(w, "action", "allowed");
    sw_eve_put_u64(w, "gid", a->gid);
    sw_eve_put_u64(w, "signature_id", a->signature_id);
    sw_eve_put_u64(w, "rev", a->rev);
    sw_eve_put_str(w, "signature", a->signature);
    sw_eve_put_str(w, "category", a->category);
    sw_eve_put_u64(w, "severity", a->severity);
    if (a->n_meta > 0)
        put_alert_meta(w, a);
    sw_eve_close(w);
}
