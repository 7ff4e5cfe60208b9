/* src_inotify.c - the inotify source (see watch_int.h).
 *
 * One watch per directory, placed by the walks (and for each directory that appears), each
 * a node of the directory tree keyed by its watch descriptor. The budget is the kernel's
 * per-user limit (fs.inotify.max_user_watches, less a reserve for other programs of the same
 * user) unless files.max_watches says otherwise; directories beyond it are left unwatched,
 * counted and named in one warning, and covered by the scheduled walks only.
 *
 * A close-write's file is opened as soon as its event is read (O_NOFOLLOW | O_NONBLOCK), so
 * a file deleted right after being written is usually still scanned; unlike fanotify this is
 * a race the writer can win. The two halves of a rename are paired here by cookie: the
 * kernel queues them back to back, so a MOVED_FROM whose MOVED_TO is not the next event
 * (or not there when the queue runs dry) was moved out of the watched trees. */
#include "watch_int.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/inotify.h>
#include <unistd.h>

#include "sw/alloc.h"
#include "sw/fsevent.h"
#include "sw/log.h"

#define BUF_SIZE (64u * 1024u)
#define RESERVE 1024u      /* watches left to other programs of the same user */
#define NAMED_MAX 16       /* unwatched directories named in the warning */
#define OUTQ 4
#define MASK                                                                                   \
    (IN_CREATE | IN_DELETE | IN_MOVED_FROM | IN_MOVED_TO | IN_ATTRIB | IN_CLOSE_WRITE |       \
     IN_DONT_FOLLOW | IN_ONLYDIR | IN_EXCL_UNLINK)

struct ino {
    int fd;
    struct dt *tree;
    char **roots;           /* owned: the trees' tops */
    size_t n_roots;
    uint64_t budget;
    char *named[NAMED_MAX]; /* owned: the first unwatched directories */
    size_t n_named;
    uint8_t buf[BUF_SIZE];
    size_t len, off;
    /* a MOVED_FROM waiting for its MOVED_TO */
    bool from_held, from_dir;
    uint32_t from_cookie;
    struct dt_node *from_node;
    char from_path[PATH_MAX];
    struct wi outq[OUTQ];
    size_t out_n, out_i;
};

static struct wi *
out_item(struct ino *in, enum wi_kind kind, const char *path, bool is_dir)
{
    struct wi *w;

    if (in->out_n == OUTQ)
        return NULL;
    w = &in->outq[in->out_n++];
    w->kind = (uint8_t)kind;
    w->is_dir = is_dir;
    w->fd = -1;
    w->pid = 0; /* inotify does not say who */
    snprintf(w->path, sizeof(w->path), "%s", path);
    w->old_path[0] = '\0';
    return w;
}

static void
unwatch(void *ctx, struct dt_node *n)
{
    struct source *s = ctx;
    struct ino *in = s->ctx;
    size_t klen;
    const int32_t *wd = dt_key(n, &klen);

    (void)inotify_rm_watch(in->fd, *wd);
    if (s->st.watches > 0)
        s->st.watches--;
}

static void
flush_from(struct source *s, struct ino *in)
{
    if (!in->from_held)
        return;
    in->from_held = false;
    out_item(in, WI_DELETE, in->from_path, in->from_dir);
    if (in->from_node != NULL)
        dt_remove(in->tree, in->from_node, unwatch, s);
    in->from_node = NULL;
}

static void
event(struct source *s, struct ino *in, const struct sw_in_event *ev)
{
    bool is_dir = (ev->mask & IN_ISDIR) != 0;
    struct dt_node *parent;
    char path[PATH_MAX];

    if (ev->mask & IN_Q_OVERFLOW) {
        flush_from(s, in);
        out_item(in, WI_OVERFLOW, "", false);
        return;
    }
    if (!(ev->mask & IN_MOVED_TO) || !in->from_held || ev->cookie != in->from_cookie)
        flush_from(s, in);
    parent = dt_find(in->tree, &ev->wd, sizeof(ev->wd));
    if (parent == NULL) {
        s->st.ignored++; /* a watch removed meanwhile */
        return;
    }
    if (ev->mask & (IN_IGNORED | IN_UNMOUNT)) {
        /* The directory is gone (deleted, unmounted): its parent's event told us. */
        if (s->st.watches > 0)
            s->st.watches--;
        dt_remove(in->tree, parent, NULL, NULL);
        return;
    }
    if (ev->name[0] == '\0')
        return; /* the watched directory itself */
    if (!dt_path(parent, ev->name, path, sizeof(path))) {
        s->st.ignored++;
        return;
    }
    if (ev->mask & IN_CREATE) {
        if (is_dir) {
            if (s->recursive)
                out_item(in, WI_WALK, path, true); /* the walk places its watch */
        } else {
            out_item(in, WI_CREATE, path, false);
        }
    }
    if (ev->mask & IN_DELETE) {
        out_item(in, WI_DELETE, path, is_dir);
        /* its watch goes with IN_IGNORED */
    }
    if ((ev->mask & IN_ATTRIB) && !is_dir)
        out_item(in, WI_ATTRIB, path, false);
    if ((ev->mask & IN_CLOSE_WRITE) && !is_dir) {
        struct wi *w = out_item(in, WI_CLOSE_WRITE, path, false);

        if (w != NULL)
            w->fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK | O_NOFOLLOW);
    }
    if (ev->mask & IN_MOVED_FROM) {
        in->from_held = true;
        in->from_dir = is_dir;
        in->from_cookie = ev->cookie;
        snprintf(in->from_path, sizeof(in->from_path), "%s", path);
        in->from_node = is_dir ? dt_child(parent, ev->name) : NULL;
    }
    if (ev->mask & IN_MOVED_TO) {
        struct wi *w = out_item(in, WI_RENAME, path, is_dir);

        if (in->from_held && ev->cookie == in->from_cookie) {
            if (w != NULL)
                snprintf(w->old_path, sizeof(w->old_path), "%s", in->from_path);
            if (in->from_node != NULL && dt_move(in->from_node, parent, ev->name) != SW_OK)
                s->st.errors++;
            in->from_held = false;
            in->from_node = NULL;
        } else if (is_dir && s->recursive) {
            out_item(in, WI_WALK, path, true); /* moved in: contents never seen */
        }
    }
}

