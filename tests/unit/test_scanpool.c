/* test_scanpool.c - unit tests of the file scan pool (include/sw/scanpool.h,
 * collectors/file/scanpool.c, scan_file.c).
 *
 * The read behind every scan is tested on real files, with pread faked at the edge
 * (-Wl,--wrap=pread, see the Makefile) to make a file grow or shrink between two reads, as
 * a writer racing the scan would. The queue is tested before any thread starts (what merges,
 * what waits behind what, when it refuses), then a started pool scans real files, a FIFO
 * and a device node through an emitter that collects the events. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <time.h>
#include <unistd.h>

#include <magic.h>

#include "sw/alloc.h"
#include "sw/clock.h"
#include "sw/detect_file.h"
#include "sw/event.h"
#include "sw/scanpool.h"
#include "sw/yara.h"

#include "../../collectors/file/scanpool_int.h" /* a thread's read buffer */

/* --- pread, faked ------------------------------------------------------------------------ */

ssize_t __real_pread(int fd, void *buf, size_t n, off_t off);
ssize_t __wrap_pread(int fd, void *buf, size_t n, off_t off);

/* What the next pread does to the file before reading: nothing, grow it, shrink it. */
static enum { HOOK_NONE, HOOK_GROW, HOOK_SHRINK } hook;
static int hook_times; /* how many preads it applies to */

ssize_t
__wrap_pread(int fd, void *buf, size_t n, off_t off)
{
    if (hook != HOOK_NONE && hook_times > 0) {
        struct stat st;

        hook_times--;
        if (fstat(fd, &st) == 0) {
            char path[64];
            int wfd;

            snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
            wfd = open(path, O_WRONLY | O_APPEND);
            if (wfd >= 0) {
                if (hook == HOOK_GROW)
                    assert_int_equal(write(wfd, "more", 4), 4);
                else
                    assert_int_equal(ftruncate(wfd, st.st_size / 2), 0);
                close(wfd);
            }
        }
    }
    return __real_pread(fd, buf, n, off);
}

/* --- helpers ----------------------------------------------------------------------------- */

static char dir[64];

static int
setup(void **state)
{
    (void)state;
    snprintf(dir, sizeof(dir), "/tmp/sw-test-scanpool-XXXXXX");
    assert_non_null(mkdtemp(dir));
    hook = HOOK_NONE;
    return 0;
}

static int
teardown(void **state)
{
    char cmd[128];

    (void)state;
    snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
    assert_int_equal(system(cmd), 0);
    return 0;
}

static void
make_file(const char *name, const void *data, size_t len, char *path, size_t plen)
{
    int fd;

    snprintf(path, plen, "%s/%s", dir, name);
    fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, data, len), (ssize_t)len);
    close(fd);
}

static void
sha256(const void *data, size_t len, uint8_t out[32])
{
    unsigned int n = 0;

    assert_int_equal(EVP_Digest(data, len, out, &n, EVP_sha256(), NULL), 1);
}

/* --- reading ----------------------------------------------------------------------------- */

static void
read_keeps_the_start_and_hashes_the_whole_file(void **state)
{
    char path[128];
    uint8_t data[10000], buf[100], got[32], want[32];
    uint64_t size = 0;
    size_t kept = 0;
    int fd;

    (void)state;
    for (size_t i = 0; i < sizeof(data); i++)
        data[i] = (uint8_t)(i * 7);
    make_file("f", data, sizeof(data), path, sizeof(path));
    fd = open(path, O_RDONLY);
    assert_int_equal(sw_scan_read(fd, buf, sizeof(buf), 1u << 20, &size, &kept, got), SW_OK);
    sha256(data, sizeof(data), want);
    assert_int_equal(size, sizeof(data));
    assert_int_equal(kept, sizeof(buf));
    assert_memory_equal(buf, data, sizeof(buf));
    assert_memory_equal(got, want, 32);
    /* Larger than the hash limit: nothing hashed. */
    assert_int_equal(sw_scan_read(fd, buf, 0, sizeof(data) - 1, &size, &kept, got), SW_ELIMIT);
    /* Empty file. */
    close(fd);
    make_file("empty", "", 0, path, sizeof(path));
    fd = open(path, O_RDONLY);
    assert_int_equal(sw_scan_read(fd, buf, sizeof(buf), 100, &size, &kept, got), SW_OK);
    sha256("", 0, want);
    assert_int_equal(size, 0);
    assert_memory_equal(got, want, 32);
    close(fd);
}

