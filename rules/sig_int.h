/* sig_int.h - what the files of the signature module share (rules/sig_*.c): the parsed rule,
 * its match lists, the parse context and the compiled set. Loading is single-threaded (the
 * main thread); a finished set is immutable and read by every matching thread. */
#ifndef SW_SIG_INT_H
#define SW_SIG_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sw/sig.h"

struct sw_dataset;

/* --- limits ---------------------------------------------------------------------------------- */
#define SIG_MAX_RULE_LEN (64u * 1024u)   /* one rule, continuation lines joined */
#define SIG_MAX_FILE (64u * 1024u * 1024u) /* one .rules file */
#define SIG_MAX_PATTERN 65535u           /* bytes of one content */
#define SIG_MAX_LISTS 8                  /* buffers one rule inspects */
#define SIG_MAX_SMS 64                   /* matches in one buffer list */
#define SIG_MAX_VARS 16                  /* byte_extract variables of one rule (Suricata: 16) */
#define SIG_MAX_META 32                  /* metadata key/values kept per rule */
#define SIG_MAX_ADDR_DEPTH 16            /* nesting of address/port groups and variables */
#define SIG_RECURSION_LIMIT 3000         /* backtracking steps of one list (Suricata's) */

/* --- lexer ----------------------------------------------------------------------------------- */

/* One rule as cut from a file: header text and options, with the line it starts on. */
struct sig_opt {
    char *name;   /* in the text's arena, lower case */
    char *value;  /* in the arena, unescaped where the keyword takes a string; NULL when none */
    char *raw;    /* in the arena, the value as written (escapes kept); NULL when none */
    bool negated; /* value started with '!' outside quotes (msg and such keep it) */
    bool quoted;
};

struct sig_text {
    char *header;         /* in the arena */
    struct sig_opt *opts; /* owned, n_opts of cap_opts */
    size_t n_opts, cap_opts;
    char *arena;          /* owned, cap_arena bytes: every string above */
    size_t used, cap_arena;
};

/* Cut one rule's text (line continuations already joined) into t's header and options,
 * reusing t's buffers from the rule before (t zeroed before its first use). false with msg
 * filled on a syntax error. */
bool sig_lex_rule(struct sig_text *t, const char *rule, char *msg, size_t msglen);
void sig_text_fini(struct sig_text *t);

/* What one parsing thread reuses from rule to rule and file to file. A 64 KiB rule buffer
 * and the file's buffer allocated and freed per file, and the lexer's per rule, made glibc
 * consolidate its free lists at each free of a large block (~45 M instructions of ET Open's
 * load) besides the calls themselves. */
struct sig_scratch {
    char *file;             /* owned, file_cap bytes: the file being parsed */
    size_t file_cap;
    char *rule;             /* owned, SIG_MAX_RULE_LEN + 1 bytes (lazily): the rule's text */
    struct sig_text text;   /* the rule's lexed text */
    /* keyword names seen, by a hash of the name: the table's binary search with its string
     * compares was ~60 M instructions of ET Open's 330,000 options */
    const struct sig_keyword *kw_memo[256];
};
void sig_scratch_fini(struct sig_scratch *s);

/* Iterate over the rules of a file buffer: copies the next rule into out (SIG_MAX_RULE_LEN
 * + 1 bytes, NUL-terminated, continuation lines joined), *first its first line; false at the
 * end. *pos and *line (lines read so far) are the cursor, both 0 at the start. Lines starting
 * with '#' and blank lines are skipped. A rule longer than SIG_MAX_RULE_LEN is given as ""
 * with *too_long set. */
bool sig_lex_next(const char *buf, size_t len, size_t *pos, unsigned *line, unsigned *first,
                  char *out, bool *too_long);

/* --- addresses and ports -------------------------------------------------------------------- */

typedef unsigned __int128 sig_u128;

/* A set of addresses as sorted, disjoint, inclusive ranges. IPv4 addresses are mapped into
 * ::ffff:0:0/96, so one set holds both families. */
struct sig_addr_range {
    sig_u128 lo, hi;
};
struct sig_addrset {
    struct sig_addr_range *r; /* owned */
    size_t n;
    bool any;                 /* every address (r unused) */
};

struct sig_port_range {
    uint16_t lo, hi;
};
struct sig_portset {
    struct sig_port_range *r; /* owned */
    size_t n;
    bool any;
};

