/* det_sigs.c - Suricata rules behind the detection stage (sw_det_sigs_ops, see
 * include/sw/detect.h): loads the *.rules of the set's rules path (rules/sig_*.c), and turns
 * each subject into the matcher's input: packets (header keywords, payload of non-TCP
 * protocols), TCP stream chunks (payload content of TCP rules), application-layer
 * transactions (sticky buffers, per side). Alerts are Suricata's alert object with
 * detector "rule"; the stage adds the transaction's app-layer object.
 *
 * The set's instance owns the loaded rules (immutable, shared by the workers); each worker
 * has its own matching thread state; each flow a slot (flowbits, stream tails, the rules that
 * alerted on the current transaction), freed through flow_free. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "sw/alloc.h"
#include "sw/dataset.h"
#include "sw/detect.h"
#include "sw/digest.h"
#include "sw/sig.h"

/* The set's instance: the rules. */
struct sigs {
    struct sw_sig_set *s; /* owned */
};

struct sigs_thread {
    const struct sigs *inst; /* borrowed */
    struct sw_sig_thread *t; /* owned */
    uint32_t bufs;           /* the buffers some rule reads */
};

static void
report(void *ctx, enum sw_sig_diag kind, const char *msg)
{
    const struct sw_detect_opts *o = ctx;

    (void)kind;
    if (o->report != NULL)
        o->report(o->report_ctx, msg);
}

static enum sw_rc
sigs_create(void **inst, const struct sw_detect_opts *o, struct sw_detect_load *ld,
            struct sw_err *err)
{
    struct sw_sig_load_opts lo = {
        .path = o->rules_path,
        .cfg = o->cfg,
        .cache_dir = o->cache_dir,
        .report = report,
        .ctx = (void *)(uintptr_t)o,
    };
    struct sw_sig_load_stats st;
    struct sw_sig_set *s;
    unsigned h;
    uint32_t b;

    *inst = NULL;
    ld->language = "suricata";
    if (o->rules_path == NULL)
        return SW_OK;
    s = sw_sig_load(&lo, &st, err);
    if (s == NULL)
        return err->code;
    ld->files = st.files;
    ld->files_failed = st.files_failed;
    ld->rules = st.rules;
    ld->left_out = st.left_out;
    ld->failed = st.failed;
    ld->warnings = st.warnings;
    if (st.rules == 0) {
        sw_sig_set_destroy(s);
        return SW_OK; /* nothing to match: the detector sits this set out */
    }
    h = sw_sig_set_hooks(s);
    b = sw_sig_set_bufs(s);
    if (h & (1u << SW_SIG_HOOK_PACKET))
        ld->hooks |= SW_HOOK_BIT(SW_HOOK_PACKET);
    if (h & (1u << SW_SIG_HOOK_STREAM))
        ld->hooks |= SW_HOOK_BIT(SW_HOOK_STREAM_CHUNK);
    if (h & (1u << SW_SIG_HOOK_TX)) {
        ld->hooks |= SW_HOOK_BIT(SW_HOOK_APP);
        if (b & ~((1u << SW_SIG_BUF_PAYLOAD) | (1u << SW_SIG_BUF_DNS_QUERY) |
                  (1u << SW_SIG_BUF_TLS_SNI) | (1u << SW_SIG_BUF_TLS_CERT_SUBJECT) |
                  (1u << SW_SIG_BUF_TLS_CERT_ISSUER) | (1u << SW_SIG_BUF_JA3_HASH) |
                  (1u << SW_SIG_BUF_JA3S_HASH) | (1u << SW_SIG_BUF_IP_SRC) |
                  (1u << SW_SIG_BUF_IP_DST)))
            ld->app_events |= (1u << SW_APP_EV_HTTP_REQUEST) |
                              (1u << SW_APP_EV_HTTP_REQUEST_BODY) |
                              (1u << SW_APP_EV_HTTP_RESPONSE) |
                              (1u << SW_APP_EV_HTTP_RESPONSE_BODY);
        if (b & (1u << SW_SIG_BUF_DNS_QUERY))
            ld->app_events |= 1u << SW_APP_EV_DNS_QUERY;
        if (b & ((1u << SW_SIG_BUF_TLS_SNI) | (1u << SW_SIG_BUF_JA3_HASH)))
            ld->app_events |= 1u << SW_APP_EV_TLS_CLIENT_HELLO;
        if (b & (1u << SW_SIG_BUF_JA3S_HASH))
            ld->app_events |= 1u << SW_APP_EV_TLS_SERVER_HELLO;
        if (b & ((1u << SW_SIG_BUF_TLS_CERT_SUBJECT) | (1u << SW_SIG_BUF_TLS_CERT_ISSUER)))
            ld->app_events |= 1u << SW_APP_EV_TLS_CERTIFICATE;
    }
    struct sigs *in = sw_calloc(1, sizeof(*in));

