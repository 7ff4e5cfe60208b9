/* test_rule_prof.c - per-rule profiling (issue 14): the table that adds up rows
 * (agent/util/rule_prof.c), the rule_profile event's EVE object (output/eve_prof.c), the
 * detection stage's profile hook over the Suricata-rule matcher (rules/detect.c,
 * rules/det_sigs.c, rules/sig_profile.c), rows kept across a reload, and a YARA scanner's
 * rows (rules/yara_prof.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "file_test.h"
#include "fakes/fakes.h"
#include "sw/alloc.h"
#include "sw/config.h"
#include "sw/detect.h"
#include "sw/eve.h"
#include "sw/event.h"
#include "sw/rule_prof.h"
#include "sw/yara.h"

static struct sw_rule_prof_row
sig_row(uint32_t sid, uint64_t checks, uint64_t matches, uint64_t ns)
{
    struct sw_rule_prof_row r;

    memset(&r, 0, sizeof(r));
    r.language = "suricata";
    r.gid = 1;
    r.sid = sid;
    r.rev = 1;
    snprintf(r.msg, sizeof(r.msg), "rule %u", sid);
    r.checks = checks;
    r.matches = matches;
    r.ns = ns;
    r.timed = true;
    return r;
}

static struct sw_rule_prof_row
yara_row(const char *name, uint64_t checks, uint64_t matches)
{
    struct sw_rule_prof_row r;

    memset(&r, 0, sizeof(r));
    r.language = "yara";
    r.gid = 1;
    r.sid = 3000000001u;
    snprintf(r.name, sizeof(r.name), "%s", name);
    r.checks = checks;
    r.matches = matches;
    return r;
}

/* --- the table ----------------------------------------------------------------------------- */

static void
rows_of_one_rule_add_up_across_threads(void **state)
{
    struct sw_rule_prof *a = sw_rule_prof_create(), *b = sw_rule_prof_create();
    struct sw_rule_prof_row r;
    const struct sw_rule_prof_row *g;

    (void)state;
    assert_non_null(a);
    assert_non_null(b);
    r = sig_row(7, 2, 1, 300);
    assert_int_equal(sw_rule_prof_add(a, &r), SW_OK);
    r = sig_row(8, 5, 0, 100);
    assert_int_equal(sw_rule_prof_add(a, &r), SW_OK);
    sw_rule_prof_thread(a);
    r = sig_row(7, 3, 2, 700);
    r.rev = 2;
    assert_int_equal(sw_rule_prof_add(b, &r), SW_OK);
    sw_rule_prof_thread(b);
    sw_rule_prof_merge(a, b);
    assert_int_equal(sw_rule_prof_count(a), 2);
    assert_int_equal(sw_rule_prof_threads(a), 2);
    sw_rule_prof_sort(a);
    g = sw_rule_prof_get(a, 0);
    assert_int_equal(g->sid, 7);
    assert_int_equal(g->checks, 5);
    assert_int_equal(g->matches, 3);
    assert_int_equal(g->ns, 1000);
    assert_int_equal(g->rev, 2);
    assert_int_equal(sw_rule_prof_language_ns(a, "suricata"), 1100);
    /* adding after a sort still finds the rule's row (the index is rebuilt) */
    r = sig_row(8, 1, 1, 1);
    assert_int_equal(sw_rule_prof_add(a, &r), SW_OK);
    assert_int_equal(sw_rule_prof_count(a), 2);
    sw_rule_prof_destroy(a);
    sw_rule_prof_destroy(b);
}

