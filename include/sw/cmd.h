/* cmd.h - subcommands of the seawall binary. Each takes the arguments after its name
 * (argv[0] is the subcommand) and returns the process exit code: 0 success, 1 findings or
 * failed checks where that is the point of the command, 2 usage or configuration error.
 * Main thread. */
#ifndef SW_CMD_H
#define SW_CMD_H

#include <stdbool.h>
#include <stdio.h>
#include <stddef.h>

int sw_cmd_pcap(int argc, char **argv);
int sw_cmd_config(int argc, char **argv);
/* `seawall scan PATH...`: YARA-scan files; 0 no match, 1 matches, 2 usage or rule errors. */
int sw_cmd_scan(int argc, char **argv);
/* `seawall rules check [DIR]`: compile every rule file; 0 all good, 1 any failed, 2 usage. */
int sw_cmd_rules(int argc, char **argv);
/* `seawall rules test PATH...`: run rule regression tests (agent/cmd_rules_test.c); 0 all
 * passed or skipped, 1 a test failed, 2 usage error or an unreadable test. */
int sw_cmd_rules_test(int argc, char **argv);
/* `seawall run [-c FILE] [--set KEY=VALUE]...`: the daemon (agent/cmd_run.c). */
int sw_cmd_run(int argc, char **argv);
/* `seawall status [--socket PATH] [--json]`: ask the running daemon over its control socket;
 * 0 printed, 2 usage error, no daemon or a bad reply. */
int sw_cmd_status(int argc, char **argv);

/* Shared by subcommands: load -c FILE (or defaults when NULL) with --set overrides, report
 * every error on stderr. Returns NULL after reporting. */
struct sw_config;
struct sw_config *sw_cmd_load_config(const char *path, const char *const *sets, size_t n_sets);

/* --set KEY=VALUE overrides gathered from the command line (borrowed argv strings). */
#define SW_CMD_MAX_SETS 64
struct sw_cmd_sets {
    const char *v[SW_CMD_MAX_SETS];
    size_t n;
};
/* Record one override; false, after one line on stderr, when there are too many. */
bool sw_cmd_sets_add(struct sw_cmd_sets *s, const char *arg);

/* The options every subcommand takes, as getopt_long returns them: 'c' (-c, --config FILE:
 * *config = arg), 'S' (--set KEY=VALUE: added to sets), 'h' (-h, --help: usage on stdout),
 * and anything else (an unknown option: usage on stderr). Returns -1 to go on parsing, or the
 * exit status to return now (0 for --help, 2 for an error). */
/* Where compiled rule sets are cached by the commands that load rules (scan, pcap --rules):
 * SW_CMD_ROOT_RULES_CACHE for root (never the daemon's agent.state_dir/rules-cache, which
 * agent.user owns), else $XDG_CACHE_HOME/seawall/rules or ~/.cache/seawall/rules; "" when
 * none applies. The loader uses an entry only if the folder and the entry belong to the
 * effective user and nobody else may write them (rules/yara_cache.c). */
#define SW_CMD_ROOT_RULES_CACHE "/var/cache/seawall/rules"
void sw_cmd_rules_cache(const struct sw_config *cfg, char *buf, size_t len);

int sw_cmd_common_opt(int c, const char *arg, const char **config, struct sw_cmd_sets *sets,
                      void (*usage)(FILE *));

/* EVE host: agent.id, else the host name. Writes into buf. */
void sw_cmd_host(const struct sw_config *cfg, char *buf, size_t len);

#endif
