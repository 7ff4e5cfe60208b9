/* eve_app.c - EVE encoding of the application-layer objects alerts carry (include/sw/
 * app_obj.h): Suricata 8's http, dns (version 3) and tls objects (see output/eve_parts.h). */
#include <stdio.h>
#include <string.h>

#include "eve_parts.h"

/* A string field written even when empty (a DNS root name, an empty TXT string). */
static void
set_str0(json_t *o, const char *key, const char *val)
{
    json_t *v;

    if (val == NULL)
        return;
    v = json_string(val);
    if (v == NULL)
        v = escaped_string(val);
    json_object_set_new_nocheck(o, key, v);
}

static void
set_true_if(json_t *o, const char *key, bool v)
{
    if (v)
        json_object_set_new_nocheck(o, key, json_true());
}

static json_t *
app_http_json(const struct sw_app_http *h)
{
    json_t *o = json_object();

    set_str(o, "hostname", h->hostname);
    if (h->http_port >= 0)
        set_int(o, "http_port", (uint64_t)h->http_port);
    set_str(o, "url", h->url);
    set_str(o, "http_user_agent", h->http_user_agent);
    set_str(o, "http_content_type", h->http_content_type);
    set_str(o, "http_refer", h->http_refer);
    set_str(o, "http_method", h->http_method);
    set_str(o, "protocol", h->protocol);
    if (h->status != 0)
        set_int(o, "status", h->status);
    set_str(o, "redirect", h->redirect);
    if (h->has_length)
        set_int(o, "length", h->length);
    return o;
}

/* One DNS record as Suricata's detailed answer format writes it. */
static json_t *
dns_rr_json(const struct sw_dns_rr *r, bool question)
{
    json_t *o = json_object();

    set_str0(o, "rrname", r->rrname);
    set_true_if(o, "rrname_truncated", r->rrname_truncated);
    set_str(o, "rrtype", r->rrtype);
    if (question)
        return o;
    set_int(o, "ttl", r->ttl);
    set_str0(o, "rdata", r->rdata);
    set_true_if(o, "rdata_truncated", r->rdata_truncated);
    if (r->soa != NULL) {
        json_t *s = json_object();

        set_str0(s, "mname", r->soa->mname);
        set_str0(s, "rname", r->soa->rname);
        set_int(s, "serial", r->soa->serial);
        set_int(s, "refresh", r->soa->refresh);
        set_int(s, "retry", r->soa->retry);
        set_int(s, "expire", r->soa->expire);
        set_int(s, "minimum", r->soa->minimum);
        json_object_set_new_nocheck(o, "soa", s);
    }
    if (r->srv != NULL) {
        json_t *s = json_object();

        set_int(s, "priority", r->srv->priority);
        set_int(s, "weight", r->srv->weight);
        set_int(s, "port", r->srv->port);
        set_str0(s, "name", r->srv->name);
        json_object_set_new_nocheck(o, "srv", s);
    }
    if (r->sshfp != NULL) {
        json_t *s = json_object();

        set_str0(s, "fingerprint", r->sshfp->fingerprint);
        set_int(s, "algo", r->sshfp->algo);
        set_int(s, "type", r->sshfp->type);
        json_object_set_new_nocheck(o, "sshfp", s);
    }
    return o;
}

static void
dns_rrs_json(json_t *o, const char *key, const struct sw_dns_rr *v, unsigned n, bool question)
{
    json_t *a;

    if (v == NULL || n == 0)
        return;
    a = json_array();
    for (unsigned i = 0; i < n; i++)
        json_array_append_new(a, dns_rr_json(&v[i], question));
    json_object_set_new_nocheck(o, key, a);
}

/* Suricata 8's dns object, version 3 (the same in dns and alert records). */
static json_t *
app_dns_json(const struct sw_app_dns *d)
{
    json_t *o = json_object();
    char flags[8];

    set_int(o, "version", 3);
    set_str(o, "type", d->response ? "response" : "request");
    set_int(o, "tx_id", d->tx_id);
    set_int(o, "id", d->id);
    snprintf(flags, sizeof(flags), "%x", d->flags);
    set_str(o, "flags", flags);
    set_true_if(o, "qr", d->flags & 0x8000);
    set_true_if(o, "aa", d->flags & 0x0400);
    set_true_if(o, "tc", d->flags & 0x0200);
    set_true_if(o, "rd", d->flags & 0x0100);
    set_true_if(o, "ra", d->flags & 0x0080);
    set_true_if(o, "z", d->flags & 0x0040);
    set_int(o, "opcode", (d->flags >> 11) & 0xfu);
    set_str(o, "rcode", d->rcode);
    dns_rrs_json(o, "queries", d->queries, d->n_queries, true);
    dns_rrs_json(o, "answers", d->answers, d->n_answers, false);
    dns_rrs_json(o, "authorities", d->authorities, d->n_authorities, false);
    dns_rrs_json(o, "additionals", d->additionals, d->n_additionals, false);
    return o;
}

static void
set_fp(json_t *o, const char *key, const char *hash, const char *str)
{
    json_t *f;

    if (hash == NULL || hash[0] == '\0')
        return;
    f = json_object();
    set_str(f, "hash", hash);
    set_str(f, "string", str);
    json_object_set_new_nocheck(o, key, f);
}

static json_t *
app_tls_json(const struct sw_app_tls *t)
{
    json_t *o = json_object();

    set_str(o, "subject", t->subject);
    set_str(o, "issuerdn", t->issuerdn);
    set_str(o, "serial", t->serial);
    set_str(o, "fingerprint", t->fingerprint);
    set_str(o, "sni", t->sni);
    set_str(o, "version", t->version);
    set_str(o, "notbefore", t->notbefore);
    set_str(o, "notafter", t->notafter);
    set_fp(o, "ja3", t->ja3_hash, t->ja3_string);
    set_fp(o, "ja3s", t->ja3s_hash, t->ja3s_string);
    return o;
}

/* The transaction's object under its EVE name: "http", "dns" or "tls". */
void
sw_eve_app_json(json_t *root, const struct sw_app_obj *a)
{
    switch (a->kind) {
    case SW_APP_HTTP:
        json_object_set_new_nocheck(root, "http", app_http_json(&a->u.http));
        break;
    case SW_APP_DNS:
        json_object_set_new_nocheck(root, "dns", app_dns_json(&a->u.dns));
        break;
    case SW_APP_TLS:
        json_object_set_new_nocheck(root, "tls", app_tls_json(&a->u.tls));
        break;
    case SW_APP_NONE:
    default:
        break;
    }
}
