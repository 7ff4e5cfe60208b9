#!/bin/sh
# rules_municipal_tests.sh SEAWALL - the municipal ruleset (rules/municipal) and its tests:
#   - the committed captures are what tests/tools/mkmunicipal.py makes;
#   - every rule has msg, a sid in 4200100-4200599, rev, classtype and metadata with
#     mitre_technique_id, created_at and confidence, and a test that checks its sid;
#   - `seawall rules check` on the ruleset is clean (every rule loads, no warning), and it
#     reports a bad line of an IOC list (ioc/*.lst: domains, addresses, file digests) as
#     file:line;
#   - every test passes: tests/ (captures made by the script) always, tests-corpus/ (nDPI's
#     captures in ../shared/corpus) when the corpus is there (else those are skipped, said so);
#   - each test can fail: with its rule taken out of a copy of the ruleset, the rule's test
#     fails; with a few rules loosened so that they match their near misses, those tests fail.
SW=${1:?usage: rules_municipal_tests.sh SEAWALL}
cd "$(dirname "$0")/../.." || exit 2
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT INT TERM
pass=0 fail=0 skipped=0
ok() { pass=$((pass + 1)); echo "ok - $*"; }
nok() { fail=$((fail + 1)); echo "not ok - $*"; }
skip() { skipped=$((skipped + 1)); echo "skip - $*"; }
M=rules/municipal
CORPUS=${SEAWALL_CORPUS:-../shared/corpus}
have_corpus=false
# tests-corpus name the corpus as ../shared/corpus from the source tree's root
[ -d "$CORPUS/ndpi-4.2/pcap" ] && [ "$(cd "$CORPUS" && pwd)" = "$(cd ../shared/corpus 2>/dev/null && pwd)" ] &&
    have_corpus=true

# --- captures --------------------------------------------------------------------------------
out=$(python3 tests/tools/mkmunicipal.py --check "$M/tests" 2>&1)
[ $? -eq 0 ] && ok "the committed captures are mkmunicipal.py's" || nok "captures: $out"
n_caps=$(python3 -c 'import sys; sys.path.insert(0, "tests/tools"); import mkmunicipal; print(len(mkmunicipal.TESTS))')
n_dirs=$(find "$M/tests" -name input.pcap | wc -l)
[ "$n_caps" -eq "$n_dirs" ] && ok "every capture mkmunicipal.py makes is in a test ($n_caps)" ||
    nok "mkmunicipal.py makes $n_caps captures, $M/tests has $n_dirs"

# --- the rules: fields and a test each --------------------------------------------------------
python3 - "$M" >"$T/fields" <<'EOF'
import glob, os, re, sys
import yaml
m = sys.argv[1]
tests = {}  # sid -> the tests that expect its alert (a filter with a count above 0)
for y in glob.glob(m + "/tests/*/test.yaml") + glob.glob(m + "/tests-corpus/*/test.yaml"):
    for c in yaml.safe_load(open(y)).get("checks", []):
        f = c.get("filter", {})
        sid = f.get("match", {}).get("alert.signature_id")
        if sid and f.get("count", 1) > 0:
            names = tests.setdefault(int(sid), [])
            name = os.path.basename(os.path.dirname(y))
            if name not in names:
                names.append(name)
n = bad = 0
for f in sorted(glob.glob(m + "/*.rules")):
    for i, line in enumerate(open(f), 1):
        if not line.startswith("alert"):
            continue
        n += 1
        where = "%s:%d" % (f, i)
        sid = re.search(r"[;(]\s*sid:(\d+);", line)
        sid = int(sid.group(1)) if sid else 0
        need = {
            "msg": re.search(r'msg:"MUNICIPAL [^"]+";', line),
            "sid in 4200100-4200599": 4200100 <= sid <= 4200599,
            "rev": re.search(r"[; ]rev:\d+;", line),
            "classtype": re.search(r"[; ]classtype:[a-z0-9-]+;", line),
            "mitre_technique_id": re.search(r"metadata:[^;]*mitre_technique_id T\d", line),
            "created_at": re.search(r"metadata:[^;]*created_at \d{4}_\d\d_\d\d", line),
            "confidence": re.search(r"metadata:[^;]*confidence (High|Medium|Low)", line),
            "a test": sid in tests,
        }
        for k, v in need.items():
            if not v:
                print("%s: sid %d: no %s" % (where, sid, k))
                bad += 1
        if sid in tests:
            print("TEST %d %s" % (sid, " ".join(sorted(tests[sid]))))
