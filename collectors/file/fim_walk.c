/* fim_walk.c - the tree walk of `seawall fim` (see include/sw/fim.h, sw_fim_walk_run).
 *
 * Each directory is opened relative to its parent's descriptor with O_NOFOLLOW, and each
 * entry stat'ed relative to its directory, so a component swapped for a symlink while we walk
 * cannot lead the walk out of the tree. A directory's entries are read in full, sorted, then
 * handed on in order (the baseline's lookups then touch neighbouring pages). Depth is capped
 * at MAX_DEPTH: one descriptor per level is open at a time. */
#include "sw/fim.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sw/alloc.h"
#include "sw/log.h"
#include "sw/src_walk.h"

#define MAX_DEPTH 200

struct walk {
    const struct sw_fim_walk_opts *o;
    sw_fim_walk_fn fn;
    void *ctx;
    struct sw_fim_walk_counts *c;
    dev_t root_dev;
    bool stop, oom;
};

static int
name_cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static void
hand_on(struct walk *w, struct sw_fim_rec *rec)
{
    if (rec == NULL) {
        w->oom = w->stop = true;
        return;
    }
    w->c->entries++;
    if (!w->fn(w->ctx, rec))
        w->stop = true;
}

static void
unreadable(struct walk *w, const char *path, int e)
{
    w->c->unreadable++;
    SW_LOG_RATELIMIT(SW_LOG_WARNING, "%s: %s: files below it are kept as they were", path,
                     strerror(e));
    struct sw_fim_rec *rec = sw_fim_rec_create(SW_FIM_HINT_UNREADABLE, path, NULL, NULL);

    if (rec == NULL) {
        w->oom = w->stop = true;
        return;
    }
    if (!w->fn(w->ctx, rec))
        w->stop = true;
}

/* A non-directory entry (st from fstatat of dfd/name). */
static void
entry(struct walk *w, int dfd, const char *name, const char *path, const struct stat *st)
{
    struct sw_fim_rec *rec;

    if (S_ISLNK(st->st_mode)) {
        char target[SW_FIM_MAX_TARGET + 1];
        ssize_t n = readlinkat(dfd, name, target, sizeof(target) - 1);

        if (n < 0) {
            unreadable(w, path, errno);
            return;
        }
        target[n] = '\0';
        rec = sw_fim_rec_create(SW_FIM_HINT_WALK, path, NULL, target);
    } else {
        rec = sw_fim_rec_create(SW_FIM_HINT_WALK, path, NULL, NULL);
    }
    if (rec != NULL) {
        rec->has_attr = true;
        sw_fim_attr_from_stat(&rec->a, st);
    }
    hand_on(w, rec);
}

static void
walk_dir(struct walk *w, int dfd, char *path, size_t len, int depth)
{
    DIR *d;
    struct dirent *de;
    char **names = NULL;
    size_t n = 0, cap = 0;

    w->c->dirs++;
    d = fdopendir(dfd);
    if (d == NULL) {
        unreadable(w, path, errno);
        close(dfd);
        return;
    }
    errno = 0;
    while ((de = readdir(d)) != NULL) {
        if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
            continue;
        if (n == cap) {
            size_t nc = cap != 0 ? cap * 2 : 64;
            char **v = sw_realloc(names, nc * sizeof(*v));

            if (v == NULL)
                goto oom;
            names = v;
            cap = nc;
        }
        names[n] = sw_strdup(de->d_name);
        if (names[n] == NULL)
            goto oom;
        n++;
    }
    if (errno != 0) {
        unreadable(w, path, errno);
        goto out;
    }
    if (n > 1)
        qsort(names, n, sizeof(*names), name_cmp);
    for (size_t i = 0; i < n && !w->stop; i++) {
        size_t nl = strlen(names[i]);
        struct stat st;
        bool root_slash = len == 1;

        if (len + nl + 2 >= PATH_MAX) {
            SW_LOG_RATELIMIT(SW_LOG_WARNING, "%s/%s: path too long, left out", path, names[i]);
            continue;
        }
        if (!root_slash)
            path[len] = '/';
        memcpy(path + len + !root_slash, names[i], nl + 1);
        size_t plen = len + !root_slash + nl;

        if (w->o->n_exclude > 0 && sw_walk_excluded(path, w->o->exclude, w->o->n_exclude)) {
            w->c->excluded++;
        } else if (fstatat(dirfd(d), names[i], &st, AT_SYMLINK_NOFOLLOW) != 0) {
            if (errno != ENOENT) /* vanished since readdir: its absence is the walk's news */
                unreadable(w, path, errno);
        } else if (!S_ISDIR(st.st_mode)) {
            entry(w, dirfd(d), names[i], path, &st);
        } else if (w->o->one_fs && st.st_dev != w->root_dev) {
            w->c->other_fs++;
        } else if (depth >= MAX_DEPTH) {
            unreadable(w, path, ELOOP);
        } else {
            int cfd = openat(dirfd(d), names[i],
                             O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY);

            if (cfd == -1) {
                if (errno != ENOENT)
                    unreadable(w, path, errno);
            } else {
                walk_dir(w, cfd, path, plen, depth + 1);
            }
        }
        path[len] = '\0';
    }
    goto out;
oom:
    w->oom = w->stop = true;
out:
    for (size_t i = 0; i < n; i++)
        sw_free(names[i]);
    sw_free(names);
    closedir(d);
}

enum sw_rc
sw_fim_walk_run(const char *root, const struct sw_fim_walk_opts *o, sw_fim_walk_fn fn, void *ctx,
                struct sw_fim_walk_counts *c, struct sw_err *err)
{
    struct walk w = {.o = o, .fn = fn, .ctx = ctx, .c = c};
    char path[PATH_MAX];
    size_t len = strlen(root);
    struct stat st;

    if (root[0] != '/' || len >= PATH_MAX)
        return sw_err_set(err, SW_EINVAL, "%s: not an absolute path", root);
    while (len > 1 && root[len - 1] == '/')
        len--;
    memcpy(path, root, len);
    path[len] = '\0';
    if (lstat(path, &st) != 0)
        return sw_err_sys(err, SW_EIO, "%s", path);
    w.root_dev = st.st_dev;
    if (!S_ISDIR(st.st_mode)) {
        /* A root that is a file; its symlink target is read relative to its directory. */
        char *slash = strrchr(path, '/');
        char dir[PATH_MAX];

        snprintf(dir, sizeof(dir), "%.*s", slash == path ? 1 : (int)(slash - path), path);
        int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

        if (dfd == -1)
            return sw_err_sys(err, SW_EIO, "%s", dir);
        entry(&w, dfd, slash + 1, path, &st);
        close(dfd);
    } else {
        int dfd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY);

        if (dfd == -1)
            return sw_err_sys(err, SW_EIO, "%s", path);
        walk_dir(&w, dfd, path, len, 0);
    }
    if (w.oom)
        return sw_err_set(err, SW_ENOMEM, "%s: walk: out of memory", root);
    return SW_OK;
}
