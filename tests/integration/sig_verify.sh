#!/bin/sh
# sig_verify.sh SEAWALL - issue 12's proof on OISF's suricata-verify: every test whose rules
# seawall loads whole and whose configuration is Suricata's default is run through
# `seawall pcap --rules` (tests/tools/sv_run.py says which tests and checks are covered), and
# its alert counts per sid must equal what its test.yaml expects, except the accepted
# differences of tests/data/sv_known.tsv, each with its verified cause and both values (a
# difference that goes away, or changes value, fails too, so the file stays true).
# suricata-verify is not part of this repository and nothing is downloaded: the tree is
# SEAWALL_SURICATA_VERIFY, else ../shared/suricata-verify; without it the test is skipped.
# The figure (tests covered, checks, passed, failed) is the line "sv: ..." printed here.
SW=${1:?usage: sig_verify.sh SEAWALL}
cd "$(dirname "$0")/../.." || exit 2
SV=${SEAWALL_SURICATA_VERIFY:-../shared/suricata-verify}
if [ ! -d "$SV/tests" ]; then
    echo "skipped: no suricata-verify tree (set SEAWALL_SURICATA_VERIFY to a checkout; $SV has no tests/)"
    exit 77
fi
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT INT TERM
pass=0 fail=0
ok() { pass=$((pass + 1)); echo "ok - $*"; }
nok() { fail=$((fail + 1)); echo "not ok - $*"; }

python3 tests/tools/sv_run.py "$SW" "$SV" --out "$T/out" --failures "$T/failures.tsv" \
    --known tests/data/sv_known.tsv >"$T/log" 2>&1
rc=$?
grep -E '^sv: ' "$T/log"
fig=$(grep -E '^sv: [0-9]+ tests covered' "$T/log")
covered=$(echo "$fig" | sed -n 's/^sv: \([0-9]*\) tests covered.*/\1/p')
# A tree with no covered test proves nothing: sv_run or seawall is broken, not a pass.
[ -n "$covered" ] && [ "$covered" -ge 20 ] && ok "suricata-verify: $fig" ||
    nok "suricata-verify: too few tests covered: '$fig' (log: $(tail -n 3 "$T/log"))"
[ $rc -eq 0 ] && ok "every failed check is a known difference with the same values and a reason" ||
    nok "failures differ from tests/data/sv_known.tsv (exit $rc): $(grep -E '^sv: (not a known|known difference)' "$T/log" | head -n 20)"

echo "sig_verify: $pass passed, $fail failed"
[ $fail -eq 0 ]
