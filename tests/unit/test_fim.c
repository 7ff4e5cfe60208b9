/* test_fim.c - the FIM baseline (collectors/file/fim*.c): one test per rule of issue 11's
 * "Semantics, exactly", the walk diff (moves by inode, interrupted walks, first walks), the
 * file's durability and its checks (foreign, corrupt, locked), the service thread with
 * several producers, the tree walk, and SipHash's reference vectors.
 *
 * Records are built by hand with the attributes a source would give, so each rule is tested
 * without racing a real file system; the walk tests use real files in a temporary tree. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "file_test.h"
#include "sw/alloc.h"
#include "sw/clock.h"
#include "sw/event.h"
#include "sw/fim.h"
#include "sw/siphash.h"

#define MAX_EV 4096

struct coll {
    struct sw_emitter em;
    struct sw_event *ev[MAX_EV];
    size_t n;
};

static void
coll_emit(struct sw_emitter *em, struct sw_event *ev)
{
    struct coll *c = em->ctx;

    if (c->n < MAX_EV)
        c->ev[c->n++] = ev;
    else
        sw_event_destroy(ev);
}

static void
coll_clear(struct coll *c)
{
    for (size_t i = 0; i < c->n; i++)
        sw_event_destroy(c->ev[i]);
    c->n = 0;
}

/* Per test: a temporary directory holding the baseline, and an open baseline. */
static struct {
    char dir[64];
    char db[128];
    struct sw_fim *f;
    struct coll c;
} g;

static const char *const roots[] = {"/w"};

static struct sw_fim *
open_db(bool read_only)
{
    struct sw_fim_opts o = {.db = g.db, .roots = roots, .n_roots = 1,
                            .read_only = read_only, .prune = !read_only};
    static const char *const excl[] = {"*.swp", "/w/cache"};
    struct sw_err err;

    o.exclude = excl;
    o.n_exclude = 2;
    struct sw_fim *f = sw_fim_open(&o, &err);

    if (f == NULL)
        fprintf(stderr, "open: %s\n", err.msg);
    return f;
}

static int
setup(void **state)
{
    (void)state;
    memset(&g, 0, sizeof(g));
    snprintf(g.dir, sizeof(g.dir), "/tmp/sw-fim-test.XXXXXX");
    if (mkdtemp(g.dir) == NULL)
        return -1;
    snprintf(g.db, sizeof(g.db), "%s/fim.db", g.dir);
    g.c.em.emit = coll_emit;
    g.c.em.ctx = &g.c;
    g.f = open_db(false);
    return g.f != NULL ? 0 : -1;
}

static int
teardown(void **state)
{
    char cmd[256];

    (void)state;
    sw_alloc_fail_at(0);
    sw_fim_close(g.f);
    coll_clear(&g.c);
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", g.dir);
    if (strncmp(g.dir, "/tmp/sw-fim-test.", 17) == 0 && system(cmd) != 0)
        return -1;
    return 0;
}

/* --- record builders ---------------------------------------------------------------------- */

struct attrs {
    uint32_t mode;
    uint64_t size, ino;
    int64_t mtime, ctime;
    uint32_t uid, gid, nlink;
    int content; /* sha256 = 32 bytes of this value; -1: not hashed */
    const char *target;
};

static struct attrs
file_a(uint64_t ino, uint64_t size, int content)
{
    return (struct attrs){.mode = S_IFREG | 0644, .size = size, .ino = ino, .mtime = 1000,
                          .ctime = 1000, .nlink = 1, .content = content};
}

static struct sw_fim_rec *
rec(enum sw_fim_hint hint, const char *path, const char *old, const struct attrs *a)
{
    struct sw_fim_rec *r = sw_fim_rec_create(hint, path, old, a != NULL ? a->target : NULL);

    assert_non_null(r);
    if (a != NULL) {
        r->has_attr = true;
        r->a.mode = a->mode;
        r->a.size = a->size;
        r->a.ino = a->ino;
        r->a.mtime_ns = a->mtime;
        r->a.ctime_ns = a->ctime;
        r->a.uid = a->uid;
        r->a.gid = a->gid;
        r->a.nlink = a->nlink;
        if (a->content >= 0 && S_ISREG(a->mode)) {
            memset(r->a.sha256, a->content, 32);
            r->a.has_sha256 = true;
        }
    }
    return r;
}

static void
apply(enum sw_fim_hint hint, const char *path, const char *old, const struct attrs *a)
{
    struct sw_err err;

    assert_int_equal(sw_fim_apply(g.f, rec(hint, path, old, a), &g.c.em, &err), SW_OK);
}

static void
walk(const char *const *paths, const struct attrs *as, size_t n)
{
    struct sw_err err;

    assert_int_equal(sw_fim_walk_begin(g.f, &err), SW_OK);
    for (size_t i = 0; i < n; i++)
        apply(SW_FIM_HINT_WALK, paths[i], NULL, &as[i]);
    assert_int_equal(sw_fim_walk_end(g.f, true, &g.c.em, &err), SW_OK);
}

/* The i-th collected event: action, path and the changed names as "size,mtime". */
static const struct sw_fim_part *
ev_at(size_t i)
{
    assert_true(i < g.c.n);
    assert_int_equal(g.c.ev[i]->type, SW_EV_FIM);
    assert_non_null(g.c.ev[i]->fim);
    return g.c.ev[i]->fim;
}

static const char *
changed_str(uint32_t c)
{
    static char buf[128];
    static const char *const names[] = {"size", "mode", "uid", "gid", "mtime", "sha256", "type"};

    buf[0] = '\0';
    for (int i = 0; i < 7; i++)
        if (c & (1u << i))
            snprintf(buf + strlen(buf), sizeof(buf) - strlen(buf), "%s%s", buf[0] ? "," : "",
                     names[i]);
    return buf;
}

static void
expect(size_t i, enum sw_fim_action action, const char *path, const char *old_path,
       const char *changed)
{
    const struct sw_fim_part *p = ev_at(i);

    assert_int_equal(p->action, action);
    assert_string_equal(p->path, path);
    if (old_path == NULL)
        assert_null(p->old_path);
    else
        assert_string_equal(p->old_path, old_path);
    assert_string_equal(changed_str(p->changed), changed);
}

/* A baseline of /w/a (ino 1) and /w/b (ino 2), built silently by a first walk. */
static void
baseline_ab(void)
{
    static const char *const p[] = {"/w/a", "/w/b"};
    struct attrs a[] = {file_a(1, 10, 'a'), file_a(2, 20, 'b')};
    size_t before = g.c.n;

    walk(p, a, 2);
    assert_int_equal(g.c.n, before);
}

/* --- the rules ---------------------------------------------------------------------------- */

static void
first_walk_reports_nothing_and_builds_the_baseline(void **state)
{
    struct sw_fim_stats st;

    (void)state;
    baseline_ab();
    sw_fim_get_stats(g.f, &st);
    assert_int_equal(st.rows, 2);
    assert_int_equal(st.events, 0);
    /* The second walk compares: nothing changed, nothing reported. */
    baseline_ab();
}

