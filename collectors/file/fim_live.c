/* fim_live.c - live records against the baseline (see include/sw/fim.h, the hints): what a
 * close, an attribute change, a delete or a rename does to the stored rows and which event it
 * raises; inotify's rename halves paired by cookie; the batch clock. */
#include "fim_int.h"

#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "sw/alloc.h"
#include "sw/clock.h"

/* --- live records ------------------------------------------------------------------------- */

/* Keep a stored hash when a record without one (a rename, an attribute change) describes the
 * same content: same inode, size and mtime. */
void
fim_inherit_sha(struct fim_row *n, const struct fim_row *old)
{
    if (!n->has_sha256 && S_ISREG(n->mode) && old != NULL && old->has_sha256 &&
        S_ISREG(old->mode) && old->ino == n->ino && old->size == n->size &&
        old->mtime_ns == n->mtime_ns) {
        memcpy(n->sha256, old->sha256, 32);
        n->has_sha256 = true;
    }
}

/* Emit what changed from old to n at path (modified, attributes or nothing) and store n when
 * anything stored differs. force: report `modified` even with nothing changed (a watched file
 * was moved in over this one). */
enum sw_rc
fim_compare_store(struct sw_fim *f, struct sw_emitter *em, const char *path, const char *old_path,
              const struct fim_row *old, const struct fim_row *n, bool silent, bool force,
              const struct sw_fim_rec *rec, uint8_t origin, struct sw_err *err)
{
    uint32_t c = fim_changed(old, n);

    if (!silent) {
        if ((c & FIM_CONTENT_BITS) != 0 || force)
            fim_emit(f, em, SW_FIM_MODIFIED, origin, path, old_path, old, n, c, rec);
        else if (c != 0)
            fim_emit(f, em, SW_FIM_ATTRIBUTES, origin, path, NULL, old, n, c, rec);
    }
    if (c == 0 && !force && old->ctime_ns == n->ctime_ns && old->ino == n->ino &&
        old->has_sha256 == n->has_sha256)
        return SW_OK;
    return fim_row_put(f, path, n, err);
}

struct chunk_row {
    char *path; /* owned */
    struct fim_row r;
};

enum sw_rc
fim_each_below(struct sw_fim *f, const char *dir, fim_row_fn fn, void *ctx, struct sw_err *err)
{
    enum { CHUNK = 256 };
    size_t dlen = strlen(dir);
    char lo[PATH_MAX + 2], hi[PATH_MAX + 2];
    struct chunk_row *rows = sw_calloc(CHUNK, sizeof(*rows));
    enum sw_rc out = SW_OK;
    size_t lo_len;

    if (rows == NULL)
        return sw_err_set(err, SW_ENOMEM, "%s: out of memory", f->db_path);
    if (dlen + 2 > sizeof(lo)) {
        sw_free(rows);
        return SW_OK;
    }
    /* Paths below dir are exactly those in (dir "/", dir "0"): '0' follows '/' in ASCII. */
    if (dlen == 1 && dir[0] == '/')
        dlen = 0;
    memcpy(lo, dir, dlen);
    lo[dlen] = '/';
    lo_len = dlen + 1;
    memcpy(hi, dir, dlen);
    hi[dlen] = '0';
    for (;;) {
        size_t n = 0;
        sqlite3_stmt *st = f->st_range;
        int rc;

        sqlite3_bind_blob(st, 1, lo, (int)lo_len, SQLITE_TRANSIENT);
        sqlite3_bind_blob(st, 2, hi, (int)dlen + 1, SQLITE_TRANSIENT);
        sqlite3_bind_int(st, 3, CHUNK);
        while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
            const void *p = sqlite3_column_blob(st, 0);
            int len = sqlite3_column_bytes(st, 0);

            if (p == NULL || len <= 0 || len >= PATH_MAX || memchr(p, '\0', (size_t)len)) {
                f->st.db_errors++;
                continue;
            }
            rows[n].path = sw_malloc((size_t)len + 1);
            if (rows[n].path == NULL) {
                out = sw_err_set(err, SW_ENOMEM, "%s: out of memory", f->db_path);
                break;
            }
            memcpy(rows[n].path, p, (size_t)len);
            rows[n].path[len] = '\0';
            memcpy(lo, p, (size_t)len); /* the next chunk starts after this row */
            lo_len = (size_t)len;
            if (!fim_row_decode(st, 1, &rows[n].r)) {
                f->st.db_errors++;
                rows[n].r.mode = 0; /* invalid: handed on as absent */
            }
            n++;
        }
        sqlite3_reset(st);
        sqlite3_clear_bindings(st);
        if (out == SW_OK && rc != SQLITE_DONE && rc != SQLITE_ROW)
            out = fim_db_err(f, rc, "range read", err);
        for (size_t i = 0; i < n; i++) {
            if (out == SW_OK)
                out = fn(f, ctx, rows[i].path, rows[i].r.mode != 0 ? &rows[i].r : NULL, err);
            sw_free(rows[i].path);
            rows[i].path = NULL;
        }
        if (out != SW_OK || n < CHUNK)
            break;
    }
    sw_free(rows);
    return out;
}

