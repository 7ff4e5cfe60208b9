/* test_config.c - configuration loader, schema, dump, overrides (the parsers and CIDRs are in
 * test_parse.c, the limits on hostile YAML in test_config_limits.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <arpa/inet.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sw/alloc.h"
#include "sw/config.h"
#include "sw/log.h"
#include "sw/parse.h"

#include "config_test.h"


/* --- defaults --------------------------------------------------------------------------------- */

static void
check_defaults(const struct sw_config *c)
{
    assert_string_equal(c->agent.id, "");
    assert_string_equal(c->agent.user, "seawall");
    assert_string_equal(c->agent.group, "seawall");
    assert_string_equal(c->agent.state_dir, "/var/lib/seawall");
    assert_string_equal(c->agent.run_dir, "/run/seawall");
    assert_int_equal(c->agent.log_level, SW_LOG_NOTICE);

    assert_int_equal(c->network.n_interfaces, 1);
    assert_string_equal(c->network.interfaces[0].name, "eth0");
    assert_string_equal(c->network.interfaces[0].bpf, "");
    assert_int_equal(c->network.interfaces[0].snaplen, 65535);
    assert_int_equal(c->network.interfaces[0].buffer_size, 64 * MIB);
    assert_true(c->network.interfaces[0].promisc);
    assert_int_equal(c->network.workers, 2);
    assert_int_equal(c->network.home_net.n, 3);
    assert_cidr(&c->network.home_net.v[0], "10.0.0.0/8");
    assert_cidr(&c->network.home_net.v[1], "172.16.0.0/12");
    assert_cidr(&c->network.home_net.v[2], "192.168.0.0/16");
    assert_int_equal(c->network.max_flows, 1000000);
    assert_int_equal(c->network.timeouts.tcp_new, 30 * SEC);
    assert_int_equal(c->network.timeouts.tcp_established, 600 * SEC);
    assert_int_equal(c->network.timeouts.tcp_closed, 10 * SEC);
    assert_int_equal(c->network.timeouts.udp, 120 * SEC);
    assert_int_equal(c->network.timeouts.icmp, 30 * SEC);
    assert_int_equal(c->network.timeouts.other, 60 * SEC);
    assert_int_equal(c->network.fragments.memcap, 32 * MIB);
    assert_int_equal(c->network.fragments.timeout, 30 * SEC);
    assert_int_equal(c->network.fragments.max_trackers, 65536);
    assert_int_equal(c->network.stream.depth, MIB);
    assert_int_equal(c->network.stream.memcap, 256 * MIB);
    assert_int_equal(c->network.app.tls.encryption_handling, SW_TLS_ENC_TRACK_ONLY);
    assert_int_equal(c->network.decode.max_layers, 16);
    assert_true(c->network.decode.tunnels);
    assert_int_equal(c->network.decode.vxlan_port, 4789);
    assert_int_equal(c->network.ring_size, 64);
    assert_int_equal(c->network.batch_size, 256 * KIB);

    assert_string_equal(c->ndpi.protos_file, "");
    assert_string_equal(c->ndpi.categories_file, "");
    assert_string_equal(c->ndpi.risky_domains_file, "");
    assert_string_equal(c->ndpi.ja3_file, "");
    assert_string_equal(c->ndpi.sha1_file, "");
    assert_int_equal(c->ndpi.max_packets.tcp, 80);
    assert_int_equal(c->ndpi.max_packets.udp, 24);
    assert_int_equal(c->ndpi.risk_exceptions.risks.n, 0);
    assert_int_equal(c->ndpi.risk_exceptions.cidrs.n, 0);
    assert_int_equal(c->ndpi.risk_exceptions.hostnames.n, 0);

    assert_true(c->eve.community_id);
    assert_int_equal(c->eve.community_id_seed, 0);
    assert_int_equal(c->eve.anomaly_rate, 10);
    assert_string_equal(c->rules.dir, "/etc/seawall/rules");
    assert_false(c->rules.profiling);
    assert_int_equal(c->rules.profiling_limit, 20);
    assert_int_equal(c->files.paths.n, 0);
    assert_int_equal(c->files.exclude.n, 0);
    assert_int_equal(c->files.max_scan_size, 64 * MIB);
    assert_true(c->files.fim);

    assert_int_equal(c->n_outputs, 1);
    assert_string_equal(c->outputs[0].type, "file");
    assert_string_equal(c->outputs[0].path, "/var/log/seawall/eve.json");
    assert_null(c->outputs[0].address);
    assert_int_equal(c->outputs[0].types, (1u << SW_EV_ALERT) | (1u << SW_EV_FLOW) |
                                              (1u << SW_EV_FILEINFO) | (1u << SW_EV_FIM) |
                                              (1u << SW_EV_ANOMALY) | (1u << SW_EV_STATS));

    assert_string_equal(c->spool.dir, "/var/lib/seawall/spool");
    assert_int_equal(c->spool.max_size, GIB);
    assert_int_equal(c->spool.when_full, SW_WHEN_FULL_DROP_OLDEST);
    assert_int_equal(c->stats.interval, 60 * SEC);
}

static void
defaults_match_spec(void **state)
{
    struct sw_err err;
    struct sw_config *c = sw_cfg_defaults(&err);

    (void)state;
    assert_non_null(c);
    assert_string_equal(c->source, "defaults");
    check_defaults(c);
    sw_cfg_free(c);
    sw_cfg_free(NULL);
}

static void
empty_files_are_all_defaults(void **state)
{
    static const char *const docs[] = {"",    "\n", "# only a comment\n",
                                       "---\n", "~\n", "---\n...\n"};
    struct sw_err err;

    (void)state;
    for (size_t i = 0; i < sizeof(docs) / sizeof(docs[0]); i++) {
        struct sw_config *c = load_text(docs[i], &err, NULL);

        if (c == NULL)
            fail_msg("doc %zu: %s", i, err.msg);
        check_defaults(c);
        sw_cfg_free(c);
    }
}

