/* sig_iponly.c - the address index of IP-only rules (struct sig_rule's iponly): a public
 * ruleset carries some 1600 of them, each a list of addresses (ET's botcc, compromised,
 * ciarmy, dshield, tor files), and a flow's first packet each way would otherwise test every
 * one. Each rule is indexed under its narrower side (source or destination) when that side
 * is made of small ranges; the others (any, $HOME_NET, negations, bidirectional rules) stay
 * in a general list. A lookup gives the rules whose indexed side holds the packet's address:
 * candidates, evaluated in full by the matcher as any other. Built once per rule set,
 * read-only after (shared by the workers). */
#include <stdlib.h>
#include <string.h>

#include "sig_int.h"
#include "sw/alloc.h"

/* A side is indexed when every range of it spans at most this many addresses: wider ranges
 * ($HOME_NET's /8) would make the backward walk of a lookup long. */
#define NARROW_SPAN ((sig_u128)65536)

struct ipent {
    sig_u128 lo, hi;
    uint32_t rule;
};

struct sig_ipidx {
    struct ipent *e[2];  /* owned: [0] rules indexed by source, [1] by destination; by lo */
    sig_u128 *maxhi[2];  /* owned: the largest hi of e[side][0..i] */
    size_t n[2];
    uint32_t *general;   /* owned: IP-only rules not indexed */
    size_t n_general;
};

/* Is every range of s narrow? Then the number of ranges in *nr. */
static bool
narrow(const struct sig_addrset *s, size_t *nr)
{
    if (s->any || s->n == 0)
        return false;
    for (size_t i = 0; i < s->n; i++)
        if (s->r[i].hi - s->r[i].lo >= NARROW_SPAN)
            return false;
    *nr = s->n;
    return true;
}

static int
entcmp(const void *a, const void *b)
{
    const struct ipent *x = a, *y = b;

    if (x->lo != y->lo)
        return x->lo < y->lo ? -1 : 1;
    return x->rule < y->rule ? -1 : x->rule > y->rule;
}

void
sig_ipidx_destroy(struct sig_ipidx *x)
{
    if (x == NULL)
        return;
    for (int s = 0; s < 2; s++) {
        sw_free(x->e[s]);
        sw_free(x->maxhi[s]);
    }
    sw_free(x->general);
    sw_free(x);
}

/* The side of r to index (0 source, 1 destination), or -1: general list. */
static int
side_of(const struct sig_rule *r, size_t *nr)
{
    size_t ns = 0, nd = 0;
    bool s = narrow(&r->src, &ns), d = narrow(&r->dst, &nd);

    if (r->bidir || (!s && !d))
        return -1;
    if (s && (!d || ns <= nd)) {
        *nr = ns;
        return 0;
    }
    *nr = nd;
    return 1;
}

struct sig_ipidx *
sig_ipidx_build(struct sig_rule *const *rules, size_t n)
{
    struct sig_ipidx *x = sw_calloc(1, sizeof(*x));
    size_t cnt[2] = {0, 0}, ng = 0;

    if (x == NULL)
        return NULL;
    for (size_t i = 0; i < n; i++) {
        size_t nr = 0;
        int sd;

        if (!rules[i]->iponly)
            continue;
        sd = side_of(rules[i], &nr);
        if (sd < 0)
            ng++;
        else
            cnt[sd] += nr;
    }
    for (int s = 0; s < 2; s++) {
        x->e[s] = sw_calloc(cnt[s] + 1, sizeof(*x->e[s]));
        x->maxhi[s] = sw_calloc(cnt[s] + 1, sizeof(*x->maxhi[s]));
        if (x->e[s] == NULL || x->maxhi[s] == NULL)
            goto oom;
    }
    x->general = sw_calloc(ng + 1, sizeof(*x->general));
    if (x->general == NULL)
        goto oom;
    for (size_t i = 0; i < n; i++) {
        const struct sig_rule *r = rules[i];
        size_t nr = 0;
        int sd;

        if (!r->iponly)
            continue;
        sd = side_of(r, &nr);
        if (sd < 0) {
            x->general[x->n_general++] = (uint32_t)i;
            continue;
        }
        const struct sig_addrset *as = sd == 0 ? &r->src : &r->dst;

        for (size_t k = 0; k < as->n; k++) {
            struct ipent *e = &x->e[sd][x->n[sd]++];

            e->lo = as->r[k].lo;
            e->hi = as->r[k].hi;
            e->rule = (uint32_t)i;
        }
    }
    for (int s = 0; s < 2; s++) {
        sig_u128 m = 0;

        qsort(x->e[s], x->n[s], sizeof(*x->e[s]), entcmp);
        for (size_t i = 0; i < x->n[s]; i++) {
            if (x->e[s][i].hi > m)
                m = x->e[s][i].hi;
            x->maxhi[s][i] = m;
        }
    }
    return x;
oom:
    sig_ipidx_destroy(x);
    return NULL;
}

static sig_u128
addr_value(uint8_t ip_version, const uint8_t *a)
{
    sig_u128 v = 0;

    if (ip_version == 4)
        return ((sig_u128)0xffff << 32) | ((sig_u128)a[0] << 24) | ((sig_u128)a[1] << 16) |
               ((sig_u128)a[2] << 8) | a[3];
    for (int i = 0; i < 16; i++)
        v = (v << 8) | a[i];
    return v;
}

/* Entries of one side holding v. */
static void
lookup_side(const struct sig_ipidx *x, int s, sig_u128 v, void (*add)(void *ctx, uint32_t rule),
            void *ctx)
{
    size_t lo = 0, hi = x->n[s];

    while (lo < hi) { /* the first entry with lo > v */
        size_t mid = lo + (hi - lo) / 2;

        if (x->e[s][mid].lo <= v)
            lo = mid + 1;
        else
            hi = mid;
    }
    /* entries before it start at or below v; walk back while one of them may reach v */
    while (lo > 0 && x->maxhi[s][lo - 1] >= v) {
        lo--;
        if (x->e[s][lo].hi >= v)
            add(ctx, x->e[s][lo].rule);
    }
}

void
sig_ipidx_lookup(const struct sig_ipidx *x, uint8_t ip_version, const uint8_t *src,
                 const uint8_t *dst, void (*add)(void *ctx, uint32_t rule), void *ctx)
{
    if (x == NULL)
        return;
    lookup_side(x, 0, addr_value(ip_version, src), add, ctx);
    lookup_side(x, 1, addr_value(ip_version, dst), add, ctx);
    for (size_t i = 0; i < x->n_general; i++)
        add(ctx, x->general[i]);
}
