/* ndpi.c - nDPI 4.2 classifier glue (see include/sw/ndpi.h).
 *
 * Feeding follows what nDPI 4.2's own reader does, so that results agree with nDPI's
 * published expectations: the IP header through the end of the captured frame goes to
 * ndpi_detection_process_packet(); detection stops when nDPI has an application protocol
 * and ndpi_extra_dissection_possible() says nothing more will come (TLS certificates, DNS
 * answers, ...), or after ndpi.max_packets packets, at which point ndpi_detection_giveup()
 * may still guess by port. The reader also validates the HTTP URL of the flow when it prints
 * risks; we do the same when detection ends so the risk sets match. */
#include "sw/ndpi.h"

#include <ndpi_api.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sw/alloc.h"
#include "sw/str.h"

struct sw_ndpi {
    struct ndpi_detection_module_struct *mod; /* owned */
    uint64_t live_flows; /* nDPI flow states allocated and not yet freed */
    uint32_t max_tcp, max_udp;
    struct sw_worker_stats st; /* ndpi_* counters only */
};

static enum sw_rc
load_file(struct sw_ndpi *n, const char *what, const char *path,
          int (*loader)(struct ndpi_detection_module_struct *, const char *), struct sw_err *err)
{
    struct stat sb;

    if (path == NULL || path[0] == '\0')
        return SW_OK;
    /* nDPI's loaders report little: check the file ourselves first for a clear message. */
    if (stat(path, &sb) != 0)
        return sw_err_sys(err, SW_EINVAL, "%s: ndpi.%s", path, what);
    if (!S_ISREG(sb.st_mode))
        return sw_err_set(err, SW_EINVAL, "%s: ndpi.%s: not a regular file", path, what);
    if (access(path, R_OK) != 0)
        return sw_err_sys(err, SW_EINVAL, "%s: ndpi.%s", path, what);
    if (loader(n->mod, path) < 0)
        return sw_err_set(err, SW_EINVAL, "%s: ndpi.%s: nDPI could not load it", path, what);
    return SW_OK;
}

/* nDPI 4.2's loaders take a non-const path for protocols; adapt them to one signature. */
static int
load_protos(struct ndpi_detection_module_struct *m, const char *path)
{
    char buf[4096];

    if (snprintf(buf, sizeof(buf), "%s", path) >= (int)sizeof(buf))
        return -1;
    return ndpi_load_protocols_file(m, buf);
}

static int
load_categories(struct ndpi_detection_module_struct *m, const char *path)
{
    return ndpi_load_categories_file(m, path);
}

static int
load_risky(struct ndpi_detection_module_struct *m, const char *path)
{
    return ndpi_load_risk_domain_file(m, path);
}

static int
load_ja3(struct ndpi_detection_module_struct *m, const char *path)
{
    return ndpi_load_malicious_ja3_file(m, path);
}

static int
load_sha1(struct ndpi_detection_module_struct *m, const char *path)
{
    return ndpi_load_malicious_sha1_file(m, path);
}

enum sw_rc
sw_ndpi_prime(struct sw_err *err)
{
    struct ndpi_detection_module_struct *m = ndpi_init_detection_module(ndpi_no_prefs);

    if (m == NULL)
        return sw_err_set(err, SW_ENOMEM, "ndpi: ndpi_init_detection_module failed");
    ndpi_exit_detection_module(m);
    return SW_OK;
}

