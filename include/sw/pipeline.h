/* pipeline.h - wiring of the network path for offline analysis (`seawall pcap`).
 *
 *   main thread: read files > decode > defrag > symmetric hash ─batch ring─> worker xN
 *   worker:      flow > nDPI > detectors ─event ring─> output thread > sinks
 *
 * Batches of copied packets travel to a worker and come back on a return ring, so the
 * packet path allocates nothing per packet. Offline, nothing is dropped: a full ring makes
 * the reader wait. */
#ifndef SW_PIPELINE_H
#define SW_PIPELINE_H

#include <stdbool.h>
#include <stddef.h>

#include "sw/config.h"
#include "sw/err.h"

struct sw_yara_rules; /* yara.h */

struct sw_pcap_opts {
    const char *const *files; /* borrowed */
    size_t n_files;
    const char *out;          /* EVE output file, NULL or "-" for stdout */
    unsigned workers;         /* 0: network.workers from the config */
    bool verbose;             /* stats events every stats.interval of capture time */
    const char *host;         /* EVE host */
    /* borrowed, may be NULL: YARA rules for reassembled TCP streams (--rules); loaded on the
     * main thread, each worker makes its own scanner. At most SW_YARA_MAX_THREADS workers. */
    const struct sw_yara_rules *rules;
};

/* Run the offline pipeline over opts->files. Returns the process exit code: 0 when at least
 * one file was read (bad files are reported on stderr and skipped), 2 when none could be
 * read or the pipeline could not start (err says why). */
int sw_pipeline_pcap(const struct sw_config *cfg, const struct sw_pcap_opts *opts,
                     struct sw_err *err);

#endif
