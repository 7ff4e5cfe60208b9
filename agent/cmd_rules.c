/* cmd_rules.c - `seawall rules check [PATH]`: compile every rule file of PATH (default
 * rules.dir) with the backend of its language and report what does not load.
 *
 * Rule languages plug in through the backends table: a name, the file extensions it owns and
 * a check function that compiles a directory, prints one line per problem and its summary
 * line. YARA (*.yar, *.yara) and Suricata (*.rules). */
#include "sw/cmd.h"

#include <dirent.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "sw/config.h"
#include "sw/err.h"
#include "sw/log.h"
#include "sw/sig.h"
#include "sw/yara.h"

struct check_counts {
    size_t files, failed, rules, warnings;
    size_t left_out; /* suricata: rules with an unsupported keyword */
};

struct rule_backend {
    const char *name;
    const char *const *exts; /* NULL-terminated */
    /* Compile everything of this language below dir. Returns SW_OK when the directory
     * could be examined (failures are in the counts), else an error in err. */
    enum sw_rc (*check)(const char *dir, const struct sw_config *cfg, struct check_counts *c,
                        struct sw_err *err);
};

static void
print_diag(void *ctx, enum sw_yara_diag kind, const char *msg)
{
    (void)ctx;
    (void)kind;
    printf("%s\n", msg);
}

static enum sw_rc
check_yara(const char *dir, const struct sw_config *cfg, struct check_counts *c,
           struct sw_err *err)
{
    struct sw_yara_load_opts o = {.dir = dir, .cache_dir = NULL, .report = print_diag};

    (void)cfg;
    struct sw_yara_load_stats st;
    struct sw_yara_rules *r;

    if (sw_yara_init(err) != SW_OK)
        return err->code;
    r = sw_yara_load(&o, &st, err);
    if (r != NULL) {
        c->files = st.files;
        c->failed = st.files_failed;
        c->rules = st.rules;
        c->warnings = st.warnings;
    }
    sw_yara_rules_destroy(r);
    sw_yara_fini();
    return r != NULL ? SW_OK : err->code;
}

static void
print_sig_diag(void *ctx, enum sw_sig_diag kind, const char *msg)
{
    (void)ctx;
    (void)kind;
    printf("%s\n", msg);
}

/* Suricata rules: every *.rules below dir (or the one file), with the configuration's
 * variables; no cache (the prefilter is compiled, so a pattern Hyperscan refuses shows). */
static enum sw_rc
check_suricata(const char *dir, const struct sw_config *cfg, struct check_counts *c,
               struct sw_err *err)
{
    struct sw_sig_load_opts o = {.path = dir, .cfg = cfg, .report = print_sig_diag};
    struct sw_sig_load_stats st;
    struct sw_sig_set *s = sw_sig_load(&o, &st, err);

    if (s == NULL)
        return err->code;
    c->files = st.files;
    c->failed = st.failed + st.files_failed;
    c->rules = st.rules;
    c->left_out = st.left_out;
    c->warnings = st.warnings;
    for (size_t i = 0; i < st.n_top; i++)
        printf("suricata: left out for '%s': %zu rules\n", st.top[i].keyword, st.top[i].rules);
    sw_sig_set_destroy(s);
    return SW_OK;
}

static const char *const yara_exts[] = {".yar", ".yara", NULL};
static const char *const suricata_exts[] = {".rules", NULL};

static const struct rule_backend backends[] = {
    {"yara", yara_exts, check_yara},
    {"suricata", suricata_exts, check_suricata},
};

static bool
has_ext(const char *name, const char *const *exts)
{
    size_t n = strlen(name);

    for (size_t i = 0; exts[i] != NULL; i++) {
        size_t e = strlen(exts[i]);

        if (n > e && strcasecmp(name + n - e, exts[i]) == 0)
            return true;
    }
    return false;
}

/* Files of a language with no checker, at the top of dir. */
static size_t
count_files(const char *dir, const char *const *exts)
{
    DIR *d = opendir(dir);
    struct dirent *de;
    size_t n = 0;

    if (d == NULL)
        return 0;
    while ((de = readdir(d)) != NULL)
        if (de->d_name[0] != '.' && has_ext(de->d_name, exts))
            n++;
    closedir(d);
    return n;
}

static void
usage(FILE *fp)
{
    fprintf(fp, "usage: seawall rules check [DIR] [-c CONFIG] [--set KEY=VALUE]...\n"
                "Compile every rule file below DIR (default: rules.dir): YARA *.yar, *.yara.\n"
                "Prints each problem as path:line: message, warnings as\n"
                "path:line: warning: message, then a summary line per language.\n"
                "Exit status: 0 every file compiled (warnings allowed), 1 a file failed,\n"
                "2 usage error or DIR unreadable.\n");
}

int
sw_cmd_rules(int argc, char **argv)
{
    static const struct option opts[] = {
        {"config", required_argument, NULL, 'c'},
        {"set", required_argument, NULL, 'S'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *config = NULL;
    struct sw_cmd_sets sets = {.n = 0};
    int c, rc = 0;

    if (argc < 2 || strcmp(argv[1], "check") != 0) {
        if (argc >= 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
            usage(stdout);
            return 0;
        }
        usage(stderr);
        return 2;
    }
    argc--;
    argv++;
    optind = 1;
    while ((c = getopt_long(argc, argv, "c:h", opts, NULL)) != -1) {
        switch (c) {
        default: /* -c, --set, -h and unknown options */
            if ((c = sw_cmd_common_opt(c, optarg, &config, &sets, usage)) >= 0)
                return c;
            break;
        }
    }
    if (argc - optind > 1) {
        usage(stderr);
        return 2;
    }
    struct sw_config *cfg = NULL;
    const char *dir;

    /* With PATH the configuration is read only when named (-c, --set): the Suricata
     * variables then come from it, else from the built-in defaults. */
    if (optind >= argc || config != NULL || sets.n > 0) {
        cfg = sw_cmd_load_config(config, sets.v, sets.n);
        if (cfg == NULL)
            return 2;
    }
    dir = optind < argc ? argv[optind] : cfg->rules.dir;
    for (size_t i = 0; i < sizeof(backends) / sizeof(backends[0]); i++) {
        const struct rule_backend *b = &backends[i];
        struct check_counts cc = {0};
        struct sw_err err;

        sw_err_clear(&err);
        if (b->check == NULL) {
            size_t n = count_files(dir, b->exts);

            if (n > 0)
                printf("%s: %zu files not checked (no %s checker in this build)\n", b->name, n,
                       b->name);
            continue;
        }
        if (b->check(dir, cfg, &cc, &err) != SW_OK) {
            sw_log_error("%s", err.msg);
            rc = 2;
            break;
        }
        if (b->check == check_suricata)
            printf("%s: %zu files, %zu rules loaded, %zu left out, %zu failed\n", b->name,
                   cc.files, cc.rules, cc.left_out, cc.failed);
        else
            printf("%s: %zu files, %zu rules, %zu failed, %zu warnings\n", b->name, cc.files,
                   cc.rules, cc.failed, cc.warnings);
        if (cc.failed > 0 && rc == 0)
            rc = 1;
    }
    fflush(stdout);
    sw_cfg_free(cfg);
    return rc;
}
