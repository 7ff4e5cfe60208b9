/* cmd_run.c - `seawall run [-c FILE] [--set KEY=VALUE]...`: the daemon.
 *
 * Start-up order matters and is the one place privileges are handled:
 *   1. config, logging, rules (compiled as whoever starts us);
 *   2. with root's privileges: capture handles, output files, the control socket, the
 *      directories the unprivileged daemon writes to;
 *   3. drop to agent.user/agent.group with no capability left, then the seccomp filter;
 *   4. threads (capture, workers, output, control) — after the drop, since capabilities are
 *      per thread and a thread started before would keep them;
 *   5. READY=1 to systemd.
 * The main thread then only waits for signals and timers: SIGHUP reloads, SIGTERM/SIGINT
 * stop; every second it refreshes the status document and feeds the watchdog when every
 * thread made progress; every stats.interval it emits a stats event. */
#include "sw/cmd.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <linux/capability.h>
#include <grp.h>
#include <jansson.h>
#include <limits.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "sw/clock.h"
#include "sw/config.h"
#include "sw/control.h"
#include "sw/event.h"
#include "sw/eve.h"
#include "sw/filepipe.h"
#include "sw/ioc.h"
#include "sw/log.h"
#include "sw/notify.h"
#include "sw/pipeline.h"
#include "sw/priv.h"
#include "sw/sandbox.h"
#include "sw/stats.h"
#include "sw/version.h"
#include "sw/yara.h"

#include "cmd_run_int.h"

#define DEFAULT_CONFIG "/etc/seawall/seawall.yaml"
#define SNAPSHOT_WAIT_MS 500 /* how long the main thread waits for the threads' counters */
#define SWAP_WAIT_MS 3000    /* how long a reload waits for every worker to switch */

/* Everything the daemon's main thread owns. */
struct daemon {
    const char *config_path;
    struct sw_cmd_sets sets;
    struct sw_config *cfg;     /* owned: the running configuration (restart-only keys) */
    struct sw_pipeline *pl;    /* owned */
    struct sw_filepipe *fp;    /* owned; NULL without files.paths */
    struct sw_control *ctl;    /* owned */
    char host[256];
    uid_t uid;
    gid_t gid;
    char sock_path[PATH_MAX];
    /* rules currently running (for status and engine events) */
    struct sw_yara_load_stats rules;
    char rules_dir[PATH_MAX];
    uint64_t rules_loaded_us;
    uint64_t stats_interval_us; /* from the running detection set's config */
    uint64_t stop_timeout_us;   /* agent.stop_timeout, as last loaded (reloadable) */
    struct sw_stats_snap *last; /* owned: last complete snapshot, for status */
    uint64_t start_us;
    bool yara_ready; /* sw_yara_init() succeeded: sw_yara_fini() at exit */
};

static void
usage(FILE *fp)
{
    fprintf(fp,
            "usage: seawall run [-c FILE] [--set KEY=VALUE]...\n"
            "Run the agent in the foreground (systemd runs it as seawall.service): capture on\n"
            "network.interfaces, watch files.paths, detect, and write events to the configured\n"
            "outputs. READY=1 follows the start-up walk of the watched files.\n"
            "  -c, --config FILE    configuration (default " DEFAULT_CONFIG ")\n"
            "      --set KEY=VALUE  override a configuration key\n"
            "  -h, --help           this help\n"
            "Signals: SIGHUP reloads the configuration and rules (kept only if all of it\n"
            "loads) and reopens output files; SIGTERM or SIGINT stop: flows end with reason\n"
            "shutdown, queues drain, exit 0 within agent.stop_timeout.\n"
            "Exit status: 0 after a clean stop, 1 when capture failed while running, 2 when\n"
            "start-up failed (configuration, rules, interfaces, privileges).\n");
}

/* Under systemd, stderr is the journal when JOURNAL_STREAM names it (device:inode). */
static bool
stderr_is_journal(void)
{
    const char *js = getenv("JOURNAL_STREAM");
    unsigned long long dev, ino;
    struct stat sb;

    if (js == NULL || sscanf(js, "%llu:%llu", &dev, &ino) != 2 || fstat(2, &sb) != 0)
        return false;
    return (unsigned long long)sb.st_dev == dev && (unsigned long long)sb.st_ino == ino;
}

/* --- status and stats --------------------------------------------------------------------- */

static void
set_u64(json_t *o, const char *k, uint64_t v)
{
    json_object_set_new(o, k, json_integer((json_int_t)(v > INT64_MAX ? INT64_MAX : v)));
}

static void
format_time(uint64_t us, char *buf, size_t len)
{
    time_t s = (time_t)(us / 1000000u);
    struct tm tm;

    gmtime_r(&s, &tm);
    snprintf(buf, len, "%04d-%02d-%02dT%02d:%02d:%02d.%06u+0000",
             (tm.tm_year + 1900) % 10000, (tm.tm_mon + 1) % 100, tm.tm_mday % 100,
             tm.tm_hour % 100, tm.tm_min % 100, tm.tm_sec % 100, (unsigned)(us % 1000000u));
}

