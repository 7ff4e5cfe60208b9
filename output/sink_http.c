/* sink_http.c - "http": events to Elasticsearch/OpenSearch (_bulk) or Splunk (HEC) over
 * HTTP(S), with libcurl's multi interface driven from the router's poll loop.
 *
 * One request of events at a time: write() turns the offered batch into one body
 * (output/sink_http_fmt.c), gzips it when outputs[].gzip is set, and hands it to libcurl;
 * while it is out write() answers RETRY, so the router gathers the next batch meanwhile.
 * libcurl's sockets are watched through an epoll set of the sink's own, whose fd is the
 * sink's poll fd; libcurl's timer becomes the poll timeout. Connections are kept alive
 * between requests (libcurl's connection cache).
 *
 * What counts as delivered:
 *   elasticsearch  the _bulk answer's item for the document says 2xx, or 409 (a document
 *                  with its _id is already there: an earlier attempt indexed it). 429 and 5xx
 *                  items are sent again; any other 4xx item (mapping errors) is written to
 *                  the dead-letter file and rejected. A whole answer other than 200 (401,
 *                  403, 413, 429, 5xx ...) is an error with back-off and the batch is sent
 *                  again; only a single document answered 413 is rejected as too large.
 *   splunk         with ack: true (the default) HEC's indexer acknowledgement for the
 *                  request's ackId, asked for at /services/collector/ack every
 *                  ack_interval; an ackId not acknowledged within ack_timeout is sent again
 *                  (duplicates_possible). With ack: false, HEC's 200. A 400 "invalid data
 *                  format" for event N rejects event N (dead letter), sends the events after
 *                  it again and the ones before it again as possible duplicates (HEC does not
 *                  say whether it kept them).
 *   A transport failure (refused, reset, timeout, TLS) sends the batch again, as possible
 *   duplicates when any of its bytes left.
 *
 * Secrets: the token, the password read from password_file (not world-readable; re-read on
 * SIGHUP) and the client key (read into memory and handed to libcurl as a blob) are wiped
 * with explicit_bzero when replaced and in destroy. libcurl keeps copies of the header and
 * password strings and of the certificate and key blobs of a request until the request ends,
 * and frees them without wiping. */
#include "http_int.h"

#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <jansson.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "sw/alloc.h"
#include "sw/clock.h"
#include "sw/log.h"

#define RESP_MAX (32u << 20) /* longest answer read */
#define BODY_MIN (1u << 20)  /* a request body may always grow to this */
#define MAX_ACK_IDS 1024     /* ackIds asked about in one /services/collector/ack */

enum req_kind { REQ_EVENTS, REQ_ACK };

struct req {
    enum req_kind kind;
    CURL *easy;
    struct curl_slist *hdr; /* owned */
    struct hbuf body, resp;
    uint64_t *seqs;      /* owned: the records in the body, in order */
    struct sw_rec *recs; /* owned copies (pointers borrowed until reported) */
    size_t n;
    int64_t *ack_ids; /* REQ_ACK: the ids asked about */
    size_t n_ack;
};

/* A Splunk request answered with an ackId, waiting for its acknowledgement. */
struct ack_wait {
    int64_t id;
    uint64_t *seqs; /* owned */
    size_t n;
    uint64_t since; /* monotonic us */
};

struct http {
    struct sw_sink *s; /* borrowed */
    struct http_fmt fmt;
    CURLM *multi;
    int epfd;
    int64_t timer_at; /* monotonic ms when libcurl wants its timeout action, -1 none */
    char url_events[2300], url_ack[2300];
    char connect_to[600];            /* "server_name:port:host:port" when tls.server_name is set */
    struct curl_slist *connect_list; /* owned */
    struct sw_cfg_tls tls;           /* borrowed strings: the config outlives the sink */
    bool https;
    struct curl_blob cert, key; /* owned data, wiped */
    char *auth_header;          /* owned, wiped: "Authorization: ..." or NULL */
    char *username;             /* owned */
    char *password;             /* owned, wiped */
    const char *password_file;  /* borrowed from the config */
    char channel_header[200];
    bool gzip, want_ack;
    uint64_t timeout_ms, ack_interval_us, ack_timeout_us, body_max;
    size_t max_recs;        /* halved after a 413 */
    struct req *events;     /* owned: the request of events out, or NULL */
    struct req *ackreq;     /* owned: the ack poll out, or NULL */
    struct ack_wait *waits; /* owned array */
    size_t n_waits, cap_waits;
    uint64_t next_ack_poll; /* monotonic us */
    bool *keep;             /* owned scratch: batch.max_events entries */
    size_t keep_cap;
    bool curl_init; /* curl_global_init succeeded: cleanup in destroy */
};

static uint64_t
now_us(void)
{
    return sw_clock_us(CLOCK_MONOTONIC);
}

static void
wipe_free(char *p)
{
    if (p != NULL) {
        explicit_bzero(p, strlen(p));
        sw_free(p);
    }
}

