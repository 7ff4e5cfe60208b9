#!/bin/sh
# output_errors.sh SEAWALL - issue 9 item 9: exit statuses tell the truth. `seawall pcap`
# writing to a full device or past a file-size limit exits 2 after one "write failed" line,
# and the file it leaves holds whole JSON lines only; -o through a symlink the user named
# (/dev/stdout) still works. `seawall scan` of a path that does not exist, of files none of
# which can be read, or into a full device exits 2, not 0 ("no match"). `seawall scan` and
# `seawall fim` follow a symlink named by -o alike (/dev/stdout, a link to a file), as pcap.
SW=${1:?usage: output_errors.sh SEAWALL}
SW=$(cd "$(dirname "$SW")" && pwd)/$(basename "$SW")
cd "$(dirname "$0")/../.." || exit 2
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT INT TERM
chmod 755 "$T"
pass=0 fail=0
ok() { pass=$((pass + 1)); echo "ok - $*"; }
bad() { fail=$((fail + 1)); echo "not ok - $*"; }
PCAP=tests/data/corpus-mini/ndpi-4.2/pcap/synscan.pcap
[ -f "$PCAP" ] || { echo "output_errors: $PCAP is missing"; exit 1; }
# Every line of FILE is a JSON object and the file ends with a newline; prints the count.
whole_json() {
    python3 - "$1" <<'PY'
import json, sys
data = open(sys.argv[1], "rb").read()
if data and not data.endswith(b"\n"):
    print("ends in part of a line: %r" % data[-40:])
    sys.exit(1)
n = 0
for line in data.splitlines():
    json.loads(line)
    n += 1
print(n)
PY
}

# --- pcap ----------------------------------------------------------------------------------------
"$SW" pcap -o /dev/full "$PCAP" >/dev/null 2>"$T/err"
rc=$?
n=$(grep -c "write failed" "$T/err")
[ $rc -eq 2 ] && [ "$n" -eq 1 ] && grep -q "/dev/full: [0-9]* of [0-9]* events were not written" "$T/err" &&
    ok "pcap -o /dev/full: exit 2, one write error line, the lost events counted" ||
    bad "pcap -o /dev/full: exit $rc, $n write error lines: $(cat "$T/err")"

# dash and bash count ulimit -f in 512 and 1024 byte blocks: a few KiB either way.
sh -c 'ulimit -f 4 && exec "$@"' sh "$SW" pcap -o "$T/limited.json" "$PCAP" >/dev/null 2>"$T/err"
rc=$?
lines=$(whole_json "$T/limited.json")
jrc=$?
n=$(grep -c "write failed: File too large" "$T/err")
[ $rc -eq 2 ] && [ "$n" -eq 1 ] && ok "pcap past a file-size limit: exit 2, one write error line" ||
    bad "pcap past a file-size limit: exit $rc: $(cat "$T/err")"
[ $jrc -eq 0 ] && [ "$lines" -gt 0 ] &&
    ok "the limited file holds $lines whole JSON lines, no part of one" ||
    bad "the limited file: $lines"

"$SW" pcap -o /dev/stdout "$PCAP" >"$T/stdout.json" 2>"$T/err"
rc=$?
lines=$(whole_json "$T/stdout.json")
[ $rc -eq 0 ] && [ "$lines" -gt 100 ] && ok "pcap -o /dev/stdout (a symlink named by the user): exit 0, $lines lines" ||
    bad "pcap -o /dev/stdout: exit $rc, $lines: $(cat "$T/err")"

