/* detset.h - detection sets and how `seawall run` swaps them under running threads.
 *
 * A detection set is what the packet path detects with and may change on a reload: the
 * configuration it came from (its reloadable keys) and the detection stage's set of
 * detectors built from it and the rules (include/sw/detect.h: nDPI risks, YARA, Suricata
 * rules). It is immutable once published. The main thread publishes a new set; each reader
 * thread (a worker) adopts it at its next batch boundary by installing it (its detectors'
 * thread state: a new YARA scanner, ...) and then acknowledges its generation; the previous
 * set is freed only once every reader acknowledged a newer one. A reader that cannot install
 * a set (out of memory) keeps the set it has, does not acknowledge, and tries again later:
 * the previous set stays alive for it. At most two sets are in flight: a publish while an
 * older set is still in use is refused. */
#ifndef SW_DETSET_H
#define SW_DETSET_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sw/config.h"
#include "sw/decode.h"
#include "sw/detect.h"
#include "sw/err.h"

struct sw_yara_rules; /* yara.h */

/* Plain data, immutable once published: readers may read every field. The reloadable keys
 * are those read from here: agent.id (host), network.decode.*, eve.*, ndpi.risk_exceptions.*
 * and rules.dir; the daemon applies agent.log_level, agent.stop_timeout and stats.interval
 * itself. */
struct sw_det_set {
    struct sw_config *cfg;            /* owned */
    struct sw_detect *detect;         /* owned: built from cfg (which it borrows) */
    struct sw_detect_load_stats load; /* what each detector loaded */
    bool yara;                        /* a YARA detector is part of it (SW_YARA_MAX_THREADS) */
    struct sw_decode_cfg dcfg;        /* network.decode.*, for the capture threads */
    char host[256];                   /* EVE host: agent.id, else the host name ("": the
                                       * encoder's default, as in seawall pcap) */
    uint32_t gen;                     /* set by sw_det_publish (1: the first set) */
};

/* What a set is built from besides its configuration. */
struct sw_det_set_opts {
    /* YARA rules compiled by the caller (which printed their diagnostics): taken on every
     * path; NULL: none. */
    struct sw_yara_rules *yara;
    const char *rules_path; /* rules of the other languages (a folder or a file); NULL: none */
    const char *cache_dir;  /* their compiled cache; NULL: none */
    /* Diagnostics of the detectors that load rules themselves, one line each, during the
     * call (may be NULL). */
    void (*report)(void *ctx, const char *line);
    void *report_ctx;
    /* Detectors to build, NULL-terminated; NULL: sw_detect_builtin. */
    const struct sw_detector_ops *const *detectors;
};

/* Takes cfg and o->yara (also on failure); o may be NULL (nothing but cfg). NULL and err on
 * failure (out of memory, a bad ndpi.risk_exceptions entry, a detector's fatal error). Main
 * thread. */
struct sw_det_set *sw_det_set_create(struct sw_config *cfg, const struct sw_det_set_opts *o,
                                     struct sw_err *err);
/* NULL-safe; frees cfg and the detectors. Only once no reader uses the set. */
void sw_det_set_destroy(struct sw_det_set *d);

/* One reader thread's hold on the published set. */
struct sw_det_reader {
    char name[48];                 /* "worker 1": for messages */
    const struct sw_det_set *set;  /* reader thread: the set installed */
    _Atomic uint32_t gen;          /* generation installed (the acknowledgement) */
    _Atomic uint32_t failed_gen;   /* generation it could not install, 0: none */
    struct sw_err err;             /* why, written once per generation by the reader, before
                                    * failed_gen; the main thread reads it after */
    uint64_t retry_us;             /* reader thread: no new attempt before this */
    _Atomic int active;            /* the thread runs and may use its set */
};

/* Where sets are published. Main thread, except `cur`, which readers load. */
struct sw_det_pub {
    _Atomic(struct sw_det_set *) cur;
    struct sw_det_set *retired;    /* owned: previous set, until every reader left it */
    struct sw_det_reader **readers; /* owned array of borrowed readers */
    size_t n_readers;
};

/* Install d in the reader's thread (build its per-thread state). SW_OK, or an error in err
 * with the thread's state unchanged. */
typedef enum sw_rc (*sw_det_install_fn)(void *ctx, const struct sw_det_set *d,
                                        struct sw_err *err);

/* Main thread: publish first (taken over on success; gen 1) with room for n_readers readers.
 * On failure (out of memory) err says why and first stays the caller's. */
enum sw_rc sw_det_pub_init(struct sw_det_pub *pub, struct sw_det_set *first, size_t n_readers,
                           struct sw_err *err) SW_MUSTCHECK;
/* Main thread, once no reader runs any more: free every set. NULL-safe fields. */
void sw_det_pub_fini(struct sw_det_pub *pub);
/* Main thread, before the reader's thread starts: reader i holds the current set. It counts
 * for swaps once its `active` is set (when its thread starts; cleared when it ends). */
void sw_det_reader_attach(struct sw_det_pub *pub, size_t i, struct sw_det_reader *r,
                          const char *name);

enum sw_det_adopt {
    SW_DET_KEPT,    /* nothing new, or too soon after a failed attempt */
    SW_DET_ADOPTED, /* the published set is installed and acknowledged */
    SW_DET_FAILED,  /* it could not be installed: the previous set stays installed and the
                     * new generation is not acknowledged; r->err says why (for the main
                     * thread too, once failed_gen is set) */
};

/* Reader thread: adopt the published set if it is not the one installed. now_us paces new
 * attempts after a failure (one a second). */
enum sw_det_adopt sw_det_adopt(struct sw_det_reader *r, struct sw_det_pub *pub,
                               sw_det_install_fn install, void *ctx, uint64_t now_us);

enum sw_det_swap {
    SW_DET_SWAPPED, /* every reader runs the new set; the previous one is freed */
    SW_DET_PENDING, /* published, but a reader had not switched in time: it still runs the
                     * previous set, which stays until it does (sw_det_settle) */
    SW_DET_REFUSED, /* nothing published: a reader still runs the set before the current
                     * one; the new set was freed */
};

/* Main thread: publish next (taken over) and wait up to wait_ms for every active reader to
 * switch, calling wake(ctx) first so sleeping readers look. Unless SW_DET_SWAPPED, why (len
 * bytes) names the reader that held things up and its error if it had one. */
enum sw_det_swap sw_det_publish(struct sw_det_pub *pub, struct sw_det_set *next, unsigned wait_ms,
                                void (*wake)(void *ctx), void *ctx, char *why, size_t len);

/* Main thread: free the retired set once every active reader left it. Returns true when it
 * did (a pending swap completed). */
bool sw_det_settle(struct sw_det_pub *pub);

/* Main thread: the set published now. */
const struct sw_det_set *sw_det_current(struct sw_det_pub *pub);

#endif
