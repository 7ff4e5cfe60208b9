/* pcapread.c - the baseline: a plain libpcap read loop that touches every packet.
 * usage: pcapread FILE  -> prints "packets bytes" */
#include <pcap/pcap.h>
#include <stdio.h>

int
main(int argc, char **argv)
{
    char ebuf[PCAP_ERRBUF_SIZE];
    struct pcap_pkthdr *h;
    const u_char *d;
    unsigned long long pkts = 0, bytes = 0, sum = 0;
    pcap_t *p;

    if (argc != 2) {
        fprintf(stderr, "usage: pcapread FILE\n");
        return 2;
    }
    p = pcap_open_offline(argv[1], ebuf);
    if (p == NULL) {
        fprintf(stderr, "pcapread: %s\n", ebuf);
        return 2;
    }
    while (pcap_next_ex(p, &h, &d) == 1) {
        pkts++;
        bytes += h->caplen;
        sum += d[h->caplen / 2]; /* read the data so the loop cannot be cheaper than a reader */
    }
    pcap_close(p);
    printf("%llu %llu %llu\n", pkts, bytes, sum & 1);
    return 0;
}
