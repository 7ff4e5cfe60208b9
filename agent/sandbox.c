/* sandbox.c - the seccomp allow-list of `seawall run` (see include/sw/sandbox.h).
 *
 * One table, one group per line of the daemon's work after start-up, each saying who needs
 * it. Names the native architecture does not have (open on aarch64) are skipped. Adding a
 * call: find it with SEAWALL_SECCOMP_LOG=1 (or strace -f), put it in the group of the code
 * that needs it, and say why. */
#include "sw/sandbox.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/netlink.h>
#include <linux/sockios.h>
#include <sched.h>
#include <seccomp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include "sw/log.h"

/* How a call's arguments are checked. */
enum sc_arg {
    SC_ANY,         /* no check */
    SC_UNIX_ONLY,   /* socket: domain (arg0) AF_UNIX */
    SC_THREAD_ONLY, /* clone: CLONE_THREAD in flags (arg0), so never a new process */
    SC_NO_WX,       /* mmap, mprotect: prot (arg2) never both PROT_WRITE and PROT_EXEC */
    SC_SELF,        /* kill, tgkill: pid/tgid (arg0) is this process */
    SC_GET_ONLY,    /* prlimit64: new limit (arg2) NULL */
    SC_IOCTL_READ,  /* ioctl: request (arg1) one of ioctl_ok[] */
    SC_PRCTL_READ,  /* prctl: option (arg0) one of prctl_ok[], or PR_CAP_AMBIENT_IS_SET */
    SC_ENOSYS,      /* fail with ENOSYS instead of killing */
    SC_PRIO_SELF,   /* setpriority: which (arg0) PRIO_PROCESS, a thread of ours by tid */
    SC_IOPRIO_SELF, /* ioprio_set: which (arg0) IOPRIO_WHO_PROCESS (1) */
    SC_INET_ONLY,   /* socket: domain (arg0) AF_INET or AF_INET6 */
    SC_IOCTL_OUTQ,  /* ioctl: request (arg1) SIOCOUTQ only */
    SC_NETLINK_ROUTE, /* socket: domain (arg0) AF_NETLINK, protocol (arg2) NETLINK_ROUTE */
};

struct sc_rule {
    const char *name;
    enum sc_arg arg;
};

