/* cmd_config.c - `seawall config check [-c FILE] [--set KEY=VALUE]...`. */
#include "sw/cmd.h"

#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "sw/config.h"
#include "sw/log.h"

#define DEFAULT_CONFIG "/etc/seawall/seawall.yaml"

static void
usage(FILE *fp)
{
    fprintf(fp, "usage: seawall config check [-c FILE] [--set KEY=VALUE]...\n"
                "Validate the configuration (default " DEFAULT_CONFIG ") and print every\n"
                "effective value, defaults marked; or print every error found as\n"
                "FILE:LINE:COLUMN: key: problem.\n"
                "Exit status: 0 valid, 2 invalid or usage error.\n");
    if (fp != stdout)
        return;
    /* Asked for help: the key reference, from the schema itself. */
    fprintf(fp, "\nKeys ((restart): a reload keeps the running value until a restart):\n");
    fflush(fp);
    sw_cfg_doc(fileno(fp));
}

int
sw_cmd_config(int argc, char **argv)
{
    static const struct option opts[] = {
        {"config", required_argument, NULL, 'c'},
        {"set", required_argument, NULL, 'S'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *path = DEFAULT_CONFIG;
    struct sw_cmd_sets sets = {.n = 0};
    struct sw_config *cfg;
    int c;

    if (argc < 2) {
        usage(stderr);
        return 2;
    }
    if (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0) {
        usage(stdout);
        return 0;
    }
    if (strcmp(argv[1], "check") != 0) {
        sw_log_error("config: unknown subcommand '%s' (see 'seawall config --help')", argv[1]);
        return 2;
    }
    argc--;
    argv++;
    optind = 1;
    while ((c = getopt_long(argc, argv, "c:h", opts, NULL)) != -1) {
        switch (c) {
        default: /* -c, --set, -h and unknown options */
            if ((c = sw_cmd_common_opt(c, optarg, &path, &sets, usage)) >= 0)
                return c;
            break;
        }
    }
    if (optind < argc) {
        sw_log_error("config check: unexpected argument '%s'", argv[optind]);
        return 2;
    }
    cfg = sw_cmd_load_config(path, sets.v, sets.n);
    if (cfg == NULL)
        return 2;
    fflush(stdout);
    sw_cfg_dump(cfg, STDOUT_FILENO);
    sw_cfg_free(cfg);
    return 0;
}
