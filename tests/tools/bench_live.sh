#!/bin/sh
# bench_live.sh SEAWALL - live capture: the same traffic replayed at full speed into a veth
# pair inside a private network namespace, captured by
#   rings:  `seawall run` (one capture thread per interface, batches to the workers), and
#   fanout: tests/tools/fanout.c (one socket per worker in a PACKET_FANOUT hash group, each
#           worker reading its own socket: no capture thread, no copy),
# both with 2 workers and the same detection (rules off), events to /dev/null. Prints packets
# captured, drops, CPU time per packet and peak RSS. Figures only; asserts nothing.
#   BENCH_LIVE_ROUNDS (default 2): rounds per design, alternating; the best is printed.
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
make --no-print-directory "$B/tools/fanout" >/dev/null || exit 2
T=$(mktemp -d /tmp/seawall-bench.XXXXXX)
chmod 0755 "$T"
cleanup() {
    pkill -KILL -f "$T/" 2>/dev/null
    ns_teardown
    rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 1' INT TERM
ns_setup "seawall-bench-$$" || exit 1
ip netns exec "$NS" ip link set veth1 promisc on

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

# one NAME: start the receiver, replay, stop it; appends "NAME sent captured drops cpu rss".
one() {
    name=$1
    rm -f "$T/stats.json" "$T/recv.out"
    if [ "$name" = rings ]; then
        ip netns exec "$NS" /usr/bin/time -f "%U %S %M" -o "$T/time" \
            "$SW" run -c "$T/seawall.yaml" 2>"$T/recv.err" &
    else
        ip netns exec "$NS" /usr/bin/time -f "%U %S %M" -o "$T/time" \
            "$B/tools/fanout" veth1 2 >"$T/recv.out" 2>"$T/recv.err" &
    fi
    pid=$!
    sleep 4 # nDPI's modules and the threads are up well within this
    sent=$(ns_replay 0 "$CAP" 2>/dev/null)
    sleep 3 # what the kernel still holds is read, not counted as lost
    # Signal the receiver itself, not the time(1) that waits for it.
    exe=$SW
    [ "$name" = fanout ] && exe=$(realpath "$B/tools/fanout")
    for p in $(pgrep -f "$exe"); do
        [ "$(readlink "/proc/$p/exe")" = "$exe" ] && kill -TERM "$p"
    done
    wait "$pid"
    if [ "$name" = rings ]; then
        set -- $(python3 -c "
import json
s = [json.loads(l) for l in open('$T/stats.json')][-1]
i = s['seawall']['interfaces'][0]
print(i['pkts'], i['kernel_drops'] + i['ring_drops'])" 2>/dev/null)
    else
        set -- $(awk '{ print $2, $4 }' "$T/recv.out")
    fi
    captured=${1:-0} drops=${2:-0}
    read -r u s m <"$T/time"
    echo "$name $sent $captured $drops $(echo "$u + $s" | bc) $m" >>"$T/results"
}

rounds=${BENCH_LIVE_ROUNDS:-2}
i=0
while [ $i -lt "$rounds" ]; do
    one rings
    one fanout
    i=$((i + 1))
done
echo "bench live: $CAP replayed at full speed into a veth pair (tcpreplay --topspeed), 2 workers"
awk '
    { if (!($1 in best) || $5 / ($3 > 0 ? $3 : 1) < cpp[$1]) {
          best[$1] = $0; cpp[$1] = $5 / ($3 > 0 ? $3 : 1) } }
    END {
        printf "  %-8s %10s %10s %8s %9s %12s %9s\n", "design", "sent", "captured", "drops",
               "cpu s", "cpu us/pkt", "rss MB"
        for (n in best) {
            split(best[n], f, " ")
            printf "  %-8s %10d %10d %8d %9.2f %12.2f %9.1f\n", f[1], f[2], f[3], f[4], f[5],
                   1e6 * f[5] / (f[3] > 0 ? f[3] : 1), f[6] / 1024
        }
        if (("rings" in cpp) && ("fanout" in cpp) && cpp["fanout"] > 0)
            printf "  CPU per packet, rings / fanout: %.2f\n", cpp["rings"] / cpp["fanout"]
    }' "$T/results"
