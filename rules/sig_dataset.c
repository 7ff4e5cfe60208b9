/* sig_dataset.c - the dataset keyword: dataset:isset|isnotset,NAME[, type T][, load FILE]
 * [, memcap M][, hashsize H]. Lists are Suricata dataset files read by rules/dataset.c (the
 * loader the host side's IOC lists use), relative to the rules folder; one set per name,
 * shared by every rule that names it. The keyword looks up the whole current sticky buffer:
 * string sets the bytes as they are, md5/sha256 sets the raw digest or its hex text, ipv4/ip
 * sets an address written as text, except after ip.src / ip.dst, whose buffers are the raw
 * 4 or 16 address bytes, looked up as Suricata does: an ipv4 set takes IPv4 packets only; an
 * ip set takes both, an IPv4 address found as the same address in the list, written
 * "a.b.c.d" or "::ffff:a.b.c.d". set, unset and state/save (sets that rules write) are not
 * supported (left out).
 *
 * filemd5 / filesha256:[!]LIST are Suricata's file hash keywords: LIST (relative to the
 * rules folder, else to the rule file's folder, as Suricata tries default-rule-path then
 * the rule file's directory) holds one digest a line in Suricata's format: the line's
 * leading run of hex digits is the digest and must be exactly 32 (md5) or 64 (sha256) long,
 * whatever follows is ignored (md5sum / sha256sum output works), a line that does not start
 * with a hex digit is skipped (blank, '#' comment). A line of the wrong length fails the rule
 * as it does in Suricata ("LIST:N: ..."). The digests become a dataset of the same type, so
 * the lookup is the dataset's; the rule inspects the digest of a whole file (the matcher's
 * SW_SIG_BUF_FILE_* buffers, given only for a complete body); '!' matches a whole file
 * whose digest is not listed. Loading thread only; the sets are immutable afterwards. */
#include "sig_int.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

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

/* Register set under name in the loader's table (which owns it from here, failures too). */
static struct sig_dsent *
ds_add(struct sig_loader *L, const char *name, int type, struct sw_dataset *set)
{
    struct sig_dsent *nd = sw_realloc(L->ds, (L->n_ds + 1) * sizeof(*nd));
    struct sig_dsent *e;

    if (nd == NULL) {
        sw_dataset_destroy(set);
        L->oom = true;
        return NULL;
    }
    L->ds = nd;
    e = &L->ds[L->n_ds];
    e->name = sw_strdup(name);
    if (e->name == NULL) {
        sw_dataset_destroy(set);
        L->oom = true;
        return NULL;
    }
    e->type = type;
    e->set = set;
    L->n_ds++;
    return e;
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
        e = ds_add(L, name, type, set);
        if (e == NULL)
            return sig_fail(L, "out of memory");
    }
    ref = sw_calloc(1, sizeof(*ref));
    if (ref == NULL) {
        L->oom = true;
        return sig_fail(L, "out of memory");
    }
    ref->set = e->set; /* the table may move; the set does not */
    ref->negated = negated;
    ref->raw = sig_buf_is_ip(ps->cur->buf);
    if (!sig_list_add(L, ps, ps->cur, SIG_SM_DATASET, ref)) {
        sw_free(ref);
        return SIG_PARSE_FAIL;
    }
    return SIG_PARSE_OK;
}

/* Read path whole (a regular file of at most SW_DATASET_MAX_FILE bytes) into *out (caller
 * frees), NUL-terminated. false with errno-style message in msg. */
static bool
read_list(const char *path, char **out, size_t *len, char *msg, size_t msglen)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
    struct stat sb;
    char *buf = NULL;
    size_t got = 0;

    if (fd == -1) {
        snprintf(msg, msglen, "%.400s: %s", path, strerror(errno));
        return false;
    }
    if (fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode)) {
        snprintf(msg, msglen, "%.400s: not a regular file", path);
        goto fail;
    }
    if ((uint64_t)sb.st_size > SW_DATASET_MAX_FILE) {
        snprintf(msg, msglen, "%.400s: larger than %u bytes", path, SW_DATASET_MAX_FILE);
        goto fail;
    }
    buf = sw_malloc((size_t)sb.st_size + 1);
    if (buf == NULL) {
        snprintf(msg, msglen, "%.400s: out of memory", path);
        goto fail;
    }
    while (got < (size_t)sb.st_size) { /* a file that shrinks is read as far as it goes */
        ssize_t r = read(fd, buf + got, (size_t)sb.st_size - got);

        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0) {
            snprintf(msg, msglen, "%.400s: %s", path, strerror(errno));
            goto fail;
        }
        if (r == 0)
            break;
        got += (size_t)r;
    }
    close(fd);
    buf[got] = '\0';
    *out = buf;
    *len = got;
    return true;
fail:
    sw_free(buf);
    close(fd);
    return false;
}

