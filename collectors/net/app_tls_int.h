/* app_tls_int.h - what the TLS parser's files share (collectors/net/app_tls.c, the parser;
 * app_tls_name.c, certificate names printed without OpenSSL's decoder): a bounds-checked
 * reader. */
#ifndef SW_APP_TLS_INT_H
#define SW_APP_TLS_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* A bounds-checked reader over one message. */
struct rd {
    const uint8_t *p;
    size_t left;
    bool bad;
};

static inline const uint8_t *
take(struct rd *r, size_t n)
{
    const uint8_t *p = r->p;

    if (r->bad || n > r->left) {
        r->bad = true;
        return NULL;
    }
    r->p += n;
    r->left -= n;
    return p;
}

static inline unsigned
get8(struct rd *r)
{
    const uint8_t *p = take(r, 1);

    return p != NULL ? p[0] : 0;
}

static inline unsigned
get16(struct rd *r)
{
    const uint8_t *p = take(r, 2);

    return p != NULL ? (unsigned)(p[0] << 8 | p[1]) : 0;
}

static inline unsigned
get24(struct rd *r)
{
    const uint8_t *p = take(r, 3);

    return p != NULL ? (unsigned)(p[0] << 16 | p[1] << 8 | p[2]) : 0;
}

/* A sub-reader over the next n bytes. */
static inline struct rd
sub(struct rd *r, size_t n)
{
    struct rd s = {take(r, n), n, false};

    if (s.p == NULL)
        s.bad = true, s.left = 0;
    return s;
}

#endif