static void
sorted_worst_first_untimed_after_totals_last(void **state)
{
    struct sw_rule_prof *p = sw_rule_prof_create();
    struct sw_rule_prof_row rows[5];

    (void)state;
    rows[0] = yara_row("a.yar:few", 10, 1);
    rows[1] = sig_row(1, 100, 0, 50);
    rows[2] = sig_row(2, 1, 1, 5000); /* fewer checks, more time: worse */
    rows[3] = yara_row("", 10, 1);
    rows[3].total = true;
    rows[3].timed = true;
    rows[3].ns = 999999;
    rows[4] = yara_row("b.yar:many", 10, 4);
    for (size_t i = 0; i < 5; i++)
        sw_rule_prof_add_cb(p, &rows[i]);
    sw_rule_prof_sort(p);
    assert_int_equal(sw_rule_prof_get(p, 0)->sid, 2);
    assert_int_equal(sw_rule_prof_get(p, 1)->sid, 1);
    assert_string_equal(sw_rule_prof_get(p, 2)->name, "b.yar:many");
    assert_string_equal(sw_rule_prof_get(p, 3)->name, "a.yar:few");
    assert_true(sw_rule_prof_get(p, 4)->total);
    assert_null(sw_rule_prof_get(p, 5));
    sw_rule_prof_destroy(p);
}

/* The table printed to a memory stream. */
static char *
printed(const struct sw_rule_prof *p, size_t limit)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *fp = open_memstream(&buf, &len);

    assert_non_null(fp);
    sw_rule_prof_print(p, limit, fp);
    fclose(fp);
    return buf;
}

static void
table_lists_the_worst_first_and_says_what_is_not_timed(void **state)
{
    struct sw_rule_prof *p = sw_rule_prof_create();
    struct sw_rule_prof_row r;
    char *t;

    (void)state;
    r = sig_row(2100001, 4, 1, 8000);
    sw_rule_prof_add_cb(p, &r);
    r = sig_row(2100002, 4, 0, 2000);
    sw_rule_prof_add_cb(p, &r);
    r = yara_row("web.yar:shell", 3, 1);
    sw_rule_prof_add_cb(p, &r);
    r = yara_row("", 3, 1);
    r.total = true;
    r.timed = true;
    r.ns = 1500000;
    sw_rule_prof_add_cb(p, &r);
    sw_rule_prof_thread(p);
    sw_rule_prof_sort(p);
    t = printed(p, 0);
    assert_non_null(strstr(t, "rule profile: 3 rules checked, 2 matched, 1 thread; worst first\n"));
    /* 8000 of 10000 ns: 80 %, 2000 ns per check; the YARA rule has no time of its own */
    assert_non_null(strstr(t, "1:2100001"));
    assert_non_null(strstr(t, "0.008       2000    80.0  rule 2100001"));
    assert_true(strstr(t, "1:2100001") < strstr(t, "1:2100002"));
    assert_non_null(strstr(t, "web.yar:shell"));
    assert_non_null(strstr(t, "yara: 3 scans, 1 with a match, 1.500 ms in all"));
    assert_non_null(strstr(t, "note: per-rule YARA time is not measured"));
    free(t);
    t = printed(p, 1);
    assert_non_null(strstr(t, "(first rows: rules.profiling_limit)"));
    assert_null(strstr(t, "1:2100002"));
    free(t);
    sw_rule_prof_destroy(p);
}

static void
no_note_without_untimed_yara_rules(void **state)
{
    struct sw_rule_prof *p = sw_rule_prof_create();
    struct sw_rule_prof_row r = sig_row(1, 1, 0, 10);
    char *t;

    (void)state;
    sw_rule_prof_add_cb(p, &r);
    t = printed(p, 0);
    assert_null(strstr(t, "note:"));
    free(t);
    sw_rule_prof_destroy(p);
}

/* An allocation failure at any point loses rows, counted, never the table. */
static void
allocation_failures_are_counted_rows(void **state)
{
    (void)state;
    for (unsigned long n = 1; n < 20; n++) {
        struct sw_rule_prof *p = sw_rule_prof_create();
        uint64_t stored = 0;

        assert_non_null(p);
        sw_alloc_fail_at(n);
        for (uint32_t sid = 1; sid <= 200; sid++) {
            struct sw_rule_prof_row r = sig_row(sid, 1, 0, 1);

            stored += sw_rule_prof_add(p, &r) == SW_OK;
        }
        sw_alloc_fail_at(0);
        assert_int_equal(stored + sw_rule_prof_lost(p), 200);
        assert_int_equal(sw_rule_prof_count(p), stored);
        sw_rule_prof_destroy(p);
    }
}

