/* yara_cache.c - the compiled-rules cache of sw_yara_load (see rules/yara_int.h).
 *
 * An entry is two files in the cache directory: KEY.yarc, the set as yr_rules_save_stream
 * writes it, and KEY.txt, a header line (magic, CRC-32 of the .yarc, counts) followed by
 * the compile messages, replayed on a hit. The CRC only catches a damaged .yarc (a disk
 * error, a copy cut short) before libyara parses it: trust comes from ownership (below),
 * not from the checksum, and a CRC reads the 16 MiB of a public ruleset's set in a tenth of
 * the instructions a SHA-256 takes. Version 1 entries (SHA-256) are stale: rebuilt once. KEY is the SHA-256 of everything the set depends
 * on (sw_yara_cache_key).
 *
 * Trust. A compiled set is bytecode that libyara runs, and libyara documents compiled rules
 * from an untrusted source as able to run code: whoever can write an entry chooses what the
 * loading process runs. So an entry is loaded only when nobody but the effective user could
 * have written it: the cache directory and the entry must both be owned by the effective
 * user and writable by nobody else (no group or other write bit). Both are checked with
 * fstat on descriptors opened with O_NOFOLLOW (the directory by its path, as O_PATH, so a
 * symlink is seen as one; the entry with openat on that descriptor), and the bytes that are
 * checksummed and handed to libyara are read from those same descriptors, never from a path
 * opened again. The folders above the cache directory are the operator's choice and are not
 * checked; the entries sit directly in it. A refused directory or entry is one warning line
 * naming it and the reason; the rules are compiled instead, and a refused directory is not
 * written either. A missing entry is the normal first run (silent); a corrupt or stale one is
 * an info line and is rebuilt. */
#include "yara_int.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <openssl/evp.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "cache_int.h"
#include "sw/alloc.h"
#include "sw/io.h"
#include "sw/log.h"

#define CACHE_MAGIC "seawall-yara-cache 2"
#define CACHE_META_MAX (4u * 1024u * 1024u)
#define CACHE_BLOB_MAX (1024u * 1024u * 1024u)

/* SHA-256 over everything the compiled set depends on: libyara's version, the externals,
 * and every file's namespace and contents (failed files too: their counts are cached). */
bool
sw_yara_cache_key(const struct sw_yara_loader *L, char out[65])
{
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    unsigned char dig[EVP_MAX_MD_SIZE];
    unsigned int n = 0;
    static const char hex[] = "0123456789abcdef";
    bool ok = md != NULL && EVP_DigestInit_ex(md, EVP_sha256(), NULL) == 1;

    if (ok) {
        const char *hdr = CACHE_MAGIC "\n" YR_VERSION "\n" SW_YARA_EXTERNALS "\n";

        ok = EVP_DigestUpdate(md, hdr, strlen(hdr) + 1) == 1;
    }
    for (size_t i = 0; ok && i < L->n; i++) {
        const struct sw_yara_file *f = &L->f[i];
        uint64_t len = f->src != NULL ? f->len : UINT64_MAX;

        ok = EVP_DigestUpdate(md, f->rel, strlen(f->rel) + 1) == 1 &&
             EVP_DigestUpdate(md, &len, sizeof(len)) == 1 &&
             (f->src == NULL || EVP_DigestUpdate(md, f->src, f->len) == 1);
    }
    ok = ok && EVP_DigestFinal_ex(md, dig, &n) == 1 && n == 32;
    EVP_MD_CTX_free(md);
    if (!ok)
        return false;
    for (unsigned i = 0; i < 32; i++) {
        out[2 * i] = hex[dig[i] >> 4];
        out[2 * i + 1] = hex[dig[i] & 15];
    }
    out[64] = '\0';
    return true;
}

/* --- trust (rules/cache_int.h) ------------------------------------------------------------- */

static int
open_dir(struct sw_yara_loader *L, bool *missing)
{
    bool refused = false;
    int fd = rcache_open_dir(L->o->cache_dir, missing, &refused);

    if (refused)
        L->cache_refused = true;
    return fd;
}

static char *
read_entry(struct sw_yara_loader *L, int dfd, const char *name, size_t max, size_t *lenp,
           bool *missing)
{
    return rcache_read(L->o->cache_dir, dfd, name, max, lenp, missing);
}

/* --- load ---------------------------------------------------------------------------------- */

/* zlib's CRC-32 of len bytes, taken in pieces its uInt length can hold. */
static unsigned long
crc_of(unsigned long crc, const void *p, size_t len)
{
    const Bytef *b = p;

    while (len > 0) {
        uInt n = len > UINT_MAX ? UINT_MAX : (uInt)len;

        crc = crc32(crc, b, n);
        b += n;
        len -= n;
    }
    return crc;
}