static void
walk_reports_added_deleted_modified_attributes(void **state)
{
    static const char *const p[] = {"/w/a", "/w/c", "/w/d"};
    struct attrs a[] = {file_a(1, 11, 'A'), file_a(3, 5, 'c'), file_a(4, 5, 'd')};

    (void)state;
    {
        static const char *const p0[] = {"/w/a", "/w/b", "/w/d"};
        struct attrs a0[] = {file_a(1, 10, 'a'), file_a(2, 20, 'b'), file_a(4, 5, 'd')};

        walk(p0, a0, 3);
    }
    a[2].mode = S_IFREG | 0600; /* chmod */
    walk(p, a, 3);
    assert_int_equal(g.c.n, 4);
    expect(0, SW_FIM_MODIFIED, "/w/a", NULL, "size,sha256");
    expect(1, SW_FIM_ATTRIBUTES, "/w/d", NULL, "mode");
    expect(2, SW_FIM_DELETED, "/w/b", NULL, ""); /* found at the end of the walk */
    expect(3, SW_FIM_ADDED, "/w/c", NULL, "");
    assert_int_equal(ev_at(0)->origin, SW_FIM_ORIGIN_WALK);
    assert_true(ev_at(0)->old_state.present && ev_at(0)->new_state.present);
    assert_int_equal(ev_at(0)->old_state.size, 10);
    assert_int_equal(ev_at(0)->new_state.size, 11);
    assert_false(ev_at(2)->new_state.present);
    assert_false(ev_at(3)->old_state.present);
}

static void
ctime_and_inode_alone_raise_nothing(void **state)
{
    static const char *const p[] = {"/w/a", "/w/b"};
    struct attrs a[] = {file_a(1, 10, 'a'), file_a(2, 20, 'b')};

    (void)state;
    baseline_ab();
    a[0].ctime = 5000;  /* a hard link was made to it */
    a[0].nlink = 2;
    a[1].ino = 99;      /* replaced by an identical copy: new inode, same everything */
    walk(p, a, 2);
    assert_int_equal(g.c.n, 0);
    apply(SW_FIM_HINT_ATTRIB, "/w/a", NULL, &a[0]);
    assert_int_equal(g.c.n, 0);
}

static void
mtime_or_owner_alone_is_attributes(void **state)
{
    static const char *const p[] = {"/w/a", "/w/b"};
    struct attrs a[] = {file_a(1, 10, 'a'), file_a(2, 20, 'b')};

    (void)state;
    baseline_ab();
    a[0].mtime = 2000;
    a[1].uid = 33;
    a[1].gid = 33;
    walk(p, a, 2);
    assert_int_equal(g.c.n, 2);
    expect(0, SW_FIM_ATTRIBUTES, "/w/a", NULL, "mtime");
    expect(1, SW_FIM_ATTRIBUTES, "/w/b", NULL, "uid,gid");
}

static void
same_size_new_content_is_modified_sha256(void **state)
{
    static const char *const p[] = {"/w/a", "/w/b"};
    struct attrs a[] = {file_a(1, 10, 'X'), file_a(2, 20, 'b')};

    (void)state;
    baseline_ab();
    walk(p, a, 2);
    assert_int_equal(g.c.n, 1);
    expect(0, SW_FIM_MODIFIED, "/w/a", NULL, "sha256");
}

static void
replaced_by_another_type_is_modified_type(void **state)
{
    static const char *const p[] = {"/w/a", "/w/b"};
    struct attrs a[] = {file_a(1, 10, 'a'), file_a(2, 20, 'b')};

    (void)state;
    baseline_ab();
    a[0] = (struct attrs){.mode = S_IFLNK | 0777, .size = 4, .ino = 7, .mtime = 1000,
                          .ctime = 1000, .nlink = 1, .content = -1, .target = "/etc"};
    walk(p, a, 2);
    assert_int_equal(g.c.n, 1);
    expect(0, SW_FIM_MODIFIED, "/w/a", NULL, "size,mode,sha256,type");
    assert_string_equal(ev_at(0)->new_state.target, "/etc");
    assert_null(ev_at(0)->old_state.target);
}

static void
retargeted_symlink_is_modified_sha256(void **state)
{
    struct attrs l = {.mode = S_IFLNK | 0777, .size = 4, .ino = 7, .mtime = 1000, .ctime = 1000,
                      .nlink = 1, .content = -1, .target = "/etc"};

    (void)state;
    baseline_ab();
    apply(SW_FIM_HINT_CREATE, "/w/l", NULL, &l); /* symlinks are added at once */
    assert_int_equal(g.c.n, 1);
    expect(0, SW_FIM_ADDED, "/w/l", NULL, "");
    l.target = "/usr";
    l.ino = 8;
    apply(SW_FIM_HINT_RENAME, "/w/l", "/w/.tmp-l", &l); /* ln -sfn: a new link renamed over */
    assert_int_equal(g.c.n, 2);
    expect(1, SW_FIM_MODIFIED, "/w/l", NULL, "sha256");
}

static void
directories_raise_nothing(void **state)
{
    struct attrs d = {.mode = S_IFDIR | 0755, .ino = 50, .nlink = 2, .content = -1};

    (void)state;
    baseline_ab();
    apply(SW_FIM_HINT_CREATE, "/w/dir", NULL, &d);
    d.mode = S_IFDIR | 0700;
    apply(SW_FIM_HINT_ATTRIB, "/w/dir", NULL, &d);
    apply(SW_FIM_HINT_DELETE, "/w/dir", NULL, NULL);
    assert_int_equal(g.c.n, 0);
    /* Its contents do. */
    struct attrs f = file_a(51, 3, 'f');

    apply(SW_FIM_HINT_CLOSE_WRITE, "/w/dir/f", NULL, &f);
    assert_int_equal(g.c.n, 1);
    expect(0, SW_FIM_ADDED, "/w/dir/f", NULL, "");
}

static void
added_once_when_the_writer_closes(void **state)
{
    struct attrs f = file_a(60, 0, 0);

    (void)state;
    baseline_ab();
    f.content = -1;
    apply(SW_FIM_HINT_CREATE, "/w/new", NULL, &f);  /* open(O_CREAT): not yet */
    f.size = 100;
    apply(SW_FIM_HINT_MODIFY, "/w/new", NULL, &f);  /* writes: not yet */
    f.mode = S_IFREG | 0600;
    apply(SW_FIM_HINT_ATTRIB, "/w/new", NULL, &f);  /* cp -p's fchmod before close: not yet */
    assert_int_equal(g.c.n, 0);
    f.content = 'n';
    apply(SW_FIM_HINT_CLOSE_WRITE, "/w/new", NULL, &f);
    assert_int_equal(g.c.n, 1);
    expect(0, SW_FIM_ADDED, "/w/new", NULL, "");
    assert_int_equal(ev_at(0)->new_state.size, 100);
    assert_string_equal(ev_at(0)->new_state.sha256,
                        "6e6e6e6e6e6e6e6e6e6e6e6e6e6e6e6e6e6e6e6e6e6e6e6e6e6e6e6e6e6e6e6e");
    apply(SW_FIM_HINT_CLOSE_WRITE, "/w/new", NULL, &f); /* closed again, nothing written */
    assert_int_equal(g.c.n, 1);
    f.size = 120;
    f.content = 'm';
    f.mtime = 3000;
    apply(SW_FIM_HINT_CLOSE_WRITE, "/w/new", NULL, &f); /* appended */
    assert_int_equal(g.c.n, 2);
    expect(1, SW_FIM_MODIFIED, "/w/new", NULL, "size,mtime,sha256");
}

