#!/bin/sh
# bench_live.sh SEAWALL - live capture figures, as root, inside a private network namespace:
# the bench capture replayed with tcpreplay into one end of a veth pair, captured on the other.
#   1. rates: 100 Mbit/s, 500 Mbit/s, 1 Gbit/s and top speed, each captured by a plain
#      libpcap loop (tests/tools/livecap.c) and by `seawall run` (2 workers, default
#      detection, events to /dev/null): packets seen, kernel drops, CPU per Gbit;
#   2. design: at top speed, `seawall run` (one capture thread per interface, rings to the
#      workers) against tests/tools/fanout.c (one PACKET_FANOUT socket per worker, no capture
#      thread): CPU per packet, drops;
#   3. memory: 1,000,000 one-packet UDP flows replayed into `seawall run`: RSS with every flow
#      held (the default network.max_flows).
# Figures only; asserts nothing.
#   BENCH_LIVE_ROUNDS (default 2): rounds of part 2, alternating; the best is printed.
#   BENCH_LIVE_FLOWS (default 1000000), BENCH_LIVE_FLOW_PPS (50000): flows of part 3, and the
#   rate they are replayed at.
SW=$(realpath "${1:?usage: bench_live.sh SEAWALL}")
cd "$(dirname "$0")/../.." || exit 2
B=$(dirname "$SW")
. tests/integration/netns.inc
if ! ns_available || ! command -v tcpreplay >/dev/null 2>&1; then
    echo "bench live: skipped: needs root, network namespaces and tcpreplay"
    exit 0
fi
SRC=build/bench/bench.pcap
[ -f "$SRC" ] || { echo "bench live: skipped: run make bench first ($SRC)"; exit 0; }
CAP=build/bench/live.pcap
if [ ! -f "$CAP" ] || [ "$SRC" -nt "$CAP" ]; then
    printf 'bench live: ' && python3 tests/tools/pcapclean.py "$SRC" "$CAP" || exit 2
fi
make --no-print-directory "$B/tools/fanout" "$B/tools/livecap" "$B/tools/pcapread" \
    >/dev/null || exit 2
set -- $("$B/tools/pcapread" "$CAP")
CAP_PKTS=$1 CAP_BYTES=$2
T=$(mktemp -d /tmp/seawall-bench.XXXXXX)
chmod 0755 "$T"
cleanup() {
    for exe in "$SW" "$(realpath "$B/tools/fanout")" "$(realpath "$B/tools/livecap")"; do
        for p in $(pgrep -f "$exe"); do
            [ "$(readlink "/proc/$p/exe")" = "$exe" ] && kill -KILL "$p" 2>/dev/null
        done
    done
    ns_teardown
    rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 1' INT TERM
ns_setup "seawall-bench-$$" || exit 1

cat >"$T/seawall.yaml" <<EOF
agent: {user: nobody, group: nogroup, run_dir: $T, state_dir: $T}
network:
  interfaces: [{name: veth1}]
  workers: 2
rules: {dir: $T/no-rules}
outputs:
  - {type: file, path: /dev/null}
  - {type: file, path: $T/stats.json, types: [stats]}
stats: {interval: 1h}
EOF

# exe_pid EXE: the pid of the running EXE (not the time(1) or ip(8) around it).
exe_pid() {
    for p in $(pgrep -f "$1"); do
        [ "$(readlink "/proc/$p/exe")" = "$1" ] && { echo "$p"; return; }
    done
}

# start DESIGN: run a receiver in the namespace under time(1).
start() {
    rm -f "$T/stats.json" "$T/recv.out" "$T/time"
    case $1 in
    rings)
        exe=$SW
        set -- "$exe" run -c "$T/seawall.yaml"
        ;;
    fanout)
        exe=$(realpath "$B/tools/fanout")
        set -- "$exe" veth1 2
        ;;
    plain)
        exe=$(realpath "$B/tools/livecap")
        set -- "$exe" veth1
        ;;
    esac
    ip netns exec "$NS" /usr/bin/time -f "%U %S %M" -o "$T/time" "$@" \
        >"$T/recv.out" 2>"$T/recv.err" &
    RECV=$!
    sleep 4 # nDPI's modules and the threads are up well within this
}

