/* sig_vars.c - addresses and ports of rule headers, and the address and port groups of the
 * configuration (vars.address_groups.NAME, vars.port_groups.NAME).
 *
 * Grammar (Suricata's): "any"; an address, CIDR (a.b.c.d/N or /a.b.c.d), or range "a-b"; a port,
 * range "lo:hi", "lo:" or ":hi"; "$NAME"; "!X" (the complement of X); "[X, Y, ...]" (the union
 * of the items without '!', minus the union of those with it; everything when all have it).
 * Lists nest and variables refer to other variables, up to SIG_MAX_ADDR_DEPTH levels (so a
 * loop is an error, not a hang). HOME_NET is network.home_net unless vars.address_groups sets
 * it. Sets are kept as sorted disjoint ranges (IPv4 mapped into ::ffff:0:0/96). Loading thread
 * only; the sets are immutable afterwards. */
#include "sig_int.h"
#include "sig_text.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "sw/alloc.h"

/* Address specs already parsed in this load: a ruleset repeats a few ($HOME_NET,
 * $EXTERNAL_NET, [$HOME_NET,...]) thousands of times, and each parse expands the variables
 * to text again (HOME_NET formatted from network.home_net), parses, sorts and merges: half
 * the time of loading ET Open went there. An open-addressing table; full: parse as before. */
#define MEMO_SLOTS 8192u
#define MEMO_MAX_SPEC 256

struct memo {
    char *spec;               /* owned; NULL: free slot */
    struct sig_addr_range *r; /* owned; NULL when any or n == 0 */
    size_t n;
    bool any;
};

struct sig_vars {
    const struct sw_config *cfg; /* borrowed; NULL: defaults */
    struct memo *memo;           /* owned: MEMO_SLOTS, made on first use; NULL: none */
    size_t n_memo;
};

/* Suricata 8's suricata.yaml defaults, used when the configuration has no vars (cfg NULL). */
static const char *const default_addr[][2] = {
    {"EXTERNAL_NET", "!$HOME_NET"},  {"HTTP_SERVERS", "$HOME_NET"},
    {"SMTP_SERVERS", "$HOME_NET"},   {"SQL_SERVERS", "$HOME_NET"},
    {"DNS_SERVERS", "$HOME_NET"},    {"TELNET_SERVERS", "$HOME_NET"},
    {"AIM_SERVERS", "$EXTERNAL_NET"}, {"DC_SERVERS", "$HOME_NET"},
    {"DNP3_SERVER", "$HOME_NET"},    {"DNP3_CLIENT", "$HOME_NET"},
    {"MODBUS_CLIENT", "$HOME_NET"},  {"MODBUS_SERVER", "$HOME_NET"},
    {"ENIP_CLIENT", "$HOME_NET"},    {"ENIP_SERVER", "$HOME_NET"},
    {"OT_NET", "$HOME_NET"}, /* seawall's: the municipal ruleset's OT networks */
};
static const char *const default_port[][2] = {
    {"HTTP_PORTS", "80"},        {"SHELLCODE_PORTS", "!80"},
    {"ORACLE_PORTS", "1521"},    {"SSH_PORTS", "22"},
    {"DNP3_PORTS", "20000"},     {"MODBUS_PORTS", "502"},
    {"FILE_DATA_PORTS", "[$HTTP_PORTS,110,143]"}, {"FTP_PORTS", "21"},
    {"GENEVE_PORTS", "6081"},    {"VXLAN_PORTS", "4789"},
    {"TEREDO_PORTS", "3544"},    {"SIP_PORTS", "[5060, 5061]"},
};
static const char default_home[] = "[192.168.0.0/16,10.0.0.0/8,172.16.0.0/12]";

struct sig_vars *
sig_vars_create(const struct sw_config *cfg, char *msg, size_t msglen)
{
    struct sig_vars *v = sw_calloc(1, sizeof(*v));

    if (v == NULL) {
        snprintf(msg, msglen, "out of memory");
        return NULL;
    }
    v->cfg = cfg;
    return v;
}

