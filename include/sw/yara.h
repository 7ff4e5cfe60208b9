/* yara.h - YARA rules with libyara 4.2: load a rules directory, cache the compiled set,
 * set LOKI/THOR externals per object, scan buffers and turn matches into alert events.
 *
 * Threads: sw_yara_init/fini and sw_yara_load run on the main thread before scanning starts
 * (libyara's global state). A loaded set is immutable and shared by at most YR_MAX_THREADS
 * (32) scanners; each scanner belongs to one thread. */
#ifndef SW_YARA_H
#define SW_YARA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "sw/err.h"
#include "sw/event.h"
#include "sw/rule_prof.h"

/* A rule file larger than this is rejected (path:1: message) without being compiled. */
#define SW_YARA_MAX_SOURCE (16u * 1024u * 1024u)
/* Alerts of rules without a "sid" meta get SW_YARA_SID_BASE + fnv1a32("namespace:rule") %
 * SW_YARA_SID_SPAN: 3000000000..3099999999, stable across runs and hosts. */
#define SW_YARA_SID_BASE 3000000000u
#define SW_YARA_SID_SPAN 100000000u
/* At most this many threads scan one rule set (libyara 4.2's YR_MAX_THREADS). */
#define SW_YARA_MAX_THREADS 32
/* Hard caps of the per-alert string limits (the defaults are 16 matches, 64 bytes each). */
#define SW_YARA_MAX_STRINGS 1024
#define SW_YARA_MAX_STRING_BYTES 512
/* Externals set per scanned object, as LOKI/THOR define them. */
#define SW_YARA_EXTERNALS "filename,filepath,extension,filetype,owner,seawall_source"

enum sw_yara_diag { SW_YARA_DIAG_ERROR, SW_YARA_DIAG_WARNING };
/* One diagnostic line, "path:line: message" or "path:line: warning: message"; msg is valid
 * for the call only. Called on the loading thread. */
typedef void (*sw_yara_report_fn)(void *ctx, enum sw_yara_diag kind, const char *msg);

/* libyara's process-wide set-up and tear-down. Main thread. */
enum sw_rc sw_yara_init(struct sw_err *err) SW_MUSTCHECK;
void sw_yara_fini(void);

struct sw_yara_load_opts {
    const char *dir;       /* borrowed: the rules directory; files *.yar, *.yara below it */
    const char *cache_dir; /* borrowed: where compiled sets are kept; NULL: no cache */
    sw_yara_report_fn report; /* may be NULL */
    void *ctx;
};

struct sw_yara_load_stats {
    size_t files, files_failed, rules, warnings;
    bool from_cache;    /* the compiled set came from the cache */
    bool cache_written; /* a new cache entry was saved */
};

struct sw_yara_rules;

/* Compile every *.yar / *.yara file below o->dir (recursively; sorted by path; symlinks to
 * files are followed, to directories not) into one set, one namespace per file named by its
 * path relative to dir. A file that does not compile (or is binary, or larger than
 * SW_YARA_MAX_SOURCE) is reported as "path:line: message", counted in files_failed and left
 * out; the others load. The same rule name in two files is legal and reported as a warning
 * naming both places. With a cache_dir, a set compiled from identical sources, externals and
 * libyara version is loaded instead (its diagnostics are replayed); a corrupt or stale entry
 * is ignored and rebuilt. Returns the set (caller owns it: sw_yara_rules_destroy), possibly
 * with zero rules, or NULL with err set when dir cannot be read or memory runs out. */
struct sw_yara_rules *sw_yara_load(const struct sw_yara_load_opts *o,
                                   struct sw_yara_load_stats *st, struct sw_err *err);
/* Take one more hold on r (the network workers and the file scan pool share a set): each
 * hold is given back with sw_yara_rules_destroy. Returns r. NULL-safe. Any thread. */
struct sw_yara_rules *sw_yara_rules_hold(struct sw_yara_rules *r);
/* Give back one hold; the last frees the set. NULL-safe. Only once no scanner of this
 * holder uses the set; any thread. */
void sw_yara_rules_destroy(struct sw_yara_rules *r);
/* How many rules the set holds (0 for NULL). Any thread. */
size_t sw_yara_rules_count(const struct sw_yara_rules *r);

/* Externals of one object. Fill with sw_yara_ext_set. */
struct sw_yara_ext {
    char filename[256];  /* base name */
    char filepath[4096]; /* absolute directory, no trailing '/' (but "/" for the root) */
    char extension[32];  /* lower case with its dot (".exe"), "" when none */
    char filetype[32];   /* sw_filetype label (LOKI's): "EXE", "7Zip", "UNKNOWN" */
    char owner[64];      /* user name, or the uid in decimal */
    const char *source;  /* static: "file" */
    /* Called once per scan, on the scanning thread, just before the first alert copies the
     * scan's sw_file_part (NULL: never): the caller fills in what only an event needs (the
     * SHA-256, libmagic's description) in the part it passed and owns, so that a file that
     * matches nothing costs neither. sw_yara_ext_set sets it NULL. */
    void (*complete)(void *ctx);
    void *complete_ctx;
};

