/* sig_load_mt.c - parsing a folder's rule files on two threads (include/sw/sig.h).
 *
 * Parsing is most of a large set's start-up (ET Open: ~0.75 G instructions of the loading
 * thread's ~1.2 G), and the files are independent but for what the loader numbers or loads
 * as it goes: flowbit names, pcre pattern ids, datasets, the nDPI module. So each file is
 * parsed into a private loader of its own (its own rules, messages, counts, flowbit names and
 * pattern ids from 0), the files shared out between the loading thread and one more thread
 * by size before either starts, and after both are done the loading thread merges the files
 * in walk order: messages replayed in order, counts added, flowbit names registered in the
 * order of the files (the order a one-by-one load registers them in) and the rules' ids
 * moved onto them, pattern ids moved past the earlier files' patterns. The result does not
 * depend on which thread parsed what or when. A file with a keyword that loads shared state
 * (dataset, filemd5, ndpi-*) stops its private parse and is parsed again in its place by the
 * loading thread, straight into the set's loader.
 *
 * Threads: nothing is written by both. Each thread writes only the files given to it and
 * reads the loader's options, classes and base folder, which nothing writes until they are
 * joined; each has its own address-variable resolver (sig_vars memoizes). */
#include "sig_int.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sw/alloc.h"

struct pmsg {
    enum sw_sig_diag kind;
    char *text; /* owned */
};

/* One file's private parse. */
struct pfile {
    uint8_t parser;               /* the thread that parsed it (struct pthr id) */
    struct sig_loader L;          /* its rules, left-out tally, flowbit names, pattern count */
    struct sw_sig_load_stats st;
    struct sw_sig_load_opts o;    /* the caller's, with report buffered into msgs */
    struct pmsg *msgs;            /* owned, in the order they were reported */
    size_t n_msgs, cap_msgs;
};

/* What one thread parses. */
struct pthr {
    const struct sig_loader *G;   /* read only while the threads run */
    const struct sig_wentry *w;
    struct pfile *pf;             /* indexed like w; this thread writes only its own */
    uint8_t id;                   /* 0: the loading thread */
    size_t *idx;                  /* borrowed: the files of this thread */
    size_t n_idx;
    struct sig_vars *vars;        /* borrowed: this thread's resolver */
    struct sig_scratch scr;       /* owned: this thread's buffers */
    struct sig_pcview *pcv;       /* this thread's cached patterns (borrowed for the
                                   * loading thread, owned for the other) or NULL */
};

static void
buffer_report(void *ctx, enum sw_sig_diag kind, const char *msg)
{
    struct pfile *f = ctx;

    if (f->n_msgs == f->cap_msgs) {
        size_t nc = f->cap_msgs ? f->cap_msgs * 2 : 16;
        struct pmsg *nm = sw_realloc(f->msgs, nc * sizeof(*nm));

        if (nm == NULL) {
            f->L.oom = true; /* a message lost would be a silent difference: fail the load */
            return;
        }
        f->msgs = nm;
        f->cap_msgs = nc;
    }
    f->msgs[f->n_msgs].kind = kind;
    f->msgs[f->n_msgs].text = sw_strdup(msg);
    if (f->msgs[f->n_msgs].text == NULL) {
        f->L.oom = true;
        return;
    }
    f->n_msgs++;
}

static void
pfile_parse(struct pthr *t, size_t i)
{
    struct pfile *f = &t->pf[i];

    f->o = *t->G->o;
    if (f->o.report != NULL) {
        f->o.report = buffer_report;
        f->o.ctx = f;
    }
    f->L.o = &f->o;
    f->L.st = &f->st;
    f->L.vars = t->vars;
    f->L.base_dir = t->G->base_dir;
    f->L.classes = t->G->classes;
    f->L.n_classes = t->G->n_classes;
    f->L.worker = true;
    f->parser = t->id;
    f->L.scr = &t->scr;
    f->L.pcv = t->pcv;
    f->L.pc_keep = t->G->pc_keep;
    sig_load_file(&f->L, t->w[i].path);
}

/* Free what the private parse still owns (the rules once merged are the set's). */
static void
pfile_fini(struct pfile *f)
{
    for (size_t i = 0; i < f->n_msgs; i++)
        sw_free(f->msgs[i].text);
    sw_free(f->msgs);
    for (size_t i = 0; i < f->L.n_fb; i++)
        sw_free(f->L.fb_names[i]);
    sw_free(f->L.fb_names);
    for (size_t i = 0; i < f->L.n_rules; i++)
        sig_rule_free(f->L.rules[i]);
    sw_free(f->L.rules);
    sig_names_fini(&f->L.files); /* after the rules that borrow them */
    sw_free(f->L.lo);
    memset(f, 0, sizeof(*f));
}

static void *
pthr_run(void *arg)
{
    struct pthr *t = arg;

    for (size_t k = 0; k < t->n_idx; k++)
        pfile_parse(t, t->idx[k]);
    return NULL;
}