static void
blob_free(struct curl_blob *b)
{
    if (b->data != NULL) {
        explicit_bzero(b->data, b->len);
        sw_free(b->data);
    }
    b->data = NULL;
    b->len = 0;
}

/* The password and the client certificate and key: at create and on SIGHUP. */
static enum sw_rc
load_secrets(struct http *h, struct sw_err *err)
{
    char *pw = NULL;
    struct curl_blob cert = {0}, key = {0};
    size_t len;

    if (h->password_file != NULL) {
        pw = http_read_secret(h->password_file, "password_file", &len, true, err);
        if (pw == NULL)
            return err->code;
        while (len > 0 && (pw[len - 1] == '\n' || pw[len - 1] == '\r'))
            pw[--len] = '\0';
    }
    if (h->tls.cert != NULL && h->tls.cert[0] != '\0') {
        cert.data = http_read_secret(h->tls.cert, "tls.cert", &cert.len, false, err);
        key.data =
            cert.data != NULL ? http_read_secret(h->tls.key, "tls.key", &key.len, true, err) : NULL;
        if (key.data == NULL) {
            blob_free(&cert);
            wipe_free(pw);
            return err->code;
        }
        /* libcurl copies them (a request in flight may still use the previous ones when
         * SIGHUP replaces ours); its copies are freed unwiped with each request. */
        cert.flags = key.flags = CURL_BLOB_COPY;
    }
    wipe_free(h->password);
    h->password = pw;
    blob_free(&h->cert);
    blob_free(&h->key);
    h->cert = cert;
    h->key = key;
    return SW_OK;
}

/* --- requests ------------------------------------------------------------------------------ */

static void
req_free(struct http *h, struct req *r)
{
    if (r == NULL)
        return;
    if (r->easy != NULL) {
        curl_multi_remove_handle(h->multi, r->easy);
        curl_easy_cleanup(r->easy);
    }
    curl_slist_free_all(r->hdr);
    hbuf_free(&r->body);
    hbuf_free(&r->resp);
    sw_free(r->seqs);
    sw_free(r->recs);
    sw_free(r->ack_ids);
    sw_free(r);
}

static size_t
on_body(char *data, size_t size, size_t nmemb, void *ud)
{
    struct req *r = ud;
    size_t n = size * nmemb;

    return hbuf_add(&r->resp, data, n) ? n : 0; /* 0 aborts an answer past RESP_MAX */
}

/* gzip r->body in place (Content-Encoding: gzip). */
static bool
gzip_body(struct req *r)
{
    z_stream z;
    struct hbuf out = {.max = r->body.max};
    int rc;

    memset(&z, 0, sizeof(z));
    if (deflateInit2(&z, Z_BEST_SPEED, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)
        return false;
    if (!hbuf_reserve(&out, deflateBound(&z, (uLong)r->body.len))) {
        deflateEnd(&z);
        return false;
    }
    z.next_in = (Bytef *)r->body.p;
    z.avail_in = (uInt)r->body.len;
    z.next_out = (Bytef *)out.p;
    z.avail_out = (uInt)out.cap;
    rc = deflate(&z, Z_FINISH);
    out.len = out.cap - z.avail_out;
    deflateEnd(&z);
    if (rc != Z_STREAM_END) {
        hbuf_free(&out);
        return false;
    }
    hbuf_free(&r->body);
    r->body = out;
    return true;
}

/* Start r: a POST of r->body to url. */
static bool
req_start(struct http *h, struct req *r, const char *url, const char *ctype)
{
    char line[128];
    CURL *e = curl_easy_init();

    if (e == NULL)
        return false;
    r->easy = e;
    r->resp.max = RESP_MAX;
    snprintf(line, sizeof(line), "Content-Type: %s", ctype);
    r->hdr = curl_slist_append(r->hdr, line);
    r->hdr = curl_slist_append(r->hdr, "Expect:");
    if (h->auth_header != NULL)
        r->hdr = curl_slist_append(r->hdr, h->auth_header);
    if (h->channel_header[0] != '\0')
        r->hdr = curl_slist_append(r->hdr, h->channel_header);
    if (h->gzip && r->kind == REQ_EVENTS) {
        if (!gzip_body(r))
            return false;
        r->hdr = curl_slist_append(r->hdr, "Content-Encoding: gzip");
    }
    if (r->hdr == NULL)
        return false;
    curl_easy_setopt(e, CURLOPT_URL, url);
    curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(e, CURLOPT_HTTPHEADER, r->hdr);
    curl_easy_setopt(e, CURLOPT_POST, 1L);
    curl_easy_setopt(e, CURLOPT_POSTFIELDS, r->body.p != NULL ? r->body.p : "");
    curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)r->body.len);
    curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(e, CURLOPT_WRITEDATA, r);
    curl_easy_setopt(e, CURLOPT_PRIVATE, r);
    curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, (long)h->timeout_ms);
    curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS,
                     (long)(h->timeout_ms < 10000 ? h->timeout_ms : 10000));
    curl_easy_setopt(e, CURLOPT_TCP_KEEPALIVE, 1L);
    curl_easy_setopt(e, CURLOPT_USERAGENT, "seawall");
    if (h->connect_list != NULL)
        curl_easy_setopt(e, CURLOPT_CONNECT_TO, h->connect_list);
    if (h->username != NULL) {
        curl_easy_setopt(e, CURLOPT_HTTPAUTH, (long)CURLAUTH_BASIC);
        curl_easy_setopt(e, CURLOPT_USERNAME, h->username);
        curl_easy_setopt(e, CURLOPT_PASSWORD, h->password != NULL ? h->password : "");
    }
    if (h->https) {
        if (h->tls.ca != NULL && h->tls.ca[0] != '\0') {
            struct stat st;

            if (stat(h->tls.ca, &st) == 0 && S_ISDIR(st.st_mode))
                curl_easy_setopt(e, CURLOPT_CAPATH, h->tls.ca);
            else
                curl_easy_setopt(e, CURLOPT_CAINFO, h->tls.ca);
        }
        curl_easy_setopt(e, CURLOPT_SSL_VERIFYPEER, h->tls.verify ? 1L : 0L);
        curl_easy_setopt(e, CURLOPT_SSL_VERIFYHOST, h->tls.verify ? 2L : 0L);
        curl_easy_setopt(e, CURLOPT_SSLVERSION,
                         (long)(h->tls.min_version == 0x0304 ? CURL_SSLVERSION_TLSv1_3
                                                             : CURL_SSLVERSION_TLSv1_2) |
                             CURL_SSLVERSION_MAX_DEFAULT);
        if (h->cert.data != NULL) {
            curl_easy_setopt(e, CURLOPT_SSLCERT_BLOB, &h->cert);
            curl_easy_setopt(e, CURLOPT_SSLKEY_BLOB, &h->key);
        }
    }
    return curl_multi_add_handle(h->multi, e) == CURLM_OK;
}

