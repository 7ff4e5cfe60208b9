/* dataset.c - Suricata-style dataset files (see include/sw/dataset.h).
 *
 * Storage: every value's bytes and every comment go into one byte pool; an item records
 * where its key and comment are and its line and reputation; a table of item indexes (open
 * addressing, at most half full) finds an item by SipHash of its key. Built once, then
 * only read. */
#include "sw/dataset.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sw/alloc.h"
#include "sw/io.h"
#include "sw/parse.h"
#include "sw/siphash.h"

struct item {
    uint32_t key_off, key_len;
    uint32_t comment_off; /* UINT32_MAX: none */
    uint32_t line;
    uint16_t rep;
    bool has_rep;
};

struct sw_dataset {
    enum sw_dataset_type type;
    struct sw_siphash_key key;
    uint8_t *pool;        /* owned */
    size_t pool_len, pool_cap;
    struct item *items;   /* owned */
    size_t n, cap;
    uint32_t *table;      /* owned: item index + 1, 0 empty */
    size_t table_cap;     /* power of two */
};

static const char *const type_names[] = {
    [SW_DATASET_MD5] = "md5",       [SW_DATASET_SHA256] = "sha256",
    [SW_DATASET_STRING] = "string", [SW_DATASET_IPV4] = "ipv4",
    [SW_DATASET_IP] = "ip",
};

enum sw_rc
sw_dataset_type_parse(const char *s, enum sw_dataset_type *out)
{
    for (size_t i = 0; i < sizeof(type_names) / sizeof(type_names[0]); i++) {
        if (strcmp(s, type_names[i]) == 0) {
            *out = (enum sw_dataset_type)i;
            return SW_OK;
        }
    }
    if (strcmp(s, "ipv6") == 0) {
        *out = SW_DATASET_IP;
        return SW_OK;
    }
    return SW_EINVAL;
}

const char *
sw_dataset_type_name(enum sw_dataset_type t)
{
    return (unsigned)t < sizeof(type_names) / sizeof(type_names[0]) ? type_names[t] : "?";
}

bool
sw_dataset_unhex(const char *s, size_t n, uint8_t *out)
{
    if (n % 2 != 0)
        return false;
    for (size_t i = 0; i < n; i += 2) {
        int hi = sw_parse_hexdigit(s[i]), lo = sw_parse_hexdigit(s[i + 1]);

        if (hi < 0 || lo < 0)
            return false;
        out[i / 2] = (uint8_t)(hi << 4 | lo);
    }
    return true;
}

