/* eve_int.h - private to output/eve*.c: the field setters eve.c implements and the encoders
 * of event kinds kept in their own files (eve_fim.c). Whichever thread encodes. */
#ifndef SW_EVE_INT_H
#define SW_EVE_INT_H

#include <jansson.h>
#include <stdint.h>

#include "sw/event.h"

/* Set key to val; absent (nothing set) when val is NULL or "". Text that is not UTF-8 is
 * kept with bytes outside printable ASCII as \xNN. */
void eve_set_str(json_t *o, const char *key, const char *val);
void eve_set_int(json_t *o, const char *key, uint64_t v);
/* A time as EVE writes timestamps. */
void eve_set_time(json_t *o, const char *key, uint64_t ts_us);

/* The "fim" object of a fim event (eve_fim.c). */
json_t *eve_fim_json(const struct sw_fim_part *p);

#endif
