/* test_detset.c - detection sets: publish, adopt, settle, with a real network worker and real
 * YARA rules, so that a set freed too early shows as a use after free under ASan. */
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

#include "fakes/fakes.h"
#include "sw/alloc.h"
#include "sw/config.h"
#include "sw/decode.h"
#include "sw/detset.h"
#include "sw/hash.h"
#include "sw/net_worker.h"
#include "sw/yara.h"

#define LINKTYPE_RAW 12 /* DLT_RAW on Linux: frames start with the IP header */

static char tmpdir[64];
static unsigned n_sets;

/* A detection set of the default configuration and one YARA rule `rule` matching marker
 * (rule NULL: a rules folder without a YARA rule). */
static struct sw_det_set *
set_with(const char *rule, const char *marker)
{
    struct sw_yara_load_stats ls;
    struct sw_yara_load_opts lo = {.dir = NULL};
    struct sw_yara_rules *rules;
    struct sw_config *cfg;
    struct sw_det_set *d;
    struct sw_err err;
    char dir[128], path[192];
    FILE *f;

    snprintf(dir, sizeof(dir), "%s/set%u", tmpdir, n_sets++);
    assert_int_equal(mkdir(dir, 0700), 0);
    snprintf(path, sizeof(path), "%s/r.yar", dir);
    if (rule != NULL) {
        f = fopen(path, "w");
        assert_non_null(f);
        fprintf(f, "rule %s { strings: $m = \"%s\" condition: $m }\n", rule, marker);
        assert_int_equal(fclose(f), 0);
    }
    lo.dir = dir;
    rules = sw_yara_load(&lo, &ls, &err);
    assert_non_null(rules);
    assert_int_equal(ls.rules, rule != NULL ? 1 : 0);
    cfg = sw_cfg_defaults(&err);
    assert_non_null(cfg);
    d = sw_det_set_create(cfg, &(struct sw_det_set_opts){.yara = rules}, &err);
    assert_non_null(d);
    return d;
}

/* The reader thread's work when it adopts a set: what the pipeline's workers do. */
static enum sw_rc
install(void *ctx, const struct sw_det_set *d, struct sw_err *err)
{
    return sw_net_worker_set_detection(ctx, d->detect, err);
}

/* Decode a raw IPv4/TCP frame 10.0.0.1:40000 <-> 10.0.0.2:9999 and hand it to the worker. */
static void
tcp(struct sw_net_worker *nw, bool to_server, uint8_t flags, uint32_t seq, uint32_t ack,
    const char *payload, uint64_t ts_us)
{
    static const uint8_t cli[4] = {10, 0, 0, 1}, srv[4] = {10, 0, 0, 2};
    uint8_t frame[256];
    size_t plen = payload != NULL ? strlen(payload) : 0, len = 40 + plen;
    struct sw_decode_stats st;
    struct sw_decode_cfg dcfg;
    struct sw_packet p;
    uint16_t sport = to_server ? 40000 : 9999, dport = to_server ? 9999 : 40000;

    assert_true(len <= sizeof(frame));
    memset(frame, 0, sizeof(frame));
    frame[0] = 0x45;
    frame[2] = (uint8_t)(len >> 8);
    frame[3] = (uint8_t)len;
    frame[8] = 64;
    frame[9] = 6;
    memcpy(frame + 12, to_server ? cli : srv, 4);
    memcpy(frame + 16, to_server ? srv : cli, 4);
    frame[20] = (uint8_t)(sport >> 8);
    frame[21] = (uint8_t)sport;
    frame[22] = (uint8_t)(dport >> 8);
    frame[23] = (uint8_t)dport;
    for (int i = 0; i < 4; i++) {
        frame[24 + i] = (uint8_t)(seq >> (24 - 8 * i));
        frame[28 + i] = (uint8_t)(ack >> (24 - 8 * i));
    }
    frame[32] = 0x50;
    frame[33] = flags;
    frame[34] = 0xff;
    memcpy(frame + 40, payload != NULL ? payload : "", plen);
    memset(&p, 0, sizeof(p));
    memset(&st, 0, sizeof(st));
    p.data = frame;
    p.caplen = p.wirelen = (uint32_t)len;
    p.ts_us = ts_us;
    p.linktype = LINKTYPE_RAW;
    sw_decode_cfg_defaults(&dcfg);
    assert_int_equal(sw_decode_frame(&dcfg, &p, &st), SW_DECODE_OK);
    sw_net_worker_packet(nw, &p);
}