/* The document `seawall status` shows: built from the last snapshot. Caller owns it. */
static char *
status_document(struct daemon *d)
{
    const struct sw_stats_snap *s = d->last;
    json_t *doc = json_object(), *rules = json_object(), *ifs = json_array(),
           *ws = json_array(), *sinks = json_array(), *mem = json_object();
    char when[64];
    struct sw_sink_stats ks;
    char *text;

    json_object_set_new(doc, "version", json_string(SW_VERSION));
    set_u64(doc, "pid", (uint64_t)getpid());
    set_u64(doc, "uptime", (sw_clock_us(CLOCK_MONOTONIC) - d->start_us) / 1000000u);
    json_object_set_new(doc, "config", json_string(d->config_path));
    json_object_set_new(doc, "host", json_string(sw_pipeline_host(d->pl)));
    json_object_set_new(doc, "user", json_string(d->cfg->agent.user));
    json_object_set_new(doc, "seccomp", json_boolean(sw_sandbox_active()));
    set_u64(rules, "generation", sw_pipeline_generation(d->pl));
    format_time(d->rules_loaded_us, when, sizeof(when));
    json_object_set_new(rules, "loaded", json_string(when));
    json_object_set_new(rules, "dir", json_string(d->rules_dir));
    set_u64(rules, "files", d->rules.files);
    set_u64(rules, "rules", d->rules.rules);
    json_object_set_new(doc, "rules", rules);
    for (unsigned i = 0; s != NULL && i < s->n_ifaces; i++) {
        const struct sw_iface_stats *f = &s->iface[i];
        json_t *o = json_object();

        json_object_set_new(o, "name", json_string(f->name));
        set_u64(o, "received", f->received);
        set_u64(o, "kernel_drops", f->kernel_drops);
        set_u64(o, "if_drops", f->if_drops);
        set_u64(o, "ring_drops", f->ring_drops);
        set_u64(o, "packets", f->pkts);
        set_u64(o, "bytes", f->bytes);
        set_u64(o, "decode_errors", f->decode_errors);
        json_array_append_new(ifs, o);
    }
    json_object_set_new(doc, "interfaces", ifs);
    for (unsigned i = 0; s != NULL && i < s->n_workers; i++) {
        const struct sw_worker_stats *w = &s->worker[i];
        json_t *o = json_object();

        set_u64(o, "id", i);
        set_u64(o, "packets", w->pkts);
        set_u64(o, "flows_active", w->flows_active);
        set_u64(o, "flows_ended", w->flows_ended);
        set_u64(o, "flows_evicted", w->flows_evicted);
        set_u64(o, "alerts", w->alerts);
        set_u64(o, "event_drops", w->event_drops);
        json_array_append_new(ws, o);
    }
    json_object_set_new(doc, "workers", ws);
    for (size_t i = 0; sw_pipeline_sink(d->pl, i, &ks); i++) {
        json_t *o = json_object();

        json_object_set_new(o, "name", json_string(ks.name));
        for (size_t c = 0; c < sw_stats_n_sink_counters; c++)
            set_u64(o, sw_stats_sink_counters[c].name,
                    sw_stats_counter_value(&ks, &sw_stats_sink_counters[c]));
        json_object_set_new(o, "last_error", json_string(ks.last_error));
        if (ks.last_error_time != 0) {
            format_time(ks.last_error_time, when, sizeof(when));
            json_object_set_new(o, "last_error_time", json_string(when));
        } else {
            json_object_set_new(o, "last_error_time", json_null());
        }
        json_array_append_new(sinks, o);
    }
    json_object_set_new(doc, "sinks", sinks);
    if (s != NULL) {
        set_u64(doc, "events", s->output_events);
        set_u64(doc, "events_queued", s->output_queued);
        set_u64(doc, "event_drops", s->output_drops + s->total.event_drops);
        set_u64(mem, "flows", s->total.flow_memuse);
        set_u64(mem, "fragments", s->defrag.memuse);
        set_u64(mem, "streams", s->total.stream_reassembly_memuse);
    }
    json_object_set_new(doc, "memory", mem);
    if (d->fp != NULL) {
        json_t *fo = json_object(), *trees = json_array(), *sk = json_object();
        const struct sw_files_stats *f = s != NULL ? &s->files : NULL;
        const char *path, *how;

        for (size_t i = 0; sw_filepipe_tree(d->fp, i, &path, &how); i++) {
            json_t *t = json_object();

            json_object_set_new(t, "path", json_string(path));
            json_object_set_new(t, "source", json_string(how));
            json_array_append_new(trees, t);
        }
        json_object_set_new(fo, "trees", trees);
        json_object_set_new(fo, "ready", json_boolean(sw_filepipe_ready(d->fp)));
        if (f != NULL) {
            set_u64(fo, "events", f->events);
            set_u64(fo, "overflows", f->overflows);
            set_u64(fo, "rescans", f->rescans);
            set_u64(fo, "walks", f->walks);
            set_u64(fo, "watches", f->watches);
            set_u64(fo, "unwatched", f->unwatched);
            set_u64(fo, "files", f->files);
            set_u64(fo, "bytes", f->bytes);
            set_u64(fo, "scanned", f->scanned);
            set_u64(fo, "unchanged", f->unchanged);
            set_u64(fo, "matches", f->matches);
            set_u64(fo, "queued", f->queued);
            set_u64(fo, "fim_events", f->fim_events);
            for (size_t c = 0; c < sw_stats_n_files_skipped_counters; c++)
                set_u64(sk, sw_stats_files_skipped_counters[c].name,
                        sw_stats_counter_value(f, &sw_stats_files_skipped_counters[c]));
        }
        json_object_set_new(fo, "skipped", sk);
        json_object_set_new(doc, "files", fo);
    }
    text = json_dumps(doc, JSON_COMPACT);
    json_decref(doc);
    return text;
}

