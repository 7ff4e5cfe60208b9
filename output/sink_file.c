/* sink_file.c - EVE lines to a file (appended) or to stdout.
 *
 * write() copies lines into a buffer and takes no more once it is full (SW_SINK_RETRY);
 * the router's flush() writes the buffer with write(2) and acknowledges its records, so a
 * capture with millions of flows costs few system calls, and a line reaches the file only
 * after the spools of the round were written (include/sw/sink.h section 5).
 *
 * Write errors. A write that fails (disk full, a file-size limit, a reader gone) is reported
 * once per sink (again after a reopen) naming the path and errno; the records whose lines
 * went out are acknowledged and the others rejected (counted as failed), which the caller's
 * exit status and counters show. The output never keeps part of a line: on a regular file the
 * cut line is truncated away (ftruncate back to the end of the last complete line, in append
 * mode too); on anything else (a pipe, a terminal) the rest of the cut line is kept and goes
 * out first at the next write, so no later line is glued to a fragment. A file opened for
 * appending that ends in part of a line (an earlier writer was killed mid-line) is cut back
 * to its last complete line first.
 *
 * Symlinks. Configured outputs are opened with O_NOFOLLOW and must not be a regular file with
 * several names (hard links): the daemon may open them as root in a folder its user owns,
 * where a planted symlink or link would hand another file to that user. Only a path the user
 * named on the command line (cfg->follow: seawall pcap -o /dev/stdout) follows a symlink. */
#include "sw/sink.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sw/alloc.h"
#include "sw/io.h"
#include "sw/log.h"

#define FILE_BUF (256u * 1024u)
/* How far back from its end an appended file is searched for its last complete line. */
#define HEAL_SCAN (1024u * 1024u)

struct file_ctx {
    int fd;
    bool own_fd;
    bool follow;  /* cfg->follow: a symlink at path is followed */
    bool regular; /* fd is a regular file: a cut line can be truncated away */
    char *path;   /* owned; NULL for stdout */
    char *buf;    /* owned */
    size_t used;
    uint64_t *seqs; /* owned: the seq of each line in buf, in order */
    size_t lines, seqs_cap;
    uint64_t big_seq;     /* a record larger than buf, alone (0: none) */
    const char *big_line; /* borrowed until reported (sink.h section 3) */
    size_t big_len;
    char *tail; /* owned: the rest of a line cut on a non-regular output, or NULL */
    size_t tail_len;
    bool reported;
};

static const char *
name_of(const struct file_ctx *c)
{
    return c->path != NULL ? c->path : "stdout";
}

static void
report(struct file_ctx *c, int e)
{
    if (c->reported)
        return;
    c->reported = true;
    sw_log_error("%s: write failed: %s; lines that do not go out are counted as failed", name_of(c),
                 strerror(e));
}

static size_t
count_lines(const char *p, size_t len)
{
    size_t n = 0;
    const char *end = p + len;

    while (p < end && (p = memchr(p, '\n', (size_t)(end - p))) != NULL) {
        n++;
        p++;
    }
    return n;
}

/* Send the rest of a line cut by an earlier write. Returns true when none is left. The
 * record of that line was rejected (counted as failed) when it was cut; that it goes out
 * whole after all, so no later line is glued to its fragment, does not change the count. */
static bool
finish_tail(struct sw_sink *s)
{
    struct file_ctx *c = s->ctx;
    size_t n;
    int e;

    if (c->tail == NULL)
        return true;
    e = -sw_io_write_all(c->fd, c->tail, c->tail_len, &n);
    if (e != 0) {
        memmove(c->tail, c->tail + n, c->tail_len - n);
        c->tail_len -= n;
        report(c, e);
        return false;
    }
    sw_free(c->tail);
    c->tail = NULL;
    c->tail_len = 0;
    return true;
}

/* A write of p[0, len) stopped after done bytes, the last cut of them part of a line: make
 * sure the output does not end there. */