void
sig_vars_destroy(struct sig_vars *v)
{
    if (v == NULL)
        return;
    for (size_t i = 0; v->memo != NULL && i < MEMO_SLOTS; i++) {
        sw_free(v->memo[i].spec);
        sw_free(v->memo[i].r);
    }
    sw_free(v->memo);
    sw_free(v);
}

/* --- range sets ------------------------------------------------------------------------------ */

struct rset {
    struct sig_addr_range *r; /* owned */
    size_t n, cap;
};

static bool
rset_push(struct rset *s, sig_u128 lo, sig_u128 hi)
{
    if (s->n == s->cap) {
        size_t nc = s->cap ? s->cap * 2 : 4;
        struct sig_addr_range *nr = sw_realloc(s->r, nc * sizeof(*nr));

        if (nr == NULL)
            return false;
        s->r = nr;
        s->cap = nc;
    }
    s->r[s->n].lo = lo;
    s->r[s->n].hi = hi;
    s->n++;
    return true;
}

static int
range_cmp(const void *a, const void *b)
{
    const struct sig_addr_range *x = a, *y = b;

    return x->lo < y->lo ? -1 : x->lo > y->lo ? 1 : 0;
}

/* Sort and merge overlapping or adjacent ranges. */
static void
rset_norm(struct rset *s)
{
    size_t j = 0;

    if (s->n < 2)
        return;
    qsort(s->r, s->n, sizeof(*s->r), range_cmp);
    for (size_t i = 1; i < s->n; i++) {
        if (s->r[i].lo <= s->r[j].hi || s->r[i].lo == s->r[j].hi + 1) {
            if (s->r[i].hi > s->r[j].hi)
                s->r[j].hi = s->r[i].hi;
        } else {
            s->r[++j] = s->r[i];
        }
    }
    s->n = j + 1;
}

static bool
rset_add_all(struct rset *dst, const struct rset *src)
{
    for (size_t i = 0; i < src->n; i++)
        if (!rset_push(dst, src->r[i].lo, src->r[i].hi))
            return false;
    return true;
}

/* a minus b, both normalised, into out. */
static bool
rset_sub(const struct rset *a, const struct rset *b, struct rset *out)
{
    size_t j = 0;

    for (size_t i = 0; i < a->n; i++) {
        sig_u128 lo = a->r[i].lo, hi = a->r[i].hi;
        bool empty = false;

        while (j < b->n && b->r[j].hi < lo)
            j++;
        for (size_t k = j; k < b->n && b->r[k].lo <= hi; k++) {
            if (b->r[k].lo > lo && !rset_push(out, lo, b->r[k].lo - 1))
                return false;
            if (b->r[k].hi >= hi) {
                empty = true;
                break;
            }
            lo = b->r[k].hi + 1;
        }
        if (!empty && !rset_push(out, lo, hi))
            return false;
    }
    return true;
}

static bool
rset_complement(const struct rset *a, sig_u128 max, struct rset *out)
{
    struct rset all = {0};
    bool ok = rset_push(&all, 0, max) && rset_sub(&all, a, out);

    sw_free(all.r);
    return ok;
}

/* --- parsing --------------------------------------------------------------------------------- */

enum kind { K_ADDR, K_PORT };

struct pctx {
    struct sig_vars *v;
    enum kind kind;
    char *msg;
    size_t msglen;
};

static sig_u128
kmax(enum kind k)
{
    return k == K_PORT ? 65535 : ~(sig_u128)0;
}

