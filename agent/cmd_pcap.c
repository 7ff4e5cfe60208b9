/* cmd_pcap.c - `seawall pcap FILE... [-o OUT] [-c CONFIG] [--workers N] [--ndpi-dir DIR]
 * [--rules DIR]`. */
#include "sw/cmd.h"

#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "sw/config.h"
#include "sw/detect.h"
#include "sw/log.h"
#include "sw/ndpi.h"
#include "sw/parse.h"
#include "sw/pipeline.h"
#include "sw/yara.h"


static void
usage(FILE *fp)
{
    fprintf(fp,
            "usage: seawall pcap FILE... [-o OUT] [-c CONFIG] [--workers N] [--ndpi-dir DIR]\n"
            "                    [--rules DIR [--cache DIR | --no-cache]] [--set KEY=VALUE]...\n"
            "                    [--profile-rules] [-v]\n"
            "Analyse capture files (pcap, pcapng) and write EVE JSON lines: a flow event per\n"
            "flow, an alert per nDPI risk, a fileinfo event per HTTP body, anomaly events for\n"
            "malformed packets, and a final stats event.\n"
            "  -o, --output OUT     write events to OUT (default: standard output)\n"
            "  -c, --config FILE    configuration file (default: built-in defaults)\n"
            "  -w, --workers N      worker threads (default: network.workers)\n"
            "      --ndpi-dir DIR   load nDPI's protos.txt, categories.txt, risky_domains.txt,\n"
            "                       ja3_fingerprints.csv, sha1_fingerprints.csv found in DIR\n"
            "      --set KEY=VALUE  override a configuration key (e.g. network.max_flows=1000)\n"
            "  -r, --rules DIR      YARA rules (*.yar, *.yara below DIR) run over each TCP\n"
            "                       flow's reassembled bytes, per direction, up to\n"
            "                       network.stream.depth, and over each HTTP body (HTTP\n"
            "                       bodies get fileinfo events without --rules too)\n"
            "      --cache DIR      keep the compiled rules in DIR (default: as seawall scan)\n"
            "      --no-cache       always compile the rules\n"
            "      --profile-rules  per-rule checks, matches and time (rules.profiling):\n"
            "                       a table on stderr, worst first, and a rule_profile event\n"
            "                       (--set rules.profile_file=FILE: the table appended there)\n"
            "  -v, --verbose        more messages on stderr\n"
            "  -h, --help           this help\n"
            "Exit status: 0 when at least one file was read and every event written; 2 when\n"
            "no file could be read, events could not be written (a full disk, a file-size\n"
            "limit: the output says why once), or on a usage or configuration error.\n");
}

static void
report_rule(void *ctx, enum sw_yara_diag kind, const char *msg)
{
    (void)ctx;
    if (kind == SW_YARA_DIAG_ERROR)
        sw_log_error("%s", msg);
    else
        sw_log_warn("%s", msg);
}

/* --rules: libyara's set-up and the rule set, on the main thread before any worker starts.
 * A rule file that does not compile is reported (path:line: message) and left out, as in
 * seawall scan. Returns NULL (reported, libyara torn down) when nothing can be loaded. */
static struct sw_yara_rules *
load_rules(const char *dir, const char *cache_dir)
{
    struct sw_yara_load_opts lo = {.dir = dir, .cache_dir = cache_dir, .report = report_rule};
    struct sw_yara_load_stats ls;
    struct sw_yara_rules *r;
    struct sw_err err;

    sw_err_clear(&err);
    if (sw_yara_init(&err) != SW_OK) {
        sw_log_error("%s", err.msg);
        return NULL;
    }
    r = sw_yara_load(&lo, &ls, &err);
    if (r == NULL) {
        sw_log_error("%s", err.msg);
        sw_yara_fini();
        return NULL;
    }
    if (ls.files_failed > 0)
        sw_log_error("%s: %zu of %zu rule files failed to compile and were left out", dir,
                     ls.files_failed, ls.files);
    sw_log_info("%s: %zu rules from %zu files%s", dir, ls.rules, ls.files,
                ls.from_cache ? " (cached)" : "");
    return r;
}

/* A diagnostic of a detector that loads its rules itself (Suricata rules): "path:line:
 * message", a warning, or a rule left out for a keyword this build does not support. */
static void
report_line(void *ctx, const char *line)
{
    (void)ctx;
    if (strstr(line, ": warning: ") != NULL || strstr(line, " not supported") != NULL)
        sw_log_warn("%s", line);
    else
        sw_log_error("%s", line);
}

/* One line per rule language but YARA's (said by load_rules): what loaded. */
static void
report_loads(const char *path, const struct sw_detect_load_stats *st)
{
    for (unsigned i = 0; i < st->n; i++) {
        const struct sw_detect_load *ld = &st->det[i];

        if (ld->language == NULL || strcmp(ld->language, "yara") == 0 || ld->files == 0)
            continue;
        sw_log_info("%s: %s: %llu files, %llu rules loaded, %llu left out, %llu failed", path,
                    ld->language, (unsigned long long)ld->files, (unsigned long long)ld->rules,
                    (unsigned long long)ld->left_out, (unsigned long long)ld->failed);
    }
}

