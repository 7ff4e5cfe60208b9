/* fim_diff.c - walks against the baseline (see include/sw/fim.h): which paths a walk saw,
 * added files held back to pair with vanished rows into `moved`, deletions at the walk's
 * end, pruning rows the configuration no longer covers, and the retro-hunt query.
 *
 * The walk compares record by record (point lookups by path, in whatever order the hashing
 * threads finish), so it needs no sorted stream; what it did not see is found at the end by
 * reading each root's rows in path order against the seen set. */
#include "fim_int.h"

#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "sw/alloc.h"
#include "sw/log.h"

/* --- the seen set ------------------------------------------------------------------------- */

#define SEEN_FLAG_LIVE 2u

void
fim_seen_fini(struct fim_seen *s)
{
    sw_free(s->slot);
    memset(s, 0, sizeof(*s));
}

static uint64_t
seen_key(const struct fim_seen *s, const char *path)
{
    return sw_siphash(&s->key, path, strlen(path)) & ~(uint64_t)3;
}

static bool
seen_grow(struct fim_seen *s)
{
    size_t cap = s->cap != 0 ? s->cap * 2 : 1u << 16;
    uint64_t *slot = sw_calloc(cap, sizeof(*slot));

    if (slot == NULL)
        return false;
    for (size_t i = 0; i < s->cap; i++) {
        uint64_t v = s->slot[i];

        if (v == 0)
            continue;
        size_t j = (size_t)(v >> 2) & (cap - 1);

        while (slot[j] != 0)
            j = (j + 1) & (cap - 1);
        slot[j] = v;
    }
    sw_free(s->slot);
    s->slot = slot;
    s->cap = cap;
    return true;
}

bool
fim_seen_add(struct fim_seen *s, const char *path, bool live)
{
    if (s->key.k0 == 0 && s->key.k1 == 0)
        sw_siphash_key_random(&s->key);
    if ((s->n + 1) * 2 > s->cap && !seen_grow(s))
        return false;
    uint64_t k = seen_key(s, path);
    size_t j = (size_t)(k >> 2) & (s->cap - 1);

    while (s->slot[j] != 0) {
        if ((s->slot[j] & ~(uint64_t)3) == k) {
            if (live)
                s->slot[j] |= SEEN_FLAG_LIVE;
            return true;
        }
        j = (j + 1) & (s->cap - 1);
    }
    s->slot[j] = k | 1u | (live ? SEEN_FLAG_LIVE : 0);
    s->n++;
    return true;
}

int
fim_seen_get(const struct fim_seen *s, const char *path)
{
    if (s->cap == 0)
        return 0;
    uint64_t k = seen_key(s, path);
    size_t j = (size_t)(k >> 2) & (s->cap - 1);

    while (s->slot[j] != 0) {
        if ((s->slot[j] & ~(uint64_t)3) == k)
            return (s->slot[j] & SEEN_FLAG_LIVE) ? 2 : 1;
        j = (j + 1) & (s->cap - 1);
    }
    return 0;
}

/* --- held-back added files ---------------------------------------------------------------- */

void
fim_pending_fini(struct fim_pending *p)
{
    for (size_t i = 0; i < p->n; i++)
        sw_fim_rec_destroy(p->v[i]);
    sw_free(p->v);
    sw_free(p->by_ino);
    memset(p, 0, sizeof(*p));
}

static size_t
ino_slot(uint64_t ino, size_t cap)
{
    return (size_t)((ino * 0x9e3779b97f4a7c15ULL) >> 20) & (cap - 1);
}

static bool
pending_index(struct fim_pending *p, size_t cap)
{
    uint32_t *t = sw_calloc(cap, sizeof(*t));

    if (t == NULL)
        return false;
    for (size_t i = 0; i < p->n; i++) {
        size_t j = ino_slot(p->v[i]->a.ino, cap);

        while (t[j] != 0)
            j = (j + 1) & (cap - 1);
        t[j] = (uint32_t)(i + 1);
    }
    sw_free(p->by_ino);
    p->by_ino = t;
    p->ino_cap = cap;
    return true;
}

