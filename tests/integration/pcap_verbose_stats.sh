#!/bin/sh
# pcap_verbose_stats.sh SEAWALL - `seawall pcap -v` writes a stats event every stats.interval
# of capture time, with counters that only grow, and the final one counts every packet.
SW=${1:?usage: pcap_verbose_stats.sh SEAWALL}
cd "$(dirname "$0")/../.." || exit 2
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT INT TERM
"$SW" pcap -v -w 2 --set stats.interval=5s tests/data/corpus-mini/ndpi-4.2/pcap/WebattackSQLinj.pcap \
    -o "$T/eve.json" 2>/dev/null || { echo "not ok - pcap -v failed"; exit 1; }
python3 - "$T/eve.json" <<'PY'
import json, sys
st = [json.loads(l) for l in open(sys.argv[1]) if '"event_type":"stats"' in l]
pk = [s["stats"]["decoder"]["pkts"] for s in st]
fl = [s["stats"]["flow"]["total"] for s in st]
ok = len(st) >= 3 and pk == sorted(pk) and fl == sorted(fl) and pk[-1] > pk[0]
ok = ok and all("threads" in s["stats"] for s in st)
print("%s - %d stats events, decoder.pkts %s" % ("ok" if ok else "not ok", len(st), pk[:6]))
sys.exit(0 if ok else 1)
PY
