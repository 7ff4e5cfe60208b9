/* src_fanotify.c - the fanotify source (see watch_int.h).
 *
 * Two notification groups, both opened before the privilege drop (CAP_SYS_ADMIN):
 *   - "names", FAN_REPORT_DFID_NAME | FAN_REPORT_FID (| FAN_REPORT_TARGET_FID where the
 *     kernel has it, 5.17): create, delete, rename (FAN_RENAME, 5.17, one event with both
 *     names; else the two FAN_MOVED_* halves), attribute change and close-write, each with
 *     the directory's file handle and the entry's name at the time of the event;
 *   - "content", FAN_CLASS_CONTENT: close-write with an open descriptor of the file, so the
 *     hash and the rules read the bytes that were written, even when the name has been
 *     renamed or unlinked since.
 * A close-write of the names group is joined with its descriptor by file handle: the
 * content group (higher priority) is queued first, so its half is always read before. A
 * descriptor without its other half (a file outside the watched trees on a filesystem mark,
 * a merged or dropped event) is closed after two reading rounds (counted: unmatched).
 *
 * Directory handles are resolved through a tree of the watched directories (dirtree.c)
 * built by the walks and kept current by the directory events, not with open_by_handle_at:
 * that needs CAP_DAC_READ_SEARCH for every event, cannot resolve a directory already
 * deleted (rm -r reports its files after the directory is gone) and does not work on
 * overlayfs, whose handles cannot be decoded. Marks: a filesystem mark per tree where the
 * filesystem allows it (one mark, every directory included, events outside the trees
 * dropped early); else a mark on every directory (overlayfs refuses filesystem marks of
 * FID groups with EOPNOTSUPP), placed by the walks and as directories appear. */
#include "watch_int.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/fanotify.h>
#include <sys/statfs.h>
#include <unistd.h>

#include "sw/alloc.h"
#include "sw/fsevent.h"
#include "sw/log.h"

#ifndef AT_HANDLE_FID
#define AT_HANDLE_FID 0x200 /* Linux 6.5: the handle fanotify reports, also where it cannot
                             * be decoded (overlayfs) */
#endif

#define BUF_SIZE (64u * 1024u)
#define KEY_MAX (12u + SW_FSEVENT_MAX_HANDLE)
#define MAX_NODES (4u * 1024u * 1024u)
/* Descriptors of close-writes waiting for their named half. */
#define PEND_MAX 4096u
#define PEND_BUCKETS 8192u
#define OUTQ 8

struct root {
    char *path;           /* owned */
    enum src_how how;
    uint64_t fsid;        /* of the file system its mark is on */
};

struct pend {
    uint8_t key[KEY_MAX];
    uint32_t klen;
    int fd;               /* owned; -1: free slot */
    int32_t pid;
    uint32_t round;       /* reading round it arrived in */
    struct pend *next;    /* bucket chain */
};

struct fan {
    int names, content, ep;
    bool target_fid, rename_probed, has_rename;
    uint64_t names_mask;
    struct dt *tree;
    struct root *roots;   /* owned */
    size_t n_roots;
    /* reading */
    uint8_t nbuf[BUF_SIZE], cbuf[BUF_SIZE];
    size_t nlen, noff;
    bool content_dry;     /* the content group said EAGAIN since the last names read */
    uint32_t round;
    /* close-write descriptors waiting for their names half */
    struct pend pend[PEND_MAX];
    struct pend *bucket[PEND_BUCKETS];
    size_t n_pend;
    uint16_t free_slot[PEND_MAX]; /* indices of free pend slots, a stack */
    size_t n_free;
    /* a FAN_MOVED_FROM waiting for its FAN_MOVED_TO (kernels without FAN_RENAME) */
    bool from_held;
    bool from_dir;
    char from_path[PATH_MAX];
    struct dt_node *from_node;
    /* items made by one event, handed out first */
    struct wi outq[OUTQ];
    size_t out_n, out_i;
};

/* --- keys ---------------------------------------------------------------------------------- */

