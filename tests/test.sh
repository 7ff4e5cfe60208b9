#!/bin/sh
# test.sh BUILD_DIR... - run the whole suite for each build variant (release, then the
# ASan+UBSan build), list what failed and what was skipped (a skip is never a pass: see
# tests/run-all.sh), and print the grand total as the last line:
#   total: N passed, N failed, N skipped
cd "$(dirname "$0")/.." || exit 2
tp=0 tf=0 ts=0 rc=0
notes=$(mktemp)
trap 'rm -f "$notes"' EXIT INT TERM
for b in "$@"; do
    out=$(mktemp)
    case $b in *san*) export SEAWALL_SAN=1 ;; *) unset SEAWALL_SAN ;; esac
    sh tests/run-all.sh "$b" | tee "$out"
    line=$(grep -E '^[a-z]+: [0-9]+ passed, [0-9]+ failed, [0-9]+ skipped$' "$out" | tail -n 1)
    grep -E '^\[[a-z]+\] (FAIL|SKIP) ' "$out" >>"$notes"
    rm -f "$out"
    if [ -n "$line" ]; then
        set -- $line
        tp=$((tp + $2)); tf=$((tf + $4)); ts=$((ts + $6))
    else
        tf=$((tf + 1))
        echo "[$(basename "$b")] FAIL run-all.sh produced no summary line" >>"$notes"
    fi
done
[ "$tf" -eq 0 ] || rc=1
if [ -s "$notes" ]; then
    echo "--- not passed:"
    cat "$notes"
fi
echo "total: $tp passed, $tf failed, $ts skipped"
exit $rc
