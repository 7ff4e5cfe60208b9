/* config_apply.c - the node tree of a file, a --set value or a default walked against the
 * schema (config_schema.c): each value checked against its row's type and range and stored in
 * struct sw_config, each problem reported through the loader with the key's position, and
 * the walk goes on so that every problem is reported. */
#include <stdio.h>
#include <string.h>

#include "config_int.h"
#include "sw/alloc.h"
#include "sw/parse.h"

#define MAX_SUB_ROWS 64  /* rows of a table item (seen[] size) */
#define MAX_MAP_KEYS 128 /* known keys remembered per mapping for duplicate detection */

/* --- applying values ------------------------------------------------------------------------- */

/* The one check of keys this build parses but does nothing with (SW_CFG_UNBUILT rows), for a
 * file and --set alike, so `config check` answers as `run` does: called once the key's value
 * was applied without a new error (before: the error count then), so a bad value is reported
 * as such, a good one as unsupported. at: the key's node, for its position. */
static void
check_built(struct loader *ld, const struct sw_cfg_row *row, const struct ynode *at,
            const char *path, unsigned before)
{
    if ((row->flags & SW_CFG_UNBUILT) != 0 && ld->n_errors == before)
        sw_cfg_lerr(ld, at, path, SW_CFG_UNBUILT_MSG);
}

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

    if (v->kind == YN_SCALAR && (row->type == SW_CFG_STR || !sw_cfg_is_null(v)))
        return sw_cfg_is_null(v) ? "" : v->text;
    sw_cfg_lerr(ld, v, path, "expected %s, got %s", sw_cfg_type_desc(row, desc, sizeof(desc)),
                sw_cfg_kind_name(v));
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
    if (row->enums != NULL && sw_cfg_enum_lookup(row->enums, s) < 0) {
        sw_cfg_lerr(ld, v, path, "'%s' is not one of %s", sw_cfg_shorten(s, show, sizeof(show)),
                    sw_cfg_fmt_choices(row->enums, ", ", choices, sizeof(choices)));
        return;
    }
    if (row->enums != NULL &&
        (row->enums[sw_cfg_enum_lookup(row->enums, s)].flags & SW_CFG_UNBUILT)) {
        sw_cfg_lerr(ld, v, path, "%s: " SW_CFG_UNBUILT_MSG, sw_cfg_shorten(s, show, sizeof(show)));
        return;
    }
    if (len < row->min) {
        sw_cfg_lerr(ld, v, path, "must not be empty");
        return;
    }
    if (len > row->max) {
        sw_cfg_lerr(ld, v, path, "is longer than %llu bytes", (unsigned long long)row->max);
        return;
    }
    copy = sw_strdup(s);
    if (copy == NULL) {
        sw_cfg_oom(ld);
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
        sw_cfg_lerr(ld, v, path, "expected %s, got '%s'", sw_cfg_type_desc(row, desc, sizeof(desc)),
                    sw_cfg_shorten(s, show, sizeof(show)));
        return;
    }
    if (rc != SW_OK) {
        sw_cfg_lerr(ld, v, path, "%s is too large", sw_cfg_shorten(s, show, sizeof(show)));
        return;
    }
    if (n < row->min) {
        sw_cfg_lerr(ld, v, path, "%s is below the minimum %s",
                    sw_cfg_shorten(s, show, sizeof(show)),
                    sw_cfg_fmt_number(row, row->min, lim, sizeof(lim)));
        return;
    }
    if (n > row->max) {
        sw_cfg_lerr(ld, v, path, "%s is above the maximum %s",
                    sw_cfg_shorten(s, show, sizeof(show)),
                    sw_cfg_fmt_number(row, row->max, lim, sizeof(lim)));
        return;
    }
    if ((row->flags & SW_CFG_POW2) != 0 && (n & (n - 1)) != 0) {
        sw_cfg_lerr(ld, v, path, "%s is not a power of two", sw_cfg_shorten(s, show, sizeof(show)));
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
        sw_cfg_lerr(ld, v, path, "expected true or false, got '%s'",
                    sw_cfg_shorten(s, show, sizeof(show)));
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
    i = sw_cfg_enum_lookup(row->enums, s);
    if (i < 0) {
        sw_cfg_lerr(ld, v, path, "'%s' is not one of %s", sw_cfg_shorten(s, show, sizeof(show)),
                    sw_cfg_fmt_choices(row->enums, ", ", choices, sizeof(choices)));
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
    } else if (sw_cfg_is_null(v)) {
        *items = NULL;
        *n = 0;
    } else if (v->kind == YN_SCALAR || (row->type == SW_CFG_TABLE && v->kind == YN_MAP)) {
        *one = v;
        *items = one;
        *n = 1;
    } else {
        sw_cfg_lerr(ld, v, path, "expected a list, got %s", sw_cfg_kind_name(v));
        return false;
    }
    if (*n > row->max) {
        sw_cfg_lerr(ld, v, path, "has %zu items, more than the maximum %llu", *n,
                    (unsigned long long)row->max);
        return false;
    }
    if (*n < row->min) {
        sw_cfg_lerr(ld, v, path, "must not be empty");
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
        sw_cfg_lerr(ld, item, ipath, "expected a string, got %s", sw_cfg_kind_name(item));
        return NULL;
    }
    return sw_cfg_is_null(item) ? "" : item->text;
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
        sw_cfg_oom(ld);
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
        sw_cfg_lerr(ld, item, ipath, "'%s' %s", sw_cfg_shorten(s, show, sizeof(show)), problem);
        return false;
    }
    *(char **)slot = sw_strdup(s);
    if (*(char **)slot == NULL) {
        sw_cfg_oom(ld);
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
        sw_cfg_lerr(ld, item, ipath, "'%s' is not an IP address or CIDR",
                    sw_cfg_shorten(s, show, sizeof(show)));
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
        sw_cfg_strlist_free(&nl);
        return;
    }
    nl.v = items;
    sw_cfg_strlist_free(f);
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
        e = sw_cfg_enum_lookup(row->enums, s);
        if (e < 0) {
            sw_cfg_lerr(ld, items[i], ipath, "'%s' is not one of %s",
                        sw_cfg_shorten(s, show, sizeof(show)),
                        sw_cfg_fmt_choices(row->enums, ", ", choices, sizeof(choices)));
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

    if (sw_cfg_is_null(v)) {
        sw_cfg_strlist_free(f);
        return;
    }
    if (v->kind != YN_MAP) {
        sw_cfg_lerr(ld, v, path, "expected a mapping, got %s", sw_cfg_kind_name(v));
        return;
    }
    if (v->n / 2 > row->max) {
        sw_cfg_lerr(ld, v, path, "has %zu entries, more than the maximum %llu", v->n / 2,
                    (unsigned long long)row->max);
        return;
    }
    if (v->n > 0 && (nl.v = sw_calloc(v->n, sizeof(*nl.v))) == NULL) {
        sw_cfg_oom(ld);
        return;
    }
    for (size_t i = 0; i + 1 < v->n && !ld->oom; i += 2) {
        const struct ynode *k = v->kid[i], *val = v->kid[i + 1];
        const char *vs;
        bool dup = false;

        if (k->kind != YN_SCALAR || sw_cfg_is_null(k)) {
            sw_cfg_lerr(ld, k, path, "a name must be a non-empty string, got %s",
                        sw_cfg_kind_name(k));
            continue;
        }
        snprintf(kpath, sizeof(kpath), "%s.%s", path, k->text);
        if (val->kind != YN_SCALAR) {
            sw_cfg_lerr(ld, val, kpath, "expected a string, got %s", sw_cfg_kind_name(val));
            continue;
        }
        vs = sw_cfg_is_null(val) ? "" : val->text;
        for (size_t j = 0; j < nl.n && !dup; j += 2)
            dup = strcmp(nl.v[j], k->text) == 0;
        if (dup) {
            sw_cfg_lerr(ld, k, kpath, "duplicate key");
            continue;
        }
        if (row->kvcheck != NULL && !row->kvcheck(k->text, vs, why, sizeof(why))) {
            sw_cfg_lerr(ld, val, kpath, "'%s': %s", sw_cfg_shorten(vs, show, sizeof(show)), why);
            continue;
        }
        nl.v[nl.n] = sw_strdup(k->text);
        nl.v[nl.n + 1] = sw_strdup(vs);
        if (nl.v[nl.n] == NULL || nl.v[nl.n + 1] == NULL) {
            sw_free(nl.v[nl.n]);
            sw_free(nl.v[nl.n + 1]);
            nl.v[nl.n] = nl.v[nl.n + 1] = NULL;
            sw_cfg_oom(ld);
            break;
        }
        nl.n += 2;
    }
    if (ld->n_errors != before || ld->oom) {
        sw_cfg_strlist_free(&nl);
        return;
    }
    sw_cfg_strlist_free(f);
    *f = nl;
}

