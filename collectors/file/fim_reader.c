/* fim_reader.c - a read-only view of the baseline for the scan threads (see include/sw/fim.h,
 * sw_fim_reader_*): may a walk skip hashing and scanning a file because its row says it has
 * not changed?
 *
 * One SQLite connection per scan thread, beside the fim thread's writer: in WAL mode readers
 * never block the writer nor it them. A row that cannot be read or decoded answers "changed",
 * so the file is hashed and scanned: a reader can only cost work, never hide a change. */
#include "fim_int.h"

#include <string.h>

#include "sw/alloc.h"

/* The columns fim_row_decode reads, in its order (as fim.c's ROW_COLS). */
#define READER_COLS "mode, uid, gid, size, mtime, ctime, ino, target, sha256"

struct sw_fim_reader {
    sqlite3 *db;         /* owned */
    sqlite3_stmt *get;   /* owned */
    char *path;          /* owned: the file, for messages */
};

struct sw_fim_reader *
sw_fim_reader_open(const char *db, struct sw_err *err)
{
    struct sw_fim_reader *r = sw_calloc(1, sizeof(*r));
    int rc;

    if (r == NULL || (r->path = sw_strdup(db)) == NULL) {
        sw_free(r);
        sw_err_set(err, SW_ENOMEM, "%s: out of memory", db);
        return NULL;
    }
    /* Read-write open (a read-only connection to a WAL file needs the -shm writable
     * anyway), made read-only by query_only; no shared cache, no mutex: one thread. */
    rc = sqlite3_open_v2(db, &r->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, NULL);
    if (rc == SQLITE_OK)
        rc = sqlite3_exec(r->db, "PRAGMA query_only=1", NULL, NULL, NULL);
    if (rc == SQLITE_OK)
        rc = sqlite3_busy_timeout(r->db, 100);
    if (rc == SQLITE_OK)
        rc = sqlite3_prepare_v2(r->db, "SELECT " READER_COLS " FROM files WHERE path=?1", -1,
                                &r->get, NULL);
    if (rc != SQLITE_OK) {
        sw_err_set(err, SW_EIO, "%s: %s", db, r->db != NULL ? sqlite3_errmsg(r->db)
                                                             : sqlite3_errstr(rc));
        sw_fim_reader_close(r);
        return NULL;
    }
    return r;
}

bool
sw_fim_reader_unchanged(struct sw_fim_reader *r, const char *path, const struct stat *st)
{
    struct fim_row row;
    bool same = false;

    if (r == NULL || !S_ISREG(st->st_mode))
        return false;
    sqlite3_bind_blob(r->get, 1, path, (int)strlen(path), SQLITE_STATIC);
    if (sqlite3_step(r->get) == SQLITE_ROW && fim_row_decode(r->get, 0, &row))
        same = S_ISREG(row.mode) && row.has_sha256 && row.mode == (uint32_t)st->st_mode &&
               row.size == (uint64_t)st->st_size && row.ino == (uint64_t)st->st_ino &&
               row.mtime_ns == (int64_t)st->st_mtim.tv_sec * 1000000000 + st->st_mtim.tv_nsec &&
               row.ctime_ns == (int64_t)st->st_ctim.tv_sec * 1000000000 + st->st_ctim.tv_nsec;
    sqlite3_reset(r->get);
    sqlite3_clear_bindings(r->get);
    return same;
}

void
sw_fim_reader_close(struct sw_fim_reader *r)
{
    if (r == NULL)
        return;
    sqlite3_finalize(r->get);
    sqlite3_close(r->db);
    sw_free(r->path);
    sw_free(r);
}
