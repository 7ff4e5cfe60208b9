/* sink_conn.c - a framed byte stream to a receiver over TCP, optionally TLS (see
 * output/sink_int.h). Never blocks: connect, handshake, writes and reads are non-blocking and
 * progress in service()/flush()/write().
 *
 * Offsets: `taken` counts framed bytes accepted into this connection, `sent` those handed to
 * the socket (plain) or to OpenSSL and written (TLS). Each record in flight remembers where
 * its bytes end (pend) and, once written, where its ciphertext ends on the wire (wend). The
 * kernel tells how many written bytes the receiver's TCP has not acknowledged yet
 * (SIOCOUTQ); everything before wire_written - outq is acknowledged. Acknowledgements are
 * looked for every few milliseconds while something is in flight (no event announces them). */
#include "sink_int.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <linux/sockios.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "sw/alloc.h"
#include "sw/clock.h"
#include "sw/log.h"
#include "sw/tls.h"

#define OUT_MIN (1u << 20) /* send buffer: at least this, or one record */
#define ACK_POLL_MS 2      /* look for TCP acknowledgements this often */
#define CONNECT_TIMEOUT_US (10u * 1000000u)

enum state { ST_DOWN, ST_RESOLVING, ST_CONNECTING, ST_HANDSHAKE, ST_UP };

/* An asynchronous name lookup (glibc's getaddrinfo_a runs it on a helper thread). Kept
 * apart from the stream: one still running at destroy is left to finish (not freed). */
struct lookup {
    struct gaicb cb;
    struct addrinfo hints;
    char host[256], port[8];
};

struct flight {
    uint64_t seq;
    uint64_t pstart, pend; /* framed bytes of this connection: [pstart, pend) */
    uint64_t wend;         /* wire bytes up to its end once written; 0: not yet */
};

struct sw_conn {
    struct sw_sink *s; /* borrowed: the sink that owns us */
    struct sw_conn_framer fr;
    char host[256], port[8], addr[300];
    struct addrinfo *ai;    /* owned: resolved addresses */
    struct addrinfo *next;  /* the next address to try */
    struct lookup *lk;      /* owned while a lookup runs */
    bool numeric;           /* host is an address: no lookup ever blocks */
    struct sw_tls_ctx *tls; /* owned, NULL for plain TCP */
    struct sw_tls_conn *tc; /* owned while connected */
    enum state state;
    int fd;
    uint64_t connect_start;
    char *out; /* owned: framed bytes not yet sent */
    size_t out_cap, out_off, out_len;
    uint64_t taken, sent; /* framed bytes (see above) */
    uint64_t wire;        /* plain TCP: bytes written to the socket */
    struct flight *fl;    /* owned ring */
    size_t fl_cap, fl_head, fl_n;
};

bool
sw_conn_split_address(const char *address, char *host, size_t hlen, char *port, size_t plen)
{
    const char *colon;
    size_t n;

    if (address[0] == '[') {
        const char *close = strchr(address, ']');

        if (close == NULL || close[1] != ':')
            return false;
        n = (size_t)(close - address - 1);
        if (n == 0 || n >= hlen)
            return false;
        memcpy(host, address + 1, n);
        colon = close + 1;
    } else {
        colon = strrchr(address, ':');
        if (colon == NULL)
            return false;
        n = (size_t)(colon - address);
        if (n == 0 || n >= hlen)
            return false;
        memcpy(host, address, n);
    }
    host[n] = '\0';
    return snprintf(port, plen, "%s", colon + 1) < (int)plen && colon[1] != '\0';
}

/* Look the name up now (start-up, or an address literal: never blocks then). */
static bool
resolve(struct sw_conn *st, struct sw_err *err)
{
    struct addrinfo hints, *ai = NULL;
    int rc;

    memset(&hints, 0, sizeof(hints));
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_NUMERICSERV | (st->numeric ? AI_NUMERICHOST : 0);
    rc = getaddrinfo(st->host, st->port, &hints, &ai);
    if (rc != 0) {
        sw_err_set(err, SW_EIO, "resolve %s: %s", st->host, gai_strerror(rc));
        return false;
    }
    if (st->ai != NULL)
        freeaddrinfo(st->ai);
    st->ai = ai;
    st->next = ai;
    return true;
}

