/* rtest_yaml.c - the YAML node tree of a test.yaml (see agent/rtest_int.h).
 *
 * libyaml's events build a tree with positions; the limits on size, depth, nodes and scalar
 * length are checked while it grows, and aliases are refused (a test never needs them, and
 * they are how YAML documents explode). Scalars resolve as PyYAML's safe_load resolves them
 * (YAML 1.1: yes/no/on/off are booleans, 0x1f and 017 integers, a float needs a dot), since
 * suricata-verify's run.py compares what PyYAML made of a value with the event's JSON. */
#include "rtest_int.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "sw/alloc.h"
#include "sw/yaml_err.h"

/* --- node tree ------------------------------------------------------------------------------ */

/* Text from the file shown in messages: at most 48 bytes, control bytes as '?'. */
const char *
sw_rtest_yaml_show(const char *s, char *buf, size_t len)
{
    size_t i = 0;

    for (; s[i] != '\0' && i + 4 < len && i < 48; i++)
        buf[i] = (unsigned char)s[i] < 0x20 || s[i] == 0x7f ? '?' : s[i];
    if (s[i] != '\0' && i + 4 <= len) {
        while (i > 0 && ((unsigned char)buf[i] & 0xc0) == 0x80)
            i--; /* do not cut a UTF-8 sequence */
        memcpy(buf + i, "...", 3);
        i += 3;
    }
    buf[i] = '\0';
    return buf;
}

void
sw_rtest_yaml_err(struct yparser *p, enum sw_rc code, unsigned line, unsigned col, const char *fmt,
                  ...)
{
    char msg[SW_ERR_MSG_MAX];
    va_list ap;

    if (p->failed && code != SW_ENOMEM)
        return; /* the first problem is the one reported, running out of memory excepted */
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    if (code == SW_ENOMEM)
        sw_err_set(p->err, code, "%s: out of memory", p->name);
    else if (line > 0)
        sw_err_set(p->err, code, "%s:%u:%u: %s", p->name, line, col, msg);
    else
        sw_err_set(p->err, code, "%s: %s", p->name, msg);
    p->failed = true;
}

void
sw_rtest_yaml_free(struct yparser *p)
{
    struct ynode *n = p->all, *next;

    for (; n != NULL; n = next) {
        next = n->next;
        sw_free(n->text);
        sw_free(n->tag);
        sw_free(n->kid);
        sw_free(n);
    }
    p->all = NULL;
    p->root = NULL;
}

static bool
attach(struct yparser *p, struct ynode *n)
{
    struct ynode *top;

    if (p->depth == 0) {
        if (p->root != NULL) {
            sw_rtest_yaml_err(p, SW_EINVAL, n->line, n->col, "more than one document");
            return false;
        }
        p->root = n;
        return true;
    }
    top = p->stack[p->depth - 1];
    if (top->n == top->cap) {
        size_t cap = top->cap == 0 ? 8 : top->cap * 2;
        struct ynode **k = sw_realloc(top->kid, cap * sizeof(*k));

        if (k == NULL) {
            sw_rtest_yaml_err(p, SW_ENOMEM, 0, 0, "oom");
            return false;
        }
        top->kid = k;
        top->cap = cap;
    }
    top->kid[top->n++] = n;
    return true;
}

static struct ynode *
node_new(struct yparser *p, enum ykind kind, const yaml_mark_t *m, const yaml_char_t *tag)
{
    struct ynode *n;

    if (++p->count > SW_RTEST_MAX_NODES) {
        sw_rtest_yaml_err(p, SW_ELIMIT, (unsigned)m->line + 1, (unsigned)m->column + 1,
                          "more than %u nodes", SW_RTEST_MAX_NODES);
        return NULL;
    }
    n = sw_calloc(1, sizeof(*n));
    if (n == NULL) {
        sw_rtest_yaml_err(p, SW_ENOMEM, 0, 0, "oom");
        return NULL;
    }
    n->kind = kind;
    n->line = (unsigned)m->line + 1;
    n->col = (unsigned)m->column + 1;
    n->next = p->all;
    p->all = n;
    /* "!" alone is the non-specific tag libyaml reports for quoted scalars: no tag. */
    if (tag != NULL && strcmp((const char *)tag, "!") != 0) {
        n->tag = sw_strdup((const char *)tag);
        if (n->tag == NULL) {
            sw_rtest_yaml_err(p, SW_ENOMEM, 0, 0, "oom");
            return NULL;
        }
    }
    return n;
}

