/* sink_http_fmt.c - what the http sink says and reads (see output/http_int.h):
 *
 * Elasticsearch / OpenSearch _bulk (NDJSON), one pair of lines per event:
 *   {"create":{"_index":"seawall-2026.12.01","_id":"agent-7-<spool id hex>-<seq>"}}
 *   <the EVE object, with "@timestamp":"2026-12-01T10:00:00.123456Z" added at its end>
 * The index is outputs[].index formatted with strftime from the event's time in UTC. The
 * _id is the agent id, the sink's spool id and the record's seq (include/sw/sink.h section
 * 1): a record sent again keeps its _id, so "create" answers 409 for a copy that is already
 * indexed (counted as delivered), and two identical events get two _ids.
 *
 * Splunk HEC (/services/collector/event), one JSON object per event:
 *   {"time":1764583200.123456,"host":"agent-7","source":"seawall","sourcetype":"suricata",
 *    ["index":"...",]"event":<the EVE object>}
 *
 * Answers are parsed with Jansson; nothing in them is trusted for sizes. */
#include "http_int.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <jansson.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "sw/alloc.h"
#include "sw/io.h"
#include "sw/log.h"

/* --- buffers ------------------------------------------------------------------------------- */

bool
hbuf_reserve(struct hbuf *b, size_t more)
{
    size_t need, cap;
    char *p;

    if (__builtin_add_overflow(b->len, more, &need) || need > b->max)
        return false;
    if (need <= b->cap)
        return true;
    cap = b->cap > 0 ? b->cap : 4096;
    while (cap < need)
        cap = cap > b->max / 2 ? b->max : cap * 2;
    p = sw_realloc(b->p, cap);
    if (p == NULL)
        return false;
    b->p = p;
    b->cap = cap;
    return true;
}

bool
hbuf_add(struct hbuf *b, const void *data, size_t len)
{
    if (!hbuf_reserve(b, len))
        return false;
    memcpy(b->p + b->len, data, len);
    b->len += len;
    return true;
}

void
hbuf_free(struct hbuf *b)
{
    sw_free(b->p);
    b->p = NULL;
    b->len = b->cap = 0;
}

/* --- bodies -------------------------------------------------------------------------------- */

/* The index pattern is configuration, checked at create (a bad one fails there). */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
size_t
http_strftime(char *out, size_t len, const char *pattern, const struct tm *tm)
{
    return strftime(out, len, pattern, tm);
}
#pragma GCC diagnostic pop

static const char *
index_name(struct http_fmt *f, uint64_t ts_us)
{
    int64_t sec = (int64_t)(ts_us / 1000000u);
    time_t t = (time_t)sec;
    struct tm tm;

    if (sec == f->idx_sec)
        return f->idx_name;
    gmtime_r(&t, &tm);
    if (http_strftime(f->idx_name, sizeof(f->idx_name), f->index, &tm) == 0)
        snprintf(f->idx_name, sizeof(f->idx_name), "seawall");
    f->idx_sec = sec;
    return f->idx_name;
}

static const char *
iso_time(struct http_fmt *f, uint64_t ts_us)
{
    int64_t sec = (int64_t)(ts_us / 1000000u);

    if (sec != f->ts_sec) {
        time_t t = (time_t)sec;
        struct tm tm;

        gmtime_r(&t, &tm);
        strftime(f->ts_text, sizeof(f->ts_text), "%Y-%m-%dT%H:%M:%S", &tm);
        f->ts_sec = sec;
    }
    return f->ts_text;
}

/* One record's lines; false when the body is full. */
static bool
add_one(struct http_fmt *f, struct sw_sink *s, const struct sw_rec *r, struct hbuf *b)
{
    char head[600];
    int n;

    if (f->format == HTTP_ES) {
        uint64_t sid = s->spool_id != 0 ? s->spool_id : f->run_id;

        n = snprintf(head, sizeof(head),
                     "{\"create\":{\"_index\":\"%s\",\"_id\":\"%s%016" PRIx64 "-%" PRIu64 "\"}}\n",
                     index_name(f, r->ts_us), f->id_prefix, sid, r->seq);
        if (n < 0 || (size_t)n >= sizeof(head) || !hbuf_reserve(b, (size_t)n + r->len + 48))
            return false;
        hbuf_add(b, head, (size_t)n);
        /* The object without its closing brace, then @timestamp and the brace. */
        hbuf_add(b, r->line, r->len - 1);
        n = snprintf(head, sizeof(head), "%s\"@timestamp\":\"%s.%06uZ\"}\n", r->len > 2 ? "," : "",
                     iso_time(f, r->ts_us), (unsigned)(r->ts_us % 1000000u));
        hbuf_add(b, head, (size_t)n);
        return true;
    }
    n = snprintf(head, sizeof(head), "{\"time\":%" PRIu64 ".%06u", r->ts_us / 1000000u,
                 (unsigned)(r->ts_us % 1000000u));
    if (!hbuf_reserve(b, (size_t)n + strlen(f->meta) + r->len + 2))
        return false;
    hbuf_add(b, head, (size_t)n);
    hbuf_add(b, f->meta, strlen(f->meta));
    hbuf_add(b, r->line, r->len);
    hbuf_add(b, "}\n", 2);
    return true;
}

