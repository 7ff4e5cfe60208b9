#!/bin/sh
# test.sh BUILD_DIR... - run the whole suite for each build variant (release, then the
# ASan+UBSan build) and print the grand total as the last line.
cd "$(dirname "$0")/.." || exit 2
tp=0 tf=0 ts=0 rc=0
for b in "$@"; do
    out=$(mktemp)
    case $b in *san*) export SEAWALL_SAN=1 ;; *) unset SEAWALL_SAN ;; esac
    sh tests/run-all.sh "$b" | tee "$out"
    line=$(grep -E '^[a-z]+: [0-9]+ passed, [0-9]+ failed' "$out" | tail -n 1)
    rm -f "$out"
    set -- $line
    tp=$((tp + $2)); tf=$((tf + $4)); ts=$((ts + $6))
    [ -n "$line" ] || { tf=$((tf + 1)); echo "test: $b produced no summary"; }
done
[ "$tf" -eq 0 ] || rc=1
echo "total: $tp passed, $tf failed, $ts skipped"
exit $rc