/* Output thread: start looking the name up again without waiting for it. */
static void
lookup_start(struct sw_conn *st)
{
    struct gaicb *list[1];
    struct lookup *lk = sw_calloc(1, sizeof(*lk));

    if (lk == NULL) {
        sw_sink_error(st->s, "resolve %s: out of memory", st->host);
        return;
    }
    snprintf(lk->host, sizeof(lk->host), "%s", st->host);
    snprintf(lk->port, sizeof(lk->port), "%s", st->port);
    lk->hints.ai_family = AF_UNSPEC;
    lk->hints.ai_socktype = SOCK_STREAM;
    lk->hints.ai_flags = AI_NUMERICSERV;
    lk->cb.ar_name = lk->host;
    lk->cb.ar_service = lk->port;
    lk->cb.ar_request = &lk->hints;
    list[0] = &lk->cb;
    if (getaddrinfo_a(GAI_NOWAIT, list, 1, NULL) != 0) {
        sw_free(lk);
        sw_sink_error(st->s, "resolve %s: cannot start the lookup", st->host);
        return;
    }
    st->lk = lk;
    st->state = ST_RESOLVING;
}

static void start_connect(struct sw_conn *st);

/* Output thread: has the lookup finished? */
static void
lookup_check(struct sw_conn *st)
{
    int rc = gai_error(&st->lk->cb);

    if (rc == EAI_INPROGRESS)
        return;
    st->state = ST_DOWN;
    if (rc != 0) {
        sw_sink_error(st->s, "resolve %s: %s", st->host, gai_strerror(rc));
        if (st->lk->cb.ar_result != NULL)
            freeaddrinfo(st->lk->cb.ar_result);
        sw_free(st->lk);
        st->lk = NULL;
        return;
    }
    if (st->ai != NULL)
        freeaddrinfo(st->ai);
    st->ai = st->lk->cb.ar_result;
    st->next = st->ai;
    sw_free(st->lk);
    st->lk = NULL;
    start_connect(st);
}

/* --- in flight ----------------------------------------------------------------------------- */

static struct flight *
fl_at(struct sw_conn *st, size_t i)
{
    return &st->fl[(st->fl_head + i) % st->fl_cap];
}

static bool
fl_push(struct sw_conn *st, uint64_t seq, uint64_t pstart, uint64_t pend)
{
    struct flight *f;

    if (st->fl_n == st->fl_cap) {
        size_t cap = st->fl_cap == 0 ? 1024 : st->fl_cap * 2;
        struct flight *v = sw_calloc(cap, sizeof(*v));

        if (v == NULL)
            return false;
        for (size_t i = 0; i < st->fl_n; i++)
            v[i] = *fl_at(st, i);
        sw_free(st->fl);
        st->fl = v;
        st->fl_cap = cap;
        st->fl_head = 0;
    }
    f = &st->fl[(st->fl_head + st->fl_n) % st->fl_cap];
    f->seq = seq;
    f->pstart = pstart;
    f->pend = pend;
    f->wend = 0;
    st->fl_n++;
    return true;
}

/* Report fl[0..n) with one call per run of ascending seqs (the usual case: one call). */
static void
report_run(struct sw_conn *st, size_t n, int what)
{
    size_t i = 0;

    while (i < n) {
        uint64_t first = fl_at(st, i)->seq, last = first;
        size_t j = i + 1;

        while (j < n && fl_at(st, j)->seq > last) {
            last = fl_at(st, j)->seq;
            j++;
        }
        if (what == SW_SINK_ACKED)
            sw_sink_ack(st->s, first, last);
        else
            sw_sink_resend(st->s, first, last, what == SW_SINK_RESEND_MAYBE_DELIVERED);
        i = j;
    }
}

static void
fl_pop(struct sw_conn *st, size_t n)
{
    st->fl_head = (st->fl_head + n) % (st->fl_cap == 0 ? 1 : st->fl_cap);
    st->fl_n -= n;
}

/* --- connection ---------------------------------------------------------------------------- */

static void
close_conn(struct sw_conn *st)
{
    sw_tls_conn_destroy(st->tc);
    st->tc = NULL;
    if (st->fd != -1)
        close(st->fd);
    st->fd = -1;
    st->state = ST_DOWN;
    st->out_off = st->out_len = 0;
    st->taken = st->sent = st->wire = 0;
}

