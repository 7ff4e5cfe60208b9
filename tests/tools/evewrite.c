/* evewrite.c - the ceiling of one output thread (issue 13), for make bench-instr.
 *
 * usage: evewrite EVE_JSON OUT [EVENTS]
 *
 * Hands the EVE lines of EVE_JSON (read into memory first) again and again to a router with
 * one file sink writing OUT, until EVENTS lines (default 500,000) went out: the output
 * thread drains the producer's ring, queues, writes and flushes through the file sink and
 * gives each line back to the producer, as in `seawall pcap`; the producer here only copies
 * the text into a returned line, so the output thread is the bottleneck. Its CPU time is
 * read from /proc (the thread named sw-output). Then encodes the same number of events (a
 * TCP flow with nDPI and risks, an alert with metadata, in turn) with sw_eve_line_recycle
 * on one thread, as each producer does. Prints events per second and MB/s of each, by
 * thread CPU time (what the thread can do when it has a core) and by wall time. */
#include <dirent.h>
#include <stdbool.h>
#include <unistd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "sw/alloc.h"
#include "sw/eve.h"
#include "sw/event.h"
#include "sw/ring.h"
#include "sw/router.h"
#include "sw/sink.h"

struct text {
    char *s;
    size_t len;
    int type;
};

static double
now(clockid_t c)
{
    struct timespec ts;

    clock_gettime(c, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* The lines of path, each with its event type; exits on failure (a tool). */
static struct text *
load(const char *path, size_t *n)
{
    FILE *f = fopen(path, "r");
    struct text *t = NULL;
    size_t cap = 0;
    char *line = NULL;
    size_t lcap = 0;
    ssize_t len;

    if (f == NULL) {
        perror(path);
        exit(2);
    }
    *n = 0;
    while ((len = getline(&line, &lcap, f)) > 0) {
        const char *et = strstr(line, "\"event_type\":\"");
        char name[32] = "";

        if (line[len - 1] == '\n')
            line[--len] = '\0';
        if (et != NULL)
            sscanf(et + 14, "%31[a-z_]", name);
        if (*n == cap) {
            cap = cap ? cap * 2 : 1024;
            t = realloc(t, cap * sizeof(*t));
            if (t == NULL)
                exit(2);
        }
        t[*n].s = strdup(line);
        t[*n].len = (size_t)len;
        t[*n].type = sw_event_type_parse(name);
        if (t[*n].s == NULL)
            exit(2);
        if (t[*n].type < 0)
            t[*n].type = SW_EV_FLOW;
        (*n)++;
    }
    free(line);
    fclose(f);
    if (*n == 0) {
        fprintf(stderr, "evewrite: %s: no lines\n", path);
        exit(2);
    }
    return t;
}

static void
report(const char *what, size_t events, size_t bytes, double cpu, double wall)
{
    printf("%-34s %10.0f events/s %8.1f MB/s (CPU time; wall: %.0f events/s)\n", what,
           (double)events / cpu, (double)bytes / cpu / 1e6, (double)events / wall);
}

/* CPU seconds of this process's thread named name (utime + stime in /proc), or -1. */
static double
thread_cpu(const char *name)
{
    DIR *d = opendir("/proc/self/task");
    struct dirent *e;
    double cpu = -1;

    if (d == NULL)
        return -1;
    while ((e = readdir(d)) != NULL) {
        char path[300], buf[1024], comm[64];
        unsigned long ut, st;
        FILE *f;
        const char *rp;
        size_t n;

        if (e->d_name[0] == '.')
            continue;
        snprintf(path, sizeof(path), "/proc/self/task/%s/stat", e->d_name);
        f = fopen(path, "r");
        if (f == NULL)
            continue;
        n = fread(buf, 1, sizeof(buf) - 1, f);
        fclose(f);
        buf[n] = '\0';
        /* pid (comm) state ppid ... field 14 utime, 15 stime */
        if (sscanf(buf, "%*d (%63[^)])", comm) != 1 || strcmp(comm, name) != 0)
            continue;
        rp = strrchr(buf, ')');
        if (rp != NULL && sscanf(rp + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu",
                                 &ut, &st) == 2)
            cpu = (double)(ut + st) / (double)sysconf(_SC_CLK_TCK);
    }
    closedir(d);
    return cpu;
}

/* The output thread: a router with one file sink on out, fed lines of t by this thread. */
static int
output_thread(const struct text *t, size_t n, char *out, size_t events)
{
    struct sw_cfg_sink cfg = {.type = "file", .truncate = true, .path = out, .types = ~0u};
    struct sw_eve_cfg eve = {.host = "sensor-1"};
    struct sw_err err = {0};
    struct sw_sink **sinks = sw_calloc(1, sizeof(*sinks));
    struct sw_router *r;
    struct sw_producer *p;
    size_t bytes = 0;
    double w0, cpu = -1;

    if (sinks == NULL || (sinks[0] = sw_sink_create(&cfg, NULL, &err)) == NULL) {
        fprintf(stderr, "evewrite: %s\n", err.msg);
        return 2;
    }
    r = sw_router_create(&eve, NULL, sinks, 1, true, &err);
    p = r != NULL ? sw_router_add_producer(r, 4096, &err) : NULL;
    if (p == NULL || sw_router_start(r, &err) != SW_OK) {
        fprintf(stderr, "evewrite: %s\n", err.msg);
        return 2;
    }
    w0 = now(CLOCK_MONOTONIC);
    for (size_t i = 0; i < events; i++) {
        const struct text *x = &t[i % n];
        struct sw_eve_line *l = sw_producer_spare(p);

        /* a returned line if it fits (what the producer's encoder does), else a new one */
        if (l != NULL && l->cap < x->len + 2) {
            sw_eve_line_destroy(l);
            l = NULL;
        }
        if (l == NULL) {
            l = sw_eve_line_make(x->type, 0, 0, x->s, x->len, NULL, 0);
            if (l == NULL)
                return 2;
            l->cap = x->len + 2;
        }
        l->type = x->type;
        l->len = x->len;
        memcpy(l->text, x->s, x->len + 1);
        l->key_len = 0;
        l->text[x->len + 1] = '\0';
        l->home = p;
        while (!sw_ring_push(p->ring, l)) {
            struct timespec ts = {0, 20000};

            sw_producer_kick(p);
            nanosleep(&ts, NULL);
        }
        if ((i & 255) == 0)
            sw_producer_kick(p);
        bytes += x->len + 1;
    }
    sw_producer_close(p);
    /* wait for the ring to drain, reading the thread's CPU time before it exits */
    while (sw_router_queued(r) > 0) {
        struct timespec ts = {0, 1000000};

        nanosleep(&ts, NULL);
    }
    cpu = thread_cpu("sw-output");
    sw_router_stop(r);
    report("output thread: router + file sink", events, bytes, cpu > 0 ? cpu : 1e-9,
           now(CLOCK_MONOTONIC) - w0);
    sw_router_destroy(r);
    return 0;
}

static struct sw_event *
flow_event(void)
{
    struct sw_event *ev = sw_event_create(SW_EV_FLOW, 1764064812345678ull);
    struct sw_flow_ref *r = &ev->flow;

    r->flow_id = 1234567890123ull;
    r->ip_version = 4;
    r->proto = 6;
    memcpy(r->src, "\xc0\xa8\x01\x0a", 4);
    memcpy(r->dst, "\x8e\xfa\x4a\x24", 4);
    r->sport = 50514;
    r->dport = 443;
    snprintf(r->community_id, sizeof(r->community_id), "1:PWmvSARPkge/z2upz8NfEyI2ylA=");
    ev->counts = (struct sw_flow_counts){
        12, 10, 1850, 9800, 1764064800250000ull, 1764064812345678ull, 0x1b, 0x1b};
    ev->has_ndpi = true;
    snprintf(ev->ndpi.protocol, sizeof(ev->ndpi.protocol), "TLS.Google");
    snprintf(ev->ndpi.master, sizeof(ev->ndpi.master), "TLS");
    snprintf(ev->ndpi.app, sizeof(ev->ndpi.app), "Google");
    snprintf(ev->ndpi.category, sizeof(ev->ndpi.category), "Web");
    snprintf(ev->ndpi.confidence, sizeof(ev->ndpi.confidence), "DPI");
    snprintf(ev->ndpi.hostname, sizeof(ev->ndpi.hostname), "www.google.com");
    snprintf(ev->ndpi.ja3c, sizeof(ev->ndpi.ja3c), "e35df3e00ca4ef31d42b34bebaa2f86e");
    snprintf(ev->ndpi.app_proto, sizeof(ev->ndpi.app_proto), "tls");
    ev->u.flow.state = SW_STATE_CLOSED;
    return ev;
}

static struct sw_event *
alert_event(void)
{
    struct sw_event *ev = flow_event();

    ev->type = SW_EV_ALERT;
    ev->u.alert = (struct sw_alert){.gid = 1, .signature_id = 2210045, .rev = 2, .severity = 3};
    snprintf(ev->u.alert.signature, sizeof(ev->u.alert.signature),
             "SURICATA STREAM Packet with invalid ack");
    snprintf(ev->u.alert.category, sizeof(ev->u.alert.category), "Generic Protocol Command Decode");
    ev->u.alert.detector = "rule";
    sw_alert_meta_add(&ev->u.alert, "created_at", "2010_11_03");
    sw_alert_meta_add(&ev->u.alert, "updated_at", "2019_07_26");
    return ev;
}

int
main(int argc, char **argv)
{
    size_t n, events, bytes = 0;
    struct text *t;
    double c0, w0;
    int rc;

    if (argc < 3) {
        fprintf(stderr, "usage: evewrite EVE_JSON OUT [EVENTS]\n");
        return 2;
    }
    events = argc > 3 ? strtoul(argv[3], NULL, 10) : 500000;
    t = load(argv[1], &n);
    rc = output_thread(t, n, argv[2], events);
    if (rc != 0)
        return rc;

    struct sw_eve_cfg eve = {.host = "sensor-1"};
    struct sw_event *ev[2] = {flow_event(), alert_event()};
    struct sw_eve_line *l = NULL;

    c0 = now(CLOCK_THREAD_CPUTIME_ID);
    w0 = now(CLOCK_MONOTONIC);
    for (size_t i = 0; i < events; i++) {
        l = sw_eve_line_recycle(&eve, ev[i & 1], l); /* the line reused, as producers do */
        if (l == NULL)
            return 2;
        bytes += l->len + 1;
    }
    report("producer: sw_eve_line_recycle", events, bytes, now(CLOCK_THREAD_CPUTIME_ID) - c0,
           now(CLOCK_MONOTONIC) - w0);
    sw_eve_line_destroy(l);
    sw_event_destroy(ev[0]);
    sw_event_destroy(ev[1]);
    sw_eve_thread_fini();
    for (size_t i = 0; i < n; i++)
        free(t[i].s);
    free(t);
    return 0;
}
