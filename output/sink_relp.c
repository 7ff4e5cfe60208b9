/* sink_relp.c - the relp transport of the syslog sink, through librelp (see output/sink_int.h).
 *
 * Why a thread: librelp's client is synchronous. relpCltConnect() resolves and connects
 * blocking, and relpCltSendSyslog() waits (up to the session timeout) whenever the window of
 * unacknowledged messages is full. The output thread must never wait, so the records go to a
 * thread of this sink through an SPSC ring ("jobs"), and what became of them comes back
 * through a second SPSC ring ("reports") and an eventfd that the router polls.
 *
 * What counts as acknowledged: librelp keeps its window internally and tells nobody which
 * message an rsp answered. It lets a send through only when fewer than WINDOW messages are
 * unanswered, and a RELP server (rsyslog's imrelp) answers in order, so after message j was
 * sent every message up to j - WINDOW is acknowledged. The last WINDOW are confirmed by a
 * graceful close when no job came for IDLE_MS: librelp sends "close" and waits for its rsp,
 * which comes after every earlier rsp; a close that reports no error acknowledges them all.
 * A failed send or connection gives every unconfirmed message back as maybe delivered (the
 * server may have it), and the queued ones as not delivered.
 *
 * Threads: create/destroy on the main thread; write/poll_fd/service on the output thread
 * (producer of jobs, consumer of reports); everything else on the relp thread. */
#include "sink_int.h"

#include <errno.h>
#include <librelp.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "sw/alloc.h"
#include "sw/clock.h"
#include "sw/log.h"

#define JOBS 4096        /* ring of records to send (power of two) */
#define REPORTS 4096     /* ring of outcomes (power of two) */
#define WINDOW 128       /* RELP window: messages sent and not yet answered */
#define IDLE_MS 100      /* confirm the last window after this long without a job */
#define TIMEOUT_S 10     /* librelp's connect and session timeouts */
#define COOL_US 100000u  /* after a failure, give jobs back for this long without retrying */
/* Acknowledgements of consecutive seqs reported as one range, and the output thread woken
 * once for them: woken for each one, it offered its whole batch again for the one slot that
 * freed in the job ring (that was half of its CPU in make bench's relp run). */
#define ACK_BATCH 64

struct job {
    uint64_t seq, ts_us;
    const char *line; /* borrowed: the router keeps it until we report this seq */
    size_t len;
    uint8_t type, severity;
};

enum rep_what { REP_ACK = 1, REP_RESEND, REP_RESEND_MAYBE, REP_ERROR, REP_TRUNCATED, REP_REJECT };

struct rep {
    uint64_t first, last;
    uint8_t what;
    char msg[240];
};

struct sw_relp {
    struct sw_sink *s; /* borrowed */
    struct sw_syslog_fmt fmt;
    char host[256], port[8];
    bool tls;
    char *ca, *cert, *key, *peer; /* owned: librelp takes paths */
    /* jobs: output thread -> relp thread */
    _Alignas(64) _Atomic size_t jhead;
    _Alignas(64) _Atomic size_t jtail;
    struct job *jobs; /* owned: JOBS */
    /* reports: relp thread -> output thread */
    _Alignas(64) _Atomic size_t rhead;
    _Alignas(64) _Atomic size_t rtail;
    struct rep *reps; /* owned: REPORTS */
    int job_efd, rep_efd;
    _Alignas(64) _Atomic int stop;
    int stop_now; /* librelp's "shut down immediately" flag: set only by destroy */
    pthread_t thread;
    bool started;
    /* relp thread only */
    relpEngine_t *engine;
    relpClt_t *clt;
    uint64_t unconf[WINDOW + 1]; /* seqs sent and not confirmed, oldest first (a ring) */
    size_t uhead, un;
    bool err_seen;
    char err_msg[200];
    uint64_t last_job_us, failed_us;
    uint64_t ack_first, ack_last; /* acknowledged, not yet reported (n_acks of them) */
    size_t n_acks;
    char *msg; /* owned: one formatted message */
};

/* --- the rings ----------------------------------------------------------------------------- */

/* Relp thread. Reports wait for room rather than drop: the output thread drains them every
 * round, and losing an acknowledgement would leave a record in flight for ever. */
