/* err.c - error records (see include/sw/err.h). */
#include "sw/err.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static void err_vset(struct sw_err *err, enum sw_rc code, const char *fmt, va_list ap)
    SW_PRINTF(3, 0);

static void
err_vset(struct sw_err *err, enum sw_rc code, const char *fmt, va_list ap)
{
    err->code = code;
    vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
}

enum sw_rc
sw_err_set(struct sw_err *err, enum sw_rc code, const char *fmt, ...)
{
    va_list ap;

    if (err == NULL)
        return code;
    va_start(ap, fmt);
    err_vset(err, code, fmt, ap);
    va_end(ap);
    return code;
}

enum sw_rc
sw_err_sys(struct sw_err *err, enum sw_rc code, const char *fmt, ...)
{
    int saved = errno;
    size_t n;
    va_list ap;

    if (err == NULL)
        return code;
    va_start(ap, fmt);
    err_vset(err, code, fmt, ap);
    va_end(ap);
    n = strlen(err->msg);
    snprintf(err->msg + n, sizeof(err->msg) - n, ": %s", strerror(saved));
    return code;
}

void
sw_err_clear(struct sw_err *err)
{
    if (err == NULL)
        return;
    err->code = SW_OK;
    err->msg[0] = '\0';
}

const char *
sw_rc_str(enum sw_rc rc)
{
    switch (rc) {
    case SW_OK:
        return "ok";
    case SW_ENOMEM:
        return "out of memory";
    case SW_EINVAL:
        return "invalid input";
    case SW_ELIMIT:
        return "limit reached";
    case SW_EIO:
        return "i/o error";
    case SW_EAGAIN:
        return "try again";
    case SW_EOF:
        return "end of input";
    }
    return "unknown error";
}
