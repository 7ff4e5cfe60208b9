/* config.c - configuration: load (libyaml events -> node tree with marks -> schema walk),
 * overrides, free, reload comparison; the loader's messages.
 *
 * The file is parsed into a small tree first (config_yaml.c), so limits (depth, nodes,
 * aliases) are enforced before any value is used and every message can name
 * file:line:column. The tree is then walked against the schema table (agent/config_schema.c,
 * walked by config_apply.c), which also supplies defaults as config text: defaults, the file
 * and --set overrides all go through the same code. Every error is reported and the walk goes
 * on, so `seawall config check` shows them all; the result is all or nothing. The dump and
 * the key reference are config_dump.c. Any thread; nothing here is shared. */
#include "sw/config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "config_int.h"
#include "sw/alloc.h"
#include "sw/sink.h"

/* --- loader messages ----------------------------------------------------------------------- */

static void
deliver(struct loader *ld, enum sw_rc code, char *msg)
{
    /* Values come from the file: keep terminal control bytes out of operators' terminals. */
    for (char *p = msg; *p != '\0'; p++) {
        if ((unsigned char)*p < 0x20 || *p == 0x7f)
            *p = '?';
    }
    if (ld->report != NULL)
        ld->report(ld->ctx, msg);
    /* The first message wins, except that running out of memory is what callers must see. */
    if (ld->n_errors == 0 || code == SW_ENOMEM)
        sw_err_set(ld->err, code, "%s", msg);
    ld->n_errors++;
}

/* "FILE:LINE:COL: path: problem" (or "--set path: problem" for an override). line 0 means
 * no position. */
static void SW_PRINTF(5, 0)
vlerr_at(struct loader *ld, unsigned line, unsigned col, const char *path, const char *fmt,
         va_list ap)
{
    char msg[SW_ERR_MSG_MAX];
    size_t n = 0;
    int r = 0;

    if (line > 0)
        r = snprintf(msg, sizeof(msg), "%s:%u:%u: ", ld->name, line, col);
    else if (ld->in_set)
        r = snprintf(msg, sizeof(msg), "--set ");
    else
        r = snprintf(msg, sizeof(msg), "%s: ", ld->name);
    n = r < 0 ? 0 : (size_t)r;
    if (path != NULL && path[0] != '\0' && n < sizeof(msg)) {
        r = snprintf(msg + n, sizeof(msg) - n, "%s: ", path);
        n += r < 0 ? 0 : (size_t)r;
    }
    if (n < sizeof(msg))
        vsnprintf(msg + n, sizeof(msg) - n, fmt, ap);
    deliver(ld, SW_EINVAL, msg);
}

void SW_PRINTF(5, 6) sw_cfg_lerr_at(struct loader *ld, unsigned line, unsigned col,
                                    const char *path, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vlerr_at(ld, line, col, path, fmt, ap);
    va_end(ap);
}

void
sw_cfg_oom(struct loader *ld)
{
    char msg[SW_ERR_MSG_MAX];

    if (ld->oom)
        return;
    ld->oom = true;
    snprintf(msg, sizeof(msg), "%s: out of memory", ld->in_set ? "--set" : ld->file);
    deliver(ld, SW_ENOMEM, msg);
}

/* s, or its first SHOW_LEN bytes and "..." in buf (not cutting a UTF-8 sequence). */
const char *
sw_cfg_shorten(const char *s, char *buf, size_t len)
{
    size_t n = strlen(s);

    if (n < SHOW_LEN || len < SHOW_LEN + 4)
        return s;
    n = SHOW_LEN - 4;
    while (n > 0 && ((unsigned char)s[n] & 0xc0) == 0x80)
        n--;
    memcpy(buf, s, n);
    memcpy(buf + n, "...", 4);
    return buf;
}

void
sw_cfg_lerr(struct loader *ld, const struct ynode *at, const char *path, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vlerr_at(ld, at == NULL ? 0 : at->line, at == NULL ? 0 : at->col, path, fmt, ap);
    va_end(ap);
}

