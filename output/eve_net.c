/* eve_net.c - EVE encoding of what network events share (see output/eve_parts.h): the flow
 * identity, the ndpi object, and the flow, tcp and alert objects. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

#include "eve_parts.h"

static void
addr_str(int version, const uint8_t *a, char *buf, size_t len)
{
    if (inet_ntop(version == 6 ? AF_INET6 : AF_INET, a, buf, (socklen_t)len) == NULL)
        snprintf(buf, len, "?");
}

/* Suricata's spelling of IP protocols in "proto". */
static void
proto_str(uint8_t proto, char *buf, size_t len)
{
    static const struct {
        uint8_t num;
        const char *name;
    } names[] = {
        {IPPROTO_TCP, "TCP"},    {IPPROTO_UDP, "UDP"},   {IPPROTO_ICMP, "ICMP"},
        {IPPROTO_ICMPV6, "IPv6-ICMP"}, {IPPROTO_SCTP, "SCTP"}, {IPPROTO_GRE, "GRE"},
        {IPPROTO_ESP, "ESP"},    {IPPROTO_AH, "AH"},     {IPPROTO_IGMP, "IGMP"},
        {89, "OSPF"},            {112, "VRRP"},          {103, "PIM"},
        {46, "RSVP"},
    };

    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        if (names[i].num == proto) {
            snprintf(buf, len, "%s", names[i].name);
            return;
        }
    }
    snprintf(buf, len, "%u", proto);
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
sw_eve_add_tuple(json_t *root, const struct sw_flow_ref *r, bool flow_id)
{
    char a[INET6_ADDRSTRLEN], proto[16];

    if (flow_id)
        set_int(root, "flow_id", r->flow_id);
    if (r->vlan_count > 0) {
        json_t *v = json_array();

        for (unsigned i = 0; i < r->vlan_count && i < SW_MAX_VLANS; i++)
            json_array_append_new(v, json_integer(r->vlan[i]));
        json_object_set_new_nocheck(root, "vlan", v);
    }
    addr_str(r->ip_version, r->src, a, sizeof(a));
    set_str(root, "src_ip", a);
    if (has_ports(r->proto))
        set_int(root, "src_port", r->sport);
    addr_str(r->ip_version, r->dst, a, sizeof(a));
    set_str(root, "dest_ip", a);
    if (has_ports(r->proto))
        set_int(root, "dest_port", r->dport);
    proto_str(r->proto, proto, sizeof(proto));
    set_str(root, "proto", proto);
    if (is_icmp(r->proto)) {
        set_int(root, "icmp_type", r->icmp_type);
        set_int(root, "icmp_code", r->icmp_code);
        if (r->has_resp_icmp) {
            set_int(root, "response_icmp_type", r->resp_icmp_type);
            set_int(root, "response_icmp_code", r->resp_icmp_code);
        }
    }
    set_str(root, "community_id", r->community_id);
}

json_t *
sw_eve_ndpi_json(const struct sw_ndpi_info *n)
{
    json_t *o = json_object();

    set_str(o, "protocol", n->protocol);
    set_str(o, "master", n->master);
    set_str(o, "app", n->app);
    set_str(o, "category", n->category);
    set_str(o, "confidence", n->confidence);
    set_str(o, "hostname", n->hostname);
    set_str(o, "ja3c", n->ja3c);
    set_str(o, "ja3s", n->ja3s);
    if (n->risks != 0) {
        json_t *risks = json_array();

        for (unsigned i = 1; i < SW_RISK_TEXT_MAX; i++) {
            /* names travel with the event (the classifier's static table) */
            const struct sw_risk_text *t = n->risk_text != NULL ? &n->risk_text[i] : NULL;
            json_t *r;

            if ((n->risks & (1ULL << i)) == 0)
                continue;
            r = json_object();
            set_int(r, "id", i);
            if (t != NULL && t->code != NULL) {
                set_str(r, "code", t->code);
                set_str(r, "name", t->name);
                set_str(r, "severity", t->severity);
            }
            json_array_append_new(risks, r);
        }
        json_object_set_new_nocheck(o, "risks", risks);
        json_t *sc = json_object();
        set_int(sc, "total", n->risk_total);
        set_int(sc, "client", n->risk_client);
        set_int(sc, "server", n->risk_server);
        json_object_set_new_nocheck(o, "risk_score", sc);
    }
    return o;
}

