/* sig_pcre.c - the pcre keyword with libpcre2 (JIT-compiled where the platform allows):
 * "[!]/regex/flags" with Perl's flags (i s m x), Suricata's A (anchored), E (dollar at the end
 * only), G (ungreedy), R (relative to the previous match), O (ignored: Suricata's own limits
 * are used) and B (ignored), and the legacy buffer flags U I P Q H M C S V W that pick the
 * buffer. Capturing into flow or packet variables is not supported (left out).
 *
 * A compiled pattern is immutable and shared by every thread; each thread has its own match
 * data and match context (match limit 3500, depth limit 1500, as Suricata's defaults). JIT
 * compiling takes about a fifth of loading a public ruleset (ET Open: 3,700 patterns), and
 * most patterns never run: each thread JIT-compiles its own copy of a pattern the first time
 * it evaluates it (the shared pattern is never touched, so nothing is shared that changes). */
#define PCRE2_CODE_UNIT_WIDTH 8
#include "sig_int.h"

#include <pcre2.h>
#include <stdio.h>
#include <string.h>

#include "sw/alloc.h"

#define PCRE_MATCH_LIMIT 3500
#define PCRE_DEPTH_LIMIT 1500
#define PCRE_OVECTOR 16

struct sig_pcre {
    pcre2_code *code; /* owned; never JIT-compiled (threads JIT their own copies) */
    char *pat;        /* owned: the pattern's text while a load with a cache needs it */
    uint32_t opts;    /* its compile options */
    uint32_t id;      /* index in the set's patterns: the thread's copy */
    bool relative, negated;
    bool decoded;     /* code is from the cache (sig_pcre_cache.c): tables of its own */
};

struct pcre_md {
    pcre2_match_data *md;     /* owned */
    pcre2_match_context *mc;  /* owned */
    /* per pattern id: what this thread runs (NULL: not used yet), its JIT-compiled copy or,
     * when JIT is unavailable, the shared pattern (the interpreter) */
    const pcre2_code **run;   /* owned array of borrowed pointers (into own, or shared code) */
    pcre2_code **own;         /* owned: the thread's copies (NULL where none) */
    size_t n;
    uint64_t compiled;        /* copies made */
};

uint64_t
sig_pcre_mdata_compiled(const void *p)
{
    const struct pcre_md *m = p;

    return m != NULL ? m->compiled : 0;
}

void *
sig_pcre_mdata_create(size_t n_patterns)
{
    struct pcre_md *m = sw_calloc(1, sizeof(*m));

    if (m == NULL)
        return NULL;
    m->md = pcre2_match_data_create(PCRE_OVECTOR, NULL);
    m->mc = pcre2_match_context_create(NULL);
    m->n = n_patterns;
    m->run = sw_calloc(n_patterns + 1, sizeof(*m->run));
    m->own = sw_calloc(n_patterns + 1, sizeof(*m->own));
    if (m->md == NULL || m->mc == NULL || m->run == NULL || m->own == NULL) {
        sig_pcre_mdata_free(m);
        return NULL;
    }
    pcre2_set_match_limit(m->mc, PCRE_MATCH_LIMIT);
    pcre2_set_depth_limit(m->mc, PCRE_DEPTH_LIMIT);
    return m;
}

void
sig_pcre_mdata_free(void *p)
{
    struct pcre_md *m = p;

    if (m == NULL)
        return;
    for (size_t i = 0; m->own != NULL && i < m->n; i++)
        pcre2_code_free(m->own[i]);
    sw_free(m->own);
    sw_free(m->run);
    pcre2_match_data_free(m->md);
    pcre2_match_context_free(m->mc);
    sw_free(m);
}

void
sig_pcre_free(void *ctx)
{
    struct sig_pcre *p = ctx;

    if (p == NULL)
        return;
    pcre2_code_free(p->code);
    sw_free(p->pat);
    sw_free(p);
}

const char *
sig_pcre_text(const void *ctx, uint32_t *opts, bool *decoded)
{
    const struct sig_pcre *p = ctx;

    *opts = p->opts;
    *decoded = p->decoded;
    return p->pat;
}

bool
sig_pcre_is_decoded(const void *ctx)
{
    return ((const struct sig_pcre *)ctx)->decoded;
}

void *
sig_pcre_code(const void *ctx)
{
    return ((const struct sig_pcre *)ctx)->code;
}

