#!/bin/sh
# install.sh SEAWALL - `make install DESTDIR=...` lays out binary, config, default rules and
# docs; the installed binary runs, the installed config passes `config check`, the installed
# rules pass `rules check`; `make uninstall` removes them again.
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
if make --no-print-directory $SANFLAG install DESTDIR="$T" PREFIX=/usr/local >"$T.log" 2>&1; then
    ok "make install"
else
    bad "make install: $(tail -n 3 "$T.log")"
fi
rm -f "$T.log"
for f in usr/local/bin/seawall etc/seawall/seawall.yaml usr/local/share/doc/seawall/README.md; do
    [ -f "$T/$f" ] && ok "installed $f" || bad "missing $f"
done
n=$(ls "$T"/etc/seawall/rules/*.yar 2>/dev/null | wc -l)
[ "$n" -gt 0 ] && ok "$n default rule files installed" || bad "no default rules installed"
[ -x "$T/usr/local/bin/seawall" ] && "$T/usr/local/bin/seawall" --version >/dev/null &&
    ok "installed binary runs" || bad "installed binary does not run"
"$T/usr/local/bin/seawall" config check -c "$T/etc/seawall/seawall.yaml" >/dev/null 2>&1 &&
    ok "installed config passes config check" || bad "installed config fails config check"
"$T/usr/local/bin/seawall" rules check "$T/etc/seawall/rules" >/dev/null 2>&1 &&
    ok "installed rules pass rules check" || bad "installed rules fail rules check"
make --no-print-directory $SANFLAG uninstall DESTDIR="$T" PREFIX=/usr/local >/dev/null 2>&1
left=$(find "$T" -type f | wc -l)
[ "$left" -eq 0 ] && ok "make uninstall removes every file" || bad "uninstall left $left files"
echo "install: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
