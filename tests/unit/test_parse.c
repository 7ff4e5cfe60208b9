/* test_parse.c - the policy-free parsers of agent/util (parse.c: numbers, sizes, durations,
 * booleans; cidr.c: CIDR blocks and lists) that configuration values go through. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#include "sw/config.h"
#include "sw/parse.h"

#define KIB (UINT64_C(1) << 10)
#define MIB (UINT64_C(1) << 20)
#define GIB (UINT64_C(1) << 30)
#define SEC UINT64_C(1000000)

static void
cidr_is(const struct sw_cidr *c, const char *text)
{
    char buf[SW_CIDR_STRLEN];

    assert_string_equal(sw_cidr_format(c, buf, sizeof(buf)), text);
}

/* --- parsers ---------------------------------------------------------------------------------- */

static void
parse_u64_checks_range_and_junk(void **state)
{
    uint64_t v = 42;

    (void)state;
    assert_int_equal(sw_parse_u64("0", 0, 10, &v), SW_OK);
    assert_int_equal(v, 0);
    assert_int_equal(sw_parse_u64("007", 0, 10, &v), SW_OK);
    assert_int_equal(v, 7);
    assert_int_equal(sw_parse_u64("18446744073709551615", 0, UINT64_MAX, &v), SW_OK);
    assert_true(v == UINT64_MAX);
    v = 42;
    assert_int_equal(sw_parse_u64("18446744073709551616", 0, UINT64_MAX, &v), SW_ELIMIT);
    assert_int_equal(sw_parse_u64("99999999999999999999999", 0, UINT64_MAX, &v), SW_ELIMIT);
    assert_int_equal(sw_parse_u64("11", 0, 10, &v), SW_ELIMIT);
    assert_int_equal(sw_parse_u64("1", 2, 10, &v), SW_ELIMIT);
    assert_int_equal(sw_parse_u64("", 0, 10, &v), SW_EINVAL);
    assert_int_equal(sw_parse_u64("-1", 0, 10, &v), SW_EINVAL);
    assert_int_equal(sw_parse_u64("+1", 0, 10, &v), SW_EINVAL);
    assert_int_equal(sw_parse_u64(" 1", 0, 10, &v), SW_EINVAL);
    assert_int_equal(sw_parse_u64("1 ", 0, 10, &v), SW_EINVAL);
    assert_int_equal(sw_parse_u64("10x", 0, 100, &v), SW_EINVAL);
    assert_int_equal(sw_parse_u64("0x10", 0, 100, &v), SW_EINVAL);
    assert_int_equal(sw_parse_u64("99999999999999999999x", 0, UINT64_MAX, &v), SW_EINVAL);
    assert_int_equal(sw_parse_u64(NULL, 0, 10, &v), SW_EINVAL);
    assert_int_equal(v, 42); /* untouched on error */
}

static void
parse_size_units_and_overflow(void **state)
{
    static const struct {
        const char *s;
        enum sw_rc rc;
        uint64_t v;
    } cases[] = {
        {"512", SW_OK, 512},
        {"0", SW_OK, 0},
        {"512B", SW_OK, 512},
        {"64KiB", SW_OK, 64 * KIB},
        {"64 KiB", SW_OK, 64 * KIB},
        {"64kib", SW_OK, 64 * KIB},
        {"1MiB", SW_OK, MIB},
        {"2GiB", SW_OK, 2 * GIB},
        {"3TiB", SW_OK, UINT64_C(3) << 40},
        {"1kB", SW_OK, 1000},
        {"1KB", SW_OK, 1000},
        {"5MB", SW_OK, 5000000},
        {"7GB", SW_OK, UINT64_C(7000000000)},
        {"2TB", SW_OK, UINT64_C(2000000000000)},
        {"16777215TiB", SW_OK, UINT64_C(16777215) << 40},
        {"16777216TiB", SW_ELIMIT, 0},
        {"99999999999TiB", SW_ELIMIT, 0},
        {"99999999999999999999", SW_ELIMIT, 0},
        {"99999999999999999999KiB", SW_ELIMIT, 0},
        {"10x", SW_EINVAL, 0},
        {"64M", SW_EINVAL, 0},
        {"64 ", SW_EINVAL, 0},
        {"64  KiB", SW_EINVAL, 0},
        {"KiB", SW_EINVAL, 0},
        {"-1KiB", SW_EINVAL, 0},
        {"1.5GiB", SW_EINVAL, 0},
        {"", SW_EINVAL, 0},
        {"99999999999999999999x", SW_EINVAL, 0},
    };

    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        uint64_t v = 12345;
        enum sw_rc rc = sw_parse_size(cases[i].s, &v);

        if (rc != cases[i].rc)
            fail_msg("'%s': rc %d, want %d", cases[i].s, rc, cases[i].rc);
        assert_true(v == (rc == SW_OK ? cases[i].v : 12345));
    }
}