static void
null_path_loads_defaults_and_overrides(void **state)
{
    static const char *const sets[] = {"network.workers=4"};
    struct sw_err err;
    struct sw_config *c = sw_cfg_load(NULL, sets, 1, NULL, NULL, &err);

    (void)state;
    assert_non_null(c);
    assert_int_equal(c->network.workers, 4);
    assert_string_equal(c->source, "defaults");
    sw_cfg_free(c);
}

/* --- a file with every key -------------------------------------------------------------------- */

/* Every key of the schema (this build implements them all: no SW_CFG_UNBUILT row left since
 * the sinks, the spool and the host side landed). */
static const char full_yaml[] =
    "agent:\n"
    "  id: sensor-01\n"
    "  user: nobody\n"
    "  group: nogroup\n"
    "  state_dir: /srv/seawall/state\n"
    "  run_dir: /srv/seawall/run\n"
    "  log_level: debug\n"
    "network:\n"
    "  interfaces:\n"
    "    - name: eth1\n"
    "      bpf: \"not port 22\"\n"
    "      snaplen: 1514\n"
    "      buffer_size: 128MiB\n"
    "      promisc: no\n"
    "    - {name: eth2}\n"
    "  workers: 8\n"
    "  max_flows: 2000000\n"
    "  timeouts:\n"
    "    tcp_new: 1m\n"
    "    tcp_established: 1h\n"
    "    tcp_closed: 5\n"
    "    udp: 90s\n"
    "    icmp: 15s\n"
    "    other: 45s\n"
    "  fragments: {memcap: 64MiB, timeout: 20s, max_trackers: 1024}\n"
    "  stream: {depth: 2MB, memcap: 1GiB}\n"
    "  decode: {max_layers: 8, tunnels: off, vxlan_port: 8472}\n"
    "  ring_size: 256\n"
    "  batch_size: 1MiB\n"
    "ndpi:\n"
    "  protos_file: /etc/seawall/protos.txt\n"
    "  categories_file: /etc/seawall/categories.txt\n"
    "  risky_domains_file: /etc/seawall/risky.txt\n"
    "  ja3_file: /etc/seawall/ja3.csv\n"
    "  sha1_file: /etc/seawall/sha1.csv\n"
    "  max_packets: {tcp: 40, udp: 12}\n"
    "  risk_exceptions:\n"
    "    risks: [NDPI_KNOWN_PROTOCOL_ON_NON_STANDARD_PORT, NDPI_TLS_SELFSIGNED_CERTIFICATE]\n"
    "    cidrs: [10.1.2.3/24]\n"
    "    hostnames: [\"*.example.org\", intranet.city.local]\n"
    "eve:\n"
    "  community_id: false\n"
    "  community_id_seed: 7\n"
    "  anomaly_rate: 0\n"
    "rules:\n"
    "  dir: /srv/rules\n"
    "outputs:\n"
    "  - type: file\n"
    "    path: /tmp/eve.json\n"
    "    types: [alert, engine]\n"
    "  - {type: stdout, types: [flow]}\n"
    "  - {type: tcp, address: siem.city.local:5514}\n"
    "  - {type: kafka, brokers: [k1:9092, k2:9092], topic: \"seawall-%{event_type}\",\n"
    "     kafka: {compression.type: zstd, linger.ms: 20, client.id: \"agent 1\"}}\n"
    "  - {type: http, url: \"https://es:9200\", username: elastic, password_file: /etc/pw,\n"
    "     gzip: true, index: \"ids-%Y.%m\", timeout: 5s, dead_letter: {max_size: 1MiB}}\n"
    "spool:\n"
    "  dir: /srv/spool\n"
    "  max_size: 10GiB\n"
    "  when_full: drop_newest\n"
    "stats:\n"
    "  interval: 5m\n";

