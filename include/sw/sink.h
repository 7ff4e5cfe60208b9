/* sink.h - output sinks: where encoded EVE lines go.
 *
 * A sink type is a const table of functions (curl's filter type/instance split); an
 * instance carries its own ctx and event-type filter. Sinks are driven by the output thread
 * only. write() must not block for long: network sinks return SW_SINK_RETRY when the receiver
 * is slow or down and the router keeps the record. */
#ifndef SW_SINK_H
#define SW_SINK_H

#include <stddef.h>
#include <stdint.h>

#include "sw/config.h"
#include "sw/err.h"

enum sw_sink_rc { SW_SINK_DONE, SW_SINK_RETRY, SW_SINK_FAIL };

/* One encoded event. */
struct sw_rec {
    const char *line; /* borrowed: JSON without newline */
    size_t len;
    int type;         /* enum sw_event_type */
};

struct sw_sink;

struct sw_sink_ops {
    const char *name; /* config "type" */
    int (*create)(struct sw_sink *s, const struct sw_cfg_sink *cfg, struct sw_err *err);
    enum sw_sink_rc (*write)(struct sw_sink *s, const struct sw_rec *rec);
    int (*flush)(struct sw_sink *s, struct sw_err *err);
    void (*reopen)(struct sw_sink *s); /* SIGHUP / rotation; may be NULL */
    void (*tick)(struct sw_sink *s);   /* about once a second (live); may be NULL */
    void (*destroy)(struct sw_sink *s); /* copes with a half-built ctx */
};

struct sw_sink {
    const struct sw_sink_ops *ops;
    void *ctx;      /* owned by the ops */
    uint32_t types; /* 1u << enum sw_event_type it takes */
    uint64_t written, failed;
    char name[64];  /* for messages: "file /var/log/seawall/eve.json" */
};

/* Build a sink from its config row. Returns NULL and fills err (naming the sink). */
struct sw_sink *sw_sink_create(const struct sw_cfg_sink *cfg, struct sw_err *err);
/* Flushes and frees. NULL-safe. */
void sw_sink_destroy(struct sw_sink *s);

extern const struct sw_sink_ops sw_sink_file_ops;   /* "file", "stdout" */

#endif
