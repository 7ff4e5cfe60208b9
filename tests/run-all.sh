#!/bin/sh
# run-all.sh BUILD_DIR - every test of one build variant: cmocka unit tests, fuzz-corpus
# replay, command-line integration tests, and the corpus tests (skipped when
# ../shared/corpus is absent). Prints a summary line "N passed, N failed".
B=${1:?usage: run-all.sh BUILD_DIR}
cd "$(dirname "$0")/.." || exit 2
CORPUS=${SEAWALL_CORPUS:-../shared/corpus}
export SEAWALL_CORPUS="$CORPUS"
variant=$(basename "$B")
pass=0 fail=0 skip=0
log=$(mktemp -d)
trap 'rm -rf "$log"' EXIT INT TERM

note() { printf '%s\n' "$*"; }
result() { # name rc
    case $2 in
        0) pass=$((pass + 1)); note "[$variant] PASS $1" ;;
        77) skip=$((skip + 1)); note "[$variant] SKIP $1" ;;
        *) fail=$((fail + 1)); note "[$variant] FAIL $1 (exit $2)" ;;
    esac
}

# 1. cmocka unit tests: one binary per module; cmocka prints its own summary.
for t in "$B"/tests/test_*; do
    [ -x "$t" ] || continue
    "$t" >"$log/out" 2>&1
    rc=$?
    cat "$log/out"
    result "unit $(basename "$t")" $rc
done

# 2. Fuzz targets over their seed corpora (libFuzzer itself runs in `make fuzz`).
for t in "$B"/fuzz-replay/fuzz_*; do
    [ -x "$t" ] || continue
    name=$(basename "$t")
    "$t" tests/fuzz/corpus/"$name" >"$log/out" 2>&1
    rc=$?
    tail -n 3 "$log/out"
    result "fuzz-replay $name" $rc
done

# 3. Integration tests: each prints its checks and exits 0/1/77.
for t in tests/integration/*.sh; do
    [ -f "$t" ] || continue
    sh "$t" "$B/seawall" >"$log/out" 2>&1
    rc=$?
    cat "$log/out"
    result "integration $(basename "$t" .sh)" $rc
done

# 4. nDPI corpus agreement (the sanitizer build checks the same captures, slower). Without
#    ../shared/corpus, the committed subset in tests/data/corpus-mini stands in.
ndpi_corpus=$CORPUS
if [ ! -d "$CORPUS/ndpi-4.2" ]; then
    echo "[$variant] ndpi corpus: skipped: corpus not found ($CORPUS); using tests/data/corpus-mini"
    ndpi_corpus=tests/data/corpus-mini
fi
# The release build also checks that --workers 3 gives the same events as --workers 1.
wk="--compare-workers 3 --workers-known tests/workers-known-differences.tsv"
[ -n "$SEAWALL_SAN" ] && wk=""
python3 tests/integration/ndpi_corpus.py --seawall "$B/seawall" --corpus "$ndpi_corpus" \
    --known tests/ndpi-known-differences.tsv --overrides tests/ndpi-reference-overrides.tsv \
    $wk >"$log/out" 2>&1
rc=$?
grep -v ' 100.00%$' "$log/out" | tail -n 60
result "integration ndpi_corpus" $rc

echo "$variant: $pass passed, $fail failed, $skip skipped"
[ "$fail" -eq 0 ]
