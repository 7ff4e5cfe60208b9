/* app_http_body.c - HTTP message bodies: buffers, content decoding, readings (see
 * include/sw/app_http_body.h).
 *
 * Bodies are decoded once whole (the parser keeps the bytes as transferred until the body
 * ends), so that a coding that turns out not to decode can be passed over with its input
 * intact, and the input can be read again the other plausible ways. */
#include "sw/app_http_body.h"

#include <string.h>

#define ZLIB_CONST
#include <brotli/decode.h>
#include <zlib.h>

#include "sw/alloc.h"

#define BUF_MIN 4096u         /* first buffer size */
#define RATIO_FREE (1u << 20) /* decoded bytes allowed before max_ratio applies */
#define STEP (256u * 1024)    /* most output bytes per decoder call: limits checked often */
#define AHDR 16u              /* size prefix of library allocations (keeps 16-byte alignment) */

/* --- memory --------------------------------------------------------------------------------- */

void *
sw_http_mem_alloc(struct sw_http_mem *m, size_t n)
{
    void *p = sw_malloc(n);

    if (p == NULL) {
        m->st->nomem++;
        m->failed = true;
        return NULL;
    }
    m->st->memuse += n;
    return p;
}

void
sw_http_mem_free(struct sw_http_mem *m, void *p, size_t n)
{
    if (p == NULL)
        return;
    m->st->memuse -= n;
    sw_free(p);
}

/* zlib and brotli allocate through the parser's accounting: the size is kept in front. */
static void *
lib_alloc(struct sw_http_mem *m, size_t n)
{
    uint8_t *p;

    if (__builtin_add_overflow(n, (size_t)AHDR, &n))
        return NULL;
    p = sw_http_mem_alloc(m, n);
    if (p == NULL)
        return NULL;
    memcpy(p, &n, sizeof(n));
    return p + AHDR;
}

static void
lib_free(struct sw_http_mem *m, void *addr)
{
    uint8_t *p = addr;
    size_t n;

    if (p == NULL)
        return;
    p -= AHDR;
    memcpy(&n, p, sizeof(n));
    sw_http_mem_free(m, p, n);
}

static voidpf
z_alloc(voidpf opaque, uInt items, uInt size)
{
    size_t n;

    if (__builtin_mul_overflow((size_t)items, (size_t)size, &n))
        return Z_NULL;
    return lib_alloc(opaque, n);
}

static void
z_free(voidpf opaque, voidpf addr)
{
    lib_free(opaque, addr);
}

static void *
br_alloc(void *opaque, size_t n)
{
    return lib_alloc(opaque, n);
}

static void
br_free(void *opaque, void *addr)
{
    lib_free(opaque, addr);
}

/* --- buffers -------------------------------------------------------------------------------- */

/* Make room for at least one more byte. false: at the limit or out of memory. */
static bool
buf_grow(struct sw_http_mem *m, struct sw_http_buf *b)
{
    size_t ncap;
    uint8_t *nb;

    if (b->cap >= b->limit)
        return false;
    ncap = b->cap < BUF_MIN ? BUF_MIN : b->cap * 2;
    if (ncap > b->limit)
        ncap = b->limit;
    nb = sw_http_mem_alloc(m, ncap);
    if (nb == NULL)
        return false;
    if (b->len > 0)
        memcpy(nb, b->p, b->len);
    sw_http_mem_free(m, b->p, b->cap);
    b->p = nb;
    b->cap = ncap;
    return true;
}

size_t
sw_http_buf_append(struct sw_http_mem *m, struct sw_http_buf *b, const uint8_t *p, size_t n)
{
    size_t done = 0;

    while (done < n) {
        size_t k;

        if (b->len == b->cap && !buf_grow(m, b))
            break;
        k = b->cap - b->len;
        if (k > n - done)
            k = n - done;
        memcpy(b->p + b->len, p + done, k);
        b->len += k;
        done += k;
    }
    return done;
}

void
sw_http_buf_fini(struct sw_http_mem *m, struct sw_http_buf *b)
{
    sw_http_mem_free(m, b->p, b->cap);
    b->p = NULL;
    b->len = b->cap = 0;
}

