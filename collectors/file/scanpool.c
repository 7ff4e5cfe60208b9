/* scanpool.c - the file scan pool (see include/sw/scanpool.h).
 *
 * Threads: one submitter (the watcher) and N scan threads share the queue under one mutex
 * (a low-rate control path: a file at a time, never held across I/O). Everything else a
 * scan thread uses is its own: scanner, libmagic handle, buffers, counters (published into
 * the pool under the mutex when it hands a job back). */
#include "sw/scanpool.h"

#include <errno.h>
#include <fcntl.h>
#include <magic.h>
#include <openssl/evp.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

#include "sw/alloc.h"
#include "sw/clock.h"
#include "sw/config.h"
#include "sw/fim.h"
#include "sw/filetype.h"
#include "sw/log.h"
#include "sw/yara.h"

#define READ_CHUNK (256u * 1024u)
/* A file whose size changes while it is read is read this many times in all. */
#define READ_TRIES 3
/* libmagic looks at the start of a file. */
#define MAGIC_BYTES (64u * 1024u)
/* A scan thread with nothing to do wakes this often (the watchdog's heartbeat). */
#define IDLE_WAIT_MS 1000
/* The queue's search for a job whose paths are free gives up after this many skipped jobs
 * (their paths are remembered so that no later job of them overtakes). */
#define MAX_BLOCKED 64

/* ioprio_set(2): glibc has no wrapper. */
#define IOPRIO_WHO_PROCESS 1
#define IOPRIO_CLASS_BE 2
#define IOPRIO_CLASS_IDLE 3
#define IOPRIO_PRIO_VALUE(cls, data) (((cls) << 13) | (data))

struct worker {
    struct sw_scanpool *p;
    unsigned idx;
    pthread_t thread;
    bool started;
    /* thread-owned */
    struct sw_yara_rules *rules;     /* a hold of this thread's */
    struct sw_yara_scanner *ys;      /* owned */
    uint32_t gen;
    magic_t magic;                   /* owned; NULL: the filetype table's text */
    uint8_t *buf;                    /* owned: the YARA copy, grown as needed */
    size_t buf_cap;
    uid_t owner_uid;
    char owner[64];
    struct sw_scan_stats c;          /* this thread's counters */
    /* under p->mu */
    const struct sw_scan_job *busy;  /* the job in hand */
    struct sw_scan_stats pub;        /* c as of the last hand-back */
    _Atomic uint64_t beat;
    uint64_t beat_seen;              /* main thread */
};

struct sw_scanpool {
    struct sw_scanpool_opts o;
    pthread_mutex_t mu;
    pthread_cond_t cv;               /* a job came, a path became free, or stop */
    /* queue (under mu) */
    struct sw_scan_job *head, *tail;
    size_t count;
    struct sw_scan_job **last;       /* owned: buckets of the newest waiting job per path */
    size_t n_buckets;
    uint64_t coalesced, queue_high, skipped_excluded, skipped_overflow;
    bool stopping, drain, want_wake;
    unsigned in_flight;
    /* rules (under mu; gen also read without it) */
    struct sw_yara_rules *rules;     /* the pool's hold */
    _Atomic uint32_t gen;
    _Atomic uint64_t walk_pending;
    struct worker *w;                /* owned: o.threads */
    bool started;
};

/* --- jobs ---------------------------------------------------------------------------------- */

struct sw_scan_job *
sw_scan_job_create(enum sw_scan_kind kind, const char *path, const char *old_path)
{
    struct sw_scan_job *j = sw_calloc(1, sizeof(*j));

    if (j == NULL)
        return NULL;
    j->kind = (uint8_t)kind;
    j->fd = -1;
    j->path = sw_strdup(path);
    if (old_path != NULL)
        j->old_path = sw_strdup(old_path);
    if (j->path == NULL || (old_path != NULL && j->old_path == NULL)) {
        sw_scan_job_destroy(j);
        return NULL;
    }
    return j;
}

void
sw_scan_job_destroy(struct sw_scan_job *j)
{
    if (j == NULL)
        return;
    if (j->fd >= 0)
        close(j->fd);
    sw_free(j->path);
    sw_free(j->old_path);
    sw_free(j);
}

/* --- the queue ----------------------------------------------------------------------------- */

static uint64_t
path_hash(const char *s)
{
    uint64_t h = 1469598103934665603ull;

    for (; *s != '\0'; s++)
        h = (h ^ (uint8_t)*s) * 1099511628211ull;
    return h;
}

/* The index of the newest waiting job of each path: an open-addressing table of job
 * pointers (linear probing; removal by backward shift, so no tombstones), at least twice as
 * large as the queue, so it never fills. Older waiting jobs of a path are not indexed: a
 * new job only ever merges into the newest. */
static size_t
slot_of(const struct sw_scanpool *p, const char *path)
{
    size_t mask = p->n_buckets - 1, i = path_hash(path) & mask;

    while (p->last[i] != NULL && strcmp(p->last[i]->path, path) != 0)
        i = (i + 1) & mask;
    return i;
}

