#!/bin/sh
# config_check.sh SEAWALL - `seawall config check` on the shipped config (valid, every value
# printed) and on broken ones (every error as FILE:LINE:COLUMN, exit 2); `seawall pcap -c`
# refuses a broken config before reading anything.
SW=${1:?usage: config_check.sh SEAWALL}
cd "$(dirname "$0")/../.." || exit 2
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT INT TERM
pass=0 fail=0
ok() { pass=$((pass + 1)); echo "ok - $*"; }
bad() { fail=$((fail + 1)); echo "not ok - $*"; }

if "$SW" config check -c agent/seawall.yaml >"$T/out" 2>"$T/err" &&
    grep -q '^network.max_flows: 1000000  # default$' "$T/out" &&
    [ "$(grep -vc '# default$' "$T/out")" -eq 0 ]; then
    ok "shipped seawall.yaml is valid and all defaults ($(wc -l <"$T/out") keys)"
else
    bad "shipped seawall.yaml: $(head -c 300 "$T/err")"
fi

printf 'network:\n  workers: 0\n  bogus: 1\neve:\n  community_id_seed: 70000\n' >"$T/bad.yaml"
"$SW" config check -c "$T/bad.yaml" >"$T/out" 2>"$T/err"
rc=$?
if [ $rc -eq 2 ] && grep -q 'bad.yaml:2:12: network.workers: 0 is below the minimum 1' "$T/err" &&
    grep -q 'bad.yaml:3:3: network.bogus: unknown key' "$T/err" &&
    grep -q 'bad.yaml:5:22: eve.community_id_seed' "$T/err"; then
    ok "broken config: every error reported with file:line:column, exit 2"
else
    bad "broken config: exit $rc: $(cat "$T/err")"
fi

"$SW" config check -c agent/seawall.yaml --set network.workers=4 >"$T/out" 2>&1
if grep -q '^network.workers: 4$' "$T/out"; then
    ok "--set overrides the file"
else
    bad "--set: $(head -c 200 "$T/out")"
fi

"$SW" pcap -c "$T/bad.yaml" tests/data/corpus-mini/ndpi-4.2/pcap/nats.pcap -o "$T/eve" 2>"$T/err"
rc=$?
if [ $rc -eq 2 ] && [ ! -s "$T/eve" ] && grep -q 'bad.yaml:2:12' "$T/err"; then
    ok "pcap -c with a broken config: exit 2 before reading"
else
    bad "pcap -c broken: exit $rc"
fi

# eve.community_id_seed reaches the events (Community ID with seed 1 differs from seed 0).
a=$("$SW" pcap tests/data/corpus-mini/ndpi-4.2/pcap/nats.pcap 2>/dev/null | grep -m1 -o '"community_id":"[^"]*"')
b=$("$SW" pcap --set eve.community_id_seed=1 tests/data/corpus-mini/ndpi-4.2/pcap/nats.pcap 2>/dev/null |
    grep -m1 -o '"community_id":"[^"]*"')
c=$("$SW" pcap --set eve.community_id=false tests/data/corpus-mini/ndpi-4.2/pcap/nats.pcap 2>/dev/null |
    grep -c '"community_id"')
if [ -n "$a" ] && [ -n "$b" ] && [ "$a" != "$b" ] && [ "$c" -eq 0 ]; then
    ok "eve.community_id_seed and eve.community_id are applied"
else
    bad "community id config: '$a' '$b' $c"
fi
echo "config_check: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
