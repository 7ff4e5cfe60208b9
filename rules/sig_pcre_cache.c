/* sig_pcre_cache.c - the compiled pcre patterns of a rule set, cached in the rules cache
 * directory as one file, pcre2.cache, under the trust rules of rules/cache_int.h.
 *
 * Compiling ET Open's patterns is ~50 M instructions on each parsing thread (a sixth of a
 * warm load); decoding them from PCRE2's own serialized form (pcre2_serialize_encode) is a
 * copy. The file maps (options, pattern text) to a compiled pattern, so it does not depend
 * on which rules use a pattern: a pattern not in it is compiled as before (and then the file
 * is written again, with the set's patterns), one in it is never compiled. A pattern that
 * does not compile is never in it, so a bad pattern fails its rule whether cached or not.
 *
 * Format (host byte order; a file of another machine is refused by its checksum or by
 * PCRE2's own header check): PC_MAGIC, the PCRE2 version line, a 64-bit checksum of what
 * follows, the chunk count, then per chunk: its pattern count and serialized size, each
 * pattern's options, length and text, and PCRE2's serialized codes of those patterns.
 * Chunks of at most PC_CHUNK patterns are decoded on first use, each by the thread that
 * needs it.
 *
 * Threads: the index (struct sig_pcache) is read-only once open. Decoded codes share one
 * copy of PCRE2's character tables per decode, with a reference count PCRE2 changes without
 * a lock on every copy and free of such a code: so each parsing thread decodes its own
 * (struct sig_pcview), and every code made from a view is freed on the thread that parsed
 * its rule (sw_sig_set_destroy frees rules by parsing thread) or after the threads are
 * joined; the matching threads JIT-compile copies with their own tables (sig_pcre.c). */
#define PCRE2_CODE_UNIT_WIDTH 8
#include "sig_int.h"

#include <errno.h>
#include <pcre2.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cache_int.h"
#include "sw/alloc.h"
#include "sw/log.h"

#define PC_MAGIC "seawall-pcre-cache 1\n"
#define PC_NAME "pcre2.cache"
#define PC_MAX (256u << 20)
#define PC_CHUNK 256

struct pc_entry {
    const char *pat; /* borrowed: in the mapping */
    uint32_t len, opts;
    uint32_t chunk, idx; /* its code: chunk's idx-th */
};

struct pc_chunk {
    const uint8_t *blob; /* borrowed: in the mapping */
    size_t len;
    uint32_t count;
};

struct sig_pcache {
    const void *map; /* owned: the file (rcache_map) */
    size_t map_len;
    struct pc_entry *e; /* owned */
    size_t n;
    uint32_t *slot; /* owned: open addressing, entry index + 1 (0: free) */
    size_t cap;
    struct pc_chunk *c; /* owned */
    size_t n_c;
};

struct sig_pcview {
    const struct sig_pcache *pc; /* borrowed */
    pcre2_code ***codes;         /* owned: per chunk, its decoded codes (NULL: not yet) */
    bool *bad;                   /* owned: per chunk, decoding failed */
};

/* A 64-bit checksum of [p, p + n): against truncation and stray writes (the trust in the
 * bytes is the owner checks', not this). ~1 instruction per byte. */
static uint64_t
pc_sum(const uint8_t *p, size_t n)
{
    uint64_t h = 0x243F6A8885A308D3ull ^ n, w;
    size_t i = 0;

    for (; i + 8 <= n; i += 8) {
        memcpy(&w, p + i, 8);
        h = (h ^ w) * 0x9E3779B97F4A7C15ull;
        h ^= h >> 31;
    }
    for (; i < n; i++)
        h = (h ^ p[i]) * 0x100000001B3ull;
    return h ^ (h >> 29);
}

static uint64_t
pc_hash(const char *pat, size_t len, uint32_t opts)
{
    uint64_t h = 0xCBF29CE484222325ull ^ opts;

    for (size_t i = 0; i < len; i++)
        h = (h ^ (uint8_t)pat[i]) * 0x100000001B3ull;
    return h ^ (h >> 32);
}

static const char *
pc_version(char *buf, size_t len)
{
    if (pcre2_config(PCRE2_CONFIG_VERSION, buf) < 0 || len < 32)
        snprintf(buf, len, "?");
    return buf;
}

void
sig_pcache_close(struct sig_pcache *pc)
{
    if (pc == NULL)
        return;
    rcache_unmap(pc->map, pc->map_len);
    sw_free(pc->e);
    sw_free(pc->slot);
    sw_free(pc->c);
    sw_free(pc);
}