static size_t
key_of_fid(const struct sw_fan_fid *f, uint8_t key[KEY_MAX])
{
    memcpy(key, &f->fsid, 8);
    memcpy(key + 8, &f->handle_type, 4);
    memcpy(key + 12, f->handle, f->handle_bytes);
    return 12u + f->handle_bytes;
}

/* The fsid fanotify reports for a file system, as the 64 bits keys start with. */
static uint64_t
fsid_of(const struct statfs *sf)
{
    return (uint64_t)(uint32_t)sf->f_fsid.__val[1] << 32 | (uint32_t)sf->f_fsid.__val[0];
}

/* The key of what dfd/name (name "" with dfd: dfd itself) is, as fanotify would report it.
 * 0 when it cannot be had. */
static size_t
key_of(int dfd, const char *name, uint8_t key[KEY_MAX])
{
    struct {
        struct file_handle fh;
        uint8_t bytes[SW_FSEVENT_MAX_HANDLE];
    } h;
    struct statfs sf;
    int mnt, flags = name[0] == '\0' ? AT_EMPTY_PATH : 0;
    uint64_t fsid;
    int32_t type;

    h.fh.handle_bytes = SW_FSEVENT_MAX_HANDLE;
    if (name_to_handle_at(dfd, name, &h.fh, &mnt, flags | AT_HANDLE_FID) != 0) {
        if (errno != EINVAL) /* EINVAL: a kernel before AT_HANDLE_FID, same handles */
            return 0;
        h.fh.handle_bytes = SW_FSEVENT_MAX_HANDLE;
        if (name_to_handle_at(dfd, name, &h.fh, &mnt, flags) != 0)
            return 0;
    }
    if (name[0] == '\0' ? fstatfs(dfd, &sf) != 0 : 0)
        return 0;
    if (name[0] != '\0') {
        int fd = openat(dfd, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);

        if (fd < 0)
            return 0;
        if (fstatfs(fd, &sf) != 0) {
            close(fd);
            return 0;
        }
        close(fd);
    }
    fsid = fsid_of(&sf);
    type = h.fh.handle_type;
    memcpy(key, &fsid, 8);
    memcpy(key + 8, &type, 4);
    memcpy(key + 12, h.fh.f_handle, h.fh.handle_bytes);
    return 12u + h.fh.handle_bytes;
}

/* The file system a key (key_of, key_of_fid) belongs to. */
static uint64_t
key_fsid(const uint8_t *key)
{
    uint64_t fsid;

    memcpy(&fsid, key, sizeof(fsid));
    return fsid;
}

/* Does directory key need a mark of its own? With directory marks every directory does;
 * under a filesystem mark only one on another file system (mounted inside the tree and
 * walked with files.one_filesystem false): the filesystem mark does not reach it. */
static bool
needs_dir_mark(const struct root *r, const uint8_t *key)
{
    return r != NULL && (r->how == HOW_DIR_MARKS || key_fsid(key) != r->fsid);
}

static uint32_t
key_hash(const uint8_t *k, size_t n)
{
    uint32_t h = 2166136261u;

    for (size_t i = 0; i < n; i++)
        h = (h ^ k[i]) * 16777619u;
    return h;
}

/* --- close-write descriptors waiting for their names half ---------------------------------- */

static void
pend_drop(struct fan *f, struct pend *p)
{
    struct pend **pp = &f->bucket[key_hash(p->key, p->klen) % PEND_BUCKETS];

    for (; *pp != NULL; pp = &(*pp)->next)
        if (*pp == p) {
            *pp = p->next;
            break;
        }
    if (p->fd >= 0)
        close(p->fd);
    p->fd = -1;
    p->next = NULL;
    f->n_pend--;
    f->free_slot[f->n_free++] = (uint16_t)(p - f->pend);
}

