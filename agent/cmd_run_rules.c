/* cmd_run_rules.c - what `seawall run` loads at start-up and on every reload: the YARA rules,
 * the detection set around them (the other languages' rules of rules.dir) and the IOC lists
 * (see cmd_run_int.h). Main thread only; diagnostics go to the log. */
#include "cmd_run_int.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sw/ioc.h"
#include "sw/log.h"

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
struct sw_det_set *
sw_run_det_set(struct sw_config *cfg, struct sw_yara_rules *rules, char *first, struct sw_err *err)
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
        o.rules_path = NULL; /* said by sw_run_load_rules */
    return sw_det_set_create(cfg, &o, err);
}

/* Compile cfg's rules directory. A missing directory means no rules (logged), not an error;
 * first gets the first compile error (400 bytes). */
struct sw_yara_rules *
sw_run_load_rules(const struct sw_config *cfg, struct sw_yara_load_stats *ls, char *first,
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

static void
report_ioc(void *ctx, bool warning, const char *msg)
{
    char *first = ctx;

    if (warning) {
        sw_log_warn("%s", msg);
        return;
    }
    sw_log_error("%s", msg);
    if (first != NULL && first[0] == '\0')
        snprintf(first, 400, "%s", msg);
}

/* The IOC lists (*.sha256) of cfg's rules directory: none when it is missing. A bad line is
 * reported (first gets the first) and left out, counted in st->files_failed. */
struct sw_ioc_set *
sw_run_load_iocs(const struct sw_config *cfg, struct sw_ioc_load_stats *st, char *first,
                 struct sw_err *err)
{
    struct sw_ioc_set *s = sw_ioc_load(cfg->rules.dir, report_ioc, first, st, err);

    if (s != NULL && st->files > 0)
        sw_log_info("%s: %zu IOC hashes from %zu lists", cfg->rules.dir, st->hashes, st->files);
    return s;
}
