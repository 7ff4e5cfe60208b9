/* fuzz_pcap.c - libFuzzer target for the capture-file reader (collectors/net/src_pcap.c).
 *
 * Input: a whole capture file (pcap or pcapng, any byte order, micro or nanosecond magic).
 * It is written into an anonymous memfd and opened by path as "/proc/self/fd/N", so the
 * reader goes through the same open/fstat/fdopen/libpcap steps as for a file on disk. Every
 * packet is read with sw_pcap_next() until SW_EOF or an error, and decoded with
 * sw_decode_frame() when the link type is one we decode (the caller's check in
 * agent/pipeline.c read_file()).
 * Checks the contract of src_pcap.h: a failed open or read fills err with a message, a
 * packet never claims fewer wire bytes than captured, the link type is the file's and the
 * count follows the packets read. Anything wrong aborts. Every fd and reader is closed
 * before returning (ASan/LSan catches a leaked FILE or pcap_t). */
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "sw/decode.h"
#include "sw/err.h"
#include "sw/io.h"
#include "sw/packet.h"
#include "sw/src_pcap.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check(bool ok)
{
    if (!ok)
        abort();
}

/* Read every packet of an open reader, decoding what we can. */
static void
read_all(struct sw_pcap_file *f)
{
    struct sw_decode_cfg cfg;
    struct sw_decode_stats st;
    struct sw_packet p;
    struct sw_err err;
    int lt = sw_pcap_linktype(f);
    bool decode = sw_decode_linktype_supported(lt);
    uint64_t n = 0;
    enum sw_rc rc;

    check(sw_pcap_linktype_name(f) != NULL);
    sw_decode_cfg_defaults(&cfg);
    memset(&st, 0, sizeof(st));
    for (;;) {
        memset(&p, 0, sizeof(p));
        sw_err_clear(&err);
        rc = sw_pcap_next(f, &p, &err);
        if (rc == SW_EOF)
            break;
        if (rc != SW_OK) {
            check(rc == SW_EINVAL && err.code == rc && err.msg[0] != '\0');
            break;
        }
        n++;
        check(sw_pcap_count(f) == n);
        check(p.linktype == lt);
        check(p.wirelen >= p.caplen);
        check(p.caplen == 0 || p.data != NULL);
        if (decode) {
            enum sw_decode_rc drc = sw_decode_frame(&cfg, &p, &st);

            check(drc != SW_DECODE_LINKTYPE);
            check(st.pkts == n);
        }
    }
    check(sw_pcap_count(f) == n);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct sw_pcap_file *f;
    struct sw_err err;
    char path[64];
    int fd, rc;

    fd = memfd_create("fuzz_pcap", MFD_CLOEXEC);
    if (fd == -1) {
        /* EMFILE here would mean an fd leaked from an earlier input. */
        perror("fuzz_pcap: memfd_create");
        abort();
    }
    if ((rc = sw_io_write_all(fd, data, size, NULL)) != 0) {
        fprintf(stderr, "fuzz_pcap: write to memfd: %s\n", strerror(-rc));
        abort();
    }
    snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
    sw_err_clear(&err);
    f = sw_pcap_open_file(path, &err);
    if (f == NULL) {
        check(err.code != SW_OK && err.msg[0] != '\0');
    } else {
        read_all(f);
        sw_pcap_close(f);
    }
    close(fd);
    return 0;
}
