#!/bin/sh
# http_evasion.sh SEAWALL - the EICAR file served with each HTTP evasion class seawall reads
# (issue 9, items 16 and 18: HTTP Evader's malformed framing and codings, a coding that does
# not decode, brotli, a body cut by a RST) reaches YARA, and the malformation is reported.
#
# tests/tools/mkhttp_evasion.py writes one capture per class into a temporary folder and names,
# per class, the applayer anomaly seawall must report ("-": none at all) and the fileinfo
# state of the body ("-": any). For each, `seawall pcap --rules rules/default` must write an
# alert of rules/default/eicar.yar on an HTTP body (it has a fileinfo object), the anomaly
# event (type applayer, app_proto http), and, when given, a fileinfo event in that state.
# Then all captures in one run with one worker and eve.anomaly_rate=3 (their flows fall in the
# same second of capture time): exactly 3 applayer anomaly events, the rest counted in
# seawall.worker.anomalies_suppressed. Nothing is downloaded: the captures are made here.
# Exit 0 pass, 1 fail.
SW=${1:?usage: http_evasion.sh SEAWALL}
cd "$(dirname "$0")/../.." || exit 2
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT INT TERM

python3 tests/tools/mkhttp_evasion.py "$T/pcap" >"$T/classes.tsv" || exit 2
while IFS="$(printf '\t')" read -r name _; do
    "$SW" pcap --rules rules/default --no-cache -o "$T/$name.json" "$T/pcap/$name.pcap" \
        2>"$T/$name.err" || echo "$name: seawall pcap exited $?" >>"$T/errors"
done <"$T/classes.tsv"
# shellcheck disable=SC2046
"$SW" pcap --rules rules/default --no-cache -w 1 --set eve.anomaly_rate=3 -o "$T/all.json" \
    $(cut -f1 "$T/classes.tsv" | sed "s|^|$T/pcap/|; s|$|.pcap|") 2>"$T/all.err" ||
    echo "all: seawall pcap exited $?" >>"$T/errors"
python3 - "$T" <<'EOF'
import json
import os
import sys

t = sys.argv[1]
passed = failed = 0
for line in open(os.path.join(t, "classes.tsv")):
    name, anomaly, state = line.rstrip("\n").split("\t")
    evs = [json.loads(l) for l in open(os.path.join(t, name + ".json"))]
    hits = [e for e in evs if e.get("event_type") == "alert" and "fileinfo" in e and
            e.get("yara", {}).get("rule") == "seawall_eicar_test_file"]
    anomalies = [e["anomaly"] for e in evs if e.get("event_type") == "anomaly" and
                 e["anomaly"].get("type") == "applayer"]
    states = [e["fileinfo"]["state"] for e in evs if e.get("event_type") == "fileinfo"]
    problems = []
    if not hits:
        problems.append("no EICAR alert on an HTTP body")
    if anomaly == "-" and anomalies:
        problems.append("anomalies reported: %s" % ", ".join(a["event"] for a in anomalies))
    if anomaly != "-" and not any(a["event"] == anomaly and a.get("app_proto") == "http"
                                  for a in anomalies):
        problems.append("%s not reported (got %s)" %
                        (anomaly, ", ".join(a["event"] for a in anomalies) or "none"))
    if state != "-" and state not in states:
        problems.append("no fileinfo in state %s (got %s)" % (state, ", ".join(states) or "none"))
    if problems:
        failed += 1
        print("not ok - %s: %s" % (name, "; ".join(problems)))
    else:
        passed += 1
        readings = sorted(set(e.get("seawall", {}).get("http_body", {}).get("reading", "primary")
                              for e in hits))
        print("ok - %s: EICAR alert (%s)%s%s" % (name, ", ".join(readings),
              ", " + anomaly if anomaly != "-" else "", ", state " + state if state != "-" else ""))
# the rate limit: as the decoder's anomalies, at most eve.anomaly_rate per second per worker
evs = [json.loads(l) for l in open(os.path.join(t, "all.json"))]
written = sum(1 for e in evs if e.get("event_type") == "anomaly" and
              e["anomaly"].get("type") == "applayer")
worker = [e for e in evs if e.get("event_type") == "stats"][-1]["seawall"]["worker"]
if written == 3 and worker["anomalies"] > 3 and \
        worker["anomalies_suppressed"] == worker["anomalies"] - 3:
    passed += 1
    print("ok - rate limit: 3 applayer anomaly events written, %d counted, %d suppressed" %
          (worker["anomalies"], worker["anomalies_suppressed"]))
else:
    failed += 1
    print("not ok - rate limit: %d written, %d counted, %d suppressed (eve.anomaly_rate=3)" %
          (written, worker["anomalies"], worker["anomalies_suppressed"]))
print("http_evasion: %d passed, %d failed" % (passed, failed))
sys.exit(1 if failed else 0)
EOF
rc=$?
if [ -s "$T/errors" ]; then
    cat "$T/errors"
    rc=1
fi
exit $rc
