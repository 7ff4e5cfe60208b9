/* yaml_err.h - where and why libyaml's parser failed, for the two YAML readers (the
 * configuration's, agent/config_yaml.c, and the rule tests', agent/rtest_yaml.c). Policy-free:
 * each reader words the message and reports it its own way. Any thread. */
#ifndef SW_YAML_ERR_H
#define SW_YAML_ERR_H

#include <stdbool.h>
#include <stddef.h>
#include <yaml.h>

/* A parse error. Marks are libyaml's: 0-based line and column. */
struct sw_yaml_err {
    bool nomem;              /* libyaml ran out of memory: nothing below is set */
    yaml_mark_t mark;        /* where the problem is */
    const char *problem;     /* libyaml's words, "unknown error" when it gave none */
    const char *context;     /* what it was reading, NULL when none (always for a reader error) */
    yaml_mark_t context_mark; /* where that began, when context is set */
};

/* Describe the error of parser p, which failed reading buf[0, len): a reader error (bad
 * UTF-8, a control byte) has only a byte offset, made a line and column here. The strings are
 * borrowed from p: valid until it is deleted. */
void sw_yaml_err_describe(const yaml_parser_t *p, const char *buf, size_t len,
                          struct sw_yaml_err *out);

#endif
