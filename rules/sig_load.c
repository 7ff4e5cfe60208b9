/* sig_load.c - loading a set of Suricata rules (include/sw/sig.h): the *.rules files of a
 * folder or one file, rule by rule; duplicate sids; the evaluation order; the prefilter.
 * Loading thread (main); a folder's files are parsed on it and one more thread (sig_load_mt.c).
 * The set is immutable afterwards. */
#include "sig_int.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sw/alloc.h"
#include "sw/dataset.h"
#include "sw/log.h"

void
sig_left_out_add(struct sig_loader *L, const char *what, size_t n)
{
    char kw[64];

    snprintf(kw, sizeof(kw), "%s", what);
    for (size_t i = 0; i < L->n_lo; i++) {
        if (strcmp(L->lo[i].kw, kw) == 0) {
            L->lo[i].n += n;
            return;
        }
    }
    if (L->n_lo == L->cap_lo) {
        size_t nc = L->cap_lo ? L->cap_lo * 2 : 32;
        void *nl = sw_realloc(L->lo, nc * sizeof(*L->lo));

        if (nl == NULL)
            return; /* the count of this keyword is lost, the rule is still counted */
        L->lo = nl;
        L->cap_lo = nc;
    }
    snprintf(L->lo[L->n_lo].kw, sizeof(L->lo[L->n_lo].kw), "%s", kw);
    L->lo[L->n_lo].n = n;
    L->n_lo++;
}

static void
diag(struct sig_loader *L, enum sw_sig_diag kind, const char *fmt, ...) SW_PRINTF(3, 4);

static void
diag(struct sig_loader *L, enum sw_sig_diag kind, const char *fmt, ...)
{
    va_list ap;
    char tmp[800];

    if (kind == SW_SIG_DIAG_WARNING)
        L->st->warnings++;
    if (L->o->report == NULL)
        return;
    va_start(ap, fmt);
    vsnprintf(tmp, sizeof(tmp), fmt, ap);
    va_end(ap);
    L->o->report(L->o->ctx, kind, tmp);
}

/* --- duplicate sids -------------------------------------------------------------------------- */

/* Duplicates are found after loading, by sorting on gid:sid (a linear lookup per rule would
 * be quadratic over a 30k-rule set). */
static int
sid_cmp(const void *a, const void *b)
{
    const struct sig_rule *x = *(struct sig_rule *const *)a, *y = *(struct sig_rule *const *)b;

    if (x->gid != y->gid)
        return x->gid < y->gid ? -1 : 1;
    if (x->sid != y->sid)
        return x->sid < y->sid ? -1 : 1;
    return x->idx < y->idx ? -1 : x->idx > y->idx;
}

/* Keep one rule per gid:sid: the highest rev (the later of equals is a failure). */
static void
dedupe(struct sig_loader *L)
{
    size_t j = 0;

    for (size_t i = 0; i < L->n_rules; i++)
        L->rules[i]->idx = (uint32_t)i;
    if (L->n_rules > 1) /* L->rules is NULL without rules: qsort wants a pointer */
        qsort(L->rules, L->n_rules, sizeof(*L->rules), sid_cmp);
    for (size_t i = 0; i < L->n_rules; i++) {
        struct sig_rule *r = L->rules[i];

        if (j > 0 && L->rules[j - 1]->sid == r->sid && L->rules[j - 1]->gid == r->gid) {
            struct sig_rule *o = L->rules[j - 1];

            if (r->rev > o->rev) {
                diag(L, SW_SIG_DIAG_WARNING,
                     "%s:%u: warning: sid %u rev %u replaces rev %u of %s:%u", r->file,
                     r->line, r->sid, r->rev, o->rev, o->file, o->line);
                L->rules[j - 1] = r;
                sig_rule_free(o);
            } else {
                diag(L, SW_SIG_DIAG_ERROR, "%s:%u: sid: %u:%u already loaded from %s:%u",
                     r->file, r->line, r->gid, r->sid, o->file, o->line);
                L->st->failed++;
                sig_rule_free(r);
            }
            continue;
        }
        L->rules[j++] = r;
    }
    L->n_rules = j;
}

/* --- one file -------------------------------------------------------------------------------- */

