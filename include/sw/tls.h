/* tls.h - TLS client connections for the network sinks (output/tls.c, OpenSSL 3).
 *
 * A context holds what outputs[].tls configures: the CA file or folder the receiver's chain
 * must lead to (the system's when none is given), the name its certificate must carry
 * (checked, and sent as SNI; on by default), an optional client certificate and key, and the
 * oldest protocol version. Connections are non-blocking: every call returns at once,
 * SW_EAGAIN meaning "call again when the socket is ready for sw_tls_events()".
 *
 * A TLS write is not a delivery. What a sink may count as delivered is that the receiver's
 * TCP stack acknowledged the ciphertext of a record (sw_tls_wire_written() tells how many
 * bytes went to the socket) AND the receiver accepted the session: with TLS 1.3 a server
 * checks the client certificate after the client considers the handshake done, so
 * sw_tls_confirmed() stays false until the server sent a post-handshake message (a session
 * ticket) or the connection stayed up for SW_TLS_CONFIRM_MS without an alert.
 *
 * Secrets: the private key file is read into memory that is wiped (explicit_bzero) as soon
 * as OpenSSL parsed it; OpenSSL frees its own copy with the context.
 *
 * Contexts: created and destroyed on the main thread, reloaded (SIGHUP) on the output
 * thread; connections: the thread that owns the sink. */
#ifndef SW_TLS_H
#define SW_TLS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sw/config.h"
#include "sw/err.h"

#define SW_TLS_CONFIRM_MS 500

struct sw_tls_ctx;
struct sw_tls_conn;

/* Build a context from cfg; default_name (the host of the sink's address) is verified when
 * tls.server_name is empty. Returns NULL and fills err naming the file or setting at fault
 * ("tls.ca /etc/x.pem: No such file or directory"). */
struct sw_tls_ctx *sw_tls_ctx_create(const struct sw_cfg_tls *cfg, const char *default_name,
                                     struct sw_err *err);
/* Re-read the CA, certificate and key (SIGHUP). New connections use the new material;
 * on failure the previous one stays and err says why. */
enum sw_rc sw_tls_ctx_reload(struct sw_tls_ctx *t, struct sw_err *err) SW_MUSTCHECK;
/* NULL-safe. */
void sw_tls_ctx_destroy(struct sw_tls_ctx *t);

/* A client session on connected non-blocking socket fd (not taken: the caller closes it
 * after sw_tls_conn_destroy). NULL on allocation failure (err). */
struct sw_tls_conn *sw_tls_conn_create(struct sw_tls_ctx *t, int fd, struct sw_err *err);
/* Drive the handshake. SW_OK: done. SW_EAGAIN: wait for sw_tls_events(). SW_EIO: failed,
 * err says why in one line ("certificate verify failed: hostname mismatch (expected
 * siem.city.local)", "the receiver refused the handshake: tlsv1 alert unknown ca"). */
enum sw_rc sw_tls_handshake(struct sw_tls_conn *c, struct sw_err *err) SW_MUSTCHECK;
/* Write up to len bytes; *done gets how many were taken (all of them, or whole TLS records
 * of them). SW_OK, SW_EAGAIN (nothing taken now), SW_EIO (err). */
enum sw_rc sw_tls_write(struct sw_tls_conn *c, const void *buf, size_t len, size_t *done,
                        struct sw_err *err) SW_MUSTCHECK;
/* Read and discard what the receiver sends (tickets, alerts, close_notify). SW_OK (nothing
 * more now), SW_EOF (closed cleanly), SW_EIO (an alert or a reset: err says which). */
enum sw_rc sw_tls_read(struct sw_tls_conn *c, struct sw_err *err) SW_MUSTCHECK;
/* POLLIN / POLLOUT the last SW_EAGAIN waited for (POLLIN when nothing is pending). */
short sw_tls_events(const struct sw_tls_conn *c);
/* Ciphertext bytes written to the socket so far. */
uint64_t sw_tls_wire_written(const struct sw_tls_conn *c);
/* The receiver accepted this session (see above). now_ms: a monotonic clock reading. */
bool sw_tls_confirmed(struct sw_tls_conn *c, uint64_t now_ms);
/* NULL-safe. Sends close_notify when possible without waiting. */
void sw_tls_conn_destroy(struct sw_tls_conn *c);

#endif
