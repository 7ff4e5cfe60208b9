/* test_spool.c - unit tests of the disk spool (include/sw/spool.h, output/spool.c).
 *
 * Each test works in its own folder under /tmp. Records carry their seq in the line
 * ("event 17") so that order and loss can be checked after reading back. A write failure is
 * made with RLIMIT_FSIZE (the kernel refuses to grow a file past it, as a full disk would),
 * SIGXFSZ ignored. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sw/alloc.h"
#include "sw/config.h"
#include "sw/spool.h"

struct fixture {
    char dir[64];
};

static int
setup(void **state)
{
    struct fixture *f = calloc(1, sizeof(*f));

    if (f == NULL)
        return -1;
    snprintf(f->dir, sizeof(f->dir), "/tmp/sw-test-spool-XXXXXX");
    if (mkdtemp(f->dir) == NULL) {
        free(f);
        return -1;
    }
    *state = f;
    return 0;
}

static int
teardown(void **state)
{
    struct fixture *f = *state;
    if (strncmp(f->dir, "/tmp/sw-test-spool-", 19) == 0) {
        DIR *d = opendir(f->dir);
        struct dirent *e;

        while (d != NULL && (e = readdir(d)) != NULL) {
            char p[512];

            if (e->d_name[0] == '.')
                continue;
            snprintf(p, sizeof(p), "%s/%s", f->dir, e->d_name);
            unlink(p);
        }
        if (d != NULL)
            closedir(d);
        rmdir(f->dir);
    }
    free(f);
    return 0;
}

static struct sw_spool *
open_spool(const char *dir, uint64_t max_size, uint64_t seg_size)
{
    struct sw_spool_cfg c = {
        .max_size = max_size, .segment_size = seg_size, .fsync = SW_FSYNC_BATCH};
    struct sw_err err;
    struct sw_spool *sp = sw_spool_open(dir, &c, &err);

    if (sp == NULL)
        fail_msg("%s", err.msg);
    return sp;
}

/* Append record "event <seq>" (padded to pad bytes) with a fresh seq. */
static uint64_t
add(struct sw_spool *sp, bool consumed, size_t pad, struct sw_spool_pos *pos)
{
    char line[4096];
    struct sw_rec r;
    struct sw_spool_pos p;
    uint64_t seq;

    assert_int_equal(sw_spool_next_seq(sp, &seq), SW_OK);
    snprintf(line, sizeof(line), "{\"event\":%llu,\"pad\":\"%0*d\"}", (unsigned long long)seq,
             (int)(pad > 40 ? pad - 40 : 1), 0);
    memset(&r, 0, sizeof(r));
    r.seq = seq;
    r.ts_us = 1700000000000000u + seq;
    r.line = line;
    r.len = strlen(line);
    r.key = "k";
    r.key_len = 1;
    r.type = SW_EV_ALERT;
    r.severity = 2;
    assert_int_equal(sw_spool_append(sp, &r, consumed, pos != NULL ? pos : &p), SW_OK);
    return seq;
}

static void
commit(struct sw_spool *sp)
{
    struct sw_err err;

    if (sw_spool_commit(sp, &err) != SW_OK)
        fail_msg("%s", err.msg);
}

/* Read everything left; returns how many, checks ascending seqs and the payload. */
static size_t
read_all(struct sw_spool *sp, uint64_t *seqs, size_t max)
{
    struct sw_spool_rec r;
    struct sw_err err;
    size_t n = 0;
    uint64_t prev = 0;
    enum sw_rc rc;

    while ((rc = sw_spool_read(sp, &r, &err)) != SW_EOF) {
        char want[64];

        assert_int_equal(rc, SW_OK);
        assert_true(r.rec.seq > prev);
        snprintf(want, sizeof(want), "{\"event\":%llu,", (unsigned long long)r.rec.seq);
        assert_memory_equal(r.rec.line, want, strlen(want));
        assert_int_equal(r.rec.key_len, 1);
        assert_int_equal(r.rec.severity, 2);
        assert_int_equal(r.rec.ts_us, 1700000000000000u + r.rec.seq);
        prev = r.rec.seq;
        if (n < max)
            seqs[n] = r.rec.seq;
        n++;
    }
    return n;
}

static void
records_come_back_in_order_after_commit(void **state)
{
    struct fixture *f = *state;
    struct sw_spool *sp = open_spool(f->dir, 1u << 20, 1u << 16);
    uint64_t seqs[200], first;
    struct sw_spool_rec r;
    struct sw_err err;

    first = add(sp, false, 100, NULL);
    for (int i = 1; i < 100; i++)
        add(sp, false, 100, NULL);
    assert_int_equal(sw_spool_backlog(sp), 100);
    /* Not readable before the commit. */
    assert_int_equal(sw_spool_read(sp, &r, &err), SW_EOF);
    commit(sp);
    assert_int_equal(read_all(sp, seqs, 200), 100);
    for (int i = 0; i < 100; i++)
        assert_int_equal(seqs[i], first + (uint64_t)i);
    assert_int_equal(sw_spool_backlog(sp), 0);
    sw_spool_close(sp);
}