/* --- one coding layer ------------------------------------------------------------------------ */

enum lrc {
    L_OK,   /* the stream ended (output may be cut by the limits: bomb, nomem) */
    L_FAIL, /* corrupt, or ended early in a complete body: not this coding */
    L_CUT,  /* the input ended inside the stream of an incomplete body */
};

/* Where a layer writes: the buffer (limit = max_out) and the bomb guard. */
struct sink {
    struct sw_http_buf *b;
    uint32_t ratio;
    bool bomb, nomem;
};

/* Output beyond 1 MiB and ratio times the input consumed so far: a bomb (checked as the
 * output grows, so a bomb is cut early). */
static bool
over_ratio(const struct sink *s, uint64_t consumed)
{
    return s->b->len > RATIO_FREE && s->b->len / (consumed > 0 ? consumed : 1) > s->ratio;
}

/* Room for output: true with at least one byte free; false when at the limit (s->b full) or
 * out of memory (s->nomem). */
static bool
sink_room(struct sw_http_mem *m, struct sink *s)
{
    if (s->b->len < s->b->cap || buf_grow(m, s->b))
        return true;
    if (s->b->cap < s->b->limit)
        s->nomem = true; /* not the limit: the allocation failed */
    return false;
}

/* Deflate (RFC 1951) of in[0, n): raw (wbits -15) or zlib-wrapped (15, the adler32 checked
 * as browsers' zlib does). */
static enum lrc
inflate_raw(struct sw_http_mem *m, const uint8_t *in, size_t n, bool complete, int wbits,
            struct sink *s, size_t *used)
{
    z_stream z;
    enum lrc rc = L_FAIL;

    memset(&z, 0, sizeof(z));
    z.zalloc = z_alloc;
    z.zfree = z_free;
    z.opaque = m;
    if (inflateInit2(&z, wbits) != Z_OK) {
        s->nomem = true;
        return L_OK;
    }
    z.next_in = in;
    z.avail_in = (uInt)n; /* bodies are at most 1 GiB */
    for (;;) {
        uint8_t scratch;
        uInt room;
        int zr;

        if (!sink_room(m, s)) {
            if (s->nomem) {
                rc = L_OK;
                break;
            }
            /* at the limit: is there more output? */
            z.next_out = &scratch;
            z.avail_out = 1;
            zr = inflate(&z, Z_NO_FLUSH);
            if (z.avail_out == 0) {
                s->bomb = true;
                rc = L_OK;
                break;
            }
        } else {
            room = s->b->cap - s->b->len > STEP ? STEP : (uInt)(s->b->cap - s->b->len);
            z.next_out = s->b->p + s->b->len;
            z.avail_out = room;
            zr = inflate(&z, Z_NO_FLUSH);
            s->b->len += room - z.avail_out;
            if (over_ratio(s, z.total_in)) {
                s->bomb = true;
                rc = L_OK;
                break;
            }
        }
        if (zr == Z_STREAM_END) {
            rc = L_OK; /* bytes after the end are ignored, as browsers do */
            break;
        }
        if (zr == Z_MEM_ERROR) {
            s->nomem = true;
            rc = L_OK;
            break;
        }
        if (zr != Z_OK && zr != Z_BUF_ERROR) {
            rc = L_FAIL;
            break;
        }
        if (z.avail_in == 0 && z.avail_out > 0) {
            rc = complete ? L_FAIL : L_CUT; /* input ended inside the stream */
            break;
        }
    }
    *used = (size_t)z.total_in;
    inflateEnd(&z);
    return rc;
}

/* Bytes of the gzip header (RFC 1952) at in[0, n), read as browsers do: the reserved flag
 * bits and the header CRC are not checked. 0 when it is not a gzip header; n + 1 when it
 * runs past n. */
