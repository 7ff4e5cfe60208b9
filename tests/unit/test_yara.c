/* test_yara.c - YARA externals, signature_id hashing, string-match escaping/truncation and
 * loading under allocation failures (rules/yara.c, rules/yara_scan.c; filetype labels:
 * test_filetype.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>

#include "file_test.h"
#include "sw/alloc.h"
#include "sw/event.h"
#include "sw/user.h"
#include "sw/yara.h"

static void
externals_from_path(void **state)
{
    struct sw_yara_ext x;

    (void)state;
    sw_yara_ext_set(&x, "/srv/www/upload/Shell.PHP", "PHP", "www-data");
    assert_string_equal(x.filename, "Shell.PHP");
    assert_string_equal(x.filepath, "/srv/www/upload");
    assert_string_equal(x.extension, ".php");
    assert_string_equal(x.filetype, "PHP");
    assert_string_equal(x.owner, "www-data");
    assert_string_equal(x.source, "file");
    sw_yara_ext_set(&x, "/root/.bashrc", "UNKNOWN", "root");
    assert_string_equal(x.extension, "");
    assert_string_equal(x.filename, ".bashrc");
    sw_yara_ext_set(&x, "/vmlinuz", "UNKNOWN", "0");
    assert_string_equal(x.filepath, "/");
    assert_string_equal(x.filename, "vmlinuz");
    sw_yara_ext_set(&x, "/a/archive.tar.GZ", NULL, NULL);
    assert_string_equal(x.extension, ".gz");
    assert_string_equal(x.filetype, "UNKNOWN");
    assert_string_equal(x.owner, "");
}

static void
owner_name_or_number(void **state)
{
    char buf[64];

    (void)state;
    sw_user_name(0, buf, sizeof(buf));
    assert_string_equal(buf, "root");
    sw_user_name(4000000001u, buf, sizeof(buf));
    assert_string_equal(buf, "4000000001");
}

static void
sid_is_stable_and_in_range(void **state)
{
    (void)state;
    /* FNV-1a 32 reference values. */
    assert_int_equal(sw_yara_fnv1a32(""), 0x811c9dc5u);
    assert_int_equal(sw_yara_fnv1a32("a"), 0xe40c292cu);
    assert_int_equal(sw_yara_fnv1a32("foobar"), 0xbf9cf968u);
    uint32_t sid = sw_yara_sid("webshells.yar", "php_eval");
    assert_int_equal(sid, SW_YARA_SID_BASE +
                              sw_yara_fnv1a32("webshells.yar:php_eval") % SW_YARA_SID_SPAN);
    assert_true(sid >= 3000000000u && sid < 3100000000u);
    assert_int_not_equal(sw_yara_sid("a.yar", "x"), sw_yara_sid("b.yar", "x"));
}

static void
escape_and_cut(void **state)
{
    char out[32];
    const uint8_t data[] = {'a', '\\', 0, 0xff, 'z'};

    (void)state;
    assert_int_equal(sw_yara_escape(data, sizeof(data), out, sizeof(out)), 5);
    assert_string_equal(out, "a\\\\\\x00\\xffz");
    /* Never half an escape: 7 bytes of room hold "a\\\\" (3) but not "\\x00" (4 + NUL). */
    assert_int_equal(sw_yara_escape(data, sizeof(data), out, 7), 2);
    assert_string_equal(out, "a\\\\");
    assert_int_equal(sw_yara_escape(data, sizeof(data), out, 1), 0);
    assert_string_equal(out, "");
    assert_int_equal(sw_yara_escape(data, 0, out, sizeof(out)), 0);
    assert_string_equal(out, "");
}

/* --- allocation failures: every seawall allocation of loading and scanning, in turn ------- */

static unsigned long events_seen;

static void
count_and_free(struct sw_emitter *em, struct sw_event *ev)
{
    (void)em;
    events_seen++;
    sw_event_destroy(ev);
}

static void
write_file(const char *dir, const char *name, const char *text)
{
    char path[512];

    snprintf(path, sizeof(path), "%s/%s", dir, name);
    test_put_file(path, text);
}

