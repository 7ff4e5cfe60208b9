/* test_router.c - unit tests of the output stage (include/sw/router.h, output/router.c).
 *
 * The sink here is a memory sink defined in this file: it counts the lines it is given, so
 * the router's bookkeeping can be checked without files or sockets. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <dirent.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sw/alloc.h"
#include "sw/eve.h"
#include "sw/router.h"

/* --- a sink that keeps a count --------------------------------------------------------- */

struct mem_ctx {
    uint64_t lines;
};

static int
mem_create(struct sw_sink *s, const struct sw_cfg_sink *cfg, const struct sw_sink_env *env,
           struct sw_err *err)
{
    (void)cfg;
    (void)env;
    s->ctx = sw_calloc(1, sizeof(struct mem_ctx));
    if (s->ctx == NULL)
        return sw_err_set(err, SW_ENOMEM, "mem sink: out of memory");
    snprintf(s->name, sizeof(s->name), "mem");
    return SW_OK;
}

/* Takes everything and acknowledges at once. */
static enum sw_sink_rc
mem_write(struct sw_sink *s, const struct sw_rec *recs, size_t n, size_t *taken)
{
    struct mem_ctx *c = s->ctx;

    c->lines += n;
    sw_sink_ack(s, recs[0].seq, recs[n - 1].seq);
    *taken = n;
    return SW_SINK_DONE;
}

static void
mem_destroy(struct sw_sink *s)
{
    sw_free(s->ctx);
    s->ctx = NULL;
}

static const struct sw_sink_ops mem_ops = {
    .name = "mem",
    .create = mem_create,
    .write = mem_write,
    .destroy = mem_destroy,
};

static struct sw_router *
router_with_mem_sink(bool lossless)
{
    struct sw_eve_cfg eve = {.host = "test"};
    struct sw_sink **sinks = sw_calloc(1, sizeof(*sinks));
    struct sw_cfg_sink cfg = {.type = (char *)(uintptr_t) "mem", .types = SW_EV_ALL};
    struct sw_err err;
    struct sw_router *r;

    assert_non_null(sinks);
    sinks[0] = sw_calloc(1, sizeof(*sinks[0]));
    assert_non_null(sinks[0]);
    sinks[0]->ops = &mem_ops;
    sinks[0]->types = cfg.types;
    assert_int_equal(mem_ops.create(sinks[0], &cfg, NULL, &err), SW_OK);
    r = sw_router_create(&eve, NULL, sinks, 1, lossless, &err);
    assert_non_null(r);
    return r;
}

static struct sw_event *
engine_event(unsigned i)
{
    struct sw_event *ev = sw_event_create(SW_EV_ENGINE, 1700000000000000u + i);

    assert_non_null(ev);
    snprintf(ev->u.engine.module, sizeof(ev->u.engine.module), "test");
    snprintf(ev->u.engine.message, sizeof(ev->u.engine.message), "event %u", i);
    ev->u.engine.ok = true;
    return ev;
}

/* --- issue 9 item 8 -------------------------------------------------------------------- */

/* The configuration allows 64 workers and 64 interfaces (a capture thread each) plus the
 * main thread's producer: 129. The router must take every one of them. */
static void
router_takes_every_producer_the_config_allows_issue_9(void **state)
{
    struct sw_router *r = router_with_mem_sink(false);
    struct sw_err err;

    (void)state;
    for (unsigned i = 0; i < 64 + 64 + 1; i++) {
        struct sw_producer *p = sw_router_add_producer(r, 4, &err);

        if (p == NULL)
            fail_msg("producer %u refused: %s", i, err.msg);
    }
    sw_router_destroy(r);
}

/* An event dropped because its producer's ring was full is one lost event: the producer
 * counts it (its thread's event_drops), and the router's drops must not count it again
 * (status adds the two). */
static void
ring_full_drop_is_counted_once_issue_9(void **state)
{
    struct sw_router *r = router_with_mem_sink(false);
    struct sw_err err;
    struct sw_producer *p = sw_router_add_producer(r, 2, &err);
    uint64_t events, drops;

    (void)state;
    assert_non_null(p);
    /* Not started: nothing drains, so the ring (2 slots) takes 2 and drops 3. */
    for (unsigned i = 0; i < 5; i++)
        sw_emit(&p->em, engine_event(i));
    sw_router_counts(r, &events, &drops);
    assert_int_equal(sw_producer_drops(p) + drops, 3);
    sw_router_destroy(r);
}

/* Counters are read by the main thread while producers and the output thread write them.
 * Build with -fsanitize=thread to see a data race if any of them is a plain field. */
struct hammer {
    struct sw_producer *p;
    unsigned n;
};

