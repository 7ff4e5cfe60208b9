/* fuzz_fim_db.c - libFuzzer target for the FIM baseline reader (collectors/file/fim*.c): the
 * input is a hostile baseline file. It is written to a temporary file and opened read-only
 * (seawall fim check: reported, never trusted), then for writing (the daemon: checked, moved
 * aside and rebuilt when not ours), and a walk with every kind of record runs against it,
 * then the retro-hunt query and a second open of what is left.
 * Checks: a failed open says why; whatever the file holds, the walk, the live records and
 * the query run to the end (no crash, no leak under ASan). */
#include <fcntl.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sw/event.h"
#include "sw/fim.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char dir[64];
static char db[96];

static void
drop(struct sw_emitter *em, struct sw_event *ev)
{
    (void)em;
    if (ev->type != SW_EV_FIM || ev->fim == NULL || ev->fim->path == NULL)
        abort();
    sw_event_destroy(ev);
}

static bool
count_path(void *ctx, const char *path)
{
    if (path[0] != '/')
        abort();
    ++*(unsigned *)ctx;
    return true;
}

static void clean(void);

static void
remove_dir(void)
{
    clean();
    rmdir(dir);
}

static void
clean(void)
{
    static const char *const sfx[] = {"", "-wal", "-shm", ".bad", ".bad-wal", ".lock"};
    char p[128];

    for (size_t i = 0; i < sizeof(sfx) / sizeof(sfx[0]); i++) {
        snprintf(p, sizeof(p), "%s%s", db, sfx[i]);
        unlink(p);
    }
}

static struct sw_fim_rec *
rec(enum sw_fim_hint h, const char *path, const char *old, uint32_t mode, uint64_t ino)
{
    struct sw_fim_rec *r = sw_fim_rec_create(h, path, old, S_ISLNK(mode) ? "target" : NULL);

    if (r == NULL)
        abort();
    if (mode != 0) {
        r->has_attr = true;
        r->a.mode = mode;
        r->a.ino = ino;
        r->a.size = ino * 3;
        r->a.nlink = 1;
        r->a.has_sha256 = S_ISREG(mode);
        memset(r->a.sha256, (int)ino, sizeof(r->a.sha256));
    }
    return r;
}

/* Failures are expected here (a damaged file makes SQLite fail); they must only be clean. */
static unsigned failures;

static void
result(enum sw_rc rc)
{
    failures += rc != SW_OK;
}

static void
exercise(struct sw_fim *f)
{
    struct sw_emitter em = {.emit = drop};
    struct sw_err err;
    unsigned n = 0;

    if (sw_fim_walk_begin(f, &err) == SW_OK) {
        result(sw_fim_apply(f, rec(SW_FIM_HINT_WALK, "/w/a", NULL, S_IFREG | 0644, 1), &em, &err));
        result(sw_fim_apply(f, rec(SW_FIM_HINT_WALK, "/w/b", NULL, S_IFLNK | 0777, 2), &em, &err));
        result(sw_fim_apply(f, rec(SW_FIM_HINT_WALK, "/w/new", NULL, S_IFREG | 0600, 3), &em,
                           &err));
        result(sw_fim_apply(f, rec(SW_FIM_HINT_UNREADABLE, "/w/locked", NULL, 0, 0), &em, &err));
        result(sw_fim_walk_end(f, true, &em, &err));
    }
    result(sw_fim_apply(f, rec(SW_FIM_HINT_CLOSE_WRITE, "/w/a", NULL, S_IFREG | 0644, 9), &em,
                       &err));
    result(sw_fim_apply(f, rec(SW_FIM_HINT_RENAME, "/w/d2", "/w/d", S_IFDIR | 0755, 4), &em, &err));
    result(sw_fim_apply(f, rec(SW_FIM_HINT_DELETE, "/w/d2", NULL, 0, 0), &em, &err));
    result(sw_fim_recent(f, 0, count_path, &n, &err));
    result(sw_fim_tick(f, UINT64_MAX / 2, &em, &err));
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char *const roots[] = {"/w"};
    struct sw_fim_opts o = {.db = db, .roots = roots, .n_roots = 1, .prune = true};
    struct sw_err err;
    struct sw_fim *f;
    FILE *fp;

    if (dir[0] == '\0') {
        snprintf(dir, sizeof(dir), "%s/sw-fuzz-fim.XXXXXX",
                 getenv("TMPDIR") != NULL ? getenv("TMPDIR") : "/tmp");
        if (mkdtemp(dir) == NULL)
            abort();
        snprintf(db, sizeof(db), "%s/fim.db", dir);
        atexit(remove_dir);
    }
    clean();
    fp = fopen(db, "wb");
    if (fp == NULL || fwrite(data, 1, size, fp) != size || fclose(fp) != 0)
        abort();
    o.read_only = true;
    f = sw_fim_open(&o, &err);
    if (f == NULL && err.msg[0] == '\0')
        abort();
    if (f != NULL)
        exercise(f);
    sw_fim_close(f);
    o.read_only = false;
    f = sw_fim_open(&o, &err);
    if (f == NULL && err.msg[0] == '\0')
        abort();
    if (f != NULL)
        exercise(f);
    sw_fim_close(f);
    f = sw_fim_open(&o, &err); /* what the first writer left must open cleanly */
    if (f == NULL) {
        fprintf(stderr, "fuzz_fim_db: reopen: %s\n", err.msg);
        abort();
    }
    sw_fim_close(f);
    clean();
    return 0;
}