struct sig_vars; /* address and port groups of the configuration, resolved lazily */

struct sig_vars *sig_vars_create(const struct sw_config *cfg, char *msg, size_t msglen);
void sig_vars_destroy(struct sig_vars *v);
/* Parse an address spec ("any", "[10.0.0.0/8,!10.1.0.0/16]", "$HOME_NET", "!1.2.3.4") into
 * out. false with msg filled on an error. */
bool sig_addr_parse(struct sig_vars *v, const char *spec, struct sig_addrset *out, char *msg,
                    size_t msglen);
bool sig_port_parse(struct sig_vars *v, const char *spec, struct sig_portset *out, char *msg,
                    size_t msglen);
bool sig_addr_match(const struct sig_addrset *s, uint8_t ip_version, const uint8_t *addr);
bool sig_port_match(const struct sig_portset *s, uint16_t port);
void sig_addrset_fini(struct sig_addrset *s);
void sig_portset_fini(struct sig_portset *s);
/* Single ports of a set when it is small and positive (for port grouping): returns how many
 * were written to out (at most max), 0 when the set is any or larger. */
size_t sig_portset_small(const struct sig_portset *s, uint16_t *out, size_t max);

/* --- match lists ----------------------------------------------------------------------------- */

/* A number that is a constant or a byte_extract variable. */
struct sig_num {
    int64_t v;
    int8_t var; /* index of the variable, or -1 */
};

#define SIG_C_NOCASE 0x0001u
#define SIG_C_NEGATED 0x0002u
#define SIG_C_OFFSET 0x0004u
#define SIG_C_DEPTH 0x0008u
#define SIG_C_DISTANCE 0x0010u
#define SIG_C_WITHIN 0x0020u
#define SIG_C_STARTSWITH 0x0040u
#define SIG_C_ENDSWITH 0x0080u
#define SIG_C_FAST_PATTERN 0x0100u
#define SIG_C_FP_ONLY 0x0200u
#define SIG_C_FP_CHOP 0x0400u
#define SIG_C_RELATIVE_NEXT 0x0800u /* a later match is relative to this one */

struct sig_content {
    uint8_t *pat;     /* owned, or in this block (sig_content.c) */
    uint32_t len;
    uint32_t flags;   /* SIG_C_* */
    struct sig_num offset, depth, distance, within;
    uint32_t fp_off, fp_len; /* fast_pattern:chop */
    uint8_t *fold;    /* owned or in this block: lower-case pattern when NOCASE */
    uint32_t room;    /* bytes after the struct for pat and as many for fold (0: none) */
};

enum sig_sm_type {
    SIG_SM_CONTENT,
    SIG_SM_PCRE,
    SIG_SM_BYTE_TEST,
    SIG_SM_BYTE_JUMP,
    SIG_SM_BYTE_EXTRACT,
    SIG_SM_ISDATAAT,
    SIG_SM_BSIZE,
    SIG_SM_DATASET,
};

struct sig_sm {
    enum sig_sm_type type;
    void *ctx; /* owned: struct sig_content, sig_pcre, sig_byte, ... */
};

struct sig_list {
    enum sw_sig_buf buf;
    bool dotprefix; /* transform: a '.' before the buffer */
    uint8_t side;   /* TX: 0 request, 1 response, 2 either (http.header without direction) */
    bool has_pos;   /* a positive content or pcre: the list ends at a position */
    struct sig_sm *sm; /* owned, n */
    size_t n;
};

/* isdataat:[!]N[,relative] */
struct sig_isdataat {
    struct sig_num n;
    bool relative, negated;
};

/* bsize / dsize / ttl / itype / icode style numbers: = < <= > >= != and ranges. */
enum sig_cmp { SIG_EQ, SIG_NE, SIG_LT, SIG_LE, SIG_GT, SIG_GE, SIG_RANGE, SIG_NRANGE };
struct sig_u64cmp {
    enum sig_cmp op;
    uint64_t a, b; /* RANGE: a < x < b (exclusive, as Suricata) */
};
bool sig_u64cmp_parse(const char *s, uint64_t max, struct sig_u64cmp *out, char *msg,
                      size_t msglen);
bool sig_u64cmp_match(const struct sig_u64cmp *c, uint64_t x);

/* --- rule ------------------------------------------------------------------------------------ */

