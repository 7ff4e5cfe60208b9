#!/bin/sh
# systemd_unit.sh SEAWALL - the systemd side of `make install DESTDIR=... PREFIX=/usr/local`:
#  - `systemd-analyze verify --root` passes on the installed unit and prints nothing, with the
#    unit's ExecStart= binary and its Documentation=man:seawall(8) page looked up in the
#    install tree (and fails when either is missing, so the check is not vacuous);
#  - `systemd-analyze security --offline=true` rates the unit 3.0 or lower (figure printed);
#  - the unit agrees with the configuration defaults (User/Group, directories, stop timeout);
#  - systemd-sysusers and systemd-tmpfiles, run on the install tree, create the seawall user
#    and the directories with their modes and owners;
#  - the logrotate snippet rotates, and its postrotate tolerates a stopped service;
#  - the man page renders without warnings, names every key `seawall config check` prints
#    and every option of every command's --help.
# Skips (77) only when systemd-analyze is missing; a check whose tool is missing is reported as
# "skip - ..." and counted as skipped in the closing line, never as passed.
SW=${1:?usage: systemd_unit.sh SEAWALL}
cd "$(dirname "$0")/../.." || exit 2
command -v systemd-analyze >/dev/null 2>&1 || { echo "skipped: no systemd-analyze"; exit 77; }
case $SW in /*) ;; *) SW=$PWD/$SW ;; esac
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT INT TERM
pass=0 fail=0 skip=0
ok() { pass=$((pass + 1)); echo "ok - $*"; }
bad() { fail=$((fail + 1)); echo "not ok - $*"; }
skp() { skip=$((skip + 1)); echo "skip - $*"; }
V=$(basename "$(dirname "$SW")")
SANFLAG=""
[ "$V" = san ] && SANFLAG="SAN=1"
MAX_EXPOSURE=3.0

D=$T/dest
if make --no-print-directory $SANFLAG install DESTDIR="$D" PREFIX=/usr/local >"$T/log" 2>&1; then
    ok "make install DESTDIR"
else
    bad "make install: $(tail -n 3 "$T/log")"
    echo "systemd_unit: $pass passed, $fail failed, $skip skipped"
    exit 1
fi
UNIT=/usr/local/lib/systemd/system/seawall.service
MAN=$D/usr/local/share/man/man8/seawall.8

# --- systemd-analyze verify ------------------------------------------------------------------
# --root makes verify look for ExecStart= binaries and for every unit under the install tree;
# the target system provides systemd's own units (sysinit.target, ...) and kill(1) for
# ExecReload=, so the verify root is the install tree plus those from this host. The man page
# check runs man(1), which --root does not redirect: MANPATH points it into the tree.
R=$T/vroot
cp -a "$D" "$R"
mkdir -p "$R/usr/lib/systemd"
for d in /usr/lib/systemd/system /lib/systemd/system; do
    [ -d "$d" ] && { cp -a "$d" "$R/usr/lib/systemd/"; break; }
done
for p in /usr/local/sbin /usr/local/bin /usr/sbin /usr/bin /sbin /bin; do
    if [ -x "$p/kill" ]; then
        mkdir -p "$R/usr/bin"
        cp "$p/kill" "$R/usr/bin/kill"
        break
    fi
done
# Without man(1) verify cannot look pages up at all: then Documentation= goes unchecked.
MANCHECK=yes
command -v man >/dev/null 2>&1 || { MANCHECK=no; skp "verify Documentation=: no man(1)"; }
verify() { # verify ROOT: systemd-analyze verify, output in $T/verify
    MANPATH=$1/usr/local/share/man systemd-analyze verify --man="$MANCHECK" --root="$1" "$1$UNIT" \
        >"$T/verify" 2>&1
}
if verify "$R" && [ ! -s "$T/verify" ]; then
    ok "systemd-analyze verify: no error, no warning"
else
    bad "systemd-analyze verify: $(head -n 5 "$T/verify" | tr '\n' ' ')"
fi
# The same checks must fail without the man page and without the binary.
if [ "$MANCHECK" = yes ]; then
    mv "$R/usr/local/share/man/man8/seawall.8" "$T/seawall.8.away"
    verify "$R"
    grep -q 'seawall(8)' "$T/verify" && ok "verify notices a missing seawall(8)" ||
        bad "verify passes without the man page: $(head -n 2 "$T/verify" | tr '\n' ' ')"
    mv "$T/seawall.8.away" "$R/usr/local/share/man/man8/seawall.8"
fi
mv "$R/usr/local/bin/seawall" "$T/seawall.away"
verify "$R"
grep -q '/usr/local/bin/seawall' "$T/verify" && ok "verify notices a missing ExecStart binary" ||
    bad "verify passes without the binary: $(head -n 2 "$T/verify" | tr '\n' ' ')"
mv "$T/seawall.away" "$R/usr/local/bin/seawall"

# --- systemd-analyze security ----------------------------------------------------------------
threshold=$(echo "$MAX_EXPOSURE" | awk '{ printf "%d", $1 * 10 }')
systemd-analyze security --offline=true --root="$R" --threshold="$threshold" "$R$UNIT" \
    >"$T/security" 2>&1
rc=$?
level=$(sed -n 's/.*Overall exposure level for seawall\.service: \([0-9.]*\).*/\1/p' "$T/security")
if [ -z "$level" ]; then
    bad "systemd-analyze security printed no exposure level: $(tail -n 3 "$T/security" | tr '\n' ' ')"
