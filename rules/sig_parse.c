/* sig_parse.c - one rule: its header, its options (through the keyword table of
 * rules/sig_opts.c) and what is decided once all are read (where it is inspected, its fast
 * pattern, which matches may be retried). A rule that does not parse is described by the
 * loader's msg ("keyword: problem"); one that uses what seawall does not support names it in
 * L->unsupported. Loading thread only. */
#include "sig_int.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "sw/alloc.h"
#include "sw/parse.h"

enum sig_prc
sig_fail(struct sig_loader *L, const char *fmt, ...)
{
    va_list ap;
    char tmp[400];

    if (L->msg[0] != '\0')
        return SIG_PARSE_FAIL;
    va_start(ap, fmt);
    vsnprintf(tmp, sizeof(tmp), fmt, ap);
    va_end(ap);
    if (L->kw != NULL)
        snprintf(L->msg, sizeof(L->msg), "%s: %s", L->kw, tmp);
    else
        snprintf(L->msg, sizeof(L->msg), "%s", tmp);
    return SIG_PARSE_FAIL;
}

enum sig_prc
sig_unsupported(struct sig_loader *L, const char *what)
{
    if (L->unsupported == NULL && L->msg[0] == '\0') {
        snprintf(L->unsup_buf, sizeof(L->unsup_buf), "%s", what);
        L->unsupported = L->unsup_buf;
    }
    return SIG_PARSE_UNSUPPORTED;
}

void
sig_report(struct sig_loader *L, bool warning, const char *fmt, ...)
{
    va_list ap;
    char tmp[700];

    if (warning)
        L->st->warnings++;
    if (L->o->report == NULL)
        return;
    va_start(ap, fmt);
    vsnprintf(tmp, sizeof(tmp), fmt, ap);
    va_end(ap);
    L->o->report(L->o->ctx, warning ? SW_SIG_DIAG_WARNING : SW_SIG_DIAG_ERROR, tmp);
}

/* --- lists ----------------------------------------------------------------------------------- */

struct sig_list *
sig_list_get(struct sig_loader *L, struct sig_rule *r, enum sw_sig_buf b, bool dotprefix)
{
    for (size_t i = 0; i < r->n_lists; i++)
        if (r->lists[i].buf == b)
            return &r->lists[i];
    if (r->n_lists == SIG_MAX_LISTS) {
        sig_fail(L, "more than %d buffers in one rule", SIG_MAX_LISTS);
        return NULL;
    }
    r->lists[r->n_lists].buf = b;
    r->lists[r->n_lists].dotprefix = dotprefix;
    return &r->lists[r->n_lists++];
}

bool
sig_list_add(struct sig_loader *L, struct sig_pstate *ps, struct sig_list *l,
             enum sig_sm_type type, void *ctx)
{
    struct sig_sm *n;

    if (l->n == SIG_MAX_SMS) {
        sig_fail(L, "more than %d matches on one buffer", SIG_MAX_SMS);
        return false;
    }
    /* room for 4 at first (most lists of ET Open have 1 to 4 matches: one allocation where
     * growing from 1 took up to three), then twice the room at 4, 8, ... */
    if (l->n == 0 || (l->n >= 4 && (l->n & (l->n - 1)) == 0)) {
        n = sw_realloc(l->sm, (l->n > 0 ? 2 * l->n : 4) * sizeof(*n));
        if (n == NULL) {
            L->oom = true;
            sig_fail(L, "out of memory");
            return false;
        }
        l->sm = n;
    }
    l->sm[l->n].type = type;
    l->sm[l->n].ctx = ctx;
    ps->last_sm = &l->sm[l->n];
    ps->last_sm_list = l;
    l->n++;
    return true;
}

int
sig_var_find(const struct sig_pstate *ps, const char *name)
{
    for (int i = 0; i < SIG_MAX_VARS; i++)
        if (ps->var_names[i] != NULL && strcmp(ps->var_names[i], name) == 0)
            return i;
    return -1;
}

