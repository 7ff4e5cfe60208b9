#!/bin/sh
# cli_bad_input.sh SEAWALL - `seawall pcap` on hostile and broken inputs: one clear line on
# stderr naming the culprit, never a crash; exit 2 only when nothing could be read; events of
# the good files still written.
SW=${1:?usage: cli_bad_input.sh SEAWALL}
cd "$(dirname "$0")/../.." || exit 2
D=tests/data/corpus-mini/ndpi-4.2
GOOD=$D/pcap/WebattackSQLinj.pcap
T=$(mktemp -d)
trap 'chmod -R u+rwx "$T" 2>/dev/null; rm -rf "$T"' EXIT INT TERM
pass=0 fail=0

ok() { pass=$((pass + 1)); echo "ok - $*"; }
bad() { fail=$((fail + 1)); echo "not ok - $*"; }

# expect NAME WANT_RC STDERR_PATTERN ARGS...: runs seawall pcap ARGS, checks exit code, that
# stderr matches the pattern, has no sanitizer report, and that no signal killed it.
expect() {
    name=$1 want=$2 pat=$3
    shift 3
    "$SW" pcap "$@" -o "$T/out.json" 2>"$T/err"
    rc=$?
    if [ "$rc" -ne "$want" ]; then
        bad "$name: exit $rc, want $want ($(head -c 300 "$T/err"))"
    elif [ -n "$pat" ] && ! grep -q -- "$pat" "$T/err"; then
        bad "$name: stderr lacks '$pat': $(head -c 300 "$T/err")"
    elif grep -q -E 'AddressSanitizer|runtime error|LeakSanitizer' "$T/err"; then
        bad "$name: sanitizer report: $(grep -m1 -E 'Sanitizer|runtime error' "$T/err")"
    else
        ok "$name"
    fi
}

# Inputs made here: empty, text, truncated, cut mid-header, directory, unreadable, FIFO,
# unknown link type, lying lengths.
: >"$T/empty.pcap"
echo "this is not a capture" >"$T/text.pcap"
head -c 3000 "$GOOD" >"$T/truncated.pcap"
head -c 30 "$GOOD" >"$T/cut-header.pcap"
mkdir "$T/dir.pcap"
cp "$GOOD" "$T/unreadable.pcap" && chmod 000 "$T/unreadable.pcap"
python3 - "$T" <<'PY'
import struct, sys
t = sys.argv[1]
# pcap header with link type 147 (USER0), one packet.
hdr = struct.pack("<IHHiIII", 0xa1b2c3d4, 2, 4, 0, 0, 65535, 147)
rec = struct.pack("<IIII", 1, 0, 4, 4) + b"abcd"
open(t + "/linktype.pcap", "wb").write(hdr + rec)
# Ethernet/IPv4/UDP whose IP total length and UDP length lie (far larger than captured),
# then a record whose caplen is larger than the snap length.
eth = b"\x00" * 12 + b"\x08\x00"
ip = bytes([0x45, 0, 0xff, 0xff, 0, 1, 0, 0, 64, 17, 0, 0, 10, 0, 0, 1, 10, 0, 0, 2])
udp = struct.pack(">HHHH", 1234, 53, 60000, 0) + b"x" * 8
pkt = eth + ip + udp
hdr = struct.pack("<IHHiIII", 0xa1b2c3d4, 2, 4, 0, 0, 65535, 1)
rec = struct.pack("<IIII", 1, 0, len(pkt), 10) + pkt          # wire length smaller than caplen
rec2 = struct.pack("<IIII", 2, 0, 0x7fffffff, 0x7fffffff)     # caplen beyond snaplen
open(t + "/lying.pcap", "wb").write(hdr + rec + rec2)
PY

