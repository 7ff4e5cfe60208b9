/* test_sig_load.c - loading a folder of rule files, which rules/sig_load_mt.c parses on two
 * threads: rules, their evaluation order, messages and their order, counts, flowbit names and
 * pcre pattern ids must be what loading the files one by one gives, whatever thread parsed
 * which file. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>

#include <cmocka.h>

#include "sig_test.h"

#define NFILES 9

static char g_dir[64];

/* Every message of a load, in order. */
struct msgs {
    char text[64][300];
    enum sw_sig_diag kind[64];
    unsigned n;
};

static void
m_report(void *ctx, enum sw_sig_diag kind, const char *msg)
{
    struct msgs *m = ctx;

    if (m->n < 64) {
        snprintf(m->text[m->n], sizeof(m->text[0]), "%s", msg);
        m->kind[m->n] = kind;
    }
    m->n++;
}

static void
wfile(const char *name, const char *text)
{
    char path[160];
    FILE *fp;

    snprintf(path, sizeof(path), "%s/%s", g_dir, name);
    fp = fopen(path, "w");
    assert_non_null(fp);
    fputs(text, fp);
    fclose(fp);
}

/* File k: sizes that differ (so the two threads take files out of order), a pcre of its own
 * (/kK\b/), a flowbit s_K set in even files and read in every file, a rule left out and one
 * that fails; file 4 loads a dataset (parsed by the loading thread itself), file 5 repeats
 * the sid of file 2's pcre rule. */
static void
write_set(void)
{
    for (int k = 0; k < NFILES; k++) {
        char name[32], text[4096], pad[256];
        int n = 0;

        memset(pad, 'x', sizeof(pad));
        pad[(k * 53) % 200] = '\0';
        n += snprintf(text + n, sizeof(text) - (size_t)n, "# %s\n", pad);
        n += snprintf(text + n, sizeof(text) - (size_t)n,
                      "alert udp any any -> any any (msg:\"pcre %d\"; content:\"PING\"; "
                      "pcre:\"/k%d\\b/\"; sid:%d;)\n",
                      k, k, 100 + k);
        if (k % 2 == 0)
            n += snprintf(text + n, sizeof(text) - (size_t)n,
                          "alert udp any any -> any any (msg:\"set %d\"; content:\"FB\"; "
                          "flowbits:set,s_%d; flowbits:noalert; sid:%d;)\n",
                          k, k, 300 + k);
        n += snprintf(text + n, sizeof(text) - (size_t)n,
                      "alert udp any any -> any any (msg:\"lo %d\"; urilen:%d; sid:%d;)\n"
                      "alert udp any any -> any any (msg:\"read %d\"; content:\"FB\"; "
                      "flowbits:isset,s_%d; sid:%d;)\n"
                      "alert udp any any -> any any (msg:\"bad %d\"; content:\"x\"; "
                      "depth:%dx; sid:%d;)\n",
                      k, k + 1, 600 + k, k, k, 200 + k, k, k, 700 + k);
        if (k == 4)
            n += snprintf(text + n, sizeof(text) - (size_t)n,
                          "alert dns any any -> any any (msg:\"ds\"; dns.query; "
                          "dataset:isset,dsx,type string,load ds.lst; sid:500;)\n"
                          "alert udp any any -> any any (msg:\"after ds\"; urilen:1; "
                          "sid:501;)\n");
        if (k == 5)
            n += snprintf(text + n, sizeof(text) - (size_t)n,
                          "alert udp any any -> any any (msg:\"dup\"; content:\"y\"; "
                          "sid:102;)\n");
        assert_true(n < (int)sizeof(text));
        snprintf(name, sizeof(name), "f%02d.rules", k);
        wfile(name, text);
    }
    wfile("ds.lst", "ZXZpbC5leGFtcGxl\n");
}

static int
setup_dir(void **state)
{
    (void)state;
    snprintf(g_dir, sizeof(g_dir), "/tmp/test_sig_load.XXXXXX");
    return mkdtemp(g_dir) != NULL ? 0 : -1;
}

