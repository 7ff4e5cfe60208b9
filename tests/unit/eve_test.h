/* eve_test.h - what the EVE encoder's unit tests share (test_eve.c, test_eve_stats.c,
 * test_eve_app.c): the event a test made (freed by the teardown whatever happened), builders,
 * encoding and parsing with Jansson, and lookups by dotted path. Header-only: static inline,
 * so a test that does not use a helper does not warn. */
#ifndef SW_EVE_TEST_H
#define SW_EVE_TEST_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <jansson.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sw/alloc.h"
#include "sw/eve.h"
#include "sw/event.h"
#include "sw/ndpi.h"
#include "sw/ndpi_names.h"

static const struct sw_eve_cfg g_cfg = {.host = "sensor-1"};

/* What a test made, freed by the teardown whatever happened. */
static struct {
    struct sw_event *ev;
    char *out; /* from sw_eve_encode (free()) */
    json_t *parsed;
} g;

static inline int
teardown(void **state)
{
    (void)state;
    sw_alloc_fail_at(0);
    sw_event_destroy(g.ev);
    free(g.out);
    json_decref(g.parsed);
    memset(&g, 0, sizeof(g));
    sw_eve_thread_fini();
    return 0;
}

static inline void
set_v4(uint8_t *a, uint8_t x, uint8_t y, uint8_t z, uint8_t w)
{
    memset(a, 0, 16);
    a[0] = x;
    a[1] = y;
    a[2] = z;
    a[3] = w;
}

static inline void
set_text(char *dst, size_t len, const char *s)
{
    snprintf(dst, len, "%s", s);
}

static inline unsigned
risk(const char *code)
{
    int id = sw_ndpi_risk_by_code(code);

    if (id <= 0)
        fail_msg("unknown risk %s", code);
    return (unsigned)id;
}

static inline struct sw_event *
new_event(enum sw_event_type type, uint64_t ts_us)
{
    struct sw_event *ev = sw_event_create(type, ts_us);

    assert_non_null(ev);
    g.ev = ev;
    return ev;
}

static inline const char *
encode(const struct sw_event *ev)
{
    size_t len = 0;

    free(g.out);
    g.out = sw_eve_encode(&g_cfg, ev, &len);
    assert_non_null(g.out);
    assert_int_equal(len, strlen(g.out));
    return g.out;
}

/* No string anywhere in the tree is empty: absent values are left out. */
static inline void
assert_no_empty_strings(json_t *j)
{
    switch (json_typeof(j)) {
    case JSON_STRING:
        assert_true(json_string_length(j) > 0);
        break;
    case JSON_OBJECT:
        for (void *it = json_object_iter(j); it != NULL; it = json_object_iter_next(j, it)) {
            assert_true(json_object_iter_key(it)[0] != '\0');
            assert_no_empty_strings(json_object_iter_value(it));
        }
        break;
    case JSON_ARRAY:
        for (size_t i = 0; i < json_array_size(j); i++)
            assert_no_empty_strings(json_array_get(j, i));
        break;
    default:
        break;
    }
}

/* Parse text as JSON (must succeed) into g.parsed. */
static inline json_t *
parse(const char *text)
{
    json_error_t jerr;

    json_decref(g.parsed);
    g.parsed = json_loads(text, JSON_REJECT_DUPLICATES, &jerr);
    if (g.parsed == NULL)
        fail_msg("not JSON (%s at %d): %s", jerr.text, jerr.position, text);
    return g.parsed;
}


/* The value at a dotted path of the parsed tree ("stats.decoder.pkts"), or NULL. */
static inline json_t *
at(json_t *root, const char *path)
{
    char buf[256], *save = NULL;
    json_t *j = root;

    snprintf(buf, sizeof(buf), "%s", path);
    for (char *k = strtok_r(buf, ".", &save); k != NULL; k = strtok_r(NULL, ".", &save)) {
        j = json_object_get(j, k);
        if (j == NULL)
            return NULL;
    }
    return j;
}

static inline json_int_t
int_at(json_t *root, const char *path)
{
    json_t *j = at(root, path);

    if (j == NULL || !json_is_integer(j))
        fail_msg("no integer at %s", path);
    return json_integer_value(j);
}

static inline struct sw_event *
risk_alert_event(void)
{
    struct sw_event *ev = new_event(SW_EV_ALERT, 1764064805123456ull);
    struct sw_flow_ref *r = &ev->flow;
    struct sw_alert *a = &ev->u.alert;
    unsigned id = risk("NDPI_TLS_SELFSIGNED_CERTIFICATE");

    r->flow_id = 987654321ull;
    r->ip_version = 4;
    r->proto = IPPROTO_TCP;
    set_v4(r->src, 10, 0, 0, 5);
    set_v4(r->dst, 93, 184, 216, 34);
    r->sport = 41234;
    r->dport = 8443;
    set_text(r->community_id, sizeof(r->community_id), "1:2KQ8fxwDClaC/5o+3Qvheg0evM4=");
    ev->counts.pkts_toserver = 4;
    ev->counts.pkts_toclient = 3;
    ev->counts.bytes_toserver = 720;
    ev->counts.bytes_toclient = 3100;
    ev->counts.start_us = 1764064805000000ull;
    ev->counts.end_us = 1764064805123456ull;
    ev->has_ndpi = true;
    set_text(ev->ndpi.protocol, sizeof(ev->ndpi.protocol), "TLS");
    set_text(ev->ndpi.category, sizeof(ev->ndpi.category), "Web");
    set_text(ev->ndpi.confidence, sizeof(ev->ndpi.confidence), "DPI");
    set_text(ev->ndpi.hostname, sizeof(ev->ndpi.hostname), "self.example.net");
    ev->ndpi.risks = 1ull << id;
    ev->ndpi.risk_text = sw_ndpi_risk_texts();
    ev->ndpi.risk_total = 100;
    ev->ndpi.risk_client = 10;
    ev->ndpi.risk_server = 90;
    set_text(ev->ndpi.app_proto, sizeof(ev->ndpi.app_proto), "tls");
    a->gid = 1;
    a->signature_id = SW_NDPI_RISK_SID_BASE + id;
    a->rev = 1;
    a->severity = 1;
    a->to_client = true;
    set_text(a->signature, sizeof(a->signature), "nDPI risk: Self-signed Certificate");
    set_text(a->category, sizeof(a->category), "Potentially Bad Traffic");
    a->detector = "ndpi_risk";
    a->ndpi_risk = id;
    sw_alert_meta_add(a, "ndpi_risk", "NDPI_TLS_SELFSIGNED_CERTIFICATE");
    sw_alert_meta_add(a, "mitre_technique_id", "T1587.003");
    sw_alert_meta_add(a, "ndpi_severity", "High");
    return ev;
}

#endif