static void
index_remove(struct sw_scanpool *p, const struct sw_scan_job *j)
{
    size_t mask = p->n_buckets - 1, i = slot_of(p, j->path), k;

    if (p->last[i] != j)
        return; /* a newer job of the same path is the indexed one */
    /* Backward-shift deletion keeps every probe chain unbroken. */
    p->last[i] = NULL;
    for (k = (i + 1) & mask; p->last[k] != NULL; k = (k + 1) & mask) {
        size_t home = path_hash(p->last[k]->path) & mask;

        if ((k > i && (home <= i || home > k)) || (k < i && home <= i && home > k)) {
            p->last[i] = p->last[k];
            p->last[k] = NULL;
            i = k;
        }
    }
}

static bool
is_content(uint8_t k)
{
    return k == SW_SCAN_CLOSE_WRITE || k == SW_SCAN_WALK || k == SW_SCAN_ATTRIB ||
           k == SW_SCAN_CREATE;
}

/* Merge j into the waiting job l of the same path where nothing is lost. Returns true when
 * j was absorbed (the caller frees it). */
static bool
merge(struct sw_scanpool *p, struct sw_scan_job *l, struct sw_scan_job *j)
{
    if (l->is_dir || j->is_dir)
        return false;
    if (is_content(l->kind) && is_content(j->kind)) {
        /* The stronger kind wins: a close (with content) over a walk's find, over an
         * attribute change, over a bare create. */
        static const uint8_t rank[] = {
            [SW_SCAN_CLOSE_WRITE] = 4, [SW_SCAN_WALK] = 3, [SW_SCAN_ATTRIB] = 2,
            [SW_SCAN_CREATE] = 1,
        };
        if (j->fd >= 0) { /* the later content replaces the earlier */
            if (l->fd >= 0)
                close(l->fd);
            l->fd = j->fd;
            j->fd = -1;
        }
        if (rank[j->kind] > rank[l->kind])
            l->kind = j->kind;
        if (j->pid != 0) {
            l->pid = j->pid;
            memcpy(l->comm, j->comm, sizeof(l->comm));
        }
        if (j->has_stat) {
            l->has_stat = true;
            l->st_mode = j->st_mode;
            l->st_dev = j->st_dev;
            l->st_ino = j->st_ino;
        }
        if (j->walk) {
            if (l->walk)
                atomic_fetch_sub(&p->walk_pending, 1); /* counted once */
            l->walk = true;
        }
        l->ts_us = j->ts_us;
        return true;
    }
    /* A delete replaces a waiting job without content (a create or attribute change of a
     * file already gone says nothing more); after a close it waits its turn, so the written
     * bytes are still scanned and reported before the delete. */
    if (j->kind == SW_SCAN_DELETE && l->fd < 0 &&
        (l->kind == SW_SCAN_CREATE || l->kind == SW_SCAN_ATTRIB)) {
        l->kind = SW_SCAN_DELETE;
        l->has_stat = false;
        l->ts_us = j->ts_us;
        if (j->walk && !l->walk)
            l->walk = true;
        else if (j->walk)
            atomic_fetch_sub(&p->walk_pending, 1);
        return true;
    }
    return false;
}

bool
sw_scanpool_room(struct sw_scanpool *p, size_t n)
{
    bool ok;

    pthread_mutex_lock(&p->mu);
    ok = p->count + n <= p->o.queue_size;
    if (!ok)
        p->want_wake = true;
    pthread_mutex_unlock(&p->mu);
    return ok;
}

enum sw_rc
sw_scanpool_submit(struct sw_scanpool *p, struct sw_scan_job *j)
{
    size_t i;

    if (j->walk)
        atomic_fetch_add(&p->walk_pending, 1);
    pthread_mutex_lock(&p->mu);
    i = slot_of(p, j->path);
    if (p->last[i] != NULL && merge(p, p->last[i], j)) {
        p->coalesced++; /* merge() moved j's walk count to the waiting job, or gave it back */
        pthread_mutex_unlock(&p->mu);
        sw_scan_job_destroy(j);
        return SW_OK;
    }
    if (p->count >= p->o.queue_size) {
        p->want_wake = true;
        pthread_mutex_unlock(&p->mu);
        if (j->walk)
            atomic_fetch_sub(&p->walk_pending, 1);
        sw_scan_job_destroy(j);
        return SW_ELIMIT;
    }
    j->next = NULL;
    if (p->tail != NULL)
        p->tail->next = j;
    else
        p->head = j;
    p->tail = j;
    p->count++;
    if (p->count > p->queue_high)
        p->queue_high = p->count;
    p->last[i] = j; /* the newest of its path (an older one, if any, stays queued) */
    pthread_cond_signal(&p->cv);
    pthread_mutex_unlock(&p->mu);
    return SW_OK;
}