/* Oldest descriptor of key (the kernel queues both halves in the same order), taken. */
static struct pend *
pend_find(struct fan *f, const uint8_t *key, size_t klen)
{
    struct pend *best = NULL;

    for (struct pend *p = f->bucket[key_hash(key, klen) % PEND_BUCKETS]; p != NULL; p = p->next)
        if (p->klen == klen && memcmp(p->key, key, klen) == 0 &&
            (best == NULL || p->round < best->round))
            best = p;
    return best;
}

/* Close descriptors two rounds old: their names half is not coming. */
static void
pend_expire(struct source *s, struct fan *f, uint32_t keep_from)
{
    for (size_t i = 0; i < PEND_MAX && f->n_pend > 0; i++)
        if (f->pend[i].fd >= 0 && f->pend[i].round < keep_from) {
            pend_drop(f, &f->pend[i]);
            s->st.unmatched++;
        }
}

static void
pend_add(struct source *s, struct fan *f, int fd, int32_t pid)
{
    uint8_t key[KEY_MAX];
    size_t klen = key_of(fd, "", key);
    struct pend *p = NULL;

    if (klen == 0) {
        close(fd);
        s->st.errors++;
        return;
    }
    if (f->n_pend == PEND_MAX) /* full of strays: the oldest round goes */
        pend_expire(s, f, f->round);
    if (f->n_free > 0)
        p = &f->pend[f->free_slot[--f->n_free]];
    if (p == NULL) {
        close(fd);
        s->st.unmatched++;
        return;
    }
    memcpy(p->key, key, klen);
    p->klen = (uint32_t)klen;
    p->fd = fd;
    p->pid = pid;
    p->round = f->round;
    p->next = f->bucket[key_hash(key, klen) % PEND_BUCKETS];
    f->bucket[key_hash(key, klen) % PEND_BUCKETS] = p;
    f->n_pend++;
}

/* Read the content group dry (or until the table is full). Returns true on overflow. */
static bool
read_content(struct source *s, struct fan *f)
{
    bool overflow = false;

    while (f->n_pend < PEND_MAX) {
        /* Each event of a descriptor group is the bare metadata: ask for no more than the
         * table can take, the rest waits in the kernel's queue. */
        size_t want = (PEND_MAX - f->n_pend) * sizeof(struct fanotify_event_metadata);
        ssize_t n = read(f->content, f->cbuf, want < sizeof(f->cbuf) ? want : sizeof(f->cbuf));
        size_t off = 0;
        struct sw_fan_event ev;
        enum sw_rc rc;

        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            f->content_dry = true;
            break;
        }
        while ((rc = sw_fsevent_fan_next(f->cbuf, (size_t)n, &off, &ev)) == SW_OK) {
            s->st.events++;
            if (ev.mask & FAN_Q_OVERFLOW)
                overflow = true;
            if (ev.fd >= 0)
                pend_add(s, f, ev.fd, ev.pid);
        }
        if (rc == SW_EINVAL) {
            s->st.errors++;
            SW_LOG_RATELIMIT(SW_LOG_ERROR, "fanotify: malformed event record from the kernel");
        }
    }
    return overflow;
}

/* --- items --------------------------------------------------------------------------------- */

static struct wi *
out_item(struct fan *f, enum wi_kind kind, const char *path, bool is_dir, int32_t pid)
{
    struct wi *w;

    if (f->out_n == OUTQ)
        return NULL;
    w = &f->outq[f->out_n++];
    w->kind = (uint8_t)kind;
    w->is_dir = is_dir;
    w->fd = -1;
    w->pid = pid;
    snprintf(w->path, sizeof(w->path), "%s", path);
    w->old_path[0] = '\0';
    return w;
}

static struct dt_node *
find_fid(const struct fan *f, const struct sw_fan_fid *fid)
{
    uint8_t key[KEY_MAX];
    size_t klen = key_of_fid(fid, key);

    return dt_find(f->tree, key, klen);
}

static const struct root *
root_of(const struct dt_node *n)
{
    return n != NULL ? dt_data(n) : NULL;
}

