/* rtest_def.c - read a test.yaml of `seawall rules test` into struct sw_rtest (see
 * include/sw/rtest.h). The node tree and its limits are agent/rtest_yaml.c's; here each key
 * is checked for its type and range, "test.yaml:LINE:COL: problem" naming the first one that
 * is wrong. Keys seawall cannot honour (a custom command, shell set-up) or does not know are
 * kept as texts: they make the test skipped, never silently ignored. */
#include "sw/rtest.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "rtest_int.h"
#include "sw/alloc.h"
#include "sw/io.h"
#include "sw/parse.h"

struct interp {
    struct yparser *p;
    struct sw_rtest *t;
};

static void SW_PRINTF(3, 4) ierr(struct interp *ip, const struct ynode *n, const char *fmt, ...)
{
    char msg[SW_ERR_MSG_MAX];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    sw_rtest_yaml_err(ip->p, SW_EINVAL, n != NULL ? n->line : 0, n != NULL ? n->col : 0, "%s", msg);
}

static void
ioom(struct interp *ip)
{
    sw_rtest_yaml_err(ip->p, SW_ENOMEM, 0, 0, "oom");
}

/* --- reading the tree into struct sw_rtest --------------------------------------------------- */

/* A key seawall does not honour: kept as "key: why" (with its line) to skip the test. */
static bool
unsupported(struct interp *ip, const struct ynode *key, const char *why)
{
    char buf[256], sb[64];

    snprintf(buf, sizeof(buf), "%s: %s", sw_rtest_yaml_show(key->text, sb, sizeof(sb)), why);
    return sw_rtest_strs_add(ip->p, &ip->t->unsupported, sw_strdup(buf), key->line);
}

static bool
parse_requires(struct interp *ip, const struct ynode *n, struct sw_rtest_requires *r)
{
    if (!sw_rtest_yaml_want_map(ip->p, n, "requires"))
        return false;
    r->present = true;
    r->line = n->line;
    for (size_t i = 0; n->kind == Y_MAP && i + 1 < n->n; i += 2) {
        const struct ynode *k = n->kid[i], *v = n->kid[i + 1];
        const char *key = k->text;
        char **slot = NULL;

        if (strcmp(key, "min-version") == 0)
            slot = &r->min_version;
        else if (strcmp(key, "lt-version") == 0)
            slot = &r->lt_version;
        else if (strcmp(key, "gt-version") == 0)
            slot = &r->gt_version;
        else if (strcmp(key, "version") == 0)
            slot = &r->version;
        else if (strcmp(key, "os") == 0)
            slot = &r->os;
        else if (strcmp(key, "arch") == 0)
            slot = &r->arch;
        if (slot != NULL) {
            *slot = sw_rtest_yaml_text(ip->p, v, key);
            if (*slot == NULL)
                return false;
        } else if (strcmp(key, "features") == 0) {
            if (!sw_rtest_strs_of(ip->p, v, "features", &r->features))
                return false;
        } else if (strcmp(key, "env") == 0) {
            if (!sw_rtest_strs_of(ip->p, v, "env", &r->env))
                return false;
        } else if (strcmp(key, "files") == 0) {
            if (!sw_rtest_strs_of(ip->p, v, "files", &r->files))
                return false;
        } else if (strcmp(key, "script") == 0) {
            r->script_line = k->line;
        } else if (strcmp(key, "lambda") == 0) {
            r->lambda_line = k->line;
        } else if (strcmp(key, "pcap") == 0) {
            int b = sw_rtest_yaml_bool(v);

            if (b < 0) {
                ierr(ip, v, "requires: pcap: expected true or false");
                return false;
            }
            r->pcap = b;
        } else if (r->unknown == NULL) {
            r->unknown = sw_strdup(key);
            r->unknown_line = k->line;
            if (r->unknown == NULL) {
                ioom(ip);
                return false;
            }
        }
    }
    return true;
}

