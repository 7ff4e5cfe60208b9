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
