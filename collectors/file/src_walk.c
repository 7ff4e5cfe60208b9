/* src_walk.c - file tree walker for `seawall scan` (see include/sw/src_walk.h).
 *
 * Our own recursion rather than nftw(): nftw has no context pointer, reports symlink loops
 * only with FTW_PHYS off, and cannot prune excluded directories before opening them. Depth is
 * capped at MAX_DEPTH so a hostile tree cannot exhaust the stack. */
#include "sw/src_walk.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sw/alloc.h"
#include "sw/log.h"

#define MAX_DEPTH 256

struct walk {
    const struct sw_walk_opts *o;
    sw_walk_fn fn;
    void *ctx;
    struct sw_walk_counts *c;
    dev_t root_dev;
    struct {
        dev_t dev;
        ino_t ino;
    } stack[MAX_DEPTH + 1]; /* directories on the current path (loop check) */
    int depth;
    bool stop;
};

bool
sw_walk_excluded(const char *path, const char *const *globs, size_t n)
{
    const char *base = strrchr(path, '/');

    base = base != NULL ? base + 1 : path;
    for (size_t i = 0; i < n; i++) {
        if (fnmatch(globs[i], path, 0) == 0 || fnmatch(globs[i], base, 0) == 0)
            return true;
    }
    return false;
}

static void walk_path(struct walk *w, char *path, size_t len, bool is_root);

static void
walk_dir(struct walk *w, char *path, size_t len, const struct stat *st)
{
    DIR *d;
    struct dirent *de;

    if (w->depth >= MAX_DEPTH) {
        w->c->errors++;
        SW_LOG_RATELIMIT(SW_LOG_WARNING, "%s: deeper than %d directories, not entered", path,
                         MAX_DEPTH);
        return;
    }
    for (int i = 0; i < w->depth; i++) {
        if (w->stack[i].dev == st->st_dev && w->stack[i].ino == st->st_ino) {
            w->c->skipped_symlink++; /* a symlink loop back to an ancestor */
            return;
        }
    }
    d = opendir(path);
    if (d == NULL) {
        w->c->errors++;
        SW_LOG_RATELIMIT(SW_LOG_WARNING, "%s: %s", path, strerror(errno));
        return;
    }
    w->c->dirs++;
    w->stack[w->depth].dev = st->st_dev;
    w->stack[w->depth].ino = st->st_ino;
    w->depth++;
    while (!w->stop && (de = readdir(d)) != NULL) {
        size_t nl;

        if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
            continue;
        nl = strlen(de->d_name);
        if (len + 1 + nl + 1 > PATH_MAX) {
            w->c->errors++;
            SW_LOG_RATELIMIT(SW_LOG_WARNING, "%s/%s: path too long", path, de->d_name);
            continue;
        }
        size_t sep = (len > 0 && path[len - 1] == '/') ? 0 : 1;
        if (sep)
            path[len] = '/';
        memcpy(path + len + sep, de->d_name, nl + 1);
        walk_path(w, path, len + sep + nl, false);
        path[len] = '\0';
    }
    w->depth--;
    closedir(d);
}

static void
walk_path(struct walk *w, char *path, size_t len, bool is_root)
{
    struct stat st;
    bool via_link = false;

    if (!is_root && w->o->n_exclude > 0 && sw_walk_excluded(path, w->o->exclude, w->o->n_exclude)) {
        w->c->skipped_excluded++;
        return;
    }
    if (lstat(path, &st) != 0) {
        w->c->errors++; /* vanished between readdir and here, or unreadable */
        SW_LOG_RATELIMIT(SW_LOG_WARNING, "%s: %s", path, strerror(errno));
        return;
    }
    if (S_ISLNK(st.st_mode)) {
        if (!is_root && !w->o->follow) {
            w->c->skipped_symlink++;
            return;
        }
        if (stat(path, &st) != 0) {
            w->c->errors++; /* dangling, or a loop of links (ELOOP) */
            SW_LOG_RATELIMIT(SW_LOG_WARNING, "%s: %s", path, strerror(errno));
            return;
        }
        via_link = true;
    }
    if (S_ISDIR(st.st_mode)) {
        if (!is_root && w->o->one_fs && st.st_dev != w->root_dev) {
            w->c->skipped_other_fs++;
            return;
        }
        walk_dir(w, path, len, &st);
        return;
    }
    if (!S_ISREG(st.st_mode)) {
        w->c->skipped_special++;
        return;
    }
    if (!w->fn(w->ctx, path, via_link))
        w->stop = true;
}