/* A writer that appends or truncates while the file is read: never a hash of a state the
 * file was not in. */
static void
read_of_a_file_that_changes_size_says_so(void **state)
{
    char path[128];
    uint8_t data[4096] = {1}, buf[8192], got[32];
    uint64_t size = 0;
    size_t kept = 0;

    (void)state;
    make_file("grow", data, sizeof(data), path, sizeof(path));
    int fd = open(path, O_RDONLY);

    hook = HOOK_GROW;
    hook_times = 1;
    assert_int_equal(sw_scan_read(fd, buf, sizeof(buf), 1u << 20, &size, &kept, got), SW_EAGAIN);
    hook = HOOK_SHRINK;
    hook_times = 1;
    assert_int_equal(sw_scan_read(fd, buf, sizeof(buf), 1u << 20, &size, &kept, got), SW_EAGAIN);
    /* Read again, unchanged now: fine. */
    hook = HOOK_NONE;
    assert_int_equal(sw_scan_read(fd, buf, sizeof(buf), 1u << 20, &size, &kept, got), SW_OK);
    assert_int_equal(size, (sizeof(data) + 4) / 2); /* grown by 4, then halved */
    close(fd);
}

/* --- the queue ----------------------------------------------------------------------------- */

struct collect {
    struct sw_emitter em;
    pthread_mutex_t mu;
    struct sw_event *ev[64];
    size_t n;
};

static void
collect_emit(struct sw_emitter *em, struct sw_event *ev)
{
    struct collect *c = em->ctx;

    pthread_mutex_lock(&c->mu);
    if (c->n < sizeof(c->ev) / sizeof(c->ev[0]))
        c->ev[c->n++] = ev;
    else
        sw_event_destroy(ev);
    pthread_mutex_unlock(&c->mu);
}

static struct collect col;
static struct sw_emitter *ems[2];
static void *ctxs[2];

static struct sw_scanpool *
pool_with(unsigned threads, size_t queue, struct sw_yara_rules *rules, size_t buf_keep,
          uint64_t max_size)
{
    struct sw_scanpool_opts o = {
        .threads = threads,
        .queue_size = queue,
        .max_scan_size = max_size,
        .max_hash_size = max_size,
        .max_strings = 16,
        .string_bytes = 64,
        .source = "fim",
        .buf_keep = buf_keep,
        .em = ems,
        .kick_ctx = ctxs,
    };
    struct sw_err err;
    struct sw_scanpool *p;

    memset(&col, 0, sizeof(col));
    pthread_mutex_init(&col.mu, NULL);
    col.em.emit = collect_emit;
    col.em.ctx = &col;
    ems[0] = ems[1] = &col.em;
    struct sw_detect_file *det = rules != NULL ? sw_detect_file_create(rules, NULL, &err) : NULL;

    if (rules != NULL && det == NULL)
        fail_msg("%s", err.msg);
    p = sw_scanpool_create(&o, det, &err);
    sw_detect_file_destroy(det);
    if (p == NULL)
        fail_msg("%s", err.msg);
    return p;
}

static struct sw_scanpool *
pool(unsigned threads, size_t queue)
{
    return pool_with(threads, queue, NULL, 0, 1u << 20);
}

