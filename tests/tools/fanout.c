/* fanout.c - the design seawall run did not take, kept runnable for `make bench`.
 *
 * usage: fanout IFACE WORKERS  (runs until SIGINT/SIGTERM, then prints
 *        "packets N kernel_drops M events E")
 *
 * One libpcap handle per worker on the same interface, joined in a PACKET_FANOUT group with
 * the kernel's flow hash (PACKET_FANOUT_HASH, with FLAG_DEFRAG so that fragments of a datagram
 * reach one socket): each worker thread reads its own socket, decodes, reassembles and runs
 * the same flow > nDPI > detection stage path as seawall's workers, events to /dev/null through the same
 * output thread. No capture thread, no copy into batches. bench_live.sh replays the same
 * traffic into this and into `seawall run` and compares CPU time per packet and drops. */
#include <linux/if_packet.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "sw/config.h"
#include "sw/decode.h"
#include "sw/defrag.h"
#include "sw/detect.h"
#include "sw/eve.h"
#include "sw/hash.h"
#include "sw/ndpi.h"
#include "sw/net_worker.h"
#include "sw/router.h"
#include "sw/sink.h"
#include "sw/src_live.h"

static volatile sig_atomic_t stop;

struct fw {
    pthread_t thread;
    struct sw_live *live;       /* owned */
    struct sw_net_worker *nw;   /* owned */
    struct sw_defrag *defrag;   /* owned */
    struct sw_producer *prod;   /* owned by the router */
    struct sw_decode_cfg dcfg;
    struct sw_decode_stats ds;
    uint64_t now, pkts;
    const struct sw_config *cfg;
    const struct sw_detect *det; /* the nDPI risk detector, as seawall run without rules */
    unsigned idx, n;
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
    struct fw *w = ctx;
    const uint8_t *dg;
    uint32_t dglen;
    struct sw_packet r;

    w->pkts++;
    if (p->ts_us > w->now)
        w->now = p->ts_us;
    switch (sw_decode_frame(&w->dcfg, p, &w->ds)) {
    case SW_DECODE_OK:
        sw_net_worker_packet(w->nw, p);
        break;
    case SW_DECODE_FRAGMENT:
        if (sw_defrag_add(w->defrag, p, &dg, &dglen) == SW_OK &&
            sw_decode_reassembled(&w->dcfg, p, dg, dglen, &r, &w->ds) == SW_DECODE_OK)
            sw_net_worker_packet(w->nw, &r);
        break;
    default:
        break;
    }
}

static void *
worker(void *arg)
{
    struct fw *w = arg;
    struct pollfd pfd = {.fd = sw_live_fd(w->live), .events = POLLIN};
    struct sw_hash_key key;
    struct sw_err err;

    /* The kernel's fanout picks the worker here: each flow table only needs a key. */
    if (sw_hash_key_random(&key, &err) == SW_OK)
        w->nw = sw_net_worker_create(w->cfg, w->idx, w->n, &key, w->det, NULL, &w->prod->em,
                                     &err);
    if (w->nw == NULL) {
        fprintf(stderr, "fanout: %s\n", err.msg);
        exit(2);
    }
    while (!stop) {
        if (poll(&pfd, 1, 100) < 0)
            continue;
        while (sw_live_dispatch(w->live, 4096, on_packet, w, &err) == 4096)
            ;
        sw_net_worker_tick(w->nw, w->now);
        sw_producer_kick(w->prod);
    }
    sw_net_worker_flush(w->nw, w->now);
    sw_producer_close(w->prod);
    return NULL;
}