/* One TCP connection carrying text from the client, ended by the worker: its stream is
 * scanned with the rules the worker has installed. */
static void
connection(struct sw_net_worker *nw, const char *text, uint64_t ts_us)
{
    tcp(nw, true, 0x02, 1000, 0, NULL, ts_us);
    tcp(nw, false, 0x12, 5000, 1001, NULL, ts_us + 10);
    tcp(nw, true, 0x10, 1001, 5001, NULL, ts_us + 20);
    tcp(nw, true, 0x18, 1001, 5001, text, ts_us + 30);
    sw_net_worker_flush(nw, ts_us + 40);
}

/* Issue 9, item 6: a worker that cannot install a new set (out of memory for its scanner)
 * keeps scanning with the previous set's rules, so that set must stay alive: the worker does
 * not acknowledge the new generation, settle keeps the old set, and a later attempt that
 * succeeds lets it go. Swept over every allocation of the install; ASan checks that nothing
 * freed is used and nothing leaks. */
static void
failed_install_keeps_the_previous_set_alive(void **state)
{
    struct sw_config *base = sw_cfg_defaults(NULL);
    unsigned failed = 0;
    uint64_t ts = 1700000000000000u;

    (void)state;
    assert_non_null(base);
    for (unsigned long n = 1; n < 64; n++) {
        struct sw_det_set *a = set_with("rule_a", "alpha-marker");
        struct sw_det_set *b = set_with("rule_b", "bravo-marker");
        struct fake_emitter fe;
        struct sw_det_reader rd;
        struct sw_det_pub pub;
        struct sw_net_worker *nw;
        struct sw_err err;
        char why[SW_ERR_MSG_MAX];
        bool adopted, settled;

        fake_emitter_init(&fe);
        assert_int_equal(sw_det_pub_init(&pub, a, 1, &err), SW_OK);
        sw_det_reader_attach(&pub, 0, &rd, "worker 0");
        atomic_store(&rd.active, 1);
        /* The worker's own configuration outlives every set, as the pipeline's does. */
        nw = sw_net_worker_create(base, 0, 1, &(struct sw_hash_key){{1, 2}},
                                  a->detect, NULL,
                                  &fe.em, &err);
        assert_non_null(nw);
        assert_int_equal(sw_det_publish(&pub, b, 0, NULL, NULL, why, sizeof(why)),
                         SW_DET_PENDING);
        sw_alloc_fail_at(n);
        adopted = sw_det_adopt(&rd, &pub, install, nw, ts) == SW_DET_ADOPTED;
        sw_alloc_fail_at(0);
        if (!adopted) {
            failed++;
            settled = sw_det_settle(&pub);
            /* Scans with the scanner it kept, on set a's rules: freed, ASan says so. */
            connection(nw, "xx alpha-marker bravo-marker yy", ts);
            assert_false(settled);
            assert_int_equal(atomic_load(&rd.gen), 1);
            assert_int_equal(atomic_load(&rd.failed_gen), 2);
            assert_ptr_equal(rd.set, a);
            assert_int_equal(fake_emitter_rule_count(&fe, "rule_a"), 1);
            assert_int_equal(fake_emitter_rule_count(&fe, "rule_b"), 0);
            assert_true(strstr(rd.err.msg, "out of memory") != NULL);
            /* Not before a second has passed (no retry per batch) ... */
            assert_int_equal(sw_det_adopt(&rd, &pub, install, nw, ts + 1000), SW_DET_KEPT);
            /* ... then, with memory back, it switches and the old set goes. */
            assert_int_equal(sw_det_adopt(&rd, &pub, install, nw, ts + 2000000), SW_DET_ADOPTED);
        }
        assert_int_equal(atomic_load(&rd.gen), 2);
        assert_true(sw_det_settle(&pub));
        connection(nw, "xx alpha-marker bravo-marker yy", ts + 3000000);
        assert_int_equal(fake_emitter_rule_count(&fe, "rule_b"), 1);
        sw_net_worker_destroy(nw, ts + 4000000);
        sw_det_pub_fini(&pub);
        if (adopted)
            break;
    }
    sw_cfg_free(base);
    print_message("installs that ran out of memory: %u\n", failed);
    assert_true(failed > 0); /* the sweep reached the install's allocations */
}

static enum sw_rc
install_ok(void *ctx, const struct sw_det_set *d, struct sw_err *err)
{
    (void)ctx;
    (void)d;
    (void)err;
    return SW_OK;
}

