/* eve_parts.h - what the files of the EVE encoder share (output/eve.c: events and the line
 * writer; eve_net.c: flow identity, nDPI, flow and alert objects; eve_app.c: application-layer
 * objects of alerts; eve_file.c: files, YARA matches and HTTP bodies; eve_fim.c: the fim
 * object of fim events; eve_stats.c: the stats event). Only output/eve*.c include it. Any thread: the functions write into the caller's
 * writer (include/sw/eve_writer.h), at the point the event's field order puts them. */
#ifndef SW_EVE_PARTS_H
#define SW_EVE_PARTS_H

#include <stdbool.h>
#include <stdint.h>

#include "sw/eve.h"
#include "sw/eve_writer.h"
#include "sw/event.h"

/* eve_net.c: the flow identity of an event (flow_id when flow_id is set, addresses, ports or
 * ICMP type and code, proto, VLANs, community_id). */
void sw_eve_put_tuple(struct sw_eve_writer *w, const struct sw_flow_ref *r, bool flow_id);
/* eve_net.c: the ndpi, flow, tcp and alert objects. */
void sw_eve_put_ndpi(struct sw_eve_writer *w, const struct sw_ndpi_info *n);
void sw_eve_put_flow(struct sw_eve_writer *w, const struct sw_event *ev, bool final);
void sw_eve_put_tcp(struct sw_eve_writer *w, const struct sw_flow_counts *c, uint8_t state);
void sw_eve_put_alert(struct sw_eve_writer *w, const struct sw_alert *a);
/* eve_app.c: an alert's application-layer object (http, dns or tls). */
void sw_eve_put_app(struct sw_eve_writer *w, const struct sw_app_obj *a);
/* eve_file.c: the yara, fileinfo, file, http and seawall.http_body objects of file events,
 * and the members of a file-on-disk event after its host. */
void sw_eve_put_yara(struct sw_eve_writer *w, const struct sw_file_part *f);
void sw_eve_put_fileinfo(struct sw_eve_writer *w, const struct sw_file_part *f);
void sw_eve_put_http_of_body(struct sw_eve_writer *w, const struct sw_file_part *f);
bool sw_eve_has_http_body(const struct sw_file_part *f);
void sw_eve_put_http_body(struct sw_eve_writer *w, const struct sw_file_part *f);
void sw_eve_put_file_event(struct sw_eve_writer *w, const struct sw_event *ev);
/* eve_fim.c: the fim object of a fim event. */
void sw_eve_put_fim(struct sw_eve_writer *w, const struct sw_fim_part *p);
/* eve_stats.c: the members of a stats event after its host (seawall, then stats). */
void sw_eve_put_stats(struct sw_eve_writer *w, const struct sw_stats_snap *s);
/* eve_stats.c: seawall.rule_profile of a rule_profile event (Jansson-built, eve_prof.c). */
void sw_eve_put_rule_profile(struct sw_eve_writer *w, const struct sw_rule_prof *p, uint64_t limit);

#endif