int
main(int argc, char **argv)
{
    struct sw_cfg_sink out = {.type = (char *)"file", .path = (char *)"/dev/null",
                              .types = SW_EV_ALL};
    struct sw_eve_cfg eve = {.host = "bench"};
    struct sw_defrag_cfg dfc;
    struct sw_config *cfg;
    struct sw_detect *det = NULL;
    struct sw_router *router;
    struct sw_sink **sinks;
    struct sw_err err;
    struct fw *w;
    uint64_t pkts = 0, drops = 0, events = 0, edrops = 0;
    unsigned n;

    if (argc != 3 || (n = (unsigned)atoi(argv[2])) == 0 || n > 16) {
        fprintf(stderr, "usage: fanout IFACE WORKERS\n");
        return 2;
    }
    cfg = sw_cfg_defaults(&err);
    if (cfg != NULL)
        det = sw_detect_create(&(struct sw_detect_opts){.cfg = cfg}, NULL, &err);
    sinks = calloc(1, sizeof(*sinks));
    w = calloc(n, sizeof(*w));
    if (det == NULL || sinks == NULL || w == NULL ||
        (sinks[0] = sw_sink_create(&out, NULL, &err)) == NULL ||
        (router = sw_router_create(&eve, NULL, sinks, 1, false, &err)) == NULL ||
        sw_ndpi_prime(&err) != SW_OK) {
        fprintf(stderr, "fanout: %s\n", err.msg);
        return 2;
    }
    dfc.memcap = cfg->network.fragments.memcap;
    dfc.timeout_us = cfg->network.fragments.timeout;
    dfc.max_trackers = cfg->network.fragments.max_trackers;
    for (unsigned i = 0; i < n; i++) {
        struct sw_cfg_iface ifc = cfg->network.interfaces[0];
        /* One group per process; the low 16 bits of the option are the group id. */
        unsigned mode = PACKET_FANOUT_HASH;
        int opt;

        /* FANOUT_NODEFRAG=1: without the kernel's reassembly (to see what it costs). */
        if (getenv("FANOUT_NODEFRAG") == NULL)
            mode |= PACKET_FANOUT_FLAG_DEFRAG;
        opt = (int)(((unsigned)getpid() & 0xffffu) | (mode << 16));

        ifc.name = argv[1];
        w[i].cfg = cfg;
        w[i].det = det;
        w[i].idx = i;
        w[i].n = n;
        sw_decode_cfg_defaults(&w[i].dcfg);
        w[i].live = sw_live_open(&ifc, &err);
        w[i].defrag = w[i].live != NULL ? sw_defrag_create(&dfc, &err) : NULL;
        w[i].prod = w[i].defrag != NULL ? sw_router_add_producer(router, 4096, &err) : NULL;
        if (w[i].prod == NULL) {
            fprintf(stderr, "fanout: %s\n", err.msg);
            return 2;
        }
        if (setsockopt(sw_live_fd(w[i].live), SOL_PACKET, PACKET_FANOUT, &opt, sizeof(opt)) != 0) {
            perror("fanout: PACKET_FANOUT");
            return 2;
        }
    }
    signal(SIGINT, on_signal);
    signal(SIGTERM, on_signal);
    if (sw_router_start(router, &err) != SW_OK) {
        fprintf(stderr, "fanout: %s\n", err.msg);
        return 2;
    }
    for (unsigned i = 0; i < n; i++)
        pthread_create(&w[i].thread, NULL, worker, &w[i]);
    for (unsigned i = 0; i < n; i++) {
        struct sw_live_stats ks;

        pthread_join(w[i].thread, NULL);
        pkts += w[i].pkts;
        if (sw_live_stats(w[i].live, &ks, &err) == SW_OK)
            drops += ks.kernel_drops;
    }
    sw_router_stop(router);
    sw_router_counts(router, &events, &edrops);
    printf("packets %llu kernel_drops %llu events %llu\n", (unsigned long long)pkts,
           (unsigned long long)drops, (unsigned long long)events);
    for (unsigned i = 0; i < n; i++) {
        sw_net_worker_destroy(w[i].nw, w[i].now);
        sw_defrag_destroy(w[i].defrag);
        sw_live_close(w[i].live);
    }
    sw_router_destroy(router);
    sw_detect_destroy(det);
    sw_cfg_free(cfg);
    free(w);
    return 0;
}
