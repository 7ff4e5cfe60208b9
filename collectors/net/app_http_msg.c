/* app_http_msg.c - HTTP transactions: message records, the request queue, body views (see
 * include/sw/app_http_msg.h). */
#include "sw/app_http_msg.h"

#include <stdint.h>
#include <string.h>

struct sw_http_msg *
sw_http_msg_create(struct sw_http_mem *mem, const struct sw_http_head *hh, const uint8_t *hb,
                   int dir, bool keep)
{
    const struct sw_http_span none = {0, 0};
    const struct sw_http_span *sp[] = {
        dir == 0 ? &hh->method : &none, dir == 0 ? &hh->uri : &none, &hh->hdr[SW_HTTP_H_HOST],
        &hh->hdr[SW_HTTP_H_UA],         &hh->hdr[SW_HTTP_H_CTYPE],   &hh->hdr[SW_HTTP_H_CENC],
        &hh->hdr[SW_HTTP_H_CDISP],      dir == 0 ? &hh->uri : &none,
    };
    size_t need = sizeof(struct sw_http_msg), n, block = 0;
    struct sw_http_msg *m;
    char *p, **dst[8];

    for (size_t i = 0; i < 8; i++)
        need += (size_t)sp[i]->len + 1; /* spans of one header block (<= 16 MiB): no overflow */
    if (keep) {
        /* the block runs from the start line to the end of its last field */
        block = hh->line.off + hh->line.len;
        for (unsigned i = 0; i < hh->n_fields; i++) {
            const struct sw_http_field *f = &hh->fields[i];

            if (f->value.off + f->value.len > block)
                block = f->value.off + f->value.len;
            if (f->name.off + f->name.len > block)
                block = f->name.off + f->name.len;
        }
        need += _Alignof(struct sw_http_field) - 1 +
                (size_t)hh->n_fields * sizeof(struct sw_http_field) + block;
    }
    m = sw_http_mem_alloc(mem, need);
    if (m == NULL)
        return NULL;
    memset(m, 0, sizeof(*m));
    m->size = need;
    m->refs = 1;
    m->status = dir == 1 ? hh->status : 0;
    m->anomalies = hh->anomalies;
    memcpy(m->coding, hh->coding, sizeof(m->coding));
    m->n_coding = hh->n_coding;
    memcpy(m->lengths, hh->lengths, sizeof(m->lengths));
    m->n_lengths = hh->n_lengths;
    dst[0] = &m->method;
    dst[1] = &m->uri;
    dst[2] = &m->host;
    dst[3] = &m->ua;
    dst[4] = &m->ctype;
    dst[5] = &m->cenc;
    dst[6] = &m->fname;
    dst[7] = &m->uname;
    p = (char *)(m + 1);
    for (size_t i = 0; i < 8; i++) {
        const uint8_t *s = hb + sp[i]->off;

        n = sp[i]->len;
        *dst[i] = p;
        if (i == 6)
            sw_http_hdr_disposition_name(s, n, p);
        else if (i == 7)
            sw_http_hdr_uri_name(s, n, p);
        else
            sw_http_hdr_copy(p, s, n, false);
        p += n + 1;
    }
    if (keep) {
        /* Layout after the strings: the fields, aligned, then the block's bytes. */
        uintptr_t at = ((uintptr_t)p + _Alignof(struct sw_http_field) - 1) &
                       ~(uintptr_t)(_Alignof(struct sw_http_field) - 1);
        struct sw_http_field *fields = (struct sw_http_field *)at;
        uint8_t *copy = (uint8_t *)(fields + hh->n_fields);

        if (hh->n_fields > 0)
            memcpy(fields, hh->fields, hh->n_fields * sizeof(*fields));
        memcpy(copy, hb, block);
        m->fields = fields;
        m->n_fields = hh->n_fields;
        m->hb = copy;
        m->hb_len = (uint32_t)block;
        m->line = hh->line;
        m->method_sp = hh->method;
        m->uri_sp = hh->uri;
        m->proto = hh->proto;
        m->stat = hh->stat;
        m->stat_msg = hh->stat_msg;
    }
    m->head = strcmp(m->method, "HEAD") == 0;
    m->connect = strcmp(m->method, "CONNECT") == 0;
    return m;
}

