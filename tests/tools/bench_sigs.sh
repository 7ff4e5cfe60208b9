#!/bin/sh
# bench_sigs.sh SEAWALL - Suricata rules with a public ruleset (issue 12): load time and RSS
# (cold: every prefilter database compiled; warm: read from the cache), what loads and what
# is left out (seawall rules check's summary), and `seawall pcap -w 1` on the bench capture
# with and without the ruleset, then the ten costliest rules (rules.profile_file). Prints
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
a=$(cut -d' ' -f1 "$W/pcap-no-rules.time")
b=$(cut -d' ' -f1 "$W/pcap-ruleset.time")
echo "$a $b $PKTS $(grep -c '"detector":"rule"' "$W/eve.json")" | awk '{
    printf "pcap -w 1: %.0f packets/s without rules, %.0f with the ruleset (%d rule alerts): %.2fx\n",
           $3 / ($1 > 0 ? $1 : 0.001), $3 / ($2 > 0 ? $2 : 0.001), $4, ($2 > 0 ? $1 / $2 : 0)
    print "target: >= 0.5x"
}'
# Profiling costs two clock reads per evaluation: a run of its own.
timed "pcap-profiled" 1 "$SW" pcap -w 1 --ndpi-dir "$EX" --rules "$RS" --cache "$W/cache" \
    --set rules.profile_file="$PWD/$W/profile.tsv" -o /dev/null "$CAP"
if [ -s "$W/profile.tsv" ]; then
    echo "the ten costliest rules (gid:sid, evaluations, matches, ms; from rules.profile_file):"
    awk -F '\t' '{ c[$1] += $2; m[$1] += $3; ns[$1] += $4 }
        END { for (k in ns) printf "%s\t%d\t%d\t%.1f\n", k, c[k], m[k], ns[k] / 1e6 }' \
        "$W/profile.tsv" | sort -t "$(printf '\t')" -k4,4 -rn | head -n 10
else
    echo "bench: no rule was evaluated (no profile written)"
fi