static enum sw_rtest_op
op_of(const char *key, size_t *stem)
{
    static const struct {
        const char *suffix;
        enum sw_rtest_op op;
    } ops[] = {
        {"__contains", SW_RTEST_CONTAINS},
        {"__find", SW_RTEST_FIND},
        {"__startswith", SW_RTEST_STARTSWITH},
        {"__endswith", SW_RTEST_ENDSWITH},
        {"__gte", SW_RTEST_GTE},
        {"__gt", SW_RTEST_GT},
        {"__lte", SW_RTEST_LTE},
        {"__lt", SW_RTEST_LT},
    };
    const char *last = strrchr(key, '.');

    last = last != NULL ? last + 1 : key;
    *stem = strlen(key);
    for (size_t i = 0; i < sizeof(ops) / sizeof(ops[0]); i++) {
        if (strcmp(last, ops[i].suffix) == 0) {
            *stem = last > key ? (size_t)(last - key - 1) : 0;
            return ops[i].op;
        }
    }
    return SW_RTEST_EQ;
}

static struct sw_rtest_match *
match_new(struct interp *ip, struct sw_rtest_check *c, const struct ynode *at)
{
    struct sw_rtest_match *m;

    if (c->n_m >= SW_RTEST_MAX_ITEMS) {
        sw_rtest_yaml_err(ip->p, SW_ELIMIT, at->line, at->col, "more than %u match keys",
                          SW_RTEST_MAX_ITEMS);
        return NULL;
    }
    m = sw_realloc(c->m, (c->n_m + 1) * sizeof(*m));
    if (m == NULL) {
        ioom(ip);
        return NULL;
    }
    c->m = m;
    m = &c->m[c->n_m++];
    memset(m, 0, sizeof(*m));
    m->line = at->line;
    return m;
}

/* One "key: value" of a filter's match or of a stats check. */
static bool
parse_match_key(struct interp *ip, struct sw_rtest_check *c, const struct ynode *k,
                const struct ynode *v, bool stats)
{
    struct sw_rtest_match *m;
    char sb[64];
    size_t stem;

    if (!stats && (strcmp(k->text, "has-key") == 0 || strcmp(k->text, "not-has-key") == 0)) {
        size_t cnt = sw_rtest_yaml_nitems(v);
        bool has = k->text[0] == 'h';

        if (cnt == 0) {
            ierr(ip, v, "%s: expected a path or a list of paths", k->text);
            return false;
        }
        for (size_t i = 0; i < cnt; i++) {
            const struct ynode *pn = sw_rtest_yaml_item(v, i);

            m = match_new(ip, c, k);
            if (m == NULL)
                return false;
            m->op = has ? SW_RTEST_HAS_KEY : SW_RTEST_NOT_HAS_KEY;
            m->key = sw_strdup(k->text);
            m->path = sw_rtest_yaml_text(ip->p, pn, k->text);
            if (m->key == NULL || m->path == NULL) {
                if (m->key == NULL)
                    ioom(ip);
                return false;
            }
        }
        return true;
    }
    m = match_new(ip, c, k);
    if (m == NULL)
        return false;
    m->op = op_of(k->text, &stem);
    m->key = sw_strdup(k->text);
    m->path = sw_malloc(stem + 1);
    if (m->key == NULL || m->path == NULL) {
        ioom(ip);
        return false;
    }
    memcpy(m->path, k->text, stem);
    m->path[stem] = '\0';
    if (stem == 0) {
        ierr(ip, k, "'%s': no field before the operator",
             sw_rtest_yaml_show(k->text, sb, sizeof(sb)));
        return false;
    }
    m->expected = sw_rtest_yaml_json(ip->p, v);
    if (m->expected == NULL)
        return false;
    switch (m->op) {
    case SW_RTEST_FIND:
    case SW_RTEST_STARTSWITH:
    case SW_RTEST_ENDSWITH:
        if (!json_is_string(m->expected)) {
            ierr(ip, v, "'%s' needs a string", sw_rtest_yaml_show(k->text, sb, sizeof(sb)));
            return false;
        }
        break;
    case SW_RTEST_GT:
    case SW_RTEST_GTE:
    case SW_RTEST_LT:
    case SW_RTEST_LTE:
        if (!json_is_number(m->expected)) {
            ierr(ip, v, "'%s' needs a number", sw_rtest_yaml_show(k->text, sb, sizeof(sb)));
            return false;
        }
        break;
    case SW_RTEST_CONTAINS:
        if (stats) {
            ierr(ip, k, "stats: '%s': only ==, __gt, __gte, __lt and __lte",
                 sw_rtest_yaml_show(k->text, sb, sizeof(sb)));
            return false;
        }
        break;
    default:
        break;
    }
    return true;
}

