/* test_sandbox.c - agent/sandbox.c: the seccomp allow-list. Forked children install the
 * filter and then do what `seawall run` does after start-up with the project's own code
 * (offline pipeline with YARA over HTTP captures, rule compile and cache, config reload, file
 * rotation, sd_notify, control-socket round trip, signals, threads): they must exit 0, not
 * die by SIGSYS. Other children make one forbidden call each and must die by SIGSYS.
 *
 * When the work child dies by SIGSYS, find the call with
 *   SEAWALL_SECCOMP_LOG=1 build/release/tests/test_sandbox; dmesg | grep type=1326
 * or strace -f -e trace=all build/release/tests/test_sandbox 2>&1 | grep -B3 SIGSYS. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <magic.h>
#include <net/if.h>
#include <netinet/in.h>
#include <pcap/pcap.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <systemd/sd-daemon.h>
#include <time.h>
#include <unistd.h>
#include <zlib.h>

#include "sw/config.h"
#include "sw/detect.h"
#include "sw/log.h"
#include "sw/pipeline.h"
#include "sw/priv.h"
#include "sw/sandbox.h"
#include "sw/user.h"
#include "sw/yara.h"

#define NOBODY 65534u
#define CHILD_TIMEOUT_S 120u

/* Inputs copied from the source tree into the fixture directory, so a child running as
 * nobody can read them whatever the checkout's permissions. */
static const char *const pcaps[] = {"WebattackSQLinj.pcap", "log4j-webapp-exploit.pcap"};
#define PCAP_SRC "tests/data/corpus-mini/ndpi-4.2/pcap/"
#define RULES_SRC "rules/default"
#define CONFIG_SRC "agent/seawall.yaml"

