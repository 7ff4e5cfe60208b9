/* config.c - configuration: load (libyaml events -> node tree with marks -> schema walk),
 * overrides, dump, key reference, free.
 *
 * The file is parsed into a small tree first, so limits (depth, nodes, aliases) are enforced
 * before any value is used and every message can name file:line:column. The tree is then
 * walked against the schema table (agent/config_schema.c), which also supplies defaults as
 * config text: defaults, the file and --set overrides all go through the same code. Every
 * error is reported and the walk goes on, so `seawall config check` shows them all; the
 * result is all or nothing. Any thread; nothing here is shared. */
#include "sw/config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>
#include <yaml.h>

#include "config_schema.h"
#include "sw/alloc.h"
#include "sw/parse.h"
#include "sw/sink.h"

#define PATH_LEN 256     /* key paths in messages; longer ones are unknown anyway */
#define SHOW_LEN 48      /* user values quoted in messages are cut to this */
#define MAX_SUB_ROWS 64  /* rows of a table item (seen[] size) */
#define MAX_MAP_KEYS 128 /* known keys remembered per mapping for duplicate detection */

/* --- node tree ------------------------------------------------------------------------------ */

enum ynode_kind { YN_SCALAR, YN_SEQ, YN_MAP };

struct ynode {
    enum ynode_kind kind;
    bool plain;          /* plain scalar: "", "~" and "null" mean no value */
    unsigned line, col;  /* 1-based; 0: no position (override values, defaults) */
    char *buf;           /* owned: scalar text */
    const char *text;    /* scalar text: buf, NUL-terminated */
    char *anchor;        /* owned: anchor name, registered once the node is complete */
    const struct ynode **kid; /* owned array of borrowed nodes; a map alternates key, value */
    size_t n, cap;
    uint64_t weight;     /* nodes below and including this one, aliases expanded */
    unsigned height;     /* nesting levels below and including this one */
    struct ynode *next;  /* every node of the tree, for freeing */
};

struct yanchor {
    const char *name; /* borrowed: the node's anchor */
    struct ynode *node;
};

struct ytree {
    struct ynode *all; /* owned list */
    size_t count;      /* nodes and aliases parsed */
    struct ynode *root;
    struct yanchor anchors[SW_CFG_MAX_ANCHORS];
    size_t n_anchors;
};

/* --- loader state and messages -------------------------------------------------------------- */

struct loader {
    const char *name; /* file name, or "defaults", for messages */
    const char *file; /* file name for out-of-memory and I/O messages */
    bool in_set;      /* applying an override: messages start with "--set " */
    sw_cfg_report_fn report;
    void *ctx;
    struct sw_err *err;
    unsigned n_errors;
    bool oom;
};

static void
deliver(struct loader *ld, enum sw_rc code, char *msg)
{
    /* Values come from the file: keep terminal control bytes out of operators' terminals. */
    for (char *p = msg; *p != '\0'; p++) {
        if ((unsigned char)*p < 0x20 || *p == 0x7f)
            *p = '?';
    }
    if (ld->report != NULL)
        ld->report(ld->ctx, msg);
    /* The first message wins, except that running out of memory is what callers must see. */
    if (ld->n_errors == 0 || code == SW_ENOMEM)
        sw_err_set(ld->err, code, "%s", msg);
    ld->n_errors++;
}

/* "FILE:LINE:COL: path: problem" (or "--set path: problem" for an override). line 0 means
 * no position. */
static void SW_PRINTF(5, 0)
vlerr_at(struct loader *ld, unsigned line, unsigned col, const char *path, const char *fmt,
         va_list ap)
{
    char msg[SW_ERR_MSG_MAX];
    size_t n = 0;
    int r = 0;

    if (line > 0)
        r = snprintf(msg, sizeof(msg), "%s:%u:%u: ", ld->name, line, col);
    else if (ld->in_set)
        r = snprintf(msg, sizeof(msg), "--set ");
    else
        r = snprintf(msg, sizeof(msg), "%s: ", ld->name);
    n = r < 0 ? 0 : (size_t)r;
    if (path != NULL && path[0] != '\0' && n < sizeof(msg)) {
        r = snprintf(msg + n, sizeof(msg) - n, "%s: ", path);
        n += r < 0 ? 0 : (size_t)r;
    }
    if (n < sizeof(msg))
        vsnprintf(msg + n, sizeof(msg) - n, fmt, ap);
    deliver(ld, SW_EINVAL, msg);
}

static void SW_PRINTF(5, 6)
lerr_at(struct loader *ld, unsigned line, unsigned col, const char *path, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vlerr_at(ld, line, col, path, fmt, ap);
    va_end(ap);
}

/* An error about a node (its position, if it has one). */
static void SW_PRINTF(4, 5)
lerr(struct loader *ld, const struct ynode *at, const char *path, const char *fmt, ...);

static void
loom(struct loader *ld)
{
    char msg[SW_ERR_MSG_MAX];

    if (ld->oom)
        return;
    ld->oom = true;
    snprintf(msg, sizeof(msg), "%s: out of memory", ld->in_set ? "--set" : ld->file);
    deliver(ld, SW_ENOMEM, msg);
}

/* s, or its first SHOW_LEN bytes and "..." in buf (not cutting a UTF-8 sequence). */
static const char *
shorten(const char *s, char *buf, size_t len)
{
    size_t n = strlen(s);

    if (n < SHOW_LEN || len < SHOW_LEN + 4)
        return s;
    n = SHOW_LEN - 4;
    while (n > 0 && ((unsigned char)s[n] & 0xc0) == 0x80)
        n--;
    memcpy(buf, s, n);
    memcpy(buf + n, "...", 4);
    return buf;
}

/* --- building the tree from libyaml events --------------------------------------------------- */

static void
lerr(struct loader *ld, const struct ynode *at, const char *path, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vlerr_at(ld, at == NULL ? 0 : at->line, at == NULL ? 0 : at->col, path, fmt, ap);
    va_end(ap);
}

static void
ytree_free(struct ytree *t)
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

static bool
is_null(const struct ynode *n)
{
    if (n->kind != YN_SCALAR || !n->plain)
        return false;
    return n->text[0] == '\0' || strcmp(n->text, "~") == 0 || strcmp(n->text, "null") == 0 ||
           strcmp(n->text, "Null") == 0 || strcmp(n->text, "NULL") == 0;
}