struct sw_ndpi *
sw_ndpi_create(const struct sw_config *cfg, struct sw_err *err)
{
    struct sw_ndpi *n = sw_calloc(1, sizeof(*n));
    NDPI_PROTOCOL_BITMASK all;

    if (n == NULL) {
        sw_err_set(err, SW_ENOMEM, "ndpi: out of memory");
        return NULL;
    }
    n->max_tcp = cfg->ndpi.max_packets.tcp;
    n->max_udp = cfg->ndpi.max_packets.udp;
    n->mod = ndpi_init_detection_module(ndpi_no_prefs);
    if (n->mod == NULL) {
        sw_err_set(err, SW_ENOMEM, "ndpi: ndpi_init_detection_module failed");
        goto fail;
    }
    NDPI_BITMASK_SET_ALL(all);
    ndpi_set_protocol_detection_bitmask2(n->mod, &all);
    /* Same order as nDPI's reader: custom protocols first, categories, then lists. */
    if (load_file(n, "protos_file", cfg->ndpi.protos_file, load_protos, err) != SW_OK ||
        load_file(n, "categories_file", cfg->ndpi.categories_file, load_categories, err) !=
            SW_OK ||
        load_file(n, "risky_domains_file", cfg->ndpi.risky_domains_file, load_risky, err) !=
            SW_OK ||
        load_file(n, "ja3_file", cfg->ndpi.ja3_file, load_ja3, err) != SW_OK ||
        load_file(n, "sha1_file", cfg->ndpi.sha1_file, load_sha1, err) != SW_OK)
        goto fail;
    ndpi_finalize_initialization(n->mod);
    return n;
fail:
    sw_ndpi_destroy(n);
    return NULL;
}

void
sw_ndpi_destroy(struct sw_ndpi *n)
{
    if (n == NULL)
        return;
    if (n->mod != NULL)
        ndpi_exit_detection_module(n->mod);
    sw_free(n);
}

int
sw_ndpi_dir_apply(struct sw_config *cfg, const char *dir, struct sw_err *err)
{
    static const char *const names[] = {"protos.txt", "categories.txt", "risky_domains.txt",
                                        "ja3_fingerprints.csv", "sha1_fingerprints.csv"};
    char **slots[] = {&cfg->ndpi.protos_file, &cfg->ndpi.categories_file,
                      &cfg->ndpi.risky_domains_file, &cfg->ndpi.ja3_file, &cfg->ndpi.sha1_file};
    struct stat sb;
    int found = 0;

    if (stat(dir, &sb) != 0)
        return sw_err_sys(err, SW_EINVAL, "%s: --ndpi-dir", dir);
    if (!S_ISDIR(sb.st_mode))
        return sw_err_set(err, SW_EINVAL, "%s: --ndpi-dir: not a directory", dir);
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        char path[4096];
        char *dup;

        if (snprintf(path, sizeof(path), "%s/%s", dir, names[i]) >= (int)sizeof(path))
            return sw_err_set(err, SW_EINVAL, "%s: --ndpi-dir: path too long", dir);
        if (access(path, F_OK) != 0)
            continue;
        dup = sw_strdup(path);
        if (dup == NULL)
            return sw_err_set(err, SW_ENOMEM, "--ndpi-dir: out of memory");
        sw_free(*slots[i]);
        *slots[i] = dup;
        found++;
    }
    return found;
}

static bool
is_proto(const ndpi_protocol *p, uint16_t id)
{
    return p->master_protocol == id || p->app_protocol == id;
}

/* Copy a string that came off the wire into EVE-safe text: printable ASCII kept, anything
 * else written as \xNN so an analyst sees what was there and the JSON stays valid UTF-8. */
static void
copy_text(char *dst, size_t dstlen, const char *src, size_t srcmax)
{
    size_t o = 0;

    for (size_t i = 0; i < srcmax && src[i] != '\0'; i++) {
        unsigned char c = (unsigned char)src[i];

        if (c >= 0x20 && c < 0x7f) {
            if (o + 1 >= dstlen)
                break;
            dst[o++] = (char)c;
        } else {
            if (o + 4 >= dstlen)
                break;
            snprintf(dst + o, dstlen - o, "\\x%02x", c);
            o += 4;
        }
    }
    dst[o] = '\0';
}

static bool
is_hex32(const char *s)
{
    for (int i = 0; i < 32; i++)
        if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
            return false;
    return s[32] == '\0';
}