const char *
sig_names_add(struct sig_names *ns, const char *name)
{
    char *c;

    if (ns->n == ns->cap) {
        size_t nc = ns->cap ? ns->cap * 2 : 16;
        char **nv = sw_realloc(ns->v, nc * sizeof(*nv));

        if (nv == NULL)
            return NULL;
        ns->v = nv;
        ns->cap = nc;
    }
    c = sw_strdup(name);
    if (c != NULL)
        ns->v[ns->n++] = c;
    return c;
}

void
sig_names_fini(struct sig_names *ns)
{
    for (size_t i = 0; i < ns->n; i++)
        sw_free(ns->v[i]);
    sw_free(ns->v);
    memset(ns, 0, sizeof(*ns));
}

bool
sig_names_move(struct sig_names *to, struct sig_names *from)
{
    if (from->n == 0)
        return true; /* from->v may be NULL: no memcpy from it */
    if (to->cap - to->n < from->n) {
        size_t nc = to->cap ? to->cap : 16;
        char **nv;

        while (nc - to->n < from->n)
            nc *= 2;
        nv = sw_realloc(to->v, nc * sizeof(*nv));
        if (nv == NULL)
            return false;
        to->v = nv;
        to->cap = nc;
    }
    memcpy(to->v + to->n, from->v, from->n * sizeof(*from->v));
    to->n += from->n;
    from->n = 0;
    return true;
}

static void
parse_text(struct sig_loader *L, const char *name, const char *buf, size_t len)
{
    size_t pos = 0;
    unsigned cursor = 0, line, first;
    char *text;
    bool too_long;
    const char *fname = NULL; /* the copy rules borrow, made with the first rule */

    L->file = name;
    if (L->scr->rule == NULL)
        L->scr->rule = sw_malloc(SIG_MAX_RULE_LEN + 1); /* one rule at a time */
    text = L->scr->rule;
    if (text == NULL) {
        L->oom = true;
        return;
    }
    while (sig_lex_next(buf, len, &pos, &cursor, &first, text, &too_long)) {
        line = first; /* messages name the rule's first line */
        if (too_long) {
            diag(L, SW_SIG_DIAG_ERROR, "%s:%u: rule longer than %u bytes", name, line,
                 SIG_MAX_RULE_LEN);
            L->st->failed++;
            continue;
        }
        struct sig_rule *r = sw_calloc(1, sizeof(*r));
        enum sig_prc rc;

        if (r == NULL) {
            L->oom = true;
            break;
        }
        L->line = line;
        rc = sig_parse_rule(L, text, r);
        if (rc == SIG_PARSE_OK) {
            if (fname == NULL)
                fname = sig_names_add(&L->files, name);
            r->file = fname;
            r->line = line;
            if (r->file == NULL) {
                sig_rule_free(r);
                L->oom = true;
                break;
            }
            if (L->cap_rules == L->n_rules) {
                size_t nc = L->cap_rules ? L->cap_rules * 2 : 256;
                struct sig_rule **nr = sw_realloc(L->rules, nc * sizeof(*nr));

                if (nr == NULL) {
                    sig_rule_free(r);
                    L->oom = true;
                    break;
                }
                L->rules = nr;
                L->cap_rules = nc;
            }
            L->rules[L->n_rules++] = r;
            continue;
        }
        sig_rule_free(r);
        if (L->oom || L->needs_main)
            break;
        if (rc == SIG_PARSE_UNSUPPORTED) {
            const char *kw = L->unsupported != NULL ? L->unsupported : "?";

            L->st->left_out++;
            sig_left_out_add(L, kw, 1);
            if (L->sid != 0)
                diag(L, SW_SIG_DIAG_LEFT_OUT,
                     "%s:%u: sid %u: unsupported keyword '%s': rule left out", name, line,
                     L->sid, kw);
            else
                diag(L, SW_SIG_DIAG_LEFT_OUT, "%s:%u: unsupported keyword '%s': rule left out",
                     name, line, kw);
        } else {
            L->st->failed++;
            if (L->sid != 0)
                diag(L, SW_SIG_DIAG_ERROR, "%s:%u: %s (sid %u)", name, line, L->msg, L->sid);
            else
                diag(L, SW_SIG_DIAG_ERROR, "%s:%u: %s", name, line, L->msg);
        }
    }
}

