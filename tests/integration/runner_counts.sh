#!/bin/sh
# runner_counts.sh SEAWALL - tests/run-all.sh and tests/test.sh count a skip as a skip, on a
# fake suite made here: a cmocka binary whose tests pass but one skips, scripts that pass,
# fail, exit 77, or pass with skipped checks (a "skip - " line, a closing count). The closing
# lines must say 1 passed, 1 failed, 4 skipped; nothing of the real suite runs.
cd "$(dirname "$0")/../.." || exit 2
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT INT TERM
pass=0 fail=0
ok() { pass=$((pass + 1)); echo "ok - $*"; }
bad() { fail=$((fail + 1)); echo "not ok - $*"; }

mkdir -p "$T/fake/tests" "$T/integ"
# cmocka's output when one of two tests calls skip() (its exit status counts failures only).
cat >"$T/fake/tests/test_skips" <<'SH'
#!/bin/sh
printf '[==========] Running 2 test(s).\n[ RUN      ] a\n[  SKIPPED ] a\n[ RUN      ] b\n'
printf '[       OK ] b\n[==========] 2 test(s) run.\n[  PASSED  ] 1 test(s).\n' >&2
printf '[  SKIPPED ] 1 test(s), listed below:\n[  SKIPPED ] a\n\n 1 SKIPPED TEST(S)\n' >&2
exit 0
SH
chmod +x "$T/fake/tests/test_skips"
printf 'echo "ok - fine"; echo "a: 1 passed, 0 failed"\n' >"$T/integ/a_pass.sh"
printf 'echo "not ok - broken"; exit 1\n' >"$T/integ/b_fail.sh"
printf 'echo "skipped: no tool"; exit 77\n' >"$T/integ/c_skip77.sh"
printf 'echo "ok - one"; echo "skip - two: no tool"; exit 0\n' >"$T/integ/d_skipline.sh"
printf 'echo "ok - one"; echo "d: 1 passed, 0 failed, 2 skipped"; exit 0\n' >"$T/integ/e_count.sh"

SEAWALL_INTEGRATION_DIR="$T/integ" sh tests/run-all.sh "$T/fake" unit integration >"$T/out" 2>&1
rc=$?
grep -q '^\[fake\] SKIP unit test_skips (passed, but 1 test(s) skipped)$' "$T/out" &&
    ok "a cmocka binary with a skipped test is a SKIP line" || bad "cmocka skip not reported as SKIP"
grep -q '^\[fake\] PASS integration a_pass$' "$T/out" && ok "a passing script is PASS" ||
    bad "passing script not PASS"
grep -q '^\[fake\] SKIP integration d_skipline (passed, but 1 check(s) skipped)$' "$T/out" &&
    grep -q '^\[fake\] SKIP integration e_count (passed, but 2 check(s) skipped)$' "$T/out" &&
    ok "a script that passed with skipped checks is a SKIP line with their number" ||
    bad "skipped checks inside scripts not reported"
tail -n 1 "$T/out" | grep -qx 'fake: 1 passed, 1 failed, 4 skipped' && [ $rc -eq 1 ] &&
    ok "run-all.sh: 1 passed, 1 failed, 4 skipped, exit 1" ||
    bad "run-all.sh summary: $(tail -n 1 "$T/out") (exit $rc)"

SEAWALL_PARTS="unit integration" SEAWALL_INTEGRATION_DIR="$T/integ" \
    sh tests/test.sh "$T/fake" >"$T/total" 2>&1
rc=$?
tail -n 1 "$T/total" | grep -qx 'total: 1 passed, 1 failed, 4 skipped' && [ $rc -eq 1 ] &&
    grep -q '^\[fake\] SKIP integration c_skip77$' "$T/total" &&
    ok "test.sh: the closing line counts the skips, the SKIP lines are listed" ||
    bad "test.sh closing line: $(tail -n 1 "$T/total") (exit $rc)"
[ "$fail" -eq 0 ] || sed 's/^/  | /' "$T/out" "$T/total"
echo "runner_counts: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
