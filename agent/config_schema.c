/* config_schema.c - every configuration key: path, type, default, range, field, help.
 *
 * Defaults are written as config text and loaded through the same code as a file, so the
 * table, SPEC.md and `seawall config check` cannot disagree. Order is the dump and doc order.
 * Immutable: any thread. */
#include "config_schema.h"

#include <stdbool.h>
#include <string.h>

#include "sw/config.h"
#include "sw/log.h"

#define KIB (UINT64_C(1) << 10)
#define MIB (UINT64_C(1) << 20)
#define GIB (UINT64_C(1) << 30)
#define TIB (UINT64_C(1) << 40)
#define SEC UINT64_C(1000000)
#define DAY (86400 * SEC)

/* Designated .off and .size of a field of struct sw_config, an interface or a sink. */
#define F(field)                                                                               \
    .off = offsetof(struct sw_config, field), .size = sizeof(((struct sw_config *)0)->field)
#define FI(field)                                                                              \
    .off = offsetof(struct sw_cfg_iface, field),                                               \
    .size = sizeof(((struct sw_cfg_iface *)0)->field)
#define FS(field)                                                                              \
    .off = offsetof(struct sw_cfg_sink, field), .size = sizeof(((struct sw_cfg_sink *)0)->field)

#define PATH_MAX_LEN 4095

static const struct sw_cfg_enum log_levels[] = {
    {"error", SW_LOG_ERROR, 0}, {"warning", SW_LOG_WARNING, 0}, {"notice", SW_LOG_NOTICE, 0},
    {"info", SW_LOG_INFO, 0},   {"debug", SW_LOG_DEBUG, 0},     {NULL, 0, 0},
};

static const struct sw_cfg_enum when_full[] = {
    {"drop_oldest", SW_WHEN_FULL_DROP_OLDEST, 0},
    {"drop_newest", SW_WHEN_FULL_DROP_NEWEST, 0},
    {NULL, 0, 0},
};

#define U SW_CFG_UNBUILT

/* The network sinks are not in this build yet (they come with the spool). */
static const struct sw_cfg_enum sink_types[] = {
    {"file", 0, 0}, {"stdout", 0, 0}, {"syslog", 0, U}, {"tcp", 0, U}, {"http", 0, U},
    {"kafka", 0, U}, {NULL, 0, 0},
};

static const struct sw_cfg_enum event_types[] = {
    {"alert", SW_EV_ALERT, 0},     {"flow", SW_EV_FLOW, 0},       {"fileinfo", SW_EV_FILEINFO, 0},
    {"fim", SW_EV_FIM, 0},         {"anomaly", SW_EV_ANOMALY, 0}, {"stats", SW_EV_STATS, 0},
    {"engine", SW_EV_ENGINE, 0},   {"rule_profile", SW_EV_RULE_PROFILE, 0},
    {NULL, 0, 0},
};

static const struct sw_cfg_enum files_modes[] = {
    {"auto", SW_FILES_AUTO, 0},
    {"fanotify", SW_FILES_FANOTIFY, 0},
    {"fanotify-dirs", SW_FILES_FANOTIFY_DIRS, 0},
    {"inotify", SW_FILES_INOTIFY, 0},
    {"scan", SW_FILES_SCAN, 0},
    {NULL, 0, 0},
};

static const struct sw_cfg_enum ionice_classes[] = {
    {"none", SW_IONICE_NONE, 0},
    {"best-effort", SW_IONICE_BEST_EFFORT, 0},
    {"idle", SW_IONICE_IDLE, 0},
    {NULL, 0, 0},
};

