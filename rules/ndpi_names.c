/* ndpi_names.c - seawall's alert metadata for every risk of nDPI 4.2 (ndpi_risk_enum).
 *
 * Immutable tables: any thread. The enum names are produced by the preprocessor from the
 * identifiers themselves, so a code string can never disagree with the id it is stored under.
 *
 * MITRE ATT&CK (Enterprise) choice. One rule throughout: the technique an adversary would be
 * using if the flow that raised the risk is hostile; NULL when the risk is hygiene or a
 * protocol oddity with no adversary behaviour behind it (expired or expiring certificates,
 * fatal TLS alerts, malformed packets, policy protocols, lists whose content the user
 * chooses). Where nDPI's own name suggests a different id, what the 4.2 code really tests
 * decided:
 *  - XSS, SQL injection, RCE, suspicious URL (4.2: ".." traversal), possible exploit (4.2:
 *    Log4Shell-style "${", "<?", "://" in the User-Agent, or Java fetching Java): attacks on
 *    an HTTP server, T1190 Exploit Public-Facing Application. Not T1203 (client execution):
 *    nothing 4.2 flags targets a client.
 *  - binary application over HTTP: T1105 Ingress Tool Transfer.
 *  - protocol on a non-standard port: T1571 Non-Standard Port.
 *  - self-signed certificate, and validity too long (public CAs may not issue past 398 days,
 *    so such a certificate was made by its owner): T1587.003 Develop Capabilities: Digital
 *    Certificates.
 *  - obsolete TLS/SSH/SMB versions and weak ciphers: T1562.010 Downgrade Attack, which names
 *    network protocols negotiated down to enable interception. Not T1573 Encrypted Channel:
 *    that is an adversary encrypting its C2, which old crypto does not indicate.
 *  - certificate mismatch: the visible mark of TLS interception, T1557 Adversary-in-the-Middle.
 *  - suspicious user agent / header, numeric IP as HTTP host: traits of malware HTTP clients,
 *    T1071.001 Application Layer Protocol: Web Protocols. Malicious JA3 likewise (a known
 *    malware TLS client fingerprint).
 *  - TLS without ALPN (4.2's "not carrying HTTPS"), without SNI, with an uncommon ALPN: a
 *    non-browser TLS client, i.e. if hostile an encrypted C2 channel, T1573.002 Encrypted
 *    Channel: Asymmetric Cryptography. A blacklisted certificate SHA-1 marks the server end of
 *    such a channel: same id.
 *  - malformed or unexpected TLS extensions: a hand-rolled imitation of a TLS handshake,
 *    T1001.003 Protocol or Service Impersonation.
 *  - DGA domain: T1568.002 Dynamic Resolution: Domain Generation Algorithms.
 *  - ESNI: nDPI's stated concern is domain fronting, T1090.004.
 *  - DNS odd record types, large or fragmented DNS: DNS used as a data channel, T1071.004.
 *  - non-printable text in HTTP bodies declared as text: T1001 Data Obfuscation.
 *  - high-entropy ICMP payload: nDPI documents it as a data leak, T1048 Exfiltration Over
 *    Alternative Protocol.
 *  - clear-text credentials: T1040 Network Sniffing, whose description is exactly credentials
 *    sent over an unencrypted protocol. Not T1552 Unsecured Credentials: that is credentials
 *    stored on a host, found by searching it.
 *  - remote desktop / file sharing (TeamViewer, AnyDesk): T1219 Remote Access Software.
 *
 * Categories are Suricata's classification.config descriptions, so EVE consumers group nDPI
 * alerts with signature alerts: attacks on web servers are "Web Application Attack", list
 * hits on malware fingerprints "A Network Trojan was detected", weak crypto, clear-text
 * credentials and remote-access or unsafe protocols "Potential Corporate Privacy Violation"
 * (the policy class), protocol anomalies "Generic Protocol Command Decode", the rest
 * "Potentially Bad Traffic". EVE severity is not in the table: it follows nDPI's own severity
 * for the risk (sw_ndpi_severity_to_eve). */
#include "sw/ndpi_names.h"

#include <stddef.h>
#include <string.h>

#include <ndpi_api.h>

_Static_assert(NDPI_MAX_RISK <= SW_NDPI_RISK_MAX,
               "nDPI risk ids no longer fit the documented signature id range");