#define CHECK(cond)                                                                           \
    do {                                                                                      \
        if (!(cond)) {                                                                        \
            fprintf(stderr, "%s:%d: child check failed: %s (errno %d)\n", __FILE__, __LINE__, \
                    #cond, errno);                                                            \
            return 1;                                                                         \
        }                                                                                     \
    } while (0)

struct fixture {
    char dir[32]; /* owned by the test, removed at teardown */
};

static struct fixture fx;

/* --- fixture ----------------------------------------------------------------------------- */

static int
copy_file(const char *from, const char *to)
{
    char buf[65536];
    ssize_t n;
    int in = open(from, O_RDONLY | O_CLOEXEC);
    int out = open(to, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    int rc = in >= 0 && out >= 0 ? 0 : -1;

    while (rc == 0 && (n = read(in, buf, sizeof(buf))) > 0) {
        if (write(out, buf, (size_t)n) != n)
            rc = -1;
    }
    if (in >= 0)
        close(in);
    if (out >= 0)
        close(out);
    return rc;
}

static int
setup(void **state)
{
    char from[512], to[512];
    struct dirent *de;
    DIR *d;

    snprintf(fx.dir, sizeof(fx.dir), "/tmp/sw-test-sandbox.XXXXXX");
    if (mkdtemp(fx.dir) == NULL)
        return -1;
    chmod(fx.dir, 0755);
    snprintf(to, sizeof(to), "%s/rules", fx.dir);
    if (mkdir(to, 0755) != 0)
        return -1;
    d = opendir(RULES_SRC);
    if (d == NULL)
        return -1;
    while ((de = readdir(d)) != NULL) {
        size_t n = strlen(de->d_name);
        if (n < 5 || strcmp(de->d_name + n - 4, ".yar") != 0)
            continue;
        snprintf(from, sizeof(from), "%s/%s", RULES_SRC, de->d_name);
        snprintf(to, sizeof(to), "%s/rules/%s", fx.dir, de->d_name);
        if (copy_file(from, to) != 0) {
            closedir(d);
            return -1;
        }
    }
    closedir(d);
    for (size_t i = 0; i < sizeof(pcaps) / sizeof(pcaps[0]); i++) {
        snprintf(from, sizeof(from), "%s%s", PCAP_SRC, pcaps[i]);
        snprintf(to, sizeof(to), "%s/%s", fx.dir, pcaps[i]);
        if (copy_file(from, to) != 0)
            return -1;
    }
    snprintf(to, sizeof(to), "%s/seawall.yaml", fx.dir);
    if (copy_file(CONFIG_SRC, to) != 0)
        return -1;
    *state = &fx;
    return 0;
}

static int
remove_tree(const char *path)
{
    struct stat st;

    if (lstat(path, &st) != 0)
        return 0;
    if (S_ISDIR(st.st_mode)) {
        DIR *d = opendir(path);
        struct dirent *de;
        char sub[1024];

        if (d == NULL)
            return -1;
        while ((de = readdir(d)) != NULL) {
            if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
                continue;
            snprintf(sub, sizeof(sub), "%s/%s", path, de->d_name);
            remove_tree(sub);
        }
        closedir(d);
        return rmdir(path);
    }
    return unlink(path);
}

static int
teardown(void **state)
{
    (void)state;
    return remove_tree(fx.dir);
}

/* --- children ---------------------------------------------------------------------------- */

/* Run fn(arg) in a forked child with a time limit. Returns its exit status, or 128 + signal
 * when killed (128 + SIGSYS = 159: a call outside the allow-list). */
static int
run_child(int (*fn)(void *), void *arg)
{
    int status;
    pid_t pid;

    fflush(NULL);
    pid = fork();
    if (pid == 0) {
        alarm(CHILD_TIMEOUT_S); /* a hung child dies by SIGALRM */
        int rc = fn(arg);
        fflush(NULL);
        exit(rc); /* exit, not _exit: LeakSanitizer's exit check runs under the filter too */
    }
    assert_true(pid > 0);
    assert_int_equal(waitpid(pid, &status, 0), pid);
    if (WIFSIGNALED(status))
        return 128 + WTERMSIG(status);
    return WEXITSTATUS(status);
}

/* A work child must exit 0; say how to find the call when it died by SIGSYS. */
static void
assert_child_ok(int rc)
{
    if (rc == 128 + SIGSYS)
        print_message("the child was killed by SIGSYS: a system call outside the allow-list; "
                      "rerun with SEAWALL_SECCOMP_LOG=1 and look for type=1326 in dmesg, or "
                      "under strace -f\n");
    assert_int_equal(rc, 0);
}

static bool
status_is(const char *key, const char *want)
{
    char line[256], v[128] = "";
    size_t kl = strlen(key);
    FILE *fp = fopen("/proc/self/status", "re");

    if (fp == NULL)
        return false;
    while (fgets(line, sizeof(line), fp) != NULL) {
        if (strncmp(line, key, kl) == 0 && line[kl] == ':') {
            sscanf(line + kl + 1, " %127s", v);
            break;
        }
    }
    fclose(fp);
    if (strcmp(v, want) != 0)
        fprintf(stderr, "%s: is '%s', expected '%s'\n", key, v, want);
    return strcmp(v, want) == 0;
}

static int
install(void)
{
    struct sw_err err;

    if (sw_sandbox_install(&err) != SW_OK) {
        fprintf(stderr, "sw_sandbox_install: %s\n", err.msg);
        return 1;
    }
    return 0;
}

/* --- the daemon's work after start-up ---------------------------------------------------- */

struct work {
    bool drop;     /* sw_priv_drop to nobody first (root only) */
    char dir[64];  /* per-child work directory (short: socket paths live in it) */
    int listen_fd; /* control socket, made before the drop as the daemon does */
    int notify_fd; /* our end of NOTIFY_SOCKET */
};

static void *
control_thread(void *arg)
{
    struct work *w = arg;
    struct pollfd p = {.fd = w->listen_fd, .events = POLLIN};
    char buf[64];
    intptr_t ok = 0;

    if (poll(&p, 1, 10000) == 1) {
        int c = accept4(w->listen_fd, NULL, NULL, SOCK_CLOEXEC);
        if (c >= 0) {
            ssize_t n = recv(c, buf, sizeof(buf), 0);
            ok = n == 7 && memcmp(buf, "status\n", 7) == 0 &&
                 send(c, "ok 42\n", 6, MSG_NOSIGNAL) == 6;
            close(c);
        }
    }
    return (void *)ok;
}

static int
control_round_trip(struct work *w)
{
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    pthread_t t;
    void *ok = NULL;
    char buf[16];
    int c;

    snprintf(sa.sun_path, sizeof(sa.sun_path), "%s/ctl.sock", w->dir);
    CHECK(pthread_create(&t, NULL, control_thread, w) == 0);
    c = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    CHECK(c >= 0);
    CHECK(connect(c, (struct sockaddr *)&sa, sizeof(sa)) == 0);
    CHECK(send(c, "status\n", 7, MSG_NOSIGNAL) == 7);
    CHECK(recv(c, buf, sizeof(buf), 0) == 6 && memcmp(buf, "ok 42\n", 6) == 0);
    close(c);
    CHECK(pthread_join(t, &ok) == 0 && ok != NULL);
    return 0;
}

static int
notify(struct work *w)
{
    char buf[128];
    ssize_t n;

    CHECK(sd_notify(0, "READY=1\nSTATUS=sandbox test") > 0);
    n = recv(w->notify_fd, buf, sizeof(buf) - 1, MSG_DONTWAIT);
    CHECK(n > 0);
    buf[n] = '\0';
    CHECK(strcmp(buf, "READY=1\nSTATUS=sandbox test") == 0);
    CHECK(sd_notify(0, "WATCHDOG=1") > 0);
    CHECK(recv(w->notify_fd, buf, sizeof(buf), MSG_DONTWAIT) == 10);
    return 0;
}

static int
signals(void)
{
    struct signalfd_siginfo si;
    struct timespec ts = {.tv_sec = 5};
    sigset_t set;
    int fd;

    sigemptyset(&set);
    sigaddset(&set, SIGHUP);
    sigaddset(&set, SIGUSR1);
    CHECK(pthread_sigmask(SIG_BLOCK, &set, NULL) == 0);
    CHECK(kill(getpid(), SIGHUP) == 0);
    sigdelset(&set, SIGUSR1);
    CHECK(sigtimedwait(&set, NULL, &ts) == SIGHUP);
    sigemptyset(&set);
    sigaddset(&set, SIGUSR1);
    fd = signalfd(-1, &set, SFD_CLOEXEC);
    CHECK(fd >= 0);
    CHECK(raise(SIGUSR1) == 0);
    CHECK(read(fd, &si, sizeof(si)) == (ssize_t)sizeof(si) && si.ssi_signo == SIGUSR1);
    close(fd);
    return 0;
}

static int
rules_and_cache(struct work *w, struct sw_yara_rules **out)
{
    char rules[512], cache[512];
    struct sw_yara_load_opts lo = {.dir = rules, .cache_dir = cache};
    struct sw_yara_load_stats st;
    struct sw_yara_rules *r;
    struct sw_err err;

    snprintf(rules, sizeof(rules), "%s/rules", fx.dir);
    snprintf(cache, sizeof(cache), "%s/cache/yara", w->dir);
    /* first load compiles and writes the cache (mkdir, open, write, rename) */
    r = sw_yara_load(&lo, &st, &err);
    CHECK(r != NULL);
    CHECK(st.files > 0 && st.files_failed == 0 && st.rules > 0);
    CHECK(st.cache_written && !st.from_cache);
    sw_yara_rules_destroy(r);
    /* the reload finds it */
    r = sw_yara_load(&lo, &st, &err);
    CHECK(r != NULL);
    CHECK(st.from_cache);
    *out = r;
    return 0;
}

/* seawall pcap's pipeline with the rules r (taken) behind the detection stage. */
static int
pipeline(struct work *w, struct sw_yara_rules *r)
{
    char files[2][512], out[512], buf[65536];
    const char *fv[2] = {files[0], files[1]};
    struct sw_config *cfg;
    struct sw_err err;
    ssize_t n;
    size_t len = 0;
    int fd, rc;

    for (size_t i = 0; i < 2; i++)
        snprintf(files[i], sizeof(files[i]), "%s/%s", fx.dir, pcaps[i]);
    snprintf(out, sizeof(out), "%s/eve.json", w->dir);
    cfg = sw_cfg_defaults(&err);
    if (cfg == NULL)
        sw_yara_rules_destroy(r);
    CHECK(cfg != NULL);
    struct sw_detect *det = sw_detect_create(&(struct sw_detect_opts){.cfg = cfg, .yara = r},
                                             NULL, &err);
    CHECK(det != NULL);
    struct sw_pcap_opts po = {
        .files = fv, .n_files = 2, .out = out, .workers = 2, .host = "sandbox-test", .detect = det};
    rc = sw_pipeline_pcap(cfg, &po, &err);
    sw_detect_destroy(det);
    sw_cfg_free(cfg);
    if (rc != 0)
        fprintf(stderr, "sw_pipeline_pcap: %d %s\n", rc, err.msg);
    CHECK(rc == 0);
    fd = open(out, O_RDONLY | O_CLOEXEC);
    CHECK(fd >= 0);
    while (len < sizeof(buf) - 1 && (n = read(fd, buf + len, sizeof(buf) - 1 - len)) > 0)
        len += (size_t)n;
    close(fd);
    buf[len] = '\0';
    CHECK(strstr(buf, "\"event_type\":\"flow\"") != NULL);
    CHECK(strstr(buf, "\"event_type\":\"fileinfo\"") != NULL);
    CHECK(strstr(buf, "\"event_type\":\"alert\"") != NULL);
    return 0;
}

/* Output rotation as the daemon's SIGHUP does it: the file was renamed away, reopen. */
static int
files(struct work *w)
{
    char path[512], rotated[512];
    struct dirent *de;
    struct stat st;
    int fd, seen = 0;
    DIR *d;

    snprintf(path, sizeof(path), "%s/eve.json", w->dir);
    snprintf(rotated, sizeof(rotated), "%s/eve.json.1", w->dir);
    CHECK(rename(path, rotated) == 0);
    fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
    CHECK(fd >= 0);
    CHECK(fstat(fd, &st) == 0 && st.st_size == 0);
    CHECK(write(fd, "{}\n", 3) == 3);
    CHECK(fsync(fd) == 0);
    close(fd);
    d = opendir(w->dir);
    CHECK(d != NULL);
    while ((de = readdir(d)) != NULL)
        seen += strncmp(de->d_name, "eve.json", 8) == 0;
    closedir(d);
    CHECK(seen == 2);
    CHECK(unlink(rotated) == 0);
    CHECK(stat(path, &st) == 0 && st.st_size == 3);
    return 0;
}

static int
libraries(void)
{
    static const char pdf[] = "%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\n";
    unsigned char z[256], back[256];
    uLongf zl = sizeof(z), bl = sizeof(back);
    struct sw_config *cfg;
    struct sw_err err;
    char path[512], owner[64];
    magic_t m;

    /* config reload (libyaml) */
    snprintf(path, sizeof(path), "%s/seawall.yaml", fx.dir);
    cfg = sw_cfg_load(path, NULL, 0, NULL, NULL, &err);
    if (cfg == NULL)
        fprintf(stderr, "sw_cfg_load: %s\n", err.msg);
    CHECK(cfg != NULL);
    sw_cfg_free(cfg);
    /* libmagic, loaded by a worker after start-up */
    m = magic_open(MAGIC_NONE);
    CHECK(m != NULL);
    CHECK(magic_load(m, NULL) == 0);
    const char *what = magic_buffer(m, pdf, sizeof(pdf) - 1);
    CHECK(what != NULL && strstr(what, "PDF") != NULL);
    magic_close(m);
    /* zlib */
    CHECK(compress2(z, &zl, (const Bytef *)pdf, sizeof(pdf), 9) == Z_OK);
    CHECK(uncompress(back, &bl, z, zl) == Z_OK && bl == sizeof(pdf));
    /* file owners for YARA externals (NSS) */
    sw_user_name(0, owner, sizeof(owner));
    CHECK(owner[0] != '\0');
    return 0;
}

static int
odds_and_ends(void)
{
    struct timespec ts = {.tv_nsec = 1000000};
    struct rusage ru;
    struct rlimit rl;
    struct tm tm;
    time_t now = time(NULL);
    char host[256], d[2048]; /* room for every capability's name when run as root */

    CHECK(clock_gettime(CLOCK_MONOTONIC, &ts) == 0);
    CHECK(clock_gettime(CLOCK_REALTIME, &ts) == 0);
    ts.tv_sec = 0;
    ts.tv_nsec = 1000000;
    CHECK(nanosleep(&ts, NULL) == 0);
    CHECK(localtime_r(&now, &tm) != NULL);
    CHECK(gethostname(host, sizeof(host)) == 0);
    CHECK(sysconf(_SC_NPROCESSORS_ONLN) > 0);
    CHECK(getrusage(RUSAGE_SELF, &ru) == 0);
    CHECK(getrlimit(RLIMIT_NOFILE, &rl) == 0);
    CHECK(isatty(STDERR_FILENO) >= 0);
    CHECK(prctl(PR_SET_NAME, "sw-test", 0, 0, 0) == 0);
    CHECK(pthread_setname_np(pthread_self(), "sw-main") == 0);
    sw_priv_describe(d, sizeof(d));
    CHECK(strstr(d, "nnp=1") != NULL);
    sw_log_warn("sandbox test: this log line was written under the filter");
    return 0;
}

/* Set up what the daemon opens before dropping: the control socket and sd_notify's peer. */
static int
work_prepare(struct work *w)
{
    struct sockaddr_un sa = {.sun_family = AF_UNIX};

    snprintf(w->dir, sizeof(w->dir), "%s/work-%d", fx.dir, (int)getpid());
    CHECK(mkdir(w->dir, 0700) == 0);
    w->listen_fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    CHECK(w->listen_fd >= 0);
    snprintf(sa.sun_path, sizeof(sa.sun_path), "%s/ctl.sock", w->dir);
    CHECK(bind(w->listen_fd, (struct sockaddr *)&sa, sizeof(sa)) == 0);
    CHECK(listen(w->listen_fd, 4) == 0);
    w->notify_fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    CHECK(w->notify_fd >= 0);
    snprintf(sa.sun_path, sizeof(sa.sun_path), "%s/notify.sock", w->dir);
    CHECK(bind(w->notify_fd, (struct sockaddr *)&sa, sizeof(sa)) == 0);
    CHECK(setenv("NOTIFY_SOCKET", sa.sun_path, 1) == 0);
    if (w->drop) { /* the daemon chowns its run_dir and socket to agent.user */
        char p[512];
        CHECK(chown(w->dir, NOBODY, NOBODY) == 0);
        snprintf(p, sizeof(p), "%s/ctl.sock", w->dir);
        CHECK(chown(p, NOBODY, NOBODY) == 0);
        snprintf(p, sizeof(p), "%s/notify.sock", w->dir);
        CHECK(chown(p, NOBODY, NOBODY) == 0);
    }
    return 0;
}

static int
child_daemon_work(void *arg)
{
    struct work *w = arg;
    struct sw_yara_rules *r = NULL;
    struct sw_err err;
    int rc;

    CHECK(work_prepare(w) == 0);
    if (w->drop && sw_priv_drop("nobody", "nogroup", &err) != SW_OK) {
        fprintf(stderr, "sw_priv_drop: %s\n", err.msg);
        return 1;
    }
    CHECK(!sw_sandbox_active());
    CHECK(install() == 0);
    CHECK(sw_sandbox_active());
    CHECK(status_is("Seccomp", "2"));
    CHECK(status_is("NoNewPrivs", "1"));
    /* from here on, only the allow-list */
    CHECK(sw_yara_init(&err) == SW_OK);
    rc = rules_and_cache(w, &r);
    if (rc == 0)
        rc = pipeline(w, r); /* takes r */
    else
        sw_yara_rules_destroy(r);
    sw_yara_fini();
    CHECK(rc == 0);
    CHECK(files(w) == 0);
    CHECK(libraries() == 0);
    CHECK(control_round_trip(w) == 0);
    CHECK(notify(w) == 0);
    CHECK(signals() == 0);
    CHECK(odds_and_ends() == 0);
    close(w->listen_fd);
    close(w->notify_fd);
    return 0;
}

static void
daemon_work_runs_under_the_filter(void **state)
{
    struct work w = {.drop = false};

    (void)state;
    assert_child_ok(run_child(child_daemon_work, &w));
}

static void
daemon_work_runs_dropped_and_filtered(void **state)
{
    struct work w = {.drop = true};

    (void)state;
    if (geteuid() != 0)
        skip();
    assert_child_ok(run_child(child_daemon_work, &w));
}

/* --- live capture: what a capture thread does with a handle opened before the drop -------- */

struct capture {
    pcap_t *pc;    /* opened before install */
    int udp;       /* a sender made before install: no AF_INET socket can be made after */
    unsigned seen; /* packets delivered to the callback */
    bool ok;
};

static void
count_packet(u_char *user, const struct pcap_pkthdr *h, const u_char *bytes)
{
    struct capture *c = (struct capture *)user;

    (void)bytes;
    if (h->caplen > 0)
        c->seen++;
}

static void *
capture_thread(void *arg)
{
    struct capture *c = arg;
    struct pollfd p = {.fd = pcap_get_selectable_fd(c->pc), .events = POLLIN};
    struct pcap_stat ps;
    struct timespec t0, t;

    clock_gettime(CLOCK_MONOTONIC, &t0);
    do {
        if (poll(&p, 1, 100) < 0)
            return NULL;
        if (pcap_dispatch(c->pc, -1, count_packet, (u_char *)c) < 0)
            return NULL;
        clock_gettime(CLOCK_MONOTONIC, &t);
    } while (c->seen < 3 && t.tv_sec - t0.tv_sec < 10);
    c->ok = c->seen >= 3 && pcap_stats(c->pc, &ps) == 0 && ps.ps_recv >= 3;
    return NULL;
}

/* Bring up lo in a fresh network namespace: the capture sees only this test's packets. */
static int
private_loopback(void)
{
    struct ifreq ifr;
    int s;

    CHECK(unshare(CLONE_NEWNET) == 0);
    s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    CHECK(s >= 0);
    memset(&ifr, 0, sizeof(ifr));
    snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "lo");
    CHECK(ioctl(s, SIOCGIFFLAGS, &ifr) == 0);
    ifr.ifr_flags |= IFF_UP;
    CHECK(ioctl(s, SIOCSIFFLAGS, &ifr) == 0);
    close(s);
    return 0;
}

static int
child_capture(void *arg)
{
    struct sockaddr_in to = {.sin_family = AF_INET, .sin_port = htons(9)};
    char errbuf[PCAP_ERRBUF_SIZE];
    struct capture c = {.pc = NULL};
    struct bpf_program prog;
    struct sw_err err;
    pthread_t t;

    (void)arg;
    CHECK(private_loopback() == 0);
    to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    /* start-up, privileged: the handle as the daemon opens it */
    c.pc = pcap_create("lo", errbuf);
    CHECK(c.pc != NULL);
    CHECK(pcap_set_snaplen(c.pc, 65535) == 0 && pcap_set_promisc(c.pc, 1) == 0);
    CHECK(pcap_set_timeout(c.pc, 100) == 0 && pcap_set_buffer_size(c.pc, 1 << 20) == 0);
    CHECK(pcap_activate(c.pc) == 0);
    CHECK(pcap_compile(c.pc, &prog, "udp port 9", 1, PCAP_NETMASK_UNKNOWN) == 0);
    CHECK(pcap_setfilter(c.pc, &prog) == 0);
    pcap_freecode(&prog);
    CHECK(pcap_setnonblock(c.pc, 1, errbuf) == 0);
    c.udp = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    CHECK(c.udp >= 0);
    if (sw_priv_drop("nobody", "nogroup", &err) != SW_OK) {
        fprintf(stderr, "sw_priv_drop: %s\n", err.msg);
        return 1;
    }
    CHECK(install() == 0);
    /* after start-up: a capture thread reads, stats, and the handle is closed at exit */
    CHECK(pthread_create(&t, NULL, capture_thread, &c) == 0);
    for (int i = 0; i < 3; i++)
        CHECK(sendto(c.udp, "x", 1, 0, (struct sockaddr *)&to, sizeof(to)) == 1);
    CHECK(pthread_join(t, NULL) == 0);
    if (!c.ok)
        fprintf(stderr, "capture: %u packets seen\n", c.seen);
    CHECK(c.ok);
    pcap_breakloop(c.pc);
    pcap_close(c.pc);
    close(c.udp);
    return 0;
}

static void
capture_runs_dropped_and_filtered(void **state)
{
    (void)state;
    if (geteuid() != 0)
        skip();
    assert_child_ok(run_child(child_capture, NULL));
}

/* --- forbidden calls ---------------------------------------------------------------------- */

enum forbidden {
    F_SOCKET_INET,
    F_SOCKET_PACKET,
    F_EXECVE,
    F_SETUID,
    F_SETGROUPS,
    F_MOUNT,
    F_BPF,
    F_UNSHARE,
    F_CHOWN,
    F_TIOCSTI,
    F_MMAP_WX,
    F_MPROTECT_WX,
    F_KILL_OTHER,
    F_SETRLIMIT,
    F_FORK,        /* release build only: sanitizers need clone */
    F_PTRACE,      /* release build only */
    F_PRCTL_WRITE, /* release build only */
};

static int
child_forbidden(void *arg)
{
    enum forbidden f = *(const enum forbidden *)arg;
    struct rlimit rl = {.rlim_cur = 64, .rlim_max = 64};
    char *const argv[] = {"/bin/true", NULL};
    char c = 'x';
    void *p;

    if (install() != 0)
        return 1;
    switch (f) {
    case F_SOCKET_INET:
        (void)socket(AF_INET, SOCK_STREAM, 0);
        break;
    case F_SOCKET_PACKET:
        (void)socket(AF_PACKET, SOCK_RAW, 0);
        break;
    case F_EXECVE:
        execv(argv[0], argv);
        break;
    case F_SETUID:
        (void)syscall(SYS_setuid, 0);
        break;
    case F_SETGROUPS:
        (void)syscall(SYS_setgroups, 0, NULL);
        break;
    case F_MOUNT:
        (void)mount("none", "/mnt", "tmpfs", 0, NULL);
        break;
    case F_BPF:
        (void)syscall(SYS_bpf, 0, NULL, 0);
        break;
    case F_UNSHARE:
        (void)unshare(CLONE_NEWUSER);
        break;
    case F_CHOWN:
        if (chown(fx.dir, 0, 0) == 0)
            return 4;
        break;
    case F_TIOCSTI:
        (void)ioctl(STDIN_FILENO, TIOCSTI, &c);
        break;
    case F_MMAP_WX:
        p = mmap(NULL, 4096, PROT_READ | PROT_WRITE | PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS, -1,
                 0);
        (void)p;
        break;
    case F_MPROTECT_WX:
        p = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (p == MAP_FAILED)
            return 2;
        (void)mprotect(p, 4096, PROT_READ | PROT_WRITE | PROT_EXEC);
        break;
    case F_KILL_OTHER:
        (void)kill(getppid(), 0);
        break;
    case F_SETRLIMIT:
        (void)setrlimit(RLIMIT_NOFILE, &rl);
        break;
    case F_FORK:
        if (fork() == 0)
            _exit(0);
        break;
    case F_PTRACE:
        (void)ptrace(PTRACE_TRACEME, 0, NULL, NULL);
        break;
    case F_PRCTL_WRITE:
        (void)prctl(PR_SET_DUMPABLE, 1, 0, 0, 0);
        break;
    }
    return 3; /* the call came back: not forbidden */
}

static void
forbidden_calls_kill_the_process(void **state)
{
    static const char *const names[] = {
        "socket(AF_INET)",
        "socket(AF_PACKET)",
        "execve",
        "setuid",
        "setgroups",
        "mount",
        "bpf",
        "unshare",
        "chown",
        "ioctl(TIOCSTI)",
        "mmap(W+X)",
        "mprotect(W+X)",
        "kill(parent)",
        "setrlimit",
        "fork",
        "ptrace",
        "prctl(PR_SET_DUMPABLE)",
    };
    enum forbidden last = SW_SANDBOX_SANITIZER ? F_SETRLIMIT : F_PRCTL_WRITE;
    int fails = 0;

    (void)state;
    for (enum forbidden f = F_SOCKET_INET; f <= last; f++) {
        int rc = run_child(child_forbidden, &f);
        if (rc != 128 + SIGSYS) {
            print_message("%s: child ended with %d, expected death by SIGSYS (%d)\n", names[f], rc,
                          128 + SIGSYS);
            fails++;
        }
    }
    assert_int_equal(fails, 0);
}

/* --- the host side's group (files.paths) ------------------------------------------------- */

/* With files on: what the watcher and scan threads do after start-up works (directory
 * watches on a descriptor made before, a directory's file handle, lowering one's own
 * priorities); priorities of others and the rest of the list stay forbidden. */
static int
child_files_work(void *arg)
{
    struct sw_err err;
    struct {
        struct file_handle fh;
        unsigned char bytes[128];
    } h;
    int ino = inotify_init1(IN_CLOEXEC), mnt, wd;
    int which = *(const int *)arg;

    if (ino < 0 || sw_sandbox_install_for(true, false, &err) != SW_OK)
        return 1;
    wd = inotify_add_watch(ino, fx.dir, IN_CREATE);
    if (wd < 0 || inotify_rm_watch(ino, wd) != 0)
        return 2;
    h.fh.handle_bytes = sizeof(h.bytes);
    if (name_to_handle_at(AT_FDCWD, fx.dir, &h.fh, &mnt, 0) != 0 && errno != EOPNOTSUPP)
        return 3;
    if (setpriority(PRIO_PROCESS, (id_t)syscall(SYS_gettid), 10) != 0)
        return 4;
    if (syscall(SYS_ioprio_set, 1 /* IOPRIO_WHO_PROCESS */, 0, (2 << 13) | 7) != 0)
        return 5;
    if (which == 1)
        (void)setpriority(PRIO_PGRP, 0, 10); /* must die here */
    if (which == 2)
        (void)socket(AF_INET, SOCK_STREAM, 0); /* the rest of the list is unchanged */
    return 0;
}

/* Without files the group is not there: a watch added after start-up kills. */
static int
child_no_files_no_watch(void *arg)
{
    int ino = inotify_init1(IN_CLOEXEC);

    (void)arg;
    if (ino < 0 || install() != 0)
        return 1;
    (void)inotify_add_watch(ino, fx.dir, IN_CREATE);
    return 3;
}

static void
files_group_only_with_files_and_only_for_oneself(void **state)
{
    int which;

    (void)state;
    which = 0;
    assert_child_ok(run_child(child_files_work, &which));
    which = 1;
    assert_int_equal(run_child(child_files_work, &which), 128 + SIGSYS);
    which = 2;
    assert_int_equal(run_child(child_files_work, &which), 128 + SIGSYS);
    assert_int_equal(run_child(child_no_files_no_watch, NULL), 128 + SIGSYS);
}

/* A thread that exists before the install is filtered too (TSYNC). */
static void *
late_caller(void *arg)
{
    char c;
    ssize_t n = read(*(int *)arg, &c, 1); /* wait until the main thread installed */

    (void)n;
    (void)socket(AF_INET, SOCK_DGRAM, 0);
    return NULL;
}

static int
child_thread_before_install(void *arg)
{
    pthread_t t;
    int p[2];

    (void)arg;
    CHECK(pipe(p) == 0);
    CHECK(pthread_create(&t, NULL, late_caller, &p[0]) == 0);
    CHECK(install() == 0);
    CHECK(write(p[1], "g", 1) == 1);
    pthread_join(t, NULL);
    return 3; /* the thread's socket call came back */
}

static void
filter_covers_threads_started_before(void **state)
{
    (void)state;
    assert_int_equal(run_child(child_thread_before_install, NULL), 128 + SIGSYS);
}

static int
child_clone3(void *arg)
{
    (void)arg;
    CHECK(install() == 0);
    errno = 0;
    CHECK(syscall(SYS_clone3, NULL, 0) == -1 && errno == ENOSYS);
    return 0;
}

static void
clone3_fails_with_enosys(void **state)
{
    (void)state;
    assert_int_equal(run_child(child_clone3, NULL), 0);
}

/* --- SEAWALL_SECCOMP_LOG ----------------------------------------------------------------- */

static int
child_log_mode(void *arg)
{
    const char *value = arg;
    int fd;

    CHECK(setenv(SW_SANDBOX_LOG_ENV, value, 1) == 0);
    CHECK(install() == 0);
    CHECK(status_is("Seccomp", "2"));
    fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0); /* logged by the kernel, not fatal */
    CHECK(fd >= 0);
    close(fd);
    return 0;
}

