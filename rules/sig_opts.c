/* sig_opts.c - the keyword table of the rule language and the keywords that only set a
 * field: msg, sid, rev, gid, classtype, priority, metadata, reference, target, requires,
 * noalert, dsize, flags, ttl, itype, icode, sticky buffers. Loading thread only. */
#include "sig_int.h"
#include "sig_text.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "sw/alloc.h"

/* --- numbers --------------------------------------------------------------------------------- */

static bool
num(const char **s, uint64_t max, uint64_t *out)
{
    uint64_t v = 0;
    const char *p = *s;

    while (*p == ' ')
        p++;
    if (!isdigit((unsigned char)*p))
        return false;
    while (isdigit((unsigned char)*p)) {
        if (v > (max - (uint64_t)(*p - '0')) / 10)
            return false;
        v = v * 10 + (uint64_t)(*p - '0');
        p++;
    }
    while (*p == ' ')
        p++;
    *s = p;
    *out = v;
    return true;
}

/* "N", "=N", "!N", "!=N", "<N", "<=N", ">N", ">=N", "N<>M", "N-M" (Suricata's uint forms). */
bool
sig_u64cmp_parse(const char *s, uint64_t max, struct sig_u64cmp *out, char *msg, size_t msglen)
{
    const char *p = s;
    uint64_t a, b;

    memset(out, 0, sizeof(*out));
    while (*p == ' ')
        p++;
    if (p[0] == '!' && p[1] == '=') {
        out->op = SIG_NE;
        p += 2;
    } else if (p[0] == '!') {
        out->op = SIG_NE;
        p++;
    } else if (p[0] == '<' && p[1] == '=') {
        out->op = SIG_LE;
        p += 2;
    } else if (p[0] == '>' && p[1] == '=') {
        out->op = SIG_GE;
        p += 2;
    } else if (p[0] == '<') {
        out->op = SIG_LT;
        p++;
    } else if (p[0] == '>') {
        out->op = SIG_GT;
        p++;
    } else if (p[0] == '=') {
        out->op = SIG_EQ;
        p++;
    } else {
        out->op = SIG_EQ;
    }
    if (!num(&p, max, &a))
        goto bad;
    if (out->op == SIG_EQ && (strncmp(p, "<>", 2) == 0 || *p == '-')) {
        p += *p == '-' ? 1 : 2;
        if (!num(&p, max, &b) || b <= a + 1)
            goto bad;
        out->op = SIG_RANGE;
        out->b = b;
    } else if (out->op == SIG_NE && (strncmp(p, "<>", 2) == 0 || *p == '-')) {
        p += *p == '-' ? 1 : 2;
        if (!num(&p, max, &b) || b <= a + 1)
            goto bad;
        out->op = SIG_NRANGE;
        out->b = b;
    }
    if (*p != '\0')
        goto bad;
    out->a = a;
    if ((out->op == SIG_LT && a == 0) || (out->op == SIG_GT && a == max))
        goto bad;
    return true;
bad:
    snprintf(msg, msglen, "'%.60s' is not a number comparison (N, <N, >N, N<>M, !N) up to %llu",
             s, (unsigned long long)max);
    return false;
}

bool
sig_u64cmp_match(const struct sig_u64cmp *c, uint64_t x)
{
    switch (c->op) {
    case SIG_EQ:
        return x == c->a;
    case SIG_NE:
        return x != c->a;
    case SIG_LT:
        return x < c->a;
    case SIG_LE:
        return x <= c->a;
    case SIG_GT:
        return x > c->a;
    case SIG_GE:
        return x >= c->a;
    case SIG_RANGE:
        return x > c->a && x < c->b;
    case SIG_NRANGE:
        return x <= c->a || x >= c->b;
    }
    return false;
}

/* --- simple keywords ------------------------------------------------------------------------- */

static bool
need_value(struct sig_loader *L, const struct sig_opt *o)
{
    if (o->value == NULL || o->value[0] == '\0') {
        sig_fail(L, "needs a value");
        return false;
    }
    return true;
}