enum sig_action { SIG_ACT_ALERT, SIG_ACT_PASS };
enum sig_proto { SIG_P_IP, SIG_P_TCP, SIG_P_UDP, SIG_P_ICMP, SIG_P_APP };
enum sig_inspect { SIG_INSP_PACKET, SIG_INSP_STREAM, SIG_INSP_TX };

#define SIG_FLOW_ESTABLISHED 0x01u
#define SIG_FLOW_NOT_ESTABLISHED 0x02u
#define SIG_FLOW_STATELESS 0x04u
#define SIG_FLOW_TO_SERVER 0x08u
#define SIG_FLOW_TO_CLIENT 0x10u
#define SIG_FLOW_ONLY_STREAM 0x20u
#define SIG_FLOW_NO_STREAM 0x40u

enum sig_fb_cmd { SIG_FB_SET, SIG_FB_UNSET, SIG_FB_TOGGLE, SIG_FB_ISSET, SIG_FB_ISNOTSET };
struct sig_flowbit {
    enum sig_fb_cmd cmd;
    uint32_t *ids; /* owned: bit ids; several = OR (isset) / AND (isnotset) as Suricata's '|' */
    size_t n;
};

enum sig_th_type { SIG_TH_LIMIT, SIG_TH_THRESHOLD, SIG_TH_BOTH, SIG_TH_DETECTION_FILTER };
enum sig_th_track { SIG_TRACK_SRC, SIG_TRACK_DST, SIG_TRACK_RULE, SIG_TRACK_BOTH };
struct sig_threshold {
    enum sig_th_type type;
    enum sig_th_track track;
    uint32_t count;
    uint32_t seconds;
};

struct sig_ndpi_proto {
    uint16_t master, app; /* nDPI ids; 0 = unknown half */
    bool negated;
};

struct sig_dataset_ref {
    const struct sw_dataset *set; /* borrowed from the set's dataset table */
    bool negated;                 /* isnotset */
    bool raw;                     /* the buffer holds raw values (ip.src/ip.dst: 4 or 16
                                   * address bytes, as Suricata looks them up), not text */
};

/* ip.src / ip.dst: buffers of the inspection's addresses, usable at every hook (with payload
 * or application-layer buffers alike), never a fast pattern. */
static inline bool
sig_buf_is_ip(enum sw_sig_buf b)
{
    return b == SW_SIG_BUF_IP_SRC || b == SW_SIG_BUF_IP_DST;
}

struct sig_rule {
    uint32_t gid, sid, rev;
    int priority;                 /* explicit, else from the classtype, else 3 */
    int class_prio;               /* the classtype's priority; 0 none */
    enum sig_action action;
    enum sig_proto proto;
    const char *app_proto;        /* static Suricata name, SIG_P_APP only */
    uint8_t app_l4;               /* IPPROTO_TCP/UDP when the app protocol implies one; 0 */
    struct sig_addrset src, dst;
    struct sig_portset sp, dp;
    bool bidir;
    char *msg;                    /* owned */
    const char *classtype;        /* borrowed from the classification table, or NULL */
    const char *category;
    char **meta_k, **meta_v;      /* n_meta each: one allocation owned through meta_k holds
                                   * both arrays and every key and value */
    unsigned n_meta;
    const char *target;           /* static */
    unsigned flow;                /* SIG_FLOW_* */
    bool has_dsize, has_ttl, has_itype, has_icode, has_flags;
    struct sig_u64cmp dsize, ttl, itype, icode;
    uint8_t flags_want, flags_mask; /* tcp flags: (f & mask) compared with want */
    char flags_mod;                 /* 0 exact, '+' all of, '*' any of, '!' none of */
    struct sig_ndpi_proto *ndpi_proto; /* owned */
    size_t n_ndpi_proto;
    uint64_t ndpi_risk;
    bool has_ndpi_risk, ndpi_risk_negated;
    struct sig_flowbit *fb;       /* owned: checks and actions in rule order */
    size_t n_fb;
    bool noalert;
    bool has_threshold, has_detection_filter;
    struct sig_threshold threshold, detection_filter;
    struct sig_list lists[SIG_MAX_LISTS];
    size_t n_lists;
    unsigned n_vars;              /* byte_extract variables */
    enum sig_inspect inspect;
    bool to_client_bufs;          /* a buffer sent by the server: alert direction to_client */
    int fp_list, fp_sm;           /* fast pattern: list and content index; -1 none */
    const char *file;             /* borrowed: the file it came from (its loader's or set's
                                   * names, struct sig_names) */
    unsigned line;
    uint32_t idx;                 /* position in the set's evaluation order */
    /* IP-only (Suricata's SIG_TYPE_IPONLY): addresses only, any ports, no payload, flow,
     * packet or nDPI keyword, flowbits only set: evaluated on the first packet of each
     * direction of a flow, not on every packet */
    bool iponly;
    /* The parsing thread that made it (0: the loading thread): its blocks are in that
     * thread's malloc arena, and sw_sig_set_destroy frees each thread's rules on a thread
     * of their own (two threads freeing into one arena would contend for its lock). */
    uint8_t parser;
};

