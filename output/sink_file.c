/* sink_file.c - EVE lines to a file (appended) or to stdout.
 *
 * write() copies lines into a buffer and takes no more once it is full (SW_SINK_RETRY);
 * the router's flush() writes the buffer with write(2) and acknowledges its records, so a
 * capture with millions of flows costs few system calls, and a line reaches the file only
 * after the spools of the round were written (include/sw/sink.h section 5). A failing write
 * is reported once per sink with the path and errno, and the lines in that buffer are
 * rejected (counted as failed). */
#include "sw/sink.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sw/alloc.h"
#include "sw/log.h"

#define FILE_BUF (256u * 1024u)

struct file_ctx {
    int fd;
    bool own_fd;
    char *path; /* owned; NULL for stdout */
    char *buf;  /* owned */
    size_t used;
    uint64_t first, last; /* seqs of the records in buf (first == 0: none) */
    uint64_t big_seq;           /* a record larger than buf, alone (0: none) */
    const char *big_line;       /* borrowed until reported (sink.h section 3) */
    size_t big_len;
    bool reported;
};

static int
file_create(struct sw_sink *s, const struct sw_cfg_sink *cfg, const struct sw_sink_env *env,
            struct sw_err *err)
{
    struct file_ctx *c = sw_calloc(1, sizeof(*c));

    (void)env;
    if (c == NULL)
        return sw_err_set(err, SW_ENOMEM, "sink %s: out of memory", cfg->type);
    s->ctx = c;
    c->fd = -1;
    c->buf = sw_malloc(FILE_BUF);
    if (c->buf == NULL)
        return sw_err_set(err, SW_ENOMEM, "sink %s: out of memory", cfg->type);
    if (strcmp(cfg->type, "stdout") == 0 || cfg->path == NULL || strcmp(cfg->path, "-") == 0) {
        c->fd = STDOUT_FILENO;
        snprintf(s->name, sizeof(s->name), "stdout");
        return SW_OK;
    }
    c->path = sw_strdup(cfg->path);
    if (c->path == NULL)
        return sw_err_set(err, SW_ENOMEM, "sink file: out of memory");
    c->fd = open(cfg->path, O_WRONLY | O_CREAT | O_CLOEXEC | (cfg->truncate ? O_TRUNC : O_APPEND),
                 0640);
    if (c->fd == -1)
        return sw_err_sys(err, SW_EIO, "%s: output file", cfg->path);
    c->own_fd = true;
    snprintf(s->name, sizeof(s->name), "file %s", cfg->path);
    return SW_OK;
}

/* Write all of buf[0..len) (EINTR and short writes continued). */
static bool
write_all(struct file_ctx *c, const char *buf, size_t len)
{
    size_t off = 0;

    while (off < len) {
        ssize_t n = write(c->fd, buf + off, len - off);

        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            if (!c->reported)
                sw_log_error("%s: write failed: %s", c->path ? c->path : "stdout",
                             n < 0 ? strerror(errno) : "no progress");
            c->reported = true;
            return false;
        }
        off += (size_t)n;
    }
    return true;
}

static void
file_flush(struct sw_sink *s)
{
    struct file_ctx *c = s->ctx;

    if (c->used > 0) {
        if (write_all(c, c->buf, c->used))
            sw_sink_ack(s, c->first, c->last);
        else
            sw_sink_reject(s, c->first, c->last, "write failed");
        c->used = 0;
        c->first = c->last = 0;
    }
    if (c->big_seq != 0) {
        if (write_all(c, c->big_line, c->big_len) && write_all(c, "\n", 1))
            sw_sink_ack(s, c->big_seq, c->big_seq);
        else
            sw_sink_reject(s, c->big_seq, c->big_seq, "write failed");
        c->big_seq = 0;
    }
}

static enum sw_sink_rc
file_write(struct sw_sink *s, const struct sw_rec *recs, size_t n, size_t *taken)
{
    struct file_ctx *c = s->ctx;
    size_t i;

    for (i = 0; i < n; i++) {
        const struct sw_rec *rec = &recs[i];

        if (c->big_seq != 0)
            break;
        if (rec->len + 1 > FILE_BUF) {
            /* Larger than the buffer: goes out on its own, after what is buffered. */
            c->big_seq = rec->seq;
            c->big_line = rec->line;
            c->big_len = rec->len;
            continue;
        }
        if (c->used + rec->len + 1 > FILE_BUF)
            break;
        memcpy(c->buf + c->used, rec->line, rec->len);
        c->buf[c->used + rec->len] = '\n';
        c->used += rec->len + 1;
        if (c->first == 0)
            c->first = rec->seq;
        c->last = rec->seq;
    }
    *taken = i;
    return i == n ? SW_SINK_DONE : SW_SINK_RETRY;
}

static void
file_reopen(struct sw_sink *s)
{
    struct file_ctx *c = s->ctx;
    int fd;

    if (c->path == NULL)
        return;
    file_flush(s);
    fd = open(c->path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
    if (fd == -1) {
        sw_log_error("%s: reopen failed: %s", c->path, strerror(errno));
        return;
    }
    close(c->fd);
    c->fd = fd;
    c->reported = false;
}

/* Once a second from the output thread: a file rotated away (renamed or deleted without a
 * SIGHUP, e.g. by a logrotate rule without postrotate) is reopened at its path. */
static void
file_tick(struct sw_sink *s)
{
    struct file_ctx *c = s->ctx;
    struct stat at_path, open_fd;

    if (c->path == NULL || fstat(c->fd, &open_fd) != 0 || !S_ISREG(open_fd.st_mode))
        return;
    if (stat(c->path, &at_path) != 0 || at_path.st_ino != open_fd.st_ino ||
        at_path.st_dev != open_fd.st_dev)
        file_reopen(s);
}

static void
file_destroy(struct sw_sink *s)
{
    struct file_ctx *c = s->ctx;

    if (c == NULL)
        return;
    /* Records still buffered are forgotten: sink.h section 7 (the router flushed before). */
    if (c->own_fd && c->fd != -1)
        close(c->fd);
    sw_free(c->buf);
    sw_free(c->path);
    sw_free(c);
    s->ctx = NULL;
}

const struct sw_sink_ops sw_sink_file_ops = {
    .name = "file",
    .create = file_create,
    .write = file_write,
    .flush = file_flush,
    .reopen = file_reopen,
    .tick = file_tick,
    .destroy = file_destroy,
    .networked = false,
};
