/* fakes.h - test doubles shared by the unit tests (the .c files beside this header, linked
 * into every test binary). */
#ifndef SW_TEST_FAKES_H
#define SW_TEST_FAKES_H

#include <stddef.h>

#include "sw/event.h"

#define FAKE_EMITTER_MAX 64

/* An emitter that keeps what a unit test needs to know about each event and frees it:
 * its type, and for YARA alerts the rule name. */
struct fake_emitter {
    struct sw_emitter em; /* pass &fe->em where an emitter is expected */
    size_t n;             /* events seen (also past FAKE_EMITTER_MAX) */
    int type[FAKE_EMITTER_MAX];
    char rule[FAKE_EMITTER_MAX][64]; /* "" unless a YARA alert */
};

void fake_emitter_init(struct fake_emitter *fe);
/* How many YARA alerts of rule `rule` were seen. */
size_t fake_emitter_rule_count(const struct fake_emitter *fe, const char *rule);

#endif
