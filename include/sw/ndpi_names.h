/* ndpi_names.h - seawall's tables over nDPI 4.2's risks.
 *
 * nDPI 4.2 has ndpi_risk2str() (display name) but no function for the enum name, so seawall
 * keeps its own id -> enum-name table for every risk 4.2 defines, with the alert metadata it
 * needs: stable signature id, EVE severity, MITRE ATT&CK technique, category. Immutable
 * tables: any thread. */
#ifndef SW_NDPI_NAMES_H
#define SW_NDPI_NAMES_H

#include <stdint.h>

/* Signature ids of nDPI risk alerts: SW_NDPI_RISK_SID_BASE + risk id (documented range
 * 2990000..2990063, gid 1). */
#define SW_NDPI_RISK_SID_BASE 2990000u
#define SW_NDPI_RISK_MAX 64

struct sw_ndpi_risk_info {
    unsigned id;            /* ndpi_risk_enum value */
    const char *code;       /* "NDPI_KNOWN_PROTOCOL_ON_NON_STANDARD_PORT" */
    const char *mitre;      /* "T1571", or NULL when no technique fits */
    const char *category;   /* EVE alert category, e.g. "Potentially Bad Traffic" */
};

/* Info for risk id, or NULL when 4.2 has no such risk (0 = NDPI_NO_RISK has none). */
const struct sw_ndpi_risk_info *sw_ndpi_risk_info(unsigned id);

/* Risk id for an enum name, accepting later nDPI renames mapped onto 4.2's risks
 * (e.g. "NDPI_NUMERIC_IP_HOST", nDPI 4.8's name for 4.2's NDPI_HTTP_NUMERIC_IP_HOST). Returns -1
 * when unknown. Case-sensitive, as Suricata's ndpi-risk keyword. */
int sw_ndpi_risk_by_code(const char *code);

/* EVE alert severity (1 high .. 3 low) from nDPI's severity (ndpi_risk_severity). */
int sw_ndpi_severity_to_eve(int ndpi_severity);

#endif
