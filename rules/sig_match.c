/* sig_match.c - matching: candidates from the prefilter and the always-run lists, then each
 * candidate evaluated in full (header, flow, packet fields, nDPI, flowbits, every buffer
 * list: sig_list.c), then its actions (flowbits), thresholds and the alert.
 *
 * A thread owns its struct sw_sig_thread (made and freed by sig_thread.c); flow state belongs
 * to the flow's worker. The set is read-only. */
#include "sig_match_int.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "sw/alloc.h"

/* The flow's state (created on first use). NULL without a slot or memory. */
static struct sig_flowstate *
flow_state(const struct sw_sig_set *s, void **slot)
{
    struct sig_flowstate *fs;

    if (slot == NULL)
        return NULL;
    fs = *slot;
    if (fs != NULL)
        return fs;
    fs = sw_calloc(1, sizeof(*fs));
    if (fs == NULL)
        return NULL;
    fs->words = (s->n_fb + 63) / 64;
    if (fs->words > 0) {
        fs->bits = sw_calloc(fs->words, sizeof(uint64_t));
        if (fs->bits == NULL)
            fs->words = 0;
    }
    *slot = fs;
    return fs;
}

/* --- rule evaluation ------------------------------------------------------------------------- */

static bool
proto_ok(const struct sig_rule *r, const struct sw_sig_input *in)
{
    switch (r->proto) {
    case SIG_P_IP:
        return true;
    case SIG_P_TCP:
        return in->proto == 6;
    case SIG_P_UDP:
        return in->proto == 17;
    case SIG_P_ICMP:
        return in->proto == 1 || in->proto == 58;
    case SIG_P_APP: {
        const char *a = in->app_proto != NULL ? in->app_proto : "";

        if (r->app_l4 != 0 && in->proto != r->app_l4)
            return false;
        if (r->app_l4 == 0 && in->proto != 6 && in->proto != 17)
            return false;
        if (a[0] == r->app_proto[0] && strcmp(a, r->app_proto) == 0)
            return true;
        if (r->app_proto[0] != 'h' && r->app_proto[0] != 'i')
            return false; /* (a call or five less for most candidates) */
        /* "http" is HTTP/1 and HTTP/2 as in Suricata 7+; ike and ikev2 are one */
        if (strcmp(r->app_proto, "http") == 0)
            return strcmp(a, "http1") == 0 || strcmp(a, "http2") == 0;
        if (strcmp(r->app_proto, "http1") == 0)
            return strcmp(a, "http") == 0;
        if (strcmp(r->app_proto, "ike") == 0 || strcmp(r->app_proto, "ikev2") == 0)
            return strcmp(a, "ike") == 0 || strcmp(a, "ikev2") == 0;
        return false;
    }
    }
    return false;
}

/* Is address a in set? The header check asked it of every candidate of every packet: 17 M
 * instructions a corpus copy with ET Open, a binary search over 128-bit ranges each, for
 * the same rules and the same hosts again and again (a flow's packets, a host's flows).
 * The thread remembers the last verdict per (set, address) in a direct-mapped table: a hit
 * is a hash and a compare. The sets are the set's, which outlives the thread. */
static __attribute__((noinline)) bool
addr_miss(struct addr_memo *e, const struct sig_addrset *set, uint8_t ipv, const uint8_t *a,
          const uint64_t key[2])
{
    e->set = set;
    e->ipv = ipv;
    e->a[0] = key[0];
    e->a[1] = key[1];
    e->in = sig_addr_match(set, ipv, a);
    return e->in;
}

static inline bool
addr_in(struct sw_sig_thread *t, const struct sig_addrset *set, uint8_t ipv, const uint8_t *a)
{
    uint64_t key[2] = {0, 0}, k;
    uint32_t v4;
    struct addr_memo *e;

    if (set->any)
        return true;
    if (ipv == 4) {
        memcpy(&v4, a, 4);
        key[0] = v4;
    } else {
        memcpy(key, a, 16);
    }
    k = ((uint64_t)(uintptr_t)set ^ key[0] ^ (key[1] * 0xc2b2ae3d27d4eb4full)) *
        0x9e3779b97f4a7c15ull;
    e = &t->memo[k >> (64 - ADDR_MEMO_BITS)];
    if (e->set == set && e->a[0] == key[0] && e->a[1] == key[1] && e->ipv == ipv)
        return e->in;
    return addr_miss(e, set, ipv, a, key);
}

