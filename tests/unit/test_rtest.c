/* test_rtest.c - unit tests of `seawall rules test`'s test.yaml parser and checks
 * (agent/rtest_yaml.c, agent/rtest_def.c, agent/rtest_check.c, include/sw/rtest.h): every
 * match operator with passing and failing cases, Python's comparison rules, paths with [i]
 * and __len, the filter, stats and expect checks with their reports, requirements, and the
 * parser's limits and messages (truncated, empty, max-plus-one, bad UTF-8, deep nesting,
 * aliases, allocation failures). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sw/alloc.h"
#include "sw/rtest.h"

static const struct sw_rtest_env env = {.compat = SW_RTEST_SURICATA_COMPAT,
                                        .signatures = false,
                                        .os = "linux",
                                        .arch = "x86_64",
                                        .uid = 1000};

static struct sw_rtest *
parse(const char *yaml)
{
    struct sw_err err;
    struct sw_rtest *t = sw_rtest_parse("test.yaml", yaml, strlen(yaml), &err);

    if (t == NULL)
        fail_msg("parse: %s", err.msg);
    return t;
}

/* The error message of a test.yaml that must not parse. */
static const char *
parse_error(const char *yaml, size_t len)
{
    static struct sw_err err;
    struct sw_rtest *t = sw_rtest_parse("test.yaml", yaml, len, &err);

    if (t != NULL) {
        sw_rtest_free(t);
        fail_msg("parsed: %s", yaml);
    }
    assert_int_not_equal(err.code, SW_OK);
    return err.msg;
}

#define ERR(yaml) parse_error((yaml), strlen(yaml))

static json_t *
ev(const char *text)
{
    json_t *j = json_loads(text, 0, NULL);

    assert_non_null(j);
    return j;
}

/* One match key "key: value" (YAML) applied to the event (JSON). */
static bool
match(const char *yaml_kv, const char *event)
{
    char doc[1024];
    struct sw_rtest *t;
    json_t *e = ev(event);
    bool r;

    snprintf(doc, sizeof(doc), "checks:\n  - filter:\n      count: 1\n      match:\n        %s\n",
             yaml_kv);
    t = parse(doc);
    assert_int_equal(t->n_checks, 1);
    assert_int_equal(t->checks[0].n_m, 1);
    r = sw_rtest_match_one(&t->checks[0].m[0], e);
    json_decref(e);
    sw_rtest_free(t);
    return r;
}

/* --- operators ----------------------------------------------------------------------------- */

static void
equality_follows_python(void **state)
{
    const char *e = "{\"a\": 1, \"b\": 1.0, \"c\": true, \"d\": \"1\", \"e\": null,"
                    " \"f\": [1, \"x\"], \"g\": {\"k\": 2}, \"big\": 4016330564}";

    (void)state;
    assert_true(match("a: 1", e));
    assert_false(match("a: 2", e));
    assert_true(match("b: 1", e)); /* 1 == 1.0 */
    assert_true(match("a: 1.0", e));
    assert_true(match("c: true", e));
    assert_true(match("c: 1", e)); /* True == 1 */
    assert_false(match("c: 2", e));
    assert_false(match("d: 1", e)); /* "1" != 1 */
    assert_true(match("d: \"1\"", e));
    assert_true(match("e: null", e));
    assert_true(match("missing: null", e)); /* a missing field is None */
    assert_false(match("missing: 0", e));
    assert_false(match("e: 0", e));
    assert_true(match("f: [1, x]", e));
    assert_false(match("f: [1]", e));
    assert_true(match("g: {k: 2}", e));
    assert_false(match("g: {k: 3}", e));
    assert_true(match("big: 4016330564", e));
    assert_true(match("g.k: 2", e));
}

static void
yaml_scalars_resolve_as_pyyaml_does(void **state)
{
    const char *e = "{\"t\": true, \"f\": false, \"n\": 31, \"o\": 15, \"s\": \"yes\","
                    " \"x\": 2.5, \"neg\": -7, \"str\": \"0x1f\", \"e5\": \"1e5\"}";

    (void)state;
    assert_true(match("t: yes", e));
    assert_true(match("t: On", e));
    assert_true(match("f: off", e));
    assert_true(match("f: NO", e));
    assert_true(match("n: 0x1f", e));
    assert_true(match("n: 0b11111", e));
    assert_true(match("o: 017", e)); /* YAML 1.1 octal */
    assert_true(match("n: 3_1", e));
    assert_true(match("s: \"yes\"", e)); /* quoted: a string */
    assert_false(match("s: yes", e));
    assert_true(match("x: 2.5", e));
    assert_true(match("x: 25.0e-1", e));
    assert_true(match("neg: -7", e));
    assert_true(match("str: !!str 0x1f", e));
    assert_true(match("e5: 1e5", e)); /* no dot: a string for PyYAML */
}

