/* test_sig_pcre.c - the pcre keyword: Perl and Suricata flags, relative matching (R, the
 * subject starting at the previous match as in Suricata: ^ anchors there), negation, the
 * buffer flags of the legacy form, and compile errors naming the keyword; the compiled
 * patterns' cache (pcre2.cache in the rules cache directory). */
#include <setjmp.h>
#include <stdarg.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>
#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include "sig_test.h"

#define M(opts, s) udp_match(opts, s, strlen(s))

static void
perl_flags(void **state)
{
    (void)state;
    assert_true(M("pcre:\"/a.c/\";", "xabcx"));
    assert_false(M("pcre:\"/A.C/\";", "xabcx"));
    assert_true(M("pcre:\"/A.C/i\";", "xabcx"));
    assert_false(M("pcre:\"/a.c/\";", "a\nc"));
    assert_true(M("pcre:\"/a.c/s\";", "a\nc"));
    assert_true(M("pcre:\"/^c$/m\";", "ab\nc\nd"));
    assert_false(M("pcre:\"/^c$/\";", "ab\nc\nd"));
    assert_true(M("pcre:\"/a b c/x\";", "abc"));
}

static void
suricata_flags(void **state)
{
    (void)state;
    assert_false(M("pcre:\"/bc/A\";", "abc")); /* anchored */
    assert_true(M("pcre:\"/ab/A\";", "abc"));
    assert_false(M("pcre:\"/c$/E\";", "abc\n")); /* dollar only at the very end */
    assert_true(M("pcre:\"/c$/\";", "abc\n"));
    assert_true(M("pcre:\"/a.*c/G\";", "abcabc")); /* ungreedy still matches */
    assert_true(M("pcre:\"/abc/O\";", "abc"));
}

static void
relative_starts_after_the_previous_match(void **state)
{
    (void)state;
    assert_true(M("content:\"key=\"; pcre:\"/^[0-9]+/R\";", "key=123"));
    assert_false(M("content:\"key=\"; pcre:\"/^[0-9]+/R\";", "key=x123"));
    /* without R, ^ is the buffer start */
    assert_false(M("content:\"key=\"; pcre:\"/^[0-9]+/\";", "key=123"));
    /* a relative content after a pcre starts at the end of the pcre match */
    assert_true(M("pcre:\"/id=[0-9]+/\"; content:\"&x\"; within:2;", "id=42&x"));
    assert_false(M("pcre:\"/id=[0-9]+/\"; content:\"&x\"; within:2;", "id=42 &x"));
}

static void
negated_pcre(void **state)
{
    (void)state;
    assert_true(M("content:\"a\"; pcre:!\"/b+/\";", "acd"));
    assert_false(M("content:\"a\"; pcre:!\"/b+/\";", "abd"));
}

static void
buffer_flags_pick_the_buffer(void **state)
{
    struct sw_sig_input in;

    (void)state;
    tload("alert http any any -> any any (pcre:\"/\\/adm[i1]n/U\"; sid:1;)\n"
          "alert http any any -> any any (pcre:\"/^post$/Mi\"; sid:2;)\n"
          "alert http any any -> any any (pcre:\"/curl/V\"; sid:3;)\n"
          "alert http any any -> any any (pcre:\"/^20[0-9]/S\"; sid:4;)\n"
          "alert http any any -> any any (http.uri; content:\"/x\"; pcre:\"/x$/U\"; sid:5;)\n"
          "alert http any any -> any any (pcre:\"/a/D\"; sid:6;)\n");
    assert_int_equal(T.st.rules, 5);
    assert_int_equal(T.st.left_out, 1); /* D: http.header.raw */
    in = ttx("http", 6, 80, 0);
    tbuf(&in, 0, SW_SIG_BUF_HTTP_METHOD, "POST");
    tbuf(&in, 0, SW_SIG_BUF_HTTP_URI, "/adm1n/x");
    tbuf(&in, 0, SW_SIG_BUF_HTTP_USER_AGENT, "curl/8");
    tbuf(&in, 1, SW_SIG_BUF_HTTP_STAT_CODE, "204");
    assert_int_equal(trun(&in), 5);
}

