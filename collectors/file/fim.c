/* fim.c - the FIM baseline (see include/sw/fim.h): opening and checking the SQLite file,
 * rebuilding a foreign or corrupt one, rows and batched transactions, and live records.
 *
 * The file: WAL journal (readers such as `seawall fim check` never block the writer),
 * synchronous=NORMAL (a commit survives kill -9; a power cut may lose the last commits, never
 * the file's consistency), tables WITHOUT ROWID keyed by the path as a BLOB (names are bytes,
 * not always UTF-8; BLOB order is memcmp order, which the walk's range queries rely on). One
 * writer: the process that opens it for writing holds flock(DB.lock). Nothing read from the
 * file is trusted: the application_id, the schema version and the schema text must be
 * exactly ours and PRAGMA quick_check must pass at open; each row is validated when read;
 * triggers and views are disabled on the connection so a planted one cannot run. */
#include "fim_int.h"

#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sw/alloc.h"
#include "sw/clock.h"
#include "sw/log.h"
#include "sw/src_walk.h"
#include "sw/user.h"

/* The schema, exactly as sqlite_schema keeps it: a file whose tables differ is not ours. */
static const struct {
    const char *name, *sql;
} schema[] = {
    {"files", "CREATE TABLE files(path BLOB PRIMARY KEY NOT NULL, mode INTEGER NOT NULL, "
              "uid INTEGER NOT NULL, gid INTEGER NOT NULL, size INTEGER NOT NULL, "
              "mtime INTEGER NOT NULL, ctime INTEGER NOT NULL, ino INTEGER NOT NULL, "
              "target BLOB, sha256 BLOB) WITHOUT ROWID"},
    {"meta", "CREATE TABLE meta(key TEXT PRIMARY KEY NOT NULL, value BLOB) WITHOUT ROWID"},
    {"roots", "CREATE TABLE roots(path BLOB PRIMARY KEY NOT NULL, complete INTEGER NOT NULL) "
              "WITHOUT ROWID"},
};
#define N_SCHEMA (sizeof(schema) / sizeof(schema[0]))

#define ROW_COLS "mode, uid, gid, size, mtime, ctime, ino, target, sha256"

enum sw_rc
fim_db_err(struct sw_fim *f, int rc, const char *what, struct sw_err *err)
{
    f->st.db_errors++;
    sw_err_set(err, SW_EIO, "%s: %s: %s", f->db_path, what,
               f->db != NULL ? sqlite3_errmsg(f->db) : sqlite3_errstr(rc));
    return SW_EIO;
}

static int
exec(sqlite3 *db, const char *sql)
{
    return sqlite3_exec(db, sql, NULL, NULL, NULL);
}

int
fim_exec(struct sw_fim *f, const char *sql)
{
    return exec(f->db, sql);
}

/* --- roots and excludes ------------------------------------------------------------------- */

static int
root_cmp(const void *a, const void *b)
{
    const struct fim_root *x = a, *y = b;

    return strcmp(x->path, y->path);
}

static bool
under(const char *path, const char *root, size_t rlen)
{
    if (rlen == 1 && root[0] == '/')
        return path[0] == '/';
    return strncmp(path, root, rlen) == 0 && (path[rlen] == '\0' || path[rlen] == '/');
}

long
fim_root_of(const struct sw_fim *f, const char *path)
{
    for (size_t i = 0; i < f->n_roots; i++)
        if (under(path, f->roots[i].path, f->roots[i].len))
            return (long)i;
    return -1;
}

/* Excluded: path, or a directory above it (the walk does not enter an excluded directory,
 * so a live record below one must not report either). */
bool
fim_excluded(const struct sw_fim *f, const char *path)
{
    char buf[PATH_MAX];
    size_t len = strlen(path);

    if (f->n_exclude == 0 || len >= sizeof(buf))
        return false;
    memcpy(buf, path, len + 1);
    for (;;) {
        if (sw_walk_excluded(buf, (const char *const *)f->exclude, f->n_exclude))
            return true;
        char *slash = strrchr(buf, '/');

        if (slash == NULL || slash == buf)
            return false;
        *slash = '\0';
    }
}

/* Copy the roots: absolute, trailing '/' dropped, sorted, a root below another left out
 * (its rows belong to the outer one). */
