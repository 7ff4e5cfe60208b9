/* test_priv.c - agent/priv.c: user and group lookup, and the privilege drop of `seawall run`
 * checked from /proc/self/status in forked children (the drop cannot be undone, so every
 * drop happens in a child; the parent asserts the child's exit status). Drop tests need
 * root and are skipped otherwise. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <cap-ng.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <linux/securebits.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "sw/priv.h"

#define NOBODY 65534u

/* Child-side check: print the failed condition and leave the child with status 1. */
#define CHECK(cond)                                                                        \
    do {                                                                                   \
        if (!(cond)) {                                                                     \
            fprintf(stderr, "%s:%d: child check failed: %s\n", __FILE__, __LINE__, #cond); \
            return 1;                                                                      \
        }                                                                                  \
    } while (0)

/* Run fn(arg) in a forked child. Returns its exit status, or 128 + signal when killed. */
static int
run_child(int (*fn)(void *), void *arg)
{
    int status;
    pid_t pid;

    fflush(NULL);
    pid = fork();
    if (pid == 0) {
        int rc = fn(arg);
        fflush(NULL);
        exit(rc); /* exit, not _exit: a sanitizer build checks the child for leaks too */
    }
    assert_true(pid > 0);
    assert_int_equal(waitpid(pid, &status, 0), pid);
    if (WIFSIGNALED(status))
        return 128 + WTERMSIG(status);
    return WEXITSTATUS(status);
}

static bool
is_root(void)
{
    return geteuid() == 0;
}

/* The value of "Key:" in /proc/self/status, blanks trimmed, into out. */
static bool
status_field(const char *key, char *out, size_t len)
{
    char line[512];
    size_t kl = strlen(key);
    bool found = false;
    FILE *fp = fopen("/proc/self/status", "re");

    if (fp == NULL)
        return false;
    while (!found && fgets(line, sizeof(line), fp) != NULL) {
        if (strncmp(line, key, kl) != 0 || line[kl] != ':')
            continue;
        char *v = line + kl + 1;
        while (*v == ' ' || *v == '\t')
            v++;
        size_t n = strcspn(v, "\n");
        while (n > 0 && (v[n - 1] == ' ' || v[n - 1] == '\t'))
            n--;
        snprintf(out, len, "%.*s", (int)n, v);
        found = true;
    }
    fclose(fp);
    return found;
}

/* Quiet: for preconditions that expect a difference. */
static bool
status_differs(const char *key, const char *want)
{
    char v[256];

    return status_field(key, v, sizeof(v)) && strcmp(v, want) != 0;
}

static bool
status_is(const char *key, const char *want)
{
    char v[256];

    if (!status_field(key, v, sizeof(v))) {
        fprintf(stderr, "no %s: line in /proc/self/status\n", key);
        return false;
    }
    if (strcmp(v, want) != 0) {
        fprintf(stderr, "%s: is '%s', expected '%s'\n", key, v, want);
        return false;
    }
    return true;
}

#define ZERO_CAPS "0000000000000000"

static bool
no_caps_left(bool bounding_too)
{
    return status_is("CapInh", ZERO_CAPS) && status_is("CapPrm", ZERO_CAPS) &&
           status_is("CapEff", ZERO_CAPS) && status_is("CapAmb", ZERO_CAPS) &&
           (!bounding_too || status_is("CapBnd", ZERO_CAPS));
}

/* A file only its owner (uid, gid) may read, for the "no DAC override left" checks. */
struct fixture {
    char dir[64];
    char root_file[96];   /* 0600 root */
    char nobody_file[96]; /* 0600 nobody */
};

static int
setup(void **state)
{
    static struct fixture fx;
    int fd;

    snprintf(fx.dir, sizeof(fx.dir), "/tmp/sw-test-priv.XXXXXX");
    if (mkdtemp(fx.dir) == NULL)
        return -1;
    chmod(fx.dir, 0755);
    snprintf(fx.root_file, sizeof(fx.root_file), "%s/root-only", fx.dir);
    snprintf(fx.nobody_file, sizeof(fx.nobody_file), "%s/nobody-only", fx.dir);
    fd = open(fx.root_file, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd == -1)
        return -1;
    close(fd);
    fd = open(fx.nobody_file, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd == -1)
        return -1;
    close(fd);
    if (is_root() && chown(fx.nobody_file, NOBODY, NOBODY) != 0)
        return -1;
    *state = &fx;
    return 0;
}

static int
teardown(void **state)
{
    struct fixture *fx = *state;

    unlink(fx->root_file);
    unlink(fx->nobody_file);
    rmdir(fx->dir);
    return 0;
}

/* --- lookup ------------------------------------------------------------------------------ */

static void
lookup_names_and_numbers(void **state)
{
    struct sw_err err;
    uid_t u = 1;
    gid_t g = 1;

    (void)state;
    assert_int_equal(sw_priv_lookup("root", "root", &u, &g, &err), SW_OK);
    assert_int_equal(u, 0);
    assert_int_equal(g, 0);
    assert_int_equal(sw_priv_lookup("nobody", "nogroup", &u, &g, &err), SW_OK);
    assert_int_equal(u, NOBODY);
    assert_int_equal(g, NOBODY);
    /* numbers need no database entry */
    assert_int_equal(sw_priv_lookup("4242", "4343", &u, &g, &err), SW_OK);
    assert_int_equal(u, 4242);
    assert_int_equal(g, 4343);
    /* no group: the user's primary group */
    u = g = 1;
    assert_int_equal(sw_priv_lookup("nobody", NULL, &u, &g, &err), SW_OK);
    assert_int_equal(u, NOBODY);
    assert_int_equal(g, NOBODY);
    assert_int_equal(sw_priv_lookup("root", "", &u, &g, &err), SW_OK);
    assert_int_equal(g, 0);
}

static void
lookup_unknown_names_them(void **state)
{
    struct sw_err err;
    uid_t u = 7;
    gid_t g = 7;

    (void)state;
    assert_int_equal(sw_priv_lookup("sw-no-such-user", "nogroup", &u, &g, &err), SW_EINVAL);
    assert_non_null(strstr(err.msg, "unknown user 'sw-no-such-user'"));
    assert_int_equal(sw_priv_lookup("nobody", "sw-no-such-group", &u, &g, &err), SW_EINVAL);
    assert_non_null(strstr(err.msg, "unknown group 'sw-no-such-group'"));
    assert_int_equal(sw_priv_lookup("4294967295", "0", &u, &g, &err), SW_EINVAL);
    assert_non_null(strstr(err.msg, "'4294967295'"));
    assert_int_equal(sw_priv_lookup("0", "99999999999", &u, &g, &err), SW_EINVAL);
    assert_non_null(strstr(err.msg, "'99999999999'"));
    assert_int_equal(sw_priv_lookup("-1", "0", &u, &g, &err), SW_EINVAL);
    assert_int_equal(sw_priv_lookup("", "0", &u, &g, &err), SW_EINVAL);
    assert_int_equal(sw_priv_lookup("4242", NULL, &u, &g, &err), SW_EINVAL);
    assert_non_null(strstr(err.msg, "'4242'"));
    /* outputs untouched on error */
    assert_int_equal(u, 7);
    assert_int_equal(g, 7);
}

/* --- drop from root to a user ------------------------------------------------------------ */

struct drop_case {
    const char *user, *group;
    const struct fixture *fx;
};

/* Make the starting state worse than a plain root shell's: supplementary groups, and
 * CAP_NET_RAW in the inheritable and ambient sets, so the drop has them to clear. */
static int
dirty_start(void)
{
    const gid_t extra[] = {4, 27};

    CHECK(setgroups(2, extra) == 0);
    capng_get_caps_process();
    CHECK(capng_update(CAPNG_ADD, CAPNG_INHERITABLE, CAP_NET_RAW) == 0);
    CHECK(capng_apply(CAPNG_SELECT_CAPS) == 0);
    CHECK(prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, CAP_NET_RAW, 0, 0) == 0);
    CHECK(status_differs("CapAmb", ZERO_CAPS));
    CHECK(status_differs("Groups", ""));
    return 0;
}

