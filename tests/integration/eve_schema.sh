#!/bin/sh
# eve_schema.sh SEAWALL - every EVE line seawall writes validates against Suricata 8's EVE
# schema (../shared/suricata/schema.json: etc/schema.json of Suricata's source, not committed
# here), with only seawall's documented extensions (see tests/tools/eve_schema_check.py; each
# stats.threads.<name> is checked as a stats object of its own):
#   - seawall pcap -w 2 on the corpus (flow, alert, anomaly, and stats with stats.threads);
#   - seawall pcap --rules (stream and HTTP-body YARA alerts, fileinfo);
#   - alerts carrying their transaction's http, dns (version 3) and tls objects, made by
#     tools/appalerts (an alert per transaction the worker's parsers make);
#   - seawall scan (file alerts, fileinfo, the closing stats);
#   - seawall run with three workers in a private network namespace: live stats events (with
#     stats.threads), an engine event, the final stats.
# Every seawall run must end with the exit status it documents: a crash or an error is a
# failure, never a smaller sample. Skips (77) only without ../shared; without root, network
# namespaces or tcpreplay the live part cannot run and the test says "skipped" (77) after the
# offline parts, unless those failed.
SW=$(realpath "${1:?usage: eve_schema.sh SEAWALL}")
cd "$(dirname "$0")/../.." || exit 2
T=$(mktemp -d /tmp/seawall-schema.XXXXXX)
chmod 0755 "$T"
PIDS=""
cleanup() {
    for p in $PIDS; do kill -9 "$p" 2>/dev/null; done
    [ -n "${NS:-}" ] && ns_teardown
    rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 1' INT TERM
. tests/integration/schema.inc
. tests/integration/netns.inc
find_schema
case $? in
1) echo "skipped: ../shared not found (Suricata's EVE schema is ../shared/suricata/schema.json)"
   exit 77 ;;
2) echo "not ok - ../shared is there but ../shared/suricata/schema.json is not"
   exit 1 ;;
esac
pass=0 fail=0
ok() { pass=$((pass + 1)); echo "ok - $*"; }
bad() { fail=$((fail + 1)); echo "not ok - $*"; }
if ! python3 -c 'import jsonschema' 2>/dev/null; then
    bad "python3-jsonschema is missing (make deps installs it)"
    exit 1
fi
# check NAME FILE...: the EVE lines of FILE... validate
check() {
    name=$1
    shift
    if python3 tests/tools/eve_schema_check.py "$schema" "$@" >"$T/check.out" 2>&1; then
        ok "$name: $(tail -n 1 "$T/check.out" | sed 's/^eve schema: //')"
    else
        cat "$T/check.out"
        bad "$name: invalid EVE (see above)"
    fi
}

CORPUS=${SEAWALL_CORPUS:-../shared/corpus}
if [ -d "$CORPUS/ndpi-4.2/pcap" ] && [ -z "$SEAWALL_SAN" ]; then
    D=$CORPUS/ndpi-4.2
else
    echo "# corpus not found (or sanitizer build): tests/data/corpus-mini"
    D=tests/data/corpus-mini/ndpi-4.2