struct dir_ctx {
    struct sw_emitter *em;
    const struct sw_fim_rec *rec;
    const char *from, *to; /* rename: prefixes */
    bool silent;
};

static enum sw_rc
delete_one(struct sw_fim *f, void *ctx, const char *path, const struct fim_row *r,
           struct sw_err *err)
{
    struct dir_ctx *d = ctx;

    if (r != NULL && !d->silent)
        fim_emit(f, d->em, SW_FIM_DELETED, SW_FIM_ORIGIN_LIVE, path, NULL, r, NULL, 0, d->rec);
    return fim_row_del(f, path, err);
}

static enum sw_rc
move_one(struct sw_fim *f, void *ctx, const char *path, const struct fim_row *r,
         struct sw_err *err)
{
    struct dir_ctx *d = ctx;
    char to[PATH_MAX];
    size_t flen = strlen(d->from);

    if (fim_row_del(f, path, err) != SW_OK)
        return SW_EIO;
    if (r == NULL || snprintf(to, sizeof(to), "%s%s", d->to, path + flen) >= (int)sizeof(to))
        return SW_OK;
    if (f->walking && !fim_seen_add(&f->seen, to, true))
        return sw_err_set(err, SW_ENOMEM, "%s: out of memory", f->db_path);
    if (!d->silent)
        fim_emit(f, d->em, SW_FIM_MOVED, SW_FIM_ORIGIN_LIVE, to, path, r, r, 0, d->rec);
    return fim_row_put(f, to, r, err);
}

bool
fim_root_known(const struct sw_fim *f, const char *path)
{
    long i = fim_root_of(f, path);

    return i >= 0 && f->roots[i].known;
}

/* CLOSE_WRITE, MODIFY, ATTRIB, CREATE. */
static enum sw_rc
live_update(struct sw_fim *f, struct sw_fim_rec *rec, struct sw_emitter *em, bool silent,
            struct sw_err *err)
{
    struct fim_row old, n;
    int got = fim_row_get(f, rec->path, &old, err);
    uint8_t o = SW_FIM_ORIGIN_LIVE;

    if (got < 0)
        return SW_EIO;
    if (!rec->has_attr)
        return SW_OK;
    if (S_ISDIR(rec->a.mode)) { /* a file replaced by a directory: the file is gone */
        if (got == 1 && !silent)
            fim_emit(f, em, SW_FIM_DELETED, o, rec->path, NULL, &old, NULL, 0, rec);
        return got == 1 ? fim_row_del(f, rec->path, err) : SW_OK;
    }
    fim_row_from_rec(rec, &n);
    fim_inherit_sha(&n, got == 1 ? &old : NULL);
    bool content = rec->hint == SW_FIM_HINT_CLOSE_WRITE || rec->hint == SW_FIM_HINT_MODIFY;

