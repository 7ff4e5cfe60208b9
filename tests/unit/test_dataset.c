/* test_dataset.c - Suricata-style dataset files (rules/dataset.c) and the IOC lists of files
 * built on them (rules/ioc.c): every type, comments and reputations, exact messages for bad
 * lines, duplicates, limits, an allocation-failure sweep; IOC alerts and their fields. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "file_test.h"
#include "sw/alloc.h"
#include "sw/dataset.h"
#include "sw/event.h"
#include "sw/ioc.h"

/* Collected diagnostics, one per line. */
static char g_msgs[8192];
static unsigned g_warnings;

static void
collect(void *ctx, bool warning, const char *msg)
{
    (void)ctx;
    g_warnings += warning;
    snprintf(g_msgs + strlen(g_msgs), sizeof(g_msgs) - strlen(g_msgs), "%s\n", msg);
}

static struct sw_dataset *
parse(enum sw_dataset_type t, const char *text, struct sw_dataset_stats *st)
{
    struct sw_err err;
    struct sw_dataset *d;

    g_msgs[0] = '\0';
    g_warnings = 0;
    d = sw_dataset_parse("list", t, text, strlen(text), collect, NULL, st, &err);
    assert_non_null(d);
    return d;
}

#define SHA_X "2d711642b726b04401627ca9fbac32f5c8530fb1903cc4db02258717921a4881" /* "x" */
#define SHA_Y "a1fce4363854ff888cff4b8e7875d600c2682390412a8cf79b37d0b11148b0fa" /* "y" */

static void
sha256_lines_comments_and_reputation(void **state)
{
    struct sw_dataset_stats st;
    struct sw_dataset_hit hit;
    uint8_t k[32];
    struct sw_dataset *d = parse(SW_DATASET_SHA256,
                                 "# a list\r\n"
                                 "\n"
                                 "  " SHA_X "   # dropper v2 \r\n"
                                 "A1FCE4363854FF888CFF4B8E7875D600C2682390412A8CF79B37D0B11148B0FA,90",
                                 &st);

    (void)state;
    assert_int_equal(st.items, 2);
    assert_int_equal(st.lines, 4);
    assert_int_equal(st.bad_lines, 0);
    assert_string_equal(g_msgs, "");
    assert_true(sw_dataset_unhex(SHA_X, 64, k));
    assert_true(sw_dataset_lookup(d, k, 32, &hit));
    assert_int_equal(hit.line, 3);
    assert_string_equal(hit.comment, "dropper v2");
    assert_false(hit.has_rep);
    assert_true(sw_dataset_unhex(SHA_Y, 64, k));
    assert_true(sw_dataset_lookup(d, k, 32, &hit));
    assert_int_equal(hit.line, 4); /* the last line has no newline */
    assert_null(hit.comment);
    assert_true(hit.has_rep);
    assert_int_equal(hit.rep, 90);
    k[0] ^= 1;
    assert_false(sw_dataset_lookup(d, k, 32, NULL));
    assert_false(sw_dataset_lookup(d, k, 31, NULL));
    sw_dataset_destroy(d);
}

static void
bad_lines_are_reported_with_their_line_numbers(void **state)
{
    struct sw_dataset_stats st;
    struct sw_dataset *d = parse(SW_DATASET_SHA256,
                                 SHA_X "\n"
                                 "nothex\n"
                                 SHA_X "0\n"
                                 "zz" SHA_X "\n"
                                 SHA_Y ",\n"
                                 SHA_Y ",65536\n"
                                 SHA_Y ",-1\n"
                                 SHA_Y "#glued\n"
                                 SHA_X "\n",
                                 &st);

    (void)state;
    assert_string_equal(g_msgs, "list:2: not a SHA-256 (64 hex digits)\n"
                                "list:3: not a SHA-256 (64 hex digits)\n"
                                "list:4: not a SHA-256 (64 hex digits)\n"
                                "list:5: bad reputation after ','\n"
                                "list:6: reputation is not a number from 0 to 65535\n"
                                "list:7: reputation is not a number from 0 to 65535\n"
                                "list:8: not a SHA-256 (64 hex digits)\n"
                                "list:9: warning: duplicate of line 1, ignored\n");
    assert_int_equal(st.bad_lines, 7);
    assert_int_equal(st.duplicates, 1);
    assert_int_equal(g_warnings, 1);
    assert_int_equal(st.items, 1);
    sw_dataset_destroy(d);
}

