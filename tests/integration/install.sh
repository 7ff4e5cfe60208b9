#!/bin/sh
# install.sh SEAWALL - `make install DESTDIR=... PREFIX=/usr/local` lays out every file at its
# place with its mode (binary, seawall(8), configuration, default rules, systemd unit with its
# paths filled in, sysusers.d, tmpfiles.d, logrotate, README); the installed binary runs, the
# installed config passes `config check`, the installed rules pass `rules check`; a second
# install keeps an edited configuration and writes seawall.yaml.new; `make uninstall` removes
# every file and seawall's own directories; PREFIX=/usr moves the PREFIX part and not /etc.
SW=${1:?usage: install.sh SEAWALL}
cd "$(dirname "$0")/../.." || exit 2
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT INT TERM
pass=0 fail=0
ok() { pass=$((pass + 1)); echo "ok - $*"; }
bad() { fail=$((fail + 1)); echo "not ok - $*"; }
V=$(basename "$(dirname "$SW")")
SANFLAG=""
[ "$V" = san ] && SANFLAG="SAN=1"
D=$T/root
mk() { # mk TARGET DESTDIR PREFIX: run make quietly, keep its output in $T/log
    make --no-print-directory $SANFLAG "$1" DESTDIR="$2" PREFIX="$3" >"$T/log" 2>&1
}
# mode_is FILE MODE: the file exists with exactly this permission mode.
mode_is() { [ -f "$1" ] && [ "$(stat -c %a "$1")" = "$2" ]; }

