/* placeholder */
#include "sw/sink.h"

static int
http_create(struct sw_sink *s, const struct sw_cfg_sink *cfg, const struct sw_sink_env *env,
            struct sw_err *err)
{
    (void)s;
    (void)cfg;
    (void)env;
    return sw_err_set(err, SW_EINVAL, "http: not yet");
}

static void
http_destroy(struct sw_sink *s)
{
    (void)s;
}

const struct sw_sink_ops sw_sink_http_ops = {
    .name = "http", .create = http_create, .destroy = http_destroy, .networked = true,
};