static bool
mark_dir(struct source *s, struct fan *f, int dfd, const char *path)
{
    if (fanotify_mark(f->names, FAN_MARK_ADD | FAN_MARK_ONLYDIR,
                      f->names_mask | FAN_EVENT_ON_CHILD, dfd, path) != 0 ||
        fanotify_mark(f->content, FAN_MARK_ADD | FAN_MARK_ONLYDIR,
                      FAN_CLOSE_WRITE | FAN_EVENT_ON_CHILD, dfd, path) != 0) {
        s->st.errors++;
        s->st.unwatched++;
        SW_LOG_RATELIMIT(SW_LOG_WARNING, "fanotify: marking %s: %s", path, strerror(errno));
        return false;
    }
    s->st.watches++;
    return true;
}

/* A directory appeared at path below parent (child: its handle when the event carried it). */
static void
dir_appeared(struct source *s, struct fan *f, struct dt_node *parent, const char *path,
             const char *name, const struct sw_fan_fid *child, bool moved_in)
{
    const struct root *r = root_of(parent);
    uint8_t key[KEY_MAX];
    size_t klen = child != NULL ? key_of_fid(child, key) : key_of(AT_FDCWD, path, key);
    struct dt_node *n;

    if (!s->recursive)
        return;
    if (klen == 0 || dt_put(f->tree, key, klen, parent, name, 0, &n) != SW_OK) {
        s->st.errors++;
        return;
    }
    dt_set_data(n, (void *)(uintptr_t)r);
    /* Directory marks: the new directory needs its own, and what was created in it before
     * the mark (or what it held when it was moved in) is found by walking it. A filesystem
     * mark saw everything created in it already; only a directory moved in has contents
     * never reported. */
    if (needs_dir_mark(r, key)) {
        mark_dir(s, f, AT_FDCWD, path);
        out_item(f, WI_WALK, path, true, 0);
    } else if (moved_in) {
        out_item(f, WI_WALK, path, true, 0);
    }
}

static void
rename_event(struct source *s, struct fan *f, const struct sw_fan_event *ev)
{
    bool is_dir = (ev->mask & FAN_ONDIR) != 0;
    struct dt_node *op = ev->has_old ? find_fid(f, &ev->old_dfid) : NULL;
    struct dt_node *np = ev->has_new ? find_fid(f, &ev->new_dfid) : NULL;
    char oldp[PATH_MAX], newp[PATH_MAX];
    bool old_in = op != NULL && dt_path(op, ev->old_name, oldp, sizeof(oldp));
    bool new_in = np != NULL && dt_path(np, ev->new_name, newp, sizeof(newp));
    struct dt_node *child = NULL;
    struct wi *w;

    if (!old_in && !new_in) {
        s->st.ignored++;
        return;
    }
    if (is_dir && old_in)
        child = ev->has_fid ? find_fid(f, &ev->fid) : dt_child(op, ev->old_name);
    if (old_in && new_in) {
        w = out_item(f, WI_RENAME, newp, is_dir, ev->pid);
        if (w != NULL)
            snprintf(w->old_path, sizeof(w->old_path), "%s", oldp);
        if (child != NULL && dt_move(child, np, ev->new_name) != SW_OK)
            s->st.errors++;
    } else if (old_in) { /* moved out of the watched trees */
        out_item(f, WI_DELETE, oldp, is_dir, ev->pid);
        if (child != NULL)
            dt_remove(f->tree, child, NULL, NULL);
    } else { /* moved in from outside */
        out_item(f, WI_RENAME, newp, is_dir, ev->pid);
        if (is_dir)
            dir_appeared(s, f, np, newp, ev->new_name, ev->has_fid ? &ev->fid : NULL, true);
    }
}

/* Without FAN_RENAME the kernel queues FAN_MOVED_FROM and FAN_MOVED_TO of one rename back to
 * back: a held FROM pairs with the next TO; anything else in between ends it as moved out. */
