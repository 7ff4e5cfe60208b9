#!/bin/sh
# municipal_corpus.sh SEAWALL [CORPUS] - the municipal ruleset over a folder of captures (the
# README's "On the whole corpus" table): one `seawall pcap --rules rules/municipal` run per
# capture (nDPI's risk alerts off: every address is a risk exception, so alerts are the
# rules'), then the alerts by sid with the captures they came from, most first.
# CORPUS defaults to ../shared/corpus/ndpi-4.2/pcap. Prints "sid alerts capture:count ..." lines
# and a closing "captures: N, alerts: A, runs failed: F"; exit 1 when a run failed.
SW=${1:?usage: municipal_corpus.sh SEAWALL [CORPUS]}
cd "$(dirname "$0")/../.." || exit 2
CORPUS=${2:-../shared/corpus/ndpi-4.2/pcap}
[ -d "$CORPUS" ] || { echo "skipped: no corpus at $CORPUS"; exit 77; }
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT INT TERM
n=0 failed=0
for p in "$CORPUS"/*.pcap "$CORPUS"/*.pcapng "$CORPUS"/*.cap; do
    [ -f "$p" ] || continue
    n=$((n + 1))
    rm -f "$T/eve.json"
    "$SW" pcap --rules rules/municipal --no-cache -w 1 \
        --set 'ndpi.risk_exceptions.cidrs=[0.0.0.0/0, "::/0"]' -o "$T/eve.json" "$p" \
        >/dev/null 2>"$T/err"
    rc=$?
    # exit 1 means findings (alerts); anything else is a failed run
    if [ $rc -gt 1 ] || [ ! -f "$T/eve.json" ]; then
        failed=$((failed + 1))
        echo "run failed ($rc): $p: $(tail -n 1 "$T/err")"
        continue
    fi
    python3 - "$T/eve.json" "$(basename "$p")" >>"$T/hits" <<'PY'
import json, sys
for line in open(sys.argv[1]):
    e = json.loads(line)
    if e.get("event_type") == "alert" and e["alert"].get("seawall", {}).get("detector", "rule") == "rule":
        print(e["alert"]["signature_id"], sys.argv[2])
PY
done
python3 - "$T/hits" <<'PY'
import collections, sys
by = collections.defaultdict(collections.Counter)
for line in open(sys.argv[1]):
    sid, cap = line.split()
    by[int(sid)][cap] += 1
total = 0
for sid in sorted(by):
    c = by[sid]
    total += sum(c.values())
    print(sid, sum(c.values()), " ".join("%s:%d" % kv for kv in sorted(c.items(), key=lambda kv: (-kv[1], kv[0]))))
print("ALERTS", total)
PY
echo "captures: $n, runs failed: $failed"
[ $failed -eq 0 ]