static void
check_full(const struct sw_config *c)
{
    assert_string_equal(c->agent.id, "sensor-01");
    assert_string_equal(c->agent.user, "nobody");
    assert_string_equal(c->agent.group, "nogroup");
    assert_string_equal(c->agent.state_dir, "/srv/seawall/state");
    assert_string_equal(c->agent.run_dir, "/srv/seawall/run");
    assert_int_equal(c->agent.log_level, SW_LOG_DEBUG);
    assert_int_equal(c->network.n_interfaces, 2);
    assert_string_equal(c->network.interfaces[0].name, "eth1");
    assert_string_equal(c->network.interfaces[0].bpf, "not port 22");
    assert_int_equal(c->network.interfaces[0].snaplen, 1514);
    assert_int_equal(c->network.interfaces[0].buffer_size, 128 * MIB);
    assert_false(c->network.interfaces[0].promisc);
    assert_string_equal(c->network.interfaces[1].name, "eth2");
    assert_string_equal(c->network.interfaces[1].bpf, "");
    assert_int_equal(c->network.interfaces[1].snaplen, 65535);
    assert_true(c->network.interfaces[1].promisc);
    assert_int_equal(c->network.workers, 8);
    assert_int_equal(c->network.max_flows, 2000000);
    assert_int_equal(c->network.timeouts.tcp_new, 60 * SEC);
    assert_int_equal(c->network.timeouts.tcp_established, 3600 * SEC);
    assert_int_equal(c->network.timeouts.tcp_closed, 5 * SEC);
    assert_int_equal(c->network.timeouts.udp, 90 * SEC);
    assert_int_equal(c->network.timeouts.icmp, 15 * SEC);
    assert_int_equal(c->network.timeouts.other, 45 * SEC);
    assert_int_equal(c->network.fragments.memcap, 64 * MIB);
    assert_int_equal(c->network.fragments.timeout, 20 * SEC);
    assert_int_equal(c->network.fragments.max_trackers, 1024);
    assert_int_equal(c->network.stream.depth, 2000000);
    assert_int_equal(c->network.stream.memcap, GIB);
    assert_int_equal(c->network.decode.max_layers, 8);
    assert_false(c->network.decode.tunnels);
    assert_int_equal(c->network.decode.vxlan_port, 8472);
    assert_int_equal(c->network.ring_size, 256);
    assert_int_equal(c->network.batch_size, MIB);
    assert_string_equal(c->ndpi.protos_file, "/etc/seawall/protos.txt");
    assert_string_equal(c->ndpi.categories_file, "/etc/seawall/categories.txt");
    assert_string_equal(c->ndpi.risky_domains_file, "/etc/seawall/risky.txt");
    assert_string_equal(c->ndpi.ja3_file, "/etc/seawall/ja3.csv");
    assert_string_equal(c->ndpi.sha1_file, "/etc/seawall/sha1.csv");
    assert_int_equal(c->ndpi.max_packets.tcp, 40);
    assert_int_equal(c->ndpi.max_packets.udp, 12);
    assert_int_equal(c->ndpi.risk_exceptions.risks.n, 2);
    assert_string_equal(c->ndpi.risk_exceptions.risks.v[1], "NDPI_TLS_SELFSIGNED_CERTIFICATE");
    assert_int_equal(c->ndpi.risk_exceptions.cidrs.n, 1);
    assert_cidr(&c->ndpi.risk_exceptions.cidrs.v[0], "10.1.2.0/24");
    assert_int_equal(c->ndpi.risk_exceptions.hostnames.n, 2);
    assert_string_equal(c->ndpi.risk_exceptions.hostnames.v[0], "*.example.org");
    assert_false(c->eve.community_id);
    assert_int_equal(c->eve.community_id_seed, 7);
    assert_int_equal(c->eve.anomaly_rate, 0);
    assert_string_equal(c->rules.dir, "/srv/rules");
    assert_int_equal(c->n_outputs, 5);
    assert_string_equal(c->outputs[2].type, "tcp");
    assert_null(c->outputs[2].path);
    assert_string_equal(c->outputs[2].address, "siem.city.local:5514");
    assert_int_equal(c->outputs[2].types, SW_EV_ALL);
    assert_int_equal(c->outputs[3].brokers.n, 2);
    assert_string_equal(c->outputs[3].topic, "seawall-%{event_type}");
    assert_int_equal(c->outputs[3].kafka.n, 6);
    assert_string_equal(c->outputs[3].kafka.v[4], "client.id");
    assert_string_equal(c->outputs[3].kafka.v[5], "agent 1");
    assert_string_equal(c->outputs[4].url, "https://es:9200");
    assert_true(c->outputs[4].gzip);
    assert_int_equal(c->outputs[4].timeout, 5 * SEC);
    assert_int_equal(c->outputs[4].dead_letter.max_size, MIB);
    assert_true(c->outputs[4].ack); /* the default */
    assert_string_equal(c->spool.dir, "/srv/spool");
    assert_int_equal(c->spool.max_size, 10 * GIB);
    assert_int_equal(c->spool.when_full, SW_WHEN_FULL_DROP_NEWEST);
    assert_string_equal(c->outputs[0].type, "file");
    assert_string_equal(c->outputs[0].path, "/tmp/eve.json");
    assert_null(c->outputs[0].address);
    assert_int_equal(c->outputs[0].types, (1u << SW_EV_ALERT) | (1u << SW_EV_ENGINE));
    assert_string_equal(c->outputs[1].type, "stdout");
    assert_null(c->outputs[1].path);
    assert_int_equal(c->outputs[1].types, 1u << SW_EV_FLOW);
    assert_int_equal(c->stats.interval, 300 * SEC);
}

static void
full_file_sets_every_key(void **state)
{
    struct sw_err err;
    struct msgs m = {0};
    struct sw_config *c = load_text(full_yaml, &err, &m);

    (void)state;
    if (c == NULL)
        fail_msg("%s", err.msg);
    assert_int_equal(m.n, 0);
    check_full(c);
    sw_cfg_free(c);
}

static void
buffer_entry_loads_like_a_file(void **state)
{
    struct sw_err err;
    struct sw_config *c =
        sw_cfg_load_buffer("mem.yaml", full_yaml, strlen(full_yaml), NULL, 0, NULL, NULL, &err);

    (void)state;
    assert_non_null(c);
    assert_string_equal(c->source, "mem.yaml");
    check_full(c);
    sw_cfg_free(c);
}

static void
shipped_config_loads_and_shows_defaults(void **state)
{
    struct sw_err err;
    struct msgs m = {0};
    struct sw_config *c = sw_cfg_load("agent/seawall.yaml", NULL, 0, collect, &m, &err);
    char *text, *line, *cur;
    size_t lines = 0;

    (void)state;
    if (c == NULL)
        fail_msg("%s", err.msg);
    check_defaults(c);
    /* The shipped file shows every default, so every dumped key is marked as one. */
    text = dump_text(c);
    cur = text;
    while ((line = next_line(&cur)) != NULL) {
        size_t len = strlen(line);

        lines++;
        if (len < 11 || strcmp(line + len - 11, "  # default") != 0)
            fail_msg("not a default: %s", line);
    }
    assert_int_equal(lines, 84); /* every key of the schema: all in this build, all dumped */
    free(text);
    sw_cfg_free(c);
}

/* --- broken configs --------------------------------------------------------------------------- */

struct bad_case {
    const char *yaml;
    const char *msg; /* after "<path>:" */
};

