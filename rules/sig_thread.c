/* sig_thread.c - a matching thread's state (struct sw_sig_thread: Hyperscan scratch, PCRE2
 * match data, candidate set, threshold table, address memo) made and freed, its counters
 * and profile read, and a flow's matching state freed. The inspection is sig_match.c's. A
 * thread owns its state; flow state belongs to the flow's worker. */
#include "sig_match_int.h"

#include <stdlib.h>
#include <string.h>

#include "sw/alloc.h"

void *
sig_thread_pcre_md(struct sw_sig_thread *t)
{
    return t->pcre_md;
}

void
sig_thread_pcre_error(struct sw_sig_thread *t)
{
    t->c.pcre_errors++;
}

struct sw_sig_thread *
sw_sig_thread_create(const struct sw_sig_set *s, struct sw_err *err)
{
    struct sw_sig_thread *t = sw_calloc(1, sizeof(*t));
    char msg[256];

    if (t == NULL)
        goto oom;
    t->s = s;
    t->pcre_md = sig_pcre_mdata_create(s->n_pcre);
    t->th = sig_th_create(65536);
    t->mark = sw_calloc(s->n / 64 + 1, sizeof(*t->mark));
    t->cand = sw_calloc(s->n + 1, sizeof(*t->cand));
    t->memo = sw_calloc((size_t)1 << ADDR_MEMO_BITS, sizeof(*t->memo));
    if (t->pcre_md == NULL || t->th == NULL || t->mark == NULL || t->cand == NULL ||
        t->memo == NULL)
        goto oom;
    if (s->profiling) {
        t->prof = sw_calloc(s->n + 1, sizeof(*t->prof));
        if (t->prof == NULL)
            goto oom;
    }
    /* (a call per scan asked the prefilter) */
    for (int h = 0; h <= SW_SIG_HOOK_TX; h++)
        for (int b = 0; b < SW_SIG_BUF_MAX; b++)
            if (sig_prefilter_has_dot(s->pf, h, (enum sw_sig_buf)b))
                t->dot_bufs[h] |= 1u << b;
    for (int h = 0; h <= SW_SIG_HOOK_TX; h++)
        for (int pc = 0; pc < SIG_PC_MAX; pc++)
            for (int syn = 0; syn < 2; syn++) {
                t->always[h][pc][syn] =
                    sig_prefilter_always(s->pf, h, pc, syn != 0, &t->n_always[h][pc][syn]);
                t->always_port_bits[h][pc][syn] =
                    sig_prefilter_always_port_bits(s->pf, h, pc, syn != 0);
            }
    msg[0] = '\0';
    t->scratch = sig_prefilter_scratch(s->pf, msg, sizeof(msg));
    if (t->scratch == NULL && msg[0] != '\0') {
        sw_err_set(err, SW_ENOMEM, "signatures: %s", msg);
        sw_sig_thread_destroy(t);
        return NULL;
    }
    return t;
oom:
    sw_err_set(err, SW_ENOMEM, "signatures: out of memory for a matching thread");
    sw_sig_thread_destroy(t);
    return NULL;
}

void
sw_sig_thread_destroy(struct sw_sig_thread *t)
{
    if (t == NULL)
        return;
    sig_prefilter_scratch_free(t->scratch);
    sig_pcre_mdata_free(t->pcre_md);
    sig_th_destroy(t->th);
    sw_free(t->mark);
    sw_free(t->cand);
    sw_free(t->dot);
    sw_free(t->win);
    sw_free(t->prof);
    sw_free(t->memo);
    sw_free(t);
}

void
sw_sig_thread_counters(const struct sw_sig_thread *t, struct sw_sig_counters *out)
{
    *out = t->c;
    out->pcre_compiled = sig_pcre_mdata_compiled(t->pcre_md);
}

void
sw_sig_thread_profile(const struct sw_sig_thread *t, struct sw_sig_profile *out, size_t n)
{
    for (size_t i = 0; i < n && i < t->s->n; i++) {
        out[i].gid = t->s->rules[i]->gid;
        out[i].sid = t->s->rules[i]->sid;
        if (t->prof != NULL) {
            out[i].checks += t->prof[i].checks;
            out[i].matches += t->prof[i].matches;
            out[i].ns += t->prof[i].ns;
        }
    }
}

void
sw_sig_flow_free(void *p)
{
    struct sig_flowstate *fs = p;

    if (fs == NULL)
        return;
    sw_free(fs->bits);
    for (int d = 0; d < 2; d++) {
        if (fs->tail[d] != NULL)
            sw_free(fs->tail[d]->carry);
        sw_free(fs->tail[d]);
    }
    sw_free(fs);
}
