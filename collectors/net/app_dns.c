/* app_dns.c - DNS message parser and TCP framing (see include/sw/app_dns.h).
 *
 * A message decodes into the parser's scratch: fixed arrays of records sized by the limits,
 * and a text arena made of blocks that stay valid until the next message (the first block is
 * kept between messages, larger ones are freed). Nothing is read before its length is
 * checked; names are followed through compression pointers that must go strictly backwards,
 * so a crafted message cannot loop, and at most max_pointers of them per name. */
#include "sw/app_dns.h"

#include <stdio.h>
#include <string.h>

#include "sw/alloc.h"

#define DNS_HDR 12
#define ARENA_BLOCK 16384u

/* Record types named in detail. */
#define T_A 1
#define T_NS 2
#define T_CNAME 5
#define T_SOA 6
#define T_NULL 10
#define T_PTR 12
#define T_MX 15
#define T_TXT 16
#define T_AAAA 28
#define T_SRV 33
#define T_OPT 41
#define T_SSHFP 44

struct block {
    struct block *next;
    size_t cap, used;
    unsigned char data[];
};

struct sw_dns_parser {
    struct sw_dns_cfg cfg;
    struct sw_dns_stats *st;  /* borrowed, may be NULL */
    struct sw_dns_stats own;  /* used when st is NULL */
    struct sw_dns_msg msg;    /* the last message */
    struct sw_dns_rr *q, *rr; /* owned: max_queries, max_records */
    struct sw_dns_soa *soa;   /* owned: max_records each */
    struct sw_dns_srv *srv;
    struct sw_dns_sshfp *sshfp;
    struct sw_span *qnames; /* owned: max_queries */
    struct block *arena;    /* owned: first block kept, others freed per message */
    bool arena_failed;      /* an allocation failed in this message */
};

static const struct {
    uint16_t type;
    const char *name;
} rrtypes[] = {
    {1, "A"},      {2, "NS"},        {3, "MD"},          {4, "MF"},      {5, "CNAME"},
    {6, "SOA"},    {7, "MB"},        {8, "MG"},          {9, "MR"},      {10, "NULL"},
    {11, "WKS"},   {12, "PTR"},      {13, "HINFO"},      {14, "MINFO"},  {15, "MX"},
    {16, "TXT"},   {17, "RP"},       {18, "AFSDB"},      {19, "X25"},    {20, "ISDN"},
    {21, "RT"},    {22, "NSAP"},     {23, "NSAPPTR"},    {24, "SIG"},    {25, "KEY"},
    {26, "PX"},    {27, "GPOS"},     {28, "AAAA"},       {29, "LOC"},    {30, "NXT"},
    {33, "SRV"},   {34, "ATMA"},     {35, "NAPTR"},      {36, "KX"},     {37, "CERT"},
    {38, "A6"},    {39, "DNAME"},    {41, "OPT"},        {42, "APL"},    {43, "DS"},
    {44, "SSHFP"}, {45, "IPSECKEY"}, {46, "RRSIG"},      {47, "NSEC"},   {48, "DNSKEY"},
    {49, "DHCID"}, {50, "NSEC3"},    {51, "NSEC3PARAM"}, {52, "TLSA"},   {55, "HIP"},
    {59, "CDS"},   {60, "CDNSKEY"},  {64, "SVCB"},       {65, "HTTPS"},  {99, "SPF"},
    {249, "TKEY"}, {250, "TSIG"},    {253, "MAILB"},     {254, "MAILA"}, {255, "ANY"},
    {256, "URI"},
};

static const char *const rcodes[] = {"NOERROR", "FORMERR", "SERVFAIL", "NXDOMAIN",
                                     "NOTIMP",  "REFUSED", "YXDOMAIN", "YXRRSET",
                                     "NXRRSET", "NOTAUTH", "NOTZONE"};