void sig_rule_free(struct sig_rule *r);

/* --- parsing --------------------------------------------------------------------------------- */

enum sig_prc { SIG_PARSE_OK, SIG_PARSE_FAIL, SIG_PARSE_UNSUPPORTED };

struct sig_class {
    char *name, *desc; /* owned */
    int priority;
};

struct sig_flowbit_name {
    char *name; /* owned */
};

struct sig_dsent {
    char *name;               /* owned */
    int type;                 /* enum sw_dataset_type */
    struct sw_dataset *set;   /* owned */
};

/* Names of the files rules came from, one copy per file (a copy per rule was ~11,000
 * allocations per parsing thread for ET Open): a loader's, then its set's. */
struct sig_names {
    char **v; /* owned, with the strings */
    size_t n, cap;
};
/* Append a copy of name; NULL when memory runs out. Free all and reset. Move all of from
 * to the end of to (false: memory; nothing moved). */
const char *sig_names_add(struct sig_names *ns, const char *name);
void sig_names_fini(struct sig_names *ns);
bool sig_names_move(struct sig_names *to, struct sig_names *from);

/* State of one load: what every rule shares (variables, classification, flowbit names,
 * datasets), the rule being parsed and the diagnostics. */
struct sig_loader {
    const struct sw_sig_load_opts *o;
    struct sw_sig_load_stats *st;
    struct sig_vars *vars;
    char *base_dir;               /* owned: where datasets and classification.config are */
    struct sig_class *classes;    /* owned */
    size_t n_classes;
    char **fb_names;              /* owned: flowbit id -> name */
    size_t n_fb, cap_fb;
    size_t n_pcre;                /* pcre ids given (rules left out leave gaps) */
    struct sig_dsent *ds;         /* owned: loaded datasets by name */
    size_t n_ds;
    void *ndpi;                   /* owned: nDPI module for ndpi-protocol names, lazily */
    struct sig_rule **rules;      /* owned */
    size_t n_rules, cap_rules;
    struct sig_names files;       /* the names rules borrow */
    /* keyword -> count of rules left out for it */
    struct {
        char kw[64];
        size_t n;
    } *lo;
    size_t n_lo, cap_lo;
    /* the rule being parsed */
    const char *file;
    unsigned line;
    uint32_t sid;
    const char *kw;               /* keyword being parsed */
    char msg[512];                /* first problem of the rule */
    const char *unsupported;      /* keyword that makes it left out (unsup_buf) or NULL */
    char unsup_buf[64];
    bool oom;
    /* A parsing thread's private loader (sig_load_mt.c): a keyword that loads shared state
     * (dataset, filemd5, ndpi-*) stops the file, which the loading thread then parses again
     * itself, in its place. */
    bool worker;
    bool needs_main;
    struct sig_scratch *scr;      /* borrowed: own_scr, or the parsing thread's */
    struct sig_scratch own_scr;
    /* compiled patterns from the cache (sig_pcre_cache.c) */
    struct sig_pcache *pc;        /* owned (the set's loader) or NULL */
    struct sig_pcview *pcv;       /* borrowed: this thread's decoded patterns, or NULL */
    struct sig_pcview *own_pcv;   /* owned: the loading thread's */
    bool pc_keep;                 /* a cache directory: keep each pattern's text */
    bool pc_refused;              /* the directory is not trusted: nothing is written */
};

