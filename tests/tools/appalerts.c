/* appalerts.c - seawall pcap with one more detector: an alert on every application-layer
 * transaction the worker's parsers make (HTTP request, response and bodies, DNS query and
 * answer, TLS ClientHello, ServerHello and certificate), so that tests see the `http`, `dns`
 * and `tls` objects alerts carry without depending on a rule language. Signature ids are
 * 1000000 + enum sw_app_event, the signature "app probe: EVENT".
 *
 * usage: appalerts [--ndpi-dir DIR] OUT FILE...   (exit 0, or 2 with a message) */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "sw/config.h"
#include "sw/detect.h"
#include "sw/ndpi.h"
#include "sw/pipeline.h"

static const char *const event_names[SW_APP_EV_MAX] = {
    "http request", "http request body", "http response",    "http response body", "dns query",
    "dns answer",   "tls client hello",  "tls server hello", "tls certificate",
};

static enum sw_rc
probe_create(void **inst, const struct sw_detect_opts *o, struct sw_detect_load *ld,
             struct sw_err *err)
{
    (void)o;
    (void)err;
    *inst = (void *)(uintptr_t)event_names;
    ld->hooks = SW_HOOK_BIT(SW_HOOK_APP);
    ld->app_events = (1u << SW_APP_EV_MAX) - 1;
    return SW_OK;
}

static void
probe_destroy(void *inst)
{
    (void)inst;
}

static enum sw_rc
probe_thread_init(void **tctx, const void *inst, const struct sw_detect_thread_opts *topt,
                  struct sw_err *err)
{
    (void)topt;
    (void)err;
    *tctx = (void *)(uintptr_t)inst;
    return SW_OK;
}

static void
probe_thread_fini(void *tctx)
{
    (void)tctx;
}

static void
probe_inspect(void *tctx, const struct sw_subject *s, struct sw_emitter *em)
{
    struct sw_alert a;

    (void)tctx;
    if (s->app.reading[0] != '\0')
        return; /* one alert per transaction event: the reading browsers take */
    memset(&a, 0, sizeof(a));
    a.gid = 1;
    a.signature_id = 1000000 + (uint32_t)s->app.event;
    a.rev = 1;
    a.severity = 3;
    a.detector = "rule";
    snprintf(a.signature, sizeof(a.signature), "app probe: %s", event_names[s->app.event]);
    snprintf(a.category, sizeof(a.category), "Not Suspicious Traffic");
    (void)sw_emit_alert(em, s, &a);
}

static const struct sw_detector_ops probe_ops = {
    .name = "app-probe",
    .create = probe_create,
    .destroy = probe_destroy,
    .thread_init = probe_thread_init,
    .inspect = probe_inspect,
    .thread_fini = probe_thread_fini,
};

int
main(int argc, char **argv)
{
    static const struct sw_detector_ops *const list[] = {&sw_det_ndpi_risk_ops, &probe_ops, NULL};
    const char *ndpi_dir = NULL;
    struct sw_config *cfg;
    struct sw_detect *det;
    struct sw_err err;
    int a = 1, rc;

    if (argc > 2 && strcmp(argv[1], "--ndpi-dir") == 0) {
        ndpi_dir = argv[2];
        a = 3;
    }
    if (argc - a < 2) {
        fprintf(stderr, "usage: appalerts [--ndpi-dir DIR] OUT FILE...\n");
        return 2;
    }
    cfg = sw_cfg_defaults(&err);
    if (cfg == NULL || (ndpi_dir != NULL && sw_ndpi_dir_apply(cfg, ndpi_dir, &err) < 0) ||
        sw_ndpi_prime(&err) != SW_OK) {
        fprintf(stderr, "appalerts: %s\n", err.msg);
        return 2;
    }
    det = sw_detect_create(&(struct sw_detect_opts){.cfg = cfg, .detectors = list}, NULL, &err);
    if (det == NULL) {
        fprintf(stderr, "appalerts: %s\n", err.msg);
        return 2;
    }
    struct sw_pcap_opts po = {
        .files = (const char *const *)(argv + a + 1),
        .n_files = (size_t)(argc - a - 1),
        .out = argv[a],
        .workers = 1,
        .host = "appalerts",
        .detect = det,
    };
    rc = sw_pipeline_pcap(cfg, &po, &err);
    if (rc != 0)
        fprintf(stderr, "appalerts: %s\n", err.msg);
    sw_detect_destroy(det);
    sw_cfg_free(cfg);
    return rc;
}