static const struct bad_case bad_cases[] = {
    {"agent:\n  id: x\nnetwork:\n  workers: 0\n",
     "4:12: network.workers: 0 is below the minimum 1"},
    {"network:\n  workers: 65\n", "2:12: network.workers: 65 is above the maximum 64"},
    {"network:\n  workers: two\n", "2:12: network.workers: expected an integer, got 'two'"},
    {"network:\n  workers: -1\n", "2:12: network.workers: expected an integer, got '-1'"},
    {"network:\n  workers: 99999999999999999999999\n",
     "2:12: network.workers: 99999999999999999999999 is too large"},
    {"network:\n  workers: [1]\n", "2:12: network.workers: expected an integer, got a sequence"},
    {"network:\n  workers: {a: 1}\n",
     "2:12: network.workers: expected an integer, got a mapping"},
    {"network:\n  workers:\n", "2:11: network.workers: expected an integer, got no value"},
    {"network:\n  wrokers: 4\n", "2:3: network.wrokers: unknown key"},
    {"netwrok:\n  workers: 4\n", "1:1: netwrok: unknown key"},
    {"network.workers: 4\n", "1:1: network.workers: unknown key"},
    {"network:\n  workers: 2\n  workers: 3\n",
     "3:3: network.workers: duplicate key (first at line 2, column 3)"},
    {"network: {}\nnetwork: {}\n", "2:1: network: duplicate key (first at line 1, column 1)"},
    {"network: 5\n", "1:10: network: expected a mapping, got a scalar"},
    {"- a\n- b\n", "1:1: the top level must be a mapping, got a sequence"},
    {"just text\n", "1:1: the top level must be a mapping, got a scalar"},
    {"network: {workers: 2\n",
     "2:1: invalid YAML: did not find expected ',' or '}' (while parsing a flow mapping at "
     "line 1, column 10)"},
    {"network:\n\tworkers: 2\n",
     "2:1: invalid YAML: found character that cannot start any token (while scanning for the "
     "next token at line 2, column 1)"},
    {"agent:\n  id: \xff\n", "2:7: invalid YAML: invalid leading UTF-8 octet"},
    {"agent:\n  id: \"a\\0b\"\n", "2:7: a value contains a NUL character"},
    {"---\na: 1\n---\nb: 2\n", "3:1: only one YAML document is allowed"},
    {"? [a]\n: b\n", "1:3: a key must be a scalar, got a sequence"},
    {"agent:\n  log_level: verbose\n",
     "2:14: agent.log_level: 'verbose' is not one of error, warning, notice, info, debug"},
    {"agent:\n  user: \"\"\n", "2:9: agent.user: must not be empty"},
    {"agent:\n  user: [a]\n", "2:9: agent.user: expected a string, got a sequence"},
    {"network:\n  home_net: [10.0.0.0/33]\n",
     "2:14: network.home_net[0]: '10.0.0.0/33' is not an IP address or CIDR"},
    {"network:\n  home_net: [10.0.0.0/8, 300.1.1.1]\n",
     "2:26: network.home_net[1]: '300.1.1.1' is not an IP address or CIDR"},
    {"network:\n  home_net: {a: b}\n", "2:13: network.home_net: expected a list, got a mapping"},
    {"network:\n  timeouts:\n    udp: 0s\n",
     "3:10: network.timeouts.udp: 0s is below the minimum 1s"},
    {"network:\n  timeouts:\n    udp: 2d\n",
     "3:10: network.timeouts.udp: 2d is above the maximum 1d"},
    {"network:\n  timeouts:\n    udp: 10x\n",
     "3:10: network.timeouts.udp: expected a duration such as 30s, got '10x'"},
    {"network:\n  timeouts:\n    tcp_fin: 10s\n", "3:5: network.timeouts.tcp_fin: unknown key"},
    {"network:\n  stream:\n    depth: 99999999999TiB\n",
     "3:12: network.stream.depth: 99999999999TiB is too large"},
    {"network:\n  stream:\n    depth: 10x\n",
     "3:12: network.stream.depth: expected a size such as 64MiB, got '10x'"},
    {"network:\n  stream:\n    depth: -1MiB\n",
     "3:12: network.stream.depth: expected a size such as 64MiB, got '-1MiB'"},
    {"network:\n  batch_size: 1KiB\n",
     "2:15: network.batch_size: 1KiB is below the minimum 64KiB"},
    {"network:\n  batch_size: 32MiB\n",
     "2:15: network.batch_size: 32MiB is above the maximum 16MiB"},
    {"network:\n  ring_size: 100\n", "2:14: network.ring_size: 100 is not a power of two"},
    {"network:\n  decode:\n    tunnels: maybe\n",
     "3:14: network.decode.tunnels: expected true or false, got 'maybe'"},
    {"network:\n  decode:\n    vxlan_port: 65536\n",
     "3:17: network.decode.vxlan_port: 65536 is above the maximum 65535"},
    {"network:\n  max_flows: 0\n", "2:14: network.max_flows: 0 is below the minimum 1"},
    {"network:\n  interfaces:\n    - bpf: tcp\n",
     "3:7: network.interfaces[0]: missing the required key name"},
    {"network:\n  interfaces:\n    - name: eth0\n      snaplen: 10\n",
     "4:16: network.interfaces[0].snaplen: 10 is below the minimum 64"},
    {"network:\n  interfaces:\n    - name: eth0\n      mtu: 1500\n",
     "4:7: network.interfaces[0].mtu: unknown key"},
    {"network:\n  interfaces: [{name: eth0}, {name: eth0}]\n",
     "2:30: network.interfaces[1]: name 'eth0' is already used by network.interfaces[0]"},
    {"network:\n  interfaces: [eth0]\n",
     "2:16: network.interfaces[0]: expected a mapping, got a scalar"},
    {"outputs:\n  - type: tcp\n", "2:5: outputs[0]: a tcp sink needs an address"},
    {"outputs:\n  - type: file\n", "2:5: outputs[0]: a file sink needs a path"},
    {"outputs:\n  - path: /x\n", "2:5: outputs[0]: missing the required key type"},
    {"outputs:\n  - type: carrier-pigeon\n",
     "2:11: outputs[0].type: 'carrier-pigeon' is not one of file, stdout, syslog, tcp, http, "
     "kafka"},
    {"outputs:\n  - type: file\n    path: /tmp/x\n    types: [alert, dns]\n",
     "4:20: outputs[0].types[1]: 'dns' is not one of alert, flow, fileinfo, fim, anomaly, stats, "
     "engine, rule_profile"},
    {"outputs:\n  - type: stdout\n    types: []\n", "3:12: outputs[0].types: must not be empty"},
    {"spool:\n  when_full: panic\n",
     "2:14: spool.when_full: 'panic' is not one of drop_oldest, drop_newest"},
    {"ndpi:\n  risk_exceptions:\n    risks: [tls_cert_expired]\n",
     "3:13: ndpi.risk_exceptions.risks[0]: 'tls_cert_expired' is not an nDPI risk name "
     "(NDPI_...)"},
    {"ndpi:\n  risk_exceptions:\n    hostnames: [\"bad host\"]\n",
     "3:17: ndpi.risk_exceptions.hostnames[0]: 'bad host' is not a host name or *.suffix"},
    {"ndpi:\n  max_packets: {tcp: 0}\n",
     "2:22: ndpi.max_packets.tcp: 0 is below the minimum 1"},
    {"eve:\n  community_id_seed: 70000\n",
     "2:22: eve.community_id_seed: 70000 is above the maximum 65535"},
    {"stats:\n  interval: 500ms\n", "2:13: stats.interval: 500ms is below the minimum 1s"},
    {"files:\n  paths: [/srv, [a]]\n",
     "2:17: files.paths[1]: expected a string, got a sequence"},
    {"files:\n  paths: [\"\"]\n", "2:11: files.paths[0]: '' is not an absolute path"},
    {"files:\n  paths: [/]\n",
     "2:11: files.paths[0]: '/' is the root directory: name the trees to watch"},
    {"files:\n  paths: [/srv//www]\n",
     "2:11: files.paths[0]: '/srv//www' has an empty path component"},
    {"files:\n  scan_interval: 500ms\n",
     "2:18: files.scan_interval: 500ms is below the minimum 1s"},
    {"files:\n  mode: dnotify\n",
     "2:9: files.mode: 'dnotify' is not one of auto, fanotify, fanotify-dirs, inotify, scan"},
    {"files:\n  scan_threads: 33\n", "2:17: files.scan_threads: 33 is above the maximum 32"},
    {"rules:\n  dir: *nope\n", "2:8: alias *nope names no complete anchor before it"},
    {"a: &a [*a]\n", "1:8: alias *a names no complete anchor before it"},
};