static bool
on_scalar(struct yparser *p, const yaml_event_t *ev)
{
    const yaml_mark_t *m = &ev->start_mark;
    size_t len = ev->data.scalar.length;
    struct ynode *n;

    if (len > SW_RTEST_MAX_SCALAR) {
        sw_rtest_yaml_err(p, SW_ELIMIT, (unsigned)m->line + 1, (unsigned)m->column + 1,
                          "a value longer than %u bytes", SW_RTEST_MAX_SCALAR);
        return false;
    }
    n = node_new(p, Y_SCALAR, m, ev->data.scalar.tag);
    if (n == NULL)
        return false;
    n->text = sw_malloc(len + 1);
    if (n->text == NULL) {
        sw_rtest_yaml_err(p, SW_ENOMEM, 0, 0, "oom");
        return false;
    }
    memcpy(n->text, ev->data.scalar.value, len);
    n->text[len] = '\0';
    n->len = len;
    n->plain = ev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE;
    return attach(p, n);
}

static bool
on_start(struct yparser *p, const yaml_event_t *ev, enum ykind kind)
{
    const yaml_mark_t *m = &ev->start_mark;
    const yaml_char_t *tag =
        kind == Y_MAP ? ev->data.mapping_start.tag : ev->data.sequence_start.tag;
    struct ynode *n;

    if (p->depth == SW_RTEST_MAX_DEPTH) {
        sw_rtest_yaml_err(p, SW_ELIMIT, (unsigned)m->line + 1, (unsigned)m->column + 1,
                          "nesting deeper than %d levels", SW_RTEST_MAX_DEPTH);
        return false;
    }
    n = node_new(p, kind, m, tag);
    if (n == NULL || !attach(p, n))
        return false;
    p->stack[p->depth++] = n;
    return true;
}

static void
syntax_error(struct yparser *p, const yaml_parser_t *yp, const char *buf, size_t len)
{
    struct sw_yaml_err e;

    sw_yaml_err_describe(yp, buf, len, &e);
    if (e.nomem) {
        sw_rtest_yaml_err(p, SW_ENOMEM, 0, 0, "oom");
        return;
    }
    sw_rtest_yaml_err(p, SW_EINVAL, (unsigned)e.mark.line + 1, (unsigned)e.mark.column + 1,
                      "invalid YAML: %s", e.problem);
}

bool
sw_rtest_yaml_parse(struct yparser *p, const char *buf, size_t len)
{
    yaml_parser_t yp;
    yaml_event_t ev;
    bool ok = true, done = false;

    if (!yaml_parser_initialize(&yp)) {
        sw_rtest_yaml_err(p, SW_ENOMEM, 0, 0, "oom");
        return false;
    }
    yaml_parser_set_input_string(&yp, (const unsigned char *)buf, len);
    while (ok && !done) {
        if (!yaml_parser_parse(&yp, &ev)) {
            syntax_error(p, &yp, buf, len);
            ok = false;
            break;
        }
        switch (ev.type) {
        case YAML_STREAM_END_EVENT:
            done = true;
            break;
        case YAML_SCALAR_EVENT:
            ok = on_scalar(p, &ev);
            break;
        case YAML_SEQUENCE_START_EVENT:
            ok = on_start(p, &ev, Y_SEQ);
            break;
        case YAML_MAPPING_START_EVENT:
            ok = on_start(p, &ev, Y_MAP);
            break;
        case YAML_SEQUENCE_END_EVENT:
        case YAML_MAPPING_END_EVENT:
            if (p->depth > 0)
                p->depth--;
            break;
        case YAML_ALIAS_EVENT:
            sw_rtest_yaml_err(p, SW_EINVAL, (unsigned)ev.start_mark.line + 1,
                              (unsigned)ev.start_mark.column + 1,
                              "aliases are not supported in a test");
            ok = false;
            break;
        default:
            break;
        }
        yaml_event_delete(&ev);
    }
    yaml_parser_delete(&yp);
    return ok;
}

/* --- scalars as PyYAML's safe_load sees them ------------------------------------------------ */

bool
sw_rtest_yaml_is_null(const struct ynode *n)
{
    if (n->kind != Y_SCALAR)
        return false;
    if (n->tag != NULL)
        return strcmp(n->tag, "tag:yaml.org,2002:null") == 0;
    if (!n->plain)
        return false;
    return n->text[0] == '\0' || strcmp(n->text, "~") == 0 || strcmp(n->text, "null") == 0 ||
           strcmp(n->text, "Null") == 0 || strcmp(n->text, "NULL") == 0;
}

