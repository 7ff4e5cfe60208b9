/* app_obj.h - application-layer objects as events carry them: the `http`, `dns` and `tls`
 * objects Suricata 8 writes into an alert about a transaction (EVE schema, DNS in its
 * version 3 format).
 *
 * Plain data, meaning only: output/eve.c alone knows the EVE field names. Every string is
 * printable text ready to be written (the parser escaped what came off the wire); NULL means
 * absent (the EVE field is left out), "" is an empty value. Two lifetimes exist:
 * - in a struct sw_subject (include/sw/subject.h) the object and everything it points to is
 *   borrowed from the parser for the detector call;
 * - in a struct sw_event it is a deep copy inside the event's own allocation, made by
 *   sw_event_create_app() (output/event.c), freed with the event. */
#ifndef SW_APP_OBJ_H
#define SW_APP_OBJ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum sw_app_kind { SW_APP_NONE = 0, SW_APP_HTTP, SW_APP_DNS, SW_APP_TLS };

/* Suricata's `http` object of an alert. */
struct sw_app_http {
    const char *hostname; /* Host header, port removed */
    const char *url;      /* request target as sent */
    const char *http_user_agent;
    const char *http_content_type; /* the response's, else the request's */
    const char *http_refer;        /* Referer */
    const char *http_method;
    const char *protocol; /* "HTTP/1.1" */
    const char *redirect; /* response Location */
    uint16_t status;      /* 0: no response yet */
    bool has_length;
    uint64_t length;   /* response body bytes as transferred */
    int32_t http_port; /* port in the Host header; -1: none */
};

/* One DNS resource record, or one question (queries: ttl and rdata unused). */
struct sw_dns_soa {
    const char *mname, *rname;
    uint32_t serial, refresh, retry, expire, minimum;
};
struct sw_dns_srv {
    const char *name;
    uint16_t priority, weight, port;
};
struct sw_dns_sshfp {
    const char *fingerprint; /* "aa:bb:..." */
    uint8_t algo, type;
};
struct sw_dns_rr {
    const char *rrname; /* dotted, escaped; "<root>" for the root */
    const char *rrtype; /* "A", "AAAA", ..., or the number in decimal */
    uint32_t ttl;
    /* At most one of these (none for types Suricata does not detail). */
    const char *rdata; /* A/AAAA address, CNAME/NS/PTR/MX name, TXT text, NULL data... */
    const struct sw_dns_soa *soa;
    const struct sw_dns_srv *srv;
    const struct sw_dns_sshfp *sshfp;
    bool rrname_truncated, rdata_truncated; /* cut by a configured limit */
};

/* Suricata 8's `dns` object, version 3: type "request" or "response". */
struct sw_app_dns {
    bool response;
    uint64_t tx_id; /* the transaction within its flow */
    uint16_t id;
    uint16_t flags;    /* the header's second 16 bits: qr, opcode, aa, tc, rd, ra, z,
                        * rcode (written as hex; the booleans derived from it) */
    const char *rcode; /* "NOERROR", "NXDOMAIN", ... or the number in decimal */
    const struct sw_dns_rr *queries;
    unsigned n_queries;
    const struct sw_dns_rr *answers;
    unsigned n_answers;
    const struct sw_dns_rr *authorities;
    unsigned n_authorities;
    const struct sw_dns_rr *additionals; /* OPT pseudo-records excluded */
    unsigned n_additionals;
};

/* Suricata's `tls` object of an alert. */
struct sw_app_tls {
    const char *subject; /* "C=US, O=Example, CN=www.example.com" (RFC 2253 order as
                          * Suricata prints it) */
    const char *issuerdn;
    const char *serial;      /* "0A:1B:..." */
    const char *fingerprint; /* SHA-1 of the certificate, "aa:bb:..." */
    const char *sni;
    const char *version;   /* "TLS 1.2", "TLSv1.3", as Suricata names them */
    const char *notbefore; /* "2024-01-31T12:00:00" */
    const char *notafter;
    const char *ja3_hash, *ja3_string;   /* client hello fingerprint (string may be NULL) */
    const char *ja3s_hash, *ja3s_string; /* server hello fingerprint */
};

/* One object; kind says which member is valid. */
struct sw_app_obj {
    enum sw_app_kind kind;
    union {
        struct sw_app_http http;
        struct sw_app_dns dns;
        struct sw_app_tls tls;
    } u;
};

/* Bytes a deep copy of o needs beyond struct sw_app_obj itself (strings, arrays, aligned).
 * Pure; any thread. */
size_t sw_app_obj_extra(const struct sw_app_obj *o);

/* Deep-copy src into dst, placing what it points to in extra[0, sw_app_obj_extra(src)).
 * dst then points into extra only. Pure; any thread. */
void sw_app_obj_copy(struct sw_app_obj *dst, const struct sw_app_obj *src, void *extra);

#endif
