/* cmd_scan.c - `seawall scan PATH... [--rules DIR] [--threads N] [--max-size SIZE]
 * [--timeout DURATION] [--exclude GLOB]... [-o OUT] [--all] [--follow] [--one-file-system]`.
 *
 * Threads: the main thread walks the paths (collectors/file/src_walk.c) and fills a bounded
 * queue of paths; N scan threads each own a YARA scanner, a libmagic handle and an event
 * producer of the output router, and take paths from the queue. The queue is the only
 * shared mutable state (mutex + two condition variables: a low-rate control path, a file at a
 * time). Counters are per thread and summed after the join. */
#include "sw/cmd.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <magic.h>
#include <openssl/evp.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "sw/alloc.h"
#include "sw/clock.h"
#include "sw/config.h"
#include "sw/eve.h"
#include "sw/filetype.h"
#include "sw/ioc.h"
#include "sw/log.h"
#include "sw/parse.h"
#include "sw/router.h"
#include "sw/sink.h"
#include "sw/src_walk.h"
#include "sw/yara.h"

#define MAX_EXCLUDES 256
#define QUEUE_CAP 256
#define EVENT_RING 1024
/* libmagic is given at most this much of a file: its tests look at the start. */
#define MAGIC_BYTES (1024u * 1024u)

struct item {
    char *path; /* owned */
    bool via_link;
};

struct queue {
    pthread_mutex_t mu;
    pthread_cond_t not_empty, not_full;
    struct item slot[QUEUE_CAP];
    size_t head, count;
    bool closed;
};

struct scan;

struct worker {
    struct scan *sc;
    pthread_t thread;
    bool started;
    struct sw_producer *prod; /* owned by the router */
    struct sw_yara_scanner *ys; /* owned */
    magic_t magic;            /* owned; NULL when libmagic could not load */
    struct sw_scan_counts c;  /* this thread's counters */
    uid_t last_uid;
    char last_owner[64];
};

struct scan {
    struct queue q;
    const struct sw_yara_rules *rules; /* borrowed */
    const struct sw_ioc_set *ioc;      /* borrowed: IOC lists (*.sha256) of the rules dir */
    struct sw_yara_limits lim;
    uint64_t max_size;
    bool all;
    struct worker *w; /* owned, n entries */
    unsigned n;
    _Atomic uint64_t done; /* files finished, for the progress line */
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

/* --- queue --------------------------------------------------------------------------------- */

static bool
queue_push(struct queue *q, char *path, bool via_link)
{
    pthread_mutex_lock(&q->mu);
    while (q->count == QUEUE_CAP)
        pthread_cond_wait(&q->not_full, &q->mu);
    q->slot[(q->head + q->count) % QUEUE_CAP] = (struct item){path, via_link};
    q->count++;
    pthread_cond_signal(&q->not_empty);
    pthread_mutex_unlock(&q->mu);
    return true;
}

/* false when the queue is closed and empty. */
static bool
queue_pop(struct queue *q, struct item *out)
{
    pthread_mutex_lock(&q->mu);
    while (q->count == 0 && !q->closed)
        pthread_cond_wait(&q->not_empty, &q->mu);
    if (q->count == 0) {
        pthread_mutex_unlock(&q->mu);
        return false;
    }
    *out = q->slot[q->head];
    q->head = (q->head + 1) % QUEUE_CAP;
    q->count--;
    pthread_cond_signal(&q->not_full);
    pthread_mutex_unlock(&q->mu);
    return true;
}

static void
queue_close(struct queue *q)
{
    pthread_mutex_lock(&q->mu);
    q->closed = true;
    pthread_cond_broadcast(&q->not_empty);
    pthread_mutex_unlock(&q->mu);
}

/* --- one file ------------------------------------------------------------------------------ */

static void
sha256_hex(const uint8_t *buf, size_t len, char out[65])
{
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int n = 0;
    static const char hex[] = "0123456789abcdef";

    out[0] = '\0';
    if (EVP_Digest(buf, len, md, &n, EVP_sha256(), NULL) != 1 || n != 32)
        return;
    for (unsigned i = 0; i < 32; i++) {
        out[2 * i] = hex[md[i] >> 4];
        out[2 * i + 1] = hex[md[i] & 15];
    }
    out[64] = '\0';
}

/* Read exactly size bytes of fd into buf. Returns 0, or -1 with errno; a file that shrank
 * or grew since fstat gives -1 with errno EAGAIN (a counted error: what was read is not
 * what the hash and the rules should see). */
static int
read_all(int fd, uint8_t *buf, size_t size)
{
    size_t got = 0;
    uint8_t extra;

    while (got < size) {
        ssize_t r = read(fd, buf + got, size - got);

        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0)
            return -1;
        if (r == 0) {
            errno = EAGAIN; /* shrank */
            return -1;
        }
        got += (size_t)r;
    }
    for (;;) {
        ssize_t r = read(fd, &extra, 1);

        if (r < 0 && errno == EINTR)
            continue;
        if (r != 0) {
            errno = r > 0 ? EAGAIN : errno; /* grew */
            return -1;
        }
        return 0;
    }
}

