#!/bin/sh
# fim_cli.sh SEAWALL - `seawall fim` on what goes wrong around the baseline: kill -9 in the
# middle of the first update (the next update records it without events, the check after is
# clean), a foreign or corrupt baseline (one line naming it, moved aside to .bad, rebuilt by
# update, refused by check), a second writer (refused while the first holds the lock), a path
# not yet in the baseline (check exits 2), excluded paths, hostile file names (newline, bytes
# that are not UTF-8: escaped in JSON, not split), a FIFO (recorded, never opened), and
# restarts: stop, change (add, modify, delete, chmod), start reports exactly those.
SW=${1:?usage: fim_cli.sh SEAWALL}
cd "$(dirname "$0")/../.." || exit 2
T=$(mktemp -d)
trap 'kill -9 $pid 2>/dev/null; rm -rf "$T"' EXIT INT TERM
pass=0 fail=0
ok() { pass=$((pass + 1)); echo "ok - $*"; }
nok() { fail=$((fail + 1)); echo "not ok - $*"; }

R=$T/tree
DB=$T/state/fim.db
mkdir -p "$R/a" "$R/cache" "$T/state"
i=0
while [ $i -lt 40 ]; do
    mkdir -p "$R/d$i"
    j=0
    while [ $j -lt 500 ]; do
        printf '%d %d\n' $i $j >"$R/d$i/f$j"
        j=$((j + 1))
    done
    i=$((i + 1))
done
printf 'x\n' >"$R/cache/tmp.bin"
printf 'n\n' >"$R/a/$(printf 'new\nline')"
printf 'l\n' >"$R/a/$(printf 'caf\351')"
mkfifo "$R/a/pipe"

# --- kill -9 in the middle of the first update ---------------------------------------------------
# 60000 more files, so the first update runs long enough to be killed half way.
python3 tests/tools/mkfimtree.py "$R/big" 60000 >/dev/null
total=$((20000 + 60000 + 60 + 2))
"$SW" fim update -j 1 --db "$DB" -x '/*/cache' "$R" >"$T/u1.json" 2>&1 &
pid=$!
# Kill it once a batch is committed and before the walk completes (read through WAL, which
# never blocks the writer).
python3 - "$DB" $pid <<'PY'
import os, signal, sqlite3, sys, time
db, pid = sys.argv[1], int(sys.argv[2])
for _ in range(3000):
    try:
        c = sqlite3.connect("file:%s?mode=ro" % db, uri=True, timeout=0.1)
        n = c.execute("select count(*) from files").fetchone()[0]
        c.close()
        if n > 0:
            break
    except sqlite3.Error:
        pass
    time.sleep(0.002)
