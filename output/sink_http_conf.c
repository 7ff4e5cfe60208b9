/* sink_http_conf.c - what the http sink reads and checks at start-up and on SIGHUP (see
 * output/http_int.h): secret files, the URL's host and port, a HEC channel id, the index
 * pattern. Main thread (create) and output thread (reopen). */
#include "http_int.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "sw/alloc.h"
#include "sw/io.h"
#include "sw/clock.h"

#define SECRET_MAX 8192 /* longest password or key file */

static void
wipe(char *p)
{
    if (p != NULL) {
        explicit_bzero(p, strlen(p));
        sw_free(p);
    }
}

/* Read a small secret file; refuses one that others may read or write. Caller wipes. */
char *
http_read_secret(const char *path, const char *key, size_t *len, bool check_mode,
                 struct sw_err *err)
{
    struct stat st;
    char *buf = NULL;
    size_t n = 0;
    int rc, fd = open(path, O_RDONLY | O_CLOEXEC);

    if (fd < 0) {
        sw_err_sys(err, SW_EIO, "%s %s", key, path);
        return NULL;
    }
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        sw_err_set(err, SW_EINVAL, "%s %s: not a regular file", key, path);
        goto fail;
    }
    if (check_mode && (st.st_mode & (S_IROTH | S_IWOTH)) != 0) {
        sw_err_set(err, SW_EINVAL, "%s %s: readable or writable by others (chmod o-rw)", key, path);
        goto fail;
    }
    if (st.st_size > SECRET_MAX) {
        sw_err_set(err, SW_ELIMIT, "%s %s: larger than %u bytes", key, path, SECRET_MAX);
        goto fail;
    }
    buf = sw_calloc(1, (size_t)st.st_size + 1);
    if (buf == NULL) {
        sw_err_set(err, SW_ENOMEM, "%s %s: out of memory", key, path);
        goto fail;
    }
    rc = sw_io_read_full(fd, buf, (size_t)st.st_size, &n);
    if (rc < 0) { /* never a secret cut short by a failing read */
        sw_err_set(err, SW_EIO, "%s %s: read: %s", key, path, strerror(-rc));
        goto fail;
    }
    close(fd);
    buf[n] = '\0';
    *len = n;
    return buf;
fail:
    close(fd);
    if (buf != NULL)
        wipe(buf);
    return NULL;
}

/* JSON string of s ("..." with escapes) into out; false when it does not fit. */
bool
http_json_str(const char *s, char *out, size_t len)
{
    json_t *j = json_string(s);
    char *d = j != NULL ? json_dumps(j, JSON_ENCODE_ANY) : NULL;
    bool ok = d != NULL && snprintf(out, len, "%s", d) < (int)len;

    free(d);
    json_decref(j);
    return ok;
}

bool
http_url_host_port(const char *url, char *host, size_t hl, char *port, size_t pl, bool *https)
{
    const char *h = strstr(url, "://"), *end, *colon = NULL;

    if (h == NULL)
        return false;
    *https = strncmp(url, "https", 5) == 0;
    h += 3;
    end = h + strcspn(h, "/");
    if (*h == '[') {
        const char *close = memchr(h, ']', (size_t)(end - h));

        if (close == NULL)
            return false;
        colon = close + 1 < end && close[1] == ':' ? close + 1 : NULL;
    } else {
        colon = memchr(h, ':', (size_t)(end - h));
    }
    snprintf(host, hl, "%.*s", (int)((colon != NULL ? colon : end) - h), h);
    if (colon != NULL)
        snprintf(port, pl, "%.*s", (int)(end - colon - 1), colon + 1);
    else
        snprintf(port, pl, "%s", *https ? "443" : "80");
    return host[0] != '\0';
}

/* A random RFC 4122 version 4 UUID (the HEC channel when none is configured). */
void
http_make_uuid(char *out, size_t len)
{
    uint8_t b[16] = {0};

    if (getrandom(b, sizeof(b), 0) != (ssize_t)sizeof(b)) {
        uint64_t t = sw_clock_us(CLOCK_REALTIME) ^ ((uint64_t)getpid() << 32);

        memcpy(b, &t, sizeof(t));
    }
    b[6] = (uint8_t)((b[6] & 0x0f) | 0x40);
    b[8] = (uint8_t)((b[8] & 0x3f) | 0x80);
    snprintf(out, len, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", b[0],
             b[1], b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12], b[13],
             b[14], b[15]);
}

/* Index names Elasticsearch accepts, checked on a sample date. */
bool
sw_sink_http_index_ok(const char *pattern)
{
    time_t t = 1764583200; /* 2025-12-01T10:00:00Z */
    char sample[300];
    struct tm tm;

    gmtime_r(&t, &tm);
    if (http_strftime(sample, sizeof(sample), pattern, &tm) == 0)
        return false;
    if (sample[0] == '-' || sample[0] == '_' || sample[0] == '+' || strcmp(sample, ".") == 0 ||
        strcmp(sample, "..") == 0)
        return false;
    for (const char *p = sample; *p != '\0'; p++)
        if ((*p >= 'A' && *p <= 'Z') || strchr("\\/*?\"<>| ,#:", *p) != NULL)
            return false;
    return true;
}