/* sig_port_match without the call for "any" (most source ports): 408,000 calls a copy. */
static inline bool
port_in(const struct sig_portset *set, uint16_t port)
{
    return set->any || sig_port_match(set, port);
}

static bool
tuple_ok(struct sw_sig_thread *t, const struct sig_rule *r, uint8_t ipv, const uint8_t *src,
         const uint8_t *dst, uint16_t sp, uint16_t dp, bool ports)
{
    if (!ports && (!r->sp.any || !r->dp.any))
        return false; /* a rule with ports sees only packets that have them */
    /* ports first: a compare or two, where an address set is a binary search over 128-bit
     * ranges */
    if ((!ports || (port_in(&r->sp, sp) && port_in(&r->dp, dp))) &&
        addr_in(t, &r->src, ipv, src) && addr_in(t, &r->dst, ipv, dst))
        return true;
    return r->bidir && (!ports || (port_in(&r->sp, dp) && port_in(&r->dp, sp))) &&
           addr_in(t, &r->src, ipv, dst) && addr_in(t, &r->dst, ipv, src);
}

static bool
fb_isset(const struct sig_flowstate *fs, uint32_t id)
{
    return fs != NULL && id / 64 < fs->words && (fs->bits[id / 64] >> (id % 64)) & 1;
}

static void
fb_write(struct sig_flowstate *fs, uint32_t id, int how)
{
    uint64_t bit = UINT64_C(1) << (id % 64);

    if (fs == NULL || id / 64 >= fs->words)
        return;
    if (how == 0)
        fs->bits[id / 64] |= bit;
    else if (how == 1)
        fs->bits[id / 64] &= ~bit;
    else
        fs->bits[id / 64] ^= bit;
}

static bool
ndpi_ok(const struct sig_rule *r, const struct sw_sig_input *in)
{
    if (r->n_ndpi_proto == 0 && !r->has_ndpi_risk)
        return true;
    if (!in->ndpi_done || in->ndpi == NULL)
        return false;
    for (size_t i = 0; i < r->n_ndpi_proto; i++) {
        const struct sig_ndpi_proto *p = &r->ndpi_proto[i];
        uint16_t m = in->ndpi->master_id, a = in->ndpi->app_id;
        bool hit = (p->master != 0 && (p->master == m || p->master == a)) ||
                   (p->app != 0 && (p->app == m || p->app == a));

        if (hit == p->negated)
            return false;
    }
    if (r->has_ndpi_risk) {
        bool all = (in->ndpi_risks & r->ndpi_risk) == r->ndpi_risk;

        if (all == r->ndpi_risk_negated)
            return false;
    }
    return true;
}

static void win_fill(struct sw_sig_thread *t, size_t from);

/* The bytes of list l's buffer for this inspection on side (TX); false when absent. src and
 * dst are the addresses as the rule sees them (ip.src, ip.dst). */
static bool
buffer_of(struct sw_sig_thread *t, const struct sw_sig_input *in, const struct sig_list *l,
          int side, const uint8_t *src, const uint8_t *dst, const uint8_t **buf, size_t *len)
{
    const uint8_t *d;
    size_t n;

    if (sig_buf_is_ip(l->buf)) {
        d = l->buf == SW_SIG_BUF_IP_SRC ? src : dst;
        n = in->ip_version == 4 ? 4 : 16;
        if (d == NULL || (in->ip_version != 4 && in->ip_version != 6))
            return false;
    } else if (l->buf == SW_SIG_BUF_PAYLOAD) {
        if (in->hook == SW_SIG_HOOK_TX)
            return false;
        win_fill(t, 0);
        d = t->pay;
        n = t->pay_len;
    } else {
        if (in->hook != SW_SIG_HOOK_TX || !in->buf[side][l->buf].present)
            return false;
        d = in->buf[side][l->buf].data;
        n = in->buf[side][l->buf].len;
    }
    if (d == NULL)
        d = (const uint8_t *)"";
    if (l->dotprefix) {
        if (n + 1 > t->dot_cap) {
            uint8_t *nd = sw_realloc(t->dot, n + 1);

            if (nd == NULL)
                return false;
            t->dot = nd;
            t->dot_cap = n + 1;
        }
        t->dot[0] = '.';
        memcpy(t->dot + 1, d, n);
        d = t->dot;
        n++;
    }
    *buf = d;
    *len = n;
    return true;
}