static struct sw_rtest_check *
check_new(struct interp *ip, const struct ynode *at, enum sw_rtest_kind kind)
{
    struct sw_rtest *t = ip->t;
    struct sw_rtest_check *c;

    if (t->n_checks >= SW_RTEST_MAX_ITEMS) {
        sw_rtest_yaml_err(ip->p, SW_ELIMIT, at->line, at->col, "more than %u checks",
                          SW_RTEST_MAX_ITEMS);
        return NULL;
    }
    c = sw_realloc(t->checks, (t->n_checks + 1) * sizeof(*c));
    if (c == NULL) {
        ioom(ip);
        return NULL;
    }
    t->checks = c;
    c = &t->checks[t->n_checks++];
    memset(c, 0, sizeof(*c));
    c->kind = kind;
    c->line = at->line;
    c->req.pcap = -1;
    return c;
}

static bool
parse_filter(struct interp *ip, const struct ynode *k, const struct ynode *n)
{
    struct sw_rtest_check *c;
    const struct ynode *match = NULL;
    bool have_count = false;

    if (!sw_rtest_yaml_want_map(ip->p, n, "filter") ||
        (c = check_new(ip, k, SW_RTEST_FILTER)) == NULL)
        return false;
    for (size_t i = 0; n->kind == Y_MAP && i + 1 < n->n; i += 2) {
        const struct ynode *key = n->kid[i], *v = n->kid[i + 1];
        char sb[64];

        if (strcmp(key->text, "count") == 0) {
            if (!sw_rtest_yaml_int(ip->p, v, "count", 0, INT_MAX, &c->count))
                return false;
            have_count = true;
        } else if (strcmp(key->text, "match") == 0) {
            match = v;
        } else if (strcmp(key->text, "filename") == 0) {
            c->filename = sw_rtest_yaml_text(ip->p, v, "filename");
            if (c->filename == NULL)
                return false;
        } else if (strcmp(key->text, "requires") == 0) {
            if (!parse_requires(ip, v, &c->req))
                return false;
        } else {
            /* run.py refuses a filter with a key it does not know: a broken test. */
            ierr(ip, key, "filter: unknown key '%s'",
                 sw_rtest_yaml_show(key->text, sb, sizeof(sb)));
            return false;
        }
    }
    if (!have_count || match == NULL) {
        ierr(ip, k, "filter: needs count and match");
        return false;
    }
    if (!sw_rtest_yaml_want_map(ip->p, match, "match"))
        return false;
    for (size_t i = 0; match->kind == Y_MAP && i + 1 < match->n; i += 2)
        if (!parse_match_key(ip, c, match->kid[i], match->kid[i + 1], false))
            return false;
    return true;
}

static bool
parse_checks(struct interp *ip, const struct ynode *n)
{
    if (sw_rtest_yaml_is_null(n))
        return true;
    if (n->kind != Y_SEQ) {
        ierr(ip, n, "checks: expected a sequence, not %s", sw_rtest_yaml_kind(n));
        return false;
    }
    for (size_t i = 0; i < n->n; i++) {
        const struct ynode *item = n->kid[i];

        if (item->kind != Y_MAP) {
            ierr(ip, item, "checks: each check is a mapping (filter:, stats:, ...)");
            return false;
        }
        if (!sw_rtest_yaml_want_map(ip->p, item, "check"))
            return false;
        for (size_t j = 0; j + 1 < item->n; j += 2) {
            const struct ynode *k = item->kid[j], *v = item->kid[j + 1];
            struct sw_rtest_check *c;
            char sb[64];

            if (strcmp(k->text, "filter") == 0) {
                if (!parse_filter(ip, k, v))
                    return false;
            } else if (strcmp(k->text, "stats") == 0) {
                if (!sw_rtest_yaml_want_map(ip->p, v, "stats") ||
                    (c = check_new(ip, k, SW_RTEST_STATS)) == NULL)
                    return false;
                for (size_t m = 0; v->kind == Y_MAP && m + 1 < v->n; m += 2)
                    if (!parse_match_key(ip, c, v->kid[m], v->kid[m + 1], true))
                        return false;
            } else if (strcmp(k->text, "shell") == 0) {
                if (check_new(ip, k, SW_RTEST_SHELL) == NULL)
                    return false;
            } else if (strcmp(k->text, "file-compare") == 0) {
                if (check_new(ip, k, SW_RTEST_FILE_COMPARE) == NULL)
                    return false;
            } else {
                ierr(ip, k, "checks: unknown check type '%s'",
                     sw_rtest_yaml_show(k->text, sb, sizeof(sb)));
                return false;
            }
        }
    }
    return true;
}

