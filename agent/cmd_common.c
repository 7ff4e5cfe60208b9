/* cmd_common.c - helpers shared by subcommands (see include/sw/cmd.h). */
#include "sw/cmd.h"

#include <stdio.h>
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
    if (path != NULL) {
        cfg = sw_cfg_load(path, sets, n_sets, report, NULL, &err);
        return cfg; /* every error was reported */
    }
    /* No file: defaults, with --set overrides applied through the same schema. */
    cfg = sw_cfg_load(NULL, sets, n_sets, report, NULL, &err);
    return cfg;
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
