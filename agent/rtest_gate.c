/* rtest_gate.c - what decides, before a run, whether a test of `seawall rules test` can
 * run as written (see include/sw/rtest.h): its requires:, skip: and keys, its arguments
 * mapped to seawall options, its input, and its rules (found, staged for the run, and
 * whether they need the signature engine). Each thing seawall cannot honour becomes a skip
 * reason; each thing that makes the folder no usable test, a failure. Called by
 * agent/rtest_run.c in the test's own process. */
#include "sw/rtest.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "rtest_int.h"
#include "sw/alloc.h"
#include "sw/config.h"
#include "sw/io.h"

#define RULE_FILE_MAX (16u << 20) /* a staged rule file (SW_YARA_MAX_SOURCE) */

/* --- gates ---------------------------------------------------------------------------------- */

void
sw_rtest_gate_definition(struct rtest_run *r, const char *name)
{
    const struct sw_rtest *t = r->t;
    const struct sw_rtest_env *env = r->o->env;
    struct sw_rtest_reason why;
    char path[RT_PATH_LEN];
    struct stat st;

    for (size_t i = 0; i < t->unsupported.n; i++)
        sw_rtest_reason(r, t->unsupported.v[i], "test.yaml:%u: %s", t->unsupported.line[i],
                        t->unsupported.v[i]);
    if (!sw_rtest_requires_met(&t->req, env, r->dir, &why))
        sw_rtest_reason(r, why.group, "%s", why.detail);
    if (t->skip_always)
        sw_rtest_reason(r, "skip: true", "test.yaml:%u: skip: true", t->skip_line);
    for (size_t i = 0; i < t->n_skips; i++) {
        const struct sw_rtest_skip *s = &t->skips[i];
        const char *msg = s->msg != NULL ? s->msg : "skip condition met";

        if (s->feature != NULL && sw_rtest_has_feature(env, s->feature))
            sw_rtest_reason(r, "skip: feature", "skip: feature %.64s: %.200s", s->feature, msg);
        else if (s->uid >= 0 && s->uid == env->uid)
            sw_rtest_reason(r, "skip: uid", "skip: uid %lld: %.200s", s->uid, msg);
        else if (s->config)
            sw_rtest_reason(r, "skip: config (Suricata configuration)",
                            "test.yaml:%u: skip: config: a condition on Suricata's configuration, "
                            "which seawall cannot evaluate",
                            s->line);
    }
    if (!sw_rtest_seawall_form(t)) {
        /* suricata-verify's conventions, for its own tests only */
        if (t->has_exit_code && t->exit_code != 0)
            sw_rtest_reason(
                r, "exit-code: Suricata refusing to start",
                "exit-code %lld: expects Suricata to refuse its input (seawall loads the "
                "valid rules and goes on)",
                t->exit_code);
        if (strstr(name, "ips") != NULL)
            sw_rtest_reason(r, "IPS mode (test name with 'ips')",
                            "IPS mode (suricata-verify runs a test named with 'ips' with "
                            "--simulate-ips): seawall is a passive monitor");
    }
    if (sw_rtest_join(path, sizeof(path), r->dir, "suricata.yaml") && stat(path, &st) == 0)
        sw_rtest_reason(r, "suricata.yaml (a Suricata configuration)",
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
map_set(struct rtest_run *r, const char *kv)
{
    const char *eq = strchr(kv, '=');
    char key[256], buf[512], group[320];
    unsigned long long n;

    if (eq == NULL || (size_t)(eq - kv) >= sizeof(key)) {
        sw_rtest_reason(r, "--set without KEY=VALUE", "--set %.100s: not KEY=VALUE", kv);
        return;
    }
    memcpy(key, kv, (size_t)(eq - kv));
    key[eq - kv] = '\0';
    const char *val = eq + 1;

    if (strcmp(key, "stream.reassembly.depth") == 0) {
        if (!suricata_size(val, &n) || n == 0) {
            sw_rtest_reason(r, "--set stream.reassembly.depth=0 (unlimited)",
                            "--set %.200s: seawall's network.stream.depth always has a limit", kv);
            return;
        }
        snprintf(buf, sizeof(buf), "network.stream.depth=%llu", n);
        sw_rtest_av_add(&r->sets, buf);
    } else if (strcmp(key, "stream.midstream") == 0) {
        /* seawall always picks up sessions whose start it did not see */
        if (strcmp(val, "true") != 0 && strcmp(val, "yes") != 0)
            sw_rtest_reason(r, "--set stream.midstream=false",
                            "--set %.200s: seawall always picks up mid-stream sessions", kv);
    } else if (strcmp(key, "stats.interval") == 0 && suricata_size(val, &n) && n > 0) {
        snprintf(buf, sizeof(buf), "stats.interval=%llus", n);
        sw_rtest_av_add(&r->sets, buf);
    } else if (seawall_key(kv)) {
        sw_rtest_av_add(&r->sets, kv);
    } else {
        snprintf(group, sizeof(group), "--set %.250s", key);
        sw_rtest_reason(r, group, "--set %.250s: a Suricata setting with no seawall equivalent",
                        key);
    }
}

/* args: each string split at white space, as run.py does. */
void
sw_rtest_gate_args(struct rtest_run *r)
{
    const struct sw_rtest *t = r->t;
    char *tok[RT_MAX_ARGS];
    char *copy[SW_RTEST_MAX_ITEMS];
    size_t nt = 0, nc = 0;
    char group[160];

    for (size_t i = 0; i < t->args.n && nc < SW_RTEST_MAX_ITEMS; i++) {
        char *save = NULL, *p;

        copy[nc] = sw_strdup(t->args.v[i]);
        if (copy[nc] == NULL) {
            sw_rtest_fail(r, "out of memory");
            break;
        }
        for (p = strtok_r(copy[nc], " \t\n\r\f\v", &save); p != NULL && nt < RT_MAX_ARGS;
             p = strtok_r(NULL, " \t\n\r\f\v", &save))
            tok[nt++] = p;
        nc++;
    }
    for (size_t i = 0; i < nt; i++) {
        const char *a = tok[i], *next = i + 1 < nt ? tok[i + 1] : NULL;

        if (strcmp(a, "-k") == 0 && next != NULL) {
            i++;
            if (strcmp(next, "none") != 0)
                sw_rtest_reason(r, "-k (checksum validation)",
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
            char path[RT_PATH_LEN];

            i++;
            if (!sw_rtest_join(path, sizeof(path), r->dir, next))
                sw_rtest_fail(r, "--ndpi-dir: path too long");
            sw_rtest_av_add(&r->extra, "--ndpi-dir");
            sw_rtest_av_add(&r->extra, path);
        } else if (strcmp(a, "--simulate-ips") == 0) {
            sw_rtest_reason(r, "argument --simulate-ips (IPS mode)",
                            "--simulate-ips: IPS mode, seawall is a passive monitor");
        } else if (strcmp(a, "--engine-analysis") == 0 || strcmp(a, "-T") == 0) {
            snprintf(group, sizeof(group), "argument %s (no traffic is run)", a);
            sw_rtest_reason(r, group, "%s: Suricata's rule analysis, not a run over traffic", a);
        } else {
            snprintf(group, sizeof(group), "argument %.100s", a);
            sw_rtest_reason(r, group, "argument %.100s: no seawall equivalent", a);
        }
    }
    for (size_t i = 0; i < nc; i++)
        sw_free(copy[i]);
    if (r->sets.full || r->extra.full)
        sw_rtest_fail(r, "args: too many");
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
        char path[RT_PATH_LEN];
        struct stat st;

        if (de->d_name[0] == '.' || !sw_rtest_join(path, sizeof(path), dir, de->d_name))
            continue;
        if (stat(path, &st) != 0)
            continue;
        if (S_ISDIR(st.st_mode))
            found = has_sig_rules(path, depth + 1);
        else
            found = S_ISREG(st.st_mode) && sw_rtest_ends_with(de->d_name, ".rules");
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
discover_rules(struct rtest_run *r, char **names, size_t max)
{
    DIR *d = opendir(r->dir);
    struct dirent *de;
    size_t n = 0;

    if (d == NULL)
        return 0;
    while ((de = readdir(d)) != NULL) {
        char path[RT_PATH_LEN];
        struct stat st;

        if (de->d_name[0] == '.' || !sw_rtest_is_rule_file(de->d_name) ||
            !sw_rtest_join(path, sizeof(path), r->dir, de->d_name) || stat(path, &st) != 0 ||
            !S_ISREG(st.st_mode))
            continue;
        if (n == max) {
            sw_rtest_fail(r, "more than %zu rule files in the test folder", max);
            break;
        }
        names[n] = sw_strdup(de->d_name);
        if (names[n] == NULL) {
            sw_rtest_fail(r, "out of memory");
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
        if (total > RULE_FILE_MAX || sw_io_write_all(out, buf, (size_t)n, NULL) != 0)
            goto done;
    }
    ok = out != -1 && n == 0;
done:
    close(in);
    if (out != -1 && close(out) != 0)
        ok = false;
    return ok;
}

/* The lists a staged rule file loads by a bare name (dataset:...,load NAME; filemd5:NAME,
 * filesha1:NAME, filesha256:NAME, '!' allowed) are beside it in the test folder, as Suricata
 * looks them up from the rule file's folder: link each into OUT/rules under the same name (a
 * link, not a copy: a list may be large). Read from the file's first 64 KiB (suricata-verify's
 * rule files are far smaller); a name with a folder or "..", or an absolute one, is left as
 * it is. */
static void
stage_lists(struct rtest_run *r, const char *from)
{
    static const char *const kws[] = {"dataset:", "filemd5:", "filesha1:", "filesha256:"};
    char text[65536], *p;
    const char *slash = strrchr(from, '/');
    size_t dirlen = slash != NULL ? (size_t)(slash - from) : 1;
    int fd = open(from, O_RDONLY | O_CLOEXEC | O_NOCTTY);
    ssize_t n;

    if (fd == -1)
        return;
    n = read(fd, text, sizeof(text) - 1);
    close(fd);
    if (n <= 0)
        return;
    text[n] = '\0';
    for (size_t k = 0; k < sizeof(kws) / sizeof(kws[0]); k++) {
        for (p = strstr(text, kws[k]); p != NULL; p = strstr(p + 1, kws[k])) {
            const char *end = strchr(p, ';');
            const char *load = k == 0 ? strstr(p, "load ") : p + strlen(kws[k]);
            char name[256], src[RT_PATH_LEN], dst[RT_PATH_LEN], real[PATH_MAX];
            size_t len = 0;

            if (end == NULL || load == NULL || load > end)
                continue;
            for (load += k == 0 ? 5 : 0; *load == ' ' || *load == '"' || *load == '!'; load++)
                ;
            while (load + len < end && load[len] != ',' && load[len] != '"' &&
                   load[len] != ' ' && len + 1 < sizeof(name))
                len++;
            memcpy(name, load, len);
            name[len] = '\0';
            if (len == 0 || name[0] == '/' || strstr(name, "..") != NULL ||
                strchr(name, '/') != NULL)
                continue;
            if (snprintf(src, sizeof(src), "%.*s/%s", (int)dirlen, slash != NULL ? from : ".",
                         name) >= (int)sizeof(src) ||
                !sw_rtest_join(dst, sizeof(dst), r->rules_arg, name) ||
                realpath(src, real) == NULL)
                continue;
            if (symlink(real, dst) != 0 && errno != EEXIST)
                sw_rtest_fail(r, "rules: %.200s: %s", name, strerror(errno));
        }
    }
}

/* Copy rule file `from` (shown to the user as `shown`) into OUT/rules. */
static void
stage(struct rtest_run *r, const char *from, const char *shown)
{
    char to[RT_PATH_LEN];
    const char *base = strrchr(from, '/');

    base = base != NULL ? base + 1 : from;
    if (sw_rtest_ends_with(base, ".rules"))
        r->needs_sigs = true;
    if (r->dry)
        return;
    if (r->n_staged == RT_MAX_STAGED || !sw_rtest_join(to, sizeof(to), r->rules_arg, base)) {
        sw_rtest_fail(r, "rules: too many files or too long a path");
        return;
    }
    for (size_t i = 0; i < r->n_staged; i++) {
        if (strcmp(r->staged[i].to, to) == 0) {
            sw_rtest_fail(r, "rules: two rule files named %.200s", base);
            return;
        }
    }
    if (!copy_file(from, to)) {
        sw_rtest_fail(r, "rules: %.200s: %s", shown,
                      errno != 0 ? strerror(errno) : "cannot be read (or larger than 16 MiB)");
        return;
    }
    if (sw_rtest_ends_with(base, ".rules"))
        stage_lists(r, from);
    r->staged[r->n_staged].to = sw_strdup(to);
    r->staged[r->n_staged].from = sw_strdup(shown);
    if (r->staged[r->n_staged].to == NULL || r->staged[r->n_staged].from == NULL) {
        sw_free(r->staged[r->n_staged].to);
        sw_free(r->staged[r->n_staged].from);
        sw_rtest_fail(r, "out of memory");
        return;
    }
    r->n_staged++;
}

void
sw_rtest_gate_rules(struct rtest_run *r)
{
    const struct sw_rtest *t = r->t;
    char *names[RT_MAX_STAGED];
    size_t n = 0;
    char path[RT_PATH_LEN];
    struct stat st;

    if (t->rules_set && t->rules.n == 1 &&
        sw_rtest_join(path, sizeof(path), r->dir, t->rules.v[0]) && stat(path, &st) == 0 &&
        S_ISDIR(st.st_mode)) {
        /* A rules folder is used as it is: its YARA includes and namespaces stay right. */
        snprintf(r->rules_arg, sizeof(r->rules_arg), "%s", path);
        snprintf(r->diag_prefix, sizeof(r->diag_prefix), "%s/", path);
        r->needs_sigs = has_sig_rules(path, 0);
        return;
    }
    if (!sw_rtest_join(r->rules_arg, sizeof(r->rules_arg), r->out, "rules") ||
        (!r->dry && mkdir(r->rules_arg, 0755) != 0)) {
        sw_rtest_fail(r, "%s/rules: %s", r->out, strerror(errno));
        return;
    }
    snprintf(r->diag_prefix, sizeof(r->diag_prefix), "%s/", r->rules_arg);
    r->staged_dir = true;
    if (t->rules_set) {
        for (size_t i = 0; i < t->rules.n && !r->failed; i++) {
            if (!sw_rtest_join(path, sizeof(path), r->dir, t->rules.v[i]) || stat(path, &st) != 0) {
                sw_rtest_fail(r, "test.yaml:%u: rules: %.200s does not exist", t->rules.line[i],
                              t->rules.v[i]);
            } else if (!S_ISREG(st.st_mode)) {
                sw_rtest_fail(r, "test.yaml:%u: rules: %.200s: a folder must be the only entry",
                              t->rules.line[i], t->rules.v[i]);
            } else {
                stage(r, path, path);
            }
        }
        return;
    }
    n = discover_rules(r, names, RT_MAX_STAGED);
    size_t n_sig = 0, first_sig = n;

    for (size_t i = 0; i < n; i++) {
        if (sw_rtest_ends_with(names[i], ".rules")) {
            n_sig++;
            first_sig = first_sig == n ? i : first_sig;
        }
    }
    /* suricata-verify: two .rules files mean firewall.rules plus td.rules, more are an
     * error; "min8.0.1.rules" loads only from that version on. */
    if (n_sig == 2 && sw_rtest_ends_with(names[first_sig], "firewall.rules"))
        sw_rtest_reason(r, "firewall rules (firewall.rules)",
                        "firewall.rules: Suricata's firewall mode, which seawall does not have");
    else if (n_sig >= 2)
        sw_rtest_fail(r, "more than one .rules file in the test folder");
    for (size_t i = 0; i < n && !r->failed; i++) {
        bool ok = true;

        if (strncmp(names[i], "min", 3) == 0 && sw_rtest_ends_with(names[i], ".rules")) {
            char ver[64];
            size_t len = strlen(names[i]) - 3 - 6;

            snprintf(ver, sizeof(ver), "%.*s", (int)(len < 63 ? len : 63), names[i] + 3);
            ok = sw_rtest_version_cmp(r->o->env->compat, ver, false, &ok) >= 0 && ok;
        }
        if (ok && sw_rtest_join(path, sizeof(path), r->dir, names[i]))
            stage(r, path, path);
    }
    for (size_t i = 0; i < n; i++)
        sw_free(names[i]);
}

void
sw_rtest_gate_input(struct rtest_run *r)
{
    const struct sw_rtest *t = r->t;
    struct stat st;

    if (t->has_files && t->pcap != NULL) {
        sw_rtest_fail(r, "test.yaml:%u: pcap and files: a test runs one of them", t->pcap_line);
        return;
    }
    if (t->has_files) {
        r->scan = true;
        return;
    }
    if (t->pcap != NULL) {
        if (!sw_rtest_join(r->input, sizeof(r->input), r->dir, t->pcap) || stat(r->input, &st) != 0)
            sw_rtest_fail(r, "test.yaml:%u: pcap %.200s does not exist", t->pcap_line, t->pcap);
        return;
    }
    if (t->pcap_false || t->req.pcap == 0) {
        sw_rtest_reason(
            r, "no input (pcap: false)",
            "no capture (pcap: false): a rule-loading test, nothing for seawall to run");
        return;
    }
    DIR *d = opendir(r->dir);
    struct dirent *de;
    unsigned found = 0;

    while (d != NULL && (de = readdir(d)) != NULL) {
        if (de->d_name[0] == '.' || (!sw_rtest_ends_with(de->d_name, ".pcap") &&
                                     !sw_rtest_ends_with(de->d_name, ".pcapng")))
            continue;
        if (found++ == 0 && !sw_rtest_join(r->input, sizeof(r->input), r->dir, de->d_name))
            sw_rtest_fail(r, "path too long");
    }
    if (d != NULL)
        closedir(d);
    if (found > 1)
        sw_rtest_fail(r, "more than one capture in the test folder: name one with pcap:");
    else if (found == 0)
        sw_rtest_reason(r, "no capture in the test folder",
                        "no pcap file in the test folder (and no files:)");
}
