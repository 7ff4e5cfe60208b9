/* dirtree.c - the directories a live source follows, by the source's key (see watch_int.h).
 *
 * Each node knows its parent and its own name, not its path: renaming a directory is one
 * update, and every path below it follows. Nodes are in an open hash table keyed by the
 * source's bytes (a file handle with its fsid, an inotify watch descriptor) and in their
 * parent's child list (for moves and removals of whole subtrees). Owned by the watcher
 * thread (built on the main thread before it starts). */
#include "watch_int.h"

#include <string.h>

#include "sw/alloc.h"

#define MIN_BUCKETS 1024u

struct dt_node {
    struct dt_node *parent;   /* borrowed; NULL for a root */
    struct dt_node *child;    /* first child */
    struct dt_node *sibling;  /* next child of parent */
    struct dt_node *hnext;    /* hash chain */
    char *name;               /* owned: a root's absolute path, else one component */
    void *data;               /* the source's: an inotify watch's flags, ... */
    uint32_t gen;             /* last walk that saw it */
    uint32_t klen;
    uint64_t hash;
    uint8_t key[];            /* klen bytes */
};

struct dt {
    struct dt_node **bucket; /* owned */
    size_t n_buckets, n, max;
};

static uint64_t
key_hash(const uint8_t *k, size_t n)
{
    uint64_t h = 1469598103934665603ull; /* FNV-1a: keys are ours, not attacker-chosen */

    for (size_t i = 0; i < n; i++)
        h = (h ^ k[i]) * 1099511628211ull;
    return h;
}

struct dt *
dt_create(size_t max_nodes)
{
    struct dt *t = sw_calloc(1, sizeof(*t));

    if (t == NULL)
        return NULL;
    t->bucket = sw_calloc(MIN_BUCKETS, sizeof(*t->bucket));
    if (t->bucket == NULL) {
        sw_free(t);
        return NULL;
    }
    t->n_buckets = MIN_BUCKETS;
    t->max = max_nodes;
    return t;
}

static void
node_free(struct dt_node *n)
{
    sw_free(n->name);
    sw_free(n);
}

void
dt_destroy(struct dt *t)
{
    if (t == NULL)
        return;
    for (size_t i = 0; i < t->n_buckets; i++) {
        struct dt_node *n = t->bucket[i], *next;

        for (; n != NULL; n = next) {
            next = n->hnext;
            node_free(n);
        }
    }
    sw_free(t->bucket);
    sw_free(t);
}

size_t
dt_count(const struct dt *t)
{
    return t->n;
}

struct dt_node *
dt_find(const struct dt *t, const void *key, size_t klen)
{
    uint64_t h = key_hash(key, klen);

    for (struct dt_node *n = t->bucket[h & (t->n_buckets - 1)]; n != NULL; n = n->hnext)
        if (n->hash == h && n->klen == klen && memcmp(n->key, key, klen) == 0)
            return n;
    return NULL;
}

static void
grow(struct dt *t)
{
    size_t nb = t->n_buckets * 2;
    struct dt_node **b = sw_calloc(nb, sizeof(*b));

    if (b == NULL)
        return; /* longer chains, still correct */
    for (size_t i = 0; i < t->n_buckets; i++) {
        struct dt_node *n = t->bucket[i], *next;

        for (; n != NULL; n = next) {
            next = n->hnext;
            n->hnext = b[n->hash & (nb - 1)];
            b[n->hash & (nb - 1)] = n;
        }
    }
    sw_free(t->bucket);
    t->bucket = b;
    t->n_buckets = nb;
}

static void
unlink_child(struct dt_node *n)
{
    struct dt_node **pp;

    if (n->parent == NULL)
        return;
    for (pp = &n->parent->child; *pp != NULL; pp = &(*pp)->sibling)
        if (*pp == n) {
            *pp = n->sibling;
            break;
        }
    n->parent = NULL;
    n->sibling = NULL;
}

static void
link_child(struct dt_node *parent, struct dt_node *n)
{
    n->parent = parent;
    if (parent != NULL) {
        n->sibling = parent->child;
        parent->child = n;
    }
}

enum sw_rc
dt_put(struct dt *t, const void *key, size_t klen, struct dt_node *parent, const char *name,
       uint32_t gen, struct dt_node **out)
{
    struct dt_node *n = dt_find(t, key, klen);
    char *nm;

    /* A known key: the directory may have been renamed or moved meanwhile (a rescan after
     * an overflow finds it under its new name). */
    if (n != NULL) {
        n->gen = gen;
        if (n->parent != parent || strcmp(n->name, name) != 0) {
            nm = sw_strdup(name);
            if (nm == NULL)
                return SW_ENOMEM;
            sw_free(n->name);
            n->name = nm;
            unlink_child(n);
            link_child(parent, n);
        }
        *out = n;
        return SW_OK;
    }
    if (t->n >= t->max)
        return SW_ELIMIT;
    n = sw_calloc(1, sizeof(*n) + klen);
    if (n == NULL)
        return SW_ENOMEM;
    n->name = sw_strdup(name);
    if (n->name == NULL) {
        sw_free(n);
        return SW_ENOMEM;
    }
    memcpy(n->key, key, klen);
    n->klen = (uint32_t)klen;
    n->hash = key_hash(key, klen);
    n->gen = gen;
    link_child(parent, n);
    if (t->n + 1 > t->n_buckets)
        grow(t);
    n->hnext = t->bucket[n->hash & (t->n_buckets - 1)];
    t->bucket[n->hash & (t->n_buckets - 1)] = n;
    t->n++;
    *out = n;
    return SW_OK;
}