static const char *
var_value(struct pctx *c, const char *name, char *home, size_t homelen)
{
    const struct sw_config *cfg = c->v->cfg;

    if (cfg != NULL) {
        const struct sw_strmap *m =
            c->kind == K_ADDR ? &cfg->vars.address_groups : &cfg->vars.port_groups;

        for (size_t i = 0; i < m->n; i++)
            if (strcmp(m->k[i], name) == 0)
                return m->v[i];
    } else {
        const char *const(*t)[2] = c->kind == K_ADDR ? default_addr : default_port;
        size_t n = c->kind == K_ADDR ? sizeof(default_addr) / sizeof(default_addr[0])
                                     : sizeof(default_port) / sizeof(default_port[0]);

        for (size_t i = 0; i < n; i++)
            if (strcmp(t[i][0], name) == 0)
                return t[i][1];
    }
    if (c->kind == K_ADDR && strcmp(name, "HOME_NET") == 0) {
        size_t off = 0;

        if (cfg == NULL)
            return default_home;
        if (cfg->network.home_net.n == 0)
            return "any";
        off += (size_t)snprintf(home, homelen, "[");
        for (size_t i = 0; i < cfg->network.home_net.n && off < homelen; i++) {
            char b[SW_CIDR_STRLEN];

            off += (size_t)snprintf(home + off, homelen - off, "%s%s", i ? "," : "",
                                    sw_cidr_format(&cfg->network.home_net.v[i], b, sizeof(b)));
        }
        if (off + 2 >= homelen)
            return NULL;
        snprintf(home + off, homelen - off, "]");
        return home;
    }
    return NULL;
}

static bool parse_spec(struct pctx *c, const char *s, size_t n, int depth, struct rset *out);

static bool SW_PRINTF(2, 3)
fail(struct pctx *c, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(c->msg, c->msglen, fmt, ap);
    va_end(ap);
    return false;
}

/* At most 100 bytes of a spec in a message. */
#define CUT(n) ((int)((n) > 100 ? 100 : (n)))

static bool
parse_ip(const char *s, sig_u128 *out, int *family)
{
    unsigned char b[16];
    sig_u128 v = 0;

    if (inet_pton(AF_INET, s, b) == 1) {
        v = ((sig_u128)0xffff << 32) | ((sig_u128)b[0] << 24) | ((sig_u128)b[1] << 16) |
            ((sig_u128)b[2] << 8) | b[3];
        *family = 4;
    } else if (inet_pton(AF_INET6, s, b) == 1) {
        for (int i = 0; i < 16; i++)
            v = (v << 8) | b[i];
        *family = 6;
    } else {
        return false;
    }
    *out = v;
    return true;
}

static bool
parse_addr_atom(struct pctx *c, const char *s, size_t n, struct rset *out)
{
    char buf[128];
    char *slash, *dash;
    sig_u128 a, b;
    int fa, fb;

    if (n >= sizeof(buf))
        return fail(c, "'%.*s': not an address", CUT(n), s);
    memcpy(buf, s, n);
    buf[n] = '\0';
    slash = strchr(buf, '/');
    dash = strchr(buf, '-');
    if (slash != NULL) {
        uint64_t prefix;
        char *end;

        *slash = '\0';
        if (!parse_ip(buf, &a, &fa))
            return fail(c, "'%.*s': not an address", CUT(n), s);
        if (strchr(slash + 1, '.') != NULL) { /* netmask form */
            sig_u128 m;
            int fm;

            if (fa != 4 || !parse_ip(slash + 1, &m, &fm) || fm != 4)
                return fail(c, "'%.*s': bad netmask", CUT(n), s);
            uint32_t mask = (uint32_t)m;

            prefix = (uint64_t)__builtin_popcount(mask);
            if (prefix != 0 && (uint32_t)(~mask) != (UINT32_MAX >> prefix))
                return fail(c, "'%.*s': netmask not contiguous", CUT(n), s);
        } else {
            if (!isdigit((unsigned char)slash[1]))
                return fail(c, "'%.*s': bad prefix length", CUT(n), s);
            prefix = strtoull(slash + 1, &end, 10);
            if (*end != '\0' || prefix > (fa == 4 ? 32u : 128u))
                return fail(c, "'%.*s': bad prefix length", CUT(n), s);
        }
        unsigned bits = (fa == 4 ? 96u : 0u) + (unsigned)prefix;
        sig_u128 hostmask = bits >= 128 ? 0 : (~(sig_u128)0 >> bits);

        return rset_push(out, a & ~hostmask, a | hostmask) ||
               fail(c, "out of memory");
    }
    if (dash != NULL) {
        *dash = '\0';
        if (!parse_ip(buf, &a, &fa) || !parse_ip(dash + 1, &b, &fb) || fa != fb)
            return fail(c, "'%.*s': not an address range", CUT(n), s);
        if (a > b)
            return fail(c, "'%.*s': range ends before it starts", CUT(n), s);
        return rset_push(out, a, b) || fail(c, "out of memory");
    }
    if (!parse_ip(buf, &a, &fa))
        return fail(c, "'%.*s': not an address", CUT(n), s);
    return rset_push(out, a, a) || fail(c, "out of memory");
}

