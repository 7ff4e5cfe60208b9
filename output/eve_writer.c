/* eve_writer.c - the streaming JSON writer of EVE (see include/sw/eve_writer.h).
 *
 * Written for instructions per byte: each put reserves its worst case once, then writes
 * without further checks; strings go through a 256-entry class table, one byte per step. */
#include "sw/eve_writer.h"

#include "sw/alloc.h"
#include "sw/eve.h"

void
sw_eve_writer_init(struct sw_eve_writer *w, size_t max)
{
    memset(w, 0, sizeof(*w));
    w->max = max;
}

void
sw_eve_writer_fini(struct sw_eve_writer *w)
{
    if (w == NULL)
        return;
    sw_free(w->buf);
    w->buf = NULL;
    w->cap = w->len = 0;
}

void
sw_eve_writer_reset(struct sw_eve_writer *w)
{
    w->len = 0;
    w->comma = false;
    w->failed = false;
    w->depth = 0;
}

bool
sw_eve_writer_grow(struct sw_eve_writer *w, size_t n)
{
    size_t need, cap;

    if (w->failed)
        return false;
    if (__builtin_add_overflow(w->len, n, &need) || (w->max != 0 && need > w->max))
        goto fail;
    cap = w->cap != 0 ? w->cap : 4096;
    while (cap < need) {
        if (__builtin_mul_overflow(cap, 2, &cap))
            goto fail;
    }
    if (w->max != 0 && cap > w->max)
        cap = w->max;
    char *nb = sw_realloc(w->buf, cap);
    if (nb == NULL)
        goto fail;
    w->buf = nb;
    w->cap = cap;
    return true;
fail:
    w->failed = true;
    return false;
}

/* Byte classes for strings: 0 written as is; 1 escaped (controls, quote, backslash);
 * 2..4 lead bytes of a 2..4-byte UTF-8 sequence; 5 never valid in UTF-8 (a continuation
 * byte out of place, C0, C1, F5..FF). */
static const uint8_t cls[256] = {
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, /* 00 */
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, /* 10 */
    0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, /* 20: '"' */
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, /* 30 */
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, /* 40 */
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, /* 50: '\\' */
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, /* 60 */
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, /* 70: 0x7f as is, as Jansson */
    5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, /* 80 */
    5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, /* 90 */
    5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, /* a0 */
    5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, /* b0 */
    5, 5, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, /* c0: c0, c1 overlong */
    2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, /* d0 */
    3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, /* e0 */
    4, 4, 4, 4, 4, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, /* f0: f5.. above U+10FFFF */
};

/* The escape of a class-1 byte: its second character, or 'u' for \u00XX. */
static const char esc2[32] = {
    'u', 'u', 'u', 'u', 'u', 'u', 'u', 'u', 'b', 't', 'n', 'u', 'f', 'r', 'u', 'u',
    'u', 'u', 'u', 'u', 'u', 'u', 'u', 'u', 'u', 'u', 'u', 'u', 'u', 'u', 'u', 'u',
};

/* Whether the multi-byte sequence at s (lead byte of class c, n bytes left including it) is
 * one Jansson accepts: continuation bytes, no overlong form, no surrogate, <= U+10FFFF. */
static bool
utf8_ok(const unsigned char *s, size_t left, unsigned c)
{
    uint32_t v;

    if (left < c)
        return false;
    v = s[0] & (c == 2 ? 0x1fu : c == 3 ? 0x0fu : 0x07u);
    for (unsigned i = 1; i < c; i++) {
        if ((s[i] & 0xc0u) != 0x80u)
            return false;
        v = (v << 6) | (s[i] & 0x3fu);
    }
    if (c == 3 && (v < 0x800 || (v >= 0xd800 && v <= 0xdfff)))
        return false;
    if (c == 4 && (v < 0x10000 || v > 0x10ffff))
        return false;
    return true;
}

bool
sw_eve_utf8_valid(const char *s, size_t n)
{
    const unsigned char *u = (const unsigned char *)s;

    for (size_t i = 0; i < n;) {
        unsigned k = cls[u[i]];

        if (k < 2) {
            i++;
            continue;
        }
        if (k == 5 || !utf8_ok(u + i, n - i, k))
            return false;
        i += k;
    }
    return true;
}

