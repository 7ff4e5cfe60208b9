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
#include "sw/sink.h"

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

static const struct sw_cfg_enum spool_modes[] = {
    {"always", SW_SPOOL_ALWAYS, 0},
    {"overflow", SW_SPOOL_OVERFLOW, 0},
    {"off", SW_SPOOL_OFF, 0},
    {NULL, 0, 0},
};

/* A sink's spool.mode: "default" is the top-level spool.mode. */
static const struct sw_cfg_enum sink_spool_modes[] = {
    {"default", SW_SPOOL_DEFAULT, 0},
    {"always", SW_SPOOL_ALWAYS, 0},
    {"overflow", SW_SPOOL_OVERFLOW, 0},
    {"off", SW_SPOOL_OFF, 0},
    {NULL, 0, 0},
};

static const struct sw_cfg_enum fsync_modes[] = {
    {"batch", SW_FSYNC_BATCH, 0},
    {"interval", SW_FSYNC_INTERVAL, 0},
    {"never", SW_FSYNC_NEVER, 0},
    {NULL, 0, 0},
};

static const struct sw_cfg_enum tls_versions[] = {
    {"1.2", 0x0303, 0},
    {"1.3", 0x0304, 0},
    {NULL, 0, 0},
};

static const struct sw_cfg_enum syslog_transports[] = {
    {"udp", 0, 0}, {"tcp", 0, 0}, {"tls", 0, 0}, {"relp", 0, 0}, {NULL, 0, 0},
};

/* RFC 5424 section 6.2.1 facility names (the codes are in output/sink_syslog.c). */
static const struct sw_cfg_enum syslog_facilities[] = {
    {"kern", 0, 0},    {"user", 0, 0},    {"mail", 0, 0},     {"daemon", 0, 0},   {"auth", 0, 0},
    {"syslog", 0, 0},  {"lpr", 0, 0},     {"news", 0, 0},     {"uucp", 0, 0},     {"cron", 0, 0},
    {"authpriv", 0, 0}, {"ftp", 0, 0},    {"ntp", 0, 0},      {"security", 0, 0}, {"console", 0, 0},
    {"solaris-cron", 0, 0}, {"local0", 0, 0}, {"local1", 0, 0}, {"local2", 0, 0}, {"local3", 0, 0},
    {"local4", 0, 0},  {"local5", 0, 0},  {"local6", 0, 0},   {"local7", 0, 0},   {NULL, 0, 0},
};

static const struct sw_cfg_enum http_formats[] = {
    {"elasticsearch", 0, 0}, {"splunk", 0, 0}, {NULL, 0, 0},
};

static const struct sw_cfg_enum kafka_keys[] = {
    {"community_id", 0, 0}, {"none", 0, 0}, {NULL, 0, 0},
};

#define U SW_CFG_UNBUILT