/* Issue 9, item 5: what a publish reports when a reader lags. Published but not taken by a
 * reader in time: pending, naming it; a second publish then: refused, nothing published, the
 * new set freed; once the reader switches, settle frees the old set; an inactive reader
 * (thread ended) does not hold anything up. */
static void
publish_reports_a_lagging_reader(void **state)
{
    struct sw_det_reader r0, r1;
    struct sw_det_pub pub;
    struct sw_err err;
    char why[SW_ERR_MSG_MAX];

    (void)state;
    assert_int_equal(sw_det_pub_init(&pub, set_with("r1", "m1"), 2, &err), SW_OK);
    sw_det_reader_attach(&pub, 0, &r0, "worker 0");
    sw_det_reader_attach(&pub, 1, &r1, "capture thread of veth1");
    atomic_store(&r0.active, 1);
    atomic_store(&r1.active, 1);
    assert_int_equal(sw_det_adopt(&r1, &pub, install_ok, NULL, 0), SW_DET_KEPT);
    assert_int_equal(sw_det_publish(&pub, set_with("r2", "m2"), 5, NULL, NULL, why, sizeof(why)),
                     SW_DET_PENDING);
    assert_string_equal(why, "worker 0 did not switch in time");
    assert_int_equal(sw_det_current(&pub)->gen, 2);
    assert_int_equal(sw_det_adopt(&r1, &pub, install_ok, NULL, 0), SW_DET_ADOPTED);
    assert_false(sw_det_settle(&pub)); /* worker 0 still on generation 1 */
    assert_int_equal(sw_det_publish(&pub, set_with("r3", "m3"), 5, NULL, NULL, why, sizeof(why)),
                     SW_DET_REFUSED);
    assert_string_equal(why, "worker 0 has not switched since the previous reload");
    assert_int_equal(sw_det_current(&pub)->gen, 2);
    assert_int_equal(sw_det_adopt(&r0, &pub, install_ok, NULL, 0), SW_DET_ADOPTED);
    assert_true(sw_det_settle(&pub));
    assert_false(sw_det_settle(&pub));
    atomic_store(&r0.active, 0);
    assert_int_equal(sw_det_adopt(&r1, &pub, install_ok, NULL, 0), SW_DET_KEPT);
    assert_int_equal(sw_det_publish(&pub, set_with("r4", "m4"), 0, NULL, NULL, why, sizeof(why)),
                     SW_DET_PENDING); /* r1 has not looked yet */
    assert_string_equal(why, "capture thread of veth1 did not switch in time");
    assert_int_equal(sw_det_adopt(&r1, &pub, install_ok, NULL, 0), SW_DET_ADOPTED);
    assert_true(sw_det_settle(&pub)); /* r0 ended: only r1 counted */
    sw_det_pub_fini(&pub);
}

/* Issue 12: a rules folder with no YARA rule (a public Suricata ruleset) gives the YARA
 * detector an empty compiled set; it must sit the set out rather than scan every stream and
 * HTTP body with nothing to find, and ask for no whole-stream hook (which keeps every TCP
 * direction buffered). With one rule it takes part. */
static void
yara_without_rules_sits_the_set_out(void **state)
{
    struct sw_det_set *empty = set_with(NULL, NULL), *one = set_with("r", "marker");

    (void)state;
    assert_false(sw_detect_has(empty->detect, &sw_det_yara_ops));
    assert_false(empty->yara);
    assert_int_equal(sw_detect_hooks(empty->detect) & SW_HOOK_BIT(SW_HOOK_STREAM_WHOLE), 0);
    assert_true(sw_detect_has(one->detect, &sw_det_yara_ops));
    assert_true(one->yara);
    assert_int_not_equal(sw_detect_hooks(one->detect) & SW_HOOK_BIT(SW_HOOK_STREAM_WHOLE), 0);
    sw_det_set_destroy(empty);
    sw_det_set_destroy(one);
}

static int
setup(void **state)
{
    struct sw_err err;

    (void)state;
    snprintf(tmpdir, sizeof(tmpdir), "/tmp/sw-detset.XXXXXX");
    if (mkdtemp(tmpdir) == NULL)
        return -1;
    return sw_yara_init(&err) == SW_OK ? 0 : -1;
}

static int
teardown(void **state)
{
    char cmd[128];

    (void)state;
    sw_yara_fini();
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
    return system(cmd) == 0 ? 0 : -1;
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(failed_install_keeps_the_previous_set_alive),
        cmocka_unit_test(publish_reports_a_lagging_reader),
        cmocka_unit_test(yara_without_rules_sits_the_set_out),
    };

    return cmocka_run_group_tests(tests, setup, teardown);
}