static void
log_mode_lets_calls_through(void **state)
{
    (void)state;
    assert_int_equal(run_child(child_log_mode, "1"), 0);
    /* anything but "1" keeps the kill */
    assert_int_equal(run_child(child_log_mode, "yes"), 128 + SIGSYS);
    assert_int_equal(run_child(child_log_mode, "0"), 128 + SIGSYS);
}

static void
active_is_false_without_filter(void **state)
{
    (void)state;
    assert_false(sw_sandbox_active());
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(active_is_false_without_filter),
        cmocka_unit_test(daemon_work_runs_under_the_filter),
        cmocka_unit_test(daemon_work_runs_dropped_and_filtered),
        cmocka_unit_test(capture_runs_dropped_and_filtered),
        cmocka_unit_test(forbidden_calls_kill_the_process),
        cmocka_unit_test(files_group_only_with_files_and_only_for_oneself),
        cmocka_unit_test(filter_covers_threads_started_before),
        cmocka_unit_test(clone3_fails_with_enosys),
        cmocka_unit_test(log_mode_lets_calls_through),
    };

    /* the pipeline and rule loader log; keep the output to real problems */
    sw_log_setup(SW_LOG_WARNING, SW_LOG_MODE_CLI);
    return cmocka_run_group_tests(tests, setup, teardown);
}
