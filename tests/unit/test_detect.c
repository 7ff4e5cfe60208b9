/* test_detect.c - unit tests of the detection stage (rules/detect.c) and of the deep copy of
 * application-layer objects into alerts (output/app_obj.c, output/event.c).
 *
 * Detectors here are fakes built from the ops table: each records what it saw in a shared
 * log, may keep a counter in its per-flow slot, and may raise an alert through
 * sw_emit_alert(). Events go to a collecting emitter. Everything a test makes is freed by
 * the test or the teardown, so a failed assertion leaks nothing under ASan. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "sw/alloc.h"
#include "sw/config.h"
#include "sw/detect.h"
#include "sw/event.h"

#define TS 1764064800123456ull

/* --- collecting emitter --------------------------------------------------------------- */

#define MAX_EVENTS 32

static struct {
    struct sw_event *ev[MAX_EVENTS]; /* owned */
    size_t n;
} col;

static void
collect_emit(struct sw_emitter *em, struct sw_event *ev)
{
    (void)em;
    if (col.n == MAX_EVENTS) {
        sw_event_destroy(ev);
        return;
    }
    col.ev[col.n++] = ev;
}

static struct sw_emitter out_em = {.emit = collect_emit};

static void
clear_events(void)
{
    for (size_t i = 0; i < col.n; i++)
        sw_event_destroy(col.ev[i]);
    col.n = 0;
}

/* --- fake detectors --------------------------------------------------------------------- */

/* What the fakes saw, in order: "A:0" = detector A, hook 0. */
static char seen[256];
static unsigned flow_frees, destroys, creates;
static bool fail_thread_init_b;
static bool fail_create_b;

struct fake {
    char name;
    unsigned hooks, app_events;
    bool stateful; /* counts calls in its flow slot */
    bool alert;    /* raises one alert per call */
};

static const struct fake fake_a = {'A', SW_HOOK_BIT(SW_HOOK_PACKET) | SW_HOOK_BIT(SW_HOOK_FLOW_END),
                                   0, false, false};
static const struct fake fake_b = {'B', SW_HOOK_BIT(SW_HOOK_PACKET) | SW_HOOK_BIT(SW_HOOK_APP),
                                   1u << SW_APP_EV_DNS_QUERY, true, true};

static enum sw_rc
fake_create(void **inst, const struct fake *f, struct sw_detect_load *ld, struct sw_err *err)
{
    if (f->name == 'B' && fail_create_b)
        return sw_err_set(err, SW_EINVAL, "fake B: refused");
    creates++;
    *inst = (void *)(uintptr_t)f;
    ld->hooks = f->hooks;
    ld->app_events = f->app_events;
    return SW_OK;
}

static enum sw_rc
a_create(void **inst, const struct sw_detect_opts *o, struct sw_detect_load *ld, struct sw_err *err)
{
    (void)o;
    return fake_create(inst, &fake_a, ld, err);
}

static enum sw_rc
b_create(void **inst, const struct sw_detect_opts *o, struct sw_detect_load *ld, struct sw_err *err)
{
    (void)o;
    return fake_create(inst, &fake_b, ld, err);
}

/* A detector with nothing to do in the set. */
static enum sw_rc
idle_create(void **inst, const struct sw_detect_opts *o, struct sw_detect_load *ld,
            struct sw_err *err)
{
    (void)o;
    (void)ld;
    (void)err;
    *inst = NULL;
    return SW_OK;
}

static void
fake_destroy(void *inst)
{
    if (inst != NULL)
        destroys++;
}

static enum sw_rc
fake_thread_init(void **tctx, const void *inst, const struct sw_detect_thread_opts *topt,
                 struct sw_err *err)
{
    const struct fake *f = inst;

    (void)topt;
    if (f->name == 'B' && fail_thread_init_b)
        return sw_err_set(err, SW_ENOMEM, "fake B: no scanner");
    *tctx = sw_malloc(1); /* something to free: ASan sees a leaked context */
    if (*tctx == NULL)
        return sw_err_set(err, SW_ENOMEM, "fake: out of memory");
    *(char *)*tctx = f->name;
    return SW_OK;
}

static void
fake_thread_fini(void *tctx)
{
    sw_free(tctx);
}

