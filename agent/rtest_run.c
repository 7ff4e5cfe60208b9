/* rtest_run.c - run one test of `seawall rules test` (see include/sw/rtest.h).
 *
 * The order: read test.yaml; collect every reason the test cannot run as written (requires,
 * skip, keys seawall does not honour, a suricata.yaml, arguments with no seawall meaning,
 * Suricata rules in a build without the signature engine); stage the rules; call the
 * command itself, sw_cmd_pcap or sw_cmd_scan, with the options a user would type (so the
 * run is `seawall pcap` or `seawall scan`, never a copy of them); read eve.json back and
 * apply the checks. A test that hits no reason and no failed check passes; one that hits
 * only reasons is skipped with them; the result says which.
 *
 * Meant for a child process made for the one test: it redirects this process's stdout and
 * stderr (the pipeline's messages are kept in OUT/stderr) and sets the test's environment. */
#include "sw/rtest.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sw/alloc.h"
#include "sw/cmd.h"
#include "sw/config.h"

#define PATH_LEN 4096
#define MAX_ARGS 512
#define STDERR_KEEP 40           /* lines of the pipeline's stderr kept in a result */
#define STDERR_MAX (1u << 20)    /* bytes of it read back */
#define RULE_FILE_MAX (16u << 20) /* a staged rule file (SW_YARA_MAX_SOURCE) */
#define MAX_STAGED 256
#define PROBE_MSG "seawall rules test probe"

/* Arguments of the pipeline call: owned strings. */
struct argv {
    char *v[MAX_ARGS + 1];
    int n;
    bool full;
};

static bool
av_add(struct argv *a, const char *s)
{
    if (a->n >= MAX_ARGS) {
        a->full = true;
        return false;
    }
    a->v[a->n] = sw_strdup(s);
    if (a->v[a->n] == NULL) {
        a->full = true;
        return false;
    }
    a->n++;
    return true;
}

static void
av_free(struct argv *a)
{
    for (int i = 0; i < a->n; i++)
        sw_free(a->v[i]);
    a->n = 0;
}

/* A staged rule file: where the pipeline reads it, and the path the user knows. */
struct staged {
    char *to, *from; /* owned */
};

struct run {
    const struct sw_rtest *t;
    const struct sw_rtest_run_opts *o;
    const char *dir, *out;
    json_t *res;     /* the result being built */
    json_t *reasons; /* array of {group, detail} */
    bool failed;     /* a failure recorded (definition or run) */
    char fail_msg[SW_ERR_MSG_MAX];
    struct argv sets;  /* --set KEY=VALUE from the test's args */
    struct argv extra; /* other pipeline options from the args */
    char rules_arg[PATH_LEN]; /* --rules, "" when none */
    char diag_prefix[PATH_LEN + 2]; /* rule diagnostics start with this */
    struct staged staged[MAX_STAGED];
    size_t n_staged;
    bool needs_sigs; /* Suricata-syntax rules among the rules */
    bool dry;        /* the test will not run: find the rules, copy nothing */
    char rule_error[2048]; /* the first rule diagnostic that is an error */
    bool staged_dir; /* rules_arg is OUT/rules (else the test's own rules folder) */
    bool ran;        /* the pipeline was called (a failure before is the test's own) */
    char input[PATH_LEN]; /* the capture */
    bool scan;
};

static void SW_PRINTF(3, 4)
reason(struct run *r, const char *group, const char *fmt, ...)
{
    json_t *o = json_object();
    char detail[512];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(detail, sizeof(detail), fmt, ap);
    va_end(ap);
    if (o == NULL)
        return;
    json_object_set_new(o, "group", json_string(group));
    json_object_set_new(o, "detail", json_string(detail));
    json_array_append_new(r->reasons, o);
}

static void SW_PRINTF(2, 3)
fail(struct run *r, const char *fmt, ...)
{
    va_list ap;

    if (r->failed)
        return;
    va_start(ap, fmt);
    vsnprintf(r->fail_msg, sizeof(r->fail_msg), fmt, ap);
    va_end(ap);
    r->failed = true;
}

static bool
join(char *buf, size_t len, const char *a, const char *b)
{
    int n;

    if (b[0] == '/')
        n = snprintf(buf, len, "%s", b);
    else
        n = snprintf(buf, len, "%s/%s", a, b);
    return n >= 0 && (size_t)n < len;
}

static bool
ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), m = strlen(suffix);

    return n >= m && strcasecmp(s + n - m, suffix) == 0;
}

static bool
is_rule_file(const char *name)
{
    return ends_with(name, ".rules") || ends_with(name, ".yar") || ends_with(name, ".yara");
}

/* --- gates ---------------------------------------------------------------------------------- */

