/* yara.c - YARA rules with libyara 4.2 (see include/sw/yara.h): listing, reading and
 * compiling rule files, the set's lifetime (scanning is rules/yara_scan.c's).
 *
 * Loading compiles each file twice: alone first, because a libyara compiler that saw an
 * error cannot take more sources, so only a compiler of its own tells which files are bad
 * (and with which messages); then every good file together, each in its own namespace, into
 * the one set scanners share. The cache makes the common case (same rules as last time) a
 * single yr_rules_load. */
#include "sw/yara.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <openssl/evp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <stdatomic.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>
#include <yara.h>

#include "sw/alloc.h"
#include "sw/io.h"
#include "sw/log.h"
#include "yara_int.h"

const char *const sw_yara_ext_names[SW_YARA_N_EXT] = {
    "filename", "filepath", "extension", "filetype", "owner", "seawall_source"};

const char *
sw_yara_version(void)
{
    return YR_VERSION;
}

enum sw_rc
sw_yara_init(struct sw_err *err)
{
    int rc = yr_initialize();

    if (rc != ERROR_SUCCESS)
        return sw_err_set(err, SW_EIO, "libyara: initialisation failed (error %d)", rc);
    return SW_OK;
}

void
sw_yara_fini(void)
{
    yr_finalize();
}

/* --- small helpers ------------------------------------------------------------------------ */

uint32_t
sw_yara_fnv1a32(const char *s)
{
    uint32_t h = 2166136261u;

    for (const unsigned char *p = (const unsigned char *)s; *p != '\0'; p++) {
        h ^= *p;
        h *= 16777619u;
    }
    return h;
}

uint32_t
sw_yara_sid(const char *ns, const char *rule)
{
    uint32_t h = 2166136261u;
    const char *parts[3] = {ns != NULL ? ns : "", ":", rule != NULL ? rule : ""};

    /* fnv1a32 of "namespace:rule" without building the string. */
    for (int i = 0; i < 3; i++) {
        for (const unsigned char *p = (const unsigned char *)parts[i]; *p != '\0'; p++) {
            h ^= *p;
            h *= 16777619u;
        }
    }
    return SW_YARA_SID_BASE + h % SW_YARA_SID_SPAN;
}

size_t
sw_yara_escape(const uint8_t *data, size_t len, char *out, size_t outlen)
{
    static const char hex[] = "0123456789abcdef";
    size_t o = 0, i;

    if (outlen == 0)
        return 0;
    for (i = 0; i < len; i++) {
        uint8_t c = data[i];
        size_t need = c == '\\' ? 2 : (c >= 0x20 && c < 0x7f) ? 1 : 4;

        if (o + need + 1 > outlen)
            break;
        if (c == '\\') {
            out[o++] = '\\';
            out[o++] = '\\';
        } else if (need == 1) {
            out[o++] = (char)c;
        } else {
            out[o++] = '\\';
            out[o++] = 'x';
            out[o++] = hex[c >> 4];
            out[o++] = hex[c & 15];
        }
    }
    out[o] = '\0';
    return i;
}

void
sw_yara_sha256_hex(const void *data, size_t len, char out[65])
{
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int n = 0;
    static const char hex[] = "0123456789abcdef";

    out[0] = '\0';
    if (EVP_Digest(data, len, md, &n, EVP_sha256(), NULL) != 1 || n != 32)
        return;
    for (unsigned i = 0; i < 32; i++) {
        out[2 * i] = hex[md[i] >> 4];
        out[2 * i + 1] = hex[md[i] & 15];
    }
    out[64] = '\0';
}

/* --- rule files ---------------------------------------------------------------------------- */

