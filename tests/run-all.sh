#!/bin/sh
# run-all.sh BUILD_DIR [PART...] - every test of one build variant: cmocka unit tests, fuzz-corpus
# replay, command-line integration tests, and the corpus tests (the committed subset in
# tests/data/corpus-mini stands in when ../shared/corpus is absent). PARTs: unit, fuzz,
# integration, corpus (default: all four; `make unit` runs `unit`).
# Each binary or script is one line: PASS, FAIL or SKIP. A skip is never a pass: a cmocka binary
# with a skipped test, or a script that exits 0 but skipped some of its checks (a line
# "skip - ...", "skipped: ...", "NAME: skipped ..." or a TAP "# skip", or a closing line
# "NAME: N passed, N failed, N skipped" with N > 0), is a SKIP line that says how many.
# Prints the summary line "VARIANT: N passed, N failed, N skipped"; exits 1 on any failure.
# SEAWALL_PARTS gives the parts when none is named, SEAWALL_INTEGRATION_DIR another folder of
# integration scripts (tests/integration/runner_counts.sh uses both on a fake suite).
B=${1:?usage: run-all.sh BUILD_DIR [unit|fuzz|integration|corpus...]}
shift
PARTS=${*:-${SEAWALL_PARTS:-unit fuzz integration corpus}}
IDIR=${SEAWALL_INTEGRATION_DIR:-tests/integration}
cd "$(dirname "$0")/.." || exit 2
CORPUS=${SEAWALL_CORPUS:-../shared/corpus}
export SEAWALL_CORPUS="$CORPUS"
variant=$(basename "$B")
pass=0 fail=0 skip=0
log=$(mktemp -d)
trap 'rm -rf "$log"' EXIT INT TERM

note() { printf '%s\n' "$*"; }
# result NAME RC [SKIPPED_INSIDE [WHAT]]: one line per binary or script
result() {
    case $2 in
        0)
            if [ "${3:-0}" -gt 0 ]; then
                skip=$((skip + 1))
                note "[$variant] SKIP $1 (passed, but $3 ${4:-check(s)} skipped)"
            else
                pass=$((pass + 1))
                note "[$variant] PASS $1"
            fi ;;
        77) skip=$((skip + 1)); note "[$variant] SKIP $1" ;;
        *) fail=$((fail + 1)); note "[$variant] FAIL $1 (exit $2)" ;;
    esac
}
want() { case " $PARTS " in *" $1 "*) return 0 ;; esac; return 1; }
for p in $PARTS; do
    case $p in unit | fuzz | integration | corpus) ;; *) echo "run-all: unknown part '$p'" >&2; exit 2 ;; esac
done

# cmocka's closing lines: "[  SKIPPED ] N test(s), listed below:" (on stderr, captured here).
cmocka_skipped() {
    sed -n 's/^\[  SKIPPED \] \([0-9][0-9]*\) test(s), listed below:.*/\1/p' "$1" | tail -n 1
}
# Checks a script skipped while it still exited 0: the skipped count of its closing line
# ("NAME: N passed, N failed, N skipped", the last such line) or its skip lines, the larger.
script_skipped() {
    n=$(grep -E '^[A-Za-z0-9_ .-]+: [0-9]+ passed, [0-9]+ failed' "$1" | tail -n 1 |
        sed -n 's/.*, \([0-9][0-9]*\) skipped$/\1/p')
    l=$(grep -ciE '^(skip - |skipped: |# skip|ok( [0-9]+)? - # skip|[a-z0-9_ .-]+: skipped)' "$1")
    [ -n "$n" ] && [ "$n" -ge "$l" ] && { echo "$n"; return; }
    echo "$l"
}

# 1. cmocka unit tests: one binary per module; cmocka prints its own summary.
if want unit; then
    for t in "$B"/tests/test_*; do
        [ -x "$t" ] || continue
        "$t" >"$log/out" 2>&1
        rc=$?
        cat "$log/out"
        result "unit $(basename "$t")" $rc "$(cmocka_skipped "$log/out")" "test(s)"
    done
fi

# 2. Fuzz targets over their seed corpora (libFuzzer itself runs in `make fuzz`).
if want fuzz; then
    for t in "$B"/fuzz-replay/fuzz_*; do
        [ -x "$t" ] || continue
        name=$(basename "$t")
        "$t" tests/fuzz/corpus/"$name" >"$log/out" 2>&1
        rc=$?
        tail -n 3 "$log/out"
        result "fuzz-replay $name" $rc
    done
fi

# 3. Integration tests: each prints its checks and exits 0/1/77.
if want integration; then
    for t in "$IDIR"/*.sh; do
        [ -f "$t" ] || continue
        sh "$t" "$B/seawall" >"$log/out" 2>&1
        rc=$?
        cat "$log/out"
        result "integration $(basename "$t" .sh)" $rc "$(script_skipped "$log/out")"
    done
fi

# 4. nDPI corpus agreement (the sanitizer build checks the same captures, slower). Without
#    ../shared/corpus, the committed subset in tests/data/corpus-mini stands in (a skip: the
#    whole corpus was not checked).
if want corpus; then
    ndpi_corpus=$CORPUS
    mini=0
    if [ ! -d "$CORPUS/ndpi-4.2" ]; then
        echo "[$variant] ndpi corpus: skipped: corpus not found ($CORPUS); using tests/data/corpus-mini"
        ndpi_corpus=tests/data/corpus-mini
        mini=1
    fi
    # The release build also checks that --workers 3 gives the same events as --workers 1.
    wk="--compare-workers 3 --workers-known tests/workers-known-differences.tsv"
    [ -n "$SEAWALL_SAN" ] && wk=""
    python3 tests/integration/ndpi_corpus.py --seawall "$B/seawall" --corpus "$ndpi_corpus" \
        --known tests/ndpi-known-differences.tsv --overrides tests/ndpi-reference-overrides.tsv \
        $wk >"$log/out" 2>&1
    rc=$?
    grep -v ' 100.00%$' "$log/out" | tail -n 60
    result "integration ndpi_corpus" $rc $mini "corpus"
fi

echo "$variant: $pass passed, $fail failed, $skip skipped"
[ "$fail" -eq 0 ]
