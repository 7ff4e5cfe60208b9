#!/bin/sh
# yara_cli.sh SEAWALL - `seawall rules check` on good and broken rule directories (exact
# messages), and `seawall scan` on bad input: a symlink loop, a FIFO, an unreadable file, a
# file over --max-size, an empty file; the compiled-rules cache (hit, corrupt entry rebuilt).
SW=${1:?usage: yara_cli.sh SEAWALL}
cd "$(dirname "$0")/../.." || exit 2
T=$(mktemp -d)
trap 'chmod -R u+rwx "$T" 2>/dev/null; rm -rf "$T"' EXIT INT TERM
pass=0 fail=0
ok() { pass=$((pass + 1)); echo "ok - $*"; }
nok() { fail=$((fail + 1)); echo "not ok - $*"; }
has() { # file line description
    if grep -qxF "$2" "$1"; then ok "$3"; else nok "$3: want '$2' in: $(cat "$1")"; fi
}

# --- rules check -----------------------------------------------------------------------------
G=$T/good
mkdir -p "$G/sub"
printf 'rule one { strings: $a = "one" condition: $a }\n' >"$G/one.yar"
printf 'rule two { condition: filesize == 2 }\n' >"$G/sub/two.yara"
: >"$G/empty.yar"
"$SW" rules check "$G" >"$T/out" 2>&1
rc=$?
[ $rc -eq 0 ] && ok "rules check: good dir exits 0" || nok "rules check: good dir exits 0 (got $rc)"
has "$T/out" "yara: 3 files, 2 rules, 0 failed, 0 warnings" "rules check: good dir summary"

B=$T/bad
mkdir -p "$B"
printf 'rule s {\n  condition:\n' >"$B/syntax.yar"
printf 'import "nosuchmodule"\nrule m { condition: true }\n' >"$B/module.yar"
printf 'rule u {\n  condition: nosuchthing\n}\n' >"$B/undef.yar"
printf 'rule\000binary' >"$B/binary.yar"
: >"$B/empty.yar"
printf 'rule dup { condition: true }\n' >"$B/a.yar"
printf '\n\nrule dup { condition: false }\n' >"$B/b.yar"
printf 'rule ok1 { condition: true }\n' >"$B/fine.yar"
"$SW" rules check "$B" >"$T/out" 2>&1
rc=$?
[ $rc -eq 1 ] && ok "rules check: broken dir exits 1" || nok "rules check: broken dir exits 1 (got $rc)"
has "$T/out" "$B/syntax.yar:2: syntax error" "syntax error with file:line"
has "$T/out" "$B/module.yar:1: unknown module \"nosuchmodule\"" "unknown module with file:line"
has "$T/out" "$B/undef.yar:2: undefined identifier \"nosuchthing\"" "undefined identifier with file:line"
has "$T/out" "$B/binary.yar:1: binary file (NUL byte at offset 4), not YARA rules" "binary file rejected"
has "$T/out" "$B/b.yar:3: warning: rule \"dup\" is also defined in $B/a.yar:1 (kept: each file is its own namespace)" "duplicate rule name warns naming both places"
has "$T/out" "yara: 8 files, 3 rules, 4 failed, 1 warnings" "broken dir summary: others load"
"$SW" rules check "$T/nonexistent" >"$T/out" 2>&1
rc=$?
[ $rc -eq 2 ] && ok "rules check: missing dir exits 2" || nok "rules check: missing dir exits 2 (got $rc)"

# --- scan: bad input ---------------------------------------------------------------------------
R=$T/rules
mkdir -p "$R"
printf 'rule any_file { condition: true }\n' >"$R/all.yar"
F=$T/files
mkdir -p "$F/d"
ln -s .. "$F/d/loop"
ln -s "$F/d" "$F/loop2"
mkfifo "$F/fifo"
: >"$F/empty"
printf 'readable\n' >"$F/readable"
head -c 5000 /dev/zero >"$F/big"
printf 'secret\n' >"$F/unreadable"
chmod 000 "$F/unreadable"
"$SW" scan --no-cache --rules "$R" --max-size 4KiB -o "$T/eve.json" "$F" 2>"$T/err"
rc=$?
[ $rc -eq 1 ] && ok "scan of bad input finishes (exit 1: matches)" || nok "scan of bad input finishes (got $rc: $(cat "$T/err"))"
python3 - "$T/eve.json" "$F" "$(id -u)" <<'PY'
import json, sys
evs = [json.loads(l) for l in open(sys.argv[1])]
f, root = sys.argv[2], sys.argv[3] == "0"
alerts = sorted(e["fileinfo"]["filename"] for e in evs if e["event_type"] == "alert")
scan = [e for e in evs if e["event_type"] == "stats"][-1]["seawall"]["scan"]
want = [f + "/empty", f + "/readable"] + ([f + "/unreadable"] if root else [])
bad = 0
def check(c, m):
    global bad
    print(("ok - " if c else "not ok - ") + m)
    bad += not c
