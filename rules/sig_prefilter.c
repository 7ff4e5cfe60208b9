/* sig_prefilter.c - the multi-pattern prefilter: never a walk over all rules.
 *
 * Each rule's fast pattern (rules/sig_parse.c chooses it as Suricata does) goes into the
 * groups it can match in: hook (packet, stream, transaction), protocol class (TCP, UDP,
 * other), direction (to server, to client; transactions have one), buffer (with or without
 * the dotprefix transform) and, for payload rules whose server-side ports (the destination
 * to the server, the source to the client) are a few single ports, one group per port
 * beside the any-port group; and, at the packet hook, rules whose dsize
 * bounds the payload length from above apart from the others, each group with the range of
 * lengths its rules accept, so that a payload outside it is not scanned for them (ET's dsize
 * rules look for a few small messages: every full-size TCP packet was scanned for them). A
 * group of bounded rules holds its unbounded neighbours' patterns too, so a short payload is
 * scanned once, with it, and a longer one once, with the unbounded group alone.
 * The request and response bodies are file.data's bytes: their rules share file.data's
 * groups, so a body is scanned once, not once per name (sig_match.c scans each body once).
 * Each group is one Hyperscan literal
 * database (identical patterns share one id that lists their rules); a scan reports each
 * pattern once (HS_FLAG_SINGLEMATCH) and hands its rules to the caller, which deduplicates
 * them and evaluates them in full. Rules without a usable pattern (none, or only negated
 * contents) sit in an always-run list per hook and protocol class.
 *
 * Compiling the databases of a large ruleset takes seconds, so the whole set is cached in
 * the rules cache directory as one file, KEY.hsdb (KEY: SHA-256 of Hyperscan's version, the
 * platform and every group's patterns; the file is sig_pfcache.c's), under the trust rules
 * of rules/cache_int.h.
 *
 * Debian 12's Hyperscan 5.4 needs SSSE3. On a CPU without it hs_valid_platform() fails: every
 * rule then goes to the always-run lists (correct, but each inspection evaluates every rule
 * of its hook), and a warning says so once per load.
 *
 * Built on the loading thread; immutable afterwards. Each matching thread has one scratch
 * sized for every database. The scans are in sig_pfscan.c, the cache file in sig_pfcache.c. */
#include "sig_pf_int.h"

#include <hs/hs.h>
#include <openssl/evp.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sw/alloc.h"
#include "sw/log.h"

#define ALWAYS_PORTS_MAX 32 /* destination ports of an always-run rule looked up by port */
#define MERGE_MAX 64        /* any-port entries copied into a port's packet-hook groups, at most */

struct pf_entry {
    uint64_t key;
    uint32_t rule;
    uint32_t lo, hi;    /* payload lengths the rule accepts (dsize); [0, UINT32_MAX] */
    const uint8_t *pat; /* borrowed from the rule's content */
    uint32_t len;
    bool nocase;
    bool merged; /* an any-port entry copied into a port's group (merge_any_into_ports) */
};

/* The payload lengths a packet-hook rule accepts, from its dsize: [*lo, *hi] (Suricata's
 * range form is exclusive); [0, UINT32_MAX] without one or when it excludes a middle part.
 * Returns whether the length is bounded from above. */
static bool
dsize_range(const struct sig_rule *r, uint32_t *lo, uint32_t *hi)
{
    const struct sig_u64cmp *d = &r->dsize;
    uint64_t l = 0, h = UINT32_MAX;

    if (r->has_dsize) {
        switch (d->op) {
        case SIG_EQ:
            l = h = d->a;
            break;
        case SIG_LT:
            h = d->a > 0 ? d->a - 1 : 0;
            l = d->a > 0 ? 0 : 1; /* nothing: an empty range */
            break;
        case SIG_LE:
            h = d->a;
            break;
        case SIG_GT:
            l = d->a + 1;
            break;
        case SIG_GE:
            l = d->a;
            break;
        case SIG_RANGE:
            l = d->a + 1;
            h = d->b > 0 ? d->b - 1 : 0;
            break;
        default: /* != and outside a range: any length may match */
            break;
        }
    }
    if (h > UINT32_MAX)
        h = UINT32_MAX;
    if (l > UINT32_MAX)
        l = UINT32_MAX;
    *lo = (uint32_t)l;
    *hi = (uint32_t)h;
    return h < UINT32_MAX;
}

