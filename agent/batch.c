/* batch.c - plumbing of the offline tree-walking commands (see include/sw/batch.h). */
#include "sw/batch.h"

#include <stdint.h>
#include <unistd.h>

#include "sw/alloc.h"
#include "sw/eve.h"
#include "sw/log.h"
#include "sw/sink.h"

struct sw_router *
sw_batch_router_create(const char *out, const char *host, bool follow, struct sw_err *err)
{
    struct sw_cfg_sink sc = {
        .type = (char *)(uintptr_t) "file",
        .path = (char *)(uintptr_t)(out != NULL ? out : "-"),
        .types = SW_EV_ALL,
        .truncate = true,
        .follow = follow,
    };
    struct sw_eve_cfg eve = {.host = host};
    struct sw_sink **sinks = sw_calloc(1, sizeof(*sinks)); /* the router takes it */

    if (sinks == NULL) {
        sw_err_set(err, SW_ENOMEM, "output: out of memory");
        return NULL;
    }
    sinks[0] = sw_sink_create(&sc, NULL, err);
    if (sinks[0] == NULL) {
        sw_free(sinks);
        return NULL;
    }
    return sw_router_create(&eve, NULL, sinks, 1, true, err);
}

bool
sw_batch_exclude_add(struct sw_batch_excludes *x, const char *glob)
{
    if (x->n >= SW_BATCH_MAX_EXCLUDES) {
        sw_log_error("--exclude: more than %d globs", SW_BATCH_MAX_EXCLUDES);
        return false;
    }
    x->v[x->n++] = glob;
    return true;
}

unsigned
sw_batch_threads(unsigned max)
{
    long n = sysconf(_SC_NPROCESSORS_ONLN);

    if (n < 1)
        return 1;
    return n > (long)max ? max : (unsigned)n;
}

const char **
sw_batch_globs(const struct sw_config *cfg, const char *const *extra, size_t n_extra, size_t *n)
{
    const char **globs = sw_calloc(cfg->files.exclude.n + n_extra + 1, sizeof(*globs));

    *n = 0;
    if (globs == NULL)
        return NULL;
    for (size_t i = 0; i < cfg->files.exclude.n; i++)
        globs[(*n)++] = cfg->files.exclude.v[i];
    for (size_t i = 0; i < n_extra; i++)
        globs[(*n)++] = extra[i];
    return globs;
}

enum sw_rc
sw_batch_queue_init(struct sw_batch_queue *q, size_t cap, struct sw_err *err)
{
    *q = (struct sw_batch_queue){0};
    q->slot = sw_calloc(cap, sizeof(*q->slot));
    if (q->slot == NULL)
        return sw_err_set(err, SW_ENOMEM, "queue: out of memory");
    q->cap = cap;
    pthread_mutex_init(&q->mu, NULL);
    pthread_cond_init(&q->not_empty, NULL);
    pthread_cond_init(&q->not_full, NULL);
    return SW_OK;
}

void
sw_batch_queue_fini(struct sw_batch_queue *q)
{
    if (q == NULL || q->slot == NULL)
        return;
    sw_free(q->slot);
    q->slot = NULL;
    pthread_mutex_destroy(&q->mu);
    pthread_cond_destroy(&q->not_empty);
    pthread_cond_destroy(&q->not_full);
}

void
sw_batch_queue_push(struct sw_batch_queue *q, void *item)
{
    pthread_mutex_lock(&q->mu);
    while (q->count == q->cap)
        pthread_cond_wait(&q->not_full, &q->mu);
    q->slot[(q->head + q->count) % q->cap] = item;
    q->count++;
    pthread_cond_signal(&q->not_empty);
    pthread_mutex_unlock(&q->mu);
}

void *
sw_batch_queue_pop(struct sw_batch_queue *q)
{
    void *item = NULL;

    pthread_mutex_lock(&q->mu);
    while (q->count == 0 && !q->closed)
        pthread_cond_wait(&q->not_empty, &q->mu);
    if (q->count > 0) {
        item = q->slot[q->head];
        q->head = (q->head + 1) % q->cap;
        q->count--;
        pthread_cond_signal(&q->not_full);
    }
    pthread_mutex_unlock(&q->mu);
    return item;
}

void
sw_batch_queue_close(struct sw_batch_queue *q)
{
    pthread_mutex_lock(&q->mu);
    q->closed = true;
    pthread_cond_broadcast(&q->not_empty);
    pthread_mutex_unlock(&q->mu);
}
