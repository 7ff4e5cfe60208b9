/* test_io.c - unit tests of the whole-read and whole-write helpers (agent/util/io.c,
 * include/sw/io.h).
 *
 * Short writes and EINTR are provoked, not waited for: the writer blocks on a full pipe that
 * nobody reads, and a signal whose handler has no SA_RESTART interrupts it. Linux then
 * returns what the blocked write(2) already moved (a short write) or, when it moved nothing,
 * fails with EINTR. The reader starts draining only after the writer was interrupted that
 * way, so every byte still has to arrive, in order. Nothing is asserted on time. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <unistd.h>

#include "sw/io.h"

#define PAYLOAD (256 * 1024)

static atomic_uint hits; /* signals handled by the writer thread */

static void
on_usr1(int sig)
{
    (void)sig;
    atomic_fetch_add(&hits, 1);
}

struct writer {
    int fd;
    const unsigned char *data;
    int rc;
    size_t done;
    atomic_bool finished;
};

static void *
writer_main(void *arg)
{
    struct writer *w = arg;

    w->rc = sw_io_write_all(w->fd, w->data, PAYLOAD, &w->done);
    atomic_store(&w->finished, true);
    return NULL;
}

static size_t
pipe_fill(int rfd)
{
    int n = 0;

    return ioctl(rfd, FIONREAD, &n) == 0 && n > 0 ? (size_t)n : 0;
}

static void
interrupted_and_short_writes_are_continued(void **state)
{
    struct sigaction sa = {.sa_handler = on_usr1}, old; /* no SA_RESTART: EINTR comes back */
    unsigned char *data = malloc(PAYLOAD), *got = malloc(PAYLOAD);
    struct writer w = {.data = data};
    int p[2];
    pthread_t t;
    size_t cap, have = 0;
    unsigned before;

    (void)state;
    assert_non_null(data);
    assert_non_null(got);
    for (size_t i = 0; i < PAYLOAD; i++)
        data[i] = (unsigned char)(i * 131 + (i >> 8));
    assert_int_equal(sigaction(SIGUSR1, &sa, &old), 0);
    assert_int_equal(pipe(p), 0);
    cap = (size_t)fcntl(p[1], F_SETPIPE_SZ, 4096);
    assert_true(cap >= 4096 && cap < PAYLOAD);
    w.fd = p[1];
    assert_int_equal(pthread_create(&t, NULL, writer_main, &w), 0);

    /* The pipe full means the writer sits in write(2) (it has nothing else to wait on);
     * signals from then on each end one blocked call: the first with a short count, the
     * next ones (the pipe stays full) with EINTR. */
    while (pipe_fill(p[0]) < cap)
        sched_yield();
    before = atomic_load(&hits);
    while (atomic_load(&hits) < before + 4 && !atomic_load(&w.finished)) {
        pthread_kill(t, SIGUSR1);
        usleep(1000);
    }
    assert_int_equal(pipe_fill(p[0]), cap); /* nothing was lost or added meanwhile */
    assert_false(atomic_load(&w.finished));

    while (have < PAYLOAD) {
        ssize_t r = read(p[0], got + have, PAYLOAD - have);

        if (r < 0 && errno == EINTR)
            continue;
        assert_true(r > 0);
        have += (size_t)r;
        if (have % 65536 < (size_t)r) /* a few more interruptions while it drains */
            pthread_kill(t, SIGUSR1);
    }
    assert_int_equal(pthread_join(t, NULL), 0);
    assert_int_equal(w.rc, 0);
    assert_int_equal(w.done, PAYLOAD);
    assert_memory_equal(got, data, PAYLOAD);

    sigaction(SIGUSR1, &old, NULL);
    close(p[0]);
    close(p[1]);
    free(data);
    free(got);
}

struct reader {
    int fd;
    unsigned char *buf;
    int rc;
    size_t got;
    atomic_bool finished;
};

static void *
reader_main(void *arg)
{
    struct reader *r = arg;

    r->rc = sw_io_read_full(r->fd, r->buf, PAYLOAD, &r->got);
    atomic_store(&r->finished, true);
    return NULL;
}

/* The reader takes a first part, then waits on the empty pipe (nothing else is left for it
 * to do) while signals interrupt it (EINTR); the rest comes in pieces (short reads), then
 * the end of the file before PAYLOAD bytes. */