    if (content && rec->a.nlink == 0 && S_ISREG(rec->a.mode)) {
        /* Hashed through a descriptor after the last name went: report what was written,
         * then that it is gone; a row of the same inode goes too, a newer file's stays. */
        if (silent)
            return got == 1 && old.ino == n.ino ? fim_row_del(f, rec->path, err) : SW_OK;
        if (got == 1 && old.ino == n.ino) {
            uint32_t c = fim_changed(&old, &n);

            if (c != 0)
                fim_emit(f, em, (c & FIM_CONTENT_BITS) ? SW_FIM_MODIFIED : SW_FIM_ATTRIBUTES, o,
                         rec->path, NULL, &old, &n, c, rec);
            fim_emit(f, em, SW_FIM_DELETED, o, rec->path, NULL, &n, NULL, 0, rec);
            return fim_row_del(f, rec->path, err);
        }
        fim_emit(f, em, SW_FIM_ADDED, o, rec->path, NULL, NULL, &n, 0, rec);
        fim_emit(f, em, SW_FIM_DELETED, o, rec->path, NULL, &n, NULL, 0, rec);
        return SW_OK;
    }
    if (got == 1)
        return fim_compare_store(f, em, rec->path, NULL, &old, &n, silent, false, rec, o, err);
    /* No row. A regular file is added when its writer closes it (so the event carries the
     * written content), or at once when it is a new hard link; other types at once. */
    if (S_ISREG(rec->a.mode) && (rec->hint == SW_FIM_HINT_ATTRIB ||
                                 rec->hint == SW_FIM_HINT_MODIFY ||
                                 (rec->hint == SW_FIM_HINT_CREATE && rec->a.nlink <= 1)))
        return SW_OK;
    if (!silent)
        fim_emit(f, em, SW_FIM_ADDED, o, rec->path, NULL, NULL, &n, 0, rec);
    return fim_row_put(f, rec->path, &n, err);
}

static enum sw_rc
live_delete(struct sw_fim *f, struct sw_fim_rec *rec, struct sw_emitter *em, bool silent,
            struct sw_err *err)
{
    struct fim_row old;
    int got = fim_row_get(f, rec->path, &old, err);
    struct dir_ctx d = {.em = em, .rec = rec, .silent = silent};

    if (got < 0)
        return SW_EIO;
    if (got == 1) {
        if (!silent)
            fim_emit(f, em, SW_FIM_DELETED, SW_FIM_ORIGIN_LIVE, rec->path, NULL, &old, NULL, 0,
                     rec);
        return fim_row_del(f, rec->path, err);
    }
    return fim_each_below(f, rec->path, delete_one, &d, err); /* a directory, or nothing */
}

/* RENAME (and paired or lone MOVED_* halves): rec->old_path (NULL: moved in from outside the
 * watched paths) -> rec->path. */
static enum sw_rc
live_rename(struct sw_fim *f, struct sw_fim_rec *rec, struct sw_emitter *em, bool silent,
            struct sw_err *err)
{
    struct fim_row src, dst, n;
    int has_src = 0, has_dst;
    const char *from = rec->old_path;
    uint8_t o = SW_FIM_ORIGIN_LIVE;

    if (from != NULL && fim_root_of(f, from) < 0)
        from = NULL; /* moved in from outside the roots: as if from nowhere */
    if (from != NULL && fim_excluded(f, from))
        from = NULL;
    if (from != NULL) {
        has_src = fim_row_get(f, from, &src, err);
        if (has_src < 0)
            return SW_EIO;
        if (has_src == 0 && (!rec->has_attr || S_ISDIR(rec->a.mode))) {
            char to[PATH_MAX];
            struct dir_ctx d = {.em = em, .rec = rec, .silent = silent};

            if (snprintf(to, sizeof(to), "%s", rec->path) >= (int)sizeof(to))
                return SW_OK;
            d.from = from;
            d.to = to;
            return fim_each_below(f, from, move_one, &d, err);
        }
    }
    if (rec->has_attr && S_ISDIR(rec->a.mode))
        return SW_OK; /* a directory moved in: the source walks it */
    if (rec->has_attr)
        fim_row_from_rec(rec, &n);
    else if (has_src == 1)
        n = src;
    else
        return SW_OK; /* nothing known of it */
    fim_inherit_sha(&n, has_src == 1 ? &src : NULL);
    has_dst = fim_row_get(f, rec->path, &dst, err);
    if (has_dst < 0)
        return SW_EIO;
    if (has_src == 1 && fim_row_del(f, from, err) != SW_OK)
        return SW_EIO;
    if (has_dst == 1) {
        /* Moved in over an existing file: modified when anything differs, when a watched
         * name went away for it, or when its content is unknown (not hashed) while the
         * replaced file's was: only a verified identical copy (a new inode) is silent. */
        bool unverified = S_ISREG(n.mode) && !n.has_sha256 && dst.has_sha256 &&
                          !(dst.ino == n.ino && dst.size == n.size && dst.mtime_ns == n.mtime_ns);

        fim_inherit_sha(&n, &dst);
        return fim_compare_store(f, em, rec->path, has_src == 1 ? from : NULL, &dst, &n, silent,
                                 has_src == 1 || unverified, rec, o, err);
    }
    if (!silent) {
        if (has_src == 1)
            fim_emit(f, em, SW_FIM_MOVED, o, rec->path, from, &src, &n, fim_changed(&src, &n),
                     rec);
        else
            fim_emit(f, em, SW_FIM_ADDED, o, rec->path, NULL, NULL, &n, 0, rec);
    }
    return fim_row_put(f, rec->path, &n, err);
}

