/* test_sig_byte.c - byte_test, byte_jump and byte_extract: sizes, endianness, string
 * numbers, operators and negation, bitmask, relative offsets, jumps (multiplier, align,
 * from_beginning, from_end, post_offset), variables used by later keywords, errors. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "sig_test.h"

#define MB(opts, s, n) udp_match(opts, s, n)

static void
byte_test_binary(void **state)
{
    (void)state;
    assert_true(MB("byte_test:2,=,258,0;", "\x01\x02", 2));
    assert_true(MB("byte_test:2,=,513,0,little;", "\x01\x02", 2));
    assert_true(MB("byte_test:1,>,5,1;", "a\x06", 2));
    assert_false(MB("byte_test:1,>,6,1;", "a\x06", 2));
    assert_true(MB("byte_test:1,<=,6,1;", "a\x06", 2));
    assert_true(MB("byte_test:1,&,2,0;", "\x06", 1));
    assert_false(MB("byte_test:1,&,1,0;", "\x06", 1));
    assert_true(MB("byte_test:1,!=,7,0;", "\x06", 1));
    assert_false(MB("byte_test:4,=,1,0;", "\x00\x00\x01", 3)); /* past the end */
}

static void
byte_test_string_and_bitmask(void **state)
{
    (void)state;
    assert_true(MB("byte_test:3,>,99,0,string,dec;", "123", 3));
    assert_true(MB("byte_test:2,=,255,0,string,hex;", "ff", 2));
    assert_true(MB("byte_test:3,=,8,0,string,oct;", "010", 3));
    assert_false(MB("byte_test:3,=,1,0,string,dec;", "abc", 3));
    /* mask 0xf0 then shifted by its trailing zeros: 0x35 -> 3 */
    assert_true(MB("byte_test:1,=,3,0,bitmask 0xf0;", "\x35", 1));
}

static void
byte_test_relative(void **state)
{
    (void)state;
    assert_true(MB("content:\"L\"; byte_test:1,=,9,0,relative;", "xL\x09", 3));
    assert_true(MB("content:\"L\"; byte_test:1,=,9,1,relative;", "xLa\x09", 4));
    assert_false(MB("content:\"L\"; byte_test:1,=,9,0,relative;", "x\x09L", 3));
}

static void
byte_jump_moves_the_position(void **state)
{
    (void)state;
    /* length byte 3, skip 3 bytes, then "OK" right there */
    assert_true(MB("byte_jump:1,0; content:\"OK\"; within:2;", "\x03" "abcOK", 6));
    assert_false(MB("byte_jump:1,0; content:\"OK\"; within:2;", "\x02" "abcOK", 6));
    /* multiplier and post_offset */
    assert_true(MB("byte_jump:1,0,multiplier 2,post_offset -1; content:\"Z\"; within:1;",
                   "\x02" "abcZ", 5));
    /* from_beginning: the value is an offset from the buffer start */
    assert_true(MB("byte_jump:1,0,from_beginning; content:\"Q\"; within:1;", "\x03" "abQ", 4));
    /* align rounds up to 4 */
    assert_true(MB("byte_jump:1,0,align; content:\"W\"; within:1;", "\x02" "xyzaW", 6));
    assert_false(MB("byte_jump:1,0; content:\"W\"; within:1;", "\x02" "xyzaW", 6));
    /* a jump past the end fails */
    assert_false(MB("byte_jump:1,0; content:\"A\";", "\x09" "A", 2));
}

static void
byte_extract_feeds_later_keywords(void **state)
{
    (void)state;
    assert_true(MB("byte_extract:1,0,len; content:\"X\"; offset:len;", "\x02" "aX", 3));
    assert_false(MB("byte_extract:1,0,len; content:\"X\"; offset:len;", "\x03" "aX", 3));
    assert_true(MB("byte_extract:1,0,n; byte_test:1,=,n,1;", "\x05\x05", 2));
    assert_false(MB("byte_extract:1,0,n; byte_test:1,=,n,1;", "\x05\x04", 2));
    assert_true(MB("byte_extract:1,0,n,relative; content:\"Y\"; distance:n; within:1;",
                   "\x02" "abY", 4));
    assert_true(MB("byte_extract:2,0,v,string,dec; isdataat:v;", "12" "0123456789123", 15));
}

static void
byte_errors(void **state)
{
    (void)state;
    tload("alert udp any any -> any any (byte_test:9,=,1,0; sid:1;)\n"
          "alert udp any any -> any any (byte_test:1,~,1,0; sid:2;)\n"
          "alert udp any any -> any any (byte_jump:1; sid:3;)\n"
          "alert udp any any -> any any (content:\"a\"; offset:nope; sid:4;)\n"
          "alert udp any any -> any any (byte_extract:1,0,v; byte_extract:1,1,v; sid:5;)\n"
          "alert udp any any -> any any (byte_test:1,=,1,0,dce; sid:6;)\n");
    assert_int_equal(T.st.failed, 5);
    assert_int_equal(T.st.left_out, 1);
    assert_string_equal(T.diag[0],
                        "t.rules:1: byte_test: 9 bytes: at most 8 (23 with string) (sid 1)");
    assert_non_null(strstr(T.diag[1], "byte_test: '~' is not an operator"));
    assert_non_null(strstr(T.diag[2], "byte_jump: needs at least 2"));
    assert_non_null(strstr(T.diag[3], "offset: 'nope' is neither a number nor a byte_extract"));
    assert_non_null(strstr(T.diag[4], "byte_extract: variable 'v' defined twice"));
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(byte_test_binary, sig_teardown),
        cmocka_unit_test_teardown(byte_test_string_and_bitmask, sig_teardown),
        cmocka_unit_test_teardown(byte_test_relative, sig_teardown),
        cmocka_unit_test_teardown(byte_jump_moves_the_position, sig_teardown),
        cmocka_unit_test_teardown(byte_extract_feeds_later_keywords, sig_teardown),
        cmocka_unit_test_teardown(byte_errors, sig_teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
