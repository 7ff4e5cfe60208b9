/* rtest_check.c - the checks of a `seawall rules test` over the EVE events of a run (see
 * include/sw/rtest.h).
 *
 * Semantics are those of suricata-verify's run.py (find_value, FilterCheck, StatsCheck,
 * compare_values), with Python's comparison rules, so a test passes here when it would pass
 * there on the same events. Where run.py would stop the whole run with a Python exception (a
 * string operator on a list, a path through a number), the key simply does not match. What
 * seawall cannot show (a log other than eve.json, an event type it never writes, a stats
 * counter it does not have, a shell command) makes the check skipped with that reason: a
 * check that cannot fail never counts as passed. */
#include "sw/rtest.h"

#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "rtest_int.h"
#include "sw/alloc.h"
#include "sw/event.h"

#define CLOSEST 3    /* events shown for a failed check */
#define MISMATCHES 8 /* keys shown per event */

/* --- requirements --------------------------------------------------------------------------- */

bool
sw_rtest_has_feature(const struct sw_rtest_env *env, const char *feature)
{
    if (strcmp(feature, "yara") == 0 || strcmp(feature, "ndpi") == 0)
        return true;
    return strcmp(feature, "signatures") == 0 && env->signatures;
}

/* "X[.Y[.Z]]" with anything after the last number ("8.0.1-dev"). Parts not given are -1. */
static bool
version_parse(const char *s, long v[3])
{
    v[0] = v[1] = v[2] = -1;
    for (int i = 0; i < 3; i++) {
        char *end;

        if (*s < '0' || *s > '9')
            return i > 0;
        v[i] = strtol(s, &end, 10);
        s = end;
        if (*s != '.')
            return true;
        s++;
    }
    return true;
}

int
sw_rtest_version_cmp(const char *a, const char *b, bool wildcard, bool *ok)
{
    long va[3], vb[3];

    *ok = version_parse(a, va) && version_parse(b, vb);
    if (!*ok)
        return 0;
    for (int i = 0; i < 3; i++) {
        if (wildcard && (va[i] < 0 || vb[i] < 0))
            return 0; /* "8" equals 8.x.y */
        long x = va[i] < 0 ? 0 : va[i], y = vb[i] < 0 ? 0 : vb[i];

        if (x != y)
            return x < y ? -1 : 1;
    }
    return 0;
}

static bool SW_PRINTF(3, 4)
    unmet(struct sw_rtest_reason *why, const char *group, const char *fmt, ...)
{
    va_list ap;

    snprintf(why->group, sizeof(why->group), "%s", group);
    va_start(ap, fmt);
    vsnprintf(why->detail, sizeof(why->detail), fmt, ap);
    va_end(ap);
    return false;
}

static bool
version_unmet(const char *key, const char *want, const char *compat, struct sw_rtest_reason *w)
{
    char group[128];

    snprintf(group, sizeof(group), "requires %s %s", key, want);
    return unmet(w, group, "requires %s %s (seawall follows Suricata %s)", key, want, compat);
}

