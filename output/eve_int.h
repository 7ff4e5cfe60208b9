/* eve_int.h - what output/eve.c shares with the encoders of its rarer event kinds. */
#ifndef SW_EVE_INT_H
#define SW_EVE_INT_H

#include <jansson.h>
#include <stdint.h>

#include "sw/rule_prof.h"

/* The object under seawall.rule_profile of a rule_profile event: p (sorted worst first;
 * borrowed for the call), at most limit rules (0: all). A new reference, or NULL when out of
 * memory. Any thread. */
json_t *sw_eve_rule_profile_json(const struct sw_rule_prof *p, uint64_t limit);

#endif
