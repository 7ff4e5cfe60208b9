/* main.c - the seawall binary: dispatch to a subcommand. */
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "sw/cmd.h"
#include "sw/log.h"
#include "sw/version.h"

static void
usage(FILE *fp)
{
    fprintf(fp, "usage: seawall COMMAND [OPTIONS]\n"
                "Commands:\n"
                "  run            the daemon: live capture, detection, outputs (systemd)\n"
                "  pcap FILE...   analyse capture files, EVE JSON out\n"
                "  config check   validate the configuration, print effective values\n"
                "  scan PATH...   scan files with the YARA rules, EVE JSON out\n"
                "  rules check    compile every rule file, report errors and warnings\n"
                "  rules test PATH...  run rule regression tests (captures or files, checks)\n"
                "  status         ask the running daemon for its counters\n"
                "  --version      print the version\n"
                "  --help         this help; 'seawall COMMAND --help' for a command\n");
}

int
main(int argc, char **argv)
{
    struct sigaction ign = {.sa_handler = SIG_IGN};

    sw_log_setup(SW_LOG_NOTICE, SW_LOG_MODE_CLI);
    /* A file-size limit (ulimit -f) must be a write error the output counts and reports
     * (EFBIG), not a signal that kills seawall between two halves of a line. */
    sigaction(SIGXFSZ, &ign, NULL);
    if (argc < 2) {
        usage(stderr);
        return 2;
    }
    if (strcmp(argv[1], "--version") == 0 || strcmp(argv[1], "-V") == 0) {
        printf("seawall %s\n", SW_VERSION);
        return 0;
    }
    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
        usage(stdout);
        return 0;
    }
    if (strcmp(argv[1], "run") == 0)
        return sw_cmd_run(argc - 1, argv + 1);
    if (strcmp(argv[1], "pcap") == 0)
        return sw_cmd_pcap(argc - 1, argv + 1);
    if (strcmp(argv[1], "config") == 0)
        return sw_cmd_config(argc - 1, argv + 1);
    if (strcmp(argv[1], "scan") == 0)
        return sw_cmd_scan(argc - 1, argv + 1);
    if (strcmp(argv[1], "rules") == 0 && argc > 2 && strcmp(argv[2], "test") == 0)
        return sw_cmd_rules_test(argc - 2, argv + 2);
    if (strcmp(argv[1], "rules") == 0)
        return sw_cmd_rules(argc - 1, argv + 1);
    if (strcmp(argv[1], "status") == 0)
        return sw_cmd_status(argc - 1, argv + 1);
    sw_log_error("unknown command '%s' (see 'seawall --help')", argv[1]);
    return 2;
}