    if (in == NULL) {
        sw_sig_set_destroy(s);
        return sw_err_set(err, SW_ENOMEM, "sigs: out of memory");
    }
    in->s = s;
    if (o->cfg != NULL && o->cfg->rules.profiling)
        sw_sig_set_profiling(s, true); /* rows through the stage: sigs_profile */
    *inst = in;
    return SW_OK;
}

static void
sigs_destroy(void *inst)
{
    struct sigs *in = inst;

    if (in == NULL)
        return;
    sw_sig_set_destroy(in->s);
    sw_free(in);
}

static enum sw_rc
sigs_thread_init(void **tctx, const void *inst, const struct sw_detect_thread_opts *topt,
                 struct sw_err *err)
{
    struct sigs_thread *st = sw_calloc(1, sizeof(*st));

    const struct sigs *in = inst;

    (void)topt;
    if (st == NULL)
        return sw_err_set(err, SW_ENOMEM, "sigs: out of memory");
    st->inst = in;
    st->t = sw_sig_thread_create(in->s, err);
    if (st->t == NULL) {
        sw_free(st);
        return err->code;
    }
    st->bufs = sw_sig_set_bufs(in->s);
    *tctx = st;
    return SW_OK;
}

static void
sigs_thread_fini(void *tctx)
{
    struct sigs_thread *st = tctx;

    if (st == NULL)
        return;
    sw_sig_thread_destroy(st->t);
    sw_free(st);
}

/* The subject's buffer for each of the matcher's. */
static const int buf_map[SW_SIG_BUF_MAX] = {
    [SW_SIG_BUF_PAYLOAD] = -1,
    [SW_SIG_BUF_HTTP_METHOD] = SW_BUF_HTTP_METHOD,
    [SW_SIG_BUF_HTTP_URI] = SW_BUF_HTTP_URI,
    [SW_SIG_BUF_HTTP_URI_RAW] = SW_BUF_HTTP_URI_RAW,
    [SW_SIG_BUF_HTTP_HOST] = SW_BUF_HTTP_HOST,
    [SW_SIG_BUF_HTTP_USER_AGENT] = SW_BUF_HTTP_USER_AGENT,
    [SW_SIG_BUF_HTTP_HEADER] = SW_BUF_HTTP_HEADER,
    [SW_SIG_BUF_HTTP_HEADER_NAMES] = SW_BUF_HTTP_HEADER_NAMES,
    [SW_SIG_BUF_HTTP_COOKIE] = SW_BUF_HTTP_COOKIE,
    [SW_SIG_BUF_HTTP_CONTENT_TYPE] = SW_BUF_HTTP_CONTENT_TYPE,
    [SW_SIG_BUF_HTTP_STAT_CODE] = SW_BUF_HTTP_STAT_CODE,
    [SW_SIG_BUF_HTTP_REQUEST_BODY] = SW_BUF_HTTP_REQUEST_BODY,
    [SW_SIG_BUF_HTTP_RESPONSE_BODY] = SW_BUF_HTTP_RESPONSE_BODY,
    [SW_SIG_BUF_FILE_DATA] = SW_BUF_FILE_DATA,
    [SW_SIG_BUF_DNS_QUERY] = SW_BUF_DNS_QUERY,
    [SW_SIG_BUF_TLS_SNI] = SW_BUF_TLS_SNI,
    [SW_SIG_BUF_TLS_CERT_SUBJECT] = SW_BUF_TLS_CERT_SUBJECT,
    [SW_SIG_BUF_TLS_CERT_ISSUER] = SW_BUF_TLS_CERT_ISSUER,
    [SW_SIG_BUF_JA3_HASH] = SW_BUF_JA3_HASH,
    [SW_SIG_BUF_JA3S_HASH] = SW_BUF_JA3S_HASH,
    [SW_SIG_BUF_IP_SRC] = -1, /* the inspection's addresses */
    [SW_SIG_BUF_IP_DST] = -1,
    [SW_SIG_BUF_FILE_MD5] = -1, /* from the body's file part: file_digests() */
    [SW_SIG_BUF_FILE_SHA256] = -1,
};

/* filemd5 / filesha256: the digests of an HTTP body that came whole (Suricata matches only
 * a closed file: not one cut by a limit or the connection's end, with a gap, or whose
 * coding did not decode), on the body's side; raw bytes in md5/sha (borrowed by in for the
 * call). The sha256 is the fileinfo event's; the md5 is computed only when a rule asks. */