static void
interrupted_and_short_reads_are_continued_to_the_end(void **state)
{
    struct sigaction sa = {.sa_handler = on_usr1}, old;
    unsigned char *data = malloc(PAYLOAD), *got = calloc(1, PAYLOAD);
    struct reader r = {.buf = got};
    const size_t total = PAYLOAD - 1000, first = 100;
    int p[2];
    pthread_t t;
    unsigned before;

    (void)state;
    assert_non_null(data);
    assert_non_null(got);
    for (size_t i = 0; i < PAYLOAD; i++)
        data[i] = (unsigned char)(i * 7 + (i >> 9));
    assert_int_equal(sigaction(SIGUSR1, &sa, &old), 0);
    assert_int_equal(pipe(p), 0);
    r.fd = p[0];
    assert_int_equal(pthread_create(&t, NULL, reader_main, &r), 0);
    assert_int_equal(sw_io_write_all(p[1], data, first, NULL), 0);
    while (pipe_fill(p[0]) > 0) /* taken: the reader waits for more */
        sched_yield();
    before = atomic_load(&hits);
    while (atomic_load(&hits) < before + 4 && !atomic_load(&r.finished)) {
        pthread_kill(t, SIGUSR1);
        usleep(1000);
    }
    assert_false(atomic_load(&r.finished));
    for (size_t off = first; off < total; off += 5000)
        assert_int_equal(sw_io_write_all(p[1], data + off, total - off < 5000 ? total - off : 5000,
                                         NULL),
                         0);
    close(p[1]); /* the end of the file, PAYLOAD - total bytes short of what was asked */
    assert_int_equal(pthread_join(t, NULL), 0);
    assert_int_equal(r.rc, 0);
    assert_int_equal(r.got, total);
    assert_memory_equal(got, data, total);

    sigaction(SIGUSR1, &old, NULL);
    close(p[0]);
    free(data);
    free(got);
}

static void
a_read_error_is_the_errno(void **state)
{
    char buf[4];
    size_t got = 99;

    (void)state;
    assert_int_equal(sw_io_read_full(-1, buf, sizeof(buf), &got), -EBADF);
    assert_int_equal(got, 0);
}

/* A write that fails after a part went out: the file size limit cuts the first write short
 * and fails the next with EFBIG. The caller learns both the error and how much went out. */
static void
a_failure_reports_the_errno_and_what_went_out(void **state)
{
    char path[] = "/tmp/sw_test_io.XXXXXX";
    struct rlimit lim, small;
    void (*old)(int) = signal(SIGXFSZ, SIG_IGN);
    char buf[100];
    size_t done = 0;
    int fd = mkstemp(path), rc;

    (void)state;
    assert_true(fd >= 0);
    unlink(path);
    memset(buf, 'x', sizeof(buf));
    assert_int_equal(getrlimit(RLIMIT_FSIZE, &lim), 0);
    small = lim;
    small.rlim_cur = 10;
    assert_int_equal(setrlimit(RLIMIT_FSIZE, &small), 0);
    rc = sw_io_write_all(fd, buf, sizeof(buf), &done);
    assert_int_equal(setrlimit(RLIMIT_FSIZE, &lim), 0);
    signal(SIGXFSZ, old);
    assert_int_equal(rc, -EFBIG);
    assert_int_equal(done, 10);
    assert_int_equal(lseek(fd, 0, SEEK_END), 10);
    close(fd);
}

static void
a_closed_reader_is_epipe_and_nothing_is_empty(void **state)
{
    void (*old)(int) = signal(SIGPIPE, SIG_IGN);
    size_t done = 99;
    int p[2];

    (void)state;
    assert_int_equal(pipe(p), 0);
    assert_int_equal(sw_io_write_all(p[1], "", 0, &done), 0); /* nothing to write: success */
    assert_int_equal(done, 0);
    close(p[0]);
    assert_int_equal(sw_io_write_all(p[1], "abc", 3, NULL), -EPIPE);
    assert_int_equal(sw_io_write_all(-1, "abc", 3, &done), -EBADF);
    assert_int_equal(done, 0);
    close(p[1]);
    signal(SIGPIPE, old);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(interrupted_and_short_writes_are_continued),
        cmocka_unit_test(a_failure_reports_the_errno_and_what_went_out),
        cmocka_unit_test(a_closed_reader_is_epipe_and_nothing_is_empty),
        cmocka_unit_test(interrupted_and_short_reads_are_continued_to_the_end),
        cmocka_unit_test(a_read_error_is_the_errno),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
