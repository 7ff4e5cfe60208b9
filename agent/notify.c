/* notify.c - sd_notify wrappers (see include/sw/notify.h). */
#include "sw/notify.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <systemd/sd-daemon.h>
#include <time.h>

/* Longest STATUS= text sent; systemctl shows one line anyway. */
#define STATUS_MAX 256

int
sw_notify_ready(void)
{
    return sd_notify(0, "READY=1");
}

int
sw_notify_reloading(void)
{
    struct timespec ts;
    char msg[64];

    /* systemd 253+ matches MONOTONIC_USEC against the time it sent SIGHUP (Type=notify-reload);
     * older managers ignore the field. */
    clock_gettime(CLOCK_MONOTONIC, &ts);
    snprintf(msg, sizeof(msg), "RELOADING=1\nMONOTONIC_USEC=%" PRIu64,
             (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u);
    return sd_notify(0, msg);
}

int
sw_notify_stopping(void)
{
    return sd_notify(0, "STOPPING=1");
}

int
sw_notify_status(const char *fmt, ...)
{
    char msg[sizeof("STATUS=") + STATUS_MAX];
    va_list ap;

    memcpy(msg, "STATUS=", sizeof("STATUS=") - 1);
    va_start(ap, fmt);
    vsnprintf(msg + sizeof("STATUS=") - 1, STATUS_MAX + 1, fmt, ap); /* cuts; always ends */
    va_end(ap);
    for (char *p = msg; *p != '\0'; p++)
        if (*p == '\n' || *p == '\r')
            *p = ' ';
    return sd_notify(0, msg);
}

int
sw_notify_extend(uint64_t usec)
{
    char msg[64];

    snprintf(msg, sizeof(msg), "EXTEND_TIMEOUT_USEC=%" PRIu64, usec);
    return sd_notify(0, msg);
}

int
sw_notify_watchdog(void)
{
    return sd_notify(0, "WATCHDOG=1");
}

uint64_t
sw_notify_watchdog_usec(void)
{
    uint64_t usec = 0;

    if (sd_watchdog_enabled(0, &usec) <= 0)
        return 0;
    return usec;
}
