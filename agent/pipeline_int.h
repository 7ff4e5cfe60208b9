/* pipeline_int.h - what agent/pipeline.c and agent/pipeline_threads.c share with
 * agent/pipeline_prof.c: per-rule profiling at the end of a run. */
#ifndef SW_PIPELINE_INT_H
#define SW_PIPELINE_INT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "sw/config.h"
#include "sw/event.h"
#include "sw/net_worker.h"
#include "sw/rule_prof.h"

struct sw_pipeline;

/* Worker thread, at its end: the profile rows of nw's detection stage (those of the sets
 * reloads replaced included), or NULL when it has none (never profiled, or out of memory: a
 * profile is a report, its loss is not an alert). Caller owns the result. */
struct sw_rule_prof *sw_pipeline_prof_take(const struct sw_net_worker *nw);

/* Main thread, after the workers ended: add up the workers' tables (borrowed), sort them
 * worst first, print the table to `table` when not NULL and append it to cfg's
 * rules.profile_file when set, and make the rule_profile event
 * (time ts_us; cfg's rules.profiling_limit rules). NULL when there is nothing to report
 * (no worker profiled and `always` is false) or when out of memory (logged). */
struct sw_event *sw_pipeline_prof_event(struct sw_rule_prof *const *tables, unsigned n,
                                        const struct sw_config *cfg, uint64_t ts_us, bool always,
                                        FILE *table);

/* Main thread, after the workers ended and the router stopped: the run's rule_profile event
 * from the workers' tables, written before the final stats (with the current set's host);
 * always with cfg's rules.profiling on, else only when a set that profiled ran earlier (a
 * reload turned it off). table: seawall pcap's stderr table, or NULL. */
void sw_pipeline_write_profile(struct sw_pipeline *pl, const struct sw_config *cfg,
                               uint64_t ts_us, FILE *table);

#endif
