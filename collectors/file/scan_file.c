/* scan_file.c - what a scan thread does with one job (see include/sw/scanpool.h): read the
 * file once through its descriptor (or a fresh O_NOFOLLOW | O_NONBLOCK open), hash it, run
 * the rules on the copy, report it. The calling scan thread's own state only. */
#include "scanpool_int.h"

#include <errno.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "sw/alloc.h"
#include "sw/clock.h"
#include "sw/config.h"
#include "sw/detect_file.h"
#include "sw/fim.h"
#include "sw/filetype.h"
#include "sw/log.h"
#include "sw/user.h"

/* --- reading ------------------------------------------------------------------------------- */

/* Read fd into buf[0, keep) and, past keep, through a small chunk; hash every byte when sha
 * is not NULL (NULL: the caller hashes buf later, if at all, and keeps the whole file). */
static enum sw_rc
read_once(int fd, uint8_t *buf, size_t keep, uint64_t max_hash, uint64_t *size, size_t *kept,
          uint8_t *sha)
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
    if (sha != NULL) {
        ctx = EVP_MD_CTX_new();
        if (ctx == NULL || EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) != 1) {
            EVP_MD_CTX_free(ctx);
            errno = ENOMEM;
            return SW_EIO;
        }
    }
    for (;;) {
        /* Into the YARA copy while it has room, then through the small chunk. */
        uint8_t *dst = *kept < keep ? buf + *kept : chunk;
        size_t room = *kept < keep ? keep - *kept : sizeof(chunk);
        ssize_t r;

        /* Hashing goes chunk by chunk while the bytes are in the cache; a plain copy is read
         * in one call (and one more to see the end). */
        if (room > SCAN_READ_CHUNK && ctx != NULL)
            room = SCAN_READ_CHUNK;
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
        if (ctx != NULL && EVP_DigestUpdate(ctx, dst, (size_t)r) != 1) {
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
    if (rc == SW_OK && sha != NULL && (EVP_DigestFinal_ex(ctx, sha, &n) != 1 || n != 32)) {
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
        sw_user_name(uid, w->owner, sizeof(w->owner));
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
    /* Waiting, never dropping: a walk's record lost would make its file look deleted at the
     * walk's end, and a live one would need a rescan. The scan thread then waits for the fim
     * thread as it waits for the output thread: the files wait in the queue meanwhile. */
    w->c.records++;
    sw_fim_submit_wait(p->o.fim, p->o.fim_producer + w->idx, r);
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

void
scan_release_buf(struct worker *w)
{
    if (w->buf_cap > (w->p->o.buf_keep != 0 ? w->p->o.buf_keep : SCAN_BUF_KEEP)) {
        sw_free(w->buf);
        w->buf = NULL;
        w->buf_cap = 0;
    }
}

void
scan_adopt_rules(struct worker *w)
{
    struct sw_scanpool *p = w->p;
    struct sw_detect_file *d;
    struct sw_err err;

    pthread_mutex_lock(&p->mu);
    d = sw_detect_file_hold(p->det);
    w->gen = atomic_load(&p->gen);
    pthread_mutex_unlock(&p->mu);
    if (sw_detect_file_thread_install(w->det, d, &err) != SW_OK) /* takes d */
        sw_log_error("scan thread %u: %s: files are hashed, not scanned, until the next "
                     "reload", w->idx, err.msg);
}

/* What content() should do with a regular file. */
struct want {
    bool yara, fileinfo, hash;
    bool magic; /* libmagic's description in the alerts too, not only in a fileinfo */
};

/* What only a reported file needs, computed on first use: the SHA-256 (of the whole file,
 * which buf then holds, when the read did not hash it) and libmagic's description. */
struct lazy {
    struct worker *w;
    struct sw_file_part *fi;
    const uint8_t *buf;
    size_t len;
    bool hashed, magic, magic_done;
    size_t magic_bytes;
};

static void
lazy_hash(struct lazy *lz)
{
    uint8_t sha[32];
    unsigned int n = 0;

    if (lz->hashed)
        return;
    lz->hashed = true;
    if (EVP_Digest(lz->buf, lz->len, sha, &n, EVP_sha256(), NULL) == 1 && n == 32)
        hex(sha, lz->fi->sha256);
    else
        lz->fi->sha256[0] = '\0'; /* "" when not computed (event.h) */
}

/* A rule matched, an alert is about to copy fi: its hash and libmagic's description. */
static void
lazy_complete(struct lazy *lz)
{
    lazy_hash(lz);
    if (lz->magic && !lz->magic_done && lz->w->magic != NULL) {
        const char *mg = magic_buffer(lz->w->magic, lz->buf,
                                      lz->len < lz->magic_bytes ? lz->len : lz->magic_bytes);

        if (mg != NULL)
            lz->fi->magic = mg; /* libmagic's until the next magic_buffer of this thread */
    }
    lz->magic_done = true;
}

/* sw_file_subject.fill: what the detection stage needs before it reads or copies fi. */
static void
fill(void *ctx, enum sw_file_need need)
{
    if (need == SW_FILE_NEED_ALL)
        lazy_complete(ctx);
    else
        lazy_hash(ctx);
}

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
    bool hash_now = true;
    unsigned found = 0;
    struct lazy lz;

    if (fd < 0) {
        fd = open(j->path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK | O_NOFOLLOW);
        if (fd < 0) {
            if (errno == ELOOP || errno == ENXIO) { /* now a symlink or a socket */
                w->c.skipped_special++;
                if (wt.hash && lstat(j->path, &st) == 0)
                    record(w, make_record(j, &st));
            } else {
                w->c.skipped_error++; /* gone: its delete follows */
                if (errno != ENOENT || j->kind == SW_SCAN_FILE)
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
    for (int tries = 0; tries < SCAN_READ_TRIES; tries++) {
        uint64_t sz = (uint64_t)st.st_size;

        keep = 0;
        if (sz <= p->o.max_scan_size && (wt.yara || wt.fileinfo))
            keep = (size_t)sz;
        else if (wt.fileinfo || wt.yara) /* too large for YARA: keep the start for magic */
            keep = SW_FILETYPE_SNIFF;
        /* A file kept whole is hashed only when something reports it (lazy_hash): most
         * files of a scan match nothing. The baseline wants every hash. */
        hash_now = wt.hash || keep < sz;
        if (!grow_buf(w, keep + 1)) {
            rc = SW_ENOMEM;
            break;
        }
        rc = read_once(fd, w->buf, keep, p->o.max_hash_size, &size, &kept,
                       hash_now ? sha : NULL);
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
                             "reported", j->path, SCAN_READ_TRIES);
        else if (rc == SW_ENOMEM)
            SW_LOG_RATELIMIT(SW_LOG_WARNING, "%s: out of memory for %llu bytes", j->path,
                             (unsigned long long)st.st_size);
        else
            SW_LOG_RATELIMIT(SW_LOG_WARNING, "%s: %s", j->path, strerror(errno));
        goto out;
    }
    w->c.files++;
    w->c.bytes += size;
    if (fstat(fd, &st) != 0)
        memset(&st, 0, sizeof(st)); /* cannot fail on an open descriptor */
    ft = sw_filetype_classify(w->buf, kept); /* the YARA external filetype: first bytes */
    snprintf(owner, sizeof(owner), "%s", owner_of(w, st.st_uid));
    memset(&fi, 0, sizeof(fi));
    fi.path = j->path;
    fi.size = size;
    fi.owner = owner;
    fi.mode = st.st_mode;
    fi.uid = st.st_uid;
    fi.gid = st.st_gid;
    fi.mtime_s = st.st_mtim.tv_sec;
    fi.pid = j->pid;
    memcpy(fi.comm, j->comm, sizeof(fi.comm));
    fi.comm[sizeof(fi.comm) - 1] = '\0';
    fi.magic = ft->description;
    lz = (struct lazy){.w = w, .fi = &fi, .buf = w->buf, .len = kept, .hashed = hash_now,
                       .magic = wt.magic || wt.fileinfo,
                       .magic_bytes = j->kind == SW_SCAN_FILE ? SCAN_MAGIC_BYTES_CLI
                                                              : SCAN_MAGIC_BYTES};
    if (hash_now)
        hex(sha, fi.sha256);
    /* The detection stage: YARA over the copy (a file too large for it is only hashed), then
     * the IOC lists for every hashed file, scanned or not (a sample too large for YARA is
     * still a known hash). */
    struct sw_file_subject subj = {
        .path = j->path,
        .filetype = ft->label,
        .owner = owner,
        .source = p->o.source,
        .buf = w->buf,
        .len = kept,
        .ts_us = j->ts_us,
        .yara = wt.yara && size <= p->o.max_scan_size,
        .ioc = wt.yara || wt.fileinfo,
        .fi = &fi,
        .fill = fill,
        .fill_ctx = &lz,
    };
    struct sw_detect_file_result res;
    struct sw_err err;

    found = sw_detect_file_run(w->det, &subj, p->o.em[w->idx], &res, &err);
    if (res.scanned) {
        w->c.scanned++;
        w->c.too_many_matches += res.too_many;
        if (res.scan_rc == SW_ELIMIT) {
            w->c.timeouts++;
            SW_LOG_RATELIMIT(SW_LOG_WARNING, "%s", err.msg);
        } else if (res.scan_rc != SW_OK) {
            w->c.skipped_error++;
            SW_LOG_RATELIMIT(SW_LOG_WARNING, "%s", err.msg);
        }
    }
    w->c.matches += res.matches;
    w->c.ioc_matches += res.ioc_matches;
    w->c.event_drops += res.drops;
    /* A file with an alert of either kind (seawall scan's files_matched). */
    w->c.files_matched += found > 0;
    if (wt.fileinfo) {
        struct sw_event *ev;

        lazy_complete(&lz);
        ev = sw_event_create_file(SW_EV_FILEINFO, j->ts_us != 0 ? j->ts_us : now_us(), &fi);
        if (ev != NULL) {
            sw_emit(p->o.em[w->idx], ev);
            w->c.fileinfo++;
        } else {
            w->c.event_drops++;
        }
    }
    w->c.hashed += lz.hashed;
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

void
scan_process(struct worker *w, const struct sw_scan_job *j)
{
    struct sw_scanpool *p = w->p;
    bool fim = p->o.fim != NULL;
    struct stat st;

    if (w->gen != atomic_load(&p->gen))
        scan_adopt_rules(w);
    switch (j->kind) {
    case SW_SCAN_CLOSE_WRITE:
        content(w, j, (struct want){.yara = true, .fileinfo = true, .hash = fim});
        break;
    case SW_SCAN_FILE:
        content(w, j, (struct want){.yara = true, .fileinfo = p->o.fileinfo_file,
                                    .magic = true});
        break;
    case SW_SCAN_RETRO:
        content(w, j, (struct want){.yara = true});
        break;
    case SW_SCAN_WALK:
        if (j->has_stat && !S_ISREG(j->st.st_mode)) {
            if (!S_ISLNK(j->st.st_mode))
                w->c.skipped_special++;
            if (fim)
                record(w, make_record(j, &j->st));
            break;
        }
        /* Unchanged since the baseline recorded it (same inode, size, mtime and ctime): its
         * hash is the stored one and its content was scanned when it was new or changed.
         * Rule reloads rescan recent files (files.retro_hunt); seawall scan sweeps all. */
        if (fim && j->has_stat && sw_fim_reader_unchanged(w->reader, j->path, &j->st)) {
            w->c.unchanged++;
            record(w, make_record(j, &j->st));
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


/* --- priorities ---------------------------------------------------------------------------- */

void
scan_set_niceness(struct worker *w)
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