int
sig_proto_class(uint8_t proto)
{
    return proto == 6 ? SIG_PC_TCP : proto == 17 ? SIG_PC_UDP : SIG_PC_OTHER;
}

static unsigned
rule_pcs(const struct sig_rule *r)
{
    switch (r->proto) {
    case SIG_P_TCP:
        return 1u << SIG_PC_TCP;
    case SIG_P_UDP:
        return 1u << SIG_PC_UDP;
    case SIG_P_ICMP:
        return 1u << SIG_PC_OTHER;
    case SIG_P_APP:
        return r->app_l4 == 6    ? 1u << SIG_PC_TCP
               : r->app_l4 == 17 ? 1u << SIG_PC_UDP
                                 : (1u << SIG_PC_TCP) | (1u << SIG_PC_UDP);
    default:
        return 7u;
    }
}

static int
rule_hook(const struct sig_rule *r)
{
    return r->inspect == SIG_INSP_TX       ? SW_SIG_HOOK_TX
           : r->inspect == SIG_INSP_STREAM ? SW_SIG_HOOK_STREAM
                                           : SW_SIG_HOOK_PACKET;
}

struct ebuf {
    struct pf_entry *e;
    size_t n, cap;
    bool oom;
};

static void
push(struct ebuf *b, uint64_t key, uint32_t rule, const struct sig_content *c, uint32_t lo,
     uint32_t hi)
{
    if (b->n == b->cap) {
        size_t nc = b->cap ? b->cap * 2 : 1024;
        struct pf_entry *ne = sw_realloc(b->e, nc * sizeof(*ne));

        if (ne == NULL) {
            b->oom = true;
            return;
        }
        b->e = ne;
        b->cap = nc;
    }
    b->e[b->n].key = key;
    b->e[b->n].rule = rule;
    b->e[b->n].lo = lo;
    b->e[b->n].hi = hi;
    b->e[b->n].pat = (c->flags & SIG_C_FP_CHOP) ? c->pat + c->fp_off : c->pat;
    b->e[b->n].len = (c->flags & SIG_C_FP_CHOP) ? c->fp_len : c->len;
    /* A prefix selects a superset of the same candidates (all are evaluated in full); long
     * literals cost Hyperscan's compiler much more than they filter. */
    if (b->e[b->n].len > PF_MAX_LITERAL)
        b->e[b->n].len = PF_MAX_LITERAL;
    b->e[b->n].nocase = (c->flags & SIG_C_NOCASE) != 0;
    b->e[b->n].merged = false;
    b->n++;
}

static int
entry_cmp(const void *a, const void *b)
{
    const struct pf_entry *x = a, *y = b;
    int c;

    if (x->key != y->key)
        return x->key < y->key ? -1 : 1;
    if (x->nocase != y->nocase)
        return x->nocase ? 1 : -1;
    if (x->len != y->len)
        return x->len < y->len ? -1 : 1;
    c = memcmp(x->pat, y->pat, x->len);
    if (c != 0)
        return c;
    return x->rule < y->rule ? -1 : x->rule > y->rule;
}

static bool
same_pat(const struct pf_entry *x, const struct pf_entry *y)
{
    return x->nocase == y->nocase && x->len == y->len && memcmp(x->pat, y->pat, x->len) == 0;
}

static int
u64cmp(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

    return x < y ? -1 : x > y;
}

/* Can r match only a TCP packet with SYN set? Its flags keyword (sig_match.c's matcher)
 * compares the packet's flags under the mask: exactly these (plain) or at least these ('+')
 * with SYN among them and not masked off. Any of ('*') and none of ('!') can match without. */
static bool
needs_syn(const struct sig_rule *r)
{
    return r->has_flags && (r->flags_mod == 0 || r->flags_mod == '+') &&
           (r->flags_want & r->flags_mask & 0x02) != 0;
}