static enum sw_rc
set_roots(struct sw_fim *f, const struct sw_fim_opts *o, struct sw_err *err)
{
    f->roots = sw_calloc(o->n_roots + 1, sizeof(*f->roots));
    if (f->roots == NULL)
        return sw_err_set(err, SW_ENOMEM, "%s: out of memory", o->db);
    for (size_t i = 0; i < o->n_roots; i++) {
        const char *p = o->roots[i];
        size_t len = strlen(p);

        if (p[0] != '/' || len >= PATH_MAX)
            return sw_err_set(err, SW_EINVAL, "%s: not an absolute path", p);
        while (len > 1 && p[len - 1] == '/')
            len--;
        char *c = sw_malloc(len + 1);

        if (c == NULL)
            return sw_err_set(err, SW_ENOMEM, "%s: out of memory", o->db);
        memcpy(c, p, len);
        c[len] = '\0';
        f->roots[f->n_roots++] = (struct fim_root){.path = c, .len = len};
    }
    qsort(f->roots, f->n_roots, sizeof(*f->roots), root_cmp);
    size_t n = 0;

    for (size_t i = 0; i < f->n_roots; i++) {
        bool nested = false;

        for (size_t j = 0; j < n && !nested; j++)
            nested = under(f->roots[i].path, f->roots[j].path, f->roots[j].len);
        if (nested)
            sw_free(f->roots[i].path);
        else
            f->roots[n++] = f->roots[i];
    }
    f->n_roots = n;
    if (o->n_exclude > 0) {
        f->exclude = sw_calloc(o->n_exclude, sizeof(*f->exclude));
        if (f->exclude == NULL)
            return sw_err_set(err, SW_ENOMEM, "%s: out of memory", o->db);
        for (size_t i = 0; i < o->n_exclude; i++) {
            f->exclude[i] = sw_strdup(o->exclude[i]);
            if (f->exclude[i] == NULL)
                return sw_err_set(err, SW_ENOMEM, "%s: out of memory", o->db);
            f->n_exclude++;
        }
    }
    return SW_OK;
}

/* --- opening and checking the file -------------------------------------------------------- */

static void
db_close(struct sw_fim *f)
{
    sqlite3_stmt **sts[] = {&f->st_get, &f->st_put, &f->st_del, &f->st_range, &f->st_recent,
                            &f->st_root_put};

    for (size_t i = 0; i < sizeof(sts) / sizeof(sts[0]); i++) {
        sqlite3_finalize(*sts[i]);
        *sts[i] = NULL;
    }
    if (f->db != NULL)
        sqlite3_close_v2(f->db);
    f->db = NULL;
    f->in_tx = false;
    f->batch_n = 0;
}

/* One integer from a pragma or query; -1 with *rc set when it fails. */
static long long
query_int(sqlite3 *db, const char *sql, int *rc)
{
    sqlite3_stmt *st = NULL;
    long long v = -1;

    *rc = sqlite3_prepare_v2(db, sql, -1, &st, NULL);
    if (*rc == SQLITE_OK) {
        *rc = sqlite3_step(st);
        if (*rc == SQLITE_ROW) {
            v = sqlite3_column_int64(st, 0);
            *rc = SQLITE_OK;
        }
    }
    sqlite3_finalize(st);
    return v;
}

/* Is the schema exactly ours? Returns SW_OK, SW_EINVAL with the reason in why, or SW_EIO. */
static enum sw_rc
check_schema(sqlite3 *db, char *why, size_t len, int *rc)
{
    sqlite3_stmt *st = NULL;
    size_t n = 0;
    enum sw_rc out = SW_OK;

    *rc = sqlite3_prepare_v2(db, "SELECT type, name, sql FROM sqlite_schema ORDER BY name", -1,
                             &st, NULL);
    if (*rc != SQLITE_OK)
        return SW_EIO;
    while ((*rc = sqlite3_step(st)) == SQLITE_ROW) {
        const char *type = (const char *)sqlite3_column_text(st, 0);
        const char *name = (const char *)sqlite3_column_text(st, 1);
        const char *sql = (const char *)sqlite3_column_text(st, 2);

        if (n >= N_SCHEMA || type == NULL || name == NULL || sql == NULL ||
            strcmp(type, "table") != 0 || strcmp(name, schema[n].name) != 0 ||
            strcmp(sql, schema[n].sql) != 0) {
            snprintf(why, len, "unexpected schema entry '%s'", name != NULL ? name : "?");
            out = SW_EINVAL;
            break;
        }
        n++;
    }
    sqlite3_finalize(st);
    if (out != SW_OK)
        return out;
    if (*rc != SQLITE_DONE)
        return SW_EIO;
    *rc = SQLITE_OK;
    if (n != N_SCHEMA) {
        snprintf(why, len, "%zu of %zu tables", n, N_SCHEMA);
        return SW_EINVAL;
    }
    return SW_OK;
}