#define CAT_WEB_ATTACK "Web Application Attack"
#define CAT_TROJAN     "A Network Trojan was detected"
#define CAT_POLICY     "Potential Corporate Privacy Violation"
#define CAT_BAD        "Potentially Bad Traffic"
#define CAT_DECODE     "Generic Protocol Command Decode"
#define CAT_MISC       "Misc activity"
#define CAT_NONSTD     "Detection of a non-standard protocol or event"

/* A macro because only the preprocessor can turn the identifier into its name; the index
 * makes the array position the risk id, and a risk listed twice is a compile error
 * (-Woverride-init / -Winitializer-overrides). */
#define RISK(e, mitre, category) [(e) - 1] = {(e), #e, (mitre), (category)}

static const struct sw_ndpi_risk_info risks[NDPI_MAX_RISK - 1] = {
    RISK(NDPI_URL_POSSIBLE_XSS, "T1190", CAT_WEB_ATTACK),
    RISK(NDPI_URL_POSSIBLE_SQL_INJECTION, "T1190", CAT_WEB_ATTACK),
    RISK(NDPI_URL_POSSIBLE_RCE_INJECTION, "T1190", CAT_WEB_ATTACK),
    RISK(NDPI_BINARY_APPLICATION_TRANSFER, "T1105", CAT_BAD),
    RISK(NDPI_KNOWN_PROTOCOL_ON_NON_STANDARD_PORT, "T1571", CAT_NONSTD),
    RISK(NDPI_TLS_SELFSIGNED_CERTIFICATE, "T1587.003", CAT_BAD),
    RISK(NDPI_TLS_OBSOLETE_VERSION, "T1562.010", CAT_POLICY),
    RISK(NDPI_TLS_WEAK_CIPHER, "T1562.010", CAT_POLICY),
    RISK(NDPI_TLS_CERTIFICATE_EXPIRED, NULL, CAT_BAD),
    RISK(NDPI_TLS_CERTIFICATE_MISMATCH, "T1557", CAT_BAD),
    RISK(NDPI_HTTP_SUSPICIOUS_USER_AGENT, "T1071.001", CAT_BAD),
    RISK(NDPI_HTTP_NUMERIC_IP_HOST, "T1071.001", CAT_MISC),
    RISK(NDPI_HTTP_SUSPICIOUS_URL, "T1190", CAT_WEB_ATTACK),
    RISK(NDPI_HTTP_SUSPICIOUS_HEADER, "T1071.001", CAT_BAD),
    RISK(NDPI_TLS_NOT_CARRYING_HTTPS, "T1573.002", CAT_MISC),
    RISK(NDPI_SUSPICIOUS_DGA_DOMAIN, "T1568.002", CAT_BAD),
    RISK(NDPI_MALFORMED_PACKET, NULL, CAT_DECODE),
    RISK(NDPI_SSH_OBSOLETE_CLIENT_VERSION_OR_CIPHER, "T1562.010", CAT_POLICY),
    RISK(NDPI_SSH_OBSOLETE_SERVER_VERSION_OR_CIPHER, "T1562.010", CAT_POLICY),
    RISK(NDPI_SMB_INSECURE_VERSION, "T1562.010", CAT_POLICY),
    RISK(NDPI_TLS_SUSPICIOUS_ESNI_USAGE, "T1090.004", CAT_BAD),
    RISK(NDPI_UNSAFE_PROTOCOL, NULL, CAT_POLICY),
    RISK(NDPI_DNS_SUSPICIOUS_TRAFFIC, "T1071.004", CAT_BAD),
    RISK(NDPI_TLS_MISSING_SNI, "T1573.002", CAT_BAD),
    RISK(NDPI_HTTP_SUSPICIOUS_CONTENT, "T1001", CAT_BAD),
    RISK(NDPI_RISKY_ASN, NULL, CAT_BAD),
    RISK(NDPI_RISKY_DOMAIN, NULL, CAT_BAD),
    RISK(NDPI_MALICIOUS_JA3, "T1071.001", CAT_TROJAN),
    RISK(NDPI_MALICIOUS_SHA1_CERTIFICATE, "T1573.002", CAT_TROJAN),
    RISK(NDPI_DESKTOP_OR_FILE_SHARING_SESSION, "T1219", CAT_POLICY),
    RISK(NDPI_TLS_UNCOMMON_ALPN, "T1573.002", CAT_BAD),
    RISK(NDPI_TLS_CERT_VALIDITY_TOO_LONG, "T1587.003", CAT_BAD),
    RISK(NDPI_TLS_SUSPICIOUS_EXTENSION, "T1001.003", CAT_BAD),
    RISK(NDPI_TLS_FATAL_ALERT, NULL, CAT_DECODE),
    RISK(NDPI_SUSPICIOUS_ENTROPY, "T1048", CAT_BAD),
    RISK(NDPI_CLEAR_TEXT_CREDENTIALS, "T1040", CAT_POLICY),
    RISK(NDPI_DNS_LARGE_PACKET, "T1071.004", CAT_BAD),
    RISK(NDPI_DNS_FRAGMENTED, "T1071.004", CAT_BAD),
    RISK(NDPI_INVALID_CHARACTERS, NULL, CAT_BAD),
    RISK(NDPI_POSSIBLE_EXPLOIT, "T1190", CAT_WEB_ATTACK),
    RISK(NDPI_TLS_CERTIFICATE_ABOUT_TO_EXPIRE, NULL, CAT_MISC),
};