static void
rep_push(struct sw_relp *r, uint64_t first, uint64_t last, enum rep_what what, const char *msg)
{
    uint64_t one = 1;
    size_t t = atomic_load_explicit(&r->rtail, memory_order_relaxed);
    struct rep *p;

    while (t - atomic_load_explicit(&r->rhead, memory_order_acquire) >= REPORTS) {
        struct timespec ts = {0, 200000};

        if (atomic_load(&r->stop))
            return;
        nanosleep(&ts, NULL);
    }
    p = &r->reps[t & (REPORTS - 1)];
    p->first = first;
    p->last = last;
    p->what = (uint8_t)what;
    if (msg != NULL)
        snprintf(p->msg, sizeof(p->msg), "%s", msg);
    else
        p->msg[0] = '\0';
    atomic_store_explicit(&r->rtail, t + 1, memory_order_release);
    if (write(r->rep_efd, &one, sizeof(one)) != sizeof(one)) {
        /* The counter is far from overflowing: a failed write only delays the router's
         * look at the ring until its next round. */
    }
}

/* Relp thread: report the acknowledgements gathered (see ACK_BATCH). */
static void
acks_flush(struct sw_relp *r)
{
    if (r->n_acks == 0)
        return;
    r->n_acks = 0;
    rep_push(r, r->ack_first, r->ack_last, REP_ACK, NULL);
}

/* Relp thread: seq is acknowledged. Reported at once with those around it; any other report
 * first flushes them, so the output thread sees the outcomes in the order they happened. */
static void
ack(struct sw_relp *r, uint64_t seq)
{
    if (r->n_acks > 0 && seq != r->ack_last + 1)
        acks_flush(r);
    if (r->n_acks == 0)
        r->ack_first = seq;
    r->ack_last = seq;
    if (++r->n_acks >= ACK_BATCH)
        acks_flush(r);
}

static void
report(struct sw_relp *r, uint64_t first, uint64_t last, enum rep_what what, const char *msg)
{
    acks_flush(r);
    rep_push(r, first, last, what, msg);
}

static bool
job_pop(struct sw_relp *r, struct job *out)
{
    size_t h = atomic_load_explicit(&r->jhead, memory_order_relaxed);

    if (h == atomic_load_explicit(&r->jtail, memory_order_acquire))
        return false;
    *out = r->jobs[h & (JOBS - 1)];
    atomic_store_explicit(&r->jhead, h + 1, memory_order_release);
    return true;
}

/* --- the relp thread ----------------------------------------------------------------------- */

static void
on_err(void *usr, char *objinfo, char *errmsg, relpRetVal code)
{
    struct sw_relp *r = usr;

    (void)objinfo;
    if (r == NULL)
        return;
    r->err_seen = true;
    snprintf(r->err_msg, sizeof(r->err_msg), "%s (librelp %d)", errmsg != NULL ? errmsg : "",
             (int)code);
}

/* librelp calls its debug printer unconditionally: it must be set, to nothing. */
static void SW_PRINTF(1, 2)
no_debug(char *fmt, ...)
{
    (void)fmt;
}

static void
on_generic_err(char *objinfo, char *errmsg, relpRetVal code)
{
    (void)objinfo;
    (void)errmsg;
    (void)code;
}

static void
unconf_push(struct sw_relp *r, uint64_t seq)
{
    r->unconf[(r->uhead + r->un) % (WINDOW + 1)] = seq;
    r->un++;
}

static uint64_t
unconf_pop(struct sw_relp *r)
{
    uint64_t s = r->unconf[r->uhead];

    r->uhead = (r->uhead + 1) % (WINDOW + 1);
    r->un--;
    return s;
}

/* Give back every unconfirmed message (maybe delivered) and every queued job (not sent). */
static void
give_back(struct sw_relp *r, const struct job *current, const char *why)
{
    struct job j;

    while (r->un > 0) {
        uint64_t s = unconf_pop(r);

        report(r, s, s, REP_RESEND_MAYBE, NULL);
    }
    if (current != NULL)
        report(r, current->seq, current->seq, REP_RESEND_MAYBE, NULL);
    while (job_pop(r, &j))
        report(r, j.seq, j.seq, REP_RESEND, NULL);
    if (why != NULL)
        report(r, 0, 0, REP_ERROR, why);
    r->failed_us = sw_clock_us(CLOCK_MONOTONIC);
}