/* Text that is not valid UTF-8 (a Latin-1 file name, bytes off the wire): every byte
 * outside printable ASCII as the four characters \xNN, cut where the text would pass 1018
 * characters, as the Jansson encoder's 1024-byte fallback did. Returns the length in buf. */
static size_t
hex_escape(const char *val, size_t n, char buf[1024])
{
    static const char hex[] = "0123456789abcdef";
    size_t o = 0;

    for (size_t i = 0; i < n && o + 5 < 1024; i++) {
        unsigned char c = (unsigned char)val[i];

        if (c >= 0x20 && c < 0x7f) {
            buf[o++] = (char)c;
        } else {
            buf[o++] = '\\';
            buf[o++] = 'x';
            buf[o++] = hex[c >> 4];
            buf[o++] = hex[c & 15];
        }
    }
    return o;
}

/* Whether the eight bytes in x are all written as they are: none below 0x20, none above
 * 0x7f, no '"' and no '\\' (the classic has-zero-byte and has-less-than word tests). */
static inline bool
plain8(uint64_t x)
{
    uint64_t q = x ^ 0x2222222222222222ull, b = x ^ 0x5c5c5c5c5c5c5c5cull;

    return ((x | ((x - 0x2020202020202020ull) & ~x) | ((q - 0x0101010101010101ull) & ~q) |
             ((b - 0x0101010101010101ull) & ~b)) &
            0x8080808080808080ull) == 0;
}

/* Write s[0..n) escaped at p (room for 6n bytes). Returns the end, or NULL at the first
 * byte that is not valid UTF-8 when check is set. */
static char *
escape_into(char *p, const unsigned char *s, size_t n, bool check)
{
    static const char hex[] = "0123456789ABCDEF";
    size_t i = 0;

    while (i < n) {
        /* eight plain bytes at a time: none below 0x20, none above 0x7f, no '"' or '\\' */
        while (n - i >= 8) {
            uint64_t x;

            memcpy(&x, s + i, 8);
            if (!plain8(x))
                break;
            memcpy(p, &x, 8);
            p += 8;
            i += 8;
        }
        if (i >= n)
            break;
        /* a short rest after clean words: the last eight bytes again, overlapping */
        if (n >= 8 && n - i < 8) {
            uint64_t x;
            size_t j = n - 8;

            memcpy(&x, s + j, 8);
            if (plain8(x)) {
                memcpy(p - (i - j), &x, 8); /* rewrites i - j bytes already written */
                p += n - i;
                break;
            }
        }
        unsigned char c = s[i];
        unsigned k = cls[c];

        if (k == 0) {
            *p++ = (char)c;
            i++;
            continue;
        }
        if (k == 1) {
            p[0] = '\\';
            if (c >= 0x20) { /* '"' or '\\' */
                p[1] = (char)c;
                p += 2;
            } else if (esc2[c] != 'u') {
                p[1] = esc2[c];
                p += 2;
            } else {
                memcpy(p + 1, "u00", 3);
                p[4] = hex[c >> 4];
                p[5] = hex[c & 15];
                p += 6;
            }
            i++;
            continue;
        }
        if (check && (k == 5 || !utf8_ok(s + i, n - i, k)))
            return NULL;
        k = k == 5 ? 1 : k;
        if (k > n - i) /* unchecked text cut inside a sequence: copy what is there */
            k = (unsigned)(n - i);
        memcpy(p, s + i, k);
        p += k;
        i += k;
    }
    return p;
}

void
sw_eve_put_strn_k(struct sw_eve_writer *w, const char *key, size_t klen, const char *val, size_t n)
{
    size_t room;
    char *p;

    /* worst case: every byte as \u00XX, two quotes, the key and its punctuation */
    if (__builtin_mul_overflow(n, 6, &room) || __builtin_add_overflow(room, klen + 6, &room) ||
        !sw_eve_reserve(w, room))
        return;
    sw_eve_put_key_unchecked(w, key, klen);
    p = w->buf + w->len;
    *p++ = '"';
    char *end = escape_into(p, (const unsigned char *)val, n, true);
    if (end == NULL) {
        char tmp[1024];
        size_t tn = hex_escape(val, n, tmp);

        /* tn <= n * 4 and the escapes of tmp are at most 2 bytes each (\\): fits in 6n */
        end = escape_into(p, (const unsigned char *)tmp, tn, false);
    }
    *end++ = '"';
    w->len = (size_t)(end - w->buf);
}