static bool
parse_skip(struct interp *ip, const struct ynode *k, const struct ynode *n)
{
    struct sw_rtest *t = ip->t;
    int b = sw_rtest_yaml_bool(n);

    t->skip_line = k->line;
    if (b >= 0) {
        t->skip_always = b == 1;
        return true;
    }
    if (sw_rtest_yaml_is_null(n))
        return true;
    if (n->kind != Y_SEQ) {
        ierr(ip, n, "skip: expected true, false or a list of conditions");
        return false;
    }
    if (n->n > SW_RTEST_MAX_ITEMS) {
        sw_rtest_yaml_err(ip->p, SW_ELIMIT, n->line, n->col, "skip: more than %u items",
                          SW_RTEST_MAX_ITEMS);
        return false;
    }
    t->skips = sw_calloc(n->n > 0 ? n->n : 1, sizeof(*t->skips));
    if (t->skips == NULL) {
        ioom(ip);
        return false;
    }
    for (size_t i = 0; i < n->n; i++) {
        const struct ynode *e = n->kid[i];
        struct sw_rtest_skip *s = &t->skips[t->n_skips++];

        s->uid = -1;
        s->line = e->line;
        if (e->kind != Y_MAP || !sw_rtest_yaml_want_map(ip->p, e, "skip")) {
            ierr(ip, e, "skip: each condition is a mapping (feature:, uid:, config:, msg:)");
            return false;
        }
        for (size_t j = 0; j + 1 < e->n; j += 2) {
            const struct ynode *key = e->kid[j], *v = e->kid[j + 1];
            char sb[64];

            if (strcmp(key->text, "feature") == 0) {
                if ((s->feature = sw_rtest_yaml_text(ip->p, v, "feature")) == NULL)
                    return false;
            } else if (strcmp(key->text, "msg") == 0) {
                if ((s->msg = sw_rtest_yaml_text(ip->p, v, "msg")) == NULL)
                    return false;
            } else if (strcmp(key->text, "uid") == 0) {
                if (!sw_rtest_yaml_int(ip->p, v, "uid", 0, UINT_MAX, &s->uid))
                    return false;
            } else if (strcmp(key->text, "config") == 0) {
                s->config = true;
            } else {
                ierr(ip, key, "skip: unknown key '%s'",
                     sw_rtest_yaml_show(key->text, sb, sizeof(sb)));
                return false;
            }
        }
    }
    return true;
}

/* "a/b.txt": relative, no "." or ".." part, no empty part, printable. */
static bool
safe_name(const char *s)
{
    const char *part = s;

    if (s[0] == '\0' || s[0] == '/' || strlen(s) > 255)
        return false;
    for (const char *p = s;; p++) {
        if (*p == '/' || *p == '\0') {
            size_t n = (size_t)(p - part);

            if (n == 0 || (n == 1 && part[0] == '.') ||
                (n == 2 && part[0] == '.' && part[1] == '.'))
                return false;
            if (*p == '\0')
                return true;
            part = p + 1;
        } else if ((unsigned char)*p < 0x20 || *p == 0x7f || *p == '\\') {
            return false;
        }
    }
}

