/* livecap.c - the live baseline: a plain libpcap capture loop that touches every packet.
 *
 * usage: livecap IFACE   (until SIGINT/SIGTERM; then prints "packets N bytes B kernel_drops D")
 *
 * Same handle settings as seawall run (src_live.c: snaplen, buffer, promiscuous, 100 ms
 * blocks), no decoding, no workers: what capture alone costs on the machine. */
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "sw/config.h"
#include "sw/src_live.h"

static volatile sig_atomic_t stop;

struct counts {
    unsigned long long pkts, bytes, sum;
};

static void
on_signal(int sig)
{
    (void)sig;
    stop = 1;
}

static void
on_packet(void *ctx, struct sw_packet *p)
{
    struct counts *c = ctx;

    c->pkts++;
    c->bytes += p->wirelen;
    c->sum += p->data[p->caplen / 2]; /* read the data: no cheaper than a real reader */
}

int
main(int argc, char **argv)
{
    struct counts c = {0, 0, 0};
    struct sw_live_stats ks = {0, 0, 0};
    struct sw_config *cfg;
    struct sw_cfg_iface ifc;
    struct sw_live *l;
    struct sw_err err;
    struct pollfd pfd;

    if (argc != 2) {
        fprintf(stderr, "usage: livecap IFACE\n");
        return 2;
    }
    cfg = sw_cfg_defaults(&err);
    if (cfg == NULL) {
        fprintf(stderr, "livecap: %s\n", err.msg);
        return 2;
    }
    ifc = cfg->network.interfaces[0];
    ifc.name = argv[1];
    l = sw_live_open(&ifc, &err);
    if (l == NULL) {
        fprintf(stderr, "livecap: %s\n", err.msg);
        return 2;
    }
    signal(SIGINT, on_signal);
    signal(SIGTERM, on_signal);
    pfd.fd = sw_live_fd(l);
    pfd.events = POLLIN;
    while (!stop) {
        if (poll(&pfd, 1, 100) < 0)
            continue;
        while (sw_live_dispatch(l, 4096, on_packet, &c, &err) == 4096)
            ;
    }
    (void)sw_live_stats(l, &ks, &err);
    printf("packets %llu bytes %llu kernel_drops %llu (%llu)\n", c.pkts, c.bytes,
           (unsigned long long)ks.kernel_drops, c.sum & 1);
    sw_live_close(l);
    sw_cfg_free(cfg);
    return 0;
}