/* --- load ------------------------------------------------------------------------------------ */

static struct sw_config *
cfg_new(struct loader *ld, const char *source)
{
    struct sw_config *cfg = sw_calloc(1, sizeof(*cfg));

    if (cfg == NULL) {
        sw_cfg_oom(ld);
        return NULL;
    }
    cfg->source = sw_strdup(source);
    if (cfg->source == NULL) {
        sw_cfg_oom(ld);
        sw_cfg_free(cfg);
        return NULL;
    }
    sw_cfg_apply_defaults(ld, sw_cfg_schema, sw_cfg_schema_len, cfg);
    if (ld->n_errors > 0) {
        sw_cfg_free(cfg);
        return NULL;
    }
    return cfg;
}

struct sw_config *
sw_cfg_defaults(struct sw_err *err)
{
    struct loader ld = {.name = "defaults", .file = "defaults", .err = err};

    sw_err_clear(err);
    return cfg_new(&ld, "defaults");
}

/* Parse and apply a document over cfg. */
static void
apply_document(struct loader *ld, const char *buf, size_t len, struct sw_config *cfg)
{
    struct ytree t = {0};

    if (len > SW_CFG_MAX_BYTES) {
        sw_cfg_lerr(ld, NULL, NULL, "larger than the %u-byte limit of a config file",
                    SW_CFG_MAX_BYTES);
        return;
    }
    if (sw_cfg_ytree_parse(ld, &t, buf, len, true, NULL) && t.root != NULL &&
        !sw_cfg_is_null(t.root)) {
        if (t.root->kind != YN_MAP)
            sw_cfg_lerr(ld, t.root, NULL, "the top level must be a mapping, got %s",
                        sw_cfg_kind_name(t.root));
        else
            sw_cfg_apply_map(ld, "", "", t.root, sw_cfg_schema, sw_cfg_schema_len, cfg, NULL);
    }
    sw_cfg_ytree_free(&t);
}

/* Across outputs: each sink's name (given, or type-address) names its stats and its spool
 * folder, so two sinks must not share one. */
static void
check_outputs(struct loader *ld, const struct sw_config *cfg)
{
    for (size_t i = 0; i < cfg->n_outputs; i++) {
        char a[128], b[128], path[32], show[SHOW_LEN + 4];

        sw_sink_cfg_name(&cfg->outputs[i], a, sizeof(a));
        for (size_t j = 0; j < i; j++) {
            sw_sink_cfg_name(&cfg->outputs[j], b, sizeof(b));
            if (strcmp(a, b) != 0)
                continue;
            snprintf(path, sizeof(path), "outputs[%zu]", i);
            sw_cfg_lerr(ld, NULL, path,
                        "name '%s' is already used by outputs[%zu]: give one of them a name",
                        sw_cfg_shorten(a, show, sizeof(show)), j);
            break;
        }
    }
}

static struct sw_config *
load(struct loader *ld, const char *buf, size_t len, const char *const *overrides,
     size_t n_overrides)
{
    struct sw_config *cfg;
    const char *name = ld->name;

    /* Only a bug in the schema's defaults can fail here; say so rather than blame the file. */
    ld->name = "defaults";
    cfg = cfg_new(ld, name);
    ld->name = name;
    if (cfg == NULL)
        return NULL;
    if (buf != NULL)
        apply_document(ld, buf, len, cfg);
    ld->in_set = true;
    for (size_t i = 0; overrides != NULL && i < n_overrides && !ld->oom; i++)
        sw_cfg_apply_override(ld, overrides[i], cfg);
    ld->in_set = false;
    /* Keys that only mean something together: one switch turns profiling on, the file only
     * says where its table goes, so a file without the switch would silently do nothing. */
    if (ld->n_errors == 0 && cfg->rules.profile_file != NULL &&
        cfg->rules.profile_file[0] != '\0' && !cfg->rules.profiling)
        sw_cfg_lerr_at(
            ld, 0, 0, "rules.profile_file",
            "names where the rule profile goes, but rules.profiling is false (turn it on, "
            "or leave rules.profile_file empty)");
    if (ld->n_errors == 0)
        check_outputs(ld, cfg);
    if (ld->n_errors > 0) {
        sw_cfg_free(cfg);
        return NULL;
    }
    return cfg;
}