static void
truncate_by_path_is_modified(void **state)
{
    struct attrs a = file_a(1, 0, -1);

    (void)state;
    baseline_ab();
    a.mtime = 1500;
    apply(SW_FIM_HINT_MODIFY, "/w/a", NULL, &a);
    assert_int_equal(g.c.n, 1);
    expect(0, SW_FIM_MODIFIED, "/w/a", NULL, "size,mtime");
}

static void
written_then_unlinked_is_added_then_deleted(void **state)
{
    struct attrs f = file_a(70, 33, 'w');

    (void)state;
    baseline_ab();
    f.nlink = 0; /* hashed through fanotify's descriptor after the unlink */
    apply(SW_FIM_HINT_CLOSE_WRITE, "/w/tmp1", NULL, &f);
    apply(SW_FIM_HINT_DELETE, "/w/tmp1", NULL, NULL);
    assert_int_equal(g.c.n, 2);
    expect(0, SW_FIM_ADDED, "/w/tmp1", NULL, "");
    expect(1, SW_FIM_DELETED, "/w/tmp1", NULL, "");
    assert_string_equal(ev_at(0)->new_state.sha256,
                        "7777777777777777777777777777777777777777777777777777777777777777");
    /* The delete record first, the content record second: the same two events. */
    f.ino = 71;
    apply(SW_FIM_HINT_DELETE, "/w/tmp2", NULL, NULL);
    apply(SW_FIM_HINT_CLOSE_WRITE, "/w/tmp2", NULL, &f);
    assert_int_equal(g.c.n, 4);
    expect(2, SW_FIM_ADDED, "/w/tmp2", NULL, "");
    expect(3, SW_FIM_DELETED, "/w/tmp2", NULL, "");
    /* Nothing of either stays in the baseline. */
    baseline_ab();
}

static void
rename_within_is_moved(void **state)
{
    struct attrs a = file_a(1, 10, -1); /* a rename record carries no hash */

    (void)state;
    baseline_ab();
    apply(SW_FIM_HINT_RENAME, "/w/sub/a2", "/w/a", &a);
    assert_int_equal(g.c.n, 1);
    expect(0, SW_FIM_MOVED, "/w/sub/a2", "/w/a", "");
    assert_string_equal(ev_at(0)->new_state.sha256, ev_at(0)->old_state.sha256);
    assert_int_equal(ev_at(0)->origin, SW_FIM_ORIGIN_LIVE);
}

static void
moved_in_over_an_existing_file_is_modified(void **state)
{
    struct attrs tmp = file_a(80, 12, 't');

    (void)state;
    baseline_ab();
    /* sed -i: a temporary written (added), then renamed over the file. */
    apply(SW_FIM_HINT_CLOSE_WRITE, "/w/.sedXYZ", NULL, &tmp);
    tmp.content = -1;
    apply(SW_FIM_HINT_RENAME, "/w/a", "/w/.sedXYZ", &tmp);
    assert_int_equal(g.c.n, 2);
    expect(0, SW_FIM_ADDED, "/w/.sedXYZ", NULL, "");
    expect(1, SW_FIM_MODIFIED, "/w/a", "/w/.sedXYZ", "size,sha256");
    /* From outside the watched paths over an existing file: modified, no old_path. */
    struct attrs out = file_a(81, 20, -1);

    apply(SW_FIM_HINT_RENAME, "/w/b", "/tmp/b.new", &out);
    assert_int_equal(g.c.n, 3);
    expect(2, SW_FIM_MODIFIED, "/w/b", NULL, "");
}

static void
moved_in_is_added_and_moved_out_is_deleted(void **state)
{
    struct attrs in = file_a(90, 7, -1);

    (void)state;
    baseline_ab();
    apply(SW_FIM_HINT_RENAME, "/w/in", "/tmp/in", &in);
    apply(SW_FIM_HINT_RENAME, "/tmp/out", "/w/b", &in); /* destination outside */
    apply(SW_FIM_HINT_RENAME, "/w/x.swp", "/w/a", &in); /* into an excluded name */
    assert_int_equal(g.c.n, 3);
    expect(0, SW_FIM_ADDED, "/w/in", NULL, "");
    expect(1, SW_FIM_DELETED, "/w/b", NULL, "");
    expect(2, SW_FIM_DELETED, "/w/a", NULL, "");
}

static void
inotify_halves_pair_in_either_order(void **state)
{
    struct attrs a = file_a(1, 10, -1), b = file_a(2, 20, -1);
    struct sw_err err;
    struct sw_fim_rec *r;

    (void)state;
    baseline_ab();
    r = rec(SW_FIM_HINT_MOVED_FROM, "/w/a", NULL, NULL);
    r->cookie = 7;
    assert_int_equal(sw_fim_apply(g.f, r, &g.c.em, &err), SW_OK);
    assert_int_equal(g.c.n, 0); /* waits for its other half */
    r = rec(SW_FIM_HINT_MOVED_TO, "/w/a2", NULL, &a);
    r->cookie = 7;
    assert_int_equal(sw_fim_apply(g.f, r, &g.c.em, &err), SW_OK);
    assert_int_equal(g.c.n, 1);
    expect(0, SW_FIM_MOVED, "/w/a2", "/w/a", "");
    r = rec(SW_FIM_HINT_MOVED_TO, "/w/b2", NULL, &b); /* the "to" half first */
    r->cookie = 8;
    assert_int_equal(sw_fim_apply(g.f, r, &g.c.em, &err), SW_OK);
    r = rec(SW_FIM_HINT_MOVED_FROM, "/w/b", NULL, NULL);
    r->cookie = 8;
    assert_int_equal(sw_fim_apply(g.f, r, &g.c.em, &err), SW_OK);
    assert_int_equal(g.c.n, 2);
    expect(1, SW_FIM_MOVED, "/w/b2", "/w/b", "");
}

static void
lone_halves_become_deleted_and_added(void **state)
{
    struct attrs in = file_a(95, 4, 'i');
    struct sw_err err;
    struct sw_fim_rec *r;
    uint64_t now = sw_clock_us(CLOCK_MONOTONIC);

    (void)state;
    baseline_ab();
    r = rec(SW_FIM_HINT_MOVED_FROM, "/w/a", NULL, NULL);
    r->cookie = 9;
    assert_int_equal(sw_fim_apply(g.f, r, &g.c.em, &err), SW_OK);
    r = rec(SW_FIM_HINT_MOVED_TO, "/w/in", NULL, &in);
    r->cookie = 10;
    assert_int_equal(sw_fim_apply(g.f, r, &g.c.em, &err), SW_OK);
    assert_int_equal(sw_fim_tick(g.f, now, &g.c.em, &err), SW_OK);
    assert_int_equal(g.c.n, 0); /* not yet */
    assert_int_equal(sw_fim_tick(g.f, now + (SW_FIM_MOVE_WAIT_MS + 50) * 1000u, &g.c.em, &err),
                     SW_OK);
    assert_int_equal(g.c.n, 2);
    bool del_first = ev_at(0)->action == SW_FIM_DELETED;

    expect(del_first ? 0 : 1, SW_FIM_DELETED, "/w/a", NULL, "");
    expect(del_first ? 1 : 0, SW_FIM_ADDED, "/w/in", NULL, "");
}