/* Suricata's SIG_MASK_REQUIRE_PAYLOAD (detect-engine-build.c, SignatureCreateMask): r has
 * a payload keyword, or a dsize that needs a payload (>, >=, !=, a range, = N > 0). */
static bool
needs_payload(const struct sig_rule *r)
{
    for (size_t i = 0; i < r->n_lists; i++)
        if (r->lists[i].buf == SW_SIG_BUF_PAYLOAD && r->lists[i].n > 0)
            return true;
    return r->has_dsize && (r->dsize.op == SIG_GT || r->dsize.op == SIG_GE ||
                            r->dsize.op == SIG_NE || r->dsize.op == SIG_RANGE ||
                            (r->dsize.op == SIG_EQ && r->dsize.a > 0));
}

/* Everything but actions: does r match this inspection? */
static bool
rule_matches(struct sw_sig_thread *t, const struct sig_rule *r, const struct sw_sig_input *in,
             struct sig_flowstate *fs, bool pd_packet, bool pd_ndpi)
{
    bool to_server = in->to_server;
    const uint8_t *src = in->src, *dst = in->dst;
    uint16_t sp = in->sport, dp = in->dport;

    if (!proto_ok(r, in))
        return false;
    if (in->no_payload && needs_payload(r))
        return false;
    if (in->hook == SW_SIG_HOOK_TX && r->to_client_bufs) {
        /* TX inputs give the client as src: a response rule sees the server's side */
        to_server = false;
        src = in->dst;
        dst = in->src;
        sp = in->dport;
        dp = in->sport;
    }
    if (!tuple_ok(t, r, in->ip_version, src, dst, sp, dp,
                  in->proto == 6 || in->proto == 17 || in->proto == 132))
        return false;
    if (r->flow != 0) {
        if ((r->flow & SIG_FLOW_TO_SERVER) && !to_server)
            return false;
        if ((r->flow & SIG_FLOW_TO_CLIENT) && to_server)
            return false;
        if ((r->flow & SIG_FLOW_ESTABLISHED) && !in->established)
            return false;
        if ((r->flow & SIG_FLOW_NOT_ESTABLISHED) && in->established)
            return false;
        if ((r->flow & SIG_FLOW_ONLY_STREAM) && in->hook == SW_SIG_HOOK_PACKET)
            return false;
        if ((r->flow & SIG_FLOW_NO_STREAM) && in->hook == SW_SIG_HOOK_STREAM)
            return false;
    }
    if (r->has_dsize || r->has_ttl || r->has_itype || r->has_icode || r->has_flags) {
        if (!in->has_packet)
            return false;
        if (r->has_dsize && !sig_u64cmp_match(&r->dsize, in->payload_len))
            return false;
        if (r->has_ttl && !sig_u64cmp_match(&r->ttl, in->ttl))
            return false;
        if (r->has_itype && (!(in->proto == 1 || in->proto == 58) ||
                             !sig_u64cmp_match(&r->itype, in->icmp_type)))
            return false;
        if (r->has_icode && (!(in->proto == 1 || in->proto == 58) ||
                             !sig_u64cmp_match(&r->icode, in->icmp_code)))
            return false;
        if (r->has_flags) {
            uint8_t f = in->tcp_flags & r->flags_mask;

            if (in->proto != 6)
                return false;
            switch (r->flags_mod) {
            case '+':
                if ((f & r->flags_want) != r->flags_want)
                    return false;
                break;
            case '*':
                if ((f & r->flags_want) == 0)
                    return false;
                break;
            case '!':
                if ((f & r->flags_want) == r->flags_want)
                    return false;
                break;
            default:
                if (f != r->flags_want)
                    return false;
                break;
            }
        }
    }
    if (r->proto == SIG_P_APP && r->n_lists == 0 && in->hook == SW_SIG_HOOK_PACKET &&
        !((r->n_ndpi_proto > 0 || r->has_ndpi_risk) ? pd_ndpi : pd_packet))
        return false; /* protocol-only rules match where the protocol became known; those with
                       * nDPI keywords where nDPI is done too (a TLS flow is named at its
                       * ClientHello, its certificate's risks come later) */
    if (!ndpi_ok(r, in))
        return false;
    for (size_t i = 0; i < r->n_fb; i++) {
        const struct sig_flowbit *b = &r->fb[i];
        bool any = false;

        if (b->cmd != SIG_FB_ISSET && b->cmd != SIG_FB_ISNOTSET)
            continue;
        for (size_t k = 0; k < b->n && !any; k++)
            any = fb_isset(fs, b->ids[k]) == (b->cmd == SIG_FB_ISSET);
        if (!any)
            return false;
    }
    if (r->n_lists > 0) {
        struct sig_mctx m;

        memset(&m, 0, sizeof(m));
        m.t = t;
        for (size_t i = 0; i < r->n_lists; i++) {
            const struct sig_list *l = &r->lists[i];
            bool ok = false;

            for (int side = l->side == 1 ? 1 : 0; side <= (l->side == 0 ? 0 : 1) && !ok;
                 side++) {
                if (!buffer_of(t, in, l, side, src, dst, &m.buf, &m.len))
                    continue;
                m.anchor = l->buf == SW_SIG_BUF_PAYLOAD ? t->anchor : 0;
                m.min_end = l->buf == SW_SIG_BUF_PAYLOAD ? t->min_end : 0;
                ok = sig_list_match(&m, l);
            }
            if (!ok)
                return false;
        }
    }
    return true;
}

