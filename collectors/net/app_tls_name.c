/* app_tls_name.c - certificate names printed as OpenSSL prints them, without its decoder
 * (sw_tls_name_text, see include/sw/app_tls.h), for the TLS parser (app_tls.c).
 *
 * OpenSSL's d2i_X509_NAME and X509_NAME_print_ex cost about 100,000 instructions per name
 * (ASN.1 templates, the canonical copy made for comparisons, a BIO), most of the TLS
 * parser's work with a public ruleset. The names nearly every certificate carries are
 * printed here as X509_NAME_print_ex prints them (XN_FLAG_SEP_CPLUS_SPC | XN_FLAG_FN_SN |
 * ASN1_STRFLGS_RFC2253); any other name goes to OpenSSL as before (sw_tls_name_text says
 * false), so the text is OpenSSL's in every case (test_app_tls compares the two). */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "app_tls_int.h"
#include "sw/app_tls.h"

#define NAME_FAST_MAX SW_TLS_NAME_TEXT_MAX

/* Attribute types with their OpenSSL short names: the OID's content bytes. */
static const struct {
    uint8_t len;
    uint8_t oid[11];
    const char *sn;
} name_attrs[] = {
    {3, {0x55, 0x04, 0x03}, "CN"},
    {3, {0x55, 0x04, 0x04}, "SN"},
    {3, {0x55, 0x04, 0x05}, "serialNumber"},
    {3, {0x55, 0x04, 0x06}, "C"},
    {3, {0x55, 0x04, 0x07}, "L"},
    {3, {0x55, 0x04, 0x08}, "ST"},
    {3, {0x55, 0x04, 0x09}, "street"},
    {3, {0x55, 0x04, 0x0a}, "O"},
    {3, {0x55, 0x04, 0x0b}, "OU"},
    {3, {0x55, 0x04, 0x0c}, "title"},
    {3, {0x55, 0x04, 0x0d}, "description"},
    {3, {0x55, 0x04, 0x0f}, "businessCategory"},
    {3, {0x55, 0x04, 0x11}, "postalCode"},
    {3, {0x55, 0x04, 0x2a}, "GN"},
    {3, {0x55, 0x04, 0x2b}, "initials"},
    {3, {0x55, 0x04, 0x2e}, "dnQualifier"},
    {3, {0x55, 0x04, 0x41}, "pseudonym"},
    {3, {0x55, 0x04, 0x61}, "organizationIdentifier"},
    {9, {0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x09, 0x01}, "emailAddress"},
    {11, {0x2b, 0x06, 0x01, 0x04, 0x01, 0x82, 0x37, 0x3c, 0x02, 0x01, 0x01}, "jurisdictionL"},
    {11, {0x2b, 0x06, 0x01, 0x04, 0x01, 0x82, 0x37, 0x3c, 0x02, 0x01, 0x02}, "jurisdictionST"},
    {11, {0x2b, 0x06, 0x01, 0x04, 0x01, 0x82, 0x37, 0x3c, 0x02, 0x01, 0x03}, "jurisdictionC"},
    {10, {0x09, 0x92, 0x26, 0x89, 0x93, 0xf2, 0x2c, 0x64, 0x01, 0x19}, "DC"},
    {10, {0x09, 0x92, 0x26, 0x89, 0x93, 0xf2, 0x2c, 0x64, 0x01, 0x01}, "UID"},
};

static const char hexup[] = "0123456789ABCDEF";

/* One DER element with a minimal definite length (any other encoding: false, and OpenSSL
 * decides). */
static bool
fast_el(struct rd *r, unsigned *tag, struct rd *in)
{
    size_t len;
    unsigned l;

    *tag = get8(r);
    l = get8(r);
    if (r->bad)
        return false;
    if (l < 0x80) {
        len = l;
    } else if (l == 0x81) {
        len = get8(r);
        if (len < 0x80)
            return false;
    } else if (l == 0x82) {
        len = get16(r);
        if (len < 0x100)
            return false;
    } else {
        return false;
    }
    *in = sub(r, len);
    return !r->bad;
}

/* Append s[0, n) to out at *o; false when it does not fit. */
static bool
put(char *out, size_t *o, const char *s, size_t n)
{
    if (n > NAME_FAST_MAX - *o)
        return false;
    memcpy(out + *o, s, n);
    *o += n;
    return true;
}

/* One character of a value as OpenSSL's RFC 2253 escaping prints it: '\' before
 * ,+"\<>; anywhere, '#' first and ' ' first or last (a one-character value counts as last
 * only, as in OpenSSL); \XX for control bytes and bytes over 0x7f. */
static bool
put_char(char *out, size_t *o, uint8_t c, bool first, bool last)
{
    char e[3];

    if (c < 0x20 || c >= 0x7f) {
        e[0] = '\\';
        e[1] = hexup[c >> 4];
        e[2] = hexup[c & 15];
        return put(out, o, e, 3);
    }
    if (last)
        first = false;
    if (strchr(",+\"\\<>;", c) != NULL || (c == '#' && first) || (c == ' ' && (first || last))) {
        e[0] = '\\';
        e[1] = (char)c;
        return put(out, o, e, 2);
    }
    e[0] = (char)c;
    return put(out, o, e, 1);
}

/* The Name element der (tag included) printed into out (NAME_FAST_MAX bytes), *n bytes:
 * one attribute per RDN, of a type in name_attrs, valued by a PrintableString, IA5String,
 * NumericString or T61String (one byte a character, converted to UTF-8), or
 * a UTF8String of ASCII. false: any other name (OpenSSL prints it). */
bool
sw_tls_name_text(const uint8_t *der, size_t len, char *out, size_t *n)
{
    struct rd r = {der, len, false}, name, rdn, ava, oid, val;
    unsigned tag;
    size_t o = 0;

    if (!fast_el(&r, &tag, &name) || tag != 0x30 || r.left != 0 || name.left == 0)
        return false;
    while (name.left > 0) {
        const char *sn = NULL;

        if (!fast_el(&name, &tag, &rdn) || tag != 0x31 || !fast_el(&rdn, &tag, &ava) ||
            tag != 0x30 || rdn.left != 0) /* one attribute in the RDN */
            return false;
        if (!fast_el(&ava, &tag, &oid) || tag != 0x06 || !fast_el(&ava, &tag, &val) ||
            ava.left != 0)
            return false;
        for (size_t i = 0; i < sizeof(name_attrs) / sizeof(name_attrs[0]) && sn == NULL; i++)
            if (name_attrs[i].len == oid.left && memcmp(name_attrs[i].oid, oid.p, oid.left) == 0)
                sn = name_attrs[i].sn;
        if (sn == NULL)
            return false;
        bool latin1 = tag == 0x12 || tag == 0x13 || tag == 0x14 || tag == 0x16;

        if (!latin1 && tag != 0x0c)
            return false;
        if (o > 0 && !put(out, &o, ", ", 2))
            return false;
        if (!put(out, &o, sn, strlen(sn)) || !put(out, &o, "=", 1))
            return false;
        for (size_t i = 0; i < val.left; i++) {
            uint8_t c = val.p[i];
            bool first = i == 0, last = i + 1 == val.left;

            if (c < 0x80) {
                if (!put_char(out, &o, c, first, last))
                    return false;
            } else if (!latin1) {
                return false; /* UTF-8 beyond ASCII: OpenSSL checks it */
            } else if (!put_char(out, &o, (uint8_t)(0xc0 | c >> 6), false, false) ||
                       !put_char(out, &o, (uint8_t)(0x80 | (c & 0x3f)), false, false)) {
                return false;
            }
        }
    }
    *n = o;
    return true;
}
