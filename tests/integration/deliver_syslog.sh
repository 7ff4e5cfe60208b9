#!/bin/sh
# deliver_syslog.sh SEAWALL - `seawall run` delivering to rsyslog (Debian's, in the foreground,
# in a private network namespace: tests/integration/deliver.inc) over every transport at once:
# syslog udp, tcp (octet counting), tls (OpenSSL stream driver, client certificate), relp,
# and the tcp sink (JSON lines, plain and TLS), next to the EVE file sink. 2,000 one-packet
# flows give 2,000 alerts and 2,000 flow events. Checks (tests/integration/deliver_check.py):
#   - every event arrives once, in order, parsed by rsyslog as RFC 5424 with facility local5,
#     severity from the alert severity, HOSTNAME agent.id, APP-NAME seawall, PROCID the
#     daemon's pid, MSGID the event_type, STRUCTURED-DATA "-", and MSG the EVE line unchanged;
#   - max_message_size: alerts longer than 600 bytes arrive as one valid JSON object ending
#     with "truncated":true, never split, and exactly as many as the sink counted;
#   - each sink's counters in `seawall status`: sent = acked = events, nothing failed,
#     dropped or spooled; the same names in the stats events;
#   - SIGTERM: exit 0.
# Everything (namespace, processes, files) is removed at the end, also on failure.
SW=$(realpath "${1:?usage: deliver_syslog.sh SEAWALL}")
cd "$(dirname "$0")/../.." || exit 2
T=$(mktemp -d /tmp/seawall-deliver.XXXXXX)
. tests/integration/deliver.inc
if ! dl_available; then
    rm -rf "$T"
    echo "skipped: needs root, network namespaces, tcpreplay, openssl and rsyslog with" \
        "rsyslog-relp and rsyslog-openssl"
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
check() { # deliver_check.py arguments; counts its ok/not ok lines
    out=$(python3 tests/integration/deliver_check.py "$@")
    echo "$out"
    pass=$((pass + $(echo "$out" | grep -c '^ok - ')))
    fail=$((fail + $(echo "$out" | grep -c '^not ok - ')))
}

dl_setup "seawall-deliver-$$" || { echo "not ok - cannot set up the namespace or the PKI"; exit 1; }
dl_rsyslog_start || { echo "not ok - rsyslog did not start: $(tail -n 3 "$T/rsyslog.log")"; exit 1; }
ok "rsyslog listening (udp, tcp, tls, relp, json, json+tls)"

