#!/bin/sh
# rules_test_cli.sh SEAWALL - `seawall rules test` on the folders of tests/data/rules-tests:
# pass/ (YARA on files, inline samples and the generated capture, nDPI risks, a
# suricata-verify-style test, a Suricata rule) all pass, or the Suricata rule's test is
# skipped for want of the signature engine (as the run's own probe says); fail/ fails with
# the check, the expected and actual values and the closest events; skip/ is skipped with
# each reason; error/ is a broken test.yaml (exit 2, file:line:col). Also: the committed
# capture is what tests/tools/mkrtestpcap.py makes; -j 3 gives the same lines as -j 1;
# --json gives one object per test and a summary; the command a result names reruns to the
# same alerts (the test ran seawall pcap itself); usage errors exit 2.
SW=${1:?usage: rules_test_cli.sh SEAWALL}
cd "$(dirname "$0")/../.." || exit 2
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT INT TERM
pass=0 fail=0
ok() { pass=$((pass + 1)); echo "ok - $*"; }
nok() { fail=$((fail + 1)); echo "not ok - $*"; }
D=tests/data/rules-tests
# results NAME...: the result lines of a run, without the details
results() { grep -E '^(ok|FAILED|skipped) ' "$1"; }

python3 tests/tools/mkrtestpcap.py "$T/capture.pcap"
cmp -s "$T/capture.pcap" "$D/capture.pcap" && ok "the committed capture is mkrtestpcap.py's" ||
    nok "tests/data/rules-tests/capture.pcap differs from what mkrtestpcap.py makes"

# --- pass/ -------------------------------------------------------------------------------
"$SW" rules test "$D/pass" >"$T/pass.out" 2>"$T/pass.err"
rc=$?
"$SW" rules test "$D/pass" --json >"$T/pass.json" 2>/dev/null
sigs=$(python3 -c 'import json,sys; print(json.loads(open(sys.argv[1]).read().splitlines()[-1])["summary"]["signatures"])' "$T/pass.json")
if [ "$sigs" = True ]; then
    want='8 passed, 0 failed, 0 skipped'
else
    want='5 passed, 0 failed, 3 skipped'
fi
[ $rc -eq 0 ] && [ "$(tail -n 1 "$T/pass.out")" = "$want" ] &&
    ok "pass/: exit 0, $want (signature engine: $sigs)" ||
    nok "pass/: exit $rc, $(tail -n 1 "$T/pass.out") (want $want): $(cat "$T/pass.out" "$T/pass.err")"
for t in ndpi-risk-capture suricata-verify-flow yara-capture yara-files yara-inline-files; do
    grep -qx "ok $t" "$T/pass.out" && ok "pass/$t passes" || nok "pass/$t: $(grep " $t" "$T/pass.out")"
done
if [ "$sigs" = True ]; then
    # issue 14: filemd5/filesha256 lists beside the rules are staged like datasets' lists
    grep -qx "ok suricata-file-hash-lists" "$T/pass.out" &&
        ok "pass/suricata-file-hash-lists: the rules' hash lists are staged with them" ||
        nok "pass/suricata-file-hash-lists: $(grep ' suricata-file-hash-lists' "$T/pass.out")"
    grep -qx "ok suricata-rules-capture" "$T/pass.out" &&
        ok "pass/suricata-rules-capture passes with the signature engine" ||
        nok "pass/suricata-rules-capture: $(grep ' suricata-rules-capture' "$T/pass.out")"
    grep -qx "ok suricata-dataset" "$T/pass.out" &&
        ok "pass/suricata-dataset: the dataset list beside the rule file is found" ||
        nok "pass/suricata-dataset: $(grep ' suricata-dataset' "$T/pass.out")"
else
    grep -q "^skipped suricata-rules-capture: Suricata-syntax rules: .*signature engine" \
        "$T/pass.out" && ok "pass/suricata-rules-capture skipped: no signature engine" ||
        nok "pass/suricata-rules-capture: $(grep ' suricata-rules-capture' "$T/pass.out")"
fi

# --- fail/ -------------------------------------------------------------------------------
"$SW" rules test "$D/fail" >"$T/fail.out" 2>&1
rc=$?
[ $rc -eq 1 ] && [ "$(tail -n 1 "$T/fail.out")" = "0 passed, 4 failed, 0 skipped" ] &&
    ok "fail/: exit 1, 4 failed" || nok "fail/: exit $rc: $(tail -n 3 "$T/fail.out")"
