/* sig_dataset.c - the dataset keyword: dataset:isset|isnotset,NAME[, type T][, load FILE]
 * [, memcap M][, hashsize H]. Lists are Suricata dataset files read by rules/dataset.c (the
 * loader the host side's IOC lists use), relative to the rules folder; one set per name,
 * shared by every rule that names it. The keyword looks up the whole current sticky buffer:
 * string sets the bytes as they are, md5/sha256 sets the raw digest or its hex text, ipv4/ip
 * sets an address written as text. set, unset and state/save (sets that rules write) are not
 * supported (left out). Loading thread only; the sets are immutable afterwards. */
#include "sig_int.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "sw/alloc.h"
#include "sw/dataset.h"

static void
ds_report(void *ctx, bool warning, const char *msg)
{
    struct sig_loader *L = ctx;

    /* a bad line of a list leaves that value out, not the rule: a warning either way */
    (void)warning;
    sig_report(L, true, "%s", msg);
}

void
sig_datasets_fini(struct sig_loader *L)
{
    for (size_t i = 0; i < L->n_ds; i++) {
        sw_free(L->ds[i].name);
        sw_dataset_destroy(L->ds[i].set);
    }
    sw_free(L->ds);
    L->ds = NULL;
    L->n_ds = 0;
}

static struct sig_dsent *
ds_find(struct sig_loader *L, const char *name)
{
    for (size_t i = 0; i < L->n_ds; i++)
        if (strcmp(L->ds[i].name, name) == 0)
            return &L->ds[i];
    return NULL;
}

enum sig_prc
sig_kw_dataset(struct sig_loader *L, struct sig_pstate *ps, const struct sig_opt *o)
{
    char buf[1024], *save = NULL, *tok, *name = NULL, *load = NULL;
    int type = -1, field = 0;
    bool negated = false;
    struct sig_dsent *e;
    struct sig_dataset_ref *ref;

    if (ps->cur == NULL)
        return sig_fail(L, "only after a sticky buffer (dns.query, http.host, tls.sni, ...)");
    if (o->value == NULL || o->value[0] == '\0')
        return sig_fail(L, "needs a value");
    if (snprintf(buf, sizeof(buf), "%s", o->value) >= (int)sizeof(buf))
        return sig_fail(L, "value too long");
    for (tok = strtok_r(buf, ",", &save); tok != NULL; tok = strtok_r(NULL, ",", &save), field++) {
        char *v;
        size_t n;

        while (isspace((unsigned char)*tok))
            tok++;
        n = strlen(tok);
        while (n > 0 && isspace((unsigned char)tok[n - 1]))
            tok[--n] = '\0';
        if (field == 0) {
            if (strcmp(tok, "isset") == 0)
                negated = false;
            else if (strcmp(tok, "isnotset") == 0)
                negated = true;
            else if (strcmp(tok, "set") == 0 || strcmp(tok, "unset") == 0)
                return sig_unsupported(L, "dataset set/unset");
            else
                return sig_fail(L, "'%.20s' is not isset or isnotset", tok);
            continue;
        }
        if (field == 1) {
            if (*tok == '\0')
                return sig_fail(L, "needs a set name");
            name = tok;
            continue;
        }
        v = strchr(tok, ' ');
        if (v == NULL)
            return sig_fail(L, "'%.30s' is not 'key value'", tok);
        *v++ = '\0';
        while (isspace((unsigned char)*v))
            v++;
        if (strcmp(tok, "type") == 0) {
            enum sw_dataset_type t;

            if (sw_dataset_type_parse(v, &t) != SW_OK)
                return sig_fail(L, "'%.20s' is not string, md5, sha256, ipv4 or ip", v);
            type = (int)t;
        } else if (strcmp(tok, "load") == 0) {
            load = v;
            n = strlen(load);
            if (n >= 2 && load[0] == '"' && load[n - 1] == '"') {
                load[n - 1] = '\0';
                load++;
            }
        } else if (strcmp(tok, "state") == 0 || strcmp(tok, "save") == 0) {
            return sig_unsupported(L, "dataset state/save");
        } else if (strcmp(tok, "memcap") == 0 || strcmp(tok, "hashsize") == 0) {
            continue; /* seawall's loader has its own limits (SW_DATASET_MAX_*) */
        } else if (strcmp(tok, "format") == 0 || strcmp(tok, "enrichment_key") == 0 ||
                   strcmp(tok, "context_key") == 0 || strcmp(tok, "value_key") == 0 ||
                   strcmp(tok, "array_key") == 0) {
            return sig_unsupported(L, "dataset json formats");
        } else {
            return sig_fail(L, "unknown option '%.20s'", tok);
        }
    }
    if (name == NULL)
        return sig_fail(L, "needs a set name");
    e = ds_find(L, name);
    if (e != NULL) {
        if (type >= 0 && type != e->type)
            return sig_fail(L, "set '%.40s' was loaded as %s", name,
                            sw_dataset_type_name((enum sw_dataset_type)e->type));
    } else {
        char path[4096];
        struct sw_dataset_stats dst;
        struct sw_err err;
        struct sig_dsent *nd;
        struct sw_dataset *set;

        if (type < 0 || load == NULL)
            return sig_fail(L, "set '%.40s' first seen: needs type and load", name);
        if (load[0] == '/')
            snprintf(path, sizeof(path), "%s", load);
        else if (snprintf(path, sizeof(path), "%s/%s", L->base_dir != NULL ? L->base_dir : ".",
                          load) >= (int)sizeof(path))
            return sig_fail(L, "path too long");
        set = sw_dataset_load(path, (enum sw_dataset_type)type, ds_report, L, &dst, &err);
        if (set == NULL)
            return sig_fail(L, "%s", err.msg);
        nd = sw_realloc(L->ds, (L->n_ds + 1) * sizeof(*nd));
        if (nd == NULL) {
            sw_dataset_destroy(set);
            L->oom = true;
            return sig_fail(L, "out of memory");
        }
        L->ds = nd;
        e = &L->ds[L->n_ds];
        e->name = sw_strdup(name);
        if (e->name == NULL) {
            sw_dataset_destroy(set);
            L->oom = true;
            return sig_fail(L, "out of memory");
        }
        e->type = type;
        e->set = set;
        L->n_ds++;
    }
    ref = sw_calloc(1, sizeof(*ref));
    if (ref == NULL) {
        L->oom = true;
        return sig_fail(L, "out of memory");
    }
    ref->set = e->set; /* the table may move; the set does not */
    ref->negated = negated;
    if (!sig_list_add(L, ps, ps->cur, SIG_SM_DATASET, ref)) {
        sw_free(ref);
        return SIG_PARSE_FAIL;
    }
    return SIG_PARSE_OK;
}