/* Load (compile, then from the cache) and scan with the n-th allocation failing, for every n
 * until a whole run passes untouched: each run either succeeds or fails with SW_ENOMEM and a
 * message, never crashes or leaks (the ASan build checks the leaks), and the alerts it could
 * not make are counted as drops, never lost silently. */
static void
load_and_scan_survive_every_allocation_failure(void **state)
{
    char dir[] = "/tmp/sw-yara-alloc.XXXXXX", rules_dir[600], cache_dir[600];
    static const char buf[] = "xx seawall-alloc-probe yy MZ seawall-alloc-probe";
    struct sw_yara_limits lim = {.max_strings = 4, .string_bytes = 16, .timeout_s = 10};
    struct sw_emitter em = {.emit = count_and_free};
    struct sw_file_part fi = {.path = "/tmp/probe.bin", .size = sizeof(buf) - 1};
    struct sw_yara_load_stats ls;
    struct sw_yara_ext x;
    struct sw_err err;
    unsigned clean = 0, failed_loads = 0, failed_scans = 0;

    (void)state;
    assert_non_null(mkdtemp(dir));
    snprintf(rules_dir, sizeof(rules_dir), "%s/rules", dir);
    snprintf(cache_dir, sizeof(cache_dir), "%s/cache", dir);
    assert_int_equal(mkdir(rules_dir, 0700), 0);
    assert_int_equal(mkdir(cache_dir, 0700), 0);
    write_file(rules_dir, "a.yar",
               "rule probe_a : tag1 tag2 { meta: description = \"probe\" severity = \"high\"\n"
               "  mitre_att = \"T1005\" author = \"tests\" strings: $a = \"seawall-alloc-probe\"\n"
               "  condition: $a }\n"
               "rule probe_b { meta: sid = 4242 strings: $m = \"MZ\" condition: $m and filesize > 10 }\n");
    write_file(rules_dir, "broken.yar", "rule broken { condition: $nothing }\n");
    assert_int_equal(sw_yara_init(&err), SW_OK);
    sw_yara_ext_set(&x, "/tmp/probe.bin", "UNKNOWN", "root");
    for (int pass = 0; pass < 2; pass++) { /* 0: compile (and save), 1: from the cache */
        struct sw_yara_load_opts lo = {.dir = rules_dir, .cache_dir = cache_dir};

        clean = 0;
        for (unsigned long n = 1; clean < 8 && n < 20000; n++) {
            struct sw_yara_rules *r;

            sw_err_clear(&err);
            sw_alloc_fail_at(n);
            r = sw_yara_load(&lo, &ls, &err);
            sw_alloc_fail_at(0);
            if (r == NULL) {
                assert_int_equal(err.code, SW_ENOMEM);
                assert_true(err.msg[0] != '\0');
                failed_loads++;
                clean = 0;
                continue;
            }
            /* A load that survived: broken.yar is always reported, a.yar may have been
             * refused for memory (reported too) but never half-loaded. */
            assert_int_equal(ls.files, 2);
            assert_true(ls.files_failed >= 1);
            if (ls.files_failed == 1 && ls.rules == 2)
                clean++;
            sw_yara_rules_destroy(r);
        }
        assert_true(clean >= 8);
    }
    {
        struct sw_yara_load_opts lo = {.dir = rules_dir, .cache_dir = NULL};
        struct sw_yara_rules *r = sw_yara_load(&lo, &ls, &err);

        assert_non_null(r);
        clean = 0;
        for (unsigned long n = 1; clean < 8 && n < 20000; n++) {
            struct sw_yara_scanner *sc;
            struct sw_yara_scan_result res;
            enum sw_rc rc;

            memset(&res, 0, sizeof(res));
            events_seen = 0;
            sw_alloc_fail_at(n);
            sc = sw_yara_scanner_create(r, &lim, &err);
            rc = sc != NULL ? sw_yara_scan_mem(sc, &x, &fi, (const uint8_t *)buf,
                                               sizeof(buf) - 1, &em, &res, &err)
                            : SW_ENOMEM;
            sw_alloc_fail_at(0);
            sw_yara_scanner_destroy(sc);
            if (sc == NULL || rc != SW_OK) {
                failed_scans++;
                clean = 0;
                continue;
            }
            /* Both rules match: each alert was either made or counted as dropped. */
            assert_int_equal(res.matches, 2);
            assert_int_equal(events_seen + res.drops, 2);
            clean = res.drops == 0 ? clean + 1 : 0;
        }
        assert_true(clean >= 8);
        sw_yara_rules_destroy(r);
    }
    sw_yara_fini();
    print_message("allocation failures: %u loads and %u scans failed cleanly\n", failed_loads,
                  failed_scans);
    /* The sweep reached real failure points in both stages. */
    assert_true(failed_loads > 0);
    assert_true(failed_scans > 0);
    {
        char cmd[700];

        snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
        assert_int_equal(system(cmd), 0);
    }
}