/* The connection is gone: give back what is in flight, then report why (which starts the
 * router's back-off) unless it was an idle close by the receiver. */
static void
lost(struct sw_conn *st, const char *why)
{
    size_t i = 0, n = st->fl_n;
    bool refused =
        st->tc != NULL && !sw_tls_confirmed(st->tc, sw_clock_us(CLOCK_MONOTONIC) / 1000u);

    /* Those whose bytes never left cannot be duplicates; the others may be, unless the
     * receiver never accepted the TLS session (it refused our certificate): then it
     * processed none of them. */
    while (!refused && i < n && fl_at(st, i)->pstart < st->sent)
        i++;
    report_run(st, i, SW_SINK_RESEND_MAYBE_DELIVERED);
    fl_pop(st, i);
    report_run(st, st->fl_n, SW_SINK_RESEND);
    fl_pop(st, st->fl_n);
    close_conn(st);
    if (why != NULL)
        sw_sink_error(st->s, "%s", why);
}

static void
start_connect(struct sw_conn *st)
{
    struct sw_err err;
    char last[600] = "";

    if (st->ai == NULL || st->next == NULL) {
        if (!st->numeric) {
            lookup_start(st); /* connects when it is done */
            return;
        }
        if (!resolve(st, &err)) {
            sw_sink_error(st->s, "%s", err.msg);
            return;
        }
    }
    while (st->next != NULL) {
        struct addrinfo *a = st->next;
        int fd, one = 1;

        st->next = a->ai_next;
        fd = socket(a->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        if (fd == -1) {
            snprintf(last, sizeof(last), "socket: %s", strerror(errno));
            continue;
        }
        (void)setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &one, sizeof(one));
        if (connect(fd, a->ai_addr, a->ai_addrlen) == 0 || errno == EINPROGRESS) {
            st->fd = fd;
            st->state = ST_CONNECTING;
            st->connect_start = sw_clock_us(CLOCK_MONOTONIC);
            return;
        }
        snprintf(last, sizeof(last), "%s", strerror(errno));
        close(fd);
    }
    st->next = st->ai; /* next attempt starts over (and re-resolves if that fails too) */
    if (st->ai != NULL) {
        freeaddrinfo(st->ai);
        st->ai = st->next = NULL;
    }
    sw_sink_error(st->s, "connect %s: %s", st->addr, last[0] != '\0' ? last : "no address");
}

/* TCP connected: start TLS or go up. */
static void
connected(struct sw_conn *st)
{
    struct sw_err err;

    if (st->tls == NULL) {
        st->state = ST_UP;
        return;
    }
    st->tc = sw_tls_conn_create(st->tls, st->fd, &err);
    if (st->tc == NULL) {
        lost(st, err.msg);
        return;
    }
    st->state = ST_HANDSHAKE;
}

static void
progress_connect(struct sw_conn *st)
{
    int e = 0;
    socklen_t len = sizeof(e);
    struct pollfd p = {.fd = st->fd, .events = POLLOUT};

    if (poll(&p, 1, 0) <= 0) {
        if (sw_clock_us(CLOCK_MONOTONIC) - st->connect_start > CONNECT_TIMEOUT_US) {
            char why[600];

            snprintf(why, sizeof(why), "connect %s: timed out", st->addr);
            close_conn(st);
            sw_sink_error(st->s, "%s", why);
        }
        return;
    }
    if (getsockopt(st->fd, SOL_SOCKET, SO_ERROR, &e, &len) != 0)
        e = errno;
    if (e != 0) {
        char why[600];

        snprintf(why, sizeof(why), "connect %s: %s", st->addr, strerror(e));
        close_conn(st);
        if (st->next != NULL) { /* another address of the name */
            start_connect(st);
            return;
        }
        sw_sink_error(st->s, "%s", why);
        return;
    }
    connected(st);
}