static size_t
gzip_header(const uint8_t *in, size_t n)
{
    size_t pos = 10;
    uint8_t flg;

    if (n < 3 || in[0] != 0x1f || in[1] != 0x8b || in[2] != 8)
        return 0;
    if (n < 10)
        return n + 1;
    flg = in[3];
    if (flg & 0x04) { /* FEXTRA */
        if (pos + 2 > n)
            return n + 1;
        pos += 2 + (size_t)(in[pos] | (in[pos + 1] << 8));
    }
    for (uint8_t f = 0x08; f <= 0x10; f <<= 1) { /* FNAME, FCOMMENT: NUL-terminated */
        if (!(flg & f))
            continue;
        while (pos < n && in[pos] != 0)
            pos++;
        pos++;
    }
    if (flg & 0x02) /* FHCRC */
        pos += 2;
    return pos > n ? n + 1 : pos;
}

/* Does the gzip header in[0, hlen) deviate: reserved flag bits, or a header CRC that is not
 * the header's? */
static bool
gzip_header_odd(const uint8_t *in, size_t hlen)
{
    if (in[3] & 0xe0)
        return true;
    if ((in[3] & 0x02) && hlen >= 12) {
        uint32_t crc = (uint32_t)crc32(0L, in, (uInt)(hlen - 2));

        return (crc & 0xffff) != (uint32_t)(in[hlen - 2] | (in[hlen - 1] << 8));
    }
    return false;
}

/* Does the gzip trailer at t[0, n) (after the deflate stream) match out[0, len)? */
static bool
gzip_trailer_ok(const uint8_t *t, size_t n, const uint8_t *out, size_t len)
{
    uint32_t crc = (uint32_t)crc32(0L, len > 0 ? out : Z_NULL, 0), isize;

    for (size_t done = 0; done < len;) {
        uInt piece = len - done > (1u << 30) ? (1u << 30) : (uInt)(len - done);

        crc = (uint32_t)crc32(crc, out + done, piece);
        done += piece;
    }
    if (n < 8)
        return false;
    isize =
        (uint32_t)t[4] | ((uint32_t)t[5] << 8) | ((uint32_t)t[6] << 16) | ((uint32_t)t[7] << 24);
    return crc == ((uint32_t)t[0] | ((uint32_t)t[1] << 8) | ((uint32_t)t[2] << 16) |
                   ((uint32_t)t[3] << 24)) &&
           isize == (uint32_t)len;
}

/* A zlib header (RFC 1950) without preset dictionary? */
static bool
zlib_header(const uint8_t *in, size_t n)
{
    return n >= 2 && (in[0] & 0x0f) == 8 && (in[0] >> 4) <= 7 && ((in[0] << 8) | in[1]) % 31 == 0 &&
           !(in[1] & 0x20);
}

/* gzip, zlib or raw deflate, recognised by the bytes whatever the header said (libhtp and
 * browsers try both wrappers too); when the recognised wrapper fails, raw deflate from the
 * first byte is tried. On failure s->b keeps what the recognised wrapper decoded (the partial
 * reading; nothing when no wrapper was recognised: a raw guess that fails means nothing). */
static enum lrc
inflate_any(struct sw_http_mem *m, const uint8_t *in, size_t n, bool complete, struct sink *s,
            struct sw_http_decoded *res)
{
    size_t start = gzip_header(in, n), used = 0;
    struct sw_http_buf first = {.limit = s->b->limit};
    struct sink s1 = *s;
    int wbits = -15;
    enum lrc rc;

    if (start > n)
        return complete ? L_FAIL : L_CUT; /* the gzip header itself is cut */
    if (start == 0 && !zlib_header(in, n)) {
        rc = inflate_raw(m, in, n, complete, -15, s, &used);
        if (rc == L_FAIL)
            s->b->len = 0; /* a guess that failed: what it made is no reading */
        return rc;
    }
    if (start == 0)
        wbits = 15; /* zlib */
    s1.b = &first;
    /* gzip: the raw stream after the header; flags, header CRC and trailer are reported,
     * not enforced, as browsers do not enforce them */
    rc = inflate_raw(m, in + start, n - start, complete, wbits, &s1, &used);
    if (rc != L_FAIL) {
        if (start > 0) {
            res->gzip_header = res->gzip_header || gzip_header_odd(in, start);
            if (rc == L_OK && !s1.bomb && !s1.nomem &&
                !gzip_trailer_ok(in + start + used, n - start - used, first.p, first.len))
                res->gzip_trailer = true;
        }
        sw_http_buf_fini(m, s->b);
        *s->b = first;
        s->bomb = s1.bomb;
        s->nomem = s1.nomem;
        return rc;
    }
    rc = inflate_raw(m, in, n, complete, -15, s, &used);
    if (rc == L_FAIL) {
        /* the partial reading is what the recognised wrapper decoded */
        sw_http_buf_fini(m, s->b);
        *s->b = first;
        return rc;
    }
    sw_http_buf_fini(m, &first);
    return rc;
}