/* Did reading the file fail because of what the file holds (not ours, damaged, a format this
 * SQLite refuses), rather than because of the system (no memory, I/O, permissions, a lock)?
 * The first makes the file unusable: moved aside and rebuilt. */
static bool
file_fault(int rc)
{
    switch (rc & 0xff) {
    case SQLITE_NOMEM: case SQLITE_IOERR: case SQLITE_CANTOPEN: case SQLITE_BUSY:
    case SQLITE_LOCKED: case SQLITE_READONLY: case SQLITE_PERM: case SQLITE_FULL:
    case SQLITE_NOLFS: case SQLITE_AUTH: case SQLITE_INTERRUPT: case SQLITE_ABORT:
        return false;
    default:
        return true;
    }
}

static enum sw_rc
create_schema(struct sw_fim *f, struct sw_err *err)
{
    char sql[1024];
    int rc = exec(f->db, "BEGIN");

    for (size_t i = 0; i < N_SCHEMA && rc == SQLITE_OK; i++)
        rc = exec(f->db, schema[i].sql);
    if (rc == SQLITE_OK) {
        snprintf(sql, sizeof(sql), "PRAGMA application_id=%d; PRAGMA user_version=%d",
                 SW_FIM_APPLICATION_ID, SW_FIM_SCHEMA_VERSION);
        rc = exec(f->db, sql);
    }
    if (rc == SQLITE_OK)
        rc = exec(f->db, "COMMIT");
    if (rc != SQLITE_OK) {
        (void)exec(f->db, "ROLLBACK");
        return fim_db_err(f, rc, "creating the baseline", err);
    }
    return SW_OK;
}

/* Open and check. SW_OK; SW_EINVAL: not ours or corrupt (why says how); SW_EIO: cannot open
 * or use the file at all (err). */
