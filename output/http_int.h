/* http_int.h - private to the http sink: output/sink_http.c (libcurl multi transport,
 * requests, authentication, TLS, Splunk acknowledgements) and output/sink_http_fmt.c (the
 * Elasticsearch _bulk and Splunk HEC bodies, their answers, the dead-letter file).
 * Output thread only, except create/destroy (main). */
#ifndef SW_HTTP_INT_H
#define SW_HTTP_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sw/config.h"
#include "sw/err.h"
#include "sw/sink.h"

enum http_format { HTTP_ES, HTTP_SPLUNK };

/* A growable byte buffer with a hard maximum. */
struct hbuf {
    char *p; /* owned */
    size_t len, cap, max;
};

bool hbuf_reserve(struct hbuf *b, size_t more);
bool hbuf_add(struct hbuf *b, const void *data, size_t len);
void hbuf_free(struct hbuf *b);

/* What the formats need to know, fixed at create. */
struct http_fmt {
    enum http_format format;
    char index[256];    /* elasticsearch: strftime pattern; splunk: index or "" */
    char id_prefix[96]; /* elasticsearch _id: "<host>-" */
    char meta[1024];    /* splunk: ,"host":..,"source":..,"sourcetype":..[,"index":..] */
    uint64_t run_id;    /* _id part when the sink has no spool (spool_id 0) */
    /* caches of the last second formatted */
    int64_t idx_sec, ts_sec;
    char idx_name[256], ts_text[32];
    /* dead letter */
    char dl_path[4096];
    uint64_t dl_max, dl_size, dl_written, dl_dropped;
    int dl_fd; /* -1 until the first rejection opens it */
};

/* Append the request body for recs[0..n) (ES: action and document lines; splunk: one event
 * object a line). Records that cannot be sent at all are rejected here and left out:
 * keep[i] says which went in. Returns false when the body outgrew its maximum (nothing
 * more fits: *used records were added). */
bool http_fmt_body(struct http_fmt *f, struct sw_sink *s, const struct sw_rec *recs, size_t n,
                   struct hbuf *body, bool *keep, size_t *used);

/* The outcome of each record of an answered request. */
enum item_result { ITEM_ACK, ITEM_RESEND, ITEM_RESEND_MAYBE, ITEM_REJECT };

/* Elasticsearch: read a _bulk answer (HTTP 200) for n documents into res[] (reasons of
 * rejected ones in why[], one line each, 200 bytes). Returns false when the answer is not a
 * _bulk answer for n items (*err says why). */
bool http_es_results(const char *resp, size_t len, size_t n, enum item_result *res,
                     char (*why)[200], char *err, size_t errlen);

/* Splunk: read a HEC answer: *code (-1: not JSON), *ack_id (-1: none), *invalid (-1: none),
 * text into text[textlen]. */
void http_hec_answer(const char *resp, size_t len, long *code, int64_t *ack_id, int64_t *invalid,
                     char *text, size_t textlen);
/* Splunk: the ids answered true in an /services/collector/ack answer, written to acked[]
 * (at most max). Returns how many, or -1 when the answer is not one. */
long http_hec_acks(const char *resp, size_t len, int64_t *acked, size_t max);

/* Write rec to the dead-letter file with the reason (bounded: past dl_max it is only
 * counted). */
void http_dead_letter(struct http_fmt *f, struct sw_sink *s, const struct sw_rec *rec,
                      const char *reason);

/* strftime with a pattern from the configuration. */
struct tm;
size_t http_strftime(char *out, size_t len, const char *pattern, const struct tm *tm);

/* Report outcome what for seqs[0..n), coalescing runs of consecutive seqs into ranges. */
void http_report(struct sw_sink *s, const uint64_t *seqs, size_t n, enum item_result what,
                 const char *reason);

/* --- output/sink_http_conf.c --- */

/* Read a small secret file (at most 8 KiB) into a new NUL-terminated string (*len bytes);
 * check_mode refuses a file others may read or write. Caller wipes and frees. NULL with err
 * naming key and path. */
char *http_read_secret(const char *path, const char *key, size_t *len, bool check_mode,
                       struct sw_err *err);
/* s as a JSON string literal into out; false when it does not fit. */
bool http_json_str(const char *s, char *out, size_t len);
/* Host and port of a base URL (default port from the scheme); *https set. */
bool http_url_host_port(const char *url, char *host, size_t hl, char *port, size_t pl, bool *https);
/* A random RFC 4122 version 4 UUID. */
void http_make_uuid(char *out, size_t len);

#endif
