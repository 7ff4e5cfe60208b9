/* pipeline_int.h - what agent/pipeline.c shares with agent/pipeline_prof.c (per-rule
 * profiling at the end of a run). Main thread, after the workers were joined. */
#ifndef SW_PIPELINE_INT_H
#define SW_PIPELINE_INT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "sw/config.h"
#include "sw/event.h"
#include "sw/net_worker.h"
#include "sw/rule_prof.h"

/* Worker thread, at its end: the profile rows of nw (its YARA scanners, and the Suricata
 * rules' once they run behind the detection stage), or NULL when it has none (never
 * profiled, or out of memory: a profile is a report, its loss is not an alert). Caller owns
 * the result. */
struct sw_rule_prof *sw_pipeline_prof_take(const struct sw_net_worker *nw);

/* Main thread, after the workers ended: add up the workers' tables (borrowed), sort them
 * worst first, print the table to `table` when not NULL, and make the rule_profile event
 * (time ts_us; cfg's rules.profiling_limit rules). NULL when there is nothing to report
 * (no worker profiled and `always` is false) or when out of memory (logged). */
struct sw_event *sw_pipeline_prof_event(struct sw_rule_prof *const *tables, unsigned n,
                                        const struct sw_config *cfg, uint64_t ts_us, bool always,
                                        FILE *table);

#endif