/* Read path whole (regular file, at most SIG_MAX_FILE) into the scratch's file buffer
 * (borrowed). NULL with why filled. */
static char *
read_file(struct sig_scratch *scr, const char *path, size_t *len, char *why, size_t whylen)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
    struct stat st;
    char *b = NULL;
    size_t got = 0;

    if (fd == -1) {
        snprintf(why, whylen, "cannot open: %s", strerror(errno));
        return NULL;
    }
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        snprintf(why, whylen, "not a regular file");
        goto out;
    }
    if ((uint64_t)st.st_size > SIG_MAX_FILE) {
        snprintf(why, whylen, "larger than %u bytes", SIG_MAX_FILE);
        goto out;
    }
    /* nothing in it is kept from file to file */
    scr->file = sw_scratch_reserve(scr->file, &scr->file_cap, (size_t)st.st_size + 1, 64 * 1024);
    if (scr->file == NULL) {
        snprintf(why, whylen, "out of memory");
        goto out;
    }
    b = scr->file;
    while (got < (size_t)st.st_size) {
        ssize_t r = read(fd, b + got, (size_t)st.st_size - got);

        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            break;
        got += (size_t)r;
    }
    b[got] = '\0';
    *len = got;
out:
    close(fd);
    return b;
}

void
sig_load_file(struct sig_loader *L, const char *path)
{
    char why[160];
    size_t len = 0;
    char *b = read_file(L->scr, path, &len, why, sizeof(why));

    L->st->files++;
    if (b == NULL) {
        L->st->files_failed++;
        diag(L, SW_SIG_DIAG_ERROR, "%s: %s", path, why);
        return;
    }
    if (memchr(b, '\0', len) != NULL) {
        L->st->files_failed++;
        diag(L, SW_SIG_DIAG_ERROR, "%s:1: binary file (a NUL byte), not rules", path);
        return;
    }
    parse_text(L, path, b, len);
}

static bool
has_rules_ext(const char *n)
{
    size_t k = strlen(n);

    return k > 6 && strcasecmp(n + k - 6, ".rules") == 0;
}

static int
str_cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

struct walk {
    struct sig_wentry *e; /* owned, with their strings */
    size_t n, cap;
    bool oom;
};

static void
walk_add(struct walk *w, const char *path, const char *err, uint64_t size)
{
    if (w->n == w->cap) {
        size_t nc = w->cap ? w->cap * 2 : 64;
        struct sig_wentry *ne = sw_realloc(w->e, nc * sizeof(*ne));

        if (ne == NULL) {
            w->oom = true;
            return;
        }
        w->e = ne;
        w->cap = nc;
    }
    w->e[w->n].path = sw_strdup(path);
    w->e[w->n].err = err != NULL ? sw_strdup(err) : NULL;
    w->e[w->n].size = size;
    if (w->e[w->n].path == NULL || (err != NULL && w->e[w->n].err == NULL)) {
        sw_free(w->e[w->n].path);
        sw_free(w->e[w->n].err);
        w->oom = true;
        return;
    }
    w->n++;
}

/* Every *.rules below dir, sorted by path, into w (in the order they are loaded); symlinks to
 * files are followed, to folders not. */