void
sw_scanpool_count_skipped(struct sw_scanpool *p, uint64_t excluded, uint64_t overflow)
{
    pthread_mutex_lock(&p->mu);
    p->skipped_excluded += excluded;
    p->skipped_overflow += overflow;
    pthread_mutex_unlock(&p->mu);
}

uint64_t
sw_scanpool_walk_pending(struct sw_scanpool *p)
{
    uint64_t n = atomic_load(&p->walk_pending);

    if (n != 0) { /* the submitter waits for them: ring it after the next job */
        pthread_mutex_lock(&p->mu);
        p->want_wake = true;
        pthread_mutex_unlock(&p->mu);
    }
    return n;
}

bool
sw_scanpool_idle(struct sw_scanpool *p)
{
    bool idle;

    pthread_mutex_lock(&p->mu);
    idle = p->count == 0 && p->in_flight == 0;
    if (!idle)
        p->want_wake = true;
    pthread_mutex_unlock(&p->mu);
    return idle;
}

static bool
same(const char *a, const char *b)
{
    return a != NULL && b != NULL && strcmp(a, b) == 0;
}

/* Does job j touch a path that is in some thread's hands or blocked? */
static bool
conflicts(const struct sw_scanpool *p, const struct sw_scan_job *j, const char *const *blocked,
          size_t n_blocked)
{
    for (unsigned t = 0; t < p->o.threads; t++) {
        const struct sw_scan_job *b = p->w[t].busy;

        if (b != NULL && (same(j->path, b->path) || same(j->path, b->old_path) ||
                          same(j->old_path, b->path) || same(j->old_path, b->old_path)))
            return true;
    }
    for (size_t i = 0; i < n_blocked; i++)
        if (same(j->path, blocked[i]) || same(j->old_path, blocked[i]))
            return true;
    return false;
}

/* Under mu: the first job no thread is busy with and no skipped job precedes on its paths. */
static struct sw_scan_job *
take(struct sw_scanpool *p)
{
    const char *blocked[2 * MAX_BLOCKED];
    size_t n_blocked = 0;
    struct sw_scan_job *j, *prev = NULL;

    for (j = p->head; j != NULL; prev = j, j = j->next) {
        if (!conflicts(p, j, blocked, n_blocked))
            break;
        if (n_blocked + 2 > sizeof(blocked) / sizeof(blocked[0]))
            return NULL; /* wait for a thread to finish rather than search on */
        blocked[n_blocked++] = j->path;
        if (j->old_path != NULL)
            blocked[n_blocked++] = j->old_path;
    }
    if (j == NULL)
        return NULL;
    if (prev != NULL)
        prev->next = j->next;
    else
        p->head = j->next;
    if (p->tail == j)
        p->tail = prev;
    j->next = NULL;
    p->count--;
    index_remove(p, j);
    return j;
}

/* --- reading ------------------------------------------------------------------------------- */

static enum sw_rc
read_once(int fd, uint8_t *buf, size_t keep, uint64_t max_hash, uint64_t *size, size_t *kept,
          uint8_t sha[32])
{
    uint8_t chunk[16384];
    EVP_MD_CTX *ctx = NULL;
    struct stat before, after;
    uint64_t total = 0;
    enum sw_rc rc = SW_OK;
    unsigned int n = 0;

    *kept = 0;
    if (fstat(fd, &before) != 0)
        return SW_EIO;
    if ((uint64_t)before.st_size > max_hash)
        return SW_ELIMIT;
    ctx = EVP_MD_CTX_new();
    if (ctx == NULL || EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) != 1) {
        EVP_MD_CTX_free(ctx);
        errno = ENOMEM;
        return SW_EIO;
    }
    for (;;) {
        /* Into the YARA copy while it has room, then through the small chunk. */
        uint8_t *dst = *kept < keep ? buf + *kept : chunk;
        size_t room = *kept < keep ? keep - *kept : sizeof(chunk);
        ssize_t r;

        if (room > READ_CHUNK)
            room = READ_CHUNK;
        r = pread(fd, dst, room, (off_t)total);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0) {
            rc = SW_EIO;
            break;
        }
        if (r == 0)
            break;
        total += (uint64_t)r;
        if (dst != chunk)
            *kept += (size_t)r;
        if (total > max_hash) { /* grew past the limit while we read */
            rc = SW_EAGAIN;
            break;
        }
        if (EVP_DigestUpdate(ctx, dst, (size_t)r) != 1) {
            errno = ENOMEM;
            rc = SW_EIO;
            break;
        }
    }
    if (rc == SW_OK && fstat(fd, &after) != 0)
        rc = SW_EIO;
    /* The bytes read must be the file as it was before and after: same size, same mtime
     * (a rewrite of equal length moves it). */
    if (rc == SW_OK &&
        ((uint64_t)before.st_size != total || (uint64_t)after.st_size != total ||
         before.st_mtim.tv_sec != after.st_mtim.tv_sec ||
         before.st_mtim.tv_nsec != after.st_mtim.tv_nsec))
        rc = SW_EAGAIN;
    if (rc == SW_OK && (EVP_DigestFinal_ex(ctx, sha, &n) != 1 || n != 32)) {
        errno = ENOMEM;
        rc = SW_EIO;
    }
    EVP_MD_CTX_free(ctx);
    *size = total;
    return rc;
}

