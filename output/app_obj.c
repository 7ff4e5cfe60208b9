/* app_obj.c - deep copies of application-layer objects (see include/sw/app_obj.h).
 *
 * An alert carries its transaction's object inside its own allocation, so that it crosses
 * to the encoder as one block. The copy runs in two passes over the same walk: the first
 * only measures (dst NULL), the second places each string and array in the extra area. */
#include "sw/app_obj.h"

#include <stdalign.h>
#include <string.h>

/* Cursor over the extra area; when base is NULL it only counts. */
struct arena {
    unsigned char *base;
    size_t off;
};

static void *
arena_take(struct arena *a, size_t len, size_t align)
{
    void *p;

    a->off = (a->off + align - 1) & ~(align - 1);
    p = a->base != NULL ? a->base + a->off : NULL;
    a->off += len;
    return p;
}

static const char *
copy_str(struct arena *a, const char *s)
{
    size_t n;
    char *d;

    if (s == NULL)
        return NULL;
    n = strlen(s) + 1;
    d = arena_take(a, n, 1);
    if (d != NULL)
        memcpy(d, s, n);
    return d;
}

/* Copy one record's strings and sub-objects into d (d NULL: measure only). */
static void
copy_rr(struct arena *a, struct sw_dns_rr *d, const struct sw_dns_rr *s)
{
    const char *rrname = copy_str(a, s->rrname);
    const char *rrtype = copy_str(a, s->rrtype);
    const char *rdata = copy_str(a, s->rdata);
    struct sw_dns_soa *soa = NULL;
    struct sw_dns_srv *srv = NULL;
    struct sw_dns_sshfp *fp = NULL;

    if (s->soa != NULL) {
        soa = arena_take(a, sizeof(*soa), alignof(struct sw_dns_soa));
        const char *mname = copy_str(a, s->soa->mname);
        const char *rname = copy_str(a, s->soa->rname);
        if (soa != NULL) {
            *soa = *s->soa;
            soa->mname = mname;
            soa->rname = rname;
        }
    }
    if (s->srv != NULL) {
        srv = arena_take(a, sizeof(*srv), alignof(struct sw_dns_srv));
        const char *name = copy_str(a, s->srv->name);
        if (srv != NULL) {
            *srv = *s->srv;
            srv->name = name;
        }
    }
    if (s->sshfp != NULL) {
        fp = arena_take(a, sizeof(*fp), alignof(struct sw_dns_sshfp));
        const char *f = copy_str(a, s->sshfp->fingerprint);
        if (fp != NULL) {
            *fp = *s->sshfp;
            fp->fingerprint = f;
        }
    }
    if (d == NULL)
        return;
    *d = *s;
    d->rrname = rrname;
    d->rrtype = rrtype;
    d->rdata = rdata;
    d->soa = soa;
    d->srv = srv;
    d->sshfp = fp;
}

static const struct sw_dns_rr *
copy_rrs(struct arena *a, const struct sw_dns_rr *v, unsigned n)
{
    struct sw_dns_rr *d;

    if (v == NULL || n == 0)
        return NULL;
    d = arena_take(a, n * sizeof(*d), alignof(struct sw_dns_rr));
    for (unsigned i = 0; i < n; i++)
        copy_rr(a, d != NULL ? &d[i] : NULL, &v[i]);
    return d;
}

/* The walk both passes share: dst NULL measures. */
static void
walk(struct arena *a, struct sw_app_obj *dst, const struct sw_app_obj *src)
{
    struct sw_app_obj tmp = *src;

    switch (src->kind) {
    case SW_APP_HTTP: {
        struct sw_app_http *h = &tmp.u.http;

        h->hostname = copy_str(a, h->hostname);
        h->url = copy_str(a, h->url);
        h->http_user_agent = copy_str(a, h->http_user_agent);
        h->http_content_type = copy_str(a, h->http_content_type);
        h->http_refer = copy_str(a, h->http_refer);
        h->http_method = copy_str(a, h->http_method);
        h->protocol = copy_str(a, h->protocol);
        h->redirect = copy_str(a, h->redirect);
        break;
    }
    case SW_APP_DNS: {
        struct sw_app_dns *d = &tmp.u.dns;

        d->rcode = copy_str(a, d->rcode);
        d->queries = copy_rrs(a, d->queries, d->n_queries);
        d->answers = copy_rrs(a, d->answers, d->n_answers);
        d->authorities = copy_rrs(a, d->authorities, d->n_authorities);
        d->additionals = copy_rrs(a, d->additionals, d->n_additionals);
        break;
    }
    case SW_APP_TLS: {
        struct sw_app_tls *t = &tmp.u.tls;

        t->subject = copy_str(a, t->subject);
        t->issuerdn = copy_str(a, t->issuerdn);
        t->serial = copy_str(a, t->serial);
        t->fingerprint = copy_str(a, t->fingerprint);
        t->sni = copy_str(a, t->sni);
        t->version = copy_str(a, t->version);
        t->notbefore = copy_str(a, t->notbefore);
        t->notafter = copy_str(a, t->notafter);
        t->ja3_hash = copy_str(a, t->ja3_hash);
        t->ja3_string = copy_str(a, t->ja3_string);
        t->ja3s_hash = copy_str(a, t->ja3s_hash);
        t->ja3s_string = copy_str(a, t->ja3s_string);
        break;
    }
    case SW_APP_NONE:
    default:
        break;
    }
    if (dst != NULL)
        *dst = tmp;
}

size_t
sw_app_obj_extra(const struct sw_app_obj *o)
{
    struct arena a = {NULL, 0};

    walk(&a, NULL, o);
    return a.off;
}

void
sw_app_obj_copy(struct sw_app_obj *dst, const struct sw_app_obj *src, void *extra)
{
    struct arena a = {extra, 0};

    walk(&a, dst, src);
}