static enum sig_prc
kw_msg(struct sig_loader *L, struct sig_pstate *ps, const struct sig_opt *o)
{
    if (o->raw == NULL)
        return sig_fail(L, "needs a value");
    if (ps->r->msg != NULL)
        return sig_fail(L, "given twice");
    /* Suricata keeps a leading '!' of a message; the lexer took it for a negation. */
    if (o->negated) {
        size_t n = strlen(o->value);

        ps->r->msg = sw_malloc(n + 2);
        if (ps->r->msg != NULL) {
            ps->r->msg[0] = '!';
            memcpy(ps->r->msg + 1, o->value, n + 1);
        }
    } else {
        ps->r->msg = sw_strdup(o->value);
    }
    if (ps->r->msg == NULL) {
        L->oom = true;
        return sig_fail(L, "out of memory");
    }
    return SIG_PARSE_OK;
}

static enum sig_prc
kw_u32(struct sig_loader *L, const struct sig_opt *o, uint32_t min, uint32_t *out)
{
    const char *p = o->value;
    uint64_t v;

    if (!need_value(L, o))
        return SIG_PARSE_FAIL;
    if (o->negated || !num(&p, UINT32_MAX, &v) || *p != '\0' || v < min)
        return sig_fail(L, "'%.40s' is not a number from %u to %u", o->raw, min, UINT32_MAX);
    *out = (uint32_t)v;
    return SIG_PARSE_OK;
}

static enum sig_prc
kw_sid(struct sig_loader *L, struct sig_pstate *ps, const struct sig_opt *o)
{
    enum sig_prc rc = kw_u32(L, o, 1, &ps->r->sid);

    if (rc == SIG_PARSE_OK)
        L->sid = ps->r->sid;
    return rc;
}

static enum sig_prc
kw_rev(struct sig_loader *L, struct sig_pstate *ps, const struct sig_opt *o)
{
    return kw_u32(L, o, 0, &ps->r->rev);
}

static enum sig_prc
kw_gid(struct sig_loader *L, struct sig_pstate *ps, const struct sig_opt *o)
{
    return kw_u32(L, o, 0, &ps->r->gid);
}

static enum sig_prc
kw_priority(struct sig_loader *L, struct sig_pstate *ps, const struct sig_opt *o)
{
    uint32_t v;
    enum sig_prc rc = kw_u32(L, o, 1, &v);

    if (rc == SIG_PARSE_OK && v > 255)
        return sig_fail(L, "'%s' is above 255", o->value);
    if (rc == SIG_PARSE_OK)
        ps->r->priority = (int)v;
    return rc;
}

static enum sig_prc
kw_classtype(struct sig_loader *L, struct sig_pstate *ps, const struct sig_opt *o)
{
    const struct sig_class *c;

    if (!need_value(L, o))
        return SIG_PARSE_FAIL;
    c = sig_class_find(L, o->value);
    if (c == NULL)
        return sig_fail(L, "unknown class '%.60s' (not in classification.config)", o->value);
    if (ps->r->classtype != NULL)
        return sig_fail(L, "given twice");
    ps->r->classtype = c->name;
    ps->r->category = c->desc;
    ps->r->class_prio = c->priority; /* an explicit priority wins (sig_parse_rule) */
    return SIG_PARSE_OK;
}

/* metadata: key value, key value, ... (EVE keeps them as key -> [values]). A rule's pairs
 * and both arrays live in one allocation owned through meta_k: the arrays meta_k[n] and
 * meta_v[n], then "key\0value\0key\0value\0..." (every meta_k[i] and meta_v[i] points into
 * it): ET Open's rules carry ten pairs each, and one allocation per pair was a tenth of
 * loading it (three per rule still cost ~10 M instructions to make and free). */
