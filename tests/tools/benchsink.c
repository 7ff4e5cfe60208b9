/* benchsink.c - throughput of the delivery path (router, spool, sinks) for `make bench`.
 *
 * Usage: benchsink CONFIG N [fill|drain]
 *   Builds the sinks of CONFIG's outputs and the router exactly as `seawall run` does
 *   (output/router.c, output/sink_*.c, output/spool.c), then:
 *   (default) hands the router N alert events (about 900 bytes of EVE JSON each, like
 *       nDPI-risk alerts, already encoded as a worker would) from one producer thread as
 *       fast as the router takes them (the producer waits on a full ring rather than drop),
 *       and waits until every sink acknowledged N;
 *   fill  emits N and waits until they are all in the spools (the receiver is down), then
 *       exits (the spool keeps them);
 *   drain emits nothing and waits until the sinks acknowledged N records replayed from the
 *       spool.
 *   Prints one line: "events N seconds S events_per_s R cpu_output_s C cpu_per_100k P
 *   rss_kib K acked A dropped D runq_wait_s W": wall time from the first event to the last
 *   acknowledgement, CPU time of the output thread (and of the relp thread when there is
 *   one), the peak RSS, what the sinks acknowledged and dropped by policy (spool.mode off
 *   drops what a full queue cannot hold: those count as done for the wait, not as
 *   delivered), and how long those threads waited for a processor while runnable.
 * Exit status 0 when everything was acknowledged within 600 s, 1 otherwise, 2 on usage. */
#include <dirent.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "sw/clock.h"
#include "sw/config.h"
#include "sw/eve.h"
#include "sw/event.h"
#include "sw/ring.h"
#include "sw/router.h"

struct prod {
    struct sw_producer *p;
    unsigned long n;
};

/* The producer hands the router lines already encoded, as a worker does after its own
 * encoding: what is measured is the output thread and the sinks, not Jansson. The lines are
 * made here from one real EVE alert with a distinct flow_id and community_id each. */
static void *
emit_main(void *arg)
{
    struct prod *pr = arg;
    static const char tmpl[] =
        "{\"timestamp\":\"%s\",\"flow_id\":%lu,\"event_type\":\"alert\",\"host\":"
        "\"bench\",\"src_ip\":\"10.0.%lu.%lu\",\"src_port\":%lu,\"dest_ip\":"
        "\"192.168.0.1\",\"dest_port\":53,\"proto\":\"UDP\",\"community_id\":\"%s\","
        "\"app_proto\":\"failed\",\"direction\":\"to_server\",\"alert\":{\"action\":"
        "\"allowed\",\"gid\":1,\"signature_id\":2990017,\"rev\":1,\"signature\":\"nDPI "
        "risk: Malformed Packet\",\"category\":\"Generic Protocol Command Decode\","
        "\"severity\":2,\"metadata\":{\"ndpi_risk\":[\"NDPI_MALFORMED_PACKET\"],"
        "\"ndpi_severity\":[\"Low\"]}},\"flow\":{\"pkts_toserver\":1,\"pkts_toclient\":0,"
        "\"bytes_toserver\":64,\"bytes_toclient\":0,\"start\":\"%s\"},\"ndpi\":{"
        "\"protocol\":\"DNS\",\"category\":\"Network\",\"confidence\":\"DPI\",\"risks\":["
        "\"NDPI_MALFORMED_PACKET\"],\"risk_score\":10},\"seawall\":{\"detector\":"
        "\"ndpi_risk\"}}";

    for (unsigned long i = 0; i < pr->n; i++) {
        char line[2048], cid[40], when[40];
        uint64_t now = sw_clock_us(CLOCK_REALTIME);
        struct sw_eve_line *ln;
        int len;

        sw_eve_time(now, when, sizeof(when));
        snprintf(cid, sizeof(cid), "1:%020lu=", i);
        len = snprintf(line, sizeof(line), tmpl, when, 1000000000000ul + i, (i >> 8) & 255, i & 255,
                       1024 + (i & 0xfff), cid, when);
        ln = sw_eve_line_make(SW_EV_ALERT, now, 2, line, (size_t)len, cid, strlen(cid));
        if (ln == NULL)
            continue;
        while (!sw_ring_push(pr->p->ring, ln)) {
            struct timespec ts = {0, 20000};

            sw_producer_kick(pr->p);
            nanosleep(&ts, NULL);
        }
        if ((i & 63) == 0)
            sw_producer_kick(pr->p);
    }
    sw_producer_close(pr->p);
    return NULL;
}

/* CPU seconds of this process's threads named like the output and relp threads, and (in
 * *wait) the seconds they spent runnable but waiting for a processor (schedstat's second
 * field): on a shared machine that, not seawall, is often what the wall time is made of. */