static void
progress_handshake(struct sw_conn *st)
{
    struct sw_err err;
    enum sw_rc rc = sw_tls_handshake(st->tc, &err);

    if (rc == SW_OK) {
        st->state = ST_UP;
        return;
    }
    if (rc == SW_EAGAIN) {
        if (sw_clock_us(CLOCK_MONOTONIC) - st->connect_start > CONNECT_TIMEOUT_US)
            lost(st, "tls handshake: timed out");
        return;
    }
    {
        char why[SW_ERR_MSG_MAX + 320];

        snprintf(why, sizeof(why), "%s: %s", st->addr, err.msg);
        lost(st, why);
    }
}

/* --- sending and acknowledging ------------------------------------------------------------- */

/* Write what is buffered. Returns false when the connection was lost. */
static bool
send_out(struct sw_conn *st)
{
    while (st->state == ST_UP && st->out_len > 0) {
        size_t done = 0;

        if (st->tc != NULL) {
            struct sw_err err;
            enum sw_rc rc = sw_tls_write(st->tc, st->out + st->out_off, st->out_len, &done, &err);

            if (rc == SW_EAGAIN)
                return true;
            if (rc != SW_OK) {
                char why[SW_ERR_MSG_MAX + 320];
                struct sw_err alert;

                /* A session refused after the handshake (TLS 1.3: our certificate) shows as
                 * a reset on write; the receiver's alert, if it came, says why. */
                if (!sw_tls_confirmed(st->tc, sw_clock_us(CLOCK_MONOTONIC) / 1000u) &&
                    sw_tls_read(st->tc, &alert) == SW_EIO && strstr(alert.msg, "refused") != NULL)
                    err = alert;
                snprintf(why, sizeof(why), "%s: %s", st->addr, err.msg);
                lost(st, why);
                return false;
            }
        } else {
            ssize_t n = send(st->fd, st->out + st->out_off, st->out_len, MSG_NOSIGNAL);

            if (n < 0 && errno == EINTR)
                continue;
            if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
                return true;
            if (n <= 0) {
                char why[600];

                snprintf(why, sizeof(why), "send %s: %s", st->addr,
                         n < 0 ? strerror(errno) : "no progress");
                lost(st, why);
                return false;
            }
            done = (size_t)n;
            st->wire += done;
        }
        st->out_off += done;
        st->out_len -= done;
        st->sent += done;
        if (st->out_len == 0)
            st->out_off = 0;
        /* Records now wholly written learn where their bytes end on the wire. */
        {
            uint64_t w = st->tc != NULL ? sw_tls_wire_written(st->tc) : st->wire;

            for (size_t i = 0; i < st->fl_n; i++) {
                struct flight *f = fl_at(st, i);

                if (f->pend > st->sent)
                    break;
                if (f->wend == 0)
                    f->wend = w;
            }
        }
    }
    return true;
}

/* Acknowledge the records whose bytes the receiver's TCP has all acknowledged. */
static void
check_acks(struct sw_conn *st)
{
    int outq = 0;
    uint64_t w, acked;
    size_t n = 0;

    if (st->state != ST_UP || st->fl_n == 0)
        return;
    if (st->tc != NULL && !sw_tls_confirmed(st->tc, sw_clock_us(CLOCK_MONOTONIC) / 1000u))
        return;
    if (ioctl(st->fd, SIOCOUTQ, &outq) != 0 || outq < 0)
        return;
    w = st->tc != NULL ? sw_tls_wire_written(st->tc) : st->wire;
    acked = w - (uint64_t)outq;
    while (n < st->fl_n) {
        const struct flight *f = fl_at(st, n);

        if (f->wend == 0 || f->wend > acked)
            break;
        n++;
    }
    if (n > 0) {
        report_run(st, n, SW_SINK_ACKED);
        fl_pop(st, n);
    }
}

/* Read what the receiver sends: nothing is expected but a close, an alert or a reset. */
static void
read_side(struct sw_conn *st)
{
    if (st->tc != NULL) {
        struct sw_err err;
        enum sw_rc rc = sw_tls_read(st->tc, &err);

        if (rc == SW_OK)
            return;
        if (rc == SW_EOF && st->fl_n == 0) {
            close_conn(st); /* an idle session closed by the receiver: reconnect when needed */
            return;
        }
        {
            char why[SW_ERR_MSG_MAX + 320];

            snprintf(why, sizeof(why), "%s: %s", st->addr, err.msg);
            lost(st, why);
        }
        return;
    }
    for (;;) {
        char buf[4096];
        ssize_t n = recv(st->fd, buf, sizeof(buf), MSG_DONTWAIT);

        if (n > 0)
            continue;
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
            return;
        if (n == 0 && st->fl_n == 0) {
            close_conn(st);
            return;
        }
        {
            char why[600];

            snprintf(why, sizeof(why), "%s: %s", st->addr,
                     n == 0 ? "the receiver closed the connection" : strerror(errno));
            lost(st, why);
        }
        return;
    }
}