bool
sig_num_parse(struct sig_loader *L, const struct sig_pstate *ps, const char *s, int64_t min,
              int64_t max, struct sig_num *out)
{
    char *end;
    long long v;

    while (isspace((unsigned char)*s))
        s++;
    out->var = -1;
    if (isalpha((unsigned char)*s) || *s == '_') {
        int k = sig_var_find(ps, s);

        if (k < 0) {
            sig_fail(L, "'%.40s' is neither a number nor a byte_extract variable", s);
            return false;
        }
        out->var = (int8_t)k;
        out->v = 0;
        return true;
    }
    v = strtoll(s, &end, 10);
    while (isspace((unsigned char)*end))
        end++;
    if (end == s || *end != '\0' || v < min || v > max) {
        sig_fail(L, "'%.40s' is not a number from %lld to %lld", s, (long long)min,
                 (long long)max);
        return false;
    }
    out->v = v;
    return true;
}

/* --- header ---------------------------------------------------------------------------------- */

struct app_proto {
    const char *name;
    uint8_t l4; /* 6, 17 or 0 for either */
};

static const struct app_proto app_protos[] = {
    {"http", 6},    {"http1", 6},   {"http2", 6},    {"ftp", 6},      {"ftp-data", 6},
    {"smtp", 6},    {"tls", 6},     {"ssh", 6},      {"imap", 6},     {"pop3", 6},
    {"smb", 6},     {"dcerpc", 0},  {"dns", 0},      {"modbus", 6},   {"dnp3", 6},
    {"enip", 0},    {"nfs", 0},     {"ntp", 17},     {"tftp", 17},    {"ike", 17},
    {"ikev2", 17},  {"krb5", 0},    {"dhcp", 17},    {"snmp", 17},    {"sip", 0},
    {"rfb", 6},     {"mqtt", 6},    {"rdp", 6},      {"telnet", 6},   {"quic", 17},
    {"bittorrent-dht", 17},         {"ldap", 0},     {"pgsql", 6},    {"websocket", 6},
    {"mdns", 17},   {"doh2", 6},    {"irc", 6},      {"bgp", 6},      {"iec104", 6},
};

static enum sig_prc
parse_proto(struct sig_loader *L, struct sig_rule *r, const char *p)
{
    if (strcasecmp(p, "ip") == 0 || strcasecmp(p, "pkthdr") == 0) {
        r->proto = SIG_P_IP;
    } else if (strcasecmp(p, "tcp") == 0) {
        r->proto = SIG_P_TCP;
    } else if (strcasecmp(p, "tcp-pkt") == 0) {
        r->proto = SIG_P_TCP;
        r->flow |= SIG_FLOW_NO_STREAM;
    } else if (strcasecmp(p, "tcp-stream") == 0) {
        r->proto = SIG_P_TCP;
        r->flow |= SIG_FLOW_ONLY_STREAM;
    } else if (strcasecmp(p, "udp") == 0) {
        r->proto = SIG_P_UDP;
    } else if (strcasecmp(p, "icmp") == 0 || strcasecmp(p, "icmpv4") == 0 ||
               strcasecmp(p, "icmpv6") == 0) {
        r->proto = SIG_P_ICMP;
    } else {
        for (size_t i = 0; i < sizeof(app_protos) / sizeof(app_protos[0]); i++) {
            if (strcasecmp(p, app_protos[i].name) == 0) {
                r->proto = SIG_P_APP;
                r->app_proto = app_protos[i].name;
                r->app_l4 = app_protos[i].l4;
                return SIG_PARSE_OK;
            }
        }
        return sig_fail(L, "unknown protocol '%.40s'", p);
    }
    return SIG_PARSE_OK;
}

/* Split the header into its 7 fields; [...] lists may hold blanks. */
static int
header_fields(char *h, char **f, int max)
{
    int n = 0, depth = 0;
    char *p = h;

    while (*p != '\0') {
        while (isspace((unsigned char)*p))
            p++;
        if (*p == '\0')
            break;
        if (n == max)
            return max + 1;
        f[n++] = p;
        while (*p != '\0' && (depth > 0 || !isspace((unsigned char)*p))) {
            if (*p == '[')
                depth++;
            else if (*p == ']')
                depth--;
            p++;
        }
        if (*p != '\0')
            *p++ = '\0';
    }
    return n;
}