static int
child_drop_to_nobody(void *arg)
{
    const struct drop_case *dc = arg;
    struct sw_err err;
    char d[256];

    CHECK(dirty_start() == 0);
    if (sw_priv_drop(dc->user, dc->group, &err) != SW_OK) {
        fprintf(stderr, "sw_priv_drop: %s\n", err.msg);
        return 1;
    }
    CHECK(status_is("Uid", "65534\t65534\t65534\t65534"));
    CHECK(status_is("Gid", "65534\t65534\t65534\t65534"));
    CHECK(status_is("Groups", ""));
    CHECK(no_caps_left(true));
    CHECK(status_is("NoNewPrivs", "1"));
    /* no way back, and root's files are closed */
    CHECK(setuid(0) == -1 && errno == EPERM);
    CHECK(setgroups(0, NULL) == -1 && errno == EPERM);
    CHECK(open(dc->fx->root_file, O_RDONLY | O_CLOEXEC) == -1 && errno == EACCES);
    sw_priv_describe(d, sizeof(d));
    CHECK(strcmp(d, "uid=65534 gid=65534 groups=none caps=none nnp=1") == 0);
    return 0;
}

static void
drop_to_nobody_by_name(void **state)
{
    struct drop_case dc = {"nobody", "nogroup", *state};

    if (!is_root())
        skip();
    assert_int_equal(run_child(child_drop_to_nobody, &dc), 0);
}

