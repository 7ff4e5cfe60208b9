/* rtest.h - `seawall rules test`: test definitions (test.yaml), the checks they make over the
 * EVE events of a run, and the run of one test through seawall's own pipeline.
 *
 * A test is a folder with a test.yaml in suricata-verify's format: `pcap:`, `rules:`,
 * `args:`, `requires:`, `skip:`, `exit-code:`, `env:` and `checks:` (filter, stats, shell,
 * file-compare), plus seawall's keys for YARA rules, files and nDPI risks: `files:` (paths or
 * inline samples, scanned as `seawall scan` does), `expect: {match: [...], no_match: [...]}`
 * (YARA rule names, nDPI risk names or signature ids) and `ndpi-risk: true`. README.md,
 * section "Testing rules: seawall rules test", is the user's reference.
 *
 * Three parts, one module:
 * - agent/rtest_def.c parses test.yaml, which is hostile input: a size, depth, node, scalar
 *   and item limit each, every problem "test.yaml:LINE:COL: message", no aliases.
 * - agent/rtest_check.c applies the checks to EVE events (Jansson): dotted paths with [i],
 *   __len, the operators of suricata-verify's run.py with Python's comparison rules, and says
 *   for a failure what was expected, what was found and which events came closest.
 * - agent/rtest_run.c runs one test: the gates (requires, arguments, settings seawall cannot
 *   express: each a skip reason), the rules staged for the run, `seawall pcap` or `seawall
 *   scan` called in this process (sw_cmd_pcap, sw_cmd_scan: the commands themselves), and
 *   the result as one JSON object. It is meant for a child process made for the test (it
 *   redirects stderr and sets the environment).
 *
 * Parsing and checking are pure functions of their inputs: any thread. */
#ifndef SW_RTEST_H
#define SW_RTEST_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sw/err.h"

/* Limits on a test.yaml (the parser rejects anything beyond them, naming the line). */
#define SW_RTEST_MAX_BYTES (4u * 1024u * 1024u)  /* the file */
#define SW_RTEST_MAX_DEPTH 16                    /* nesting levels */
#define SW_RTEST_MAX_NODES 200000u               /* scalars, sequences and mappings */
#define SW_RTEST_MAX_SCALAR (3u * 1024u * 1024u) /* bytes of one scalar (hex of an inline file) */
#define SW_RTEST_MAX_ITEMS 4096u                 /* checks, match keys, files, args, ... */
#define SW_RTEST_MAX_INLINE (1024u * 1024u)      /* bytes of one inline file */
/* EVE output of one run read back for the checks; beyond it the test fails (say why). */
#define SW_RTEST_MAX_EVE (256u * 1024u * 1024u)

/* The Suricata version whose EVE and rule behaviour seawall follows: requires: min-version,
 * lt-version, gt-version and version are compared with it. */
#define SW_RTEST_SURICATA_COMPAT "8.0.0"

/* --- definitions ---------------------------------------------------------------------------- */

/* A list of strings with the line each came from. */
struct sw_rtest_strs {
    char **v;       /* owned, each owned */
    unsigned *line; /* owned */
    size_t n;
};

/* `requires:` of the test or of one check. Strings keep the YAML text ("7.0" stays "7.0"). */
struct sw_rtest_requires {
    bool present;
    unsigned line;
    char *min_version, *lt_version, *gt_version, *version; /* owned; NULL: not given */
    char *os, *arch;                                       /* owned; NULL: not given */
    struct sw_rtest_strs features, env, files;
    unsigned script_line, lambda_line; /* non-zero: present (never evaluated) */
    int pcap;                          /* -1 not given, 0 false, 1 true */
    char *unknown;                     /* owned: the first key seawall does not know */
    unsigned unknown_line;
};

/* Match operators: the suffix of a filter key (suricata-verify's names), or has-key. */
enum sw_rtest_op {
    SW_RTEST_EQ,         /* key: value (Python ==; a missing field is None) */
    SW_RTEST_CONTAINS,   /* key.__contains: value (Python "value in field") */
    SW_RTEST_FIND,       /* key.__find: substring */
    SW_RTEST_STARTSWITH, /* key.__startswith */
    SW_RTEST_ENDSWITH,   /* key.__endswith */
    SW_RTEST_GT,         /* key.__gt: numbers only, booleans never */
    SW_RTEST_GTE,
    SW_RTEST_LT,
    SW_RTEST_LTE,
    SW_RTEST_HAS_KEY,     /* has-key: path (present and not null) */
    SW_RTEST_NOT_HAS_KEY, /* not-has-key: path */
};

/* One key of a filter's match (or of a stats check). */
struct sw_rtest_match {
    char *key;  /* owned: as written ("alert.metadata.tag[0]", "has-key") */
    char *path; /* owned: the dotted path looked up (has-key: its value) */
    enum sw_rtest_op op;
    json_t *expected; /* owned; NULL for has-key and not-has-key */
    unsigned line;
};

enum sw_rtest_kind {
    SW_RTEST_FILTER,       /* count events matching every key */
    SW_RTEST_STATS,        /* keys of the last stats event's "stats" object */
    SW_RTEST_SHELL,        /* a shell command: never run (the check is skipped) */
    SW_RTEST_FILE_COMPARE, /* compare an output file: never run (skipped) */
};