bool
http_fmt_body(struct http_fmt *f, struct sw_sink *s, const struct sw_rec *recs, size_t n,
              struct hbuf *body, bool *keep, size_t *used)
{
    for (size_t i = 0; i < n; i++) {
        const struct sw_rec *r = &recs[i];

        keep[i] = false;
        if (r->len < 2 || r->line[0] != '{' || r->line[r->len - 1] != '}') {
            http_dead_letter(f, s, r, "not a JSON object");
            sw_sink_reject(s, r->seq, r->seq, "http: not a JSON object");
            continue;
        }
        if (!add_one(f, s, r, body)) {
            *used = i;
            return false;
        }
        keep[i] = true;
    }
    *used = n;
    return true;
}

/* --- answers ------------------------------------------------------------------------------- */

/* Elasticsearch writes "took" then "errors" first: {"took":30,"errors":false,"items":[...]}.
 * When errors is false every item succeeded, and parsing the items (a few hundred bytes
 * each) is most of the cost of an answer: look for it in the first bytes. */
static bool
no_errors_early(const char *resp, size_t len)
{
    size_t lim = len < 128 ? len : 128;
    const char *p = memmem(resp, lim, "\"errors\"", 8);

    if (p == NULL || resp[0] != '{')
        return false;
    p += 8;
    while (p < resp + lim && (*p == ' ' || *p == ':' || *p == '\n' || *p == '\t' || *p == '\r'))
        p++;
    return (size_t)(resp + len - p) >= 5 && memcmp(p, "false", 5) == 0 && resp[len - 1] == '}';
}

bool
http_es_results(const char *resp, size_t len, size_t n, enum item_result *res, char (*why)[200],
                char *err, size_t errlen)
{
    json_error_t je;
    json_t *root, *items, *errors;
    bool ok = false;

    if (resp != NULL && no_errors_early(resp, len)) {
        for (size_t i = 0; i < n; i++) {
            res[i] = ITEM_ACK;
            why[i][0] = '\0';
        }
        return true;
    }
    root = json_loadb(resp, len, 0, &je);
    if (root == NULL) {
        snprintf(err, errlen, "_bulk answer is not JSON: %s", je.text);
        return false;
    }
    items = json_object_get(root, "items");
    errors = json_object_get(root, "errors");
    if (!json_is_array(items) || json_array_size(items) != n) {
        snprintf(err, errlen, "_bulk answer has %zu items for %zu documents",
                 json_is_array(items) ? json_array_size(items) : 0, n);
        goto out;
    }
    for (size_t i = 0; i < n; i++) {
        json_t *it = json_array_get(items, i), *op, *st, *e;
        const char *key;
        long status;

        res[i] = ITEM_ACK;
        why[i][0] = '\0';
        if (json_is_false(errors))
            continue; /* every item succeeded */
        op = NULL;
        if (json_is_object(it) && json_object_size(it) == 1) {
            json_object_foreach(it, key, op) break;
        }
        st = json_object_get(op, "status");
        if (!json_is_integer(st)) {
            snprintf(err, errlen, "_bulk answer item %zu has no status", i);
            goto out;
        }
        status = (long)json_integer_value(st);
        e = json_object_get(op, "error");
        if (status >= 200 && status < 300) {
            res[i] = ITEM_ACK;
        } else if (status == 409) {
            res[i] = ITEM_ACK; /* "create" of an _id already indexed: an earlier attempt */
        } else if (status == 429 || status >= 500) {
            res[i] = ITEM_RESEND;
            snprintf(why[i], sizeof(why[i]), "item status %ld", status);
        } else {
            res[i] = ITEM_REJECT;
            snprintf(why[i], sizeof(why[i]), "status %ld %s: %.150s", status,
                     json_is_string(json_object_get(e, "type"))
                         ? json_string_value(json_object_get(e, "type"))
                         : "error",
                     json_is_string(json_object_get(e, "reason"))
                         ? json_string_value(json_object_get(e, "reason"))
                         : "");
        }
    }
    ok = true;
out:
    json_decref(root);
    return ok;
}