/* Strict RFC 4648 base64 with padding. Returns the decoded length, or -1. */
static long
unbase64(const char *s, size_t n, uint8_t *out)
{
    static const char alpha[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    size_t o = 0;

    if (n == 0 || n % 4 != 0)
        return -1;
    for (size_t i = 0; i < n; i += 4) {
        uint32_t v = 0;
        int pad = 0;

        for (int j = 0; j < 4; j++) {
            char c = s[i + j];
            const char *p;

            if (c == '=' && i + 4 == n && j >= 2) {
                pad++;
                v <<= 6;
                continue;
            }
            if (pad > 0 || c == '\0' || (p = strchr(alpha, c)) == NULL)
                return -1;
            v = v << 6 | (uint32_t)(p - alpha);
        }
        out[o++] = (uint8_t)(v >> 16);
        if (pad < 2)
            out[o++] = (uint8_t)(v >> 8);
        if (pad < 1)
            out[o++] = (uint8_t)v;
    }
    return (long)o;
}

/* --- building ----------------------------------------------------------------------------- */

static bool
pool_add(struct sw_dataset *d, const void *p, size_t n, uint32_t *off)
{
    if (n > UINT32_MAX || d->pool_len > UINT32_MAX - n)
        return false;
    if (d->pool_len + n > d->pool_cap) {
        size_t cap = d->pool_cap != 0 ? d->pool_cap : 4096;
        uint8_t *np;

        while (cap < d->pool_len + n)
            cap *= 2;
        np = sw_realloc(d->pool, cap);
        if (np == NULL)
            return false;
        d->pool = np;
        d->pool_cap = cap;
    }
    memcpy(d->pool + d->pool_len, p, n);
    *off = (uint32_t)d->pool_len;
    d->pool_len += n;
    return true;
}

static uint32_t
slot_of(const struct sw_dataset *d, const void *key, size_t len)
{
    return (uint32_t)(sw_siphash(&d->key, key, len) & (d->table_cap - 1));
}

static const struct item *
find(const struct sw_dataset *d, const void *key, size_t len)
{
    if (d->table_cap == 0)
        return NULL;
    for (uint32_t j = slot_of(d, key, len); d->table[j] != 0; j = (j + 1) & (d->table_cap - 1)) {
        const struct item *it = &d->items[d->table[j] - 1];

        if (it->key_len == len && memcmp(d->pool + it->key_off, key, len) == 0)
            return it;
    }
    return NULL;
}

static bool
table_grow(struct sw_dataset *d)
{
    size_t cap = d->table_cap != 0 ? d->table_cap * 2 : 1024;
    uint32_t *t = sw_calloc(cap, sizeof(*t));

    if (t == NULL)
        return false;
    sw_free(d->table);
    d->table = t;
    d->table_cap = cap;
    for (size_t i = 0; i < d->n; i++) {
        const struct item *it = &d->items[i];
        uint32_t j = slot_of(d, d->pool + it->key_off, it->key_len);

        while (t[j] != 0)
            j = (j + 1) & (uint32_t)(cap - 1);
        t[j] = (uint32_t)(i + 1);
    }
    return true;
}

/* Add one value. 1 added, 0 duplicate (*first: the line it was first seen on), -1 out of
 * memory. */
static int
add(struct sw_dataset *d, const uint8_t *key, size_t len, const char *comment, size_t clen,
    uint32_t line, bool has_rep, uint16_t rep, uint32_t *first)
{
    const struct item *dup = find(d, key, len);
    struct item it = {.comment_off = UINT32_MAX, .line = line, .rep = rep, .has_rep = has_rep};

    if (dup != NULL) {
        *first = dup->line;
        return 0;
    }
    if ((d->n + 1) * 2 > d->table_cap && !table_grow(d))
        return -1;
    if (d->n == d->cap) {
        size_t cap = d->cap != 0 ? d->cap * 2 : 256;
        struct item *v = sw_realloc(d->items, cap * sizeof(*v));

        if (v == NULL)
            return -1;
        d->items = v;
        d->cap = cap;
    }
    if (!pool_add(d, key, len, &it.key_off))
        return -1;
    it.key_len = (uint32_t)len;
    if (comment != NULL) {
        static const char nul = '\0';

        if (!pool_add(d, comment, clen, &it.comment_off) || !pool_add(d, &nul, 1, &(uint32_t){0}))
            return -1;
    }
    d->items[d->n] = it;
    uint32_t j = slot_of(d, key, len);

    while (d->table[j] != 0)
        j = (j + 1) & (uint32_t)(d->table_cap - 1);
    d->table[j] = (uint32_t)(d->n + 1);
    d->n++;
    return 1;
}

/* --- parsing ------------------------------------------------------------------------------ */

static bool
blank(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f';
}

static void say(sw_dataset_report_fn report, void *ctx, bool warning, const char *name,
                size_t line, const char *fmt, ...) SW_PRINTF(6, 7);

static void
say(sw_dataset_report_fn report, void *ctx, bool warning, const char *name, size_t line,
    const char *fmt, ...)
{
    char msg[512], text[256];
    va_list ap;

    if (report == NULL)
        return;
    va_start(ap, fmt);
    vsnprintf(text, sizeof(text), fmt, ap);
    va_end(ap);
    snprintf(msg, sizeof(msg), "%s:%zu: %s%s", name, line, warning ? "warning: " : "", text);
    report(ctx, warning, msg);
}

/* Parse one value (s[0, n), no blanks around) of type t into out; returns its length, or -1
 * with *why set. */
static long
parse_value(enum sw_dataset_type t, const char *s, size_t n, uint8_t *out, const char **why)
{
    char tmp[INET6_ADDRSTRLEN + 1];

    switch (t) {
    case SW_DATASET_MD5:
    case SW_DATASET_SHA256: {
        size_t want = t == SW_DATASET_MD5 ? 32 : 64;

        if (n != want || !sw_dataset_unhex(s, n, out)) {
            *why = t == SW_DATASET_MD5 ? "not an MD5 (32 hex digits)"
                                       : "not a SHA-256 (64 hex digits)";
            return -1;
        }
        return (long)(n / 2);
    }
    case SW_DATASET_STRING: {
        long r = unbase64(s, n, out);

        if (r <= 0)
            *why = "not a base64 string (RFC 4648, padded)";
        return r > 0 ? r : -1;
    }
    case SW_DATASET_IPV4:
    case SW_DATASET_IP:
        if (n >= sizeof(tmp)) {
            *why = "not an IP address";
            return -1;
        }
        memcpy(tmp, s, n);
        tmp[n] = '\0';
        if (inet_pton(AF_INET, tmp, out) == 1) {
            if (t == SW_DATASET_IPV4)
                return 4;
            memmove(out + 12, out, 4);
            memset(out, 0, 10);
            out[10] = out[11] = 0xff;
            return 16;
        }
        if (t == SW_DATASET_IP && inet_pton(AF_INET6, tmp, out) == 1)
            return 16;
        *why = t == SW_DATASET_IPV4 ? "not an IPv4 address" : "not an IP address";
        return -1;
    }
    *why = "unknown dataset type";
    return -1;
}

/* A line without its newline: s[0, n). */
static int
parse_line(struct sw_dataset *d, const char *name, size_t lineno, const char *s, size_t n,
           sw_dataset_report_fn report, void *ctx, struct sw_dataset_stats *st)
{
    const char *comment = NULL, *why = NULL;
    size_t clen = 0, vlen;
    uint8_t val[SW_DATASET_MAX_LINE];
    char num[16];
    bool has_rep = false;
    uint16_t rep = 0;

    while (n > 0 && blank(*s))
        s++, n--;
    while (n > 0 && blank(s[n - 1]))
        n--;
    if (n == 0 || s[0] == '#')
        return 0;
    if (n > SW_DATASET_MAX_LINE) {
        say(report, ctx, false, name, lineno, "line longer than %u bytes", SW_DATASET_MAX_LINE);
        return -1;
    }
    /* A comment: '#' after a blank. */
    for (size_t i = 1; i < n; i++) {
        if (s[i] == '#' && blank(s[i - 1])) {
            comment = s + i + 1;
            clen = n - i - 1;
            n = i;
            while (n > 0 && blank(s[n - 1]))
                n--;
            while (clen > 0 && blank(*comment))
                comment++, clen--;
            break;
        }
    }
    if (clen == 0)
        comment = NULL;
    for (size_t i = 0; i < clen; i++)
        if ((unsigned char)comment[i] < 0x20 && comment[i] != '\t') {
            say(report, ctx, false, name, lineno, "control character in the comment");
            return -1;
        }
    const char *p = memchr(s, ',', n);

    vlen = p != NULL ? (size_t)(p - s) : n;
    if (p != NULL) {
        size_t rl = n - vlen - 1;
        unsigned long v = 0;

        if (rl == 0 || rl >= sizeof(num)) {
            say(report, ctx, false, name, lineno, "bad reputation after ','");
            return -1;
        }
        for (size_t i = 0; i < rl; i++) {
            char c = p[1 + i];

            if (c < '0' || c > '9' || (v = v * 10 + (unsigned long)(c - '0')) > 65535) {
                say(report, ctx, false, name, lineno, "reputation is not a number from 0 to 65535");
                return -1;
            }
        }
        has_rep = true;
        rep = (uint16_t)v;
    }
    long len = parse_value(d->type, s, vlen, val, &why);

    if (len < 0) {
        say(report, ctx, false, name, lineno, "%s", why);
        return -1;
    }
    uint32_t first = 0;
    int r = add(d, val, (size_t)len, comment, clen, (uint32_t)lineno, has_rep, rep, &first);

    if (r < 0)
        return -2;
    if (r == 0) {
        say(report, ctx, true, name, lineno, "duplicate of line %u, ignored", first);
        st->duplicates++;
    }
    return 0;
}

struct sw_dataset *
sw_dataset_parse(const char *name, enum sw_dataset_type t, const char *buf, size_t len,
                 sw_dataset_report_fn report, void *ctx, struct sw_dataset_stats *st,
                 struct sw_err *err)
{
    struct sw_dataset *d = sw_calloc(1, sizeof(*d));
    size_t lineno = 0, pos = 0;

    memset(st, 0, sizeof(*st));
    if (d == NULL) {
        sw_err_set(err, SW_ENOMEM, "%s: out of memory", name);
        return NULL;
    }
    d->type = t;
    sw_siphash_key_random(&d->key);
    while (pos < len) {
        const char *s = buf + pos;
        const char *nl = memchr(s, '\n', len - pos);
        size_t n = nl != NULL ? (size_t)(nl - s) : len - pos;

        pos += n + (nl != NULL);
        lineno++;
        if (memchr(s, '\0', n) != NULL) {
            say(report, ctx, false, name, lineno, "NUL byte in the line");
            st->bad_lines++;
            continue;
        }
        int r = parse_line(d, name, lineno, s, n, report, ctx, st);

        if (r == -2) {
            sw_err_set(err, SW_ENOMEM, "%s:%zu: out of memory", name, lineno);
            goto fail;
        }
        if (r < 0)
            st->bad_lines++;
        if (d->n > SW_DATASET_MAX_ITEMS) {
            sw_err_set(err, SW_ELIMIT, "%s:%zu: more than %u values", name, lineno,
                       SW_DATASET_MAX_ITEMS);
            goto fail;
        }
    }
    st->lines = lineno;
    st->items = d->n;
    return d;
fail:
    sw_dataset_destroy(d);
    return NULL;
}

struct sw_dataset *
sw_dataset_load(const char *path, enum sw_dataset_type t, sw_dataset_report_fn report,
                void *ctx, struct sw_dataset_stats *st, struct sw_err *err)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK), rc;
    struct stat sb;
    char *buf = NULL;
    size_t got = 0;
    struct sw_dataset *d = NULL;

    memset(st, 0, sizeof(*st));
    if (fd == -1) {
        sw_err_sys(err, SW_EIO, "%s", path);
        return NULL;
    }
    if (fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode)) {
        sw_err_set(err, SW_EIO, "%s: not a regular file", path);
        goto out;
    }
    if ((uint64_t)sb.st_size > SW_DATASET_MAX_FILE) {
        sw_err_set(err, SW_ELIMIT, "%s:1: larger than %u bytes", path, SW_DATASET_MAX_FILE);
        goto out;
    }
    buf = sw_malloc((size_t)sb.st_size + 1);
    if (buf == NULL) {
        sw_err_set(err, SW_ENOMEM, "%s: out of memory", path);
        goto out;
    }
    (void)fcntl(fd, F_SETFL, O_RDONLY);
    /* A file that shrinks is read as far as it goes. */
    if ((rc = sw_io_read_full(fd, buf, (size_t)sb.st_size, &got)) != 0) {
        errno = -rc;
        sw_err_sys(err, SW_EIO, "%s", path);
        goto out;
    }
    d = sw_dataset_parse(path, t, buf, got, report, ctx, st, err);
out:
    sw_free(buf);
    close(fd);
    return d;
}

void
sw_dataset_destroy(struct sw_dataset *d)
{
    if (d == NULL)
        return;
    sw_free(d->pool);
    sw_free(d->items);
    sw_free(d->table);
    sw_free(d);
}

bool
sw_dataset_lookup(const struct sw_dataset *d, const void *key, size_t len,
                  struct sw_dataset_hit *hit)
{
    const struct item *it = find(d, key, len);

    if (it == NULL)
        return false;
    if (hit != NULL) {
        hit->line = it->line;
        hit->has_rep = it->has_rep;
        hit->rep = it->rep;
        hit->comment = it->comment_off != UINT32_MAX ? (const char *)d->pool + it->comment_off
                                                     : NULL;
    }
    return true;
}

size_t
sw_dataset_count(const struct sw_dataset *d)
{
    return d->n;
}

enum sw_dataset_type
sw_dataset_type_of(const struct sw_dataset *d)
{
    return d->type;
}