static void
restart_replays_from_the_acknowledged_position(void **state)
{
    struct fixture *f = *state;
    struct sw_spool *sp = open_spool(f->dir, 1u << 20, 8192);
    struct sw_spool_pos pos[60];
    uint64_t seqs[100], s0, n, bytes, ts, id;

    for (int i = 0; i < 60; i++)
        add(sp, true, 300, &pos[i]);
    commit(sp);
    s0 = 0;
    /* The first 25 are done: the front is at record 25. */
    sw_spool_ack(sp, &pos[25], 1);
    commit(sp);
    sw_spool_usage(sp, &n, &bytes, &ts);
    assert_int_equal(n, 35);
    id = sw_spool_id(sp);
    sw_spool_close(sp);

    sp = open_spool(f->dir, 1u << 20, 8192);
    assert_int_equal(sw_spool_id(sp), id);
    assert_int_equal(sw_spool_backlog(sp), 35);
    assert_int_equal(read_all(sp, seqs, 100), 35);
    s0 = seqs[0];
    /* A new seq is above every old one, even those in a reservation never used. */
    assert_true(add(sp, false, 100, NULL) > seqs[34]);
    (void)s0;
    sw_spool_close(sp);
}

static void
acknowledged_segments_are_deleted(void **state)
{
    struct fixture *f = *state;
    struct sw_spool *sp = open_spool(f->dir, 1u << 22, 8192);
    uint64_t before, after;

    for (int r = 0; r < 10; r++) {
        for (int i = 0; i < 20; i++)
            add(sp, true, 500, NULL);
        commit(sp);
    }
    before = sw_spool_size(sp);
    assert_true(before > 100000);
    sw_spool_ack_all_read(sp);
    commit(sp);
    after = sw_spool_size(sp);
    /* Only the segment still open for appending is left. */
    assert_true(after <= 8192 + 1024);
    sw_spool_close(sp);
}

/* Damage a byte in the middle of the first segment: that record is skipped, reported once,
 * the others come back. */
static void
corrupt_record_is_skipped_and_the_rest_replayed(void **state)
{
    struct fixture *f = *state;
    struct sw_spool *sp = open_spool(f->dir, 1u << 20, 1u << 20);
    struct sw_spool_pos pos[50];
    uint64_t seqs[100];
    char path[128];
    int fd;

    for (int i = 0; i < 50; i++)
        add(sp, false, 200, &pos[i]);
    commit(sp);
    sw_spool_close(sp);
    snprintf(path, sizeof(path), "%s/%016llx.seg", f->dir, (unsigned long long)pos[10].seg);
    fd = open(path, O_RDWR);
    assert_true(fd >= 0);
    assert_int_equal(pwrite(fd, "XX", 2, (off_t)pos[10].off + 60), 2);
    close(fd);

    sp = open_spool(f->dir, 1u << 20, 1u << 20);
    assert_int_equal(read_all(sp, seqs, 100), 49);
    for (size_t i = 0; i < 49; i++)
        assert_true(seqs[i] != 0);
    sw_spool_close(sp);
}

/* A crash in the middle of a write leaves a cut record at the end of a segment. */
static void
cut_tail_is_detected_and_earlier_records_kept(void **state)
{
    struct fixture *f = *state;
    struct sw_spool *sp = open_spool(f->dir, 1u << 20, 1u << 20);
    struct sw_spool_pos pos[20];
    uint64_t seqs[100];
    char path[128];

    for (int i = 0; i < 20; i++)
        add(sp, false, 200, &pos[i]);
    commit(sp);
    sw_spool_close(sp);
    snprintf(path, sizeof(path), "%s/%016llx.seg", f->dir, (unsigned long long)pos[19].seg);
    assert_int_equal(truncate(path, (off_t)pos[19].off + 50), 0);

    sp = open_spool(f->dir, 1u << 20, 1u << 20);
    assert_int_equal(read_all(sp, seqs, 100), 19);
    sw_spool_close(sp);
}

static void
drop_oldest_deletes_a_whole_unread_segment_and_counts_it(void **state)
{
    struct fixture *f = *state;
    struct sw_spool *sp = open_spool(f->dir, 64 * 1024, 16 * 1024);
    uint64_t total = 0, dropped_sum = 0, seqs[1000];
    struct sw_rec r;
    char line[1000];

    memset(line, 'x', sizeof(line));
    memset(&r, 0, sizeof(r));
    r.line = line;
    /* Fill past the bound: each refusal drops the oldest segment. */
    for (int i = 0; i < 300; i++) {
        struct sw_spool_pos p;
        uint64_t dropped;
        enum sw_rc rc;
        char buf[1000];

        assert_int_equal(sw_spool_next_seq(sp, &r.seq), SW_OK);
        r.ts_us = 1700000000000000u + r.seq;
        snprintf(buf, sizeof(buf), "{\"event\":%llu,", (unsigned long long)r.seq);
        memcpy(line, buf, strlen(buf));
        r.len = 900;
        r.key = "k";
        r.key_len = 1;
        r.severity = 2;
        while ((rc = sw_spool_append(sp, &r, false, &p)) == SW_ELIMIT) {
            assert_true(sw_spool_drop_oldest(sp, &dropped));
            dropped_sum += dropped;
        }
        assert_int_equal(rc, SW_OK);
        total++;
        commit(sp);
    }
    assert_true(dropped_sum > 0);
    assert_true(sw_spool_size(sp) <= 64 * 1024);
    /* What is left plus what was dropped is what went in: nothing lost uncounted. */
    assert_int_equal(read_all(sp, seqs, 1000) + dropped_sum, total);
    sw_spool_close(sp);
}