bool
fim_pending_add(struct fim_pending *p, struct sw_fim_rec *rec)
{
    if (p->n >= SW_FIM_MAX_PENDING)
        return false;
    if (p->n == p->cap) {
        size_t cap = p->cap != 0 ? p->cap * 2 : 1024;
        struct sw_fim_rec **v = sw_realloc(p->v, cap * sizeof(*v));

        if (v == NULL)
            return false;
        p->v = v;
        p->cap = cap;
    }
    if ((p->n + 1) * 2 > p->ino_cap && !pending_index(p, p->ino_cap != 0 ? p->ino_cap * 2 : 2048))
        return false;
    p->v[p->n] = rec;
    size_t j = ino_slot(rec->a.ino, p->ino_cap);

    while (p->by_ino[j] != 0)
        j = (j + 1) & (p->ino_cap - 1);
    p->by_ino[j] = (uint32_t)(p->n + 1);
    p->n++;
    return true;
}

/* A held-back file that is the same file as row r under another name: same inode and type,
 * same size and content (so a reused inode number is not taken for a move). Returns its
 * index, or -1. */
static long
pending_find(const struct sw_fim *f, const struct fim_row *r)
{
    const struct fim_pending *p = &f->pending;

    if (p->ino_cap == 0)
        return -1;
    for (size_t j = ino_slot(r->ino, p->ino_cap); p->by_ino[j] != 0; j = (j + 1) & (p->ino_cap - 1)) {
        size_t i = p->by_ino[j] - 1;
        const struct sw_fim_rec *rec = p->v[i];
        struct fim_row n;

        if (rec == NULL || rec->a.ino != r->ino || (rec->a.mode & S_IFMT) != (r->mode & S_IFMT))
            continue;
        if (fim_seen_get(&f->seen, rec->path) == 2)
            continue; /* superseded by a live record */
        fim_row_from_rec(rec, &n);
        if (n.size != r->size || (n.has_sha256 && r->has_sha256 &&
                                  memcmp(n.sha256, r->sha256, 32) != 0))
            continue;
        return (long)i;
    }
    return -1;
}

/* --- records of a walk -------------------------------------------------------------------- */

static bool
unreadable_add(struct sw_fim *f, const char *path)
{
    if (f->n_unreadable == f->cap_unreadable) {
        size_t cap = f->cap_unreadable != 0 ? f->cap_unreadable * 2 : 16;
        char **v = sw_realloc(f->unreadable, cap * sizeof(*v));

        if (v == NULL)
            return false;
        f->unreadable = v;
        f->cap_unreadable = cap;
    }
    f->unreadable[f->n_unreadable] = sw_strdup(path);
    if (f->unreadable[f->n_unreadable] == NULL)
        return false;
    f->n_unreadable++;
    return true;
}

static bool
below_unreadable(const struct sw_fim *f, const char *path)
{
    for (size_t i = 0; i < f->n_unreadable; i++) {
        size_t n = strlen(f->unreadable[i]);

        if (strncmp(path, f->unreadable[i], n) == 0 && (path[n] == '/' || path[n] == '\0'))
            return true;
    }
    return false;
}

enum sw_rc
fim_walk_record(struct sw_fim *f, struct sw_fim_rec *rec, struct sw_emitter *em,
                struct sw_err *err)
{
    struct fim_row old, n;
    enum sw_rc rc = SW_OK;
    bool silent = !fim_root_known(f, rec->path);
    const uint8_t o = SW_FIM_ORIGIN_WALK;
    int got;