/* --- inspection ------------------------------------------------------------------------------ */

static void
add_cand(void *ctx, uint32_t idx)
{
    struct sw_sig_thread *t = ctx;

    if ((t->mark[idx / 64] >> (idx % 64)) & 1)
        return;
    t->mark[idx / 64] |= UINT64_C(1) << (idx % 64);
    t->cand[t->n_cand++] = idx;
}

static bool
tx_alerted(struct sig_flowstate *fs, const struct sw_sig_input *in, uint32_t idx, bool record)
{
    if (fs == NULL)
        return false;
    if (!fs->has_tx || fs->tx_id != in->tx_id) {
        fs->has_tx = true;
        fs->tx_id = in->tx_id;
        fs->n_tx_alerted = 0;
    }
    for (unsigned i = 0; i < fs->n_tx_alerted; i++)
        if (fs->tx_alerted[i] == idx)
            return true;
    if (record && fs->n_tx_alerted < TX_MEMORY)
        fs->tx_alerted[fs->n_tx_alerted++] = idx;
    return false;
}

static bool
has_dot(const struct sw_sig_thread *t, int hook, enum sw_sig_buf b)
{
    return (t->dot_bufs[hook] >> b) & 1;
}

/* The flow direction's groups for its payload at hook (packet or stream), resolved on first
 * use; NULL without flow state (the prefilter then resolves them per scan). */
static const struct sig_pf_sel *
flow_sel(const struct sw_sig_thread *t, const struct sw_sig_input *in, int hook, int pc,
         struct sig_flowstate *fs)
{
    int d = in->to_server ? 0 : 1, h = hook == SW_SIG_HOOK_STREAM;

    if (fs == NULL)
        return NULL;
    struct sig_flowsel *e = &fs->sel[d][h];

    if (e->ok && e->sport == in->sport && e->dport == in->dport && e->pc == pc)
        return &e->s;
    sig_prefilter_resolve(t->s->pf, hook, SW_SIG_BUF_PAYLOAD, false, pc, in->to_server,
                          in->sport, in->dport, &e->s);
    e->ok = true;
    e->sport = in->sport;
    e->dport = in->dport;
    e->pc = (uint8_t)pc;
    return &e->s;
}

/* Scan data of buffer b at hook (with the groups sel when resolved), and its dotted copy
 * where some rule wants one. */
static void
scan(struct sw_sig_thread *t, const struct sw_sig_input *in, int hook, enum sw_sig_buf b,
     int pc, const struct sig_pf_sel *sel, const uint8_t *data, size_t len)
{
    const struct sig_prefilter *pf = t->s->pf;

    if (sel != NULL)
        t->c.prefilter_scans +=
            sig_prefilter_scan_sel(pf, t->scratch, sel, data, len, add_cand, t);
    else
        t->c.prefilter_scans += sig_prefilter_scan(pf, t->scratch, hook, b, false, pc,
                                                   in->to_server, in->sport, in->dport, data,
                                                   len, add_cand, t);
    if (!has_dot(t, hook, b))
        return;
    if (len + 1 > t->dot_cap) {
        uint8_t *nd = sw_realloc(t->dot, len + 1);

        if (nd == NULL)
            return;
        t->dot = nd;
        t->dot_cap = len + 1;
    }
    t->dot[0] = '.';
    if (len > 0)
        memcpy(t->dot + 1, data, len);
    t->c.prefilter_scans += sig_prefilter_scan(pf, t->scratch, hook, b, true, pc, in->to_server,
                                               in->sport, in->dport, t->dot, len + 1, add_cand,
                                               t);
}

