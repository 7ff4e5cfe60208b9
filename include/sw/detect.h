/* detect.h - the detection stage: the one door from the network worker to every detector.
 *
 * The network worker calls the stage at fixed hook points (include/sw/subject.h: packet,
 * stream chunk, whole stream, application-layer transaction, flow end) with a borrowed,
 * read-only subject; the stage hands the subject to each detector whose hook mask asks for
 * that hook, in the order of the detectors table (ndpi-risk, yara, sigs, ...), and the
 * detectors raise alerts through the emitter. Collectors include no rule header but this
 * one; detectors know nothing of the worker.
 *
 * Three objects, three owners:
 * - struct sw_detector_ops: a detector kind, a static const table of function pointers
 *   (STYLE.md section 3). It lives as long as the process.
 * - struct sw_detect: a detection set, every detector instance built from one configuration
 *   and one rules folder. Built on the main thread by sw_detect_create(), immutable after,
 *   shared by every worker; a reload builds a new set beside the old one and publishes it as
 *   one pointer (the daemon's struct sw_det_set holds it, agent/detset.c); the old set is
 *   destroyed once no worker runs it any more.
 * - struct sw_detect_thread: one worker's stage: each detector's thread context (scanner,
 *   scratch, counters) for the installed set. Created by the worker, used by that thread
 *   only; sw_detect_thread_install() moves it to a new set between two packets.
 *
 * Per-flow storage: the stage keeps one slot per detector on each flow (struct sw_flow's
 * `det`, owned by the stage) and points the subject's fstate at the calling detector's
 * slot. A slot is freed by its detector's flow_free when the flow ends
 * (sw_detect_flow_free) or, lazily, at the flow's next hook after the worker installed
 * another set.
 *
 * Alerts: a detector calls sw_emit_alert(em, subj, &alert); the stage's emitter builds the
 * event from the subject (flow identity, counts, nDPI view, direction, the transaction's
 * app-layer object), counts it (detect.alert, the flow's alerted flag) and forwards it to
 * the worker's emitter. */
#ifndef SW_DETECT_H
#define SW_DETECT_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sw/config.h"
#include "sw/err.h"
#include "sw/event.h"
#include "sw/rule_prof.h"
#include "sw/stats.h"
#include "sw/subject.h"

struct sw_detect;
struct sw_detect_thread;
struct sw_yara_rules; /* yara.h */

/* How a set is built. Everything is borrowed for the sw_detect_create() call, but cfg,
 * which the set borrows for its whole life (the daemon's struct sw_det_set owns both). */
struct sw_detect_opts {
    const struct sw_config *cfg; /* ndpi.risk_exceptions, network.app.*, vars.*, rules.* */
    const char *rules_path;      /* a rules folder or a single rule file; NULL: none */
    const char *cache_dir;       /* compiled-rule cache (effective user's); NULL: none */
    /* YARA rules already compiled from rules_path by the caller (which printed their
     * diagnostics): taken by sw_detect_create on every path, failures too; NULL: none. */
    struct sw_yara_rules *yara;
    /* Diagnostics of detectors that load rules themselves, one line each ("path:line:
     * message", "path:line: warning: message", "path:line: keyword 'x' not supported"),
     * on the calling thread during the call. May be NULL. */
    void (*report)(void *ctx, const char *line);
    void *report_ctx;
    /* The detectors to build, NULL-terminated; NULL means sw_detect_builtin. */
    const struct sw_detector_ops *const *detectors;
};

/* What one detector loaded (seawall rules check's summary lines, the engine event) and
 * what it inspects in this set. */
struct sw_detect_load {
    const char *name;     /* the detector's ops name */
    unsigned hooks;       /* SW_HOOK_BIT()s it inspects */
    unsigned app_events;  /* with SW_HOOK_APP: 1u << enum sw_app_event it wants */
    const char *language; /* "yara", "suricata", or NULL for a detector without rules */
    uint64_t files, files_failed;
    uint64_t rules, left_out; /* left out: a keyword this build does not support */
    uint64_t failed;          /* rules with errors (syntax, bad values) */
    uint64_t warnings;
    bool active; /* the detector is part of the set (it had something to do) */
};