static bool
parse_inline(struct interp *ip, const struct ynode *n, struct sw_rtest_file *f)
{
    const struct ynode *text = NULL, *hex = NULL;

    if (!sw_rtest_yaml_want_map(ip->p, n, "files"))
        return false;
    for (size_t j = 0; j + 1 < n->n; j += 2) {
        const struct ynode *key = n->kid[j], *v = n->kid[j + 1];
        char sb[64];

        if (strcmp(key->text, "name") == 0) {
            if ((f->path = sw_rtest_yaml_text(ip->p, v, "name")) == NULL)
                return false;
            if (!safe_name(f->path)) {
                ierr(ip, v, "files: name '%s' must be a relative path without '.' or '..'",
                     sw_rtest_yaml_show(f->path, sb, sizeof(sb)));
                return false;
            }
        } else if (strcmp(key->text, "text") == 0 && v->kind == Y_SCALAR) {
            text = v;
        } else if (strcmp(key->text, "hex") == 0 && v->kind == Y_SCALAR) {
            hex = v;
        } else {
            ierr(ip, key, "files: '%s': an inline file has name and text or hex",
                 sw_rtest_yaml_show(key->text, sb, sizeof(sb)));
            return false;
        }
    }
    if (f->path == NULL || (text == NULL) == (hex == NULL)) {
        ierr(ip, n, "files: an inline file has a name and one of text or hex");
        return false;
    }
    f->is_inline = true;
    if (text != NULL) {
        f->len = text->len;
        f->data = sw_malloc(text->len + 1);
        if (f->data == NULL) {
            ioom(ip);
            return false;
        }
        memcpy(f->data, text->text, text->len);
    } else {
        f->data = sw_malloc(hex->len / 2 + 1);
        if (f->data == NULL) {
            ioom(ip);
            return false;
        }
        for (size_t i = 0; i < hex->len;) {
            int hi, lo;

            if (hex->text[i] == ' ' || hex->text[i] == '\n' || hex->text[i] == '\t') {
                i++;
                continue;
            }
            hi = sw_parse_hexdigit(hex->text[i]);
            lo = i + 1 < hex->len ? sw_parse_hexdigit(hex->text[i + 1]) : -1;
            if (hi < 0 || lo < 0) {
                ierr(ip, hex, "files: hex: not pairs of hex digits (at byte %zu)", i);
                return false;
            }
            f->data[f->len++] = (uint8_t)(hi << 4 | lo);
            i += 2;
        }
    }
    if (f->len > SW_RTEST_MAX_INLINE) {
        sw_rtest_yaml_err(ip->p, SW_ELIMIT, n->line, n->col,
                          "files: inline file larger than %u bytes", SW_RTEST_MAX_INLINE);
        return false;
    }
    return true;
}

static bool
parse_files(struct interp *ip, const struct ynode *n)
{
    struct sw_rtest *t = ip->t;
    size_t cnt = sw_rtest_yaml_nitems(n);

    t->has_files = true;
    if (cnt > SW_RTEST_MAX_ITEMS) {
        sw_rtest_yaml_err(ip->p, SW_ELIMIT, n->line, n->col, "files: more than %u items",
                          SW_RTEST_MAX_ITEMS);
        return false;
    }
    if (cnt == 0)
        return true;
    t->files = sw_calloc(cnt, sizeof(*t->files));
    if (t->files == NULL) {
        ioom(ip);
        return false;
    }
    for (size_t i = 0; i < cnt; i++) {
        const struct ynode *e = sw_rtest_yaml_item(n, i);
        struct sw_rtest_file *f = &t->files[t->n_files++];

        f->line = e->line;
        if (e->kind == Y_MAP) {
            if (!parse_inline(ip, e, f))
                return false;
        } else if ((f->path = sw_rtest_yaml_text(ip->p, e, "files")) == NULL) {
            return false;
        }
    }
    return true;
}

static bool
parse_expect_list(struct interp *ip, const struct ynode *n, bool no_match,
                  struct sw_rtest_expect **out, size_t *n_out)
{
    size_t cnt = sw_rtest_yaml_nitems(n);

