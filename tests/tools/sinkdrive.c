/* sinkdrive.c - drive the configured network sinks through the real router, for the delivery
 * tests and benchmarks of the http and kafka sinks (tests/integration/deliver_http.sh,
 * deliver_kafka.sh, tests/tools/bench_sinks.sh).
 *
 * usage: sinkdrive -c SEAWALL.YAML -n EVENTS [-k KEYS] [-w SECONDS] [-o SENT] [-s SPREAD_DAYS]
 *                  [-p PAUSE_AT:SECONDS] [-L EVERY]
 *
 * Builds every sink of outputs[] as `seawall run` does (sw_sink_create, then the router with
 * the config's queues, batches, retry and spool; live, as seawall run), emits EVENTS alerts
 * through one producer (it waits while the ring is nearly full, so none is dropped), then stops the
 * router with a deadline of SECONDS (default 60): it returns as soon as every sink delivered or
 * rejected everything. Alert i (1-based) has signature_id i, flow_id 1 + i % KEYS (default 16) and
 * community_id "1:key<flow_id>", so a receiver's copy can be checked for completeness and order per
 * key; timestamps start at 2026-12-01T00:00:00Z and spread over SPREAD_DAYS days (default 0: one
 * per microsecond). -o writes the EVE lines as encoded, one per line. -p N:S stops emitting after N
 * events for S seconds (a test changes the receiver meanwhile).
 *
 * Prints one JSON object: {"events":N,"seconds":wall,"cpu":user+sys seconds,"sinks":[{name,
 * sent, acked, retried, failed, duplicates_possible, spooled_events, dropped_policy,
 * truncated, last_error}]}. Exit 0 when every event was acknowledged or rejected, 1 when some
 * were left (deadline), 2 on a usage or config error. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "sw/alloc.h"
#include "sw/clock.h"
#include "sw/config.h"
#include "sw/eve.h"
#include "sw/event.h"
#include "sw/log.h"
#include "sw/router.h"
#include "sw/sink.h"

#define T0_US UINT64_C(1764547200000000) /* 2025-12-01T00:00:00Z */