static bool
parse_port_num(const char *s, size_t n, uint16_t *out)
{
    uint32_t v = 0;

    if (n == 0 || n > 5)
        return false;
    for (size_t i = 0; i < n; i++) {
        if (!isdigit((unsigned char)s[i]))
            return false;
        v = v * 10 + (uint32_t)(s[i] - '0');
    }
    if (v > 65535)
        return false;
    *out = (uint16_t)v;
    return true;
}

static bool
parse_port_atom(struct pctx *c, const char *s, size_t n, struct rset *out)
{
    const char *colon = memchr(s, ':', n);
    uint16_t lo = 0, hi = 65535;

    if (colon == NULL) {
        if (!parse_port_num(s, n, &lo))
            return fail(c, "'%.*s': not a port", CUT(n), s);
        hi = lo;
    } else {
        size_t a = (size_t)(colon - s), b = n - a - 1;

        if ((a > 0 && !parse_port_num(s, a, &lo)) || (b > 0 && !parse_port_num(colon + 1, b, &hi)) ||
            (a == 0 && b == 0))
            return fail(c, "'%.*s': not a port range", CUT(n), s);
        if (lo > hi)
            return fail(c, "'%.*s': range ends before it starts", CUT(n), s);
    }
    return rset_push(out, lo, hi) || fail(c, "out of memory");
}

/* One item: "!X", "[...]", "$VAR", "any" or an atom; normalised into out. */
static bool
parse_spec(struct pctx *c, const char *s, size_t n, int depth, struct rset *out)
{
    sig_trim(&s, &n);
    if (depth > SIG_MAX_ADDR_DEPTH)
        return fail(c, "'%.*s': nested too deep (a variable that refers to itself?)", CUT(n), s);
    if (n == 0)
        return fail(c, "empty address or port");
    if (s[0] == '!') {
        struct rset in = {0};
        bool ok = parse_spec(c, s + 1, n - 1, depth + 1, &in) &&
                  (rset_complement(&in, kmax(c->kind), out) || fail(c, "out of memory"));

        sw_free(in.r);
        if (ok && out->n == 0)
            return fail(c, "'%.*s': matches nothing", CUT(n), s);
        return ok;
    }
    if (s[0] == '[') {
        struct rset pos = {0}, neg = {0}, all = {0};
        bool any_pos = false, ok = true;
        size_t i = 1, start = 1;
        int d = 0;

        if (s[n - 1] != ']')
            return fail(c, "'%.*s': unbalanced brackets", CUT(n), s);
        for (i = 1; i < n && ok; i++) {
            if (s[i] == '[')
                d++;
            else if (s[i] == ']' && d > 0)
                d--;
            else if ((s[i] == ',' && d == 0) || i == n - 1) {
                const char *is = s + start;
                size_t in = i - start;
                struct rset one = {0};

                sig_trim(&is, &in);
                if (in == 0) {
                    ok = fail(c, "'%.*s': empty item in list", CUT(n), s);
                    break;
                }
                ok = parse_spec(c, is[0] == '!' ? is + 1 : is, is[0] == '!' ? in - 1 : in,
                                depth + 1, &one);
                if (ok) {
                    if (is[0] == '!') {
                        ok = rset_add_all(&neg, &one);
                    } else {
                        any_pos = true;
                        ok = rset_add_all(&pos, &one);
                    }
                    if (!ok)
                        fail(c, "out of memory");
                }
                sw_free(one.r);
                start = i + 1;
            }
        }
        if (ok && d != 0)
            ok = fail(c, "'%.*s': unbalanced brackets", CUT(n), s);
        if (ok && !any_pos)
            ok = rset_push(&pos, 0, kmax(c->kind)) || fail(c, "out of memory");
        rset_norm(&pos);
        rset_norm(&neg);
        if (ok)
            ok = rset_sub(&pos, &neg, &all) || fail(c, "out of memory");
        if (ok && all.n == 0)
            ok = fail(c, "'%.*s': matches nothing", CUT(n), s);
        if (ok) {
            *out = all;
            all.r = NULL;
        }
        sw_free(pos.r);
        sw_free(neg.r);
        sw_free(all.r);
        return ok;
    }
    if (s[0] == '$') {
        char name[128], home[8192];
        const char *val;

        if (n - 1 >= sizeof(name) || n == 1)
            return fail(c, "'%.*s': bad variable name", CUT(n), s);
        memcpy(name, s + 1, n - 1);
        name[n - 1] = '\0';
        val = var_value(c, name, home, sizeof(home));
        if (val == NULL)
            return fail(c, "'%.*s': no such %s group (vars.%s_groups)", CUT(n), s,
                        c->kind == K_ADDR ? "address" : "port", c->kind == K_ADDR ? "address" : "port");
        return parse_spec(c, val, strlen(val), depth + 1, out);
    }
    if (n == 3 && strncasecmp(s, "any", 3) == 0)
        return rset_push(out, 0, kmax(c->kind)) || fail(c, "out of memory");
    bool ok = c->kind == K_ADDR ? parse_addr_atom(c, s, n, out) : parse_port_atom(c, s, n, out);

    rset_norm(out);
    return ok;
}

