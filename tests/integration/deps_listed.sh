#!/bin/sh
# deps_listed.sh SEAWALL - every external program (and Python module) that the tests and the
# make targets call comes from a Debian package that `make deps` installs: a missing install
# step fails here, where it is made, instead of as a test that quietly replays nothing on a
# fresh machine.
#  - tests/tools/deps_scan.py reads the Makefile, tests/*.sh, tests/integration/*.{sh,inc,py},
#    tests/tools/*.{sh,py} and .ci/run and lists the programs in command position, the
#    programs Python scripts run and the modules they import (nothing is run);
#  - every program found must be in the table below (program -> Debian package), and each
#    package must be in the Makefile's DEB_BUILD or DEB_TEST, be pulled in by a package listed
#    there (third column), or be Essential in Debian 12 (installed on every system);
#  - every repository script that is run (sh tests/tools/X.sh, python3 tests/...py) exists;
#  - where a program is installed here, `dpkg -S` must name the table's package for it (so the
#    table stays true); the checks above need none of the programs installed.
# To add a program: one line "program package [listed package that depends on it]" in the
# table, and the package in DEB_TEST (tests) or DEB_BUILD (build) in the Makefile. Find the
# package on a machine that has the program with `dpkg -S "$(readlink -f "$(command -v P)")"`.
SW=${1:?usage: deps_listed.sh SEAWALL}
cd "$(dirname "$0")/../.." || exit 2
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT INT TERM
pass=0 fail=0
ok() { pass=$((pass + 1)); echo "ok - $*"; }
bad() { fail=$((fail + 1)); echo "not ok - $*"; }

# program            Debian package      pulled in by (when the package itself is not listed)
cat >"$T/table" <<'EOF'
aide                 aide
apt-get              apt                 essential-ish: Priority important, on every Debian system
ar                   binutils            build-essential
awk                  mawk
basename             coreutils
bc                   bc
callgrind_annotate   valgrind
cat                  coreutils
cc                   gcc                 build-essential
chgrp                coreutils
chmod                coreutils
chown                coreutils
clang                clang
clang-format         clang-format
cmp                  diffutils
cp                   coreutils
curl                 curl
cut                  coreutils
date                 coreutils
dd                   coreutils
diff                 diffutils
dirname              coreutils
dpkg                 dpkg
dpkg-query           dpkg
du                   coreutils
find                 findutils
getent               libc-bin
git                  git
grep                 grep
groff                groff-base
gunzip               gzip
head                 coreutils
id                   coreutils
install              coreutils
ionice               util-linux
ip                   iproute2
ln                   coreutils
logrotate            logrotate
ls                   coreutils
make                 make                build-essential
man                  man-db
mkdir                coreutils
mkfifo               coreutils
mkfs.ext4            e2fsprogs
mktemp               coreutils
mount                mount
mv                   coreutils
ndpiReader           libndpi-bin
nproc                coreutils
od                   coreutils
openssl              openssl
pgrep                procps
pkg-config           pkg-config
pkill                procps
python3              python3
readlink             coreutils
realpath             coreutils
rm                   coreutils
rmdir                coreutils
rsyslogd             rsyslog
script               bsdutils
sed                  sed
seq                  coreutils
setpriv              util-linux
sh                   dash
sha256sum            coreutils
sleep                coreutils
sort                 coreutils
ss                   iproute2
stat                 coreutils
sysctl               procps
systemctl            systemd
systemd-analyze      systemd
systemd-sysusers     systemd
systemd-tmpfiles     systemd
tail                 coreutils
tcpreplay            tcpreplay
tee                  coreutils
touch                coreutils
tr                   coreutils
truncate             coreutils
tshark               tshark
umount               mount
uname                coreutils
unshare              util-linux
valgrind             valgrind
wc                   coreutils
yara                 yara
yarac                yara
EOF
# Python modules outside the standard library: module -> Debian package.
cat >"$T/modules" <<'EOF'
jsonschema           python3-jsonschema
yaml                 python3-yaml
EOF
# Debian 12's Essential: yes packages (dpkg-query -W -f='${Package} ${Essential}\n' | grep yes);
# apt is Priority important and what `make deps` itself runs.
ESSENTIAL="base-files base-passwd bash bsdutils coreutils dash debianutils diffutils dpkg
findutils grep gzip hostname init-system-helpers libc-bin login ncurses-base ncurses-bin
perl-base sed sysvinit-utils tar util-linux apt"

# The Makefile's lists, as make sees them.
listed=$(make --no-print-directory -s -f Makefile -f - print-deb-lists <<'EOF' 2>/dev/null
print-deb-lists:
	@echo $(DEB_BUILD) $(DEB_TEST)
EOF
)
[ -n "$listed" ] && ok "Makefile: DEB_BUILD and DEB_TEST read ($(echo $listed | wc -w) packages)" ||
    bad "cannot read DEB_BUILD/DEB_TEST from the Makefile"