static void
flush_from(struct source *s, struct fan *f)
{
    (void)s;
    if (!f->from_held)
        return;
    f->from_held = false;
    out_item(f, WI_DELETE, f->from_path, f->from_dir, 0);
    if (f->from_node != NULL)
        dt_remove(f->tree, f->from_node, NULL, NULL);
    f->from_node = NULL;
}

static void
names_event(struct source *s, struct fan *f, const struct sw_fan_event *ev)
{
    bool is_dir = (ev->mask & FAN_ONDIR) != 0;
    struct dt_node *parent;
    char path[PATH_MAX];
    struct pend *p = NULL;

    if (ev->mask & FAN_Q_OVERFLOW) {
        flush_from(s, f);
        out_item(f, WI_OVERFLOW, "", false, 0);
        return;
    }
    /* The descriptor of a close-write is taken whether or not the file is ours. */
    if ((ev->mask & FAN_CLOSE_WRITE) && !is_dir && ev->has_fid) {
        uint8_t key[KEY_MAX];
        size_t klen = key_of_fid(&ev->fid, key);

        p = pend_find(f, key, klen);
        if (p == NULL && !f->content_dry) {
            (void)read_content(s, f);
            p = pend_find(f, key, klen);
        }
    }
    if (ev->mask & FAN_RENAME) {
        flush_from(s, f);
        rename_event(s, f, ev);
        goto out;
    }
    if (!(ev->mask & FAN_MOVED_TO))
        flush_from(s, f);
    parent = ev->has_dfid ? find_fid(f, &ev->dfid) : NULL;
    if (parent == NULL || ev->name == NULL || !dt_path(parent, ev->name, path, sizeof(path))) {
        if (ev->mask & FAN_MOVED_TO && f->from_held) { /* moved out, to an unknown place */
            flush_from(s, f);
        }
        s->st.ignored++;
        goto out;
    }
    if (strcmp(ev->name, ".") == 0)
        goto out; /* the marked directory itself (its attributes): nothing to report */
    if (ev->mask & FAN_DELETE) {
        out_item(f, WI_DELETE, path, is_dir, ev->pid);
        if (is_dir) {
            struct dt_node *c = ev->has_fid ? find_fid(f, &ev->fid) : dt_child(parent, ev->name);

            if (c != NULL)
                dt_remove(f->tree, c, NULL, NULL);
        }
    }
    if (ev->mask & FAN_MOVED_FROM) {
        f->from_held = true;
        f->from_dir = is_dir;
        snprintf(f->from_path, sizeof(f->from_path), "%s", path);
        f->from_node = is_dir ? dt_child(parent, ev->name) : NULL;
    }
    if (ev->mask & FAN_MOVED_TO) {
        struct wi *w = out_item(f, WI_RENAME, path, is_dir, ev->pid);

        if (f->from_held && w != NULL) {
            snprintf(w->old_path, sizeof(w->old_path), "%s", f->from_path);
            if (f->from_node != NULL && dt_move(f->from_node, parent, ev->name) != SW_OK)
                s->st.errors++;
            f->from_held = false;
            f->from_node = NULL;
        } else if (is_dir) {
            dir_appeared(s, f, parent, path, ev->name, ev->has_fid ? &ev->fid : NULL, true);
        }
    }
    if (ev->mask & FAN_CREATE) {
        if (is_dir)
            dir_appeared(s, f, parent, path, ev->name, ev->has_fid ? &ev->fid : NULL, false);
        else
            out_item(f, WI_CREATE, path, false, ev->pid);
    }
    if ((ev->mask & FAN_ATTRIB) && !is_dir)
        out_item(f, WI_ATTRIB, path, false, ev->pid);
    if ((ev->mask & FAN_CLOSE_WRITE) && !is_dir) {
        struct wi *w = out_item(f, WI_CLOSE_WRITE, path, false, ev->pid);

        if (p == NULL)
            s->st.unmatched++; /* the worker opens the path instead */
        if (w != NULL && p != NULL) {
            w->fd = p->fd;
            if (w->pid == 0)
                w->pid = p->pid;
            p->fd = -1;
            pend_drop(f, p);
            p = NULL;
        }
    }
out:
    if (p != NULL) /* not ours (outside the trees), or no room for the item */
        pend_drop(f, p);
}

