/* log.c - operator logging (see include/sw/log.h). */
#include "sw/log.h"

#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* The mode is set once by the main thread before other threads exist. The level may change
 * on a reload while threads log: an atomic, read relaxed (a line more or less around the
 * change does not matter). */
static _Atomic int log_level = SW_LOG_NOTICE;
static enum sw_log_mode log_mode = SW_LOG_MODE_CLI;

static const char *const level_names[] = {
    [SW_LOG_ERROR] = "error", [SW_LOG_WARNING] = "warning", [SW_LOG_NOTICE] = "notice",
    [SW_LOG_INFO] = "info",   [SW_LOG_DEBUG] = "debug",
};

void
sw_log_setup(enum sw_log_level level, enum sw_log_mode mode)
{
    atomic_store_explicit(&log_level, (int)level, memory_order_relaxed);
    log_mode = mode;
}

void
sw_log_set_level(enum sw_log_level level)
{
    atomic_store_explicit(&log_level, (int)level, memory_order_relaxed);
}

enum sw_rc
sw_log_level_parse(const char *s, enum sw_log_level *out)
{
    for (int l = SW_LOG_ERROR; l <= SW_LOG_DEBUG; l++) {
        if (strcmp(s, level_names[l]) == 0) {
            *out = (enum sw_log_level)l;
            return SW_OK;
        }
    }
    return SW_EINVAL;
}

bool
sw_log_enabled(enum sw_log_level level)
{
    return (int)level <= atomic_load_explicit(&log_level, memory_order_relaxed);
}

void
sw_log_msg(enum sw_log_level level, const char *fmt, ...)
{
    char line[2048];
    size_t n = 0;
    va_list ap;

    if (!sw_log_enabled(level))
        return;
    switch (log_mode) {
    case SW_LOG_MODE_CLI:
        n = (size_t)snprintf(line, sizeof(line), "seawall: ");
        break;
    case SW_LOG_MODE_JOURNAL:
        n = (size_t)snprintf(line, sizeof(line), "<%d>", (int)level);
        break;
    case SW_LOG_MODE_STAMPED: {
        time_t now = time(NULL);
        struct tm tm;

        gmtime_r(&now, &tm);
        n = strftime(line, sizeof(line), "%Y-%m-%dT%H:%M:%SZ ", &tm);
        n += (size_t)snprintf(line + n, sizeof(line) - n, "%s: ", level_names[level]);
        break;
    }
    }
    va_start(ap, fmt);
    int w = vsnprintf(line + n, sizeof(line) - n - 1, fmt, ap);
    va_end(ap);
    if (w < 0)
        w = 0;
    n += (size_t)w;
    if (n > sizeof(line) - 2)
        n = sizeof(line) - 2;
    /* One line per message: a newline inside (from hostile input) would forge a second one. */
    for (size_t i = 0; i < n; i++)
        if (line[i] == '\n' || line[i] == '\r')
            line[i] = ' ';
    line[n++] = '\n';
    ssize_t rc = write(STDERR_FILENO, line, n);
    (void)rc; /* nowhere left to report a failing stderr */
}

bool
sw_log_ratelimit_ok(struct sw_log_ratelimit *rl, unsigned burst_per_min)
{
    struct timespec ts;
    uint64_t now, next, step;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    now = (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
    step = 60000u / (burst_per_min ? burst_per_min : 1);
    next = atomic_load_explicit(&rl->next_ms, memory_order_relaxed);
    /* Allow a burst: the bucket may run up to burst*step behind the clock. */
    if (next + (uint64_t)burst_per_min * step < now)
        next = now - (uint64_t)burst_per_min * step;
    if (next > now) {
        atomic_fetch_add_explicit(&rl->suppressed, 1, memory_order_relaxed);
        return false;
    }
    atomic_store_explicit(&rl->next_ms, next + step, memory_order_relaxed);
    return true;
}