/* Refresh the snapshot; the previous one stays when a thread did not answer in time. */
static void
refresh(struct daemon *d)
{
    struct sw_stats_snap *s = sw_pipeline_snapshot(d->pl, SNAPSHOT_WAIT_MS);

    if (s == NULL)
        return;
    if (d->fp != NULL)
        sw_filepipe_stats(d->fp, s);
    sw_stats_snap_destroy(d->last);
    d->last = s;
}

static void
publish_status(struct daemon *d)
{
    char *doc = status_document(d);
    uint64_t pkts = 0, drops = 0;

    if (doc != NULL)
        sw_control_publish(d->ctl, doc); /* takes doc */
    for (unsigned i = 0; d->last != NULL && i < d->last->n_ifaces; i++) {
        pkts += d->last->iface[i].pkts;
        drops += d->last->iface[i].kernel_drops + d->last->iface[i].ring_drops;
    }
    if (d->fp != NULL && !sw_filepipe_ready(d->fp))
        sw_notify_status("starting: walking %zu watched tree(s): %llu entries so far",
                         d->cfg->files.paths.n,
                         (unsigned long long)(d->last != NULL ? d->last->files.walk_files : 0));
    else
        sw_notify_status("capturing on %zu interface(s): %llu packets, %llu dropped, %llu "
                         "alerts; %llu files scanned; rules generation %u",
                         d->cfg->network.n_interfaces, (unsigned long long)pkts,
                         (unsigned long long)drops,
                         (unsigned long long)(d->last != NULL ? d->last->total.alerts +
                                                                    d->last->files.matches
                                                              : 0),
                         (unsigned long long)(d->last != NULL ? d->last->files.files : 0),
                         sw_pipeline_generation(d->pl));
}

static void
emit_stats(struct daemon *d)
{
    struct sw_stats_snap *s = sw_pipeline_snapshot(d->pl, SNAPSHOT_WAIT_MS);
    struct sw_event *ev;

    if (s == NULL) {
        sw_log_warn("stats: a thread did not answer within %d ms; this interval is skipped",
                    SNAPSHOT_WAIT_MS);
        return;
    }
    if (d->fp != NULL)
        sw_filepipe_stats(d->fp, s);
    ev = sw_event_create(SW_EV_STATS, sw_clock_us(CLOCK_REALTIME));
    if (ev == NULL) {
        sw_stats_snap_destroy(s);
        return;
    }
    ev->u.stats = s;
    sw_pipeline_emit(d->pl, ev);
}

/* --- reload ------------------------------------------------------------------------------- */

/* What a reload found, for its log lines and its engine event. */
struct reload_report {
    char first[400]; /* first configuration or rule error */
    unsigned n;      /* configuration errors */
    char warning[400];
    const char *restart[SW_ENGINE_MAX_KEYS]; /* static: schema key paths */
    unsigned n_restart;
};

static void
engine_event(struct daemon *d, bool ok, const char *message, const char *error,
             const struct sw_yara_load_stats *ls, const struct reload_report *rr)
{
    struct sw_event *ev = sw_event_create(SW_EV_ENGINE, sw_clock_us(CLOCK_REALTIME));
    struct sw_engine *e;

    if (ev == NULL)
        return;
    e = &ev->u.engine;
    snprintf(e->module, sizeof(e->module), "reload");
    snprintf(e->message, sizeof(e->message), "%s", message);
    snprintf(e->error, sizeof(e->error), "%s", error);
    e->ok = ok;
    e->generation = sw_pipeline_generation(d->pl);
    e->rules = ls->rules;
    e->rule_files = ls->files;
    e->rule_files_failed = ls->files_failed;
    if (rr != NULL) {
        snprintf(e->warning, sizeof(e->warning), "%s", rr->warning);
        e->n_restart = rr->n_restart;
        for (unsigned i = 0; i < rr->n_restart && i < SW_ENGINE_MAX_KEYS; i++)
            e->restart[i] = rr->restart[i];
    }
    sw_pipeline_emit(d->pl, ev);
}

static void
report_cfg(void *ctx, const char *msg)
{
    struct reload_report *re = ctx;

    sw_log_error("reload: %s", msg);
    if (re->n++ == 0)
        snprintf(re->first, sizeof(re->first), "%s", msg);
}

static void
report_restart(void *ctx, const char *key)
{
    struct reload_report *rr = ctx;

    sw_log_warn("reload: %s changed: it takes effect on restart; the running value stays", key);
    if (rr->n_restart < SW_ENGINE_MAX_KEYS)
        rr->restart[rr->n_restart] = key; /* the schema's static string */
    rr->n_restart++;
}

