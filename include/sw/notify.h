/* notify.h - the systemd service notification protocol (sd_notify), for Type=notify.
 *
 * Thin wrappers over libsystemd. Each sends one datagram to $NOTIFY_SOCKET and is a no-op
 * (returns 0) when the variable is unset, so the daemon calls them unconditionally. The
 * environment is left as it is (children and tests still see NOTIFY_SOCKET). Return values
 * are sd_notify's: > 0 sent, 0 not running under a notify-aware manager, < 0 -errno (worth a
 * log line, never fatal). Main thread (libsystemd's calls are thread-safe, but seawall's
 * notifications all come from the main thread so they arrive in order). */
#ifndef SW_NOTIFY_H
#define SW_NOTIFY_H

#include <stdint.h>

#include "sw/err.h"

/* READY=1: start-up finished (capture running), or a reload finished. */
int sw_notify_ready(void);
/* RELOADING=1 with MONOTONIC_USEC= (systemd 253 wants it; 252 ignores it): a reload began;
 * follow it with sw_notify_ready() when the reload ended, whatever its outcome. */
int sw_notify_reloading(void);
/* STOPPING=1: shutdown began. */
int sw_notify_stopping(void);
/* STATUS=<one line>: a summary shown by systemctl status. Newlines in the formatted text
 * become spaces (a newline would start another protocol field); cut at 256 bytes. */
int sw_notify_status(const char *fmt, ...) SW_PRINTF(1, 2);
/* EXTEND_TIMEOUT_USEC=usec: start-up (or stop) needs up to usec more from now, sent while
 * it makes progress (the start-up walk of the watched files); systemd 236+. */
int sw_notify_extend(uint64_t usec);

/* WATCHDOG=1: the service is alive; send only while every thread makes progress. */
int sw_notify_watchdog(void);
/* The watchdog interval systemd expects pings within ($WATCHDOG_USEC, honouring
 * $WATCHDOG_PID), in microseconds; 0 when the watchdog is off or the variables are invalid.
 * Ping at half this interval or more often. */
uint64_t sw_notify_watchdog_usec(void);

#endif