bool
sw_rtest_requires_met(const struct sw_rtest_requires *r, const struct sw_rtest_env *env,
                      const char *test_dir, struct sw_rtest_reason *why)
{
    bool ok;
    char group[128];

    if (!r->present)
        return true;
    if (r->unknown != NULL)
        return unmet(why, "requires: a key seawall does not know",
                     "requires: %.64s (line %u): not understood by seawall", r->unknown,
                     r->unknown_line);
    if (r->min_version != NULL &&
        (sw_rtest_version_cmp(env->compat, r->min_version, false, &ok) < 0 || !ok))
        return version_unmet("min-version", r->min_version, env->compat, why);
    if (r->lt_version != NULL &&
        (sw_rtest_version_cmp(env->compat, r->lt_version, false, &ok) >= 0 || !ok))
        return version_unmet("lt-version", r->lt_version, env->compat, why);
    if (r->gt_version != NULL &&
        (sw_rtest_version_cmp(env->compat, r->gt_version, false, &ok) <= 0 || !ok))
        return version_unmet("gt-version", r->gt_version, env->compat, why);
    if (r->version != NULL &&
        (sw_rtest_version_cmp(env->compat, r->version, true, &ok) != 0 || !ok))
        return version_unmet("version", r->version, env->compat, why);
    for (size_t i = 0; i < r->features.n; i++) {
        if (!sw_rtest_has_feature(env, r->features.v[i])) {
            snprintf(group, sizeof(group), "requires feature %.64s", r->features.v[i]);
            return unmet(why, group, "requires feature %.64s, which seawall does not have",
                         r->features.v[i]);
        }
    }
    for (size_t i = 0; i < r->env.n; i++)
        if (getenv(r->env.v[i]) == NULL)
            return unmet(why, "requires an environment variable",
                         "requires the environment variable %.64s", r->env.v[i]);
    for (size_t i = 0; i < r->files.n; i++) {
        char path[4096];
        struct stat st;
        const char *f = r->files.v[i];

        if (f[0] == '/' || test_dir == NULL)
            snprintf(path, sizeof(path), "%s", f);
        else
            snprintf(path, sizeof(path), "%s/%s", test_dir, f);
        if (stat(path, &st) != 0)
            return unmet(why, "requires a file", "requires the file %.200s, not found", f);
    }
    if (r->script_line > 0)
        return unmet(why, "requires: script (shell commands)",
                     "requires: script (line %u): shell commands, which seawall never runs",
                     r->script_line);
    if (r->lambda_line > 0)
        return unmet(why, "requires: lambda (a Python expression)",
                     "requires: lambda (line %u): a Python expression, which seawall does not "
                     "evaluate",
                     r->lambda_line);
    if (r->os != NULL && strncasecmp(env->os, r->os, strlen(r->os)) != 0)
        return unmet(why, "requires another OS", "requires os %.32s", r->os);
    if (r->arch != NULL && strncasecmp(env->arch, r->arch, strlen(r->arch)) != 0)
        return unmet(why, "requires another architecture", "requires arch %.32s", r->arch);
    return true;
}

/* --- reports ------------------------------------------------------------------------------ */

static const char *
str_at(const json_t *ev, const char *path)
{
    long long len;
    const json_t *v = sw_rtest_find(ev, path, &len);

    return json_is_string(v) ? json_string_value(v) : NULL;
}

void
sw_rtest_event_summary(const json_t *ev, size_t line, char *buf, size_t len)
{
    const char *type = str_at(ev, "event_type"), *s;
    long long l;
    const json_t *sid = sw_rtest_find(ev, "alert.signature_id", &l);
    size_t n = 0;
    int r;

#define PUT(...)                                                   \
    do {                                                           \
        r = n < len ? snprintf(buf + n, len - n, __VA_ARGS__) : 0; \
        n += r > 0 ? (size_t)r : 0;                                \
    } while (0)
    buf[0] = '\0';
    PUT("eve.json:%zu %s", line, type != NULL ? type : "(no event_type)");
    if (json_is_integer(sid))
        PUT(" sid %lld", (long long)json_integer_value(sid));
    if ((s = str_at(ev, "alert.signature")) != NULL)
        PUT(" \"%.80s\"", s);
    if ((s = str_at(ev, "yara.rule")) != NULL)
        PUT(" yara %.80s", s);
    if ((s = str_at(ev, "fileinfo.filename")) != NULL)
        PUT(" file %.160s", s);
    if ((s = str_at(ev, "src_ip")) != NULL) {
        const json_t *sp = json_object_get(ev, "src_port"), *dp = json_object_get(ev, "dest_port");
        const char *d = str_at(ev, "dest_ip"), *pr = str_at(ev, "proto");

        PUT(" %s:%lld -> %s:%lld %s", s, (long long)json_integer_value(sp), d != NULL ? d : "?",
            (long long)json_integer_value(dp), pr != NULL ? pr : "");
    }
#undef PUT
    if (n >= len && len > 4)
        memcpy(buf + len - 4, "...", 4);
}

