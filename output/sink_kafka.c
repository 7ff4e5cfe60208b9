/* sink_kafka.c - "kafka": EVE events as Kafka messages through librdkafka's producer.
 *
 * One message per event: the value is the EVE line unchanged, the key rec->key
 * (community_id, else flow_id, else the file path of a host event; outputs[].key: none sends
 * none), the timestamp the event's. The topic is outputs[].topic with "%{event_type}"
 * replaced by the event type, so "seawall-%{event_type}" gives seawall-alert, seawall-flow...
 *
 * What counts as delivered: librdkafka's delivery report without error, which with the
 * defaults below (acks=all) means every in-sync replica of the partition has the message.
 * Delivery reports drive everything: no error -> sw_sink_ack; authorization, message too
 * large or an invalid record -> sw_sink_reject (never retried); anything else (message
 * timeout, all brokers down, a retriable broker error that outlived librdkafka's own
 * retries, a purge) -> sw_sink_resend, maybe_delivered when librdkafka says the message may
 * have been persisted (rd_kafka_message_status). When one comes back, the messages still queued
 * behind it are purged and come back too, and write() takes nothing until every message out
 * has come back, so that the router sends them again in order and one flow's events keep
 * their order across an outage.
 *
 * Defaults seawall sets before outputs[].kafka, which overrides any of them:
 *   enable.idempotence=true  no duplicates or reordering from librdkafka's own retries
 *   acks=all                 (implied by idempotence; stated for readers)
 *   message.timeout.ms=30000 a message not delivered in 30 s comes back to seawall's queue
 *                            and spool, which retries with its back-off
 *   queue.buffering.max.messages / .kbytes  queue.max_events / queue.max_bytes: the
 *                            producer's queue is bounded by the sink's queue
 *   client.id=seawall, log.queue=true (librdkafka's log lines reach seawall's log from the
 *   output thread), socket.keepalive.enable=true
 *
 * Threads: librdkafka runs its own (one per broker, a main thread); this file's code runs on
 * the output thread (create/destroy on main). The producer's main queue signals a pipe
 * (rd_kafka_queue_io_event_enable) whose read end is the sink's poll fd; service() then calls
 * rd_kafka_poll(), which runs the callbacks below on the output thread. Messages are not
 * copied: the router keeps rec->line and rec->key valid until the seq is reported. */
#include "sw/sink.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <librdkafka/rdkafka.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "sw/alloc.h"
#include "sw/event.h"
#include "sw/log.h"

/* Poll librdkafka at least this often while messages are out, whatever the pipe says: the
 * router calls service() on a timeout only when that much time passed in one of its waits,
 * which it caps at 50 ms while stopping, and calls tick() only when live. */
#define SERVICE_MS 50

struct kafka {
    struct sw_sink *s;       /* borrowed: the sink that owns us */
    rd_kafka_conf_t *conf;   /* owned: the configuration a new producer is made from */
    rd_kafka_t *rk;          /* owned */
    rd_kafka_queue_t *mainq; /* owned reference to rk's main queue */
    rd_kafka_topic_t *topic[SW_EV_TYPE_MAX]; /* owned; one shared when the name is fixed */
    char topic_name[SW_EV_TYPE_MAX][256];
    bool per_type; /* the topic name has %{event_type} */
    bool use_key;
    int pipefd[2];        /* librdkafka writes [1] when its main queue gets an event */
    uint64_t outstanding; /* messages produced and not yet reported */
    bool fatal;           /* the producer hit a fatal (idempotence) error: rebuild */
    bool purge;           /* a message came back: purge the queued ones after it */
    bool draining;        /* take nothing new until every message out has come back */
    char err[300];        /* first failure seen in this service pass, "" none */
};