static void apply_text(struct loader *ld, const char *path, const struct sw_cfg_row *row,
                       const char *text, void *base);

void
sw_cfg_apply_defaults(struct loader *ld, const struct sw_cfg_row *rows, size_t n, void *base)
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
        sw_cfg_lerr(ld, item, ipath, "expected a mapping, got %s", sw_cfg_kind_name(item));
        return;
    }
    sw_cfg_apply_defaults(ld, sub->rows, sub->n_rows, elem);
    sw_cfg_apply_map(ld, ipath, "", item, sub->rows, sub->n_rows, elem, seen);
    for (size_t r = 0; r < sub->n_rows; r++) {
        if ((sub->rows[r].flags & SW_CFG_REQUIRED) != 0 && !seen[r])
            sw_cfg_lerr(ld, item, ipath, "missing the required key %s", sub->rows[r].path);
    }
    if (ld->n_errors != before || sub->check == NULL)
        return;
    problem = sub->check(elem);
    if (problem != NULL)
        sw_cfg_lerr(ld, item, ipath, "%s", problem);
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
        sw_cfg_lerr(ld, v, path, "internal error: table has too many keys");
        return;
    }
    if (!list_items(ld, path, row, v, &one, &items, &n))
        return;
    if (n > 0) {
        arr = sw_calloc(n, sub->elem_size);
        if (arr == NULL) {
            sw_cfg_oom(ld);
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
                sw_cfg_lerr(ld, items[i], ipath, "%s '%s' is already used by %s[%zu]", u->path,
                            sw_cfg_shorten(a, show, sizeof(show)), path, j);
                break;
            }
        }
    }
    if (ld->n_errors != before) {
        sw_cfg_table_free(sub, arr, built);
        return;
    }
    sw_cfg_table_free(sub, *f, *count);
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

    if (sw_cfg_is_null(v))
        return;
    if (v->kind != YN_MAP) {
        sw_cfg_lerr(ld, v, path, "expected a mapping of names to strings, got %s",
                    sw_cfg_kind_name(v));
        return;
    }
    for (size_t i = 0; i < f->n && !ld->oom; i++) {
        if (!strmap_set(&nm, f->k[i], f->v[i]))
            sw_cfg_oom(ld);
    }
    for (size_t i = 0; i + 1 < v->n && !ld->oom; i += 2) {
        const struct ynode *key = v->kid[i], *val = v->kid[i + 1];
        const char *problem;

        if (key->kind != YN_SCALAR) {
            sw_cfg_lerr(ld, key, path, "a key must be a scalar, got %s", sw_cfg_kind_name(key));
            continue;
        }
        snprintf(kpath, sizeof(kpath), "%s.%s", path, key->text);
        if (val->kind != YN_SCALAR || sw_cfg_is_null(val)) {
            sw_cfg_lerr(ld, val, kpath, "expected a string, got %s", sw_cfg_kind_name(val));
            continue;
        }
        problem = strmap_check(row, key->text, val->text);
        if (problem != NULL) {
            sw_cfg_lerr(ld, strmap_name_ok(key->text) ? val : key, kpath, "%s", problem);
            continue;
        }
        if (nm.n >= 1024) {
            sw_cfg_lerr(ld, key, kpath, "more than 1024 names");
            break;
        }
        if (!strmap_set(&nm, key->text, val->text))
            sw_cfg_oom(ld);
    }
    if (ld->n_errors != before || ld->oom) {
        sw_cfg_strmap_free(&nm);
        return;
    }
    sw_cfg_strmap_free(f);
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
void
sw_cfg_apply_map(struct loader *ld, const char *disp, const char *look, const struct ynode *map,
                 const struct sw_cfg_row *rows, size_t n_rows, void *base, bool *seen)
{
    const struct ynode *known[MAX_MAP_KEYS];
    size_t n_known = 0;
    char lk[PATH_LEN], dk[PATH_LEN];

    if (sw_cfg_is_null(map))
        return; /* "network:" with nothing under it: all defaults */
    if (map->kind != YN_MAP) {
        sw_cfg_lerr(ld, map, disp, "expected a mapping, got %s", sw_cfg_kind_name(map));
        return;
    }
    for (size_t i = 0; i + 1 < map->n && !ld->oom; i += 2) {
        const struct ynode *key = map->kid[i], *val = map->kid[i + 1];
        const struct sw_cfg_row *row = NULL;
        bool dup = false;

        if (key->kind != YN_SCALAR) {
            sw_cfg_lerr(ld, key, disp, "a key must be a scalar, got %s", sw_cfg_kind_name(key));
            continue;
        }
        snprintf(lk, sizeof(lk), "%s%s%s", look, look[0] == '\0' ? "" : ".", key->text);
        snprintf(dk, sizeof(dk), "%s%s%s", disp, disp[0] == '\0' ? "" : ".", key->text);
        /* Dotted keys ("network.workers: 4") would make a second spelling of every key. */
        if (strchr(key->text, '.') == NULL)
            row = find_row(rows, n_rows, lk);
        if (row == NULL && (strchr(key->text, '.') != NULL || !is_section(rows, n_rows, lk))) {
            sw_cfg_lerr(ld, key, dk, "unknown key");
            continue;
        }
        for (size_t j = 0; j < n_known && !dup; j++) {
            if (strcmp(known[j]->text, key->text) == 0) {
                if (known[j]->line > 0)
                    sw_cfg_lerr(ld, key, dk, "duplicate key (first at line %u, column %u)",
                                known[j]->line, known[j]->col);
                else
                    sw_cfg_lerr(ld, key, dk, "duplicate key");
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
            sw_cfg_apply_map(ld, dk, lk, val, rows, n_rows, base, seen);
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
        if (sw_cfg_ytree_parse(ld, &t, text, strlen(text), false, path))
            apply_value(ld, path, row, t.root != NULL ? t.root : &n, base);
        sw_cfg_ytree_free(&t);
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
            sw_cfg_lerr(ld, NULL, key, "%s", problem);
        else if (!strmap_set((struct sw_strmap *)((char *)cfg + row->off), key + n + 1, val))
            sw_cfg_oom(ld);
        return true;
    }
    return false;
}

/* "key.path=value" from the command line. */
void
sw_cfg_apply_override(struct loader *ld, const char *spec, struct sw_config *cfg)
{
    const char *eq = strchr(spec, '=');
    char key[PATH_LEN], show[SHOW_LEN + 4];
    const struct sw_cfg_row *row;
    size_t klen;
    struct ytree t = {0};

    if (eq == NULL) {
        sw_cfg_lerr(ld, NULL, sw_cfg_shorten(spec, show, sizeof(show)), "expected key.path=value");
        return;
    }
    klen = (size_t)(eq - spec);
    if (klen >= sizeof(key)) {
        sw_cfg_lerr(ld, NULL, sw_cfg_shorten(spec, show, sizeof(show)), "unknown key");
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
        if (sw_cfg_ytree_parse(ld, &t, eq + 1, strlen(eq + 1), false, key) && t.root != NULL)
            sw_cfg_apply_map(ld, key, key, t.root, sw_cfg_schema, sw_cfg_schema_len, cfg, NULL);
        sw_cfg_ytree_free(&t);
    } else {
        sw_cfg_lerr(ld, NULL, key[0] == '\0' ? "(empty key)" : key, "unknown key");
    }
}
