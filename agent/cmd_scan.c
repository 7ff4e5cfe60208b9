/* cmd_scan.c - `seawall scan PATH... [--rules DIR] [--threads N] [--max-size SIZE]
 * [--timeout DURATION] [--exclude GLOB]... [-o OUT] [--all] [--follow] [--one-file-system]`.
 *
 * Threads: the main thread walks the paths (collectors/file/src_walk.c) and hands each file
 * to the host side's scan pool (collectors/file/scanpool.c, SW_SCAN_FILE jobs), waiting for
 * room in its bounded queue; the pool's N threads each own a YARA scanner, a libmagic handle,
 * a read buffer kept from file to file, and an event producer of the output router. The
 * pool's queue and the walker's wake-up (mutex, condition variable, counter) are the only
 * shared mutable state. */
#include "sw/cmd.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "sw/alloc.h"
#include "sw/batch.h"
#include "sw/clock.h"
#include "sw/config.h"
#include "sw/detect_file.h"
#include "sw/eve.h"
#include "sw/ioc.h"
#include "sw/log.h"
#include "sw/parse.h"
#include "sw/router.h"
#include "sw/scanpool.h"
#include "sw/src_walk.h"
#include "sw/yara.h"

#define QUEUE_CAP 256
#define EVENT_RING 1024
/* A scan thread keeps its read buffer between files up to this size (the whole of most
 * trees' largest files): no allocation per file. */
#define BUF_KEEP (64u * 1024u * 1024u)

struct scan {
    struct sw_scanpool *pool;
    /* The walking thread waits here for room in the pool's queue; a scan thread rings it
     * (sw_scanpool_opts.wake) after a job. seq counts the rings, so none is missed. */
    pthread_mutex_t mu;
    pthread_cond_t cv;
    uint64_t seq;
    /* The walking thread's own counts: paths it could not hand over. */
    uint64_t skipped_symlink, errors;
};

/* Per scan thread: its producer and whether the thread has closed it (sw_scanpool_opts.done). */
struct thread_out {
    struct sw_producer *prod; /* owned by the router */
    _Atomic bool closed;
};
static void
usage(FILE *fp)
{
    fprintf(fp,
            "usage: seawall scan PATH... [--rules DIR] [--threads N] [--max-size SIZE]\n"
            "                    [--timeout DURATION] [--exclude GLOB]... [-o OUT] [--all]\n"
            "                    [--follow] [--one-file-system] [--cache DIR | --no-cache]\n"
            "                    [--max-strings N] [--string-bytes N] [-c CONFIG]\n"
            "                    [--set KEY=VALUE]... [-v]\n"
            "Scan files and directories with the YARA rules and the IOC lists (*.sha256) of the\n"
            "rules directory and write EVE JSON lines: an alert per matching (rule, file) and\n"
            "per IOC list listing a file's SHA-256, a fileinfo event per file with --all, and\n"
            "a final stats event.\n"
            "  -r, --rules DIR        rules directory (default: rules.dir)\n"
            "  -t, --threads N        scan threads, 1..32 (default: the number of CPUs)\n"
            "      --max-size SIZE    skip larger files (default: files.max_scan_size, 64MiB)\n"
            "      --timeout DUR      per-file scan time limit (default: 60s)\n"
            "  -x, --exclude GLOB     skip paths or base names matching GLOB (repeatable;\n"
            "                         files.exclude applies too)\n"
            "  -o, --output OUT       write events to OUT (default: standard output)\n"
            "  -a, --all              also a fileinfo event for every file scanned\n"
            "  -L, --follow           follow symlinks below the given paths\n"
            "      --one-file-system  stay on the file system of each given path\n"
            "      --cache DIR        keep compiled rules in DIR (default: see README)\n"
            "      --no-cache         always compile the rules\n"
            "      --max-strings N    string matches listed per alert (default 16)\n"
            "      --string-bytes N   bytes of each string match shown (default 64)\n"
            "  -c, --config FILE      configuration file\n"
            "      --set KEY=VALUE    override a configuration key\n"
            "  -v, --verbose          more messages on stderr\n"
            "Exit status: 0 no match, 1 matches, 2 usage error or an incomplete run: a rule\n"
            "file or an IOC list left out (a bad line), a PATH that cannot be read, no file\n"
            "readable at all, or events that could not be written (2 even when something\n"
            "matched).\n");
}

/* --- the pool's callbacks (on scan thread i) ------------------------------------------------ */

static void
kick(void *ctx)
{
    sw_producer_kick(((struct thread_out *)ctx)->prod);
}