static enum sw_rc
db_open(struct sw_fim *f, char *why, size_t wlen, struct sw_err *err)
{
    int flags = f->read_only ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE;
    int rc, on = 1, off = 0;
    long long app, ver, tables;

    why[0] = '\0';
    rc = sqlite3_open_v2(f->db_path, &f->db, flags | SQLITE_OPEN_NOMUTEX, NULL);
    if (rc != SQLITE_OK) {
        if (f->read_only && access(f->db_path, F_OK) != 0)
            return sw_err_set(err, SW_EIO, "%s: no baseline (seawall fim update makes one)",
                              f->db_path);
        return fim_db_err(f, rc, "open", err);
    }
    sqlite3_extended_result_codes(f->db, 1);
    /* A file we did not write may carry triggers or views that would run on our
     * statements: none run, and the schema check below refuses such a file anyway. */
    sqlite3_db_config(f->db, SQLITE_DBCONFIG_DEFENSIVE, on, NULL);
    sqlite3_db_config(f->db, SQLITE_DBCONFIG_ENABLE_TRIGGER, off, NULL);
    sqlite3_db_config(f->db, SQLITE_DBCONFIG_ENABLE_VIEW, off, NULL);
    sqlite3_db_config(f->db, SQLITE_DBCONFIG_TRUSTED_SCHEMA, off, NULL);
    sqlite3_busy_timeout(f->db, 5000);

    app = query_int(f->db, "PRAGMA application_id", &rc);
    if (rc == SQLITE_OK)
        ver = query_int(f->db, "PRAGMA user_version", &rc);
    if (rc == SQLITE_OK)
        tables = query_int(f->db, "SELECT count(*) FROM sqlite_schema", &rc);
    if (rc != SQLITE_OK && file_fault(rc)) {
        snprintf(why, wlen, "%s", sqlite3_errmsg(f->db));
        return SW_EINVAL;
    }
    if (rc != SQLITE_OK)
        return fim_db_err(f, rc, "reading the header", err);
    if (app == 0 && ver == 0 && tables == 0) { /* new (or empty): ours to make */
        if (f->read_only)
            return sw_err_set(err, SW_EIO, "%s: no baseline (seawall fim update makes one)",
                              f->db_path);
        rc = exec(f->db, "PRAGMA journal_mode=WAL");
        if (rc != SQLITE_OK)
            return fim_db_err(f, rc, "journal_mode=WAL", err);
        if (create_schema(f, err) != SW_OK)
            return SW_EIO;
    } else if (app != SW_FIM_APPLICATION_ID) {
        snprintf(why, wlen, "application_id 0x%08llx is not a seawall baseline's",
                 (unsigned long long)app & 0xffffffffULL);
        return SW_EINVAL;
    } else if (ver != SW_FIM_SCHEMA_VERSION) {
        snprintf(why, wlen, "schema version %lld, this seawall reads %d", ver,
                 SW_FIM_SCHEMA_VERSION);
        return SW_EINVAL;
    }
    if (check_schema(f->db, why, wlen, &rc) != SW_OK) {
        if (why[0] != '\0')
            return SW_EINVAL;
        if (file_fault(rc)) {
            snprintf(why, wlen, "%s", sqlite3_errmsg(f->db));
            return SW_EINVAL;
        }
        return fim_db_err(f, rc, "reading the schema", err);
    }
    /* A page-level check of the whole file: a damaged B-tree could otherwise hide rows (and
     * so the deletions and changes they would report). Reads every page once. */
    sqlite3_stmt *st = NULL;

    rc = sqlite3_prepare_v2(f->db, "PRAGMA quick_check(1)", -1, &st, NULL);
    if (rc == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW) {
        const char *r = (const char *)sqlite3_column_text(st, 0);

        if (r == NULL || strcmp(r, "ok") != 0)
            snprintf(why, wlen, "integrity check: %s", r != NULL ? r : "failed");
    } else {
        if (rc == SQLITE_OK)
            rc = sqlite3_errcode(f->db);
        if (file_fault(rc))
            snprintf(why, wlen, "integrity check: %s", sqlite3_errmsg(f->db));
    }
    sqlite3_finalize(st);
    if (why[0] != '\0')
        return SW_EINVAL;
    if (rc != SQLITE_OK)
        return fim_db_err(f, rc, "integrity check", err);
    if (!f->read_only) {
        rc = exec(f->db, "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL");
        if (rc != SQLITE_OK)
            return fim_db_err(f, rc, "journal_mode=WAL", err);
    }
    /* 8 MiB of page cache: a walk's lookups come in path order, so near pages stay hot. */
    (void)exec(f->db, "PRAGMA cache_size=-8192");
    return SW_OK;
}

/* Move a foreign or corrupt file (and its WAL, which belongs to it) aside as DB.bad. */
static enum sw_rc
move_aside(struct sw_fim *f, struct sw_err *err)
{
    char bad[PATH_MAX + 16], side[PATH_MAX + 16];

    db_close(f);
    snprintf(bad, sizeof(bad), "%s.bad", f->db_path);
    if (rename(f->db_path, bad) != 0 && errno != ENOENT)
        return sw_err_sys(err, SW_EIO, "%s: moving aside to %s", f->db_path, bad);
    snprintf(side, sizeof(side), "%s-wal", f->db_path);
    snprintf(bad, sizeof(bad), "%s.bad-wal", f->db_path);
    if (rename(side, bad) != 0 && errno != ENOENT)
        return sw_err_sys(err, SW_EIO, "%s: moving aside", side);
    snprintf(side, sizeof(side), "%s-shm", f->db_path);
    if (unlink(side) != 0 && errno != ENOENT)
        return sw_err_sys(err, SW_EIO, "%s: removing", side);
    return SW_OK;
}