void
sw_yara_diag(struct sw_yara_loader *L, enum sw_yara_diag kind, const char *fmt, ...)
{
    char msg[PATH_MAX + 1024]; /* a whole path and its reason, even a path PATH_MAX long */
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(msg + 2, sizeof(msg) - 2, fmt, ap);
    va_end(ap);
    msg[0] = kind == SW_YARA_DIAG_ERROR ? 'E' : 'W';
    msg[1] = ' ';
    if (kind == SW_YARA_DIAG_WARNING)
        L->st->warnings++;
    if (L->o->report != NULL)
        L->o->report(L->o->ctx, kind, msg + 2);
    if (L->n_diag == L->cap_diag) {
        size_t cap = L->cap_diag ? L->cap_diag * 2 : 16;
        char **nd = sw_realloc(L->diag, cap * sizeof(*nd));

        if (nd == NULL) {
            L->oom = true;
            return;
        }
        L->diag = nd;
        L->cap_diag = cap;
    }
    L->diag[L->n_diag] = sw_strdup(msg);
    if (L->diag[L->n_diag] == NULL)
        L->oom = true;
    else
        L->n_diag++;
}

static bool
is_rule_name(const char *name)
{
    size_t n = strlen(name);

    if (n > 4 && strcasecmp(name + n - 4, ".yar") == 0)
        return true;
    return n > 5 && strcasecmp(name + n - 5, ".yara") == 0;
}

static enum sw_rc
add_file(struct sw_yara_loader *L, const char *rel, struct sw_err *err)
{
    struct sw_yara_file *f;

    if (L->n == L->cap) {
        size_t cap = L->cap ? L->cap * 2 : 32;
        struct sw_yara_file *nf = sw_realloc(L->f, cap * sizeof(*nf));

        if (nf == NULL)
            return sw_err_set(err, SW_ENOMEM, "%s: out of memory", L->o->dir);
        L->f = nf;
        L->cap = cap;
    }
    f = &L->f[L->n];
    memset(f, 0, sizeof(*f));
    f->rel = sw_strdup(rel);
    size_t sl = strlen(L->o->dir) + strlen(rel) + 2;
    f->shown = sw_malloc(sl);
    if (f->rel == NULL || f->shown == NULL) {
        sw_free(f->rel);
        sw_free(f->shown);
        return sw_err_set(err, SW_ENOMEM, "%s: out of memory", L->o->dir);
    }
    if (L->o->dir[0] != '\0' && L->o->dir[strlen(L->o->dir) - 1] == '/')
        snprintf(f->shown, sl, "%s%s", L->o->dir, rel);
    else
        snprintf(f->shown, sl, "%s/%s", L->o->dir, rel);
    L->n++;
    return SW_OK;
}

/* Record an entry that cannot be loaded: a folder that cannot be read or is too deep, a rule
 * file behind a dangling symlink, a path too long to name. It counts as a failed file, and
 * its line ("path: why") comes in path order with the others (sw_yara_load gives it), so
 * `rules check` and a reload see that rules are missing instead of loading fewer. */
static enum sw_rc add_unreachable(struct sw_yara_loader *L, const char *rel, struct sw_err *err,
                                  const char *fmt, ...) SW_PRINTF(4, 5);

static enum sw_rc
add_unreachable(struct sw_yara_loader *L, const char *rel, struct sw_err *err, const char *fmt, ...)
{
    char why[512];
    va_list ap;
    enum sw_rc rc = add_file(L, rel, err);

    if (rc != SW_OK)
        return rc;
    va_start(ap, fmt);
    vsnprintf(why, sizeof(why), fmt, ap);
    va_end(ap);
    L->f[L->n - 1].failed = true;
    L->f[L->n - 1].why = sw_strdup(why);
    if (L->f[L->n - 1].why == NULL)
        return sw_err_set(err, SW_ENOMEM, "%s: out of memory", L->o->dir);
    return SW_OK;
}

#define MAX_DEPTH 16

/* Collect rule files below dirfd (rel is its path relative to the top, "" at the top).
 * Takes dirfd. Hidden entries (".git", editor swap files) and symlinks to directories are
 * left out on purpose; everything else that is or may hold a rule file and cannot be read
 * is recorded with add_unreachable. */