/* --- libcurl callbacks ------------------------------------------------------------------- */

static int
on_socket(CURL *e, curl_socket_t fd, int what, void *ud, void *sockp)
{
    struct http *h = ud;
    struct epoll_event ev = {.events = 0, .data.fd = fd};

    (void)e;
    (void)sockp;
    if (what == CURL_POLL_REMOVE) {
        epoll_ctl(h->epfd, EPOLL_CTL_DEL, fd, NULL);
        return 0;
    }
    if (what & CURL_POLL_IN)
        ev.events |= EPOLLIN;
    if (what & CURL_POLL_OUT)
        ev.events |= EPOLLOUT;
    if (epoll_ctl(h->epfd, EPOLL_CTL_MOD, fd, &ev) != 0 && errno == ENOENT)
        epoll_ctl(h->epfd, EPOLL_CTL_ADD, fd, &ev);
    return 0;
}

static int
on_timer(CURLM *m, long timeout_ms, void *ud)
{
    struct http *h = ud;

    (void)m;
    h->timer_at = timeout_ms < 0 ? -1 : (int64_t)(now_us() / 1000u) + timeout_ms;
    return 0;
}

/* --- outcomes ------------------------------------------------------------------------------ */

static bool
waits_push(struct http *h, int64_t id, const uint64_t *seqs, size_t n)
{
    struct ack_wait *w;

    if (h->n_waits == h->cap_waits) {
        size_t cap = h->cap_waits > 0 ? h->cap_waits * 2 : 64;
        struct ack_wait *v = sw_realloc(h->waits, cap * sizeof(*v));

        if (v == NULL)
            return false;
        h->waits = v;
        h->cap_waits = cap;
    }
    w = &h->waits[h->n_waits];
    w->seqs = sw_malloc(n * sizeof(*seqs));
    if (w->seqs == NULL)
        return false;
    memcpy(w->seqs, seqs, n * sizeof(*seqs));
    w->n = n;
    w->id = id;
    w->since = now_us();
    h->n_waits++;
    return true;
}

static void
waits_remove(struct http *h, size_t i)
{
    sw_free(h->waits[i].seqs);
    h->waits[i] = h->waits[--h->n_waits];
}