/* 1 true, 0 false, -1 not a boolean. */
int
sw_rtest_yaml_bool(const struct ynode *n)
{
    static const char *const t[] = {"yes", "Yes", "YES", "true", "True", "TRUE", "on", "On", "ON"};
    static const char *const f[] = {"no",    "No",  "NO",  "false", "False",
                                    "FALSE", "off", "Off", "OFF"};

    if (n->kind != Y_SCALAR || (!n->plain && n->tag == NULL))
        return -1;
    if (n->tag != NULL && strcmp(n->tag, "tag:yaml.org,2002:bool") != 0)
        return -1;
    for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
        if (strcmp(n->text, t[i]) == 0)
            return 1;
        if (strcmp(n->text, f[i]) == 0)
            return 0;
    }
    return -1;
}

/* YAML 1.1 integer: [-+]? then 0b..., 0x..., 0[0-7]... or decimal; '_' between digits. */
static bool
parse_int(const char *s, long long *out, bool *range)
{
    bool neg = false;
    unsigned base = 10;
    unsigned long long v = 0;
    size_t digits = 0;

    *range = true;
    if (*s == '-' || *s == '+')
        neg = *s++ == '-';
    if (s[0] == '0' && (s[1] == 'x' || s[1] == 'b')) {
        base = s[1] == 'x' ? 16 : 2;
        s += 2;
    } else if (s[0] == '0' && s[1] != '\0') {
        base = 8;
        s++;
    }
    for (; *s != '\0'; s++) {
        unsigned d;

        if (*s == '_')
            continue;
        if (*s >= '0' && *s <= '9')
            d = (unsigned)(*s - '0');
        else if (*s >= 'a' && *s <= 'f')
            d = (unsigned)(*s - 'a' + 10);
        else if (*s >= 'A' && *s <= 'F')
            d = (unsigned)(*s - 'A' + 10);
        else
            return false;
        if (d >= base)
            return false;
        if (__builtin_mul_overflow(v, base, &v) || __builtin_add_overflow(v, d, &v))
            *range = false;
        digits++;
    }
    if (digits == 0)
        return false;
    if (v > (unsigned long long)LLONG_MAX + (neg ? 1u : 0u))
        *range = false;
    if (*range)
        *out = neg ? (long long)(0 - v) : (long long)v;
    return true;
}

/* YAML 1.1 float as PyYAML resolves it: a dot is required ("1e5" is a string). */
static bool
parse_float(const char *s, double *out)
{
    char clean[128];
    size_t n = 0;
    const char *q = s;
    bool dot = false, digit = false;

    if (*q == '-' || *q == '+')
        q++;
    for (; *q != '\0'; q++) {
        if (*q >= '0' && *q <= '9')
            digit = true;
        else if (*q == '.' && !dot)
            dot = true;
        else if (*q == '_')
            continue;
        else
            break;
    }
    if (!dot || (!digit && *q == '\0'))
        return false;
    if (*q == 'e' || *q == 'E') {
        if ((q[1] != '-' && q[1] != '+') || q[2] < '0' || q[2] > '9')
            return false;
        for (q += 2; *q >= '0' && *q <= '9'; q++)
            ;
    }
    if (*q != '\0' || !digit)
        return false;
    for (q = s; *q != '\0' && n + 1 < sizeof(clean); q++)
        if (*q != '_')
            clean[n++] = *q;
    if (*q != '\0')
        return false;
    clean[n] = '\0';
    errno = 0;
    *out = strtod(clean, NULL);
    return errno == 0 && isfinite(*out);
}

/* The JSON value PyYAML would give (scalars resolved, sequences as arrays, mappings as
 * objects with string keys). NULL after an error. */