static void
drop_client(struct sw_relp *r)
{
    if (r->clt != NULL)
        relpEngineCltDestruct(r->engine, &r->clt);
    r->clt = NULL;
}

static bool
connect_client(struct sw_relp *r)
{
    char why[600];
    relpRetVal rc;

    r->err_seen = false;
    if (relpEngineCltConstruct(r->engine, &r->clt) != RELP_RET_OK) {
        report(r, 0, 0, REP_ERROR, "relp: cannot make a client");
        return false;
    }
    relpCltSetUsrPtr(r->clt, r);
    relpCltSetTimeout(r->clt, TIMEOUT_S);
    relpCltSetConnTimeout(r->clt, TIMEOUT_S);
    relpCltSetWindowSize(r->clt, WINDOW);
    if (r->tls) {
        relpCltEnableTLS(r->clt);
        if (r->ca[0] != '\0')
            relpCltSetCACert(r->clt, r->ca);
        if (r->cert[0] != '\0') {
            relpCltSetOwnCert(r->clt, r->cert);
            relpCltSetPrivKey(r->clt, r->key);
        }
        relpCltSetAuthMode(r->clt, (char *)"name");
        relpCltAddPermittedPeer(r->clt, r->peer);
    }
    rc = relpCltConnect(r->clt, 0, (unsigned char *)r->port, (unsigned char *)r->host);
    if (rc != RELP_RET_OK) {
        snprintf(why, sizeof(why), "relp connect %s:%s: %s", r->host, r->port,
                 r->err_seen ? r->err_msg : "failed");
        if (!r->err_seen)
            snprintf(why, sizeof(why), "relp connect %s:%s: failed (librelp %d)", r->host,
                     r->port, (int)rc);
        drop_client(r);
        report(r, 0, 0, REP_ERROR, why);
        return false;
    }
    return true;
}

/* Idle: a graceful close confirms the last window (see the top of this file). */
static void
confirm_tail(struct sw_relp *r)
{
    r->err_seen = false;
    drop_client(r);
    if (r->err_seen) {
        char why[600];

        snprintf(why, sizeof(why), "relp %s:%s: %s", r->host, r->port, r->err_msg);
        give_back(r, NULL, why);
        return;
    }
    while (r->un > 0)
        ack(r, unconf_pop(r));
    acks_flush(r);
}

static void
send_job(struct sw_relp *r, const struct job *j)
{
    struct sw_rec rec = {.seq = j->seq, .ts_us = j->ts_us, .line = j->line, .len = j->len,
                         .type = j->type, .severity = j->severity};
    bool cut;
    size_t n;
    relpRetVal rc;

    if (sw_clock_us(CLOCK_MONOTONIC) - r->failed_us < COOL_US && r->clt == NULL) {
        /* The router is backing off: do not hammer the receiver with what it still sent. */
        report(r, j->seq, j->seq, REP_RESEND, NULL);
        return;
    }
    n = sw_syslog_format(&r->fmt, &rec, r->msg, &cut);
    if (n == 0) {
        report(r, j->seq, j->seq, REP_REJECT, "larger than max_message_size and cannot be cut");
        return;
    }
    if (r->clt == NULL && !connect_client(r)) {
        give_back(r, j, NULL);
        return;
    }
    r->err_seen = false;
    rc = relpCltSendSyslog(r->clt, (unsigned char *)r->msg, n);
    if (rc != RELP_RET_OK) {
        char why[600];

        snprintf(why, sizeof(why), "relp send %s:%s: %s", r->host, r->port,
                 r->err_seen ? r->err_msg : "session broken");
        drop_client(r);
        give_back(r, j, why);
        return;
    }
    if (cut)
        report(r, j->seq, j->seq, REP_TRUNCATED, NULL);
    unconf_push(r, j->seq);
    while (r->un > WINDOW) {
        ack(r, unconf_pop(r));
    }
}

