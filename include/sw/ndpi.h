/* ndpi.h - the nDPI 4.2 classifier glue.
 *
 * One instance per worker thread (nDPI's detection module is not thread-safe), created on
 * the main thread before workers start, since nDPI's initialisation touches shared state.
 * Detection runs for a flow until nDPI has a protocol and nothing more to dissect, or until
 * ndpi.max_packets; then ndpi_detection_giveup() (which may guess by port), the result is
 * copied into the flow and nDPI's per-flow state is freed. */
#ifndef SW_NDPI_H
#define SW_NDPI_H

#include <stdbool.h>
#include <stdint.h>

#include "sw/config.h"
#include "sw/err.h"
#include "sw/flow.h"
#include "sw/packet.h"

struct sw_ndpi;

/* Make and drop one bare detection module, so that nDPI 4.2's process-wide state (libgcrypt
 * initialisation, DGA bigram tables, set up by the first module ever made) exists before
 * several threads make their modules at once. Main thread, once, before workers start. */
enum sw_rc sw_ndpi_prime(struct sw_err *err) SW_MUSTCHECK;

/* Create a detection module with every protocol enabled and the configuration files of
 * cfg->ndpi loaded (an empty path skips that file). A file that cannot be read or parsed
 * is an error naming it. Any thread once sw_ndpi_prime() ran. Caller owns the result. */
struct sw_ndpi *sw_ndpi_create(const struct sw_config *cfg, struct sw_err *err);
/* NULL-safe. Main thread, after the worker stopped. */
void sw_ndpi_destroy(struct sw_ndpi *n);

/* Classify one packet of flow f (worker thread). Returns the risk bits nDPI newly set on
 * the flow with this packet (not yet in f->risks_alerted): the caller raises them. */
uint64_t sw_ndpi_process(struct sw_ndpi *n, struct sw_flow *f, const struct sw_packet *p);

/* The flow is ending: finish detection (give up if still running), fill f->ndpi and free
 * nDPI's per-flow state. Returns risk bits not yet alerted. Worker thread. */
uint64_t sw_ndpi_flow_end(struct sw_ndpi *n, struct sw_flow *f);

/* The JA3 and JA3S hashes of flow f as far as nDPI computed them ("" when not yet or not
 * TLS): f->ndpi's once detection is over, else what nDPI's flow state holds now (so a
 * ClientHello's hash is there on its own packet). Worker thread. */
void sw_ndpi_ja3(const struct sw_flow *f, char ja3c[33], char ja3s[33]);

/* Free nDPI's state of a flow without classifying (table teardown on error paths). */
void sw_ndpi_flow_free(struct sw_ndpi *n, struct sw_flow *f);

/* Counters: packets given to nDPI, detected/guessed/unknown flows, allocation failures;
 * adds the memory of live nDPI flow states to out->flow_memuse (call after sw_flow_stats). */
void sw_ndpi_stats(const struct sw_ndpi *n, struct sw_worker_stats *out);

/* nDPI 4.2's names of its risks: a static table of SW_RISK_TEXT_MAX entries indexed by risk
 * id (code NULL past the last risk), what the classifier puts in struct sw_ndpi_info.
 * Immutable; any thread. */
const struct sw_risk_text *sw_ndpi_risk_texts(void);

/* nDPI's display name of a risk (ndpi_risk2str), any thread. */
const char *sw_ndpi_risk_name(unsigned risk);
/* nDPI's severity of a risk as its name ("Low", "Medium", ...), and as a number. */
const char *sw_ndpi_risk_severity_name(unsigned risk);
int sw_ndpi_risk_severity(unsigned risk);

/* Path of the nDPI configuration files directory option (--ndpi-dir): fills the five file
 * paths of cfg->ndpi that exist in dir and are not set already. Returns how many were found. */
int sw_ndpi_dir_apply(struct sw_config *cfg, const char *dir, struct sw_err *err);

#endif