/* Entries of every rule with a fast pattern; the others into the always-run lists. */
static bool
collect(struct sig_prefilter *p, struct sig_rule *const *rules, size_t n, bool use_hs,
        struct ebuf *eb)
{
    for (size_t i = 0; i < n; i++) {
        const struct sig_rule *r = rules[i];
        int hook = rule_hook(r);
        unsigned pcs = rule_pcs(r);

        if (r->fp_list < 0 || !use_hs) {
            /* a port range of a few dozen is looked up by port too (ET's VNC scan rules,
             * 5800:5820 and 5900:5920, were evaluated on every TCP packet) */
            uint16_t aports[ALWAYS_PORTS_MAX];
            size_t nap = 0;
            int syn = needs_syn(r) ? 1 : 0;

            if (hook != SW_SIG_HOOK_TX && !r->bidir && !r->iponly)
                nap = sig_portset_small(&r->dp, aports, ALWAYS_PORTS_MAX);
            for (int pc = 0; pc < SIG_PC_MAX; pc++) {
                uint32_t **list = r->iponly ? &p->iponly[pc] : &p->always[hook][pc][syn];
                size_t *nl = r->iponly ? &p->n_iponly[pc] : &p->n_always[hook][pc][syn];
                uint32_t *na;

                if ((pcs & (1u << pc)) == 0)
                    continue;
                if (nap > 0) {
                    uint64_t *np =
                        sw_realloc(p->always_port[hook][pc][syn],
                                   (p->n_always_port[hook][pc][syn] + nap) * sizeof(*np));

                    if (np == NULL)
                        return false;
                    p->always_port[hook][pc][syn] = np;
                    for (size_t k = 0; k < nap; k++)
                        np[p->n_always_port[hook][pc][syn]++] = (uint64_t)aports[k] << 32 | i;
                    continue;
                }
                na = sw_realloc(*list, (*nl + 1) * sizeof(*na));
                if (na == NULL)
                    return false;
                *list = na;
                na[(*nl)++] = (uint32_t)i;
            }
            continue;
        }
        const struct sig_list *l = &r->lists[r->fp_list];
        const struct sig_content *c = l->sm[r->fp_sm].ctx;
        uint16_t ports[2][4];
        size_t np[2] = {0, 0};
        uint32_t lo = 0, hi = UINT32_MAX;
        /* only packet-hook rules have a dsize (sig_parse.c): a payload length out of their
         * range spares the scan of their group */
        bool bounded = hook == SW_SIG_HOOK_PACKET && l->buf == SW_SIG_BUF_PAYLOAD &&
                       !l->dotprefix && dsize_range(r, &lo, &hi);

        bool client[2] = {false, false};

        /* to the server, the destination port names the service; to the client, the
         * source port does (Suricata groups them so): a rule's response pattern is then
         * scanned for only in its service's replies, not in every reply (by their destination,
         * the client's ephemeral port, they all fell in the any-port group). A rule whose
         * server-side port is any but whose other port is a few single ports is keyed by that
         * one (KEY_CLIENT): ET's direction-less `any -> any 53` UDP rules can match a reply
         * only if its destination is 53, so they stay out of every reply's any-port group. */
        if (hook != SW_SIG_HOOK_TX && !r->bidir) {
            np[0] = sig_portset_small(&r->dp, ports[0], 4);
            np[1] = sig_portset_small(&r->sp, ports[1], 4);
            for (int dir = 0; dir < 2; dir++)
                if (np[dir] == 0) {
                    np[dir] = sig_portset_small(dir == 0 ? &r->sp : &r->dp, ports[dir], 4);
                    client[dir] = np[dir] > 0;
                }
        }
        int kb = key_buf(l->buf);

        if (l->dotprefix)
            p->dot_bufs[hook] |= 1u << kb;
        for (int pc = 0; pc < SIG_PC_MAX; pc++) {
            if ((pcs & (1u << pc)) == 0)
                continue;
            /* transactions: the application protocol, checked in full, tells TCP from UDP;
             * one group per buffer halves the work for DNS rules (both transports) */
            if (hook == SW_SIG_HOOK_TX && pc != __builtin_ctz(pcs))
                continue;
            /* UDP and other protocols have no stream: their stream rules look at each packet
             * (sig_match.c's gather), so they share the packet hook's databases and a
             * packet's payload is scanned once, not once per hook */
            int kh = hook == SW_SIG_HOOK_STREAM && pc != SIG_PC_TCP ? SW_SIG_HOOK_PACKET : hook;

            if (l->dotprefix)
                p->dot_bufs[kh] |= 1u << kb;
            for (int dir = 0; dir < 2; dir++) {
                if (hook == SW_SIG_HOOK_TX && dir == 1)
                    continue;
                if (hook != SW_SIG_HOOK_TX && (r->flow & SIG_FLOW_TO_SERVER) && dir == 1)
                    continue;
                if (hook != SW_SIG_HOOK_TX && (r->flow & SIG_FLOW_TO_CLIENT) && dir == 0)
                    continue;
                bool ports_apply = pc != SIG_PC_OTHER && np[dir] > 0;
                int kpc = hook == SW_SIG_HOOK_TX ? 0 : pc;

                if (!ports_apply) {
                    push(eb, mkkey(kh, kb, l->dotprefix, kpc, dir, true, 0, bounded), (uint32_t)i,
                         c, lo, hi);
                } else {
                    for (size_t k = 0; k < np[dir]; k++)
                        push(eb,
                             mkkey(kh, kb, l->dotprefix, pc, dir, false, ports[dir][k], bounded) |
                                 (client[dir] ? KEY_CLIENT : 0),
                             (uint32_t)i, c, lo, hi);
                }
            }
        }
        if (eb->oom)
            return false;
    }
    for (int h = 0; h < HOOKS; h++)
        for (int pc = 0; pc < SIG_PC_MAX; pc++)
            for (int syn = 0; syn < 2; syn++)
                if (p->n_always_port[h][pc][syn] > 0) {
                    uint64_t *bits = sw_calloc(65536 / 64, sizeof(*bits));

                    if (bits == NULL)
                        return false;
                    p->always_port_bits[h][pc][syn] = bits;
                    for (size_t k = 0; k < p->n_always_port[h][pc][syn]; k++) {
                        uint32_t port = (uint32_t)(p->always_port[h][pc][syn][k] >> 32);

                        bits[port / 64] |= UINT64_C(1) << (port % 64);
                    }
                    qsort(p->always_port[h][pc][syn], p->n_always_port[h][pc][syn],
                          sizeof(uint64_t), u64cmp);
                }
    return true;
}