bool
sw_sink_kafka_check_property(const char *name, const char *value, char *why, size_t len)
{
    rd_kafka_conf_t *c = rd_kafka_conf_new();
    char errstr[256] = "";
    rd_kafka_conf_res_t res;

    if (c == NULL) {
        snprintf(why, len, "out of memory");
        return false;
    }
    res = rd_kafka_conf_set(c, name, value, errstr, sizeof(errstr));
    rd_kafka_conf_destroy(c);
    if (res == RD_KAFKA_CONF_OK)
        return true;
    snprintf(why, len, "librdkafka: %s", errstr[0] != '\0' ? errstr : "refused");
    return false;
}

/* --- callbacks (output thread, inside rd_kafka_poll) ---------------------------------------- */

static void SW_PRINTF(2, 3) note_error(struct kafka *k, const char *fmt, ...)
{
    va_list ap;

    if (k->err[0] != '\0')
        return;
    va_start(ap, fmt);
    vsnprintf(k->err, sizeof(k->err), fmt, ap);
    va_end(ap);
}

/* Errors that sending again will not fix: the receiver said no to this message. */
static bool
permanent(rd_kafka_resp_err_t e)
{
    switch (e) {
    case RD_KAFKA_RESP_ERR_TOPIC_AUTHORIZATION_FAILED:
    case RD_KAFKA_RESP_ERR_CLUSTER_AUTHORIZATION_FAILED:
    case RD_KAFKA_RESP_ERR_MSG_SIZE_TOO_LARGE:
    case RD_KAFKA_RESP_ERR_INVALID_MSG_SIZE:
    case RD_KAFKA_RESP_ERR_RECORD_LIST_TOO_LARGE:
    case RD_KAFKA_RESP_ERR_INVALID_MSG:
    case RD_KAFKA_RESP_ERR_INVALID_RECORD:
    case RD_KAFKA_RESP_ERR_TOPIC_EXCEPTION:
    case RD_KAFKA_RESP_ERR_POLICY_VIOLATION:
    case RD_KAFKA_RESP_ERR_UNSUPPORTED_FOR_MESSAGE_FORMAT:
        return true;
    default:
        return false;
    }
}

static void
on_delivery(rd_kafka_t *rk, const rd_kafka_message_t *m, void *opaque)
{
    struct kafka *k = opaque;
    uint64_t seq = (uint64_t)(uintptr_t)m->_private;
    const char *topic = m->rkt != NULL ? rd_kafka_topic_name(m->rkt) : "?";
    char reason[300];

    (void)rk;
    if (k->outstanding > 0)
        k->outstanding--;
    if (m->err == RD_KAFKA_RESP_ERR_NO_ERROR) {
        sw_sink_ack(k->s, seq, seq);
        return;
    }
    if (permanent(m->err)) {
        snprintf(reason, sizeof(reason), "kafka topic %s: %s", topic, rd_kafka_err2str(m->err));
        sw_sink_reject(k->s, seq, seq, reason);
        return;
    }
    /* Not delivered: back to the router's queue (and spool), which sends it again after its
     * back-off. A message that may have reached the broker is a possible duplicate. */
    sw_sink_resend(k->s, seq, seq, rd_kafka_message_status(m) != RD_KAFKA_MSG_STATUS_NOT_PERSISTED);
    if (m->err != RD_KAFKA_RESP_ERR__PURGE_QUEUE && m->err != RD_KAFKA_RESP_ERR__PURGE_INFLIGHT) {
        note_error(k, "kafka topic %.120s: %.100s", topic, rd_kafka_err2str(m->err));
        /* Newer messages still queued would overtake this one (and the others coming back
         * now): take them back too, and take nothing new until all are back, so that the
         * router offers them again in order. */
        k->purge = true;
        k->draining = true;
    }
}

