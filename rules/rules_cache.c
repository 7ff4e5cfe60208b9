/* rules_cache.c - the trust checks and file handling of the compiled-rule caches (see
 * rules/cache_int.h): YARA's and the signature prefilter's. */
#include "cache_int.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sw/alloc.h"
#include "sw/io.h"
#include "sw/log.h"

/* Why st may not be trusted as the cache directory (dir) or an entry; NULL when it may. */
static const char *
distrust(const struct stat *st, bool dir, char *buf, size_t len)
{
    unsigned long me = (unsigned long)geteuid();

    if (S_ISLNK(st->st_mode))
        return "is a symlink";
    if (dir && !S_ISDIR(st->st_mode))
        return "not a directory";
    if (!dir && !S_ISREG(st->st_mode))
        return "not a regular file";
    if ((unsigned long)st->st_uid != me) {
        snprintf(buf, len, "owned by uid %lu, not by the effective user (uid %lu)",
                 (unsigned long)st->st_uid, me);
        return buf;
    }
    if ((st->st_mode & (S_IWGRP | S_IWOTH)) != 0) {
        snprintf(buf, len, "writable by %s (mode %04o)",
                 (st->st_mode & S_IWGRP) == 0   ? "others"
                 : (st->st_mode & S_IWOTH) == 0 ? "its group"
                                                : "its group and others",
                 (unsigned)(st->st_mode & 07777));
        return buf;
    }
    return NULL;
}

int
rcache_open_dir(const char *cache_dir, bool *missing, bool *refused)
{
    return rcache_open_dir_q(cache_dir, missing, refused, false);
}

int
rcache_open_dir_q(const char *cache_dir, bool *missing, bool *refused, bool quiet)
{
    char dir[PATH_MAX], buf[160];
    size_t n;
    int fd = -1;
    struct stat st;
    const char *why;

    *missing = false;
    /* "dir/" would make the kernel follow a symlink named dir despite O_NOFOLLOW. */
    if (snprintf(dir, sizeof(dir), "%s", cache_dir) >= (int)sizeof(dir)) {
        why = "path too long";
        goto refuse;
    }
    for (n = strlen(dir); n > 1 && dir[n - 1] == '/'; n--)
        dir[n - 1] = '\0';
    fd = open(dir, O_PATH | O_NOFOLLOW | O_CLOEXEC);
    if (fd == -1 && errno == ENOENT) {
        *missing = true;
        return -1;
    }
    if (fd == -1 || fstat(fd, &st) != 0) {
        why = strerror(errno);
        goto refuse;
    }
    why = distrust(&st, true, buf, sizeof(buf));
    if (why == NULL)
        return fd;
refuse:
    if (fd != -1)
        close(fd);
    *refused = true;
    if (!quiet)
        sw_log_warn("rules cache %s: refused: %s; compiling the rules instead", cache_dir, why);
    return -1;
}

/* Open the entry name of dfd for reading and check it (trusted, at most max bytes): its
 * descriptor and *st, or -1 as rcache_read says why. */
