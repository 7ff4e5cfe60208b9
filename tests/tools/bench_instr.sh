#!/bin/sh
# bench_instr.sh SEAWALL - instruction counts (callgrind: they do not depend on machine load)
# of `seawall pcap -w 1` against `ndpiReader -q` on the same capture with the same nDPI files
# (issue 13): instructions per packet after start-up, start-up apart (a run on a capture with
# no packets), per EVE event and per byte of EVE written, and where seawall's instructions go
# by module; then the events per second one output thread writes to a file and one producer
# encodes (tests/tools/evewrite.c). Prints figures; asserts nothing. Needs valgrind; not
# farm-bench.
#   BENCH_INSTR_COPIES (default 1): copies of the corpus in the capture (callgrind runs
#   about 50 times slower than the program: one copy takes a few minutes).
SW=${1:?usage: bench_instr.sh SEAWALL}
cd "$(dirname "$0")/../.." || exit 2
B=$(dirname "$SW")
for t in valgrind callgrind_annotate ndpiReader python3; do
    if ! command -v "$t" >/dev/null 2>&1; then
        echo "skipped: $t not installed (make deps)"
        exit 77
    fi
done
CORPUS=${SEAWALL_CORPUS:-../shared/corpus}
SRC=$CORPUS/ndpi-4.2/pcap
EX=$CORPUS/ndpi-4.2/example
if [ ! -d "$SRC" ]; then
    echo "bench-instr: corpus not found ($SRC); using tests/data/corpus-mini"
    SRC=tests/data/corpus-mini/ndpi-4.2/pcap
    EX=tests/data/corpus-mini/ndpi-4.2/example
fi
COPIES=${BENCH_INSTR_COPIES:-1}
W=build/bench/instr
CAP=$W/bench.pcap
mkdir -p "$W"
make --no-print-directory "$B/tools/mkbench" "$B/tools/pcapread" >/dev/null || exit 2
if [ ! -f "$CAP" ] || [ "$(cat "$W/copies" 2>/dev/null)" != "$COPIES" ]; then
    "$B/tools/mkbench" "$CAP" "$COPIES" "$SRC"/* >/dev/null 2>&1 || exit 2
    echo "$COPIES" >"$W/copies"
fi
head -c 24 "$CAP" >"$W/empty.pcap" # the file header alone: start-up and shutdown only
PKTS=$("$B/tools/pcapread" "$CAP" | cut -d' ' -f1)
NDPI_FILES="-p $EX/protos.txt -c $EX/categories.txt -r $EX/risky_domains.txt
    -j $EX/ja3_fingerprints.csv -S $EX/sha1_fingerprints.csv"

# cg NAME CMD...: run CMD under callgrind, print its instruction count
cg() {
    name=$1
    shift
    if ! valgrind --tool=callgrind --callgrind-out-file="$W/$name.out" "$@" \
        >"$W/$name.log" 2>&1; then
        # ndpiReader and seawall exit 0 here; anything else is a failure to report
        echo "bench-instr: $name failed: $(tail -n 3 "$W/$name.log")" >&2
        echo 0
        return
    fi
    sed -n 's/.*I *refs: *\([0-9,]*\).*/\1/p' "$W/$name.log" | tr -d ,
}

echo "bench-instr: $CAP ($COPIES copy of $SRC): $PKTS packets; callgrind, a few minutes"
# the EVE written (events, bytes): a plain run, same options
"$SW" pcap -w 1 --ndpi-dir "$EX" -o "$W/eve.json" "$CAP" 2>/dev/null
EVENTS=$(wc -l <"$W/eve.json")
EVEBYTES=$(wc -c <"$W/eve.json")
SW_RUN=$(cg sw "$SW" pcap -w 1 --ndpi-dir "$EX" -o /dev/null "$CAP")
SW_START=$(cg sw-startup "$SW" pcap -w 1 --ndpi-dir "$EX" -o /dev/null "$W/empty.pcap")
# shellcheck disable=SC2086
ND_RUN=$(cg ndpi ndpiReader -q -i "$CAP" $NDPI_FILES)
# shellcheck disable=SC2086
ND_START=$(cg ndpi-startup ndpiReader -q -i "$W/empty.pcap" $NDPI_FILES)
# The EVE writer: everything under sw_eve_line_recycle (the producers' path) and
# sw_eve_line_create (the main thread's: final stats) - streaming the event, the line's
# allocation when no returned line fits, the copy - inclusive.
EVE=$(callgrind_annotate --inclusive=yes --auto=no "$W/sw.out" 2>/dev/null |
    awk '$0 ~ /:sw_eve_line_(create|recycle) \[/ { gsub(",", "", $1); s += $1 } END { print s + 0 }')

awk -v pkts="$PKTS" -v ev="$EVENTS" -v evb="$EVEBYTES" -v sr="$SW_RUN" -v ss="$SW_START" \
    -v nr="$ND_RUN" -v ns="$ND_START" -v eve="$EVE" 'BEGIN {
    swp = (sr - ss) / pkts; ndp = (nr - ns) / pkts
    printf "%-22s %15s %15s %12s %12s\n", "tool", "instructions", "start-up", "per packet",
           "x ndpiReader"
    printf "%-22s %15.0f %15.0f %12.0f %12s\n", "ndpiReader -q", nr, ns, ndp, "1.00x"
    printf "%-22s %15.0f %15.0f %12.0f %11.2fx\n", "seawall pcap -w 1", sr, ss, swp,
           (ndp > 0 ? swp / ndp : 0)
    if (ev > 0 && evb > 0)
        printf "EVE: %d events, %d bytes; seawall %.0f instructions per event (all work after start-up / events); EVE writer %.0f per event, %.1f per byte (target <= 10)\n",
               ev, evb, (sr - ss) / ev, eve / ev, eve / evb
    print "target: seawall per packet <= 1.3x ndpiReader"
}'
python3 tests/tools/cg_table.py "$W/sw.out" "$W/sw-startup.out"

# The ceiling of one output thread: EVE lines written through the file sink, and events
# encoded by one producer (CPU time of the thread, so the machine's load matters little).
make --no-print-directory "$B/tools/evewrite" >/dev/null || exit 2
"$B/tools/evewrite" "$W/eve.json" "$W/evewrite.out"
rm -f "$W/evewrite.out"