enum sw_rc
sw_scan_read(int fd, uint8_t *buf, size_t keep, uint64_t max_hash, uint64_t *size, size_t *kept,
             uint8_t sha256[32])
{
    return read_once(fd, buf, keep, max_hash, size, kept, sha256);
}

/* --- one job ------------------------------------------------------------------------------- */

static void
hex(const uint8_t sha[32], char out[65])
{
    static const char digits[] = "0123456789abcdef";

    for (unsigned i = 0; i < 32; i++) {
        out[2 * i] = digits[sha[i] >> 4];
        out[2 * i + 1] = digits[sha[i] & 15];
    }
    out[64] = '\0';
}

static const char *
owner_of(struct worker *w, uid_t uid)
{
    /* Files of one tree mostly share an owner: skip the passwd lookup then. */
    if (w->owner[0] == '\0' || w->owner_uid != uid) {
        sw_yara_owner(uid, w->owner, sizeof(w->owner));
        w->owner_uid = uid;
    }
    return w->owner;
}

static uint64_t
now_us(void)
{
    return sw_clock_us(CLOCK_REALTIME);
}

/* Hand a record to the baseline (taken). */
static void
record(struct worker *w, struct sw_fim_rec *r)
{
    struct sw_scanpool *p = w->p;

    if (r == NULL) {
        w->c.event_drops++;
        return;
    }
    if (p->o.fim == NULL) {
        sw_fim_rec_destroy(r);
        return;
    }
    w->c.records++;
    if (!sw_fim_submit(p->o.fim, p->o.fim_producer + w->idx, r))
        w->c.record_drops++;
}

static enum sw_fim_hint
hint_of(uint8_t kind)
{
    switch (kind) {
    case SW_SCAN_CLOSE_WRITE:
        return SW_FIM_HINT_CLOSE_WRITE;
    case SW_SCAN_CREATE:
        return SW_FIM_HINT_CREATE;
    case SW_SCAN_ATTRIB:
        return SW_FIM_HINT_ATTRIB;
    case SW_SCAN_DELETE:
        return SW_FIM_HINT_DELETE;
    case SW_SCAN_RENAME:
        return SW_FIM_HINT_RENAME;
    case SW_SCAN_UNREADABLE:
        return SW_FIM_HINT_UNREADABLE;
    default:
        return SW_FIM_HINT_WALK;
    }
}

/* A record with the attributes of st (NULL: none), the symlink target when st is one. */
static struct sw_fim_rec *
make_record(const struct sw_scan_job *j, const struct stat *st)
{
    char target[SW_FIM_MAX_TARGET + 1];
    const char *tp = NULL;
    struct sw_fim_rec *r;

    if (st != NULL && S_ISLNK(st->st_mode)) {
        ssize_t n = readlink(j->path, target, sizeof(target) - 1);

        if (n >= 0) {
            target[n] = '\0';
            tp = target;
        }
    }
    r = sw_fim_rec_create(hint_of(j->kind), j->path,
                          j->kind == SW_SCAN_RENAME ? j->old_path : NULL, tp);
    if (r == NULL)
        return NULL;
    if (st != NULL) {
        r->has_attr = true;
        sw_fim_attr_from_stat(&r->a, st);
    }
    r->pid = j->pid;
    memcpy(r->comm, j->comm, sizeof(r->comm));
    r->comm[sizeof(r->comm) - 1] = '\0';
    r->ts_us = j->ts_us;
    return r;
}

static bool
grow_buf(struct worker *w, size_t n)
{
    uint8_t *b;

    if (n <= w->buf_cap)
        return true;
    /* Large copies are given back after the job (see release_buf): one 64 MiB file must not
     * pin 64 MiB per thread for the life of the daemon. */
    b = sw_realloc(w->buf, n);
    if (b == NULL)
        return false;
    w->buf = b;
    w->buf_cap = n;
    return true;
}

static void
release_buf(struct worker *w)
{
    if (w->buf_cap > 1024u * 1024u) {
        sw_free(w->buf);
        w->buf = NULL;
        w->buf_cap = 0;
    }
}