/* A short JSON text of v (or "missing") for reports. */
static json_t *
shown(const json_t *v, long long len)
{
    if (len != -2)
        return json_integer(len);
    if (v == NULL)
        return json_string("(missing)");
    return json_deep_copy(v);
}

/* Add to o a new value under key, tolerating allocation failure (the report is shorter). */
static void
put(json_t *o, const char *key, json_t *v)
{
    if (v != NULL)
        json_object_set_new(o, key, v);
}

static json_t *
closest_entry(const struct sw_rtest_events *e, size_t i, const struct sw_rtest_match *m, size_t n_m,
              size_t matched)
{
    json_t *o = json_object(), *mis = json_array();
    char sum[512];

    sw_rtest_event_summary(e->ev[i], e->line[i], sum, sizeof(sum));
    put(o, "eve_line", json_integer((json_int_t)e->line[i]));
    put(o, "event", json_string(sum));
    put(o, "matched", json_integer((json_int_t)matched));
    put(o, "of", json_integer((json_int_t)n_m));
    for (size_t k = 0; k < n_m && json_array_size(mis) < MISMATCHES; k++) {
        long long len;
        const json_t *v = sw_rtest_find(e->ev[i], m[k].path, &len);
        json_t *x;

        if (sw_rtest_apply(&m[k], v, len))
            continue;
        x = json_object();
        put(x, "key", json_string(m[k].key));
        if (m[k].op == SW_RTEST_HAS_KEY || m[k].op == SW_RTEST_NOT_HAS_KEY)
            put(x, "expected", json_string(m[k].op == SW_RTEST_HAS_KEY ? "present" : "absent"));
        else
            put(x, "expected", json_deep_copy(m[k].expected));
        if (m[k].op == SW_RTEST_HAS_KEY || m[k].op == SW_RTEST_NOT_HAS_KEY)
            put(x, "path", json_string(m[k].path));
        put(x, "actual", shown(v, len));
        if (x != NULL)
            json_array_append_new(mis, x);
    }
    put(o, "mismatches", mis);
    return o;
}

/* The events that came closest to matching every key (most keys matched, earliest first),
 * or, when too many matched, the first of those that did. */
static json_t *
closest(const struct sw_rtest_events *e, const struct sw_rtest_match *m, size_t n_m,
        bool want_matching)
{
    size_t best[CLOSEST], score[CLOSEST], nb = 0;
    json_t *a = json_array();

    for (size_t i = 0; i < e->n; i++) {
        size_t s = 0;

        for (size_t k = 0; k < n_m; k++)
            s += sw_rtest_match_one(&m[k], e->ev[i]);
        if ((s == n_m) != want_matching || (!want_matching && s == 0))
            continue;
        /* insert by score, keeping file order among equals */
        size_t pos = nb;

        while (pos > 0 && score[pos - 1] < s)
            pos--;
        if (pos >= CLOSEST)
            continue;
        if (nb < CLOSEST)
            nb++;
        memmove(&best[pos + 1], &best[pos], (nb - 1 - pos) * sizeof(best[0]));
        memmove(&score[pos + 1], &score[pos], (nb - 1 - pos) * sizeof(score[0]));
        best[pos] = i;
        score[pos] = s;
    }
    for (size_t j = 0; a != NULL && j < nb; j++) {
        json_t *o = closest_entry(e, best[j], m, n_m, score[j]);

        if (o != NULL)
            json_array_append_new(a, o);
    }
    return a;
}

static json_t *
result_new(const char *label, unsigned line, const char *type)
{
    json_t *r = json_object();

    put(r, "check", json_string(label));
    put(r, "line", json_integer(line));
    put(r, "type", json_string(type));
    return r;
}

