/* src_pcap.h - capture files (pcap and pcapng) through libpcap.
 * One reader per file; the capture thread only. */
#ifndef SW_SRC_PCAP_H
#define SW_SRC_PCAP_H

#include <stdint.h>

#include "sw/err.h"
#include "sw/packet.h"

struct sw_pcap_file;

/* Open a capture file. Paths that do not exist, directories, unreadable files, empty files
 * and files that are not captures give NULL and one message naming the path. */
struct sw_pcap_file *sw_pcap_open_file(const char *path, struct sw_err *err);
/* NULL-safe. */
void sw_pcap_close(struct sw_pcap_file *f);

int sw_pcap_linktype(const struct sw_pcap_file *f);
/* libpcap's name of the link type ("EN10MB"), or its number. Static or f-owned storage. */
const char *sw_pcap_linktype_name(struct sw_pcap_file *f);

/* Next packet: fills p->data (borrowed until the next call), caplen, wirelen, ts_us,
 * linktype. Returns SW_OK, SW_EOF at the end, or SW_EINVAL when the file is cut or corrupt
 * (err names the file and the packet number; what came before stays valid). */
enum sw_rc sw_pcap_next(struct sw_pcap_file *f, struct sw_packet *p, struct sw_err *err);

/* Packets read so far. */
uint64_t sw_pcap_count(const struct sw_pcap_file *f);

#endif