/* --- the source ---------------------------------------------------------------------------- */

static enum sw_rc
fan_next(struct source *s, struct wi *out, struct sw_err *err)
{
    struct fan *f = s->ctx;

    for (;;) {
        struct sw_fan_event ev;
        enum sw_rc rc;

        if (f->out_i < f->out_n) {
            *out = f->outq[f->out_i++];
            return SW_OK;
        }
        f->out_n = f->out_i = 0;
        if (f->noff >= f->nlen) {
            ssize_t n;

            /* Descriptors first: the content group is queued before the names group. */
            f->content_dry = false;
            if (read_content(s, f))
                out_item(f, WI_OVERFLOW, "", false, 0);
            n = read(f->names, f->nbuf, sizeof(f->nbuf));
            if (n < 0 && errno == EINTR)
                continue;
            if (n < 0 && errno != EAGAIN)
                return sw_err_sys(err, SW_EIO, "fanotify: read");
            if (n <= 0) {
                flush_from(s, f);
                /* A round with nothing to read: descriptors older than the previous round
                 * will not find their other half. */
                pend_expire(s, f, f->round);
                f->round++;
                if (f->out_n > 0)
                    continue;
                return SW_EAGAIN;
            }
            f->nlen = (size_t)n;
            f->noff = 0;
        }
        rc = sw_fsevent_fan_next(f->nbuf, f->nlen, &f->noff, &ev);
        if (rc != SW_OK) {
            if (rc == SW_EINVAL) {
                s->st.errors++;
                SW_LOG_RATELIMIT(SW_LOG_ERROR, "fanotify: malformed event record from the kernel");
                out_item(f, WI_OVERFLOW, "", false, 0); /* events lost: walk again */
            }
            f->noff = f->nlen = 0;
            continue;
        }
        s->st.events++;
        names_event(s, f, &ev);
    }
}

static struct dt_node *
fan_dir(struct source *s, struct dt_node *parent, const char *path, const char *name, int dirfd,
        uint32_t gen)
{
    struct fan *f = s->ctx;
    const struct root *r = NULL;
    uint8_t key[KEY_MAX];
    size_t klen;
    struct dt_node *n;

    if (parent == NULL) {
        for (size_t i = 0; i < f->n_roots; i++)
            if (strcmp(f->roots[i].path, path) == 0)
                r = &f->roots[i];
        if (r == NULL) {
            /* A directory walked on its own (new, or moved in): its parent by "..". */
            klen = key_of(dirfd, "..", key);
            parent = klen != 0 ? dt_find(f->tree, key, klen) : NULL;
            if (parent == NULL)
                return NULL;
        }
    }
    if (r == NULL)
        r = root_of(parent);
    klen = key_of(dirfd, "", key);
    if (klen == 0) {
        s->st.errors++;
        return NULL;
    }
    if (dt_put(f->tree, key, klen, parent, parent == NULL ? path : name, gen, &n) != SW_OK) {
        s->st.errors++;
        return NULL;
    }
    dt_set_data(n, (void *)(uintptr_t)r);
    /* Marked again on every walk: adding a mark that exists changes nothing. A directory
     * that cannot be marked is still resolvable (its parent's mark reports its entry) but
     * its contents are not followed: counted in unwatched, found by the next walk. */
    if (needs_dir_mark(r, key))
        (void)mark_dir(s, f, dirfd, NULL);
    return n;
}