static void
gate_definition(struct run *r, const char *name)
{
    const struct sw_rtest *t = r->t;
    const struct sw_rtest_env *env = r->o->env;
    struct sw_rtest_reason why;
    char path[PATH_LEN];
    struct stat st;

    for (size_t i = 0; i < t->unsupported.n; i++)
        reason(r, t->unsupported.v[i], "test.yaml:%u: %s", t->unsupported.line[i],
               t->unsupported.v[i]);
    if (!sw_rtest_requires_met(&t->req, env, r->dir, &why))
        reason(r, why.group, "%s", why.detail);
    if (t->skip_always)
        reason(r, "skip: true", "test.yaml:%u: skip: true", t->skip_line);
    for (size_t i = 0; i < t->n_skips; i++) {
        const struct sw_rtest_skip *s = &t->skips[i];
        const char *msg = s->msg != NULL ? s->msg : "skip condition met";

        if (s->feature != NULL && sw_rtest_has_feature(env, s->feature))
            reason(r, "skip: feature", "skip: feature %.64s: %.200s", s->feature, msg);
        else if (s->uid >= 0 && s->uid == env->uid)
            reason(r, "skip: uid", "skip: uid %lld: %.200s", s->uid, msg);
        else if (s->config)
            reason(r, "skip: config (Suricata configuration)",
                   "test.yaml:%u: skip: config: a condition on Suricata's configuration, "
                   "which seawall cannot evaluate",
                   s->line);
    }
    if (!sw_rtest_seawall_form(t)) {
        /* suricata-verify's conventions, for its own tests only */
        if (t->has_exit_code && t->exit_code != 0)
            reason(r, "exit-code: Suricata refusing to start",
                   "exit-code %lld: expects Suricata to refuse its input (seawall loads the "
                   "valid rules and goes on)",
                   t->exit_code);
        if (strstr(name, "ips") != NULL)
            reason(r, "IPS mode (test name with 'ips')",
                   "IPS mode (suricata-verify runs a test named with 'ips' with "
                   "--simulate-ips): seawall is a passive monitor");
    }
    if (join(path, sizeof(path), r->dir, "suricata.yaml") && stat(path, &st) == 0)
        reason(r, "suricata.yaml (a Suricata configuration)",
               "suricata.yaml: the test configures Suricata, which seawall cannot read");
}

/* Suricata's size syntax ("1mb", "4096"): bytes, or false. */
static bool
suricata_size(const char *s, unsigned long long *out)
{
    char *end;
    unsigned long long v;
    unsigned shift = 0;

    if (*s < '0' || *s > '9')
        return false;
    errno = 0;
    v = strtoull(s, &end, 10);
    if (errno != 0)
        return false;
    if (strcasecmp(end, "kb") == 0)
        shift = 10;
    else if (strcasecmp(end, "mb") == 0)
        shift = 20;
    else if (strcasecmp(end, "gb") == 0)
        shift = 30;
    else if (*end != '\0')
        return false;
    if (v > (~0ull >> shift))
        return false;
    *out = v << shift;
    return true;
}

static void
quiet(void *ctx, const char *msg)
{
    (void)ctx;
    (void)msg;
}

/* Is KEY=VALUE a seawall setting? (The loader knows the keys: an unknown one is the only
 * error that says so.) */
static bool
seawall_key(const char *set)
{
    struct sw_err err;
    struct sw_config *cfg = sw_cfg_load(NULL, &set, 1, quiet, NULL, &err);

    if (cfg != NULL) {
        sw_cfg_free(cfg);
        return true;
    }
    return strstr(err.msg, "unknown key") == NULL;
}

static void
map_set(struct run *r, const char *kv)
{
    const char *eq = strchr(kv, '=');
    char key[256], buf[512], group[320];
    unsigned long long n;

    if (eq == NULL || (size_t)(eq - kv) >= sizeof(key)) {
        reason(r, "--set without KEY=VALUE", "--set %.100s: not KEY=VALUE", kv);
        return;
    }
    memcpy(key, kv, (size_t)(eq - kv));
    key[eq - kv] = '\0';
    const char *val = eq + 1;

    if (strcmp(key, "stream.reassembly.depth") == 0) {
        if (!suricata_size(val, &n) || n == 0) {
            reason(r, "--set stream.reassembly.depth=0 (unlimited)",
                   "--set %.200s: seawall's network.stream.depth always has a limit", kv);
            return;
        }
        snprintf(buf, sizeof(buf), "network.stream.depth=%llu", n);
        av_add(&r->sets, buf);
    } else if (strcmp(key, "stream.midstream") == 0) {
        /* seawall always picks up sessions whose start it did not see */
        if (strcmp(val, "true") != 0 && strcmp(val, "yes") != 0)
            reason(r, "--set stream.midstream=false",
                   "--set %.200s: seawall always picks up mid-stream sessions", kv);
    } else if (strcmp(key, "stats.interval") == 0 && suricata_size(val, &n) && n > 0) {
        snprintf(buf, sizeof(buf), "stats.interval=%llus", n);
        av_add(&r->sets, buf);
    } else if (seawall_key(kv)) {
        av_add(&r->sets, kv);
    } else {
        snprintf(group, sizeof(group), "--set %.250s", key);
        reason(r, group, "--set %.250s: a Suricata setting with no seawall equivalent", key);
    }
}

