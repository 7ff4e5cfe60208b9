#!/bin/sh
# fim_aide.sh SEAWALL - the start-up diff of the FIM baseline against AIDE (Debian's aide 0.18,
# JSON report) on a generated tree: `seawall fim update` and `aide --init` record it, scripted
# changes follow (add, modify content, modify same-size content, delete, chmod, chown, mtime
# only, replace by another type, rename within and across directories, retarget a symlink,
# hard link, file replaced by a directory, a directory removed), then `seawall fim check` and
# `aide --check` must report the same paths added, removed and changed with the same changed
# attributes, up to the accepted differences of tests/fim-aide-known-differences.tsv (each
# with its reason). Then `fim update` takes the changes and the next check is clean.
# Attributes compared (AIDE rule p+u+g+s+m+sha256+ftype+l on non-directories): what seawall's
# fim.changed names. Every time set here is a whole second: AIDE keeps mtime in seconds.
SW=${1:?usage: fim_aide.sh SEAWALL}
cd "$(dirname "$0")/../.." || exit 2
if ! command -v aide >/dev/null 2>&1; then
    echo "fim aide: skipped: aide not installed (make deps)"
    exit 77
fi
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT INT TERM
pass=0 fail=0
ok() { pass=$((pass + 1)); echo "ok - $*"; }
nok() { fail=$((fail + 1)); echo "not ok - $*"; }

R=$T/tree
T0=@1700000000
T1=@1700000500
mkdir -p "$R/etc" "$R/bin" "$R/var" "$R/docs" "$R/gone"
# A bulk of files that must not change, in a few directories.
i=0
while [ $i -lt 300 ]; do
    d=$R/bulk/d$((i % 12))
    mkdir -p "$d"
    printf 'bulk %d\n' $i >"$d/f$i"
    i=$((i + 1))
done
printf 'key=value\n' >"$R/etc/app.conf"
printf 'AAAA\n' >"$R/etc/same-size"
printf 'x\n' >"$R/etc/owned"
printf 'x\n' >"$R/etc/touched"
printf 'to become a link\n' >"$R/etc/to-link"
printf 'to be a fifo\n' >"$R/etc/to-fifo"
ln -s ../etc/app.conf "$R/etc/link-to-file"
printf '#!/bin/sh\n' >"$R/bin/tool"
chmod 755 "$R/bin/tool"
printf 'old\n' >"$R/var/old.log"
printf 'a\n' >"$R/docs/a.txt"
printf 'c\n' >"$R/docs/c.txt"
mkdir -p "$R/v1" "$R/v2"
ln -s v1 "$R/cur"
printf 'f\n' >"$R/var/was-file"
printf '1\n' >"$R/gone/one"
printf '2\n' >"$R/gone/two"
find "$R" -exec touch -h -d "$T0" {} +

cat >"$T/aide.conf" <<EOF
database_in=file:$T/aide.db
database_out=file:$T/aide.db.new
gzip_dbout=no
report_format=json
report_url=stdout
num_workers=1
Seawall = p+u+g+s+m+sha256+ftype+l
$R f,l,p,s,c,b Seawall
EOF
DB=$T/fim.db
"$SW" fim update --db "$DB" "$R" >"$T/init.json" 2>"$T/init.err"
rc=$?
[ $rc -eq 0 ] && [ ! -s "$T/init.json" ] && ok "fim update on a new baseline: exit 0, no events" ||
    nok "fim update on a new baseline (exit $rc, $(wc -l <"$T/init.json") events): $(cat "$T/init.err")"
if ! aide --init -c "$T/aide.conf" >"$T/aide-init.out" 2>&1; then
    nok "aide --init: $(tail -n 3 "$T/aide-init.out")"
    echo "fim aide: $pass passed, $fail failed"
    exit 1
fi
mv "$T/aide.db.new" "$T/aide.db"

# --- the scripted changes ---------------------------------------------------------------------
printf 'new\n' >"$R/new.txt" && touch -d "$T1" "$R/new.txt"                 # add
printf 'more=1\n' >>"$R/etc/app.conf" && touch -d "$T1" "$R/etc/app.conf"  # modify content
printf 'BBBB\n' >"$R/etc/same-size" && touch -d "$T0" "$R/etc/same-size"   # same size, same mtime
rm "$R/var/old.log"                                                        # delete
chmod 700 "$R/bin/tool" && touch -d "$T0" "$R/bin/tool"                     # chmod
if [ "$(id -u)" = 0 ]; then
    chown 1234:1234 "$R/etc/owned"                                         # chown
