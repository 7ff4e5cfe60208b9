/* rule_prof.c - per-rule profiling tables: merge, sort, print (see include/sw/rule_prof.h).
 *
 * Rows live in one growable array; an open-addressing index (FNV-1a of the rule's key, linear
 * probing, at most half full) finds a rule's row, so merging the rows of many threads over a
 * large rule set stays linear. Rule files are the operator's, not hostile input: an unkeyed
 * hash is enough. */
#include "sw/rule_prof.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "sw/alloc.h"

#define MAX_ROWS (16u * 1024u * 1024u) /* far above any rule set: a bound on the allocation */

struct sw_rule_prof {
    struct sw_rule_prof_row *row; /* owned, n used of cap */
    size_t n, cap;
    uint32_t *idx; /* owned: row index + 1, 0 empty; n_idx slots, a power of two */
    size_t n_idx;
    uint64_t lost;
    unsigned threads;
    bool sorted; /* idx no longer matches row order: rebuilt before the next add */
};

static uint64_t
fnv(uint64_t h, const void *p, size_t n)
{
    const unsigned char *b = p;

    for (size_t i = 0; i < n; i++) {
        h ^= b[i];
        h *= UINT64_C(0x100000001b3);
    }
    return h;
}

static uint64_t
row_hash(const struct sw_rule_prof_row *r)
{
    uint64_t h = UINT64_C(0xcbf29ce484222325);

    h = fnv(h, r->language, strlen(r->language));
    h = fnv(h, &r->gid, sizeof(r->gid));
    h = fnv(h, &r->sid, sizeof(r->sid));
    h = fnv(h, &r->total, sizeof(r->total));
    return fnv(h, r->name, strnlen(r->name, sizeof(r->name)));
}

static bool
same_rule(const struct sw_rule_prof_row *a, const struct sw_rule_prof_row *b)
{
    return a->gid == b->gid && a->sid == b->sid && a->total == b->total &&
           strcmp(a->language, b->language) == 0 && strncmp(a->name, b->name, sizeof(a->name)) == 0;
}

struct sw_rule_prof *
sw_rule_prof_create(void)
{
    return sw_calloc(1, sizeof(struct sw_rule_prof));
}

void
sw_rule_prof_destroy(struct sw_rule_prof *p)
{
    if (p == NULL)
        return;
    sw_free(p->row);
    sw_free(p->idx);
    sw_free(p);
}

/* The slot of r in idx (empty when absent). */
static size_t
slot_of(const struct sw_rule_prof *p, const struct sw_rule_prof_row *r)
{
    size_t mask = p->n_idx - 1, i = (size_t)row_hash(r) & mask;

    while (p->idx[i] != 0 && !same_rule(&p->row[p->idx[i] - 1], r))
        i = (i + 1) & mask;
    return i;
}

/* Rebuild the index with n_idx slots (a power of two above twice the rows). */
static enum sw_rc
reindex(struct sw_rule_prof *p, size_t n_idx)
{
    uint32_t *idx = sw_calloc(n_idx, sizeof(*idx));

    if (idx == NULL)
        return SW_ENOMEM;
    sw_free(p->idx);
    p->idx = idx;
    p->n_idx = n_idx;
    for (size_t i = 0; i < p->n; i++)
        p->idx[slot_of(p, &p->row[i])] = (uint32_t)(i + 1);
    p->sorted = false;
    return SW_OK;
}