/* args: each string split at white space, as run.py does. */
static void
gate_args(struct run *r)
{
    const struct sw_rtest *t = r->t;
    char *tok[MAX_ARGS];
    char *copy[SW_RTEST_MAX_ITEMS];
    size_t nt = 0, nc = 0;
    char group[160];

    for (size_t i = 0; i < t->args.n && nc < SW_RTEST_MAX_ITEMS; i++) {
        char *save = NULL, *p;

        copy[nc] = sw_strdup(t->args.v[i]);
        if (copy[nc] == NULL) {
            fail(r, "out of memory");
            break;
        }
        for (p = strtok_r(copy[nc], " \t\n\r\f\v", &save); p != NULL && nt < MAX_ARGS;
             p = strtok_r(NULL, " \t\n\r\f\v", &save))
            tok[nt++] = p;
        nc++;
    }
    for (size_t i = 0; i < nt; i++) {
        const char *a = tok[i], *next = i + 1 < nt ? tok[i + 1] : NULL;

        if (strcmp(a, "-k") == 0 && next != NULL) {
            i++;
            if (strcmp(next, "none") != 0)
                reason(r, "-k (checksum validation)",
                       "-k %.32s: seawall does not validate checksums (as with -k none)",
                       next);
        } else if (strcmp(a, "--set") == 0 && next != NULL) {
            i++;
            map_set(r, next);
        } else if (strncmp(a, "--set=", 6) == 0) {
            map_set(r, a + 6);
        } else if (strcmp(a, "--runmode") == 0 && next != NULL) {
            i++; /* threading only: the events are the same */
        } else if (strncmp(a, "--runmode=", 10) == 0) {
            continue;
        } else if (a[0] == '-' && a[1] == 'v' && strspn(a + 1, "v") == strlen(a + 1)) {
            continue; /* verbosity */
        } else if (strcmp(a, "--ndpi-dir") == 0 && next != NULL) {
            char path[PATH_LEN];

            i++;
            if (!join(path, sizeof(path), r->dir, next))
                fail(r, "--ndpi-dir: path too long");
            av_add(&r->extra, "--ndpi-dir");
            av_add(&r->extra, path);
        } else if (strcmp(a, "--simulate-ips") == 0) {
            reason(r, "argument --simulate-ips (IPS mode)",
                   "--simulate-ips: IPS mode, seawall is a passive monitor");
        } else if (strcmp(a, "--engine-analysis") == 0 || strcmp(a, "-T") == 0) {
            snprintf(group, sizeof(group), "argument %s (no traffic is run)", a);
            reason(r, group, "%s: Suricata's rule analysis, not a run over traffic", a);
        } else {
            snprintf(group, sizeof(group), "argument %.100s", a);
            reason(r, group, "argument %.100s: no seawall equivalent", a);
        }
    }
    for (size_t i = 0; i < nc; i++)
        sw_free(copy[i]);
    if (r->sets.full || r->extra.full)
        fail(r, "args: too many");
}

static bool
has_sig_rules(const char *dir, int depth)
{
    DIR *d = depth > 4 ? NULL : opendir(dir);
    struct dirent *de;
    bool found = false;
    unsigned seen = 0;

    if (d == NULL)
        return false;
    while (!found && (de = readdir(d)) != NULL && seen++ < 10000) {
        char path[PATH_LEN];
        struct stat st;

        if (de->d_name[0] == '.' || !join(path, sizeof(path), dir, de->d_name))
            continue;
        if (stat(path, &st) != 0)
            continue;
        if (S_ISDIR(st.st_mode))
            found = has_sig_rules(path, depth + 1);
        else
            found = S_ISREG(st.st_mode) && ends_with(de->d_name, ".rules");
    }
    closedir(d);
    return found;
}

static int
cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The rule files at the top of the test folder, sorted (caller frees). */
static size_t
discover_rules(struct run *r, char **names, size_t max)
{
    DIR *d = opendir(r->dir);
    struct dirent *de;
    size_t n = 0;

    if (d == NULL)
        return 0;
    while ((de = readdir(d)) != NULL) {
        char path[PATH_LEN];
        struct stat st;

        if (de->d_name[0] == '.' || !is_rule_file(de->d_name) ||
            !join(path, sizeof(path), r->dir, de->d_name) || stat(path, &st) != 0 ||
            !S_ISREG(st.st_mode))
            continue;
        if (n == max) {
            fail(r, "more than %zu rule files in the test folder", max);
            break;
        }
        names[n] = sw_strdup(de->d_name);
        if (names[n] == NULL) {
            fail(r, "out of memory");
            break;
        }
        n++;
    }
    closedir(d);
    qsort(names, n, sizeof(*names), cmp_str);
    return n;
}

