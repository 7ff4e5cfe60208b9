/* filepipe.h - wiring of the host side of `seawall run`, beside the network pipeline:
 *
 *   watcher thread (fanotify / inotify / walks) ─scan queue─> scan threads xM
 *   scan thread: read, SHA-256, YARA ─event ring─> output thread
 *               └─FIM record ring─> fim thread (baseline) ─event ring─> output thread
 *
 * Events go down the network pipeline's router (sw_pipeline_add_producer), so one output
 * thread and the same sinks carry both sides.
 *
 * Order (main thread): sw_filepipe_open with the start-up privileges (fanotify groups and
 * filesystem marks), then after the drop sw_filepipe_prepare (baseline, pool, producers:
 * before the router starts), sw_pipeline_start, sw_filepipe_start; READY=1 once
 * sw_filepipe_ready. SIGTERM: sw_filepipe_stop before sw_pipeline_stop. */
#ifndef SW_FILEPIPE_H
#define SW_FILEPIPE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sw/config.h"
#include "sw/err.h"
#include "sw/stats.h"

struct sw_pipeline;    /* pipeline.h */
struct sw_yara_rules;  /* yara.h */
struct sw_ioc_set;     /* ioc.h */

struct sw_filepipe;

/* Main thread, privileged: choose and open each tree's source (files.paths must not be
 * empty). cfg is borrowed and must outlive the pipeline. NULL with err on failure. */
struct sw_filepipe *sw_filepipe_open(const struct sw_config *cfg, struct sw_err *err);

/* Main thread, after the privilege drop and before sw_pipeline_start: open the baseline
 * (files.fim; agent.state_dir/fim.db), make the scan pool with rules and ioc (borrowed: the
 * pool takes its own holds; either may be NULL) and the router producers of pl. */
enum sw_rc sw_filepipe_prepare(struct sw_filepipe *fp, struct sw_pipeline *pl,
                               struct sw_yara_rules *rules, struct sw_ioc_set *ioc,
                               struct sw_err *err) SW_MUSTCHECK;

/* Main thread, after sw_pipeline_start: start the fim thread, the scan threads and the
 * watcher (which begins the start-up walk). */
enum sw_rc sw_filepipe_start(struct sw_filepipe *fp, struct sw_err *err) SW_MUSTCHECK;

/* Main thread: the start-up walk ended (every mark and watch placed, baseline compared). */
bool sw_filepipe_ready(struct sw_filepipe *fp);

/* Main thread, on reload: scan with rules and ioc from now on (borrowed; the pool takes
 * holds) and retro-hunt files changed within files.retro_hunt of cfg (the reloaded config). */
void sw_filepipe_reload(struct sw_filepipe *fp, struct sw_yara_rules *rules,
                        struct sw_ioc_set *ioc, const struct sw_config *cfg);

/* Main thread: fill s->files (and set s->has_files) from every counter of the side. */
void sw_filepipe_stats(struct sw_filepipe *fp, struct sw_stats_snap *s);

/* Main thread: tree i ("path", "how") for status; false past the last. */
bool sw_filepipe_tree(struct sw_filepipe *fp, size_t i, const char **path, const char **how);

/* Main thread: did the watcher and every scan thread make progress since the last call? */
bool sw_filepipe_progress(struct sw_filepipe *fp, char *who, size_t len);

/* Main thread: stop the watcher, let the scan threads finish the queue (until deadline_us,
 * CLOCK_MONOTONIC), commit the baseline and stop the fim thread; close the producers.
 * Returns false when a scan thread did not finish in time. */
bool sw_filepipe_stop(struct sw_filepipe *fp, uint64_t deadline_us);
/* Stops if needed. NULL-safe. */
void sw_filepipe_destroy(struct sw_filepipe *fp);

#endif
