/* fuzz_sig_parse.c - libFuzzer target for the Suricata rule parser and matcher
 * (rules/sig_*.c).
 *
 * Input: rules text, optionally followed by a NUL byte and bytes to match. The text is
 * loaded with sw_sig_load_text() (no cache, built-in variables and classes); a loaded set
 * then inspects the bytes as a UDP packet, as two chunks of a TCP stream and as every
 * buffer of an HTTP, a DNS and a TLS transaction. Checks: every rule is counted once as
 * loaded, left out or failed (the diagnostics say as many), and a NULL set comes with an
 * error message. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sw/sig.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static size_t n_diag;

static void
count(void *ctx, enum sw_sig_diag kind, const char *msg)
{
    (void)ctx;
    (void)kind;
    if (msg == NULL || msg[0] == '\0')
        abort();
    n_diag++;
}

static void
on_alert(void *ctx, const struct sw_sig_alert *a)
{
    (void)ctx;
    if (a->sid == 0 || a->msg == NULL)
        abort();
}

static void
inspect(struct sw_sig_thread *t, const uint8_t *p, size_t n)
{
    static const uint8_t a[16] = {10, 0, 0, 1}, b[16] = {192, 168, 1, 1};
    struct sw_sig_input in;
    void *fs = NULL;

    memset(&in, 0, sizeof(in));
    in.hook = SW_SIG_HOOK_PACKET;
    in.ip_version = 4;
    in.proto = 17;
    in.src = a;
    in.dst = b;
    in.sport = 1024;
    in.dport = 53;
    in.to_server = true;
    in.has_packet = true;
    in.established = true;
    in.app_proto = "dns";
    in.payload = p;
    in.payload_len = n;
    in.flow_state = &fs;
    (void)sw_sig_inspect(t, &in, on_alert, NULL);
    sw_sig_flow_free(fs);
    fs = NULL;
    in.proto = 6;
    in.dport = 80;
    in.app_proto = "http";
    in.hook = SW_SIG_HOOK_STREAM;
    in.payload_len = n / 2;
    (void)sw_sig_inspect(t, &in, on_alert, NULL);
    in.payload = p + n / 2;
    in.payload_len = n - n / 2;
    in.stream_off = n / 2;
    (void)sw_sig_inspect(t, &in, on_alert, NULL);
    in.hook = SW_SIG_HOOK_TX;
    in.payload = NULL;
    in.payload_len = 0;
    for (int side = 0; side < 2; side++)
        for (int k = 1; k < SW_SIG_BUF_MAX; k++) {
            in.buf[side][k].data = p;
            in.buf[side][k].len = n;
            in.buf[side][k].present = true;
        }
    (void)sw_sig_inspect(t, &in, on_alert, NULL);
    in.app_proto = "tls";
    in.tx_id = 1;
    (void)sw_sig_inspect(t, &in, on_alert, NULL);
    in.proto = 17;
    in.app_proto = "dns";
    in.tx_id = 2;
    (void)sw_sig_inspect(t, &in, on_alert, NULL);
    sw_sig_flow_free(fs);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const uint8_t *nul = memchr(data, 0, size);
    size_t tlen = nul == NULL ? size : (size_t)(nul - data);
    struct sw_sig_load_opts o = {.report = count};
    struct sw_sig_load_stats st;
    struct sw_sig_thread *t;
    struct sw_sig_set *s;
    struct sw_err err;

    n_diag = 0;
    s = sw_sig_load_text("fuzz.rules", (const char *)data, tlen, &o, &st, &err);
    if (s == NULL) {
        if (err.msg[0] == '\0')
            abort();
        return 0;
    }
    if (sw_sig_set_count(s) != st.rules || st.left_out + st.failed + st.warnings > n_diag)
        abort();
    t = sw_sig_thread_create(s, &err);
    if (t != NULL && nul != NULL)
        inspect(t, nul + 1, size - tlen - 1);
    sw_sig_thread_destroy(t);
    sw_sig_set_destroy(s);
    return 0;
}