static void *
hammer_main(void *arg)
{
    struct hammer *h = arg;

    for (unsigned i = 0; i < h->n; i++) {
        sw_emit(&h->p->em, engine_event(i));
        if ((i & 31) == 0)
            sw_producer_kick(h->p);
    }
    sw_producer_close(h->p);
    sw_eve_thread_fini(); /* as every producer thread of seawall does */
    return NULL;
}

static void
counters_are_read_while_threads_write_them_issue_9(void **state)
{
    struct sw_router *r = router_with_mem_sink(false);
    struct sw_err err;
    struct hammer h[2];
    pthread_t t[2];
    uint64_t events = 0, drops = 0, prod_drops;
    struct sw_sink_stats ks;

    (void)state;
    for (int i = 0; i < 2; i++) {
        h[i].p = sw_router_add_producer(r, 8, &err);
        h[i].n = 20000;
        assert_non_null(h[i].p);
    }
    assert_int_equal(sw_router_start(r, &err), SW_OK);
    for (int i = 0; i < 2; i++)
        assert_int_equal(pthread_create(&t[i], NULL, hammer_main, &h[i]), 0);
    for (int k = 0; k < 2000; k++) {
        sw_router_counts(r, &events, &drops);
        (void)sw_router_sink(r, 0, &ks);
        (void)sw_producer_drops(h[0].p);
    }
    for (int i = 0; i < 2; i++)
        pthread_join(t[i], NULL);
    sw_router_stop(r);
    sw_router_counts(r, &events, &drops);
    prod_drops = sw_producer_drops(h[0].p) + sw_producer_drops(h[1].p);
    /* Every event either reached the output thread or was dropped by its producer. */
    assert_int_equal(events + prod_drops, 40000);
    assert_int_equal(drops, 0);
    sw_router_destroy(r);
}

/* A local sink with a small buffer, as the EVE file's: write() takes at most 8 records (then
 * SW_SINK_RETRY), flush() writes them out and acknowledges them. */
struct small_ctx {
    uint64_t first, last; /* taken, not yet flushed (first 0: none) */
    uint64_t lines;
};

static int
small_create(struct sw_sink *s, const struct sw_cfg_sink *cfg, const struct sw_sink_env *env,
             struct sw_err *err)
{
    (void)cfg;
    (void)env;
    s->ctx = sw_calloc(1, sizeof(struct small_ctx));
    if (s->ctx == NULL)
        return sw_err_set(err, SW_ENOMEM, "small sink: out of memory");
    snprintf(s->name, sizeof(s->name), "small");
    return SW_OK;
}

static enum sw_sink_rc
small_write(struct sw_sink *s, const struct sw_rec *recs, size_t n, size_t *taken)
{
    struct small_ctx *c = s->ctx;
    size_t k = c->first == 0 ? 8 : 0;

    if (k > n)
        k = n;
    if (k > 0) {
        c->first = recs[0].seq;
        c->last = recs[k - 1].seq;
    }
    *taken = k;
    return k == n ? SW_SINK_DONE : SW_SINK_RETRY;
}

static void
small_flush(struct sw_sink *s)
{
    struct small_ctx *c = s->ctx;

    if (c->first == 0)
        return;
    c->lines += c->last - c->first + 1;
    sw_sink_ack(s, c->first, c->last);
    c->first = 0;
}

static const struct sw_sink_ops small_ops = {
    .name = "small",
    .create = small_create,
    .write = small_write,
    .flush = small_flush,
    .destroy = mem_destroy,
};

/* At stop, a local sink writes everything the producers left, however many rounds its
 * buffer needs: the stop condition once looked only at network sinks' outstanding records,
 * and run_live lost every flow event of the shutdown flush (and the final stats) when the
 * workers' last events reached the output thread faster than the EVE file's buffer took
 * them. */
static void
stop_writes_everything_a_local_sink_holds(void **state)
{
    struct sw_eve_cfg eve = {.host = "test"};
    struct sw_sink **sinks = sw_calloc(1, sizeof(*sinks));
    struct sw_cfg_sink cfg = {.type = (char *)(uintptr_t) "small", .types = SW_EV_ALL};
    struct sw_err err;
    struct sw_router *r;
    struct sw_producer *p;
    const unsigned total = 3000;
    struct small_ctx *c;

    (void)state;
    assert_non_null(sinks);
    sinks[0] = sw_calloc(1, sizeof(*sinks[0]));
    assert_non_null(sinks[0]);
    sinks[0]->ops = &small_ops;
    sinks[0]->types = cfg.types;
    assert_int_equal(small_ops.create(sinks[0], &cfg, NULL, &err), SW_OK);
    c = sinks[0]->ctx; /* the router takes the sinks and their array */
    r = sw_router_create(&eve, NULL, sinks, 1, false, &err);
    assert_non_null(r);
    p = sw_router_add_producer(r, 4096, &err);
    assert_non_null(p);
    /* All of it in the ring before the output thread runs: a burst, as a shutdown flush. */
    for (unsigned i = 0; i < total; i++)
        sw_emit(&p->em, engine_event(i));
    sw_producer_close(p);
    assert_int_equal(sw_router_start(r, &err), SW_OK);
    sw_router_stop(r);
    /* And one event after the output thread ended, as the final stats event. */
    sw_router_write(r, engine_event(total));
    assert_int_equal(sw_producer_drops(p), 0);
    assert_int_equal(c->lines, total + 1);
    sw_router_destroy(r);
}

