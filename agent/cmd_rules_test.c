/* cmd_rules_test.c - `seawall rules test PATH... [-j N] [--json] [--summary-reasons] [-v]
 * [--timeout DUR] [-o DIR] [-c CONFIG] [--set KEY=VALUE]...`: run rule regression tests.
 *
 * A PATH is a test folder (it holds a test.yaml) or a folder of them, at any depth; tests
 * run in path order. Each test runs in a child process of its own (fork, no exec: the child
 * calls `seawall pcap` or `seawall scan` in-process through agent/rtest_run.c), so a test
 * that crashes or hangs takes only itself down, and -j N runs N of them at once. The parent
 * stays single-threaded (forking is safe), keeps each child's pid, reads its result (one
 * JSON object) from a pipe, kills it by pid when it outlives --timeout, and prints results
 * in path order as they complete. Before the first test a child probes whether this build's
 * pipeline raises alerts from Suricata-syntax rules (include/sw/rtest.h).
 *
 * Exit status: 0 every test passed or was skipped, 1 a test failed, 2 a usage error, a PATH
 * without tests, or a test folder that could not be read as a test. */
#include "sw/cmd.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "sw/alloc.h"
#include "sw/clock.h"
#include "sw/io.h"
#include "sw/log.h"
#include "sw/parse.h"
#include "sw/rtest.h"

#define MAX_TESTS 100000
#define MAX_DEPTH 16
#define MAX_JOBS 64
#define RESULT_MAX (64u << 20) /* bytes of one child's result */
#define PATH_LEN 4096

struct test {
    char *dir;  /* owned: the folder, as reached from the PATH given */
    char *name; /* owned: its path below that PATH (the folder's name when PATH is it) */
    char out[PATH_LEN];
    json_t *res; /* owned, once complete */
    pid_t pid;   /* 0: not running */
    int fd;      /* the result pipe, -1 when closed */
    char *buf;   /* owned: what the child wrote so far */
    size_t len, cap;
    uint64_t deadline_us;
};

struct suite {
    struct test *t; /* owned */
    size_t n, cap;
    char base[PATH_LEN]; /* per-test output folders below it */
    bool keep;           /* --output-dir: leave them */
    bool json, verbose, reasons;
    unsigned jobs;
    uint64_t timeout_us;
    struct sw_rtest_env env;
    struct sw_rtest_run_opts ro;
    /* skip reasons: how many skipped tests gave each one first, at all, alone */
    struct group {
        char *name; /* owned */
        size_t first, any, only;
    } * g;
    size_t n_g;
    size_t passed, failed, skipped, errors;
};

static volatile sig_atomic_t interrupted;

static void
on_signal(int sig)
{
    (void)sig;
    interrupted = 1;
}

static void
usage(FILE *fp)
{
    fprintf(fp,
            "usage: seawall rules test PATH... [-j N] [--json] [--summary-reasons] [-v]\n"
            "                          [--timeout DUR] [-o DIR] [-c CONFIG] [--set KEY=VALUE]...\n"
            "Run rule regression tests. A test is a folder with a test.yaml (suricata-verify's\n"
            "format, plus files:, expect: and ndpi-risk: for YARA rules, files and nDPI\n"
            "risks; see README.md, \"Testing rules\"); a PATH is a test or a folder of tests.\n"
            "Each test runs seawall pcap (a capture) or seawall scan (files) on its input\n"
            "with its rules and checks the EVE events. One line per test: ok NAME,\n"
            "FAILED NAME: reason (then the check, expected and actual values, the closest\n"
            "events), skipped NAME: reason; then N passed, N failed, N skipped.\n"
            "  -j, --jobs N          run N tests at once, 1..%d (default 1)\n"
            "      --json            one JSON object per test, then a summary object\n"
            "      --summary-reasons count the skip reasons before the summary line\n"
            "  -v, --verbose         also list the checks of tests that passed or skipped\n"
            "      --timeout DUR     fail a test still running after DUR (default 5m)\n"
            "  -o, --output-dir DIR  keep each test's eve.json, stderr and rules in DIR/NAME\n"
            "  -c, --config FILE     configuration for every run (default: built-in defaults)\n"
            "      --set KEY=VALUE   override a configuration key for every run\n"
            "  -h, --help            this help\n"
            "Exit status: 0 all passed or skipped, 1 a test failed, 2 usage error, a PATH\n"
            "without tests or a test.yaml that could not be read.\n",
            MAX_JOBS);
}

