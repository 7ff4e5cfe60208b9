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

#include "rtest_int.h"
#include "sw/alloc.h"
#include "sw/cmd.h"
#include "sw/config.h"
#include "sw/io.h"

#define STDERR_KEEP 40        /* lines of the pipeline's stderr kept in a result */
#define STDERR_MAX (1u << 20) /* bytes of it read back */
#define PROBE_MSG "seawall rules test probe"

bool
sw_rtest_av_add(struct rtest_argv *a, const char *s)
{
    if (a->n >= RT_MAX_ARGS) {
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

void
sw_rtest_av_free(struct rtest_argv *a)
{
    for (int i = 0; i < a->n; i++)
        sw_free(a->v[i]);
    a->n = 0;
}

void SW_PRINTF(3, 4) sw_rtest_reason(struct rtest_run *r, const char *group, const char *fmt, ...)
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

void SW_PRINTF(2, 3) sw_rtest_fail(struct rtest_run *r, const char *fmt, ...)
{
    va_list ap;

    if (r->failed)
        return;
    va_start(ap, fmt);
    vsnprintf(r->fail_msg, sizeof(r->fail_msg), fmt, ap);
    va_end(ap);
    r->failed = true;
}

bool
sw_rtest_join(char *buf, size_t len, const char *a, const char *b)
{
    int n;

    if (b[0] == '/')
        n = snprintf(buf, len, "%s", b);
    else
        n = snprintf(buf, len, "%s/%s", a, b);
    return n >= 0 && (size_t)n < len;
}

bool
sw_rtest_ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), m = strlen(suffix);

    return n >= m && strcasecmp(s + n - m, suffix) == 0;
}

bool
sw_rtest_is_rule_file(const char *name)
{
    return sw_rtest_ends_with(name, ".rules") || sw_rtest_ends_with(name, ".yar") ||
           sw_rtest_ends_with(name, ".yara");
}

/* --- the run ---------------------------------------------------------------------------- */

static bool
write_inline(struct rtest_run *r, const struct sw_rtest_file *f, char *path, size_t len)
{
    char base[RT_PATH_LEN];
    int fd;

    if (!sw_rtest_join(base, sizeof(base), r->out, "inline") ||
        !sw_rtest_join(path, len, base, f->path))
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
    bool ok = sw_io_write_all(fd, f->data, f->len, NULL) == 0;

    return close(fd) == 0 && ok;
}

static void
build_argv(struct rtest_run *r, struct rtest_argv *a, char *eve, size_t eve_len)
{
    const struct sw_rtest *t = r->t;
    char path[RT_PATH_LEN];

    if (!sw_rtest_join(eve, eve_len, r->out, "eve.json")) {
        sw_rtest_fail(r, "path too long");
        return;
    }
    sw_rtest_av_add(a, r->scan ? "scan" : "pcap");
    sw_rtest_av_add(a, "-o");
    sw_rtest_av_add(a, eve);
    sw_rtest_av_add(a, r->scan ? "--threads" : "--workers");
    sw_rtest_av_add(a, "1");
    sw_rtest_av_add(a, "--no-cache");
    if (r->scan)
        sw_rtest_av_add(a, "--all");
    /* A capture without rules runs without --rules, as a user would run it. */
    if (r->rules_arg[0] != '\0' && (r->scan || r->n_staged > 0 || !r->staged_dir)) {
        sw_rtest_av_add(a, "--rules");
        sw_rtest_av_add(a, r->rules_arg);
    }
    if (r->o->config != NULL) {
        sw_rtest_av_add(a, "-c");
        sw_rtest_av_add(a, r->o->config);
    }
    for (size_t i = 0; i < r->o->n_sets; i++) {
        sw_rtest_av_add(a, "--set");
        sw_rtest_av_add(a, r->o->sets[i]);
    }
    /* Alerts come from the test's rules, as in Suricata; nDPI's risks only when asked. */
    if (!r->scan && t->ndpi_risk != 1) {
        sw_rtest_av_add(a, "--set");
        sw_rtest_av_add(a, "ndpi.risk_exceptions.cidrs=[0.0.0.0/0, \"::/0\"]");
    }
    for (int i = 0; i < r->sets.n; i++) {
        sw_rtest_av_add(a, "--set");
        sw_rtest_av_add(a, r->sets.v[i]);
    }
    for (int i = 0; i < r->extra.n; i++)
        sw_rtest_av_add(a, r->extra.v[i]);
    if (r->scan && r->extra.n > 0)
        sw_rtest_fail(r, "--ndpi-dir: for a capture, not for files");
    if (!r->scan) {
        sw_rtest_av_add(a, r->input);
    } else {
        bool inl = false;

        for (size_t i = 0; i < t->n_files && !r->failed; i++) {
            const struct sw_rtest_file *f = &t->files[i];

            if (f->is_inline) {
                if (!write_inline(r, f, path, sizeof(path)))
                    sw_rtest_fail(r, "files: %.200s: cannot be written below %.200s/inline: %s",
                                  f->path, r->out, strerror(errno));
                inl = true;
            } else if (!sw_rtest_join(path, sizeof(path), r->dir, f->path) ||
                       access(path, F_OK) != 0) {
                sw_rtest_fail(r, "test.yaml:%u: files: %.200s does not exist", f->line, f->path);
            } else {
                sw_rtest_av_add(a, path);
            }
        }
        if (inl && sw_rtest_join(path, sizeof(path), r->out, "inline"))
            sw_rtest_av_add(a, path); /* the inline files, written above */
        if (t->n_files == 0)
            sw_rtest_fail(r, "files: nothing to scan");
    }
    if (a->full)
        sw_rtest_fail(r, "too many arguments");
}