static int
teardown_dir(void **state)
{
    char path[160];

    sig_teardown(state);
    for (int k = 0; k < NFILES; k++) {
        snprintf(path, sizeof(path), "%s/f%02d.rules", g_dir, k);
        unlink(path);
    }
    snprintf(path, sizeof(path), "%s/ds.lst", g_dir);
    unlink(path);
    rmdir(g_dir);
    return 0;
}

static struct sw_sig_set *
load(const char *path, struct msgs *m, struct sw_sig_load_stats *st)
{
    struct sw_sig_load_opts o = {.path = path, .report = m_report, .ctx = m};
    struct sw_err err;
    struct sw_sig_set *s;

    memset(m, 0, sizeof(*m));
    s = sw_sig_load(&o, st, &err);
    if (s == NULL)
        fail_msg("load %s: %s", path, err.msg);
    return s;
}

static void
folder_loads_as_its_files_one_by_one(void **state)
{
    static struct msgs ref, m, again;
    struct sw_sig_load_stats rst, st, st2;
    size_t rules = 0, left_out = 0, failed = 0;
    struct sw_sig_input in;
    struct sw_err err;

    (void)state;
    write_set();
    /* the reference: each file loaded alone (one thread), messages in file order */
    memset(&ref, 0, sizeof(ref));
    for (int k = 0; k < NFILES; k++) {
        char path[160];
        struct msgs one;
        struct sw_sig_set *s;

        snprintf(path, sizeof(path), "%s/f%02d.rules", g_dir, k);
        s = load(path, &one, &rst);
        for (unsigned i = 0; i < one.n && ref.n < 64; i++) {
            memcpy(ref.text[ref.n], one.text[i], sizeof(one.text[0]));
            ref.kind[ref.n++] = one.kind[i];
        }
        rules += rst.rules;
        left_out += rst.left_out;
        failed += rst.failed;
        sw_sig_set_destroy(s);
    }
    assert_true(ref.n < 60);
    T.set = load(g_dir, &m, &st);
    /* every file's messages in file order, then the duplicate sid found across files */
    assert_int_equal(m.n, ref.n + 1);
    for (unsigned i = 0; i < ref.n; i++) {
        assert_string_equal(m.text[i], ref.text[i]);
        assert_int_equal(m.kind[i], ref.kind[i]);
    }
    assert_non_null(strstr(m.text[ref.n], "f05.rules:"));
    assert_non_null(strstr(m.text[ref.n], "sid: 1:102 already loaded from"));
    assert_non_null(strstr(m.text[ref.n], "f02.rules:2"));
    assert_int_equal(st.files, NFILES);
    assert_int_equal(st.rules, rules - 1);
    assert_int_equal(st.left_out, left_out);
    assert_int_equal(st.failed, failed + 1);
    assert_int_equal(st.n_top, 1);
    assert_string_equal(st.top[0].keyword, "urilen");
    assert_int_equal(st.top[0].rules, NFILES + 1);
    /* the same again: nothing depends on which thread took which file */
    sw_sig_set_destroy(load(g_dir, &again, &st2));
    assert_int_equal(again.n, m.n);
    for (unsigned i = 0; i < m.n; i++)
        assert_string_equal(again.text[i], m.text[i]);

    T.thr = sw_sig_thread_create(T.set, &err);
    assert_non_null(T.thr);
    /* each file's pattern is its own (ids of files parsed apart do not collide) */
    for (int k = 0; k < NFILES; k++) {
        char pay[16];

        snprintf(pay, sizeof(pay), "PING k%d", k);
        in = tpkt(17, "10.0.0.1", 40000, "192.0.2.1", 53, pay, strlen(pay));
        assert_int_equal(trun(&in), 1);
        assert_int_equal(T.sid[0], 100 + k);
    }
    /* flowbit s_K is one bit across files, set only by even files; the readers alert in load
     * order */
    in = tpkt(17, "10.0.0.1", 40000, "192.0.2.1", 53, "FB", 2);
    assert_int_equal(trun(&in), 5);
    for (unsigned i = 0; i < 5; i++)
        assert_int_equal(T.sid[i], 200 + 2 * i);
}

/* The evaluation order: priority, then gid:sid whatever the load order (the order alerts of
 * one packet come in; sids that differ in more than one 11-bit digit of the radix sort). Without duplicate sids finish_set sorts on keys made once; with one it
 * goes through dedupe's sort: both give this order. */
