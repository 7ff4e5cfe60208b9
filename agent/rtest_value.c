/* rtest_value.c - EVE events as `seawall rules test` reads and compares them (see
 * include/sw/rtest.h): the events of a run read back, values compared with Python's rules,
 * paths looked up as suricata-verify's run.py looks them up, and one match key applied. */
#include "sw/rtest.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rtest_int.h"
#include "sw/alloc.h"

#define MAX_NAME 512 /* longest path part looked up */

/* --- events ------------------------------------------------------------------------------ */

enum sw_rc
sw_rtest_events_add(struct sw_rtest_events *e, json_t *ev, size_t line)
{
    if (e->n == e->cap) {
        size_t cap = e->cap == 0 ? 64 : e->cap * 2;
        json_t **v = sw_realloc(e->ev, cap * sizeof(*v));
        size_t *l;

        if (v == NULL)
            return SW_ENOMEM;
        e->ev = v;
        l = sw_realloc(e->line, cap * sizeof(*l));
        if (l == NULL)
            return SW_ENOMEM;
        e->line = l;
        e->cap = cap;
    }
    e->ev[e->n] = json_incref(ev);
    e->line[e->n++] = line;
    return SW_OK;
}

void
sw_rtest_events_fini(struct sw_rtest_events *e)
{
    if (e == NULL)
        return;
    for (size_t i = 0; i < e->n; i++)
        json_decref(e->ev[i]);
    sw_free(e->ev);
    sw_free(e->line);
    memset(e, 0, sizeof(*e));
}

enum sw_rc
sw_rtest_events_read(const char *path, size_t max_bytes, struct sw_rtest_events *out,
                     struct sw_err *err)
{
    FILE *f = fopen(path, "re");
    char *buf = NULL;
    size_t cap = 0, lineno = 0, total = 0;
    ssize_t n;
    enum sw_rc rc = SW_OK;

    memset(out, 0, sizeof(*out));
    if (f == NULL)
        return sw_err_sys(err, SW_EIO, "%s", path);
    while ((n = getline(&buf, &cap, f)) >= 0) {
        json_t *ev;

        lineno++;
        total += (size_t)n;
        if (total > max_bytes) {
            rc = sw_err_set(err, SW_ELIMIT, "%s: larger than %zu bytes, not checked", path,
                            max_bytes);
            break;
        }
        ev = json_loadb(buf, (size_t)n, JSON_DISABLE_EOF_CHECK, NULL);
        if (ev == NULL || !json_is_object(ev)) {
            out->bad++;
            if (out->first_bad == 0)
                out->first_bad = lineno;
        } else if (sw_rtest_events_add(out, ev, lineno) != SW_OK) {
            json_decref(ev);
            rc = sw_err_set(err, SW_ENOMEM, "%s: out of memory", path);
            break;
        }
        json_decref(ev);
    }
    if (rc == SW_OK && ferror(f))
        rc = sw_err_sys(err, SW_EIO, "%s", path);
    free(buf); /* getline's buffer */
    fclose(f);
    if (rc != SW_OK)
        sw_rtest_events_fini(out);
    return rc;
}

/* --- values the way Python sees them ------------------------------------------------------- */

/* A number in Python's sense: integers, reals and booleans (True == 1). */
static bool
py_number(const json_t *v, bool *is_int, long long *i, double *d)
{
    if (json_is_integer(v)) {
        *is_int = true;
        *i = json_integer_value(v);
    } else if (json_is_boolean(v)) {
        *is_int = true;
        *i = json_is_true(v) ? 1 : 0;
    } else if (json_is_real(v)) {
        *is_int = false;
        *d = json_real_value(v);
    } else {
        return false;
    }
    return true;
}