static enum sig_prc
kw_metadata(struct sig_loader *L, struct sig_pstate *ps, const struct sig_opt *o)
{
    struct sig_rule *r = ps->r;
    const char *p;
    size_t want = 1, used = 0, vlen, n_all;
    unsigned n_old = r->n_meta;

    if (!need_value(L, o))
        return SIG_PARSE_FAIL;
    vlen = strlen(o->value);
    for (p = memchr(o->value, ',', vlen); p != NULL;
         p = memchr(p + 1, ',', vlen - (size_t)(p + 1 - o->value)))
        want++;
    if (want > SIG_MAX_META - r->n_meta)
        want = SIG_MAX_META - r->n_meta;
    if (want == 0)
        return SIG_PARSE_OK;
    /* A second metadata keyword (rare) copies the pairs already there into the new block. */
    for (unsigned i = 0; i < n_old; i++)
        used += strlen(r->meta_k[i]) + strlen(r->meta_v[i]) + 2;
    n_all = n_old + want;
    /* Both arrays, then each pair's text and two terminators. */
    char **nk = sw_malloc(2 * n_all * sizeof(char *) + used + vlen + 2 * want);

    if (nk == NULL) {
        L->oom = true;
        return sig_fail(L, "out of memory");
    }
    char **nv = nk + n_all;
    char *w = (char *)(nv + n_all);

    for (unsigned i = 0; i < n_old; i++) {
        size_t kl = strlen(r->meta_k[i]) + 1, vl = strlen(r->meta_v[i]) + 1;

        nk[i] = memcpy(w, r->meta_k[i], kl);
        w += kl;
        nv[i] = memcpy(w, r->meta_v[i], vl);
        w += vl;
    }
    sw_free(r->meta_k);
    r->meta_k = nk;
    r->meta_v = nv;
    p = o->value;
    while (*p != '\0') {
        const char *comma = strchr(p, ',');
        size_t n = comma != NULL ? (size_t)(comma - p) : strlen(p);
        const char *sp;
        size_t kn;

        while (n > 0 && isspace((unsigned char)*p)) {
            p++;
            n--;
        }
        sp = memchr(p, ' ', n);
        kn = sp != NULL ? (size_t)(sp - p) : n;
        if (n > 0 && r->n_meta < SIG_MAX_META) {
            const char *ks = p, *vs = p + kn;
            size_t kl = kn, vl = n - kn;

            sig_trim(&ks, &kl);
            sig_trim(&vs, &vl);
            memcpy(w, ks, kl);
            w[kl] = '\0';
            r->meta_k[r->n_meta] = w;
            w += kl + 1;
            memcpy(w, vs, vl);
            w[vl] = '\0';
            r->meta_v[r->n_meta] = w;
            w += vl + 1;
            r->n_meta++;
        }
        p += n;
        if (*p == ',')
            p++;
    }
    if (r->n_meta == 0) { /* only empty pairs: nothing to keep */
        sw_free(r->meta_k);
        r->meta_k = r->meta_v = NULL;
    }
    return SIG_PARSE_OK;
}

static enum sig_prc
kw_reference(struct sig_loader *L, struct sig_pstate *ps, const struct sig_opt *o)
{
    (void)ps;
    if (!need_value(L, o))
        return SIG_PARSE_FAIL;
    if (strchr(o->value, ',') == NULL)
        return sig_fail(L, "'%.60s' is not 'system,id'", o->value);
    return SIG_PARSE_OK;
}

static enum sig_prc
kw_target(struct sig_loader *L, struct sig_pstate *ps, const struct sig_opt *o)
{
    if (!need_value(L, o))
        return SIG_PARSE_FAIL;
    if (strcmp(o->value, "src_ip") == 0)
        ps->r->target = "src_ip";
    else if (strcmp(o->value, "dest_ip") == 0)
        ps->r->target = "dest_ip";
    else
        return sig_fail(L, "'%.40s' is not src_ip or dest_ip", o->value);
    return SIG_PARSE_OK;
}

static enum sig_prc
kw_noalert(struct sig_loader *L, struct sig_pstate *ps, const struct sig_opt *o)
{
    if (o->value != NULL)
        return sig_fail(L, "takes no value");
    ps->r->noalert = true;
    return SIG_PARSE_OK;
}

/* requires: feature NAME, version >= X [< Y]. seawall matches as Suricata 8.0; features it
 * has not are a reason to leave the rule out, as Suricata skips such rules. */