static void
lost_rows_from_a_detector_are_counted(void **state)
{
    struct sw_rule_prof *p = sw_rule_prof_create();
    struct sw_rule_prof_row lost = {.language = "suricata", .lost = 12};
    char *t;

    (void)state;
    sw_rule_prof_add_cb(p, &lost);
    assert_int_equal(sw_rule_prof_count(p), 0);
    assert_int_equal(sw_rule_prof_lost(p), 12);
    t = printed(p, 0);
    assert_non_null(strstr(t, "12 rows lost (out of memory)"));
    free(t);
    sw_rule_prof_destroy(p);
}

/* --- the event ----------------------------------------------------------------------------- */

static json_t *
encode(struct sw_rule_prof *p, uint64_t limit)
{
    struct sw_eve_cfg cfg = {.host = "test"};
    struct sw_event *ev = sw_event_create(SW_EV_RULE_PROFILE, 1764064800000000ull);
    struct sw_eve_line *l;
    json_error_t je;
    json_t *j;

    assert_non_null(ev);
    ev->u.profile.prof = p;
    ev->u.profile.limit = limit;
    l = sw_eve_line_create(&cfg, ev);
    assert_non_null(l);
    assert_int_equal(l->type, SW_EV_RULE_PROFILE);
    j = json_loads(l->text, 0, &je);
    assert_non_null(j);
    sw_eve_line_destroy(l);
    sw_event_destroy(ev); /* frees p */
    return j;
}

static void
event_carries_rules_worst_first_and_totals(void **state)
{
    struct sw_rule_prof *p = sw_rule_prof_create();
    struct sw_rule_prof_row r;
    json_t *j, *rp, *rules, *first;

    (void)state;
    r = sig_row(11, 4, 1, 750);
    sw_rule_prof_add_cb(p, &r);
    r = sig_row(12, 4, 0, 250);
    sw_rule_prof_add_cb(p, &r);
    r = yara_row("web.yar:shell", 3, 1);
    sw_rule_prof_add_cb(p, &r);
    r = yara_row("", 3, 1);
    r.total = true;
    r.timed = true;
    r.ns = 4000;
    sw_rule_prof_add_cb(p, &r);
    sw_rule_prof_thread(p);
    sw_rule_prof_sort(p);
    j = encode(p, 2);
    assert_string_equal(json_string_value(json_object_get(j, "event_type")), "rule_profile");
    rp = json_object_get(json_object_get(j, "seawall"), "rule_profile");
    assert_non_null(rp);
    assert_int_equal(json_integer_value(json_object_get(rp, "threads")), 1);
    assert_int_equal(json_integer_value(json_object_get(rp, "rules_checked")), 3);
    assert_int_equal(json_integer_value(json_object_get(rp, "limit")), 2);
    rules = json_object_get(rp, "rules");
    assert_int_equal(json_array_size(rules), 2); /* the limit */
    first = json_array_get(rules, 0);
    assert_string_equal(json_string_value(json_object_get(first, "language")), "suricata");
    assert_int_equal(json_integer_value(json_object_get(first, "signature_id")), 11);
    assert_int_equal(json_integer_value(json_object_get(first, "checks")), 4);
    assert_int_equal(json_integer_value(json_object_get(first, "matches")), 1);
    assert_int_equal(json_integer_value(json_object_get(first, "time_ns")), 750);
    assert_int_equal(json_integer_value(json_object_get(first, "avg_ns")), 187);
    assert_int_equal(json_integer_value(json_object_get(first, "percent")), 75);
    assert_string_equal(json_string_value(json_object_get(first, "signature")), "rule 11");
    assert_int_equal(json_integer_value(json_object_get(
                         json_object_get(json_object_get(rp, "totals"), "suricata"), "time_ns")),
                     1000);
    assert_int_equal(json_integer_value(json_object_get(
                         json_object_get(json_object_get(rp, "totals"), "yara"), "scans")),
                     3);
    assert_true(json_is_false(
        json_object_get(json_object_get(json_object_get(rp, "totals"), "yara"), "per_rule_time")));
    json_decref(j);
}