static unsigned rules_seen; /* bit 0 by_name, 1 by_type, 2 by_owner, 3 by_path */

static void
note_rule(struct sw_emitter *em, struct sw_event *ev)
{
    static const char *const names[] = {"by_name", "by_type", "by_owner", "by_path"};

    (void)em;
    for (unsigned b = 0; b < 4; b++)
        if (ev->file != NULL && ev->file->rule != NULL && strcmp(ev->file->rule, names[b]) == 0)
            rules_seen |= 1u << b;
    sw_event_destroy(ev);
}

/* One scanner scans file after file (and a flow in between): every scan sees its own
 * externals, although a scan defines only those that differ from the previous one's. */
static void
externals_follow_each_scan_on_one_scanner(void **state)
{
    char dir[] = "/tmp/sw-yara-ext.XXXXXX", cmd[700];
    struct sw_yara_limits lim = {.max_strings = 4, .string_bytes = 16, .timeout_s = 10};
    struct sw_emitter em = {.emit = note_rule};
    struct sw_yara_load_opts lo = {.dir = dir, .cache_dir = NULL};
    struct sw_yara_load_stats ls;
    struct sw_yara_scan_result res;
    struct sw_yara_scanner *sc;
    struct sw_yara_rules *r;
    struct sw_err err;
    /* path, filetype, owner, then the rules expected to match (a bit each) */
    static const struct {
        const char *path, *type, *owner;
        unsigned want;
    } steps[] = {
        {"/srv/a.php", "PHP", "www", 0xf},   {"/srv/b.php", "PHP", "www", 0xe},
        {"/srv/a.php", "UNKNOWN", "www", 0xd}, {"/tmp/a.php", "PHP", "www", 0x7},
        {"/srv/a.php", "PHP", "root", 0xb},  {"/srv/a.PHP", "PHP", "www", 0xf},
        {"/srv/a.txt", "PHP", "www", 0xa},   {"/srv/a.php", "PHP", "www", 0xf},
    };

    (void)state;
    assert_non_null(mkdtemp(dir));
    write_file(dir, "x.yar",
               "rule by_name { condition: filename == \"a.php\" or filename == \"a.PHP\" }\n"
               "rule by_type { condition: filetype == \"PHP\" and seawall_source == \"file\" }\n"
               "rule by_owner { condition: owner == \"www\" and extension == \".php\" }\n"
               "rule by_path { condition: filepath == \"/srv\" }\n");
    assert_int_equal(sw_yara_init(&err), SW_OK);
    r = sw_yara_load(&lo, &ls, &err);
    assert_non_null(r);
    assert_int_equal(ls.rules, 4);
    sc = sw_yara_scanner_create(r, &lim, &err);
    assert_non_null(sc);
    for (size_t i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
        struct sw_file_part fi = {.path = steps[i].path, .size = 4};
        struct sw_yara_ext x;
        sw_yara_ext_set(&x, steps[i].path, steps[i].type, steps[i].owner);
        memset(&res, 0, sizeof(res));
        rules_seen = 0;
        assert_int_equal(sw_yara_scan_mem(sc, &x, &fi, (const uint8_t *)"data", 4, &em, &res,
                                          &err),
                         SW_OK);
        if (rules_seen != steps[i].want)
            fail_msg("step %zu (%s %s %s): rules 0x%x, want 0x%x", i, steps[i].path,
                     steps[i].type, steps[i].owner, rules_seen, steps[i].want);
        if (i % 3 != 2)
            continue;
        /* Now and then a flow scan between two files: its externals, then the file's again. */
        memset(&res, 0, sizeof(res));
        assert_int_equal(sw_yara_scan_flow(sc, NULL, "flow", (const uint8_t *)"data", 4, &em,
                                           &res, &err),
                         SW_OK);
        assert_int_equal(res.matches, 0);
    }
    sw_yara_scanner_destroy(sc);
    sw_yara_rules_destroy(r);
    sw_yara_fini();
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
    assert_int_equal(system(cmd), 0);
}