/* A network sink that never has room (a receiver's window that stays full): the output
 * thread must wait for it (its fd, or the once-a-second retry), not ask it again in a loop. */
static _Atomic unsigned full_room_calls;

static size_t
full_room(const struct sw_sink *s)
{
    (void)s;
    atomic_fetch_add(&full_room_calls, 1);
    return 0;
}

static void
full_flush(struct sw_sink *s)
{
    (void)s;
}

static const struct sw_sink_ops full_ops = {
    .name = "full",
    .create = mem_create,
    .write = mem_write,
    .room = full_room,
    .flush = full_flush,
    .destroy = mem_destroy,
    .networked = true,
};

static void
sink_without_room_is_not_asked_in_a_loop(void **state)
{
    struct sw_eve_cfg eve = {.host = "test"};
    struct sw_sink **sinks = sw_calloc(1, sizeof(*sinks));
    struct sw_cfg_sink cfg = {.type = (char *)(uintptr_t) "full", .types = SW_EV_ALL};
    struct timespec ts = {0, 300 * 1000 * 1000};
    struct sw_err err;
    struct sw_router *r;
    struct sw_producer *p;
    unsigned calls;

    (void)state;
    assert_non_null(sinks);
    sinks[0] = sw_calloc(1, sizeof(*sinks[0]));
    assert_non_null(sinks[0]);
    sinks[0]->ops = &full_ops;
    sinks[0]->types = cfg.types;
    assert_int_equal(full_ops.create(sinks[0], &cfg, NULL, &err), SW_OK);
    r = sw_router_create(&eve, NULL, sinks, 1, false, &err);
    assert_non_null(r);
    p = sw_router_add_producer(r, 64, &err);
    assert_non_null(p);
    assert_int_equal(sw_router_start(r, &err), SW_OK);
    for (unsigned i = 0; i < 10; i++)
        sw_emit(&p->em, engine_event(i));
    sw_producer_kick(p);
    nanosleep(&ts, NULL);
    calls = atomic_load(&full_room_calls);
    /* Asked when the events came and at most at each second's retry; a loop asks it
     * thousands of times in that time. Not a timing bound: a slower machine asks less. */
    if (calls > 50)
        fail_msg("room() asked %u times in 0.3 s with nothing changed", calls);
    sw_producer_close(p);
    sw_router_stop_by(r, 1); /* the deadline has passed: do not wait for room */
    sw_router_destroy(r);
}

/* --- delivery through queues and spools (issue 10) ------------------------------------- */

/* A network sink under the test's control: up or down, a window of records in flight, acks
 * at once or when the test says, rejects lines that contain "reject". It records what the
 * "receiver" got, in order. Driven only from the test thread (sw_router_run_once). */
#define NET_MAX 20000

struct net_ctx {
    struct sw_sink *sink;
    bool up, manual;
    size_t window;
    uint64_t inflight[NET_MAX]; /* seqs taken, not yet reported (manual mode) */
    size_t n_inflight;
    uint64_t got[NET_MAX]; /* seqs received, in order (duplicates kept) */
    size_t n_got;
    unsigned writes;
    unsigned lose_in_write; /* writes left that take everything, then lose the connection */
    size_t max_offered;     /* largest n a write was offered */
};

static struct net_ctx *the_net;

static int
net_create(struct sw_sink *s, const struct sw_cfg_sink *cfg, const struct sw_sink_env *env,
           struct sw_err *err)
{
    (void)cfg;
    (void)env;
    (void)err;
    s->ctx = the_net;
    the_net->sink = s;
    snprintf(s->name, sizeof(s->name), "net");
    return SW_OK;
}

static uint64_t
seq_in_line(const struct sw_rec *r)
{
    const char *p = memchr(r->line, '#', r->len);

    return p != NULL ? strtoull(p + 1, NULL, 10) : 0;
}