static void
md5_string_and_addresses(void **state)
{
    struct sw_dataset_stats st;
    uint8_t k[16];
    struct sw_dataset *d;

    (void)state;
    d = parse(SW_DATASET_MD5, "d41d8cd98f00b204e9800998ecf8427e\n" SHA_X "\n", &st);
    assert_int_equal(st.items, 1);
    assert_string_equal(g_msgs, "list:2: not an MD5 (32 hex digits)\n");
    assert_true(sw_dataset_unhex("d41d8cd98f00b204e9800998ecf8427e", 32, k));
    assert_true(sw_dataset_lookup(d, k, 16, NULL));
    sw_dataset_destroy(d);

    d = parse(SW_DATASET_STRING, "ZXZpbC5leGFtcGxl\nYQ==\nYWI=\nnot base64!\nYQ\n", &st);
    assert_int_equal(st.items, 3);
    assert_true(sw_dataset_lookup(d, "evil.example", 12, NULL));
    assert_true(sw_dataset_lookup(d, "a", 1, NULL));
    assert_true(sw_dataset_lookup(d, "ab", 2, NULL));
    assert_false(sw_dataset_lookup(d, "abc", 3, NULL));
    assert_string_equal(g_msgs, "list:4: not a base64 string (RFC 4648, padded)\n"
                                "list:5: not a base64 string (RFC 4648, padded)\n");
    sw_dataset_destroy(d);

    d = parse(SW_DATASET_IPV4, "192.0.2.1\n2001:db8::1\n10.0.0.1,5\n", &st);
    assert_int_equal(st.items, 2);
    assert_true(sw_dataset_lookup(d, (const uint8_t[]){192, 0, 2, 1}, 4, NULL));
    assert_string_equal(g_msgs, "list:2: not an IPv4 address\n");
    sw_dataset_destroy(d);

    d = parse(SW_DATASET_IP, "2001:db8::1\n192.0.2.7\n::ffff:192.0.2.7\nbogus\n", &st);
    assert_int_equal(st.items, 2); /* the IPv4 and its mapped form are one value */
    assert_int_equal(st.duplicates, 1);
    assert_true(sw_dataset_lookup(
        d, (const uint8_t[]){0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 192, 0, 2, 7}, 16, NULL));
    assert_true(sw_dataset_lookup(
        d, (const uint8_t[]){0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1}, 16,
        NULL));
    sw_dataset_destroy(d);
}

static void
type_names_round_trip(void **state)
{
    static const char *const names[] = {"md5", "sha256", "string", "ipv4", "ip"};
    enum sw_dataset_type t;

    (void)state;
    for (size_t i = 0; i < 5; i++) {
        assert_int_equal(sw_dataset_type_parse(names[i], &t), SW_OK);
        assert_string_equal(sw_dataset_type_name(t), names[i]);
    }
    assert_int_equal(sw_dataset_type_parse("ipv6", &t), SW_OK);
    assert_int_equal(t, SW_DATASET_IP);
    assert_int_equal(sw_dataset_type_parse("SHA256", &t), SW_EINVAL);
}

static void
empty_nul_overlong_and_control_characters(void **state)
{
    struct sw_dataset_stats st;
    struct sw_dataset *d;
    struct sw_err err;
    static char big[SW_DATASET_MAX_LINE + 80];
    static const char nul[] = SHA_X "\n" SHA_Y "\0x\n";

    (void)state;
    d = parse(SW_DATASET_SHA256, "", &st);
    assert_int_equal(st.items, 0);
    assert_int_equal(st.lines, 0);
    sw_dataset_destroy(d);
    g_msgs[0] = '\0';
    d = sw_dataset_parse("list", SW_DATASET_SHA256, nul, sizeof(nul) - 1, collect, NULL, &st,
                         &err);
    assert_non_null(d);
    assert_int_equal(st.items, 1);
    assert_string_equal(g_msgs, "list:2: NUL byte in the line\n");
    sw_dataset_destroy(d);
    memset(big, 'a', sizeof(big) - 1);
    big[sizeof(big) - 1] = '\0';
    d = parse(SW_DATASET_STRING, big, &st);
    assert_int_equal(st.bad_lines, 1);
    assert_string_equal(g_msgs, "list:1: line longer than 8192 bytes\n");
    sw_dataset_destroy(d);
    d = parse(SW_DATASET_SHA256, SHA_X " # bell\a\n" SHA_Y " # caf\xc3\xa9 \xff\n", &st);
    assert_int_equal(st.items, 1); /* bytes over 0x7f are kept: EVE escapes what is not UTF-8 */
    assert_string_equal(g_msgs, "list:1: control character in the comment\n");
    sw_dataset_destroy(d);
}