/* The memo slot of spec: its own or the free one where it goes; NULL when the table is
 * missing or full, or spec too long to keep. */
static struct memo *
memo_slot(struct sig_vars *v, const char *spec)
{
    size_t len = strlen(spec);
    uint64_t h = 1469598103934665603ull;

    if (len > MEMO_MAX_SPEC)
        return NULL;
    if (v->memo == NULL) {
        v->memo = sw_calloc(MEMO_SLOTS, sizeof(*v->memo));
        if (v->memo == NULL)
            return NULL;
    }
    for (size_t i = 0; i < len; i++)
        h = (h ^ (uint8_t)spec[i]) * 1099511628211ull;
    for (size_t k = 0; k < MEMO_SLOTS; k++) {
        struct memo *m = &v->memo[(h + k) & (MEMO_SLOTS - 1)];

        if (m->spec == NULL)
            return v->n_memo + 1 < MEMO_SLOTS / 2 ? m : NULL; /* keep probes short */
        if (strcmp(m->spec, spec) == 0)
            return m;
    }
    return NULL;
}

/* out as the memo's set (a copy: each rule owns its ranges). */
static bool
memo_copy(const struct memo *m, struct sig_addrset *out)
{
    out->any = m->any;
    out->n = m->n;
    if (m->n == 0)
        return true;
    out->r = sw_malloc(m->n * sizeof(*out->r));
    if (out->r == NULL)
        return false;
    memcpy(out->r, m->r, m->n * sizeof(*out->r));
    return true;
}