/* --- the sink ops, for sink_tcp.c and sink_syslog.c ---------------------------------------- */

struct sw_conn *
sw_conn_create(struct sw_sink *s, const char *address, const struct sw_cfg_tls *tls, bool force_tls,
               const struct sw_conn_framer *fr, struct sw_err *err)
{
    struct sw_conn *st = sw_calloc(1, sizeof(*st));
    struct sw_err rerr;

    if (st == NULL) {
        sw_err_set(err, SW_ENOMEM, "%s: out of memory", address);
        return NULL;
    }
    st->s = s;
    st->fr = *fr;
    st->fd = -1;
    snprintf(st->addr, sizeof(st->addr), "%s", address);
    if (!sw_conn_split_address(address, st->host, sizeof(st->host), st->port, sizeof(st->port))) {
        sw_err_set(err, SW_EINVAL, "address %s: expected host:port", address);
        goto fail;
    }
    {
        unsigned char bin[16];

        st->numeric =
            inet_pton(AF_INET, st->host, bin) == 1 || inet_pton(AF_INET6, st->host, bin) == 1;
    }
    st->out_cap = OUT_MIN;
    st->out = sw_malloc(st->out_cap);
    if (st->out == NULL) {
        sw_err_set(err, SW_ENOMEM, "%s: out of memory", address);
        goto fail;
    }
    if (force_tls || (tls != NULL && (tls->enabled || (tls->ca != NULL && tls->ca[0] != '\0') ||
                                      (tls->cert != NULL && tls->cert[0] != '\0') ||
                                      (tls->server_name != NULL && tls->server_name[0] != '\0')))) {
        static const struct sw_cfg_tls defaults = {.enabled = true,
                                                   .ca = "",
                                                   .cert = "",
                                                   .key = "",
                                                   .server_name = "",
                                                   .verify = true,
                                                   .min_version = 0x0303};

        st->tls = sw_tls_ctx_create(tls != NULL ? tls : &defaults, st->host, err);
        if (st->tls == NULL)
            goto fail;
    }
    /* Resolve now, at start-up; a name that does not resolve yet is retried at connect. */
    if (!resolve(st, &rerr))
        sw_log_warn("%s: %s (retried when sending)", s->name, rerr.msg);
    return st;
fail:
    sw_conn_destroy(st);
    return NULL;
}

