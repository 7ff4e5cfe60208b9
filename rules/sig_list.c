/* sig_list.c - one rule's list of content matches (content, pcre, byte_*, isdataat, bsize)
 * against one buffer, with Suricata's semantics: depth/offset from the start of the buffer,
 * distance/within from the end of the previous match, a content searched again while what
 * follows it fails (within, or a relative pcre, byte_* or isdataat after it), at most
 * SIG_RECURSION_LIMIT steps per list. Called by sig_match.c for each buffer a candidate rule
 * inspects; the thread's scratch comes in the context. */
#include "sig_int.h"

#include <stdlib.h>
#include <string.h>

static int64_t
numv(const struct sig_mctx *m, const struct sig_num *n)
{
    return n->var >= 0 ? m->vars[n->var] : n->v;
}

/* 1 match, 0 no match here (a caller may retry), -1 no match and no retry. */
static int
inspect(struct sig_mctx *m, const struct sig_list *l, size_t i, size_t pos)
{
    const struct sig_sm *sm;

    if (i == l->n) /* a stream match counts when its last byte is a new one */
        return !l->has_pos || m->min_end == 0 || pos > m->min_end ? 1 : 0;
    if (++m->steps > SIG_RECURSION_LIMIT)
        return -1;
    sm = &l->sm[i];
    switch (sm->type) {
    case SIG_SM_CONTENT: {
        const struct sig_content *c = sm->ctx;
        bool rel = (c->flags & (SIG_C_DISTANCE | SIG_C_WITHIN)) != 0;
        size_t retry = 0;

        for (;;) {
            int64_t start, end = (int64_t)m->len;

            if (rel) {
                int64_t dist = (c->flags & SIG_C_DISTANCE) ? numv(m, &c->distance) : 0;

                start = (int64_t)pos + dist;
                if (start < 0)
                    start = 0;
                if (c->flags & SIG_C_WITHIN) {
                    int64_t w = (int64_t)pos + dist + numv(m, &c->within);

                    if (w < end)
                        end = w;
                }
            } else {
                /* offsets count from the start of the buffer; for stream data, of the
                 * new chunk (as Suricata's per-packet inspection sees a segment) */
                int64_t off = (c->flags & SIG_C_OFFSET) ? numv(m, &c->offset) : 0;

                /* unanchored: the kept tail too, so a match across chunks is found */
                start = (c->flags & (SIG_C_OFFSET | SIG_C_DEPTH)) ? off + (int64_t)m->anchor : 0;
                if (c->flags & SIG_C_DEPTH) {
                    int64_t d = off + numv(m, &c->depth) + (int64_t)m->anchor;

                    if (d <= 0)
                        return (c->flags & SIG_C_NEGATED) ? inspect(m, l, i + 1, pos) : -1;
                    if (d < end)
                        end = d;
                }
                if (start < 0)
                    start = 0;
            }
            if (retry != 0)
                start = (int64_t)retry;
            if (end > (int64_t)m->len)
                end = (int64_t)m->len;
            int64_t found = -1;

            if (start <= end && end > 0 &&
                !((c->flags & SIG_C_ENDSWITH) && end < (int64_t)m->len))
                found = sig_content_find(c, m->buf, (size_t)start, (size_t)end);
            if (found < 0) {
                if (c->flags & SIG_C_NEGATED)
                    return inspect(m, l, i + 1, pos);
                return rel ? 0 : -1;
            }
            size_t mend = (size_t)found + c->len;

            if (c->flags & SIG_C_NEGATED) {
                if ((c->flags & SIG_C_ENDSWITH) && mend != m->len)
                    return inspect(m, l, i + 1, pos);
                return rel ? 0 : -1;
            }
            if ((c->flags & SIG_C_ENDSWITH) == 0 || mend == m->len) {
                int r = inspect(m, l, i + 1, mend);

                if (r != 0)
                    return r;
                /* search again: what follows may fit a later occurrence, or (stream) this
                 * occurrence lies wholly in bytes already inspected */
                if ((c->flags & SIG_C_RELATIVE_NEXT) == 0 && m->min_end == 0)
                    return -1;
            }
            retry = (size_t)found + 1;
        }
    }
    case SIG_SM_PCRE: {
        size_t p = pos;
        int r = sig_pcre_exec(m, sm->ctx, &p);

        if (r <= 0)
            return 0;
        r = inspect(m, l, i + 1, p);
        return r == 1 ? 1 : 0;
    }
    case SIG_SM_BYTE_TEST:
    case SIG_SM_BYTE_JUMP:
    case SIG_SM_BYTE_EXTRACT: {
        size_t p = pos;

        if (!sig_byte_exec(m, sm->type, sm->ctx, &p))
            return 0;
        return inspect(m, l, i + 1, sm->type == SIG_SM_BYTE_TEST ? pos : p);
    }
    case SIG_SM_ISDATAAT: {
        const struct sig_isdataat *d = sm->ctx;
        int64_t n = numv(m, &d->n);
        /* Suricata: relative, pos + n within the buffer; absolute, byte n exists */
        bool has = d->relative ? (int64_t)pos + n <= (int64_t)m->len
                               : n + (int64_t)m->anchor < (int64_t)m->len;
        if (has == d->negated)
            return d->relative ? 0 : -1;
        return inspect(m, l, i + 1, pos);
    }
    case SIG_SM_BSIZE:
        if (!sig_u64cmp_match(sm->ctx, m->len))
            return -1;
        return inspect(m, l, i + 1, pos);
    case SIG_SM_DATASET:
        if (!sig_dataset_match(sm->ctx, m->buf, m->len))
            return -1;
        return inspect(m, l, i + 1, pos);
    }
    return -1;
}

bool
sig_list_match(struct sig_mctx *m, const struct sig_list *l)
{
    m->steps = 0;
    return inspect(m, l, 0, 0) == 1;
}