static void
on_error(rd_kafka_t *rk, int err, const char *reason, void *opaque)
{
    struct kafka *k = opaque;
    char fatal[256];

    if (err == RD_KAFKA_RESP_ERR__FATAL) {
        rd_kafka_fatal_error(rk, fatal, sizeof(fatal));
        k->fatal = true;
        note_error(k, "kafka: fatal producer error, starting a new producer: %.180s", fatal);
        return;
    }
    /* Connection trouble librdkafka retries by itself is worth a line and a back-off only
     * when nothing can be delivered at all. */
    if (err == RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN || err == RD_KAFKA_RESP_ERR__AUTHENTICATION ||
        err == RD_KAFKA_RESP_ERR__RESOLVE || err == RD_KAFKA_RESP_ERR__SSL)
        note_error(k, "kafka: %.220s", reason);
    else
        SW_LOG_RATELIMIT(SW_LOG_INFO, "%s: librdkafka: %s", k->s->name, reason);
}

static void
on_log(const rd_kafka_t *rk, int level, const char *fac, const char *buf)
{
    struct kafka *k = rd_kafka_opaque(rk); /* NULL in the trial producer of create */

    /* syslog levels: 0..3 error, 4 warning, 5.. notice and below */
    if (level <= 4)
        SW_LOG_RATELIMIT(level <= 3 ? SW_LOG_ERROR : SW_LOG_WARNING, "%s: librdkafka %s: %s",
                         k != NULL ? k->s->name : "kafka", fac, buf);
    else
        SW_LOG_RATELIMIT(SW_LOG_DEBUG, "%s: librdkafka %s: %s", k != NULL ? k->s->name : "kafka",
                         fac, buf);
}

/* --- producer ---------------------------------------------------------------------------- */

static void
producer_close(struct kafka *k)
{
    rd_kafka_topic_t *shared = NULL;

    for (int t = 0; t < SW_EV_TYPE_MAX; t++) {
        if (k->topic[t] == NULL)
            continue;
        if (k->per_type)
            rd_kafka_topic_destroy(k->topic[t]);
        else
            shared = k->topic[t];
    }
    if (shared != NULL)
        rd_kafka_topic_destroy(shared);
    memset(k->topic, 0, sizeof(k->topic));
    if (k->mainq != NULL)
        rd_kafka_queue_destroy(k->mainq);
    k->mainq = NULL;
    if (k->rk != NULL) {
        /* Messages still queued are forgotten (the router keeps them): no waiting for
         * brokers. */
        rd_kafka_purge(k->rk, RD_KAFKA_PURGE_F_QUEUE | RD_KAFKA_PURGE_F_INFLIGHT |
                                  RD_KAFKA_PURGE_F_NON_BLOCKING);
        rd_kafka_destroy_flags(k->rk, RD_KAFKA_DESTROY_F_NO_CONSUMER_CLOSE);
    }
    k->rk = NULL;
    k->outstanding = 0;
}

static enum sw_rc
producer_open(struct kafka *k, struct sw_err *err)
{
    rd_kafka_conf_t *c = rd_kafka_conf_dup(k->conf);
    char errstr[512];

    if (c == NULL)
        return sw_err_set(err, SW_ENOMEM, "%s: out of memory", k->s->name);
    k->rk = rd_kafka_new(RD_KAFKA_PRODUCER, c, errstr, sizeof(errstr));
    if (k->rk == NULL) {
        rd_kafka_conf_destroy(c);
        return sw_err_set(err, SW_EINVAL, "%s: librdkafka: %s", k->s->name, errstr);
    }
    /* Log lines through the main queue, so that they are written from rd_kafka_poll. */
    if (rd_kafka_set_log_queue(k->rk, NULL) != RD_KAFKA_RESP_ERR_NO_ERROR)
        sw_log_debug("%s: librdkafka logs from its own threads", k->s->name);
    k->mainq = rd_kafka_queue_get_main(k->rk);
    if (k->mainq == NULL)
        return sw_err_set(err, SW_ENOMEM, "%s: librdkafka: no main queue", k->s->name);
    rd_kafka_queue_io_event_enable(k->mainq, k->pipefd[1], "k", 1);
    for (int t = 0; t < SW_EV_TYPE_MAX; t++) {
        rd_kafka_topic_t *shared = NULL;

        if ((k->s->types & (1u << t)) == 0)
            continue;
        for (int u = 0; u < t && !k->per_type && shared == NULL; u++)
            shared = k->topic[u];
        k->topic[t] = shared != NULL ? shared : rd_kafka_topic_new(k->rk, k->topic_name[t], NULL);
        if (k->topic[t] == NULL)
            return sw_err_set(err, SW_EINVAL, "%s: topic %s: %s", k->s->name, k->topic_name[t],
                              rd_kafka_err2str(rd_kafka_last_error()));
    }
    return SW_OK;
}