/* Record the rule's problem: "keyword: message" (first one wins). Returns SIG_PARSE_FAIL. */
enum sig_prc sig_fail(struct sig_loader *L, const char *fmt, ...) SW_PRINTF(2, 3);
/* Record that the rule uses what seawall does not support (keyword or form). */
enum sig_prc sig_unsupported(struct sig_loader *L, const char *what);
void sig_report(struct sig_loader *L, bool warning, const char *fmt, ...) SW_PRINTF(3, 4);

/* Load one *.rules file into L (sig_load.c): its rules, messages and counts. */
void sig_load_file(struct sig_loader *L, const char *path);
/* Count n more rules left out for keyword kw (first-seen order is kept for the top list). */
void sig_left_out_add(struct sig_loader *L, const char *kw, size_t n);

/* One entry of a folder walk, in load order: a rules file, or a folder that could not be
 * read (err: its message). */
struct sig_wentry {
    char *path;     /* owned */
    char *err;      /* owned or NULL */
    uint64_t size;  /* bytes, to share the files out */
};
/* Parse the walk's files on the loading thread and one more and merge them into L in walk
 * order: rules, their order, messages, counts, flowbit names and pattern ids exactly as a
 * one-by-one load gives (sig_load_mt.c). */
void sig_load_files(struct sig_loader *L, const struct sig_wentry *w, size_t n);

/* Parse one rule's text into r (zeroed by the caller). */
enum sig_prc sig_parse_rule(struct sig_loader *L, const char *text, struct sig_rule *r);

/* Keyword handlers (sig_opts.c is the table). A handler gets the rule and the current
 * buffer list (NULL before a sticky buffer). */
struct sig_pstate {
    struct sig_rule *r;
    struct sig_list *cur;        /* list modifiers apply to (sticky buffer), or NULL */
    struct sig_content *last_c;  /* the last content, for its modifiers */
    struct sig_list *last_c_list;
    struct sig_sm *last_sm;      /* the last match of any type (for relative pcre, ...) */
    struct sig_list *last_sm_list;
    char *var_names[SIG_MAX_VARS];
    bool dataset_loaded;
    const struct sig_keyword *kw; /* the keyword being handled (its table entry) */
};

typedef enum sig_prc (*sig_kw_fn)(struct sig_loader *L, struct sig_pstate *ps,
                                  const struct sig_opt *o);
struct sig_keyword {
    const char *name;
    sig_kw_fn fn;
    int buf;        /* sticky buffer or legacy modifier: enum sw_sig_buf; -1 otherwise */
    bool legacy;    /* content modifier form (http_uri): moves the last content */
};
const struct sig_keyword *sig_keyword_find(const char *name);
/* Whether keyword k changes the loader's shared state (datasets, the nDPI module). */
bool sig_keyword_shared(const struct sig_keyword *k);

/* The list of buffer b in the rule (created at the end when missing); NULL past
 * SIG_MAX_LISTS. */
struct sig_list *sig_list_get(struct sig_loader *L, struct sig_rule *r, enum sw_sig_buf b,
                              bool dotprefix);
/* Append a match to a list. false on too many or no memory (reported). */
bool sig_list_add(struct sig_loader *L, struct sig_pstate *ps, struct sig_list *l,
                  enum sig_sm_type type, void *ctx);
/* Index of a byte_extract variable name, or -1. */
int sig_var_find(const struct sig_pstate *ps, const char *name);
/* A number or a byte_extract variable name. */
bool sig_num_parse(struct sig_loader *L, const struct sig_pstate *ps, const char *s, int64_t min,
                   int64_t max, struct sig_num *out);

/* Keyword implementations. */
enum sig_prc sig_kw_content(struct sig_loader *L, struct sig_pstate *ps, const struct sig_opt *o);
enum sig_prc sig_kw_content_mod(struct sig_loader *L, struct sig_pstate *ps,
                                const struct sig_opt *o);
enum sig_prc sig_kw_isdataat(struct sig_loader *L, struct sig_pstate *ps, const struct sig_opt *o);
enum sig_prc sig_kw_bsize(struct sig_loader *L, struct sig_pstate *ps, const struct sig_opt *o);
enum sig_prc sig_kw_pcre(struct sig_loader *L, struct sig_pstate *ps, const struct sig_opt *o);
enum sig_prc sig_kw_byte_test(struct sig_loader *L, struct sig_pstate *ps,
                              const struct sig_opt *o);
enum sig_prc sig_kw_byte_jump(struct sig_loader *L, struct sig_pstate *ps,
                              const struct sig_opt *o);