# --- scan ----------------------------------------------------------------------------------------
mkdir -p "$T/rules" "$T/files"
printf 'rule never { condition: false }\n' >"$T/rules/a.yar"
printf 'data\n' >"$T/files/one" && printf 'more\n' >"$T/files/two"
"$SW" scan --no-cache --rules "$T/rules" -o /dev/null "$T/files" 2>"$T/err"
rc=$?
[ $rc -eq 0 ] && ok "scan of readable files without a match: exit 0" || bad "scan control: exit $rc: $(cat "$T/err")"
"$SW" scan --no-cache --rules "$T/rules" -o /dev/null "$T/nonexistent" 2>"$T/err"
rc=$?
[ $rc -eq 2 ] && grep -q "$T/nonexistent: No such file or directory" "$T/err" &&
    ok "scan of a path that does not exist: exit 2, named" || bad "scan of a missing path: exit $rc: $(cat "$T/err")"
"$SW" scan --no-cache --rules "$T/rules" -o /dev/null "$T/files" "$T/nonexistent" 2>"$T/err"
rc=$?
[ $rc -eq 2 ] && ok "scan with one missing path among good ones: exit 2" || bad "scan with one missing path: exit $rc"
chmod 000 "$T/files/one" "$T/files/two"
RUN=
[ "$(id -u)" -eq 0 ] && RUN="setpriv --reuid=nobody --regid=nogroup --clear-groups"
if [ -n "$RUN" ] && ! command -v setpriv >/dev/null 2>&1; then
    bad "root needs setpriv (util-linux) to read as nobody"
else
    $RUN "$SW" scan --no-cache --rules "$T/rules" -o /dev/null "$T/files" 2>"$T/err"
    rc=$?
    [ $rc -eq 2 ] && grep -q "scan: no file could be read (2 errors)" "$T/err" &&
        ok "scan where every file is unreadable: exit 2, said" || bad "scan of unreadable files: exit $rc: $(cat "$T/err")"
fi
chmod 644 "$T/files/one" "$T/files/two"
"$SW" scan --no-cache --rules "$T/rules" -o /dev/full "$T/files" 2>"$T/err"
rc=$?
[ $rc -eq 2 ] && [ "$(grep -c "write failed" "$T/err")" -eq 1 ] &&
    ok "scan -o /dev/full: exit 2, one write error line" || bad "scan -o /dev/full: exit $rc: $(cat "$T/err")"

# --- -o through a symlink: scan and fim alike -----------------------------------------------------
# The user named the path on the command line: followed as a shell redirect would (the
# daemon's configured outputs refuse symlinks: run_root_links.sh).
printf 'rule hit { strings: $a = "data" condition: $a }\n' >"$T/rules/b.yar"
ln -s "$T/target.json" "$T/link.json"
"$SW" scan --no-cache --rules "$T/rules" -o /dev/stdout "$T/files" >"$T/scan.json" 2>"$T/err"
rc=$?
n=$(grep -c '"event_type":"alert"' "$T/scan.json")
[ $rc -eq 1 ] && [ "$n" -eq 1 ] && ok "scan -o /dev/stdout: the alert on standard output" ||
    bad "scan -o /dev/stdout: exit $rc, $n alerts: $(cat "$T/err")"
DB=$T/fim.db
"$SW" fim update --db "$DB" -o /dev/null "$T/files" 2>"$T/err" || bad "fim update: $(cat "$T/err")"
printf 'changed\n' >"$T/files/two"
for o in /dev/stdout "$T/link.json"; do
    rm -f "$T/target.json"
    "$SW" fim check --db "$DB" -o "$o" "$T/files" >"$T/fim.json" 2>"$T/err"
    rc=$?
    got=$T/fim.json
    [ "$o" = /dev/stdout ] || got=$T/target.json
    n=$(grep -c '"event_type":"fim"' "$got" 2>/dev/null)
    [ $rc -eq 1 ] && [ "$n" -eq 1 ] && ok "fim check -o $o (a symlink named by the user): exit 1, the fim event there" ||
        bad "fim check -o $o: exit $rc, ${n:-no} fim events: $(cat "$T/err")"
done
[ -L "$T/link.json" ] && ok "fim -o through a link: the link is left a link" || bad "fim -o: $T/link.json replaced"

echo "output_errors: $pass passed, $fail failed"
[ $fail -eq 0 ]