static void
contains_in_list_string_and_object(void **state)
{
    const char *e = "{\"l\": [\"a\", 2, {\"k\": 1}], \"s\": \"Transfer complete.\","
                    " \"o\": {\"key\": 1}, \"n\": 5}";

    (void)state;
    assert_true(match("l.__contains: a", e));
    assert_true(match("l.__contains: 2", e));
    assert_true(match("l.__contains: {k: 1}", e));
    assert_false(match("l.__contains: b", e));
    assert_true(match("s.__contains: complete", e));
    assert_false(match("s.__contains: Complete", e));
    assert_true(match("o.__contains: key", e));
    assert_false(match("o.__contains: other", e));
    assert_false(match("n.__contains: 5", e)); /* Python would raise: no match */
    assert_false(match("missing.__contains: a", e));
}

static void
find_startswith_endswith_on_strings_only(void **state)
{
    const char *e = "{\"m\": \"script failed: x\", \"l\": [\"script\"], \"u\": \"caf\\u00e9\"}";

    (void)state;
    assert_true(match("m.__find: failed", e));
    assert_false(match("m.__find: passed", e));
    assert_true(match("m.__startswith: script", e));
    assert_false(match("m.__startswith: failed", e));
    assert_true(match("m.__endswith: \": x\"", e));
    assert_false(match("m.__endswith: script", e));
    assert_true(match("u.__endswith: \"\\u00e9\"", e));
    assert_false(match("l.__startswith: script", e)); /* a list has no startswith */
    assert_false(match("l.__find: script", e));
    assert_false(match("missing.__endswith: x", e));
    assert_true(match("m.__find: \"\"", e));
}

static void
numeric_comparisons_exclude_booleans_and_strings(void **state)
{
    const char *e = "{\"age\": 2, \"r\": 2.5, \"b\": true, \"s\": \"3\"}";

    (void)state;
    assert_true(match("age.__gt: 1", e));
    assert_false(match("age.__gt: 2", e));
    assert_true(match("age.__gte: 2", e));
    assert_false(match("age.__gte: 3", e));
    assert_true(match("age.__lt: 3", e));
    assert_false(match("age.__lt: 2", e));
    assert_true(match("age.__lte: 2", e));
    assert_false(match("age.__lte: 1", e));
    assert_true(match("r.__gt: 2", e));
    assert_false(match("r.__lt: 2.5", e));
    assert_false(match("b.__gt: 0", e)); /* compare_values: never for booleans */
    assert_false(match("s.__gt: 1", e));
    assert_false(match("missing.__gt: 1", e));
    assert_true(match("age.__gt: 1.5", e));
}

static void
has_key_and_not_has_key(void **state)
{
    const char *e = "{\"alert\": {\"rule\": \"x\", \"z\": null}, \"flow\": {}}";

    (void)state;
    assert_true(match("has-key: alert.rule", e));
    assert_false(match("has-key: alert.other", e));
    assert_false(match("has-key: alert.z", e)); /* null is None: not there */
    assert_true(match("has-key: flow", e));
    assert_true(match("not-has-key: tls", e));
    assert_false(match("not-has-key: alert", e));
    assert_true(match("not-has-key: alert.z", e));
}

static void
paths_with_index_and_len(void **state)
{
    json_t *e = ev("{\"tag\": [\"a\", \"bb\"], \"s\": \"h\\u00e9llo\", \"o\": {\"x\": 1, \"y\": 2},"
                   " \"n\": 5, \"z\": null, \"d\": {\"a.b\": 1}}");
    long long len;
    const json_t *v;

    (void)state;
    v = sw_rtest_find(e, "tag[1]", &len);
    assert_string_equal(json_string_value(v), "bb");
    assert_int_equal(len, -2);
    assert_null(sw_rtest_find(e, "tag[2]", &len));
    assert_null(sw_rtest_find(e, "o[0]", &len));
    assert_null(sw_rtest_find(e, "n.x", &len));
    sw_rtest_find(e, "tag.__len", &len);
    assert_int_equal(len, 2);
    sw_rtest_find(e, "s.__len", &len);
    assert_int_equal(len, 5); /* code points, not bytes */
    sw_rtest_find(e, "o.__len", &len);
    assert_int_equal(len, 2);
    sw_rtest_find(e, "n.__len", &len);
    assert_int_equal(len, -1);
    sw_rtest_find(e, "z.__len", &len);
    assert_int_equal(len, -1);
    assert_null(sw_rtest_find(e, "missing.__len", &len));
    assert_int_equal(len, -2); /* missing before __len: None, not a length */
    v = sw_rtest_find(e, "o.__contains", &len);
    assert_true(json_is_object(v)); /* an operator ends the walk */
    json_decref(e);

    e = ev("{\"tag\": [\"a\", \"bb\", \"c\"], \"n\": 5}");
    assert_true(match("tag.__len: 3", "{\"tag\": [\"a\", \"bb\", \"c\"]}"));
    assert_false(match("tag.__len: 2", "{\"tag\": [\"a\", \"bb\", \"c\"]}"));
    assert_true(match("tag.__len.__gt: 2", "{\"tag\": [\"a\", \"bb\", \"c\"]}"));
    assert_true(match("n.__len: -1", "{\"n\": 5}"));
    assert_true(match("tag[0]: a", "{\"tag\": [\"a\"]}"));
    assert_false(match("tag[0]: b", "{\"tag\": [\"a\"]}"));
    json_decref(e);
}

