/* sink.c - sink construction by type name and the helpers every sink shares
 * (see include/sw/sink.h). */
#include "sw/sink.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "sw/alloc.h"

static const struct {
    const char *type;
    const struct sw_sink_ops *ops;
} sink_types[] = {
    {"file", &sw_sink_file_ops},
    {"stdout", &sw_sink_file_ops},
    {"tcp", &sw_sink_tcp_ops},
    {"syslog", &sw_sink_syslog_ops},
    {"http", &sw_sink_http_ops},
    {"kafka", &sw_sink_kafka_ops},
};

struct sw_sink *
sw_sink_create(const struct sw_cfg_sink *cfg, const struct sw_sink_env *env, struct sw_err *err)
{
    static const struct sw_sink_env no_env = {.host = "", .pid = 0, .state_dir = ""};
    const struct sw_sink_ops *ops = NULL;
    struct sw_sink *s;

    for (size_t i = 0; i < sizeof(sink_types) / sizeof(sink_types[0]); i++)
        if (strcmp(sink_types[i].type, cfg->type) == 0)
            ops = sink_types[i].ops;
    if (ops == NULL) {
        sw_err_set(err, SW_EINVAL, "outputs: sink type '%s' is not available in this build",
                   cfg->type);
        return NULL;
    }
    s = sw_calloc(1, sizeof(*s));
    if (s == NULL) {
        sw_err_set(err, SW_ENOMEM, "outputs: out of memory");
        return NULL;
    }
    s->ops = ops;
    s->types = cfg->types;
    if (ops->create(s, cfg, env != NULL ? env : &no_env, err) != SW_OK) {
        sw_sink_destroy(s);
        return NULL;
    }
    return s;
}

void
sw_sink_cfg_name(const struct sw_cfg_sink *c, char *buf, size_t len)
{
    if (c->name != NULL)
        snprintf(buf, len, "%s", c->name);
    else if (strcmp(c->type, "stdout") == 0 || (c->path != NULL && strcmp(c->path, "-") == 0))
        snprintf(buf, len, "stdout");
    else if (c->address != NULL)
        snprintf(buf, len, "%s-%s", c->type, c->address);
    else if (c->url != NULL)
        snprintf(buf, len, "%s-%s", c->type, c->url);
    else if (c->brokers.n > 0)
        snprintf(buf, len, "%s-%s", c->type, c->brokers.v[0]);
    else if (c->path != NULL)
        snprintf(buf, len, "%s-%s", c->type, c->path);
    else
        snprintf(buf, len, "%s", c->type);
}

void
sw_sink_destroy(struct sw_sink *s)
{
    if (s == NULL)
        return;
    s->ops->destroy(s);
    sw_free(s);
}

void
sw_sink_error(struct sw_sink *s, const char *fmt, ...)
{
    char msg[SW_ERR_MSG_MAX];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    if (s->host != NULL)
        s->host->error(s->host_ctx, s, msg);
}

/* EVE lines are ours (output/eve.c, compact Jansson dumps), so a small scanner that tracks
 * strings and nesting finds the commas between top-level members; it still never reads
 * past len whatever the bytes are. */
size_t
sw_sink_truncate_json(const char *line, size_t len, char *out, size_t max)
{
    static const char tail[] = "\"truncated\":true}";
    size_t cut = 0, depth = 0;
    bool in_str = false;

    if (len <= max) {
        memcpy(out, line, len);
        return len;
    }
    if (len == 0 || line[0] != '{' || max < sizeof(tail) + 1)
        return 0;
    for (size_t i = 0; i < len; i++) {
        char c = line[i];

        if (in_str) {
            if (c == '\\')
                i++;
            else if (c == '"')
                in_str = false;
            continue;
        }
        if (c == '"') {
            in_str = true;
        } else if (c == '{' || c == '[') {
            depth++;
        } else if (c == '}' || c == ']') {
            if (depth > 0)
                depth--;
        } else if (c == ',' && depth == 1) {
            /* line[0..i] plus ',' plus the tail must fit. */
            if (i + 1 + sizeof(tail) - 1 > max)
                break;
            cut = i + 1;
        }
    }
    if (cut == 0)
        return 0;
    memcpy(out, line, cut);
    memcpy(out + cut, tail, sizeof(tail) - 1);
    return cut + sizeof(tail) - 1;
}