if mk install "$D" /usr/local; then ok "make install"; else bad "make install: $(tail -n 3 "$T/log")"; fi
for f in usr/local/bin/seawall:755 usr/local/share/man/man8/seawall.8:644 \
         etc/seawall/seawall.yaml:640 usr/local/lib/systemd/system/seawall.service:644 \
         usr/local/lib/sysusers.d/seawall.conf:644 usr/local/lib/tmpfiles.d/seawall.conf:644 \
         etc/logrotate.d/seawall:644 usr/local/share/doc/seawall/README.md:644; do
    p=${f%:*} m=${f##*:}
    if mode_is "$D/$p" "$m"; then
        ok "installed $p (mode $m)"
    elif [ -f "$D/$p" ]; then
        bad "$p has mode $(stat -c %a "$D/$p"), expected $m"
    else
        bad "missing $p"
    fi
done
# Installed copies equal their sources (the unit after substitution, below).
for f in agent/seawall.8:usr/local/share/man/man8/seawall.8 \
         agent/seawall.yaml:etc/seawall/seawall.yaml \
         systemd/seawall.sysusers:usr/local/lib/sysusers.d/seawall.conf \
         systemd/seawall.tmpfiles:usr/local/lib/tmpfiles.d/seawall.conf \
         systemd/seawall.logrotate:etc/logrotate.d/seawall \
         README.md:usr/local/share/doc/seawall/README.md; do
    cmp -s "${f%%:*}" "$D/${f#*:}" && ok "${f#*:} is ${f%%:*}" || bad "${f#*:} differs from ${f%%:*}"
done
nsrc=$(ls rules/default/*.yar | wc -l)
n=0 same=0
for r in rules/default/*.yar; do
    [ -f "$D/etc/seawall/rules/$(basename "$r")" ] && n=$((n + 1))
    cmp -s "$r" "$D/etc/seawall/rules/$(basename "$r")" && same=$((same + 1))
done
[ "$n" -gt 0 ] && [ "$n" -eq "$nsrc" ] && [ "$same" -eq "$nsrc" ] &&
    ok "$n default rule files installed" || bad "default rules: $n of $nsrc installed, $same equal"
nsrc=0 n=0
for r in rules/municipal/*.rules rules/municipal/ioc/*.lst; do
    nsrc=$((nsrc + 1))
    case $r in */ioc/*) t=$D/etc/seawall/rules/ioc/$(basename "$r") ;; *) t=$D/etc/seawall/rules/$(basename "$r") ;; esac
    cmp -s "$r" "$t" && n=$((n + 1))
done
[ "$nsrc" -gt 5 ] && [ "$n" -eq "$nsrc" ] &&
    ok "the municipal ruleset installed beside them: $n files (rules and ioc/ lists)" ||
    bad "municipal ruleset: $n of $nsrc installed"

U=$D/usr/local/lib/systemd/system/seawall.service
if grep -q '@[A-Z]*@' "$U"; then
    bad "unit keeps a placeholder: $(grep -o '@[A-Z]*@' "$U" | sort -u | tr '\n' ' ')"
else
    ok "unit has no @PLACEHOLDER@ left"
fi
exe=$(sed -n 's/^ExecStart=\([^ ]*\).*/\1/p' "$U")
[ "$exe" = /usr/local/bin/seawall ] && [ -x "$D$exe" ] &&
    ok "unit ExecStart=$exe is the installed binary" || bad "unit ExecStart is '$exe'"
grep -q '^ExecStart=/usr/local/bin/seawall run$' "$U" && ok "unit runs 'seawall run'" ||
    bad "unit ExecStart is not 'seawall run'"
grep -q '^Documentation=.*man:seawall(8)' "$U" &&
    grep -q "^Documentation=.*file:///usr/local/share/doc/seawall/README.md" "$U" &&
    [ -f "$D/usr/local/share/doc/seawall/README.md" ] &&
    ok "unit Documentation= names seawall(8) and the installed README" ||
    bad "unit Documentation= does not point at the installed pages"

[ -x "$D/usr/local/bin/seawall" ] && "$D/usr/local/bin/seawall" --version >/dev/null &&
    ok "installed binary runs" || bad "installed binary does not run"
"$D/usr/local/bin/seawall" config check -c "$D/etc/seawall/seawall.yaml" >/dev/null 2>&1 &&
    ok "installed config passes config check" || bad "installed config fails config check"
"$D/usr/local/bin/seawall" rules check "$D/etc/seawall/rules" >/dev/null 2>&1 &&
    ok "installed rules pass rules check" || bad "installed rules fail rules check"

# An edited configuration survives a second install; the new default lands beside it.
echo "# edited by the admin" >>"$D/etc/seawall/seawall.yaml"
if mk install "$D" /usr/local && grep -q 'edited by the admin' "$D/etc/seawall/seawall.yaml" &&
    cmp -s agent/seawall.yaml "$D/etc/seawall/seawall.yaml.new"; then
    ok "reinstall keeps the edited seawall.yaml and writes seawall.yaml.new"
else
    bad "reinstall over an edited seawall.yaml: $(tail -n 2 "$T/log")"
fi
# The same for an IOC list of the municipal ruleset the city filled in.
L=$D/etc/seawall/rules/ioc/domains.lst
echo "dXBkYXRlLmV4YW1wbGU=" >>"$L"
if mk install "$D" /usr/local && grep -q 'dXBkYXRlLmV4YW1wbGU=' "$L" &&
    cmp -s rules/municipal/ioc/domains.lst "$L.new" && grep -q "keeping the edited $L" "$T/log"; then
    ok "reinstall keeps the filled-in ioc/domains.lst and writes domains.lst.new"
else
    bad "reinstall over an edited IOC list: $(tail -n 2 "$T/log")"
fi
# uninstall keeps the edited files (and says so), removes everything else.
mk uninstall "$D" /usr/local
left=$(cd "$D" && find . -type f | sed 's|^\./||' | sort | tr '\n' ' ')
[ "$left" = "etc/seawall/rules/ioc/domains.lst etc/seawall/seawall.yaml " ] &&
    grep -q 'keeping the edited' "$T/log" &&
    ok "uninstall keeps only the edited seawall.yaml and IOC list" ||
    bad "uninstall after an edit left: $left"
rm -f "$D/etc/seawall/seawall.yaml" "$L"
rmdir "$D/etc/seawall/rules/ioc" "$D/etc/seawall/rules" 2>/dev/null

# A fresh install and uninstall leave no file and none of seawall's directories.
rm -rf "$D"
mk install "$D" /usr/local && mk uninstall "$D" /usr/local
left=$(find "$D" -type f | wc -l)
[ "$left" -eq 0 ] && ok "make uninstall removes every file" ||
    bad "uninstall left $left files: $(cd "$D" && find . -type f | head -n 5 | tr '\n' ' ')"
dirs=""
for d in etc/seawall usr/local/share/doc/seawall; do [ -e "$D/$d" ] && dirs="$dirs $d"; done
[ -z "$dirs" ] && ok "make uninstall removes seawall's directories" || bad "uninstall left$dirs"

# PREFIX=/usr: binary, unit, sysusers and tmpfiles under /usr; configuration still in /etc.
rm -rf "$D"
if mk install "$D" /usr && [ -x "$D/usr/bin/seawall" ] &&
    [ -f "$D/usr/lib/systemd/system/seawall.service" ] &&
    grep -q '^ExecStart=/usr/bin/seawall run$' "$D/usr/lib/systemd/system/seawall.service" &&
    [ -f "$D/usr/lib/sysusers.d/seawall.conf" ] && [ -f "$D/usr/share/man/man8/seawall.8" ] &&
    [ -f "$D/etc/seawall/seawall.yaml" ] && [ ! -e "$D/usr/etc" ]; then
    ok "PREFIX=/usr installs under /usr, configuration under /etc"
else
    bad "PREFIX=/usr layout: $(cd "$D" 2>/dev/null && find . -type f | head -n 8 | tr '\n' ' ')"
fi
mk uninstall "$D" /usr
left=$(find "$D" -type f | wc -l)
[ "$left" -eq 0 ] && ok "PREFIX=/usr uninstall removes every file" || bad "PREFIX=/usr uninstall left $left files"

echo "install: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
