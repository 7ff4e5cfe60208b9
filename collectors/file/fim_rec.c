/* fim_rec.c - FIM records, content hashing and fim event construction (see include/sw/fim.h). */
#include "fim_int.h"

#include <errno.h>
#include <openssl/evp.h>
#include <stdalign.h>
#include <string.h>
#include <unistd.h>

#include "sw/alloc.h"

struct sw_fim_rec *
sw_fim_rec_create(enum sw_fim_hint hint, const char *path, const char *old_path,
                  const char *target)
{
    size_t pl, ol = 0, tl = 0, total;
    struct sw_fim_rec *r;
    char *p;

    if (path == NULL || path[0] != '/' || (pl = strlen(path)) >= PATH_MAX)
        return NULL;
    if (old_path != NULL && (old_path[0] != '/' || (ol = strlen(old_path) + 1) > PATH_MAX))
        return NULL;
    if (target != NULL) {
        tl = strlen(target);
        if (tl > SW_FIM_MAX_TARGET)
            tl = SW_FIM_MAX_TARGET;
        tl++;
    }
    total = sizeof(*r) + pl + 1 + ol + tl;
    r = sw_calloc(1, total);
    if (r == NULL)
        return NULL;
    r->hint = (uint8_t)hint;
    p = (char *)(r + 1);
    memcpy(p, path, pl + 1);
    r->path = p;
    p += pl + 1;
    if (old_path != NULL) {
        memcpy(p, old_path, ol);
        r->old_path = p;
        p += ol;
    }
    if (target != NULL) {
        memcpy(p, target, tl - 1);
        p[tl - 1] = '\0';
        r->target = p;
    }
    return r;
}

void
sw_fim_rec_destroy(struct sw_fim_rec *r)
{
    sw_free(r);
}

void
sw_fim_attr_from_stat(struct sw_fim_attr *a, const struct stat *st)
{
    memset(a, 0, sizeof(*a));
    a->mode = (uint32_t)st->st_mode;
    a->uid = (uint32_t)st->st_uid;
    a->gid = (uint32_t)st->st_gid;
    a->nlink = (uint32_t)st->st_nlink;
    a->size = st->st_size > 0 ? (uint64_t)st->st_size : 0;
    a->ino = (uint64_t)st->st_ino;
    a->mtime_ns = (int64_t)st->st_mtim.tv_sec * 1000000000 + st->st_mtim.tv_nsec;
    a->ctime_ns = (int64_t)st->st_ctim.tv_sec * 1000000000 + st->st_ctim.tv_nsec;
}

void
fim_sha256(const void *data, size_t len, uint8_t out[32])
{
    unsigned int n = 0;

    if (EVP_Digest(data, len, out, &n, EVP_sha256(), NULL) != 1 || n != 32)
        memset(out, 0, 32);
}

void
fim_hex(const uint8_t *in, size_t n, char *out)
{
    static const char hex[] = "0123456789abcdef";

    for (size_t i = 0; i < n; i++) {
        out[2 * i] = hex[in[i] >> 4];
        out[2 * i + 1] = hex[in[i] & 15];
    }
    out[2 * n] = '\0';
}

enum sw_rc
sw_fim_hash_fd(int fd, uint64_t max, uint8_t out[32])
{
    uint8_t buf[64 * 1024];
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    uint64_t total = 0;
    enum sw_rc rc = SW_OK;
    unsigned int n = 0;

    if (ctx == NULL || EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) != 1) {
        EVP_MD_CTX_free(ctx);
        return SW_EIO;
    }
    for (;;) {
        ssize_t r = read(fd, buf, sizeof(buf));

        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0) {
            rc = SW_EIO;
            break;
        }
        if (r == 0)
            break;
        total += (uint64_t)r;
        if (max != 0 && total > max) {
            rc = SW_ELIMIT;
            break;
        }
        if (EVP_DigestUpdate(ctx, buf, (size_t)r) != 1) {
            rc = SW_EIO;
            break;
        }
    }
    if (rc == SW_OK && (EVP_DigestFinal_ex(ctx, out, &n) != 1 || n != 32))
        rc = SW_EIO;
    EVP_MD_CTX_free(ctx);
    return rc;
}

/* --- events ------------------------------------------------------------------------------- */

static size_t
str_size(const char *s)
{
    return s != NULL ? strlen(s) + 1 : 0;
}

static const char *
put_str(char **p, const char *s)
{
    size_t n;
    char *d = *p;

    if (s == NULL)
        return NULL;
    n = strlen(s) + 1;
    memcpy(d, s, n);
    *p += n;
    return d;
}

struct sw_event *
sw_fim_event_create(uint64_t ts_us, const struct sw_fim_part *p)
{
    const size_t hdr = (sizeof(struct sw_event) + alignof(struct sw_fim_part) - 1) &
                       ~(alignof(struct sw_fim_part) - 1);
    size_t strs = str_size(p->path) + str_size(p->old_path) + str_size(p->comm) +
                  str_size(p->old_state.owner) + str_size(p->old_state.target) +
                  str_size(p->new_state.owner) + str_size(p->new_state.target);
    struct sw_event *ev = sw_calloc(1, hdr + sizeof(struct sw_fim_part) + strs);
    struct sw_fim_part *fp;
    char *s;

    if (ev == NULL)
        return NULL;
    ev->type = SW_EV_FIM;
    ev->ts_us = ts_us;
    fp = (struct sw_fim_part *)(void *)((char *)ev + hdr);
    *fp = *p;
    s = (char *)(fp + 1);
    fp->path = put_str(&s, p->path);
    fp->old_path = put_str(&s, p->old_path);
    fp->comm = put_str(&s, p->comm);
    fp->old_state.owner = put_str(&s, p->old_state.owner);
    fp->old_state.target = put_str(&s, p->old_state.target);
    fp->new_state.owner = put_str(&s, p->new_state.owner);
    fp->new_state.target = put_str(&s, p->new_state.target);
    ev->fim = fp;
    return ev;
}
