/* sig_lex.c - cutting Suricata rule files into rules, and a rule into its header and options.
 *
 * A file is lines; '#' starts a comment line; a line ending in '\' continues on the next
 * (Suricata's multi-line rules). A rule is "HEADER (name:value; name; ...)": an option's value
 * runs to the first ';' that is not escaped ('\;'), inside quotes too, as in Suricata. Values keep
 * their escapes in `raw`; `value` has the quotes removed and the escapes \" \; \\ \: undone
 * (what msg, metadata and the like want; content and pcre read `raw`). Loading thread only. */
#include "sig_int.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "sw/alloc.h"

bool
sig_lex_next(const char *buf, size_t len, size_t *pos, unsigned *line, unsigned *first,
             char *out, bool *too_long)
{
    size_t p = *pos, olen = 0;
    bool started = false;

    *too_long = false;
    while (p < len) {
        const char *nl = memchr(buf + p, '\n', len - p);
        size_t end = nl != NULL ? (size_t)(nl - buf) : len;
        size_t s = p, e = end;

        (*line)++;
        p = nl != NULL ? end + 1 : len;
        while (s < e && (buf[s] == ' ' || buf[s] == '\t'))
            s++;
        while (e > s && (buf[e - 1] == '\r' || buf[e - 1] == ' ' || buf[e - 1] == '\t'))
            e--;
        if (!started && (s == e || buf[s] == '#'))
            continue; /* blank or comment, between rules */
        bool cont = e > s && buf[e - 1] == '\\';

        if (cont)
            e--;
        if (!started)
            *first = *line;
        started = true;
        if (!*too_long && olen + (e - s) <= SIG_MAX_RULE_LEN) {
            memcpy(out + olen, buf + s, e - s);
            olen += e - s;
        } else {
            *too_long = true;
        }
        if (!cont)
            break;
    }
    *pos = p;
    if (!started)
        return false;
    if (*too_long)
        olen = 0;
    out[olen] = '\0';
    return true;
}

void
sig_text_fini(struct sig_text *t)
{
    sw_free(t->arena);
    sw_free(t->opts);
    memset(t, 0, sizeof(*t));
}

void
sig_scratch_fini(struct sig_scratch *s)
{
    sw_free(s->file);
    sw_free(s->rule);
    sig_text_fini(&s->text);
    memset(s, 0, sizeof(*s));
}

/* The strings of a rule's text live in one arena sized for the worst case (a rule's
 * header, names, raw values and unescaped values are each at most as long as their bytes of
 * the rule, plus a NUL each): three allocations per option cost a fifth of loading ET Open. */
static char *
arena_put(struct sig_text *t, const char *s, size_t n)
{
    char *d = t->arena + t->used;

    memcpy(d, s, n);
    d[n] = '\0';
    t->used += n + 1;
    return d;
}

/* Undo \" \; \\ \: (other backslashes are kept as they are). */
static char *
unescape(struct sig_text *t, const char *s, size_t n)
{
    char *d = t->arena + t->used;
    const char *bs = memchr(s, '\\', n);
    size_t j = bs != NULL ? (size_t)(bs - s) : n;

    memcpy(d, s, j); /* up to the first backslash as it is */
    for (size_t i = j; i < n; i++) {
        if (s[i] == '\\' && i + 1 < n &&
            (s[i + 1] == '"' || s[i + 1] == ';' || s[i + 1] == '\\' || s[i + 1] == ':')) {
            d[j++] = s[++i];
            continue;
        }
        d[j++] = s[i];
    }
    d[j] = '\0';
    t->used += j + 1;
    return d;
}

/* Is s[i] preceded by an odd number of backslashes? */
static bool
escaped_at(const char *s, size_t i)
{
    size_t k = 0;

    while (k < i && s[i - 1 - k] == '\\')
        k++;
    return (k & 1) != 0;
}