static void
ties_in_evaluation_order_go_by_gid_and_sid(void **state)
{
    static const char *const dup[] = {"", "alert udp any any -> any any (content:\"Q\"; sid:4194305;)\n"};

    (void)state;
    for (int d = 0; d < 2; d++) {
        char text[1024];

        snprintf(text, sizeof(text),
                 "alert udp any any -> any any (msg:\"c\"; content:\"Z\"; sid:4194305;)\n"
                 "alert udp any any -> any any (msg:\"g\"; content:\"Z\"; gid:2; sid:1;)\n"
                 "alert udp any any -> any any (msg:\"a\"; content:\"Z\"; sid:4096;)\n"
                 "alert udp any any -> any any (msg:\"p\"; content:\"Z\"; priority:1; sid:5000000;)\n"
                 "alert udp any any -> any any (msg:\"b\"; content:\"Z\"; sid:2049;)\n%s",
                 dup[d]);
        tload(text);
        assert_int_equal(T.st.rules, 5);
        assert_int_equal(T.st.failed, (size_t)d);
        assert_int_equal(tpay(17, "Z"), 5);
        assert_int_equal(T.sid[0], 5000000);
        assert_int_equal(T.sid[1], 2049);
        assert_int_equal(T.sid[2], 4096);
        assert_int_equal(T.sid[3], 4194305);
        assert_int_equal(T.sid[4], 1);
    }
}

/* A set parsed on two threads is freed on two (sw_sig_set_destroy, from 1024 rules of the
 * second thread): under ASan nothing is left or freed twice. */
static void
large_folder_is_freed_whole(void **state)
{
    static struct msgs m;
    struct sw_sig_load_stats st;
    struct sw_sig_set *s;

    (void)state;
    for (int k = 0; k < 2; k++) {
        static char text[3000 * 120];
        char name[32];
        size_t n = 0;

        for (int i = 0; i < 3000; i++)
            n += (size_t)snprintf(text + n, sizeof(text) - n,
                                  "alert udp any any -> any any (msg:\"r\"; content:\"R%d\"; "
                                  "pcre:\"/R%d$/\"; metadata:a b, c d; sid:%d;)\n",
                                  i, i, 10000 * (k + 1) + i);
        snprintf(name, sizeof(name), "f%02d.rules", k);
        wfile(name, text);
    }
    s = load(g_dir, &m, &st);
    assert_int_equal(st.rules, 6000);
    assert_int_equal(m.n, 0);
    sw_sig_set_destroy(s);
}

/* A file of the folder without a rule (comments only) gives the set no file name to borrow:
 * merging its empty list of names is nothing (it was a memcpy from NULL, which UBSan
 * reports and the sanitizer build aborts on). */
static void
file_without_rules_in_a_folder(void **state)
{
    static struct msgs m;
    struct sw_sig_load_stats st;

    (void)state;
    wfile("f00.rules", "# nothing here\n");
    wfile("f01.rules", "alert udp any any -> any any (msg:\"one\"; content:\"ONE\"; sid:1;)\n");
    T.set = load(g_dir, &m, &st);
    assert_int_equal(st.files, 2);
    assert_int_equal(st.rules, 1);
    assert_int_equal(m.n, 0);
}

/* A content pattern longer than sig_kw_content's stack buffer (256 bytes) is read whole. */
static void
long_content_is_read_whole(void **state)
{
    char opts[700], pay[400];

    (void)state;
    memset(pay, 'A', sizeof(pay));
    snprintf(opts, sizeof(opts), "content:\"%.299s|42|\";", pay);
    pay[299] = 'B';
    assert_true(udp_match(opts, pay, 300));
    pay[299] = 'A';
    assert_false(udp_match(opts, pay, 300));
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(folder_loads_as_its_files_one_by_one, setup_dir,
                                        teardown_dir),
        cmocka_unit_test_teardown(ties_in_evaluation_order_go_by_gid_and_sid, sig_teardown),
        cmocka_unit_test_setup_teardown(large_folder_is_freed_whole, setup_dir, teardown_dir),
        cmocka_unit_test_setup_teardown(file_without_rules_in_a_folder, setup_dir,
                                        teardown_dir),
        cmocka_unit_test_teardown(long_content_is_read_whole, sig_teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
