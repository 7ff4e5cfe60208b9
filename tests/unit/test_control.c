/* test_control.c - unit tests of the control socket (include/sw/control.h, agent/control.c).
 *
 * Each test makes its own directory under /tmp, runs a real server there and talks to it
 * with plain socket code, as `seawall status` would. Nothing asserts on timing: waits have
 * generous bounds (seconds) that only stop a broken server from hanging the test. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <errno.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "file_test.h"
#include "sw/alloc.h"
#include "sw/control.h"

/* Bound on any wait for the server: far above the 1 s + 1 s a client can hold it. */
#define WAIT_MS 10000

struct fixture {
    char dir[48];
    char path[96];
};

static int
setup(void **state)
{
    struct fixture *f = calloc(1, sizeof(*f));

    if (f == NULL)
        return -1;
    snprintf(f->dir, sizeof(f->dir), "/tmp/sw-test-control-XXXXXX");
    if (mkdtemp(f->dir) == NULL) {
        free(f);
        return -1;
    }
    snprintf(f->path, sizeof(f->path), "%s/seawall.sock", f->dir);
    *state = f;
    return 0;
}

static int
teardown(void **state)
{
    struct fixture *f = *state;

    unlink(f->path);
    rmdir(f->dir);
    free(f);
    return 0;
}

static struct sw_control *
open_started(const char *path)
{
    struct sw_err err;
    struct sw_control *c;

    sw_err_clear(&err);
    c = sw_control_open(path, (uid_t)-1, (gid_t)-1, &err);
    if (c == NULL)
        fail_msg("sw_control_open: %s", err.msg);
    assert_int_equal(sw_control_start(c, &err), SW_OK);
    return c;
}

static int
client_connect(const char *path)
{
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

    assert_true(fd >= 0);
    snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
    if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0)
        fail_msg("connect %s: %s", path, strerror(errno));
    return fd;
}

/* Read until EOF (or WAIT_MS without data) into a malloc'd NUL-terminated string. */
static char *
client_read_all(int fd)
{
    size_t cap = 4096, n = 0;
    char *buf = malloc(cap);

    assert_non_null(buf);
    for (;;) {
        struct pollfd p = {.fd = fd, .events = POLLIN};
        ssize_t r;

        if (poll(&p, 1, WAIT_MS) <= 0)
            break;
        if (n + 1 == cap) {
            cap *= 2;
            buf = realloc(buf, cap);
            assert_non_null(buf);
        }
        r = read(fd, buf + n, cap - 1 - n);
        if (r <= 0)
            break;
        n += (size_t)r;
    }
    buf[n] = '\0';
    return buf;
}

static char *
client_ask(const char *path, const char *req, size_t len)
{
    int fd = client_connect(path);
    char *reply;

    assert_int_equal(send(fd, req, len, MSG_NOSIGNAL), (ssize_t)len);
    reply = client_read_all(fd);
    close(fd);
    return reply;
}

static char *
ask_status(const char *path)
{
    return client_ask(path, "status\n", 7);
}

static char *
dup_text(const char *s)
{
    char *p = sw_strdup(s);

    assert_non_null(p);
    return p;
}

static void
answers_starting_then_each_published_document(void **state)
{
    struct fixture *f = *state;
    struct sw_control *c = open_started(f->path);
    char *r;

    r = ask_status(f->path);
    assert_string_equal(r, SW_CONTROL_STARTING_DOC "\n");
    free(r);
    sw_control_publish(c, dup_text("{\"pid\":1,\"uptime\":0}"));
    r = ask_status(f->path);
    assert_string_equal(r, "{\"pid\":1,\"uptime\":0}\n");
    free(r);
    sw_control_publish(c, dup_text("{\"pid\":1,\"uptime\":1}"));
    sw_control_publish(c, NULL); /* ignored: the last document stays */
    r = ask_status(f->path);
    assert_string_equal(r, "{\"pid\":1,\"uptime\":1}\n");
    free(r);
    /* A request line without "\n" is complete when the client shuts down its side. */
    {
        int fd = client_connect(f->path);

        assert_int_equal(send(fd, "status", 6, MSG_NOSIGNAL), 6);
        shutdown(fd, SHUT_WR);
        r = client_read_all(fd);
        close(fd);
        assert_string_equal(r, "{\"pid\":1,\"uptime\":1}\n");
        free(r);
    }
    r = client_ask(f->path, "status\r\n", 8);
    assert_string_equal(r, "{\"pid\":1,\"uptime\":1}\n");
    free(r);
    sw_control_stop(c);
}

