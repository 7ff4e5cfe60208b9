/* src_live.c - live capture through libpcap (see include/sw/src_live.h). */
#include "sw/src_live.h"

#include <pcap/pcap.h>
#include <stdio.h>
#include <string.h>

#include "sw/alloc.h"
#include "sw/log.h"

/* libpcap's read timeout: with TPACKET_V3 a block is handed over when full or after this
 * long, so it bounds the latency of a quiet link without waking the thread per packet. */
#define READ_TIMEOUT_MS 100

struct sw_live {
    pcap_t *pcap; /* owned */
    char name[64];
    int linktype;
    /* dispatch callback state */
    sw_live_fn fn;
    void *ctx;
    /* pcap_stats counters are 32 bits: widen them across wrap-arounds */
    struct pcap_stat last;
    struct sw_live_stats total;
};

static void
on_packet(u_char *arg, const struct pcap_pkthdr *h, const u_char *bytes)
{
    struct sw_live *l = (struct sw_live *)arg;
    struct sw_packet p;

    memset(&p, 0, sizeof(p));
    p.data = bytes;
    p.caplen = h->caplen;
    p.wirelen = h->len;
    p.ts_us = (uint64_t)h->ts.tv_sec * 1000000u + (uint64_t)h->ts.tv_usec;
    p.linktype = l->linktype;
    l->fn(l->ctx, &p);
}

struct sw_live *
sw_live_open(const struct sw_cfg_iface *ifc, struct sw_err *err)
{
    char ebuf[PCAP_ERRBUF_SIZE] = "";
    struct bpf_program prog;
    struct sw_live *l = sw_calloc(1, sizeof(*l));
    int rc;

    if (l == NULL) {
        sw_err_set(err, SW_ENOMEM, "interface %s: out of memory", ifc->name);
        return NULL;
    }
    snprintf(l->name, sizeof(l->name), "%s", ifc->name);
    l->pcap = pcap_create(ifc->name, ebuf);
    if (l->pcap == NULL) {
        sw_err_set(err, SW_EIO, "interface %s: %s", ifc->name, ebuf);
        goto fail;
    }
    if (pcap_set_snaplen(l->pcap, (int)ifc->snaplen) != 0 ||
        pcap_set_promisc(l->pcap, ifc->promisc) != 0 ||
        pcap_set_timeout(l->pcap, READ_TIMEOUT_MS) != 0 ||
        pcap_set_buffer_size(l->pcap, (int)ifc->buffer_size) != 0) {
        sw_err_set(err, SW_EIO, "interface %s: cannot set capture options", ifc->name);
        goto fail;
    }
    rc = pcap_activate(l->pcap);
    if (rc < 0) {
        /* PCAP_ERROR_NO_SUCH_DEVICE, _PERM_DENIED, ...: libpcap's text says which. */
        sw_err_set(err, SW_EIO, "interface %s: %s", ifc->name,
                   rc == PCAP_ERROR ? pcap_geterr(l->pcap) : pcap_statustostr(rc));
        if (rc == PCAP_ERROR_NO_SUCH_DEVICE || rc == PCAP_ERROR_PERM_DENIED) {
            const char *detail = pcap_geterr(l->pcap);

            if (detail != NULL && detail[0] != '\0' && strcmp(detail, pcap_statustostr(rc)) != 0)
                sw_err_set(err, SW_EIO, "interface %s: %s (%s)", ifc->name,
                           pcap_statustostr(rc), detail);
        }
        goto fail;
    }
    if (rc > 0)
        sw_log_warn("interface %s: %s", ifc->name, pcap_statustostr(rc));
    if (ifc->bpf != NULL && ifc->bpf[0] != '\0') {
        if (pcap_compile(l->pcap, &prog, ifc->bpf, 1, PCAP_NETMASK_UNKNOWN) != 0) {
            sw_err_set(err, SW_EINVAL, "interface %s: bpf '%s': %s", ifc->name, ifc->bpf,
                       pcap_geterr(l->pcap));
            goto fail;
        }
        rc = pcap_setfilter(l->pcap, &prog);
        pcap_freecode(&prog);
        if (rc != 0) {
            sw_err_set(err, SW_EIO, "interface %s: bpf '%s': %s", ifc->name, ifc->bpf,
                       pcap_geterr(l->pcap));
            goto fail;
        }
    }
    if (pcap_setnonblock(l->pcap, 1, ebuf) != 0) {
        sw_err_set(err, SW_EIO, "interface %s: %s", ifc->name, ebuf);
        goto fail;
    }
    if (pcap_get_selectable_fd(l->pcap) < 0) {
        sw_err_set(err, SW_EIO, "interface %s: no pollable descriptor", ifc->name);
        goto fail;
    }
    l->linktype = pcap_datalink(l->pcap);
    return l;
fail:
    sw_live_close(l);
    return NULL;
}

void
sw_live_close(struct sw_live *l)
{
    if (l == NULL)
        return;
    if (l->pcap != NULL)
        pcap_close(l->pcap);
    sw_free(l);
}

int
sw_live_fd(const struct sw_live *l)
{
    return pcap_get_selectable_fd(l->pcap);
}

int
sw_live_linktype(const struct sw_live *l)
{
    return l->linktype;
}

const char *
sw_live_name(const struct sw_live *l)
{
    return l->name;
}

int
sw_live_dispatch(struct sw_live *l, int max, sw_live_fn fn, void *ctx, struct sw_err *err)
{
    int n;

    l->fn = fn;
    l->ctx = ctx;
    n = pcap_dispatch(l->pcap, max, on_packet, (u_char *)l);
    if (n == PCAP_ERROR) {
        sw_err_set(err, SW_EIO, "interface %s: %s", l->name, pcap_geterr(l->pcap));
        return -1;
    }
    return n < 0 ? 0 : n; /* PCAP_ERROR_BREAK: nothing more now */
}

/* a + (the 32-bit counter's advance since last), across one wrap-around. */
static uint64_t
widen(uint64_t total, u_int now, u_int *last)
{
    uint32_t d = (uint32_t)now - (uint32_t)*last;

    *last = now;
    return total + d;
}

enum sw_rc
sw_live_stats(struct sw_live *l, struct sw_live_stats *out, struct sw_err *err)
{
    struct pcap_stat ps;

    if (pcap_stats(l->pcap, &ps) != 0)
        return sw_err_set(err, SW_EIO, "interface %s: %s", l->name, pcap_geterr(l->pcap));
    l->total.received = widen(l->total.received, ps.ps_recv, &l->last.ps_recv);
    l->total.kernel_drops = widen(l->total.kernel_drops, ps.ps_drop, &l->last.ps_drop);
    l->total.if_drops = widen(l->total.if_drops, ps.ps_ifdrop, &l->last.ps_ifdrop);
    *out = l->total;
    return SW_OK;
}