static json_t *
command_line(const struct rtest_argv *a)
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
read_stderr(struct rtest_run *r, const char *path, json_t *lines, bool *rule_errors)
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
                sw_rtest_reason(r, "a rule keyword seawall does not support", "%s", shown);
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
    for (size_t i = json_array_size(all) > STDERR_KEEP ? json_array_size(all) - STDERR_KEEP : 0;
         i < json_array_size(all); i++)
        json_array_append(lines, json_array_get(all, i));
    json_decref(all);
}

static void
run_pipeline(struct rtest_run *r)
{
    const struct sw_rtest *t = r->t;
    struct rtest_argv a = {.n = 0};
    char eve[RT_PATH_LEN], errpath[RT_PATH_LEN];
    struct sw_rtest_events ev;
    struct sw_err err;
    json_t *lines = json_array();
    bool rule_errors;
    int rc, fd;

    build_argv(r, &a, eve, sizeof(eve));
    json_object_set_new(r->res, "command", command_line(&a));
    if (r->failed || !sw_rtest_join(errpath, sizeof(errpath), r->out, "stderr")) {
        sw_rtest_fail(r, "path too long");
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
        sw_rtest_fail(r, "%s: %s", errpath, strerror(errno));
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
        sw_rtest_fail(r, "rules did not load: %s", r->rule_error);
        goto out;
    }
    if (t->has_exit_code ? rc != t->exit_code : !(rc == 0 || (r->scan && rc == 1))) {
        char want[32];

        if (t->has_exit_code)
            snprintf(want, sizeof(want), "%lld", t->exit_code);
        else
            snprintf(want, sizeof(want), "%s", r->scan ? "0 or 1" : "0");
        sw_rtest_fail(r, "seawall %s exited %d, expected %s", r->scan ? "scan" : "pcap", rc, want);
        goto out;
    }
    if (json_array_size(r->reasons) > 0)
        goto out; /* a rule was left out: the checks would not mean what they say */
    if (sw_rtest_events_read(eve, SW_RTEST_MAX_EVE, &ev, &err) != SW_OK) {
        sw_rtest_fail(r, "%s", err.msg);
        goto out;
    }
    if (ev.bad > 0) {
        sw_rtest_fail(r, "eve.json:%zu: not a JSON object (%zu such lines)", ev.first_bad, ev.bad);
    } else {
        /* seawall scan names files by their real path; a capture's bodies by their URL */
        char pre[4][RT_PATH_LEN + 8], real[RT_PATH_LEN];
        const char *strip[4] = {pre[0], pre[1], pre[2], pre[3]};
        struct sw_rtest_eval_ctx x = {
            .events = &ev, .env = r->o->env, .test_dir = r->dir, .strip = strip, .n_strip = 0};

        snprintf(pre[x.n_strip++], sizeof(pre[0]), "%s/", r->dir);
        snprintf(pre[x.n_strip++], sizeof(pre[0]), "%s/inline/", r->out);
        if (realpath(r->dir, real) != NULL)
            snprintf(pre[x.n_strip++], sizeof(pre[0]), "%s/", real);
        if (realpath(r->out, real) != NULL)
            snprintf(pre[x.n_strip++], sizeof(pre[0]), "%s/inline/", real);
        json_t *checks = sw_rtest_eval(t, &x);

        if (checks == NULL)
            sw_rtest_fail(r, "out of memory");
        else
            json_object_set_new(r->res, "checks", checks);
    }
    sw_rtest_events_fini(&ev);
out:
    json_decref(lines);
    sw_rtest_av_free(&a);
}