/* --- checks --------------------------------------------------------------------------------- */

struct run {
    struct sw_rtest *t;
    struct sw_rtest_events e;
    json_t *res;
};

static void
run_checks(struct run *r, const char *yaml, const char *const *events, size_t n)
{
    static const char *const strip[] = {"/tests/x/", "/out/inline/"};
    struct sw_rtest_eval_ctx x = {
        .events = &r->e, .env = &env, .test_dir = ".", .strip = strip, .n_strip = 2};

    memset(r, 0, sizeof(*r));
    r->t = parse(yaml);
    for (size_t i = 0; i < n; i++) {
        json_t *j = ev(events[i]);

        assert_int_equal(sw_rtest_events_add(&r->e, j, i + 1), SW_OK);
        json_decref(j);
    }
    r->res = sw_rtest_eval(r->t, &x);
    assert_non_null(r->res);
}

static void
run_free(struct run *r)
{
    json_decref(r->res);
    sw_rtest_events_fini(&r->e);
    sw_rtest_free(r->t);
}

static const char *
res_str(const struct run *r, size_t i, const char *key)
{
    const char *s = json_string_value(json_object_get(json_array_get(r->res, i), key));

    return s != NULL ? s : "";
}

static const char *const flows[] = {
    "{\"event_type\": \"flow\", \"src_ip\": \"10.0.0.1\", \"dest_port\": 80, \"proto\": \"TCP\"}",
    "{\"event_type\": \"flow\", \"src_ip\": \"10.0.0.2\", \"dest_port\": 443, \"proto\": \"TCP\"}",
    ("{\"event_type\": \"alert\", \"src_ip\": \"10.0.0.1\", \"dest_port\": 80,"
     " \"alert\": {\"signature_id\": 7, \"signature\": \"seven\"}}"),
    "{\"event_type\": \"stats\", \"stats\": {\"decoder\": {\"pkts\": 10, \"tcp\": 8}}}",
};

static void
filter_counts_and_reports_closest_events(void **state)
{
    struct run r;
    const json_t *c, *cl;

    (void)state;
    run_checks(&r,
               "checks:\n"
               "  - filter: {count: 1, match: {event_type: flow, dest_port: 80}}\n"
               "  - filter: {count: 1, match: {event_type: flow, dest_port: 80, proto: UDP}}\n"
               "  - filter: {count: 1, match: {proto: TCP}}\n"
               "  - filter: {count: 0, match: {event_type: dns}}\n"
               "  - filter: {count: 1, filename: fast.log, match: {x: 1}}\n",
               flows, 4);
    assert_string_equal(res_str(&r, 0, "result"), "ok");
    /* two keys of three: the closest is the port-80 flow, with its wrong proto */
    c = json_array_get(r.res, 1);
    assert_string_equal(res_str(&r, 1, "result"), "failed");
    assert_string_equal(res_str(&r, 1, "message"), "expected 1 matching event, got 0");
    assert_int_equal(json_integer_value(json_object_get(c, "actual")), 0);
    cl = json_object_get(c, "closest");
    assert_int_equal(json_array_size(cl), 3);
    assert_int_equal(json_integer_value(json_object_get(json_array_get(cl, 0), "eve_line")), 1);
    assert_int_equal(json_integer_value(json_object_get(json_array_get(cl, 0), "matched")), 2);
    const json_t *mm = json_array_get(json_object_get(json_array_get(cl, 0), "mismatches"), 0);

    assert_string_equal(json_string_value(json_object_get(mm, "key")), "proto");
    assert_string_equal(json_string_value(json_object_get(mm, "expected")), "UDP");
    assert_string_equal(json_string_value(json_object_get(mm, "actual")), "TCP");
    /* too many: the matching events are listed */
    assert_string_equal(res_str(&r, 2, "message"), "expected 1 matching event, got 2");
    cl = json_object_get(json_array_get(r.res, 2), "closest");
    assert_int_equal(json_array_size(cl), 2);
    /* what seawall never writes is skipped, not passed */
    assert_string_equal(res_str(&r, 3, "result"), "skipped");
    assert_string_equal(json_string_value(json_object_get(
                            json_object_get(json_array_get(r.res, 3), "reason"), "group")),
                        "event_type dns (not written by seawall)");
    assert_string_equal(res_str(&r, 4, "result"), "skipped");
    run_free(&r);
}