/* The reloadable keys the daemon applies itself (the threads read theirs from the set). */
static void
apply_daemon_keys(struct daemon *d, const struct sw_config *cfg,
                  const struct sw_yara_load_stats *ls)
{
    snprintf(d->rules_dir, sizeof(d->rules_dir), "%s", cfg->rules.dir);
    sw_log_set_level((enum sw_log_level)cfg->agent.log_level);
    d->stats_interval_us = cfg->stats.interval;
    d->stop_timeout_us = cfg->agent.stop_timeout;
    d->rules = *ls;
    d->rules_loaded_us = sw_clock_us(CLOCK_REALTIME);
}

static void reload_completed(struct daemon *d);

/* SIGHUP: build the new detection set beside the running one; swap only if all of it
 * loaded, and say what runs afterwards. Output files are reopened either way (logrotate
 * sends SIGHUP too). */
static void
reload(struct daemon *d)
{
    struct reload_report rr;
    struct sw_yara_load_stats ls;
    struct sw_yara_rules *rules = NULL;
    struct sw_ioc_load_stats is;
    struct sw_ioc_set *ioc;
    struct sw_det_set *det;
    struct sw_config *cfg;
    char msg[400], why[SW_ERR_MSG_MAX];
    struct sw_err err;
    size_t rules_before;
    uint32_t gen_before, gen;
    enum sw_det_swap rc;

    memset(&rr, 0, sizeof(rr));
    if (sw_pipeline_settle(d->pl)) /* a pending swap completed since the last check */
        reload_completed(d);
    rules_before = d->rules.rules;
    gen_before = sw_pipeline_generation(d->pl);
    sw_notify_reloading();
    sw_log_notice("reload: %s", d->config_path);
    sw_pipeline_reopen(d->pl);
    memset(&ls, 0, sizeof(ls));
    cfg = sw_cfg_load(d->config_path, d->sets.v, d->sets.n, report_cfg, &rr, &err);
    if (cfg == NULL) {
        snprintf(msg, sizeof(msg), "reload failed: %u configuration error(s); generation %u "
                 "keeps running", rr.n ? rr.n : 1, gen_before);
        engine_event(d, false, msg, rr.n ? rr.first : err.msg, &d->rules, NULL);
        sw_log_error("%s", msg);
        goto done;
    }
    (void)sw_cfg_restart_changes(d->cfg, cfg, report_restart, &rr);
    rules = sw_run_load_rules(cfg, &ls, rr.first, &err);
    if ((rules == NULL && err.code != SW_OK) || ls.files_failed > 0) {
        if (rules == NULL && err.code != SW_OK) {
            sw_log_error("reload: %s", err.msg);
            snprintf(rr.first, sizeof(rr.first), "%.399s", err.msg);
        }
        snprintf(msg, sizeof(msg), "reload failed: %zu of %zu rule files did not compile; "
                 "generation %u keeps running", ls.files_failed, ls.files, gen_before);
        engine_event(d, false, msg, rr.first, &d->rules, NULL);
        sw_log_error("%s", msg);
        sw_yara_rules_destroy(rules);
        sw_cfg_free(cfg);
        goto done;
    }
    /* The IOC lists join the set: a list with a bad line refuses the reload, as a rule file
     * that does not compile does. */
    ioc = sw_run_load_iocs(cfg, &is, rr.first, &err);
    if (ioc == NULL || is.files_failed > 0) {
        if (ioc == NULL) {
            sw_log_error("reload: %s", err.msg);
            snprintf(rr.first, sizeof(rr.first), "%.399s", err.msg);
            snprintf(msg, sizeof(msg), "reload failed: %.300s; generation %u keeps running",
                     err.msg, gen_before);
        } else {
            snprintf(msg, sizeof(msg), "reload failed: %zu of %zu IOC lists have bad lines; "
                     "generation %u keeps running", is.files_failed, is.files, gen_before);
        }
        engine_event(d, false, msg, rr.first, &d->rules, NULL);
        sw_log_error("%s", msg);
        sw_ioc_destroy(ioc);
        sw_yara_rules_destroy(rules);
        sw_cfg_free(cfg);
        goto done;
    }
    if (ls.rules == 0 && rules_before > 0)
        snprintf(rr.warning, sizeof(rr.warning), "%s: no YARA rules (%zu before): stream and "
                 "HTTP-body YARA scanning is off", cfg->rules.dir, rules_before);
    det = sw_run_det_set(cfg, rules, rr.first, &err); /* takes cfg and rules */
    if (det == NULL) {
        sw_ioc_destroy(ioc);
        snprintf(msg, sizeof(msg), "reload failed: %.340s; generation %u keeps running",
                 err.msg, gen_before);
        engine_event(d, false, msg, err.msg, &d->rules, NULL);
        sw_log_error("%s", msg);
        goto done;
    }
    sw_det_set_add_ioc(det, ioc);
    /* Applied only with the set: a refused reload changes nothing. */
    cfg = det->cfg;
    rules = det->rules; /* borrowed from the set, as ioc is: valid while it runs */
    rc = sw_pipeline_swap(d->pl, det, SWAP_WAIT_MS, why, sizeof(why));
    gen = sw_pipeline_generation(d->pl);
    /* A set that runs (swapped or pending) also reaches the scan threads: they take their own
     * holds on its rules and IOC lists (the set may go before they do), then rescan what
     * changed recently (files.retro_hunt of the new config). */
    if (rc != SW_DET_REFUSED && d->fp != NULL)
        sw_filepipe_reload(d->fp, rules, ioc, cfg);
    switch (rc) {
    case SW_DET_SWAPPED:
        apply_daemon_keys(d, cfg, &ls);
        snprintf(msg, sizeof(msg), "reloaded: rules generation %u, %zu rules from %zu files",
                 gen, ls.rules, ls.files);
        sw_log_notice("%s", msg);
        engine_event(d, true, msg, "", &ls, &rr);
        break;
    case SW_DET_PENDING:
        /* Published: the threads that switched run it, the others will at their next batch;
         * "reload completed" follows then (see serve). */
        apply_daemon_keys(d, cfg, &ls);
        snprintf(msg, sizeof(msg), "reload pending: generation %u published, but %.200s; "
                 "it runs generation %u until it switches", gen, why, gen_before);
        sw_log_error("%s", msg);
        engine_event(d, false, msg, why, &ls, &rr);
        break;
    case SW_DET_REFUSED:
        snprintf(msg, sizeof(msg), "reload refused: %.250s; generation %u keeps running, "
                 "nothing was swapped", why, gen);
        sw_log_error("%s", msg);
        engine_event(d, false, msg, why, &d->rules, NULL);
        break;
    }
    if (rc != SW_DET_REFUSED && rr.warning[0] != '\0')
        sw_log_warn("reload: %s", rr.warning);
done:
    sw_notify_ready();
    publish_status(d);
}

