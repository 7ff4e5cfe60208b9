#!/bin/sh
# rules_cache_trust.sh SEAWALL - issue 9 item 1: a compiled-rules cache entry that another
# user could have written is never loaded by root. As root, with `nobody` planting entries
# (setpriv, util-linux): an entry in a folder another user owns, an entry another user owns,
# a group-writable folder, a symlinked folder are each refused with one line saying why, and
# the rules are compiled instead (the real rule matches, the planted one does not). Root's
# scan with the default cache never reads the daemon's agent.state_dir/rules-cache (run in a
# private mount namespace with a tmpfs on /var/cache, so the host's is untouched), and the
# daemon started as root compiles instead of loading that folder. Skips (77) unless root with
# setpriv and unshare.
SW=${1:?usage: rules_cache_trust.sh SEAWALL}
SW=$(cd "$(dirname "$SW")" && pwd)/$(basename "$SW")
cd "$(dirname "$0")/../.." || exit 2
if [ "$(id -u)" -ne 0 ]; then
    echo "rules_cache_trust: skipped: needs root (planting as another user, a root start-up)"
    exit 77
fi
for p in setpriv unshare; do
    if ! command -v $p >/dev/null 2>&1; then
        echo "rules_cache_trust: skipped: $p (util-linux) is not installed"
        exit 77
    fi
done
T=$(mktemp -d)
SWPID=
cleanup() {
    [ -n "$SWPID" ] && kill "$SWPID" 2>/dev/null && wait "$SWPID" 2>/dev/null
    rm -rf "$T"
}
trap cleanup EXIT INT TERM
chmod 755 "$T" # nobody must reach its folders below
pass=0 fail=0
ok() { pass=$((pass + 1)); echo "ok - $*"; }
bad() { fail=$((fail + 1)); echo "not ok - $*"; }
as_nobody() { setpriv --reuid=nobody --regid=nogroup --clear-groups "$@"; }