void
sw_eve_put_str_valid(struct sw_eve_writer *w, const char *key, const char *val)
{
    size_t n, klen = key != NULL ? strlen(key) : 0, room;
    struct sw_eve_mark m = {w->len, w->comma};

    if (val == NULL)
        return;
    n = strlen(val);
    if (__builtin_mul_overflow(n, 6, &room) || __builtin_add_overflow(room, klen + 6, &room) ||
        !sw_eve_reserve(w, room))
        return;
    sw_eve_put_key_unchecked(w, key, klen);
    char *p = w->buf + w->len;
    *p++ = '"';
    char *end = escape_into(p, (const unsigned char *)val, n, true);
    if (end == NULL) { /* not UTF-8: leave the field out */
        w->len = m.len;
        w->comma = m.comma;
        return;
    }
    *end++ = '"';
    w->len = (size_t)(end - w->buf);
}

void
sw_eve_put_key(struct sw_eve_writer *w, const char *key)
{
    size_t n = strlen(key), room;

    if (__builtin_mul_overflow(n, 6, &room) || __builtin_add_overflow(room, 4, &room) ||
        !sw_eve_reserve(w, room))
        return;
    char *p = w->buf + w->len;
    if (w->comma)
        *p++ = ',';
    *p++ = '"';
    p = escape_into(p, (const unsigned char *)key, n, false);
    *p++ = '"';
    *p++ = ':';
    w->len = (size_t)(p - w->buf);
    w->comma = false; /* the value that follows takes no separator */
}

void
sw_eve_put_raw_str_k(struct sw_eve_writer *w, const char *key, size_t klen, const char *val,
                     size_t n)
{
    if (!sw_eve_reserve(w, klen + n + 6))
        return;
    sw_eve_put_key_unchecked(w, key, klen);
    char *p = w->buf + w->len;
    *p++ = '"';
    sw_eve_copy_short(p, val, n);
    p += n;
    *p++ = '"';
    w->len = (size_t)(p - w->buf);
}

/* 9999-12-31T23:59:59: later times (a pcapng can carry them) are written as this one, so
 * the text always has its 31 characters. */
#define EVE_MAX_SECS 253402300799ULL
#define TIME_LEN 31 /* 2026-11-25T10:00:00.123456+0000 */

static const char pairs[] = "00010203040506070809101112131415161718192021222324"
                            "25262728293031323334353637383940414243444546474849"
                            "50515253545556575859606162636465666768697071727374"
                            "75767778798081828384858687888990919293949596979899";

static void
two_digits(char *p, unsigned v)
{
    memcpy(p, pairs + 2 * v, 2);
}

/* The date of a day count since 1970-01-01 (proleptic Gregorian, as gmtime): Howard
 * Hinnant's civil_from_days, for days >= 0. */
static void
civil_from_days(uint64_t z, unsigned *y, unsigned *m, unsigned *d)
{
    z += 719468;
    uint64_t era = z / 146097;
    unsigned doe = (unsigned)(z - era * 146097);
    unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    unsigned mp = (5 * doy + 2) / 153;

    *d = doy - (153 * mp + 2) / 5 + 1;
    *m = mp < 10 ? mp + 3 : mp - 9;
    *y = (unsigned)(era * 400 + yoe) + (*m <= 2);
}

/* The second changes a few times per flow event (timestamp, start, end) and the day almost
 * never: remember the last two seconds formatted and the last day (per thread: encoders
 * never share them). */
static _Thread_local struct {
    uint64_t day;
    char date[10]; /* "2026-11-25" */
    uint64_t secs[2];
    char text[2][19]; /* "2026-11-25T10:00:00" */
    unsigned next;
} tcache = {UINT64_MAX, "", {UINT64_MAX, UINT64_MAX}, {"", ""}, 0};