static enum sig_prc
kw_requires(struct sig_loader *L, struct sig_pstate *ps, const struct sig_opt *o)
{
    char buf[256];
    char *save = NULL, *tok;

    (void)ps;
    if (!need_value(L, o))
        return SIG_PARSE_FAIL;
    snprintf(buf, sizeof(buf), "%s", o->value);
    for (tok = strtok_r(buf, ",", &save); tok != NULL; tok = strtok_r(NULL, ",", &save)) {
        while (isspace((unsigned char)*tok))
            tok++;
        if (strncmp(tok, "feature ", 8) == 0)
            return sig_unsupported(L, "requires feature");
        if (strncmp(tok, "version ", 8) != 0)
            return sig_fail(L, "'%.40s' is not 'feature NAME' or 'version OP X'", tok);
        /* version >= 7 / < 9 and such: compare against 8.0.0 */
        const char *p = tok + 8;
        int major = 0, minor = 0, patch = 0;
        char op[3] = "";
        int k = 0;

        while (*p == ' ')
            p++;
        while ((*p == '<' || *p == '>' || *p == '=') && k < 2)
            op[k++] = *p++;
        op[k] = '\0';
        if (sscanf(p, " %d.%d.%d", &major, &minor, &patch) < 1)
            return sig_fail(L, "'%.40s': bad version", tok);
        long want = major * 10000L + minor * 100L + patch, have = 80000;
        bool ok = strcmp(op, ">=") == 0   ? have >= want
                  : strcmp(op, ">") == 0  ? have > want
                  : strcmp(op, "<") == 0  ? have < want
                  : strcmp(op, "<=") == 0 ? have <= want
                                          : have == want;

        if (!ok)
            return sig_unsupported(L, "requires version");
    }
    return SIG_PARSE_OK;
}

static enum sig_prc
kw_cmp(struct sig_loader *L, const struct sig_opt *o, uint64_t max, bool *has,
       struct sig_u64cmp *c)
{
    char msg[160];

    if (o->raw == NULL || o->raw[0] == '\0')
        return sig_fail(L, "needs a value");
    if (*has)
        return sig_fail(L, "given twice");
    if (!sig_u64cmp_parse(o->raw, max, c, msg, sizeof(msg)))
        return sig_fail(L, "%s", msg);
    *has = true;
    return SIG_PARSE_OK;
}

static enum sig_prc
kw_dsize(struct sig_loader *L, struct sig_pstate *ps, const struct sig_opt *o)
{
    return kw_cmp(L, o, 65535, &ps->r->has_dsize, &ps->r->dsize);
}

static enum sig_prc
kw_ttl(struct sig_loader *L, struct sig_pstate *ps, const struct sig_opt *o)
{
    return kw_cmp(L, o, 255, &ps->r->has_ttl, &ps->r->ttl);
}

static enum sig_prc
kw_itype(struct sig_loader *L, struct sig_pstate *ps, const struct sig_opt *o)
{
    return kw_cmp(L, o, 255, &ps->r->has_itype, &ps->r->itype);
}

static enum sig_prc
kw_icode(struct sig_loader *L, struct sig_pstate *ps, const struct sig_opt *o)
{
    return kw_cmp(L, o, 255, &ps->r->has_icode, &ps->r->icode);
}

static int
flag_bit(char c)
{
    switch (toupper((unsigned char)c)) {
    case 'F':
        return 0x01;
    case 'S':
        return 0x02;
    case 'R':
        return 0x04;
    case 'P':
        return 0x08;
    case 'A':
        return 0x10;
    case 'U':
        return 0x20;
    case 'E':
    case '2':
        return 0x40;
    case 'C':
    case '1':
        return 0x80;
    case '0':
        return 0;
    }
    return -1;
}

/* flags:[!|*|+]FSRPAUCE0[,mask] */
static enum sig_prc
kw_flags(struct sig_loader *L, struct sig_pstate *ps, const struct sig_opt *o)
{
    struct sig_rule *r = ps->r;
    const char *p = o->raw;
    unsigned want = 0, ignore = 0;
    bool zero = false;

    if (p == NULL || *p == '\0')
        return sig_fail(L, "needs a value");
    if (r->has_flags)
        return sig_fail(L, "given twice");
    r->flags_mod = 0;
    for (; *p != '\0' && *p != ','; p++) {
        int b;

        if (*p == ' ')
            continue;
        if ((*p == '!' || *p == '*' || *p == '+') && r->flags_mod == 0 && want == 0 && !zero) {
            r->flags_mod = *p;
            continue;
        }
        if ((*p == '!' || *p == '*' || *p == '+') && want != 0 && r->flags_mod == 0 &&
            (p[1] == '\0' || p[1] == ',' || p[1] == ' ')) {
            r->flags_mod = *p; /* "SA+": Snort's trailing form */
            continue;
        }
        b = flag_bit(*p);
        if (b < 0)
            return sig_fail(L, "'%c' is not a TCP flag (F S R P A U C E 0)", *p);
        if (b == 0)
            zero = true;
        want |= (unsigned)b;
    }
    if (zero && want != 0)
        return sig_fail(L, "0 (no flags) with other flags");
    if (*p == ',') {
        for (p++; *p != '\0'; p++) {
            int b;

            if (*p == ' ')
                continue;
            b = flag_bit(*p);
            if (b <= 0)
                return sig_fail(L, "'%c' is not a TCP flag in the mask", *p);
            ignore |= (unsigned)b;
        }
    }
    r->flags_want = (uint8_t)want;
    r->flags_mask = (uint8_t)(0xffu & ~ignore);
    r->has_flags = true;
    return SIG_PARSE_OK;
}