static void
hard_link_is_added_at_once(void **state)
{
    struct attrs l = file_a(1, 10, -1);

    (void)state;
    baseline_ab();
    l.nlink = 2;
    l.ctime = 4000;
    apply(SW_FIM_HINT_CREATE, "/w/alink", NULL, &l);
    apply(SW_FIM_HINT_ATTRIB, "/w/a", NULL, &l); /* the original: link count and ctime only */
    assert_int_equal(g.c.n, 1);
    expect(0, SW_FIM_ADDED, "/w/alink", NULL, "");
}

static void
directory_rename_and_delete_cover_the_rows_below(void **state)
{
    struct attrs d = {.mode = S_IFDIR | 0755, .ino = 5, .nlink = 2, .content = -1};

    (void)state;
    {
        static const char *const p[] = {"/w/d/x", "/w/d/y", "/w/d-z", "/w/e"};
        struct attrs a[] = {file_a(1, 1, '1'), file_a(2, 2, '2'), file_a(3, 3, '3'),
                            file_a(4, 4, '4')};

        walk(p, a, 4);
    }
    apply(SW_FIM_HINT_RENAME, "/w/D", "/w/d", &d);
    assert_int_equal(g.c.n, 2); /* /w/d-z is not below /w/d */
    expect(0, SW_FIM_MOVED, "/w/D/x", "/w/d/x", "");
    expect(1, SW_FIM_MOVED, "/w/D/y", "/w/d/y", "");
    apply(SW_FIM_HINT_DELETE, "/w/D", NULL, NULL);
    assert_int_equal(g.c.n, 4);
    expect(2, SW_FIM_DELETED, "/w/D/x", NULL, "");
    expect(3, SW_FIM_DELETED, "/w/D/y", NULL, "");
    /* A file replaced by a directory: the file is gone. */
    apply(SW_FIM_HINT_CREATE, "/w/e", NULL, &d);
    assert_int_equal(g.c.n, 5);
    expect(4, SW_FIM_DELETED, "/w/e", NULL, "");
}

static void
excluded_and_outside_paths_raise_nothing(void **state)
{
    struct attrs f = file_a(100, 1, 'x');
    struct sw_fim_stats st;

    (void)state;
    baseline_ab();
    apply(SW_FIM_HINT_CLOSE_WRITE, "/w/.notes.swp", NULL, &f);
    apply(SW_FIM_HINT_CLOSE_WRITE, "/w/cache/x", NULL, &f);
    apply(SW_FIM_HINT_CLOSE_WRITE, "/elsewhere/x", NULL, &f);
    apply(SW_FIM_HINT_CLOSE_WRITE, "/wx", NULL, &f); /* shares the root's prefix only */
    assert_int_equal(g.c.n, 0);
    sw_fim_get_stats(g.f, &st);
    assert_int_equal(st.excluded, 4);
}

static void
walk_pairs_a_move_by_inode_and_content(void **state)
{
    static const char *const p[] = {"/w/a", "/w/sub/b-moved", "/w/c"};
    struct attrs a[] = {file_a(1, 10, 'a'), file_a(2, 20, 'b'), file_a(5, 20, 'c')};

    (void)state;
    {
        static const char *const p0[] = {"/w/a", "/w/b", "/w/c0"};
        struct attrs a0[] = {file_a(1, 10, 'a'), file_a(2, 20, 'b'), file_a(3, 20, 'z')};

        walk(p0, a0, 3);
    }
    /* b moved (same inode and content); c0 deleted and c created on a reused inode number
     * would look alike: c's content differs, so it is not taken for a move. */
    a[2].ino = 3;
    walk(p, a, 3);
    assert_int_equal(g.c.n, 3);
    expect(0, SW_FIM_MOVED, "/w/sub/b-moved", "/w/b", "");
    expect(1, SW_FIM_DELETED, "/w/c0", NULL, "");
    expect(2, SW_FIM_ADDED, "/w/c", NULL, "");
}

static void
interrupted_walk_reports_no_deletion(void **state)
{
    struct sw_err err;

    (void)state;
    baseline_ab();
    assert_int_equal(sw_fim_walk_begin(g.f, &err), SW_OK);
    struct attrs a = file_a(1, 10, 'a');

    apply(SW_FIM_HINT_WALK, "/w/a", NULL, &a);
    assert_int_equal(sw_fim_walk_end(g.f, false, &g.c.em, &err), SW_OK);
    assert_int_equal(g.c.n, 0);
    baseline_ab(); /* b is still there */
}

/* kill -9 during the very first walk: the root is not complete, so the next walk records
 * it again without events (the rows the first one wrote are not taken for news). */
static void
interrupted_first_walk_is_redone_silently(void **state)
{
    static const char *const p[] = {"/w/a", "/w/b", "/w/c"};
    struct attrs a[] = {file_a(1, 10, 'a'), file_a(2, 20, 'b'), file_a(3, 30, 'c')};
    struct sw_err err;

    (void)state;
    assert_int_equal(sw_fim_walk_begin(g.f, &err), SW_OK);
    apply(SW_FIM_HINT_WALK, p[0], NULL, &a[0]);
    assert_int_equal(sw_fim_flush(g.f, &err), SW_OK); /* a batch reached the file */
    assert_int_equal(sw_fim_walk_end(g.f, false, &g.c.em, &err), SW_OK); /* the crash */
    sw_fim_close(g.f);
    g.f = open_db(false);
    assert_non_null(g.f);
    assert_false(sw_fim_root_known(g.f, "/w"));
    a[0].mode = S_IFREG | 0600; /* changed meanwhile: still no event, the root is new */
    walk(p, a, 3);
    assert_int_equal(g.c.n, 0);
    assert_true(sw_fim_root_known(g.f, "/w"));
    a[1].size = 21;
    walk(p, a, 3);
    assert_int_equal(g.c.n, 1);
    expect(0, SW_FIM_MODIFIED, "/w/b", NULL, "size");
}

/* A rescan of one directory (after a queue overflow) reports what changed below it and
 * nothing about the rest. */
static void
walk_of_one_directory_reports_only_below_it(void **state)
{
    struct sw_err err;

    (void)state;
    {
        static const char *const p0[] = {"/w/a", "/w/sub/x", "/w/sub/y", "/w/sub-z"};
        struct attrs a0[] = {file_a(1, 1, 1), file_a(2, 2, 2), file_a(3, 3, 3),
                             file_a(4, 4, 4)};

        walk(p0, a0, 4);
    }
    assert_int_equal(sw_fim_walk_begin_at(g.f, "/elsewhere", &err), SW_EINVAL);
    assert_int_equal(sw_fim_walk_begin_at(g.f, "/w/sub/", &err), SW_OK);
    struct attrs x = file_a(2, 2, 2), n = file_a(9, 9, 9);

    apply(SW_FIM_HINT_WALK, "/w/sub/x", NULL, &x);
    apply(SW_FIM_HINT_WALK, "/w/sub/new", NULL, &n);
    assert_int_equal(sw_fim_walk_end(g.f, true, &g.c.em, &err), SW_OK);
    assert_int_equal(g.c.n, 2); /* /w/a and /w/sub-z were not walked: not deleted */
    expect(0, SW_FIM_DELETED, "/w/sub/y", NULL, "");
    expect(1, SW_FIM_ADDED, "/w/sub/new", NULL, "");
}

