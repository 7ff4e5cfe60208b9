/* config_value.c - configuration values as the schema types them (config_schema.h): numbers
 * formatted back into config text and type descriptions for messages and the dump, enum
 * lookup, freeing fields and comparing them (defaults in the dump, reload changes). */
#include <stdio.h>
#include <string.h>

#include "config_int.h"
#include "sw/alloc.h"
#include "sw/parse.h"

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

const char *
sw_cfg_fmt_number(const struct sw_cfg_row *row, uint64_t v, char *buf, size_t len)
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
const char *
sw_cfg_fmt_choices(const struct sw_cfg_enum *e, const char *sep, char *buf, size_t len)
{
    size_t n = 0;

    buf[0] = '\0';
    for (size_t i = 0; e[i].name != NULL && n < len; i++) {
        int r = snprintf(buf + n, len - n, "%s%s", i == 0 ? "" : sep, e[i].name);

        n += r < 0 ? 0 : (size_t)r;
    }
    return buf;
}

const char *
sw_cfg_type_desc(const struct sw_cfg_row *row, char *buf, size_t len)
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
    snprintf(buf, len, "one of %s", sw_cfg_fmt_choices(row->enums, ", ", choices, sizeof(choices)));
    return buf;
}

int
sw_cfg_enum_lookup(const struct sw_cfg_enum *e, const char *name)
{
    for (int i = 0; e[i].name != NULL; i++) {
        if (strcmp(e[i].name, name) == 0)
            return i;
    }
    return -1;
}

/* --- freeing and comparing fields ------------------------------------------------------------ */

void
sw_cfg_strlist_free(struct sw_strlist *l)
{
    for (size_t i = 0; i < l->n; i++)
        sw_free(l->v[i]);
    sw_free(l->v);
    l->v = NULL;
    l->n = 0;
}

void
sw_cfg_strmap_free(struct sw_strmap *m)
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

void
sw_cfg_table_free(const struct sw_cfg_table *sub, void *arr, size_t n)
{
    for (size_t i = 0; arr != NULL && i < n; i++)
        sw_cfg_free_fields(sub->rows, sub->n_rows, (char *)arr + i * sub->elem_size);
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
        sw_cfg_strlist_free(f);
        break;
    case SW_CFG_CIDRLIST: {
        struct sw_cidrlist *l = f;

        sw_free(l->v);
        l->v = NULL;
        l->n = 0;
        break;
    }
    case SW_CFG_STRMAP:
        sw_cfg_strmap_free(f);
        break;
    case SW_CFG_TABLE: {
        size_t *count = (size_t *)((char *)base + row->off2);

        sw_cfg_table_free(row->sub, *(void **)f, *count);
        *(void **)f = NULL;
        *count = 0;
        break;
    }
    default:
        break;
    }
}

void
sw_cfg_free_fields(const struct sw_cfg_row *rows, size_t n, void *base)
{
    for (size_t i = 0; i < n; i++)
        free_field(&rows[i], base);
}

uint64_t
sw_cfg_get_uint(const struct sw_cfg_row *row, const void *base)
{
    const void *f = (const char *)base + row->off;

    if (row->size == sizeof(uint32_t))
        return *(const uint32_t *)f;
    return *(const uint64_t *)f;
}

static bool fields_equal(const struct sw_cfg_row *rows, size_t n, const void *a, const void *b);

bool
sw_cfg_field_equal(const struct sw_cfg_row *row, const void *a, const void *b)
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
        return sw_cfg_get_uint(row, a) == sw_cfg_get_uint(row, b);
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
        if (!sw_cfg_field_equal(&rows[i], a, b))
            return false;
    }
    return true;
}
