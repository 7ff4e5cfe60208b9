/* rtest_int.h - private to the rtest module (agent/rtest_*.c): the YAML node tree of a
 * test.yaml and the helpers that read it (agent/rtest_yaml.c, used by agent/rtest_def.c),
 * one match key applied to a value (agent/rtest_value.c, used by agent/rtest_check.c), and
 * the state of one test's run shared by agent/rtest_run.c and agent/rtest_gate.c. */
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

/* Reading nodes; each reports its problem through p ("what: expected ...") and returns
 * false, NULL or 0 then. */
const char *sw_rtest_yaml_kind(const struct ynode *n); /* "a mapping", "a sequence", ... */
/* A mapping (or null: no keys) with scalar keys, none twice. */
bool sw_rtest_yaml_want_map(struct yparser *p, const struct ynode *n, const char *what);
/* Items of a sequence, or the node itself when it is a single value (none when null). */
size_t sw_rtest_yaml_nitems(const struct ynode *n);
const struct ynode *sw_rtest_yaml_item(const struct ynode *n, size_t i);
/* A copy of a scalar's text (caller owns it); no NUL byte inside. */
char *sw_rtest_yaml_text(struct yparser *p, const struct ynode *n, const char *what);
/* An integer value in [min, max]. */
bool sw_rtest_yaml_int(struct yparser *p, const struct ynode *n, const char *what, long long min,
                       long long max, long long *out);
/* Append s (taken, freed on failure; NULL: an error already reported, or out of memory). */
bool sw_rtest_strs_add(struct yparser *p, struct sw_rtest_strs *l, char *s, unsigned line);
/* Append the texts of a sequence of scalars, or of one scalar. */
bool sw_rtest_strs_of(struct yparser *p, const struct ynode *n, const char *what,
                      struct sw_rtest_strs *l);
void sw_rtest_strs_free(struct sw_rtest_strs *l);

/* Apply m to a value found in an event: v, or the length len when len is not -2 (both
 * absent: the field is missing, Python's None). agent/rtest_value.c. */
bool sw_rtest_apply(const struct sw_rtest_match *m, const json_t *v, long long len);

/* --- one test's run (agent/rtest_run.c, agent/rtest_gate.c) ------------------------------ */

#define RT_PATH_LEN 4096
#define RT_MAX_ARGS 512
#define RT_MAX_STAGED 256

/* Arguments of the pipeline call: owned strings. */
struct rtest_argv {
    char *v[RT_MAX_ARGS + 1];
    int n;
    bool full;
};

/* A staged rule file: where the pipeline reads it, and the path the user knows. */
struct rtest_staged {
    char *to, *from; /* owned */
};

/* One test's run: what the gates found and what the pipeline call needs. Lives on the stack
 * of sw_rtest_run, in the test's own process. */
struct rtest_run {
    const struct sw_rtest *t;
    const struct sw_rtest_run_opts *o;
    const char *dir, *out;
    json_t *res;     /* the result being built */
    json_t *reasons; /* array of {group, detail} */
    bool failed;     /* a failure recorded (definition or run) */
    char fail_msg[SW_ERR_MSG_MAX];
    struct rtest_argv sets;            /* --set KEY=VALUE from the test's args */
    struct rtest_argv extra;           /* other pipeline options from the args */
    char rules_arg[RT_PATH_LEN];       /* --rules, "" when none */
    char diag_prefix[RT_PATH_LEN + 2]; /* rule diagnostics start with this */
    struct rtest_staged staged[RT_MAX_STAGED];
    size_t n_staged;
    bool needs_sigs;         /* Suricata-syntax rules among the rules */
    bool dry;                /* the test will not run: find the rules, copy nothing */
    char rule_error[2048];   /* the first rule diagnostic that is an error */
    bool staged_dir;         /* rules_arg is OUT/rules (else the test's own rules folder) */
    bool ran;                /* the pipeline was called (a failure before is the test's own) */
    char input[RT_PATH_LEN]; /* the capture */
    bool scan;
};

/* Add one option (copied); false (and full set) past RT_MAX_ARGS or out of memory. */
bool sw_rtest_av_add(struct rtest_argv *a, const char *s);
void sw_rtest_av_free(struct rtest_argv *a);
/* Record a skip reason: group for the summary, the formatted detail for the test's line. */
void sw_rtest_reason(struct rtest_run *r, const char *group, const char *fmt, ...) SW_PRINTF(3, 4);
/* Record the failure (the first one counts). */
void sw_rtest_fail(struct rtest_run *r, const char *fmt, ...) SW_PRINTF(2, 3);
/* a/b into buf, or b when absolute. false when it does not fit. */
bool sw_rtest_join(char *buf, size_t len, const char *a, const char *b);
bool sw_rtest_ends_with(const char *s, const char *suffix); /* case-insensitive */
bool sw_rtest_is_rule_file(const char *name);               /* *.rules, *.yar, *.yara */

/* The gates, in this order (agent/rtest_gate.c). name is the test folder's own name. */
void sw_rtest_gate_definition(struct rtest_run *r, const char *name);
void sw_rtest_gate_args(struct rtest_run *r);
void sw_rtest_gate_input(struct rtest_run *r);
void sw_rtest_gate_rules(struct rtest_run *r);

#endif