static void
broken_configs_name_file_line_column_key(void **state)
{
    char want[SW_ERR_MSG_MAX + 128];

    (void)state;
    assert_true(sizeof(bad_cases) / sizeof(bad_cases[0]) >= 30);
    for (size_t i = 0; i < sizeof(bad_cases) / sizeof(bad_cases[0]); i++) {
        struct sw_err err;
        struct msgs m = {0};
        struct sw_config *c = load_text(bad_cases[i].yaml, &err, &m);

        snprintf(want, sizeof(want), "%s/seawall.yaml:%s", tmpdir, bad_cases[i].msg);
        if (c != NULL)
            fail_msg("case %zu accepted: %s", i, bad_cases[i].yaml);
        if (strcmp(err.msg, want) != 0)
            fail_msg("case %zu:\n got: %s\nwant: %s", i, err.msg, want);
        assert_int_equal(err.code, SW_EINVAL);
        assert_true(m.n >= 1);
        assert_string_equal(m.m[0], want);
    }
}

/* Issue 14: rules.profiling is the one switch, rules.profile_file only names where the table
 * goes: the file without the switch is refused (it would do nothing), in the file or through
 * --set in any order; with the switch it loads. */
static void
profile_file_needs_profiling(void **state)
{
    static const char *const on[] = {"rules.profile_file=/tmp/p.txt", "rules.profiling=true"};
    struct sw_err err;
    struct msgs m = {0};
    struct sw_config *c;
    char want[256];

    (void)state;
    c = load_text("rules:\n  profile_file: /tmp/p.txt\n", &err, &m);
    assert_null(c);
    snprintf(want, sizeof(want),
             "%s/seawall.yaml: rules.profile_file: names where the rule profile goes, but "
             "rules.profiling is false (turn it on, or leave rules.profile_file empty)",
             tmpdir);
    assert_string_equal(err.msg, want);
    c = load_text("rules:\n  profile_file: /tmp/p.txt\n  profiling: true\n", &err, NULL);
    assert_non_null(c);
    assert_true(c->rules.profiling);
    assert_string_equal(c->rules.profile_file, "/tmp/p.txt");
    sw_cfg_free(c);
    c = load_text("rules:\n  profiling: false\n", &err, NULL);
    assert_non_null(c);
    sw_cfg_free(c);
    c = sw_cfg_load(NULL, on, 1, NULL, NULL, &err);
    assert_null(c);
    assert_non_null(strstr(err.msg, "rules.profile_file: names where the rule profile goes"));
    c = sw_cfg_load(NULL, on, 2, NULL, NULL, &err);
    assert_non_null(c);
    sw_cfg_free(c);
}

static void
every_error_is_reported(void **state)
{
    static const char yaml[] = "network:\n"
                               "  workers: 0\n"
                               "  bogus: 1\n"
                               "  timeouts: {udp: 1x}\n"
                               "outputs:\n"
                               "  - {type: tcp}\n"
                               "stats: {interval: 0}\n";
    struct sw_err err;
    struct msgs m = {0};
    struct sw_config *c;
    char want[256];

    (void)state;
    c = load_text(yaml, &err, &m);
    assert_null(c);
    assert_int_equal(m.n, 5);
    snprintf(want, sizeof(want), "%s/seawall.yaml:2:12: network.workers: 0 is below the minimum 1",
             tmpdir);
    assert_string_equal(err.msg, want);
    assert_string_equal(m.m[0], want);
    assert_non_null(strstr(m.m[1], ":3:3: network.bogus: unknown key"));
    assert_non_null(strstr(m.m[2], ":4:19: network.timeouts.udp: expected a duration"));
    assert_non_null(strstr(m.m[3], ":6:5: outputs[0]: a tcp sink needs an address"));
    assert_non_null(strstr(m.m[4], ":7:19: stats.interval: 0 is below the minimum 1s"));
}

static void
control_bytes_in_messages_are_masked(void **state)
{
    struct sw_err err;
    struct sw_config *c = load_text("\"a\\x1b[31mb\": 1\n", &err, NULL);

    (void)state;
    assert_null(c);
    assert_non_null(strstr(err.msg, ":1:1: a?[31mb: unknown key"));
}