files=$(ls Makefile .ci/run tests/*.sh tests/integration/*.sh tests/integration/*.inc \
    tests/integration/*.py tests/tools/*.sh tests/tools/*.py 2>/dev/null)
# shellcheck disable=SC2086
python3 tests/tools/deps_scan.py $files >"$T/uses" || bad "deps_scan.py failed"
nprog=$(awk -F '\t' '$1 == "program" { print $2 }' "$T/uses" | sort -u | wc -l)
[ "$nprog" -ge 30 ] && ok "$nprog programs found in $(echo $files | wc -w) files" ||
    bad "only $nprog programs found: the scan is broken"

# Every program and module: in the table, its package installed by make deps.
python3 - "$T/uses" "$T/table" "$T/modules" "$listed" "$ESSENTIAL" <<'PY' >"$T/check"
import sys
uses, table_f, modules_f, listed, essential = sys.argv[1:6]
listed, essential = set(listed.split()), set(essential.split())
def table(path):
    t = {}
    for line in open(path):
        c = line.split(None, 2)
        if c:
            t[c[0]] = (c[1], c[2].strip() if len(c) > 2 else "")
    return t
tables = {"program": table(table_f), "module": table(modules_f)}
where = {}
for line in open(uses):
    kind, name, loc = line.rstrip("\n").split("\t")
    if kind in tables:
        where.setdefault((kind, name), []).append(loc)
bad = 0
for (kind, name), locs in sorted(where.items()):
    at = ", ".join(locs[:3]) + (" and %d more" % (len(locs) - 3) if len(locs) > 3 else "")
    t = tables[kind]
    if name not in t:
        bad += 1
        what = ("add a line '%s PACKAGE' to the table in tests/integration/deps_listed.sh (PACKAGE: "
                "dpkg -S \"$(readlink -f \"$(command -v %s)\")\")" % (name, name) if kind == "program"
                else "add a line '%s PACKAGE' to the module table in tests/integration/deps_listed.sh "
                "(Debian names them python3-NAME)" % name)
        print("not ok - %s %s (%s) is not in the table: %s, and PACKAGE to DEB_TEST (or DEB_BUILD) "
              "in the Makefile" % (kind, name, at, what))
        continue
    pkg, via = t[name]
    if pkg in listed or pkg in essential:
        continue
    if via and via in listed:
        continue
    bad += 1
    print("not ok - %s %s (%s) comes from the Debian package %s, which `make deps` does not "
          "install: add %s to DEB_TEST (or DEB_BUILD) in the Makefile" % (kind, name, at, pkg, pkg))
print("checked %d programs and modules, %d not installed by make deps" % (len(where), bad))
sys.exit(1 if bad else 0)
PY
rc=$?
grep '^not ok' "$T/check"
[ $rc -eq 0 ] && ok "every program and module the tests and make targets call is installed by make deps ($(tail -n 1 "$T/check"))" ||
    bad "programs or modules not installed by make deps: $(grep -c '^not ok' "$T/check") (lines above)"

# Repository scripts that are run must exist (make unit once called a script that did not).
missing=$(awk -F '\t' '$1 == "script" { print $2 "\t" $3 }' "$T/uses" | sort -u |
    while IFS="$(printf '\t')" read -r path loc; do [ -e "$path" ] || echo "$path ($loc)"; done)
[ -z "$missing" ] && ok "every repository script the tests and make targets run exists" ||
    bad "scripts run but missing: $(echo "$missing" | tr '\n' ' ')"

# The table is true where the programs are installed: dpkg -S names the table's package, or a
# package it depends on (gcc -> gcc-12, pkg-config -> pkgconf -> pkgconf-bin).
owner() { # owner PATH: the package that installed PATH (usrmerge: /usr/bin/X may be /bin/X)
    for f in "$1" "$(readlink -f "$1")" "${1#/usr}" "$(readlink -f "$1" | sed 's|^/usr||')"; do
        o=$(dpkg -S "$f" 2>/dev/null | grep -v '^diversion' | head -n 1 | cut -d: -f1)
        [ -n "$o" ] && { echo "$o"; return; }
    done
}
depends() { # depends PKG: the packages PKG depends on, two levels down
    d=$(dpkg-query -W -f='${Depends}' "$1" 2>/dev/null | tr ',|' '\n\n' | awk '{ print $1 }')
    echo "$d"
    for x in $d; do dpkg-query -W -f='${Depends}' "$x" 2>/dev/null | tr ',|' '\n\n' | awk '{ print $1 }'; done
}
if command -v dpkg >/dev/null 2>&1; then
    wrong="" checked=0
    while read -r prog pkg _; do
        p=$(command -v "$prog" 2>/dev/null) || continue
        case $p in /*) ;; *) continue ;; esac  # a shell builtin or function
        o=$(owner "$p")
        if [ -z "$o" ]; then  # installed by hand here (e.g. a pyenv shim): nothing to compare
            echo "# $prog: $p belongs to no Debian package on this machine: not compared"
            continue
        fi
        checked=$((checked + 1))
        [ "$o" = "$pkg" ] || depends "$pkg" | grep -qx "${o:-none}" ||
            wrong="$wrong $prog:$pkg(dpkg -S:${o:-none})"
    done <"$T/table"
    [ -z "$wrong" ] && ok "dpkg -S agrees with the table for the $checked programs installed here" ||
        bad "the table names the wrong package for:$wrong"
fi
[ -x "$SW" ] || true  # the binary is not needed: the check reads the tree
echo "deps_listed: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