static void
stats_checks_the_last_stats_event(void **state)
{
    struct run r;

    (void)state;
    run_checks(&r,
               "checks:\n"
               "  - stats: {decoder.pkts: 10, decoder.tcp.__gte: 8}\n"
               "  - stats: {decoder.pkts: 11}\n"
               "  - stats: {decoder.tcp.__lt: 8}\n"
               "  - stats: {decoder.max_pkt_size: 1}\n"
               "  - shell: {args: true}\n"
               "  - file-compare: {filename: a, expected: b}\n",
               flows, 4);
    assert_string_equal(res_str(&r, 0, "result"), "ok");
    assert_string_equal(res_str(&r, 1, "result"), "failed");
    assert_string_equal(res_str(&r, 1, "message"), "stats.decoder.pkts: expected 11, got 10");
    assert_string_equal(res_str(&r, 2, "message"), "stats.decoder.tcp: expected < 8, got 8");
    assert_string_equal(res_str(&r, 3, "result"), "skipped");
    assert_string_equal(res_str(&r, 4, "result"), "skipped");
    assert_string_equal(res_str(&r, 5, "result"), "skipped");
    run_free(&r);

    run_checks(&r, "checks:\n  - stats: {decoder.pkts: 10}\n", flows, 2);
    assert_string_equal(res_str(&r, 0, "result"), "failed"); /* no stats event at all */
    run_free(&r);
}

static void
check_requires_skip_only_that_check(void **state)
{
    struct run r;

    (void)state;
    run_checks(&r,
               "checks:\n"
               "  - filter: {requires: {min-version: 9}, count: 5, match: {x: 1}}\n"
               "  - filter: {requires: {features: [HAVE_LUA]}, count: 5, match: {x: 1}}\n"
               "  - filter: {requires: {lt-version: 9}, count: 2, match: {event_type: flow}}\n",
               flows, 4);
    assert_string_equal(res_str(&r, 0, "result"), "skipped");
    assert_string_equal(res_str(&r, 1, "result"), "skipped");
    assert_string_equal(res_str(&r, 2, "result"), "ok");
    run_free(&r);
}

static void
expect_matches_names_sids_and_files(void **state)
{
    static const char *const evs[] = {
        ("{\"event_type\": \"alert\", \"alert\": {\"signature_id\": 3000000001},"
         " \"yara\": {\"rule\": \"shell\"}, \"fileinfo\": {\"filename\": "
         "\"/tests/x/files/a.php\"}}"),
        ("{\"event_type\": \"alert\", \"alert\": {\"signature_id\": 2990012, \"metadata\":"
         " {\"ndpi_risk\": [\"NDPI_HTTP_NUMERIC_IP_HOST\"]}}}"),
        ("{\"event_type\": \"fileinfo\", \"yara\": {\"rule\": \"ghost\"},"
         " \"fileinfo\": {\"filename\": \"/out/inline/b.php\"}}"),
    };
    struct run r;

    (void)state;
    run_checks(&r,
               "expect:\n"
               "  match:\n"
               "    - shell\n"
               "    - 2990012\n"
               "    - NDPI_HTTP_NUMERIC_IP_HOST\n"
               "    - {rule: shell, file: files/a.php, count: 1}\n"
               "    - {rule: shell, file: b.php}\n"
               "    - {sid: 1}\n"
               "    - {rule: shell, count: 2}\n"
               "  no_match:\n"
               "    - ghost\n"
               "    - {file: b.php}\n"
               "    - {file: files/a.php}\n"
               "    - {rule: shell, file: b.php}\n",
               evs, 3);
    assert_string_equal(res_str(&r, 0, "result"), "ok");
    assert_string_equal(res_str(&r, 1, "result"), "ok");
    assert_string_equal(res_str(&r, 2, "result"), "ok");
    assert_string_equal(res_str(&r, 3, "result"), "ok");
    assert_string_equal(res_str(&r, 4, "result"), "failed");
    assert_string_equal(res_str(&r, 4, "message"),
                        "rule shell on b.php did not match: no such alert");
    /* the closest: the same rule on another file, with the file it had */
    const json_t *mm = json_array_get(
        json_object_get(json_array_get(json_object_get(json_array_get(r.res, 4), "closest"), 0),
                        "mismatches"),
        0);

    assert_string_equal(json_string_value(json_object_get(mm, "key")), "file");
    assert_string_equal(json_string_value(json_object_get(mm, "actual")), "files/a.php");
    assert_string_equal(res_str(&r, 5, "result"), "failed");
    assert_string_equal(res_str(&r, 6, "message"), "rule shell: expected 2 alerts, got 1");
    assert_string_equal(res_str(&r, 7, "result"), "ok"); /* ghost is no alert */
    assert_string_equal(res_str(&r, 8, "result"), "ok");
    assert_string_equal(res_str(&r, 9, "result"), "failed");
    assert_string_equal(res_str(&r, 9, "message"), "no alert expected on files/a.php, got 1");
    assert_string_equal(res_str(&r, 10, "result"), "ok");
    run_free(&r);
}