/* Brotli (RFC 7932). */
static enum lrc
unbrotli(struct sw_http_mem *m, const uint8_t *in, size_t n, bool complete, struct sink *s)
{
    BrotliDecoderState *st = BrotliDecoderCreateInstance(br_alloc, br_free, m);
    const uint8_t *next_in = in;
    size_t avail_in = n;
    enum lrc rc = L_FAIL;

    if (st == NULL) {
        s->nomem = true;
        return L_OK;
    }
    for (;;) {
        BrotliDecoderResult r;
        size_t room, avail_out;
        uint8_t *next_out;

        if (!sink_room(m, s)) {
            if (!s->nomem && (BrotliDecoderHasMoreOutput(st) || avail_in > 0))
                s->bomb = true; /* at the limit with more to come */
            rc = L_OK;
            break;
        }
        room = s->b->cap - s->b->len > STEP ? STEP : s->b->cap - s->b->len;
        avail_out = room;
        next_out = s->b->p + s->b->len;
        r = BrotliDecoderDecompressStream(st, &avail_in, &next_in, &avail_out, &next_out, NULL);
        s->b->len += room - avail_out;
        if (over_ratio(s, n - avail_in)) {
            s->bomb = true;
            rc = L_OK;
            break;
        }
        if (r == BROTLI_DECODER_RESULT_SUCCESS) {
            rc = L_OK;
            break;
        }
        if (r == BROTLI_DECODER_RESULT_NEEDS_MORE_INPUT) {
            rc = complete ? L_FAIL : L_CUT;
            break;
        }
        if (r == BROTLI_DECODER_RESULT_ERROR) {
            if (m->failed)
                s->nomem = true;
            rc = s->nomem ? L_OK : L_FAIL;
            break;
        }
    }
    BrotliDecoderDestroyInstance(st);
    return rc;
}

/* --- decoding -------------------------------------------------------------------------------- */

void
sw_http_decode(struct sw_http_mem *m, const uint8_t *in, size_t n, const uint8_t *coding,
               unsigned n_coding, bool complete, const struct sw_http_limits *lim,
               struct sw_http_decoded *res)
{
    memset(res, 0, sizeof(*res));
    res->data = in;
    res->len = n;
    res->own.limit = res->partial.limit = lim->max_out;
    for (unsigned i = n_coding; i-- > 0;) {
        struct sw_http_buf out = {.limit = lim->max_out};
        struct sink s = {.b = &out, .ratio = lim->max_ratio};
        enum lrc rc;

        if (res->len == 0)
            break; /* nothing to decode */
        if (coding[i] == SW_HTTP_CODING_BR)
            rc = unbrotli(m, res->data, res->len, complete, &s);
        else
            rc = inflate_any(m, res->data, res->len, complete, &s, res);
        if (rc == L_FAIL) {
            /* not this coding: its input goes on as it came */
            res->failed = coding[i];
            sw_http_buf_fini(m, &res->partial);
            res->partial = out;
            continue;
        }
        sw_http_buf_fini(m, &res->own);
        res->own = out;
        res->data = out.len > 0 ? out.p : (const uint8_t *)"";
        res->len = out.len;
        res->bomb = res->bomb || s.bomb;
        res->nomem = res->nomem || s.nomem;
        if (rc == L_CUT || s.bomb || s.nomem)
            complete = false; /* the next layer has an incomplete input */
    }
}

void
sw_http_decoded_fini(struct sw_http_mem *m, struct sw_http_decoded *res)
{
    sw_http_buf_fini(m, &res->own);
    sw_http_buf_fini(m, &res->partial);
    res->data = NULL;
    res->len = 0;
}

