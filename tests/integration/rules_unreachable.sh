#!/bin/sh
# rules_unreachable.sh SEAWALL - issue 9 item 10: what the rule loader cannot reach is never
# skipped silently. An unreadable folder, a dangling *.yar symlink, a folder deeper than 16
# levels and a path longer than PATH_MAX each give one "path: reason" line and count as a
# failed file: `rules check` exits 1 and `scan` exits 2 (the run is incomplete). As root the
# loader runs as nobody (setpriv) for the unreadable folder, since root reads any folder.
SW=${1:?usage: rules_unreachable.sh SEAWALL}
SW=$(cd "$(dirname "$SW")" && pwd)/$(basename "$SW")
cd "$(dirname "$0")/../.." || exit 2
RUN=
if [ "$(id -u)" -eq 0 ]; then
    if ! command -v setpriv >/dev/null 2>&1; then
        echo "rules_unreachable: skipped: root needs setpriv (util-linux) to read as nobody"
        exit 77
    fi
    RUN="setpriv --reuid=nobody --regid=nogroup --clear-groups"
fi
T=$(mktemp -d)
trap 'chmod -R u+rwx "$T" 2>/dev/null; rm -rf "$T"' EXIT INT TERM
chmod 755 "$T"
pass=0 fail=0
ok() { pass=$((pass + 1)); echo "ok - $*"; }
bad() { fail=$((fail + 1)); echo "not ok - $*"; }
has() { # file line description
    if grep -qxF -- "$2" "$1"; then ok "$3"; else bad "$3: want '$2' in: $(cat "$1")"; fi
}

R=$T/rules
mkdir -p "$R/locked" "$R/fine"
printf 'rule good { condition: true }\n' >"$R/fine/good.yar"
printf 'rule hidden { condition: true }\n' >"$R/locked/inside.yar"
chmod 000 "$R/locked"
ln -s "$R/nowhere.yar" "$R/gone.yar"
# 17 folders deep: the 17th is past the limit of 16.
deep=$R
for i in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17; do deep=$deep/d; done
mkdir -p "$deep" && printf 'rule deep { condition: true }\n' >"$deep/deep.yar"
# 16 folders of 255-byte names (the most the depth limit lets in): the rule file below them
# is more than 4095 bytes from $R.
python3 - "$R" <<'PY'
import os, sys
os.chdir(sys.argv[1])
for _ in range(16):
    os.mkdir("n" * 255)
    os.chdir("n" * 255)
with open("long.yar", "w") as f:
    f.write("rule long_path { condition: true }\n")
PY

$RUN "$SW" rules check "$R" >"$T/out" 2>&1
rc=$?
[ $rc -eq 1 ] && ok "rules check exits 1" || bad "rules check exits 1 (got $rc): $(cat "$T/out")"
has "$T/out" "$R/locked: cannot open the folder: Permission denied" "unreadable folder: path: reason"
has "$T/out" "$R/gone.yar: dangling symlink: No such file or directory" "dangling symlink: path: reason"
has "$T/out" "$deep: deeper than 16 folders: not read" "folder 17 levels deep: path: reason"
if grep -q "^$R/nnnn.*: path longer than 4095 bytes: not read$" "$T/out"; then
    ok "over-long path: path: reason"
else
    bad "over-long path: no 'path longer than 4095 bytes' line in: $(cut -c1-200 "$T/out")"
fi
has "$T/out" "yara: 5 files, 1 rules, 4 failed, 0 warnings" "each counts as a failed file; the good file loads"

$RUN "$SW" scan --no-cache --rules "$R" -o /dev/null "$R/fine" >"$T/out" 2>&1
rc=$?
[ $rc -eq 2 ] && ok "scan with unreachable rule files exits 2 (incomplete run)" ||
    bad "scan exits 2 (got $rc): $(cat "$T/out")"
grep -q "4 of 5 rule files failed" "$T/out" && ok "scan says how many rule files failed" ||
    bad "scan summary: $(cat "$T/out")"

echo "rules_unreachable: $pass passed, $fail failed"
[ $fail -eq 0 ]