static void
socket_file_is_0660_whatever_the_umask_and_stop_removes_it(void **state)
{
    struct fixture *f = *state;
    struct sw_err err;
    struct sw_control *c;
    struct stat st;
    mode_t old = umask(0);

    sw_err_clear(&err);
    /* chown to ourselves: allowed for root and for anyone else, and takes the chown path. */
    c = sw_control_open(f->path, getuid(), getgid(), &err);
    umask(old);
    if (c == NULL)
        fail_msg("sw_control_open: %s", err.msg);
    assert_int_equal(lstat(f->path, &st), 0);
    assert_true(S_ISSOCK(st.st_mode));
    assert_int_equal(st.st_mode & 07777, 0660);
    assert_int_equal(st.st_uid, getuid());
    assert_int_equal(st.st_gid, getgid());
    sw_control_stop(c);
    assert_int_equal(lstat(f->path, &st), -1);
    assert_int_equal(errno, ENOENT);
    sw_control_stop(NULL);
}

static void
second_open_on_a_live_socket_fails(void **state)
{
    struct fixture *f = *state;
    struct sw_control *c = open_started(f->path), *c2;
    struct sw_err err;
    struct stat st;
    char *r;

    sw_control_publish(c, dup_text("{\"first\":true}"));
    sw_err_clear(&err);
    c2 = sw_control_open(f->path, (uid_t)-1, (gid_t)-1, &err);
    assert_null(c2);
    assert_non_null(strstr(err.msg, f->path));
    assert_non_null(strstr(err.msg, "another seawall is running"));
    /* The first one keeps its socket and keeps answering. */
    assert_int_equal(lstat(f->path, &st), 0);
    r = ask_status(f->path);
    assert_string_equal(r, "{\"first\":true}\n");
    free(r);
    sw_control_stop(c);
}

static void
stale_socket_from_a_crash_is_replaced(void **state)
{
    struct fixture *f = *state;
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    struct sw_control *c;
    int fd = socket(AF_UNIX, SOCK_STREAM, 0);
    char *r;

    /* A socket file nobody listens on any more: bound, then closed without unlink. */
    assert_true(fd >= 0);
    snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", f->path);
    assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
    close(fd);
    c = open_started(f->path);
    sw_control_publish(c, dup_text("{\"new\":1}"));
    r = ask_status(f->path);
    assert_string_equal(r, "{\"new\":1}\n");
    free(r);
    sw_control_stop(c);
}

static void
file_that_is_not_a_socket_is_an_error_and_kept(void **state)
{
    struct fixture *f = *state;
    struct sw_err err;
    struct stat st;

    test_put_file(f->path, "keep me\n");
    sw_err_clear(&err);
    assert_null(sw_control_open(f->path, (uid_t)-1, (gid_t)-1, &err));
    assert_non_null(strstr(err.msg, f->path));
    assert_non_null(strstr(err.msg, "not a socket"));
    assert_int_equal(lstat(f->path, &st), 0);
    assert_true(S_ISREG(st.st_mode));
    assert_int_equal(st.st_size, 8);
}

static void
path_longer_than_sun_path_is_a_clear_error(void **state)
{
    char path[200];
    struct sw_err err;

    (void)state;
    memset(path, 'a', sizeof(path) - 1);
    path[0] = '/';
    path[sizeof(path) - 1] = '\0';
    sw_err_clear(&err);
    assert_null(sw_control_open(path, (uid_t)-1, (gid_t)-1, &err));
    assert_int_equal(err.code, SW_EINVAL);
    assert_non_null(strstr(err.msg, "too long"));
    sw_err_clear(&err);
    assert_null(sw_control_open("", (uid_t)-1, (gid_t)-1, &err));
    assert_int_equal(err.code, SW_EINVAL);
}

static void
missing_directory_is_reported_with_the_path(void **state)
{
    struct fixture *f = *state;
    char path[160];
    struct sw_err err;

    snprintf(path, sizeof(path), "%s/no/such/dir.sock", f->dir);
    sw_err_clear(&err);
    assert_null(sw_control_open(path, (uid_t)-1, (gid_t)-1, &err));
    assert_non_null(strstr(err.msg, path));
}

static void
idle_client_does_not_keep_a_second_one_waiting(void **state)
{
    struct fixture *f = *state;
    struct sw_control *c = open_started(f->path);
    int idle = client_connect(f->path);
    char *r;

    sw_control_publish(c, dup_text("{\"n\":2}"));
    /* The idle client sends nothing and stays connected while the second one asks. */
    r = ask_status(f->path);
    assert_string_equal(r, "{\"n\":2}\n");
    free(r);
    /* The idle one was dropped without an answer. */
    r = client_read_all(idle);
    assert_string_equal(r, "");
    free(r);
    close(idle);
    /* A client that hangs up without a word does not upset the server. */
    close(client_connect(f->path));
    r = ask_status(f->path);
    assert_string_equal(r, "{\"n\":2}\n");
    free(r);
    sw_control_stop(c);
}

