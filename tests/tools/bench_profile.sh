#!/bin/sh
# bench_profile.sh SEAWALL - the cost of per-rule profiling (issue 14): `seawall pcap -w 1` on
# the bench capture with the municipal ruleset and the default YARA rules, profiling off and
# on (best of 3 each), and the same with a public ruleset when SEAWALL_RULESET names a folder
# of *.rules. Off, the matcher and the YARA scanner test one pointer per rule evaluation and
# per scan; on, each evaluation reads the clock twice. Prints figures; asserts nothing.
SW=${1:?usage: bench_profile.sh SEAWALL}
cd "$(dirname "$0")/../.." || exit 2
B=$(dirname "$SW")
CORPUS=${SEAWALL_CORPUS:-../shared/corpus}
EX=$CORPUS/ndpi-4.2/example
[ -d "$EX" ] || EX=tests/data/corpus-mini/ndpi-4.2/example
CAP=build/bench/bench.pcap
W=build/bench/profile
if [ ! -f "$CAP" ]; then
    echo "bench: $CAP missing (make bench builds it first): profiling overhead skipped"
    exit 0
fi
rm -rf "$W"
mkdir -p "$W/rules" "$W/cache"
cp rules/municipal/*.rules rules/default/*.yar "$W/rules/" && cp -r rules/municipal/ioc "$W/rules/"
PKTS=$("$B/tools/pcapread" "$CAP" | cut -d' ' -f1)

# best NAME CMD...: the best wall time of 3 runs, in seconds
best() {
    name=$1
    shift
    b=""
    for i in 1 2 3; do
        /usr/bin/time -f "%e" -o "$W/$name.time" "$@" >/dev/null 2>"$W/$name.err"
        rc=$?
        if [ $rc -gt 1 ]; then
            echo "bench: $name failed (exit $rc): $(tail -n 2 "$W/$name.err")" >&2
            echo 0
            return
        fi
        t=$(tail -n 1 "$W/$name.time")
        if [ -z "$b" ] || [ "$(echo "$t < $b" | bc)" = 1 ]; then b=$t; fi
    done
    echo "$b"
}

# pair LABEL RULES: profiling off, then on, and the ratio
pair() {
    off=$(best "$1-off" "$SW" pcap -w 1 --ndpi-dir "$EX" --rules "$2" --cache "$W/cache" \
        -o /dev/null "$CAP")
    on=$(best "$1-on" "$SW" pcap -w 1 --ndpi-dir "$EX" --rules "$2" --cache "$W/cache" \
        --profile-rules --set rules.profiling_limit=10 -o /dev/null "$CAP")
    echo "$1 $off $on $PKTS" | awk '{
        printf "%-28s off %7.2f s (%8.0f pkt/s)   on %7.2f s (%8.0f pkt/s)   on/off %.3f\n",
               $1, $2, $4 / ($2 > 0 ? $2 : 0.001), $3, $4 / ($3 > 0 ? $3 : 0.001),
               ($2 > 0 ? $3 / $2 : 0) }'
}

echo "bench: rule profiling on $CAP ($PKTS packets), seawall pcap -w 1, best of 3"
pair "municipal+default-yara" "$W/rules"
echo "the costliest rules of that run (stderr table, profiling on):"
sed -n '/^rule profile:/,$p' "$W/municipal+default-yara-on.err" | head -n 16
RS=${SEAWALL_RULESET:-}
if [ -n "$RS" ] && [ -d "$RS" ]; then
    pair "public-ruleset" "$RS"
    echo "the costliest rules of the public ruleset (profiling on):"
    sed -n '/^rule profile:/,$p' "$W/public-ruleset-on.err" | head -n 16
else
    echo "bench: no public ruleset (set SEAWALL_RULESET to a folder of *.rules): its overhead skipped"
fi