static void
walk_dir(struct walk *w, const char *dir, int depth)
{
    DIR *d = opendir(dir);
    struct dirent *de;
    char **names = NULL;
    size_t n = 0, cap = 0;

    if (d == NULL) {
        char msg[4200];

        snprintf(msg, sizeof(msg), "%s: cannot open directory: %s", dir, strerror(errno));
        walk_add(w, dir, msg, 0);
        return;
    }
    while ((de = readdir(d)) != NULL) {
        if (de->d_name[0] == '.')
            continue;
        if (n == cap) {
            size_t nc = cap ? cap * 2 : 32;
            char **nn = sw_realloc(names, nc * sizeof(*nn));

            if (nn == NULL)
                break;
            names = nn;
            cap = nc;
        }
        names[n] = sw_strdup(de->d_name);
        if (names[n] != NULL)
            n++;
    }
    closedir(d);
    if (n > 0)
        qsort(names, n, sizeof(*names), str_cmp);
    for (size_t i = 0; i < n && !w->oom; i++) {
        char path[4096];
        struct stat lst, st;

        if (snprintf(path, sizeof(path), "%s/%s", dir, names[i]) >= (int)sizeof(path))
            continue;
        if (lstat(path, &lst) != 0)
            continue;
        if (S_ISDIR(lst.st_mode)) {
            if (depth < 16)
                walk_dir(w, path, depth + 1);
            continue;
        }
        if (!has_rules_ext(names[i]))
            continue;
        if (S_ISLNK(lst.st_mode) && (stat(path, &st) != 0 || !S_ISREG(st.st_mode))) {
            if (stat(path, &st) == 0 && S_ISDIR(st.st_mode))
                continue;
        }
        walk_add(w, path, NULL, stat(path, &st) == 0 ? (uint64_t)st.st_size : 0);
    }
    for (size_t i = 0; i < n; i++)
        sw_free(names[i]);
    sw_free(names);
}

static void
load_dir(struct sig_loader *L, const char *dir)
{
    struct walk w = {0};

    walk_dir(&w, dir, 0);
    if (w.oom)
        L->oom = true;
    else
        sig_load_files(L, w.e, w.n);
    for (size_t i = 0; i < w.n; i++) {
        sw_free(w.e[i].path);
        sw_free(w.e[i].err);
    }
    sw_free(w.e);
}

/* --- order and set --------------------------------------------------------------------------- */

/* Flowbit rank: rules that only write bits first, then those that read and write, then
 * those without, then those that only read, so a bit set by one rule is seen by another on
 * the same packet (Suricata orders the same way). */
static int
fb_rank(const struct sig_rule *r)
{
    bool rd = false, wr = false;

    for (size_t i = 0; i < r->n_fb; i++) {
        if (r->fb[i].cmd == SIG_FB_ISSET || r->fb[i].cmd == SIG_FB_ISNOTSET)
            rd = true;
        else
            wr = true;
    }
    return wr && !rd ? 0 : wr && rd ? 1 : !rd ? 2 : 3;
}

/* Suricata's IP-only signature (SignatureIsIPOnly): addresses and any ports, nothing that
 * looks at a packet's payload, flags or flow, flowbits only set. */
static bool
is_iponly(const struct sig_rule *r)
{
    if (r->inspect != SIG_INSP_PACKET || r->n_lists > 0 || r->flow != 0 || r->proto == SIG_P_APP)
        return false;
    if (r->has_dsize || r->has_ttl || r->has_itype || r->has_icode || r->has_flags)
        return false;
    if (r->n_ndpi_proto > 0 || r->has_ndpi_risk || !r->sp.any || !r->dp.any)
        return false;
    for (size_t i = 0; i < r->n_fb; i++)
        if (r->fb[i].cmd != SIG_FB_SET)
            return false;
    return true;
}

static int
order_cmp(const void *a, const void *b)
{
    const struct sig_rule *x = *(struct sig_rule *const *)a, *y = *(struct sig_rule *const *)b;
    int fx, fy;

    if (x->action != y->action)
        return x->action == SIG_ACT_PASS ? -1 : 1;
    fx = fb_rank(x);
    fy = fb_rank(y);
    if (fx != fy)
        return fx < fy ? -1 : 1;
    if (x->priority != y->priority)
        return x->priority < y->priority ? -1 : 1;
    return x->idx < y->idx ? -1 : x->idx > y->idx; /* load order */
}

/* Whether two rules share a gid:sid: an open-addressed set of the keys, O(n) where the sort
 * dedupe() needs to find them is not. true when memory runs out (dedupe() then decides). */
