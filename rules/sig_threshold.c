/* sig_threshold.c - threshold (type limit, threshold, both) and detection_filter, tracked by
 * source, destination, rule or both, over `seconds` of capture time.
 *
 * Parsing on the loading thread. The counters live in a per-thread table (struct
 * sig_thtable): a flow and every flow between the same two hosts are on one worker, so
 * by_both and most by_src/by_dst counts are exact; a source talking to hosts on several
 * workers is counted per worker (README "Suricata rules"). The table has a fixed size: when a
 * probe finds no free slot, the entry whose window ended first is reused (counted). */
#include "sig_int.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sw/alloc.h"
#include "sw/hash.h"

static enum sig_prc
parse(struct sig_loader *L, const struct sig_opt *o, bool df, struct sig_threshold *t)
{
    char buf[256], *save = NULL, *tok;
    bool have_type = df, have_track = false, have_count = false, have_secs = false;

    if (o->value == NULL || o->value[0] == '\0')
        return sig_fail(L, "needs a value");
    if (snprintf(buf, sizeof(buf), "%s", o->value) >= (int)sizeof(buf))
        return sig_fail(L, "value too long");
    memset(t, 0, sizeof(*t));
    t->type = SIG_TH_DETECTION_FILTER;
    for (tok = strtok_r(buf, ",", &save); tok != NULL; tok = strtok_r(NULL, ",", &save)) {
        char key[32], val[64], extra;
        unsigned long long v;

        if (sscanf(tok, " %31s %63s %c", key, val, &extra) != 2)
            return sig_fail(L, "'%.40s' is not 'key value'", tok);
        if (!df && strcmp(key, "type") == 0) {
            if (strcmp(val, "limit") == 0)
                t->type = SIG_TH_LIMIT;
            else if (strcmp(val, "threshold") == 0)
                t->type = SIG_TH_THRESHOLD;
            else if (strcmp(val, "both") == 0)
                t->type = SIG_TH_BOTH;
            else if (strcmp(val, "backoff") == 0)
                return sig_unsupported(L, "threshold type backoff");
            else
                return sig_fail(L, "'%.20s' is not limit, threshold or both", val);
            have_type = true;
        } else if (strcmp(key, "track") == 0) {
            if (strcmp(val, "by_src") == 0)
                t->track = SIG_TRACK_SRC;
            else if (strcmp(val, "by_dst") == 0)
                t->track = SIG_TRACK_DST;
            else if (strcmp(val, "by_rule") == 0)
                t->track = SIG_TRACK_RULE;
            else if (strcmp(val, "by_both") == 0)
                t->track = SIG_TRACK_BOTH;
            else if (strcmp(val, "by_flow") == 0)
                return sig_unsupported(L, "track by_flow");
            else
                return sig_fail(L, "'%.20s' is not by_src, by_dst, by_rule or by_both", val);
            have_track = true;
        } else if (strcmp(key, "count") == 0 || strcmp(key, "seconds") == 0) {
            char *end;

            v = strtoull(val, &end, 10);
            if (!isdigit((unsigned char)val[0]) || *end != '\0' || v > UINT32_MAX ||
                (key[0] == 's' && v == 0))
                return sig_fail(L, "%s: '%.20s' is not a number%s", key, val,
                                key[0] == 's' ? " from 1" : "");
            if (key[0] == 'c') {
                t->count = (uint32_t)v;
                have_count = true;
            } else {
                t->seconds = (uint32_t)v;
                have_secs = true;
            }
        } else if (strcmp(key, "unique_on") == 0) {
            return sig_unsupported(L, "threshold unique_on");
        } else {
            return sig_fail(L, "unknown key '%.20s'", key);
        }
    }
    if (!have_type || !have_track || !have_count || !have_secs)
        return sig_fail(L, "needs %strack, count and seconds", df ? "" : "type, ");
    if (!df && t->count == 0)
        return sig_fail(L, "count must be at least 1");
    return SIG_PARSE_OK;
}

enum sig_prc
sig_kw_threshold(struct sig_loader *L, struct sig_pstate *ps, const struct sig_opt *o)
{
    if (ps->r->has_threshold)
        return sig_fail(L, "given twice");
    if (ps->r->has_detection_filter)
        return sig_fail(L, "with detection_filter in one rule");
    if (parse(L, o, false, &ps->r->threshold) != SIG_PARSE_OK)
        return L->unsupported != NULL ? SIG_PARSE_UNSUPPORTED : SIG_PARSE_FAIL;
    ps->r->has_threshold = true;
    return SIG_PARSE_OK;
}