static void
drop_to_numeric_ids(void **state)
{
    struct drop_case dc = {"65534", "65534", *state};

    if (!is_root())
        skip();
    assert_int_equal(run_child(child_drop_to_nobody, &dc), 0);
}

/* --- keeping CAP_DAC_READ_SEARCH (the file watcher) -------------------------------------- */

#define DAC_READ_SEARCH_ONLY "0000000000000004" /* bit 2 */

/* The kept capability reads root's private file and nothing else survives: no write, no
 * other capability, no way back. */
static int
kept_read_search_only(const struct fixture *fx)
{
    CHECK(status_is("CapEff", DAC_READ_SEARCH_ONLY));
    CHECK(status_is("CapPrm", DAC_READ_SEARCH_ONLY));
    CHECK(status_is("CapInh", ZERO_CAPS));
    CHECK(status_is("CapAmb", ZERO_CAPS));
    CHECK(status_is("NoNewPrivs", "1"));
    int fd = open(fx->root_file, O_RDONLY | O_CLOEXEC);
    CHECK(fd >= 0);
    close(fd);
    CHECK(open(fx->root_file, O_WRONLY | O_CLOEXEC) == -1 && errno == EACCES);
    CHECK(setuid(0) == -1 && errno == EPERM);
    CHECK(socket(AF_PACKET, SOCK_RAW, 0) == -1 && errno == EPERM);
    return 0;
}

static int
child_drop_keep_read_search(void *arg)
{
    const struct drop_case *dc = arg;
    struct sw_err err;
    char d[256];

    CHECK(dirty_start() == 0);
    if (sw_priv_drop_keep(dc->user, dc->group, UINT64_C(1) << CAP_DAC_READ_SEARCH, &err) !=
        SW_OK) {
        fprintf(stderr, "sw_priv_drop_keep: %s\n", err.msg);
        return 1;
    }
    CHECK(status_is("Uid", "65534\t65534\t65534\t65534"));
    CHECK(status_is("Groups", ""));
    CHECK(status_is("CapBnd", ZERO_CAPS));
    CHECK(kept_read_search_only(dc->fx) == 0);
    sw_priv_describe(d, sizeof(d));
    CHECK(strcmp(d, "uid=65534 gid=65534 groups=none caps=cap_dac_read_search nnp=1") == 0);
    return 0;
}

static void
drop_keeps_only_dac_read_search_for_the_file_watcher(void **state)
{
    struct drop_case dc = {"nobody", "nogroup", *state};

    if (!is_root())
        skip();
    assert_int_equal(run_child(child_drop_keep_read_search, &dc), 0);
}

static int become_service_user(void);

/* Started as the service user (systemd User=): a capability the unit did not grant cannot be
 * kept, and the error names it. */
static int
child_keep_from_service_user(void *arg)
{
    const struct fixture *fx = arg;
    struct sw_err err;

    CHECK(become_service_user() == 0); /* holds CAP_NET_RAW and CAP_NET_ADMIN only */
    CHECK(sw_priv_drop_keep("65534", "65534", UINT64_C(1) << CAP_DAC_READ_SEARCH, &err) ==
          SW_EINVAL);
    CHECK(strstr(err.msg, "cap_dac_read_search") != NULL);
    (void)fx;
    return 0;
}

static void
keep_of_a_capability_not_granted_is_an_error_naming_it(void **state)
{
    if (!is_root())
        skip();
    assert_int_equal(run_child(child_keep_from_service_user, *state), 0);
}

/* --- agent.user: root -------------------------------------------------------------------- */