/* A sticky buffer: what follows inspects b. Legacy modifiers (http_uri) move the last
 * content instead (sig_kw_content_mod handles them through the table's legacy flag). */
static enum sig_prc
kw_sticky(struct sig_loader *L, struct sig_pstate *ps, const struct sig_opt *o)
{
    const struct sig_keyword *k = ps->kw;

    if (o->value != NULL)
        return sig_fail(L, "takes no value");
    ps->cur = sig_list_get(L, ps->r, (enum sw_sig_buf)k->buf, false);
    return ps->cur != NULL ? SIG_PARSE_OK : SIG_PARSE_FAIL;
}

static enum sig_prc
kw_pkt_data(struct sig_loader *L, struct sig_pstate *ps, const struct sig_opt *o)
{
    if (o->value != NULL)
        return sig_fail(L, "takes no value");
    ps->cur = NULL;
    return SIG_PARSE_OK;
}

/* dotprefix: a transform of the current sticky buffer (a '.' before it), as Suricata's. */
static enum sig_prc
kw_dotprefix(struct sig_loader *L, struct sig_pstate *ps, const struct sig_opt *o)
{
    if (o->value != NULL)
        return sig_fail(L, "takes no value");
    if (ps->cur == NULL)
        return sig_fail(L, "only after a sticky buffer (dns.query, tls.sni, http.host, ...)");
    ps->cur->dotprefix = true; /* the whole buffer, wherever the keyword stands */
    return SIG_PARSE_OK;
}

/* rawbytes: Suricata ignores it (payloads are raw); so does seawall. */
static enum sig_prc
kw_ignored(struct sig_loader *L, struct sig_pstate *ps, const struct sig_opt *o)
{
    (void)L;
    (void)ps;
    (void)o;
    return SIG_PARSE_OK;
}

/* --- the table ------------------------------------------------------------------------------- */

#define STICKY(n, b) {n, kw_sticky, (int)(b), false}
#define LEGACY(n, b) {n, sig_kw_content_mod, (int)(b), true}

/* Sorted by name (strcmp order: sig_keyword_find is a binary search; test_sig_parse's
 * every_keyword_is_found checks it). STICKY: sticky buffers, current and legacy spellings;
 * LEGACY: legacy content modifiers, which move the last content into the buffer. */