static void
file_errors(void **state)
{
    struct sw_err err;
    struct sw_config *c;
    char path[128], want[256];
    char *big;
    size_t n = SW_CFG_MAX_BYTES + 1;

    (void)state;
    snprintf(path, sizeof(path), "%s/missing.yaml", tmpdir);
    c = sw_cfg_load(path, NULL, 0, NULL, NULL, &err);
    assert_null(c);
    assert_int_equal(err.code, SW_EIO);
    snprintf(want, sizeof(want), "%s: No such file or directory", path);
    assert_string_equal(err.msg, want);

    snprintf(path, sizeof(path), "%s/dir", tmpdir);
    assert_int_equal(mkdir(path, 0700), 0);
    c = sw_cfg_load(path, NULL, 0, NULL, NULL, &err);
    assert_null(c);
    assert_int_equal(err.code, SW_EIO);
    snprintf(want, sizeof(want), "%s: Is a directory", path);
    assert_string_equal(err.msg, want);

    /* One byte over the cap: a comment, so only the size can be the problem. */
    big = malloc(n);
    assert_non_null(big);
    memset(big, ' ', n);
    big[0] = '#';
    write_file("big.yaml", big, n);
    snprintf(path, sizeof(path), "%s/big.yaml", tmpdir);
    c = sw_cfg_load(path, NULL, 0, NULL, NULL, &err);
    assert_null(c);
    snprintf(want, sizeof(want), "%s: larger than the 1048576-byte limit of a config file", path);
    assert_string_equal(err.msg, want);
    c = sw_cfg_load_buffer("mem", big, n, NULL, 0, NULL, NULL, &err);
    assert_null(c);
    assert_string_equal(err.msg, "mem: larger than the 1048576-byte limit of a config file");
    /* Exactly at the cap is fine. */
    write_file("big.yaml", big, n - 1);
    c = sw_cfg_load(path, NULL, 0, NULL, NULL, &err);
    assert_non_null(c);
    sw_cfg_free(c);
    free(big);
}

/* --- overrides -------------------------------------------------------------------------------- */

static void
overrides_apply_after_the_file(void **state)
{
    static const char *const sets[] = {
        "network.workers=8",
        "agent.id=web 1 # not a comment",
        "ndpi.risk_exceptions.cidrs=[10.0.0.0/8, \"fd00::/8\"]",
        "network.interfaces=[{name: eth1, promisc: false}, {name: eth2}]",
        "network.timeouts={udp: 60s}",
        "ndpi.risk_exceptions.risks=NDPI_URL_POSSIBLE_XSS",
        "outputs=[{type: stdout}]",
        "agent.group=staff",
        "agent.group=wheel",
        "ndpi.risk_exceptions.hostnames=",
        "network.interfaces[0].bpf=x",
    };
    struct sw_err err;
    struct msgs m = {0};
    const char *path = write_file("seawall.yaml", "network:\n  workers: 4\n  bogus: 1\n", 33);
    struct sw_config *c;

    (void)state;
    /* The file's error and the bad last override are both reported. */
    c = sw_cfg_load(path, sets, sizeof(sets) / sizeof(sets[0]), collect, &m, &err);
    assert_null(c);
    assert_int_equal(m.n, 2);
    assert_non_null(strstr(m.m[0], "network.bogus: unknown key"));
    assert_string_equal(m.m[1], "--set network.interfaces[0].bpf: unknown key");

    path = write_file("seawall.yaml", "network:\n  workers: 4\n", 22);
    c = sw_cfg_load(path, sets, sizeof(sets) / sizeof(sets[0]) - 1, NULL, NULL, &err);
    if (c == NULL)
        fail_msg("%s", err.msg);
    assert_int_equal(c->network.workers, 8);
    assert_string_equal(c->agent.id, "web 1 # not a comment");
    assert_int_equal(c->ndpi.risk_exceptions.cidrs.n, 2);
    assert_cidr(&c->ndpi.risk_exceptions.cidrs.v[1], "fd00::/8");
    assert_int_equal(c->network.n_interfaces, 2);
    assert_string_equal(c->network.interfaces[0].name, "eth1");
    assert_false(c->network.interfaces[0].promisc);
    assert_true(c->network.interfaces[1].promisc);
    assert_int_equal(c->network.timeouts.udp, 60 * SEC);
    assert_int_equal(c->network.timeouts.tcp_new, 30 * SEC);
    assert_int_equal(c->ndpi.risk_exceptions.risks.n, 1);
    assert_string_equal(c->ndpi.risk_exceptions.risks.v[0], "NDPI_URL_POSSIBLE_XSS");
    assert_int_equal(c->n_outputs, 1);
    assert_string_equal(c->outputs[0].type, "stdout");
    assert_int_equal(c->outputs[0].types, SW_EV_ALL);
    assert_string_equal(c->agent.group, "wheel");
    assert_int_equal(c->ndpi.risk_exceptions.hostnames.n, 0);
    sw_cfg_free(c);
}