/* --- finding the tests ------------------------------------------------------------------ */

static bool
has_test_yaml(const char *dir)
{
    char p[PATH_LEN];
    struct stat st;

    return snprintf(p, sizeof(p), "%s/test.yaml", dir) < (int)sizeof(p) && stat(p, &st) == 0 &&
           S_ISREG(st.st_mode);
}

static bool
add_test(struct suite *s, const char *dir, const char *name)
{
    struct test *t;

    if (s->n == MAX_TESTS) {
        sw_log_error("more than %d tests", MAX_TESTS);
        return false;
    }
    if (s->n == s->cap) {
        size_t cap = s->cap == 0 ? 64 : s->cap * 2;

        t = sw_realloc(s->t, cap * sizeof(*t));
        if (t == NULL) {
            sw_log_error("out of memory");
            return false;
        }
        s->t = t;
        s->cap = cap;
    }
    t = &s->t[s->n];
    memset(t, 0, sizeof(*t));
    t->fd = -1;
    t->dir = sw_strdup(dir);
    t->name = sw_strdup(name);
    if (t->dir == NULL || t->name == NULL) {
        sw_free(t->dir);
        sw_free(t->name);
        sw_log_error("out of memory");
        return false;
    }
    s->n++;
    return true;
}

static int
cmp_name(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Every test folder below dir (name: its path below the PATH), sorted, not descending into
 * a test. */
static bool
walk(struct suite *s, const char *dir, const char *name, int depth)
{
    DIR *d;
    struct dirent *de;
    char **names = NULL;
    size_t n = 0, cap = 0;
    bool ok = true;

    if (depth > MAX_DEPTH)
        return true;
    d = opendir(dir);
    if (d == NULL) {
        sw_log_error("%s: %s", dir, strerror(errno));
        return false;
    }
    while (ok && (de = readdir(d)) != NULL) {
        if (de->d_name[0] == '.')
            continue;
        if (n == cap) {
            char **v = sw_realloc(names, (cap = cap == 0 ? 32 : cap * 2) * sizeof(*v));

            if (v == NULL) {
                ok = false;
                break;
            }
            names = v;
        }
        names[n] = sw_strdup(de->d_name);
        ok = names[n] != NULL;
        n += ok;
    }
    closedir(d);
    if (!ok)
        sw_log_error("%s: out of memory", dir);
    if (n > 1) /* an empty folder has no array at all (qsort must not see NULL) */
        qsort(names, n, sizeof(*names), cmp_name);
    for (size_t i = 0; ok && i < n; i++) {
        char sub[PATH_LEN], subname[PATH_LEN];
        struct stat st;

        if (snprintf(sub, sizeof(sub), "%s/%s", dir, names[i]) >= (int)sizeof(sub) ||
            snprintf(subname, sizeof(subname), "%s%s%s", name, name[0] != '\0' ? "/" : "",
                     names[i]) >= (int)sizeof(subname) ||
            stat(sub, &st) != 0 || !S_ISDIR(st.st_mode))
            continue;
        if (has_test_yaml(sub))
            ok = add_test(s, sub, subname);
        else
            ok = walk(s, sub, subname, depth + 1);
    }
    for (size_t i = 0; i < n; i++)
        sw_free(names[i]);
    sw_free(names);
    return ok;
}

static bool
collect(struct suite *s, const char *arg)
{
    char path[PATH_LEN];
    struct stat st;
    size_t before = s->n, len;

    if (snprintf(path, sizeof(path), "%s", arg) >= (int)sizeof(path)) {
        sw_log_error("%s: path too long", arg);
        return false;
    }
    len = strlen(path);
    while (len > 1 && path[len - 1] == '/')
        path[--len] = '\0';
    if (len >= 10 && strcmp(path + len - 10, "/test.yaml") == 0)
        path[len - 10] = '\0'; /* the test.yaml itself: its folder */
    else if (strcmp(path, "test.yaml") == 0)
        snprintf(path, sizeof(path), ".");
    if (stat(path, &st) != 0) {
        sw_log_error("%s: %s", arg, strerror(errno));
        return false;
    }
    if (!S_ISDIR(st.st_mode)) {
        sw_log_error("%s: not a test folder (a folder with a test.yaml, or a folder of them)", arg);
        return false;
    }
    if (has_test_yaml(path)) {
        const char *base = strrchr(path, '/');

        return add_test(s, path, base != NULL ? base + 1 : path);
    }
    if (!walk(s, path, "", 0))
        return false;
    if (s->n == before) {
        sw_log_error("%s: no test below it (no folder with a test.yaml)", arg);
        return false;
    }
    return true;
}

/* --- output folders ----------------------------------------------------------------------- */

static int
rm_one(const char *path, const struct stat *st, int flag, struct FTW *f)
{
    (void)st;
    (void)f;
    return flag == FTW_DP ? rmdir(path) : unlink(path);
}

static void
rm_tree(const char *path)
{
    (void)nftw(path, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

/* mkdir -p below the base; the name's parts are folder names read from the disk. */
static bool
make_out(struct suite *s, struct test *t)
{
    int n = snprintf(t->out, sizeof(t->out), "%s/%s", s->base, t->name);

    if (n < 0 || (size_t)n >= sizeof(t->out))
        return false;
    for (char *p = t->out + strlen(s->base) + 1; (p = strchr(p, '/')) != NULL; p++) {
        *p = '\0';
        int rc = mkdir(t->out, 0755);

        *p = '/';
        if (rc != 0 && errno != EEXIST)
            return false;
    }
    return mkdir(t->out, 0755) == 0;
}

/* --- children ------------------------------------------------------------------------------ */

static void
child_reset(void)
{
    struct sigaction dfl = {.sa_handler = SIG_DFL};

    sigaction(SIGINT, &dfl, NULL);
    sigaction(SIGTERM, &dfl, NULL);
}

static json_t *failed_result(const struct test *t, const char *fmt, ...) SW_PRINTF(2, 3);

static json_t *
failed_result(const struct test *t, const char *fmt, ...)
{
    json_t *r = json_object();
    char msg[512];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    json_object_set_new(r, "test", json_string(t->name));
    json_object_set_new(r, "path", json_string(t->dir));
    json_object_set_new(r, "result", json_string("failed"));
    json_object_set_new(r, "reason", json_string(msg));
    return r;
}

static bool
start(struct suite *s, struct test *t)
{
    int p[2];
    pid_t pid;

    if (!make_out(s, t)) {
        t->res = failed_result(t, "%s/%s: cannot make the output folder: %s", s->base, t->name,
                               strerror(errno));
        return true;
    }
    if (pipe2(p, O_CLOEXEC) != 0) {
        sw_log_error("pipe: %s", strerror(errno));
        return false;
    }
    fflush(stdout); /* the child must not write the parent's buffered lines again */
    fflush(stderr);
    pid = fork();
    if (pid < 0) {
        sw_log_error("fork: %s", strerror(errno));
        close(p[0]);
        close(p[1]);
        return false;
    }
    if (pid == 0) {
        json_t *res;
        char *txt;

        child_reset();
        close(p[0]);
        res = sw_rtest_run(t->dir, t->name, t->out, &s->ro);
        txt = res != NULL ? json_dumps(res, JSON_COMPACT) : NULL;
        if (txt == NULL || sw_io_write_all(p[1], txt, strlen(txt), NULL) != 0)
            _exit(3);
        _exit(0); /* no atexit handlers, no stdio flush: the parent owns those */
    }
    close(p[1]);
    t->pid = pid;
    t->fd = p[0];
    t->deadline_us = sw_clock_us(CLOCK_MONOTONIC) + s->timeout_us;
    return true;
}

/* Reap t's child and turn what it wrote into its result. */
static void
finish(struct test *t, bool timed_out, uint64_t timeout_us)
{
    int st = 0;

    if (timed_out)
        kill(t->pid, SIGKILL); /* our own child, by its pid */
    while (waitpid(t->pid, &st, 0) < 0 && errno == EINTR)
        ;
    t->pid = 0;
    if (t->fd != -1)
        close(t->fd);
    t->fd = -1;
    if (timed_out) {
        t->res = failed_result(t, "timed out after %llu s (--timeout)",
                               (unsigned long long)(timeout_us / SW_USEC_PER_SEC));
    } else if (WIFSIGNALED(st)) {
        t->res = failed_result(t, "the test's process died: %s (signal %d)",
                               strsignal(WTERMSIG(st)), WTERMSIG(st));
    } else {
        json_t *r = WEXITSTATUS(st) == 0 ? json_loadb(t->buf, t->len, 0, NULL) : NULL;

        if (r != NULL && json_is_object(r))
            t->res = r;
        else {
            json_decref(r);
            t->res =
                failed_result(t, "the test's process exited %d without a result", WEXITSTATUS(st));
        }
    }
    sw_free(t->buf);
    t->buf = NULL;
    t->len = t->cap = 0;
}

/* Read what is there from every running child; reap those that finished or ran out of
 * time. Waits at most until the nearest deadline. */
static void
service(struct suite *s, size_t lo, size_t hi)
{
    struct pollfd pf[MAX_JOBS];
    size_t idx[MAX_JOBS], n = 0;
    uint64_t now = sw_clock_us(CLOCK_MONOTONIC), next = UINT64_MAX;

    for (size_t i = lo; i < hi && n < MAX_JOBS; i++) {
        struct test *t = &s->t[i];

        if (t->pid == 0)
            continue;
        if (t->deadline_us <= now) {
            finish(t, true, s->timeout_us);
            continue;
        }
        next = t->deadline_us < next ? t->deadline_us : next;
        pf[n] = (struct pollfd){.fd = t->fd, .events = POLLIN};
        idx[n++] = i;
    }
    if (n == 0)
        return;
    int ms = next - now > 60 * SW_USEC_PER_SEC ? 60000 : (int)((next - now) / 1000 + 1);

    if (poll(pf, n, ms) <= 0)
        return; /* timeout (checked next round) or a signal */
    for (size_t k = 0; k < n; k++) {
        struct test *t = &s->t[idx[k]];
        ssize_t r;

        if (pf[k].revents == 0)
            continue;
        if (t->len + 65536 > t->cap) {
            size_t cap = t->cap == 0 ? 65536 : t->cap * 2;
            char *b = cap <= RESULT_MAX ? sw_realloc(t->buf, cap) : NULL;

            if (b == NULL) {
                finish(t, true, s->timeout_us);
                json_decref(t->res);
                t->res = failed_result(t, "the test's result is larger than %u bytes", RESULT_MAX);
                continue;
            }
            t->buf = b;
            t->cap = cap;
        }
        r = read(t->fd, t->buf + t->len, t->cap - t->len);
        if (r > 0)
            t->len += (size_t)r;
        else if (r == 0 || errno != EINTR)
            finish(t, false, s->timeout_us);
    }
}

/* The signature probe, in a child like a test. */
static bool
probe(struct suite *s)
{
    char dir[PATH_LEN];
    pid_t pid;
    int st = 0;
    uint64_t deadline = sw_clock_us(CLOCK_MONOTONIC) + 60 * SW_USEC_PER_SEC;

    if (snprintf(dir, sizeof(dir), "%s/.probe", s->base) >= (int)sizeof(dir) ||
        mkdir(dir, 0755) != 0)
        return false;
    fflush(stdout);
    fflush(stderr);
    pid = fork();
    if (pid < 0)
        return false;
    if (pid == 0) {
        child_reset();
        _exit(sw_rtest_probe_signatures(dir) ? 0 : 1);
    }
    for (;;) {
        pid_t w = waitpid(pid, &st, WNOHANG);
        struct timespec ts = {0, 10 * 1000 * 1000};

        if (w == pid)
            break;
        if ((w < 0 && errno != EINTR) || interrupted || sw_clock_us(CLOCK_MONOTONIC) > deadline) {
            kill(pid, SIGKILL);
            waitpid(pid, &st, 0);
            return false;
        }
        nanosleep(&ts, NULL);
    }
    if (!s->keep)
        rm_tree(dir);
    return WIFEXITED(st) && WEXITSTATUS(st) == 0;
}

/* --- reporting ---------------------------------------------------------------------------- */

static void
value(const json_t *v, char *buf, size_t len)
{
    char *txt = v != NULL ? json_dumps(v, JSON_ENCODE_ANY | JSON_COMPACT) : NULL;

    snprintf(buf, len, "%s", txt != NULL ? txt : "?");
    if (txt != NULL && strlen(txt) >= len && len > 4)
        memcpy(buf + len - 4, "...", 4);
    free(txt); /* Jansson's allocation */
}

static void
print_check(const json_t *c, bool all)
{
    const char *res = json_string_value(json_object_get(c, "result"));
    const char *msg = json_string_value(json_object_get(c, "message"));
    const json_t *cl = json_object_get(c, "closest"), *e;
    char x[256], y[256];
    size_t i;

    if (res == NULL || (!all && strcmp(res, "failed") != 0))
        return;
    printf("    %s (test.yaml:%lld) %s: %s%s%s\n", json_string_value(json_object_get(c, "check")),
           (long long)json_integer_value(json_object_get(c, "line")),
           json_string_value(json_object_get(c, "type")), res, msg != NULL ? ": " : "",
           msg != NULL ? msg : "");
    json_array_foreach(cl, i, e)
    {
        const json_t *mm = json_object_get(e, "mismatches"), *m;
        size_t k;

        if (json_object_get(e, "of") != NULL)
            printf("      closest: %s (%lld of %lld keys)\n",
                   json_string_value(json_object_get(e, "event")),
                   (long long)json_integer_value(json_object_get(e, "matched")),
                   (long long)json_integer_value(json_object_get(e, "of")));
        else
            printf("      closest: %s\n", json_string_value(json_object_get(e, "event")));
        json_array_foreach(mm, k, m)
        {
            const char *path = json_string_value(json_object_get(m, "path"));

            value(json_object_get(m, "expected"), x, sizeof(x));
            value(json_object_get(m, "actual"), y, sizeof(y));
            printf("        %s%s%s: expected %s, got %s\n",
                   json_string_value(json_object_get(m, "key")), path != NULL ? " " : "",
                   path != NULL ? path : "", x, y);
        }
    }
}

static void
print_text(const struct suite *s, const struct test *t)
{
    const json_t *r = t->res, *c, *reasons = json_object_get(r, "reasons");
    const char *res = json_string_value(json_object_get(r, "result"));
    const char *why = json_string_value(json_object_get(r, "reason"));
    bool failed = res == NULL || strcmp(res, "failed") == 0;
    size_t i;

    if (res != NULL && strcmp(res, "ok") == 0)
        printf("ok %s\n", t->name);
    else if (failed)
        printf("FAILED %s: %s\n", t->name, why != NULL ? why : "no result");
    else
        printf("skipped %s: %s\n", t->name, why != NULL ? why : "no reason given");
    if (failed || s->verbose) {
        json_array_foreach(json_object_get(r, "checks"), i, c) print_check(c, s->verbose);
    }
    if (s->verbose && json_array_size(reasons) > 1) {
        json_array_foreach(reasons, i, c)
            printf("    also: %s\n", json_string_value(json_object_get(c, "detail")));
    }
    if (failed || s->verbose) {
        const json_t *cmd = json_object_get(r, "command"), *err = json_object_get(r, "stderr");
        const bool ran_failed = failed && json_object_get(r, "checks") == NULL;

        if (cmd != NULL)
            printf("    command: %s\n", json_string_value(cmd));
        if ((ran_failed || s->verbose) && json_array_size(err) > 0) {
            printf("    its messages:\n");
            json_array_foreach(err, i, c) printf("      %s\n", json_string_value(c));
        }
        if (s->keep)
            printf("    output: %s\n", t->out);
        else if (cmd != NULL)
            printf("    (-o DIR keeps its eve.json, messages and staged rules)\n");
    }
    fflush(stdout);
}

static void
count_group(struct suite *s, const char *name, bool first, bool only)
{
    size_t i;

    for (i = 0; i < s->n_g; i++)
        if (strcmp(s->g[i].name, name) == 0)
            break;
    if (i == s->n_g) {
        struct group *g = sw_realloc(s->g, (s->n_g + 1) * sizeof(*g));

        if (g == NULL)
            return; /* the table is shorter; the counts stay right */
        s->g = g;
        g[i] = (struct group){.name = sw_strdup(name)};
        if (g[i].name == NULL)
            return;
        s->n_g++;
    }
    s->g[i].first += first;
    s->g[i].any++;
    s->g[i].only += only;
}

/* Whether reason i's group was already named by an earlier reason of the same test. */
static bool
group_seen_before(const json_t *reasons, size_t i)
{
    const char *name = json_string_value(json_object_get(json_array_get(reasons, i), "group"));

    for (size_t j = 0; j < i; j++) {
        const json_t *earlier = json_array_get(reasons, j);

        if (strcmp(name, json_string_value(json_object_get(earlier, "group"))) == 0)
            return true;
    }
    return false;
}

static void
tally(struct suite *s, struct test *t)
{
    const char *res = json_string_value(json_object_get(t->res, "result"));
    const json_t *reasons = json_object_get(t->res, "reasons"), *g;
    size_t i, distinct = 0;

    if (json_is_true(json_object_get(t->res, "error")))
        s->errors++;
    if (res != NULL && strcmp(res, "ok") == 0) {
        s->passed++;
        return;
    }
    if (res == NULL || strcmp(res, "skipped") != 0) {
        s->failed++;
        return;
    }
    s->skipped++;
    /* Each group once per test: "any" and "only" count tests, not reasons. */
    json_array_foreach(reasons, i, g)
    {
        distinct += !group_seen_before(reasons, i);
    }
    json_array_foreach(reasons, i, g)
    {
        const char *name = json_string_value(json_object_get(g, "group"));

        if (!group_seen_before(reasons, i) && name != NULL)
            count_group(s, name, i == 0, distinct == 1);
    }
}

static int
cmp_group(const void *a, const void *b)
{
    const struct group *x = a, *y = b;

    if (x->first != y->first)
        return x->first < y->first ? 1 : -1;
    if (x->any != y->any)
        return x->any < y->any ? 1 : -1;
    return strcmp(x->name, y->name);
}

static void
report(struct suite *s, struct test *t)
{
    tally(s, t);
    if (s->json) {
        char *txt;

        if (s->keep)
            json_object_set_new(t->res, "output", json_string(t->out));
        txt = json_dumps(t->res, JSON_COMPACT);
        printf("%s\n", txt != NULL ? txt : "{\"result\":\"failed\",\"reason\":\"out of memory\"}");
        free(txt); /* Jansson's allocation */
        fflush(stdout);
    } else {
        print_text(s, t);
    }
}

static void
summary(struct suite *s)
{
    if (s->n_g > 1) /* no skip reason: no array at all (qsort must not see NULL) */
        qsort(s->g, s->n_g, sizeof(*s->g), cmp_group);
    if (s->json) {
        json_t *o = json_object(), *sum = json_object(), *rs = json_array();
        char *txt;

        json_object_set_new(sum, "passed", json_integer((json_int_t)s->passed));
        json_object_set_new(sum, "failed", json_integer((json_int_t)s->failed));
        json_object_set_new(sum, "skipped", json_integer((json_int_t)s->skipped));
        json_object_set_new(sum, "errors", json_integer((json_int_t)s->errors));
        json_object_set_new(sum, "signatures", json_boolean(s->env.signatures));
        for (size_t i = 0; i < s->n_g; i++)
            json_array_append_new(rs, json_pack("{s:s, s:I, s:I, s:I}", "group", s->g[i].name,
                                                "first", (json_int_t)s->g[i].first, "any",
                                                (json_int_t)s->g[i].any, "only",
                                                (json_int_t)s->g[i].only));
        json_object_set_new(sum, "skip_reasons", rs);
        json_object_set_new(o, "summary", sum);
        txt = json_dumps(o, JSON_COMPACT);
        printf("%s\n", txt != NULL ? txt : "{}");
        free(txt); /* Jansson's allocation */
        json_decref(o);
        return;
    }
    if (s->reasons && s->n_g > 0) {
        printf("skip reasons: tests skipped for it first, at all, for it alone; reason\n");
        for (size_t i = 0; i < s->n_g; i++)
            printf("%7zu %6zu %6zu  %s\n", s->g[i].first, s->g[i].any, s->g[i].only, s->g[i].name);
    }
    if (s->errors > 0)
        printf("%zu test folder%s could not be read as a test (counted as failed)\n", s->errors,
               s->errors == 1 ? "" : "s");
    printf("%zu passed, %zu failed, %zu skipped\n", s->passed, s->failed, s->skipped);
}

/* --- the command ------------------------------------------------------------------------- */

static int
parse_args(int argc, char **argv, struct suite *s, const char **config, struct sw_cmd_sets *sets)
{
    static const struct option opts[] = {
        {"jobs", required_argument, NULL, 'j'},
        {"json", no_argument, NULL, 'J'},
        {"summary-reasons", no_argument, NULL, 'R'},
        {"verbose", no_argument, NULL, 'v'},
        {"timeout", required_argument, NULL, 'T'},
        {"output-dir", required_argument, NULL, 'o'},
        {"config", required_argument, NULL, 'c'},
        {"set", required_argument, NULL, 'S'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    uint64_t v;
    int c;

    optind = 1;
    while ((c = getopt_long(argc, argv, "j:vo:c:h", opts, NULL)) != -1) {
        switch (c) {
        case 'j':
            if (sw_parse_u64(optarg, 1, MAX_JOBS, &v) != SW_OK) {
                sw_log_error("--jobs: '%s' is not a number from 1 to %d", optarg, MAX_JOBS);
                return 2;
            }
            s->jobs = (unsigned)v;
            break;
        case 'J':
            s->json = true;
            break;
        case 'R':
            s->reasons = true;
            break;
        case 'v':
            s->verbose = true;
            break;
        case 'T':
            if (sw_parse_duration(optarg, &v) != SW_OK || v < SW_USEC_PER_SEC ||
                v > 86400 * SW_USEC_PER_SEC) {
                sw_log_error("--timeout: '%s' is not a duration from 1s to 1d", optarg);
                return 2;
            }
            s->timeout_us = v;
            break;
        case 'o':
            if (snprintf(s->base, sizeof(s->base), "%s", optarg) >= (int)sizeof(s->base)) {
                sw_log_error("--output-dir: path too long");
                return 2;
            }
            s->keep = true;
            break;
        default: /* -c, --set, -h and unknown options */
            if ((c = sw_cmd_common_opt(c, optarg, config, sets, usage)) >= 0)
                return c;
            break;
        }
    }
    if (optind >= argc) {
        sw_log_error("rules test: no test folder given (see 'seawall rules test --help')");
        return 2;
    }
    return -1;
}

static bool
make_base(struct suite *s)
{
    if (s->keep) {
        DIR *d;
        struct dirent *de;
        bool empty = true;

        if (mkdir(s->base, 0755) != 0 && errno != EEXIST) {
            sw_log_error("--output-dir %s: %s", s->base, strerror(errno));
            return false;
        }
        d = opendir(s->base);
        while (d != NULL && (de = readdir(d)) != NULL)
            empty = empty && (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0);
        if (d != NULL)
            closedir(d);
        if (d == NULL || !empty) {
            sw_log_error("--output-dir %s: %s", s->base,
                         d == NULL ? strerror(errno) : "not empty (results are not mixed)");
            return false;
        }
        return true;
    }
    const char *tmp = getenv("TMPDIR");

    snprintf(s->base, sizeof(s->base), "%s/seawall-rules-test.XXXXXX",
             tmp != NULL && tmp[0] == '/' ? tmp : "/tmp");
    if (mkdtemp(s->base) == NULL) {
        sw_log_error("%s: %s", s->base, strerror(errno));
        return false;
    }
    return true;
}

int
sw_cmd_rules_test(int argc, char **argv)
{
    struct suite s = {.jobs = 1, .timeout_us = 300 * SW_USEC_PER_SEC};
    struct sw_cmd_sets sets = {.n = 0};
    const char *config = NULL;
    struct sigaction sa = {.sa_handler = on_signal}, old_int, old_term;
    struct utsname un;
    int rc = parse_args(argc, argv, &s, &config, &sets);
    size_t next_start = 0, next_print = 0;

    if (rc >= 0)
        return rc;
    for (int i = optind; i < argc; i++) {
        if (!collect(&s, argv[i])) {
            rc = 2;
            goto out;
        }
    }
    if (!make_base(&s)) {
        rc = 2;
        goto out;
    }
    if (uname(&un) != 0)
        snprintf(un.machine, sizeof(un.machine), "unknown");
    s.env = (struct sw_rtest_env){.compat = SW_RTEST_SURICATA_COMPAT,
                                  .os = "linux",
                                  .arch = un.machine,
                                  .uid = (long long)getuid()};
    s.ro = (struct sw_rtest_run_opts){
        .config = config, .sets = sets.v, .n_sets = sets.n, .env = &s.env};
    sigaction(SIGINT, &sa, &old_int);
    sigaction(SIGTERM, &sa, &old_term);
    s.env.signatures = probe(&s);
    while (next_print < s.n && !interrupted) {
        size_t running = 0;

        for (size_t i = next_print; i < next_start; i++)
            running += s.t[i].pid != 0;
        while (next_start < s.n && running < s.jobs && !interrupted) {
            if (!start(&s, &s.t[next_start])) {
                rc = 2;
                interrupted = 1;
                break;
            }
            running += s.t[next_start].pid != 0;
            next_start++;
        }
        service(&s, next_print, next_start);
        while (next_print < next_start && s.t[next_print].res != NULL)
            report(&s, &s.t[next_print++]);
    }
    for (size_t i = next_print; i < next_start; i++) {
        if (s.t[i].pid != 0) {
            kill(s.t[i].pid, SIGKILL); /* interrupted: our children, by pid */
            waitpid(s.t[i].pid, NULL, 0);
            close(s.t[i].fd);
        }
    }
    sigaction(SIGINT, &old_int, NULL);
    sigaction(SIGTERM, &old_term, NULL);
    if (interrupted && rc != 2) {
        sw_log_error("rules test: interrupted after %zu of %zu tests", next_print, s.n);
        rc = 2;
    } else if (rc != 2) {
        summary(&s);
        rc = s.errors > 0 ? 2 : s.failed > 0 ? 1 : 0;
    }
    if (!s.keep)
        rm_tree(s.base);
out:
    for (size_t i = 0; i < s.n; i++) {
        sw_free(s.t[i].dir);
        sw_free(s.t[i].name);
        sw_free(s.t[i].buf);
        json_decref(s.t[i].res);
    }
    sw_free(s.t);
    for (size_t i = 0; i < s.n_g; i++)
        sw_free(s.g[i].name);
    sw_free(s.g);
    return rc;
}