/* Elasticsearch: the per-item results of a 200 answer. */
static void
es_answer(struct http *h, struct req *r)
{
    struct sw_sink *s = h->s;
    enum item_result *res = sw_calloc(r->n, sizeof(*res));
    char(*why)[200] = sw_calloc(r->n, sizeof(*why));
    char err[256];
    size_t retry = 0, first_retry = 0;

    if (res == NULL || why == NULL) {
        sw_sink_error(s, "out of memory reading a _bulk answer");
        http_report(s, r->seqs, r->n, ITEM_RESEND_MAYBE, NULL);
        goto out;
    }
    if (!http_es_results(r->resp.p, r->resp.len, r->n, res, why, err, sizeof(err))) {
        sw_sink_error(s, "POST %s: %s", h->url_events, err);
        http_report(s, r->seqs, r->n, ITEM_RESEND_MAYBE, NULL);
        goto out;
    }
    for (size_t i = 0; i < r->n; i++) {
        if (res[i] == ITEM_REJECT) {
            http_dead_letter(&h->fmt, s, &r->recs[i], why[i]);
            sw_sink_reject(s, r->seqs[i], r->seqs[i], why[i]);
        } else if (res[i] == ITEM_RESEND) {
            if (retry++ == 0)
                first_retry = i;
        }
    }
    /* Acknowledge and resend in runs (ranges of consecutive seqs). */
    for (size_t i = 0; i < r->n;) {
        size_t j = i + 1;

        if (res[i] == ITEM_REJECT) {
            i++;
            continue;
        }
        while (j < r->n && res[j] == res[i])
            j++;
        http_report(s, r->seqs + i, j - i, res[i], NULL);
        i = j;
    }
    if (retry > 0)
        sw_sink_error(s, "POST %s: %zu of %zu documents to send again (first: %s)", h->url_events,
                      retry, r->n, why[first_retry]);
out:
    sw_free(res);
    sw_free(why);
}

/* Splunk: a 200 answer (ackId), or an error answer. */
static void
hec_answer(struct http *h, struct req *r, long status)
{
    struct sw_sink *s = h->s;
    long code;
    int64_t ack_id, invalid;
    char text[160];

    http_hec_answer(r->resp.p, r->resp.len, &code, &ack_id, &invalid, text, sizeof(text));
    if (status == 200) {
        if (!h->want_ack) {
            http_report(s, r->seqs, r->n, ITEM_ACK, NULL);
            return;
        }
        if (ack_id < 0) {
            /* The token has no indexer acknowledgement: HEC's 200 is all there is. */
            SW_LOG_RATELIMIT(SW_LOG_WARNING,
                             "%s: HEC answered without an ackId: enable indexer "
                             "acknowledgement on the token, or set ack: false",
                             s->name);
            http_report(s, r->seqs, r->n, ITEM_ACK, NULL);
            return;
        }
        if (!waits_push(h, ack_id, r->seqs, r->n)) {
            sw_sink_error(s, "out of memory keeping ackId %" PRId64, ack_id);
            http_report(s, r->seqs, r->n, ITEM_RESEND_MAYBE, NULL);
        }
        return;
    }
    if (status == 400 && code == 6 && invalid >= 0 && (uint64_t)invalid < r->n) {
        size_t k = (size_t)invalid;
        char reason[220];

        snprintf(reason, sizeof(reason), "HEC code 6 (%s): event %zu of the batch", text, k);
        http_report(s, r->seqs, k, ITEM_RESEND_MAYBE, NULL);
        http_dead_letter(&h->fmt, s, &r->recs[k], reason);
        sw_sink_reject(s, r->seqs[k], r->seqs[k], reason);
        http_report(s, r->seqs + k + 1, r->n - k - 1, ITEM_RESEND, NULL);
        return;
    }
    if (status == 413 && r->n == 1) {
        http_dead_letter(&h->fmt, s, &r->recs[0], "HTTP 413: larger than HEC accepts");
        sw_sink_reject(s, r->seqs[0], r->seqs[0], "HTTP 413: larger than HEC accepts");
        return;
    }
    if (status == 413 && h->max_recs > 1)
        h->max_recs = r->n / 2 > 0 ? r->n / 2 : 1;
    sw_sink_error(s, "POST %s: HTTP %ld, HEC code %ld: %s", h->url_events, status, code, text);
    http_report(s, r->seqs, r->n, status >= 500 && status != 503 ? ITEM_RESEND_MAYBE : ITEM_RESEND,
                NULL);
}

static void
events_done(struct http *h, struct req *r, CURLcode cc)
{
    struct sw_sink *s = h->s;
    long status = 0;
    curl_off_t up = 0;

    curl_easy_getinfo(r->easy, CURLINFO_RESPONSE_CODE, &status);
    curl_easy_getinfo(r->easy, CURLINFO_SIZE_UPLOAD_T, &up);
    if (cc != CURLE_OK) {
        sw_sink_error(s, "POST %s: %s", h->url_events, curl_easy_strerror(cc));
        http_report(s, r->seqs, r->n, up > 0 ? ITEM_RESEND_MAYBE : ITEM_RESEND, NULL);
        return;
    }
    if (h->fmt.format == HTTP_SPLUNK) {
        hec_answer(h, r, status);
        return;
    }
    if (status == 200) {
        es_answer(h, r);
        return;
    }
    if (status == 413 && r->n == 1) {
        http_dead_letter(&h->fmt, s, &r->recs[0], "HTTP 413: larger than the receiver accepts");
        sw_sink_reject(s, r->seqs[0], r->seqs[0], "HTTP 413: larger than the receiver accepts");
        return;
    }
    if (status == 413)
        h->max_recs = r->n / 2 > 0 ? r->n / 2 : 1;
    sw_sink_error(s, "POST %s: HTTP %ld%s%.*s", h->url_events, status, r->resp.len > 0 ? ": " : "",
                  (int)(r->resp.len < 120 ? r->resp.len : 120), r->resp.p != NULL ? r->resp.p : "");
    http_report(s, r->seqs, r->n, status >= 500 && status != 503 ? ITEM_RESEND_MAYBE : ITEM_RESEND,
                NULL);
}