static enum sw_rc
list_dir(struct sw_yara_loader *L, int dirfd, const char *rel, int depth, struct sw_err *err)
{
    DIR *d = fdopendir(dirfd);
    struct dirent *de;
    enum sw_rc rc = SW_OK;

    if (d == NULL) {
        close(dirfd);
        return sw_err_sys(err, SW_EIO, "%s/%s", L->o->dir, rel);
    }
    while (rc == SW_OK) {
        char sub[PATH_MAX];
        struct stat lst, st;
        bool too_long;

        errno = 0;
        de = readdir(d);
        if (de == NULL) {
            if (errno != 0)
                rc = add_unreachable(L, rel[0] ? rel : ".", err, "cannot list the directory: %s",
                                     strerror(errno));
            break;
        }
        if (de->d_name[0] == '.')
            continue; /* ".", "..", and hidden files (editor swap files, .git) */
        /* sub is cut when too long; it still names the entry in the message. */
        too_long = snprintf(sub, sizeof(sub), "%s%s%s", rel, rel[0] ? "/" : "", de->d_name) >=
                   (int)sizeof(sub);
        if (fstatat(dirfd, de->d_name, &lst, AT_SYMLINK_NOFOLLOW) != 0) {
            if (errno != ENOENT) /* ENOENT: removed since readdir saw it, nothing to load */
                rc = add_unreachable(L, sub, err, "cannot stat: %s", strerror(errno));
            continue;
        }
        if (!S_ISDIR(lst.st_mode) && !is_rule_name(de->d_name))
            continue;
        if (too_long) {
            rc = add_unreachable(L, sub, err, "path longer than %d bytes: not read", PATH_MAX - 1);
            continue;
        }
        if (S_ISDIR(lst.st_mode)) {
            int fd;

            if (depth >= MAX_DEPTH) {
                rc = add_unreachable(L, sub, err, "deeper than %d folders: not read", MAX_DEPTH);
                continue;
            }
            fd = openat(dirfd, de->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
            if (fd == -1) {
                rc = add_unreachable(L, sub, err, "cannot open the folder: %s", strerror(errno));
                continue;
            }
            rc = list_dir(L, fd, sub, depth + 1, err);
            continue;
        }
        /* A symlink to a file is followed: rule sets are often enabled by linking them. */
        if (fstatat(dirfd, de->d_name, &st, 0) != 0) {
            rc = add_unreachable(L, sub, err, "%s: %s",
                                 S_ISLNK(lst.st_mode) ? "dangling symlink" : "cannot stat",
                                 strerror(errno));
            continue;
        }
        if (!S_ISREG(st.st_mode)) {
            rc = add_unreachable(L, sub, err, "not a regular file%s",
                                 S_ISDIR(st.st_mode) ? " (a symlink to a folder)" : "");
            continue;
        }
        rc = add_file(L, sub, err);
    }
    closedir(d);
    return rc;
}

static int
cmp_file(const void *a, const void *b)
{
    return strcmp(((const struct sw_yara_file *)a)->rel, ((const struct sw_yara_file *)b)->rel);
}

/* Read one rule file. Problems are diagnostics on the file, not load errors. */
static void
read_source(struct sw_yara_loader *L, struct sw_yara_file *f)
{
    int fd = open(f->shown, O_RDONLY | O_CLOEXEC), rc;
    struct stat st;
    size_t got = 0;

    if (fd == -1 || fstat(fd, &st) != 0) {
        sw_yara_diag(L, SW_YARA_DIAG_ERROR, "%s:1: cannot read: %s", f->shown, strerror(errno));
        goto bad;
    }
    if ((uint64_t)st.st_size > SW_YARA_MAX_SOURCE) {
        sw_yara_diag(L, SW_YARA_DIAG_ERROR,
                     "%s:1: file is larger than the %u MiB limit for a rule file", f->shown,
                     SW_YARA_MAX_SOURCE >> 20);
        goto bad;
    }
    f->src = sw_malloc((size_t)st.st_size + 1);
    if (f->src == NULL) {
        L->oom = true;
        goto bad;
    }
    if ((rc = sw_io_read_full(fd, f->src, (size_t)st.st_size, &got)) != 0) {
        sw_yara_diag(L, SW_YARA_DIAG_ERROR, "%s:1: cannot read: %s", f->shown, strerror(-rc));
        goto bad;
    }
    f->src[got] = '\0';
    f->len = got;
    close(fd);
    /* libyara reads NUL-terminated text: a NUL means a binary file, not rules. */
    const char *nul = memchr(f->src, '\0', got);
    if (nul != NULL) {
        unsigned line = 1;

        for (const char *p = f->src; p < nul; p++)
            line += *p == '\n';
        sw_yara_diag(L, SW_YARA_DIAG_ERROR,
                     "%s:%u: binary file (NUL byte at offset %zu), not YARA rules", f->shown, line,
                     (size_t)(nul - f->src));
        sw_free(f->src);
        f->src = NULL;
        f->failed = true;
    }
    return;
bad:
    if (fd != -1)
        close(fd);
    sw_free(f->src);
    f->src = NULL;
    f->failed = true;
}

static void
compiler_cb(int level, const char *file_name, int line, const YR_RULE *rule, const char *message,
            void *user)
{
    struct sw_yara_loader *L = user;
    const char *name = L->cur != NULL ? L->cur->shown : (file_name ? file_name : "?");

    (void)rule;
    if (level == YARA_ERROR_LEVEL_ERROR)
        L->cur_errors++;
    if (L->quiet)
        return;
    /* libyara says line 0 for errors at the end of the input ("rule x {" cut short): name
     * the last line instead, where an editor shows the problem. */
    if (line <= 0 && L->cur != NULL && L->cur->src != NULL) {
        line = 1;
        for (size_t i = 0; i + 1 < L->cur->len; i++)
            line += L->cur->src[i] == '\n';
    }
    if (level == YARA_ERROR_LEVEL_ERROR)
        sw_yara_diag(L, SW_YARA_DIAG_ERROR, "%s:%d: %s", name, line, message);
    else
        sw_yara_diag(L, SW_YARA_DIAG_WARNING, "%s:%d: warning: %s", name, line, message);
}

/* A compiler with seawall's externals defined (empty strings; set per scan). */
static YR_COMPILER *
compiler_new(struct sw_yara_loader *L)
{
    YR_COMPILER *c = NULL;

    if (yr_compiler_create(&c) != ERROR_SUCCESS)
        return NULL;
    yr_compiler_set_callback(c, compiler_cb, L);
    /* Sources are given as strings, so an include would resolve against the current
     * directory, not the rule file's: includes are off ("includes are disabled"). */
    yr_compiler_set_include_callback(c, NULL, NULL, NULL);
    for (size_t i = 0; i < SW_YARA_N_EXT; i++) {
        const char *def = strcmp(sw_yara_ext_names[i], "seawall_source") == 0 ? "file" : "";

        if (yr_compiler_define_string_variable(c, sw_yara_ext_names[i], def) != ERROR_SUCCESS) {
            yr_compiler_destroy(c);
            return NULL;
        }
    }
    return c;
}

struct rule_name {
    const char *name; /* borrowed from names (owned by the loader pass) */
    size_t file;
};

static bool
isalnum_ascii(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

/* Line of "rule NAME" in src (for duplicate warnings; libyara does not keep rule lines). */
static unsigned
rule_line(const char *src, const char *name)
{
    size_t nl = strlen(name);
    unsigned line = 1;

    for (const char *p = src; *p != '\0'; p++) {
        if (*p == '\n') {
            line++;
            continue;
        }
        if (strncmp(p, "rule", 4) != 0 || (p > src && (p[-1] == '_' || isalnum_ascii(p[-1]))))
            continue;
        const char *q = p + 4;

        if (*q != ' ' && *q != '\t' && *q != '\n' && *q != '\r')
            continue;
        while (*q == ' ' || *q == '\t' || *q == '\n' || *q == '\r')
            q++;
        if (strncmp(q, name, nl) == 0 && !(q[nl] == '_' || isalnum_ascii(q[nl])))
            return line;
    }
    return 1;
}

static int
cmp_name(const void *a, const void *b)
{
    const struct rule_name *x = a, *y = b;
    int c = strcmp(x->name, y->name);

    if (c != 0)
        return c;
    return x->file < y->file ? -1 : x->file > y->file;
}

/* First pass: each file alone. Marks failures, reports messages, warns about rule names
 * defined in more than one file. */
static void
check_each(struct sw_yara_loader *L)
{
    struct rule_name *names = NULL;
    char **owned = NULL; /* owned: copies of rule names (the per-file YR_RULES go away) */
    size_t n_names = 0, cap = 0;

    for (size_t i = 0; i < L->n && !L->oom; i++) {
        struct sw_yara_file *f = &L->f[i];
        YR_COMPILER *c;
        YR_RULES *r = NULL;

        if (f->src == NULL)
            continue;
        c = compiler_new(L);
        if (c == NULL) {
            L->oom = true;
            break;
        }
        L->cur = f;
        L->cur_errors = 0;
        int nerr = yr_compiler_add_string(c, f->src, f->rel);
        if (nerr > 0 || L->cur_errors > 0) {
            f->failed = true;
        } else if (yr_compiler_get_rules(c, &r) != ERROR_SUCCESS) {
            sw_yara_diag(L, SW_YARA_DIAG_ERROR, "%s:1: libyara could not build the rules",
                         f->shown);
            f->failed = true;
        }
        L->cur = NULL;
        yr_compiler_destroy(c);
        if (r == NULL)
            continue;
        YR_RULE *rule;

        yr_rules_foreach(r, rule)
        {
            if (n_names == cap) {
                size_t nc = cap ? cap * 2 : 256;
                struct rule_name *nn = sw_realloc(names, nc * sizeof(*nn));
                char **no = sw_realloc(owned, nc * sizeof(*no));

                if (nn != NULL)
                    names = nn;
                if (no != NULL)
                    owned = no;
                if (nn == NULL || no == NULL) {
                    L->oom = true;
                    break;
                }
                cap = nc;
            }
            owned[n_names] = sw_strdup(rule->identifier);
            if (owned[n_names] == NULL) {
                L->oom = true;
                break;
            }
            names[n_names].name = owned[n_names];
            names[n_names].file = i;
            n_names++;
        }
        yr_rules_destroy(r);
    }
    if (n_names > 1) {
        qsort(names, n_names, sizeof(*names), cmp_name);
        for (size_t i = 1; i < n_names; i++) {
            const struct rule_name *a = &names[i - 1], *b = &names[i];

            /* Compare with the first definition of the name, so three copies warn twice. */
            size_t first = i - 1;
            while (first > 0 && strcmp(names[first - 1].name, b->name) == 0)
                first--;
            a = &names[first];
            if (strcmp(a->name, b->name) != 0)
                continue;
            const struct sw_yara_file *fa = &L->f[a->file], *fb = &L->f[b->file];

            sw_yara_diag(
                L, SW_YARA_DIAG_WARNING,
                "%s:%u: warning: rule \"%s\" is also defined in %s:%u (kept: each file is its "
                "own namespace)",
                fb->shown, rule_line(fb->src, b->name), b->name, fa->shown,
                rule_line(fa->src, a->name));
        }
    }
    for (size_t i = 0; i < n_names; i++)
        sw_free(owned[i]);
    sw_free(owned);
    sw_free(names);
}

/* Second pass: the good files together. */
static YR_RULES *
compile_all(struct sw_yara_loader *L, struct sw_err *err)
{
    YR_COMPILER *c = compiler_new(L);
    YR_RULES *r = NULL;

    if (c == NULL) {
        sw_err_set(err, SW_ENOMEM, "%s: libyara compiler: out of memory", L->o->dir);
        return NULL;
    }
    L->quiet = true;
    for (size_t i = 0; i < L->n; i++) {
        struct sw_yara_file *f = &L->f[i];

        if (f->failed || f->src == NULL)
            continue;
        L->cur = f;
        L->cur_errors = 0;
        if (yr_compiler_add_string(c, f->src, f->rel) > 0 || L->cur_errors > 0) {
            /* Compiled alone but not with the others: cannot happen across namespaces,
             * but if it does the whole set is unusable. */
            sw_err_set(err, SW_EINVAL, "%s: compiles alone but not with the other rule files",
                       f->shown);
            L->quiet = false;
            L->cur = NULL;
            yr_compiler_destroy(c);
            return NULL;
        }
    }
    L->cur = NULL;
    L->quiet = false;
    if (yr_compiler_get_rules(c, &r) != ERROR_SUCCESS) {
        sw_err_set(err, SW_ENOMEM, "%s: libyara could not build the rule set", L->o->dir);
        r = NULL;
    }
    yr_compiler_destroy(c);
    return r;
}

/* --- load ---------------------------------------------------------------------------------- */

static void
loader_fini(struct sw_yara_loader *L)
{
    for (size_t i = 0; i < L->n; i++) {
        sw_free(L->f[i].rel);
        sw_free(L->f[i].shown);
        sw_free(L->f[i].src);
        sw_free(L->f[i].why);
    }
    sw_free(L->f);
    for (size_t i = 0; i < L->n_diag; i++)
        sw_free(L->diag[i]);
    sw_free(L->diag);
}

struct sw_yara_rules *
sw_yara_load(const struct sw_yara_load_opts *o, struct sw_yara_load_stats *st,
             struct sw_err *err)
{
    struct sw_yara_loader L = {.o = o, .st = st};
    struct sw_yara_rules *out = NULL;
    YR_RULES *r = NULL;
    char key[65] = "";
    int fd;

    memset(st, 0, sizeof(*st));
    fd = open(o->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd == -1 && errno == ENOTDIR) {
        /* One file (seawall pcap --rules FILE): a YARA file is the set; a file of another
         * language (.rules) gives an empty set. */
        const char *base = strrchr(o->dir, '/');

        base = base != NULL ? base + 1 : o->dir;
        if (is_rule_name(base)) {
            if (add_file(&L, base, err) != SW_OK)
                goto out;
            sw_free(L.f[0].shown);
            L.f[0].shown = sw_strdup(o->dir);
            if (L.f[0].shown == NULL)
                goto oom;
        }
    } else if (fd == -1) {
        sw_err_sys(err, SW_EIO, "rules directory %s", o->dir);
        return NULL;
    } else if (list_dir(&L, fd, "", 0, err) != SW_OK) {
        goto out;
    }
    if (L.n > 0)
        qsort(L.f, L.n, sizeof(*L.f), cmp_file);
    st->files = L.n;
    for (size_t i = 0; i < L.n; i++) {
        if (L.f[i].why != NULL)
            sw_yara_diag(&L, SW_YARA_DIAG_ERROR, "%s: %s", L.f[i].shown, L.f[i].why);
        else
            read_source(&L, &L.f[i]);
    }
    if (L.oom)
        goto oom;
    /* What was said so far is said again on every load; the cache keeps only what
     * compiling says. */
    L.first_compile_diag = L.n_diag;
    if (o->cache_dir != NULL && sw_yara_cache_key(&L, key)) {
        r = sw_yara_cache_load(&L, key);
        if (r != NULL)
            goto done;
        /* A partial replay is not possible: the cache reports only on success. */
    }
    check_each(&L);
    if (L.oom)
        goto oom;
    for (size_t i = 0; i < L.n; i++)
        st->files_failed += L.f[i].failed;
    r = compile_all(&L, err);
    if (r == NULL)
        goto out;
    YR_RULE *rule;
    yr_rules_foreach(r, rule)
        st->rules++;
    if (o->cache_dir != NULL && key[0] != '\0')
        sw_yara_cache_save(&L, key, r);
done:
    out = sw_calloc(1, sizeof(*out));
    if (out == NULL) {
        yr_rules_destroy(r);
        goto oom;
    }
    out->rules = r;
    atomic_init(&out->refs, 1u);
    goto out;
oom:
    sw_err_set(err, SW_ENOMEM, "rules directory %s: out of memory", o->dir);
out:
    loader_fini(&L);
    return out;
}

struct sw_yara_rules *
sw_yara_rules_hold(struct sw_yara_rules *r)
{
    if (r != NULL)
        atomic_fetch_add_explicit(&r->refs, 1u, memory_order_relaxed);
    return r;
}

void
sw_yara_rules_destroy(struct sw_yara_rules *r)
{
    /* The last holder frees: acq_rel so every use by other holders happens before. */
    if (r == NULL || atomic_fetch_sub_explicit(&r->refs, 1u, memory_order_acq_rel) != 1u)
        return;
    if (r->rules != NULL)
        yr_rules_destroy(r->rules);
    sw_free(r);
}

size_t
sw_yara_rules_count(const struct sw_yara_rules *r)
{
    return r != NULL && r->rules != NULL ? r->rules->num_rules : 0;
}