static enum sw_rc half_alone(struct sw_fim *f, size_t i, struct sw_emitter *em,
                             struct sw_err *err);

/* A lone or paired half. Pairs become one RENAME record. */
static enum sw_rc
live_half(struct sw_fim *f, struct sw_fim_rec *rec, struct sw_emitter *em, bool silent,
          struct sw_err *err);

static enum sw_rc
apply_live(struct sw_fim *f, struct sw_fim_rec *rec, struct sw_emitter *em, struct sw_err *err)
{
    bool silent = !fim_root_known(f, rec->path);

    if (f->walking) {
        /* The row written now is newer than what the walk saw of this path. */
        if (!fim_seen_add(&f->seen, rec->path, true))
            return sw_err_set(err, SW_ENOMEM, "%s: out of memory", f->db_path);
    }
    switch (rec->hint) {
    case SW_FIM_HINT_CLOSE_WRITE:
    case SW_FIM_HINT_MODIFY:
    case SW_FIM_HINT_ATTRIB:
    case SW_FIM_HINT_CREATE:
        return live_update(f, rec, em, silent, err);
    case SW_FIM_HINT_DELETE:
        return live_delete(f, rec, em, silent, err);
    case SW_FIM_HINT_RENAME:
        return live_rename(f, rec, em, silent, err);
    default:
        return SW_OK;
    }
}

static enum sw_rc
live_half(struct sw_fim *f, struct sw_fim_rec *rec, struct sw_emitter *em, bool silent,
          struct sw_err *err)
{
    (void)silent;
    for (size_t i = 0; i < f->n_halves; i++) {
        struct sw_fim_rec *h = f->halves[i].rec;

        if (h->cookie != rec->cookie || h->hint == rec->hint)
            continue;
        struct sw_fim_rec *from = rec->hint == SW_FIM_HINT_MOVED_FROM ? rec : h;
        struct sw_fim_rec *to = rec->hint == SW_FIM_HINT_MOVED_TO ? rec : h;
        struct sw_fim_rec *r = sw_fim_rec_create(SW_FIM_HINT_RENAME, to->path, from->path,
                                                 to->target);

        f->halves[i] = f->halves[--f->n_halves];
        if (r == NULL) {
            sw_fim_rec_destroy(from);
            sw_fim_rec_destroy(to);
            return sw_err_set(err, SW_ENOMEM, "%s: out of memory", f->db_path);
        }
        r->has_attr = to->has_attr;
        r->a = to->a;
        r->pid = to->pid != 0 ? to->pid : from->pid;
        memcpy(r->comm, to->comm[0] != '\0' ? to->comm : from->comm, sizeof(r->comm));
        r->ts_us = to->ts_us;
        sw_fim_rec_destroy(from);
        sw_fim_rec_destroy(to);
        enum sw_rc rc = apply_live(f, r, em, err);

        sw_fim_rec_destroy(r);
        return rc;
    }
    if (f->n_halves == FIM_MAX_HALVES) { /* the oldest waits no longer */
        size_t oldest = 0;

        for (size_t i = 1; i < f->n_halves; i++)
            if (f->halves[i].since_us < f->halves[oldest].since_us)
                oldest = i;
        enum sw_rc rc = half_alone(f, oldest, em, err);

        if (rc != SW_OK) {
            sw_fim_rec_destroy(rec);
            return rc;
        }
    }
    f->halves[f->n_halves++] = (struct fim_half){rec, sw_clock_us(CLOCK_MONOTONIC)};
    return SW_OK;
}