/* A pending swap completed: every thread runs the current generation now. */
static void
reload_completed(struct daemon *d)
{
    char msg[400];

    snprintf(msg, sizeof(msg), "reload completed: every thread runs rules generation %u, %zu "
             "rules from %zu files", sw_pipeline_generation(d->pl), d->rules.rules,
             d->rules.files);
    sw_log_notice("%s", msg);
    engine_event(d, true, msg, "", &d->rules, NULL);
}

/* --- start-up ----------------------------------------------------------------------------- */

/* How often the main thread checks that every thread made progress (and feeds systemd's
 * watchdog): half the watchdog period, but never more often than every 2 s, so that threads
 * that beat once a second when idle always show progress between two checks. */
static uint64_t
watchdog_check_us(void)
{
    uint64_t wd_usec = sw_notify_watchdog_usec();

    return wd_usec / 2 > 2000000u ? wd_usec / 2 : 2000000u;
}

/* As root: a directory the unprivileged daemon owns (created when missing). The path may lie
 * in a folder agent.user owns (rules-cache in agent.state_dir), so it is opened with
 * O_NOFOLLOW and chowned through that descriptor: a symlink planted there is refused, never
 * followed to hand its target to agent.user. Returns false after one line naming it when it
 * is refused; a folder that cannot be made is a warning (what needs it fails later). */
static bool
own_dir(const char *path, uid_t uid, gid_t gid)
{
    struct stat sb;
    int fd;

    if (mkdir(path, 0750) != 0 && errno != EEXIST) {
        sw_log_warn("%s: %s", path, strerror(errno));
        return true; /* what needs it fails later, naming it */
    }
    fd = open(path, O_PATH | O_NOFOLLOW | O_CLOEXEC);
    if (fd == -1 || fstat(fd, &sb) != 0) {
        sw_log_warn("%s: %s", path, strerror(errno));
        if (fd != -1)
            close(fd);
        return true;
    }
    if (!S_ISDIR(sb.st_mode)) {
        sw_log_error("%s: %s: refused (it must be a folder)", path,
                     S_ISLNK(sb.st_mode) ? "is a symlink" : "not a folder");
        close(fd);
        return false;
    }
    if (fchownat(fd, "", uid, gid, AT_EMPTY_PATH) != 0)
        sw_log_warn("%s: chown: %s", path, strerror(errno));
    close(fd);
    return true;
}

/* As root: hand an output file the sink opened to agent.user, who reopens it after a
 * rotation. Opened again with O_NOFOLLOW as O_PATH (a FIFO or device is not opened for I/O)
 * and chowned through that descriptor, only when it is a regular file with one name: a
 * symlink or a hard link planted in agent.user's folder is refused (the sink already refused
 * them when it opened the path), anything else (/dev/null, a FIFO) is left alone. */
static bool
own_output(const char *path, uid_t uid, gid_t gid)
{
    int fd = open(path, O_PATH | O_NOFOLLOW | O_CLOEXEC);
    struct stat sb;
    bool ok = true;

    if (fd == -1 || fstat(fd, &sb) != 0) {
        sw_log_warn("%s: output file: chown: %s", path, strerror(errno));
        if (fd != -1)
            close(fd);
        return true;
    }
    if (S_ISLNK(sb.st_mode) || (S_ISREG(sb.st_mode) && sb.st_nlink > 1)) {
        sw_log_error("%s: output file %s: refused", path,
                     S_ISLNK(sb.st_mode) ? "is a symlink" : "has more than one name (hard links)");
        ok = false;
    } else if (S_ISREG(sb.st_mode) && fchownat(fd, "", uid, gid, AT_EMPTY_PATH) != 0) {
        sw_log_warn("%s: chown: %s", path, strerror(errno));
    }
    close(fd);
    return ok;
}