int
sw_cmd_pcap(int argc, char **argv)
{
    static const struct option opts[] = {
        {"output", required_argument, NULL, 'o'},  {"config", required_argument, NULL, 'c'},
        {"workers", required_argument, NULL, 'w'}, {"ndpi-dir", required_argument, NULL, 'N'},
        {"set", required_argument, NULL, 'S'},     {"verbose", no_argument, NULL, 'v'},
        {"rules", required_argument, NULL, 'r'},   {"help", no_argument, NULL, 'h'},
        {"cache", required_argument, NULL, 'C'},   {"no-cache", no_argument, NULL, 'n'},
        {"profile-rules", no_argument, NULL, 'P'}, {NULL, 0, NULL, 0},
    };
    const char *out = NULL, *config = NULL, *ndpi_dir = NULL, *rules_dir = NULL;
    const char *cache_dir = NULL;
    bool no_cache = false;
    char cache[4096];
    struct sw_yara_rules *rules = NULL;
    struct sw_cmd_sets sets = {.n = 0};
    uint64_t workers = 0;
    bool verbose = false;
    struct sw_config *cfg;
    struct sw_err err;
    char host[256];
    int c, rc;

    optind = 1;
    while ((c = getopt_long(argc, argv, "o:c:w:r:vh", opts, NULL)) != -1) {
        switch (c) {
        case 'o':
            out = optarg;
            break;
        case 'w':
            if (sw_parse_u64(optarg, 1, 64, &workers) != SW_OK) {
                sw_log_error("--workers: '%s' is not a number from 1 to 64", optarg);
                return 2;
            }
            break;
        case 'N':
            ndpi_dir = optarg;
            break;
        case 'r':
            rules_dir = optarg;
            break;
        case 'C':
            cache_dir = optarg;
            break;
        case 'n':
            no_cache = true;
            break;
        case 'v':
            verbose = true;
            break;
        case 'P': /* through the configuration, so that it is checked with the other keys */
            if (!sw_cmd_sets_add(&sets, "rules.profiling=true"))
                return 2;
            break;
        default: /* -c, --set, -h and unknown options */
            if ((c = sw_cmd_common_opt(c, optarg, &config, &sets, usage)) >= 0)
                return c;
            break;
        }
    }
    if (optind >= argc) {
        sw_log_error("pcap: no capture file given (see 'seawall pcap --help')");
        return 2;
    }
    cfg = sw_cmd_load_config(config, sets.v, sets.n);
    if (cfg == NULL)
        return 2;
    if (verbose)
        sw_log_setup(SW_LOG_INFO, SW_LOG_MODE_CLI);
    if (ndpi_dir != NULL && sw_ndpi_dir_apply(cfg, ndpi_dir, &err) < 0) {
        sw_log_error("%s", err.msg);
        sw_cfg_free(cfg);
        return 2;
    }
    /* The workers' nDPI modules are made from here on, while the rules load. */
    struct sw_ndpi_ahead *ahead =
        sw_pipeline_ndpi_ahead(cfg, workers != 0 ? (unsigned)workers : cfg->network.workers);

    if (rules_dir != NULL) {
        /* The same cache as seawall scan: a second run with unchanged rules does not compile. */
        if (cache_dir != NULL)
            snprintf(cache, sizeof(cache), "%s", cache_dir);
        else
            sw_cmd_rules_cache(cfg, cache, sizeof(cache));
        rules = load_rules(rules_dir, no_cache || cache[0] == '\0' ? NULL : cache);
        if (rules == NULL) {
            sw_pipeline_ndpi_ahead_free(ahead);
            sw_cfg_free(cfg);
            return 2;
        }
    }
    /* The detectors: nDPI risks, and with --rules the YARA rules (taken) and the rules of
     * the other languages found there. */
    struct sw_detect_opts dopts = {
        .cfg = cfg,
        .rules_path = rules_dir,
        .cache_dir = rules_dir != NULL && !no_cache && cache[0] != '\0' ? cache : NULL,
        .yara = rules,
        .report = report_line,
    };
    struct sw_detect_load_stats dls;
    struct sw_detect *det = sw_detect_create(&dopts, &dls, &err);

    if (det == NULL) {
        sw_log_error("%s", err.msg);
        if (rules_dir != NULL)
            sw_yara_fini();
        sw_pipeline_ndpi_ahead_free(ahead);
        sw_cfg_free(cfg);
        return 2;
    }
    if (rules_dir != NULL)
        report_loads(rules_dir, &dls);
    sw_cmd_host(cfg, host, sizeof(host));
    struct sw_pcap_opts po = {
        .files = (const char *const *)(argv + optind),
        .n_files = (size_t)(argc - optind),
        .out = out,
        .workers = (unsigned)workers,
        .verbose = verbose,
        .host = host,
        .detect = det,
        .ndpi = ahead,
    };
    sw_err_clear(&err);
    rc = sw_pipeline_pcap(cfg, &po, &err);
    if (rc != 0 && err.msg[0] != '\0')
        sw_log_error("%s", err.msg);
    sw_pipeline_ndpi_ahead_free(ahead);
    sw_detect_destroy(det); /* and the YARA rules it took */
    if (rules_dir != NULL)
        sw_yara_fini();
    sw_cfg_free(cfg);
    return rc;
}