os.kill(pid, signal.SIGKILL)
PY
wait $pid 2>/dev/null
killed=$?
state=$(python3 -c "
import sqlite3
c = sqlite3.connect('file:$DB?mode=ro', uri=True)
print(c.execute('select count(*) from files').fetchone()[0],
      c.execute('select count(*) from roots where complete=1').fetchone()[0])")
set -- $state
if [ $killed -eq 137 ] && [ "$1" -gt 0 ] && [ "$1" -lt $total ] && [ "$2" -eq 0 ]; then
    ok "kill -9 mid-walk left a partial baseline ($1 of $total rows, root not complete)"
else
    nok "kill -9 mid-walk: exit $killed, rows $1, complete roots $2 (want a partial baseline)"
fi
"$SW" fim update --db "$DB" -x '/*/cache' "$R" >"$T/u2.json" 2>"$T/u2.err"
rc=$?
[ $rc -eq 0 ] && [ ! -s "$T/u2.json" ] &&
    ok "after kill -9 in the first update, the next update records without events" ||
    nok "update after kill -9: exit $rc, $(head -c 300 "$T/u2.json") $(cat "$T/u2.err")"
"$SW" fim check --db "$DB" -x '/*/cache' "$R" >"$T/c.json" 2>"$T/c.err"
rc=$?
[ $rc -eq 0 ] && [ ! -s "$T/c.json" ] && ok "then the check is clean (a complete baseline)" ||
    nok "check after the rebuild: exit $rc, $(head -c 300 "$T/c.json") $(cat "$T/c.err")"

# --- names, FIFOs, excludes -----------------------------------------------------------------------
rm "$R/a/$(printf 'new\nline')" "$R/a/$(printf 'caf\351')" "$R/a/pipe"
printf 'changed\n' >"$R/cache/tmp.bin"
"$SW" fim check --db "$DB" -x '/*/cache' "$R" >"$T/c.json" 2>/dev/null
n=$(wc -l <"$T/c.json")
[ "$n" -eq 3 ] && ok "hostile names: one event line each, excluded paths silent" ||
    nok "hostile names: $n lines, want 3: $(cat "$T/c.json")"
python3 - "$T/c.json" <<'PY' && ok "names: a newline JSON-escaped, a byte that is not UTF-8 as \\xe9; the FIFO deleted as a fifo" || nok "escaped names"
import json, sys
ev = [json.loads(l)["fim"] for l in open(sys.argv[1])]
paths = sorted(e["path"].rsplit("/", 1)[1] for e in ev)
assert paths == ["caf\\xe9", "new\nline", "pipe"], paths  # JSON escapes the newline
assert all(e["action"] == "deleted" for e in ev)
assert [e["old"]["type"] for e in ev if e["path"].endswith("pipe")] == ["fifo"]
PY
"$SW" fim update --db "$DB" -x '/*/cache' "$R" >/dev/null 2>&1

# --- restart: changes while stopped ---------------------------------------------------------------
printf 'new\n' >"$R/d1/added"
printf 'more\n' >>"$R/d2/f2"
rm "$R/d3/f3"
chmod 600 "$R/d4/f4"
"$SW" fim update --db "$DB" -x '/*/cache' "$R" >"$T/r.json" 2>/dev/null
rc=$?
got=$(python3 -c '
import json, sys
for l in open(sys.argv[1]):
    f = json.loads(l)["fim"]
    print(f["action"], f["path"].rsplit("/", 2)[1] + "/" + f["path"].rsplit("/", 1)[1], ",".join(f.get("changed", [])))
' "$T/r.json" | sort | tr '\n' ';')
want="added d1/added ;attributes d4/f4 mode;deleted d3/f3 ;modified d2/f2 size,mtime,sha256;"
[ $rc -eq 1 ] && [ "$got" = "$want" ] && ok "changes while stopped: exactly those differences" ||
    nok "changes while stopped (exit $rc): got '$got', want '$want'"

# --- a second writer, an unknown path ----------------------------------------------------------------
"$SW" fim update -j 1 --db "$DB" -x '/*/cache' "$R" >/dev/null 2>&1 &
pid=$!
k=0
while [ $k -lt 100 ] && ! [ -e "/proc/$pid" ]; do sleep 0.01; k=$((k + 1)); done
sleep 0.05
"$SW" fim update --db "$DB" -x '/*/cache' "$R" >/dev/null 2>"$T/lock.err"
rc=$?
wait $pid
if grep -q "in use by another seawall process" "$T/lock.err"; then
    [ $rc -eq 2 ] && ok "a second writer is refused (exit 2, one line)" || nok "second writer exit $rc"
else
    echo "# the first update finished before the second started: lock not exercised"
fi
mkdir -p "$T/other"
"$SW" fim check --db "$DB" "$T/other" >/dev/null 2>"$T/unk.err"
rc=$?
[ $rc -eq 2 ] && grep -q "$T/other: not in the baseline (seawall fim update records it)" "$T/unk.err" &&
    ok "check of a path not in the baseline: exit 2, named" || nok "unknown path: exit $rc, $(cat "$T/unk.err")"

# --- a foreign and a corrupt baseline -------------------------------------------------------------
rm -f "$DB"*
printf 'SQLite format 3\000but not really\n' >"$DB"
"$SW" fim check --db "$DB" "$R" >/dev/null 2>"$T/bad.err"
rc=$?
[ $rc -eq 2 ] && [ "$(wc -l <"$T/bad.err")" -eq 1 ] && grep -q "^seawall: $DB: not a usable seawall baseline" "$T/bad.err" &&
    ok "check refuses a corrupt baseline in one line naming it" || nok "check corrupt: exit $rc, $(cat "$T/bad.err")"
"$SW" fim update --db "$DB" "$R" >"$T/re.json" 2>"$T/re.err"
rc=$?
[ $rc -eq 0 ] && [ ! -s "$T/re.json" ] && [ -f "$DB.bad" ] &&
    grep -q "moved aside to $DB.bad, rebuilding it" "$T/re.err" &&
    ok "update moves it aside, rebuilds, reports nothing" || nok "update corrupt: exit $rc, $(cat "$T/re.err")"
python3 -c "import sqlite3; c=sqlite3.connect('$T/foreign.db'); c.execute('create table t(x)'); c.commit()"
cp "$T/foreign.db" "$DB"
rm -f "$DB-wal" "$DB-shm"
"$SW" fim update --db "$DB" "$R" >/dev/null 2>"$T/fo.err"
rc=$?
[ $rc -eq 0 ] && grep -q "application_id 0x00000000 is not a seawall baseline's" "$T/fo.err" &&
    ok "another application's SQLite file: named, moved aside, rebuilt" || nok "foreign: exit $rc, $(cat "$T/fo.err")"
"$SW" fim check --db "$DB" "$R" >/dev/null 2>&1
[ $? -eq 0 ] && ok "the rebuilt baseline checks clean" || nok "rebuilt baseline check"

echo "fim_cli: $pass passed, $fail failed"
[ $fail -eq 0 ]