expect "empty file" 2 "empty.pcap: empty file" "$T/empty.pcap"
expect "not a capture" 2 "text.pcap: not a pcap or pcapng capture" "$T/text.pcap"
expect "cut before the first packet" 2 "cut-header.pcap: packet 1" "$T/cut-header.pcap"
expect "truncated capture" 0 "truncated.pcap: packet" "$T/truncated.pcap"
expect "directory" 2 "dir.pcap: is a directory" "$T/dir.pcap"
expect "missing path" 2 "nonexistent.pcap: No such file" "$T/nonexistent.pcap"
if [ "$(id -u)" != 0 ]; then
    expect "unreadable file" 2 "unreadable.pcap: Permission denied" "$T/unreadable.pcap"
fi
expect "unknown link type" 2 "linktype.pcap: link type" "$T/linktype.pcap"
expect "lying lengths" 0 "lying.pcap: packet 2" "$T/lying.pcap"
expect "no file" 2 "no capture file given"
expect "bad --workers" 2 "--workers" -w 0 "$GOOD"
expect "bad --set" 2 "network.max_flows" --set network.max_flows=0 "$GOOD"
expect "bad --ndpi-dir" 2 "ndpi-dir" --ndpi-dir "$T/nope" "$GOOD"
expect "unknown nDPI risk in risk_exceptions" 2 "unknown nDPI risk 'NDPI_BOGUS_RISK'" \
    --set 'ndpi.risk_exceptions.risks=[NDPI_BOGUS_RISK]' "$GOOD"
expect "missing nDPI protos file, 2 workers" 2 "nope.txt: ndpi.protos_file: No such file" \
    -w 2 --set ndpi.protos_file="$T/nope.txt" "$GOOD"
expect "nDPI categories file is a directory" 2 "ndpi.categories_file: not a regular file" \
    --set ndpi.categories_file="$T/dir.pcap" "$GOOD"

# A bad file among good ones: the good file's events are all written, exit 0.
expect "bad then good" 0 "text.pcap" "$T/text.pcap" "$GOOD" "$T/empty.pcap"
flows=$(grep -c '"event_type":"flow"' "$T/out.json")
want=$("$SW" pcap "$GOOD" 2>/dev/null | grep -c '"event_type":"flow"')
if [ "$flows" -gt 0 ] && [ "$flows" -eq "$want" ]; then
    ok "good file's $flows flow events written despite bad neighbours"
else
    bad "bad then good: $flows flow events, want $want"
fi

# The truncated capture: packets before the cut still become flows.
"$SW" pcap "$T/truncated.pcap" -o "$T/out.json" 2>/dev/null
if grep -q '"event_type":"flow"' "$T/out.json"; then
    ok "truncated capture processed up to the cut"
else
    bad "truncated capture: no flow events"
fi

# Flow flood past the limit: bounded table, evicted flows still reported and counted, and
# every tuple of the unlimited run still appears.
"$SW" pcap "$GOOD" -o "$T/all.json" 2>/dev/null
"$SW" pcap --set network.max_flows=5 -w 1 "$GOOD" -o "$T/out.json" 2>"$T/err"
if python3 - "$T/all.json" "$T/out.json" <<'PY'
import json, sys
def load(p):
    evs = [json.loads(l) for l in open(p)]
    flows = [e for e in evs if e["event_type"] == "flow"]
    stats = [e for e in evs if e["event_type"] == "stats"][-1]
    tup = {(e["src_ip"], e.get("src_port"), e["dest_ip"], e.get("dest_port")) for e in flows}
    return flows, stats, tup
_, _, all_t = load(sys.argv[1])
flows, stats, t = load(sys.argv[2])
ev = sum(1 for e in flows if e.get("seawall", {}).get("evicted"))
counted = stats["seawall"]["worker"]["flows_evicted"]
print("evicted %d, counted %d, tuples %d/%d" % (ev, counted, len(t & all_t), len(all_t)))
sys.exit(0 if ev > 0 and ev == counted and all_t <= t else 1)
PY
then
    ok "max_flows=5: evicted flows reported with seawall.evicted and counted in stats"
else
    bad "max_flows=5: eviction not reported or counted right"
fi

echo "cli_bad_input: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