static void
fake_inspect(void *tctx, const struct sw_subject *s, struct sw_emitter *em)
{
    char name = *(char *)tctx;
    size_t len = strlen(seen);

    snprintf(seen + len, sizeof(seen) - len, "%c:%d ", name, (int)s->hook);
    if (name != 'B')
        return;
    if (s->fstate != NULL) {
        unsigned *calls = *s->fstate;

        if (calls == NULL) {
            calls = sw_calloc(1, sizeof(*calls));
            *s->fstate = calls;
        }
        if (calls != NULL)
            ++*calls;
    }
    struct sw_alert a;

    memset(&a, 0, sizeof(a));
    a.gid = 1;
    a.signature_id = 42;
    a.rev = 2;
    a.severity = 2;
    a.detector = "rule";
    snprintf(a.signature, sizeof(a.signature), "fake B");
    (void)sw_emit_alert(em, s, &a);
}

static void
fake_flow_free(void *state)
{
    flow_frees++;
    sw_free(state);
}

static void
fake_stats(const void *tctx, struct sw_worker_stats *out)
{
    (void)tctx;
    out->stream_scans += 1; /* one per detector per call: shows each was asked */
}

static const struct sw_detector_ops ops_a = {
    .name = "a",
    .create = a_create,
    .destroy = fake_destroy,
    .thread_init = fake_thread_init,
    .inspect = fake_inspect,
    .thread_fini = fake_thread_fini,
    .stats = fake_stats,
};
static const struct sw_detector_ops ops_b = {
    .name = "b",
    .create = b_create,
    .destroy = fake_destroy,
    .thread_init = fake_thread_init,
    .inspect = fake_inspect,
    .thread_fini = fake_thread_fini,
    .flow_free = fake_flow_free,
    .stats = fake_stats,
};
static const struct sw_detector_ops ops_idle = {
    .name = "idle",
    .create = idle_create,
    .destroy = fake_destroy,
    .thread_init = fake_thread_init,
    .inspect = fake_inspect,
    .thread_fini = fake_thread_fini,
};

static const struct sw_detector_ops *const list_ab[] = {&ops_a, &ops_idle, &ops_b, NULL};

/* --- subjects ------------------------------------------------------------------------- */

static struct sw_flow_ref ref;
static struct sw_flow_counts counts;
static struct sw_ndpi_info ndpi;

static void
subject_init(struct sw_subject *s, enum sw_hook hook)
{
    memset(s, 0, sizeof(*s));
    memset(&ref, 0, sizeof(ref));
    ref.flow_id = 77;
    ref.ip_version = 4;
    ref.proto = 17;
    ref.src[0] = 10;
    ref.dst[0] = 192;
    ref.sport = 5353;
    ref.dport = 53;
    memset(&counts, 0, sizeof(counts));
    counts.pkts_toserver = 1;
    memset(&ndpi, 0, sizeof(ndpi));
    snprintf(ndpi.protocol, sizeof(ndpi.protocol), "DNS");
    snprintf(ndpi.app_proto, sizeof(ndpi.app_proto), "dns");
    s->hook = hook;
    s->ts_us = TS;
    s->flow = &ref;
    s->counts = &counts;
    s->ndpi = &ndpi;
}

static struct sw_detect *
make_set(const struct sw_detector_ops *const *list)
{
    struct sw_detect_opts o;
    struct sw_err err;
    struct sw_detect *d;

    memset(&o, 0, sizeof(o));
    memset(&err, 0, sizeof(err));
    o.detectors = list;
    d = sw_detect_create(&o, NULL, &err);
    if (d == NULL)
        fail_msg("set: %s", err.msg);
    return d;
}

static int
setup(void **state)
{
    (void)state;
    seen[0] = '\0';
    flow_frees = destroys = creates = 0;
    fail_thread_init_b = fail_create_b = false;
    col.n = 0;
    return 0;
}

static int
teardown(void **state)
{
    (void)state;
    clear_events();
    sw_alloc_fail_at(0);
    return 0;
}

/* --- tests -------------------------------------------------------------------------------- */

