/* parse.h - strict text-to-number parsers for config values, flags and rule options.
 *
 * Every parser takes the whole NUL-terminated string: no leading or trailing blanks, no sign,
 * no trailing junk, decimal digits only. Results are overflow-checked. They return SW_OK and
 * fill *out, SW_EINVAL for text that is not of the form (empty, junk, "-1", "10x"), or
 * SW_ELIMIT when the number does not fit (or, for sw_parse_u64, is outside [min, max]); *out
 * is left untouched on error. Pure functions: any thread. */
#ifndef SW_PARSE_H
#define SW_PARSE_H

#include <stdbool.h>
#include <stdint.h>

#include "sw/err.h"

#define SW_USEC_PER_SEC UINT64_C(1000000)

/* A decimal integer in [min, max]. */
enum sw_rc sw_parse_u64(const char *s, uint64_t min, uint64_t max, uint64_t *out) SW_MUSTCHECK;

/* A byte size: a decimal integer with an optional unit, B, KiB MiB GiB TiB (powers of 1024)
 * or kB MB GB TB (powers of 1000); units are case-insensitive, one space may separate them
 * from the number ("64KiB", "64 KiB", "1MB", "512"). Bare letters ("64M") are rejected as
 * ambiguous. */
enum sw_rc sw_parse_size(const char *s, uint64_t *out) SW_MUSTCHECK;

/* A duration in microseconds: a decimal integer with an optional unit us, ms, s, m, h, d
 * ("250ms", "30s", "5m", "2h", "1d"; units are case-sensitive); a bare number is
 * seconds. */
enum sw_rc sw_parse_duration(const char *s, uint64_t *out) SW_MUSTCHECK;

/* true/false, yes/no, on/off (case-insensitive). */
enum sw_rc sw_parse_bool(const char *s, bool *out) SW_MUSTCHECK;

/* The value 0..15 of one hexadecimal digit (either case); -1 for any other character. */
int sw_parse_hexdigit(int c);

#endif
