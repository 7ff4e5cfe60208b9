/* src_pcap.c - capture files through libpcap (see include/sw/src_pcap.h). */
#include "sw/src_pcap.h"

#include <errno.h>
#include <fcntl.h>
#include <pcap/pcap.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sw/alloc.h"

struct sw_pcap_file {
    pcap_t *pcap; /* owned */
    char *path;   /* owned */
    int linktype;
    uint64_t count;
    char ltname[16];
};

struct sw_pcap_file *
sw_pcap_open_file(const char *path, struct sw_err *err)
{
    char ebuf[PCAP_ERRBUF_SIZE];
    struct sw_pcap_file *f;
    struct stat sb;
    FILE *fp;
    int fd;

    /* Check the path ourselves: libpcap's messages for these cases are vague. */
    fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
    if (fd == -1) {
        sw_err_sys(err, SW_EIO, "%s", path);
        return NULL;
    }
    if (fstat(fd, &sb) != 0) {
        sw_err_sys(err, SW_EIO, "%s", path);
        close(fd);
        return NULL;
    }
    if (S_ISDIR(sb.st_mode)) {
        sw_err_set(err, SW_EINVAL, "%s: is a directory, not a capture file", path);
        close(fd);
        return NULL;
    }
    if (S_ISREG(sb.st_mode) && sb.st_size == 0) {
        sw_err_set(err, SW_EINVAL, "%s: empty file, not a capture", path);
        close(fd);
        return NULL;
    }
    /* Blocking reads from here on (a FIFO is fine to read from). */
    if (fcntl(fd, F_SETFL, 0) != 0 || (fp = fdopen(fd, "rb")) == NULL) {
        sw_err_sys(err, SW_EIO, "%s", path);
        close(fd);
        return NULL;
    }
    /* libpcap reads each record with two fread()s: a 1 MiB stdio buffer turns that into one
     * read(2) per MiB instead of one per few KiB (a failure keeps the default buffer). */
    (void)setvbuf(fp, NULL, _IOFBF, 1u << 20);
    f = sw_calloc(1, sizeof(*f));
    if (f == NULL || (f->path = sw_strdup(path)) == NULL) {
        sw_err_set(err, SW_ENOMEM, "%s: out of memory", path);
        fclose(fp);
        sw_free(f);
        return NULL;
    }
    ebuf[0] = '\0';
    f->pcap = pcap_fopen_offline_with_tstamp_precision(fp, PCAP_TSTAMP_PRECISION_MICRO, ebuf);
    if (f->pcap == NULL) {
        /* libpcap closes fp only on success. */
        fclose(fp);
        sw_err_set(err, SW_EINVAL, "%s: not a pcap or pcapng capture (%s)", path, ebuf);
        sw_pcap_close(f);
        return NULL;
    }
    f->linktype = pcap_datalink(f->pcap);
    return f;
}

void
sw_pcap_close(struct sw_pcap_file *f)
{
    if (f == NULL)
        return;
    if (f->pcap != NULL)
        pcap_close(f->pcap);
    sw_free(f->path);
    sw_free(f);
}

int
sw_pcap_linktype(const struct sw_pcap_file *f)
{
    return f->linktype;
}

const char *
sw_pcap_linktype_name(struct sw_pcap_file *f)
{
    const char *n = pcap_datalink_val_to_name(f->linktype);

    if (n != NULL)
        return n;
    snprintf(f->ltname, sizeof(f->ltname), "%d", f->linktype);
    return f->ltname;
}

enum sw_rc
sw_pcap_next(struct sw_pcap_file *f, struct sw_packet *p, struct sw_err *err)
{
    struct pcap_pkthdr *h;
    const u_char *data;
    int rc = pcap_next_ex(f->pcap, &h, &data);

    if (rc == PCAP_ERROR_BREAK)
        return SW_EOF;
    if (rc != 1)
        return sw_err_set(err, SW_EINVAL, "%s: packet %llu: %s", f->path,
                          (unsigned long long)f->count + 1, pcap_geterr(f->pcap));
    f->count++;
    p->data = data;
    p->caplen = h->caplen;
    /* A record claiming fewer bytes on the wire than captured lies: trust what we hold. */
    p->wirelen = h->len < h->caplen ? h->caplen : h->len;
    p->ts_us = (uint64_t)h->ts.tv_sec * 1000000u + (uint64_t)h->ts.tv_usec;
    if (h->ts.tv_sec < 0)
        p->ts_us = 0;
    p->linktype = f->linktype;
    return SW_OK;
}

uint64_t
sw_pcap_count(const struct sw_pcap_file *f)
{
    return f->count;
}