/* -1, 0, 1 comparing two numbers exactly (an integer and a real included). */
static int
num_cmp(bool ai, long long a, double ad, bool bi, long long b, double bd)
{
    if (ai && bi)
        return a < b ? -1 : a > b;
    long double x = ai ? (long double)a : (long double)ad;
    long double y = bi ? (long double)b : (long double)bd;

    if (ai != bi) {
        /* An integer equals a real only when the real is that exact integer. */
        double r = ai ? bd : ad;
        long long n = ai ? a : b;

        if (r == floor(r) && r >= -9223372036854775808.0 && r < 9223372036854775808.0 &&
            (long long)r == n)
            return 0;
    }
    return x < y ? -1 : x > y;
}

bool
sw_rtest_py_equal(const json_t *a, const json_t *b)
{
    bool ai, bi;
    long long x, y;
    double xd = 0, yd = 0;

    if (a == NULL || b == NULL)
        return a == b;
    if (py_number(a, &ai, &x, &xd) && py_number(b, &bi, &y, &yd))
        return num_cmp(ai, x, xd, bi, y, yd) == 0;
    if (json_typeof(a) != json_typeof(b))
        return false;
    switch (json_typeof(a)) {
    case JSON_STRING:
        return json_string_length(a) == json_string_length(b) &&
               memcmp(json_string_value(a), json_string_value(b), json_string_length(a)) == 0;
    case JSON_NULL:
        return true;
    case JSON_ARRAY:
        if (json_array_size(a) != json_array_size(b))
            return false;
        for (size_t i = 0; i < json_array_size(a); i++)
            if (!sw_rtest_py_equal(json_array_get(a, i), json_array_get(b, i)))
                return false;
        return true;
    case JSON_OBJECT: {
        const char *k;
        size_t klen;
        json_t *v;

        if (json_object_size(a) != json_object_size(b))
            return false;
        json_object_keylen_foreach((json_t *)(uintptr_t)a, k, klen, v)
        {
            if (!sw_rtest_py_equal(v, json_object_getn(b, k, klen)))
                return false;
        }
        return true;
    }
    default:
        return false;
    }
}

/* Python's len(): code points of a string, items of a list or dict, -1 otherwise. */
static long long
py_len(const json_t *v)
{
    if (json_is_string(v)) {
        const unsigned char *s = (const unsigned char *)json_string_value(v);
        long long n = 0;

        for (size_t i = 0; i < json_string_length(v); i++)
            n += (s[i] & 0xc0) != 0x80;
        return n;
    }
    if (json_is_array(v))
        return (long long)json_array_size(v);
    if (json_is_object(v))
        return (long long)json_object_size(v);
    return -1;
}

static bool
is_operator(const char *p, size_t n)
{
    static const char *const ops[] = {"__contains", "__find", "__startswith", "__endswith",
                                      "__gt",       "__gte",  "__lt",         "__lte"};

    for (size_t i = 0; i < sizeof(ops) / sizeof(ops[0]); i++)
        if (strlen(ops[i]) == n && memcmp(p, ops[i], n) == 0)
            return true;
    return false;
}

const json_t *
sw_rtest_find(const json_t *obj, const char *path, long long *len)
{
    const json_t *cur = obj;
    const char *p = path;

    *len = -2;
    for (;;) {
        const char *dot = strchr(p, '.');
        size_t n = dot != NULL ? (size_t)(dot - p) : strlen(p), name_len = n;
        long long idx = -1;

        if (n == 5 && memcmp(p, "__len", 5) == 0) {
            *len = py_len(cur);
            return NULL;
        }
        if (is_operator(p, n))
            return cur;
        /* "name[i]": run.py's ^(.*)\[(\d+)\]$ */
        if (n >= 3 && p[n - 1] == ']') {
            size_t lb = n - 1;

            while (lb > 0 && p[lb - 1] >= '0' && p[lb - 1] <= '9')
                lb--;
            if (lb > 0 && lb < n - 1 && p[lb - 1] == '[' && n - 1 - lb <= 9) {
                idx = strtoll(p + lb, NULL, 10);
                name_len = lb - 1;
            }
        }
        /* Python would search a list or a string with "in" here; only objects have keys. */
        if (!json_is_object(cur) || name_len > MAX_NAME)
            return NULL;
        cur = json_object_getn(cur, p, name_len);
        if (cur == NULL)
            return NULL;
        if (idx >= 0) {
            /* run.py indexes strings too; an event's strings are not what tests index. */
            if (!json_is_array(cur) || (size_t)idx >= json_array_size(cur))
                return NULL;
            cur = json_array_get(cur, (size_t)idx);
        }
        if (dot == NULL)
            return cur;
        p = dot + 1;
    }
}

