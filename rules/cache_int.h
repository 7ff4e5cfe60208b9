/* cache_int.h - the trust checks and file handling both compiled-rule caches share: YARA's
 * (rules/yara_cache.c) and the signature prefilter's (rules/sig_prefilter.c).
 *
 * A cached entry is code or state a library runs without validating it as hostile input
 * (libyara bytecode, Hyperscan databases), so whoever can write an entry chooses what the
 * loading process runs. An entry is therefore used only when nobody but the effective user
 * could have written it: the cache directory and the entry must both be owned by the
 * effective user and writable by nobody else, checked with fstat on descriptors opened with
 * O_NOFOLLOW, and the bytes used are read from those same descriptors. Loading thread only. */
#ifndef SW_CACHE_INT_H
#define SW_CACHE_INT_H

#include <stdbool.h>
#include <stddef.h>

/* Open the cache directory dir as an O_PATH descriptor and check it. Returns the descriptor;
 * -1 with *missing set when it does not exist; -1 after one warning naming it and why when it
 * is refused (*refused set). */
int rcache_open_dir(const char *dir, bool *missing, bool *refused);
/* The same, without the warning when quiet (a second cache of the same load, whose first
 * says it once). */
int rcache_open_dir_q(const char *dir, bool *missing, bool *refused, bool quiet);

/* Read the entry name of the trusted directory dfd (named dir in messages) whole, at most max
 * bytes, into a NUL-terminated buffer the caller frees. NULL with *missing set when there is
 * none; NULL after a warning when it is refused (not trusted), or after an info line when it
 * cannot be read or is too large. */
char *rcache_read(const char *dir, int dfd, const char *name, size_t max, size_t *lenp,
                  bool *missing);

/* The same checks as rcache_read, the entry mapped read-only instead of copied (a compiled
 * set is megabytes that are parsed once: a copy costs a second pass and its memory). Entries
 * are replaced by rename, never rewritten in place, so the mapped bytes stay the checked
 * ones. Unmap with rcache_unmap(p, *lenp). An empty entry is refused (info line). */
const void *rcache_map(const char *dir, int dfd, const char *name, size_t max, size_t *lenp,
                       bool *missing);
void rcache_unmap(const void *p, size_t len);
/* Give back the resident pages of [p + off, p + off + len) of a mapping of rcache_map (off
 * a multiple of the page size): read again, they come back from the page cache unchanged. */
void rcache_drop(const void *p, size_t off, size_t len);

/* Create path and its missing parents, mode 0700. 0 or -1 (errno set). */
int rcache_mkdir_p(const char *path);

/* Write len bytes as entry name of dfd: a temporary file (mode 0600, O_EXCL, O_NOFOLLOW)
 * renamed over name, so a reader never sees half an entry. false on failure (errno). */
bool rcache_write(int dfd, const char *name, const void *data, size_t len);

#endif