/* --- requirements -------------------------------------------------------------------------- */

static bool
met(const char *yaml)
{
    struct sw_rtest *t = parse(yaml);
    struct sw_rtest_reason why;
    bool ok = sw_rtest_requires_met(&t->req, &env, ".", &why);

    if (!ok)
        assert_true(why.detail[0] != '\0' && why.group[0] != '\0');
    sw_rtest_free(t);
    return ok;
}

static void
requirements_against_suricata_8(void **state)
{
    bool ok;

    (void)state;
    assert_true(met("requires: {min-version: 7}"));
    assert_true(met("requires: {min-version: 8.0.0}"));
    assert_false(met("requires: {min-version: 8.0.1}"));
    assert_false(met("requires: {min-version: 9}"));
    assert_true(met("requires: {lt-version: 9}"));
    assert_false(met("requires: {lt-version: 8}"));
    assert_true(met("requires: {gt-version: 7.0.5}"));
    assert_false(met("requires: {gt-version: 8}"));
    assert_true(met("requires: {version: 8}"));
    assert_true(met("requires: {version: 8.0}"));
    assert_false(met("requires: {version: 7}"));
    assert_false(met("requires: {min-version: banana}"));
    assert_true(met("requires: {features: [yara, ndpi]}"));
    assert_false(met("requires: {features: [signatures]}"));
    assert_false(met("requires: {features: [HAVE_LUA]}"));
    assert_true(met("requires: {os: linux, arch: x86}"));
    assert_false(met("requires: {os: windows}"));
    assert_false(met("requires: {script: [true]}"));
    assert_false(met("requires: {lambda: \"1 == 1\"}"));
    assert_false(met("requires: {files: [no-such-file-here]}"));
    assert_false(met("requires: {env: [SEAWALL_RTEST_NO_SUCH_VARIABLE]}"));
    assert_false(met("requires: {color: blue}"));
    assert_true(met("requires: {pcap: false}"));
    assert_int_equal(sw_rtest_version_cmp("8.0.0", "8.0.1-dev", false, &ok), -1);
    assert_true(ok);
    assert_int_equal(sw_rtest_version_cmp("8.0.0", "7.0.12", false, &ok), 1);
    assert_int_equal(sw_rtest_version_cmp("8.0.0", "8", true, &ok), 0);
}

/* --- parser --------------------------------------------------------------------------------- */

static void
a_suricata_verify_test_parses(void **state)
{
    struct sw_rtest *t;

    (void)state;
    t = parse("requires:\n  min-version: 7\n  features:\n    - HAVE_LUA\n"
              "pcap: input.pcap\n"
              "args:\n  - -k none --set stream.midstream=true\n"
              "exit-code: 0\nretry: 3\n"
              "env:\n  TZ: UTC\n"
              "skip:\n  - feature: yara\n    msg: not with yara\n  - uid: 0\n"
              "checks:\n"
              "  - filter:\n      count: 2\n      match:\n        event_type: alert\n"
              "        alert.signature_id: 1\n        has-key: [flow, tls.sni]\n"
              "        alert.metadata.tag.__len: 3\n"
              "  - stats:\n      decoder.pkts.__gte: 1\n"
              "  - shell:\n      args: grep x fast.log\n"
              "command: suricata -r x\n"
              "setup:\n  - script: touch a\n");
    assert_string_equal(t->req.min_version, "7");
    assert_string_equal(t->req.features.v[0], "HAVE_LUA");
    assert_string_equal(t->pcap, "input.pcap");
    assert_string_equal(t->args.v[0], "-k none --set stream.midstream=true");
    assert_true(t->has_exit_code);
    assert_string_equal(t->env.v[0], "TZ=UTC");
    assert_int_equal(t->n_skips, 2);
    assert_string_equal(t->skips[0].feature, "yara");
    assert_int_equal(t->skips[1].uid, 0);
    assert_int_equal(t->n_checks, 3);
    assert_int_equal(t->checks[0].kind, SW_RTEST_FILTER);
    assert_int_equal(t->checks[0].count, 2);
    assert_int_equal(t->checks[0].n_m, 5); /* has-key's list is two keys */
    assert_int_equal(t->checks[0].m[2].op, SW_RTEST_HAS_KEY);
    assert_string_equal(t->checks[0].m[3].path, "tls.sni");
    assert_string_equal(t->checks[0].m[4].path, "alert.metadata.tag.__len");
    assert_int_equal(t->checks[1].kind, SW_RTEST_STATS);
    assert_int_equal(t->checks[1].m[0].op, SW_RTEST_GTE);
    assert_string_equal(t->checks[1].m[0].path, "decoder.pkts");
    assert_int_equal(t->checks[2].kind, SW_RTEST_SHELL);
    assert_int_equal(t->checks[0].line, 17);
    /* what seawall cannot run is kept to skip the test, never dropped */
    assert_int_equal(t->unsupported.n, 2);
    assert_true(strncmp(t->unsupported.v[0], "command: ", 9) == 0);
    assert_false(sw_rtest_seawall_form(t));
    sw_rtest_free(t);
}

