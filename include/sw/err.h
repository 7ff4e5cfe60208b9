/* err.h - error codes and the one-line error record every fallible call fills.
 *
 * Errors are values: a function returns an enum sw_rc and, where the caller needs to tell a
 * person what went wrong, fills a struct sw_err whose message names the culprit first
 * ("seawall.yaml:14: network.workers: 0 is below the minimum 1"). Any thread. */
#ifndef SW_ERR_H
#define SW_ERR_H

#include <stddef.h>

#define SW_MUSTCHECK __attribute__((warn_unused_result))
#define SW_PRINTF(f, a) __attribute__((format(printf, f, a)))

enum sw_rc {
    SW_OK = 0,
    SW_ENOMEM = -1, /* allocation failed */
    SW_EINVAL = -2, /* bad input (packet, file, rule, config) */
    SW_ELIMIT = -3, /* a configured limit was reached */
    SW_EIO = -4,    /* a system or library call failed */
    SW_EAGAIN = -5, /* not now: try again later */
    SW_EOF = -6,    /* no more input */
};

#define SW_ERR_MSG_MAX 512

struct sw_err {
    enum sw_rc code;
    char msg[SW_ERR_MSG_MAX];
};

/* Fill err (may be NULL) with code and a formatted message. Returns code. */
enum sw_rc sw_err_set(struct sw_err *err, enum sw_rc code, const char *fmt, ...) SW_PRINTF(3, 4);

/* As sw_err_set, with ": strerror(errno)" appended (errno read on entry). Returns code. */
enum sw_rc sw_err_sys(struct sw_err *err, enum sw_rc code, const char *fmt, ...) SW_PRINTF(3, 4);

/* Reset err to SW_OK with an empty message. NULL-safe. */
void sw_err_clear(struct sw_err *err);

/* Short name of a code ("out of memory", "limit reached", ...). Static storage. */
const char *sw_rc_str(enum sw_rc rc);

#endif