/* EVE app_proto: Suricata's name where Suricata has the protocol, else nDPI's, lower case. */
static const struct {
    const char *ndpi, *eve;
} app_proto_map[] = {
    {"HTTP", "http"},         {"HTTP_Proxy", "http"},    {"HTTP_Connect", "http"},
    {"TLS", "tls"},           {"SMTPS", "tls"},          {"IMAPS", "tls"},
    {"POP3S", "tls"},         {"DoH_DoT", "tls"},        {"DNS", "dns"},
    {"SMBv1", "smb"},         {"SMBv23", "smb"},         {"FTP_CONTROL", "ftp"},
    {"FTP_DATA", "ftp-data"}, {"SSH", "ssh"},            {"SMTP", "smtp"},
    {"IMAP", "imap"},         {"POP3", "pop3"},          {"DCE_RPC", "dcerpc"},
    {"NFS", "nfs"},           {"NTP", "ntp"},            {"DHCP", "dhcp"},
    {"DHCPV6", "dhcp"},       {"SNMP", "snmp"},          {"SIP", "sip"},
    {"RDP", "rdp"},           {"VNC", "rfb"},            {"MQTT", "mqtt"},
    {"Kerberos", "krb5"},     {"IPsec", "ike"},          {"TFTP", "tftp"},
    {"Modbus", "modbus"},     {"DNP3", "dnp3"},          {"QUIC", "quic"},
    {"Telnet", "telnet"},     {"LDAP", "ldap"},          {"PostgreSQL", "pgsql"},
    {"MDNS", "mdns"},         {"EthernetIP", "enip"},    {"HTTP2", "http2"},
    {"WebSocket", "websocket"},
};

