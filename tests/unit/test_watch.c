/* test_watch.c - unit tests of the file watcher's parts that need no kernel notification:
 * files.exclude matching (include/sw/watch.h), the directory tree the sources resolve names
 * with (collectors/file/dirtree.c, private: watch_int.h) and the iterative walk
 * (include/sw/src_walk.h) on a tree made here with a symlink loop, a FIFO, an excluded
 * subtree and a deep chain. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sw/alloc.h"
#include "sw/src_walk.h"
#include "sw/watch.h"

#include "../../collectors/file/watch_int.h"

static void
exclude_prefixes_globs_and_names(void **state)
{
    static const char *const ex[] = {"/var/www/cache", "/srv/logs/", "*.tmp", "node_modules",
                                     "/home/*/.cache/*"};
    static const struct {
        const char *path;
        bool out;
    } cases[] = {
        {"/var/www/cache", true},         /* the prefix itself */
        {"/var/www/cache/a/b.php", true}, /* below it */
        {"/var/www/cached.php", false},   /* a longer name is not below it */
        {"/srv/logs/x", true},            /* a prefix written with its slash */
        {"/srv/logs", true},
        {"/srv/logsx", false},
        {"/var/www/a.tmp", true},         /* a glob of names, on the base name */
        {"/var/www/a.tmp/inside.php", true}, /* ... and on every name on the way */
        {"/var/www/tmp", false},
        {"/srv/app/node_modules/x/y.js", true},
        {"/srv/app/node_modules2/y.js", false},
        {"/home/ana/.cache/z", true},     /* a glob of the full path */
        {"/home/ana/cache/z", false},
        {"/var/www/index.php", false},
    };

    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
        if (sw_watch_excluded(cases[i].path, ex, sizeof(ex) / sizeof(ex[0])) != cases[i].out)
            fail_msg("%s: excluded should be %d", cases[i].path, cases[i].out);
    assert_false(sw_watch_excluded("/anything", ex, 0));
}

static struct dt_node *
put(struct dt *t, int key, struct dt_node *parent, const char *name)
{
    struct dt_node *n = NULL;

    assert_int_equal(dt_put(t, &key, sizeof(key), parent, name, 1, &n), SW_OK);
    return n;
}

static void
visit_count(void *ctx, struct dt_node *n)
{
    (void)n;
    (*(int *)ctx)++;
}

static void
dirtree_resolves_renames_and_removes_subtrees(void **state)
{
    struct dt *t = dt_create(100);
    struct dt_node *root, *a, *b, *c, *n = NULL;
    char p[256];
    int key = 42, removed = 0;

    (void)state;
    assert_non_null(t);
    root = put(t, 1, NULL, "/srv/www");
    a = put(t, 2, root, "a");
    b = put(t, 3, a, "b");
    c = put(t, 4, root, "c");
    assert_true(dt_path(b, "f.php", p, sizeof(p)));
    assert_string_equal(p, "/srv/www/a/b/f.php");
    assert_true(dt_path(b, ".", p, sizeof(p)));
    assert_string_equal(p, "/srv/www/a/b");
    assert_ptr_equal(dt_find(t, &(int){3}, sizeof(int)), b);
    assert_ptr_equal(dt_child(root, "c"), c);
    /* mv a c/a2: every path below follows */
    assert_int_equal(dt_move(a, c, "a2"), SW_OK);
    assert_true(dt_path(b, "f.php", p, sizeof(p)));
    assert_string_equal(p, "/srv/www/c/a2/b/f.php");
    assert_null(dt_child(root, "a"));
    /* The same key again under another name (a rename missed in an overflow): moved. */
    assert_int_equal(dt_put(t, &(int){3}, sizeof(int), root, "b3", 1, &n), SW_OK);
    assert_ptr_equal(n, b);
    assert_true(dt_path(b, NULL, p, sizeof(p)));
    assert_string_equal(p, "/srv/www/b3");
    /* A path that does not fit. */
    assert_false(dt_path(b, "f.php", p, 10));
    /* A subtree moved out of the trees is no longer resolvable. */
    assert_int_equal(dt_move(c, NULL, "outside"), SW_OK);
    assert_false(dt_path(a, "x", p, sizeof(p)));
    /* Removing c takes a with it (leaves first), b stays (it was moved to the root). */
    dt_remove(t, c, visit_count, &removed);
    assert_int_equal(removed, 2);
    assert_null(dt_find(t, &(int){2}, sizeof(int)));
    assert_non_null(dt_find(t, &(int){3}, sizeof(int)));
    assert_int_equal(dt_count(t), 2);
    /* Sweep: what walk 2 did not see goes. */
    put(t, 5, root, "new");
    assert_int_equal(dt_put(t, &key, sizeof(key), root, "seen", 2, &n), SW_OK);
    removed = 0;
    dt_sweep(t, root, 2, visit_count, &removed);
    assert_int_equal(removed, 2); /* b3 and new: generation 1 */
    assert_int_equal(dt_count(t), 2);
    dt_destroy(t);
}