static bool
is_upper_word(const char *s)
{
    if (*s == '\0')
        return false;
    for (; *s != '\0'; s++) {
        if (!((*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') || *s == '_'))
            return false;
    }
    return true;
}

/* nDPI's enum names, checked for shape only: which names exist is the nDPI module's table
 * (rules/ndpi_names.c), and the config loader must not depend on it. */
static const char *
check_risk_name(const char *s)
{
    if (strncmp(s, "NDPI_", 5) != 0 || !is_upper_word(s + 5))
        return "is not an nDPI risk name (NDPI_...)";
    return NULL;
}

/* An exact host name or "*.suffix": letters, digits, '-', '_' and non-empty dot-separated
 * labels, at most 253 bytes. */
static const char *
check_hostname(const char *s)
{
    static const char *const bad = "is not a host name or *.suffix";
    size_t len, label = 0;

    if (strncmp(s, "*.", 2) == 0)
        s += 2;
    len = strlen(s);
    if (len == 0 || len > 253)
        return bad;
    for (; *s != '\0'; s++) {
        char c = *s;

        if (c == '.') {
            if (label == 0 || s[1] == '\0')
                return bad;
            label = 0;
            continue;
        }
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '-' || c == '_'))
            return bad;
        if (++label > 63)
            return bad;
    }
    return NULL;
}

static const char *
check_nonempty(const char *s)
{
    return *s == '\0' ? "is empty" : NULL;
}

/* A watched tree: an absolute path, not "/" itself (a mark or a walk of the whole root file
 * system is never what an operator meant; name the trees). */
static const char *
check_watch_path(const char *s)
{
    if (s[0] != '/')
        return "is not an absolute path";
    for (const char *p = s; *p != '\0'; p++)
        if (*p == '/' && p[1] == '/')
            return "has an empty path component";
    if (strcmp(s, "/") == 0)
        return "is the root directory: name the trees to watch";
    return NULL;
}

/* Each sink kind needs its destination: files a path, network sinks an address. */
static const char *
check_sink(const void *item)
{
    const struct sw_cfg_sink *s = item;

    if (s->type == NULL)
        return NULL; /* already reported as missing */
    if (strcmp(s->type, "file") == 0 && s->path == NULL)
        return "a file sink needs a path";
    if (s->address != NULL)
        return NULL;
    if (strcmp(s->type, "syslog") == 0)
        return "a syslog sink needs an address";
    if (strcmp(s->type, "tcp") == 0)
        return "a tcp sink needs an address";
    if (strcmp(s->type, "http") == 0)
        return "an http sink needs an address";
    if (strcmp(s->type, "kafka") == 0)
        return "a kafka sink needs an address";
    return NULL;
}

static const struct sw_cfg_row iface_rows[] = {
    {.path = "name", .type = SW_CFG_STR, .def = NULL, .min = 1, .max = 255, FI(name),
     .flags = SW_CFG_REQUIRED, .help = "capture device (pcap name)"},
    {.path = "bpf", .type = SW_CFG_STR, .def = "", .min = 0, .max = 65535, FI(bpf),
     .help = "BPF capture filter (\"\": everything)"},
    {.path = "snaplen", .type = SW_CFG_UINT, .def = "65535", .min = 64, .max = 262144,
     FI(snaplen), .help = "bytes captured per packet"},
    {.path = "buffer_size", .type = SW_CFG_SIZE, .def = "64MiB", .min = MIB, .max = GIB,
     FI(buffer_size), .help = "kernel capture buffer"},
    {.path = "promisc", .type = SW_CFG_BOOL, .def = "true", FI(promisc),
     .help = "promiscuous mode"},
};

static const struct sw_cfg_table iface_table = {
    .rows = iface_rows,
    .n_rows = sizeof(iface_rows) / sizeof(iface_rows[0]),
    .elem_size = sizeof(struct sw_cfg_iface),
    .check = NULL,
    .unique_row = 0,
};

static const struct sw_cfg_row sink_rows[] = {
    {.path = "type", .type = SW_CFG_STR, .def = NULL, .min = 1, .max = 16, FS(type),
     .flags = SW_CFG_REQUIRED, .enums = sink_types, .help = "sink kind"},
    {.path = "path", .type = SW_CFG_STR, .def = NULL, .min = 1, .max = PATH_MAX_LEN, FS(path),
     .help = "file sink: the JSON-lines file"},
    {.path = "address", .type = SW_CFG_STR, .def = NULL, .min = 1, .max = 1024, FS(address),
     .flags = U, .help = "network sinks: host:port or URL"},
    {.path = "types", .type = SW_CFG_EVTYPES,
     .def = "[alert, flow, fileinfo, fim, anomaly, stats, engine, rule_profile]", .min = 1,
     .max = 64, FS(types), .enums = event_types, .help = "event types this sink takes (default: all)"},
};

static const struct sw_cfg_table sink_table = {
    .rows = sink_rows,
    .n_rows = sizeof(sink_rows) / sizeof(sink_rows[0]),
    .elem_size = sizeof(struct sw_cfg_sink),
    .check = check_sink,
    .unique_row = -1,
};

#define R SW_CFG_RESTART

const struct sw_cfg_row sw_cfg_schema[] = {
    /* agent */
    {.path = "agent.id", .type = SW_CFG_STR, .def = "", .max = 255, F(agent.id),
     .help = "EVE \"host\" of every event (\"\": the hostname)"},
    {.path = "agent.user", .type = SW_CFG_STR, .def = "seawall", .min = 1, .max = 32,
     F(agent.user), .flags = R, .help = "drop to this user after start-up (\"root\": stay root)"},
    {.path = "agent.group", .type = SW_CFG_STR, .def = "seawall", .min = 1, .max = 32,
     F(agent.group), .flags = R, .help = "drop to this group after start-up"},
    {.path = "agent.state_dir", .type = SW_CFG_STR, .def = "/var/lib/seawall", .min = 1,
     .max = PATH_MAX_LEN, F(agent.state_dir), .flags = R,
     .help = "FIM baseline, spool and compiled-rule cache"},
    {.path = "agent.run_dir", .type = SW_CFG_STR, .def = "/run/seawall", .min = 1,
     .max = PATH_MAX_LEN, F(agent.run_dir), .flags = R, .help = "control socket directory"},
    {.path = "agent.log_level", .type = SW_CFG_ENUM, .def = "notice", F(agent.log_level),
     .enums = log_levels, .help = "least severe log level written"},
    {.path = "agent.seccomp", .type = SW_CFG_BOOL, .def = "true", F(agent.seccomp), .flags = R,
     .help = "install the system-call allow-list after start-up (seawall run)"},
    {.path = "agent.stop_timeout", .type = SW_CFG_DURATION, .def = "10s", .min = SEC,
     .max = 600 * SEC, F(agent.stop_timeout),
     .help = "SIGTERM: longest wait for flows and queues to drain before exiting"},

    /* network */
    {.path = "network.interfaces", .type = SW_CFG_TABLE, .def = "[{name: eth0}]", .min = 0,
     .max = 64, F(network.interfaces), .off2 = offsetof(struct sw_config, network.n_interfaces),
     .flags = R, .sub = &iface_table, .help = "live capture interfaces (seawall run)"},
    {.path = "network.workers", .type = SW_CFG_UINT, .def = "2", .min = 1, .max = 64,
     F(network.workers), .flags = R, .help = "capture worker threads (one flow table each)"},
    {.path = "network.home_net", .type = SW_CFG_CIDRLIST,
     .def = "[10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16]", .max = 4096, F(network.home_net),
     .help = "$HOME_NET of the rules"},
    {.path = "network.max_flows", .type = SW_CFG_UINT, .def = "1000000", .min = 1,
     .max = 100000000, F(network.max_flows), .flags = R,
     .help = "flows tracked at once, all workers together"},
    {.path = "network.timeouts.tcp_new", .type = SW_CFG_DURATION, .def = "30s", .min = SEC,
     .max = DAY, F(network.timeouts.tcp_new), .flags = R,
     .help = "idle timeout of an unanswered TCP flow"},
    {.path = "network.timeouts.tcp_established", .type = SW_CFG_DURATION, .def = "600s",
     .min = SEC, .max = DAY, F(network.timeouts.tcp_established),
     .flags = R, .help = "idle timeout of an established TCP flow"},
    {.path = "network.timeouts.tcp_closed", .type = SW_CFG_DURATION, .def = "10s", .min = SEC,
     .max = DAY, F(network.timeouts.tcp_closed), .flags = R,
     .help = "timeout after FIN or RST"},
    {.path = "network.timeouts.udp", .type = SW_CFG_DURATION, .def = "120s", .min = SEC,
     .max = DAY, F(network.timeouts.udp), .flags = R, .help = "idle timeout of a UDP flow"},
    {.path = "network.timeouts.icmp", .type = SW_CFG_DURATION, .def = "30s", .min = SEC,
     .max = DAY, F(network.timeouts.icmp), .flags = R,
     .help = "idle timeout of an ICMP flow"},
    {.path = "network.timeouts.other", .type = SW_CFG_DURATION, .def = "60s", .min = SEC,
     .max = DAY, F(network.timeouts.other), .flags = R,
     .help = "idle timeout of other IP protocols"},
    {.path = "network.fragments.memcap", .type = SW_CFG_SIZE, .def = "32MiB", .min = MIB,
     .max = 64 * GIB, F(network.fragments.memcap), .flags = R,
     .help = "memory for IP fragment reassembly, all workers"},
    {.path = "network.fragments.timeout", .type = SW_CFG_DURATION, .def = "30s", .min = SEC,
     .max = 3600 * SEC, F(network.fragments.timeout),
     .flags = R, .help = "drop an incomplete fragmented datagram after this"},
    {.path = "network.fragments.max_trackers", .type = SW_CFG_UINT, .def = "65536", .min = 1,
     .max = 16777216, F(network.fragments.max_trackers), .flags = R,
     .help = "datagrams reassembled at once, all workers"},
    {.path = "network.stream.depth", .type = SW_CFG_SIZE, .def = "1MiB", .min = 4 * KIB,
     .max = GIB, F(network.stream.depth),
     .flags = R, .help = "bytes reassembled per TCP direction for inspection"},
    {.path = "network.stream.memcap", .type = SW_CFG_SIZE, .def = "256MiB", .min = MIB,
     .max = 64 * GIB, F(network.stream.memcap), .flags = R,
     .help = "memory for TCP reassembly, all workers"},
    {.path = "network.http.bodies", .type = SW_CFG_BOOL, .def = "true", F(network.http.bodies),
     .flags = R, .help = "report HTTP bodies of HTTP flows (fileinfo; YARA with rules)"},
    {.path = "network.http.max_body", .type = SW_CFG_SIZE, .def = "16MiB", .min = 4 * KIB,
     .max = GIB, F(network.http.max_body), .flags = R,
     .help = "bytes of one HTTP body hashed and scanned; the rest is cut (truncated)"},
    {.path = "network.http.max_header_bytes", .type = SW_CFG_SIZE, .def = "64KiB", .min = 256,
     .max = 16 * MIB, F(network.http.max_header_bytes), .flags = R,
     .help = "bytes of one HTTP header block; a longer one stops that direction"},
    {.path = "network.http.max_pipeline", .type = SW_CFG_UINT, .def = "32", .min = 1,
     .max = 4096, F(network.http.max_pipeline), .flags = R,
     .help = "HTTP requests waiting for their response; more are parsed but not paired"},
    {.path = "network.app.dns.max_queries", .type = SW_CFG_UINT, .def = "16", .min = 1,
     .max = 256, F(network.app.dns.max_queries), .flags = R,
     .help = "DNS questions kept per message (dns.query, alerts); the rest counted"},
    {.path = "network.app.dns.max_records", .type = SW_CFG_UINT, .def = "64", .min = 0,
     .max = 4096, F(network.app.dns.max_records), .flags = R,
     .help = "DNS records kept per message, all sections; the rest counted"},
    {.path = "network.app.dns.max_name_len", .type = SW_CFG_UINT, .def = "255", .min = 16,
     .max = 4096, F(network.app.dns.max_name_len), .flags = R,
     .help = "bytes of a decoded DNS name; a longer one is cut (rrname_truncated)"},
    {.path = "network.app.dns.max_pointers", .type = SW_CFG_UINT, .def = "32", .min = 1,
     .max = 255, F(network.app.dns.max_pointers), .flags = R,
     .help = "DNS compression pointers followed per name; more is malformed"},
    {.path = "network.app.dns.max_text", .type = SW_CFG_SIZE, .def = "255", .min = 16,
     .max = 65535, F(network.app.dns.max_text), .flags = R,
     .help = "bytes kept of a DNS TXT string or NULL record"},
    {.path = "network.app.dns.max_tcp_message", .type = SW_CFG_SIZE, .def = "65535", .min = 12,
     .max = 65535, F(network.app.dns.max_tcp_message), .flags = R,
     .help = "largest DNS-over-TCP message buffered; a larger one is skipped"},
    {.path = "network.app.tls.max_handshake", .type = SW_CFG_SIZE, .def = "64KiB", .min = KIB,
     .max = 16 * MIB, F(network.app.tls.max_handshake), .flags = R,
     .help = "bytes of one TLS handshake message gathered (certificates); larger are skipped"},
    {.path = "network.app.tls.max_name", .type = SW_CFG_SIZE, .def = "1024", .min = 64,
     .max = 65536, F(network.app.tls.max_name), .flags = R,
     .help = "bytes kept of a certificate subject or issuer"},
    {.path = "network.decode.max_layers", .type = SW_CFG_UINT, .def = "16", .min = 1, .max = 64,
     F(network.decode.max_layers), .help = "encapsulation layers decoded per packet"},
    {.path = "network.decode.tunnels", .type = SW_CFG_BOOL, .def = "true",
     F(network.decode.tunnels), .help = "decode GRE, VXLAN, GTP-U and IP-in-IP payloads"},
    {.path = "network.decode.vxlan_port", .type = SW_CFG_UINT, .def = "4789", .min = 1,
     .max = 65535, F(network.decode.vxlan_port), .help = "UDP port decoded as VXLAN"},
    {.path = "network.ring_size", .type = SW_CFG_UINT, .def = "64", .min = 4, .max = 4096,
     F(network.ring_size), .flags = R | SW_CFG_POW2,
     .help = "packet batches queued to each worker (power of two)"},
    {.path = "network.batch_size", .type = SW_CFG_SIZE, .def = "256KiB", .min = 64 * KIB,
     .max = 16 * MIB, F(network.batch_size), .flags = R, .help = "bytes per packet batch"},

    /* ndpi */
    {.path = "ndpi.protos_file", .type = SW_CFG_STR, .def = "", .max = PATH_MAX_LEN,
     F(ndpi.protos_file), .flags = R,
     .help = "nDPI custom protocols, protos.txt format (\"\": none)"},
    {.path = "ndpi.categories_file", .type = SW_CFG_STR, .def = "", .max = PATH_MAX_LEN,
     F(ndpi.categories_file), .flags = R, .help = "nDPI custom categories (\"\": none)"},
    {.path = "ndpi.risky_domains_file", .type = SW_CFG_STR, .def = "", .max = PATH_MAX_LEN,
     F(ndpi.risky_domains_file), .flags = R, .help = "nDPI risky domains (\"\": none)"},
    {.path = "ndpi.ja3_file", .type = SW_CFG_STR, .def = "", .max = PATH_MAX_LEN,
     F(ndpi.ja3_file), .flags = R, .help = "nDPI malicious JA3 fingerprints (\"\": none)"},
    {.path = "ndpi.sha1_file", .type = SW_CFG_STR, .def = "", .max = PATH_MAX_LEN,
     F(ndpi.sha1_file), .flags = R,
     .help = "nDPI malicious certificate SHA-1s (\"\": none)"},
    {.path = "ndpi.max_packets.tcp", .type = SW_CFG_UINT, .def = "80", .min = 1, .max = 10000,
     F(ndpi.max_packets.tcp), .flags = R,
     .help = "TCP packets inspected before giving up on detection"},
    {.path = "ndpi.max_packets.udp", .type = SW_CFG_UINT, .def = "24", .min = 1, .max = 10000,
     F(ndpi.max_packets.udp), .flags = R,
     .help = "UDP packets inspected before giving up on detection"},
    {.path = "ndpi.risk_exceptions.risks", .type = SW_CFG_STRLIST, .def = "[]", .max = 256,
     F(ndpi.risk_exceptions.risks), .check = check_risk_name,
     .help = "nDPI risks never alerted on (NDPI_* names)"},
    {.path = "ndpi.risk_exceptions.cidrs", .type = SW_CFG_CIDRLIST, .def = "[]", .max = 4096,
     F(ndpi.risk_exceptions.cidrs), .help = "no nDPI risk alerts for flows with these hosts"},
    {.path = "ndpi.risk_exceptions.hostnames", .type = SW_CFG_STRLIST, .def = "[]",
     .max = 4096, F(ndpi.risk_exceptions.hostnames), .check = check_hostname,
     .help = "no nDPI risk alerts for these host names (exact or *.suffix)"},

    /* eve */
    {.path = "eve.community_id", .type = SW_CFG_BOOL, .def = "true", F(eve.community_id),
     .help = "add community_id to network events"},
    {.path = "eve.community_id_seed", .type = SW_CFG_UINT, .def = "0", .min = 0, .max = 65535,
     F(eve.community_id_seed), .help = "Community ID seed"},
    {.path = "eve.anomaly_rate", .type = SW_CFG_UINT, .def = "10", .min = 0, .max = 100000,
     F(eve.anomaly_rate),
     .help = "anomaly events per second of capture time, per worker (0: none)"},

    /* rules */
    {.path = "rules.dir", .type = SW_CFG_STR, .def = "/etc/seawall/rules", .min = 1,
     .max = PATH_MAX_LEN, F(rules.dir), .help = "*.rules and *.yar files loaded at start"},
    {.path = "rules.profiling", .type = SW_CFG_BOOL, .def = "false", F(rules.profiling),
     .help = "per-rule checks, matches and time, worst first: a rule_profile event when "
             "seawall stops (seawall pcap: also a table on stderr)"},
    {.path = "rules.profile_file", .type = SW_CFG_STR, .def = "", .max = PATH_MAX_LEN,
     F(rules.profile_file),
     .help = "with rules.profiling: the profile table is also appended to this file when "
             "seawall stops (\"\": only the event; set without rules.profiling: an error)"},
    {.path = "rules.profiling_limit", .type = SW_CFG_UINT, .def = "20", .min = 0,
     .max = 1000000, F(rules.profiling_limit),
     .help = "rules listed in the rule_profile event and table, worst first (0: all)"},

    /* vars: Suricata 8's suricata.yaml defaults; HOME_NET comes from network.home_net */
    {.path = "vars.address_groups", .type = SW_CFG_STRMAP,
     .def = "{EXTERNAL_NET: \"!$HOME_NET\", HTTP_SERVERS: $HOME_NET, SMTP_SERVERS: $HOME_NET,"
            " SQL_SERVERS: $HOME_NET, DNS_SERVERS: $HOME_NET, TELNET_SERVERS: $HOME_NET,"
            " AIM_SERVERS: $EXTERNAL_NET, DC_SERVERS: $HOME_NET, DNP3_SERVER: $HOME_NET,"
            " DNP3_CLIENT: $HOME_NET, MODBUS_CLIENT: $HOME_NET, MODBUS_SERVER: $HOME_NET,"
            " ENIP_CLIENT: $HOME_NET, ENIP_SERVER: $HOME_NET, OT_NET: $HOME_NET}",
     .max = 4096, F(vars.address_groups),
     .help = "address groups of Suricata rules ($NAME); HOME_NET defaults to network.home_net"},
    {.path = "vars.port_groups", .type = SW_CFG_STRMAP,
     .def = "{HTTP_PORTS: \"80\", SHELLCODE_PORTS: \"!80\", ORACLE_PORTS: \"1521\","
            " SSH_PORTS: \"22\", DNP3_PORTS: \"20000\", MODBUS_PORTS: \"502\","
            " FILE_DATA_PORTS: \"[$HTTP_PORTS,110,143]\", FTP_PORTS: \"21\","
            " GENEVE_PORTS: \"6081\", VXLAN_PORTS: \"4789\", TEREDO_PORTS: \"3544\","
            " SIP_PORTS: \"[5060, 5061]\"}",
     .max = 4096, F(vars.port_groups), .help = "port groups of Suricata rules ($NAME)"},

    /* files */
    {.path = "files.paths", .type = SW_CFG_STRLIST, .def = "[]", .max = 1024, F(files.paths),
     .flags = R, .check = check_watch_path,
     .help = "watched trees (absolute paths): live events, scans and the baseline"},
    {.path = "files.exclude", .type = SW_CFG_STRLIST, .def = "[]", .max = 1024,
     F(files.exclude), .flags = R, .check = check_nonempty,
     .help = "paths never scanned or reported: globs (full path or any name in it) or "
             "absolute prefixes"},
    {.path = "files.mode", .type = SW_CFG_ENUM, .def = "auto", F(files.mode), .flags = R,
     .enums = files_modes,
     .help = "auto | fanotify | fanotify-dirs | inotify | scan (forced: no fallback)"},
    {.path = "files.scan_interval", .type = SW_CFG_DURATION, .def = "12h", .min = SEC,
     .max = 365 * DAY, F(files.scan_interval), .flags = R,
     .help = "full walk against the baseline (also at start-up)"},
    {.path = "files.max_scan_size", .type = SW_CFG_SIZE, .def = "64MiB", .min = KIB,
     .max = 64 * GIB, F(files.max_scan_size), .flags = R,
     .help = "larger files are hashed (up to files.max_hash_size), not YARA-scanned"},
    {.path = "files.max_hash_size", .type = SW_CFG_SIZE, .def = "1GiB", .min = KIB,
     .max = 64 * TIB, F(files.max_hash_size), .flags = R,
     .help = "larger files are neither hashed nor scanned (skipped: size)"},
    {.path = "files.scan_threads", .type = SW_CFG_UINT, .def = "2", .min = 1, .max = 32,
     F(files.scan_threads), .flags = R, .help = "scan pool threads (hash, YARA)"},
    {.path = "files.queue_size", .type = SW_CFG_UINT, .def = "4096", .min = 16,
     .max = 1048576, F(files.queue_size), .flags = R,
     .help = "files waiting for a scan, coalesced per path; beyond it: skipped (overflow) "
             "and rescanned"},
    {.path = "files.max_watches", .type = SW_CFG_UINT, .def = "0", .min = 0, .max = 100000000,
     F(files.max_watches), .flags = R,
     .help = "inotify watches at most (0: fs.inotify.max_user_watches less 1024)"},
    {.path = "files.one_filesystem", .type = SW_CFG_BOOL, .def = "true",
     F(files.one_filesystem), .flags = R,
     .help = "stay on each watched tree's file system"},
    {.path = "files.recursive", .type = SW_CFG_BOOL, .def = "true", F(files.recursive),
     .flags = R, .help = "watch below the top directory of each tree"},
    {.path = "files.nice", .type = SW_CFG_UINT, .def = "10", .min = 0, .max = 19,
     F(files.nice), .flags = R, .help = "CPU nice value of the scan threads"},
    {.path = "files.ionice", .type = SW_CFG_ENUM, .def = "best-effort", F(files.ionice),
     .flags = R, .enums = ionice_classes,
     .help = "I/O class of the scan threads: best-effort (lowest level), idle or none"},
    {.path = "files.retro_hunt", .type = SW_CFG_DURATION, .def = "24h", .min = 0,
     .max = 365 * DAY, F(files.retro_hunt),
     .help = "after a rule reload, rescan files changed this recently (0: never)"},
    {.path = "files.fim", .type = SW_CFG_BOOL, .def = "true", F(files.fim), .flags = R,
     .help = "keep a baseline of watched files and report changes"},

    /* outputs */
    {.path = "outputs", .type = SW_CFG_TABLE,
     .def = "[{type: file, path: /var/log/seawall/eve.json,"
            " types: [alert, flow, fileinfo, fim, anomaly, stats]}]",
     .min = 0, .max = 32, F(outputs), .off2 = offsetof(struct sw_config, n_outputs),
     .flags = R, .sub = &sink_table, .help = "event sinks, each with its event types"},

    /* spool */
    {.path = "spool.dir", .type = SW_CFG_STR, .def = "/var/lib/seawall/spool", .min = 1,
     .max = PATH_MAX_LEN, F(spool.dir), .flags = R | U,
     .help = "undelivered events of network sinks"},
    {.path = "spool.max_size", .type = SW_CFG_SIZE, .def = "1GiB", .min = MIB, .max = 16 * TIB,
     F(spool.max_size), .flags = U, .help = "spool bytes on disk before dropping"},
    {.path = "spool.when_full", .type = SW_CFG_ENUM, .def = "drop_oldest", F(spool.when_full),
     .flags = U, .enums = when_full, .help = "which events a full spool drops"},

    /* stats */
    {.path = "stats.interval", .type = SW_CFG_DURATION, .def = "60s", .min = SEC, .max = DAY,
     F(stats.interval), .help = "period of stats events"},
};

const size_t sw_cfg_schema_len = sizeof(sw_cfg_schema) / sizeof(sw_cfg_schema[0]);