static bool
copy_file(const char *from, const char *to)
{
    int in = open(from, O_RDONLY | O_CLOEXEC | O_NOCTTY), out = -1;
    char buf[65536];
    size_t total = 0;
    ssize_t n;
    bool ok = false;

    if (in == -1)
        return false;
    out = open(to, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    while (out != -1 && (n = read(in, buf, sizeof(buf))) > 0) {
        total += (size_t)n;
        if (total > RULE_FILE_MAX || write(out, buf, (size_t)n) != n)
            goto done;
    }
    ok = out != -1 && n == 0;
done:
    close(in);
    if (out != -1 && close(out) != 0)
        ok = false;
    return ok;
}

/* Copy rule file `from` (shown to the user as `shown`) into OUT/rules. */
static void
stage(struct run *r, const char *from, const char *shown)
{
    char to[PATH_LEN];
    const char *base = strrchr(from, '/');

    base = base != NULL ? base + 1 : from;
    if (ends_with(base, ".rules"))
        r->needs_sigs = true;
    if (r->dry)
        return;
    if (r->n_staged == MAX_STAGED || !join(to, sizeof(to), r->rules_arg, base)) {
        fail(r, "rules: too many files or too long a path");
        return;
    }
    for (size_t i = 0; i < r->n_staged; i++) {
        if (strcmp(r->staged[i].to, to) == 0) {
            fail(r, "rules: two rule files named %.200s", base);
            return;
        }
    }
    if (!copy_file(from, to)) {
        fail(r, "rules: %.200s: %s", shown,
             errno != 0 ? strerror(errno) : "cannot be read (or larger than 16 MiB)");
        return;
    }
    r->staged[r->n_staged].to = sw_strdup(to);
    r->staged[r->n_staged].from = sw_strdup(shown);
    if (r->staged[r->n_staged].to == NULL || r->staged[r->n_staged].from == NULL) {
        sw_free(r->staged[r->n_staged].to);
        sw_free(r->staged[r->n_staged].from);
        fail(r, "out of memory");
        return;
    }
    r->n_staged++;
}

static void
gate_rules(struct run *r)
{
    const struct sw_rtest *t = r->t;
    char *names[MAX_STAGED];
    size_t n = 0;
    char path[PATH_LEN];
    struct stat st;

    if (t->rules_set && t->rules.n == 1 && join(path, sizeof(path), r->dir, t->rules.v[0]) &&
        stat(path, &st) == 0 && S_ISDIR(st.st_mode)) {
        /* A rules folder is used as it is: its YARA includes and namespaces stay right. */
        snprintf(r->rules_arg, sizeof(r->rules_arg), "%s", path);
        snprintf(r->diag_prefix, sizeof(r->diag_prefix), "%s/", path);
        r->needs_sigs = has_sig_rules(path, 0);
        return;
    }
    if (!join(r->rules_arg, sizeof(r->rules_arg), r->out, "rules") ||
        (!r->dry && mkdir(r->rules_arg, 0755) != 0)) {
        fail(r, "%s/rules: %s", r->out, strerror(errno));
        return;
    }
    snprintf(r->diag_prefix, sizeof(r->diag_prefix), "%s/", r->rules_arg);
    r->staged_dir = true;
    if (t->rules_set) {
        for (size_t i = 0; i < t->rules.n && !r->failed; i++) {
            if (!join(path, sizeof(path), r->dir, t->rules.v[i]) || stat(path, &st) != 0) {
                fail(r, "test.yaml:%u: rules: %.200s does not exist", t->rules.line[i],
                     t->rules.v[i]);
            } else if (!S_ISREG(st.st_mode)) {
                fail(r, "test.yaml:%u: rules: %.200s: a folder must be the only entry",
                     t->rules.line[i], t->rules.v[i]);
            } else {
                stage(r, path, path);
            }
        }
        return;
    }
    n = discover_rules(r, names, MAX_STAGED);
    size_t n_sig = 0, first_sig = n;

    for (size_t i = 0; i < n; i++) {
        if (ends_with(names[i], ".rules")) {
            n_sig++;
            first_sig = first_sig == n ? i : first_sig;
        }
    }
    /* suricata-verify: two .rules files mean firewall.rules plus td.rules, more are an
     * error; "min8.0.1.rules" loads only from that version on. */
    if (n_sig == 2 && ends_with(names[first_sig], "firewall.rules"))
        reason(r, "firewall rules (firewall.rules)",
               "firewall.rules: Suricata's firewall mode, which seawall does not have");
    else if (n_sig >= 2)
        fail(r, "more than one .rules file in the test folder");
    for (size_t i = 0; i < n && !r->failed; i++) {
        bool ok = true;

        if (strncmp(names[i], "min", 3) == 0 && ends_with(names[i], ".rules")) {
            char ver[64];
            size_t len = strlen(names[i]) - 3 - 6;

            snprintf(ver, sizeof(ver), "%.*s", (int)(len < 63 ? len : 63), names[i] + 3);
            ok = sw_rtest_version_cmp(r->o->env->compat, ver, false, &ok) >= 0 && ok;
        }
        if (ok && join(path, sizeof(path), r->dir, names[i]))
            stage(r, path, path);
    }
    for (size_t i = 0; i < n; i++)
        sw_free(names[i]);
}

static void
gate_input(struct run *r)
{
    const struct sw_rtest *t = r->t;
    struct stat st;

    if (t->has_files && t->pcap != NULL) {
        fail(r, "test.yaml:%u: pcap and files: a test runs one of them", t->pcap_line);
        return;
    }
    if (t->has_files) {
        r->scan = true;
        return;
    }
    if (t->pcap != NULL) {
        if (!join(r->input, sizeof(r->input), r->dir, t->pcap) || stat(r->input, &st) != 0)
            fail(r, "test.yaml:%u: pcap %.200s does not exist", t->pcap_line, t->pcap);
        return;
    }
    if (t->pcap_false || t->req.pcap == 0) {
        reason(r, "no input (pcap: false)",
               "no capture (pcap: false): a rule-loading test, nothing for seawall to run");
        return;
    }
    DIR *d = opendir(r->dir);
    struct dirent *de;
    unsigned found = 0;

    while (d != NULL && (de = readdir(d)) != NULL) {
        if (de->d_name[0] == '.' ||
            (!ends_with(de->d_name, ".pcap") && !ends_with(de->d_name, ".pcapng")))
            continue;
        if (found++ == 0 && !join(r->input, sizeof(r->input), r->dir, de->d_name))
            fail(r, "path too long");
    }
    if (d != NULL)
        closedir(d);
    if (found > 1)
        fail(r, "more than one capture in the test folder: name one with pcap:");
    else if (found == 0)
        reason(r, "no capture in the test folder",
               "no pcap file in the test folder (and no files:)");
}

/* --- the run ---------------------------------------------------------------------------- */

static bool
write_inline(struct run *r, const struct sw_rtest_file *f, char *path, size_t len)
{
    char base[PATH_LEN];
    int fd;

    if (!join(base, sizeof(base), r->out, "inline") || !join(path, len, base, f->path))
        return false;
    if (mkdir(base, 0755) != 0 && errno != EEXIST)
        return false;
    /* mkdir -p of the name's folders (the name was checked: relative, no "..") */
    for (char *p = path + strlen(base) + 1; (p = strchr(p, '/')) != NULL; p++) {
        *p = '\0';
        int rc = mkdir(path, 0755);

        *p = '/';
        if (rc != 0 && errno != EEXIST)
            return false;
    }
    fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd == -1)
        return false;
    bool ok = write(fd, f->data, f->len) == (ssize_t)f->len;

    return close(fd) == 0 && ok;
}