/* The verdict from the reasons, the failure and the checks. */
static void
conclude(struct rtest_run *r)
{
    json_t *checks = json_object_get(r->res, "checks");
    const char *first_failed = NULL, *first_label = NULL;
    size_t i;
    json_t *c;

    json_array_foreach(checks, i, c)
    {
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
sw_rtest_run(const char *dir, const char *name, const char *out, const struct sw_rtest_run_opts *o)
{
    struct rtest_run r = {.o = o, .dir = dir, .out = out};
    char path[RT_PATH_LEN];
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
    if (!sw_rtest_join(path, sizeof(path), dir, "test.yaml")) {
        sw_rtest_fail(&r, "%s: path too long", dir);
        goto done;
    }
    t = sw_rtest_load(path, &err);
    if (t == NULL) {
        sw_rtest_fail(&r, "%s", err.msg);
        json_object_set_new(r.res, "error", json_true());
        goto done;
    }
    r.t = t;
    const char *base = strrchr(dir, '/');

    sw_rtest_gate_definition(&r, base != NULL && base[1] != '\0' ? base + 1 : dir);
    sw_rtest_gate_args(&r);
    /* Past this point a test that is skipped anyway is not judged for its input or its
     * rules (as suricata-verify checks requires first), but its rules are still looked at:
     * whether they need the signature engine belongs in its reasons. */
    r.dry = r.failed || json_array_size(r.reasons) > 0;
    bool was_failed = r.failed;

    sw_rtest_gate_input(&r);
    r.dry = r.dry || r.failed || json_array_size(r.reasons) > 0;
    if (!r.failed)
        sw_rtest_gate_rules(&r);
    if (r.dry && !was_failed && json_array_size(r.reasons) > 0)
        r.failed = false;
    if (!r.failed && r.needs_sigs && !o->env->signatures)
        sw_rtest_reason(
            &r, "Suricata rules (*.rules): no signature engine in this build",
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
    sw_rtest_av_free(&r.sets);
    sw_rtest_av_free(&r.extra);
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
    ok = sw_io_write_all(fd, data, len, NULL) == 0;
    return close(fd) == 0 && ok;
}

bool
sw_rtest_probe_signatures(const char *dir)
{
    /* One Ethernet/IPv4/UDP packet 10.255.0.1:40000 -> 10.255.0.2:9 with 13 bytes of data. */
    static const uint8_t pcap[] = {
        0xd4, 0xc3, 0xb2, 0xa1, 2, 0, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 0, 0, 1, 0, 0, 0,
        /* record: ts 1700000000.0, 55 bytes */
        0x00, 0xf1, 0x53, 0x65, 0, 0, 0, 0, 55, 0, 0, 0, 55, 0, 0, 0,
        /* ethernet */
        2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1, 0x08, 0x00,
        /* ipv4: len 41, ttl 64, udp, checksum left 0 (seawall does not check it) */
        0x45, 0, 0, 41, 0, 1, 0, 0, 64, 17, 0, 0, 10, 255, 0, 1, 10, 255, 0, 2,
        /* udp: 40000 -> 9, len 21 */
        0x9c, 0x40, 0, 9, 0, 21, 0, 0, 's', 'e', 'a', 'w', 'a', 'l', 'l', '-', 'p', 'r', 'o', 'b',
        'e'};
    static const char rule[] =
        "alert udp any any -> any any (msg:\"" PROBE_MSG "\"; sid:1; rev:1;)\n";
    char pcap_path[RT_PATH_LEN], rules[RT_PATH_LEN], rule_path[RT_PATH_LEN], eve[RT_PATH_LEN];
    char err_path[RT_PATH_LEN];
    struct sw_rtest_events ev;
    struct sw_err err;
    bool found = false;
    int fd;

    if (!sw_rtest_join(pcap_path, sizeof(pcap_path), dir, "probe.pcap") ||
        !sw_rtest_join(rules, sizeof(rules), dir, "rules") ||
        !sw_rtest_join(rule_path, sizeof(rule_path), rules, "probe.rules") ||
        !sw_rtest_join(eve, sizeof(eve), dir, "eve.json") ||
        !sw_rtest_join(err_path, sizeof(err_path), dir, "stderr") || mkdir(rules, 0755) != 0 ||
        !write_all(pcap_path, pcap, sizeof(pcap)) || !write_all(rule_path, rule, sizeof(rule) - 1))
        return false;
    char *argv[] = {"pcap",       "-o",      eve,   "--workers", "1",
                    "--no-cache", "--rules", rules, pcap_path,   NULL};

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
