/* sig_byte.c - byte_test, byte_jump and byte_extract: read a number from the buffer (binary
 * big/little endian, or text in hex/dec/oct), optionally masked, then compare it, move the
 * position by it, or keep it in a variable for later keywords of the rule. Parsing on the
 * loading thread; evaluation on any thread (the parsed keyword is immutable). DCE/RPC mode
 * is not supported (left out). */
#include "sig_int.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sw/alloc.h"

enum byte_op { OP_LT, OP_GT, OP_EQ, OP_LE, OP_GE, OP_AND, OP_XOR };

struct sig_byte {
    unsigned nbytes;
    bool relative, little, string, negated;
    int base;                 /* 16, 10, 8 with string */
    struct sig_num offset;
    /* test */
    enum byte_op op;
    struct sig_num value;
    /* jump / extract */
    uint32_t multiplier;
    bool align4, from_beginning, from_end;
    uint32_t align;           /* extract: align N (2 or 4) */
    int32_t post_offset;
    uint64_t bitmask;
    bool has_bitmask;
    int var;                  /* extract: variable index */
};

void
sig_byte_free(enum sig_sm_type t, void *ctx)
{
    (void)t;
    sw_free(ctx);
}

bool
sig_byte_is_relative(enum sig_sm_type t, const void *ctx)
{
    (void)t;
    return ((const struct sig_byte *)ctx)->relative;
}

/* Split s on commas into at most max trimmed fields (in place). */
static int
fields(char *s, char **f, int max)
{
    int n = 0;
    char *p = s;

    while (n < max) {
        char *comma = strchr(p, ',');

        while (isspace((unsigned char)*p))
            p++;
        f[n++] = p;
        if (comma == NULL)
            break;
        *comma = '\0';
        for (char *e = comma; e > p && isspace((unsigned char)e[-1]); e--)
            e[-1] = '\0';
        p = comma + 1;
    }
    char *last = f[n - 1];
    size_t k = strlen(last);

    while (k > 0 && isspace((unsigned char)last[k - 1]))
        last[--k] = '\0';
    return n;
}

static bool
parse_u64(const char *s, uint64_t *out)
{
    char *end;

    if (*s == '\0' || *s == '-')
        return false;
    *out = strtoull(s, &end, 0);
    return *end == '\0';
}

/* The optional fields shared by the three keywords, from f[i] on. */
static enum sig_prc
options(struct sig_loader *L, struct sig_byte *b, char **f, int i, int n, enum sig_sm_type t)
{
    for (; i < n; i++) {
        uint64_t v;

        if (strcmp(f[i], "relative") == 0) {
            b->relative = true;
        } else if (strcmp(f[i], "big") == 0) {
            b->little = false;
        } else if (strcmp(f[i], "little") == 0) {
            b->little = true;
        } else if (strcmp(f[i], "string") == 0) {
            b->string = true;
            b->base = 10;
        } else if (strcmp(f[i], "hex") == 0 || strcmp(f[i], "dec") == 0 ||
                   strcmp(f[i], "oct") == 0) {
            if (!b->string)
                return sig_fail(L, "'%s' needs 'string' before it", f[i]);
            b->base = f[i][0] == 'h' ? 16 : f[i][0] == 'd' ? 10 : 8;
        } else if (strcmp(f[i], "dce") == 0) {
            return sig_unsupported(L, "byte_* dce");
        } else if (strncmp(f[i], "bitmask", 7) == 0 && parse_u64(f[i] + 7 + strspn(f[i] + 7, " "), &v) &&
                   v != 0) {
            b->bitmask = v;
            b->has_bitmask = true;
        } else if (t != SIG_SM_BYTE_TEST && strncmp(f[i], "multiplier", 10) == 0 &&
                   parse_u64(f[i] + 10 + strspn(f[i] + 10, " "), &v) && v >= 1 && v <= 65535) {
            b->multiplier = (uint32_t)v;
        } else if (t == SIG_SM_BYTE_JUMP && strcmp(f[i], "align") == 0) {
            b->align4 = true;
        } else if (t == SIG_SM_BYTE_EXTRACT && strncmp(f[i], "align", 5) == 0 &&
                   parse_u64(f[i] + 5 + strspn(f[i] + 5, " "), &v) && (v == 2 || v == 4)) {
            b->align = (uint32_t)v;
        } else if (t == SIG_SM_BYTE_JUMP && strcmp(f[i], "from_beginning") == 0) {
            b->from_beginning = true;
        } else if (t == SIG_SM_BYTE_JUMP && strcmp(f[i], "from_end") == 0) {
            b->from_end = true;
        } else if (t == SIG_SM_BYTE_JUMP && strncmp(f[i], "post_offset", 11) == 0) {
            char *end;
            long po = strtol(f[i] + 11, &end, 0);

            if (end == f[i] + 11 || *end != '\0' || po < -65535 || po > 65535)
                return sig_fail(L, "'%.30s' is not 'post_offset N'", f[i]);
            b->post_offset = (int32_t)po;
        } else {
            return sig_fail(L, "unknown option '%.30s'", f[i]);
        }
    }
    if (b->from_beginning && b->from_end)
        return sig_fail(L, "from_beginning with from_end");
    if (b->string ? b->nbytes > 23 : b->nbytes > 8)
        return sig_fail(L, "%u bytes: at most 8 (23 with string)", b->nbytes);
    return SIG_PARSE_OK;
}