/* Copy the unbounded entries of each key that has a bounded twin (dsize) into the twin:
 * sorted entries in, sorted entries out. */
static bool
add_unbounded_to_bounded(struct ebuf *eb)
{
    size_t n0 = eb->n;

    for (size_t i = 0; i < n0; i++) {
        uint64_t k = eb->e[i].key, k0 = k & ~(uint64_t)1;
        size_t lo = 0, hi = n0;

        if ((k & 1) == 0 || (i > 0 && eb->e[i - 1].key == k))
            continue;     /* not the first entry of a bounded key */
        while (lo < hi) { /* the first entry of the unbounded twin */
            size_t mid = lo + (hi - lo) / 2;

            if (eb->e[mid].key < k0)
                lo = mid + 1;
            else
                hi = mid;
        }
        for (; lo < n0 && eb->e[lo].key == k0 && !eb->oom; lo++) {
            struct pf_entry x = eb->e[lo];
            struct sig_content c = {.pat = (uint8_t *)(uintptr_t)x.pat,
                                    .len = x.len,
                                    .flags = x.nocase ? SIG_C_NOCASE : 0};

            push(eb, k, x.rule, &c, x.lo, x.hi);
        }
    }
    if (eb->oom)
        return false;
    if (eb->n > n0)
        qsort(eb->e, eb->n, sizeof(*eb->e), entry_cmp);
    return true;
}

/* Entries [*lo, *hi) of key among the sorted first n entries. */
static void
key_range(const struct ebuf *eb, size_t n, uint64_t key, size_t *lo, size_t *hi)
{
    size_t a = 0, b = n;

    while (a < b) {
        size_t mid = a + (b - a) / 2;

        if (eb->e[mid].key < key)
            a = mid + 1;
        else
            b = mid;
    }
    *lo = a;
    while (a < n && eb->e[a].key == key)
        a++;
    *hi = a;
}

/* Copy entries [lo, hi) under key (merged: the any-port ones). */
static void
push_range(struct ebuf *eb, size_t lo, size_t hi, uint64_t key, bool merged)
{
    for (size_t i = lo; i < hi && !eb->oom; i++) {
        struct pf_entry x = eb->e[i];
        struct sig_content c = {.pat = (uint8_t *)(uintptr_t)x.pat,
                                .len = x.len,
                                .flags = x.nocase ? SIG_C_NOCASE : 0};

        push(eb, key, x.rule, &c, x.lo, x.hi);
        if (!eb->oom)
            eb->e[eb->n - 1].merged = merged;
    }
}