/* Issue 9 item 1: the cache is used only when nobody but the effective user can write the
 * folder and the entry (group or other write bits refuse it; the rules are compiled). */
static void
issue9_cache_refused_when_others_may_write(void **state)
{
    char dir[] = "/tmp/sw-yara-trust.XXXXXX", rules_dir[600], cache_dir[600], cmd[700];
    struct sw_yara_load_opts lo = {.dir = rules_dir, .cache_dir = cache_dir};
    struct sw_yara_load_stats ls;
    struct sw_yara_rules *r;
    struct sw_err err;
    char entry[700] = "";

    (void)state;
    assert_non_null(mkdtemp(dir));
    snprintf(rules_dir, sizeof(rules_dir), "%s/rules", dir);
    snprintf(cache_dir, sizeof(cache_dir), "%s/cache", dir);
    assert_int_equal(mkdir(rules_dir, 0700), 0);
    write_file(rules_dir, "a.yar", "rule trust_probe { condition: true }\n");
    assert_int_equal(sw_yara_init(&err), SW_OK);
    /* 1. compiled and saved (the folder is made 0700), 2. loaded from it */
    for (int i = 0; i < 2; i++) {
        r = sw_yara_load(&lo, &ls, &err);
        assert_non_null(r);
        assert_int_equal(ls.rules, 1);
        assert_int_equal(ls.from_cache, i == 1);
        assert_int_equal(ls.cache_written, i == 0);
        sw_yara_rules_destroy(r);
    }
    /* 3. a group-writable folder: neither read nor written */
    assert_int_equal(chmod(cache_dir, 0770), 0);
    r = sw_yara_load(&lo, &ls, &err);
    assert_non_null(r);
    assert_int_equal(ls.rules, 1);
    assert_false(ls.from_cache);
    assert_false(ls.cache_written);
    sw_yara_rules_destroy(r);
    /* 4. a world-writable entry in a good folder: refused, then replaced by a good one */
    assert_int_equal(chmod(cache_dir, 0700), 0);
    snprintf(cmd, sizeof(cmd), "chmod 0606 %s/*.txt", cache_dir);
    assert_int_equal(system(cmd), 0);
    for (int i = 0; i < 2; i++) {
        r = sw_yara_load(&lo, &ls, &err);
        assert_non_null(r);
        assert_int_equal(ls.from_cache, i == 1);
        sw_yara_rules_destroy(r);
    }
    /* 5. the folder is a symlink to the good one: refused */
    snprintf(entry, sizeof(entry), "%s/link", dir);
    assert_int_equal(symlink(cache_dir, entry), 0);
    lo.cache_dir = entry;
    r = sw_yara_load(&lo, &ls, &err);
    assert_non_null(r);
    assert_false(ls.from_cache);
    assert_false(ls.cache_written);
    sw_yara_rules_destroy(r);
    sw_yara_fini();
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
    assert_int_equal(system(cmd), 0);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(externals_from_path),
        cmocka_unit_test(owner_name_or_number),
        cmocka_unit_test(sid_is_stable_and_in_range),
        cmocka_unit_test(escape_and_cut),
        cmocka_unit_test(load_and_scan_survive_every_allocation_failure),
        cmocka_unit_test(externals_follow_each_scan_on_one_scanner),
        cmocka_unit_test(issue9_cache_refused_when_others_may_write),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