void
sig_pcre_drop_text(void *ctx)
{
    struct sig_pcre *p = ctx;

    sw_free(p->pat);
    p->pat = NULL;
}

bool
sig_pcre_is_relative(const void *ctx)
{
    return ((const struct sig_pcre *)ctx)->relative;
}

void
sig_pcre_rebase(void *ctx, uint32_t off)
{
    ((struct sig_pcre *)ctx)->id += off;
}

static int
flag_buf(char f)
{
    switch (f) {
    case 'U':
        return SW_SIG_BUF_HTTP_URI;
    case 'I':
        return SW_SIG_BUF_HTTP_URI_RAW;
    case 'P':
        return SW_SIG_BUF_HTTP_REQUEST_BODY;
    case 'Q':
        return SW_SIG_BUF_HTTP_RESPONSE_BODY;
    case 'H':
        return SW_SIG_BUF_HTTP_HEADER;
    case 'M':
        return SW_SIG_BUF_HTTP_METHOD;
    case 'C':
        return SW_SIG_BUF_HTTP_COOKIE;
    case 'S':
        return SW_SIG_BUF_HTTP_STAT_CODE;
    case 'V':
        return SW_SIG_BUF_HTTP_USER_AGENT;
    case 'W':
        return SW_SIG_BUF_HTTP_HOST;
    }
    return -1;
}

enum sig_prc
sig_kw_pcre(struct sig_loader *L, struct sig_pstate *ps, const struct sig_opt *o)
{
    const char *raw = o->raw, *re, *end;
    struct sig_pcre *p = NULL;
    uint32_t opts = 0;
    int buf = -1, errcode;
    PCRE2_SIZE erroff;
    struct sig_list *l;
    char *pat = NULL;
    size_t n;

    if (raw == NULL || raw[0] == '\0')
        return sig_fail(L, "needs a value");
    while (*raw == ' ')
        raw++;
    if (*raw == '!')
        raw++;
    while (*raw == ' ')
        raw++;
    n = strlen(raw);
    if (n < 4 || raw[0] != '"' || raw[n - 1] != '"' || raw[1] != '/')
        return sig_fail(L, "expected \"/regex/flags\"");
    re = raw + 2;
    end = raw + n - 1;
    const char *slash = end;

    while (slash > re && *slash != '/')
        slash--;
    if (slash <= re && *slash != '/')
        return sig_fail(L, "no closing '/' in \"/regex/flags\"");
    p = sw_calloc(1, sizeof(*p));
    if (p == NULL)
        goto oom;
    p->negated = o->negated;
    for (const char *f = slash + 1; f < end; f++) {
        int b = flag_buf(*f);

        switch (*f) {
        case 'i':
            opts |= PCRE2_CASELESS;
            break;
        case 's':
            opts |= PCRE2_DOTALL;
            break;
        case 'm':
            opts |= PCRE2_MULTILINE;
            break;
        case 'x':
            opts |= PCRE2_EXTENDED;
            break;
        case 'A':
            opts |= PCRE2_ANCHORED;
            break;
        case 'E':
            opts |= PCRE2_DOLLAR_ENDONLY;
            break;
        case 'G':
            opts |= PCRE2_UNGREEDY;
            break;
        case 'R':
            p->relative = true;
            break;
        case 'O':
        case 'B':
            break;
        case 'D':
        case 'Y':
        case 'Z':
            sig_pcre_free(p);
            return sig_unsupported(L, *f == 'D'   ? "pcre flag D (http.header.raw)"
                                      : *f == 'Y' ? "pcre flag Y (http.stat_msg)"
                                                  : "pcre flag Z (http.host.raw)");
        default:
            if (b < 0) {
                sig_pcre_free(p);
                return sig_fail(L, "unknown flag '%c'", *f);
            }
            if (buf >= 0 && buf != b) {
                sig_pcre_free(p);
                return sig_fail(L, "two buffer flags");
            }
            buf = b;
            break;
        }
    }
    pat = sw_malloc((size_t)(slash - re) + 1);
    if (pat == NULL)
        goto oom;
    memcpy(pat, re, (size_t)(slash - re));
    pat[slash - re] = '\0';
    if (strstr(pat, "(?P<pkt_") != NULL || strstr(pat, "(?P<flow_") != NULL ||
        strstr(pat, "(?P<alert_") != NULL) {
        sw_free(pat);
        sig_pcre_free(p);
        return sig_unsupported(L, "pcre capture into variables");
    }
    p->opts = opts;
    p->code = sig_pcview_take(L->pcv, pat, (size_t)(slash - re), opts);
    p->decoded = p->code != NULL;
    if (p->code == NULL)
        p->code =
            pcre2_compile((PCRE2_SPTR)pat, PCRE2_ZERO_TERMINATED, opts, &errcode, &erroff, NULL);
    if (p->decoded)
        L->st->patterns_cached++;
    else if (p->code != NULL)
        L->st->patterns_compiled++;
    if (p->code == NULL) {
        PCRE2_UCHAR e[160];

        pcre2_get_error_message(errcode, e, sizeof(e));
        sig_fail(L, "/%.60s/: %s at offset %zu", pat, (const char *)e, (size_t)erroff);
        sw_free(pat);
        sig_pcre_free(p);
        return SIG_PARSE_FAIL;
    }
    if (L->pc_keep)
        p->pat = pat; /* for the cache file written at the end of the load */
    else
        sw_free(pat);
    p->id = (uint32_t)L->n_pcre++;
    if (buf >= 0 && ps->cur != NULL && ps->cur->buf == SW_SIG_BUF_FILE_DATA &&
        (buf == SW_SIG_BUF_HTTP_REQUEST_BODY || buf == SW_SIG_BUF_HTTP_RESPONSE_BODY))
        buf = SW_SIG_BUF_FILE_DATA; /* P and Q on file.data: the same body */
    if (buf >= 0 && ps->cur != NULL && ps->cur->buf != (enum sw_sig_buf)buf) {
        sig_pcre_free(p);
        return sig_fail(L, "buffer flag for %s after the sticky buffer %s",
                        sw_sig_buf_name((enum sw_sig_buf)buf), sw_sig_buf_name(ps->cur->buf));
    }
    if (buf >= 0)
        l = sig_list_get(L, ps->r, (enum sw_sig_buf)buf, false);
    else
        l = ps->cur != NULL ? ps->cur : sig_list_get(L, ps->r, SW_SIG_BUF_PAYLOAD, false);
    if (l == NULL || !sig_list_add(L, ps, l, SIG_SM_PCRE, p)) {
        sig_pcre_free(p);
        return SIG_PARSE_FAIL;
    }
    return SIG_PARSE_OK;
oom:
    sig_pcre_free(p);
    L->oom = true;
    return sig_fail(L, "out of memory");
}

