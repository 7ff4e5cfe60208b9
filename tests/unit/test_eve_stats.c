/* test_eve_stats.c - unit tests of the EVE encoder's stats event (output/eve.c): checked by
 * key paths with Jansson, since its hundreds of counters are better named than frozen. */
#include "eve_test.h"
#include "sw/decode.h"
#include "sw/stats.h"

#define SEC 1000000ull

/* --- stats ------------------------------------------------------------------------------- */

static struct sw_event *
stats_event(unsigned n_workers)
{
    struct sw_event *ev = new_event(SW_EV_STATS, 1764064900000000ull);
    struct sw_stats_snap *s = sw_calloc(1, sizeof(*s));

    assert_non_null(s);
    ev->u.stats = s; /* owned by the event from here */
    s->uptime_us = 3723 * SEC + 999999;
    s->capture.files = 3;
    s->capture.files_failed = 1;
    s->capture.pkts = 1000;
    s->capture.bytes = 640000;
    s->decoder.pkts = 998;
    s->decoder.bytes = 639000;
    s->decoder.ipv4 = 900;
    s->decoder.tcp = 700;
    s->decoder.not_ip = 2;
    s->decoder.events[1] = 5;
    s->decoder.events[SW_DEV_IPV4_TRUNC] = 7;          /* a Suricata event */
    s->decoder.events[SW_DEV_GENEVE_OPT_INVALID] = 6; /* a seawall-only event */
    s->decoder_event_names = sw_decode_event_names(); /* as the pipeline sets them */
    s->decoder_event_seawall_only = sw_decode_event_seawall_only();
    s->defrag.ipv4_fragments = 17;
    s->defrag.ipv6_reassembled = 2;
    s->defrag.memcap_drops = 4;
    s->n_workers = n_workers;
    s->total.flows_created = 321;
    s->total.flows_active = 20;
    s->total.flows_tcp = 300;
    s->total.alerts = 9;
    s->total.alerts_suppressed = 2;
    s->total.flows_evicted = 6;
    s->total.dns_messages = 31;
    s->total.tls_certificates = 5;
    s->total.app_nomem = 1;
    s->output_events = 330;
    s->worker = sw_calloc(n_workers, sizeof(*s->worker));
    assert_non_null(s->worker);
    for (unsigned i = 0; i < n_workers; i++) {
        s->worker[i].flows_created = 100 + i;
        s->worker[i].alerts = 3 + i;
        s->worker[i].flow_memcap_drops = 10 * i;
    }
    return ev;
}