/* clang-format off */
static const struct sc_rule allow[] = {
    /* Memory: glibc malloc and thread stacks; nDPI, libyara, libmagic, zlib and Jansson
     * allocate through it. Nothing JITs, so no page is writable and executable at once;
     * read-only executable mappings stay for NSS modules glibc may load in getpwuid_r. */
    {"brk", SC_ANY}, {"mmap", SC_NO_WX}, {"mprotect", SC_NO_WX}, {"munmap", SC_ANY},
    {"mremap", SC_ANY}, {"madvise", SC_ANY},

    /* Files: SIGHUP re-reads the YAML config (libyaml), walks the rules directory
     * (getdents64, openat, fstat, read), loads and saves the compiled-rule cache (open,
     * write, rename, unlink, mkdir); output files are reopened (O_APPEND|O_CREAT), written
     * and fsynced; stderr gets the log; glibc and libraries read /proc, /sys and /etc
     * (thread names, CPU count, time zone, NSS, libmagic's database). */
    {"openat", SC_ANY}, {"open", SC_ANY}, {"close", SC_ANY}, {"read", SC_ANY},
    {"pread64", SC_ANY}, {"readv", SC_ANY}, {"write", SC_ANY}, {"pwrite64", SC_ANY},
    {"writev", SC_ANY}, {"lseek", SC_ANY}, {"fstat", SC_ANY}, {"newfstatat", SC_ANY},
    {"stat", SC_ANY}, {"lstat", SC_ANY}, {"statx", SC_ANY}, {"statfs", SC_ANY},
    {"fstatfs", SC_ANY}, {"getdents64", SC_ANY}, {"fcntl", SC_ANY}, {"dup", SC_ANY},
    {"dup2", SC_ANY}, {"dup3", SC_ANY}, {"fsync", SC_ANY}, {"fdatasync", SC_ANY},
    {"ftruncate", SC_ANY}, {"fadvise64", SC_ANY}, {"rename", SC_ANY}, {"renameat", SC_ANY},
    {"renameat2", SC_ANY}, {"unlink", SC_ANY}, {"unlinkat", SC_ANY}, {"mkdir", SC_ANY},
    {"mkdirat", SC_ANY}, {"readlink", SC_ANY}, {"readlinkat", SC_ANY}, {"access", SC_ANY},
    {"faccessat", SC_ANY}, {"faccessat2", SC_ANY}, {"getcwd", SC_ANY}, {"umask", SC_ANY},

    /* Sockets: the control thread (poll, accept4, recv, send on <run_dir>/seawall.sock);
     * sd_notify (a new AF_UNIX datagram socket per message, SO_SNDBUF, sendmsg); libpcap on
     * the capture sockets opened before (recvfrom, getsockopt PACKET_STATISTICS, setsockopt
     * to unmap the ring at close). A new socket can only be AF_UNIX: nothing reachable from
     * the network can be opened after start-up. */
    {"socket", SC_UNIX_ONLY}, {"connect", SC_ANY}, {"accept", SC_ANY}, {"accept4", SC_ANY},
    {"recvfrom", SC_ANY}, {"recvmsg", SC_ANY}, {"sendto", SC_ANY}, {"sendmsg", SC_ANY},
    {"shutdown", SC_ANY}, {"getsockopt", SC_ANY}, {"setsockopt", SC_ANY},
    {"getsockname", SC_ANY}, {"getpeername", SC_ANY},

    /* Waiting and waking: poll loops of the capture, control and output threads, eventfd
     * bells between the pipeline's threads, wake-up pipes or socket pairs (AF_UNIX only),
     * timers of the main loop (stats interval, watchdog), mutexes and condition variables
     * (futex), sleeps and back-off. */
    {"poll", SC_ANY}, {"ppoll", SC_ANY}, {"select", SC_ANY}, {"pselect6", SC_ANY},
    {"epoll_create1", SC_ANY}, {"epoll_ctl", SC_ANY}, {"epoll_wait", SC_ANY},
    {"epoll_pwait", SC_ANY}, {"eventfd2", SC_ANY}, {"pipe", SC_ANY}, {"pipe2", SC_ANY},
    {"socketpair", SC_UNIX_ONLY}, {"timerfd_create", SC_ANY}, {"timerfd_settime", SC_ANY},
    {"timerfd_gettime", SC_ANY}, {"futex", SC_ANY}, {"nanosleep", SC_ANY},
    {"clock_nanosleep", SC_ANY}, {"sched_yield", SC_ANY},

    /* Threads: pthread_create is clone with CLONE_THREAD (so no fork); glibc's thread
     * start-up (set_robust_list, rseq) and exit; CPU count (sched_getaffinity). clone3 keeps
     * its flags in memory where no filter can read them: it fails with ENOSYS and glibc
     * falls back to clone, which is checked. */
    {"clone", SC_THREAD_ONLY}, {"clone3", SC_ENOSYS}, {"set_robust_list", SC_ANY},
    {"rseq", SC_ANY}, {"gettid", SC_ANY}, {"exit", SC_ANY}, {"exit_group", SC_ANY},
    {"sched_getaffinity", SC_ANY},

    /* Signals: the main thread waits for SIGHUP/SIGTERM (sigwaitinfo/sigtimedwait or
     * signalfd), every thread masks them; raise(), abort() and pthread_kill reach only this
     * process. */
    {"rt_sigaction", SC_ANY}, {"rt_sigprocmask", SC_ANY}, {"rt_sigreturn", SC_ANY},
    {"rt_sigtimedwait", SC_ANY}, {"rt_sigpending", SC_ANY}, {"rt_sigsuspend", SC_ANY},
    {"sigaltstack", SC_ANY}, {"signalfd4", SC_ANY}, {"restart_syscall", SC_ANY},
    {"kill", SC_SELF}, {"tgkill", SC_SELF},

    /* Clocks (mostly served by the vDSO): timestamps, stats intervals, YARA time limits. */
    {"clock_gettime", SC_ANY}, {"clock_getres", SC_ANY}, {"gettimeofday", SC_ANY},
    {"time", SC_ANY},

    /* Read-only facts about the process: ids (sd_notify credentials, status), host name for
     * EVE (uname), memory for stats and glibc's qsort (sysinfo, getrusage, times), limits
     * (prlimit64 read only), randomness (hash seeds, OpenSSL), capabilities
     * (sw_priv_describe). */
    {"getpid", SC_ANY}, {"getppid", SC_ANY}, {"getuid", SC_ANY}, {"geteuid", SC_ANY},
    {"getgid", SC_ANY}, {"getegid", SC_ANY}, {"getresuid", SC_ANY}, {"getresgid", SC_ANY},
    {"getgroups", SC_ANY}, {"uname", SC_ANY}, {"sysinfo", SC_ANY}, {"getrusage", SC_ANY},
    {"times", SC_ANY}, {"getrlimit", SC_ANY}, {"prlimit64", SC_GET_ONLY},
    {"getrandom", SC_ANY}, {"capget", SC_ANY},

    /* ioctl, read-only requests only: isatty() on stderr (TCGETS, TIOCGWINSZ), FIONREAD,
     * FIONBIO, FIOCLEX; libpcap looks at an interface that reported an error (SIOCGIF*). */
    {"ioctl", SC_IOCTL_READ},

    /* prctl, reads and thread names only (PR_SET_NAME). */
    {"prctl", SC_PRCTL_READ},
};