static void
adopt_rules(struct worker *w)
{
    struct sw_scanpool *p = w->p;
    struct sw_yara_limits lim = {
        .max_strings = p->o.max_strings,
        .string_bytes = p->o.string_bytes,
        .timeout_s = p->o.timeout_s,
    };
    struct sw_yara_rules *r;
    struct sw_err err;
    uint32_t g;

    pthread_mutex_lock(&p->mu);
    r = sw_yara_rules_hold(p->rules);
    g = atomic_load(&p->gen);
    pthread_mutex_unlock(&p->mu);
    sw_yara_scanner_destroy(w->ys);
    w->ys = NULL;
    sw_yara_rules_destroy(w->rules);
    w->rules = r;
    w->gen = g;
    if (r == NULL)
        return;
    w->ys = sw_yara_scanner_create(r, &lim, &err);
    if (w->ys == NULL)
        sw_log_error("scan thread %u: %s: files are hashed, not scanned, until the next "
                     "reload", w->idx, err.msg);
}

/* What content() should do with a regular file. */
struct want {
    bool yara, fileinfo, hash;
};

/* Read, hash, scan and report the regular file of job j. */
static void
content(struct worker *w, const struct sw_scan_job *j, struct want wt)
{
    struct sw_scanpool *p = w->p;
    int fd = j->fd;
    bool own = false;
    struct stat st;
    uint8_t sha[32];
    uint64_t size = 0;
    size_t kept = 0, keep;
    enum sw_rc rc = SW_EAGAIN;
    struct sw_file_part fi;
    char owner[64];
    const struct sw_filetype *ft;
    const char *mg = NULL;

    if (fd < 0) {
        fd = open(j->path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK | O_NOFOLLOW);
        if (fd < 0) {
            if (errno == ELOOP || errno == ENXIO) { /* now a symlink or a socket */
                w->c.skipped_special++;
                if (wt.hash && lstat(j->path, &st) == 0)
                    record(w, make_record(j, &st));
            } else {
                w->c.skipped_error++; /* gone: its delete follows */
                if (errno != ENOENT)
                    SW_LOG_RATELIMIT(SW_LOG_WARNING, "%s: %s", j->path, strerror(errno));
            }
            return;
        }
        own = true;
    }
    if (fstat(fd, &st) != 0) {
        w->c.skipped_error++;
        goto out;
    }
    if (!S_ISREG(st.st_mode)) {
        w->c.skipped_special++;
        if (wt.hash)
            record(w, make_record(j, &st));
        goto out;
    }
    /* Blocking reads from here: O_NONBLOCK only kept open() from hanging on a FIFO. */
    if (own)
        (void)fcntl(fd, F_SETFL, O_RDONLY);
    for (int tries = 0; tries < READ_TRIES; tries++) {
        uint64_t sz = (uint64_t)st.st_size;

        keep = 0;
        if (sz <= p->o.max_scan_size && (wt.yara || wt.fileinfo))
            keep = (size_t)sz;
        else if (wt.fileinfo || wt.yara) /* too large for YARA: keep the start for magic */
            keep = SW_FILETYPE_SNIFF;
        if (!grow_buf(w, keep + 1)) {
            rc = SW_ENOMEM;
            break;
        }
        rc = read_once(fd, w->buf, keep, p->o.max_hash_size, &size, &kept, sha);
        if (rc != SW_EAGAIN)
            break;
        w->c.changed_while_read++;
        if (fstat(fd, &st) != 0) {
            rc = SW_EIO;
            break;
        }
    }
    if (rc == SW_ELIMIT) {
        w->c.skipped_size++;
        if (wt.hash)
            record(w, make_record(j, &st)); /* attributes only: no hash of a file this big */
        goto out;
    }
    if (rc != SW_OK) {
        w->c.skipped_error++;
        if (rc == SW_EAGAIN)
            SW_LOG_RATELIMIT(SW_LOG_WARNING, "%s: changed size while being read %d times, not "
                             "reported", j->path, READ_TRIES);
        else if (rc == SW_ENOMEM)
            SW_LOG_RATELIMIT(SW_LOG_WARNING, "%s: out of memory for %llu bytes", j->path,
                             (unsigned long long)st.st_size);
        else
            SW_LOG_RATELIMIT(SW_LOG_WARNING, "%s: %s", j->path, strerror(errno));
        goto out;
    }
    w->c.files++;
    w->c.hashed++;
    w->c.bytes += size;
    if (fstat(fd, &st) != 0)
        memset(&st, 0, sizeof(st)); /* cannot fail on an open descriptor */
    ft = sw_filetype_classify(w->buf, kept);
    snprintf(owner, sizeof(owner), "%s", owner_of(w, st.st_uid));
    memset(&fi, 0, sizeof(fi));
    fi.path = j->path;
    fi.size = size;
    hex(sha, fi.sha256);
    fi.owner = owner;
    fi.mode = st.st_mode;
    fi.uid = st.st_uid;
    fi.gid = st.st_gid;
    fi.mtime_s = st.st_mtim.tv_sec;
    fi.pid = j->pid;
    memcpy(fi.comm, j->comm, sizeof(fi.comm));
    fi.comm[sizeof(fi.comm) - 1] = '\0';
    fi.magic = ft->description;
    if (wt.fileinfo && w->magic != NULL) {
        mg = magic_buffer(w->magic, w->buf, kept < MAGIC_BYTES ? kept : MAGIC_BYTES);
        if (mg != NULL)
            fi.magic = mg;
    }
    if (wt.yara && w->ys != NULL && size <= p->o.max_scan_size) {
        struct sw_yara_ext x;
        struct sw_yara_scan_result res;
        struct sw_err err;

        sw_yara_ext_set(&x, j->path, ft->label, owner);
        x.source = p->o.source;
        rc = sw_yara_scan_mem(w->ys, &x, &fi, w->buf, kept, p->o.em[w->idx], &res, &err);
        w->c.scanned++;
        w->c.matches += res.matches;
        w->c.files_matched += res.matches > 0;
        w->c.event_drops += res.drops;
        if (rc == SW_ELIMIT) {
            w->c.timeouts++;
            SW_LOG_RATELIMIT(SW_LOG_WARNING, "%s", err.msg);
        } else if (rc != SW_OK) {
            w->c.skipped_error++;
            SW_LOG_RATELIMIT(SW_LOG_WARNING, "%s", err.msg);
        }
    }
    if (wt.fileinfo) {
        struct sw_event *ev = sw_yara_file_event_create(
            SW_EV_FILEINFO, j->ts_us != 0 ? j->ts_us : now_us(), &fi);

        if (ev != NULL) {
            sw_emit(p->o.em[w->idx], ev);
            w->c.fileinfo++;
        } else {
            w->c.event_drops++;
        }
    }
    if (wt.hash) {
        struct sw_fim_rec *r = make_record(j, &st);

        if (r != NULL) {
            r->a.has_sha256 = true;
            memcpy(r->a.sha256, sha, 32);
        }
        record(w, r);
    }
out:
    if (own)
        close(fd);
}