static void
set_result(json_t *r, const char *result, const char *msg)
{
    put(r, "result", json_string(result));
    if (msg != NULL)
        put(r, "message", json_string(msg));
}

static void
set_skipped(json_t *r, const struct sw_rtest_reason *why)
{
    json_t *o = json_object();

    put(o, "group", json_string(why->group));
    put(o, "detail", json_string(why->detail));
    put(r, "reason", o);
    set_result(r, "skipped", why->detail);
}

/* --- checks --------------------------------------------------------------------------------- */

static const char *const kind_names[] = {
    [SW_RTEST_FILTER] = "filter",
    [SW_RTEST_STATS] = "stats",
    [SW_RTEST_SHELL] = "shell",
    [SW_RTEST_FILE_COMPARE] = "file-compare",
};

static void
eval_filter(const struct sw_rtest_check *c, const struct sw_rtest_eval_ctx *x, json_t *r)
{
    const struct sw_rtest_events *e = x->events;
    struct sw_rtest_reason why;
    long long got = 0;
    char msg[256];

    if (c->filename != NULL && strcmp(c->filename, "eve.json") != 0) {
        snprintf(why.group, sizeof(why.group), "filter on a log seawall does not write");
        snprintf(why.detail, sizeof(why.detail), "a filter on %.100s: seawall writes eve.json only",
                 c->filename);
        set_skipped(r, &why);
        return;
    }
    for (size_t k = 0; k < c->n_m; k++) {
        const struct sw_rtest_match *m = &c->m[k];

        /* seawall's anomaly events come from its decoders and stream tracker only */
        if (m->op == SW_RTEST_EQ && strcmp(m->path, "anomaly.type") == 0 &&
            json_is_string(m->expected) && strcmp(json_string_value(m->expected), "decode") != 0 &&
            strcmp(json_string_value(m->expected), "stream") != 0) {
            snprintf(why.group, sizeof(why.group), "anomaly.type %.64s (not written by seawall)",
                     json_string_value(m->expected));
            snprintf(why.detail, sizeof(why.detail),
                     "a filter on anomaly.type %.64s: seawall's anomalies are decode and "
                     "stream ones",
                     json_string_value(m->expected));
            set_skipped(r, &why);
            return;
        }
        if (m->op == SW_RTEST_EQ && strcmp(m->path, "event_type") == 0 &&
            json_is_string(m->expected) &&
            sw_event_type_parse(json_string_value(m->expected)) < 0) {
            snprintf(why.group, sizeof(why.group), "event_type %.64s (not written by seawall)",
                     json_string_value(m->expected));
            snprintf(why.detail, sizeof(why.detail),
                     "a filter on event_type %.64s: seawall writes no such events",
                     json_string_value(m->expected));
            set_skipped(r, &why);
            return;
        }
    }
    for (size_t i = 0; i < e->n; i++) {
        size_t k = 0;

        while (k < c->n_m && sw_rtest_match_one(&c->m[k], e->ev[i]))
            k++;
        got += k == c->n_m;
    }
    put(r, "expected", json_integer(c->count));
    put(r, "actual", json_integer(got));
    if (got == c->count) {
        set_result(r, "ok", NULL);
        return;
    }
    snprintf(msg, sizeof(msg), "expected %lld matching event%s, got %lld", c->count,
             c->count == 1 ? "" : "s", got);
    set_result(r, "failed", msg);
    put(r, "closest", closest(e, c->m, c->n_m, got > c->count));
}

/* v (or the length len) as compact JSON text for a message. */
static void
value_text(const json_t *v, long long len, char *buf, size_t n)
{
    json_t *j = shown(v, len);
    char *txt = j != NULL ? json_dumps(j, JSON_ENCODE_ANY | JSON_COMPACT) : NULL;

    snprintf(buf, n, "%s", txt != NULL ? txt : "?");
    free(txt); /* Jansson's allocation */
    json_decref(j);
}