static void
ack_done(struct http *h, struct req *r, CURLcode cc)
{
    long status = 0;
    int64_t *acked;
    long n;

    curl_easy_getinfo(r->easy, CURLINFO_RESPONSE_CODE, &status);
    if (cc != CURLE_OK || status != 200) {
        if (cc != CURLE_OK)
            sw_sink_error(h->s, "POST %s: %s", h->url_ack, curl_easy_strerror(cc));
        else
            sw_sink_error(h->s, "POST %s: HTTP %ld", h->url_ack, status);
        return;
    }
    acked = sw_calloc(r->n_ack + 1, sizeof(*acked));
    n = acked != NULL ? http_hec_acks(r->resp.p, r->resp.len, acked, r->n_ack) : -1;
    if (n < 0) {
        sw_sink_error(h->s, "POST %s: not an acknowledgement answer", h->url_ack);
        sw_free(acked);
        return;
    }
    for (long k = 0; k < n; k++) {
        for (size_t i = 0; i < h->n_waits; i++) {
            if (h->waits[i].id == acked[k]) {
                http_report(h->s, h->waits[i].seqs, h->waits[i].n, ITEM_ACK, NULL);
                waits_remove(h, i);
                break;
            }
        }
    }
    sw_free(acked);
}

/* Ask HEC about the ackIds waiting, and give up on the ones waiting too long. */
static void
ack_poll(struct http *h)
{
    uint64_t now = now_us();
    struct req *r;
    size_t n;
    char num[32];

    for (size_t i = 0; i < h->n_waits;) {
        if (now - h->waits[i].since >= h->ack_timeout_us) {
            sw_sink_error(h->s, "HEC did not acknowledge ackId %" PRId64 " within ack_timeout",
                          h->waits[i].id);
            http_report(h->s, h->waits[i].seqs, h->waits[i].n, ITEM_RESEND_MAYBE, NULL);
            waits_remove(h, i);
            continue;
        }
        i++;
    }
    h->next_ack_poll = now + h->ack_interval_us;
    if (h->ackreq != NULL || h->n_waits == 0)
        return;
    r = sw_calloc(1, sizeof(*r));
    n = h->n_waits < MAX_ACK_IDS ? h->n_waits : MAX_ACK_IDS;
    if (r == NULL || (r->ack_ids = sw_calloc(n, sizeof(*r->ack_ids))) == NULL)
        goto fail;
    r->kind = REQ_ACK;
    r->body.max = 64u << 10;
    if (!hbuf_add(&r->body, "{\"acks\":[", 9))
        goto fail;
    for (size_t i = 0; i < n; i++) {
        int k = snprintf(num, sizeof(num), "%s%" PRId64, i > 0 ? "," : "", h->waits[i].id);

        r->ack_ids[i] = h->waits[i].id;
        if (!hbuf_add(&r->body, num, (size_t)k))
            goto fail;
    }
    r->n_ack = n;
    if (!hbuf_add(&r->body, "]}", 2) || !req_start(h, r, h->url_ack, "application/json"))
        goto fail;
    h->ackreq = r;
    return;
fail:
    req_free(h, r);
    sw_sink_error(h->s, "cannot start an acknowledgement request (out of memory?)");
}

/* Run libcurl for what is ready and settle finished requests. */
static void
pump(struct http *h, bool timeout)
{
    struct epoll_event evs[16];
    int running = 0, k;
    CURLMsg *m;
    int left;

    k = epoll_wait(h->epfd, evs, 16, 0);
    for (int i = 0; i < k; i++) {
        int mask = 0;

        if (evs[i].events & (EPOLLIN | EPOLLHUP | EPOLLERR))
            mask |= CURL_CSELECT_IN;
        if (evs[i].events & EPOLLOUT)
            mask |= CURL_CSELECT_OUT;
        if (evs[i].events & EPOLLERR)
            mask |= CURL_CSELECT_ERR;
        curl_multi_socket_action(h->multi, evs[i].data.fd, mask, &running);
    }
    if (timeout || (h->timer_at >= 0 && (int64_t)(now_us() / 1000u) >= h->timer_at)) {
        h->timer_at = -1;
        curl_multi_socket_action(h->multi, CURL_SOCKET_TIMEOUT, 0, &running);
    }
    while ((m = curl_multi_info_read(h->multi, &left)) != NULL) {
        struct req *r = NULL;

        if (m->msg != CURLMSG_DONE)
            continue;
        curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE, (char **)&r);
        if (r == NULL)
            continue;
        if (r == h->events) {
            h->events = NULL;
            events_done(h, r, m->data.result);
        } else if (r == h->ackreq) {
            h->ackreq = NULL;
            ack_done(h, r, m->data.result);
        }
        req_free(h, r);
    }
    if (h->want_ack && h->n_waits > 0 && now_us() >= h->next_ack_poll)
        ack_poll(h);
}

