/* cmd_fim.c - `seawall fim check|update [PATH...]`: walk the watched paths, compare them
 * with the FIM baseline and write a fim event per difference (check), and record them
 * (update). The daemon runs the same baseline code at start-up and live.
 *
 * Threads, as in the daemon: the main thread walks (sw_fim_walk_run) and fills a bounded
 * queue of records (mutex and condition variables: a control-rate path, a file at a time);
 * N hashing threads take records, hash regular files through the descriptor they open
 * (attributes from fstat of that descriptor, so they describe the bytes hashed) and hand
 * each record to the fim thread through their own ring (sw_fim_submit_wait: nothing lost);
 * the fim thread owns the baseline and emits the events to the output thread. */
#include "sw/cmd.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sw/alloc.h"
#include "sw/batch.h"
#include "sw/clock.h"
#include "sw/config.h"
#include "sw/eve.h"
#include "sw/fim.h"
#include "sw/log.h"
#include "sw/parse.h"
#include "sw/router.h"

#define MAX_PATHS 256
#define MAX_JOBS 32
#define QUEUE_CAP 1024
#define FIM_RING 4096
#define EVENT_RING 4096

struct run;

struct hasher {
    struct run *r;
    unsigned idx; /* its ring in the fim service */
    pthread_t thread;
    bool started;
    uint64_t hashed, bytes, unhashed; /* this thread's counters */
};

struct run {
    struct sw_batch_queue q; /* of struct sw_fim_rec, owned while queued */
    struct sw_fim_service *svc; /* owned */
    struct hasher *h;           /* owned, n */
    unsigned n;
    uint64_t max_hash;          /* 0: no cap */
};

static void
usage(FILE *fp)
{
    fprintf(fp,
            "usage: seawall fim check|update [PATH...] [--db FILE] [-o OUT] [-j N]\n"
            "                  [--max-hash-size SIZE] [-x GLOB]... [--cross-file-systems]\n"
            "                  [-c CONFIG] [--set KEY=VALUE]... [-v]\n"
            "Walk PATH (default: files.paths), compare every file with the FIM baseline and\n"
            "write a fim event (EVE JSON) per difference: added, modified, attributes, moved,\n"
            "deleted.\n"
            "  check                  compare only; the baseline is not changed\n"
            "  update                 compare and record: the baseline takes the changes (the\n"
            "                         first update of a path records it without events)\n"
            "      --db FILE          the baseline (default: agent.state_dir/fim.db, the\n"
            "                         daemon's; update refuses while the daemon holds it)\n"
            "  -o, --output OUT       write events to OUT (default: standard output)\n"
            "  -j, --jobs N           hashing threads, 1..32 (default: the number of CPUs)\n"
            "      --max-hash-size SIZE  hash files up to SIZE only (default: all)\n"
            "  -x, --exclude GLOB     skip paths or base names matching GLOB (repeatable;\n"
            "                         files.exclude applies too)\n"
            "      --cross-file-systems  descend into other file systems (default: stay on\n"
            "                         the file system of each path, as files.one_filesystem;\n"
            "                         files.recursive false: the top directories' files only)\n"
            "  -c, --config FILE      configuration file\n"
            "      --set KEY=VALUE    override a configuration key\n"
            "  -v, --verbose          a summary and more messages on stderr\n"
            "Exit status: 0 no difference, 1 differences, 2 usage, configuration or\n"
            "baseline error (a path not yet in the baseline makes check exit 2).\n");
}

/* --- hashing ------------------------------------------------------------------------------- */

/* Hash a regular file through the descriptor we open; its fstat replaces the walk's lstat.
 * A file we cannot open or read keeps the walk's attributes and no hash. */
static void
hash_one(struct hasher *h, struct sw_fim_rec *rec)
{
    int flags = O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK | O_NOFOLLOW;
    int fd = open(rec->path, flags | O_NOATIME);
    struct stat st;

    if (fd == -1 && errno == EPERM) /* O_NOATIME: only for the owner or CAP_FOWNER */
        fd = open(rec->path, flags);
    if (fd == -1) {
        h->unhashed++;
        SW_LOG_RATELIMIT(SW_LOG_WARNING, "%s: %s: compared without its content", rec->path,
                         strerror(errno));
        return;
    }
    if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode)) {
        enum sw_rc rc;

        (void)fcntl(fd, F_SETFL, O_RDONLY); /* O_NONBLOCK only kept open() off FIFOs */
        sw_fim_attr_from_stat(&rec->a, &st);
        rc = sw_fim_hash_fd(fd, h->r->max_hash, rec->a.sha256);
        if (rc == SW_OK) {
            rec->a.has_sha256 = true;
            h->hashed++;
            h->bytes += rec->a.size;
        } else {
            h->unhashed++;
            if (rc != SW_ELIMIT)
                SW_LOG_RATELIMIT(SW_LOG_WARNING, "%s: read error: compared without its content",
                                 rec->path);
        }
    }
    close(fd);
}