static void
eval_stats(const struct sw_rtest_check *c, const struct sw_rtest_eval_ctx *x, json_t *r)
{
    const struct sw_rtest_events *e = x->events;
    const json_t *stats = NULL;
    struct sw_rtest_reason why;
    char msg[512];

    for (size_t i = e->n; i > 0 && stats == NULL; i--) {
        const char *t = str_at(e->ev[i - 1], "event_type");

        if (t != NULL && strcmp(t, "stats") == 0)
            stats = json_object_get(e->ev[i - 1], "stats");
    }
    if (stats == NULL) {
        set_result(r, "failed", "no stats event with a stats object in eve.json");
        return;
    }
    for (size_t k = 0; k < c->n_m; k++) {
        const struct sw_rtest_match *m = &c->m[k];
        long long len;
        const json_t *v = sw_rtest_find(stats, m->path, &len);

        if (v == NULL && len == -2) {
            snprintf(why.group, sizeof(why.group), "stats counter seawall does not have");
            snprintf(why.detail, sizeof(why.detail),
                     "stats.%.100s: not a counter in seawall's stats event", m->path);
            set_skipped(r, &why);
            return;
        }
        if (!sw_rtest_apply(m, v, len)) {
            static const char *const opname[] = {[SW_RTEST_GT] = "> ",
                                                 [SW_RTEST_GTE] = ">= ",
                                                 [SW_RTEST_LT] = "< ",
                                                 [SW_RTEST_LTE] = "<= "};
            char want[128], got[128];

            value_text(m->expected, -2, want, sizeof(want));
            value_text(v, len, got, sizeof(got));
            snprintf(msg, sizeof(msg), "stats.%.200s: expected %s%s, got %s", m->path,
                     m->op < sizeof(opname) / sizeof(opname[0]) && opname[m->op] != NULL
                         ? opname[m->op]
                         : "",
                     want, got);
            set_result(r, "failed", msg);
            put(r, "key", json_string(m->key));
            put(r, "expected", json_deep_copy(m->expected));
            put(r, "actual", shown(v, len));
            return;
        }
    }
    set_result(r, "ok", NULL);
}

/* --- expect --------------------------------------------------------------------------------- */

/* fileinfo.filename with the first matching prefix of the context cut. */
static const char *
mapped_file(const json_t *ev, const struct sw_rtest_eval_ctx *x)
{
    const char *f = str_at(ev, "fileinfo.filename");

    if (f == NULL)
        return NULL;
    for (size_t i = 0; i < x->n_strip; i++) {
        size_t n = strlen(x->strip[i]);

        if (strncmp(f, x->strip[i], n) == 0)
            return f + n;
    }
    return f;
}

static bool
names_rule(const json_t *ev, const char *rule)
{
    const char *y = str_at(ev, "yara.rule");
    long long len;
    const json_t *risks = sw_rtest_find(ev, "alert.metadata.ndpi_risk", &len);

    if (y != NULL && strcmp(y, rule) == 0)
        return true;
    for (size_t i = 0; json_is_array(risks) && i < json_array_size(risks); i++) {
        const json_t *v = json_array_get(risks, i);

        if (json_is_string(v) && strcmp(json_string_value(v), rule) == 0)
            return true;
    }
    return false;
}

/* Which parts of item xi an alert satisfies: bit 0 the rule or sid, bit 1 the file. */
static unsigned
expect_score(const struct sw_rtest_expect *xi, const json_t *ev, const struct sw_rtest_eval_ctx *x)
{
    unsigned s = 0;
    long long len;

    if (xi->rule != NULL)
        s |= names_rule(ev, xi->rule) ? 1u : 0u;
    else if (xi->sid >= 0) {
        const json_t *sid = sw_rtest_find(ev, "alert.signature_id", &len);

        s |= json_is_integer(sid) && json_integer_value(sid) == xi->sid ? 1u : 0u;
    } else
        s |= 1u;
    if (xi->file != NULL) {
        const char *f = mapped_file(ev, x);

        s |= f != NULL && strcmp(f, xi->file) == 0 ? 2u : 0u;
    } else {
        s |= 2u;
    }
    return s;
}