static enum sw_rc
prepare(struct sw_fim *f, struct sw_err *err)
{
    static const struct {
        size_t off;
        const char *sql;
    } sts[] = {
        {offsetof(struct sw_fim, st_get), "SELECT " ROW_COLS " FROM files WHERE path=?1"},
        {offsetof(struct sw_fim, st_put),
         "INSERT OR REPLACE INTO files(path, " ROW_COLS ") VALUES(?1,?2,?3,?4,?5,?6,?7,?8,?9,?10)"},
        {offsetof(struct sw_fim, st_del), "DELETE FROM files WHERE path=?1"},
        {offsetof(struct sw_fim, st_range),
         "SELECT path, " ROW_COLS " FROM files WHERE path>?1 AND path<?2 ORDER BY path LIMIT ?3"},
        {offsetof(struct sw_fim, st_recent),
         "SELECT path, " ROW_COLS " FROM files WHERE ctime>=?1 ORDER BY path"},
        {offsetof(struct sw_fim, st_root_put),
         "INSERT OR REPLACE INTO roots(path, complete) VALUES(?1, ?2)"},
    };

    for (size_t i = 0; i < sizeof(sts) / sizeof(sts[0]); i++) {
        sqlite3_stmt **p = (sqlite3_stmt **)(void *)((char *)f + sts[i].off);
        int rc = sqlite3_prepare_v3(f->db, sts[i].sql, -1, SQLITE_PREPARE_PERSISTENT, p, NULL);

        if (rc != SQLITE_OK)
            return fim_db_err(f, rc, "preparing statements", err);
    }
    return SW_OK;
}

/* Which roots have a complete walk recorded. */
static enum sw_rc
load_roots(struct sw_fim *f, struct sw_err *err)
{
    sqlite3_stmt *st = NULL;
    int rc = sqlite3_prepare_v2(f->db, "SELECT complete FROM roots WHERE path=?1", -1, &st, NULL);

    if (rc != SQLITE_OK)
        return fim_db_err(f, rc, "reading roots", err);
    for (size_t i = 0; i < f->n_roots; i++) {
        sqlite3_bind_blob(st, 1, f->roots[i].path, (int)f->roots[i].len, SQLITE_STATIC);
        rc = sqlite3_step(st);
        f->roots[i].known = rc == SQLITE_ROW && sqlite3_column_int64(st, 0) == 1;
        sqlite3_reset(st);
        if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
            sqlite3_finalize(st);
            return fim_db_err(f, rc, "reading roots", err);
        }
    }
    sqlite3_finalize(st);
    return SW_OK;
}

/* Open, check, and (writing) rebuild a file that is not ours. */
static enum sw_rc
open_checked(struct sw_fim *f, struct sw_err *err)
{
    char why[256];
    enum sw_rc rc = db_open(f, why, sizeof(why), err);

    if (rc == SW_EINVAL && f->read_only) {
        return sw_err_set(err, SW_EINVAL, "%s: not a usable seawall baseline: %s", f->db_path,
                          why);
    }
    if (rc == SW_EINVAL) {
        sw_log_warn("%s: not a usable seawall baseline (%s): moved aside to %s.bad, rebuilding "
                    "it (no fim events until its first walk completes)",
                    f->db_path, why, f->db_path);
        f->st.rebuilt++;
        if (move_aside(f, err) != SW_OK)
            return SW_EIO;
        rc = db_open(f, why, sizeof(why), err);
        if (rc == SW_EINVAL)
            return sw_err_set(err, SW_EIO, "%s: rebuilt baseline unusable: %s", f->db_path, why);
    }
    if (rc != SW_OK)
        return rc;
    if (prepare(f, err) != SW_OK || load_roots(f, err) != SW_OK)
        return SW_EIO;
    return SW_OK;
}

