/* sig_ndpi.c - Suricata 8's nDPI plugin keywords on nDPI 4.2.
 *
 * ndpi-protocol:[!]NAME - one nDPI protocol name per keyword, case-insensitive, "MASTER.APP"
 * or "APP"; a flow matches when any named half equals its master or its application protocol.
 * A rule may carry several ndpi-protocol keywords only when all are negated (then the flow
 * must be none of them); positive and negated cannot be mixed, as in the plugin.
 * ndpi-risk:[!]NDPI_RISK[,NDPI_RISK...] - risk enum names (case-sensitive; nDPI 4.2's names
 * and the later renames seawall maps, rules/ndpi_names.c) or a number (the bit mask); every
 * listed risk must be set on the flow; '!' matches when not all are. Both keywords match only
 * once nDPI finished with the flow (detected with nothing more to dissect, or gave up).
 * Names are resolved with an nDPI module made on first use, on the loading (main) thread. */
#include "sig_int.h"

#include <ctype.h>
#include <ndpi/ndpi_api.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sw/alloc.h"
#include "sw/ndpi_names.h"

int
sig_ndpi_proto_id(struct sig_loader *L, const char *name)
{
    char buf[64];
    int id;

    if (L->ndpi == NULL) {
        struct ndpi_detection_module_struct *m = ndpi_init_detection_module(ndpi_no_prefs);
        NDPI_PROTOCOL_BITMASK all;

        if (m == NULL)
            return -2;
        NDPI_BITMASK_SET_ALL(all);
        ndpi_set_protocol_detection_bitmask2(m, &all);
        ndpi_finalize_initialization(m);
        L->ndpi = m;
    }
    if (snprintf(buf, sizeof(buf), "%s", name) >= (int)sizeof(buf))
        return -1;
    id = ndpi_get_protocol_id(L->ndpi, buf);
    return id <= 0 ? -1 : id;
}

void
sig_ndpi_loader_fini(struct sig_loader *L)
{
    if (L->ndpi != NULL)
        ndpi_exit_detection_module(L->ndpi);
    L->ndpi = NULL;
}

enum sig_prc
sig_kw_ndpi_protocol(struct sig_loader *L, struct sig_pstate *ps, const struct sig_opt *o)
{
    struct sig_rule *r = ps->r;
    struct sig_ndpi_proto p, *np;
    char name[64], *dot;
    int a, b = 0;

    if (o->value == NULL || o->value[0] == '\0')
        return sig_fail(L, "needs a protocol name");
    if (snprintf(name, sizeof(name), "%s", o->value) >= (int)sizeof(name) ||
        strchr(name, ',') != NULL || strchr(name, ' ') != NULL)
        return sig_fail(L, "'%.40s': one protocol name per keyword", o->value);
    memset(&p, 0, sizeof(p));
    p.negated = o->negated;
    dot = strchr(name, '.');
    if (dot != NULL)
        *dot = '\0';
    a = sig_ndpi_proto_id(L, name);
    if (a == -2) {
        L->oom = true;
        return sig_fail(L, "cannot create an nDPI module to resolve names");
    }
    if (a > 0 && dot != NULL)
        b = sig_ndpi_proto_id(L, dot + 1);
    if (a < 0 || b < 0)
        return sig_fail(L, "unknown nDPI protocol '%.40s'", o->value);
    p.master = (uint16_t)a;
    p.app = (uint16_t)b;
    for (size_t i = 0; i < r->n_ndpi_proto; i++) {
        const struct sig_ndpi_proto *q = &r->ndpi_proto[i];

        if (q->negated != p.negated || !p.negated)
            return sig_fail(L, "can't mix positive ndpi-protocol match with negated (several "
                               "only when all are negated)");
        if (q->master == p.master && q->app == p.app)
            return sig_fail(L, "'%.40s' given twice", o->value);
    }
    np = sw_realloc(r->ndpi_proto, (r->n_ndpi_proto + 1) * sizeof(*np));
    if (np == NULL) {
        L->oom = true;
        return sig_fail(L, "out of memory");
    }
    r->ndpi_proto = np;
    r->ndpi_proto[r->n_ndpi_proto++] = p;
    return SIG_PARSE_OK;
}

enum sig_prc
sig_kw_ndpi_risk(struct sig_loader *L, struct sig_pstate *ps, const struct sig_opt *o)
{
    struct sig_rule *r = ps->r;
    char buf[1024], *save = NULL, *tok;
    uint64_t mask = 0;

    if (o->value == NULL || o->value[0] == '\0')
        return sig_fail(L, "needs risk names");
    if (r->has_ndpi_risk)
        return sig_unsupported(L, "a second ndpi-risk in one rule");
    if (snprintf(buf, sizeof(buf), "%s", o->value) >= (int)sizeof(buf))
        return sig_fail(L, "value too long");
    if (isdigit((unsigned char)buf[0])) {
        char *end;

        mask = strtoull(buf, &end, 0);
        if (*end != '\0' || mask == 0)
            return sig_fail(L, "'%.40s' is not a risk bit mask", buf);
    } else {
        for (tok = strtok_r(buf, ",", &save); tok != NULL; tok = strtok_r(NULL, ",", &save)) {
            int id = sw_ndpi_risk_by_code(tok);

            if (id <= 0 || id >= 64)
                return sig_fail(L, "unrecognized risk '%.60s' (nDPI 4.2's NDPI_* names, "
                                   "case-sensitive, no blanks)",
                                tok);
            mask |= UINT64_C(1) << id;
        }
        if (mask == 0)
            return sig_fail(L, "needs risk names");
    }
    r->ndpi_risk = mask;
    r->ndpi_risk_negated = o->negated;
    r->has_ndpi_risk = true;
    return SIG_PARSE_OK;
}