static void
seawall_form_parses(void **state)
{
    struct sw_rtest *t;

    (void)state;
    t = parse("files:\n  - files\n  - name: a/b.txt\n    text: hi\n"
              "  - name: c.bin\n    hex: \"00 ff\\n41\"\n"
              "rules: [one.yar, two.yar]\n"
              "ndpi-risk: true\n"
              "expect:\n  match: [r1, 5, {rule: r2, file: a/b.txt, count: 2}]\n"
              "  no_match: {file: c.bin}\n");
    assert_int_equal(t->n_files, 3);
    assert_false(t->files[0].is_inline);
    assert_string_equal(t->files[1].path, "a/b.txt");
    assert_int_equal(t->files[1].len, 2);
    assert_int_equal(t->files[2].len, 3);
    assert_memory_equal(t->files[2].data, "\x00\xff\x41", 3);
    assert_int_equal(t->rules.n, 2);
    assert_int_equal(t->ndpi_risk, 1);
    assert_int_equal(t->n_match, 3);
    assert_string_equal(t->match[0].rule, "r1");
    assert_int_equal(t->match[1].sid, 5);
    assert_int_equal(t->match[2].count, 2);
    assert_int_equal(t->n_no_match, 1);
    assert_string_equal(t->no_match[0].file, "c.bin");
    assert_true(sw_rtest_seawall_form(t));
    sw_rtest_free(t);

    t = parse("");
    assert_int_equal(t->n_checks, 0); /* an empty test: run the input, check the exit */
    sw_rtest_free(t);
    t = parse("pcap: false\nrules: false\n");
    assert_true(t->pcap_false);
    assert_true(t->rules_set);
    assert_int_equal(t->rules.n, 0);
    sw_rtest_free(t);
    t = parse("checks:\n  - filter:\n      count: 1\n      match:\n        h: \"nas1\\u0000\"\n");
    assert_int_equal(json_string_length(t->checks[0].m[0].expected), 5);
    sw_rtest_free(t);
}

