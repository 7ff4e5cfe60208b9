/* sig_content.c - content and its modifiers (nocase, depth, offset, distance, within,
 * startswith, endswith, fast_pattern, the legacy buffer modifiers http_uri and the like),
 * isdataat, bsize; and the search of one content in a buffer. Parsing on the loading thread;
 * searching on any thread (a content is immutable once loaded). */
#include "sig_int.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sw/alloc.h"
#include "sw/parse.h"

/* Decode s[0, n) into b (n bytes at least): *len bytes. false with msg filled. */
static bool
decode(const char *s, size_t n, uint8_t *b, uint32_t *len, char *msg, size_t msglen)
{
    size_t k = 0;
    bool hex = false;
    int hi = -1;

    *len = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];

        if (c == '|') {
            if (hex && hi >= 0) {
                snprintf(msg, msglen, "odd number of hex digits");
                goto fail;
            }
            hex = !hex;
            continue;
        }
        if (hex) {
            int v;

            if (c == ' ' || c == '\t')
                continue;
            v = sw_parse_hexdigit(c);
            if (v < 0) {
                snprintf(msg, msglen, "'%c' is not a hex digit", c);
                goto fail;
            }
            if (hi < 0) {
                hi = v;
            } else {
                b[k++] = (uint8_t)(hi << 4 | v);
                hi = -1;
            }
            continue;
        }
        if (c == '\\') {
            if (i + 1 < n &&
                (s[i + 1] == '"' || s[i + 1] == ';' || s[i + 1] == '\\' || s[i + 1] == ':')) {
                b[k++] = (uint8_t)s[++i];
                continue;
            }
            snprintf(msg, msglen, "'\\%c' is not an escape (\\\" \\; \\\\ \\:)",
                     i + 1 < n ? s[i + 1] : ' ');
            goto fail;
        }
        if (c == '"' || c == ';') {
            snprintf(msg, msglen, "an unescaped '%c' (write \\%c or |%02x|)", c, c, c);
            goto fail;
        }
        b[k++] = c;
    }
    if (hex) {
        snprintf(msg, msglen, "a '|' hex part is not closed");
        goto fail;
    }
    if (k == 0) {
        snprintf(msg, msglen, "empty pattern");
        goto fail;
    }
    if (k > SIG_MAX_PATTERN) {
        snprintf(msg, msglen, "pattern longer than %u bytes", SIG_MAX_PATTERN);
        goto fail;
    }
    *len = (uint32_t)k;
    return true;
fail:
    return false;
}

bool
sig_content_bytes(const char *s, uint8_t **out, uint32_t *len, char *msg, size_t msglen)
{
    size_t n = strlen(s);
    uint8_t *b = sw_malloc(n + 1);

    *out = NULL;
    *len = 0;
    if (b == NULL) {
        snprintf(msg, msglen, "out of memory");
        return false;
    }
    if (!decode(s, n, b, len, msg, msglen)) {
        sw_free(b);
        return false;
    }
    *out = b;
    return true;
}

/* A content made by sig_kw_content is one block: the struct, then room for the pattern and
 * for its folded copy (ET Open's ~32,000 contents per load were three allocations each). */
static bool
in_block(const struct sig_content *c, const uint8_t *p)
{
    return c->room > 0 && p >= (const uint8_t *)(c + 1) &&
           p < (const uint8_t *)(c + 1) + 2 * (size_t)c->room;
}

void
sig_content_free(struct sig_content *c)
{
    if (c == NULL)
        return;
    if (!in_block(c, c->pat))
        sw_free(c->pat);
    if (!in_block(c, c->fold))
        sw_free(c->fold);
    sw_free(c);
}

void
sig_content_prepare(struct sig_content *c)
{
    (void)c; /* the folded copy is made when nocase is set */
}