    if (rec->hint == SW_FIM_HINT_UNREADABLE) {
        if (f->walking && !unreadable_add(f, rec->path))
            rc = sw_err_set(err, SW_ENOMEM, "%s: out of memory", f->db_path);
        goto out;
    }
    if (f->walking) {
        if (fim_seen_get(&f->seen, rec->path) == 2)
            goto out; /* a live record after this walk passed wrote a newer row */
        if (!fim_seen_add(&f->seen, rec->path, false)) {
            rc = sw_err_set(err, SW_ENOMEM, "%s: out of memory", f->db_path);
            goto out;
        }
    }
    if (!rec->has_attr)
        goto out;
    got = fim_row_get(f, rec->path, &old, err);
    if (got < 0) {
        rc = SW_EIO;
        goto out;
    }
    if (S_ISDIR(rec->a.mode)) { /* a file replaced by a directory */
        if (got == 1) {
            if (!silent)
                fim_emit(f, em, SW_FIM_DELETED, o, rec->path, NULL, &old, NULL, 0, rec);
            rc = fim_row_del(f, rec->path, err);
        }
        goto out;
    }
    fim_row_from_rec(rec, &n);
    if (got == 1) {
        fim_inherit_sha(&n, &old);
        rc = fim_compare_store(f, em, rec->path, NULL, &old, &n, silent, false, rec, o, err);
        goto out;
    }
    if (!silent && f->walking && fim_pending_add(&f->pending, rec))
        return SW_OK; /* taken: reported at the end, as added or as the new side of a move */
    if (!silent)
        fim_emit(f, em, SW_FIM_ADDED, o, rec->path, NULL, NULL, &n, 0, rec);
    rc = fim_row_put(f, rec->path, &n, err);
out:
    sw_fim_rec_destroy(rec);
    return rc;
}

enum sw_rc
sw_fim_walk_begin(struct sw_fim *f, struct sw_err *err)
{
    return sw_fim_walk_begin_at(f, NULL, err);
}

enum sw_rc
sw_fim_walk_begin_at(struct sw_fim *f, const char *dir, struct sw_err *err)
{
    if (f->walking) /* the previous one never ended: it reports nothing */
        if (sw_fim_walk_end(f, false, NULL, err) != SW_OK)
            return err->code;
    if (dir != NULL && (dir[0] != '/' || fim_root_of(f, dir) < 0))
        return sw_err_set(err, SW_EINVAL, "%s: not below a watched path", dir);
    fim_seen_fini(&f->seen);
    sw_siphash_key_random(&f->seen.key);
    if (!seen_grow(&f->seen))
        return sw_err_set(err, SW_ENOMEM, "%s: out of memory", f->db_path);
    if (dir != NULL) {
        size_t len = strlen(dir);

        while (len > 1 && dir[len - 1] == '/')
            len--;
        f->walk_at = sw_malloc(len + 1);
        if (f->walk_at == NULL)
            return sw_err_set(err, SW_ENOMEM, "%s: out of memory", f->db_path);
        memcpy(f->walk_at, dir, len);
        f->walk_at[len] = '\0';
    }
    f->walking = true;
    return SW_OK;
}

struct gone_ctx {
    struct sw_emitter *em;
    bool silent;
};

/* A row of a walked root: not seen by the walk means gone (or moved). */
static enum sw_rc
gone_one(struct sw_fim *f, void *ctx, const char *path, const struct fim_row *r,
         struct sw_err *err)
{
    struct gone_ctx *g = ctx;
    const uint8_t o = SW_FIM_ORIGIN_WALK;

    if (fim_seen_get(&f->seen, path) != 0 || below_unreadable(f, path))
        return SW_OK;
    if (r == NULL || g->silent || fim_excluded(f, path))
        return fim_row_del(f, path, err);
    long i = pending_find(f, r);

    if (i >= 0) {
        struct sw_fim_rec *rec = f->pending.v[i];
        struct fim_row n;

        f->pending.v[i] = NULL;
        fim_row_from_rec(rec, &n);
        fim_inherit_sha(&n, r);
        fim_emit(f, g->em, SW_FIM_MOVED, o, rec->path, path, r, &n, fim_changed(r, &n), rec);
        enum sw_rc rc = fim_row_del(f, path, err);

        if (rc == SW_OK)
            rc = fim_row_put(f, rec->path, &n, err);
        sw_fim_rec_destroy(rec);
        return rc;
    }
    fim_emit(f, g->em, SW_FIM_DELETED, o, path, NULL, r, NULL, 0, NULL);
    return fim_row_del(f, path, err);
}