static void
build_argv(struct run *r, struct argv *a, char *eve, size_t eve_len)
{
    const struct sw_rtest *t = r->t;
    char path[PATH_LEN];

    if (!join(eve, eve_len, r->out, "eve.json")) {
        fail(r, "path too long");
        return;
    }
    av_add(a, r->scan ? "scan" : "pcap");
    av_add(a, "-o");
    av_add(a, eve);
    av_add(a, r->scan ? "--threads" : "--workers");
    av_add(a, "1");
    av_add(a, "--no-cache");
    if (r->scan)
        av_add(a, "--all");
    /* A capture without rules runs without --rules, as a user would run it. */
    if (r->rules_arg[0] != '\0' && (r->scan || r->n_staged > 0 || !r->staged_dir)) {
        av_add(a, "--rules");
        av_add(a, r->rules_arg);
    }
    if (r->o->config != NULL) {
        av_add(a, "-c");
        av_add(a, r->o->config);
    }
    for (size_t i = 0; i < r->o->n_sets; i++) {
        av_add(a, "--set");
        av_add(a, r->o->sets[i]);
    }
    /* Alerts come from the test's rules, as in Suricata; nDPI's risks only when asked. */
    if (!r->scan && t->ndpi_risk != 1) {
        av_add(a, "--set");
        av_add(a, "ndpi.risk_exceptions.cidrs=[0.0.0.0/0, \"::/0\"]");
    }
    for (int i = 0; i < r->sets.n; i++) {
        av_add(a, "--set");
        av_add(a, r->sets.v[i]);
    }
    for (int i = 0; i < r->extra.n; i++)
        av_add(a, r->extra.v[i]);
    if (r->scan && r->extra.n > 0)
        fail(r, "--ndpi-dir: for a capture, not for files");
    if (!r->scan) {
        av_add(a, r->input);
    } else {
        bool inl = false;

        for (size_t i = 0; i < t->n_files && !r->failed; i++) {
            const struct sw_rtest_file *f = &t->files[i];

            if (f->is_inline) {
                if (!write_inline(r, f, path, sizeof(path)))
                    fail(r, "files: %.200s: cannot be written below %.200s/inline: %s",
                         f->path, r->out, strerror(errno));
                inl = true;
            } else if (!join(path, sizeof(path), r->dir, f->path) || access(path, F_OK) != 0) {
                fail(r, "test.yaml:%u: files: %.200s does not exist", f->line, f->path);
            } else {
                av_add(a, path);
            }
        }
        if (inl && join(path, sizeof(path), r->out, "inline"))
            av_add(a, path); /* the inline files, written above */
        if (t->n_files == 0)
            fail(r, "files: nothing to scan");
    }
    if (a->full)
        fail(r, "too many arguments");
}

