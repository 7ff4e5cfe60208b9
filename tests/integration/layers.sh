#!/bin/sh
# layers.sh SEAWALL - the module layers of STYLE.md section 2 hold (tests/tools/layers.sh, also
# part of `make lint`): no collector includes a rules/ header but the detection stages'
# (sw/detect.h, sw/detect_file.h), no output file a collector or rules header. Then the check
# is shown to fail: on a scratch copy of the sources where a file collector includes
# sw/yara.h again (as collectors/file/scan_file.c did before issue 11), a network collector
# sw/sig.h, output/ sw/scanpool.h, and output's sw/stats.h the decoder's sw/decode.h (as it
# did until the counter types moved to sw/net_counters.h: a collector header reaching output/
# through a header), it names each of those lines. SEAWALL is not used.
cd "$(dirname "$0")/../.." || exit 2
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT INT TERM
pass=0 fail=0
ok() { echo "ok - $1"; pass=$((pass + 1)); }
nok() { echo "not ok - $1"; fail=$((fail + 1)); }

if sh tests/tools/layers.sh . >"$T/out" 2>&1; then
    ok "the tree keeps its layers: $(tail -n 1 "$T/out")"
else
    nok "the tree breaks its layers:"
    sed 's/^/#   /' "$T/out"
fi

mkdir -p "$T/tree"
cp -R include agent collectors rules output "$T/tree/"
# Each bad include goes after the file's first line (its own header first stays first).
sed -i '1a #include "sw/yara.h"' "$T/tree/collectors/file/scan_file.c"
sed -i '1a #include "sw/sig.h"' "$T/tree/collectors/net/net_worker.c"
sed -i '1a #include "sw/scanpool.h"' "$T/tree/output/router.c"
# After the guard: stats.h is output's public header, included by output/ (eve_stats.c).
sed -i '/^#define SW_STATS_H/a #include "sw/decode.h"' "$T/tree/include/sw/stats.h"
statsline=$(grep -n '"sw/decode.h"' "$T/tree/include/sw/stats.h" | cut -d: -f1)
sh tests/tools/layers.sh "$T/tree" >"$T/bad" 2>&1
rc=$?
[ $rc -eq 1 ] && ok "a broken tree fails the check (exit 1)" ||
    nok "a broken tree fails the check (got $rc: $(cat "$T/bad"))"
for want in "collectors/file/scan_file.c:2: a collector includes sw/yara.h" \
    "collectors/net/net_worker.c:2: a collector includes sw/sig.h" \
    "output/router.c:2: output includes sw/scanpool.h" \
    "include/sw/stats.h:$statsline: a header output includes pulls in sw/decode.h"; do
    grep -qxF "$want" "$T/bad" && ok "names: $want" || nok "names: $want (got: $(cat "$T/bad"))"
done
[ "$(wc -l <"$T/bad")" -eq 4 ] && ok "nothing else is reported" ||
    nok "nothing else is reported: $(cat "$T/bad")"

echo "layers: $pass passed, $fail failed"
[ $fail -eq 0 ]
