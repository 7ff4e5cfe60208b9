/* test_eve_writer.c - unit tests of the streaming EVE writer (output/eve_writer.c).
 *
 * Jansson is the reference: EVE lines were Jansson's JSON_COMPACT dumps before the writer
 * replaced the tree, so every string, number and nesting the writer produces is compared
 * byte for byte with what json_dumps() writes for the same value. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <arpa/inet.h>
#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <time.h>

#include "sw/alloc.h"
#include "sw/eve.h"
#include "sw/eve_writer.h"

#define DUMP_FLAGS (JSON_COMPACT | JSON_PRESERVE_ORDER)

/* The writer's text as a NUL-terminated string (the test owns w). */
static const char *
text(struct sw_eve_writer *w)
{
    assert_false(w->failed);
    assert_true(sw_eve_reserve(w, 1));
    w->buf[w->len] = '\0';
    return w->buf;
}

/* {"k":<what Jansson writes for v>} with v consumed. */
static char *
jansson_member(const char *key, json_t *v)
{
    json_t *o = json_object();
    char *s;

    assert_non_null(o);
    assert_int_equal(json_object_set_new_nocheck(o, key, v), 0);
    s = json_dumps(o, DUMP_FLAGS);
    assert_non_null(s);
    json_decref(o);
    return s;
}

/* What the Jansson encoder wrote for a value it refused as UTF-8: \xNN for every byte
 * outside printable ASCII, cut before 1024 bytes (the old escaped_string, restated). */
static json_t *
reference_hex(const unsigned char *s, size_t n)
{
    char buf[1024];
    size_t o = 0;

    for (size_t i = 0; i < n; i++) {
        if (o + 5 >= sizeof(buf))
            break;
        if (s[i] >= 0x20 && s[i] < 0x7f)
            buf[o++] = (char)s[i];
        else
            o += (size_t)snprintf(buf + o, sizeof(buf) - o, "\\x%02x", s[i]);
    }
    buf[o] = '\0';
    return json_string(buf);
}

/* One string through the writer (as an object member) against Jansson. */
static void
check_string(const unsigned char *s, size_t n)
{
    struct sw_eve_writer w;
    json_t *ref = json_stringn((const char *)s, n);
    char *want;

    assert_int_equal(sw_eve_utf8_valid((const char *)s, n), ref != NULL);
    if (ref == NULL)
        ref = reference_hex(s, n);
    want = jansson_member("k", ref);
    sw_eve_writer_init(&w, 0);
    sw_eve_open_obj(&w, NULL);
    sw_eve_put_strn(&w, "k", (const char *)s, n);
    sw_eve_close(&w);
    assert_string_equal(text(&w), want);
    free(want);
    sw_eve_writer_fini(&w);
}

static void
every_control_byte_is_escaped_as_jansson_does(void **state)
{
    (void)state;
    for (unsigned c = 0; c < 0x20; c++) {
        unsigned char s[3] = {'a', (unsigned char)c, 'b'};

        check_string(s, sizeof(s)); /* NUL too, inside a counted string: \u0000 */
    }
    check_string((const unsigned char *)"\"\\/\x7f", 4); /* quote, backslash; / and DEL as is */
}

/* Every byte value after a printable prefix, and every lead byte with each continuation:
 * overlong forms, surrogates, code points above U+10FFFF, cut sequences. */
