/* eve_app.c - EVE encoding of the application-layer objects alerts carry (include/sw/
 * app_obj.h): Suricata 8's http, dns (version 3) and tls objects, streamed into the writer
 * (see output/eve_parts.h). */
#include <stdio.h>
#include <string.h>

#include "eve_parts.h"

static void
set_true_if(struct sw_eve_writer *w, const char *key, bool v)
{
    if (v)
        sw_eve_put_bool(w, key, true);
}

static void
put_app_http(struct sw_eve_writer *w, const struct sw_app_http *h)
{
    sw_eve_open_obj(w, "http");

    sw_eve_put_str(w, "hostname", h->hostname);
    if (h->http_port >= 0)
        sw_eve_put_u64(w, "http_port", (uint64_t)h->http_port);
    sw_eve_put_str(w, "url", h->url);
    sw_eve_put_str(w, "http_user_agent", h->http_user_agent);
    sw_eve_put_str(w, "http_content_type", h->http_content_type);
    sw_eve_put_str(w, "http_refer", h->http_refer);
    sw_eve_put_str(w, "http_method", h->http_method);
    sw_eve_put_str(w, "protocol", h->protocol);
    if (h->status != 0)
        sw_eve_put_u64(w, "status", h->status);
    sw_eve_put_str(w, "redirect", h->redirect);
    if (h->has_length)
        sw_eve_put_u64(w, "length", h->length);
    sw_eve_close(w);
}

/* One DNS record as Suricata's detailed answer format writes it. */
static void
put_dns_rr(struct sw_eve_writer *w, const struct sw_dns_rr *r, bool question)
{
    sw_eve_open_obj(w, NULL);

    sw_eve_put_str0(w, "rrname", r->rrname);
    set_true_if(w, "rrname_truncated", r->rrname_truncated);
    sw_eve_put_str(w, "rrtype", r->rrtype);
    if (question) {
        sw_eve_close(w);
        return;
    }
    sw_eve_put_u64(w, "ttl", r->ttl);
    sw_eve_put_str0(w, "rdata", r->rdata);
    set_true_if(w, "rdata_truncated", r->rdata_truncated);
    if (r->soa != NULL) {
        sw_eve_open_obj(w, "soa");
        sw_eve_put_str0(w, "mname", r->soa->mname);
        sw_eve_put_str0(w, "rname", r->soa->rname);
        sw_eve_put_u64(w, "serial", r->soa->serial);
        sw_eve_put_u64(w, "refresh", r->soa->refresh);
        sw_eve_put_u64(w, "retry", r->soa->retry);
        sw_eve_put_u64(w, "expire", r->soa->expire);
        sw_eve_put_u64(w, "minimum", r->soa->minimum);
        sw_eve_close(w);
    }
    if (r->srv != NULL) {
        sw_eve_open_obj(w, "srv");
        sw_eve_put_u64(w, "priority", r->srv->priority);
        sw_eve_put_u64(w, "weight", r->srv->weight);
        sw_eve_put_u64(w, "port", r->srv->port);
        sw_eve_put_str0(w, "name", r->srv->name);
        sw_eve_close(w);
    }
    if (r->sshfp != NULL) {
        sw_eve_open_obj(w, "sshfp");
        sw_eve_put_str0(w, "fingerprint", r->sshfp->fingerprint);
        sw_eve_put_u64(w, "algo", r->sshfp->algo);
        sw_eve_put_u64(w, "type", r->sshfp->type);
        sw_eve_close(w);
    }
    sw_eve_close(w);
}

static void
put_dns_rrs(struct sw_eve_writer *w, const char *key, const struct sw_dns_rr *v, unsigned n,
            bool question)
{
    if (v == NULL || n == 0)
        return;
    sw_eve_open_arr(w, key);
    for (unsigned i = 0; i < n; i++)
        put_dns_rr(w, &v[i], question);
    sw_eve_close(w);
}

/* Suricata 8's dns object, version 3 (the same in dns and alert records). */
static void
put_app_dns(struct sw_eve_writer *w, const struct sw_app_dns *d)
{
    char flags[8];

    sw_eve_open_obj(w, "dns");
    sw_eve_put_u64(w, "version", 3);
    sw_eve_put_str(w, "type", d->response ? "response" : "request");
    sw_eve_put_u64(w, "tx_id", d->tx_id);
    sw_eve_put_u64(w, "id", d->id);
    snprintf(flags, sizeof(flags), "%x", d->flags);
    sw_eve_put_str(w, "flags", flags);
    set_true_if(w, "qr", d->flags & 0x8000);
    set_true_if(w, "aa", d->flags & 0x0400);
    set_true_if(w, "tc", d->flags & 0x0200);
    set_true_if(w, "rd", d->flags & 0x0100);
    set_true_if(w, "ra", d->flags & 0x0080);
    set_true_if(w, "z", d->flags & 0x0040);
    sw_eve_put_u64(w, "opcode", (d->flags >> 11) & 0xfu);
    sw_eve_put_str(w, "rcode", d->rcode);
    put_dns_rrs(w, "queries", d->queries, d->n_queries, true);
    put_dns_rrs(w, "answers", d->answers, d->n_answers, false);
    put_dns_rrs(w, "authorities", d->authorities, d->n_authorities, false);
    put_dns_rrs(w, "additionals", d->additionals, d->n_additionals, false);
    sw_eve_close(w);
}

static void
set_fp(struct sw_eve_writer *w, const char *key, const char *hash, const char *str)
{
    if (hash == NULL || hash[0] == '\0')
        return;
    sw_eve_open_obj(w, key);
    sw_eve_put_str(w, "hash", hash);
    sw_eve_put_str(w, "string", str);
    sw_eve_close(w);
}

static void
put_app_tls(struct sw_eve_writer *w, const struct sw_app_tls *t)
{
    sw_eve_open_obj(w, "tls");
    sw_eve_put_str(w, "subject", t->subject);
    sw_eve_put_str(w, "issuerdn", t->issuerdn);
    sw_eve_put_str(w, "serial", t->serial);
    sw_eve_put_str(w, "fingerprint", t->fingerprint);
    sw_eve_put_str(w, "sni", t->sni);
    sw_eve_put_str(w, "version", t->version);
    sw_eve_put_str(w, "notbefore", t->notbefore);
    sw_eve_put_str(w, "notafter", t->notafter);
    set_fp(w, "ja3", t->ja3_hash, t->ja3_string);
    set_fp(w, "ja3s", t->ja3s_hash, t->ja3s_string);
    sw_eve_close(w);
}

/* The transaction's object under its EVE name: "http", "dns" or "tls". */
void
sw_eve_put_app(struct sw_eve_writer *w, const struct sw_app_obj *a)
{
    switch (a->kind) {
    case SW_APP_HTTP:
        put_app_http(w, &a->u.http);
        break;
    case SW_APP_DNS:
        put_app_dns(w, &a->u.dns);
        break;
    case SW_APP_TLS:
        put_app_tls(w, &a->u.tls);
        break;
    case SW_APP_NONE:
    default:
        break;
    }
}