static void
unreadable_directory_hides_no_deletion(void **state)
{
    static const char *const p[] = {"/w/a"};
    struct attrs a[] = {file_a(1, 10, 'a')};
    struct sw_err err;

    (void)state;
    {
        static const char *const p0[] = {"/w/a", "/w/locked/x"};
        struct attrs a0[] = {file_a(1, 10, 'a'), file_a(2, 2, 'x')};

        walk(p0, a0, 2);
    }
    assert_int_equal(sw_fim_walk_begin(g.f, &err), SW_OK);
    apply(SW_FIM_HINT_WALK, p[0], NULL, &a[0]);
    apply(SW_FIM_HINT_UNREADABLE, "/w/locked", NULL, NULL);
    assert_int_equal(sw_fim_walk_end(g.f, true, &g.c.em, &err), SW_OK);
    assert_int_equal(g.c.n, 0);
}

static void
live_record_during_a_walk_wins_over_the_walks_older_view(void **state)
{
    struct sw_err err;
    struct attrs old = file_a(1, 10, 'a'), newer = file_a(1, 15, 'N');

    (void)state;
    baseline_ab();
    assert_int_equal(sw_fim_walk_begin(g.f, &err), SW_OK);
    newer.mtime = 5000;
    apply(SW_FIM_HINT_CLOSE_WRITE, "/w/a", NULL, &newer); /* live: modified */
    apply(SW_FIM_HINT_WALK, "/w/a", NULL, &old);          /* the walk's stat from before */
    struct attrs b = file_a(2, 20, 'b');

    apply(SW_FIM_HINT_WALK, "/w/b", NULL, &b);
    assert_int_equal(sw_fim_walk_end(g.f, true, &g.c.em, &err), SW_OK);
    assert_int_equal(g.c.n, 1);
    expect(0, SW_FIM_MODIFIED, "/w/a", NULL, "size,mtime,sha256");
}

static void
more_added_than_held_back_are_still_all_reported(void **state)
{
    enum { N = SW_FIM_MAX_PENDING + 10 };
    struct sw_err err;
    struct sw_fim_stats st;
    char path[64];

    (void)state;
    baseline_ab();
    coll_clear(&g.c);
    assert_int_equal(sw_fim_walk_begin(g.f, &err), SW_OK);
    for (unsigned i = 0; i < N; i++) {
        struct attrs f = file_a(1000 + i, 1, 1);

        snprintf(path, sizeof(path), "/w/many/%06u", i);
        apply(SW_FIM_HINT_WALK, path, NULL, &f);
        if (g.c.n > MAX_EV / 2)
            coll_clear(&g.c);
    }
    struct attrs a = file_a(1, 10, 'a'), b = file_a(2, 20, 'b');

    apply(SW_FIM_HINT_WALK, "/w/a", NULL, &a);
    apply(SW_FIM_HINT_WALK, "/w/b", NULL, &b);
    assert_int_equal(sw_fim_walk_end(g.f, true, &g.c.em, &err), SW_OK);
    coll_clear(&g.c);
    sw_fim_get_stats(g.f, &st);
    assert_int_equal(st.added, N);
    assert_int_equal(st.rows, N + 2);
}

/* --- the file ----------------------------------------------------------------------------- */

static void
baseline_survives_reopen(void **state)
{
    static const char *const p[] = {"/w/a"};
    struct attrs a[] = {file_a(1, 10, 'a')};

    (void)state;
    baseline_ab();
    sw_fim_close(g.f);
    g.f = open_db(false);
    assert_non_null(g.f);
    walk(p, a, 1);
    assert_int_equal(g.c.n, 1);
    expect(0, SW_FIM_DELETED, "/w/b", NULL, "");
}

/* kill -9 after some batches: the committed ones stay, the open one is lost and found again
 * by the next walk. */
static void
crash_loses_at_most_the_open_batch(void **state)
{
    enum { N = SW_FIM_BATCH_RECORDS + 100 };
    struct sw_fim_stats st;
    pid_t pid;
    int status;

    (void)state;
    baseline_ab();
    sw_fim_close(g.f);
    g.f = NULL;
    pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        struct sw_fim *f = open_db(false);
        struct coll c = {.em = {.emit = coll_emit}};
        struct sw_err err;
        char path[64];

        c.em.ctx = &c;
        if (f == NULL)
            _exit(3);
        for (unsigned i = 0; i < N; i++) {
            struct sw_fim_rec *r;

            snprintf(path, sizeof(path), "/w/n%05u", i);
            r = sw_fim_rec_create(SW_FIM_HINT_CLOSE_WRITE, path, NULL, NULL);
            r->has_attr = true;
            r->a.mode = S_IFREG | 0644;
            r->a.ino = 500 + i;
            r->a.nlink = 1;
            if (sw_fim_apply(f, r, &c.em, &err) != SW_OK)
                _exit(4);
            if (c.n > 100)
                coll_clear(&c);
        }
        kill(getpid(), SIGKILL);
        _exit(5);
    }
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
    g.f = open_db(false);
    assert_non_null(g.f);
    {
        static const char *const p[] = {"/w/a", "/w/b"}; /* a walk that sees only a and b */
        struct attrs a[] = {file_a(1, 10, 'a'), file_a(2, 20, 'b')};

        walk(p, a, 2);
    }
    sw_fim_get_stats(g.f, &st);
    /* The first full batch was committed (and is now deleted by the walk); the 100 records
     * of the open batch never reached the file. */
    assert_int_equal(st.deleted, SW_FIM_BATCH_RECORDS);
    coll_clear(&g.c);
}

static bool
exists(const char *path)
{
    return access(path, F_OK) == 0;
}

static void
foreign_or_corrupt_file_is_moved_aside_and_rebuilt(void **state)
{
    char bad[160], cmd[1024];
    struct sw_fim_stats st;
    struct sw_err err;

    (void)state;
    snprintf(bad, sizeof(bad), "%s.bad", g.db);
    /* 1. not a database at all */
    sw_fim_close(g.f);
    test_write_file(g.db, "this is not sqlite\n", 19);
    g.f = open_db(false);
    assert_non_null(g.f);
    sw_fim_get_stats(g.f, &st);
    assert_int_equal(st.rebuilt, 1);
    assert_true(exists(bad));
    baseline_ab(); /* the first walk after a rebuild is silent */
    /* 2. another application's SQLite file */
    sw_fim_close(g.f);
    snprintf(cmd, sizeof(cmd),
             "rm -f '%s' '%s-wal' '%s-shm' && python3 -c \"import sqlite3; c=sqlite3.connect('%s');"
             " c.execute('create table files(x)'); c.commit()\"",
             g.db, g.db, g.db, g.db);
    assert_int_equal(system(cmd), 0);
    g.f = open_db(false);
    assert_non_null(g.f);
    sw_fim_get_stats(g.f, &st);
    assert_int_equal(st.rebuilt, 1);
    /* 3. ours, with a planted trigger: the schema differs */
    sw_fim_close(g.f);
    snprintf(cmd, sizeof(cmd),
             "python3 -c \"import sqlite3; c=sqlite3.connect('%s'); c.execute('create trigger t "
             "after insert on files begin delete from files; end'); c.commit()\"",
             g.db);
    assert_int_equal(system(cmd), 0);
    g.f = open_db(false);
    assert_non_null(g.f);
    sw_fim_get_stats(g.f, &st);
    assert_int_equal(st.rebuilt, 1);
    /* 4. read-only (seawall fim check) never rebuilds: it reports */
    sw_fim_close(g.f);
    g.f = NULL;
    test_write_file(g.db, "garbage garbage garbage garbage garbage garbage garbage!", 56);
    struct sw_fim_opts o = {.db = g.db, .roots = roots, .n_roots = 1, .read_only = true};

    assert_null(sw_fim_open(&o, &err));
    assert_int_equal(err.code, SW_EINVAL);
    assert_non_null(strstr(err.msg, "not a usable seawall baseline"));
    g.f = open_db(false);
    assert_non_null(g.f);
}