enum sw_rc
dt_move(struct dt_node *n, struct dt_node *parent, const char *name)
{
    char *nm = sw_strdup(name);

    if (nm == NULL)
        return SW_ENOMEM;
    sw_free(n->name);
    n->name = nm;
    unlink_child(n);
    link_child(parent, n);
    return SW_OK;
}

struct dt_node *
dt_child(const struct dt_node *parent, const char *name)
{
    for (struct dt_node *c = parent->child; c != NULL; c = c->sibling)
        if (strcmp(c->name, name) == 0)
            return c;
    return NULL;
}

static void
hash_unlink(struct dt *t, struct dt_node *n)
{
    struct dt_node **pp = &t->bucket[n->hash & (t->n_buckets - 1)];

    for (; *pp != NULL; pp = &(*pp)->hnext)
        if (*pp == n) {
            *pp = n->hnext;
            t->n--;
            return;
        }
}

void
dt_remove(struct dt *t, struct dt_node *n, dt_visit_fn fn, void *ctx)
{
    struct dt_node *c = n;

    /* Leaves first, iteratively: a deep tree must not recurse on the stack. Descending
     * always through ->child makes every node freed its parent's first child. */
    unlink_child(n);
    for (;;) {
        struct dt_node *p;
        bool last;

        while (c->child != NULL)
            c = c->child;
        p = c->parent;
        last = c == n;
        unlink_child(c);
        if (fn != NULL)
            fn(ctx, c);
        hash_unlink(t, c);
        node_free(c);
        if (last)
            return;
        c = p;
    }
}

/* The node after c's subtree in a pre-order walk of root's subtree, or NULL. */
static struct dt_node *
skip(struct dt_node *c, const struct dt_node *root)
{
    for (; c != root; c = c->parent)
        if (c->sibling != NULL)
            return c->sibling;
    return NULL;
}

void
dt_sweep(struct dt *t, struct dt_node *root, uint32_t gen, dt_visit_fn fn, void *ctx)
{
    struct dt_node *c = root->child;

    while (c != NULL) {
        if (c->gen != gen) {
            struct dt_node *next = skip(c, root);

            dt_remove(t, c, fn, ctx);
            c = next;
        } else if (c->child != NULL) {
            c = c->child;
        } else {
            c = skip(c, root);
        }
    }
}

bool
dt_path(const struct dt_node *n, const char *name, char *buf, size_t len)
{
    const struct dt_node *chain[PATH_MAX / 2];
    size_t depth = 0, off = 0;

    for (; n != NULL; n = n->parent) {
        if (depth == sizeof(chain) / sizeof(chain[0]))
            return false;
        chain[depth++] = n;
    }
    if (depth == 0 || chain[depth - 1]->name[0] != '/')
        return false; /* not below a root: a directory moved out of the watched trees */
    for (size_t i = depth; i-- > 0;) {
        const char *nm = chain[i]->name;
        size_t l = strlen(nm);
        size_t sep = (i + 1 == depth) ? 0 : (off > 0 && buf[off - 1] == '/' ? 0 : 1);

        if (off + sep + l + 1 > len)
            return false;
        if (sep)
            buf[off++] = '/';
        memcpy(buf + off, nm, l);
        off += l;
    }
    if (name != NULL && name[0] != '\0' && strcmp(name, ".") != 0) {
        size_t l = strlen(name), sep = buf[off - 1] == '/' ? 0 : 1;

        if (off + sep + l + 1 > len)
            return false;
        if (sep)
            buf[off++] = '/';
        memcpy(buf + off, name, l);
        off += l;
    }
    buf[off] = '\0';
    return true;
}

bool
dt_is_root(const struct dt_node *n)
{
    return n->parent == NULL && n->name[0] == '/';
}

void *
dt_data(const struct dt_node *n)
{
    return n->data;
}

void
dt_set_data(struct dt_node *n, void *data)
{
    n->data = data;
}

const void *
dt_key(const struct dt_node *n, size_t *klen)
{
    *klen = n->klen;
    return n->key;
}

struct dt_node *
dt_parent(const struct dt_node *n)
{
    return n->parent;
}