static void
dirtree_limit_and_allocation_failures(void **state)
{
    (void)state;
    struct dt *t = dt_create(2);
    struct dt_node *n, *r;

    r = put(t, 1, NULL, "/r");
    put(t, 2, r, "x");
    assert_int_equal(dt_put(t, &(int){3}, sizeof(int), r, "y", 1, &n), SW_ELIMIT);
    dt_destroy(t);
    for (unsigned long k = 1; k < 8; k++) {
        sw_alloc_fail_at(k);
        t = dt_create(10);
        if (t != NULL && dt_put(t, &(int){1}, sizeof(int), NULL, "/r", 1, &n) == SW_OK &&
            dt_put(t, &(int){2}, sizeof(int), n, "x", 1, &n) == SW_OK)
            assert_int_equal(dt_count(t), 2);
        sw_alloc_fail_at(0);
        dt_destroy(t);
    }
}

/* --- the walk ------------------------------------------------------------------------------ */

static char dir[64];

static bool
excl(void *ctx, const char *path)
{
    (void)ctx;
    return strstr(path, "/skip") != NULL;
}

static void
touch(const char *rel)
{
    char p[256];
    int fd;

    snprintf(p, sizeof(p), "%s/%s", dir, rel);
    fd = open(p, O_WRONLY | O_CREAT, 0644);
    assert_true(fd >= 0);
    close(fd);
}

static void
sub(const char *rel)
{
    char p[256];

    snprintf(p, sizeof(p), "%s/%s", dir, rel);
    assert_int_equal(mkdir(p, 0755), 0);
}

static void
walk_reports_every_entry_once_and_never_follows_links(void **state)
{
    struct sw_walk_iter_opts o = {.one_fs = true, .recursive = true, .excluded = excl};
    struct sw_walk_counts c;
    struct sw_walk_iter *it;
    struct sw_walk_ent e;
    struct sw_err err;
    char p[256];
    int files = 0, dirs = 0, specials = 0, links = 0, depth_ok = 0;
    void *top = (void *)&files;

    (void)state;
    snprintf(dir, sizeof(dir), "/tmp/sw-test-watch-XXXXXX");
    assert_non_null(mkdtemp(dir));
    sub("a");
    sub("a/b");
    sub("skip");
    touch("f1");
    touch("a/f2");
    touch("a/b/f3");
    touch("skip/never");
    snprintf(p, sizeof(p), "%s/a/b/up", dir);
    assert_int_equal(symlink("../..", p), 0); /* a loop if followed */
    snprintf(p, sizeof(p), "%s/a/fifo", dir);
    assert_int_equal(mkfifo(p, 0600), 0);
    memset(&c, 0, sizeof(c));
    it = sw_walk_iter_create(dir, &o, &err);
    assert_non_null(it);
    while (sw_walk_iter_next(it, &e, &c) == SW_OK) {
        assert_true(strncmp(e.path, dir, strlen(dir)) == 0);
        switch (e.type) {
        case SW_WALK_DIR:
            dirs++;
            if (strcmp(e.path, dir) == 0) {
                assert_null(e.parent_ctx);
                *e.ctx = top; /* what its entries get as parent_ctx */
            } else if (strcmp(e.name, "a") == 0) {
                assert_ptr_equal(e.parent_ctx, top);
                depth_ok++;
            }
            assert_true(e.dirfd >= 0);
            break;
        case SW_WALK_FILE:
            if (S_ISREG(e.st.st_mode))
                files++;
            else if (S_ISLNK(e.st.st_mode))
                links++;
            else
                specials++;
            if (strcmp(e.name, "f1") == 0)
                assert_ptr_equal(e.parent_ctx, top);
            break;
        default:
            fail_msg("unexpected entry %s", e.path);
        }
    }
    sw_walk_iter_destroy(it);
    assert_int_equal(dirs, 3);     /* top, a, a/b: skip/ excluded */
    assert_int_equal(files, 3);
    assert_int_equal(links, 1);
    assert_int_equal(specials, 1);
    assert_int_equal(depth_ok, 1);
    assert_int_equal(c.skipped_excluded, 1);
    /* Not recursive: the top's entries only. */
    o.recursive = false;
    files = dirs = 0;
    it = sw_walk_iter_create(dir, &o, &err);
    while (sw_walk_iter_next(it, &e, &c) == SW_OK)
        if (e.type == SW_WALK_DIR)
            dirs++;
        else
            files++;
    sw_walk_iter_destroy(it);
    assert_int_equal(dirs, 1);
    assert_int_equal(files, 1);
    /* A top that does not exist, and one given relative: refused. */
    assert_null(sw_walk_iter_create("/nonexistent/seawall", &o, &err));
    assert_null(sw_walk_iter_create("relative", &o, &err));
    snprintf(p, sizeof(p), "rm -rf %s", dir);
    assert_int_equal(system(p), 0);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(exclude_prefixes_globs_and_names),
        cmocka_unit_test(dirtree_resolves_renames_and_removes_subtrees),
        cmocka_unit_test(dirtree_limit_and_allocation_failures),
        cmocka_unit_test(walk_reports_every_entry_once_and_never_follows_links),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
