/* sink_tcp.c - "tcp": EVE JSON lines over TCP, with TLS when outputs[].tls is given.
 *
 * Each event is its JSON object and a newline. What the sink counts as delivered: the
 * receiver's TCP stack acknowledged every byte of the line (and, with TLS, the receiver
 * accepted the session): a receiver that crashes after that and before it processed the
 * line loses it without seawall knowing. See output/sink_conn.c and the README. */
#include "sink_int.h"

#include <stdio.h>
#include <string.h>

#include "sw/alloc.h"

static size_t
line_bound(void *ctx, const struct sw_rec *rec)
{
    (void)ctx;
    return rec->len + 1;
}

static size_t
line_frame(void *ctx, struct sw_sink *s, const struct sw_rec *rec, char *out)
{
    (void)ctx;
    (void)s;
    memcpy(out, rec->line, rec->len);
    out[rec->len] = '\n';
    return rec->len + 1;
}

static int
tcp_create(struct sw_sink *s, const struct sw_cfg_sink *cfg, const struct sw_sink_env *env,
           struct sw_err *err)
{
    static const struct sw_conn_framer fr = {.bound = line_bound, .frame = line_frame};

    (void)env;
    snprintf(s->name, sizeof(s->name), "tcp %s", cfg->address != NULL ? cfg->address : "");
    if (cfg->address == NULL)
        return sw_err_set(err, SW_EINVAL, "a tcp sink needs an address");
    s->ctx = sw_conn_create(s, cfg->address, &cfg->tls, false, &fr, err);
    return s->ctx != NULL ? SW_OK : err->code;
}

static enum sw_sink_rc
tcp_write(struct sw_sink *s, const struct sw_rec *recs, size_t n, size_t *taken)
{
    return sw_conn_write(s->ctx, recs, n, taken);
}

static int
tcp_poll_fd(const struct sw_sink *s, short *events, int *timeout_ms)
{
    return sw_conn_poll_fd(s->ctx, events, timeout_ms);
}

static void
tcp_service(struct sw_sink *s, short revents)
{
    sw_conn_service(s->ctx, revents);
}

static void
tcp_flush(struct sw_sink *s)
{
    sw_conn_flush(s->ctx);
}

static void
tcp_tick(struct sw_sink *s)
{
    sw_conn_tick(s->ctx);
}

static void
tcp_reopen(struct sw_sink *s)
{
    sw_conn_reopen(s->ctx);
}

static void
tcp_destroy(struct sw_sink *s)
{
    sw_conn_destroy(s->ctx);
    s->ctx = NULL;
}

const struct sw_sink_ops sw_sink_tcp_ops = {
    .name = "tcp",
    .create = tcp_create,
    .write = tcp_write,
    .poll_fd = tcp_poll_fd,
    .service = tcp_service,
    .flush = tcp_flush,
    .tick = tcp_tick,
    .reopen = tcp_reopen,
    .destroy = tcp_destroy,
    .networked = true,
};