static enum sw_sink_rc
net_write(struct sw_sink *s, const struct sw_rec *recs, size_t n, size_t *taken)
{
    struct net_ctx *c = s->ctx;
    size_t i;

    c->writes++;
    if (n > c->max_offered)
        c->max_offered = n;
    *taken = 0;
    if (!c->up) {
        sw_sink_error(s, "connect: Connection refused");
        return SW_SINK_FAIL;
    }
    for (i = 0; i < n && c->n_inflight < c->window; i++) {
        /* The receiver sees the event number written in the line. */
        assert_true(c->n_got < NET_MAX);
        c->got[c->n_got++] = seq_in_line(&recs[i]);
        if (memmem(recs[i].line, recs[i].len, "reject", 6) != NULL)
            sw_sink_reject(s, recs[i].seq, recs[i].seq, "mapping error");
        else if (!c->manual && c->lose_in_write == 0)
            sw_sink_ack(s, recs[i].seq, recs[i].seq);
        else
            c->inflight[c->n_inflight++] = recs[i].seq;
    }
    *taken = i;
    if (c->lose_in_write > 0 && i > 0) {
        /* As output/sink_conn.c does when a send fails mid-batch: what it took comes back
         * (may have been delivered), inside write(), and the write fails. */
        c->lose_in_write--;
        /* Everything in flight, from earlier writes too (ascending: one range). */
        sw_sink_resend(s, c->inflight[0], c->inflight[c->n_inflight - 1], true);
        c->n_inflight = 0;
        sw_sink_error(s, "send: Connection reset by peer");
        return SW_SINK_FAIL;
    }
    return i == n ? SW_SINK_DONE : SW_SINK_RETRY;
}

static void
net_destroy(struct sw_sink *s)
{
    s->ctx = NULL;
}

static const struct sw_sink_ops net_ops = {
    .name = "net",
    .create = net_create,
    .write = net_write,
    .destroy = net_destroy,
    .networked = true,
};

/* The same sink saying how many records it can take (its window's free part), as the relp
 * transport does for its job ring; flush does nothing but lets the router offer again. */
static size_t
net_room(const struct sw_sink *s)
{
    const struct net_ctx *c = s->ctx;

    return c->window - c->n_inflight;
}

static void
net_flush(struct sw_sink *s)
{
    (void)s;
}

static const struct sw_sink_ops net_room_ops = {
    .name = "net",
    .create = net_create,
    .write = net_write,
    .room = net_room,
    .flush = net_flush,
    .destroy = net_destroy,
    .networked = true,
};

struct dfix {
    char dir[64];
    struct net_ctx net;
    struct sw_config *cfg;
};

static int
dsetup(void **state)
{
    struct dfix *f = calloc(1, sizeof(*f));

    if (f == NULL)
        return -1;
    snprintf(f->dir, sizeof(f->dir), "/tmp/sw-test-router-XXXXXX");
    if (mkdtemp(f->dir) == NULL) {
        free(f);
        return -1;
    }
    f->net.window = NET_MAX;
    the_net = &f->net;
    *state = f;
    return 0;
}

static void
rm_tree(const char *dir)
{
    DIR *d = opendir(dir);
    struct dirent *e;

    while (d != NULL && (e = readdir(d)) != NULL) {
        char p[512];
        struct stat st;

        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        snprintf(p, sizeof(p), "%s/%s", dir, e->d_name);
        if (lstat(p, &st) == 0 && S_ISDIR(st.st_mode))
            rm_tree(p);
        else
            unlink(p);
    }
    if (d != NULL)
        closedir(d);
    rmdir(dir);
}

static int
dteardown(void **state)
{
    struct dfix *f = *state;

    sw_cfg_free(f->cfg);
    if (strncmp(f->dir, "/tmp/sw-test-router-", 20) == 0)
        rm_tree(f->dir);
    free(f);
    return 0;
}

/* A config with one tcp output (its queue, retry and spool keys are what the test wants)
 * and the spool in the fixture's folder. */
static void
load_cfg(struct dfix *f, const char *output, const char *spool)
{
    char yaml[2048];
    struct sw_err err;

    snprintf(yaml, sizeof(yaml),
             "agent: {stop_timeout: 1s}\n"
             "outputs:\n  - {type: tcp, address: \"127.0.0.1:9\", retry: {initial: 10ms, max: "
             "20ms}, %s}\n"
             "spool: {dir: %s, %s}\n",
             output, f->dir, spool);
    sw_cfg_free(f->cfg);
    f->cfg = sw_cfg_load_buffer("test.yaml", yaml, strlen(yaml), NULL, 0, NULL, NULL, &err);
    if (f->cfg == NULL)
        fail_msg("%s", err.msg);
}

static struct sw_router *
net_router_mode(struct dfix *f, const struct sw_sink_ops *ops, bool offline, bool open)
{
    struct sw_eve_cfg eve = {.host = "test"};
    struct sw_sink **sinks = sw_calloc(1, sizeof(*sinks));
    struct sw_err err;
    struct sw_router *r;

    assert_non_null(sinks);
    sinks[0] = sw_calloc(1, sizeof(*sinks[0]));
    assert_non_null(sinks[0]);
    sinks[0]->ops = ops;
    sinks[0]->types = SW_EV_ALL;
    assert_int_equal(ops->create(sinks[0], &f->cfg->outputs[0], NULL, &err), SW_OK);
    r = sw_router_create(&eve, f->cfg, sinks, 1, offline, &err);
    if (r == NULL || (open && sw_router_open(r, &err) != SW_OK))
        fail_msg("%s", err.msg);
    return r;
}

