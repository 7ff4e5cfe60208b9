/* test_ndpi_names.c - seawall's nDPI 4.2 risk table against the nDPI it is linked with.
 *
 * Guards: every risk id nDPI defines has exactly one entry, in id order, with a unique code;
 * the code is the enum identifier nDPI's header gives that id (read from the installed
 * ndpi_typedefs.h, not from our own macro); nDPI knows a name for the id; aliases and unknown
 * names resolve as documented; the severity mapping covers every risk's nDPI severity. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <ctype.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ndpi_api.h>

#include "sw/event.h"
#include "sw/ndpi.h"
#include "sw/ndpi_names.h"

#define NRISKS ((unsigned)NDPI_MAX_RISK - 1)

static void
every_risk_id_has_one_entry_in_order(void **state)
{
    (void)state;
    assert_true(NDPI_MAX_RISK <= SW_NDPI_RISK_MAX);
    assert_null(sw_ndpi_risk_info(0));
    assert_null(sw_ndpi_risk_info(NDPI_MAX_RISK));
    assert_null(sw_ndpi_risk_info(SW_NDPI_RISK_MAX));
    assert_null(sw_ndpi_risk_info(~0u));
    for (unsigned id = 1; id < NDPI_MAX_RISK; id++) {
        const struct sw_ndpi_risk_info *ri = sw_ndpi_risk_info(id);

        if (ri == NULL)
            fail_msg("risk %u (%s) has no entry", id, ndpi_risk2str((ndpi_risk_enum)id));
        assert_int_equal(ri->id, id);
        assert_non_null(ri->code);
        assert_non_null(ri->category);
        assert_true(strncmp(ri->code, "NDPI_", 5) == 0);
        assert_true(ri->category[0] != '\0');
        for (unsigned other = 1; other < id; other++)
            if (strcmp(sw_ndpi_risk_info(other)->code, ri->code) == 0)
                fail_msg("risks %u and %u share the code %s", other, id, ri->code);
    }
    print_message("ndpi-names: %u risks checked (ids 1..%u)\n", NRISKS, NRISKS);
}

/* nDPI's ndpi_risk2str() falls back to the decimal id for a risk it does not know. */
static void
ndpi_has_a_display_name_for_every_entry(void **state)
{
    char number[16];

    (void)state;
    for (unsigned id = 1; id < NDPI_MAX_RISK; id++) {
        const char *name = ndpi_risk2str((ndpi_risk_enum)id);

        snprintf(number, sizeof(number), "%u", id);
        assert_non_null(name);
        assert_true(name[0] != '\0');
        if (strcmp(name, number) == 0)
            fail_msg("nDPI has no name for risk %u (%s)", id, sw_ndpi_risk_info(id)->code);
    }
}

/* The identifiers of ndpi_risk_enum, in order, from the header text. Returns how many were
 * found (NDPI_NO_RISK .. NDPI_MAX_RISK inclusive), or 0 when the header is not there. */
static size_t
read_risk_enum(const char *path, char names[][64], size_t max)
{
    FILE *f = fopen(path, "r");
    char line[512];
    bool inside = false;
    size_t n = 0;

    if (f == NULL)
        return 0;
    while (fgets(line, sizeof(line), f) != NULL) {
        const char *p = line;
        size_t len = 0;

        while (isspace((unsigned char)*p))
            p++;
        if (!inside) {
            inside = strncmp(p, "NDPI_NO_RISK", 12) == 0;
            if (!inside)
                continue;
        }
        if (strncmp(p, "NDPI_", 5) != 0)
            continue;
        while (isalnum((unsigned char)p[len]) || p[len] == '_')
            len++;
        if (n == max || len >= sizeof(names[0]))
            fail_msg("%s: ndpi_risk_enum larger than expected", path);
        memcpy(names[n], p, len);
        names[n][len] = '\0';
        if (strcmp(names[n++], "NDPI_MAX_RISK") == 0)
            break;
    }
    fclose(f);
    return n;
}