struct sw_rtest_check {
    enum sw_rtest_kind kind;
    unsigned line;
    long long count; /* filter: events expected */
    char *filename;  /* owned; filter: the log read, NULL for eve.json */
    struct sw_rtest_requires req;
    struct sw_rtest_match *m; /* owned, n_m entries */
    size_t n_m;
};

/* One entry of expect.match or expect.no_match. */
struct sw_rtest_expect {
    char *rule;      /* owned: YARA rule or nDPI risk name; NULL when a sid is given */
    long long sid;   /* signature_id, -1 when a name is given (or only a file) */
    char *file;      /* owned: alerts on this file only (path relative to the test
                      * folder, or the name an inline file was given); NULL: any */
    long long count; /* match: exactly this many alerts; -1: at least one */
    unsigned line;
};

/* One entry of files: a path (a file or folder, relative to the test folder) or a sample
 * written into the test's output folder before the scan. */
struct sw_rtest_file {
    char *path; /* owned: as written (path) or the inline file's name */
    bool is_inline;
    uint8_t *data; /* owned: inline content (text: or hex:) */
    size_t len;
    unsigned line;
};

struct sw_rtest {
    /* pcap: a path relative to the test folder; pcap_false for "pcap: false" or empty */
    char *pcap; /* owned; NULL: not given */
    bool pcap_false;
    unsigned pcap_line;
    struct sw_rtest_file *files; /* owned, n_files entries; seawall's key */
    size_t n_files;
    bool has_files;
    /* rules: given (rules_set) as paths, or none at all (rules_set with n == 0) */
    struct sw_rtest_strs rules;
    bool rules_set;
    struct sw_rtest_strs args; /* each as written ("-k none --set a=b") */
    struct sw_rtest_strs env;  /* "KEY=VALUE" */
    struct sw_rtest_requires req;
    /* skip: true, or entries {feature, uid, config, msg} */
    bool skip_always;
    unsigned skip_line;
    struct sw_rtest_skip {
        char *feature; /* owned, may be NULL */
        long long uid; /* -1: none */
        bool config;   /* a Suricata config condition: never evaluated */
        char *msg;     /* owned, may be NULL */
        unsigned line;
    } * skips; /* owned */
    size_t n_skips;
    bool has_exit_code;
    long long exit_code;
    int ndpi_risk;                 /* ndpi-risk: -1 not given, 0, 1 */
    struct sw_rtest_check *checks; /* owned */
    size_t n_checks;
    struct sw_rtest_expect *match, *no_match; /* owned */
    size_t n_match, n_no_match;
    bool has_expect;
    /* Keys seawall does not run ("command", "setup", ...) or does not know, as
     * "test.yaml:LINE: key ..." texts: each makes the test skipped. */
    struct sw_rtest_strs unsupported;
};

/* Parse test.yaml text buf[0, len), named name in messages. Returns the test (caller owns
 * it: sw_rtest_free) or NULL with err "name:LINE:COL: problem" (SW_EINVAL; SW_ELIMIT past a
 * limit; SW_ENOMEM). */
struct sw_rtest *sw_rtest_parse(const char *name, const char *buf, size_t len, struct sw_err *err);
/* Read path (at most SW_RTEST_MAX_BYTES) and parse it. NULL with err as above, or SW_EIO. */
struct sw_rtest *sw_rtest_load(const char *path, struct sw_err *err);
void sw_rtest_free(struct sw_rtest *t); /* NULL-safe */

/* Is this a test in seawall's form (files:, expect: or ndpi-risk: given)? Suricata-verify's
 * conventions that would surprise its authors (a folder name with "ips" means IPS mode, a
 * non-zero exit-code means a refused start) apply only to the other form. */
bool sw_rtest_seawall_form(const struct sw_rtest *t);

/* --- requirements ----------------------------------------------------------------------- */

/* What this build and host offer to requires: and skip:. */
struct sw_rtest_env {
    const char *compat; /* SW_RTEST_SURICATA_COMPAT */
    bool signatures;    /* the pipeline raises alerts from Suricata-syntax *.rules */
    const char *os;     /* "linux" */
    const char *arch;   /* uname's machine ("x86_64") */
    long long uid;
};

/* Why a test or check is skipped: a group for the summary ("requires feature HAVE_LUA")
 * and the line shown for the test. */
struct sw_rtest_reason {
    char group[128];
    char detail[384];
};

/* Features seawall answers to in requires: features (and skip: feature): "yara", "ndpi",
 * "signatures" (when env->signatures). Everything else, Suricata's HAVE_LUA and the like
 * included, is absent. */
bool sw_rtest_has_feature(const struct sw_rtest_env *env, const char *feature);

/* Compare version strings ("8", "7.0", "8.0.1-dev") as suricata-verify does: missing parts
 * are 0, or wildcards for equality. Returns -1, 0 or 1 (a < b, equal, a > b); *ok false when
 * b does not parse. */