static json_t *
command_line(const struct argv *a)
{
    char buf[8192];
    size_t n = 0;

    n += (size_t)snprintf(buf, sizeof(buf), "seawall");
    for (int i = 0; i < a->n && n < sizeof(buf); i++) {
        bool q = strpbrk(a->v[i], " \t\"'$[]*?;&|<>()") != NULL;

        n += (size_t)snprintf(buf + n, sizeof(buf) - n, q ? " '%s'" : " %s", a->v[i]);
    }
    return json_string(n < sizeof(buf) ? buf : "(too long)");
}

/* The pipeline's stderr: every line kept (the last STDERR_KEEP), rule diagnostics with the
 * staged paths turned back into the user's, and what they say. */
static void
read_stderr(struct run *r, const char *path, json_t *lines, bool *rule_errors)
{
    FILE *f = fopen(path, "re");
    char *line = NULL;
    size_t cap = 0, total = 0;
    ssize_t n;
    json_t *all = json_array();

    *rule_errors = false;
    while (f != NULL && all != NULL && (n = getline(&line, &cap, f)) > 0 &&
           (total += (size_t)n) <= STDERR_MAX) {
        char shown[2048];
        const char *msg = line;

        line[strcspn(line, "\n")] = '\0';
        if (strncmp(msg, "seawall: ", 9) == 0)
            msg += 9;
        snprintf(shown, sizeof(shown), "%s", msg);
        if (r->diag_prefix[0] != '\0' &&
            strncmp(msg, r->diag_prefix, strlen(r->diag_prefix)) == 0) {
            for (size_t i = 0; i < r->n_staged; i++) {
                size_t k = strlen(r->staged[i].to);

                if (strncmp(msg, r->staged[i].to, k) == 0 && msg[k] == ':') {
                    snprintf(shown, sizeof(shown), "%s%s", r->staged[i].from, msg + k);
                    break;
                }
            }
            if (strstr(shown, "not supported") != NULL || strstr(shown, "unsupported") != NULL)
                reason(r, "a rule keyword seawall does not support", "%s", shown);
            else if (strstr(shown, " warning: ") == NULL && !*rule_errors) {
                *rule_errors = true;
                snprintf(r->rule_error, sizeof(r->rule_error), "%s", shown);
            }
        } else if (r->rules_arg[0] != '\0' &&
                   strncmp(msg, r->rules_arg, strlen(r->rules_arg)) == 0 &&
                   msg[strlen(r->rules_arg)] == ':') {
            /* "DIR: N of M rule files failed to compile ...": the staged folder is ours */
            if (r->staged_dir)
                snprintf(shown, sizeof(shown), "%s (its rules)%s", r->dir,
                         msg + strlen(r->rules_arg));
            if (strstr(msg, "left out") != NULL && !*rule_errors) {
                *rule_errors = true;
                snprintf(r->rule_error, sizeof(r->rule_error), "%s", shown);
            }
        }
        json_array_append_new(all, json_string(shown));
    }
    free(line); /* getline's buffer */
    if (f != NULL)
        fclose(f);
    for (size_t i = json_array_size(all) > STDERR_KEEP ? json_array_size(all) - STDERR_KEEP
                                                       : 0;
         i < json_array_size(all); i++)
        json_array_append(lines, json_array_get(all, i));
    json_decref(all);
}