static const char *
kind_name(const struct ynode *n)
{
    if (n->kind == YN_MAP)
        return "a mapping";
    if (n->kind == YN_SEQ)
        return "a sequence";
    return is_null(n) ? "no value" : "a scalar";
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
        lerr_at(b->ld, (unsigned)m->line + 1, (unsigned)m->column + 1, NULL, "%s", problem);
    else
        lerr_at(b->ld, 0, 0, b->path, "%s", problem);
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
        loom(b->ld);
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
            loom(b->ld);
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
            loom(b->ld);
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
        loom(b->ld);
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

/* libyaml's reader reports a byte offset only: turn it into a line and column. */
static void
offset_to_mark(const char *buf, size_t len, size_t off, yaml_mark_t *m)
{
    m->line = 0;
    m->column = 0;
    for (size_t i = 0; i < off && i < len; i++) {
        if (buf[i] == '\n') {
            m->line++;
            m->column = 0;
        } else {
            m->column++;
        }
    }
}

static void
syntax_error(struct builder *b, const yaml_parser_t *p, const char *buf, size_t len)
{
    yaml_mark_t m = p->problem_mark;
    const char *problem = p->problem != NULL ? p->problem : "unknown error";

    if (p->error == YAML_MEMORY_ERROR) {
        loom(b->ld);
        return;
    }
    if (p->error == YAML_READER_ERROR)
        offset_to_mark(buf, len, p->problem_offset, &m);
    /* An override value is one line: libyaml's marks there only confuse. */
    if (!b->positions)
        berr(b, &m, "invalid YAML: %s", problem);
    else if (p->context != NULL && p->error != YAML_READER_ERROR)
        berr(b, &m, "invalid YAML: %s (%s at line %zu, column %zu)", problem, p->context,
             p->context_mark.line + 1, p->context_mark.column + 1);
    else
        berr(b, &m, "invalid YAML: %s", problem);
}

/* Parse buf into t (one document at most). Returns false after reporting an error. */
static bool
ytree_parse(struct loader *ld, struct ytree *t, const char *buf, size_t len, bool positions,
            const char *path)
{
    struct builder b = {.ld = ld, .t = t, .positions = positions, .path = path};
    yaml_parser_t p;
    yaml_event_t ev;
    int docs = 0;
    bool ok = true, done = false;

    if (!yaml_parser_initialize(&p)) {
        loom(ld);
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

/* --- number and value formatting ------------------------------------------------------------ */

struct unit {
    const char *name;
    uint64_t mult;
};

static const struct unit size_fmt_units[] = {
    {"TiB", UINT64_C(1) << 40}, {"GiB", UINT64_C(1) << 30}, {"MiB", UINT64_C(1) << 20},
    {"KiB", UINT64_C(1) << 10}, {"TB", UINT64_C(1000000000000)}, {"GB", UINT64_C(1000000000)},
    {"MB", UINT64_C(1000000)},  {"kB", UINT64_C(1000)},
};

static const struct unit duration_fmt_units[] = {
    {"d", 86400 * SW_USEC_PER_SEC}, {"h", 3600 * SW_USEC_PER_SEC}, {"m", 60 * SW_USEC_PER_SEC},
    {"s", SW_USEC_PER_SEC},         {"ms", 1000},                  {"us", 1},
};

/* v in the largest unit that divides it exactly ("64MiB", "10m"); bare_unit for the rest. */
static const char *
fmt_units(uint64_t v, const struct unit *u, size_t n, const char *bare_unit, char *buf,
          size_t len)
{
    for (size_t i = 0; i < n; i++) {
        if (v != 0 && v % u[i].mult == 0) {
            snprintf(buf, len, "%llu%s", (unsigned long long)(v / u[i].mult), u[i].name);
            return buf;
        }
    }
    snprintf(buf, len, "%llu%s", (unsigned long long)v, bare_unit);
    return buf;
}

static const char *
fmt_number(const struct sw_cfg_row *row, uint64_t v, char *buf, size_t len)
{
    if (row->type == SW_CFG_SIZE)
        return fmt_units(v, size_fmt_units, sizeof(size_fmt_units) / sizeof(size_fmt_units[0]),
                         "", buf, len);
    if (row->type == SW_CFG_DURATION)
        return fmt_units(v, duration_fmt_units,
                         sizeof(duration_fmt_units) / sizeof(duration_fmt_units[0]), "s", buf,
                         len);
    snprintf(buf, len, "%llu", (unsigned long long)v);
    return buf;
}

/* "one of a, b, c" for an enum. */
static const char *
fmt_choices(const struct sw_cfg_enum *e, const char *sep, char *buf, size_t len)
{
    size_t n = 0;

    buf[0] = '\0';
    for (size_t i = 0; e[i].name != NULL && n < len; i++) {
        int r = snprintf(buf + n, len - n, "%s%s", i == 0 ? "" : sep, e[i].name);

        n += r < 0 ? 0 : (size_t)r;
    }
    return buf;
}

static const char *
type_desc(const struct sw_cfg_row *row, char *buf, size_t len)
{
    char choices[256];

    switch (row->type) {
    case SW_CFG_STR:
        if (row->enums == NULL)
            return "a string";
        break;
    case SW_CFG_UINT:
        return "an integer";
    case SW_CFG_SIZE:
        return "a size such as 64MiB";
    case SW_CFG_DURATION:
        return "a duration such as 30s";
    case SW_CFG_BOOL:
        return "true or false";
    case SW_CFG_ENUM:
        break;
    case SW_CFG_STRLIST:
    case SW_CFG_CIDRLIST:
    case SW_CFG_EVTYPES:
        return "a list";
    case SW_CFG_TABLE:
        return "a list of mappings";
    case SW_CFG_KVLIST:
        return "a mapping of names to values";
    case SW_CFG_STRMAP:
        return "a mapping of names to strings";
    }
    snprintf(buf, len, "one of %s", fmt_choices(row->enums, ", ", choices, sizeof(choices)));
    return buf;
}

static int
enum_lookup(const struct sw_cfg_enum *e, const char *name)
{
    for (int i = 0; e[i].name != NULL; i++) {
        if (strcmp(e[i].name, name) == 0)
            return i;
    }
    return -1;
}

/* --- freeing and comparing fields ------------------------------------------------------------ */

static void
strlist_free(struct sw_strlist *l)
{
    for (size_t i = 0; i < l->n; i++)
        sw_free(l->v[i]);
    sw_free(l->v);
    l->v = NULL;
    l->n = 0;
}

static void
strmap_free(struct sw_strmap *m)
{
    for (size_t i = 0; i < m->n; i++) {
        sw_free(m->k[i]);
        sw_free(m->v[i]);
    }
    sw_free(m->k);
    sw_free(m->v);
    m->k = m->v = NULL;
    m->n = 0;
}

static void free_fields(const struct sw_cfg_row *rows, size_t n, void *base);

static void
table_free(const struct sw_cfg_table *sub, void *arr, size_t n)
{
    for (size_t i = 0; arr != NULL && i < n; i++)
        free_fields(sub->rows, sub->n_rows, (char *)arr + i * sub->elem_size);
    sw_free(arr);
}

static void
free_field(const struct sw_cfg_row *row, void *base)
{
    void *f = (char *)base + row->off;

    switch (row->type) {
    case SW_CFG_STR:
        sw_free(*(char **)f);
        *(char **)f = NULL;
        break;
    case SW_CFG_KVLIST:
    case SW_CFG_STRLIST:
        strlist_free(f);
        break;
    case SW_CFG_CIDRLIST: {
        struct sw_cidrlist *l = f;

        sw_free(l->v);
        l->v = NULL;
        l->n = 0;
        break;
    }
    case SW_CFG_STRMAP:
        strmap_free(f);
        break;
    case SW_CFG_TABLE: {
        size_t *count = (size_t *)((char *)base + row->off2);

        table_free(row->sub, *(void **)f, *count);
        *(void **)f = NULL;
        *count = 0;
        break;
    }
    default:
        break;
    }
}

static void
free_fields(const struct sw_cfg_row *rows, size_t n, void *base)
{
    for (size_t i = 0; i < n; i++)
        free_field(&rows[i], base);
}

static uint64_t
get_uint(const struct sw_cfg_row *row, const void *base)
{
    const void *f = (const char *)base + row->off;

    if (row->size == sizeof(uint32_t))
        return *(const uint32_t *)f;
    return *(const uint64_t *)f;
}

static bool fields_equal(const struct sw_cfg_row *rows, size_t n, const void *a, const void *b);

static bool
field_equal(const struct sw_cfg_row *row, const void *a, const void *b)
{
    const void *fa = (const char *)a + row->off, *fb = (const char *)b + row->off;

    switch (row->type) {
    case SW_CFG_STR: {
        const char *sa = *(char *const *)fa, *sb = *(char *const *)fb;

        if (sa == NULL || sb == NULL)
            return sa == sb;
        return strcmp(sa, sb) == 0;
    }
    case SW_CFG_UINT:
    case SW_CFG_SIZE:
    case SW_CFG_DURATION:
        return get_uint(row, a) == get_uint(row, b);
    case SW_CFG_BOOL:
        return *(const bool *)fa == *(const bool *)fb;
    case SW_CFG_ENUM:
        return *(const int *)fa == *(const int *)fb;
    case SW_CFG_EVTYPES:
        return *(const uint32_t *)fa == *(const uint32_t *)fb;
    case SW_CFG_KVLIST:
    case SW_CFG_STRLIST: {
        const struct sw_strlist *la = fa, *lb = fb;

        if (la->n != lb->n)
            return false;
        for (size_t i = 0; i < la->n; i++) {
            if (strcmp(la->v[i], lb->v[i]) != 0)
                return false;
        }
        return true;
    }
    case SW_CFG_CIDRLIST: {
        const struct sw_cidrlist *la = fa, *lb = fb;

        return la->n == lb->n && (la->n == 0 || memcmp(la->v, lb->v, la->n * sizeof(*la->v)) == 0);
    }
    case SW_CFG_STRMAP: {
        const struct sw_strmap *ma = fa, *mb = fb;

        if (ma->n != mb->n)
            return false;
        for (size_t i = 0; i < ma->n; i++) {
            if (strcmp(ma->k[i], mb->k[i]) != 0 || strcmp(ma->v[i], mb->v[i]) != 0)
                return false;
        }
        return true;
    }
    case SW_CFG_TABLE: {
        size_t na = *(const size_t *)((const char *)a + row->off2);
        size_t nb = *(const size_t *)((const char *)b + row->off2);
        const char *ea = *(void *const *)fa, *eb = *(void *const *)fb;

        if (na != nb)
            return false;
        for (size_t i = 0; i < na; i++) {
            size_t off = i * row->sub->elem_size;

            if (!fields_equal(row->sub->rows, row->sub->n_rows, ea + off, eb + off))
                return false;
        }
        return true;
    }
    }
    return false;
}

static bool
fields_equal(const struct sw_cfg_row *rows, size_t n, const void *a, const void *b)
{
    for (size_t i = 0; i < n; i++) {
        if (!field_equal(&rows[i], a, b))
            return false;
    }
    return true;
}

/* --- applying values ------------------------------------------------------------------------- */

#define UNBUILT "not supported by this build yet"

/* The one check of keys this build parses but does nothing with (SW_CFG_UNBUILT rows), for a
 * file and --set alike, so `config check` answers as `run` does: called once the key's value
 * was applied without a new error (before: the error count then), so a bad value is reported
 * as such, a good one as unsupported. at: the key's node, for its position. */
static void
check_built(struct loader *ld, const struct sw_cfg_row *row, const struct ynode *at,
            const char *path, unsigned before)
{
    if ((row->flags & SW_CFG_UNBUILT) != 0 && ld->n_errors == before)
        lerr(ld, at, path, UNBUILT);
}

static void apply_map(struct loader *ld, const char *disp, const char *look,
                      const struct ynode *map, const struct sw_cfg_row *rows, size_t n_rows,
                      void *base, bool *seen);
static void apply_value(struct loader *ld, const char *path, const struct sw_cfg_row *row,
                        const struct ynode *v, void *base);

static const struct sw_cfg_row *
find_row(const struct sw_cfg_row *rows, size_t n, const char *path)
{
    for (size_t i = 0; i < n; i++) {
        if (strcmp(rows[i].path, path) == 0)
            return &rows[i];
    }
    return NULL;
}

/* Is path a section (a mapping of keys), like "network" or "network.timeouts"? */
static bool
is_section(const struct sw_cfg_row *rows, size_t n, const char *path)
{
    size_t len = strlen(path);

    for (size_t i = 0; i < n; i++) {
        if (strncmp(rows[i].path, path, len) == 0 && rows[i].path[len] == '.')
            return true;
    }
    return false;
}

/* The text of a scalar value, or NULL after reporting why there is none. Strings take no
 * value as "". */
static const char *
scalar_text(struct loader *ld, const char *path, const struct sw_cfg_row *row,
            const struct ynode *v)
{
    char desc[300];

    if (v->kind == YN_SCALAR && (row->type == SW_CFG_STR || !is_null(v)))
        return is_null(v) ? "" : v->text;
    lerr(ld, v, path, "expected %s, got %s", type_desc(row, desc, sizeof(desc)), kind_name(v));
    return NULL;
}

static void
apply_str(struct loader *ld, const char *path, const struct sw_cfg_row *row,
          const struct ynode *v, void *base)
{
    char **f = (char **)((char *)base + row->off);
    const char *s = scalar_text(ld, path, row, v);
    char show[SHOW_LEN + 4], choices[256];
    size_t len;
    char *copy;

    if (s == NULL)
        return;
    len = strlen(s);
    if (row->enums != NULL && enum_lookup(row->enums, s) < 0) {
        lerr(ld, v, path, "'%s' is not one of %s", shorten(s, show, sizeof(show)),
             fmt_choices(row->enums, ", ", choices, sizeof(choices)));
        return;
    }
    if (row->enums != NULL && (row->enums[enum_lookup(row->enums, s)].flags & SW_CFG_UNBUILT)) {
        lerr(ld, v, path, "%s: " UNBUILT, shorten(s, show, sizeof(show)));
        return;
    }
    if (len < row->min) {
        lerr(ld, v, path, "must not be empty");
        return;
    }
    if (len > row->max) {
        lerr(ld, v, path, "is longer than %llu bytes", (unsigned long long)row->max);
        return;
    }
    copy = sw_strdup(s);
    if (copy == NULL) {
        loom(ld);
        return;
    }
    sw_free(*f);
    *f = copy;
}

static void
apply_number(struct loader *ld, const char *path, const struct sw_cfg_row *row,
             const struct ynode *v, void *base)
{
    void *f = (char *)base + row->off;
    const char *s = scalar_text(ld, path, row, v);
    char show[SHOW_LEN + 4], desc[300], lim[32];
    uint64_t n = 0;
    enum sw_rc rc;

    if (s == NULL)
        return;
    if (row->type == SW_CFG_SIZE)
        rc = sw_parse_size(s, &n);
    else if (row->type == SW_CFG_DURATION)
        rc = sw_parse_duration(s, &n);
    else
        rc = sw_parse_u64(s, 0, UINT64_MAX, &n);
    if (rc == SW_EINVAL) {
        lerr(ld, v, path, "expected %s, got '%s'", type_desc(row, desc, sizeof(desc)),
             shorten(s, show, sizeof(show)));
        return;
    }
    if (rc != SW_OK) {
        lerr(ld, v, path, "%s is too large", shorten(s, show, sizeof(show)));
        return;
    }
    if (n < row->min) {
        lerr(ld, v, path, "%s is below the minimum %s", shorten(s, show, sizeof(show)),
             fmt_number(row, row->min, lim, sizeof(lim)));
        return;
    }
    if (n > row->max) {
        lerr(ld, v, path, "%s is above the maximum %s", shorten(s, show, sizeof(show)),
             fmt_number(row, row->max, lim, sizeof(lim)));
        return;
    }
    if ((row->flags & SW_CFG_POW2) != 0 && (n & (n - 1)) != 0) {
        lerr(ld, v, path, "%s is not a power of two", shorten(s, show, sizeof(show)));
        return;
    }
    if (row->size == sizeof(uint32_t))
        *(uint32_t *)f = (uint32_t)n; /* the schema keeps max within 32 bits for these */
    else
        *(uint64_t *)f = n;
}

static void
apply_bool(struct loader *ld, const char *path, const struct sw_cfg_row *row,
           const struct ynode *v, void *base)
{
    const char *s = scalar_text(ld, path, row, v);
    char show[SHOW_LEN + 4];
    bool b;

    if (s == NULL)
        return;
    if (sw_parse_bool(s, &b) != SW_OK) {
        lerr(ld, v, path, "expected true or false, got '%s'", shorten(s, show, sizeof(show)));
        return;
    }
    *(bool *)((char *)base + row->off) = b;
}

static void
apply_enum(struct loader *ld, const char *path, const struct sw_cfg_row *row,
           const struct ynode *v, void *base)
{
    const char *s = scalar_text(ld, path, row, v);
    char show[SHOW_LEN + 4], choices[256];
    int i;

    if (s == NULL)
        return;
    i = enum_lookup(row->enums, s);
    if (i < 0) {
        lerr(ld, v, path, "'%s' is not one of %s", shorten(s, show, sizeof(show)),
             fmt_choices(row->enums, ", ", choices, sizeof(choices)));
        return;
    }
    *(int *)((char *)base + row->off) = row->enums[i].value;
}

/* The items of a list value: a sequence, one scalar (a one-item list) or no value (empty).
 * *one is storage for the one-item case. Returns false after reporting an error. */
static bool
list_items(struct loader *ld, const char *path, const struct sw_cfg_row *row,
           const struct ynode *v, const struct ynode **one, const struct ynode *const **items,
           size_t *n)
{
    if (v->kind == YN_SEQ) {
        *items = v->kid;
        *n = v->n;
    } else if (is_null(v)) {
        *items = NULL;
        *n = 0;
    } else if (v->kind == YN_SCALAR || (row->type == SW_CFG_TABLE && v->kind == YN_MAP)) {
        *one = v;
        *items = one;
        *n = 1;
    } else {
        lerr(ld, v, path, "expected a list, got %s", kind_name(v));
        return false;
    }
    if (*n > row->max) {
        lerr(ld, v, path, "has %zu items, more than the maximum %llu", *n,
             (unsigned long long)row->max);
        return false;
    }
    if (*n < row->min) {
        lerr(ld, v, path, "must not be empty");
        return false;
    }
    return true;
}

/* The text of list item i, or NULL after reporting why it is not a scalar. */
static const char *
item_text(struct loader *ld, const char *path, size_t i, const struct ynode *item, char *ipath,
          size_t ilen)
{
    snprintf(ipath, ilen, "%s[%zu]", path, i);
    if (item->kind != YN_SCALAR) {
        lerr(ld, item, ipath, "expected a string, got %s", kind_name(item));
        return NULL;
    }
    return is_null(item) ? "" : item->text;
}

/* One scalar item of a list key: parse s into slot, or report why not (false). */
typedef bool (*list_item_fn)(struct loader *ld, const struct sw_cfg_row *row,
                             const struct ynode *item, const char *ipath, const char *s,
                             void *slot);

/* Parse the items of a list key into a new array of elem-sized slots (*out, *count; owned by
 * the caller, also on failure, when it may hold the items parsed so far). Returns true when
 * every item parsed: only then does the caller replace the running list. */
static bool
list_parse(struct loader *ld, const char *path, const struct sw_cfg_row *row,
           const struct ynode *v, size_t elem, list_item_fn fn, void **out, size_t *count)
{
    const struct ynode *one;
    const struct ynode *const *items;
    size_t n;
    unsigned before = ld->n_errors;
    char ipath[PATH_LEN];

    *out = NULL;
    *count = 0;
    if (!list_items(ld, path, row, v, &one, &items, &n))
        return false;
    if (n > 0 && (*out = sw_calloc(n, elem)) == NULL) {
        loom(ld);
        return false;
    }
    for (size_t i = 0; i < n && !ld->oom; i++) {
        const char *s = item_text(ld, path, i, items[i], ipath, sizeof(ipath));

        if (s != NULL && fn(ld, row, items[i], ipath, s, (char *)*out + *count * elem))
            (*count)++;
    }
    return ld->n_errors == before && !ld->oom;
}

static bool
str_item(struct loader *ld, const struct sw_cfg_row *row, const struct ynode *item,
         const char *ipath, const char *s, void *slot)
{
    const char *problem = row->check != NULL ? row->check(s) : NULL;
    char show[SHOW_LEN + 4];

    if (problem != NULL) {
        lerr(ld, item, ipath, "'%s' %s", shorten(s, show, sizeof(show)), problem);
        return false;
    }
    *(char **)slot = sw_strdup(s);
    if (*(char **)slot == NULL) {
        loom(ld);
        return false;
    }
    return true;
}

static bool
cidr_item(struct loader *ld, const struct sw_cfg_row *row, const struct ynode *item,
          const char *ipath, const char *s, void *slot)
{
    char show[SHOW_LEN + 4];

    (void)row;
    if (sw_cidr_parse(s, slot) != SW_OK) {
        lerr(ld, item, ipath, "'%s' is not an IP address or CIDR", shorten(s, show, sizeof(show)));
        return false;
    }
    return true;
}

static void
apply_strlist(struct loader *ld, const char *path, const struct sw_cfg_row *row,
              const struct ynode *v, void *base)
{
    struct sw_strlist *f = (struct sw_strlist *)((char *)base + row->off);
    struct sw_strlist nl;
    void *items;

    if (!list_parse(ld, path, row, v, sizeof(*nl.v), str_item, &items, &nl.n)) {
        nl.v = items;
        strlist_free(&nl);
        return;
    }
    nl.v = items;
    strlist_free(f);
    *f = nl;
}

static void
apply_cidrlist(struct loader *ld, const char *path, const struct sw_cfg_row *row,
               const struct ynode *v, void *base)
{
    struct sw_cidrlist *f = (struct sw_cidrlist *)((char *)base + row->off);
    struct sw_cidrlist nl;
    void *items;

    if (!list_parse(ld, path, row, v, sizeof(*nl.v), cidr_item, &items, &nl.n)) {
        sw_free(items);
        return;
    }
    nl.v = items;
    sw_free(f->v);
    *f = nl;
}

static void
apply_evtypes(struct loader *ld, const char *path, const struct sw_cfg_row *row,
              const struct ynode *v, void *base)
{
    const struct ynode *one;
    const struct ynode *const *items;
    size_t n;
    unsigned before = ld->n_errors;
    uint32_t set = 0;
    char ipath[PATH_LEN], show[SHOW_LEN + 4], choices[256];

    if (!list_items(ld, path, row, v, &one, &items, &n))
        return;
    for (size_t i = 0; i < n; i++) {
        const char *s = item_text(ld, path, i, items[i], ipath, sizeof(ipath));
        int e;

        if (s == NULL)
            continue;
        e = enum_lookup(row->enums, s);
        if (e < 0) {
            lerr(ld, items[i], ipath, "'%s' is not one of %s", shorten(s, show, sizeof(show)),
                 fmt_choices(row->enums, ", ", choices, sizeof(choices)));
            continue;
        }
        set |= 1u << row->enums[e].value;
    }
    if (ld->n_errors == before)
        *(uint32_t *)((char *)base + row->off) = set;
}

/* A mapping of scalar names to scalar values (outputs[].kafka), kept in order as name, value
 * pairs in a string list; each pair passes row->kvcheck. All or nothing, like the lists. */
static void
apply_kvlist(struct loader *ld, const char *path, const struct sw_cfg_row *row,
             const struct ynode *v, void *base)
{
    struct sw_strlist *f = (struct sw_strlist *)((char *)base + row->off);
    struct sw_strlist nl = {0};
    unsigned before = ld->n_errors;
    char kpath[PATH_LEN], why[200], show[SHOW_LEN + 4];

    if (is_null(v)) {
        strlist_free(f);
        return;
    }
    if (v->kind != YN_MAP) {
        lerr(ld, v, path, "expected a mapping, got %s", kind_name(v));
        return;
    }
    if (v->n / 2 > row->max) {
        lerr(ld, v, path, "has %zu entries, more than the maximum %llu", v->n / 2,
             (unsigned long long)row->max);
        return;
    }
    if (v->n > 0 && (nl.v = sw_calloc(v->n, sizeof(*nl.v))) == NULL) {
        loom(ld);
        return;
    }
    for (size_t i = 0; i + 1 < v->n && !ld->oom; i += 2) {
        const struct ynode *k = v->kid[i], *val = v->kid[i + 1];
        const char *vs;
        bool dup = false;

        if (k->kind != YN_SCALAR || is_null(k)) {
            lerr(ld, k, path, "a name must be a non-empty string, got %s", kind_name(k));
            continue;
        }
        snprintf(kpath, sizeof(kpath), "%s.%s", path, k->text);
        if (val->kind != YN_SCALAR) {
            lerr(ld, val, kpath, "expected a string, got %s", kind_name(val));
            continue;
        }
        vs = is_null(val) ? "" : val->text;
        for (size_t j = 0; j < nl.n && !dup; j += 2)
            dup = strcmp(nl.v[j], k->text) == 0;
        if (dup) {
            lerr(ld, k, kpath, "duplicate key");
            continue;
        }
        if (row->kvcheck != NULL && !row->kvcheck(k->text, vs, why, sizeof(why))) {
            lerr(ld, val, kpath, "'%s': %s", shorten(vs, show, sizeof(show)), why);
            continue;
        }
        nl.v[nl.n] = sw_strdup(k->text);
        nl.v[nl.n + 1] = sw_strdup(vs);
        if (nl.v[nl.n] == NULL || nl.v[nl.n + 1] == NULL) {
            sw_free(nl.v[nl.n]);
            sw_free(nl.v[nl.n + 1]);
            nl.v[nl.n] = nl.v[nl.n + 1] = NULL;
            loom(ld);
            break;
        }
        nl.n += 2;
    }
    if (ld->n_errors != before || ld->oom) {
        strlist_free(&nl);
        return;
    }
    strlist_free(f);
    *f = nl;
}

static void apply_text(struct loader *ld, const char *path, const struct sw_cfg_row *row,
                       const char *text, void *base);

static void
apply_defaults(struct loader *ld, const struct sw_cfg_row *rows, size_t n, void *base)
{
    for (size_t i = 0; i < n && !ld->oom; i++) {
        if (rows[i].def != NULL)
            apply_text(ld, rows[i].path, &rows[i], rows[i].def, base);
    }
}

/* One item of a table: defaults, then the mapping, then required keys and the item check. */
static void
apply_item(struct loader *ld, const char *ipath, const struct sw_cfg_table *sub,
           const struct ynode *item, void *elem)
{
    bool seen[MAX_SUB_ROWS] = {false};
    unsigned before = ld->n_errors;
    const char *problem;

    if (item->kind != YN_MAP) {
        lerr(ld, item, ipath, "expected a mapping, got %s", kind_name(item));
        return;
    }
    apply_defaults(ld, sub->rows, sub->n_rows, elem);
    apply_map(ld, ipath, "", item, sub->rows, sub->n_rows, elem, seen);
    for (size_t r = 0; r < sub->n_rows; r++) {
        if ((sub->rows[r].flags & SW_CFG_REQUIRED) != 0 && !seen[r])
            lerr(ld, item, ipath, "missing the required key %s", sub->rows[r].path);
    }
    if (ld->n_errors != before || sub->check == NULL)
        return;
    problem = sub->check(elem);
    if (problem != NULL)
        lerr(ld, item, ipath, "%s", problem);
}

static void
apply_table(struct loader *ld, const char *path, const struct sw_cfg_row *row,
            const struct ynode *v, void *base)
{
    const struct sw_cfg_table *sub = row->sub;
    void **f = (void **)((char *)base + row->off);
    size_t *count = (size_t *)((char *)base + row->off2);
    const struct ynode *one;
    const struct ynode *const *items;
    size_t n, built = 0;
    unsigned before = ld->n_errors;
    char *arr = NULL;
    char ipath[PATH_LEN], show[SHOW_LEN + 4];

    if (sub->n_rows > MAX_SUB_ROWS) {
        lerr(ld, v, path, "internal error: table has too many keys");
        return;
    }
    if (!list_items(ld, path, row, v, &one, &items, &n))
        return;
    if (n > 0) {
        arr = sw_calloc(n, sub->elem_size);
        if (arr == NULL) {
            loom(ld);
            return;
        }
    }
    for (size_t i = 0; i < n && !ld->oom; i++) {
        char *elem = arr + i * sub->elem_size;
        unsigned item_before = ld->n_errors;

        built = i + 1;
        snprintf(ipath, sizeof(ipath), "%s[%zu]", path, i);
        apply_item(ld, ipath, sub, items[i], elem);
        if (sub->unique_row < 0 || ld->n_errors != item_before)
            continue;
        for (size_t j = 0; j < i; j++) {
            const struct sw_cfg_row *u = &sub->rows[sub->unique_row];
            const char *a = *(char **)(elem + u->off);
            const char *b = *(char **)(arr + j * sub->elem_size + u->off);

            if (a != NULL && b != NULL && strcmp(a, b) == 0) {
                lerr(ld, items[i], ipath, "%s '%s' is already used by %s[%zu]", u->path,
                     shorten(a, show, sizeof(show)), path, j);
                break;
            }
        }
    }
    if (ld->n_errors != before) {
        table_free(sub, arr, built);
        return;
    }
    table_free(sub, *f, *count);
    *f = arr;
    *count = n;
}

static bool
strmap_name_ok(const char *s)
{
    if (!((*s >= 'A' && *s <= 'Z') || (*s >= 'a' && *s <= 'z') || *s == '_'))
        return false;
    for (; *s != '\0'; s++) {
        if (!((*s >= 'A' && *s <= 'Z') || (*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') ||
              *s == '_'))
            return false;
    }
    return true;
}

/* Set name to val in m (replacing an earlier value). false on no memory. */
static bool
strmap_set(struct sw_strmap *m, const char *name, const char *val)
{
    char *v = sw_strdup(val), *k = NULL;
    char **nk, **nv;

    if (v == NULL)
        return false;
    for (size_t i = 0; i < m->n; i++) {
        if (strcmp(m->k[i], name) == 0) {
            sw_free(m->v[i]);
            m->v[i] = v;
            return true;
        }
    }
    k = sw_strdup(name);
    nk = k != NULL ? sw_realloc(m->k, (m->n + 1) * sizeof(*nk)) : NULL;
    if (nk != NULL)
        m->k = nk;
    nv = nk != NULL ? sw_realloc(m->v, (m->n + 1) * sizeof(*nv)) : NULL;
    if (nv == NULL) {
        sw_free(k);
        sw_free(v);
        return false;
    }
    m->v = nv;
    m->k[m->n] = k;
    m->v[m->n] = v;
    m->n++;
    return true;
}

/* Check one NAME: value pair of a string map; NULL or the problem. */
static const char *
strmap_check(const struct sw_cfg_row *row, const char *name, const char *val)
{
    if (!strmap_name_ok(name))
        return "is not a name ([A-Za-z_][A-Za-z0-9_]*)";
    if (val[0] == '\0')
        return "is empty";
    if (strlen(val) > row->max)
        return "is too long";
    return NULL;
}

/* A mapping of NAME: string, set over the names already there (the defaults). All or
 * nothing: one bad pair leaves the map as it was. */
static void
apply_strmap(struct loader *ld, const char *path, const struct sw_cfg_row *row,
             const struct ynode *v, void *base)
{
    struct sw_strmap *f = (struct sw_strmap *)((char *)base + row->off);
    struct sw_strmap nm = {0};
    unsigned before = ld->n_errors;
    char kpath[PATH_LEN];

    if (is_null(v))
        return;
    if (v->kind != YN_MAP) {
        lerr(ld, v, path, "expected a mapping of names to strings, got %s", kind_name(v));
        return;
    }
    for (size_t i = 0; i < f->n && !ld->oom; i++) {
        if (!strmap_set(&nm, f->k[i], f->v[i]))
            loom(ld);
    }
    for (size_t i = 0; i + 1 < v->n && !ld->oom; i += 2) {
        const struct ynode *key = v->kid[i], *val = v->kid[i + 1];
        const char *problem;

        if (key->kind != YN_SCALAR) {
            lerr(ld, key, path, "a key must be a scalar, got %s", kind_name(key));
            continue;
        }
        snprintf(kpath, sizeof(kpath), "%s.%s", path, key->text);
        if (val->kind != YN_SCALAR || is_null(val)) {
            lerr(ld, val, kpath, "expected a string, got %s", kind_name(val));
            continue;
        }
        problem = strmap_check(row, key->text, val->text);
        if (problem != NULL) {
            lerr(ld, strmap_name_ok(key->text) ? val : key, kpath, "%s", problem);
            continue;
        }
        if (nm.n >= 1024) {
            lerr(ld, key, kpath, "more than 1024 names");
            break;
        }
        if (!strmap_set(&nm, key->text, val->text))
            loom(ld);
    }
    if (ld->n_errors != before || ld->oom) {
        strmap_free(&nm);
        return;
    }
    strmap_free(f);
    *f = nm;
}

static void
apply_value(struct loader *ld, const char *path, const struct sw_cfg_row *row,
            const struct ynode *v, void *base)
{
    switch (row->type) {
    case SW_CFG_STRMAP:
        apply_strmap(ld, path, row, v, base);
        break;
    case SW_CFG_STR:
        apply_str(ld, path, row, v, base);
        break;
    case SW_CFG_UINT:
    case SW_CFG_SIZE:
    case SW_CFG_DURATION:
        apply_number(ld, path, row, v, base);
        break;
    case SW_CFG_BOOL:
        apply_bool(ld, path, row, v, base);
        break;
    case SW_CFG_ENUM:
        apply_enum(ld, path, row, v, base);
        break;
    case SW_CFG_STRLIST:
        apply_strlist(ld, path, row, v, base);
        break;
    case SW_CFG_CIDRLIST:
        apply_cidrlist(ld, path, row, v, base);
        break;
    case SW_CFG_EVTYPES:
        apply_evtypes(ld, path, row, v, base);
        break;
    case SW_CFG_TABLE:
        apply_table(ld, path, row, v, base);
        break;
    case SW_CFG_KVLIST:
        apply_kvlist(ld, path, row, v, base);
        break;
    }
}

/* Walk a mapping: disp is the path shown in messages ("outputs[1]"), look the path matched
 * against rows ("" inside table items). seen[] (may be NULL) marks the rows set. */
static void
apply_map(struct loader *ld, const char *disp, const char *look, const struct ynode *map,
          const struct sw_cfg_row *rows, size_t n_rows, void *base, bool *seen)
{
    const struct ynode *known[MAX_MAP_KEYS];
    size_t n_known = 0;
    char lk[PATH_LEN], dk[PATH_LEN];

    if (is_null(map))
        return; /* "network:" with nothing under it: all defaults */
    if (map->kind != YN_MAP) {
        lerr(ld, map, disp, "expected a mapping, got %s", kind_name(map));
        return;
    }
    for (size_t i = 0; i + 1 < map->n && !ld->oom; i += 2) {
        const struct ynode *key = map->kid[i], *val = map->kid[i + 1];
        const struct sw_cfg_row *row = NULL;
        bool dup = false;

        if (key->kind != YN_SCALAR) {
            lerr(ld, key, disp, "a key must be a scalar, got %s", kind_name(key));
            continue;
        }
        snprintf(lk, sizeof(lk), "%s%s%s", look, look[0] == '\0' ? "" : ".", key->text);
        snprintf(dk, sizeof(dk), "%s%s%s", disp, disp[0] == '\0' ? "" : ".", key->text);
        /* Dotted keys ("network.workers: 4") would make a second spelling of every key. */
        if (strchr(key->text, '.') == NULL)
            row = find_row(rows, n_rows, lk);
        if (row == NULL && (strchr(key->text, '.') != NULL || !is_section(rows, n_rows, lk))) {
            lerr(ld, key, dk, "unknown key");
            continue;
        }
        for (size_t j = 0; j < n_known && !dup; j++) {
            if (strcmp(known[j]->text, key->text) == 0) {
                if (known[j]->line > 0)
                    lerr(ld, key, dk, "duplicate key (first at line %u, column %u)",
                         known[j]->line, known[j]->col);
                else
                    lerr(ld, key, dk, "duplicate key");
                dup = true;
            }
        }
        if (dup)
            continue;
        if (n_known < MAX_MAP_KEYS)
            known[n_known++] = key;
        if (row != NULL) {
            unsigned before = ld->n_errors;

            apply_value(ld, dk, row, val, base);
            check_built(ld, row, key, dk, before);
            if (seen != NULL)
                seen[row - rows] = true;
        } else {
            apply_map(ld, dk, lk, val, rows, n_rows, base, seen);
        }
    }
}

/* Apply config text to a row: as a plain scalar for scalar types, as YAML for lists and
 * tables (defaults and overrides). */
static void
apply_text(struct loader *ld, const char *path, const struct sw_cfg_row *row, const char *text,
           void *base)
{
    struct ynode n = {.kind = YN_SCALAR, .plain = text[0] == '\0', .text = text};
    struct ytree t = {0};

    switch (row->type) {
    case SW_CFG_STRLIST:
    case SW_CFG_CIDRLIST:
    case SW_CFG_EVTYPES:
    case SW_CFG_TABLE:
    case SW_CFG_KVLIST:
    case SW_CFG_STRMAP:
        if (ytree_parse(ld, &t, text, strlen(text), false, path))
            apply_value(ld, path, row, t.root != NULL ? t.root : &n, base);
        ytree_free(&t);
        break;
    default:
        apply_value(ld, path, row, &n, base);
        break;
    }
}

/* "ROW.NAME=value" for a string map ROW: set that one name. false when key is not of that
 * form (errors in value are reported and count as handled). */
static bool
strmap_override(struct loader *ld, const char *key, const char *val, struct sw_config *cfg)
{
    for (size_t i = 0; i < sw_cfg_schema_len; i++) {
        const struct sw_cfg_row *row = &sw_cfg_schema[i];
        size_t n = strlen(row->path);
        const char *problem;

        if (row->type != SW_CFG_STRMAP || strncmp(key, row->path, n) != 0 || key[n] != '.')
            continue;
        problem = strmap_check(row, key + n + 1, val);
        if (problem != NULL)
            lerr(ld, NULL, key, "%s", problem);
        else if (!strmap_set((struct sw_strmap *)((char *)cfg + row->off), key + n + 1, val))
            loom(ld);
        return true;
    }
    return false;
}

/* "key.path=value" from the command line. */
static void
apply_override(struct loader *ld, const char *spec, struct sw_config *cfg)
{
    const char *eq = strchr(spec, '=');
    char key[PATH_LEN], show[SHOW_LEN + 4];
    const struct sw_cfg_row *row;
    size_t klen;
    struct ytree t = {0};

    if (eq == NULL) {
        lerr(ld, NULL, shorten(spec, show, sizeof(show)), "expected key.path=value");
        return;
    }
    klen = (size_t)(eq - spec);
    if (klen >= sizeof(key)) {
        lerr(ld, NULL, shorten(spec, show, sizeof(show)), "unknown key");
        return;
    }
    memcpy(key, spec, klen);
    key[klen] = '\0';
    row = find_row(sw_cfg_schema, sw_cfg_schema_len, key);
    if (row != NULL) {
        unsigned before = ld->n_errors;

        apply_text(ld, key, row, eq + 1, cfg);
        check_built(ld, row, NULL, key, before);
    } else if (strmap_override(ld, key, eq + 1, cfg)) {
        /* one NAME of a string map */
    } else if (klen > 0 && is_section(sw_cfg_schema, sw_cfg_schema_len, key)) {
        if (ytree_parse(ld, &t, eq + 1, strlen(eq + 1), false, key) && t.root != NULL)
            apply_map(ld, key, key, t.root, sw_cfg_schema, sw_cfg_schema_len, cfg, NULL);
        ytree_free(&t);
    } else {
        lerr(ld, NULL, key[0] == '\0' ? "(empty key)" : key, "unknown key");
    }
}

/* --- load ------------------------------------------------------------------------------------ */

static struct sw_config *
cfg_new(struct loader *ld, const char *source)
{
    struct sw_config *cfg = sw_calloc(1, sizeof(*cfg));

    if (cfg == NULL) {
        loom(ld);
        return NULL;
    }
    cfg->source = sw_strdup(source);
    if (cfg->source == NULL) {
        loom(ld);
        sw_cfg_free(cfg);
        return NULL;
    }
    apply_defaults(ld, sw_cfg_schema, sw_cfg_schema_len, cfg);
    if (ld->n_errors > 0) {
        sw_cfg_free(cfg);
        return NULL;
    }
    return cfg;
}

struct sw_config *
sw_cfg_defaults(struct sw_err *err)
{
    struct loader ld = {.name = "defaults", .file = "defaults", .err = err};

    sw_err_clear(err);
    return cfg_new(&ld, "defaults");
}

/* Parse and apply a document over cfg. */
static void
apply_document(struct loader *ld, const char *buf, size_t len, struct sw_config *cfg)
{
    struct ytree t = {0};

    if (len > SW_CFG_MAX_BYTES) {
        lerr(ld, NULL, NULL, "larger than the %u-byte limit of a config file", SW_CFG_MAX_BYTES);
        return;
    }
    if (ytree_parse(ld, &t, buf, len, true, NULL) && t.root != NULL && !is_null(t.root)) {
        if (t.root->kind != YN_MAP)
            lerr(ld, t.root, NULL, "the top level must be a mapping, got %s", kind_name(t.root));
        else
            apply_map(ld, "", "", t.root, sw_cfg_schema, sw_cfg_schema_len, cfg, NULL);
    }
    ytree_free(&t);
}

/* Across outputs: each sink's name (given, or type-address) names its stats and its spool
 * folder, so two sinks must not share one. */
static void
check_outputs(struct loader *ld, const struct sw_config *cfg)
{
    for (size_t i = 0; i < cfg->n_outputs; i++) {
        char a[128], b[128], path[32], show[SHOW_LEN + 4];

        sw_sink_cfg_name(&cfg->outputs[i], a, sizeof(a));
        for (size_t j = 0; j < i; j++) {
            sw_sink_cfg_name(&cfg->outputs[j], b, sizeof(b));
            if (strcmp(a, b) != 0)
                continue;
            snprintf(path, sizeof(path), "outputs[%zu]", i);
            lerr(ld, NULL, path,
                 "name '%s' is already used by outputs[%zu]: give one of them a name",
                 shorten(a, show, sizeof(show)), j);
            break;
        }
    }
}

static struct sw_config *
load(struct loader *ld, const char *buf, size_t len, const char *const *overrides,
     size_t n_overrides)
{
    struct sw_config *cfg;
    const char *name = ld->name;

    /* Only a bug in the schema's defaults can fail here; say so rather than blame the file. */
    ld->name = "defaults";
    cfg = cfg_new(ld, name);
    ld->name = name;
    if (cfg == NULL)
        return NULL;
    if (buf != NULL)
        apply_document(ld, buf, len, cfg);
    ld->in_set = true;
    for (size_t i = 0; overrides != NULL && i < n_overrides && !ld->oom; i++)
        apply_override(ld, overrides[i], cfg);
    ld->in_set = false;
    /* Keys that only mean something together: one switch turns profiling on, the file only
     * says where its table goes, so a file without the switch would silently do nothing. */
    if (ld->n_errors == 0 && cfg->rules.profile_file != NULL &&
        cfg->rules.profile_file[0] != '\0' && !cfg->rules.profiling)
        lerr_at(ld, 0, 0, "rules.profile_file",
                "names where the rule profile goes, but rules.profiling is false (turn it on, "
                "or leave rules.profile_file empty)");
    if (ld->n_errors == 0)
        check_outputs(ld, cfg);
    if (ld->n_errors > 0) {
        sw_cfg_free(cfg);
        return NULL;
    }
    return cfg;
}

struct sw_config *
sw_cfg_load_buffer(const char *name, const char *buf, size_t len, const char *const *overrides,
                   size_t n_overrides, sw_cfg_report_fn report, void *ctx, struct sw_err *err)
{
    struct loader ld = {.report = report, .ctx = ctx, .err = err};

    ld.name = name != NULL ? name : "buffer";
    ld.file = ld.name;
    sw_err_clear(err);
    return load(&ld, buf == NULL ? "" : buf, buf == NULL ? 0 : len, overrides, n_overrides);
}

/* Read at most SW_CFG_MAX_BYTES + 1 bytes: enough to tell that a file is too large. */
static char *
read_file(struct loader *ld, const char *path, size_t *len)
{
    char *buf = NULL, msg[SW_ERR_MSG_MAX];
    size_t n = 0, cap = 0;
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);

    if (fd == -1) {
        snprintf(msg, sizeof(msg), "%s: %s", path, strerror(errno));
        deliver(ld, SW_EIO, msg);
        return NULL;
    }
    for (;;) {
        ssize_t r;

        if (n == cap) {
            size_t ncap = cap == 0 ? 64 * 1024 : cap * 2;
            char *nb;

            if (ncap > SW_CFG_MAX_BYTES + 1)
                ncap = SW_CFG_MAX_BYTES + 1;
            if (ncap == cap) {
                lerr(ld, NULL, NULL, "larger than the %u-byte limit of a config file",
                     SW_CFG_MAX_BYTES);
                goto fail;
            }
            nb = sw_realloc(buf, ncap);
            if (nb == NULL) {
                loom(ld);
                goto fail;
            }
            buf = nb;
            cap = ncap;
        }
        r = read(fd, buf + n, cap - n);
        if (r == -1 && errno == EINTR)
            continue;
        if (r == -1) {
            snprintf(msg, sizeof(msg), "%s: %s", path, strerror(errno));
            deliver(ld, SW_EIO, msg);
            goto fail;
        }
        if (r == 0)
            break;
        n += (size_t)r;
    }
    close(fd);
    *len = n;
    return buf;
fail:
    close(fd);
    sw_free(buf);
    return NULL;
}

struct sw_config *
sw_cfg_load(const char *path, const char *const *overrides, size_t n_overrides,
            sw_cfg_report_fn report, void *ctx, struct sw_err *err)
{
    struct loader ld = {.name = path, .file = path, .report = report, .ctx = ctx, .err = err};
    struct sw_config *cfg;
    char *buf;
    size_t len = 0;

    sw_err_clear(err);
    if (path == NULL) {
        ld.name = "defaults";
        ld.file = "defaults";
        return load(&ld, NULL, 0, overrides, n_overrides);
    }
    buf = read_file(&ld, path, &len);
    if (buf == NULL)
        return NULL;
    cfg = load(&ld, buf, len, overrides, n_overrides);
    sw_free(buf);
    return cfg;
}

void
sw_cfg_free(struct sw_config *cfg)
{
    if (cfg == NULL)
        return;
    free_fields(sw_cfg_schema, sw_cfg_schema_len, cfg);
    sw_free(cfg->source);
    sw_free(cfg);
}

size_t
sw_cfg_restart_changes(const struct sw_config *running, const struct sw_config *next,
                       sw_cfg_report_fn report, void *ctx)
{
    size_t n = 0;

    for (size_t i = 0; i < sw_cfg_schema_len; i++) {
        const struct sw_cfg_row *row = &sw_cfg_schema[i];

        if ((row->flags & SW_CFG_RESTART) == 0 || field_equal(row, running, next))
            continue;
        n++;
        if (report != NULL)
            report(ctx, row->path);
    }
    return n;
}

/* --- dump and doc ---------------------------------------------------------------------------- */

/* Buffered writes to an fd: no allocation, so a dump works when memory is short. */
struct out {
    int fd;
    size_t n;
    char buf[4096];
};

static void
out_flush(struct out *o)
{
    size_t done = 0;

    while (done < o->n) {
        ssize_t r = write(o->fd, o->buf + done, o->n - done);

        if (r == -1 && errno == EINTR)
            continue;
        if (r <= 0)
            break; /* nowhere to report to: the caller's fd is gone */
        done += (size_t)r;
    }
    o->n = 0;
}

static void
out_write(struct out *o, const char *s, size_t len)
{
    while (len > 0) {
        size_t k = sizeof(o->buf) - o->n;

        if (k > len)
            k = len;
        memcpy(o->buf + o->n, s, k);
        o->n += k;
        s += k;
        len -= k;
        if (o->n == sizeof(o->buf))
            out_flush(o);
    }
}

static void
out_str(struct out *o, const char *s)
{
    out_write(o, s, strlen(s));
}

static bool
plain_safe(const char *s)
{
    static const char *const reserved[] = {"true", "false", "yes", "no", "on", "off", "null", "~"};
    size_t len = strlen(s);

    if (len == 0)
        return false;
    for (size_t i = 0; i < sizeof(reserved) / sizeof(reserved[0]); i++) {
        if (strcasecmp(s, reserved[i]) == 0)
            return false;
    }
    for (size_t i = 0; i < len; i++) {
        char c = s[i];
        bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                  c == '_' || c == '/' || c == '.' ||
                  (i > 0 && (c == '-' || c == '+' || c == '@' || c == '*')) ||
                  (i > 0 && i + 1 < len && c == ':');

        if (!ok)
            return false;
    }
    return true;
}

/* A YAML scalar: plain when that reads back the same, else double-quoted. */
static void
out_scalar(struct out *o, const char *s)
{
    char esc[8];

    if (plain_safe(s)) {
        out_str(o, s);
        return;
    }
    out_str(o, "\"");
    for (; *s != '\0'; s++) {
        unsigned char c = (unsigned char)*s;

        if (c == '"' || c == '\\') {
            esc[0] = '\\';
            esc[1] = (char)c;
            out_write(o, esc, 2);
        } else if (c == '\n') {
            out_str(o, "\\n");
        } else if (c == '\t') {
            out_str(o, "\\t");
        } else if (c < 0x20 || c == 0x7f) {
            snprintf(esc, sizeof(esc), "\\x%02x", c);
            out_str(o, esc);
        } else {
            out_write(o, (const char *)&c, 1);
        }
    }
    out_str(o, "\"");
}

static void out_value(struct out *o, const struct sw_cfg_row *row, const void *base);

/* Rows r.. of a table item that share the section of rows[r] ("tls" of "tls.ca"). */
static size_t
section_end(const struct sw_cfg_table *sub, size_t r)
{
    const char *dot = strchr(sub->rows[r].path, '.');
    size_t plen = (size_t)(dot - sub->rows[r].path) + 1, e = r;

    while (e < sub->n_rows && strncmp(sub->rows[e].path, sub->rows[r].path, plen) == 0)
        e++;
    return e;
}

/* A table as a YAML flow sequence of mappings. Keys with a section ("tls.ca") are written
 * nested ("tls: {ca: ...}") as the loader reads them, and only where they differ from the
 * default, so that a sink shows the sections it configures. */
static void
out_table(struct out *o, const struct sw_cfg_row *row, const void *base)
{
    const struct sw_cfg_table *sub = row->sub;
    size_t n = *(const size_t *)((const char *)base + row->off2);
    const char *arr = *(void *const *)((const char *)base + row->off);
    struct loader ld = {.name = "defaults", .file = "defaults"};
    char *def = sw_calloc(1, sub->elem_size);

    if (def != NULL)
        apply_defaults(&ld, sub->rows, sub->n_rows, def);
    out_str(o, "[");
    for (size_t i = 0; i < n; i++) {
        const char *elem = arr + i * sub->elem_size;
        bool first = true;

        out_str(o, i == 0 ? "{" : ", {");
        for (size_t r = 0; r < sub->n_rows;) {
            const struct sw_cfg_row *sr = &sub->rows[r];
            const char *dot = strchr(sr->path, '.');
            size_t e;
            bool any = false;

            if (dot == NULL) {
                r++;
                if (sr->type == SW_CFG_STR && *(char *const *)(elem + sr->off) == NULL)
                    continue;
                if ((sr->flags & SW_CFG_QUIET) != 0 && def != NULL && field_equal(sr, elem, def))
                    continue;
                out_str(o, first ? "" : ", ");
                out_str(o, sr->path);
                out_str(o, ": ");
                out_value(o, sr, elem);
                first = false;
                continue;
            }
            e = section_end(sub, r);
            for (size_t k = r; k < e; k++) {
                const struct sw_cfg_row *kr = &sub->rows[k];

                if (def != NULL && field_equal(kr, elem, def))
                    continue;
                if (kr->type == SW_CFG_STR && *(char *const *)(elem + kr->off) == NULL)
                    continue;
                if (!any) {
                    out_str(o, first ? "" : ", ");
                    out_write(o, sr->path, (size_t)(dot - sr->path));
                    out_str(o, ": {");
                } else {
                    out_str(o, ", ");
                }
                out_str(o, strchr(kr->path, '.') + 1);
                out_str(o, ": ");
                out_value(o, kr, elem);
                any = true;
                first = false;
            }
            if (any)
                out_str(o, "}");
            r = e;
        }
        out_str(o, "}");
    }
    out_str(o, "]");
    if (def != NULL) {
        free_fields(sub->rows, sub->n_rows, def);
        sw_free(def);
    }
}

static void
out_value(struct out *o, const struct sw_cfg_row *row, const void *base)
{
    const void *f = (const char *)base + row->off;
    char buf[64];

    switch (row->type) {
    case SW_CFG_STR: {
        const char *s = *(char *const *)f;

        if ((row->flags & SW_CFG_SECRET) != 0 && s != NULL && s[0] != '\0')
            s = "(secret)";
        out_scalar(o, s == NULL ? "" : s);
        break;
    }
    case SW_CFG_UINT:
    case SW_CFG_SIZE:
    case SW_CFG_DURATION:
        out_str(o, fmt_number(row, get_uint(row, base), buf, sizeof(buf)));
        break;
    case SW_CFG_BOOL:
        out_str(o, *(const bool *)f ? "true" : "false");
        break;
    case SW_CFG_ENUM: {
        int v = *(const int *)f;
        const char *name = NULL;

        for (size_t i = 0; row->enums[i].name != NULL; i++) {
            if (row->enums[i].value == v)
                name = row->enums[i].name;
        }
        snprintf(buf, sizeof(buf), "%d", v);
        out_str(o, name != NULL ? name : buf);
        break;
    }
    case SW_CFG_EVTYPES: {
        uint32_t set = *(const uint32_t *)f;
        bool first = true;

        out_str(o, "[");
        for (size_t i = 0; row->enums[i].name != NULL; i++) {
            if ((set & (1u << row->enums[i].value)) == 0)
                continue;
            out_str(o, first ? "" : ", ");
            out_str(o, row->enums[i].name);
            first = false;
        }
        out_str(o, "]");
        break;
    }
    case SW_CFG_KVLIST: {
        const struct sw_strlist *l = f;

        out_str(o, "{");
        for (size_t i = 0; i + 1 < l->n; i += 2) {
            out_str(o, i == 0 ? "" : ", ");
            out_scalar(o, l->v[i]);
            out_str(o, ": ");
            out_scalar(o, l->v[i + 1]);
        }
        out_str(o, "}");
        break;
    }
    case SW_CFG_STRLIST: {
        const struct sw_strlist *l = f;

        out_str(o, "[");
        for (size_t i = 0; i < l->n; i++) {
            out_str(o, i == 0 ? "" : ", ");
            out_scalar(o, l->v[i]);
        }
        out_str(o, "]");
        break;
    }
    case SW_CFG_CIDRLIST: {
        const struct sw_cidrlist *l = f;

        out_str(o, "[");
        for (size_t i = 0; i < l->n; i++) {
            out_str(o, i == 0 ? "" : ", ");
            out_scalar(o, sw_cidr_format(&l->v[i], buf, sizeof(buf)));
        }
        out_str(o, "]");
        break;
    }
    case SW_CFG_TABLE:
        out_table(o, row, base);
        break;
    case SW_CFG_STRMAP: {
        const struct sw_strmap *m = f;

        out_str(o, "{");
        for (size_t i = 0; i < m->n; i++) {
            out_str(o, i == 0 ? "" : ", ");
            out_str(o, m->k[i]);
            out_str(o, ": ");
            out_scalar(o, m->v[i]);
        }
        out_str(o, "}");
        break;
    }
    }
}

void
sw_cfg_dump(const struct sw_config *cfg, int fd)
{
    struct out o = {.fd = fd};
    /* Without memory for the defaults the dump is still written, just without markers. */
    struct sw_config *def = sw_cfg_defaults(NULL);

    for (size_t i = 0; i < sw_cfg_schema_len; i++) {
        const struct sw_cfg_row *row = &sw_cfg_schema[i];

        if ((row->flags & SW_CFG_UNBUILT) != 0)
            continue; /* no effect in this build: not an effective value */
        out_str(&o, row->path);
        out_str(&o, ": ");
        out_value(&o, row, cfg);
        if (def != NULL && field_equal(row, cfg, def))
            out_str(&o, "  # default");
        out_str(&o, "\n");
    }
    out_flush(&o);
    sw_cfg_free(def);
}

static const char *
type_name(const struct sw_cfg_row *row)
{
    switch (row->type) {
    case SW_CFG_STR:
        return row->enums != NULL ? "enum" : "string";
    case SW_CFG_UINT:
        return "integer";
    case SW_CFG_SIZE:
        return "size";
    case SW_CFG_DURATION:
        return "duration";
    case SW_CFG_BOOL:
        return "boolean";
    case SW_CFG_ENUM:
        return "enum";
    case SW_CFG_STRLIST:
        return "list of strings";
    case SW_CFG_CIDRLIST:
        return "list of CIDRs";
    case SW_CFG_EVTYPES:
        return "list of event types";
    case SW_CFG_TABLE:
        return "list of mappings";
    case SW_CFG_KVLIST:
        return "mapping";
    case SW_CFG_STRMAP:
        return "mapping of names to strings";
    }
    return "?";
}

static void
doc_row(struct out *o, const char *prefix, const struct sw_cfg_row *row)
{
    char a[32], b[32], range[400];

    out_str(o, "| `");
    out_str(o, prefix);
    out_str(o, row->path);
    out_str(o, "` | ");
    out_str(o, type_name(row));
    out_str(o, " | ");
    if (row->def != NULL) {
        out_str(o, "`");
        out_str(o, row->def[0] == '\0' ? "\"\"" : row->def);
        out_str(o, "`");
    } else {
        out_str(o, (row->flags & SW_CFG_REQUIRED) != 0 ? "required" : "none");
    }
    out_str(o, " | ");
    range[0] = '\0';
    switch (row->type) {
    case SW_CFG_UINT:
    case SW_CFG_SIZE:
    case SW_CFG_DURATION:
        snprintf(range, sizeof(range), "%s..%s%s", fmt_number(row, row->min, a, sizeof(a)),
                 fmt_number(row, row->max, b, sizeof(b)),
                 (row->flags & SW_CFG_POW2) != 0 ? ", power of two" : "");
        break;
    case SW_CFG_STR:
        if (row->enums == NULL) {
            snprintf(range, sizeof(range), "up to %llu bytes", (unsigned long long)row->max);
            break;
        }
        fmt_choices(row->enums, ", ", range, sizeof(range));
        for (size_t i = 0, n = strlen(range); row->enums[i].name != NULL; i++) {
            if ((row->enums[i].flags & SW_CFG_UNBUILT) == 0 || n >= sizeof(range))
                continue;
            /* ", not in this build yet: a, b" */
            n += (size_t)snprintf(range + n, sizeof(range) - n, "%s%s",
                                  strstr(range, "; not in this build yet: ") == NULL
                                      ? "; not in this build yet: "
                                      : ", ",
                                  row->enums[i].name);
        }
        break;
    case SW_CFG_ENUM:
    case SW_CFG_EVTYPES:
        fmt_choices(row->enums, ", ", range, sizeof(range));
        break;
    case SW_CFG_STRLIST:
    case SW_CFG_CIDRLIST:
    case SW_CFG_TABLE:
    case SW_CFG_KVLIST:
        snprintf(range, sizeof(range), "up to %llu items", (unsigned long long)row->max);
        break;
    case SW_CFG_STRMAP:
        snprintf(range, sizeof(range), "values up to %llu bytes", (unsigned long long)row->max);
        break;
    case SW_CFG_BOOL:
        break;
    }
    out_str(o, range);
    out_str(o, " | ");
    out_str(o, row->help);
    out_str(o, (row->flags & SW_CFG_RESTART) != 0 ? " (restart)" : "");
    out_str(o, (row->flags & SW_CFG_UNBUILT) != 0 ? " (" UNBUILT ")" : "");
    out_str(o, " |\n");
}

void
sw_cfg_doc(int fd)
{
    struct out o = {.fd = fd};
    char prefix[PATH_LEN];

    out_str(&o, "| key | type | default | range | description |\n|---|---|---|---|---|\n");
    for (size_t i = 0; i < sw_cfg_schema_len; i++) {
        const struct sw_cfg_row *row = &sw_cfg_schema[i];

        doc_row(&o, "", row);
        if (row->type != SW_CFG_TABLE)
            continue;
        snprintf(prefix, sizeof(prefix), "%s[].", row->path);
        for (size_t r = 0; r < row->sub->n_rows; r++)
            doc_row(&o, prefix, &row->sub->rows[r]);
    }
    out_flush(&o);
}