static void
untimed_rows_have_no_time_fields(void **state)
{
    struct sw_rule_prof *p = sw_rule_prof_create();
    struct sw_rule_prof_row r = yara_row("web.yar:shell", 3, 1);
    json_t *j, *row;

    (void)state;
    sw_rule_prof_add_cb(p, &r);
    j = encode(p, 0);
    row = json_array_get(
        json_object_get(json_object_get(json_object_get(j, "seawall"), "rule_profile"), "rules"),
        0);
    assert_string_equal(json_string_value(json_object_get(row, "rule")), "web.yar:shell");
    assert_null(json_object_get(row, "time_ns"));
    assert_null(json_object_get(row, "percent"));
    json_decref(j);
}

/* --- behind the detection stage ------------------------------------------------------------ */

static const struct sw_detector_ops *const only_sigs[] = {&sw_det_sigs_ops, NULL};

struct stage {
    char path[64];
    struct sw_config *cfg;
    struct sw_detect *set;
};

static void
stage_build(struct stage *st, const char *rules, bool profiling)
{
    struct sw_detect_opts o;
    struct sw_err err;
    FILE *fp;
    int fd;

    snprintf(st->path, sizeof(st->path), "/tmp/ruleprof.XXXXXX.rules");
    fd = mkstemps(st->path, 6);
    assert_true(fd >= 0);
    fp = fdopen(fd, "w");
    fputs(rules, fp);
    fclose(fp);
    st->cfg = sw_cfg_defaults(&err);
    assert_non_null(st->cfg);
    st->cfg->rules.profiling = profiling;
    memset(&o, 0, sizeof(o));
    o.cfg = st->cfg;
    o.rules_path = st->path;
    o.detectors = only_sigs;
    st->set = sw_detect_create(&o, NULL, &err);
    if (st->set == NULL)
        fail_msg("%s", err.msg);
}

static void
stage_free(struct stage *st)
{
    sw_detect_destroy(st->set);
    sw_cfg_free(st->cfg);
    unlink(st->path);
}

static void
drop_event(struct sw_emitter *em, struct sw_event *ev)
{
    (void)em;
    sw_event_destroy(ev);
}

static struct sw_emitter sink = {.emit = drop_event};

/* A UDP packet to port 53 carrying payload. */
static unsigned
run_packet(struct sw_detect_thread *t, const char *payload, void **flow_det)
{
    static struct sw_flow_ref ref;
    static struct sw_flow_counts counts;
    static struct sw_ndpi_info ndpi;
    static struct sw_packet pkt;
    struct sw_subject s;

    memset(&s, 0, sizeof(s));
    memset(&ref, 0, sizeof(ref));
    ref.ip_version = 4;
    ref.proto = 17;
    ref.src[0] = 10, ref.src[3] = 1;
    ref.dst[0] = 10, ref.dst[3] = 2;
    ref.sport = 40000;
    ref.dport = 53;
    s.hook = SW_HOOK_PACKET;
    s.dir = SW_DIR_TO_SERVER;
    s.ts_us = 1764064800000000ull;
    s.flow = &ref;
    s.counts = &counts;
    s.ndpi = &ndpi;
    s.pkt = &pkt;
    s.payload.p = (const uint8_t *)payload;
    s.payload.len = strlen(payload);
    return sw_detect_run(t, &s, flow_det);
}

static const char rules_xq[] =
    "alert udp any any -> any 53 (msg:\"has x\"; content:\"x\"; sid:7; rev:3;)\n"
    "alert udp any any -> any 53 (msg:\"has qqq\"; content:\"qqq\"; sid:8;)\n";