    if (cnt > SW_RTEST_MAX_ITEMS) {
        sw_rtest_yaml_err(ip->p, SW_ELIMIT, n->line, n->col, "expect: more than %u items",
                          SW_RTEST_MAX_ITEMS);
        return false;
    }
    if (cnt == 0)
        return true;
    *out = sw_calloc(cnt, sizeof(**out));
    if (*out == NULL) {
        ioom(ip);
        return false;
    }
    for (size_t i = 0; i < cnt; i++) {
        const struct ynode *e = sw_rtest_yaml_item(n, i);
        struct sw_rtest_expect *x = &(*out)[(*n_out)++];

        x->sid = -1;
        x->count = -1;
        x->line = e->line;
        if (e->kind == Y_SCALAR) {
            json_t *j = sw_rtest_yaml_json(ip->p, e);
            bool ok = j != NULL && (json_is_string(j) || json_is_integer(j));

            if (j != NULL && !ok)
                ierr(ip, e, "expect: a rule name or a signature id");
            if (ok && json_is_integer(j)) {
                x->sid = json_integer_value(j);
            } else if (ok && (x->rule = sw_strdup(json_string_value(j))) == NULL) {
                ioom(ip);
                ok = false;
            }
            json_decref(j);
            if (!ok)
                return false;
            continue;
        }
        if (!sw_rtest_yaml_want_map(ip->p, e, "expect"))
            return false;
        if (e->kind != Y_MAP) {
            ierr(ip, e, "expect: a rule name, a signature id or a mapping");
            return false;
        }
        for (size_t j = 0; j + 1 < e->n; j += 2) {
            const struct ynode *key = e->kid[j], *val = e->kid[j + 1];
            char sb[64];

            if (strcmp(key->text, "rule") == 0) {
                if ((x->rule = sw_rtest_yaml_text(ip->p, val, "rule")) == NULL)
                    return false;
            } else if (strcmp(key->text, "sid") == 0) {
                if (!sw_rtest_yaml_int(ip->p, val, "sid", 0, UINT32_MAX, &x->sid))
                    return false;
            } else if (strcmp(key->text, "file") == 0) {
                if ((x->file = sw_rtest_yaml_text(ip->p, val, "file")) == NULL)
                    return false;
            } else if (strcmp(key->text, "count") == 0 && !no_match) {
                if (!sw_rtest_yaml_int(ip->p, val, "count", 0, INT_MAX, &x->count))
                    return false;
            } else {
                ierr(ip, key, "expect: unknown key '%s' (rule, sid, file%s)",
                     sw_rtest_yaml_show(key->text, sb, sizeof(sb)), no_match ? "" : ", count");
                return false;
            }
        }
        if (x->rule != NULL && x->sid >= 0) {
            ierr(ip, e, "expect: rule or sid, not both");
            return false;
        }
        if (x->rule == NULL && x->sid < 0 && x->file == NULL) {
            ierr(ip, e, "expect: needs a rule, a sid or a file");
            return false;
        }
    }
    return true;
}

static bool
parse_expect(struct interp *ip, const struct ynode *n)
{
    struct sw_rtest *t = ip->t;

    if (!sw_rtest_yaml_want_map(ip->p, n, "expect"))
        return false;
    t->has_expect = true;
    for (size_t i = 0; n->kind == Y_MAP && i + 1 < n->n; i += 2) {
        const struct ynode *k = n->kid[i], *v = n->kid[i + 1];
        char sb[64];

        if (strcmp(k->text, "match") == 0) {
            if (!parse_expect_list(ip, v, false, &t->match, &t->n_match))
                return false;
        } else if (strcmp(k->text, "no_match") == 0) {
            if (!parse_expect_list(ip, v, true, &t->no_match, &t->n_no_match))
                return false;
        } else {
            ierr(ip, k, "expect: unknown key '%s' (match, no_match)",
                 sw_rtest_yaml_show(k->text, sb, sizeof(sb)));
            return false;
        }
    }
    return true;
}

static bool
parse_env(struct interp *ip, const struct ynode *n)
{
    if (!sw_rtest_yaml_want_map(ip->p, n, "env"))
        return false;
    for (size_t i = 0; n->kind == Y_MAP && i + 1 < n->n; i += 2) {
        const struct ynode *k = n->kid[i], *v = n->kid[i + 1];
        char *s;
        size_t len;

        if (v->kind != Y_SCALAR || k->text[0] == '\0' || strchr(k->text, '=') != NULL) {
            ierr(ip, k, "env: NAME: value, with a name without '='");
            return false;
        }
        len = k->len + v->len + 2;
        s = sw_malloc(len);
        if (s == NULL) {
            ioom(ip);
            return false;
        }
        snprintf(s, len, "%s=%s", k->text, sw_rtest_yaml_is_null(v) ? "" : v->text);
        if (!sw_rtest_strs_add(ip->p, &ip->t->env, s, k->line))
            return false;
    }
    return true;
}

