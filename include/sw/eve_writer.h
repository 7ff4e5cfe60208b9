/* eve_writer.h - a JSON writer that streams EVE straight into one growable buffer.
 *
 * No tree and no allocation per field: each put appends `,"key":value` at the end of the
 * buffer, escaping strings as Jansson's JSON_COMPACT dump does (so EVE lines are byte for
 * byte what the Jansson encoder wrote before: \" \\ \b \f \n \r \t, other bytes below 0x20
 * as \u00XX, everything else as is). A string that is not valid UTF-8 (by Jansson's rules:
 * no overlong forms, no surrogates, nothing above U+10FFFF) is kept rather than lost, every
 * byte outside printable ASCII written as the text \xNN (the JSON shows "\\xNN").
 *
 * Keys are the caller's literals (EVE field names), written without a UTF-8 check. In an
 * array, pass NULL as the key. A failed allocation or a buffer past its maximum sets
 * w->failed; later puts do nothing and the caller checks failed once at the end.
 *
 * One writer per thread (it is plain caller storage): not shared. */
#ifndef SW_EVE_WRITER_H
#define SW_EVE_WRITER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#define SW_EVE_WRITER_DEPTH 32 /* nesting levels of objects and arrays */

struct sw_eve_writer {
    char *buf;  /* owned: cap bytes */
    size_t len; /* bytes written */
    size_t cap;
    size_t max;     /* hard maximum of cap (0: no limit) */
    bool comma;     /* the open container has a member: the next one needs a comma */
    bool failed;    /* out of memory or past max: the text is incomplete */
    unsigned depth; /* open containers */
    char close[SW_EVE_WRITER_DEPTH]; /* '}' or ']' for each open container */
};

/* Where an object or array began, to drop it again when it stayed empty. */
struct sw_eve_mark {
    size_t len;
    bool comma;
};

/* Initialise an empty writer whose buffer may grow to max bytes (0: no limit). Allocates
 * nothing until the first put. Each put reserves its worst case first (a string 6 bytes per
 * byte), so with a max a put can fail while its text would have fit. */
void sw_eve_writer_init(struct sw_eve_writer *w, size_t max);
/* Free the buffer. NULL-safe. */
void sw_eve_writer_fini(struct sw_eve_writer *w);
/* Start a new text (keeps the buffer). */
void sw_eve_writer_reset(struct sw_eve_writer *w);

/* Make room for n more bytes: false (and w->failed set) when out of memory or past max. */
bool sw_eve_writer_grow(struct sw_eve_writer *w, size_t n);

static inline bool
sw_eve_reserve(struct sw_eve_writer *w, size_t n)
{
    if (w->cap - w->len >= n)
        return true;
    return sw_eve_writer_grow(w, n);
}

/* Copy n bytes of short text (keys, numbers, names) with fixed-size moves the compiler
 * inlines, rather than a call to memcpy for a dozen bytes. */
static inline void
sw_eve_copy_short(char *dst, const char *src, size_t n)
{
    while (n >= 8) {
        memcpy(dst, src, 8);
        dst += 8;
        src += 8;
        n -= 8;
    }
    if (n & 4) {
        memcpy(dst, src, 4);
        dst += 4;
        src += 4;
    }
    if (n & 2) {
        memcpy(dst, src, 2);
        dst += 2;
        src += 2;
    }
    if (n & 1)
        *dst = *src;
}

/* Append the separator and `"key":` (key NULL: an array member, the separator only).
 * The caller reserved klen + 4 bytes. */
static inline void
sw_eve_put_key_unchecked(struct sw_eve_writer *w, const char *key, size_t klen)
{
    char *p = w->buf + w->len;

    if (w->comma)
        *p++ = ',';
    if (key != NULL) {
        *p++ = '"';
        sw_eve_copy_short(p, key, klen);
        p += klen;
        *p++ = '"';
        *p++ = ':';
    }
    w->comma = true;
    w->len = (size_t)(p - w->buf);
}

/* A string value escaped as described above; val must be NUL-terminated and is written up
 * to its length n. Empty strings are written (""). */
void sw_eve_put_strn_k(struct sw_eve_writer *w, const char *key, size_t klen, const char *val,
                       size_t n);
/* The keyed puts are inline so that strlen() of a literal key folds to a constant; the _k
 * functions take the key's length. */
static inline size_t
sw_eve_klen(const char *key)
{
    return key != NULL ? strlen(key) : 0;
}

static inline void
sw_eve_put_strn(struct sw_eve_writer *w, const char *key, const char *val, size_t n)
{
    sw_eve_put_strn_k(w, key, sw_eve_klen(key), val, n);
}
/* Text written as is between quotes: the caller guarantees it needs no escaping (digits,
 * hex, a formatted time). */
