/* clock.h - clock readings in microseconds. Any thread. */
#ifndef SW_CLOCK_H
#define SW_CLOCK_H

#include <stdint.h>
#include <time.h>

/* clk (CLOCK_REALTIME for event times, CLOCK_MONOTONIC for intervals) in microseconds. */
uint64_t sw_clock_us(clockid_t clk);

#endif
