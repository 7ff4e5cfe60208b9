#!/bin/sh
# bench_scan.sh SEAWALL - `seawall scan` against `yara -r -p N` (N = 1 and 2) on the same
# tree with the same rules and the same LOKI externals. Prints figures; asserts nothing.
#   BENCH_SCAN_RULES  a folder of YARA rules (default rules/default). For a public set, point
#                     it at a checkout of signature-base's yara/ folder (the rules LOKI uses):
#                     nothing is downloaded here.
#   BENCH_SCAN_MIB, BENCH_SCAN_FILES  the tree tests/tools/mkscantree.py writes (default 64
#                     MiB in 3,894 files: web pages, scripts, office files, PE and ELF
#                     binaries, images; a few that public webshell rules match)
#   BENCH_ROUNDS      rounds (default 5); each runs seawall and yara in turn, N = 1 then 2
# Both load compiled rules: seawall from its rule cache (warmed first), yara from one file
# yarac compiled with fixed externals (yara sets them once, seawall per file, as LOKI does).
# Figures: the median over the rounds of wall and CPU seconds, and yara's time / seawall's
# ("x yara": above 1.0 seawall is the faster).
SW=$(realpath "${1:?usage: bench_scan.sh SEAWALL}")
cd "$(dirname "$0")/../.." || exit 2
if ! command -v yara >/dev/null 2>&1 || ! command -v yarac >/dev/null 2>&1; then
    echo "bench_scan: skipped: needs yara and yarac"
    exit 0
fi
RULES=${BENCH_SCAN_RULES:-rules/default}
MIB=${BENCH_SCAN_MIB:-64}
NFILES=${BENCH_SCAN_FILES:-3894}
ROUNDS=${BENCH_ROUNDS:-5}
W=build/bench/scan
TREE=$W/tree
mkdir -p "$W"
if [ "$(cat "$W/tree.stamp" 2>/dev/null)" != "$MIB $NFILES" ]; then
    rm -rf "$TREE"
    python3 tests/tools/mkscantree.py "$TREE" "$MIB" "$NFILES" || exit 2
    echo "$MIB $NFILES" >"$W/tree.stamp"
fi
YX="-d filename=x -d filepath=/x -d extension=.x -d filetype=UNKNOWN -d owner=root"
YX="$YX -d seawall_source=file"
# shellcheck disable=SC2086 # YX is a list of options
if ! find "$RULES" -type f \( -name '*.yar' -o -name '*.yara' \) -print0 | sort -z |
    xargs -0 -s 1000000 sh -c 'yarac "$@" '"$W/rules.yarc" sh $YX >"$W/yarac.err" 2>&1; then
    echo "bench_scan: skipped: yarac could not compile $RULES: $(tail -n 1 "$W/yarac.err")"
    exit 0
fi
CACHE=$W/cache
mkdir -p "$W/empty"
"$SW" scan --rules "$RULES" --cache "$CACHE" -o /dev/null "$W/empty" >/dev/null 2>&1
NR=$(find "$RULES" -type f \( -name '*.yar' -o -name '*.yara' \) | wc -l)
echo "bench_scan: $TREE ($MIB MiB, $NFILES files) with $RULES ($NR rule files), $ROUNDS rounds"

# one NAME CMD...: wall and CPU seconds of one run, appended to $W/NAME.
one() {
    name=$1
    shift
    # -q: a run that exits 1 (seawall found a match) must not add time's "Command exited
    # with non-zero status" line, which the median below would read as a time of 0.
    /usr/bin/time -q -f "%e %U %S" -o "$W/time" "$@" >"$W/out" 2>"$W/err"
    rc=$?
    if [ "$rc" -gt 1 ]; then
        echo "bench_scan: $name failed (exit $rc): $(tail -n 2 "$W/err")"
        exit 2
    fi
    awk '{ print $1, $2 + $3 }' "$W/time" >>"$W/$name"
}
for n in 1 2; do
    : >"$W/seawall-t$n"
    : >"$W/yara-p$n"
done
r=0
while [ "$r" -lt "$ROUNDS" ]; do
    for n in 1 2; do
        one "seawall-t$n" "$SW" scan --rules "$RULES" --cache "$CACHE" --threads "$n" \
            -o /dev/null "$TREE"
        # shellcheck disable=SC2086
        one "yara-p$n" yara -N -r -p "$n" -C "$W/rules.yarc" "$TREE"
    done
    r=$((r + 1))
done
med() { sort -n | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
printf '%-16s %9s %9s %9s %9s %9s\n' "N threads" "seawall s" "yara s" "x yara" "sw cpu s" \
    "yara cpu"
for n in 1 2; do
    sw=$(cut -d' ' -f1 "$W/seawall-t$n" | med)
    ya=$(cut -d' ' -f1 "$W/yara-p$n" | med)
    swc=$(cut -d' ' -f2 "$W/seawall-t$n" | med)
    yac=$(cut -d' ' -f2 "$W/yara-p$n" | med)
    awk -v n="$n" -v sw="$sw" -v ya="$ya" -v swc="$swc" -v yac="$yac" 'BEGIN {
        printf "%-16s %9.2f %9.2f %8.2fx %9.2f %9.2f\n", "scan -t " n, sw, ya,
               (sw > 0 ? ya / sw : 0), swc, yac }'
done
echo "target: seawall scan >= 1.0x yara at 1 and 2 threads (wall, median of $ROUNDS)"