static bool
has_network_sink(const struct sw_config *cfg)
{
    for (size_t i = 0; i < cfg->n_outputs; i++)
        if (strcmp(cfg->outputs[i].type, "file") != 0 &&
            strcmp(cfg->outputs[i].type, "stdout") != 0)
            return true;
    return false;
}

static int
start(struct daemon *d)
{
    struct sw_yara_load_stats ls;
    struct sw_yara_rules *rules;
    struct sw_config *det_cfg;
    struct sw_det_set *det;
    char first[400] = "";
    struct sw_err err;
    char who[128];

    bool files = d->cfg->files.paths.n > 0;

    if (d->cfg->network.n_interfaces == 0 && !files) {
        sw_log_error("nothing to do: network.interfaces and files.paths are both empty");
        return 2;
    }
    if (sw_priv_lookup(d->cfg->agent.user, d->cfg->agent.group, &d->uid, &d->gid, &err) !=
        SW_OK) {
        sw_log_error("%s", err.msg);
        return 2;
    }
    if (sw_yara_init(&err) != SW_OK) {
        sw_log_error("%s", err.msg);
        return 2;
    }
    d->yara_ready = true;
    if (geteuid() == 0) {
        char cache[PATH_MAX];

        snprintf(cache, sizeof(cache), "%s/rules-cache", d->cfg->agent.state_dir);
        if (!own_dir(d->cfg->agent.state_dir, d->uid, d->gid) || !own_dir(cache, d->uid, d->gid))
            return 2;
        /* Network sinks keep their spools there, written by the unprivileged daemon. */
        if (has_network_sink(d->cfg) && !own_dir(d->cfg->spool.dir, d->uid, d->gid))
            return 2;
    }
    rules = sw_run_load_rules(d->cfg, &ls, first, &err);
    if (rules == NULL && err.code != SW_OK) {
        sw_log_error("%s", err.msg);
        return 2;
    }
    if (ls.files_failed > 0)
        sw_log_error("%s: %zu of %zu rule files failed to compile and were left out",
                     d->cfg->rules.dir, ls.files_failed, ls.files);
    /* libyara lets at most 32 threads scan one compiled set at a time. */
    if (rules != NULL && files &&
        (d->cfg->network.n_interfaces > 0 ? d->cfg->network.workers : 0) +
                d->cfg->files.scan_threads > SW_YARA_MAX_THREADS) {
        sw_log_error("files.scan_threads: %u scan threads and %u network workers share the "
                     "rules; at most %d threads can",
                     d->cfg->files.scan_threads, d->cfg->network.workers, SW_YARA_MAX_THREADS);
        sw_yara_rules_destroy(rules);
        return 2;
    }
    d->rules = ls;
    d->rules_loaded_us = sw_clock_us(CLOCK_REALTIME);
    snprintf(d->rules_dir, sizeof(d->rules_dir), "%s", d->cfg->rules.dir);
    d->stats_interval_us = d->cfg->stats.interval;
    d->stop_timeout_us = d->cfg->agent.stop_timeout;
    /* The detection set owns its own copy of the configuration: a reload replaces it while
     * d->cfg (restart-only keys) stays. */
    det_cfg = sw_cfg_load(d->config_path, d->sets.v, d->sets.n, NULL, NULL, &err);
    det = det_cfg != NULL ? sw_run_det_set(det_cfg, rules, NULL, &err) : NULL;
    if (det_cfg == NULL)
        sw_yara_rules_destroy(rules);
    if (det == NULL) {
        sw_log_error("%s", err.msg);
        return 2;
    }
    struct sw_ioc_load_stats is;
    struct sw_ioc_set *ioc = sw_run_load_iocs(d->cfg, &is, NULL, &err);

    if (ioc == NULL) {
        sw_log_error("%s", err.msg);
        sw_det_set_destroy(det);
        return 2;
    }
    if (is.files_failed > 0)
        sw_log_error("%s: %zu of %zu IOC lists have bad lines (left out)", d->cfg->rules.dir,
                     is.files_failed, is.files);
    sw_det_set_add_ioc(det, ioc);
    rules = det->rules; /* borrowed from the set, as ioc is: valid while it runs */
    d->pl = sw_pipeline_open(d->cfg, det, d->host, &err);
    if (d->pl == NULL) {
        sw_log_error("%s", err.msg);
        return 2;
    }
    /* fanotify's groups and filesystem marks need CAP_SYS_ADMIN: before the drop. */
    if (files) {
        d->fp = sw_filepipe_open(d->cfg, &err);
        if (d->fp == NULL) {
            sw_log_error("%s", err.msg);
            return 2;
        }
    }
    /* Under systemd's watchdog, YARA scans stay short enough for it; without, they keep
     * seawall scan's 60 s limit. */
    if (sw_notify_watchdog_usec() != 0)
        sw_log_notice("watchdog: progress checked every %llu ms; YARA scan time limit %u s",
                      (unsigned long long)(watchdog_check_us() / 1000u),
                      sw_pipeline_set_watchdog(d->pl, watchdog_check_us()));
    /* Output files are reopened after the drop (SIGHUP, rotation): the daemon's user must
     * own them. */
    for (size_t i = 0; geteuid() == 0 && i < d->cfg->n_outputs; i++) {
        const struct sw_cfg_sink *o = &d->cfg->outputs[i];

        if (strcmp(o->type, "file") == 0 && o->path != NULL && strcmp(o->path, "-") != 0 &&
            !own_output(o->path, d->uid, d->gid))
            return 2;
    }
    if (geteuid() == 0 && !own_dir(d->cfg->agent.run_dir, d->uid, d->gid))
        return 2;
    snprintf(d->sock_path, sizeof(d->sock_path), "%s/%s", d->cfg->agent.run_dir,
             SW_CONTROL_SOCKET_NAME);
    d->ctl = sw_control_open(d->sock_path, d->uid, d->gid, &err);
    if (d->ctl == NULL) {
        sw_log_error("%s", err.msg);
        return 2;
    }
    /* The file watcher keeps CAP_DAC_READ_SEARCH: walks, hashes and watches (inotify,
     * directory marks) reach every user's files. Reading fanotify's events needs nothing. */
    if (sw_priv_drop_keep(d->cfg->agent.user, d->cfg->agent.group,
                          files ? UINT64_C(1) << CAP_DAC_READ_SEARCH : 0, &err) != SW_OK) {
        sw_log_error("%s", err.msg);
        return 2;
    }
    /* Producers of the file side join the router before it starts; the baseline is opened
     * as the daemon's user (its files are the daemon's) and before the system-call filter
     * (SQLite's open takes a flock). */
    if (d->fp != NULL && sw_filepipe_prepare(d->fp, d->pl, rules, ioc, &err) != SW_OK) {
        sw_log_error("%s", err.msg);
        return 2;
    }
    if (d->cfg->agent.seccomp) {
        if (sw_sandbox_install_for(d->fp != NULL, has_network_sink(d->cfg), &err) != SW_OK) {
            sw_log_error("%s", err.msg);
            return 2;
        }
    } else {
        sw_log_warn("agent.seccomp is off: no system-call filter");
    }
    if (sw_pipeline_start(d->pl, &err) != SW_OK || sw_control_start(d->ctl, &err) != SW_OK) {
        sw_log_error("%s", err.msg);
        return 2;
    }
    if (d->fp != NULL && sw_filepipe_start(d->fp, &err) != SW_OK) {
        sw_log_error("%s", err.msg);
        return 2;
    }
    sw_priv_describe(who, sizeof(who));
    sw_log_notice("running: %zu interface(s), %u worker(s), %zu watched tree(s), %zu rules "
                  "from %zu files, %s%s",
                  d->cfg->network.n_interfaces,
                  d->cfg->network.n_interfaces > 0 ? d->cfg->network.workers : 0,
                  d->cfg->files.paths.n, ls.rules, ls.files, who,
                  d->cfg->agent.seccomp ? ", seccomp on" : "");
    return 0;
}