/* Pages of the mapped entry already read are given back as the reads go (rcache_drop): the
 * entry and the set libyara builds from it are then not both resident at the peak. */
#define DROP_STEP (1u << 20)

struct mem_stream {
    const char *base, *p;
    size_t left;
    size_t dropped; /* [base, base + dropped) given back */
};

/* libyara reads its own format back with fread semantics: whole items only. */
static size_t
mem_read(void *ptr, size_t size, size_t count, void *user)
{
    struct mem_stream *m = user;
    size_t items;

    if (size == 0 || count == 0)
        return 0;
    items = m->left / size < count ? m->left / size : count;
    memcpy(ptr, m->p, items * size);
    m->p += items * size;
    m->left -= items * size;
    if ((size_t)(m->p - m->base) - m->dropped >= DROP_STEP) {
        rcache_drop(m->base, m->dropped, DROP_STEP);
        m->dropped += DROP_STEP;
    }
    return items;
}

YR_RULES *
sw_yara_cache_load(struct sw_yara_loader *L, const char *key)
{
    char yarc[80], meta[80], sum[9], want[65];
    char *m = NULL;
    const void *blob = NULL;
    size_t mlen = 0, blen = 0;
    YR_RULES *r = NULL;
    unsigned long files, failed, rules, warnings;
    bool missing;
    int dfd = open_dir(L, &missing);

    if (dfd == -1)
        return NULL; /* missing: the normal first run; else refused (said) */
    snprintf(yarc, sizeof(yarc), "%s.yarc", key);
    snprintf(meta, sizeof(meta), "%s.txt", key);
    m = read_entry(L, dfd, meta, CACHE_META_MAX, &mlen, &missing);
    if (m == NULL)
        goto out; /* no entry for these rules yet, or refused or unreadable (said) */
    if (sscanf(m, CACHE_MAGIC " %64s %lu %lu %lu %lu", want, &files, &failed, &rules, &warnings) !=
            5 ||
        strlen(want) != 8) {
        sw_log_info("rules cache %s/%s: ignored (bad header), rebuilding", L->o->cache_dir, meta);
        goto out;
    }
    /* The checksum catches a truncated or corrupt compiled file before libyara parses it. */
    blob = rcache_map(L->o->cache_dir, dfd, yarc, CACHE_BLOB_MAX, &blen, &missing);
    if (blob == NULL) {
        if (missing)
            sw_log_info("rules cache %s/%s: ignored (missing), rebuilding", L->o->cache_dir, yarc);
        goto out;
    }
    unsigned long crc = crc32(0L, Z_NULL, 0);

    for (size_t off = 0; off < blen; off += DROP_STEP) {
        size_t n = blen - off < DROP_STEP ? blen - off : DROP_STEP;

        crc = crc_of(crc, (const char *)blob + off, n);
        rcache_drop(blob, off, n);
    }
    snprintf(sum, sizeof(sum), "%08lx", crc);
    if (strcmp(sum, want) != 0) {
        sw_log_info("rules cache %s/%s: ignored (checksum mismatch), rebuilding", L->o->cache_dir,
                    yarc);
        goto out;
    }
    struct mem_stream ms = {.base = blob, .p = blob, .left = blen};
    YR_STREAM stream = {.user_data = &ms, .read = mem_read};
    int rc = yr_rules_load_stream(&stream, &r);
    if (rc != ERROR_SUCCESS) {
        sw_log_info("rules cache %s/%s: ignored (libyara error %d), rebuilding", L->o->cache_dir,
                    yarc, rc);
        r = NULL;
        goto out;
    }
    /* Replay the messages of the compile that made the entry. */
    char *line = strchr(m, '\n');
    while (line != NULL && line[1] != '\0') {
        char *next = strchr(line + 1, '\n');

        if (next != NULL)
            *next = '\0';
        if (line[1] == 'E' || line[1] == 'W') {
            enum sw_yara_diag k = line[1] == 'E' ? SW_YARA_DIAG_ERROR : SW_YARA_DIAG_WARNING;

            if (k == SW_YARA_DIAG_WARNING)
                L->st->warnings++;
            if (L->o->report != NULL && line[2] == ' ')
                L->o->report(L->o->ctx, k, line + 3);
        }
        line = next;
    }
    L->st->files = files;
    L->st->files_failed = failed;
    L->st->rules = rules;
    L->st->from_cache = true;
out:
    close(dfd);
    sw_free(m);
    rcache_unmap(blob, blen);
    return r;
}

/* --- save ---------------------------------------------------------------------------------- */