#define SW_DETECT_MAX 8 /* detectors in one set */

struct sw_detect_load_stats {
    struct sw_detect_load det[SW_DETECT_MAX];
    unsigned n;
};

/* A worker's limits, the same for every set it installs. */
struct sw_detect_thread_opts {
    /* Each scan of one object (a stream, a body) stops after this many seconds (0: the
     * detector's default), so that the worker keeps showing progress to the watchdog. */
    unsigned scan_timeout_s;
    /* Borrowed, may be NULL: incremented after each long piece of work (a scan), so that a
     * batch holding many of them still shows progress. */
    _Atomic uint64_t *progress;
};

/* A detector kind. name is the config value and log tag ("ndpi-risk", "yara", "sigs",
 * "ioc"). All functions but create/destroy run on a worker thread. */
struct sw_detector_ops {
    const char *name;
    /* Main thread: build the immutable instance from o (o->cfg outlives it). *inst NULL with
     * SW_OK: nothing to do in this set (no rules of its kind): the detector is left out.
     * ld: its load figures and what it inspects (hooks, app_events), zeroed with name set.
     * An error fails the whole set (err names the culprit); a single bad rule is not an
     * error (reported, counted, left out). */
    enum sw_rc (*create)(void **inst, const struct sw_detect_opts *o, struct sw_detect_load *ld,
                         struct sw_err *err);
    void (*destroy)(void *inst); /* NULL-safe; once no thread uses inst */
    /* Worker thread: its context for inst (inst outlives it) under the worker's limits topt.
     * SW_OK or an error (err). */
    enum sw_rc (*thread_init)(void **tctx, const void *inst,
                              const struct sw_detect_thread_opts *topt, struct sw_err *err);
    /* Worker thread: inspect one subject; alerts go through em (sw_emit_alert). Never
     * blocks; time-bounded work only (a scan stops at its limit, counted). */
    void (*inspect)(void *tctx, const struct sw_subject *subj, struct sw_emitter *em);
    void (*thread_fini)(void *tctx); /* NULL-safe */
    /* Free what the detector stored in a flow's slot (*fstate). May be NULL when it never
     * stores anything. Must not use the set: it may run after the set is gone. */
    void (*flow_free)(void *fstate);
    /* Add this thread's counters into out (may be NULL). */
    void (*stats)(const void *tctx, struct sw_worker_stats *out);
    /* Per-rule profiling (rules.profiling): hand this thread's figures to fn, a row per
     * rule. May be NULL (a detector without rules); gives nothing when not profiling. */
    void (*profile)(const void *tctx, sw_rule_prof_fn fn, void *ctx);
};

/* The detectors of a default set, in calling order, NULL-terminated: ndpi-risk, yara, sigs.
 * The sigs slot is the Suricata-rule matcher (rules/det_sigs.c); ioc and later detectors
 * append here. */
extern const struct sw_detector_ops *const sw_detect_builtin[];
extern const struct sw_detector_ops sw_det_ndpi_risk_ops; /* rules/det_ndpi_risk.c */
extern const struct sw_detector_ops sw_det_yara_ops;      /* rules/det_yara.c */
extern const struct sw_detector_ops sw_det_sigs_ops;      /* rules/det_sigs.c */

/* Build a set from o: every listed detector's create(), in order. st (may be NULL) gets
 * each detector's load figures. Returns the set (caller owns it: sw_detect_destroy) or NULL
 * with err set (out of memory, a detector's fatal error such as a bad
 * ndpi.risk_exceptions entry); o->yara is taken either way. Main thread. */
struct sw_detect *sw_detect_create(const struct sw_detect_opts *o, struct sw_detect_load_stats *st,
                                   struct sw_err *err);
/* NULL-safe. Main thread, once no worker has it installed. */
void sw_detect_destroy(struct sw_detect *d);

/* The hooks some detector of d inspects (SW_HOOK_BIT()s): the worker skips building
 * subjects (and running parsers, reassembly for chunks) nobody asked for. Any thread. */