enum sig_prc
sig_kw_detection_filter(struct sig_loader *L, struct sig_pstate *ps, const struct sig_opt *o)
{
    if (ps->r->has_detection_filter)
        return sig_fail(L, "given twice");
    if (ps->r->has_threshold)
        return sig_fail(L, "with threshold in one rule");
    if (parse(L, o, true, &ps->r->detection_filter) != SIG_PARSE_OK)
        return L->unsupported != NULL ? SIG_PARSE_UNSUPPORTED : SIG_PARSE_FAIL;
    ps->r->has_detection_filter = true;
    return SIG_PARSE_OK;
}

/* --- per-thread counters --------------------------------------------------------------------- */

#define TH_PROBE 8

struct th_entry {
    uint32_t sid, gid;
    uint8_t track, used;
    uint8_t a[16], b[16];  /* tracked addresses (zero when not tracked) */
    uint64_t timeout_us;   /* end of the current window */
    uint32_t count;
};

struct sig_thtable {
    struct th_entry *e;    /* owned, mask + 1 */
    size_t mask;
    struct sw_hash_key key;
    uint64_t reused;       /* live entries given up for lack of room */
};

struct sig_thtable *
sig_th_create(size_t slots)
{
    struct sig_thtable *t = sw_calloc(1, sizeof(*t));
    size_t n = 64;

    while (n < slots)
        n <<= 1;
    if (t == NULL)
        return NULL;
    t->e = sw_calloc(n, sizeof(*t->e));
    if (t->e == NULL || sw_hash_key_random(&t->key, NULL) != SW_OK) {
        sig_th_destroy(t);
        return NULL;
    }
    t->mask = n - 1;
    return t;
}

void
sig_th_destroy(struct sig_thtable *t)
{
    if (t == NULL)
        return;
    sw_free(t->e);
    sw_free(t);
}

bool
sig_th_allow(struct sig_thtable *t, const struct sig_rule *r, const struct sig_threshold *th,
             const uint8_t *src, const uint8_t *dst, uint64_t ts_us)
{
    struct th_entry k, *slot = NULL, *oldest = NULL;
    uint64_t h;

    memset(&k, 0, sizeof(k));
    k.sid = r->sid;
    k.gid = r->gid;
    k.track = (uint8_t)th->track;
    if (th->track == SIG_TRACK_SRC || th->track == SIG_TRACK_BOTH)
        memcpy(k.a, src, 16);
    if (th->track == SIG_TRACK_DST)
        memcpy(k.a, dst, 16);
    if (th->track == SIG_TRACK_BOTH)
        memcpy(k.b, dst, 16);
    h = sw_hash_bytes(&t->key, &k, offsetof(struct th_entry, timeout_us));
    for (unsigned i = 0; i < TH_PROBE; i++) {
        struct th_entry *e = &t->e[(h + i) & t->mask];

        if (e->used && e->sid == k.sid && e->gid == k.gid && e->track == k.track &&
            memcmp(e->a, k.a, 16) == 0 && memcmp(e->b, k.b, 16) == 0) {
            slot = e;
            break;
        }
        if (!e->used || e->timeout_us < ts_us) {
            if (oldest == NULL || oldest->used)
                oldest = e; /* a free or expired slot */
        } else if (oldest == NULL || (oldest->used && e->timeout_us < oldest->timeout_us)) {
            oldest = e;
        }
    }
    uint64_t win = (uint64_t)th->seconds * 1000000u;
    bool fresh = slot == NULL || ts_us > slot->timeout_us;

    if (slot == NULL) {
        slot = oldest;
        if (slot->used && slot->timeout_us >= ts_us)
            t->reused++;
        k.used = 1;
        *slot = k;
    }
    if (fresh) {
        slot->timeout_us = ts_us + win;
        slot->count = 1;
        switch (th->type) {
        case SIG_TH_LIMIT:
            return true;
        case SIG_TH_THRESHOLD:
            if (th->count == 1) {
                slot->count = 0;
                return true;
            }
            return false;
        case SIG_TH_BOTH:
            return th->count == 1;
        case SIG_TH_DETECTION_FILTER:
            return slot->count > th->count;
        }
        return true;
    }
    slot->count++;
    switch (th->type) {
    case SIG_TH_LIMIT:
        return slot->count <= th->count;
    case SIG_TH_THRESHOLD:
        if (slot->count >= th->count) {
            slot->count = 0;
            return true;
        }
        return false;
    case SIG_TH_BOTH:
        return slot->count == th->count;
    case SIG_TH_DETECTION_FILTER:
        return slot->count > th->count;
    }
    return true;
}
