#!/bin/sh
# sig_pcap.sh SEAWALL - Suricata rules through `seawall pcap --rules` (issue 12), on captures
# of tests/data/corpus-mini: an HTTP rule with $EXTERNAL_NET/$HOME_NET (network.home_net from
# --set), a DNS rule on dns.query with dotprefix/endswith, a TLS rule on tls.sni with bsize,
# counted per sid against tshark's count of the same requests, queries and ClientHellos; the
# alert fields (gid, rev, category from classtype, severity, metadata, detector "rule", the
# transaction's http/dns/tls object); a rule left out and a broken rule reported as
# file:line while the rest load; --rules with a folder (Suricata and YARA rules together), a
# single .rules file (no YARA) and a single .yar file (no Suricata rules).
SW=${1:?usage: sig_pcap.sh SEAWALL}
cd "$(dirname "$0")/../.." || exit 2
M=tests/data/corpus-mini/ndpi-4.2/pcap
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT INT TERM
pass=0 fail=0
ok() { pass=$((pass + 1)); echo "ok - $*"; }
nok() { fail=$((fail + 1)); echo "not ok - $*"; }
command -v tshark >/dev/null 2>&1 || { echo "skipped: tshark missing (make deps installs it)"; exit 77; }

R=$T/rules
mkdir -p "$R"
cat >"$R/local.rules" <<'EOF'
alert http $EXTERNAL_NET any -> $HOME_NET 80 (msg:"SQL injection probe"; flow:established,to_server; http.method; content:"GET"; http.uri; content:"id=1%27"; classtype:web-application-attack; sid:9100001; rev:3; metadata:attack_target Web_Server, signature_severity Major;)
alert dns any any -> any any (msg:"weberlab lookup"; dns.query; dotprefix; content:".weberlab.de"; endswith; sid:9100002;)
alert tls any any -> any any (msg:"wdcp SNI"; tls.sni; content:"wdcp.microsoft.com"; bsize:18; sid:9100003;)
alert http any any -> any any (msg:"left out"; urilen:5; sid:9100004;)
alert tcp any any -> any any (msg:"broken"; content:"|4"; sid:9100005;)
EOF
printf 'rule sqli_union { strings: $a = "union+select" condition: $a }\n' >"$R/web.yar"

# count FILE DETECTOR SID: alerts of one rule in an EVE file
count() {
    python3 - "$@" <<'PY'
import json, sys
n = 0
for line in open(sys.argv[1]):
    e = json.loads(line)
    if e.get("event_type") == "alert" and e["seawall"]["detector"] == sys.argv[2] and \
            (sys.argv[3] == "*" or e["alert"]["signature_id"] == int(sys.argv[3])):
        n += 1
print(n)
PY
}
same() { # what got want
    if [ "$2" = "$3" ] && [ "$3" -gt 0 ]; then ok "$1: $2"; else nok "$1: got $2, want $3"; fi
}

# --- a folder: Suricata and YARA rules together ----------------------------------------------
"$SW" pcap "$M/WebattackSQLinj.pcap" --rules "$R" --no-cache -w 1 -o "$T/http.json" \
    --set 'network.home_net=[192.168.10.0/24]' 2>"$T/err"
rc=$?
[ $rc -eq 0 ] && ok "pcap with a left-out and a broken rule exits 0 (the rest load)" || nok "pcap exit $rc: $(cat "$T/err")"
grep -qxF "seawall: $R/local.rules:4: sid 9100004: unsupported keyword 'urilen': rule left out" "$T/err" &&
    grep -qxF "seawall: $R/local.rules:5: content: a '|' hex part is not closed (sid 9100005)" "$T/err" &&
    ok "the left-out and the broken rule are reported as file:line" || nok "stderr: $(cat "$T/err")"
want=$(tshark -r "$M/WebattackSQLinj.pcap" -Y 'http.request.uri contains "id=1%27"' 2>/dev/null | wc -l)
same "http.uri rule: one alert per request tshark finds" "$(count "$T/http.json" rule 9100001)" "$want"
[ "$(count "$T/http.json" yara '*')" -gt 0 ] && ok "YARA rules of the same folder run too" ||
    nok "no YARA alert from the folder's web.yar"
