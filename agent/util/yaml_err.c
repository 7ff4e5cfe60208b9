/* yaml_err.c - libyaml's parse errors as a position and words (see include/sw/yaml_err.h). */
#include "sw/yaml_err.h"

#include <string.h>

void
sw_yaml_err_describe(const yaml_parser_t *p, const char *buf, size_t len, struct sw_yaml_err *out)
{
    memset(out, 0, sizeof(*out));
    if (p->error == YAML_MEMORY_ERROR) {
        out->nomem = true;
        return;
    }
    out->mark = p->problem_mark;
    out->problem = p->problem != NULL ? p->problem : "unknown error";
    if (p->error == YAML_READER_ERROR) {
        /* The reader reports a byte offset only (its marks are not set): count the lines. */
        out->mark.line = 0;
        out->mark.column = 0;
        for (size_t i = 0; i < p->problem_offset && i < len; i++) {
            if (buf[i] == '\n') {
                out->mark.line++;
                out->mark.column = 0;
            } else {
                out->mark.column++;
            }
        }
        return;
    }
    out->context = p->context;
    out->context_mark = p->context_mark;
}