static int
open_entry(const char *cache_dir, int dfd, const char *name, size_t max, struct stat *st,
           bool *missing)
{
    int fd = openat(dfd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
    char why_buf[160];
    const char *why;

    *missing = false;
    if (fd == -1) {
        if (errno == ENOENT)
            *missing = true;
        else if (errno == ELOOP)
            sw_log_warn("rules cache %s/%s: refused: is a symlink; compiling the rules instead",
                        cache_dir, name);
        else
            sw_log_info("rules cache %s/%s: ignored (%s), rebuilding", cache_dir, name,
                        strerror(errno));
        return -1;
    }
    if (fstat(fd, st) != 0) {
        sw_log_info("rules cache %s/%s: ignored (%s), rebuilding", cache_dir, name,
                    strerror(errno));
        goto bad;
    }
    why = distrust(st, false, why_buf, sizeof(why_buf));
    if (why != NULL) {
        sw_log_warn("rules cache %s/%s: refused: %s; compiling the rules instead", cache_dir,
                    name, why);
        goto bad;
    }
    if ((uint64_t)st->st_size > max) {
        sw_log_info("rules cache %s/%s: ignored (too large), rebuilding", cache_dir, name);
        goto bad;
    }
    return fd;
bad:
    close(fd);
    return -1;
}

const void *
rcache_map(const char *cache_dir, int dfd, const char *name, size_t max, size_t *lenp,
           bool *missing)
{
    struct stat st;
    int fd = open_entry(cache_dir, dfd, name, max, &st, missing);
    void *p;

    if (fd == -1)
        return NULL;
    *lenp = (size_t)st.st_size;
    if (st.st_size == 0) {
        close(fd);
        sw_log_info("rules cache %s/%s: ignored (empty), rebuilding", cache_dir, name);
        return NULL;
    }
    p = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
    close(fd); /* the mapping keeps the file */
    if (p == MAP_FAILED) {
        sw_log_info("rules cache %s/%s: ignored (%s), rebuilding", cache_dir, name,
                    strerror(errno));
        return NULL;
    }
    return p;
}

void
rcache_unmap(const void *p, size_t len)
{
    if (p != NULL)
        munmap((void *)(uintptr_t)p, len);
}

void
rcache_drop(const void *p, size_t off, size_t len)
{
    /* Advice only: a failure leaves the pages resident, nothing else. */
    (void)madvise((char *)(uintptr_t)p + off, len, MADV_DONTNEED);
}

char *
rcache_read(const char *cache_dir, int dfd, const char *name, size_t max, size_t *lenp,
            bool *missing)
{
    struct stat st;
    int fd = open_entry(cache_dir, dfd, name, max, &st, missing);
    char *buf = NULL;
    size_t got = 0;

    if (fd == -1)
        return NULL;
    buf = sw_malloc((size_t)st.st_size + 1);
    if (buf == NULL)
        goto out;
    if (sw_io_read_full(fd, buf, (size_t)st.st_size, &got) != 0 || got != (size_t)st.st_size) {
        sw_log_info("rules cache %s/%s: ignored (short read), rebuilding", cache_dir, name);
        sw_free(buf);
        buf = NULL;
        goto out;
    }
    buf[got] = '\0';
    *lenp = got;
out:
    close(fd);
    return buf;
}


int
rcache_mkdir_p(const char *path)
{
    char tmp[PATH_MAX];

    if (snprintf(tmp, sizeof(tmp), "%s", path) >= (int)sizeof(tmp))
        return -1;
    for (char *p = tmp + 1; *p != '\0'; p++) {
        if (*p != '/')
            continue;
        *p = '\0';
        if (mkdir(tmp, 0700) != 0 && errno != EEXIST)
            return -1;
        *p = '/';
    }
    if (mkdir(tmp, 0700) != 0 && errno != EEXIST)
        return -1;
    return 0;
}

bool
rcache_write(int dfd, const char *name, const void *data, size_t len)
{
    char tmp[300];
    int fd, rc;
    bool ok = true;

    if (snprintf(tmp, sizeof(tmp), "%s.tmp.%ld", name, (long)getpid()) >= (int)sizeof(tmp))
        return false;
    (void)unlinkat(dfd, tmp, 0); /* left by a killed run of the same pid */
    fd = openat(dfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (fd == -1)
        return false;
    rc = sw_io_write_all(fd, data, len, NULL);
    if (rc != 0) {
        ok = false;
        errno = -rc;
    }
    if (close(fd) != 0)
        ok = false;
    if (ok && renameat(dfd, tmp, dfd, name) != 0)
        ok = false;
    if (!ok) {
        int e = errno;

        (void)unlinkat(dfd, tmp, 0);
        errno = e;
    }
    return ok;
}