P=$T/pki
dl_config "  - {type: file, path: $T/out/eve.json}
  - {name: udp, type: syslog, address: \"127.0.0.1:10515\", transport: udp, types: [alert]}
  - {name: tcp, type: syslog, address: \"127.0.0.1:10514\", transport: tcp, types: [alert, flow]}
  - {name: tls, type: syslog, address: \"127.0.0.1:10516\", transport: tls, types: [alert],
     tls: {ca: $P/ca.pem, cert: $P/client.pem, key: $P/client.key, server_name: siem.test}}
  - {name: relp, type: syslog, address: \"127.0.0.1:10517\", transport: relp, types: [alert, flow]}
  - {name: json, type: tcp, address: \"127.0.0.1:10518\", types: [alert, flow]}
  - {name: jsontls, type: tcp, address: \"127.0.0.1:10519\", types: [flow],
     tls: {ca: $P, server_name: siem.test, min_version: \"1.3\"}}
  - {name: short, type: syslog, address: \"127.0.0.1:10519\", transport: tls, facility: local1,
     max_message_size: 600, types: [alert], tls: {ca: $P/ca.pem, server_name: siem.test}}"
# "short" cuts the alerts (about 980 bytes as RFC 5424 messages) to 600 bytes; it sends them
# to the JSON-over-TLS input, whose raw log then holds JSON lines and RFC 5424 messages
# (rsyslog strips the octet count).
if dl_seawall_start; then
    ok "seawall running with 8 sinks"
else
    bad "seawall did not start: $(tail -n 5 "$T/seawall.log")"
    exit 1
fi
PID=$SW_PID

N=2000
dl_flows $N
# Flows end 1 s after their packet; wait for their events to be acknowledged everywhere.
for s in udp:alert tls:alert relp:alert tcp:both json:both jsontls:flow; do
    name=${s%%:*}
    want=$N
    [ "${s#*:}" = both ] && want=$((2 * N))
    dl_wait 60 dl_sink_at_least "$name" acked "$want" ||
        bad "$name: acked $(dl_sink "$name" acked) of $want within 60 s"
done
dl_wait 60 dl_sink_at_least short acked $N || bad "short: acked $(dl_sink short acked) of $N"
[ "$(dl_eve_count alert)" -eq $N ] && ok "$N alerts in the EVE file" ||
    bad "$(dl_eve_count alert) alerts in the EVE file, expected $N"

# settled NAME: the sink's counters say everything sent was acknowledged (relp confirms its
# last window when idle, and a sink may take more types than the wait above counted).
settled() {
    st=$("$SW" status --socket "$T/run/seawall.sock" --json | python3 -c 'import json, sys
d = json.load(sys.stdin)
s = [s for s in d["sinks"] if s["name"] == sys.argv[1]][0]
print(s["sent"] == s["acked"] and s["failed"] == 0 and s["dropped_policy"] == 0 and
      s["spooled_events"] == 0 and s["queued"] == 0 and s["last_error"] == "", s)' "$1")
    case $st in True*) return 0 ;; *) return 1 ;; esac
}
for name in udp tcp tls relp json jsontls; do
    dl_wait 30 settled "$name"
    case $st in
        True*) ok "$name: sent = acked, nothing failed, dropped, queued or spooled" ;;
        *) bad "$name: $st" ;;
    esac
done

check "$T/out/eve.json" "$T/rs/udp.log" --types alert --fields --host agent-7 --pid "$PID" \
    --facility 21 --label "syslog udp"
check "$T/out/eve.json" "$T/rs/tcp.log" --types alert,flow --fields --host agent-7 \
    --pid "$PID" --facility 21 --label "syslog tcp"
check "$T/out/eve.json" "$T/rs/tls.log" --types alert --fields --host agent-7 --pid "$PID" \
    --facility 21 --label "syslog tls"
check "$T/out/eve.json" "$T/rs/relp.log" --types alert,flow --fields --host agent-7 \
    --pid "$PID" --facility 21 --label "syslog relp"
check "$T/out/eve.json" "$T/rs/json.log" --types alert,flow --label "tcp json lines"
# jsontls also received the "short" sink's syslog messages: keep the JSON lines only.
grep '^{' "$T/rs/jsontls.log" >"$T/rs/jsontls.json"
check "$T/out/eve.json" "$T/rs/jsontls.json" --types flow --label "tcp json lines over tls 1.3"

# Truncation: every alert was cut, counted once each, and arrived as one JSON object.
truncated_match() {
    cut_n=$(dl_sink short truncated)
    got_n=$(grep -c '"truncated":true}$' "$T/rs/jsontls.log")
    [ "$cut_n" = "$got_n" ] && [ "$got_n" = "$N" ]
}
# The status document is refreshed once a second: wait for the last counters.
dl_wait 10 truncated_match
[ "$cut_n" = "$N" ] && [ "$got_n" = "$N" ] &&
    ok "max_message_size 600: $got_n alerts truncated, as counted" ||
    bad "truncated: counted $cut_n, received $got_n, expected $N"
grep -v '^{' "$T/rs/jsontls.log" >"$T/rs/short.log"
python3 - "$T/rs/short.log" "$T/out/eve.json" <<'EOF' && ok "every cut alert: at most 600 bytes with its header, one JSON object, the start of its EVE line" || bad "a cut message is too long, not JSON or not the start of an event"
import json, sys
eve = [l.rstrip("\n") for l in open(sys.argv[2]) if '"event_type":"alert"' in l]
n = 0
for line in open(sys.argv[1]):
    msg = line.rstrip("\n")
    i = msg.find(" - {")
    if i < 0 or len(msg.encode()) > 600 or not msg.startswith("<140>1 "):
        sys.exit(1)
    body = msg[i + 3:]
    ev = json.loads(body)
    head = body[: -len('"truncated":true}')]
    if ev.get("truncated") is not True or not any(e.startswith(head) for e in eve):
        sys.exit(1)
    n += 1
sys.exit(0 if n > 0 else 1)
EOF

# The stats event carries the same per-sink counters.
python3 - "$T/out/eve.json" <<'EOF' && ok "stats events list seawall.output.sinks[] with every counter" || bad "stats event: sinks missing or incomplete"
import json, sys
keys = {"name", "queued", "sent", "acked", "retried", "failed", "duplicates_possible",
        "spooled_events", "spooled_bytes", "spool_oldest_age", "dropped_policy",
        "last_error", "last_error_time"}
last = None
for line in open(sys.argv[1]):
    ev = json.loads(line)
    if ev.get("event_type") == "stats":
        last = ev
sinks = last["seawall"]["output"]["sinks"]
names = [s["name"] for s in sinks]
sys.exit(0 if len(sinks) == 8 and all(keys <= set(s) for s in sinks) and "relp" in names else 1)
EOF

dl_seawall_stop
[ "$SW_RC" = 0 ] && ok "SIGTERM: exit 0" || bad "SIGTERM: exit $SW_RC"
grep -E ' (error|warning): ' "$T/seawall.log" | grep -v 'agent.seccomp' >"$T/errors"
[ -s "$T/errors" ] && bad "errors logged: $(head -n 3 "$T/errors")" || ok "no error logged"

echo "deliver_syslog: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