/* --- ops ------------------------------------------------------------------------------------ */

static enum sw_sink_rc
http_write(struct sw_sink *s, const struct sw_rec *recs, size_t n, size_t *taken)
{
    struct http *h = s->ctx;
    struct req *r;
    size_t used = 0, k = 0;

    *taken = 0;
    if (h->events != NULL)
        return SW_SINK_RETRY; /* one request of events at a time: the next batch gathers */
    if (n > h->max_recs)
        n = h->max_recs;
    if (n > h->keep_cap) {
        bool *v = sw_realloc(h->keep, n * sizeof(*v));

        if (v == NULL)
            goto oom;
        h->keep = v;
        h->keep_cap = n;
    }
    r = sw_calloc(1, sizeof(*r));
    if (r == NULL)
        goto oom;
    r->kind = REQ_EVENTS;
    r->body.max = h->body_max;
    r->seqs = sw_calloc(n, sizeof(*r->seqs));
    r->recs = sw_calloc(n, sizeof(*r->recs));
    if (r->seqs == NULL || r->recs == NULL) {
        req_free(h, r);
        goto oom;
    }
    if (!http_fmt_body(&h->fmt, s, recs, n, &r->body, h->keep, &used) && used == 0) {
        /* Not even the first record fits the body's maximum. */
        req_free(h, r);
        http_dead_letter(&h->fmt, s, &recs[0], "larger than the request body maximum");
        sw_sink_reject(s, recs[0].seq, recs[0].seq, "http: larger than the body maximum");
        *taken = 1;
        return SW_SINK_DONE;
    }
    for (size_t i = 0; i < used; i++) {
        if (!h->keep[i])
            continue;
        r->seqs[k] = recs[i].seq;
        r->recs[k] = recs[i];
        k++;
    }
    r->n = k;
    *taken = used;
    if (k == 0) {
        req_free(h, r);
        return used == n ? SW_SINK_DONE : SW_SINK_RETRY;
    }
    if (!req_start(h, r, h->url_events,
                   h->fmt.format == HTTP_ES ? "application/x-ndjson" : "application/json")) {
        sw_sink_error(s, "cannot start a request to %s (out of memory?)", h->url_events);
        http_report(s, r->seqs, r->n, ITEM_RESEND, NULL);
        req_free(h, r);
        return SW_SINK_FAIL;
    }
    h->events = r;
    return used == n ? SW_SINK_DONE : SW_SINK_RETRY;
oom:
    sw_sink_error(s, "out of memory");
    return SW_SINK_FAIL;
}

static int
http_poll_fd(const struct sw_sink *s, short *events, int *timeout_ms)
{
    const struct http *h = s->ctx;
    int64_t now_ms = (int64_t)(now_us() / 1000u), t = -1;

    if (h->timer_at >= 0)
        t = h->timer_at > now_ms ? h->timer_at - now_ms : 0;
    if (h->want_ack && h->n_waits > 0) {
        int64_t a = (int64_t)(h->next_ack_poll / 1000u) - now_ms;

        if (a < 0)
            a = 0;
        if (t < 0 || a < t)
            t = a;
    }
    *events = POLLIN;
    *timeout_ms = t > INT32_MAX ? INT32_MAX : (int)t;
    return h->epfd;
}

static void
http_service(struct sw_sink *s, short revents)
{
    struct http *h = s->ctx;

    pump(h, revents == 0 && h->timer_at >= 0 && (int64_t)(now_us() / 1000u) >= h->timer_at);
}

static void
http_tick(struct sw_sink *s)
{
    pump(s->ctx, false);
}

static void
http_reopen(struct sw_sink *s)
{
    struct http *h = s->ctx;
    struct sw_err err;

    if (load_secrets(h, &err) != SW_OK)
        sw_sink_error(s, "reload: %s (keeping the previous ones)", err.msg);
}

static void
http_destroy(struct sw_sink *s)
{
    struct http *h = s->ctx;

    if (h == NULL)
        return;
    req_free(h, h->events);
    req_free(h, h->ackreq);
    for (size_t i = 0; i < h->n_waits; i++)
        sw_free(h->waits[i].seqs);
    sw_free(h->waits);
    if (h->multi != NULL)
        curl_multi_cleanup(h->multi);
    if (h->epfd >= 0)
        close(h->epfd);
    if (h->fmt.dl_fd >= 0)
        close(h->fmt.dl_fd);
    curl_slist_free_all(h->connect_list);
    blob_free(&h->cert);
    blob_free(&h->key);
    wipe_free(h->auth_header);
    wipe_free(h->password);
    sw_free(h->username);
    sw_free(h->keep);
    if (h->curl_init)
        curl_global_cleanup();
    sw_free(h);
    s->ctx = NULL;
}