static bool
rd(const uint8_t *b, size_t len, size_t *off, void *out, size_t n)
{
    if (len - *off < n)
        return false;
    memcpy(out, b + *off, n);
    *off += n;
    return true;
}

/* Index the file b[0, len); false when it is not a whole file of this build's PCRE2. */
static bool
pc_index(struct sig_pcache *pc, const uint8_t *b, size_t len, const char **why)
{
    char ver[64];
    size_t off = strlen(PC_MAGIC), vl;
    uint64_t sum, n_c, total = 0;

    pc_version(ver, sizeof(ver));
    vl = strlen(ver) + 1;
    *why = "bad header";
    if (len < off + vl + 16 || memcmp(b, PC_MAGIC, off) != 0 || memcmp(b + off, ver, vl) != 0)
        return false;
    off += vl;
    memcpy(&sum, b + off, 8);
    off += 8;
    *why = "bad checksum";
    if (pc_sum(b + off, len - off) != sum)
        return false;
    *why = "bad layout";
    if (!rd(b, len, &off, &n_c, 8) || n_c > len / 16)
        return false;
    pc->c = sw_calloc(n_c + 1, sizeof(*pc->c));
    if (pc->c == NULL)
        return false;
    /* two passes: count the entries, then index them */
    for (int pass = 0; pass < 2; pass++) {
        size_t o = off;

        for (uint64_t k = 0; k < n_c; k++) {
            uint64_t cnt, bl;

            if (!rd(b, len, &o, &cnt, 8) || !rd(b, len, &o, &bl, 8) || cnt == 0 || cnt > PC_CHUNK)
                return false;
            for (uint64_t i = 0; i < cnt; i++) {
                uint32_t hdr[2];

                if (!rd(b, len, &o, hdr, 8) || len - o < hdr[1])
                    return false;
                if (pass == 1) {
                    struct pc_entry *e = &pc->e[pc->n++];

                    e->opts = hdr[0];
                    e->len = hdr[1];
                    e->pat = (const char *)b + o;
                    e->chunk = (uint32_t)k;
                    e->idx = (uint32_t)i;
                }
                o += hdr[1];
            }
            if (len - o < bl)
                return false;
            if (pass == 1) {
                pc->c[k].blob = b + o;
                pc->c[k].len = (size_t)bl;
                pc->c[k].count = (uint32_t)cnt;
                if (pcre2_serialize_get_number_of_codes(b + o) != (int32_t)cnt) {
                    *why = "not of this PCRE2";
                    return false;
                }
            }
            o += (size_t)bl;
            total += pass == 0 ? cnt : 0;
        }
        if (o != len)
            return false;
        if (pass == 0) {
            pc->e = sw_calloc(total + 1, sizeof(*pc->e));
            pc->cap = 64;
            while (pc->cap < 2 * total)
                pc->cap *= 2;
            pc->slot = sw_calloc(pc->cap, sizeof(*pc->slot));
            if (pc->e == NULL || pc->slot == NULL)
                return false;
        }
    }
    pc->n_c = (size_t)n_c;
    for (size_t i = 0; i < pc->n; i++) {
        const struct pc_entry *e = &pc->e[i];
        size_t h = (size_t)pc_hash(e->pat, e->len, e->opts) & (pc->cap - 1);

        while (pc->slot[h] != 0)
            h = (h + 1) & (pc->cap - 1);
        pc->slot[h] = (uint32_t)i + 1;
    }
    return true;
}

struct sig_pcache *
sig_pcache_open(const char *dir, bool *refused)
{
    bool missing = false;
    /* refused: the prefilter's cache, in the same folder, says so (once) */
    int dfd = rcache_open_dir_q(dir, &missing, refused, true);
    struct sig_pcache *pc;
    const char *why = "out of memory";

    if (dfd == -1)
        return NULL;
    pc = sw_calloc(1, sizeof(*pc));
    if (pc == NULL) {
        close(dfd);
        return NULL;
    }
    pc->map = rcache_map(dir, dfd, PC_NAME, PC_MAX, &pc->map_len, &missing);
    close(dfd);
    if (pc->map == NULL) {
        sw_free(pc);
        return NULL;
    }
    if (!pc_index(pc, pc->map, pc->map_len, &why)) {
        sw_log_warn("rules cache %s/%s: ignored (%s), compiling the patterns", dir, PC_NAME, why);
        sig_pcache_close(pc);
        return NULL;
    }
    return pc;
}