static void
run_pipeline(struct run *r)
{
    const struct sw_rtest *t = r->t;
    struct argv a = {.n = 0};
    char eve[PATH_LEN], errpath[PATH_LEN];
    struct sw_rtest_events ev;
    struct sw_err err;
    json_t *lines = json_array();
    bool rule_errors;
    int rc, fd;

    build_argv(r, &a, eve, sizeof(eve));
    json_object_set_new(r->res, "command", command_line(&a));
    if (r->failed || !join(errpath, sizeof(errpath), r->out, "stderr")) {
        fail(r, "path too long");
        goto out;
    }
    for (size_t i = 0; i < t->env.n; i++) {
        char *eq = strchr(t->env.v[i], '=');

        *eq = '\0'; /* parsed as NAME=VALUE */
        setenv(t->env.v[i], eq + 1, 1);
        *eq = '=';
    }
    fflush(stdout);
    fflush(stderr);
    fd = open(errpath, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd == -1 || dup2(fd, STDERR_FILENO) == -1) {
        fail(r, "%s: %s", errpath, strerror(errno));
        goto out;
    }
    close(fd);
    fd = open("/dev/null", O_WRONLY | O_CLOEXEC);
    if (fd != -1) {
        dup2(fd, STDOUT_FILENO);
        close(fd);
    }
    a.v[a.n] = NULL;
    r->ran = true;
    /* The command itself: its option parsing, rule loading and pipeline. */
    rc = r->scan ? sw_cmd_scan(a.n, a.v) : sw_cmd_pcap(a.n, a.v);
    fflush(stderr);
    json_object_set_new(r->res, "exit_code", json_integer(rc));
    read_stderr(r, errpath, lines, &rule_errors);
    json_object_set_new(r->res, "stderr", json_incref(lines));
    if (rule_errors && !(t->has_exit_code && t->exit_code != 0)) {
        fail(r, "rules did not load: %s", r->rule_error);
        goto out;
    }
    if (t->has_exit_code ? rc != t->exit_code : !(rc == 0 || (r->scan && rc == 1))) {
        char want[32];

        if (t->has_exit_code)
            snprintf(want, sizeof(want), "%lld", t->exit_code);
        else
            snprintf(want, sizeof(want), "%s", r->scan ? "0 or 1" : "0");
        fail(r, "seawall %s exited %d, expected %s", r->scan ? "scan" : "pcap", rc, want);
        goto out;
    }
    if (json_array_size(r->reasons) > 0)
        goto out; /* a rule was left out: the checks would not mean what they say */
    if (sw_rtest_events_read(eve, SW_RTEST_MAX_EVE, &ev, &err) != SW_OK) {
        fail(r, "%s", err.msg);
        goto out;
    }
    if (ev.bad > 0) {
        fail(r, "eve.json:%zu: not a JSON object (%zu such lines)", ev.first_bad, ev.bad);
    } else {
        /* seawall scan names files by their real path; a capture's bodies by their URL */
        char pre[4][PATH_LEN + 8], real[PATH_LEN];
        const char *strip[4] = {pre[0], pre[1], pre[2], pre[3]};
        struct sw_rtest_eval_ctx x = {.events = &ev, .env = r->o->env, .test_dir = r->dir,
                                      .strip = strip, .n_strip = 0};

        snprintf(pre[x.n_strip++], sizeof(pre[0]), "%s/", r->dir);
        snprintf(pre[x.n_strip++], sizeof(pre[0]), "%s/inline/", r->out);
        if (realpath(r->dir, real) != NULL)
            snprintf(pre[x.n_strip++], sizeof(pre[0]), "%s/", real);
        if (realpath(r->out, real) != NULL)
            snprintf(pre[x.n_strip++], sizeof(pre[0]), "%s/inline/", real);
        json_t *checks = sw_rtest_eval(t, &x);

        if (checks == NULL)
            fail(r, "out of memory");
        else
            json_object_set_new(r->res, "checks", checks);
    }
    sw_rtest_events_fini(&ev);
out:
    json_decref(lines);
    av_free(&a);
}

/* The verdict from the reasons, the failure and the checks. */
static void
conclude(struct run *r)
{
    json_t *checks = json_object_get(r->res, "checks");
    const char *first_failed = NULL, *first_label = NULL;
    size_t i;
    json_t *c;

    json_array_foreach(checks, i, c) {
        const char *res = json_string_value(json_object_get(c, "result"));
        json_t *why = json_object_get(c, "reason");

        if (res != NULL && strcmp(res, "failed") == 0 && first_failed == NULL) {
            first_failed = json_string_value(json_object_get(c, "message"));
            first_label = json_string_value(json_object_get(c, "check"));
        }
        if (res != NULL && strcmp(res, "skipped") == 0 && why != NULL)
            json_array_append(r->reasons, why);
    }
    if (r->failed) {
        json_object_set_new(r->res, "result", json_string("failed"));
        json_object_set_new(r->res, "reason", json_string(r->fail_msg));
    } else if (first_failed != NULL) {
        char why[1024];

        snprintf(why, sizeof(why), "%s: %s", first_label != NULL ? first_label : "check",
                 first_failed);
        json_object_set_new(r->res, "result", json_string("failed"));
        json_object_set_new(r->res, "reason", json_string(why));
    } else if (json_array_size(r->reasons) > 0) {
        json_t *first = json_array_get(r->reasons, 0);

        json_object_set_new(r->res, "result", json_string("skipped"));
        json_object_set(r->res, "reason", json_object_get(first, "detail"));
    } else {
        json_object_set_new(r->res, "result", json_string("ok"));
    }
    if (json_array_size(r->reasons) > 0)
        json_object_set(r->res, "reasons", r->reasons);
}

