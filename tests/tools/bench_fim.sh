#!/bin/sh
# bench_fim.sh SEAWALL - the FIM baseline against AIDE on the same generated trees (100k and
# 1M files by default): the first walk that builds the baseline (`seawall fim update` on an
# empty baseline, `aide --init`), the walk-and-compare with nothing changed (`seawall fim
# check`, `aide --check`), and again after 1% of the files changed; wall time, peak RSS
# (GNU time) and database size. Same attributes on both sides (AIDE: p+u+g+s+m+sha256+ftype+l,
# every non-directory), same number of hashing threads (FIM_BENCH_JOBS, AIDE num_workers).
# Warm page cache: each tree is read once before timing. Prints figures; asserts nothing.
#   FIM_BENCH_FILES (default "100000 1000000"), FIM_BENCH_JOBS (default 2), FIM_BENCH_RUNS
#   (default 2: the best time of that many runs; the machine may be shared),
#   FIM_BENCH_DIR (default build/bench/fim; needs about 1.2 GB for 1M files).
SW=${1:?usage: bench_fim.sh SEAWALL}
cd "$(dirname "$0")/../.." || exit 2
if ! command -v aide >/dev/null 2>&1; then
    echo "bench fim: skipped: aide not installed (make deps)"
    exit 0
fi
SW=$(cd "$(dirname "$SW")" && pwd)/$(basename "$SW")
FILES=${FIM_BENCH_FILES:-100000 1000000}
JOBS=${FIM_BENCH_JOBS:-2}
RUNS=${FIM_BENCH_RUNS:-2}
W=${FIM_BENCH_DIR:-build/bench/fim}
mkdir -p "$W"
W=$(cd "$W" && pwd)

# run NAME CMD...: the best wall time of FIM_BENCH_RUNS runs and the peak RSS (KiB) into $t
# and $m; $PREP (a shell command) runs before each.
run() {
    name=$1
    shift
    t=- m=0
    r=0
    while [ $r -lt "$RUNS" ]; do
        r=$((r + 1))
        [ -n "$PREP" ] && eval "$PREP"
        /usr/bin/time -f "%e %M" -o "$W/time" "$@" >"$W/out" 2>"$W/err"
        rc=$?
        if [ "$rc" -gt 7 ] || ! grep -qE '^[0-9.]+ [0-9]+$' "$W/time"; then
            echo "bench fim: $name failed (exit $rc): $(tail -n 2 "$W/err")"
            t=- m=-
            return
        fi
        read -r rt rm <<EOF_T
$(grep -E '^[0-9.]+ [0-9]+$' "$W/time")
EOF_T
        if [ "$t" = - ] || [ "$(echo "$rt < $t" | bc)" = 1 ]; then t=$rt; fi
        [ "$rm" -gt "$m" ] && m=$rm
    done
}

row() { printf '%-8s %-28s %8s s %8s MiB %10s\n' "$1" "$2" "$3" "$4" "$5"; }
mib() { [ "$1" = - ] && echo - || echo $(($1 / 1024)); }
size() { [ -f "$1" ] && du -h --apparent-size "$1" | cut -f1 || echo -; }

for n in $FILES; do
    T=$W/tree-$n
    if [ ! -f "$W/tree-$n.done" ]; then
        rm -rf "$T"
        echo "bench fim: making $T ($n files)"
        python3 tests/tools/mkfimtree.py "$T" "$n" >/dev/null || exit 2
        touch "$W/tree-$n.done"
    fi
    cat >"$W/aide-$n.conf" <<EOF_C
database_in=file:$W/aide-$n.db
database_out=file:$W/aide-$n.db.new
gzip_dbout=no
report_format=json
report_url=stdout
num_workers=$JOBS
Seawall = p+u+g+s+m+sha256+ftype+l
$T f,l,p,s,c,b Seawall
EOF_C
    find "$T" -type f -exec cat {} + >/dev/null # warm the page cache
    echo "bench fim: $n files, $JOBS hashing threads each, best of $RUNS runs"
    printf '%-8s %-28s %10s %12s %10s\n' files run time "peak RSS" database
    PREP='rm -f "$W/fim-$n.db" "$W/fim-$n.db-wal" "$W/fim-$n.db-shm"'
    run "fim update (init)" "$SW" fim update -j "$JOBS" --db "$W/fim-$n.db" "$T"
    row "$n" "seawall fim update (build)" "$t" "$(mib "$m")" "$(size "$W/fim-$n.db")"
    PREP='rm -f "$W/aide-$n.db"*'
    run "aide --init" aide --init -c "$W/aide-$n.conf"
    mv "$W/aide-$n.db.new" "$W/aide-$n.db" 2>/dev/null
    row "$n" "aide --init" "$t" "$(mib "$m")" "$(size "$W/aide-$n.db")"
    PREP=""
    run "fim check" "$SW" fim check -j "$JOBS" --db "$W/fim-$n.db" "$T"
    row "$n" "seawall fim check (same)" "$t" "$(mib "$m")" "-"
    run "aide --check" aide --check -c "$W/aide-$n.conf"
    row "$n" "aide --check (same)" "$t" "$(mib "$m")" "-"
    # 1% of the files changed: rewritten, chmod, removed, added.
    k=$((n / 400))
    find "$T" -name 'f*' | awk -v k="$k" 'NR % 100 == 7 { print }' >"$W/changed"
    head -n "$k" "$W/changed" | while read -r f; do printf 'x' >>"$f"; done
    sed -n "$((k + 1)),$((2 * k))p" "$W/changed" | xargs chmod 600
    sed -n "$((2 * k + 1)),$((3 * k))p" "$W/changed" | xargs rm -f
    sed -n "$((3 * k + 1)),$((4 * k))p" "$W/changed" | while read -r f; do printf 'n' >"$f.new"; done
    run "fim check" "$SW" fim check -j "$JOBS" --db "$W/fim-$n.db" "$T"
    nf=$(grep -c '"event_type":"fim"' "$W/out")
    row "$n" "seawall fim check (1% chg)" "$t" "$(mib "$m")" "$nf events"
    run "aide --check" aide --check -c "$W/aide-$n.conf"
    row "$n" "aide --check (1% chg)" "$t" "$(mib "$m")" "-"
    # Put the tree back for the next run.
    rm -rf "$T" "$W/tree-$n.done"
done
