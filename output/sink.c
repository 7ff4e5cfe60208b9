/* sink.c - sink construction by type name (see include/sw/sink.h). */
#include "sw/sink.h"

#include <string.h>

#include "sw/alloc.h"

static const struct {
    const char *type;
    const struct sw_sink_ops *ops;
} sink_types[] = {
    {"file", &sw_sink_file_ops},
    {"stdout", &sw_sink_file_ops},
};

struct sw_sink *
sw_sink_create(const struct sw_cfg_sink *cfg, struct sw_err *err)
{
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
    if (ops->create(s, cfg, err) != SW_OK) {
        sw_sink_destroy(s);
        return NULL;
    }
    return s;
}

void
sw_sink_destroy(struct sw_sink *s)
{
    if (s == NULL)
        return;
    s->ops->destroy(s);
    sw_free(s);
}
