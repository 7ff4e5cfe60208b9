/* sink_file.c - EVE lines to a file (appended) or to stdout.
 *
 * Lines are gathered in a buffer and written with write(2) when it fills or on flush, so a
 * capture with millions of flows costs few system calls. A failing write is reported once per
 * sink with the path and errno, and the lines in that buffer are counted as failed. */
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
    size_t lines; /* lines in buf */
    bool reported;
};

static int
file_create(struct sw_sink *s, const struct sw_cfg_sink *cfg, struct sw_err *err)
{
    struct file_ctx *c = sw_calloc(1, sizeof(*c));

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

static int
file_flush(struct sw_sink *s, struct sw_err *err)
{
    struct file_ctx *c = s->ctx;
    size_t off = 0;

    while (off < c->used) {
        ssize_t n = write(c->fd, c->buf + off, c->used - off);

        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            if (!c->reported)
                sw_log_error("%s: write failed: %s", c->path ? c->path : "stdout",
                             n < 0 ? strerror(errno) : "no progress");
            c->reported = true;
            s->failed += c->lines;
            s->written -= c->lines;
            c->used = c->lines = 0;
            return sw_err_sys(err, SW_EIO, "%s", c->path ? c->path : "stdout");
        }
        off += (size_t)n;
    }
    c->used = c->lines = 0;
    return SW_OK;
}

static enum sw_sink_rc
file_write(struct sw_sink *s, const struct sw_rec *rec)
{
    struct file_ctx *c = s->ctx;

    if (c->used + rec->len + 1 > FILE_BUF) {
        if (file_flush(s, NULL) != SW_OK && rec->len + 1 > FILE_BUF)
            return SW_SINK_FAIL;
    }
    if (rec->len + 1 > FILE_BUF) {
        /* A line larger than the buffer goes out on its own. */
        if (write(c->fd, rec->line, rec->len) != (ssize_t)rec->len || write(c->fd, "\n", 1) != 1)
            return SW_SINK_FAIL;
        s->written++;
        return SW_SINK_DONE;
    }
    memcpy(c->buf + c->used, rec->line, rec->len);
    c->buf[c->used + rec->len] = '\n';
    c->used += rec->len + 1;
    c->lines++;
    s->written++;
    return SW_SINK_DONE;
}

static void
file_reopen(struct sw_sink *s)
{
    struct file_ctx *c = s->ctx;
    int fd;

    if (c->path == NULL)
        return;
    (void)file_flush(s, NULL);
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
    if (c->fd != -1 && c->buf != NULL)
        (void)file_flush(s, NULL);
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
};
