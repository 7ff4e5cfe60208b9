/* test_eve_app.c - unit tests of the EVE encoding of the application-layer objects alerts
 * carry (output/eve_app.c): Suricata 8's dns (version 3), tls and http objects. */
#include <netinet/in.h>

#include "eve_test.h"

/* --- application-layer objects of alerts ------------------------------------------------- */

/* An alert event about a transaction, carrying a copy of obj. */
static struct sw_event *
app_alert(const struct sw_app_obj *obj)
{
    struct sw_event *ev = sw_event_create_app(SW_EV_ALERT, 1764064805123456ull, obj);

    assert_non_null(ev);
    g.ev = ev;
    ev->flow.flow_id = 42;
    ev->flow.ip_version = 4;
    ev->flow.proto = IPPROTO_UDP;
    set_v4(ev->flow.src, 10, 0, 0, 5);
    set_v4(ev->flow.dst, 10, 0, 0, 53);
    ev->flow.sport = 5353;
    ev->flow.dport = 53;
    ev->u.alert.gid = 1;
    ev->u.alert.signature_id = 1000001;
    ev->u.alert.rev = 1;
    ev->u.alert.severity = 2;
    ev->u.alert.detector = "rule";
    set_text(ev->u.alert.signature, sizeof(ev->u.alert.signature), "test");
    return ev;
}

static const char *
path_str(json_t *j, const char *a, const char *b)
{
    json_t *o = json_object_get(j, a);

    o = b != NULL ? json_object_get(o, b) : o;
    assert_non_null(o);
    return json_string_value(o);
}

static void
dns_alert_has_the_v3_dns_object(void **state)
{
    static const struct sw_dns_soa soa = {"ns1.example.org", "host.example.org", 7, 1, 2, 3, 4};
    static const struct sw_dns_rr q[] = {{.rrname = "www.example.org", .rrtype = "A"}};
    static const struct sw_dns_rr an[] = {
        {.rrname = "www.example.org", .rrtype = "CNAME", .ttl = 3597, .rdata = "example.org"},
        {.rrname = "example.org", .rrtype = "TXT", .ttl = 5, .rdata = ""},
    };
    static const struct sw_dns_rr au[] = {{.rrname = "", .rrtype = "SOA", .ttl = 9, .soa = &soa}};
    struct sw_app_obj o = {.kind = SW_APP_DNS};
    json_t *j, *d;

    (void)state;
    o.u.dns.response = true;
    o.u.dns.tx_id = 1;
    o.u.dns.id = 0x1a2b;
    o.u.dns.flags = 0x8583; /* qr, aa, rd, ra; opcode 0; rcode 3 */
    o.u.dns.rcode = "NXDOMAIN";
    o.u.dns.queries = q;
    o.u.dns.n_queries = 1;
    o.u.dns.answers = an;
    o.u.dns.n_answers = 2;
    o.u.dns.authorities = au;
    o.u.dns.n_authorities = 1;
    j = parse(encode(app_alert(&o)));
    d = json_object_get(j, "dns");
    assert_non_null(d);
    assert_int_equal(json_integer_value(json_object_get(d, "version")), 3);
    assert_string_equal(path_str(j, "dns", "type"), "response");
    assert_int_equal(json_integer_value(json_object_get(d, "tx_id")), 1);
    assert_int_equal(json_integer_value(json_object_get(d, "id")), 0x1a2b);
    assert_string_equal(path_str(j, "dns", "flags"), "8583");
    assert_true(json_is_true(json_object_get(d, "qr")));
    assert_true(json_is_true(json_object_get(d, "aa")));
    assert_null(json_object_get(d, "tc")); /* false flags are left out, as Suricata does */
    assert_true(json_is_true(json_object_get(d, "rd")));
    assert_true(json_is_true(json_object_get(d, "ra")));
    assert_null(json_object_get(d, "z"));
    assert_int_equal(json_integer_value(json_object_get(d, "opcode")), 0);
    assert_string_equal(path_str(j, "dns", "rcode"), "NXDOMAIN");
    json_t *q0 = json_array_get(json_object_get(d, "queries"), 0);
    assert_string_equal(json_string_value(json_object_get(q0, "rrname")), "www.example.org");
    assert_null(json_object_get(q0, "ttl")); /* questions have no ttl */
    json_t *a1 = json_array_get(json_object_get(d, "answers"), 1);
    assert_string_equal(json_string_value(json_object_get(a1, "rdata")), ""); /* kept empty */
    json_t *s0 = json_array_get(json_object_get(d, "authorities"), 0);
    assert_string_equal(json_string_value(json_object_get(s0, "rrname")), "");
    assert_int_equal(json_integer_value(json_object_get(json_object_get(s0, "soa"), "minimum")), 4);
    assert_null(json_object_get(d, "additionals"));
    assert_null(json_object_get(j, "http"));
}

static void
tls_and_http_alerts_have_their_objects(void **state)
{
    struct sw_app_obj t = {.kind = SW_APP_TLS}, h = {.kind = SW_APP_HTTP};
    json_t *j;

    (void)state;
    t.u.tls.subject = "C=US, O=Example, CN=www.example.org";
    t.u.tls.issuerdn = "CN=Test CA";
    t.u.tls.serial = "00:80:AB";
    t.u.tls.sni = "www.example.org";
    t.u.tls.version = "TLS 1.2";
    t.u.tls.notbefore = "2023-11-14T22:13:20";
    t.u.tls.ja3_hash = "e7d705a3286e19ea42f587b344ee6865";
    j = parse(encode(app_alert(&t)));
    assert_string_equal(path_str(j, "tls", "subject"), "C=US, O=Example, CN=www.example.org");
    assert_string_equal(path_str(j, "tls", "version"), "TLS 1.2");
    assert_string_equal(json_string_value(json_object_get(
                            json_object_get(json_object_get(j, "tls"), "ja3"), "hash")),
                        "e7d705a3286e19ea42f587b344ee6865");
    assert_null(json_object_get(json_object_get(j, "tls"), "ja3s")); /* no hash: no object */
    assert_null(json_object_get(json_object_get(j, "tls"), "fingerprint"));
    sw_event_destroy(g.ev);
    h.u.http.hostname = "portal.example";
    h.u.http.http_port = 8080;
    h.u.http.url = "/upload.php";
    h.u.http.http_method = "POST";
    h.u.http.protocol = "HTTP/1.1";
    h.u.http.status = 200;
    h.u.http.has_length = true;
    h.u.http.length = 0;
    j = parse(encode(app_alert(&h)));
    assert_string_equal(path_str(j, "http", "url"), "/upload.php");
    assert_int_equal(json_integer_value(json_object_get(json_object_get(j, "http"), "http_port")),
                     8080);
    assert_int_equal(json_integer_value(json_object_get(json_object_get(j, "http"), "length")), 0);
    assert_int_equal(json_integer_value(json_object_get(json_object_get(j, "http"), "status")),
                     200);
    assert_null(json_object_get(json_object_get(j, "http"), "http_user_agent"));
}

int
main(void)
{
#define T(f) cmocka_unit_test_teardown(f, teardown)
    const struct CMUnitTest tests[] = {
        T(dns_alert_has_the_v3_dns_object),
        T(tls_and_http_alerts_have_their_objects),
    };
#undef T

    return cmocka_run_group_tests(tests, NULL, NULL);
}