struct sw_fim *
sw_fim_open(const struct sw_fim_opts *o, struct sw_err *err)
{
    struct sw_fim *f = sw_calloc(1, sizeof(*f));

    if (f == NULL) {
        sw_err_set(err, SW_ENOMEM, "%s: out of memory", o->db);
        return NULL;
    }
    f->lock_fd = -1;
    f->read_only = o->read_only;
    f->prune = o->prune && !o->read_only;
    f->last_uid = (uid_t)-1;
    f->db_path = sw_strdup(o->db);
    if (f->db_path == NULL) {
        sw_err_set(err, SW_ENOMEM, "%s: out of memory", o->db);
        goto fail;
    }
    if (set_roots(f, o, err) != SW_OK)
        goto fail;
    if (!f->read_only) {
        char lock[PATH_MAX + 8];

        snprintf(lock, sizeof(lock), "%s.lock", o->db);
        f->lock_fd = open(lock, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
        if (f->lock_fd == -1) {
            sw_err_sys(err, SW_EIO, "%s", lock);
            goto fail;
        }
        if (flock(f->lock_fd, LOCK_EX | LOCK_NB) != 0) {
            if (errno == EWOULDBLOCK)
                sw_err_set(err, SW_EAGAIN,
                           "%s: in use by another seawall process (the daemon or seawall fim "
                           "update)", o->db);
            else
                sw_err_sys(err, SW_EIO, "%s: lock", lock);
            goto fail;
        }
    }
    if (open_checked(f, err) != SW_OK)
        goto fail;
    if (f->prune && fim_prune(f, err) != SW_OK)
        goto fail;
    return f;
fail:
    sw_fim_close(f);
    return NULL;
}

void
sw_fim_close(struct sw_fim *f)
{
    if (f == NULL)
        return;
    if (f->db != NULL && f->in_tx) {
        struct sw_err e;

        if (fim_commit(f, &e) != SW_OK)
            sw_log_error("%s", e.msg);
    }
    db_close(f);
    fim_seen_fini(&f->seen);
    fim_pending_fini(&f->pending);
    sw_free(f->walk_at);
    for (size_t i = 0; i < f->n_unreadable; i++)
        sw_free(f->unreadable[i]);
    sw_free(f->unreadable);
    for (size_t i = 0; i < f->n_halves; i++)
        sw_fim_rec_destroy(f->halves[i].rec);
    for (size_t i = 0; i < f->n_roots; i++)
        sw_free(f->roots[i].path);
    sw_free(f->roots);
    for (size_t i = 0; i < f->n_exclude; i++)
        sw_free(f->exclude[i]);
    sw_free(f->exclude);
    if (f->lock_fd != -1)
        close(f->lock_fd); /* after sqlite3_close: the lock outlives every write */
    sw_free(f->db_path);
    sw_free(f);
}

bool
sw_fim_root_known(const struct sw_fim *f, const char *root)
{
    long i = fim_root_of(f, root); /* a root nested in another belongs to the outer one */

    return i >= 0 && f->roots[i].known;
}

void
sw_fim_get_stats(const struct sw_fim *f, struct sw_fim_stats *out)
{
    *out = f->st;
}

/* --- rows and batches --------------------------------------------------------------------- */

enum sw_rc
fim_begin(struct sw_fim *f, struct sw_err *err)
{
    int rc;

    if (f->in_tx)
        return SW_OK;
    rc = exec(f->db, "BEGIN");
    if (rc != SQLITE_OK)
        return fim_db_err(f, rc, "begin", err);
    f->in_tx = true;
    f->batch_n = 0;
    f->batch_start_us = sw_clock_us(CLOCK_MONOTONIC);
    return SW_OK;
}

enum sw_rc
fim_commit(struct sw_fim *f, struct sw_err *err)
{
    int rc;

    if (!f->in_tx)
        return SW_OK;
    f->in_tx = false;
    rc = exec(f->db, "COMMIT");
    if (rc != SQLITE_OK) {
        (void)exec(f->db, "ROLLBACK");
        return fim_db_err(f, rc, "commit", err);
    }
    f->st.batches++;
    return SW_OK;
}

bool
fim_row_decode(sqlite3_stmt *st, int c, struct fim_row *r)
{
    for (int i = 0; i < 7; i++)
        if (sqlite3_column_type(st, c + i) != SQLITE_INTEGER)
            return false;
    int64_t mode = sqlite3_column_int64(st, c);
    int64_t uid = sqlite3_column_int64(st, c + 1), gid = sqlite3_column_int64(st, c + 2);
    int64_t size = sqlite3_column_int64(st, c + 3);

    if (mode < 0 || mode > 0xffff || uid < 0 || uid > UINT32_MAX || gid < 0 ||
        gid > UINT32_MAX || size < 0)
        return false;
    switch ((mode_t)mode & S_IFMT) {
    case S_IFREG: case S_IFLNK: case S_IFIFO: case S_IFSOCK: case S_IFCHR: case S_IFBLK:
        break;
    default:
        return false;
    }
    memset(r, 0, sizeof(*r));
    r->mode = (uint32_t)mode;
    r->uid = (uint32_t)uid;
    r->gid = (uint32_t)gid;
    r->size = (uint64_t)size;
    r->mtime_ns = sqlite3_column_int64(st, c + 4);
    r->ctime_ns = sqlite3_column_int64(st, c + 5);
    r->ino = (uint64_t)sqlite3_column_int64(st, c + 6);
    int tt = sqlite3_column_type(st, c + 7), ht = sqlite3_column_type(st, c + 8);

    if (tt == SQLITE_BLOB) {
        int n = sqlite3_column_bytes(st, c + 7);
        const void *p = sqlite3_column_blob(st, c + 7);

        if (!S_ISLNK(r->mode) || n < 0 || (size_t)n > SW_FIM_MAX_TARGET || p == NULL ||
            memchr(p, '\0', (size_t)n) != NULL)
            return false;
        memcpy(r->target, p, (size_t)n);
        r->target[n] = '\0';
        r->target_len = (size_t)n;
    } else if (tt != SQLITE_NULL) {
        return false;
    }
    if (ht == SQLITE_BLOB) {
        const void *p = sqlite3_column_blob(st, c + 8);

        if (sqlite3_column_bytes(st, c + 8) != 32 || p == NULL)
            return false;
        memcpy(r->sha256, p, 32);
        r->has_sha256 = true;
    } else if (ht != SQLITE_NULL) {
        return false;
    }
    return true;
}

int
fim_row_get(struct sw_fim *f, const char *path, struct fim_row *r, struct sw_err *err)
{
    sqlite3_stmt *st = f->st_get;
    int rc, found = 0;

    sqlite3_bind_blob(st, 1, path, (int)strlen(path), SQLITE_STATIC);
    rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        found = 1;
        if (!fim_row_decode(st, 0, r)) {
            f->st.db_errors++;
            SW_LOG_RATELIMIT(SW_LOG_WARNING, "%s: invalid row for a file, ignored", f->db_path);
            found = 0;
        }
        rc = SQLITE_DONE;
    }
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    if (rc != SQLITE_DONE) {
        fim_db_err(f, rc, "read", err);
        return -1;
    }
    return found;
}