static void
bad_overrides_name_the_key(void **state)
{
    static const struct {
        const char *set, *msg;
    } cases[] = {
        {"network.workers=0", "--set network.workers: 0 is below the minimum 1"},
        {"network.workers=", "--set network.workers: expected an integer, got no value"},
        {"network.workers=[1]", "--set network.workers: expected an integer, got '[1]'"},
        {"network.wrokers=4", "--set network.wrokers: unknown key"},
        {"workers", "--set workers: expected key.path=value"},
        {"=4", "--set (empty key): unknown key"},
        {"agent.user=", "--set agent.user: must not be empty"},
        {"agent.log_level=loud",
         "--set agent.log_level: 'loud' is not one of error, warning, notice, info, debug"},
        {"network.home_net=[10.0.0.0/8, bad]",
         "--set network.home_net[1]: 'bad' is not an IP address or CIDR"},
        {"network.home_net=[10.0.0.0/8",
         "--set network.home_net: invalid YAML: did not find expected ',' or ']'"},
        {"network.home_net={a: b}", "--set network.home_net: expected a list, got a mapping"},
        {"network=5", "--set network: expected a mapping, got a scalar"},
        {"network.timeouts={udp: 0}",
         "--set network.timeouts.udp: 0 is below the minimum 1s"},
        {"network.interfaces=[{bpf: x}]",
         "--set network.interfaces[0]: missing the required key name"},
        {"network.interfaces=[{name: a}, {name: a}]",
         "--set network.interfaces[1]: name 'a' is already used by network.interfaces[0]"},
        {"network.timeouts={udp: 5s, udp: 6s}", "--set network.timeouts.udp: duplicate key"},
        {"outputs=[{type: http}]", "--set outputs[0]: an http sink needs a url"},
        {"outputs=[{type: http, url: \"ftp://es:21\"}]",
         "--set outputs[0]: url: must start with http:// or https://"},
        {"outputs=[{type: http, url: \"http://es:9200\", format: splunk}]",
         "--set outputs[0]: format splunk needs the HEC token"},
        {"outputs=[{type: http, url: \"http://es:9200\", index: \"Seawall-%Y\"}]",
         "--set outputs[0]: index: not an Elasticsearch index name once formatted (lower case; "
         "none of \\/*?\"<>| ,#:; not starting with -_+)"},
        {"outputs=[{type: http, url: \"http://es:9200\", index: \"ids-%b\"}]",
         "--set outputs[0]: index: not an Elasticsearch index name once formatted (lower case; "
         "none of \\/*?\"<>| ,#:; not starting with -_+)"},
        {"outputs=[{type: http, url: \"http://es:9200\", username: u}]",
         "--set outputs[0]: username and password_file go together"},
        {"outputs=[{type: tcp, address: \"a:1\", topic: t}]",
         "--set outputs[0]: brokers, topic, key and kafka are kafka keys"},
        {"outputs=[{type: kafka, brokers: [\"k:9092\"], topic: \"a b\"}]",
         "--set outputs[0]: topic: only letters, digits, '.', '_', '-' and %{event_type}"},
        {"outputs=[{type: kafka, brokers: [\"k:9092\"], kafka: {no.such.property: 1}}]",
         "--set outputs[0].kafka.no.such.property: '1': librdkafka: No such configuration "
         "property: \"no.such.property\""},
        {"outputs=[{type: kafka, brokers: [\"k:9092\"], kafka: {linger.ms: [1]}}]",
         "--set outputs[0].kafka.linger.ms: expected a string, got a sequence"},
    };

    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct sw_err err;
        struct msgs m = {0};
        const char *sets[] = {"network.workers=3", cases[i].set};
        struct sw_config *c = sw_cfg_load(NULL, sets, 2, collect, &m, &err);

        if (c != NULL)
            fail_msg("case %zu accepted: %s", i, cases[i].set);
        if (strcmp(err.msg, cases[i].msg) != 0)
            fail_msg("case %zu:\n got: %s\nwant: %s", i, err.msg, cases[i].msg);
        assert_int_equal(m.n, 1);
    }
}

/* --- dump, doc, restart keys ------------------------------------------------------------------ */

static void
dump_marks_defaults_and_formats_values(void **state)
{
    static const char *const sets[] = {
        "network.workers=4",
        "network.timeouts.udp=90",
        "ndpi.risk_exceptions.cidrs=[10.0.0.0/8, \"::/0\"]",
        "agent.id=a \"b\"",
        "ndpi.risk_exceptions.hostnames=[\"*.tmp\", yes]",
        "outputs=[{type: tcp, address: \"siem:514\", types: [alert]}]",
        "network.stream.depth=1000000",
        "network.batch_size=65537",
    };
    struct sw_err err;
    struct sw_config *c = sw_cfg_load(NULL, sets, sizeof(sets) / sizeof(sets[0]), NULL, NULL, &err);
    char *text;

    (void)state;
    if (c == NULL)
        fail_msg("%s", err.msg);
    text = dump_text(c);
    assert_non_null(strstr(text, "agent.user: seawall  # default\n"));
    assert_non_null(strstr(text, "agent.id: \"a \\\"b\\\"\"\n"));
    assert_non_null(strstr(text, "agent.log_level: notice  # default\n"));
    assert_non_null(strstr(text, "network.interfaces: [{name: eth0, bpf: \"\", snaplen: 65535, "
                                 "buffer_size: 64MiB, promisc: true}]  # default\n"));
    assert_non_null(strstr(text, "network.workers: 4\n"));
    assert_non_null(strstr(text, "ndpi.risk_exceptions.cidrs: [10.0.0.0/8, \"::/0\"]\n"));
    assert_non_null(strstr(text, "network.timeouts.tcp_established: 10m  # default\n"));
    assert_non_null(strstr(text, "network.timeouts.udp: 90s\n"));
    assert_non_null(strstr(text, "network.stream.depth: 1MB\n"));
    assert_non_null(strstr(text, "network.batch_size: 65537\n"));
    assert_non_null(strstr(text, "network.ring_size: 64  # default\n"));
    assert_non_null(strstr(text, "ndpi.risk_exceptions.risks: []  # default\n"));
    assert_non_null(strstr(text, "ndpi.risk_exceptions.hostnames: [\"*.tmp\", \"yes\"]\n"));
    assert_non_null(strstr(text, "outputs: [{type: tcp, address: siem:514, types: [alert], "
                                 "max_message_size: 64KiB}]\n"));
    assert_non_null(strstr(text, "spool.max_size: 1GiB  # default\n"));
    assert_non_null(strstr(text, "files.mode: auto  # default\n"));
    /* $HOME_NET of the Suricata rules: built, so dumped */
    assert_non_null(strstr(text, "network.home_net: [10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16]"
                                 "  # default\n"));
    assert_non_null(strstr(text, "stats.interval: 1m  # default\n"));
    assert_null(strstr(text, "tcp_new: 30s\n")); /* is a default: marked */
    free(text);
    sw_cfg_free(c);
}