static void
file_digests(const struct sigs_thread *st, const struct sw_subject *subj, struct sw_sig_input *in,
             uint8_t md5[16], uint8_t sha[32])
{
    const struct sw_file_part *fp = subj->app.file;
    int side;

    if (fp == NULL || !fp->has_http || fp->truncated || fp->gaps || fp->decode_error)
        return;
    if (subj->app.event == SW_APP_EV_HTTP_REQUEST_BODY)
        side = SW_SIDE_REQUEST;
    else if (subj->app.event == SW_APP_EV_HTTP_RESPONSE_BODY)
        side = SW_SIDE_RESPONSE;
    else
        return;
    if ((st->bufs & (1u << SW_SIG_BUF_FILE_SHA256)) != 0 && strlen(fp->sha256) == 64 &&
        sw_dataset_unhex(fp->sha256, 64, sha)) {
        in->buf[side][SW_SIG_BUF_FILE_SHA256].data = sha;
        in->buf[side][SW_SIG_BUF_FILE_SHA256].len = 32;
        in->buf[side][SW_SIG_BUF_FILE_SHA256].present = true;
    }
    if ((st->bufs & (1u << SW_SIG_BUF_FILE_MD5)) != 0) {
        const struct sw_span *sp;
        unsigned n;
        char hex[33];

        sp = sw_subject_buf(subj, (enum sw_side)side, SW_BUF_FILE_DATA, &n);
        if (sp == NULL || n == 0)
            return;
        sw_md5_hex(sp[0].len > 0 ? sp[0].p : (const uint8_t *)"", sp[0].len, hex);
        if (strlen(hex) == 32 && sw_dataset_unhex(hex, 32, md5)) {
            in->buf[side][SW_SIG_BUF_FILE_MD5].data = md5;
            in->buf[side][SW_SIG_BUF_FILE_MD5].len = 16;
            in->buf[side][SW_SIG_BUF_FILE_MD5].present = true;
        }
    }
}

struct emit_ctx {
    struct sw_emitter *em;
    const struct sw_subject *subj;
};

static void
on_alert(void *ctx, const struct sw_sig_alert *a)
{
    struct emit_ctx *ec = ctx;
    struct sw_alert al;

    memset(&al, 0, sizeof(al));
    al.gid = a->gid;
    al.signature_id = a->sid;
    al.rev = a->rev;
    al.severity = (uint8_t)(a->priority < 1 ? 1 : a->priority > 255 ? 255 : a->priority);
    snprintf(al.signature, sizeof(al.signature), "%s", a->msg);
    snprintf(al.category, sizeof(al.category), "%s", a->category);
    al.detector = "rule";
    for (unsigned i = 0; i < a->n_meta; i++)
        sw_alert_meta_add(&al, a->meta_keys[i], a->meta_values[i]);
    (void)sw_emit_alert(ec->em, ec->subj, &al); /* a failure is counted by the stage */
}

/* IPv4 TTL or IPv6 hop limit of the packet, 0 when not captured. */
static uint8_t
ttl_of(const struct sw_packet *p)
{
    size_t at = p->l3_off + (p->ip_version == 4 ? 8u : 7u);

    return at < p->caplen ? p->data[at] : 0;
}

static void
common(struct sw_sig_input *in, const struct sw_subject *s, bool to_server)
{
    const struct sw_flow_ref *f = s->flow;

    in->ts_us = s->ts_us;
    in->ip_version = f->ip_version;
    in->proto = f->proto;
    in->to_server = to_server;
    in->src = to_server ? f->src : f->dst;
    in->dst = to_server ? f->dst : f->src;
    in->sport = to_server ? f->sport : f->dport;
    in->dport = to_server ? f->dport : f->sport;
    in->established = (s->flags & SW_SUBJ_ESTABLISHED) != 0;
    in->ndpi = s->ndpi;
    in->app_proto = s->ndpi != NULL ? s->ndpi->app_proto : "";
    in->ndpi_done = (s->flags & SW_SUBJ_NDPI_DONE) != 0;
    in->ndpi_risks = s->ndpi != NULL ? s->ndpi->risks : 0;
    in->flow_state = s->fstate;
}

/* The application protocol of a transaction is its parser's, as Suricata's app_proto is
 * the parser's that made the transaction: nDPI may not have named the flow yet (a DNS
 * query alone) or may name it otherwise (DNS over a port nDPI reads as another protocol). */