static bool
is_cache_name(const char *name, const char *keep)
{
    size_t n = strlen(name);

    if (n != 64 + 5 && n != 64 + 4)
        return false;
    if (strncmp(name, keep, 64) == 0)
        return false;
    for (size_t i = 0; i < 64; i++)
        if (!((name[i] >= '0' && name[i] <= '9') || (name[i] >= 'a' && name[i] <= 'f')))
            return false;
    return strcmp(name + 64, ".yarc") == 0 || strcmp(name + 64, ".txt") == 0;
}

struct fd_stream {
    int fd;
    unsigned long crc; /* of what was written */
    bool bad;
};

static size_t
fd_write(const void *ptr, size_t size, size_t count, void *user)
{
    struct fd_stream *w = user;
    size_t len = size * count; /* libyara writes its own small records: no overflow */
    int rc;

    w->crc = crc_of(w->crc, ptr, len);
    if (!w->bad && (rc = sw_io_write_all(w->fd, ptr, len, NULL)) != 0) {
        w->bad = true;
        errno = -rc;
    }
    return w->bad ? 0 : count;
}

/* Write r to the new file tmp of dfd; sum gets the CRC-32 of what was written (8 hex
 * digits). */
static bool
save_blob(int dfd, const char *tmp, YR_RULES *r, char sum[65])
{
    struct fd_stream w = {.crc = crc32(0L, Z_NULL, 0)};
    YR_STREAM stream = {.user_data = &w, .write = fd_write};
    bool ok;

    w.fd = openat(dfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
    ok = w.fd != -1 && yr_rules_save_stream(r, &stream) == ERROR_SUCCESS && !w.bad;
    if (w.fd != -1 && close(w.fd) != 0)
        ok = false;
    snprintf(sum, 65, "%08lx", w.crc);
    return ok;
}

/* Write the header and the compile messages to the new file tmp of dfd. */
static bool
save_meta(struct sw_yara_loader *L, int dfd, const char *tmp, const char *sum)
{
    int fd = openat(dfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
    FILE *fp = fd != -1 ? fdopen(fd, "w") : NULL;

    if (fp == NULL) {
        if (fd != -1)
            close(fd);
        return false;
    }
    fprintf(fp, CACHE_MAGIC " %s %zu %zu %zu %zu\n", sum, L->st->files, L->st->files_failed,
            L->st->rules, L->st->warnings);
    /* Only what compiling said: listing and reading messages are given anew on each load. */
    for (size_t i = L->first_compile_diag; i < L->n_diag; i++)
        fprintf(fp, "%s\n", L->diag[i]);
    return fclose(fp) == 0;
}

/* Write to temporary names, then rename: a reader never sees half an entry. Entries of other
 * keys (stale) are dropped. */
void
sw_yara_cache_save(struct sw_yara_loader *L, const char *key, YR_RULES *r)
{
    char yarc[80], meta[80], tyarc[96], tmeta[96], sum[65];
    bool missing;
    int dfd;

    if (L->cache_refused)
        return; /* said once, when loading */
    if (rcache_mkdir_p(L->o->cache_dir) != 0) {
        sw_log_info("rules cache %s: cannot create: %s", L->o->cache_dir, strerror(errno));
        return;
    }
    dfd = open_dir(L, &missing);
    if (dfd == -1)
        return;
    snprintf(yarc, sizeof(yarc), "%s.yarc", key);
    snprintf(meta, sizeof(meta), "%s.txt", key);
    snprintf(tyarc, sizeof(tyarc), "%s.tmp.%ld", yarc, (long)getpid());
    snprintf(tmeta, sizeof(tmeta), "%s.tmp.%ld", meta, (long)getpid());
    /* Left over by a run of the same pid that was killed mid-save. */
    (void)unlinkat(dfd, tyarc, 0);
    (void)unlinkat(dfd, tmeta, 0);
    if (!save_blob(dfd, tyarc, r, sum) || !save_meta(L, dfd, tmeta, sum) ||
        renameat(dfd, tyarc, dfd, yarc) != 0 || renameat(dfd, tmeta, dfd, meta) != 0) {
        sw_log_info("rules cache %s: cannot save %s: %s", L->o->cache_dir, key, strerror(errno));
        (void)unlinkat(dfd, tyarc, 0);
        (void)unlinkat(dfd, tmeta, 0);
        close(dfd);
        return;
    }
    L->st->cache_written = true;
    int lfd = openat(dfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    DIR *d = lfd != -1 ? fdopendir(lfd) : NULL;

    if (d != NULL) {
        struct dirent *de;

        while ((de = readdir(d)) != NULL)
            if (is_cache_name(de->d_name, key))
                (void)unlinkat(dfd, de->d_name, 0);
        closedir(d);
    } else if (lfd != -1) {
        close(lfd);
    }
    close(dfd);
}