static void
dumped_values_load_back(void **state)
{
    struct sw_err err;
    struct sw_config *a = load_text(full_yaml, &err, NULL), *b;
    char *text, *line, *cur, *sets[128];
    size_t n = 0;
    char *ta, *tb;

    (void)state;
    assert_non_null(a);
    /* Every dumped line, minus its marker, is a valid --set override. */
    text = dump_text(a);
    cur = text;
    while ((line = next_line(&cur)) != NULL) {
        char *colon = strstr(line, ": "), *mark = strstr(line, "  # default");

        assert_non_null(colon);
        if (mark != NULL)
            *mark = '\0';
        memmove(colon + 1, colon + 2, strlen(colon + 2) + 1);
        *colon = '=';
        /* Plain scalars go in as text: drop the quotes the dump added. */
        if (colon[1] == '"' && strchr(line, '[') == NULL) {
            size_t len = strlen(colon + 2);

            memmove(colon + 1, colon + 2, len + 1);
            colon[len] = '\0';
        }
        assert_true(n < 128);
        sets[n++] = line;
    }
    b = sw_cfg_load(NULL, (const char *const *)sets, n, NULL, NULL, &err);
    if (b == NULL)
        fail_msg("%s", err.msg);
    ta = dump_text(a);
    tb = dump_text(b);
    assert_string_equal(ta, tb);
    assert_int_equal(sw_cfg_restart_changes(a, b, NULL, NULL), 0);
    free(ta);
    free(tb);
    free(text);
    sw_cfg_free(a);
    sw_cfg_free(b);
}

static void
restart_only_changes_are_listed(void **state)
{
    static const char *const sets[] = {"network.workers=3", "stats.interval=10s",
                                       "outputs=[{type: stdout}]"};
    struct sw_err err;
    struct sw_config *a = sw_cfg_defaults(&err);
    struct sw_config *b = sw_cfg_load(NULL, sets, 3, NULL, NULL, &err);
    struct msgs m = {0};

    (void)state;
    assert_non_null(a);
    assert_non_null(b);
    assert_int_equal(sw_cfg_restart_changes(a, b, collect, &m), 2);
    assert_string_equal(m.m[0], "network.workers");
    assert_string_equal(m.m[1], "outputs");
    sw_cfg_free(a);
    sw_cfg_free(b);
}

static void
doc_lists_every_key(void **state)
{
    int fd = memfd_create("doc", 0);
    char buf[65536];
    ssize_t n;

    (void)state;
    assert_true(fd >= 0);
    sw_cfg_doc(fd);
    n = pread(fd, buf, sizeof(buf) - 1, 0);
    assert_true(n > 0);
    buf[n] = '\0';
    close(fd);
    assert_non_null(strstr(buf, "| key | type | default | range | description |\n"));
    assert_non_null(strstr(buf, "| `network.workers` | integer | `2` | 1..64 | "));
    assert_non_null(strstr(buf, "| `network.batch_size` | size | `256KiB` | 64KiB..16MiB | "));
    assert_non_null(strstr(buf, "| `network.interfaces[].name` | string | required | "));
    assert_non_null(strstr(buf, "| `stats.interval` | duration | `60s` | 1s..1d | "));
}

/* config check shows that a token is set, never the token. */
static void
dump_hides_the_http_token(void **state)
{
    static const char yaml[] = "outputs:\n  - {type: http, url: \"https://hec:8088\", "
                               "format: splunk, token: 0123-secret-4567}\n";
    struct sw_err err;
    struct sw_config *c = load_text(yaml, &err, NULL);
    char *text;

    (void)state;
    if (c == NULL)
        fail_msg("%s", err.msg);
    assert_string_equal(c->outputs[0].token, "0123-secret-4567");
    text = dump_text(c);
    assert_null(strstr(text, "0123-secret-4567"));
    assert_non_null(strstr(text, "token: \"(secret)\""));
    free(text);
    sw_cfg_free(c);
}

/* --- allocation failures ---------------------------------------------------------------------- */

static void
allocation_failures_fail_cleanly(void **state)
{
    static const char *const sets[] = {
        "network.workers=8", "ndpi.risk_exceptions.cidrs=[10.0.0.0/8]",
        "outputs=[{type: stdout}, {type: kafka, address: \"k:9092\", kafka: {acks: 1}}]"};
    const char *path = write_file("seawall.yaml", full_yaml, strlen(full_yaml));
    unsigned long n;

    (void)state;
    for (n = 1; n < 100000; n++) {
        struct sw_err err;
        struct msgs m = {0};
        struct sw_config *c;

        sw_alloc_fail_at(n);
        c = sw_cfg_load(path, sets, 3, collect, &m, &err);
        sw_alloc_fail_at(0);
        if (c != NULL) {
            assert_int_equal(c->network.workers, 8);
            sw_cfg_free(c);
            break;
        }
        if (err.code != SW_ENOMEM)
            fail_msg("n=%lu: %s", n, err.msg);
        assert_true(m.n >= 1);
    }
    assert_true(n > 100); /* the sweep went through the whole load */

    for (n = 1; n < 100000; n++) {
        struct sw_err err;
        struct sw_config *c;

        sw_alloc_fail_at(n);
        c = sw_cfg_defaults(&err);
        sw_alloc_fail_at(0);
        if (c != NULL) {
            sw_cfg_free(c);
            break;
        }
        assert_int_equal(err.code, SW_ENOMEM);
        assert_string_equal(err.msg, "defaults: out of memory");
    }
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(defaults_match_spec),
        cmocka_unit_test(empty_files_are_all_defaults),
        cmocka_unit_test(null_path_loads_defaults_and_overrides),
        cmocka_unit_test(full_file_sets_every_key),
        cmocka_unit_test(buffer_entry_loads_like_a_file),
        cmocka_unit_test(shipped_config_loads_and_shows_defaults),
        cmocka_unit_test(broken_configs_name_file_line_column_key),
        cmocka_unit_test(every_error_is_reported),
        cmocka_unit_test(profile_file_needs_profiling),
        cmocka_unit_test(control_bytes_in_messages_are_masked),
        cmocka_unit_test(file_errors),
        cmocka_unit_test(overrides_apply_after_the_file),
        cmocka_unit_test(bad_overrides_name_the_key),
        cmocka_unit_test(dump_hides_the_http_token),
        cmocka_unit_test(dump_marks_defaults_and_formats_values),
        cmocka_unit_test(dumped_values_load_back),
        cmocka_unit_test(restart_only_changes_are_listed),
        cmocka_unit_test(doc_lists_every_key),
        cmocka_unit_test(allocation_failures_fail_cleanly),
    };

    return cmocka_run_group_tests(tests, setup_dir, teardown_dir);
}