/* At the packet hook, a server port's groups take the any-port groups' patterns too, so a
 * packet to a port with rules is scanned once, not once per group (Hyperscan's set-up is
 * ~550 instructions a scan; the packet hooks' groups are small). The port's plain group
 * holds its own and the any-port plain patterns; its bounded group (dsize) those and both
 * bounded groups'. Sorted entries in, sorted entries out; sig_prefilter_resolve then skips
 * the any-port group where the port has one. */
static bool
merge_any_into_ports(struct ebuf *eb)
{
    size_t n0 = eb->n;

    for (size_t i = 0; i < n0; i++) {
        uint64_t k = eb->e[i].key, base = k & ~(uint64_t)1;
        uint64_t any = (base & ~((uint64_t)0xffff << 2)) | ((uint64_t)1 << 18);
        size_t plo, phi, pblo, pbhi, alo, ahi, ablo, abhi;

        if (((k >> 28) & 3) != SW_SIG_HOOK_PACKET || ((k >> 18) & 1) != 0 ||
            (k & KEY_CLIENT) != 0 || (i > 0 && (eb->e[i - 1].key & ~(uint64_t)1) == base))
            continue; /* not the first entry of a server port's key pair */
        key_range(eb, n0, base, &plo, &phi);
        key_range(eb, n0, base | 1, &pblo, &pbhi);
        key_range(eb, n0, any, &alo, &ahi);
        key_range(eb, n0, any | 1, &ablo, &abhi);
        if ((ahi - alo) + (abhi - ablo) > MERGE_MAX)
            continue;
        push_range(eb, alo, ahi, base, true);
        if (pbhi > pblo || abhi > ablo) {
            if (pbhi == pblo) /* (a bounded group holds its plain twin) */
                push_range(eb, plo, phi, base | 1, false);
            if (abhi > ablo)
                push_range(eb, ablo, abhi, base | 1, true);
            else
                push_range(eb, alo, ahi, base | 1, true);
        }
    }
    if (eb->oom)
        return false;
    if (eb->n > n0)
        qsort(eb->e, eb->n, sizeof(*eb->e), entry_cmp);
    return true;
}

/* Groups from the sorted entries (databases compiled later). */
static bool
make_groups(struct sig_prefilter *p, const struct pf_entry *e, size_t n)
{
    size_t i = 0;

    while (i < n) {
        size_t j = i, np = 0, k = 0;
        struct pf_group *g, *ng;

        while (j < n && e[j].key == e[i].key)
            j++;
        for (size_t x = i; x < j; x++)
            if (x == i || !same_pat(&e[x], &e[x - 1]))
                np++;
        ng = sw_realloc(p->g, (p->n_g + 1) * sizeof(*ng));
        if (ng == NULL)
            return false;
        p->g = ng;
        g = &p->g[p->n_g++];
        memset(g, 0, sizeof(*g));
        g->key = e[i].key;
        g->dot = ((e[i].key >> 22) & 1) != 0;
        g->n_pat = (uint32_t)np;
        g->lo = UINT32_MAX;
        g->hi = 0;
        for (size_t x = i; x < j; x++) {
            g->merged |= e[x].merged;
            if ((g->key & 1) != 0 && e[x].hi == UINT32_MAX)
                continue; /* an unbounded neighbour's copy */
            if (e[x].lo < g->lo)
                g->lo = e[x].lo;
            if (e[x].hi > g->hi)
                g->hi = e[x].hi;
        }
        g->off = sw_malloc((np + 1) * sizeof(*g->off));
        g->rules = sw_malloc((j - i) * sizeof(*g->rules));
        if (g->off == NULL || g->rules == NULL)
            return false;
        np = 0;
        for (size_t x = i; x < j; x++) {
            if (x == i || !same_pat(&e[x], &e[x - 1]))
                g->off[np++] = (uint32_t)k;
            if (k == 0 || g->rules[k - 1] != e[x].rule || (x > i && !same_pat(&e[x], &e[x - 1])))
                g->rules[k++] = e[x].rule;
        }
        g->off[np] = (uint32_t)k;
        i = j;
    }
    return true;
}

