/* test_detect_file.c - the host side's detection stage (rules/detect_file.c): YARA and the IOC
 * lists over a borrowed file subject, the caller's file part completed only on demand, one
 * set pointer per install; the counter adder the scan pool, the detection stage and the
 * stats snapshot share (agent/util/counters.c); file events keep the writer (output/event.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "file_test.h"
#include "sw/counters.h"
#include "sw/detect_file.h"
#include "sw/digest.h"
#include "sw/event.h"
#include "sw/ioc.h"
#include "sw/scanpool.h"
#include "sw/stats.h"
#include "sw/yara.h"

#define MARK "EVIL-MARKER-11"

static struct sw_event *g_ev[8];
static size_t g_nev;

static void
coll_emit(struct sw_emitter *em, struct sw_event *ev)
{
    (void)em;
    if (g_nev < sizeof(g_ev) / sizeof(g_ev[0]))
        g_ev[g_nev++] = ev;
    else
        sw_event_destroy(ev);
}

static void
coll_clear(void)
{
    for (size_t i = 0; i < g_nev; i++)
        sw_event_destroy(g_ev[i]);
    g_nev = 0;
}

/* The caller's side of the subject: what fill was asked, and the hash it then provides. */
struct filler {
    unsigned sha_calls, all_calls;
    const char *data;
    struct sw_file_part *fi;
};

static void
fill(void *ctx, enum sw_file_need need)
{
    struct filler *f = ctx;

    if (need == SW_FILE_NEED_ALL)
        f->all_calls++;
    else
        f->sha_calls++;
    sw_sha256_hex(f->data, strlen(f->data), f->fi->sha256);
    if (need == SW_FILE_NEED_ALL)
        f->fi->magic = "completed";
}

struct fixture {
    char dir[64];
    struct sw_yara_rules *rules;
    struct sw_ioc_set *ioc;
};

static const char listed[] = "a file whose hash an IOC list names\n";

static int
setup(void **state)
{
    static struct fixture fx;
    char p[128], sha[65], line[80];
    struct sw_yara_load_stats ls;
    struct sw_ioc_load_stats is;
    struct sw_err err;

    snprintf(fx.dir, sizeof(fx.dir), "/tmp/sw-detfile.XXXXXX");
    if (mkdtemp(fx.dir) == NULL)
        return -1;
    snprintf(p, sizeof(p), "%s/t.yar", fx.dir);
    test_put_file(p, "rule marker { strings: $a = \"" MARK "\" condition: $a and seawall_source "
                  "== \"fim\" }\n");
    sw_sha256_hex(listed, strlen(listed), sha);
    snprintf(line, sizeof(line), "%s\n", sha);
    snprintf(p, sizeof(p), "%s/known.sha256", fx.dir);
    test_put_file(p, line);
    if (sw_yara_init(&err) != SW_OK)
        return -1;
    struct sw_yara_load_opts lo = {.dir = fx.dir};

    fx.rules = sw_yara_load(&lo, &ls, &err);
    fx.ioc = sw_ioc_load(fx.dir, NULL, NULL, &is, &err);
    if (fx.rules == NULL || fx.ioc == NULL || ls.rules != 1 || is.hashes != 1)
        return -1;
    *state = &fx;
    return 0;
}

static int
teardown(void **state)
{
    struct fixture *fx = *state;
    char cmd[128];

    sw_yara_rules_destroy(fx->rules);
    sw_ioc_destroy(fx->ioc);
    sw_yara_fini();
    snprintf(cmd, sizeof(cmd), "rm -rf %s", fx->dir);
    return system(cmd) == 0 ? 0 : -1;
}

static struct sw_file_subject
subject_of(const char *data, struct sw_file_part *fi, struct filler *f)
{
    memset(fi, 0, sizeof(*fi));
    fi->path = "/srv/www/up.php";
    fi->size = strlen(data);
    fi->owner = "www-data";
    fi->magic = "lazy";
    memset(f, 0, sizeof(*f));
    f->data = data;
    f->fi = fi;
    return (struct sw_file_subject){
        .path = fi->path,
        .filetype = "UNKNOWN",
        .owner = fi->owner,
        .source = "fim",
        .buf = (const uint8_t *)data,
        .len = strlen(data),
        .ts_us = 1000,
        .yara = true,
        .ioc = true,
        .fi = fi,
        .fill = fill,
        .fill_ctx = f,
    };
}

