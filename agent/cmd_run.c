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
#include "sw/log.h"
#include "sw/notify.h"
#include "sw/pipeline.h"
#include "sw/priv.h"
#include "sw/sandbox.h"
#include "sw/stats.h"
#include "sw/version.h"
#include "sw/yara.h"

#define DEFAULT_CONFIG "/etc/seawall/seawall.yaml"
#define SNAPSHOT_WAIT_MS 500 /* how long the main thread waits for the threads' counters */
#define SWAP_WAIT_MS 3000    /* how long a reload waits for every worker to switch */

/* Everything the daemon's main thread owns. */
struct daemon {
    const char *config_path;
    struct sw_cmd_sets sets;
    struct sw_config *cfg;     /* owned: the running configuration (restart-only keys) */
    struct sw_pipeline *pl;    /* owned */
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
            "network.interfaces, detect, and write events to the configured outputs.\n"
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

static void
report_rule(void *ctx, enum sw_yara_diag kind, const char *msg)
{
    char *first = ctx;

    if (kind == SW_YARA_DIAG_ERROR) {
        sw_log_error("%s", msg);
        if (first != NULL && first[0] == '\0')
            snprintf(first, 400, "%s", msg);
    } else {
        sw_log_warn("%s", msg);
    }
}

/* A diagnostic of a detector that loads its rules itself (Suricata rules), one line: an
 * error (the first kept in ctx, 400 bytes, as report_rule does), a warning or a rule left
 * out for a keyword this build does not support. */
static void
report_line(void *ctx, const char *line)
{
    bool minor = strstr(line, ": warning: ") != NULL || strstr(line, " not supported") != NULL;

    report_rule(ctx, minor ? SW_YARA_DIAG_WARNING : SW_YARA_DIAG_ERROR, line);
}

/* The compiled-rules cache of agent.user: a start-up as root compiles (a compiled set is code
 * the process runs, and agent.user can write that folder); reloads, which run as agent.user
 * after the drop, use it. NULL: no cache. */
static const char *
rules_cache(const struct sw_config *cfg, char *buf, size_t len)
{
    snprintf(buf, len, "%s/rules-cache", cfg->agent.state_dir);
    return geteuid() != 0 && access(buf, W_OK) == 0 ? buf : NULL;
}

/* A detection set of cfg (taken) and the YARA rules (taken) with the other languages' rules
 * of rules.dir; first as for report_rule. NULL and err on failure. */
static struct sw_det_set *
det_set(struct sw_config *cfg, struct sw_yara_rules *rules, char *first, struct sw_err *err)
{
    char cache[PATH_MAX];
    struct sw_det_set_opts o = {
        .yara = rules,
        .rules_path = cfg->rules.dir,
        .cache_dir = rules_cache(cfg, cache, sizeof(cache)),
        .report = report_line,
        .report_ctx = first,
    };
    struct stat sb;

    if (stat(cfg->rules.dir, &sb) != 0 && errno == ENOENT)
        o.rules_path = NULL; /* said by load_rules */
    return sw_det_set_create(cfg, &o, err);
}

/* Compile cfg's rules directory. A missing directory means no rules (logged), not an error;
 * first gets the first compile error (400 bytes). */
static struct sw_yara_rules *
load_rules(const struct sw_config *cfg, struct sw_yara_load_stats *ls, char *first,
           struct sw_err *err)
{
    char cache[PATH_MAX];
    struct sw_yara_load_opts lo = {.dir = cfg->rules.dir, .report = report_rule, .ctx = first};
    struct stat sb;