print("RULES %d BAD %d" % (n, bad))
EOF
grep -v '^TEST ' "$T/fields" | grep -v '^RULES' | head -n 20
nrules=$(sed -n 's/^RULES \([0-9]*\) BAD.*/\1/p' "$T/fields")
grep -q "^RULES [1-9][0-9]* BAD 0$" "$T/fields" &&
    ok "each of the $nrules rules has msg, sid, rev, classtype, metadata and a test" ||
    nok "rule fields or tests missing: $(tail -n 1 "$T/fields")"

# --- rules check --------------------------------------------------------------------------------
"$SW" rules check "$M" >"$T/check" 2>&1
rc=$?
[ $rc -eq 0 ] && [ "$(grep -vc '^yara: 0 files\|^suricata: ' "$T/check")" -eq 0 ] &&
    grep -q "^suricata: 5 files, $nrules rules loaded, 0 left out, 0 failed$" "$T/check" &&
    ok "rules check: $nrules rules load, nothing left out, no warning" ||
    nok "rules check: exit $rc: $(cat "$T/check")"
mkdir -p "$T/bad" && cp -r "$M"/*.rules "$M/ioc" "$T/bad/"
printf 'dXBkYXRlLmV4YW1wbGU=\nnot base64 at all!\n' >"$T/bad/ioc/domains.lst"
printf '198.51.100.7\n198.51.100.300\n' >"$T/bad/ioc/ips.lst"
printf '# sha256sum output\n%s  a.exe\nabcdef  short.exe\n' \
    f2e3ffe6ec672a9a9133e7ce02723e0740975646f9e42a5d8f8b1bbf84617064 >"$T/bad/ioc/sha256.lst"
"$SW" rules check "$T/bad" >"$T/badcheck" 2>&1
grep -q "ioc/domains.lst:2: " "$T/badcheck" && grep -q "ioc/ips.lst:2: " "$T/badcheck" &&
    grep -q "ioc/sha256.lst:3: a digest of 64 hex digits, not 6" "$T/badcheck" &&
    ok "rules check names a bad line of an IOC list (file:line)" ||
    nok "bad IOC lines: $(cat "$T/badcheck")"

# --- the tests ----------------------------------------------------------------------------------
"$SW" rules test -j 2 "$M/tests" >"$T/tests" 2>&1
rc=$?
n=$(find "$M/tests" -name test.yaml | wc -l)
[ $rc -eq 0 ] && [ "$(tail -n 1 "$T/tests")" = "$n passed, 0 failed, 0 skipped" ] &&
    ok "tests/: $n passed" || nok "tests/: exit $rc: $(grep -v '^ok ' "$T/tests")"
nc=$(find "$M/tests-corpus" -name test.yaml | wc -l)
if $have_corpus; then
    "$SW" rules test -j 2 "$M/tests-corpus" >"$T/corpus" 2>&1
    rc=$?
    [ $rc -eq 0 ] && [ "$(tail -n 1 "$T/corpus")" = "$nc passed, 0 failed, 0 skipped" ] &&
        ok "tests-corpus/: $nc passed" || nok "tests-corpus/: exit $rc: $(grep -v '^ok ' "$T/corpus")"
else
    skip "tests-corpus/: $nc tests need nDPI's captures in ../shared/corpus"
fi

# --- each test can fail -------------------------------------------------------------------------
# A copy of the ruleset and its fixtures, the corpus named by its absolute path.
copy() {
    rm -rf "$T/w" && mkdir -p "$T/w/rules" "$T/w/tests/data" &&
        cp -r "$M" "$T/w/rules/" &&
        cp -a tests/data/municipal-ioc tests/data/municipal-ioc-corpus "$T/w/tests/data/" || exit 2
    if $have_corpus; then
        abs=$(cd "$CORPUS" && pwd)
        for y in "$T"/w/rules/municipal/tests-corpus/*/test.yaml; do
            sed -i "s|\.\./\.\./\.\./\.\./\.\./shared/corpus|$abs|" "$y"
        done
    fi
}
copy
missed="" checked=0
while read -r _ sid names; do
    for name in $names; do
        dir=tests
        [ -d "$T/w/rules/municipal/tests/$name" ] || dir=tests-corpus
        [ "$dir" = tests-corpus ] && ! $have_corpus && continue
        f=$(grep -l "sid:$sid;" "$T"/w/rules/municipal/*.rules)
        cp "$f" "$T/keep"
        sed -i "/sid:$sid;/d" "$f"
        "$SW" rules test "$T/w/rules/municipal/$dir/$name" >"$T/one" 2>&1
        rc=$?
        cp "$T/keep" "$f"
        checked=$((checked + 1))
        [ $rc -eq 1 ] && grep -q "^FAILED $name" "$T/one" || missed="$missed $sid/$name"
    done
done <<EOF
$(grep '^TEST ' "$T/fields")
EOF
[ -z "$missed" ] && ok "each of $checked tests fails without its rule" ||
    nok "tests that pass without their rule:$missed"
$have_corpus || skip "the tests of tests-corpus/ were not run without their rule (no corpus)"

# loosen NAME SID OPTIONS [OLD NEW]: the rule without its pcre, with OPTIONS added (and OLD
# replaced by NEW): broader, it matches the test's near miss, and the test fails
loosen() {
    copy
    f=$(grep -l "sid:$2;" "$T"/w/rules/municipal/*.rules)
    python3 - "$f" "$2" "$3" "${4:-}" "${5:-}" <<'EOF'
import re, sys
f, sid, new, old, repl = sys.argv[1:6]
lines = open(f).read().split("\n")
for i, l in enumerate(lines):
    if "sid:%s;" % sid in l:
        l = re.sub(r'pcre:"(?:[^"\\]|\\.)*";', "", l)
        if old:
            l = l.replace(old, repl)
        lines[i] = l.replace("classtype:", new + " classtype:", 1)
open(f, "w").write("\n".join(lines))
EOF
    "$SW" rules test "$T/w/rules/municipal/tests/$1" >"$T/one" 2>&1
    [ $? -eq 1 ] && grep -q "^FAILED $1" "$T/one" &&
        ok "$1: a rule loosened to '$3' matches the near miss and fails the test" ||
        nok "$1 loosened: $(cat "$T/one")"
}
loosen web-sqli-union-select 4200101 'content:"union"; nocase;'
loosen web-path-traversal 4200110 'content:"..";'
loosen cleartext-snmp-public 4200206 '' 'content:"|04 06|public";' 'content:"public";'
loosen ics-modbus-write 4200402 ''
loosen remote-dns-long-label 4200305 'bsize:>30;'
# ip.dst on the /24 instead of the list: the neighbour address of the near miss matches
loosen ioc-ip-outbound 4200534 '' 'dataset:isset,municipal-ips, type ip, load ioc/ips.lst;' \
    'content:"|c6 33 64|"; startswith;'
# the negated list: any other whole file matches (the near miss with its last byte changed)
loosen ioc-file-sha256 4200536 '' 'filesha256:ioc/sha256.lst;' 'filesha256:!ioc/sha256.lst;'

echo "rules_municipal_tests: $pass passed, $fail failed, $skipped skipped"
[ $fail -eq 0 ]