/* h: the header's text in the lexer's arena, cut up in place. */
static enum sig_prc
parse_header(struct sig_loader *L, struct sig_rule *r, char *h)
{
    char *f[8], msg[256];
    enum sig_prc rc = SIG_PARSE_OK;
    int n;

    n = header_fields(h, f, 7);
    L->kw = "header";
    if (n != 7) {
        rc = sig_fail(L, "expected 'action proto src port -> dst port', got %d fields", n);
        goto out;
    }
    if (strcmp(f[0], "alert") == 0) {
        r->action = SIG_ACT_ALERT;
    } else if (strcmp(f[0], "pass") == 0) {
        r->action = SIG_ACT_PASS;
    } else if (strcmp(f[0], "drop") == 0 || strncmp(f[0], "reject", 6) == 0) {
        rc = sig_unsupported(L, "action drop/reject (seawall does not block)");
        goto out;
    } else {
        rc = sig_fail(L, "unknown action '%.20s' (alert, pass)", f[0]);
        goto out;
    }
    rc = parse_proto(L, r, f[1]);
    if (rc != SIG_PARSE_OK)
        goto out;
    if (strcmp(f[4], "->") == 0) {
        r->bidir = false;
    } else if (strcmp(f[4], "<>") == 0) {
        r->bidir = true;
    } else {
        rc = sig_fail(L, "'%.10s' is not a direction (-> or <>)", f[4]);
        goto out;
    }
    if (!sig_addr_parse(L->vars, f[2], &r->src, msg, sizeof(msg)) ||
        !sig_port_parse(L->vars, f[3], &r->sp, msg, sizeof(msg)) ||
        !sig_addr_parse(L->vars, f[5], &r->dst, msg, sizeof(msg)) ||
        !sig_port_parse(L->vars, f[6], &r->dp, msg, sizeof(msg)))
        rc = sig_fail(L, "%s", msg);
    if (rc == SIG_PARSE_OK && r->proto == SIG_P_ICMP && (!r->sp.any || !r->dp.any))
        rc = sig_fail(L, "ports with protocol %s", f[1]);
out:
    return rc;
}

/* --- free ------------------------------------------------------------------------------------ */

void
sig_sm_free(struct sig_sm *sm)
{
    switch (sm->type) {
    case SIG_SM_CONTENT:
        sig_content_free(sm->ctx);
        break;
    case SIG_SM_PCRE:
        sig_pcre_free(sm->ctx);
        break;
    case SIG_SM_BYTE_TEST:
    case SIG_SM_BYTE_JUMP:
    case SIG_SM_BYTE_EXTRACT:
        sig_byte_free(sm->type, sm->ctx);
        break;
    default:
        sw_free(sm->ctx);
        break;
    }
}

void
sig_rule_free(struct sig_rule *r)
{
    if (r == NULL)
        return;
    sig_addrset_fini(&r->src);
    sig_addrset_fini(&r->dst);
    sig_portset_fini(&r->sp);
    sig_portset_fini(&r->dp);
    sw_free(r->msg);
    sw_free(r->meta_k); /* meta_v and every pair are in this one allocation */
    sw_free(r->ndpi_proto);
    for (size_t i = 0; i < r->n_fb; i++)
        sw_free(r->fb[i].ids);
    sw_free(r->fb);
    for (size_t i = 0; i < r->n_lists; i++) {
        for (size_t j = 0; j < r->lists[i].n; j++)
            sig_sm_free(&r->lists[i].sm[j]);
        sw_free(r->lists[i].sm);
    }
    sw_free(r);
}

/* --- after the options ----------------------------------------------------------------------- */

static bool
sm_relative(const struct sig_sm *sm)
{
    switch (sm->type) {
    case SIG_SM_CONTENT: {
        const struct sig_content *c = sm->ctx;

        return (c->flags & (SIG_C_DISTANCE | SIG_C_WITHIN)) != 0;
    }
    case SIG_SM_PCRE:
        return sig_pcre_is_relative(sm->ctx);
    case SIG_SM_BYTE_TEST:
    case SIG_SM_BYTE_JUMP:
    case SIG_SM_BYTE_EXTRACT:
        return sig_byte_is_relative(sm->type, sm->ctx);
    case SIG_SM_ISDATAAT:
        return ((const struct sig_isdataat *)sm->ctx)->relative;
    default:
        return false;
    }
}