static void *
hasher_main(void *arg)
{
    struct hasher *h = arg;
    struct sw_fim_rec *rec;

    while ((rec = sw_batch_queue_pop(&h->r->q)) != NULL) {
        if (rec->has_attr && S_ISREG(rec->a.mode))
            hash_one(h, rec);
        sw_fim_submit_wait(h->r->svc, h->idx, rec);
    }
    return NULL;
}

static bool
on_record(void *ctx, struct sw_fim_rec *rec)
{
    sw_batch_queue_push(&((struct run *)ctx)->q, rec);
    return true;
}

/* --- output -------------------------------------------------------------------------------- */

static void
kick(void *ctx)
{
    sw_producer_kick(ctx);
}

/* --- command ------------------------------------------------------------------------------- */

struct fim_args {
    bool update, verbose, cross_fs;
    const char *db, *out, *config;
    struct sw_cmd_sets sets;
    struct sw_batch_excludes excl;
    uint64_t jobs, max_hash;
};

static int
parse_args(int argc, char **argv, struct fim_args *a)
{
    static const struct option opts[] = {
        {"db", required_argument, NULL, 'D'},       {"output", required_argument, NULL, 'o'},
        {"jobs", required_argument, NULL, 'j'},     {"max-hash-size", required_argument, NULL, 'M'},
        {"exclude", required_argument, NULL, 'x'},  {"cross-file-systems", no_argument, NULL, 'X'},
        {"config", required_argument, NULL, 'c'},   {"set", required_argument, NULL, 'S'},
        {"verbose", no_argument, NULL, 'v'},        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    int c;

    if (argc < 2 || (strcmp(argv[1], "check") != 0 && strcmp(argv[1], "update") != 0)) {
        if (argc >= 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
            usage(stdout);
            return 0;
        }
        usage(stderr);
        return 2;
    }
    a->update = strcmp(argv[1], "update") == 0;
    optind = 2;
    while ((c = getopt_long(argc, argv, "o:j:x:c:vh", opts, NULL)) != -1) {
        switch (c) {
        case 'D':
            a->db = optarg;
            break;
        case 'o':
            a->out = optarg;
            break;
        case 'j':
            if (sw_parse_u64(optarg, 1, MAX_JOBS, &a->jobs) != SW_OK) {
                sw_log_error("--jobs: '%s' is not a number from 1 to %d", optarg, MAX_JOBS);
                return 2;
            }
            break;
        case 'M':
            if (sw_parse_size(optarg, &a->max_hash) != SW_OK || a->max_hash == 0) {
                sw_log_error("--max-hash-size: '%s' is not a size (e.g. 1GiB)", optarg);
                return 2;
            }
            break;
        case 'x':
            if (!sw_batch_exclude_add(&a->excl, optarg))
                return 2;
            break;
        case 'X':
            a->cross_fs = true;
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
    if (argc - optind > MAX_PATHS) {
        sw_log_error("fim: more than %d paths", MAX_PATHS);
        return 2;
    }
    return -1;
}

/* PATH made absolute against the working directory (symlinks not resolved), into buf. */
static bool
absolute(const char *p, char *buf, size_t len)
{
    char cwd[PATH_MAX];

    if (p[0] == '/')
        return snprintf(buf, len, "%s", p) < (int)len;
    if (getcwd(cwd, sizeof(cwd)) == NULL)
        return false;
    return snprintf(buf, len, "%s/%s", cwd, p) < (int)len;
}

int
sw_cmd_fim(int argc, char **argv)
{
    struct fim_args a = {0};
    struct sw_config *cfg = NULL;
    struct sw_router *router = NULL;
    struct sw_producer *prod = NULL;
    struct run r;
    struct sw_err err;
    char (*paths)[PATH_MAX] = NULL; /* owned: PATHs made absolute */
    const char *roots[MAX_PATHS];
    const char **globs = NULL; /* owned array; strings borrowed from cfg and argv */
    size_t n_roots = 0, n_globs = 0;
    char db[PATH_MAX], host[256];
    int rc = parse_args(argc, argv, &a);
    bool walk_ok = true, walking = false;

    if (rc >= 0)
        return rc;
    rc = 2;
    memset(&r, 0, sizeof(r));
    sw_err_clear(&err);
    cfg = sw_cmd_load_config(a.config, a.sets.v, a.sets.n);
    if (cfg == NULL)
        return 2;
    if (a.verbose)
        sw_log_setup(SW_LOG_INFO, SW_LOG_MODE_CLI);
    paths = sw_calloc(argc - optind + 1, sizeof(*paths));
    if (paths == NULL) {
        sw_log_error("fim: out of memory");
        goto out;
    }
    for (int i = optind; i < argc; i++) {
        if (!absolute(argv[i], paths[n_roots], sizeof(paths[0]))) {
            sw_log_error("%s: path too long", argv[i]);
            goto out;
        }
        roots[n_roots] = paths[n_roots];
        n_roots++;
    }
    if (n_roots == 0) {
        for (size_t i = 0; i < cfg->files.paths.n && i < MAX_PATHS; i++)
            roots[n_roots++] = cfg->files.paths.v[i];
        if (n_roots == 0) {
            sw_log_error("fim: no path given and files.paths is empty (see 'seawall fim --help')");
            goto out;
        }
    }
    globs = sw_batch_globs(cfg, a.excl.v, a.excl.n, &n_globs);
    if (globs == NULL) {
        sw_log_error("fim: out of memory");
        goto out;
    }
    if (a.db != NULL)
        snprintf(db, sizeof(db), "%s", a.db);
    else if (snprintf(db, sizeof(db), "%s/fim.db", cfg->agent.state_dir) >= (int)sizeof(db)) {
        sw_log_error("agent.state_dir: path too long");
        goto out;
    }
    uint64_t t0 = sw_clock_us(CLOCK_MONOTONIC);
    struct sw_fim_opts fo = {
        .db = db, .roots = roots, .n_roots = n_roots, .exclude = globs, .n_exclude = n_globs,
        .read_only = !a.update,
        /* With the configured paths the baseline is the daemon's view: rows of paths no
         * longer watched go. With paths given here, rows of other paths are left alone. */
        .prune = a.update && optind == argc,
    };
    struct sw_fim *f = sw_fim_open(&fo, &err);

    if (f == NULL)
        goto fail;
    bool unknown = false;

    for (size_t i = 0; i < n_roots; i++) {
        if (sw_fim_root_known(f, roots[i]))
            continue;
        unknown = true;
        if (a.update)
            sw_log_info("%s: not in the baseline yet: recorded without events", roots[i]);
        else
            sw_log_error("%s: not in the baseline (seawall fim update records it)", roots[i]);
    }
    sw_cmd_host(cfg, host, sizeof(host));
    /* -o names a path on the command line: followed like a shell redirect (-o /dev/stdout
     * works), as seawall scan and pcap do; only the daemon's configured outputs refuse
     * symlinks (output/sink_file.c says why). */
    router = sw_batch_router_create(a.out, host, true, &err);
    if (router == NULL) {
        sw_fim_close(f);
        goto fail;
    }
    prod = sw_router_add_producer(router, EVENT_RING, &err);
    if (prod == NULL) {
        sw_fim_close(f);
        goto fail;
    }
    r.n = a.jobs != 0 ? (unsigned)a.jobs : sw_batch_threads(MAX_JOBS);
    r.max_hash = a.max_hash;
    struct sw_fim_service_opts so = {.n_producers = r.n, .ring_size = FIM_RING, .em = &prod->em,
                                     .kick = kick, .kick_ctx = prod};

    r.svc = sw_fim_service_create(f, &so, &err); /* takes f */
    if (r.svc == NULL)
        goto fail;
    if (sw_router_start(router, &err) != SW_OK || sw_fim_service_start(r.svc, &err) != SW_OK)
        goto fail;
    if (sw_batch_queue_init(&r.q, QUEUE_CAP, &err) != SW_OK)
        goto fail;
    r.h = sw_calloc(r.n, sizeof(*r.h));
    if (r.h == NULL) {
        sw_err_set(&err, SW_ENOMEM, "fim: out of memory");
        goto fail;
    }
    if (sw_fim_service_walk_begin(r.svc, &err) != SW_OK)
        goto fail;
    walking = true;
    for (unsigned i = 0; i < r.n; i++) {
        int e;

        r.h[i] = (struct hasher){.r = &r, .idx = i};
        e = pthread_create(&r.h[i].thread, NULL, hasher_main, &r.h[i]);
        if (e != 0) {
            errno = e;
            sw_err_sys(&err, SW_EIO, "fim: starting thread %u", i);
            walk_ok = false;
            break;
        }
        r.h[i].started = true;
    }
    /* The daemon's walk rules, so that a check agrees with the baseline it keeps. */
    struct sw_fim_walk_opts wo = {.exclude = globs, .n_exclude = n_globs,
                                  .one_fs = !a.cross_fs && cfg->files.one_filesystem,
                                  .top_only = !cfg->files.recursive};
    struct sw_fim_walk_counts wc = {0};

    for (size_t i = 0; i < n_roots && walk_ok; i++) {
        struct sw_err werr;

        if (sw_fim_walk_run(roots[i], &wo, on_record, &r, &wc, &werr) != SW_OK) {
            /* A root that cannot be walked: nothing below it may be taken for deleted. */
            sw_log_error("%s", werr.msg);
            walk_ok = false;
        }
    }
    sw_batch_queue_close(&r.q);
    uint64_t hashed = 0, bytes = 0, unhashed = 0;

    for (unsigned i = 0; i < r.n; i++) {
        if (!r.h[i].started)
            continue;
        pthread_join(r.h[i].thread, NULL);
        hashed += r.h[i].hashed;
        bytes += r.h[i].bytes;
        unhashed += r.h[i].unhashed;
    }
    walking = false;
    if (sw_fim_service_walk_end(r.svc, walk_ok, &err) != SW_OK)
        goto fail;
    struct sw_fim_stats st;

    sw_fim_service_stop(r.svc);
    sw_fim_service_stats(r.svc, &st);
    sw_producer_close(prod);
    prod = NULL;
    sw_router_stop(router);
    sw_log_info("fim %s: %llu files in %zu paths (%llu hashed, %llu MB; %llu not hashed), "
                "%llu directories, %llu unreadable: %llu added, %llu modified, %llu attributes, "
                "%llu moved, %llu deleted; %llu rows; %.2f s",
                a.update ? "update" : "check", (unsigned long long)wc.entries, n_roots,
                (unsigned long long)hashed, (unsigned long long)(bytes >> 20),
                (unsigned long long)unhashed, (unsigned long long)wc.dirs,
                (unsigned long long)wc.unreadable, (unsigned long long)st.added,
                (unsigned long long)st.modified, (unsigned long long)st.attributes,
                (unsigned long long)st.moved, (unsigned long long)st.deleted,
                (unsigned long long)st.rows,
                (double)(sw_clock_us(CLOCK_MONOTONIC) - t0) / 1e6);
    if (st.db_errors > 0 || st.event_drops > 0)
        sw_log_error("%s: %llu baseline errors, %llu events lost", db,
                     (unsigned long long)st.db_errors, (unsigned long long)st.event_drops);
    if (!walk_ok || st.db_errors > 0 || st.event_drops > 0 || (unknown && !a.update))
        rc = 2;
    else
        rc = st.events > 0 ? 1 : 0;
    goto out;
fail:
    if (err.msg[0] != '\0')
        sw_log_error("%s", err.msg);
    rc = 2;
    if (walking) {
        sw_batch_queue_close(&r.q);
        for (unsigned i = 0; i < r.n; i++)
            if (r.h[i].started)
                pthread_join(r.h[i].thread, NULL);
    }
out:
    sw_fim_service_destroy(r.svc);
    if (prod != NULL)
        sw_producer_close(prod);
    sw_router_destroy(router); /* stops it first: every event already queued is written */
    sw_free(r.h);
    sw_batch_queue_fini(&r.q);
    sw_eve_thread_fini();
    sw_free(globs);
    sw_free(paths);
    sw_cfg_free(cfg);
    return rc;
}
