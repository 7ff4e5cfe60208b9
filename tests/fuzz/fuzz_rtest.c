/* fuzz_rtest.c - libFuzzer target for `seawall rules test`'s test.yaml parser and checks
 * (agent/rtest_yaml.c, agent/rtest_def.c, agent/rtest_check.c).
 *
 * Input: a test.yaml. It is parsed with sw_rtest_parse(); a parsed test has its checks and
 * expect entries evaluated over a fixed set of events (an alert, a YARA alert on a file, a
 * flow, a stats event), so that arbitrary paths, operators and values reach the evaluator.
 * Checks: a NULL result always comes with an error message; a test gives one result per
 * check and expect entry, each with a result of ok, failed or skipped. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sw/rtest.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const events[] = {
    ("{\"event_type\":\"alert\",\"src_ip\":\"10.0.0.1\",\"src_port\":1024,\"dest_ip\":"
     "\"10.0.0.2\",\"dest_port\":80,\"proto\":\"TCP\",\"alert\":{\"signature_id\":2990012,"
     "\"signature\":\"nDPI risk\",\"severity\":3,\"metadata\":{\"ndpi_risk\":"
     "[\"NDPI_HTTP_NUMERIC_IP_HOST\"]}},\"ndpi\":{\"risks\":[{\"code\":\"x\"}]}}"),
    ("{\"event_type\":\"alert\",\"alert\":{\"signature_id\":3000000001},\"yara\":{\"rule\":"
     "\"shell\",\"strings\":[{\"data\":\"sys\\u00e9\"}]},\"fileinfo\":{\"filename\":"
     "\"/t/files/a.php\"}}"),
    ("{\"event_type\":\"flow\",\"flow\":{\"age\":2,\"alerted\":true,\"state\":null},"
     "\"tcp\":{\"syn\":true},\"app_proto\":\"http\",\"tags\":[1,2.5,\"3\",[4],{\"k\":5}]}"),
    "{\"event_type\":\"stats\",\"stats\":{\"decoder\":{\"pkts\":10,\"tcp\":8}}}",
};

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct sw_rtest_events ev;
    static bool ready;
    static const char *const strip[] = {"/t/"};
    static const struct sw_rtest_env env = {
        .compat = SW_RTEST_SURICATA_COMPAT, .os = "linux", .arch = "x86_64", .uid = 1};
    struct sw_rtest_eval_ctx x = {
        .events = &ev, .env = &env, .test_dir = "/nonexistent", .strip = strip, .n_strip = 1};
    struct sw_err err;
    struct sw_rtest *t;
    json_t *res;
    size_t i;
    json_t *c;

    if (!ready) {
        for (size_t k = 0; k < sizeof(events) / sizeof(events[0]); k++) {
            json_t *j = json_loads(events[k], 0, NULL);

            if (j == NULL || sw_rtest_events_add(&ev, j, k + 1) != SW_OK)
                abort();
            json_decref(j);
        }
        ready = true;
    }
    t = sw_rtest_parse("fuzz.yaml", (const char *)data, size, &err);
    if (t == NULL) {
        if (err.code == SW_OK || err.msg[0] == '\0')
            abort();
        return 0;
    }
    (void)sw_rtest_seawall_form(t);
    res = sw_rtest_eval(t, &x);
    if (res == NULL || json_array_size(res) != t->n_checks + t->n_match + t->n_no_match)
        abort();
    json_array_foreach(res, i, c)
    {
        const char *r = json_string_value(json_object_get(c, "result"));

        if (r == NULL ||
            (strcmp(r, "ok") != 0 && strcmp(r, "failed") != 0 && strcmp(r, "skipped") != 0))
            abort();
    }
    json_decref(res);
    sw_rtest_free(t);
    return 0;
}