enum sw_rc
sw_rule_prof_add(struct sw_rule_prof *p, const struct sw_rule_prof_row *row)
{
    struct sw_rule_prof_row *r;
    size_t s;

    if (row->lost > 0) {
        p->lost += row->lost;
        return SW_OK;
    }
    if (p->sorted || p->n_idx < 2 * (p->n + 1)) {
        size_t want = p->n_idx < 64 ? 64 : p->n_idx;

        while (want < 2 * (p->n + 1))
            want *= 2;
        if (reindex(p, want) != SW_OK)
            goto lost;
    }
    s = slot_of(p, row);
    if (p->idx[s] != 0) {
        r = &p->row[p->idx[s] - 1];
        r->checks += row->checks;
        r->matches += row->matches;
        r->ns += row->ns;
        r->timed = r->timed && row->timed;
        if (r->rev < row->rev)
            r->rev = row->rev;
        return SW_OK;
    }
    if (p->n == p->cap) {
        size_t cap = p->cap == 0 ? 64 : p->cap * 2;
        struct sw_rule_prof_row *nr;

        if (cap > MAX_ROWS)
            goto lost;
        nr = sw_realloc(p->row, cap * sizeof(*nr));
        if (nr == NULL)
            goto lost;
        p->row = nr;
        p->cap = cap;
    }
    r = &p->row[p->n];
    *r = *row;
    r->name[sizeof(r->name) - 1] = '\0';
    r->msg[sizeof(r->msg) - 1] = '\0';
    p->n++;
    p->idx[s] = (uint32_t)p->n;
    return SW_OK;
lost:
    p->lost++;
    return SW_ENOMEM;
}

void
sw_rule_prof_add_cb(void *ctx, const struct sw_rule_prof_row *row)
{
    (void)sw_rule_prof_add(ctx, row); /* a failure is counted in the table */
}

void
sw_rule_prof_merge(struct sw_rule_prof *dst, const struct sw_rule_prof *src)
{
    if (src == NULL)
        return;
    for (size_t i = 0; i < src->n; i++)
        sw_rule_prof_add_cb(dst, &src->row[i]);
    dst->lost += src->lost;
    dst->threads += src->threads;
}

void
sw_rule_prof_thread(struct sw_rule_prof *p)
{
    p->threads++;
}

static int
cmp_u64_desc(uint64_t a, uint64_t b)
{
    return a > b ? -1 : a < b ? 1 : 0;
}

static int
cmp_row(const void *pa, const void *pb)
{
    const struct sw_rule_prof_row *a = pa, *b = pb;
    int c;

    if (a->total != b->total)
        return a->total ? 1 : -1;
    if (a->timed != b->timed)
        return a->timed ? -1 : 1;
    if (a->timed && (c = cmp_u64_desc(a->ns, b->ns)) != 0)
        return c;
    if ((c = cmp_u64_desc(a->checks, b->checks)) != 0)
        return c;
    if ((c = cmp_u64_desc(a->matches, b->matches)) != 0)
        return c;
    if ((c = strcmp(a->language, b->language)) != 0)
        return c;
    if (a->gid != b->gid)
        return a->gid < b->gid ? -1 : 1;
    if (a->sid != b->sid)
        return a->sid < b->sid ? -1 : 1;
    return strncmp(a->name, b->name, sizeof(a->name));
}

void
sw_rule_prof_sort(struct sw_rule_prof *p)
{
    if (p->n > 1)
        qsort(p->row, p->n, sizeof(*p->row), cmp_row);
    p->sorted = true; /* the index points at old positions: rebuilt by the next add */
}

size_t
sw_rule_prof_count(const struct sw_rule_prof *p)
{
    return p->n;
}

const struct sw_rule_prof_row *
sw_rule_prof_get(const struct sw_rule_prof *p, size_t i)
{
    return i < p->n ? &p->row[i] : NULL;
}

uint64_t
sw_rule_prof_lost(const struct sw_rule_prof *p)
{
    return p->lost;
}

unsigned
sw_rule_prof_threads(const struct sw_rule_prof *p)
{
    return p->threads;
}

uint64_t
sw_rule_prof_language_ns(const struct sw_rule_prof *p, const char *language)
{
    uint64_t ns = 0;

    for (size_t i = 0; i < p->n; i++)
        if (p->row[i].timed && !p->row[i].total && strcmp(p->row[i].language, language) == 0)
            ns += p->row[i].ns;
    return ns;
}