int sw_rtest_version_cmp(const char *a, const char *b, bool wildcard, bool *ok);

/* Are r's requirements met? false with why when not. test_dir resolves requires: files. */
bool sw_rtest_requires_met(const struct sw_rtest_requires *r, const struct sw_rtest_env *env,
                           const char *test_dir, struct sw_rtest_reason *why);

/* --- events and checks ------------------------------------------------------------------ */

/* The EVE events of a run, in file order. */
struct sw_rtest_events {
    json_t **ev;  /* owned references */
    size_t *line; /* owned: each event's line in the file (1-based) */
    size_t n, cap;
    size_t bad;       /* lines that were not a JSON object */
    size_t first_bad; /* line of the first of them, 0 when none */
};

/* Read EVE JSON lines from path (at most max_bytes). SW_OK, or an error in err (SW_EIO,
 * SW_ELIMIT when larger, SW_ENOMEM). A line that is not a JSON object is counted in bad. */
enum sw_rc sw_rtest_events_read(const char *path, size_t max_bytes, struct sw_rtest_events *out,
                                struct sw_err *err) SW_MUSTCHECK;
/* Append one event (a reference is taken). For tests and the fuzz target. */
enum sw_rc sw_rtest_events_add(struct sw_rtest_events *e, json_t *ev, size_t line) SW_MUSTCHECK;
void sw_rtest_events_fini(struct sw_rtest_events *e); /* NULL-safe, zeroes e */

/* Python's == on JSON values: numbers by value (true == 1, 1 == 1.0), strings, null, arrays
 * and objects deeply. */
bool sw_rtest_py_equal(const json_t *a, const json_t *b);

/* Look up a dotted path in obj as run.py's find_value does: parts "name" or "name[i]", a
 * "__len" part gives the length (code points of a string, items of an array or object,
 * -1 otherwise) as *len with the result NULL, an operator part (__contains, __gt, ...) ends
 * the walk. Returns the value (borrowed) or NULL when missing; *len is -2 unless __len was
 * reached. A JSON null found is returned as such. */
const json_t *sw_rtest_find(const json_t *obj, const char *path, long long *len);

/* Does event ev satisfy m? */
bool sw_rtest_match_one(const struct sw_rtest_match *m, const json_t *ev);

/* What the checks may need besides the events. */
struct sw_rtest_eval_ctx {
    const struct sw_rtest_events *events;
    const struct sw_rtest_env *env;
    const char *test_dir; /* for check-level requires: files */
    /* Prefixes cut from an alert's fileinfo.filename before expect's file: compares (the
     * test folder, the folder inline files were written to), each ending in '/'. */
    const char *const *strip;
    size_t n_strip;
};

/* Evaluate every check and expect entry of t. Returns a JSON array (caller owns it), one
 * object per check, in order:
 *   {"check": N, "line": L, "type": "filter"|"stats"|"shell"|"file-compare"|"expect",
 *    "result": "ok"|"failed"|"skipped", "message": "...", "expected": V, "actual": V,
 *    "reason": {"group": G, "detail": D} (skipped), "closest": [{"eve_line": N,
 *    "event": "summary", "matched": K, "of": N, "mismatches": [{"key", "expected",
 *    "actual"}]}] (failed)}
 * NULL on allocation failure. */
json_t *sw_rtest_eval(const struct sw_rtest *t, const struct sw_rtest_eval_ctx *c);

/* A one-line description of an event for reports: "eve.json:LINE alert sid 7 \"msg\"
 * 10.0.0.1:1024 -> 10.0.0.2:80 TCP". Writes into buf (len > 0). */
void sw_rtest_event_summary(const json_t *ev, size_t line, char *buf, size_t len);

/* --- running a test --------------------------------------------------------------------- */

/* What the command line gives every test. Borrowed. */
struct sw_rtest_run_opts {
    const char *config;      /* -c FILE for the pipeline, NULL: built-in defaults */
    const char *const *sets; /* --set KEY=VALUE for every test, before the test's own */
    size_t n_sets;
    const struct sw_rtest_env *env;
};

/* Run the test in folder dir (named name in results), writing eve.json, stderr and staged
 * rules into out (an empty folder). Returns the result object (caller owns it):
 *   {"test": name, "path": dir, "result": "ok"|"failed"|"skipped", "reason": "...",
 *    "reasons": [{"group", "detail"}...] (skipped), "error": true (test.yaml unusable),
 *    "command": "seawall pcap ...", "exit_code": N, "stderr": [lines] (failed),
 *    "checks": [...] (sw_rtest_eval's)}
 * NULL only when memory runs out. Redirects this process's stderr and stdout and sets
 * environment variables: call it in a child process made for the test. */
json_t *sw_rtest_run(const char *dir, const char *name, const char *out,
                     const struct sw_rtest_run_opts *o);

/* Does this build's pipeline raise alerts from Suricata-syntax rules? Runs `seawall pcap`
 * (sw_cmd_pcap) on a one-packet capture with a one-rule file, both written into dir (an
 * empty folder), and looks for the rule's alert. Same conditions as sw_rtest_run. */
bool sw_rtest_probe_signatures(const char *dir);

#endif