static bool
any_duplicate_sid(struct sig_rule *const *rules, size_t n)
{
    size_t cap = 64;
    uint64_t *set;
    bool dup = false;

    while (cap < 2 * n)
        cap *= 2;
    set = sw_calloc(cap, sizeof(*set));
    if (set == NULL)
        return true;
    for (size_t i = 0; i < n && !dup; i++) {
        uint64_t k = ((uint64_t)rules[i]->gid << 32) | rules[i]->sid; /* a sid is never 0 */
        size_t h = (size_t)((k * 0x9E3779B97F4A7C15ull) >> 32) & (cap - 1);

        while (set[h] != 0 && set[h] != k)
            h = (h + 1) & (cap - 1);
        dup = set[h] == k;
        set[h] = k;
    }
    sw_free(set);
    return dup;
}

/* The evaluation order without duplicate sids: order_cmp's with the ties broken by gid:sid,
 * which is what the positions after dedupe()'s sort by sid give it; on keys made once (the
 * comparator walks each rule's flowbits at each call). */
struct order_key {
    uint64_t hi; /* action, flowbit rank, priority */
    uint64_t lo; /* gid:sid */
    struct sig_rule *r;
};

/* Stable LSD radix sort of k[0, n) on (hi, lo), 11-bit digits from lo's lowest to hi's
 * highest, a digit the same in every key skipped: a few passes where qsort's n log n calls
 * cost ~19 M instructions on ET Open. tmp: n entries. Returns where the result is. */
static struct order_key *
radix_sort(struct order_key *k, struct order_key *tmp, size_t n)
{
    static const unsigned bits = 11;
    size_t cnt[1u << 11];

    for (int word = 0; word < 2; word++) {
        for (unsigned shift = 0; shift < 64; shift += bits) {
            size_t sum = 0;
            struct order_key *t;

#define DIGIT(e) ((size_t)(((word == 0 ? (e).lo : (e).hi) >> shift) & ((1u << bits) - 1)))
            memset(cnt, 0, sizeof(cnt));
            for (size_t i = 0; i < n; i++)
                cnt[DIGIT(k[i])]++;
            if (cnt[DIGIT(k[0])] == n)
                continue;
            for (size_t d = 0; d < (1u << bits); d++) {
                size_t c = cnt[d];

                cnt[d] = sum;
                sum += c;
            }
            for (size_t i = 0; i < n; i++)
                tmp[cnt[DIGIT(k[i])]++] = k[i];
#undef DIGIT
            t = k;
            k = tmp;
            tmp = t;
        }
    }
    return k;
}

static bool
order_by_keys(struct sig_rule **rules, size_t n)
{
    struct order_key *k = sw_malloc(2 * (n ? n : 1) * sizeof(*k)), *sorted;

    if (k == NULL)
        return false;
    for (size_t i = 0; i < n; i++) {
        const struct sig_rule *r = rules[i];

        k[i].hi = ((uint64_t)(r->action == SIG_ACT_PASS ? 0 : 1) << 40) |
                  ((uint64_t)fb_rank(r) << 32) | ((uint32_t)r->priority ^ 0x80000000u);
        k[i].lo = ((uint64_t)r->gid << 32) | r->sid;
        k[i].r = rules[i];
    }
    sorted = n > 1 ? radix_sort(k, k + n, n) : k;
    for (size_t i = 0; i < n; i++)
        rules[i] = sorted[i].r;
    sw_free(k);
    return true;
}

static void
fill_top(struct sig_loader *L)
{
    struct sw_sig_load_stats *st = L->st;

    st->n_top = 0;
    for (size_t k = 0; k < SW_SIG_TOP_KEYWORDS && k < L->n_lo; k++) {
        size_t best = 0;
        bool found = false;

        for (size_t i = 0; i < L->n_lo; i++) {
            bool used = false;

            for (size_t j = 0; j < st->n_top; j++)
                if (strcmp(st->top[j].keyword, L->lo[i].kw) == 0)
                    used = true;
            if (!used && (!found || L->lo[i].n > L->lo[best].n)) {
                best = i;
                found = true;
            }
        }
        if (!found)
            break;
        snprintf(st->top[st->n_top].keyword, sizeof(st->top[0].keyword), "%s", L->lo[best].kw);
        st->top[st->n_top].rules = L->lo[best].n;
        st->n_top++;
    }
}