/* --- ops ------------------------------------------------------------------------------------ */

static bool
conf_set(struct kafka *k, const char *name, const char *value, struct sw_err *err,
         const char *where)
{
    char errstr[256];

    if (rd_kafka_conf_set(k->conf, name, value, errstr, sizeof(errstr)) == RD_KAFKA_CONF_OK)
        return true;
    sw_err_set(err, SW_EINVAL, "%s: %s%s: %s", k->s->name, where, name, errstr);
    return false;
}

/* Topic names per event type from outputs[].topic. */
static void
topic_names(struct kafka *k, const char *pattern)
{
    k->per_type = strstr(pattern, "%{event_type}") != NULL;
    for (int t = 0; t < SW_EV_TYPE_MAX; t++) {
        char *o = k->topic_name[t];
        size_t n = 0, cap = sizeof(k->topic_name[t]);

        for (const char *p = pattern; *p != '\0' && n + 1 < cap;) {
            if (strncmp(p, "%{event_type}", 13) == 0) {
                n += (size_t)snprintf(o + n, cap - n, "%s",
                                      sw_event_type_name((enum sw_event_type)t));
                if (n >= cap)
                    n = cap - 1;
                p += 13;
            } else {
                o[n++] = *p++;
            }
        }
        o[n] = '\0';
    }
}

/* librdkafka checks some combinations only when a producer is made (idempotence with more
 * than 5 requests in flight ...): make one now so that start-up fails on them, and destroy
 * it at once. The real producer starts on the output thread at the first write: the daemon
 * drops privileges after create, which it can do only while it has a single thread. */
static enum sw_rc
trial(struct kafka *k, struct sw_err *err)
{
    rd_kafka_conf_t *c = rd_kafka_conf_dup(k->conf);
    char errstr[512];
    rd_kafka_t *rk;

    if (c == NULL)
        return sw_err_set(err, SW_ENOMEM, "%s: out of memory", k->s->name);
    rd_kafka_conf_set_opaque(c, NULL); /* no callback may reach the sink */
    rd_kafka_conf_set_error_cb(c, NULL);
    rk = rd_kafka_new(RD_KAFKA_PRODUCER, c, errstr, sizeof(errstr));
    if (rk == NULL) {
        rd_kafka_conf_destroy(c);
        return sw_err_set(err, SW_EINVAL, "%s: librdkafka: %s", k->s->name, errstr);
    }
    rd_kafka_destroy(rk);
    return SW_OK;
}

static int
kafka_create(struct sw_sink *s, const struct sw_cfg_sink *cfg, const struct sw_sink_env *env,
             struct sw_err *err)
{
    struct kafka *k = sw_calloc(1, sizeof(*k));
    char brokers[4096] = "", num[32];
    size_t bl = 0;