/* The stream direction's tail, made on first use (NULL: no flow state or memory). */
static struct sig_tail *
tail_get(struct sig_flowstate *fs, bool to_server)
{
    int d = to_server ? 0 : 1;

    if (fs == NULL)
        return NULL;
    if (fs->tail[d] == NULL) {
        /* b[] is left as it comes: only b[0, len) is ever read (window, keep_tail), and
         * zeroing its 2 KiB per flow direction cost 7.7 M instructions per corpus copy */
        struct sig_tail *tl = sw_malloc(sizeof(*tl));

        if (tl == NULL)
            return NULL;
        tl->head = tl->len = 0;
        tl->end = 0;
        tl->carry = NULL;
        tl->n_carry = tl->cap_carry = 0;
        tl->carry_ok = false;
        fs->tail[d] = tl;
    }
    return fs->tail[d];
}

/* Remember rules hits[0, n) found by a scan ending at stream offset end. */
static void
carry_add(struct sig_tail *tl, const uint32_t *hits, size_t n, uint64_t end)
{
    if (tl->n_carry + n > CARRY_MAX) {
        tl->carry_ok = false;
        return;
    }
    if (tl->n_carry + n > tl->cap_carry) {
        uint32_t nc = tl->n_carry + (uint32_t)n < 16 ? 16 : tl->n_carry + (uint32_t)n;
        struct sig_carry *c = sw_realloc(tl->carry, nc * sizeof(*c));

        if (c == NULL) {
            tl->carry_ok = false;
            return;
        }
        tl->carry = c;
        tl->cap_carry = nc;
    }
    for (size_t i = 0; i < n; i++)
        tl->carry[tl->n_carry++] = (struct sig_carry){.rule = hits[i], .end = end};
}

/* The payload scan of a stream chunk: the new bytes and the longest pattern's length before
 * them when the tail's rules are known, else the whole window; then what the next chunk
 * carries. Returns false when it did nothing (the caller scans the window as before). */
static bool
stream_scan(struct sw_sig_thread *t, const struct sw_sig_input *in, int pc,
            struct sig_flowstate *fs)
{
    struct sig_tail *tl;
    size_t back = sig_prefilter_max_len() - 1, from = 0, n0 = t->n_cand, n1, keep;
    uint64_t end = in->stream_off + in->payload_len;
    bool joined = t->win_tl != NULL && t->anchor > 0;

    if (in->payload_len == 0 || has_dot(t, SW_SIG_HOOK_STREAM, SW_SIG_BUF_PAYLOAD))
        return false;
    tl = tail_get(fs, in->to_server);
    if (tl == NULL)
        return false;
    if (joined && tl->carry_ok && t->anchor > back)
        from = t->anchor - back;
    win_fill(t, from);
    scan(t, in, SW_SIG_HOOK_STREAM, SW_SIG_BUF_PAYLOAD, pc,
         flow_sel(t, in, SW_SIG_HOOK_STREAM, pc, fs), t->pay + from, t->pay_len - from);
    n1 = t->n_cand; /* t->cand[n0, n1): the rules this scan found, each once */
    if (from > 0) {
        for (uint32_t i = 0; i < tl->n_carry; i++)
            add_cand(t, tl->carry[i].rule);
    } else {
        tl->n_carry = 0; /* the window was scanned whole: its hits are all there is */
        tl->carry_ok = true;
    }
    /* keep what is still inside the bytes the next chunk sees before it (keep_tail) */
    keep = t->pay_len < SW_SIG_STREAM_KEEP ? t->pay_len : SW_SIG_STREAM_KEEP;
    uint32_t k = 0;

    for (uint32_t i = 0; i < tl->n_carry; i++)
        if (tl->carry[i].end > end - keep)
            tl->carry[k++] = tl->carry[i];
    tl->n_carry = k;
    if (tl->carry_ok)
        carry_add(tl, t->cand + n0, n1 - n0, end);
    return true;
}

static bool
is_body(int b)
{
    return b == SW_SIG_BUF_HTTP_REQUEST_BODY || b == SW_SIG_BUF_HTTP_RESPONSE_BODY ||
           b == SW_SIG_BUF_FILE_DATA;
}