static enum sw_rc
in_next(struct source *s, struct wi *out, struct sw_err *err)
{
    struct ino *in = s->ctx;

    for (;;) {
        struct sw_in_event ev;
        enum sw_rc rc;

        if (in->out_i < in->out_n) {
            *out = in->outq[in->out_i++];
            return SW_OK;
        }
        in->out_n = in->out_i = 0;
        if (in->off >= in->len) {
            ssize_t n = read(in->fd, in->buf, sizeof(in->buf));

            if (n < 0 && errno == EINTR)
                continue;
            if (n < 0 && errno != EAGAIN)
                return sw_err_sys(err, SW_EIO, "inotify: read");
            if (n <= 0) {
                flush_from(s, in); /* its MOVED_TO would be queued by now */
                if (in->out_n > 0)
                    continue;
                return SW_EAGAIN;
            }
            in->len = (size_t)n;
            in->off = 0;
        }
        rc = sw_fsevent_in_next(in->buf, in->len, &in->off, &ev);
        if (rc != SW_OK) {
            if (rc == SW_EINVAL) {
                s->st.errors++;
                SW_LOG_RATELIMIT(SW_LOG_ERROR, "inotify: malformed event record from the kernel");
                out_item(in, WI_OVERFLOW, "", false);
            }
            in->off = in->len = 0;
            continue;
        }
        s->st.events++;
        event(s, in, &ev);
    }
}

static struct dt_node *
in_dir(struct source *s, struct dt_node *parent, const char *path, const char *name, int dirfd,
       uint32_t gen)
{
    struct ino *in = s->ctx;
    struct dt_node *n;
    int32_t wd;
    size_t before = dt_count(in->tree);

    (void)dirfd;
    for (size_t i = 0; parent == NULL && i < in->n_roots; i++)
        if (strcmp(in->roots[i], path) == 0)
            goto watch; /* a tree's top: a root node */
    if (parent == NULL) {
        /* A tree's top, or a directory walked on its own (new, moved in): its parent is
         * watched already; asking for the same watch again returns its descriptor. */
        const char *slash = strrchr(path, '/');
        char pp[PATH_MAX];

        if (slash != NULL && slash != path && (size_t)(slash - path) < sizeof(pp)) {
            memcpy(pp, path, (size_t)(slash - path));
            pp[slash - path] = '\0';
            wd = inotify_add_watch(in->fd, pp, MASK | IN_MASK_CREATE);
            if (wd < 0 && errno == EEXIST)
                wd = inotify_add_watch(in->fd, pp, MASK);
            parent = wd >= 0 ? dt_find(in->tree, &wd, sizeof(wd)) : NULL;
            if (wd >= 0 && parent == NULL)
                (void)inotify_rm_watch(in->fd, wd); /* not ours */
        }
        if (parent == NULL)
            return NULL;
    }
watch:
    if (s->st.watches >= in->budget) {
        s->st.unwatched++;
        if (in->n_named < NAMED_MAX) {
            in->named[in->n_named] = sw_strdup(path);
            if (in->named[in->n_named] != NULL)
                in->n_named++;
        }
        return NULL;
    }
    wd = inotify_add_watch(in->fd, path, MASK);
    if (wd < 0) {
        s->st.errors++;
        s->st.unwatched++;
        if (errno == ENOSPC && in->n_named < NAMED_MAX) {
            in->named[in->n_named] = sw_strdup(path);
            if (in->named[in->n_named] != NULL)
                in->n_named++;
        }
        SW_LOG_RATELIMIT(SW_LOG_WARNING, "inotify: watching %s: %s", path, strerror(errno));
        return NULL;
    }
    if (dt_put(in->tree, &wd, sizeof(wd), parent, parent == NULL ? path : name, gen, &n) !=
        SW_OK) {
        (void)inotify_rm_watch(in->fd, wd);
        s->st.errors++;
        return NULL;
    }
    if (dt_count(in->tree) > before)
        s->st.watches++;
    return n;
}