    (void)env;
    if (k == NULL)
        return sw_err_set(err, SW_ENOMEM, "kafka sink: out of memory");
    k->s = s;
    k->pipefd[0] = k->pipefd[1] = -1;
    s->ctx = k;
    if (cfg->brokers.n > 0) {
        for (size_t i = 0; i < cfg->brokers.n && bl < sizeof(brokers); i++)
            bl += (size_t)snprintf(brokers + bl, sizeof(brokers) - bl, "%s%s", i > 0 ? "," : "",
                                   cfg->brokers.v[i]);
    } else if (cfg->address != NULL) {
        bl = (size_t)snprintf(brokers, sizeof(brokers), "%s", cfg->address);
    }
    if (bl == 0 || bl >= sizeof(brokers))
        return sw_err_set(err, SW_EINVAL, "kafka sink: brokers: none given, or too long");
    snprintf(s->name, sizeof(s->name), "kafka %.80s", brokers);
    k->use_key = cfg->key == NULL || strcmp(cfg->key, "none") != 0;
    topic_names(k, cfg->topic != NULL ? cfg->topic : "seawall");
    if (pipe2(k->pipefd, O_NONBLOCK | O_CLOEXEC) != 0)
        return sw_err_sys(err, SW_EIO, "%s: pipe", s->name);
    k->conf = rd_kafka_conf_new();
    if (k->conf == NULL)
        return sw_err_set(err, SW_ENOMEM, "%s: out of memory", s->name);
    snprintf(num, sizeof(num), "%" PRIu64,
             cfg->queue.max_events > 0 ? cfg->queue.max_events : 65536);
    if (!conf_set(k, "bootstrap.servers", brokers, err, "") ||
        !conf_set(k, "enable.idempotence", "true", err, "") ||
        !conf_set(k, "acks", "all", err, "") ||
        !conf_set(k, "message.timeout.ms", "30000", err, "") ||
        !conf_set(k, "queue.buffering.max.messages", num, err, "") ||
        !conf_set(k, "client.id", "seawall", err, "") ||
        !conf_set(k, "log.queue", "true", err, "") ||
        !conf_set(k, "socket.keepalive.enable", "true", err, ""))
        return err->code;
    snprintf(num, sizeof(num), "%" PRIu64,
             cfg->queue.max_bytes / 1024 > 0 ? cfg->queue.max_bytes / 1024 : 65536);
    if (!conf_set(k, "queue.buffering.max.kbytes", num, err, ""))
        return err->code;
    for (size_t i = 0; i + 1 < cfg->kafka.n; i += 2)
        if (!conf_set(k, cfg->kafka.v[i], cfg->kafka.v[i + 1], err, "kafka."))
            return err->code;
    rd_kafka_conf_set_opaque(k->conf, k);
    rd_kafka_conf_set_dr_msg_cb(k->conf, on_delivery);
    rd_kafka_conf_set_error_cb(k->conf, on_error);
    rd_kafka_conf_set_log_cb(k->conf, on_log);
    return trial(k, err);
}

static void
report_error(struct kafka *k)
{
    if (k->err[0] != '\0')
        sw_sink_error(k->s, "%s", k->err);
    k->err[0] = '\0';
}

static void
rebuild(struct kafka *k)
{
    struct sw_err err;

    /* The purge gives every message back through a delivery report (resend). */
    rd_kafka_purge(k->rk, RD_KAFKA_PURGE_F_QUEUE | RD_KAFKA_PURGE_F_INFLIGHT);
    rd_kafka_poll(k->rk, 0);
    producer_close(k);
    k->fatal = false;
    if (producer_open(k, &err) != SW_OK) {
        producer_close(k);
        sw_sink_error(k->s, "%s", err.msg);
    }
}

static void
drain(struct kafka *k)
{
    char buf[256];

    while (read(k->pipefd[0], buf, sizeof(buf)) > 0)
        ;
    /* Serve until the queue is empty: librdkafka writes the pipe only when an event lands
     * in an empty queue, so one left behind would silence it. */
    for (int i = 0; i < 64 && k->rk != NULL; i++) {
        rd_kafka_poll(k->rk, 0);
        if (k->purge) {
            /* Messages not yet sent come back as "purged from the queue": not delivered. */
            k->purge = false;
            rd_kafka_purge(k->rk, RD_KAFKA_PURGE_F_QUEUE);
            continue;
        }
        if (k->mainq == NULL || rd_kafka_queue_length(k->mainq) == 0)
            break;
    }
    if (k->outstanding == 0)
        k->draining = false;
    if (k->fatal)
        rebuild(k);
    report_error(k);
}