/* The host side (files.paths), only when it runs: the file watcher marks directories that
 * appear (fanotify with directory marks) or watches them (inotify) and takes the file handle
 * of each directory it follows (fanotify names directories by handle); the scan threads
 * lower their own CPU and I/O priority once at start (only ever for a thread of this
 * process: which = PRIO_PROCESS, IOPRIO_WHO_PROCESS). The fanotify groups and the inotify
 * descriptor are made before the filter: no fanotify_init or inotify_init1 here. */
static const struct sc_rule allow_files[] = {
    {"fanotify_mark", SC_ANY}, {"inotify_add_watch", SC_ANY}, {"inotify_rm_watch", SC_ANY},
    {"name_to_handle_at", SC_ANY}, {"setpriority", SC_PRIO_SELF}, {"ioprio_set", SC_IOPRIO_SELF},
};

/* Only with network sinks in outputs (tcp, syslog, http, kafka): connections to the receivers
 * are made, and made again after a failure, long after start-up. New sockets may then also be
 * AF_INET or AF_INET6 (the receivers, and DNS lookups of their names, which glibc sends with
 * sendmmsg); SIOCOUTQ reads how many written bytes the receiver's TCP has not acknowledged
 * (output/sink_conn.c counts a record delivered once it is 0 past it).
 * librdkafka's broker threads (kafka sink) resolve broker names with getaddrinfo and
 * AI_ADDRCONFIG, for which glibc opens a NETLINK_ROUTE socket and binds it to list the local
 * addresses (also for address literals); libcurl's resolver threads (http sink) do the same
 * for names. bind cannot be limited to netlink sockets by a filter, but nothing can listen
 * (listen and accept on inet sockets stay refused: accept is for the control socket). */
static const struct sc_rule allow_net[] = {
    {"socket", SC_INET_ONLY}, {"sendmmsg", SC_ANY}, {"ioctl", SC_IOCTL_OUTQ},
    {"socket", SC_NETLINK_ROUTE}, {"bind", SC_ANY},
};

/* Sanitizer builds only. LeakSanitizer's exit check clone()s a tracer (no CLONE_THREAD)
 * that lists the threads (getdents on /proc/self/task), ptrace()s each, waits for it and
 * sets its parent-death signal (prctl); reports fork() llvm-symbolizer (its
 * execve is still refused, which kills only that child: reports stay unsymbolised, so run
 * with ASAN_OPTIONS=symbolize=0 or read them with asan_symbolize). Never in a release
 * build. */
static const struct sc_rule allow_sanitizer[] = {
    {"clone", SC_ANY}, {"fork", SC_ANY}, {"ptrace", SC_ANY}, {"wait4", SC_ANY},
    {"prctl", SC_ANY}, {"getdents", SC_ANY},
};
/* clang-format on */

static const unsigned long ioctl_ok[] = {
    TCGETS,   TIOCGWINSZ,   FIONREAD,     FIONBIO,    FIOCLEX,
    FIONCLEX, SIOCGIFFLAGS, SIOCGIFINDEX, SIOCGIFMTU, SIOCGIFNAME,
};

static const int prctl_ok[] = {
    PR_SET_NAME,         PR_GET_NAME,       PR_GET_DUMPABLE, PR_CAPBSET_READ,
    PR_GET_NO_NEW_PRIVS, PR_GET_SECUREBITS, PR_GET_KEEPCAPS, PR_GET_SECCOMP,
};

/* int arguments: the kernel looks at the low 32 bits only, so compare only those. */
#define SC_LOW32 0xffffffffull

/* One argument comparison (libseccomp's SCMP_A* macros leave datum_b out, which clang's
 * -Wmissing-field-initializers rejects). EQ compares datum_a; MASKED_EQ is
 * (arg & datum_a) == datum_b. */