    memset(ls, 0, sizeof(*ls));
    sw_err_clear(err); /* NULL with no error: no rules */
    if (stat(cfg->rules.dir, &sb) != 0 && errno == ENOENT) {
        sw_log_warn("%s: no rules directory: running without YARA rules", cfg->rules.dir);
        return NULL;
    }
    lo.cache_dir = rules_cache(cfg, cache, sizeof(cache));
    return sw_yara_load(&lo, ls, err);
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
        set_u64(o, "queued", ks.queued);
        set_u64(o, "sent", ks.sent);
        set_u64(o, "acked", ks.acked);
        set_u64(o, "retried", ks.retried);
        set_u64(o, "failed", ks.failed);
        set_u64(o, "duplicates_possible", ks.duplicates_possible);
        set_u64(o, "spooled_events", ks.spooled_events);
        set_u64(o, "spooled_bytes", ks.spooled_bytes);
        set_u64(o, "spool_oldest_age", ks.spool_oldest_age);
        set_u64(o, "dropped_policy", ks.dropped_policy);
        set_u64(o, "truncated", ks.truncated);
        set_u64(o, "spool_errors", ks.spool_errors);
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
    sw_notify_status("capturing on %zu interface(s): %llu packets, %llu dropped, %llu "
                     "alerts; rules generation %u",
                     d->cfg->network.n_interfaces, (unsigned long long)pkts,
                     (unsigned long long)drops,
                     (unsigned long long)(d->last != NULL ? d->last->total.alerts : 0),
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
    rules = load_rules(cfg, &ls, rr.first, &err);
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
    if (ls.rules == 0 && rules_before > 0)
        snprintf(rr.warning, sizeof(rr.warning), "%s: no YARA rules (%zu before): stream and "
                 "HTTP-body YARA scanning is off", cfg->rules.dir, rules_before);
    det = det_set(cfg, rules, rr.first, &err); /* takes cfg and rules */
    if (det == NULL) {
        snprintf(msg, sizeof(msg), "reload failed: %.340s; generation %u keeps running",
                 err.msg, gen_before);
        engine_event(d, false, msg, err.msg, &d->rules, NULL);
        sw_log_error("%s", msg);
        goto done;
    }
    /* Applied only with the set: a refused reload changes nothing. */
    cfg = det->cfg;
    rc = sw_pipeline_swap(d->pl, det, SWAP_WAIT_MS, why, sizeof(why));
    gen = sw_pipeline_generation(d->pl);
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
    rules = load_rules(d->cfg, &ls, first, &err);
    if (rules == NULL && err.code != SW_OK) {
        sw_log_error("%s", err.msg);
        return 2;
    }
    if (ls.files_failed > 0)
        sw_log_error("%s: %zu of %zu rule files failed to compile and were left out",
                     d->cfg->rules.dir, ls.files_failed, ls.files);
    d->rules = ls;
    d->rules_loaded_us = sw_clock_us(CLOCK_REALTIME);
    snprintf(d->rules_dir, sizeof(d->rules_dir), "%s", d->cfg->rules.dir);
    d->stats_interval_us = d->cfg->stats.interval;
    d->stop_timeout_us = d->cfg->agent.stop_timeout;
    /* The detection set owns its own copy of the configuration: a reload replaces it while
     * d->cfg (restart-only keys) stays. */
    det_cfg = sw_cfg_load(d->config_path, d->sets.v, d->sets.n, NULL, NULL, &err);
    det = det_cfg != NULL ? det_set(det_cfg, rules, NULL, &err) : NULL;
    if (det_cfg == NULL)
        sw_yara_rules_destroy(rules);
    if (det == NULL) {
        sw_log_error("%s", err.msg);
        return 2;
    }
    d->pl = sw_pipeline_open(d->cfg, det, d->host, &err);
    if (d->pl == NULL) {
        sw_log_error("%s", err.msg);
        return 2;
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
    if (sw_priv_drop(d->cfg->agent.user, d->cfg->agent.group, &err) != SW_OK) {
        sw_log_error("%s", err.msg);
        return 2;
    }
    if (d->cfg->agent.seccomp) {
        if (sw_sandbox_install_net(has_network_sink(d->cfg), &err) != SW_OK) {
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
    sw_priv_describe(who, sizeof(who));
    sw_log_notice("running: %zu interface(s), %u worker(s), %zu rules from %zu files, %s%s",
                  d->cfg->network.n_interfaces, d->cfg->network.workers, ls.rules, ls.files,
                  who, d->cfg->agent.seccomp ? ", seccomp on" : "");
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
    bool stalled = false;
    struct sw_err err;
    char who[128];

    refresh(d);
    publish_status(d);
    (void)sw_pipeline_progress(d->pl, who, sizeof(who)); /* the baseline of the first check */
    sw_notify_ready();
    if (wd_usec != 0)
        sw_notify_watchdog();
    for (;;) {
        struct timespec one = {1, 0};
        siginfo_t si;
        int sig = sigtimedwait(sigs, &si, &one);

        if (sig == SIGTERM || sig == SIGINT) {
            sw_log_notice("%s: stopping: flows end, queues drain, within %llu ms "
                          "(agent.stop_timeout)", sig == SIGTERM ? "SIGTERM" : "SIGINT",
                          (unsigned long long)(d->stop_timeout_us / 1000u));
            return 0;
        }
        if (sig == SIGHUP) {
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
        if (t >= next_wd) {
            next_wd = t + wd_every;
            if (sw_pipeline_progress(d->pl, who, sizeof(who))) {
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
    if (d.pl != NULL && !sw_pipeline_stop(d.pl, d.stop_timeout_us)) {
        /* A worker is stuck: its memory is still in use, exit without freeing it. */
        sw_log_error("stopped without draining everything within agent.stop_timeout");
        sw_control_stop(d.ctl);
        _exit(rc == 0 ? 1 : rc);
    }
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