static bool
parse_top(struct interp *ip, const struct ynode *root)
{
    struct sw_rtest *t = ip->t;

    if (root == NULL || sw_rtest_yaml_is_null(root))
        return true; /* an empty test.yaml: run the input, check the exit code */
    if (root->kind != Y_MAP) {
        ierr(ip, root, "a test is a mapping (pcap:, checks:, ...), not %s",
             sw_rtest_yaml_kind(root));
        return false;
    }
    if (!sw_rtest_yaml_want_map(ip->p, root, "test"))
        return false;
    for (size_t i = 0; i + 1 < root->n; i += 2) {
        const struct ynode *k = root->kid[i], *v = root->kid[i + 1];
        const char *key = k->text;
        bool ok = true;
        long long ignored;

        if (strcmp(key, "requires") == 0) {
            ok = parse_requires(ip, v, &t->req);
        } else if (strcmp(key, "skip") == 0) {
            ok = parse_skip(ip, k, v);
        } else if (strcmp(key, "args") == 0) {
            ok = sw_rtest_strs_of(ip->p, v, "args", &t->args);
        } else if (strcmp(key, "checks") == 0) {
            ok = parse_checks(ip, v);
        } else if (strcmp(key, "pcap") == 0) {
            t->pcap_line = k->line;
            if (sw_rtest_yaml_is_null(v) || sw_rtest_yaml_bool(v) == 0 ||
                (v->kind == Y_SCALAR && v->len == 0))
                t->pcap_false = true;
            else
                ok = (t->pcap = sw_rtest_yaml_text(ip->p, v, "pcap")) != NULL;
        } else if (strcmp(key, "rules") == 0) {
            t->rules_set = true;
            if (!sw_rtest_yaml_is_null(v) && sw_rtest_yaml_bool(v) != 0 &&
                !(v->kind == Y_SCALAR && v->len == 0))
                ok = sw_rtest_strs_of(ip->p, v, "rules", &t->rules);
        } else if (strcmp(key, "exit-code") == 0) {
            t->has_exit_code = true;
            ok = sw_rtest_yaml_int(ip->p, v, "exit-code", 0, 255, &t->exit_code);
        } else if (strcmp(key, "env") == 0) {
            ok = parse_env(ip, v);
        } else if (strcmp(key, "files") == 0) {
            ok = parse_files(ip, v);
        } else if (strcmp(key, "expect") == 0) {
            ok = parse_expect(ip, v);
        } else if (strcmp(key, "ndpi-risk") == 0) {
            t->ndpi_risk = sw_rtest_yaml_bool(v);
            if (t->ndpi_risk < 0) {
                ierr(ip, v, "ndpi-risk: expected true or false");
                ok = false;
            }
        } else if (strcmp(key, "retry") == 0 || strcmp(key, "count") == 0) {
            /* Repeat runs to catch flaky ones: seawall runs each test once; a value must
             * still be a number. */
            ok = sw_rtest_yaml_int(ip->p, v, key, 0, 1000, &ignored);
        } else if (strcmp(key, "command") == 0) {
            ok = unsupported(ip, k, "a custom command line (seawall runs its own pipeline)");
        } else if (strcmp(key, "setup") == 0 || strcmp(key, "pre-check") == 0) {
            ok = unsupported(ip, k, "shell commands (seawall runs no commands from a test)");
        } else if (strcmp(key, "unix-commands") == 0 || strcmp(key, "startup-timeout") == 0) {
            ok = unsupported(ip, k, "unix-socket commands to a running Suricata");
        } else {
            ok = unsupported(ip, k, "unknown key");
        }
        if (!ok)
            return false;
    }
    return true;
}

static void
requires_fini(struct sw_rtest_requires *r)
{
    sw_free(r->min_version);
    sw_free(r->lt_version);
    sw_free(r->gt_version);
    sw_free(r->version);
    sw_free(r->os);
    sw_free(r->arch);
    sw_free(r->unknown);
    sw_rtest_strs_free(&r->features);
    sw_rtest_strs_free(&r->env);
    sw_rtest_strs_free(&r->files);
}