static double
cpu_seconds(void)
{
    struct rusage ru;

    getrusage(RUSAGE_SELF, &ru);
    return (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 +
           (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
}

static struct sw_event *
make_alert(uint64_t i, uint64_t keys, uint64_t spread_us, uint64_t n, uint64_t large)
{
    static const char *const mk[8] = {"m0", "m1", "m2", "m3", "m4", "m5", "m6", "m7"};
    uint64_t ts = T0_US + (spread_us > 0 ? spread_us / n * i : i);
    struct sw_event *ev = sw_event_create(SW_EV_ALERT, ts);
    uint64_t f = 1 + i % keys;

    if (ev == NULL)
        return NULL;
    ev->flow.flow_id = f;
    ev->flow.ip_version = 4;
    ev->flow.proto = 6;
    ev->flow.src[0] = 10;
    ev->flow.src[3] = (uint8_t)f;
    ev->flow.dst[0] = 192;
    ev->flow.dst[1] = 0;
    ev->flow.dst[2] = 2;
    ev->flow.dst[3] = 1;
    ev->flow.sport = (uint16_t)(40000 + f);
    ev->flow.dport = 443;
    snprintf(ev->flow.community_id, sizeof(ev->flow.community_id), "1:key%" PRIu64, f);
    ev->counts.start_us = ts;
    ev->counts.end_us = ts;
    ev->u.alert.gid = 1;
    ev->u.alert.signature_id = (uint32_t)i;
    ev->u.alert.rev = 1;
    ev->u.alert.severity = (uint8_t)(1 + i % 3);
    snprintf(ev->u.alert.signature, sizeof(ev->u.alert.signature), "sinkdrive event %" PRIu64, i);
    snprintf(ev->u.alert.category, sizeof(ev->u.alert.category), "Test");
    ev->u.alert.detector = "rule";
    if (large > 0 && i % large == 0) {
        char v[64];

        memset(v, 'x', sizeof(v) - 1);
        v[sizeof(v) - 1] = '\0';
        for (int m = 0; m < 8; m++)
            sw_alert_meta_add(&ev->u.alert, mk[m], v);
    }
    return ev;
}

static void
usage(void)
{
    fprintf(stderr, "usage: sinkdrive -c SEAWALL.YAML -n EVENTS [-k KEYS] [-w SECONDS] "
                    "[-o SENT] [-s SPREAD_DAYS] [-p PAUSE_AT:SECONDS]\n");
    exit(2);
}

int
main(int argc, char **argv)
{
    const char *conf = NULL, *sent_path = NULL;
    uint64_t n = 0, keys = 16, wait_s = 60, spread_days = 0, pause_at = 0, pause_s = 0, large = 0;
    struct sw_err err;
    struct sw_config *cfg;
    struct sw_sink **sinks;
    struct sw_router *r;
    struct sw_producer *p;
    struct sw_eve_cfg eve;
    FILE *sent = NULL;
    double t0, c0, t1, c1;
    int c, rc = 0;
    char host[256];

    while ((c = getopt(argc, argv, "c:n:k:w:o:s:p:L:")) != -1) {
        switch (c) {
        case 'c':
            conf = optarg;
            break;
        case 'n':
            n = strtoull(optarg, NULL, 10);
            break;
        case 'k':
            keys = strtoull(optarg, NULL, 10);
            break;
        case 'w':
            wait_s = strtoull(optarg, NULL, 10);
            break;
        case 'o':
            sent_path = optarg;
            break;
        case 'L':
            large = strtoull(optarg, NULL, 10);
            break;
        case 's':
            spread_days = strtoull(optarg, NULL, 10);
            break;
        case 'p':
            if (sscanf(optarg, "%" SCNu64 ":%" SCNu64, &pause_at, &pause_s) != 2)
                usage();
            break;
        default:
            usage();
        }
    }
    if (conf == NULL || n == 0 || keys == 0)
        usage();
    sw_log_setup(SW_LOG_NOTICE, SW_LOG_MODE_CLI);
    cfg = sw_cfg_load(conf, NULL, 0, NULL, NULL, &err);
    if (cfg == NULL) {
        fprintf(stderr, "sinkdrive: %s\n", err.msg);
        return 2;
    }
    if (cfg->agent.id[0] != '\0')
        snprintf(host, sizeof(host), "%s", cfg->agent.id);
    else if (gethostname(host, sizeof(host)) != 0)
        snprintf(host, sizeof(host), "sinkdrive");
    eve.host = host;
    sinks = sw_calloc(cfg->n_outputs + 1, sizeof(*sinks)); /* the router takes it */
    if (sinks == NULL)
        return 2;
    for (size_t i = 0; i < cfg->n_outputs; i++) {
        struct sw_sink_env env = {
            .host = host, .pid = (unsigned long)getpid(), .state_dir = cfg->agent.state_dir};

        sinks[i] = sw_sink_create(&cfg->outputs[i], &env, &err);
        if (sinks[i] == NULL) {
            fprintf(stderr, "sinkdrive: outputs[%zu]: %s\n", i, err.msg);
            while (i > 0)
                sw_sink_destroy(sinks[--i]);
            sw_free(sinks);
            sw_cfg_free(cfg);
            return 2;
        }
    }
    /* Live, as seawall run (ticks, no waiting producer): the loop below keeps the ring from
     * filling instead. */
    r = sw_router_create(&eve, cfg, sinks, cfg->n_outputs, false, &err);
    if (r == NULL || (p = sw_router_add_producer(r, 4096, &err)) == NULL ||
        sw_router_start(r, &err) != SW_OK) {
        fprintf(stderr, "sinkdrive: %s\n", err.msg);
        return 2;
    }
    if (sent_path != NULL && (sent = fopen(sent_path, "w")) == NULL) {
        perror(sent_path);
        return 2;
    }
    t0 = (double)sw_clock_us(CLOCK_MONOTONIC) / 1e6;
    c0 = cpu_seconds();
    for (uint64_t i = 1; i <= n; i++) {
        struct sw_event *ev = make_alert(i, keys, spread_days * 86400 * UINT64_C(1000000), n, large);

        if (ev == NULL)
            return 2;
        if (sent != NULL) {
            size_t len;
            char *line = sw_eve_encode(&eve, ev, &len);

            if (line != NULL) {
                fwrite(line, 1, len, sent);
                fputc('\n', sent);
                free(line);
            }
        }
        while (sw_router_queued(r) > 3000) {
            struct timespec ts = {0, 200000};

            sw_producer_kick(p);
            nanosleep(&ts, NULL);
        }
        sw_emit(&p->em, ev);
        if ((i & 255) == 0)
            sw_producer_kick(p);
        if (i == pause_at) {
            sw_producer_kick(p);
            sleep((unsigned)pause_s);
        }
    }
    if (sent != NULL)
        fclose(sent);
    sw_producer_kick(p);
    sw_producer_close(p);
    sw_router_stop_by(r, sw_clock_us(CLOCK_MONOTONIC) + wait_s * UINT64_C(1000000));
    t1 = (double)sw_clock_us(CLOCK_MONOTONIC) / 1e6;
    c1 = cpu_seconds();
    printf("{\"events\":%" PRIu64 ",\"seconds\":%.3f,\"cpu\":%.3f,\"sinks\":[", n, t1 - t0,
           c1 - c0);
    for (size_t i = 0;; i++) {
        struct sw_sink_stats st;

        if (!sw_router_sink(r, i, &st))
            break;
        printf("%s{\"name\":\"%s\",\"sent\":%" PRIu64 ",\"acked\":%" PRIu64 ",\"retried\":%" PRIu64
               ",\"failed\":%" PRIu64 ",\"duplicates_possible\":%" PRIu64
               ",\"spooled_events\":%" PRIu64 ",\"dropped_policy\":%" PRIu64
               ",\"truncated\":%" PRIu64 ",\"last_error\":\"",
               i > 0 ? "," : "", st.name, st.sent, st.acked, st.retried, st.failed,
               st.duplicates_possible, st.spooled_events, st.dropped_policy, st.truncated);
        for (const char *q = st.last_error; *q != '\0'; q++) {
            if (*q == '"' || *q == '\\')
                putchar('\\');
            putchar((unsigned char)*q < 0x20 ? '?' : *q);
        }
        printf("\"}");
        if (st.acked + st.failed + st.dropped_policy < n)
            rc = 1;
    }
    printf("]}\n");
    sw_router_destroy(r);
    sw_cfg_free(cfg);
    return rc;
}