unsigned sw_detect_hooks(const struct sw_detect *d);
/* Application-layer events some detector of d wants (1u << enum sw_app_event): HTTP bodies
 * for YARA only, for instance. Any thread. */
unsigned sw_detect_app_events(const struct sw_detect *d);
/* Is a detector of kind ops part of d (it had something to do)? Any thread. */
bool sw_detect_has(const struct sw_detect *d, const struct sw_detector_ops *ops);
/* The configuration d was built with. Any thread. */
const struct sw_config *sw_detect_cfg(const struct sw_detect *d);

/* A worker's stage for set d (borrowed: d must stay alive while installed), sending events
 * to em (borrowed, must outlive the stage), with limits topt (copied; NULL: defaults).
 * NULL and err on failure. Worker thread (a detector's thread context may hold per-thread
 * library state, such as a YARA scanner). */
struct sw_detect_thread *sw_detect_thread_create(const struct sw_detect *d,
                                                 const struct sw_detect_thread_opts *topt,
                                                 struct sw_emitter *em, struct sw_err *err);
/* NULL-safe. Frees every thread context; flows' slots must have been freed first
 * (sw_detect_flow_free at each flow's end: the flow table's teardown does it). */
void sw_detect_thread_destroy(struct sw_detect_thread *t);
/* Reload: build the thread contexts of d, then drop those of the previous set. On failure
 * (err) nothing changed: the previous set stays installed and must stay alive. Flow slots
 * of the previous set are freed lazily. Worker thread. */
enum sw_rc sw_detect_thread_install(struct sw_detect_thread *t, const struct sw_detect *d,
                                    struct sw_err *err) SW_MUSTCHECK;
/* The set installed. */
const struct sw_detect *sw_detect_thread_set(const struct sw_detect_thread *t);
/* The hooks of the installed set (sw_detect_hooks), kept at hand for the packet path. */
unsigned sw_detect_thread_hooks(const struct sw_detect_thread *t);

/* Run every detector whose mask has s->hook, in order, on s. flow_det is the flow's
 * storage (&f->det; NULL: none), s->fstate is set per detector. Returns the alerts emitted
 * (the caller marks the flow alerted when non-zero). Worker thread. */
unsigned sw_detect_run(struct sw_detect_thread *t, struct sw_subject *s, void **flow_det);

/* The flow ends: free its slots (after its last hook). *flow_det becomes NULL. */
void sw_detect_flow_free(struct sw_detect_thread *t, void **flow_det);

/* Per-rule profiling: hand fn the figures of every detector that profiles, those of the
 * sets this stage had installed before (kept when a reload replaced them; rows of one rule
 * add up) and of the installed one. Worker thread. */
void sw_detect_thread_profile(const struct sw_detect_thread *t, sw_rule_prof_fn fn, void *ctx);

/* Add the stage's counters (alerts, alert drops) and every detector's into out: those of the
 * detectors installed now and of those an install replaced, so counters never go back. */
void sw_detect_thread_stats(const struct sw_detect_thread *t, struct sw_worker_stats *out);

/* Emit an alert about subj: the event gets subj's flow identity, counts, nDPI view, time,
 * direction (to_client = subj->dir == SW_DIR_TO_CLIENT) and, for SW_HOOK_APP, a copy of
 * subj->app.obj, plus a copy of *a (a->to_client ignored). a is borrowed for the call.
 * Returns false when the event could not be made (counted as an event drop). Called by a
 * detector inside its inspect(), with the em it was given. */
bool sw_emit_alert(struct sw_emitter *em, const struct sw_subject *subj, const struct sw_alert *a);

/* For detectors that build their events through a library (YARA's alert events): fill
 * tmpl's flow part from subj (ts_us, flow, counts, ndpi, has_ndpi, u.alert.to_client) on a
 * zeroed event, and report one event the library could not make. */
void sw_subject_event_template(const struct sw_subject *subj, struct sw_event *tmpl);
void sw_emit_drop(struct sw_emitter *em);

#endif
