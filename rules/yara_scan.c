/* yara_scan.c - scanning with a compiled set (see include/sw/yara.h): the externals of each
 * scan, the scanner of one thread, and the alert events its matching rules become. Loading
 * and compiling are rules/yara.c's; both share rules/yara_int.h. */
#include "sw/yara.h"

#include <stdalign.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <yara.h>

#include "sw/alloc.h"
#include "yara_int.h"

/* --- externals ----------------------------------------------------------------------------- */

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
    for (size_t i = 0; i < SW_YARA_N_EXT; i++)
        sw_free(s->ext_val[i]);
    sw_yara_prof_destroy(s->prof);
    sw_free(s);
}

/* Both scans: set the externals (vals in ext_names order), scan, map libyara's codes. */
static enum sw_rc
scan_common(struct sw_yara_scanner *s, const char *const vals[SW_YARA_N_EXT], const char *label,
            struct match_ctx *mc, const uint8_t *buf, size_t len, struct sw_err *err)
{
    static const uint8_t empty[1];
    struct timespec ts;
    int rc;

    memset(mc->res, 0, sizeof(*mc->res));
    clock_gettime(CLOCK_REALTIME, &ts);
    mc->ts_us = (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
    for (size_t i = 0; i < SW_YARA_N_EXT; i++) {
        if (s->ext_val[i] != NULL && strcmp(s->ext_val[i], vals[i]) == 0)
            continue; /* sc has it already */
        sw_free(s->ext_val[i]);
        s->ext_val[i] = NULL; /* unknown until the define succeeds */
        rc = yr_scanner_define_string_variable(s->sc, sw_yara_ext_names[i], vals[i]);
        if (rc != ERROR_SUCCESS)
            return sw_err_set(err, SW_EIO, "%s: setting external %s: libyara error %d", label,
                              sw_yara_ext_names[i], rc);
        s->ext_val[i] = sw_strdup(vals[i]); /* NULL when out of memory: defined again next */
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