/* Write the TIME_LEN characters of ts_us at p (no NUL). */
static void
time_text(uint64_t ts_us, char *p)
{
    uint64_t secs = ts_us / 1000000u;

    if (secs > EVE_MAX_SECS) {
        secs = EVE_MAX_SECS;
        ts_us = secs * 1000000u + 999999u;
    }
    unsigned us = (unsigned)(ts_us - secs * 1000000u);
    unsigned slot = tcache.secs[0] == secs ? 0 : tcache.secs[1] == secs ? 1 : 2;

    if (slot == 2) {
        uint64_t day = secs / 86400u;
        unsigned sod = (unsigned)(secs - day * 86400u);
        char *t;

        if (day != tcache.day) {
            unsigned y, m, d;

            civil_from_days(day, &y, &m, &d);
            two_digits(tcache.date, y / 100);
            two_digits(tcache.date + 2, y % 100);
            tcache.date[4] = '-';
            two_digits(tcache.date + 5, m);
            tcache.date[7] = '-';
            two_digits(tcache.date + 8, d);
            tcache.day = day;
        }
        slot = tcache.next;
        tcache.next ^= 1;
        tcache.secs[slot] = secs;
        t = tcache.text[slot];
        memcpy(t, tcache.date, 10);
        t[10] = 'T';
        two_digits(t + 11, sod / 3600);
        t[13] = ':';
        two_digits(t + 14, sod / 60 % 60);
        t[16] = ':';
        two_digits(t + 17, sod % 60);
    }
    memcpy(p, tcache.text[slot], 19);
    p[19] = '.';
    two_digits(p + 20, us / 10000);
    two_digits(p + 22, us / 100 % 100);
    two_digits(p + 24, us % 100);
    memcpy(p + 26, "+0000", 5);
}

void
sw_eve_time(uint64_t ts_us, char *buf, size_t buflen)
{
    if (buflen < TIME_LEN + 1)
        return;
    time_text(ts_us, buf);
    buf[TIME_LEN] = '\0';
}

void
sw_eve_put_i64_k(struct sw_eve_writer *w, const char *key, size_t klen, int64_t v)
{
    const char *digits = pairs;
    static const uint64_t pow10[20] = {1ull,
                                       10ull,
                                       100ull,
                                       1000ull,
                                       10000ull,
                                       100000ull,
                                       1000000ull,
                                       10000000ull,
                                       100000000ull,
                                       1000000000ull,
                                       10000000000ull,
                                       100000000000ull,
                                       1000000000000ull,
                                       10000000000000ull,
                                       100000000000000ull,
                                       1000000000000000ull,
                                       10000000000000000ull,
                                       100000000000000000ull,
                                       1000000000000000000ull,
                                       10000000000000000000ull};
    uint64_t u = v < 0 ? 0 - (uint64_t)v : (uint64_t)v;
    /* digits from the bit length (log10 2 ~ 1233/4096), corrected by one comparison */
    unsigned n = (unsigned)(((64 - __builtin_clzll(u | 1)) * 1233) >> 12);

    if (!sw_eve_reserve(w, klen + 4 + 21))
        return;
    n = n + 1 - ((u | 1) < pow10[n]);
    sw_eve_put_key_unchecked(w, key, klen);
    char *p = w->buf + w->len;
    if (v < 0)
        *p++ = '-';
    /* digits written in place, last first */
    char *q = p + n;
    while (u >= 100) {
        unsigned d = (unsigned)(u % 100) * 2;

        u /= 100;
        q -= 2;
        q[0] = digits[d];
        q[1] = digits[d + 1];
    }
    if (u >= 10) {
        q -= 2;
        q[0] = digits[u * 2];
        q[1] = digits[u * 2 + 1];
    } else {
        *--q = (char)('0' + u);
    }
    w->len = (size_t)(p + n - w->buf);
}

void
sw_eve_put_bool_k(struct sw_eve_writer *w, const char *key, size_t klen, bool v)
{
    if (!sw_eve_reserve(w, klen + 4 + 5))
        return;
    sw_eve_put_key_unchecked(w, key, klen);
    if (v)
        memcpy(w->buf + w->len, "true", 4);
    else
        memcpy(w->buf + w->len, "false", 5);
    w->len += v ? 4 : 5;
}

void
sw_eve_put_null_k(struct sw_eve_writer *w, const char *key, size_t klen)
{
    if (!sw_eve_reserve(w, klen + 4 + 4))
        return;
    sw_eve_put_key_unchecked(w, key, klen);
    memcpy(w->buf + w->len, "null", 4);
    w->len += 4;
}