/* A scan thread's end: no more events from it; its EVE encoder's scratch buffer goes too. */
static void
thread_done(void *ctx)
{
    struct thread_out *t = ctx;

    sw_producer_close(t->prod);
    atomic_store(&t->closed, true);
    sw_eve_thread_fini();
}

static void
wake(void *ctx)
{
    struct scan *sc = ctx;

    pthread_mutex_lock(&sc->mu);
    sc->seq++;
    pthread_cond_signal(&sc->cv);
    pthread_mutex_unlock(&sc->mu);
}

/* --- walking ------------------------------------------------------------------------------- */

struct walk_ctx {
    struct scan *sc;
    uint64_t queued;
    bool tty;
    struct timespec last;
};

static void
progress(struct walk_ctx *wc, bool final)
{
    struct timespec now;

    if (!wc->tty)
        return;
    clock_gettime(CLOCK_MONOTONIC, &now);
    if (!final && (now.tv_sec - wc->last.tv_sec) * 1000 + (now.tv_nsec - wc->last.tv_nsec) /
                                                             1000000 < 250)
        return;
    wc->last = now;
    fprintf(stderr, "\rseawall: scanned %llu of %llu files%s",
            (unsigned long long)(wc->queued - sw_scanpool_walk_pending(wc->sc->pool)),
            (unsigned long long)wc->queued, final ? "\n" : "");
}

/* Hand j to the pool, waiting for room in its queue. */
static void
submit_wait(struct scan *sc, struct sw_scan_job *j)
{
    for (;;) {
        uint64_t seq;

        pthread_mutex_lock(&sc->mu);
        seq = sc->seq;
        pthread_mutex_unlock(&sc->mu);
        if (sw_scanpool_room(sc->pool, 1))
            break;
        /* room() asked for a ring after the next job; seq tells if it came meanwhile. */
        pthread_mutex_lock(&sc->mu);
        while (sc->seq == seq)
            pthread_cond_wait(&sc->cv, &sc->mu);
        pthread_mutex_unlock(&sc->mu);
    }
    if (sw_scanpool_submit(sc->pool, j) != SW_OK)
        sc->errors++; /* cannot happen: only this thread submits, and there was room */
}

static bool
on_file(void *ctx, const char *path, bool via_link)
{
    struct walk_ctx *wc = ctx;
    struct sw_scan_job *j = sw_scan_job_create(SW_SCAN_FILE, path, NULL);

    if (j == NULL) {
        wc->sc->errors++;
        return true;
    }
    j->walk = true; /* counted by sw_scanpool_walk_pending: the progress line */
    if (via_link) {
        /* Reached through a symlink (--follow): the pool opens by path with O_NOFOLLOW, so
         * the link is opened here, O_NONBLOCK against a FIFO (the pool checks the type). */
        j->fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
        if (j->fd < 0) {
            if (errno == ELOOP) {
                wc->sc->skipped_symlink++;
            } else {
                wc->sc->errors++;
                SW_LOG_RATELIMIT(SW_LOG_WARNING, "%s: %s", path, strerror(errno));
            }
            sw_scan_job_destroy(j);
            return true;
        }
    }
    submit_wait(wc->sc, j);
    wc->queued++;
    progress(wc, false);
    return true;
}

/* --- command ------------------------------------------------------------------------------- */