static enum sig_prc
add(struct sig_loader *L, struct sig_pstate *ps, enum sig_sm_type t, struct sig_byte *b)
{
    struct sig_list *l = ps->cur != NULL ? ps->cur
                                         : sig_list_get(L, ps->r, SW_SIG_BUF_PAYLOAD, false);

    if (l == NULL || !sig_list_add(L, ps, l, t, b)) {
        sw_free(b);
        return SIG_PARSE_FAIL;
    }
    return SIG_PARSE_OK;
}

static enum sig_prc
common(struct sig_loader *L, const struct sig_opt *o, char *buf, size_t buflen, char **f, int *n,
       int min_fields, struct sig_byte **out)
{
    uint64_t nb;

    *out = NULL;
    if (o->value == NULL || o->value[0] == '\0')
        return sig_fail(L, "needs a value");
    if (o->negated)
        return sig_fail(L, "cannot be negated");
    if (snprintf(buf, buflen, "%s", o->value) >= (int)buflen)
        return sig_fail(L, "value too long");
    *n = fields(buf, f, 16);
    if (*n < min_fields)
        return sig_fail(L, "needs at least %d comma-separated fields", min_fields);
    if (parse_u64(f[0], &nb) && nb == 0)
        return sig_unsupported(L, "byte_* of 0 bytes (to the end)");
    if (!parse_u64(f[0], &nb) || nb < 1 || nb > 23)
        return sig_fail(L, "'%.20s' is not a byte count from 1 to 23", f[0]);
    *out = sw_calloc(1, sizeof(**out));
    if (*out == NULL) {
        L->oom = true;
        return sig_fail(L, "out of memory");
    }
    (*out)->nbytes = (unsigned)nb;
    (*out)->multiplier = 1;
    (*out)->var = -1;
    return SIG_PARSE_OK;
}

