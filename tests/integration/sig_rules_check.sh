#!/bin/sh
# sig_rules_check.sh SEAWALL - `seawall rules check` on Suricata rules (issue 12): a folder
# with good rules, a syntax error, a rule left out for an unsupported keyword, an unknown
# variable and an unterminated rule gives each problem as `file:line: ...`, the most frequent
# reason, the summary line `suricata: F files, R rules loaded, L left out, N failed` and exit
# 1; a variable set with --set (or in the -c file) makes the rule that needs it load; a single
# .rules file is checked alone; a folder of good rules exits 0; config check shows vars.*.
SW=${1:?usage: sig_rules_check.sh SEAWALL}
cd "$(dirname "$0")/../.." || exit 2
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT INT TERM
pass=0 fail=0
ok() { pass=$((pass + 1)); echo "ok - $*"; }
nok() { fail=$((fail + 1)); echo "not ok - $*"; }
has() { # file line description
    if grep -qxF "$2" "$1"; then ok "$3"; else nok "$3: want '$2' in: $(cat "$1")"; fi
}

R=$T/rules
mkdir -p "$R"
cat >"$R/local.rules" <<'EOF'
# uploads into the portal, bad domains
alert http $HOME_NET any -> $EXTERNAL_NET $HTTP_PORTS (msg:"upload php"; flow:established,to_server; http.method; content:"POST"; http.uri; content:"/upload/"; content:".php"; endswith; classtype:web-application-attack; sid:9000001; rev:2;)
alert dns any any -> any any (msg:"bad domain"; dns.query; content:"evil.example"; nocase; sid:9000002;)
alert tcp any any -> any any (msg:"broken hex"; content:"|41 4"; sid:9000003;)
alert http any any -> any any (msg:"left out"; urilen:5; sid:9000004;)
alert tcp $DMZ any -> any any (msg:"needs DMZ"; sid:9000005;)
alert tcp any any -> any any (msg:"multi
EOF
printf 'alert modbus !$MODBUS_CLIENT any -> $MODBUS_SERVER 502 (msg:"modbus from outside"; sid:9000006;)\n' >"$R/ot.rules"

"$SW" rules check "$R" >"$T/out" 2>&1
rc=$?
[ $rc -eq 1 ] && ok "a folder with failed rules exits 1" || nok "failed rules: exit $rc, want 1"
has "$T/out" "$R/local.rules:4: content: a '|' hex part is not closed (sid 9000003)" \
    "syntax error: file:line: keyword: message (sid)"
has "$T/out" "$R/local.rules:5: sid 9000004: unsupported keyword 'urilen': rule left out" \
    "unsupported keyword named, rule left out"
has "$T/out" "$R/local.rules:6: header: '\$DMZ': no such address group (vars.address_groups) (sid 9000005)" \
    "unknown variable named"
has "$T/out" "$R/local.rules:7: the option list does not end with ')'" "unterminated rule"
has "$T/out" "suricata: left out for 'urilen': 1 rules" "most frequent reason to leave out"
has "$T/out" "suricata: 2 files, 3 rules loaded, 1 left out, 3 failed" "summary line"
[ "$(tail -n 1 "$T/out")" = "suricata: 2 files, 3 rules loaded, 1 left out, 3 failed" ] &&
    ok "the summary ends the output" || nok "last line: $(tail -n 1 "$T/out")"

# The variable from --set, then from a configuration file.
"$SW" rules check "$R" --set 'vars.address_groups.DMZ=[10.9.0.0/16]' >"$T/out" 2>&1
has "$T/out" "suricata: 2 files, 4 rules loaded, 1 left out, 2 failed" "--set vars.address_groups.DMZ loads the rule"
printf 'vars:\n  address_groups:\n    DMZ: "[10.9.0.0/16, !10.9.1.0/24]"\n' >"$T/c.yaml"
"$SW" rules check "$R" -c "$T/c.yaml" >"$T/out" 2>&1
has "$T/out" "suricata: 2 files, 4 rules loaded, 1 left out, 2 failed" "vars: in the -c file loads the rule"
# A port group that refers to itself is an error naming it.
"$SW" rules check "$R/local.rules" --set 'vars.port_groups.HTTP_PORTS=[80,$HTTP_PORTS]' \
    >"$T/out" 2>&1
grep -q "HTTP_PORTS" "$T/out" && grep -qF "suricata: 1 files, 1 rules loaded, 1 left out, 4 failed" "$T/out" &&
    ok "a self-referring port group fails the rule that uses it, named" ||
    nok "self-referring HTTP_PORTS: $(cat "$T/out")"

# One file; a folder of good rules.
"$SW" rules check "$R/ot.rules" >"$T/out" 2>&1
rc=$?
[ $rc -eq 0 ] && ok "a single good .rules file exits 0" || nok "single file: exit $rc"
has "$T/out" "suricata: 1 files, 1 rules loaded, 0 left out, 0 failed" "a single file is checked alone"
G=$T/good
mkdir -p "$G"
sed -n '2,3p' "$R/local.rules" >"$G/a.rules"
printf 'alert tcp any any -> any any (msg:"x"; xbits:set,a,track ip_src; sid:1;)\n' >"$G/b.rules"
"$SW" rules check "$G" >"$T/out" 2>&1
rc=$?
[ $rc -eq 0 ] && ok "rules left out do not fail the check (exit 0)" || nok "good folder: exit $rc: $(cat "$T/out")"
has "$T/out" "suricata: 2 files, 2 rules loaded, 1 left out, 0 failed" "good folder summary"

# config check prints the variables, with a --set name over the defaults.
: >"$T/empty.yaml"
"$SW" config check -c "$T/empty.yaml" --set 'vars.port_groups.HTTP_PORTS=[80,8080]' \
    --set network.home_net=[10.1.0.0/16] >"$T/out" 2>&1
grep -q '^vars.port_groups: {HTTP_PORTS: "\[80,8080\]", SHELLCODE_PORTS: "!80",' "$T/out" &&
    grep -q '^vars.address_groups: {EXTERNAL_NET: "!\$HOME_NET",' "$T/out" &&
    grep -q '^network.home_net: \[10.1.0.0/16\]$' "$T/out" &&
    ok "config check shows vars.* (Suricata's defaults, --set over them) and network.home_net" ||
    nok "config check vars: $(grep -E 'vars|home_net' "$T/out")"

echo "sig_rules_check: $pass passed, $fail failed"
[ $fail -eq 0 ]
