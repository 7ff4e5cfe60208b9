/* watch_int.h - private to the file watcher (collectors/file/watch.c) and its live sources
 * (src_fanotify.c, src_inotify.c): the items a source hands the watcher, the source
 * interface, and the directory tree the sources resolve event names with.
 *
 * Threads: a source is opened on the main thread (with the privileges fanotify needs) and
 * then belongs to the watcher thread; everything here is the watcher's. */
#ifndef SW_WATCH_INT_H
#define SW_WATCH_INT_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>

#include "sw/config.h"
#include "sw/err.h"

/* --- the directory tree ------------------------------------------------------------------- */

/* A directory a source follows, keyed by the source's bytes (fanotify: fsid, handle type and
 * handle; inotify: the watch descriptor), knowing its parent and its own name. A root's name
 * is its absolute path. Nodes belong to the tree. */
struct dt;
struct dt_node;

typedef void (*dt_visit_fn)(void *ctx, struct dt_node *n);

/* NULL when out of memory. At most max_nodes nodes (dt_put then says SW_ELIMIT). */
struct dt *dt_create(size_t max_nodes);
void dt_destroy(struct dt *t);
size_t dt_count(const struct dt *t);
struct dt_node *dt_find(const struct dt *t, const void *key, size_t klen);
/* Add the directory key as name below parent (NULL: a root, name its path), or, when key is
 * known, move it there (a rename missed in an overflow). Marks it seen by walk gen. SW_OK,
 * SW_ENOMEM, SW_ELIMIT. */
enum sw_rc dt_put(struct dt *t, const void *key, size_t klen, struct dt_node *parent,
                  const char *name, uint32_t gen, struct dt_node **out) SW_MUSTCHECK;
/* Rename n to name below parent (NULL: n becomes a root, name its path). */
enum sw_rc dt_move(struct dt_node *n, struct dt_node *parent, const char *name) SW_MUSTCHECK;
/* The child of parent called name, or NULL (a linear search of its children). */
struct dt_node *dt_child(const struct dt_node *parent, const char *name);
/* Remove n and everything below it, calling fn (may be NULL) on each node first, leaves
 * first. */
void dt_remove(struct dt *t, struct dt_node *n, dt_visit_fn fn, void *ctx);
/* Remove every node below root that walk gen did not see (fn on each first). */
void dt_sweep(struct dt *t, struct dt_node *root, uint32_t gen, dt_visit_fn fn, void *ctx);
/* The path of n, with "/name" appended when name is neither NULL, "" nor ".", into
 * buf[0, len). false when it does not fit, or when n is no longer below a root (moved out). */
bool dt_path(const struct dt_node *n, const char *name, char *buf, size_t len);
bool dt_is_root(const struct dt_node *n);
struct dt_node *dt_parent(const struct dt_node *n);
const void *dt_key(const struct dt_node *n, size_t *klen);
void *dt_data(const struct dt_node *n);
void dt_set_data(struct dt_node *n, void *data);

/* --- items: what a live source saw ---------------------------------------------------------- */

enum wi_kind {
    WI_CLOSE_WRITE = 0, /* path written and closed; fd its content when the source has it */
    WI_CREATE,          /* a name appeared (a directory: the source already follows it) */
    WI_DELETE,          /* a name went away (a directory: everything below it too) */
    WI_RENAME,          /* old_path -> path; old_path "" when it came from outside */
    WI_ATTRIB,          /* metadata of path changed */
    WI_WALK,            /* walk the directory path: it is new or came from outside, and the
                         * source could not see what it held before it followed it */
    WI_OVERFLOW,        /* the kernel dropped events: every tree of the source needs a walk */
};

struct wi {
    uint8_t kind;        /* enum wi_kind */
    bool is_dir;
    int fd;              /* owned by whoever holds the item: the content, or -1 */
    int32_t pid;         /* the process that caused it, 0 when unknown */
    char path[PATH_MAX];
    char old_path[PATH_MAX];
};

/* --- sources ------------------------------------------------------------------------------- */

/* How a source follows one tree. */
enum src_how {
    HOW_FS_MARK = 0, /* fanotify filesystem mark: nothing per directory */
    HOW_DIR_MARKS,   /* fanotify mark on every directory */
    HOW_INOTIFY,     /* an inotify watch on every directory */
};

struct src_stats {
    uint64_t events;       /* records read from the kernel */
    uint64_t ignored;      /* outside the watched trees (a filesystem mark sees it all) */
    uint64_t overflows;    /* the kernel's queue overflowed */
    uint64_t watches;      /* directories marked or watched now */
    uint64_t unwatched;    /* directories left without a watch (budget, errors) */
    uint64_t unmatched;    /* fanotify: descriptors or closes without their other half */
    uint64_t errors;       /* marks or watches refused, handles not available */
};

struct source;

struct source_ops {
    const char *name; /* "fanotify", "inotify": the log tag */
    /* Main thread, privileged: follow root (absolute, a directory) with how. SW_OK, or the
     * code and err when this source cannot (the caller falls back); errno_out the reason. */
    enum sw_rc (*add_root)(struct source *s, const char *root, enum src_how how, int *errno_out,
                           struct sw_err *err);
    /* Watcher thread, during a walk: the walk entered directory path (name its last
     * component, dirfd open on it, st its lstat). parent is what this call returned for the
     * parent directory (NULL for a tree's top or when unknown). Returns this directory's
     * node (NULL: not followed). */
    struct dt_node *(*dir)(struct source *s, struct dt_node *parent, const char *path,
                           const char *name, int dirfd, uint32_t gen);
    /* Watcher thread: a complete walk with generation gen ended: forget what it did not see. */
    void (*walk_done)(struct source *s, uint32_t gen);
    /* Watcher thread: the next item. SW_OK, SW_EAGAIN (nothing now), SW_EIO (err: the
     * descriptor failed). */
    enum sw_rc (*next)(struct source *s, struct wi *out, struct sw_err *err);
    /* A descriptor that polls readable while items may be waiting. */
    int (*fd)(const struct source *s);
    void (*close)(struct source *s);
};

struct source {
    const struct source_ops *ops;
    void *ctx;            /* the implementation's */
    struct dt *tree;      /* borrowed from ctx: the directories it follows (for counters) */
    struct src_stats st;  /* watcher thread writes */
    bool recursive;
};

/* Constructors (main thread). fanotify: NULL with err when fanotify cannot be used at all
 * (no CAP_SYS_ADMIN, too old a kernel); features says what the kernel offered ("rename,
 * target-fid"). inotify: max_watches 0 means fs.inotify.max_user_watches less 1024. */
struct source *src_fanotify_open(bool recursive, char *features, size_t flen, struct sw_err *err);
/* What the fanotify source uses: "rename, target-fid", "moved-from/to pairs". */
const char *src_fanotify_features(const struct source *s);
struct source *src_inotify_open(bool recursive, uint32_t max_watches, struct sw_err *err);
/* The inotify budget in effect and the first directories left unwatched (for the warning). */
uint64_t src_inotify_budget(const struct source *s);
size_t src_inotify_unwatched(const struct source *s, const char *const **paths);

/* /proc/PID/comm of pid into out (16 bytes), "" when unknown (gone, hidden). */
void watch_comm(int32_t pid, char out[16]);

#endif
