/* app_http_body.h - HTTP message bodies for the HTTP parser (collectors/net/app_http.c):
 * bounded byte buffers, undoing content codings (gzip, x-gzip, deflate with zlib; br with
 * brotli) under decompression-bomb limits, and lenient de-chunking.
 *
 * A content coding that does not decode is passed over: the bytes it was applied to go on
 * as they came (what libhtp does, and what a client that ignores the header gets), the
 * coding is named, and what its decoder produced before failing is kept as well.
 *
 * Every allocation goes through struct sw_http_mem, which counts it in the parser's
 * counters (memuse, nomem). Owner thread of the parser only. */
#ifndef SW_APP_HTTP_BODY_H
#define SW_APP_HTTP_BODY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sw/app_http.h"
#include "sw/app_http_hdr.h"

/* Memory accounting of one parser. */
struct sw_http_mem {
    struct sw_http_stats *st; /* borrowed: memuse and nomem are counted there */
    bool failed;              /* an allocation failed (the caller resets it per call) */
};

/* n bytes counted in m; NULL (counted in nomem) on failure. */
void *sw_http_mem_alloc(struct sw_http_mem *m, size_t n);
/* Free p of n bytes (as allocated). NULL-safe. */
void sw_http_mem_free(struct sw_http_mem *m, void *p, size_t n);

/* A growable byte buffer with a hard limit. p is owned; limit is set by the caller. */
struct sw_http_buf {
    uint8_t *p;
    size_t len, cap, limit;
};

/* Append up to n bytes; returns how many were appended (fewer at the limit or when memory
 * ran out: then m->failed is set). */
size_t sw_http_buf_append(struct sw_http_mem *m, struct sw_http_buf *b, const uint8_t *p, size_t n);
/* Free the storage; len and cap become 0, limit stays. */
void sw_http_buf_fini(struct sw_http_mem *m, struct sw_http_buf *b);

struct sw_http_limits {
    uint64_t max_out;   /* decoded bytes of one coding layer */
    uint32_t max_ratio; /* decoded / compressed bytes of a layer, beyond 1 MiB of output */
};

/* The result of sw_http_decode. */
struct sw_http_decoded {
    const uint8_t *data; /* the bytes: into the input, or into own */
    size_t len;
    struct sw_http_buf own;     /* owned */
    struct sw_http_buf partial; /* owned: output of the decoder that failed, before it did */
    unsigned failed;            /* enum sw_http_coding that did not decode; 0 none */
    bool bomb;                  /* output cut by the limits */
    bool nomem;                 /* output cut: out of memory */
    bool gzip_header;           /* a gzip header with reserved flags or a wrong header CRC */
    bool gzip_trailer;          /* a gzip trailer missing or not matching its data */
};

/* Undo the content codings coding[0, n_coding) (in the order listed; undone last first) of
 * in[0, n). complete: nothing of the body is missing, so a
 * stream that ends early did not decode (else it is only cut). Each gzip/deflate layer is
 * recognised by its bytes (gzip header, read leniently as browsers do; zlib header; raw
 * deflate), as libhtp does whatever the header said; gzip header flags, header CRC and
 * trailer are not enforced (browsers do not) but reported in res. res is filled; free it with
 * sw_http_decoded_fini. */
void sw_http_decode(struct sw_http_mem *m, const uint8_t *in, size_t n, const uint8_t *coding,
                    unsigned n_coding, bool complete, const struct sw_http_limits *lim,
                    struct sw_http_decoded *res);
void sw_http_decoded_fini(struct sw_http_mem *m, struct sw_http_decoded *res);

/* Undo chunked transfer coding of in[0, n) leniently, as app_http.c's framing does (size
 * lines with junk, blank lines between chunks; a line without a size ends the chunks and the
 * rest follows as it came). out (limit set by the caller) receives the data. Returns false
 * when in does not start with a chunk. */
bool sw_http_dechunk(struct sw_http_mem *m, const uint8_t *in, size_t n, struct sw_http_buf *out);

/* The body of one message as it arrives (caller storage, zeroed before first use): its bytes
 * as transferred, chunking undone, up to a limit. Fields are read by the caller. */
struct sw_http_rx {
    struct sw_http_buf raw; /* owned */
    uint64_t raw_n;         /* body bytes accepted (<= the limit; holes excluded) */
    size_t gap_at;          /* raw.len at the first hole (SIZE_MAX: none): decoding stops */
    bool active, truncated, gaps;
    uint32_t reported; /* anomalies the caller reported for this body (bits) */
};

/* Start a body of at most max_body bytes (the buffer of the last one is reused). */
void sw_http_rx_begin(struct sw_http_rx *b, uint64_t max_body);
/* Bytes of the body as transferred; beyond the limit, or when memory runs out, they are
 * dropped and the body is cut (truncated; counted once in m->st->truncated). */
void sw_http_rx_data(struct sw_http_mem *m, struct sw_http_rx *b, const uint8_t *p, size_t n);
/* Mark b truncated (counted once). */
void sw_http_rx_cut(struct sw_http_mem *m, struct sw_http_rx *b);
/* A hole in the body: decoding stops there. */
void sw_http_rx_gap(struct sw_http_rx *b);
/* Undo the content codings of b (those before its first hole): see sw_http_decode. */
void sw_http_rx_decode(struct sw_http_mem *m, const struct sw_http_rx *b, const uint8_t *coding,
                       unsigned n_coding, const struct sw_http_limits *lim,
                       struct sw_http_decoded *res);
/* The body was delivered: b is inactive, a large buffer freed. */
void sw_http_rx_done(struct sw_http_mem *m, struct sw_http_rx *b);

/* One reading of a message's bytes, handed to a sw_http_readings callback (borrowed for the
 * call). */
struct sw_http_reading {
    const uint8_t *data;
    size_t len;
    const char *label; /* static: how the bytes were read, e.g. "close", "chunked_decoded" */
    unsigned failed;   /* a content coding that did not decode (its input is given) */
    bool cut;          /* incomplete: limits, memory, or the bytes ended early */
};

/* 64-bit FNV-1a of p[0, n), to tell readings apart. */
uint64_t sw_http_hash(const uint8_t *p, size_t n);

/* SW_HTTP_CODING_GZIP when p[0, n) starts with a gzip or zlib header, else 0: for bodies
 * whose coding was not declared (or not recognised). */
unsigned sw_http_sniff(const uint8_t *p, size_t n);

#endif