static void
gather(struct sw_sig_thread *t, const struct sw_sig_input *in, int pc, struct sig_flowstate *fs)
{
    const struct sig_prefilter *pf = t->s->pf;
    size_t na;
    const uint32_t *al;
    int hooks[2], nh = 0;

    if (in->hook == SW_SIG_HOOK_PACKET) {
        hooks[nh++] = SW_SIG_HOOK_PACKET;
        /* a packet whose bytes no stream inspects: stream rules look at the packet */
        if (in->proto != 6 || !in->pkt_stream)
            hooks[nh++] = SW_SIG_HOOK_STREAM;
    } else {
        hooks[nh++] = (int)in->hook;
    }
    for (int h = 0; h < nh; h++) {
        if (hooks[h] == SW_SIG_HOOK_TX) {
            const struct sw_sig_bufview *body[6];
            int nb = 0;

            for (int side = 0; side < 2; side++) {
                for (int b = 1; b < SW_SIG_BUF_MAX; b++) {
                    const struct sw_sig_bufview *v = &in->buf[side][b];
                    bool seen = false;

                    if (!v->present)
                        continue;
                    if (is_body(b)) {
                        /* the bodies and file.data share their groups (sig_prefilter.c):
                         * the same bytes under another name are scanned once */
                        for (int k = 0; k < nb && !seen; k++)
                            seen = body[k]->data == v->data && body[k]->len == v->len;
                        if (seen)
                            continue;
                        body[nb++] = v;
                    }
                    scan(t, in, SW_SIG_HOOK_TX, (enum sw_sig_buf)b, pc, NULL, v->data,
                         v->len);
                }
            }
        } else if (t->pay_len > 0 && !in->no_payload && !(h > 0 && pc != SIG_PC_TCP)) {
            /* (UDP's and others' stream rules are in the packet hook's databases: see
             * sig_prefilter.c's collect) */
            if (in->hook != SW_SIG_HOOK_STREAM || !stream_scan(t, in, pc, fs)) {
                win_fill(t, 0);
                scan(t, in, hooks[h], SW_SIG_BUF_PAYLOAD, pc, flow_sel(t, in, hooks[h], pc, fs),
                     t->pay, t->pay_len);
            }
        }
        /* the rules whose flags keyword requires SYN only for a packet with SYN: their
         * flags are matched against in->tcp_flags, so without its SYN bit none can match */
        for (int syn = 0; syn <= ((in->tcp_flags & 0x02) != 0); syn++) {
            const uint64_t *bits = t->always_port_bits[hooks[h]][pc][syn];

            al = t->always[hooks[h]][pc][syn];
            na = t->n_always[hooks[h]][pc][syn];
            t->c.always_run += na;
            for (size_t i = 0; i < na; i++)
                add_cand(t, al[i]);
            if (hooks[h] != SW_SIG_HOOK_TX && bits != NULL &&
                ((bits[in->dport / 64] >> (in->dport % 64)) & 1) != 0)
                sig_prefilter_always_port(pf, hooks[h], pc, syn, in->dport, add_cand, t);
        }
    }
    /* IP-only rules: the first packet of each direction of a flow, as Suricata */
    if (in->hook == SW_SIG_HOOK_PACKET) {
        uint8_t bit = in->to_server ? 1 : 2;

        if (fs != NULL && (fs->iponly_done & bit) != 0)
            return;
        if (fs != NULL)
            fs->iponly_done |= bit;
        sig_ipidx_lookup(t->s->ipidx, in->ip_version, in->src, in->dst, add_cand, t);
    }
}

/* The payload as matched: a packet's as it is; stream bytes after the kept tail of the
 * chunks before (when they join up), matches required to end in the new bytes. A joined
 * window is only sized here: win_fill copies what is read. */
static void
window(struct sw_sig_thread *t, const struct sw_sig_input *in, struct sig_flowstate *fs)
{
    struct sig_tail *tl = fs != NULL ? fs->tail[in->to_server ? 0 : 1] : NULL;
    size_t total;

    t->pay = in->payload;
    t->pay_len = in->payload_len;
    t->anchor = 0;
    t->min_end = 0;
    t->win_tl = NULL;
    if (in->hook != SW_SIG_HOOK_STREAM || tl == NULL || tl->len == 0 ||
        tl->end != in->stream_off)
        return;
    total = tl->len + in->payload_len;
    if (total > t->win_cap) {
        uint8_t *nw = sw_realloc(t->win, total);

        if (nw == NULL)
            return; /* the chunk alone: a match across chunks is missed */
        t->win = nw;
        t->win_cap = total;
    }
    t->win_tl = tl;
    t->win_new = in->payload;
    t->win_from = total;
    t->pay = t->win;
    t->pay_len = total;
    t->anchor = tl->len;
    t->min_end = tl->len;
}

