#!/bin/sh
# sig_tls_encrypted.sh SEAWALL - Suricata rules and encrypted TLS (network.app.tls.
# encryption_handling), on tests/data/tls-enc/tls12-appdata.pcap (tests/tools/mkpcap_tls_enc.py
# says what it holds): by default (track-only, as Suricata's encryption-handling) nothing of
# the connection is inspected as payload after its first application data record (stream
# content rules, packet content rules, dsize rules that need a payload), while tls.sni still
# alerts, dsize:<N still compares the packet's length, the packet that carried the first
# record was still inspected as a packet, and YARA on the whole stream still sees the bytes;
# with full every rule alerts as on clear text.
SW=${1:?usage: sig_tls_encrypted.sh SEAWALL}
cd "$(dirname "$0")/../.." || exit 2
P=tests/data/tls-enc/tls12-appdata.pcap
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT INT TERM
pass=0 fail=0
ok() { pass=$((pass + 1)); echo "ok - $*"; }
nok() { fail=$((fail + 1)); echo "not ok - $*"; }

R=$T/rules
mkdir -p "$R"
cat >"$R/enc.rules" <<'RULES'
alert tcp any any -> any 443 (msg:"stream: first record"; flow:established,to_server; content:"SECRET-TOKEN-ONE"; sid:9200001;)
alert tcp any any -> any 443 (msg:"packet: first record"; flow:established,to_server,no_stream; content:"SECRET-TOKEN-ONE"; sid:9200002;)
alert tcp any any -> any 443 (msg:"packet: later record"; flow:established,to_server,no_stream; content:"SECRET-TOKEN-THREE"; sid:9200003;)
alert tcp any 443 -> any any (msg:"stream: server record"; flow:established,to_client; content:"SECRET-TOKEN-TWO"; sid:9200004;)
alert tcp any 443 -> any any (msg:"dsize needs a payload"; flow:established,to_client; dsize:>100; sid:9200005;)
alert tcp any any -> any 443 (msg:"dsize below"; flow:to_server; dsize:<38; sid:9200006;)
alert tls any any -> any any (msg:"sni"; tls.sni; content:"enc.example.org"; sid:9200007;)
RULES
printf 'rule token_two { strings: $a = "SECRET-TOKEN-TWO" condition: $a }\n' >"$R/enc.yar"

# counts FILE: "sid=n ..." of the rule alerts, then "yara=n"
counts() {
    python3 - "$1" <<'PY'
import collections, json, sys
n = collections.Counter()
for line in open(sys.argv[1]):
    e = json.loads(line)
    if e.get("event_type") != "alert":
        continue
    if e["seawall"]["detector"] == "rule":
        n[e["alert"]["signature_id"]] += 1
    elif e["seawall"]["detector"] == "yara":
        n["yara"] += 1
print(" ".join("%s=%d" % (k, n[k]) for k in list(range(9200001, 9200008)) + ["yara"]))
PY
}
# dsize:<38 compares each packet's own length in both modes (Suricata: no payload needed):
# the packets to the server shorter than 38 bytes, counted here from the capture (the
# 39-byte second record must not match as an empty packet would):
small=$(python3 - "$P" <<'PY'
import struct, sys
d = open(sys.argv[1], "rb").read()[24:]
n = 0
while d:
    _, _, cl, _ = struct.unpack("<IIII", d[:16]); p = d[16:16 + cl]; d = d[16 + cl:]
    ihl = (p[14] & 15) * 4; tcp = p[14 + ihl:]; off = (tcp[12] >> 4) * 4
    dport = struct.unpack("!H", tcp[2:4])[0]
    if dport == 443 and len(tcp) - off < 38:
        n += 1
print(n)
PY
)

"$SW" pcap "$P" --rules "$R" --no-cache -w 1 -o "$T/def.json" 2>"$T/err" ||
    nok "pcap (default) failed: $(cat "$T/err")"
got=$(counts "$T/def.json")
want="9200001=0 9200002=1 9200003=0 9200004=0 9200005=0 9200006=$small 9200007=1 yara=1"
[ "$got" = "$want" ] && ok "track-only (default): no payload inspection after the first application data record, tls.sni and YARA alert: $got" ||
    nok "track-only: got '$got', want '$want'"

"$SW" pcap "$P" --rules "$R" --no-cache -w 1 -o "$T/tro.json" \
    --set network.app.tls.encryption_handling=track-only 2>"$T/err" ||
    nok "pcap (track-only) failed: $(cat "$T/err")"
got=$(counts "$T/tro.json")
[ "$got" = "$want" ] && ok "track-only given explicitly: the same" || nok "track-only explicit: got '$got'"

"$SW" pcap "$P" --rules "$R" --no-cache -w 1 -o "$T/full.json" \
    --set network.app.tls.encryption_handling=full 2>"$T/err" ||
    nok "pcap (full) failed: $(cat "$T/err")"
got=$(counts "$T/full.json")
want="9200001=1 9200002=1 9200003=1 9200004=1 9200005=1 9200006=$small 9200007=1 yara=1"
[ "$got" = "$want" ] && ok "full: the encrypted bytes are inspected: $got" || nok "full: got '$got', want '$want'"

"$SW" pcap "$P" --rules "$R" --no-cache -w 1 -o "$T/bad.json" \
    --set network.app.tls.encryption_handling=bypass 2>"$T/err"
rc=$?
[ $rc -ne 0 ] && grep -q "network.app.tls.encryption_handling" "$T/err" && grep -q "track-only" "$T/err" &&
    grep -q "full" "$T/err" && ok "bypass is refused, naming the key and the values: $(head -n 1 "$T/err")" ||
    nok "bypass: exit $rc, stderr: $(cat "$T/err")"

echo "sig_tls_encrypted: $pass passed, $fail failed"
[ $fail -eq 0 ]
