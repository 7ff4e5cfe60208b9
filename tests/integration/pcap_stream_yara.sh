#!/bin/sh
# pcap_stream_yara.sh SEAWALL - `seawall pcap --rules DIR`: YARA over reassembled TCP streams.
# On log4j-webapp-exploit.pcap (corpus-mini) a rule matching "jndi:ldap://" (in the HTTP
# request's User-Agent, client to server) gives one alert with seawall.detector "yara", the
# flow's flow_id, yara.rule and direction "to_server", written before the flow's event; a rule
# on the server's answer gives "to_client"; a rule that matches nothing gives no alert; the
# events without the yara alerts are those of a run without --rules; a broken rule file is
# reported path:line and left out; events validate against Suricata's EVE schema (when found).
SW=${1:?usage: pcap_stream_yara.sh SEAWALL}
cd "$(dirname "$0")/../.." || exit 2
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT INT TERM
pass=0 fail=0
ok() { pass=$((pass + 1)); echo "ok - $*"; }
nok() { fail=$((fail + 1)); echo "not ok - $*"; }
D=tests/data/corpus-mini/ndpi-4.2
P=$D/pcap/log4j-webapp-exploit.pcap

mkdir -p "$T/hit" "$T/miss" "$T/broken"
cat >"$T/hit/jndi.yar" <<'R'
rule stream_jndi : web {
  meta: description = "JNDI lookup in a TCP stream" severity = "high" mitre_att = "T1190"
  strings: $a = "jndi:ldap://"
  condition: $a and seawall_source == "stream" and filename == ""
}
rule stream_http_ok { strings: $a = "HTTP/1.1 200" condition: $a }
R
printf 'rule never_there { strings: $a = "no-such-bytes-9f3e1" condition: $a }\n' >"$T/miss/n.yar"
cp "$T/miss/n.yar" "$T/broken/"
printf 'rule bad {\n  condition:\n' >"$T/broken/bad.yar"

"$SW" pcap -w 2 --ndpi-dir "$D/example" -o "$T/base.json" "$P" 2>"$T/err0" ||
    nok "run without --rules"
"$SW" pcap -w 2 --ndpi-dir "$D/example" --rules "$T/hit" -o "$T/hit.json" "$P" 2>"$T/err1"
rc=$?
[ $rc -eq 0 ] && ok "--rules run exits 0" || nok "--rules run exits 0 (got $rc: $(cat "$T/err1"))"
"$SW" pcap -w 2 --ndpi-dir "$D/example" --rules "$T/miss" -o "$T/miss.json" "$P" 2>/dev/null
"$SW" pcap -w 1 --ndpi-dir "$D/example" --rules "$T/broken" -o "$T/broken.json" "$P" 2>"$T/err2"
rc=$?

python3 - "$T" <<'PY'
import json, sys
t = sys.argv[1]
def load(n):
    return [json.loads(l) for l in open(f"{t}/{n}.json")]
res = []
def check(ok, what):
    res.append(ok)
    print(("ok - " if ok else "not ok - ") + what)
hit, base, miss = load("hit"), load("base"), load("miss")
ya = [e for e in hit if e["event_type"] == "alert" and e.get("seawall", {}).get("detector") == "yara"]
jndi = [e for e in ya if e["yara"]["rule"] == "stream_jndi"]
check(len(jndi) == 1, f"one stream_jndi alert (got {len(jndi)})")
if jndi:
    a = jndi[0]
    flows = [e for e in hit if e["event_type"] == "flow" and e["flow_id"] == a["flow_id"]]
    check(len(flows) == 1, "the alert's flow_id is a flow's flow_id")
    check(a["direction"] == "to_server", "direction to_server")
    check(a["proto"] == "TCP" and a["dest_port"] == 8080 and a["app_proto"] == "http",
          "5-tuple and app_proto of the flow")
    check(a["community_id"] == flows[0]["community_id"] if flows else False, "community_id")
    check(a["alert"]["signature"] == "JNDI lookup in a TCP stream" and a["alert"]["severity"] == 1,
          "alert fields from the rule's meta")
    check(a["yara"]["strings"][0]["data"] == "jndi:ldap://", "yara.strings data")
    check("ndpi" in a and "flow" in a and "fileinfo" not in a, "ndpi and flow objects, no fileinfo")
    if flows:
        check(hit.index(a) < hit.index(flows[0]), "alert written before its flow event")
        check(flows[0]["flow"]["alerted"] is True, "flow event says alerted")