python3 - "$T/http.json" <<'PY' && ok "alert fields: gid, rev, category, severity, metadata, detector, http object" || nok "alert fields (above)"
import json, sys
for line in open(sys.argv[1]):
    e = json.loads(line)
    if e.get("event_type") != "alert" or e["alert"]["signature_id"] != 9100001:
        continue
    a = e["alert"]
    want = {"gid": 1, "rev": 3, "signature": "SQL injection probe", "action": "allowed",
            "category": "Web Application Attack", "severity": 1,
            "metadata": {"attack_target": ["Web_Server"], "signature_severity": ["Major"]}}
    bad = {k: a.get(k) for k in want if a.get(k) != want[k]}
    if bad or e["seawall"] != {"detector": "rule"} or e.get("app_proto") != "http" or \
            "id=1%27" not in e.get("http", {}).get("url", "") or e.get("src_ip") != "172.16.0.1":
        print("wrong alert:", bad, json.dumps(e)[:400])
        sys.exit(1)
    sys.exit(0)
print("no alert of sid 9100001")
sys.exit(1)
PY
# $HOME_NET is network.home_net: with the default (172.16.0.0/12 is home) the client is no
# $EXTERNAL_NET, so the rule does not match.
"$SW" pcap "$M/WebattackSQLinj.pcap" --rules "$R/local.rules" --no-cache -w 1 -o "$T/home.json" 2>/dev/null
n=$(count "$T/home.json" rule 9100001)
[ "$n" -eq 0 ] && ok "default network.home_net: the client is home, no alert" || nok "default home_net: $n alerts"

# --- one .rules file: no YARA; DNS and TLS transactions ---------------------------------------
"$SW" pcap "$M/dns_fragmented.pcap" --rules "$R/local.rules" --no-cache -w 1 -o "$T/dns.json" 2>/dev/null
want=$(tshark -r "$M/dns_fragmented.pcap" -Y 'dns.flags.response == 0 && dns.qry.name contains "weberlab.de"' 2>/dev/null | wc -l)
same "dns.query rule: one alert per query message tshark finds" "$(count "$T/dns.json" rule 9100002)" "$want"
python3 - "$T/dns.json" <<'PY' && ok "a DNS alert carries the dns object" || nok "DNS alert without its dns object"
import json, sys
for line in open(sys.argv[1]):
    e = json.loads(line)
    if e.get("event_type") == "alert" and e["alert"]["signature_id"] == 9100002:
        sys.exit(0 if "weberlab.de" in json.dumps(e.get("dns", {})) else 1)
sys.exit(1)
PY
"$SW" pcap "$M/tls_certificate_too_long.pcap" --rules "$R/local.rules" --no-cache -w 1 -o "$T/tls.json" 2>/dev/null
want=$(tshark -r "$M/tls_certificate_too_long.pcap" -Y 'tls.handshake.extensions_server_name == "wdcp.microsoft.com"' 2>/dev/null | wc -l)
same "tls.sni rule with bsize: one alert per ClientHello tshark finds" "$(count "$T/tls.json" rule 9100003)" "$want"
"$SW" pcap "$M/WebattackSQLinj.pcap" --rules "$R/local.rules" --no-cache -w 1 -o "$T/one.json" 2>/dev/null
n=$(count "$T/one.json" yara '*')
[ "$n" -eq 0 ] && ok "a single .rules file: no YARA rules" || nok "single .rules file: $n YARA alerts"

# --- one .yar file: no Suricata rules ---------------------------------------------------------
"$SW" pcap "$M/WebattackSQLinj.pcap" --rules "$R/web.yar" --no-cache -w 1 -o "$T/yar.json" \
    --set 'network.home_net=[192.168.10.0/24]' 2>/dev/null
[ "$(count "$T/yar.json" yara '*')" -gt 0 ] && [ "$(count "$T/yar.json" rule '*')" -eq 0 ] &&
    ok "a single .yar file: YARA alerts, no Suricata rule" ||
    nok "single .yar: yara $(count "$T/yar.json" yara '*'), rule $(count "$T/yar.json" rule '*')"

echo "sig_pcap: $pass passed, $fail failed"
[ $fail -eq 0 ]
