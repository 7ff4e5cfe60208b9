/* fuzz_sig_lists.c - libFuzzer target for the list files rules load (issue 14): the file hash
 * lists of filemd5 / filesha256 (Suricata's format) and the address lists of ip.src / ip.dst
 * datasets, then one lookup of each kind.
 *
 * Input: one byte choosing the rule (filesha256, filemd5, negated filesha256, ip.src with a
 * type ip set, ip.dst with a type ipv4 set), then the list's bytes. The list is handed to the
 * loader as a memfd's /proc/self/fd path; a rule that loads is run on an IPv4 packet, an IPv6
 * packet and a transaction carrying file digests taken from the list's first bytes. Checks:
 * loading never reads outside the list (ASan), a failed list fails only its rule. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "sw/sig.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Each rule: the text before the list's path, and after it. */
static const struct {
    const char *pre, *post;
} rules[] = {
    {"alert http any any -> any any (filesha256:", "; sid:1;)\n"},
    {"alert http any any -> any any (filemd5:", "; sid:1;)\n"},
    {"alert http any any -> any any (flow:to_client; filesha256:!", "; sid:1;)\n"},
    {"alert ip any any -> any any (ip.src; dataset:isset,l,type ip,load ", "; sid:1;)\n"},
    {"alert ip any any -> any any (ip.dst; dataset:isnotset,l,type ipv4,load ", "; sid:1;)\n"},
};

static void
on_alert(void *ctx, const struct sw_sig_alert *a)
{
    (void)ctx;
    (void)a;
}

static void
run(struct sw_sig_thread *t, const uint8_t *data, size_t size)
{
    uint8_t a[16] = {10, 0, 0, 1}, b[16] = {192, 0, 2, 1}, dig[32] = {0};
    struct sw_sig_input in;
    void *fs = NULL;

    memcpy(dig, data, size < sizeof(dig) ? size : sizeof(dig));
    memset(&in, 0, sizeof(in));
    in.hook = SW_SIG_HOOK_PACKET;
    in.ip_version = 4;
    in.proto = 17;
    in.src = size >= 4 ? data : a;
    in.dst = b;
    in.sport = 40000;
    in.dport = 53;
    in.to_server = true;
    in.has_packet = true;
    in.app_proto = "";
    in.flow_state = &fs;
    (void)sw_sig_inspect(t, &in, on_alert, NULL);
    if (size >= 16) {
        in.ip_version = 6;
        in.src = data;
        in.dst = data;
        (void)sw_sig_inspect(t, &in, on_alert, NULL);
    }
    in.ip_version = 4;
    in.src = a;
    in.dst = b;
    in.proto = 6;
    in.dport = 80;
    in.hook = SW_SIG_HOOK_TX;
    in.has_packet = false;
    in.app_proto = "http";
    for (int side = 0; side < 2; side++) {
        in.buf[side][SW_SIG_BUF_FILE_SHA256].data = dig;
        in.buf[side][SW_SIG_BUF_FILE_SHA256].len = 32;
        in.buf[side][SW_SIG_BUF_FILE_SHA256].present = true;
        in.buf[side][SW_SIG_BUF_FILE_MD5].data = dig;
        in.buf[side][SW_SIG_BUF_FILE_MD5].len = 16;
        in.buf[side][SW_SIG_BUF_FILE_MD5].present = true;
    }
    (void)sw_sig_inspect(t, &in, on_alert, NULL);
    sw_sig_flow_free(fs);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct sw_sig_load_opts o = {0};
    struct sw_sig_load_stats st;
    struct sw_sig_set *s;
    struct sw_sig_thread *t;
    struct sw_err err;
    char path[64], text[256];
    int fd, k;

    if (size < 1)
        return 0;
    fd = memfd_create("fuzz-list", MFD_CLOEXEC);
    if (fd == -1)
        return 0;
    if (size > 1 && write(fd, data + 1, size - 1) != (ssize_t)(size - 1)) {
        close(fd);
        return 0;
    }
    snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
    k = data[0] % (int)(sizeof(rules) / sizeof(rules[0]));
    k = snprintf(text, sizeof(text), "%s%s%s", rules[k].pre, path, rules[k].post);
    s = sw_sig_load_text("fuzz.rules", text, (size_t)k, &o, &st, &err);
    close(fd);
    if (s == NULL)
        return 0;
    if (st.rules + st.failed + st.left_out != 1)
        __builtin_trap(); /* one rule: loaded, failed or left out */
    t = sw_sig_thread_create(s, &err);
    if (t != NULL) {
        run(t, data + 1, size - 1);
        sw_sig_thread_destroy(t);
    }
    sw_sig_set_destroy(s);
    return 0;
}
