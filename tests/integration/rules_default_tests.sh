#!/bin/sh
# rules_default_tests.sh SEAWALL - every shipped rule's own test: `seawall rules test
# rules/default/tests` passes, every rule of rules/default/*.yar has a test folder named after
# it, and the tests can fail: on a copy of rules/default where one rule no longer matches its
# sample, and one where another rule also matches a near miss, exactly those rules' tests
# fail.
SW=${1:?usage: rules_default_tests.sh SEAWALL}
cd "$(dirname "$0")/../.." || exit 2
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT INT TERM
pass=0 fail=0
ok() { pass=$((pass + 1)); echo "ok - $*"; }
nok() { fail=$((fail + 1)); echo "not ok - $*"; }

"$SW" rules test -j 2 rules/default/tests >"$T/out" 2>&1
rc=$?
n=$(grep -c '^ok ' "$T/out")
[ $rc -eq 0 ] && [ "$(tail -n 1 "$T/out")" = "$n passed, 0 failed, 0 skipped" ] && [ "$n" -gt 0 ] &&
    ok "rules/default/tests: $n passed" || nok "rules/default/tests (exit $rc): $(cat "$T/out")"

rules=$(sed -n 's/^[[:space:]]*\(\(private\|global\)[[:space:]]\+\)*rule[[:space:]]\+\([A-Za-z0-9_]\+\).*/\3/p' \
    rules/default/*.yar | sort -u)
missing=0
for r in $rules; do
    if [ -f "rules/default/tests/$r/test.yaml" ] && grep -qx "ok $r" "$T/out"; then
        :
    else
        missing=$((missing + 1))
        nok "rule $r has no passing test in rules/default/tests/$r"
    fi
done
[ $missing -eq 0 ] && ok "each of the $(echo "$rules" | wc -w) shipped rules has a passing test"

# The tests can fail: a copy of the rules with two mistakes made on purpose.
cp -r rules/default "$T/rules"
# 1. the PHP web-shell rule looks for a function name no sample has
sed -i 's/(eval|assert|system|shell_exec|passthru|exec|popen|proc_open)/(systemx)/' \
    "$T/rules/webshells.yar"
# 2. the njRAT rule no longer needs its separator string, so the near miss matches too
sed -i 's/^\(        \)\$sep and /\1($sep or true) and /' "$T/rules/remote_access.yar"
if cmp -s rules/default/webshells.yar "$T/rules/webshells.yar" ||
    cmp -s rules/default/remote_access.yar "$T/rules/remote_access.yar"; then
    nok "the rule files changed shape: update the edits of this test"
else
    "$SW" rules test "$T/rules/tests" >"$T/bad" 2>&1
    rc=$?
    failed=$(grep '^FAILED ' "$T/bad" | cut -d: -f1 | sort | tr '\n' ' ')
    [ $rc -eq 1 ] &&
        [ "$failed" = "FAILED seawall_rat_njrat_like FAILED seawall_webshell_php_exec_input " ] &&
        grep -q "^FAILED seawall_webshell_php_exec_input: expect match 1: rule seawall_webshell_php_exec_input on positive.php did not match" "$T/bad" &&
        grep -q "^FAILED seawall_rat_njrat_like: expect no_match 1: no alert expected on near-miss.txt, got 1" "$T/bad" &&
        ok "a rule that stops matching, and one that matches its near miss, fail their tests" ||
        nok "broken rules (exit $rc, failed: $failed): $(cat "$T/bad")"
fi
echo "rules_default_tests: $pass passed, $fail failed"
[ $fail -eq 0 ]