static void
invalid_utf8_keeps_the_field_as_hex_escapes(void **state)
{
    (void)state;
    for (unsigned c = 0x80; c < 0x100; c++) {
        unsigned char s1[2] = {'x', (unsigned char)c};

        check_string(s1, sizeof(s1));
        for (unsigned d = 0x70; d < 0xd0; d += 3) {
            unsigned char s2[4] = {(unsigned char)c, (unsigned char)d, 0x80, 0xbf};

            check_string(s2, 2);
            check_string(s2, 3);
            check_string(s2, 4);
        }
    }
    static const char *const cases[] = {
        "\xc0\xaf",             /* overlong '/' */
        "\xe0\x80\xaf",         /* overlong, 3 bytes */
        "\xed\xa0\x80",         /* surrogate D800 */
        "\xed\x9f\xbf",         /* D7FF: valid */
        "\xf0\x8f\xbf\xbf",     /* overlong, 4 bytes */
        "\xf4\x90\x80\x80",     /* above U+10FFFF */
        "\xf4\x8f\xbf\xbf",     /* U+10FFFF: valid */
        "caf\xe9.pcap",         /* Latin-1 */
        "\xe6\x97\xa5\xe6\x97", /* cut at the end */
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
        check_string((const unsigned char *)cases[i], strlen(cases[i]));
}

/* Long invalid text is cut where the old 1024-byte fallback cut it. */
static void
long_invalid_text_is_cut_as_before(void **state)
{
    unsigned char s[3000];

    (void)state;
    for (size_t i = 0; i < sizeof(s); i++)
        s[i] = i % 3 == 0 ? 0xff : (unsigned char)('a' + i % 26);
    check_string(s, sizeof(s));
    check_string(s + 1, 1200);
}

/* Random mixes of ASCII, controls, valid and invalid multi-byte sequences. */
static void
random_strings_match_jansson(void **state)
{
    uint64_t seed = 0x2545f4914f6cdd1dull;

    (void)state;
    for (int round = 0; round < 20000; round++) {
        unsigned char s[48];
        size_t n = 0, want;

        seed = seed * 6364136223846793005ull + 1442695040888963407ull;
        want = (size_t)(seed >> 58) % sizeof(s);
        while (n < want) {
            seed = seed * 6364136223846793005ull + 1442695040888963407ull;
            unsigned v = (unsigned)(seed >> 33);

            if (v % 5 == 0 && n + 3 <= want) { /* U+65E5 */
                s[n++] = 0xe6;
                s[n++] = 0x97;
                s[n++] = 0xa5;
            } else if (v % 17 == 0) {
                s[n++] = (unsigned char)(0x80 + v % 128); /* any high byte */
            } else {
                s[n++] = (unsigned char)(1 + v % 127);
            }
        }
        check_string(s, n);
    }
}

static void
numbers_match_jansson_at_the_limits(void **state)
{
    static const int64_t cases[] = {0,
                                    1,
                                    9,
                                    10,
                                    99,
                                    100,
                                    101,
                                    999,
                                    1000,
                                    65535,
                                    4294967295ll,
                                    4294967296ll,
                                    1234567890123ll,
                                    999999999999999999ll,
                                    1000000000000000000ll,
                                    INT64_MAX,
                                    -1,
                                    -10,
                                    -99,
                                    -100,
                                    INT64_MIN + 1,
                                    INT64_MIN};

    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct sw_eve_writer w;
        char *want = jansson_member("n", json_integer(cases[i]));

        sw_eve_writer_init(&w, 0);
        sw_eve_open_obj(&w, NULL);
        sw_eve_put_i64(&w, "n", cases[i]);
        sw_eve_close(&w);
        assert_string_equal(text(&w), want);
        free(want);
        sw_eve_writer_fini(&w);
    }
    /* every digit count: each power of ten and its neighbours, both signs */
    int64_t p10 = 1;
    for (int k = 0; k <= 18; k++, p10 = k <= 18 ? p10 * 10 : p10) {
        for (int64_t d = -1; d <= 1; d++) {
            for (int sign = 1; sign >= -1; sign -= 2) {
                struct sw_eve_writer w;
                int64_t v = sign * (p10 + d);
                char *want = jansson_member("n", json_integer(v));

                sw_eve_writer_init(&w, 0);
                sw_eve_open_obj(&w, NULL);
                sw_eve_put_i64(&w, "n", v);
                sw_eve_close(&w);
                assert_string_equal(text(&w), want);
                free(want);
                sw_eve_writer_fini(&w);
            }
        }
    }
    /* counters go through Jansson's signed integer, as they always did */
    struct sw_eve_writer w;
    char *want = jansson_member("n", json_integer((json_int_t)UINT64_MAX));

    sw_eve_writer_init(&w, 0);
    sw_eve_open_obj(&w, NULL);
    sw_eve_put_u64(&w, "n", UINT64_MAX);
    sw_eve_close(&w);
    assert_string_equal(text(&w), want);
    free(want);
    sw_eve_writer_fini(&w);
}

/* Objects in arrays in objects, empty containers, booleans, data keys, and an object
 * dropped when it stayed empty: the same text as Jansson's tree of the same shape. */
