/* config_schema.h - the configuration schema: one row per key (agent/config_schema.c).
 *
 * Private to agent/config.c and agent/config_schema.c. The table drives loading, validation,
 * defaults, `seawall config check` (sw_cfg_dump), the key reference (sw_cfg_doc), freeing and
 * reload comparisons, so a new key is one row here plus its field in struct sw_config.
 * Immutable: any thread. */
#ifndef SW_CONFIG_SCHEMA_H
#define SW_CONFIG_SCHEMA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum sw_cfg_type {
    SW_CFG_STR,      /* char * (owned); min/max bound the length in bytes */
    SW_CFG_UINT,     /* uint32_t or uint64_t (size says which) */
    SW_CFG_SIZE,     /* bytes, uint32_t or uint64_t: "64KiB" */
    SW_CFG_DURATION, /* microseconds, uint64_t: "30s" */
    SW_CFG_BOOL,     /* bool */
    SW_CFG_ENUM,     /* int, one of enums[] */
    SW_CFG_STRLIST,  /* struct sw_strlist; min/max bound the item count */
    SW_CFG_CIDRLIST, /* struct sw_cidrlist; min/max bound the item count */
    SW_CFG_EVTYPES,  /* uint32_t bit set of enum sw_event_type, from a list of names */
    SW_CFG_TABLE,    /* array of sub-table structs + size_t count (off2); min/max: item count */
    SW_CFG_KVLIST,   /* struct sw_strlist of name, value pairs from a mapping; max: entries */
    SW_CFG_STRMAP,   /* struct sw_strmap: NAME -> string; a file or --set ROW.NAME=v sets one
                      * name over the defaults; max bounds each value's length */
};

#define SW_CFG_REQUIRED 0x1u /* table rows: the key must be present in every item */
#define SW_CFG_POW2 0x2u     /* numbers: must be a power of two */
#define SW_CFG_RESTART 0x4u  /* a reload cannot change it: the daemon keeps the running value */
#define SW_CFG_SECRET 0x10u  /* a secret: config check shows "(secret)", not the value */
#define SW_CFG_QUIET 0x8u    /* table rows: dumped only where they differ from the default */
/* Parsed, but nothing in this build uses it yet: a file or --set that sets the key (or, on an
 * enum value, chooses that value) is rejected with "key: not supported by this build yet", by
 * the loader, so `config check` and `run` say the same. The feature's issue lifts it by
 * deleting the flag from its row. */
#define SW_CFG_UNBUILT 0x20u

struct sw_cfg_enum {
    const char *name;
    int value;
    unsigned flags; /* SW_CFG_UNBUILT: a value this build does not implement */
};

struct sw_cfg_row;

/* A sequence of mappings ("network.interfaces", "outputs"): each item is a struct of
 * elem_size bytes described by rows (paths relative to the item). check (may be NULL) runs on
 * each finished item and returns NULL or a problem ("type tcp needs an address"). */
struct sw_cfg_table {
    const struct sw_cfg_row *rows;
    size_t n_rows;
    size_t elem_size;
    const char *(*check)(const void *item);
    /* Index of a STR row whose values must be unique across items, or -1. */
    int unique_row;
};

struct sw_cfg_row {
    const char *path; /* dotted, from the top ("network.workers") or the item of a table */
    enum sw_cfg_type type;
    const char *def; /* default as config text (lists as YAML flow); NULL: none (field NULL) */
    uint64_t min, max;
    size_t off;  /* offsetof the field in struct sw_config (or in the table item) */
    size_t size; /* sizeof the field */
    size_t off2; /* SW_CFG_TABLE: offsetof the size_t item count */
    unsigned flags;
    const struct sw_cfg_enum *enums; /* ENUM and EVTYPES: names, NULL-terminated */
    /* STRLIST: per-item check, NULL or a problem ("is not an nDPI risk name"). */
    const char *(*check)(const char *item);
    const struct sw_cfg_table *sub; /* SW_CFG_TABLE */
    /* KVLIST: per-pair check; false with why filled (len bytes) to refuse the pair. */
    bool (*kvcheck)(const char *name, const char *value, char *why, size_t len);
    const char *help;
};

extern const struct sw_cfg_row sw_cfg_schema[];
extern const size_t sw_cfg_schema_len;

#endif
