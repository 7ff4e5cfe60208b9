/* test_sig_content.c - content and its modifiers, isdataat, bsize, dotprefix, hex and
 * escapes, negation, and Suricata's search-again semantics of relative matches. Each case
 * loads one UDP rule and says whether a payload matches (sig_test.h). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "sig_test.h"

#define M(opts, s) udp_match(opts, s, strlen(s))

static void
content_plain_is_case_sensitive(void **state)
{
    (void)state;
    assert_true(M("content:\"abc\";", "xxabcxx"));
    assert_false(M("content:\"abc\";", "xxABCxx"));
}

static void
nocase_folds_both_sides(void **state)
{
    (void)state;
    assert_true(M("content:\"aBc\"; nocase;", "xxABCxx"));
    assert_true(M("content:\"ABC\"; nocase;", "xxabcxx"));
    assert_false(M("content:\"abd\"; nocase;", "xxabcxx"));
}

static void
hex_and_escapes_are_bytes(void **state)
{
    (void)state;
    assert_true(udp_match("content:\"a|00 ff|b\";", "a\0\xff" "b", 4));
    assert_true(M("content:\"a\\;b\\\"c\\\\d\";", "a;b\"c\\d"));
    assert_true(M("content:\"|41 42|C\";", "zABCz"));
    assert_false(M("content:\"|41 42|C\";", "zABcz"));
}

static void
depth_counts_from_offset(void **state)
{
    (void)state;
    /* depth 3 after offset 2: the pattern must lie within bytes 2..4 */
    assert_true(M("content:\"cde\"; offset:2; depth:3;", "abcdefg"));
    assert_false(M("content:\"def\"; offset:2; depth:3;", "abcdefg"));
    assert_false(M("content:\"abc\"; offset:1;", "abcdefg"));
    assert_true(M("content:\"abc\"; depth:3;", "abcdefg"));
    assert_false(M("content:\"bcd\"; depth:3;", "abcdefg"));
}

static void
distance_and_within_from_previous_match(void **state)
{
    (void)state;
    assert_true(M("content:\"ab\"; content:\"ef\"; distance:2;", "abcdefg"));
    assert_false(M("content:\"ab\"; content:\"ef\"; distance:3;", "abcdefg"));
    assert_true(M("content:\"ab\"; content:\"cd\"; within:2;", "abcdefg"));
    assert_false(M("content:\"ab\"; content:\"de\"; within:2;", "abcdefg"));
    /* within counts from where distance puts the search */
    assert_true(M("content:\"ab\"; content:\"de\"; distance:1; within:2;", "abcdefg"));
    /* negative distance looks back */
    assert_true(M("content:\"cd\"; content:\"bc\"; distance:-3; within:2;", "abcdefg"));
}

static void
relative_failure_retries_the_previous_content(void **state)
{
    (void)state;
    /* the first "a" is not followed by "b" within 1: the second one is */
    assert_true(M("content:\"a\"; content:\"b\"; within:1;", "axxxab"));
    /* a chain of three, only the last occurrence completes it */
    assert_true(M("content:\"k=\"; content:\"1\"; within:1; content:\"2\"; within:1;",
                  "k=1x k=13 k=12"));
}

static void
startswith_and_endswith(void **state)
{
    (void)state;
    assert_true(M("content:\"GET\"; startswith;", "GET /"));
    assert_false(M("content:\"GET\"; startswith;", " GET /"));
    assert_true(M("content:\".exe\"; endswith;", "a.exe.exe"));
    assert_false(M("content:\".exe\"; endswith;", "a.exe "));
    assert_true(M("content:\"abc\"; startswith; endswith;", "abc"));
}

static void
negated_content(void **state)
{
    (void)state;
    assert_true(M("content:\"abc\"; content:!\"xyz\";", "abc"));
    assert_false(M("content:\"abc\"; content:!\"xyz\";", "abcxyz"));
    /* negated and relative: not right after */
    assert_true(M("content:\"abc\"; content:!\"x\"; within:1;", "abcyx"));
    assert_false(M("content:\"abc\"; content:!\"y\"; within:1;", "abcyx"));
}

static void
isdataat_absolute_relative_negated(void **state)
{
    (void)state;
    assert_true(M("content:\"a\"; isdataat:4;", "abcde"));
    assert_false(M("content:\"a\"; isdataat:5;", "abcde"));
    assert_true(M("content:\"c\"; isdataat:2,relative;", "abcde"));
    assert_false(M("content:\"c\"; isdataat:3,relative;", "abcde"));
    assert_true(M("content:\"e\"; isdataat:!1,relative;", "abcde"));
    assert_false(M("content:\"d\"; isdataat:!1,relative;", "abcde"));
}

