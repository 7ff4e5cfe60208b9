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