/* One statement for both: a put binds the row after the path, a delete only the path; the
 * batch, the step and the error are the same. */
enum sw_rc
fim_row_write(struct sw_fim *f, const char *path, const struct fim_row *r, struct sw_err *err)
{
    sqlite3_stmt *st = r != NULL ? f->st_put : f->st_del;
    int rc;

    if (f->read_only)
        return SW_OK;
    if (fim_begin(f, err) != SW_OK)
        return SW_EIO;
    sqlite3_bind_blob(st, 1, path, (int)strlen(path), SQLITE_STATIC);
    if (r != NULL) {
        sqlite3_bind_int64(st, 2, r->mode);
        sqlite3_bind_int64(st, 3, r->uid);
        sqlite3_bind_int64(st, 4, r->gid);
        sqlite3_bind_int64(st, 5, (int64_t)r->size);
        sqlite3_bind_int64(st, 6, r->mtime_ns);
        sqlite3_bind_int64(st, 7, r->ctime_ns);
        sqlite3_bind_int64(st, 8, (int64_t)r->ino);
        if (S_ISLNK(r->mode))
            sqlite3_bind_blob(st, 9, r->target, (int)r->target_len, SQLITE_STATIC);
        else
            sqlite3_bind_null(st, 9);
        if (r->has_sha256)
            sqlite3_bind_blob(st, 10, r->sha256, 32, SQLITE_STATIC);
        else
            sqlite3_bind_null(st, 10);
    }
    rc = sqlite3_step(st);
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    if (rc != SQLITE_DONE)
        return fim_db_err(f, rc, r != NULL ? "write" : "delete", err);
    f->batch_n++;
    return SW_OK;
}

enum sw_rc
sw_fim_flush(struct sw_fim *f, struct sw_err *err)
{
    return fim_commit(f, err);
}

/* --- comparing and emitting --------------------------------------------------------------- */