elif [ "$rc" -eq 0 ] && awk -v l="$level" -v m="$MAX_EXPOSURE" 'BEGIN { exit !(l <= m) }'; then
    ok "systemd-analyze security --offline: exposure $level (limit $MAX_EXPOSURE)"
else
    bad "systemd-analyze security --offline: exposure $level over $MAX_EXPOSURE (exit $rc)"
fi
echo "# systemd-analyze security: seawall.service exposure $level"

# --- the unit against the configuration defaults -------------------------------------------
"$SW" config check -c /dev/null >"$T/config" 2>&1 || bad "config check -c /dev/null failed"
cfg() { sed -n "s/^$1: \\([^ ]*\\).*/\\1/p" "$T/config"; }
key() { sed -n "s/^$1=//p" "$D$UNIT" | tail -n 1; }
[ "$(key Type)" = notify ] && [ "$(key NotifyAccess)" = main ] &&
    ok "Type=notify, NotifyAccess=main" || bad "Type=$(key Type) NotifyAccess=$(key NotifyAccess)"
[ -n "$(key WatchdogSec)" ] && [ "$(key Restart)" = on-failure ] &&
    case $(key ExecReload) in *HUP*MAINPID*) true ;; *) false ;; esac &&
    ok "WatchdogSec=$(key WatchdogSec), Restart=on-failure, ExecReload sends SIGHUP" ||
    bad "watchdog/restart/reload: WatchdogSec=$(key WatchdogSec) Restart=$(key Restart)"
[ "$(key User)" = "$(cfg agent.user)" ] && [ "$(key Group)" = "$(cfg agent.group)" ] &&
    ok "User=/Group= are agent.user/agent.group ($(key User))" ||
    bad "User=$(key User) Group=$(key Group), config says $(cfg agent.user)/$(cfg agent.group)"
[ "/run/$(key RuntimeDirectory)" = "$(cfg agent.run_dir)" ] &&
    [ "/var/lib/$(key StateDirectory)" = "$(cfg agent.state_dir)" ] &&
    grep -q "path: /var/log/$(key LogsDirectory)/" "$T/config" &&
    ok "Runtime/State/LogsDirectory= match agent.run_dir, agent.state_dir, the file output" ||
    bad "unit directories do not match the configuration defaults"
secs() { # 30s, 1min, 90 -> seconds
    echo "$1" | awk '/ms$/ { print int($1 / 1000); next } /min$|m$/ { print $1 * 60; next }
                     /h$/ { print $1 * 3600; next } { print $1 + 0 }'
}
stop_unit=$(secs "$(key TimeoutStopSec)") stop_cfg=$(secs "$(cfg agent.stop_timeout)")
[ "$stop_unit" -gt "$stop_cfg" ] && ok "TimeoutStopSec ${stop_unit}s > agent.stop_timeout ${stop_cfg}s" ||
    bad "TimeoutStopSec ${stop_unit}s is not above agent.stop_timeout ${stop_cfg}s"

# --- sysusers.d and tmpfiles.d, applied to a copy of the install tree -----------------------
S=$T/sys
cp -a "$D" "$S"
if command -v systemd-sysusers >/dev/null 2>&1 && command -v systemd-tmpfiles >/dev/null 2>&1; then
    systemd-sysusers --root="$S" >"$T/sysusers" 2>&1 || bad "systemd-sysusers: $(cat "$T/sysusers")"
    pw=$(grep '^seawall:' "$S/etc/passwd" 2>/dev/null)
    uid=$(echo "$pw" | cut -d: -f3) gid=$(echo "$pw" | cut -d: -f4)
    case $pw in
        *:/var/lib/seawall:*nologin)
            grep -q "^seawall:x:$gid:" "$S/etc/group" &&
                ok "sysusers creates user and group seawall ($uid:$gid, no login)" ||
                bad "sysusers: no group seawall with gid $gid" ;;
        *) bad "sysusers: passwd line '$pw'" ;;
    esac
    systemd-tmpfiles --create --root="$S" >"$T/tmpfiles" 2>&1 ||
        bad "systemd-tmpfiles: $(cat "$T/tmpfiles")"
    for e in "var/lib/seawall 750 $uid:$gid" "var/log/seawall 750 $uid:$gid" \
             "run/seawall 750 $uid:$gid" "etc/seawall 755 0:0" "etc/seawall/rules 755 0:0" \
             "etc/seawall/seawall.yaml 640 0:$gid"; do
        # shellcheck disable=SC2086
        set -- $e
        got=$(stat -c '%a %u:%g' "$S/$1" 2>/dev/null)
        [ "$got" = "$2 $3" ] && ok "tmpfiles: /$1 $2 $3" || bad "tmpfiles: /$1 is '$got', expected $2 $3"
    done