const char *
sw_dns_rrtype_name(uint16_t rrtype)
{
    for (size_t i = 0; i < sizeof(rrtypes) / sizeof(rrtypes[0]); i++)
        if (rrtypes[i].type == rrtype)
            return rrtypes[i].name;
    return NULL;
}

void
sw_dns_cfg_defaults(struct sw_dns_cfg *cfg)
{
    cfg->max_queries = 16;
    cfg->max_records = 64;
    cfg->max_name_len = 255;
    cfg->max_pointers = 32;
    cfg->max_text = 255;
    cfg->max_tcp_message = 65535;
}

static enum sw_rc
range(struct sw_err *err, const char *prefix, const char *key, uint32_t v, uint32_t lo, uint32_t hi)
{
    if (v < lo || v > hi)
        return sw_err_set(err, SW_EINVAL, "%s%s: %u is outside %u..%u", prefix, key, v, lo, hi);
    return SW_OK;
}

enum sw_rc
sw_dns_cfg_check(const struct sw_dns_cfg *c, const char *prefix, struct sw_err *err)
{
    if (range(err, prefix, "max_queries", c->max_queries, 1, 256) != SW_OK ||
        range(err, prefix, "max_records", c->max_records, 0, 4096) != SW_OK ||
        range(err, prefix, "max_name_len", c->max_name_len, 16, 4096) != SW_OK ||
        range(err, prefix, "max_pointers", c->max_pointers, 1, 255) != SW_OK ||
        range(err, prefix, "max_text", c->max_text, 16, 65535) != SW_OK ||
        range(err, prefix, "max_tcp_message", c->max_tcp_message, 12, 65535) != SW_OK)
        return err->code;
    return SW_OK;
}

/* --- arena ------------------------------------------------------------------------------ */

static struct block *
block_new(size_t cap)
{
    struct block *b = sw_malloc(sizeof(*b) + cap);

    if (b == NULL)
        return NULL;
    b->next = NULL;
    b->cap = cap;
    b->used = 0;
    return b;
}

/* Start a message: keep the first block, free the rest. */
static void
arena_reset(struct sw_dns_parser *p)
{
    struct block *b = p->arena->next;

    while (b != NULL) {
        struct block *n = b->next;

        sw_free(b);
        b = n;
    }
    p->arena->next = NULL;
    p->arena->used = 0;
    p->arena_failed = false;
}

/* len bytes from the arena, or NULL (allocation failure, counted once per message). */
static char *
arena_take(struct sw_dns_parser *p, size_t len)
{
    struct block *b = p->arena;

    while (b->next != NULL)
        b = b->next;
    if (b->cap - b->used < len) {
        struct block *n = block_new(len > ARENA_BLOCK ? len : ARENA_BLOCK);

        if (n == NULL) {
            if (!p->arena_failed)
                p->st->nomem++;
            p->arena_failed = true;
            return NULL;
        }
        b->next = n;
        b = n;
    }
    b->used += len;
    return (char *)b->data + b->used - len;
}

/* --- text ------------------------------------------------------------------------------- */

/* Length of the valid UTF-8 sequence at s[0, len) (1..4), or 0 when invalid (overlong,
 * surrogate, beyond U+10FFFF, cut): what Jansson accepts. */
static size_t
utf8_seq(const uint8_t *s, size_t len)
{
    uint32_t c;
    size_t n;

    if (s[0] < 0x80)
        return 1;
    if (s[0] >= 0xc2 && s[0] <= 0xdf)
        n = 2, c = s[0] & 0x1fu;
    else if (s[0] >= 0xe0 && s[0] <= 0xef)
        n = 3, c = s[0] & 0x0fu;
    else if (s[0] >= 0xf0 && s[0] <= 0xf4)
        n = 4, c = s[0] & 0x07u;
    else
        return 0;
    if (len < n)
        return 0;
    for (size_t i = 1; i < n; i++) {
        if ((s[i] & 0xc0) != 0x80)
            return 0;
        c = (c << 6) | (s[i] & 0x3fu);
    }
    if ((n == 3 && c < 0x800) || (n == 4 && (c < 0x10000 || c > 0x10ffff)) ||
        (c >= 0xd800 && c <= 0xdfff))
        return 0;
    return n;
}