/* Make the window's bytes from index from on readable in t->pay (see window). */
static void
win_fill(struct sw_sig_thread *t, size_t from)
{
    const struct sig_tail *tl = t->win_tl;

    if (tl == NULL || from >= t->win_from)
        return;
    if (t->win_from > t->anchor) {
        if (t->pay_len > t->anchor)
            memcpy(t->win + t->anchor, t->win_new, t->pay_len - t->anchor);
        t->win_from = t->anchor;
    }
    if (from < t->win_from) {
        /* tail bytes [from, win_from): the ring's, in at most two pieces */
        size_t n = t->win_from - from, p = (tl->head + from) % SW_SIG_STREAM_KEEP;
        size_t n1 = n < SW_SIG_STREAM_KEEP - p ? n : SW_SIG_STREAM_KEEP - p;

        memcpy(t->win + from, tl->b + p, n1);
        if (n > n1)
            memcpy(t->win + from + n1, tl->b, n - n1);
        t->win_from = from;
    }
}

/* Append data[0, n) to the ring, keeping its last SW_SIG_STREAM_KEEP bytes. */
static void
tail_append(struct sig_tail *tl, const uint8_t *data, size_t n)
{
    if (n >= SW_SIG_STREAM_KEEP) {
        memcpy(tl->b, data + n - SW_SIG_STREAM_KEEP, SW_SIG_STREAM_KEEP);
        tl->head = 0;
        tl->len = SW_SIG_STREAM_KEEP;
        return;
    }
    size_t p = (tl->head + tl->len) % SW_SIG_STREAM_KEEP;
    size_t n1 = n < SW_SIG_STREAM_KEEP - p ? n : SW_SIG_STREAM_KEEP - p;

    memcpy(tl->b + p, data, n1);
    if (n > n1)
        memcpy(tl->b, data + n1, n - n1);
    tl->len += n;
    if (tl->len > SW_SIG_STREAM_KEEP) { /* the oldest bytes were overwritten */
        tl->head = (tl->head + tl->len - SW_SIG_STREAM_KEEP) % SW_SIG_STREAM_KEEP;
        tl->len = SW_SIG_STREAM_KEEP;
    }
}

/* Keep the last bytes of this stream direction's window for the next chunk: the tail's
 * and the chunk's when they joined, else the chunk's alone. */
static void
keep_tail(const struct sw_sig_thread *t, const struct sw_sig_input *in, struct sig_flowstate *fs)
{
    int d = in->to_server ? 0 : 1;
    struct sig_tail *tl;

    if (fs == NULL || in->payload_len == 0)
        return;
    tl = tail_get(fs, d == 0);
    if (tl == NULL)
        return;
    if (t->win_tl != tl)
        tl->head = tl->len = 0;
    tail_append(tl, in->payload, in->payload_len);
    tl->end = in->stream_off + in->payload_len;
}