static void
pcre_errors(void **state)
{
    (void)state;
    tload("alert udp any any -> any any (pcre:\"/a(b/\"; sid:1;)\n"
          "alert udp any any -> any any (pcre:\"abc\"; sid:2;)\n"
          "alert udp any any -> any any (pcre:\"/abc/q\"; sid:3;)\n"
          "alert udp any any -> any any (pcre:\"/(?P<pkt_x>a)/\"; sid:4;)\n");
    assert_int_equal(T.st.failed, 3);
    assert_int_equal(T.st.left_out, 1);
    assert_non_null(strstr(T.diag[0], "t.rules:1: pcre: /a(b/: missing closing parenthesis"));
    assert_string_equal(T.diag[1], "t.rules:2: pcre: expected \"/regex/flags\" (sid 2)");
    assert_string_equal(T.diag[2], "t.rules:3: pcre: unknown flag 'q' (sid 3)");
}

static void
quotes_inside_a_regex(void **state)
{
    (void)state;
    /* Suricata ends an option at the first unescaped ';': quotes inside do not matter */
    assert_true(M("content:\"method=\"; pcre:\"/^[\"']?post/Ri\";", "method='POST"));
}

static bool
jit_available(void)
{
    uint32_t jit = 0;

    return pcre2_config(PCRE2_CONFIG_JIT, &jit) >= 0 && jit == 1;
}

/* JIT compiling every pattern at load was a fifth of loading ET Open, and most patterns never
 * run: a thread compiles its own copy at the pattern's first evaluation, once. */
static void
patterns_compiled_at_first_use(void **state)
{
    struct sw_sig_counters c;
    struct sw_sig_input in;

    (void)state;
    tload("alert udp any any -> any any (content:\"a\"; pcre:\"/a[0-9]/\"; sid:1;)\n"
          "alert udp any any -> any any (content:\"b\"; pcre:\"/b[0-9]/\"; sid:2;)\n"
          "alert udp any any -> any any (content:\"c\"; pcre:\"/c[0-9]/\"; sid:3;)\n");
    assert_int_equal(T.st.rules, 3);
    sw_sig_thread_counters(T.thr, &c);
    assert_int_equal(c.pcre_compiled, 0);
    in = tpkt(17, "10.0.0.1", 40000, "192.0.2.1", 53, "xa1", 3);
    assert_int_equal(trun(&in), 1);
    in = tpkt(17, "10.0.0.1", 40000, "192.0.2.1", 53, "xa2 b", 5);
    assert_int_equal(trun(&in), 1);
    sw_sig_thread_counters(T.thr, &c);
    /* sid 1 twice, sid 2 once (no match): two patterns, each compiled once; sid 3 never ran */
    assert_int_equal(c.pcre_compiled, jit_available() ? 2 : 0);
    assert_int_equal(c.pcre_errors, 0);
}

/* --- the compiled patterns' cache ------------------------------------------------------- */

static char pdir[64], pfile[128], perr[128];

static const char prules[] =
    "alert udp any any -> any any (content:\"a\"; pcre:\"/a[0-9]+z/i\"; sid:1;)\n"
    "alert udp any any -> any any (content:\"b\"; pcre:\"/b[0-9]+z/\"; sid:2;)\n"
    "alert udp any any -> any any (content:\"q\"; pcre:\"/b[0-9]+z/\"; sid:3;)\n" /* same */
    "alert udp any any -> any any (content:\"c\"; pcre:\"/c(/\"; sid:4;)\n";     /* bad */

/* Load prules with the cache pdir, stderr into perr; the number of stderr lines that name
 * the cache file. */