static void
nesting_matches_jansson(void **state)
{
    struct sw_eve_writer w;
    json_t *root = json_object(), *a = json_array(), *o = json_object(), *e = json_object();
    json_t *inner = json_array();
    char *want;

    (void)state;
    json_object_set_new_nocheck(root, "t", json_true());
    json_array_append_new(a, json_integer(1));
    json_object_set_new_nocheck(o, "x", json_string("y"));
    json_array_append_new(inner, json_array());
    json_array_append_new(inner, json_false());
    json_object_set_new_nocheck(o, "in", inner);
    json_array_append_new(a, o);
    json_array_append_new(a, json_object());
    json_object_set_new_nocheck(root, "a", a);
    json_object_set_new_nocheck(root, "e", e);
    json_object_set_new_nocheck(root, "k\"\x01", json_string("v"));
    want = json_dumps(root, DUMP_FLAGS);

    sw_eve_writer_init(&w, 0);
    sw_eve_open_obj(&w, NULL);
    struct sw_eve_mark m = sw_eve_open_obj(&w, "first"); /* dropped as the first member: */
    sw_eve_close_drop_empty(&w, m);                      /* the next one takes no comma */
    sw_eve_put_bool(&w, "t", true);
    sw_eve_open_arr(&w, "a");
    sw_eve_put_i64(&w, NULL, 1);
    sw_eve_open_obj(&w, NULL);
    sw_eve_put_str(&w, "x", "y");
    sw_eve_put_str(&w, "absent", ""); /* empty values are left out */
    sw_eve_open_arr(&w, "in");
    sw_eve_open_arr(&w, NULL);
    sw_eve_close(&w);
    sw_eve_put_bool(&w, NULL, false);
    sw_eve_close(&w);
    sw_eve_close(&w);
    sw_eve_open_obj(&w, NULL);
    sw_eve_close(&w);
    sw_eve_close(&w);
    m = sw_eve_open_obj(&w, "dropped");
    sw_eve_close_drop_empty(&w, m); /* nothing in it: gone, comma included */
    m = sw_eve_open_obj(&w, "e");
    sw_eve_close(&w); /* closed plainly: {} stays */
    sw_eve_put_key(&w, "k\"\x01");
    sw_eve_put_str(&w, NULL, "v");
    m = sw_eve_open_obj(&w, "dropped2");
    sw_eve_close_drop_empty(&w, m);
    sw_eve_close(&w);
    assert_string_equal(text(&w), want);
    free(want);
    json_decref(root);
    sw_eve_writer_fini(&w);
}

/* A value that Jansson refused (not UTF-8) is left out of its array by put_str_valid. */
static void
str_valid_leaves_out_what_jansson_refused(void **state)
{
    struct sw_eve_writer w;

    (void)state;
    sw_eve_writer_init(&w, 0);
    sw_eve_open_arr(&w, NULL);
    sw_eve_put_str_valid(&w, NULL, "a");
    sw_eve_put_str_valid(&w, NULL, "\xff");
    sw_eve_put_str_valid(&w, NULL, "");
    sw_eve_put_str_valid(&w, NULL, NULL);
    sw_eve_close(&w);
    assert_string_equal(text(&w), "[\"a\",\"\"]");
    sw_eve_writer_fini(&w);
}

static void
too_deep_or_too_long_fails_cleanly(void **state)
{
    struct sw_eve_writer w;

    (void)state;
    sw_eve_writer_init(&w, 0);
    for (int i = 0; i <= SW_EVE_WRITER_DEPTH; i++)
        sw_eve_open_arr(&w, NULL);
    assert_true(w.failed);
    sw_eve_writer_fini(&w);

    sw_eve_writer_init(&w, 64);
    sw_eve_open_obj(&w, NULL);
    for (int i = 0; i < 10 && !w.failed; i++)
        sw_eve_put_str(&w, "k", "0123456789");
    assert_true(w.failed);
    assert_true(w.cap <= 64);
    sw_eve_close(&w); /* does nothing once failed */
    sw_eve_writer_reset(&w);
    assert_false(w.failed);
    sw_eve_writer_fini(&w);
}

/* Allocation failure: the first growth fails, the writer says so, nothing leaks (ASan). */
static void
allocation_failure_is_reported(void **state)
{
    struct sw_eve_writer w;

    (void)state;
    sw_eve_writer_init(&w, 0);
    sw_alloc_fail_at(1);
    sw_eve_open_obj(&w, NULL);
    sw_alloc_fail_at(0);
    assert_true(w.failed);
    sw_eve_put_str(&w, "k", "v");
    assert_int_equal(w.len, 0);
    sw_eve_writer_fini(&w);
    sw_eve_writer_fini(NULL);
}