static void
expect_what(const struct sw_rtest_expect *xi, char *buf, size_t len)
{
    int n;

    if (xi->rule != NULL)
        n = snprintf(buf, len, "rule %.100s", xi->rule);
    else if (xi->sid >= 0)
        n = snprintf(buf, len, "sid %lld", xi->sid);
    else
        n = snprintf(buf, len, "any alert");
    if (xi->file != NULL && n >= 0 && (size_t)n < len)
        snprintf(buf + n, len - (size_t)n, " on %.200s", xi->file);
}

static json_t *
expect_entry(const struct sw_rtest_events *e, size_t i, const struct sw_rtest_expect *xi,
             const struct sw_rtest_eval_ctx *x, unsigned s)
{
    json_t *o = json_object(), *mis = json_array();
    char sum[512];
    long long len;

    sw_rtest_event_summary(e->ev[i], e->line[i], sum, sizeof(sum));
    put(o, "eve_line", json_integer((json_int_t)e->line[i]));
    put(o, "event", json_string(sum));
    if (!(s & 1u) && xi->rule != NULL) {
        json_t *m = json_object();
        const char *y = str_at(e->ev[i], "yara.rule");

        put(m, "key", json_string(y != NULL ? "yara.rule" : "alert.signature"));
        put(m, "expected", json_string(xi->rule));
        put(m, "actual",
            shown(y != NULL ? json_object_get(json_object_get(e->ev[i], "yara"), "rule")
                            : sw_rtest_find(e->ev[i], "alert.signature", &len),
                  -2));
        json_array_append_new(mis, m);
    } else if (!(s & 1u)) {
        json_t *m = json_object();

        put(m, "key", json_string("alert.signature_id"));
        put(m, "expected", json_integer(xi->sid));
        put(m, "actual", shown(sw_rtest_find(e->ev[i], "alert.signature_id", &len), -2));
        json_array_append_new(mis, m);
    }
    if (!(s & 2u)) {
        json_t *m = json_object();
        const char *f = mapped_file(e->ev[i], x);

        put(m, "key", json_string("file"));
        put(m, "expected", json_string(xi->file));
        put(m, "actual", f != NULL ? json_string(f) : json_string("(none)"));
        json_array_append_new(mis, m);
    }
    put(o, "mismatches", mis);
    return o;
}

static bool
any_alert(const struct sw_rtest_events *e)
{
    for (size_t i = 0; i < e->n; i++) {
        const char *t = str_at(e->ev[i], "event_type");

        if (t != NULL && strcmp(t, "alert") == 0)
            return true;
    }
    return false;
}