/* The quoted text of a content value: raw without '!' and quotes. */
static bool
quoted_body(const char *raw, char *out, size_t outlen)
{
    const char *p = raw;
    size_t n;

    while (isspace((unsigned char)*p))
        p++;
    if (*p == '!')
        p++;
    while (isspace((unsigned char)*p))
        p++;
    n = strlen(p);
    if (n < 2 || p[0] != '"' || p[n - 1] != '"' || n - 2 >= outlen)
        return false;
    memcpy(out, p + 1, n - 2);
    out[n - 2] = '\0';
    return true;
}

enum sig_prc
sig_kw_content(struct sig_loader *L, struct sig_pstate *ps, const struct sig_opt *o)
{
    struct sig_content *c;
    struct sig_list *l;
    char small[256], *body = small, msg[160]; /* most patterns fit: no allocation */
    size_t rl;

    if (o->raw == NULL || o->raw[0] == '\0')
        return sig_fail(L, "needs a value");
    rl = strlen(o->raw) + 1;
    if (rl > sizeof(small))
        body = sw_malloc(rl);
    if (body == NULL) {
        L->oom = true;
        return sig_fail(L, "out of memory");
    }
    if (!quoted_body(o->raw, body, rl)) {
        if (body != small)
            sw_free(body);
        return sig_fail(L, "the pattern must be in double quotes");
    }
    size_t bn = strlen(body);

    /* the pattern is at most bn bytes, its folded copy as many (nocase, set later) */
    c = bn < UINT32_MAX ? sw_malloc(sizeof(*c) + 2 * bn) : NULL;
    if (c != NULL) {
        memset(c, 0, sizeof(*c));
        c->room = (uint32_t)bn;
        c->pat = (uint8_t *)(c + 1);
    }
    if (c == NULL || !decode(body, bn, c->pat, &c->len, msg, sizeof(msg))) {
        if (body != small)
            sw_free(body);
        sig_content_free(c);
        if (c == NULL) {
            L->oom = true;
            return sig_fail(L, "out of memory");
        }
        return sig_fail(L, "%s", msg);
    }
    if (body != small)
        sw_free(body);
    c->offset.var = c->depth.var = c->distance.var = c->within.var = -1;
    if (o->negated)
        c->flags |= SIG_C_NEGATED;
    l = ps->cur != NULL ? ps->cur : sig_list_get(L, ps->r, SW_SIG_BUF_PAYLOAD, false);
    if (l == NULL || !sig_list_add(L, ps, l, SIG_SM_CONTENT, c)) {
        sig_content_free(c);
        return SIG_PARSE_FAIL;
    }
    ps->last_c = c;
    ps->last_c_list = l;
    return SIG_PARSE_OK;
}

/* Move the last content of the payload list into buffer b (http_uri and the like). */
static enum sig_prc
legacy_move(struct sig_loader *L, struct sig_pstate *ps, enum sw_sig_buf b)
{
    struct sig_list *from = ps->last_c_list, *to;
    struct sig_content *c = ps->last_c;

    if (from->buf != SW_SIG_BUF_PAYLOAD)
        return sig_fail(L, "the content before it is already in %s", sw_sig_buf_name(from->buf));
    if (from->n == 0 || from->sm[from->n - 1].ctx != c)
        return sig_fail(L, "must follow its content directly");
    to = sig_list_get(L, ps->r, b, false);
    if (to == NULL)
        return SIG_PARSE_FAIL;
    from = ps->last_c_list; /* sig_list_get may not move lists (fixed array), but be plain */
    from->n--;
    if (!sig_list_add(L, ps, to, SIG_SM_CONTENT, c)) {
        from->n++;
        return SIG_PARSE_FAIL;
    }
    ps->last_c_list = to;
    return SIG_PARSE_OK;
}

static bool
has_abs(const struct sig_content *c)
{
    return (c->flags & (SIG_C_OFFSET | SIG_C_DEPTH | SIG_C_STARTSWITH)) != 0;
}

static bool
has_rel(const struct sig_content *c)
{
    return (c->flags & (SIG_C_DISTANCE | SIG_C_WITHIN)) != 0;
}