/* A content is searched again (its next occurrence) when what follows it is relative with an
 * upper bound: a content with within, or a relative pcre, byte_* or isdataat. Suricata's
 * WITHIN_NEXT / RELATIVE_NEXT. */
static void
mark_relative_next(struct sig_list *l)
{
    for (size_t i = 0; i + 1 < l->n; i++) {
        const struct sig_sm *next = &l->sm[i + 1];
        bool retry;

        if (l->sm[i].type != SIG_SM_CONTENT || !sm_relative(next))
            continue;
        if (next->type == SIG_SM_CONTENT)
            retry = (((const struct sig_content *)next->ctx)->flags & SIG_C_WITHIN) != 0;
        else
            retry = true;
        if (retry)
            ((struct sig_content *)l->sm[i].ctx)->flags |= SIG_C_RELATIVE_NEXT;
    }
}

/* Suricata's fast pattern priority of a buffer, higher wins here: the application-layer
 * buffers first, then the payload, then http.method and http.stat_code (Suricata numbers
 * them 2, 3 and lower, "lower number is higher priority", and says http_method "has lower
 * priority than the general content buffer"; this was read the other way round, so "GET" or
 * "200" was the fast pattern of every rule that had one: each request or response a
 * candidate for hundreds of rules. The choice never changes what matches: every content is
 * evaluated in full.) */
static int
buf_prio(enum sw_sig_buf b)
{
    if (b == SW_SIG_BUF_HTTP_METHOD || b == SW_SIG_BUF_HTTP_STAT_CODE)
        return 2;
    if (b == SW_SIG_BUF_PAYLOAD)
        return 3;
    return 4;
}

/* Fast pattern: a content marked fast_pattern; else among the positive contents of the
 * highest-priority buffer the longest (the first of equals). Only negated contents: none (the
 * rule runs always). */
static void
choose_fast_pattern(struct sig_rule *r)
{
    int best_prio = -1;
    uint32_t best_len = 0;

    r->fp_list = r->fp_sm = -1;
    for (size_t i = 0; i < r->n_lists; i++) {
        for (size_t j = 0; j < r->lists[i].n; j++) {
            const struct sig_content *c = r->lists[i].sm[j].ctx;

            if (r->lists[i].sm[j].type != SIG_SM_CONTENT)
                continue;
            if ((c->flags & SIG_C_FAST_PATTERN) != 0 && (c->flags & SIG_C_NEGATED) == 0 &&
                !sig_buf_is_ip(r->lists[i].buf)) {
                r->fp_list = (int)i;
                r->fp_sm = (int)j;
                return;
            }
        }
    }
    for (size_t i = 0; i < r->n_lists; i++) {
        int prio = buf_prio(r->lists[i].buf);

        for (size_t j = 0; j < r->lists[i].n; j++) {
            const struct sig_content *c = r->lists[i].sm[j].ctx;

            if (r->lists[i].sm[j].type != SIG_SM_CONTENT || (c->flags & SIG_C_NEGATED) != 0 ||
                sig_buf_is_ip(r->lists[i].buf))
                continue; /* addresses are no prefilter buffer */
            if (prio > best_prio || (prio == best_prio && c->len > best_len)) {
                best_prio = prio;
                best_len = c->len;
                r->fp_list = (int)i;
                r->fp_sm = (int)j;
            }
        }
    }
}

/* The application protocol a buffer belongs to. */
static const char *
buf_app(enum sw_sig_buf b)
{
    switch (b) {
    case SW_SIG_BUF_PAYLOAD:
        return NULL;
    case SW_SIG_BUF_DNS_QUERY:
        return "dns";
    case SW_SIG_BUF_TLS_SNI:
    case SW_SIG_BUF_TLS_CERT_SUBJECT:
    case SW_SIG_BUF_TLS_CERT_ISSUER:
    case SW_SIG_BUF_JA3_HASH:
    case SW_SIG_BUF_JA3S_HASH:
        return "tls";
    default:
        return "http";
    }
}

