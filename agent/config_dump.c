/* config_dump.c - `seawall config check`: every effective value as YAML, defaults marked
 * (sw_cfg_dump), and the key reference of --help and the README (sw_cfg_doc), both from the
 * schema table. Buffered writes to a descriptor, no allocation but the defaults. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "config_int.h"
#include "sw/alloc.h"
#include "sw/io.h"

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
    (void)sw_io_write_all(o->fd, o->buf, o->n, NULL); /* nowhere to report to: the fd is gone */
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
        sw_cfg_apply_defaults(&ld, sub->rows, sub->n_rows, def);
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
                if ((sr->flags & SW_CFG_QUIET) != 0 && def != NULL &&
                    sw_cfg_field_equal(sr, elem, def))
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

                if (def != NULL && sw_cfg_field_equal(kr, elem, def))
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
        sw_cfg_free_fields(sub->rows, sub->n_rows, def);
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
        out_str(o, sw_cfg_fmt_number(row, sw_cfg_get_uint(row, base), buf, sizeof(buf)));
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
        if (def != NULL && sw_cfg_field_equal(row, cfg, def))
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
        snprintf(range, sizeof(range), "%s..%s%s", sw_cfg_fmt_number(row, row->min, a, sizeof(a)),
                 sw_cfg_fmt_number(row, row->max, b, sizeof(b)),
                 (row->flags & SW_CFG_POW2) != 0 ? ", power of two" : "");
        break;
    case SW_CFG_STR:
        if (row->enums == NULL) {
            snprintf(range, sizeof(range), "up to %llu bytes", (unsigned long long)row->max);
            break;
        }
        sw_cfg_fmt_choices(row->enums, ", ", range, sizeof(range));
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
        sw_cfg_fmt_choices(row->enums, ", ", range, sizeof(range));
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
    out_str(o, (row->flags & SW_CFG_UNBUILT) != 0 ? " (" SW_CFG_UNBUILT_MSG ")" : "");
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