/* Parse the option text between the parentheses. */
static bool
lex_opts(struct sig_text *t, const char *s, size_t n, char *msg, size_t msglen)
{
    size_t i = 0;

    while (i < n) {
        while (i < n && isspace((unsigned char)s[i]))
            i++;
        if (i >= n)
            break;
        size_t ns = i;
        char *name = t->arena + t->used;

        /* the name copied into the arena lowercased as it is scanned, in one pass (ASCII:
         * tolower() is a call per byte); its trailing blanks cut below */
        for (char *d = name; i < n && s[i] != ':' && s[i] != ';'; i++)
            *d++ = s[i] >= 'A' && s[i] <= 'Z' ? (char)(s[i] - 'A' + 'a') : s[i];
        size_t ne = i;

        while (ne > ns && isspace((unsigned char)s[ne - 1]))
            ne--;
        if (ne == ns) {
            snprintf(msg, msglen, "empty option name");
            return false;
        }
        if (i >= n) {
            snprintf(msg, msglen, "%.*s: option not terminated by ';'", (int)(ne - ns), s + ns);
            return false;
        }
        if (t->n_opts == t->cap_opts) {
            size_t nc = t->cap_opts ? t->cap_opts * 2 : 32;
            struct sig_opt *no = sw_realloc(t->opts, nc * sizeof(*no));

            if (no == NULL)
                goto oom;
            t->opts = no;
            t->cap_opts = nc;
        }
        struct sig_opt *o = &t->opts[t->n_opts];

        memset(o, 0, sizeof(*o));
        t->n_opts++;
        name[ne - ns] = '\0';
        t->used += ne - ns + 1;
        o->name = name;
        if (s[i] == ';') {
            i++;
            continue;
        }
        i++; /* ':' */
        size_t vs = i;

        /* As Suricata: the first unescaped ';' ends the value, quotes or not (one preceded
         * by an odd run of backslashes is escaped) */
        for (;;) {
            const char *semi = memchr(s + i, ';', n - i);

            if (semi == NULL) {
                i = n;
                break;
            }
            i = (size_t)(semi - s);
            if (!escaped_at(s + vs, i - vs))
                break;
            i++;
        }
        if (i >= n) {
            snprintf(msg, msglen, "%s: option not terminated by ';'", o->name);
            return false;
        }
        size_t ve = i;

        i++; /* ';' */
        while (vs < ve && isspace((unsigned char)s[vs]))
            vs++;
        while (ve > vs && isspace((unsigned char)s[ve - 1]))
            ve--;
        o->raw = arena_put(t, s + vs, ve - vs);
        size_t us = vs, ue = ve;

        if (us < ue && s[us] == '!') {
            o->negated = true;
            us++;
            while (us < ue && isspace((unsigned char)s[us]))
                us++;
        }
        if (ue - us >= 2 && s[us] == '"' && s[ue - 1] == '"' && !escaped_at(s + us, ue - us - 1)) {
            o->quoted = true;
            us++;
            ue--;
        }
        o->value = unescape(t, s + us, ue - us);
    }
    return true;
oom:
    snprintf(msg, msglen, "out of memory");
    return false;
}

bool
sig_lex_rule(struct sig_text *t, const char *rule, char *msg, size_t msglen)
{
    const char *open = NULL, *close;
    int depth = 0;
    size_t n = strlen(rule);

    t->header = NULL;
    t->n_opts = 0;
    t->used = 0;
    /* The options start at the first '(' outside [...] address lists. */
    for (const char *p = rule;; p++) {
        p += strcspn(p, "([]"); /* a vector search, not a test per byte */
        if (*p == '\0')
            break;
        if (*p == '[') {
            depth++;
        } else if (*p == ']') {
            depth--;
        } else if (depth <= 0) {
            open = p;
            break;
        }
    }
    while (n > 0 && isspace((unsigned char)rule[n - 1]))
        n--;
    close = n > 0 ? rule + n - 1 : rule;
    if (open == NULL) {
        snprintf(msg, msglen, "no option list: a rule is 'action proto src port -> dst port "
                              "(options)'");
        return false;
    }
    if (*close != ')' || close <= open) {
        snprintf(msg, msglen, "the option list does not end with ')'");
        return false;
    }
    /* header + each option's name, raw value and value: each at most its bytes + 1, and an
     * option takes at least two bytes ("x;"): under 3 * n + 2 in all */
    t->arena = sw_scratch_reserve(t->arena, &t->cap_arena, 3 * n + 2, 4096); /* not kept */
    if (t->arena == NULL) {
        snprintf(msg, msglen, "out of memory");
        return false;
    }
    t->header = arena_put(t, rule, (size_t)(open - rule));
    return lex_opts(t, open + 1, (size_t)(close - open - 1), msg, msglen);
}