static struct sw_router *
net_router_ops(struct dfix *f, const struct sw_sink_ops *ops)
{
    return net_router_mode(f, ops, false, true);
}

static struct sw_router *
net_router(struct dfix *f)
{
    return net_router_ops(f, &net_ops);
}

/* Event n carries "#n" in its message, so the receiver can tell which it got. */
static void
send_events(struct sw_router *r, unsigned from, unsigned to, const char *extra)
{
    for (unsigned i = from; i <= to; i++) {
        struct sw_event *ev = engine_event(i);

        snprintf(ev->u.engine.message, sizeof(ev->u.engine.message), "#%u %s", i,
                 extra != NULL ? extra : "");
        sw_router_write(r, ev);
    }
}

static struct sw_sink_stats
stats_of(struct sw_router *r)
{
    struct sw_sink_stats st;

    assert_true(sw_router_sink(r, 0, &st));
    return st;
}

/* Run rounds until the sink acknowledged want events or 10 s passed (a bound for a broken
 * build, not a timing assertion). */
static void
run_until_acked(struct sw_router *r, uint64_t want)
{
    for (int i = 0; i < 2000 && stats_of(r).acked + stats_of(r).failed < want; i++)
        sw_router_run_once(r, 5);
}

static void
check_in_order(const struct net_ctx *c, unsigned from, unsigned to)
{
    assert_int_equal(c->n_got, to - from + 1);
    for (unsigned i = from; i <= to; i++)
        assert_int_equal(c->got[i - from], i);
}

static void
outage_then_recovery_delivers_everything_once_in_order(void **state)
{
    struct dfix *f = *state;
    struct sw_router *r;
    struct sw_sink_stats st;

    load_cfg(f, "queue: {max_events: 100}", "mode: always");
    r = net_router(f);
    f->net.up = false;
    send_events(r, 1, 1000, NULL);
    for (int i = 0; i < 10; i++)
        sw_router_run_once(r, 5);
    st = stats_of(r);
    assert_int_equal(st.acked, 0);
    assert_int_equal(st.spooled_events, 1000);
    assert_true(st.last_error[0] != '\0');
    f->net.up = true;
    run_until_acked(r, 1000);
    st = stats_of(r);
    assert_int_equal(st.acked, 1000);
    assert_int_equal(st.duplicates_possible, 0);
    assert_int_equal(st.dropped_policy, 0);
    assert_int_equal(st.spooled_events, 0);
    check_in_order(&f->net, 1, 1000);
    /* Down, no event was written, so back-off kept the attempts few. */
    sw_router_destroy(r);
}

static void
rejected_event_does_not_block_the_queue(void **state)
{
    struct dfix *f = *state;
    struct sw_router *r;
    struct sw_sink_stats st;

    load_cfg(f, "batch: {max_events: 3}", "mode: always");
    r = net_router(f);
    f->net.up = true;
    send_events(r, 1, 4, NULL);
    send_events(r, 5, 5, "reject");
    send_events(r, 6, 10, NULL);
    run_until_acked(r, 10);
    st = stats_of(r);
    assert_int_equal(st.acked, 9);
    assert_int_equal(st.failed, 1);
    assert_non_null(strstr(st.last_error, "mapping error"));
    check_in_order(&f->net, 1, 10);
    assert_int_equal(st.spooled_events, 0);
    sw_router_destroy(r);
}

/* A connection lost with records in flight: they come back, are sent again first, and each
 * counts as a possible duplicate. */
static void
lost_acknowledgements_resend_in_order_and_count_duplicates(void **state)
{
    struct dfix *f = *state;
    struct sw_router *r;
    struct sw_sink_stats st;

    load_cfg(f, "batch: {max_events: 10}", "mode: always");
    r = net_router(f);
    f->net.up = true;
    f->net.manual = true;
    f->net.window = 30;
    send_events(r, 1, 50, NULL);
    sw_router_run_once(r, 0);
    assert_int_equal(f->net.n_inflight, 30);
    /* The receiver acknowledged the first 10; then the connection broke with 20 in flight. */
    sw_sink_ack(f->net.sink, f->net.inflight[0], f->net.inflight[9]);
    sw_sink_resend(f->net.sink, f->net.inflight[10], f->net.inflight[29], true);
    sw_sink_error(f->net.sink, "connection reset by peer");
    f->net.n_inflight = 0;
    f->net.manual = false;
    f->net.window = NET_MAX;
    run_until_acked(r, 50);
    st = stats_of(r);
    assert_int_equal(st.acked, 50);
    assert_int_equal(st.retried, 20);
    assert_int_equal(st.duplicates_possible, 20);
    /* 1..30, then from the first unacknowledged one on, in order. */
    assert_int_equal(f->net.n_got, 70);
    for (unsigned i = 0; i < 30; i++)
        assert_int_equal(f->net.got[i], i + 1);
    for (unsigned i = 30; i < 70; i++)
        assert_int_equal(f->net.got[i], i - 30 + 11);
    sw_router_destroy(r);
}