# stop DESIGN: let the receiver read what the kernel holds, stop it; sets seen drops cpu rss.
stop() {
    sleep 3
    kill -TERM "$(exe_pid "$exe")" 2>/dev/null
    wait "$RECV"
    if [ "$1" = rings ]; then
        set -- $(python3 -c "
import json
s = [json.loads(l) for l in open('$T/stats.json')][-1]
i = s['seawall']['interfaces'][0]
print(i['pkts'], i['kernel_drops'] + i['ring_drops'])" 2>/dev/null)
    else
        set -- $(awk '{ print $2, ($5 == "kernel_drops" ? $6 : $4) }' "$T/recv.out")
    fi
    seen=${1:-0} drops=${2:-0}
    read -r u s rss <"$T/time"
    cpu=$(echo "$u + $s" | bc)
}

replay() {
    case $1 in
    top) rate=--topspeed ;;
    *) rate=--mbps=$1 ;;
    esac
    ip netns exec "$NS" tcpreplay -q --no-flow-stats -i veth0 "$rate" "$CAP" 2>&1 |
        awk '/Successful packets:/ { s += $3 } END { print s + 0 }'
}

echo "bench live: $CAP: $CAP_PKTS packets, $CAP_BYTES bytes; 2 workers; $(nproc) cores"
echo "bench live: 1. rates (plain libpcap loop against seawall run)"
printf '  %-10s %-7s %9s %9s %8s %8s %10s\n' rate design sent seen drops "cpu s" "cpu s/Gbit"
for r in 100 500 1000 top; do
    for d in plain rings; do
        start $d
        sent=$(replay $r)
        stop $d
        printf '  %-10s %-7s %9d %9d %8d %8.2f %10.2f\n' \
            "$([ $r = top ] && echo top || echo "${r}Mbit/s")" \
            "$([ $d = rings ] && echo seawall || echo plain)" "$sent" "$seen" "$drops" "$cpu" \
            "$(echo "$cpu / ($CAP_BYTES * 8 / 1000000000)" | bc -l)"
    done
done

echo "bench live: 2. design at top speed (best of ${BENCH_LIVE_ROUNDS:-2})"
: >"$T/results"
i=0
while [ $i -lt "${BENCH_LIVE_ROUNDS:-2}" ]; do
    for d in rings fanout; do
        start $d
        sent=$(replay top)
        stop $d
        echo "$d $sent $seen $drops $cpu $rss" >>"$T/results"
    done
    i=$((i + 1))
done
awk '
    { c = $5 / ($3 > 0 ? $3 : 1); if (!($1 in best) || c < cpp[$1]) { best[$1] = $0; cpp[$1] = c } }
    END {
        printf "  %-8s %10s %10s %8s %9s %12s %9s\n", "design", "sent", "seen", "drops",
               "cpu s", "cpu us/pkt", "rss MB"
        for (n in best) {
            split(best[n], f, " ")
            printf "  %-8s %10d %10d %8d %9.2f %12.2f %9.1f\n", f[1], f[2], f[3], f[4], f[5],
                   1e6 * f[5] / (f[3] > 0 ? f[3] : 1), f[6] / 1024
        }
        if (("rings" in cpp) && ("fanout" in cpp) && cpp["fanout"] > 0)
            printf "  CPU per packet, rings / fanout: %.2f\n", cpp["rings"] / cpp["fanout"]
    }' "$T/results"

N=${BENCH_LIVE_FLOWS:-1000000}
echo "bench live: 3. memory with $N flows held (one UDP packet each)"
python3 tests/tools/mkflows.py "$N" "$T/flows.pcap" || exit 2
start rings
# New flows cost far more than packets of known ones (a flow and its nDPI state each): at a
# rate the 2 workers take without loss, so that every flow is held.
ip netns exec "$NS" tcpreplay -q --no-flow-stats -i veth0 --pps="${BENCH_LIVE_FLOW_PPS:-50000}" \
    "$T/flows.pcap" >/dev/null 2>&1
sleep 3
pid=$(exe_pid "$SW")
"$SW" status -c "$T/seawall.yaml" --json >"$T/status.json" 2>/dev/null
rss_kb=$(awk '/^VmRSS:/ { print $2 }' "/proc/$pid/status")
stop rings
python3 - "$T/status.json" "$rss_kb" "$T/stats.json" <<'EOF'
import json, sys
st = json.load(open(sys.argv[1]))
rss = int(sys.argv[2]) * 1024
active = sum(w["flows_active"] for w in st["workers"])
final = [json.loads(l) for l in open(sys.argv[3])][-1]
kd = sum(i["kernel_drops"] for i in final["seawall"]["interfaces"])
rd = sum(i["ring_drops"] for i in final["seawall"]["interfaces"])
print("  flows held %d (kernel drops %d, ring drops %d), RSS %.1f MB, %.0f bytes per flow; "
      "flow table and nDPI state %.1f MB" % (active, kd, rd, rss / 1e6, rss / max(active, 1),
                                             st["memory"]["flows"] / 1e6))
EOF