/* The code this thread runs for p: its JIT-compiled copy, made on first use; the shared
 * pattern (the interpreter) when JIT is unavailable or memory short. */
static const pcre2_code *
thread_code(struct pcre_md *md, const struct sig_pcre *p)
{
    pcre2_code *c;

    if (p->id >= md->n)
        return p->code; /* not of this thread's set (cannot happen): the interpreter */
    if (md->run[p->id] != NULL)
        return md->run[p->id];
    /* a decoded pattern's tables are counted references the parsing thread owns: the copy
     * gets tables of its own */
    c = p->decoded ? pcre2_code_copy_with_tables(p->code) : pcre2_code_copy(p->code);
    if (c != NULL && pcre2_jit_compile(c, PCRE2_JIT_COMPLETE) != 0) {
        pcre2_code_free(c);
        c = NULL;
    }
    md->own[p->id] = c;
    md->run[p->id] = c != NULL ? c : p->code;
    md->compiled += c != NULL;
    return md->run[p->id];
}

/* 1 match (pos moved past it, *start set to where it began + 1), 0 none, -1 error. */
int
sig_pcre_exec(struct sig_mctx *m, const void *ctx, size_t *pos)
{
    const struct sig_pcre *p = ctx;
    struct pcre_md *md = sig_thread_pcre_md(m->t);
    size_t base = p->relative ? *pos : m->anchor;
    int rc;

    if (base > m->len)
        return p->negated ? 1 : 0;
    rc = pcre2_match(thread_code(md, p), (PCRE2_SPTR)(m->buf + base), m->len - base, 0, 0,
                     md->md, md->mc);
    if (rc < 0 && rc != PCRE2_ERROR_NOMATCH && rc != PCRE2_ERROR_PARTIAL) {
        sig_thread_pcre_error(m->t);
        return p->negated ? 1 : 0; /* a limit: counted, treated as no match */
    }
    if (rc < 0)
        return p->negated ? 1 : 0;
    if (p->negated)
        return 0;
    PCRE2_SIZE *ov = pcre2_get_ovector_pointer(md->md);

    *pos = base + ov[1];
    return 1;
}
