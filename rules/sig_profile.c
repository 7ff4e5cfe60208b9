/* sig_profile.c - a matching thread's per-rule figures as profile rows (rules.profiling; see
 * include/sw/sig.h and include/sw/rule_prof.h). The matcher counts (sig_match.c); this file
 * only names the rules, so profiling needs nothing inside the matcher beyond its counters. */
#include <stdio.h>

#include "sig_int.h"
#include "sw/alloc.h"
#include "sw/sig.h"

void
sw_sig_profile_rows(const struct sw_sig_set *s, const struct sw_sig_thread *t, sw_rule_prof_fn fn,
                    void *ctx)
{
    struct sw_sig_profile *p;

    if (!s->profiling || s->n == 0)
        return;
    p = sw_calloc(s->n, sizeof(*p));
    if (p == NULL) {
        struct sw_rule_prof_row lost = {.language = "suricata", .lost = s->n};

        fn(ctx, &lost);
        return;
    }
    sw_sig_thread_profile(t, p, s->n);
    for (size_t i = 0; i < s->n; i++) {
        const struct sig_rule *r = s->rules[i];
        struct sw_rule_prof_row row = {
            .language = "suricata",
            .gid = p[i].gid,
            .sid = p[i].sid,
            .rev = r->rev,
            .checks = p[i].checks,
            .matches = p[i].matches,
            .ns = p[i].ns,
            .timed = true,
        };

        if (p[i].checks == 0) /* a rule never evaluated costs nothing: not listed */
            continue;
        snprintf(row.msg, sizeof(row.msg), "%s", r->msg != NULL ? r->msg : "");
        fn(ctx, &row);
    }
    sw_free(p);
}