void
fim_row_from_rec(const struct sw_fim_rec *rec, struct fim_row *r)
{
    memset(r, 0, sizeof(*r));
    r->mode = rec->a.mode;
    r->uid = rec->a.uid;
    r->gid = rec->a.gid;
    r->size = rec->a.size;
    r->ino = rec->a.ino;
    r->mtime_ns = rec->a.mtime_ns;
    r->ctime_ns = rec->a.ctime_ns;
    if (S_ISLNK(rec->a.mode)) {
        const char *t = rec->target != NULL ? rec->target : "";
        size_t n = strlen(t);

        if (n > SW_FIM_MAX_TARGET)
            n = SW_FIM_MAX_TARGET;
        memcpy(r->target, t, n);
        r->target[n] = '\0';
        r->target_len = n;
        /* A link's content is its target: hashing it makes a retargeted link `modified`
         * with sha256 changed, as a rewritten file is. */
        fim_sha256(t, strlen(t), r->sha256);
        r->has_sha256 = true;
    } else if (S_ISREG(rec->a.mode) && rec->a.has_sha256) {
        memcpy(r->sha256, rec->a.sha256, 32);
        r->has_sha256 = true;
    }
}

uint32_t
fim_changed(const struct fim_row *a, const struct fim_row *b)
{
    uint32_t c = 0;

    if ((a->mode & S_IFMT) != (b->mode & S_IFMT))
        c |= SW_FIM_CHANGED_TYPE;
    if (a->size != b->size)
        c |= SW_FIM_CHANGED_SIZE;
    if ((a->mode & 07777) != (b->mode & 07777))
        c |= SW_FIM_CHANGED_MODE;
    if (a->uid != b->uid)
        c |= SW_FIM_CHANGED_UID;
    if (a->gid != b->gid)
        c |= SW_FIM_CHANGED_GID;
    if (a->mtime_ns != b->mtime_ns)
        c |= SW_FIM_CHANGED_MTIME;
    /* Content is compared only when both sides were hashed: an unhashed side (over
     * files.max_hash_size, unreadable) is not evidence of a change. */
    if (a->has_sha256 && b->has_sha256 && memcmp(a->sha256, b->sha256, 32) != 0)
        c |= SW_FIM_CHANGED_SHA256;
    return c;
}

static const char *
owner_name(struct sw_fim *f, uint32_t uid)
{
    if (f->last_uid != (uid_t)uid) {
        sw_user_name((uid_t)uid, f->last_owner, sizeof(f->last_owner));
        f->last_uid = (uid_t)uid;
    }
    return f->last_owner;
}

static void
state_of(struct sw_fim *f, const struct fim_row *r, struct sw_fim_state *s, char *owner,
         size_t olen)
{
    memset(s, 0, sizeof(*s));
    if (r == NULL)
        return;
    s->present = true;
    s->mode = r->mode;
    s->uid = r->uid;
    s->gid = r->gid;
    s->size = r->size;
    s->mtime_ns = r->mtime_ns;
    if (r->has_sha256)
        fim_hex(r->sha256, 32, s->sha256);
    snprintf(owner, olen, "%s", owner_name(f, r->uid));
    s->owner = owner;
    s->target = S_ISLNK(r->mode) ? r->target : NULL;
}

void
fim_emit(struct sw_fim *f, struct sw_emitter *em, enum sw_fim_action action, uint8_t origin,
         const char *path, const char *old_path, const struct fim_row *old_r,
         const struct fim_row *new_r, uint32_t changed, const struct sw_fim_rec *rec)
{
    struct sw_fim_part p = {.action = (uint8_t)action, .origin = origin, .changed = changed,
                            .path = path, .old_path = old_path};
    char o1[64], o2[64];
    uint64_t ts = rec != NULL && rec->ts_us != 0 ? rec->ts_us : sw_clock_us(CLOCK_REALTIME);

    state_of(f, old_r, &p.old_state, o1, sizeof(o1));
    state_of(f, new_r, &p.new_state, o2, sizeof(o2));
    if (rec != NULL && origin == SW_FIM_ORIGIN_LIVE) {
        p.pid = rec->pid;
        p.comm = rec->comm[0] != '\0' ? rec->comm : NULL;
    }
    struct sw_event *ev = sw_fim_event_create(ts, &p);

    if (ev == NULL) {
        f->st.event_drops++;
        return;
    }
    f->st.events++;
    switch (action) {
    case SW_FIM_ADDED: f->st.added++; break;
    case SW_FIM_MODIFIED: f->st.modified++; break;
    case SW_FIM_ATTRIBUTES: f->st.attributes++; break;
    case SW_FIM_MOVED: f->st.moved++; break;
    case SW_FIM_DELETED: f->st.deleted++; break;
    }
    sw_emit(em, ev);
}