/* Is the buffer in the set? */
bool
sig_dataset_match(const struct sig_dataset_ref *ref, const uint8_t *buf, size_t len)
{
    const struct sw_dataset *d = ref->set;
    uint8_t key[32];
    char txt[64];
    bool hit = false;

    switch (sw_dataset_type_of(d)) {
    case SW_DATASET_STRING:
        hit = sw_dataset_lookup(d, buf, len, NULL);
        break;
    case SW_DATASET_MD5:
    case SW_DATASET_SHA256: {
        size_t raw = sw_dataset_type_of(d) == SW_DATASET_MD5 ? 16 : 32;

        if (len == raw)
            hit = sw_dataset_lookup(d, buf, len, NULL);
        else if (len == raw * 2 && sw_dataset_unhex((const char *)buf, len, key))
            hit = sw_dataset_lookup(d, key, raw, NULL);
        break;
    }
    case SW_DATASET_IPV4:
    case SW_DATASET_IP:
        if (len == 0 || len >= sizeof(txt))
            break;
        memcpy(txt, buf, len);
        txt[len] = '\0';
        if (inet_pton(AF_INET, txt, key) == 1) {
            if (sw_dataset_type_of(d) == SW_DATASET_IPV4) {
                hit = sw_dataset_lookup(d, key, 4, NULL);
            } else {
                uint8_t m[16] = {0};

                m[10] = m[11] = 0xff;
                memcpy(m + 12, key, 4);
                hit = sw_dataset_lookup(d, m, 16, NULL);
            }
        } else if (sw_dataset_type_of(d) == SW_DATASET_IP && inet_pton(AF_INET6, txt, key) == 1) {
            hit = sw_dataset_lookup(d, key, 16, NULL);
        }
        break;
    }
    return hit != ref->negated;
}
