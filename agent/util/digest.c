/* digest.c - message digests as hex (see include/sw/digest.h). */
#include "sw/digest.h"

#include <openssl/evp.h>

/* The digest md of data as hex into out (2 * want + 1 bytes); "" on failure. */
static void
digest_hex(const EVP_MD *md, unsigned want, const void *data, size_t len, char *out)
{
    static const char hex[] = "0123456789abcdef";
    unsigned char d[EVP_MAX_MD_SIZE];
    unsigned int n = 0;

    out[0] = '\0';
    if (EVP_Digest(data, len, d, &n, md, NULL) != 1 || n != want)
        return;
    for (unsigned i = 0; i < want; i++) {
        out[2 * i] = hex[d[i] >> 4];
        out[2 * i + 1] = hex[d[i] & 15];
    }
    out[2 * want] = '\0';
}

void
sw_sha256_hex(const void *data, size_t len, char out[65])
{
    digest_hex(EVP_sha256(), 32, data, len, out);
}

void
sw_md5_hex(const void *data, size_t len, char out[33])
{
    digest_hex(EVP_md5(), 16, data, len, out);
}