static void
loader_fini(struct sig_loader *L)
{
    sig_vars_destroy(L->vars);
    sw_free(L->base_dir);
    for (size_t i = 0; i < L->n_classes; i++) {
        sw_free(L->classes[i].name);
        sw_free(L->classes[i].desc);
    }
    sw_free(L->classes);
    for (size_t i = 0; i < L->n_fb; i++)
        sw_free(L->fb_names[i]);
    sw_free(L->fb_names);
    sig_datasets_fini(L);
    sig_ndpi_loader_fini(L);
    for (size_t i = 0; i < L->n_rules; i++)
        sig_rule_free(L->rules[i]);
    sw_free(L->rules);
    sig_names_fini(&L->files); /* after the rules that borrow them */
    sw_free(L->lo);
    sig_scratch_fini(&L->own_scr);
    sig_pcview_destroy(L->own_pcv);
    sig_pcache_close(L->pc);
}

/* The pattern cache after a load: written again when a pattern of the set had to be
 * compiled (those of rules left out or failed are not kept: they would be compiled again
 * at each load, and the file written each time); the patterns' texts, kept for it,
 * dropped. */
static void
pcache_finish(struct sig_loader *L, struct sw_sig_set *s)
{
    bool compiled = false;

    if (!L->pc_keep || s == NULL)
        return;
    for (size_t i = 0; i < s->n && !compiled; i++)
        for (size_t j = 0; j < s->rules[i]->n_lists; j++)
            for (size_t k = 0; k < s->rules[i]->lists[j].n; k++)
                if (s->rules[i]->lists[j].sm[k].type == SIG_SM_PCRE &&
                    !sig_pcre_is_decoded(s->rules[i]->lists[j].sm[k].ctx))
                    compiled = true;
    if (compiled && !L->pc_refused)
        sig_pcache_save(L->o->cache_dir, s->rules, s->n);
    for (size_t i = 0; i < s->n; i++)
        for (size_t j = 0; j < s->rules[i]->n_lists; j++)
            for (size_t k = 0; k < s->rules[i]->lists[j].n; k++)
                if (s->rules[i]->lists[j].sm[k].type == SIG_SM_PCRE)
                    sig_pcre_drop_text(s->rules[i]->lists[j].sm[k].ctx);
}

static bool
loader_init(struct sig_loader *L, const struct sw_sig_load_opts *o, struct sw_sig_load_stats *st,
            const char *base, struct sw_err *err)
{
    char msg[256], cls[4096];
    const char *cpath = o->classification;

    memset(L, 0, sizeof(*L));
    memset(st, 0, sizeof(*st));
    L->o = o;
    L->st = st;
    L->scr = &L->own_scr;
    L->vars = sig_vars_create(o->cfg, msg, sizeof(msg));
    L->base_dir = sw_strdup(base != NULL ? base : ".");
    if (L->vars == NULL || L->base_dir == NULL) {
        sw_err_set(err, SW_ENOMEM, "signatures: out of memory");
        return false;
    }
    if (cpath == NULL && snprintf(cls, sizeof(cls), "%s/classification.config", L->base_dir) <
                             (int)sizeof(cls) &&
        access(cls, R_OK) == 0)
        cpath = cls;
    if (o->classification != NULL && access(o->classification, R_OK) != 0) {
        sw_err_sys(err, SW_EIO, "%s", o->classification);
        return false;
    }
    if (!sig_class_load(L, cpath)) {
        sw_err_set(err, SW_ENOMEM, "signatures: out of memory");
        return false;
    }
    if (o->cache_dir != NULL) {
        L->pc_keep = true;
        L->pc = sig_pcache_open(o->cache_dir, &L->pc_refused);
        L->own_pcv = sig_pcview_create(L->pc); /* NULL without: every pattern compiled */
        L->pcv = L->own_pcv;
    }
    return true;
}