static void
process(struct worker *w, const struct sw_scan_job *j)
{
    struct sw_scanpool *p = w->p;
    bool fim = p->o.fim != NULL;
    struct stat st;

    if (w->gen != atomic_load(&p->gen))
        adopt_rules(w);
    switch (j->kind) {
    case SW_SCAN_CLOSE_WRITE:
        content(w, j, (struct want){.yara = true, .fileinfo = true, .hash = fim});
        break;
    case SW_SCAN_FILE:
        content(w, j, (struct want){.yara = true, .fileinfo = p->o.fileinfo_file});
        break;
    case SW_SCAN_RETRO:
        content(w, j, (struct want){.yara = true});
        break;
    case SW_SCAN_WALK:
        if (j->has_stat && !S_ISREG(j->st_mode)) {
            if (!S_ISLNK(j->st_mode))
                w->c.skipped_special++;
            if (fim && lstat(j->path, &st) == 0)
                record(w, make_record(j, &st));
            break;
        }
        content(w, j, (struct want){.yara = true, .hash = fim});
        break;
    case SW_SCAN_RENAME:
        if (!j->is_dir && lstat(j->path, &st) == 0 && S_ISREG(st.st_mode)) {
            /* Hashed and scanned under the new name; a fileinfo when it came from outside
             * the watched trees (new to us). */
            content(w, j, (struct want){.yara = true, .fileinfo = j->old_path == NULL,
                                        .hash = fim});
            break;
        }
        if (fim)
            record(w, make_record(j, j->is_dir || lstat(j->path, &st) != 0 ? NULL : &st));
        break;
    case SW_SCAN_ATTRIB:
        if (lstat(j->path, &st) != 0)
            break; /* gone: its delete follows */
        if (S_ISREG(st.st_mode))
            content(w, j, (struct want){.hash = fim});
        else if (fim && !S_ISDIR(st.st_mode))
            record(w, make_record(j, &st));
        break;
    case SW_SCAN_CREATE:
        if (fim && lstat(j->path, &st) == 0 && !S_ISDIR(st.st_mode))
            record(w, make_record(j, &st));
        break;
    case SW_SCAN_DELETE:
    case SW_SCAN_UNREADABLE:
        if (fim)
            record(w, make_record(j, NULL));
        break;
    default:
        break;
    }
}

/* --- threads ------------------------------------------------------------------------------- */

static void
set_niceness(struct worker *w)
{
    struct sw_scanpool *p = w->p;
    pid_t tid = (pid_t)syscall(SYS_gettid);
    int cls = p->o.ionice == SW_IONICE_IDLE ? IOPRIO_CLASS_IDLE : IOPRIO_CLASS_BE;

    /* Linux applies both per thread; raising the nice value or lowering the I/O class needs
     * no privilege. */
    if (p->o.nice != 0 && setpriority(PRIO_PROCESS, (id_t)tid, p->o.nice) != 0 && w->idx == 0)
        sw_log_warn("scan threads: nice %d: %s", p->o.nice, strerror(errno));
    if (p->o.ionice != SW_IONICE_NONE &&
        syscall(SYS_ioprio_set, IOPRIO_WHO_PROCESS, tid,
                IOPRIO_PRIO_VALUE(cls, cls == IOPRIO_CLASS_BE ? 7 : 0)) != 0 &&
        w->idx == 0)
        sw_log_warn("scan threads: ionice: %s", strerror(errno));
}

