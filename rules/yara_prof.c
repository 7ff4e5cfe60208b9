/* yara_prof.c - per-rule figures of a YARA scanner (rules.profiling; see include/sw/yara.h).
 *
 * libyara decides every rule of the set in each scan and reports the matching ones to the
 * scan callback, so a scanner counts, per rule, the scans (all alike) and the matches, and
 * times whole scans. Time per rule is libyara's to give: yr_scanner_get_profiling_info()
 * fills it only in a libyara built with YR_PROFILING_ENABLED; Debian's libyara 4.2 is not
 * (the function is there but returns an entry without a rule for each rule, all costs 0),
 * so there each rule's row says it is not timed, and the total row carries the time. */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "sw/alloc.h"
#include "yara_int.h"

struct sw_yara_prof {
    const YR_RULES *rules; /* borrowed: the scanner's set */
    uint64_t *matches;     /* owned: one per rule, by index in the rules table */
    uint32_t n;
    uint64_t scans, scans_matched, ns;
};

uint64_t
sw_yara_prof_now(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

void
sw_yara_rules_set_profiling(struct sw_yara_rules *r, bool on)
{
    r->profiling = on;
}

struct sw_yara_prof *
sw_yara_prof_create(const YR_RULES *r)
{
    struct sw_yara_prof *p = sw_calloc(1, sizeof(*p));
    const YR_RULE *rule;

    if (p == NULL)
        return NULL;
    p->rules = r;
    yr_rules_foreach(r, rule) p->n++;
    p->matches = sw_calloc(p->n + 1u, sizeof(*p->matches));
    if (p->matches == NULL) {
        sw_free(p);
        return NULL;
    }
    return p;
}

void
sw_yara_prof_destroy(struct sw_yara_prof *p)
{
    if (p == NULL)
        return;
    sw_free(p->matches);
    sw_free(p);
}

void
sw_yara_prof_scan(struct sw_yara_prof *p, uint64_t ns, bool matched)
{
    p->scans++;
    p->scans_matched += matched;
    p->ns += ns;
}

void
sw_yara_prof_match(struct sw_yara_prof *p, const YR_RULE *rule)
{
    ptrdiff_t i = rule - p->rules->rules_table;

    if (i >= 0 && (uint64_t)i < p->n)
        p->matches[i]++;
}

/* libyara's time per rule, or NULL when this libyara does not measure it (caller frees
 * with yr_free). */
static YR_RULE_PROFILING_INFO *
lib_times(const struct sw_yara_scanner *s, uint32_t n)
{
    YR_RULE_PROFILING_INFO *info;

    if (n == 0)
        return NULL;
    info = yr_scanner_get_profiling_info(s->sc);
    if (info != NULL && info[0].rule == NULL) { /* built without YR_PROFILING_ENABLED */
        yr_free(info);
        return NULL;
    }
    return info;
}

void
sw_yara_scanner_profile(const struct sw_yara_scanner *s, sw_rule_prof_fn fn, void *ctx)
{
    const struct sw_yara_prof *p = s->prof;
    YR_RULE_PROFILING_INFO *info;
    const YR_RULE *rule;
    struct sw_rule_prof_row row;
    uint32_t i = 0;

    if (p == NULL)
        return;
    info = lib_times(s, p->n);
    yr_rules_foreach(p->rules, rule)
    {
        struct sw_alert al;

        if (i >= p->n)
            break;
        memset(&row, 0, sizeof(row));
        memset(&al, 0, sizeof(al));
        sw_yara_rule_alert(&al, rule);
        row.language = "yara";
        row.gid = al.gid;
        row.sid = al.signature_id;
        row.rev = al.rev;
        snprintf(row.name, sizeof(row.name), "%s:%s", rule->ns->name, rule->identifier);
        snprintf(row.msg, sizeof(row.msg), "%s", al.signature);
        row.checks = p->scans;
        row.matches = p->matches[i];
        for (const YR_RULE_PROFILING_INFO *e = info; e != NULL && e->rule != NULL; e++)
            if (e->rule == rule) {
                row.ns = e->cost;
                row.timed = true;
                break;
            }
        fn(ctx, &row);
        i++;
    }
    if (info != NULL)
        yr_free(info);
    if (p->n == 0)
        return; /* a set without rules (no *.yar): no YARA to report */
    memset(&row, 0, sizeof(row));
    row.language = "yara";
    row.total = true;
    row.timed = true;
    row.checks = p->scans;
    row.matches = p->scans_matched;
    row.ns = p->ns;
    fn(ctx, &row);
}