static int
child_stay_root(void *arg)
{
    const struct drop_case *dc = arg;
    const int bits = SECBIT_NOROOT | SECBIT_NOROOT_LOCKED | SECBIT_NO_SETUID_FIXUP |
                     SECBIT_NO_SETUID_FIXUP_LOCKED | SECBIT_NO_CAP_AMBIENT_RAISE |
                     SECBIT_NO_CAP_AMBIENT_RAISE_LOCKED;
    struct sw_err err;
    char want[64], d[256];

    CHECK(dirty_start() == 0);
    if (sw_priv_drop(dc->user, dc->group, &err) != SW_OK) {
        fprintf(stderr, "sw_priv_drop: %s\n", err.msg);
        return 1;
    }
    CHECK(status_is("Uid", "0\t0\t0\t0"));
    snprintf(want, sizeof(want), "%s\t%s\t%s\t%s", dc->group, dc->group, dc->group, dc->group);
    CHECK(status_is("Gid", want));
    CHECK(status_is("Groups", ""));
    CHECK(no_caps_left(true));
    CHECK(status_is("NoNewPrivs", "1"));
    CHECK((prctl(PR_GET_SECUREBITS, 0, 0, 0, 0) & bits) == bits);
    /* uid 0 without CAP_DAC_OVERRIDE: another user's private file is closed to it */
    CHECK(open(dc->fx->nobody_file, O_RDONLY | O_CLOEXEC) == -1 && errno == EACCES);
    CHECK(setgroups(0, NULL) == -1 && errno == EPERM);
    CHECK(setuid(NOBODY) == -1 && errno == EPERM);
    CHECK(socket(AF_PACKET, SOCK_RAW, 0) == -1 && errno == EPERM);
    snprintf(want, sizeof(want), "uid=0 gid=%s groups=none caps=none nnp=1", dc->group);
    sw_priv_describe(d, sizeof(d));
    CHECK(strcmp(d, want) == 0);
    return 0;
}

static void
drop_as_root_keeps_no_capability(void **state)
{
    struct drop_case dc = {"root", "0", *state};

    if (!is_root())
        skip();
    assert_int_equal(run_child(child_stay_root, &dc), 0);
}

static void
drop_as_root_takes_the_group(void **state)
{
    struct drop_case dc = {"root", "65534", *state};

    if (!is_root())
        skip();
    assert_int_equal(run_child(child_stay_root, &dc), 0);
}

/* --- started as the service user with ambient capabilities (systemd User=) --------------- */

/* Become uid/gid 65534 holding CAP_NET_RAW and CAP_NET_ADMIN in every set but the bounding
 * one, as systemd's User= with AmbientCapabilities= leaves the daemon. */
static int
become_service_user(void)
{
    int fd;

    capng_clear(CAPNG_SELECT_CAPS);
    CHECK(capng_updatev(CAPNG_ADD, CAPNG_EFFECTIVE | CAPNG_PERMITTED | CAPNG_INHERITABLE,
                        CAP_NET_RAW, CAP_NET_ADMIN, -1) == 0);
    CHECK(capng_change_id((int)NOBODY, (int)NOBODY, CAPNG_DROP_SUPP_GRP) == 0);
    CHECK(prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, CAP_NET_RAW, 0, 0) == 0);
    CHECK(prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, CAP_NET_ADMIN, 0, 0) == 0);
    CHECK(status_is("Uid", "65534\t65534\t65534\t65534"));
    CHECK(status_is("CapAmb", "0000000000003000"));
    CHECK(status_is("CapEff", "0000000000003000"));
    /* the capability really works before the drop */
    fd = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, 0);
    CHECK(fd >= 0);
    close(fd);
    return 0;
}

static int
child_drop_from_service_user(void *arg)
{
    struct sw_err err;
    char bnd_before[64], d[256];

    (void)arg;
    CHECK(become_service_user() == 0);
    CHECK(status_field("CapBnd", bnd_before, sizeof(bnd_before)));
    if (sw_priv_drop("65534", "65534", &err) != SW_OK) {
        fprintf(stderr, "sw_priv_drop: %s\n", err.msg);
        return 1;
    }
    CHECK(status_is("Uid", "65534\t65534\t65534\t65534"));
    CHECK(status_is("Gid", "65534\t65534\t65534\t65534"));
    CHECK(no_caps_left(false));
    /* without CAP_SETPCAP the bounding set cannot shrink (documented) */
    CHECK(status_is("CapBnd", bnd_before));
    CHECK(status_is("NoNewPrivs", "1"));
    CHECK(socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, 0) == -1 && errno == EPERM);
    sw_priv_describe(d, sizeof(d));
    CHECK(strcmp(d, "uid=65534 gid=65534 groups=none caps=none nnp=1") == 0);
    return 0;
}