/* Fill x from an absolute path (cut to the field sizes), a filetype label and an owner
 * (complete: NULL). Pure; any thread. */
void sw_yara_ext_set(struct sw_yara_ext *x, const char *abspath, const char *filetype,
                     const char *owner);

struct sw_yara_limits {
    unsigned max_strings;  /* string matches kept per alert (the rest only counted) */
    unsigned string_bytes; /* bytes of each match kept before escaping */
    unsigned timeout_s;    /* per scan; 0: none */
};

struct sw_yara_scanner;

/* One scanner per thread (owns its YR_SCANNER). r is borrowed and must outlive it. */
struct sw_yara_scanner *sw_yara_scanner_create(const struct sw_yara_rules *r,
                                               const struct sw_yara_limits *lim,
                                               struct sw_err *err);
void sw_yara_scanner_destroy(struct sw_yara_scanner *s);

struct sw_yara_scan_result {
    unsigned matches;   /* rules that matched (alerts made) */
    bool timeout;       /* the scan hit its time limit (matches so far are lost: libyara
                         * decides rules only at the end) */
    bool too_many;      /* a string had too many matches; the scan went on */
    unsigned drops;     /* alerts lost to allocation failure */
};

/* Scan buf[0, len) with externals x. Every matching (non-private) rule becomes one alert
 * event (fileinfo fields copied from fi) handed to em. Returns SW_OK; SW_ELIMIT when the
 * time limit was hit (res->timeout); SW_EIO for other libyara errors (err says which).
 * The scanner's thread only. */
enum sw_rc sw_yara_scan_mem(struct sw_yara_scanner *s, const struct sw_yara_ext *x,
                            const struct sw_file_part *fi, const uint8_t *buf, size_t len,
                            struct sw_emitter *em, struct sw_yara_scan_result *res,
                            struct sw_err *err) SW_MUSTCHECK;

/* Scan a flow's reassembled stream buf[0, len) with every external empty but seawall_source
 * "stream". Every matching rule becomes one alert event carrying tmpl's flow part (ts_us,
 * flow, counts, ndpi, has_ndpi, u.alert.to_client) and the yara part (ev->on_flow set, no
 * fileinfo), handed to em. label names the stream in err. Returns as sw_yara_scan_mem. The
 * scanner's thread only. */
enum sw_rc sw_yara_scan_flow(struct sw_yara_scanner *s, const struct sw_event *tmpl,
                             const char *label, const uint8_t *buf, size_t len,
                             struct sw_emitter *em, struct sw_yara_scan_result *res,
                             struct sw_err *err) SW_MUSTCHECK;

/* Scan an object carried by a flow (an HTTP body) buf[0, len) with externals x. Every
 * matching rule becomes one alert event carrying tmpl's flow part (as sw_yara_scan_flow:
 * ev->on_flow set), the yara part and a copy of fi (fileinfo and http parts), handed to em.
 * Returns as sw_yara_scan_mem. The scanner's thread only. */
enum sw_rc sw_yara_scan_flow_file(struct sw_yara_scanner *s, const struct sw_event *tmpl,
                                  const struct sw_yara_ext *x, const struct sw_file_part *fi,
                                  const uint8_t *buf, size_t len, struct sw_emitter *em,
                                  struct sw_yara_scan_result *res,
                                  struct sw_err *err) SW_MUSTCHECK;

/* signature_id of a rule without a sid meta (see SW_YARA_SID_BASE). */
uint32_t sw_yara_sid(const char *ns, const char *rule);
/* 32-bit FNV-1a of s. */
uint32_t sw_yara_fnv1a32(const char *s);

/* Escape len bytes for EVE: printable ASCII as is, '\' as "\\", others as \xNN. Writes at
 * most outlen bytes including the NUL, never cutting an escape in half. Returns the number
 * of input bytes written out. */
size_t sw_yara_escape(const uint8_t *data, size_t len, char *out, size_t outlen);

/* SHA-256 of data[0, len) as lower-case hex into out; "" when OpenSSL fails. Any thread. */
void sw_yara_sha256_hex(const void *data, size_t len, char out[65]);

/* Profiling (rules.profiling): scanners created from r after this call count, per rule,
 * scans and matches, and the time of every scan (rules/yara_prof.c). Main thread, before
 * the scanners are made. */
void sw_yara_rules_set_profiling(struct sw_yara_rules *r, bool on);
/* Hand s's figures to fn: a row per rule of the set (checks: the scans, each of which
 * decides every rule; matches; time only where libyara times single rules, which Debian's
 * libyara 4.2, built without YR_PROFILING_ENABLED, does not), then a total row (every scan's
 * time). Nothing when s was not profiling. The scanner's thread. */
void sw_yara_scanner_profile(const struct sw_yara_scanner *s, sw_rule_prof_fn fn, void *ctx);

/* libyara's version, "4.2.3". */
const char *sw_yara_version(void);

#endif
