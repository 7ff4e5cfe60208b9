/* fuzz_spool.c - libFuzzer target for the spool segment reader (output/spool.c).
 *
 * Input: one segment file as the spool would find it after a crash (the 16-byte segment
 * header, then records: 32-byte header with magic, length, CRC-32, then key and line). When
 * the first byte is 0x01 and the input is longer than 257 bytes, the 256 bytes after it are
 * the spool's state file and the rest is the segment. The spool is opened in a private
 * folder (which scans and counts every record), every record is read back, the acknowledged
 * position is moved to the end, and the spool is closed.
 * Checks: every record read lies inside the reader's buffer bounds (the sanitizer build),
 * seqs ascend within the segment, a record never announces more than SW_SPOOL_MAX_RECORD,
 * and the number of records read never exceeds what the open scan counted. */
#include <fcntl.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sw/config.h"
#include "sw/spool.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char dir[64];

static void
put(const char *name, const uint8_t *p, size_t n)
{
    char path[128];
    int fd;

    snprintf(path, sizeof(path), "%s/%s", dir, name);
    fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd == -1)
        abort();
    if (n > 0 && write(fd, p, n) != (ssize_t)n)
        abort();
    close(fd);
}

static void
clean(void)
{
    char path[128];

    snprintf(path, sizeof(path), "%s/state", dir);
    unlink(path);
    /* The reader never writes to an existing segment, but the spool may start new ones. */
    for (unsigned id = 1; id < 4; id++) {
        snprintf(path, sizeof(path), "%s/%016x.seg", dir, id);
        unlink(path);
    }
}

static void
remove_dir(void)
{
    clean();
    rmdir(dir);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct sw_spool_cfg c = {
        .max_size = 1u << 30, .segment_size = 1u << 20, .fsync = SW_FSYNC_NEVER};
    struct sw_spool_rec r;
    struct sw_spool *sp;
    struct sw_err err;
    uint64_t counted, bytes, ts, n = 0, prev = 0;
    enum sw_rc rc;

    if (dir[0] == '\0') {
        snprintf(dir, sizeof(dir), "/tmp/sw-fuzz-spool-XXXXXX");
        if (mkdtemp(dir) == NULL)
            abort();
        atexit(remove_dir);
    }
    clean();
    if (size > 257 && data[0] == 0x01) {
        put("state", data + 1, 256);
        data += 257;
        size -= 257;
    }
    put("0000000000000001.seg", data, size);
    sp = sw_spool_open(dir, &c, &err);
    if (sp == NULL) {
        if (err.msg[0] == '\0')
            abort();
        clean();
        return 0;
    }
    sw_spool_usage(sp, &counted, &bytes, &ts);
    while ((rc = sw_spool_read(sp, &r, &err)) != SW_EOF) {
        if (rc != SW_OK)
            continue;
        if (r.rec.key_len + r.rec.len > SW_SPOOL_MAX_RECORD || r.rec.seq <= prev)
            abort();
        /* Touch every byte: the sanitizer build checks they are inside the buffer. */
        for (size_t i = 0; i < r.rec.len; i++)
            bytes += (unsigned char)r.rec.line[i];
        for (size_t i = 0; i < r.rec.key_len; i++)
            bytes += (unsigned char)r.rec.key[i];
        prev = r.rec.seq;
        n++;
    }
    if (n > counted)
        abort();
    sw_spool_ack_all_read(sp);
    sw_spool_close(sp);
    clean();
    return 0;
}