/* --- main loop ---------------------------------------------------------------------------- */

static int
serve(struct daemon *d, const sigset_t *sigs)
{
    uint64_t wd_usec = sw_notify_watchdog_usec();
    uint64_t wd_every = watchdog_check_us();
    uint64_t t = sw_clock_us(CLOCK_MONOTONIC);
    uint64_t next_status = t, next_wd = t + wd_every, next_stats = t + d->stats_interval_us;
    uint64_t next_extend = t;
    bool stalled = false, ready = false, reload_pending = false;
    struct sw_err err;
    char who[128];

    refresh(d);
    publish_status(d);
    (void)sw_pipeline_progress(d->pl, who, sizeof(who)); /* the baseline of the first check */
    if (d->fp != NULL)
        (void)sw_filepipe_progress(d->fp, who, sizeof(who));
    if (wd_usec != 0)
        sw_notify_watchdog();
    for (;;) {
        struct timespec tick = {0, 200000000};
        siginfo_t si;
        int sig;

        /* READY=1 once the start-up walk of the watched files is over: every mark and
         * watch is placed and the baseline compared. Until then systemd hears that start-up
         * goes on (EXTEND_TIMEOUT_USEC) while it does. */
        if (!ready && (d->fp == NULL || sw_filepipe_ready(d->fp))) {
            ready = true;
            refresh(d);
            publish_status(d);
            sw_notify_ready();
            if (d->fp != NULL)
                sw_log_notice("files: start-up walk done: READY");
            if (reload_pending) {
                reload_pending = false;
                reload(d);
            }
        }
        sig = sigtimedwait(sigs, &si, &tick);
        if (sig == SIGTERM || sig == SIGINT) {
            sw_log_notice("%s: stopping: flows end, queues drain, within %llu ms "
                          "(agent.stop_timeout)", sig == SIGTERM ? "SIGTERM" : "SIGINT",
                          (unsigned long long)(d->stop_timeout_us / 1000u));
            return 0;
        }
        if (sig == SIGHUP && !ready) {
            reload_pending = true; /* after the start-up walk */
        } else if (sig == SIGHUP) {
            reload(d);
            /* A shorter stats.interval counts from now, not after the longer one ran out. */
            t = sw_clock_us(CLOCK_MONOTONIC);
            if (next_stats > t + d->stats_interval_us)
                next_stats = t + d->stats_interval_us;
        }
        if (sw_pipeline_failed(d->pl, &err)) {
            sw_log_error("%s: capture stopped; exiting so that the service manager restarts "
                         "seawall", err.msg);
            return 1;
        }
        t = sw_clock_us(CLOCK_MONOTONIC);
        if (!ready && t >= next_extend) {
            next_extend = t + 5000000u;
            sw_notify_extend(30000000u);
        }
        if (t >= next_wd) {
            bool ok;

            next_wd = t + wd_every;
            ok = sw_pipeline_progress(d->pl, who, sizeof(who));
            if (d->fp != NULL && !sw_filepipe_progress(d->fp, who, sizeof(who)))
                ok = false;
            if (ok) {
                if (wd_usec != 0)
                    sw_notify_watchdog();
                if (stalled)
                    sw_log_notice("every thread makes progress again");
                stalled = false;
            } else if (!stalled) {
                sw_log_error("%s makes no progress%s", who,
                             wd_usec != 0 ? ": the watchdog is no longer fed" : "");
                stalled = true;
            }
        }
        if (t >= next_status) {
            next_status = t + 1000000u;
            if (sw_pipeline_settle(d->pl))
                reload_completed(d);
            refresh(d);
            publish_status(d);
        }
        if (t >= next_stats) {
            next_stats = t + d->stats_interval_us;
            emit_stats(d);
        }
    }
}