static struct scmp_arg_cmp
cmp(unsigned arg, enum scmp_compare op, scmp_datum_t a, scmp_datum_t b)
{
    return (struct scmp_arg_cmp){.arg = arg, .op = op, .datum_a = a, .datum_b = b};
}

static int
add(scmp_filter_ctx ctx, uint32_t action, int nr, unsigned n, const struct scmp_arg_cmp *cmp)
{
    return seccomp_rule_add_exact_array(ctx, action, nr, n, cmp);
}

/* The rules of one table row. Returns 0 or a negative errno (libseccomp's convention). */
static int
add_rule(scmp_filter_ctx ctx, const struct sc_rule *r, pid_t self)
{
    int nr = seccomp_syscall_resolve_name(r->name);
    struct scmp_arg_cmp c[2];
    int rc = 0;

    if (nr < 0) /* not a call of this architecture */
        return 0;
    switch (r->arg) {
    case SC_ANY:
        return add(ctx, SCMP_ACT_ALLOW, nr, 0, NULL);
    case SC_ENOSYS:
        return add(ctx, SCMP_ACT_ERRNO(ENOSYS), nr, 0, NULL);
    case SC_UNIX_ONLY:
        c[0] = cmp(0, SCMP_CMP_MASKED_EQ, SC_LOW32, AF_UNIX);
        return add(ctx, SCMP_ACT_ALLOW, nr, 1, c);
    case SC_INET_ONLY:
        c[0] = cmp(0, SCMP_CMP_MASKED_EQ, SC_LOW32, AF_INET);
        rc = add(ctx, SCMP_ACT_ALLOW, nr, 1, c);
        if (rc == 0) {
            c[0] = cmp(0, SCMP_CMP_MASKED_EQ, SC_LOW32, AF_INET6);
            rc = add(ctx, SCMP_ACT_ALLOW, nr, 1, c);
        }
        return rc;
    case SC_NETLINK_ROUTE:
        c[0] = cmp(0, SCMP_CMP_MASKED_EQ, SC_LOW32, AF_NETLINK);
        c[1] = cmp(2, SCMP_CMP_MASKED_EQ, SC_LOW32, NETLINK_ROUTE);
        return add(ctx, SCMP_ACT_ALLOW, nr, 2, c);
    case SC_IOCTL_OUTQ:
        c[0] = cmp(1, SCMP_CMP_MASKED_EQ, SC_LOW32, SIOCOUTQ);
        return add(ctx, SCMP_ACT_ALLOW, nr, 1, c);
    case SC_THREAD_ONLY:
        c[0] = cmp(0, SCMP_CMP_MASKED_EQ, CLONE_THREAD, CLONE_THREAD);
        return add(ctx, SCMP_ACT_ALLOW, nr, 1, c);
    case SC_NO_WX:
        /* Two rules: "no PROT_EXEC" or "no PROT_WRITE"; only W+X matches neither. */
        c[0] = cmp(2, SCMP_CMP_MASKED_EQ, PROT_EXEC, 0);
        rc = add(ctx, SCMP_ACT_ALLOW, nr, 1, c);
        if (rc == 0) {
            c[0] = cmp(2, SCMP_CMP_MASKED_EQ, PROT_WRITE, 0);
            rc = add(ctx, SCMP_ACT_ALLOW, nr, 1, c);
        }
        return rc;
    case SC_SELF:
        c[0] = cmp(0, SCMP_CMP_MASKED_EQ, SC_LOW32, (scmp_datum_t)self);
        return add(ctx, SCMP_ACT_ALLOW, nr, 1, c);
    case SC_GET_ONLY:
        c[0] = cmp(2, SCMP_CMP_EQ, 0, 0);
        return add(ctx, SCMP_ACT_ALLOW, nr, 1, c);
    case SC_PRIO_SELF:
    case SC_IOPRIO_SELF:
        c[0] = cmp(0, SCMP_CMP_MASKED_EQ, SC_LOW32, r->arg == SC_PRIO_SELF ? PRIO_PROCESS : 1);
        return add(ctx, SCMP_ACT_ALLOW, nr, 1, c);
    case SC_IOCTL_READ:
        for (size_t i = 0; i < sizeof(ioctl_ok) / sizeof(ioctl_ok[0]) && rc == 0; i++) {
            c[0] = cmp(1, SCMP_CMP_MASKED_EQ, SC_LOW32, ioctl_ok[i]);
            rc = add(ctx, SCMP_ACT_ALLOW, nr, 1, c);
        }
        return rc;
    case SC_PRCTL_READ:
        for (size_t i = 0; i < sizeof(prctl_ok) / sizeof(prctl_ok[0]) && rc == 0; i++) {
            c[0] = cmp(0, SCMP_CMP_MASKED_EQ, SC_LOW32, (scmp_datum_t)prctl_ok[i]);
            rc = add(ctx, SCMP_ACT_ALLOW, nr, 1, c);
        }
        if (rc == 0) {
            c[0] = cmp(0, SCMP_CMP_MASKED_EQ, SC_LOW32, PR_CAP_AMBIENT);
            c[1] = cmp(1, SCMP_CMP_EQ, PR_CAP_AMBIENT_IS_SET, 0);
            rc = add(ctx, SCMP_ACT_ALLOW, nr, 2, c);
        }
        return rc;
    }
    return -EINVAL;
}