static void
parse_duration_units_and_overflow(void **state)
{
    static const struct {
        const char *s;
        enum sw_rc rc;
        uint64_t v;
    } cases[] = {
        {"30", SW_OK, 30 * SEC},
        {"30s", SW_OK, 30 * SEC},
        {"5m", SW_OK, 300 * SEC},
        {"2h", SW_OK, 7200 * SEC},
        {"1d", SW_OK, 86400 * SEC},
        {"250ms", SW_OK, 250000},
        {"7us", SW_OK, 7},
        {"0", SW_OK, 0},
        {"10 s", SW_OK, 10 * SEC},
        {"5M", SW_EINVAL, 0},
        {"5S", SW_EINVAL, 0},
        {"10x", SW_EINVAL, 0},
        {"-5s", SW_EINVAL, 0},
        {"1.5s", SW_EINVAL, 0},
        {"s", SW_EINVAL, 0},
        {"", SW_EINVAL, 0},
        {"99999999999999d", SW_ELIMIT, 0},
        {"18446744073709551615", SW_ELIMIT, 0},
        {"18446744073709551615us", SW_OK, UINT64_MAX},
        {"18446744073709551616us", SW_ELIMIT, 0},
    };

    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        uint64_t v = 12345;
        enum sw_rc rc = sw_parse_duration(cases[i].s, &v);

        if (rc != cases[i].rc)
            fail_msg("'%s': rc %d, want %d", cases[i].s, rc, cases[i].rc);
        assert_true(v == (rc == SW_OK ? cases[i].v : 12345));
    }
}

static void
parse_bool_words(void **state)
{
    static const char *const yes[] = {"true", "yes", "on", "TRUE", "Yes"};
    static const char *const no[] = {"false", "no", "off", "False", "OFF"};
    static const char *const bad[] = {"1", "0", "y", "n", "", "truee", " true", NULL};
    bool b;

    (void)state;
    for (size_t i = 0; i < 5; i++) {
        b = false;
        assert_int_equal(sw_parse_bool(yes[i], &b), SW_OK);
        assert_true(b);
        assert_int_equal(sw_parse_bool(no[i], &b), SW_OK);
        assert_false(b);
    }
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        assert_int_equal(sw_parse_bool(bad[i], &b), SW_EINVAL);
}

/* --- CIDRs ------------------------------------------------------------------------------------ */

static void
cidr_parse_good_and_bad(void **state)
{
    static const struct {
        const char *in, *out;
    } good[] = {
        {"10.0.0.0/8", "10.0.0.0/8"},
        {"10.1.2.3/8", "10.0.0.0/8"},
        {"192.168.1.77/25", "192.168.1.0/25"},
        {"192.168.1.200/25", "192.168.1.128/25"},
        {"1.2.3.4", "1.2.3.4/32"},
        {"1.2.3.4/32", "1.2.3.4/32"},
        {"1.2.3.4/0", "0.0.0.0/0"},
        {"2001:db8::1/32", "2001:db8::/32"},
        {"2001:db8::1", "2001:db8::1/128"},
        {"::/0", "::/0"},
        {"fe80::1:2:3/65", "fe80::/65"},
        {"::ffff:10.0.0.1/120", "::ffff:10.0.0.0/120"},
    };
    static const char *const bad[] = {
        "",           "/8",           "10.0.0.0/",   "10.0.0.0/33",    "10.0.0.0/-1",
        "10.0.0.0/8x", "10.0.0/8",    "10.0.0.256",  "10.0.0.0 /8",    " 10.0.0.0/8",
        "10.0.0.0/08 ", "2001:db8::/129", "fe80::1%eth0", "host.example", "10.0.0.0/+8",
        "::/",        "1.2.3.4/32/1", NULL,
    };
    struct sw_cidr c;

    (void)state;
    for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
        if (sw_cidr_parse(good[i].in, &c) != SW_OK)
            fail_msg("'%s' refused", good[i].in);
        cidr_is(&c, good[i].out);
    }
    assert_int_equal(sw_cidr_parse("10.0.0.0/8", &c), SW_OK);
    assert_int_equal(c.version, 4);
    assert_int_equal(c.prefix, 8);
    assert_int_equal(sw_cidr_parse("2001:db8::/32", &c), SW_OK);
    assert_int_equal(c.version, 6);
    assert_int_equal(c.prefix, 32);
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        if (sw_cidr_parse(bad[i], &c) != SW_EINVAL)
            fail_msg("'%s' accepted", bad[i] == NULL ? "(null)" : bad[i]);
    }
}

