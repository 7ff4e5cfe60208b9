/* app_dns.h - DNS message parser (RFC 1035) for UDP datagrams and TCP streams: header,
 * questions and the three record sections, as the detection stage's dns.query buffer and the
 * `dns` object of alerts (Suricata 8's version 3 format, include/sw/app_obj.h) need them.
 *
 * One parser per worker thread holds the scratch one message is decoded into; a parsed
 * message is a view into that scratch, valid until the next sw_dns_parse() on the parser.
 * Owner thread only; nothing is logged.
 *
 * Semantics callers rely on:
 * - A message shorter than its 12-byte header, or whose question section does not parse, is
 *   malformed (SW_EINVAL). A record section that breaks keeps the records before the break
 *   and sets msg->malformed.
 * - Names: labels joined with '.', no final dot, "" for the root. Compression pointers must
 *   point strictly before the name being read (so they cannot loop) and at most
 *   cfg->max_pointers are followed per name; more is malformed. A name longer than
 *   cfg->max_name_len bytes is cut there (rrname_truncated / rdata_truncated, counted).
 *   Label types other than plain and pointer (0x40, 0x80) are malformed.
 * - Limits: at most cfg->max_queries questions and cfg->max_records records (answers,
 *   authorities and additionals together) are kept; the rest are skipped and counted
 *   (msg->truncated). TXT strings longer than cfg->max_text are cut.
 * - Text for EVE (rrname, rdata): valid UTF-8 as it came, else bytes >= 0x80 as "\xNN" (as
 *   Suricata writes names); NUL bytes always as "\x00". The dns.query spans hold the raw
 *   bytes.
 * - Records: A and AAAA addresses (AAAA in Suricata's full form, "2001:0db8:0000:..."),
 *   CNAME, NS, PTR, MX names, TXT (one record per string, as Suricata lists them), NULL
 *   bytes, SOA, SRV and SSHFP in detail; other types with rrname, rrtype and ttl only. OPT
 *   pseudo-records (EDNS) are not listed.
 * - TCP (RFC 1035 4.2.2, RFC 7766): each direction is a sequence of 2-byte lengths and
 *   messages; a message longer than cfg->max_tcp_message is skipped (counted), a gap stops
 *   the direction (counted: its framing is lost). */
#ifndef SW_APP_DNS_H
#define SW_APP_DNS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sw/app_obj.h"
#include "sw/err.h"
#include "sw/subject.h"

struct sw_dns_cfg {
    uint32_t max_queries;     /* questions kept per message (16); 1 .. 256 */
    uint32_t max_records;     /* records kept per message, all sections (64); 0 .. 4096 */
    uint32_t max_name_len;    /* bytes of a decoded name (255); 16 .. 4096 */
    uint32_t max_pointers;    /* compression pointers followed per name (32); 1 .. 255 */
    uint32_t max_text;        /* bytes kept of a TXT string or NULL data (255); 16 .. 65535 */
    uint32_t max_tcp_message; /* TCP: largest message buffered (65535); 12 .. 65535 */
};

/* Counters (one struct per thread; parsers and TCP framers add into it). */
struct sw_dns_stats {
    uint64_t messages;    /* messages parsed (SW_OK) */
    uint64_t malformed;   /* messages rejected, and messages with a broken record section */
    uint64_t truncated;   /* messages that lost names, records or text to a limit */
    uint64_t tcp_skipped; /* TCP messages over max_tcp_message, skipped */
    uint64_t tcp_gaps;    /* TCP directions stopped by a gap */
    uint64_t nomem;       /* allocation failures */
};

/* One parsed message: a view into the parser's scratch. */
struct sw_dns_msg {
    struct sw_app_dns obj;        /* the `dns` object; tx_id 0 (the caller numbers transactions) */
    bool response;                /* QR set */
    bool malformed;               /* a record section broke: obj holds what came before */
    bool truncated;               /* a limit cut something */
    const struct sw_span *qnames; /* raw question names (dns.query), n_qnames of them */
    unsigned n_qnames;
};

/* Fill cfg with the defaults above. */
void sw_dns_cfg_defaults(struct sw_dns_cfg *cfg);
/* SW_OK, or SW_EINVAL with err naming the field out of range (prefix: the key path). */
enum sw_rc sw_dns_cfg_check(const struct sw_dns_cfg *cfg, const char *prefix, struct sw_err *err);

struct sw_dns_parser;

/* A parser with cfg's limits (copied; NULL: defaults); st borrowed (may be NULL). Its
 * scratch is allocated here, sized by the limits. NULL and err on failure. */
struct sw_dns_parser *sw_dns_parser_create(const struct sw_dns_cfg *cfg, struct sw_dns_stats *st,
                                           struct sw_err *err);
void sw_dns_parser_destroy(struct sw_dns_parser *p); /* NULL-safe */

/* Parse one message (a UDP payload, or one TCP message without its length). Returns SW_OK
 * with *out set (valid until the next call on p), or SW_EINVAL: malformed (counted). */
enum sw_rc sw_dns_parse(struct sw_dns_parser *p, const uint8_t *msg, size_t len,
                        const struct sw_dns_msg **out);

/* TCP framing of one connection. Each complete message is handed to cb (dir 0 client to
 * server, 1 back; msg borrowed for the call), inside sw_dns_tcp_feed. */
typedef void (*sw_dns_msg_fn)(void *ctx, int dir, const uint8_t *msg, size_t len);
struct sw_dns_tcp;

/* cfg borrowed for the framer's life (max_tcp_message), st borrowed (may be NULL). NULL on
 * allocation failure (counted). */
struct sw_dns_tcp *sw_dns_tcp_create(const struct sw_dns_cfg *cfg, struct sw_dns_stats *st);
void sw_dns_tcp_destroy(struct sw_dns_tcp *t); /* NULL-safe */
/* In-order bytes of direction dir. */
void sw_dns_tcp_feed(struct sw_dns_tcp *t, int dir, const uint8_t *data, size_t len,
                     sw_dns_msg_fn cb, void *ctx);
/* Bytes of dir are missing: the direction stops. */
void sw_dns_tcp_gap(struct sw_dns_tcp *t, int dir);
/* Bytes held now (both directions), for memory accounting. */
size_t sw_dns_tcp_memuse(const struct sw_dns_tcp *t);

/* Suricata's name of a record type ("AAAA"), NULL when it has none (then the number is
 * written). Static; any thread. */
const char *sw_dns_rrtype_name(uint16_t rrtype);

#endif
