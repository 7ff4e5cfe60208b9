/* evewrite.c - the ceiling of one output thread (issue 13), for make bench-instr.
 *
 * usage: evewrite EVE_JSON OUT [EVENTS]
 *
 * Writes the EVE lines of EVE_JSON (read into memory first) again and again through seawall's
 * file sink to OUT until EVENTS lines (default 500,000) went out, as the output thread does
 * for every line it drains; then encodes the same number of events (a TCP flow with nDPI
 * and risks, an alert with metadata, in turn) with sw_eve_line_create on one thread, as each
 * producer does. Prints events per second and MB/s of each, by thread CPU time (what the
 * thread can do when it has a core) and by wall time. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "sw/eve.h"
#include "sw/event.h"
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
    struct sw_cfg_sink cfg = {.type = "file", .truncate = true};
    struct sw_err err = {0};
    size_t n, events, bytes = 0;
    struct text *t;
    struct sw_sink *s;
    double c0, w0;

    if (argc < 3) {
        fprintf(stderr, "usage: evewrite EVE_JSON OUT [EVENTS]\n");
        return 2;
    }
    events = argc > 3 ? strtoul(argv[3], NULL, 10) : 500000;
    t = load(argv[1], &n);
    cfg.path = argv[2];
    cfg.types = ~0u;
    s = sw_sink_create(&cfg, NULL, &err);
    if (s == NULL) {
        fprintf(stderr, "evewrite: %s\n", err.msg);
        return 2;
    }
    c0 = now(CLOCK_THREAD_CPUTIME_ID);
    w0 = now(CLOCK_MONOTONIC);
    for (size_t i = 0; i < events; i++) {
        const struct text *x = &t[i % n];
        struct sw_rec rec = {.seq = i + 1, .line = x->s, .len = x->len, .type = x->type};
        size_t taken = 0;

        if (s->ops->write(s, &rec, 1, &taken) != SW_SINK_DONE || taken != 1) {
            fprintf(stderr, "evewrite: %s: write failed\n", argv[2]);
            return 2;
        }
        bytes += x->len + 1;
    }
    sw_sink_destroy(s); /* flushes: part of the cost */
    report("output thread: file sink write", events, bytes, now(CLOCK_THREAD_CPUTIME_ID) - c0,
           now(CLOCK_MONOTONIC) - w0);

    struct sw_eve_cfg eve = {.host = "sensor-1"};
    struct sw_event *ev[2] = {flow_event(), alert_event()};
    bytes = 0;
    c0 = now(CLOCK_THREAD_CPUTIME_ID);
    w0 = now(CLOCK_MONOTONIC);
    for (size_t i = 0; i < events; i++) {
        struct sw_eve_line *l = sw_eve_line_create(&eve, ev[i & 1]);

        if (l == NULL)
            return 2;
        bytes += l->len + 1;
        sw_eve_line_destroy(l);
    }
    report("producer: sw_eve_line_create", events, bytes, now(CLOCK_THREAD_CPUTIME_ID) - c0,
           now(CLOCK_MONOTONIC) - w0);
    sw_event_destroy(ev[0]);
    sw_event_destroy(ev[1]);
    sw_eve_thread_fini();
    for (size_t i = 0; i < n; i++)
        free(t[i].s);
    free(t);
    return 0;
}