enum sig_prc
sig_kw_byte_test(struct sig_loader *L, struct sig_pstate *ps, const struct sig_opt *o)
{
    char buf[512], *f[16], *op;
    struct sig_byte *b;
    int n;
    enum sig_prc rc = common(L, o, buf, sizeof(buf), f, &n, 4, &b);

    if (rc != SIG_PARSE_OK)
        return rc;
    op = f[1];
    if (*op == '!') {
        b->negated = true;
        op++;
        while (isspace((unsigned char)*op))
            op++;
    }
    if (strcmp(op, "<") == 0)
        b->op = OP_LT;
    else if (strcmp(op, ">") == 0)
        b->op = OP_GT;
    else if (strcmp(op, "=") == 0 || (b->negated && *op == '\0'))
        b->op = OP_EQ;
    else if (strcmp(op, "<=") == 0)
        b->op = OP_LE;
    else if (strcmp(op, ">=") == 0)
        b->op = OP_GE;
    else if (strcmp(op, "&") == 0)
        b->op = OP_AND;
    else if (strcmp(op, "^") == 0)
        b->op = OP_XOR;
    else
        rc = sig_fail(L, "'%.10s' is not an operator (< > = <= >= & ^, ! before one)", f[1]);
    if (rc == SIG_PARSE_OK && !sig_num_parse(L, ps, f[2], 0, INT64_MAX, &b->value)) {
        /* hex values: 0x... */
        uint64_t v;

        if (parse_u64(f[2], &v) && v <= INT64_MAX) {
            L->msg[0] = '\0';
            b->value.v = (int64_t)v;
            b->value.var = -1;
        } else {
            rc = SIG_PARSE_FAIL;
        }
    }
    if (rc == SIG_PARSE_OK && !sig_num_parse(L, ps, f[3], -65535, 65535, &b->offset))
        rc = SIG_PARSE_FAIL;
    if (rc == SIG_PARSE_OK)
        rc = options(L, b, f, 4, n, SIG_SM_BYTE_TEST);
    if (rc != SIG_PARSE_OK) {
        sw_free(b);
        return rc;
    }
    return add(L, ps, SIG_SM_BYTE_TEST, b);
}

enum sig_prc
sig_kw_byte_jump(struct sig_loader *L, struct sig_pstate *ps, const struct sig_opt *o)
{
    char buf[512], *f[16];
    struct sig_byte *b;
    int n;
    enum sig_prc rc = common(L, o, buf, sizeof(buf), f, &n, 2, &b);

    if (rc != SIG_PARSE_OK)
        return rc;
    if (!sig_num_parse(L, ps, f[1], -65535, 65535, &b->offset))
        rc = SIG_PARSE_FAIL;
    if (rc == SIG_PARSE_OK)
        rc = options(L, b, f, 2, n, SIG_SM_BYTE_JUMP);
    if (rc != SIG_PARSE_OK) {
        sw_free(b);
        return rc;
    }
    return add(L, ps, SIG_SM_BYTE_JUMP, b);
}

enum sig_prc
sig_kw_byte_extract(struct sig_loader *L, struct sig_pstate *ps, const struct sig_opt *o)
{
    char buf[512], *f[16];
    struct sig_byte *b;
    int n, slot = -1;
    enum sig_prc rc = common(L, o, buf, sizeof(buf), f, &n, 3, &b);

    if (rc != SIG_PARSE_OK)
        return rc;
    if (!sig_num_parse(L, ps, f[1], -65535, 65535, &b->offset))
        rc = SIG_PARSE_FAIL;
    if (rc == SIG_PARSE_OK && !(isalpha((unsigned char)f[2][0]) || f[2][0] == '_'))
        rc = sig_fail(L, "'%.30s' is not a variable name", f[2]);
    if (rc == SIG_PARSE_OK && sig_var_find(ps, f[2]) >= 0)
        rc = sig_fail(L, "variable '%.30s' defined twice", f[2]);
    for (int i = 0; rc == SIG_PARSE_OK && i < SIG_MAX_VARS && slot < 0; i++)
        if (ps->var_names[i] == NULL)
            slot = i;
    if (rc == SIG_PARSE_OK && slot < 0)
        rc = sig_fail(L, "more than %d variables", SIG_MAX_VARS);
    if (rc == SIG_PARSE_OK)
        rc = options(L, b, f, 3, n, SIG_SM_BYTE_EXTRACT);
    if (rc == SIG_PARSE_OK) {
        ps->var_names[slot] = sw_strdup(f[2]);
        if (ps->var_names[slot] == NULL) {
            L->oom = true;
            rc = sig_fail(L, "out of memory");
        }
    }
    if (rc != SIG_PARSE_OK) {
        sw_free(b);
        return rc;
    }
    b->var = slot;
    if ((unsigned)slot + 1 > ps->r->n_vars)
        ps->r->n_vars = (unsigned)slot + 1;
    return add(L, ps, SIG_SM_BYTE_EXTRACT, b);
}