static struct sw_scan_job *
job(enum sw_scan_kind k, const char *path, int fd)
{
    struct sw_scan_job *j = sw_scan_job_create(k, path, NULL);

    assert_non_null(j);
    j->fd = fd;
    return j;
}

static bool
fd_open(int fd)
{
    return fcntl(fd, F_GETFD) != -1;
}

static void
queue_merges_what_loses_nothing_and_keeps_order_otherwise(void **state)
{
    struct sw_scanpool *p = pool(1, 8);
    struct sw_scan_stats st;
    int a = open("/dev/null", O_RDONLY), b = open("/dev/null", O_RDONLY);
    int c = open("/dev/null", O_RDONLY);

    (void)state;
    /* Two closes of one file: one scan, of the later content (the earlier descriptor is
     * closed at once). */
    assert_int_equal(sw_scanpool_submit(p, job(SW_SCAN_CLOSE_WRITE, "/w/a", a)), SW_OK);
    assert_int_equal(sw_scanpool_submit(p, job(SW_SCAN_CLOSE_WRITE, "/w/a", b)), SW_OK);
    assert_false(fd_open(a));
    assert_true(fd_open(b));
    /* An attribute change after the close rides along. */
    assert_int_equal(sw_scanpool_submit(p, job(SW_SCAN_ATTRIB, "/w/a", -1)), SW_OK);
    sw_scanpool_stats(p, &st);
    assert_int_equal(st.queued, 1);
    assert_int_equal(st.coalesced, 2);
    /* A delete after the close waits its turn: the written bytes are still scanned. */
    assert_int_equal(sw_scanpool_submit(p, job(SW_SCAN_DELETE, "/w/a", -1)), SW_OK);
    sw_scanpool_stats(p, &st);
    assert_int_equal(st.queued, 2);
    assert_true(fd_open(b));
    /* ... and a new close after the delete is a new file: queued too. */
    assert_int_equal(sw_scanpool_submit(p, job(SW_SCAN_CLOSE_WRITE, "/w/a", c)), SW_OK);
    sw_scanpool_stats(p, &st);
    assert_int_equal(st.queued, 3);
    /* A create then a delete of a file never closed: only the delete is left. */
    assert_int_equal(sw_scanpool_submit(p, job(SW_SCAN_CREATE, "/w/b", -1)), SW_OK);
    assert_int_equal(sw_scanpool_submit(p, job(SW_SCAN_DELETE, "/w/b", -1)), SW_OK);
    sw_scanpool_stats(p, &st);
    assert_int_equal(st.queued, 4);
    assert_int_equal(st.coalesced, 3);
    /* Full: refused, and the refused job's descriptor closed. */
    for (int i = 0; i < 4; i++) {
        char path[16];

        snprintf(path, sizeof(path), "/w/f%d", i);
        assert_int_equal(sw_scanpool_submit(p, job(SW_SCAN_WALK, path, -1)), SW_OK);
    }
    int d = open("/dev/null", O_RDONLY);
    assert_int_equal(sw_scanpool_submit(p, job(SW_SCAN_CLOSE_WRITE, "/w/full", d)), SW_ELIMIT);
    assert_false(fd_open(d));
    assert_false(sw_scanpool_room(p, 1));
    sw_scanpool_stats(p, &st);
    assert_int_equal(st.queue_high, 8);
    /* Destroyed unstarted: every queued descriptor is closed. */
    sw_scanpool_destroy(p);
    assert_false(fd_open(b));
    assert_false(fd_open(c));
}