static void *
worker_main(void *arg)
{
    struct worker *w = arg;
    struct sw_scanpool *p = w->p;
    char name[16];

    snprintf(name, sizeof(name), "sw-scan/%u", w->idx);
    pthread_setname_np(pthread_self(), name);
    set_niceness(w);
    adopt_rules(w);
    pthread_mutex_lock(&p->mu);
    for (;;) {
        struct sw_scan_job *j = NULL;
        bool wake;

        if (!p->stopping || p->drain)
            j = take(p);
        if (j == NULL) {
            struct timespec ts;

            if (p->stopping && (p->count == 0 || !p->drain))
                break;
            clock_gettime(CLOCK_REALTIME, &ts);
            ts.tv_sec += IDLE_WAIT_MS / 1000;
            pthread_cond_timedwait(&p->cv, &p->mu, &ts);
            atomic_fetch_add_explicit(&w->beat, 1, memory_order_relaxed);
            continue;
        }
        w->busy = j;
        p->in_flight++;
        pthread_mutex_unlock(&p->mu);

        process(w, j);
        release_buf(w);
        if (p->o.kick != NULL)
            p->o.kick(p->o.kick_ctx[w->idx]);
        if (j->walk)
            atomic_fetch_sub(&p->walk_pending, 1);
        atomic_fetch_add_explicit(&w->beat, 1, memory_order_relaxed);

        pthread_mutex_lock(&p->mu);
        w->busy = NULL;
        p->in_flight--;
        w->pub = w->c;
        wake = p->want_wake;
        p->want_wake = false;
        /* A job that waited for this path may be free now. */
        if (p->count > 0)
            pthread_cond_broadcast(&p->cv);
        pthread_mutex_unlock(&p->mu);
        sw_scan_job_destroy(j);
        if (wake && p->o.wake != NULL)
            p->o.wake(p->o.wake_ctx);
        pthread_mutex_lock(&p->mu);
    }
    w->pub = w->c;
    pthread_mutex_unlock(&p->mu);
    sw_yara_scanner_destroy(w->ys);
    w->ys = NULL;
    sw_yara_rules_destroy(w->rules);
    w->rules = NULL;
    if (p->o.done != NULL)
        p->o.done(p->o.kick_ctx[w->idx]);
    return NULL;
}

struct sw_scanpool *
sw_scanpool_create(const struct sw_scanpool_opts *o, struct sw_yara_rules *rules,
                   struct sw_err *err)
{
    struct sw_scanpool *p;
    size_t nb = 16;

    if (o->threads == 0 || o->threads > SW_YARA_MAX_THREADS) {
        sw_err_set(err, SW_EINVAL, "scan pool: %u threads (1..%d)", o->threads,
                   SW_YARA_MAX_THREADS);
        return NULL;
    }
    p = sw_calloc(1, sizeof(*p));
    if (p == NULL) {
        sw_err_set(err, SW_ENOMEM, "scan pool: out of memory");
        return NULL;
    }
    p->o = *o;
    if (p->o.source == NULL)
        p->o.source = "file";
    while (nb < 2 * o->queue_size)
        nb *= 2;
    p->n_buckets = nb;
    p->last = sw_calloc(nb, sizeof(*p->last));
    p->w = sw_calloc(o->threads, sizeof(*p->w));
    if (p->last == NULL || p->w == NULL) {
        sw_free(p->last);
        sw_free(p->w);
        sw_free(p);
        sw_err_set(err, SW_ENOMEM, "scan pool: out of memory");
        return NULL;
    }
    pthread_mutex_init(&p->mu, NULL);
    pthread_cond_init(&p->cv, NULL);
    p->rules = sw_yara_rules_hold(rules);
    atomic_store(&p->gen, 1);
    for (unsigned i = 0; i < o->threads; i++) {
        struct worker *w = &p->w[i];

        w->p = p;
        w->idx = i;
        /* libmagic's database is loaded now, before the sandbox: it reads files seccomp
         * allows anyway, but a failure is better told at start-up. */
        w->magic = magic_open(MAGIC_NONE);
        if (w->magic != NULL && magic_load(w->magic, NULL) != 0) {
            if (i == 0)
                sw_log_info("libmagic: %s; fileinfo.magic falls back to seawall's table",
                            magic_error(w->magic));
            magic_close(w->magic);
            w->magic = NULL;
        }
    }
    return p;
}

