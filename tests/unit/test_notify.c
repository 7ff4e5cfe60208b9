/* test_notify.c - unit tests of the sd_notify wrappers (include/sw/notify.h, agent/notify.c).
 *
 * The test plays systemd: it binds its own datagram socket, points NOTIFY_SOCKET at it and
 * reads what each wrapper sends, through the real libsystemd. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "sw/notify.h"

/* Bound on waiting for a datagram that should come; only a broken wrapper reaches it. */
#define WAIT_MS 5000

struct fixture {
    char dir[48];
    char path[96];
    int fd;
};

static int
setup(void **state)
{
    struct fixture *f = calloc(1, sizeof(*f));
    struct sockaddr_un sa = {.sun_family = AF_UNIX};

    if (f == NULL)
        return -1;
    snprintf(f->dir, sizeof(f->dir), "/tmp/sw-test-notify-XXXXXX");
    if (mkdtemp(f->dir) == NULL)
        goto fail;
    snprintf(f->path, sizeof(f->path), "%s/notify", f->dir);
    snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", f->path);
    f->fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (f->fd < 0 || bind(f->fd, (struct sockaddr *)&sa, sizeof(sa)) != 0)
        goto fail;
    setenv("NOTIFY_SOCKET", f->path, 1);
    unsetenv("WATCHDOG_USEC");
    unsetenv("WATCHDOG_PID");
    *state = f;
    return 0;
fail:
    if (f->fd > 0)
        close(f->fd);
    rmdir(f->dir);
    free(f);
    return -1;
}

static int
teardown(void **state)
{
    struct fixture *f = *state;

    unsetenv("NOTIFY_SOCKET");
    unsetenv("WATCHDOG_USEC");
    unsetenv("WATCHDOG_PID");
    close(f->fd);
    unlink(f->path);
    rmdir(f->dir);
    free(f);
    return 0;
}

/* The next datagram as a string; fails the test when none arrives. */
static void
next_datagram(int fd, char *buf, size_t n)
{
    struct pollfd p = {.fd = fd, .events = POLLIN};
    ssize_t r;

    assert_int_equal(poll(&p, 1, WAIT_MS), 1);
    r = recv(fd, buf, n - 1, 0);
    assert_true(r > 0);
    buf[r] = '\0';
}

static void
each_wrapper_sends_its_field(void **state)
{
    struct fixture *f = *state;
    char msg[1024];

    assert_true(sw_notify_ready() > 0);
    next_datagram(f->fd, msg, sizeof(msg));
    assert_string_equal(msg, "READY=1");

    assert_true(sw_notify_status("capturing on %s, %d workers", "eth0", 2) > 0);
    next_datagram(f->fd, msg, sizeof(msg));
    assert_string_equal(msg, "STATUS=capturing on eth0, 2 workers");

    assert_true(sw_notify_watchdog() > 0);
    next_datagram(f->fd, msg, sizeof(msg));
    assert_string_equal(msg, "WATCHDOG=1");

    assert_true(sw_notify_reloading() > 0);
    next_datagram(f->fd, msg, sizeof(msg));
    assert_true(strncmp(msg, "RELOADING=1\nMONOTONIC_USEC=", 27) == 0);
    assert_true(strlen(msg) > 27);
    assert_true(strspn(msg + 27, "0123456789") == strlen(msg + 27));

    assert_true(sw_notify_ready() > 0);
    next_datagram(f->fd, msg, sizeof(msg));
    assert_string_equal(msg, "READY=1");

    assert_true(sw_notify_stopping() > 0);
    next_datagram(f->fd, msg, sizeof(msg));
    assert_string_equal(msg, "STOPPING=1");

    /* The environment stays for children (unset_environment = 0). */
    assert_non_null(getenv("NOTIFY_SOCKET"));
    assert_string_equal(getenv("NOTIFY_SOCKET"), f->path);
}

static void
status_stays_one_line_and_is_cut(void **state)
{
    struct fixture *f = *state;
    char msg[2048], longtext[1000];

    assert_true(sw_notify_status("two\nlines\rhere") > 0);
    next_datagram(f->fd, msg, sizeof(msg));
    /* A newline would have smuggled in a field of its own. */
    assert_string_equal(msg, "STATUS=two lines here");

    memset(longtext, 'x', sizeof(longtext) - 1);
    longtext[sizeof(longtext) - 1] = '\0';
    assert_true(sw_notify_status("%s", longtext) > 0);
    next_datagram(f->fd, msg, sizeof(msg));
    assert_true(strncmp(msg, "STATUS=xxx", 10) == 0);
    assert_int_equal(strlen(msg), strlen("STATUS=") + 256);
}

static void
without_notify_socket_nothing_is_sent(void **state)
{
    struct fixture *f = *state;
    struct pollfd p = {.fd = f->fd, .events = POLLIN};

    unsetenv("NOTIFY_SOCKET");
    assert_int_equal(sw_notify_ready(), 0);
    assert_int_equal(sw_notify_status("x"), 0);
    assert_int_equal(sw_notify_watchdog(), 0);
    assert_int_equal(sw_notify_reloading(), 0);
    assert_int_equal(sw_notify_stopping(), 0);
    assert_int_equal(poll(&p, 1, 0), 0);
}

static void
watchdog_interval_comes_from_the_environment(void **state)
{
    char pid[32];

    (void)state;
    assert_int_equal(sw_notify_watchdog_usec(), 0);

    setenv("WATCHDOG_USEC", "5000000", 1);
    assert_int_equal(sw_notify_watchdog_usec(), 5000000);

    snprintf(pid, sizeof(pid), "%ld", (long)getpid());
    setenv("WATCHDOG_PID", pid, 1);
    assert_int_equal(sw_notify_watchdog_usec(), 5000000);

    /* Meant for another process (the variable was inherited): off for us. */
    snprintf(pid, sizeof(pid), "%ld", (long)getpid() + 1);
    setenv("WATCHDOG_PID", pid, 1);
    assert_int_equal(sw_notify_watchdog_usec(), 0);
    unsetenv("WATCHDOG_PID");

    setenv("WATCHDOG_USEC", "0", 1);
    assert_int_equal(sw_notify_watchdog_usec(), 0);
    setenv("WATCHDOG_USEC", "5s", 1);
    assert_int_equal(sw_notify_watchdog_usec(), 0);
    setenv("WATCHDOG_USEC", "", 1);
    assert_int_equal(sw_notify_watchdog_usec(), 0);
    /* Still set afterwards: sw_notify_watchdog_usec does not consume it. */
    setenv("WATCHDOG_USEC", "250000", 1);
    assert_int_equal(sw_notify_watchdog_usec(), 250000);
    assert_non_null(getenv("WATCHDOG_USEC"));
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(each_wrapper_sends_its_field, setup, teardown),
        cmocka_unit_test_setup_teardown(status_stays_one_line_and_is_cut, setup, teardown),
        cmocka_unit_test_setup_teardown(without_notify_socket_nothing_is_sent, setup, teardown),
        cmocka_unit_test_setup_teardown(watchdog_interval_comes_from_the_environment, setup,
                                        teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
