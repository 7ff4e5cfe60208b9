/* sig_pfcache.c - the prefilter's databases in the rules cache directory: one file,
 * KEY.hsdb (KEY from sig_prefilter.c: SHA-256 of Hyperscan's version, the platform and every
 * group's patterns), the serialized databases in group order after a header, read and
 * written under the trust rules of rules/cache_int.h. Loading thread only. */
#include "sig_int.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <hs/hs.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cache_int.h"
#include "sw/alloc.h"
#include "sw/log.h"

#define PF_CACHE_MAX (2048u * 1024u * 1024u)

static uint64_t
rd64(const uint8_t *p)
{
    uint64_t v;

    memcpy(&v, p, 8);
    return v;
}

bool
sig_pfcache_load(const char *dir, const char *key, void **dbs, size_t n_db, bool *refused)
{
    char name[80];
    bool missing = false;
    size_t len = 0, off;
    int dfd = rcache_open_dir(dir, &missing, refused);
    uint8_t *b;

    if (dfd == -1)
        return false;
    snprintf(name, sizeof(name), "%s.hsdb", key);
    b = (uint8_t *)rcache_read(dir, dfd, name, PF_CACHE_MAX, &len, &missing);
    close(dfd);
    if (b == NULL)
        return false;
    off = strlen(SIG_PF_CACHE_MAGIC);
    if (len < off + 8 || memcmp(b, SIG_PF_CACHE_MAGIC, off) != 0 || rd64(b + off) != n_db) {
        sw_log_info("rules cache %s/%s: ignored (bad header), rebuilding", dir, name);
        goto bad;
    }
    off += 8;
    for (size_t i = 0; i < n_db; i++) {
        uint64_t n;
        hs_database_t *db = NULL;

        if (len - off < 8 || (n = rd64(b + off)) > len - off - 8) {
            sw_log_info("rules cache %s/%s: ignored (truncated), rebuilding", dir, name);
            goto bad;
        }
        off += 8;
        if (hs_deserialize_database((const char *)b + off, (size_t)n, &db) != HS_SUCCESS) {
            sw_log_info("rules cache %s/%s: ignored (not a database of this Hyperscan), "
                        "rebuilding",
                        dir, name);
            goto bad;
        }
        dbs[i] = db;
        off += (size_t)n;
    }
    sw_free(b);
    return true;
bad:
    for (size_t i = 0; i < n_db; i++) {
        hs_free_database(dbs[i]);
        dbs[i] = NULL;
    }
    sw_free(b);
    return false;
}

static bool
is_ours(const char *n, const char *keep)
{
    if (strlen(n) != 64 + 5 || strcmp(n + 64, ".hsdb") != 0 || strncmp(n, keep, 64) == 0)
        return false;
    for (size_t i = 0; i < 64; i++)
        if (!((n[i] >= '0' && n[i] <= '9') || (n[i] >= 'a' && n[i] <= 'f')))
            return false;
    return true;
}

void
sig_pfcache_save(const char *dir, const char *key, void *const *dbs, size_t n_db)
{
    size_t total = strlen(SIG_PF_CACHE_MAGIC) + 8, off;
    char **ser = sw_calloc(n_db + 1, sizeof(*ser));
    size_t *sl = sw_calloc(n_db + 1, sizeof(*sl));
    uint8_t *b = NULL;
    char name[80];
    bool missing = false, refused = false;
    int dfd = -1;

    if (ser == NULL || sl == NULL)
        goto out;
    for (size_t i = 0; i < n_db; i++) {
        if (hs_serialize_database(dbs[i], &ser[i], &sl[i]) != HS_SUCCESS)
            goto out;
        total += 8 + sl[i];
    }
    b = sw_malloc(total);
    if (b == NULL)
        goto out;
    off = strlen(SIG_PF_CACHE_MAGIC);
    memcpy(b, SIG_PF_CACHE_MAGIC, off);
    uint64_t ng = n_db;

    memcpy(b + off, &ng, 8);
    off += 8;
    for (size_t i = 0; i < n_db; i++) {
        uint64_t n = sl[i];

        memcpy(b + off, &n, 8);
        memcpy(b + off + 8, ser[i], sl[i]);
        off += 8 + sl[i];
    }
    if (rcache_mkdir_p(dir) != 0) {
        sw_log_info("rules cache %s: cannot create: %s", dir, strerror(errno));
        goto out;
    }
    dfd = rcache_open_dir(dir, &missing, &refused);
    if (dfd == -1)
        goto out;
    snprintf(name, sizeof(name), "%s.hsdb", key);
    if (!rcache_write(dfd, name, b, total)) {
        sw_log_info("rules cache %s: cannot save %s: %s", dir, name, strerror(errno));
        goto out;
    }
    int lfd = openat(dfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    DIR *d = lfd != -1 ? fdopendir(lfd) : NULL;

    if (d != NULL) {
        struct dirent *de;

        while ((de = readdir(d)) != NULL)
            if (is_ours(de->d_name, key))
                (void)unlinkat(dfd, de->d_name, 0);
        closedir(d);
    } else if (lfd != -1) {
        close(lfd);
    }
out:
    if (dfd != -1)
        close(dfd);
    for (size_t i = 0; ser != NULL && i < n_db; i++)
        free(ser[i]); /* Hyperscan's allocator: malloc */
    sw_free(ser);
    sw_free(sl);
    sw_free(b);
}
