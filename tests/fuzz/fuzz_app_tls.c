/* fuzz_app_tls.c - libFuzzer target for collectors/net/app_tls.c.
 *
 * Input: one control byte, then records [b][data...]: the low 7 bits of b are the record's
 * length (0..126 bytes follow, fewer at the end of input), the top bit the direction; 0x7f
 * makes a gap in that direction instead. Control bit 0: fail one allocation (which: bits
 * 4..7); bit 1: track records up to the first application data (cfg.app_data). Small limits (1 KiB handshake messages, 64-byte names) so the cut paths run.
 * Checks: strings NUL-terminated and within their limits, events at most once each, memuse
 * back to 0 after destroy. Anything wrong aborts. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sw/alloc.h"
#include "sw/app_tls.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static unsigned events[SW_TLS_EVENT_MAX];

static void
check(bool ok)
{
    if (!ok)
        abort();
}

static void
on_event(void *ctx, enum sw_tls_event ev, const struct sw_tls_info *i)
{
    (void)ctx;
    check((unsigned)ev < SW_TLS_EVENT_MAX && ++events[ev] == 1);
    check(strlen(i->subject) <= 64 && strlen(i->issuerdn) <= 64);
    check(strlen(i->sni) <= 4 * 255 && i->sni_len <= 255);
    check(strlen(i->serial) < 200 && strlen(i->fingerprint) < 200);
    check(strlen(i->notbefore) < 24 && strlen(i->notafter) < 24);
    check(i->version_name != NULL);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct sw_tls_stats st;
    struct sw_tls_cfg cfg;
    struct sw_tls *t;
    size_t i = 1;

    if (size < 1)
        return 0;
    memset(&st, 0, sizeof(st));
    memset(events, 0, sizeof(events));
    sw_tls_cfg_defaults(&cfg);
    cfg.max_handshake = 1024;
    cfg.max_name = 64;
    cfg.app_data = (data[0] & 0x02) != 0;
    if (data[0] & 0x01)
        sw_alloc_fail_at(1u + (data[0] >> 4));
    t = sw_tls_create(&cfg, &st, on_event, NULL, NULL);
    while (t != NULL && i < size) {
        uint8_t b = data[i++];
        int dir = b >> 7;
        size_t n = b & 0x7f;

        if (n == 0x7f) {
            sw_tls_gap(t, dir);
            continue;
        }
        if (n > size - i)
            n = size - i;
        sw_tls_feed(t, dir, data + i, n);
        i += n;
        check(st.memuse < 16u * 1024);
    }
    sw_alloc_fail_at(0);
    sw_tls_destroy(t);
    check(st.memuse == 0);
    return 0;
}