static const char *
tx_proto(enum sw_app_event ev)
{
    switch (ev) {
    case SW_APP_EV_HTTP_REQUEST:
    case SW_APP_EV_HTTP_REQUEST_BODY:
    case SW_APP_EV_HTTP_RESPONSE:
    case SW_APP_EV_HTTP_RESPONSE_BODY:
        return "http";
    case SW_APP_EV_DNS_QUERY:
    case SW_APP_EV_DNS_ANSWER:
        return "dns";
    case SW_APP_EV_TLS_CLIENT_HELLO:
    case SW_APP_EV_TLS_SERVER_HELLO:
    case SW_APP_EV_TLS_CERTIFICATE:
        return "tls";
    default:
        return NULL;
    }
}

static void
sigs_inspect(void *tctx, const struct sw_subject *subj, struct sw_emitter *em)
{
    struct sigs_thread *st = tctx;
    struct sw_sig_input in;
    struct emit_ctx ec = {.em = em, .subj = subj};
    unsigned nq = 1;
    const struct sw_span *dq = NULL;
    uint8_t md5[16], sha[32];

    /* the transaction buffers (1.2 KB) are read at the transaction hook only (sig.h): a
     * packet or a chunk does not pay for clearing them */
    memset(&in, 0, offsetof(struct sw_sig_input, buf));
    switch (subj->hook) {
    case SW_HOOK_PACKET:
        common(&in, subj, subj->dir == SW_DIR_TO_SERVER);
        in.hook = SW_SIG_HOOK_PACKET;
        in.payload = subj->payload.p;
        in.payload_len = subj->payload.len;
        in.pkt_stream = subj->flow->proto == 6; /* TCP payloads: the stream chunks */
        in.no_payload = (subj->flags & SW_SUBJ_NO_PAYLOAD) != 0;
        if (subj->pkt != NULL) {
            in.has_packet = true;
            in.ttl = ttl_of(subj->pkt);
            in.tcp_flags = subj->pkt->tcp_flags;
            in.icmp_type = subj->pkt->icmp_type;
            in.icmp_code = subj->pkt->icmp_code;
        }
        break;
    case SW_HOOK_STREAM_CHUNK:
        common(&in, subj, subj->dir == SW_DIR_TO_SERVER);
        in.hook = SW_SIG_HOOK_STREAM;
        in.payload = subj->stream.data.p;
        in.payload_len = subj->stream.data.len;
        in.stream_off = subj->stream.offset;
        break;
    case SW_HOOK_APP:
        memset(in.buf, 0, sizeof(in.buf));
        /* the client as src, whichever side sent this message */
        common(&in, subj, subj->app.client_is_originator);
        in.to_server = true;
        in.hook = SW_SIG_HOOK_TX;
        if (tx_proto(subj->app.event) != NULL)
            in.app_proto = tx_proto(subj->app.event);
        in.tx_id = subj->app.tx_id;
        for (int side = 0; side < 2; side++) {
            for (int b = 1; b < SW_SIG_BUF_MAX; b++) {
                const struct sw_span *sp;
                unsigned n;

                if ((st->bufs & (1u << b)) == 0 || buf_map[b] < 0)
                    continue;
                sp = sw_subject_buf(subj, (enum sw_side)side, (enum sw_buf)buf_map[b], &n);
                if (sp == NULL || n == 0)
                    continue;
                in.buf[side][b].data = sp[0].p;
                in.buf[side][b].len = sp[0].len;
                in.buf[side][b].present = true;
                if (b == SW_SIG_BUF_DNS_QUERY && side == 0 && n > 1) {
                    dq = sp; /* one inspection per question (a multi-buffer) */
                    nq = n;
                }
            }
        }
        file_digests(st, subj, &in, md5, sha);
        break;
    default:
        return;
    }
    for (unsigned q = 0; q < nq; q++) {
        if (dq != NULL) {
            in.buf[0][SW_SIG_BUF_DNS_QUERY].data = dq[q].p;
            in.buf[0][SW_SIG_BUF_DNS_QUERY].len = dq[q].len;
        }
        (void)sw_sig_inspect(st->t, &in, on_alert, &ec);
    }
}

static void
sigs_flow_free(void *fstate)
{
    sw_sig_flow_free(fstate);
}

static void
sigs_profile(const void *tctx, sw_rule_prof_fn fn, void *ctx)
{
    const struct sigs_thread *st = tctx;

    sw_sig_profile_rows(st->inst->s, st->t, fn, ctx);
}

const struct sw_detector_ops sw_det_sigs_ops = {
    .name = "sigs",
    .create = sigs_create,
    .destroy = sigs_destroy,
    .thread_init = sigs_thread_init,
    .inspect = sigs_inspect,
    .thread_fini = sigs_thread_fini,
    .flow_free = sigs_flow_free,
    .stats = NULL,
    .profile = sigs_profile,
};