static void *
relp_main(void *arg)
{
    struct sw_relp *r = arg;

    pthread_setname_np(pthread_self(), "sw-relp");
    while (!atomic_load(&r->stop)) {
        struct job j;

        if (job_pop(r, &j)) {
            send_job(r, &j);
            r->last_job_us = sw_clock_us(CLOCK_MONOTONIC);
            continue;
        }
        acks_flush(r); /* nothing to send: the output thread hears of them now */
        if (r->clt != NULL && r->un > 0 &&
            sw_clock_us(CLOCK_MONOTONIC) - r->last_job_us >= IDLE_MS * 1000u) {
            confirm_tail(r);
            continue;
        }
        {
            struct pollfd p = {.fd = r->job_efd, .events = POLLIN};
            uint64_t v;

            if (poll(&p, 1, IDLE_MS) > 0 && read(r->job_efd, &v, sizeof(v)) < 0) {
                /* EAGAIN: another wake-up took it; look at the ring again */
            }
        }
    }
    acks_flush(r);
    drop_client(r);
    return NULL;
}

/* --- the output thread's side --------------------------------------------------------------- */

struct sw_relp *
sw_relp_create(struct sw_sink *s, const char *address, const struct sw_cfg_tls *tls,
               const struct sw_syslog_fmt *f, struct sw_err *err)
{
    struct sw_relp *r = sw_calloc(1, sizeof(*r));

    if (r == NULL) {
        sw_err_set(err, SW_ENOMEM, "relp: out of memory");
        return NULL;
    }
    r->s = s;
    r->fmt = *f;
    r->job_efd = r->rep_efd = -1;
    if (!sw_conn_split_address(address, r->host, sizeof(r->host), r->port, sizeof(r->port))) {
        sw_err_set(err, SW_EINVAL, "address %s: expected host:port", address);
        goto fail;
    }
    r->tls = tls != NULL && (tls->enabled || (tls->ca != NULL && tls->ca[0] != '\0') ||
                             (tls->cert != NULL && tls->cert[0] != '\0'));
    r->ca = sw_strdup(tls != NULL && tls->ca != NULL ? tls->ca : "");
    r->cert = sw_strdup(tls != NULL && tls->cert != NULL ? tls->cert : "");
    r->key = sw_strdup(tls != NULL && tls->key != NULL ? tls->key : "");
    r->peer = sw_strdup(tls != NULL && tls->server_name != NULL && tls->server_name[0] != '\0'
                            ? tls->server_name
                            : r->host);
    r->jobs = sw_calloc(JOBS, sizeof(*r->jobs));
    r->reps = sw_calloc(REPORTS, sizeof(*r->reps));
    r->msg = sw_malloc(f->max + SW_SYSLOG_HDR_MAX);
    if (r->ca == NULL || r->cert == NULL || r->key == NULL || r->peer == NULL ||
        r->jobs == NULL || r->reps == NULL || r->msg == NULL) {
        sw_err_set(err, SW_ENOMEM, "relp: out of memory");
        goto fail;
    }
    r->job_efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    r->rep_efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    if (r->job_efd == -1 || r->rep_efd == -1) {
        sw_err_sys(err, SW_EIO, "relp: eventfd");
        goto fail;
    }
    if (relpEngineConstruct(&r->engine) != RELP_RET_OK) {
        sw_err_set(err, SW_ENOMEM, "relp: cannot make the librelp engine");
        goto fail;
    }
    relpEngineSetDbgprint(r->engine, no_debug);
    /* The client offers the "syslog" command; a server refuses a session without it. */
    relpEngineSetEnableCmd(r->engine, (unsigned char *)"syslog", eRelpCmdState_Required);
    relpEngineSetOnErr(r->engine, on_err);
    relpEngineSetOnGenericErr(r->engine, on_generic_err);
    relpEngineSetShutdownImmdtPtr(r->engine, &r->stop_now);
    relpEngineSetDnsLookupMode(r->engine, 0);
    if (r->tls && relpEngineSetTLSLibByName(r->engine, "openssl") != RELP_RET_OK) {
        sw_err_set(err, SW_EINVAL, "relp: this librelp has no OpenSSL TLS");
        goto fail;
    }
    /* The thread starts with the first record, on the output thread: after the daemon
     * dropped its privileges (a thread made before would keep them). */
    return r;
fail:
    sw_relp_destroy(r);
    return NULL;
}