static void
broken_tests_name_line_and_column(void **state)
{
    (void)state;
    assert_string_equal(ERR("checks:\n  - filter:\n      match: {a: 1}\n"),
                        "test.yaml:2:5: filter: needs count and match");
    assert_string_equal(ERR("checks:\n  - filter: {count: 1, match: {}, color: 2}\n"),
                        "test.yaml:2:35: filter: unknown key 'color'");
    assert_string_equal(ERR("checks:\n  - grep: x\n"),
                        "test.yaml:2:5: checks: unknown check type 'grep'");
    assert_string_equal(ERR("pcap: a\npcap: b\n"), "test.yaml:2:1: test: duplicate key 'pcap'");
    assert_string_equal(ERR("checks:\n  - filter: {count: x, match: {}}\n"),
                        "test.yaml:2:21: count: expected an integer from 0 to 2147483647");
    assert_string_equal(ERR("checks:\n  - filter: {count: -1, match: {}}\n"),
                        "test.yaml:2:21: count: expected an integer from 0 to 2147483647");
    assert_string_equal(ERR("checks:\n  - filter: {count: 1, match: {a.__gt: x}}\n"),
                        "test.yaml:2:40: 'a.__gt' needs a number");
    assert_string_equal(ERR("checks:\n  - filter: {count: 1, match: {a.__find: 1}}\n"),
                        "test.yaml:2:42: 'a.__find' needs a string");
    assert_string_equal(ERR("checks:\n  - filter: {count: 1, match: {__gt: 1}}\n"),
                        "test.yaml:2:32: '__gt': no field before the operator");
    assert_string_equal(ERR("checks:\n  - filter: {count: 1, match: {a: 99999999999999999999}}\n"),
                        "test.yaml:2:35: integer out of range");
    assert_string_equal(
        ERR("checks:\n  - stats: {a.__contains: 1}\n"),
        "test.yaml:2:13: stats: 'a.__contains': only ==, __gt, __gte, __lt and __lte");
    assert_string_equal(ERR("a: &x 1\nb: *x\n"),
                        "test.yaml:2:4: aliases are not supported in a test");
    assert_string_equal(ERR("checks: [\n"),
                        "test.yaml:2:1: invalid YAML: did not find expected node content");
    assert_string_equal(ERR("- 1\n- 2\n"),
                        "test.yaml:1:1: a test is a mapping (pcap:, checks:, ...), not a sequence");
    assert_string_equal(
        ERR("files:\n  - name: ../x\n    text: a\n"),
        "test.yaml:2:11: files: name '../x' must be a relative path without '.' or '..'");
    assert_string_equal(
        ERR("files:\n  - name: /etc/x\n    text: a\n"),
        "test.yaml:2:11: files: name '/etc/x' must be a relative path without '.' or '..'");
    assert_string_equal(ERR("files:\n  - name: x\n    hex: abc\n"),
                        "test.yaml:3:10: files: hex: not pairs of hex digits (at byte 2)");
    assert_string_equal(ERR("files:\n  - name: x\n"),
                        "test.yaml:2:5: files: an inline file has a name and one of text or hex");
    assert_string_equal(ERR("expect:\n  match: [{rule: a, sid: 1}]\n"),
                        "test.yaml:2:11: expect: rule or sid, not both");
    assert_string_equal(ERR("expect:\n  no_match: [{rule: a, count: 1}]\n"),
                        "test.yaml:2:24: expect: unknown key 'count' (rule, sid, file)");
    assert_string_equal(ERR("checks:\n  - filter: {count: 1, match: {a: !!python/object x}}\n"),
                        "test.yaml:2:35: tag 'tag:yaml.org,2002:python/object' is not supported");
    assert_string_equal(ERR("pcap: \"a\\u0000b\"\n"),
                        "test.yaml:1:7: pcap: a NUL byte in a name or path");
    /* control bytes from the file never reach a terminal */
    assert_string_equal(ERR("checks:\n  - \"gr\\x1bep\": x\n"),
                        "test.yaml:2:5: checks: unknown check type 'gr?ep'");
}

static void
hostile_input_hits_the_limits(void **state)
{
    char *buf;
    size_t n;

    (void)state;
    /* bad UTF-8 */
    assert_string_equal(parse_error("pcap: \"\xc3\x28\"\n", 10),
                        "test.yaml:1:9: invalid YAML: invalid trailing UTF-8 octet");
    /* truncated in the middle of a flow mapping */
    assert_string_equal(ERR("checks:\n  - filter: {count: 1, match: {a: "),
                        "test.yaml:3:1: invalid YAML: did not find expected node content");
    /* deep nesting: the mapping and 16 sequences in it are one level too many */
    buf = malloc(8192);
    assert_non_null(buf);
    n = (size_t)snprintf(buf, 8192, "a: ");
    for (int i = 0; i < SW_RTEST_MAX_DEPTH; i++)
        buf[n++] = '[';
    buf[n] = '\0';
    assert_string_equal(parse_error(buf, n), "test.yaml:1:19: nesting deeper than 16 levels");
    free(buf);
    /* max plus one: the file size */
    n = SW_RTEST_MAX_BYTES + 1;
    buf = malloc(n);
    assert_non_null(buf);
    memset(buf, '#', n);
    assert_string_equal(parse_error(buf, n), "test.yaml: larger than 4194304 bytes");
    /* a scalar longer than its limit */
    memcpy(buf, "a: ", 3);
    memset(buf + 3, 'x', SW_RTEST_MAX_SCALAR + 1);
    assert_string_equal(parse_error(buf, SW_RTEST_MAX_SCALAR + 4),
                        "test.yaml:1:4: a value longer than 3145728 bytes");
    /* too many nodes */
    n = (size_t)snprintf(buf, 16, "a: [");
    for (unsigned i = 0; i < SW_RTEST_MAX_NODES; i++) {
        memcpy(buf + n, "1,", 2);
        n += 2;
    }
    buf[n++] = ']';
    assert_true(strstr(parse_error(buf, n), "more than 200000 nodes") != NULL);
    free(buf);
    /* an inline file over its limit */
    n = SW_RTEST_MAX_INLINE + 64;
    buf = malloc(n + 64);
    assert_non_null(buf);
    n = (size_t)snprintf(buf, 64, "files:\n  - name: x\n    text: ");
    memset(buf + n, 'y', SW_RTEST_MAX_INLINE + 1);
    n += SW_RTEST_MAX_INLINE + 1;
    assert_string_equal(parse_error(buf, n),
                        "test.yaml:2:5: files: inline file larger than 1048576 bytes");
    free(buf);
}

