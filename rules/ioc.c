/* ioc.c - IOC lists of file hashes (see include/sw/ioc.h). */
#include "sw/ioc.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <stdatomic.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sw/alloc.h"
#include "sw/yara.h"

#define MAX_DEPTH 16

struct ioc_list {
    char *rel;             /* owned: path relative to the rules directory */
    struct sw_dataset *ds; /* owned */
    uint32_t sid;
};

struct sw_ioc_set {
    struct ioc_list *v; /* owned */
    size_t n, cap;
    size_t hashes;
    /* Holders: the loader's 1, plus one per sw_ioc_hold (the detection set and the file scan
     * pool share a set, each giving it back on its own schedule). */
    _Atomic unsigned refs;
};

struct names {
    char **v; /* owned */
    size_t n, cap;
};

static bool
is_list_name(const char *name)
{
    size_t n = strlen(name), e = strlen(SW_IOC_SHA256_EXT);

    return n > e && strcasecmp(name + n - e, SW_IOC_SHA256_EXT) == 0;
}

static enum sw_rc
names_add(struct names *l, const char *rel)
{
    if (l->n == l->cap) {
        size_t cap = l->cap != 0 ? l->cap * 2 : 16;
        char **v = sw_realloc(l->v, cap * sizeof(*v));

        if (v == NULL)
            return SW_ENOMEM;
        l->v = v;
        l->cap = cap;
    }
    l->v[l->n] = sw_strdup(rel);
    if (l->v[l->n] == NULL)
        return SW_ENOMEM;
    l->n++;
    return SW_OK;
}