/* A sink that says how many records it can take (ops->room) is offered no more than that,
 * and no batch at all while it has none: the relp transport frees one slot of its job ring
 * per acknowledgement, and the router built a whole batch (1024) and took back all but one
 * for each, half of the output thread's CPU in make bench's relp run. */
static void
offers_fit_the_room_the_sink_has(void **state)
{
    struct dfix *f = *state;
    struct sw_router *r;
    struct sw_sink_stats st;
    unsigned writes;

    load_cfg(f, "batch: {max_events: 100}", "mode: always");
    r = net_router_ops(f, &net_room_ops);
    f->net.up = true;
    f->net.manual = true;
    f->net.window = 8;
    send_events(r, 1, 50, NULL);
    for (int i = 0; i < 20 && f->net.n_inflight < 8; i++)
        sw_router_run_once(r, 0);
    assert_int_equal(f->net.n_inflight, 8);
    assert_true(f->net.max_offered <= 8);
    writes = f->net.writes;
    for (int i = 0; i < 5; i++)
        sw_router_run_once(r, 0);
    assert_int_equal(f->net.writes, writes); /* no room, no batch */
    /* Three acknowledged: a batch of three. */
    sw_sink_ack(f->net.sink, f->net.inflight[0], f->net.inflight[2]);
    memmove(f->net.inflight, f->net.inflight + 3, 5 * sizeof(f->net.inflight[0]));
    f->net.n_inflight = 5;
    f->net.max_offered = 0;
    sw_router_run_once(r, 0);
    assert_int_equal(f->net.writes, writes + 1);
    assert_int_equal(f->net.max_offered, 3);
    assert_int_equal(f->net.n_inflight, 8);
    /* The rest, in order, nothing twice. */
    f->net.manual = false;
    sw_sink_ack(f->net.sink, f->net.inflight[0], f->net.inflight[7]);
    f->net.n_inflight = 0;
    run_until_acked(r, 50);
    st = stats_of(r);
    assert_int_equal(st.acked, 50);
    assert_int_equal(f->net.n_got, 50);
    for (unsigned i = 0; i < 50; i++)
        assert_int_equal(f->net.got[i], i + 1);
    sw_router_destroy(r);
}

/* A sink that loses its connection inside write(), after taking a batch, gives the batch
 * back there: the router must offer those records again first (it once moved its offer
 * position past them, and they waited for ever: deliver_tls.sh's SIGHUP case). */
static void
records_given_back_inside_write_are_offered_again(void **state)
{
    struct dfix *f = *state;
    struct sw_router *r;
    struct sw_sink_stats st;

    load_cfg(f, "batch: {max_events: 10}", "mode: always");
    r = net_router(f);
    f->net.up = true;
    f->net.window = NET_MAX;
    f->net.lose_in_write = 1;
    send_events(r, 1, 30, NULL);
    run_until_acked(r, 30);
    st = stats_of(r);
    assert_int_equal(st.acked, 30);
    assert_true(st.retried >= 1 && st.retried <= 10); /* the first batch: up to 10 */
    assert_int_equal(st.duplicates_possible, st.retried);
    assert_int_equal(st.spooled_events, 0);
    /* 1..k lost, then 1..30 in order. */
    assert_int_equal(f->net.n_got, 30 + st.retried);
    for (unsigned i = 0; i < st.retried; i++)
        assert_int_equal(f->net.got[i], i + 1);
    for (unsigned i = 0; i < 30; i++)
        assert_int_equal(f->net.got[st.retried + i], i + 1);
    sw_router_destroy(r);
}

/* The same when the records given back were taken by an earlier write (still waiting for
 * their acknowledgement): deliver_tls.sh's SIGHUP case under ASan left one behind for ever. */