/* --- create -------------------------------------------------------------------------------- */

/* scheme://host[:port]/path: host and port, for CONNECT_TO and messages. */
static enum sw_rc
setup_urls(struct http *h, const struct sw_cfg_sink *cfg, struct sw_err *err)
{
    char base[2100], host[300], port[16];
    const char *sn = cfg->tls.server_name;
    size_t bl;

    bl = (size_t)snprintf(base, sizeof(base), "%s", cfg->url);
    while (bl > 0 && base[bl - 1] == '/')
        base[--bl] = '\0';
    if (!http_url_host_port(base, host, sizeof(host), port, sizeof(port), &h->https))
        return sw_err_set(err, SW_EINVAL, "url %s: no host", cfg->url);
    if (!h->https && cfg->tls.enabled)
        return sw_err_set(err, SW_EINVAL, "url %s: tls needs an https:// url", cfg->url);
    if (h->https && sn != NULL && sn[0] != '\0' && strcmp(sn, host) != 0) {
        /* Verify (and send as SNI) server_name: ask for it in the URL, connect to host. */
        const char *rest = strstr(base, "://") + 3;
        char tmp[2100];

        rest += strcspn(rest, "/");
        snprintf(tmp, sizeof(tmp), "https://%s:%s%s", sn, port, rest);
        snprintf(base, sizeof(base), "%s", tmp);
        snprintf(h->connect_to, sizeof(h->connect_to), "%s:%s:%s:%s", sn, port, host, port);
        h->connect_list = curl_slist_append(NULL, h->connect_to);
        if (h->connect_list == NULL)
            return sw_err_set(err, SW_ENOMEM, "out of memory");
    }
    if (h->fmt.format == HTTP_ES) {
        snprintf(h->url_events, sizeof(h->url_events), "%s/_bulk", base);
    } else {
        snprintf(h->url_events, sizeof(h->url_events), "%s/services/collector/event", base);
        snprintf(h->url_ack, sizeof(h->url_ack), "%s/services/collector/ack", base);
    }
    return SW_OK;
}

/* Index names Elasticsearch accepts: lower case, none of \ / * ? " < > | space , # and not
 * starting with - _ +. Checked on a sample date. */
static int
http_create(struct sw_sink *s, const struct sw_cfg_sink *cfg, const struct sw_sink_env *env,
            struct sw_err *err)
{
    struct http *h = sw_calloc(1, sizeof(*h));
    char tmp[1100];
    size_t pl = 0;

