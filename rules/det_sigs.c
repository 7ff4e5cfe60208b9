/* det_sigs.c - the Suricata-rule detector's slot in the detection stage (sw_det_sigs_ops, see
 * include/sw/detect.h). The signature engine (rules/sig_*.c) fills it in; until then the
 * slot loads nothing, so no detection set holds it. */
#include "sw/detect.h"

static enum sw_rc
sigs_create(void **inst, const struct sw_detect_opts *o, struct sw_detect_load *ld,
            struct sw_err *err)
{
    (void)o;
    (void)err;
    ld->language = "suricata";
    *inst = NULL;
    return SW_OK;
}

static void
sigs_destroy(void *inst)
{
    (void)inst;
}

static enum sw_rc
sigs_thread_init(void **tctx, const void *inst, const struct sw_detect_thread_opts *topt,
                 struct sw_err *err)
{
    (void)inst;
    (void)topt;
    (void)err;
    *tctx = NULL;
    return SW_OK;
}

static void
sigs_inspect(void *tctx, const struct sw_subject *subj, struct sw_emitter *em)
{
    (void)tctx;
    (void)subj;
    (void)em;
}

static void
sigs_thread_fini(void *tctx)
{
    (void)tctx;
}

const struct sw_detector_ops sw_det_sigs_ops = {
    .name = "sigs",
    .create = sigs_create,
    .destroy = sigs_destroy,
    .thread_init = sigs_thread_init,
    .inspect = sigs_inspect,
    .thread_fini = sigs_thread_fini,
    .flow_free = NULL,
    .stats = NULL,
};