enum sw_sink_rc
sw_relp_write(struct sw_relp *r, const struct sw_rec *recs, size_t n, size_t *taken)
{
    size_t t = atomic_load_explicit(&r->jtail, memory_order_relaxed);
    size_t h = atomic_load_explicit(&r->jhead, memory_order_acquire);
    size_t i;
    uint64_t one = 1;

    *taken = 0;
    if (!r->started) {
        int rc = pthread_create(&r->thread, NULL, relp_main, r);

        if (rc != 0) {
            sw_sink_error(r->s, "relp: cannot start its thread: %s", strerror(rc));
            return SW_SINK_FAIL;
        }
        r->started = true;
    }
    for (i = 0; i < n && t - h < JOBS; i++, t++) {
        struct job *j = &r->jobs[t & (JOBS - 1)];

        j->seq = recs[i].seq;
        j->ts_us = recs[i].ts_us;
        j->line = recs[i].line;
        j->len = recs[i].len;
        j->type = recs[i].type;
        j->severity = recs[i].severity;
    }
    atomic_store_explicit(&r->jtail, t, memory_order_release);
    if (i > 0 && write(r->job_efd, &one, sizeof(one)) != sizeof(one)) {
        /* see report(): the thread also looks every IDLE_MS */
    }
    *taken = i;
    return i == n ? SW_SINK_DONE : SW_SINK_RETRY;
}

size_t
sw_relp_room(const struct sw_relp *r)
{
    size_t t = atomic_load_explicit(&r->jtail, memory_order_relaxed);
    size_t h = atomic_load_explicit(&r->jhead, memory_order_acquire);

    return JOBS - (t - h);
}

int
sw_relp_poll_fd(const struct sw_relp *r, short *events, int *timeout_ms)
{
    *events = POLLIN;
    *timeout_ms = -1;
    return r->rep_efd;
}

void
sw_relp_service(struct sw_relp *r)
{
    uint64_t v;
    size_t h = atomic_load_explicit(&r->rhead, memory_order_relaxed);
    size_t t = atomic_load_explicit(&r->rtail, memory_order_acquire);

    if (read(r->rep_efd, &v, sizeof(v)) < 0) {
        /* EAGAIN: nothing signalled; the ring is looked at anyway */
    }
    for (; h != t; h++) {
        const struct rep *p = &r->reps[h & (REPORTS - 1)];

        switch (p->what) {
        case REP_ACK:
            sw_sink_ack(r->s, p->first, p->last);
            break;
        case REP_RESEND:
            sw_sink_resend(r->s, p->first, p->last, false);
            break;
        case REP_RESEND_MAYBE:
            sw_sink_resend(r->s, p->first, p->last, true);
            break;
        case REP_REJECT:
            sw_sink_reject(r->s, p->first, p->last, p->msg);
            break;
        case REP_TRUNCATED:
            sw_sink_count_truncated(r->s, 1);
            break;
        case REP_ERROR:
            sw_sink_error(r->s, "%s", p->msg);
            break;
        default:
            break;
        }
        /* Release each slot as soon as it is read: a full ring makes the thread wait. */
        atomic_store_explicit(&r->rhead, h + 1, memory_order_release);
    }
}

void
sw_relp_destroy(struct sw_relp *r)
{
    uint64_t one = 1;

    if (r == NULL)
        return;
    if (r->started) {
        atomic_store(&r->stop, 1);
        r->stop_now = 1; /* librelp polls it while it waits (relpEngineShouldStop) */
        if (write(r->job_efd, &one, sizeof(one)) != sizeof(one)) {
            /* the thread wakes within IDLE_MS anyway */
        }
        pthread_join(r->thread, NULL);
    }
    if (r->engine != NULL)
        relpEngineDestruct(&r->engine);
    if (r->job_efd != -1)
        close(r->job_efd);
    if (r->rep_efd != -1)
        close(r->rep_efd);
    sw_free(r->jobs);
    sw_free(r->reps);
    sw_free(r->msg);
    sw_free(r->ca);
    sw_free(r->cert);
    sw_free(r->key);
    sw_free(r->peer);
    sw_free(r);
}
