#!/bin/sh
# ioc_cli.sh SEAWALL - IOC lists (*.sha256 in the rules directory): `seawall rules check`
# reports each bad line as file:line and exits 1, duplicates as warnings (a list given alone
# is checked alone); `seawall scan`
# raises one alert per list that lists a file's SHA-256 (seawall.detector "ioc", the line's
# comment in the signature, list and line in alert.metadata) and exits 1; a list with a bad
# line makes the scan incomplete (exit 2) while its good lines still match.
SW=${1:?usage: ioc_cli.sh SEAWALL}
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
F=$T/files
mkdir -p "$R/feeds" "$F/www"
printf '<?php system($_GET["c"]); ?>\n' >"$F/www/shell.php"
printf 'hello\n' >"$F/www/index.html"
H=$(sha256sum "$F/www/shell.php" | cut -c1-64)
printf 'rule never { condition: false }\n' >"$R/r.yar"
printf '# local IOCs\n%s  # c99-style web shell\n' "$H" >"$R/local.sha256"
printf '%s,80\n' "$(echo "$H" | tr a-f A-F)" >"$R/feeds/vendor.sha256"

"$SW" rules check "$R" >"$T/out" 2>&1
rc=$?
[ $rc -eq 0 ] && ok "rules check: good lists exit 0" || nok "rules check: good lists exit 0 (got $rc)"
has "$T/out" "ioc: 2 files, 2 hashes, 0 failed, 0 warnings" "rules check: ioc summary"

"$SW" scan --no-cache -r "$R" -o "$T/eve.json" "$F" 2>"$T/err"
rc=$?
[ $rc -eq 1 ] && ok "scan: an IOC match exits 1" || nok "scan: an IOC match exits 1 (got $rc: $(cat "$T/err"))"
python3 - "$T/eve.json" "$F/www/shell.php" "$H" <<'PY' && ok "scan: one alert per list with the documented fields" || nok "scan: IOC alert fields"
import json, sys
evs = [json.loads(l) for l in open(sys.argv[1])]
al = [e for e in evs if e["event_type"] == "alert"]
assert len(al) == 2, al
sigs = sorted(e["alert"]["signature"] for e in al)
assert sigs == ["seawall IOC feeds/vendor.sha256: listed SHA-256",
                "seawall IOC local.sha256: c99-style web shell"], sigs
for e in al:
    assert e["seawall"]["detector"] == "ioc"
    assert "yara" not in e
    assert e["fileinfo"]["filename"] == sys.argv[2]
    assert e["fileinfo"]["sha256"] == sys.argv[3]
    assert e["alert"]["severity"] == 1
    assert 3100000000 <= e["alert"]["signature_id"] < 3200000000
local = [e for e in al if "local" in e["alert"]["signature"]][0]
assert local["alert"]["metadata"] == {"ioc_list": ["local.sha256"], "ioc_line": ["2"]}
vendor = [e for e in al if "vendor" in e["alert"]["signature"]][0]
assert vendor["alert"]["metadata"]["ioc_reputation"] == ["80"]
PY

printf 'not a hash\n%s\n' "$H" >>"$R/local.sha256"
"$SW" rules check "$R" >"$T/out" 2>&1
rc=$?
[ $rc -eq 1 ] && ok "rules check: a bad line exits 1" || nok "rules check: a bad line exits 1 (got $rc)"
has "$T/out" "$R/local.sha256:3: not a SHA-256 (64 hex digits)" "rules check: bad line as file:line"
has "$T/out" "$R/local.sha256:4: warning: duplicate of line 2, ignored" "rules check: duplicate warning"
has "$T/out" "ioc: 2 files, 2 hashes, 1 failed, 1 warnings" "rules check: summary counts the failed list"
# One list given instead of the folder: that list alone, and no other language reads it.
"$SW" rules check "$R/local.sha256" >"$T/out" 2>&1
rc=$?
[ $rc -eq 1 ] && ok "rules check FILE.sha256: its bad line exits 1" ||
    nok "rules check FILE.sha256: exit $rc, want 1: $(cat "$T/out")"
has "$T/out" "ioc: 1 files, 1 hashes, 1 failed, 1 warnings" "rules check FILE.sha256: that list alone"
has "$T/out" "suricata: 0 files, 0 rules loaded, 0 left out, 0 failed" \
    "rules check FILE.sha256: not read as Suricata rules"
"$SW" scan --no-cache -r "$R" -o "$T/eve2.json" "$F" 2>"$T/err"
rc=$?
[ $rc -eq 2 ] && ok "scan: a list with a bad line exits 2" || nok "scan: bad list exits 2 (got $rc)"
n=$(grep -c '"detector":"ioc"' "$T/eve2.json")
[ "$n" -eq 2 ] && ok "scan: the good lines of a list with a bad one still match" ||
    nok "scan: $n IOC alerts with a bad list, want 2"
grep -q "local.sha256:3: not a SHA-256" "$T/err" && ok "scan: the bad line is on stderr" ||
    nok "scan: bad line not on stderr: $(cat "$T/err")"

echo "ioc_cli: $pass passed, $fail failed"
[ $fail -eq 0 ]
