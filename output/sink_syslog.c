/* sink_syslog.c - "syslog": RFC 5424 messages over udp, tcp (RFC 6587 octet counting), tls
 * (RFC 5425) or relp (librelp, output/sink_relp.c).
 *
 *   <PRI>1 2026-11-25T10:00:00.123456Z HOSTNAME seawall PROCID MSGID - {"timestamp":...}
 *
 * PRI = facility * 8 + severity, the severity from the event: alert severity 1 -> crit (2),
 * 2 -> err (3), 3 and above -> warning (4); every other event -> info (6). TIMESTAMP is the
 * event's time in UTC, HOSTNAME agent.id (the hostname by default), APP-NAME seawall, PROCID
 * the daemon's pid, MSGID the event_type, STRUCTURED-DATA "-", MSG the EVE line unchanged.
 * A message longer than max_message_size keeps its header and the top-level JSON members
 * that fit, ending with "truncated":true (still one valid JSON object, never split in two);
 * it is counted as truncated. Over udp, max_message_size is capped at 65507 bytes (the
 * largest IPv4 datagram payload).
 *
 * What is delivered: udp, when the datagram left (nothing is promised); tcp and tls, when
 * the receiver's TCP stack acknowledged the message's bytes (output/sink_conn.c); relp,
 * when the receiver acknowledged it in RELP. */
#include "sink_int.h"

#include <errno.h>
#include <netdb.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "sw/alloc.h"
#include "sw/event.h"

#define UDP_MAX 65507u

enum transport { T_UDP, T_TCP, T_TLS, T_RELP };

struct syslog_ctx {
    enum transport transport;
    struct sw_syslog_fmt fmt;
    struct sw_conn *st; /* owned: tcp, tls */
    struct sw_relp *relp; /* owned: relp */
    int fd;               /* udp: a connected datagram socket */
    char *scratch;        /* owned: udp, one message */
};

static const char *const facilities[] = {
    "kern",     "user",     "mail",   "daemon", "auth",   "syslog",       "lpr",
    "news",     "uucp",     "cron",   "authpriv", "ftp",  "ntp",          "security",
    "console",  "solaris-cron", "local0", "local1", "local2", "local3", "local4",
    "local5",   "local6",   "local7",
};

static int
facility_code(const char *name)
{
    for (size_t i = 0; i < sizeof(facilities) / sizeof(facilities[0]); i++)
        if (strcmp(facilities[i], name) == 0)
            return (int)i;
    return -1;
}

static int
severity_of(const struct sw_rec *rec)
{
    if (rec->type != SW_EV_ALERT)
        return 6; /* info */
    switch (rec->severity) {
    case 1:
        return 2; /* crit */
    case 2:
        return 3; /* err */
    default:
        return 4; /* warning */
    }
}

size_t
sw_syslog_format(const struct sw_syslog_fmt *f, const struct sw_rec *rec, char *out,
                 bool *truncated)
{
    time_t secs = (time_t)(rec->ts_us / 1000000u);
    struct tm tm;
    int h;
    size_t room, n;

    *truncated = false;
    gmtime_r(&secs, &tm);
    h = snprintf(out, SW_SYSLOG_HDR_MAX,
                 "<%d>1 %04d-%02d-%02dT%02d:%02d:%02d.%06uZ %s seawall %s %s - ",
                 f->facility * 8 + severity_of(rec), (tm.tm_year + 1900) % 10000,
                 (tm.tm_mon + 1) % 100, tm.tm_mday % 100, tm.tm_hour % 100, tm.tm_min % 100,
                 tm.tm_sec % 100, (unsigned)(rec->ts_us % 1000000u), f->host, f->procid,
                 sw_event_type_name((enum sw_event_type)rec->type));
    if (h < 0 || (size_t)h >= SW_SYSLOG_HDR_MAX || (size_t)h >= f->max)
        return 0;
    room = f->max - (size_t)h;
    if (rec->len <= room) {
        memcpy(out + h, rec->line, rec->len);
        return (size_t)h + rec->len;
    }
    n = sw_sink_truncate_json(rec->line, rec->len, out + h, room);
    if (n == 0)
        return 0;
    *truncated = true;
    return (size_t)h + n;
}

/* --- tcp and tls: octet counting (RFC 6587 3.4.1, RFC 5425 4.3) --------------------------- */

static size_t
octet_bound(void *ctx, const struct sw_rec *rec)
{
    const struct syslog_ctx *c = ctx;
    size_t body = SW_SYSLOG_HDR_MAX + rec->len;

    return 24 + (body < c->fmt.max ? c->fmt.max : body);
}