enum sw_rc
sw_walk_run(const char *root, const struct sw_walk_opts *o, sw_walk_fn fn, void *ctx,
            struct sw_walk_counts *c, struct sw_err *err)
{
    struct walk w = {.o = o, .fn = fn, .ctx = ctx, .c = c};
    char path[PATH_MAX + 1];
    struct stat st;
    int n;

    if (root[0] == '/') {
        n = snprintf(path, sizeof(path), "%s", root);
    } else {
        char cwd[PATH_MAX];

        if (getcwd(cwd, sizeof(cwd)) == NULL) {
            c->errors++;
            return sw_err_sys(err, SW_EIO, "%s: current directory", root);
        }
        /* "./x" and "." read better without the dot in every event. */
        while (root[0] == '.' && root[1] == '/')
            root += 2;
        if (strcmp(root, ".") == 0 || root[0] == '\0')
            n = snprintf(path, sizeof(path), "%s", cwd);
        else
            n = snprintf(path, sizeof(path), "%s%s%s", cwd, strcmp(cwd, "/") == 0 ? "" : "/",
                         root);
    }
    if (n < 0 || (size_t)n >= PATH_MAX) {
        c->errors++;
        return sw_err_set(err, SW_EINVAL, "%s: path too long", root);
    }
    size_t len = (size_t)n;
    while (len > 1 && path[len - 1] == '/')
        path[--len] = '\0';
    if (stat(path, &st) != 0) {
        c->errors++;
        return sw_err_sys(err, SW_EIO, "%s", root);
    }
    w.root_dev = st.st_dev;
    walk_path(&w, path, len, true);
    return SW_OK;
}

/* --- the iterative walk -------------------------------------------------------------------- */

struct level {
    DIR *d;            /* owned */
    size_t len;        /* path length of this directory */
    void *ctx;         /* the caller's */
};

struct sw_walk_iter {
    struct sw_walk_iter_opts o;
    char path[PATH_MAX + 1];
    dev_t root_dev;
    struct level lv[MAX_DEPTH + 1];
    int depth;          /* levels open */
    int pending_fd;     /* a directory returned as SW_WALK_DIR, entered on the next call */
    size_t pending_len;
    void *pending_ctx;
    bool started, root_is_dir;
    struct stat root_st;
};

struct sw_walk_iter *
sw_walk_iter_create(const char *root, const struct sw_walk_iter_opts *o, struct sw_err *err)
{
    struct sw_walk_iter *it;
    size_t len = strlen(root);

    if (root[0] != '/' || len >= PATH_MAX) {
        sw_err_set(err, SW_EINVAL, "%s: not an absolute path", root);
        return NULL;
    }
    it = sw_calloc(1, sizeof(*it));
    if (it == NULL) {
        sw_err_set(err, SW_ENOMEM, "%s: out of memory", root);
        return NULL;
    }
    it->o = *o;
    memcpy(it->path, root, len + 1);
    while (len > 1 && it->path[len - 1] == '/')
        it->path[--len] = '\0';
    it->pending_fd = -1;
    if (lstat(it->path, &it->root_st) != 0) {
        sw_err_sys(err, SW_EIO, "%s", root);
        sw_free(it);
        return NULL;
    }
    it->root_dev = it->root_st.st_dev;
    it->root_is_dir = S_ISDIR(it->root_st.st_mode);
    it->pending_len = len;
    return it;
}

void
sw_walk_iter_destroy(struct sw_walk_iter *it)
{
    if (it == NULL)
        return;
    while (it->depth > 0)
        closedir(it->lv[--it->depth].d);
    if (it->pending_fd >= 0)
        close(it->pending_fd);
    sw_free(it);
}