struct sig_pcview *
sig_pcview_create(const struct sig_pcache *pc)
{
    struct sig_pcview *v;

    if (pc == NULL)
        return NULL;
    v = sw_calloc(1, sizeof(*v));
    if (v == NULL)
        return NULL;
    v->pc = pc;
    v->codes = sw_calloc(pc->n_c + 1, sizeof(*v->codes));
    v->bad = sw_calloc(pc->n_c + 1, sizeof(*v->bad));
    if (v->codes == NULL || v->bad == NULL) {
        sig_pcview_destroy(v);
        return NULL;
    }
    return v;
}

void
sig_pcview_destroy(struct sig_pcview *v)
{
    if (v == NULL)
        return;
    for (size_t k = 0; v->codes != NULL && k < v->pc->n_c; k++) {
        for (uint32_t i = 0; v->codes[k] != NULL && i < v->pc->c[k].count; i++)
            pcre2_code_free(v->codes[k][i]);
        sw_free(v->codes[k]);
    }
    sw_free(v->codes);
    sw_free(v->bad);
    sw_free(v);
}

void *
sig_pcview_take(struct sig_pcview *v, const char *pat, size_t len, uint32_t opts)
{
    const struct sig_pcache *pc;
    const struct pc_entry *e = NULL;
    size_t h;

    if (v == NULL)
        return NULL;
    pc = v->pc;
    h = (size_t)pc_hash(pat, len, opts) & (pc->cap - 1);
    for (; pc->slot[h] != 0; h = (h + 1) & (pc->cap - 1)) {
        const struct pc_entry *x = &pc->e[pc->slot[h] - 1];

        if (x->opts == opts && x->len == len && memcmp(x->pat, pat, len) == 0) {
            e = x;
            break;
        }
    }
    if (e == NULL || v->bad[e->chunk])
        return NULL;
    if (v->codes[e->chunk] == NULL) {
        const struct pc_chunk *c = &pc->c[e->chunk];
        pcre2_code **codes = sw_calloc(c->count, sizeof(*codes));

        if (codes == NULL)
            return NULL;
        if (pcre2_serialize_decode(codes, (int32_t)c->count, c->blob, NULL) != (int32_t)c->count) {
            /* PCRE2 leaves the codes decoded before a bad one (out of memory: it frees them
             * and clears their slots); their shared tables stay (1 KiB, this failure only) */
            for (uint32_t i = 0; i < c->count; i++)
                pcre2_code_free(codes[i]);
            sw_free(codes);
            v->bad[e->chunk] = true;
            return NULL;
        }
        v->codes[e->chunk] = codes;
    }
    /* a copy: the rule owns it and may free it before another rule asks for the pattern */
    return pcre2_code_copy(v->codes[e->chunk][e->idx]);
}

/* --- writing ----------------------------------------------------------------------------- */

struct pc_pat {
    const char *pat; /* borrowed: the rule's */
    uint32_t len, opts;
    pcre2_code *code; /* borrowed (the rule's) or owned (fresh) */
    bool own;
};

struct pc_buf {
    uint8_t *b;
    size_t len, cap;
    bool oom;
};

static void
put(struct pc_buf *o, const void *p, size_t n)
{
    if (o->oom)
        return;
    if (o->cap - o->len < n) {
        size_t nc = o->cap ? o->cap : 64 * 1024;
        uint8_t *nb;

        while (nc - o->len < n)
            nc *= 2;
        nb = sw_realloc(o->b, nc);
        if (nb == NULL) {
            o->oom = true;
            return;
        }
        o->b = nb;
        o->cap = nc;
    }
    memcpy(o->b + o->len, p, n);
    o->len += n;
}

/* Unique patterns of the set, those of the loading thread's rules first (the chunks a
 * thread decodes are then mostly its own). Codes decoded from the cache carry tables of
 * their own, which PCRE2 will not serialize with the others': those are compiled again. */
