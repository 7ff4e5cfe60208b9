#!/bin/sh
# bench.sh SEAWALL - throughput and memory of `seawall pcap` against nDPI's reader and a
# plain libpcap loop, on the same capture, in the same run. Prints figures; asserts nothing.
#   BENCH_COPIES (default 8): how many times the corpus is laid end to end.
SW=${1:?usage: bench.sh SEAWALL}
cd "$(dirname "$0")/../.." || exit 2
B=$(dirname "$SW")
CORPUS=${SEAWALL_CORPUS:-../shared/corpus}
SRC=$CORPUS/ndpi-4.2/pcap
EX=$CORPUS/ndpi-4.2/example
if [ ! -d "$SRC" ]; then
    echo "bench: corpus not found ($SRC); using tests/data/corpus-mini"
    SRC=tests/data/corpus-mini/ndpi-4.2/pcap
    EX=tests/data/corpus-mini/ndpi-4.2/example
fi
COPIES=${BENCH_COPIES:-8}
CAP=build/bench/bench.pcap
mkdir -p build/bench
make --no-print-directory "$B/tools/mkbench" "$B/tools/pcapread" >/dev/null || exit 2
if [ ! -f "$CAP" ] || [ "$(cat build/bench/copies 2>/dev/null)" != "$COPIES" ]; then
    echo "bench: building $CAP ($COPIES copies of the Ethernet captures of $SRC, one VLAN each)"
    "$B/tools/mkbench" "$CAP" "$COPIES" "$SRC"/* || exit 2
    echo "$COPIES" >build/bench/copies
fi
set -- $("$B/tools/pcapread" "$CAP")
PKTS=$1 BYTES=$2
echo "bench: $CAP: $PKTS packets, $BYTES bytes ($(du -h "$CAP" | cut -f1))"

# run NAME CMD...: best of 3 wall times and the peak RSS, via GNU time.
results=""
run() {
    name=$1
    shift
    best="" rss=0
    for i in 1 2 3; do
        /usr/bin/time -f "%e %M" -o build/bench/time "$@" >/dev/null 2>build/bench/err || {
            echo "bench: $name failed: $(tail -n 2 build/bench/err)"
            return
        }
        read -r t m <build/bench/time
        if [ -z "$best" ] || [ "$(echo "$t < $best" | bc)" = 1 ]; then best=$t; fi
        [ "$m" -gt "$rss" ] && rss=$m
    done
    results="$results$name $best $rss
"
}

run "libpcap-loop" "$B/tools/pcapread" "$CAP"
run "ndpiReader" ndpiReader -q -i "$CAP" -p "$EX/protos.txt" -c "$EX/categories.txt" \
    -r "$EX/risky_domains.txt" -j "$EX/ja3_fingerprints.csv" -S "$EX/sha1_fingerprints.csv"
run "seawall-1w" "$SW" pcap -w 1 --ndpi-dir "$EX" -o /dev/null "$CAP"
run "seawall-2w" "$SW" pcap -w 2 --ndpi-dir "$EX" -o /dev/null "$CAP"

printf '%s' "$results" | awk -v pkts="$PKTS" -v bytes="$BYTES" '
    { name[NR] = $1; t[NR] = ($2 > 0 ? $2 : 0.001); rss[NR] = $3; if ($1 == "ndpiReader") ref = NR }
    END {
        printf "%-14s %9s %12s %9s %10s %11s %9s\n", "tool", "seconds", "packets/s", "Gbit/s",
               "peak RSS", "x ndpiReader", "RSS ratio"
        for (i = 1; i <= NR; i++) {
            pps = pkts / t[i]; gbps = bytes * 8 / t[i] / 1e9
            xr = ref ? t[ref] / t[i] : 0; rr = ref ? rss[i] / rss[ref] : 0
            printf "%-14s %9.2f %12.0f %9.3f %8.1fMB %11.2fx %9.2f\n", name[i], t[i], pps, gbps,
                   rss[i] / 1024, xr, rr
        }
        print "targets: seawall-1w >= 1.0x and seawall-2w >= 1.8x ndpiReader throughput, RSS ratio <= 1.0"
    }'