static size_t
octet_frame(void *ctx, struct sw_sink *s, const struct sw_rec *rec, char *out)
{
    const struct syslog_ctx *c = ctx;
    bool cut;
    /* Format after room for the length prefix, then move it next to the prefix. */
    char *msg = out + 24;
    size_t n = sw_syslog_format(&c->fmt, rec, msg, &cut);
    int p;

    if (n == 0) {
        sw_sink_reject(s, rec->seq, rec->seq, "larger than max_message_size and cannot be cut");
        return 0;
    }
    if (cut)
        sw_sink_count_truncated(s, 1);
    p = snprintf(out, 24, "%zu ", n);
    memmove(out + p, msg, n);
    return (size_t)p + n;
}

/* --- udp ----------------------------------------------------------------------------------- */

static enum sw_sink_rc
udp_write(struct sw_sink *s, struct syslog_ctx *c, const struct sw_rec *recs, size_t n,
          size_t *taken)
{
    size_t i;

    for (i = 0; i < n; i++) {
        bool cut;
        size_t len = sw_syslog_format(&c->fmt, &recs[i], c->scratch, &cut);
        ssize_t r;

        if (len == 0) {
            sw_sink_reject(s, recs[i].seq, recs[i].seq,
                           "larger than max_message_size and cannot be cut");
            continue;
        }
        r = send(c->fd, c->scratch, len, MSG_DONTWAIT | MSG_NOSIGNAL);
        if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == ENOBUFS))
            break;
        if (r < 0) {
            /* ECONNREFUSED: an ICMP port unreachable came back for an earlier datagram. */
            *taken = i;
            sw_sink_error(s, "send: %s", strerror(errno));
            return SW_SINK_FAIL;
        }
        if (cut)
            sw_sink_count_truncated(s, 1);
        sw_sink_ack(s, recs[i].seq, recs[i].seq); /* udp: sent is all there is */
    }
    *taken = i;
    return i == n ? SW_SINK_DONE : SW_SINK_RETRY;
}