/* A header SQLite refuses with a plain error (schema format number 9: "unsupported file
 * format") is the file's fault, not the system's: moved aside and rebuilt, never a baseline
 * that cannot open. Found by fuzz_fim_db (seed unsupported_format.db). */
static void
refused_file_format_is_rebuilt_not_fatal(void **state)
{
    char cmd[1024];
    struct sw_fim_stats st;

    (void)state;
    baseline_ab();
    sw_fim_close(g.f);
    g.f = NULL;
    snprintf(cmd, sizeof(cmd),
             "python3 -c \"import sqlite3; c=sqlite3.connect('%s'); "
             "c.execute('pragma wal_checkpoint(truncate)'); c.execute('pragma journal_mode=delete'); "
             "c.close(); f=open('%s','r+b'); f.seek(44); f.write(bytes([0,0,0,9])); f.close()\"",
             g.db, g.db);
    assert_int_equal(system(cmd), 0);
    g.f = open_db(false);
    assert_non_null(g.f);
    sw_fim_get_stats(g.f, &st);
    assert_int_equal(st.rebuilt, 1);
}

static void
damaged_page_is_found_by_the_integrity_check(void **state)
{
    char cmd[1024];
    struct sw_fim_stats st;
    enum { N = 3000 };

    (void)state;
    {
        struct sw_err err;
        char path[64];

        assert_int_equal(sw_fim_walk_begin(g.f, &err), SW_OK);
        for (unsigned i = 0; i < N; i++) {
            struct attrs f = file_a(10 + i, i, (int)(i & 0x7f));

            snprintf(path, sizeof(path), "/w/file-with-a-longish-name-%05u", i);
            apply(SW_FIM_HINT_WALK, path, NULL, &f);
        }
        assert_int_equal(sw_fim_walk_end(g.f, true, &g.c.em, &err), SW_OK);
    }
    sw_fim_close(g.f);
    g.f = NULL;
    /* Checkpoint into the main file, then overwrite bytes in the middle of a B-tree page. */
    snprintf(cmd, sizeof(cmd),
             "python3 -c \"import sqlite3; c=sqlite3.connect('%s'); "
             "c.execute('pragma wal_checkpoint(truncate)'); c.close(); "
             "f=open('%s','r+b'); f.seek(4096*5+100); f.write(b'\\xff'*1500); f.close()\"",
             g.db, g.db);
    assert_int_equal(system(cmd), 0);
    g.f = open_db(false);
    assert_non_null(g.f);
    sw_fim_get_stats(g.f, &st);
    assert_int_equal(st.rebuilt, 1);
}

static void
second_writer_is_refused_reader_is_not(void **state)
{
    struct sw_fim_opts o = {.db = g.db, .roots = roots, .n_roots = 1};
    struct sw_err err;
    struct sw_fim *r;

    (void)state;
    baseline_ab();
    assert_null(sw_fim_open(&o, &err));
    assert_int_equal(err.code, SW_EAGAIN);
    o.read_only = true;
    r = sw_fim_open(&o, &err);
    assert_non_null(r);
    sw_fim_close(r);
}

static void
read_only_compares_and_writes_nothing(void **state)
{
    static const char *const p[] = {"/w/a"};
    struct attrs a[] = {file_a(1, 10, 'a')};
    struct sw_fim_opts o = {.db = g.db, .roots = roots, .n_roots = 1, .read_only = true};
    struct sw_err err;
    struct sw_fim *keep;

    (void)state;
    baseline_ab();
    keep = g.f;
    g.f = sw_fim_open(&o, &err);
    assert_non_null(g.f);
    walk(p, a, 1);
    walk(p, a, 1);
    assert_int_equal(g.c.n, 2); /* reported twice: nothing was recorded */
    expect(1, SW_FIM_DELETED, "/w/b", NULL, "");
    sw_fim_close(g.f);
    g.f = keep;
}

static void
pruning_forgets_paths_no_longer_watched(void **state)
{
    static const char *const two[] = {"/w", "/v"};
    struct sw_fim_opts o = {.db = g.db, .roots = two, .n_roots = 2, .prune = true};
    struct sw_err err;

    (void)state;
    sw_fim_close(g.f);
    g.f = sw_fim_open(&o, &err);
    assert_non_null(g.f);
    {
        static const char *const p[] = {"/v/x", "/w/a", "/w/cache/y", "/w-other"};
        struct attrs a[] = {file_a(1, 1, 1), file_a(2, 2, 2), file_a(3, 3, 3), file_a(4, 4, 4)};

        walk(p, a, 4); /* /w-other: outside both roots, ignored */
    }
    sw_fim_close(g.f);
    g.f = open_db(false); /* roots: /w only, excludes "/w/cache" */
    assert_non_null(g.f);
    static const char *const p[] = {"/w/a"};
    struct attrs a[] = {file_a(2, 2, 2)};

    walk(p, a, 1);
    assert_int_equal(g.c.n, 0); /* /v/x and /w/cache/y were forgotten, not deleted */
}

static bool
collect_path(void *ctx, const char *path)
{
    char *buf = ctx;

    snprintf(buf + strlen(buf), 256 - strlen(buf), "%s;", path);
    return true;
}

static void
retro_hunt_lists_recently_changed_files(void **state)
{
    static const char *const p[] = {"/w/old", "/w/new", "/w/link"};
    struct attrs a[] = {file_a(1, 1, 1), file_a(2, 2, 2), file_a(3, 3, 3)};
    char buf[256] = "";
    struct sw_err err;

    (void)state;
    a[0].ctime = 100 * 1000000000LL;
    a[1].ctime = 200 * 1000000000LL;
    a[2] = (struct attrs){.mode = S_IFLNK | 0777, .ino = 3, .ctime = 300 * 1000000000LL,
                          .content = -1, .target = "x"};
    walk(p, a, 3);
    assert_int_equal(sw_fim_recent(g.f, 150 * 1000000ULL, collect_path, buf, &err), SW_OK);
    assert_string_equal(buf, "/w/new;"); /* regular files only */
}

/* A hostile baseline's rows outside the roots (a relative path, another tree, an excluded
 * name) never reach the retro-hunt list, which the scan pool reads files from. Found by
 * fuzz_fim_db (seed bad_rows.db). */
static void
retro_hunt_lists_only_watched_paths_whatever_the_file_holds(void **state)
{
    char cmd[1024], buf[256] = "";
    struct sw_err err;

    (void)state;
    baseline_ab();
    sw_fim_close(g.f);
    snprintf(cmd, sizeof(cmd),
             "python3 -c \"import sqlite3; c=sqlite3.connect('%s'); "
             "[c.execute('insert into files values(?,33188,0,0,1,0,9000000000000000000,1,NULL,NULL)', (p,)) "
             "for p in (b'relative', b'/etc/shadow', b'/w/cache/k', b'/wx', b'/w/ok')]; c.commit()\"",
             g.db);
    assert_int_equal(system(cmd), 0);
    struct sw_fim_opts o = {.db = g.db, .roots = roots, .n_roots = 1, .read_only = true};
    static const char *const excl[] = {"/w/cache"};

    o.exclude = excl;
    o.n_exclude = 1;
    g.f = sw_fim_open(&o, &err);
    assert_non_null(g.f);
    assert_int_equal(sw_fim_recent(g.f, 1000000, collect_path, buf, &err), SW_OK);
    assert_string_equal(buf, "/w/ok;"); /* a and b: ctime 1000 ns, older than 1 s */
}

