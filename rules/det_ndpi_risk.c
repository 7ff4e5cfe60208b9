/* det_ndpi_risk.c - alerts for nDPI flow risks, behind the detection stage
 * (sw_det_ndpi_risk_ops, see include/sw/detect.h): one alert per risk the first time it
 * appears on a flow (the worker hands each risk bit once, as subj->risks_new, at the packet
 * that set it or at flow end), unless an exception (ndpi.risk_exceptions: risk code, CIDR,
 * host name) covers it. Signature ids are SW_NDPI_RISK_SID_BASE + risk id (gid 1, rev 1).
 * The set's instance is immutable: any number of workers share one. */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "sw/alloc.h"
#include "sw/detect.h"
#include "sw/ndpi.h"
#include "sw/ndpi_names.h"
#include "sw/str.h"

struct risk_inst {
    uint64_t risk_mask;          /* risks never alerted */
    const struct sw_config *cfg; /* borrowed: CIDR and host name exceptions */
};

/* Host name exceptions: exact (case-insensitive), or "*.suffix" for the suffix's subdomains
 * and the suffix itself. */
static bool
host_excepted(const struct sw_strlist *hosts, const char *host)
{
    size_t hl = strlen(host);

    if (hl == 0)
        return false;
    for (size_t i = 0; i < hosts->n; i++) {
        const char *pat = hosts->v[i];

        if (pat[0] == '*' && pat[1] == '.') {
            const char *suf = pat + 2;
            size_t sl = strlen(suf);

            if (hl == sl && strcasecmp(host, suf) == 0)
                return true;
            if (hl > sl && host[hl - sl - 1] == '.' && strcasecmp(host + hl - sl, suf) == 0)
                return true;
        } else if (strcasecmp(host, pat) == 0) {
            return true;
        }
    }
    return false;
}

static bool
ref_excepted(const struct risk_inst *d, const struct sw_flow_ref *ref,
             const struct sw_ndpi_info *info)
{
    const struct sw_cidrlist *cidrs = &d->cfg->ndpi.risk_exceptions.cidrs;

    if (cidrs->n > 0 && (sw_cidrlist_match(cidrs, ref->ip_version, ref->src) ||
                         sw_cidrlist_match(cidrs, ref->ip_version, ref->dst)))
        return true;
    return host_excepted(&d->cfg->ndpi.risk_exceptions.hostnames, info->hostname);
}

/* --- the detector behind the detection stage (sw_det_ndpi_risk_ops) ----------------------- */

/* Thread context: the shared detector and this thread's counter. */
struct risk_thread {
    const struct risk_inst *d; /* borrowed: the set's instance */
    uint64_t suppressed;       /* alerts an exception suppressed */
};

/* Build from cfg->ndpi.risk_exceptions; an unknown risk code is an error naming it. */
static enum sw_rc
risk_create(void **inst, const struct sw_detect_opts *o, struct sw_detect_load *ld,
            struct sw_err *err)
{
    const struct sw_strlist *risks = &o->cfg->ndpi.risk_exceptions.risks;
    struct risk_inst *d = sw_calloc(1, sizeof(*d));

    *inst = NULL;
    if (d == NULL)
        return sw_err_set(err, SW_ENOMEM, "ndpi risk detector: out of memory");
    d->cfg = o->cfg;
    for (size_t i = 0; i < risks->n; i++) {
        int id = sw_ndpi_risk_by_code(risks->v[i]);

        if (id < 0) {
            sw_free(d);
            return sw_err_set(err, SW_EINVAL, "ndpi.risk_exceptions.risks: unknown nDPI risk '%s'",
                              risks->v[i]);
        }
        d->risk_mask |= 1ULL << id;
    }
    *inst = d;
    ld->hooks = SW_HOOK_BIT(SW_HOOK_PACKET) | SW_HOOK_BIT(SW_HOOK_FLOW_END);
    return SW_OK;
}

static void
risk_destroy(void *inst)
{
    sw_free(inst);
}

static enum sw_rc
risk_thread_init(void **tctx, const void *inst, const struct sw_detect_thread_opts *topt,
                 struct sw_err *err)
{
    struct risk_thread *rt = sw_calloc(1, sizeof(*rt));

    (void)topt;
    if (rt == NULL)
        return sw_err_set(err, SW_ENOMEM, "ndpi-risk: out of memory");
    rt->d = inst;
    *tctx = rt;
    return SW_OK;
}

static void
risk_thread_fini(void *tctx)
{
    sw_free(tctx);
}

/* One alert per risk in subj->risks_new (the stage marks them reported afterwards), unless an
 * exception covers the risk, the flow's addresses or its host name. */
static void
risk_inspect(void *tctx, const struct sw_subject *subj, struct sw_emitter *em)
{
    struct risk_thread *rt = tctx;
    const struct risk_inst *d = rt->d;
    uint64_t risks = subj->risks_new;
    bool excepted;

    if (risks == 0)
        return;
    excepted = ref_excepted(d, subj->flow, subj->ndpi);
    for (unsigned id = 1; id < SW_NDPI_RISK_MAX; id++) {
        const struct sw_ndpi_risk_info *ri;
        struct sw_alert a;

        if ((risks & (1ULL << id)) == 0)
            continue;
        if (excepted || (d->risk_mask & (1ULL << id)) != 0) {
            rt->suppressed++;
            continue;
        }
        ri = sw_ndpi_risk_info(id);
        memset(&a, 0, sizeof(a));
        a.gid = 1;
        a.signature_id = SW_NDPI_RISK_SID_BASE + id;
        a.rev = 1;
        a.severity = (uint8_t)sw_ndpi_severity_to_eve(sw_ndpi_risk_severity(id));
        a.detector = "ndpi_risk";
        a.ndpi_risk = id;
        /* "nDPI risk: <name>" and the category, cut as snprintf cut them, without its cost
         * (once per alert) */
        memcpy(a.signature, "nDPI risk: ", 11);
        (void)sw_str_copy(a.signature + 11, sizeof(a.signature) - 11, sw_ndpi_risk_name(id));
        (void)sw_str_copy(a.category, sizeof(a.category),
                          ri != NULL && ri->category != NULL ? ri->category
                                                             : "Potentially Bad Traffic");
        if (ri != NULL) {
            sw_alert_meta_add(&a, "ndpi_risk", ri->code);
            sw_alert_meta_add(&a, "mitre_technique_id", ri->mitre);
        }
        sw_alert_meta_add(&a, "ndpi_severity", sw_ndpi_risk_severity_name(id));
        (void)sw_emit_alert(em, subj, &a); /* a failure is counted by the stage */
    }
}

static void
risk_stats(const void *tctx, struct sw_worker_stats *out)
{
    const struct risk_thread *rt = tctx;

    out->alerts_suppressed += rt->suppressed;
}

const struct sw_detector_ops sw_det_ndpi_risk_ops = {
    .name = "ndpi-risk",
    .create = risk_create,
    .destroy = risk_destroy,
    .thread_init = risk_thread_init,
    .inspect = risk_inspect,
    .thread_fini = risk_thread_fini,
    .flow_free = NULL,
    .stats = risk_stats,
};