enum sig_prc sig_kw_byte_extract(struct sig_loader *L, struct sig_pstate *ps,
                                 const struct sig_opt *o);
enum sig_prc sig_kw_flow(struct sig_loader *L, struct sig_pstate *ps, const struct sig_opt *o);
enum sig_prc sig_kw_flowbits(struct sig_loader *L, struct sig_pstate *ps,
                             const struct sig_opt *o);
enum sig_prc sig_kw_threshold(struct sig_loader *L, struct sig_pstate *ps,
                              const struct sig_opt *o);
enum sig_prc sig_kw_detection_filter(struct sig_loader *L, struct sig_pstate *ps,
                                     const struct sig_opt *o);
enum sig_prc sig_kw_ndpi_protocol(struct sig_loader *L, struct sig_pstate *ps,
                                  const struct sig_opt *o);
enum sig_prc sig_kw_ndpi_risk(struct sig_loader *L, struct sig_pstate *ps,
                              const struct sig_opt *o);
enum sig_prc sig_kw_dataset(struct sig_loader *L, struct sig_pstate *ps, const struct sig_opt *o);
/* filemd5 / filesha256:[!]LIST (rules/sig_filehash.c). */
enum sig_prc sig_kw_filehash(struct sig_loader *L, struct sig_pstate *ps, const struct sig_opt *o);

void sig_content_free(struct sig_content *c);
void sig_sm_free(struct sig_sm *sm);
/* Build the search tables of c (after nocase is known). */
void sig_content_prepare(struct sig_content *c);
/* Parse Suricata content text (quotes removed, escapes \" \; \\ \: undone, |hex| kept) into
 * bytes. false with msg on an error. Caller owns *out. */
bool sig_content_bytes(const char *s, uint8_t **out, uint32_t *len, char *msg, size_t msglen);

/* Free pcre / byte contexts. */
void sig_pcre_free(void *ctx);
void sig_byte_free(enum sig_sm_type t, void *ctx);

/* Classification: load the file, or the built-in table. */
bool sig_class_load(struct sig_loader *L, const char *path);
const struct sig_class *sig_class_find(const struct sig_loader *L, const char *name);
/* Flowbit name -> id (created). UINT32_MAX on no memory. */
uint32_t sig_fb_id(struct sig_loader *L, const char *name);
/* nDPI protocol name -> id using a detection module made on first use. -1 when unknown. */
int sig_ndpi_proto_id(struct sig_loader *L, const char *name);
void sig_ndpi_loader_fini(struct sig_loader *L);
bool sig_dataset_match(const struct sig_dataset_ref *ref, const uint8_t *buf, size_t len);
void sig_datasets_fini(struct sig_loader *L);

/* --- matching -------------------------------------------------------------------------------- */

/* Runtime context of one rule evaluation over one buffer. */
struct sig_mctx {
    const uint8_t *buf;
    size_t len;
    size_t anchor;   /* index in buf of the inspected chunk's first byte: absolute offsets,
                      * depth, isdataat, byte_* and unanchored pcre count from here (0 but
                      * for stream data after a kept tail) */
    size_t min_end;  /* a list with positions must end at or after this (new stream bytes) */
    int64_t vars[SIG_MAX_VARS];
    uint32_t steps; /* recursion budget used */
    struct sw_sig_thread *t;
};

/* Does list l match buffer (buf, len)? */
bool sig_list_match(struct sig_mctx *m, const struct sig_list *l);
/* Find content c in buf[start, end) with its case handling; returns the offset of the match or
 * -1. */
int64_t sig_content_find(const struct sig_content *c, const uint8_t *buf, size_t start,
                         size_t end);
/* Evaluate a pcre at *pos (relative: from *pos, else 0); on a match *pos = end of match. */
int sig_pcre_exec(struct sig_mctx *m, const void *ctx, size_t *pos);
bool sig_pcre_is_relative(const void *ctx);
/* Move a pattern's id by off (a file parsed apart, placed after the patterns before it). */
void sig_pcre_rebase(void *ctx, uint32_t off);
/* The pattern's text (NULL once dropped or without a cache), its options and whether its
 * code came from the cache; its code; drop the text. */