json_t *
sw_rtest_run(const char *dir, const char *name, const char *out,
             const struct sw_rtest_run_opts *o)
{
    struct run r = {.o = o, .dir = dir, .out = out};
    char path[PATH_LEN];
    struct sw_err err;
    struct sw_rtest *t = NULL;

    r.res = json_object();
    r.reasons = json_array();
    if (r.res == NULL || r.reasons == NULL) {
        json_decref(r.res);
        json_decref(r.reasons);
        return NULL;
    }
    json_object_set_new(r.res, "test", json_string(name));
    json_object_set_new(r.res, "path", json_string(dir));
    if (!join(path, sizeof(path), dir, "test.yaml")) {
        fail(&r, "%s: path too long", dir);
        goto done;
    }
    t = sw_rtest_load(path, &err);
    if (t == NULL) {
        fail(&r, "%s", err.msg);
        json_object_set_new(r.res, "error", json_true());
        goto done;
    }
    r.t = t;
    const char *base = strrchr(dir, '/');

    gate_definition(&r, base != NULL && base[1] != '\0' ? base + 1 : dir);
    gate_args(&r);
    /* Past this point a test that is skipped anyway is not judged for its input or its
     * rules (as suricata-verify checks requires first), but its rules are still looked at:
     * whether they need the signature engine belongs in its reasons. */
    r.dry = r.failed || json_array_size(r.reasons) > 0;
    bool was_failed = r.failed;

    gate_input(&r);
    r.dry = r.dry || r.failed || json_array_size(r.reasons) > 0;
    if (!r.failed)
        gate_rules(&r);
    if (r.dry && !was_failed && json_array_size(r.reasons) > 0)
        r.failed = false;
    if (!r.failed && r.needs_sigs && !o->env->signatures)
        reason(&r, "Suricata rules (*.rules): no signature engine in this build",
               "Suricata-syntax rules: this build's pipeline raises no alert from a *.rules "
               "file (the signature engine is not in it)");
    if (!r.failed && json_array_size(r.reasons) == 0)
        run_pipeline(&r);
done:
    if (r.failed && !r.ran)
        json_object_set_new(r.res, "error", json_true()); /* the test folder is at fault */
    conclude(&r);
    for (size_t i = 0; i < r.n_staged; i++) {
        sw_free(r.staged[i].to);
        sw_free(r.staged[i].from);
    }
    av_free(&r.sets);
    av_free(&r.extra);
    json_decref(r.reasons);
    sw_rtest_free(t);
    return r.res;
}

/* --- the signature probe ------------------------------------------------------------------- */

static bool
write_all(const char *path, const void *data, size_t len)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    bool ok;

    if (fd == -1)
        return false;
    ok = write(fd, data, len) == (ssize_t)len;
    return close(fd) == 0 && ok;
}

bool
sw_rtest_probe_signatures(const char *dir)
{
    /* One Ethernet/IPv4/UDP packet 10.255.0.1:40000 -> 10.255.0.2:9 with 13 bytes of data. */
    static const uint8_t pcap[] = {
        0xd4, 0xc3, 0xb2, 0xa1, 2, 0, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 0, 0, 1, 0,
        0, 0,
        /* record: ts 1700000000.0, 55 bytes */
        0x00, 0xf1, 0x53, 0x65, 0, 0, 0, 0, 55, 0, 0, 0, 55, 0, 0, 0,
        /* ethernet */
        2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1, 0x08, 0x00,
        /* ipv4: len 41, ttl 64, udp, checksum left 0 (seawall does not check it) */
        0x45, 0, 0, 41, 0, 1, 0, 0, 64, 17, 0, 0, 10, 255, 0, 1, 10, 255, 0, 2,
        /* udp: 40000 -> 9, len 21 */
        0x9c, 0x40, 0, 9, 0, 21, 0, 0,
        's', 'e', 'a', 'w', 'a', 'l', 'l', '-', 'p', 'r', 'o', 'b', 'e'};
    static const char rule[] =
        "alert udp any any -> any any (msg:\"" PROBE_MSG "\"; sid:1; rev:1;)\n";
    char pcap_path[PATH_LEN], rules[PATH_LEN], rule_path[PATH_LEN], eve[PATH_LEN];
    char err_path[PATH_LEN];
    struct sw_rtest_events ev;
    struct sw_err err;
    bool found = false;
    int fd;

    if (!join(pcap_path, sizeof(pcap_path), dir, "probe.pcap") ||
        !join(rules, sizeof(rules), dir, "rules") ||
        !join(rule_path, sizeof(rule_path), rules, "probe.rules") ||
        !join(eve, sizeof(eve), dir, "eve.json") ||
        !join(err_path, sizeof(err_path), dir, "stderr") || mkdir(rules, 0755) != 0 ||
        !write_all(pcap_path, pcap, sizeof(pcap)) ||
        !write_all(rule_path, rule, sizeof(rule) - 1))
        return false;
    char *argv[] = {"pcap", "-o", eve, "--workers", "1", "--no-cache", "--rules", rules,
                    pcap_path, NULL};

    fd = open(err_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd == -1 || dup2(fd, STDERR_FILENO) == -1)
        return false;
    close(fd);
    if (sw_cmd_pcap(9, argv) != 0)
        return false;
    if (sw_rtest_events_read(eve, SW_RTEST_MAX_EVE, &ev, &err) != SW_OK)
        return false;
    for (size_t i = 0; i < ev.n && !found; i++) {
        long long len;
        const json_t *sid = sw_rtest_find(ev.ev[i], "alert.signature_id", &len);
        const json_t *msg = sw_rtest_find(ev.ev[i], "alert.signature", &len);

        found = json_is_integer(sid) && json_integer_value(sid) == 1 && json_is_string(msg) &&
                strcmp(json_string_value(msg), PROBE_MSG) == 0;
    }
    sw_rtest_events_fini(&ev);
    return found;
}
