/* eve_prof.c - the rule_profile event's object (see output/eve_int.h).
 *
 * Shaped after Suricata's rule_perf.log JSON (signature_id, gid, rev, checks, matches, a
 * share of the time), with time in nanoseconds where Suricata counts CPU ticks, and YARA
 * rules beside Suricata's. Seawall-only data: it goes under the event's "seawall" object. */
#include "eve_int.h"

#include <string.h>

static void
put_u64(json_t *o, const char *key, uint64_t v)
{
    json_object_set_new_nocheck(o, key, json_integer((json_int_t)v));
}

static void
put_str(json_t *o, const char *key, const char *s)
{
    json_t *v;

    if (s == NULL || s[0] == '\0')
        return;
    v = json_string(s);
    if (v != NULL) /* rule text is UTF-8 almost always; a name that is not is left out */
        json_object_set_new_nocheck(o, key, v);
}

static json_t *
row_json(const struct sw_rule_prof_row *r, uint64_t base)
{
    json_t *o = json_object();

    if (o == NULL)
        return NULL;
    put_str(o, "language", r->language);
    if (r->name[0] != '\0')
        put_str(o, "rule", r->name);
    put_u64(o, "gid", r->gid);
    put_u64(o, "signature_id", r->sid);
    if (r->rev != 0)
        put_u64(o, "rev", r->rev);
    put_str(o, "signature", r->msg);
    put_u64(o, "checks", r->checks);
    put_u64(o, "matches", r->matches);
    if (r->timed) {
        put_u64(o, "time_ns", r->ns);
        put_u64(o, "avg_ns", r->checks > 0 ? r->ns / r->checks : 0);
        /* a whole percent, as Suricata's rule_perf.log (EVE carries no reals) */
        put_u64(o, "percent", base > 0 ? (uint64_t)(100.0 * (double)r->ns / (double)base) : 0);
    }
    return o;
}

/* totals.LANGUAGE: rules checked, checks, matches, time (and YARA's whole-scan figures). */
static json_t *
totals_json(const struct sw_rule_prof *p)
{
    json_t *t = json_object();
    size_t n = sw_rule_prof_count(p);

    if (t == NULL)
        return NULL;
    for (size_t i = 0; i < n; i++) {
        const struct sw_rule_prof_row *r = sw_rule_prof_get(p, i);
        json_t *l = json_object_get(t, r->language);

        if (l == NULL) {
            l = json_object();
            if (l == NULL || json_object_set_new(t, r->language, l) != 0)
                continue;
            put_u64(l, "rules", 0);
            if (strcmp(r->language, "yara") == 0)
                json_object_set_new_nocheck(l, "per_rule_time", json_false());
        }
        if (r->total) {
            put_u64(l, "scans", r->checks);
            put_u64(l, "scans_matched", r->matches);
            put_u64(l, "time_ns", r->ns);
            continue;
        }
        put_u64(l, "rules", (uint64_t)json_integer_value(json_object_get(l, "rules")) + 1);
        if (strcmp(r->language, "yara") != 0) /* YARA: every rule is decided by each scan */
            put_u64(l, "checks",
                    (uint64_t)json_integer_value(json_object_get(l, "checks")) + r->checks);
        put_u64(l, "matches",
                (uint64_t)json_integer_value(json_object_get(l, "matches")) + r->matches);
        if (r->timed && strcmp(r->language, "yara") == 0)
            json_object_set_new_nocheck(l, "per_rule_time", json_true());
    }
    const char *lang;
    json_t *l;

    json_object_foreach(t, lang, l)
    {
        if (strcmp(lang, "yara") != 0)
            put_u64(l, "time_ns", sw_rule_prof_language_ns(p, lang));
    }
    return t;
}

json_t *
sw_eve_rule_profile_json(const struct sw_rule_prof *p, uint64_t limit)
{
    json_t *o = json_object(), *rules = json_array();
    size_t n = sw_rule_prof_count(p), shown = 0, checked = 0;
    uint64_t base_sig = sw_rule_prof_language_ns(p, "suricata");
    uint64_t base_yara = sw_rule_prof_language_ns(p, "yara");

    if (o == NULL || rules == NULL) {
        json_decref(o);
        json_decref(rules);
        return NULL;
    }
    for (size_t i = 0; i < n; i++) {
        const struct sw_rule_prof_row *r = sw_rule_prof_get(p, i);

        if (r->total)
            continue;
        checked++;
        if (limit != 0 && shown >= limit)
            continue;
        shown++;
        json_array_append_new(rules,
                              row_json(r, strcmp(r->language, "yara") == 0 ? base_yara : base_sig));
    }
    put_u64(o, "threads", sw_rule_prof_threads(p));
    put_u64(o, "rules_checked", checked);
    put_u64(o, "limit", limit);
    json_object_set_new_nocheck(o, "sort", json_string("time"));
    json_object_set_new_nocheck(o, "rules", rules);
    json_object_set_new_nocheck(o, "totals", totals_json(p));
    if (sw_rule_prof_lost(p) > 0)
        put_u64(o, "rows_lost", sw_rule_prof_lost(p));
    return o;
}