/* 0: only the client sends it, 1: only the server, 2: both (headers, bodies, cookies). */
static int
buf_side(enum sw_sig_buf b)
{
    switch (b) {
    case SW_SIG_BUF_HTTP_HEADER:
    case SW_SIG_BUF_HTTP_HEADER_NAMES:
    case SW_SIG_BUF_HTTP_COOKIE:
    case SW_SIG_BUF_HTTP_CONTENT_TYPE:
    case SW_SIG_BUF_FILE_DATA:
    case SW_SIG_BUF_FILE_MD5:
    case SW_SIG_BUF_FILE_SHA256:
        return 2;
    default:
        return sw_sig_buf_to_client(b) ? 1 : 0;
    }
}

/* Which side each application buffer of r is read from: fixed for one-sided buffers; for
 * the others the rule's flow direction, else the side of its one-sided buffers, else either.
 * Whether the positions of a list end somewhere (stream matches must end in new bytes). */
static void
set_sides(struct sig_rule *r)
{
    int fixed = -1;

    for (size_t i = 0; i < r->n_lists; i++) {
        int sd = buf_side(r->lists[i].buf);

        if (r->lists[i].buf != SW_SIG_BUF_PAYLOAD && !sig_buf_is_ip(r->lists[i].buf) && sd != 2)
            fixed = sd;
    }
    if (r->flow & SIG_FLOW_TO_CLIENT)
        fixed = 1;
    else if (r->flow & SIG_FLOW_TO_SERVER)
        fixed = 0;
    for (size_t i = 0; i < r->n_lists; i++) {
        struct sig_list *l = &r->lists[i];
        int sd = buf_side(l->buf);

        l->side = (uint8_t)(sd != 2 ? sd : fixed >= 0 ? fixed : 2);
        if (l->buf != SW_SIG_BUF_PAYLOAD && !sig_buf_is_ip(l->buf) && l->side == 1)
            r->to_client_bufs = true;
        for (size_t j = 0; j < l->n; j++) {
            if (l->sm[j].type == SIG_SM_CONTENT &&
                (((const struct sig_content *)l->sm[j].ctx)->flags & SIG_C_NEGATED) == 0)
                l->has_pos = true;
            if (l->sm[j].type == SIG_SM_PCRE)
                l->has_pos = true;
        }
    }
}

static enum sig_prc
finish(struct sig_loader *L, struct sig_rule *r)
{
    bool payload = false, app = false;

    L->kw = NULL;
    if (r->sid == 0)
        return sig_fail(L, "sid: missing (every rule needs a sid)");
    if (r->gid == 0)
        r->gid = 1;
    if (r->priority == 0)
        r->priority = r->class_prio > 0 ? r->class_prio : 3;
    /* the payload list a legacy modifier (http_uri) emptied */
    for (size_t i = 0; i < r->n_lists; i++) {
        if (r->lists[i].buf == SW_SIG_BUF_PAYLOAD && r->lists[i].n == 0) {
            sw_free(r->lists[i].sm);
            memmove(&r->lists[i], &r->lists[i + 1], (r->n_lists - i - 1) * sizeof(r->lists[0]));
            r->n_lists--;
            break;
        }
    }
    for (size_t i = 0; i < r->n_lists; i++) {
        struct sig_list *l = &r->lists[i];
        const char *need = buf_app(l->buf);

        if (l->n == 0)
            return sig_fail(L, "%s: a sticky buffer without anything to match in it",
                            sw_sig_buf_name(l->buf));
        if (sig_buf_is_ip(l->buf)) {
            mark_relative_next(l); /* any hook: the rule's other buffers decide which */
            continue;
        }
        if (need == NULL) {
            payload = true;
        } else {
            app = true;
            if (r->proto == SIG_P_APP && strncmp(r->app_proto, need, strlen(need)) != 0 &&
                !(strcmp(need, "http") == 0 &&
                  (l->buf == SW_SIG_BUF_FILE_DATA || l->buf == SW_SIG_BUF_FILE_MD5 ||
                   l->buf == SW_SIG_BUF_FILE_SHA256))) {
                return sig_fail(L, "%s: needs protocol %s, not %s", sw_sig_buf_name(l->buf), need,
                                r->app_proto);
            }
            if (l->buf == SW_SIG_BUF_FILE_DATA && r->proto == SIG_P_APP &&
                strncmp(r->app_proto, "http", 4) != 0)
                return sig_unsupported(L, "file.data outside HTTP");
            if ((l->buf == SW_SIG_BUF_FILE_MD5 || l->buf == SW_SIG_BUF_FILE_SHA256) &&
                r->proto == SIG_P_APP && strncmp(r->app_proto, "http", 4) != 0)
                return sig_unsupported(L, "file hashes outside HTTP");
            if (r->proto == SIG_P_UDP && strcmp(need, "dns") != 0)
                return sig_fail(L, "%s: needs TCP, not udp", sw_sig_buf_name(l->buf));
            if (r->proto != SIG_P_APP) {
                r->app_l4 = r->proto == SIG_P_TCP   ? 6
                            : r->proto == SIG_P_UDP ? 17
                                                    : (strcmp(need, "dns") == 0 ? 0 : 6);
                r->proto = SIG_P_APP;
                r->app_proto = need;
            }
        }
        mark_relative_next(l);
    }
    if (payload && app)
        return sig_unsupported(L, "payload content mixed with application-layer buffers");
    set_sides(r);
    if (app)
        r->inspect = SIG_INSP_TX;
    else if (payload && !r->has_dsize && (r->flow & SIG_FLOW_NO_STREAM) == 0)
        r->inspect = SIG_INSP_STREAM; /* TCP: the stream; other protocols: each packet */
    else
        r->inspect = SIG_INSP_PACKET;
    if (r->inspect == SIG_INSP_TX && (r->flow & SIG_FLOW_NO_STREAM) != 0)
        return sig_fail(L, "flow: no_stream with application-layer buffers");
    choose_fast_pattern(r);
    return SIG_PARSE_OK;
}