json_t *
sw_rtest_yaml_json(struct yparser *p, const struct ynode *n)
{
    json_t *v = NULL;

    if (n->kind == Y_SCALAR) {
        const char *tag = n->tag;
        long long i;
        double d;
        bool range;
        int b;

        if (tag != NULL && strcmp(tag, "tag:yaml.org,2002:str") != 0 &&
            strcmp(tag, "tag:yaml.org,2002:int") != 0 &&
            strcmp(tag, "tag:yaml.org,2002:float") != 0 &&
            strcmp(tag, "tag:yaml.org,2002:bool") != 0 &&
            strcmp(tag, "tag:yaml.org,2002:null") != 0) {
            char sb[64];

            sw_rtest_yaml_err(p, SW_EINVAL, n->line, n->col, "tag '%s' is not supported",
                              sw_rtest_yaml_show(tag, sb, sizeof(sb)));
            return NULL;
        }
        if (sw_rtest_yaml_is_null(n)) {
            v = json_null();
        } else if ((b = sw_rtest_yaml_bool(n)) >= 0) {
            v = json_boolean(b);
        } else if ((tag == NULL && !n->plain) || (tag != NULL && strcmp(tag + 18, "str") == 0)) {
            v = json_stringn(n->text, n->len);
            if (v == NULL) {
                sw_rtest_yaml_err(p, SW_EINVAL, n->line, n->col, "a value that is not valid UTF-8");
                return NULL;
            }
        } else if (parse_int(n->text, &i, &range) &&
                   (tag == NULL || strcmp(tag + 18, "int") == 0)) {
            if (!range) {
                sw_rtest_yaml_err(p, SW_EINVAL, n->line, n->col, "integer out of range");
                return NULL;
            }
            v = json_integer(i);
        } else if (parse_float(n->text, &d) && (tag == NULL || strcmp(tag + 18, "float") == 0)) {
            v = json_real(d);
        } else if (tag != NULL && strcmp(tag + 18, "str") != 0) {
            char sb[64];

            sw_rtest_yaml_err(p, SW_EINVAL, n->line, n->col, "'%s' is not a %s",
                              sw_rtest_yaml_show(n->text, sb, sizeof(sb)), tag + 18);
            return NULL;
        } else {
            v = json_stringn(n->text, n->len);
        }
    } else if (n->kind == Y_SEQ) {
        v = json_array();
        for (size_t k = 0; v != NULL && k < n->n; k++) {
            json_t *e = sw_rtest_yaml_json(p, n->kid[k]);

            if (e == NULL) {
                json_decref(v);
                return NULL;
            }
            if (json_array_append_new(v, e) != 0) {
                json_decref(v);
                v = NULL;
            }
        }
    } else {
        v = json_object();
        for (size_t k = 0; v != NULL && k + 1 < n->n; k += 2) {
            const struct ynode *key = n->kid[k];
            json_t *e;

            if (key->kind != Y_SCALAR || strlen(key->text) != key->len) {
                sw_rtest_yaml_err(p, SW_EINVAL, key->line, key->col,
                                  "a mapping key must be a scalar without NUL bytes");
                json_decref(v);
                return NULL;
            }
            if (json_object_get(v, key->text) != NULL) {
                char sb[64];

                sw_rtest_yaml_err(p, SW_EINVAL, key->line, key->col, "duplicate key '%s'",
                                  sw_rtest_yaml_show(key->text, sb, sizeof(sb)));
                json_decref(v);
                return NULL;
            }
            e = sw_rtest_yaml_json(p, n->kid[k + 1]);
            if (e == NULL) {
                json_decref(v);
                return NULL;
            }
            if (json_object_set_new(v, key->text, e) != 0) {
                json_decref(v);
                v = NULL;
            }
        }
    }
    if (v == NULL && !p->failed)
        sw_rtest_yaml_err(p, SW_ENOMEM, 0, 0, "oom");
    return v;
}

/* --- reading nodes ---------------------------------------------------------------------- */

const char *
sw_rtest_yaml_kind(const struct ynode *n)
{
    return n->kind == Y_MAP ? "a mapping" : n->kind == Y_SEQ ? "a sequence" : "a scalar";
}

/* Check a mapping: a mapping node (or null: no keys), no duplicate or non-scalar keys. */
bool
sw_rtest_yaml_want_map(struct yparser *p, const struct ynode *n, const char *what)
{
    if (sw_rtest_yaml_is_null(n))
        return true;
    if (n->kind != Y_MAP) {
        sw_rtest_yaml_err(p, SW_EINVAL, n->line, n->col, "%s: expected a mapping, not %s", what,
                          sw_rtest_yaml_kind(n));
        return false;
    }
    for (size_t i = 0; i + 1 < n->n; i += 2) {
        char sb[64];

        if (n->kid[i]->kind != Y_SCALAR || strlen(n->kid[i]->text) != n->kid[i]->len) {
            sw_rtest_yaml_err(p, SW_EINVAL, n->kid[i]->line, n->kid[i]->col,
                              "%s: a key must be a scalar without NUL bytes", what);
            return false;
        }
        for (size_t j = 0; j < i; j += 2) {
            if (strcmp(n->kid[j]->text, n->kid[i]->text) == 0) {
                sw_rtest_yaml_err(p, SW_EINVAL, n->kid[i]->line, n->kid[i]->col,
                                  "%s: duplicate key '%s'", what,
                                  sw_rtest_yaml_show(n->kid[i]->text, sb, sizeof(sb)));
                return false;
            }
        }
    }
    return true;
}