static void
eval_expect(const struct sw_rtest_expect *xi, bool no_match, const struct sw_rtest_eval_ctx *x,
            json_t *r)
{
    const struct sw_rtest_events *e = x->events;
    long long got = 0;
    size_t shown_n = 0;
    json_t *cl = json_array();
    char what[400], msg[512];
    bool ok;

    for (size_t i = 0; i < e->n; i++) {
        const char *t = str_at(e->ev[i], "event_type");

        if (t == NULL || strcmp(t, "alert") != 0)
            continue;
        got += expect_score(xi, e->ev[i], x) == 3u;
    }
    if (no_match)
        ok = got == 0;
    else
        ok = xi->count < 0 ? got > 0 : got == xi->count;
    expect_what(xi, what, sizeof(what));
    put(r, "actual", json_integer(got));
    if (no_match)
        put(r, "expected", json_integer(0));
    else if (xi->count >= 0)
        put(r, "expected", json_integer(xi->count));
    else
        put(r, "expected", json_string(">= 1"));
    if (ok) {
        json_decref(cl);
        set_result(r, "ok", NULL);
        return;
    }
    if (no_match && xi->rule == NULL && xi->sid < 0)
        snprintf(msg, sizeof(msg), "no alert expected on %s, got %lld", xi->file, got);
    else if (no_match)
        snprintf(msg, sizeof(msg), "%s should not match: %lld alert%s", what, got,
                 got == 1 ? "" : "s");
    else if (got == 0)
        snprintf(msg, sizeof(msg), "%s did not match: %s", what,
                 any_alert(e) ? "no such alert" : "no alert at all");
    else
        snprintf(msg, sizeof(msg), "%s: expected %lld alert%s, got %lld", what, xi->count,
                 xi->count == 1 ? "" : "s", got);
    set_result(r, "failed", msg);
    /* Closest: the offending alerts (no_match, too many), else alerts of the rule on other
     * files, then alerts of other rules on the file, then any alert. */
    for (unsigned want = 3; cl != NULL && want > 0 && shown_n < CLOSEST; want--) {
        if (!no_match && got == 0 && want == 3)
            continue;
        for (size_t i = 0; i < e->n && shown_n < CLOSEST; i++) {
            const char *t = str_at(e->ev[i], "event_type");
            unsigned s;

            if (t == NULL || strcmp(t, "alert") != 0)
                continue;
            s = expect_score(xi, e->ev[i], x);
            if ((want == 3 && s == 3u) || (want == 2 && (s == 1u || s == 2u)) ||
                (want == 1 && s == 0u)) {
                json_t *o = expect_entry(e, i, xi, x, s);

                if (o != NULL)
                    json_array_append_new(cl, o);
                shown_n++;
            }
        }
        if (no_match || got > 0)
            break; /* only the alerts that did match are of interest */
    }
    put(r, "closest", cl);
}

json_t *
sw_rtest_eval(const struct sw_rtest *t, const struct sw_rtest_eval_ctx *x)
{
    json_t *out = json_array();
    char label[64];

    if (out == NULL)
        return NULL;
    for (int pass = 0; pass < 2; pass++) {
        const struct sw_rtest_expect *v = pass == 0 ? t->match : t->no_match;
        size_t n = pass == 0 ? t->n_match : t->n_no_match;

        for (size_t i = 0; i < n; i++) {
            json_t *r;

            snprintf(label, sizeof(label), "expect %s %zu", pass == 0 ? "match" : "no_match",
                     i + 1);
            r = result_new(label, v[i].line, "expect");
            if (r == NULL || json_array_append_new(out, r) != 0)
                goto oom;
            eval_expect(&v[i], pass == 1, x, r);
        }
    }
    for (size_t i = 0; i < t->n_checks; i++) {
        const struct sw_rtest_check *c = &t->checks[i];
        struct sw_rtest_reason why;
        json_t *r;

        snprintf(label, sizeof(label), "check %zu", i + 1);
        r = result_new(label, c->line, kind_names[c->kind]);
        if (r == NULL || json_array_append_new(out, r) != 0)
            goto oom;
        if (!sw_rtest_requires_met(&c->req, x->env, x->test_dir, &why)) {
            set_skipped(r, &why);
            continue;
        }
        switch (c->kind) {
        case SW_RTEST_FILTER:
            eval_filter(c, x, r);
            break;
        case SW_RTEST_STATS:
            eval_stats(c, x, r);
            break;
        case SW_RTEST_SHELL:
        case SW_RTEST_FILE_COMPARE:
            snprintf(why.group, sizeof(why.group), "%s check (not run by seawall)",
                     kind_names[c->kind]);
            snprintf(why.detail, sizeof(why.detail),
                     "check %zu is a %s check: seawall runs no commands from a test", i + 1,
                     kind_names[c->kind]);
            set_skipped(r, &why);
            break;
        }
    }
    return out;
oom:
    json_decref(out);
    return NULL;
}
