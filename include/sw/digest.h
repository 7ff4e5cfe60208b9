/* digest.h - message digests as lower-case hex (OpenSSL's EVP): the sha256 of HTTP bodies'
 * fileinfo events, the MD5 of JA3 strings. Policy-free; any thread (EVP_Digest keeps no
 * state between calls). */
#ifndef SW_DIGEST_H
#define SW_DIGEST_H

#include <stddef.h>

/* SHA-256 of data[0, len) into out (64 hex digits and a NUL); "" when OpenSSL fails. */
void sw_sha256_hex(const void *data, size_t len, char out[65]);
/* MD5 of data[0, len) into out (32 hex digits and a NUL); "" when OpenSSL fails. */
void sw_md5_hex(const void *data, size_t len, char out[33]);

#endif