static const struct sw_cfg_enum sink_types[] = {
    {"file", 0, 0}, {"stdout", 0, 0}, {"syslog", 0, 0}, {"tcp", 0, 0}, {"http", 0, 0},
    {"kafka", 0, 0}, {NULL, 0, 0},
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

static const struct sw_cfg_enum tls_encryption[] = {
    {"track-only", SW_TLS_ENC_TRACK_ONLY, 0},
    {"full", SW_TLS_ENC_FULL, 0},
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

/* "host:port", "[v6]:port": a non-empty host without blanks and a port 1..65535. The name
 * itself is resolved by the sink. */
static bool
host_port_ok(const char *a)
{
    const char *colon, *p;
    unsigned long port = 0;

    if (a[0] == '[') {
        const char *close = strchr(a, ']');

        if (close == NULL || close == a + 1 || close[1] != ':')
            return false;
        colon = close + 1;
    } else {
        colon = strrchr(a, ':');
        if (colon == NULL || colon == a || memchr(a, ':', (size_t)(colon - a)) != NULL)
            return false;
    }
    for (p = a; p < colon; p++)
        if (*p == ' ' || *p == '\t' || *p == '/')
            return false;
    if (colon[1] == '\0')
        return false;
    for (p = colon + 1; *p != '\0'; p++) {
        if (*p < '0' || *p > '9' || port > 65535)
            return false;
        port = port * 10 + (unsigned long)(*p - '0');
    }
    return port >= 1 && port <= 65535;
}

static bool
is_type(const struct sw_cfg_sink *s, const char *t)
{
    return strcmp(s->type, t) == 0;
}

static bool
set(const char *s)
{
    return s != NULL && s[0] != '\0';
}

/* http: a URL seawall can use as the base of _bulk or /services/collector, and the keys that
 * only mean something together. */
static const char *
check_http(const struct sw_cfg_sink *s)
{
    const char *u = s->url, *h;
    size_t hl;

    if (u == NULL)
        return "an http sink needs a url";
    if (strncmp(u, "http://", 7) == 0)
        h = u + 7;
    else if (strncmp(u, "https://", 8) == 0)
        h = u + 8;
    else
        return "url: must start with http:// or https://";
    hl = strcspn(h, "/?#");
    if (hl == 0 || memchr(h, '@', hl) != NULL)
        return "url: needs a host (and no user:password@: use username and password_file)";
    if (strpbrk(u, " \t\r\n") != NULL || strchr(h + hl, '?') != NULL || strchr(u, '#') != NULL)
        return "url: no blanks, query or fragment (it is the base of the request paths)";
    if (set(s->username) != set(s->password_file))
        return "username and password_file go together";
    if (set(s->token) && set(s->username))
        return "give token or username/password_file, not both";
    if (s->format != NULL && strcmp(s->format, "splunk") == 0 && !set(s->token))
        return "format splunk needs the HEC token";
    if (s->format != NULL && strcmp(s->format, "splunk") == 0 && set(s->username))
        return "format splunk authenticates with token, not username";
    if ((s->format == NULL || strcmp(s->format, "elasticsearch") == 0) &&
        (s->sourcetype != NULL || s->channel != NULL))
        return "sourcetype and channel are splunk keys (format: splunk)";
    if (s->ack_timeout < s->ack_interval)
        return "ack_timeout is below ack_interval";
    if ((s->format == NULL || strcmp(s->format, "elasticsearch") == 0) && s->index != NULL &&
        !sw_sink_http_index_ok(s->index))
        return "index: not an Elasticsearch index name once formatted (lower case; none of "
               "\\/*?\"<>| ,#:; not starting with -_+)";
    return NULL;
}

/* Kafka topic names: 1..249 of [a-zA-Z0-9._-]; "%{event_type}" is replaced by a name that
 * is itself made of those. */
static const char *
check_kafka(const struct sw_cfg_sink *s)
{
    const char *t = s->topic;
    size_t n = 0;

    if (s->address == NULL && s->brokers.n == 0)
        return "a kafka sink needs brokers (or an address)";
    for (size_t i = 0; i < s->brokers.n; i++)
        if (!host_port_ok(s->brokers.v[i]))
            return "brokers: expected host:port items";
    if (t == NULL)
        return NULL;
    while (*t != '\0') {
        if (strncmp(t, "%{event_type}", 13) == 0) {
            t += 13;
            n += 8;
            continue;
        }
        if (!((*t >= 'a' && *t <= 'z') || (*t >= 'A' && *t <= 'Z') || (*t >= '0' && *t <= '9') ||
              *t == '.' || *t == '_' || *t == '-'))
            return "topic: only letters, digits, '.', '_', '-' and %{event_type}";
        t++;
        n++;
    }
    if (n == 0 || n > 249)
        return "topic: 1 to 249 characters";
    return NULL;
}

/* Each sink kind needs its destination: files a path, network sinks an address; and takes
 * only the keys that mean something to it. */
static const char *
check_sink(const void *item)
{
    const struct sw_cfg_sink *s = item;
    bool net, tls_keys;

    if (s->type == NULL)
        return NULL; /* already reported as missing */
    net = !is_type(s, "file") && !is_type(s, "stdout");
    tls_keys = s->tls.enabled || (s->tls.ca != NULL && s->tls.ca[0] != '\0') ||
               (s->tls.cert != NULL && s->tls.cert[0] != '\0') ||
               (s->tls.key != NULL && s->tls.key[0] != '\0') ||
               (s->tls.server_name != NULL && s->tls.server_name[0] != '\0');
    if (s->transport != NULL && !is_type(s, "syslog"))
        return "transport is a syslog key";
    if (s->facility != NULL && !is_type(s, "syslog"))
        return "facility is a syslog key";
    if (!is_type(s, "http") &&
        (s->url != NULL || s->format != NULL || s->index != NULL || s->token != NULL ||
         s->username != NULL || s->password_file != NULL || s->sourcetype != NULL ||
         s->channel != NULL || s->dead_letter.path != NULL))
        return "url, format, index, token, username, password_file, sourcetype, channel and "
               "dead_letter are http keys";
    if (!is_type(s, "kafka") &&
        (s->brokers.n > 0 || s->topic != NULL || s->key != NULL || s->kafka.n > 0))
        return "brokers, topic, key and kafka are kafka keys";
    if (is_type(s, "http")) {
        const char *p = check_http(s);

        if (p != NULL)
            return p;
    }
    if (is_type(s, "kafka")) {
        const char *p = check_kafka(s);

        if (p != NULL)
            return p;
    }
    if (is_type(s, "syslog") && s->transport != NULL && strcmp(s->transport, "udp") == 0 &&
        tls_keys)
        return "syslog over udp cannot use tls (use transport: tls)";
    if (is_type(s, "kafka") && tls_keys)
        return "kafka takes TLS as librdkafka properties (kafka: {security.protocol: ssl, "
               "ssl.ca.location: ...}), not tls";
    if (!net && tls_keys)
        return "tls is for network sinks";
    if ((s->tls.cert != NULL && s->tls.cert[0] != '\0') !=
        (s->tls.key != NULL && s->tls.key[0] != '\0'))
        return "tls.cert and tls.key go together";
    if (s->retry.max < s->retry.initial)
        return "retry.max is below retry.initial";
    if (!net && (s->spool.mode != SW_SPOOL_DEFAULT || s->spool.max_size != 0))
        return "spool is for network sinks";
    if (s->spool.max_size != 0 && s->spool.max_size < MIB)
        return "spool.max_size: below the minimum 1MiB";
    if (strcmp(s->type, "file") == 0 && s->path == NULL)
        return "a file sink needs a path";
    if (s->address != NULL && is_type(s, "http"))
        return "an http sink takes url, not address";
    if (s->address != NULL && (is_type(s, "syslog") || is_type(s, "tcp") || is_type(s, "kafka")) &&
        !host_port_ok(s->address))
        return "address: expected host:port, [IPv6]:port or IPv4:port (port 1-65535)";
    if (s->address != NULL)
        return NULL;
    if (strcmp(s->type, "syslog") == 0)
        return "a syslog sink needs an address";
    if (strcmp(s->type, "tcp") == 0)
        return "a tcp sink needs an address";
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
    {.path = "name", .type = SW_CFG_STR, .def = NULL, .min = 1, .max = 80, FS(name),
     .help = "name in stats and status, and the spool folder (default: type-address)"},
    {.path = "path", .type = SW_CFG_STR, .def = NULL, .min = 1, .max = PATH_MAX_LEN, FS(path),
     .help = "file sink: the JSON-lines file"},
    {.path = "address", .type = SW_CFG_STR, .def = NULL, .min = 1, .max = 1024, FS(address),
     .help = "network sinks: host:port (syslog, tcp; kafka: a broker)"},
    {.path = "types", .type = SW_CFG_EVTYPES,
     .def = "[alert, flow, fileinfo, fim, anomaly, stats, engine, rule_profile]", .min = 1,
     .max = 64, FS(types), .enums = event_types, .help = "event types this sink takes (default: all)"},
    {.path = "transport", .type = SW_CFG_STR, .def = NULL, .min = 1, .max = 8, FS(transport),
     .enums = syslog_transports,
     .help = "syslog: udp, tcp (RFC 6587 octet counting), tls (RFC 5425) or relp (default tcp)"},
    {.path = "facility", .type = SW_CFG_STR, .def = NULL, .min = 1, .max = 16, FS(facility),
     .enums = syslog_facilities, .help = "syslog facility (default local5)"},
    {.path = "max_message_size", .type = SW_CFG_SIZE, .def = "64KiB", .min = 480,
     .max = 16 * MIB, FS(max_message_size),
     .help = "syslog: longest message, header included; longer events are cut (truncated)"},
    {.path = "tls.enabled", .type = SW_CFG_BOOL, .def = "false", FS(tls.enabled),
     .help = "use TLS (implied by transport: tls or any other tls key)"},
    {.path = "tls.ca", .type = SW_CFG_STR, .def = "", .max = PATH_MAX_LEN, FS(tls.ca),
     .help = "CA file or folder of PEM files trusted for the receiver (\"\": the system's)"},
    {.path = "tls.cert", .type = SW_CFG_STR, .def = "", .max = PATH_MAX_LEN, FS(tls.cert),
     .help = "client certificate (PEM), with tls.key"},
    {.path = "tls.key", .type = SW_CFG_STR, .def = "", .max = PATH_MAX_LEN, FS(tls.key),
     .help = "client private key (PEM, unencrypted), with tls.cert"},
    {.path = "tls.server_name", .type = SW_CFG_STR, .def = "", .max = 253,
     FS(tls.server_name), .help = "name verified and sent as SNI (\"\": the host of address)"},
    {.path = "tls.verify", .type = SW_CFG_BOOL, .def = "true", FS(tls.verify),
     .help = "verify the receiver's certificate chain and name"},
    {.path = "tls.min_version", .type = SW_CFG_ENUM, .def = "1.2", FS(tls.min_version),
     .enums = tls_versions, .help = "oldest TLS version accepted"},
    {.path = "url", .type = SW_CFG_STR, .def = NULL, .min = 8, .max = 2048, FS(url),
     .help = "http: base URL (POST {url}/_bulk, {url}/services/collector/event)"},
    {.path = "format", .type = SW_CFG_STR, .def = NULL, .min = 1, .max = 16, FS(format),
     .enums = http_formats, .help = "http: elasticsearch (_bulk, also OpenSearch) or splunk "
                                    "(HEC) (default elasticsearch)"},
    {.path = "index", .type = SW_CFG_STR, .def = NULL, .min = 1, .max = 255, FS(index),
     .help = "http: elasticsearch index, strftime of the event time in UTC (default "
             "seawall-%Y.%m.%d); splunk index (default: the token's)"},
    {.path = "token", .type = SW_CFG_STR, .def = NULL, .min = 1, .max = 4096, FS(token),
     .flags = SW_CFG_SECRET, .help = "http: splunk HEC token, or elasticsearch API key (base64 id:key)"},
    {.path = "username", .type = SW_CFG_STR, .def = NULL, .min = 1, .max = 255,
     FS(username), .help = "http: basic authentication user, with password_file"},
    {.path = "password_file", .type = SW_CFG_STR, .def = NULL, .min = 1, .max = PATH_MAX_LEN,
     FS(password_file),
     .help = "http: file holding the password (not world-readable; re-read on SIGHUP)"},
    {.path = "sourcetype", .type = SW_CFG_STR, .def = NULL, .min = 1, .max = 255,
     FS(sourcetype), .help = "http splunk: sourcetype of the events (default suricata)"},
    {.path = "channel", .type = SW_CFG_STR, .def = NULL, .min = 0, .max = 128, FS(channel),
     .help = "http splunk: X-Splunk-Request-Channel GUID (\"\": generated at start)"},
    {.path = "gzip", .type = SW_CFG_BOOL, .def = "false", FS(gzip), .flags = SW_CFG_QUIET,
     .help = "http: gzip request bodies (Content-Encoding: gzip)"},
    {.path = "ack", .type = SW_CFG_BOOL, .def = "true", FS(ack), .flags = SW_CFG_QUIET,
     .help = "http splunk: an event is delivered when HEC's indexer acknowledgement says so "
             "(false: when HEC answers 200)"},
    {.path = "timeout", .type = SW_CFG_DURATION, .def = "30s", .min = SEC / 10,
     .max = 3600 * SEC, FS(timeout), .flags = SW_CFG_QUIET,
     .help = "http: longest time for one request, connect included"},
    {.path = "ack_interval", .type = SW_CFG_DURATION, .def = "1s", .min = SEC / 100,
     .max = 600 * SEC, FS(ack_interval), .flags = SW_CFG_QUIET,
     .help = "http splunk: how often pending ackIds are asked about"},
    {.path = "ack_timeout", .type = SW_CFG_DURATION, .def = "300s", .min = SEC / 10,
     .max = DAY, FS(ack_timeout), .flags = SW_CFG_QUIET,
     .help = "http splunk: an ackId still unacknowledged after this is sent again "
             "(duplicates_possible)"},
    {.path = "dead_letter.path", .type = SW_CFG_STR, .def = NULL, .min = 1,
     .max = PATH_MAX_LEN, FS(dead_letter.path),
     .help = "http: file of rejected documents, JSON lines (default "
             "<agent.state_dir>/deadletter-<sink>.json)"},
    {.path = "dead_letter.max_size", .type = SW_CFG_SIZE, .def = "64MiB", .min = 0,
     .max = 16 * GIB, FS(dead_letter.max_size),
     .help = "http: dead-letter file bound; rejected documents past it are only counted "
             "(0: none kept)"},
    {.path = "brokers", .type = SW_CFG_STRLIST, .def = "[]", .max = 64, FS(brokers),
     .flags = SW_CFG_QUIET, .check = check_nonempty,
     .help = "kafka: bootstrap brokers, host:port each (or address)"},
    {.path = "topic", .type = SW_CFG_STR, .def = NULL, .min = 1, .max = 255, FS(topic),
     .help = "kafka: topic; %{event_type} in it makes one topic per event type (default "
             "seawall)"},
    {.path = "key", .type = SW_CFG_STR, .def = NULL, .min = 1, .max = 16, FS(key),
     .enums = kafka_keys,
     .help = "kafka: message key: community_id (else flow_id, else the file path) or none "
             "(default community_id)"},
    {.path = "kafka", .type = SW_CFG_KVLIST, .def = NULL, .min = 0, .max = 256, FS(kafka),
     .flags = SW_CFG_QUIET, .kvcheck = sw_sink_kafka_check_property,
     .help = "kafka: librdkafka properties, passed as given, over seawall's defaults"},
    {.path = "queue.max_events", .type = SW_CFG_UINT, .def = "65536", .min = 16,
     .max = 16777216, FS(queue.max_events),
     .help = "events held in memory for this sink, in flight included"},
    {.path = "queue.max_bytes", .type = SW_CFG_SIZE, .def = "64MiB", .min = 64 * KIB,
     .max = 16 * GIB, FS(queue.max_bytes), .help = "bytes of events held in memory"},
    {.path = "batch.max_events", .type = SW_CFG_UINT, .def = "1024", .min = 1, .max = 1048576,
     FS(batch.max_events), .help = "events handed to the sink at once"},
    {.path = "batch.max_bytes", .type = SW_CFG_SIZE, .def = "1MiB", .min = KIB,
     .max = 256 * MIB, FS(batch.max_bytes), .help = "bytes handed to the sink at once"},
    {.path = "batch.linger", .type = SW_CFG_DURATION, .def = "0s", .min = 0, .max = 60 * SEC,
     FS(batch.linger), .help = "longest wait for a fuller batch (0: send at once)"},
    {.path = "retry.initial", .type = SW_CFG_DURATION, .def = "1s", .min = SEC / 100,
     .max = 3600 * SEC, FS(retry.initial), .help = "first back-off after a failure"},
    {.path = "retry.max", .type = SW_CFG_DURATION, .def = "30s", .min = SEC / 100,
     .max = DAY, FS(retry.max), .help = "longest back-off (doubling, with jitter)"},
    {.path = "spool.mode", .type = SW_CFG_ENUM, .def = "default", FS(spool.mode),
     .enums = sink_spool_modes, .help = "this sink's spool.mode (default: spool.mode)"},
    {.path = "spool.max_size", .type = SW_CFG_SIZE, .def = "0", .min = 0, .max = 16 * TIB,
     FS(spool.max_size), .help = "this sink's spool bound, at least 1MiB (0: spool.max_size)"},
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
    {.path = "network.app.tls.encryption_handling", .type = SW_CFG_ENUM, .def = "track-only",
     F(network.app.tls.encryption_handling), .flags = R, .enums = tls_encryption,
     .help = "Suricata rules after a TLS connection's first application data record: "
             "track-only (payload and stream no longer inspected, tls.* buffers are) or full"},
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
     .max = PATH_MAX_LEN, F(spool.dir), .flags = R,
     .help = "undelivered events of network sinks (a folder per sink)"},
    {.path = "spool.mode", .type = SW_CFG_ENUM, .def = "always", F(spool.mode), .flags = R,
     .enums = spool_modes,
     .help = "always: write-ahead; overflow: only what the queue cannot hold; off: memory"},
    {.path = "spool.max_size", .type = SW_CFG_SIZE, .def = "1GiB", .min = MIB, .max = 16 * TIB,
     F(spool.max_size), .flags = R,
     .help = "spool bytes on disk, all sinks together and each sink"},
    {.path = "spool.when_full", .type = SW_CFG_ENUM, .def = "drop_oldest", F(spool.when_full),
     .flags = R, .enums = when_full, .help = "which events a full spool (or queue) drops"},
    {.path = "spool.fsync", .type = SW_CFG_ENUM, .def = "batch", F(spool.fsync), .flags = R,
     .enums = fsync_modes,
     .help = "batch: fdatasync every round; interval: every fsync_interval; never"},
    {.path = "spool.fsync_interval", .type = SW_CFG_DURATION, .def = "1s", .min = SEC / 100,
     .max = 3600 * SEC, F(spool.fsync_interval), .flags = R,
     .help = "fsync: interval: the longest an appended event waits for fdatasync"},
    {.path = "spool.segment_size", .type = SW_CFG_SIZE, .def = "16MiB", .min = 64 * KIB,
     .max = GIB, F(spool.segment_size), .flags = R,
     .help = "spool file size (drop_oldest drops a file at a time)"},

    /* stats */
    {.path = "stats.interval", .type = SW_CFG_DURATION, .def = "60s", .min = SEC, .max = DAY,
     F(stats.interval), .help = "period of stats events"},
};

const size_t sw_cfg_schema_len = sizeof(sw_cfg_schema) / sizeof(sw_cfg_schema[0]);
