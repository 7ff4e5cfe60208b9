/* rtest_int.h - private to the rtest module (agent/rtest_*.c): the YAML node tree of a
 * test.yaml (agent/rtest_yaml.c) that agent/rtest_def.c reads into struct sw_rtest. */
#ifndef SW_RTEST_INT_H
#define SW_RTEST_INT_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "sw/err.h"
#include "sw/rtest.h"

enum ykind { Y_SCALAR, Y_SEQ, Y_MAP };

struct ynode {
    enum ykind kind;
    unsigned line, col; /* 1-based */
    char *text;         /* owned: scalar text of len bytes, NUL-terminated (it may hold
                         * NUL bytes: "\u0000"; names and paths refuse them) */
    size_t len;
    bool plain;         /* a plain scalar (not quoted, not a block literal) */
    char *tag;          /* owned: explicit tag, NULL when none */
    struct ynode **kid; /* owned array of borrowed nodes; a map alternates key, value */
    size_t n, cap;
    struct ynode *next; /* every node, for freeing */
};

struct yparser {
    const char *name;   /* borrowed: the file name in messages */
    struct sw_err *err; /* borrowed: the first problem */
    bool failed;
    size_t count;
    struct ynode *all;  /* owned list */
    struct ynode *root; /* NULL: an empty document */
    struct ynode *stack[SW_RTEST_MAX_DEPTH];
    size_t depth;
};

/* Build p's tree from buf[0, len) within the SW_RTEST_MAX_* limits. false after an error in
 * p->err ("name:LINE:COL: problem"). */
bool sw_rtest_yaml_parse(struct yparser *p, const char *buf, size_t len);
/* Free the tree (the parser may be reused). */
void sw_rtest_yaml_free(struct yparser *p);
/* Record a problem at line:col (0: none) unless one is recorded; SW_ENOMEM always wins. */
void sw_rtest_yaml_err(struct yparser *p, enum sw_rc code, unsigned line, unsigned col,
                       const char *fmt, ...) SW_PRINTF(5, 6);
/* A null scalar ("", ~, null, !!null). */
bool sw_rtest_yaml_is_null(const struct ynode *n);
/* A YAML 1.1 boolean: 1 true, 0 false, -1 not a boolean. */
int sw_rtest_yaml_bool(const struct ynode *n);
/* The JSON value PyYAML's safe_load gives n (caller owns it); NULL after an error. */
json_t *sw_rtest_yaml_json(struct yparser *p, const struct ynode *n);
/* s for a message: at most 48 bytes, control bytes as '?', "..." when cut. Returns buf. */
const char *sw_rtest_yaml_show(const char *s, char *buf, size_t len);

#endif
