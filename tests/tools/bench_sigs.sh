#!/bin/sh
# bench_sigs.sh SEAWALL - Suricata rules with a public ruleset (issue 12): load time and RSS
# (cold: every prefilter database compiled; warm: read from the cache), what loads and what
# is left out (seawall rules check's summary), and `seawall pcap -w 1` on the bench capture
# with and without the ruleset, then the ten costliest rules (--profile-rules and
# rules.profile_file). Prints
# figures; asserts nothing.
#   SEAWALL_RULESET: a folder of *.rules (such as an Emerging Threats Open snapshot's rules/);
#   nothing is downloaded: without it this part says so and stops.
SW=${1:?usage: bench_sigs.sh SEAWALL}
cd "$(dirname "$0")/../.." || exit 2
B=$(dirname "$SW")
RS=${SEAWALL_RULESET:-}
if [ -z "$RS" ] || [ ! -d "$RS" ]; then
    echo "bench: no public ruleset (set SEAWALL_RULESET to a folder of *.rules): signature figures skipped"
    exit 0
fi
CORPUS=${SEAWALL_CORPUS:-../shared/corpus}
EX=$CORPUS/ndpi-4.2/example
[ -d "$EX" ] || EX=tests/data/corpus-mini/ndpi-4.2/example
CAP=build/bench/bench.pcap
W=build/bench/sigs
rm -rf "$W"
mkdir -p "$W/cache"
make --no-print-directory "$B/tools/sigload" >/dev/null || exit 2

# timed NAME RUNS CMD...: wall seconds and peak RSS (GNU time), the best of RUNS runs (the
# machine may be shared); output of the last run in $W/NAME.out, "secs kb" in $W/NAME.time.
timed() {
    name=$1 runs=$2
    shift 2
    best="" rss=0
    for i in $(seq "$runs"); do
        /usr/bin/time -f "%e %M" -o "$W/$name.one" "$@" >"$W/$name.out" 2>"$W/$name.err"
        rc=$?
        if [ $rc -gt 1 ]; then
            echo "bench: $name failed (exit $rc): $(tail -n 2 "$W/$name.err")"
            return 1
        fi
        read -r secs kb <"$W/$name.one"
        if [ -z "$best" ] || [ "$(echo "$secs < $best" | bc)" = 1 ]; then best=$secs; fi
        [ "$kb" -gt "$rss" ] && rss=$kb
    done
    echo "$best $rss" >"$W/$name.time"
    printf '%-22s %8.2f s %9.1f MB\n' "$name" "$best" "$(echo "$rss / 1024" | bc -l)"
}

echo "bench: Suricata rules from $RS ($(cat "$RS"/*.rules | grep -cE '^[[:space:]]*(alert|pass|drop|reject)') rule lines)"
timed "load-cold" 1 "$B/tools/sigload" "$RS" "$W/cache"
timed "load-warm" 3 "$B/tools/sigload" "$RS" "$W/cache"
grep -E '^(load_seconds|rules|left_out|failed|databases|databases_cached|always_run) ' \
    "$W/load-cold.out" | tr '\n' ' ' | sed 's/^/cold: /'
echo
grep -E '^(load_seconds|databases_cached) ' "$W/load-warm.out" | tr '\n' ' ' | sed 's/^/warm: /'
echo
timed "rules-check" 1 "$SW" rules check "$RS"
grep -E '^suricata: ' "$W/rules-check.out" | tail -n 11
echo "target: load in under 10 s"

if [ ! -f "$CAP" ]; then
    echo "bench: $CAP missing (make bench builds it first): throughput skipped"
    exit 0
fi
PKTS=$("$B/tools/pcapread" "$CAP" | cut -d' ' -f1)
timed "pcap-no-rules" 3 "$SW" pcap -w 1 --ndpi-dir "$EX" -o /dev/null "$CAP"
timed "pcap-ruleset" 3 "$SW" pcap -w 1 --ndpi-dir "$EX" --rules "$RS" --cache "$W/cache" \
    -o "$W/eve.json" "$CAP"
# The same two runs on a capture without packets (a pcap header alone): start-up only (nDPI's
# set-up; with the ruleset, loading it from the warm cache), taken off the times above for the
# packets' throughput alone.
printf '\324\303\262\241\002\000\004\000\000\000\000\000\000\000\000\000\377\377\000\000\001\000\000\000' \
    >"$W/empty.pcap"
timed "start-no-rules" 3 "$SW" pcap -w 1 --ndpi-dir "$EX" -o /dev/null "$W/empty.pcap"
timed "start-ruleset" 3 "$SW" pcap -w 1 --ndpi-dir "$EX" --rules "$RS" --cache "$W/cache" \
    -o /dev/null "$W/empty.pcap"
a=$(cut -d' ' -f1 "$W/pcap-no-rules.time")
b=$(cut -d' ' -f1 "$W/pcap-ruleset.time")
a0=$(cut -d' ' -f1 "$W/start-no-rules.time")
b0=$(cut -d' ' -f1 "$W/start-ruleset.time")
echo "$a $b $PKTS $(grep -c '"detector":"rule"' "$W/eve.json") $a0 $b0" | awk '{
    printf "pcap -w 1: %.0f packets/s without rules, %.0f with the ruleset (%d rule alerts): %.2fx\n",
           $3 / ($1 > 0 ? $1 : 0.001), $3 / ($2 > 0 ? $2 : 0.001), $4, ($2 > 0 ? $1 / $2 : 0)
    pa = $1 - $5; pb = $2 - $6
    printf "packets alone (start-up of %.2f s and %.2f s taken off): %.0f packets/s without rules, %.0f with the ruleset: %.2fx\n",
           $5, $6, $3 / (pa > 0 ? pa : 0.001), $3 / (pb > 0 ? pb : 0.001), (pb > 0 ? pa / pb : 0)
    print "target: >= 0.5x"
}'
# Profiling costs two clock reads per evaluation: a run of its own.
timed "pcap-profiled" 1 "$SW" pcap -w 1 --ndpi-dir "$EX" --rules "$RS" --cache "$W/cache" \
    --profile-rules --set rules.profiling_limit=10 --set rules.profile_file="$PWD/$W/profile.txt" \
    -o /dev/null "$CAP"
if grep -q "^ *1  suricata " "$W/profile.txt" 2>/dev/null; then
    echo "the ten costliest rules (rules.profile_file: the --profile-rules table):"
    sed -n '/^rule profile: /,$p' "$W/profile.txt"
else
    echo "bench: no rule was evaluated (no profile written)"
fi