static const struct sig_keyword keywords[] = {
    {"bsize", sig_kw_bsize, -1, false},
    {"byte_extract", sig_kw_byte_extract, -1, false},
    {"byte_jump", sig_kw_byte_jump, -1, false},
    {"byte_test", sig_kw_byte_test, -1, false},
    {"classtype", kw_classtype, -1, false},
    {"content", sig_kw_content, -1, false},
    {"dataset", sig_kw_dataset, -1, false},
    {"depth", sig_kw_content_mod, -1, false},
    {"detection_filter", sig_kw_detection_filter, -1, false},
    {"distance", sig_kw_content_mod, -1, false},
    STICKY("dns.query", SW_SIG_BUF_DNS_QUERY),
    STICKY("dns_query", SW_SIG_BUF_DNS_QUERY),
    {"dotprefix", kw_dotprefix, -1, false},
    {"dsize", kw_dsize, -1, false},
    {"endswith", sig_kw_content_mod, -1, false},
    {"fast_pattern", sig_kw_content_mod, -1, false},
    STICKY("file.data", SW_SIG_BUF_FILE_DATA),
    STICKY("file_data", SW_SIG_BUF_FILE_DATA),
    {"filemd5", sig_kw_filehash, SW_SIG_BUF_FILE_MD5, false},
    {"filesha256", sig_kw_filehash, SW_SIG_BUF_FILE_SHA256, false},
    {"flags", kw_flags, -1, false},
    {"flow", sig_kw_flow, -1, false},
    {"flowbits", sig_kw_flowbits, -1, false},
    {"gid", kw_gid, -1, false},
    STICKY("http.content_type", SW_SIG_BUF_HTTP_CONTENT_TYPE),
    STICKY("http.cookie", SW_SIG_BUF_HTTP_COOKIE),
    STICKY("http.header", SW_SIG_BUF_HTTP_HEADER),
    STICKY("http.header_names", SW_SIG_BUF_HTTP_HEADER_NAMES),
    STICKY("http.host", SW_SIG_BUF_HTTP_HOST),
    STICKY("http.method", SW_SIG_BUF_HTTP_METHOD),
    STICKY("http.request_body", SW_SIG_BUF_HTTP_REQUEST_BODY),
    STICKY("http.response_body", SW_SIG_BUF_HTTP_RESPONSE_BODY),
    STICKY("http.stat_code", SW_SIG_BUF_HTTP_STAT_CODE),
    STICKY("http.uri", SW_SIG_BUF_HTTP_URI),
    STICKY("http.uri.raw", SW_SIG_BUF_HTTP_URI_RAW),
    STICKY("http.user_agent", SW_SIG_BUF_HTTP_USER_AGENT),
    LEGACY("http_client_body", SW_SIG_BUF_HTTP_REQUEST_BODY),
    STICKY("http_content_type", SW_SIG_BUF_HTTP_CONTENT_TYPE),
    LEGACY("http_cookie", SW_SIG_BUF_HTTP_COOKIE),
    LEGACY("http_header", SW_SIG_BUF_HTTP_HEADER),
    STICKY("http_header_names", SW_SIG_BUF_HTTP_HEADER_NAMES),
    LEGACY("http_host", SW_SIG_BUF_HTTP_HOST),
    LEGACY("http_method", SW_SIG_BUF_HTTP_METHOD),
    LEGACY("http_raw_uri", SW_SIG_BUF_HTTP_URI_RAW),
    LEGACY("http_server_body", SW_SIG_BUF_HTTP_RESPONSE_BODY),
    LEGACY("http_stat_code", SW_SIG_BUF_HTTP_STAT_CODE),
    LEGACY("http_uri", SW_SIG_BUF_HTTP_URI),
    LEGACY("http_user_agent", SW_SIG_BUF_HTTP_USER_AGENT),
    {"icode", kw_icode, -1, false},
    STICKY("ip.dst", SW_SIG_BUF_IP_DST),
    STICKY("ip.src", SW_SIG_BUF_IP_SRC),
    {"isdataat", sig_kw_isdataat, -1, false},
    {"itype", kw_itype, -1, false},
    STICKY("ja3.hash", SW_SIG_BUF_JA3_HASH),
    STICKY("ja3_hash", SW_SIG_BUF_JA3_HASH),
    STICKY("ja3s.hash", SW_SIG_BUF_JA3S_HASH),
    STICKY("ja3s_hash", SW_SIG_BUF_JA3S_HASH),
    {"metadata", kw_metadata, -1, false},
    {"msg", kw_msg, -1, false},
    {"ndpi-protocol", sig_kw_ndpi_protocol, -1, false},
    {"ndpi-risk", sig_kw_ndpi_risk, -1, false},
    {"noalert", kw_noalert, -1, false},
    {"nocase", sig_kw_content_mod, -1, false},
    {"offset", sig_kw_content_mod, -1, false},
    {"pcre", sig_kw_pcre, -1, false},
    {"pkt_data", kw_pkt_data, -1, false},
    {"priority", kw_priority, -1, false},
    {"rawbytes", kw_ignored, -1, false},
    {"reference", kw_reference, -1, false},
    {"requires", kw_requires, -1, false},
    {"rev", kw_rev, -1, false},
    {"sid", kw_sid, -1, false},
    {"startswith", sig_kw_content_mod, -1, false},
    {"target", kw_target, -1, false},
    {"threshold", sig_kw_threshold, -1, false},
    STICKY("tls.cert_issuer", SW_SIG_BUF_TLS_CERT_ISSUER),
    STICKY("tls.cert_subject", SW_SIG_BUF_TLS_CERT_SUBJECT),
    STICKY("tls.sni", SW_SIG_BUF_TLS_SNI),
    STICKY("tls_cert_issuer", SW_SIG_BUF_TLS_CERT_ISSUER),
    STICKY("tls_cert_subject", SW_SIG_BUF_TLS_CERT_SUBJECT),
    STICKY("tls_sni", SW_SIG_BUF_TLS_SNI),
    {"ttl", kw_ttl, -1, false},
    {"within", sig_kw_content_mod, -1, false},
};