static void
tcp_flags_str(uint8_t fl, char *buf)
{
    snprintf(buf, 3, "%02x", fl);
}

json_t *
sw_eve_tcp_json(const struct sw_flow_counts *c, uint8_t state)
{
    static const char *const states[] = {"new", "established", "closed"};
    json_t *o = json_object();
    uint8_t all = c->tcp_flags_ts | c->tcp_flags_tc;
    char buf[4];

    tcp_flags_str(all, buf);
    set_str(o, "tcp_flags", buf);
    tcp_flags_str(c->tcp_flags_ts, buf);
    set_str(o, "tcp_flags_ts", buf);
    tcp_flags_str(c->tcp_flags_tc, buf);
    set_str(o, "tcp_flags_tc", buf);
    static const struct {
        uint8_t bit;
        const char *name;
    } bits[] = {{0x01, "fin"}, {0x02, "syn"}, {0x04, "rst"}, {0x08, "psh"},
                {0x10, "ack"}, {0x20, "urg"}, {0x40, "ecn"}, {0x80, "cwr"}};
    for (size_t i = 0; i < sizeof(bits) / sizeof(bits[0]); i++)
        if (all & bits[i].bit)
            json_object_set_new_nocheck(o, bits[i].name, json_true());
    if (state < 3)
        set_str(o, "state", states[state]);
    return o;
}

json_t *
sw_eve_flow_json(const struct sw_event *ev, bool final)
{
    static const char *const states[] = {"new", "established", "closed"};
    static const char *const reasons[] = {"timeout", "forced", "shutdown"};
    const struct sw_flow_counts *c = &ev->counts;
    json_t *o = json_object();

    set_int(o, "pkts_toserver", c->pkts_toserver);
    set_int(o, "pkts_toclient", c->pkts_toclient);
    set_int(o, "bytes_toserver", c->bytes_toserver);
    set_int(o, "bytes_toclient", c->bytes_toclient);
    set_time(o, "start", c->start_us);
    if (final) {
        set_time(o, "end", c->end_us);
        /* As Suricata: whole seconds of the end minus whole seconds of the start. */
        set_int(o, "age", c->end_us / 1000000u - c->start_us / 1000000u);
        if (ev->u.flow.state < 3)
            set_str(o, "state", states[ev->u.flow.state]);
        if (ev->u.flow.reason < 3)
            set_str(o, "reason", reasons[ev->u.flow.reason]);
        json_object_set_new_nocheck(o, "alerted", json_boolean(ev->u.flow.alerted));
    }
    return o;
}

json_t *
sw_eve_alert_json(const struct sw_alert *a)
{
    json_t *o = json_object();

    set_str(o, "action", "allowed");
    set_int(o, "gid", a->gid);
    set_int(o, "signature_id", a->signature_id);
    set_int(o, "rev", a->rev);
    set_str(o, "signature", a->signature);
    set_str(o, "category", a->category);
    set_int(o, "severity", a->severity);
    if (a->n_meta > 0) {
        json_t *m = json_object();

        for (unsigned i = 0; i < a->n_meta; i++) {
            json_t *arr = json_object_get(m, a->meta[i].key);

            if (arr == NULL) {
                arr = json_array();
                json_object_set_new_nocheck(m, a->meta[i].key, arr);
            }
            json_array_append_new(arr, json_string(a->meta[i].value));
        }
        json_object_set_new_nocheck(o, "metadata", m);
    }
    return o;
}