static void
hooks_reach_only_detectors_that_ask_for_them(void **state)
{
    struct sw_detect *d = make_set(list_ab);
    struct sw_err err;
    struct sw_detect_thread *t = sw_detect_thread_create(d, NULL, &out_em, &err);
    struct sw_subject s;
    void *fdet = NULL;

    (void)state;
    assert_non_null(t);
    assert_int_equal(sw_detect_hooks(d), SW_HOOK_BIT(SW_HOOK_PACKET) |
                                             SW_HOOK_BIT(SW_HOOK_FLOW_END) |
                                             SW_HOOK_BIT(SW_HOOK_APP));
    assert_int_equal(sw_detect_app_events(d), 1u << SW_APP_EV_DNS_QUERY);
    subject_init(&s, SW_HOOK_PACKET);
    sw_detect_run(t, &s, &fdet);
    subject_init(&s, SW_HOOK_STREAM_WHOLE); /* nobody asked */
    sw_detect_run(t, &s, &fdet);
    subject_init(&s, SW_HOOK_APP);
    s.app.event = SW_APP_EV_DNS_ANSWER; /* B wants queries only */
    sw_detect_run(t, &s, &fdet);
    s.app.event = SW_APP_EV_DNS_QUERY;
    sw_detect_run(t, &s, &fdet);
    subject_init(&s, SW_HOOK_FLOW_END);
    sw_detect_run(t, &s, &fdet);
    /* table order within a hook: A before B; the idle detector is not in the set */
    assert_string_equal(seen, "A:0 B:0 B:3 A:4 ");
    sw_detect_flow_free(t, &fdet);
    assert_null(fdet);
    sw_detect_thread_destroy(t);
    sw_detect_destroy(d);
    assert_int_equal(destroys, 2);
}

static void
flow_slot_persists_until_flow_free(void **state)
{
    struct sw_detect *d = make_set(list_ab);
    struct sw_err err;
    struct sw_detect_thread *t = sw_detect_thread_create(d, NULL, &out_em, &err);
    struct sw_subject s;
    void *fdet = NULL, *other = NULL;

    (void)state;
    subject_init(&s, SW_HOOK_PACKET);
    for (int i = 0; i < 3; i++)
        sw_detect_run(t, &s, &fdet);
    sw_detect_run(t, &s, &other); /* another flow has its own slot */
    assert_non_null(fdet);
    assert_null(s.fstate); /* not left pointing at a slot after the call */
    sw_detect_flow_free(t, &fdet);
    assert_int_equal(flow_frees, 1);
    sw_detect_flow_free(t, &other);
    assert_int_equal(flow_frees, 2);
    sw_detect_flow_free(t, &other); /* already freed: nothing */
    assert_int_equal(flow_frees, 2);
    sw_detect_thread_destroy(t);
    sw_detect_destroy(d);
}

static void
reload_frees_old_slots_at_next_hook(void **state)
{
    struct sw_detect *d1 = make_set(list_ab), *d2 = make_set(list_ab);
    struct sw_err err;
    struct sw_detect_thread *t = sw_detect_thread_create(d1, NULL, &out_em, &err);
    struct sw_subject s;
    void *fdet = NULL;

    (void)state;
    subject_init(&s, SW_HOOK_PACKET);
    sw_detect_run(t, &s, &fdet);
    sw_detect_run(t, &s, &fdet);
    assert_int_equal(sw_detect_thread_install(t, d2, &err), SW_OK);
    assert_ptr_equal(sw_detect_thread_set(t), d2);
    sw_detect_destroy(d1); /* the old set may go: the slot does not depend on it */
    assert_int_equal(flow_frees, 0);
    sw_detect_run(t, &s, &fdet);
    assert_int_equal(flow_frees, 1); /* freed lazily, at the flow's next hook */
    sw_detect_flow_free(t, &fdet);
    assert_int_equal(flow_frees, 2);
    sw_detect_thread_destroy(t);
    sw_detect_destroy(d2);
}