unsigned
sw_sig_inspect(struct sw_sig_thread *t, const struct sw_sig_input *in, sw_sig_alert_fn fn,
               void *ctx)
{
    const struct sw_sig_set *s = t->s;
    struct sig_flowstate *fs = flow_state(s, in->flow_state);
    int pc = sig_proto_class(in->proto);
    bool pd_packet = false, pd_ndpi = false;
    unsigned alerts = 0;

    t->c.inspections++;
    if (s->n == 0 || (fs != NULL && fs->passed))
        return 0;
    if (in->hook == SW_SIG_HOOK_PACKET && in->app_proto != NULL && in->app_proto[0] != '\0' &&
        fs != NULL) {
        uint8_t bit = in->to_server ? 1 : 2;

        pd_packet = (fs->pd_done & bit) == 0;
        fs->pd_done |= bit;
        if (in->ndpi_done) {
            pd_ndpi = (fs->pd_ndpi_done & bit) == 0;
            fs->pd_ndpi_done |= bit;
        }
    }
    window(t, in, fs);
    t->n_cand = 0;
    gather(t, in, pc, fs);
    t->c.candidates += t->n_cand;
    /* evaluation order is rule order: a few candidates are sorted, many (IP-only and
     * always-run lists) are read back from the mark bits, cheaper than sorting them */
    if (t->n_cand <= 64) {
        /* insertion sort: most inspections have a handful of candidates, where qsort's
         * set-up (glibc's merge sort, a call per comparison) cost more than the sort */
        for (size_t ci = 1; ci < t->n_cand; ci++) {
            uint32_t v = t->cand[ci];
            size_t k = ci;

            for (; k > 0 && t->cand[k - 1] > v; k--)
                t->cand[k] = t->cand[k - 1];
            t->cand[k] = v;
        }
        for (size_t ci = 0; ci < t->n_cand; ci++)
            t->mark[t->cand[ci] / 64] = 0;
    } else {
        size_t k = 0;

        for (size_t w = 0; w <= s->n / 64 && k < t->n_cand; w++) {
            uint64_t x = t->mark[w];

            while (x != 0) {
                t->cand[k++] = (uint32_t)(w * 64 + (size_t)__builtin_ctzll(x));
                x &= x - 1;
            }
            t->mark[w] = 0;
        }
    }
    for (size_t ci = 0; ci < t->n_cand; ci++) {
        uint32_t idx = t->cand[ci];
        const struct sig_rule *r = s->rules[idx];
        struct timespec t0, t1;
        bool hit;

        if (fs != NULL && fs->passed)
            continue;
        if (in->hook == SW_SIG_HOOK_TX && tx_alerted(fs, in, idx, false))
            continue;
        t->c.evaluations++;
        if (t->prof != NULL)
            clock_gettime(CLOCK_MONOTONIC, &t0);
        hit = rule_matches(t, r, in, fs, pd_packet, pd_ndpi);
        if (t->prof != NULL) {
            clock_gettime(CLOCK_MONOTONIC, &t1);
            t->prof[idx].checks++;
            t->prof[idx].matches += hit;
            t->prof[idx].ns += (uint64_t)((t1.tv_sec - t0.tv_sec) * 1000000000LL +
                                          (t1.tv_nsec - t0.tv_nsec));
        }
        if (!hit)
            continue;
        for (size_t i = 0; i < r->n_fb; i++) {
            const struct sig_flowbit *b = &r->fb[i];

            if (b->cmd == SIG_FB_SET)
                fb_write(fs, b->ids[0], 0);
            else if (b->cmd == SIG_FB_UNSET)
                fb_write(fs, b->ids[0], 1);
            else if (b->cmd == SIG_FB_TOGGLE)
                fb_write(fs, b->ids[0], 2);
        }
        if (in->hook == SW_SIG_HOOK_TX)
            (void)tx_alerted(fs, in, idx, true);
        if (r->action == SIG_ACT_PASS) {
            if (fs != NULL)
                fs->passed = true;
            break; /* the rest of this inspection is passed too */
        }
        if (r->noalert)
            continue;
        const uint8_t *asrc = in->src, *adst = in->dst;

        if (in->hook == SW_SIG_HOOK_TX && r->to_client_bufs) {
            asrc = in->dst;
            adst = in->src;
        }
        if (r->has_threshold && !sig_th_allow(t->th, r, &r->threshold, asrc, adst, in->ts_us)) {
            t->c.threshold_suppressed++;
            continue;
        }
        if (r->has_detection_filter &&
            !sig_th_allow(t->th, r, &r->detection_filter, asrc, adst, in->ts_us)) {
            t->c.threshold_suppressed++;
            continue;
        }
        struct sw_sig_alert a = {
            .gid = r->gid,
            .sid = r->sid,
            .rev = r->rev,
            .priority = r->priority,
            .to_client = in->hook == SW_SIG_HOOK_TX ? r->to_client_bufs : !in->to_server,
            .msg = r->msg != NULL ? r->msg : "",
            .category = r->category != NULL ? r->category : "",
            .classtype = r->classtype != NULL ? r->classtype : "",
            .meta_keys = (const char *const *)r->meta_k,
            .meta_values = (const char *const *)r->meta_v,
            .n_meta = r->n_meta,
            .target = r->target,
            .tx_id = in->tx_id,
            .has_tx = in->hook == SW_SIG_HOOK_TX,
        };

        alerts++;
        t->c.alerts++;
        fn(ctx, &a);
    }
    if (in->hook == SW_SIG_HOOK_STREAM)
        keep_tail(t, in, fs);
    return alerts;
}
