/* fuzz_sig_opts.c - libFuzzer target for the option values the matcher interprets at run
 * time: pcre, byte_test, byte_jump, byte_extract, content with its modifiers, isdataat.
 *
 * Input: one byte choosing a rule template, the value text up to a NUL byte, then bytes to
 * match. The value is put into the template ("alert udp any any -> any any (KEYWORD:VALUE;
 * ... sid:1;)"), loaded, and the bytes are matched as a UDP payload. Checks: a loaded rule
 * is counted once; matching never reads outside the bytes (ASan). */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sw/sig.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Rule templates: the value goes between pre and post. */
static const struct {
    const char *pre, *post;
} templates[] = {
    {"alert udp any any -> any any (pcre:", "; sid:1;)\n"},
    {"alert udp any any -> any any (content:\"a\"; pcre:", "; sid:1;)\n"},
    {"alert udp any any -> any any (byte_test:", "; sid:1;)\n"},
    {"alert udp any any -> any any (content:\"a\"; byte_jump:",
     "; content:\"b\"; within:4; sid:1;)\n"},
    {"alert udp any any -> any any (byte_extract:", "; content:\"b\"; offset:v; depth:v; sid:1;)\n"},
    {"alert udp any any -> any any (byte_extract:1,0,v; byte_test:", "; sid:1;)\n"},
    {"alert udp any any -> any any (content:", "; sid:1;)\n"},
    {"alert udp any any -> any any (content:\"a\"; content:\"b\"; ", "; sid:1;)\n"},
    {"alert udp any any -> any any (content:\"a\"; isdataat:", "; sid:1;)\n"},
};

static void
on_alert(void *ctx, const struct sw_sig_alert *a)
{
    (void)ctx;
    (void)a;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const uint8_t a[16] = {10, 0, 0, 1}, b[16] = {10, 0, 0, 2};
    char val[1024], rule[1300];
    const uint8_t *nul;
    size_t vlen;
    struct sw_sig_load_opts o = {0};
    struct sw_sig_load_stats st;
    struct sw_sig_set *s;
    struct sw_sig_thread *t;
    struct sw_sig_input in;
    struct sw_err err;
    void *fs = NULL;

    if (size < 1)
        return 0;
    nul = memchr(data + 1, 0, size - 1);
    vlen = nul == NULL ? size - 1 : (size_t)(nul - data - 1);
    if (vlen >= sizeof(val))
        return 0;
    memcpy(val, data + 1, vlen);
    val[vlen] = '\0';
    if (memchr(val, '\n', vlen) != NULL)
        return 0; /* one rule */
    size_t k = data[0] % (sizeof(templates) / sizeof(templates[0]));

    snprintf(rule, sizeof(rule), "%s%s%s", templates[k].pre, val, templates[k].post);
    s = sw_sig_load_text("fuzz.rules", rule, strlen(rule), &o, &st, &err);
    if (s == NULL)
        return 0;
    if (st.rules + st.left_out + st.failed != 1)
        abort();
    t = sw_sig_thread_create(s, &err);
    if (t != NULL) {
        memset(&in, 0, sizeof(in));
        in.hook = SW_SIG_HOOK_PACKET;
        in.ip_version = 4;
        in.proto = 17;
        in.src = a;
        in.dst = b;
        in.to_server = true;
        in.has_packet = true;
        in.app_proto = "";
        in.payload = nul != NULL ? nul + 1 : NULL;
        in.payload_len = nul != NULL ? size - vlen - 2 : 0;
        in.flow_state = &fs;
        (void)sw_sig_inspect(t, &in, on_alert, NULL);
        sw_sig_flow_free(fs);
    }
    sw_sig_thread_destroy(t);
    sw_sig_set_destroy(s);
    return 0;
}
