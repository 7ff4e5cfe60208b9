/* fuzz_tls_name.c - libFuzzer target for app_tls.c's certificate-name printer, against
 * OpenSSL.
 *
 * Input: a DER Name (tag included). Where sw_tls_name_text() prints it (the common shapes),
 * OpenSSL must decode the same bytes and X509_NAME_print_ex() must print the same text with
 * the flags the parser uses otherwise: a name the fast path accepts and OpenSSL rejects, or
 * prints differently, aborts. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bio.h>
#include <openssl/x509.h>

#include "sw/app_tls.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static char text[SW_TLS_NAME_TEXT_MAX];
    const unsigned char *p = data;
    X509_NAME *x;
    BIO *b;
    char *ossl = NULL;
    long olen;
    size_t n = 0;

    if (!sw_tls_name_text(data, size, text, &n))
        return 0;
    if (n > sizeof(text))
        abort();
    x = d2i_X509_NAME(NULL, &p, (long)size);
    if (x == NULL || p != data + size)
        abort(); /* accepted here, refused (or read differently) by OpenSSL */
    b = BIO_new(BIO_s_mem());
    if (b == NULL) {
        X509_NAME_free(x);
        return 0;
    }
    if (X509_NAME_print_ex(b, x, 0, XN_FLAG_SEP_CPLUS_SPC | XN_FLAG_FN_SN | ASN1_STRFLGS_RFC2253) <
        0)
        abort();
    olen = BIO_get_mem_data(b, &ossl);
    if (olen < 0 || (size_t)olen != n || (n > 0 && memcmp(ossl, text, n) != 0))
        abort();
    BIO_free(b);
    X509_NAME_free(x);
    return 0;
}