static bool
contains(const json_t *hay, const json_t *needle)
{
    if (json_is_array(hay)) {
        for (size_t i = 0; i < json_array_size(hay); i++)
            if (sw_rtest_py_equal(json_array_get(hay, i), needle))
                return true;
        return false;
    }
    if (json_is_string(hay) && json_is_string(needle))
        return memmem(json_string_value(hay), json_string_length(hay), json_string_value(needle),
                      json_string_length(needle)) != NULL;
    if (json_is_object(hay) && json_is_string(needle))
        return json_object_getn(hay, json_string_value(needle), json_string_length(needle)) != NULL;
    return false;
}

/* Apply m to the value found (v, or the length len when not -2; both absent: missing). */
bool
sw_rtest_apply(const struct sw_rtest_match *m, const json_t *v, long long len)
{
    json_t *lv = NULL;
    bool r = false;
    const json_t *x = m->expected;

    if (len != -2) {
        lv = json_integer(len);
        if (lv == NULL)
            return false;
        v = lv;
    }
    switch (m->op) {
    case SW_RTEST_HAS_KEY:
        r = v != NULL && !json_is_null(v);
        break;
    case SW_RTEST_NOT_HAS_KEY:
        r = v == NULL || json_is_null(v);
        break;
    case SW_RTEST_EQ:
        /* A missing field is Python's None: equal to a null in the test only. */
        r = v == NULL ? json_is_null(x) : sw_rtest_py_equal(v, x);
        break;
    case SW_RTEST_CONTAINS:
        r = v != NULL && contains(v, x);
        break;
    case SW_RTEST_FIND:
        r = v != NULL && json_is_string(v) &&
            memmem(json_string_value(v), json_string_length(v), json_string_value(x),
                   json_string_length(x)) != NULL;
        break;
    case SW_RTEST_STARTSWITH:
    case SW_RTEST_ENDSWITH:
        if (v != NULL && json_is_string(v) && json_string_length(v) >= json_string_length(x)) {
            size_t off =
                m->op == SW_RTEST_ENDSWITH ? json_string_length(v) - json_string_length(x) : 0;

            r = memcmp(json_string_value(v) + off, json_string_value(x), json_string_length(x)) ==
                0;
        }
        break;
    case SW_RTEST_GT:
    case SW_RTEST_GTE:
    case SW_RTEST_LT:
    case SW_RTEST_LTE: {
        bool ai, bi;
        long long a, b;
        double ad = 0, bd = 0;

        /* run.py's compare_values: numbers only, booleans never. */
        if (v == NULL || json_is_boolean(v) || json_is_boolean(x) || !py_number(v, &ai, &a, &ad) ||
            !py_number(x, &bi, &b, &bd))
            break;
        int c = num_cmp(ai, a, ad, bi, b, bd);

        r = m->op == SW_RTEST_GT    ? c > 0
            : m->op == SW_RTEST_GTE ? c >= 0
            : m->op == SW_RTEST_LT  ? c < 0
                                    : c <= 0;
        break;
    }
    }
    json_decref(lv);
    return r;
}

bool
sw_rtest_match_one(const struct sw_rtest_match *m, const json_t *ev)
{
    long long len;
    const json_t *v = sw_rtest_find(ev, m->path, &len);

    return sw_rtest_apply(m, v, len);
}