/* --- de-chunking ----------------------------------------------------------------------------- */

bool
sw_http_dechunk(struct sw_http_mem *m, const uint8_t *in, size_t n, struct sw_http_buf *out)
{
    size_t pos = 0;
    bool any = false;

    while (pos < n) {
        const uint8_t *lf = memchr(in + pos, '\n', n - pos);
        size_t line = lf != NULL ? (size_t)(lf - (in + pos)) : n - pos;
        uint64_t size;
        bool junk, blank;

        if (!sw_http_hdr_chunk_size(in + pos, line, &size, &junk, &blank)) {
            if (blank && lf != NULL) {
                pos += line + 1; /* blank lines between chunks (libhtp) */
                continue;
            }
            if (!any)
                return false;
            /* no size where one was due: the rest as it came (libhtp) */
            sw_http_buf_append(m, out, in + pos, n - pos);
            return true;
        }
        if (lf == NULL)
            break;
        any = true;
        pos += line + 1;
        if (size == 0)
            break;
        if (size > n - pos)
            size = n - pos;
        if (sw_http_buf_append(m, out, in + pos, (size_t)size) < size)
            break;
        pos += (size_t)size;
        /* the rest of the line after the data, CR LF or junk (libhtp reads to the LF) */
        lf = memchr(in + pos, '\n', n - pos);
        if (lf == NULL)
            break;
        pos = (size_t)(lf - in) + 1;
    }
    return any;
}

/* --- a body as it arrives ----------------------------------------------------------------- */

#define RX_KEEP (64u * 1024) /* a body buffer up to this size is kept for the next body */

void
sw_http_rx_begin(struct sw_http_rx *b, uint64_t max_body)
{
    b->active = true;
    b->raw.len = 0;
    b->raw.limit = max_body;
    b->raw_n = 0;
    b->gap_at = SIZE_MAX;
    b->truncated = b->gaps = false;
    b->reported = 0;
}

void
sw_http_rx_cut(struct sw_http_mem *m, struct sw_http_rx *b)
{
    if (!b->truncated)
        m->st->truncated++;
    b->truncated = true;
}

void
sw_http_rx_data(struct sw_http_mem *m, struct sw_http_rx *b, const uint8_t *p, size_t n)
{
    uint64_t room;

    if (n == 0)
        return;
    room = b->raw.limit - b->raw_n;
    if (n > room) {
        n = (size_t)room;
        sw_http_rx_cut(m, b);
    }
    b->raw_n += n;
    if (sw_http_buf_append(m, &b->raw, p, n) < n)
        sw_http_rx_cut(m, b); /* out of memory: it stops growing */
}

void
sw_http_rx_gap(struct sw_http_rx *b)
{
    b->gaps = true;
    if (b->gap_at == SIZE_MAX)
        b->gap_at = b->raw.len;
}

void
sw_http_rx_decode(struct sw_http_mem *m, const struct sw_http_rx *b, const uint8_t *coding,
                  unsigned n_coding, const struct sw_http_limits *lim, struct sw_http_decoded *res)
{
    size_t n = b->gap_at != SIZE_MAX ? b->gap_at : b->raw.len;

    sw_http_decode(m, b->raw.p, n, coding, n_coding, !b->truncated && !b->gaps, lim, res);
}

void
sw_http_rx_done(struct sw_http_mem *m, struct sw_http_rx *b)
{
    b->active = false;
    b->raw.len = 0;
    if (b->raw.cap > RX_KEEP)
        sw_http_buf_fini(m, &b->raw);
}

/* --- hashing, sniffing ----------------------------------------------------------------------- */

uint64_t
sw_http_hash(const uint8_t *p, size_t n)
{
    uint64_t h = 0xcbf29ce484222325ull;

    for (size_t i = 0; i < n; i++) {
        h ^= p[i];
        h *= 0x100000001b3ull;
    }
    return h ^ n;
}

unsigned
sw_http_sniff(const uint8_t *p, size_t n)
{
    return gzip_header(p, n) != 0 || zlib_header(p, n) ? SW_HTTP_CODING_GZIP : 0;
}
