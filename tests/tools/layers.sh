#!/bin/sh
# layers.sh [DIR] - the module layers of STYLE.md section 2 in the tree DIR (default: this
# repository), checked on the #include lines of the sources:
#   - no source or header of collectors/, nor a public header a collector implements,
#     includes a header of rules/ but the detection stages' interfaces (sw/detect.h for the
#     network worker, sw/detect_file.h for the file scan pool);
#   - no source or header of output/ includes a header of collectors/ or rules/, nor through
#     another header: no header output/ includes (directly or not) includes one of them.
# A header include/sw/X.h belongs to the folder that has X.c, else to the one that has X_*.c
# (sig.h: rules/sig_*.c); a header of types only (packet.h, subject.h) belongs to none. Prints one line per violation ("file:line: a collector includes sw/yara.h")
# and exits 1, or prints "layers: ok (N headers placed)" and exits 0. Part of `make lint`
# (tests/tools/lint.sh); tests/integration/layers.sh runs it in `make test`.
cd "${1:-$(dirname "$0")/../..}" || exit 2
LC_ALL=C
export LC_ALL
tmp=$(mktemp -d) || exit 2
trap 'rm -rf "$tmp"' EXIT INT TERM

# owners: "X DIR" for each include/sw/X.h whose implementation is found, DIR the folder of X.c,
# else of X_*.c. Layer folders only, in this order.
LAYER_DIRS="agent/util agent collectors/net collectors/file rules output"
owners() {
    for h in include/sw/*.h; do
        b=$(basename "$h" .h)
        for pat in exact prefix; do
            for d in $LAYER_DIRS; do
                for f in "$d"/*.c; do
                    [ -f "$f" ] || continue
                    case $pat in
                    exact) [ "$f" = "$d/$b.c" ] || continue ;;
                    prefix) case $f in "$d/$b"_*.c) ;; *) continue ;; esac ;;
                    esac
                    echo "$b $d"
                    continue 4
                done
            done
        done
    done
}
owners >"$tmp/owners"
# owned DIR...: the base names of the headers owned by DIR...
owned() {
    for d in "$@"; do
        awk -v d="$d" '$2 == d { print $1 }' "$tmp/owners"
    done
}
# check WHO ALLOWED FORBIDDEN FILE...: FILE's includes of sw/X.h with X in FORBIDDEN (space-
# separated names) and not in ALLOWED, each reported as "FILE:LINE: WHO sw/X.h".
check_layer() {
    layer=$1 allowed=" $2 " forbidden=" $3 "
    shift 3
    for f in "$@"; do
        [ -f "$f" ] || continue
        grep -n -E '^[[:space:]]*#[[:space:]]*include[[:space:]]*"sw/[A-Za-z0-9_]+\.h"' "$f" |
            sed 's/^\([0-9]*\):.*"sw\/\([A-Za-z0-9_]*\)\.h".*/\1 \2/' |
            while read -r line b; do
                case $allowed in *" $b "*) continue ;; esac
                case $forbidden in *" $b "*) ;; *) continue ;; esac
                echo "$f:$line: $layer sw/$b.h"
            done
    done
}
rules_h=$(owned rules | tr '\n' ' ')
coll_h=$(owned collectors/net collectors/file | tr '\n' ' ')
case " $rules_h | $coll_h " in
*" detect "*"|"*" scanpool "*) ;;
*) echo "layers: cannot place rules/ and collectors/ headers in $(pwd)" >&2; exit 2 ;;
esac
coll_pub=""
for b in $coll_h; do coll_pub="$coll_pub include/sw/$b.h"; done
# sw_includes FILE...: the X of each #include "sw/X.h" line of the FILEs, one a line.
sw_includes() {
    cat "$@" 2>/dev/null | grep -E '^[[:space:]]*#[[:space:]]*include[[:space:]]*"sw/[A-Za-z0-9_]+\.h"' |
        sed 's/.*"sw\/\([A-Za-z0-9_]*\)\.h".*/\1/'
}
# The public headers output/ includes, directly or through one another, not following the
# forbidden ones (those are reported where they are included): each is held to output's rule,
# so that a header such as sw/stats.h cannot bring a collector's header into output/.
# shellcheck disable=SC2046
sw_includes $(find output -type f \( -name '*.c' -o -name '*.h' \)) | sort -u >"$tmp/reach"
while :; do
    : >"$tmp/next"
    while read -r b; do
        case " $rules_h $coll_h " in *" $b "*) continue ;; esac
        sw_includes "include/sw/$b.h" >>"$tmp/next"
    done <"$tmp/reach"
    sort -u "$tmp/reach" "$tmp/next" >"$tmp/grown"
    cmp -s "$tmp/grown" "$tmp/reach" && break
    mv "$tmp/grown" "$tmp/reach"
done
out_hdrs=""
while read -r b; do
    case " $rules_h $coll_h " in *" $b "*) continue ;; esac
    [ -f "include/sw/$b.h" ] && out_hdrs="$out_hdrs include/sw/$b.h"
done <"$tmp/reach"
# shellcheck disable=SC2046,SC2086
{
    check_layer "a collector includes" "detect detect_file" "$rules_h" \
        $(find collectors -type f \( -name '*.c' -o -name '*.h' \) | sort) $coll_pub
    check_layer "output includes" "" "$rules_h $coll_h" \
        $(find output -type f \( -name '*.c' -o -name '*.h' \) | sort)
    check_layer "a header output includes pulls in" "" "$rules_h $coll_h" $out_hdrs
} >"$tmp/layers"
if [ -s "$tmp/layers" ]; then
    cat "$tmp/layers"
    exit 1
fi
echo "layers: ok ($(wc -l <"$tmp/owners" | tr -d ' ') headers placed)"
exit 0