/* The index of the groups by key (at least twice as many slots as groups). */
static bool
index_groups(struct sig_prefilter *p)
{
    size_t n = 16;

    while (n < 2 * p->n_g)
        n *= 2;
    p->idx = sw_calloc(n, sizeof(*p->idx));
    if (p->idx == NULL)
        return false;
    p->idx_mask = n - 1;
    for (size_t i = 0; i < p->n_g; i++) {
        uint64_t h = key_hash(p->g[i].key) & p->idx_mask;

        while (p->idx[h] != 0)
            h = (h + 1) & p->idx_mask;
        p->idx[h] = (uint32_t)i + 1;
    }
    return true;
}

/* The distinct patterns of group g, in id order: their entries' first index. */
static bool
compile_group(struct pf_group *g, const struct pf_entry *e, size_t first, size_t last, char *msg,
              size_t msglen)
{
    size_t np = g->n_pat, k = 0;
    const char **expr = sw_malloc(np * sizeof(*expr));
    unsigned *flags = sw_malloc(np * sizeof(*flags)), *ids = sw_malloc(np * sizeof(*ids));
    size_t *lens = sw_malloc(np * sizeof(*lens));
    hs_compile_error_t *ce = NULL;
    bool ok = false;

    if (expr == NULL || flags == NULL || ids == NULL || lens == NULL) {
        snprintf(msg, msglen, "out of memory");
        goto out;
    }
    for (size_t x = first; x < last; x++) {
        if (x != first && same_pat(&e[x], &e[x - 1]))
            continue;
        expr[k] = (const char *)e[x].pat;
        lens[k] = e[x].len;
        flags[k] = HS_FLAG_SINGLEMATCH | (e[x].nocase ? HS_FLAG_CASELESS : 0);
        ids[k] = (unsigned)k;
        k++;
    }
    if (hs_compile_lit_multi(expr, flags, ids, lens, (unsigned)np, HS_MODE_BLOCK, NULL, &g->db,
                             &ce) != HS_SUCCESS) {
        snprintf(msg, msglen, "hyperscan: %s", ce != NULL ? ce->message : "compile failed");
        hs_free_compile_error(ce);
        goto out;
    }
    ok = true;
out:
    sw_free(expr);
    sw_free(flags);
    sw_free(ids);
    sw_free(lens);
    return ok;
}

/* --- cache ----------------------------------------------------------------------------------- */

static bool
cache_key(const struct pf_entry *e, size_t n, char out[65])
{
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    unsigned char dig[EVP_MAX_MD_SIZE];
    unsigned int dl = 0;
    hs_platform_info_t plat;
    static const char hex[] = "0123456789abcdef";
    bool ok = md != NULL && EVP_DigestInit_ex(md, EVP_sha256(), NULL) == 1;
    const char *ver = hs_version();

    memset(&plat, 0, sizeof(plat));
    if (hs_populate_platform(&plat) != HS_SUCCESS)
        ok = false;
    ok = ok && EVP_DigestUpdate(md, SIG_PF_CACHE_MAGIC, strlen(SIG_PF_CACHE_MAGIC)) == 1 &&
         EVP_DigestUpdate(md, ver, strlen(ver) + 1) == 1 &&
         EVP_DigestUpdate(md, &plat, sizeof(plat)) == 1;
    /* The same bytes as one update per field, gathered into 16 KiB updates: a call per
     * field (~300 instructions each) was ~15 M instructions of a warm ET Open load. */
    uint8_t buf[16384];
    size_t bl = 0;

    for (size_t i = 0; ok && i < n; i++) {
        if (i > 0 && e[i].key == e[i - 1].key && same_pat(&e[i], &e[i - 1]))
            continue;
        uint8_t nc = e[i].nocase;
        size_t need = sizeof(e[i].key) + sizeof(e[i].len) + 1 + e[i].len;

        if (sizeof(buf) - bl < need) {
            ok = EVP_DigestUpdate(md, buf, bl) == 1;
            bl = 0;
        }
        if (need > sizeof(buf)) { /* a pattern longer than the buffer: as it was */
            ok = ok && EVP_DigestUpdate(md, &e[i].key, sizeof(e[i].key)) == 1 &&
                 EVP_DigestUpdate(md, &e[i].len, sizeof(e[i].len)) == 1 &&
                 EVP_DigestUpdate(md, &nc, 1) == 1 &&
                 EVP_DigestUpdate(md, e[i].pat, e[i].len) == 1;
            continue;
        }
        memcpy(buf + bl, &e[i].key, sizeof(e[i].key));
        bl += sizeof(e[i].key);
        memcpy(buf + bl, &e[i].len, sizeof(e[i].len));
        bl += sizeof(e[i].len);
        buf[bl++] = nc;
        memcpy(buf + bl, e[i].pat, e[i].len);
        bl += e[i].len;
    }
    ok = ok && (bl == 0 || EVP_DigestUpdate(md, buf, bl) == 1);
    ok = ok && EVP_DigestFinal_ex(md, dig, &dl) == 1 && dl == 32;
    EVP_MD_CTX_free(md);
    for (unsigned i = 0; ok && i < 32; i++) {
        out[2 * i] = hex[dig[i] >> 4];
        out[2 * i + 1] = hex[dig[i] & 15];
    }
    out[64] = '\0';
    return ok;
}

