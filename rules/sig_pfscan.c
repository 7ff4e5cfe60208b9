/* sig_pfscan.c - the prefilter's scans: a flow direction's groups resolved by their keys,
 * one Hyperscan scan per group, each pattern found handing its rules to the caller; and the
 * always-run lists. Any thread, on the immutable prefilter (built by sig_prefilter.c) with
 * its own scratch. */
#include "sig_pf_int.h"

#include <stddef.h>
#include <stdint.h>

static const struct pf_group *
find(const struct sig_prefilter *p, uint64_t key)
{
    uint64_t h = key_hash(key) & p->idx_mask;

    for (uint32_t i; (i = p->idx[h]) != 0; h = (h + 1) & p->idx_mask)
        if (p->g[i - 1].key == key)
            return &p->g[i - 1];
    return NULL;
}

struct scan_ctx {
    const struct pf_group *g;
    void (*add)(void *ctx, uint32_t rule);
    void *ctx;
};

static int
on_match(unsigned id, unsigned long long from, unsigned long long to, unsigned flags, void *arg)
{
    struct scan_ctx *sc = arg;

    (void)from;
    (void)to;
    (void)flags;
    if (id < sc->g->n_pat)
        for (uint32_t k = sc->g->off[id]; k < sc->g->off[id + 1]; k++)
            sc->add(sc->ctx, sc->g->rules[k]);
    return 0;
}

/* The groups of one hook, buffer, dot, protocol class, direction and port pair, by the keys
 * collect gave them: any port, the server's port, the client's (KEY_CLIENT); each with its
 * bounded twin at the packet hook. */
void
sig_prefilter_resolve(const struct sig_prefilter *p, int hook, enum sw_sig_buf b, bool dot,
                      int pc, bool to_server, uint16_t sport, uint16_t dport,
                      struct sig_pf_sel *out)
{
    int dir = hook == SW_SIG_HOOK_TX ? 0 : (to_server ? 0 : 1);
    uint16_t port = to_server ? dport : sport; /* the server's (see collect) */
    uint16_t cport = to_server ? sport : dport;
    uint64_t keys[3];
    int nk = 0;

    out->n = 0;
    if (p == NULL || p->n_g == 0)
        return;
    if (hook == SW_SIG_HOOK_TX)
        pc = 0; /* one group per buffer (see collect) */
    keys[nk++] = mkkey(hook, key_buf(b), dot, pc, dir, true, 0, false);
    if (hook != SW_SIG_HOOK_TX && pc != SIG_PC_OTHER) {
        keys[nk++] = mkkey(hook, key_buf(b), dot, pc, dir, false, port, false);
        keys[nk++] = mkkey(hook, key_buf(b), dot, pc, dir, false, cport, false) | KEY_CLIENT;
    }
    for (int k = 0; k < nk; k++) {
        const struct pf_group *x = find(p, keys[k]);
        const struct pf_group *xb = hook == SW_SIG_HOOK_PACKET ? find(p, keys[k] | 1) : NULL;

        if (x == NULL && xb == NULL)
            continue;
        if (k == 1 && ((x != NULL && x->merged) || (xb != NULL && xb->merged)))
            out->n = 0; /* the port's groups hold the any-port ones (merge_any_into_ports) */
        out->g[out->n] = x != NULL ? (uint32_t)(x - p->g) + 1 : 0;
        out->gb[out->n] = xb != NULL ? (uint32_t)(xb - p->g) + 1 : 0;
        out->n++;
    }
}

unsigned
sig_prefilter_scan_sel(const struct sig_prefilter *p, void *scratch, const struct sig_pf_sel *sel,
                       const uint8_t *data, size_t len, void (*add)(void *ctx, uint32_t rule),
                       void *ctx)
{
    struct scan_ctx sc = {.add = add, .ctx = ctx};
    unsigned scans = 0;

    if (scratch == NULL || len > UINT32_MAX)
        return 0;
    for (unsigned k = 0; k < sel->n; k++) {
        const struct pf_group *x = sel->g[k] != 0 ? &p->g[sel->g[k] - 1] : NULL;

        /* a payload of a length some bounded rule accepts: the bounded group, which holds
         * the unbounded patterns too; else the unbounded group alone */
        if (sel->gb[k] != 0) {
            const struct pf_group *gb = &p->g[sel->gb[k] - 1];

            if (len >= gb->lo && len <= gb->hi)
                x = gb;
        }
        if (x == NULL || len < x->lo || len > x->hi)
            continue;
        sc.g = x;
        scans++;
        (void)hs_scan(x->db, len > 0 ? (const char *)data : "", (unsigned)len, 0, scratch, on_match,
                      &sc);
    }
    return scans;
}

unsigned
sig_prefilter_scan(const struct sig_prefilter *p, void *scratch, int hook, enum sw_sig_buf b,
                   bool dot, int pc, bool to_server, uint16_t sport, uint16_t dport,
                   const uint8_t *data, size_t len, void (*add)(void *ctx, uint32_t rule),
                   void *ctx)
{
    struct sig_pf_sel sel;

    if (p == NULL)
        return 0;
    if (hook == SW_SIG_HOOK_TX) /* fixed per buffer: resolved at build */
        return sig_prefilter_scan_sel(p, scratch, &p->tx_sel[key_buf(b)][dot], data, len, add,
                                      ctx);
    sig_prefilter_resolve(p, hook, b, dot, pc, to_server, sport, dport, &sel);
    return sig_prefilter_scan_sel(p, scratch, &sel, data, len, add, ctx);
}

size_t
sig_prefilter_max_len(void)
{
    return PF_MAX_LITERAL;
}

bool
sig_prefilter_has_dot(const struct sig_prefilter *p, int hook, enum sw_sig_buf b)
{
    return p != NULL && (p->dot_bufs[hook] & (1u << key_buf(b))) != 0;
}

const uint32_t *
sig_prefilter_always(const struct sig_prefilter *p, int hook, int pc, bool syn, size_t *n)
{
    if (p == NULL) {
        *n = 0;
        return NULL;
    }
    *n = p->n_always[hook][pc][syn];
    return p->always[hook][pc][syn];
}

const uint64_t *
sig_prefilter_always_port_bits(const struct sig_prefilter *p, int hook, int pc, bool syn)
{
    return p != NULL ? p->always_port_bits[hook][pc][syn] : NULL;
}

void
sig_prefilter_always_port(const struct sig_prefilter *p, int hook, int pc, bool syn, uint16_t dport,
                          void (*add)(void *ctx, uint32_t rule), void *ctx)
{
    const uint64_t *a, *bits;
    size_t lo = 0, hi;

    if (p == NULL)
        return;
    bits = p->always_port_bits[hook][pc][syn];
    if (bits == NULL || ((bits[dport / 64] >> (dport % 64)) & 1) == 0)
        return;
    a = p->always_port[hook][pc][syn];
    hi = p->n_always_port[hook][pc][syn];
    while (lo < hi) { /* the first entry of dport */
        size_t mid = lo + (hi - lo) / 2;

        if ((a[mid] >> 32) < dport)
            lo = mid + 1;
        else
            hi = mid;
    }
    for (; lo < p->n_always_port[hook][pc][syn] && (a[lo] >> 32) == dport; lo++)
        add(ctx, (uint32_t)a[lo]);
}

const char *
sw_sig_hs_version(void)
{
    return hs_version();
}

bool
sw_sig_hs_cpu_ok(void)
{
    return hs_valid_platform() == HS_SUCCESS;
}
