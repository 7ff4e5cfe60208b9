/* yara.c - YARA rules with libyara 4.2 (see include/sw/yara.h).
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
#include <stdalign.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <stdatomic.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <yara.h>

#include "sw/alloc.h"
#include "sw/log.h"
#include "yara_int.h"

static const char *const ext_names[] = {"filename", "filepath", "extension",
                                        "filetype", "owner",    "seawall_source"};

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

static void
copy_cut(char *dst, size_t n, const char *src, size_t len)
{
    if (len >= n)
        len = n - 1;
    memcpy(dst, src, len);
    dst[len] = '\0';
}

void
sw_yara_ext_set(struct sw_yara_ext *x, const char *abspath, const char *filetype,
                const char *owner)
{
    const char *slash = strrchr(abspath, '/');
    const char *base = slash != NULL ? slash + 1 : abspath;
    const char *dot = strrchr(base, '.');

    copy_cut(x->filename, sizeof(x->filename), base, strlen(base));
    if (slash == NULL)
        copy_cut(x->filepath, sizeof(x->filepath), "", 0);
    else if (slash == abspath)
        copy_cut(x->filepath, sizeof(x->filepath), "/", 1);
    else
        copy_cut(x->filepath, sizeof(x->filepath), abspath, (size_t)(slash - abspath));
    /* As LOKI's os.path.splitext: a leading dot (".bashrc") is no extension. */
    if (dot != NULL && dot != base && strlen(dot) < sizeof(x->extension)) {
        size_t i;

        for (i = 0; dot[i] != '\0'; i++) {
            char c = dot[i];

            x->extension[i] = (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c;
        }
        x->extension[i] = '\0';
    } else {
        x->extension[0] = '\0';
    }
    copy_cut(x->filetype, sizeof(x->filetype), filetype != NULL ? filetype : "UNKNOWN",
             strlen(filetype != NULL ? filetype : "UNKNOWN"));
    copy_cut(x->owner, sizeof(x->owner), owner != NULL ? owner : "", strlen(owner ? owner : ""));
    x->source = "file";
    x->complete = NULL;
    x->complete_ctx = NULL;
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
    int fd = open(f->shown, O_RDONLY | O_CLOEXEC);
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
    while (got < (size_t)st.st_size) {
        ssize_t r = read(fd, f->src + got, (size_t)st.st_size - got);

        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0) {
            sw_yara_diag(L, SW_YARA_DIAG_ERROR, "%s:1: cannot read: %s", f->shown, strerror(errno));
            goto bad;
        }
        if (r == 0)
            break;
        got += (size_t)r;
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
    for (size_t i = 0; i < sizeof(ext_names) / sizeof(ext_names[0]); i++) {
        const char *def = strcmp(ext_names[i], "seawall_source") == 0 ? "file" : "";

        if (yr_compiler_define_string_variable(c, ext_names[i], def) != ERROR_SUCCESS) {
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

/* --- events -------------------------------------------------------------------------------- */

/* Bump allocator over one block. With base NULL it only measures, so a builder runs twice:
 * once to size the block, once to fill it. */
struct arena {
    char *base;
    size_t used, cap;
};

static void *
arena_take(struct arena *a, size_t n, size_t align)
{
    size_t off = (a->used + align - 1) & ~(align - 1);

    a->used = off + n;
    if (a->base == NULL || a->used > a->cap)
        return NULL;
    return a->base + off;
}

static const char *
arena_strn(struct arena *a, const char *s, size_t n)
{
    char *p = arena_take(a, n + 1, 1);

    if (p != NULL) {
        memcpy(p, s, n);
        p[n] = '\0';
    }
    return p;
}

static const char *
arena_str(struct arena *a, const char *s)
{
    return arena_strn(a, s != NULL ? s : "", s != NULL ? strlen(s) : 0);
}

/* The event, its file part and the arena in one allocation, in this order. */
#define EV_HDR ((sizeof(struct sw_event) + alignof(max_align_t) - 1) & ~(alignof(max_align_t) - 1))
#define FP_HDR                                                                                     \
    ((sizeof(struct sw_file_part) + alignof(max_align_t) - 1) & ~(alignof(max_align_t) - 1))

static struct sw_event *
event_alloc(enum sw_event_type t, uint64_t ts_us, size_t arena, struct sw_file_part **fp,
            struct arena *a)
{
    struct sw_event *ev;
    size_t total;

    if (__builtin_add_overflow(EV_HDR + FP_HDR, arena, &total))
        return NULL;
    ev = sw_calloc(1, total);
    if (ev == NULL)
        return NULL;
    ev->type = t;
    ev->ts_us = ts_us;
    *fp = (struct sw_file_part *)(void *)((char *)ev + EV_HDR);
    a->base = (char *)ev + EV_HDR + FP_HDR;
    a->used = 0;
    a->cap = arena;
    ev->file = *fp;
    return ev;
}

/* Copy the fileinfo fields of src into dst (strings into a). dst NULL: measure only. */
static void
copy_fileinfo(struct arena *a, struct sw_file_part *dst, const struct sw_file_part *src)
{
    const char *path = arena_str(a, src->path), *magic = arena_str(a, src->magic);
    const char *owner = arena_str(a, src->owner);
    const char *host = NULL, *url = NULL, *method = NULL, *ctype = NULL, *ua = NULL;
    const char *failed = NULL, *reading = NULL, *anomaly = NULL;

    if (src->has_http) {
        failed = arena_str(a, src->http_decode_failed);
        reading = arena_str(a, src->http_reading);
        anomaly = arena_str(a, src->http_anomaly);
        host = arena_str(a, src->http_host);
        url = arena_str(a, src->http_url);
        method = arena_str(a, src->http_method);
        ctype = arena_str(a, src->http_content_type);
        ua = arena_str(a, src->http_user_agent);
    }
    if (dst == NULL)
        return;
    dst->has_http = src->has_http;
    dst->truncated = src->truncated;
    dst->gaps = src->gaps;
    dst->decode_error = src->decode_error;
    dst->http_decode_failed = failed;
    dst->http_reading = reading;
    dst->http_anomaly = anomaly;
    dst->http_status = src->http_status;
    dst->http_host = host;
    dst->http_url = url;
    dst->http_method = method;
    dst->http_content_type = ctype;
    dst->http_user_agent = ua;
    dst->path = path;
    dst->magic = magic;
    dst->owner = owner;
    dst->size = src->size;
    memcpy(dst->sha256, src->sha256, sizeof(dst->sha256));
    dst->mode = src->mode;
    dst->uid = src->uid;
    dst->gid = src->gid;
    dst->mtime_s = src->mtime_s;
    dst->pid = src->pid;
    memcpy(dst->comm, src->comm, sizeof(dst->comm));
    dst->has_scan = src->has_scan;
    dst->scan = src->scan;
}

struct sw_event *
sw_yara_file_event_create(enum sw_event_type t, uint64_t ts_us, const struct sw_file_part *fi)
{
    struct arena m = {0}, a;
    struct sw_file_part *fp;
    struct sw_event *ev;

    copy_fileinfo(&m, NULL, fi);
    ev = event_alloc(t, ts_us, m.used, &fp, &a);
    if (ev == NULL)
        return NULL;
    copy_fileinfo(&a, fp, fi);
    return ev;
}

struct match_ctx {
    struct sw_yara_scanner *s;
    const struct sw_file_part *fi;
    const struct sw_yara_ext *x; /* its complete hook runs before the first alert; may be NULL */
    bool completed;
    struct sw_emitter *em;
    struct sw_yara_scan_result *res;
    uint64_t ts_us;
    const struct sw_event *tmpl; /* flow scans: the flow part of each alert; else NULL */
};

static int
severity_of(const YR_META *m)
{
    if (m->type == META_TYPE_INTEGER)
        return m->integer >= 1 && m->integer <= 3 ? (int)m->integer : 0;
    if (m->type != META_TYPE_STRING || m->string == NULL)
        return 0;
    if (strcasecmp(m->string, "high") == 0 || strcasecmp(m->string, "critical") == 0 ||
        strcmp(m->string, "1") == 0)
        return 1;
    if (strcasecmp(m->string, "medium") == 0 || strcmp(m->string, "2") == 0)
        return 2;
    if (strcasecmp(m->string, "low") == 0 || strcasecmp(m->string, "info") == 0 ||
        strcmp(m->string, "3") == 0)
        return 3;
    return 0;
}

static uint32_t
sid_of(const YR_META *m)
{
    if (m->type == META_TYPE_INTEGER)
        return m->integer >= 1 && m->integer <= UINT32_MAX ? (uint32_t)m->integer : 0;
    if (m->type == META_TYPE_STRING && m->string != NULL && m->string[0] != '\0') {
        uint64_t v = 0;

        for (const char *p = m->string; *p != '\0'; p++) {
            if (*p < '0' || *p > '9' || v > UINT32_MAX)
                return 0;
            v = v * 10 + (uint64_t)(*p - '0');
        }
        return v >= 1 && v <= UINT32_MAX ? (uint32_t)v : 0;
    }
    return 0;
}

/* Alert fields from the rule's meta (see README "YARA alerts"). */
void
sw_yara_rule_alert(struct sw_alert *al, const YR_RULE *rule)
{
    const YR_META *m;
    const char *desc = NULL, *cat = NULL, *mitre = NULL, *author = NULL, *ref = NULL;
    int sev = 0;
    int64_t score = -1;
    uint32_t sid = 0;

    yr_rule_metas_foreach(rule, m)
    {
        const char *k = m->identifier;
        bool str = m->type == META_TYPE_STRING && m->string != NULL;

        if (strcmp(k, "severity") == 0)
            sev = severity_of(m);
        else if (strcmp(k, "score") == 0 && m->type == META_TYPE_INTEGER)
            score = m->integer;
        else if (strcmp(k, "sid") == 0)
            sid = sid_of(m);
        else if (strcmp(k, "description") == 0 && str)
            desc = m->string;
        else if (strcmp(k, "category") == 0 && str)
            cat = m->string;
        else if ((strcmp(k, "mitre_att") == 0 || strcmp(k, "mitre_technique_id") == 0) && str)
            mitre = m->string;
        else if (strcmp(k, "author") == 0 && str)
            author = m->string;
        else if (strcmp(k, "reference") == 0 && str)
            ref = m->string;
    }
    /* LOKI/THOR rules carry a 0-100 "score" instead of a severity. */
    if (sev == 0 && score >= 0)
        sev = score >= 80 ? 1 : score >= 60 ? 2 : 3;
    al->gid = 1;
    al->rev = 1;
    al->severity = (uint8_t)(sev != 0 ? sev : 2);
    al->signature_id = sid != 0 ? sid : sw_yara_sid(rule->ns->name, rule->identifier);
    snprintf(al->signature, sizeof(al->signature), "%s",
             desc != NULL && desc[0] != '\0' ? desc : rule->identifier);
    snprintf(al->category, sizeof(al->category), "%s",
             cat != NULL && cat[0] != '\0' ? cat : "YARA match");
    al->detector = "yara";
    if (mitre != NULL) {
        /* "T1505.003, T1190": one EVE metadata value each. */
        const char *p = mitre;

        while (*p != '\0') {
            char one[64];
            size_t n = 0;

            while (*p == ',' || *p == ' ' || *p == ';')
                p++;
            while (*p != '\0' && *p != ',' && *p != ' ' && *p != ';') {
                if (n + 1 < sizeof(one))
                    one[n++] = *p;
                p++;
            }
            one[n] = '\0';
            if (n > 0)
                sw_alert_meta_add(al, "mitre_technique_id", one);
        }
    }
    if (author != NULL && strlen(author) < sizeof(al->meta[0].value))
        sw_alert_meta_add(al, "author", author);
    if (ref != NULL && strlen(ref) < sizeof(al->meta[0].value))
        sw_alert_meta_add(al, "reference", ref);
}

/* libyara 4.2 keeps YR_MATCH records in an arena without aligning them (UBSan reports every
 * member access), so matches are copied out byte-wise before their fields are read, and the
 * list is walked here instead of with yr_string_matches_foreach(). Returns false at the end;
 * *it is the next record, opaque. */
static bool
next_match(const void **it, YR_MATCH *out)
{
    while (*it != NULL) {
        memcpy(out, *it, sizeof(*out));
        *it = out->next;
        if (!out->is_private)
            return true;
    }
    return false;
}

static const void *
first_match(YR_SCAN_CONTEXT *ctx, const YR_STRING *s)
{
    const void *head;

    memcpy(&head, (const char *)&ctx->matches[s->idx] + offsetof(YR_MATCHES, head), sizeof(head));
    return head;
}

/* Build the yara part of a match into a (dst NULL: measure). */
static void
build_match(struct arena *a, struct sw_file_part *dst, YR_SCAN_CONTEXT *ctx, const YR_RULE *rule,
            const struct sw_yara_limits *lim)
{
    const char *tag;
    const YR_META *m;
    YR_STRING *s;
    unsigned n_tags = 0, n_meta = 0, n_str = 0;
    uint64_t total = 0;

    yr_rule_tags_foreach(rule, tag) n_tags++;
    yr_rule_metas_foreach(rule, m) n_meta++;
    yr_rule_strings_foreach(rule, s)
    {
        const void *it = first_match(ctx, s);
        YR_MATCH mt;

        while (next_match(&it, &mt))
            total++;
    }
    n_str = total < lim->max_strings ? (unsigned)total : lim->max_strings;

    const char **tags = arena_take(a, n_tags * sizeof(*tags), alignof(const char *));
    struct sw_yara_meta_kv *meta = arena_take(a, n_meta * sizeof(*meta), alignof(max_align_t));
    struct sw_yara_str_match *strs = arena_take(a, n_str * sizeof(*strs), alignof(max_align_t));
    const char *rname = arena_str(a, rule->identifier);
    const char *ns = arena_str(a, rule->ns->name);
    unsigned i = 0;

    yr_rule_tags_foreach(rule, tag)
    {
        const char *t = arena_str(a, tag);

        if (tags != NULL)
            tags[i] = t;
        i++;
    }
    i = 0;
    yr_rule_metas_foreach(rule, m)
    {
        const char *k = arena_str(a, m->identifier);
        const char *v = m->type == META_TYPE_STRING ? arena_str(a, m->string) : NULL;

        if (meta != NULL) {
            meta[i].key = k;
            meta[i].str = v;
            meta[i].num = m->integer;
            meta[i].kind = m->type == META_TYPE_INTEGER   ? SW_YARA_META_KIND_INT
                           : m->type == META_TYPE_BOOLEAN ? SW_YARA_META_KIND_BOOL
                                                          : SW_YARA_META_KIND_STR;
        }
        i++;
    }
    i = 0;
    yr_rule_strings_foreach(rule, s)
    {
        const void *it = first_match(ctx, s);
        YR_MATCH mt;

        while (next_match(&it, &mt)) {
            if (i >= n_str)
                break;
            size_t keep = mt.data_length > 0 ? (size_t)mt.data_length : 0;
            char esc[SW_YARA_MAX_STRING_BYTES * 4 + 1];

            if (keep > lim->string_bytes)
                keep = lim->string_bytes;
            sw_yara_escape(mt.data, keep, esc, sizeof(esc));
            const char *id = arena_str(a, s->identifier);
            const char *data = arena_str(a, esc);

            if (strs != NULL) {
                strs[i].identifier = id;
                strs[i].offset = (uint64_t)(mt.base + mt.offset);
                strs[i].length = (uint32_t)mt.match_length;
                strs[i].data = data;
            }
            i++;
        }
    }
    if (dst == NULL)
        return;
    dst->rule = rname;
    dst->ns = ns;
    dst->tags = tags;
    dst->n_tags = n_tags;
    dst->meta = meta;
    dst->n_meta = n_meta;
    dst->strings = strs;
    dst->n_strings = n_str;
    dst->strings_total = total;
}

static int
scan_cb(YR_SCAN_CONTEXT *ctx, int message, void *data, void *user)
{
    struct match_ctx *mc = user;

    if (message == CALLBACK_MSG_TOO_MANY_MATCHES) {
        /* libyara stops recording that string's matches; the scan and the rule's alert go
         * on (CALLBACK_CONTINUE), and the run counts it. */
        mc->res->too_many = true;
        return CALLBACK_CONTINUE;
    }
    if (message != CALLBACK_MSG_RULE_MATCHING)
        return CALLBACK_CONTINUE;

    const YR_RULE *rule = data;
    struct arena m = {0}, a;
    struct sw_file_part *fp;
    struct sw_event *ev;

    mc->res->matches++;
    if (mc->s->prof != NULL)
        sw_yara_prof_match(mc->s->prof, rule);
    if (!mc->completed && mc->x != NULL && mc->x->complete != NULL)
        mc->x->complete(mc->x->complete_ctx);
    mc->completed = true;
    if (mc->fi != NULL)
        copy_fileinfo(&m, NULL, mc->fi);
    build_match(&m, NULL, ctx, rule, &mc->s->lim);
    ev = event_alloc(SW_EV_ALERT, mc->ts_us, m.used, &fp, &a);
    if (ev == NULL) {
        mc->res->drops++;
        return CALLBACK_CONTINUE;
    }
    if (mc->fi != NULL)
        copy_fileinfo(&a, fp, mc->fi);
    build_match(&a, fp, ctx, rule, &mc->s->lim);
    sw_yara_rule_alert(&ev->u.alert, rule);
    if (mc->tmpl != NULL) {
        ev->ts_us = mc->tmpl->ts_us;
        ev->flow = mc->tmpl->flow;
        ev->counts = mc->tmpl->counts;
        ev->ndpi = mc->tmpl->ndpi;
        ev->has_ndpi = mc->tmpl->has_ndpi;
        ev->on_flow = true;
        ev->u.alert.to_client = mc->tmpl->u.alert.to_client;
    }
    sw_emit(mc->em, ev);
    return CALLBACK_CONTINUE;
}

struct sw_yara_scanner *
sw_yara_scanner_create(const struct sw_yara_rules *r, const struct sw_yara_limits *lim,
                       struct sw_err *err)
{
    struct sw_yara_scanner *s = sw_calloc(1, sizeof(*s));
    int rc;

    if (s == NULL) {
        sw_err_set(err, SW_ENOMEM, "yara scanner: out of memory");
        return NULL;
    }
    s->lim = *lim;
    if (s->lim.max_strings > SW_YARA_MAX_STRINGS)
        s->lim.max_strings = SW_YARA_MAX_STRINGS;
    if (s->lim.string_bytes > SW_YARA_MAX_STRING_BYTES)
        s->lim.string_bytes = SW_YARA_MAX_STRING_BYTES;
    rc = yr_scanner_create(r->rules, &s->sc);
    if (rc != ERROR_SUCCESS) {
        sw_err_set(err, rc == ERROR_INSUFFICIENT_MEMORY ? SW_ENOMEM : SW_EIO,
                   "yara scanner: libyara error %d", rc);
        sw_free(s);
        return NULL;
    }
    yr_scanner_set_flags(s->sc, SCAN_FLAGS_REPORT_RULES_MATCHING);
    if (lim->timeout_s > 0)
        yr_scanner_set_timeout(s->sc, (int)lim->timeout_s);
    if (r->profiling && (s->prof = sw_yara_prof_create(r->rules)) == NULL) {
        sw_err_set(err, SW_ENOMEM, "yara scanner: out of memory for rule profiling");
        sw_yara_scanner_destroy(s);
        return NULL;
    }
    return s;
}

void
sw_yara_scanner_destroy(struct sw_yara_scanner *s)
{
    if (s == NULL)
        return;
    if (s->sc != NULL)
        yr_scanner_destroy(s->sc);
    sw_yara_prof_destroy(s->prof);
    sw_free(s);
}

/* Both scans: set the externals (vals in ext_names order), scan, map libyara's codes. */
static enum sw_rc
scan_common(struct sw_yara_scanner *s, const char *const vals[6], const char *label,
            struct match_ctx *mc, const uint8_t *buf, size_t len, struct sw_err *err)
{
    static const uint8_t empty[1];
    struct timespec ts;
    int rc;

    memset(mc->res, 0, sizeof(*mc->res));
    clock_gettime(CLOCK_REALTIME, &ts);
    mc->ts_us = (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
    for (size_t i = 0; i < 6; i++) {
        rc = yr_scanner_define_string_variable(s->sc, ext_names[i], vals[i]);
        if (rc != ERROR_SUCCESS)
            return sw_err_set(err, SW_EIO, "%s: setting external %s: libyara error %d", label,
                              ext_names[i], rc);
    }
    yr_scanner_set_callback(s->sc, scan_cb, mc);
    if (s->prof != NULL) {
        uint64_t t0 = sw_yara_prof_now();

        rc = yr_scanner_scan_mem(s->sc, len > 0 ? buf : empty, len);
        sw_yara_prof_scan(s->prof, sw_yara_prof_now() - t0, mc->res->matches > 0);
    } else {
        rc = yr_scanner_scan_mem(s->sc, len > 0 ? buf : empty, len);
    }
    if (rc == ERROR_SCAN_TIMEOUT) {
        mc->res->timeout = true;
        return sw_err_set(err, SW_ELIMIT, "%s: scan timed out", label);
    }
    if (rc != ERROR_SUCCESS)
        return sw_err_set(err, rc == ERROR_INSUFFICIENT_MEMORY ? SW_ENOMEM : SW_EIO,
                          "%s: libyara scan error %d", label, rc);
    return SW_OK;
}

enum sw_rc
sw_yara_scan_mem(struct sw_yara_scanner *s, const struct sw_yara_ext *x,
                 const struct sw_file_part *fi, const uint8_t *buf, size_t len,
                 struct sw_emitter *em, struct sw_yara_scan_result *res, struct sw_err *err)
{
    struct match_ctx mc = {.s = s, .fi = fi, .x = x, .em = em, .res = res};
    const char *const vals[6] = {x->filename, x->filepath, x->extension,
                                 x->filetype, x->owner,    x->source != NULL ? x->source : "file"};

    return scan_common(s, vals, fi->path, &mc, buf, len, err);
}

enum sw_rc
sw_yara_scan_flow(struct sw_yara_scanner *s, const struct sw_event *tmpl, const char *label,
                  const uint8_t *buf, size_t len, struct sw_emitter *em,
                  struct sw_yara_scan_result *res, struct sw_err *err)
{
    struct match_ctx mc = {.s = s, .em = em, .res = res, .tmpl = tmpl};
    const char *const vals[6] = {"", "", "", "", "", "stream"};

    return scan_common(s, vals, label, &mc, buf, len, err);
}

enum sw_rc
sw_yara_scan_flow_file(struct sw_yara_scanner *s, const struct sw_event *tmpl,
                       const struct sw_yara_ext *x, const struct sw_file_part *fi,
                       const uint8_t *buf, size_t len, struct sw_emitter *em,
                       struct sw_yara_scan_result *res, struct sw_err *err)
{
    struct match_ctx mc = {.s = s, .fi = fi, .x = x, .em = em, .res = res, .tmpl = tmpl};
    const char *const vals[6] = {x->filename, x->filepath, x->extension,
                                 x->filetype, x->owner,    x->source != NULL ? x->source : "file"};

    return scan_common(s, vals, fi->path, &mc, buf, len, err);
}