void
sw_eve_put_time_k(struct sw_eve_writer *w, const char *key, size_t klen, uint64_t ts_us)
{
    if (!sw_eve_reserve(w, klen + 4 + TIME_LEN + 2))
        return;
    sw_eve_put_key_unchecked(w, key, klen);
    char *p = w->buf + w->len;
    *p++ = '"';
    time_text(ts_us, p);
    p[TIME_LEN] = '"';
    w->len = (size_t)(p + TIME_LEN + 1 - w->buf);
}

static char *
dotted(char *p, const uint8_t *a)
{
    for (int i = 0; i < 4; i++) {
        unsigned v = a[i];

        if (i > 0)
            *p++ = '.';
        if (v >= 100) {
            *p++ = (char)('0' + v / 100);
            v %= 100;
            *p++ = (char)('0' + v / 10);
        } else if (v >= 10) {
            *p++ = (char)('0' + v / 10);
        }
        *p++ = (char)('0' + v % 10);
    }
    return p;
}

size_t
sw_eve_addr_text(int version, const uint8_t *a, char *buf)
{
    static const char hex[] = "0123456789abcdef";
    char *p = buf;

    if (version != 6) {
        p = dotted(p, a);
        *p = '\0';
        return (size_t)(p - buf);
    }
    /* glibc's inet_ntop6: the first longest run of two or more zero words becomes "::" */
    unsigned words[8];
    int best = -1, best_len = 0, cur = -1, cur_len = 0;

    for (int i = 0; i < 8; i++) {
        words[i] = (unsigned)a[2 * i] << 8 | a[2 * i + 1];
        if (words[i] == 0) {
            if (cur == -1) {
                cur = i;
                cur_len = 0;
            }
            cur_len++;
        } else if (cur != -1) {
            if (best == -1 || cur_len > best_len) {
                best = cur;
                best_len = cur_len;
            }
            cur = -1;
        }
    }
    if (cur != -1 && (best == -1 || cur_len > best_len)) {
        best = cur;
        best_len = cur_len;
    }
    if (best != -1 && best_len < 2)
        best = -1;
    for (int i = 0; i < 8; i++) {
        if (best != -1 && i >= best && i < best + best_len) {
            if (i == best)
                *p++ = ':';
            continue;
        }
        if (i != 0)
            *p++ = ':';
        if (i == 6 && best == 0 && (best_len == 6 || (best_len == 5 && words[5] == 0xffff))) {
            p = dotted(p, a + 12);
            *p = '\0';
            return (size_t)(p - buf);
        }
        unsigned v = words[i];
        bool lead = false;
        for (int sh = 12; sh >= 0; sh -= 4) {
            unsigned d = (v >> sh) & 15;

            if (d != 0 || lead || sh == 0) {
                *p++ = hex[d];
                lead = true;
            }
        }
    }
    if (best != -1 && best + best_len == 8)
        *p++ = ':';
    *p = '\0';
    return (size_t)(p - buf);
}

struct sw_eve_mark
sw_eve_open_k(struct sw_eve_writer *w, const char *key, size_t klen, bool array)
{
    struct sw_eve_mark m = {w->len, w->comma};

    if (w->depth >= SW_EVE_WRITER_DEPTH) {
        w->failed = true;
        return m;
    }
    if (!sw_eve_reserve(w, klen + 5))
        return m;
    sw_eve_put_key_unchecked(w, key, klen);
    w->buf[w->len++] = array ? '[' : '{';
    w->close[w->depth++] = array ? ']' : '}';
    w->comma = false;
    return m;
}

void
sw_eve_close(struct sw_eve_writer *w)
{
    if (w->failed || w->depth == 0 || !sw_eve_reserve(w, 1))
        return;
    w->buf[w->len++] = w->close[--w->depth];
    w->comma = true;
}

void
sw_eve_close_drop_empty(struct sw_eve_writer *w, struct sw_eve_mark m)
{
    if (w->failed || w->depth == 0)
        return;
    if (!w->comma) { /* nothing since the open: take the key and the bracket back */
        w->depth--;
        w->len = m.len;
        w->comma = m.comma;
        return;
    }
    sw_eve_close(w);
}