static unsigned
pload(void)
{
    struct sw_sig_load_opts o = {.cache_dir = pdir, .report = t_report};
    struct sw_err err;
    int saved = dup(2), fd = open(perr, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    char line[512];
    unsigned n = 0;
    FILE *f;

    sig_teardown(NULL);
    assert_true(saved >= 0 && fd >= 0);
    fflush(stderr);
    dup2(fd, 2);
    close(fd);
    T.set = sw_sig_load_text("t.rules", prules, strlen(prules), &o, &T.st, &err);
    fflush(stderr);
    dup2(saved, 2);
    close(saved);
    if (T.set == NULL)
        fail_msg("load: %s", err.msg);
    T.thr = sw_sig_thread_create(T.set, &err);
    if (T.thr == NULL)
        fail_msg("thread: %s", err.msg);
    assert_int_equal(T.st.rules, 3);
    assert_int_equal(T.st.failed, 1); /* the bad pattern fails, cached or not */
    f = fopen(perr, "r");
    assert_non_null(f);
    while (fgets(line, sizeof(line), f) != NULL)
        if (strstr(line, "pcre2.cache") != NULL)
            n++;
    fclose(f);
    return n;
}

/* the loaded set matches as it should (decoded codes JIT-compiled by the thread) */
static void
pmatch(void)
{
    struct sw_sig_input in = tpkt(17, "10.0.0.1", 1, "192.0.2.1", 53, "xa12Z", 5);

    assert_int_equal(trun(&in), 1);
    assert_int_equal(T.sid[0], 1);
    in = tpkt(17, "10.0.0.1", 1, "192.0.2.1", 53, "q b7z", 5);
    assert_int_equal(trun(&in), 2);
    in = tpkt(17, "10.0.0.1", 1, "192.0.2.1", 53, "q b7Z", 5);
    assert_int_equal(trun(&in), 0);
}

static void
pcorrupt(long off, const char *bytes)
{
    FILE *f = fopen(pfile, "r+");

    assert_non_null(f);
    assert_int_equal(fseek(f, off, SEEK_SET), 0);
    fputs(bytes, f);
    fclose(f);
}

/* A warm load decodes the patterns instead of compiling them; a file that is truncated,
 * changed, of another PCRE2 or writable by others is refused with one line naming it, the
 * patterns are compiled and (but for the untrusted one) the file written again. */
static void
pattern_cache_reused_and_checked(void **state)
{
    struct stat st;

    (void)state;
    snprintf(pdir, sizeof(pdir), "/tmp/pcrecache.XXXXXX");
    assert_non_null(mkdtemp(pdir));
    snprintf(pfile, sizeof(pfile), "%s/pcre2.cache", pdir);
    snprintf(perr, sizeof(perr), "%s/stderr", pdir);
    assert_int_equal(pload(), 0);
    assert_int_equal(T.st.patterns_compiled, 3);
    assert_int_equal(T.st.patterns_cached, 0);
    assert_int_equal(stat(pfile, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);
    pmatch();
    assert_int_equal(pload(), 0);
    assert_int_equal(T.st.patterns_compiled, 0);
    assert_int_equal(T.st.patterns_cached, 3);
    pmatch();
    /* changed bytes (a pattern's text, near the end) */
    pcorrupt((long)st.st_size - 40, "garbage");
    assert_int_equal(pload(), 1);
    assert_int_equal(T.st.patterns_cached, 0);
    assert_int_equal(T.st.patterns_compiled, 3);
    pmatch();
    assert_int_equal(pload(), 0); /* written again */
    assert_int_equal(T.st.patterns_cached, 3);
    /* truncated */
    assert_int_equal(truncate(pfile, st.st_size / 2), 0);
    assert_int_equal(pload(), 1);
    assert_int_equal(T.st.patterns_cached, 0);
    pmatch();
    assert_int_equal(pload(), 0);
    assert_int_equal(T.st.patterns_cached, 3);
    /* of another PCRE2 version (the version line after the magic) */
    pcorrupt((long)strlen("seawall-pcre-cache 1\n"), "0");
    assert_int_equal(pload(), 1);
    assert_int_equal(T.st.patterns_cached, 0);
    pmatch();
    assert_int_equal(pload(), 0);
    assert_int_equal(T.st.patterns_cached, 3);
    /* writable by its group: refused, not rewritten */
    assert_int_equal(chmod(pfile, 0660), 0);
    assert_int_equal(pload(), 1);
    assert_int_equal(T.st.patterns_cached, 0);
    pmatch();
    sig_teardown(NULL);
    {
        char cmd[128];

        snprintf(cmd, sizeof(cmd), "rm -rf %s", pdir);
        assert_int_equal(system(cmd), 0);
    }
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(perl_flags, sig_teardown),
        cmocka_unit_test_teardown(suricata_flags, sig_teardown),
        cmocka_unit_test_teardown(relative_starts_after_the_previous_match, sig_teardown),
        cmocka_unit_test_teardown(negated_pcre, sig_teardown),
        cmocka_unit_test_teardown(buffer_flags_pick_the_buffer, sig_teardown),
        cmocka_unit_test_teardown(pcre_errors, sig_teardown),
        cmocka_unit_test_teardown(quotes_inside_a_regex, sig_teardown),
        cmocka_unit_test_teardown(patterns_compiled_at_first_use, sig_teardown),
        cmocka_unit_test_teardown(pattern_cache_reused_and_checked, sig_teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