static int
udp_open(struct syslog_ctx *c, const char *address, struct sw_err *err)
{
    char host[256], port[8];
    struct addrinfo hints, *ai = NULL, *a;
    int rc;

    if (!sw_conn_split_address(address, host, sizeof(host), port, sizeof(port)))
        return sw_err_set(err, SW_EINVAL, "address %s: expected host:port", address);
    memset(&hints, 0, sizeof(hints));
    hints.ai_socktype = SOCK_DGRAM;
    hints.ai_flags = AI_NUMERICSERV;
    rc = getaddrinfo(host, port, &hints, &ai);
    if (rc != 0)
        return sw_err_set(err, SW_EIO, "address %s: %s", address, gai_strerror(rc));
    for (a = ai; a != NULL; a = a->ai_next) {
        c->fd = socket(a->ai_family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        if (c->fd == -1)
            continue;
        if (connect(c->fd, a->ai_addr, a->ai_addrlen) == 0)
            break;
        close(c->fd);
        c->fd = -1;
    }
    freeaddrinfo(ai);
    if (c->fd == -1)
        return sw_err_sys(err, SW_EIO, "address %s: udp socket", address);
    return SW_OK;
}

/* --- the sink ------------------------------------------------------------------------------ */

static void
set_hostname(struct sw_syslog_fmt *f, const char *host)
{
    size_t n = 0;

    /* RFC 5424 HOSTNAME: 1*255 PRINTUSASCII (33..126). */
    for (; host != NULL && host[n] != '\0' && n < sizeof(f->host) - 1; n++)
        f->host[n] = host[n] > 32 && host[n] < 127 ? host[n] : '_';
    f->host[n] = '\0';
    if (n == 0)
        snprintf(f->host, sizeof(f->host), "-");
}

static int
syslog_create(struct sw_sink *s, const struct sw_cfg_sink *cfg, const struct sw_sink_env *env,
              struct sw_err *err)
{
    static const struct sw_conn_framer fr0 = {.bound = octet_bound, .frame = octet_frame};
    struct syslog_ctx *c = sw_calloc(1, sizeof(*c));
    const char *t = cfg->transport != NULL ? cfg->transport : "tcp";

    if (c == NULL)
        return sw_err_set(err, SW_ENOMEM, "syslog: out of memory");
    s->ctx = c;
    c->fd = -1;
    snprintf(s->name, sizeof(s->name), "syslog %s", cfg->address != NULL ? cfg->address : "");
    if (cfg->address == NULL)
        return sw_err_set(err, SW_EINVAL, "a syslog sink needs an address");
    c->transport = strcmp(t, "udp") == 0    ? T_UDP
                   : strcmp(t, "tls") == 0  ? T_TLS
                   : strcmp(t, "relp") == 0 ? T_RELP
                                            : T_TCP;
    c->fmt.facility = facility_code(cfg->facility != NULL ? cfg->facility : "local5");
    if (c->fmt.facility < 0)
        return sw_err_set(err, SW_EINVAL, "facility %s: unknown", cfg->facility);
    c->fmt.max = cfg->max_message_size;
    if (c->transport == T_UDP && c->fmt.max > UDP_MAX)
        c->fmt.max = UDP_MAX;
    set_hostname(&c->fmt, env->host);
    snprintf(c->fmt.procid, sizeof(c->fmt.procid), "%lu", env->pid);
    switch (c->transport) {
    case T_UDP:
        c->scratch = sw_malloc(c->fmt.max + SW_SYSLOG_HDR_MAX);
        if (c->scratch == NULL)
            return sw_err_set(err, SW_ENOMEM, "syslog: out of memory");
        return udp_open(c, cfg->address, err);
    case T_TCP:
    case T_TLS: {
        struct sw_conn_framer fr = fr0;

        fr.ctx = c;
        c->st = sw_conn_create(s, cfg->address, &cfg->tls, c->transport == T_TLS, &fr, err);
        return c->st != NULL ? SW_OK : err->code;
    }
    case T_RELP:
        c->relp = sw_relp_create(s, cfg->address, &cfg->tls, &c->fmt, err);
        return c->relp != NULL ? SW_OK : err->code;
    }
    return SW_OK;
}

static enum sw_sink_rc
syslog_write(struct sw_sink *s, const struct sw_rec *recs, size_t n, size_t *taken)
{
    struct syslog_ctx *c = s->ctx;

    if (c->st != NULL)
        return sw_conn_write(c->st, recs, n, taken);
    if (c->relp != NULL)
        return sw_relp_write(c->relp, recs, n, taken);
    return udp_write(s, c, recs, n, taken);
}

static size_t
syslog_room(const struct sw_sink *s)
{
    const struct syslog_ctx *c = s->ctx;

    return c->relp != NULL ? sw_relp_room(c->relp) : SIZE_MAX;
}

static int
syslog_poll_fd(const struct sw_sink *s, short *events, int *timeout_ms)
{
    const struct syslog_ctx *c = s->ctx;

    if (c->st != NULL)
        return sw_conn_poll_fd(c->st, events, timeout_ms);
    if (c->relp != NULL)
        return sw_relp_poll_fd(c->relp, events, timeout_ms);
    *timeout_ms = -1;
    return -1;
}

static void
syslog_service(struct sw_sink *s, short revents)
{
    struct syslog_ctx *c = s->ctx;

    if (c->st != NULL)
        sw_conn_service(c->st, revents);
    else if (c->relp != NULL)
        sw_relp_service(c->relp);
}

static void
syslog_flush(struct sw_sink *s)
{
    struct syslog_ctx *c = s->ctx;

    if (c->st != NULL)
        sw_conn_flush(c->st);
    else if (c->relp != NULL)
        sw_relp_service(c->relp);
}

static void
syslog_tick(struct sw_sink *s)
{
    struct syslog_ctx *c = s->ctx;

    if (c->st != NULL)
        sw_conn_tick(c->st);
    else if (c->relp != NULL)
        sw_relp_service(c->relp);
}

static void
syslog_reopen(struct sw_sink *s)
{
    struct syslog_ctx *c = s->ctx;

    if (c->st != NULL)
        sw_conn_reopen(c->st);
}

static void
syslog_destroy(struct sw_sink *s)
{
    struct syslog_ctx *c = s->ctx;

    if (c == NULL)
        return;
    sw_conn_destroy(c->st);
    sw_relp_destroy(c->relp);
    if (c->fd != -1)
        close(c->fd);
    sw_free(c->scratch);
    sw_free(c);
    s->ctx = NULL;
}

const struct sw_sink_ops sw_sink_syslog_ops = {
    .name = "syslog",
    .create = syslog_create,
    .write = syslog_write,
    .room = syslog_room,
    .poll_fd = syslog_poll_fd,
    .service = syslog_service,
    .flush = syslog_flush,
    .tick = syslog_tick,
    .reopen = syslog_reopen,
    .destroy = syslog_destroy,
    .networked = true,
};