static enum sw_sink_rc
kafka_write(struct sw_sink *s, const struct sw_rec *recs, size_t n, size_t *taken)
{
    struct kafka *k = s->ctx;
    size_t i;

    *taken = 0;
    if (k->rk == NULL) {
        struct sw_err err;

        if (producer_open(k, &err) != SW_OK) {
            producer_close(k);
            sw_sink_error(s, "%s", err.msg);
            return SW_SINK_FAIL;
        }
    }
    if (k->draining && k->outstanding > 0)
        return SW_SINK_RETRY; /* messages are coming back: nothing may overtake them */
    for (i = 0; i < n; i++) {
        const struct sw_rec *r = &recs[i];
        rd_kafka_topic_t *t = r->type < SW_EV_TYPE_MAX ? k->topic[r->type] : NULL;
        bool key = k->use_key && r->key != NULL && r->key_len > 0;
        rd_kafka_resp_err_t e;

        if (t == NULL) {
            sw_sink_reject(s, r->seq, r->seq, "kafka: no topic for this event type");
            continue;
        }
        /* No copy (msgflags 0): the router keeps line and key until the seq is reported. */
        e = rd_kafka_producev(
            k->rk, RD_KAFKA_V_RKT(t), RD_KAFKA_V_MSGFLAGS(0),
            RD_KAFKA_V_VALUE((void *)(uintptr_t)r->line, r->len),
            RD_KAFKA_V_KEY(key ? (const void *)r->key : NULL, key ? r->key_len : 0),
            RD_KAFKA_V_TIMESTAMP((int64_t)(r->ts_us / 1000)),
            RD_KAFKA_V_OPAQUE((void *)(uintptr_t)r->seq), RD_KAFKA_V_END);
        if (e == RD_KAFKA_RESP_ERR_NO_ERROR) {
            k->outstanding++;
            continue;
        }
        if (e == RD_KAFKA_RESP_ERR__QUEUE_FULL) {
            *taken = i;
            return SW_SINK_RETRY;
        }
        if (e == RD_KAFKA_RESP_ERR_MSG_SIZE_TOO_LARGE) {
            char reason[300];

            snprintf(reason, sizeof(reason), "kafka topic %s: %s", rd_kafka_topic_name(t),
                     rd_kafka_err2str(e));
            sw_sink_reject(s, r->seq, r->seq, reason);
            continue;
        }
        *taken = i;
        if (e == RD_KAFKA_RESP_ERR__FATAL)
            k->fatal = true;
        sw_sink_error(s, "kafka topic %s: %s", rd_kafka_topic_name(t), rd_kafka_err2str(e));
        return SW_SINK_FAIL;
    }
    *taken = n;
    return SW_SINK_DONE;
}

static int
kafka_poll_fd(const struct sw_sink *s, short *events, int *timeout_ms)
{
    const struct kafka *k = s->ctx;

    *events = POLLIN;
    *timeout_ms = k->outstanding > 0 || k->fatal ? SERVICE_MS : -1;
    return k->pipefd[0];
}

static void
kafka_service(struct sw_sink *s, short revents)
{
    (void)revents;
    drain(s->ctx);
}

static void
kafka_tick(struct sw_sink *s)
{
    drain(s->ctx);
}

static void
kafka_destroy(struct sw_sink *s)
{
    struct kafka *k = s->ctx;

    if (k == NULL)
        return;
    producer_close(k);
    if (k->conf != NULL)
        rd_kafka_conf_destroy(k->conf);
    if (k->pipefd[0] >= 0)
        close(k->pipefd[0]);
    if (k->pipefd[1] >= 0)
        close(k->pipefd[1]);
    sw_free(k);
    s->ctx = NULL;
}

const struct sw_sink_ops sw_sink_kafka_ops = {
    .name = "kafka",
    .create = kafka_create,
    .write = kafka_write,
    .poll_fd = kafka_poll_fd,
    .service = kafka_service,
    .tick = kafka_tick,
    .destroy = kafka_destroy,
    .networked = true,
};
