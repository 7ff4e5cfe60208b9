/* mkbench.c - build the benchmark capture: the Ethernet captures given, laid end to end
 * COPIES times, each copy on its own 802.1Q VLAN (so flows of different copies never merge)
 * and with time rebased so the whole file moves forward: gaps between packets are kept but
 * clamped to [0, 60 s], since some corpus captures jump years or go back in time.
 * usage: mkbench OUT.pcap COPIES IN.pcap... */
#include <pcap/pcap.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sw/parse.h"

int
main(int argc, char **argv)
{
    char ebuf[PCAP_ERRBUF_SIZE];
    uint64_t copies;
    pcap_t *dead;
    pcap_dumper_t *out;
    static u_char frame[262144 + 4];
    uint64_t base_us = 1700000000ULL * 1000000ULL, pkts = 0;

    if (argc < 4 || sw_parse_u64(argv[2], 1, 4000, &copies) != SW_OK) {
        fprintf(stderr, "usage: mkbench OUT.pcap COPIES(1-4000) IN.pcap...\n");
        return 2;
    }
    dead = pcap_open_dead(DLT_EN10MB, 262144);
    out = pcap_dump_open(dead, argv[1]);
    if (out == NULL) {
        fprintf(stderr, "mkbench: %s: %s\n", argv[1], pcap_geterr(dead));
        return 2;
    }
    for (uint64_t c = 0; c < copies; c++) {
        for (int i = 3; i < argc; i++) {
            pcap_t *in = pcap_open_offline_with_tstamp_precision(argv[i],
                                                                  PCAP_TSTAMP_PRECISION_MICRO, ebuf);
            struct pcap_pkthdr *h;
            const u_char *d;
            uint64_t prev = 0;
            bool started = false;

            if (in == NULL || pcap_datalink(in) != DLT_EN10MB) {
                if (in != NULL)
                    pcap_close(in);
                continue;
            }
            while (pcap_next_ex(in, &h, &d) == 1) {
                uint64_t ts = (uint64_t)h->ts.tv_sec * 1000000u + (uint64_t)h->ts.tv_usec;
                uint16_t vlan = (uint16_t)(1 + c % 4094);
                struct pcap_pkthdr oh;

                if (h->caplen < 14 || h->caplen > 262144)
                    continue;
                if (started) {
                    uint64_t gap = ts > prev ? ts - prev : 0;

                    base_us += gap > 60000000u ? 60000000u : gap;
                }
                started = true;
                prev = ts;
                /* MACs, then the new tag, then the frame's own type and payload. */
                memcpy(frame, d, 12);
                frame[12] = 0x81;
                frame[13] = 0x00;
                frame[14] = (u_char)(vlan >> 8);
                frame[15] = (u_char)vlan;
                memcpy(frame + 16, d + 12, h->caplen - 12);
                oh.caplen = h->caplen + 4;
                oh.len = h->len + 4;
                oh.ts.tv_sec = (time_t)(base_us / 1000000u);
                oh.ts.tv_usec = (suseconds_t)(base_us % 1000000u);
                pcap_dump((u_char *)out, &oh, frame);
                pkts++;
            }
            pcap_close(in);
            base_us += 1000000u;
        }
    }
    pcap_dump_close(out);
    pcap_close(dead);
    fprintf(stderr, "mkbench: %llu packets\n", (unsigned long long)pkts);
    return 0;
}