static void
load_refuses_what_is_not_a_readable_regular_file(void **state)
{
    struct sw_dataset_stats st;
    struct sw_err err;

    (void)state;
    assert_null(sw_dataset_load("/nonexistent/x.sha256", SW_DATASET_SHA256, NULL, NULL, &st,
                                &err));
    assert_int_equal(err.code, SW_EIO);
    assert_string_equal(err.msg, "/nonexistent/x.sha256: No such file or directory");
    assert_null(sw_dataset_load("/tmp", SW_DATASET_SHA256, NULL, NULL, &st, &err));
    assert_string_equal(err.msg, "/tmp: not a regular file");
}

static void
parse_survives_every_allocation_failure(void **state)
{
    static const char text[] = SHA_X "  # one\n" SHA_Y ",3\nbad\n" SHA_X "\n";

    (void)state;
    for (unsigned long n = 1; n < 40; n++) {
        struct sw_dataset_stats st;
        struct sw_err err;
        struct sw_dataset *d;

        sw_alloc_fail_at(n);
        d = sw_dataset_parse("list", SW_DATASET_SHA256, text, strlen(text), NULL, NULL, &st,
                             &err);
        sw_alloc_fail_at(0);
        if (d == NULL)
            assert_int_equal(err.code, SW_ENOMEM);
        else
            assert_int_equal(sw_dataset_count(d), 2);
        sw_dataset_destroy(d);
    }
}

static void
many_values_all_found(void **state)
{
    enum { N = 50000 };
    char *text = malloc((size_t)N * 66 + 1), *p = text;
    struct sw_dataset_stats st;
    struct sw_dataset *d;
    uint8_t k[32];

    (void)state;
    assert_non_null(text);
    for (unsigned i = 0; i < N; i++)
        p += snprintf(p, 66, "%056x%08x\n", 0u, i);
    d = parse(SW_DATASET_SHA256, text, &st);
    assert_int_equal(st.items, N);
    for (unsigned i = 0; i < N; i += 997) {
        char hex[65];

        snprintf(hex, sizeof(hex), "%056x%08x", 0u, i);
        assert_true(sw_dataset_unhex(hex, 64, k));
        assert_true(sw_dataset_lookup(d, k, 32, NULL));
    }
    sw_dataset_destroy(d);
    free(text);
}

/* --- IOC lists ---------------------------------------------------------------------------- */

#define MAX_EV 16
static struct sw_event *g_ev[MAX_EV];
static size_t g_nev;

static void
coll_emit(struct sw_emitter *em, struct sw_event *ev)
{
    (void)em;
    if (g_nev < MAX_EV)
        g_ev[g_nev++] = ev;
    else
        sw_event_destroy(ev);
}