static void
codes_are_the_enum_names_of_the_installed_ndpi(void **state)
{
    const char *path = getenv("SW_NDPI_TYPEDEFS_H");
    char names[SW_NDPI_RISK_MAX + 2][64];
    size_t n;

    (void)state;
    if (path == NULL)
        path = "/usr/include/ndpi/ndpi_typedefs.h";
    n = read_risk_enum(path, names, sizeof(names) / sizeof(names[0]));
    if (n == 0) {
        print_message("skipped: %s not found (set SW_NDPI_TYPEDEFS_H)\n", path);
        skip();
    }
    /* NDPI_NO_RISK, the risks, NDPI_MAX_RISK: the header we parse is the one we compiled */
    assert_int_equal(n, (size_t)NDPI_MAX_RISK + 1);
    assert_string_equal(names[0], "NDPI_NO_RISK");
    assert_string_equal(names[n - 1], "NDPI_MAX_RISK");
    for (unsigned id = 1; id < NDPI_MAX_RISK; id++) {
        if (strcmp(sw_ndpi_risk_info(id)->code, names[id]) != 0)
            fail_msg("risk %u: table says %s, %s says %s", id, sw_ndpi_risk_info(id)->code,
                     path, names[id]);
        assert_int_equal(sw_ndpi_risk_by_code(names[id]), (int)id);
    }
    print_message("ndpi-names: %u codes match %s\n", NRISKS, path);
}

static void
codes_and_aliases_resolve(void **state)
{
    (void)state;
    for (unsigned id = 1; id < NDPI_MAX_RISK; id++)
        assert_int_equal(sw_ndpi_risk_by_code(sw_ndpi_risk_info(id)->code), (int)id);
    assert_int_equal(sw_ndpi_risk_by_code("NDPI_KNOWN_PROTOCOL_ON_NON_STANDARD_PORT"),
                     NDPI_KNOWN_PROTOCOL_ON_NON_STANDARD_PORT);
    /* 4.2 names that later releases keep: plain entries */
    assert_int_equal(sw_ndpi_risk_by_code("NDPI_TLS_CERT_VALIDITY_TOO_LONG"),
                     NDPI_TLS_CERT_VALIDITY_TOO_LONG);
    assert_int_equal(sw_ndpi_risk_by_code("NDPI_URL_POSSIBLE_RCE_INJECTION"),
                     NDPI_URL_POSSIBLE_RCE_INJECTION);
    assert_int_equal(sw_ndpi_risk_by_code("NDPI_TLS_SUSPICIOUS_EXTENSION"),
                     NDPI_TLS_SUSPICIOUS_EXTENSION);
    /* renames */
    assert_int_equal(sw_ndpi_risk_by_code("NDPI_NUMERIC_IP_HOST"), NDPI_HTTP_NUMERIC_IP_HOST);
    assert_int_equal(sw_ndpi_risk_by_code("NDPI_MALICIOUS_FINGERPRINT"), NDPI_MALICIOUS_JA3);
    assert_int_equal(sw_ndpi_risk_by_code("NDPI_TLS_EXTENSION_SUSPICIOUS"),
                     NDPI_TLS_SUSPICIOUS_EXTENSION);
}

static void
unknown_names_return_minus_one(void **state)
{
    static const char *const unknown[] = {
        /* risks added after 4.2: 4.2 never raises them, whatever they resemble */
        "NDPI_HTTP_OBSOLETE_SERVER",
        "NDPI_BINARY_DATA_TRANSFER",
        "NDPI_BINARY_TRANSFER_ATTEMPT",
        "NDPI_TLS_ALPN_SNI_MISMATCH",
        "NDPI_MALWARE_HOST_CONTACTED",
        "NDPI_PUNYCODE_IDN",
        "NDPI_PROBING_ATTEMPT",
        "NDPI_OBFUSCATED_TRAFFIC",
        /* not risks, and near misses */
        "NDPI_NO_RISK",
        "NDPI_MAX_RISK",
        "",
        "NDPI_",
        "NDPI_URL_POSSIBLE",
        "NDPI_URL_POSSIBLE_XSS ",
        "ndpi_url_possible_xss",
        "URL_POSSIBLE_XSS",
        "XSS Attack",
    };

    (void)state;
    assert_int_equal(sw_ndpi_risk_by_code(NULL), -1);
    for (size_t i = 0; i < sizeof(unknown) / sizeof(unknown[0]); i++)
        if (sw_ndpi_risk_by_code(unknown[i]) != -1)
            fail_msg("\"%s\" resolved to %d", unknown[i], sw_ndpi_risk_by_code(unknown[i]));
}

