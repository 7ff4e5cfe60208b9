/* ioc.h - IOC lists for files: every *.sha256 file below the rules directory is a list of
 * SHA-256 hashes (the dataset format of sw/dataset.h: one hex hash per line, '#' comments,
 * an optional ",REP"); a file whose hash is listed raises one alert per list that lists it,
 * with seawall.detector "ioc". Lists load with the YARA rules, into the same reloadable
 * detection set, and `seawall rules check` and `seawall scan` read them too.
 *
 * A loaded set is immutable: any thread may check files against it; load and destroy on the
 * thread that manages rule generations (the main thread). */
#ifndef SW_IOC_H
#define SW_IOC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sw/dataset.h"
#include "sw/err.h"
#include "sw/event.h"

/* File name suffix of a SHA-256 IOC list. */
#define SW_IOC_SHA256_EXT ".sha256"
/* Alerts of a list get SW_IOC_SID_BASE + fnv1a32(list path relative to the rules
 * directory) % SW_IOC_SID_SPAN: 3100000000..3199999999 (YARA's range ends below). */
#define SW_IOC_SID_BASE 3100000000u
#define SW_IOC_SID_SPAN 100000000u

struct sw_ioc_load_stats {
    size_t files, files_failed; /* files_failed: unreadable, or with a bad line */
    size_t hashes, bad_lines, duplicates;
};

struct sw_ioc_set;

/* Load every *.sha256 below dir (recursively, sorted by path; hidden names skipped; symlinks
 * to files followed, to directories not). Bad lines are reported through report
 * ("path:line: message") and left out; the rest of their list loads. A missing directory is
 * an empty set. Returns the set (caller owns it), or NULL with err set when dir cannot be
 * read or memory runs out. */
struct sw_ioc_set *sw_ioc_load(const char *dir, sw_dataset_report_fn report, void *ctx,
                               struct sw_ioc_load_stats *st, struct sw_err *err);
/* Take one more hold on s (the detection set and the file scan pool share one set): each
 * hold is given back with sw_ioc_destroy, the last frees it. Returns s. NULL-safe. Any
 * thread. */
struct sw_ioc_set *sw_ioc_hold(struct sw_ioc_set *s);
/* Give back one hold. NULL-safe. */
void sw_ioc_destroy(struct sw_ioc_set *s);
/* Hashes in every list together. NULL-safe (0). */
size_t sw_ioc_count(const struct sw_ioc_set *s);

/* Check a file (fi->sha256: lower- or upper-case hex, "" when not hashed): one alert event
 * per list that has the hash, a copy of fi inside it, to em. Returns the number of alerts
 * emitted; *drops (may be NULL) counts those lost to allocation failure. Any thread. */
/* Does any list of s have this SHA-256 (hex, as in sw_file_part)? Lets a caller compute
 * what an alert carries (libmagic's description) only for a listed file. Any thread. */
bool sw_ioc_listed(const struct sw_ioc_set *s, const char *sha256);
unsigned sw_ioc_check_file(const struct sw_ioc_set *s, const struct sw_file_part *fi,
                           uint64_t ts_us, struct sw_emitter *em, unsigned *drops);

#endif