/* Enter the directory returned last time: its descriptor becomes a level. */
static void
enter_pending(struct sw_walk_iter *it, struct sw_walk_counts *c)
{
    DIR *d = fdopendir(it->pending_fd);

    if (d == NULL) {
        c->errors++;
        close(it->pending_fd);
    } else {
        it->lv[it->depth].d = d;
        it->lv[it->depth].len = it->pending_len;
        it->lv[it->depth].ctx = it->pending_ctx;
        it->depth++;
        c->dirs++;
    }
    it->pending_fd = -1;
}

/* Open directory name of level fd pfd (or the top, pfd -1) and report it. */
static enum sw_rc
open_dir(struct sw_walk_iter *it, int pfd, const char *name, size_t len, struct sw_walk_ent *e)
{
    int fd = pfd >= 0 ? openat(pfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
                      : open(it->path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    struct stat st;

    if (fd < 0) {
        e->type = SW_WALK_UNREADABLE;
        e->err = errno;
        return SW_OK;
    }
    /* The name may have been swapped for another directory since the lstat: report what
     * was opened. */
    if (fstat(fd, &st) == 0)
        e->st = st;
    e->type = SW_WALK_DIR;
    e->dirfd = fd;
    e->ctx = &it->pending_ctx;
    it->pending_fd = fd;
    it->pending_len = len;
    it->pending_ctx = NULL;
    return SW_OK;
}

enum sw_rc
sw_walk_iter_next(struct sw_walk_iter *it, struct sw_walk_ent *e, struct sw_walk_counts *c)
{
    memset(e, 0, sizeof(*e));
    e->dirfd = -1;
    if (it->pending_fd >= 0)
        enter_pending(it, c);
    if (!it->started) {
        it->started = true;
        e->path = it->path;
        e->name = strrchr(it->path, '/') != NULL && it->path[1] != '\0'
                      ? strrchr(it->path, '/') + 1
                      : it->path;
        e->st = it->root_st;
        if (!it->root_is_dir) {
            e->type = SW_WALK_FILE;
            return SW_OK;
        }
        return open_dir(it, -1, it->path, it->pending_len, e);
    }
    while (it->depth > 0) {
        struct level *l = &it->lv[it->depth - 1];
        struct dirent *de = readdir(l->d);
        size_t nl, len;
        struct stat st;

        if (de == NULL) {
            closedir(l->d);
            it->depth--;
            it->path[it->depth > 0 ? it->lv[it->depth - 1].len : 0] = '\0';
            continue;
        }
        if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
            continue;
        nl = strlen(de->d_name);
        len = l->len + (l->len > 1 ? 1 : 0) + nl;
        if (len >= PATH_MAX) {
            c->errors++;
            SW_LOG_RATELIMIT(SW_LOG_WARNING, "%s/%s: path too long", it->path, de->d_name);
            continue;
        }
        it->path[l->len] = '\0';
        if (l->len > 1)
            it->path[l->len] = '/';
        memcpy(it->path + l->len + (l->len > 1 ? 1 : 0), de->d_name, nl + 1);
        if (it->o.excluded != NULL && it->o.excluded(it->o.ctx, it->path)) {
            c->skipped_excluded++;
            continue;
        }
        if (fstatat(dirfd(l->d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0) {
            if (errno != ENOENT) /* gone since readdir: nothing to report */
                c->errors++;
            continue;
        }
        e->path = it->path;
        e->name = it->path + len - nl;
        e->st = st;
        e->parent_ctx = l->ctx;
        if (!S_ISDIR(st.st_mode)) {
            e->type = SW_WALK_FILE;
            return SW_OK;
        }
        if (!it->o.recursive)
            continue;
        if (it->o.one_fs && st.st_dev != it->root_dev) {
            c->skipped_other_fs++;
            continue;
        }
        if (it->depth >= MAX_DEPTH) {
            c->errors++;
            SW_LOG_RATELIMIT(SW_LOG_WARNING, "%s: deeper than %d directories, not entered",
                             it->path, MAX_DEPTH);
            continue;
        }
        return open_dir(it, dirfd(l->d), de->d_name, len, e);
    }
    return SW_EOF;
}