static void
fill_app_proto(struct sw_ndpi_info *info)
{
    const char *name = info->master[0] != '\0' ? info->master : info->app;

    if (name[0] == '\0') {
        snprintf(info->app_proto, sizeof(info->app_proto), "failed");
        return;
    }
    for (size_t i = 0; i < sizeof(app_proto_map) / sizeof(app_proto_map[0]); i++) {
        if (strcmp(app_proto_map[i].ndpi, name) == 0) {
            sw_str_copy(info->app_proto, sizeof(info->app_proto), app_proto_map[i].eve);
            return;
        }
    }
    size_t i = 0;
    for (; name[i] != '\0' && i + 1 < sizeof(info->app_proto); i++) {
        char c = name[i];

        info->app_proto[i] = (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c;
    }
    info->app_proto[i] = '\0';
}

/* Copy what nDPI knows about the flow into f->ndpi. */
static void
collect(struct sw_ndpi *n, struct sw_flow *f, ndpi_protocol proto)
{
    struct ndpi_flow_struct *nf = f->ndpi_flow;
    struct sw_ndpi_info *info = &f->ndpi;
    char buf[128];

    ndpi_protocol2name(n->mod, proto, buf, sizeof(buf));
    sw_str_copy(info->protocol, sizeof(info->protocol), buf);
    info->master[0] = info->app[0] = '\0';
    if (proto.master_protocol != NDPI_PROTOCOL_UNKNOWN)
        sw_str_copy(info->master, sizeof(info->master), ndpi_get_proto_name(n->mod, proto.master_protocol));
    if (proto.app_protocol != NDPI_PROTOCOL_UNKNOWN)
        sw_str_copy(info->app, sizeof(info->app), ndpi_get_proto_name(n->mod, proto.app_protocol));
    info->master_id = proto.master_protocol;
    info->app_id = proto.app_protocol;
    sw_str_copy(info->category, sizeof(info->category), ndpi_category_get_name(n->mod, proto.category));
    fill_app_proto(info);
    info->risk_text = sw_ndpi_risk_texts();
    if (nf == NULL)
        return;
    sw_str_copy(info->confidence, sizeof(info->confidence), ndpi_confidence_get_name(nf->confidence));
    copy_text(info->hostname, sizeof(info->hostname), nf->host_server_name,
              sizeof(nf->host_server_name));
    /* protos is a union: read the TLS part only for flows the TLS/QUIC dissectors own. */
    if (is_proto(&proto, NDPI_PROTOCOL_TLS) || is_proto(&proto, NDPI_PROTOCOL_QUIC) ||
        is_proto(&proto, NDPI_PROTOCOL_DTLS) || is_proto(&proto, NDPI_PROTOCOL_MAIL_SMTPS) ||
        is_proto(&proto, NDPI_PROTOCOL_MAIL_IMAPS) || is_proto(&proto, NDPI_PROTOCOL_MAIL_POPS)) {
        if (is_hex32(nf->protos.tls_quic.ja3_client))
            memcpy(info->ja3c, nf->protos.tls_quic.ja3_client, 33);
        if (is_hex32(nf->protos.tls_quic.ja3_server))
            memcpy(info->ja3s, nf->protos.tls_quic.ja3_server, 33);
    }
    info->risks = nf->risk;
}

void
sw_ndpi_ja3(const struct sw_flow *f, char ja3c[33], char ja3s[33])
{
    const struct ndpi_flow_struct *nf = f->ndpi_flow;
    ndpi_protocol proto;

    memcpy(ja3c, f->ndpi.ja3c, 33);
    memcpy(ja3s, f->ndpi.ja3s, 33);
    if (nf == NULL)
        return; /* detection is over: f->ndpi has nDPI's last word */
    memset(&proto, 0, sizeof(proto));
    proto.master_protocol = nf->detected_protocol_stack[1];
    proto.app_protocol = nf->detected_protocol_stack[0];
    /* protos is a union: its TLS part only for flows the TLS/QUIC dissectors own */
    if (!is_proto(&proto, NDPI_PROTOCOL_TLS) && !is_proto(&proto, NDPI_PROTOCOL_QUIC) &&
        !is_proto(&proto, NDPI_PROTOCOL_DTLS) && !is_proto(&proto, NDPI_PROTOCOL_MAIL_SMTPS) &&
        !is_proto(&proto, NDPI_PROTOCOL_MAIL_IMAPS) && !is_proto(&proto, NDPI_PROTOCOL_MAIL_POPS))
        return;
    if (ja3c[0] == '\0' && is_hex32(nf->protos.tls_quic.ja3_client))
        memcpy(ja3c, nf->protos.tls_quic.ja3_client, 33);
    if (ja3s[0] == '\0' && is_hex32(nf->protos.tls_quic.ja3_server))
        memcpy(ja3s, nf->protos.tls_quic.ja3_server, 33);
}

static void
score(struct sw_ndpi_info *info)
{
    uint16_t cli = 0, srv = 0;

    info->risk_total = info->risks != 0 ? ndpi_risk2score(info->risks, &cli, &srv) : 0;
    info->risk_client = cli;
    info->risk_server = srv;
}

static void
flow_state_free(struct sw_ndpi *n, struct sw_flow *f)
{
    if (f->ndpi_flow != NULL) {
        ndpi_free_flow(f->ndpi_flow);
        f->ndpi_flow = NULL;
        n->live_flows--;
    }
}

void
sw_ndpi_flow_free(struct sw_ndpi *n, struct sw_flow *f)
{
    flow_state_free(n, f);
}

/* Detection is over for this flow: final classification, URL check, free nDPI's state. */
static void
finish(struct sw_ndpi *n, struct sw_flow *f, ndpi_protocol proto, bool giveup)
{
    struct ndpi_flow_struct *nf = f->ndpi_flow;

    /* During the flow the reader gives up only without an application protocol; at the end
     * of a flow it asks nDPI's final word (ndpi_detection_giveup) in every case. */
    if (nf != NULL && (giveup || proto.app_protocol == NDPI_PROTOCOL_UNKNOWN)) {
        uint8_t guessed = 0;

        proto = ndpi_detection_giveup(n->mod, nf, 1, &guessed);
        if (guessed)
            n->st.ndpi_guessed++;
    }
    collect(n, f, proto);
    if (nf != NULL && (is_proto(&proto, NDPI_PROTOCOL_HTTP) || nf->http.url != NULL) &&
        nf->http.url != NULL && nf->http.url[0] != '\0') {
        ndpi_risk_enum r = ndpi_validate_url(nf->http.url);

        if (r != NDPI_NO_RISK && r < 64)
            f->ndpi.risks |= 1ULL << r;
    }
    score(&f->ndpi);
    if (proto.app_protocol == NDPI_PROTOCOL_UNKNOWN &&
        proto.master_protocol == NDPI_PROTOCOL_UNKNOWN)
        n->st.ndpi_unknown++;
    else
        n->st.ndpi_detected++;
    f->detection_done = true;
    f->info_valid = true;
    flow_state_free(n, f);
}

uint64_t
sw_ndpi_process(struct sw_ndpi *n, struct sw_flow *f, const struct sw_packet *p)
{
    struct ndpi_flow_struct *nf;
    ndpi_protocol proto;
    uint64_t pkts;
    bool enough;

    if (f->detection_done)
        return 0;
    /* nDPI's reader skips frames it cannot take as a whole IP packet: too short for an IP
     * and a UDP header, or cut by the snap length. Keep them out of nDPI too. */
    if ((p->flags & SW_PKT_CUT) != 0 || p->l3_caplen > 0xffff)
        return 0;
    nf = f->ndpi_flow;
    if (nf == NULL) {
        nf = ndpi_flow_malloc(SIZEOF_FLOW_STRUCT);
        if (nf == NULL) {
            n->st.ndpi_alloc_fail++;
            return 0;
        }
        memset(nf, 0, SIZEOF_FLOW_STRUCT);
        f->ndpi_flow = nf;
        n->live_flows++;
    }
    pkts = f->counts.pkts_toserver + f->counts.pkts_toclient;
    enough = (p->l4_proto == IPPROTO_UDP && pkts > n->max_udp) ||
             (p->l4_proto == IPPROTO_TCP && pkts > n->max_tcp);
    proto = ndpi_detection_process_packet(n->mod, nf, p->data + p->l3_off,
                                          (unsigned short)p->l3_caplen, p->ts_us / 1000);
    f->ndpi_pkts++;
    n->st.ndpi_pkts++;
    if (enough || proto.app_protocol != NDPI_PROTOCOL_UNKNOWN) {
        if (enough || !ndpi_extra_dissection_possible(n->mod, nf))
            finish(n, f, proto, false);
    }
    uint64_t fresh = (f->detection_done ? f->ndpi.risks : nf->risk) & ~f->risks_alerted;
    if (fresh != 0 && !f->detection_done) {
        /* The alert carries nDPI's view as of now; the flow event will have the final one. */
        collect(n, f, proto);
        score(&f->ndpi);
    }
    return fresh;
}

uint64_t
sw_ndpi_flow_end(struct sw_ndpi *n, struct sw_flow *f)
{
    if (!f->detection_done) {
        ndpi_protocol unknown;

        /* A flow nDPI never saw (every packet cut) ends Unknown. */
        memset(&unknown, 0, sizeof(unknown));
        finish(n, f, unknown, true);
    }
    return f->ndpi.risks & ~f->risks_alerted;
}

void
sw_ndpi_stats(const struct sw_ndpi *n, struct sw_worker_stats *out)
{
    out->ndpi_pkts = n->st.ndpi_pkts;
    out->ndpi_detected = n->st.ndpi_detected;
    out->ndpi_guessed = n->st.ndpi_guessed;
    out->ndpi_unknown = n->st.ndpi_unknown;
    out->ndpi_alloc_fail = n->st.ndpi_alloc_fail;
    /* nDPI's per-flow state (its own allocations inside it are not counted). */
    out->flow_memuse += n->live_flows * SIZEOF_FLOW_STRUCT;
}

const char *
sw_ndpi_risk_name(unsigned risk)
{
    if (risk == 0 || risk >= NDPI_MAX_RISK)
        return "";
    return ndpi_risk2str((ndpi_risk_enum)risk);
}

int
sw_ndpi_risk_severity(unsigned risk)
{
    ndpi_risk_info *ri;

    if (risk == 0 || risk >= NDPI_MAX_RISK)
        return 0;
    ri = ndpi_risk2severity((ndpi_risk_enum)risk);
    return ri == NULL ? 0 : (int)ri->severity;
}

const char *
sw_ndpi_risk_severity_name(unsigned risk)
{
    return ndpi_severity2str((ndpi_risk_severity)sw_ndpi_risk_severity(risk));
}