enum sw_sink_rc
sw_conn_write(struct sw_conn *st, const struct sw_rec *recs, size_t n, size_t *taken)
{
    size_t i;

    *taken = 0;
    if (st->state == ST_DOWN) {
        start_connect(st);
        if (st->state == ST_DOWN)
            return SW_SINK_FAIL; /* start_connect reported why */
    }
    if (st->state == ST_RESOLVING) {
        lookup_check(st);
        if (st->state == ST_DOWN)
            return SW_SINK_FAIL;
    }
    if (st->state == ST_CONNECTING)
        progress_connect(st);
    if (st->state == ST_HANDSHAKE)
        progress_handshake(st);
    if (st->state == ST_DOWN)
        return SW_SINK_FAIL;
    if (st->state != ST_UP)
        return SW_SINK_RETRY;
    i = 0;
again:
    for (; i < n; i++) {
        size_t need = st->fr.bound(st->fr.ctx, &recs[i]), len;

        if (st->out_off + st->out_len + need > st->out_cap) {
            /* Full: send what is there, then compact; grow only for one record larger than
             * the whole buffer. */
            if (!send_out(st)) {
                *taken = i;          /* some of them may have left: the router marks them sent */
                return SW_SINK_FAIL; /* lost() gave back what was taken */
            }
            if (st->out_off > 0) {
                memmove(st->out, st->out + st->out_off, st->out_len);
                st->out_off = 0;
            }
            if (st->out_len + need > st->out_cap) {
                if (st->out_len > 0)
                    break; /* the socket is full: RETRY; poll_fd waits for POLLOUT */
                char *b = sw_realloc(st->out, need);

                if (b == NULL) {
                    sw_sink_reject(st->s, recs[i].seq, recs[i].seq, "out of memory");
                    continue;
                }
                st->out = b;
                st->out_cap = need;
            }
        }
        len = st->fr.frame(st->fr.ctx, st->s, &recs[i], st->out + st->out_off + st->out_len);
        if (len == 0)
            continue; /* rejected by the framer */
        if (!fl_push(st, recs[i].seq, st->taken, st->taken + len)) {
            sw_sink_reject(st->s, recs[i].seq, recs[i].seq, "out of memory");
            continue;
        }
        st->out_len += len;
        st->taken += len;
    }
    if (!send_out(st)) {
        *taken = i;
        return SW_SINK_FAIL; /* lost while writing: lost() gave back what was taken */
    }
    /* The socket took it all after all: there is room for more. (A RETRY with an empty
     * buffer would wait for an event that never comes.) */
    if (i < n && st->out_len == 0 && st->state == ST_UP)
        goto again;
    *taken = i;
    check_acks(st);
    return i == n ? SW_SINK_DONE : SW_SINK_RETRY;
}

int
sw_conn_poll_fd(const struct sw_conn *st, short *events, int *timeout_ms)
{
    *timeout_ms = -1;
    switch (st->state) {
    case ST_DOWN:
        return -1;
    case ST_RESOLVING:
        *timeout_ms = 20;
        return -1;
    case ST_CONNECTING:
        *events = POLLOUT;
        *timeout_ms = 1000;
        return st->fd;
    case ST_HANDSHAKE:
        *events = sw_tls_events(st->tc);
        *timeout_ms = 1000;
        return st->fd;
    case ST_UP:
        *events = POLLIN;
        if (st->out_len > 0)
            *events |= st->tc != NULL ? sw_tls_events(st->tc) | POLLOUT : POLLOUT;
        if (st->fl_n > 0)
            *timeout_ms = ACK_POLL_MS;
        return st->fd;
    }
    return -1;
}

void
sw_conn_service(struct sw_conn *st, short revents)
{
    if (st->state == ST_RESOLVING)
        lookup_check(st);
    if (st->state == ST_CONNECTING)
        progress_connect(st);
    if (st->state == ST_HANDSHAKE)
        progress_handshake(st);
    if (st->state != ST_UP)
        return;
    if ((revents & (POLLIN | POLLHUP | POLLERR)) != 0) {
        read_side(st);
        if (st->state != ST_UP)
            return;
    }
    if (!send_out(st))
        return;
    check_acks(st);
}

void
sw_conn_flush(struct sw_conn *st)
{
    if (st->state == ST_UP && send_out(st))
        check_acks(st);
}

void
sw_conn_tick(struct sw_conn *st)
{
    sw_conn_service(st, 0);
}

void
sw_conn_reopen(struct sw_conn *st)
{
    struct sw_err err;

    if (st->tls != NULL && sw_tls_ctx_reload(st->tls, &err) != SW_OK)
        sw_log_error("%s: keeping the previous TLS files: %s", st->s->name, err.msg);
}

void
sw_conn_destroy(struct sw_conn *st)
{
    if (st == NULL)
        return;
    if (st->lk != NULL && gai_cancel(&st->lk->cb) != EAI_CANCELED &&
        gai_error(&st->lk->cb) == EAI_INPROGRESS) {
        /* The helper thread still writes into it: leave it (a few hundred bytes, at exit). */
    } else if (st->lk != NULL) {
        if (st->lk->cb.ar_result != NULL)
            freeaddrinfo(st->lk->cb.ar_result);
        sw_free(st->lk);
    }
    sw_tls_conn_destroy(st->tc);
    if (st->fd != -1)
        close(st->fd);
    sw_tls_ctx_destroy(st->tls);
    if (st->ai != NULL)
        freeaddrinfo(st->ai);
    sw_free(st->out);
    sw_free(st->fl);
    sw_free(st);
}