static int
add_table(scmp_filter_ctx ctx, const struct sc_rule *t, size_t n, pid_t self, const char **failed)
{
    for (size_t i = 0; i < n; i++) {
        int rc = add_rule(ctx, &t[i], self);
        if (rc != 0) {
            *failed = t[i].name;
            return rc;
        }
    }
    return 0;
}

enum sw_rc
sw_sandbox_install(struct sw_err *err)
{
    return sw_sandbox_install_for(false, false, err);
}

enum sw_rc
sw_sandbox_install_for(bool files, bool network_sinks, struct sw_err *err)
{
    const char *env = secure_getenv(SW_SANDBOX_LOG_ENV);
    bool log_only = env != NULL && strcmp(env, "1") == 0;
    uint32_t def = log_only ? SCMP_ACT_LOG : SCMP_ACT_KILL_PROCESS;
    const char *failed = NULL;
    pid_t self = getpid();
    scmp_filter_ctx ctx;
    enum sw_rc ret = SW_OK;
    int rc;

    ctx = seccomp_init(def);
    if (ctx == NULL)
        return sw_err_set(err, SW_ENOMEM, "seccomp: seccomp_init failed (out of memory?)");
    /* A call made through another ABI (int 0x80, x32) gets the default action too;
     * no_new_privs is what lets an unprivileged process load a filter at all; every thread,
     * should one exist already, gets the same filter (TSYNC); the kernel's own errno from
     * seccomp_load, not libseccomp's generic one. */
    rc = seccomp_attr_set(ctx, SCMP_FLTATR_ACT_BADARCH, def);
    if (rc == 0)
        rc = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_NNP, 1);
    if (rc == 0)
        rc = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_TSYNC, 1);
    if (rc == 0)
        rc = seccomp_attr_set(ctx, SCMP_FLTATR_API_SYSRAWRC, 1);
    if (rc != 0) {
        errno = -rc;
        ret = sw_err_sys(err, SW_EIO, "seccomp: setting filter attributes");
        goto out;
    }
    rc = add_table(ctx, allow, sizeof(allow) / sizeof(allow[0]), self, &failed);
    if (rc == 0 && files)
        rc = add_table(ctx, allow_files, sizeof(allow_files) / sizeof(allow_files[0]), self,
                       &failed);
    if (rc == 0 && network_sinks)
        rc = add_table(ctx, allow_net, sizeof(allow_net) / sizeof(allow_net[0]), self, &failed);
    if (rc == 0 && SW_SANDBOX_SANITIZER)
        rc = add_table(ctx, allow_sanitizer, sizeof(allow_sanitizer) / sizeof(allow_sanitizer[0]),
                       self, &failed);
    if (rc != 0) {
        errno = -rc;
        ret = sw_err_sys(err, SW_EIO, "seccomp: rule for %s", failed);
        goto out;
    }
    rc = seccomp_load(ctx);
    if (rc != 0) {
        errno = -rc;
        ret = sw_err_sys(err, SW_EIO, "seccomp: loading the filter");
        goto out;
    }
    if (log_only)
        sw_log_warn("seccomp: %s=1: system calls outside the allow-list are logged by the "
                    "kernel (audit type=1326), not stopped",
                    SW_SANDBOX_LOG_ENV);
out:
    seccomp_release(ctx);
    return ret;
}

bool
sw_sandbox_active(void)
{
    char line[256];
    int mode = 0;
    FILE *fp = fopen("/proc/self/status", "re");

    if (fp == NULL)
        return false;
    while (fgets(line, sizeof(line), fp) != NULL) {
        if (sscanf(line, "Seccomp: %d", &mode) == 1)
            break;
    }
    fclose(fp);
    return mode == 2; /* SECCOMP_MODE_FILTER */
}