static void
fast_pattern_choice_follows_suricata(void **state)
{
    (void)state;
    /* with fast_pattern on the short one, a payload without the long one is a candidate,
     * evaluated in full, and rejected: the rule still needs both */
    assert_false(M("content:\"longer-pattern\"; content:\"ab\"; fast_pattern;", "ab"));
    assert_true(M("content:\"longer-pattern\"; content:\"ab\"; fast_pattern;",
                  "ab longer-pattern"));
    /* fast_pattern:only and chop forms load */
    assert_true(M("content:\"abcdef\"; fast_pattern:2,3;", "xabcdefx"));
    assert_true(M("content:\"abcdef\"; fast_pattern:only;", "xabcdefx"));
    /* a rule with only negated content has no pattern and runs always */
    assert_true(M("content:!\"zzz\";", "abc"));
    assert_int_equal(T.st.always_run, 1);
}

static void
dsize_checks_the_payload_length(void **state)
{
    (void)state;
    assert_true(M("dsize:5;", "abcde"));
    assert_false(M("dsize:>5;", "abcde"));
    assert_true(M("dsize:3<>6;", "abcde"));
    assert_false(M("dsize:5<>7;", "abcde"));
    assert_true(M("dsize:!4;", "abcde"));
    assert_true(M("dsize:<=5; content:\"b\";", "abcde"));
}

static void
bsize_and_dotprefix_on_sticky_buffers(void **state)
{
    struct sw_sig_input in;

    (void)state;
    tload("alert dns any any -> any any (dns.query; bsize:11; content:\"example\"; sid:1;)\n"
          "alert dns any any -> any any (dns.query; dotprefix; content:\".evil.com\"; endswith; "
          "sid:2;)\n");
    assert_int_equal(T.st.rules, 2);
    in = ttx("dns", 17, 53, 0);
    tbuf(&in, 0, SW_SIG_BUF_DNS_QUERY, "example.com");
    assert_int_equal(trun(&in), 1);
    assert_int_equal(T.sid[0], 1);
    in = ttx("dns", 17, 53, 1);
    tbuf(&in, 0, SW_SIG_BUF_DNS_QUERY, "evil.com"); /* the dot makes "evil.com" itself match */
    assert_int_equal(trun(&in), 1);
    assert_int_equal(T.sid[0], 2);
    in = ttx("dns", 17, 53, 2);
    tbuf(&in, 0, SW_SIG_BUF_DNS_QUERY, "notevil.com");
    assert_int_equal(trun(&in), 0);
    in = ttx("dns", 17, 53, 3);
    tbuf(&in, 0, SW_SIG_BUF_DNS_QUERY, "a.b.evil.com");
    assert_int_equal(trun(&in), 1);
}

static void
content_errors_name_the_keyword(void **state)
{
    (void)state;
    tload("alert udp any any -> any any (content:\"ab|4\"; sid:1;)\n"
          "alert udp any any -> any any (content:\"ab\"; depth:1; sid:2;)\n"
          "alert udp any any -> any any (nocase; sid:3;)\n"
          "alert udp any any -> any any (content:\"a\"; offset:1; distance:1; sid:4;)\n"
          "alert udp any any -> any any (content:abc; sid:5;)\n");
    assert_int_equal(T.st.failed, 5);
    assert_int_equal(T.st.rules, 0);
    assert_string_equal(T.diag[0], "t.rules:1: content: a '|' hex part is not closed (sid 1)");
    assert_string_equal(T.diag[1],
                        "t.rules:2: depth: 1 is shorter than the pattern (2 bytes) (sid 2)");
    assert_string_equal(T.diag[2], "t.rules:3: nocase: no content before it (sid 3)");
    assert_non_null(strstr(T.diag[3], "t.rules:4: distance: "));
    assert_string_equal(T.diag[4],
                        "t.rules:5: content: the pattern must be in double quotes (sid 5)");
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(content_plain_is_case_sensitive, sig_teardown),
        cmocka_unit_test_teardown(nocase_folds_both_sides, sig_teardown),
        cmocka_unit_test_teardown(hex_and_escapes_are_bytes, sig_teardown),
        cmocka_unit_test_teardown(depth_counts_from_offset, sig_teardown),
        cmocka_unit_test_teardown(distance_and_within_from_previous_match, sig_teardown),
        cmocka_unit_test_teardown(relative_failure_retries_the_previous_content, sig_teardown),
        cmocka_unit_test_teardown(startswith_and_endswith, sig_teardown),
        cmocka_unit_test_teardown(negated_content, sig_teardown),
        cmocka_unit_test_teardown(isdataat_absolute_relative_negated, sig_teardown),
        cmocka_unit_test_teardown(fast_pattern_choice_follows_suricata, sig_teardown),
        cmocka_unit_test_teardown(dsize_checks_the_payload_length, sig_teardown),
        cmocka_unit_test_teardown(bsize_and_dotprefix_on_sticky_buffers, sig_teardown),
        cmocka_unit_test_teardown(content_errors_name_the_keyword, sig_teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