static void
unknown_keys_are_kept_not_ignored(void **state)
{
    struct sw_rtest *t;

    (void)state;
    t = parse("requirements:\n  features: [x]\nunix-commands: [a]\npcap: p\n");
    assert_int_equal(t->unsupported.n, 2);
    assert_string_equal(t->unsupported.v[0], "requirements: unknown key");
    assert_int_equal(t->unsupported.line[0], 1);
    assert_int_equal(t->unsupported.line[1], 3);
    sw_rtest_free(t);
}

static void
eve_lines_are_read_back(void **state)
{
    char path[] = "/tmp/test_rtest.XXXXXX";
    int fd = mkstemp(path);
    struct sw_rtest_events e;
    struct sw_err err;
    static const char text[] =
        "{\"event_type\":\"flow\"}\nnot json\n[1]\n{\"event_type\":\"alert\"}";

    (void)state;
    assert_true(fd >= 0);
    assert_int_equal(write(fd, text, sizeof(text) - 1), (ssize_t)sizeof(text) - 1);
    close(fd);
    assert_int_equal(sw_rtest_events_read(path, SW_RTEST_MAX_EVE, &e, &err), SW_OK);
    assert_int_equal(e.n, 2);
    assert_int_equal(e.line[1], 4);
    assert_int_equal(e.bad, 2);
    assert_int_equal(e.first_bad, 2);
    sw_rtest_events_fini(&e);
    assert_int_equal(sw_rtest_events_read(path, 10, &e, &err), SW_ELIMIT);
    unlink(path);
    assert_int_equal(sw_rtest_events_read(path, 10, &e, &err), SW_EIO);
}

static void
allocation_failures_fail_cleanly(void **state)
{
    static const char yaml[] =
        "requires: {min-version: 7, features: [a]}\npcap: p\nargs: [-k none]\n"
        "files: [{name: x, text: y}, f]\nexpect: {match: [a, {rule: b, file: c}]}\n"
        "env: {A: b}\nskip: [{feature: q, msg: m}]\nunknown: 1\n"
        "checks:\n  - filter: {count: 1, match: {a: [1, {b: 2}], has-key: [x, y], c.__gt: 2}}\n"
        "  - stats: {d: 1}\n";
    unsigned long n;

    (void)state;
    for (n = 1; n < 100000; n++) {
        struct sw_err err;
        struct sw_rtest *t;

        sw_alloc_fail_at(n);
        t = sw_rtest_parse("test.yaml", yaml, sizeof(yaml) - 1, &err);
        sw_alloc_fail_at(0);
        if (t != NULL) {
            assert_int_equal(t->n_checks, 2);
            sw_rtest_free(t);
            break;
        }
        if (err.code != SW_ENOMEM)
            fail_msg("n=%lu: %s", n, err.msg);
        assert_string_equal(err.msg, "test.yaml: out of memory");
    }
    assert_true(n > 50); /* the sweep went through the whole parse */
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(equality_follows_python),
        cmocka_unit_test(yaml_scalars_resolve_as_pyyaml_does),
        cmocka_unit_test(contains_in_list_string_and_object),
        cmocka_unit_test(find_startswith_endswith_on_strings_only),
        cmocka_unit_test(numeric_comparisons_exclude_booleans_and_strings),
        cmocka_unit_test(has_key_and_not_has_key),
        cmocka_unit_test(paths_with_index_and_len),
        cmocka_unit_test(filter_counts_and_reports_closest_events),
        cmocka_unit_test(stats_checks_the_last_stats_event),
        cmocka_unit_test(check_requires_skip_only_that_check),
        cmocka_unit_test(expect_matches_names_sids_and_files),
        cmocka_unit_test(requirements_against_suricata_8),
        cmocka_unit_test(a_suricata_verify_test_parses),
        cmocka_unit_test(seawall_form_parses),
        cmocka_unit_test(broken_tests_name_line_and_column),
        cmocka_unit_test(hostile_input_hits_the_limits),
        cmocka_unit_test(unknown_keys_are_kept_not_ignored),
        cmocka_unit_test(eve_lines_are_read_back),
        cmocka_unit_test(allocation_failures_fail_cleanly),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