static double
thread_cpu(double *wait)
{
    DIR *d = opendir("/proc/self/task");
    struct dirent *e;
    double s = 0;
    long hz = sysconf(_SC_CLK_TCK);

    *wait = 0;
    while (d != NULL && (e = readdir(d)) != NULL) {
        char path[300], comm[64] = "", buf[1024];
        FILE *f;
        unsigned long ut = 0, st = 0;

        if (e->d_name[0] == '.')
            continue;
        snprintf(path, sizeof(path), "/proc/self/task/%s/comm", e->d_name);
        f = fopen(path, "r");
        if (f == NULL)
            continue;
        if (fgets(comm, sizeof(comm), f) == NULL)
            comm[0] = '\0';
        fclose(f);
        if (strncmp(comm, "sw-output", 9) != 0 && strncmp(comm, "sw-relp", 7) != 0)
            continue;
        snprintf(path, sizeof(path), "/proc/self/task/%s/stat", e->d_name);
        f = fopen(path, "r");
        if (f != NULL && fgets(buf, sizeof(buf), f) != NULL) {
            char *p = strrchr(buf, ')');

            /* fields after "pid (comm)": state ppid ... utime (14) stime (15) */
            if (p != NULL &&
                sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu", &ut, &st) == 2)
                s += (double)(ut + st) / (double)hz;
        }
        if (f != NULL)
            fclose(f);
        snprintf(path, sizeof(path), "/proc/self/task/%s/schedstat", e->d_name);
        f = fopen(path, "r");
        if (f != NULL) {
            unsigned long long run_ns, wait_ns;

            if (fscanf(f, "%llu %llu", &run_ns, &wait_ns) == 2)
                *wait += (double)wait_ns / 1e9;
            fclose(f);
        }
    }
    if (d != NULL)
        closedir(d);
    return s;
}

static uint64_t
sum_field(struct sw_router *r, size_t n_sinks, int which)
{
    uint64_t min = UINT64_MAX;

    for (size_t i = 0; i < n_sinks; i++) {
        struct sw_sink_stats st;
        uint64_t v;

        if (!sw_router_sink(r, i, &st))
            break;
        /* A full queue without a spool drops by policy: those are done too. */
        v = which == 0 ? st.acked + st.dropped_policy + st.failed : st.spooled_events;
        if (v < min)
            min = v;
    }
    return min == UINT64_MAX ? 0 : min;
}

int
main(int argc, char **argv)
{
    struct sw_eve_cfg eve = {.host = "bench"};
    const char *mode = argc > 3 ? argv[3] : "run";
    struct sw_config *cfg;
    struct sw_sink **sinks;
    struct sw_router *r;
    struct sw_err err;
    struct prod pr;
    pthread_t t;
    unsigned long n;
    uint64_t t0, t1;
    double cpu, wait;
    struct rusage ru;
    int which;
    unsigned long ticks = 0;

    if (argc < 3 || (n = strtoul(argv[2], NULL, 10)) == 0) {
        fprintf(stderr, "usage: benchsink CONFIG N [fill|drain]\n");
        return 2;
    }
    cfg = sw_cfg_load(argv[1], NULL, 0, NULL, NULL, &err);
    if (cfg == NULL) {
        fprintf(stderr, "benchsink: %s\n", err.msg);
        return 2;
    }
    sinks = calloc(cfg->n_outputs + 1, sizeof(*sinks));
    for (size_t i = 0; i < cfg->n_outputs; i++) {
        struct sw_sink_env env = {
            .host = "bench", .pid = (unsigned long)getpid(), .state_dir = cfg->agent.state_dir};

        sinks[i] = sw_sink_create(&cfg->outputs[i], &env, &err);
        if (sinks[i] == NULL) {
            fprintf(stderr, "benchsink: %s\n", err.msg);
            return 2;
        }
    }
    r = sw_router_create(&eve, cfg, sinks, cfg->n_outputs, true, &err);
    if (r == NULL || (pr.p = sw_router_add_producer(r, 4096, &err)) == NULL ||
        sw_router_start(r, &err) != SW_OK) {
        fprintf(stderr, "benchsink: %s\n", err.msg);
        return 2;
    }
    pr.n = strcmp(mode, "drain") == 0 ? 0 : n;
    which = strcmp(mode, "fill") == 0 ? 1 : 0;
    t0 = sw_clock_us(CLOCK_MONOTONIC);
    pthread_create(&t, NULL, emit_main, &pr);
    while (sum_field(r, cfg->n_outputs, which) < n &&
           sw_clock_us(CLOCK_MONOTONIC) - t0 < 600u * 1000000u) {
        struct timespec ts = {0, 2000000};

        nanosleep(&ts, NULL);
        if (getenv("BENCH_VERBOSE") != NULL && ++ticks % 500 == 0) {
            struct sw_sink_stats st;

            for (size_t i = 0; sw_router_sink(r, i, &st); i++)
                fprintf(stderr,
                        "%s: sent %llu acked %llu queued %llu spooled %llu retried "
                        "%llu %s\n",
                        st.name, (unsigned long long)st.sent, (unsigned long long)st.acked,
                        (unsigned long long)st.queued, (unsigned long long)st.spooled_events,
                        (unsigned long long)st.retried, st.last_error);
        }
    }
    t1 = sw_clock_us(CLOCK_MONOTONIC);
    cpu = thread_cpu(&wait);
    pthread_join(t, NULL);
    getrusage(RUSAGE_SELF, &ru);
    {
        double secs = (double)(t1 - t0) / 1e6;
        uint64_t got = sum_field(r, cfg->n_outputs, which), acked = 0, dropped = 0;
        struct sw_sink_stats st;

        for (size_t i = 0; sw_router_sink(r, i, &st); i++) {
            acked += st.acked;
            dropped += st.dropped_policy;
        }
        printf("events %lu seconds %.3f events_per_s %.0f cpu_output_s %.3f cpu_per_100k %.3f "
               "rss_kib %ld acked %llu dropped %llu runq_wait_s %.3f\n",
               n, secs, (double)n / secs, cpu, cpu * 100000.0 / (double)n, ru.ru_maxrss,
               (unsigned long long)acked, (unsigned long long)dropped, wait);
        sw_router_stop_by(r, sw_clock_us(CLOCK_MONOTONIC) + 1000000u);
        sw_router_destroy(r);
        sw_cfg_free(cfg);
        return got >= n ? 0 : 1;
    }
}
