/* sig_match_int.h - what sig_match.c (the inspection) and sig_thread.c (a matching thread's
 * state made and freed) share: the thread's state and a flow's. Both belong to one worker
 * thread. */
#ifndef SW_SIG_MATCH_INT_H
#define SW_SIG_MATCH_INT_H

#include "sig_int.h"

#define TX_MEMORY 64

/* Most rules a stream direction carries from one chunk to the next (past it: the next
 * chunk's window is scanned whole). */
#define CARRY_MAX 1024

/* A rule the prefilter found in a stream direction's bytes, and the stream offset where the
 * scan that found it ended. */
struct sig_carry {
    uint32_t rule;
    uint64_t end;
};

/* The last bytes of one stream direction (matches across chunks), and the rules whose fast
 * pattern the prefilter found in them. A pattern wholly inside the kept bytes was found by an
 * earlier scan that ended after their start, so the next chunk's scan starts only the
 * longest pattern's length before the new bytes and takes these rules as candidates too (a
 * superset of what a scan of the whole window finds; every candidate is evaluated in full):
 * the window is not scanned again and again. */
struct sig_tail {
    /* a ring: the bytes are b[head, head + len) modulo its size, so keeping a chunk's last
     * bytes copies the chunk's, not the whole tail again (tail_append) */
    uint8_t b[SW_SIG_STREAM_KEEP];
    size_t head, len;
    uint64_t end;            /* stream offset after b[len - 1] */
    struct sig_carry *carry; /* owned */
    uint32_t n_carry, cap_carry;
    bool carry_ok;           /* carry holds every rule found in b; false: scan b again */
};

/* A flow direction's prefilter groups at a hook, and what they were resolved for. */
struct sig_flowsel {
    struct sig_pf_sel s;
    uint16_t sport, dport;
    uint8_t pc;
    bool ok;
};

/* Per-flow state: the flowbits, the rules that alerted on the current transaction, a pass,
 * the stream tails. The stage frees it when the flow ends or another set is installed, so
 * the bit numbering is always the installed set's. */
struct sig_flowstate {
    uint64_t *bits;               /* owned: one bit per flowbit id */
    size_t words;
    bool passed;                  /* a pass rule matched: nothing more on this flow */
    uint8_t pd_done;              /* bit 0/1: protocol known seen to server / to client */
    uint8_t pd_ndpi_done;         /* the same, with nDPI done: protocol-only nDPI rules */
    uint8_t iponly_done;          /* bit 0/1: IP-only rules ran to server / to client */
    uint64_t tx_id;
    bool has_tx;
    uint32_t tx_alerted[TX_MEMORY];
    unsigned n_tx_alerted;
    struct sig_tail *tail[2];     /* owned, lazily: per direction */
    /* the prefilter groups of each direction's [d] packet [0] and stream [1] payload scans,
     * resolved at their first scan: fixed for the flow (the ports and class they were
     * resolved for are checked all the same: a caller may reuse a slot) */
    struct sig_flowsel sel[2][2];
};

/* One remembered address-set verdict (addr_in). */
struct addr_memo {
    const struct sig_addrset *set; /* NULL: free */
    uint64_t a[2];                 /* the address (IPv4: its 4 bytes, then zeros) */
    uint8_t ipv;
    bool in;
};

/* Entries of a thread's address memo: 64 KiB. */
#define ADDR_MEMO_BITS 11

struct sw_sig_thread {
    const struct sw_sig_set *s; /* borrowed */
    struct addr_memo *memo;     /* owned: 1 << ADDR_MEMO_BITS entries, direct-mapped */
    void *scratch;              /* owned: Hyperscan scratch */
    void *pcre_md;              /* owned */
    struct sig_thtable *th;     /* owned */
    uint64_t *mark;             /* owned: one bit per rule: already a candidate */
    uint32_t *cand;             /* owned: candidates of this inspection */
    size_t n_cand;
    uint8_t *dot;               /* owned: a buffer with a '.' before it (dotprefix) */
    uint32_t dot_bufs[SW_SIG_HOOK_TX + 1]; /* bit per buffer the prefilter scans dotted too */
    /* the always-run lists, looked up once: most are empty, and two calls per hook and
     * inspection to learn it were ~12 M instructions per corpus copy with ET Open */
    const uint32_t *always[SW_SIG_HOOK_TX + 1][SIG_PC_MAX][2]; /* borrowed from the set */
    size_t n_always[SW_SIG_HOOK_TX + 1][SIG_PC_MAX][2];
    const uint64_t *always_port_bits[SW_SIG_HOOK_TX + 1][SIG_PC_MAX][2]; /* borrowed */
    size_t dot_cap;
    uint8_t *win;               /* owned: stream tail + new bytes */
    size_t win_cap;
    struct sw_sig_counters c;
    struct sw_sig_profile *prof; /* owned when profiling, one per rule */
    /* the payload of this inspection as matched: stream window offset and new-bytes start */
    size_t anchor; /* index in pay of the new chunk's first byte */
    size_t min_end;
    const uint8_t *pay;
    size_t pay_len;
    /* A stream window joined to the kept tail is copied into win only as far as it is read
     * (win_fill): the scan reads the new bytes and the longest pattern's length before them,
     * only a candidate's evaluation the whole window. Copying the tail and the chunk for every
     * chunk was ~17 M instructions per corpus copy with ET Open. win[win_from, pay_len) holds
     * it; win_tl NULL: pay is whole (not a joined window). */
    const struct sig_tail *win_tl; /* borrowed: the tail joined */
    const uint8_t *win_new;        /* borrowed: the chunk's bytes */
    size_t win_from;
};

#endif