static void
earlier_records_given_back_inside_write_are_offered_again(void **state)
{
    struct dfix *f = *state;
    struct sw_router *r;
    struct sw_sink_stats st;

    load_cfg(f, "batch: {max_events: 10}", "mode: always");
    r = net_router(f);
    f->net.up = true;
    f->net.manual = true;
    f->net.window = NET_MAX;
    send_events(r, 1, 10, NULL);
    for (int i = 0; i < 20 && f->net.n_inflight < 10; i++)
        sw_router_run_once(r, 0);
    assert_int_equal(f->net.n_inflight, 10);
    f->net.lose_in_write = 1;
    send_events(r, 11, 20, NULL);
    for (int i = 0; i < 20 && f->net.lose_in_write > 0; i++)
        sw_router_run_once(r, 0);
    assert_int_equal(f->net.lose_in_write, 0);
    f->net.manual = false;
    /* On a loaded machine the back-off (10 to 20 ms) can pass inside the loop above, and the
     * records go out again while the receiver still holds back its answers (it failed 3 times
     * in 20 so: nothing acknowledged, 20 held); it answers them now. */
    if (f->net.n_inflight > 0) {
        sw_sink_ack(f->net.sink, f->net.inflight[0], f->net.inflight[f->net.n_inflight - 1]);
        f->net.n_inflight = 0;
    }
    run_until_acked(r, 20);
    st = stats_of(r);
    assert_int_equal(st.acked, 20);
    assert_int_equal(st.spooled_events, 0);
    /* 1..k taken before the loss, then 1..20 again in order. */
    assert_int_equal(f->net.n_got, 20 + st.retried);
    for (unsigned i = 0; i < 20; i++)
        assert_int_equal(f->net.got[st.retried + i], i + 1);
    sw_router_destroy(r);
}

/* What was spooled when the agent stopped is delivered by the next run, before new events. */
static void
restart_delivers_the_spool_first(void **state)
{
    struct dfix *f = *state;
    struct sw_router *r;
    struct sw_sink_stats st;

    load_cfg(f, "queue: {max_events: 64}", "mode: always");
    r = net_router(f);
    f->net.up = false;
    send_events(r, 1, 500, NULL);
    sw_router_run_once(r, 0);
    sw_router_destroy(r);

    r = net_router(f);
    st = stats_of(r);
    assert_int_equal(st.spooled_events, 500);
    f->net.up = true;
    send_events(r, 501, 600, NULL);
    run_until_acked(r, 600);
    st = stats_of(r);
    assert_int_equal(st.acked, 600);
    check_in_order(&f->net, 1, 600);
    /* Never offered before the restart: not possible duplicates. */
    assert_int_equal(st.duplicates_possible, 0);
    sw_router_destroy(r);
}

/* A spool larger than the queue is replayed to its end with nothing new arriving. Once the
 * part loaded into the queue was delivered, nothing woke the output thread: offline it slept
 * for good (bench_receiver.sh's replay stopped at 57,344 of 100,000), live up to a second
 * per load. The output thread runs here on its own, offline: it sleeps until woken. */
static void
replay_larger_than_the_queue_runs_to_the_end(void **state)
{
    struct dfix *f = *state;
    struct sw_router *r;
    struct sw_sink_stats st;
    struct sw_err err;

    load_cfg(f, "queue: {max_events: 64}", "mode: always");
    r = net_router(f);
    f->net.up = false;
    send_events(r, 1, 500, NULL);
    sw_router_run_once(r, 0);
    sw_router_destroy(r);

    r = net_router_mode(f, &net_ops, true, false);
    f->net.up = true;
    assert_int_equal(sw_router_start(r, &err), SW_OK);
    /* A bound for a slow machine, not a measurement: the replay takes milliseconds. */
    for (int i = 0; i < 3000 && stats_of(r).acked < 500; i++) {
        struct timespec ts = {0, 10000000};

        nanosleep(&ts, NULL);
    }
    st = stats_of(r);
    assert_int_equal(st.acked, 500);
    sw_router_stop(r);
    check_in_order(&f->net, 1, 500);
    sw_router_destroy(r);
}

/* spool.mode: overflow keeps events in memory, and writes what is left at exit. */
static void
overflow_mode_spools_the_queue_at_exit(void **state)
{
    struct dfix *f = *state;
    struct sw_router *r;
    struct sw_sink_stats st;

    load_cfg(f, "queue: {max_events: 1000}", "mode: overflow");
    r = net_router(f);
    f->net.up = false;
    send_events(r, 1, 100, NULL);
    sw_router_run_once(r, 0);
    st = stats_of(r);
    assert_int_equal(st.spooled_events, 0);
    assert_int_equal(st.queued, 100);
    sw_router_destroy(r);

    r = net_router(f);
    assert_int_equal(stats_of(r).spooled_events, 100);
    f->net.up = true;
    run_until_acked(r, 100);
    check_in_order(&f->net, 1, 100);
    sw_router_destroy(r);
}