/* Move f's rules into G, after what is there. */
static void
merge(struct sig_loader *G, struct pfile *f)
{
    uint32_t *map = NULL;
    uint32_t pcre_off = (uint32_t)G->n_pcre;

    for (size_t i = 0; i < f->n_msgs && G->o->report != NULL; i++)
        G->o->report(G->o->ctx, f->msgs[i].kind, f->msgs[i].text);
    G->st->files += f->st.files;
    G->st->files_failed += f->st.files_failed;
    G->st->failed += f->st.failed;
    G->st->left_out += f->st.left_out;
    G->st->warnings += f->st.warnings;
    G->st->patterns_cached += f->st.patterns_cached;
    G->st->patterns_compiled += f->st.patterns_compiled;
    for (size_t i = 0; i < f->L.n_lo; i++)
        sig_left_out_add(G, f->L.lo[i].kw, f->L.lo[i].n);
    if (f->L.oom) {
        G->oom = true;
        return;
    }
    /* flowbit names in the file's first-seen order: the order a one-by-one load gives */
    if (f->L.n_fb > 0) {
        map = sw_malloc(f->L.n_fb * sizeof(*map));
        if (map == NULL) {
            G->oom = true;
            return;
        }
        for (size_t i = 0; i < f->L.n_fb; i++) {
            map[i] = sig_fb_id(G, f->L.fb_names[i]);
            if (map[i] == UINT32_MAX) {
                G->oom = true;
                sw_free(map);
                return;
            }
        }
    }
    if (!sig_names_move(&G->files, &f->L.files)) {
        G->oom = true;
        sw_free(map);
        return;
    }
    G->n_pcre += f->L.n_pcre;
    if (G->cap_rules < G->n_rules + f->L.n_rules) {
        size_t nc = G->cap_rules ? G->cap_rules : 256;
        struct sig_rule **nr;

        while (nc < G->n_rules + f->L.n_rules)
            nc *= 2;
        nr = sw_realloc(G->rules, nc * sizeof(*nr));
        if (nr == NULL) {
            G->oom = true;
            sw_free(map);
            return;
        }
        G->rules = nr;
        G->cap_rules = nc;
    }
    for (size_t i = 0; i < f->L.n_rules; i++) {
        struct sig_rule *r = f->L.rules[i];

        for (size_t j = 0; j < r->n_fb; j++)
            for (size_t k = 0; k < r->fb[j].n; k++)
                r->fb[j].ids[k] = map[r->fb[j].ids[k]];
        for (size_t j = 0; j < r->n_lists; j++)
            for (size_t k = 0; k < r->lists[j].n; k++)
                if (r->lists[j].sm[k].type == SIG_SM_PCRE)
                    sig_pcre_rebase(r->lists[j].sm[k].ctx, pcre_off);
        r->parser = f->parser;
        G->rules[G->n_rules++] = r;
    }
    f->L.n_rules = 0; /* G's now */
    sw_free(map);
}

struct by_size {
    uint64_t size;
    size_t i;
};

static int
size_desc(const void *a, const void *b)
{
    const struct by_size *x = a, *y = b;

    if (x->size != y->size)
        return x->size > y->size ? -1 : 1;
    return x->i < y->i ? -1 : x->i > y->i;
}

void
sig_load_files(struct sig_loader *G, const struct sig_wentry *w, size_t n)
{
    struct pfile *pf = sw_calloc(n ? n : 1, sizeof(*pf));
    struct by_size *order = sw_malloc((n ? n : 1) * sizeof(*order));
    size_t *part[2] = {NULL, NULL};
    struct pthr t[2];
    struct sig_vars *vars2 = NULL;
    pthread_t tid;
    bool started = false;
    uint64_t load[2] = {0, 0};
    char msg[256];

    memset(t, 0, sizeof(t));
    part[0] = sw_malloc((n ? n : 1) * sizeof(size_t));
    part[1] = sw_malloc((n ? n : 1) * sizeof(size_t));
    if (pf == NULL || order == NULL || part[0] == NULL || part[1] == NULL) {
        G->oom = true;
        goto out;
    }
    /* Largest first, each to the thread with less so far: the two finish close together. */
    for (size_t i = 0; i < n; i++) {
        order[i].size = w[i].size;
        order[i].i = i;
    }
    if (n > 1)
        qsort(order, n, sizeof(*order), size_desc);
    for (size_t k = 0; k < n; k++) {
        size_t i = order[k].i;
        int to = load[1] < load[0];

        if (w[i].err != NULL)
            continue;
        part[to][t[to].n_idx++] = i;
        load[to] += w[i].size + 1;
    }
    for (int k = 0; k < 2; k++) {
        t[k].G = G;
        t[k].id = (uint8_t)k;
        t[k].w = w;
        t[k].pf = pf;
        t[k].idx = part[k];
        t[k].vars = G->vars;
    }
    t[0].pcv = G->pcv;
    /* the other thread decodes the patterns it needs itself (sig_pcre_cache.c) */
    t[1].pcv = sig_pcview_create(G->pc);
    if (t[1].n_idx > 0) {
        vars2 = sig_vars_create(G->o->cfg, msg, sizeof(msg)); /* as G's was: no error */
        if (vars2 != NULL) {
            t[1].vars = vars2;
            started = pthread_create(&tid, NULL, pthr_run, &t[1]) == 0;
        }
    }
    pthr_run(&t[0]);
    if (started)
        pthread_join(tid, NULL);
    else
        pthr_run(&t[1]); /* no second thread: this one parses all, the same way */
    for (size_t i = 0; i < n && !G->oom; i++) {
        if (w[i].err != NULL) {
            G->st->files_failed++;
            if (G->o->report != NULL)
                G->o->report(G->o->ctx, SW_SIG_DIAG_ERROR, w[i].err);
            continue;
        }
        if (pf[i].L.needs_main) {
            pfile_fini(&pf[i]);
            sig_load_file(G, w[i].path);
            continue;
        }
        merge(G, &pf[i]);
    }
out:
    for (size_t i = 0; pf != NULL && i < n; i++)
        pfile_fini(&pf[i]);
    sig_scratch_fini(&t[0].scr);
    sig_scratch_fini(&t[1].scr);
    sig_vars_destroy(vars2);
    sig_pcview_destroy(t[1].pcv); /* joined: its codes' tables are this thread's now */
    sw_free(part[0]);
    sw_free(part[1]);
    sw_free(order);
    sw_free(pf);
}