static struct sw_sig_set *
finish_set(struct sig_loader *L, struct sw_err *err)
{
    struct sw_sig_set *s;
    char msg[300];

    if (L->oom) {
        sw_err_set(err, SW_ENOMEM, "signatures: out of memory while loading");
        return NULL;
    }
    if (any_duplicate_sid(L->rules, L->n_rules) || !order_by_keys(L->rules, L->n_rules)) {
        dedupe(L);
        /* dedupe sorted by gid:sid: the ties of the evaluation order are broken that way */
        for (size_t i = 0; i < L->n_rules; i++)
            L->rules[i]->idx = (uint32_t)i;
        if (L->n_rules > 1)
            qsort(L->rules, L->n_rules, sizeof(*L->rules), order_cmp);
    }
    for (size_t i = 0; i < L->n_rules; i++)
        L->rules[i]->idx = (uint32_t)i;
    L->st->rules = L->n_rules;
    for (size_t i = 0; i < L->n_rules; i++)
        L->rules[i]->iponly = is_iponly(L->rules[i]);
    fill_top(L);
    s = sw_calloc(1, sizeof(*s));
    if (s == NULL) {
        sw_err_set(err, SW_ENOMEM, "signatures: out of memory");
        return NULL;
    }
    s->pf = sig_prefilter_build(L->rules, L->n_rules, L->o->cache_dir, L->st, msg, sizeof(msg));
    if (s->pf == NULL) {
        sw_err_set(err, SW_EIO, "signatures: %s", msg);
        sw_free(s);
        return NULL;
    }
    s->ipidx = sig_ipidx_build(L->rules, L->n_rules);
    if (s->ipidx == NULL) {
        sw_err_set(err, SW_ENOMEM, "signatures: out of memory for the IP-only index");
        sig_prefilter_destroy(s->pf);
        sw_free(s);
        return NULL;
    }
    s->rules = L->rules;
    s->n = L->n_rules;
    L->rules = NULL;
    L->n_rules = 0;
    s->files = L->files;
    memset(&L->files, 0, sizeof(L->files));
    s->ds = L->ds;
    s->n_ds = L->n_ds;
    L->ds = NULL;
    L->n_ds = 0;
    s->classes = L->classes;
    s->n_classes = L->n_classes;
    L->classes = NULL;
    L->n_classes = 0;
    s->n_fb = L->n_fb;
    s->n_pcre = L->n_pcre;
    return s;
}

struct sw_sig_set *
sw_sig_load(const struct sw_sig_load_opts *o, struct sw_sig_load_stats *st, struct sw_err *err)
{
    struct sig_loader L;
    struct sw_sig_set *s = NULL;
    struct stat sb;
    char base[4096];

    sw_err_clear(err);
    if (stat(o->path, &sb) != 0) {
        memset(st, 0, sizeof(*st));
        sw_err_sys(err, SW_EIO, "%s", o->path);
        return NULL;
    }
    if (S_ISDIR(sb.st_mode)) {
        snprintf(base, sizeof(base), "%s", o->path);
    } else {
        const char *slash = strrchr(o->path, '/');

        if (slash == NULL)
            snprintf(base, sizeof(base), ".");
        else
            snprintf(base, sizeof(base), "%.*s", (int)(slash - o->path + (slash == o->path)),
                     o->path);
    }
    if (!loader_init(&L, o, st, base, err))
        goto out;
    if (S_ISDIR(sb.st_mode))
        load_dir(&L, o->path);
    else
        sig_load_file(&L, o->path);
    s = finish_set(&L, err);
    pcache_finish(&L, s);
out:
    loader_fini(&L);
    return s;
}

struct sw_sig_set *
sw_sig_load_text(const char *name, const char *text, size_t len, const struct sw_sig_load_opts *o,
                 struct sw_sig_load_stats *st, struct sw_err *err)
{
    struct sig_loader L;
    struct sw_sig_set *s = NULL;

    sw_err_clear(err);
    if (loader_init(&L, o, st, o->path, err)) {
        L.st->files = 1;
        parse_text(&L, name, text, len);
        s = finish_set(&L, err);
        pcache_finish(&L, s);
    }
    loader_fini(&L);
    return s;
}

struct rules_free {
    struct sig_rule **r; /* borrowed: n rules this thread frees */
    size_t n;
};

static void *
rules_free_run(void *arg)
{
    struct rules_free *j = arg;

    for (size_t i = 0; i < j->n; i++)
        sig_rule_free(j->r[i]);
    return NULL;
}

