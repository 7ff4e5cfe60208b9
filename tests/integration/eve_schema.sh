#!/bin/sh
# eve_schema.sh SEAWALL - every EVE line seawall pcap writes validates against Suricata 8's
# EVE schema (etc/schema.json in Suricata's source), with only seawall's documented
# extensions (see tests/tools/eve_schema_check.py). The schema is not committed here (it is
# Suricata's file): it is taken from $SEAWALL_EVE_SCHEMA, ../shared/suricata/schema.json, or
# a local git mirror of Suricata; without one the test says so and skips.
SW=${1:?usage: eve_schema.sh SEAWALL}
cd "$(dirname "$0")/../.." || exit 2
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT INT TERM
. tests/integration/schema.inc
find_schema "$T"
if [ -z "$schema" ]; then
    echo "eve schema: skipped: Suricata EVE schema not found (set SEAWALL_EVE_SCHEMA)"
    exit 77
fi
CORPUS=${SEAWALL_CORPUS:-../shared/corpus}
if [ -d "$CORPUS/ndpi-4.2/pcap" ] && [ -z "$SEAWALL_SAN" ]; then
    D=$CORPUS/ndpi-4.2
else
    echo "eve schema: corpus not found, using tests/data/corpus-mini"
    D=tests/data/corpus-mini/ndpi-4.2
fi
n=0
for f in "$D"/pcap/*; do
    n=$((n + 1))
    "$SW" pcap -w 2 --ndpi-dir "$D/example" -o "$T/eve-$n.json" "$f" 2>/dev/null
done
# seawall pcap --rules: stream and HTTP body YARA alerts, fileinfo events of HTTP bodies.
mkdir -p "$T/pcaprules"
printf 'rule schema_any_body { condition: seawall_source == "http_body" }\nrule schema_any_stream { strings: $a = "HTTP/1." condition: $a }\n' >"$T/pcaprules/p.yar"
"$SW" pcap -w 2 --ndpi-dir "$D/example" --rules "$T/pcaprules" -o "$T/eve-rules.json" \
    tests/data/corpus-mini/ndpi-4.2/pcap/log4j-webapp-exploit.pcap 2>/dev/null
if grep -q '"event_type":"fileinfo"' "$T/eve-rules.json" 2>/dev/null; then
    echo "ok - pcap --rules wrote fileinfo events"
else
    echo "not ok - pcap --rules wrote no fileinfo event"
    rc_rules=1
fi
python3 tests/tools/eve_schema_check.py "$schema" "$T"/eve-*.json
rc=$?
[ -n "$rc_rules" ] && rc=1
# seawall scan: alerts, fileinfo (--all) and the closing stats event, with the documented
# extensions (yara, file, seawall) set aside.
mkdir -p "$T/scan" "$T/scanrules"
printf 'rule schema_probe : probe { meta: description = "probe" severity = "low" mitre_att = "T1005" strings: $a = "probe" $b = { 00 01 } condition: any of them }\n' >"$T/scanrules/p.yar"
printf 'probe\n' >"$T/scan/a.txt"
printf 'x\000\001probe\377' >"$T/scan/b.bin"
"$SW" scan --no-cache --all --rules "$T/scanrules" -o "$T/scan-eve.json" "$T/scan" 2>/dev/null
python3 tests/tools/eve_schema_check.py "$schema" "$T/scan-eve.json" || rc=1
# seawall fim: every action (added, modified, attributes, moved, deleted) with the fim
# extension object set aside; the rest of each event must validate.
F=$T/fimtree
mkdir -p "$F/d"
printf 'a\n' >"$F/a"
printf 'b\n' >"$F/b"
printf 'c\n' >"$F/c"
printf 'm\n' >"$F/d/m"
"$SW" fim update --db "$T/fim.db" "$F" >/dev/null 2>&1
printf 'more\n' >>"$F/a"
chmod 600 "$F/b"
rm "$F/c"
mv "$F/d/m" "$F/m2"
printf 'new\n' >"$F/new"
"$SW" fim check --db "$T/fim.db" "$F" >"$T/fim-eve.json" 2>/dev/null
for a in added modified attributes moved deleted; do
    if grep -q "\"action\":\"$a\"" "$T/fim-eve.json"; then
        echo "ok - fim check wrote a $a event"
    else
        echo "not ok - fim check wrote no $a event"
        rc=1
    fi
done
python3 tests/tools/eve_schema_check.py "$schema" "$T/fim-eve.json" || rc=1
exit $rc