static void
drop_from_service_user_clears_ambient(void **state)
{
    (void)state;
    if (!is_root())
        skip();
    assert_int_equal(run_child(child_drop_from_service_user, NULL), 0);
}

static int
child_service_user_mismatch(void *arg)
{
    struct sw_err err;

    (void)arg;
    CHECK(become_service_user() == 0);
    CHECK(sw_priv_drop("root", "root", &err) == SW_EINVAL);
    CHECK(strstr(err.msg, "agent.user 'root'") != NULL);
    CHECK(strstr(err.msg, "uid 65534") != NULL);
    CHECK(sw_priv_drop("nobody", "root", &err) == SW_EINVAL);
    CHECK(strstr(err.msg, "agent.group 'root'") != NULL);
    return 0;
}

static void
drop_from_other_user_is_refused(void **state)
{
    (void)state;
    if (!is_root())
        skip();
    assert_int_equal(run_child(child_service_user_mismatch, NULL), 0);
}

/* --- refusals that change nothing -------------------------------------------------------- */

static int
child_unknown_user(void *arg)
{
    struct sw_err err;
    uid_t before = geteuid();

    (void)arg;
    CHECK(sw_priv_drop("sw-no-such-user", "nogroup", &err) == SW_EINVAL);
    CHECK(strstr(err.msg, "sw-no-such-user") != NULL);
    CHECK(sw_priv_drop("nobody", "sw-no-such-group", &err) == SW_EINVAL);
    CHECK(strstr(err.msg, "sw-no-such-group") != NULL);
    CHECK(geteuid() == before);
    CHECK(status_is("NoNewPrivs", "0"));
    return 0;
}

static void
drop_unknown_user_is_an_error_naming_it(void **state)
{
    (void)state;
    assert_int_equal(run_child(child_unknown_user, NULL), 0);
}

static void *
park(void *arg)
{
    char c;
    ssize_t n = read(*(int *)arg, &c, 1); /* until the pipe closes */

    (void)n;
    return NULL;
}

static int
child_with_thread(void *arg)
{
    struct sw_err err;
    pthread_t t;
    int p[2];

    (void)arg;
    CHECK(pipe(p) == 0);
    CHECK(pthread_create(&t, NULL, park, &p[0]) == 0);
    CHECK(sw_priv_drop("nobody", "nogroup", &err) == SW_EINVAL);
    CHECK(strstr(err.msg, "threads") != NULL);
    close(p[1]);
    CHECK(pthread_join(t, NULL) == 0);
    close(p[0]);
    CHECK(status_is("NoNewPrivs", "0"));
    return 0;
}

static void
drop_refuses_once_threads_run(void **state)
{
    (void)state;
    assert_int_equal(run_child(child_with_thread, NULL), 0);
}

static void
describe_fits_any_buffer(void **state)
{
    char small[12], big[2048]; /* room for every capability's name */

    (void)state;
    memset(small, 'x', sizeof(small));
    sw_priv_describe(small, sizeof(small));
    assert_int_equal(strlen(small), sizeof(small) - 1);
    assert_memory_equal(small, "uid=", 4);
    sw_priv_describe(big, sizeof(big));
    assert_non_null(strstr(big, " caps="));
    assert_non_null(strstr(big, " nnp="));
    assert_null(sw_priv_describe(NULL, 0));
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(lookup_names_and_numbers),
        cmocka_unit_test(lookup_unknown_names_them),
        cmocka_unit_test(drop_to_nobody_by_name),
        cmocka_unit_test(drop_to_numeric_ids),
        cmocka_unit_test(drop_as_root_keeps_no_capability),
        cmocka_unit_test(drop_keeps_only_dac_read_search_for_the_file_watcher),
        cmocka_unit_test(drop_as_root_takes_the_group),
        cmocka_unit_test(drop_from_service_user_clears_ambient),
        cmocka_unit_test(keep_of_a_capability_not_granted_is_an_error_naming_it),
        cmocka_unit_test(drop_from_other_user_is_refused),
        cmocka_unit_test(drop_unknown_user_is_an_error_naming_it),
        cmocka_unit_test(drop_refuses_once_threads_run),
        cmocka_unit_test(describe_fits_any_buffer),
    };

    return cmocka_run_group_tests(tests, setup, teardown);
}