static enum sw_rc
count_rows(struct sw_fim *f, struct sw_err *err)
{
    sqlite3_stmt *st = NULL;
    int rc = sqlite3_prepare_v2(f->db, "SELECT count(*) FROM files", -1, &st, NULL);

    if (rc == SQLITE_OK && (rc = sqlite3_step(st)) == SQLITE_ROW) {
        f->st.rows = (uint64_t)sqlite3_column_int64(st, 0);
        rc = SQLITE_OK;
    }
    sqlite3_finalize(st);
    return rc == SQLITE_OK ? SW_OK : fim_db_err(f, rc, "count", err);
}

/* Rows of the tree at top (the path itself when it is a file, and everything below it) that
 * the walk did not see. */
static enum sw_rc
gone_below(struct sw_fim *f, const char *top, bool silent, struct sw_emitter *em,
           struct sw_err *err)
{
    struct gone_ctx g = {.em = em, .silent = silent};
    struct fim_row r;
    int got = fim_row_get(f, top, &r, err);

    if (got < 0)
        return SW_EIO;
    if (got == 1 && gone_one(f, &g, top, &r, err) != SW_OK)
        return SW_EIO;
    return fim_each_below(f, top, gone_one, &g, err);
}

static enum sw_rc
walk_finish(struct sw_fim *f, struct sw_emitter *em, struct sw_err *err)
{
    if (f->walk_at != NULL) {
        if (gone_below(f, f->walk_at, !fim_root_known(f, f->walk_at), em, err) != SW_OK)
            return err->code != SW_OK ? err->code : SW_EIO;
    }
    for (size_t i = 0; i < f->n_roots && f->walk_at == NULL; i++) {
        struct fim_root *root = &f->roots[i];

        if (gone_below(f, root->path, !root->known, em, err) != SW_OK)
            return err->code != SW_OK ? err->code : SW_EIO;
    }
    /* Held-back files no vanished row claimed are new. */
    for (size_t i = 0; i < f->pending.n; i++) {
        struct sw_fim_rec *rec = f->pending.v[i];
        struct fim_row n;

        if (rec == NULL)
            continue;
        f->pending.v[i] = NULL;
        if (fim_seen_get(&f->seen, rec->path) != 2) {
            fim_row_from_rec(rec, &n);
            fim_emit(f, em, SW_FIM_ADDED, SW_FIM_ORIGIN_WALK, rec->path, NULL, NULL, &n, 0, rec);
            if (fim_row_put(f, rec->path, &n, err) != SW_OK) {
                sw_fim_rec_destroy(rec);
                return SW_EIO;
            }
        }
        sw_fim_rec_destroy(rec);
    }
    /* Roots walked for the first time are complete now: differences count from here. */
    for (size_t i = 0; i < f->n_roots && !f->read_only && f->walk_at == NULL; i++) {
        struct fim_root *root = &f->roots[i];
        sqlite3_stmt *st = f->st_root_put;
        int rc;

        if (root->known)
            continue;
        sqlite3_bind_blob(st, 1, root->path, (int)root->len, SQLITE_STATIC);
        sqlite3_bind_int(st, 2, 1);
        rc = sqlite3_step(st);
        sqlite3_reset(st);
        sqlite3_clear_bindings(st);
        if (rc != SQLITE_DONE)
            return fim_db_err(f, rc, "roots", err);
        root->known = true;
    }
    return SW_OK;
}

