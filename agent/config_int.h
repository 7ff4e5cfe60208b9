/* config_int.h - private to the configuration module (agent/config*.c):
 *   config.c        load, overrides, free, reload comparison; the loader's messages
 *   config_yaml.c   libyaml events -> node tree with positions, within the SW_CFG_MAX_* limits
 *   config_apply.c  the tree (file, --set values, defaults) walked against the schema
 *   config_value.c  value formatting for messages and the dump, freeing and comparing fields
 *   config_dump.c   `seawall config check` (sw_cfg_dump) and the key reference (sw_cfg_doc)
 *   config_schema.c the schema table (config_schema.h)
 * Nothing here is shared between threads: a loader and its tree belong to one call. */
#ifndef SW_CONFIG_INT_H
#define SW_CONFIG_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config_schema.h"
#include "sw/config.h"
#include "sw/err.h"

#define PATH_LEN 256 /* key paths in messages; longer ones are unknown anyway */
#define SHOW_LEN 48  /* user values quoted in messages are cut to this */
/* What a file or --set gets for a key of a SW_CFG_UNBUILT row, and the key reference says. */
#define SW_CFG_UNBUILT_MSG "not supported by this build yet"

/* --- node tree (config_yaml.c) ------------------------------------------------------------- */

enum ynode_kind { YN_SCALAR, YN_SEQ, YN_MAP };

struct ynode {
    enum ynode_kind kind;
    bool plain;          /* plain scalar: "", "~" and "null" mean no value */
    unsigned line, col;  /* 1-based; 0: no position (override values, defaults) */
    char *buf;           /* owned: scalar text */
    const char *text;    /* scalar text: buf, NUL-terminated */
    char *anchor;        /* owned: anchor name, registered once the node is complete */
    const struct ynode **kid; /* owned array of borrowed nodes; a map alternates key, value */
    size_t n, cap;
    uint64_t weight;     /* nodes below and including this one, aliases expanded */
    unsigned height;     /* nesting levels below and including this one */
    struct ynode *next;  /* every node of the tree, for freeing */
};

struct yanchor {
    const char *name; /* borrowed: the node's anchor */
    struct ynode *node;
};

struct ytree {
    struct ynode *all; /* owned list */
    size_t count;      /* nodes and aliases parsed */
    struct ynode *root;
    struct yanchor anchors[SW_CFG_MAX_ANCHORS];
    size_t n_anchors;
};

/* --- loader state and messages (config.c) -------------------------------------------------- */

struct loader {
    const char *name; /* file name, or "defaults", for messages */
    const char *file; /* file name for out-of-memory and I/O messages */
    bool in_set;      /* applying an override: messages start with "--set " */
    sw_cfg_report_fn report;
    void *ctx;
    struct sw_err *err;
    unsigned n_errors;
    bool oom;
};

/* "FILE:LINE:COL: path: problem" (or "--set path: problem" for an override); line 0 means
 * no position. Reported, counted, and the first one (or out of memory) kept in ld->err. */
void sw_cfg_lerr_at(struct loader *ld, unsigned line, unsigned col, const char *path,
                    const char *fmt, ...) SW_PRINTF(5, 6);
/* An error about a node (its position, if it has one). */
void sw_cfg_lerr(struct loader *ld, const struct ynode *at, const char *path, const char *fmt,
                 ...) SW_PRINTF(4, 5);
/* Out of memory, reported once per load. */
void sw_cfg_oom(struct loader *ld);
/* s, or its first SHOW_LEN bytes and "..." in buf (not cutting a UTF-8 sequence). */
const char *sw_cfg_shorten(const char *s, char *buf, size_t len);

/* --- config_yaml.c ------------------------------------------------------------------------- */

/* Parse buf into t (one document at most). positions: messages carry file positions, else
 * they name path (a --set value, a default). Returns false after reporting an error. */
bool sw_cfg_ytree_parse(struct loader *ld, struct ytree *t, const char *buf, size_t len,
                        bool positions, const char *path);
/* Free t's nodes and clear it. */
void sw_cfg_ytree_free(struct ytree *t);
/* A plain "", "~" or null: no value. */
bool sw_cfg_is_null(const struct ynode *n);
/* "a mapping", "a sequence", "no value" or "a scalar", for messages. */
const char *sw_cfg_kind_name(const struct ynode *n);

/* --- config_apply.c ------------------------------------------------------------------------ */

/* Walk a mapping: disp is the path shown in messages ("outputs[1]"), look the path matched
 * against rows ("" inside table items). seen[] (may be NULL) marks the rows set. */
void sw_cfg_apply_map(struct loader *ld, const char *disp, const char *look,
                      const struct ynode *map, const struct sw_cfg_row *rows, size_t n_rows,
                      void *base, bool *seen);
/* Every row's default into base (rows of struct sw_config or of a table item). */
void sw_cfg_apply_defaults(struct loader *ld, const struct sw_cfg_row *rows, size_t n,
                           void *base);
/* "key.path=value" from the command line. */
void sw_cfg_apply_override(struct loader *ld, const char *spec, struct sw_config *cfg);

/* --- config_value.c ------------------------------------------------------------------------ */

/* A number of row's type as config text ("64KiB", "30s"). Returns buf or a constant. */
const char *sw_cfg_fmt_number(const struct sw_cfg_row *row, uint64_t v, char *buf, size_t len);
/* e's names joined by sep. Returns buf. */
const char *sw_cfg_fmt_choices(const struct sw_cfg_enum *e, const char *sep, char *buf,
                               size_t len);
/* What a value of row must be, for messages ("a size from 1KiB to 1GiB"). Returns buf. */
const char *sw_cfg_type_desc(const struct sw_cfg_row *row, char *buf, size_t len);
/* The value of the enum name, or -1. */
int sw_cfg_enum_lookup(const struct sw_cfg_enum *e, const char *name);
/* A number field of row in base, widened. */
uint64_t sw_cfg_get_uint(const struct sw_cfg_row *row, const void *base);
/* Free what the fields own and clear them (the struct itself stays the caller's). */
void sw_cfg_strlist_free(struct sw_strlist *l);
void sw_cfg_strmap_free(struct sw_strmap *m);
void sw_cfg_table_free(const struct sw_cfg_table *sub, void *arr, size_t n);
void sw_cfg_free_fields(const struct sw_cfg_row *rows, size_t n, void *base);
/* Do a and b hold the same value of row? */
bool sw_cfg_field_equal(const struct sw_cfg_row *row, const void *a, const void *b);

#endif