static void
owner_of(struct worker *w, uid_t uid, char *buf, size_t len)
{
    /* Files of one tree mostly share an owner: skip the passwd lookup then. */
    if (w->last_owner[0] == '\0' || w->last_uid != uid) {
        sw_yara_owner(uid, w->last_owner, sizeof(w->last_owner));
        w->last_uid = uid;
    }
    snprintf(buf, len, "%s", w->last_owner);
}

static void
scan_one(struct worker *w, const struct item *it)
{
    struct scan *sc = w->sc;
    int flags = O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK | (it->via_link ? 0 : O_NOFOLLOW);
    int fd = open(it->path, flags);
    struct stat st;
    uint8_t *buf = NULL;
    char owner[64];
    struct sw_yara_ext x;
    struct sw_file_part fi;
    struct sw_yara_scan_result res;
    struct sw_err err;

    if (fd == -1) {
        if (errno == ELOOP) {
            w->c.skipped_symlink++; /* replaced by a symlink since the walk saw it */
        } else {
            w->c.errors++;
            SW_LOG_RATELIMIT(SW_LOG_WARNING, "%s: %s", it->path, strerror(errno));
        }
        return;
    }
    if (fstat(fd, &st) != 0) {
        w->c.errors++;
        SW_LOG_RATELIMIT(SW_LOG_WARNING, "%s: %s", it->path, strerror(errno));
        goto out;
    }
    if (!S_ISREG(st.st_mode)) {
        w->c.skipped_special++; /* replaced by a FIFO or device since the walk */
        goto out;
    }
    if ((uint64_t)st.st_size > sc->max_size) {
        w->c.skipped_size++;
        goto out;
    }
    /* Blocking reads from here: O_NONBLOCK only kept open() from hanging on a FIFO. */
    (void)fcntl(fd, F_SETFL, O_RDONLY);
    buf = sw_malloc(st.st_size > 0 ? (size_t)st.st_size : 1);
    if (buf == NULL) {
        w->c.errors++;
        SW_LOG_RATELIMIT(SW_LOG_WARNING, "%s: out of memory for %lld bytes", it->path,
                         (long long)st.st_size);
        goto out;
    }
    if (read_all(fd, buf, (size_t)st.st_size) != 0) {
        w->c.errors++;
        if (errno == EAGAIN)
            SW_LOG_RATELIMIT(SW_LOG_WARNING, "%s: changed size while being read, not scanned",
                             it->path);
        else
            SW_LOG_RATELIMIT(SW_LOG_WARNING, "%s: %s", it->path, strerror(errno));
        goto out;
    }
    size_t len = (size_t)st.st_size;
    const struct sw_filetype *ft = sw_filetype_classify(buf, len);
    const char *mg = NULL;

    if (w->magic != NULL)
        mg = magic_buffer(w->magic, buf, len < MAGIC_BYTES ? len : MAGIC_BYTES);
    owner_of(w, st.st_uid, owner, sizeof(owner));
    memset(&fi, 0, sizeof(fi));
    fi.path = it->path;
    fi.size = len;
    sha256_hex(buf, len, fi.sha256);
    fi.magic = mg != NULL ? mg : ft->description;
    fi.owner = owner;
    fi.mode = st.st_mode;
    fi.uid = st.st_uid;
    fi.gid = st.st_gid;
    fi.mtime_s = st.st_mtim.tv_sec;
    sw_yara_ext_set(&x, it->path, ft->label, owner);
    w->c.files++;
    w->c.bytes += len;
    enum sw_rc rc = sw_yara_scan_mem(w->ys, &x, &fi, buf, len, &w->prod->em, &res, &err);
    unsigned ioc_drops = 0;
    unsigned iocs = sw_ioc_check_file(sc->ioc, &fi, sw_clock_us(CLOCK_REALTIME), &w->prod->em,
                                      &ioc_drops);

    w->c.matches += res.matches + iocs;
    w->c.files_matched += res.matches + iocs > 0;
    w->c.errors += ioc_drops;
    w->c.too_many_matches += res.too_many;
    w->c.errors += res.drops;
    if (rc == SW_ELIMIT) {
        w->c.timeouts++;
        SW_LOG_RATELIMIT(SW_LOG_WARNING, "%s", err.msg);
    } else if (rc != SW_OK) {
        w->c.errors++;
        SW_LOG_RATELIMIT(SW_LOG_WARNING, "%s", err.msg);
    }
    if (sc->all) {
        struct timespec ts;

        clock_gettime(CLOCK_REALTIME, &ts);
        struct sw_event *ev = sw_yara_file_event_create(
            SW_EV_FILEINFO, (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u, &fi);
        if (ev != NULL)
            sw_emit(&w->prod->em, ev);
        else
            w->c.errors++;
    }
    sw_producer_kick(w->prod);
out:
    sw_free(buf);
    close(fd);
}

static void *
worker_main(void *arg)
{
    struct worker *w = arg;
    struct item it;

    while (queue_pop(&w->sc->q, &it)) {
        scan_one(w, &it);
        sw_free(it.path);
        atomic_fetch_add_explicit(&w->sc->done, 1, memory_order_relaxed);
    }
    sw_producer_close(w->prod);
    sw_eve_thread_fini();
    return NULL;
}

/* --- walking ------------------------------------------------------------------------------- */

struct walk_ctx {
    struct scan *sc;
    uint64_t queued;
    uint64_t errors; /* main thread's own: paths it could not queue */
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
            (unsigned long long)atomic_load(&wc->sc->done), (unsigned long long)wc->queued,
            final ? "\n" : "");
}