R=$T/rules EV=$T/evil
mkdir -p "$R" "$EV" "$T/files"
printf 'rule real_rule { strings: $a = "hello" condition: $a }\n' >"$R/a.yar"
printf 'rule planted_rule { condition: true }\nrule planted_two { condition: true }\n' >"$EV/a.yar"
printf 'hello\n' >"$T/files/f.txt"
# The entry the real rules are looked up under, and a compiled set of the planted rules
# renamed to it (the header's checksum still matches the compiled file it came with).
"$SW" scan --cache "$T/key" --rules "$R" -o /dev/null "$T/files" 2>/dev/null
"$SW" scan --cache "$T/evilc" --rules "$EV" -o /dev/null "$T/files" 2>/dev/null
KEY=$(basename "$(ls "$T"/key/*.yarc)" .yarc)
EKEY=$(basename "$(ls "$T"/evilc/*.yarc)" .yarc)
if [ ${#KEY} -ne 64 ] || [ ${#EKEY} -ne 64 ]; then
    bad "could not make the cache entries: '$KEY' '$EKEY'"
    echo "rules_cache_trust: $pass passed, $fail failed"
    exit 1
fi
mkdir -m 755 "$T/stage"
cp "$T/evilc/$EKEY.yarc" "$T/stage/$KEY.yarc"
cp "$T/evilc/$EKEY.txt" "$T/stage/$KEY.txt"
chmod 644 "$T"/stage/*
plant() { # DIR: nobody copies the planted entry into DIR
    as_nobody cp "$T/stage/$KEY.yarc" "$T/stage/$KEY.txt" "$1/"
}
# scan_with NAME CACHE WHY: root's scan with --cache CACHE finds the real rule only, and
# stderr has one line refusing the entry that contains WHY
scan_with() {
    name=$1 cache=$2 why=$3
    "$SW" scan --cache "$cache" --rules "$R" -o "$T/eve.json" "$T/files" 2>"$T/err"
    rc=$?
    if [ $rc -eq 1 ] && grep -q '"rule":"real_rule"' "$T/eve.json" &&
        ! grep -q planted "$T/eve.json"; then
        ok "$name: the planted entry is not loaded, the rules are compiled (exit 1, real_rule)"
    else
        bad "$name: exit $rc, alerts: $(grep -o '"rule":"[a-z_]*"' "$T/eve.json" | tr '\n' ' ') $(cat "$T/err")"
    fi
    n=$(grep -c "rules cache .*: refused: .*; compiling the rules instead" "$T/err")
    if [ "$n" -eq 1 ] && grep "refused" "$T/err" | grep -qF -- "$why"; then
        ok "$name: one line says why: $(grep refused "$T/err" | sed 's/^seawall: //')"
    else
        bad "$name: want one 'refused' line with '$why', got: $(cat "$T/err")"
    fi
}

# 1. A folder another user owns (the daemon's cache is agent.user's), the entry planted there.
mkdir "$T/a" && chown nobody:nogroup "$T/a" && chmod 700 "$T/a"
plant "$T/a"
scan_with "folder owned by nobody" "$T/a" "owned by uid $(id -u nobody), not by the effective user (uid 0)"

# 2. Root's own folder, an entry another user owns (planted while the folder was open).
mkdir "$T/b" && chmod 777 "$T/b"
plant "$T/b"
chmod 700 "$T/b"
scan_with "entry owned by nobody" "$T/b" "$KEY.txt: refused: owned by uid $(id -u nobody)"
ls -l "$T/b/$KEY.yarc" | grep -q ' root ' &&
    ok "entry owned by nobody: replaced by root's own compile" ||
    bad "entry owned by nobody: still $(ls -l "$T/b/$KEY.yarc")"

# 3. A group-writable folder, even with root's own entries in it.
mkdir "$T/c" && chgrp nogroup "$T/c" && chmod 770 "$T/c"
cp "$T/stage/$KEY.yarc" "$T/stage/$KEY.txt" "$T/c/" && chmod 600 "$T"/c/*
scan_with "group-writable folder" "$T/c" "writable by its group (mode 0770)"

# 4. The folder is a symlink (to root's folder holding the planted set).
mkdir "$T/e" && chmod 700 "$T/e"
cp "$T/stage/$KEY.yarc" "$T/stage/$KEY.txt" "$T/e/" && chmod 600 "$T"/e/*
ln -s "$T/e" "$T/d"
scan_with "symlinked folder" "$T/d" "is a symlink"

# 5. An entry that is a symlink, in root's own folder.
mkdir "$T/g" && chmod 700 "$T/g"
ln -s "$T/e/$KEY.txt" "$T/g/$KEY.txt"
ln -s "$T/e/$KEY.yarc" "$T/g/$KEY.yarc"
scan_with "symlinked entry" "$T/g" "$KEY.txt: refused: is a symlink"

# 6. Root's own folder and entries: used (the checks do not just refuse everything).
"$SW" scan -v --cache "$T/key" --rules "$R" -o "$T/eve.json" "$T/files" 2>"$T/err"
grep -q "(cached)" "$T/err" && ! grep -q refused "$T/err" &&
    ok "root's own entry in root's own folder is loaded" || bad "own cache: $(cat "$T/err")"

# --- the daemon's folder -----------------------------------------------------------------------
S=$T/state
mkdir -p "$S/rules-cache" && chown -R nobody:nogroup "$S" && chmod 750 "$S" "$S/rules-cache"
plant "$S/rules-cache"
# 7. Root's scan with the default cache, in a mount namespace of its own where /var/cache is
#    an empty tmpfs: the compile is saved there, never in (or read from) agent.state_dir.
unshare -m sh -c 'mount -t tmpfs -o mode=0755 tmpfs /var/cache &&
    "$1" scan -v --set agent.state_dir="$2" --rules "$3" -o "$4/eve.json" "$4/files" 2>"$4/err"
    echo $? >"$4/rc"
    "$1" scan -v --set agent.state_dir="$2" --rules "$3" -o "$4/eve2.json" "$4/files" 2>"$4/err2"
    stat -c "%U %a" /var/cache/seawall/rules >"$4/stat"
    ls /var/cache/seawall/rules >"$4/ls"' sh "$SW" "$S" "$R" "$T"
if [ "$(cat "$T/rc")" = 1 ] && grep -q '"rule":"real_rule"' "$T/eve.json" &&
    ! grep -q planted "$T/eve.json" && ! grep -q "$S" "$T/err"; then
    ok "root's scan never reads agent.state_dir/rules-cache (real_rule, nothing about $S)"
else
    bad "default cache as root: exit $(cat "$T/rc"): $(grep -o '"rule":"[a-z_]*"' "$T/eve.json") $(cat "$T/err")"
fi
if [ "$(cat "$T/stat")" = "root 700" ] && grep -q "^$KEY.yarc$" "$T/ls" &&
    grep -q "(cached)" "$T/err2" && ! grep -q planted "$T/eve2.json"; then
    ok "root's default cache is /var/cache/seawall/rules (root, 0700), used on the next run"
else
    bad "root's default cache: $(cat "$T/stat" "$T/ls" "$T/err2")"
fi

# 8. The daemon started as root compiles its rules instead of loading its user's folder.
mkdir -p "$T/run" "$T/out" && chown nobody:nogroup "$T/out"
cat >"$T/seawall.yaml" <<EOF
agent: {user: nobody, group: nogroup, run_dir: $T/run, state_dir: $S}
network: {interfaces: [{name: lo}]}
rules: {dir: $R}
outputs: [{type: file, path: $T/out/eve.json}]
EOF
: >"$T/log"
"$SW" run -c "$T/seawall.yaml" 2>"$T/log" </dev/null &
SWPID=$!
i=0
while [ $i -lt 300 ] && ! grep -q "running:\|exit\|error" "$T/log" && kill -0 $SWPID 2>/dev/null; do
    sleep 0.1
    i=$((i + 1))
done
if grep -q "running: .* 1 rules from 1 files" "$T/log"; then
    ok "root start-up compiles the rules (1 rule), not its user's cache (2 planted rules)"
else
    bad "root start-up: $(cat "$T/log")"
fi
kill "$SWPID" 2>/dev/null
wait "$SWPID" 2>/dev/null
SWPID=

echo "rules_cache_trust: $pass passed, $fail failed"
[ $fail -eq 0 ]
