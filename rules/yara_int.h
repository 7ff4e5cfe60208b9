/* yara_int.h - what rules/yara.c (listing, reading and compiling rule files),
 * rules/yara_scan.c (scanners, externals, alerts) and rules/yara_cache.c (the compiled-set
 * cache) share. Loading runs on one thread, the main thread, before any scanner exists (see
 * include/sw/yara.h). */
#ifndef SW_YARA_INT_H
#define SW_YARA_INT_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <yara.h>

#include "sw/yara.h"

struct sw_yara_rules {
    YR_RULES *rules; /* owned */
    bool profiling;  /* scanners made from now on count per-rule figures (yara_prof.c) */
    /* Holders: the loader's 1, plus one per sw_yara_rules_hold (the network workers' set and
     * the file scan pool share one compiled set). */
    _Atomic unsigned refs;
};

struct sw_yara_prof; /* yara_prof.c: one scanner's per-rule figures */

#define SW_YARA_N_EXT 6 /* the externals of SW_YARA_EXTERNALS */
/* Their names, in SW_YARA_EXTERNALS order (yara.c): what the compiler declares and every
 * scan sets. */
extern const char *const sw_yara_ext_names[SW_YARA_N_EXT];

struct sw_yara_scanner {
    YR_SCANNER *sc; /* owned */
    struct sw_yara_limits lim;
    struct sw_yara_prof *prof; /* owned; NULL unless the rules were profiling */
    /* Owned copies of the value each external has in sc (NULL: not known, define it): a
     * define costs a hash lookup and a string copy in libyara, and from one file to the next
     * of a tree mostly the name changes, so a scan defines only what differs. */
    char *ext_val[SW_YARA_N_EXT];
};

/* Profiling (rules.profiling): a scanner's figures for the rules of r, or NULL when out of
 * memory; the scanner's thread. _scan after each scan (its time, whether it completed and
 * whether a rule matched), _match for each matching rule. */
struct sw_yara_prof *sw_yara_prof_create(const YR_RULES *r);
void sw_yara_prof_destroy(struct sw_yara_prof *p);
void sw_yara_prof_scan(struct sw_yara_prof *p, uint64_t ns, bool matched);
void sw_yara_prof_match(struct sw_yara_prof *p, const YR_RULE *rule);
/* CLOCK_MONOTONIC in nanoseconds, what profiling measures time with. */
uint64_t sw_yara_prof_now(void);
/* The alert fields a matching rule gets (sid, signature, ...): for profile rows. */
void sw_yara_rule_alert(struct sw_alert *al, const YR_RULE *rule);

/* One entry of the rules directory: a rule file, or something named like one (or a folder)
 * that could not be reached, which counts as a failed file. */
struct sw_yara_file {
    char *rel;   /* owned: path relative to the dir, the namespace */
    char *shown; /* owned: dir/rel, as messages name it */
    char *src;   /* owned: contents, NUL-terminated; NULL when unreadable */
    char *why;   /* owned: why it could not be listed ("cannot open directory: ..."); or NULL */
    size_t len;
    bool failed;
};

struct sw_yara_loader {
    const struct sw_yara_load_opts *o;
    struct sw_yara_file *f; /* owned, n entries */
    size_t n, cap;
    char **diag; /* owned: diagnostics in order, "E msg" / "W msg" */
    size_t n_diag, cap_diag;
    size_t first_compile_diag; /* diag[0, this) were given while listing and reading */
    struct sw_yara_load_stats *st;
    const struct sw_yara_file *cur; /* file being compiled */
    unsigned cur_errors;
    bool quiet; /* second pass: messages were given by the first */
    bool oom;
    bool cache_refused; /* the cache directory is not trusted: neither read nor written */
};

/* Report one diagnostic (through o->report) and keep it for the cache. */
void sw_yara_diag(struct sw_yara_loader *L, enum sw_yara_diag kind, const char *fmt, ...)
    SW_PRINTF(3, 4);

/* The cache key of the listed and read files: SHA-256 over libyara's version, the externals
 * and every file's namespace and contents, as 64 hex digits. false when OpenSSL fails. */
bool sw_yara_cache_key(const struct sw_yara_loader *L, char out[65]);
/* The compiled set saved under key in o->cache_dir, or NULL: no entry, or one that was
 * refused (not trusted: logged as a warning) or is corrupt or stale (info). On success the
 * compile diagnostics are replayed and L->st filled. */
YR_RULES *sw_yara_cache_load(struct sw_yara_loader *L, const char *key);
/* Save r under key (unless the cache directory was refused); failure costs only the next
 * load and is logged at info level. */
void sw_yara_cache_save(struct sw_yara_loader *L, const char *key, YR_RULES *r);

#endif