static bool
on_file(void *ctx, const char *path, bool via_link)
{
    struct walk_ctx *wc = ctx;
    char *p = sw_strdup(path);

    if (p == NULL) {
        wc->errors++;
        return true;
    }
    queue_push(&wc->sc->q, p, via_link);
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

static unsigned
cpu_count(void)
{
    long n = sysconf(_SC_NPROCESSORS_ONLN);

    if (n < 1)
        return 1;
    return n > SW_YARA_MAX_THREADS ? SW_YARA_MAX_THREADS : (unsigned)n;
}

static void
counts_add(struct sw_scan_counts *a, const struct sw_scan_counts *b)
{
    a->files += b->files;
    a->bytes += b->bytes;
    a->matches += b->matches;
    a->files_matched += b->files_matched;
    a->skipped_size += b->skipped_size;
    a->skipped_special += b->skipped_special;
    a->skipped_symlink += b->skipped_symlink;
    a->errors += b->errors;
    a->timeouts += b->timeouts;
    a->too_many_matches += b->too_many_matches;
}

struct scan_args {
    const char *rules_dir, *out, *cache_dir, *config;
    struct sw_cmd_sets sets;
    const char *excl[MAX_EXCLUDES];
    size_t n_excl;
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
            if (a->n_excl >= MAX_EXCLUDES) {
                sw_log_error("--exclude: more than %d globs", MAX_EXCLUDES);
                return 2;
            }
            a->excl[a->n_excl++] = optarg;
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

static struct sw_router *
make_router(const char *out, const char *host, struct sw_err *err)
{
    struct sw_cfg_sink sc = {
        .type = (char *)(uintptr_t)"file",
        .path = (char *)(uintptr_t)(out != NULL ? out : "-"),
        .types = SW_EV_ALL,
        .truncate = true,
        .follow = true, /* -o names a path on the command line: -o /dev/stdout works */
    };
    struct sw_eve_cfg eve = {.host = host};
    struct sw_sink **sinks = sw_calloc(1, sizeof(*sinks));

    if (sinks == NULL) {
        sw_err_set(err, SW_ENOMEM, "output: out of memory");
        return NULL;
    }
    sinks[0] = sw_sink_create(&sc, NULL, err);
    if (sinks[0] == NULL) {
        sw_free(sinks);
        return NULL;
    }
    return sw_router_create(&eve, NULL, sinks, 1, true, err);
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
    bool yara_up = false;

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
    router = make_router(a.out, host, &err);
    if (router == NULL)
        goto fail;

    sc.rules = rules;
    sc.ioc = ioc;
    sc.lim.max_strings = (unsigned)a.max_strings;
    sc.lim.string_bytes = (unsigned)a.string_bytes;
    sc.lim.timeout_s = (unsigned)(a.timeout_us / SW_USEC_PER_SEC);
    sc.max_size = a.max_size_set ? a.max_size : cfg->files.max_scan_size;
    sc.all = a.all;
    sc.n = a.threads != 0 ? (unsigned)a.threads : cpu_count();
    pthread_mutex_init(&sc.q.mu, NULL);
    pthread_cond_init(&sc.q.not_empty, NULL);
    pthread_cond_init(&sc.q.not_full, NULL);
    sc.w = sw_calloc(sc.n, sizeof(*sc.w));
    if (sc.w == NULL) {
        sw_err_set(&err, SW_ENOMEM, "scan: out of memory");
        goto fail;
    }
    for (unsigned i = 0; i < sc.n; i++) {
        struct worker *w = &sc.w[i];

        w->sc = &sc;
        w->prod = sw_router_add_producer(router, EVENT_RING, &err);
        if (w->prod == NULL)
            goto fail;
        w->ys = sw_yara_scanner_create(rules, &sc.lim, &err);
        if (w->ys == NULL)
            goto fail;
        w->magic = magic_open(MAGIC_NONE);
        if (w->magic != NULL && magic_load(w->magic, NULL) != 0) {
            sw_log_info("libmagic: %s; fileinfo.magic falls back to seawall's table",
                        magic_error(w->magic));
            magic_close(w->magic);
            w->magic = NULL;
        }
    }
    if (sw_router_start(router, &err) != SW_OK)
        goto fail;
    for (unsigned i = 0; i < sc.n; i++) {
        int e = pthread_create(&sc.w[i].thread, NULL, worker_main, &sc.w[i]);

        if (e != 0) {
            errno = e;
            sw_err_sys(&err, SW_EIO, "scan: starting thread %u", i);
            break;
        }
        sc.w[i].started = true;
    }
    /* Roots: the walk runs only if every thread started; the queue is closed either way. */
    const char *const *gl_cfg = (const char *const *)cfg->files.exclude.v;
    const char **globs = sw_calloc(a.n_excl + cfg->files.exclude.n + 1, sizeof(*globs));
    size_t n_globs = 0;

    if (globs != NULL) {
        for (size_t i = 0; i < cfg->files.exclude.n; i++)
            globs[n_globs++] = gl_cfg[i];
        for (size_t i = 0; i < a.n_excl; i++)
            globs[n_globs++] = a.excl[i];
    }
    struct sw_walk_opts wo = {.follow = a.follow, .one_fs = a.one_fs, .exclude = globs,
                              .n_exclude = n_globs};
    struct walk_ctx wc = {.sc = &sc, .tty = isatty(STDERR_FILENO) == 1};
    bool started = sc.w[sc.n - 1].started;

    unsigned bad_roots = 0;
    for (int i = optind; started && globs != NULL && i < argc; i++) {
        struct sw_err werr;

        if (sw_walk_run(argv[i], &wo, on_file, &wc, &wcnt, &werr) != SW_OK) {
            sw_log_error("%s", werr.msg);
            bad_roots++;
        }
    }
    queue_close(&sc.q);
    for (unsigned i = 0; i < sc.n; i++) {
        if (sc.w[i].started)
            pthread_join(sc.w[i].thread, NULL);
        else
            sw_producer_close(sc.w[i].prod);
    }
    progress(&wc, true);
    sw_free(globs);
    sw_router_stop(router);

    for (unsigned i = 0; i < sc.n; i++)
        counts_add(&total, &sc.w[i].c);
    total.dirs = wcnt.dirs;
    total.skipped_special += wcnt.skipped_special;
    total.skipped_symlink += wcnt.skipped_symlink;
    total.skipped_excluded += wcnt.skipped_excluded;
    total.skipped_other_fs += wcnt.skipped_other_fs;
    total.errors += wcnt.errors + wc.errors;
    total.elapsed_us = sw_clock_us(CLOCK_MONOTONIC) - t0;
    total.rule_files = ls.files + is.files;
    total.rule_files_failed = ls.files_failed + is.files_failed;
    total.rules = ls.rules;
    struct sw_file_part fp = {.has_scan = true, .scan = total, .path = "", .magic = "",
                              .owner = ""};
    struct sw_event *st = sw_yara_file_event_create(SW_EV_STATS, sw_clock_us(CLOCK_REALTIME), &fp);
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
    if (sc.w != NULL && router != NULL) {
        /* Threads never started here: close their producers so the router can stop. */
        for (unsigned i = 0; i < sc.n; i++)
            if (!sc.w[i].started && sc.w[i].prod != NULL)
                sw_producer_close(sc.w[i].prod);
    }
out:
    sw_router_destroy(router);
    if (sc.w != NULL) {
        for (unsigned i = 0; i < sc.n; i++) {
            sw_yara_scanner_destroy(sc.w[i].ys);
            if (sc.w[i].magic != NULL)
                magic_close(sc.w[i].magic);
        }
        sw_free(sc.w);
        pthread_mutex_destroy(&sc.q.mu);
        pthread_cond_destroy(&sc.q.not_empty);
        pthread_cond_destroy(&sc.q.not_full);
    }
    sw_yara_rules_destroy(rules);
    sw_ioc_destroy(ioc);
    if (yara_up)
        sw_yara_fini();
    sw_eve_thread_fini();
    sw_cfg_free(cfg);
    return rc;
}