/* Directories the walk did not see (deleted while events were lost) are forgotten. */
static void
in_walk_done(struct source *s, uint32_t gen)
{
    struct ino *in = s->ctx;

    for (size_t i = 0; i < in->n_roots; i++) {
        /* The top's descriptor: asking for its watch again returns it. */
        int32_t wd = inotify_add_watch(in->fd, in->roots[i], MASK);
        struct dt_node *n = wd >= 0 ? dt_find(in->tree, &wd, sizeof(wd)) : NULL;

        if (n != NULL)
            dt_sweep(in->tree, n, gen, unwatch, s);
    }
}

static enum sw_rc
in_add_root(struct source *s, const char *root, enum src_how how, int *errno_out,
            struct sw_err *err)
{
    struct ino *in = s->ctx;
    char **nr = sw_realloc(in->roots, (in->n_roots + 1) * sizeof(*nr));

    (void)how;
    (void)errno_out;
    if (nr == NULL)
        return sw_err_set(err, SW_ENOMEM, "inotify: out of memory");
    in->roots = nr;
    nr[in->n_roots] = sw_strdup(root);
    if (nr[in->n_roots] == NULL)
        return sw_err_set(err, SW_ENOMEM, "inotify: out of memory");
    in->n_roots++;
    return SW_OK; /* the walk places the watches */
}

static int
in_fd(const struct source *s)
{
    return ((const struct ino *)s->ctx)->fd;
}

static void
in_close(struct source *s)
{
    struct ino *in;

    if (s == NULL)
        return;
    in = s->ctx;
    if (in != NULL) {
        for (size_t i = in->out_i; i < in->out_n; i++)
            if (in->outq[i].fd >= 0)
                close(in->outq[i].fd);
        if (in->fd >= 0)
            close(in->fd);
        for (size_t i = 0; i < in->n_named; i++)
            sw_free(in->named[i]);
        for (size_t i = 0; i < in->n_roots; i++)
            sw_free(in->roots[i]);
        sw_free(in->roots);
        dt_destroy(in->tree);
        sw_free(in);
    }
    sw_free(s);
}

static const struct source_ops in_ops = {
    .name = "inotify",
    .add_root = in_add_root,
    .dir = in_dir,
    .walk_done = in_walk_done,
    .next = in_next,
    .fd = in_fd,
    .close = in_close,
};

/* fs.inotify.max_user_watches, 0 when unreadable. */
static uint64_t
max_user_watches(void)
{
    char line[64];
    unsigned long long v = 0;
    FILE *fp = fopen("/proc/sys/fs/inotify/max_user_watches", "re");

    if (fp == NULL)
        return 0;
    if (fgets(line, sizeof(line), fp) == NULL || sscanf(line, "%llu", &v) != 1)
        v = 0;
    fclose(fp);
    return v;
}

struct source *
src_inotify_open(bool recursive, uint32_t max_watches, struct sw_err *err)
{
    struct source *s = sw_calloc(1, sizeof(*s));
    struct ino *in = sw_calloc(1, sizeof(*in));
    uint64_t kernel = max_user_watches();

    if (s == NULL || in == NULL) {
        sw_free(s);
        sw_free(in);
        sw_err_set(err, SW_ENOMEM, "inotify: out of memory");
        return NULL;
    }
    s->ops = &in_ops;
    s->ctx = in;
    s->recursive = recursive;
    in->fd = -1;
    in->budget = max_watches != 0 ? max_watches
                 : kernel > RESERVE ? kernel - RESERVE
                                    : (kernel > 0 ? kernel : 8192);
    in->tree = dt_create(in->budget + 16);
    s->tree = in->tree;
    if (in->tree == NULL) {
        sw_err_set(err, SW_ENOMEM, "inotify: out of memory");
        goto fail;
    }
    in->fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
    if (in->fd < 0) {
        sw_err_sys(err, SW_EIO, "inotify_init1");
        goto fail;
    }
    return s;
fail:
    in_close(s);
    return NULL;
}

uint64_t
src_inotify_budget(const struct source *s)
{
    return ((const struct ino *)s->ctx)->budget;
}

size_t
src_inotify_unwatched(const struct source *s, const char *const **paths)
{
    const struct ino *in = s->ctx;

    *paths = (const char *const *)in->named;
    return in->n_named;
}