/* sig_keyword_find through the thread's memo. */
static const struct sig_keyword *
keyword_lookup(struct sig_loader *L, const char *name)
{
    uint32_t h = 2166136261u; /* FNV-1a */
    const struct sig_keyword **slot, *k;

    for (const unsigned char *p = (const unsigned char *)name; *p != '\0'; p++)
        h = (h ^ *p) * 16777619u;
    slot = &L->scr->kw_memo[(h ^ (h >> 16)) & 255];
    if (*slot != NULL && strcmp((*slot)->name, name) == 0)
        return *slot;
    k = sig_keyword_find(name);
    if (k != NULL)
        *slot = k;
    return k;
}

enum sig_prc
sig_parse_rule(struct sig_loader *L, const char *text, struct sig_rule *r)
{
    struct sig_text *t;
    struct sig_pstate ps;
    enum sig_prc rc;
    char msg[300];

    memset(&ps, 0, sizeof(ps));
    ps.r = r;
    L->kw = NULL;
    L->sid = 0;
    L->msg[0] = '\0';
    L->unsupported = NULL;
    t = &L->scr->text;
    if (!sig_lex_rule(t, text, msg, sizeof(msg)))
        return sig_fail(L, "%s", msg);
    /* The sid first, so that every later message can name it. */
    for (size_t i = 0; i < t->n_opts; i++) {
        const char *nm = t->opts[i].name;

        if (nm[0] == 's' && nm[1] == 'i' && nm[2] == 'd' && nm[3] == '\0' &&
            t->opts[i].value != NULL) {
            uint64_t v;

            if (sw_parse_u64(t->opts[i].value, 1, UINT32_MAX, &v) == SW_OK)
                L->sid = (uint32_t)v;
        }
    }
    rc = parse_header(L, r, t->header);
    for (size_t i = 0; i < t->n_opts && rc == SIG_PARSE_OK; i++) {
        const struct sig_opt *o = &t->opts[i];
        const struct sig_keyword *k = keyword_lookup(L, o->name);

        L->kw = o->name;
        if (k == NULL) {
            rc = sig_unsupported(L, o->name);
            break;
        }
        if (L->worker && sig_keyword_shared(k)) {
            L->needs_main = true; /* the caller drops this file's parse */
            rc = SIG_PARSE_FAIL;
            break;
        }
        ps.kw = k;
        rc = k->fn(L, &ps, o);
    }
    if (rc == SIG_PARSE_OK)
        rc = finish(L, r);
    for (int i = 0; i < SIG_MAX_VARS; i++)
        sw_free(ps.var_names[i]);
    return rc;
}
