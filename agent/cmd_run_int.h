/* cmd_run_int.h - what agent/cmd_run.c (the daemon) shares with agent/cmd_run_rules.c: the
 * loading of rules, detection sets and IOC lists at start-up and on a reload. Main thread
 * only. `first`, where taken, receives the first error reported (400 bytes) for the engine
 * event of a failed reload; NULL: none kept. */
#ifndef SW_CMD_RUN_INT_H
#define SW_CMD_RUN_INT_H

#include "sw/config.h"
#include "sw/detset.h"
#include "sw/err.h"
#include "sw/ioc.h"
#include "sw/yara.h"

/* Compile cfg's rules directory (the compiled cache of agent.user when not root). A missing
 * directory means no rules (logged), not an error: NULL with err clear. NULL and err on a
 * fatal error; a rule file that does not compile is logged and counted in ls. */
struct sw_yara_rules *sw_run_load_rules(const struct sw_config *cfg, struct sw_yara_load_stats *ls,
                                        char *first, struct sw_err *err);

/* A detection set of cfg (taken) and the YARA rules (taken, may be NULL) with the other
 * languages' rules of rules.dir. NULL and err on failure. */
struct sw_det_set *sw_run_det_set(struct sw_config *cfg, struct sw_yara_rules *rules, char *first,
                                  struct sw_err *err);

/* The IOC lists (*.sha256) of cfg's rules directory: none when it is missing. A bad line is
 * logged and left out, counted in st->files_failed. NULL and err when the directory cannot
 * be read or memory runs out. Caller owns the set. */
struct sw_ioc_set *sw_run_load_iocs(const struct sw_config *cfg, struct sw_ioc_load_stats *st,
                                    char *first, struct sw_err *err);

#endif
