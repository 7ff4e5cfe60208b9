/* config_yaml.c - the configuration's YAML reader: libyaml events -> a node tree with
 * positions (config_int.h), the SW_CFG_MAX_* limits (depth, nodes, aliases and what they
 * expand to) enforced while it is built, so no value is used before the whole document is
 * known to be within them. Errors go to the loader (file:line:column). */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <yaml.h>

#include "config_int.h"
#include "sw/alloc.h"
#include "sw/yaml_err.h"

void
sw_cfg_ytree_free(struct ytree *t)
{
    struct ynode *n = t->all, *next;

    for (; n != NULL; n = next) {
        next = n->next;
        sw_free(n->buf);
        sw_free(n->anchor);
        sw_free(n->kid);
        sw_free(n);
    }
    memset(t, 0, sizeof(*t));
}

bool
sw_cfg_is_null(const struct ynode *n)
{
    if (n->kind != YN_SCALAR || !n->plain)
        return false;
    return n->text[0] == '\0' || strcmp(n->text, "~") == 0 || strcmp(n->text, "null") == 0 ||
           strcmp(n->text, "Null") == 0 || strcmp(n->text, "NULL") == 0;
}

const char *
sw_cfg_kind_name(const struct ynode *n)
{
    if (n->kind == YN_MAP)
        return "a mapping";
    if (n->kind == YN_SEQ)
        return "a sequence";
    return sw_cfg_is_null(n) ? "no value" : "a scalar";
}

struct builder {
    struct loader *ld;
    struct ytree *t;
    bool positions;   /* false for override values and defaults: no file positions */
    const char *path; /* key the text belongs to, when !positions */
    struct ynode *stack[SW_CFG_MAX_DEPTH];
    size_t depth;
};

static void SW_PRINTF(3, 4)
berr(struct builder *b, const yaml_mark_t *m, const char *fmt, ...)
{
    char problem[SW_ERR_MSG_MAX];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(problem, sizeof(problem), fmt, ap);
    va_end(ap);
    if (b->positions)
        sw_cfg_lerr_at(b->ld, (unsigned)m->line + 1, (unsigned)m->column + 1, NULL, "%s", problem);
    else
        sw_cfg_lerr_at(b->ld, 0, 0, b->path, "%s", problem);
}

/* Count a node or alias against the document limit. */
static bool
count_node(struct builder *b, const yaml_mark_t *m)
{
    if (++b->t->count > SW_CFG_MAX_NODES) {
        berr(b, m, "the document has more than %u nodes", SW_CFG_MAX_NODES);
        return false;
    }
    return true;
}

static struct ynode *
node_new(struct builder *b, enum ynode_kind kind, const yaml_mark_t *m, const yaml_char_t *anchor)
{
    struct ynode *n;

    if (!count_node(b, m))
        return NULL;
    n = sw_calloc(1, sizeof(*n));
    if (n == NULL) {
        sw_cfg_oom(b->ld);
        return NULL;
    }
    n->next = b->t->all;
    b->t->all = n;
    n->kind = kind;
    n->text = "";
    n->weight = 1;
    n->height = 1;
    if (b->positions) {
        n->line = (unsigned)m->line + 1;
        n->col = (unsigned)m->column + 1;
    }
    if (anchor != NULL) {
        n->anchor = sw_strdup((const char *)anchor);
        if (n->anchor == NULL) {
            sw_cfg_oom(b->ld);
            return NULL;
        }
    }
    return n;
}

/* Hang n (owned by the tree, or an alias target) under the open collection, or make it the
 * root. */
static bool
attach(struct builder *b, struct ynode *n)
{
    struct ynode *p;

    if (b->depth == 0) {
        b->t->root = n;
        return true;
    }
    p = b->stack[b->depth - 1];
    if (p->n == p->cap) {
        size_t cap = p->cap == 0 ? 8 : p->cap * 2;
        const struct ynode **kid = sw_realloc(p->kid, cap * sizeof(*kid));

        if (kid == NULL) {
            sw_cfg_oom(b->ld);
            return false;
        }
        p->kid = kid;
        p->cap = cap;
    }
    p->kid[p->n++] = n;
    return true;
}

/* A completed node becomes available to aliases; a later anchor of the same name replaces
 * an earlier one, as YAML says. */
static bool
register_anchor(struct builder *b, struct ynode *n, const yaml_mark_t *m)
{
    struct ytree *t = b->t;

    if (n->anchor == NULL)
        return true;
    for (size_t i = 0; i < t->n_anchors; i++) {
        if (strcmp(t->anchors[i].name, n->anchor) == 0) {
            t->anchors[i].name = n->anchor;
            t->anchors[i].node = n;
            return true;
        }
    }
    if (t->n_anchors == SW_CFG_MAX_ANCHORS) {
        berr(b, m, "more than %d anchors", SW_CFG_MAX_ANCHORS);
        return false;
    }
    t->anchors[t->n_anchors].name = n->anchor;
    t->anchors[t->n_anchors].node = n;
    t->n_anchors++;
    return true;
}

static bool
on_scalar(struct builder *b, const yaml_event_t *ev)
{
    const yaml_mark_t *m = &ev->start_mark;
    size_t len = ev->data.scalar.length;
    struct ynode *n;

    if (memchr(ev->data.scalar.value, '\0', len) != NULL) {
        berr(b, m, "a value contains a NUL character");
        return false;
    }
    n = node_new(b, YN_SCALAR, m, ev->data.scalar.anchor);
    if (n == NULL)
        return false;
    n->buf = sw_malloc(len + 1);
    if (n->buf == NULL) {
        sw_cfg_oom(b->ld);
        return false;
    }
    memcpy(n->buf, ev->data.scalar.value, len);
    n->buf[len] = '\0';
    n->text = n->buf;
    n->plain = ev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE;
    return attach(b, n) && register_anchor(b, n, m);
}