static void
mitre_ids_are_well_formed(void **state)
{
    unsigned with = 0;

    (void)state;
    for (unsigned id = 1; id < NDPI_MAX_RISK; id++) {
        const char *m = sw_ndpi_risk_info(id)->mitre;
        size_t len;

        if (m == NULL)
            continue;
        with++;
        /* T + 4 digits, optionally . + 3 digits */
        len = strlen(m);
        assert_true(len == 5 || len == 9);
        assert_int_equal(m[0], 'T');
        for (size_t i = 1; i < len; i++) {
            if (i == 5)
                assert_int_equal(m[i], '.');
            else
                assert_true(isdigit((unsigned char)m[i]));
        }
    }
    print_message("ndpi-names: %u of %u risks carry a MITRE technique\n", with, NRISKS);
    assert_true(with > 0);
}

static void
severity_maps_low_medium_high(void **state)
{
    (void)state;
    assert_int_equal(sw_ndpi_severity_to_eve(NDPI_RISK_LOW), 3);
    assert_int_equal(sw_ndpi_severity_to_eve(NDPI_RISK_MEDIUM), 2);
    assert_int_equal(sw_ndpi_severity_to_eve(NDPI_RISK_HIGH), 1);
    assert_int_equal(sw_ndpi_severity_to_eve(NDPI_RISK_SEVERE), 1);
    /* CRITICAL and EMERGENCY of later releases */
    assert_int_equal(sw_ndpi_severity_to_eve(4), 1);
    assert_int_equal(sw_ndpi_severity_to_eve(5), 1);
    assert_int_equal(sw_ndpi_severity_to_eve(-1), 3);
}

static void
every_risk_severity_maps_into_eve_range(void **state)
{
    unsigned count[4] = {0};

    (void)state;
    for (unsigned id = 1; id < NDPI_MAX_RISK; id++) {
        const ndpi_risk_info *info = ndpi_risk2severity((ndpi_risk_enum)id);
        int eve;

        assert_non_null(info);
        assert_int_equal(info->risk, id);
        eve = sw_ndpi_severity_to_eve((int)info->severity);
        assert_in_range(eve, 1, 3);
        switch (info->severity) {
        case NDPI_RISK_LOW:
            assert_int_equal(eve, 3);
            break;
        case NDPI_RISK_MEDIUM:
            assert_int_equal(eve, 2);
            break;
        case NDPI_RISK_HIGH:
        case NDPI_RISK_SEVERE:
            assert_int_equal(eve, 1);
            break;
        default:
            fail_msg("risk %u: severity %d unknown to 4.2", id, (int)info->severity);
        }
        count[eve]++;
    }
    print_message("ndpi-names: eve severity 1: %u, 2: %u, 3: %u risks\n", count[1], count[2],
                  count[3]);
}

/* The static names events carry (collectors/net/ndpi_risks.c) are what the installed nDPI
 * says, and the codes agree with the rules' table. */
static void
risk_texts_are_the_installed_ndpis(void **state)
{
    const struct sw_risk_text *t = sw_ndpi_risk_texts();

    (void)state;
    assert_null(t[0].code);
    for (unsigned id = 1; id < SW_RISK_TEXT_MAX; id++) {
        if (id >= NDPI_MAX_RISK) {
            assert_null(t[id].code);
            continue;
        }
        ndpi_risk_info *ri = ndpi_risk2severity((ndpi_risk_enum)id);

        assert_non_null(t[id].code);
        assert_string_equal(t[id].code, sw_ndpi_risk_info(id)->code);
        assert_string_equal(t[id].name, ndpi_risk2str((ndpi_risk_enum)id));
        assert_non_null(ri);
        assert_int_equal(t[id].level, (int)ri->severity);
        assert_string_equal(t[id].severity, ndpi_severity2str(ri->severity));
    }
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(every_risk_id_has_one_entry_in_order),
        cmocka_unit_test(risk_texts_are_the_installed_ndpis),
        cmocka_unit_test(ndpi_has_a_display_name_for_every_entry),
        cmocka_unit_test(codes_are_the_enum_names_of_the_installed_ndpi),
        cmocka_unit_test(codes_and_aliases_resolve),
        cmocka_unit_test(unknown_names_return_minus_one),
        cmocka_unit_test(mitre_ids_are_well_formed),
        cmocka_unit_test(severity_maps_low_medium_high),
        cmocka_unit_test(every_risk_severity_maps_into_eve_range),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