static void
report_ioc(void *ctx, bool warning, const char *msg)
{
    (void)ctx;
    if (warning)
        sw_log_warn("%s", msg);
    else
        sw_log_error("%s", msg);
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

/* The stats event's counts from the pool's (the walk's are added by the caller). */
static void
counts_of(struct sw_scan_counts *a, const struct sw_scan_stats *p)
{
    a->files = p->files;
    a->bytes = p->bytes;
    a->matches = p->matches + p->ioc_matches;
    a->files_matched = p->files_matched;
    a->skipped_size = p->skipped_size;
    a->skipped_special = p->skipped_special;
    a->errors = p->skipped_error + p->event_drops;
    a->timeouts = p->timeouts;
    a->too_many_matches = p->too_many_matches;
}

struct scan_args {
    const char *rules_dir, *out, *cache_dir, *config;
    struct sw_cmd_sets sets;
    struct sw_batch_excludes excl;
    uint64_t threads, max_size, timeout_us, max_strings, string_bytes;
    bool max_size_set, no_cache, all, follow, one_fs, verbose;
};

static int
parse_args(int argc, char **argv, struct scan_args *a)
{
    static const struct option opts[] = {
        {"rules", required_argument, NULL, 'r'},  {"threads", required_argument, NULL, 't'},
        {"max-size", required_argument, NULL, 'M'}, {"timeout", required_argument, NULL, 'T'},
        {"exclude", required_argument, NULL, 'x'}, {"output", required_argument, NULL, 'o'},
        {"all", no_argument, NULL, 'a'},          {"follow", no_argument, NULL, 'L'},
        {"one-file-system", no_argument, NULL, 'X'}, {"cache", required_argument, NULL, 'C'},
        {"no-cache", no_argument, NULL, 'N'},     {"max-strings", required_argument, NULL, 'm'},
        {"string-bytes", required_argument, NULL, 'B'}, {"config", required_argument, NULL, 'c'},
        {"set", required_argument, NULL, 'S'},    {"verbose", no_argument, NULL, 'v'},
        {"help", no_argument, NULL, 'h'},         {NULL, 0, NULL, 0},
    };
    int c;

    optind = 1;
    while ((c = getopt_long(argc, argv, "r:t:x:o:aLc:vh", opts, NULL)) != -1) {
        switch (c) {
        case 'r':
            a->rules_dir = optarg;
            break;
        case 't':
            if (sw_parse_u64(optarg, 1, SW_YARA_MAX_THREADS, &a->threads) != SW_OK) {
                sw_log_error("--threads: '%s' is not a number from 1 to %d", optarg,
                             SW_YARA_MAX_THREADS);
                return 2;
            }
            break;
        case 'M':
            if (sw_parse_size(optarg, &a->max_size) != SW_OK) {
                sw_log_error("--max-size: '%s' is not a size (e.g. 64MiB)", optarg);
                return 2;
            }
            a->max_size_set = true;
            break;
        case 'T':
            if (sw_parse_duration(optarg, &a->timeout_us) != SW_OK ||
                a->timeout_us < SW_USEC_PER_SEC || a->timeout_us > 86400 * SW_USEC_PER_SEC) {
                sw_log_error("--timeout: '%s' is not a duration from 1s to 1d", optarg);
                return 2;
            }
            break;
        case 'x':
            if (!sw_batch_exclude_add(&a->excl, optarg))
                return 2;
            break;
        case 'o':
            a->out = optarg;
            break;
        case 'a':
            a->all = true;
            break;
        case 'L':
            a->follow = true;
            break;
        case 'X':
            a->one_fs = true;
            break;
        case 'C':
            a->cache_dir = optarg;
            break;
        case 'N':
            a->no_cache = true;
            break;
        case 'm':
            if (sw_parse_u64(optarg, 0, SW_YARA_MAX_STRINGS, &a->max_strings) != SW_OK) {
                sw_log_error("--max-strings: '%s' is not a number from 0 to %d", optarg,
                             SW_YARA_MAX_STRINGS);
                return 2;
            }
            break;
        case 'B':
            if (sw_parse_u64(optarg, 0, SW_YARA_MAX_STRING_BYTES, &a->string_bytes) != SW_OK) {
                sw_log_error("--string-bytes: '%s' is not a number from 0 to %d", optarg,
                             SW_YARA_MAX_STRING_BYTES);
                return 2;
            }
            break;
        case 'v':
            a->verbose = true;
            break;
        default: /* -c, --set, -h and unknown options */
            if ((c = sw_cmd_common_opt(c, optarg, &a->config, &a->sets, usage)) >= 0)
                return c;
            break;
        }
    }
    if (optind >= argc) {
        sw_log_error("scan: no path given (see 'seawall scan --help')");
        return 2;
    }
    return -1;
}

int
sw_cmd_scan(int argc, char **argv)
{
    struct scan_args a = {.max_strings = 16, .string_bytes = 64,
                          .timeout_us = 60 * SW_USEC_PER_SEC};
    struct sw_config *cfg = NULL;
    struct sw_yara_rules *rules = NULL;
    struct sw_yara_load_stats ls;
    struct sw_ioc_set *ioc = NULL;
    struct sw_ioc_load_stats is = {0};
    struct sw_router *router = NULL;
    struct scan sc;
    struct sw_scan_counts total;
    struct sw_walk_counts wcnt;
    struct sw_err err;
    char host[256], cache[4096];
    int rc = parse_args(argc, argv, &a);
    bool yara_up = false, sync_up = false;
    struct thread_out *outs = NULL;
    struct sw_emitter **ems = NULL;
    void **ctxs = NULL;
    unsigned n_outs = 0;

    if (rc >= 0)
        return rc;
    rc = 2;
    memset(&sc, 0, sizeof(sc));
    memset(&total, 0, sizeof(total));
    memset(&wcnt, 0, sizeof(wcnt));
    sw_err_clear(&err);
    cfg = sw_cmd_load_config(a.config, a.sets.v, a.sets.n);
    if (cfg == NULL)
        return 2;
    if (a.verbose)
        sw_log_setup(SW_LOG_INFO, SW_LOG_MODE_CLI);
    uint64_t t0 = sw_clock_us(CLOCK_MONOTONIC);

    if (sw_yara_init(&err) != SW_OK)
        goto fail;
    yara_up = true;
    if (a.cache_dir != NULL)
        snprintf(cache, sizeof(cache), "%s", a.cache_dir);
    else
        sw_cmd_rules_cache(cfg, cache, sizeof(cache));
    struct sw_yara_load_opts lo = {
        .dir = a.rules_dir != NULL ? a.rules_dir : cfg->rules.dir,
        .cache_dir = a.no_cache || cache[0] == '\0' ? NULL : cache,
        .report = report_rule,
    };
    rules = sw_yara_load(&lo, &ls, &err);
    if (rules == NULL)
        goto fail;
    if (ls.files_failed > 0)
        sw_log_error("%s: %zu of %zu rule files failed to compile and were left out", lo.dir,
                     ls.files_failed, ls.files);
    sw_log_info("%s: %zu rules from %zu files%s", lo.dir, ls.rules, ls.files,
                ls.from_cache ? " (cached)" : "");
    /* IOC lists of the same directory: a bad line is reported and left out, like a rule. */
    ioc = sw_ioc_load(lo.dir, report_ioc, NULL, &is, &err);
    if (ioc == NULL)
        goto fail;
    if (is.files_failed > 0)
        sw_log_error("%s: %zu of %zu IOC lists have bad lines (left out)", lo.dir,
                     is.files_failed, is.files);
    if (is.files > 0)
        sw_log_info("%s: %zu IOC hashes from %zu lists", lo.dir, is.hashes, is.files);
    sw_cmd_host(cfg, host, sizeof(host));
    /* -o names a path on the command line: -o /dev/stdout works (follows the link). */
    router = sw_batch_router_create(a.out, host, true, &err);
    if (router == NULL)
        goto fail;

    unsigned n = a.threads != 0 ? (unsigned)a.threads : sw_batch_threads(SW_YARA_MAX_THREADS);
    uint64_t max_size = a.max_size_set ? a.max_size : cfg->files.max_scan_size;

    pthread_mutex_init(&sc.mu, NULL);
    pthread_cond_init(&sc.cv, NULL);
    sync_up = true;
    outs = sw_calloc(n, sizeof(*outs));
    ems = sw_calloc(n, sizeof(*ems));
    ctxs = sw_calloc(n, sizeof(*ctxs));
    if (outs == NULL || ems == NULL || ctxs == NULL) {
        sw_err_set(&err, SW_ENOMEM, "scan: out of memory");
        goto fail;
    }
    for (unsigned i = 0; i < n; i++) {
        outs[i].prod = sw_router_add_producer(router, EVENT_RING, &err);
        if (outs[i].prod == NULL)
            goto fail;
        n_outs++;
        ems[i] = &outs[i].prod->em;
        ctxs[i] = &outs[i];
    }
    /* The host side's scan pool, one job a file: a file larger than max_size is neither
     * hashed nor scanned (skipped, size); the SHA-256 and libmagic's description are
     * computed only for a file that is reported (an alert, --all, an IOC list). */
    struct sw_scanpool_opts po = {
        .threads = n,
        .queue_size = QUEUE_CAP,
        .max_scan_size = max_size,
        .max_hash_size = max_size,
        .max_strings = (unsigned)a.max_strings,
        .string_bytes = (unsigned)a.string_bytes,
        .timeout_s = (unsigned)(a.timeout_us / SW_USEC_PER_SEC),
        .ionice = SW_IONICE_NONE,
        .source = "file",
        .fileinfo_file = a.all,
        .buf_keep = max_size < BUF_KEEP ? (size_t)max_size : BUF_KEEP,
        .em = ems,
        .kick = kick,
        .done = thread_done,
        .kick_ctx = ctxs,
        .wake = wake,
        .wake_ctx = &sc,
    };
    struct sw_detect_file *det = sw_detect_file_create(rules, ioc, &err);

    if (det == NULL)
        goto fail;
    sc.pool = sw_scanpool_create(&po, det, &err);
    sw_detect_file_destroy(det); /* the pool keeps its own hold */
    if (sc.pool == NULL)
        goto fail;
    if (sw_router_start(router, &err) != SW_OK)
        goto fail;
    bool started = sw_scanpool_start(sc.pool, &err) == SW_OK;

    /* Roots: the walk runs only if every thread started; the queue is closed either way. */
    size_t n_globs = 0;
    const char **globs = sw_batch_globs(cfg, a.excl.v, a.excl.n, &n_globs);

    struct sw_walk_opts wo = {.follow = a.follow, .one_fs = a.one_fs, .exclude = globs,
                              .n_exclude = n_globs};
    struct walk_ctx wc = {.sc = &sc, .tty = isatty(STDERR_FILENO) == 1};

    unsigned bad_roots = 0;
    for (int i = optind; started && globs != NULL && i < argc; i++) {
        struct sw_err werr;

        if (sw_walk_run(argv[i], &wo, on_file, &wc, &wcnt, &werr) != SW_OK) {
            sw_log_error("%s", werr.msg);
            bad_roots++;
        }
    }
    /* Every file queued is scanned: no deadline worth the name (a year). */
    (void)sw_scanpool_stop(sc.pool, true, sw_clock_us(CLOCK_MONOTONIC) + 365ull * 86400u *
                                                                      SW_USEC_PER_SEC);
    for (unsigned i = 0; i < n; i++)
        if (!atomic_load(&outs[i].closed))
            sw_producer_close(outs[i].prod); /* its thread never started */
    progress(&wc, true);
    sw_free(globs);
    sw_router_stop(router);

    struct sw_scan_stats ps;

    sw_scanpool_stats(sc.pool, &ps);
    counts_of(&total, &ps);
    total.dirs = wcnt.dirs;
    total.skipped_special += wcnt.skipped_special;
    total.skipped_symlink += wcnt.skipped_symlink + sc.skipped_symlink;
    total.skipped_excluded += wcnt.skipped_excluded;
    total.skipped_other_fs += wcnt.skipped_other_fs;
    total.errors += wcnt.errors + sc.errors;
    total.elapsed_us = sw_clock_us(CLOCK_MONOTONIC) - t0;
    total.rule_files = ls.files + is.files;
    total.rule_files_failed = ls.files_failed + is.files_failed;
    total.rules = ls.rules;
    struct sw_file_part fp = {.has_scan = true, .scan = total, .path = "", .magic = "",
                              .owner = ""};
    struct sw_event *st = sw_event_create_file(SW_EV_STATS, sw_clock_us(CLOCK_REALTIME), &fp);
    if (st != NULL)
        sw_router_write(router, st);
    if (!started) {
        sw_log_error("%s", err.msg); /* producers are closed: not the fail path */
        rc = 2;
        goto out;
    }
    sw_log_info("scanned %llu files (%llu bytes): %llu matches, %llu errors, %llu timeouts",
                (unsigned long long)total.files, (unsigned long long)total.bytes,
                (unsigned long long)total.matches, (unsigned long long)total.errors,
                (unsigned long long)total.timeouts);
    /* An incomplete run is 2 even when something matched: a rule file or an IOC list left
     * out, a PATH that could not be walked, nothing readable at all, or events that were not
     * written (the sink reported why). */
    uint64_t n_events, n_lost;
    sw_router_counts(router, &n_events, &n_lost);
    if (n_lost > 0)
        sw_log_error("%s: %llu of %llu events were not written", a.out != NULL ? a.out : "stdout",
                     (unsigned long long)n_lost, (unsigned long long)n_events);
    if (total.files == 0 && total.errors > 0 && bad_roots == 0)
        sw_log_error("scan: no file could be read (%llu errors)", (unsigned long long)total.errors);
    if (ls.files_failed + is.files_failed > 0 || bad_roots > 0 || n_lost > 0 ||
        (total.files == 0 && total.errors > 0))
        rc = 2;
    else
        rc = total.matches > 0 ? 1 : 0;
    goto out;
fail:
    if (err.msg[0] != '\0')
        sw_log_error("%s", err.msg);
    rc = 2;
    if (sc.pool != NULL) {
        /* No thread started here: destroy runs each done(), closing the producers. */
        sw_scanpool_destroy(sc.pool);
        sc.pool = NULL;
    } else {
        for (unsigned i = 0; i < n_outs; i++)
            sw_producer_close(outs[i].prod); /* so that the router can stop */
    }
out:
    sw_router_destroy(router);
    sw_scanpool_destroy(sc.pool);
    sw_free(outs);
    sw_free(ems);
    sw_free(ctxs);
    if (sync_up) {
        pthread_mutex_destroy(&sc.mu);
        pthread_cond_destroy(&sc.cv);
    }
    sw_yara_rules_destroy(rules);
    sw_ioc_destroy(ioc);
    if (yara_up)
        sw_yara_fini();
    sw_eve_thread_fini();
    sw_cfg_free(cfg);
    return rc;
}