static void
failed_install_keeps_previous_set(void **state)
{
    struct sw_detect *d1 = make_set(list_ab), *d2 = make_set(list_ab);
    struct sw_err err;
    struct sw_detect_thread *t = sw_detect_thread_create(d1, NULL, &out_em, &err);
    struct sw_subject s;
    void *fdet = NULL;

    (void)state;
    fail_thread_init_b = true;
    memset(&err, 0, sizeof(err));
    assert_int_equal(sw_detect_thread_install(t, d2, &err), SW_ENOMEM);
    assert_string_equal(err.msg, "fake B: no scanner");
    assert_ptr_equal(sw_detect_thread_set(t), d1);
    subject_init(&s, SW_HOOK_PACKET);
    sw_detect_run(t, &s, &fdet);
    assert_string_equal(seen, "A:0 B:0 ");
    sw_detect_flow_free(t, &fdet);
    sw_detect_thread_destroy(t);
    sw_detect_destroy(d1);
    sw_detect_destroy(d2);
}

static void
create_failure_frees_detectors_already_built(void **state)
{
    struct sw_detect_opts o;
    struct sw_detect_load_stats st;
    struct sw_err err;

    (void)state;
    fail_create_b = true;
    memset(&o, 0, sizeof(o));
    memset(&err, 0, sizeof(err));
    o.detectors = list_ab;
    assert_null(sw_detect_create(&o, &st, &err));
    assert_string_equal(err.msg, "fake B: refused");
    assert_int_equal(creates, 1);
    assert_int_equal(destroys, 1);
}

static void
load_stats_name_every_detector_and_mark_idle_ones(void **state)
{
    struct sw_detect_opts o;
    struct sw_detect_load_stats st;
    struct sw_err err;
    struct sw_detect *d;

    (void)state;
    memset(&o, 0, sizeof(o));
    o.detectors = list_ab;
    d = sw_detect_create(&o, &st, &err);
    assert_non_null(d);
    assert_int_equal(st.n, 3);
    assert_string_equal(st.det[0].name, "a");
    assert_true(st.det[0].active);
    assert_string_equal(st.det[1].name, "idle");
    assert_false(st.det[1].active);
    assert_string_equal(st.det[2].name, "b");
    assert_int_equal(st.det[2].app_events, 1u << SW_APP_EV_DNS_QUERY);
    sw_detect_destroy(d);
}

static const struct sw_dns_rr q1[] = {{.rrname = "www.example.org", .rrtype = "A"}};
static const struct sw_dns_soa soa = {.mname = "ns1.example.org",
                                      .rname = "host.example.org",
                                      .serial = 7,
                                      .refresh = 1,
                                      .retry = 2,
                                      .expire = 3,
                                      .minimum = 4};
static const struct sw_dns_rr ans[] = {
    {.rrname = "www.example.org", .rrtype = "CNAME", .ttl = 60, .rdata = "example.org"},
    {.rrname = "example.org", .rrtype = "SOA", .ttl = 30, .soa = &soa},
};

static void
alert_carries_subject_flow_and_a_copy_of_the_app_object(void **state)
{
    struct sw_detect *d = make_set(list_ab);
    struct sw_err err;
    struct sw_detect_thread *t = sw_detect_thread_create(d, NULL, &out_em, &err);
    struct sw_app_obj obj;
    struct sw_subject s;
    struct sw_worker_stats ws;
    void *fdet = NULL;
    char name[32];

    (void)state;
    snprintf(name, sizeof(name), "www.example.org");
    struct sw_dns_rr q = {.rrname = name, .rrtype = "A"};
    memset(&obj, 0, sizeof(obj));
    obj.kind = SW_APP_DNS;
    obj.u.dns.response = true;
    obj.u.dns.id = 0x1234;
    obj.u.dns.flags = 0x8180;
    obj.u.dns.rcode = "NOERROR";
    obj.u.dns.queries = &q;
    obj.u.dns.n_queries = 1;
    obj.u.dns.answers = ans;
    obj.u.dns.n_answers = 2;
    subject_init(&s, SW_HOOK_APP);
    s.dir = SW_DIR_TO_CLIENT;
    s.app.event = SW_APP_EV_DNS_QUERY;
    s.app.obj = &obj;
    assert_int_equal(sw_detect_run(t, &s, &fdet), 1);
    name[0] = 'X'; /* the parser's memory changes after the call: the alert kept a copy */
    assert_int_equal(col.n, 1);
    const struct sw_event *ev = col.ev[0];
    assert_int_equal(ev->type, SW_EV_ALERT);
    assert_int_equal(ev->ts_us, TS);
    assert_int_equal(ev->flow.flow_id, 77);
    assert_int_equal(ev->flow.dport, 53);
    assert_true(ev->has_ndpi);
    assert_string_equal(ev->ndpi.app_proto, "dns");
    assert_true(ev->u.alert.to_client);
    assert_int_equal(ev->u.alert.signature_id, 42);
    assert_non_null(ev->app);
    assert_int_equal(ev->app->kind, SW_APP_DNS);
    assert_string_equal(ev->app->u.dns.queries[0].rrname, "www.example.org");
    assert_int_equal(ev->app->u.dns.n_answers, 2);
    assert_string_equal(ev->app->u.dns.answers[1].soa->rname, "host.example.org");
    assert_int_equal(ev->app->u.dns.answers[1].soa->minimum, 4);
    /* every pointer lies inside the event's allocation */
    const unsigned char *lo = (const unsigned char *)ev;
    const unsigned char *hi = lo + sizeof(*ev) + sizeof(obj) + sw_app_obj_extra(&obj) + 64;
    const unsigned char *p1 = (const unsigned char *)ev->app->u.dns.answers[1].soa->rname;
    assert_true(p1 > lo && p1 < hi);
    memset(&ws, 0, sizeof(ws));
    sw_detect_thread_stats(t, &ws);
    assert_int_equal(ws.alerts, 1);
    assert_int_equal(ws.stream_scans, 2); /* both detectors' stats were asked */
    sw_detect_flow_free(t, &fdet);
    sw_detect_thread_destroy(t);
    sw_detect_destroy(d);
}