/* EVE text of raw bytes (see the header): a NUL-terminated arena copy, or NULL. */
static const char *
eve_text(struct sw_dns_parser *p, const uint8_t *s, size_t len)
{
    bool utf8 = true;
    size_t out = 0;
    char *t, *o;

    for (size_t i = 0; i < len;) {
        size_t n;

        if (s[i] != 0 && s[i] < 0x80) { /* ASCII, nearly every byte: no call */
            i++;
            continue;
        }
        n = s[i] == 0 ? 0 : utf8_seq(s + i, len - i);
        if (n == 0) {
            utf8 = false;
            break;
        }
        i += n;
    }
    if (utf8) {
        t = arena_take(p, len + 1);
        if (t == NULL)
            return NULL;
        memcpy(t, s, len);
        t[len] = '\0';
        return t;
    }
    for (size_t i = 0; i < len; i++)
        out += (s[i] >= 0x80 || s[i] == 0) ? 4 : 1;
    t = arena_take(p, out + 1);
    if (t == NULL)
        return NULL;
    o = t;
    for (size_t i = 0; i < len; i++) {
        if (s[i] >= 0x80 || s[i] == 0) { /* (was snprintf: 28,000 instructions a TXT record) */
            o[0] = '\\';
            o[1] = 'x';
            o[2] = "0123456789abcdef"[s[i] >> 4];
            o[3] = "0123456789abcdef"[s[i] & 15];
            o += 4;
        } else {
            *o++ = (char)s[i];
        }
    }
    *o = '\0';
    return t;
}

static const char *
arena_printf_u(struct sw_dns_parser *p, unsigned v)
{
    char *t = arena_take(p, 12);

    if (t != NULL)
        snprintf(t, 12, "%u", v);
    return t;
}

/* --- names ------------------------------------------------------------------------------ */

struct name {
    uint8_t *raw; /* arena: dotted bytes, NUL-terminated */
    size_t len;
    bool cut;
};

static uint16_t
rd16(const uint8_t *b)
{
    return (uint16_t)((b[0] << 8) | b[1]);
}

static uint32_t
rd32(const uint8_t *b)
{
    return ((uint32_t)b[0] << 24) | ((uint32_t)b[1] << 16) | ((uint32_t)b[2] << 8) | b[3];
}

/* Read the name at *pos of m[0, len): on success *pos is just past it where it started (a
 * pointer ends it) and out holds the dotted name cut to max_name_len. false: malformed (or
 * out of memory: out->raw NULL with p->arena_failed). */
static bool
read_name(struct sw_dns_parser *p, const uint8_t *m, size_t len, size_t *pos, struct name *out)
{
    size_t cur = *pos, floor = *pos, end = 0;
    unsigned ptrs = 0;
    bool jumped = false;
    uint8_t *buf = (uint8_t *)arena_take(p, p->cfg.max_name_len + 1);
    size_t n = 0;

    out->raw = buf;
    out->len = 0;
    out->cut = false;
    for (;;) {
        uint8_t l;

        if (cur >= len)
            return false;
        l = m[cur];
        if ((l & 0xc0) == 0xc0) {
            size_t target;

            if (cur + 1 >= len)
                return false;
            target = ((size_t)(l & 0x3f) << 8) | m[cur + 1];
            /* Strictly backwards from where this run of labels began: no loop possible. */
            if (target >= floor || ++ptrs > p->cfg.max_pointers)
                return false;
            if (!jumped)
                end = cur + 2;
            jumped = true;
            cur = floor = target;
            continue;
        }
        if ((l & 0xc0) != 0)
            return false; /* 0x40, 0x80: extended and reserved label types */
        if (l == 0) {
            if (!jumped)
                end = cur + 1;
            break;
        }
        if (cur + 1 + l > len)
            return false;
        for (size_t i = 0; i <= l && buf != NULL; i++) {
            uint8_t c = i == 0 ? '.' : m[cur + i];

            if (i == 0 && n == 0)
                continue; /* no dot before the first label */
            if (n >= p->cfg.max_name_len) {
                out->cut = true;
                break;
            }
            buf[n++] = c;
        }
        cur += 1u + l;
    }
    if (buf != NULL)
        buf[n] = '\0';
    out->len = n;
    *pos = end;
    return true;
}