void
sw_rtest_free(struct sw_rtest *t)
{
    if (t == NULL)
        return;
    sw_free(t->pcap);
    for (size_t i = 0; i < t->n_files; i++) {
        sw_free(t->files[i].path);
        sw_free(t->files[i].data);
    }
    sw_free(t->files);
    sw_rtest_strs_free(&t->rules);
    sw_rtest_strs_free(&t->args);
    sw_rtest_strs_free(&t->env);
    sw_rtest_strs_free(&t->unsupported);
    requires_fini(&t->req);
    for (size_t i = 0; i < t->n_skips; i++) {
        sw_free(t->skips[i].feature);
        sw_free(t->skips[i].msg);
    }
    sw_free(t->skips);
    for (size_t i = 0; i < t->n_checks; i++) {
        struct sw_rtest_check *c = &t->checks[i];

        for (size_t j = 0; j < c->n_m; j++) {
            sw_free(c->m[j].key);
            sw_free(c->m[j].path);
            json_decref(c->m[j].expected);
        }
        sw_free(c->m);
        sw_free(c->filename);
        requires_fini(&c->req);
    }
    sw_free(t->checks);
    for (size_t i = 0; i < t->n_match; i++) {
        sw_free(t->match[i].rule);
        sw_free(t->match[i].file);
    }
    sw_free(t->match);
    for (size_t i = 0; i < t->n_no_match; i++) {
        sw_free(t->no_match[i].rule);
        sw_free(t->no_match[i].file);
    }
    sw_free(t->no_match);
    sw_free(t);
}

struct sw_rtest *
sw_rtest_parse(const char *name, const char *buf, size_t len, struct sw_err *err)
{
    struct yparser p = {.name = name, .err = err};
    struct sw_rtest *t;

    sw_err_clear(err);
    if (len > SW_RTEST_MAX_BYTES) {
        sw_err_set(err, SW_ELIMIT, "%s: larger than %u bytes", name, SW_RTEST_MAX_BYTES);
        return NULL;
    }
    t = sw_calloc(1, sizeof(*t));
    if (t == NULL) {
        sw_err_set(err, SW_ENOMEM, "%s: out of memory", name);
        return NULL;
    }
    t->req.pcap = -1;
    t->ndpi_risk = -1;
    if (sw_rtest_yaml_parse(&p, buf, len)) {
        struct interp ip = {.p = &p, .t = t};

        /* Every false return has recorded why; should one not, it is not a test. */
        if (!parse_top(&ip, p.root) && !p.failed)
            sw_rtest_yaml_err(&p, SW_ENOMEM, 0, 0, "oom");
    }
    sw_rtest_yaml_free(&p);
    if (p.failed) {
        sw_rtest_free(t);
        return NULL;
    }
    return t;
}

struct sw_rtest *
sw_rtest_load(const char *path, struct sw_err *err)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
    struct stat st;
    char *buf = NULL;
    size_t got = 0;
    struct sw_rtest *t;

    if (fd == -1) {
        sw_err_sys(err, SW_EIO, "%s", path);
        return NULL;
    }
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        if (S_ISREG(st.st_mode))
            sw_err_sys(err, SW_EIO, "%s", path);
        else
            sw_err_set(err, SW_EINVAL, "%s: not a regular file", path);
        close(fd);
        return NULL;
    }
    if ((uint64_t)st.st_size > SW_RTEST_MAX_BYTES) {
        sw_err_set(err, SW_ELIMIT, "%s: larger than %u bytes", path, SW_RTEST_MAX_BYTES);
        close(fd);
        return NULL;
    }
    buf = sw_malloc((size_t)st.st_size + 1);
    if (buf == NULL) {
        sw_err_set(err, SW_ENOMEM, "%s: out of memory", path);
        close(fd);
        return NULL;
    }
    (void)sw_io_read_full(fd, buf, (size_t)st.st_size, &got); /* an error: what came is parsed */
    close(fd);
    t = sw_rtest_parse(path, buf, got, err);
    sw_free(buf);
    return t;
}

bool
sw_rtest_seawall_form(const struct sw_rtest *t)
{
    return t->has_files || t->has_expect || t->ndpi_risk >= 0;
}
