/* rule_prof.h - per-rule profiling figures (rules.profiling, seawall pcap --profile-rules).
 *
 * Detectors that profile (the Suricata-rule matcher, YARA scanners) hand their figures out as
 * rows, one per rule, through a callback; a struct sw_rule_prof adds up the rows of every
 * thread and every detection set it is given (rows of the same rule merge), sorts them worst
 * first, prints the stderr table and is what a rule_profile event carries (output/eve.c).
 *
 * A table has one owner and no locks: a worker fills its own, the main thread merges them
 * after the workers stopped. */
#ifndef SW_RULE_PROF_H
#define SW_RULE_PROF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "sw/err.h"

/* One rule's figures. Plain data, borrowed for the callback that hands it out. */
struct sw_rule_prof_row {
    const char *language; /* static: "suricata" or "yara" */
    uint32_t gid, sid, rev;
    char name[128]; /* YARA: "namespace:rule"; Suricata: "" */
    char msg[160];  /* the alert signature: Suricata msg, YARA description or name (cut) */
    /* Suricata: full evaluations (a prefilter candidate or an always-run rule); YARA: scans
     * of the rule set, each of which decides every rule. */
    uint64_t checks;
    uint64_t matches;
    uint64_t ns; /* time spent in the rule's evaluations (CLOCK_MONOTONIC), when timed */
    bool timed;  /* false: the detector cannot time single rules (Debian's libyara) */
    /* A language's whole cost rather than one rule's (YARA: every scan's time, checks =
     * scans, matches = scans with a match): printed and written as a total. */
    bool total;
    /* Not a rule: this many rows the detector could not hand out (out of memory); the table
     * only counts them (sw_rule_prof_lost). */
    uint64_t lost;
};

typedef void (*sw_rule_prof_fn)(void *ctx, const struct sw_rule_prof_row *row);

struct sw_rule_prof;

/* An empty table. NULL when out of memory. Caller owns it. */
struct sw_rule_prof *sw_rule_prof_create(void);
void sw_rule_prof_destroy(struct sw_rule_prof *p); /* NULL-safe */

/* Add row's figures to the table's row of the same rule (language, gid, sid and name),
 * creating it. SW_ENOMEM when the row could not be stored: counted (sw_rule_prof_lost, shown
 * in the table and the event), the table stays usable; so callers may ignore the result. */
enum sw_rc sw_rule_prof_add(struct sw_rule_prof *p, const struct sw_rule_prof_row *row);
/* sw_rule_prof_add as a sw_rule_prof_fn (ctx is the table); a failure is only counted. */
void sw_rule_prof_add_cb(void *ctx, const struct sw_rule_prof_row *row);
/* Add every row of src into dst (src unchanged). */
void sw_rule_prof_merge(struct sw_rule_prof *dst, const struct sw_rule_prof *src);
/* Count one more thread whose figures went into the table (the event's "threads"). */
void sw_rule_prof_thread(struct sw_rule_prof *p);

/* Sort worst first: timed rules by total time, then untimed ones by checks and matches, then
 * by language, gid, sid and name; totals come after the rules. */
void sw_rule_prof_sort(struct sw_rule_prof *p);

size_t sw_rule_prof_count(const struct sw_rule_prof *p);
/* Row i (0 <= i < count), valid until the table changes. */
const struct sw_rule_prof_row *sw_rule_prof_get(const struct sw_rule_prof *p, size_t i);
uint64_t sw_rule_prof_lost(const struct sw_rule_prof *p);
unsigned sw_rule_prof_threads(const struct sw_rule_prof *p);
/* Time of the timed rules of language (the base of a rule's share). */
uint64_t sw_rule_prof_language_ns(const struct sw_rule_prof *p, const char *language);

/* Print the sorted table to fp: a header line, at most limit rules (0: all) worst first
 * with checks, matches, total and average time and share, the totals, and a note for
 * rules whose time cannot be measured. */
void sw_rule_prof_print(const struct sw_rule_prof *p, size_t limit, FILE *fp);

/* Whether this libyara times single rules: what YARA rows' `timed` means. Static text for
 * the table and the documentation. */
#define SW_RULE_PROF_YARA_NOTE                                                      \
    "per-rule YARA time is not measured: libyara times rules only when built with " \
    "YR_PROFILING_ENABLED, which Debian's libyara 4.2 is not; checks are scans of the set"

#endif