/* --- records ---------------------------------------------------------------------------- */

/* The EVE name text of a decoded name, with its cut flag. */
static const char *
name_text(struct sw_dns_parser *p, const struct name *nm)
{
    return nm->raw != NULL ? eve_text(p, nm->raw, nm->len) : NULL;
}

static const char *
rrtype_text(struct sw_dns_parser *p, uint16_t t)
{
    const char *s = sw_dns_rrtype_name(t);

    return s != NULL ? s : arena_printf_u(p, t);
}

static const char *
addr_text(struct sw_dns_parser *p, const uint8_t *a, size_t n)
{
    char *t = arena_take(p, 40);

    if (t == NULL)
        return NULL;
    if (n == 4) {
        snprintf(t, 40, "%u.%u.%u.%u", a[0], a[1], a[2], a[3]);
    } else {
        char *o = t;

        /* Suricata's form: eight groups of four hex digits, nothing left out. */
        for (int i = 0; i < 16; i += 2) {
            snprintf(o, 6, "%s%02x%02x", i == 0 ? "" : ":", a[i], a[i + 1]);
            o += i == 0 ? 4 : 5;
        }
    }
    return t;
}

/* One record slot, or NULL when max_records are taken (then the record is counted). */
static struct sw_dns_rr *
slot(struct sw_dns_parser *p, unsigned *used)
{
    if (*used >= p->cfg.max_records) {
        p->msg.truncated = true;
        return NULL;
    }
    return &p->rr[(*used)++];
}