static void
stage_hands_out_rows_of_rules_it_evaluated(void **state)
{
    struct stage st;
    struct sw_detect_thread *t;
    struct sw_rule_prof *p = sw_rule_prof_create();
    const struct sw_rule_prof_row *r;
    void *fd = NULL;
    struct sw_err err;

    (void)state;
    stage_build(&st, rules_xq, true);
    t = sw_detect_thread_create(st.set, NULL, &sink, &err);
    assert_non_null(t);
    assert_int_equal(run_packet(t, "xyz", &fd), 1);
    assert_int_equal(run_packet(t, "abx", &fd), 1);
    assert_int_equal(run_packet(t, "nothing", &fd), 0);
    sw_detect_thread_profile(t, sw_rule_prof_add_cb, p);
    /* sid 8's pattern never occurred: the prefilter never made it a candidate */
    assert_int_equal(sw_rule_prof_count(p), 1);
    r = sw_rule_prof_get(p, 0);
    assert_string_equal(r->language, "suricata");
    assert_int_equal(r->gid, 1);
    assert_int_equal(r->sid, 7);
    assert_int_equal(r->rev, 3);
    assert_string_equal(r->msg, "has x");
    assert_int_equal(r->checks, 2);
    assert_int_equal(r->matches, 2);
    assert_true(r->timed);
    sw_detect_flow_free(t, &fd);
    sw_detect_thread_destroy(t);
    sw_rule_prof_destroy(p);
    stage_free(&st);
}

static void
stage_without_profiling_hands_out_nothing(void **state)
{
    struct stage st;
    struct sw_detect_thread *t;
    struct sw_rule_prof *p = sw_rule_prof_create();
    void *fd = NULL;
    struct sw_err err;

    (void)state;
    stage_build(&st, rules_xq, false);
    t = sw_detect_thread_create(st.set, NULL, &sink, &err);
    assert_non_null(t);
    assert_int_equal(run_packet(t, "xyz", &fd), 1);
    sw_detect_thread_profile(t, sw_rule_prof_add_cb, p);
    assert_int_equal(sw_rule_prof_count(p), 0);
    sw_detect_flow_free(t, &fd);
    sw_detect_thread_destroy(t);
    sw_rule_prof_destroy(p);
    stage_free(&st);
}

/* A reload installs a new set: the replaced set's rows stay and add up with the new one's
 * (same rule, same sid), and a rule only in the old set keeps its row. */
static void
reload_keeps_the_replaced_sets_rows(void **state)
{
    struct stage a, b;
    struct sw_detect_thread *t;
    struct sw_rule_prof *p = sw_rule_prof_create();
    void *fd = NULL;
    struct sw_err err;

    (void)state;
    stage_build(&a, rules_xq, true);
    stage_build(&b,
                "alert udp any any -> any 53 (msg:\"has x\"; content:\"x\"; sid:7; rev:4;)\n"
                "alert udp any any -> any 53 (msg:\"has y\"; content:\"y\"; sid:9;)\n",
                true);
    t = sw_detect_thread_create(a.set, NULL, &sink, &err);
    assert_non_null(t);
    assert_int_equal(run_packet(t, "qqqx", &fd), 2);
    sw_detect_flow_free(t, &fd);
    assert_int_equal(sw_detect_thread_install(t, b.set, &err), SW_OK);
    assert_int_equal(run_packet(t, "xy", &fd), 2);
    sw_detect_thread_profile(t, sw_rule_prof_add_cb, p);
    sw_rule_prof_sort(p);
    assert_int_equal(sw_rule_prof_count(p), 3);
    for (size_t i = 0; i < 3; i++) {
        const struct sw_rule_prof_row *r = sw_rule_prof_get(p, i);

        assert_int_equal(r->checks, r->sid == 7 ? 2 : 1);
        assert_int_equal(r->matches, r->checks);
        if (r->sid == 7)
            assert_int_equal(r->rev, 4);
    }
    sw_detect_flow_free(t, &fd);
    sw_detect_thread_destroy(t);
    sw_rule_prof_destroy(p);
    stage_free(&a);
    stage_free(&b);
}

/* --- a YARA scanner ------------------------------------------------------------------------ */