/* Free s now, on this thread and (a large set) one more. */
static void
set_free(struct sw_sig_set *s)
{
    struct rules_free mine = {NULL, 0}, other = {NULL, 0};
    pthread_t tid;
    bool started = false;
    size_t k = 0;

    /* The rules the second parsing thread made after those of the loading thread (the order
     * is of no use any more), freed on a thread of their own while this one frees the rest:
     * ET Open's ~70 M instructions of free() at exit, on two cores. */
    for (size_t i = 0; i < s->n; i++) {
        if (s->rules[i]->parser == 0) {
            struct sig_rule *t = s->rules[k];

            s->rules[k++] = s->rules[i];
            s->rules[i] = t;
        }
    }
    mine.r = s->rules;
    mine.n = k;
    other.r = s->n > 0 ? s->rules + k : NULL; /* rules is NULL in a set without */
    other.n = s->n - k;
    if (other.n >= 1024)
        started = pthread_create(&tid, NULL, rules_free_run, &other) == 0;
    if (!started) {
        mine.n = s->n;
        other.n = 0;
    }
    sig_prefilter_destroy(s->pf);
    sig_ipidx_destroy(s->ipidx);
    rules_free_run(&mine);
    if (started)
        pthread_join(tid, NULL);
    sw_free(s->rules);
    for (size_t i = 0; i < s->n_ds; i++) {
        sw_free(s->ds[i].name);
        sw_dataset_destroy(s->ds[i].set);
    }
    sw_free(s->ds);
    for (size_t i = 0; i < s->n_classes; i++) {
        sw_free(s->classes[i].name);
        sw_free(s->classes[i].desc);
    }
    sw_free(s->classes);
    sig_names_fini(&s->files);
    sw_free(s);
}

static void *
set_free_run(void *arg)
{
    set_free(arg);
    return NULL;
}

/* The sanitizer build frees before returning, so that its leak check sees every set freed
 * (and a test that ends right after a destroy leaks nothing). */
#if defined(__SANITIZE_ADDRESS__)
#define SET_FREE_NOW 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define SET_FREE_NOW 1
#endif
#endif
#ifndef SET_FREE_NOW
#define SET_FREE_NOW 0
#endif

void
sw_sig_set_destroy(struct sw_sig_set *s)
{
    pthread_attr_t attr;
    pthread_t tid;
    bool started = false;

    if (s == NULL)
        return;
    /* A large set is freed on a detached thread of its own and this one returns at once:
     * freeing ET Open (~23,000 rules in ~500,000 blocks, 333 Hyperscan databases) is ~55 M
     * instructions of this thread, and where this is the end of the process (seawall pcap,
     * rules check) nothing needs it done: the exit ends that thread wherever it is. The set
     * is that thread's alone (no other thread may use it any more: see the header). */
    if (!SET_FREE_NOW && s->n >= 1024 && pthread_attr_init(&attr) == 0) {
        if (pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED) == 0)
            started = pthread_create(&tid, &attr, set_free_run, s) == 0;
        pthread_attr_destroy(&attr);
    }
    if (!started)
        set_free(s);
}

size_t
sw_sig_set_count(const struct sw_sig_set *s)
{
    return s != NULL ? s->n : 0;
}

void
sw_sig_set_profiling(struct sw_sig_set *s, bool on)
{
    s->profiling = on;
}

unsigned
sw_sig_set_hooks(const struct sw_sig_set *s)
{
    unsigned h = 0;

    for (size_t i = 0; s != NULL && i < s->n; i++) {
        switch (s->rules[i]->inspect) {
        case SIG_INSP_TX:
            h |= 1u << SW_SIG_HOOK_TX;
            break;
        case SIG_INSP_STREAM:
            /* TCP at the stream hook, other protocols on each packet */
            h |= (1u << SW_SIG_HOOK_STREAM) | (1u << SW_SIG_HOOK_PACKET);
            break;
        default:
            h |= 1u << SW_SIG_HOOK_PACKET;
            break;
        }
    }
    return h;
}

uint32_t
sw_sig_set_bufs(const struct sw_sig_set *s)
{
    uint32_t b = 0;

    for (size_t i = 0; s != NULL && i < s->n; i++)
        for (size_t j = 0; j < s->rules[i]->n_lists; j++)
            b |= 1u << s->rules[i]->lists[j].buf;
    return b;
}