bool
sig_addr_parse(struct sig_vars *v, const char *spec, struct sig_addrset *out, char *msg,
               size_t msglen)
{
    struct pctx c = {.v = v, .kind = K_ADDR, .msg = msg, .msglen = msglen};
    struct rset r = {0};
    struct memo *m = memo_slot(v, spec);

    memset(out, 0, sizeof(*out));
    if (m != NULL && m->spec != NULL) {
        if (memo_copy(m, out))
            return true;
        snprintf(msg, msglen, "out of memory");
        return false;
    }
    if (!parse_spec(&c, spec, strlen(spec), 0, &r)) {
        sw_free(r.r);
        return false; /* not kept: the next rule with it reports its error too */
    }
    rset_norm(&r);
    if (r.n == 1 && r.r[0].lo == 0 && r.r[0].hi == ~(sig_u128)0) {
        out->any = true;
        sw_free(r.r);
    } else {
        out->r = r.r;
        out->n = r.n;
    }
    if (m != NULL) { /* keep a copy; out of memory here only loses the shortcut */
        struct sig_addrset k = {0};

        size_t len = strlen(spec) + 1;

        m->spec = sw_malloc(len);
        if (m->spec != NULL && (out->n == 0 || (k.r = sw_malloc(out->n * sizeof(*k.r))))) {
            memcpy(m->spec, spec, len);
            if (out->n > 0)
                memcpy(k.r, out->r, out->n * sizeof(*k.r));
            m->r = k.r;
            m->n = out->n;
            m->any = out->any;
            v->n_memo++;
        } else {
            sw_free(m->spec);
            m->spec = NULL;
        }
    }
    return true;
}

bool
sig_port_parse(struct sig_vars *v, const char *spec, struct sig_portset *out, char *msg,
               size_t msglen)
{
    struct pctx c = {.v = v, .kind = K_PORT, .msg = msg, .msglen = msglen};
    struct rset r = {0};

    memset(out, 0, sizeof(*out));
    /* most ports of a ruleset are "any": what the parse below gives it, without its range
     * list made, sorted and freed (two ports a rule: ~5 M instructions of ET Open a thread) */
    if (strcasecmp(spec, "any") == 0) {
        out->any = true;
        return true;
    }
    if (!parse_spec(&c, spec, strlen(spec), 0, &r)) {
        sw_free(r.r);
        return false;
    }
    rset_norm(&r);
    if (r.n == 1 && r.r[0].lo == 0 && r.r[0].hi == 65535) {
        out->any = true;
        sw_free(r.r);
        return true;
    }
    out->r = sw_malloc(r.n * sizeof(*out->r));
    if (out->r == NULL) {
        sw_free(r.r);
        snprintf(msg, msglen, "out of memory");
        return false;
    }
    for (size_t i = 0; i < r.n; i++) {
        out->r[i].lo = (uint16_t)r.r[i].lo;
        out->r[i].hi = (uint16_t)r.r[i].hi;
    }
    out->n = r.n;
    sw_free(r.r);
    return true;
}

bool
sig_addr_match(const struct sig_addrset *s, uint8_t ip_version, const uint8_t *a)
{
    sig_u128 v = 0;
    size_t lo = 0, hi;

    if (s->any)
        return true;
    if (ip_version == 4) {
        v = ((sig_u128)0xffff << 32) | ((sig_u128)a[0] << 24) | ((sig_u128)a[1] << 16) |
            ((sig_u128)a[2] << 8) | a[3];
    } else {
        for (int i = 0; i < 16; i++)
            v = (v << 8) | a[i];
    }
    hi = s->n;
    while (lo < hi) { /* first range whose hi >= v */
        size_t mid = lo + (hi - lo) / 2;

        if (s->r[mid].hi < v)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < s->n && s->r[lo].lo <= v;
}

bool
sig_port_match(const struct sig_portset *s, uint16_t port)
{
    if (s->any)
        return true;
    for (size_t i = 0; i < s->n; i++) {
        if (port < s->r[i].lo)
            return false;
        if (port <= s->r[i].hi)
            return true;
    }
    return false;
}

size_t
sig_portset_small(const struct sig_portset *s, uint16_t *out, size_t max)
{
    size_t k = 0;

    if (s->any)
        return 0;
    for (size_t i = 0; i < s->n; i++) {
        if ((size_t)(s->r[i].hi - s->r[i].lo) + 1 > max - k)
            return 0;
        for (uint32_t p = s->r[i].lo; p <= s->r[i].hi; p++)
            out[k++] = (uint16_t)p;
    }
    return k;
}

void
sig_addrset_fini(struct sig_addrset *s)
{
    sw_free(s->r);
    memset(s, 0, sizeof(*s));
}

void
sig_portset_fini(struct sig_portset *s)
{
    sw_free(s->r);
    memset(s, 0, sizeof(*s));
}