static void
yara_scanner_rows_per_rule_and_a_timed_total(void **state)
{
    char dir[] = "/tmp/ruleprof-yara.XXXXXX", path[64];
    struct sw_yara_load_opts lo = {.dir = dir};
    struct sw_yara_limits lim = {.max_strings = 4, .string_bytes = 16};
    struct sw_yara_load_stats ls;
    struct sw_yara_scanner *s;
    struct sw_yara_scan_result res;
    struct sw_yara_rules *yr;
    struct sw_rule_prof *p = sw_rule_prof_create();
    struct fake_emitter fe;
    struct sw_file_part fi = {.path = "/x"};
    struct sw_yara_ext x;
    struct sw_err err;

    (void)state;
    assert_non_null(mkdtemp(dir));
    snprintf(path, sizeof(path), "%s/t.yar", dir);
    test_put_file(path,
                  "rule hit { meta: description = \"finds ABC\" strings: $a = \"ABC\" condition: $a }\n"
                  "rule miss { strings: $a = \"ZZZ\" condition: $a }\n");
    assert_int_equal(sw_yara_init(&err), SW_OK);
    yr = sw_yara_load(&lo, &ls, &err);
    assert_non_null(yr);
    sw_yara_rules_set_profiling(yr, true);
    s = sw_yara_scanner_create(yr, &lim, &err);
    assert_non_null(s);
    fake_emitter_init(&fe);
    sw_yara_ext_set(&x, "/x", "UNKNOWN", "root");
    assert_int_equal(
        sw_yara_scan_mem(s, &x, &fi, (const uint8_t *)"..ABC..", 7, &fe.em, &res, &err), SW_OK);
    assert_int_equal(
        sw_yara_scan_mem(s, &x, &fi, (const uint8_t *)"nothing", 7, &fe.em, &res, &err), SW_OK);
    sw_yara_scanner_profile(s, sw_rule_prof_add_cb, p);
    sw_rule_prof_sort(p);
    assert_int_equal(sw_rule_prof_count(p), 3);
    assert_string_equal(sw_rule_prof_get(p, 0)->name, "t.yar:hit");
    assert_string_equal(sw_rule_prof_get(p, 0)->msg, "finds ABC");
    assert_int_equal(sw_rule_prof_get(p, 0)->sid, sw_yara_sid("t.yar", "hit"));
    assert_int_equal(sw_rule_prof_get(p, 0)->checks, 2);
    assert_int_equal(sw_rule_prof_get(p, 0)->matches, 1);
    /* Debian's libyara 4.2 has no YR_PROFILING_ENABLED: no time per rule */
    assert_false(sw_rule_prof_get(p, 0)->timed);
    assert_string_equal(sw_rule_prof_get(p, 1)->name, "t.yar:miss");
    assert_int_equal(sw_rule_prof_get(p, 1)->matches, 0);
    assert_true(sw_rule_prof_get(p, 2)->total);
    assert_true(sw_rule_prof_get(p, 2)->timed);
    assert_int_equal(sw_rule_prof_get(p, 2)->checks, 2);
    assert_int_equal(sw_rule_prof_get(p, 2)->matches, 1);
    sw_rule_prof_destroy(p);
    /* without profiling: no rows */
    p = sw_rule_prof_create();
    sw_yara_scanner_destroy(s);
    sw_yara_rules_set_profiling(yr, false);
    s = sw_yara_scanner_create(yr, &lim, &err);
    assert_non_null(s);
    sw_yara_scanner_profile(s, sw_rule_prof_add_cb, p);
    assert_int_equal(sw_rule_prof_count(p), 0);
    sw_rule_prof_destroy(p);
    sw_yara_scanner_destroy(s);
    sw_yara_rules_destroy(yr);
    sw_yara_fini();
    unlink(path);
    rmdir(dir);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(rows_of_one_rule_add_up_across_threads),
        cmocka_unit_test(sorted_worst_first_untimed_after_totals_last),
        cmocka_unit_test(table_lists_the_worst_first_and_says_what_is_not_timed),
        cmocka_unit_test(no_note_without_untimed_yara_rules),
        cmocka_unit_test(allocation_failures_are_counted_rows),
        cmocka_unit_test(lost_rows_from_a_detector_are_counted),
        cmocka_unit_test(event_carries_rules_worst_first_and_totals),
        cmocka_unit_test(untimed_rows_have_no_time_fields),
        cmocka_unit_test(stage_hands_out_rows_of_rules_it_evaluated),
        cmocka_unit_test(stage_without_profiling_hands_out_nothing),
        cmocka_unit_test(reload_keeps_the_replaced_sets_rows),
        cmocka_unit_test(yara_scanner_rows_per_rule_and_a_timed_total),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