static bool
match(const struct sw_cidrlist *l, const char *addr)
{
    uint8_t a[16];

    if (inet_pton(AF_INET, addr, a) == 1)
        return sw_cidrlist_match(l, 4, a);
    assert_int_equal(inet_pton(AF_INET6, addr, a), 1);
    return sw_cidrlist_match(l, 6, a);
}

static void
cidrlist_match_v4_v6(void **state)
{
    struct sw_cidr v[4];
    struct sw_cidrlist l = {v, 4};
    struct sw_cidr any4, any6;
    struct sw_cidrlist all4 = {&any4, 1}, all6 = {&any6, 1}, empty = {NULL, 0};

    (void)state;
    assert_int_equal(sw_cidr_parse("10.0.0.0/8", &v[0]), SW_OK);
    assert_int_equal(sw_cidr_parse("192.168.1.128/25", &v[1]), SW_OK);
    assert_int_equal(sw_cidr_parse("2001:db8::/33", &v[2]), SW_OK);
    assert_int_equal(sw_cidr_parse("198.51.100.7", &v[3]), SW_OK);
    assert_true(match(&l, "10.255.255.255"));
    assert_true(match(&l, "10.0.0.0"));
    assert_false(match(&l, "11.0.0.0"));
    assert_false(match(&l, "9.255.255.255"));
    assert_true(match(&l, "192.168.1.128"));
    assert_true(match(&l, "192.168.1.255"));
    assert_false(match(&l, "192.168.1.127"));
    assert_true(match(&l, "198.51.100.7"));
    assert_false(match(&l, "198.51.100.6"));
    assert_true(match(&l, "2001:db8::1"));
    assert_true(match(&l, "2001:db8:7fff:ffff::1"));
    assert_false(match(&l, "2001:db8:8000::1"));
    assert_false(match(&l, "::ffff:10.0.0.1")); /* v4-mapped is IPv6, not 10/8 */
    /* The IPv4 bytes of 10/8 must not match an IPv6 address that starts with 0x0a. */
    assert_false(match(&l, "a00::1"));

    assert_int_equal(sw_cidr_parse("0.0.0.0/0", &any4), SW_OK);
    assert_int_equal(sw_cidr_parse("::/0", &any6), SW_OK);
    assert_true(match(&all4, "1.2.3.4"));
    assert_true(match(&all4, "255.255.255.255"));
    assert_false(match(&all4, "::1"));
    assert_true(match(&all6, "::1"));
    assert_true(match(&all6, "ffff::1"));
    assert_false(match(&all6, "1.2.3.4"));
    assert_false(match(&empty, "1.2.3.4"));
    assert_false(sw_cidrlist_match(NULL, 4, v[0].addr));

    assert_int_equal(sw_cidr_parse("2001:db8::5/128", &any6), SW_OK);
    assert_true(match(&all6, "2001:db8::5"));
    assert_false(match(&all6, "2001:db8::4"));
}

static void
parse_hexdigit_both_cases_and_nothing_else(void **state)
{
    (void)state;
    static const char lower[] = "0123456789abcdef", upper[] = "0123456789ABCDEF";

    for (int c = 1; c < 256; c++) {
        const char *l = memchr(lower, c, 16), *u = memchr(upper, c, 16);
        int want = l != NULL ? (int)(l - lower) : u != NULL ? (int)(u - upper) : -1;

        assert_int_equal(sw_parse_hexdigit(c), want);
    }
    assert_int_equal(sw_parse_hexdigit(0), -1);
    assert_int_equal(sw_parse_hexdigit(-1), -1); /* EOF */
    assert_int_equal(sw_parse_hexdigit('g'), -1);
    assert_int_equal(sw_parse_hexdigit('F'), 15);
    assert_int_equal(sw_parse_hexdigit('/'), -1); /* just below '0' */
    assert_int_equal(sw_parse_hexdigit('@'), -1); /* just below 'A' */
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(parse_u64_checks_range_and_junk),
        cmocka_unit_test(parse_size_units_and_overflow),
        cmocka_unit_test(parse_duration_units_and_overflow),
        cmocka_unit_test(parse_bool_words),
        cmocka_unit_test(parse_hexdigit_both_cases_and_nothing_else),
        cmocka_unit_test(cidr_parse_good_and_bad),
        cmocka_unit_test(cidrlist_match_v4_v6),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