static void
heal_cut(struct file_ctx *c, const char *p, size_t len, size_t done, size_t cut)
{
    const char *nl;
    size_t rest;

    if (cut == 0)
        return;
    if (c->regular) {
        /* The offset is right after the last byte written (O_APPEND or not). */
        off_t end = lseek(c->fd, 0, SEEK_CUR);

        if (end >= (off_t)cut && ftruncate(c->fd, end - (off_t)cut) == 0 &&
            lseek(c->fd, end - (off_t)cut, SEEK_SET) != -1)
            return;
    }
    /* Not a file, or it cannot be cut: the line is finished before anything else. */
    nl = memchr(p + done, '\n', len - done);
    rest = nl != NULL ? (size_t)(nl - (p + done)) + 1 : len - done;
    c->tail = sw_malloc(rest);
    if (c->tail == NULL) {
        /* Out of memory: at least end the fragment, so the next line stands alone. */
        (void)sw_io_write_all(c->fd, "\n", 1, NULL);
        return;
    }
    memcpy(c->tail, p + done, rest);
    c->tail_len = rest;
}

/* Write p[0, len), which holds `lines` whole lines. Returns how many of them did not go out
 * (0: all did), a cut one included: it is truncated away or finished later (heal_cut). */
static size_t
put(struct sw_sink *s, const char *p, size_t len, size_t lines)
{
    struct file_ctx *c = s->ctx;
    const char *last;
    size_t done, whole;
    int e;

    if (!finish_tail(s))
        return lines; /* nothing may follow a cut line */
    e = -sw_io_write_all(c->fd, p, len, &done);
    if (e == 0)
        return 0;
    report(c, e);
    last = done > 0 ? memrchr(p, '\n', done) : NULL;
    whole = last != NULL ? (size_t)(last - p) + 1 : 0;
    heal_cut(c, p, len, done, done - whole);
    return lines - count_lines(p, whole);
}

/* An appended file that ends in part of a line: cut it back to its last complete line (or,
 * when none is found in the last HEAL_SCAN bytes, end the fragment with a newline rather
 * than cut what may not be ours). fd is write-only: the file is read through a second
 * descriptor of the same open file (/proc/self/fd), never through its path again. */
static void
heal_existing(int fd, const char *path, off_t size)
{
    char chunk[4096], self[64];
    off_t pos = size, stop = size > (off_t)HEAL_SCAN ? size - (off_t)HEAL_SCAN : 0;
    int rfd;

    if (size == 0)
        return;
    snprintf(self, sizeof(self), "/proc/self/fd/%d", fd);
    rfd = open(self, O_RDONLY | O_CLOEXEC);
    if (rfd == -1)
        return; /* cannot be read (no /proc, write-only file): left as it is */
    if (pread(rfd, chunk, 1, size - 1) != 1 || chunk[0] == '\n') {
        close(rfd);
        return;
    }
    while (pos > stop) {
        size_t n = pos - stop > (off_t)sizeof(chunk) ? sizeof(chunk) : (size_t)(pos - stop);
        const char *nl;

        if (pread(rfd, chunk, n, pos - (off_t)n) != (ssize_t)n)
            break;
        nl = memrchr(chunk, '\n', n);
        if (nl != NULL || pos - (off_t)n == 0) {
            off_t keep = nl != NULL ? pos - (off_t)n + (nl - chunk) + 1 : 0;

            close(rfd);
            if (ftruncate(fd, keep) == 0) {
                sw_log_warn("%s: cut off an incomplete last line (%lld bytes) left by an "
                            "earlier writer",
                            path, (long long)(size - keep));
                return;
            }
            rfd = -1;
            break;
        }
        pos -= (off_t)n;
    }
    if (rfd != -1)
        close(rfd);
    (void)sw_io_write_all(fd, "\n", 1, NULL);
    sw_log_warn("%s: ended an incomplete last line left by an earlier writer", path);
}

/* Open c->path: truncated, or for appending (healed). Returns the descriptor, or -1 with err
 * naming the path. */
static int
open_out(struct file_ctx *c, bool truncate, struct sw_err *err)
{
    int flags = O_WRONLY | O_CREAT | O_CLOEXEC | O_NOCTTY | (truncate ? O_TRUNC : O_APPEND) |
                (c->follow ? 0 : O_NOFOLLOW);
    int fd = open(c->path, flags, 0640);
    struct stat st;

    if (fd == -1 && errno == ELOOP && !c->follow) {
        sw_err_set(err, SW_EINVAL,
                   "%s: output file is a symlink: refused (outputs are opened "
                   "without following symlinks)",
                   c->path);
        return -1;
    }
    if (fd == -1 || fstat(fd, &st) != 0) {
        sw_err_sys(err, SW_EIO, "%s: output file", c->path);
        if (fd != -1)
            close(fd);
        return -1;
    }
    if (!c->follow && S_ISREG(st.st_mode) && st.st_nlink > 1) {
        sw_err_set(err, SW_EINVAL, "%s: output file has %lu names (hard links): refused", c->path,
                   (unsigned long)st.st_nlink);
        close(fd);
        return -1;
    }
    c->regular = S_ISREG(st.st_mode);
    if (c->regular && !truncate)
        heal_existing(fd, c->path, st.st_size);
    return fd;
}