/* Items of a sequence, or the node itself when it is a single scalar (none when null). */
size_t
sw_rtest_yaml_nitems(const struct ynode *n)
{
    if (n->kind == Y_SEQ)
        return n->n;
    return sw_rtest_yaml_is_null(n) ? 0 : 1;
}

const struct ynode *
sw_rtest_yaml_item(const struct ynode *n, size_t i)
{
    return n->kind == Y_SEQ ? n->kid[i] : n;
}

char *
sw_rtest_yaml_text(struct yparser *p, const struct ynode *n, const char *what)
{
    char *s;

    if (n->kind != Y_SCALAR || sw_rtest_yaml_is_null(n)) {
        sw_rtest_yaml_err(p, SW_EINVAL, n->line, n->col, "%s: expected a value, not %s", what,
                          n->kind == Y_SCALAR ? "nothing" : sw_rtest_yaml_kind(n));
        return NULL;
    }
    if (strlen(n->text) != n->len) {
        sw_rtest_yaml_err(p, SW_EINVAL, n->line, n->col, "%s: a NUL byte in a name or path", what);
        return NULL;
    }
    s = sw_strdup(n->text);
    if (s == NULL)
        sw_rtest_yaml_err(p, SW_ENOMEM, 0, 0, "oom");
    return s;
}

bool
sw_rtest_strs_add(struct yparser *p, struct sw_rtest_strs *l, char *s, unsigned line)
{
    char **v;
    unsigned *ln;

    if (s == NULL) {
        if (!p->failed) /* else the caller already reported why (a NUL byte, ...) */
            sw_rtest_yaml_err(p, SW_ENOMEM, 0, 0, "oom");
        return false;
    }
    if (l->n >= SW_RTEST_MAX_ITEMS) {
        sw_free(s);
        sw_rtest_yaml_err(p, SW_ELIMIT, line, 1, "more than %u items", SW_RTEST_MAX_ITEMS);
        return false;
    }
    v = sw_realloc(l->v, (l->n + 1) * sizeof(*v));
    if (v != NULL)
        l->v = v;
    ln = v != NULL ? sw_realloc(l->line, (l->n + 1) * sizeof(*ln)) : NULL;
    if (ln == NULL) {
        sw_free(s);
        sw_rtest_yaml_err(p, SW_ENOMEM, 0, 0, "oom");
        return false;
    }
    l->line = ln;
    l->v[l->n] = s;
    l->line[l->n++] = line;
    return true;
}

bool
sw_rtest_strs_of(struct yparser *p, const struct ynode *n, const char *what,
                 struct sw_rtest_strs *l)
{
    size_t cnt = sw_rtest_yaml_nitems(n);

    for (size_t i = 0; i < cnt; i++) {
        const struct ynode *e = sw_rtest_yaml_item(n, i);

        if (!sw_rtest_strs_add(p, l, sw_rtest_yaml_text(p, e, what), e->line))
            return false;
    }
    return true;
}

void
sw_rtest_strs_free(struct sw_rtest_strs *l)
{
    for (size_t i = 0; i < l->n; i++)
        sw_free(l->v[i]);
    sw_free(l->v);
    sw_free(l->line);
    memset(l, 0, sizeof(*l));
}

bool
sw_rtest_yaml_int(struct yparser *p, const struct ynode *n, const char *what, long long min,
                  long long max, long long *out)
{
    json_t *v = sw_rtest_yaml_json(p, n);
    bool ok = v != NULL && json_is_integer(v) && json_integer_value(v) >= min &&
              json_integer_value(v) <= max;

    if (ok)
        *out = json_integer_value(v);
    else if (v != NULL)
        sw_rtest_yaml_err(p, SW_EINVAL, n->line, n->col,
                          "%s: expected an integer from %lld to %lld", what, min, max);
    json_decref(v);
    return ok;
}