struct sw_config *
sw_cfg_load_buffer(const char *name, const char *buf, size_t len, const char *const *overrides,
                   size_t n_overrides, sw_cfg_report_fn report, void *ctx, struct sw_err *err)
{
    struct loader ld = {.report = report, .ctx = ctx, .err = err};

    ld.name = name != NULL ? name : "buffer";
    ld.file = ld.name;
    sw_err_clear(err);
    return load(&ld, buf == NULL ? "" : buf, buf == NULL ? 0 : len, overrides, n_overrides);
}

/* Read at most SW_CFG_MAX_BYTES + 1 bytes: enough to tell that a file is too large. */
static char *
read_file(struct loader *ld, const char *path, size_t *len)
{
    char *buf = NULL, msg[SW_ERR_MSG_MAX];
    size_t n = 0, cap = 0;
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);

    if (fd == -1) {
        snprintf(msg, sizeof(msg), "%s: %s", path, strerror(errno));
        deliver(ld, SW_EIO, msg);
        return NULL;
    }
    for (;;) {
        ssize_t r;

        if (n == cap) {
            size_t ncap = cap == 0 ? 64 * 1024 : cap * 2;
            char *nb;

            if (ncap > SW_CFG_MAX_BYTES + 1)
                ncap = SW_CFG_MAX_BYTES + 1;
            if (ncap == cap) {
                sw_cfg_lerr(ld, NULL, NULL, "larger than the %u-byte limit of a config file",
                            SW_CFG_MAX_BYTES);
                goto fail;
            }
            nb = sw_realloc(buf, ncap);
            if (nb == NULL) {
                sw_cfg_oom(ld);
                goto fail;
            }
            buf = nb;
            cap = ncap;
        }
        r = read(fd, buf + n, cap - n);
        if (r == -1 && errno == EINTR)
            continue;
        if (r == -1) {
            snprintf(msg, sizeof(msg), "%s: %s", path, strerror(errno));
            deliver(ld, SW_EIO, msg);
            goto fail;
        }
        if (r == 0)
            break;
        n += (size_t)r;
    }
    close(fd);
    *len = n;
    return buf;
fail:
    close(fd);
    sw_free(buf);
    return NULL;
}

struct sw_config *
sw_cfg_load(const char *path, const char *const *overrides, size_t n_overrides,
            sw_cfg_report_fn report, void *ctx, struct sw_err *err)
{
    struct loader ld = {.name = path, .file = path, .report = report, .ctx = ctx, .err = err};
    struct sw_config *cfg;
    char *buf;
    size_t len = 0;

    sw_err_clear(err);
    if (path == NULL) {
        ld.name = "defaults";
        ld.file = "defaults";
        return load(&ld, NULL, 0, overrides, n_overrides);
    }
    buf = read_file(&ld, path, &len);
    if (buf == NULL)
        return NULL;
    cfg = load(&ld, buf, len, overrides, n_overrides);
    sw_free(buf);
    return cfg;
}

void
sw_cfg_free(struct sw_config *cfg)
{
    if (cfg == NULL)
        return;
    sw_cfg_free_fields(sw_cfg_schema, sw_cfg_schema_len, cfg);
    sw_free(cfg->source);
    sw_free(cfg);
}

size_t
sw_cfg_restart_changes(const struct sw_config *running, const struct sw_config *next,
                       sw_cfg_report_fn report, void *ctx)
{
    size_t n = 0;

    for (size_t i = 0; i < sw_cfg_schema_len; i++) {
        const struct sw_cfg_row *row = &sw_cfg_schema[i];

        if ((row->flags & SW_CFG_RESTART) == 0 || sw_cfg_field_equal(row, running, next))
            continue;
        n++;
        if (report != NULL)
            report(ctx, row->path);
    }
    return n;
}