/* Collect list files below dfd (taken); rel is its path relative to the top. */
static enum sw_rc
list_dir(struct names *l, int dfd, const char *rel, int depth)
{
    DIR *d = fdopendir(dfd);
    struct dirent *de;
    enum sw_rc rc = SW_OK;

    if (d == NULL) {
        close(dfd);
        return SW_EIO;
    }
    while (rc == SW_OK && (de = readdir(d)) != NULL) {
        char sub[PATH_MAX];
        struct stat lst, st;

        if (de->d_name[0] == '.')
            continue;
        if (snprintf(sub, sizeof(sub), "%s%s%s", rel, rel[0] ? "/" : "", de->d_name) >=
            (int)sizeof(sub))
            continue;
        if (fstatat(dirfd(d), de->d_name, &lst, AT_SYMLINK_NOFOLLOW) != 0)
            continue;
        if (S_ISDIR(lst.st_mode)) {
            int fd;

            if (depth >= MAX_DEPTH)
                continue;
            fd = openat(dirfd(d), de->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
            if (fd != -1)
                rc = list_dir(l, fd, sub, depth + 1);
            continue;
        }
        if (!is_list_name(de->d_name))
            continue;
        if (fstatat(dirfd(d), de->d_name, &st, 0) != 0 || !S_ISREG(st.st_mode))
            continue;
        rc = names_add(l, sub);
    }
    closedir(d);
    return rc;
}

static int
cmp_name(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

struct sw_ioc_set *
sw_ioc_load(const char *dir, sw_dataset_report_fn report, void *ctx, struct sw_ioc_load_stats *st,
            struct sw_err *err)
{
    struct sw_ioc_set *s = sw_calloc(1, sizeof(*s));
    struct names l = {0};
    int fd;

    memset(st, 0, sizeof(*st));
    if (s == NULL) {
        sw_err_set(err, SW_ENOMEM, "%s: out of memory", dir);
        return NULL;
    }
    atomic_init(&s->refs, 1u);
    fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd == -1) {
        if (errno == ENOENT)
            return s; /* no rules directory: no lists */
        sw_err_sys(err, SW_EIO, "%s", dir);
        goto fail;
    }
    enum sw_rc rc = list_dir(&l, fd, "", 0);

    if (rc != SW_OK) {
        if (rc == SW_ENOMEM)
            sw_err_set(err, SW_ENOMEM, "%s: out of memory", dir);
        else
            sw_err_sys(err, SW_EIO, "%s", dir);
        goto fail;
    }
    if (l.n > 1)
        qsort(l.v, l.n, sizeof(*l.v), cmp_name);
    s->v = sw_calloc(l.n + 1, sizeof(*s->v));
    if (s->v == NULL) {
        sw_err_set(err, SW_ENOMEM, "%s: out of memory", dir);
        goto fail;
    }
    for (size_t i = 0; i < l.n; i++) {
        char path[PATH_MAX];
        struct sw_dataset_stats ds;
        struct sw_err e;
        size_t dl = strlen(dir);

        st->files++;
        snprintf(path, sizeof(path), "%s%s%s", dir, dl > 0 && dir[dl - 1] == '/' ? "" : "/",
                 l.v[i]);
        struct sw_dataset *d = sw_dataset_load(path, SW_DATASET_SHA256, report, ctx, &ds, &e);

        if (d == NULL) {
            if (e.code == SW_ENOMEM) {
                *err = e;
                goto fail;
            }
            if (report != NULL)
                report(ctx, false, e.msg);
            st->files_failed++;
            continue;
        }
        st->bad_lines += ds.bad_lines;
        st->duplicates += ds.duplicates;
        st->files_failed += ds.bad_lines > 0;
        s->v[s->n++] = (struct ioc_list){
            .rel = l.v[i], .ds = d,
            .sid = SW_IOC_SID_BASE + sw_yara_fnv1a32(l.v[i]) % SW_IOC_SID_SPAN};
        l.v[i] = NULL;
        s->hashes += sw_dataset_count(d);
    }
    st->hashes = s->hashes;
    for (size_t i = 0; i < l.n; i++)
        sw_free(l.v[i]);
    sw_free(l.v);
    return s;
fail:
    for (size_t i = 0; i < l.n; i++)
        sw_free(l.v[i]);
    sw_free(l.v);
    sw_ioc_destroy(s);
    return NULL;
}

struct sw_ioc_set *
sw_ioc_hold(struct sw_ioc_set *s)
{
    if (s != NULL)
        atomic_fetch_add_explicit(&s->refs, 1u, memory_order_relaxed);
    return s;
}

void
sw_ioc_destroy(struct sw_ioc_set *s)
{
    /* The last holder frees (acq_rel: every check by another holder happens before). */
    if (s == NULL || atomic_fetch_sub_explicit(&s->refs, 1u, memory_order_acq_rel) != 1u)
        return;
    for (size_t i = 0; i < s->n; i++) {
        sw_free(s->v[i].rel);
        sw_dataset_destroy(s->v[i].ds);
    }
    sw_free(s->v);
    sw_free(s);
}

size_t
sw_ioc_count(const struct sw_ioc_set *s)
{
    return s != NULL ? s->hashes : 0;
}

bool
sw_ioc_listed(const struct sw_ioc_set *s, const char *sha256)
{
    uint8_t key[32];
    struct sw_dataset_hit hit;

    if (s == NULL || s->n == 0 || strlen(sha256) != 64 || !sw_dataset_unhex(sha256, 64, key))
        return false;
    for (size_t i = 0; i < s->n; i++)
        if (sw_dataset_lookup(s->v[i].ds, key, sizeof(key), &hit))
            return true;
    return false;
}

unsigned
sw_ioc_check_file(const struct sw_ioc_set *s, const struct sw_file_part *fi, uint64_t ts_us,
                  struct sw_emitter *em, unsigned *drops)
{
    uint8_t key[32];
    unsigned n = 0;

    if (s == NULL || s->n == 0 || strlen(fi->sha256) != 64 ||
        !sw_dataset_unhex(fi->sha256, 64, key))
        return 0;
    for (size_t i = 0; i < s->n; i++) {
        const struct ioc_list *l = &s->v[i];
        struct sw_dataset_hit hit;
        struct sw_event *ev;
        char line[16];

        if (!sw_dataset_lookup(l->ds, key, sizeof(key), &hit))
            continue;
        ev = sw_event_create_file(SW_EV_ALERT, ts_us, fi);
        if (ev == NULL) {
            if (drops != NULL)
                (*drops)++;
            continue;
        }
        struct sw_alert *a = &ev->u.alert;

        a->gid = 1;
        a->signature_id = l->sid;
        a->rev = 1;
        a->severity = 1;
        a->detector = "ioc";
        snprintf(a->signature, sizeof(a->signature), "seawall IOC %s: %s", l->rel,
                 hit.comment != NULL ? hit.comment : "listed SHA-256");
        snprintf(a->category, sizeof(a->category), "Known bad file hash (IOC list)");
        snprintf(line, sizeof(line), "%u", hit.line);
        sw_alert_meta_add(a, "ioc_list", l->rel);
        sw_alert_meta_add(a, "ioc_line", line);
        if (hit.has_rep) {
            char rep[8];

            snprintf(rep, sizeof(rep), "%u", hit.rep);
            sw_alert_meta_add(a, "ioc_reputation", rep);
        }
        sw_emit(em, ev);
        n++;
    }
    return n;
}