fi
n=0 failed=""
for f in "$D"/pcap/*; do
    n=$((n + 1))
    "$SW" pcap -w 2 --ndpi-dir "$D/example" -o "$T/eve-$n.json" "$f" 2>"$T/err"
    rc=$?
    [ $rc -eq 0 ] || failed="$failed $(basename "$f") (exit $rc: $(tail -n 1 "$T/err"))"
done
[ -z "$failed" ] && ok "seawall pcap -w 2 exits 0 on all $n captures" ||
    bad "seawall pcap -w 2 failed on:$failed"
# seawall pcap --rules: stream and HTTP body YARA alerts, fileinfo events of HTTP bodies.
mkdir -p "$T/pcaprules"
printf 'rule schema_any_body { condition: seawall_source == "http_body" }\nrule schema_any_stream { strings: $a = "HTTP/1." condition: $a }\n' >"$T/pcaprules/p.yar"
"$SW" pcap -w 2 --ndpi-dir "$D/example" --no-cache --rules "$T/pcaprules" -o "$T/eve-rules.json" \
    tests/data/corpus-mini/ndpi-4.2/pcap/log4j-webapp-exploit.pcap 2>"$T/err"
rc=$?
if [ $rc -eq 0 ] && grep -q '"event_type":"fileinfo"' "$T/eve-rules.json"; then
    ok "pcap --rules exits 0 and wrote fileinfo events"
else
    bad "pcap --rules: exit $rc, $(grep -c '"event_type":"fileinfo"' "$T/eve-rules.json") fileinfo events: $(tail -n 1 "$T/err")"
fi
grep -q '"threads":{"W#01"' "$T"/eve-1.json && ok "pcap -w 2 stats carry stats.threads" ||
    bad "no stats.threads in pcap -w 2's stats event"
check "seawall pcap" "$T"/eve-*.json

# Alerts with their transaction's http, dns and tls objects: tools/appalerts is seawall pcap
# with one more detector behind the stage, raising an alert on every HTTP, DNS and TLS
# transaction, so the objects are checked whatever rule language is built.
AA=$(dirname "$SW")/tools/appalerts
APPCAPS="dns-invalid-chars dns_long_domainname googledns_android10 malformed_dns dns_doh
tls-rdn-extract long_tls_certificate tls_verylong_certificate 443-firefox http-manipulated
http-crash-content-disposition"
if [ ! -x "$AA" ]; then
    bad "$AA is missing (make tools-bins builds it)"
else
    set --
    for c in $APPCAPS; do
        for f in "$D/pcap/$c.pcap" "$D/pcap/$c.pcapng"; do
            [ -f "$f" ] && set -- "$@" "$f"
        done
    done
    if [ $# -eq 0 ]; then
        # The small data (sanitizer build, no ../shared) has none of these captures.
        echo "# skipped: app-layer alerts: none of the captures is in $D"
    else
    "$AA" --ndpi-dir "$D/example" "$T/app-eve.json" "$@" 2>"$T/err"
    rc=$?
    nd=$(grep -c '"event_type":"alert".*"dns":{"version":3' "$T/app-eve.json")
    nt=$(grep -c '"event_type":"alert".*"tls":{"subject":' "$T/app-eve.json")
    nh=$(grep -c '"event_type":"alert".*"http":{' "$T/app-eve.json")
    if [ $rc -eq 0 ] && [ "$nd" -gt 0 ] && [ "$nt" -gt 0 ] && [ "$nh" -gt 0 ]; then
        ok "app-layer alerts from $# captures: $nd with dns, $nt with a certificate's tls, $nh with http"
    else
        bad "appalerts: exit $rc, $nd dns, $nt tls, $nh http alerts: $(tail -n 1 "$T/err")"
    fi
    check "app-layer objects in alerts" "$T/app-eve.json"
    fi
fi

# seawall scan: alerts, fileinfo (--all) and the closing stats event. Both files match: the
# documented exit status is 1 (matches), anything else is a failure.
mkdir -p "$T/scan" "$T/scanrules"
printf 'rule schema_probe : probe { meta: description = "probe" severity = "low" mitre_att = "T1005" strings: $a = "probe" $b = { 00 01 } condition: any of them }\n' >"$T/scanrules/p.yar"
printf 'probe\n' >"$T/scan/a.txt"
printf 'x\000\001probe\377' >"$T/scan/b.bin"
"$SW" scan --no-cache --all --rules "$T/scanrules" -o "$T/scan-eve.json" "$T/scan" 2>"$T/err"
rc=$?
[ $rc -eq 1 ] && ok "seawall scan exits 1 (matches)" || bad "seawall scan: exit $rc: $(tail -n 1 "$T/err")"
check "seawall scan" "$T/scan-eve.json"

# seawall run, three workers: live stats (stats.threads, seawall.threads), engine, final stats.
if ! ns_available || ! command -v tcpreplay >/dev/null 2>&1; then
    echo "eve_schema: $pass passed, $fail failed"
    [ "$fail" -eq 0 ] || exit 1
    echo "skipped: the live part (seawall run) needs root, network namespaces and tcpreplay"
    exit 77
fi
ns_setup "seawall-schema-$$" || { bad "cannot set up the namespace"; exit 1; }
mkdir -p "$T/run" "$T/state" "$T/out" "$T/rules"
chown nobody:nogroup "$T/out"
cp "$T/pcaprules/p.yar" "$T/rules/"
cat >"$T/seawall.yaml" <<EOF
agent: {user: nobody, group: nogroup, run_dir: $T/run, state_dir: $T/state}
network:
  interfaces: [{name: veth1}]
  workers: 3
  timeouts: {tcp_new: 1s, tcp_established: 1s, tcp_closed: 1s, udp: 1s, icmp: 1s, other: 1s}
rules: {dir: $T/rules}
outputs: [{type: file, path: $T/out/eve.json}]
stats: {interval: 1s}
EOF
python3 tests/tools/mkreload.py 1 "$T/live1.pcap" && python3 tests/tools/mkstreams.py 4 4000 "$T/live2.pcap" ||
    bad "cannot make the live captures"
ip netns exec "$NS" "$SW" run -c "$T/seawall.yaml" 2>"$T/log" &
DPID=$!
PIDS="$PIDS $DPID"
n=100
while [ $n -gt 0 ] && ! grep -qs 'notice: running:' "$T/log"; do sleep 0.2; n=$((n - 1)); done
ns_replay 0 "$T/live1.pcap" "$T/live2.pcap" >/dev/null
kill -HUP "$DPID"
# Two periodic stats events after the reload's engine event (the final one comes at SIGTERM).
n=600
while [ $n -gt 0 ] && ! python3 -c "
import sys
seen = stats = 0
for l in open(sys.argv[1]):
    seen = seen or '\"event_type\":\"engine\"' in l
    stats += seen and '\"event_type\":\"stats\"' in l
sys.exit(0 if stats >= 2 else 1)" "$T/out/eve.json" 2>/dev/null; do
    sleep 0.2
    n=$((n - 1))
done
kill -TERM "$DPID"
wait "$DPID"
rc=$?
[ $rc -eq 0 ] && ok "seawall run exits 0 after SIGTERM" || bad "seawall run: exit $rc: $(tail -n 3 "$T/log")"
stats=$(grep -c '"event_type":"stats".*"threads":{"W#01"' "$T/out/eve.json")
engine=$(grep -c '"event_type":"engine"' "$T/out/eve.json")
[ "$stats" -ge 3 ] && [ "$engine" -eq 1 ] &&
    ok "seawall run wrote $stats stats events with stats.threads and an engine event" ||
    bad "seawall run wrote $stats stats events with threads, $engine engine events"
check "seawall run" "$T/out/eve.json"
echo "eve_schema: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