int
sw_cmd_run(int argc, char **argv)
{
    static const struct option opts[] = {
        {"config", required_argument, NULL, 'c'},
        {"set", required_argument, NULL, 'S'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    struct daemon d;
    sigset_t sigs;
    struct sw_err err;
    int c, rc;

    memset(&d, 0, sizeof(d));
    d.config_path = DEFAULT_CONFIG;
    optind = 1;
    while ((c = getopt_long(argc, argv, "c:h", opts, NULL)) != -1) {
        switch (c) {
        default: /* -c, --set, -h and unknown options */
            if ((c = sw_cmd_common_opt(c, optarg, &d.config_path, &d.sets, usage)) >= 0)
                return c;
            break;
        }
    }
    if (optind < argc) {
        sw_log_error("run: unexpected argument '%s' (see 'seawall run --help')", argv[optind]);
        return 2;
    }
    d.start_us = sw_clock_us(CLOCK_MONOTONIC);
    sw_log_setup(SW_LOG_NOTICE, stderr_is_journal() ? SW_LOG_MODE_JOURNAL : SW_LOG_MODE_STAMPED);
    d.cfg = sw_cfg_load(d.config_path, d.sets.v, d.sets.n, NULL, NULL, &err);
    if (d.cfg == NULL) {
        /* Every error, not just the first: the same report as `config check`. */
        struct sw_config *again = sw_cmd_load_config(d.config_path, d.sets.v, d.sets.n);

        sw_cfg_free(again);
        return 2;
    }
    sw_log_set_level((enum sw_log_level)d.cfg->agent.log_level);
    sw_cmd_host(d.cfg, d.host, sizeof(d.host));
    /* Signals are taken synchronously by the main thread: block them before any thread
     * exists so that every thread inherits the mask. */
    sigemptyset(&sigs);
    sigaddset(&sigs, SIGHUP);
    sigaddset(&sigs, SIGTERM);
    sigaddset(&sigs, SIGINT);
    pthread_sigmask(SIG_BLOCK, &sigs, NULL);
    {
        struct sigaction ign = {.sa_handler = SIG_IGN};

        sigaction(SIGPIPE, &ign, NULL); /* a vanished reader is an error return, not a death */
    }
    rc = start(&d);
    if (rc == 0)
        rc = serve(&d, &sigs);
    sw_notify_stopping();
    /* The file side first: its threads emit through the router the network side stops. */
    if (d.fp != NULL &&
        !sw_filepipe_stop(d.fp, sw_clock_us(CLOCK_MONOTONIC) + d.stop_timeout_us)) {
        sw_log_error("stopped without draining everything within agent.stop_timeout");
        sw_control_stop(d.ctl);
        _exit(rc == 0 ? 1 : rc);
    }
    if (d.pl != NULL && !sw_pipeline_stop(d.pl, d.stop_timeout_us)) {
        /* A worker is stuck: its memory is still in use, exit without freeing it. */
        sw_log_error("stopped without draining everything within agent.stop_timeout");
        sw_control_stop(d.ctl);
        _exit(rc == 0 ? 1 : rc);
    }
    sw_filepipe_destroy(d.fp);
    sw_pipeline_destroy(d.pl);
    sw_control_stop(d.ctl);
    sw_stats_snap_destroy(d.last);
    sw_cfg_free(d.cfg);
    if (d.yara_ready)
        sw_yara_fini();
    if (rc == 0)
        sw_log_notice("stopped");
    return rc;
}