static int
file_create(struct sw_sink *s, const struct sw_cfg_sink *cfg, const struct sw_sink_env *env,
            struct sw_err *err)
{
    struct file_ctx *c = sw_calloc(1, sizeof(*c));
    struct stat st;

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
        /* Redirected to a file (> out.json): a cut line can be truncated away there too. */
        c->regular = fstat(c->fd, &st) == 0 && S_ISREG(st.st_mode);
        snprintf(s->name, sizeof(s->name), "stdout");
        return SW_OK;
    }
    c->follow = cfg->follow;
    c->path = sw_strdup(cfg->path);
    if (c->path == NULL)
        return sw_err_set(err, SW_ENOMEM, "sink file: out of memory");
    c->fd = open_out(c, cfg->truncate, err);
    if (c->fd == -1)
        return err != NULL ? err->code : SW_EIO;
    c->own_fd = true;
    snprintf(s->name, sizeof(s->name), "file %s", cfg->path);
    return SW_OK;
}

/* Report the records of buf: the first `lines - lost` went out, the rest did not. */
static void
settle(struct sw_sink *s, size_t lost)
{
    struct file_ctx *c = s->ctx;
    size_t out = c->lines - lost;

    if (out > 0)
        sw_sink_ack(s, c->seqs[0], c->seqs[out - 1]);
    if (lost > 0)
        sw_sink_reject(s, c->seqs[out], c->seqs[c->lines - 1], "write failed");
}

static void
file_flush(struct sw_sink *s)
{
    struct file_ctx *c = s->ctx;

    if (c->used > 0) {
        settle(s, put(s, c->buf, c->used, c->lines));
        c->used = c->lines = 0;
    } else {
        (void)finish_tail(s);
    }
    if (c->big_seq != 0) {
        /* A line larger than the buffer goes out on its own, after what was buffered. */
        char *one = sw_malloc(c->big_len + 1);
        size_t lost = 1;

        if (one != NULL) {
            memcpy(one, c->big_line, c->big_len);
            one[c->big_len] = '\n';
            lost = put(s, one, c->big_len + 1, 1);
            sw_free(one);
        }
        if (lost == 0)
            sw_sink_ack(s, c->big_seq, c->big_seq);
        else
            sw_sink_reject(s, c->big_seq, c->big_seq,
                           one != NULL ? "write failed" : "out of memory");
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
        if (c->lines == c->seqs_cap) {
            size_t cap = c->seqs_cap == 0 ? 1024 : c->seqs_cap * 2;
            uint64_t *q = sw_realloc(c->seqs, cap * sizeof(*q));

            if (q == NULL)
                break; /* taken later, after a flush made room */
            c->seqs = q;
            c->seqs_cap = cap;
        }
        memcpy(c->buf + c->used, rec->line, rec->len);
        c->buf[c->used + rec->len] = '\n';
        c->used += rec->len + 1;
        c->seqs[c->lines++] = rec->seq;
    }
    *taken = i;
    return i == n ? SW_SINK_DONE : SW_SINK_RETRY;
}

static void
file_reopen(struct sw_sink *s)
{
    struct file_ctx *c = s->ctx;
    struct sw_err err;
    bool was_regular = c->regular;
    int fd;

    if (c->path == NULL)
        return;
    file_flush(s);
    fd = open_out(c, false, &err);
    if (fd == -1) {
        c->regular = was_regular;
        sw_log_error("%s: reopen failed: %s", c->path, err.msg);
        return;
    }
    close(c->fd);
    c->fd = fd;
    c->reported = false;
    /* The rest of a line cut in the old output means nothing at the start of the new one
     * (its record stays counted as failed). */
    sw_free(c->tail);
    c->tail = NULL;
    c->tail_len = 0;
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
    sw_free(c->tail);
    sw_free(c->seqs);
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