/* Every option of every rule is looked up, some twice: a linear walk over the table was a
 * tenth of loading ET Open, and a strcmp() call at each step of the search still 5 %: the
 * first bytes decide most steps without it (the table is in strcmp order, which orders
 * by the first byte as unsigned char first). */
/* The keywords whose handlers load or create what the whole set shares: a parsing thread's
 * private loader (sig_load_mt.c) leaves their files to the loading thread. */
bool
sig_keyword_shared(const struct sig_keyword *k)
{
    return k->fn == sig_kw_dataset || k->fn == sig_kw_filehash || k->fn == sig_kw_ndpi_protocol ||
           k->fn == sig_kw_ndpi_risk;
}

const struct sig_keyword *
sig_keyword_find(const char *name)
{
    size_t lo = 0, hi = sizeof(keywords) / sizeof(keywords[0]);
    unsigned char first = (unsigned char)name[0];

    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        unsigned char kf = (unsigned char)keywords[mid].name[0];
        int c = kf != first ? (kf < first ? -1 : 1) : strcmp(keywords[mid].name, name);

        if (c == 0)
            return &keywords[mid];
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return NULL;
}


static const char *const buf_names[SW_SIG_BUF_MAX] = {
    [SW_SIG_BUF_PAYLOAD] = "payload",
    [SW_SIG_BUF_HTTP_METHOD] = "http.method",
    [SW_SIG_BUF_HTTP_URI] = "http.uri",
    [SW_SIG_BUF_HTTP_URI_RAW] = "http.uri.raw",
    [SW_SIG_BUF_HTTP_HOST] = "http.host",
    [SW_SIG_BUF_HTTP_USER_AGENT] = "http.user_agent",
    [SW_SIG_BUF_HTTP_HEADER] = "http.header",
    [SW_SIG_BUF_HTTP_HEADER_NAMES] = "http.header_names",
    [SW_SIG_BUF_HTTP_COOKIE] = "http.cookie",
    [SW_SIG_BUF_HTTP_CONTENT_TYPE] = "http.content_type",
    [SW_SIG_BUF_HTTP_STAT_CODE] = "http.stat_code",
    [SW_SIG_BUF_HTTP_REQUEST_BODY] = "http.request_body",
    [SW_SIG_BUF_HTTP_RESPONSE_BODY] = "http.response_body",
    [SW_SIG_BUF_FILE_DATA] = "file.data",
    [SW_SIG_BUF_DNS_QUERY] = "dns.query",
    [SW_SIG_BUF_TLS_SNI] = "tls.sni",
    [SW_SIG_BUF_TLS_CERT_SUBJECT] = "tls.cert_subject",
    [SW_SIG_BUF_TLS_CERT_ISSUER] = "tls.cert_issuer",
    [SW_SIG_BUF_JA3_HASH] = "ja3.hash",
    [SW_SIG_BUF_JA3S_HASH] = "ja3s.hash",
    [SW_SIG_BUF_IP_SRC] = "ip.src",
    [SW_SIG_BUF_IP_DST] = "ip.dst",
    [SW_SIG_BUF_FILE_MD5] = "filemd5",
    [SW_SIG_BUF_FILE_SHA256] = "filesha256",
};

const char *
sw_sig_buf_name(enum sw_sig_buf b)
{
    return (unsigned)b < SW_SIG_BUF_MAX ? buf_names[b] : "?";
}

bool
sw_sig_buf_to_client(enum sw_sig_buf b)
{
    return b == SW_SIG_BUF_HTTP_STAT_CODE || b == SW_SIG_BUF_HTTP_RESPONSE_BODY ||
           b == SW_SIG_BUF_JA3S_HASH || b == SW_SIG_BUF_TLS_CERT_SUBJECT ||
           b == SW_SIG_BUF_TLS_CERT_ISSUER;
}