static void
stats_event_has_suricata_and_seawall_key_paths(void **state)
{
    json_t *j;

    (void)state;
    j = parse(encode(stats_event(2)));
    assert_string_equal(json_string_value(at(j, "event_type")), "stats");
    assert_string_equal(json_string_value(at(j, "timestamp")), "2025-11-25T10:01:40.000000+0000");
    assert_string_equal(json_string_value(at(j, "host")), "sensor-1");
    assert_null(at(j, "flow_id"));
    assert_int_equal(int_at(j, "stats.uptime"), 3723);
    assert_int_equal(int_at(j, "stats.decoder.pkts"), 998);
    assert_int_equal(int_at(j, "stats.decoder.bytes"), 639000);
    assert_int_equal(int_at(j, "stats.decoder.ipv4"), 900);
    assert_int_equal(int_at(j, "stats.decoder.tcp"), 700);
    assert_int_equal(int_at(j, "stats.decoder.avg_pkt_size"), 639000 / 998);
    assert_non_null(at(j, "stats.decoder.event"));
    assert_int_equal(int_at(j, "stats.flow.total"), 321);
    assert_int_equal(int_at(j, "stats.flow.active"), 20);
    assert_int_equal(int_at(j, "stats.flow.tcp"), 300);
    assert_int_equal(int_at(j, "stats.detect.alert"), 9);
    assert_int_equal(int_at(j, "stats.detect.alerts_suppressed"), 2);
    /* the application-layer parsers' counters (seawall-only) */
    assert_int_equal(int_at(j, "seawall.app.dns_messages"), 31);
    assert_int_equal(int_at(j, "seawall.app.tls_certificates"), 5);
    assert_int_equal(int_at(j, "seawall.app.nomem"), 1);
    assert_int_equal(int_at(j, "seawall.app.dns_malformed"), 0);
    assert_int_equal(int_at(j, "stats.defrag.ipv4.fragments"), 17);
    assert_int_equal(int_at(j, "stats.defrag.ipv6.reassembled"), 2);
    assert_int_equal(int_at(j, "stats.defrag.max_trackers_reached"), 4);
    assert_int_equal(int_at(j, "stats.threads.W#01.flow.total"), 100);
    assert_int_equal(int_at(j, "stats.threads.W#02.flow.total"), 101);
    assert_int_equal(int_at(j, "stats.threads.W#02.detect.alert"), 4);
    /* Issue 9, item 13: a thread holds Suricata's sections only (Suricata's schema gives it
     * the stats object's shape); its seawall-only counters are under seawall.threads. */
    assert_null(at(j, "stats.threads.W#02.seawall"));
    assert_int_equal(int_at(j, "seawall.threads.W#02.flow_memcap_drops"), 10);
    assert_int_equal(int_at(j, "seawall.threads.W#01.flow_memcap_drops"), 0);
    assert_null(at(j, "stats.threads.W#03"));
    assert_null(at(j, "seawall.threads.W#03"));
    assert_int_equal(int_at(j, "seawall.capture.files"), 3);
    assert_int_equal(int_at(j, "seawall.capture.files_failed"), 1);
    assert_int_equal(int_at(j, "seawall.capture.pkts"), 1000);
    assert_int_equal(int_at(j, "seawall.worker.flows_evicted"), 6);
    assert_int_equal(int_at(j, "seawall.defrag.memcap_drops"), 4);
    assert_int_equal(int_at(j, "seawall.output.events"), 330);
    assert_int_equal(int_at(j, "seawall.not_ip"), 2);
    assert_non_null(at(j, "seawall.decoder_event"));
    /* decoder event counters under the names the snapshot carries */
    char path[128];
    snprintf(path, sizeof(path), "stats.decoder.event.%s", sw_decode_event_name(SW_DEV_IPV4_TRUNC));
    assert_int_equal(int_at(j, path), 7);
    snprintf(path, sizeof(path), "seawall.decoder_event.%s",
             sw_decode_event_name(SW_DEV_GENEVE_OPT_INVALID));
    assert_int_equal(int_at(j, path), 6);
    assert_no_empty_strings(j);
}

/* The encoder has no decoder or nDPI table of its own: names travel with the event. */
static void
names_come_with_the_event(void **state)
{
    struct sw_event *ev;
    json_t *j;

    (void)state;
    ev = stats_event(1);
    ev->u.stats->decoder_event_names = NULL;
    j = parse(encode(ev));
    assert_int_equal(json_object_size(at(j, "stats.decoder.event")), 0);
    sw_event_destroy(g.ev);
    g.ev = NULL;
    ev = risk_alert_event();
    ev->ndpi.risk_text = NULL;
    j = parse(encode(ev));
    json_t *r = json_array_get(at(j, "ndpi.risks"), 0);
    assert_int_equal(json_integer_value(json_object_get(r, "id")), 6);
    assert_null(json_object_get(r, "name"));
}

static void
stats_event_with_one_worker_has_no_threads(void **state)
{
    json_t *j;

    (void)state;
    j = parse(encode(stats_event(1)));
    assert_null(at(j, "stats.threads"));
    assert_null(at(j, "seawall.threads"));
    assert_int_equal(int_at(j, "stats.flow.total"), 321);
    assert_int_equal(int_at(j, "stats.decoder.avg_pkt_size"), 639000 / 998);
}

static void
stats_event_with_no_packets_has_zero_average(void **state)
{
    struct sw_event *ev;
    json_t *j;

    (void)state;
    ev = stats_event(1);
    ev->u.stats->decoder.pkts = 0;
    ev->u.stats->decoder.bytes = 0;
    j = parse(encode(ev));
    assert_int_equal(int_at(j, "stats.decoder.avg_pkt_size"), 0);
}

/* --- time -------------------------------------------------------------------------------- */

int
main(void)
{
#define T(f) cmocka_unit_test_teardown(f, teardown)
    const struct CMUnitTest tests[] = {
        T(stats_event_has_suricata_and_seawall_key_paths),
        T(stats_event_with_one_worker_has_no_threads),
        T(stats_event_with_no_packets_has_zero_average),
        T(names_come_with_the_event),
    };
#undef T

    return cmocka_run_group_tests(tests, NULL, NULL);
}