/* --- evaluation ------------------------------------------------------------------------------ */

static int64_t
num_value(const struct sig_mctx *m, const struct sig_num *n)
{
    return n->var >= 0 ? m->vars[n->var] : n->v;
}

/* Read b->nbytes at buf[at]; false when out of the buffer or not a number. */
static bool
extract(const struct sig_mctx *m, const struct sig_byte *b, int64_t at, uint64_t *out)
{
    uint64_t v = 0;

    if (at < 0 || (uint64_t)at + b->nbytes > m->len)
        return false;
    const uint8_t *p = m->buf + at;

    if (b->string) {
        char tmp[24], *end;

        memcpy(tmp, p, b->nbytes);
        tmp[b->nbytes] = '\0';
        if (!isxdigit((unsigned char)tmp[0]))
            return false;
        v = strtoull(tmp, &end, b->base);
        if (end == tmp)
            return false;
    } else if (b->little) {
        for (unsigned i = b->nbytes; i > 0; i--)
            v = (v << 8) | p[i - 1];
    } else {
        for (unsigned i = 0; i < b->nbytes; i++)
            v = (v << 8) | p[i];
    }
    if (b->has_bitmask) {
        v &= b->bitmask;
        if (v != 0)
            v >>= __builtin_ctzll(b->bitmask);
    }
    *out = v;
    return true;
}

bool
sig_byte_exec(struct sig_mctx *m, enum sig_sm_type t, const void *ctx, size_t *pos)
{
    const struct sig_byte *b = ctx;
    int64_t at = (b->relative ? (int64_t)*pos : (int64_t)m->anchor) + num_value(m, &b->offset);
    uint64_t v;

    if (!extract(m, b, at, &v))
        return false;
    if (t == SIG_SM_BYTE_TEST) {
        uint64_t want = (uint64_t)num_value(m, &b->value);
        bool r;

        switch (b->op) {
        case OP_LT:
            r = v < want;
            break;
        case OP_GT:
            r = v > want;
            break;
        case OP_EQ:
            r = v == want;
            break;
        case OP_LE:
            r = v <= want;
            break;
        case OP_GE:
            r = v >= want;
            break;
        case OP_AND:
            r = (v & want) != 0;
            break;
        default:
            r = (v ^ want) != 0;
            break;
        }
        return r != b->negated;
    }
    if (t == SIG_SM_BYTE_EXTRACT) {
        v *= b->multiplier;
        if (b->align != 0 && v % b->align != 0)
            v += b->align - v % b->align;
        m->vars[b->var] = (int64_t)(v > INT64_MAX ? INT64_MAX : v);
        *pos = (size_t)at + b->nbytes;
        return true;
    }
    /* byte_jump */
    if (v > UINT32_MAX)
        return false;
    v *= b->multiplier;
    if (b->align4 && (v & 3) != 0)
        v += 4 - (v & 3);
    int64_t to;

    if (b->from_beginning)
        to = (int64_t)m->anchor + (int64_t)v;
    else if (b->from_end)
        to = (int64_t)m->len + (int64_t)v;
    else
        to = at + b->nbytes + (int64_t)v;
    to += b->post_offset;
    if (to < 0 || (uint64_t)to > m->len)
        return false;
    *pos = (size_t)to;
    return true;
}