static void
client_that_does_not_read_is_dropped_and_its_document_survives_a_publish(void **state)
{
    struct fixture *f = *state;
    struct sw_control *c = open_started(f->path);
    size_t big = 16u << 20; /* far beyond any socket buffer: the send must wait */
    char *doc = malloc(big + 1);
    struct pollfd p;
    int slow;
    char *r;

    assert_non_null(doc);
    memset(doc, ' ', big);
    doc[0] = '[';
    doc[big - 1] = ']';
    doc[big] = '\0';
    sw_control_publish(c, doc);
    slow = client_connect(f->path);
    assert_int_equal(send(slow, "status\n", 7, MSG_NOSIGNAL), 7);
    /* Once bytes arrive, the server is in the middle of sending the big document... */
    p = (struct pollfd){.fd = slow, .events = POLLIN};
    assert_int_equal(poll(&p, 1, WAIT_MS), 1);
    /* ...which a publish now replaces: it must not be freed under the sender (ASan). */
    sw_control_publish(c, dup_text("{\"after\":1}"));
    r = ask_status(f->path);
    assert_string_equal(r, "{\"after\":1}\n");
    free(r);
    close(slow);
    /* The retired big document is freed by a later publish or by stop. */
    sw_control_publish(c, dup_text("{\"after\":2}"));
    sw_control_stop(c);
}

static void
junk_and_overlong_requests_get_an_error_line(void **state)
{
    struct fixture *f = *state;
    struct sw_control *c = open_started(f->path);
    char longreq[200];
    char *r;

    sw_control_publish(c, dup_text("{\"ok\":1}"));
    r = client_ask(f->path, "GET / HTTP/1.0\r\n\r\n", 18);
    assert_non_null(strstr(r, "\"error\""));
    assert_null(strstr(r, "\"ok\""));
    assert_true(strlen(r) > 0 && r[strlen(r) - 1] == '\n');
    free(r);
    r = client_ask(f->path, "statusx\n", 8);
    assert_non_null(strstr(r, "\"error\""));
    free(r);
    memset(longreq, 's', sizeof(longreq));
    r = client_ask(f->path, longreq, sizeof(longreq));
    assert_non_null(strstr(r, "\"error\""));
    assert_non_null(strstr(r, "longer than"));
    free(r);
    /* Still serving after all that. */
    r = ask_status(f->path);
    assert_string_equal(r, "{\"ok\":1}\n");
    free(r);
    sw_control_stop(c);
}

static void
start_twice_is_refused_and_stop_without_start_cleans_up(void **state)
{
    struct fixture *f = *state;
    struct sw_err err;
    struct sw_control *c;
    struct stat st;

    sw_err_clear(&err);
    c = sw_control_open(f->path, (uid_t)-1, (gid_t)-1, &err);
    assert_non_null(c);
    sw_control_publish(c, dup_text("{}"));
    sw_control_stop(c); /* never started: no thread to join */
    assert_int_equal(lstat(f->path, &st), -1);
    c = open_started(f->path);
    sw_err_clear(&err);
    assert_int_equal(sw_control_start(c, &err), SW_EINVAL);
    sw_control_stop(c);
}

static void
allocation_failures_in_open_leave_nothing_behind(void **state)
{
    struct fixture *f = *state;

    /* open allocates twice (object, path copy); publish once per document. */
    for (unsigned long n = 1; n <= 2; n++) {
        struct sw_err err;
        struct stat st;

        sw_err_clear(&err);
        sw_alloc_fail_at(n);
        assert_null(sw_control_open(f->path, (uid_t)-1, (gid_t)-1, &err));
        sw_alloc_fail_at(0);
        assert_int_equal(err.code, SW_ENOMEM);
        assert_int_equal(lstat(f->path, &st), -1);
    }
    {
        struct sw_control *c = open_started(f->path);
        char *lost = dup_text("{\"lost\":1}");
        char *r;

        sw_control_publish(c, dup_text("{\"kept\":1}"));
        sw_alloc_fail_at(1); /* the bookkeeping: publish frees the text, keeps the old one */
        sw_control_publish(c, lost);
        sw_alloc_fail_at(0);
        r = ask_status(f->path);
        assert_string_equal(r, "{\"kept\":1}\n");
        free(r);
        sw_control_stop(c);
    }
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(answers_starting_then_each_published_document, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(socket_file_is_0660_whatever_the_umask_and_stop_removes_it,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(second_open_on_a_live_socket_fails, setup, teardown),
        cmocka_unit_test_setup_teardown(stale_socket_from_a_crash_is_replaced, setup, teardown),
        cmocka_unit_test_setup_teardown(file_that_is_not_a_socket_is_an_error_and_kept, setup,
                                        teardown),
        cmocka_unit_test(path_longer_than_sun_path_is_a_clear_error),
        cmocka_unit_test_setup_teardown(missing_directory_is_reported_with_the_path, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(idle_client_does_not_keep_a_second_one_waiting, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(
            client_that_does_not_read_is_dropped_and_its_document_survives_a_publish, setup,
            teardown),
        cmocka_unit_test_setup_teardown(junk_and_overlong_requests_get_an_error_line, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(start_twice_is_refused_and_stop_without_start_cleans_up,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(allocation_failures_in_open_leave_nothing_behind, setup,
                                        teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