ok200 = [e for e in ya if e["yara"]["rule"] == "stream_http_ok"]
check(len(ok200) >= 1 and all(e["direction"] == "to_client" for e in ok200),
      f"server answer matches to_client ({len(ok200)} alerts)")
check(not any(e.get("seawall", {}).get("detector") == "yara" for e in miss),
      "a rule that matches nothing gives no alert")
def strip(evs):
    out = []
    for e in evs:
        if e["event_type"] in ("stats", "fileinfo"): # fileinfo: HTTP bodies (--rules only)
            continue
        if e["event_type"] == "alert" and e.get("seawall", {}).get("detector") == "yara":
            continue
        e = dict(e)
        if e["event_type"] == "flow":
            e["flow"] = dict(e["flow"]); e["flow"].pop("alerted", None)
        out.append(json.dumps(e, sort_keys=True))
    return sorted(out)
check(strip(miss) == strip(base), "non-matching rules: the same events as without --rules")
check(strip(hit) == strip(base), "matching rules: only yara alerts (and alerted) added")
st = [e for e in hit if e["event_type"] == "stats"][-1]["seawall"]["stream"]
check(st["segments"] > 0 and st["scans"] > 0 and st["reassembly_memuse"] == 0,
      f"stats seawall.stream counters ({st})")
sys.exit(0 if all(res) else 1)
PY
[ $? -eq 0 ] && pass=$((pass + 1)) || fail=$((fail + 1))

[ $rc -eq 0 ] && ok "broken rule file: run goes on" || nok "broken rule file: exit $rc"
if grep -qF "$T/broken/bad.yar:" "$T/err2" && grep -q "left out" "$T/err2"; then
    ok "broken rule file reported as path:line"
else
    nok "broken rule file reported as path:line: $(cat "$T/err2")"
fi
"$SW" pcap -w 33 --rules "$T/miss" -o "$T/x.json" "$P" 2>"$T/err3"
rc=$?
[ $rc -eq 2 ] && grep -q "at most 32 workers" "$T/err3" && ok "more than 32 workers with --rules: exit 2" ||
    nok "more than 32 workers with --rules (got $rc: $(cat "$T/err3"))"
"$SW" pcap --rules "$T/nonexistent" -o "$T/x.json" "$P" 2>"$T/err4"
rc=$?
[ $rc -eq 2 ] && ok "missing rules dir: exit 2" || nok "missing rules dir: exit 2 (got $rc)"

# --cache: the second run loads the compiled set (says so with -v) and writes the same alerts.
for i in 1 2; do
    "$SW" pcap -v -w 2 --ndpi-dir "$D/example" --rules "$T/hit" --cache "$T/cache" \
        -o "$T/cached$i.json" "$P" 2>"$T/cache$i.err"
done
if ! grep -q '(cached)' "$T/cache1.err" && grep -q '(cached)' "$T/cache2.err" &&
    [ "$(grep -c '"detector":"yara"' "$T/cached2.json")" = "$(grep -c '"detector":"yara"' "$T/hit.json")" ]; then
    ok "--cache: compiled once, loaded from the cache the second time, same alerts"
else
    nok "--cache: $(cat "$T/cache1.err" "$T/cache2.err" | tail -n 2)"
fi
"$SW" pcap -v --rules "$T/hit" --no-cache -o "$T/x.json" "$P" 2>"$T/nocache.err"
grep -q '(cached)' "$T/nocache.err" && nok "--no-cache still loaded a cache" ||
    ok "--no-cache compiles"

# EVE schema (as tests/integration/eve_schema.sh finds it).
schema=""
for s in "$SEAWALL_EVE_SCHEMA" ../shared/suricata/schema.json; do
    [ -n "$s" ] && [ -f "$s" ] && { schema=$s; break; }
done
if [ -z "$schema" ] && [ -d /work/.mirror/OISF+suricata/repo ] &&
    git -C /work/.mirror/OISF+suricata/repo show HEAD:etc/schema.json >"$T/schema" 2>/dev/null; then
    schema=$T/schema
fi
if [ -n "$schema" ]; then
    if python3 tests/tools/eve_schema_check.py "$schema" "$T/hit.json"; then
        ok "events with stream yara alerts validate"
    else
        nok "events with stream yara alerts validate"
    fi
else
    echo "eve schema: skipped (schema not found)"
fi
echo "pcap_stream_yara: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