static void
walk_jobs_are_counted_until_done_also_when_merged(void **state)
{
    struct sw_scanpool *p = pool(1, 8);
    struct sw_scan_job *j;

    (void)state;
    j = job(SW_SCAN_WALK, "/w/x", -1);
    j->walk = true;
    assert_int_equal(sw_scanpool_submit(p, j), SW_OK);
    j = job(SW_SCAN_WALK, "/w/x", -1); /* merged into the first: still one */
    j->walk = true;
    assert_int_equal(sw_scanpool_submit(p, j), SW_OK);
    assert_int_equal(sw_scanpool_walk_pending(p), 1);
    j = job(SW_SCAN_WALK, "/w/y", -1);
    j->walk = true;
    assert_int_equal(sw_scanpool_submit(p, j), SW_OK);
    assert_int_equal(sw_scanpool_walk_pending(p), 2);
    sw_scanpool_destroy(p);
}

/* The submitter's ring (sw_scanpool_opts.wake) for room comes once the queue has drained to
 * a quarter, not after every job: a walk that waits for room refills in batches. */
static struct sw_scanpool *ring_pool;
static _Atomic int rings;
static _Atomic long ring_queued = -1; /* the queue's length at the first ring */

static void
on_ring(void *ctx)
{
    struct sw_scan_stats st;
    long none = -1;

    (void)ctx;
    sw_scanpool_stats(ring_pool, &st);
    atomic_compare_exchange_strong(&ring_queued, &none, (long)st.queued);
    atomic_fetch_add(&rings, 1);
}

static void
room_rings_once_the_queue_is_down_to_a_quarter(void **state)
{
    struct sw_scanpool_opts o = {.threads = 1, .queue_size = 16, .max_scan_size = 1024,
                                 .max_hash_size = 1024, .em = ems, .kick_ctx = ctxs,
                                 .wake = on_ring};
    struct sw_err err;
    int n = 0;

    (void)state;
    ring_pool = sw_scanpool_create(&o, NULL, &err);
    assert_non_null(ring_pool);
    /* Full before the thread starts; the submitter asks for room for half of it. */
    for (int i = 0; i < 16; i++) {
        char path[16];

        snprintf(path, sizeof(path), "/w/r%d", i);
        /* a create without a baseline: nothing to do, the job only passes through */
        assert_int_equal(sw_scanpool_submit(ring_pool, job(SW_SCAN_CREATE, path, -1)), SW_OK);
    }
    assert_false(sw_scanpool_room(ring_pool, 8));
    assert_int_equal(sw_scanpool_start(ring_pool, &err), SW_OK);
    while (atomic_load(&rings) == 0 && n++ < 10000) {
        struct timespec ts = {0, 1000000};

        nanosleep(&ts, NULL);
    }
    assert_int_equal(atomic_load(&rings), 1);
    /* One scan thread and nobody submitting: the queue only shrinks; rung at 4 or fewer
     * (after every job it was rung at 15). */
    assert_true(atomic_load(&ring_queued) >= 0);
    assert_true(atomic_load(&ring_queued) <= 4);
    assert_true(sw_scanpool_room(ring_pool, 8));
    sw_scanpool_destroy(ring_pool);
}

/* --- scanning ------------------------------------------------------------------------------ */

static bool
drained(struct sw_scanpool *p, size_t events)
{
    for (int i = 0; i < 10000; i++) {
        size_t n;

        pthread_mutex_lock(&col.mu);
        n = col.n;
        pthread_mutex_unlock(&col.mu);
        if (sw_scanpool_idle(p) && n >= events)
            return true;
        struct timespec ts = {0, 1000000};
        nanosleep(&ts, NULL);
    }
    return false;
}