/* Apply a waiting half on its own: a lone MOVED_FROM was moved out of the watched paths
 * (deleted), a lone MOVED_TO moved in from outside (added, or modified over a file). */
static enum sw_rc
half_alone(struct sw_fim *f, size_t i, struct sw_emitter *em, struct sw_err *err)
{
    struct sw_fim_rec *rec = f->halves[i].rec;
    enum sw_rc rc;

    f->halves[i] = f->halves[--f->n_halves];
    rec->hint = rec->hint == SW_FIM_HINT_MOVED_FROM ? SW_FIM_HINT_DELETE : SW_FIM_HINT_RENAME;
    rc = apply_live(f, rec, em, err);
    sw_fim_rec_destroy(rec);
    return rc;
}

enum sw_rc
sw_fim_tick(struct sw_fim *f, uint64_t now_us, struct sw_emitter *em, struct sw_err *err)
{
    enum sw_rc out = SW_OK;
    size_t i = 0;

    while (i < f->n_halves) {
        if (now_us < f->halves[i].since_us ||
            now_us - f->halves[i].since_us < SW_FIM_MOVE_WAIT_MS * 1000u) {
            i++;
            continue;
        }
        enum sw_rc rc = half_alone(f, i, em, err);

        if (rc != SW_OK && out == SW_OK)
            out = rc;
    }
    if (out == SW_OK && f->in_tx &&
        (f->batch_n >= SW_FIM_BATCH_RECORDS ||
         sw_clock_us(CLOCK_MONOTONIC) - f->batch_start_us >= SW_FIM_BATCH_MS * 1000u))
        out = fim_commit(f, err);
    return out;
}

enum sw_rc
sw_fim_apply(struct sw_fim *f, struct sw_fim_rec *rec, struct sw_emitter *em, struct sw_err *err)
{
    enum sw_rc rc = SW_OK;

    f->st.records++;
    if (fim_root_of(f, rec->path) < 0 || fim_excluded(f, rec->path)) {
        /* Renamed out of the watched paths (or into an excluded name): for the baseline the
         * old name is deleted. */
        const char *from = rec->old_path;

        if ((rec->hint == SW_FIM_HINT_RENAME || rec->hint == SW_FIM_HINT_MOVED_TO) &&
            from != NULL && fim_root_of(f, from) >= 0 && !fim_excluded(f, from)) {
            struct sw_fim_rec *d = sw_fim_rec_create(SW_FIM_HINT_DELETE, from, NULL, NULL);

            if (d == NULL) {
                sw_fim_rec_destroy(rec);
                return sw_err_set(err, SW_ENOMEM, "%s: out of memory", f->db_path);
            }
            d->pid = rec->pid;
            memcpy(d->comm, rec->comm, sizeof(d->comm));
            d->ts_us = rec->ts_us;
            sw_fim_rec_destroy(rec);
            rec = d;
            goto live;
        }
        f->st.excluded++;
        sw_fim_rec_destroy(rec);
        return SW_OK;
    }
    if (rec->hint == SW_FIM_HINT_WALK || rec->hint == SW_FIM_HINT_UNREADABLE)
        return fim_walk_record(f, rec, em, err); /* takes rec */
    if (rec->hint == SW_FIM_HINT_MOVED_FROM || rec->hint == SW_FIM_HINT_MOVED_TO) {
        if (rec->cookie == 0) {
            rec->hint = rec->hint == SW_FIM_HINT_MOVED_FROM ? SW_FIM_HINT_DELETE
                                                             : SW_FIM_HINT_RENAME;
        } else {
            rc = live_half(f, rec, em, false, err); /* takes rec */
            goto batch;
        }
    }
live:
    rc = apply_live(f, rec, em, err);
    sw_fim_rec_destroy(rec);
batch:
    if (rc == SW_OK && f->in_tx && f->batch_n >= SW_FIM_BATCH_RECORDS)
        rc = fim_commit(f, err);
    return rc;
}