check(alerts == sorted(want), "alerts for exactly the readable regular files: %s" % alerts)
check(scan["skipped"]["size"] == 1, "file over --max-size skipped and counted")
check(scan["skipped"]["special"] == 1, "FIFO skipped and counted")
check(scan["skipped"]["symlink"] == 2, "symlinks not followed, counted (%d)" % scan["skipped"]["symlink"])
check(scan["errors"] == (0 if root else 1), "unreadable file is one counted error (%d)" % scan["errors"])
check(evs[-1]["event_type"] == "stats", "a stats event closes the run")
sys.exit(1 if bad else 0)
PY
[ $? -eq 0 ] && ok "scan bad-input counters" || nok "scan bad-input counters"
"$SW" scan --no-cache --follow --rules "$R" --max-size 4KiB -o "$T/eve2.json" "$F" 2>"$T/err"
rc=$?
[ $rc -eq 1 ] && ok "scan --follow through a symlink loop ends" || nok "scan --follow ends (got $rc)"
"$SW" scan --no-cache --rules "$R" --exclude 'read*' --exclude '*/d' -o "$T/eve3.json" "$F/readable" "$F" 2>"$T/err"
if grep -q '"filename":"'"$F"'/readable"' "$T/eve3.json" && grep -q '"excluded":[1-9]' "$T/eve3.json"; then
    ok "--exclude skips matching paths below roots, counted"
else nok "--exclude: $(tail -n 1 "$T/eve3.json")"; fi
printf 'rule never { condition: false }\n' >"$R/all.yar"
"$SW" scan --no-cache --rules "$R" -o /dev/null "$F/readable" 2>/dev/null
rc=$?
[ $rc -eq 0 ] && ok "no match exits 0" || nok "no match exits 0 (got $rc)"
"$SW" scan --rules "$R" 2>/dev/null
[ $? -eq 2 ] && ok "no path is a usage error (2)" || nok "no path is a usage error"
"$SW" scan --threads 99 --rules "$R" "$F" 2>/dev/null
[ $? -eq 2 ] && ok "--threads 99 is a usage error (2)" || nok "--threads 99 is a usage error"

# --- cache ---------------------------------------------------------------------------------------
C=$T/cache
printf 'rule cached { strings: $a = "readable" condition: $a }\n' >"$R/all.yar"
"$SW" scan -v --cache "$C" --rules "$R" -o "$T/c1.json" "$F/readable" 2>"$T/err1"
"$SW" scan -v --cache "$C" --rules "$R" -o "$T/c2.json" "$F/readable" 2>"$T/err2"
if grep -q "(cached)" "$T/err2" && ! grep -q "(cached)" "$T/err1" && grep -q '"rule":"cached"' "$T/c2.json"; then
    ok "second run loads the compiled rules from the cache"
else nok "cache hit: $(cat "$T/err1" "$T/err2")"; fi
for y in "$C"/*.yarc; do printf 'garbage' >"$y"; done
"$SW" scan -v --cache "$C" --rules "$R" -o "$T/c3.json" "$F/readable" 2>"$T/err3"
if grep -q "ignored (checksum mismatch)" "$T/err3" && grep -q '"rule":"cached"' "$T/c3.json"; then
    ok "a corrupt cache entry is ignored and rebuilt"
else nok "corrupt cache: $(cat "$T/err3")"; fi
# One byte changed in the middle of the (rebuilt) compiled file, same length: the CRC sees it.
for y in "$C"/*.yarc; do
    half=$(($(stat -c %s "$y") / 2))
    b=$(od -An -tu1 -j "$half" -N1 "$y" | tr -d ' ')
    printf "\\$(printf '%03o' $(((b + 1) % 256)))" | dd of="$y" bs=1 seek="$half" conv=notrunc 2>/dev/null
done
"$SW" scan -v --cache "$C" --rules "$R" -o "$T/c5.json" "$F/readable" 2>"$T/err5"
if grep -q "ignored (checksum mismatch)" "$T/err5" && grep -q '"rule":"cached"' "$T/c5.json"; then
    ok "one changed byte in a cache entry is caught and the entry rebuilt"
else nok "one changed byte: $(cat "$T/err5")"; fi
for y in "$C"/*.yarc; do : >"$y"; done
"$SW" scan -v --cache "$C" --rules "$R" -o "$T/c6.json" "$F/readable" 2>"$T/err6"
if grep -q "ignored (empty)" "$T/err6" && grep -q '"rule":"cached"' "$T/c6.json"; then
    ok "an empty cache entry is ignored and rebuilt"
else nok "empty cache entry: $(cat "$T/err6")"; fi
printf 'rule changed { strings: $a = "readable" condition: $a }\n' >"$R/all.yar"
"$SW" scan -v --cache "$C" --rules "$R" -o "$T/c4.json" "$F/readable" 2>"$T/err4"
if grep -q '"rule":"changed"' "$T/c4.json" && [ "$(ls "$C" | wc -l)" -eq 2 ]; then
    ok "changed rules miss the cache; the stale entry is dropped"
else nok "stale cache: $(ls "$C")"; fi

echo "yara_cli: $pass passed, $fail failed"
[ $fail -eq 0 ]