enum sw_rc
sw_scanpool_start(struct sw_scanpool *p, struct sw_err *err)
{
    p->started = true;
    for (unsigned i = 0; i < p->o.threads; i++) {
        int rc = pthread_create(&p->w[i].thread, NULL, worker_main, &p->w[i]);

        if (rc != 0) {
            errno = rc;
            return sw_err_sys(err, SW_EIO, "scan pool: starting thread %u", i);
        }
        p->w[i].started = true;
    }
    return SW_OK;
}

void
sw_scanpool_set_rules(struct sw_scanpool *p, struct sw_yara_rules *rules)
{
    struct sw_yara_rules *old;

    pthread_mutex_lock(&p->mu);
    old = p->rules;
    p->rules = sw_yara_rules_hold(rules);
    atomic_fetch_add(&p->gen, 1);
    pthread_cond_broadcast(&p->cv);
    pthread_mutex_unlock(&p->mu);
    sw_yara_rules_destroy(old); /* threads still scanning with it hold their own */
}

uint32_t
sw_scanpool_generation(struct sw_scanpool *p)
{
    uint32_t g = atomic_load(&p->gen);

    pthread_mutex_lock(&p->mu);
    for (unsigned i = 0; i < p->o.threads; i++)
        if (p->w[i].started && p->w[i].gen < g)
            g = p->w[i].gen;
    pthread_mutex_unlock(&p->mu);
    return g;
}

#define ADD(f) out->f += s->f
void
sw_scanpool_stats(struct sw_scanpool *p, struct sw_scan_stats *out)
{
    memset(out, 0, sizeof(*out));
    pthread_mutex_lock(&p->mu);
    for (unsigned i = 0; i < p->o.threads; i++) {
        const struct sw_scan_stats *s = &p->w[i].pub;

        ADD(files);
        ADD(bytes);
        ADD(hashed);
        ADD(scanned);
        ADD(matches);
        ADD(files_matched);
        ADD(fileinfo);
        ADD(records);
        ADD(record_drops);
        ADD(event_drops);
        ADD(timeouts);
        ADD(changed_while_read);
        ADD(skipped_size);
        ADD(skipped_special);
        ADD(skipped_error);
    }
    out->skipped_excluded = p->skipped_excluded;
    out->skipped_overflow = p->skipped_overflow;
    out->queued = p->count;
    out->coalesced = p->coalesced;
    out->queue_high = p->queue_high;
    pthread_mutex_unlock(&p->mu);
}
#undef ADD

bool
sw_scanpool_progress(struct sw_scanpool *p, unsigned *stuck)
{
    bool ok = true;

    for (unsigned i = 0; i < p->o.threads; i++) {
        uint64_t b = atomic_load_explicit(&p->w[i].beat, memory_order_relaxed);

        if (p->w[i].started && b == p->w[i].beat_seen && ok) {
            *stuck = i;
            ok = false;
        }
        p->w[i].beat_seen = b;
    }
    return ok;
}

bool
sw_scanpool_stop(struct sw_scanpool *p, bool drain, uint64_t deadline_us)
{
    bool all = true;

    pthread_mutex_lock(&p->mu);
    p->stopping = true;
    p->drain = drain;
    pthread_cond_broadcast(&p->cv);
    pthread_mutex_unlock(&p->mu);
    for (unsigned i = 0; i < p->o.threads; i++) {
        struct worker *w = &p->w[i];
        uint64_t now = sw_clock_us(CLOCK_MONOTONIC);
        uint64_t left = deadline_us > now ? deadline_us - now : 0;
        uint64_t at = sw_clock_us(CLOCK_REALTIME) + left;
        struct timespec ts = {.tv_sec = (time_t)(at / 1000000u),
                              .tv_nsec = (long)(at % 1000000u) * 1000};

        if (!w->started)
            continue;
        if (pthread_timedjoin_np(w->thread, NULL, &ts) != 0) {
            all = false;
            continue;
        }
        w->started = false;
    }
    return all;
}

void
sw_scanpool_destroy(struct sw_scanpool *p)
{
    if (p == NULL)
        return;
    if (p->started && !sw_scanpool_stop(p, false, sw_clock_us(CLOCK_MONOTONIC) + 10000000u))
        return; /* a thread still runs with our memory: leave it to the process exit */
    for (unsigned i = 0; i < p->o.threads; i++) {
        struct worker *w = &p->w[i];

        if (!p->started && p->o.done != NULL)
            p->o.done(p->o.kick_ctx[i]);
        sw_yara_scanner_destroy(w->ys);
        sw_yara_rules_destroy(w->rules);
        if (w->magic != NULL)
            magic_close(w->magic);
        sw_free(w->buf);
    }
    while (p->head != NULL) {
        struct sw_scan_job *j = p->head;

        p->head = j->next;
        sw_scan_job_destroy(j);
    }
    sw_yara_rules_destroy(p->rules);
    pthread_mutex_destroy(&p->mu);
    pthread_cond_destroy(&p->cv);
    sw_free(p->last);
    sw_free(p->w);
    sw_free(p);
}