static void
packet_alert_has_no_app_object(void **state)
{
    struct sw_detect *d = make_set(list_ab);
    struct sw_err err;
    struct sw_detect_thread *t = sw_detect_thread_create(d, NULL, &out_em, &err);
    struct sw_app_obj obj = {.kind = SW_APP_TLS};
    struct sw_subject s;

    (void)state;
    subject_init(&s, SW_HOOK_PACKET);
    s.app.obj = &obj; /* ignored outside the APP hook */
    assert_int_equal(sw_detect_run(t, &s, NULL), 1);
    assert_null(col.ev[0]->app);
    assert_false(col.ev[0]->u.alert.to_client);
    sw_detect_thread_destroy(t);
    sw_detect_destroy(d);
}

/* Allocation failures at every step: a clean failure or a counted drop, never a leak. */
static void
allocation_failure_sweep(void **state)
{
    struct sw_app_obj obj;

    (void)state;
    memset(&obj, 0, sizeof(obj));
    obj.kind = SW_APP_DNS;
    obj.u.dns.queries = q1;
    obj.u.dns.n_queries = 1;
    for (unsigned long n = 1; n < 40; n++) {
        struct sw_detect_opts o = {.detectors = list_ab};
        struct sw_detect *d;
        struct sw_detect_thread *t = NULL;
        struct sw_subject s;
        struct sw_worker_stats ws;
        struct sw_err err;
        void *fdet = NULL;

        sw_alloc_fail_at(n);
        d = sw_detect_create(&o, NULL, &err);
        if (d != NULL)
            t = sw_detect_thread_create(d, NULL, &out_em, &err);
        if (t != NULL) {
            subject_init(&s, SW_HOOK_APP);
            s.app.event = SW_APP_EV_DNS_QUERY;
            s.app.obj = &obj;
            sw_detect_run(t, &s, &fdet);
            memset(&ws, 0, sizeof(ws));
            sw_detect_thread_stats(t, &ws);
            assert_int_equal(ws.alerts + ws.event_drops, 1);
            sw_detect_flow_free(t, &fdet);
        }
        sw_alloc_fail_at(0);
        sw_detect_thread_destroy(t);
        sw_detect_destroy(d);
        clear_events();
    }
}