/* Parse one record at *pos (advanced past it) into slots from *used. false: malformed. */
static bool
parse_rr(struct sw_dns_parser *p, const uint8_t *m, size_t len, size_t *pos, unsigned *used)
{
    struct name nm, nm2;
    uint16_t type, rdlen;
    uint32_t ttl;
    size_t rd, q;
    struct sw_dns_rr base, *r;
    unsigned idx;

    if (!read_name(p, m, len, pos, &nm) || *pos + 10 > len)
        return false;
    type = rd16(m + *pos);
    ttl = rd32(m + *pos + 4);
    rdlen = rd16(m + *pos + 8);
    rd = *pos + 10;
    if (rd + rdlen > len)
        return false;
    *pos = rd + rdlen;
    if (type == T_OPT)
        return true; /* EDNS pseudo-record: not listed */
    memset(&base, 0, sizeof(base));
    base.rrname = name_text(p, &nm);
    base.rrname_truncated = nm.cut;
    base.rrtype = rrtype_text(p, type);
    base.ttl = ttl;
    if (nm.cut)
        p->msg.truncated = true;
    if (type == T_TXT) {
        /* One listed record per character-string, as Suricata logs TXT. */
        for (q = rd; q < rd + rdlen;) {
            size_t sl = m[q];

            if (q + 1 + sl > rd + rdlen)
                return true; /* a broken string ends the list; the record stays consumed */
            r = slot(p, used);
            if (r == NULL)
                return true;
            *r = base;
            if (sl > p->cfg.max_text) {
                p->msg.truncated = true;
                r->rdata_truncated = true;
            }
            r->rdata = eve_text(p, m + q + 1, sl > p->cfg.max_text ? p->cfg.max_text : sl);
            q += 1 + sl;
        }
        return true;
    }
    r = slot(p, used);
    if (r == NULL)
        return true;
    *r = base;
    idx = (unsigned)(r - p->rr);
    q = rd;
    switch (type) {
    case T_A:
    case T_AAAA:
        if ((type == T_A && rdlen == 4) || (type == T_AAAA && rdlen == 16))
            r->rdata = addr_text(p, m + rd, rdlen);
        break;
    case T_MX:
    case T_CNAME:
    case T_NS:
    case T_PTR:
        if (type == T_MX) { /* a 16-bit preference before the name */
            if (rdlen < 2)
                break;
            q += 2;
        }
        if (!read_name(p, m, len, &q, &nm2))
            return false;
        r->rdata = name_text(p, &nm2);
        r->rdata_truncated = nm2.cut;
        break;
    case T_NULL:
        r->rdata = eve_text(p, m + rd, rdlen > p->cfg.max_text ? p->cfg.max_text : rdlen);
        r->rdata_truncated = rdlen > p->cfg.max_text;
        break;
    case T_SOA: {
        struct sw_dns_soa *s = &p->soa[idx];

        if (!read_name(p, m, len, &q, &nm) || !read_name(p, m, len, &q, &nm2) ||
            q + 20 > rd + rdlen)
            return false;
        s->mname = name_text(p, &nm);
        s->rname = name_text(p, &nm2);
        s->serial = rd32(m + q);
        s->refresh = rd32(m + q + 4);
        s->retry = rd32(m + q + 8);
        s->expire = rd32(m + q + 12);
        s->minimum = rd32(m + q + 16);
        r->soa = s;
        break;
    }
    case T_SRV: {
        struct sw_dns_srv *s = &p->srv[idx];

        if (rdlen < 7)
            return false;
        s->priority = rd16(m + rd);
        s->weight = rd16(m + rd + 2);
        s->port = rd16(m + rd + 4);
        q = rd + 6;
        if (!read_name(p, m, len, &q, &nm2))
            return false;
        s->name = name_text(p, &nm2);
        r->srv = s;
        break;
    }
    case T_SSHFP: {
        struct sw_dns_sshfp *s = &p->sshfp[idx];
        size_t fl = rdlen >= 2 ? rdlen - 2u : 0;
        char *hex;

        if (rdlen < 2)
            return false;
        if (fl > p->cfg.max_text)
            fl = p->cfg.max_text;
        s->algo = m[rd];
        s->type = m[rd + 1];
        hex = arena_take(p, fl * 3 + 1);
        if (hex != NULL) {
            size_t o = 0;

            hex[0] = '\0';
            for (size_t i = 0; i < fl; i++) {
                snprintf(hex + o, 4, "%s%02x", i == 0 ? "" : ":", m[rd + 2 + i]);
                o += i == 0 ? 2 : 3;
            }
        }
        s->fingerprint = hex;
        r->sshfp = s;
        break;
    }
    default:
        break;
    }
    return true;
}

/* --- parser ----------------------------------------------------------------------------- */

struct sw_dns_parser *
sw_dns_parser_create(const struct sw_dns_cfg *cfg, struct sw_dns_stats *st, struct sw_err *err)
{
    struct sw_dns_parser *p = sw_calloc(1, sizeof(*p));
    size_t nr;

    if (p == NULL)
        goto nomem;
    if (cfg != NULL)
        p->cfg = *cfg;
    else
        sw_dns_cfg_defaults(&p->cfg);
    if (sw_dns_cfg_check(&p->cfg, "dns.", err) != SW_OK) {
        sw_dns_parser_destroy(p);
        return NULL;
    }
    p->st = st != NULL ? st : &p->own;
    nr = p->cfg.max_records > 0 ? p->cfg.max_records : 1;
    p->q = sw_calloc(p->cfg.max_queries, sizeof(*p->q));
    p->qnames = sw_calloc(p->cfg.max_queries, sizeof(*p->qnames));
    p->rr = sw_calloc(nr, sizeof(*p->rr));
    p->soa = sw_calloc(nr, sizeof(*p->soa));
    p->srv = sw_calloc(nr, sizeof(*p->srv));
    p->sshfp = sw_calloc(nr, sizeof(*p->sshfp));
    p->arena = block_new(ARENA_BLOCK);
    if (p->q == NULL || p->qnames == NULL || p->rr == NULL || p->soa == NULL || p->srv == NULL ||
        p->sshfp == NULL || p->arena == NULL)
        goto nomem;
    return p;
nomem:
    sw_dns_parser_destroy(p);
    sw_err_set(err, SW_ENOMEM, "dns parser: out of memory");
    return NULL;
}