void
sw_http_msg_announce(const struct sw_http_cb *cb, void *ctx, uint64_t *next_tx,
                     struct sw_http_msg *req, struct sw_http_msg *resp)
{
    struct sw_http_message msg = {.dir = resp != NULL, .req = req, .resp = resp};

    if (resp == NULL)
        req->tx = (*next_tx)++;
    else
        resp->tx = req != NULL ? req->tx : (*next_tx)++;
    msg.tx = resp != NULL ? resp->tx : req->tx;
    if (cb->on_message != NULL)
        cb->on_message(ctx, &msg);
}

struct sw_http_msg *
sw_http_msg_ref(struct sw_http_msg *m)
{
    if (m != NULL)
        m->refs++;
    return m;
}

void
sw_http_msg_unref(struct sw_http_mem *mem, struct sw_http_msg *m)
{
    if (m == NULL || --m->refs > 0)
        return;
    sw_http_mem_free(mem, m, m->size);
}

void
sw_http_queue_push(struct sw_http_queue *q, struct sw_http_msg *m, struct sw_http_stats *st)
{
    if (q->len >= q->max) {
        /* the queue is never empty here (max >= 1) */
        st->pipeline_drops++;
        if (q->tail->dropped_after < UINT32_MAX)
            q->tail->dropped_after++;
        return;
    }
    m->refs++;
    m->next = NULL;
    if (q->tail != NULL)
        q->tail->next = m;
    else
        q->head = m;
    q->tail = m;
    q->len++;
}

struct sw_http_msg *
sw_http_queue_pop(struct sw_http_queue *q)
{
    struct sw_http_msg *m;

    if (q->phantoms > 0) {
        q->phantoms--;
        return NULL;
    }
    m = q->head;
    if (m == NULL)
        return NULL;
    q->head = m->next;
    if (q->head == NULL)
        q->tail = NULL;
    q->len--;
    q->phantoms = m->dropped_after;
    m->next = NULL;
    return m;
}

void
sw_http_queue_fini(struct sw_http_queue *q, struct sw_http_mem *mem)
{
    while (q->head != NULL) {
        struct sw_http_msg *m = q->head;

        q->head = m->next;
        sw_http_msg_unref(mem, m);
    }
    q->tail = NULL;
    q->len = 0;
}

void
sw_http_msg_deliver(const struct sw_http_cb *cb, void *ctx, struct sw_http_stats *st,
                    const struct sw_http_view *vw, const uint8_t *data, size_t len)
{
    const struct sw_http_msg *rq = vw->rq, *m = vw->m;
    struct sw_http_body body, *v = &body;

    memset(v, 0, sizeof(*v));
    v->dir = vw->dir;
    v->tx = m != NULL ? m->tx : rq != NULL ? rq->tx : 0;
    v->req = rq;
    v->resp = vw->dir == 1 ? m : NULL;
    v->method = rq != NULL ? rq->method : "";
    v->uri = rq != NULL ? rq->uri : "";
    v->host = rq != NULL ? rq->host : "";
    v->user_agent = rq != NULL ? rq->ua : "";
    v->req_content_type = rq != NULL ? rq->ctype : "";
    v->status = vw->dir == 1 && m != NULL ? m->status : 0;
    v->resp_content_type = vw->dir == 1 && m != NULL ? m->ctype : "";
    v->content_encoding = m != NULL ? m->cenc : "";
    v->filename = m != NULL && m->fname[0] != '\0' ? m->fname : rq != NULL ? rq->uname : "";
    v->data = len > 0 ? data : (const uint8_t *)"";
    v->len = len;
    v->raw_len = vw->raw_len;
    v->truncated = vw->truncated;
    v->gaps = vw->gaps;
    v->decode_error = vw->failed != 0;
    v->decode_failed = sw_http_coding_name(vw->failed);
    v->reading = vw->reading;
    v->anomaly = vw->anomaly;
    if (vw->reading[0] == '\0')
        st->bodies++;
    else
        st->readings++;
    if (cb->on_body != NULL)
        cb->on_body(ctx, v);
}