static void
files_are_hashed_and_special_files_never_read(void **state)
{
    struct sw_scanpool *p = pool(2, 16);
    struct sw_scan_stats st;
    struct sw_err err;
    char path[128], fifo[128], name[128];
    uint8_t want[32];
    char hexs[65];

    (void)state;
    make_file("hello.txt", "hello\n", 6, path, sizeof(path));
    snprintf(fifo, sizeof(fifo), "%s/fifo", dir);
    assert_int_equal(mkfifo(fifo, 0600), 0);
    /* A writer's descriptor, the file unlinked since: still read through it. */
    make_file("gone.txt", "gone", 4, name, sizeof(name));
    int fd = open(name, O_RDONLY);
    assert_int_equal(unlink(name), 0);
    assert_int_equal(sw_scanpool_start(p, &err), SW_OK);
    assert_int_equal(sw_scanpool_submit(p, job(SW_SCAN_CLOSE_WRITE, path, -1)), SW_OK);
    assert_int_equal(sw_scanpool_submit(p, job(SW_SCAN_CLOSE_WRITE, name, fd)), SW_OK);
    /* A FIFO by path: opened with O_NONBLOCK, found not regular, never read (no hang). */
    assert_int_equal(sw_scanpool_submit(p, job(SW_SCAN_CLOSE_WRITE, fifo, -1)), SW_OK);
    assert_int_equal(sw_scanpool_submit(p, job(SW_SCAN_CLOSE_WRITE, "/dev/null", -1)), SW_OK);
    assert_int_equal(sw_scanpool_submit(p, job(SW_SCAN_CLOSE_WRITE, "/nonexistent/x", -1)),
                     SW_OK);
    assert_true(drained(p, 2));
    assert_true(sw_scanpool_stop(p, true, sw_clock_us(CLOCK_MONOTONIC) + 10000000u));
    sw_scanpool_stats(p, &st);
    assert_int_equal(st.files, 2);
    assert_int_equal(st.hashed, 2);
    assert_int_equal(st.fileinfo, 2);
    assert_int_equal(st.skipped_special, 2);
    assert_int_equal(st.skipped_error, 1);
    assert_int_equal(col.n, 2);
    sha256("hello\n", 6, want);
    for (unsigned i = 0; i < 32; i++)
        snprintf(hexs + 2 * i, 3, "%02x", want[i]);
    for (size_t i = 0; i < col.n; i++) {
        const struct sw_file_part *f = col.ev[i]->file;

        assert_int_equal(col.ev[i]->type, SW_EV_FILEINFO);
        if (strcmp(f->path, path) == 0) {
            assert_string_equal(f->sha256, hexs);
            assert_int_equal(f->size, 6);
        } else {
            /* the name it was written under, not "(deleted)" */
            assert_string_equal(f->path, name);
            assert_int_equal(f->size, 4);
        }
        sw_event_destroy(col.ev[i]);
    }
    sw_scanpool_destroy(p);
}

/* seawall scan's jobs (SW_SCAN_FILE, no --all): a file that matches nothing is read and
 * scanned but neither hashed nor shown to libmagic; a match gets both, computed before its
 * alert is made (the SHA-256 of the whole file, libmagic's description, not the filetype
 * table's); and the thread keeps its read buffer between files up to buf_keep. */