/* --- the service -------------------------------------------------------------------------- */

struct producer {
    struct sw_fim_service *s;
    unsigned idx, n;
    unsigned dropped;
};

static void *
producer_main(void *arg)
{
    struct producer *p = arg;
    char path[64];

    for (unsigned i = 0; i < p->n; i++) {
        struct sw_fim_rec *r;

        snprintf(path, sizeof(path), "/w/p%u/f%05u", p->idx, i);
        r = sw_fim_rec_create(SW_FIM_HINT_WALK, path, NULL, NULL);
        r->has_attr = true;
        r->a.mode = S_IFREG | 0644;
        r->a.ino = (uint64_t)p->idx * 100000 + i;
        r->a.nlink = 1;
        while (!sw_fim_submit(p->s, p->idx, r)) { /* a full ring: retry like a rescan */
            p->dropped++;
            usleep(1000);
            r = sw_fim_rec_create(SW_FIM_HINT_WALK, path, NULL, NULL);
            r->has_attr = true;
            r->a.mode = S_IFREG | 0644;
            r->a.ino = (uint64_t)p->idx * 100000 + i;
            r->a.nlink = 1;
        }
    }
    return NULL;
}

static void
coll_lock_emit(struct sw_emitter *em, struct sw_event *ev)
{
    coll_emit(em, ev); /* only the fim thread emits: no lock needed */
}

static void
service_applies_every_producers_records(void **state)
{
    enum { P = 3, N = 1000 };
    struct producer pr[P];
    pthread_t th[P];
    struct sw_fim_service_opts so = {.n_producers = P, .ring_size = 64, .em = &g.c.em};
    struct sw_fim_service *s;
    struct sw_fim_stats st;
    struct sw_err err;
    unsigned dropped = 0;

    (void)state;
    g.c.em.emit = coll_lock_emit;
    baseline_ab();
    s = sw_fim_service_create(g.f, &so, &err);
    g.f = NULL; /* taken */
    assert_non_null(s);
    assert_int_equal(sw_fim_service_start(s, &err), SW_OK);
    for (int round = 0; round < 2; round++) {
        assert_int_equal(sw_fim_service_walk_begin(s, &err), SW_OK);
        for (unsigned i = 0; i < P; i++) {
            pr[i] = (struct producer){.s = s, .idx = i, .n = N};
            assert_int_equal(pthread_create(&th[i], NULL, producer_main, &pr[i]), 0);
        }
        for (unsigned i = 0; i < P; i++) {
            pthread_join(th[i], NULL);
            dropped += pr[i].dropped;
        }
        assert_int_equal(sw_fim_service_walk_end(s, true, &err), SW_OK);
        if (round == 0) {
            /* a and b were not walked: deleted; every file is added */
            assert_int_equal(g.c.n, P * N + 2);
            coll_clear(&g.c);
        }
    }
    assert_int_equal(g.c.n, 0); /* the second walk: nothing new */
    char **paths;
    size_t n;
    bool trunc;

    assert_int_equal(sw_fim_service_recent(s, 0, 10, &paths, &n, &trunc, &err), SW_OK);
    assert_int_equal(n, 10);
    assert_true(trunc);
    assert_string_equal(paths[0], "/w/p0/f00000");
    sw_fim_paths_free(paths, n);
    sw_fim_service_stats(s, &st);
    assert_int_equal(st.rows, P * N);
    assert_int_equal(st.ring_drops, dropped);
    sw_fim_service_destroy(s);
}

/* --- the tree walk ------------------------------------------------------------------------ */

struct walk_seen {
    char names[64][128];
    uint32_t modes[64];
    char target[64];
    size_t n;
};

static bool
walk_collect(void *ctx, struct sw_fim_rec *r)
{
    struct walk_seen *w = ctx;

    if (w->n < 64) {
        snprintf(w->names[w->n], sizeof(w->names[0]), "%s%s",
                 r->hint == SW_FIM_HINT_UNREADABLE ? "!" : "", r->path);
        w->modes[w->n] = r->a.mode;
        if (r->target != NULL)
            snprintf(w->target, sizeof(w->target), "%s", r->target);
        w->n++;
    }
    sw_fim_rec_destroy(r);
    return true;
}

static void
tree_walk_lists_every_non_directory_in_order(void **state)
{
    char root[128], p[256];
    struct walk_seen w = {0};
    struct sw_fim_walk_counts c = {0};
    static const char *const excl[] = {"*.tmp"};
    struct sw_fim_walk_opts o = {.exclude = excl, .n_exclude = 1, .one_fs = true};
    struct sw_err err;

    (void)state;
    snprintf(root, sizeof(root), "%s/tree", g.dir);
    assert_int_equal(mkdir(root, 0755), 0);
    snprintf(p, sizeof(p), "%s/b", root);
    test_write_file(p, "b", 1);
    snprintf(p, sizeof(p), "%s/a.tmp", root);
    test_write_file(p, "x", 1);
    snprintf(p, sizeof(p), "%s/d", root);
    assert_int_equal(mkdir(p, 0755), 0);
    snprintf(p, sizeof(p), "%s/d/f", root);
    test_write_file(p, "f", 1);
    snprintf(p, sizeof(p), "%s/d/link", root);
    assert_int_equal(symlink("../b", p), 0);
    snprintf(p, sizeof(p), "%s/fifo", root);
    assert_int_equal(mkfifo(p, 0600), 0);
    snprintf(p, sizeof(p), "%s/empty", root);
    assert_int_equal(mkdir(p, 0755), 0);
    assert_int_equal(sw_fim_walk_run(root, &o, walk_collect, &w, &c, &err), SW_OK);
    assert_int_equal(w.n, 4);
    snprintf(p, sizeof(p), "%s/b", root);
    assert_string_equal(w.names[0], p);
    snprintf(p, sizeof(p), "%s/d/f", root);
    assert_string_equal(w.names[1], p);
    snprintf(p, sizeof(p), "%s/d/link", root);
    assert_string_equal(w.names[2], p);
    assert_true(S_ISLNK(w.modes[2]));
    assert_string_equal(w.target, "../b");
    assert_true(S_ISFIFO(w.modes[3]));
    assert_int_equal(c.excluded, 1);
    assert_int_equal(c.dirs, 3);
    /* A directory we may not read (as root, every directory is readable: skip that part). */
    if (geteuid() != 0) {
        snprintf(p, sizeof(p), "%s/d", root);
        assert_int_equal(chmod(p, 0), 0);
        memset(&w, 0, sizeof(w));
        assert_int_equal(sw_fim_walk_run(root, &o, walk_collect, &w, &c, &err), SW_OK);
        assert_int_equal(chmod(p, 0755), 0);
        assert_int_equal(w.names[1][0], '!');
    }
}

