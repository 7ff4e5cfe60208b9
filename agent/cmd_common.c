/* cmd_common.c - helpers shared by subcommands (see include/sw/cmd.h). */
#include "sw/cmd.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sw/config.h"
#include "sw/log.h"

static void
report(void *ctx, const char *msg)
{
    (void)ctx;
    sw_log_error("%s", msg);
}

struct sw_config *
sw_cmd_load_config(const char *path, const char *const *sets, size_t n_sets)
{
    struct sw_err err;
    struct sw_config *cfg;

    sw_err_clear(&err);
    /* No file (NULL): the defaults, with the overrides applied through the same schema.
     * Every error was reported through report(). */
    cfg = sw_cfg_load(path, sets, n_sets, report, NULL, &err);
    return cfg;
}

bool
sw_cmd_sets_add(struct sw_cmd_sets *s, const char *arg)
{
    if (s->n >= SW_CMD_MAX_SETS) {
        sw_log_error("--set: more than %d overrides", SW_CMD_MAX_SETS);
        return false;
    }
    s->v[s->n++] = arg;
    return true;
}

int
sw_cmd_common_opt(int c, const char *arg, const char **config, struct sw_cmd_sets *sets,
                  void (*usage)(FILE *))
{
    switch (c) {
    case 'c':
        *config = arg;
        return -1;
    case 'S':
        return sw_cmd_sets_add(sets, arg) ? -1 : 2;
    case 'h':
        usage(stdout);
        return 0;
    default: /* getopt already named the unknown option or missing argument */
        usage(stderr);
        return 2;
    }
}

void
sw_cmd_rules_cache(const struct sw_config *cfg, char *buf, size_t len)
{
    const char *xdg = getenv("XDG_CACHE_HOME"), *home = getenv("HOME");

    (void)cfg;
    buf[0] = '\0';
    /* Never root's environment nor the daemon's agent.state_dir/rules-cache: that folder
     * belongs to agent.user, and a compiled rule set is code root would run. */
    if (geteuid() == 0)
        snprintf(buf, len, "%s", SW_CMD_ROOT_RULES_CACHE);
    else if (xdg != NULL && xdg[0] == '/')
        snprintf(buf, len, "%s/seawall/rules", xdg);
    else if (home != NULL && home[0] == '/')
        snprintf(buf, len, "%s/.cache/seawall/rules", home);
}

void
sw_cmd_host(const struct sw_config *cfg, char *buf, size_t len)
{
    if (cfg->agent.id != NULL && cfg->agent.id[0] != '\0') {
        snprintf(buf, len, "%s", cfg->agent.id);
        return;
    }
    if (gethostname(buf, len) != 0 || buf[0] == '\0')
        snprintf(buf, len, "seawall");
    buf[len - 1] = '\0';
}
