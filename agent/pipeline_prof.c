/* pipeline_prof.c - the end of a profiled run: each worker's rows, then one table and one
 * rule_profile event for the whole run (see agent/pipeline_int.h). */
#include "pipeline_int.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "sw/alloc.h"
#include "sw/log.h"
#include "sw/router.h"

#include "pipeline_threads.h"

struct sw_rule_prof *
sw_pipeline_prof_take(const struct sw_net_worker *nw)
{
    struct sw_rule_prof *p = sw_rule_prof_create();

    if (p == NULL)
        return NULL;
    sw_net_worker_profile(nw, sw_rule_prof_add_cb, p);
    if (sw_rule_prof_count(p) == 0 && sw_rule_prof_lost(p) == 0) {
        sw_rule_prof_destroy(p);
        return NULL;
    }
    sw_rule_prof_thread(p);
    return p;
}

/* Append the run's table to rules.profile_file (Suricata's rule_perf.log): a line with the
 * time, then the table as seawall pcap prints it. The file is created 0640 if need be, never
 * through a symbolic link; a failure is logged (the event still goes out). */
static void
write_profile_file(const struct sw_rule_prof *all, const struct sw_config *cfg, uint64_t ts_us)
{
    const char *path = cfg->rules.profile_file;
    time_t t = (time_t)(ts_us / 1000000u);
    struct tm tm;
    char when[32] = "";
    FILE *fp;
    int fd;

    if (path == NULL || path[0] == '\0')
        return;
    fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY, 0640);
    fp = fd != -1 ? fdopen(fd, "a") : NULL;
    if (fp == NULL) {
        sw_log_error("rules.profile_file %s: %s: no rule profile written there", path,
                     strerror(errno));
        if (fd != -1)
            close(fd);
        return;
    }
    if (gmtime_r(&t, &tm) != NULL)
        strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm);
    fprintf(fp, "# seawall rule profile, %s\n", when);
    sw_rule_prof_print(all, cfg->rules.profiling_limit, fp);
    if (fclose(fp) != 0)
        sw_log_error("rules.profile_file %s: %s", path, strerror(errno));
}

struct sw_event *
sw_pipeline_prof_event(struct sw_rule_prof *const *tables, unsigned n, const struct sw_config *cfg,
                       uint64_t ts_us, bool always, FILE *table)
{
    struct sw_rule_prof *all;
    struct sw_event *ev;
    bool any = false;

    for (unsigned i = 0; i < n; i++)
        any = any || tables[i] != NULL;
    if (!any && !always)
        return NULL;
    all = sw_rule_prof_create();
    ev = all != NULL ? sw_event_create(SW_EV_RULE_PROFILE, ts_us) : NULL;
    if (ev == NULL) {
        sw_rule_prof_destroy(all);
        sw_log_error("rule profile: out of memory: no rule_profile event");
        return NULL;
    }
    for (unsigned i = 0; i < n; i++)
        sw_rule_prof_merge(all, tables[i]);
    sw_rule_prof_sort(all);
    if (table != NULL)
        sw_rule_prof_print(all, cfg->rules.profiling_limit, table);
    write_profile_file(all, cfg, ts_us);
    ev->u.profile.prof = all;
    ev->u.profile.limit = cfg->rules.profiling_limit;
    return ev;
}

void
sw_pipeline_write_profile(struct sw_pipeline *pl, const struct sw_config *cfg, uint64_t ts_us,
                          FILE *table)
{
    struct sw_rule_prof **t = sw_calloc(pl->n + 1u, sizeof(*t));
    struct sw_event *ev;

    if (t == NULL) {
        sw_log_error("rule profile: out of memory: no rule_profile event");
        return;
    }
    for (unsigned i = 0; i < pl->n; i++)
        t[i] = pl->w[i].prof;
    ev = sw_pipeline_prof_event(t, pl->n, cfg, ts_us, cfg->rules.profiling, table);
    sw_free(t);
    if (ev == NULL)
        return;
    sw_pipeline_stamp_host(ev, sw_det_current(&pl->det));
    sw_router_write(pl->router, ev);
}