static void
hash_fd_matches_sha256_and_honours_the_cap(void **state)
{
    char p[256];
    uint8_t out[32];
    int fd;

    (void)state;
    snprintf(p, sizeof(p), "%s/abc", g.dir);
    test_write_file(p, "abc", 3);
    fd = open(p, O_RDONLY);
    assert_true(fd >= 0);
    assert_int_equal(sw_fim_hash_fd(fd, 0, out), SW_OK);
    /* FIPS 180-2's example: SHA-256("abc") */
    static const uint8_t abc[32] = {0xba, 0x78, 0x16, 0xbf, 0x8f, 0x01, 0xcf, 0xea, 0x41, 0x41, 0x40,
                                    0xde, 0x5d, 0xae, 0x22, 0x23, 0xb0, 0x03, 0x61, 0xa3, 0x96, 0x17,
                                    0x7a, 0x9c, 0xb4, 0x10, 0xff, 0x61, 0xf2, 0x00, 0x15, 0xad};
    assert_memory_equal(out, abc, 32);
    assert_int_equal(lseek(fd, 0, SEEK_SET), 0);
    assert_int_equal(sw_fim_hash_fd(fd, 2, out), SW_ELIMIT);
    close(fd);
}

static void
siphash_reference_vectors(void **state)
{
    struct sw_siphash_key k = {0x0706050403020100ULL, 0x0f0e0d0c0b0a0908ULL};
    uint8_t m[64];

    (void)state;
    for (int i = 0; i < 64; i++)
        m[i] = (uint8_t)i;
    /* From the SipHash paper's appendix and its reference test vectors. */
    assert_true(sw_siphash(&k, m, 0) == 0x726fdb47dd0e0e31ULL);
    assert_true(sw_siphash(&k, m, 15) == 0xa129ca6149be45e5ULL);
    assert_true(sw_siphash(&k, m, 8) == 0x93f5f5799a932462ULL);
}

static void
record_create_refuses_relative_and_overlong_paths(void **state)
{
    char longp[PATH_MAX + 10];

    (void)state;
    assert_null(sw_fim_rec_create(SW_FIM_HINT_WALK, "relative", NULL, NULL));
    assert_null(sw_fim_rec_create(SW_FIM_HINT_RENAME, "/a", "rel", NULL));
    memset(longp, 'a', sizeof(longp) - 1);
    longp[0] = '/';
    longp[sizeof(longp) - 1] = '\0';
    assert_null(sw_fim_rec_create(SW_FIM_HINT_WALK, longp, NULL, NULL));
    struct sw_fim_rec *r = sw_fim_rec_create(SW_FIM_HINT_WALK, "/a", NULL, "t");

    assert_non_null(r);
    assert_string_equal(r->target, "t");
    sw_fim_rec_destroy(r);
}

/* Every allocation of opening, a walk with every kind of event and closing fails in turn:
 * each fails cleanly (no crash; ASan finds no leak). */
static void
walk_survives_every_allocation_failure(void **state)
{
    (void)state;
    sw_fim_close(g.f);
    g.f = NULL;
    for (unsigned long n = 1; n < 400; n++) {
        struct sw_err err;
        struct sw_fim *f;

        unlink(g.db);
        sw_alloc_fail_at(n);
        f = open_db(false);
        if (f != NULL) {
            if (sw_fim_walk_begin(f, &err) == SW_OK) {
                for (unsigned i = 0; i < 4; i++) {
                    char path[32];
                    struct attrs a = file_a(i + 1, i, (int)i);
                    struct sw_fim_rec *r;

                    snprintf(path, sizeof(path), "/w/f%u", i);
                    r = sw_fim_rec_create(SW_FIM_HINT_WALK, path, NULL, NULL);
                    if (r == NULL)
                        continue;
                    r->has_attr = true;
                    r->a.mode = a.mode;
                    r->a.ino = a.ino;
                    if (sw_fim_apply(f, r, &g.c.em, &err) != SW_OK)
                        continue; /* a failure is the point */
                }
                if (sw_fim_walk_end(f, true, &g.c.em, &err) != SW_OK)
                    sw_err_clear(&err);
            }
            sw_fim_close(f);
        }
        sw_alloc_fail_at(0);
        coll_clear(&g.c);
    }
    g.f = open_db(false);
    assert_non_null(g.f);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(first_walk_reports_nothing_and_builds_the_baseline, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(walk_reports_added_deleted_modified_attributes, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(ctime_and_inode_alone_raise_nothing, setup, teardown),
        cmocka_unit_test_setup_teardown(mtime_or_owner_alone_is_attributes, setup, teardown),
        cmocka_unit_test_setup_teardown(same_size_new_content_is_modified_sha256, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(replaced_by_another_type_is_modified_type, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(retargeted_symlink_is_modified_sha256, setup, teardown),
        cmocka_unit_test_setup_teardown(directories_raise_nothing, setup, teardown),
        cmocka_unit_test_setup_teardown(added_once_when_the_writer_closes, setup, teardown),
        cmocka_unit_test_setup_teardown(truncate_by_path_is_modified, setup, teardown),
        cmocka_unit_test_setup_teardown(written_then_unlinked_is_added_then_deleted, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(rename_within_is_moved, setup, teardown),
        cmocka_unit_test_setup_teardown(moved_in_over_an_existing_file_is_modified, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(moved_in_is_added_and_moved_out_is_deleted, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(inotify_halves_pair_in_either_order, setup, teardown),
        cmocka_unit_test_setup_teardown(lone_halves_become_deleted_and_added, setup, teardown),
        cmocka_unit_test_setup_teardown(hard_link_is_added_at_once, setup, teardown),
        cmocka_unit_test_setup_teardown(directory_rename_and_delete_cover_the_rows_below, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(excluded_and_outside_paths_raise_nothing, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(walk_pairs_a_move_by_inode_and_content, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(interrupted_walk_reports_no_deletion, setup, teardown),
        cmocka_unit_test_setup_teardown(interrupted_first_walk_is_redone_silently, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(walk_of_one_directory_reports_only_below_it, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(unreadable_directory_hides_no_deletion, setup, teardown),
        cmocka_unit_test_setup_teardown(live_record_during_a_walk_wins_over_the_walks_older_view,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(more_added_than_held_back_are_still_all_reported, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(baseline_survives_reopen, setup, teardown),
        cmocka_unit_test_setup_teardown(crash_loses_at_most_the_open_batch, setup, teardown),
        cmocka_unit_test_setup_teardown(foreign_or_corrupt_file_is_moved_aside_and_rebuilt,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(refused_file_format_is_rebuilt_not_fatal, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(damaged_page_is_found_by_the_integrity_check, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(second_writer_is_refused_reader_is_not, setup, teardown),
        cmocka_unit_test_setup_teardown(read_only_compares_and_writes_nothing, setup, teardown),
        cmocka_unit_test_setup_teardown(pruning_forgets_paths_no_longer_watched, setup, teardown),
        cmocka_unit_test_setup_teardown(retro_hunt_lists_recently_changed_files, setup, teardown),
        cmocka_unit_test_setup_teardown(retro_hunt_lists_only_watched_paths_whatever_the_file_holds,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(service_applies_every_producers_records, setup, teardown),
        cmocka_unit_test_setup_teardown(tree_walk_lists_every_non_directory_in_order, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(hash_fd_matches_sha256_and_honours_the_cap, setup,
                                        teardown),
        cmocka_unit_test(siphash_reference_vectors),
        cmocka_unit_test(record_create_refuses_relative_and_overlong_paths),
        cmocka_unit_test_setup_teardown(walk_survives_every_allocation_failure, setup, teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