const char *sig_pcre_text(const void *ctx, uint32_t *opts, bool *decoded);
void *sig_pcre_code(const void *ctx);
bool sig_pcre_is_decoded(const void *ctx);
void sig_pcre_drop_text(void *ctx);

/* The compiled-pattern cache, PCRE2's serialized codes (sig_pcre_cache.c). Open: NULL when
 * there is none or it is refused (*refused set: the directory is not trusted) or corrupt
 * (one warning naming it). A view is one parsing thread's: take() gives a new code (the
 * caller's, pcre2_code_free) for the pattern, NULL when the cache does not have it. Views
 * are destroyed on the thread that created them or after it is joined, before the cache. */
struct sig_pcache;
struct sig_pcview;
struct sig_pcache *sig_pcache_open(const char *dir, bool *refused);
void sig_pcache_close(struct sig_pcache *pc);
struct sig_pcview *sig_pcview_create(const struct sig_pcache *pc);
void sig_pcview_destroy(struct sig_pcview *v);
void *sig_pcview_take(struct sig_pcview *v, const char *pat, size_t len, uint32_t opts);
/* Write the unique patterns of rules[0, n) as dir's cache file (loading thread). */
void sig_pcache_save(const char *dir, struct sig_rule *const *rules, size_t n);
/* byte_test / byte_jump / byte_extract at *pos; jump and extract move *pos. */
bool sig_byte_exec(struct sig_mctx *m, enum sig_sm_type t, const void *ctx, size_t *pos);
bool sig_byte_is_relative(enum sig_sm_type t, const void *ctx);

/* Per-thread PCRE2 match data (sig_pcre.c). */
/* n_patterns: the set's n_pcre (each thread JIT-compiles its own copies, lazily). */
void *sig_pcre_mdata_create(size_t n_patterns);
void sig_pcre_mdata_free(void *md);
uint64_t sig_pcre_mdata_compiled(const void *md);
void *sig_thread_pcre_md(struct sw_sig_thread *t);
void sig_thread_pcre_error(struct sw_sig_thread *t);

/* Threshold and detection_filter counters of one thread (sig_threshold.c). */
struct sig_thtable;
struct sig_thtable *sig_th_create(size_t slots);
void sig_th_destroy(struct sig_thtable *t);
/* Count a match of r under th at ts_us: true when it may alert. */
bool sig_th_allow(struct sig_thtable *t, const struct sig_rule *r, const struct sig_threshold *th,
                  const uint8_t *src, const uint8_t *dst, uint64_t ts_us);

/* --- prefilter ------------------------------------------------------------------------------- */

struct sig_prefilter;
/* Build the groups and databases of the rules (cache_dir may be NULL). NULL with msg. */
struct sig_prefilter *sig_prefilter_build(struct sig_rule *const *rules, size_t n,
                                          const char *cache_dir, struct sw_sig_load_stats *st,
                                          char *msg, size_t msglen);
void sig_prefilter_destroy(struct sig_prefilter *p);
/* Per-thread scratch for every database of p. */
void *sig_prefilter_scratch(const struct sig_prefilter *p, char *msg, size_t msglen);
void sig_prefilter_scratch_free(void *s);
/* Candidates of an inspection: calls add(ctx, rule index) for every rule whose fast pattern
 * occurs in data[0, len), the bytes of buffer b (with a '.' before them when dot) at hook,
 * for protocol class pc, direction and ports (the sender's and the receiver's); a rule may be
 * given twice. Returns the number of database scans done. */
unsigned sig_prefilter_scan(const struct sig_prefilter *p, void *scratch, int hook,
                            enum sw_sig_buf b, bool dot, int pc, bool to_server, uint16_t sport,
                            uint16_t dport, const uint8_t *data, size_t len,
                            void (*add)(void *ctx, uint32_t rule), void *ctx);
/* The groups one flow direction scans at a hook for a buffer (sig_prefilter_resolve): the
 * any-port group, the server port's and the client port's that exist, each with its bounded
 * twin (packet hook), as index + 1 (0: none). A flow direction's ports, protocol class and
 * direction are fixed, so its groups are: resolved once per flow direction rather than
 * hashed per scan (ET Open: ~230 instructions per scan before Hyperscan). */
struct sig_pf_sel {
    uint32_t g[3], gb[3];
    uint8_t n;
};
/* Resolve the groups sig_prefilter_scan scans with these arguments into out (none without
 * a prefilter). */