enum sw_rc
sw_fim_walk_end(struct sw_fim *f, bool complete, struct sw_emitter *em, struct sw_err *err)
{
    enum sw_rc rc = SW_OK;

    if (!f->walking)
        return SW_OK;
    if (complete)
        rc = walk_finish(f, em, err);
    f->walking = false;
    sw_free(f->walk_at);
    f->walk_at = NULL;
    fim_seen_fini(&f->seen);
    fim_pending_fini(&f->pending);
    for (size_t i = 0; i < f->n_unreadable; i++)
        sw_free(f->unreadable[i]);
    f->n_unreadable = 0;
    if (rc == SW_OK)
        rc = fim_commit(f, err);
    if (rc == SW_OK && complete)
        rc = count_rows(f, err);
    return rc;
}

/* --- pruning ------------------------------------------------------------------------------ */

static enum sw_rc
del_range(struct sw_fim *f, const void *lo, size_t llen, const void *hi, size_t hlen,
          struct sw_err *err)
{
    sqlite3_stmt *st = NULL;
    int rc = sqlite3_prepare_v2(f->db,
                                hi != NULL ? "DELETE FROM files WHERE path>=?1 AND path<?2"
                                           : "DELETE FROM files WHERE path>=?1",
                                -1, &st, NULL);

    if (rc == SQLITE_OK) {
        sqlite3_bind_blob(st, 1, lo, (int)llen, SQLITE_STATIC);
        if (hi != NULL)
            sqlite3_bind_blob(st, 2, hi, (int)hlen, SQLITE_STATIC);
        rc = sqlite3_step(st);
        if (rc == SQLITE_DONE) {
            f->batch_n += (unsigned)sqlite3_changes(f->db);
            rc = SQLITE_OK;
        }
    }
    sqlite3_finalize(st);
    return rc == SQLITE_OK ? SW_OK : fim_db_err(f, rc, "prune", err);
}

static enum sw_rc
prune_excluded(struct sw_fim *f, void *ctx, const char *path, const struct fim_row *r,
               struct sw_err *err)
{
    (void)ctx;
    if (r != NULL && !fim_excluded(f, path))
        return SW_OK;
    return fim_row_del(f, path, err);
}

/* The excludes as one text, to notice when they change. */
static size_t
exclude_text(const struct sw_fim *f, char *buf, size_t len)
{
    size_t o = 0;

    buf[0] = '\0';
    for (size_t i = 0; i < f->n_exclude; i++) {
        int n = snprintf(buf + o, len - o, "%s\n", f->exclude[i]);

        if (n < 0 || (size_t)n >= len - o)
            return len; /* too long to keep: always treated as changed */
        o += (size_t)n;
    }
    return o;
}