/* Suricata's hash list text[0, len) as dataset text, line for line (so that line numbers
 * stay): each digest line's digest, an empty line for every skipped one. Writes into out
 * (len + 1 bytes suffice). false with msg naming the bad line. */
static bool
hashlist_to_dataset(const char *path, const char *text, size_t len, size_t want, char *out,
                    size_t *olen, char *msg, size_t msglen)
{
    size_t pos = 0, o = 0;
    unsigned line = 0;

    while (pos < len) {
        const char *nl = memchr(text + pos, '\n', len - pos);
        size_t end = nl != NULL ? (size_t)(nl - text) : len, hex = 0;

        line++;
        while (pos + hex < end && isxdigit((unsigned char)text[pos + hex]))
            hex++;
        if (hex != 0 && hex != want) {
            snprintf(msg, msglen, "%.400s:%u: a digest of %zu hex digits, not %zu", path, line, want,
                     hex);
            return false;
        }
        memcpy(out + o, text + pos, hex);
        o += hex;
        out[o++] = '\n';
        pos = end + 1;
    }
    *olen = o;
    return true;
}

enum sig_prc
sig_kw_filehash(struct sig_loader *L, struct sig_pstate *ps, const struct sig_opt *o)
{
    const struct sig_keyword *k = ps->kw;
    enum sw_sig_buf b = (enum sw_sig_buf)k->buf;
    bool md5 = b == SW_SIG_BUF_FILE_MD5;
    enum sw_dataset_type type = md5 ? SW_DATASET_MD5 : SW_DATASET_SHA256;
    char path[4096], key[4200], msg[512];
    char *text = NULL, *conv = NULL;
    size_t len = 0, clen = 0;
    struct sig_dsent *e;
    struct sig_dataset_ref *ref;
    struct sig_list *l;

    if (o->value == NULL || o->value[0] == '\0')
        return sig_fail(L, "needs a list file");
    if (o->value[0] == '/') {
        snprintf(path, sizeof(path), "%s", o->value);
    } else if (snprintf(path, sizeof(path), "%s/%s", L->base_dir != NULL ? L->base_dir : ".",
                        o->value) >= (int)sizeof(path)) {
        return sig_fail(L, "path too long");
    } else if (access(path, F_OK) != 0 && L->file != NULL && strchr(L->file, '/') != NULL) {
        /* Suricata's second try: beside the rule file */
        int dl = (int)(strrchr(L->file, '/') - L->file);

        if (snprintf(path, sizeof(path), "%.*s/%s", dl, L->file, o->value) >= (int)sizeof(path))
            return sig_fail(L, "path too long");
    }
    snprintf(key, sizeof(key), "%s:%s", o->name, path); /* one set per list and kind */
    e = ds_find(L, key);
    if (e == NULL) {
        struct sw_dataset_stats dst;
        struct sw_err err;
        struct sw_dataset *set;

        if (!read_list(path, &text, &len, msg, sizeof(msg)))
            return sig_fail(L, "%s", msg);
        conv = sw_malloc(len + 1);
        if (conv == NULL) {
            sw_free(text);
            L->oom = true;
            return sig_fail(L, "out of memory");
        }
        if (!hashlist_to_dataset(path, text, len, md5 ? 32 : 64, conv, &clen, msg,
                                 sizeof(msg))) {
            sw_free(text);
            sw_free(conv);
            return sig_fail(L, "%s", msg);
        }
        sw_free(text);
        set = sw_dataset_parse(path, type, conv, clen, ds_report, L, &dst, &err);
        sw_free(conv);
        if (set == NULL)
            return sig_fail(L, "%s", err.msg);
        e = ds_add(L, key, (int)type, set);
        if (e == NULL)
            return sig_fail(L, "out of memory");
    }
    ref = sw_calloc(1, sizeof(*ref));
    if (ref == NULL) {
        L->oom = true;
        return sig_fail(L, "out of memory");
    }
    ref->set = e->set;
    ref->negated = o->negated;
    ref->raw = true;
    l = sig_list_get(L, ps->r, b, false);
    if (l == NULL || !sig_list_add(L, ps, l, SIG_SM_DATASET, ref)) {
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
        if (ref->raw) {
            if (len == 4 && sw_dataset_type_of(d) == SW_DATASET_IPV4) {
                hit = sw_dataset_lookup(d, buf, 4, NULL);
            } else if (len == 4) {
                uint8_t m[16] = {0};

                m[10] = m[11] = 0xff; /* the loader keeps IPv4 as ::ffff:a.b.c.d */
                memcpy(m + 12, buf, 4);
                hit = sw_dataset_lookup(d, m, 16, NULL);
            } else if (len == 16 && sw_dataset_type_of(d) == SW_DATASET_IP) {
                hit = sw_dataset_lookup(d, buf, 16, NULL);
            }
            break;
        }
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