static void
check_addr(int version, const uint8_t *a)
{
    char want[INET6_ADDRSTRLEN], got[SW_EVE_ADDR_MAX];
    size_t n;

    assert_non_null(inet_ntop(version == 6 ? AF_INET6 : AF_INET, a, want, sizeof(want)));
    n = sw_eve_addr_text(version, a, got);
    assert_string_equal(got, want);
    assert_int_equal(n, strlen(want));
}

/* Addresses as glibc's inet_ntop() writes them: zero runs (first longest, not single
 * words), IPv4-mapped and -compatible tails, ::, ::1, random words mostly zero. */
static void
addresses_match_inet_ntop(void **state)
{
    static const char *const v6[] = {"::",
                                     "::1",
                                     "::2",
                                     "::ffff:1.2.3.4",
                                     "::1.2.3.4",
                                     "::ffff:0:1.2.3.4",
                                     "1::",
                                     "1:0:0:2::3",
                                     "1::2:0:0:3",
                                     "0:1:0:1:0:1:0:1",
                                     "fe80::1:0:0:1",
                                     "2001:db8::ff00:42:8329",
                                     "::0.0.1.0",
                                     "::ffff:0.0.0.0",
                                     "64:ff9b::8.8.8.8"};
    uint64_t seed = 0x853c49e6748fea9bull;
    uint8_t a[16];

    (void)state;
    for (size_t i = 0; i < sizeof(v6) / sizeof(v6[0]); i++) {
        assert_int_equal(inet_pton(AF_INET6, v6[i], a), 1);
        check_addr(6, a);
    }
    for (int round = 0; round < 100000; round++) {
        for (int i = 0; i < 16; i += 2) {
            seed = seed * 6364136223846793005ull + 1442695040888963407ull;
            unsigned v = (unsigned)(seed >> 40);
            unsigned word = v % 3 == 0 ? 0 : v % 7 == 1 ? 0xffff : v % 5 == 2 ? v % 16 : v;

            a[i] = (uint8_t)(word >> 8);
            a[i + 1] = (uint8_t)word;
        }
        check_addr(6, a);
        check_addr(4, a + (round % 13));
    }
}

/* sw_eve_time formats dates itself: the same text as gmtime_r and strftime, from 1970 to
 * the 9999-12-31 clamp, around leap days and century years. */
static void
times_match_gmtime(void **state)
{
    uint64_t seed = 0x5851f42d4c957f2dull;
    static const uint64_t fixed[] = {0,          59,         86399,          86400,
                                     951782400,  951868799,  951868800,      4107542400,
                                     4107456000, 1764064812, 253402300799ull};

    (void)state;
    for (int i = 0; i < 300000; i++) {
        uint64_t secs;
        char want[64], got[32];
        struct tm tm;

        seed = seed * 6364136223846793005ull + 1442695040888963407ull;
        if (i < (int)(sizeof(fixed) / sizeof(fixed[0])))
            secs = fixed[i];
        else if (i % 3 == 0) /* three seconds in turn: the formatter's two-entry memory */
            secs = 1764064800 + (seed >> 20) % 3;
        else
            secs = (seed >> 11) % (i % 2 ? 253402300800ull : 4200000000ull);
        time_t t = (time_t)secs;
        unsigned us = (unsigned)((seed >> 3) % 1000000u);
        assert_non_null(gmtime_r(&t, &tm));
        size_t n = strftime(want, sizeof(want), "%Y-%m-%dT%H:%M:%S", &tm);
        snprintf(want + n, sizeof(want) - n, ".%06u+0000", us);
        sw_eve_time(secs * 1000000u + us, got, sizeof(got));
        assert_string_equal(got, want);
    }
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(every_control_byte_is_escaped_as_jansson_does),
        cmocka_unit_test(invalid_utf8_keeps_the_field_as_hex_escapes),
        cmocka_unit_test(long_invalid_text_is_cut_as_before),
        cmocka_unit_test(random_strings_match_jansson),
        cmocka_unit_test(numbers_match_jansson_at_the_limits),
        cmocka_unit_test(nesting_matches_jansson),
        cmocka_unit_test(str_valid_leaves_out_what_jansson_refused),
        cmocka_unit_test(too_deep_or_too_long_fails_cleanly),
        cmocka_unit_test(allocation_failure_is_reported),
        cmocka_unit_test(addresses_match_inet_ntop),
        cmocka_unit_test(times_match_gmtime),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
