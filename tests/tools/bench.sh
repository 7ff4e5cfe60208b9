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
        /usr/bin/time -f "%e %M" -o build/bench/time "$@" >/dev/null 2>build/bench/err
        rc=$?
        # 1 is "found something" for scanners; above is a failure.
        if [ "$rc" -gt 1 ] || ! grep -qE '^[0-9.]+ [0-9]+$' build/bench/time; then
            echo "bench: $name failed (exit $rc): $(tail -n 2 build/bench/err)"
            return
        fi
        read -r t m <<EOF_T
$(grep -E '^[0-9.]+ [0-9]+$' build/bench/time)
EOF_T
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
        print "targets (issue 13): seawall-1w >= 1.3x and seawall-2w >= 1.8x ndpiReader throughput, RSS ratio <= 1.0"
    }'

# --- the cost of TCP reassembly, HTTP bodies and YARA on `seawall pcap` (one worker, same
#     capture): no reassembly at all (network.http.bodies=false, no rules), HTTP bodies
#     (fileinfo: the default), and stream + HTTP-body YARA with rules/default.
results=""
run "pcap-plain" "$SW" pcap -w 1 --ndpi-dir "$EX" --set network.http.bodies=false -o /dev/null \
    "$CAP"
run "pcap-http-bodies" "$SW" pcap -w 1 --ndpi-dir "$EX" -o /dev/null "$CAP"
run "pcap-rules" "$SW" pcap -w 1 --ndpi-dir "$EX" --rules rules/default -o /dev/null "$CAP"
printf '%s' "$results" | awk -v pkts="$PKTS" '
    { name[NR] = $1; t[NR] = ($2 > 0 ? $2 : 0.001); rss[NR] = $3 }
    END {
        printf "%-18s %9s %12s %10s %9s\n", "seawall pcap -w 1", "seconds", "packets/s",
               "peak RSS", "x plain"
        for (i = 1; i <= NR; i++)
            printf "%-18s %9.2f %12.0f %8.1fMB %8.2fx\n", name[i], t[i], pkts / t[i],
                   rss[i] / 1024, t[1] / t[i]
        print "(printed, not asserted: the cost of reassembly, HTTP bodies and YARA)"
    }'

# --- seawall scan against yara 4.2: same rules (rules/default), same files (/usr/bin: yara
#     takes one target), N = 1 and 2 threads; and start-up with a cold and a warm rule cache.
TREE=${BENCH_SCAN_TREE:-/usr/bin}
if command -v yara >/dev/null 2>&1 && [ -d "$TREE" ]; then
    RULES=rules/default
    CACHE=build/bench/rules-cache
    FILES=$(find "$TREE" -type f 2>/dev/null | wc -l)
    MB=$(find "$TREE" -type f -printf '%s\n' 2>/dev/null |
        awk '{ s += $1 } END { printf "%d", s / 1048576 }')
    # yara takes one rule file: the default set concatenated, namespaces aside. Both skip
    # symlinks (yara -N; seawall does not follow them by default) and get the same externals
    # (yara: one fixed value each, seawall: per file).
    cat "$RULES"/*.yar >build/bench/all.yar
    YX="-N -d filename=x -d filepath=/x -d extension=.x -d filetype=UNKNOWN -d owner=root"
    YX="$YX -d seawall_source=file"
    echo "bench: scan $FILES files, $MB MB ($TREE) with $RULES"
    results=""
    for n in 1 2; do
        run "yara-p$n" yara -r -p "$n" $YX build/bench/all.yar "$TREE"
        run "seawall-scan-t$n" "$SW" scan --rules "$RULES" --cache "$CACHE" --threads "$n" \
            -o /dev/null "$TREE"
    done
    printf '%s' "$results" | awk -v mb="$MB" -v files="$FILES" '
        { name[NR] = $1; t[NR] = ($2 > 0 ? $2 : 0.001); rss[NR] = $3 }
        END {
            printf "%-18s %9s %9s %10s %10s %9s\n", "tool", "seconds", "MB/s", "files/s",
                   "peak RSS", "x yara"
            for (i = 1; i <= NR; i++) {
                ref = (i % 2 == 0) ? i - 1 : i
                printf "%-18s %9.2f %9.1f %10.0f %8.1fMB %8.2fx\n", name[i], t[i], mb / t[i],
                       files / t[i], rss[i] / 1024, t[ref] / t[i]
            }
            print "target: seawall scan >= 1.0x yara MB/s at equal threads"
        }'
    # Start-up: compile the rules (cold cache) against loading the saved set (warm cache).
    EMPTY=build/bench/empty
    mkdir -p "$EMPTY"
    results=""
    run "startup-cold" "$SW" scan --rules "$RULES" --no-cache -o /dev/null "$EMPTY"
    "$SW" scan --rules "$RULES" --cache "$CACHE" -o /dev/null "$EMPTY" >/dev/null 2>&1
    run "startup-warm" "$SW" scan --rules "$RULES" --cache "$CACHE" -o /dev/null "$EMPTY"
    printf '%s' "$results" | awk '{ t[NR] = $2; n[NR] = $1 }
        END { printf "start-up: cold %.3f s, warm %.3f s, warm/cold %.2f (target <= 0.2)\n",
              t[1], t[2], (t[1] > 0 ? t[2] / t[1] : 0) }'
else
    echo "bench: yara or $TREE missing: scan benchmark skipped"
fi