/* --- compiling ------------------------------------------------------------------------------ */

#define COMPILERS 2 /* threads compiling databases at load (the loading thread and one more) */

struct compile_job {
    struct sig_prefilter *p;
    const struct pf_entry *e;
    size_t n;
    size_t *first;  /* owned by the caller: each group's first entry */
    unsigned which; /* compiles groups i with i % COMPILERS == which */
    bool ok;
    char msg[256];
};

static void *
compile_part(void *arg)
{
    struct compile_job *j = arg;

    j->ok = true;
    for (size_t i = j->which; i < j->p->n_g && j->ok; i += COMPILERS)
        j->ok =
            compile_group(&j->p->g[i], j->e, j->first[i], j->first[i + 1], j->msg, sizeof(j->msg));
    return NULL;
}

/* Compile every group's database, the groups shared between the loading thread and a
 * helper thread (Hyperscan's compiler is thread-safe; a large ruleset takes seconds). The
 * helper is joined before returning. */
static bool
compile_all(struct sig_prefilter *p, const struct pf_entry *e, size_t n, char *msg, size_t msglen)
{
    size_t *first = sw_malloc((p->n_g + 1) * sizeof(*first)), k = 0;
    struct compile_job jobs[COMPILERS];
    pthread_t th;
    bool started, ok = true;

    if (first == NULL) {
        snprintf(msg, msglen, "out of memory");
        return false;
    }
    for (size_t i = 0; i < p->n_g; i++) {
        first[i] = k;
        while (k < n && e[k].key == p->g[i].key)
            k++;
    }
    first[p->n_g] = k;
    for (unsigned w = 0; w < COMPILERS; w++)
        jobs[w] = (struct compile_job){.p = p, .e = e, .n = n, .first = first, .which = w};
    started = p->n_g > 1 && pthread_create(&th, NULL, compile_part, &jobs[1]) == 0;
    if (started)
        pthread_setname_np(th, "sw-hs-compile");
    compile_part(&jobs[0]);
    if (started)
        pthread_join(th, NULL);
    else
        compile_part(&jobs[1]);
    for (unsigned w = 0; w < COMPILERS && ok; w++) {
        if (!jobs[w].ok) {
            snprintf(msg, msglen, "%s", jobs[w].msg);
            ok = false;
        }
    }
    sw_free(first);
    return ok;
}

/* --- build ----------------------------------------------------------------------------------- */

struct sig_prefilter *
sig_prefilter_build(struct sig_rule *const *rules, size_t n, const char *cache_dir,
                    struct sw_sig_load_stats *st, char *msg, size_t msglen)
{
    struct sig_prefilter *p = sw_calloc(1, sizeof(*p));
    struct ebuf eb = {0};
    bool use_hs = hs_valid_platform() == HS_SUCCESS, refused = false;
    char key[65];