/* A YARA match is one alert with the caller's file part, completed first; a file that
 * matches nothing is scanned and hashed for the IOC check only, never completed. */
static void
yara_alert_carries_the_completed_file_part_and_a_clean_file_costs_nothing(void **state)
{
    struct fixture *fx = *state;
    struct sw_emitter em = {.emit = coll_emit};
    struct sw_detect_file_limits lim = {.max_strings = 4, .string_bytes = 32};
    struct sw_detect_file *d = sw_detect_file_create(fx->rules, fx->ioc, NULL);
    struct sw_detect_file_thread *t = sw_detect_file_thread_create(&lim);
    struct sw_detect_file_result res;
    struct sw_file_part fi;
    struct filler f;
    struct sw_err err;

    assert_non_null(d);
    assert_non_null(t);
    assert_int_equal(sw_detect_file_thread_install(t, d, &err), SW_OK); /* takes d */

    struct sw_file_subject s = subject_of("<?php /* " MARK " */ ?>\n", &fi, &f);

    assert_int_equal(sw_detect_file_run(t, &s, &em, &res, &err), 1);
    assert_true(res.scanned);
    assert_int_equal(res.scan_rc, SW_OK);
    assert_int_equal(res.matches, 1);
    assert_int_equal(res.ioc_matches, 0);
    assert_int_equal(f.all_calls, 1);
    assert_int_equal(g_nev, 1);
    assert_int_equal(g_ev[0]->type, SW_EV_ALERT);
    assert_string_equal(g_ev[0]->file->rule, "marker");
    assert_string_equal(g_ev[0]->file->path, "/srv/www/up.php");
    assert_string_equal(g_ev[0]->file->magic, "completed");
    assert_string_equal(g_ev[0]->file->sha256, fi.sha256);
    coll_clear();

    s = subject_of("nothing to see\n", &fi, &f);
    assert_int_equal(sw_detect_file_run(t, &s, &em, &res, &err), 0);
    assert_true(res.scanned);
    assert_int_equal(f.all_calls, 0);
    assert_int_equal(f.sha_calls, 1); /* the IOC check reads the hash */
    assert_int_equal(g_nev, 0);

    /* Neither detector asked for: no scan, no hash. */
    s = subject_of("<?php /* " MARK " */ ?>\n", &fi, &f);
    s.yara = false;
    s.ioc = false;
    assert_int_equal(sw_detect_file_run(t, &s, &em, &res, &err), 0);
    assert_false(res.scanned);
    assert_int_equal(f.sha_calls + f.all_calls, 0);
    sw_detect_file_thread_destroy(t);
}

/* A listed hash raises one ioc alert, completed like a YARA one, whether or not YARA ran (a
 * file too large for it is still a known hash); the source external is the subject's. */
static void
ioc_alert_for_a_listed_hash_with_or_without_yara(void **state)
{
    struct fixture *fx = *state;
    struct sw_emitter em = {.emit = coll_emit};
    struct sw_detect_file *d = sw_detect_file_create(fx->rules, fx->ioc, NULL);
    struct sw_detect_file_thread *t = sw_detect_file_thread_create(NULL);
    struct sw_detect_file_result res;
    struct sw_file_part fi;
    struct filler f;
    struct sw_err err;

    assert_int_equal(sw_detect_file_thread_install(t, d, &err), SW_OK);

    struct sw_file_subject s = subject_of(listed, &fi, &f);

    s.yara = false;
    assert_int_equal(sw_detect_file_run(t, &s, &em, &res, &err), 1);
    assert_false(res.scanned);
    assert_int_equal(res.ioc_matches, 1);
    assert_int_equal(f.all_calls, 1);
    assert_int_equal(g_nev, 1);
    assert_string_equal(g_ev[0]->u.alert.detector, "ioc");
    assert_string_equal(g_ev[0]->file->magic, "completed");
    assert_int_equal(g_ev[0]->ts_us, 1000);
    coll_clear();

    /* seawall scan's source: the rule asks for "fim", so only the IOC list matches. */
    s = subject_of("<?php /* " MARK " */ ?>\n", &fi, &f);
    s.source = "file";
    assert_int_equal(sw_detect_file_run(t, &s, &em, &res, &err), 0);
    assert_true(res.scanned);
    sw_detect_file_thread_destroy(t);
}