static bool
on_start(struct builder *b, const yaml_event_t *ev, enum ynode_kind kind)
{
    const yaml_mark_t *m = &ev->start_mark;
    const yaml_char_t *anchor = kind == YN_MAP ? ev->data.mapping_start.anchor
                                               : ev->data.sequence_start.anchor;
    struct ynode *n;

    if (b->depth == SW_CFG_MAX_DEPTH) {
        berr(b, m, "nesting deeper than %d levels", SW_CFG_MAX_DEPTH);
        return false;
    }
    n = node_new(b, kind, m, anchor);
    if (n == NULL || !attach(b, n))
        return false;
    b->stack[b->depth++] = n;
    return true;
}

static bool
on_end(struct builder *b, const yaml_event_t *ev)
{
    struct ynode *n;
    uint64_t w = 1;
    unsigned h = 0;

    if (b->depth == 0)
        return true; /* libyaml pairs events; be safe anyway */
    n = b->stack[--b->depth];
    for (size_t i = 0; i < n->n; i++) {
        w += n->kid[i]->weight; /* each term <= SW_CFG_MAX_NODES: cannot overflow */
        if (n->kid[i]->height > h)
            h = n->kid[i]->height;
        if (w > SW_CFG_MAX_NODES) {
            /* Blame the collection that holds the aliases, where it starts. */
            yaml_mark_t m = {.line = n->line > 0 ? n->line - 1 : 0,
                             .column = n->col > 0 ? n->col - 1 : 0};

            berr(b, &m, "the document expands to more than %u nodes (aliases)",
                 SW_CFG_MAX_NODES);
            return false;
        }
    }
    n->weight = w;
    n->height = h + 1;
    return register_anchor(b, n, &ev->start_mark);
}

static bool
on_alias(struct builder *b, const yaml_event_t *ev)
{
    const yaml_mark_t *m = &ev->start_mark;
    const char *name = (const char *)ev->data.alias.anchor;
    struct ynode *target = NULL;

    if (!count_node(b, m))
        return false;
    for (size_t i = 0; i < b->t->n_anchors; i++) {
        if (strcmp(b->t->anchors[i].name, name) == 0)
            target = b->t->anchors[i].node;
    }
    if (target == NULL) {
        /* Also an alias inside its own anchor: a cycle is never complete. */
        berr(b, m, "alias *%s names no complete anchor before it", name);
        return false;
    }
    if (b->depth + target->height > SW_CFG_MAX_DEPTH) {
        berr(b, m, "nesting deeper than %d levels", SW_CFG_MAX_DEPTH);
        return false;
    }
    return attach(b, target);
}

static void
syntax_error(struct builder *b, const yaml_parser_t *p, const char *buf, size_t len)
{
    struct sw_yaml_err e;

    sw_yaml_err_describe(p, buf, len, &e);
    if (e.nomem) {
        sw_cfg_oom(b->ld);
        return;
    }
    /* An override value is one line: libyaml's marks there only confuse. */
    if (b->positions && e.context != NULL)
        berr(b, &e.mark, "invalid YAML: %s (%s at line %zu, column %zu)", e.problem, e.context,
             e.context_mark.line + 1, e.context_mark.column + 1);
    else
        berr(b, &e.mark, "invalid YAML: %s", e.problem);
}

/* Parse buf into t (one document at most). Returns false after reporting an error. */
bool
sw_cfg_ytree_parse(struct loader *ld, struct ytree *t, const char *buf, size_t len, bool positions,
                   const char *path)
{
    struct builder b = {.ld = ld, .t = t, .positions = positions, .path = path};
    yaml_parser_t p;
    yaml_event_t ev;
    int docs = 0;
    bool ok = true, done = false;

    if (!yaml_parser_initialize(&p)) {
        sw_cfg_oom(ld);
        return false;
    }
    yaml_parser_set_input_string(&p, (const unsigned char *)buf, len);
    while (ok && !done) {
        if (!yaml_parser_parse(&p, &ev)) {
            syntax_error(&b, &p, buf, len);
            ok = false;
            break;
        }
        switch (ev.type) {
        case YAML_STREAM_END_EVENT:
            done = true;
            break;
        case YAML_DOCUMENT_START_EVENT:
            if (docs++ > 0) {
                berr(&b, &ev.start_mark, "only one YAML document is allowed");
                ok = false;
            }
            break;
        case YAML_SCALAR_EVENT:
            ok = on_scalar(&b, &ev);
            break;
        case YAML_SEQUENCE_START_EVENT:
            ok = on_start(&b, &ev, YN_SEQ);
            break;
        case YAML_MAPPING_START_EVENT:
            ok = on_start(&b, &ev, YN_MAP);
            break;
        case YAML_SEQUENCE_END_EVENT:
        case YAML_MAPPING_END_EVENT:
            ok = on_end(&b, &ev);
            break;
        case YAML_ALIAS_EVENT:
            ok = on_alias(&b, &ev);
            break;
        default:
            break;
        }
        yaml_event_delete(&ev);
    }
    yaml_parser_delete(&p);
    return ok;
}