static void
file_jobs_hash_and_ask_libmagic_only_for_what_is_reported(void **state)
{
    static const char rule[] = "rule marker { strings: $a = \"EVIL-MARKER-13\" condition: $a }\n";
    static const char hit[] = "<html><body>EVIL-MARKER-13</body></html>\n";
    char rdir[128], path[128], clean[128], big[128], hexs[65];
    struct sw_yara_load_opts lo = {.dir = rdir};
    struct sw_yara_load_stats ls;
    struct sw_yara_rules *rules;
    struct sw_scan_stats st;
    struct sw_err err;
    uint8_t want[32];
    size_t big_len = 3u << 20;
    uint8_t *bigdata = calloc(1, big_len);
    magic_t mg = magic_open(MAGIC_NONE);

    (void)state;
    assert_non_null(bigdata);
    snprintf(rdir, sizeof(rdir), "%s/rules", dir);
    assert_int_equal(mkdir(rdir, 0755), 0);
    make_file("rules/t.yar", rule, strlen(rule), path, sizeof(path));
    assert_int_equal(sw_yara_init(&err), SW_OK);
    rules = sw_yara_load(&lo, &ls, &err);
    assert_non_null(rules);
    memset(bigdata, 'x', big_len);
    make_file("big.bin", bigdata, big_len, big, sizeof(big));
    make_file("clean.txt", "nothing to see\n", 15, clean, sizeof(clean));
    make_file("hit.html", hit, strlen(hit), path, sizeof(path));

    struct sw_scanpool *p = pool_with(1, 16, rules, 8u << 20, 64u << 20);

    assert_int_equal(sw_scanpool_start(p, &err), SW_OK);
    assert_int_equal(sw_scanpool_submit(p, job(SW_SCAN_FILE, big, -1)), SW_OK);
    assert_int_equal(sw_scanpool_submit(p, job(SW_SCAN_FILE, clean, -1)), SW_OK);
    assert_int_equal(sw_scanpool_submit(p, job(SW_SCAN_FILE, path, -1)), SW_OK);
    assert_true(drained(p, 1));
    assert_true(sw_scanpool_stop(p, true, sw_clock_us(CLOCK_MONOTONIC) + 10000000u));
    sw_scanpool_stats(p, &st);
    assert_int_equal(st.files, 3);
    assert_int_equal(st.scanned, 3);
    assert_int_equal(st.matches, 1);
    assert_int_equal(st.files_matched, 1);
    assert_int_equal(st.hashed, 1); /* the match only */
    /* The 3 MiB file's buffer was kept for the next files (buf_keep 8 MiB), not freed. */
    assert_non_null(p->w[0].buf);
    assert_true(p->w[0].buf_cap >= big_len);
    assert_int_equal(col.n, 1);
    assert_int_equal(col.ev[0]->type, SW_EV_ALERT);
    sha256(hit, strlen(hit), want);
    for (unsigned i = 0; i < 32; i++)
        snprintf(hexs + 2 * i, 3, "%02x", want[i]);
    assert_string_equal(col.ev[0]->file->path, path);
    assert_string_equal(col.ev[0]->file->sha256, hexs);
    /* libmagic's description (HTML document ...), not the filetype table's */
    assert_non_null(mg);
    assert_int_equal(magic_load(mg, NULL), 0);
    assert_string_equal(col.ev[0]->file->magic, magic_buffer(mg, hit, strlen(hit)));
    magic_close(mg);
    sw_event_destroy(col.ev[0]);
    sw_scanpool_destroy(p);
    sw_yara_rules_destroy(rules);
    sw_yara_fini();
    free(bigdata);
}

static void
create_fails_cleanly_at_every_allocation(void **state)
{
    (void)state;
    for (unsigned long n = 1; n < 64; n++) {
        struct sw_scanpool_opts o = {.threads = 2, .queue_size = 8, .max_scan_size = 1024,
                                     .max_hash_size = 1024, .em = ems, .kick_ctx = ctxs};
        struct sw_err err;
        struct sw_scanpool *p;
        struct sw_scan_job *j;

        sw_alloc_fail_at(n);
        p = sw_scanpool_create(&o, NULL, &err);
        j = sw_scan_job_create(SW_SCAN_RENAME, "/a", "/b");
        sw_alloc_fail_at(0);
        sw_scan_job_destroy(j);
        sw_scanpool_destroy(p);
    }
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(read_keeps_the_start_and_hashes_the_whole_file, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(read_of_a_file_that_changes_size_says_so, setup,
                                        teardown),
        cmocka_unit_test(queue_merges_what_loses_nothing_and_keeps_order_otherwise),
        cmocka_unit_test(walk_jobs_are_counted_until_done_also_when_merged),
        cmocka_unit_test(room_rings_once_the_queue_is_down_to_a_quarter),
        cmocka_unit_test_setup_teardown(files_are_hashed_and_special_files_never_read, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(file_jobs_hash_and_ask_libmagic_only_for_what_is_reported,
                                        setup, teardown),
        cmocka_unit_test(create_fails_cleanly_at_every_allocation),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