/* "1:2100498" for a Suricata rule, the name for a YARA rule. */
static void
rule_label(const struct sw_rule_prof_row *r, char *buf, size_t len)
{
    if (r->name[0] != '\0')
        snprintf(buf, len, "%s", r->name);
    else
        snprintf(buf, len, "%" PRIu32 ":%" PRIu32, r->gid, r->sid);
}

void
sw_rule_prof_print(const struct sw_rule_prof *p, size_t limit, FILE *fp)
{
    uint64_t base_sig = sw_rule_prof_language_ns(p, "suricata");
    uint64_t base_yara = sw_rule_prof_language_ns(p, "yara");
    size_t rules = 0, shown = 0, matched = 0;
    int width = 4; /* of the rule column: its longest label shown, at most 48 */
    bool untimed = false;

    for (size_t i = 0; i < p->n; i++) {
        char label[160];
        int len;

        if (p->row[i].total)
            continue;
        rules++;
        if (limit == 0 || rules <= limit) {
            rule_label(&p->row[i], label, sizeof(label));
            len = (int)strlen(label);
            width = len > width ? (len > 48 ? 48 : len) : width;
        }
        matched += p->row[i].matches > 0;
        untimed = untimed || (!p->row[i].timed && strcmp(p->row[i].language, "yara") == 0);
    }
    fprintf(fp, "rule profile: %zu rules checked, %zu matched, %u thread%s; worst first%s\n", rules,
            matched, p->threads, p->threads == 1 ? "" : "s",
            limit != 0 && rules > limit ? " (first rows: rules.profiling_limit)" : "");
    if (rules > 0)
        fprintf(fp, "  %4s  %-8s  %-*s %12s %10s %12s %10s %7s  %s\n", "#", "language", width,
                "rule", "checks", "matches", "time ms", "avg ns", "% time", "msg");
    for (size_t i = 0; i < p->n && (limit == 0 || shown < limit); i++) {
        const struct sw_rule_prof_row *r = &p->row[i];
        char label[160], ms[32], avg[32], pct[16];

        if (r->total)
            continue;
        shown++;
        rule_label(r, label, sizeof(label));
        if (r->timed) {
            uint64_t base = strcmp(r->language, "yara") == 0 ? base_yara : base_sig;

            snprintf(ms, sizeof(ms), "%.3f", (double)r->ns / 1e6);
            snprintf(avg, sizeof(avg), "%" PRIu64, r->checks > 0 ? r->ns / r->checks : 0);
            snprintf(pct, sizeof(pct), "%.1f",
                     base > 0 ? 100.0 * (double)r->ns / (double)base : 0.0);
        } else {
            snprintf(ms, sizeof(ms), "-");
            snprintf(avg, sizeof(avg), "-");
            snprintf(pct, sizeof(pct), "-");
        }
        fprintf(fp, "  %4zu  %-8s  %-*s %12" PRIu64 " %10" PRIu64 " %12s %10s %7s  %s\n", shown,
                r->language, width, label, r->checks, r->matches, ms, avg, pct, r->msg);
    }
    for (size_t i = 0; i < p->n; i++) {
        const struct sw_rule_prof_row *r = &p->row[i];

        if (!r->total)
            continue;
        fprintf(fp, "  %s: %" PRIu64 " scans, %" PRIu64 " with a match, %.3f ms in all%s\n",
                r->language, r->checks, r->matches, (double)r->ns / 1e6,
                r->checks > 0 ? "" : " (nothing scanned)");
    }
    if (base_sig > 0)
        fprintf(fp, "  suricata: %.3f ms in rule evaluations\n", (double)base_sig / 1e6);
    if (base_yara > 0)
        fprintf(fp, "  yara: %.3f ms in rule evaluations\n", (double)base_yara / 1e6);
    if (untimed)
        fprintf(fp, "  note: %s\n", SW_RULE_PROF_YARA_NOTE);
    if (p->lost > 0)
        fprintf(fp, "  %" PRIu64 " rows lost (out of memory)\n", p->lost);
}