/* The reload story: the pool's set is one pointer; a thread installs the new set and gives
 * back the old one, which lives while any holder keeps it. NULL installs nothing. */
static void
install_replaces_the_set_and_holds_keep_it_alive(void **state)
{
    struct fixture *fx = *state;
    struct sw_emitter em = {.emit = coll_emit};
    struct sw_detect_file *old = sw_detect_file_create(fx->rules, NULL, NULL);
    struct sw_detect_file *next = sw_detect_file_create(NULL, fx->ioc, NULL);
    struct sw_detect_file_thread *t = sw_detect_file_thread_create(NULL);
    struct sw_detect_file_result res;
    struct sw_file_part fi;
    struct filler f;
    struct sw_err err;

    assert_int_equal(sw_detect_file_thread_install(t, sw_detect_file_hold(old), &err), SW_OK);
    sw_detect_file_destroy(old); /* the thread's hold keeps it */

    struct sw_file_subject s = subject_of(listed, &fi, &f);

    assert_int_equal(sw_detect_file_run(t, &s, &em, &res, &err), 0); /* rules, no lists */
    assert_true(res.scanned);
    assert_int_equal(sw_detect_file_thread_install(t, next, &err), SW_OK);
    s = subject_of(listed, &fi, &f);
    assert_int_equal(sw_detect_file_run(t, &s, &em, &res, &err), 1); /* lists, no rules */
    assert_false(res.scanned);
    coll_clear();
    sw_detect_file_thread_clear(t);
    s = subject_of(listed, &fi, &f);
    assert_int_equal(sw_detect_file_run(t, &s, &em, &res, &err), 0);
    assert_false(res.scanned);
    sw_detect_file_thread_destroy(t);
    sw_detect_file_thread_destroy(NULL);
    sw_detect_file_destroy(NULL);
}

/* One adder for every all-uint64_t counter struct: each field is summed. */
static void
counters_add_every_field(void **state)
{
    struct sw_scan_stats a, b;
    uint64_t *pa = (uint64_t *)(void *)&a, *pb = (uint64_t *)(void *)&b;
    size_t n = sizeof(a) / sizeof(uint64_t);

    (void)state;
    for (size_t i = 0; i < n; i++) {
        pa[i] = i;
        pb[i] = 1000 + i;
    }
    SW_COUNTERS_ADD(&a, &b);
    for (size_t i = 0; i < n; i++)
        assert_int_equal(pa[i], 1000 + 2 * i);
    struct sw_worker_stats w = {.pkts = 1, .app_nomem = 2}, v = {.pkts = 3, .app_nomem = 4};

    sw_stats_worker_add(&w, &v);
    assert_int_equal(w.pkts, 4);
    assert_int_equal(w.app_nomem, 6);
}

/* A file on disk's fileinfo event keeps its writer (fanotify's pid and comm) and a scan
 * stats event its counts: the scan pool makes both with sw_event_create_file. */
static void
file_event_keeps_writer_and_scan_counts(void **state)
{
    struct sw_file_part fi = {.path = "/srv/www/up.php", .size = 5, .owner = "www-data",
                              .magic = "PHP script", .pid = 4242, .comm = "php-fpm8.2",
                              .has_scan = true, .scan = {.files = 7, .matches = 2}};
    struct sw_event *ev;

    (void)state;
    ev = sw_event_create_file(SW_EV_FILEINFO, 1000, &fi);
    assert_non_null(ev);
    assert_int_equal(ev->file->pid, 4242);
    assert_string_equal(ev->file->comm, "php-fpm8.2");
    assert_true(ev->file->has_scan);
    assert_int_equal(ev->file->scan.files, 7);
    assert_int_equal(ev->file->scan.matches, 2);
    assert_string_equal(ev->file->path, "/srv/www/up.php");
    assert_null(ev->file->rule);
    sw_event_destroy(ev);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(yara_alert_carries_the_completed_file_part_and_a_clean_file_costs_nothing),
        cmocka_unit_test(ioc_alert_for_a_listed_hash_with_or_without_yara),
        cmocka_unit_test(install_replaces_the_set_and_holds_keep_it_alive),
        cmocka_unit_test(counters_add_every_field),
        cmocka_unit_test(file_event_keeps_writer_and_scan_counts),
    };

    return cmocka_run_group_tests(tests, setup, teardown);
}
