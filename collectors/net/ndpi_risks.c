/* ndpi_risks.c - nDPI 4.2's names of its risks (see sw_ndpi_risk_texts in include/sw/ndpi.h).
 *
 * A static table, so that events can point at the names for the output stage: the enum
 * names come from the identifiers themselves (the preprocessor), the display names and
 * severities are what nDPI 4.2's ndpi_risk2str() and ndpi_risk2severity() return, and
 * test_ndpi_names checks every entry against those functions, so the table cannot drift
 * from the library it is built with. Immutable: any thread. */
#include <ndpi_api.h>

#include "sw/event.h"
#include "sw/ndpi.h"

_Static_assert(NDPI_MAX_RISK <= SW_RISK_TEXT_MAX, "nDPI risk ids no longer fit the table");

#define SEV_LOW "Low"
#define SEV_MEDIUM "Medium"
#define SEV_HIGH "High"
#define SEV_SEVERE "Severe"

/* [id] = {enum name, display name, severity name, severity}; a risk listed twice is a
 * compile error (-Woverride-init). */
#define T(e, name, sev) [e] = {#e, name, SEV_##sev, NDPI_RISK_##sev}

static const struct sw_risk_text texts[SW_RISK_TEXT_MAX] = {
    T(NDPI_URL_POSSIBLE_XSS, "XSS Attack", SEVERE),
    T(NDPI_URL_POSSIBLE_SQL_INJECTION, "SQL Injection", SEVERE),
    T(NDPI_URL_POSSIBLE_RCE_INJECTION, "RCE Injection", SEVERE),
    T(NDPI_BINARY_APPLICATION_TRANSFER, "Binary Application Transfer", SEVERE),
    T(NDPI_KNOWN_PROTOCOL_ON_NON_STANDARD_PORT, "Known Protocol on Non Standard Port", MEDIUM),
    T(NDPI_TLS_SELFSIGNED_CERTIFICATE, "Self-signed Certificate", HIGH),
    T(NDPI_TLS_OBSOLETE_VERSION, "Obsolete TLS Version (1.1 or older)", HIGH),
    T(NDPI_TLS_WEAK_CIPHER, "Weak TLS Cipher", HIGH),
    T(NDPI_TLS_CERTIFICATE_EXPIRED, "TLS Expired Certificate", HIGH),
    T(NDPI_TLS_CERTIFICATE_MISMATCH, "TLS Certificate Mismatch", HIGH),
    T(NDPI_HTTP_SUSPICIOUS_USER_AGENT, "HTTP Suspicious User-Agent", HIGH),
    T(NDPI_HTTP_NUMERIC_IP_HOST, "HTTP Numeric IP Address", LOW),
    T(NDPI_HTTP_SUSPICIOUS_URL, "HTTP Suspicious URL", HIGH),
    T(NDPI_HTTP_SUSPICIOUS_HEADER, "HTTP Suspicious Header", HIGH),
    T(NDPI_TLS_NOT_CARRYING_HTTPS, "TLS (probably) Not Carrying HTTPS", LOW),
    T(NDPI_SUSPICIOUS_DGA_DOMAIN, "Suspicious DGA Domain name", HIGH),
    T(NDPI_MALFORMED_PACKET, "Malformed Packet", LOW),
    T(NDPI_SSH_OBSOLETE_CLIENT_VERSION_OR_CIPHER, "SSH Obsolete Client Version/Cipher", HIGH),
    T(NDPI_SSH_OBSOLETE_SERVER_VERSION_OR_CIPHER, "SSH Obsolete Server Version/Cipher", MEDIUM),
    T(NDPI_SMB_INSECURE_VERSION, "SMB Insecure Version", HIGH),
    T(NDPI_TLS_SUSPICIOUS_ESNI_USAGE, "TLS Suspicious ESNI Usage", MEDIUM),
    T(NDPI_UNSAFE_PROTOCOL, "Unsafe Protocol", LOW),
    T(NDPI_DNS_SUSPICIOUS_TRAFFIC, "Suspicious DNS Traffic", HIGH),
    T(NDPI_TLS_MISSING_SNI, "Missing SNI TLS Extension", MEDIUM),
    T(NDPI_HTTP_SUSPICIOUS_CONTENT, "HTTP Suspicious Content", HIGH),
    T(NDPI_RISKY_ASN, "Risky ASN", MEDIUM),
    T(NDPI_RISKY_DOMAIN, "Risky Domain Name", MEDIUM),
    T(NDPI_MALICIOUS_JA3, "Possibly Malicious JA3 Fingerprint", MEDIUM),
    T(NDPI_MALICIOUS_SHA1_CERTIFICATE, "Possibly Malicious SSL Cert. SHA1 Fingerprint", MEDIUM),
    T(NDPI_DESKTOP_OR_FILE_SHARING_SESSION, "Desktop/File Sharing Session", LOW),
    T(NDPI_TLS_UNCOMMON_ALPN, "Uncommon TLS ALPN", MEDIUM),
    T(NDPI_TLS_CERT_VALIDITY_TOO_LONG, "TLS Certificate Validity Too Long", MEDIUM),
    T(NDPI_TLS_SUSPICIOUS_EXTENSION, "TLS Suspicious Extension", HIGH),
    T(NDPI_TLS_FATAL_ALERT, "TLS Fatal Alert", LOW),
    T(NDPI_SUSPICIOUS_ENTROPY, "Suspicious Entropy", MEDIUM),
    T(NDPI_CLEAR_TEXT_CREDENTIALS, "Clear-Text Credentials", HIGH),
    T(NDPI_DNS_LARGE_PACKET, "DNS Packet Larger Than 512 bytes", MEDIUM),
    T(NDPI_DNS_FRAGMENTED, "Fragmented DNS Message", MEDIUM),
    T(NDPI_INVALID_CHARACTERS, "Text Contains Non-Printable Characters", HIGH),
    T(NDPI_POSSIBLE_EXPLOIT, "Possible Exploit Detected", SEVERE),
    T(NDPI_TLS_CERTIFICATE_ABOUT_TO_EXPIRE, "TLS Certificate About To Expire", MEDIUM),
};

const struct sw_risk_text *
sw_ndpi_risk_texts(void)
{
    return texts;
}