else
    skp "sysusers/tmpfiles: systemd-sysusers or systemd-tmpfiles missing"
fi

# --- logrotate --------------------------------------------------------------------------------
# The installed snippet with its directory moved into $T and a unit name that is surely not
# running: rotation works and the postrotate script copes with the service being down.
if command -v logrotate >/dev/null 2>&1; then
    L=$T/log.d
    mkdir -p "$L"
    sed -e "s|/var/log/seawall/|$L/|" -e "s|seawall\\.service|seawall-test-$$.service|g" \
        "$D/etc/logrotate.d/seawall" >"$T/logrotate.conf"
    echo '{"event_type":"stats"}' >"$L/eve.json"
    # logrotate reports a bad directive on stderr and still exits 0: demand silence.
    if logrotate -f -s "$T/logrotate.state" "$T/logrotate.conf" >"$T/logrotate.out" 2>&1 &&
        [ ! -s "$T/logrotate.out" ] && [ -f "$L/eve.json.1" ] && [ ! -e "$L/eve.json" ]; then
        ok "logrotate rotates eve.json silently, postrotate tolerates a stopped service"
    else
        bad "logrotate: $(head -n 3 "$T/logrotate.out" | tr '\n' ' ') $(ls "$L" | tr '\n' ' ')"
    fi
else
    skp "logrotate: not installed"
fi

# --- the man page -----------------------------------------------------------------------------
if command -v groff >/dev/null 2>&1; then
    groff -man -ww -z "$MAN" >"$T/groff" 2>&1
    [ ! -s "$T/groff" ] && ok "groff -man -ww: no warning" ||
        bad "groff -man -ww: $(head -n 3 "$T/groff" | tr '\n' ' ')"
fi
if command -v man >/dev/null 2>&1; then
    LC_ALL=C.UTF-8 MANWIDTH=80 man --warnings -l "$MAN" >"$T/man.txt" 2>"$T/man.err"
    rc=$?
    [ "$rc" -eq 0 ] && [ ! -s "$T/man.err" ] && [ -s "$T/man.txt" ] &&
        ok "man --warnings -l: renders, no warning" ||
        bad "man --warnings -l (exit $rc): $(head -n 3 "$T/man.err" | tr '\n' ' ')"
fi
command -v groff >/dev/null 2>&1 || skp "groff -man -ww: groff not installed"
command -v man >/dev/null 2>&1 || skp "man --warnings: man not installed"
# The page's source with font changes and roff's escaped hyphens undone.
sed -e 's/\\f[BIRP]//g' -e 's/\\-/-/g' -e 's/\\&//g' "$MAN" >"$T/man.src"
keys=$(sed -n 's/^\([a-z_][a-z0-9_.]*\): .*/\1/p' "$T/config")
nkeys=0 missing=""
for k in $keys; do
    nkeys=$((nkeys + 1))
    grep -qF "$k" "$T/man.src" || missing="$missing $k"
done
[ "$nkeys" -ge 40 ] && [ -z "$missing" ] && ok "man page names all $nkeys configuration keys" ||
    bad "man page lacks configuration keys ($nkeys checked):$missing"
missing=""
for k in name bpf snaplen buffer_size promisc type path address types; do
    grep -q "^\\.B $k\$" "$T/man.src" || missing="$missing $k"
done
[ -z "$missing" ] && ok "man page names the interface and output sub-keys" ||
    bad "man page lacks sub-keys:$missing"
# Every option that a command's --help lists; commands this build lacks are skipped.
for c in run pcap scan "rules check" "config check" status; do
    # shellcheck disable=SC2086
    if ! "$SW" $c --help >"$T/help" 2>&1; then
        skp "'$c --help' not available in this build: options not compared"
        continue
    fi
    grep -q "^\\.S[SH] \"*seawall $c" "$T/man.src" || bad "man page has no section for '$c'"
    missing=""
    for o in $(grep -o -- '--[a-z][a-z-]*' "$T/help" | sort -u); do
        grep -qF -- "$o" "$T/man.src" || missing="$missing $o"
    done
    [ -z "$missing" ] && ok "man page has every option of '$c --help'" ||
        bad "man page lacks options of '$c':$missing"
done

echo "systemd_unit: $pass passed, $fail failed, $skip skipped"
[ "$fail" -eq 0 ]
