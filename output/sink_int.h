/* sink_int.h - private to the network sinks in output/: the framed byte stream that the tcp
 * and syslog (tcp, tls) sinks share (output/sink_conn.c), and the syslog formatter the
 * stream, udp and relp transports share (output/sink_syslog.c).
 *
 * A connection (struct sw_conn) is one TCP connection, optionally TLS, to host:port. Records
 * are framed into a send buffer and written without blocking. A record counts as delivered (sw_sink_ack) when
 * the receiver's TCP stack acknowledged every byte of it (SIOCOUTQ: bytes written but not
 * acknowledged) and, with TLS, the receiver accepted the session (include/sw/tls.h). A lost
 * connection gives every record in flight back (sw_sink_resend; maybe_delivered when any of
 * its bytes left). Output thread only, except create/destroy (main). */
#ifndef SW_SINK_INT_H
#define SW_SINK_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sw/config.h"
#include "sw/sink.h"

struct sw_conn;

struct sw_conn_framer {
    /* Upper bound of the framed size of rec. */
    size_t (*bound)(void *ctx, const struct sw_rec *rec);
    /* Frame rec into out (at least bound() bytes); returns the length, or 0 when the record
     * cannot be sent (the framer reported it with sw_sink_reject). */
    size_t (*frame)(void *ctx, struct sw_sink *s, const struct sw_rec *rec, char *out);
    void *ctx;
};

/* address: "host:port" or "[v6]:port"; tls: NULL or the sink's tls keys (used when enabled);
 * force_tls: TLS even without tls keys (syslog transport: tls). Resolves the name now (a
 * failure is logged and retried at connect time). */
struct sw_conn *sw_conn_create(struct sw_sink *s, const char *address,
                                   const struct sw_cfg_tls *tls, bool force_tls,
                                   const struct sw_conn_framer *fr, struct sw_err *err);
enum sw_sink_rc sw_conn_write(struct sw_conn *st, const struct sw_rec *recs, size_t n,
                                size_t *taken);
int sw_conn_poll_fd(const struct sw_conn *st, short *events, int *timeout_ms);
void sw_conn_service(struct sw_conn *st, short revents);
void sw_conn_flush(struct sw_conn *st);
void sw_conn_tick(struct sw_conn *st);
void sw_conn_reopen(struct sw_conn *st);
void sw_conn_destroy(struct sw_conn *st);

/* --- syslog ------------------------------------------------------------------------------- */

/* RFC 5424 message parts that do not change per event. */
struct sw_syslog_fmt {
    int facility;       /* 0..23 */
    size_t max;         /* bytes of one message, header included (max_message_size) */
    char host[256];     /* HOSTNAME: agent.id, PRINTUSASCII only ("-" when empty) */
    char procid[24];    /* PROCID: the pid */
};

/* Longest header sw_syslog_format writes before the MSG. */
#define SW_SYSLOG_HDR_MAX 400

/* "<PRI>1 TIMESTAMP HOSTNAME seawall PROCID MSGID - MSG" for rec into out (at least
 * f->max bytes). PRI: facility and severity (alert severity 1 crit, 2 err, 3 and more
 * warning; other events info). A message longer than f->max gets its MSG cut as
 * sw_sink_truncate_json does (*truncated set). Returns the length, or 0 when not even the
 * first JSON member fits (reject it). Any thread. */
size_t sw_syslog_format(const struct sw_syslog_fmt *f, const struct sw_rec *rec, char *out,
                        bool *truncated);

/* The relp transport: librelp's client calls block (connect, and every send when the window
 * is full, up to its timeout), so it runs on a thread of its own, fed through an SPSC ring of
 * records and answering through a ring of outcomes and an eventfd (output/sink_relp.c). */
struct sw_relp;
struct sw_relp *sw_relp_create(struct sw_sink *s, const char *address,
                               const struct sw_cfg_tls *tls, const struct sw_syslog_fmt *f,
                               struct sw_err *err);
enum sw_sink_rc sw_relp_write(struct sw_relp *r, const struct sw_rec *recs, size_t n,
                              size_t *taken);
int sw_relp_poll_fd(const struct sw_relp *r, short *events, int *timeout_ms);
size_t sw_relp_room(const struct sw_relp *r); /* free slots of the job ring */
void sw_relp_service(struct sw_relp *r);
void sw_relp_destroy(struct sw_relp *r);

/* Split "host:port" / "[v6]:port" into host and port. false when malformed. */
bool sw_conn_split_address(const char *address, char *host, size_t hlen, char *port,
                             size_t plen);

#endif