static struct pc_pat *
pc_collect(struct sig_rule *const *rules, size_t n, size_t *np)
{
    size_t cap = 64, cnt = 0, max = 0;
    uint32_t *slot;
    struct pc_pat *v;

    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < rules[i]->n_lists; j++)
            max += rules[i]->lists[j].n;
    while (cap < 2 * max)
        cap *= 2;
    slot = sw_calloc(cap, sizeof(*slot));
    v = sw_calloc(max + 1, sizeof(*v));
    if (slot == NULL || v == NULL) {
        sw_free(slot);
        sw_free(v);
        return NULL;
    }
    for (int parser = 0; parser < 2; parser++) {
        for (size_t i = 0; i < n; i++) {
            const struct sig_rule *r = rules[i];

            if ((r->parser != 0) != (parser != 0))
                continue;
            for (size_t j = 0; j < r->n_lists; j++) {
                for (size_t k = 0; k < r->lists[j].n; k++) {
                    const struct sig_sm *sm = &r->lists[j].sm[k];
                    struct pc_pat p = {0};
                    bool decoded = false, dup = false;
                    size_t h;

                    if (sm->type != SIG_SM_PCRE)
                        continue;
                    p.pat = sig_pcre_text(sm->ctx, &p.opts, &decoded);
                    if (p.pat == NULL)
                        continue;
                    p.len = (uint32_t)strlen(p.pat);
                    h = (size_t)pc_hash(p.pat, p.len, p.opts) & (cap - 1);
                    for (; slot[h] != 0 && !dup; h = (h + 1) & (cap - 1)) {
                        const struct pc_pat *x = &v[slot[h] - 1];

                        dup = x->opts == p.opts && x->len == p.len &&
                              memcmp(x->pat, p.pat, p.len) == 0;
                    }
                    if (dup)
                        continue;
                    p.code = sig_pcre_code(sm->ctx);
                    if (decoded) {
                        int ec;
                        PCRE2_SIZE eo;

                        p.code = pcre2_compile((PCRE2_SPTR)p.pat, p.len, p.opts, &ec, &eo, NULL);
                        p.own = true;
                        if (p.code == NULL)
                            continue; /* it compiled before: memory */
                    }
                    slot[h] = (uint32_t)cnt + 1;
                    v[cnt++] = p;
                }
            }
        }
    }
    sw_free(slot);
    *np = cnt;
    return v;
}

static bool
pc_encode(struct pc_buf *o, const struct pc_pat *v, size_t n)
{
    char ver[64];
    uint64_t sum = 0, n_c = (n + PC_CHUNK - 1) / PC_CHUNK;
    size_t sum_at;
    const pcre2_code *codes[PC_CHUNK];

    pc_version(ver, sizeof(ver));
    put(o, PC_MAGIC, strlen(PC_MAGIC));
    put(o, ver, strlen(ver) + 1);
    sum_at = o->len;
    put(o, &sum, 8);
    put(o, &n_c, 8);
    for (size_t k = 0; k < n && !o->oom; k += PC_CHUNK) {
        uint64_t cnt = n - k < PC_CHUNK ? n - k : PC_CHUNK, bl;
        uint8_t *blob = NULL;
        PCRE2_SIZE size = 0;

        for (size_t i = 0; i < cnt; i++)
            codes[i] = v[k + i].code;
        if (pcre2_serialize_encode(codes, (int32_t)cnt, &blob, &size, NULL) != (int32_t)cnt)
            return false;
        bl = size;
        put(o, &cnt, 8);
        put(o, &bl, 8);
        for (size_t i = 0; i < cnt; i++) {
            uint32_t hdr[2] = {v[k + i].opts, v[k + i].len};

            put(o, hdr, 8);
            put(o, v[k + i].pat, v[k + i].len);
        }
        put(o, blob, size);
        pcre2_serialize_free(blob);
    }
    if (o->oom)
        return false;
    sum = pc_sum(o->b + sum_at + 8, o->len - sum_at - 8);
    memcpy(o->b + sum_at, &sum, 8);
    return true;
}

void
sig_pcache_save(const char *dir, struct sig_rule *const *rules, size_t n)
{
    size_t np = 0;
    struct pc_pat *v = pc_collect(rules, n, &np);
    struct pc_buf o = {0};
    bool missing = false, refused = false;
    int dfd = -1;

    if (v == NULL || np == 0 || !pc_encode(&o, v, np))
        goto out;
    if (rcache_mkdir_p(dir) != 0) {
        sw_log_info("rules cache %s: cannot create: %s", dir, strerror(errno));
        goto out;
    }
    dfd = rcache_open_dir(dir, &missing, &refused);
    if (dfd == -1)
        goto out;
    if (!rcache_write(dfd, PC_NAME, o.b, o.len))
        sw_log_info("rules cache %s: cannot save %s: %s", dir, PC_NAME, strerror(errno));
    close(dfd);
out:
    for (size_t i = 0; v != NULL && i < np; i++)
        if (v[i].own)
            pcre2_code_free(v[i].code);
    sw_free(v);
    sw_free(o.b);
}