void
sw_dns_parser_destroy(struct sw_dns_parser *p)
{
    if (p == NULL)
        return;
    if (p->arena != NULL)
        arena_reset(p);
    sw_free(p->arena);
    sw_free(p->q);
    sw_free(p->qnames);
    sw_free(p->rr);
    sw_free(p->soa);
    sw_free(p->srv);
    sw_free(p->sshfp);
    sw_free(p);
}

enum sw_rc
sw_dns_parse(struct sw_dns_parser *p, const uint8_t *m, size_t len, const struct sw_dns_msg **out)
{
    struct sw_dns_msg *msg = &p->msg;
    struct sw_app_dns *o = &msg->obj;
    unsigned qd, an, ns, ar, used = 0, kept_q = 0;
    unsigned sect_end[3];
    size_t pos = DNS_HDR;

    *out = NULL;
    arena_reset(p);
    memset(msg, 0, sizeof(*msg));
    if (m == NULL || len < DNS_HDR) {
        p->st->malformed++;
        return SW_EINVAL;
    }
    o->id = rd16(m);
    o->flags = rd16(m + 2);
    o->response = msg->response = (o->flags & 0x8000) != 0;
    o->rcode = (o->flags & 0xf) < sizeof(rcodes) / sizeof(rcodes[0])
                   ? rcodes[o->flags & 0xf]
                   : arena_printf_u(p, o->flags & 0xfu);
    qd = rd16(m + 4);
    an = rd16(m + 6);
    ns = rd16(m + 8);
    ar = rd16(m + 10);
    for (unsigned i = 0; i < qd; i++) {
        struct name nm;

        if (!read_name(p, m, len, &pos, &nm) || pos + 4 > len) {
            p->st->malformed++;
            return SW_EINVAL;
        }
        if (kept_q < p->cfg.max_queries) {
            struct sw_dns_rr *q = &p->q[kept_q];

            memset(q, 0, sizeof(*q));
            q->rrname = name_text(p, &nm);
            q->rrname_truncated = nm.cut;
            q->rrtype = rrtype_text(p, rd16(m + pos));
            p->qnames[kept_q].p = nm.raw;
            p->qnames[kept_q].len = nm.raw != NULL ? nm.len : 0;
            if (nm.cut)
                msg->truncated = true;
            kept_q++;
        } else {
            msg->truncated = true;
        }
        pos += 4;
    }
    /* Answers, authorities, additionals: consecutive slots, each section's end noted. */
    const unsigned counts[3] = {an, ns, ar};
    for (unsigned s = 0; s < 3; s++) {
        for (unsigned i = 0; i < counts[s] && !msg->malformed; i++) {
            if (!parse_rr(p, m, len, &pos, &used))
                msg->malformed = true;
        }
        sect_end[s] = used;
    }
    o->queries = kept_q > 0 ? p->q : NULL;
    o->n_queries = kept_q;
    o->answers = sect_end[0] > 0 ? p->rr : NULL;
    o->n_answers = sect_end[0];
    o->authorities = sect_end[1] > sect_end[0] ? p->rr + sect_end[0] : NULL;
    o->n_authorities = sect_end[1] - sect_end[0];
    o->additionals = sect_end[2] > sect_end[1] ? p->rr + sect_end[1] : NULL;
    o->n_additionals = sect_end[2] - sect_end[1];
    msg->qnames = p->qnames;
    msg->n_qnames = kept_q;
    if (p->arena_failed)
        msg->truncated = true;
    p->st->messages++;
    if (msg->malformed)
        p->st->malformed++;
    if (msg->truncated)
        p->st->truncated++;
    *out = msg;
    return SW_OK;
}