static void
fan_walk_done(struct source *s, uint32_t gen)
{
    struct fan *f = s->ctx;

    for (size_t i = 0; i < f->n_roots; i++) {
        uint8_t key[KEY_MAX];
        int fd = open(f->roots[i].path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        size_t klen = fd >= 0 ? key_of(fd, "", key) : 0;
        struct dt_node *n = klen != 0 ? dt_find(f->tree, key, klen) : NULL;

        if (fd >= 0)
            close(fd);
        if (n != NULL)
            dt_sweep(f->tree, n, gen, NULL, NULL);
    }
}

static enum sw_rc
fan_add_root(struct source *s, const char *root, enum src_how how, int *errno_out,
             struct sw_err *err)
{
    struct fan *f = s->ctx;
    unsigned kind = how == HOW_FS_MARK ? FAN_MARK_FILESYSTEM : FAN_MARK_ONLYDIR;
    uint64_t on_child = how == HOW_FS_MARK ? 0 : FAN_EVENT_ON_CHILD;
    struct statfs sf;
    struct root *nr;

    if (!f->rename_probed) {
        /* FAN_RENAME (5.17): one event with both names. Probed on the first tree. */
        f->rename_probed = true;
        f->has_rename = fanotify_mark(f->names, FAN_MARK_ADD | FAN_MARK_ONLYDIR, FAN_RENAME,
                                      AT_FDCWD, root) == 0;
        if (f->has_rename)
            (void)fanotify_mark(f->names, FAN_MARK_REMOVE | FAN_MARK_ONLYDIR, FAN_RENAME,
                                AT_FDCWD, root);
        f->names_mask = FAN_CREATE | FAN_DELETE | FAN_ATTRIB | FAN_CLOSE_WRITE | FAN_ONDIR |
                        (f->has_rename ? FAN_RENAME : FAN_MOVED_FROM | FAN_MOVED_TO);
    }
    if (fanotify_mark(f->names, FAN_MARK_ADD | kind, f->names_mask | on_child, AT_FDCWD,
                      root) != 0) {
        *errno_out = errno;
        return sw_err_sys(err, SW_EIO, "fanotify: %s mark on %s",
                          how == HOW_FS_MARK ? "filesystem" : "directory", root);
    }
    if (fanotify_mark(f->content, FAN_MARK_ADD | kind, FAN_CLOSE_WRITE | on_child, AT_FDCWD,
                      root) != 0) {
        *errno_out = errno;
        sw_err_sys(err, SW_EIO, "fanotify: %s mark of the content group on %s",
                   how == HOW_FS_MARK ? "filesystem" : "directory", root);
        (void)fanotify_mark(f->names, FAN_MARK_REMOVE | kind, f->names_mask | on_child,
                            AT_FDCWD, root);
        return err->code;
    }
    if (statfs(root, &sf) != 0) {
        *errno_out = errno;
        return sw_err_sys(err, SW_EIO, "fanotify: statfs %s", root);
    }
    nr = sw_realloc(f->roots, (f->n_roots + 1) * sizeof(*nr));
    if (nr == NULL)
        return sw_err_set(err, SW_ENOMEM, "fanotify: out of memory");
    f->roots = nr;
    nr[f->n_roots].path = sw_strdup(root);
    if (nr[f->n_roots].path == NULL)
        return sw_err_set(err, SW_ENOMEM, "fanotify: out of memory");
    nr[f->n_roots].how = how;
    nr[f->n_roots].fsid = fsid_of(&sf);
    f->n_roots++;
    return SW_OK;
}

static int
fan_fd(const struct source *s)
{
    return ((const struct fan *)s->ctx)->ep;
}

static void
fan_close(struct source *s)
{
    struct fan *f;

    if (s == NULL)
        return;
    f = s->ctx;
    if (f != NULL) {
        for (size_t i = 0; i < PEND_MAX; i++)
            if (f->pend[i].fd >= 0)
                close(f->pend[i].fd);
        for (size_t i = 0; i < f->out_n; i++)
            if (f->outq[i].fd >= 0 && i >= f->out_i)
                close(f->outq[i].fd);
        if (f->names >= 0)
            close(f->names);
        if (f->content >= 0)
            close(f->content);
        if (f->ep >= 0)
            close(f->ep);
        for (size_t i = 0; i < f->n_roots; i++)
            sw_free(f->roots[i].path);
        sw_free(f->roots);
        dt_destroy(f->tree);
        sw_free(f);
    }
    sw_free(s);
}

static const struct source_ops fan_ops = {
    .name = "fanotify",
    .add_root = fan_add_root,
    .dir = fan_dir,
    .walk_done = fan_walk_done,
    .next = fan_next,
    .fd = fan_fd,
    .close = fan_close,
};

struct source *
src_fanotify_open(bool recursive, char *features, size_t flen, struct sw_err *err)
{
    struct source *s = sw_calloc(1, sizeof(*s));
    struct fan *f = sw_calloc(1, sizeof(*f));
    struct epoll_event ee = {.events = EPOLLIN};
    unsigned base = FAN_CLASS_NOTIF | FAN_CLOEXEC | FAN_NONBLOCK | FAN_REPORT_DFID_NAME |
                    FAN_REPORT_FID;

    if (s == NULL || f == NULL) {
        sw_free(s);
        sw_free(f);
        sw_err_set(err, SW_ENOMEM, "fanotify: out of memory");
        return NULL;
    }
    s->ops = &fan_ops;
    s->ctx = f;
    s->recursive = recursive;
    f->names = f->content = f->ep = -1;
    for (size_t i = 0; i < PEND_MAX; i++) {
        f->pend[i].fd = -1;
        f->free_slot[i] = (uint16_t)(PEND_MAX - 1 - i);
    }
    f->n_free = PEND_MAX;
    f->tree = dt_create(MAX_NODES);
    s->tree = f->tree;
    if (f->tree == NULL) {
        sw_err_set(err, SW_ENOMEM, "fanotify: out of memory");
        goto fail;
    }
    /* FAN_REPORT_TARGET_FID (5.17) adds the child's handle to directory-entry events. */
    f->names = fanotify_init(base | FAN_REPORT_TARGET_FID, O_RDONLY | O_CLOEXEC);
    f->target_fid = f->names >= 0;
    if (f->names < 0 && errno == EINVAL)
        f->names = fanotify_init(base, O_RDONLY | O_CLOEXEC);
    if (f->names < 0) {
        sw_err_sys(err, SW_EIO, "fanotify_init (names group, FID mode)");
        goto fail;
    }
    f->content = fanotify_init(FAN_CLASS_CONTENT | FAN_CLOEXEC | FAN_NONBLOCK,
                               O_RDONLY | O_LARGEFILE | O_CLOEXEC | O_NOATIME);
    if (f->content < 0 && errno == EPERM) /* O_NOATIME needs the file's owner (or FOWNER) */
        f->content = fanotify_init(FAN_CLASS_CONTENT | FAN_CLOEXEC | FAN_NONBLOCK,
                                   O_RDONLY | O_LARGEFILE | O_CLOEXEC);
    if (f->content < 0) {
        sw_err_sys(err, SW_EIO, "fanotify_init (content group)");
        goto fail;
    }
    f->ep = epoll_create1(EPOLL_CLOEXEC);
    if (f->ep < 0 || epoll_ctl(f->ep, EPOLL_CTL_ADD, f->names, &ee) != 0 ||
        epoll_ctl(f->ep, EPOLL_CTL_ADD, f->content, &ee) != 0) {
        sw_err_sys(err, SW_EIO, "fanotify: epoll");
        goto fail;
    }
    f->names_mask = FAN_CREATE | FAN_DELETE | FAN_ATTRIB | FAN_CLOSE_WRITE | FAN_ONDIR |
                    FAN_MOVED_FROM | FAN_MOVED_TO;
    snprintf(features, flen, "%s", f->target_fid ? "target-fid" : "no target-fid");
    return s;
fail:
    fan_close(s);
    return NULL;
}

const char *
src_fanotify_features(const struct source *s)
{
    const struct fan *f = s->ctx;

    if (!f->rename_probed)
        return f->target_fid ? "target-fid" : "";
    return f->has_rename ? (f->target_fid ? "rename, target-fid" : "rename")
                         : (f->target_fid ? "moved-from/to pairs, target-fid"
                                          : "moved-from/to pairs");
}