struct risk_alias {
    const char *code;
    unsigned id;
};

/* Names other nDPI releases give to a 4.2 risk, so rules written for them load here. Only
 * renames of the same risk (same id, same test in nDPI's code) are listed; risks added after
 * 4.2 stay unknown even where a name looks close, because 4.2 never raises them:
 * NDPI_BINARY_DATA_TRANSFER (any binary payload, distinct from BINARY_APPLICATION_TRANSFER,
 * which still exists), NDPI_HTTP_OBSOLETE_SERVER, NDPI_TLS_ALPN_SNI_MISMATCH,
 * NDPI_MALWARE_HOST_CONTACTED, NDPI_PUNYCODE_IDN, NDPI_PROBING_ATTEMPT, ... */
static const struct risk_alias aliases[] = {
    /* 4.8 (ntop/nDPI 89cae9ddf): widened from HTTP Host to TLS SNI as well */
    {"NDPI_NUMERIC_IP_HOST", NDPI_HTTP_NUMERIC_IP_HOST},
    /* after 4.10 (ntop/nDPI bad0e6081): the JA3 list became a JA3/JA4 fingerprint list */
    {"NDPI_MALICIOUS_FINGERPRINT", NDPI_MALICIOUS_JA3},
    /* 4.0's name, renamed before 4.2 */
    {"NDPI_TLS_EXTENSION_SUSPICIOUS", NDPI_TLS_SUSPICIOUS_EXTENSION},
};

const struct sw_ndpi_risk_info *
sw_ndpi_risk_info(unsigned id)
{
    if (id == 0 || id >= NDPI_MAX_RISK)
        return NULL;
    /* a risk missing from the table leaves a zeroed slot: report it as unknown */
    if (risks[id - 1].code == NULL)
        return NULL;
    return &risks[id - 1];
}

int
sw_ndpi_risk_by_code(const char *code)
{
    /* Linear scans: called while rules load, over 41 + 3 short strings. */
    if (code == NULL)
        return -1;
    for (size_t i = 0; i < sizeof(risks) / sizeof(risks[0]); i++) {
        if (risks[i].code != NULL && strcmp(risks[i].code, code) == 0)
            return (int)risks[i].id;
    }
    for (size_t i = 0; i < sizeof(aliases) / sizeof(aliases[0]); i++) {
        if (strcmp(aliases[i].code, code) == 0)
            return (int)aliases[i].id;
    }
    return -1;
}

int
sw_ndpi_severity_to_eve(int ndpi_severity)
{
    /* 4.2: LOW 0, MEDIUM 1, HIGH 2, SEVERE 3. Later releases append CRITICAL 4 and
     * EMERGENCY 5, so anything above MEDIUM is high; below LOW cannot come from nDPI. */
    if (ndpi_severity <= (int)NDPI_RISK_LOW)
        return 3;
    if (ndpi_severity == (int)NDPI_RISK_MEDIUM)
        return 2;
    return 1;
}