else
    echo "# chown: not root, left out"
fi
touch -d "$T1" "$R/etc/touched"                                            # mtime only
rm "$R/etc/to-link" && ln -s /etc/hostname "$R/etc/to-link" &&
    touch -h -d "$T0" "$R/etc/to-link"                                     # file -> symlink
rm "$R/etc/to-fifo" && mkfifo "$R/etc/to-fifo" && touch -d "$T0" "$R/etc/to-fifo" # file -> fifo
rm "$R/etc/link-to-file" && printf 'now a file\n' >"$R/etc/link-to-file" &&
    touch -d "$T0" "$R/etc/link-to-file"                                   # symlink -> file
mv "$R/docs/a.txt" "$R/docs/b.txt"                                         # rename, same dir
mv "$R/docs/c.txt" "$R/var/c.txt"                                          # rename, across
ln -sfn v2 "$R/cur" && touch -h -d "$T0" "$R/cur"                          # retarget, same size
ln "$R/bin/tool" "$R/bin/tool-hard"                                        # hard link
rm "$R/var/was-file" && mkdir "$R/var/was-file" && printf 'in\n' >"$R/var/was-file/in" &&
    touch -d "$T1" "$R/var/was-file/in"                                    # file -> directory
rm -r "$R/gone"                                                            # directory removed

"$SW" fim check --db "$DB" "$R" >"$T/check.json" 2>"$T/check.err"
rc=$?
[ $rc -eq 1 ] && ok "fim check with differences exits 1" ||
    nok "fim check with differences exits 1 (got $rc): $(cat "$T/check.err")"
aide --check -c "$T/aide.conf" >"$T/aide.json" 2>"$T/aide.err"
arc=$?
[ $arc -ne 0 ] && [ $arc -lt 14 ] && ok "aide --check found differences (exit $arc)" ||
    nok "aide --check (exit $arc): $(head -n 3 "$T/aide.err")"
python3 tests/tools/fim_aide_compare.py "$T/check.json" "$T/aide.json" \
    tests/fim-aide-known-differences.tsv >"$T/cmp.out"
crc=$?
cat "$T/cmp.out"
[ $crc -eq 0 ] && ok "seawall and aide agree on every path and attribute" ||
    nok "seawall and aide disagree (see above)"
# The comparison saw the changes it was meant to (not an empty agreement).
for want in "/etc/same-size: sha256" "/etc/touched: mtime" "/bin/tool: mode" \
    "/etc/to-link: size,type" "/cur: sha256"; do
    if grep -q "^ok - changed $R$want\$" "$T/cmp.out"; then ok "compared $want"; else nok "compared $want"; fi
done
if [ "$(id -u)" = 0 ]; then
    grep -q "^ok - changed $R/etc/owned: gid,uid\$" "$T/cmp.out" && ok "compared chown" || nok "compared chown"
fi
n_moved=$(grep -c '"action":"moved"' "$T/check.json")
[ "$n_moved" -eq 2 ] && ok "both renames are one moved event each" || nok "moved events: $n_moved, want 2"

# --- update takes the changes; the next check is clean ------------------------------------------
"$SW" fim update --db "$DB" "$R" >"$T/update.json" 2>/dev/null
rc=$?
[ $rc -eq 1 ] && ok "fim update with differences exits 1" || nok "fim update exit $rc, want 1"
sed 's/"timestamp":"[^"]*"//' "$T/update.json" | sort >"$T/u"
sed 's/"timestamp":"[^"]*"//' "$T/check.json" | sort >"$T/c"
cmp -s "$T/u" "$T/c" && ok "update reports what check reported" ||
    nok "update's events differ from check's: $(diff "$T/c" "$T/u" | head -n 4)"
"$SW" fim check --db "$DB" "$R" >"$T/again.json" 2>"$T/again.err"
rc=$?
[ $rc -eq 0 ] && [ ! -s "$T/again.json" ] && ok "the check after update is clean" ||
    nok "the check after update: exit $rc, $(cat "$T/again.json" "$T/again.err")"

echo "fim aide: $pass passed, $fail failed"
[ $fail -eq 0 ]
