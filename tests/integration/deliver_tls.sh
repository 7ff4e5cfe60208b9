#!/bin/sh
# deliver_tls.sh SEAWALL - TLS failures of a syslog sink (transport: tls) against rsyslog's
# OpenSSL stream driver requiring client certificates (tests/integration/deliver.inc). For
# each of: a server name the receiver's certificate does not carry, a CA that did not sign
# it, a client certificate from a CA the receiver does not trust:
#   - exactly one error line in the log, naming the cause;
#   - nothing acknowledged, every alert spooled (spooled_events), none lost;
#   - with the configuration corrected (same sink name: same spool), the next run delivers
#     every spooled alert once, in order;
# and a refused client certificate replaced on disk is read again on SIGHUP: the same run
# then delivers what waited.
# Everything (namespace, processes, files) is removed at the end, also on failure.
SW=$(realpath "${1:?usage: deliver_tls.sh SEAWALL}")
cd "$(dirname "$0")/../.." || exit 2
T=$(mktemp -d /tmp/seawall-deliver-tls.XXXXXX)
. tests/integration/deliver.inc
if ! dl_available; then
    rm -rf "$T"
    echo "skipped: needs root, network namespaces, tcpreplay, openssl and rsyslog with" \
        "rsyslog-openssl"
    exit 77
fi
cleanup() {
    dl_teardown
    rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 1' INT TERM
pass=0 fail=0
ok() { pass=$((pass + 1)); echo "ok - $*"; }
bad() { fail=$((fail + 1)); echo "not ok - $*"; }

dl_setup "seawall-deliver-tls-$$" || { echo "not ok - cannot set up the namespace or the PKI"; exit 1; }
dl_rsyslog_start || { echo "not ok - rsyslog did not start: $(tail -n 3 "$T/rsyslog.log")"; exit 1; }
P=$T/pki
N=200

# tls_case LABEL TLS-KEYS PATTERN
tls_case() {
    rm -rf "$T/spool/"* "$T/out/"*
    # rsyslog keeps its output files open: empty them rather than remove them.
    for f in "$T/rs/"*; do [ -f "$f" ] && : >"$f"; done
    : >"$T/seawall.log"
    good="ca: $P/ca.pem, cert: $P/client.pem, key: $P/client.key, server_name: siem.test"
    dl_config "  - {type: file, path: $T/out/eve.json}
  - {name: siem, type: syslog, address: \"127.0.0.1:10516\", transport: tls, types: [alert],
     retry: {initial: 100ms, max: 500ms}, tls: {$2}}"
    dl_seawall_start || { bad "$1: seawall did not start: $(tail -n 3 "$T/seawall.log")"; return; }
    dl_flows $N 2000
    if dl_wait 30 dl_sink_at_least siem spooled_events $N; then
        ok "$1: all $N alerts spooled"
    else
        bad "$1: spooled $(dl_sink siem spooled_events) of $N"
    fi
    # Let it retry a few times: the error must still be one line.
    sleep 2
    [ "$(dl_sink siem acked)" = 0 ] && ok "$1: nothing acknowledged" ||
        bad "$1: $(dl_sink siem acked) acknowledged"
    [ "$(dl_sink siem duplicates_possible)" = 0 ] && ok "$1: no possible duplicate counted" ||
        bad "$1: $(dl_sink siem duplicates_possible) possible duplicates"
    case $(dl_sink siem last_error) in
        *$3*) ok "$1: last_error names the cause" ;;
        *) bad "$1: last_error: $(dl_sink siem last_error)" ;;
    esac
    dl_seawall_stop
    n=$(grep -c ' error: ' "$T/seawall.log")
    if [ "$n" = 1 ] && grep ' error: ' "$T/seawall.log" | grep -q "$3"; then
        ok "$1: one error line: $(grep ' error: ' "$T/seawall.log" | sed 's/.* error: //')"
    else
        bad "$1: $n error lines: $(grep ' error: ' "$T/seawall.log" | head -n 3)"
    fi
    # Corrected: the same sink (same name, same spool) delivers what waited.
    dl_config "  - {type: file, path: $T/out/eve.json}
  - {name: siem, type: syslog, address: \"127.0.0.1:10516\", transport: tls, types: [alert],
     retry: {initial: 100ms, max: 500ms}, tls: {$good}}"
    dl_seawall_start || { bad "$1: seawall did not restart"; return; }
    if dl_wait 30 dl_sink_at_least siem acked $N; then
        ok "$1: corrected, the $N spooled alerts delivered"
    else
        bad "$1: corrected: acked $(dl_sink siem acked) of $N"
    fi
    dl_seawall_stop
    out=$(python3 tests/integration/deliver_check.py "$T/out/eve.json" "$T/rs/tls.log" \
        --types alert --fields --host agent-7 --facility 21 --label "$1")
    echo "$out"
    pass=$((pass + $(echo "$out" | grep -c '^ok - ')))
    fail=$((fail + $(echo "$out" | grep -c '^not ok - ')))
}

tls_case "wrong server name" \
    "ca: $P/ca.pem, cert: $P/client.pem, key: $P/client.key, server_name: other.test" \
    "hostname mismatch"
tls_case "unknown CA" \
    "ca: $P/other-ca.pem, cert: $P/client.pem, key: $P/client.key, server_name: siem.test" \
    "certificate verify failed"
tls_case "client certificate refused" \
    "ca: $P/ca.pem, cert: $P/client-other.pem, key: $P/client.key, server_name: siem.test" \
    "refused"

# Certificates are read again on SIGHUP (outputs are restart-only, their files are not): a
# refused client certificate replaced on disk, then SIGHUP, and the same run delivers what
# waited in the spool.
rm -rf "$T/spool/"* "$T/out/"*
for f in "$T/rs/"*; do [ -f "$f" ] && : >"$f"; done
: >"$T/seawall.log"
cp "$P/client-other.pem" "$T/agent.pem" && chmod 0644 "$T/agent.pem"
dl_config "  - {type: file, path: $T/out/eve.json}
  - {name: siem, type: syslog, address: \"127.0.0.1:10516\", transport: tls, types: [alert],
     retry: {initial: 100ms, max: 500ms},
     tls: {ca: $P/ca.pem, cert: $T/agent.pem, key: $P/client.key, server_name: siem.test}}"
if dl_seawall_start; then
    dl_flows $N 2000
    dl_wait 30 dl_sink_at_least siem spooled_events $N && [ "$(dl_sink siem acked)" = 0 ] &&
        ok "SIGHUP: with the refused certificate all $N alerts wait in the spool" ||
        bad "SIGHUP: spooled $(dl_sink siem spooled_events), acked $(dl_sink siem acked) of $N"
    cp "$P/client.pem" "$T/agent.pem"
    kill -HUP "$SW_PID"
    if dl_wait 30 dl_sink_at_least siem acked $N; then
        ok "SIGHUP: the certificate read again, the $N spooled alerts delivered by the same run"
    else
        bad "SIGHUP: acked $(dl_sink siem acked) of $N: $(dl_sink siem last_error)"
    fi
    dl_seawall_stop
    out=$(python3 tests/integration/deliver_check.py "$T/out/eve.json" "$T/rs/tls.log" \
        --types alert --fields --host agent-7 --facility 21 --label "SIGHUP")
    echo "$out"
    pass=$((pass + $(echo "$out" | grep -c '^ok - ')))
    fail=$((fail + $(echo "$out" | grep -c '^not ok - ')))
else
    bad "SIGHUP: seawall did not start: $(tail -n 3 "$T/seawall.log")"
fi

echo "deliver_tls: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
