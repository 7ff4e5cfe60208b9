/* clock.c - clock readings (see include/sw/clock.h). */
#include "sw/clock.h"

uint64_t
sw_clock_us(clockid_t clk)
{
    struct timespec ts;

    clock_gettime(clk, &ts);
    return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}