/* overflow past the queue: the memory queue is written first, so the order holds. */
static void
overflow_mode_keeps_order_past_the_queue(void **state)
{
    struct dfix *f = *state;
    struct sw_router *r;

    load_cfg(f, "queue: {max_events: 50}", "mode: overflow");
    r = net_router(f);
    f->net.up = false;
    send_events(r, 1, 400, NULL);
    sw_router_run_once(r, 0);
    assert_true(stats_of(r).spooled_events >= 350);
    f->net.up = true;
    run_until_acked(r, 400);
    assert_int_equal(stats_of(r).acked, 400);
    check_in_order(&f->net, 1, 400);
    sw_router_destroy(r);
}

/* Without a spool a full queue drops by policy, each drop counted. */
static void
memory_only_full_queue_drops_exactly_by_policy(void **state)
{
    struct dfix *f = *state;
    struct sw_router *r;
    struct sw_sink_stats st;

    load_cfg(f, "queue: {max_events: 16}", "mode: off, when_full: drop_newest");
    r = net_router(f);
    f->net.up = false;
    send_events(r, 1, 100, NULL);
    st = stats_of(r);
    assert_int_equal(st.dropped_policy, 84);
    f->net.up = true;
    run_until_acked(r, 16);
    check_in_order(&f->net, 1, 16);
    sw_router_destroy(r);

    rm_tree(f->dir);
    assert_int_equal(mkdir(f->dir, 0700), 0);
    memset(&f->net, 0, sizeof(f->net));
    f->net.window = NET_MAX;
    load_cfg(f, "queue: {max_events: 16}", "mode: off, when_full: drop_oldest");
    r = net_router(f);
    send_events(r, 1, 100, NULL);
    assert_int_equal(stats_of(r).dropped_policy, 84);
    f->net.up = true;
    run_until_acked(r, 16);
    check_in_order(&f->net, 85, 100);
    sw_router_destroy(r);
}

/* A full spool drops by policy: what arrives plus what was dropped is everything. */
static void
full_spool_drops_are_counted_exactly(void **state)
{
    struct dfix *f = *state;
    struct sw_router *r;
    struct sw_sink_stats st;
    const unsigned total = 6000;

    load_cfg(f, "queue: {max_events: 100}",
             "mode: always, max_size: 1MiB, segment_size: 64KiB, when_full: drop_oldest");
    r = net_router(f);
    f->net.up = false;
    send_events(r, 1, total,
                "padding padding padding padding padding padding padding "
                "padding padding padding padding padding padding padding");
    st = stats_of(r);
    assert_true(st.dropped_policy > 0);
    assert_true(st.spooled_bytes <= 1024 * 1024);
    f->net.up = true;
    run_until_acked(r, total - st.dropped_policy);
    st = stats_of(r);
    assert_int_equal(st.acked + st.dropped_policy, total);
    assert_int_equal(f->net.n_got, st.acked);
    /* drop_oldest: the oldest in memory were kept, then the newest whole segments. */
    for (size_t i = 1; i < f->net.n_got; i++)
        assert_true(f->net.got[i] > f->net.got[i - 1]);
    assert_int_equal(f->net.got[f->net.n_got - 1], total);
    sw_router_destroy(r);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(router_takes_every_producer_the_config_allows_issue_9),
        cmocka_unit_test(ring_full_drop_is_counted_once_issue_9),
        cmocka_unit_test(counters_are_read_while_threads_write_them_issue_9),
        cmocka_unit_test(stop_writes_everything_a_local_sink_holds),
        cmocka_unit_test(sink_without_room_is_not_asked_in_a_loop),
        cmocka_unit_test_setup_teardown(outage_then_recovery_delivers_everything_once_in_order,
                                        dsetup, dteardown),
        cmocka_unit_test_setup_teardown(rejected_event_does_not_block_the_queue, dsetup, dteardown),
        cmocka_unit_test_setup_teardown(lost_acknowledgements_resend_in_order_and_count_duplicates,
                                        dsetup, dteardown),
        cmocka_unit_test_setup_teardown(offers_fit_the_room_the_sink_has, dsetup, dteardown),
        cmocka_unit_test_setup_teardown(records_given_back_inside_write_are_offered_again, dsetup,
                                        dteardown),
        cmocka_unit_test_setup_teardown(earlier_records_given_back_inside_write_are_offered_again,
                                        dsetup, dteardown),
        cmocka_unit_test_setup_teardown(restart_delivers_the_spool_first, dsetup, dteardown),
        cmocka_unit_test_setup_teardown(replay_larger_than_the_queue_runs_to_the_end, dsetup,
                                        dteardown),
        cmocka_unit_test_setup_teardown(overflow_mode_spools_the_queue_at_exit, dsetup, dteardown),
        cmocka_unit_test_setup_teardown(overflow_mode_keeps_order_past_the_queue, dsetup,
                                        dteardown),
        cmocka_unit_test_setup_teardown(memory_only_full_queue_drops_exactly_by_policy, dsetup,
                                        dteardown),
        cmocka_unit_test_setup_teardown(full_spool_drops_are_counted_exactly, dsetup, dteardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