/* A write refused by the kernel (here: RLIMIT_FSIZE, as a full disk would) voids the round:
 * nothing of it is readable, nothing before it is damaged, and the next round works once
 * there is room again. */
static void
failed_write_voids_the_round_and_the_next_works(void **state)
{
    struct fixture *f = *state;
    struct sw_spool *sp = open_spool(f->dir, 1u << 24, 1u << 24);
    struct rlimit old, lim;
    struct sw_err err;
    uint64_t seqs[300];
    void (*prev)(int) = NULL;
    struct sigaction sa, osa;

    for (int i = 0; i < 10; i++)
        add(sp, false, 500, NULL);
    commit(sp);
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = SIG_IGN;
    sigaction(SIGXFSZ, &sa, &osa);
    (void)prev;
    getrlimit(RLIMIT_FSIZE, &old);
    lim = old;
    lim.rlim_cur = (rlim_t)sw_spool_size(sp) + 2000;
    setrlimit(RLIMIT_FSIZE, &lim);
    for (int i = 0; i < 10; i++) {
        struct sw_rec r;
        struct sw_spool_pos p;
        char line[600];

        memset(&r, 0, sizeof(r));
        assert_int_equal(sw_spool_next_seq(sp, &r.seq), SW_OK);
        snprintf(line, sizeof(line), "{\"event\":%llu,\"pad\":\"%0500d\"}",
                 (unsigned long long)r.seq, 0);
        r.line = line;
        r.len = strlen(line);
        if (sw_spool_append(sp, &r, false, &p) != SW_OK)
            break; /* the round is void from its first failed write */
    }
    assert_int_equal(sw_spool_commit(sp, &err), SW_EIO);
    assert_true(sw_spool_errors(sp) >= 1);
    setrlimit(RLIMIT_FSIZE, &old);
    sigaction(SIGXFSZ, &osa, NULL);
    for (int i = 0; i < 10; i++)
        add(sp, false, 500, NULL);
    commit(sp);
    assert_int_equal(read_all(sp, seqs, 300), 20);
    sw_spool_close(sp);
}

static void
state_survives_a_torn_slot(void **state)
{
    struct fixture *f = *state;
    struct sw_spool *sp = open_spool(f->dir, 1u << 20, 8192);
    char path[128];
    uint64_t id = sw_spool_id(sp), seqs[10];
    int fd;

    for (int i = 0; i < 5; i++)
        add(sp, false, 100, NULL);
    commit(sp);
    sw_spool_close(sp);
    /* A torn slot: the other one is whole, so the spool keeps its id and position. */
    snprintf(path, sizeof(path), "%s/state", f->dir);
    fd = open(path, O_RDWR);
    assert_true(fd >= 0);
    assert_int_equal(pwrite(fd, "\xff\xff\xff\xff", 4, 0), 4);
    close(fd);
    sp = open_spool(f->dir, 1u << 20, 8192);
    assert_int_equal(sw_spool_id(sp), id);
    assert_int_equal(read_all(sp, seqs, 10), 5);
    sw_spool_close(sp);
    /* Both slots bad: a new id, and every segment replayed rather than lost. */
    fd = open(path, O_RDWR);
    assert_true(fd >= 0);
    assert_int_equal(pwrite(fd, "\xff\xff\xff\xff", 4, 0), 4);
    assert_int_equal(pwrite(fd, "\xff\xff\xff\xff", 4, 128), 4);
    close(fd);
    sp = open_spool(f->dir, 1u << 20, 8192);
    assert_true(sw_spool_id(sp) != id);
    assert_int_equal(read_all(sp, seqs, 10), 5);
    sw_spool_close(sp);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(records_come_back_in_order_after_commit, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(restart_replays_from_the_acknowledged_position, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(acknowledged_segments_are_deleted, setup, teardown),
        cmocka_unit_test_setup_teardown(corrupt_record_is_skipped_and_the_rest_replayed, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(cut_tail_is_detected_and_earlier_records_kept, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(drop_oldest_deletes_a_whole_unread_segment_and_counts_it,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(failed_write_voids_the_round_and_the_next_works, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(state_survives_a_torn_slot, setup, teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