enum sig_prc
sig_kw_content_mod(struct sig_loader *L, struct sig_pstate *ps, const struct sig_opt *o)
{
    const struct sig_keyword *k = ps->kw;
    struct sig_content *c = ps->last_c;
    const char *n = o->name;

    if (c == NULL)
        return sig_fail(L, "no content before it");
    if (k->legacy) {
        if (o->value != NULL)
            return sig_fail(L, "takes no value");
        return legacy_move(L, ps, (enum sw_sig_buf)k->buf);
    }
    if (strcmp(n, "nocase") == 0) {
        if (o->value != NULL)
            return sig_fail(L, "takes no value");
        if ((c->flags & SIG_C_NOCASE) == 0) {
            c->fold = c->room >= c->len ? c->pat + c->room : sw_malloc(c->len);
            if (c->fold == NULL) {
                L->oom = true;
                return sig_fail(L, "out of memory");
            }
            for (uint32_t i = 0; i < c->len; i++)
                c->fold[i] = (uint8_t)tolower(c->pat[i]);
        }
        c->flags |= SIG_C_NOCASE;
        return SIG_PARSE_OK;
    }
    if (strcmp(n, "startswith") == 0 || strcmp(n, "endswith") == 0) {
        bool sw = n[0] == 's';

        if (o->value != NULL)
            return sig_fail(L, "takes no value");
        if (sw && (has_abs(c) || has_rel(c)))
            return sig_fail(L, "cannot be mixed with offset, depth, distance or within");
        c->flags |= sw ? SIG_C_STARTSWITH : SIG_C_ENDSWITH;
        if (sw) {
            c->offset.v = 0;
            c->depth.v = c->len;
            c->flags |= SIG_C_DEPTH;
        }
        return SIG_PARSE_OK;
    }
    if (strcmp(n, "fast_pattern") == 0) {
        c->flags |= SIG_C_FAST_PATTERN;
        if (o->value == NULL)
            return SIG_PARSE_OK;
        if (strcmp(o->value, "only") == 0) {
            c->flags |= SIG_C_FP_ONLY;
            return SIG_PARSE_OK;
        }
        unsigned a, b;
        char extra;

        if (sscanf(o->value, "%u , %u %c", &a, &b, &extra) != 2 || b == 0 ||
            (uint64_t)a + b > c->len)
            return sig_fail(L, "'%.40s' is not 'only' or 'offset,length' within the pattern",
                            o->value);
        c->flags |= SIG_C_FP_CHOP;
        c->fp_off = a;
        c->fp_len = b;
        return SIG_PARSE_OK;
    }
    /* numeric modifiers */
    struct sig_num v;
    bool rel = strcmp(n, "distance") == 0 || strcmp(n, "within") == 0;

    if (o->value == NULL)
        return sig_fail(L, "needs a value");
    if ((c->flags & SIG_C_STARTSWITH) != 0)
        return sig_fail(L, "cannot be mixed with startswith");
    if (rel && has_abs(c))
        return sig_fail(L, "a relative modifier cannot be mixed with offset or depth");
    if (!rel && has_rel(c))
        return sig_fail(L, "cannot be mixed with distance or within");
    if (!sig_num_parse(L, ps, o->raw, strcmp(n, "distance") == 0 ? -65535 : 0, 65535, &v))
        return SIG_PARSE_FAIL;
    if (strcmp(n, "offset") == 0) {
        if (c->flags & SIG_C_OFFSET)
            return sig_fail(L, "given twice");
        c->offset = v;
        c->flags |= SIG_C_OFFSET;
    } else if (strcmp(n, "depth") == 0) {
        if (c->flags & SIG_C_DEPTH)
            return sig_fail(L, "given twice");
        if (v.var < 0 && v.v < (int64_t)c->len)
            return sig_fail(L, "%lld is shorter than the pattern (%u bytes)", (long long)v.v,
                            c->len);
        c->depth = v;
        c->flags |= SIG_C_DEPTH;
    } else if (strcmp(n, "distance") == 0) {
        if (c->flags & SIG_C_DISTANCE)
            return sig_fail(L, "given twice");
        c->distance = v;
        c->flags |= SIG_C_DISTANCE;
    } else {
        if (c->flags & SIG_C_WITHIN)
            return sig_fail(L, "given twice");
        if (v.var < 0 && v.v < (int64_t)c->len)
            return sig_fail(L, "%lld is shorter than the pattern (%u bytes)", (long long)v.v,
                            c->len);
        c->within = v;
        c->flags |= SIG_C_WITHIN;
    }
    return SIG_PARSE_OK;
}

