/* parse.c - strict number, size, duration and boolean parsers (see include/sw/parse.h). */
#include "sw/parse.h"

#include <stddef.h>
#include <string.h>
#include <strings.h>

struct unit {
    const char *name;
    uint64_t mult;
};

/* Sizes: binary units first; both families match case-insensitively, so "kb" is 1000 and
 * "kib" 1024. One-letter forms ("64M") are left out on purpose: they mean 10^6 to some
 * readers and 2^20 to others. */
static const struct unit size_units[] = {
    {"B", 1},
    {"KiB", UINT64_C(1) << 10},
    {"MiB", UINT64_C(1) << 20},
    {"GiB", UINT64_C(1) << 30},
    {"TiB", UINT64_C(1) << 40},
    {"kB", UINT64_C(1000)},
    {"MB", UINT64_C(1000000)},
    {"GB", UINT64_C(1000000000)},
    {"TB", UINT64_C(1000000000000)},
};

/* Durations are case-sensitive: "5M" could be read as months. */
static const struct unit duration_units[] = {
    {"us", 1},
    {"ms", UINT64_C(1000)},
    {"s", SW_USEC_PER_SEC},
    {"m", 60 * SW_USEC_PER_SEC},
    {"h", 3600 * SW_USEC_PER_SEC},
    {"d", 86400 * SW_USEC_PER_SEC},
};

/* Leading decimal digits of s into *v; *end points past them. SW_EINVAL when there are none,
 * SW_ELIMIT on overflow (all digits are still consumed so callers see the same end). */
static enum sw_rc
scan_digits(const char *s, uint64_t *v, const char **end)
{
    uint64_t acc = 0;
    enum sw_rc rc = SW_OK;
    const char *p = s;

    for (; *p >= '0' && *p <= '9'; p++) {
        if (rc != SW_OK)
            continue;
        if (__builtin_mul_overflow(acc, 10, &acc) ||
            __builtin_add_overflow(acc, (uint64_t)(*p - '0'), &acc))
            rc = SW_ELIMIT;
    }
    *end = p;
    if (p == s)
        return SW_EINVAL;
    *v = acc;
    return rc;
}

enum sw_rc
sw_parse_u64(const char *s, uint64_t min, uint64_t max, uint64_t *out)
{
    uint64_t v = 0;
    const char *end;
    enum sw_rc rc;

    if (s == NULL)
        return SW_EINVAL;
    rc = scan_digits(s, &v, &end);
    if (*end != '\0')
        return SW_EINVAL; /* junk beats overflow: "99999999999999999999x" is not a number */
    if (rc != SW_OK)
        return rc;
    if (v < min || v > max)
        return SW_ELIMIT;
    *out = v;
    return SW_OK;
}

/* Number with an optional unit from units[]; bare numbers take bare_mult. */
static enum sw_rc
parse_with_unit(const char *s, const struct unit *units, size_t n_units, uint64_t bare_mult,
                bool nocase, uint64_t *out)
{
    uint64_t v = 0, r;
    const char *end;
    enum sw_rc rc;

    if (s == NULL)
        return SW_EINVAL;
    rc = scan_digits(s, &v, &end);
    if (rc == SW_EINVAL)
        return rc;
    if (*end == '\0') {
        if (rc != SW_OK)
            return rc;
        if (__builtin_mul_overflow(v, bare_mult, &r))
            return SW_ELIMIT;
        *out = r;
        return SW_OK;
    }
    if (*end == ' ')
        end++;
    for (size_t i = 0; i < n_units; i++) {
        int cmp = nocase ? strcasecmp(end, units[i].name) : strcmp(end, units[i].name);

        if (cmp != 0)
            continue;
        if (rc != SW_OK)
            return rc;
        if (__builtin_mul_overflow(v, units[i].mult, &r))
            return SW_ELIMIT;
        *out = r;
        return SW_OK;
    }
    return SW_EINVAL;
}

enum sw_rc
sw_parse_size(const char *s, uint64_t *out)
{
    return parse_with_unit(s, size_units, sizeof(size_units) / sizeof(size_units[0]), 1, true,
                           out);
}

enum sw_rc
sw_parse_duration(const char *s, uint64_t *out)
{
    return parse_with_unit(s, duration_units, sizeof(duration_units) / sizeof(duration_units[0]),
                           SW_USEC_PER_SEC, false, out);
}

enum sw_rc
sw_parse_bool(const char *s, bool *out)
{
    static const char *const yes[] = {"true", "yes", "on"};
    static const char *const no[] = {"false", "no", "off"};

    if (s == NULL)
        return SW_EINVAL;
    for (size_t i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
        if (strcasecmp(s, yes[i]) == 0) {
            *out = true;
            return SW_OK;
        }
        if (strcasecmp(s, no[i]) == 0) {
            *out = false;
            return SW_OK;
        }
    }
    return SW_EINVAL;
}

int
sw_parse_hexdigit(int c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}