static void
ioc_lists_load_and_raise_one_alert_per_list(void **state)
{
    char dir[] = "/tmp/sw-ioc-test.XXXXXX", p[128], cmd[160];
    struct sw_ioc_load_stats st;
    struct sw_err err;
    struct sw_ioc_set *s;
    struct sw_emitter em = {.emit = coll_emit};
    struct sw_file_part fi = {.path = "/srv/www/x.php", .size = 1, .sha256 = SHA_X,
                              .magic = "PHP script", .owner = "www-data", .mode = 0100644};

    (void)state;
    assert_non_null(mkdtemp(dir));
    snprintf(p, sizeof(p), "%s/sub", dir);
    assert_int_equal(mkdir(p, 0755), 0);
    snprintf(p, sizeof(p), "%s/malware.sha256", dir);
    test_put_file(p, "# vendor feed\n" SHA_X "  # webshell c99\n");
    snprintf(p, sizeof(p), "%s/sub/local.SHA256", dir);
    test_put_file(p, SHA_X ",40\nbad line\n");
    snprintf(p, sizeof(p), "%s/.hidden.sha256", dir);
    test_put_file(p, SHA_Y "\n");
    snprintf(p, sizeof(p), "%s/notes.txt", dir);
    test_put_file(p, SHA_Y "\n");
    g_msgs[0] = '\0';
    s = sw_ioc_load(dir, collect, NULL, &st, &err);
    assert_non_null(s);
    assert_int_equal(st.files, 2);
    assert_int_equal(st.files_failed, 1);
    assert_int_equal(st.hashes, 2);
    assert_int_equal(sw_ioc_count(s), 2);
    snprintf(p, sizeof(p), "%s/sub/local.SHA256:2: not a SHA-256 (64 hex digits)\n", dir);
    assert_string_equal(g_msgs, p);

    g_nev = 0;
    assert_int_equal(sw_ioc_check_file(s, &fi, 1000, &em, NULL), 2);
    assert_int_equal(g_nev, 2);
    const struct sw_alert *a = &g_ev[0]->u.alert;

    assert_int_equal(g_ev[0]->type, SW_EV_ALERT);
    assert_string_equal(a->detector, "ioc");
    assert_string_equal(a->signature, "seawall IOC malware.sha256: webshell c99");
    assert_int_equal(a->severity, 1);
    assert_true(a->signature_id >= SW_IOC_SID_BASE &&
                a->signature_id < SW_IOC_SID_BASE + SW_IOC_SID_SPAN);
    assert_string_equal(a->meta[0].key, "ioc_list");
    assert_string_equal(a->meta[0].value, "malware.sha256");
    assert_string_equal(a->meta[1].value, "2");
    assert_non_null(g_ev[0]->file);
    assert_string_equal(g_ev[0]->file->path, "/srv/www/x.php");
    assert_null(g_ev[0]->file->rule); /* no yara part */
    a = &g_ev[1]->u.alert;
    assert_string_equal(a->signature, "seawall IOC sub/local.SHA256: listed SHA-256");
    assert_string_equal(a->meta[2].key, "ioc_reputation");
    assert_string_equal(a->meta[2].value, "40");
    assert_int_not_equal(g_ev[0]->u.alert.signature_id, g_ev[1]->u.alert.signature_id);
    for (size_t i = 0; i < g_nev; i++)
        sw_event_destroy(g_ev[i]);
    g_nev = 0;
    /* Not listed, not hashed, upper case. */
    fi.sha256[0] = '3';
    assert_int_equal(sw_ioc_check_file(s, &fi, 1000, &em, NULL), 0);
    fi.sha256[0] = '\0';
    assert_int_equal(sw_ioc_check_file(s, &fi, 1000, &em, NULL), 0);
    snprintf(fi.sha256, sizeof(fi.sha256), "%s", SHA_Y);
    assert_int_equal(sw_ioc_check_file(s, &fi, 1000, &em, NULL), 0);
    assert_int_equal(sw_ioc_check_file(NULL, &fi, 1000, &em, NULL), 0);
    sw_ioc_destroy(s);

    /* A missing directory is an empty set. */
    snprintf(p, sizeof(p), "%s/none", dir);
    s = sw_ioc_load(p, collect, NULL, &st, &err);
    assert_non_null(s);
    assert_int_equal(sw_ioc_count(s), 0);
    sw_ioc_destroy(s);
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
    assert_int_equal(system(cmd), 0);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(sha256_lines_comments_and_reputation),
        cmocka_unit_test(bad_lines_are_reported_with_their_line_numbers),
        cmocka_unit_test(md5_string_and_addresses),
        cmocka_unit_test(type_names_round_trip),
        cmocka_unit_test(empty_nul_overlong_and_control_characters),
        cmocka_unit_test(load_refuses_what_is_not_a_readable_regular_file),
        cmocka_unit_test(parse_survives_every_allocation_failure),
        cmocka_unit_test(many_values_all_found),
        cmocka_unit_test(ioc_lists_load_and_raise_one_alert_per_list),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