check() { # NAME TEXT: fail.out has the line (fixed string)
    grep -qF -- "$2" "$T/fail.out" && ok "$1" || nok "$1: no line '$2' in: $(cat "$T/fail.out")"
}
check "a count mismatch names the check and both counts" \
    "FAILED filter-count: check 1: expected 2 matching events, got 1"
check "and the check's line" "check 2 (test.yaml:10) filter: failed: expected 1 matching event, got 0"
check "the closest event first, with how many keys it matched" \
    'rtest_body_stored file upload.php 10.1.0.1:40001 -> 192.0.2.10:80 TCP (3 of 4 keys)'
check "its mismatched key with both values" 'direction: expected "to_server", got "to_client"'
check "a field the event lacks" 'http.url: expected "/upload.php", got "(missing)"'
check "a rule that does not compile, by its path and line" \
    "FAILED broken-rule: rules did not load: $D/fail/broken-rule/rules.yar:6: syntax error"
check "a stats value" "FAILED stats-value: check 1: stats.decoder.pkts: expected 11, got 10"
check "a YARA rule expected on a file" \
    "FAILED yara-expect-miss: expect match 1: rule rtest_positive_marker on files/minutes.txt did not match"
check "the command that ran" "command: seawall pcap -o "

# --- skip/ -------------------------------------------------------------------------------
"$SW" rules test "$D/skip" --summary-reasons >"$T/skip.out" 2>&1
rc=$?
[ $rc -eq 0 ] && [ "$(tail -n 1 "$T/skip.out")" = "0 passed, 0 failed, 5 skipped" ] &&
    ok "skip/: exit 0, 5 skipped, none passed" || nok "skip/: exit $rc: $(cat "$T/skip.out")"
while IFS='|' read -r name reason; do
    grep -qF "skipped $name: $reason" "$T/skip.out" && ok "skip/$name: $reason" ||
        nok "skip/$name: want '$reason': $(grep " $name" "$T/skip.out")"
done <<'EOF'
min-version|requires min-version 9 (seawall follows Suricata 8.0.0)
shell-check|check 1 is a shell check: seawall runs no commands from a test
suricata-args|--simulate-ips: IPS mode, seawall is a passive monitor
suricata-yaml|suricata.yaml: the test configures Suricata, which seawall cannot read
unknown-key|test.yaml:2: requirements: unknown key
EOF
grep -qE '^ +0 +1 +0  --set app-layer.protocols.http.enabled$' "$T/skip.out" &&
    ok "--summary-reasons counts a reason that was not the first" ||
    nok "--summary-reasons: $(sed -n '/^skip reasons/,$p' "$T/skip.out")"

# --- error/ ------------------------------------------------------------------------------
"$SW" rules test "$D/error" >"$T/error.out" 2>&1
rc=$?
[ $rc -eq 2 ] && grep -qF "FAILED bad-yaml: $D/error/bad-yaml/test.yaml:4:1: invalid YAML" \
    "$T/error.out" && ok "a broken test.yaml: exit 2, file:line:col" ||
    nok "error/: exit $rc: $(cat "$T/error.out")"

# --- parallel, JSON, rerun ---------------------------------------------------------------
"$SW" rules test "$D/pass" "$D/fail" "$D/skip" >"$T/j1.out" 2>&1
rc1=$?
"$SW" rules test -j 3 "$D/pass" "$D/fail" "$D/skip" >"$T/j3.out" 2>&1
rc3=$?
results "$T/j1.out" >"$T/j1.res"
results "$T/j3.out" >"$T/j3.res"
[ $rc1 -eq 1 ] && [ $rc3 -eq 1 ] && cmp -s "$T/j1.res" "$T/j3.res" &&
    [ "$(wc -l <"$T/j1.res")" -eq 17 ] &&
    ok "-j 3 gives the 17 results of -j 1, in the same order" ||
    nok "-j 3 (exit $rc3) and -j 1 (exit $rc1) differ: $(diff "$T/j1.res" "$T/j3.res")"

