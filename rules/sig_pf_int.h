/* sig_pf_int.h - the prefilter's groups and index, shared by its build (sig_prefilter.c) and
 * its scans (sig_pfscan.c). Private to rules/. */
#ifndef SIG_PF_INT_H
#define SIG_PF_INT_H

#include <hs/hs.h>

#include "sig_int.h"

#define HOOKS 3
#define PF_MAX_LITERAL 24

struct pf_group {
    uint64_t key;
    hs_database_t *db; /* owned */
    uint32_t n_pat;
    uint32_t *off;   /* owned: n_pat + 1 offsets into rules */
    uint32_t *rules; /* owned */
    uint32_t lo, hi; /* payload lengths some rule of the group accepts (of a bounded group:
                      * some bounded rule): others skip it */
    bool dot;
    bool merged; /* holds the any-port group's patterns (merge_any_into_ports) */
};

struct sig_prefilter {
    struct pf_group *g; /* owned, sorted by key */
    size_t n_g;
    /* groups by key, open addressing: index + 1, 0 empty; an inspection looks up two to four
     * keys per scan, where the binary search over hundreds of groups cost as much as the
     * scan's own set-up (ET Open: 50 M instructions per corpus copy) */
    uint32_t *idx; /* owned */
    uint64_t idx_mask;
    /* always-run lists, [1] holding the rules whose flags keyword requires SYN: an
     * inspection of a packet without SYN skips them (ET's scan rules, flags:S, were evaluated
     * on every TCP packet) */
    uint32_t *always[HOOKS][SIG_PC_MAX][2]; /* owned */
    size_t n_always[HOOKS][SIG_PC_MAX][2];
    uint32_t *iponly[SIG_PC_MAX]; /* owned: IP-only rules, once per flow direction */
    size_t n_iponly[SIG_PC_MAX];
    /* always-run rules aimed at a few destination ports, as (port << 32 | rule) sorted: an
     * inspection takes those of its port only (ET's "inbound to port N" scan rules) */
    uint64_t *always_port[HOOKS][SIG_PC_MAX][2]; /* owned; [1] as always[][][1] */
    size_t n_always_port[HOOKS][SIG_PC_MAX][2];
    /* owned, NULL when the list is empty: a bit per port that has entries (8 KiB), so the
     * many inspections of a port without (97 % with ET Open) skip the binary search */
    uint64_t *always_port_bits[HOOKS][SIG_PC_MAX][2];
    uint32_t dot_bufs[HOOKS]; /* bit per buffer with dotted groups */
    /* the transaction hook's groups are fixed per buffer: resolved at build, by key buffer
     * and dot (a scan of a transaction buffer hashed its key every time) */
    struct sig_pf_sel tx_sel[SW_SIG_BUF_MAX][2];
};

/* key: hook 2 bits, buffer 5, dot 1, pc 2, dir 1, any-port 1, port 16, client side 1 (the
 * port is the client's: KEY_CLIENT), bounded length 1 */
#define KEY_CLIENT 2u
static inline uint64_t
mkkey(int hook, int buf, bool dot, int pc, int dir, bool anyport, uint16_t port, bool bounded)
{
    return ((uint64_t)hook << 28) | ((uint64_t)buf << 23) | ((uint64_t)dot << 22) |
           ((uint64_t)pc << 20) | ((uint64_t)dir << 19) | ((uint64_t)anyport << 18) |
           ((uint64_t)port << 2) | (uint64_t)bounded;
}

/* The buffer whose groups hold buffer b's patterns: the bodies are file.data's bytes. */
static inline int
key_buf(enum sw_sig_buf b)
{
    return b == SW_SIG_BUF_HTTP_REQUEST_BODY || b == SW_SIG_BUF_HTTP_RESPONSE_BODY
               ? SW_SIG_BUF_FILE_DATA
               : (int)b;
}

static inline uint64_t
key_hash(uint64_t key)
{
    return (key * UINT64_C(0x9e3779b97f4a7c15)) >> 32;
}

#endif