    if (h == NULL)
        return sw_err_set(err, SW_ENOMEM, "http sink: out of memory");
    s->ctx = h;
    h->s = s;
    h->epfd = -1;
    h->fmt.dl_fd = -1;
    h->fmt.idx_sec = h->fmt.ts_sec = -1;
    h->timer_at = -1;
    /* Reference-counted; on the main thread before any other thread uses libcurl. */
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
        return sw_err_set(err, SW_EIO, "http sink: curl_global_init failed");
    h->curl_init = true;
    snprintf(s->name, sizeof(s->name), "http %.80s", cfg->url != NULL ? cfg->url : "");
    if (cfg->url == NULL)
        return sw_err_set(err, SW_EINVAL, "an http sink needs a url");
    h->fmt.format =
        cfg->format != NULL && strcmp(cfg->format, "splunk") == 0 ? HTTP_SPLUNK : HTTP_ES;
    h->tls = cfg->tls;
    h->gzip = cfg->gzip;
    h->want_ack = h->fmt.format == HTTP_SPLUNK && cfg->ack;
    h->timeout_ms = cfg->timeout / 1000u > 0 ? cfg->timeout / 1000u : 30000;
    h->ack_interval_us = cfg->ack_interval > 0 ? cfg->ack_interval : 1000000u;
    h->ack_timeout_us = cfg->ack_timeout > 0 ? cfg->ack_timeout : 300000000u;
    h->max_recs = SIZE_MAX;
    /* The router hands at most batch.max_bytes of EVE per write (one record more when a
     * single one is larger); the body adds the action lines or the HEC envelope. */
    h->body_max = cfg->batch.max_bytes * 2 + BODY_MIN;
    if (setup_urls(h, cfg, err) != SW_OK)
        return err->code;
    /* index, _id prefix, HEC envelope */
    if (h->fmt.format == HTTP_ES) {
        snprintf(h->fmt.index, sizeof(h->fmt.index), "%s",
                 cfg->index != NULL ? cfg->index : "seawall-%Y.%m.%d");
        if (!sw_sink_http_index_ok(h->fmt.index))
            return sw_err_set(err, SW_EINVAL, "index '%s': not an Elasticsearch index name",
                              h->fmt.index);
        for (const char *p = env->host; *p != '\0' && pl + 2 < sizeof(h->fmt.id_prefix) - 1; p++) {
            char c = *p;

            h->fmt.id_prefix[pl++] = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                                             (c >= '0' && c <= '9') || c == '.' || c == '-'
                                         ? c
                                         : '_';
        }
        h->fmt.id_prefix[pl++] = '-';
        h->fmt.id_prefix[pl] = '\0';
        if (getrandom(&h->fmt.run_id, sizeof(h->fmt.run_id), 0) != sizeof(h->fmt.run_id))
            h->fmt.run_id = sw_clock_us(CLOCK_REALTIME);
    } else {
        char host[300], st[300], idx[300], chan[80];

        if (!http_json_str(env->host, host, sizeof(host)) ||
            !http_json_str(cfg->sourcetype != NULL ? cfg->sourcetype : "suricata", st,
                           sizeof(st)) ||
            !http_json_str(cfg->index != NULL ? cfg->index : "", idx, sizeof(idx)))
            return sw_err_set(err, SW_EINVAL, "host, sourcetype or index too long");
        snprintf(h->fmt.meta, sizeof(h->fmt.meta),
                 ",\"host\":%s,\"source\":\"seawall\",\"sourcetype\":%s%s%s,\"event\":", host, st,
                 cfg->index != NULL ? ",\"index\":" : "", cfg->index != NULL ? idx : "");
        if (cfg->channel != NULL && cfg->channel[0] != '\0')
            snprintf(chan, sizeof(chan), "%.64s", cfg->channel);
        else
            http_make_uuid(chan, sizeof(chan));
        snprintf(h->channel_header, sizeof(h->channel_header), "X-Splunk-Request-Channel: %s",
                 chan);
        snprintf(s->name, sizeof(s->name), "splunk %.80s", cfg->url);
    }
    /* dead letters */
    h->fmt.dl_max = cfg->dead_letter.max_size;
    if (cfg->dead_letter.path != NULL)
        snprintf(h->fmt.dl_path, sizeof(h->fmt.dl_path), "%s", cfg->dead_letter.path);
    else
        snprintf(h->fmt.dl_path, sizeof(h->fmt.dl_path), "%s/deadletter-%s.json",
                 env->state_dir != NULL && env->state_dir[0] != '\0' ? env->state_dir : ".",
                 h->fmt.format == HTTP_ES ? "elasticsearch" : "splunk");
    /* authentication */
    if (cfg->token != NULL && cfg->token[0] != '\0') {
        int n = snprintf(tmp, sizeof(tmp), "Authorization: %s %s",
                         h->fmt.format == HTTP_SPLUNK ? "Splunk" : "ApiKey", cfg->token);

        if (n < 0 || (size_t)n >= sizeof(tmp)) {
            explicit_bzero(tmp, sizeof(tmp));
            return sw_err_set(err, SW_EINVAL, "token: too long");
        }
        h->auth_header = sw_strdup(tmp);
        explicit_bzero(tmp, sizeof(tmp));
        if (h->auth_header == NULL)
            return sw_err_set(err, SW_ENOMEM, "out of memory");
    }
    if (cfg->username != NULL && cfg->username[0] != '\0') {
        h->username = sw_strdup(cfg->username);
        h->password_file = cfg->password_file;
        if (h->username == NULL)
            return sw_err_set(err, SW_ENOMEM, "out of memory");
    }
    if (load_secrets(h, err) != SW_OK)
        return err->code;
    if (h->https && h->tls.ca != NULL && h->tls.ca[0] != '\0' && access(h->tls.ca, R_OK) != 0)
        return sw_err_sys(err, SW_EIO, "tls.ca %s", h->tls.ca);
    /* libcurl */
    h->epfd = epoll_create1(EPOLL_CLOEXEC);
    if (h->epfd < 0)
        return sw_err_sys(err, SW_EIO, "epoll_create1");
    h->multi = curl_multi_init();
    if (h->multi == NULL)
        return sw_err_set(err, SW_ENOMEM, "curl_multi_init failed");
    curl_multi_setopt(h->multi, CURLMOPT_SOCKETFUNCTION, on_socket);
    curl_multi_setopt(h->multi, CURLMOPT_SOCKETDATA, h);
    curl_multi_setopt(h->multi, CURLMOPT_TIMERFUNCTION, on_timer);
    curl_multi_setopt(h->multi, CURLMOPT_TIMERDATA, h);
    curl_multi_setopt(h->multi, CURLMOPT_MAXCONNECTS, 4L);
    return SW_OK;
}

const struct sw_sink_ops sw_sink_http_ops = {
    .name = "http",
    .create = http_create,
    .write = http_write,
    .poll_fd = http_poll_fd,
    .service = http_service,
    .tick = http_tick,
    .reopen = http_reopen,
    .destroy = http_destroy,
    .networked = true,
};