"$SW" rules test -j 2 --json -o "$T/kept" "$D/pass" "$D/fail" "$D/skip" >"$T/all.json" 2>&1
rc=$?
python3 - "$T/all.json" "$T/j1.res" <<'PY' && ok "--json: one object per test, same results, a summary" || fail=$((fail + 1))
import json, sys
lines = open(sys.argv[1]).read().splitlines()
objs = [json.loads(l) for l in lines]
tests, summary = objs[:-1], objs[-1]["summary"]
word = {"ok": "ok", "failed": "FAILED", "skipped": "skipped"}
text = [l.split(":")[0] for l in open(sys.argv[2]).read().splitlines()]
mine = ["%s %s" % (word[t["result"]], t["test"]) for t in tests]
bad = []
if mine != text:
    bad.append("results differ: %s vs %s" % (mine, text))
counts = {k: sum(1 for t in tests if t["result"] == k) for k in word}
if (summary["passed"], summary["failed"], summary["skipped"]) != (counts["ok"], counts["failed"], counts["skipped"]):
    bad.append("summary %s vs %s" % (summary, counts))
for t in tests:
    if t["result"] == "failed" and not t.get("reason"):
        bad.append("%s: failed without a reason" % t["test"])
    if t["result"] == "skipped" and not t.get("reasons"):
        bad.append("%s: skipped without reasons" % t["test"])
    for c in t.get("checks", []):
        if c["result"] == "failed" and c["type"] == "filter" and ("expected" not in c or "actual" not in c):
            bad.append("%s: %s without expected and actual" % (t["test"], c["check"]))
for b in bad:
    print("not ok - --json: " + b)
sys.exit(1 if bad else 0)
PY
[ $rc -eq 1 ] && ok "--json run exits 1 (fail/ is in it)" || nok "--json run exit $rc"
# The kept yara-capture run: its command, run again by hand, gives the same alerts.
cmd=$(python3 -c '
import json, sys
for l in open(sys.argv[1]):
    o = json.loads(l)
    if o.get("test") == "yara-capture":
        print(o["command"])' "$T/all.json")
out=$(printf '%s\n' "$cmd" | sed -n 's/.* -o \([^ ]*\) .*/\1/p')
if [ -n "$cmd" ] && [ -s "$out" ]; then
    cp "$out" "$T/first.json"
    eval "\"$SW\" ${cmd#seawall }" 2>"$T/rerun.err"
    python3 - "$T/first.json" "$out" <<'PY' && ok "the result's command reruns seawall pcap to the same alerts" || fail=$((fail + 1))
import json, sys
def alerts(p):
    return [json.dumps(e, sort_keys=True) for e in map(json.loads, open(p))
            if e["event_type"] == "alert"]
a, b = alerts(sys.argv[1]), alerts(sys.argv[2])
if len(a) != 2 or a != b:
    print("not ok - rerun: %d alerts then %d" % (len(a), len(b)))
    sys.exit(1)
PY
else
    nok "no kept eve.json for yara-capture (command: $cmd)"
fi
"$SW" rules test -o "$T/kept" "$D/pass" >"$T/kept2.out" 2>&1
[ $? -eq 2 ] && grep -q "not empty" "$T/kept2.out" && ok "-o refuses a folder that is not empty" ||
    nok "-o into a used folder: $(cat "$T/kept2.out")"

# --- usage -------------------------------------------------------------------------------
"$SW" rules test >/dev/null 2>&1
[ $? -eq 2 ] && ok "no PATH: exit 2" || nok "no PATH"
"$SW" rules test "$T/none" >/dev/null 2>&1
[ $? -eq 2 ] && ok "a missing PATH: exit 2" || nok "a missing PATH"
mkdir "$T/empty"
"$SW" rules test "$T/empty" >"$T/empty.out" 2>&1
[ $? -eq 2 ] && grep -q "no test below it" "$T/empty.out" && ok "a folder without tests: exit 2" ||
    nok "a folder without tests: $(cat "$T/empty.out")"
"$SW" rules test -j 0 "$D/pass" >/dev/null 2>&1
[ $? -eq 2 ] && ok "-j 0: exit 2" || nok "-j 0"
"$SW" rules test --help >"$T/help" 2>&1
[ $? -eq 0 ] && grep -q "^usage: seawall rules test PATH" "$T/help" && ok "--help" ||
    nok "--help: $(head -n 2 "$T/help")"
"$SW" rules test "$D/pass/yara-files/test.yaml" >"$T/one.out" 2>&1
[ $? -eq 0 ] && grep -qx "ok yara-files" "$T/one.out" && ok "a test.yaml as PATH runs its folder" ||
    nok "a test.yaml as PATH: $(cat "$T/one.out")"

echo "rules_test_cli: $pass passed, $fail failed"
[ $fail -eq 0 ]