void
http_hec_answer(const char *resp, size_t len, long *code, int64_t *ack_id, int64_t *invalid,
                char *text, size_t textlen)
{
    json_t *root = json_loadb(resp, len, 0, NULL), *v;

    *code = -1;
    *ack_id = -1;
    *invalid = -1;
    snprintf(text, textlen, "%s", "no JSON answer");
    if (root == NULL)
        return;
    v = json_object_get(root, "code");
    if (json_is_integer(v))
        *code = (long)json_integer_value(v);
    v = json_object_get(root, "ackId");
    if (json_is_integer(v) && json_integer_value(v) >= 0)
        *ack_id = json_integer_value(v);
    v = json_object_get(root, "invalid-event-number");
    if (json_is_integer(v) && json_integer_value(v) >= 0)
        *invalid = json_integer_value(v);
    v = json_object_get(root, "text");
    snprintf(text, textlen, "%.150s", json_is_string(v) ? json_string_value(v) : "");
    json_decref(root);
}

long
http_hec_acks(const char *resp, size_t len, int64_t *acked, size_t max)
{
    json_t *root = json_loadb(resp, len, 0, NULL), *acks, *v;
    const char *key;
    long n = 0;

    acks = json_object_get(root, "acks");
    if (!json_is_object(acks)) {
        json_decref(root);
        return -1;
    }
    json_object_foreach(acks, key, v)
    {
        char *end;
        long long id;

        if (!json_is_true(v) || (size_t)n >= max)
            continue;
        errno = 0;
        id = strtoll(key, &end, 10);
        if (errno == 0 && *end == '\0' && end != key && id >= 0)
            acked[n++] = id;
    }
    json_decref(root);
    return n;
}

/* --- dead letters and reports -------------------------------------------------------------- */

void
http_dead_letter(struct http_fmt *f, struct sw_sink *s, const struct sw_rec *rec,
                 const char *reason)
{
    char head[512];
    json_t *jr;
    char *rs;
    size_t need;
    int n;

    if (f->dl_fd < 0 && f->dl_max > 0 && f->dl_path[0] != '\0') {
        struct stat st;

        f->dl_fd = open(f->dl_path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
        if (f->dl_fd < 0) {
            SW_LOG_RATELIMIT(SW_LOG_ERROR, "%s: dead_letter.path %s: %s", s->name, f->dl_path,
                             strerror(errno));
        } else if (fstat(f->dl_fd, &st) == 0) {
            f->dl_size = (uint64_t)st.st_size;
        }
    }
    jr = json_string(reason != NULL ? reason : "");
    rs = jr != NULL ? json_dumps(jr, JSON_ENCODE_ANY) : NULL;
    json_decref(jr);
    n = snprintf(head, sizeof(head), "{\"seq\":%" PRIu64 ",\"reason\":%s,\"event\":", rec->seq,
                 rs != NULL ? rs : "\"\"");
    free(rs);
    need = (size_t)n + rec->len + 2;
    if (f->dl_fd < 0 || n < 0 || (size_t)n >= sizeof(head) || f->dl_size + need > f->dl_max) {
        f->dl_dropped++;
        SW_LOG_RATELIMIT(
            SW_LOG_WARNING,
            "%s: rejected event not kept in the dead-letter file (%" PRIu64 " so far): %s", s->name,
            f->dl_dropped, f->dl_fd < 0 ? "no file" : "dead_letter.max_size reached");
        return;
    }
    {
        struct piece {
            const void *b;
            size_t l;
        } part[3] = {{head, (size_t)n}, {rec->line, rec->len}, {"}\n", 2}};

        for (int i = 0; i < 3; i++) {
            int rc = sw_io_write_all(f->dl_fd, part[i].b, part[i].l, NULL);

            if (rc != 0) {
                f->dl_dropped++;
                SW_LOG_RATELIMIT(SW_LOG_ERROR, "%s: dead_letter.path %s: %s", s->name,
                                 f->dl_path, strerror(-rc));
                return;
            }
        }
    }
    f->dl_size += need;
    f->dl_written++;
}

void
http_report(struct sw_sink *s, const uint64_t *seqs, size_t n, enum item_result what,
            const char *reason)
{
    size_t i = 0;

    while (i < n) {
        size_t j = i + 1;

        while (j < n && seqs[j] == seqs[j - 1] + 1)
            j++;
        switch (what) {
        case ITEM_ACK:
            sw_sink_ack(s, seqs[i], seqs[j - 1]);
            break;
        case ITEM_RESEND:
            sw_sink_resend(s, seqs[i], seqs[j - 1], false);
            break;
        case ITEM_RESEND_MAYBE:
            sw_sink_resend(s, seqs[i], seqs[j - 1], true);
            break;
        case ITEM_REJECT:
            sw_sink_reject(s, seqs[i], seqs[j - 1], reason);
            break;
        }
        i = j;
    }
}
