/* eve_parts.h - what the files of the EVE encoder share (output/eve.c: events and the line
 * writer; eve_net.c: flow identity, nDPI, flow and alert objects; eve_app.c: application-layer
 * objects of alerts). Only output/eve*.c include it. Any thread: the functions build values
 * for the caller's tree. */
#ifndef SW_EVE_PARTS_H
#define SW_EVE_PARTS_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "sw/eve.h"
#include "sw/event.h"

/* Text that is not valid UTF-8 (a Latin-1 file name, bytes off the wire): keep it, with
 * every byte outside printable ASCII written as \xNN, rather than lose the field. */
static inline json_t *
escaped_string(const char *val)
{
    char buf[1024];
    size_t o = 0;

    for (const unsigned char *c = (const unsigned char *)val; *c != '\0'; c++) {
        if (o + 5 >= sizeof(buf))
            break;
        if (*c >= 0x20 && *c < 0x7f) {
            buf[o++] = (char)*c;
        } else {
            static const char hex[] = "0123456789abcdef";

            buf[o++] = '\\';
            buf[o++] = 'x';
            buf[o++] = hex[*c >> 4];
            buf[o++] = hex[*c & 15];
        }
    }
    buf[o] = '\0';
    return json_string(buf);
}

/* Keys are our own literals: skip Jansson's UTF-8 check of them. Values are checked. */
static inline void
set_str(json_t *o, const char *key, const char *val)
{
    json_t *v;

    if (val == NULL || val[0] == '\0')
        return;
    v = json_string(val);
    if (v == NULL)
        v = escaped_string(val);
    json_object_set_new_nocheck(o, key, v);
}

static inline void
set_int(json_t *o, const char *key, uint64_t v)
{
    json_object_set_new_nocheck(o, key, json_integer((json_int_t)v));
}

static inline void
set_time(json_t *o, const char *key, uint64_t ts_us)
{
    char buf[40];

    sw_eve_time(ts_us, buf, sizeof(buf));
    json_object_set_new_nocheck(o, key, json_string(buf));
}

/* eve_net.c: the flow identity of an event (flow_id when flow_id is set, addresses, ports or
 * ICMP type and code, proto, VLANs, community_id, app_proto) into root. */
void sw_eve_add_tuple(json_t *root, const struct sw_flow_ref *r, bool flow_id);
/* eve_net.c: the ndpi, flow, tcp and alert objects (new references). */
json_t *sw_eve_ndpi_json(const struct sw_ndpi_info *n);
json_t *sw_eve_flow_json(const struct sw_event *ev, bool final);
json_t *sw_eve_tcp_json(const struct sw_flow_counts *c, uint8_t state);
json_t *sw_eve_alert_json(const struct sw_alert *a);
/* eve_app.c: an alert's application-layer object (http, dns or tls) into root. */
void sw_eve_app_json(json_t *root, const struct sw_app_obj *a);

#endif