static void
app_copy_of_each_kind_is_deep(void **state)
{
    struct sw_app_obj h = {.kind = SW_APP_HTTP}, tl = {.kind = SW_APP_TLS};
    struct sw_event *e1, *e2;
    char url[16], subject[32];

    (void)state;
    snprintf(url, sizeof(url), "/index.php");
    snprintf(subject, sizeof(subject), "CN=www.example.org");
    h.u.http.url = url;
    h.u.http.hostname = "www.example.org";
    h.u.http.status = 200;
    h.u.http.http_port = -1;
    tl.u.tls.subject = subject;
    tl.u.tls.ja3_hash = "e7d705a3286e19ea42f587b344ee6865";
    e1 = sw_event_create_app(SW_EV_ALERT, TS, &h);
    e2 = sw_event_create_app(SW_EV_ALERT, TS, &tl);
    assert_non_null(e1);
    assert_non_null(e2);
    url[0] = subject[0] = 'X';
    assert_string_equal(e1->app->u.http.url, "/index.php");
    assert_null(e1->app->u.http.http_user_agent);
    assert_int_equal(e1->app->u.http.status, 200);
    assert_string_equal(e2->app->u.tls.subject, "CN=www.example.org");
    assert_null(e2->app->u.tls.issuerdn);
    sw_event_destroy(e1);
    sw_event_destroy(e2);
    e1 = sw_event_create_app(SW_EV_ALERT, TS, NULL); /* no object: a plain event */
    assert_non_null(e1);
    assert_null(e1->app);
    sw_event_destroy(e1);
}

static void
buffer_names_are_suricatas(void **state)
{
    (void)state;
    assert_string_equal(sw_buf_name(SW_BUF_HTTP_URI_RAW), "http.uri.raw");
    assert_string_equal(sw_buf_name(SW_BUF_FILE_DATA), "file.data");
    assert_string_equal(sw_buf_name(SW_BUF_JA3S_HASH), "ja3s.hash");
    for (int b = 0; b < SW_BUF_MAX; b++)
        assert_true(sw_buf_name((enum sw_buf)b)[0] != '\0');
    assert_string_equal(sw_buf_name(SW_BUF_MAX), "");
}

/* A reload (install) replaces the detectors' thread contexts: what the replaced ones counted
 * stays in the thread's figures, so counters never go back (a stats event after a reload). */
static void
counters_survive_an_install(void **state)
{
    struct sw_detect *d1 = make_set(list_ab), *d2 = make_set(list_ab);
    struct sw_err err;
    struct sw_detect_thread *t = sw_detect_thread_create(d1, NULL, &out_em, &err);
    struct sw_worker_stats st;
    struct sw_subject s;
    void *fdet = NULL;

    (void)state;
    assert_non_null(t);
    subject_init(&s, SW_HOOK_PACKET);
    sw_detect_run(t, &s, &fdet); /* B alerts */
    memset(&st, 0, sizeof(st));
    sw_detect_thread_stats(t, &st);
    assert_int_equal(st.stream_scans, 2); /* A and B, one each */
    assert_int_equal(st.alerts, 1);
    assert_int_equal(sw_detect_thread_install(t, d2, &err), SW_OK);
    memset(&st, 0, sizeof(st));
    sw_detect_thread_stats(t, &st);
    assert_int_equal(st.stream_scans, 4); /* the replaced contexts' 2 and the new ones' 2 */
    assert_int_equal(st.alerts, 1);
    sw_detect_flow_free(t, &fdet);
    sw_detect_thread_destroy(t);
    sw_detect_destroy(d1);
    sw_detect_destroy(d2);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(hooks_reach_only_detectors_that_ask_for_them, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(flow_slot_persists_until_flow_free, setup, teardown),
        cmocka_unit_test_setup_teardown(reload_frees_old_slots_at_next_hook, setup, teardown),
        cmocka_unit_test_setup_teardown(failed_install_keeps_previous_set, setup, teardown),
        cmocka_unit_test_setup_teardown(create_failure_frees_detectors_already_built, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(load_stats_name_every_detector_and_mark_idle_ones, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(alert_carries_subject_flow_and_a_copy_of_the_app_object,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(packet_alert_has_no_app_object, setup, teardown),
        cmocka_unit_test_setup_teardown(allocation_failure_sweep, setup, teardown),
        cmocka_unit_test_setup_teardown(app_copy_of_each_kind_is_deep, setup, teardown),
        cmocka_unit_test_setup_teardown(buffer_names_are_suricatas, setup, teardown),
        cmocka_unit_test_setup_teardown(counters_survive_an_install, setup, teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