enum sw_rc
fim_prune(struct sw_fim *f, struct sw_err *err)
{
    static const char zero = '\0';
    char lo[PATH_MAX + 2], hi[PATH_MAX + 2], text[8192];
    const void *from = &zero;
    size_t from_len = 0;
    sqlite3_stmt *st = NULL;
    int rc;

    if (fim_begin(f, err) != SW_OK)
        return SW_EIO;
    /* Rows outside every root: the gaps between the sorted roots' ranges. A root r holds
     * r itself and (r "/", r "0"); the gap right after r is [r "\0", r "/"). */
    for (size_t i = 0; i < f->n_roots; i++) {
        const struct fim_root *r = &f->roots[i];
        bool slash = r->len == 1;

        if (del_range(f, from, from_len, r->path, r->len, err) != SW_OK)
            return SW_EIO;
        if (!slash) {
            memcpy(lo, r->path, r->len);
            lo[r->len] = '\0';
            memcpy(hi, r->path, r->len);
            hi[r->len] = '/';
            if (del_range(f, lo, r->len + 1, hi, r->len + 1, err) != SW_OK)
                return SW_EIO;
        }
        memcpy(lo, r->path, slash ? 0 : r->len);
        lo[slash ? 0 : r->len] = '0';
        memcpy(hi, lo, sizeof(lo));
        from = hi;
        from_len = (slash ? 0 : r->len) + 1;
    }
    if (del_range(f, from, from_len, NULL, 0, err) != SW_OK)
        return SW_EIO;
    /* Roots no longer configured are forgotten: walked again some day, they start afresh. */
    rc = fim_exec(f, "DELETE FROM roots");
    for (size_t i = 0; i < f->n_roots && rc == SQLITE_OK; i++) {
        if (!f->roots[i].known)
            continue;
        sqlite3_bind_blob(f->st_root_put, 1, f->roots[i].path, (int)f->roots[i].len,
                          SQLITE_STATIC);
        sqlite3_bind_int(f->st_root_put, 2, 1);
        rc = sqlite3_step(f->st_root_put);
        sqlite3_reset(f->st_root_put);
        sqlite3_clear_bindings(f->st_root_put);
        if (rc == SQLITE_DONE)
            rc = SQLITE_OK;
    }
    if (rc != SQLITE_OK)
        return fim_db_err(f, rc, "prune roots", err);
    /* Rows of paths excluded now: only when the excludes changed (a scan of every row). */
    size_t tlen = exclude_text(f, text, sizeof(text));

    rc = sqlite3_prepare_v2(f->db, "SELECT value FROM meta WHERE key='exclude'", -1, &st, NULL);
    bool same = false;

    if (rc == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW && tlen < sizeof(text)) {
        const void *v = sqlite3_column_blob(st, 0);
        int n = sqlite3_column_bytes(st, 0);

        same = n >= 0 && (size_t)n == tlen && (tlen == 0 || (v != NULL && memcmp(v, text, tlen) == 0));
    }
    sqlite3_finalize(st);
    if (!same) {
        for (size_t i = 0; i < f->n_roots && f->n_exclude > 0; i++)
            if (fim_each_below(f, f->roots[i].path, prune_excluded, NULL, err) != SW_OK)
                return err->code;
        rc = sqlite3_prepare_v2(f->db, "INSERT OR REPLACE INTO meta(key, value) VALUES('exclude', ?1)",
                                -1, &st, NULL);
        if (rc == SQLITE_OK) {
            sqlite3_bind_blob(st, 1, text, (int)(tlen < sizeof(text) ? tlen : 0), SQLITE_STATIC);
            rc = sqlite3_step(st) == SQLITE_DONE ? SQLITE_OK : sqlite3_errcode(f->db);
        }
        sqlite3_finalize(st);
        if (rc != SQLITE_OK)
            return fim_db_err(f, rc, "prune excludes", err);
    }
    return fim_commit(f, err);
}

/* --- retro-hunt --------------------------------------------------------------------------- */

enum sw_rc
sw_fim_recent(struct sw_fim *f, uint64_t since_us, sw_fim_path_fn fn, void *ctx,
              struct sw_err *err)
{
    sqlite3_stmt *st = f->st_recent;
    char path[PATH_MAX];
    int64_t since_ns = since_us > (uint64_t)INT64_MAX / 1000u ? INT64_MAX
                                                              : (int64_t)(since_us * 1000u);
    int rc;

    sqlite3_bind_int64(st, 1, since_ns);
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        const void *p = sqlite3_column_blob(st, 0);
        int len = sqlite3_column_bytes(st, 0);
        struct fim_row r;

        if (p == NULL || len <= 0 || len >= PATH_MAX || memchr(p, '\0', (size_t)len) != NULL ||
            !fim_row_decode(st, 1, &r) || !S_ISREG(r.mode))
            continue;
        memcpy(path, p, (size_t)len);
        path[len] = '\0';
        /* The paths go to the scan pool: only files of the watched paths, whatever the file
         * holds (a planted row could otherwise have any file read and scanned). */
        if (fim_root_of(f, path) < 0 || fim_excluded(f, path))
            continue;
        if (!fn(ctx, path)) {
            rc = SQLITE_DONE;
            break;
        }
    }
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    return rc == SQLITE_DONE ? SW_OK : fim_db_err(f, rc, "retro-hunt query", err);
}