    if (p == NULL)
        goto oom;
    if (!use_hs)
        sw_log_warn("signatures: this CPU cannot run Hyperscan %s (it needs SSSE3): every rule "
                    "is evaluated on every inspection of its kind, without a prefilter",
                    hs_version());
    if (!collect(p, rules, n, use_hs, &eb) || eb.oom)
        goto oom;
    if (eb.n > 1) /* eb.e is NULL without entries: qsort wants a pointer */
        qsort(eb.e, eb.n, sizeof(*eb.e), entry_cmp);
    if (!add_unbounded_to_bounded(&eb) || !merge_any_into_ports(&eb) ||
        !make_groups(p, eb.e, eb.n) || !index_groups(p))
        goto oom;
    for (int b = 0; b < SW_SIG_BUF_MAX; b++)
        for (int dot = 0; dot < 2; dot++)
            sig_prefilter_resolve(p, SW_SIG_HOOK_TX, (enum sw_sig_buf)b, dot != 0, 0, true, 0,
                                  0, &p->tx_sel[key_buf((enum sw_sig_buf)b)][dot]);
    /* the cache file reads and writes the databases as an array (sig_pfcache.c) */
    void **dbs = sw_calloc(p->n_g + 1, sizeof(*dbs)); /* owned, freed below */

    if (dbs == NULL)
        goto oom;
    bool cached = cache_dir != NULL && p->n_g > 0 && cache_key(eb.e, eb.n, key) &&
                  sig_pfcache_load(cache_dir, key, dbs, p->n_g, &refused);

    if (cached) {
        for (size_t i = 0; i < p->n_g; i++)
            p->g[i].db = dbs[i];
    } else {
        if (!compile_all(p, eb.e, eb.n, msg, msglen)) {
            sw_free(dbs);
            sw_free(eb.e);
            sig_prefilter_destroy(p);
            return NULL;
        }
        if (cache_dir != NULL && p->n_g > 0 && !refused && key[0] != '\0') {
            for (size_t i = 0; i < p->n_g; i++)
                dbs[i] = p->g[i].db;
            sig_pfcache_save(cache_dir, key, dbs, p->n_g);
        }
    }
    sw_free(dbs);
    st->databases = p->n_g;
    st->databases_cached = cached ? p->n_g : 0;
    for (int h = 0; h < HOOKS; h++)
        for (int pc = 0; pc < SIG_PC_MAX; pc++)
            for (int syn = 0; syn < 2; syn++)
                st->always_run += p->n_always[h][pc][syn] + p->n_always_port[h][pc][syn];
    for (int pc = 0; pc < SIG_PC_MAX; pc++)
        st->iponly += p->n_iponly[pc];
    sw_free(eb.e);
    return p;
oom:
    sw_free(eb.e);
    sig_prefilter_destroy(p);
    snprintf(msg, msglen, "out of memory building the prefilter");
    return NULL;
}

void
sig_prefilter_destroy(struct sig_prefilter *p)
{
    if (p == NULL)
        return;
    for (size_t i = 0; i < p->n_g; i++) {
        hs_free_database(p->g[i].db);
        sw_free(p->g[i].off);
        sw_free(p->g[i].rules);
    }
    sw_free(p->g);
    sw_free(p->idx);
    for (int h = 0; h < HOOKS; h++)
        for (int pc = 0; pc < SIG_PC_MAX; pc++)
            for (int syn = 0; syn < 2; syn++)
                sw_free(p->always[h][pc][syn]);
    for (int pc = 0; pc < SIG_PC_MAX; pc++)
        sw_free(p->iponly[pc]);
    for (int h = 0; h < HOOKS; h++)
        for (int pc = 0; pc < SIG_PC_MAX; pc++)
            for (int syn = 0; syn < 2; syn++) {
                sw_free(p->always_port[h][pc][syn]);
                sw_free(p->always_port_bits[h][pc][syn]);
            }
    sw_free(p);
}

void *
sig_prefilter_scratch(const struct sig_prefilter *p, char *msg, size_t msglen)
{
    hs_scratch_t *s = NULL;

    if (p == NULL)
        return NULL;
    for (size_t i = 0; i < p->n_g; i++) {
        if (hs_alloc_scratch(p->g[i].db, &s) != HS_SUCCESS) {
            snprintf(msg, msglen, "hyperscan: cannot allocate scratch");
            hs_free_scratch(s);
            return NULL;
        }
    }
    return s; /* NULL without databases: nothing to scan */
}

void
sig_prefilter_scratch_free(void *s)
{
    if (s != NULL)
        hs_free_scratch(s);
}