/* --- TCP framing ------------------------------------------------------------------------ */

struct tcp_dir {
    uint8_t hdr[2];
    unsigned hdr_have; /* length bytes read of the message in progress */
    size_t need;       /* its length */
    uint8_t *buf;      /* owned: its bytes so far, when it spans feeds */
    size_t have;
    bool skip;    /* over max_tcp_message: consumed, not kept */
    bool stopped; /* a gap: framing lost */
};

struct sw_dns_tcp {
    const struct sw_dns_cfg *cfg; /* borrowed */
    struct sw_dns_stats *st;      /* borrowed, may be NULL */
    struct sw_dns_stats own;
    struct tcp_dir d[2];
};

struct sw_dns_tcp *
sw_dns_tcp_create(const struct sw_dns_cfg *cfg, struct sw_dns_stats *st)
{
    struct sw_dns_tcp *t = sw_calloc(1, sizeof(*t));

    if (t == NULL) {
        if (st != NULL)
            st->nomem++;
        return NULL;
    }
    t->cfg = cfg;
    t->st = st != NULL ? st : &t->own;
    return t;
}

void
sw_dns_tcp_destroy(struct sw_dns_tcp *t)
{
    if (t == NULL)
        return;
    sw_free(t->d[0].buf);
    sw_free(t->d[1].buf);
    sw_free(t);
}

static void
msg_done(struct tcp_dir *d)
{
    sw_free(d->buf);
    d->buf = NULL;
    d->have = 0;
    d->hdr_have = 0;
    d->need = 0;
    d->skip = false;
}

void
sw_dns_tcp_feed(struct sw_dns_tcp *t, int dir, const uint8_t *data, size_t len, sw_dns_msg_fn cb,
                void *ctx)
{
    struct tcp_dir *d;

    if ((dir != 0 && dir != 1) || (data == NULL && len > 0))
        return;
    d = &t->d[dir];
    while (len > 0 && !d->stopped) {
        size_t take;

        if (d->hdr_have < 2) {
            d->hdr[d->hdr_have++] = *data++;
            len--;
            if (d->hdr_have == 2) {
                d->need = rd16(d->hdr);
                d->skip = d->need > t->cfg->max_tcp_message;
                if (d->skip)
                    t->st->tcp_skipped++;
                if (d->need == 0) {
                    cb(ctx, dir, d->hdr, 0); /* empty message: the parser rejects it */
                    msg_done(d);
                }
            }
            continue;
        }
        take = d->need - d->have < len ? d->need - d->have : len;
        if (!d->skip && d->have == 0 && take == d->need) {
            cb(ctx, dir, data, d->need); /* whole in this chunk: no copy */
        } else if (!d->skip) {
            if (d->buf == NULL) {
                d->buf = sw_malloc(d->need);
                if (d->buf == NULL) {
                    t->st->nomem++;
                    d->skip = true; /* lose this message, keep the framing */
                }
            }
            if (d->buf != NULL)
                memcpy(d->buf + d->have, data, take);
        }
        d->have += take;
        data += take;
        len -= take;
        if (d->have == d->need) {
            if (d->buf != NULL && !d->skip)
                cb(ctx, dir, d->buf, d->need);
            msg_done(d);
        }
    }
}

void
sw_dns_tcp_gap(struct sw_dns_tcp *t, int dir)
{
    if (dir != 0 && dir != 1)
        return;
    if (!t->d[dir].stopped)
        t->st->tcp_gaps++;
    msg_done(&t->d[dir]);
    t->d[dir].stopped = true;
}

size_t
sw_dns_tcp_memuse(const struct sw_dns_tcp *t)
{
    size_t n = sizeof(*t);

    for (int i = 0; i < 2; i++)
        if (t->d[i].buf != NULL)
            n += t->d[i].need;
    return n;
}
