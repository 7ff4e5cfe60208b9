/* log.h - operator logging: one write(2) per line on stderr.
 *
 * Lines are "seawall: <message>" for the CLI, "<N>message" under systemd (JOURNAL_STREAM set)
 * so journald keeps the priority, and timestamped otherwise. The data path never logs per
 * packet: it counts and uses SW_LOG_RATELIMIT. Level and mode are set once by agent/ before
 * any thread starts; logging itself is thread-safe. */
#ifndef SW_LOG_H
#define SW_LOG_H

#include <stdbool.h>
#include <stdint.h>

#include "sw/err.h"

enum sw_log_level {
    SW_LOG_ERROR = 3,
    SW_LOG_WARNING = 4,
    SW_LOG_NOTICE = 5,
    SW_LOG_INFO = 6,
    SW_LOG_DEBUG = 7,
};

enum sw_log_mode {
    SW_LOG_MODE_CLI,     /* "seawall: message" */
    SW_LOG_MODE_JOURNAL, /* "<N>message" */
    SW_LOG_MODE_STAMPED, /* "2026-11-25T10:00:00Z notice: message" */
};

/* Main thread, before other threads start. */
void sw_log_setup(enum sw_log_level level, enum sw_log_mode mode);
/* Any time (a reload): change the level only. */
void sw_log_set_level(enum sw_log_level level);
/* Parse "error|warning|notice|info|debug". Returns SW_EINVAL on anything else. */
enum sw_rc sw_log_level_parse(const char *s, enum sw_log_level *out) SW_MUSTCHECK;
bool sw_log_enabled(enum sw_log_level level);

void sw_log_msg(enum sw_log_level level, const char *fmt, ...) SW_PRINTF(2, 3);

#define sw_log_error(...) sw_log_msg(SW_LOG_ERROR, __VA_ARGS__)
#define sw_log_warn(...) sw_log_msg(SW_LOG_WARNING, __VA_ARGS__)
#define sw_log_notice(...) sw_log_msg(SW_LOG_NOTICE, __VA_ARGS__)
#define sw_log_info(...) sw_log_msg(SW_LOG_INFO, __VA_ARGS__)
#define sw_log_debug(...)                                                                          \
    do {                                                                                           \
        if (sw_log_enabled(SW_LOG_DEBUG))                                                          \
            sw_log_msg(SW_LOG_DEBUG, __VA_ARGS__);                                                 \
    } while (0)

/* Token bucket for one call site: at most `burst` lines, refilled one per 60/burst seconds of
 * monotonic time. Returns true when this line may be written. Thread-safe (atomics). */
struct sw_log_ratelimit {
    _Atomic uint64_t next_ms;
    _Atomic uint32_t suppressed;
};
bool sw_log_ratelimit_ok(struct sw_log_ratelimit *rl, unsigned burst_per_min);

#define SW_LOG_RATELIMIT(level, ...)                                                               \
    do {                                                                                           \
        static struct sw_log_ratelimit sw_rl_;                                                     \
        if (sw_log_ratelimit_ok(&sw_rl_, 6))                                                       \
            sw_log_msg(level, __VA_ARGS__);                                                        \
    } while (0)

#endif
