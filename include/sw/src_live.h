/* src_live.h - live capture on one network interface through libpcap.
 *
 * Opened by the daemon's main thread while it still has the privileges capture needs
 * (CAP_NET_RAW, and CAP_NET_ADMIN for promiscuous mode), then read by one capture thread
 * only. The handle is non-blocking: the thread polls sw_live_fd() together with its own
 * stop and timer events, then drains what the kernel holds with sw_live_dispatch(). */
#ifndef SW_SRC_LIVE_H
#define SW_SRC_LIVE_H

#include <stdint.h>

#include "sw/config.h"
#include "sw/err.h"
#include "sw/packet.h"

struct sw_live;

/* Kernel counters of one handle (libpcap's pcap_stats: since the handle was opened). */
struct sw_live_stats {
    uint64_t received;     /* packets the kernel delivered to the socket */
    uint64_t kernel_drops; /* dropped by the kernel: the capture ring was full */
    uint64_t if_drops;     /* dropped by the interface or its driver, where reported */
};

/* Open and activate ifc->name with its snaplen, kernel buffer size, promiscuous mode and BPF
 * filter (ifc->bpf, "" for none). A missing interface, missing privileges or a filter that
 * does not compile give NULL and one message naming the interface (and the filter).
 * libpcap's activation warnings are logged. Caller owns the result. */
struct sw_live *sw_live_open(const struct sw_cfg_iface *ifc, struct sw_err *err);
/* NULL-safe. */
void sw_live_close(struct sw_live *l);

/* Descriptor that polls readable when packets wait. */
int sw_live_fd(const struct sw_live *l);
int sw_live_linktype(const struct sw_live *l);
const char *sw_live_name(const struct sw_live *l);

typedef void (*sw_live_fn)(void *ctx, struct sw_packet *p);
/* Hand at most max waiting packets to fn (p->data borrowed for the call only). Returns how
 * many, 0 when none waits, or -1 with err filled when the handle failed (the interface went
 * down or away). */
int sw_live_dispatch(struct sw_live *l, int max, sw_live_fn fn, void *ctx, struct sw_err *err);

/* Kernel counters; SW_EIO when libpcap cannot read them. */
enum sw_rc sw_live_stats(struct sw_live *l, struct sw_live_stats *out, struct sw_err *err);

#endif
