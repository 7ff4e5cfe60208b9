#!/bin/sh
# demo.sh SEAWALL - run seawall pcap on the captures shipped in tests/data and summarise.
SW=${1:?usage: demo.sh SEAWALL}
cd "$(dirname "$0")/../.." || exit 2
D=tests/data/corpus-mini/ndpi-4.2
OUT=build/demo-eve.json
echo "== seawall pcap --ndpi-dir $D/example $D/pcap/*  (EVE JSON in $OUT)"
"$SW" pcap --ndpi-dir "$D/example" -o "$OUT" "$D"/pcap/* || exit 1
python3 - "$OUT" <<'PY'
import collections, json, sys
evs = [json.loads(l) for l in open(sys.argv[1])]
flows = [e for e in evs if e["event_type"] == "flow"]
alerts = [e for e in evs if e["event_type"] == "alert"]
anom = [e for e in evs if e["event_type"] == "anomaly"]
print("\n%d events: %d flows, %d alerts, %d anomalies" % (len(evs), len(flows), len(alerts), len(anom)))
print("\nFlows by nDPI protocol:")
for p, n in collections.Counter(e["ndpi"].get("protocol", "?") for e in flows).most_common(15):
    print("  %6d  %s" % (n, p))
print("\nAlerts by signature (severity 1 = high):")
c = collections.Counter((e["alert"]["severity"], e["alert"]["signature"]) for e in alerts)
for (sev, sig), n in sorted(c.items()):
    print("  %6d  [%d] %s" % (n, sev, sig))
if anom:
    print("\nAnomalies:")
    for ev, n in collections.Counter(e["anomaly"]["event"] for e in anom).most_common():
        print("  %6d  %s" % (n, ev))
print("\nOne alert, one flow and the stats, as EVE lines:")
for e in (alerts[:1] + flows[:1] + [x for x in evs if x["event_type"] == "stats"][-1:]):
    s = json.dumps(e)
    print(s if len(s) < 1600 else s[:1600] + " ...")
PY

# The municipal ruleset on a few of its tests' captures (made by tests/tools/mkmunicipal.py,
# each its own run: they reuse addresses and times): a Log4Shell probe, a web shell upload, a
# Modbus write from the HMI, a password over FTP; then its per-rule profile on one of them.
M=rules/municipal
echo
echo "== seawall pcap --rules $M (4 of the ruleset's test captures; nDPI risk alerts off)"
for t in web-log4shell-header web-webshell-upload ics-modbus-write cleartext-ftp-password; do
    "$SW" pcap --rules "$M" --no-cache --set 'ndpi.risk_exceptions.cidrs=[0.0.0.0/0]' \
        -o "build/demo-$t.json" "$M/tests/$t/input.pcap" || exit 1
    python3 - "build/demo-$t.json" "$t" <<'PY'
import json, sys
for l in open(sys.argv[1]):
    e = json.loads(l)
    if e["event_type"] == "alert":
        a = e["alert"]
        print("  %-24s %s:%s -> %s:%s  %d  %s" % (sys.argv[2], e["src_ip"], e["src_port"],
              e["dest_ip"], e["dest_port"], a["signature_id"], a["signature"]))
PY
done
echo
echo "== seawall pcap --rules $M --profile-rules $M/tests/web-webshell-upload/input.pcap"
"$SW" pcap --rules "$M" --no-cache --profile-rules --set rules.profiling_limit=8 \
    -o /dev/null "$M/tests/web-webshell-upload/input.pcap"