void sig_prefilter_resolve(const struct sig_prefilter *p, int hook, enum sw_sig_buf b, bool dot,
                           int pc, bool to_server, uint16_t sport, uint16_t dport,
                           struct sig_pf_sel *out);
/* sig_prefilter_scan with the groups resolved. */
unsigned sig_prefilter_scan_sel(const struct sig_prefilter *p, void *scratch,
                                const struct sig_pf_sel *sel, const uint8_t *data, size_t len,
                                void (*add)(void *ctx, uint32_t rule), void *ctx);
/* The prefilter's cache file (sig_pfcache.c): its first line, part of the key too. */
#define SIG_PF_CACHE_MAGIC "seawall-hs-cache 1\n"
/* Load the n_db databases (hs_database_t *) of cache file dir/KEY.hsdb into dbs (owned by the
 * caller then); false (nothing loaded) when absent, refused (*refused set when the directory
 * is), corrupt or made for another number of groups. */
bool sig_pfcache_load(const char *dir, const char *key, void **dbs, size_t n_db, bool *refused);
/* Write dbs[0, n_db) to dir/KEY.hsdb (dir created) and remove the directory's other .hsdb
 * files; failures are logged, the load goes on without a cache. */
void sig_pfcache_save(const char *dir, const char *key, void *const *dbs, size_t n_db);
/* The longest pattern any database holds (fast patterns are cut to a prefix this long): a
 * scan that starts this many bytes minus one before new data finds every pattern ending in
 * it. */
size_t sig_prefilter_max_len(void);
/* Does any group of hook use buffer b with a '.' before it? */
bool sig_prefilter_has_dot(const struct sig_prefilter *p, int hook, enum sw_sig_buf b);
/* Rules of hook and protocol class pc without a fast pattern, in evaluation order: with syn,
 * those whose flags keyword requires SYN (to be taken for packets with SYN only), else the
 * others. */
const uint32_t *sig_prefilter_always(const struct sig_prefilter *p, int hook, int pc, bool syn,
                                     size_t *n);
/* Hand add() the always-run rules of hook and protocol class pc aimed at destination port
 * dport (rules with a few single destination ports are kept apart from the general lists);
 * syn as for sig_prefilter_always. */
void sig_prefilter_always_port(const struct sig_prefilter *p, int hook, int pc, bool syn,
                               uint16_t dport, void (*add)(void *ctx, uint32_t rule), void *ctx);
/* The bit per destination port that has always-run rules of hook, pc and syn (see
 * sig_prefilter_always_port), 65,536 bits; NULL when none has. Lives as long as p. */
const uint64_t *sig_prefilter_always_port_bits(const struct sig_prefilter *p, int hook, int pc,
                                               bool syn);
/* The address index of IP-only rules (rules/sig_iponly.c): built over rules in evaluation
 * order (NULL: out of memory); a lookup hands add() every IP-only rule whose indexed side
 * holds the packet's source or destination address, and the rules not indexed. */
struct sig_ipidx;
struct sig_ipidx *sig_ipidx_build(struct sig_rule *const *rules, size_t n);
void sig_ipidx_lookup(const struct sig_ipidx *x, uint8_t ip_version, const uint8_t *src,
                      const uint8_t *dst, void (*add)(void *ctx, uint32_t rule), void *ctx);
void sig_ipidx_destroy(struct sig_ipidx *x);
/* Protocol class of a packet/flow for the prefilter groups. */
int sig_proto_class(uint8_t proto);
#define SIG_PC_TCP 0
#define SIG_PC_UDP 1
#define SIG_PC_OTHER 2
#define SIG_PC_MAX 3

/* --- the set --------------------------------------------------------------------------------- */

struct sw_sig_set {
    struct sig_rule **rules; /* owned, in evaluation order */
    size_t n;
    struct sig_prefilter *pf; /* owned */
    struct sig_dsent *ds;     /* owned: the datasets rules borrow */
    size_t n_ds;
    struct sig_class *classes; /* owned: classtype strings rules borrow */
    size_t n_classes;
    size_t n_fb;              /* flowbit ids in use */
    size_t n_pcre;            /* pcre ids in use (a thread's JIT copies) */
    struct sig_ipidx *ipidx;  /* owned: the IP-only rules by address */
    struct sig_names files;   /* the file names rules borrow */
    bool profiling;
};

#endif