void sw_eve_put_raw_str_k(struct sw_eve_writer *w, const char *key, size_t klen, const char *val,
                          size_t n);
static inline void
sw_eve_put_raw_str(struct sw_eve_writer *w, const char *key, const char *val, size_t n)
{
    sw_eve_put_raw_str_k(w, key, sw_eve_klen(key), val, n);
}

/* A string field, left out when val is NULL or "" (EVE writes no empty values). */
static inline void
sw_eve_put_str(struct sw_eve_writer *w, const char *key, const char *val)
{
    if (val == NULL || val[0] == '\0')
        return;
    sw_eve_put_strn(w, key, val, strlen(val));
}

/* A string field written even when empty; left out when val is NULL. */
static inline void
sw_eve_put_str0(struct sw_eve_writer *w, const char *key, const char *val)
{
    if (val == NULL)
        return;
    sw_eve_put_strn(w, key, val, strlen(val));
}

/* A string field written only when val is valid UTF-8 (empty included): where the Jansson
 * encoder dropped such a value rather than escape it (alert metadata values, YARA string
 * data, restart keys). Left out when val is NULL. */
void sw_eve_put_str_valid(struct sw_eve_writer *w, const char *key, const char *val);

/* Whether s[0..n) is UTF-8 as Jansson accepts it (what sw_eve_put_str_valid() asks). */
bool sw_eve_utf8_valid(const char *s, size_t n);

/* A key that comes from data (a rule's metadata key, a module name): written escaped as a
 * string, without a UTF-8 check. Exactly one put with key NULL (a value, or an open) must
 * follow. */
void sw_eve_put_key(struct sw_eve_writer *w, const char *key);

/* An IPv4 (version 4, 4 bytes) or IPv6 address as text, exactly as glibc's inet_ntop()
 * writes it (zero runs as ::, IPv4-mapped and -compatible tails dotted), without its
 * sprintf. buf holds SW_EVE_ADDR_MAX bytes; returns the length (NUL written). */
#define SW_EVE_ADDR_MAX 46
size_t sw_eve_addr_text(int version, const uint8_t *a, char *buf);

/* A signed integer. */
void sw_eve_put_i64_k(struct sw_eve_writer *w, const char *key, size_t klen, int64_t v);
static inline void
sw_eve_put_i64(struct sw_eve_writer *w, const char *key, int64_t v)
{
    sw_eve_put_i64_k(w, key, sw_eve_klen(key), v);
}

/* An unsigned counter. EVE has always written these through Jansson's signed json_int_t,
 * so a value above INT64_MAX comes out negative, as before (kept for byte-identical output;
 * no counter gets there). */
static inline void
sw_eve_put_u64(struct sw_eve_writer *w, const char *key, uint64_t v)
{
    sw_eve_put_i64(w, key, (int64_t)v);
}

/* true or false. */
void sw_eve_put_bool_k(struct sw_eve_writer *w, const char *key, size_t klen, bool v);
static inline void
sw_eve_put_bool(struct sw_eve_writer *w, const char *key, bool v)
{
    sw_eve_put_bool_k(w, key, sw_eve_klen(key), v);
}

/* A JSON null (a sink's last_error_time before any error: Suricata's own stats never carry
 * one). */
void sw_eve_put_null_k(struct sw_eve_writer *w, const char *key, size_t klen);

/* A capture time as sw_eve_time() formats it, as a string. */
void sw_eve_put_time_k(struct sw_eve_writer *w, const char *key, size_t klen, uint64_t ts_us);
static inline void
sw_eve_put_time(struct sw_eve_writer *w, const char *key, uint64_t ts_us)
{
    sw_eve_put_time_k(w, key, sw_eve_klen(key), ts_us);
}

/* Open an object or an array as member key (NULL in an array, or for the top-level object).
 * Returns the mark sw_eve_close_drop_empty() needs. Past SW_EVE_WRITER_DEPTH the writer
 * fails. */
struct sw_eve_mark sw_eve_open_k(struct sw_eve_writer *w, const char *key, size_t klen, bool array);
static inline struct sw_eve_mark
sw_eve_open_obj(struct sw_eve_writer *w, const char *key)
{
    return sw_eve_open_k(w, key, sw_eve_klen(key), false);
}

static inline struct sw_eve_mark
sw_eve_open_arr(struct sw_eve_writer *w, const char *key)
{
    return sw_eve_open_k(w, key, sw_eve_klen(key), true);
}
/* Close the innermost open object or array. */
void sw_eve_close(struct sw_eve_writer *w);
/* Close it, or remove it altogether (key included) when nothing was put into it. */
void sw_eve_close_drop_empty(struct sw_eve_writer *w, struct sw_eve_mark m);

#endif