/* isdataat:[!]N[,relative] */
enum sig_prc
sig_kw_isdataat(struct sig_loader *L, struct sig_pstate *ps, const struct sig_opt *o)
{
    struct sig_isdataat *d;
    struct sig_list *l;
    char buf[128], *comma;

    if (o->value == NULL || o->value[0] == '\0')
        return sig_fail(L, "needs a value");
    if (snprintf(buf, sizeof(buf), "%s", o->value) >= (int)sizeof(buf))
        return sig_fail(L, "value too long");
    d = sw_calloc(1, sizeof(*d));
    if (d == NULL) {
        L->oom = true;
        return sig_fail(L, "out of memory");
    }
    d->negated = o->negated;
    comma = strchr(buf, ',');
    if (comma != NULL) {
        char *opt = comma + 1;

        *comma = '\0';
        while (isspace((unsigned char)*opt))
            opt++;
        if (strncmp(opt, "relative", 8) != 0 || opt[8 + strspn(opt + 8, " ")] != '\0') {
            sw_free(d);
            return sig_fail(L, "'%.40s' is not 'relative'", opt);
        }
        d->relative = true;
    }
    if (!sig_num_parse(L, ps, buf, 0, 65535, &d->n)) {
        sw_free(d);
        return SIG_PARSE_FAIL;
    }
    l = ps->cur != NULL ? ps->cur : sig_list_get(L, ps->r, SW_SIG_BUF_PAYLOAD, false);
    if (l == NULL || !sig_list_add(L, ps, l, SIG_SM_ISDATAAT, d)) {
        sw_free(d);
        return SIG_PARSE_FAIL;
    }
    return SIG_PARSE_OK;
}

/* bsize:N | <N | >N | N<>M (the size of the current sticky buffer). */
enum sig_prc
sig_kw_bsize(struct sig_loader *L, struct sig_pstate *ps, const struct sig_opt *o)
{
    struct sig_u64cmp *c;
    char msg[160];

    if (ps->cur == NULL)
        return sig_fail(L, "only after a sticky buffer");
    if (o->raw == NULL || o->raw[0] == '\0')
        return sig_fail(L, "needs a value");
    c = sw_calloc(1, sizeof(*c));
    if (c == NULL) {
        L->oom = true;
        return sig_fail(L, "out of memory");
    }
    if (!sig_u64cmp_parse(o->raw, UINT32_MAX, c, msg, sizeof(msg))) {
        sw_free(c);
        return sig_fail(L, "%s", msg);
    }
    if (!sig_list_add(L, ps, ps->cur, SIG_SM_BSIZE, c)) {
        sw_free(c);
        return SIG_PARSE_FAIL;
    }
    return SIG_PARSE_OK;
}

/* --- search ---------------------------------------------------------------------------------- */

int64_t
sig_content_find(const struct sig_content *c, const uint8_t *buf, size_t start, size_t end)
{
    size_t n = c->len;

    if (end < start || end - start < n)
        return -1;
    if ((c->flags & SIG_C_NOCASE) == 0) {
        const uint8_t *f = memmem(buf + start, end - start, c->pat, n);

        return f != NULL ? (int64_t)(f - buf) : -1;
    }
    const uint8_t *p = c->fold;
    uint8_t first = p[0];

    for (size_t i = start; i + n <= end; i++) {
        if ((uint8_t)tolower(buf[i]) != first)
            continue;
        size_t j = 1;

        while (j < n && (uint8_t)tolower(buf[i + j]) == p[j])
            j++;
        if (j == n)
            return (int64_t)i;
    }
    return -1;
}
